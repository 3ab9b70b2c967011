"""The training loop: epoch plans, learning rates, learning, resuming, freezing, early stopping."""

from __future__ import annotations

import csv
import itertools
import math
import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.splits import SampleSet
from lcformer.errors import ConfigError, TrainingDivergedError
from lcformer.models import build_model
from lcformer.models.inference import window_probabilities
from lcformer.training.checkpoints import load_checkpoint
from lcformer.training.loop import (
    TrainConfig,
    epoch_order,
    epoch_plan,
    learning_rate,
    train,
    validate,
)

N_TOKENS, N_FEATURES = 5, 4
SMALL = {"n_classes": 2, "emb": 8, "heads": 2, "max_tokens": 8}


def toy_set(n_stars: int, windows_per_star: int = 2, seed: int = 0,
            spread: float = 0.3) -> SampleSet:
    """Two classes told apart by the sign of every token value: trivially separable."""
    rng = np.random.default_rng(seed)
    star = np.repeat(np.arange(n_stars), windows_per_star)
    star_label = np.arange(n_stars) % 2
    labels = star_label[star].astype(np.int64)
    sign = np.where(labels == 0, 1.0, -1.0)[:, None, None]
    tokens = (sign + spread * rng.standard_normal((len(star), N_TOKENS, N_FEATURES)))
    mask = np.ones((len(star), N_TOKENS), dtype=bool)
    mask[::3, -1] = False  # some padded tokens
    return SampleSet(tokens.astype(np.float32), mask, labels, star.astype(np.int64))


def model(name: str = "encoder", dropout: float = 0.0, seed: int = 0):
    torch.manual_seed(seed)
    return build_model(name, dropout=dropout, **SMALL)


def config(**kw) -> TrainConfig:
    return TrainConfig(**({"epochs": 3, "batch_size": 8, "lr": 1e-2, "device": "cpu"} | kw))


# ---------------------------------------------------------------- plans and learning rates
def test_epoch_plan_encoder_is_all_classification() -> None:
    assert epoch_plan(None, config(epochs=4)) == ["classify"] * 4
    assert epoch_plan(model("encoder").pretrain, config(epochs=2)) == ["classify"] * 2


def test_epoch_plan_frozen_autoencoder_pretrains_first() -> None:
    cfg = config(epochs=3, pretrain_epochs=2)
    assert model("ae_frozen").pretrain == "frozen"
    assert epoch_plan("frozen", cfg) == ["reconstruct"] * 2 + ["classify"] * 3


def test_epoch_plan_finetune_alternates_rounds() -> None:
    cfg = config(epochs=8, alternate_every=3)
    assert model("ae_finetune").pretrain == "finetune"
    r, c = "reconstruct", "classify"
    assert epoch_plan("finetune", cfg) == [r, r, r, c, c, c, r, r]  # every epoch counts
    assert epoch_plan("finetune", config(epochs=4, alternate_every=1)) == [r, c, r, c]


def test_step_schedule() -> None:
    cfg = TrainConfig(lr=1e-3, schedule="step", lr_decay=0.7, lr_decay_every=30)
    assert learning_rate(cfg, 0, 150) == pytest.approx(1e-3)
    assert learning_rate(cfg, 29, 150) == pytest.approx(1e-3)
    assert learning_rate(cfg, 30, 150) == pytest.approx(7e-4)
    assert learning_rate(cfg, 61, 150) == pytest.approx(4.9e-4)
    assert learning_rate(cfg, 149, 150) == pytest.approx(1e-3 * 0.7**4)


def test_cosine_schedule_with_warmup() -> None:
    cfg = TrainConfig(lr=1e-2, schedule="cosine", warmup_epochs=2)
    n = 10
    assert learning_rate(cfg, 0, n) == pytest.approx(5e-3)  # linear warm-up
    assert learning_rate(cfg, 1, n) == pytest.approx(1e-2)
    assert learning_rate(cfg, 2, n) == pytest.approx(1e-2)  # cosine starts at the peak
    assert learning_rate(cfg, 6, n) == pytest.approx(5e-3)  # half-way
    assert learning_rate(cfg, 9, n) == pytest.approx(1e-2 * 0.5 * (1 + math.cos(math.pi * 7 / 8)))
    rates = [learning_rate(cfg, e, n) for e in range(2, n)]
    assert all(a > b for a, b in itertools.pairwise(rates))  # decreasing
    no_warmup = TrainConfig(lr=1.0, schedule="cosine")
    assert learning_rate(no_warmup, 0, 4) == pytest.approx(1.0)
    assert learning_rate(no_warmup, 2, 4) == pytest.approx(0.5)


