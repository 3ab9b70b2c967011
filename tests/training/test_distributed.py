"""torchrun DDP training: two gloo processes give the single-process result, only rank 0 writes.

One torchrun launch (two CPU processes, one thread each) runs the real ``lcformer train``
twice in one process group: a fresh run, with rank-dependent run folders so that a file
written by rank 1 would show, and ``--resume`` of a run a single process stopped after 2 of
its 3 epochs. Both must give what one process gives with the same global batch (8 stars a
batch: 21 training stars make batches of 8, 8 and 5, so the ranks also get unequal parts).

Dropout is 0: one process draws one dropout mask for a whole batch and two processes cannot
reproduce it (the periodic model's random phase shifts are reproduced: they are drawn for the
global batch and sliced).
"""

from __future__ import annotations

import functools
import json
import os
import socket
import subprocess
import sys
import textwrap

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer.cli import main
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.training import distributed, fitting, loop
from lcformer.training.checkpoints import load_checkpoint
from lcformer.training.loop import shard

EPOCHS = 3
ARGS = ["--model", "periodic", "--epochs", str(EPOCHS), "--emb", "8", "--heads", "2",
        "--dropout", "0", "--batch-size", "8", "--label-smoothing", "0.1", "--threads", "1",
        "--device", "cpu", "--quiet", "--forest", "0", "--boosting", "0",
        "--extra-trees", "0"]  # the network alone
# With trees, and a patience of 1: the share each epoch's network gets is computed on rank 0
# and broadcast, so that both ranks stop at the same epoch.
FUSED = [*ARGS[:-6], "--forest", "5", "--boosting", "3", "--patience", "1"]

# Runs lcformer's command line twice in one torchrun process group; RANK in an argument
# becomes the process's rank. Figures are left out (seconds each, and no part of the test).
# With automatic garbage collection off, it also checks that no DDP wrapper outlives the
# session: one alive when the interpreter exits aborts the process (see distributed.cleanup).
LAUNCHER = textwrap.dedent("""
    import gc, json, os, sys
    from torch.nn.parallel import DistributedDataParallel
    from lcformer.cli import main
    from lcformer.reporting import figures
    from lcformer.training import distributed

    figures.run_figures = lambda *args, **kwargs: None
    gc.disable()

    with distributed.session("cpu"):
        codes = [main([a.replace("RANK", os.environ["RANK"]) for a in argv])
                 for argv in json.loads(sys.argv[1])]
    alive = sum(isinstance(o, DistributedDataParallel) for o in gc.get_objects())
    print(f"rank {os.environ['RANK']}: {alive} DDP wrappers alive after the session")
    sys.exit(max(codes) or int(alive > 0))
""")


@pytest.fixture
def star_folder(tmp_path):
    """30 synthetic stars of 42 points as a long table a subprocess can read."""
    folder = tmp_path / "stars"
    folder.mkdir()
    lcs = make_synthetic(SyntheticConfig(n_per_class=10, num=84))
    lcs.to_frame().drop(columns="class").to_parquet(folder / "lightcurves.parquet", index=False)
    pd.DataFrame({"id": lcs.ids, "class": lcs.labels}).to_csv(folder / "labels.csv",
                                                               index=False)
    return folder


