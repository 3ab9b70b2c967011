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


def test_bad_errors_are_filled_with_their_own_curves_median() -> None:
    """A curve with some bad errors (NaN, 0, negative) is featured as if each were the median
    of that curve's good ones, another curve's errors playing no part."""
    rng = np.random.default_rng(3)
    t = np.sort(rng.uniform(0, 60, 80))
    m = 15 + 0.3 * np.sin(2 * np.pi * t / 2.3) + rng.normal(0, 0.03, 80)
    e1, e2 = rng.uniform(0.01, 0.05, 80), rng.uniform(0.1, 0.2, 80)
    bad = np.zeros(80, dtype=bool)
    bad[[3, 17, 40]] = True
    broken = e1.copy()
    broken[bad] = [np.nan, 0.0, -0.02]
    filled = np.where(bad, np.median(e1[~bad]), e1)
    report = DropReport()
    got = star_features(LightCurves.from_list([("a", "V", t, m, broken), ("b", "V", t, m, e2)]),
                        report, periodogram=False)
    want = star_features(LightCurves.from_list([("a", "V", t, m, filled), ("b", "V", t, m, e2)]),
                         DropReport(), periodogram=False)
    np.testing.assert_array_equal(got.to_numpy(), want.to_numpy())
    assert report.events["feature_points_err_filled"] == 3
