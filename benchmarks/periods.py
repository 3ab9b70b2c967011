"""Time the period search against light-curve's periodogram, and check its answers.

For each set of stars (synthetic ASAS-like stars; real ASAS stars from
``asas_acvs/lightcurves.parquet`` when a data folder is found):

* **speed**: stars/s of :func:`lcformer.data.periods.find_periods` (default settings, one
  thread) and of ``light_curve.Periodogram(fast=True)``, the FFT periodogram the feature
  baseline uses, on the same stars and, for the ratio, the same grid: ``find_periods`` runs
  with ``grid_size_ratio=2``, whose grid is exactly light-curve's ``linspace(0, f_max,
  2**k + 1)`` (minus the frequencies below 1/span): compare light-curve with that row. The
  default search's row runs on its own grid (sizes FFTW plans well), which can have up to
  1.25x fewer frequencies than light-curve's, so its ratio is not a same-grid comparison.
  Both are timed in this run, alternately,
  best of ``--repeats``. Also timed: the same search through nifty-ls (``engine="nifty-ls"``),
  in double precision, with every CPU (``n_jobs=-1``), with the exact power on the coarse
  grid (``coarse="gls"``), with lcformer <= 0.2's settings (2 grid steps per peak, 20
  candidates, ``coarse="gls"``, grid sizes powers of 2^(1/8)), and astropy's
  ``LombScargle`` (``method="fast"``) on a few stars of the same grid;
* **agreement**: the fraction of stars whose best period is the one of an exhaustive search,
  the maximum of the periodogram on a grid ``--exhaustive-oversampling`` (10) times finer than
  a peak (double precision, through nifty-ls when installed: independent code). A star
  agrees when both best frequencies lie on the same peak (within half a peak width
  ``1/(2 span)``) or when the exact power of the search's period is at least the exhaustive
  grid's maximum (two peaks of near-equal height: the grid sampled the other one better);
  also for ``coarse="gls"`` and lcformer <= 0.2's settings.
  light-curve's best period is checked the same way (same peak only), though its classic
  periodogram (no floating mean, no weights) may differ from this one by definition;
* synthetic stars also report recovery of the true period (exact, or which alias).

Part 3 compares ways of combining the bands of two-band synthetic stars (true period known):
the statistic ``find_periods`` uses, a point-weighted mean of the powers, the chi-squared
(error) weighted mean and the band with more points alone, all on the same grid.

Usage::

    python benchmarks/periods.py [--data-dir ../shared/data] [--synthetic-stars 150]
        [--real-stars 250] [--multiband-stars 200] [--repeats 2] [--json out.json]

The data folder may also come from ``LCFORMER_DATA_DIR`` or ``../shared/data``. Timings on a
shared machine are noisy: read the ratios, measured in this same run.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from machine import cpu_model  # benchmarks/machine.py

from lcformer.data.cleaning import clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.periods import PeriodConfig, find_periods, frequency_grid
from lcformer.data.reading import read_long_table
from lcformer.data.report import DropReport

REPO = Path(__file__).resolve().parents[1]
ASTROPY_STARS = 8  # astropy is ~40x slower; a few stars give its rate


def say(text: str = "") -> None:
    print(text, flush=True)


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine() -> dict[str, Any]:
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": cpu_model(), "logical_cpus": os.cpu_count(), "usable_cpus": usable,
        "python": platform.python_version(), "numpy": np.__version__,
        **{p: version(p) for p in ("finufft", "nifty-ls", "light-curve", "astropy")},
        "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def data_root(arg: str | None) -> Path | None:
    env = os.environ.get("LCFORMER_DATA_DIR")
    for candidate in (arg, env, REPO.parent / "shared" / "data"):
        if candidate and Path(candidate).is_dir():
            return Path(candidate)
    return None


# ---------------------------------------------------------------------- stars
def synthetic_stars(n: int, rng: np.random.Generator) -> tuple[LightCurves, np.ndarray]:
    """ASAS-like stars: one point a night (so the 1-day alias exists), 1500-2700 days, 100-600
    points, periods log-uniform from 0.06 d to min(500 d, span/3), a sinusoid plus a second
    harmonic, amplitude/noise 0.5-3. Returns the curves and the true periods."""
    curves, periods = [], []
    for i in range(n):
        span = rng.uniform(1500, 2700)
        size = int(rng.integers(100, 601))
        nights = np.sort(rng.choice(int(span), size, replace=False)).astype(float)
        t = 2452000.0 + nights + rng.uniform(-0.15, 0.15, size)
        period = float(np.exp(rng.uniform(np.log(0.06), np.log(min(500.0, span / 3)))))
        phase = 2 * np.pi * t / period + rng.uniform(0, 2 * np.pi)
        noise = 0.1
        amp = noise * rng.uniform(0.5, 3.0)
        mag = 11 + amp * (np.sin(phase) + rng.uniform(0, 0.5) * np.sin(2 * phase + 1.0))
        mag += rng.normal(0, noise, size)
        curves.append((f"syn{i}", "V", t, mag, np.full(size, noise)))
        periods.append(period)
    return LightCurves.from_list(curves), np.array(periods)


def real_stars(root: Path, n: int, rng: np.random.Generator,
               min_points: int) -> LightCurves | None:
    folder = root / "asas_acvs"
    if not (folder / "lightcurves.parquet").is_file():
        return None
    lcs = read_long_table(folder / "lightcurves.parquet", folder / "labels.csv",
                          report=DropReport())
    lcs, _ = clean(lcs)
    candidates = np.flatnonzero(lcs.lengths >= min_points)
    pick = np.sort(rng.choice(candidates, size=min(n, len(candidates)), replace=False))
    return lcs.select(pick)


def curve_arrays(lcs: LightCurves) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(t - first time, mag, err) of every curve, errors made usable as find_periods does."""
    out = []
    for k in range(lcs.n_curves):
        t, m, e = lcs.curve(k)
        good = np.isfinite(e) & (e > 0)
        e = np.where(good, e, np.median(e[good]) if good.any() else 1.0)
        out.append((t - t[0], np.ascontiguousarray(m, dtype=np.float64), e))
    return out


