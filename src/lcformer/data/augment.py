"""Shortened copies of training stars: each star as a survey that saw it for less time, and
less often, would have seen it.

A classifier learns a star's class from its per-star values (period power, amplitude, span,
points, trends), and these shift with the span and sampling of the curve. A model trained on
3-year curves of simulated Rubin stars called 17% of 1-year curves of other stars of the
same kinds wrongly, with high probabilities. Copies of the training stars cut to a random part
of their span, and thinned, teach the model (its network and its trees) that a shorter or
sparser curve is not another class.
"""

from __future__ import annotations

import dataclasses
from typing import NamedTuple

import numpy as np
import pandas as pd

from lcformer.data.cleaning import CleaningConfig
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PreparedDataset
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.splits import SampleSet

#: Share of a star's span that a copy keeps (uniform in this range), and of the points in it.
SPAN_KEPT = (0.2, 1.0)
POINTS_KEPT = (0.5, 1.0)
#: Joins a star's id and its copy's number; no survey's ids contain it.
COPY_MARK = "\x1fcopy"


def shortened_copies(lcs: LightCurves, copies: int, seed: int,
                     min_points: int = CleaningConfig.min_points,
                     span_kept: tuple[float, float] = SPAN_KEPT,
                     points_kept: tuple[float, float] = POINTS_KEPT) -> LightCurves:
    """``copies`` copies of every star of ``lcs``, each cut to one random time window (the
    same for all its bands) of a random share (in ``span_kept``) of its span, then thinned:
    each point kept with a random probability (in ``points_kept``, one per copy). Curves left
    with fewer than ``min_points`` points are left out. Copy ``k`` of star ``s`` is named
    ``s`` + :data:`COPY_MARK` + ``k``."""
    rng = np.random.default_rng(seed)
    star, _ = lcs.star_codes()
    point_star = np.repeat(star, lcs.lengths)
    ends = pd.Series(lcs.time).groupby(point_star).agg(["min", "max"]).to_numpy()
    begin, span = ends[:, 0], ends[:, 1] - ends[:, 0]
    parts = []
    for k in range(copies):
        kept_span = span * rng.uniform(*span_kept, size=len(span))
        start = begin + rng.uniform(size=len(span)) * (span - kept_span)
        share = rng.uniform(*points_kept, size=len(span))
        keep = ((lcs.time >= start[point_star]) & (lcs.time <= (start + kept_span)[point_star])
                & (rng.random(lcs.n_points) < share[point_star]))
        copy = lcs.keep_points(keep)
        copy = copy.select(copy.lengths >= min_points)
        ids = (pd.Series(copy.ids, dtype=object).astype(str) + f"{COPY_MARK}{k}").to_numpy()
        parts.append(dataclasses.replace(copy, ids=ids))
    return LightCurves.concatenate(parts) if parts else LightCurves.empty(lcs.labels is not None)


class Copies(NamedTuple):
    """Shortened copies as model inputs: their samples (star rows numbered after the dataset's
    stars) and period search, one row a copy."""

    samples: SampleSet
    periods: pd.DataFrame  # id, span, n_points, ... (its rows in the order of the star rows)


def shortened_samples(data: PreparedDataset, stars: np.ndarray, copies: int, seed: int,
                      span_kept: tuple[float, float] = SPAN_KEPT,
                      points_kept: tuple[float, float] = POINTS_KEPT) -> Copies:
    """The samples of :func:`shortened_copies` of the prepared stars at rows ``stars`` of
    ``data.stars``, made as the preparation made theirs (a period search of their own, the
    same bands, columns and feature grid), with their class indices and star rows numbered
    from ``len(data.stars)`` on, so that they join the stars' samples
    (:meth:`SampleSet.joined`)."""
    ids = data.stars["id"].to_numpy(dtype=object)[np.unique(stars)]
    curves = data.cleaned_curves()
    curves = curves.select(pd.Index(curves.ids, dtype=object).isin(ids))
    copied = shortened_copies(curves, copies, seed, data.config.cleaning.min_points,
                              span_kept, points_kept)
    info = data.info
    made, made_info = make_samples(copied, data.config, DropReport(),
                                   info=SampleInfo(info.bands, info.extra_names, None,
                                                   info.feature_span))
    copy_ids, row = np.unique(copied.ids[made.curve], return_inverse=True)
    labels = pd.Categorical(copied.labels[made.curve], categories=data.classes)
    samples = SampleSet(made.tokens, made.mask, labels.codes.astype(np.int64),
                        len(data.stars) + row, np.asarray(made.extra))
    return Copies(samples, made_info.periods.set_index("id").loc[copy_ids].reset_index())
