"""Not a speed: Rubin/LSST-like light curves of eight kinds of variables, in u g r i z y, for
trying lcformer on a survey it has not seen (numpy only; simulated, not real photometry).

RR Lyrae (ab, c), classical Cepheids, delta Scuti stars, contact (EW) and detached (EA)
binaries, Miras and quasars (a damped random walk), with colours, reddening and band amplitude
ratios of their kind; Rubin-like seasons, visits in pairs ~30 minutes apart, a share of stars
losing bands, and the LSST error model (Ivezic et al. 2019: single-visit depths, noise drawn in
flux, points below 3 sigma or saturated left out).

    python benchmarks/rubin_like.py OUTDIR --years 3 --rmin 17 --rmax 21 --seed 1

writes OUTDIR/lightcurves.parquet (id, band, time, mag, err) and OUTDIR/labels.csv (id, class),
a folder `lcformer train` and `predict` read, and beside it OUTDIR_truth.csv (period, mean r,
E(B-V), amplitude, points per band), kept out of the folder since it has a class column too.
`--flux` writes forced-photometry nJy fluxes (zero point 31.4, every visit kept) instead.
benchmarks/README.md says how it was used: a model trained on 3-year curves, applied to
1-year ones.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

BANDS = ["u", "g", "r", "i", "z", "y"]
# single-visit 5-sigma depths (30 s visit, dark-ish time)
M5 = {"u": 23.6, "g": 24.7, "r": 24.2, "i": 23.8, "z": 23.2, "y": 22.3}
GAMMA = {"u": 0.038, "g": 0.039, "r": 0.039, "i": 0.039, "z": 0.039, "y": 0.039}
SYS = 0.005
SATURATION = 16.0  # brighter points are saturated -> not reported
# visits per band per year (WFD-like; each field scaled by a factor 0.6-1.4)
VISITS_PER_YEAR = {"u": 8, "g": 12, "r": 26, "i": 26, "z": 22, "y": 22}
# extinction A_b / E(B-V) for the LSST filters
EXT = {"u": 4.81, "g": 3.64, "r": 2.70, "i": 2.06, "z": 1.58, "y": 1.31}

AMP_RATIO = {  # amplitude in band / amplitude in g
    "puls": {"u": 1.22, "g": 1.0, "r": 0.78, "i": 0.63, "z": 0.56, "y": 0.51},
    "eb": {"u": 1.04, "g": 1.02, "r": 1.0, "i": 0.98, "z": 0.97, "y": 0.96},
    "mira": {"u": 1.0, "g": 1.0, "r": 0.75, "i": 0.45, "z": 0.33, "y": 0.28},
    "qso": {"u": 1.3, "g": 1.0, "r": 0.85, "i": 0.75, "z": 0.7, "y": 0.65},
}

CLASSES = ["RRab", "RRc", "Cepheid", "DeltaScuti", "EW", "EA", "Mira", "QSO"]


def cadence(rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Times (MJD) and bands of one field's visits: seasons, pairs of visits ~30 min apart."""
    factor = rng.uniform(0.6, 1.4)
    n_band = {b: VISITS_PER_YEAR[b] * factor * years for b in BANDS}
    total = sum(n_band.values())
    p = np.array([n_band[b] for b in BANDS]) / total
    season_len = rng.uniform(150, 230)
    season_mid = rng.uniform(0, 365.25)
    t0 = 61000.0  # ~ late 2025
    times, bands = [], []
    n_nights = int(rng.poisson(total / 2))
    # nights: uniform within each year's season
    yr = rng.integers(0, years, n_nights)
    night = np.floor(
        t0 + yr * 365.25 + season_mid + rng.uniform(-season_len / 2, season_len / 2, n_nights)
    )
    night = np.unique(night)
    for n in night:
        frac = rng.uniform(0.03, 0.38)  # Chile night in MJD fraction
        b1 = rng.choice(6, p=p)
        u = rng.random()
        if u < 0.45:
            b2 = b1
        elif u < 0.9:  # neighbouring filter (filter changes ~ 2 min)
            b2 = int(np.clip(b1 + rng.choice([-1, 1]), 0, 5))
        else:
            b2 = None  # a single visit this night
        times.append(n + frac)
        bands.append(BANDS[b1])
        if b2 is not None:
            times.append(n + frac + rng.uniform(20, 40) / 1440)
            bands.append(BANDS[b2])
    return np.array(times), np.array(bands)


