"""Checkpoints: one safetensors file, written atomically, with its metadata, never pickled."""

from __future__ import annotations

import json
import math
import pickle
import struct

import pytest
import torch
import torch.nn.functional as F

from lcformer.models import build_model, model_from_config
from lcformer.models.config import ModelConfig
from lcformer.training import checkpoints
from lcformer.training.checkpoints import load_checkpoint, save_checkpoint

TOKENS = {"window": 20, "stride": 10, "token_size": 2, "token_stride": 1, "scale_max": 30.0,
          "pad_short": False}
META = {"model": None, "classes": ["a", "b", "c"], "tokens": TOKENS, "nested": {"x": [1, 2.5]},
        "best_score": -math.inf}  # a run with no classification epoch yet



def trained_model():
    torch.manual_seed(0)
    model = build_model("encoder", n_classes=3, emb=8, heads=2, max_tokens=8)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    tokens = torch.randn(4, 5, 4)
    mask = torch.ones(4, 5, dtype=torch.bool)
    for _ in range(2):
        loss = F.nll_loss(model.classify(tokens, mask), torch.tensor([0, 1, 2, 0]))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return model, optimizer


def metadata(model) -> dict:
    return META | {"model": model.config.to_dict()}


def test_round_trip_model_optimizer_and_metadata(tmp_path) -> None:
    model, optimizer = trained_model()
    path = save_checkpoint(tmp_path / "last.safetensors", model, metadata(model), optimizer)
    state, meta, optim_state = load_checkpoint(path)

    assert state.keys() == model.state_dict().keys()
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())
    rebuilt = model_from_config(ModelConfig.from_dict(meta["model"]))
    rebuilt.load_state_dict(state)

    saved_meta = {k: v for k, v in meta.items() if k != "optimizer_param_groups"}
    assert saved_meta == metadata(model)
    readable = json.loads((tmp_path / "last.json").read_text())
    assert readable["classes"] == ["a", "b", "c"] and readable["tokens"] == TOKENS

    assert optim_state is not None
    fresh = torch.optim.Adam(rebuilt.parameters(), lr=0.5)
    fresh.load_state_dict(optim_state)
    want, got = optimizer.state_dict(), fresh.state_dict()
    assert want["state"].keys() == got["state"].keys() and len(want["state"]) > 0
    for index, values in want["state"].items():
        assert values.keys() == got["state"][index].keys()
        for key, value in values.items():
            assert torch.equal(torch.as_tensor(value), torch.as_tensor(got["state"][index][key]))
    assert got["param_groups"][0]["lr"] == pytest.approx(1e-2)
    assert got["param_groups"][0]["params"] == want["param_groups"][0]["params"]


def test_without_optimizer_there_is_no_optimizer_state(tmp_path) -> None:
    model, _ = trained_model()
    save_checkpoint(tmp_path / "best.safetensors", model, metadata(model))
    state, meta, optim_state = load_checkpoint(tmp_path / "best.safetensors")
    assert optim_state is None
    assert "optimizer_param_groups" not in meta
    assert all(k in model.state_dict() for k in state)


def test_written_atomically_and_overwritten_whole(tmp_path) -> None:
    model, optimizer = trained_model()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, metadata(model), optimizer)
    save_checkpoint(path, model, metadata(model) | {"epoch": 2})  # overwrite, no optimizer
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.json", "ckpt.safetensors"]
    _, meta, optim_state = load_checkpoint(path)
    assert meta["epoch"] == 2 and optim_state is None


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    model, _ = trained_model()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, metadata(model) | {"epoch": 1})
    before = path.read_bytes()

    def broken(tensors, filename, metadata=None):
        with open(filename, "wb") as handle:
            handle.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints, "save_file", broken)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model, metadata(model) | {"epoch": 2})
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt.json", "ckpt.safetensors"]
    assert load_checkpoint(path)[1]["epoch"] == 1


def test_file_is_safetensors_not_pickle(tmp_path, monkeypatch) -> None:
    model, optimizer = trained_model()
    path = save_checkpoint(tmp_path / "x.safetensors", model, metadata(model), optimizer)
    raw = path.read_bytes()
    (header_len,) = struct.unpack("<Q", raw[:8])
    assert 0 < header_len < len(raw) - 8
    header = json.loads(raw[8:8 + header_len])
    assert json.loads(header["__metadata__"]["lcformer"])["classes"] == ["a", "b", "c"]
    assert {k for k in header if k != "__metadata__"} >= {f"model/{k}" for k in
                                                          model.state_dict()}
    assert not raw.startswith((b"\x80", b"PK"))  # neither a pickle nor torch's zip format

    def no_unpickling(*args, **kwargs):
        raise AssertionError("a checkpoint was unpickled")

    monkeypatch.setattr(pickle, "load", no_unpickling)
    monkeypatch.setattr(pickle, "loads", no_unpickling)
    monkeypatch.setattr(pickle, "Unpickler", no_unpickling)
    monkeypatch.setattr(torch, "load", no_unpickling)
    state, _, optim_state = load_checkpoint(path)
    assert state and optim_state


def test_missing_checkpoint(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="no checkpoint"):
        load_checkpoint(tmp_path / "nothing.safetensors")
