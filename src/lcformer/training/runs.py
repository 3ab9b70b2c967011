"""A training run from a prepared dataset to a run folder.

A run folder holds everything needed to trust and reuse the result::

    config.toml          the resolved configuration (data, tokens, split, model, training)
    history.csv          one row per epoch
    best.safetensors     best weights (+ best.json, the metadata in readable form)
    last.safetensors     last weights and optimizer state, for --resume (a model with trees
                         or an ensemble keeps only its whole best.safetensors here, and the
                         network's best and last in network/ or member<i>/)
    metrics.json         the test result (evaluation.records), with how it was made
    test_predictions.csv one row per test star
    figures/             confusion matrices, training curves, accuracy by token position, ...

:func:`fit` is the one path from a prepared dataset and a :class:`RunConfig` to a trained
model; :func:`train_run` (the CLI, sweeps) and ``Classifier.fit`` (the Python API) both take it.
TensorBoard logs (``tensorboard=DIR``) are an extra view kept outside the run folder.
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
import tomllib
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import tomli_w
import torch

from lcformer import __version__, atomic
from lcformer.config import Config, dotted
from lcformer.data.augment import Copies, shortened_samples
from lcformer.data.prepared import PreparedDataset
from lcformer.data.reading import READERS_VERSION
from lcformer.data.splits import (
    SampleSet,
    assign_splits,
    sample_sets,
    split_record,
    split_stars,
)
from lcformer.errors import (
    ConfigError,
    ConfigMismatchError,
    CorruptFileError,
    NothingToTrainError,
    RunNotFoundError,
)
from lcformer.evaluation.flags import (
    band_levels,
    band_shares,
    error_ranges,
    stored_ranges,
    training_ranges,
)
from lcformer.evaluation.inference import star_level, window_probabilities
from lcformer.evaluation.metrics import classification_metrics
from lcformer.evaluation.records import RunRecord, write_records
from lcformer.evaluation.seen import star_fingerprints, stored_fingerprints
from lcformer.hardware import hardware, pick_device
from lcformer.models import LightCurveClassifier, ModelConfig, model_from_config
from lcformer.models.ensemble import Ensemble
from lcformer.models.forest import (
    WEIGHT_STARS,
    BoostedTrees,
    ForestFusion,
    TreeForest,
    choose_weight,
)
from lcformer.models.registry import spec
from lcformer.reporting.tensorboard import TensorBoardLogger
from lcformer.training import distributed
from lcformer.training.checkpoints import load_checkpoint, save_checkpoint
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.loop import (
    TrainResult,
    epoch_plan,
    train,
    write_history,
)


def checkpoint_metadata(model: ModelConfig, data: PreparedDataset,
                        config: RunConfig) -> dict[str, Any]:
    """What a checkpoint must carry to be reused on new stars (and refused on others)."""
    prepare = data.manifest["config"]
    return {
        "lcformer_version": __version__,
        "readers": READERS_VERSION,  # how its tables were read (fluxes: asinh magnitudes)
        "model": model.to_dict(),
        "classes": data.classes,
        "tokens": prepare["tokens"],
        "cleaning": prepare["cleaning"],
        "prepare": prepare,  # the whole preparation: inputs, star views, period search
        "bands": data.info.bands,
        "extra_names": data.info.extra_names,
        "feature_span": data.info.feature_span,  # the features' periodogram grid, in days
        "dataset": data.name,
        "run": config.to_dict(),
    }


def check_trainable(data: PreparedDataset) -> None:
    if len(data) == 0 or len(data.classes) < 2:
        dropped = data.report.brief()
        why = ("nothing was dropped: the labels name fewer than 2 classes"
               if dropped == "nothing dropped" else dropped)
        if data.report.curves.get("shorter_than_window"):
            why += ("; a shorter --window, --pad-short, or the default periodic model (star "
                    "views, no windows) keeps those curves (in Python: "
                    "tokens=TokenConfig(window=...) or TokenConfig(pad_short=True), or "
                    "Classifier())")
        raise NothingToTrainError(
            f"{data.name}: {len(data)} samples in {len(data.classes)} class(es) "
            f"({', '.join(data.classes) or 'none'}) after cleaning; a classifier needs 2 or "
            f"more; {why}")


@dataclass
class FittedRun:
    model: LightCurveClassifier  # holding its best weights
    metadata: dict[str, Any]  # as stored in its checkpoints
    result: TrainResult  # an ensemble's: every member's history rows, stopped early if any did
    sets: dict[str, SampleSet]  # train, val, test samples
    seconds: float
    members: list[TrainResult]  # each network's own (one for a lone network)


def fit(data: PreparedDataset, config: RunConfig, parts: np.ndarray,
        run_dir: Path | None = None, resume: bool = False, progress: bool = True,
        logger: Any = None) -> FittedRun:
    """Build the configured model for this data and train it on the ``train`` stars of
    ``parts``, choosing the best epoch on the ``val`` stars."""
    config.check_runnable()
    sets = sample_sets(data, parts, config.sample_per_class, config.split_seed)
    if not len(sets["train"]):  # e.g. one star per class: the 70/10/20 split puts it in test
        stars = data.stars["label"].value_counts()
        raise NothingToTrainError(
            f"{data.name}: no training stars in split {config.split!r} (stars per class: "
            f"{', '.join(f'{c} {n}' for c, n in stars.items())}); add stars, or give a split "
            f"with training stars (--split)")
    if config.model.fused:
        sets["val"], sets["weight"] = _epoch_and_weight_stars(sets["val"], config.split_seed)
    model_config = config.model.for_data(len(data.classes), data.tokens.shape[2],
                                         data.tokens.shape[1], data.window_extra.shape[1])
    if model_config.fused and not model_config.n_extra:
        raise ConfigError(f"--forest {model_config.forest} --boosting {model_config.boosting} "
                          f"--extra-trees {model_config.extra_trees}: the trees read the "
                          f"per-star values of star views, and {data.name} has none; use "
                          f"--forest 0 --boosting 0 --extra-trees 0, or the periodic model")
    copies = (_shortened_copies(data, sets["train"], model_config.shortened_copies,
                                config.train.seed) if model_config.shortened_copies else None)
    metadata = (checkpoint_metadata(model_config, data, config)
                | _training_stars(data, sets, None if copies is None else copies.periods)
                | _seen_stars(data, sets))
    # What the model learns from: the training stars, and their shortened copies.
    learned = sets if copies is None else sets | {"train": sets["train"].joined(copies.samples)}
    # The network's own checkpoints (the loop's, an ensemble's) describe it without the trees.
    network_metadata = metadata | {"model": model_config.network_only.to_dict()}
    began = time.perf_counter()
    members = []
    for i in range(model_config.ensemble):  # an ensemble: one member per seed, trained alike
        torch.manual_seed(config.train.seed + i)
        member = model_from_config(model_config.network_only.replace(ensemble=1))
        if hasattr(member, "fit_extra_stats"):  # standardise per-star values on train stars
            member.fit_extra_stats(np.asarray(learned["train"].extra))
        members.append(member)
    # The trees first: the network's training watches the share they would give it.
    fused, share = (add_trees(members[0], learned, model_config, config.train,
                              n_stars=len(np.unique(sets["train"].star)))
                    if model_config.fused else (None, None))
    results, history, earlier = [], [], 0.0
    # --epochs 0: the trees alone (their weight 1), the network untrained and never run.
    trees_alone = config.train.epochs == 0
    if trees_alone:
        results.append(result := TrainResult())
    for i, member in enumerate([] if trees_alone else members):
        seed = config.train.seed + i
        folder = member_folder(run_dir, model_config, i)
        if (resume and folder is not None and not (folder / "last.safetensors").is_file()
                and (folder / "history.csv").is_file()  # epochs recorded, none to continue
                and distributed.is_main()):
            warnings.warn(f"--resume: {folder} records epochs (history.csv) but holds no "
                          f"last.safetensors to continue from, so its training starts again "
                          f"from the first epoch", stacklevel=2)
        result = train(member, learned["train"], sets["val"], data.classes,
                       member_train_config(config.train, seed, model_config.ensemble),
                       folder, network_metadata,
                       # a run (or an ensemble member) killed before its first epoch was
                       # saved begins afresh: the same seeds make the same run
                       resume=resume and (folder is None
                                          or (folder / "last.safetensors").is_file()),
                       progress=progress, logger=logger if i == 0 else None,
                       runs_after=model_config.ensemble - 1 if i == 0 else None,
                       share=share)
        member.eval()
        results.append(result)
        history += [{"member": i, **row} for row in result.history]
        earlier += result.earlier_seconds  # a resumed run: its time before it was killed
    model = members[0] if len(members) == 1 else Ensemble(members)
    if len(members) > 1:
        result = TrainResult(history, None, math.nan,
                             stopped_early=any(r.stopped_early for r in results),
                             time_limit_reached=any(r.time_limit_reached for r in results),
                             network_unneeded=all(r.network_unneeded for r in results))
    if fused is not None:
        fused.use_network(model)  # the trained network (or ensemble): fitted around the first
        if trees_alone:
            fused.set_weight(0.0)
        elif share is not None:
            fused.set_weight(share(model))
        model = fused.eval()
        metadata = metadata | {"forest": {"trees": model_config.forest,
                                          "boosting": model_config.boosting,
                                          "extra_trees": model_config.extra_trees,
                                          "copies_fitted": 0 if copies is None
                                          else len(copies.periods),
                                          "network_weight": float(model.weight)}
                                | ({"trees_alone": True} if trees_alone else {})}
    if run_dir is not None and distributed.is_main() and member_folder(run_dir, model_config,
                                                                       0) != run_dir:
        save_checkpoint(run_dir / "best.safetensors", model, metadata)
        write_history(run_dir / "history.csv", history)
    return FittedRun(model.eval(), metadata, result, sets,
                     earlier + time.perf_counter() - began, results)


def _epoch_and_weight_stars(val: SampleSet, seed: int) -> tuple[SampleSet, SampleSet]:
    """The validation stars that choose the network's best epoch, and those that choose the
    trees' weight: halves of each class's. The best epoch looks better on the stars that
    chose it than it is, so the weight is chosen on the others; with one star a class both
    choices fall on them, and with none the weight stays 0.5 (`info` and the summary say so).
    """
    if not len(val):
        return val, val
    epoch_stars, weight_stars = split_stars(val, WEIGHT_STARS, seed)
    if len(epoch_stars) and len(weight_stars):
        return epoch_stars, weight_stars
    return val, val


def _shortened_copies(data: PreparedDataset, train: SampleSet, copies: int,
                      seed: int) -> Copies:
    """``copies`` shortened copies of every training star, with a warning for the classes
    none of whose copies kept enough points (the model learns no copy of them)."""
    made = shortened_samples(data, train.star, copies, seed)
    missing = sorted(set(np.unique(train.labels)) - set(np.unique(made.samples.labels)))
    if missing:
        names = [data.classes[c] for c in missing]
        warnings.warn(f"--shortened-copies {copies}: no copy of a training star of "
                      f"{', '.join(names[:5])}{', ...' if len(names) > 5 else ''} kept "
                      f"{data.config.cleaning.min_points} points in a band, so the model learns "
                      f"no shortened copy of {'that class' if len(names) == 1 else 'those'}",
                      stacklevel=3)
    return made


def _training_stars(data: PreparedDataset, sets: dict[str, SampleSet],
                    copies: pd.DataFrame | None = None) -> dict[str, Any]:
    """Star views: the training stars' span, points, and median magnitudes and errors
    (:func:`training_ranges`, :func:`error_ranges`), with the span and points of their
    shortened ``copies`` (period search rows), for the ``outside_training_range`` flag of
    predictions."""
    if data.periods is None or "span" not in data.periods:
        return {}
    train = sets["train"]
    levels = band_levels(train.extra, data.info.extra_names, train.star)
    train_ids = data.stars["id"].to_numpy(dtype=object)[levels.index]
    stars = data.periods.set_index("id").loc[train_ids]
    stars = stars.join(levels.set_axis(stars.index))
    if copies is not None:  # (those too short for a period search have no points)
        stars = pd.concat([stars.reset_index(), copies[copies["n_points"] > 0]],
                          ignore_index=True)
    return stored_ranges(training_ranges(stars), error_ranges(stars), band_shares(levels))


def _seen_stars(data: PreparedDataset, sets: dict[str, SampleSet]) -> dict[str, Any]:
    """The fingerprints of the cleaned points of every star the model trained on or was
    validated on (all but the test stars), so that predictions recognise them under other ids
    or in another layout and leave them out of a score (:mod:`lcformer.evaluation.seen`)."""
    used = np.unique(np.concatenate([np.asarray(s.star) for part, s in sets.items()
                                     if part != "test"]))
    ids = data.stars["id"].to_numpy(dtype=object)[used]
    cleaned = data.cleaned
    every = star_fingerprints(cleaned["id"].to_numpy(dtype=object),
                              cleaned["n_points"].to_numpy(), data.points[:, 0],
                              data.points[:, 1])
    return stored_fingerprints(every[every.index.isin(ids)].to_numpy(dtype=np.uint64))


def member_train_config(train: TrainConfig, seed: int, members: int) -> TrainConfig:
    """An ensemble member's training settings: its seed, and its share of the time limit."""
    limit = None if train.time_limit is None else train.time_limit / members
    return train.replace(seed=seed, time_limit=limit)


