"""Faults through the command line, as a user meets them (tests/data/bad/README.md lists them).

- Damaged checkpoints (flipped bytes, truncated, empty) given to ``lcformer predict`` and
  ``lcformer train --resume``: exit status 2, one line on stderr naming the file, no traceback
  (each damage and each command in a subprocess at least once).
- Damaged prepared data, ``--resume`` with other settings or of a missing run, a damaged
  ``metrics.json``: the same, through ``main()``.
- ``prepare``, ``train`` and ``sweep`` (subprocesses, side by side) killed with SIGKILL at a
  random point of their work, then run again: the result equals an uninterrupted run's
  (prepared files byte for byte, the same weights after ``--resume``, the same sweep results)
  and no debris (``.partial-*``, ``*.tmp``) is left. The kill point differs on every run; a
  failure prints the seed that reproduces it (``LCFORMER_FAULT_SEED=...``).
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import struct
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
import torch

from lcformer.cli import main
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.training.checkpoints import load_checkpoint

TOKENS = ["--window", "20", "--stride", "10"]
PREPARE = [*TOKENS, "--model", "encoder"]  # what TRAIN reads: the research windows
BUDGET = ["--emb", "8", "--heads", "2", "--batch-size", "32", "--threads", "1", "--device", "cpu",
          "--quiet"]
TRAIN = ["--model", "encoder", "--epochs", "3", *TOKENS, *BUDGET]
SWEEP = ["--models", "encoder", "--heads", "2", "--embs", "8", "--seeds", "0,1", "--epochs", "2",
         *TOKENS, "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]
SEED = int(os.environ.get("LCFORMER_FAULT_SEED", random.randrange(2**32)))


def lcformer(*args: str, cwd: Path) -> subprocess.Popen:
    """``python -m lcformer ARGS`` in a subprocess, as a user runs it."""
    env = os.environ | {"LCFORMER_WORK_DIR": str(cwd / "env-work")}
    return subprocess.Popen([sys.executable, "-m", "lcformer", *args], cwd=cwd, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.fixture(scope="module")
def setup(tmp_path_factory) -> dict[str, Path]:
    """30 labelled stars in a folder, and the uninterrupted runs on them (in this process)."""
    root = tmp_path_factory.mktemp("faults")
    stars = root / "mystars"
    stars.mkdir()
    lcs = make_synthetic(SyntheticConfig(n_per_class=10, num=84))
    lcs.to_frame().drop(columns="class").to_csv(stars / "lightcurves.csv", index=False)
    pd.DataFrame({"id": lcs.ids, "class": lcs.labels}).to_csv(stars / "labels.csv", index=False)
    work = root / "work"
    for name, args in (("prepare", ["prepare", str(stars), *PREPARE, "--quiet"]),
                       ("train", ["train", str(stars), "--run-dir", str(root / "run"), *TRAIN]),
                       ("sweep", ["sweep", str(stars), "--sweep-dir", str(root / "sweep"),
                                  *SWEEP])):
        assert main([*args, "--work-dir", str(work)]) == 0, name
    return {"stars": stars, "work": work, "run": root / "run", "sweep": root / "sweep"}


def debris(folder: Path) -> list[str]:
    return [str(p) for p in folder.rglob("*") if ".partial-" in p.name or ".tmp" in p.name]


# ---------------------------------------------------------------- damaged checkpoints
def damaged(raw: bytes, how: str) -> bytes:
    if how == "empty":
        return b""
    if how == "truncated":
        return raw[:len(raw) * 2 // 3]
    (header,) = struct.unpack("<Q", raw[:8])
    start = 8 + header  # the case: bytes flipped inside the tensor data
    return raw[:start] + bytes(b ^ 0xFF for b in raw[start:start + 1000]) + raw[start + 1000:]


#: (command, damage, whether in a subprocess): every damage and command once as a subprocess
#: (a process start costs seconds); the other pairs through main() in this process.
CASES = [("predict", "flipped", True), ("predict", "empty", True), ("resume", "truncated", True),
         ("predict", "truncated", False), ("resume", "flipped", False), ("resume", "empty", False)]


def test_damaged_checkpoints_are_one_line_errors_naming_the_file(setup, tmp_path,
                                                                   capsys) -> None:
    new_stars = tmp_path / "new.csv"
    frame = pd.read_csv(setup["stars"] / "lightcurves.csv")
    frame[frame["id"].isin(frame["id"].unique()[:3])].to_csv(new_stars, index=False)
    results = {}
    for command, how, subprocess_ in CASES:
        run = tmp_path / f"{command}-{how}"
        shutil.copytree(setup["run"], run)
        path = run / f"{'best' if command == 'predict' else 'last'}.safetensors"
        path.write_bytes(damaged(path.read_bytes(), how))
        args = (["predict", str(run), str(new_stars), "--out", str(tmp_path / "p.csv"),
                 "--quiet"] if command == "predict" else
                ["train", str(setup["stars"]), "--work-dir", str(setup["work"]),
                 "--run-dir", str(run), "--resume", *TRAIN])
        if subprocess_:
            results[(command, how, path)] = lcformer(*args, cwd=tmp_path)
        else:
            code = main(args)
            results[(command, how, path)] = (code, capsys.readouterr().err)
    for (command, how, path), result in results.items():
        if isinstance(result, subprocess.Popen):
            err = result.communicate(timeout=300)[1]
            result = (result.returncode, err)
        code, err = result
        case = f"{command} with a {how} {path.name}: exit {code}, stderr {err!r}"
        assert code == 2, case
        assert "Traceback" not in err and len(err.splitlines()) == 1, case
        assert err.startswith(f"lcformer: error: {path}: damaged checkpoint"), case
    assert not (tmp_path / "p.csv").exists()


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("lcformer: error: "), err
    return err


def test_damaged_data_and_resume_mistakes_are_one_line_errors(setup, tmp_path, capsys) -> None:
    """Through main() in this process: the same error path as the subprocesses above."""
    stars = str(setup["stars"])
    work = tmp_path / "work"
    shutil.copytree(setup["work"] / "prepared", work / "prepared")
    [prepared] = (work / "prepared").iterdir()
    tokens = prepared / "tokens.npy"
    tokens.write_bytes(damaged(tokens.read_bytes(), "truncated"))
    args = ["prepare", stars, *PREPARE, "--quiet", "--work-dir", str(work)]
    assert main(args) == 2
    err = one_error_line(capsys)
    assert f"{tokens}: damaged" in err and "--force" in err
    assert main([*args, "--force"]) == 0  # rebuilt
    capsys.readouterr()

    run = tmp_path / "run"
    shutil.copytree(setup["run"], run)
    train = ["train", stars, "--run-dir", str(run), "--work-dir", str(work), "--resume"]
    changed = [a if a != "3" else "4" for a in TRAIN]  # --epochs 4
    assert main([*train, *changed]) == 2
    assert "train.epochs: 3 -> 4" in one_error_line(capsys)
    window = [a if a != "20" else "30" for a in TRAIN]  # --window 30
    assert main([*train, *window]) == 2
    assert "prepare.tokens.window: 20 -> 30" in one_error_line(capsys)

    missing = tmp_path / "no-such-run"
    assert main(["train", stars, "--run-dir", str(missing), "--work-dir", str(work),
                 "--resume", *TRAIN]) == 2
    assert f"no run to continue in {missing}" in one_error_line(capsys)
    assert not missing.exists()

    (run / "metrics.json").write_text('{"records": [{"model": "encoder"}]}')
    assert main(["evaluate", str(run)]) == 2
    assert f"{run / 'metrics.json'}: not a readable lcformer metrics file" in one_error_line(
        capsys)


# ---------------------------------------------------------------- SIGKILL, then again
def epochs_done(run: Path) -> int:
    history = run / "history.csv"  # written atomically after every epoch
    return len(history.read_text().splitlines()) - 1 if history.is_file() else 0


def partial_folders(work: Path) -> bool:
    return any(work.glob("prepared/.*.partial-*"))


#: Where each command is killed: after one of these moments (chosen at random), a random
#: fraction of a second later. Waiting for a moment instead of a fixed time puts the kill in
#: the work, however slow the machine is.
MOMENTS = {
    "prepare": {"writing its .partial-* folder": (lambda d: partial_folders(d["work"]), 0.03)},
    "train": {"config.toml written": (lambda d: (d["run"] / "config.toml").exists(), 0.3),
              "epoch 1 saved": (lambda d: epochs_done(d["run"]) >= 1, 0.3),
              "epoch 2 saved": (lambda d: epochs_done(d["run"]) >= 2, 0.3),
              "test metrics written": (lambda d: (d["run"] / "metrics.json").exists(), 0.5)},
    "sweep": {"sweep.json written": (lambda d: (d["sweep"] / "sweep.json").exists(), 0.3),
              "seed0 epoch 1 saved": (lambda d: epochs_done(d["sweep"] / CELL / "seed0") >= 1,
                                      0.3),
              "seed0 finished": (lambda d: (d["sweep"] / CELL / "seed0" / "metrics.json")
                                 .exists(), 0.3),
              "seed1 epoch 1 saved": (lambda d: epochs_done(d["sweep"] / CELL / "seed1") >= 1,
                                      0.3)},
}
CELL = Path("encoder-h2-e8")


def kill_at(process: subprocess.Popen, moment: str, reached, delay: float) -> str:
    """SIGKILL ``process`` ``delay`` seconds after ``reached()`` holds; returns where it was
    killed, for the failure message."""
    deadline = time.monotonic() + 300
    while not reached() and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    time.sleep(delay)
    finished = process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=60)
    return f"{'finished before' if finished else 'killed'} {delay:.3f} s after {moment}"


def same_weights(a: Path, b: Path) -> bool:
    (wa, _, oa), (wb, _, ob) = load_checkpoint(a), load_checkpoint(b)
    return wa.keys() == wb.keys() and all(torch.equal(wa[k], wb[k]) for k in wa) and (
        (oa is None) == (ob is None))


@pytest.mark.slow
def test_killed_prepare_train_and_sweep_finish_as_if_never_killed(setup, tmp_path) -> None:
    rng = random.Random(SEED)
    stars = str(setup["stars"])
    folders = {"work": tmp_path / "work", "run": tmp_path / "run", "sweep": tmp_path / "sweep"}
    work, run, sweep = folders["work"], folders["run"], folders["sweep"]
    commands = {
        "prepare": ["prepare", stars, *PREPARE, "--quiet", "--work-dir", str(work)],
        "train": ["train", stars, "--run-dir", str(run), *TRAIN, "--work-dir",
                  str(setup["work"])],
        "sweep": ["sweep", stars, "--sweep-dir", str(sweep), *SWEEP, "--work-dir",
                  str(setup["work"])],
    }
    kills = []
    for name, args in commands.items():  # side by side, each killed at its own moment
        moment = rng.choice(sorted(MOMENTS[name]))
        reached, longest = MOMENTS[name][moment]
        kills.append((lcformer(*args, cwd=tmp_path), f"{name}: {moment}",
                      lambda reached=reached: reached(folders), rng.uniform(0, longest)))
    with ThreadPoolExecutor(len(kills)) as pool:
        where = "; ".join(pool.map(lambda kill: kill_at(*kill), kills))
    where += f" (seed {SEED}: rerun with LCFORMER_FAULT_SEED={SEED})"

    assert main(commands["prepare"]) == 0, where
    [want] = (setup["work"] / "prepared").iterdir()
    got = work / "prepared" / want.name
    assert sorted(p.name for p in got.iterdir()) == sorted(p.name for p in want.iterdir()), where
    for file in want.iterdir():
        assert (got / file.name).read_bytes() == file.read_bytes(), f"{file.name}, {where}"
    assert debris(work) == [], where

    started = (run / "config.toml").exists()  # else --resume says to start without it
    assert main(commands["train"] + ["--resume"] * started) == 0, where
    for name in ("best", "last"):
        assert same_weights(run / f"{name}.safetensors",
                            setup["run"] / f"{name}.safetensors"), f"{name}, {where}"
    for name in ("test_predictions.csv", "config.toml"):
        assert (run / name).read_text() == (setup["run"] / name).read_text(), where
    assert debris(run) == [], where

    assert main(commands["sweep"]) == 0, where  # the same command continues it
    scores = ["model", "heads", "emb", "repeat", "accuracy", "macro_f1", "epochs_run",
              "n_test_stars", "run_dir"]
    want_long = pd.read_csv(setup["sweep"] / "results_long.csv")[scores]
    pd.testing.assert_frame_equal(pd.read_csv(sweep / "results_long.csv")[scores], want_long)
    assert (sweep / "results.csv").read_text() == (setup["sweep"] / "results.csv").read_text()
    for repeat in ("seed0", "seed1"):
        cell = CELL / repeat
        assert same_weights(sweep / cell / "best.safetensors",
                            setup["sweep"] / cell / "best.safetensors"), f"{cell}, {where}"
    assert debris(sweep) == [] and debris(setup["work"]) == [], where


def test_ctrl_c_while_the_commands_load_is_one_line(monkeypatch, capsys) -> None:
    """Ctrl-C in the first second and a half, while the imports load, ends as later: one
    line (not the imports' traceback), status 130."""
    import types

    import lcformer.cli

    class Loading(types.ModuleType):
        def __getattr__(self, name: str) -> None:
            raise KeyboardInterrupt

    monkeypatch.setitem(sys.modules, "lcformer.cli.commands", Loading("lcformer.cli.commands"))
    assert lcformer.cli.main(["--version"]) == 130
    assert capsys.readouterr().err == "lcformer: interrupted\n"