def fourier(phase: np.ndarray, amps: list[float], phis: list[float]) -> np.ndarray:
    """Sine series in magnitude: sum_k A_k sin(2 pi k phase + phi_k), normalised to unit
    peak-to-peak."""
    grid = np.linspace(0, 1, 1000, endpoint=False)

    def ev(ph: np.ndarray) -> np.ndarray:
        terms = enumerate(zip(amps, phis, strict=False))
        return sum(a * np.sin(2 * np.pi * (k + 1) * ph + p) for k, (a, p) in terms)

    g = ev(grid)
    return (ev(phase) - g.mean()) / np.ptp(g)


def random_walk(rng: np.random.Generator, t: np.ndarray, sigma: float, tau: float
                ) -> np.ndarray:
    """A damped random walk (Ornstein-Uhlenbeck process) of spread ``sigma`` and time scale
    ``tau`` days at the times ``t`` (any order)."""
    order = np.argsort(t)
    ts = t[order]
    x = np.empty_like(ts)
    x[0] = rng.normal(0, sigma)
    for j in range(1, len(ts)):
        e = np.exp(-(ts[j] - ts[j - 1]) / tau)
        x[j] = x[j - 1] * e + sigma * np.sqrt(1 - e * e) * rng.normal()
    out = np.empty_like(x)
    out[order] = x
    return out


