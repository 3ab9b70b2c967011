"""Flags on predictions that may mislead, so a confident-looking label is never silent where
it rests on too little signal (a constant star, a 5-point star, a star without a period or with
noise alone: a constant star can be called mira at 0.944, a 5-point star mira at 0.922),
on a period at the search's limit, or on a star unlike the training stars (span, number of
points, median magnitude and error: :mod:`lcformer.data.training_ranges`).

A flagged star keeps its probabilities; the ``flag`` column says why not to trust them (the
most serious reason; ``other_flags``, any others), and the CLI prints how many. No torch
here: the CLI builds its options from :class:`FlagConfig`.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lcformer.config import Config, setting
from lcformer.data.lightcurves import LightCurves
from lcformer.data.periods import PERIOD_EDGE
from lcformer.data.report import UNLIKE_EVENT
from lcformer.data.training_ranges import (
    ERROR_MARGIN,
    HIGH,
    LOW,
    MAGNITUDE_MARGIN,
    PERCENTILES,
    TRAINING_MARGIN,
    reason_text,
)
from lcformer.errors import ConfigError

#: The values of the ``flag`` column, most serious first (a star gets the first that applies).
FLAGS = ("few_points", "constant", "no_period", "outside_training_range",
         "no_significant_period", "period_at_search_limit", "period_under_two_cycles",
         "period_at_daily_alias", "period_unlike_class")
#: The rules' version, kept with a partitioned prediction so that its partitions flag alike
#: (2: outside_training_range also compares median magnitudes; 3: period_at_search_limit
#: also at the longest period searched; 4: outside_training_range also compares median errors
#: and a band nearly every training star had; 5: period_at_search_limit within 10% of the
#: limits, not 5%: SX Phe stars can peak up to 8% above --min-period; 6:
#: period_unlike_class; 7: not constant where a star varies beyond twice its errors with a
#: significant period; 8: outside_training_range also where a band's errors are unknown and
#: the training stars' were known; 9: period_at_daily_alias; 10: the other_flags column, and
#: a day's alias beside the sidereal day too, in period_at_daily_alias and in constant's
#: exemption; 11: period_under_two_cycles).
FLAG_RULES = 11
#: Flags of a prediction on too little signal; the others say it may mislead for another reason.
SIGNAL_FLAGS = ("few_points", "constant", "no_period", "no_significant_period")


@dataclass(frozen=True)
class FlagConfig(Config):
    """When a classified star's label rests on too little signal: it keeps its probabilities
    and gets a ``flag`` (:data:`FLAGS`); the CLI prints how many."""

    # A 5-point star can be called mira at 0.92: a period, an amplitude and a shape
    # need more points than that.
    min_points: int = setting(10, "flag stars with fewer cleaned points (all bands together) "
                                  "as few_points")
    # 1 mmag is below any ground-based survey's photometric precision: a scatter this small
    # is a constant (or a placeholder) value, not a variable star; but not where a star
    # varies beyond its own errors with a significant period (TESS's 1-mmag delta Scuti
    # stars and rotators, fap 0).
    min_scatter: float = setting(1e-3, "mag: flag stars whose magnitudes scatter less than "
                                       "this (standard deviation) in every band as constant, "
                                       "unless they vary beyond twice their errors with a "
                                       "significant period seen 10 times, not a day's alias")
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


def star_flags(cleaned: LightCurves, ids: np.ndarray, fap: np.ndarray | None,
               config: FlagConfig, period: np.ndarray | None = None,
               min_period: float | None = None,
               unlike_training: np.ndarray | None = None,
               max_period: np.ndarray | None = None,
               unlike_class: np.ndarray | None = None,
               span: np.ndarray | None = None) -> np.ndarray:
    """Per star of ``ids``: "" or the first of :data:`FLAGS` that applies (:func:`flag_masks`
    says what the arguments are)."""
    return first_flag(flag_masks(cleaned, ids, fap, config, period, min_period,
                                 unlike_training, max_period, unlike_class, span), len(ids))


def first_flag(masks: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Per star of ``n``: "" or the first of :data:`FLAGS` that ``masks`` (:func:`flag_masks`)
    gives it: the ``flag`` column."""
    out = np.full(n, "", dtype=object)
    for flag in reversed(FLAGS):  # each overrides the less serious ones
        if flag in masks:
            out[masks[flag]] = flag
    return out


