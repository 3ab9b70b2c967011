"""Cleaning: remove points no model should see, and count every one by reason.

The research system only dropped repeated times (keeping the first) and sorted by time. Real
survey files also carry "no data" sentinel magnitudes (MACHO's -99, EROS-1's 25.0), non-finite
values and impossible errors, so those go too. Nothing is removed without being counted.

Point reasons: ``non_finite``, ``sentinel_mag``, ``sentinel_time`` (a time that is a "no
data" code, :data:`TIME_SENTINELS`), ``negative_flux_mag`` (a magnitude below
``NEGATIVE_FLUX_MAG`` in a curve that also holds ones above its opposite), ``bad_err`` (error
<= 0), ``large_err``
(error above ``max_err``), ``duplicate_time`` (a repeat of an earlier point's time and
magnitude) and ``duplicate_time_other_mag`` (its time, another magnitude: merged sources or
bad rows, worth a look). Curve reasons: ``empty_curve`` (no points read, or every row
dropped by the survey's flag column as it was read), ``too_few_points`` (fewer than
``min_points`` left by cleaning: a curve of sentinels alone is one). A NaN error means
"unknown" (a file without an error column) and is kept; an infinite one is ``non_finite``.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lcformer.config import Config, setting
from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, LcformerWarning

#: Longest span of a star (days): 274 years, more than any photometric archive holds. A star
#: that spans more mixes time systems (JD and MJD, or HJD - 2450000): no period is searched.
MAX_SPAN_DAYS = 1e5
#: Below -10 mag, in a curve that also holds magnitudes above +10, a point is a negative
#: flux's magnitude written with its sign (ATLAS forced photometry, where the noise of a
#: faint source is near +-19 mag): no magnitude system spans both. MACHO's instrumental
#: magnitudes (all below +1) and differential ones (a Mira's -5 to +7) are kept.
NEGATIVE_FLUX_MAG = -10.0
#: Magnitudes of exactly 0 in a curve whose other magnitudes all lie more than this from 0
#: (and are most of it) look like empty cells that a spreadsheet or an export wrote as 0:
#: in one class exercise, 270 such points among 27,119, read as real, made 104 of 160 stars'
#: periods too weak to trust. Said and counted (``zero_mags_far_from_their_curve``), not
#: dropped: a nova's visual estimates pass through 0.0, and --sentinel-values 0
#: drops them where they are empty cells.
ZERO_MAG_GAP = 1.0
ZERO_MAGS = "zero_mags_far_from_their_curve"
#: Times that are "no data" codes, as tables of several bands write them for a band not
#: observed in a row (SDSS Stripe 82's mjd_r = -99.99: read as times, a span of 147
#: years). Compared in single precision, and only more than SENTINEL_TIME_GAP days outside
#: the range of the curve's other times: relative times on a grid of whole days (-120 to
#: 100, or from -99) keep -99, and HJD - 2450000 from 2000 (OGLE, ASAS) loses -99.99.
TIME_SENTINELS = (-99.0, -99.9, -99.99, -999.0, -999.9, -999.99, -9999.0, -99999.0)
SENTINEL_TIME_GAP = 100.0


@dataclass(frozen=True)
class CleaningConfig(Config):
    sentinel_abs_mag: float = setting(
        90.0, "|mag| at or above this is a survey's 'no measurement' code (-99, 99.999)")
    sentinel_values: tuple[float, ...] = setting(
        (), "magnitudes a survey uses as 'no measurement' (EROS-1: 25.0), compared in "
            "single precision",
        metavar="M1,M2")
    max_err: float | None = setting(
        1.0, "drop points with errors above this (mag): signal-to-noise below about one "
             "(--flux's asinh magnitudes keep errors near 0.5 mag at zero flux: kept, but "
             "for a point whose flux error is over about twice its curve's median)")
    min_points: int = setting(2, "drop curves with fewer points (one (dt, dm) pair needs 2)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.min_points < 1:  # an empty curve has no magnitude, period or view
            raise ConfigError(f"min_points must be at least 1, got {self.min_points}")


def clean(lcs: LightCurves, config: CleaningConfig | None = None,
          report: DropReport | None = None) -> tuple[LightCurves, DropReport]:
    """Return the cleaned curves (sorted by time, no repeated times) and what was removed.

    Clean survey files usually lose nothing and arrive sorted; every step then returns its
    input unchanged instead of copying it (``keep_points`` and ``select`` return the same
    object when everything is kept), so cleaning costs little more than its checks.
    """
    config = config or CleaningConfig()
    report = report if report is not None else DropReport()

    empty = lcs.lengths == 0
    report.drop_curves("empty_curve", np.count_nonzero(empty))

    keep = _drop_bad_values(lcs, config, report)
    lcs = lcs.keep_points(keep)

    order, duplicate, resorted = _time_order(lcs)
    report.note("curves_resorted", np.count_nonzero(resorted))
    if order is not None:  # some curve was out of time order
        lcs = LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time[order], lcs.mag[order],
                          lcs.err[order], lcs.labels, lcs.splits)
        duplicate = duplicate[order]
    if duplicate.any():  # a repeat that disagrees is a sign of merged sources or bad rows
        first = np.maximum.accumulate(np.where(duplicate, 0, np.arange(lcs.n_points)))
        other = duplicate & (lcs.mag != lcs.mag[first])
        report.drop_points("duplicate_time", np.count_nonzero(duplicate & ~other))
        report.drop_points("duplicate_time_other_mag", np.count_nonzero(other))
        _warn_of_rounded_times(lcs.time, duplicate)
    lcs = lcs.keep_points(~duplicate)

    too_short = (lcs.lengths < config.min_points) & ~empty
    report.drop_curves("too_few_points", np.count_nonzero(too_short))
    lcs = lcs.select(~too_short & ~empty)
    report.note("points_with_unknown_err", np.count_nonzero(np.isnan(lcs.err)))  # kept ones
    _warn_of_mixed_times(lcs, report)
    return lcs, report


#: Counted by cleaning: stars whose times span more than MAX_SPAN_DAYS (prepare refuses a
#: dataset of nothing else: times in seconds read as days, say).
TOO_LONG = "stars_spanning_more_than_max_days"
#: A star whose bands' times lie this far apart (days, 82 years), none of them observed in
#: between, has its bands' times in two systems: HJD - 2450000 beside HJD - 2400000 or MJD
#: (50,000 days apart: OGLE I and V can be), which MAX_SPAN_DAYS does not catch. Counted so.
BANDS_APART_DAYS = 3e4
BANDS_APART = "stars_whose_bands_lie_far_apart_in_time"


def _warn_of_mixed_times(lcs: LightCurves, report: DropReport) -> None:
    """Stars whose bands were observed more than :data:`BANDS_APART_DAYS` apart with none
    between (counted as :data:`BANDS_APART`), and stars whose times span more than
    ``MAX_SPAN_DAYS`` (:data:`TOO_LONG`; not also the first): one band in HJD - 2450000
    beside another in HJD - 2400000 or JD would otherwise come out only as a star without a
    period, or unlike the training stars."""
    if not lcs.n_points or np.ptp(lcs.time) <= BANDS_APART_DAYS:  # no star can (most often)
        return
    curves = pd.DataFrame({"star": lcs.ids, "band": lcs.bands,
                           "first": lcs.time[lcs.offsets[:-1]],  # sorted, none empty
                           "last": lcs.time[lcs.offsets[1:] - 1]})
    ordered = curves.sort_values(["star", "first"], kind="stable")
    stars = ordered.groupby("star", sort=False)
    span = (stars["last"].transform("max") - stars["first"].transform("min")).loc[curves.index]
    gap = ordered["first"] - stars["last"].cummax().groupby(ordered["star"], sort=False).shift()
    apart = ordered["star"][(gap > BANDS_APART_DAYS) & (span.loc[ordered.index]
                                                         <= MAX_SPAN_DAYS)].unique()
    _say(report, curves, BANDS_APART, apart,
         f"have bands observed more than {BANDS_APART_DAYS:,.0f} days apart with none between, "
         f"as times in two systems would (HJD - 2450000 beside HJD - 2400000 or MJD): give "
         f"each band's times in one system")
    _say(report, curves, TOO_LONG, curves["star"][(span > MAX_SPAN_DAYS).to_numpy()].unique(),
         f"span more than {MAX_SPAN_DAYS:,.0f} days, as times in two systems would (JD beside "
         f"MJD or HJD - 2450000), or times in seconds read as days, or numbers that are no times "
         f"(Rubin's visit ids: join the Visit table's times): give their times in days, in one "
         f"system (no period is searched over such a span)")


#: Where this share of the points, at least, repeat a time and every time is a whole number
#: of ROUNDED_ABOVE or more (a Julian date's size, median), the times were cut to whole days
#: or coarser: warned of. A spreadsheet that saved 2451870.41 as 2.45187E+06 (6 digits) made
#: 68% of one user's points repeats. (Day counts from 0 are left alone: tests' times.)
ROUNDED_SHARE, ROUNDED_ABOVE = 0.1, 1e5


def _warn_of_rounded_times(time: np.ndarray, duplicate: np.ndarray) -> None:
    """Warn where repeated times are common and every time is whole: they were rounded, and
    cleaning keeps one point of each repeat (counted as duplicate_time*)."""
    n_repeats = np.count_nonzero(duplicate)
    finite = time[np.isfinite(time)]
    if (n_repeats < ROUNDED_SHARE * len(time) or np.median(np.abs(finite)) < ROUNDED_ABOVE
            or not np.array_equal(finite, np.round(finite))):
        return
    warnings.warn(f"{n_repeats:,} of {len(time):,} points repeat another point's time and are "
                  f"dropped, and every time is a whole number ({finite[0]:.0f}, ...): the times "
                  f"look rounded (a spreadsheet saves 2451870.41 as 2.45187E+06); give them "
                  f"with their decimals", LcformerWarning, stacklevel=3)


def _say(report: DropReport, curves: pd.DataFrame, event: str, stars: np.ndarray,
         what: str) -> None:
    """Count ``stars`` as ``event`` and warn, naming the first with its bands' times."""
    report.note(event, len(stars))
    if len(stars):
        warnings.warn(f"{len(stars):,} star(s) {what}; the first, {stars[0]}, has "
                      f"{_band_times(curves, stars[0])}", LcformerWarning, stacklevel=4)


