"""The embedded default dataset: synthetic light curves of three process families.

The research system generated its toy data with the ``timesynth`` package, which no longer
installs; this module re-implements that generator with NumPy so the main job needs no files.
Classes, parameter grids and sampling follow the "Synthetic light curves" section of the research
notes. Exact formulas (``t`` in days, ``d = |t_i - t_j|``, ``z ~ N(0, 1)`` independent):

Sampling
    From ``num`` regular times ``linspace(0, stop_time, num)`` each star keeps
    ``round(num * keep_percentage / 100)`` of them, drawn without replacement, sorted.

Sinusoid (family ``"sinusoid"``)
    ``s(t) = A sin(2 pi f t + phase) + noise(t)``, phase ~ U(0, 2 pi),
    f in {0.1, 0.5, 0.8, 1.0} cycles/day, A in {0.5, 2, 5}.
    ``sinusoid_white``: noise = std * z, std in {0.05, 0.1, 0.5}.
    ``sinusoid_red``: timesynth's red noise, std in {0.1, 0.2, 0.5}, tau in {0.4, 0.8, 1.0}:
    ``x_0 = 0``, ``x_i = tau / (tau + dt_i) * (dt_i * std * z_i + x_{i-1})``, a strongly damped
    recurrence whose spread is a small fraction of ``std`` at these sampling steps.

Gaussian process (family ``"gaussian_process"``), timesynth's kernels with length scale 1 day,
variance v in {0.01, 0.25, 1, 4, 25}, exponent gamma in {0.1, 0.5, 1}, alpha in {0.5, 1, 2}:
    ``gp_constant``:            k(d) = v
    ``gp_exponential``:         k(d) = v exp(-d^gamma)   (gamma-exponential; gamma=1 is OU)
    ``gp_matern32``:            k(d) = v (1 + sqrt(3) d) exp(-sqrt(3) d)   (Matern nu = 1.5)
    ``gp_rational_quadratic``:  k(d) = v (1 + d^2 / (2 alpha))^(-alpha)
    Sample: ``s = L z`` with ``L L^T = K + 1e-6 v I`` (Cholesky; the jitter keeps the smooth
    and the rank-one constant kernels positive definite).

CAR(1) (family ``"car"``), timesynth's recurrence, ar in {0.3, 0.5, 0.9}, sigma in {0.1, 0.5, 1}:
    ``x_0 = 0.01``, ``x_i = ar^dt_i x_{i-1} + sigma sqrt(1 - ar^dt_i) z_i``.

The families overlap, so no classifier reaches 100% on them: ``gp_exponential`` with gamma = 1
is an Ornstein-Uhlenbeck process (time scale 1 day), and CAR(1) at these steps is nearly one
(time scale ``-1 / ln(ar)``: 0.83, 1.4 and 9.5 days). Only their parameter grids differ, not
their kind of variability.

Measurements (every class alike, so they carry no label information)
    Per star an error scale ``e ~ logU(0.01, 0.05)`` mag; per point ``err_i = e U(0.75, 1.25)``;
    ``mag_i = base + s(t_i) + err_i z_i`` with ``base ~ U(10, 16)``. The measurement noise also
    guarantees that no curve is exactly constant (a constant-kernel GP alone is flat).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from lcformer.config import Config
from lcformer.data.lightcurves import LightCurves

# Bump when the generated curves change, so prepared copies of the old ones are not reused.
GENERATOR_VERSION = 2

FAMILIES: dict[str, tuple[str, ...]] = {
    "sinusoid": ("sinusoid_white", "sinusoid_red"),
    "gaussian_process": ("gp_constant", "gp_exponential", "gp_matern32", "gp_rational_quadratic"),
    "car": ("car",),
}
KINDS: tuple[str, ...] = tuple(kind for kinds in FAMILIES.values() for kind in kinds)
FAMILY_OF: dict[str, str] = {kind: fam for fam, kinds in FAMILIES.items() for kind in kinds}
GP_KERNELS: dict[str, str] = {
    "gp_constant": "constant",
    "gp_exponential": "exponential",
    "gp_matern32": "matern32",
    "gp_rational_quadratic": "rational_quadratic",
}

# Parameter grids of the research notes.
FREQUENCIES = (0.1, 0.5, 0.8, 1.0)
AMPLITUDES = (0.5, 2.0, 5.0)
WHITE_STDS = (0.05, 0.1, 0.5)
RED_STDS = (0.1, 0.2, 0.5)
RED_TAUS = (0.4, 0.8, 1.0)
GP_VARIANCES = (0.01, 0.25, 1.0, 4.0, 25.0)
GP_GAMMAS = (0.1, 0.5, 1.0)
GP_ALPHAS = (0.5, 1.0, 2.0)
CAR_ARS = (0.3, 0.5, 0.9)
CAR_SIGMAS = (0.1, 0.5, 1.0)

GP_JITTER = 1e-6  # relative to the variance
ERR_RANGE = (0.01, 0.05)  # log-uniform per-star measurement error scale, mag
BASE_MAG_RANGE = (10.0, 16.0)
PARAMETER_COLUMNS = (
    "frequency", "amplitude", "phase", "noise_std", "tau",
    "variance", "gamma", "alpha", "ar", "sigma", "base_mag", "err_scale",
)
_GP_CHUNK_ELEMENTS = 1 << 22  # kernel-matrix entries per batch: bounds memory at ~32 MB/array


@dataclass(frozen=True)
class SyntheticConfig(Config):
    """How many stars, how they are sampled, how they are labelled; same config => same data."""

    n_per_class: int = 300  # stars per label ("family": 3 labels, "kind": 7 labels)
    num: int = 500  # regular grid points before thinning
    stop_time: float = 20.0  # days
    keep_percentage: float = 50.0  # % of the grid each star keeps
    label_by: str = "family"  # "family" or "kind"
    seed: int = 0

    @property
    def n_points(self) -> int:
        """Points per curve after irregular thinning."""
        return round(self.num * self.keep_percentage / 100.0)

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(FAMILIES) if self.label_by == "family" else KINDS

    def validate(self) -> None:
        """Reject configs that would give empty or single-point curves instead of failing later."""
        if self.label_by not in ("family", "kind"):
            raise ValueError(f"label_by must be 'family' or 'kind', not {self.label_by!r}")
        if self.n_per_class < 0:
            raise ValueError("n_per_class must be >= 0")
        if not 0.0 < self.keep_percentage <= 100.0:
            raise ValueError("keep_percentage must be in (0, 100]")
        if not self.stop_time > 0.0:
            raise ValueError("stop_time must be positive")
        if self.num < 2 or self.n_points < 2:
            raise ValueError("num * keep_percentage / 100 must leave at least 2 points per curve")


# ---------------------------------------------------------------------------- samplers
def irregular_times(
    n_curves: int, num: int, stop_time: float, n_keep: int, rng: np.random.Generator
) -> np.ndarray:
    """(n_curves, n_keep) sorted times: a random subset of a regular grid, as timesynth did."""
    grid = np.linspace(0.0, stop_time, num)
    # The n_keep smallest of iid uniform keys pick a uniform random subset without replacement.
    keys = rng.random((n_curves, num))
    if n_keep >= num:
        return np.broadcast_to(grid, (n_curves, num)).copy()
    chosen = np.argpartition(keys, n_keep - 1, axis=1)[:, :n_keep]
    return grid[np.sort(chosen, axis=1)]


def linear_recurrence(phi: np.ndarray, innov: np.ndarray, x0: np.ndarray | float) -> np.ndarray:
    """``x_0 = x0``, ``x_i = phi_i x_{i-1} + innov_i`` for every row; phi and innov are (m, n-1).

    The loop runs over points, each step vectorised across all m curves.
    """
    m, n1 = phi.shape
    x = np.empty((m, n1 + 1))
    x[:, 0] = x0
    for i in range(n1):
        x[:, i + 1] = phi[:, i] * x[:, i] + innov[:, i]
    return x


def red_noise(times: np.ndarray, std: np.ndarray, tau: np.ndarray,
              rng: np.random.Generator) -> np.ndarray:
    """timesynth's red noise on irregular times (formula: module doc); times (m, n)."""
    dt = np.diff(times, axis=1)
    damping = tau[:, None] / (tau[:, None] + dt)
    innov = damping * dt * std[:, None] * rng.standard_normal(dt.shape)
    return linear_recurrence(damping, innov, 0.0)


