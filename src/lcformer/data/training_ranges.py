"""The training stars' ranges, kept in the checkpoint and met again at predict: a star
whose span, number of points, median magnitude or error, or bands lie well outside those of
the training stars is classified from per-star values that no training star had, and gets the
``outside_training_range`` flag (:mod:`lcformer.evaluation.flags`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

#: The share of training stars below (and above) the range a star's span and points are
#: compared with: 1% and 99%; a star is outside it below half the first or above twice the
#: second (so that the training stars' own kind is not flagged).
TRAINING_QUANTILES = (0.01, 0.99)
TRAINING_MARGIN = 2.0
#: A band's median magnitude is compared with the training stars' range widened by this on
#: each side: a factor of TRAINING_MARGIN in flux (0.75 mag).
MAGNITUDE_MARGIN = 2.5 * float(np.log10(TRAINING_MARGIN))
#: The per-star values (``views.PER_BAND_SCALARS``) compared so, one a band: ``<band>`` + this.
MAGNITUDE = "_median_mag"
#: A band's median error (log10 of mag, ``views.PER_BAND_SCALARS``) is compared with those
#: of the training stars of similar median magnitude: a survey as deep as the training one
#: but noisier gives values (amplitude over noise, chi2, period power) that no training star
#: had, which the magnitudes do not show. Errors grow with magnitude, so the comparison is
#: made at the star's magnitude. eros1's 729 test stars with noise and errors 2x (3x): 127
#: (624) flagged so, 3 (4) without the check; as they are, 3 against 2
#: (``benchmarks/noisier_survey.py``).
ERROR = "_log_median_err"
#: Bins of the training stars' median magnitude, each of equal numbers of stars and of
#: ERROR_BIN_STARS at least, whose errors' 1st-99th percentile range a star's is compared
#: with, widened by a factor of 1.5 on each side (a noise level that no training star of
#: that magnitude had).
ERROR_BINS = 8
ERROR_BIN_STARS = 25
ERROR_MARGIN = float(np.log10(1.5))
#: The per-band values kept per star: median magnitude and median error.
BAND_LEVELS = (MAGNITUDE, ERROR)
#: A band this share of the training stars had is one a star must have: without it, the
#: star's colour and that band's values are unknown where the trees learnt from them (eros1's
#: 729 test stars without R scored macro-F1 0.745, against 0.887 with both bands).
BAND_SHARE = 0.99


#: Training stars a class needs for its periods' range to be kept (:func:`class_periods`):
#: the 1st and 99th percentiles of fewer are its extremes, and one outlier would set them.
CLASS_PERIOD_STARS = 20


def ordinal(n: int) -> str:
    """1st, 2nd, 3rd, 4th, 11th, 99th."""
    ending = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{ending}"


#: The quantiles in words: "1st", "99th", "1st-99th percentile".
LOW, HIGH = (ordinal(round(100 * q)) for q in TRAINING_QUANTILES)
PERCENTILES = f"{LOW}-{HIGH} percentile"


def training_ranges(stars: pd.DataFrame) -> dict[str, list[float]]:
    """The training stars' span (days), cleaned points and median magnitude in each band
    (columns ``<band>_median_mag``, where ``stars`` has them), at :data:`TRAINING_QUANTILES`,
    kept in the checkpoint: a model's per-star values (span, points, period power, features
    such as trends, noise) shift with them, so a star far outside them is classified from
    values no training star had. A model trained on 3-year curves of simulated Rubin stars
    called 17% of 1-year curves of other stars of the same kinds wrongly, at median
    probabilities of 0.78-0.96; one trained on bright stars (r 17-21) was right on 64% of
    fainter ones (r 21-24) more than 0.75 mag beyond its range (913 of 1,200), and on 96%
    of the unflagged ones."""
    columns = ["span", "n_points", *(c for c in stars.columns if str(c).endswith(MAGNITUDE))]
    values = {column: stars[column].astype(np.float64).dropna() for column in columns}
    return {column: [float(v) for v in found.quantile(TRAINING_QUANTILES)]
            for column, found in values.items() if len(found)}


def error_ranges(stars: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per band (``<band>_log_median_err`` where ``stars`` has it and the band's median
    magnitude): the training stars' :data:`ERROR_BINS` bins of median magnitude (``edges``
    between them) and the :data:`TRAINING_QUANTILES` of log10 median error in each (``low``,
    ``high``), kept in the checkpoint; none for a band of too few stars with errors."""
    out = {}
    for column in (c for c in map(str, stars.columns) if c.endswith(ERROR)):
        magnitude = column.removesuffix(ERROR) + MAGNITUDE
        if magnitude not in stars:
            continue
        both = pd.DataFrame({"mag": stars[magnitude], "err": stars[column]},
                            dtype=np.float64).replace([np.inf, -np.inf], np.nan).dropna()
        n_bins = min(ERROR_BINS, len(both) // ERROR_BIN_STARS)
        if n_bins < 1:
            continue
        inner = both["mag"].quantile(np.linspace(0, 1, n_bins + 1)[1:-1]).to_numpy()
        # Ties (quantised magnitudes, or curves given about their median): fewer bins, none
        # empty, and any bin without stars takes its neighbour's range.
        edges = np.unique(inner[inner > both["mag"].min()])
        bins = both["err"].groupby(np.searchsorted(edges, both["mag"], side="right"))
        quantiles = (bins.quantile(TRAINING_QUANTILES).unstack()
                     .reindex(range(len(edges) + 1)).ffill().bfill())
        in_band = np.isfinite(stars[magnitude].to_numpy(dtype=np.float64))
        out[column] = {"edges": edges.tolist(),
                       "low": quantiles[TRAINING_QUANTILES[0]].tolist(),
                       "high": quantiles[TRAINING_QUANTILES[1]].tolist(),
                       # the share of the band's stars whose errors were known
                       "known": float(len(both) / max(int(in_band.sum()), 1))}
    return out


def class_periods(periods: np.ndarray, classes: np.ndarray) -> dict[str, list[float]]:
    """Per class of :data:`CLASS_PERIOD_STARS` training stars or more: its stars' best
    periods at :data:`TRAINING_QUANTILES`, kept in the checkpoint. A star predicted to be of a
    class whose period is far outside that class's range (:func:`period_unlike_class`) is most
    often of a class the model never learnt: a model trained on ASAS ACVS called 73 of 89
    Classical Cepheids of asas_richards2012 (3-48 d) RR Lyrae, 71 unflagged and 38 at 0.8 or
    more. Such a range flagged 157 of its 375 unflagged stars of unseen classes and none of
    its 355 right ones; of asas_acvs's own 2,793 test stars, 11 of those it got right, 5 of
    those it got wrong; of eros1's 729, 0 and 1."""
    frame = pd.DataFrame({"period": np.asarray(periods, dtype=np.float64),
                          "label": np.asarray(classes, dtype=object)}).dropna()
    counts = frame["label"].value_counts()
    kept = frame[frame["label"].isin(counts.index[counts >= CLASS_PERIOD_STARS])]
    quantiles = kept.groupby("label")["period"].quantile(TRAINING_QUANTILES).unstack()
    return {str(label): [float(v) for v in row] for label, row in quantiles.iterrows()}


def period_unlike_class(period: np.ndarray, predicted: np.ndarray,
                        periods: Mapping[str, list[float]]) -> np.ndarray:
    """Per star: its ``period`` lies below 1/:data:`TRAINING_MARGIN` of the 1st percentile, or
    above :data:`TRAINING_MARGIN` times the 99th, of the periods of the training stars of its
    ``predicted`` class (:func:`class_periods`); a class without them is not compared."""
    low = pd.Series({c: v[0] for c, v in periods.items()}, dtype=np.float64)
    high = pd.Series({c: v[1] for c, v in periods.items()}, dtype=np.float64)
    predicted = pd.Series(np.asarray(predicted, dtype=object))
    period = np.asarray(period, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        return ((period < predicted.map(low).to_numpy(dtype=np.float64) / TRAINING_MARGIN)
                | (period > predicted.map(high).to_numpy(dtype=np.float64) * TRAINING_MARGIN))


def unlike_training(stars: pd.DataFrame, ranges: Mapping[str, list[float]] | None,
                    errors: Mapping[str, Mapping[str, list[float]]] | None = None,
                    shares: Mapping[str, float] | None = None) -> dict[str, np.ndarray]:
    """Per reason, per row of ``stars`` (the stars predicted): whether it makes the star
    unlike the training stars. Reasons: ``span`` and ``points`` beyond :func:`training_ranges`
    by more than a factor of :data:`TRAINING_MARGIN`; ``magnitude_<band>``, the band's median
    magnitude by more than :data:`MAGNITUDE_MARGIN`; ``error_<band>``, its median error unlike
    that of training stars as bright (:func:`error_ranges`, by more than a factor of 1.5),
    or ``noerrors_<band>``, its errors unknown where :data:`BAND_SHARE` of the training
    stars' were known;
    ``without_<band>``, a band that at least :data:`BAND_SHARE` of the training stars had
    missing. A band a star lacks is not compared otherwise, nor are values a checkpoint
    lacks (an earlier one's)."""
    out: dict[str, np.ndarray] = {}
    for column, (low, high) in (ranges or {}).items():
        if column not in stars:
            continue
        values = stars[column].to_numpy(dtype=np.float64)
        if column.endswith(MAGNITUDE):
            out[f"magnitude_{column.removesuffix(MAGNITUDE)}"] = (
                (values < low - MAGNITUDE_MARGIN) | (values > high + MAGNITUDE_MARGIN))
        else:
            out["points" if column == "n_points" else column] = (
                (values < low / TRAINING_MARGIN) | (values > high * TRAINING_MARGIN))
    for column, found in (errors or {}).items():
        magnitude = column.removesuffix(ERROR) + MAGNITUDE
        if (column not in stars or magnitude not in stars
                or len(found["low"]) != len(found["edges"]) + 1):  # (not a bin each)
            continue
        mag = stars[magnitude].to_numpy(dtype=np.float64)
        err = stars[column].to_numpy(dtype=np.float64)
        at = np.searchsorted(found["edges"], np.nan_to_num(mag), side="right")
        low, high = np.asarray(found["low"])[at], np.asarray(found["high"])[at]
        out[f"error_{column.removesuffix(ERROR)}"] = np.isfinite(mag) & (
            (err < low - ERROR_MARGIN) | (err > high + ERROR_MARGIN))
        if found.get("known", 0.0) >= BAND_SHARE:  # (nearly) every training star's known
            # a table without its err column can move probabilities by up to 0.13; not
            # flagged where training stars without errors are common
            out[f"noerrors_{column.removesuffix(ERROR)}"] = np.isfinite(mag) & ~np.isfinite(err)
    for column, share in (shares or {}).items():
        if share >= BAND_SHARE and column in stars:  # (no per-star values: not compared)
            out[f"without_{column.removesuffix(MAGNITUDE)}"] = stars[column].isna().to_numpy()
    return out


def any_reason(reasons: dict[str, np.ndarray], n: int, prefix: str = "") -> np.ndarray:
    """Per star of ``n``: any of ``reasons`` of :func:`unlike_training` (those whose name
    starts with ``prefix``)."""
    found = [rows for name, rows in reasons.items() if name.startswith(prefix)]
    return np.logical_or.reduce(found) if found else np.zeros(n, dtype=bool)


def band_shares(levels: pd.DataFrame) -> dict[str, float]:
    """Per band (``<band>_median_mag`` of :func:`band_levels`, one row a training star): the
    share of the training stars that have it, kept in the checkpoint."""
    return {str(c): float(levels[c].notna().mean()) for c in levels.columns
            if str(c).endswith(MAGNITUDE) and len(levels)}


def reason_text(reason: str) -> str:
    """A reason of :func:`unlike_training` in words: "time span", "no u band"."""
    kind, _, band = reason.partition("_")
    named = "" if band == "band" else f"{band} "  # (curves without a band: "band_median_mag")
    words = {"span": "time span", "points": "number of points",
             "magnitude": f"{named}median magnitude", "error": f"{named}median error",
             "without": f"no {named}band", "noerrors": f"no {named}errors"}
    return words.get(kind, reason)


def stored_ranges(ranges: dict[str, list[float]],
                  errors: dict[str, dict[str, list[float]]] | None = None,
                  shares: dict[str, float] | None = None,
                  periods: dict[str, list[float]] | None = None) -> dict[str, Any]:
    """:func:`training_ranges` (and :func:`error_ranges`, :func:`band_shares`,
    :func:`class_periods`) as a checkpoint keeps them: the magnitudes, errors, bands and
    classes' periods under keys of their own, which lcformer 0.3.0 (whose flag read every key
    of ``training_stars`` as a column of the period search) ignores."""
    magnitudes = {k: v for k, v in ranges.items() if k.endswith(MAGNITUDE)}
    stored: dict[str, Any] = {"training_stars": {k: v for k, v in ranges.items()
                                                 if k not in magnitudes}}
    return (stored | ({"training_magnitudes": magnitudes} if magnitudes else {})
            | ({"training_errors": errors} if errors else {})
            | ({"training_bands": shares} if shares else {})
            | ({"training_class_periods": periods} if periods else {}))


def ranges_of(metadata: Mapping[str, Any]) -> dict[str, list[float]]:
    """A checkpoint's training ranges (:func:`stored_ranges`), as one dict; empty for a
    checkpoint from before they were kept."""
    return {**(metadata.get("training_stars") or {}),
            **(metadata.get("training_magnitudes") or {})}


def errors_of(metadata: Mapping[str, Any]) -> dict[str, dict[str, list[float]]]:
    """A checkpoint's :func:`error_ranges`; empty for one from before they were kept."""
    return dict(metadata.get("training_errors") or {})


def shares_of(metadata: Mapping[str, Any]) -> dict[str, float]:
    """A checkpoint's :func:`band_shares`; empty for one from before they were kept."""
    return dict(metadata.get("training_bands") or {})


def class_periods_of(metadata: Mapping[str, Any]) -> dict[str, list[float]]:
    """A checkpoint's :func:`class_periods`; empty for one from before they were kept."""
    return dict(metadata.get("training_class_periods") or {})


def _from_to(low: float, high: float) -> str:
    """A range of magnitudes, "8.55-14.04"; "-7.39 to -2.25" where a minus sign (MACHO's
    instrumental magnitudes) would run into the dash."""
    return f"{low:.2f}-{high:.2f}" if low >= 0 and high >= 0 else f"{low:.2f} to {high:.2f}"


def ranges_text(ranges: Mapping[str, list[float]], bands: Sequence[str] = (),
                errors: Mapping[str, Mapping[str, list[float]]] | None = None,
                shares: Mapping[str, float] | None = None) -> str:
    """The training stars' :func:`training_ranges` in words, for ``lcformer info``."""
    parts = []
    if "span" in ranges:
        parts.append(f"span {ranges['span'][0]:,.4g}-{ranges['span'][1]:,.4g} d")
    if "n_points" in ranges:
        parts.append(f"{ranges['n_points'][0]:,.0f}-{ranges['n_points'][1]:,.0f} points")
    magnitudes = [(c.removesuffix(MAGNITUDE), v) for c, v in ranges.items()
                  if c.endswith(MAGNITUDE)]
    unnamed = list(bands) == [""]  # its values are named "band_..." (scalar_names)
    if magnitudes:
        parts.append("median magnitude " + ", ".join(
            ("" if unnamed else f"{band} ") + _from_to(low, high)
            for band, (low, high) in magnitudes))
    if errors:
        parts.append("median error (by magnitude) " + ", ".join(
            f"{10 ** min(v['low']):.3g}-{10 ** max(v['high']):.3g} mag" if unnamed else
            f"{c.removesuffix(ERROR)} {10 ** min(v['low']):.3g}-{10 ** max(v['high']):.3g} mag"
            for c, v in errors.items()))
    needed = [c.removesuffix(MAGNITUDE) for c, share in (shares or {}).items()
              if share >= BAND_SHARE]
    if needed and not unnamed:
        parts.append(f"bands {', '.join(needed)} ({BAND_SHARE:.0%} of them or more had each: "
                     f"a star without one is flagged)")
    return (f"training stars' range ({PERCENTILES}): {'; '.join(parts)}; stars well "
            f"outside it are flagged outside_training_range")


def band_levels(extra: np.ndarray | None, names: Sequence[str],
                sample_star: np.ndarray) -> pd.DataFrame:
    """Per star of ``sample_star`` (rows in order of star code): its median magnitude and
    log10 median error in each band (``<band>_median_mag``, ``<band>_log_median_err``), from
    the per-star values ``extra`` of its samples (a star's samples share them); no columns
    without them."""
    stars, first = np.unique(sample_star, return_index=True)
    columns = [i for i, name in enumerate(names) if name.endswith(BAND_LEVELS)]
    if extra is None or not columns:
        return pd.DataFrame(index=stars)
    return pd.DataFrame(np.asarray(extra)[first][:, columns].astype(np.float64),
                        columns=[names[i] for i in columns], index=stars)
