"""Checkpoints as safetensors files: weights, optional optimizer state, and JSON metadata.

Nothing is pickled. Each checkpoint is ONE file written atomically, with the metadata (model
config, class list, token config, package version, training state) stored inside the file's
header, so weights and metadata can never disagree after an interruption. A readable copy of
the metadata is written beside it as ``<name>.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from lcformer import atomic
from lcformer.errors import RunNotFoundError

OPTIMIZER_PREFIX = "optimizer/"


def save_checkpoint(path: str | Path, model: torch.nn.Module, metadata: dict[str, Any],
                    optimizer: torch.optim.Optimizer | None = None) -> Path:
    path = Path(path)
    tensors = {f"model/{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    metadata = dict(metadata)
    if optimizer is not None:
        state = optimizer.state_dict()
        for index, param_state in state["state"].items():
            for key, value in param_state.items():
                value = value if torch.is_tensor(value) else torch.tensor(value)
                tensors[f"{OPTIMIZER_PREFIX}{index}/{key}"] = value.detach().cpu().contiguous()
        metadata["optimizer_param_groups"] = state["param_groups"]
    with atomic.temporary_path(path) as tmp:
        save_file(tensors, str(tmp), metadata={"lcformer": json.dumps(metadata)})
    atomic.write_json(path.with_suffix(".json"), metadata)
    return path


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any],
                                                dict[str, Any] | None]:
    """(model state dict, metadata, optimizer state dict or None)."""
    path = Path(path)
    if not path.is_file():
        raise RunNotFoundError(f"no checkpoint at {path}: is this a finished run folder "
                               f"(or one saved by Classifier.save)?")
    model_state: dict[str, torch.Tensor] = {}
    optim_tensors: dict[str, torch.Tensor] = {}
    with safe_open(str(path), framework="pt") as handle:
        metadata = json.loads(handle.metadata()["lcformer"])
        for key in handle.keys():
            if key.startswith("model/"):
                model_state[key[len("model/"):]] = handle.get_tensor(key)
            else:
                optim_tensors[key[len(OPTIMIZER_PREFIX):]] = handle.get_tensor(key)
    optimizer_state = None
    if "optimizer_param_groups" in metadata:
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in optim_tensors.items():
            index, name = key.split("/", 1)
            state.setdefault(int(index), {})[name] = value
        optimizer_state = {"state": state, "param_groups": metadata["optimizer_param_groups"]}
    return model_state, metadata, optimizer_state
