"""New stars for the prediction tests, as light curves and as Parquet partitions."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.synthetic import SyntheticConfig, make_synthetic


def new_stars(n_per_class: int = 4, seed: int = 1) -> LightCurves:
    """Unlabelled stars the tiny model has not seen."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=n_per_class, num=84, seed=seed))
    return lcs.with_labels(None)


def write_partitions(lcs: LightCurves, folder: Path, n: int) -> list[Path]:
    """``lcs`` as ``n`` Parquet long tables, each star's rows in one of them."""
    frame = lcs.to_frame()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, ids in enumerate(np.array_split(pd.unique(frame["id"]), n)):
        path = folder / f"part.{i}.parquet"
        frame[frame["id"].isin(ids)].to_parquet(path, index=False)
        paths.append(path)
    return paths


def labelled_stars() -> LightCurves:
    """Synthetic stars of the run's classes with their labels, plus a star of a class the
    model does not know, an unlabelled one, and a labelled one with too few points."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=6, num=84, seed=5))
    t = np.linspace(0, 20, 40)
    extra = LightCurves.from_list([("mira-1", "V", t, 12 + np.sin(t), np.full(40, 0.02)),
                                   ("nolabel", "V", t, 12 + np.cos(t), np.full(40, 0.02)),
                                   ("one", "V", t[:1], np.array([12.0]), np.full(1, 0.02))])
    extra = extra.with_labels(np.array(["mira", "", "car"], dtype=object))
    return LightCurves.concatenate([lcs, extra])


def trained_stars_renamed(changed: int = 0) -> LightCurves:
    """The tiny run's 30 training and validation stars (``tiny_run``'s input) under other
    ids (``gaia-<n>``); the first ``changed`` of them with every other magnitude moved by
    0.01: other photometry, a new star's points (one point changed is still the star's)."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=10, num=84))
    mag = lcs.mag.copy()
    for curve in range(changed):
        mag[lcs.offsets[curve]:lcs.offsets[curve + 1]:2] += 0.01
    ids = np.array([f"gaia-{i}" for i in range(lcs.n_curves)], dtype=object)
    return replace(lcs, ids=ids, mag=mag)


def star(name: str, n: int, seed: int = 0, nan: bool = False):
    """One curve of ``n`` noise points in V, as ``LightCurves.from_list`` takes it (``nan``:
    every magnitude missing)."""
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.5, 1.5, n))
    m = 12 + rng.normal(size=n)
    if nan:
        m[:] = np.nan
    return (name, "V", t, m, np.full(n, 0.02))


def signal_test_stars() -> LightCurves:
    """Four stars of ``tiny_run``'s span with more and less signal: a sine, noise, a constant
    curve and one of five points."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 30, 80))  # within twice the 20 d of tiny_run's stars
    err = np.full(80, 0.02)
    return LightCurves.from_list([
        ("sine", "V", t, 12 + 0.5 * np.sin(2 * np.pi * t / 3.7) + rng.normal(0, 0.02, 80), err),
        ("noise", "V", t, 12 + rng.normal(0, 0.02, 80), err),
        ("flat", "V", t, np.full(80, 12.0), err),
        ("five", "V", t[:5], 12 + np.sin(t[:5]), err[:5]),
    ])
