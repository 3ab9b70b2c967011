import warnings

import numpy as np
import pytest

from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.errors import ConfigError


def one(time, mag, err=None, label="x"):
    err = np.full(len(time), 0.05) if err is None else err
    return LightCurves.from_list([("s", "V", np.asarray(time, float), np.asarray(mag, float),
                                   np.asarray(err, float))], labels=[label])


def test_every_removed_point_is_counted_by_reason():
    lcs = one(
        time=[1, 2, np.nan, 4, 5, 6, 7, 8, 9],
        mag=[10, np.inf, 10, -99.0, 10, 10, 10, 10, 11],
        err=[0.1, 0.1, 0.1, 0.1, -0.1, 0.0, 5.0, np.inf, 0.1],
    )
    # an error of exactly 0 beside a real magnitude: said, with how to keep it (AAVSO's
    # Uncertainty of 0.000 is no error given)
    with pytest.warns(UserWarning, match=r"^points with an error of exactly 0 were dropped "
                                         r"\(bad_err, counted\): .*leave those errors "
                                         r"empty"):
        cleaned, report = clean(lcs)
    assert report.points == {"non_finite": 3, "sentinel_mag": 1, "bad_err": 2, "large_err": 1}
    assert cleaned.n_points == 2
    assert cleaned.n_points + report.n_points_dropped == lcs.n_points


def test_duplicate_times_keep_the_first_and_sort():
    lcs = one(time=[3, 1, 2, 1, 3], mag=[30, 10, 20, 11, 31])
    cleaned, report = clean(lcs)
    np.testing.assert_array_equal(cleaned.time, [1, 2, 3])
    np.testing.assert_array_equal(cleaned.mag, [10, 20, 30])  # first seen of each time
    assert report.points == {"duplicate_time_other_mag": 2}  # 11 vs 10, 31 vs 30
    assert report.events["curves_resorted"] == 1
    _, same = clean(one(time=[3, 1, 2, 1, 3], mag=[30, 10, 20, 10, 31]))
    assert same.points == {"duplicate_time": 1, "duplicate_time_other_mag": 1}


def test_sorted_input_fast_path_drops_adjacent_duplicates():
    lcs = one(time=[1, 1, 2, 3, 3, 3], mag=[1, 2, 3, 4, 5, 6])
    cleaned, report = clean(lcs)
    np.testing.assert_array_equal(cleaned.mag, [1, 3, 4])
    assert report.points == {"duplicate_time_other_mag": 3}
    _, same = clean(one(time=[1, 1, 2], mag=[1, 1, 3]))
    assert same.points == {"duplicate_time": 1}
    assert "curves_resorted" not in report.events


def test_short_and_empty_curves_are_dropped_and_counted():
    lcs = LightCurves.from_list([
        ("a", "V", [1.0, 1.0, 1.0], [1, 2, 3], [0.1] * 3),  # identical times -> one point
        ("b", "V", [], [], []),
        ("c", "V", [1.0, 2.0], [1, 2], [0.1, 0.1]),
    ], labels=["x", "x", "y"])
    cleaned, report = clean(lcs)
    assert list(cleaned.ids) == ["c"]
    assert report.curves == {"too_few_points": 1, "empty_curve": 1}


def test_unknown_errors_are_kept_and_noted():
    lcs = one(time=[1, 2, 3], mag=[1, 2, 3], err=[np.nan] * 3)
    cleaned, report = clean(lcs)
    assert cleaned.n_points == 3
    assert report.events["points_with_unknown_err"] == 3


def test_unknown_errors_are_counted_among_the_points_kept():
    """A duplicate time and a curve too short take their unknown errors with them."""
    lcs = LightCurves.from_list([
        ("a", "V", [1.0, 1.0, 2.0, 3.0], [1, 2, 3, 4], [0.1, np.nan, np.nan, 0.1]),
        ("b", "V", [1.0], [1.0], [np.nan]),
    ], labels=["x", "x"])
    cleaned, report = clean(lcs)
    assert np.isnan(cleaned.err).sum() == report.events["points_with_unknown_err"] == 1


