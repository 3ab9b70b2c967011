"""A run of ``lcformer train``: fit the model, test it, and fill its run folder.

:func:`train_run` is the whole run: it prepares the folder (:mod:`lcformer.training.run_folder`),
fits the model (:func:`lcformer.training.fitting.fit`), tests it on the test stars
(:func:`evaluate_run`: metrics.json and test_predictions.csv), and draws its figures; it is
what the CLI, the sweeps and the ablation call.
"""

from __future__ import annotations

import contextlib
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.prepared import PreparedDataset
from lcformer.data.splits import SampleSet, assign_splits, resolved_split, split_record
from lcformer.errors import ConfigError
from lcformer.evaluation.importance import importance_record
from lcformer.evaluation.metrics import classification_metrics
from lcformer.evaluation.predict import probability_column
from lcformer.evaluation.records import RunRecord, write_records
from lcformer.hardware import hardware, pick_device
from lcformer.models.forest import ForestFusion
from lcformer.models.inference import star_level, window_probabilities
from lcformer.models.registry import spec
from lcformer.reporting.tensorboard import TensorBoardLogger
from lcformer.training import distributed
from lcformer.training.config import RunConfig
from lcformer.training.fitting import FittedRun, check_trainable, fit
from lcformer.training.loop import TrainResult, epoch_plan
from lcformer.training.run_folder import (
    IMPORTANCE_FILE,
    PREDICTIONS_FILE,
    check_resumable,
    clear_run,
    set_aside_other_run,
    write_config,
)

if TYPE_CHECKING:
    from lcformer.models.registry import Model


def train_run(data: PreparedDataset, config: RunConfig, run_dir: str | Path,
              resume: bool = False, progress: bool = True, figures: bool = True,
              tensorboard: str | Path | None = None) -> RunRecord:
    """Train, evaluate on the test stars and fill the run folder; returns the test record.

    ``tensorboard``: a log folder for TensorBoard (needs the ``tensorboard`` extra). It is a
    runtime option, not part of the configuration: logging a run does not change its folder.
    """
    run_dir = Path(run_dir)
    config.check_runnable()  # before anything is written
    if resume:
        check_resumable(run_dir, config, data)
    main = distributed.is_main()  # under torchrun, rank 0 alone writes the run folder
    # One command at a time in a run folder (rank 0's, under torchrun: the others only read).
    with atomic.one_writer(run_dir, "a run") if main else contextlib.nullcontext():
        if main:
            try:
                run_dir.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                raise ConfigError(f"{run_dir}: cannot be a run folder: it, or a folder above it, "
                                  f"is a file; give another --run-dir") from None
            aside = None if resume else set_aside_other_run(run_dir, data)
            if aside is not None:  # said even when quiet, as is a replaced model
                print(f"moved the earlier run in {run_dir}, trained on other input, to {aside} "
                      f"(--run-dir keeps runs apart)", file=sys.stderr)
            elif not resume and clear_run(run_dir):  # said even when quiet: a model is gone
                print(f"replaced the earlier run in {run_dir} (--resume continues one instead; "
                      f"--run-dir keeps runs apart)", file=sys.stderr)
            write_config(run_dir, data, config)

        check_trainable(data)
        parts = assign_splits(data, config.split, config.split_seed)
        logger = (TensorBoardLogger(tensorboard, data.classes)
                  if tensorboard is not None and main else None)
        try:
            fitted = fit(data, config, parts, run_dir, resume, progress and main, logger)
            if not main:  # rank 0 evaluates; the others return its record
                return RunRecord.from_dict(distributed.broadcast_json())
            record = evaluate_run(fitted, data, parts, config, run_dir, progress)
            distributed.broadcast_json(record.to_dict())
            if logger is not None:
                logger.finish(run_hparams(fitted.model, data, config),
                              {"test/accuracy": record.star["accuracy"],
                               "test/macro_f1": record.star["macro_f1"]},
                              # the epoch axis is member 0's, the one logged
                              step=len(fitted.members[0].history))
        finally:
            if logger is not None:
                logger.close()
        if figures:
            from lcformer.reporting import figures as fig

            fig.run_figures(run_dir, fitted.model, data, fitted.sets, fitted.result,
                            record.star["confusion"], config.train,
                            pd.read_csv(run_dir / PREDICTIONS_FILE, dtype={"id": str}))
        return record