# ---------------------------------------------------------------- learning
def test_loss_falls_on_a_separable_toy_set() -> None:
    data = toy_set(16)
    result = train(model(), data, toy_set(6, seed=1), ["a", "b"], config(epochs=3),
                   progress=False)
    losses = [row["train_loss"] for row in result.history]
    assert len(losses) == 3
    assert losses[-1] < losses[0]
    assert result.history[-1]["val_accuracy"] == 1.0
    assert result.best_epoch is not None
    assert [row["lr"] for row in result.history] == [1e-2] * 3


def test_history_csv_has_one_row_per_epoch(tmp_path) -> None:
    result = train(model(), toy_set(8), toy_set(4, seed=1), ["a", "b"], config(epochs=3),
                   run_dir=tmp_path, progress=False)
    with open(tmp_path / "history.csv") as handle:
        rows = list(csv.DictReader(handle))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3]
    assert {"phase", "lr", "train_loss", "val_loss", "val_macro_f1", "seconds"} <= set(rows[0])
    for row, mem in zip(rows, result.history, strict=True):
        assert float(row["train_loss"]) == pytest.approx(mem["train_loss"])
    assert (tmp_path / "best.safetensors").is_file()
    assert (tmp_path / "last.safetensors").is_file()


def test_a_diverging_network_stops_with_the_epoch_and_what_to_lower(tmp_path) -> None:
    """NaN weights score as "always the first class" and would have been kept as the best."""
    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch 1 \(train_loss nan\)"
                       r".*lower --lr \(now 1e\+30\)"):
        train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
              config(lr=1e30, clip_grad=None), run_dir=tmp_path, progress=False)
    assert not (tmp_path / "best.safetensors").exists()

    def share(network) -> float:  # choose_weight refuses NaN probabilities
        raise ValueError("choose_weight: the probabilities are not all finite")

    with pytest.raises(TrainingDivergedError, match=r"diverged at epoch 1"):  # beside trees
        train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
              config(lr=1e30, clip_grad=None), progress=False, share=share)


def test_early_stopping_stops_before_the_planned_epochs(tmp_path) -> None:
    # Validation macro-F1 reaches 1.0 at once and cannot improve after that.
    result = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                   config(epochs=10, patience=1), run_dir=tmp_path, progress=False)
    assert result.stopped_early
    assert len(result.history) < 10
    assert result.best_score == 1.0
    with open(tmp_path / "history.csv") as handle:
        assert len(list(csv.DictReader(handle))) == len(result.history)


def test_the_progress_bar_of_an_early_stop_counts_the_epochs_run(tmp_path, capsys) -> None:
    result = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                   config(epochs=10, patience=1), run_dir=tmp_path, progress=True)
    assert result.stopped_early
    last = re.findall(r"(\d+)/10 ", capsys.readouterr().err)[-1]
    assert int(last) == len(result.history)  # not one epoch fewer


def test_patience_reached_at_the_last_epoch_is_not_an_early_stop(tmp_path) -> None:
    result = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                   config(epochs=2, patience=1), run_dir=tmp_path, progress=False)
    assert len(result.history) == 2 and result.best_epoch == 0  # 1.0 at once, then no better
    assert not result.stopped_early
    resumed = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                    config(epochs=2, patience=1), run_dir=tmp_path, progress=False, resume=True)
    assert not resumed.stopped_early and len(resumed.history) == 2


def test_a_network_the_trees_do_not_need_stops_after_patience_epochs(tmp_path) -> None:
    """Each epoch's share is recorded; patience epochs in a row without one stop the run
    (here before validation's own patience would: its best is the first epoch)."""
    data, val = toy_set(16), toy_set(6, seed=1)
    result = train(model(), data, val, ["a", "b"], config(epochs=10, patience=3),
                   run_dir=tmp_path, progress=False, share=lambda network: 0.0)
    assert len(result.history) == 3 and result.stopped_early and result.network_unneeded
    assert [row["network_weight"] for row in result.history] == [0.0, 0.0, 0.0]
    with open(tmp_path / "history.csv") as handle:
        assert [row["network_weight"] for row in csv.DictReader(handle)] == ["0.0"] * 3
    needed = train(model(), data, val, ["a", "b"], config(epochs=10, patience=3),
                   progress=False, share=lambda network: 0.3)
    assert len(needed.history) == 4 and needed.stopped_early and not needed.network_unneeded


