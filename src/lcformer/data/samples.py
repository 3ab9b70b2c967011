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

Star views are made ``CHUNK_STARS`` stars at a time (period search, features, views), each
chunk on its own: with ``n_jobs`` > 1 in that many processes (:mod:`lcformer.workers`), each
holding its chunk only. A star's samples depend on nothing but its own points and the
dataset-wide settings passed to every chunk (band vocabulary, the features' frequency grid),
so the result is the same for any ``n_jobs`` and any chunk size, byte for byte.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.data.tokens import make_windows
from lcformer.data.views import band_vocabulary, make_views, scalar_names
from lcformer.workers import map_in_order, n_workers

if TYPE_CHECKING:
    from lcformer.data.prepared import PrepareConfig


#: Most stars in a chunk of star views. 4096 survey stars of ~500 points make some 50 MB of
#: points and views; each process holds one or two chunks at a time.
CHUNK_STARS = 4096
#: Fewest stars in a chunk: the period search builds its NUFFT plans once per chunk and
#: grid size.
MIN_CHUNK_STARS = 256
#: Chunks a preparation is cut into, at least (within those bounds): each is a step of its
#: progress, and several processes get about 4 each, so that they finish together.
MIN_CHUNKS = 16

#: Part of every preparation's cache key: bump it whenever the samples made from the same
#: curves and settings change (token channels, scalars), so no stale preparation is reused.
#: 4: shape scalars (views.harmonic_fit); features without light-curve's periodogram.
#: 5: a colour per pair of neighbouring bands (three bands or more); a constant band beside
#: a varying one left out of the period search; an unknown error's token is its curve's
#: median error, not 0. Data of one or two bands without a constant band or an unknown error
#: make the samples of version 4.
SAMPLES_VERSION = 5


@dataclass
class Samples:
    tokens: np.ndarray  # (n, T, F) float32
    mask: np.ndarray  # (n, T) bool
    curve: np.ndarray  # (n,) index of the sample's curve in the curves it was made from
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
    # Days the features' periodogram grid is made for (features.grid_span of the training
    # stars): new stars get the training grid, whatever other stars come with them. None:
    # features without the periodogram (samples since version 4).
    feature_span: float | None = None


def make_samples(lcs: LightCurves, config: PrepareConfig, report: DropReport,
                 info: SampleInfo | None = None, n_jobs: int = 1,
                 bands: list[str] | None = None,
                 on_stars: Callable[[int, int], None] | None = None
                 ) -> tuple[Samples, SampleInfo]:
    """Samples of cleaned curves. ``info``: that of the training data, when making samples of
    new stars (the same bands and extra columns, in the same order). ``bands``: the band
    vocabulary, when the curves are part of a dataset (a partition) rather than all of it.
    ``on_stars(done, total)``: told after each chunk of star views (the period search is
    most of a preparation's time)."""
    if config.inputs == "windows":
        windows, _ = make_windows(lcs, config.tokens, report)
        extra = np.zeros((len(windows), 0), np.float32)
        return (Samples(windows.tokens, windows.mask, windows.curve, extra),
                info or SampleInfo([], [], None))

    if bands is None:
        bands = info.bands if info is not None else band_vocabulary(lcs)
    # A band the model never saw gets no band channel and no per-band scalars: said, counted.
    report.note("curves_in_a_band_the_model_lacks",
                int(np.count_nonzero(~np.isin(np.asarray(lcs.bands, dtype=str), bands))))
    names = scalar_names(bands)
    feature_grid = None
    if config.features:  # the dataset-wide settings of the features, the same in every chunk
        feature_grid = (bands, _feature_span(lcs, info))
    codes, _ = lcs.star_codes()
    n_stars = len(np.unique(codes))
    size = chunk_size(n_stars, n_jobs)
    chunks = (lcs if len(curves) == lcs.n_curves else lcs.select(curves)
              for curves in star_chunks(codes, size))
    parts = []
    for part in map_in_order(_star_chunk, ((chunk, config, bands, feature_grid)
                                           for chunk in chunks), n_jobs):
        parts.append(part)
        if on_stars is not None:  # (every chunk holds ``size`` stars, but the last)
            on_stars(min(len(parts) * size, n_stars), n_stars)

    periods = pd.concat([p.periods for p in parts], ignore_index=True)
    for part in parts:
        report.merge(part.report)
    first_sample_star = np.cumsum([0] + [len(p.stars) for p in parts[:-1]])
    sample_star = np.concatenate([p.sample_star + first
                                  for p, first in zip(parts, first_sample_star, strict=True)])
    extra = np.concatenate([p.scalars for p in parts])
    if config.features:
        from lcformer.data.features import CLIP

        table = pd.concat([p.features for p in parts])
        names += table.columns.tolist()
        values = table.to_numpy(dtype=np.float64)
        extra = np.hstack([extra, np.clip(values, -CLIP, CLIP).astype(np.float32)])
    if info is not None:  # the training data's columns, by name (older models: fewer)
        extra, names = _columns_of(extra, names, info.extra_names)
    _, first_curve = np.unique(codes, return_index=True)
    curve = first_curve[sample_star]
    samples = Samples(np.concatenate([p.tokens for p in parts]),
                      np.concatenate([p.mask for p in parts]), curve,
                      extra[sample_star].astype(np.float32))
    return samples, SampleInfo(bands, names, periods,
                               None if feature_grid is None else feature_grid[1])


def _feature_span(lcs: LightCurves, info: SampleInfo | None) -> float | None:
    """The features' periodogram grid span, or None for features without the periodogram:
    what new models use (their period search gives the peaks); models trained with samples
    of version 3 kept light-curve's periodogram peaks among their features."""
    from lcformer.data.features import grid_span

    if info is None or not any(n.endswith("period_s_to_n_0") for n in info.extra_names):
        return None
    return grid_span(lcs) if info.feature_span is None else info.feature_span


def _columns_of(extra: np.ndarray, names: list[str], wanted: list[str]
                ) -> tuple[np.ndarray, list[str]]:
    """The ``wanted`` columns of ``extra``, in that order."""
    position = {name: i for i, name in enumerate(names)}
    missing = [name for name in wanted if name not in position]
    if missing:
        raise ValueError(f"the model was trained with per-star values that these inputs lack: "
                         f"{missing[:5]}; was it trained with other settings or another "
                         f"lcformer version?")
    return extra[:, [position[name] for name in wanted]], list(wanted)


@dataclass
class _StarChunk:
    """The star views of a chunk of stars, with their period search and features."""

    tokens: np.ndarray
    mask: np.ndarray
    sample_star: np.ndarray  # row of ``stars``, within the chunk
    scalars: np.ndarray
    stars: np.ndarray
    periods: pd.DataFrame
    features: pd.DataFrame | None  # indexed by star id, in the order of ``stars``
    report: DropReport


def _star_chunk(task: tuple[LightCurves, PrepareConfig, list[str],
                            tuple[list[str], float | None] | None]) -> _StarChunk:
    """Period search, star views and features of one chunk (runs in a worker process)."""
    from lcformer.data.periods import find_periods

    lcs, config, bands, feature_grid = task
    report = DropReport()
    periods = find_periods(lcs, config.periods, report=report)
    views = make_views(lcs, periods, bands, config.views)
    table = None
    if feature_grid is not None:
        from lcformer.data.features import star_features

        feature_bands, span = feature_grid
        # The periodogram (span set) only for version-3 models, which were trained at
        # features.MIN_PERIOD whatever --min-period said: new stars get the same grid.
        table = star_features(lcs, report, bands=feature_bands, span=span,
                              periodogram=span is not None).reindex(views.stars)
    return _StarChunk(views.tokens, views.mask, views.sample_star, views.scalars, views.stars,
                      periods, table, report)


def chunk_size(n_stars: int, n_jobs: int) -> int:
    """Stars a chunk: at least :data:`MIN_CHUNKS` chunks, or 4 per process, between
    ``MIN_CHUNK_STARS`` and ``CHUNK_STARS`` stars each."""
    chunks = max(MIN_CHUNKS, 4 * n_workers(n_jobs))
    return min(CHUNK_STARS, max(MIN_CHUNK_STARS, -(-n_stars // chunks)))


def star_chunks(codes: np.ndarray, size: int) -> Iterator[np.ndarray]:
    """The curves (indices, ascending) of each run of ``size`` stars, stars numbered by
    ``codes`` (each curve's star, 0.. in order of first appearance)."""
    order = np.argsort(codes, kind="stable")
    n_stars = int(codes.max()) + 1 if len(codes) else 0
    starts = np.arange(0, max(n_stars, 1), size)  # no star: one empty chunk
    bounds = np.searchsorted(codes[order], np.append(starts, n_stars))
    for lo, hi in itertools.pairwise(bounds):
        yield np.sort(order[lo:hi])
