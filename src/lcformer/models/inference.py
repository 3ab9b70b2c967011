"""Running a model over samples, and averaging its probabilities per star.

Samples go through the model in batches sorted by length, each cut to its longest sample
(padding costs attention time for nothing); a star's prediction averages the class
probabilities of all its samples (a star view is one sample; the research windows are many),
then takes the argmax, as the research system did per star.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import numpy as np
import torch

from lcformer.models import LightCurveClassifier

if TYPE_CHECKING:
    from lcformer.models.registry import Model

TensorOrArray = TypeVar("TensorOrArray", np.ndarray, torch.Tensor)


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
#: Samples per batch at most elsewhere (CUDA): the default of what classifies (``predict``,
#: ``evaluate``, ``export``, the Dask functions, the Python API); validation during training
#: batches by twice the training batch.
BATCH = 512


def window_probabilities(model: Model, tokens: np.ndarray, mask: np.ndarray,
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


def star_level(window_probs: np.ndarray, window_star: np.ndarray,
               star_labels: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(star rows evaluated, their true labels, their star-averaged probabilities)."""
    stars = np.unique(window_star)
    remap = np.searchsorted(stars, window_star)
    probs = star_probabilities(window_probs, remap, len(stars))
    return stars, star_labels[stars], probs


@torch.no_grad()
def accuracy_by_position(model: LightCurveClassifier, tokens: np.ndarray, mask: np.ndarray,
                         labels: np.ndarray, batch_size: int = BATCH,
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
