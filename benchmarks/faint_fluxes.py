"""Faint stars in fluxes: asinh magnitudes (``--flux``) against the logarithm with drops.

Rubin, like most difference-imaging surveys, gives fluxes; a star near or below the
single-visit depth has fluxes at and below zero. The logarithm, m = ZP - 2.5 log10 f, has no
value there, and gives errors above ``max_err`` (1 mag) for signal-to-noise below about one:
dropping those points keeps the star's upward noise, so its magnitudes and colours come out
too bright. ``--flux`` gives asinh magnitudes instead (:mod:`lcformer.data.reading.flux`).

This simulates LSST-like stars (ugrizy, three 180-day seasons, single-visit 5-sigma depths of
Rubin's design, r between ``--brightest`` and ``--faintest``): RR Lyrae (sawtooth), eclipsing
binaries (two Gaussian eclipses), long-period variables (sinusoids of 150-400 d) and constant
stars, with the colours of each kind. It writes them twice: as fluxes, which lcformer reads
with ``--flux``; and as magnitudes this script computes by the logarithm with non-positive
fluxes dropped (lcformer's reading before asinh magnitudes), which lcformer reads as given.
For each it prints

* the share of the periodic stars whose period search found their period (within 1%, or
  half of it for an eclipsing binary);
* the bias of the constant stars' colours after cleaning (median of the band medians' g-r
  and u-g, minus the true colour), which needs no model;
* the test macro-F1 of ``lcformer baseline`` (random forest, gradient boosting), and with
  ``--train`` that of the default model, on the same split and test stars.

    python benchmarks/faint_fluxes.py                  # 1,000 stars, baseline: about 1 min
    python benchmarks/faint_fluxes.py --train          # and the default model: about 6 min
    python benchmarks/faint_fluxes.py --per-class 1000 # 4,000 stars: about 3 min

It measures the reading, not a survey: the classes and their colours are this script's.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import load_line  # benchmarks/machine.py

from lcformer.data.prepared import PreparedDataset

ZERO_POINT = 31.4  # nJy
BANDS = np.array(list("ugrizy"))
VISITS = np.array([0.07, 0.10, 0.22, 0.22, 0.20, 0.19])  # share of visits per band
DEPTH = np.array([23.9, 25.0, 24.7, 24.0, 23.3, 22.1])  # single-visit 5-sigma depth, mag
# Colours relative to r (u, g, r, i, z, y) and amplitudes relative to the kind's.
RRL_COLOUR = np.array([1.15, 0.25, 0.0, -0.1, -0.12, -0.14])
RRL_AMPLITUDE = np.array([1.1, 0.9, 0.65, 0.5, 0.45, 0.4])
LPV_COLOUR = np.array([4.0, 2.0, 0.0, -1.4, -2.1, -2.5])
LPV_AMPLITUDE = np.array([3.0, 2.5, 2.0, 1.3, 1.0, 0.8])
KINDS = ("RRL", "EB", "LPV", "CONST")


def main_sequence_colour(g_r: float) -> np.ndarray:
    return np.array([1.6 * g_r + 0.6, g_r, 0.0, -0.4 * g_r, -0.6 * g_r, -0.7 * g_r])


def simulate(n_per_kind: int, brightest: float, faintest: float,
             seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Long table of fluxes (nJy) and the stars' kinds and true colours."""
    rng = np.random.default_rng(seed)
    rows, stars = [], []
    for kind in KINDS:
        for _ in range(n_per_kind):
            star = len(stars)
            n = int(rng.integers(70, 200))
            day = rng.uniform(0, 180, n) + 365 * rng.integers(0, 3, n)
            t = np.sort(60800 + day)
            band = rng.choice(6, size=n, p=VISITS)
            phase = rng.uniform()
            if kind == "RRL":
                period, colour = rng.uniform(0.45, 0.75), RRL_COLOUR
                x = ((t - t[0]) / period + phase) % 1
                shape = np.where(x < 0.15, 0.5 - x / 0.15, -0.5 + (x - 0.15) / 0.85)
                dm = RRL_AMPLITUDE[band] * shape
            elif kind == "EB":
                period, colour = rng.uniform(0.3, 5.0), main_sequence_colour(rng.uniform(0.2, 0.9))
                x = ((t - t[0]) / period + phase) % 1
                depth, width = rng.uniform(0.4, 0.9), rng.uniform(0.03, 0.07)
                ratio = rng.uniform(0.2, 0.8)
                dm = depth * (np.exp(-0.5 * ((((x + 0.5) % 1) - 0.5) / width) ** 2)
                              + ratio * np.exp(-0.5 * ((x - 0.5) / width) ** 2))
            elif kind == "LPV":
                period, colour = rng.uniform(150, 400), LPV_COLOUR
                dm = LPV_AMPLITUDE[band] * 0.5 * np.sin(2 * np.pi * ((t - t[0]) / period
                                                                      + phase))
            else:
                period, colour = np.nan, main_sequence_colour(rng.uniform(0.2, 1.2))
                dm = np.zeros(n)
            r = rng.uniform(brightest, faintest)
            flux = 10 ** ((ZERO_POINT - (r + colour[band] + dm)) / 2.5)
            sigma = np.hypot(10 ** ((ZERO_POINT - DEPTH[band]) / 2.5) / 5, 0.005 * flux)
            rows.append(pd.DataFrame({"id": star, "band": BANDS[band], "time": t,
                                      "flux": flux + rng.normal(0, 1, n) * sigma,
                                      "flux_err": sigma}))
            stars.append({"id": star, "class": kind, "period": period,
                          "g_r": colour[1] - colour[2],
                          "u_g": colour[0] - colour[1]})
    return pd.concat(rows, ignore_index=True), pd.DataFrame(stars)


