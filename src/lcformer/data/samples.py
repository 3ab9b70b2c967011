"""Model inputs from cleaned curves: the samples a model reads, each tied to a curve and star.

Two kinds, chosen by ``PrepareConfig.inputs`` (the model's registry entry says which it needs):

* ``windows``: the research (dt, dm) token windows of each band (:mod:`lcformer.data.tokens`);
  a sample is a window of one curve;
* ``stars``: star views (:mod:`lcformer.data.views`) from a period search
  (:mod:`lcformer.data.periods`); a sample is a (chunk of a) whole star, every band, and
  carries the star's ``extra`` values: its scalars and, with ``features``, the feature
  baseline's light-curve features (:mod:`lcformer.data.features`).

The same function makes the samples of a training set (``prepare``) and of new stars
(``predict``), so both see exactly the same inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.data.tokens import make_windows
from lcformer.data.views import band_vocabulary, make_views, scalar_names

if TYPE_CHECKING:
    from lcformer.data.prepared import PrepareConfig


#: Part of every preparation's cache key: bump it whenever the samples made from the same
#: curves and settings change (token channels, scalars), so no stale preparation is reused.
SAMPLES_VERSION = 3


@dataclass
class Samples:
    tokens: np.ndarray  # (n, T, F) float32
    mask: np.ndarray  # (n, T) bool
    curve: np.ndarray  # (n,) index of the sample's curve in the curves it was made from
    start_time: np.ndarray  # (n,) first point's time
    errors: np.ndarray  # (n, W+1) errors of a window's points; (n, 1) NaN for star views
    extra: np.ndarray  # (n, n_extra) float32 per-star values (star views), NaN if unknown

    def __len__(self) -> int:
        return len(self.curve)

    def take(self, rows: np.ndarray) -> Samples:
        return Samples(*(getattr(self, f.name)[rows] for f in fields(self)))


@dataclass
class SampleInfo:
    """What the samples were made with, beyond the config: kept with the data and models."""

    bands: list[str]  # band vocabulary (star views' one-hot channels)
    extra_names: list[str]  # names of the extra columns
    periods: pd.DataFrame | None  # the period search, one row per star (star views)


def make_samples(lcs: LightCurves, config: PrepareConfig, report: DropReport,
                 info: SampleInfo | None = None, n_jobs: int = 1) -> tuple[Samples, SampleInfo]:
    """Samples of cleaned curves. ``info``: that of the training data, when making samples of
    new stars (the same bands and extra columns, in the same order)."""
    if config.inputs == "windows":
        windows, _ = make_windows(lcs, config.tokens, report)
        extra = np.zeros((len(windows), 0), np.float32)
        return (Samples(windows.tokens, windows.mask, windows.curve, windows.start_time,
                        windows.errors, extra), info or SampleInfo([], [], None))

    from lcformer.data.periods import find_periods

    periods = find_periods(lcs, config.periods, n_jobs=n_jobs, report=report)
    bands = info.bands if info is not None else band_vocabulary(lcs)
    # A band the model never saw gets no band channel and no per-band scalars: said, counted.
    report.note("curves_in_a_band_the_model_lacks",
                int(np.count_nonzero(~np.isin(np.asarray(lcs.bands, dtype=str), bands))))
    views = make_views(lcs, periods, bands, config.views)
    extra = views.scalars
    names = scalar_names(bands)
    if config.features:
        from lcformer.data.features import CLIP, star_features

        table = star_features(lcs, report, n_jobs=n_jobs)
        if info is not None:
            table = table.reindex(columns=info.extra_names[len(names):])
        names += table.columns.tolist()
        values = table.reindex(views.stars).to_numpy(dtype=np.float64)
        extra = np.hstack([extra, np.clip(values, -CLIP, CLIP).astype(np.float32)])
    codes, _ = pd.factorize(pd.Series(lcs.ids, dtype=object), sort=False)
    _, first_curve = np.unique(codes, return_index=True)
    curve = first_curve[views.sample_star]
    samples = Samples(views.tokens, views.mask, curve, lcs.time[lcs.offsets[curve]],
                      np.full((len(curve), 1), np.nan, np.float32),
                      extra[views.sample_star].astype(np.float32))
    return samples, SampleInfo(bands, names, periods)
