"""Per-star light-curve features of the ``light-curve`` package: the feature baseline's input,
and an input of the periodic model (without the periodogram's peaks, nearly all of the cost:
the model's own period search gives them).

Features are computed on the *cleaned* curves (the caller cleans them with the dataset's
cleaning config, as ``prepare`` does). Choices, all counted in the returned report:

- **Too few points**: a curve with fewer than ``min_points`` (5) points gets NaN for every
  feature (``feature_curves_too_few_points``); so does a curve on which ``light-curve`` fails
  (``feature_curves_failed``). A feature that cannot be computed on a curve (kurtosis of a
  constant curve, ...) is NaN too (``feature_values_nan``); infinite values become NaN
  (``feature_values_infinite``).
- **Errors**: the error-weighted features (``linear_fit_*``, ``chi2``, ``stetson_K``,
  ``weighted_mean``) use the magnitude errors. Cleaning keeps only positive finite errors or
  NaN ("unknown"). A curve whose errors are all known uses them; a curve with some unknown
  errors gets the median of its known ones there (``feature_points_err_filled``); a curve with
  no known error is evaluated with a constant error of 1 and its error-weighted features are
  then set to NaN (``feature_curves_without_errors``): they would not mean the same thing.
- **Missing band**: a star without a curve in some band has NaN for all of that band's
  features. For the classifiers, every NaN is replaced by the median of the training stars
  (a column that is NaN for every training star is dropped).
- **Periodogram grid**: light-curve's default grid stops at the "average Nyquist" frequency,
  ``N / 2T``; for survey cadences (EROS-1: ~120 points over ~900 days) that is a period of
  ~15 days, far above RR Lyrae or contact binaries. Irregular sampling recovers much higher
  frequencies, so the grid is explicit: angular frequencies ``linspace(0, 2 pi / min_period,
  2**k + 1)`` (the fast FFT periodogram needs this form) down to periods of ``min_period``
  (0.05 day), with ``k`` chosen so that the step is at most a third of the peak width
  ``1 / T`` of the longest curve (at most ``2**20`` frequencies).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError

MIN_POINTS = 5
# days: the shortest period of the features' periodogram (light-curve's). Not --min-period,
# the period search's (PeriodConfig): models of samples version 3 got their features at
# this value whatever --min-period said, and new stars must too (samples._star_chunk).
MIN_PERIOD = 0.05
OVERSAMPLING = 3.0  # frequency steps per periodogram peak width 1/T
MAX_LOG2_FREQS = 20
DEFAULT_SPAN = 3000.0  # days, when the extractor is built without data
# Feature names (light-curve's) that are computed with the magnitude errors.
ERROR_FEATURES = ("linear_fit_slope", "linear_fit_slope_sigma", "linear_fit_reduced_chi2",
                  "chi2", "stetson_K", "weighted_mean")
# Keeps float32 conversion inside scikit-learn's trees finite.
CLIP = 1e30


def angular_frequency_grid(longest_span: float = DEFAULT_SPAN,
                           min_period: float = MIN_PERIOD,
                           oversampling: float = OVERSAMPLING) -> np.ndarray:
    """Angular frequencies ``linspace(0, 2 pi / min_period, 2**k + 1)``, fine enough for a
    curve spanning ``longest_span`` days (see the module docstring): light-curve's grid, not
    the period search's (:func:`lcformer.data.periods.frequency_grid`, in cycles a day)."""
    needed = oversampling * max(float(longest_span), 1.0) / min_period
    k = min(MAX_LOG2_FREQS, max(10, math.ceil(math.log2(needed))))
    return np.linspace(0.0, 2.0 * np.pi / min_period, 2**k + 1)