def member_folder(run_dir: Path | None, config: ModelConfig, i: int) -> Path | None:
    """Where the loop keeps a network's checkpoints: the run folder for a lone network; else
    a folder of its own (``member<i>``, ``network``), and the run folder's ``best`` holds the
    whole model (the ensemble, the trees)."""
    if run_dir is None or (config.ensemble == 1 and not config.fused):
        return run_dir
    return run_dir / (f"member{i}" if config.ensemble > 1 else "network")


def add_trees(network: torch.nn.Module, sets: dict[str, SampleSet], config: ModelConfig,
              train: TrainConfig, n_stars: int | None = None
              ) -> tuple[ForestFusion, NetworkShare | None]:
    """The network fused with trees (a forest, boosting, extra trees) fitted on the training
    stars' per-star values (``n_stars`` of them, where ``sets`` adds shortened copies), and
    the :class:`NetworkShare` that sets its weight: on the ``weight`` stars, else the
    validation stars (None without them: the weight stays 0.5)."""
    part = sets["train"]
    first = np.unique(part.star, return_index=True)[1]  # a star's chunks share its values
    fused = fit_trees(network, np.asarray(part.extra)[first], part.labels[first], config,
                      train.seed, n_stars)
    weight = sets.get("weight")
    stars = weight if weight is not None and len(weight) else sets["val"]
    if not len(stars):
        return fused, None
    return fused, NetworkShare(fused, stars, pick_device(train.device))


