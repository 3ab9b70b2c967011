"""Optional TensorBoard view of a training run (``pip install "lcformer[tensorboard]"``).

The run folder stays the record of a run; this only mirrors it for watching and comparing runs
live: per epoch the losses, learning rate and validation scores, the star-level validation
confusion matrix as an image, and at the end the hyper-parameters with the test scores for
TensorBoard's HParams tab. Everything goes into one log folder per run, so a sweep's runs
appear side by side under ``tensorboard --logdir DIR``. Logging never ends a run: a failure
while writing is one warning, after which the run goes on without logging.

``tensorboard`` and matplotlib are imported when a logger is made, not with this module: the
package must not need them unless logging is asked for.
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from lcformer.config import dotted
from lcformer.errors import LcformerError, LcformerWarning

if TYPE_CHECKING:
    from torch.utils.tensorboard import SummaryWriter

INSTALL_HINT = 'pip install "lcformer[tensorboard]"'
HParam = bool | int | float | str

#: history.csv columns and the TensorBoard tags they are logged under.
VALIDATION_TAGS = {"val_loss": "val/loss", "val_accuracy": "val/accuracy",
                   "val_macro_f1": "val/macro_f1"}
CONFUSION_TAG = "val/confusion_matrix"


class TensorBoardUnavailableError(LcformerError, ImportError):
    """Logging was asked for but the optional ``tensorboard`` package is not installed."""


def require_tensorboard() -> type[SummaryWriter]:
    """The SummaryWriter class, or an error naming the install command (checked up front by
    the CLI so that a missing package fails before any data is prepared)."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise TensorBoardUnavailableError(
            f"TensorBoard logging (--tensorboard) needs the tensorboard package ({exc}); "
            f"install it with {INSTALL_HINT}") from exc
    return SummaryWriter


def flatten_hparams(values: Mapping[str, Any], prefix: str = "") -> dict[str, HParam]:
    """Nested options as ``section.name`` scalars/strings, the only types HParams shows.

    None is left out (HParams has no null); lists and other values become their text.
    """
    return {name: value if isinstance(value, bool | int | float | str) else str(value)
            for name, value in dotted(values, prefix).items() if value is not None}