def feature_extractor(longest_span: float = DEFAULT_SPAN, min_period: float = MIN_PERIOD,
                      oversampling: float = OVERSAMPLING, periodogram: bool = True):
    """The standard feature set as one (Rust) ``light_curve`` extractor; names in ``.names``.

    ``periodogram=False`` leaves out the periodogram's peaks, nearly all of the cost: the
    periodic model has its own period search (:mod:`lcformer.data.periods`), whose peaks are
    among its scalars.
    """
    try:
        import light_curve as lc
    except ModuleNotFoundError as exc:  # pragma: no cover - depends on the environment
        # (Only where it is missing: an import that failed for want of memory is not.)
        raise ConfigError("lcformer needs the light-curve package, one of its dependencies: "
                          "pip install light-curve (or reinstall lcformer)") from exc
    period_peaks = [lc.Periodogram(
        peaks=2, freqs=angular_frequency_grid(longest_span, min_period, oversampling),
        fast=True)] if periodogram else []
    return lc.Extractor(
        lc.Amplitude(),
        lc.BeyondNStd(1.0),
        lc.Cusum(),
        lc.Eta(),
        lc.EtaE(),
        lc.InterPercentileRange(0.1),
        lc.InterPercentileRange(0.25),
        lc.Kurtosis(),
        lc.LinearFit(),
        lc.LinearTrend(),
        lc.MagnitudePercentageRatio(),
        lc.MaximumSlope(),
        lc.Mean(),
        lc.Median(),
        lc.MedianAbsoluteDeviation(),
        lc.MedianBufferRangePercentage(),
        lc.PercentAmplitude(),
        lc.PercentDifferenceMagnitudePercentile(),
        # Period and signal-to-noise of the two highest peaks.
        *period_peaks,
        lc.ReducedChi2(),
        lc.Skew(),
        lc.StandardDeviation(),
        lc.StetsonK(),
        lc.WeightedMean(),
        lc.AndersonDarlingNormal(),
        lc.OtsuSplit(),
    )


def _is_fatal(exc: BaseException) -> bool:
    # light-curve reports Rust panics as pyo3's PanicException, a BaseException.
    return isinstance(exc, KeyboardInterrupt | SystemExit | GeneratorExit | MemoryError)


def grid_span(lcs: LightCurves) -> float:
    """Days from first to last point of the longest curve (1 at least): what the periodogram
    grid is made for (the cleaned curves are sorted by time)."""
    nonempty = lcs.lengths > 0
    first, last = lcs.offsets[:-1][nonempty], lcs.offsets[1:][nonempty] - 1
    spans = lcs.time[last] - lcs.time[first] if nonempty.any() else np.zeros(1)
    return float(np.max(spans, initial=1.0))


def curve_features(lcs: LightCurves, report: DropReport | None = None, *,
                   min_points: int = MIN_POINTS, min_period: float = MIN_PERIOD,
                   n_jobs: int = 1, span: float | None = None, periodogram: bool = True
                   ) -> tuple[np.ndarray, list[str]]:
    """(n_curves, n_features) feature values of every curve (NaN where not computable).

    ``span``: the periodogram grid's (:func:`grid_span`), when ``lcs`` is part of a dataset
    whose curves must all get the same grid (default: that of ``lcs``). ``periodogram``: see
    :func:`feature_extractor`."""
    report = report if report is not None else DropReport()
    lengths = lcs.lengths
    extractor = feature_extractor(grid_span(lcs) if span is None else span, min_period,
                                  periodogram=periodogram)
    names = list(extractor.names)
    values = np.full((lcs.n_curves, len(names)), np.nan)

    usable = lengths >= min_points
    report.note("feature_curves_too_few_points", int(np.count_nonzero(~usable)))
    known = np.isfinite(lcs.err) & (lcs.err > 0)
    n_known = np.bincount(lcs.curve_index[known], minlength=lcs.n_curves)
    no_errors = usable & (n_known == 0)
    report.note("feature_curves_without_errors", int(np.count_nonzero(no_errors)))

    rows = np.flatnonzero(usable)
    # Large Julian dates cost periodogram precision; shifts change nothing.
    time = lcs.time - np.repeat(lcs.time[lcs.offsets[:-1][lengths > 0]], lengths[lengths > 0])
    err = np.where(no_errors[lcs.curve_index], 1.0, lcs.err)
    # A curve with a few bad errors: those get the median of its good ones.
    fill = (usable & (n_known > 0) & (n_known < lengths))[lcs.curve_index] & ~known
    if fill.any():
        medians = pd.Series(err[known]).groupby(lcs.curve_index[known]).median()
        err[fill] = medians.reindex(lcs.curve_index[fill]).to_numpy()
        report.note("feature_points_err_filled", int(np.count_nonzero(fill)))
    curves = [(time[a:b], lcs.mag[a:b], err[a:b])
              for a, b in zip(lcs.offsets[rows].tolist(), lcs.offsets[rows + 1].tolist(),
                              strict=True)]
    if curves:
        try:
            block = extractor.many(curves, fill_value=np.nan, sorted=True, n_jobs=n_jobs)
        except BaseException as exc:  # one bad curve fails the batch: redo them one by one
            if _is_fatal(exc):
                raise
            block = np.vstack([_one_curve(extractor, c, len(names), report) for c in curves])
        values[rows] = block

    # Counted before the error features of curves without errors are blanked on purpose
    # (those are feature_curves_without_errors), and apart from the infinite ones.
    report.note("feature_values_nan", int(np.count_nonzero(np.isnan(values[usable]))))
    error_columns = [i for i, n in enumerate(names) if n in ERROR_FEATURES]
    values[np.ix_(np.flatnonzero(no_errors), error_columns)] = np.nan
    infinite = np.isinf(values)
    report.note("feature_values_infinite", int(np.count_nonzero(infinite)))
    values[infinite] = np.nan
    return values, names


