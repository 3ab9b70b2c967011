"""Lomb-Scargle period search, one row per star, fast enough for whole surveys.

Why each step is the way it is (the measurements behind each choice are in
``benchmarks/README.md``, "Why the period search is built this way"; ``benchmarks/periods.py``
repeats the comparisons):

- **Periodogram**: the generalised Lomb-Scargle periodogram (a sinusoid plus a floating mean,
  weighted by ``1/err**2``; Zechmeister & Kürster 2009), "standard" normalisation (astropy's
  ``LombScargle(t, y, dy).power``). The floating mean matters for sparse, uneven survey
  sampling, where a sinusoid sampled at the same few phases has a non-zero mean.
- **Engine**: a non-uniform FFT (``finufft``, the library under ``nifty-ls``) evaluates the
  grid: two transforms and half of a third give the exact power. Stars are processed in
  order of grid size so that one NUFFT plan serves every star of a size (``nifty-ls`` plans
  anew on every call, which for a 400-point curve costs as much as the transform), in single
  precision, with FFT lengths that FFTW plans well (:data:`FFT_EIGHTHS`).
- **The grid proposes, exact sums decide**: by default (``coarse="schuster"``) the grid holds
  the classical periodogram (one transform), once per peak width ``1/span``. Its
  ``n_candidates`` highest local maxima, and the best of a finer scan of the lowest
  ``LOW_WIDTHS`` peak widths (Miras, where seasonal gaps narrow the peaks), are re-evaluated
  with the exact power by direct sums, refined to 1/32 of a peak width and a parabola's
  vertex. ``coarse="gls"`` puts the exact power on the grid.
- **Several bands**: each band's periodogram on the star's grid, combined as
  ``Z = sum_b (N_b - 3) * -ln(1 - P_b)``, which under white noise is chi-squared with ``2K``
  degrees of freedom whatever the bands' noise levels or error scales. The coarse grid also
  proposes the peaks of the dof-weighted sum of the powers, so that one sparse, noisy band
  cannot crowd the true period out. ``power`` is ``1 - exp(-Z / sum_b (N_b - 3))``: the
  band's own power when there is one band.
- **Significance** ``fap``: the chance that white noise alone gives a peak this high anywhere
  between ``f_min`` and ``f_max`` (Davies' bound as Baluev 2008 uses it, see
  :func:`_false_alarm`, generalised to ``K`` bands); ``log10_fap`` keeps strong signals apart
  where ``fap`` underflows to 0. It has no finite-N correction, so it is optimistic for
  stars of very few points (predictions on fewer than 10 are flagged ``few_points``);
  correcting it would change the ``log10_fap`` scalar the trained models read.

Times are shifted to the middle of the star's span before anything else: Julian dates of
~2.45e6 days would cost the phases ``2 pi f t`` most of their precision, and the periodogram
does not depend on the origin of time.
"""

from __future__ import annotations

import bisect
import math
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from scipy import special

from lcformer.config import Config, setting
from lcformer.data.cleaning import MAX_SPAN_DAYS
from lcformer.data.lightcurves import LightCurves
from lcformer.data.lomb_scargle import (
    Band,
    NufftPlans,
    combine,
    direct_power,
    nifty_power,
    one_blas_thread,
    to_z,
)
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError
from lcformer.workers import n_workers

Engine = Literal["finufft", "nifty-ls"]
# Degrees of freedom a band's fit uses: a mean, and at each frequency a sine and a cosine.
FIT_DOF = 3
# Refinement: REFINE_POINTS frequencies from one grid step below each candidate to one above,
# then around the best of them, from one of their steps below to one above, in points FINEST
# peak widths apart (1/span is a peak's width).
REFINE_POINTS = 9
FINEST = 1.0 / 32.0
KEEP_EXTRA = 3  # distinct peaks refined beyond n_peaks after the first zoom
# The lowest frequencies are scanned apart: LOW_WIDTHS peak widths, LOW_STEPS points per grid
# step, exact power; their LOW_CANDIDATES best local maxima join the candidates. On 600 ASAS
# stars this found the period of 9 of the 20 stars the grid's candidates had missed.
LOW_WIDTHS, LOW_STEPS, LOW_CANDIDATES = 24.0, 3, 8
#: FFT lengths that FFTW plans well without measuring: 2^k times these eighths. finufft's
#: FFT is 1.25 times the grid size; on lengths with a factor 27 or 11 it ran 1.3-1.8x slower
#: per frequency than on 2^k, 9 * 2^k, 5 * 2^k or 3 * 2^k.
FFT_EIGHTHS = (8, 9, 10, 12)
TASK_STARS = 64  # stars per task when n_jobs > 1; each task builds its own NUFFT plans
# A star observed in a few short stretches far apart (TESS sectors a year apart: 27 days
# twice over 400) has a periodogram of many alias peaks 1/span apart under one lobe 1/stretch
# wide, as narrow as a grid step at oversampling 1: the grid then samples them at random
# heights and the search can pick a neighbour (two-sector periods off by 0.3-0.8%, 20%
# within 0.1%; 93% at twice the oversampling, which 3 or 5 do not better). Such a star, whose
# longest stretch without a gap over GAP_SHARE of its span is under 1/GAPPED_RATIO of the
# span, is searched at GAPPED_OVERSAMPLING times the oversampling. So is a star of two such
# stretches (one gap) whose span is over ONE_GAP_RATIO times the longest: its aliases, two
# slits' fringes, are of near equal heights across the lobe (TESS sectors 14, 15 and 28,
# span/longest 7-7.5, give a neighbour 0.15% off). Many stretches (a ground survey's seasons)
# damp all but the yearly aliases, many grid steps apart; no star of asas_acvs, eros1 or
# asas_richards2012 is of two stretches at a ratio over 5.
GAP_SHARE, GAPPED_RATIO, ONE_GAP_RATIO, GAPPED_OVERSAMPLING = 0.1, 8.0, 5.0, 2.0
# A star is counted as sampled finely enough for periods below min_period where FINE_SHARE of
# its points follow each other within FINE_STEP x min_period, in stretches FINE_CYCLES x
# min_period long at least (two cycles of the longest such period). The median step alone
# would count every CRTS star, whose 4 exposures a night span 30 minutes (and 283 of
# asas_acvs's 13,909, where this rule counts the 101 with 1- to 3-minute sequences).
FINE_STEP, FINE_CYCLES, FINE_SHARE = 0.25, 2.0, 0.5
#: A best period this close above min_period is at the edge of the grid, where a star of a
#: shorter period peaks (a delta Scuti star of 0.03 d at --min-period 0.05: 0.0503-0.0516 d in
#: a simulation of Rubin data; SX Phe stars of 0.038-0.047 d at up to 0.0540 d in LINEAR
#: data, with false-alarm probabilities near 1e-40): counted here (significant peaks only,
#: below EDGE_FAP: noise peaks anywhere, 9% of them that close), flagged in predictions.
PERIOD_EDGE, EDGE_FAP = 1.1, 0.01
#: Of those, the stars observed at a regular step (REGULAR_SHARE of their steps whole
#: multiples of it, within 1%) at least half as long as min_period: a period there is an
#: alias of a longer one beyond their Nyquist frequency, and a smaller min_period does not
#: help (K2's 30-minute cadence: an RR Lyrae star of 0.476 d is found at 0.021 d with
#: --min-period 0.02).
NYQUIST_EVENT, REGULAR_SHARE = "period_stars_near_min_period_at_their_nyquist_limit", 0.9


