"""Fitting a model to a prepared dataset: its network (or ensemble) and the trees beside it.

:func:`fit` is the one path from a prepared dataset and a :class:`RunConfig` to a trained
model; :func:`lcformer.training.runs.train_run` (the CLI, sweeps) and ``Classifier.fit`` (the
Python API) both take it. It splits the stars, fits the trees first (:func:`add_trees`), trains
each network with the loop (:func:`lcformer.training.loop.train`) while watching the share the
trees would give it (:class:`NetworkShare`), and returns the model with the metadata its
checkpoints carry. It writes checkpoints only where it is given a run folder, and tests nothing.
"""

from __future__ import annotations

import math
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch

from lcformer import __version__
from lcformer.data.augment import Copies, shortened_samples
from lcformer.data.fingerprints import (
    star_fingerprints,
    star_sketches,
    stored_fingerprints,
    stored_sketches,
)
from lcformer.data.lightcurves import ragged_ranges
from lcformer.data.prepared import PreparedDataset
from lcformer.data.reading import READERS_VERSION
from lcformer.data.splits import (
    UNTRAINED,
    SampleSet,
    sample_sets,
    split_stars,
    untrained_classes,
)
from lcformer.data.training_ranges import (
    band_levels,
    band_shares,
    class_periods,
    error_ranges,
    stored_ranges,
    training_ranges,
)
from lcformer.errors import ConfigError, LcformerWarning, NothingToTrainError
from lcformer.hardware import pick_device
from lcformer.models import ModelConfig, model_from_config
from lcformer.models.ensemble import Ensemble
from lcformer.models.forest import (
    WEIGHT_STARS,
    BoostedTrees,
    ForestFusion,
    TreeForest,
    choose_weight,
)
from lcformer.models.inference import star_level, window_probabilities
from lcformer.training import distributed
from lcformer.training.checkpoints import save_checkpoint
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.loop import TrainResult, train, write_history
from lcformer.training.run_folder import BEST_FILE, HISTORY_FILE, LAST_FILE

if TYPE_CHECKING:
    from lcformer.models.registry import Model


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
    model: Model  # holding its best weights
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
                | _seen_stars(data, sets, with_val=config.train.epochs > 0)
                | {UNTRAINED: untrained_classes(data.classes, sets["train"])})
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
    # --epochs 0: the trees alone (their weight 1), the network untrained and never run.
    trees_alone = config.train.epochs == 0
    results, history, earlier = (([TrainResult()], [], 0.0) if trees_alone else
                                 _train_networks(members, learned, sets["val"], data.classes,
                                                 config, model_config, run_dir,
                                                 network_metadata, resume, progress, logger,
                                                 share))
    result = results[0]
    model = members[0] if len(members) == 1 else Ensemble(members)
    if len(members) > 1:
        result = TrainResult(history, None, math.nan,
                             stopped_early=any(r.stopped_early for r in results),
                             time_limit_reached=any(r.time_limit_reached for r in results),
                             network_unneeded=all(r.network_unneeded for r in results),
                             ran_on=[s for r in results for s in r.ran_on])  # every member's
    if fused is not None:
        model = _fused(fused, model, share, trees_alone)
        metadata = metadata | _trees_metadata(model_config, copies, float(model.weight),
                                              trees_alone)
    if run_dir is not None and distributed.is_main() and member_folder(run_dir, model_config,
                                                                       0) != run_dir:
        save_checkpoint(run_dir / BEST_FILE, model, metadata)
        write_history(run_dir / HISTORY_FILE, history)
    return FittedRun(model.eval(), metadata, result, sets,
                     earlier + time.perf_counter() - began, results)


def _train_networks(members: list[Model], learned: dict[str, SampleSet],
                    val: SampleSet, classes: list[str], config: RunConfig,
                    model_config: ModelConfig, run_dir: Path | None,
                    network_metadata: dict[str, Any], resume: bool, progress: bool,
                    logger: Any, share: Any) -> tuple[list[TrainResult], list[dict], float]:
    """Train each network (an ensemble's members, one seed each) on ``learned["train"]``:
    their results, their history rows together, and the seconds a resumed run had spent
    before it was killed."""
    results, history, earlier = [], [], 0.0
    for i, member in enumerate(members):
        seed = config.train.seed + i
        folder = member_folder(run_dir, model_config, i)
        if (resume and folder is not None and not (folder / LAST_FILE).is_file()
                and (folder / HISTORY_FILE).is_file()  # epochs recorded, none to continue
                and distributed.is_main()):
            warnings.warn(f"--resume: {folder} records epochs (history.csv) but holds no "
                          f"last.safetensors to continue from, so its training starts again "
                          f"from the first epoch", LcformerWarning, stacklevel=3)
        elif (resume and folder is not None and not (folder / LAST_FILE).is_file()
              and distributed.is_main()):  # killed before its first epoch was saved
            print(f"--resume: {folder}: no epoch was saved before it stopped; training starts "
                  f"from the first", file=sys.stderr)
        result = train(member, learned["train"], val, classes,
                       member_train_config(config.train, seed, model_config.ensemble),
                       folder, network_metadata,
                       # a run (or an ensemble member) killed before its first epoch was
                       # saved begins afresh: the same seeds make the same run
                       resume=resume and (folder is None
                                          or (folder / LAST_FILE).is_file()),
                       progress=progress, logger=logger if i == 0 else None,
                       runs_after=model_config.ensemble - 1 if i == 0 else None,
                       share=share)
        member.eval()
        results.append(result)
        history += [{"member": i, **row} for row in result.history]
        earlier += result.earlier_seconds  # a resumed run: its time before it was killed
    return results, history, earlier


