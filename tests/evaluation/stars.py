"""New stars for the prediction tests, as light curves and as Parquet partitions."""

from __future__ import annotations

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
