"""A training run from a prepared dataset to a run folder.

A run folder holds everything needed to trust and reuse the result::

    config.toml          the resolved configuration (data, tokens, split, model, training)
    history.csv          one row per epoch
    best.safetensors     best weights (+ best.json, the metadata in readable form)
    last.safetensors     last weights and optimizer state, for --resume
    metrics.json         window- and star-level test metrics, with how they were made
    test_predictions.csv one row per test star
    figures/             confusion matrices, training curves, accuracy by token position, ...

TensorBoard logs (``tensorboard=DIR``) are an extra view kept outside the run folder.
"""

from __future__ import annotations

import dataclasses
import json
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
import torch

from lcformer import __version__, atomic
from lcformer.data.lightcurves import ragged_ranges
from lcformer.data.prepared import PreparedDataset
from lcformer.data.splits import balance_stars, fixed_split, kfold_splits, stratified_split
from lcformer.errors import NothingToTrainError, RunNotFoundError
from lcformer.evaluation.metrics import classification_metrics, star_level, window_probabilities
from lcformer.hardware import hardware
from lcformer.models import LightCurveClassifier, ModelConfig, model_from_config
from lcformer.reporting.tensorboard import TensorBoardLogger
from lcformer.training.checkpoints import load_checkpoint
from lcformer.training.loop import TrainConfig, TrainResult, WindowSet, pick_device, train


@dataclass(frozen=True)
class RunConfig:
    model: str = "encoder"
    model_options: dict[str, Any] = field(default_factory=dict)  # ModelConfig fields
    train: TrainConfig = field(default_factory=TrainConfig)
    split: str = "auto"  # auto | stratified | fixed | kfold:K:I
    split_seed: int = 0
    sample_per_class: int | None = None  # research balancing of training stars

    def to_dict(self) -> dict[str, Any]:
        return {"model": self.model, "model_options": dict(self.model_options),
                "train": self.train.to_dict(), "split": self.split,
                "split_seed": self.split_seed, "sample_per_class": self.sample_per_class}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        return cls(model=data["model"], model_options=dict(data.get("model_options", {})),
                   train=TrainConfig.from_dict(data["train"]), split=data.get("split", "auto"),
                   split_seed=data.get("split_seed", 0),
                   sample_per_class=data.get("sample_per_class"))


def assign_splits(data: PreparedDataset, split: str, seed: int) -> np.ndarray:
    """train/val/test for every star of the prepared dataset (by star, never by window)."""
    stars = data.stars
    labels = stars["label"].to_numpy()
    if split == "auto":
        split = "fixed" if "split" in stars else "stratified"
    if split == "stratified":
        return stratified_split(labels, seed=seed)
    if split == "fixed":
        if "split" not in stars:
            raise ValueError("this dataset has no split of its own; use --split stratified")
        return fixed_split(stars["split"].to_numpy(), labels, seed=seed)
    if split.startswith("kfold:"):
        _, k, i = split.split(":")
        return kfold_splits(labels, k=int(k), seed=seed)[int(i)]
    raise ValueError(f"unknown split {split!r}: auto, stratified, fixed or kfold:K:I")


def window_sets(data: PreparedDataset, parts: np.ndarray, sample_per_class: int | None,
                seed: int) -> dict[str, WindowSet]:
    """Window sets per part; training stars optionally balanced to ``sample_per_class``."""
    window_star = data.window_star
    window_label = data.window_label
    star_class = np.full(len(parts), -1)
    star_class[window_star] = window_label
    sets = {}
    for part in ("train", "val", "test"):
        stars = np.flatnonzero(parts == part)
        if part == "train" and sample_per_class:
            stars = balance_stars(stars, star_class[stars], sample_per_class, seed)
        # Gather windows star by star (a repeated star contributes its windows again).
        order = np.argsort(window_star, kind="stable")
        first = np.searchsorted(window_star[order], stars)
        count = np.bincount(window_star, minlength=len(parts))[stars]
        rows = order[ragged_ranges(first, count)]
        rows_sorted = np.sort(rows)
        sets[part] = WindowSet(np.asarray(data.tokens[rows_sorted]),
                               np.asarray(data.mask[rows_sorted]),
                               window_label[rows_sorted], window_star[rows_sorted])
    return sets


def model_metadata(model: LightCurveClassifier, data: PreparedDataset,
                   config: RunConfig) -> dict[str, Any]:
    """What a checkpoint must carry to be reused on new stars (and refused on others)."""
    return {
        "lcformer_version": __version__,
        "model": model.config.to_dict(),
        "classes": data.classes,
        "tokens": data.manifest["config"]["tokens"],
        "cleaning": data.manifest["config"]["cleaning"],
        "dataset": data.manifest["name"],
        "run": config.to_dict(),
    }