def test_sentinels_match_single_precision_magnitudes():
    """The survey files hold float32: 29.99 there is 29.989999771118164 as a double."""
    mag = np.array([15.1, 29.99, 15.2, 29.99], dtype=np.float32).astype(np.float64)
    lcs = one(time=[1, 2, 3, 4], mag=mag)
    cleaned, report = clean(lcs, CleaningConfig(sentinel_values=(29.99,)))
    assert report.points == {"sentinel_mag": 2} and cleaned.n_points == 2


def test_dataset_sentinels_and_error_limit_are_configurable():
    lcs = one(time=[1, 2, 3, 4], mag=[25.0, 18, 19, 20], err=[1.0, 0.1, 0.1, 2.5])
    cleaned, report = clean(lcs, CleaningConfig(sentinel_values=(25.0,), max_err=None))
    assert report.points == {"sentinel_mag": 1}
    assert cleaned.n_points == 3


def test_cleaning_many_curves_matches_cleaning_each(rng):
    curves = []
    for i in range(30):
        n = int(rng.integers(0, 40))
        t = rng.integers(0, 20, n).astype(float)  # many repeated times, unsorted
        curves.append((f"s{i}", "V", t, rng.normal(12, 1, n), rng.uniform(0.01, 0.2, n)))
    together, _ = clean(LightCurves.from_list(curves))
    by_id = {i: (t, m) for i, _, t, m, _ in together}
    for cid, _, t, m, e in curves:
        alone, _ = clean(LightCurves.from_list([(cid, "V", t, m, e)]))
        if alone.n_curves == 0:
            assert cid not in by_id
            continue
        np.testing.assert_array_equal(by_id[cid][0], alone.time)
        np.testing.assert_array_equal(by_id[cid][1], alone.mag)


def test_clean_input_is_returned_as_it_is(rng):
    """Nothing to drop and nothing to sort: no step may copy the data."""
    lcs = LightCurves.from_list([(f"s{i}", "V", np.arange(50.0), rng.normal(12, 1, 50),
                                  np.full(50, 0.05)) for i in range(5)])
    cleaned, report = clean(lcs)
    assert cleaned is lcs
    assert report.n_points_dropped == 0 and report.n_curves_dropped == 0


def test_min_points_below_one_is_refused() -> None:
    """An empty curve has no magnitude, period or view (it gave star views a 0 magnitude)."""
    with pytest.raises(ConfigError, match="min_points must be at least 1"):
        CleaningConfig(min_points=0)


def test_a_star_in_two_time_systems_is_warned_of_naming_its_bands() -> None:
    """One band in JD beside another in HJD - 2450000: the star keeps its points, gets no
    period, and the warning says why, where otherwise it is only "too little signal"."""
    t = np.arange(10.0)
    lcs = LightCurves.from_arrays(["a", "a", "b"], ["I", "V", "I"], [10, 10, 10],
                                  np.concatenate([5000 + t, 2455000 + t, 5000 + t]),
                                  np.full(30, 15.0), np.full(30, 0.1))
    with pytest.warns(UserWarning, match=r"1 star\(s\) span more than 100,000 days.*the "
                                         r"first, a, has I: 5000.0-5009.0, V: 2455000.0-"):
        cleaned, report = clean(lcs)
    assert cleaned.n_points == 30 and report.events["stars_spanning_more_than_max_days"] == 1
    # Every star so (SuperWASP's times in seconds, unit-less): prepare refuses, naming the
    # input, rather than train finishing on stars without periods.
    from lcformer.data.prepared import PrepareConfig, build
    from lcformer.errors import InputError

    seconds = LightCurves.from_arrays(["a", "b"], ["", ""], [10, 10],
                                      np.concatenate([t * 86400, t * 86400]), np.full(20, 15.0),
                                      np.full(20, 0.1), labels=["x", "y"])
    with pytest.warns(UserWarning, match="span more than"), pytest.raises(
            InputError, match=r"stars\.csv: every star's times span more than 100,000 days, so "
                              r"they are not days: times in seconds"):
        build("s", seconds, PrepareConfig(), source="stars.csv")



