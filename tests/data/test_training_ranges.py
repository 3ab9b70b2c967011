"""The training stars' ranges that predict compares new stars with."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.data.training_ranges import (
    CLASS_PERIOD_STARS,
    ERROR_BIN_STARS,
    ERROR_BINS,
    MAGNITUDE_MARGIN,
    any_reason,
    band_levels,
    band_shares,
    class_periods,
    error_ranges,
    errors_of,
    period_unlike_class,
    ranges_of,
    ranges_text,
    reason_text,
    shares_of,
    stored_ranges,
    training_ranges,
    unlike_training,
)


def outside_training(stars, ranges, errors=None, shares=None):
    """Any reason of :func:`unlike_training`, as predict flags a star."""
    return any_reason(unlike_training(stars, ranges, errors, shares), len(stars))


def test_median_magnitudes_beyond_the_training_range_by_a_factor_2_in_flux() -> None:
    """A band's median magnitude is compared with the training stars' 1st-99th percentile
    range widened by 0.75 mag (a factor of 2 in flux) on each side; a band a star lacks, or
    that no training star had, is not compared."""
    names = ["g_median_mag", "g_log_scale", "r_median_mag", "z_median_mag"]
    # 3 training stars, the second in two samples; nobody has z
    extra = np.array([[17.0, 0, 16.5, np.nan], [18.0, 0, 17.5, np.nan],
                      [18.0, 0, 17.5, np.nan], [19.0, 0, np.nan, np.nan]])
    training = band_levels(extra, names, np.array([0, 1, 1, 2]))
    assert training.columns.tolist() == ["g_median_mag", "r_median_mag", "z_median_mag"]
    np.testing.assert_array_equal(training["g_median_mag"], [17.0, 18.0, 19.0])
    stars = training.assign(span=[10.0, 10.0, 10.0], n_points=[50, 50, 50])
    ranges = training_ranges(stars)
    assert set(ranges) == {"span", "n_points", "g_median_mag", "r_median_mag"}
    assert ranges["g_median_mag"] == pytest.approx([17.02, 18.98])
    new = pd.DataFrame({"span": 10.0, "n_points": 50,
                        "g_median_mag": [19.7, 19.8, 16.2, np.nan, 18.0],
                        "r_median_mag": [np.nan, np.nan, np.nan, 18.2, 18.3],
                        "z_median_mag": 30.0})
    assert MAGNITUDE_MARGIN == pytest.approx(0.7526, abs=1e-4)
    assert outside_training(new, ranges).tolist() == [False, True, True, False, True]
    # Kept apart in a checkpoint: lcformer 0.3.0 reads every key of training_stars as a
    # column of the period search.
    stored = stored_ranges(ranges)
    assert set(stored["training_stars"]) == {"span", "n_points"}
    assert ranges_of(stored) == ranges and ranges_of({}) == {}
    assert ranges_text(ranges).startswith("training stars' range (1st-99th percentile): span "
                                          "10-10 d; 50-50 points; median magnitude g "
                                          "17.02-18.98, r 16.51-17.49; ")


def test_median_errors_are_compared_with_training_stars_as_bright() -> None:
    """A survey as deep as the training one but noisier: a band's median error (log10) is
    compared with the 1st-99th percentile range of the training stars in its bin of median
    magnitude, widened by a factor of 1.5 on each side, as errors grow with magnitude; a star
    without the band is not compared, one without errors is unlike them (the values that
    rest on errors differ). Kept under a key of their own."""
    rng = np.random.default_rng(0)
    mag = rng.uniform(14, 20, 400)
    log_err = -2.5 + 0.25 * (mag - 14) + rng.uniform(-0.1, 0.1, 400)  # 0.0032 to 0.1 mag
    training = band_levels(np.c_[mag, rng.normal(size=400), log_err],
                           ["g_median_mag", "g_log_scale", "g_log_median_err"],
                           np.arange(400))
    assert training.columns.tolist() == ["g_median_mag", "g_log_median_err"]
    errors = error_ranges(training)
    bins = errors["g_log_median_err"]
    assert len(bins["edges"]) == ERROR_BINS - 1 and len(bins["high"]) == ERROR_BINS
    assert np.all(np.diff(bins["high"]) > 0)  # noisier where fainter
    # Bins of 0.75 mag: at 15 mag (14.75-15.5) the training errors span 10**-2.41 to
    # 10**-2.03 (0.0039-0.0094 mag), at 19.5 (19.25-20) 0.051-0.11 mag.
    err = np.array([0.006, 0.02, 0.004, 0.001, 0.08, 0.012, np.nan])
    new = pd.DataFrame({"g_median_mag": [15.0, 15.0, 15.0, 15.0, 19.5, 19.5, 15.0],
                        "g_log_median_err": np.log10(err)})
    flagged = [False, True, False, True, False, True, True]
    assert outside_training(new, {}, errors).tolist() == flagged
    assert outside_training(new, {}).tolist() == [False] * 7  # an earlier checkpoint
    assert not outside_training(new.drop(columns="g_median_mag"), {}, errors).any()
    assert error_ranges(training.iloc[:ERROR_BIN_STARS - 1]) == {}  # too few stars
    stored = stored_ranges({"span": [1.0, 2.0]}, errors)
    assert set(stored) == {"training_stars", "training_errors"}
    assert errors_of(stored) == errors and errors_of({}) == {}
    assert ranges_of(stored) == {"span": [1.0, 2.0]}
    text = ranges_text({"span": [1.0, 2.0]}, ["g"], errors)
    assert f"median error (by magnitude) g {10 ** min(bins['low']):.3g}-" in text


@pytest.mark.parametrize("share", [0.4, 1.0])
def test_tied_training_magnitudes_give_a_range_to_every_bin(share) -> None:
    """Quantised magnitudes, or curves given about their median (every median 0): the bins
    of equal numbers of stars tie; every bin left keeps a range, and predicting works (a
    bin without one made every prediction fail)."""
    rng = np.random.default_rng(1)
    mag = np.where(rng.random(200) < share, 0.0, rng.uniform(0, 5, 200))
    training = pd.DataFrame({"g_median_mag": mag,
                             "g_log_median_err": rng.uniform(-2.1, -1.9, 200)})
    bins = error_ranges(training)["g_log_median_err"]
    assert len(bins["low"]) == len(bins["high"]) == len(bins["edges"]) + 1
    assert np.isfinite(bins["low"]).all() and np.isfinite(bins["high"]).all()
    new = pd.DataFrame({"g_median_mag": [0.0, 2.0, 9.0], "g_log_median_err": [-2.0, -1.0, -2.0]})
    assert outside_training(new, {}, error_ranges(training)).tolist() == [False, True, False]
    broken = {"g_log_median_err": {"edges": [0.0], "low": [-2.0], "high": [-1.9]}}
    assert not outside_training(new, {}, broken).any()  # saved so before: not compared
    # A star whose errors are unknown (a table without its err column: probabilities
    # move by up to 0.13), where the training stars' were known: flagged.
    unknown = pd.DataFrame({"g_median_mag": [2.0, np.nan], "g_log_median_err": np.nan})
    reasons = unlike_training(unknown, {}, error_ranges(training))
    assert reasons["noerrors_g"].tolist() == [True, False]  # (no g band: not compared)
    assert reason_text("noerrors_g") == "no g errors"
    # Not where training stars without errors are common (7% with errors, say), nor
    # by a checkpoint that did not record the share
    some = training.assign(g_log_median_err=np.where(np.arange(200) < 150, np.nan,
                                                     training["g_log_median_err"]))
    assert "noerrors_g" not in unlike_training(unknown, {}, error_ranges(some))
    older = {k: {f: v for f, v in found.items() if f != "known"}
             for k, found in error_ranges(training).items()}
    assert "noerrors_g" not in unlike_training(unknown, {}, older)


def test_a_star_without_a_band_every_training_star_had_is_flagged() -> None:
    """Without that band the star's colour and band values are unknown where the trees learnt
    from them (eros1's test stars without R: macro-F1 0.745 against 0.887); a band only some
    training stars had is not asked for."""
    training = band_levels(np.array([[17.0, 16.0, np.nan], [18.0, 17.5, 16.0]] * 60),
                           ["B_median_mag", "R_median_mag", "I_median_mag"], np.arange(120))
    shares = band_shares(training)
    assert shares == {"B_median_mag": 1.0, "R_median_mag": 1.0, "I_median_mag": 0.5}
    new = pd.DataFrame({"B_median_mag": [17.0, 17.0, np.nan],
                        "R_median_mag": [16.0, np.nan, 16.0], "I_median_mag": np.nan})
    assert outside_training(new, {}, None, shares).tolist() == [False, True, True]
    assert not outside_training(new, {}).any()  # an earlier checkpoint: not compared
    # no such values: unknown
    assert not outside_training(new[["I_median_mag"]], {}, None, shares).any()
    stored = stored_ranges({"span": [1.0, 2.0]}, None, shares)
    assert shares_of(stored) == shares and shares_of({}) == {}
    assert ranges_of(stored) == {"span": [1.0, 2.0]}
    assert "bands B, R (99% of them or more had each: a star without one is flagged)" in \
        ranges_text({"span": [1.0, 2.0]}, ["B", "R", "I"], None, shares)


def test_a_band_without_a_name_is_not_named_in_the_range() -> None:
    """ASAS V read without a band column: its values are named "band_..." (scalar_names)."""
    text = ranges_text({"band_median_mag": [8.55, 14.04]}, bands=[""])
    assert "median magnitude 8.55-14.04;" in text
    assert "median magnitude V 8.55-14.04;" in ranges_text({"V_median_mag": [8.55, 14.04]},
                                                           bands=["V"])


def test_negative_magnitudes_read_as_a_range() -> None:
    """MACHO's instrumental magnitudes are negative: "-7.39--2.25" would read as a typo."""
    assert "median magnitude R -7.39 to -2.25" in ranges_text({"R_median_mag": [-7.39, -2.25]},
                                                              bands=["R"])


def test_each_reason_a_star_is_unlike_the_training_stars_is_kept_and_worded() -> None:
    """outside_training is any of unlike_training's reasons, which predict counts so that
    the flag's line says which (stars without u and v: not five causes)."""
    shares = {"u_median_mag": 1.0, "g_median_mag": 1.0}
    new = pd.DataFrame({"span": [10.0, 100.0], "n_points": 50,
                        "u_median_mag": [np.nan, 17.0], "g_median_mag": 16.0})
    reasons = unlike_training(new, {"span": [5.0, 20.0]}, None, shares)
    assert {k: v.tolist() for k, v in reasons.items()} == {
        "span": [False, True], "without_u": [True, False], "without_g": [False, False]}
    assert outside_training(new, {"span": [5.0, 20.0]}, None, shares).tolist() == [True, True]
    assert [reason_text(r) for r in ("without_u", "magnitude_band", "error_V", "points")] == [
        "no u band", "median magnitude", "V median error", "number of points"]


def test_a_period_far_outside_its_predicted_classs_is_told() -> None:
    """Cepheids of 3-48 d called RR Lyrae (0.33-1.7 d) by a model that never learnt Cepheids:
    beyond half the class's 1st percentile or twice its 99th; a class of too few
    training stars, or a star without a period, is not compared."""
    rng = np.random.default_rng(0)
    rrl = rng.uniform(0.4, 0.8, 200)
    mira = rng.uniform(150, 450, 200)
    few = np.full(CLASS_PERIOD_STARS - 1, 5.0)
    periods = class_periods(np.concatenate([rrl, mira, few, [np.nan]]),
                            np.array(["RRL"] * 200 + ["Mira"] * 200 + ["few"] * len(few)
                                     + ["RRL"], dtype=object))
    assert sorted(periods) == ["Mira", "RRL"]
    low, high = periods["RRL"]
    assert 0.4 <= low < 0.42 and 0.78 < high <= 0.8
    flags = period_unlike_class(np.array([0.6, 10.0, 0.15, 0.6, 800.0, 50.0, np.nan]),
                                np.array(["RRL", "RRL", "RRL", "Mira", "Mira", "few", "RRL"],
                                         dtype=object), periods)
    assert flags.tolist() == [False, True, True, True, False, False, False]
    assert not period_unlike_class(np.array([10.0]), np.array(["RRL"]), {}).any()
