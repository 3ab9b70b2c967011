"""Splits by star, never by window.

Windows of one star are strongly correlated; a star with windows in both training and test
inflates every score. So every function here assigns whole *stars*, and the training set's
windows are gathered from the chosen stars afterwards.

An assignment is an array of strings, one per star: ``"train"``, ``"val"`` or ``"test"``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold

from lcformer.data.fingerprints import copy_groups
from lcformer.data.lightcurves import ragged_ranges
from lcformer.errors import ConfigError, InputError, LcformerWarning

if TYPE_CHECKING:
    from lcformer.data.prepared import PreparedDataset

PARTS = ("train", "val", "test")
#: The research split's train/validation/test shares of each class.
RESEARCH_FRACTIONS = (0.7, 0.1, 0.2)
#: Share of a class's training stars that choose the best epoch, in every split.
VAL_FRACTION = RESEARCH_FRACTIONS[1]


def stratified_split(labels: np.ndarray, fractions: tuple[float, float, float] = RESEARCH_FRACTIONS,
                     seed: int = 0) -> np.ndarray:
    """Per class, shuffle the stars and cut them 70/10/20 (the research split).

    Counts are floor(fraction * n) for train and validation and the rest for test, so a class
    of 7 stars gives 4/0/3; every class with at least one star appears in test when n >= 2.
    """
    if not np.isclose(sum(fractions), 1.0):
        raise ValueError(f"split fractions must sum to 1, got {fractions}")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    out = np.empty(len(labels), dtype=object)
    for cls in sorted(set(labels.tolist())):
        stars = rng.permutation(np.flatnonzero(labels == cls))
        # 1e-9: 0.7 * 90 is 62.99999999999999 in floating point, and its floor would be 62.
        n_train = int(np.floor(fractions[0] * len(stars) + 1e-9))
        n_val = int(np.floor(fractions[1] * len(stars) + 1e-9))
        out[stars[:n_train]] = "train"
        out[stars[n_train:n_train + n_val]] = "val"
        out[stars[n_train + n_val:]] = "test"
    return out


def fixed_split(given: np.ndarray, labels: np.ndarray, val_fraction: float = VAL_FRACTION,
                seed: int = 0) -> np.ndarray:
    """A dataset's own train/test split (EROS-1); validation stars are taken from its train part.

    Test stars stay test. ``val`` in the given split is kept as it is.
    """
    given = np.asarray(given, dtype=object)
    unknown = set(given.tolist()) - set(PARTS)
    if unknown:
        raise ValueError(f"a fixed split may only say train/val/test, found {sorted(unknown)}")
    out = given.copy()
    if "val" in set(given.tolist()):
        return out
    train = np.flatnonzero(given == "train")
    out[train] = carve_validation(np.asarray(labels)[train], val_fraction, seed)
    return out


def carve_validation(labels: np.ndarray, val_fraction: float, seed: int) -> np.ndarray:
    """Per class, round(val_fraction * n) random stars become "val", the others "train".

    Python's round (half to even), where :func:`stratified_split` floors: a class of 15
    stars gets 2 validation stars here and 1 there. Kept as it is, so that existing splits
    do not change."""
    rng = np.random.default_rng(seed)
    out = np.full(len(labels), "train", dtype=object)
    for cls in sorted(set(np.asarray(labels).tolist())):
        stars = rng.permutation(np.flatnonzero(labels == cls))
        out[stars[: round(val_fraction * len(stars))]] = "val"
    return out


def kfold_splits(labels: np.ndarray, k: int = 10, val_fraction: float = VAL_FRACTION,
                 seed: int = 0) -> list[np.ndarray]:
    """Stratified k-fold over stars: fold i tests on one k-th; validation comes from the rest."""
    labels = np.asarray(labels)
    if k > len(labels):
        raise ConfigError(f"{k} folds need at least {k} stars; this dataset has {len(labels)}")
    largest = int(np.unique(labels, return_counts=True)[1].max()) if len(labels) else 0
    if largest < k:  # scikit-learn's StratifiedKFold refuses it
        raise ConfigError(f"{k} stratified folds need a class of at least {k} stars; the "
                          f"largest class of this dataset has {largest}")
    folds = StratifiedKFold(n_splits=k, shuffle=True, random_state=seed)
    # A class of fewer than k stars is missing from some folds' parts: scikit-learn warns in
    # its own words, and each run's summary names a class it never trained on.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "The least populated class", UserWarning)
        parts = list(folds.split(np.zeros(len(labels)), labels))
    result = []
    for i, (rest, test) in enumerate(parts):
        out = np.empty(len(labels), dtype=object)
        out[test] = "test"
        out[rest] = carve_validation(labels[rest], val_fraction, seed + i)
        result.append(out)
    return result


def balance_stars(stars: np.ndarray, labels: np.ndarray, sample: int,
                  seed: int = 0) -> np.ndarray:
    """The research balancing: per class, oversample then undersample to exactly ``sample`` stars.

    ``stars`` are star indices (the training part), ``labels`` their classes. A class with fewer
    stars keeps all of them and draws the rest again at random; a larger class keeps a random
    ``sample``. Returns star indices, with repeats where a class was oversampled.
    """
    rng = np.random.default_rng(seed)
    stars, labels = np.asarray(stars), np.asarray(labels)
    chosen = []
    for cls in sorted(set(labels.tolist())):
        members = stars[labels == cls]
        if len(members) >= sample:
            chosen.append(rng.choice(members, size=sample, replace=False))
        else:
            extra = rng.choice(members, size=sample - len(members), replace=True)
            chosen.append(np.concatenate([members, extra]))
    return np.sort(np.concatenate(chosen)) if chosen else np.empty(0, dtype=stars.dtype)


def class_weights(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """Balanced weights n / (n_classes * count), as scikit-learn's ``class_weight='balanced'``."""
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    weights = np.zeros(n_classes)
    present = counts > 0
    weights[present] = len(labels) / (present.sum() * counts[present])
    return weights


