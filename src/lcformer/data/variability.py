"""The damped-random-walk fit of each curve: how fast and how far a star wanders.

Periods and folded shapes describe periodic stars. Stochastic variables (quasars, Be stars,
young stars, semi-regular giants, red noise of any kind) differ instead in the time scale and
amplitude of their wandering. The standard description is the damped random walk, an
Ornstein-Uhlenbeck process with covariance ``s**2 exp(-|dt| / tau)`` seen through the
measurement errors (Kelly et al. 2009; Kozlowski et al. 2010, who use it to classify
variable sources of every kind; MacLeod et al. 2010). Its maximum-likelihood ``tau`` and ``s``,
``s**2 / tau``, and how much better it explains a curve than white noise are per-band scalars
of the star views (:mod:`lcformer.data.views`). Periodic stars get them too.

The likelihood is exact, by the Kalman filter of the process plus errors (as Kelly et al.
2009 compute it): O(n) a curve. The filter is a recursion over a curve's points, so it runs
as one loop over the point index, each step vectorised over a chunk of curves (sorted by length, so
little padding) and over many ``(tau, s)`` at once. The fit is a grid search: a coarse grid
(:data:`LOG_TAUS` days; ``s`` relative to the curve's standard deviation, :data:`LOG_SIGMAS`),
then :data:`REFINEMENTS` rounds of the 5 x 5 cells around the best, in steps of ``log10 tau``
and of ``log10 (s**2 / tau)`` that halve each round (0.25, 0.125, 0.0625 dex). Those two
directions follow the likelihood's ridges, where a search along ``tau`` and ``s`` got stuck;
on simulated walks the fit comes within 1 of the best log-likelihood of a fine exhaustive
grid, inside the parameters' 68% region (tests/data/test_variability.py). The mean is the
error-weighted mean, not fitted.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves

#: Per-curve values: log10 tau (days), log10 s (mag), log10 s**2 / tau (mag**2 a day: the
#: rate at which the walk wanders over times short against tau, which a curve measures even
#: where its span is too short for tau), and the log-likelihood gained over white noise (a
#: constant plus errors and a free extra scatter) per point: 0 for noise.
DRW_COLUMNS = ("log_drw_tau", "log_drw_sigma", "log_drw_diffusion", "drw_gain")
LOG_TAUS = np.linspace(-2.0, 3.5, 12)  # days: 0.01 to ~3,000 (step 0.5 dex)
LOG_SIGMAS = np.linspace(-1.5, 0.5, 6)  # of the curve's standard deviation (step 0.4 dex)
REFINEMENTS = 3
MIN_POINTS = 5
MIN_ERR = 1e-3  # mag: a floor, so that error-free points of equal times stay finite
WINDOW = 2  # cells each side of the best in a refinement: a 5 x 5 window
CHUNK_CELLS = 1 << 21  # curves x points of one chunk: bounds its padded arrays at ~50 MB


def drw_fit(lcs: LightCurves) -> pd.DataFrame:
    """One row per curve, columns :data:`DRW_COLUMNS`; NaN for a curve of fewer than
    :data:`MIN_POINTS` points or no scatter. Curves must be time-sorted (cleaned curves are).
    A curve's values do not depend on the other curves (every sum is over its own points)."""
    out = np.full((lcs.n_curves, len(DRW_COLUMNS)), np.nan)
    lengths = np.asarray(lcs.lengths)
    fit = np.flatnonzero(lengths >= MIN_POINTS)
    fit = fit[np.argsort(lengths[fit], kind="stable")]
    fit_lengths = lengths[fit]
    start = 0
    while start < len(fit):  # chunks of at most CHUNK_CELLS padded points, or one curve
        stop = np.arange(start + 1, len(fit) + 1)
        small = (stop - start) * fit_lengths[stop - 1] <= CHUNK_CELLS
        stop = int(stop[small][-1]) if small[0] else start + 1
        out[fit[start:stop]] = _fit_chunk(lcs, fit[start:stop])
        start = stop
    return pd.DataFrame(out, columns=list(DRW_COLUMNS))