class NetworkShare:
    """The weight that these stars give a network beside the trees (:func:`choose_weight`):
    set once the network is trained, and watched while it trains, which stops when the trees
    have not needed it for ``patience`` epochs."""

    def __init__(self, fused: ForestFusion, stars: SampleSet, device: torch.device) -> None:
        self.stars, self.device = stars, device
        self.star_class = stars.star_labels()
        with torch.no_grad():  # the trees do not change while the network trains
            p_trees = fused.trees(torch.as_tensor(np.asarray(stars.extra))).numpy()
        _, self.labels, self.p_trees = star_level(p_trees, stars.star, self.star_class)

    def __call__(self, network: torch.nn.Module) -> float:
        s = self.stars
        _, _, p_network = star_level(
            window_probabilities(network, s.tokens, s.mask, device=self.device, extra=s.extra),
            s.star, self.star_class)
        return choose_weight(p_network, self.p_trees, self.labels)


def fit_trees(network: torch.nn.Module, extra: np.ndarray, labels: np.ndarray,
              config: ModelConfig, seed: int, n_stars: int | None = None) -> ForestFusion:
    """The network fused with the trees ``config`` names, fitted on one row of per-star values
    per star (on as many threads as torch uses; ``n_stars``: of those rows, the training
    stars, not their shortened copies)."""
    threads = torch.get_num_threads()
    return ForestFusion(
        network,
        TreeForest.fit(extra, labels, config.n_classes, config.forest, seed=seed,
                       n_jobs=threads, n_stars=n_stars) if config.forest else None,
        BoostedTrees.fit(extra, labels, config.n_classes, config.boosting, seed=seed,
                         n_jobs=threads) if config.boosting else None,
        TreeForest.fit(extra, labels, config.n_classes, config.extra_trees, seed=seed,
                       n_jobs=threads, randomised=True,
                       n_stars=n_stars) if config.extra_trees else None)


