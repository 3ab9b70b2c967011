"""Flags on predictions that rest on too little signal, so a confident-looking label on a
constant star, a 5-point star, a star without a period or noise is never silent (issue 10: a
constant star was called mira at 0.944, a 5-point star mira at 0.922).

A flagged star keeps its probabilities; the ``flag`` column says why not to trust them, and the
CLI prints how many. No torch here: the CLI builds its options from :class:`FlagConfig`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lcformer.config import Config, setting
from lcformer.data.lightcurves import LightCurves
from lcformer.errors import ConfigError

#: The values of the ``flag`` column, most serious first (a star gets the first that applies).
FLAGS = ("few_points", "constant", "no_period", "no_significant_period",
         "period_at_search_limit")
#: A best period this close above the shortest one searched is at the edge of the grid: a
#: star whose period is shorter (a delta Scuti star of 0.03 d, with --min-period 0.05) peaks
#: there (0.0503-0.0516 d in a simulation of Rubin data), or at an alias.
AT_LIMIT = 1.05


@dataclass(frozen=True)
class FlagConfig(Config):
    """When a classified star's label rests on too little signal: it keeps its probabilities
    and gets a ``flag`` (:data:`FLAGS`); the CLI prints how many."""

    # A 5-point star was called mira at 0.92 (issue 10): a period, an amplitude and a shape
    # need more points than that.
    min_points: int = setting(10, "flag stars with fewer cleaned points (all bands together) "
                                  "as few_points")
    # 1 mmag is below any survey's photometric precision: a scatter this small is a constant
    # (or a placeholder) value, not a variable star.
    min_scatter: float = setting(1e-3, "mag: flag stars whose magnitudes scatter less than "
                                       "this (standard deviation) in every band as constant")
    # On white noise, 0.5-2.5% of stars have fap < 0.01 (lcformer.data.periods).
    max_fap: float = setting(0.01, "flag stars whose best period's false-alarm probability is "
                                   "above this as no_significant_period (models that search "
                                   "a period)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_points < 0 or self.min_scatter < 0:
            raise ConfigError("min_points and min_scatter must not be negative")
        if not 0 < self.max_fap <= 1:
            raise ConfigError(f"max_fap must be in (0, 1], got {self.max_fap}")


def signal_flags(cleaned: LightCurves, ids: np.ndarray, fap: np.ndarray | None,
                 config: FlagConfig, period: np.ndarray | None = None,
                 min_period: float | None = None) -> np.ndarray:
    """Per star of ``ids``: "" or the first of :data:`FLAGS` that applies, from its cleaned
    points (and ``fap``, the false-alarm probability of its period, and the ``period``
    itself beside the shortest searched, ``min_period``, where one was searched)."""
    out = np.full(len(ids), "", dtype=object)
    if not len(ids):
        return out
    curve = cleaned.curve_index
    n = cleaned.lengths.astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.bincount(curve, cleaned.mag, cleaned.n_curves) / n
        # Two passes: magnitudes of ~15 with mmag scatter lose their digits in sum(m**2).
        std = np.sqrt(np.bincount(curve, (cleaned.mag - mean[curve]) ** 2, cleaned.n_curves) / n)
    where = pd.Index(ids).get_indexer(pd.Index(cleaned.ids.astype(object)))
    known = where >= 0
    points = np.zeros(len(ids))
    np.add.at(points, where[known], n[known])
    scatter = np.zeros(len(ids))
    np.maximum.at(scatter, where[known], np.nan_to_num(std[known]))
    if period is not None and min_period is not None:
        out[np.asarray(period, dtype=np.float64) <= AT_LIMIT * min_period] = (
            "period_at_search_limit")
    if fap is not None:
        fap = np.asarray(fap, dtype=np.float64)
        out[~(fap <= config.max_fap)] = "no_significant_period"
        # No period searched: too few points in every band, or a span too short or long.
        out[np.isnan(fap)] = "no_period"
    out[scatter < config.min_scatter] = "constant"
    out[points < config.min_points] = "few_points"
    return out


def format_flags(counts: Counter[str], n_classified: int) -> str | None:
    """A line on the flagged predictions, or None when there are none."""
    if not counts:
        return None
    parts = ", ".join(f"{counts[f]:,} {f}" for f in FLAGS if counts[f])
    what = ("rest on too little signal" if not counts["period_at_search_limit"] else
            "rest on too little signal or a period at the search's limit (--min-period)")
    return (f"{sum(counts.values()):,} of {n_classified:,} predictions {what} ({parts}): "
            f"probabilities kept, marked in the flag column")
