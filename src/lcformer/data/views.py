"""Star views: every cleaned point of a star, folded at its period, as one model input.

The research windows see (dt, dm) pairs of one band, min-max scaled: the amplitude, the mean
and the period are gone, and a star shorter than a window is lost. A star view keeps what an
astronomer looks at first:

* **tokens**: one per observation, of every band of the star in one sequence:
  ``[phase at P, phase at 2P, time, normalised magnitude, scaled error, dm, log_dt, band
  one-hot...]``.
  Phases are ``((t - t0) / P) mod 1``; eclipsing binaries often peak at half their true
  period, so the fold at 2P is kept beside it. ``time`` is ``(t - t0) / (2 span)``, the
  unfolded view that aperiodic classes need. ``fold`` chooses the views (the others are 0).
  Magnitudes are normalised per band by the band's median and robust scale
  (``(m - median) / scale``), errors divided by the same scale. ``dm`` and ``log_dt`` are the
  change since the band's previous point and ``log10`` of the days since it: the research
  (dt, dm) pairs, which carry the short-timescale variability (red noise, flares) that a
  fold averages away.
* **scalars**: what that normalisation removes, per star: per band the median magnitude, log
  scale, log amplitude (5-95% range), log median error and log number of points; log period,
  peak power, log false-alarm probability, log span, the colour (median of the first band
  minus the second, bands ordered blue to red: :func:`order_bands`; with more bands, one per
  further pair of neighbouring bands) where there are two or more, and
  the second and third peaks' log period and power (a 1-day alias or half the period of an
  eclipsing binary is often one of them). NaN where unknown: the model fills them.
* **shape scalars** (:func:`harmonic_fit`), per band: the classic Fourier decomposition of the
  folded curve (Simon & Lee 1981; Debosscher et al. 2007; Richards et al. 2011), which tells
  Cepheids, RR Lyrae subtypes and eclipsing binaries apart at equal periods: the first
  harmonic's log amplitude, the amplitude ratios ``R21``, ``R31``, the phase differences
  ``phi21``, ``phi31``, the fraction of the variance the fit explains, and, from a fit at
  twice the period, the share of the odd harmonics (alternate cycles differ: the unequal
  minima of an eclipsing binary whose search found half its period).

A star with more than ``max_obs`` points is cut into ``ceil(n / max_obs)`` interleaved chunks
(point i of the time-sorted star goes to chunk ``i mod k``), so every chunk spans the whole
curve; the chunks' probabilities are averaged per star, as windows are. No star is dropped
for being short. ``bands="separate"`` makes one sequence per band instead (the research
windows' choice, kept for the ablation). Everything is computed for all stars at once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from lcformer.config import Config, setting
from lcformer.data.lightcurves import LightCurves
from lcformer.errors import ConfigError

#: Token channels before the band one-hot.
TOKEN_CHANNELS = ("phase", "phase_2p", "time", "mag", "err", "dm", "log_dt")
#: Each channel's position in a token.
CHANNEL = {name: i for i, name in enumerate(TOKEN_CHANNELS)}
#: Per-band values of the shape fit (:func:`harmonic_fit`).
SHAPE_COLUMNS = ("log_a1", "r21", "r31", "phi21", "phi31", "fit_r2", "odd_2p")
PER_BAND_SCALARS = ("median_mag", "log_scale", "log_amplitude", "log_median_err", "log_n",
                    *SHAPE_COLUMNS)
STAR_SCALARS = ("log_period", "power", "log_fap", "log_span", "colour", "log_period_2",
                "power_2", "log_period_3", "power_3")
MIN_SCALE = 1e-3  # mag: a floor for the robust scale of a (nearly) constant band
SHAPE_HARMONICS = 3  # Fourier terms of the shape fit at the period (twice as many at 2P)
FIT_BLOCK_POINTS = 1 << 18  # points per block of the shape fit: bounds its memory
#: Cycles a star's points must touch for :func:`frequency_errors` to sum over them: on two,
#: that sum is a guess (its terms nearly cancel), and doubled the error of a 10-point
#: asas_acvs star seen on 3 nights (238 +- 456 d).
MIN_CYCLES_SUMMED = 3
#: The epochs of the fold's brightest and faintest phase (:func:`fold_extrema`).
EPOCH_COLUMNS = ("epoch_max", "epoch_max_err", "epoch_min", "epoch_min_err")
#: What :func:`fold_extrema` measures: the epochs, and the fit's peak-to-peak amplitude.
EXTREMA_COLUMNS = (*EPOCH_COLUMNS, "amplitude")
EXTREMA_GRID = 200  # phases the fold's extremes are looked for on (then refined)
#: The widest stretch of phase without a point in which an extreme of the fit is kept: in a
#: wider one (a Mira's faint phases below the survey's limit) the fit is free and its
#: extreme a guess (some asas_acvs Miras got amplitudes of several times their points' range).
MAX_EXTREME_GAP = 0.15
#: The fewest points of a fit's amplitude: on fewer, the noise makes the fit swing well
#: beyond the curve.
MIN_AMPLITUDE_POINTS = 30


@dataclass(frozen=True)
class ViewConfig(Config):
    fold: Literal["both", "period", "time"] = setting(
        "both", "period: phases at the star's best period and twice it; time: the unfolded "
                "time since the first point; both")
    max_obs: int = setting(256, "points per sample; longer stars are cut into interleaved "
                                "chunks whose probabilities are averaged")
    # "separate" is the research windows' choice (one band at a time), kept for the ablation.
    bands: Literal["joint", "separate"] = setting(
        "joint", "joint: all bands of a star in one sequence; separate: one sequence per band, "
                 "probabilities averaged over all of a star's samples (a band cut into more "
                 "chunks weighs more)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.max_obs < 4:
            raise ConfigError(f"max_obs must be at least 4, got {self.max_obs}")


def scalar_names(bands: list[str]) -> list[str]:
    """Per-band scalars, then the star's; with three bands or more, a colour per further pair
    of neighbouring bands (``colour`` is the first pair's: g-r, then ``colour_r_i``)."""
    return ([f"{b or 'band'}_{name}" for b in bands for name in PER_BAND_SCALARS]
            + list(STAR_SCALARS) + [f"colour_{a}_{b}" for a, b in itertools.pairwise(bands[1:])])


@dataclass
class StarViews:
    tokens: np.ndarray  # (n_samples, max_obs, len(TOKEN_CHANNELS) + n_bands) float32
    mask: np.ndarray  # (n_samples, max_obs) bool
    sample_star: np.ndarray  # (n_samples,) int64: row of ``stars``
    scalars: np.ndarray  # (n_stars, n_scalars) float32, NaN where unknown
    stars: np.ndarray  # (n_stars,) star ids, in order of first appearance


#: Effective wavelengths (nm) of common survey filters: bands are ordered blue to red, so
#: that the colour (first band minus second) is g-r for ZTF's g, r, i, and V-I for V, I.
WAVELENGTH_NM = {
    "FUV": 153, "NUV": 231, "U": 365, "u": 367, "B": 445, "g": 482, "zg": 482, "BP": 532,
    "c": 533, "V": 551, "r": 622, "zr": 643, "R": 658, "G": 673, "o": 679, "i": 755,
    "zi": 789, "RP": 797, "I": 806, "z": 869, "y": 971, "J": 1250, "H": 1635, "K": 2200,
    "Ks": 2150, "W1": 3400, "W2": 4600, "Z": 878, "Y": 1021, "Rc": 647, "Ic": 786, "w": 608,
    "Kp": 640, "Hp": 528, "W3": 12000, "W4": 22000,
}
#: The same in lower case, where that names no other filter ("b" is B, "r" stays r).
_WAVELENGTH_LOWER = {k.lower(): v for k, v in WAVELENGTH_NM.items()
                     if k.lower() not in WAVELENGTH_NM}


#: SkyMapper's violet ``v`` (nm), between its u and g: a lower-case v beside u or g is it, not
#: Johnson V (else SkyMapper's colours come out u-g, g-v, v-r, and no g-r at all).
SKYMAPPER_V_NM = 384


def order_bands(names: Iterable[str]) -> list[str]:
    """Band names blue to red where known (:data:`WAVELENGTH_NM`, exact name, else in lower
    case; SkyMapper's v among u, g), the others after them in alphabetical order."""
    names = set(names)
    skymapper = "v" in names and "V" not in names and bool(names & {"u", "g"})

    def key(name: str) -> tuple[float, str]:
        if skymapper and name == "v":
            return (SKYMAPPER_V_NM, name)
        return (WAVELENGTH_NM.get(name, _WAVELENGTH_LOWER.get(name.lower(), math.inf)), name)

    return sorted(names, key=key)


def band_vocabulary(lcs: LightCurves) -> list[str]:
    return order_bands(np.asarray(lcs.bands, dtype=str).tolist())


def make_views(lcs: LightCurves, periods: pd.DataFrame, bands: list[str],
               config: ViewConfig | None = None) -> StarViews:
    """Star views of cleaned curves. ``periods``: :func:`lcformer.data.periods.find_periods`'s
    table (``id``, ``period``, ``power``, ``fap``, ``log10_fap``); ``bands``: the band
    vocabulary of the training data (a band outside it gets no one-hot channel)."""
    config = config or ViewConfig()
    star_code, stars = lcs.star_codes()
    n_stars = len(stars)
    band_of_curve = pd.Index(bands).get_indexer(np.asarray(lcs.bands, dtype=str))  # -1: unknown
    table = periods.set_index("id").reindex(np.asarray(stars, dtype=object))
    period = table["period"].to_numpy(dtype=np.float64)

    point_curve = lcs.curve_index
    point_star = star_code[point_curve]
    t, mag, err = lcs.time, lcs.mag, lcs.err

    # Per curve (one band of one star): median, robust scale, range, median error.
    curve_stats = _curve_stats(lcs)
    med = curve_stats["median"].to_numpy()[point_curve]
    scale = curve_stats["scale"].to_numpy()[point_curve]

    # Phases relative to each star's first point.
    t0 = np.full(n_stars, np.inf)
    np.minimum.at(t0, point_star, t)
    t_rel = t - t0[point_star]
    span = np.zeros(n_stars)
    np.maximum.at(span, point_star, t_rel)
    n_channels = len(TOKEN_CHANNELS) + len(bands)
    channels = np.zeros((lcs.n_points, n_channels), np.float32)
    if config.fold in ("period", "both"):
        p = period[point_star]
        known = np.isfinite(p) & (p > 0)
        for name, fold in (("phase", 1), ("phase_2p", 2)):
            channels[:, CHANNEL[name]] = np.where(
                known, np.mod(t_rel / np.where(known, fold * p, 1.0), 1.0), 0.0)
    if config.fold in ("time", "both"):
        channels[:, CHANNEL["time"]] = t_rel / np.maximum(2 * span[point_star], 1e-9)
    channels[:, CHANNEL["mag"]] = (mag - med) / scale
    # An unknown error is its curve's median error (0, "perfect", only where none is known:
    # the band's log_median_err scalar is then unknown too).
    typical = curve_stats["median_err"].to_numpy()[point_curve]
    channels[:, CHANNEL["err"]] = np.nan_to_num(np.where(np.isfinite(err), err, typical) / scale)
    # Differences to the previous point of the same curve (cleaned curves are time-sorted).
    first = np.zeros(lcs.n_points, bool)
    first[lcs.offsets[:-1][lcs.lengths > 0]] = True
    dm = np.diff(channels[:, CHANNEL["mag"]], prepend=0.0)
    dt = np.diff(t, prepend=t[:1] if len(t) else 0.0)
    channels[:, CHANNEL["dm"]] = np.where(first, 0.0, dm)
    channels[:, CHANNEL["log_dt"]] = np.where(first, 0.0, np.log10(np.maximum(dt, 0.0) + 1e-3))
    point_band = band_of_curve[point_curve]
    has_band = point_band >= 0
    channels[np.flatnonzero(has_band), len(TOKEN_CHANNELS) + point_band[has_band]] = 1.0

    # Interleaved chunks of each time-sorted sequence: a star, or one band of it.
    if config.bands == "joint":
        point_group, group_star = point_star, np.arange(n_stars)
    else:  # curves grouped by star, so a star's samples stay together
        curve_star = star_code  # star_code: one per curve
        by_star = np.argsort(curve_star, kind="stable")
        group_of_curve = np.empty(lcs.n_curves, np.int64)
        group_of_curve[by_star] = np.arange(lcs.n_curves)
        point_group, group_star = group_of_curve[point_curve], curve_star[by_star]
    n_groups = len(group_star)
    order = np.lexsort((t, point_group))
    n_per_group = np.bincount(point_group, minlength=n_groups)
    k = np.maximum(-(-n_per_group // config.max_obs), 1)  # chunks per sequence (empty: 1)
    first_point = np.concatenate([[0], np.cumsum(n_per_group)[:-1]])
    first_sample = np.concatenate([[0], np.cumsum(k)[:-1]])
    sorted_group = point_group[order]
    rank = np.arange(len(order)) - first_point[sorted_group]
    chunk = rank % k[sorted_group]
    slot = rank // k[sorted_group]
    sample = first_sample[sorted_group] + chunk
    n_samples = int(k.sum())
    tokens = np.zeros((n_samples, config.max_obs, n_channels), np.float32)
    mask = np.zeros((n_samples, config.max_obs), bool)
    tokens[sample, slot] = channels[order]
    mask[sample, slot] = True
    sample_star = np.repeat(group_star, k)
    shape = harmonic_fit(lcs, period[star_code], SHAPE_HARMONICS)
    curve_stats = pd.concat([curve_stats, shape], axis=1)
    scalars = _scalars(curve_stats, star_code, band_of_curve, len(bands), table, span)
    return StarViews(tokens, mask, sample_star, scalars, np.asarray(stars, dtype=object))


def _curve_stats(lcs: LightCurves) -> pd.DataFrame:
    frame = pd.DataFrame({"curve": lcs.curve_index, "mag": lcs.mag, "err": lcs.err})
    grouped = frame.groupby("curve", sort=True)
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    q = grouped["mag"].quantile(levels).unstack().reindex(columns=levels)  # 0 curves: empty
    stats = pd.DataFrame(index=pd.RangeIndex(lcs.n_curves))
    stats["median"] = q[0.5]
    iqr_sigma = (q[0.75] - q[0.25]) / 1.349
    stats["median_err"] = grouped["err"].median()
    floor = np.maximum(stats["median_err"].fillna(0.0), MIN_SCALE)
    stats["scale"] = np.maximum(iqr_sigma.reindex(stats.index).fillna(0.0), floor)
    stats["amplitude"] = q[0.95] - q[0.05]
    stats["n"] = lcs.lengths
    return stats.fillna({"median": 0.0})


def _scalars(curve_stats: pd.DataFrame, star_code: np.ndarray, band_of_curve: np.ndarray,
             n_bands: int, table: pd.DataFrame, span: np.ndarray) -> np.ndarray:
    n_stars = len(span)
    colours = max(n_bands - 1, 0)  # pairs of neighbouring bands: the first in STAR_SCALARS
    out = np.full((n_stars, n_bands * len(PER_BAND_SCALARS) + len(STAR_SCALARS)
                   + max(colours - 1, 0)), np.nan, np.float32)  # the others (scalar_names)
    with np.errstate(divide="ignore", invalid="ignore"):
        per_band = np.column_stack([
            curve_stats["median"], np.log10(curve_stats["scale"]),
            np.log10(np.maximum(curve_stats["amplitude"], MIN_SCALE)),
            np.log10(curve_stats["median_err"]), np.log10(np.maximum(curve_stats["n"], 1)),
            *(curve_stats[name] for name in SHAPE_COLUMNS)])
        known = (band_of_curve >= 0) & (curve_stats["n"].to_numpy() > 0)  # empty: unknown
        columns = band_of_curve[known][:, None] * len(PER_BAND_SCALARS) + np.arange(
            len(PER_BAND_SCALARS))
        out[star_code[known][:, None], columns] = per_band[known]
        log_fap = table["log10_fap"] if "log10_fap" in table else np.log10(table["fap"])
        base = n_bands * len(PER_BAND_SCALARS)

        def star(name: str) -> int:  # the column of one of STAR_SCALARS
            return base + STAR_SCALARS.index(name)

        out[:, star("log_period")] = np.log10(table["period"].to_numpy())
        out[:, star("power")] = table["power"].to_numpy()
        out[:, star("log_fap")] = np.clip(np.asarray(log_fap, dtype=np.float64), -50, 0)
        out[:, star("log_span")] = np.log10(np.maximum(span, 1e-3))
        # A colour per pair of neighbouring bands (blue to red), so that a star without the
        # bluest band keeps the colours of those it has (ZTF's r-i without g).
        medians = out[:, :base:len(PER_BAND_SCALARS)]
        columns = [star("colour"), *range(base + len(STAR_SCALARS), out.shape[1])]
        for pair, column in enumerate(columns[:colours]):
            out[:, column] = medians[:, pair] - medians[:, pair + 1]
        for k in (2, 3):
            if f"period_{k}" in table:
                out[:, star(f"log_period_{k}")] = np.log10(table[f"period_{k}"].to_numpy())
                out[:, star(f"power_{k}")] = table[f"power_{k}"].to_numpy()
    out[~np.isfinite(out)] = np.nan
    return out


def harmonic_fit(lcs: LightCurves, period: np.ndarray, harmonics: int = SHAPE_HARMONICS
                 ) -> pd.DataFrame:
    """Per curve, the shape of its fold at ``period`` (one per curve; NaN: none): the
    least-squares fit ``m = c + sum_k a_k cos(2 pi k t / P) + b_k sin(2 pi k t / P)``, and a
    fit of ``2 * harmonics`` terms at ``2 P``. Columns :data:`SHAPE_COLUMNS`; NaN where the
    period is unknown or a curve has too few points for the fit at 2P.

    Unweighted: survey error bars are often wrong, and the shape is a property of the star.
    Phases ``phi_k`` follow ``A_k cos(k w t + phi_k)``; ``phi_k1 = phi_k - k phi_1 mod 2 pi``
    does not depend on the origin of time. Curves are fitted in blocks of at most
    ``FIT_BLOCK_POINTS`` points: the normal equations are sums over each curve's points
    (``np.add.reduceat``), solved as one batch."""
    return _in_blocks(lcs, period, harmonics, SHAPE_COLUMNS,
                      lambda curves, p: _fit_shapes(curves, p, harmonics))


def fold_extrema(lcs: LightCurves, period: np.ndarray, middle: np.ndarray | None = None,
                 harmonics: int = SHAPE_HARMONICS, grid: int = EXTREMA_GRID) -> pd.DataFrame:
    """Per curve, the epochs a variable-star catalogue gives beside the period: the times
    of the brightest (``epoch_max``, the smallest magnitude) and faintest (``epoch_min``)
    phase of the curve's fold at ``period``, in the curve's own time (HJD, MJD: as read),
    and their standard errors (``epoch_max_err``, ``epoch_min_err``, days) from the fit's
    residuals: the noise's, not the bias of a fit that cannot follow the curve (below); and
    the magnitudes between them, the fit's peak-to-peak ``amplitude``, which the noise
    widens less than it does the points' range.

    The fold is the fit at P of :func:`harmonic_fit` (``harmonics`` terms), not the points:
    one outlier or a gap does not move it. Its extremes are found on ``grid`` phases (P/200)
    and refined by a parabola through the three grid values around each, then put in the
    cycle nearest ``middle`` (per curve; default: the middle of its span), where an error of
    the period shifts them least. NaN where the period is unknown, the curve has too few
    points for :func:`harmonic_fit`, or the fit is flat; an epoch where its phase lies in a
    stretch without points wider than ``MAX_EXTREME_GAP``, and the amplitude then or under
    ``MIN_AMPLITUDE_POINTS`` points.

    A few harmonics cannot follow a sharp peak: on a curve that rises in 15% of its cycle (an
    RRab) both epochs fall 0.03-0.08 P towards its slow side (the tests); on a sinusoid, and
    a narrow eclipse, within P/100. More harmonics would follow the peak, but on sparse survey
    curves with seasonal gaps they ring. For the same reason the amplitude is off where the
    curve is sharp: an RRab-like rise's 5-15% too large (the fit overshoots), an eclipse
    0.04 P wide 20-35% too shallow (the tests)."""
    if middle is None:
        middle = _middles(lcs)
    columns = _in_blocks(lcs, period, harmonics, EXTREMA_COLUMNS,
                         lambda curves, p: _fit_extrema(curves, p, harmonics, grid))
    with np.errstate(divide="ignore", invalid="ignore"):  # (no period: NaN stays NaN)
        for name in ("epoch_max", "epoch_min"):  # the cycle nearest the middle
            columns[name] += period * np.round((middle - columns[name]) / period)
    return columns


def frequency_errors(lcs: LightCurves, period: np.ndarray, use_errors: bool = True,
                     group: np.ndarray | None = None, n_groups: int | None = None
                     ) -> np.ndarray:
    """The standard error of the frequency ``1 / period`` (cycles per day; NaN: no fit, or a
    flat one) of each curve, or of each ``group`` of curves (a star's bands, ``group`` its
    index for each curve, ``period`` alike across it; ``n_groups`` of them), as the period
    search estimates it: the frequency of the best sinusoid, weighted by ``1 / err**2``
    (``use_errors``; else equally), the generalised Lomb-Scargle peak.

    The error is the sandwich (robust) one, ``sqrt(spread) / information``: the frequency's
    least-squares equation, ``sum w s r = 0`` over the points (``r`` the residuals, ``s`` the
    fit's derivative in the frequency less what the sinusoid's other terms explain of it),
    moves by ``information = sum w s**2`` per unit of frequency, and the residuals make it
    scatter by ``sqrt(spread)``, ``spread = sum (w s r / (1 - h))**2`` (``h`` a point's
    leverage, which on few points keeps the error from being too small). Error bars of the
    wrong scale, or that vary, do not mislead it, nor a shape the sinusoid cannot follow, whose
    misfit counts where it moves the frequency: a detached binary's narrow eclipses, at the
    sinusoid's extremes, move it little. For a sinusoid of semi-amplitude A and N points of
    equal scatter sigma over a span T it is about Montgomery & O'Donoghue's (1999)
    ``sqrt(6 / N) sigma / (pi T A)``. Several bands (their own sinusoids, one frequency), with
    each band's equation weighted by the inverse of its residual variance as the search weighs
    them: ``sqrt(sum spread) / sum information``, each band's terms in those units.

    Residuals that go together within a cycle, as where a Mira's cycles differ in length and
    depth from one to the next, move the frequency together, which a sum over points misses
    (the errors were a quarter of the scatter of Miras' periods): the spread is also summed
    over cycles, each cycle's terms added first (all bands, cycles counted from the group's
    first time; G cycles, times ``G / (G - 1)``, the cluster-robust sandwich), and the larger
    of the two is kept, so that on few cycles, where that sum is itself uncertain, the error
    is never the smaller; under :data:`MIN_CYCLES_SUMMED` cycles, the sum over points alone.

    It is the noise's error at the peak found, not an alias's: a wrong peak is a day, a year
    or a factor 2 off, whatever this says."""
    if group is None:
        group, n_groups = np.arange(lcs.n_curves), lcs.n_curves
    n_groups = int(group.max()) + 1 if n_groups is None else n_groups
    information = np.full(lcs.n_curves, np.nan)
    score = np.full(lcs.n_points, np.nan)
    for rows in _blocks(lcs, period, 1):
        points = _point_index(lcs, rows)
        information[rows], score[points] = _frequency_terms(lcs.select(rows), period[rows],
                                                            use_errors)
    point_curve = lcs.curve_index
    fitted = np.isfinite(information)
    used = fitted[point_curve]
    point_group = group[point_curve][used]
    terms = score[used]
    first = pd.Series(lcs.time[used]).groupby(point_group).min()
    origin = first.reindex(range(n_groups)).to_numpy()
    cycle = np.floor((lcs.time[used] - origin[point_group])
                     / period[point_curve][used]).astype(np.int64)
    stride = int(cycle.max(initial=0)) + 1
    cluster, key = pd.factorize(point_group.astype(np.int64) * stride + cycle)
    key_group = key // stride  # (each cluster's group)
    by_cycle = np.bincount(cluster, terms, len(key))
    cycles = np.bincount(key_group, minlength=n_groups).astype(np.float64)
    by_point = np.bincount(point_group, terms ** 2, n_groups)
    with np.errstate(divide="ignore", invalid="ignore"):
        by_cycle = np.bincount(key_group, by_cycle ** 2, n_groups) * cycles / (cycles - 1)
        spread = np.where(cycles >= MIN_CYCLES_SUMMED, np.maximum(by_point, by_cycle),
                          by_point)
        total = np.bincount(group[fitted], information[fitted], n_groups)
        error = np.sqrt(spread) / total
    return np.where((total > 0) & np.isfinite(error) & (error > 0), error, np.nan)


def _frequency_terms(curves: LightCurves, period: np.ndarray, use_errors: bool
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each curve's ``information`` and each point's term ``w s r / (1 - h)`` of the
    frequency's equation, in its band's units (:func:`frequency_errors`; NaN: a flat fit)."""
    starts = curves.offsets[:-1]
    point_curve = curves.curve_index
    n = curves.lengths.astype(np.float64)
    err = curves.err
    good = np.isfinite(err) & (err > 0)
    typical = pd.Series(np.where(good, err, np.nan)).groupby(point_curve).transform("median")
    err = np.where(good, err, typical.to_numpy())  # (as the search fills them)
    w = np.where(np.isfinite(err) & use_errors, err ** -2.0, 1.0)
    w /= (np.add.reduceat(w, starts) / n)[point_curve]  # mean 1 a curve
    t = curves.time - curves.time[starts][point_curve]
    angle = 2 * np.pi * np.mod(t / period[point_curve], 1.0)
    design = np.column_stack([np.ones_like(t), np.cos(angle), np.sin(angle)])  # c, a, b

    gram = np.add.reduceat(w[:, None, None] * design[:, :, None] * design[:, None, :],
                           starts)
    gram += 1e-9 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(3)

    def project(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The weighted least-squares fit of y by the sinusoid: coefficients, residuals."""
        coef = np.linalg.solve(gram, np.add.reduceat(w[:, None] * design * y[:, None],
                                                     starts)[..., None])[..., 0]
        return coef, y - np.einsum("pi,pi->p", design, coef[point_curve])

    mean = np.add.reduceat(w * curves.mag, starts) / n  # (the ridge then moves no level)
    coef, residual = project(curves.mag - mean[point_curve])
    a, b = coef[point_curve, 1], coef[point_curve, 2]
    flat = np.hypot(coef[:, 1], coef[:, 2]) <= 1e-12 * np.maximum(np.abs(mean), 1e-300)
    # The fit's derivative in the frequency: time x its slope per cycle of phase (any time
    # origin: the difference is a multiple of the slope, which the projection removes).
    slope = t * 2 * np.pi * (b * np.cos(angle) - a * np.sin(angle))
    _, alone = project(slope)  # what the sinusoid's own terms do not explain
    variance = np.add.reduceat(w * residual ** 2, starts) / np.maximum(n - 3, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        bread = np.add.reduceat(w * alone ** 2, starts)
        # Each point's leverage in the fit of the sinusoid and the frequency: a residual is
        # that much smaller than the noise at its point, which the sandwich would miss on
        # few points (HC3, MacKinnon & White 1985: residual / (1 - leverage)).
        leverage = w * (np.einsum("pi,pij,pj->p", design, np.linalg.inv(gram)[point_curve],
                                  design) + alone ** 2 / bread[point_curve])
        residual = residual / np.maximum(1.0 - leverage, 1e-6)
        scale = 1.0 / variance  # the band's weight among the star's bands
        information = scale * bread
        score = scale[point_curve] * w * alone * residual
    ok = ~flat & (information > 0) & np.isfinite(information)
    ok &= np.isfinite(np.add.reduceat(score, starts))
    return np.where(ok, information, np.nan), np.where(ok[point_curve], score, np.nan)


def _middles(lcs: LightCurves) -> np.ndarray:
    """The middle of each curve's time span (NaN: an empty curve)."""
    out = np.full(lcs.n_curves, np.nan)
    full = np.flatnonzero(lcs.lengths > 0)
    if len(full):
        starts = lcs.offsets[:-1][full]
        out[full] = 0.5 * (np.minimum.reduceat(lcs.time, starts)
                           + np.maximum.reduceat(lcs.time, starts))
    return out


def _blocks(lcs: LightCurves, period: np.ndarray, harmonics: int) -> Iterator[np.ndarray]:
    """The curves with a period and enough points for a fit of ``harmonics`` at 2P, in
    blocks (their indices) of at most ``FIT_BLOCK_POINTS`` points: a fit's memory."""
    ok = np.isfinite(period) & (period > 0) & (lcs.lengths > 4 * harmonics + 1)
    index = np.flatnonzero(ok)
    ends = np.cumsum(lcs.lengths[index])
    block_of = ends // FIT_BLOCK_POINTS  # a block: the curves whose points end in one stretch
    for block in np.unique(block_of):
        yield index[block_of == block]


def _point_index(lcs: LightCurves, rows: np.ndarray) -> np.ndarray:
    """The indices of the points of curves ``rows``, in the order ``lcs.select`` gives."""
    lengths = lcs.lengths[rows]
    before = np.cumsum(lengths) - lengths
    return np.repeat(lcs.offsets[rows] - before, lengths) + np.arange(lengths.sum())


def _in_blocks(lcs: LightCurves, period: np.ndarray, harmonics: int, names: tuple[str, ...],
               fit: Callable[[LightCurves, np.ndarray], dict[str, np.ndarray]]
               ) -> pd.DataFrame:
    """``fit`` of the curves in :func:`_blocks`, as columns ``names`` (NaN: no fit)."""
    columns = {name: np.full(lcs.n_curves, np.nan) for name in names}
    for rows in _blocks(lcs, period, harmonics):
        values = fit(lcs.select(rows), period[rows])
        for name, value in values.items():
            columns[name][rows] = np.where(np.isfinite(value), value, np.nan)
    return pd.DataFrame(columns)


def _fold_sums(curves: LightCurves, period: np.ndarray, harmonics: int
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What the normal equations of the fits at P and 2P are made of, per curve: the sums
    of ``e^(i m angle)`` for m up to ``4 harmonics`` and of ``y e^(i m angle)`` up to
    ``2 harmonics``, and of ``y^2``; ``angle`` is the phase at 2P from the curve's first
    time, ``y`` the magnitude less the curve's mean."""
    starts = curves.offsets[:-1]
    point_curve = curves.curve_index
    t = curves.time - curves.time[starts][point_curve]
    y = curves.mag - (np.add.reduceat(curves.mag, starts) / curves.lengths)[point_curve]
    total = np.add.reduceat(y * y, starts)
    # Both fits' normal equations are sums over a curve's points of products of cosines and
    # sines of multiples m of one angle, the phase at 2P (at P every multiple is even), so
    # they come from the sums of e^(i m angle) for m up to twice the highest harmonic at 2P
    # (cos a cos b = (cos(a - b) + cos(a + b)) / 2 and the like): 4 harmonics + 1 columns
    # a point rather than one a pair of terms, and the multiples by repeated products rather
    # than a cosine and a sine each (benchmarks/shape_fit.py: against the design matrix).
    top = 4 * harmonics
    waves = np.empty((len(t), top + 1), np.complex128)
    waves[:, 0] = 1.0
    waves[:, 1] = np.exp(2j * np.pi * np.mod(t * (0.5 / period)[point_curve], 1.0))
    for m in range(2, top + 1):  # over the multiples, never over points
        np.multiply(waves[:, m - 1], waves[:, 1], out=waves[:, m])
    sums = np.add.reduceat(waves, starts)  # (curves, top + 1): sum of cos + i sin
    weighted = np.add.reduceat(y[:, None] * waves[:, :2 * harmonics + 1], starts)
    return sums, weighted, total


def _solve_fit(sums: np.ndarray, weighted: np.ndarray, total: np.ndarray, step: int,
               n_harmonics: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(coefficients (curves, 1 + 2 n): c, the a_k, the b_k; residual sum of squares; X'X as
    solved, with a ridge: points at a few phases only, or at one time, make it singular) of
    the fit whose k-th harmonic is the multiple ``step * k`` of the angle at 2P (step 2: the
    fit at P) from the sums of :func:`_fold_sums`."""
    gram, rhs = _normal_equations(sums, weighted, step, n_harmonics)
    gram = gram + 1e-9 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(gram.shape[1])
    coef = np.linalg.solve(gram, rhs[..., None])[..., 0]
    residual = total - np.einsum("ci,ci->c", coef, rhs)  # least squares: y'y - b'X'y
    return coef, np.maximum(residual, 0.0), gram


def _normal_equations(sums: np.ndarray, weighted: np.ndarray, step: int, n_harmonics: int
                      ) -> tuple[np.ndarray, np.ndarray]:
    """X'X and X'y of :func:`_solve_fit`'s fit (columns: c, the a_k, the b_k)."""
    cos, sin = sums.real, sums.imag
    k = step * np.arange(1, n_harmonics + 1)
    plus, minus = k[:, None] + k[None, :], k[:, None] - k[None, :]
    apart = np.abs(minus)
    c, s = slice(1, 1 + n_harmonics), slice(1 + n_harmonics, None)
    gram = np.empty((len(sums), 1 + 2 * n_harmonics, 1 + 2 * n_harmonics))
    gram[:, 0, 0] = cos[:, 0]  # the number of points
    gram[:, 0, c] = gram[:, c, 0] = cos[:, k]
    gram[:, 0, s] = gram[:, s, 0] = sin[:, k]
    gram[:, c, c] = 0.5 * (cos[:, apart] + cos[:, plus])
    gram[:, s, s] = 0.5 * (cos[:, apart] - cos[:, plus])
    gram[:, c, s] = 0.5 * (sin[:, plus] - np.sign(minus) * sin[:, apart])  # cos_i sin_j
    gram[:, s, c] = gram[:, c, s].transpose(0, 2, 1)
    rhs = np.concatenate([weighted[:, :1].real, weighted[:, k].real, weighted[:, k].imag],
                         axis=1)
    return gram, rhs


def _fit_shapes(curves: LightCurves, period: np.ndarray, harmonics: int
                ) -> dict[str, np.ndarray]:
    sums, weighted, total = _fold_sums(curves, period, harmonics)
    coef, residual, _ = _solve_fit(sums, weighted, total, 2, harmonics)
    a, b = coef[:, 1:1 + harmonics], coef[:, 1 + harmonics:]
    amp = np.hypot(a, b)
    phase = np.arctan2(-b, a)
    coef2, _, _ = _solve_fit(sums, weighted, total, 1, 2 * harmonics)
    power = coef2[:, 1:1 + 2 * harmonics] ** 2 + coef2[:, 1 + 2 * harmonics:] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            "log_a1": np.log10(np.maximum(amp[:, 0], 1e-4)),
            "r21": amp[:, 1] / amp[:, 0], "r31": amp[:, 2] / amp[:, 0],
            "phi21": np.mod(phase[:, 1] - 2 * phase[:, 0], 2 * np.pi),
            "phi31": np.mod(phase[:, 2] - 3 * phase[:, 0], 2 * np.pi),
            "fit_r2": 1.0 - residual / total,
            "odd_2p": power[:, 0::2].sum(1) / power.sum(1),
        }


def _fit_extrema(curves: LightCurves, period: np.ndarray, harmonics: int, grid: int
                 ) -> dict[str, np.ndarray]:
    """The times of the fit's smallest and largest magnitude in its first cycle (from the
    curve's first time), which :func:`fold_extrema` moves to the middle cycle, and their
    standard errors: where the fit's slope is zero moves by the slope's error over the
    curvature there, the slope's error from the fit's covariance, residual variance x
    (X'X)^-1 (for 3 harmonics on a sinusoid of semi-amplitude A and N points at even phases,
    sigma sqrt(28 / N) / (2 pi A) cycles: 28 = 2 (1 + 4 + 9), each harmonic's slope)."""
    sums, weighted, total = _fold_sums(curves, period, harmonics)
    coef, residual, gram = _solve_fit(sums, weighted, total, 2, harmonics)
    points = sums[:, 0].real
    variance = residual / np.maximum(points - (1 + 2 * harmonics), 1.0)
    a, b = coef[:, 1:1 + harmonics], coef[:, 1 + harmonics:]
    k = np.arange(1, harmonics + 1)
    # The fit at each of `grid` phases: one matrix product, (curves, harmonics) x
    # (harmonics, grid) for the cosines and the sines (the constant does not move an extreme).
    angle = 2 * np.pi * np.outer(k, np.arange(grid) / grid)
    curve = a @ np.cos(angle) + b @ np.sin(angle)
    flat = np.ptp(curve, axis=1) <= 1e-12 * np.maximum(np.sqrt(total), 1.0)
    rows = np.arange(len(curve))
    first = curves.time[curves.offsets[:-1]]
    out = {}
    extremes, sampled = [], []  # the fit's least magnitude, and minus its greatest
    folded = _sorted_phases(curves, period)
    for name, sign in (("epoch_max", 1.0), ("epoch_min", -1.0)):  # brightest: least mag
        signed = sign * curve
        best = np.argmin(signed, axis=1)
        before, at, after = (signed[rows, (best + d) % grid] for d in (-1, 0, 1))
        bend = before - 2 * at + after  # > 0 at a grid minimum, but for a flat stretch
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(bend > 0, 0.5 * (before - after) / bend, 0.0)
        shift = np.clip(shift, -0.5, 0.5)
        extremes.append(at - 0.5 * shift * (before - after) + 0.5 * bend * shift ** 2)
        phase = (best + shift) / grid
        kept = ~flat & (_gap_around(curves, folded, phase) <= MAX_EXTREME_GAP)
        sampled.append(kept)
        out[name] = np.where(kept, first + phase * period, np.nan)
        # The slope's gradient in the coefficients (c, a_k, b_k) at that phase, and the
        # curvature there, both per cycle of phase.
        w = 2 * np.pi * k * phase[:, None]
        slope = np.concatenate([np.zeros((len(phase), 1)), -2 * np.pi * k * np.sin(w),
                                2 * np.pi * k * np.cos(w)], axis=1)
        curvature = -((2 * np.pi * k) ** 2 * (a * np.cos(w) + b * np.sin(w))).sum(1)
        spread = np.einsum("ci,ci->c", slope,
                           np.linalg.solve(gram, slope[..., None])[..., 0])
        with np.errstate(divide="ignore", invalid="ignore"):
            error = np.sqrt(variance * spread) / np.abs(curvature) * period
        out[f"{name}_err"] = np.where(kept & np.isfinite(error), error, np.nan)
    enough = curves.lengths >= MIN_AMPLITUDE_POINTS
    out["amplitude"] = np.where(sampled[0] & sampled[1] & enough,
                                -(extremes[0] + extremes[1]), np.nan)
    return out


def _sorted_phases(curves: LightCurves, period: np.ndarray) -> np.ndarray:
    """Each curve's index plus the phases of its points at ``period`` (0 at its first time),
    in order: each curve's phases sorted, curve after curve (for :func:`_gap_around`)."""
    point_curve = curves.curve_index
    first = curves.time[curves.offsets[:-1]][point_curve]
    return np.sort(point_curve + np.mod((curves.time - first) / period[point_curve], 1.0))


def _gap_around(curves: LightCurves, key: np.ndarray, phase: np.ndarray) -> np.ndarray:
    """Per curve, the width (in cycles) of the stretch of its fold between the points on
    either side of ``phase`` (``key``: :func:`_sorted_phases`)."""
    starts, ends = curves.offsets[:-1], curves.offsets[1:]
    phase = np.mod(phase, 1.0)  # (an extreme refined to just below phase 0)
    at = np.searchsorted(key, np.arange(len(phase)) + np.where(phase < 1.0, phase, 0.0))
    wrap_below, wrap_above = at == starts, at == ends  # the gap across phase 0
    below = key[np.where(wrap_below, ends - 1, at - 1)] - np.where(wrap_below, 1.0, 0.0)
    above = key[np.where(wrap_above, starts, np.minimum(at, len(key) - 1))] + np.where(
        wrap_above, 1.0, 0.0)
    return above - below