def train_run(data: PreparedDataset, config: RunConfig, run_dir: str | Path,
              resume: bool = False, progress: bool = True, figures: bool = True,
              tensorboard: str | Path | None = None) -> dict[str, Any]:
    """Train, evaluate on the test stars and fill the run folder; returns the metrics.

    ``tensorboard``: a log folder for TensorBoard (needs the ``tensorboard`` extra). It is a
    runtime option, not part of the configuration: logging a run does not change its folder.
    """
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    if resume and (run_dir / "config.toml").exists():
        saved = RunConfig.from_dict(tomllib.loads((run_dir / "config.toml").read_text())["run"])
        if saved != config:
            raise ValueError(f"--resume with a different configuration than {run_dir}")
    write_config(run_dir, data, config)

    if len(data) == 0 or len(data.classes) < 2:
        raise NothingToTrainError(
            f"{data.manifest['name']}: {len(data)} windows in {len(data.classes)} classes after "
            f"cleaning and tokenising; nothing to train on. What was dropped:\n{data.report}")
    parts = assign_splits(data, config.split, config.split_seed)
    sets = window_sets(data, parts, config.sample_per_class, config.split_seed)
    model_config = ModelConfig(name=config.model, n_classes=len(data.classes),
                               n_features=data.tokens.shape[2],
                               max_tokens=max(512, data.tokens.shape[1]),
                               **config.model_options)
    torch.manual_seed(config.train.seed)
    model = model_from_config(model_config)
    metadata = model_metadata(model, data, config)

    logger = TensorBoardLogger(tensorboard, data.classes) if tensorboard is not None else None
    try:
        began = time.perf_counter()
        result = train(model, sets["train"], sets["val"], data.classes, config.train, run_dir,
                       metadata, resume=resume, progress=progress, logger=logger)
        seconds = time.perf_counter() - began
        metrics = evaluate_run(model, data, sets["test"], parts, config, result, seconds,
                               run_dir)
        if logger is not None:
            logger.finish(run_hparams(model, data, config),
                          {"test/accuracy": metrics["star"]["accuracy"],
                           "test/macro_f1": metrics["star"]["macro_f1"]},
                          step=len(result.history))
    finally:
        if logger is not None:
            logger.close()
    if figures:
        from lcformer.reporting import figures as fig

        fig.run_figures(run_dir, model, data, sets, result, metrics, config.train)
    return metrics


def run_hparams(model: LightCurveClassifier, data: PreparedDataset,
                config: RunConfig) -> dict[str, Any]:
    """What TensorBoard's HParams tab shows of a run: the resolved model options (defaults
    included), the training config and the split (the folds of a sweep differ in nothing
    else)."""
    return {"dataset": data.manifest["name"], "model": model.config.to_dict(),
            "train": config.train.to_dict(), "split": config.split,
            "split_seed": config.split_seed, "sample_per_class": config.sample_per_class}


def write_config(run_dir: Path, data: PreparedDataset, config: RunConfig) -> None:
    doc = {"lcformer_version": __version__, "dataset": {
        "name": data.manifest["name"], "prepared": str(data.path),
        "input_hash": data.manifest["input_hash"]}, "prepare": data.manifest["config"],
        "run": config.to_dict()}
    atomic.write_text(run_dir / "config.toml", tomli_w.dumps(_drop_none(doc)))


def evaluate_run(model: LightCurveClassifier, data: PreparedDataset, test: WindowSet,
                 parts: np.ndarray, config: RunConfig, result: TrainResult, seconds: float,
                 run_dir: Path) -> dict[str, Any]:
    device = pick_device(config.train.device)
    probs = window_probabilities(model, test.tokens, test.mask, 512, device)
    window_metrics = classification_metrics(test.labels, probs.argmax(1), data.classes)
    star_class = np.full(len(parts), -1)
    star_class[test.star] = test.labels
    stars, y_star, p_star = star_level(probs, test.star, star_class)
    star_metrics = classification_metrics(y_star, p_star.argmax(1), data.classes)

    table = data.stars.iloc[stars]
    predictions = pd.DataFrame({"id": table["id"].to_numpy(), "label": table["label"].to_numpy(),
                                "predicted": np.array(data.classes)[p_star.argmax(1)],
                                "n_windows": np.bincount(np.searchsorted(stars, test.star))})
    for i, cls in enumerate(data.classes):
        predictions[f"p_{cls}"] = p_star[:, i]
    with atomic.temporary_path(run_dir / "test_predictions.csv") as tmp:
        predictions.to_csv(tmp, index=False)

    metrics = {
        "dataset": data.manifest["name"],
        "model": config.model,
        "classes": data.classes,
        "split": {"kind": config.split, "seed": config.split_seed,
                  "stars": {p: int((parts == p).sum()) for p in ("train", "val", "test")}},
        "budget": {"epochs_planned": config.train.epochs, "epochs_run": len(result.history),
                   "stopped_early": result.stopped_early,
                   "best_epoch": None if result.best_epoch is None else result.best_epoch + 1},
        "hardware": hardware(),
        "train_seconds": round(seconds, 1),
        "star": star_metrics.to_dict(),
        "window": window_metrics.to_dict(),
    }
    atomic.write_json(run_dir / "metrics.json", metrics)
    return metrics


def load_model(run_dir: str | Path, which: str = "best") -> tuple[LightCurveClassifier,
                                                                   dict[str, Any]]:
    """A trained model and its metadata from a run folder (safetensors, no pickle)."""
    state, metadata, _ = load_checkpoint(Path(run_dir) / f"{which}.safetensors")
    model = model_from_config(ModelConfig.from_dict(metadata["model"]))
    model.load_state_dict(state)
    model.eval()
    return model, metadata


def _drop_none(value: Any) -> Any:
    """TOML has no null: leave unset options out."""
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [_drop_none(v) for v in value]
    if dataclasses.is_dataclass(value):
        return _drop_none(dataclasses.asdict(value))
    return value


def summary_line(metrics: dict[str, Any]) -> str:
    s = metrics["star"]
    return (f"{metrics['dataset']} / {metrics['model']}: star-level test accuracy "
            f"{s['accuracy']:.3f}, macro-F1 {s['macro_f1']:.3f} on {s['n']} stars "
            f"({metrics['budget']['epochs_run']} epochs, {metrics['train_seconds']} s, "
            f"{metrics['hardware']})")


def read_metrics(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / "metrics.json"
    if not path.is_file():
        raise RunNotFoundError(f"no metrics.json in {run_dir}: not a run folder, or the run "
                               f"has not finished (continue it with `lcformer train ... --resume`)")
    return json.loads(path.read_text())