@dataclass
class SampleSet:
    """Samples (token windows, or chunks of star views) with their class index and the star
    they belong to."""

    tokens: np.ndarray  # (n, T, F) float32
    mask: np.ndarray  # (n, T) bool
    labels: np.ndarray  # (n,) int64
    star: np.ndarray  # (n,) int64, row in the caller's star table
    extra: np.ndarray | None = None  # (n, n_extra) per-star values (star views)

    def __len__(self) -> int:
        return len(self.labels)

    def rows(self, keep: np.ndarray) -> SampleSet:
        return SampleSet(self.tokens[keep], self.mask[keep], self.labels[keep], self.star[keep],
                         None if self.extra is None else self.extra[keep])

    def joined(self, other: SampleSet) -> SampleSet:
        """These samples and ``other``'s, padded (masked) to the longer token length."""
        length = max(self.tokens.shape[1], other.tokens.shape[1])

        def padded(s: SampleSet) -> tuple[np.ndarray, np.ndarray]:
            extra = length - s.tokens.shape[1]
            return (np.pad(s.tokens, ((0, 0), (0, extra), (0, 0))),
                    np.pad(s.mask, ((0, 0), (0, extra)), constant_values=False))

        (a, mask_a), (b, mask_b) = padded(self), padded(other)
        return SampleSet(np.concatenate([a, b]), np.concatenate([mask_a, mask_b]),
                         np.concatenate([self.labels, other.labels]),
                         np.concatenate([self.star, other.star]),
                         None if self.extra is None or other.extra is None
                         else np.concatenate([self.extra, other.extra]))

    def star_labels(self) -> np.ndarray:
        """Each star row's class (-1 for rows of stars not in the set), for ``star_level``."""
        labels = np.full(int(self.star.max()) + 1 if len(self.star) else 0, -1, dtype=np.int64)
        labels[self.star] = self.labels
        return labels


def split_stars(windows: SampleSet, fraction: float, seed: int) -> tuple[SampleSet, SampleSet]:
    """The windows of a set in two sets, by star: per class, round(fraction * n) of its stars
    go to the second."""
    stars, first = np.unique(windows.star, return_index=True)
    part = carve_validation(windows.labels[first], fraction, seed)
    second = np.isin(windows.star, stars[part == "val"])
    return windows.rows(~second), windows.rows(second)


#: The key, in metrics.json's split record and in a checkpoint, of the classes that no
#: training star has (a class of one star, which the split sent to test): the model learnt
#: nothing of them, and predict's score leaves them out, as classes not trained on (each
#: would score F1 0). Absent in older checkpoints: all classes count as trained.
UNTRAINED = "untrained_classes"


def untrained_classes(classes: list[str], train: SampleSet) -> list[str]:
    """The classes of ``classes`` that no sample of ``train`` has."""
    return sorted(set(classes) - {classes[i] for i in np.unique(train.labels)})


def resolved_split(split: str, stars: pd.DataFrame) -> str:
    """The split ``auto`` is for these stars: their own (``fixed``) where they have a split
    column, else ``stratified``; another split as it is."""
    if split != "auto":
        return split
    return "fixed" if "split" in stars else "stratified"


def split_record(split: str, seed: int, parts: np.ndarray, labels: np.ndarray,
                 resolved: str | None = None) -> dict[str, Any]:
    """What metrics.json says of a split: its kind (and ``resolved``, what ``auto`` was:
    :func:`resolved_split`), seed, stars per part, and the classes of test stars that no
    training star has (scored, never learnt: one star of a class goes to test)."""
    untrained = sorted(set(labels[parts == "test"].tolist())
                       - set(labels[parts == "train"].tolist()))
    return {"kind": split, **({"resolved": resolved} if resolved else {}), "seed": seed,
            "stars": {p: int((parts == p).sum()) for p in PARTS},
            UNTRAINED: untrained}