#: What a run writes in its folder (unknown files are left alone).
RUN_OUTPUTS = ("metrics.json", "test_predictions.csv", "history.csv", "best.safetensors",
               "best.json", "last.safetensors", "last.json", "figures", "network", "member*")


def _is_run(folder: str | Path) -> bool:
    """A run folder of ``lcformer train`` (a config.toml with its ``[run]``), not a folder of
    ``Classifier.save`` beside a config.toml of the user's."""
    try:
        return "run" in read_run_config(Path(folder))
    except (CorruptFileError, RunNotFoundError, OSError):
        return False


def clear_run(run_dir: Path) -> bool:
    """Remove an earlier run's outputs before a fresh run writes its settings, so that a
    folder never shows old results or weights beside new settings (a run killed early
    would), and ``--resume`` never continues another run's ``last`` checkpoint. Only in a
    folder that holds a run (a config.toml with its ``[run]``): elsewhere, such names are the
    user's. True when something was removed."""
    if not _is_run(run_dir):
        return False
    removed = False
    for pattern in RUN_OUTPUTS:
        for path in run_dir.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed = True
    return removed


def set_aside_other_run(run_dir: Path, data: PreparedDataset) -> Path | None:
    """Move an earlier run in ``run_dir`` that was trained on other input (another input
    hash) to ``<run_dir>.old`` (an earlier one there is replaced), and return that folder;
    None where there is none. Replacing a model is for a rerun on the same input: surveys
    whose folders share a name (OGLE's ``phot/`` of each catalogue) get the same default run
    folder, and a second ``train`` deleted the first survey's model."""
    if not _is_run(run_dir):
        return None
    earlier = read_run_config(run_dir).get("dataset", {}).get("input_hash")
    if earlier is None or earlier == data.manifest["input_hash"]:
        return None
    aside = run_dir.with_name(run_dir.name + ".old")
    if aside.is_dir() and not aside.is_symlink():
        shutil.rmtree(aside)
    elif aside.exists() or aside.is_symlink():
        aside.unlink()
    aside.mkdir()
    for pattern in (*RUN_OUTPUTS, "config.toml"):
        for path in run_dir.glob(pattern):
            shutil.move(path, aside / path.name)
    return aside


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
        record = evaluate_run(fitted, data, parts, config, run_dir)
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
                        pd.read_csv(run_dir / "test_predictions.csv", dtype={"id": str}))
    return record