def _band_times(curves: pd.DataFrame, star: str) -> str:
    """A star's bands' first and last times, "I: 5000.0-5009.0, V: 55000.0-55009.0"."""
    rows = curves[curves["star"] == star][["band", "first", "last"]]
    return ", ".join(f"{band or 'no band'}: {a:.1f}-{b:.1f}"
                     for band, a, b in rows.itertuples(index=False))


def _drop_bad_values(lcs: LightCurves, config: CleaningConfig,
                     report: DropReport) -> np.ndarray:
    """Boolean mask of points to keep; each point is counted under its first failing rule."""
    finite = np.isfinite(lcs.time) & np.isfinite(lcs.mag) & ~np.isinf(lcs.err)
    # Compared in single precision: a float32 column's 29.99 is 29.989999771118164 as a
    # double, and would never equal the 29.99 a user gives.
    sentinel = finite & (np.abs(lcs.mag) >= config.sentinel_abs_mag)
    if config.sentinel_values:
        given = np.asarray(config.sentinel_values, dtype=np.float32)
        sentinel |= finite & np.isin(lcs.mag.astype(np.float32), given)
    ok = finite & ~sentinel
    no_time = ok & np.isin(lcs.time.astype(np.float32), np.float32(TIME_SENTINELS))
    if no_time.any():  # rare: only then the per-curve range of the other times
        no_time &= _outside_the_others(lcs, ok & ~no_time)
    ok &= ~no_time
    negative_flux = ok & (lcs.mag < NEGATIVE_FLUX_MAG)
    if negative_flux.any():  # rare: only then the per-curve count
        negative_flux &= _reaches(lcs, ok, -NEGATIVE_FLUX_MAG)
    ok &= ~negative_flux
    with np.errstate(invalid="ignore"):
        bad_err = ok & (lcs.err <= 0)
        ok &= ~bad_err
        large_err = ok & (lcs.err > config.max_err) if config.max_err is not None else ok & False
    report.drop_points("non_finite", np.count_nonzero(~finite))
    report.drop_points("sentinel_mag", np.count_nonzero(sentinel))
    report.drop_points("sentinel_time", np.count_nonzero(no_time))
    n_negative_flux = np.count_nonzero(negative_flux)
    report.drop_points("negative_flux_mag", n_negative_flux)
    if n_negative_flux:
        warnings.warn(f"magnitudes below {NEGATIVE_FLUX_MAG:g} in curves that also hold "
                      f"ones above {-NEGATIVE_FLUX_MAG:g} were dropped "
                      f"({n_negative_flux:,}, negative_flux_mag): "
                      f"negative fluxes' magnitudes with a sign, as ATLAS writes them; read "
                      f"the flux columns to keep those points (ATLAS: --columns "
                      f"mag=uJy,err=duJy --flux --zero-point 23.9)", LcformerWarning, stacklevel=3)
    report.drop_points("bad_err", np.count_nonzero(bad_err))
    # Not beside a magnitude of 0 (an empty row read as zeros, no measurement); no count in
    # the text, as the report counts them and a partitioned run's partitions then say it once.
    if bad_err.any() and np.any(bad_err & (lcs.err == 0) & (lcs.mag != 0)):
        warnings.warn("points with an error of exactly 0 were dropped (bad_err, counted): "
                      "where 0 means that no error was given (AAVSO's Uncertainty of 0.000), "
                      "leave those errors empty, which reads as unknown and keeps the points",
                      LcformerWarning, stacklevel=3)
    report.drop_points("large_err", np.count_nonzero(large_err))
    ok &= ~large_err
    zero = ok & (lcs.mag == 0)
    if zero.any():  # rare: only then the per-curve counts
        _say_of_zeros(lcs, zero, ok & ~zero, report)
    return ok


