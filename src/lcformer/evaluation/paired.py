"""How sure a difference in macro-F1 between two classifiers is, on the same test stars.

"+0.006 over the random forest" on 180 stars is a difference that a few stars move. A paired
bootstrap says how far: resample the test stars with replacement, score both classifiers on
each resample, and take the middle 95% of the differences. Pairing (both scored on the same
resample) cancels what the two share, such as stars that both get wrong, so the interval is
that of the difference, not of two scores apart. In a k-fold split each fold's stars are
resampled within their fold and the difference is the folds' mean, as the results tables
give it. The interval is over the test stars only: it does not cover a retrained model's
seed, nor a choice made on these stars (the better of two baselines, picked on them).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.training.run_folder import PREDICTIONS_FILE

ROUNDS = 2000  # resamples: the 2.5% and 97.5% points move by about 0.001 between seeds
LEVEL = 0.95
#: Resampled stars held at once, whatever the test set: 32 MB of indices, and a few times that
#: in the arrays scored from them (about 200 MB at most in all).
_CELLS = 4_000_000


def _macro_f1_each(truth: np.ndarray, predicted: np.ndarray, n_classes: int) -> np.ndarray:
    """Macro-F1 of each row of two (rounds, stars) arrays of class indices, averaged over the
    classes that occur in the row's truth or predictions, as
    :func:`lcformer.evaluation.metrics.classification_metrics` does."""
    rounds = len(truth)
    # Row r's class c counted at r * n_classes + c: one bincount counts every row.
    offset = np.arange(rounds)[:, None] * n_classes
    size = rounds * n_classes

    def count(cells: np.ndarray) -> np.ndarray:
        return np.bincount(cells, minlength=size).reshape(rounds, n_classes)

    hit = truth == predicted
    tp = count((truth + offset)[hit])
    both = count((truth + offset).ravel()) + count((predicted + offset).ravel())  # 2TP+FP+FN
    f1 = np.divide(2.0 * tp, both, out=np.zeros(both.shape), where=both > 0)
    return f1.sum(1) / (both > 0).sum(1)


def difference_interval(truth: Sequence, ours: Sequence, theirs: Sequence,
                        groups: Sequence | None = None, rounds: int = ROUNDS,
                        level: float = LEVEL, seed: int = 0) -> tuple[float, float]:
    """The paired bootstrap interval of macro-F1(ours) - macro-F1(theirs): labels of any kind,
    one per test star; ``groups`` (a fold per star) resamples within each and averages the
    folds' differences."""
    codes, classes = pd.factorize(pd.Series([*truth, *ours, *theirs], dtype=object))
    n = len(truth)
    if n == 0 or len(ours) != n or len(theirs) != n:
        raise ValueError(f"need one label of each per test star: {n}, {len(ours)}, "
                         f"{len(theirs)}")
    truth_c, ours_c, theirs_c = codes[:n], codes[n:2 * n], codes[2 * n:]
    folds = np.zeros(n, int) if groups is None else pd.factorize(pd.Series(list(groups)))[0]
    rng = np.random.default_rng(seed)
    differences = np.zeros(rounds)
    members = [np.flatnonzero(folds == g) for g in range(folds.max() + 1)]
    for stars in members:
        step = max(1, _CELLS // len(stars))
        for start in range(0, rounds, step):
            picks = stars[rng.integers(0, len(stars), (min(step, rounds - start), len(stars)))]
            truth_r = truth_c[picks]
            differences[start:start + len(picks)] += (
                _macro_f1_each(truth_r, ours_c[picks], len(classes))
                - _macro_f1_each(truth_r, theirs_c[picks], len(classes))) / len(members)
    low, high = np.quantile(differences, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


def interval_text(low: float, high: float) -> str:
    """"-0.005 to +0.037": to 3 decimals whatever the difference's (the ends move by about
    0.001 between seeds), a rounded zero without a sign (not "-0.000")."""
    def end(value: float) -> str:
        text = f"{value:+.3f}"
        return "0.000" if float(text) == 0 else text

    return f"{end(low)} to {end(high)}"


def predictions_pair(ours: Path, theirs: Path, theirs_model: str) -> pd.DataFrame | None:
    """Two run folders' test stars side by side (``label``, ``ours``, ``theirs``), from their
    test_predictions.csv; ``theirs_model`` names the baseline's column
    (``predicted_<model>``). None where either file is missing or unreadable, or they hold
    other stars or labels."""
    files = ours / PREDICTIONS_FILE, theirs / PREDICTIONS_FILE
    if not all(f.is_file() for f in files):
        return None
    column = f"predicted_{theirs_model}"
    wanted = {"id", "label", "predicted", column}
    try:
        a, b = (pd.read_csv(f, dtype=str, keep_default_na=False, usecols=lambda c: c in wanted)
                for f in files)
    except (OSError, UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError):
        return None  # (written atomically; a file edited or copied in part by hand)
    if (not {"id", "label", "predicted"} <= set(a) or not {"id", "label", column} <= set(b)
            or set(a["id"]) != set(b["id"]) or a["id"].duplicated().any()
            or b["id"].duplicated().any()):
        return None
    b = b.set_index("id").loc[a["id"]]
    if not (b["label"].to_numpy() == a["label"].to_numpy()).all():
        return None
    return pd.DataFrame({"label": a["label"].to_numpy(), "ours": a["predicted"].to_numpy(),
                         "theirs": b[column].to_numpy()})
