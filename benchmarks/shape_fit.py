"""Speed of the star views' shape fit (``lcformer.data.views.harmonic_fit``) against the plain
way to the same least-squares fits, in one run, on the same curves.

The shape scalars (first-harmonic amplitude, R21, R31, phi21, phi31, fit R2, and the odd
harmonics' share at twice the period) come from two Fourier fits a curve: 3 harmonics at the
period, 6 at twice it. The reference here builds each fit's design matrix (a column for each
cosine and sine), sums its products over each curve's points into the normal equations, and
solves them: what ``harmonic_fit`` did up to 0.3.0. ``harmonic_fit`` instead sums
``e^(i m angle)`` for the multiples m of the phase at twice the period, and assembles both fits'
normal equations from those sums. The script reports both rates, their ratio, and the largest
difference in any shape value (and how many float32 values, as the models read them, differ).

The curves: real ASAS ACVS stars with ``--data-dir`` (their own Lomb-Scargle period, found by
:func:`lcformer.data.periods.find_periods`), synthetic ones otherwise. One thread; CPU time,
best of ``--repeats`` interleaved rounds.

    python benchmarks/shape_fit.py --data-dir ../shared/data --stars 2000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import cpu_model  # benchmarks/machine.py

from lcformer.data.cleaning import clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.periods import PeriodConfig, find_periods
from lcformer.data.reading import read_long_table
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.views import SHAPE_HARMONICS, harmonic_fit


def reference_fit(lcs: LightCurves, period: np.ndarray,
                  harmonics: int = SHAPE_HARMONICS) -> pd.DataFrame:
    """The same fits through explicit design matrices (every curve fitted; NaN where
    ``harmonic_fit`` has none are compared as NaN on both sides only where it has values)."""
    starts = lcs.offsets[:-1]
    point_curve = lcs.curve_index
    t = lcs.time - lcs.time[starts][point_curve]
    y = lcs.mag - (np.add.reduceat(lcs.mag, starts) / lcs.lengths)[point_curve]
    total = np.add.reduceat(y * y, starts)

    def fit(frequency: np.ndarray, n_harmonics: int) -> tuple[np.ndarray, np.ndarray]:
        angle = 2 * np.pi * np.mod(t * frequency[point_curve], 1.0)
        k = np.arange(1, n_harmonics + 1)
        design = np.concatenate([np.ones((len(t), 1)), np.cos(angle[:, None] * k),
                                 np.sin(angle[:, None] * k)], axis=1)
        n = design.shape[1]
        gram = np.empty((lcs.n_curves, n, n))
        for i in range(n):
            gram[:, i, i:] = np.add.reduceat(design[:, i:] * design[:, i:i + 1], starts)
            gram[:, i:, i] = gram[:, i, i:]
        rhs = np.add.reduceat(design * y[:, None], starts)
        ridge = 1e-9 * np.trace(gram, axis1=1, axis2=2)[:, None, None] * np.eye(n)
        coef = np.linalg.solve(gram + ridge, rhs[..., None])[..., 0]
        return coef, np.maximum(total - np.einsum("ci,ci->c", coef, rhs), 0.0)

    coef, residual = fit(1.0 / period, harmonics)
    a, b = coef[:, 1:1 + harmonics], coef[:, 1 + harmonics:]
    amp, phase = np.hypot(a, b), np.arctan2(-b, a)
    coef2, _ = fit(0.5 / period, 2 * harmonics)
    power = coef2[:, 1:1 + 2 * harmonics] ** 2 + coef2[:, 1 + 2 * harmonics:] ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame({
            "log_a1": np.log10(np.maximum(amp[:, 0], 1e-4)),
            "r21": amp[:, 1] / amp[:, 0], "r31": amp[:, 2] / amp[:, 0],
            "phi21": np.mod(phase[:, 1] - 2 * phase[:, 0], 2 * np.pi),
            "phi31": np.mod(phase[:, 2] - 3 * phase[:, 0], 2 * np.pi),
            "fit_r2": 1.0 - residual / total,
            "odd_2p": power[:, 0::2].sum(1) / power.sum(1)})


def curves(args: argparse.Namespace) -> tuple[str, LightCurves]:
    if args.data_dir:
        table = pd.read_parquet(Path(args.data_dir) / "asas_acvs" / "lightcurves.parquet")
        ids = table["id"].drop_duplicates().sample(frac=1.0, random_state=args.seed)
        table = table[table["id"].isin(set(ids[:args.stars]))]
        return "ASAS ACVS", clean(read_long_table(table))[0]
    n = max(1, args.stars // 3)
    return "synthetic", clean(make_synthetic(SyntheticConfig(n_per_class=n, seed=args.seed)))[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=os.environ.get("LCFORMER_DATA_DIR") or None,
                        help="folder holding asas_acvs/ (default $LCFORMER_DATA_DIR; "
                             "synthetic curves without)")
    parser.add_argument("--stars", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0, help="which stars (default 0)")
    parser.add_argument("--repeats", type=int, default=5, help="best of this many rounds")
    args = parser.parse_args(argv)
    import threadpoolctl

    with threadpoolctl.threadpool_limits(1):
        name, lcs = curves(args)
        periods = find_periods(lcs, PeriodConfig()).set_index("id")["period"]
        period = periods.reindex(lcs.ids).to_numpy(dtype=np.float64)
        ours = harmonic_fit(lcs, period)
        fitted = ours.notna().all(axis=1).to_numpy()  # curves with a period and enough points
        sub = lcs.select(np.flatnonzero(fitted))
        ours = harmonic_fit(sub, period[fitted])
        theirs = reference_fit(sub, period[fitted])
        best = {"harmonic_fit": np.inf, "reference": np.inf}
        for i in range(args.repeats):
            order = list(best) if i % 2 == 0 else list(reversed(best))
            for which in order:
                began = time.process_time()
                (harmonic_fit if which == "harmonic_fit" else reference_fit)(
                    sub, period[fitted])
                best[which] = min(best[which], time.process_time() - began)
    print(f"# shape fit benchmark: {sub.n_curves} {name} curves with a period, "
          f"{sub.n_points:,} points; {cpu_model()}, one thread, CPU time, best of "
          f"{args.repeats} interleaved rounds")
    print("\n| what | curves/s | µs a curve |\n|---|--:|--:|")
    for which, seconds in best.items():
        print(f"| {which} | {sub.n_curves / seconds:,.0f} | {seconds / sub.n_curves * 1e6:.1f} |")
    print(f"\nharmonic_fit vs the design-matrix reference: "
          f"{best['reference'] / best['harmonic_fit']:.2f}x")
    a, b = ours.to_numpy(), theirs.to_numpy()
    scale = np.maximum(np.abs(b), 1e-12)
    print(f"largest difference: {np.nanmax(np.abs(a - b)):.2g} "
          f"(relative {np.nanmax(np.abs(a - b) / scale):.2g}); float32 values that differ: "
          f"{int((a.astype(np.float32) != b.astype(np.float32)).sum())} of {a.size}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
