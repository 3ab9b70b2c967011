"""Figures of a run and of a dataset, written as PNG files.

Figures are drawn on :class:`matplotlib.figure.Figure` objects directly, never through pyplot:
no global figure state, no interactive backend, nothing to close, and safe on a machine without
a display. Every file is written under a temporary name and renamed into place, so an
interrupted run never leaves a half-written PNG that looks finished.
"""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib
import numpy as np
import pandas as pd
import torch
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import MaxNLocator

from lcformer import atomic
from lcformer.data.splits import SampleSet
from lcformer.evaluation.importance import stars_text
from lcformer.evaluation.metrics import score_text
from lcformer.hardware import pick_device
from lcformer.models import LightCurveClassifier
from lcformer.models.inference import accuracy_by_position
from lcformer.training.config import TrainConfig
from lcformer.training.loop import TrainResult
from lcformer.training.run_folder import IMPORTANCE_FILE

if TYPE_CHECKING:
    from lcformer.models.registry import Model

DPI = 120
MAX_POSITION_WINDOWS = 2_000  # enough for a smooth curve, cheap on a CPU
MAX_HEAD_PANELS = 8  # more heads than this: only the average is drawn
# boxplot's ``vert`` is deprecated from matplotlib 3.10, which has ``orientation`` instead.
_HORIZONTAL: dict[str, Any] = (
    {"orientation": "horizontal"}
    if tuple(int(x) for x in matplotlib.__version__.split(".")[:2]) >= (3, 10)
    else {"vert": False}
)


def _save(fig: Figure, path: str | os.PathLike) -> Path:
    """Write ``fig`` atomically (the temporary name ends in .tmp: the format is given)."""
    path = Path(path)
    with atomic.temporary_path(path) as tmp:
        fig.savefig(tmp, format="png", dpi=DPI)
    return path


def _title(fig: Figure, text: str, **kwargs: Any) -> Text:
    """The figure's title, centred on the canvas and wrapped to fit its width.

    An axes title is centred on its axes, which long tick labels push aside, so a long title
    ran off the canvas (the confusion matrix's did); a figure title takes its own row in the
    constrained layout, and the lines are shortened until it measures narrower than the figure.
    """
    title = fig.suptitle(text, **kwargs)
    renderer = FigureCanvasAgg(fig).get_renderer()
    limit = 0.96 * fig.bbox.width
    width = len(text)
    while width > 10 and title.get_window_extent(renderer).width > limit:
        width = int(width * 0.85)
        title.set_text(textwrap.fill(text, width, break_long_words=True))
    return title


@contextmanager
def _evaluating(model: Model) -> Iterator[torch.device]:
    """Eval mode without gradients for drawing, restoring the caller's mode afterwards."""
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            yield next(model.parameters()).device
    finally:
        model.train(was_training)


