import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves
from lcformer.data.variability import (
    DRW_COLUMNS,
    MIN_POINTS,
    _log_likelihood,
    _padded,
    drw_fit,
)


def damped_random_walk(rng: np.random.Generator, n: int, span: float, tau: float, s: float,
                       err: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """An exact Ornstein-Uhlenbeck draw at sorted random times, plus Gaussian errors."""
    t = np.sort(rng.uniform(0.0, span, n))
    x = np.empty(n)
    x[0] = s * rng.standard_normal()
    a = np.exp(-np.diff(t) / tau)
    for i in range(1, n):
        x[i] = a[i - 1] * x[i - 1] + s * np.sqrt(1.0 - a[i - 1] ** 2) * rng.standard_normal()
    return t, 12.0 + x + err * rng.standard_normal(n), np.full(n, err)


def curves(*curves: tuple[np.ndarray, np.ndarray, np.ndarray]) -> LightCurves:
    return LightCurves.from_arrays(
        ids=[f"s{k}" for k in range(len(curves))], bands=["V"] * len(curves),
        time=np.concatenate([c[0] for c in curves]), mag=np.concatenate([c[1] for c in curves]),
        err=np.concatenate([c[2] for c in curves]), lengths=[len(c[0]) for c in curves])


@settings(max_examples=15, deadline=None)
@given(n=st.integers(2, 12), log_tau=st.floats(-1.0, 2.0), log_s=st.floats(-2.0, 0.5),
       seed=st.integers(0, 2**16))
def test_the_kalman_filter_gives_the_exact_gaussian_likelihood(n: int, log_tau: float,
                                                                log_s: float, seed: int) -> None:
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0.0, 30.0, n))
    y = rng.normal(0.0, 0.5, n)
    var = rng.uniform(0.01, 0.1, n) ** 2
    lnl = _log_likelihood(t[None], y[None], var[None], np.ones((1, n), bool),
                          np.array([[log_tau]]), np.array([[log_s]]))[0, 0]
    cov = 10.0 ** (2 * log_s) * np.exp(-np.abs(t[:, None] - t[None, :]) / 10.0**log_tau)
    cov += np.diag(var)
    _, logdet = np.linalg.slogdet(cov)
    assert lnl == pytest.approx(-0.5 * (logdet + y @ np.linalg.solve(cov, y)), rel=1e-9)


@pytest.mark.parametrize(("tau", "s"), [(0.5, 0.05), (5.0, 0.3), (60.0, 1.0)])
def test_recovers_the_time_scale_and_amplitude_of_a_damped_random_walk(tau: float,
                                                                       s: float) -> None:
    rng = np.random.default_rng(1)
    fit = drw_fit(curves(*(damped_random_walk(rng, 600, 60.0 * tau, tau, s, 0.01)
                           for _ in range(3))))
    assert np.all(np.abs(fit["log_drw_tau"] - np.log10(tau)) < 0.3)
    assert np.all(np.abs(fit["log_drw_sigma"] - np.log10(s)) < 0.15)
    np.testing.assert_allclose(fit["log_drw_diffusion"],
                               2 * fit["log_drw_sigma"] - fit["log_drw_tau"])
    assert np.all(fit["drw_gain"] > 0.1)


def test_white_noise_gains_nothing_and_a_walk_gains_a_lot() -> None:
    rng = np.random.default_rng(2)
    t = np.sort(rng.uniform(0.0, 100.0, 300))
    noise = (t, 12.0 + rng.normal(0.0, 0.1, 300), np.full(300, 0.02))
    walk = damped_random_walk(rng, 300, 100.0, 10.0, 0.1, 0.02)
    fit = drw_fit(curves(noise, walk))
    assert fit["drw_gain"].iloc[0] < 0.02
    assert fit["drw_gain"].iloc[1] > 0.5


def test_unusable_curves_get_nan_and_do_not_change_the_others() -> None:
    rng = np.random.default_rng(3)
    walk = damped_random_walk(rng, 200, 50.0, 3.0, 0.2, 0.02)
    short = tuple(a[: MIN_POINTS - 1] for a in damped_random_walk(rng, 50, 9.0, 1.0, 0.2, 0.02))
    flat = (np.arange(20.0), np.full(20, 14.0), np.full(20, 0.01))
    fit = drw_fit(curves(short, walk, flat))
    assert list(fit.columns) == list(DRW_COLUMNS)
    assert fit.iloc[0].isna().all() and fit.iloc[2].isna().all()
    np.testing.assert_array_equal(fit.iloc[1].to_numpy(), drw_fit(curves(walk)).iloc[0])


def test_unknown_errors_take_the_curves_median_error() -> None:
    rng = np.random.default_rng(4)
    t, mag, err = damped_random_walk(rng, 200, 50.0, 3.0, 0.2, 0.02)
    holes = err.copy()
    holes[::3] = np.nan
    fit = drw_fit(curves((t, mag, err), (t, mag, holes), (t, mag, np.full(200, np.nan))))
    np.testing.assert_allclose(fit.iloc[1], fit.iloc[0])  # the median of 0.02s is 0.02
    assert np.isfinite(fit.iloc[2]).all()


def test_the_search_finds_the_best_likelihood_of_a_fine_exhaustive_grid() -> None:
    rng = np.random.default_rng(5)
    walks = []
    for _ in range(20):  # time scales, amplitudes, spans, errors of every regime
        tau, s = 10 ** rng.uniform(-1, 2), 10 ** rng.uniform(-1.5, 0)
        walks.append(damped_random_walk(rng, int(rng.integers(30, 400)),
                                        tau * 10 ** rng.uniform(0.7, 2.5), tau, s,
                                        10 ** rng.uniform(-2.5, -1)))
    lcs = curves(*walks)
    fit = drw_fit(lcs)
    t, y, var, valid, _ = _padded(lcs, np.arange(lcs.n_curves))
    log_tau, log_s = (a.ravel() for a in np.meshgrid(np.arange(-3, 4.01, 0.05),
                                                      np.arange(-3.5, 1.01, 0.05)))
    exhaustive = _log_likelihood(t, y, var, valid, np.tile(log_tau, (lcs.n_curves, 1)),
                                 np.tile(log_s, (lcs.n_curves, 1))).max(1)
    found = _log_likelihood(t, y, var, valid, fit[["log_drw_tau"]].to_numpy(),
                            fit[["log_drw_sigma"]].to_numpy())[:, 0]
    # within 1: inside the 68% region of the two parameters (a log-likelihood 1.15 below)
    assert np.all(found > exhaustive - 1.0)