def check_resumable(run_dir: Path, config: RunConfig, data: PreparedDataset | None = None) -> None:
    """``--resume`` continues a started run with the same settings (and, given ``data``, the
    same prepared data); otherwise a one-line error naming what differs, old -> new."""
    saved = read_run_config(run_dir)
    if "run" not in saved:
        raise RunNotFoundError(f"--resume: there is no run to continue in {run_dir} (no "
                               f"config.toml); start it without --resume")
    try:
        before = RunConfig.from_dict(saved["run"])
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{run_dir / 'config.toml'}: its [run] settings cannot be read "
                               f"({exc}); start the run again without --resume") from None
    # The time limit is a budget, not a setting of the model: a resumed run may get more.
    before = before.replace(train=before.train.replace(time_limit=config.train.time_limit))
    differences = [config_difference(before, config)] if before != config else []
    if data is not None:
        differences += data_differences(saved, data)
    differences = [d for d in differences if d]
    if differences:
        raise ConfigMismatchError(
            f"--resume with other settings than {run_dir} was started with: "
            f"{', '.join(differences)}; resume with the options it was started with, or start "
            f"a new run (another --run-dir, or without --resume)")


def data_differences(saved: dict[str, Any], data: PreparedDataset) -> list[str]:
    """How ``data`` differs from the data a run folder's ``config.toml`` (``saved``) records:
    its preparation settings, its dataset, its input files or lcformer's data code; [] if
    it is the same data."""
    # Unset settings compared as absent: folders written before "none" left them out.
    prepare = json.loads(json.dumps(drop_none(data.manifest["config"])))
    differences = [dict_difference(drop_none(saved.get("prepare", {})), prepare, "prepare.")]
    dataset = saved.get("dataset", {})
    if dataset.get("name") != data.name:
        differences.append(f"dataset: {dataset.get('name')!r} -> {data.name!r}")
    elif dataset.get("input_hash") != data.manifest["input_hash"]:
        differences.append(f"dataset input files: changed since the run started "
                           f"(fingerprint {str(dataset.get('input_hash'))[:12]} -> "
                           f"{str(data.manifest['input_hash'])[:12]})")
    elif not same_data_code(dataset, data.manifest):
        differences.append(f"lcformer's data code (reading, cleaning, period search): "
                           f"edited since the run started (digest "
                           f"{str(dataset.get('data_code'))[:12]} -> "
                           f"{str(data.manifest.get('data_code'))[:12]}), so its data "
                           f"was prepared anew")
    return [d for d in differences if d]