def star(rng: np.random.Generator, cls: str) -> tuple[Callable, float, dict, float, str]:
    """Returns a function m(t, band) -> magnitude offset around the band's mean, the period,
    intrinsic colours (band mean - r mean), the amplitude in g, the amplitude-ratio kind."""
    colours = {}
    if cls == "RRab":
        P = rng.uniform(0.45, 0.8)
        A = np.clip(1.35 - 1.6 * (P - 0.45) + rng.normal(0, 0.12), 0.45, 1.3)  # Bailey diagram, g
        R = [
            1,
            rng.uniform(0.44, 0.52),
            rng.uniform(0.29, 0.36),
            rng.uniform(0.17, 0.24),
            rng.uniform(0.10, 0.16),
        ]
        phi31 = 4.9 + 1.2 * (P - 0.45) + rng.normal(0, 0.08)
        phis = [0, rng.uniform(2.3, 2.6), phi31, rng.uniform(1.3, 1.9), rng.uniform(3.8, 4.5)]
        gr = 0.25 + 0.3 * (P - 0.55) + rng.normal(0, 0.04)
        colours = dict(u=1.15 + gr, g=gr, r=0.0, i=-0.12, z=-0.14, y=-0.14)
        kind = "puls"
    elif cls == "RRc":
        P = rng.uniform(0.25, 0.45)
        A = rng.uniform(0.3, 0.6)
        R = [1, rng.uniform(0.08, 0.2), rng.uniform(0.04, 0.1)]
        phis = [0, rng.uniform(3.0, 3.5), rng.uniform(5.5, 6.3)]
        gr = 0.15 + rng.normal(0, 0.04)
        colours = dict(u=1.15 + gr, g=gr, r=0.0, i=-0.06, z=-0.06, y=-0.06)
        kind = "puls"
    elif cls == "Cepheid":
        P = 10 ** rng.uniform(np.log10(2), np.log10(50))
        lp = np.log10(P)
        A = rng.uniform(0.4, 1.2)
        r21 = (
            0.42 - 0.3 * np.exp(-((lp - 1.0) ** 2) / 0.01) + rng.normal(0, 0.04)
        )  # Hertzsprung progression
        R = [1, max(r21, 0.05), rng.uniform(0.12, 0.3), rng.uniform(0.05, 0.15)]
        phi21 = 2.5 + 2.0 * (lp - 0.5) + rng.normal(0, 0.15)
        phis = [0, phi21, 5.0 + rng.normal(0, 0.3), rng.uniform(0, 2 * np.pi)]
        gr = 0.45 + 0.25 * (lp - 0.7) + rng.normal(0, 0.08)
        colours = dict(u=1.4 + gr, g=gr, r=0.0, i=-0.25, z=-0.35, y=-0.40)
        kind = "puls"
    elif cls == "DeltaScuti":
        P = 10 ** rng.uniform(np.log10(0.03), np.log10(0.2))
        A = 10 ** rng.uniform(np.log10(0.05), np.log10(0.45))
        R = [1, rng.uniform(0.05, 0.3), rng.uniform(0.0, 0.12)]
        phis = [0, rng.uniform(2.5, 3.5), rng.uniform(0, 2 * np.pi)]
        gr = 0.12 + rng.normal(0, 0.07)
        colours = dict(u=1.1 + gr, g=gr, r=0.0, i=-0.03, z=-0.03, y=-0.03)
        kind = "puls"
        second = rng.random() < 0.4  # a first overtone beside the fundamental
        a2, ph2 = rng.uniform(0.2, 0.6), rng.uniform(0, 2 * np.pi)
    elif cls == "EW":
        P = rng.uniform(0.25, 0.6)
        A = rng.uniform(0.15, 0.8)  # mag, depth of minima
        gr = rng.uniform(0.3, 0.8)
        colours = dict(u=1.2 + 1.3 * gr, g=gr, r=0.0, i=-0.4 * gr, z=-0.55 * gr, y=-0.62 * gr)
        kind = "eb"
        oconnell = rng.uniform(0, 0.08)
        unequal = rng.uniform(0, 0.1)
    elif cls == "EA":
        P = 10 ** rng.uniform(np.log10(0.8), np.log10(20))
        d1 = rng.uniform(0.2, 0.7)  # flux fraction lost at primary eclipse
        d2 = d1 * rng.uniform(0.05, 0.9)
        w = rng.uniform(0.006, 0.025) * (1.0 + 0.0 * P)  # gaussian sigma in phase
        ecc_shift = rng.normal(0, 0.02) if rng.random() < 0.3 else 0.0
        A = -2.5 * np.log10(1 - d1)
        gr = rng.uniform(-0.1, 1.0)
        colours = dict(u=1.15 + 1.2 * gr, g=gr, r=0.0, i=-0.4 * gr, z=-0.55 * gr, y=-0.62 * gr)
        kind = "eb"
        chrom = rng.uniform(-0.15, 0.15)  # secondary deeper in red or blue
    elif cls == "Mira":
        P = 10 ** rng.uniform(np.log10(100), np.log10(500))
        A = rng.uniform(2.5, 5.0)
        R = [1, rng.uniform(0.05, 0.2)]
        phis = [0, rng.uniform(0, 2 * np.pi)]
        gr = rng.uniform(1.2, 1.6)
        ri = rng.uniform(1.2, 2.5)
        colours = dict(
            u=gr + 2.3,
            g=gr,
            r=0.0,
            i=-ri,
            z=-ri - rng.uniform(0.6, 1.0),
            y=-ri - rng.uniform(1.0, 1.5),
        )
        kind = "mira"
        drift_amp = rng.uniform(0.05, 0.3)
        drift_tau = rng.uniform(300, 1000)
    elif cls == "QSO":
        P = np.nan
        A = rng.uniform(0.1, 0.35)  # SF_inf in g
        tau = 10 ** rng.uniform(2, 3)
        gr = rng.uniform(0.05, 0.35)
        colours = dict(
            u=gr + rng.uniform(0.1, 0.4),
            g=gr,
            r=0.0,
            i=-rng.uniform(0.05, 0.25),
            z=-rng.uniform(0.15, 0.4),
            y=-rng.uniform(0.2, 0.5),
        )
        kind = "qso"
    t_ref = rng.uniform(0, 1000)

    def model(t: np.ndarray, bands: np.ndarray) -> np.ndarray:
        ratio = np.array([AMP_RATIO[kind][b] for b in bands])
        if cls in ("RRab", "RRc", "Cepheid"):
            return A * ratio * fourier((t - t_ref) / P % 1, R, phis)
        if cls == "DeltaScuti":
            m = fourier((t - t_ref) / P % 1, R, phis)
            if second:
                m = m + a2 * 0.5 * np.sin(2 * np.pi * (t - t_ref) / (0.773 * P) + ph2)
            return A * ratio * m
        if cls == "EW":
            ph = (t - t_ref) / P % 1
            f = (
                1
                - 0.5
                * (1 - np.cos(4 * np.pi * ph))
                * (1 - 10 ** (-0.4 * A))
                * (1 + unequal * np.cos(2 * np.pi * ph))
                + oconnell * 0.1 * np.sin(2 * np.pi * ph)
            )
            return -2.5 * np.log10(f) * ratio
        if cls == "EA":
            ph = (t - t_ref) / P % 1
            dp = (ph + 0.5) % 1 - 0.5
            ds = (ph - 0.5 - ecc_shift + 0.5) % 1 - 0.5
            bl = np.array([BANDS.index(b) for b in bands]) - 2  # r = 0
            f = (
                1
                - d1 * np.exp(-0.5 * (dp / w) ** 2)
                - d2 * (1 + chrom * bl / 3) * np.exp(-0.5 * (ds / w) ** 2)
            )
            return -2.5 * np.log10(np.clip(f, 0.05, None)) * (0.5 + 0.5 * ratio)
        if cls == "Mira":
            m = A * ratio * fourier((t - t_ref) / P % 1, R, phis)
            # slow change of the mean (cycle-to-cycle)
            return m + random_walk(rng, t, drift_amp, drift_tau) * ratio
        if cls == "QSO":
            return random_walk(rng, t, A / np.sqrt(2), tau) * ratio
        raise ValueError(cls)

    return model, P, colours, A, kind