def _one_curve(extractor, curve: tuple[np.ndarray, ...], n_features: int,
               report: DropReport) -> np.ndarray:
    try:
        return np.asarray(extractor(*curve, fill_value=np.nan, sorted=True), dtype=np.float64)
    except BaseException as exc:
        if _is_fatal(exc):
            raise
        report.note("feature_curves_failed")
        return np.full(n_features, np.nan)


def star_features(lcs: LightCurves, report: DropReport | None = None, *,
                  min_points: int = MIN_POINTS, min_period: float = MIN_PERIOD,
                  n_jobs: int = 1, bands: list[str] | None = None,
                  span: float | None = None, periodogram: bool = True) -> pd.DataFrame:
    """One row per star (index: star id, in order of first appearance), columns
    ``<band>_<feature>`` for every band of ``lcs`` (just ``<feature>`` for an unnamed band).

    A star without a curve in a band has NaN in that band's columns. Give the *cleaned* curves
    (sorted by time, no repeated times). If a star has two curves in one band, the longer is
    used. What could not be computed is counted in ``report`` (see the module docstring).

    A part of a dataset (a chunk of its stars) gives the rows of the whole with ``bands`` (the
    dataset's bands, in its order) and ``span`` (see :func:`curve_features`).
    """
    report = report if report is not None else DropReport()
    values, names = curve_features(lcs, report, min_points=min_points, min_period=min_period,
                                   n_jobs=n_jobs, span=span, periodogram=periodogram)
    ids = np.asarray(lcs.ids, dtype=str)
    curve_bands = np.asarray(lcs.bands, dtype=str)
    star_order = pd.unique(ids)
    band_names = sorted(set(curve_bands.tolist())) if bands is None else list(bands)

    table = pd.DataFrame(values, columns=names)
    table["_id"], table["_band"], table["_n"] = ids, curve_bands, lcs.lengths
    table = table.sort_values("_n", ascending=False, kind="stable")
    duplicated = table.duplicated(["_id", "_band"])
    report.note("feature_duplicate_band_curves", int(duplicated.sum()))
    table = table[~duplicated]
    report.note("feature_star_bands_missing",  # (curves in other bands are not columns)
                len(star_order) * len(band_names) - int(table["_band"].isin(band_names).sum()))

    parts = []
    for band in band_names:
        part = table[table["_band"] == band].set_index("_id")[names]
        part.columns = [f"{band}_{n}" if band else n for n in names]
        parts.append(part.reindex(star_order))
    if not parts:
        return pd.DataFrame(index=pd.Index([], name="id"))
    out = pd.concat(parts, axis=1)
    out.index.name = "id"
    return out
