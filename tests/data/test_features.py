"""The light-curve features: what each count in the report means."""

from __future__ import annotations

import numpy as np

from lcformer.data.features import star_features
from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport


def test_error_features_blanked_on_purpose_are_not_counted_as_uncomputable() -> None:
    """A curve without errors: its error-weighted features are left out on purpose (counted
    as feature_curves_without_errors); every other feature is computable."""
    t = np.linspace(0, 100, 200)
    m = 14 + 0.5 * np.sin(2 * np.pi * t / 3.1) + np.random.default_rng(0).normal(0, 0.02, 200)
    with_errors, without = DropReport(), DropReport()
    star_features(LightCurves.from_list([("a", "V", t, m, np.full(200, 0.02))]), with_errors,
                  periodogram=False)
    table = star_features(LightCurves.from_list([("a", "V", t, m, None)]), without,
                          periodogram=False)
    assert dict(with_errors.events) == {}
    assert dict(without.events) == {"feature_curves_without_errors": 1}
    assert table.isna().to_numpy().any()  # the blanked ones are NaN all the same


def test_bands_missing_counts_only_the_bands_asked_for() -> None:
    """A curve in a band outside ``bands`` made the count negative (-1 for 1)."""
    t = np.linspace(0, 50, 40)
    m, e = 15 + np.sin(t), np.full(40, 0.02)
    report = DropReport()
    star_features(LightCurves.from_list([("a", "V", t, m, e), ("a", "g", t, m, e),
                                         ("b", "g", t, m, e)]),
                  report, bands=["V"], periodogram=False)
    assert report.events["feature_star_bands_missing"] == 1  # b has no V curve