def config_difference(before: Config, after: Config) -> str:
    """The settings that differ, as ``key: old -> new`` (nested keys dotted)."""
    return dict_difference(before.to_dict(), after.to_dict())


def dict_difference(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> str:
    """The keys of two nested dicts whose values differ, as ``key: old -> new``."""
    a, b = dotted(before, prefix), dotted(after, prefix)
    return ", ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
                     if a.get(k) != b.get(k))


def run_hparams(model: LightCurveClassifier, data: PreparedDataset,
                config: RunConfig) -> dict[str, Any]:
    """What TensorBoard's HParams tab shows of a run: the resolved model options (defaults
    included), the training config and the split (the folds of a sweep differ in nothing
    else)."""
    return {"dataset": data.name, "model": model.config.to_dict(),
            "train": config.train.to_dict(), "split": config.split,
            "split_seed": config.split_seed, "sample_per_class": config.sample_per_class}


def _where(data: PreparedDataset) -> str | None:
    """The prepared folder as an absolute path, so that `lcformer info` finds it from any
    directory (the default work folder is relative); None for data prepared in memory."""
    return str(data.path.resolve()) if data.path is not None else None


def same_data_code(dataset: dict[str, Any], manifest: dict[str, Any]) -> bool:
    """Whether a run's data (its config.toml's ``dataset``) was prepared by the data code of
    this preparation (``manifest``); a run or preparation that did not record it passes."""
    before, now = dataset.get("data_code"), manifest.get("data_code")
    return before is None or now is None or before == now


def write_config(run_dir: Path, data: PreparedDataset, config: RunConfig) -> None:
    doc = {"lcformer_version": __version__, "dataset": drop_none({
        "name": data.name, "prepared": _where(data),  # None: prepared in memory
        "input_hash": data.manifest["input_hash"],
        "data_code": data.manifest.get("data_code")}),  # None: prepared before it was kept
        "prepare": none_as_text(data.manifest["config"]), "run": none_as_text(config.to_dict())}
    atomic.write_text(run_dir / "config.toml", tomli_w.dumps(doc))


def read_run_config(run_dir: Path) -> dict[str, Any]:
    """A run folder's config.toml ({} when there is none)."""
    path = run_dir / "config.toml"
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorruptFileError(f"{path}: not a readable run configuration ({exc}); it is "
                               f"written by `lcformer train`: start the run again") from None