def test_bands_far_apart_in_time_are_warned_of_naming_them() -> None:
    """OGLE's I in HJD - 2450000 beside a V in HJD - 2400000: 50,000 days apart, within
    MAX_SPAN_DAYS, so nothing but a warning says something is wrong. Bands
    observed over one stretch, or one band with a long gap, are not warned of."""
    t = np.arange(10.0)
    lcs = LightCurves.from_arrays(["a", "a", "b", "b", "c"], ["I", "V", "I", "V", "I"],
                                  [10] * 5, np.concatenate([5000 + t, 55000 + t, 5000 + t,
                                                            5005 + t, 5000 + 5000 * t]),
                                  np.full(50, 15.0), np.full(50, 0.1))
    with pytest.warns(UserWarning, match=r"1 star\(s\) have bands observed more than 30,000 "
                                         r"days apart.*the first, a, has I: 5000.0-5009.0, "
                                         r"V: 55000.0-55009.0"):
        cleaned, report = clean(lcs)
    assert cleaned.n_points == 50
    assert report.events["stars_whose_bands_lie_far_apart_in_time"] == 1
    assert not report.events["stars_spanning_more_than_max_days"]

def test_negative_fluxes_magnitudes_with_a_sign_are_dropped_counted_and_said() -> None:
    """ATLAS writes a negative flux's magnitude as a negative number: not a brightness. A
    faint source's fluxes are negative half of the time: those too."""
    with pytest.warns(UserWarning, match=r"below -10 in curves that also hold ones above 10 "
                                         r"were dropped \(1, negative_flux_mag\).* --flux"):
        cleaned, report = clean(one(time=[1, 2, 3, 4], mag=[19.5, 19.9, -19.8, 19.7]))
    np.testing.assert_array_equal(cleaned.mag, [19.5, 19.9, 19.7])
    assert report.points == {"negative_flux_mag": 1}
    with pytest.warns(UserWarning, match=r"\(3, negative_flux_mag\)"):
        cleaned, _ = clean(one(time=[1, 2, 3, 4, 5], mag=[20.1, -20.3, 19.9, -19.6, -21.0]))
    np.testing.assert_array_equal(cleaned.mag, [20.1, 19.9])
    # MACHO's instrumental magnitudes are all negative; a bright star may pass below zero.
    # ... and so may differential magnitudes of a large amplitude (a Mira's -5 to +7).
    for mags in ([-7.5, -7.6, -7.4, -7.7], [0.4, 0.1, -0.3, 0.8], [-5.2, 6.8, -4.9, 6.1]):
        cleaned, report = clean(one(time=[1, 2, 3, 4], mag=mags))
        np.testing.assert_array_equal(cleaned.mag, mags)
        assert report.points == {}