def _outside_the_others(lcs: LightCurves, others: np.ndarray) -> np.ndarray:
    """Per point, whether its time lies more than :data:`SENTINEL_TIME_GAP` days outside
    the range of its curve's ``others`` points' times (a curve without any: every point
    does, as the range is empty)."""
    curve = lcs.curve_index
    low = np.full(lcs.n_curves, np.inf)
    high = np.full(lcs.n_curves, -np.inf)
    np.minimum.at(low, curve[others], lcs.time[others])
    np.maximum.at(high, curve[others], lcs.time[others])
    return ((lcs.time < (low - SENTINEL_TIME_GAP)[curve])
            | (lcs.time > (high + SENTINEL_TIME_GAP)[curve]) | ~np.isfinite(low)[curve])


def _say_of_zeros(lcs: LightCurves, zero: np.ndarray, others: np.ndarray,
                  report: DropReport) -> None:
    """Count and say the ``zero`` magnitudes of curves whose ``others`` (kept, not 0) are most
    of the curve and all lie more than :data:`ZERO_MAG_GAP` from 0 (:data:`ZERO_MAGS`)."""
    curve, n = lcs.curve_index, lcs.n_curves
    zeros = np.bincount(curve[zero], minlength=n)
    rest = np.bincount(curve[others], minlength=n)
    near = np.bincount(curve[others & (np.abs(lcs.mag) <= ZERO_MAG_GAP)], minlength=n)
    alone = (near == 0) & (rest > zeros)
    count = int(zeros[alone].sum())
    report.note(ZERO_MAGS, count)
    if count:
        warnings.warn(f"{count:,} magnitude(s) of exactly 0 in curves whose other magnitudes "
                      f"all lie more than {ZERO_MAG_GAP:g} mag from 0 are read as points: if "
                      f"they are empty cells written as 0, train (or prepare) with "
                      f"--sentinel-values 0, which the run's predictions keep (counted as "
                      f"{ZERO_MAGS})", LcformerWarning, stacklevel=4)