def test_a_stop_after_a_best_epoch_with_a_share_is_not_for_want_of_one() -> None:
    """The network kept (the best epoch's) had a share: the summary must not say it had none."""
    shares = iter([0.3, 0.0, 0.0, 0.0])
    result = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                   config(epochs=10, patience=3), progress=False,
                   share=lambda network: next(shares))
    assert result.best_epoch == 0 and len(result.history) == 4  # both counts reach 3
    assert result.stopped_early and not result.network_unneeded


def test_a_share_resets_the_count_of_epochs_without_one() -> None:
    from lcformer.training.loop import _epochs_without_share

    rows = [{"phase": "classify", "network_weight": w} for w in (0.0, 0.2, 0.0, 0.0)]
    assert _epochs_without_share(rows) == 2
    assert _epochs_without_share([*rows, {"phase": "reconstruct"}]) == 2
    assert _epochs_without_share(rows[:2]) == 0
    assert _epochs_without_share([{"phase": "classify"}]) == 0  # a network alone: no share


def test_resume_stops_where_the_uninterrupted_run_stopped_for_want_of_a_share(tmp_path) -> None:
    data, val, cfg = toy_set(16), toy_set(6, seed=1), config(epochs=10, patience=3)
    train(model(), data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False,
          share=lambda network: 0.0, stop_after=2)
    resumed = train(model(), data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False,
                    resume=True, share=lambda network: 0.0)
    assert len(resumed.history) == 3 and resumed.network_unneeded
    again = train(model(), data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False,
                  resume=True, share=lambda network: 0.0)
    assert len(again.history) == 3 and again.stopped_early and again.network_unneeded


def _slow_clock(monkeypatch, seconds: float = 30.0) -> None:
    """Every reading of the loop's clock is ``seconds`` later than the one before."""
    ticks = itertools.count()
    monkeypatch.setattr("lcformer.training.loop.time.perf_counter",
                        lambda: seconds * next(ticks))


def test_the_time_limit_stops_before_an_epoch_that_would_end_past_it(tmp_path,
                                                                      monkeypatch) -> None:
    # An epoch reads the clock at its start, at its end, and after its saves, 30 s apart:
    # 30 s of training and validation, 90 s in all, the run's first reading at 0 s.
    _slow_clock(monkeypatch)
    net = model()
    result = train(net, toy_set(16), toy_set(6, seed=1), ["a", "b"],
                   config(epochs=5, time_limit=4.0), run_dir=tmp_path, progress=False)
    # 90 s, then 180 s spent: a third epoch would end at 270 s, past the 4 minutes.
    assert [row["seconds"] for row in result.history] == [30.0, 30.0]
    saved = load_checkpoint(tmp_path / "last.safetensors")[1]["training"]
    assert (saved["seconds"], saved["last_epoch_seconds"]) == (180.0, 90.0)
    assert result.time_limit_reached and not result.stopped_early
    kept = load_checkpoint(tmp_path / "best.safetensors")[0]
    assert all(torch.equal(kept[k], v) for k, v in net.state_dict().items())
    # Resumed, the run has no time left: it trains no further epoch.
    resumed = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                    config(epochs=5, time_limit=4.0), run_dir=tmp_path, progress=False,
                    resume=True)
    assert len(resumed.history) == 2 and resumed.time_limit_reached
    # Given more time, it goes on: 180 s spent, then 90 s an epoch, to the 5 planned.
    extended = train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
                     config(epochs=5, time_limit=10.0), run_dir=tmp_path, progress=False,
                     resume=True)
    assert len(extended.history) == 5 and not extended.time_limit_reached


def test_a_time_limit_that_is_not_reached_changes_nothing(tmp_path, monkeypatch) -> None:
    _slow_clock(monkeypatch)
    runs = [train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"], config(**limit),
                  run_dir=tmp_path / str(i), progress=False)
            for i, limit in enumerate(({}, {"time_limit": 10.0}))]
    assert [len(r.history) for r in runs] == [3, 3]
    assert not any(r.time_limit_reached for r in runs)
    assert [r["train_loss"] for r in runs[0].history] == [r["train_loss"]
                                                          for r in runs[1].history]