def logarithm(table: pd.DataFrame) -> pd.DataFrame:
    """lcformer's reading of fluxes before asinh magnitudes: fluxes <= 0 dropped."""
    kept = table[table["flux"] > 0]
    return pd.DataFrame({"id": kept["id"], "band": kept["band"], "time": kept["time"],
                         "mag": ZERO_POINT - 2.5 * np.log10(kept["flux"]),
                         "err": 2.5 / np.log(10) * kept["flux_err"] / kept["flux"]})


def lcformer(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "lcformer", *args, "--quiet"], check=True,
                   stdout=subprocess.DEVNULL)


def periods_found(data: PreparedDataset, truth: pd.DataFrame) -> float:
    """Share of the periodic stars whose period search found their period (within 1%; or
    half of it for eclipsing binaries, whose two eclipses can look alike)."""
    found = data.periods.set_index("id")["period"]
    stars = truth[truth["period"].notna()].set_index("id")
    ratio = found.reindex(stars.index.astype(str)).to_numpy() / stars["period"].to_numpy()
    good = np.abs(ratio - 1) < 0.01
    good |= (stars["class"].to_numpy() == "EB") & (np.abs(ratio - 0.5) < 0.005)
    return float(good.mean())


def colour_bias(data: PreparedDataset, truth: pd.DataFrame) -> dict[str, float]:
    """Median over the constant stars of (band medians' colour - true colour), after
    cleaning."""
    curves = data.cleaned_curves()
    medians = pd.DataFrame({"id": curves.ids.astype(int), "band": curves.bands,
                            "median": pd.Series(curves.mag).groupby(curves.curve_index)
                            .median().to_numpy()})
    wide = medians.pivot(index="id", columns="band", values="median")
    const = truth[truth["class"] == "CONST"].set_index("id")
    wide = wide.reindex(const.index)
    return {"g_r": float(np.nanmedian(wide["g"] - wide["r"] - const["g_r"])),
            "u_g": float(np.nanmedian(wide["u"] - wide["g"] - const["u_g"]))}


def scores(run: Path) -> dict[str, float]:
    records = json.loads((run / "metrics.json").read_text())["records"]
    return {r["model"]: r["star"]["macro_f1"] for r in records}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-class", type=int, default=250)
    parser.add_argument("--brightest", type=float, default=22.0, help="r, mag")
    parser.add_argument("--faintest", type=float, default=26.0, help="r, mag")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--train", action="store_true", help="also train the default model")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    began = time.perf_counter()
    table, truth = simulate(args.per_class, args.brightest, args.faintest, args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        options = {"asinh": ["--flux", "--zero-point", str(ZERO_POINT),
                             "--columns", "mag=flux,err=flux_err"],
                   "logarithm": []}
        for name, frame in (("asinh", table), ("logarithm", logarithm(table))):
            (root / name).mkdir()
            frame.to_parquet(root / name / "lightcurves.parquet", index=False)
            truth[["id", "class"]].to_csv(root / name / "labels.csv", index=False)
        results = {}
        for name, reading in options.items():
            work = ["--work-dir", str(root / "work")]
            lcformer("baseline", str(root / name), *work, *reading)
            run = root / "work" / "runs" / f"{name}-baseline-seed0"
            result = scores(run)
            data = PreparedDataset.open(json.loads((run / "metrics.json").read_text())
                                        ["prepared"])
            result |= colour_bias(data, truth)
            result["periods"] = periods_found(data, truth)
            if args.train:
                lcformer("train", str(root / name), *work, *reading, "--threads",
                         str(args.threads), "--run-dir", str(root / "work" / name))
                result["default"] = scores(root / "work" / name)["periodic"]
            results[name] = result
    n_negative = int((table["flux"] <= 0).sum())
    print(f"# faint fluxes benchmark: {len(truth):,} LSST-like stars, r {args.brightest:g}-"
          f"{args.faintest:g}, {len(table):,} points of which {n_negative:,} at or below zero "
          f"flux; seed {args.seed}; {time.perf_counter() - began:.0f} s; {load_line()}")
    columns = ["periods", "g_r", "u_g", "random_forest", "gradient_boosting"] + (["default"]
                                                                      if args.train else [])
    frame = pd.DataFrame(results).T[columns]
    frame.loc["asinh - logarithm"] = frame.loc["asinh"] - frame.loc["logarithm"]
    frame.columns = ["periods found", "g-r bias", "u-g bias", "random forest F1",
                     "gradient boosting F1", *(["default model F1"] if args.train else [])]
    print(frame.to_string(float_format=lambda v: f"{v:+.3f}"))
    if args.json:
        args.json.write_text(json.dumps({"arguments": vars(args) | {"json": str(args.json)},
                                         "results": results}, indent=1))


if __name__ == "__main__":
    main()