def _reaches(lcs: LightCurves, ok: np.ndarray, mag: float) -> np.ndarray:
    """Per point, whether its curve has an ``ok`` magnitude above ``mag``."""
    curve = lcs.curve_index
    return (np.bincount(curve[ok], weights=lcs.mag[ok] > mag, minlength=lcs.n_curves) > 0)[curve]


def _time_order(lcs: LightCurves) -> tuple[np.ndarray | None, np.ndarray, np.ndarray]:
    """Permutation sorting each curve by time, plus which points repeat an earlier time.

    The permutation is None when every curve is already in time order (nothing to move).
    Ties are broken by position in the file, so of two points with the same time the one read
    first is kept, as in the research system. Also returns which curves were out of order.
    """
    # Each point is compared with the one before it, except where a curve starts.
    curve_start = np.zeros(lcs.n_points, dtype=bool)
    curve_start[lcs.offsets[:-1][lcs.lengths > 0]] = True
    backwards = np.zeros(lcs.n_points, dtype=bool)
    backwards[1:] = lcs.time[1:] < lcs.time[:-1]
    backwards &= ~curve_start
    # The curve of each backward step: the last curve starting at or before it.
    stepped_back = np.searchsorted(lcs.offsets, np.flatnonzero(backwards), side="right") - 1
    resorted = np.bincount(stepped_back, minlength=lcs.n_curves) > 0

    if not resorted.any():  # the usual case: files arrive sorted, so no sort is needed
        duplicate = np.zeros(lcs.n_points, dtype=bool)
        duplicate[1:] = lcs.time[1:] == lcs.time[:-1]
        duplicate &= ~curve_start
        return None, duplicate, resorted

    curve = lcs.curve_index
    order = np.lexsort((np.arange(lcs.n_points), lcs.time, curve))
    sorted_time, sorted_curve = lcs.time[order], curve[order]
    repeat_sorted = np.zeros(lcs.n_points, dtype=bool)
    repeat_sorted[1:] = (sorted_time[1:] == sorted_time[:-1]) & (
        sorted_curve[1:] == sorted_curve[:-1])
    duplicate = np.zeros(lcs.n_points, dtype=bool)
    duplicate[order] = repeat_sorted
    return order, duplicate, resorted