def evaluate_run(fitted: FittedRun, data: PreparedDataset, parts: np.ndarray,
                 config: RunConfig, run_dir: Path) -> RunRecord:
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
        predictions[f"p_{cls}"] = p_star[:, i]
    if data.periods is not None:  # the period and power the star views were made at
        found = data.periods.set_index("id")[["period", "power"]]
        predictions = predictions.join(found, on="id")
    with atomic.temporary_path(run_dir / "test_predictions.csv") as tmp:
        predictions.to_csv(tmp, index=False)

    result = fitted.result
    record = RunRecord(
        dataset=data.name, model=config.model.name, classes=data.classes,
        split=split_record(config.split, config.split_seed, parts,
                           data.stars["label"].to_numpy()) | stars_used(fitted.sets),
        hardware=hardware(str(device), distributed.world_size()),
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
    return record


def stars_used(sets: dict[str, SampleSet]) -> dict[str, Any]:
    """Distinct stars of each set the run used (``used``): fewer training stars than its
    split's with ``--sample-per-class``; the validation stars split between the best epoch
    (``val``) and the trees' weight (``weight``) when the model has trees, or both chosen on
    the same ones (``weight_on_val_stars``) when there are too few to halve."""
    used = {"used": {name: len(np.unique(part.star)) for name, part in sets.items()}}
    if "weight" in sets:
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


def load_model(run_dir: str | Path, which: str = "best") -> tuple[LightCurveClassifier,
                                                                   dict[str, Any]]:
    """A trained model and its metadata from a run folder (safetensors, no pickle); a damaged
    checkpoint is a CorruptFileError naming it."""
    path = Path(run_dir) / f"{which}.safetensors"
    if not Path(run_dir).is_dir():
        raise RunNotFoundError(f"no run folder at {run_dir}")
    if not path.is_file() and _kind(Path(run_dir)) == "feature_baseline":
        raise RunNotFoundError(f"{run_dir} is a feature-baseline run: it keeps scores, not a "
                               f"model; predict with a run of `lcformer train` (or a folder "
                               f"of Classifier.save)")
    parts = [p for p in ("network", "member0") if (Path(run_dir) / p / path.name).is_file()]
    if which == "last" and not path.is_file() and parts:
        whole = "the network and its trees" if parts[0] == "network" else "every member"
        raise RunNotFoundError(f"{run_dir}: a model with trees or an ensemble is saved as "
                               f"best.safetensors only ({whole}); {parts[0]}/last.safetensors "
                               f"holds a last epoch, for --resume: use --checkpoint best (in "
                               f"Python: which='best')")
    if path.is_file() and not (Path(run_dir) / "metrics.json").is_file() and _is_run(run_dir):
        # A run killed (or still running) keeps its best epoch so far under the final name.
        warnings.warn(f"{run_dir}: the run has not finished (no metrics.json), so its "
                      f"{path.name} is the {which} epoch so far, not the finished model; "
                      f"`lcformer train ... --resume` finishes it", stacklevel=3)
    state, metadata, _ = load_checkpoint(path)
    missing = [k for k in ("model", "classes") if not metadata.get(k)]
    if missing:
        raise CorruptFileError(f"{path}: not a trained model's checkpoint: its metadata has no "
                               f"{' or '.join(missing)}; use the run folder's best.safetensors "
                               f"or retrain")
    model = model_from_config(ModelConfig.from_dict(metadata["model"]))
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # possible in an unverified (lcformer 0.1.0) checkpoint
        raise CorruptFileError(f"{path}: the weights do not fit the model its metadata "
                               f"describes ({str(exc).splitlines()[0]}); copy it again or "
                               f"retrain") from None
    model.eval()
    return model, metadata


def _kind(run_dir: Path) -> str | None:
    """The ``kind`` its metrics.json records (None: none that reads)."""
    try:
        doc = json.loads((run_dir / "metrics.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("kind") if isinstance(doc, dict) else None


def none_as_text(value: Any) -> Any:
    """TOML has no null: an unset option is written "none", which the settings read back as
    None (:func:`lcformer.config.convert`); left out, it would come back as its default."""
    if isinstance(value, dict):
        return {k: none_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [none_as_text(v) for v in value]
    return "none" if value is None else value


def drop_none(value: Any) -> Any:
    """Unset options (None, or "none" as TOML has them) left out: the form in which settings
    of folders written before and after "none" compare."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None and v != "none"}
    if isinstance(value, list | tuple):
        return [drop_none(v) for v in value]
    return value