def car1(times: np.ndarray, ar: np.ndarray, sigma: np.ndarray,
         rng: np.random.Generator) -> np.ndarray:
    """timesynth's CAR(1) on irregular times (formula: module doc); times (m, n)."""
    phi = ar[:, None] ** np.diff(times, axis=1)
    innov = sigma[:, None] * np.sqrt(1.0 - phi) * rng.standard_normal(phi.shape)
    return linear_recurrence(phi, innov, 0.01)


def gp_kernel(
    d: np.ndarray, kernel: str, variance: np.ndarray, gamma: np.ndarray, alpha: np.ndarray
) -> np.ndarray:
    """Kernel values for distances ``d`` (m, n, n); parameters are (m,). Formulas: module doc."""
    v = np.asarray(variance, dtype=np.float64)[:, None, None]
    if kernel == "constant":
        return np.broadcast_to(v, d.shape).copy()
    if kernel == "exponential":
        return v * np.exp(-(d ** np.asarray(gamma, dtype=np.float64)[:, None, None]))
    if kernel == "matern32":
        r = np.sqrt(3.0) * d
        return v * (1.0 + r) * np.exp(-r)
    if kernel == "rational_quadratic":
        a = np.asarray(alpha, dtype=np.float64)[:, None, None]
        return v * (1.0 + d**2 / (2.0 * a)) ** (-a)
    raise ValueError(f"unknown kernel {kernel!r}")


