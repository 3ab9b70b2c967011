"""Flags on predictions that rest on too little signal."""

from __future__ import annotations

import numpy as np

from lcformer.data.lightcurves import LightCurves
from lcformer.evaluation.flags import FlagConfig, signal_flags


def test_a_star_without_a_period_is_flagged_as_such() -> None:
    """Twelve points, four in each of three bands, too few in any band for a period: not
    "few_points" (it has 12), and not a period that was searched and found weak."""
    rng = np.random.default_rng(0)
    curves = LightCurves.from_list(
        [("sparse", band, np.arange(4.0), 15 + rng.normal(0, 0.1, 4), np.full(4, 0.1))
         for band in "gri"]
        + [("weak", "r", np.arange(30.0), 15 + rng.normal(0, 0.1, 30), np.full(30, 0.1)),
           ("fine", "r", np.arange(30.0), 15 + np.sin(np.arange(30.0)), np.full(30, 0.1))])
    ids = np.array(["sparse", "weak", "fine"], dtype=object)
    flags = signal_flags(curves, ids, np.array([np.nan, 0.5, 1e-9]), FlagConfig())
    assert flags.tolist() == ["no_period", "no_significant_period", ""]