def assign_splits(data: PreparedDataset, split: str, seed: int) -> np.ndarray:
    """train/val/test for every star of the prepared dataset (by star, never by window; a
    star's copies under other ids with it, :func:`keep_copies_together`, but in a dataset's
    own split)."""
    stars = data.stars
    labels = stars["label"].to_numpy()
    split = resolved_split(split, stars)
    if split == "stratified":
        return keep_copies_together(stratified_split(labels, seed=seed), data)
    if split == "fixed":
        if "split" not in stars:
            raise ConfigError("this dataset has no split of its own; use --split stratified")
        given = stars["split"].to_numpy(dtype=object)
        bad = ~np.isin(given, PARTS)
        if bad.any():  # a blank or misspelled value in the data's own split column
            shown = ", ".join(f"{i} ({v!r})" for i, v in
                              zip(stars["id"][bad][:3], given[bad][:3], strict=True))
            raise InputError(f"{int(bad.sum())} star(s) have a split other than "
                             f"{'/'.join(PARTS)} in the dataset's split column, e.g. {shown}: "
                             f"fix those values, or use --split stratified")
        copied, group = _copies(data)  # the survey's split stays, but is said of
        if len(copied):
            _warn_of_copies_of_two_classes(data, copied, group[copied])
        return fixed_split(given, labels, seed=seed)
    if split.startswith("kfold:"):
        _, k, i = split.split(":")
        return keep_copies_together(kfold_splits(labels, k=int(k), seed=seed)[int(i)], data)
    raise ConfigError(f"unknown split {split!r}: auto, stratified, fixed or kfold:K:I")


def keep_copies_together(parts: np.ndarray, data: PreparedDataset) -> np.ndarray:
    """``parts`` with the stars whose points are copies of one another's under other ids (a
    catalogue that lists a star twice: asas_acvs has 41 such pairs) all in the part of the
    first of them, so that a test star's copy is not a training star (said in a warning).
    In k folds each such group is tested once, in its first star's fold."""
    copied, group = _copies(data)
    if not len(copied):
        return parts
    first = pd.Series(copied, index=group[copied]).groupby(level=0).min()
    out = parts.copy()
    out[copied] = parts[first.reindex(group[copied]).to_numpy()]
    moved = int((out != parts).sum())
    if moved:  # (not where none moved: every split of every command would say it)
        warnings.warn(f"{len(copied):,} stars are copies of one another's points under other "
                      f"ids ({first.size:,} groups, each one light curve, all or in part, "
                      f"listed under several ids); {moved:,} moved to their group's part of "
                      f"the split, so that no test star's copy is trained on",
                      LcformerWarning, stacklevel=2)
    _warn_of_copies_of_two_classes(data, copied, group[copied])
    return out


def _copies(data: PreparedDataset) -> tuple[np.ndarray, np.ndarray]:
    """The stars (positions in ``data.stars``) that are copies of another's points, and the
    group of copies of each star (-1: none)."""
    cleaned = data.cleaned
    groups = copy_groups(cleaned["id"].to_numpy(dtype=object), cleaned["n_points"].to_numpy(),
                         data.points[:, 0], data.points[:, 1])
    group = groups.reindex(data.stars["id"].to_numpy(dtype=object)).fillna(-1).to_numpy()
    return np.flatnonzero(group >= 0), group


def _warn_of_copies_of_two_classes(data: PreparedDataset, copied: np.ndarray,
                                   group: np.ndarray) -> None:
    """Name the light curves listed under several ids with different classes (a VSX
    cross-match can match one star twice, EW and EA: both would be trained on and scored,
    one of them wrong, where one id with two classes is refused)."""
    if "label" not in data.stars:
        return
    ids = data.stars["id"].to_numpy(dtype=object)[copied]
    labels = data.stars["label"].to_numpy(dtype=object)[copied]
    kinds = pd.Series(labels).groupby(group, sort=False).nunique()
    torn = kinds.index[kinds.to_numpy() > 1]
    if not len(torn):
        return
    named = ["; ".join(f"{i} ({c})" for i, c in zip(ids[group == g], labels[group == g],
                                                      strict=True)) for g in torn[:3]]
    warnings.warn(f"{len(torn):,} light curve(s) are listed under several ids with different "
                  f"classes, so that each copy is trained or scored with its own class, one "
                  f"of them wrong: {' | '.join(named)}{' | ...' if len(torn) > 3 else ''}; "
                  f"give each light curve one class (a cross-match that matched one star "
                  f"twice)", LcformerWarning, stacklevel=3)


def sample_sets(data: PreparedDataset, parts: np.ndarray, sample_per_class: int | None,
                seed: int) -> dict[str, SampleSet]:
    """Sample sets per part; training stars optionally balanced to ``sample_per_class``."""
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
        sets[part] = SampleSet(np.asarray(data.tokens[rows_sorted]),
                               np.asarray(data.mask[rows_sorted]),
                               window_label[rows_sorted], window_star[rows_sorted],
                               np.asarray(data.window_extra[rows_sorted]))
    return sets
