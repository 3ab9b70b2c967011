"""Checkpoints: one safetensors file, written atomically, with its metadata, never pickled."""

from __future__ import annotations

import json
import math
import pickle
import struct
import tempfile
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.errors import CorruptFileError, LcformerError, RunNotFoundError
from lcformer.models import build_model, model_from_config
from lcformer.models.config import ModelConfig
from lcformer.training import checkpoints
from lcformer.training.checkpoints import load_checkpoint, read_checkpoint, save_checkpoint

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


def test_the_same_checkpoint_is_the_same_bytes(tmp_path) -> None:
    """Two identical runs write checkpoints of one sha256sum, though safetensors lays
    out the metadata's keys in a hash map's order, new for every map."""
    model, optimizer = trained_model()
    saved = {(save_checkpoint(tmp_path / f"{i}.safetensors", model, metadata(model),
                              optimizer)).read_bytes() for i in range(8)}
    assert len(saved) == 1
    data = saved.pop()
    size = int.from_bytes(data[:8], "little")
    assert size % 8 == 0 and list(json.loads(data[8:8 + size])) == sorted(
        json.loads(data[8:8 + size]))
    state, _, _ = load_checkpoint(tmp_path / "0.safetensors")  # verified, as always
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


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


def test_checkpoints_are_readable_as_the_other_files_are(tmp_path) -> None:
    """safetensors' save_file wrote its own owner-only (0600) temporary file and renamed it,
    so other users of a shared run folder could read everything but the model."""
    import os

    model, _ = trained_model()
    path = save_checkpoint(tmp_path / "ckpt.safetensors", model, metadata(model))
    mode = path.stat().st_mode & 0o777
    assert mode == path.with_suffix(".json").stat().st_mode & 0o777
    umask = os.umask(0)
    os.umask(umask)
    assert mode == 0o666 & ~umask


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch) -> None:
    model, _ = trained_model()
    path = tmp_path / "ckpt.safetensors"
    save_checkpoint(path, model, metadata(model) | {"epoch": 1})
    before = path.read_bytes()

    def broken(fd):  # the bytes are written, the disk fills before they are on it
        raise OSError("disk full")

    monkeypatch.setattr(checkpoints.atomic.os, "fsync", broken)
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


# ---------------------------------------------------------------- integrity
LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy-0.1.0"


@pytest.fixture(scope="module")
def saved_bytes(tmp_path_factory) -> bytes:
    """A valid checkpoint with optimizer state, as bytes."""
    model, optimizer = trained_model()
    folder = tmp_path_factory.mktemp("ckpt")
    return save_checkpoint(folder / "last.safetensors", model, metadata(model),
                           optimizer).read_bytes()


def tensor_region(raw: bytes) -> tuple[int, int]:
    (header_len,) = struct.unpack("<Q", raw[:8])
    return 8 + header_len, len(raw)


def test_the_digest_covers_metadata_and_tensors(saved_bytes) -> None:
    header = json.loads(saved_bytes[8:tensor_region(saved_bytes)[0]])["__metadata__"]
    assert set(header) == {"lcformer", "sha256"} and len(header["sha256"]) == 64


def test_flipped_tensor_bytes_are_refused_naming_the_file(tmp_path, saved_bytes) -> None:
    """The issue's case: 1,000 bytes flipped inside the tensor data loaded silently."""
    start, end = tensor_region(saved_bytes)
    damaged = bytearray(saved_bytes)
    for i in range(start, min(start + 1000, end)):
        damaged[i] ^= 0x5A
    path = tmp_path / "best.safetensors"
    path.write_bytes(bytes(damaged))
    with pytest.raises(CorruptFileError, match=r"best\.safetensors: damaged checkpoint: its "
                                               r"contents do not match the SHA-256") as info:
        load_checkpoint(path)
    # The last weights are offered only where there are some (a model with trees has none).
    assert "--checkpoint last" not in str(info.value) and "\n" not in str(info.value)
    (tmp_path / "last.safetensors").write_bytes(saved_bytes)
    with pytest.raises(CorruptFileError) as info:
        load_checkpoint(path)
    assert "--checkpoint last" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("cut", ["empty", "header", "tensors"])
