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
PADDING_VAR = 1e30  # mag**2: the error variance of a padded point
CHUNK_CELLS = 1 << 21  # curves x points of one chunk: bounds its padded arrays at ~50 MB


def drw_fit(lcs: LightCurves) -> pd.DataFrame:
    """One row per curve, columns :data:`DRW_COLUMNS`; NaN for a curve of fewer than
    :data:`MIN_POINTS` points or no scatter. Curves must be time-sorted (cleaned curves are)."""
    out = np.full((lcs.n_curves, len(DRW_COLUMNS)), np.nan)
    lengths = np.asarray(lcs.lengths)
    fit = np.flatnonzero(lengths >= MIN_POINTS)
    fit = fit[np.argsort(lengths[fit], kind="stable")]
    start = 0
    while start < len(fit):
        longest = int(lengths[fit[min(start + 64, len(fit)) - 1]])
        size = max(1, min(CHUNK_CELLS // max(longest, 1), len(fit) - start))
        rows = fit[start:start + size]
        out[rows] = _fit_chunk(lcs, rows)
        start += size
    return pd.DataFrame(out, columns=list(DRW_COLUMNS))


def _padded(lcs: LightCurves, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """Times, magnitudes minus the weighted mean, error variances and the valid mask, (c, L);
    padding repeats a curve's last time (so its steps change nothing) and is masked."""
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
    var = np.maximum(err, MIN_ERR) ** 2
    weight = np.where(valid, 1.0 / var, 0.0)
    mean = (weight * mag).sum(1) / weight.sum(1)
    y = np.where(valid, mag - mean[:, None], 0.0)
    return t, y, var, valid, n


def _fit_chunk(lcs: LightCurves, rows: np.ndarray) -> np.ndarray:
    t, y, var, valid, n = _padded(lcs, rows)
    sd = np.sqrt((y * y).sum(1) / (n - 1))
    scatter = sd > 0
    log_sd = np.log10(np.where(scatter, sd, 1.0))[:, None]
    log_tau = np.repeat(LOG_TAUS, len(LOG_SIGMAS))[None, :]
    log_s = np.tile(LOG_SIGMAS, len(LOG_TAUS))[None, :] + log_sd
    lnl = _log_likelihood(t, y, var, valid, log_tau, log_s)
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
        lnl = _log_likelihood(t, y, var, valid, cells[..., 0], cells[..., 1])
        best = lnl.argmax(1)
        better = lnl[np.arange(len(best)), best] > best_lnl
        centre = np.where(better[:, None], cells[np.arange(len(best)), best], centre)
        best_lnl = np.maximum(best_lnl, lnl[np.arange(len(best)), best])
    gain = np.maximum(best_lnl - _white_noise(y, var, valid, log_sd), 0.0) / n
    values = np.column_stack([centre, 2 * centre[:, 1] - centre[:, 0], gain])
    values[~scatter] = np.nan
    return values


def _log_likelihood(t: np.ndarray, y: np.ndarray, var: np.ndarray, valid: np.ndarray,
                    log_tau: np.ndarray, log_s: np.ndarray) -> np.ndarray:
    """The damped random walk's log-likelihood (without its constant) of each curve (rows of
    the (c, L) inputs) at each of its cells (c, G) of (log10 tau, log10 s): the Kalman filter.

    A padded point gets an error so large that it teaches the filter nothing; the constant
    it adds to the sum (the log of that variance) is taken off at the end."""
    decay = -(10.0 ** -log_tau)  # -1 / tau
    s2 = 10.0 ** (2 * log_s)
    steps = np.diff(t, axis=1).T.copy()  # (L - 1, c): one row a step, contiguous
    y_t = y.T.copy()
    var_t = np.where(valid, var, PADDING_VAR).T.copy()
    estimate = np.zeros(s2.shape)
    spread = s2.copy()  # the variance of the process at the point, before seeing it
    lnl = np.zeros(s2.shape)
    a = np.empty(s2.shape)
    for j in range(t.shape[1]):  # a recursion: one step a point, vectorised over curves x cells
        if j:
            np.exp(np.multiply(steps[j - 1, :, None], decay, out=a), out=a)
            estimate *= a
            a *= a
            spread -= s2  # spread = a**2 spread + (1 - a**2) s2
            spread *= a
            spread += s2
        total = spread + var_t[j, :, None]
        miss = y_t[j, :, None] - estimate
        lnl += np.log(total)
        gain = spread / total
        lnl += miss * miss / total
        estimate += gain * miss
        spread -= gain * spread
    padding = (~valid).sum(1) * np.log(PADDING_VAR)
    return -0.5 * (lnl - padding[:, None])


def _white_noise(y: np.ndarray, var: np.ndarray, valid: np.ndarray, log_sd: np.ndarray
                 ) -> np.ndarray:
    """The best log-likelihood (same constant) of white noise: errors plus a free extra
    scatter, none or 10**-2 to 10 times the standard deviation."""
    best = np.full(len(y), -np.inf)
    for log_rel in [-np.inf, *np.linspace(-2.0, 1.0, 31)]:
        total = var + 10.0 ** (2 * (log_sd + log_rel))
        lnl = -0.5 * np.where(valid, np.log(total) + y * y / total, 0.0).sum(1)
        best = np.maximum(best, lnl)
    return best