def assert_same_run(single, ddp, resumed_after: int | None = None) -> None:
    """Same history, test predictions and weights, within float tolerance; ``resumed_after``:
    the epochs one process ran before the DDP run resumed it."""
    a, b = (pd.read_csv(d / "history.csv").drop(columns="seconds") for d in (single, ddp))
    pd.testing.assert_frame_equal(a, b, rtol=1e-5)
    a, b = (pd.read_csv(d / "test_predictions.csv", dtype={"id": str}) for d in (single, ddp))
    pd.testing.assert_frame_equal(a, b, atol=1e-5)
    a, b = (json.loads((d / "metrics.json").read_text())["records"][0] for d in (single, ddp))
    assert a["star"]["accuracy"] == b["star"]["accuracy"]
    assert a["budget"] == b["budget"]
    ddp_hardware = a["hardware"] + ", x 2 processes"  # the time was two processes'
    if resumed_after is None:
        assert b["hardware"] == ddp_hardware
    else:  # each stretch of epochs named
        assert b["hardware"] == (f"{ddp_hardware} (resumed; epochs 1-{resumed_after}: "
                                 f"{a['hardware']}; epochs {resumed_after + 1} on: "
                                 f"{ddp_hardware})")
    for name in ("best", "last"):
        state_a, meta_a, _ = load_checkpoint(single / f"{name}.safetensors")
        state_b, meta_b, _ = load_checkpoint(ddp / f"{name}.safetensors")
        assert meta_a["epoch"] == meta_b["epoch"] and state_a.keys() == state_b.keys()
        for key, value in state_a.items():
            other = state_b[key]
            if key.endswith("in_proj_bias"):
                # The key bias adds one constant to all of a query's scores, which softmax
                # ignores: its true gradient is 0, and Adam turns the float noise of that 0
                # into steps of the learning rate's size.
                emb = len(value) // 3
                value, other = value.clone(), other.clone()
                value[emb:2 * emb] = other[emb:2 * emb] = 0
            torch.testing.assert_close(other, value, atol=1e-5, rtol=0, msg=key)