def test_a_long_run_is_told_of_the_time_limit_once(tmp_path, monkeypatch, capsys) -> None:
    _slow_clock(monkeypatch, seconds=1000.0)  # 1000 s an epoch: 2 more are over 30 minutes
    train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"], config(epochs=3),
          run_dir=tmp_path, progress=True)
    err = capsys.readouterr().err
    assert err.count("--time-limit") == 1
    assert "epoch 1 took 1000 s: the 2 planned epochs left would take up to about 33 min;" in err
    train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"], config(epochs=3, patience=5),
          run_dir=tmp_path / "early", progress=True)
    assert "33 min (an early stop may end them sooner);" in capsys.readouterr().err
    train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"],
          config(epochs=3, time_limit=100.0), run_dir=tmp_path / "limited", progress=True)
    err = capsys.readouterr().err
    assert "--time-limit" not in err  # set: nothing to tell, but the bar shows what is left
    assert "time left=0.0 min]" in err  # (3000 s an epoch: the second ended at the limit)
    # An ensemble's first member counts the members after it; the others say nothing.
    train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"], config(epochs=3),
          run_dir=tmp_path / "first", progress=True, runs_after=2)
    assert ("the 8 planned epochs left (with 2 more ensemble members) would take up to about "
            "133 min" in capsys.readouterr().err)
    train(model(), toy_set(16), toy_set(6, seed=1), ["a", "b"], config(epochs=3),
          run_dir=tmp_path / "second", progress=True, runs_after=None)
    assert "--time-limit" not in capsys.readouterr().err


@pytest.mark.parametrize("value", [0, -1.0, math.nan])
def test_a_time_limit_must_be_positive(value) -> None:
    with pytest.raises(ConfigError, match="time_limit must be positive, got"):
        config(time_limit=value)


# ---------------------------------------------------------------- resuming
def _tensors(path) -> dict[str, torch.Tensor]:
    state, _, optim = load_checkpoint(path)
    assert optim is not None
    out = {f"model/{k}": v for k, v in state.items()}
    for index, values in optim["state"].items():
        out |= {f"optim/{index}/{k}": v for k, v in values.items()}
    return out


@pytest.mark.parametrize("name", ["encoder", "ae_finetune"])
def test_resume_gives_the_weights_of_an_uninterrupted_run(tmp_path, name, capsys) -> None:
    # Dropout on: the random numbers of the resumed epochs must match the uninterrupted run.
    data, val = toy_set(12, spread=1.0), toy_set(4, seed=1, spread=1.0)
    cfg = config(epochs=4, batch_size=5, alternate_every=1)
    a, b = tmp_path / "a", tmp_path / "b"
    full = train(model(name, dropout=0.2), data, val, ["a", "b"], cfg, run_dir=a,
                 progress=False)

    part = train(model(name, dropout=0.2), data, val, ["a", "b"], cfg, run_dir=b,
                 progress=False, stop_after=2)
    assert len(part.history) == 2
    assert load_checkpoint(b / "last.safetensors")[1]["training"]["epochs_done"] == 2
    # A differently initialised model: everything must come from the checkpoint.
    capsys.readouterr()
    resumed = train(model(name, dropout=0.2, seed=1), data, val, ["a", "b"], cfg, run_dir=b,
                    progress=False, resume=True)
    # said, quiet or not (a resumed run must not look like a new one)
    assert capsys.readouterr().err == (f"--resume: {b}: 2 of 4 epochs were done; continuing "
                                       f"from epoch 3\n")

    assert len(resumed.history) == 4
    for x, y in zip(full.history, resumed.history, strict=True):
        assert x["train_loss"] == y["train_loss"]
        assert x["phase"] == y["phase"]
    assert resumed.best_epoch == full.best_epoch
    want, got = _tensors(a / "last.safetensors"), _tensors(b / "last.safetensors")
    assert want.keys() == got.keys()
    different = [k for k in want if not torch.equal(want[k], got[k])]
    assert not different, f"tensors differ after resuming: {different[:5]}"