def _padded(lcs: LightCurves, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Times, magnitudes minus the weighted mean and error variances, (c, L), and the
    lengths; past its end a curve repeats its last time, with y 0 and variance 1."""
    n = np.asarray(lcs.lengths)[rows]
    step = np.arange(int(n.max()))
    valid = step[None, :] < n[:, None]
    index = lcs.offsets[rows][:, None] + np.minimum(step[None, :], n[:, None] - 1)
    t, mag, err = lcs.time[index], lcs.mag[index], lcs.err[index]
    known = valid & np.isfinite(err) & (err > 0)
    if not known[valid].all():  # an unknown error: the curve's median known one
        with warnings.catch_warnings():  # a curve without any known error: All-NaN
            warnings.simplefilter("ignore", RuntimeWarning)
            typical = np.nanmedian(np.where(known, err, np.nan), axis=1)
        err = np.where(known, err, np.nan_to_num(typical, nan=MIN_ERR)[:, None])
    var = np.where(valid, np.maximum(err, MIN_ERR) ** 2, 1.0)
    mean = _curve_sums(mag / var, n, valid) / _curve_sums(1.0 / var, n, valid)
    y = np.where(valid, mag - mean[:, None], 0.0)
    return t, y, var, n


def _curve_sums(values: np.ndarray, n: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Each row's sum over its own points: the same whatever the padding, unlike ``sum(1)``,
    whose order of additions depends on the row's length."""
    return np.add.reduceat(values[valid], np.concatenate([[0], np.cumsum(n)[:-1]]))


def _fit_chunk(lcs: LightCurves, rows: np.ndarray) -> np.ndarray:
    t, y, var, n = _padded(lcs, rows)
    valid = np.arange(t.shape[1])[None, :] < n[:, None]
    sd = np.sqrt(_curve_sums(y * y, n, valid) / (n - 1))
    scatter = sd > 0
    log_sd = np.log10(np.where(scatter, sd, 1.0))[:, None]
    log_tau = np.repeat(LOG_TAUS, len(LOG_SIGMAS))[None, :]
    log_s = np.tile(LOG_SIGMAS, len(LOG_TAUS))[None, :] + log_sd
    lnl = _log_likelihood(t, y, var, n, log_tau, log_s)
    best = lnl.argmax(1)[:, None]
    centre = np.take_along_axis(np.stack([np.broadcast_to(log_tau, lnl.shape), log_s]),
                                best[None], axis=2)[:, :, 0].T
    best_lnl = np.take_along_axis(lnl, best, axis=1)[:, 0]
    # Around the best, steps of log10 tau and of log10 (s**2 / tau), the walk's diffusion:
    # the likelihood's ridges follow one (tau long against the span: s**2 / tau is what the
    # curve measures) or the other (tau below the cadence: white noise of variance s**2).
    around = np.arange(-WINDOW, WINDOW + 1, dtype=np.float64)
    log_tau_step, log_diffusion_step = (a.ravel() for a in np.meshgrid(around, around))
    offsets = np.column_stack([log_tau_step, (log_diffusion_step + log_tau_step) / 2])
    step = (LOG_TAUS[1] - LOG_TAUS[0]) / 2
    for _ in range(REFINEMENTS):
        cells = centre[:, None, :] + offsets[None] * step  # (c, cells, 2)
        step /= 2
        lnl = _log_likelihood(t, y, var, n, cells[..., 0], cells[..., 1])
        best = lnl.argmax(1)
        better = lnl[np.arange(len(best)), best] > best_lnl
        centre = np.where(better[:, None], cells[np.arange(len(best)), best], centre)
        best_lnl = np.maximum(best_lnl, lnl[np.arange(len(best)), best])
    gain = np.maximum(best_lnl - _white_noise(y, var, n, valid, log_sd), 0.0) / n
    values = np.column_stack([centre, 2 * centre[:, 1] - centre[:, 0], gain])
    values[~scatter] = np.nan
    return values


def _log_likelihood(t: np.ndarray, y: np.ndarray, var: np.ndarray, n: np.ndarray,
                    log_tau: np.ndarray, log_s: np.ndarray) -> np.ndarray:
    """The damped random walk's log-likelihood (without its constant) of each curve (rows of
    the (c, L) inputs, the first ``n`` points of each) at each of its cells (c, G) of
    (log10 tau, log10 s): the Kalman filter. Rows are taken shortest first, so that each
    step updates only the curves that reach it: no work, and no rounding, past a curve's end."""
    order = np.argsort(n, kind="stable")
    n = n[order]
    decay = -(10.0 ** -np.broadcast_to(log_tau, (len(n), log_tau.shape[1]))[order])  # -1/tau
    s2 = 10.0 ** (2 * np.broadcast_to(log_s, decay.shape)[order])
    steps = np.diff(t[order], axis=1).T.copy()  # (L - 1, c): one row a step, contiguous
    y_t, var_t = y[order].T.copy(), var[order].T.copy()
    estimate = np.zeros(s2.shape)
    spread = s2.copy()  # the variance of the process at the point, before seeing it
    lnl = np.zeros(s2.shape)
    a = np.empty(s2.shape)
    first = np.searchsorted(n, np.arange(t.shape[1]), side="right")  # the curves reaching j
    for j in range(t.shape[1]):  # a recursion: one step a point, vectorised over curves x cells
        k = first[j]
        est, spr, s2_j, a_j = estimate[k:], spread[k:], s2[k:], a[k:]
        if j:
            np.exp(np.multiply(steps[j - 1, k:, None], decay[k:], out=a_j), out=a_j)
            est *= a_j
            a_j *= a_j
            spr -= s2_j  # spread = a**2 spread + (1 - a**2) s2
            spr *= a_j
            spr += s2_j
        total = spr + var_t[j, k:, None]
        miss = y_t[j, k:, None] - est
        lnl[k:] += np.log(total)
        gain = spr / total
        lnl[k:] += miss * miss / total
        est += gain * miss
        spr -= gain * spr
    out = np.empty_like(lnl)
    out[order] = -0.5 * lnl
    return out


def _white_noise(y: np.ndarray, var: np.ndarray, n: np.ndarray, valid: np.ndarray,
                 log_sd: np.ndarray) -> np.ndarray:
    """The best log-likelihood (same constant) of white noise: errors plus a free extra
    scatter, none or 10**-2 to 10 times the standard deviation."""
    best = np.full(len(y), -np.inf)
    for log_rel in [-np.inf, *np.linspace(-2.0, 1.0, 31)]:
        total = var + 10.0 ** (2 * (log_sd + log_rel))
        best = np.maximum(best, -0.5 * _curve_sums(np.log(total) + y * y / total, n, valid))
    return best