def test_two_gloo_processes_train_as_one(star_folder, tmp_path, monkeypatch) -> None:
    from lcformer.reporting import figures

    monkeypatch.setattr(figures, "run_figures", lambda *args, **kwargs: None)
    work = tmp_path / "work"
    base = ["train", str(star_folder), *ARGS, "--work-dir", str(work)]
    assert main([*base, "--run-dir", str(tmp_path / "single")]) == 0
    # A run that a single process stopped after 2 epochs, for the DDP run to resume.
    with monkeypatch.context() as patch:
        patch.setattr(fitting, "train", functools.partial(loop.train, stop_after=2))
        assert main([*base, "--run-dir", str(tmp_path / "resumed")]) == 0
    assert len(pd.read_csv(tmp_path / "resumed" / "history.csv")) == 2

    fused = ["train", str(star_folder), *FUSED]
    assert main([*fused, "--work-dir", str(work), "--run-dir", str(tmp_path / "fused")]) == 0

    ddp_base = ["train", str(star_folder), *ARGS, "--work-dir", str(tmp_path / "ddp-work")]
    launches = [[*ddp_base, "--run-dir", str(tmp_path / "ddp-RANK")],
                [*ddp_base, "--run-dir", str(tmp_path / "resumed"), "--resume"],
                [*fused, "--work-dir", str(tmp_path / "ddp-work"), "--run-dir",
                 str(tmp_path / "fused-ddp-RANK")]]
    (tmp_path / "launch.py").write_text(LAUNCHER)
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    env |= {"OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
         str(tmp_path / "launch.py"), json.dumps(launches)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "rank 0: 0 DDP wrappers alive after the session" in done.stdout

    # Rank 0 alone printed, prepared the data and wrote its run folder.
    assert done.stdout.count("run folder: ") == 3, done.stdout
    assert done.stdout.count("prepared stars -> ") == 3, done.stdout
    assert not (tmp_path / "ddp-1").exists()
    assert len(list((tmp_path / "ddp-work" / "prepared").iterdir())) == 1
    assert_same_run(tmp_path / "single", tmp_path / "ddp-0")
    assert_same_run(tmp_path / "single", tmp_path / "resumed", resumed_after=2)
    a, b = (pd.read_csv(tmp_path / d / "network" / "history.csv").drop(columns="seconds")
            for d in ("fused", "fused-ddp-0"))
    pd.testing.assert_frame_equal(a, b, rtol=1e-5)
    assert "network_weight" in a
    a, b = (json.loads((tmp_path / d / "metrics.json").read_text())["records"][0]["budget"]
            for d in ("fused", "fused-ddp-0"))
    assert a == b


# A process group of one, a DDP wrapper in a reference cycle in a frame an error leaves.
ERROR_IN_SESSION = textwrap.dedent("""
    import gc, torch
    from torch.nn.parallel import DistributedDataParallel
    from lcformer.errors import ConfigError
    from lcformer.training import distributed

    gc.disable()

    def train():
        model = DistributedDataParallel(torch.nn.Linear(2, 2))
        cycle = {"model": model}
        cycle["self"] = cycle
        raise ConfigError("an error in the middle of training")

    try:
        with distributed.session("cpu"):
            train()
    except ConfigError:
        alive = sum(isinstance(o, DistributedDataParallel) for o in gc.get_objects())
        print(f"group destroyed: {not distributed.is_distributed()}; {alive} alive")
""")


def test_an_error_in_the_session_releases_the_process_group(tmp_path) -> None:
    """The group must be gone with the error too: the error's frames (the training loop's,
    holding its DDP wrapper) are released before the group is destroyed."""
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE")}
    env |= {"WORLD_SIZE": "1", "RANK": "0", "LOCAL_RANK": "0", "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port), "OMP_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-c", ERROR_IN_SESSION], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "group destroyed: True; 0 alive" in done.stdout, done.stdout + done.stderr[-2000:]


@pytest.mark.parametrize("size", [1, 5, 8, 13])
def test_shards_cover_the_global_batch_once(size) -> None:
    batch = np.arange(100, 100 + size)
    for n in (1, 2, 3, 4):
        parts = [shard(batch, n, r) for r in range(n)]
        covered = np.concatenate([batch[s] for s, weight in parts if weight])
        np.testing.assert_array_equal(covered, batch)
        sizes = [len(batch[s]) for s, weight in parts if weight]
        assert max(sizes, default=0) - min(sizes, default=0) <= 1
        # A rank without samples recomputes the first one with weight 0.
        assert all(len(batch[s]) == 1 for s, weight in parts if not weight)


def test_without_torchrun_nothing_is_distributed() -> None:
    assert not distributed.is_distributed()
    assert (distributed.rank(), distributed.world_size(), distributed.is_main()) == (0, 1, True)
    assert distributed.broadcast_json({"a": [1.5]}) == {"a": [1.5]}
    with distributed.session("cpu"), distributed.main_first():
        assert not distributed.is_distributed()


def test_the_ranks_wait_for_rank_0_longer_than_torch_default(monkeypatch) -> None:
    """The other ranks wait at a barrier while rank 0 alone prepares a survey: torch's default
    timeout (30 minutes for gloo) would crash them when preparing takes longer (as with the
    timeout cut to 8 s and rank 0 sleeping 15)."""
    given = {}
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setattr(distributed.dist, "is_initialized", lambda: False)
    monkeypatch.setattr(distributed.dist, "init_process_group",
                        lambda **kwargs: given.update(kwargs))
    assert distributed.init("cpu")
    assert given["backend"] == "gloo"
    assert given["timeout"].total_seconds() >= 12 * 3600


def test_a_process_whose_data_differ_from_rank_0s_is_refused(monkeypatch) -> None:
    """A rank given another copy of the data (no split column: its own 70/10/20 split)
    would train with rank 0, mixing rank 0's test stars into the gradients. Each
    process compares its prepared data with rank 0's (broadcast) before training."""
    import dataclasses

    from lcformer.cli.commands import _same_data_as_rank_0
    from lcformer.data.prepared import PrepareConfig, build
    from lcformer.errors import InputError

    lcs = make_synthetic(SyntheticConfig(n_per_class=5, num=84))
    views = PrepareConfig(inputs="stars")
    data = build("stars", lcs, views, input_hash="abc")
    assert len(data.stars) == 15
    rank_0: dict = {}  # the first call's value stands for rank 0's, sent to every rank
    monkeypatch.setattr(distributed, "broadcast_json",
                        lambda value: rank_0.setdefault("sent", value))
    _same_data_as_rank_0(data)  # rank 0 itself
    _same_data_as_rank_0(build("stars", lcs, views, input_hash="abc"))  # the same
    labels = np.asarray(lcs.labels, dtype=object).copy()
    labels[0] = "car" if labels[0] != "car" else "sinusoid"  # edited in this node's copy
    other = build("stars", dataclasses.replace(lcs, labels=labels), views, input_hash="abd")
    with pytest.raises(InputError, match=r"this process read other data than rank 0 \(input "
                                         r"files, stars differ\)"):
        _same_data_as_rank_0(other)
