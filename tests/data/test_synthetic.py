"""The embedded synthetic dataset: shape, determinism and that each process looks like itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import lombscargle

from lcformer.data.lightcurves import LightCurves
from lcformer.data.synthetic import (
    AMPLITUDES,
    CAR_ARS,
    FAMILIES,
    FAMILY_OF,
    FREQUENCIES,
    GP_VARIANCES,
    KINDS,
    SyntheticConfig,
    car1,
    gp_kernel,
    gp_sample,
    irregular_times,
    make_synthetic,
    make_synthetic_with_parameters,
    red_noise,
)

SMALL = SyntheticConfig(n_per_class=40, num=200, keep_percentage=50.0, seed=3)


@pytest.fixture(scope="module")
def default_data() -> tuple[LightCurves, object]:
    """The default-size dataset with its parameter table, built once for the module."""
    return make_synthetic_with_parameters(SyntheticConfig())


def _matrix(column: np.ndarray, curves: LightCurves) -> np.ndarray:
    """All curves have the same length, so the flat column reshapes to (n_curves, n_points)."""
    return column.reshape(curves.n_curves, -1)


# ---------------------------------------------------------------------------- shape and layout
def test_default_counts_lengths_ids_and_bands(default_data) -> None:
    curves, table = default_data
    assert curves.n_curves == curves.n_stars == 900
    labels, counts = np.unique(curves.labels, return_counts=True)
    assert dict(zip(labels, counts, strict=True)) == {f: 300 for f in FAMILIES}
    assert np.all(curves.lengths == 250)
    assert curves.ids[0] == "syn-000000" and curves.ids[-1] == "syn-000899"
    assert len(set(curves.ids)) == 900
    assert set(curves.bands) == {"V"}
    assert list(table["id"]) == list(curves.ids)
    assert all(FAMILY_OF[k] == f for k, f in zip(table["kind"], curves.labels, strict=True))
    # Every kind of a family occurs; stars are shuffled, not grouped by class.
    assert set(table["kind"]) == set(KINDS)
    assert len(set(curves.labels[:50])) == 3


def test_kind_labels_are_balanced() -> None:
    curves = make_synthetic(SyntheticConfig(n_per_class=10, num=100, label_by="kind"))
    labels, counts = np.unique(curves.labels, return_counts=True)
    assert set(labels) == set(KINDS) and np.all(counts == 10)


@pytest.mark.parametrize(
    ("num", "keep", "expected"), [(500, 50.0, 250), (101, 30.0, 30), (40, 100.0, 40), (10, 20.0, 2)]
)
def test_length_is_num_times_keep_percentage(num: int, keep: float, expected: int) -> None:
    config = SyntheticConfig(n_per_class=4, num=num, keep_percentage=keep)
    assert config.n_points == expected
    assert np.all(make_synthetic(config).lengths == expected)


def test_times_sorted_on_grid_and_within_range(default_data) -> None:
    curves, _ = default_data
    times = _matrix(curves.time, curves)
    assert np.all(np.diff(times, axis=1) > 0)
    assert times.min() >= 0.0 and times.max() <= 20.0
    grid = np.linspace(0.0, 20.0, 500)
    assert np.all(np.isin(times, grid))
    # Different stars are sampled at different times.
    assert not np.array_equal(times[0], times[1])


def test_every_curve_varies_and_errors_are_positive(default_data) -> None:
    curves, _ = default_data
    mag = _matrix(curves.mag, curves)
    assert np.all(np.isfinite(mag)) and np.all(mag.std(axis=1) > 1e-3)
    assert np.all(np.isfinite(curves.err)) and np.all(curves.err > 0)
    # Magnitude-like: a base in 10..16 plus the signal.
    assert 8.0 < np.median(mag) < 18.0


def test_errors_carry_no_label_information(default_data) -> None:
    """Measurement errors are drawn alike for all classes, so they cannot leak the label."""
    curves, _ = default_data
    mean_err = _matrix(curves.err, curves).mean(axis=1)
    medians = [np.median(mean_err[curves.labels == f]) for f in FAMILIES]
    assert max(medians) - min(medians) < 0.01


def test_parameters_come_from_the_grids(default_data) -> None:
    _, table = default_data
    sinus = table[table["family"] == "sinusoid"]
    assert set(sinus["frequency"]) <= set(FREQUENCIES)
    assert set(sinus["amplitude"]) <= set(AMPLITUDES)
    gp = table[table["family"] == "gaussian_process"]
    assert set(gp["variance"]) <= set(GP_VARIANCES)
    assert gp.loc[gp["kind"] == "gp_constant", ["gamma", "alpha"]].isna().all().all()
    assert set(table.loc[table["kind"] == "car", "ar"]) == set(CAR_ARS)


def test_empty_and_invalid_configs() -> None:
    empty = make_synthetic(SyntheticConfig(n_per_class=0))
    assert empty.n_curves == 0 and empty.n_points == 0
    with pytest.raises(ValueError, match="label_by"):
        make_synthetic(SyntheticConfig(label_by="period"))
    with pytest.raises(ValueError, match="keep_percentage"):
        make_synthetic(SyntheticConfig(keep_percentage=0.0))
    with pytest.raises(ValueError, match="at least 2"):
        make_synthetic(SyntheticConfig(num=3, keep_percentage=10.0))


# ---------------------------------------------------------------------------- determinism
def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b = make_synthetic(SMALL), make_synthetic(SMALL)
    for name in ("ids", "bands", "labels", "offsets", "time", "mag", "err"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    c = make_synthetic(SyntheticConfig(n_per_class=40, num=200, seed=4))
    assert not np.array_equal(a.mag, c.mag)


@settings(max_examples=25, deadline=None)
@given(
    n_per_class=st.integers(0, 5),
    num=st.integers(4, 80),
    keep=st.floats(50.0, 100.0),
    stop_time=st.floats(0.5, 100.0),
    label_by=st.sampled_from(["family", "kind"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_any_valid_config_gives_a_consistent_dataset(
    n_per_class: int, num: int, keep: float, stop_time: float, label_by: str, seed: int
) -> None:
    config = SyntheticConfig(n_per_class, num, stop_time, keep, label_by, seed)
    curves = make_synthetic(config)
    assert curves.n_curves == n_per_class * len(config.labels)
    assert np.all(curves.lengths == config.n_points)
    if curves.n_curves:
        times = _matrix(curves.time, curves)
        assert np.all(np.diff(times, axis=1) > 0)
        assert times.min() >= 0.0 and times.max() <= stop_time
        assert np.all(np.isfinite(curves.mag)) and np.all(curves.err > 0)


# ---------------------------------------------------------------------------- process statistics
def test_sinusoid_periodogram_peaks_at_its_frequency(default_data) -> None:
    curves, table = default_data
    low_noise = np.flatnonzero(
        (table["kind"] == "sinusoid_white").to_numpy()
        & (table["noise_std"] <= 0.1).to_numpy()
        & (table["amplitude"] >= 2.0).to_numpy()
    )
    assert len(low_noise) > 10
    freqs = np.linspace(0.02, 2.0, 800)
    for k in low_noise:
        t, m, _ = curves.curve(k)
        power = lombscargle(t, m - m.mean(), 2.0 * np.pi * freqs)
        assert abs(freqs[np.argmax(power)] - table["frequency"].iloc[k]) < 0.02


def _lag1(x: np.ndarray) -> np.ndarray:
    """Lag-1 autocorrelation of each row."""
    x = x - x.mean(axis=1, keepdims=True)
    return (x[:, 1:] * x[:, :-1]).sum(axis=1) / (x * x).sum(axis=1)


def test_car_lag1_autocorrelation_grows_with_ar(default_data) -> None:
    curves, table = default_data
    mag = _matrix(curves.mag, curves)
    car = (table["kind"] == "car").to_numpy() & (table["sigma"] >= 0.5).to_numpy()
    rho = _lag1(mag)
    ar = table["ar"].to_numpy()
    assert rho[car & (ar == 0.9)].mean() > rho[car & (ar == 0.3)].mean()


def test_car1_follows_the_timesynth_recurrence(rng) -> None:
    """x_i = ar^dt x_{i-1} + sigma sqrt(1 - ar^dt) z_i: lag-1 correlation near ar^dt."""
    times = np.broadcast_to(np.arange(0.0, 40.0, 0.5), (20000, 80))
    x = car1(times, np.full(20000, 0.3), np.full(20000, 2.0), rng)
    assert x[:, 0].max() == x[:, 0].min() == 0.01  # timesynth's start value
    corr = np.corrcoef(x[:, 60], x[:, 61])[0, 1]
    assert abs(corr - 0.3**0.5) < 0.03
    # Stationary variance of this recurrence: sigma^2 (1 - phi) / (1 - phi^2).
    phi = 0.3**0.5
    np.testing.assert_allclose(x[:, 60].var(), 4.0 * (1 - phi) / (1 - phi**2), rtol=0.06)


def test_red_noise_follows_the_timesynth_recurrence(rng) -> None:
    """x_i = a (dt std z_i + x_{i-1}), a = tau / (tau + dt): stationary Var = a^2 dt^2 std^2 /
    (1 - a^2), a small fraction of std^2 at these steps."""
    dt, tau, std = 0.08, 0.4, 0.5
    times = np.broadcast_to(np.arange(0.0, 16.0, dt), (20000, 200))
    x = red_noise(times, np.full(20000, std), np.full(20000, tau), rng)
    assert (x[:, 0] == 0).all()
    a = tau / (tau + dt)
    np.testing.assert_allclose(x[:, -1].var(), a**2 * dt**2 * std**2 / (1 - a**2), rtol=0.06)
    assert x[:, -1].std() < 0.2 * std


@pytest.mark.parametrize("kernel", ["constant", "exponential", "matern32", "rational_quadratic"])
def test_gp_samples_have_the_kernel_covariance(kernel: str, rng) -> None:
    times = np.sort(rng.uniform(0.0, 5.0, 12))
    m = 20000
    batch = np.broadcast_to(times, (m, 12))
    variance, gamma, alpha = np.full(m, 4.0), np.full(m, 0.5), np.full(m, 1.0)
    samples = gp_sample(batch, kernel, variance, gamma, alpha, rng)
    d = np.abs(times[:, None] - times[None, :])[None]
    expected = gp_kernel(d, kernel, variance[:1], gamma[:1], alpha[:1])[0]
    np.testing.assert_allclose(np.cov(samples, rowvar=False), expected, atol=0.25)
    if kernel == "constant":
        # Flat up to the jitter, whose std is sqrt(1e-6 * 4) = 0.002.
        assert samples.std(axis=1).max() < 0.01


@pytest.mark.parametrize("kernel", ["constant", "exponential", "matern32", "rational_quadratic"])
def test_gp_cholesky_succeeds_on_the_densest_grid(kernel: str, rng) -> None:
    """The jitter keeps even the smoothest kernel on 500 points 0.04 days apart decomposable."""
    times = np.broadcast_to(np.linspace(0.0, 20.0, 500), (3, 500))
    for variance in (0.01, 25.0):
        out = gp_sample(times, kernel, np.full(3, variance), np.full(3, 1.0), np.full(3, 2.0), rng)
        assert np.all(np.isfinite(out))


def test_irregular_times_is_a_subset_of_the_grid(rng) -> None:
    times = irregular_times(50, 30, 3.0, 10, rng)
    grid = np.linspace(0.0, 3.0, 30)
    assert times.shape == (50, 10)
    assert all(len(np.intersect1d(row, grid)) == 10 for row in times)
