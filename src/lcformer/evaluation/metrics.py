"""Evaluation at window level and star level.

A star's prediction averages the class probabilities of all its windows, then takes the argmax
(the research system's per-star result). Metrics come from scikit-learn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import torch
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)

from lcformer.models import LightCurveClassifier

TensorOrArray = TypeVar("TensorOrArray", np.ndarray, torch.Tensor)
#: Each class's scores in ``Metrics.per_class`` (scikit-learn's report's names).
PER_CLASS_SCORES = ("precision", "recall", "f1-score", "support")


def real_lengths(mask: np.ndarray | torch.Tensor) -> np.ndarray:
    """(n,) one past the last real token of each sample (0 for a sample without any)."""
    m = mask.cpu().numpy() if isinstance(mask, torch.Tensor) else np.asarray(mask)
    if m.shape[1] == 0:
        return np.zeros(len(m), np.int64)
    last = m.shape[1] - np.argmax(m[:, ::-1], axis=1)
    return np.where(m.any(axis=1), last, 0)


def trim_padding(tokens: TensorOrArray, mask: TensorOrArray) -> tuple[TensorOrArray,
                                                                       TensorOrArray]:
    """``(tokens[:, :L], mask[:, :L])`` with L one past the batch's last real token.

    Every model ignores padded tokens (they get no attention weight and are left out of the
    head's average), so a batch cut to its longest sample gives the same outputs, for less
    work: attention costs grow with the square of the length. Keeps at least one token.
    Works on NumPy arrays and torch tensors alike.
    """
    if isinstance(mask, torch.Tensor):
        real = mask.any(dim=0)
        width = int(real.nonzero().max()) + 1 if bool(real.any()) else 1
    else:
        real = np.asarray(mask).any(axis=0)
        width = int(np.flatnonzero(real).max()) + 1 if real.any() else 1
    if width >= mask.shape[1]:
        return tokens, mask
    return tokens[:, :width], mask[:, :width]


#: Samples per batch at most on the CPU: small enough that samples of similar length share a
#: batch and that a batch's activations stay in the CPU's caches. On 451 ASAS star views
#: (96-256 observations; periodic model, depth 2, one thread) batches of 16-64 took 0.6x
#: the time of one padded batch of 512; unsorted batches of 32, 0.8x.
SORTED_BATCH = 32
#: Samples per batch at most elsewhere (CUDA): the default of every command and function that
#: classifies.
BATCH = 512


def window_probabilities(model: LightCurveClassifier, tokens: np.ndarray, mask: np.ndarray,
                         batch_size: int = BATCH, device: str | torch.device = "cpu",
                         extra: np.ndarray | None = None) -> np.ndarray:
    """(n_windows, n_classes) class probabilities, computed in batches.

    Samples go through the model in order of length, in batches of at most ``batch_size``
    (on the CPU, :data:`SORTED_BATCH`) samples, each cut to its longest sample
    (as :func:`trim_padding` cuts a training batch), so that padding costs little; the rows
    come back in the input's order. The same numbers as one padded batch, to float rounding.
    """
    model.eval()
    n_classes = model.config.n_classes
    out = np.empty((len(tokens), n_classes), np.float32)
    lengths = real_lengths(mask)
    order = np.argsort(lengths, kind="stable")
    cpu = torch.device(device).type == "cpu"
    size = max(1, min(batch_size, SORTED_BATCH) if cpu else batch_size)
    with torch.inference_mode():
        for start in range(0, len(order), size):
            rows = np.sort(order[start:start + size])  # sorted: faster memmap reads
            width = max(1, int(lengths[rows].max()))
            t = torch.from_numpy(np.asarray(tokens[rows, :width])).to(device)
            m = torch.from_numpy(np.asarray(mask[rows, :width])).to(device)
            e = None if extra is None else torch.from_numpy(np.asarray(extra[rows])).to(device)
            out[rows] = model.classify(t, m, e).exp().cpu().numpy()
    return out


def star_probabilities(window_probs: np.ndarray, window_star: np.ndarray,
                       n_stars: int | None = None) -> np.ndarray:
    """Average the windows' probabilities per star (rows of stars without windows are NaN)."""
    n_stars = int(window_star.max()) + 1 if n_stars is None else n_stars
    sums = np.zeros((n_stars, window_probs.shape[1]))
    np.add.at(sums, window_star, window_probs)
    counts = np.bincount(window_star, minlength=n_stars)[:, None]
    with np.errstate(invalid="ignore"):
        return sums / counts


@dataclass
class Metrics:
    accuracy: float
    macro_f1: float
    weighted_f1: float
    macro_precision: float
    macro_recall: float
    n: int
    per_class: dict[str, dict[str, float]]
    confusion: list[list[int]]
    ece: float | None = None  # expected calibration error, when probabilities are given

    def to_dict(self) -> dict[str, Any]:
        return self.__dict__.copy()


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


def classification_metrics(y_true: np.ndarray, y_pred: np.ndarray, classes: list[str],
                           probs: np.ndarray | None = None) -> Metrics:
    """Scores of one evaluation. The per-class table and the confusion matrix list every
    class; the macro averages are over the classes that occur (in the truth or the
    predictions), scikit-learn's default. A class without a test star that nothing is
    predicted as has no F1 to average: counting it as 0 would cap a fold of a k-fold split
    that lacks a rare class below 1 whatever the model does. A class predicted but absent
    counts as 0 (every such prediction is wrong)."""
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
        per_class={c: {k: float(v[i]) for k, v in zip(PER_CLASS_SCORES, table, strict=True)}
                   for i, c in enumerate(classes)},
        confusion=confusion_matrix(y_true, y_pred, labels=labels).tolist(),
        ece=None if probs is None else expected_calibration_error(y_true, probs),
    )


def star_level(window_probs: np.ndarray, window_star: np.ndarray,
               star_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(star rows evaluated, their true labels, their star-averaged probabilities)."""
    stars = np.unique(window_star)
    remap = np.searchsorted(stars, window_star)
    probs = star_probabilities(window_probs, remap, len(stars))
    return stars, star_labels[stars], probs


@torch.no_grad()
def accuracy_by_position(model: LightCurveClassifier, tokens: np.ndarray, mask: np.ndarray,
                         labels: np.ndarray, batch_size: int = 256,
                         device: str | torch.device = "cpu") -> np.ndarray:
    """Window accuracy when only the first k tokens' probabilities are averaged, for every k.

    Shows how early in a window the prediction becomes right (the research position plot).
    """
    model.eval()
    correct = np.zeros(tokens.shape[1])
    counted = np.zeros(tokens.shape[1])
    for start in range(0, len(tokens), batch_size):
        t = torch.from_numpy(np.asarray(tokens[start:start + batch_size])).to(device)
        m = torch.from_numpy(np.asarray(mask[start:start + batch_size])).to(device)
        probs = model.token_log_probs(t, m).exp() * m[..., None]  # (B, T, C)
        running = probs.cumsum(dim=1).argmax(dim=-1).cpu().numpy()  # (B, T)
        y = labels[start:start + batch_size][:, None]
        real = m.cpu().numpy()
        correct += ((running == y) & real).sum(axis=0)
        counted += real.sum(axis=0)
    with np.errstate(invalid="ignore"):
        return correct / counted