def _as_windows(tokens: np.ndarray | torch.Tensor,
                mask: np.ndarray | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(B, T, F) float tokens and (B, T) bool mask tensors; a single window gets B = 1."""
    t = torch.as_tensor(np.asarray(tokens), dtype=torch.float32)
    m = torch.as_tensor(np.asarray(mask), dtype=torch.bool)
    if t.ndim == 2:
        t, m = t[None], m[None]
    return t, m


# ---------------------------------------------------------------------------- evaluation
def confusion_matrix_figure(confusion: Sequence[Sequence[int]], classes: Sequence[str],
                            path: str | os.PathLike, normalise: bool = False,
                            title: str = "") -> Path:
    """Confusion matrix (rows: true class), as counts or as recall per true class.

    The figure grows with the number of classes and x labels are rotated, so ~30 classes with
    long names stay readable; zero cells are left blank above 10 classes to reduce clutter.
    Normalised, the row of a class without a test star is "-" (no recall: 0/0), as
    ``lcformer evaluate`` prints its recall, not a row of zeros.
    """
    counts = np.asarray(confusion, dtype=float).reshape(len(classes), len(classes))
    totals = counts.sum(axis=1, keepdims=True)
    values = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0) \
        if normalise else counts
    untested = (totals[:, 0] == 0) if normalise else np.zeros(len(classes), bool)
    n = len(classes)
    side = min(max(4.5, 0.42 * n + 2.5), 16.0)
    fig = Figure(figsize=(side + 1.0, side), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap="Blues", vmin=0, vmax=1 if normalise else max(values.max(), 1))
    fig.colorbar(image, ax=ax, shrink=0.8,
                 label="fraction of true class" if normalise else "stars")

    fontsize = 9 if n <= 10 else 7 if n <= 20 else 6
    ceiling = 1 if normalise else max(values.max(), 1)
    for i, j in np.ndindex(n, n):
        if values[i, j] == 0 and n > 10 and not untested[i]:
            continue
        text = ("-" if untested[i] else score_text(values[i, j], 2)) if normalise \
            else f"{int(counts[i, j])}"
        colour = "white" if values[i, j] > 0.55 * ceiling else "black"
        ax.text(j, i, text, ha="center", va="center", fontsize=fontsize, color=colour)

    ax.set_xticks(range(n), classes, rotation=45 if n <= 12 else 70, ha="right",
                  rotation_mode="anchor", fontsize=fontsize + 1)
    ax.set_yticks(range(n), classes, fontsize=fontsize + 1)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    _title(fig, title or ("recall per true class" if normalise else "counts"))
    return _save(fig, path)


def _number(row: Mapping[str, Any], key: str) -> float:
    value = row.get(key)
    return float("nan") if value is None else float(value)


def _shade_reconstruction(ax: Axes, epochs: np.ndarray, reconstruct: np.ndarray) -> None:
    """Grey bands over the reconstruction epochs, so every panel shows the phases."""
    for epoch in epochs[reconstruct]:
        ax.axvspan(epoch - 0.5, epoch + 0.5, color="0.9", lw=0, zorder=0)


def training_curves_figure(history: Sequence[Mapping[str, Any]], path: str | os.PathLike) -> Path:
    """Losses, validation scores and learning rate per epoch.

    Reconstruction epochs of the autoencoders report an MSE, not a classification loss, so they
    are drawn as separate points on grey bands instead of joining the training-loss line.
    Beside trees, the curves are the network's alone, and the weight the trees would give it
    each epoch is drawn too: at 0 the model's predictions are the trees', not these scores.
    """
    epochs = np.array([int(r["epoch"]) for r in history])
    reconstruct = np.array([r.get("phase") == "reconstruct" for r in history], dtype=bool)
    train_loss = np.array([_number(r, "train_loss") for r in history])
    columns = {k: np.array([_number(r, k) for r in history])
               for k in ("val_loss", "val_accuracy", "val_macro_f1", "lr", "network_weight")}
    fused = any("network_weight" in r for r in history)
    # An ensemble's history holds each member's epochs in turn: a line of its own each.
    members = np.array([int(r.get("member", 0)) for r in history])
    breaks = np.flatnonzero(np.diff(members) != 0) + 1

    def line(values: np.ndarray) -> np.ndarray:  # NaN between members: no line joins them
        return np.insert(values.astype(float), breaks, np.nan)

    x = line(epochs)
    fig = Figure(figsize=(7.5, 7.5), layout="constrained")
    loss_ax, score_ax, lr_ax = fig.subplots(3, 1, sharex=True, height_ratios=[3, 3, 1.3])
    classify = ~reconstruct
    loss_ax.plot(x, line(np.where(classify, train_loss, np.nan)), "o-", ms=3, label="train loss")
    if reconstruct.any():
        loss_ax.plot(epochs[reconstruct], train_loss[reconstruct], "s", ms=4, color="tab:purple",
                     label="train reconstruction MSE")
    loss_ax.plot(x, line(columns["val_loss"]), "o-", ms=3, label="validation loss")
    if len(history) and np.nanmin(np.r_[train_loss, columns["val_loss"], np.inf]) > 0:
        loss_ax.set_yscale("log")
    loss_ax.set_ylabel("loss")
    loss_ax.set_title(("Training curves of the network (its trees are fitted once, before)"
                       if fused else "Training curves")
                      + (f"; {len(breaks) + 1} ensemble members, a line each" if len(breaks)
                         else ""))

    score_ax.plot(x, line(columns["val_accuracy"]), "o-", ms=3, label="validation accuracy")
    score_ax.plot(x, line(columns["val_macro_f1"]), "o-", ms=3, label="validation macro-F1")
    if fused:
        score_ax.plot(x, line(columns["network_weight"]), "s--", ms=3, color="0.4",
                      label="the network's weight beside the trees")
    score_ax.set_ylim(0, 1.02)
    score_ax.set_ylabel("star level")

    lr_ax.plot(x, line(columns["lr"]), "o-" if len(epochs) == 1 else "-", ms=3, color="0.3",
               drawstyle="steps-mid")  # a lone epoch has no step to draw: a point
    lr_ax.ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    lr_ax.set_ylim(bottom=0)
    lr_ax.set_ylabel("lr")
    lr_ax.set_xlabel("epoch")
    lr_ax.xaxis.set_major_locator(MaxNLocator(integer=True, min_n_ticks=1))  # no epoch 0.96

    for ax in (loss_ax, score_ax, lr_ax):
        _shade_reconstruction(ax, epochs, reconstruct)
        ax.grid(alpha=0.3)
    for ax in (loss_ax, score_ax):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best")
    return _save(fig, path)


def position_accuracy_figure(accuracy: np.ndarray, path: str | os.PathLike,
                             n_windows: int | None = None) -> Path:
    """Window accuracy when only the first k tokens are averaged: how early a prediction is right.

    Positions no window reaches are NaN and simply leave a gap.
    """
    accuracy = np.asarray(accuracy, dtype=float)
    k = np.arange(1, len(accuracy) + 1)
    fig = Figure(figsize=(7, 4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(k, accuracy, color="tab:blue")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(1, max(len(accuracy), 2))
    ax.set_xlabel("tokens seen, k")
    ax.set_ylabel("window accuracy")
    suffix = f" ({n_windows} test windows)" if n_windows is not None else ""
    _title(fig, f"Accuracy from the first k tokens' probabilities{suffix}")
    ax.grid(alpha=0.3)
    return _save(fig, path)


# ---------------------------------------------------------------------------- model internals
def reconstruction_figure(model: LightCurveClassifier, tokens: np.ndarray, mask: np.ndarray,
                          path: str | os.PathLike, n: int = 4) -> Path:
    """Model input against reconstructed (dt, dm) for the first ``n`` windows of an autoencoder.

    A token holds ``[dt_j, dm_j, dt_j+1, dm_j+1, ...]``; its first pair (features 0 and 1) is
    drawn, which covers every pair of the window once for token stride 1.
    """
    t, m = _as_windows(tokens[:n], mask[:n])
    with _evaluating(model) as device:
        recon = model.reconstruct(t.to(device), m.to(device)).cpu().numpy()
        # The target of the reconstruction loss: the tokens after the input transform.
        t = model.inputs(t.to(device), m.to(device)).cpu()
    t, m = t.numpy(), m.numpy()
    rows = len(t)
    fig = Figure(figsize=(9, 1.9 * rows + 0.6), layout="constrained")
    axes = fig.subplots(rows, 2, squeeze=False, sharex=True)
    for i in range(rows):
        real = np.flatnonzero(m[i])
        for feature, name in enumerate(("dt", "dm")):
            ax = axes[i, feature]
            ax.plot(real, t[i, real, feature], ".-", ms=3, lw=0.8, label="input")
            ax.plot(real, recon[i, real, feature], ".-", ms=3, lw=0.8, label="reconstructed")
            ax.set_ylabel(f"{name} (window {i + 1})", fontsize=8)
            ax.tick_params(labelsize=7)
    for ax in axes[-1]:
        ax.set_xlabel("token")
    axes[0, 0].legend(fontsize=7)
    _title(fig, "Autoencoder reconstruction of the first pair of each token "
                "(as the model sees it, after the input transform)")
    return _save(fig, path)


def token_probabilities_figure(model: LightCurveClassifier, tokens: np.ndarray,
                               mask: np.ndarray, classes: Sequence[str],
                               labels: Sequence[str], path: str | os.PathLike,
                               title: str = "Class probabilities along each window") -> Path:
    """What a model outputs for a few windows: each token's class probabilities.

    The research slides showed such sample outputs of Models 1 and 2. Every class is one line;
    the window's true class is drawn thick, so a reader sees when (and whether) it wins. With a
    pooled head the window's decision is made on the averaged features, not by these lines.
    """
    t, m = _as_windows(tokens, mask)
    with _evaluating(model) as device:
        probs = model.token_log_probs(t.to(device), m.to(device)).exp().cpu().numpy()
        window = model.classify(t.to(device), m.to(device)).exp().cpu().numpy()
    m = m.numpy()
    rows = len(probs)
    fig = Figure(figsize=(10, 1.8 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, 1, squeeze=False, sharex=True)[:, 0]
    colours = matplotlib.colormaps["tab20"]
    for i, ax in enumerate(axes):
        real = np.flatnonzero(m[i])
        for c, name in enumerate(classes):
            thick = name == labels[i]
            ax.plot(real, probs[i, real, c], lw=2.2 if thick else 0.7,
                    color=colours(c % 20), label=name, zorder=3 if thick else 2)
        ax.set_ylim(0, 1)
        ax.set_ylabel("p", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_title(f"true: {labels[i]}; the window is classified "
                     f"{classes[int(window[i].argmax())]} (p = {window[i].max():.2f})",
                     fontsize=8)
    axes[-1].set_xlabel("token")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside right upper", fontsize=6)
    _title(fig, title)
    return _save(fig, path)


def attention_figure(model: LightCurveClassifier, tokens: np.ndarray, mask: np.ndarray,
                     path: str | os.PathLike, star_id: str) -> Path:
    """First-block self-attention of one window (the first if several are given).

    Heads are averaged in the large panel; with at most 8 heads each also gets a small panel.
    Only real tokens are shown, padding would be an empty band.
    """
    t, m = _as_windows(tokens, mask)
    t, m = t[:1], m[:1]
    with _evaluating(model) as device:
        weights = model.attention_weights(t.to(device), m.to(device))[0].cpu().numpy()
    real = np.flatnonzero(m[0].numpy())
    weights = weights[:, real][:, :, real]  # (heads, T_real, T_real)
    heads = weights.shape[0]
    show_heads = 1 < heads <= MAX_HEAD_PANELS

    fig = Figure(figsize=(12 if show_heads else 6.5, 5.5), layout="constrained")
    left, right = fig.subfigures(1, 2, width_ratios=[1.1, 1]) if show_heads else (fig, None)
    ax = left.add_subplot()
    image = ax.imshow(weights.mean(axis=0), cmap="viridis")
    left.colorbar(image, ax=ax, shrink=0.8, label="attention weight")
    ax.set_xlabel("key token")
    ax.set_ylabel("query token")
    ax.set_title(f"{heads} head{'s' * (heads > 1)} averaged", fontsize=10)
    _title(fig, f"Self-attention, first window of star {star_id}")
    if right is not None:
        cols = 2 if heads <= 4 else 4
        small = right.subplots((heads + cols - 1) // cols, cols, squeeze=False)
        for h, head_ax in enumerate(small.flat):
            if h >= heads:
                head_ax.set_axis_off()
                continue
            head_ax.imshow(weights[h], cmap="viridis")
            head_ax.set_title(f"head {h + 1}", fontsize=8)
            head_ax.tick_params(labelsize=6)
    return _save(fig, path)


# ---------------------------------------------------------------------------- datasets
def class_distribution_figure(stars: pd.DataFrame, path: str | os.PathLike,
                              title: str = "Stars per class") -> Path:
    """Stars per class, largest first; a log axis when classes differ by more than 100x."""
    counts = stars["label"].astype(str).value_counts(ascending=True)
    fig = Figure(figsize=(7, max(2.5, 0.3 * len(counts) + 1.2)), layout="constrained")
    ax = fig.add_subplot()
    ax.barh(counts.index, counts.to_numpy(), color="tab:blue")
    for y, value in enumerate(counts.to_numpy()):
        ax.text(value, y, f" {value}", va="center", fontsize=7)
    if len(counts) and counts.max() > 100 * counts.min():
        ax.set_xscale("log")
    ax.margins(x=0.12)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel("stars")
    _title(fig, f"{title} ({int(counts.sum())} stars, {len(counts)} classes)")
    return _save(fig, path)


def importance_figure(record: Mapping[str, Any], path: str | os.PathLike) -> Path:
    """``importance.json`` as bars: the macro-F1 the trees lose when each family of per-star
    values is shuffled across the test stars, with the spread over the shuffles."""
    families = list(record["families"])[::-1]  # the largest drop on top
    fig = Figure(figsize=(7, 0.35 * len(families) + 1.6), layout="constrained")
    ax = fig.add_subplot()
    drops = [f["macro_f1_drop"] for f in families]
    ax.barh([f"{f['family']} ({len(f['names'])})" for f in families], drops,
            xerr=[f["spread"] for f in families], color="tab:blue", ecolor="0.3")
    ax.axvline(0, color="0.3", lw=0.8)
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlabel(f"macro-F1 lost when shuffled (of {record['trees_macro_f1']:.3f}; "
                  f"mean and spread of {record['repeats']} shuffles)")
    weight = record["network_weight_left_out"]
    network = f"; the network's share ({weight:g}) left out" if weight else ""
    _title(fig, f"What the trees rest on: families of per-star values (values in each), "
                f"{stars_text(record)}{network}")
    return _save(fig, path)


def length_distribution_figure(curves: pd.DataFrame, path: str | os.PathLike,
                               title: str = "Points per curve", unit: str = "curve") -> Path:
    """Points per curve (or per star: ``unit``) for all and per class (log axis: lengths span
    decades)."""
    labels = curves["label"].astype(str) if "label" in curves else pd.Series("all", curves.index)
    groups = {f"all {unit}s": curves["n_points"].to_numpy()}
    for label in sorted(labels.unique()):
        groups[label] = curves.loc[labels == label, "n_points"].to_numpy()
    names = [f"{k} ({len(v)})" for k, v in groups.items()]
    fig = Figure(figsize=(7, max(2.5, 0.3 * len(groups) + 1.2)), layout="constrained")
    ax = fig.add_subplot()
    ax.boxplot(list(groups.values())[::-1], widths=0.6, flierprops={"markersize": 2},
               **_HORIZONTAL)
    ax.set_yticks(range(1, len(names) + 1), names[::-1], fontsize=8)
    ax.set_xscale("log")
    ax.set_xlabel(f"points per {unit}")
    _title(fig, title)
    ax.grid(axis="x", alpha=0.3)
    return _save(fig, path)


def folded_curves_figure(curves: Any, periods: pd.DataFrame, stars: pd.DataFrame,
                         path: str | os.PathLike, per_class: int = 2,
                         period_config: Any = None) -> Path:
    """What an astronomer looks at first: test stars of each class, each as its periodogram
    (the period the model used marked) above its curve folded at that period (two cycles,
    each band in its own colour), titled with the true and predicted class, the period and
    its power. ``stars``: id, label, predicted (one row per star); ``curves``: their cleaned
    :class:`~lcformer.data.lightcurves.LightCurves`; ``period_config``: the
    :class:`~lcformer.data.periods.PeriodConfig` of the search (its grid)."""
    from lcformer.data.periods import PeriodConfig, periodogram

    # A wrong prediction of a class first, if there is one: it is what most needs a look.
    ranked = stars.assign(_right=stars["label"] == stars["predicted"]).sort_values(
        ["label", "_right"], kind="stable")
    picks = ranked.groupby("label", sort=True).head(per_class).reset_index(drop=True)
    n = max(len(picks), 1)
    cols = min(per_class * 2, n)
    rows = -(-n // cols)
    fig = Figure(figsize=(3.2 * cols, 3.6 * rows), layout="constrained")
    grid = fig.add_gridspec(2 * rows, cols, height_ratios=[1, 2] * rows)
    found = periods.set_index("id")
    ids = np.asarray(curves.ids, dtype=str)
    # One colour per band in every panel, blue to red (u in one panel is u in the next).
    from lcformer.data.views import order_bands

    palette = matplotlib.colormaps["tab10"].colors
    order = order_bands(np.asarray(curves.bands, dtype=str).tolist())
    colour = {band: palette[k % len(palette)] for k, band in enumerate(order)}
    for i, star in enumerate(picks[["id", "label", "predicted"]].itertuples(index=False)):
        row, col = divmod(i, cols)
        top = fig.add_subplot(grid[2 * row, col])
        ax = fig.add_subplot(grid[2 * row + 1, col])
        period = float(found.loc[star.id, "period"]) if star.id in found.index else np.nan
        power = float(found.loc[star.id, "power"]) if star.id in found.index else np.nan
        bands = sorted(((int(k), *curves.curve(int(k)))
                        for k in np.flatnonzero(ids == str(star.id))),
                       key=lambda b: order.index(str(curves.bands[b[0]])))
        # The exact (GLS) power on a grid 5x finer than a peak width, so that the curve
        # reaches the power in the title (the search's coarse statistic can be 40% lower).
        freq, spectrum = periodogram([(t, m, e) for _, t, m, e in bands],
                                     (period_config or PeriodConfig()).replace(
                                         coarse="gls", oversampling=5.0))
        if len(freq):
            top.plot(1.0 / freq, spectrum, lw=0.4, color="0.3")
            top.set_xscale("log")
        if np.isfinite(period):
            top.axvline(period, color="tab:red", lw=0.8, alpha=0.7)
        top.tick_params(labelsize=5)
        top.set_xlabel("period (days)", fontsize=5, labelpad=0)
        ok = "" if star.label == star.predicted else " (wrong)"
        top.set_title(f"{star.id}: {star.label} -> {star.predicted}{ok}\nP = {period:.6g} d, "
                      f"power {power:.2f}", fontsize=7)  # 1.00026 d, not "1 d": an alias
        # Every band from the star's first time, as the star views fold (one band's own first
        # time drew eros1's B and R up to half a cycle apart).
        t0 = min((t.min() for _, t, _, _ in bands if len(t)), default=0.0)
        for k, t, m, _ in bands:
            if not np.isfinite(period) or len(t) == 0:
                x = t - t0
            else:
                x = np.mod(t - t0, period) / period
                x, m = np.concatenate([x, x + 1]), np.concatenate([m, m])
            band = str(curves.bands[k])
            ax.plot(x, m, ".", ms=2, label=band or None, color=colour[band])
        ax.invert_yaxis()
        ax.tick_params(labelsize=6)
        if len(ax.get_legend_handles_labels()[0]) > 1:
            ax.legend(fontsize=5, markerscale=3, loc="lower right")
        ax.set_xlabel("phase" if np.isfinite(period) else "days", fontsize=6)
    _title(fig, "Test stars: periodogram (red: the period used) and the curve folded at it "
                "(true -> predicted)", fontsize=9)
    return _save(fig, path)


# ---------------------------------------------------------------------------- a run's figures
def run_figures(run_dir: str | os.PathLike, model: Model, data: Any,
                sets: Mapping[str, SampleSet], result: TrainResult, confusion: list[list[int]],
                train_config: TrainConfig, predictions: pd.DataFrame | None = None) -> list[Path]:
    """Every figure of a run into ``run_dir/figures``; parts with nothing to show are skipped.

    ``confusion``: the test stars' confusion matrix. ``data`` needs ``classes`` and ``stars``
    (a :class:`~lcformer.data.prepared.PreparedDataset`); with star views and the test
    ``predictions`` (id, label, predicted), the test stars are drawn folded. Returns the
    files written.
    """
    out = Path(run_dir) / "figures"
    written: list[Path] = []
    if confusion and np.asarray(confusion).sum() > 0:
        n = int(np.asarray(confusion).sum())
        written.append(confusion_matrix_figure(
            confusion, data.classes, out / "confusion_star_counts.png", normalise=False,
            title=f"Test stars: counts ({n} stars)"))
        written.append(confusion_matrix_figure(
            confusion, data.classes, out / "confusion_star_normalised.png", normalise=True,
            title=f"Test stars: recall per true class ({n} stars)"))
    if result.history:
        written.append(training_curves_figure(result.history, out / "training_curves.png"))
    if (Path(run_dir) / IMPORTANCE_FILE).is_file():
        written.append(importance_figure(json.loads((Path(run_dir) / IMPORTANCE_FILE)
                                                    .read_text()), out / "importance.png"))
    if getattr(data, "periods", None) is not None and predictions is not None:
        test_ids = set(predictions["id"].astype(str))
        curves = data.cleaned_curves()
        curves = curves.select(np.isin(np.asarray(curves.ids, dtype=str), list(test_ids)))
        written.append(folded_curves_figure(curves, data.periods, predictions,
                                            out / "folded_test_stars.png",
                                            period_config=data.config.periods))

    test = sets.get("test")
    if test is None or len(test) == 0 or model.arch is None:  # star models: no token figures
        return written
    rows = np.unique(np.linspace(0, len(test) - 1, min(len(test), MAX_POSITION_WINDOWS))
                     .round().astype(int))
    accuracy = accuracy_by_position(model, np.asarray(test.tokens[rows]),
                                    np.asarray(test.mask[rows]), test.labels[rows],
                                    device=pick_device(train_config.device))
    written.append(position_accuracy_figure(accuracy, out / "accuracy_by_position.png",
                                            n_windows=len(rows)))
    if model.reconstruction is not None:
        written.append(reconstruction_figure(model, test.tokens, test.mask,
                                             out / "reconstruction.png"))
    if model.arch.encoder == "attention":
        first = np.flatnonzero(test.star == test.star[0])[0]
        star_id = str(data.stars["id"].iloc[int(test.star[0])])
        written.append(attention_figure(model, test.tokens[first], test.mask[first],
                                        out / "attention.png", star_id))
    return written