def observe(rng: np.random.Generator, mtrue: np.ndarray, bands: np.ndarray,
            flux: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """LSST error model (Ivezic et al. 2019), noise drawn in flux; SNR < 3 or saturated: no
    point."""
    m5 = np.array([M5[b] for b in bands]) + rng.normal(0, 0.25, len(bands))
    gam = np.array([GAMMA[b] for b in bands])
    x = 10 ** (0.4 * (mtrue - m5))
    srand = np.sqrt((0.04 - gam) * x + gam * x * x)
    f = 10 ** (-0.4 * mtrue)
    sf = f * srand / 1.0857
    fobs = f + rng.normal(0, 1, len(f)) * sf
    sysn = rng.normal(0, SYS, len(f))
    if flux:  # nJy (AB zero point 31.4), every unsaturated visit kept
        fn = fobs * 10 ** (0.4 * 31.4)
        en = np.sqrt(sf**2 + (f * SYS / 1.0857) ** 2) * 10 ** (0.4 * 31.4)
        return fn, en, mtrue > SATURATION
    keep = (fobs > 3 * sf) & (mtrue > SATURATION)
    mobs = -2.5 * np.log10(np.where(keep, fobs, 1.0)) + sysn
    err = np.sqrt((1.0857 * sf / np.where(keep, fobs, 1.0)) ** 2 + SYS**2)
    return mobs, err, keep


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--years", type=int, default=3)
    ap.add_argument("--rmin", type=float, default=17)
    ap.add_argument("--rmax", type=float, default=21)
    ap.add_argument("--per-class", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--counts", default="", help="CLASS=N,... stars per class (overrides --per-class)"
    )
    ap.add_argument(
        "--flux",
        action="store_true",
        help="forced photometry: psfFlux-like nJy fluxes, every visit kept (no SNR cut)",
    )
    ap.add_argument(
        "--band-loss",
        type=float,
        default=0.1,
        help="share of stars losing 1-2 bands (edge/chip gaps)",
    )
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    out = Path(a.out)
    out.mkdir(parents=True, exist_ok=True)
    rows, labels, truth = [], [], []
    k = 0
    counts = {c: a.per_class for c in CLASSES}
    if a.counts:
        counts = {kv.split("=")[0]: int(kv.split("=")[1]) for kv in a.counts.split(",")}
    for cls in CLASSES:
        for _ in range(counts.get(cls, 0)):
            sid = f"rubin_{a.seed}_{k:05d}"
            k += 1
            t, b = cadence(rng, a.years)
            if rng.random() < a.band_loss:  # lose one or two bands, or most of their points
                for lost in rng.choice(BANDS, rng.integers(1, 3), replace=False):
                    sel = b == lost
                    drop = sel & (rng.random(len(b)) < 0.85)
                    t, b = t[~drop], b[~drop]
            model, P, col, A, _ = star(rng, cls)
            rmean = rng.uniform(a.rmin, a.rmax)
            ebv = rng.exponential(0.08)
            mean = np.array([rmean + col[x] + (EXT[x] - EXT["r"]) * ebv for x in b])
            mtrue = mean + model(t, b)
            mobs, err, keep = observe(rng, mtrue, b, a.flux)
            n = {x: int(((b == x) & keep).sum()) for x in BANDS}
            if keep.sum() == 0:
                continue
            rows.append(
                pd.DataFrame(
                    {
                        "id": sid,
                        "band": b[keep],
                        "time": t[keep],
                        "mag": mobs[keep],
                        "err": err[keep],
                    }
                )
            )
            labels.append((sid, cls))
            truth.append(
                dict(
                    id=sid,
                    **{"class": cls},
                    period=P,
                    r_mean=rmean,
                    ebv=ebv,
                    amp_g=A,
                    **{f"n_{x}": n[x] for x in BANDS},
                )
            )
    df = pd.concat(rows, ignore_index=True)
    df.to_parquet(out / "lightcurves.parquet", index=False)
    pd.DataFrame(labels, columns=["id", "class"]).to_csv(out / "labels.csv", index=False)
    tr = pd.DataFrame(truth)
    tr.to_csv(out.parent / f"{out.name}_truth.csv", index=False)
    print(
        f"{out}: {len(labels)} stars, {len(df)} points; median points per star "
        f"{df.groupby('id').size().median():.0f}"
    )
    print(tr.groupby("class")[[f"n_{x}" for x in BANDS]].median().round(0).to_string())


if __name__ == "__main__":
    main()
