"""TensorBoard logging: what a run writes, read back from the event files; and without the package.

Runs are tiny (a few dozen windows, 1-2 epochs). Tests that write logs skip when the optional
``tensorboard`` package is missing; the missing-package tests run either way.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
import tomllib
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer import cli
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.splits import SampleSet
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.errors import LcformerError
from lcformer.evaluation.records import read_records
from lcformer.models import build_model
from lcformer.models.config import ModelConfig
from lcformer.reporting import tensorboard as tensorboard_module
from lcformer.reporting.tensorboard import (
    CONFUSION_TAG,
    TensorBoardLogger,
    TensorBoardUnavailableError,
    TensorBoardWarning,
    confusion_image,
    flatten_hparams,
)
from lcformer.training import fitting
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.loop import train
from lcformer.training.runs import train_run

TINY = SyntheticConfig(n_per_class=10, num=84)  # 30 stars of 42 points: 3 windows of 20 pairs
PREPARE = PrepareConfig(tokens=TokenConfig(window=20, stride=10))
RUN = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2),
                train=TrainConfig(epochs=2, batch_size=16, lr=5e-3, device="cpu"))
CLI_ARGS = ["--epochs", "1", "--window", "20", "--stride", "10", "--batch-size", "32",
            "--threads", "1", "--device", "cpu", "--quiet"]
INSTALL = 'pip install "lcformer[tensorboard]"'


@pytest.fixture
def needs_tensorboard() -> None:
    pytest.importorskip("tensorboard")


def read_events(log_dir: Path):
    """Every event of ``log_dir`` (all its event files), nothing sampled away."""
    ea = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    acc = ea.EventAccumulator(str(log_dir), size_guidance={"scalars": 0, "images": 0,
                                                           "tensors": 0})
    acc.Reload()
    return acc


def steps(acc, tag: str) -> list[int]:
    return [event.step for event in acc.Scalars(tag)]


def session_hparams(acc) -> dict[str, float | str]:
    from tensorboard.plugins.hparams import plugin_data_pb2

    content = acc.PluginTagToContent("hparams")
    start = plugin_data_pb2.HParamsPluginData.FromString(
        content["_hparams_/session_start_info"]).session_start_info
    return {k: v.string_value if v.HasField("string_value") else v.number_value
            for k, v in start.hparams.items()}


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data, _ = prepare("tiny", lambda report: make_synthetic(TINY), "h", PREPARE,
                      tmp_path_factory.mktemp("prepared"))
    return data


def test_a_run_logs_every_epoch_and_its_hparams(needs_tensorboard, prepared, tmp_path) -> None:
    run_dir, logs = tmp_path / "run", tmp_path / "tb"
    metrics = train_run(prepared, RUN, run_dir, progress=False, figures=False,
                        tensorboard=logs)
    acc = read_events(logs)
    for tag in ("train/loss", "train/lr", "val/loss", "val/accuracy", "val/macro_f1"):
        assert steps(acc, tag) == [1, 2], tag
    history = pd.read_csv(run_dir / "history.csv")
    np.testing.assert_allclose([e.value for e in acc.Scalars("train/loss")],
                               history["train_loss"], rtol=1e-6)
    np.testing.assert_allclose([e.value for e in acc.Scalars("val/macro_f1")],
                               history["val_macro_f1"], rtol=1e-6)
    images = acc.Images(CONFUSION_TAG)
    assert [i.step for i in images] == [1, 2]
    assert images[0].encoded_image_string[:8] == b"\x89PNG\r\n\x1a\n"
    assert 150 <= images[0].width <= 700 and 150 <= images[0].height <= 700  # small

    # The end of the run: test scores as scalars and as the HParams metrics.
    for tag, key in (("test/accuracy", "accuracy"), ("test/macro_f1", "macro_f1")):
        [event] = acc.Scalars(tag)
        assert event.step == 2 and event.value == pytest.approx(metrics.star[key])
    hparams = session_hparams(acc)
    assert hparams["model.name"] == "encoder" and hparams["model.emb"] == 8
    assert hparams["model.heads"] == 2 and hparams["model.dropout"] == pytest.approx(0.1)
    assert hparams["train.lr"] == pytest.approx(5e-3) and hparams["train.epochs"] == 2
    assert hparams["train.schedule"] == "step" and hparams["split"] == "auto"
    assert hparams["dataset"] == "tiny"
    assert "train.patience" not in hparams  # None: no HParams value

    # The run folder is unchanged by logging: no arrays in history, no option in the config.
    assert list(history.columns) == ["epoch", "phase", "lr", "train_loss", "val_loss",
                                     "val_accuracy", "val_macro_f1", "seconds"]
    config = (run_dir / "config.toml").read_text()
    assert "tensorboard" not in config
    assert RunConfig.from_dict(tomllib.loads(config)["run"]) == RUN
    assert not list(run_dir.glob("**/events.out.tfevents.*"))


def toy_set(n_stars: int, seed: int = 0) -> SampleSet:
    """Two classes told apart by the sign of every token value."""
    rng = np.random.default_rng(seed)
    star = np.repeat(np.arange(n_stars), 2)
    labels = (star % 2).astype(np.int64)
    sign = np.where(labels == 0, 1.0, -1.0)[:, None, None]
    tokens = (sign + 0.3 * rng.standard_normal((len(star), 5, 4))).astype(np.float32)
    return SampleSet(tokens, np.ones((len(star), 5), dtype=bool), labels, star)


def test_reconstruction_epochs_log_their_own_loss(needs_tensorboard, tmp_path) -> None:
    torch.manual_seed(0)
    model = build_model("ae_frozen", n_classes=2, emb=8, heads=2, max_tokens=8)
    config = TrainConfig(epochs=1, pretrain_epochs=1, batch_size=8, device="cpu")
    with TensorBoardLogger(tmp_path, ["a", "b"]) as logger:
        result = train(model, toy_set(8), toy_set(4, seed=1), ["a", "b"], config,
                       progress=False, logger=logger)
    assert [row["phase"] for row in result.history] == ["reconstruct", "classify"]
    assert all(np.isscalar(v) for row in result.history for v in row.values())
    acc = read_events(tmp_path)
    assert steps(acc, "train/reconstruction_loss") == [1]
    assert steps(acc, "train/loss") == [2] and steps(acc, "val/macro_f1") == [2]
    assert steps(acc, "train/lr") == [1, 2]
    assert [i.step for i in acc.Images(CONFUSION_TAG)] == [2]  # classification epochs only


def test_confusion_image_and_flattened_hparams() -> None:
    image = confusion_image(np.array([[3, 1], [0, 2]]), ["RR Lyrae", "Cepheid"], "epoch 1")
    assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3
    assert image.shape[0] <= 400 and image.shape[1] <= 400
    assert image.min() < 100 < image.max()  # something drawn
    big = confusion_image(np.eye(30, dtype=int), [f"class{i}" for i in range(30)])
    assert big.shape[0] <= 8 * 80  # the figure stops growing

    flat = flatten_hparams({"model": {"emb": 8, "research": False, "sizes": (1, 2)},
                            "patience": None, "lr": 1e-3, "split": "auto"})
    assert flat == {"model.emb": 8, "model.research": False, "model.sizes": "(1, 2)",
                    "lr": 1e-3, "split": "auto"}


@pytest.fixture
def without_tensorboard(monkeypatch):
    """As if the package were not installed: importing it fails."""
    for name in ("tensorboard", "torch.utils.tensorboard", "torch.utils.tensorboard.summary"):
        monkeypatch.setitem(sys.modules, name, None)


def test_missing_package_names_the_fix(without_tensorboard, tmp_path) -> None:
    with pytest.raises(TensorBoardUnavailableError, match=r'pip install "lcformer\[tensorboard\]"'
                       ) as caught:
        TensorBoardLogger(tmp_path / "tb", ["a", "b"])
    assert isinstance(caught.value, LcformerError) and isinstance(caught.value, ImportError)
    assert not (tmp_path / "tb").exists()


def test_cli_without_the_package_exits_2_before_preparing(without_tensorboard, tiny_synthetic,
                                                          tmp_path, capsys) -> None:
    work = tmp_path / "work"
    code = cli.main(["train", "synthetic", "--work-dir", str(work), "--tensorboard",
                     str(tmp_path / "tb"), *CLI_ARGS])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("lcformer: error: TensorBoard logging")
    assert INSTALL in err and len(err.strip().splitlines()) == 1
    assert not work.exists()


def test_cli_train_and_sweep_with_tensorboard(needs_tensorboard, tiny_synthetic, tmp_path,
                                              capsys) -> None:
    work, logs = tmp_path / "work", tmp_path / "tb"
    assert cli.main(["train", "synthetic", "--work-dir", str(work), "--run-dir",
                     str(tmp_path / "run"), "--model", "encoder", "--emb", "8", "--heads", "2",
                     "--tensorboard",
                     str(logs / "train"), *CLI_ARGS]) == 0
    acc = read_events(logs / "train")
    assert steps(acc, "train/loss") == [1] and len(acc.Images(CONFUSION_TAG)) == 1
    assert session_hparams(acc)["model.name"] == "encoder"

    assert cli.main(["sweep", "synthetic", "--work-dir", str(work), "--models", "naive,encoder",
                     "--heads", "2", "--embs", "8", "--tensorboard", str(logs / "sweep"),
                     *CLI_ARGS]) == 0
    assert "trained now: 2 run(s)" in capsys.readouterr().out
    runs = sorted(p.parent.relative_to(logs / "sweep").as_posix()
                  for p in (logs / "sweep").glob("**/events.out.tfevents.*"))
    assert runs == ["encoder-h2-e8/seed0", "naive-h2-e8/seed0"]
    [sweep_dir] = list((work / "sweeps").iterdir())
    assert "tensorboard" not in json.dumps(json.loads((sweep_dir / "sweep.json").read_text())
                                           ["sweep"])  # not part of the sweep's configuration
    for run in runs:
        acc = read_events(logs / "sweep" / run)
        assert steps(acc, "val/accuracy") == [1]
        assert session_hparams(acc)["model.name"] == run.split("-")[0]


# ------------------------------------------------------------------ logging never ends a run
DISK_FULL = OSError(28, "No space left on device")


def our_warnings(record) -> list[str]:
    return [str(w.message) for w in record if issubclass(w.category, TensorBoardWarning)]


def break_writer(method: str):
    """A SummaryWriter method that fails every time it is called; returns the call count."""
    def setup(monkeypatch, logs: Path) -> list[int]:
        from torch.utils.tensorboard import SummaryWriter

        calls = [0]

        def fail(self, *args, **kwargs):
            calls[0] += 1
            raise DISK_FULL

        monkeypatch.setattr(SummaryWriter, method, fail)
        return calls
    return setup


def break_matplotlib(monkeypatch, logs: Path) -> list[int]:
    calls = [0]

    def fail(*args, **kwargs):
        calls[0] += 1
        raise ValueError("matplotlib could not draw")

    monkeypatch.setattr(tensorboard_module, "confusion_image", fail)
    return calls


def log_dir_is_a_file(monkeypatch, logs: Path) -> list[int]:
    logs.write_text("not a folder")
    return [1]  # the writer is never made, so it is tried once


@pytest.mark.parametrize("setup", [break_writer("add_scalar"), break_writer("add_image"),
                                   break_writer("flush"), break_matplotlib, log_dir_is_a_file],
                         ids=["add_scalar", "add_image", "disk full on flush", "matplotlib",
                              "log dir is a file"])
def test_a_logging_failure_is_one_warning_and_the_run_goes_on(needs_tensorboard, prepared,
                                                               tmp_path, monkeypatch,
                                                               setup) -> None:
    run_dir, logs = tmp_path / "run", tmp_path / "tb"
    calls = setup(monkeypatch, logs)
    with pytest.warns(TensorBoardWarning) as record:
        metrics = train_run(prepared, RUN, run_dir, progress=False, figures=False,
                            tensorboard=logs)
    [message] = our_warnings(record)  # once, though two epochs and the end were to be logged
    assert str(logs) in message and "switched off" in message and "run folder" in message
    assert calls[0] == 1  # later epochs and the end of the run did not try again
    assert read_records(run_dir) == [metrics]
    assert len(pd.read_csv(run_dir / "history.csv")) == 2


def test_a_failing_close_warns_once_and_later_calls_do_nothing(needs_tensorboard, tmp_path,
                                                              monkeypatch) -> None:
    from torch.utils.tensorboard import SummaryWriter

    row = {"epoch": 1, "phase": "classify", "lr": 1e-3, "train_loss": 0.5}
    logger = TensorBoardLogger(tmp_path, ["a", "b"])
    logger.epoch(row)
    real_close = SummaryWriter.close

    def close_then_fail(self) -> None:
        real_close(self)
        raise DISK_FULL

    monkeypatch.setattr(SummaryWriter, "close", close_then_fail)
    with pytest.warns(TensorBoardWarning, match="No space left on device"):
        logger.close()
    assert not logger.enabled
    monkeypatch.undo()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        logger.epoch(row | {"epoch": 2})
        logger.finish({"model": {"emb": 8}}, {"test/accuracy": 1.0}, step=2)
        logger.close()
    assert steps(read_events(tmp_path), "train/loss") == [1]


# ------------------------------------------------------------------------------- resuming
EPOCH_TAGS = ("train/loss", "train/lr", "val/loss", "val/accuracy", "val/macro_f1")
RUN3 = dataclasses.replace(RUN, train=dataclasses.replace(RUN.train, epochs=3))


class Killed(Exception):
    """The process ended mid-run (a kill, a power cut)."""


def interrupted(monkeypatch, after: int, rolled_back_to: int | None = None) -> None:
    """train_run's training stops (as if killed) after ``after`` epochs of this session.

    ``rolled_back_to``: the run folder is then put back as it was after that many epochs, while
    the logs keep the later ones (a checkpoint older than the logs).
    """
    def train_then_die(model, train_set, val_set, classes, config, run_dir, metadata, **kw):
        kw.pop("stop_after", None)
        if rolled_back_to is None:
            train(model, train_set, val_set, classes, config, run_dir, metadata,
                       stop_after=after, **kw)
        else:
            train(model, train_set, val_set, classes, config, run_dir, metadata,
                       stop_after=rolled_back_to, **kw)
            saved = {p.name: p.read_bytes() for p in Path(run_dir).glob("*.*")}
            train(model, train_set, val_set, classes, config, run_dir, metadata,
                       stop_after=after - rolled_back_to, **kw | {"resume": True})
            for name, data in saved.items():
                (Path(run_dir) / name).write_bytes(data)
        raise Killed

    monkeypatch.setattr(fitting, "train", train_then_die)


def next_second() -> None:
    """Event files are read in name order, which starts with the second they were made in: a
    resumed session starts later than the one it resumes."""
    now = int(time.time())
    while int(time.time()) == now:
        time.sleep(0.02)


def assert_each_epoch_once(logs: Path, metrics: dict) -> None:
    acc = read_events(logs)
    for tag in EPOCH_TAGS:
        assert steps(acc, tag) == [1, 2, 3], tag
    assert [i.step for i in acc.Images(CONFUSION_TAG)] == [1, 2, 3]
    [event] = acc.Scalars("test/macro_f1")
    assert event.step == 3 and event.value == pytest.approx(metrics.star["macro_f1"])


@pytest.mark.parametrize("case", ["resume", "resume from a checkpoint older than the logs",
                                  "restart without resuming"])
def test_a_resumed_run_logs_each_epoch_once(needs_tensorboard, prepared, tmp_path,
                                            monkeypatch, case) -> None:
    run_dir, logs = tmp_path / "run", tmp_path / "tb"
    with monkeypatch.context() as patch:
        if case == "resume":
            interrupted(patch, after=1)
        else:
            interrupted(patch, after=2, rolled_back_to=1 if "older" in case else None)
        with pytest.raises(Killed):
            train_run(prepared, RUN3, run_dir, progress=False, figures=False, tensorboard=logs)
    history = pd.read_csv(run_dir / "history.csv")
    assert list(history["epoch"]) == ([1, 2] if case == "restart without resuming" else [1])
    assert not (run_dir / "metrics.json").exists()
    assert (run_dir / "last.safetensors").exists()

    next_second()
    with warnings.catch_warnings():
        warnings.simplefilter("error", TensorBoardWarning)
        metrics = train_run(prepared, RUN3, run_dir, resume=case != "restart without resuming",
                            progress=False, figures=False, tensorboard=logs)
    assert list(pd.read_csv(run_dir / "history.csv")["epoch"]) == [1, 2, 3]
    assert len(list(logs.glob("events.out.tfevents.*"))) == 2  # one per session
    assert_each_epoch_once(logs, metrics)