def test_a_resume_on_other_threads_is_said_and_recorded(tmp_path, capsys, monkeypatch) -> None:
    """Resumed without --threads (all cores where it began on one), the run differs from
    an uninterrupted one (by 0.0036 in its weights): said, and every count recorded."""
    from lcformer.hardware import hardware
    from lcformer.training import loop

    data, val = toy_set(12), toy_set(4, seed=1)
    cfg = config(epochs=4, batch_size=5)
    began = hardware("cpu")
    train(model("encoder"), data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False,
          stop_after=2)
    monkeypatch.setattr(loop, "hardware", lambda *_: "CPU test, 7 threads")
    capsys.readouterr()
    resumed = train(model("encoder"), data, val, ["a", "b"], cfg, run_dir=tmp_path,
                    progress=False, resume=True)
    assert (f"--resume: epochs 1-2 ran on {began}, these on CPU test, 7 threads: sums taken "
            f"in another order") in capsys.readouterr().err
    assert resumed.hardware("now") == (f"now (resumed; epochs 1-2: {began}; epochs 3 on: CPU "
                                       f"test, 7 threads)")
    ran_on = load_checkpoint(tmp_path / "last.safetensors")[1]["training"]["ran_on"]
    assert ran_on == [[1, began], [3, "CPU test, 7 threads"]]


@pytest.mark.parametrize("name", ["encoder", "ae_finetune"])
def test_resume_keeps_early_stopping_where_the_uninterrupted_run_stops(tmp_path, name) -> None:
    """Patience counts classification epochs only, across a resume as without one.

    ae_finetune alternates reconstruct/classify epochs, which must not count as epochs without
    improvement; and a run that had already stopped early must not train on when resumed.
    """
    data, val = toy_set(12), toy_set(4, seed=1)
    cfg = config(epochs=12, patience=2, alternate_every=1)
    full = train(model(name), data, val, ["a", "b"], cfg, run_dir=tmp_path / "full",
                 progress=False)
    assert full.stopped_early and len(full.history) < len(epoch_plan(model(name).pretrain, cfg))
    n = len(full.history)
    for k in sorted({max(n - 2, 1), n}):  # interrupted just before, or right at, the stop
        run_dir = tmp_path / f"stop{k}"
        train(model(name), data, val, ["a", "b"], cfg, run_dir=run_dir, progress=False,
              stop_after=k)
        resumed = train(model(name), data, val, ["a", "b"], cfg, run_dir=run_dir,
                        progress=False, resume=True)
        assert len(resumed.history) == len(full.history), f"stopped after {k}"
        assert resumed.stopped_early and resumed.best_epoch == full.best_epoch


def test_resume_without_a_checkpoint_says_so(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match=r"last\.safetensors"):
        train(model(), toy_set(4), None, ["a", "b"], config(), run_dir=tmp_path,
              progress=False, resume=True)


# ---------------------------------------------------------------- Model 2: frozen encoder
def test_ae_frozen_leaves_the_encoder_unchanged_in_classify_epochs(tmp_path) -> None:
    net = model("ae_frozen")
    head_names = {f"head.{k}" for k in net.head.state_dict()}
    initial = {k: v.clone() for k, v in net.state_dict().items()}
    cfg = config(epochs=2, pretrain_epochs=1)
    data, val = toy_set(8), toy_set(4, seed=1)
    train(net, data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False, stop_after=1)
    pretrained = load_checkpoint(tmp_path / "last.safetensors")[0]
    train(net, data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False, resume=True)
    final = load_checkpoint(tmp_path / "last.safetensors")[0]
    assert [row["phase"] for row in
            load_checkpoint(tmp_path / "last.safetensors")[1]["training"]["history"]] == [
        "reconstruct", "classify", "classify"]

    encoder = [k for k in final if k not in head_names]
    assert encoder and len(encoder) < len(final)
    # Pretraining moved the encoder; the classification epochs did not touch it ...
    assert any(not torch.equal(initial[k], pretrained[k]) for k in encoder)
    unchanged = [k for k in encoder if torch.equal(pretrained[k], final[k])]
    assert unchanged == encoder
    # ... but trained the head (which reconstruction epochs leave alone).
    assert all(torch.equal(initial[k], pretrained[k]) for k in head_names)
    assert any(not torch.equal(pretrained[k], final[k]) for k in head_names)
    # Parameters are trainable again afterwards.
    assert all(p.requires_grad for p in net.parameters())


def test_resume_from_a_checkpoint_that_is_not_a_last_one_says_so(tmp_path) -> None:
    """best.safetensors copied over last.safetensors: no training state, a one-line error."""
    from lcformer.errors import CorruptFileError

    train(model(), toy_set(4), None, ["a", "b"], config(epochs=1), run_dir=tmp_path,
          progress=False)
    (tmp_path / "last.safetensors").write_bytes((tmp_path / "best.safetensors").read_bytes())
    with pytest.raises(CorruptFileError, match=r"last\.safetensors: not the last checkpoint"):
        train(model(), toy_set(4), None, ["a", "b"], config(epochs=2), run_dir=tmp_path,
              progress=False, resume=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 6), min_size=1, max_size=30), st.integers(0, 2**31 - 1))