def test_magnitudes_of_zero_far_from_their_curve_are_said_not_dropped() -> None:
    """A spreadsheet's empty cells written as 0 among magnitudes of 15 are read as points:
    said, with --sentinel-values 0, which drops them. Not dropped unasked: a nova's visual
    estimates pass through 0.0, and neither said there,
    nor in a curve about 0 (differential magnitudes) or one mostly of zeros."""
    with pytest.warns(UserWarning, match=r"1 magnitude\(s\) of exactly 0 in curves whose "
                                         r"other magnitudes all lie more than 1 mag from 0 .*"
                                         r"--sentinel-values 0"):
        cleaned, report = clean(one(time=[1, 2, 3, 4], mag=[15.1, 0.0, 15.3, 14.9]))
    np.testing.assert_array_equal(cleaned.mag, [15.1, 0.0, 15.3, 14.9])
    assert report.events["zero_mags_far_from_their_curve"] == 1 and report.points == {}
    cleaned, report = clean(one(time=[1, 2, 3, 4], mag=[15.1, 0.0, 15.3, 14.9]),
                            CleaningConfig(sentinel_values=(0.0,)))
    assert report.points == {"sentinel_mag": 1}
    # An empty row made 0 with an error of 0 is dropped as bad_err, and not said
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, report = clean(one(time=[1, 2, 3, 4], mag=[15.1, 0.0, 15.3, 14.9],
                              err=[0.05, 0.0, 0.05, 0.05]))
    assert report.points == {"bad_err": 1} and not report.events[
        "zero_mags_far_from_their_curve"]
    nova = [11.0, 6.2, 0.6, 0.0, -0.5, 0.3, 4.1, 10.8]
    for mags in (nova, [0.1, 0.0, -0.2, 0.3], [0.0, 0.0, 0.0, 4.0]):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            cleaned, report = clean(one(time=np.arange(len(mags)), mag=mags))
        assert not report.events["zero_mags_far_from_their_curve"]


def test_no_data_times_are_dropped_and_counted() -> None:
    """A Stripe 82 row of five bands writes mjd_r = -99.99 where r was not observed; read
    as a time it gives r a 147-year span. Such codes go as ``sentinel_time``; negative times
    of a real system (HJD - 2450000 before 1995) stay."""
    time = np.array([-99.99, 53000.1, 53001.2, -999.0, 53002.3, 53003.4], dtype=np.float32)
    lcs = LightCurves.from_list([("s", "r", time.astype(np.float64),
                                  np.full(6, 17.0) + np.arange(6) * 0.01, np.full(6, 0.02)),
                                 ("o", "I", np.array([-1520.3, -1519.2, -99.8, 12.5]),
                                  np.full(4, 15.0), np.full(4, 0.01))])
    out, report = clean(lcs)
    assert report.points["sentinel_time"] == 2
    assert out.lengths.tolist() == [4, 4] and out.time.min() == pytest.approx(-1520.3)
    assert (out.time[:4] > 53000).all()
    # A code within the range of the curve's other times is a time (a grid of whole days).
    grid = np.arange(-120.0, 100.0)
    kept, report = clean(LightCurves.from_list([("g", "V", grid, np.full(220, 15.0),
                                                 np.full(220, 0.01))]))
    assert kept.n_points == 220 and not report.points["sentinel_time"]
    edge = np.arange(-99.0, 100.0)  # the code at the edge of the grid
    kept, report = clean(LightCurves.from_list([("g", "V", edge, np.full(199, 15.0),
                                                 np.full(199, 0.01))]))
    assert kept.n_points == 199 and not report.points["sentinel_time"]
    hjd = np.concatenate([[-99.99], np.linspace(2000.0, 5000.0, 50)])  # HJD - 2450000
    kept, report = clean(LightCurves.from_list([("o", "I", hjd, np.full(51, 15.0),
                                                 np.full(51, 0.01))]))
    assert kept.n_points == 50 and report.points["sentinel_time"] == 1


def test_times_rounded_to_whole_days_are_warned_of_where_many_repeat() -> None:
    """A spreadsheet's 2.45187E+06 (68% of the points dropped as repeats: said)."""
    exact = 2451870.0 + np.sort(np.random.default_rng(0).uniform(0, 60, 50))
    rounded = np.round(exact, -1)  # six digits
    with pytest.warns(UserWarning, match=r"4\d of 50 points repeat another point's time and "
                                         r"are dropped, and every time is a whole number "
                                         r"\(2451870, \.\.\.\): the times look rounded"):
        cleaned, _ = clean(one(rounded, np.arange(50.0) / 10))
    assert cleaned.n_points == len(np.unique(rounded))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clean(one(exact, np.arange(50.0) / 10))  # decimals: nothing to say
        daily = np.arange(50.0)
        clean(one(np.concatenate([daily, daily[:4]]), np.arange(54.0)))  # few repeats