def _fused(fused: ForestFusion, network: Model, share: Any,
           trees_alone: bool) -> ForestFusion:
    """The trees with the trained network (or ensemble) beside them, at the weight the
    validation stars give it (0 for the trees alone: --epochs 0)."""
    fused.use_network(network)  # (the trees were fitted around the first member)
    if trees_alone:
        fused.set_weight(0.0)
    elif share is not None:
        fused.set_weight(share(network))
    return fused.eval()


def _trees_metadata(model_config: ModelConfig, copies: Any, network_weight: float,
                    trees_alone: bool) -> dict[str, Any]:
    """What a checkpoint says of a model's trees, and the network's weight beside them."""
    return {"forest": {"trees": model_config.forest, "boosting": model_config.boosting,
                       "extra_trees": model_config.extra_trees,
                       "copies_fitted": 0 if copies is None else len(copies.periods),
                       "network_weight": network_weight}
            | ({"trees_alone": True} if trees_alone else {})}


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
                      LcformerWarning, stacklevel=3)
    return made


def _training_stars(data: PreparedDataset, sets: dict[str, SampleSet],
                    copies: pd.DataFrame | None = None) -> dict[str, Any]:
    """Star views: the training stars' span, points, and median magnitudes and errors
    (:func:`training_ranges`, :func:`error_ranges`), with the span and points of their
    shortened ``copies`` (period search rows), for the ``outside_training_range`` flag of
    predictions; and each class's periods (:func:`class_periods`, the stars' own), for
    ``period_unlike_class``."""
    if data.periods is None or "span" not in data.periods:
        return {}
    train = sets["train"]
    levels = band_levels(train.extra, data.info.extra_names, train.star)
    train_ids = data.stars["id"].to_numpy(dtype=object)[levels.index]
    stars = data.periods.set_index("id").loc[train_ids]
    stars = stars.join(levels.set_axis(stars.index))
    periods = class_periods(stars["period"].to_numpy(),
                            data.stars["label"].to_numpy(dtype=object)[levels.index])
    if copies is not None:  # (those too short for a period search have no points)
        stars = pd.concat([stars.reset_index(), copies[copies["n_points"] > 0]],
                          ignore_index=True)
    return stored_ranges(training_ranges(stars), error_ranges(stars), band_shares(levels),
                         periods)


#: Training stars whose sketches a checkpoint keeps at most (``safetensors`` caps the header
#: that holds them at 100 MB).
MAX_SKETCHED_STARS = 300_000


def _seen_stars(data: PreparedDataset, sets: dict[str, SampleSet],
                with_val: bool = True) -> dict[str, Any]:
    """The fingerprints of the cleaned points of every star the model trained on or was
    validated on (all but the test stars; ``with_val`` False: the training stars alone, as
    trees alone choose nothing on the others), so that predictions recognise them under other
    ids or in another layout and leave them out of a score (:mod:`lcformer.data.fingerprints`)."""
    parts = [part for part in sets if part != "test" and (with_val or part == "train")]
    used = np.unique(np.concatenate([np.asarray(sets[part].star) for part in parts]))
    ids = data.stars["id"].to_numpy(dtype=object)[used]
    cleaned = data.cleaned
    every = star_fingerprints(cleaned["id"].to_numpy(dtype=object),
                              cleaned["n_points"].to_numpy(), data.points[:, 0],
                              data.points[:, 1])
    stored = stored_fingerprints(every[every.index.isin(ids)].to_numpy(dtype=np.uint64))
    if len(ids) > MAX_SKETCHED_STARS:  # about 180 bytes of the checkpoint's header a star
        warnings.warn(f"{len(ids):,} training stars: their sketches are not kept (more than "
                      f"{MAX_SKETCHED_STARS:,} would overfill the checkpoint's header), so "
                      f"predict recognises a copy of one only with all of its points",
                      LcformerWarning, stacklevel=2)
        return stored
    # Of these stars alone (a test star's runs tell nothing of theirs), copies counted once.
    kept = cleaned["id"].isin(ids).to_numpy()
    lengths = cleaned["n_points"].to_numpy()
    rows = ragged_ranges(np.concatenate([[0], np.cumsum(lengths)[:-1]])[kept], lengths[kept])
    sketches = star_sketches(cleaned["id"].to_numpy(dtype=object)[kept], lengths[kept],
                             data.points[rows, 0], data.points[rows, 1], same=every)
    return stored | stored_sketches(sketches)


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