def test_truncated_or_empty_files_are_refused_naming_the_file(tmp_path, saved_bytes,
                                                              cut) -> None:
    start, end = tensor_region(saved_bytes)
    size = {"empty": 0, "header": start // 2, "tensors": (start + end) // 2}[cut]
    path = tmp_path / "last.safetensors"
    path.write_bytes(saved_bytes[:size])
    with pytest.raises(CorruptFileError, match=str(path)) as info:
        load_checkpoint(path)
    assert ("empty (0 bytes)" in str(info.value)) == (cut == "empty")
    assert "without --resume" in str(info.value) and "\n" not in str(info.value)


def test_a_digest_key_lost_is_not_taken_for_an_old_checkpoint(tmp_path, saved_bytes) -> None:
    i = saved_bytes.index(b'"sha256"')
    damaged = saved_bytes[:i + 1] + b"x" + saved_bytes[i + 2:]  # "xha256": an unknown entry
    path = tmp_path / "x.safetensors"
    path.write_bytes(damaged)
    with pytest.raises(CorruptFileError, match="unknown header entries"):
        load_checkpoint(path)


def test_checkpoints_of_0_1_0_have_no_digest_and_still_load() -> None:
    for path in (LEGACY / "run" / "best.safetensors", LEGACY / "api_model" / "best.safetensors"):
        checkpoint = read_checkpoint(path)
        assert checkpoint.digest is None and checkpoint.metadata["classes"]
        state, _, _ = load_checkpoint(path)
        assert state


def test_model_loaders_refuse_a_damaged_checkpoint(tmp_path, saved_bytes) -> None:
    """Classifier.load and load_model (predict, results) give the same one-line error."""
    from lcformer.api import Classifier
    from lcformer.training.run_folder import load_model

    (tmp_path / "best.safetensors").write_bytes(saved_bytes[:100])
    for load in (load_model, Classifier.load):
        with pytest.raises(CorruptFileError, match=r"best\.safetensors: damaged checkpoint"):
            load(tmp_path)


MUTATIONS = st.lists(st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**9), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(0, 10**9)),
    st.tuples(st.just("insert"), st.integers(0, 10**9), st.binary(min_size=1, max_size=16)),
), min_size=1, max_size=3)


def mutate(raw: bytes, mutations: list[tuple]) -> bytes:
    data = bytearray(raw)
    for kind, where, *rest in mutations:
        i = where % (len(data) + 1)
        if kind == "flip" and data:
            data[i % len(data)] ^= rest[0]
        elif kind == "truncate":
            del data[i:]
        elif kind == "insert":
            data[i:i] = rest[0]
    return bytes(data)


@settings(max_examples=150, deadline=None)
@given(mutations=MUTATIONS)
def test_mutated_checkpoints_give_lcformer_errors_or_the_same_contents(saved_bytes,
                                                                        mutations) -> None:
    """Flipped, truncated or inserted bytes anywhere: refused with an lcformer error, or (a
    change the format ignores) loaded with exactly the contents written. Never another
    exception, never different weights."""
    damaged = mutate(saved_bytes, mutations)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "best.safetensors"
        path.write_bytes(damaged)
        try:
            got = load_checkpoint(path)
        except LcformerError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
            return
        path.write_bytes(saved_bytes)
        want = load_checkpoint(path)
    assert got[1] == want[1]
    assert got[0].keys() == want[0].keys()
    assert all(torch.equal(got[0][k], want[0][k]) for k in want[0])
    assert got[2] is not None and want[2] is not None
    assert got[2]["state"].keys() == want[2]["state"].keys()


def test_another_tools_safetensors_file_is_named_not_lcformers_not_damaged(tmp_path) -> None:
    from safetensors.torch import save_file

    path = tmp_path / "best.safetensors"
    save_file({"weight": torch.zeros(2)}, str(path), metadata={"format": "pt"})
    with pytest.raises(RunNotFoundError, match=r"best\.safetensors: a safetensors file "
                                               r"without lcformer's metadata"):
        load_checkpoint(path)