def test_one_chunk_per_star_draws_one_random_chunk_of_every_star(chunks, seed) -> None:
    star = np.repeat(np.arange(len(chunks)), chunks)  # star i has chunks[i] samples
    data = SampleSet(np.zeros((len(star), 1, 1), np.float32), np.ones((len(star), 1), bool),
                     np.zeros(len(star), np.int64), star)
    config = TrainConfig(one_chunk_per_star=True)
    rng = np.random.default_rng(seed)
    drawn = [epoch_order(data, "classify", config, torch.ones(1), rng) for _ in range(20)]
    for order in drawn:
        assert sorted(star[order].tolist()) == list(range(len(chunks)))  # each star once
    # Over epochs, a star with several chunks is seen through more than one of them.
    seen = np.concatenate(drawn)
    many = int(np.argmax(chunks))
    if chunks[many] > 1:
        assert len(np.unique(seen[star[seen] == many])) > 1


def test_a_resumed_run_counts_the_time_before_it_was_killed(tmp_path) -> None:
    """train_seconds of a killed and resumed run is the whole run's, not the last process's."""
    net, data, val, cfg = model("encoder"), toy_set(8), toy_set(4, seed=1), config(epochs=2)
    train(net, data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False, stop_after=1)
    first = load_checkpoint(tmp_path / "last.safetensors")[1]["training"]["seconds"]
    assert first >= load_checkpoint(tmp_path / "last.safetensors")[1]["training"][
        "history"][0]["seconds"] > 0
    resumed = train(net, data, val, ["a", "b"], cfg, run_dir=tmp_path, progress=False,
                    resume=True)
    assert resumed.earlier_seconds == first
    total = load_checkpoint(tmp_path / "last.safetensors")[1]["training"]["seconds"]
    assert total > first


def test_the_sampler_with_one_chunk_per_star_draws_stars_by_class() -> None:
    """Class 0: 10 stars of 1 chunk; class 1: 10 stars of 5 chunks. Drawing stars (then one
    chunk each) gives an epoch of 20 samples, half of each class, not 5 to 1 by chunks."""
    star = np.repeat(np.arange(20), [1] * 10 + [5] * 10)
    labels = (star >= 10).astype(np.int64)
    data = SampleSet(np.zeros((len(star), 1, 1), np.float32), np.ones((len(star), 1), bool),
                     labels, star)
    config = TrainConfig(one_chunk_per_star=True, balance="sampler")
    rng = np.random.default_rng(0)
    drawn = np.concatenate([epoch_order(data, "classify", config, torch.ones(2), rng)
                            for _ in range(200)])
    assert len(drawn) == 200 * 20
    share = np.bincount(labels[drawn]) / len(drawn)
    assert abs(share[1] - 0.5) < 0.03
    assert len(np.unique(drawn[labels[drawn] == 1])) == 50  # every chunk gets drawn


def test_validation_loss_is_weighted_as_the_training_loss() -> None:
    """With balance none, val_loss is the plain NLL, as the training loss (the two share
    the training-curve figure)."""
    val = toy_set(6, seed=1)
    val = SampleSet(val.tokens, val.mask, np.where(val.star < 5, 0, 1).astype(np.int64),
                    val.star)  # 5 stars of class 0, 1 of class 1
    net = model()
    plain = validate(net, val, ["a", "b"], config(), None, torch.device("cpu"))[0]
    weighted = validate(net, val, ["a", "b"], config(), torch.tensor([0.6, 3.0]),
                        torch.device("cpu"))[0]
    probs = window_probabilities(net, val.tokens, val.mask, 16, torch.device("cpu"))
    nll = -np.log(probs[np.arange(len(val)), val.labels] + 1e-12)
    assert plain["val_loss"] == pytest.approx(nll.mean(), rel=1e-5)
    w = np.array([0.6, 3.0])[val.labels]
    assert weighted["val_loss"] == pytest.approx((w * nll).sum() / w.sum(), rel=1e-5)
    history = train(net, toy_set(8), val, ["a", "b"], config(epochs=1, balance="none"),
                    progress=False).history
    assert history[0]["val_loss"] == pytest.approx(
        validate(net, val, ["a", "b"], config(), None, torch.device("cpu"))[0]["val_loss"],
        rel=1e-5)