def other_flags(masks: Mapping[str, np.ndarray], n: int) -> np.ndarray:
    """Per star of ``n``: the flags after its first, most serious first, joined by ";" (""
    where none): the ``other_flags`` column. Where the first hides what a survey's stars
    have in common (every MACHO star outside_training_range), the others still say which
    stars also have a period at the search's limit."""
    found = [masks[f] for f in FLAGS if f in masks]
    if not found or not n:
        return np.full(n, "", dtype=object)
    names = [f for f in FLAGS if f in masks]
    has = np.column_stack(found)
    has[np.arange(n), has.argmax(axis=1)] = False  # the first is the flag column's
    # one text per combination of flags that occurs, not one a star
    combos, which = np.unique(has @ (1 << np.arange(len(names))), return_inverse=True)
    texts = [";".join(f for i, f in enumerate(names) if combo >> i & 1) for combo in combos]
    return np.asarray(texts, dtype=object)[which.ravel()]


def flag_masks(cleaned: LightCurves, ids: np.ndarray, fap: np.ndarray | None,
               config: FlagConfig, period: np.ndarray | None = None,
               min_period: float | None = None,
               unlike_training: np.ndarray | None = None,
               max_period: np.ndarray | None = None,
               unlike_class: np.ndarray | None = None,
               span: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Per flag of :data:`FLAGS` that can be judged, per star of ``ids``: whether it applies,
    from the star's cleaned points (and ``fap``, the false-alarm probability of its period,
    and the ``period`` itself beside the shortest and longest searched, ``min_period`` and
    each star's ``max_period``, where one was searched; ``unlike_training``: any reason of
    :func:`~lcformer.data.training_ranges.unlike_training`;
    ``unlike_class``: :func:`~lcformer.data.training_ranges.period_unlike_class`; ``span``:
    each star's time span in the bands its period was searched in)."""
    out: dict[str, np.ndarray] = {}
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
    # Curves that scatter beyond twice their median error (space photometry's mmag stars).
    median_err = pd.Series(cleaned.err).groupby(curve).median().reindex(
        np.arange(cleaned.n_curves)).to_numpy()
    beyond = np.zeros(len(ids), dtype=bool)
    np.logical_or.at(beyond, where[known], (std > 2 * median_err)[known])
    if unlike_class is not None:
        out["period_unlike_class"] = np.asarray(unlike_class, dtype=bool)
    if period is not None and fap is not None:
        out["period_at_daily_alias"] = _at_daily_alias(
            cleaned, where, known, len(ids), np.asarray(period, np.float64),
            np.asarray(fap, np.float64), config)
    if period is not None and min_period is not None:
        # A best period within a factor PERIOD_EDGE above the shortest one searched is at
        # the edge of the grid: a star whose period is shorter peaks there, or at an alias.
        # So is one this close below the longest searched (the star's time span, or
        # --max-period): a trend, or a period too long to be seen to repeat (ZTF stars of
        # 2,500 and 4,000 d seen for 1,699 d both peaked at the span, with a false-alarm
        # probability of 0).
        period = np.asarray(period, dtype=np.float64)
        at_limit = period <= PERIOD_EDGE * min_period
        if max_period is not None:
            at_limit |= period * PERIOD_EDGE >= np.asarray(max_period, dtype=np.float64)
        out["period_at_search_limit"] = at_limit
        if span is not None:
            # Seen for fewer than two cycles, a period is not confirmed: a trend, or a long
            # period the span cannot yet tell (eros1: 88 of 3,641 stars at 474-800 d in
            # spans of ~890 d, 52 of them RR Lyrae and 13 eclipsing binaries; at the limit
            # above it is said once, as that).
            with np.errstate(invalid="ignore"):
                out["period_under_two_cycles"] = (2 * period > span) & ~at_limit
    if fap is not None:
        fap = np.asarray(fap, dtype=np.float64)
        # no period searched: too few points in every band, or a span too short or long
        out["no_period"] = np.isnan(fap)
        out["no_significant_period"] = fap > config.max_fap
    if unlike_training is not None:  # (curves shorter than the training's have weak periods)
        out["outside_training_range"] = np.asarray(unlike_training, dtype=bool)
    out["constant"] = ((scatter < config.min_scatter)
                       & ~_varies(beyond, fap, period, max_period, config))
    out["few_points"] = points < config.min_points
    return out


#: A constant star's drift or a night-to-night systematic gives significant periods too (a
#: 1.5-mmag drift can peak at 1.0007 d, an annual wave at 369 d): the exemption from
#: ``constant`` wants this many cycles seen, and no period within ALIAS_WIDTH of a day's
#: alias (:func:`near_a_day`).
MIN_CYCLES, ALIAS_WIDTH = 10.0, 0.01
#: The solar day and the sidereal one (days): nightly sampling repeats at either, and a slow
#: variable's alias lies beside whichever the survey's pointing follows (eros1's Miras of 108
#: and 129 d peaked at 0.988 and 0.990 d: 1.2% and 1.0% from a solar day, 0.9% and 0.7% from a
#: sidereal one).
DAYS = (1.0, 0.99726957)


def near_a_day(period: np.ndarray, k: int) -> np.ndarray:
    """Per star: ``period`` within :data:`ALIAS_WIDTH` of 1/``k`` of a solar or sidereal day."""
    return np.any([np.abs(period * k - day) <= ALIAS_WIDTH * day for day in DAYS], axis=0)


#: A star's sampling whose window function at 1 cycle a day is this high (1: every point at
#: one time of day) is observed from the ground, by night: a period seen through it has
#: aliases a day apart in frequency (space photometry's is near 0).
NIGHTLY_WINDOW = 0.5


def _at_daily_alias(cleaned: LightCurves, where: np.ndarray, known: np.ndarray, n: int,
                    period: np.ndarray, fap: np.ndarray, config: FlagConfig) -> np.ndarray:
    """Per star: a significant best period within :data:`ALIAS_WIDTH` of a solar or sidereal
    day (:func:`near_a_day`), seen through nightly sampling (:data:`NIGHTLY_WINDOW`). A slow
    drift, a period longer than the span, and a half-day pulsator seen by night all peak
    there: on asas_acvs, 121 of the 175 such stars are Miras, and on eros1 76 of 120 are RR
    Lyrae. Half a day is not flagged: a trend on ASAS's cadence can peak at 0.4994 d, but so
    do RR Lyrae and eclipsing binaries of that period, and the window function there (0.24-0.35
    on these surveys) does not tell them apart."""
    angle = 2.0 * np.pi * np.mod(cleaned.time, 1.0)
    star = np.repeat(where, cleaned.lengths)
    seen = np.repeat(known, cleaned.lengths) & np.isfinite(angle)
    count = np.bincount(star[seen], minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        window = np.hypot(np.bincount(star[seen], np.cos(angle[seen]), n),
                          np.bincount(star[seen], np.sin(angle[seen]), n)) / count
        return near_a_day(period, 1) & (fap <= config.max_fap) & (window >= NIGHTLY_WINDOW)


def _varies(beyond: np.ndarray, fap: np.ndarray | None, period: np.ndarray | None,
            max_period: np.ndarray | None, config: FlagConfig) -> np.ndarray:
    """Per star: varying, though its scatter is under --min-scatter (space photometry's mmag
    variables): beyond twice its errors, with a significant period seen :data:`MIN_CYCLES`
    times or more (its span, or the longest period searched) and not a day's alias. Unknown
    errors or periods: not shown to vary."""
    if fap is None or period is None or max_period is None:
        return np.zeros_like(beyond)
    period = np.asarray(period, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        daily = np.any([near_a_day(period, k) for k in (1, 2, 3)], axis=0)
        cycles = np.asarray(max_period, dtype=np.float64) / period
        return beyond & (np.asarray(fap) <= config.max_fap) & (cycles >= MIN_CYCLES) & ~daily


def trained_on_copies(metadata: Mapping[str, Any]) -> bool:
    """Whether a checkpoint's model learned from shortened copies (``--shortened-copies``)."""
    return bool(metadata.get("model", {}).get("shortened_copies"))


def further_flags(other_flags: Iterable[str]) -> Counter[str]:
    """Stars per flag of the ``other_flags`` column (:func:`other_flags`)."""
    return Counter(f for text in other_flags if text for f in text.split(";"))


def unlike_reasons(events: Mapping[str, int]) -> str:
    """Why stars are ``outside_training_range``, most stars first, from a drop report's
    :data:`UNLIKE_EVENT` counts: "no V errors: 240 stars, time span: 3 stars" ("" if none)."""
    why = sorted(((n, k.removeprefix(UNLIKE_EVENT)) for k, n in events.items()
                  if k.startswith(UNLIKE_EVENT) and n), key=lambda x: -x[0])
    return ", ".join(f"{reason_text(reason)}: {n:,} star{'s' * (n != 1)}" for n, reason in why)


def format_flags(counts: Counter[str], n_classified: int, copies: bool = False,
                 events: Mapping[str, int] | None = None,
                 further: Counter[str] | None = None) -> str | None:
    """A line on the flagged predictions, or None when there are none; ``copies``: the model
    was trained with shortened copies (``--shortened-copies``), so not told of them;
    ``events``: a drop report's, whose :data:`UNLIKE_EVENT` counts say why stars are
    outside the training range; ``further``: :func:`further_flags`, which the first flag
    hides (every star of a survey outside_training_range, some also at the search's limit)."""
    if not counts:
        return None
    further = further or Counter()
    why_unlike = unlike_reasons(events or {})
    detail = {"outside_training_range": f" [{why_unlike}]"} if why_unlike else {}
    parts = ", ".join(f"{counts[f]:,} {f}{detail.get(f, '')}" for f in FLAGS if counts[f])
    others = [f for f in FLAGS if counts[f] and f not in SIGNAL_FLAGS]
    what = "rest on too little signal" if not others else "are flagged"
    also = ", ".join(f"{further[f]:,} {f}" for f in FLAGS if further[f])
    others += [f for f in FLAGS if further[f] and f not in SIGNAL_FLAGS and f not in others]
    why = {"period_unlike_class": "; period_unlike_class: the best period lies far outside "
                                  "those of the training stars of the predicted class (below "
                                  f"1/{TRAINING_MARGIN:g} of their {LOW} percentile or above "
                                  f"{TRAINING_MARGIN:g}x their {HIGH}), most often a star of "
                                  "a class the model never learnt",
           "period_at_search_limit": "; period_at_search_limit: the best period is at the "
                                     "shortest searched (--min-period), where a shorter one "
                                     "may be the star's, or at the longest (the star's time "
                                     "span, or --max-period), a trend or a period too long "
                                     "to be seen to repeat",
           "period_under_two_cycles": "; period_under_two_cycles: the best period is over "
                                      "half the star's time span, seen for fewer than two "
                                      "cycles: a trend, or a long period not yet "
                                      "confirmed",
           "period_at_daily_alias": "; period_at_daily_alias: the best period is a day, "
                                    "where nightly sampling puts the alias of a slow drift, "
                                    "of a period longer than the span, or of a half-day "
                                    "pulsator: the star's own period is unknown",
           "outside_training_range": "; outside_training_range: a time span, number of "
                                     "points, median magnitude or median error unlike the "
                                     f"training stars' (below 1/{TRAINING_MARGIN:g} of their "
                                     f"{LOW} percentile or above {TRAINING_MARGIN:g}x their "
                                     f"{HIGH}; magnitudes {MAGNITUDE_MARGIN:.2f} mag beyond "
                                     f"their {PERCENTILES} range; errors a factor of "
                                     f"{10 ** ERROR_MARGIN:g} beyond that of training stars "
                                     f"as bright, or unknown where theirs were known), or a "
                                     f"band they (nearly) all had missing, "
                                     f"on which a model can be confidently wrong"
                                     + ("" if copies else " (for stars shorter or sparser "
                                        "than the training stars, train with "
                                        "--shortened-copies)")}
    return (f"{sum(counts.values()):,} of {n_classified:,} predictions {what} ({parts}): "
            f"probabilities kept, marked in the flag column"
            + (f" (also, in the other_flags column: {also})" if also else "")
            + "".join(why[f] for f in others))