# ---------------------------------------------------------------------- engines
def light_curve_periods(lcs: LightCurves, config: PeriodConfig) -> np.ndarray:
    """Best frequency (cycles/day) of every curve from light-curve's FFT periodogram on the
    grid find_periods uses with ``grid_size_ratio=2`` (one Periodogram per grid size; a star
    seen in short stretches far apart, which find_periods searches on a grid twice as fine,
    on the usual one here)."""
    import light_curve

    features: dict[int, Any] = {}
    best = np.empty(lcs.n_curves)
    for k, (t, m, e) in enumerate(curve_arrays(lcs)):
        grid = frequency_grid(float(t[-1]), config)
        n_steps = round(grid[-1] / (grid[1] - grid[0]))
        if n_steps not in features:
            freqs = np.linspace(0.0, 2 * np.pi * grid[-1], n_steps + 1)
            features[n_steps] = light_curve.Periodogram(peaks=config.n_peaks, freqs=freqs,
                                                        fast=True)
        period = features[n_steps](t, m, e, sorted=True, fill_value=np.nan)[0]
        best[k] = 1.0 / period
    return best


def astropy_rate(lcs: LightCurves, config: PeriodConfig) -> float:
    from astropy.timeseries import LombScargle

    arrays = curve_arrays(lcs)[:ASTROPY_STARS]
    start = time.perf_counter()
    for t, m, e in arrays:
        grid = frequency_grid(float(t[-1]), config)
        LombScargle(t, m, e).power(grid, method="fast", assume_regular_frequency=True)
    return len(arrays) / (time.perf_counter() - start)


def exhaustive(lcs: LightCurves, oversampling: float,
               config: PeriodConfig) -> tuple[np.ndarray, np.ndarray, str]:
    """(best frequency, its power) of every curve on a fine grid, double precision."""
    fine = dataclasses.replace(config, oversampling=oversampling, single_precision=False,
                               grid_size_ratio=1.0001)
    try:
        import nifty_ls
    except ImportError:
        nifty_ls = None
    freq, power = np.empty(lcs.n_curves), np.empty(lcs.n_curves)
    for k, (t, m, e) in enumerate(curve_arrays(lcs)):
        grid = frequency_grid(float(t[-1]), fine)
        if nifty_ls is not None:
            p = nifty_ls.lombscargle(t, m, e, fmin=grid[0], fmax=grid[-1], Nf=len(grid),
                                     nthreads=1).power
        else:  # find_periods' own NUFFT on the whole fine grid
            p = _own_grid_power(t, m, e, grid)
        i = int(np.nanargmax(p))
        freq[k], power[k] = grid[i], p[i]
    return freq, power, "nifty-ls" if nifty_ls is not None else "lcformer finufft (no nifty-ls)"