def gp_sample(
    times: np.ndarray,
    kernel: str,
    variance: np.ndarray,
    gamma: np.ndarray,
    alpha: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """One zero-mean GP draw per row of ``times`` (m, n); batched Cholesky in bounded chunks."""
    m, n = times.shape
    out = np.empty((m, n))
    variance = np.asarray(variance, dtype=np.float64)
    gamma = np.asarray(gamma, dtype=np.float64)
    alpha = np.asarray(alpha, dtype=np.float64)
    z = rng.standard_normal((m, n))
    chunk = max(1, _GP_CHUNK_ELEMENTS // (n * n))
    diag = np.arange(n)
    for a in range(0, m, chunk):
        b = min(a + chunk, m)
        t = times[a:b]
        d = np.abs(t[:, :, None] - t[:, None, :])
        k = gp_kernel(d, kernel, variance[a:b], gamma[a:b], alpha[a:b])
        k[:, diag, diag] += GP_JITTER * variance[a:b, None]
        chol = np.linalg.cholesky(k)
        out[a:b] = np.matmul(chol, z[a:b, :, None])[:, :, 0]
    return out


# ---------------------------------------------------------------------------- dataset
def make_synthetic(config: SyntheticConfig = SyntheticConfig()) -> LightCurves:
    """The default dataset: ``n_per_class`` stars per label, one V-band curve each."""
    return make_synthetic_with_parameters(config)[0]


def make_synthetic_with_parameters(
    config: SyntheticConfig = SyntheticConfig(),
) -> tuple[LightCurves, pd.DataFrame]:
    """The dataset plus one row per star of its generating parameters (NaN where not used).

    Stars are shuffled, so no split by position sees only one class; ids ``syn-000000`` ... are
    assigned after shuffling. With ``label_by="family"`` every star draws its kind uniformly within
    its family; with ``"kind"`` every kind gets ``n_per_class`` stars.
    """
    config.validate()
    rng = np.random.default_rng(config.seed)
    labels = np.repeat(np.array(config.labels, dtype=object), config.n_per_class)
    labels = labels[rng.permutation(len(labels))]
    n_stars = len(labels)
    if config.label_by == "family":
        kinds = np.empty(n_stars, dtype=object)
        for family, family_kinds in FAMILIES.items():
            members = labels == family
            kinds[members] = np.asarray(family_kinds, dtype=object)[
                rng.integers(len(family_kinds), size=int(members.sum()))
            ]
    else:
        kinds = labels.copy()

    n_keep = config.n_points
    times = irregular_times(n_stars, config.num, config.stop_time, n_keep, rng)
    signal = np.zeros((n_stars, n_keep))
    params = {name: np.full(n_stars, np.nan) for name in PARAMETER_COLUMNS}

    def draw(name: str, grid: tuple[float, ...], where: np.ndarray) -> np.ndarray:
        values = rng.choice(np.asarray(grid), size=len(where))
        params[name][where] = values
        return values

    for kind in KINDS:
        idx = np.flatnonzero(kinds == kind)
        if len(idx) == 0:
            continue
        t = times[idx]
        if kind.startswith("sinusoid"):
            freq = draw("frequency", FREQUENCIES, idx)
            amp = draw("amplitude", AMPLITUDES, idx)
            phase = rng.uniform(0.0, 2.0 * np.pi, size=len(idx))
            params["phase"][idx] = phase
            s = amp[:, None] * np.sin(2.0 * np.pi * freq[:, None] * t + phase[:, None])
            if kind == "sinusoid_white":
                std = draw("noise_std", WHITE_STDS, idx)
                s += std[:, None] * rng.standard_normal(t.shape)
            else:
                std = draw("noise_std", RED_STDS, idx)
                tau = draw("tau", RED_TAUS, idx)
                s += red_noise(t, std, tau, rng)
        elif kind == "car":
            ar = draw("ar", CAR_ARS, idx)
            sigma = draw("sigma", CAR_SIGMAS, idx)
            s = car1(t, ar, sigma, rng)
        else:
            kernel = GP_KERNELS[kind]
            variance = draw("variance", GP_VARIANCES, idx)
            gamma = np.full(len(idx), np.nan)
            alpha = np.full(len(idx), np.nan)
            if kernel == "exponential":
                gamma = draw("gamma", GP_GAMMAS, idx)
            elif kernel == "rational_quadratic":
                alpha = draw("alpha", GP_ALPHAS, idx)
            s = gp_sample(t, kernel, variance, gamma, alpha, rng)
        signal[idx] = s

    lo, hi = np.log(ERR_RANGE[0]), np.log(ERR_RANGE[1])
    err_scale = np.exp(rng.uniform(lo, hi, size=n_stars))
    err = err_scale[:, None] * rng.uniform(0.75, 1.25, size=(n_stars, n_keep))
    base = rng.uniform(*BASE_MAG_RANGE, size=n_stars)
    mag = base[:, None] + signal + err * rng.standard_normal((n_stars, n_keep))
    params["base_mag"][:] = base
    params["err_scale"][:] = err_scale

    ids = np.array([f"syn-{k:06d}" for k in range(n_stars)], dtype=object)
    curves = LightCurves.from_arrays(
        ids=ids,
        bands=np.full(n_stars, "V", dtype=object),
        lengths=np.full(n_stars, n_keep, dtype=np.int64),
        time=times.ravel(),
        mag=mag.ravel(),
        err=err.ravel(),
        labels=labels,
    )
    table = pd.DataFrame({"id": ids, "family": [FAMILY_OF[k] for k in kinds], "kind": kinds})
    for name in PARAMETER_COLUMNS:
        table[name] = params[name]
    return curves, table
