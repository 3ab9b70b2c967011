"""Checkpoints as safetensors files: weights, optional optimizer state, and JSON metadata.

Nothing is pickled. Each checkpoint is ONE file written atomically, with the metadata (model
config, class list, token config, package version, training state) stored inside the file's
header, so weights and metadata can never disagree after an interruption. A readable copy of
the metadata is written beside it as ``<name>.json``.

Integrity: the header also holds a SHA-256 digest of the metadata and of every tensor (name,
dtype, shape, bytes), checked on every load, so a flipped, truncated or empty file is refused
with a :class:`~lcformer.errors.CorruptFileError` instead of predicting silently from damaged
weights. Checkpoints of lcformer 0.1.0 have no digest; they still load, unverified.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save

from lcformer import atomic
from lcformer.errors import CorruptFileError, RunNotFoundError
from lcformer.training.run_folder import BEST_FILE, LAST_FILE

OPTIMIZER_PREFIX = "optimizer/"
METADATA_KEY = "lcformer"  # the JSON metadata in the safetensors header
DIGEST_KEY = "sha256"  # content_digest() of the tensors and that JSON text


def content_digest(tensors: Mapping[str, torch.Tensor], metadata_json: str) -> str:
    """SHA-256 of the metadata text and every tensor's name, dtype, shape and bytes (sorted by
    name): what the file holds, whatever order safetensors lays the tensors out in."""
    digest = hashlib.sha256(metadata_json.encode("utf-8"))
    for name in sorted(tensors):
        tensor = tensors[name].detach().cpu().contiguous()
        digest.update(f"\0{name}\0{tensor.dtype}\0{tuple(tensor.shape)}\0".encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy())
    return digest.hexdigest()


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
    text = json.dumps(metadata)
    header = {METADATA_KEY: text, DIGEST_KEY: content_digest(tensors, text)}
    # As bytes through atomic.write_bytes: safetensors' save_file writes a temporary file of
    # its own (owner-only mode, and left behind if the process is killed) and renames it.
    atomic.write_bytes(path, canonical_header(save(tensors, metadata=header)))
    atomic.write_json(path.with_suffix(".json"), metadata)
    return path


def canonical_header(data: bytes) -> bytes:
    """A safetensors file with its JSON header's keys in sorted order (the format's own
    padding: spaces to a multiple of 8 bytes). safetensors writes the metadata's keys in a
    hash map's order, which changes from run to run, so that identical checkpoints would differ
    byte for byte (two identical runs, two sha256sums). Tensor offsets count from the
    end of the header, so the data stays as it is."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + size])
    text = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return len(text).to_bytes(8, "little") + text + data[8 + size:]


@dataclass
class CheckpointFile:
    """A checkpoint as read and verified: its tensors, metadata and stored digest."""

    path: Path
    tensors: dict[str, torch.Tensor]
    metadata: dict[str, Any]
    digest: str | None  # verified; None: written by lcformer 0.1.0, loaded unverified

    @property
    def n_bytes(self) -> int:
        return self.path.stat().st_size


def _advice(path: Path) -> str:
    """What to do about a damaged checkpoint, by the part it plays in a run folder."""
    if path.name == BEST_FILE and path.with_name(LAST_FILE).is_file():
        return ("copy or download it again, retrain, or use the run's last weights "
                "(`lcformer predict --checkpoint last`, `Classifier.load(folder, 'last')`)")
    if path.name == LAST_FILE:
        return ("copy or download it again, or train again without --resume (a finished "
                "run's best.safetensors is unaffected)")
    return "copy or download it again, or retrain"


def corrupt(path: Path, problem: str) -> CorruptFileError:
    return CorruptFileError(f"{path}: damaged checkpoint: {problem}; {_advice(path)}")


def read_checkpoint(path: str | Path) -> CheckpointFile:
    """Read a checkpoint and check its digest; any damage is a CorruptFileError naming it."""
    path = Path(path)
    if not path.is_file():
        raise RunNotFoundError(f"no checkpoint at {path}: is this a finished run folder "
                               f"(or one saved by Classifier.save)?")
    if path.stat().st_size == 0:
        raise corrupt(path, "the file is empty (0 bytes)")
    try:
        with safe_open(str(path), framework="pt") as handle:
            header = dict(handle.metadata() or {})
            tensors = {key: handle.get_tensor(key) for key in handle.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError, TypeError, KeyError) as exc:
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise corrupt(path, f"not a readable safetensors file, truncated or overwritten "
                            f"({reason})") from None
    text = header.get(METADATA_KEY)
    if not isinstance(text, str):  # another tool's safetensors file: whole, not lcformer's
        raise RunNotFoundError(f"{path}: a safetensors file without lcformer's metadata, so "
                               f"not an lcformer model; give a run folder of lcformer train "
                               f"(or a folder saved by Classifier.save)")
    try:
        metadata = json.loads(text)
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise corrupt(path, "its lcformer metadata is not valid JSON")
    stored = header.get(DIGEST_KEY)
    if stored is None:
        if set(header) != {METADATA_KEY}:  # a checkpoint of 0.1.0 holds nothing else
            raise corrupt(path, f"no SHA-256 digest, and unknown header entries "
                                f"{sorted(set(header) - {METADATA_KEY})}")
    elif content_digest(tensors, text) != stored:
        raise corrupt(path, "its contents do not match the SHA-256 digest stored in it "
                            "(bytes changed since it was written)")
    return CheckpointFile(path, tensors, metadata, stored)


def load_checkpoint(path: str | Path) -> tuple[dict[str, torch.Tensor], dict[str, Any],
                                                dict[str, Any] | None]:
    """(model state dict, metadata, optimizer state dict or None), verified."""
    checkpoint = read_checkpoint(path)
    metadata = checkpoint.metadata
    model_state: dict[str, torch.Tensor] = {}
    optim_tensors: dict[str, torch.Tensor] = {}
    for key, value in checkpoint.tensors.items():
        if key.startswith("model/"):
            model_state[key[len("model/"):]] = value
        elif key.startswith(OPTIMIZER_PREFIX):
            optim_tensors[key[len(OPTIMIZER_PREFIX):]] = value
        else:
            raise corrupt(checkpoint.path, f"unexpected tensor {key!r}")
    optimizer_state = None
    if "optimizer_param_groups" in metadata:
        state: dict[int, dict[str, torch.Tensor]] = {}
        for key, value in optim_tensors.items():
            index, _, name = key.partition("/")
            if not index.isdigit() or not name:
                raise corrupt(checkpoint.path, f"unexpected optimizer tensor {key!r}")
            state.setdefault(int(index), {})[name] = value
        optimizer_state = {"state": state, "param_groups": metadata["optimizer_param_groups"]}
    return model_state, metadata, optimizer_state