def _own_grid_power(t: np.ndarray, m: np.ndarray, e: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from lcformer.data import lomb_scargle

    band = lomb_scargle.Band(t - 0.5 * t[-1], m, e ** -2.0)
    step = grid[1] - grid[0]
    first = round(grid[0] / step)
    power = lomb_scargle.NufftPlans(single=False).power(band, step, first + len(grid) - 1)
    return power[first - 1:]


def best_of(repeats: int, runs: dict[str, Callable[[], Any]]) -> dict[str, float]:
    """Best time of each callable, run alternately so that load changes hit all alike."""
    times = {name: float("inf") for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name] = min(times[name], time.perf_counter() - start)
    return times


# ---------------------------------------------------------------------- one set of stars
def measure(name: str, lcs: LightCurves, args: argparse.Namespace,
            true_periods: np.ndarray | None = None) -> dict[str, Any]:
    config = PeriodConfig()
    # light-curve's grid, searched as by default (the default's coarse statistic).
    same_grid = dataclasses.replace(config, grid_size_ratio=2.0, coarse=config.coarse_statistic)
    # lcformer <= 0.2's search: twice as fine a grid, 20 candidates, the exact power on it.
    previous = dataclasses.replace(config, oversampling=2.0, n_candidates=20,
                                   grid_size_ratio=2.0 ** 0.125)
    n = lcs.n_curves
    say(f"\n== {name}: {n} stars, {lcs.n_points:,} points (median {int(np.median(lcs.lengths))}"
        f" per star) ==")
    find_periods(lcs.select(np.arange(min(n, 5))), config)  # imports, first plans
    runs = {
        "find_periods": lambda: find_periods(lcs, config),
        "find_periods, light-curve's grid": lambda: find_periods(lcs, same_grid),
        "find_periods, coarse grid gls": lambda: find_periods(
            lcs, dataclasses.replace(config, coarse="gls")),
        "find_periods, lcformer <= 0.2 settings": lambda: find_periods(lcs, previous),
        "light-curve Periodogram, same grid": lambda: light_curve_periods(lcs, same_grid),
        "find_periods, engine nifty-ls": (
            (lambda: find_periods(lcs, dataclasses.replace(config, engine="nifty-ls")))
            if version("nifty-ls") != "not installed" else None),
        "find_periods, double precision": lambda: find_periods(
            lcs, dataclasses.replace(config, single_precision=False)),
        "find_periods, n_jobs=-1": lambda: find_periods(lcs, config, n_jobs=-1),
    }
    runs = {k: v for k, v in runs.items() if v is not None}
    times = best_of(args.repeats, runs)
    rates = {k: n / v for k, v in times.items()}
    rates["astropy LombScargle fast, same grid as find_periods"] = astropy_rate(lcs, config)
    lc_rate = rates["light-curve Periodogram, same grid"]
    # Printed labels; the JSON keeps the keys above.
    shown = {"find_periods": "find_periods (its default grid, not light-curve's)",
             "light-curve Periodogram, same grid":
                 "light-curve Periodogram, same grid as row 2"}
    say(f"best of {args.repeats}, one thread unless stated; ratio = rate / light-curve's rate")
    say(f"| {'method':<52} | {'stars/s':>8} | {'ratio':>6} |")
    say(f"|{'-' * 54}|{'-' * 10}|{'-' * 8}|")
    for key, rate in rates.items():
        say(f"| {shown.get(key, key):<52} | {rate:8.1f} | {rate / lc_rate:6.2f} |")

    result = find_periods(lcs, config)
    before = find_periods(lcs, previous)
    gls = find_periods(lcs, dataclasses.replace(config, coarse="gls"))
    lc_best = light_curve_periods(lcs, same_grid)
    ref_freq, ref_power, ref_engine = exhaustive(lcs, args.exhaustive_oversampling, config)
    span = result["span"].to_numpy()
    ours = result["frequency"].to_numpy()
    same_peak = np.abs(ours - ref_freq) * span < 0.5
    agree = same_peak | (result["power"].to_numpy() >= ref_power - 1e-9)

    def agrees(found: Any) -> np.ndarray:
        return ((np.abs(found["frequency"].to_numpy() - ref_freq) * span < 0.5)
                | (found["power"].to_numpy() >= ref_power - 1e-9))

    agree_before, agree_gls = agrees(before), agrees(gls)
    lc_agree = np.abs(lc_best - ref_freq) * span < 0.5
    significant = result["fap"].to_numpy() < 0.01
    say(f"\nexhaustive search: oversampling {args.exhaustive_oversampling:g}, double precision, "
        f"{ref_engine}")
    say(f"find_periods agrees with it for {agree.mean():.2%} of stars ({int(agree.sum())}/{n}; "
        f"same peak {same_peak.mean():.2%}; among the {int(significant.sum())} stars with "
        f"fap < 0.01: {agree[significant].mean() if significant.any() else float('nan'):.2%})")
    say(f"the same with the exact power on the coarse grid (coarse='gls'): "
        f"{agree_gls.mean():.2%}; with lcformer <= 0.2's settings (oversampling 2, 20 "
        f"candidates, gls): {agree_before.mean():.2%}")
    say(f"light-curve's best peak on its grid is that peak for {lc_agree.mean():.2%} of stars "
        "(its periodogram has no floating mean and no weights: part of this is definition)")
    out: dict[str, Any] = {
        "stars": n, "points": int(lcs.n_points), "rates_stars_per_s": rates,
        "ratio_to_light_curve": {k: r / lc_rate for k, r in rates.items()},
        "agreement": float(agree.mean()), "same_peak": float(same_peak.mean()),
        "agreement_coarse_gls": float(agree_gls.mean()),
        "agreement_previous_settings": float(agree_before.mean()),
        "agreement_significant": float(agree[significant].mean()) if significant.any() else None,
        "light_curve_agreement": float(lc_agree.mean()),
        "exhaustive_oversampling": args.exhaustive_oversampling, "exhaustive_engine": ref_engine,
    }
    if true_periods is not None:
        out["truth"] = truth_breakdown(ours, 1.0 / true_periods, span)
        parts = ", ".join(f"{k} {v:.1%}" for k, v in out["truth"].items())
        say(f"true period found (within 1/(2 span) of it, or an alias): {parts}")
    return out


def truth_breakdown(found: np.ndarray, true: np.ndarray, span: np.ndarray) -> dict[str, float]:
    """Fractions: exact, double period (f/2), half period (2f), 1-day aliases |f +- 1|,
    other. Within half a peak width, 1/(2 span)."""
    def near(f: np.ndarray) -> np.ndarray:
        return np.abs(found - f) * span < 0.5

    kinds = {"exact": near(true), "double period": near(true / 2), "half period": near(true * 2),
             "1-day alias": near(np.abs(true - 1)) | near(true + 1)}
    taken = np.zeros(len(found), dtype=bool)
    out = {}
    for key, hit in kinds.items():
        out[key] = float(np.mean(hit & ~taken))
        taken |= hit
    out["other"] = float(np.mean(~taken))
    return out


# ---------------------------------------------------------------------- part 3: bands
def multiband(n: int, rng: np.random.Generator) -> dict[str, float]:
    """Recovery of the true period of two-band stars by four ways of combining the bands.

    Weak signals (amplitude/noise 0.4-1.2 per point) so that the ways differ; one star in two
    has one band's errors misreported by a factor 0.3-3, as happens between real surveys'
    bands. Uses find_periods' internals so that every way sees the same per-band powers.
    """
    from lcformer.data import lomb_scargle, periods

    # The grid of lcformer <= 0.2 (2 steps per peak width): the ways are compared by the grid's
    # maximum, without refinement.
    config = PeriodConfig(single_precision=False, oversampling=2.0)
    plans = lomb_scargle.NufftPlans(single=False)
    hits: dict[str, list[bool]] = {"find_periods (dof-weighted log power)": [],
                                   "point-weighted mean power": [],
                                   "chi2-weighted mean power (trusts errors)": [],
                                   "band with more points alone": []}
    for i in range(n):
        span = rng.uniform(300, 2000)
        freq = 1.0 / np.exp(rng.uniform(np.log(0.06), np.log(span / 3)))
        snr, phase = rng.uniform(0.4, 1.2), rng.uniform(0, 2 * np.pi)
        bands, chi0, sizes = [], [], []
        for b in range(2):
            size = int(rng.integers(30, 150))
            t = np.sort(rng.uniform(0, span, size))
            noise = rng.uniform(0.5, 2) / snr
            y = (1.0 if b == 0 else rng.uniform(0.3, 1.5)) * np.sin(
                2 * np.pi * freq * t + phase + 0.3 * b) + rng.normal(0, noise, size)
            err = np.full(size, noise * (rng.uniform(0.3, 3) if i % 2 else 1.0))
            band = lomb_scargle.Band(t - span / 2, y, err ** -2.0)
            bands.append(band)
            chi0.append(float(np.sum(band.y ** 2 / err ** 2)))
            sizes.append(size)
        true_span = max(b.t.max() for b in bands) - min(b.t.min() for b in bands)
        step, first, n_steps = periods._grid_size(true_span, config)
        grid = step * np.arange(first, n_steps + 1)
        power = [plans.power(b, step, n_steps)[first - 1:] for b in bands]
        dofs = np.array(sizes, dtype=float) - periods.FIT_DOF
        stats = [lomb_scargle.combine(power, dofs),
                 sum(s * p for s, p in zip(sizes, power, strict=True)),
                 sum(c * p for c, p in zip(chi0, power, strict=True)),
                 power[int(np.argmax(sizes))]]
        for key, stat in zip(hits, stats, strict=True):
            hits[key].append(abs(grid[np.argmax(stat)] - freq) * true_span < 0.5)
    say(f"\n== Part 3: combining bands, {n} synthetic two-band stars (true period known) ==")
    result = {k: float(np.mean(v)) for k, v in hits.items()}
    for key, value in result.items():
        say(f"  {key:<42} {value:.1%} recovered")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", default=None, help="folder holding asas_acvs/")
    parser.add_argument("--synthetic-stars", type=int, default=150,
                        help="part 1: synthetic stars of known period; 0 skips it (default 150)")
    parser.add_argument("--real-stars", type=int, default=250,
                        help="part 2: random ASAS ACVS stars; 0 skips it (default 250)")
    parser.add_argument("--multiband-stars", type=int, default=200,
                        help="part 3: two-band synthetic stars; 0 skips it (default 200)")
    parser.add_argument("--repeats", type=int, default=2,
                        help="timed rounds of each method, the best kept (default 2)")
    parser.add_argument("--exhaustive-oversampling", type=float, default=10.0,
                        help="the exhaustive reference grid's samples per peak (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the stars (default 0)")
    parser.add_argument("--json", default=None, help="also write every number here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    rng = np.random.default_rng(args.seed)

    info = machine()
    say("# Period search benchmark")
    say(", ".join(f"{k}: {v}" for k, v in info.items()))
    say(f"defaults: {json.dumps(dataclasses.asdict(PeriodConfig()))}")
    out: dict[str, Any] = {"machine": info, "config": dataclasses.asdict(PeriodConfig())}

    if args.synthetic_stars > 0:
        lcs, true_periods = synthetic_stars(args.synthetic_stars, rng)
        out["synthetic"] = measure("Part 1: synthetic ASAS-like stars", lcs, args, true_periods)
    else:
        say("\n== Part 1: synthetic stars: skipped (--synthetic-stars 0) ==")

    root = data_root(args.data_dir)
    real = (real_stars(root, args.real_stars, rng, PeriodConfig().min_points)
            if root and args.real_stars > 0 else None)
    if real is None:
        why = "--real-stars 0" if args.real_stars <= 0 else "no data folder with asas_acvs/"
        say(f"\n== Part 2: real ASAS stars: skipped ({why}) ==")
    else:
        out["asas"] = measure(f"Part 2: random ASAS ACVS stars ({root / 'asas_acvs'})", real,
                              args)
    if args.multiband_stars > 0:
        out["multiband"] = multiband(args.multiband_stars, rng)
    out["wall_s"] = time.perf_counter() - start
    say(f"\ntotal {out['wall_s']:.0f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