def evaluate_run(fitted: FittedRun, data: PreparedDataset, parts: np.ndarray,
                 config: RunConfig, run_dir: Path, progress: bool = False) -> RunRecord:
    test = fitted.sets["test"]
    device = pick_device(config.train.device)
    probs = window_probabilities(fitted.model, test.tokens, test.mask, device=device,
                                 extra=test.extra)
    window_metrics = classification_metrics(test.labels, probs.argmax(1), data.classes)
    stars, y_star, p_star = star_level(probs, test.star, test.star_labels())
    star_metrics = classification_metrics(y_star, p_star.argmax(1), data.classes, p_star)

    table = data.stars.iloc[stars]
    predictions = pd.DataFrame({"id": table["id"].to_numpy(), "label": table["label"].to_numpy(),
                                "predicted": np.array(data.classes)[p_star.argmax(1)],
                                "n_windows": np.bincount(np.searchsorted(stars, test.star))})
    for i, cls in enumerate(data.classes):
        predictions[probability_column(cls)] = p_star[:, i]
    if data.periods is not None:  # the period and power the star views were made at
        found = data.periods.set_index("id")[["period", "power"]]
        predictions = predictions.join(found, on="id")
    with atomic.temporary_path(run_dir / PREDICTIONS_FILE) as tmp:
        predictions.to_csv(tmp, index=False)

    result = fitted.result
    record = RunRecord(
        dataset=data.name, model=config.model.name, classes=data.classes,
        split=split_record(config.split, config.split_seed, parts,
                           data.stars["label"].to_numpy(),
                           resolved_split(config.split, data.stars))
        | stars_used(fitted.sets, fitted.metadata.get("forest", {}).get("trees_alone", False)),
        hardware=result.hardware(hardware(str(device), distributed.world_size())),
        train_seconds=round(fitted.seconds, 1),
        star=star_metrics.to_dict(), window=window_metrics.to_dict(),
        budget={"epochs_planned": epochs_planned(config), "epochs_run": epochs_run(result.history),
                "stopped_early": result.stopped_early,
                "time_limit_reached": result.time_limit_reached,
                "network_unneeded": result.network_unneeded,
                "best_epoch": best_epochs(fitted.members)}
        | ({"network_weight": fitted.metadata["forest"]["network_weight"]}
           if "forest" in fitted.metadata else {}))
    write_records(run_dir, "deep", [record])
    if isinstance(fitted.model, ForestFusion) and len(test):
        atomic.write_json(run_dir / IMPORTANCE_FILE,
                          importance_record(fitted.model, test, data.info.extra_names,
                                            data.info.bands, progress=progress))
    return record


def stars_used(sets: dict[str, SampleSet], trees_alone: bool = False) -> dict[str, Any]:
    """Distinct stars of each set the run used (``used``): fewer training stars than its
    split's with ``--sample-per-class``; the validation stars split between the best epoch
    (``val``) and the trees' weight (``weight``) when the model has trees, or both chosen on
    the same ones (``weight_on_val_stars``) when there are too few to halve; none with
    ``--epochs 0`` (``trees_alone``: no epoch nor weight to choose)."""
    used = {"used": {name: len(np.unique(part.star)) for name, part in sets.items()}}
    if trees_alone:
        used["used"] = {name: n for name, n in used["used"].items()
                        if name not in ("val", "weight")} | {"val": 0}
    elif "weight" in sets:
        used["weight_on_val_stars"] = sets["weight"] is sets["val"]
    return used


def epochs_planned(config: RunConfig) -> int:
    """Every epoch the run plans, as ``epochs_run`` counts them: ae_frozen's reconstruction
    epochs come before its ``--epochs`` of classification."""
    arch = spec(config.model.name).arch
    return len(epoch_plan(arch.pretrain if arch else None, config.train))


def best_epochs(results: list[TrainResult]) -> int | list[int | None] | None:
    """The epoch (from 1) of the weights kept: one per member for an ensemble."""
    best = [None if r.best_epoch is None else r.best_epoch + 1 for r in results]
    return best[0] if len(best) == 1 else best


def epochs_run(history: list[dict[str, Any]]) -> int:
    """The epochs of the longest-trained member: an ensemble's history holds the rows of
    every member, which are not epochs of the run."""
    counts = Counter(row.get("member", 0) for row in history)
    return max(counts.values(), default=0)


def run_hparams(model: Model, data: PreparedDataset,
                config: RunConfig) -> dict[str, Any]:
    """What TensorBoard's HParams tab shows of a run: the resolved model options (defaults
    included), the training config and the split (the folds of a sweep differ in nothing
    else)."""
    return {"dataset": data.name, "model": model.config.to_dict(),
            "train": config.train.to_dict(), "split": config.split,
            "split_seed": config.split_seed, "sample_per_class": config.sample_per_class}
