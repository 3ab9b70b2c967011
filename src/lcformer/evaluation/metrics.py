"""Scores of predictions against the truth, from scikit-learn: accuracy, macro-F1 and the rest,
each class's, the confusion matrix, and the expected calibration error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

#: Each class's scores in ``Metrics.per_class`` (scikit-learn's report's names).
PER_CLASS_SCORES = ("precision", "recall", "f1-score", "support")


@dataclass
class Metrics:
    accuracy: float
    macro_f1: float
    weighted_f1: float
    macro_precision: float
    macro_recall: float
    n: int
    per_class: dict[str, dict[str, float | None]]  # None: 0/0 (see classification_metrics)
    confusion: list[list[int]]
    ece: float | None = None  # expected calibration error, when probabilities are given

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


def score_text(value: float, digits: int = 3) -> str:
    """A score in [0, 1] to ``digits`` decimals, where only a perfect score reads 1 and only
    none reads 0: rounded, one mistake in 2,500 stars (0.9996) would print as the "1.000" of
    a perfect model, and one star of 588 in a confusion-matrix cell as an empty "0.00"."""
    if value < 1:
        value = min(value, 1 - 10.0 ** -digits)
    if value > 0:
        value = max(value, 10.0 ** -digits)
    return f"{value:.{digits}f}"


def expected_calibration_error(y_true: np.ndarray, probs: np.ndarray, bins: int = 15) -> float:
    """Top-label ECE (Guo et al. 2017): over ``bins`` equal-width bins of the top
    probability, [k/bins, (k+1)/bins) with 1.0 in the last, the gap between mean confidence
    and accuracy, weighted by the share of stars in each bin. 0 means calibrated."""
    if len(y_true) == 0 or not np.isfinite(probs).all():  # no bin holds a NaN confidence
        return float("nan")
    confidence = probs.max(1)
    correct = probs.argmax(1) == y_true
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    count = np.bincount(which, minlength=bins)
    gap = np.abs(np.bincount(which, correct, bins) - np.bincount(which, confidence, bins))
    return float(gap.sum() / count.sum())


def _class_scores(table: tuple[np.ndarray, ...], i: int, predicted: bool
                  ) -> dict[str, float | None]:
    """Class ``i``'s row of scikit-learn's per-class scores, None where one is 0/0."""
    row: dict[str, float | None] = {k: float(v[i]) for k, v in zip(PER_CLASS_SCORES, table,
                                                                   strict=True)}
    if row["support"] == 0:
        row["recall"] = None
        if not predicted:
            row["precision"] = row["f1-score"] = None
    return row


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: list[str],
                           probs: np.ndarray | None = None) -> Metrics:
    """Scores of one evaluation. The per-class table and the confusion matrix list every
    class; the macro averages are over the classes that occur (in the truth or the
    predictions), scikit-learn's default. A class without a test star that nothing is
    predicted as has no F1 to average: counting it as 0 would cap a fold of a k-fold split
    that lacks a rare class below 1 whatever the model does. A class predicted but absent
    counts as 0 (every such prediction is wrong). In the per-class table, a class without
    test stars has no recall, and no precision or F1 where nothing is predicted as it
    either: None (null in metrics.json, not 0, which an average over folds would take in)."""
    labels = list(range(len(classes)))
    if not len(y_true):  # nothing to score (scikit-learn refuses empty input)
        nan = float("nan")
        return Metrics(accuracy=nan, macro_f1=nan, weighted_f1=nan, macro_precision=nan,
                       macro_recall=nan, n=0,
                       per_class={c: {"precision": nan, "recall": nan, "f1-score": nan,
                                      "support": 0.0} for c in classes},
                       confusion=[[0] * len(classes) for _ in classes],
                       ece=None if probs is None else nan)
    kwargs: dict[str, Any] = {"labels": labels, "zero_division": 0}
    # By index: classification_report's dict puts its totals ("accuracy", "macro avg") among
    # the class names, so a class of that name would get them.
    table = precision_recall_fscore_support(y_true, y_pred, average=None, **kwargs)
    occurring = {"labels": np.union1d(y_true, y_pred).astype(int).tolist(), "zero_division": 0}

    def macro(score) -> float:
        return float(score(y_true, y_pred, average="macro", **occurring))

    return Metrics(
        accuracy=float(accuracy_score(y_true, y_pred)),
        macro_f1=macro(f1_score),
        weighted_f1=float(f1_score(y_true, y_pred, average="weighted", **kwargs)),
        macro_precision=macro(precision_score),
        macro_recall=macro(recall_score),
        n=len(y_true),
        per_class={c: _class_scores(table, i, i in y_pred) for i, c in enumerate(classes)},
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        ece=None if probs is None else expected_calibration_error(y_true, probs),
    )