def confusion_image(confusion: np.ndarray, classes: Sequence[str], title: str = "") -> np.ndarray:
    """A small (H, W, 3) uint8 picture of a confusion matrix (rows: true class).

    Colour is the fraction of each true class, so rare classes read as clearly as common ones;
    the cells carry the star counts while they fit. Drawn with the Agg canvas directly, never
    pyplot: no global figure state, safe without a display and from any thread.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    counts = np.asarray(confusion, dtype=float).reshape(len(classes), len(classes))
    totals = counts.sum(axis=1, keepdims=True)
    recall = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    n = len(classes)
    side = min(3.0 + 0.25 * n, 8.0)
    fig = Figure(figsize=(side, side), dpi=80, layout="constrained")
    canvas = FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.imshow(recall, cmap="Blues", vmin=0, vmax=1)
    if n <= 12:
        for i, j in np.ndindex(n, n):
            ax.text(j, i, f"{int(counts[i, j])}", ha="center", va="center", fontsize=8,
                    color="white" if recall[i, j] > 0.55 else "black")
    fontsize = 8 if n <= 12 else 6
    ax.set_xticks(range(n), classes, rotation=45, ha="right", rotation_mode="anchor",
                  fontsize=fontsize)
    ax.set_yticks(range(n), classes, fontsize=fontsize)
    ax.set_xlabel("predicted", fontsize=8)
    ax.set_ylabel("true", fontsize=8)
    if title:
        ax.set_title(title, fontsize=9)
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


class TensorBoardWarning(LcformerWarning):
    """TensorBoard logging failed during a run and was switched off; the run went on."""


class TensorBoardLogger:
    """Writes one run's epochs and final scores to a TensorBoard log folder.

    Steps are the 1-based epoch numbers of history.csv, so a resumed run appends to the same
    folder where it left off. The event file is opened at the first epoch logged, with
    TensorBoard's ``purge_step`` at that epoch: whatever an earlier session logged from there on
    (a run restarted from scratch, or from a checkpoint older than its logs) is hidden, so each
    epoch shows once, as the run folder has it.

    Logging is an extra view and never stops or spoils a run: any error while writing (disk
    full, an unwritable folder, matplotlib) is reported once as a :class:`TensorBoardWarning`
    and logging is switched off for the rest of the run. Only a missing ``tensorboard`` package
    is an error, raised when the logger is made, before any training.
    """

    def __init__(self, log_dir: str | Path, classes: Sequence[str]) -> None:
        self._writer_class = require_tensorboard()
        self.log_dir = Path(log_dir)
        self.classes = list(classes)
        self._writer: SummaryWriter | None = None
        self.enabled = True

    def _open(self, purge_step: int | None = None) -> SummaryWriter:
        if self._writer is None:
            self._writer = self._writer_class(log_dir=str(self.log_dir), purge_step=purge_step)
        return self._writer

    def _fail(self, exc: Exception) -> None:
        """Switch logging off for good and say so, once."""
        self.enabled = False
        writer, self._writer = self._writer, None
        if writer is not None:
            with contextlib.suppress(Exception):  # it may be what failed; best effort only
                writer.close()
        warnings.warn(
            f"TensorBoard logging to {self.log_dir} failed ({type(exc).__name__}: {exc}); "
            "logging is switched off for the rest of this run. The run itself goes on and its "
            "run folder is unaffected.", TensorBoardWarning, stacklevel=3)

    def epoch(self, row: Mapping[str, Any], confusion: np.ndarray | None = None) -> None:
        """One history row; ``confusion`` is the star-level validation confusion matrix.

        Reconstruction epochs report an MSE, not a classification loss: a tag of its own, so
        the loss curve is not a mix of two quantities.
        """
        if not self.enabled:
            return
        try:
            self._epoch(row, confusion)
        except Exception as exc:  # logging must never end a run
            self._fail(exc)

    def _epoch(self, row: Mapping[str, Any], confusion: np.ndarray | None) -> None:
        step = int(row["epoch"])
        w = self._open(purge_step=step)
        w.add_scalar("train/lr", row["lr"], step)
        loss_tag = "train/loss" if row["phase"] == "classify" else "train/reconstruction_loss"
        w.add_scalar(loss_tag, row["train_loss"], step)
        for key, tag in VALIDATION_TAGS.items():
            if key in row:
                w.add_scalar(tag, row[key], step)
        if confusion is not None:
            image = confusion_image(confusion, self.classes,
                                    f"validation stars, epoch {step}")
            w.add_image(CONFUSION_TAG, image, step, dataformats="HWC")
        w.flush()  # a crash loses no epoch that history.csv already has

    def finish(self, hparams: Mapping[str, Any], metrics: Mapping[str, float],
               step: int = 0) -> None:
        """The run's hyper-parameters (nested, flattened here) with its final ``metrics``.

        Written into this run's own folder, not the timestamped sub-folder of
        ``SummaryWriter.add_hparams``, so each run is one row of the HParams table.
        """
        if not self.enabled:
            return
        try:
            self._finish(hparams, metrics, step)
        except Exception as exc:  # logging must never end a run
            self._fail(exc)

    def _finish(self, hparams: Mapping[str, Any], metrics: Mapping[str, float],
                step: int) -> None:
        from torch.utils.tensorboard.summary import hparams as hparams_summaries

        metrics = {k: float(v) for k, v in metrics.items()}
        writer = self._open()  # no purge: nothing was trained in this session
        file_writer = writer.file_writer
        if file_writer is None:  # made by SummaryWriter.__init__
            raise RuntimeError("the SummaryWriter has no file writer")
        for summary in hparams_summaries(flatten_hparams(hparams), metrics):
            file_writer.add_summary(summary, step)
        for tag, value in metrics.items():
            writer.add_scalar(tag, value, step)
        writer.flush()

    def close(self) -> None:
        """Flush and close the event file; later calls do nothing."""
        writer, self._writer = self._writer, None
        if writer is None or not self.enabled:
            return
        try:
            writer.close()
        except Exception as exc:  # logging must never end a run
            self._fail(exc)

    def __enter__(self) -> TensorBoardLogger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