@dataclass(frozen=True)
class PeriodConfig(Config):
    """Settings of :func:`find_periods`."""

    # The grid size grows as 1/min_period.
    min_period: float = setting(0.05, "days: the shortest period searched (0.05 d reaches "
                                      "most delta Scuti stars and the shortest contact "
                                      "binaries; the shortest delta Scuti and SX Phe stars, "
                                      "to 0.02 d, need less, at a larger grid; a period "
                                      "found at the limit is flagged)")
    # A longer period than the span is not seen to repeat; the lowest frequencies mostly fit
    # trends.
    max_period: float | None = setting(None, "days: the longest period searched (default: "
                                             "each star's time span)")
    # 1 keeps a sinusoid's peak within 40% of its height on the grid; with many candidates
    # refined (and the lowest frequencies scanned finer, see LOW_WIDTHS) that is enough: on
    # three sets of 600 ASAS stars the defaults agreed with an exhaustive search for 98.7%,
    # 99.2% and 99.3% of the stars at 2.8-3x the speed of lcformer <= 0.2's search (2, with
    # 20 candidates and the exact power on the grid: 99.7-99.8%).
    oversampling: float = setting(1.0, "periodogram grid steps per peak width 1/span")
    n_peaks: int = setting(3, "peaks reported per star, best first", cli=False)
    # Refining a candidate costs little next to the grid (single precision, one matrix
    # product for all): on those stars 30/40/60/100 agreed equally often (within 0.2%); 30
    # ran 3% faster than 40 and 10% faster than 100.
    n_candidates: int = setting(30, "coarse-grid local maxima re-evaluated exactly", cli=False)
    min_points: int = setting(5, "points a band needs for a period (fewer: NaN, counted)",
                              cli=False)
    # False for surveys whose errors are not trusted.
    use_errors: bool = setting(True, "weight points by 1/err**2 (generalised Lomb-Scargle)",
                               cli=False)
    # "nifty-ls": the same periodogram through nifty-ls, a cross-check.
    engine: Engine = setting("finufft", "finufft: NUFFT with plans reused across stars "
                                        "(fastest); nifty-ls: a cross-check", cli=False)
    # The candidates are re-evaluated in double precision, so the reported periods and powers
    # are unaffected; the search ran 1.4-1.5x faster.
    single_precision: bool = setting(True, "coarse grid in single precision", cli=False)
    # The coarse grid only proposes candidates; their powers are always exact.
    coarse: Literal["", "gls", "schuster"] = setting(
        "", "gls: the exact power on the coarse grid; schuster: |sum w (y - mean) e^(2 pi i "
            "f t)|^2, one transform instead of two and a half; default: schuster (gls with a "
            "grid_size_ratio, as lcformer <= 0.2 did)", cli=False)
    # None: sizes whose FFT is fast (at most 1.33x, on average ~1.1x, the frequencies needed),
    # which also lets stars of similar span share NUFFT plans. A ratio (lcformer <= 0.2 used
    # 2**(1/8)) makes the sizes its powers; 2.0 gives light-curve's power-of-two grids, for
    # comparisons on identical grids.
    grid_size_ratio: float | None = setting(None, "grid sizes are powers of this ratio "
                                                  "(default: sizes with a fast FFT)", cli=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.min_period > 0:
            raise ConfigError(f"min_period must be positive, got {self.min_period}")
        if self.max_period is not None and not self.max_period > self.min_period:
            raise ConfigError(f"max_period ({self.max_period}) must exceed min_period "
                              f"({self.min_period})")
        if not self.oversampling >= 1:
            raise ConfigError(f"oversampling must be at least 1, got {self.oversampling}")
        if self.n_peaks < 1 or self.n_candidates < self.n_peaks:
            raise ConfigError("need n_peaks >= 1 and n_candidates >= n_peaks")
        if self.min_points < FIT_DOF + 1:
            raise ConfigError(f"min_points must be at least {FIT_DOF + 1}")
        if self.grid_size_ratio is not None and not self.grid_size_ratio > 1:
            raise ConfigError("grid_size_ratio must be above 1")

    @property
    def coarse_statistic(self) -> Literal["gls", "schuster"]:
        """The coarse grid's statistic in effect (see ``coarse``)."""
        if self.coarse:
            return self.coarse
        return "schuster" if self.grid_size_ratio is None else "gls"


# ---------------------------------------------------------------------- the grid


def _grid_size(span_days: float, config: PeriodConfig, gapped: bool = False
               ) -> tuple[float, int, int]:
    """(step, first index, number of steps J from 0 to f_max) of a span's grid (``gapped``:
    a star observed in short stretches far apart, see :data:`GAPPED_RATIO`)."""
    f_max = 1.0 / config.min_period
    oversampling = config.oversampling * (GAPPED_OVERSAMPLING if gapped else 1.0)
    needed = max(2.0, oversampling * span_days * f_max)
    if config.grid_size_ratio is None:
        n_steps = _fast_size(needed)
    else:
        k = math.ceil(math.log(needed) / math.log(config.grid_size_ratio) - 1e-9)
        n_steps = math.ceil(config.grid_size_ratio ** k - 1e-6)
        while n_steps < needed:  # rounding of the power
            k += 1
            n_steps = math.ceil(config.grid_size_ratio ** k - 1e-6)
    step = f_max / n_steps
    f_min = 1.0 / (config.max_period if config.max_period is not None else span_days)
    # From the last multiple at or below f_min: a peak just above f_min is then sampled on
    # both sides (trends put the highest peak there).
    first = min(max(1, math.floor(f_min / step + 1e-9)), n_steps)
    return step, first, n_steps


def _fast_size(needed: float) -> int:
    """The smallest even grid size J >= needed whose NUFFT, an FFT of ``1.25 J`` points, has
    a fast length ``m * 2^k`` (m in :data:`FFT_EIGHTHS`): J = 0.8 times that, made even."""
    return _FAST_SIZES[bisect.bisect_left(_FAST_SIZES, needed)]


_FAST_SIZES = sorted({((m << k) * 4 // 10) * 2 for k in range(64) for m in FFT_EIGHTHS})


def frequency_grid(span_days: float, config: PeriodConfig | None = None,
                   gapped: bool = False) -> np.ndarray:
    """The frequencies (cycles/day) searched for a star whose observations span ``span_days``.

    The grid is the multiples ``j * step`` of ``step = (1/min_period) / J`` from the last one
    at or below ``1/max_period`` (or ``1/span``), but never below ``step`` itself (about
    ``1/span``), up to ``1/min_period``: periods longer than the span are reached by the
    search's exact scan of the lowest peak widths, not by this grid (nor by
    :func:`periodogram`, which draws it). A periodogram peak is
    ``1/span`` wide, so ``J`` is the smallest size with ``step <= 1 / (oversampling * span)``:
    at least ``oversampling`` samples per peak. The sizes are those whose FFT is fast (see
    :data:`FFT_EIGHTHS`; at most 4/3 times the frequencies needed), or with
    ``grid_size_ratio`` the powers of that ratio. Fixing ``J`` to a few sizes lets stars of
    similar span share NUFFT plans. The grid is a subset of ``linspace(0, 1/min_period, J + 1)``, so
    with ``grid_size_ratio=2`` it is light-curve's power-of-two grid without its lowest
    frequencies. The search refines its best peaks far below this step. ``gapped``: a star
    seen in short stretches far apart, whose grid is :data:`GAPPED_OVERSAMPLING` times finer.
    """
    config = config or PeriodConfig()
    if not span_days > 0:
        raise ValueError(f"span_days must be positive, got {span_days}")
    step, first, n_steps = _grid_size(float(span_days), config, gapped)
    return step * np.arange(first, n_steps + 1, dtype=np.float64)


# ---------------------------------------------------------------------- one star
PEAK_SAMPLE = 16  # see _local_maxima


def _local_maxima(stat: np.ndarray, n: int) -> np.ndarray:
    """Indices of the ``n`` highest local maxima (ends included), highest first."""
    if len(stat) < 3:
        peaks = np.array([int(np.argmax(stat))] if len(stat) else [], dtype=np.int64)
    else:  # as if -inf lay beyond both ends (no padded copy: this runs on every grid)
        inner = stat[1:-1]
        peak = (inner > stat[:-2]) & (inner >= stat[2:])
        # A coarse grid has a peak every ~3 points, and partitioning them all took 3/4 of this
        # function's time. The n-th highest of some of them (those at every PEAK_SAMPLE-th
        # point) is at most the n-th highest of all: peaks below it cannot be chosen.
        some = np.flatnonzero(peak[::PEAK_SAMPLE]) * PEAK_SAMPLE + 1
        if len(some) > n:
            peak &= inner >= np.partition(stat[some], -n)[-n]
        peaks = np.flatnonzero(peak) + 1
        ends = [i for i, is_peak in ((0, stat[0] >= stat[1]), (len(stat) - 1,
                                                               stat[-1] > stat[-2])) if is_peak]
        if ends:
            peaks = np.concatenate([peaks, ends])
    if len(peaks) > n:
        peaks = peaks[np.argpartition(stat[peaks], -n)[-n:]]
    return peaks[np.argsort(stat[peaks])[::-1]]


def _distinct(freq: np.ndarray, value: np.ndarray, span: float, k: int) -> np.ndarray:
    """Indices of the ``k`` highest peaks, best first, counting candidates that climbed to
    the same peak (closer than half a peak width, ``0.5 / span``) once."""
    chosen: list[int] = []
    for i in np.argsort(value)[::-1]:
        if all(abs(freq[i] - freq[j]) * span > 0.5 for j in chosen):
            chosen.append(int(i))
            if len(chosen) == k:
                break
    return np.array(chosen, dtype=np.int64)


class _Search:
    """The per-star search; one instance per worker task (it owns the NUFFT plans)."""

    def __init__(self, config: PeriodConfig) -> None:
        self.config = config
        self.plans = NufftPlans(config.single_precision) if config.engine == "finufft" else None

    def grid_power(self, band: Band, step: float, n_steps: int,
                   statistic: Literal["gls", "schuster"] = "gls") -> np.ndarray:
        if self.plans is None:  # nifty-ls: the cross-check computes the power itself
            return nifty_power(band, step, n_steps, self.config.single_precision)
        if statistic == "schuster":
            return self.plans.schuster(band, step, n_steps)
        return self.plans.power(band, step, n_steps)

    def star(self, bands: list[Band], span: float, gapped: bool = False) -> np.ndarray | None:
        """[frequency, power, fap, log10_fap, (period_i, power_i) * n_peaks] of one star, or
        None when no frequency explains anything (constant magnitudes)."""
        config = self.config
        step, first, n_steps = _grid_size(span, config, gapped)
        dofs = np.array([b.n - FIT_DOF for b in bands], dtype=np.float64)
        statistic = config.coarse_statistic
        powers = [self.grid_power(b, step, n_steps, statistic)[first - 1:] for b in bands]
        best = _local_maxima(combine(powers, dofs), config.n_candidates)
        if statistic == "schuster" and self.plans is not None and len(bands) > 1:
            # Schuster's values are normalised only roughly: through Z's logarithm a sparse
            # band's value near 1 (noise) can outweigh a true peak in all the others. The
            # peaks of the bands' powers summed, weighted as Z weighs them, are candidates
            # too (the exact powers then decide, by Z).
            summed = sum(dof * power for dof, power in zip(dofs, powers, strict=True))
            best = np.union1d(best, _local_maxima(summed, config.n_candidates))
        freq = (best + first) * step
        # The lowest LOW_WIDTHS peak widths again, exactly and LOW_STEPS times finer: there
        # seasonal gaps make peaks narrower than 1/span and the floating mean matters most
        # (the long periods of Miras), and a coarse grid missed such peaks.
        fine_step = step / LOW_STEPS
        n_low = min(math.ceil(LOW_WIDTHS / (span * fine_step)) + 1,
                    math.floor((n_steps - first) * LOW_STEPS) + 1)
        low = combine([direct_power(b, np.array([first * step]), fine_step, n_low,
                                      config.single_precision)[0] for b in bands], dofs)
        freq = np.concatenate([freq, first * step + fine_step * _local_maxima(
            low, LOW_CANDIDATES)])
        # The search range; the grid's first point lies up to one step below f_lo.
        f_lo, f_hi = 1.0 / (config.max_period or span), n_steps * step

        # Zoom in twice: +-1 grid step in REFINE_POINTS points, then +-1 of those points in
        # as many points as make them FINEST peak widths apart. The first zoom, over every
        # candidate, only ranks them: in single precision (with single_precision). After it
        # each peak is within a few % of its height, so only the best few distinct peaks go
        # on, in double precision.
        half = step
        for stage in range(2):
            points = REFINE_POINTS if stage == 0 else max(
                REFINE_POINTS, math.ceil(2.0 * half * span / FINEST - 1e-9) + 1)
            fine = 2.0 * half / (points - 1)
            start = np.maximum(np.minimum(freq - half, f_hi - 2.0 * half), f_lo)
            single = stage == 0 and config.single_precision
            stat = combine([direct_power(b, start, fine, points, single) for b in bands],
                            dofs)
            pick = np.argmax(stat, axis=1)
            freq = start + fine * pick
            value = stat[np.arange(len(freq)), pick]
            half = fine
            if stage == 0:
                keep = _distinct(freq, value, span, config.n_peaks + KEEP_EXTRA)
                freq, value, pick = freq[keep], value[keep], pick[keep]
        # Last, the vertex of the parabola through the best point and its neighbours: the
        # power near a peak is quadratic, so this leaves ~1e-6 of it instead of ~1e-3.
        rows = np.arange(len(freq))
        inner = np.clip(pick, 1, points - 2)
        left, mid, right = (stat[rows, inner + d] for d in (-1, 0, 1))
        curve = left - 2.0 * mid + right
        with np.errstate(divide="ignore", invalid="ignore"):
            shift = np.where(curve < 0, 0.5 * (left - right) / curve, 0.0)
        vertex = start + half * (inner + np.clip(shift, -1.0, 1.0))
        at_vertex = combine([direct_power(b, vertex, 0.0, 1)[:, 0] for b in bands], dofs)
        better = at_vertex > value
        freq, value = np.where(better, vertex, freq), np.where(better, at_vertex, value)

        if not (len(value) and np.max(value) > 0):
            return None
        chosen = _distinct(freq, value, span, config.n_peaks)
        z = to_z(value[chosen], dofs)
        power = -np.expm1(-z / dofs.sum())
        time_var = float(np.average([np.dot(b.w, (b.t - np.dot(b.w, b.t)) ** 2) for b in bands],
                                    weights=dofs))
        fap, log10_fap = _false_alarm(float(z[0]), len(bands), f_hi - f_lo, time_var)
        row = np.full(4 + 2 * config.n_peaks, np.nan)
        row[:4] = freq[chosen[0]], power[0], fap, log10_fap
        row[4:4 + 2 * len(chosen):2] = 1.0 / freq[chosen]
        row[5:5 + 2 * len(chosen):2] = power
        return row


def _false_alarm(z: float, n_bands: int, width: float,
                 time_var: float) -> tuple[float, float]:
    """(FAP, log10 FAP) of the statistic ``z`` over a band of frequencies ``width`` wide.

    Davies' bound as Baluev (2008) uses it for one band: ``FAP = 1 - (1 - p) e^-tau``, with
    ``p`` the one-frequency tail (chi-squared, ``2K`` degrees of freedom) and ``tau`` the
    expected number of upcrossings of level ``z`` by a chi-squared process (Rice formula):
    ``width * sqrt(2 pi var(t)) * z^(K - 1/2) e^(-z/2) / (2^(K-1) Gamma(K))``.
    """
    log_p = _log_chi2_tail(z, n_bands)
    log_tau = (math.log(max(width, 1e-300)) + 0.5 * math.log(2.0 * math.pi * time_var)
               + (n_bands - 0.5) * math.log(max(z, 1e-300)) - 0.5 * z
               - (n_bands - 1) * math.log(2.0) - math.lgamma(n_bands))
    # 1 - (1 - p) e^-tau, kept accurate when both are tiny.
    p, tau = math.exp(log_p), math.exp(min(log_tau, 700.0))
    fap = -math.expm1(math.log1p(-min(p, 1.0)) - tau) if p < 1 else 1.0
    if fap > 1e-12:
        return fap, math.log10(fap)
    log_small = max(log_p, log_tau) + math.log1p(math.exp(-abs(log_p - log_tau)))
    return fap, log_small / math.log(10.0)


def _log_chi2_tail(z: float, n_bands: int) -> float:
    """log P(chi2 with 2K degrees of freedom > z), finite far into the tail."""
    tail = float(special.gammaincc(n_bands, 0.5 * z))
    if tail > 1e-280:
        return math.log(tail)
    # Leading term of the asymptotic series of the upper incomplete gamma function.
    return (n_bands - 1) * math.log(0.5 * z) - 0.5 * z - math.lgamma(n_bands)


# ---------------------------------------------------------------------- all stars
def _weights(err: np.ndarray, use_errors: bool, events: Counter[str]) -> np.ndarray:
    """1/err**2 where errors are usable; see :func:`find_periods` for missing errors."""
    if not use_errors:
        return np.ones_like(err)
    good = np.isfinite(err) & (err > 0)
    if good.all():
        return err ** -2.0
    if not good.any():
        events["period_curves_without_errors"] += 1
        return np.ones_like(err)
    events["period_points_err_filled"] += int(np.count_nonzero(~good))
    return np.where(good, err, np.median(err[good])) ** -2.0


def _shortest_span(config: PeriodConfig) -> float:
    """The span a star needs beyond which its period is searched: without ``max_period`` the
    search runs from 1/span to 1/min_period, so it needs span > min_period."""
    return 0.0 if config.max_period else config.min_period


def find_periods(lcs: LightCurves, config: PeriodConfig | None = None, n_jobs: int = 1,
                 report: DropReport | None = None) -> pd.DataFrame:
    """Best periods of every star: one row per star, in order of first appearance of its id.

    Columns: ``id``; ``n_bands`` and ``n_points`` used; ``span`` (days); ``frequency``
    (cycles/day), ``period`` (days) and ``power`` of the best peak; ``fap``, its false-alarm
    probability (see the module docstring; ``log10_fap`` where it underflows); then
    ``period_1, power_1, ..., period_k, power_k``, the ``n_peaks`` highest distinct peaks,
    best first (``period_1 == period``; NaN when a star has fewer peaks).

    Stars are never dropped: a star with no band of at least ``min_points`` finite points,
    whose observations span no more than ``min_period`` (when ``max_period`` is None) or more
    than ``MAX_SPAN_DAYS`` (times mixing JD and MJD, or in seconds) or whose magnitudes are
    all equal gets NaN, counted in ``report`` as ``period_stars_too_few_points`` /
    ``period_stars_span_too_short`` / ``period_stars_span_too_long`` /
    ``period_stars_constant``; one whose magnitudes vary but no frequency fits them
    (observed at fewer than three distinct times) gets NaN, counted as
    ``period_stars_without_fit``. A band that is too short in an otherwise usable star is left
    out (``period_curves_too_few_points``), and so is a band of equal magnitudes beside a
    band that varies (``period_curves_constant``: it explains nothing, and its degrees of
    freedom would lower the power). Points with a non-finite time or magnitude are
    ignored (``period_points_not_finite``). With ``use_errors``, a curve with some unusable
    errors (NaN, <= 0) gets the median of its other errors there
    (``period_points_err_filled``); one without any is weighted uniformly
    (``period_curves_without_errors``).

    ``n_jobs`` threads work on stars at once (the NUFFT and NumPy release the GIL); -1 uses
    every CPU. Two threads ran 1.4x as fast as one on 2 otherwise idle cores (the Python and
    memory-bound parts do not scale; on 2 cores busy with other work, 1.0x). Results do not
    depend on ``n_jobs``.
    """
    config = config or PeriodConfig()
    report = report if report is not None else DropReport()
    stars = _measure_stars(lcs, config, report)
    todo = _stars_to_search(stars, config, report)
    values, n_points, n_bands = _search_all(stars, todo, config, n_jobs, report)
    _note_near_min_period(stars, values, config, report)
    return _periods_frame(stars.ids, n_bands, n_points,
                          np.where(stars.too_few, np.nan, stars.span), values, config.n_peaks)


def _measure_stars(lcs: LightCurves, config: PeriodConfig, report: DropReport) -> _Stars:
    """Each star's usable curves (of ``min_points`` finite points), their span and sampling,
    found for all stars without a loop over points; the points not finite counted."""
    codes, uniques = lcs.star_codes()
    n_stars = len(uniques)
    finite = np.isfinite(lcs.time) & np.isfinite(lcs.mag)
    report.note("period_points_not_finite", int(np.count_nonzero(~finite)))
    usable = np.bincount(lcs.curve_index[finite], minlength=lcs.n_curves) >= config.min_points
    star_lo, star_hi = _star_spans(lcs, finite, codes[usable], usable, n_stars)
    span = star_hi - star_lo
    with np.errstate(invalid="ignore"):  # inf - inf for stars without a usable curve
        middle = 0.5 * (star_lo + star_hi)
    gapped, fine = _sampling(*_used_points(lcs, codes, finite, usable), span, config.min_period)
    curves_of = np.argsort(codes, kind="stable")
    curve_start = np.searchsorted(codes[curves_of], np.arange(n_stars + 1))
    too_few = np.bincount(codes[usable], minlength=n_stars) == 0
    return _Stars(lcs, uniques, codes, curves_of, curve_start, finite, usable, span, middle,
                  too_few, gapped, fine)


def _used_points(lcs: LightCurves, codes: np.ndarray, finite: np.ndarray, usable: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """The time and star of each point searched: finite, of a usable curve."""
    point_curve = lcs.curve_index  # (a property: made again on each use)
    used = finite & usable[point_curve]
    return lcs.time[used], codes[point_curve[used]]


@dataclass(frozen=True)
class _Stars:
    """What the searches read of the stars (:func:`_measure_stars`)."""

    lcs: LightCurves
    ids: np.ndarray  # per star, in order of first appearance
    codes: np.ndarray  # per curve: its star
    curves_of: np.ndarray  # the curves by star: star s's from curve_start[s] to [s + 1]
    curve_start: np.ndarray
    finite: np.ndarray  # per point: a finite time and magnitude
    usable: np.ndarray  # per curve: at least min_points finite points
    span: np.ndarray  # per star: the days its usable curves span
    middle: np.ndarray  # per star: the middle of that span, its search's origin of time
    too_few: np.ndarray  # per star: no usable curve
    gapped: np.ndarray  # per star: observed in short stretches far apart (_sampling)
    fine: np.ndarray  # per star: sampled finely enough for periods below min_period

    def curves(self, s: int) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Star ``s``'s usable curves: the (time, mag, err) of their finite points."""
        lcs, curves = self.lcs, []
        for k in self.curves_of[self.curve_start[s]:self.curve_start[s + 1]]:
            if self.usable[k]:
                a, b = lcs.offsets[k], lcs.offsets[k + 1]
                keep = self.finite[a:b]
                curves.append((lcs.time[a:b][keep], lcs.mag[a:b][keep], lcs.err[a:b][keep]))
        return curves


def _stars_to_search(stars: _Stars, config: PeriodConfig, report: DropReport) -> np.ndarray:
    """The stars whose period can be searched, those of equal grid sizes together (they share
    NUFFT plans); the others, and the curves too short in the rest, counted."""
    too_few, span = stars.too_few, stars.span
    zero_span = ~too_few & ~(span > _shortest_span(config))
    # Times mixing JD and MJD, or in seconds: a grid of tens of millions of frequencies (a GB)
    # for one star, and no period to find.
    too_long = ~too_few & (span > MAX_SPAN_DAYS)
    report.note("period_stars_too_few_points", int(np.count_nonzero(too_few)))
    report.note("period_stars_span_too_short", int(np.count_nonzero(zero_span)))
    report.note("period_stars_span_too_long", int(np.count_nonzero(too_long)))
    report.note("period_curves_too_few_points",
                int(np.count_nonzero(~stars.usable & ~too_few[stars.codes])))
    todo = np.flatnonzero(~too_few & ~zero_span & ~too_long)
    # Stars sampled every few minutes (TESS, Kepler's short cadence) show periods far below
    # min_period, which the search does not reach (delta Scuti stars of 0.03-0.049 d can get
    # 13-day periods): counted, so that the report says --min-period.
    report.note("period_stars_sampled_finely_enough_for_periods_below_min_period",
                int(np.count_nonzero(stars.fine[todo])))
    sizes = np.array([_grid_size(float(span[s]), config, bool(stars.gapped[s]))[2]
                      for s in todo], dtype=np.int64)
    return todo[np.argsort(sizes, kind="stable")]  # equal grid sizes share NUFFT plans


def _search_all(stars: _Stars, todo: np.ndarray, config: PeriodConfig, n_jobs: int,
                report: DropReport) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each star's row of :meth:`_Search.star` (NaN where not searched), and the points and
    bands it used: ``todo`` in tasks of ``TASK_STARS`` stars on ``n_jobs`` threads, their
    events counted in the tasks' order."""
    workers = n_workers(n_jobs)
    with one_blas_thread():
        if workers == 1 or len(todo) <= TASK_STARS:
            results = [_search_stars(stars, todo, config)]
            chunks = [todo]
        else:
            chunks = [todo[i:i + TASK_STARS] for i in range(0, len(todo), TASK_STARS)]
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(lambda chunk: _search_stars(stars, chunk, config),
                                        chunks))
    n_stars = len(stars.ids)
    values = np.full((n_stars, 4 + 2 * config.n_peaks), np.nan)
    n_points = np.zeros(n_stars, dtype=np.int64)
    n_bands = np.zeros(n_stars, dtype=np.int64)
    for chunk, (rows, points, used, events) in zip(chunks, results, strict=True):
        values[chunk] = rows
        n_points[chunk], n_bands[chunk] = points, used
        for event, n in events.items():
            report.note(event, n)
    return values, n_points, n_bands


def _search_stars(stars: _Stars, chunk: np.ndarray, config: PeriodConfig
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray, Counter[str]]:
    """One task: the rows of ``chunk``'s stars, the points and bands each used, and the events
    (its own, so that tasks on threads do not share a counter or NUFFT plans)."""
    search = _Search(config)
    events: Counter[str] = Counter()
    rows = np.full((len(chunk), 4 + 2 * config.n_peaks), np.nan)
    points = np.zeros(len(chunk), dtype=np.int64)
    used = np.zeros(len(chunk), dtype=np.int64)
    for i, s in enumerate(chunk):
        bands = _star_bands(stars.curves(s), stars.middle[s], config.use_errors, events)
        points[i], used[i] = sum(b.n for b in bands), len(bands)
        row = search.star(bands, float(stars.span[s]), bool(stars.gapped[s]))
        if row is None:  # no frequency explains anything
            constant = all(b.yy == 0 for b in bands)
            events["period_stars_constant" if constant else "period_stars_without_fit"] += 1
        else:
            rows[i] = row
    return rows, points, used, events


def _note_near_min_period(stars: _Stars, values: np.ndarray, config: PeriodConfig,
                          report: DropReport) -> None:
    """Count the stars whose significant best period is at the edge of the grid
    (:data:`PERIOD_EDGE`), and of them those observed too slowly to show it
    (:data:`NYQUIST_EVENT`)."""
    with np.errstate(invalid="ignore"):  # stars without a period: NaN
        near = ((values[:, 0] >= 1.0 / (PERIOD_EDGE * config.min_period))
                & (values[:, 2] <= EDGE_FAP))
    report.note("period_stars_best_period_near_min_period", int(np.count_nonzero(near)))
    if near.any():  # of them, those whose regular cadence cannot show such a period
        step = _regular_step(*_used_points(stars.lcs, stars.codes, stars.finite, stars.usable),
                             len(stars.ids))
        report.note(NYQUIST_EVENT, int(np.count_nonzero(near & (2.0 * step >= config.min_period))))


def _sampling(time: np.ndarray, star: np.ndarray, span: np.ndarray, min_period: float = 0.0
              ) -> tuple[np.ndarray, np.ndarray]:
    """Per star (``span`` long): whether it was observed in short stretches far apart (its
    longest stretch without a gap over :data:`GAP_SHARE` of its span is shorter than
    1/:data:`GAPPED_RATIO` of the span, or 1/:data:`ONE_GAP_RATIO` of it where there are two
    stretches), and whether it was sampled finely enough for periods
    below ``min_period`` (:data:`FINE_SHARE` of its points in stretches with at most
    :data:`FINE_STEP` of it between points, each :data:`FINE_CYCLES` of it long at least);
    ``time``, ``star``: its points, in any order."""
    n = len(span)
    if not len(time):
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    order = np.lexsort((time, star))
    time, star = time[order], star[order]
    first, last = _stretches(time, star, GAP_SHARE * span[star])
    longest = np.zeros(n)
    np.maximum.at(longest, star[first], time[last] - time[first])
    one_gap = np.bincount(star[first], minlength=n) == 2
    with np.errstate(invalid="ignore"):
        gapped = span > np.where(one_gap, ONE_GAP_RATIO, GAPPED_RATIO) * longest
    first, last = _stretches(time, star, np.full(len(time), FINE_STEP * min_period))
    long_enough = time[last] - time[first] >= FINE_CYCLES * min_period
    in_fine = np.bincount(star[first][long_enough], (last - first + 1)[long_enough], n)
    fine = (in_fine >= FINE_SHARE * np.bincount(star, minlength=n)) & (min_period > 0)
    return gapped, fine


def _regular_step(time: np.ndarray, star: np.ndarray, n: int) -> np.ndarray:
    """Per star: the median step between consecutive points where :data:`REGULAR_SHARE`
    of the steps are whole multiples of it, within 1% (a space telescope's cadence, its gaps
    and flagged points), else NaN (a ground survey's nights, irregular, show periods far
    below their median step); ``time``, ``star``: its points, in any order."""
    order = np.lexsort((time, star))
    time, star = time[order], star[order]
    same = star[1:] == star[:-1]
    steps = pd.DataFrame({"star": star[1:][same], "step": np.diff(time)[same]})
    median = steps.groupby("star")["step"].median()
    with np.errstate(divide="ignore", invalid="ignore"):
        multiple = steps["step"].to_numpy() / median.reindex(steps["star"]).to_numpy()
    steps["close"] = np.abs(multiple - np.round(multiple)) <= 0.01  # gaps: whole steps
    regular = (steps.groupby("star")["close"].mean() >= REGULAR_SHARE) & (median > 0)
    out = np.full(n, np.nan)
    out[median.index[regular.to_numpy()]] = median[regular].to_numpy()
    return out


def _stretches(time: np.ndarray, star: np.ndarray, gap: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) point of each stretch of a star's points each at most ``gap`` (its own)
    after the one before; ``time`` sorted within ``star``, ``star`` sorted."""
    start = np.ones(len(time), dtype=bool)  # where a stretch starts: a new star, or a gap
    with np.errstate(invalid="ignore"):
        start[1:] = (star[1:] != star[:-1]) | (np.diff(time) > gap[1:])
    first = np.flatnonzero(start)
    return first, np.append(first[1:] - 1, len(time) - 1)


def _star_spans(lcs: LightCurves, finite: np.ndarray, star_of_usable: np.ndarray,
                usable: np.ndarray, n_stars: int) -> tuple[np.ndarray, np.ndarray]:
    """(first, last) finite time of each star over its usable curves, without a loop over
    points; (inf, -inf) for a star without one."""
    t_lo = np.where(finite, lcs.time, np.inf)
    t_hi = np.where(finite, lcs.time, -np.inf)
    curve_lo = np.full(lcs.n_curves, np.inf)
    curve_hi = np.full(lcs.n_curves, -np.inf)
    nonempty = lcs.lengths > 0
    if nonempty.any():
        starts = lcs.offsets[:-1][nonempty]
        curve_lo[nonempty] = np.minimum.reduceat(t_lo, starts)
        curve_hi[nonempty] = np.maximum.reduceat(t_hi, starts)
    star_lo = np.full(n_stars, np.inf)
    star_hi = np.full(n_stars, -np.inf)
    np.minimum.at(star_lo, star_of_usable, curve_lo[usable])
    np.maximum.at(star_hi, star_of_usable, curve_hi[usable])
    return star_lo, star_hi


def _periods_frame(ids: np.ndarray, n_bands: np.ndarray, n_points: np.ndarray,
                   span: np.ndarray, values: np.ndarray, n_peaks: int) -> pd.DataFrame:
    """find_periods' table from the searches' rows ``[frequency, power, fap, log10_fap,
    (period_i, power_i) * n_peaks]``."""
    frame = pd.DataFrame({
        "id": np.asarray(ids, dtype=object),
        "n_bands": n_bands,
        "n_points": n_points,
        "span": span,
        "frequency": values[:, 0],
        "period": 1.0 / values[:, 0],
        "power": values[:, 1],
        "fap": values[:, 2],
        "log10_fap": values[:, 3],
    })
    for i in range(n_peaks):
        frame[f"period_{i + 1}"] = values[:, 4 + 2 * i]
        frame[f"power_{i + 1}"] = values[:, 5 + 2 * i]
    return frame


def _star_bands(curves: list[tuple[np.ndarray, np.ndarray, np.ndarray]], middle: float,
                use_errors: bool, events: Counter[str]) -> list[Band]:
    """A star's usable curves (finite points, enough of them) as the bands its search
    combines, times from the star's ``middle``. Only the bands that vary, where one does: a
    constant band explains nothing but would count its degrees of freedom, lowering the
    power and raising the false-alarm probability (``period_curves_constant``)."""
    bands = [Band(t - middle, m, _weights(e, use_errors, events)) for t, m, e in curves]
    varying = [b for b in bands if b.yy > 0]
    if varying and len(varying) < len(bands):
        events["period_curves_constant"] += len(bands) - len(varying)
        return varying
    return bands


def periodogram(curves: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                config: PeriodConfig | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(frequency, power) of one star on the coarse grid :func:`find_periods` searches: each
    band's ``(time, mag, err)`` combined as there. For figures: the peaks themselves come from
    ``find_periods``, which refines them beyond this grid. Empty arrays where ``find_periods``
    finds no period for want of points or span.

    In double precision: in single precision, frequencies where every point falls at the same
    phase (the sampling frequency of regularly sampled curves) can show spurious peaks, which
    the search's exact re-evaluation removes but a figure would show."""
    config = (config or PeriodConfig()).replace(single_precision=False)
    events: Counter[str] = Counter()
    kept = []
    for t, m, e in curves:
        ok = np.isfinite(t) & np.isfinite(m)
        if np.count_nonzero(ok) >= config.min_points:
            kept.append((t[ok], m[ok], e[ok]))
    if not kept:
        return np.empty(0), np.empty(0)
    lo, hi = min(float(t.min()) for t, _, _ in kept), max(float(t.max()) for t, _, _ in kept)
    span = hi - lo
    if not span > _shortest_span(config) or span > MAX_SPAN_DAYS:
        return np.empty(0), np.empty(0)  # as find_periods: no period (a grid too big to hold)
    bands = _star_bands(kept, 0.5 * (lo + hi), config.use_errors, events)
    times = np.concatenate([t for t, _, _ in kept])
    gapped = bool(_sampling(times, np.zeros(len(times), dtype=np.int64),
                            np.array([span]))[0][0])
    step, first, n_steps = _grid_size(span, config, gapped)
    search = _Search(config)
    dofs = np.array([b.n - FIT_DOF for b in bands], dtype=np.float64)
    z = to_z(combine([search.grid_power(b, step, n_steps)[first - 1:] for b in bands], dofs),
              dofs)
    return frequency_grid(span, config, gapped), -np.expm1(-z / dofs.sum())
