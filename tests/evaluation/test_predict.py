"""predict_stars: every input star is either classified or listed with the reason; thin
signal is flagged; nothing classified is a failure. (Scoring: test_scoring.py; the files
written: test_output_files.py.)"""

from __future__ import annotations

import dataclasses
import json
import re
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer.cli import main
from lcformer.data.cleaning import CleaningConfig
from lcformer.data.lightcurves import LightCurves
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError
from lcformer.evaluation.flags import FlagConfig, format_flags
from lcformer.evaluation.predict import predict_stars
from lcformer.models import build_model
from tests.evaluation.stars import new_stars, signal_test_stars, star

CLASSES = ["a", "b"]


@pytest.fixture(scope="module")
def model_and_metadata():
    torch.manual_seed(0)
    model = build_model("encoder", n_classes=2, emb=8, heads=2, max_tokens=32).eval()
    metadata = {"classes": CLASSES, "tokens": TokenConfig(window=20, stride=10).to_dict(),
                "cleaning": CleaningConfig().to_dict()}
    return model, metadata


def stars() -> LightCurves:
    return LightCurves.from_list([
        star("long1", 45, 1),  # 44 pairs: 3 windows of 20 every 10
        star("single", 1),  # one point: nothing left after cleaning
        star("short", 11, 2),  # 10 pairs < W = 20
        star("all_nan", 30, 3, nan=True),  # every point non-finite
        star("long2", 21, 4),  # exactly one window
    ])  # no labels needed


def test_counts_are_of_what_the_model_read(model_and_metadata) -> None:
    """A window model's curve too short for a window is not counted in n_points, n_bands."""
    long, short = star("two", 45, 1), star("two", 11, 2)
    lcs = LightCurves.from_list([long, (*short[:1], "R", *short[2:])])
    table = predict_stars(*model_and_metadata, lcs, device="cpu").table
    assert table[["n_windows", "n_points", "n_bands"]].values.tolist() == [[3, 45, 1]]


def test_unclassifiable_stars_are_listed_with_reasons(model_and_metadata) -> None:
    model, metadata = model_and_metadata
    result = predict_stars(model, metadata, stars(), device="cpu")
    table = result.table
    assert table["id"].tolist() == ["long1", "long2"]
    assert table["n_windows"].tolist() == [3, 1]
    assert list(table.columns) == ["id", "predicted", "probability", "p_a", "p_b", "n_windows",
                                   "n_points", "n_bands", "flag", "other_flags"]
    assert table["n_points"].tolist() == [45, 21] and table["n_bands"].tolist() == [1, 1]
    np.testing.assert_allclose(table[["p_a", "p_b"]].sum(axis=1), 1.0, rtol=1e-6)
    assert set(table["predicted"]) <= set(CLASSES)
    assert result.classes == CLASSES

    reasons = dict(zip(result.unclassified["id"], result.unclassified["reason"], strict=True))
    assert list(reasons) == ["single", "short", "all_nan"]  # input order
    assert "no usable points" in reasons["single"]
    assert "no usable points" in reasons["all_nan"]
    assert "shorter than one window" in reasons["short"]
    assert "10 (dt, dm) pairs < W=20" in reasons["short"]
    # Every input star is accounted for.
    assert len(table) + len(result.unclassified) == stars().n_stars
    assert result.report.curves["too_few_points"] == 2  # single, and all_nan once emptied
    assert result.report.curves["shorter_than_window"] == 1
    assert result.report.points["non_finite"] == 30


@pytest.mark.filterwarnings("ignore:curves in band")  # R: its --keep-bands left it out
def test_a_window_model_trained_on_some_bands_reads_only_those(model_and_metadata) -> None:
    """--keep-bands V: a star's R curve is not averaged into its prediction, and a star with
    R alone is listed with the reason."""
    from lcformer.data.prepared import PrepareConfig

    model, metadata = model_and_metadata
    metadata = metadata | {"prepare": PrepareConfig(tokens=TokenConfig(window=20, stride=10),
                                                    keep_bands=("V",)).to_dict()}
    v_only = LightCurves.from_list([star("long1", 45, 1), star("long2", 21, 4)])
    in_r = [(name, "R", t, m, e) for name, _, t, m, e in
            (star("long1", 45, 7), star("red", 30, 8))]
    both = LightCurves.from_list([star("long1", 45, 1), star("long2", 21, 4), *in_r])
    want = predict_stars(model, metadata, v_only, device="cpu").table
    result = predict_stars(model, metadata, both, device="cpu")
    pd.testing.assert_frame_equal(result.table, want)
    assert result.report.curves["band_the_model_lacks"] == 2
    assert result.unclassified["id"].tolist() == ["red"]
    assert "no curve in a band the model knows (V; this star has R" in (
        result.unclassified["reason"].iloc[0])


def test_pad_short_classifies_the_short_star(model_and_metadata) -> None:
    model, metadata = model_and_metadata
    result = predict_stars(model, metadata, stars(), device="cpu", pad_short=True)
    assert result.table["id"].tolist() == ["long1", "short", "long2"]
    assert result.table.set_index("id").loc["short", "n_windows"] == 1
    assert result.unclassified["id"].tolist() == ["single", "all_nan"]
    assert np.isfinite(result.table[["p_a", "p_b"]].to_numpy()).all()
    # The stored token config is not changed by the override.
    assert metadata["tokens"]["pad_short"] is False


def test_labels_are_ignored_and_predictions_do_not_depend_on_neighbours(
        model_and_metadata) -> None:
    model, metadata = model_and_metadata
    everything = predict_stars(model, metadata, stars(), device="cpu").table
    alone = LightCurves.from_list([star("long2", 21, 4)], labels=["z"])
    one = predict_stars(model, metadata, alone, device="cpu").table
    np.testing.assert_allclose(one[["p_a", "p_b"]].to_numpy(),
                               everything[everything["id"] == "long2"][["p_a", "p_b"]]
                               .to_numpy(), rtol=1e-6)


def test_nothing_classifiable(model_and_metadata) -> None:
    model, metadata = model_and_metadata
    result = predict_stars(model, metadata, LightCurves.from_list([star("single", 1)]),
                           device="cpu")
    assert len(result.table) == 0
    assert result.unclassified["id"].tolist() == ["single"]


# ---------------------------------------------------------------------- the period-aware model
def test_stars_with_too_little_signal_are_flagged_not_dropped(periodic) -> None:
    result = predict_stars(*periodic, signal_test_stars(), device="cpu")
    table = result.table.set_index("id")
    assert table["flag"].to_dict() == {"sine": "", "noise": "no_significant_period",
                                       "flat": "constant", "five": "few_points"}
    assert table.loc["sine", "fap"] < 1e-6 and table.loc["noise", "fap"] > 0.01
    # The second peak beside the period folded at: another period, of lower power.
    sine = table.loc["sine"]
    assert abs(sine["period_2"] / sine["period"] - 1) > 0.01
    assert 0 < sine["power_2"] < sine["power"]
    np.testing.assert_allclose(table.filter(like="p_").sum(axis=1), 1.0, rtol=1e-5)
    assert result.flag_counts == {"no_significant_period": 1, "constant": 1, "few_points": 1}
    line = format_flags(result.flag_counts, len(table))
    assert line.startswith("3 of 4 predictions rest on too little signal (1 few_points, "
                           "1 constant, 1 no_significant_period)")
    # The thresholds are settings: looser ones flag only the star without any period, and
    # the 5-point star for points unlike the training stars' (42), which comes before its
    # best period, at the shortest searched.
    loose = FlagConfig(min_points=0, min_scatter=0.0, max_fap=1.0)
    flags = predict_stars(*periodic, signal_test_stars(), device="cpu", flags=loose).table
    assert flags.set_index("id")["flag"].to_dict() == {
        "sine": "", "noise": "", "flat": "no_period", "five": "outside_training_range"}
    assert flags.set_index("id").loc["five", "period"] <= 1.05 * 0.05
    with pytest.raises(ConfigError, match="max_fap"):
        FlagConfig(max_fap=0.0)


def test_each_bands_median_magnitude_and_5_95_range_are_written(periodic, band_less_run
                                                                 ) -> None:
    """A catalogue lists a star's brightness and amplitude beside its period: each band's
    median magnitude and 5-95% range of the cleaned points (what the star views measured, to
    4 decimals), and the peak-to-peak amplitude of the fit at the period; a model of one
    unnamed band writes them without a band."""
    from lcformer.evaluation.predict import band_columns
    from lcformer.training.run_folder import load_model

    model, metadata = periodic
    assert list(band_columns(metadata)) == ["median_mag_V", "range_5_95_V", "amplitude_V"]
    lcs = signal_test_stars()
    table = predict_stars(model, metadata, lcs, device="cpu").table.set_index("id")
    mag = pd.Series(lcs.mag).groupby(np.repeat(lcs.ids, lcs.lengths))
    np.testing.assert_allclose(table["median_mag_V"], mag.median()[table.index], atol=5e-5)
    low, high = (mag.quantile(q)[table.index] for q in (0.05, 0.95))
    range_ = table["range_5_95_V"].to_numpy()
    np.testing.assert_allclose(range_[:2], (high - low)[:2], atol=5e-5)  # sine, noise
    assert range_[0] > 0.9 and table.loc["flat", "range_5_95_V"] == 0.001
    assert (table[["median_mag_V", "range_5_95_V"]] == table[
        ["median_mag_V", "range_5_95_V"]].round(4)).all().all()  # no float32 digits
    # The fit's peak-to-peak amplitude: the sine's 1.0, which its noise widens in the range;
    # of noise alone less than its range; none where there is no fit.
    amplitude = table["amplitude_V"]
    assert abs(amplitude["sine"] - 1.0) < 0.02 and amplitude["noise"] < range_[1]
    assert amplitude[["flat", "five"]].isna().all() and (amplitude == amplitude.round(4))[:2].all()
    # Two bands, in the model's order. A band named p is no class: its columns end in p.
    two = {**metadata, "bands": ["V", "I"],
           "extra_names": [*metadata["extra_names"], "I_median_mag", "I_log_amplitude"]}
    assert list(band_columns(two)) == ["median_mag_V", "range_5_95_V", "amplitude_V",
                                       "median_mag_I", "range_5_95_I", "amplitude_I"]
    assert list(band_columns({**two, "bands": ["p"], "extra_names": ["p_median_mag"]})) == [
        "median_mag_p", "amplitude_p"]
    band_less = load_model(band_less_run)[1]
    assert list(band_columns(band_less)) == ["median_mag", "range_5_95", "amplitude"]
    assert band_columns({"classes": ["a"], "tokens": {}}) == {}  # research windows: none


def test_star_models_give_the_epochs_of_the_brightest_and_faintest_phase(periodic) -> None:
    """A catalogue's epoch beside the period: the sine's brightest (least magnitude) and
    faintest phase, in the cycle nearest the middle of its span, in the input's own time
    (Julian dates in, Julian dates out); none without a period or with too few points."""
    lcs = signal_test_stars()
    table = predict_stars(*periodic, lcs, device="cpu").table.set_index("id")
    sine = table.loc["sine"]  # 12 + 0.5 sin(2 pi t / 3.7): brightest at phase 0.75
    for column, phase in (("epoch_max", 0.75), ("epoch_min", 0.25)):
        error = (sine[column] / 3.7 - phase + 0.5) % 1 - 0.5
        assert abs(error) < 0.02  # (the period found, not 3.7, is folded at)
        assert abs(sine[column] - 0.5 * (lcs.time.min() + lcs.time.max())) <= sine["period"]
    assert table.loc[["flat", "five"], ["epoch_max", "epoch_min"]].isna().all().all()
    assert 0 < sine["period_err"] < 1e-3 * sine["period"]
    assert list(table.columns[table.columns.get_loc("period"):][:2]) == ["period", "period_err"]
    julian = dataclasses.replace(lcs, time=lcs.time + 2_450_000.5)
    shifted = predict_stars(*periodic, julian, device="cpu").table.set_index("id")
    np.testing.assert_allclose(shifted.loc["sine", ["epoch_max", "epoch_min"]].to_numpy(
        dtype=float) - 2_450_000.5, sine[["epoch_max", "epoch_min"]].to_numpy(dtype=float),
        atol=1e-3)


def searched_errors(shape, n: int, period: float, noise, bands: int = 1, seed: int = 3,
                    stars: int = 300) -> tuple[LightCurves, np.ndarray, np.ndarray]:
    """``stars`` stars of ``shape(phase)`` (random phases), ``n`` random times over 300 d a
    band, the noise of each point drawn with its error bar, ``noise(rng, n)``: the curves, and
    the search's periods and their ``period_err``."""
    from lcformer.data.periods import find_periods
    from lcformer.evaluation.predict import star_period_errors

    rng = np.random.default_rng(seed)
    rows = []
    for i in range(stars):
        phase = rng.uniform()
        for band in "VI"[:bands]:
            t = np.sort(rng.uniform(0, 300, n))
            err = noise(rng, n)
            mag = 12 + shape(np.mod(t / period + phase, 1.0)) + err * rng.standard_normal(n)
            rows.append((f"s{i}", band, t, mag, err))
    lcs = LightCurves.from_list(rows)
    found = find_periods(lcs)
    errors = star_period_errors(lcs, found["id"].to_numpy(dtype=object),
                                found["period"].to_numpy())
    return lcs, found["period"].to_numpy(), errors


def test_period_errors_are_the_scatter_of_the_searched_periods() -> None:
    """The periods the search finds for 300 stars of one shape scatter about the true period
    by their ``period_err``: about 68% within one error and 95% within two, for a sawtooth in
    two bands, a sinusoid whose error bars differ tenfold from point to point (the search
    weighs them), and a detached binary at half its orbit (narrow eclipses, which a sinusoid
    leaves as residuals where they barely move its frequency)."""
    def sawtooth(phase: np.ndarray) -> np.ndarray:
        w = 2 * np.pi * phase
        return -0.3 * (np.sin(w) + np.sin(2 * w) / 2 + np.sin(3 * w) / 3)

    def eclipses(phase: np.ndarray) -> np.ndarray:  # two alike, at phases 0 and 0.5
        return 0.8 * sum(np.exp(-0.5 * (((phase - c + 0.5) % 1 - 0.5) / 0.02) ** 2)
                         for c in (0.0, 0.5))

    cases = [  # (shape, points, period, noise, bands, the period searched)
        (sawtooth, 60, 0.567, lambda rng, n: np.full(n, 0.05), 2, 0.567),
        (lambda phase: 0.3 * np.sin(2 * np.pi * phase), 400, 0.567,
         lambda rng, n: 0.05 * np.exp(0.7 * rng.standard_normal(n)), 1, 0.567),
        (eclipses, 400, 2.4, lambda rng, n: np.full(n, 0.02), 1, 1.2)]
    for shape, n, period, noise, bands, half in cases:
        lcs, found, error = searched_errors(shape, n, period, noise, bands)
        within = np.abs(found - half) / error
        assert 0.6 < (within < 1).mean() < 0.78 and 0.9 < (within < 2).mean() < 0.98, (
            n, (within < 1).mean(), (within < 2).mean())
    from lcformer.evaluation.predict import star_period_errors

    lcs, found, error = searched_errors(sawtooth, 60, 0.567, lambda rng, n: np.full(n, 0.05),
                                        bands=2, stars=20)
    ids = np.array([f"s{i}" for i in range(20)], dtype=object)
    one_band = star_period_errors(lcs.select(np.arange(0, 40, 2)), ids, found)
    assert (one_band > error).all()  # a second band adds what it knows
    missing = star_period_errors(lcs, np.array(["s0", "absent"], dtype=object),
                                 np.array([np.nan, 0.567]))
    assert np.isnan(missing).all()  # no period; no curve


def test_period_errors_count_cycles_that_differ() -> None:
    """Where each cycle is shifted in phase on its own (a Mira's cycles differ), a cycle's
    residuals move the frequency together: with errors summed over points alone, 18% of 300
    such stars of 10 cycles and 30 points a cycle were within one error of the true period;
    summed over cycles 50% (the few cycles, and cycles counted from the first point rather
    than from where the star's begin, leave it still a little small)."""
    from lcformer.data.periods import find_periods
    from lcformer.evaluation.predict import star_period_errors

    rng = np.random.default_rng(0)
    period, span, n, stars = 30.0, 300.0, 300, 300
    rows = []
    for i in range(stars):
        shift = 0.03 * rng.standard_normal(int(span / period) + 2)  # cycles, each its own
        t = np.sort(rng.uniform(0, span, n))
        edge = rng.uniform()  # (where the star's cycles begin: not where its points do)
        phase = t / period + rng.uniform() + shift[(t / period + edge).astype(int)]
        mag = 12 + np.sin(2 * np.pi * phase) + 0.1 * rng.standard_normal(n)
        rows.append((f"s{i}", "V", t, mag, np.full(n, 0.1)))
    lcs = LightCurves.from_list(rows)
    found = find_periods(lcs)
    error = star_period_errors(lcs, found["id"].to_numpy(dtype=object),
                               found["period"].to_numpy())
    within = np.abs(found["period"].to_numpy() - period) / error
    assert 0.45 < (within < 1).mean() < 0.78 and 0.75 < (within < 2).mean() < 0.98, (
        (within < 1).mean(), (within < 2).mean())


def test_star_extrema_come_from_the_band_where_they_are_surest() -> None:
    """One band's epochs, as a catalogue gives one: the band of the smaller errors (the one
    of more points here, whichever comes first in the model), named in ``epoch_band``; NaN
    and "" where no band has a fit or there is no period."""
    from lcformer.evaluation.predict import star_extrema

    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 50, 100))

    def curve(name: str, band: str, phase: float, n: int = 100) -> tuple:
        mag = (12 + 0.4 * np.sin(2 * np.pi * (t[:n] / 2.0 - phase))  # brightest: 0.75 + phase
               + rng.normal(0, 0.05, n))
        return name, band, t[:n], mag, np.full(n, 0.05)

    cleaned = LightCurves.from_list([
        curve("more_i", "V", 0.0, n=20), curve("more_i", "I", 0.1),
        curve("more_v", "I", 0.1, n=20), curve("more_v", "V", 0.0),
        curve("i_only", "I", 0.1), curve("short_v", "V", 0.0, n=5),
        curve("short_v", "I", 0.1), curve("no_period", "V", 0.0)])
    ids = np.array(["more_i", "more_v", "i_only", "short_v", "no_period", "absent"],
                   dtype=object)
    epochs = star_extrema(cleaned, ids, np.array([2.0, 2.0, 2.0, 2.0, np.nan, 2.0]),
                         ["V", "I"])
    assert epochs["epoch_band"].tolist() == ["I", "V", "I", "I", "", ""]
    brightest = np.mod(epochs["epoch_max"].to_numpy() / 2.0, 1.0)
    np.testing.assert_allclose(brightest[:4], [0.85, 0.75, 0.85, 0.85], atol=0.02)
    faintest = np.mod(epochs["epoch_min"].to_numpy() / 2.0, 1.0)
    np.testing.assert_allclose(faintest[:4], [0.35, 0.25, 0.35, 0.35], atol=0.02)
    assert (epochs[["epoch_max_err", "epoch_min_err"]].iloc[:4] < 0.05).all().all()  # days
    assert epochs.iloc[4:, :4].isna().all().all()
    # A band with one epoch (the other's phase unseen) gives that one, where no band has both;
    # a band with both comes first.
    phase = np.mod(t / 2.0, 1.0)
    unseen = (0.25 < phase) & (phase < 0.45)  # around the faintest, 0.35 in I
    seen_i = t[~unseen], 12 + 0.4 * np.sin(2 * np.pi * (t[~unseen] / 2.0 - 0.1)), np.full(
        (~unseen).sum(), 0.05)
    half = LightCurves.from_list([("gapped", "I", *seen_i), curve("both", "V", 0.0),
                                  ("both", "I", *seen_i)])
    epochs = star_extrema(half, np.array(["gapped", "both"], dtype=object),
                          np.array([2.0, 2.0]), ["V", "I"])
    assert epochs["epoch_band"].tolist() == ["I", "V"]
    assert np.isfinite(epochs["epoch_max"]).all() and epochs["epoch_min"].isna().tolist() == [
        True, False]


def test_a_best_period_at_the_span_is_flagged(periodic) -> None:
    """A period far longer than the curve (a Mira seen for part of its cycle, a trend) peaks
    at the longest period searched, the star's span: flagged."""
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0, 30, 80))
    mag = 12 + 0.5 * np.sin(2 * np.pi * t / 400.0) + rng.normal(0, 0.02, 80)
    stars = LightCurves.from_list([("slow", "V", t, mag, np.full(80, 0.02))])
    row = predict_stars(*periodic, stars, device="cpu").table.set_index("id").loc["slow"]
    assert row["period"] * 1.05 >= np.ptp(t) and row["fap"] < 1e-6
    assert row["flag"] == "period_at_search_limit"


def test_log10_fap_keeps_strong_signals_apart_where_fap_underflows(periodic) -> None:
    """Two strong sinusoids, one stronger: both have fap 0 (it underflows); their
    log10_fap is finite, and smaller for the stronger; where fap is a number, its log."""
    rng = np.random.default_rng(6)
    t = np.sort(rng.uniform(0, 300, 400))
    rows = [(name, "V", t, 12 + amp * np.sin(2 * np.pi * t / 3.7) + rng.normal(0, 0.02, 400),
             np.full(400, 0.02)) for name, amp in (("strong", 0.3), ("stronger", 0.6))]
    rows.append(("weak", "V", t[:60], 12 + 0.02 * np.sin(2 * np.pi * t[:60] / 3.7)
                 + rng.normal(0, 0.02, 60), np.full(60, 0.02)))
    table = predict_stars(*periodic, LightCurves.from_list(rows),
                          device="cpu").table.set_index("id")
    assert (table.loc[["strong", "stronger"], "fap"] < 1e-300).all()
    assert -np.inf < table.loc["stronger", "log10_fap"] < table.loc["strong", "log10_fap"] < -300
    assert table.loc["weak", "log10_fap"] == pytest.approx(np.log10(table.loc["weak", "fap"]))
    assert list(table.columns[table.columns.get_loc("fap"):][:2]) == ["fap", "log10_fap"]


def test_a_best_period_over_half_the_span_is_flagged(periodic) -> None:
    """A 60-day sinusoid seen for 97 days: its period is found, but seen for fewer than two
    cycles, it is not confirmed."""
    rng = np.random.default_rng(5)
    t = np.sort(rng.uniform(0, 97, 80))
    mag = 12 + 0.5 * np.sin(2 * np.pi * t / 60.0) + rng.normal(0, 0.02, 80)
    stars = LightCurves.from_list([("long", "V", t, mag, np.full(80, 0.02))])
    row = predict_stars(*periodic, stars, device="cpu").table.set_index("id").loc["long"]
    assert 50 < row["period"] < 70 and row["fap"] < 1e-6
    assert "period_under_two_cycles" in (row["flag"], *row["other_flags"].split(";"))


def test_curves_without_a_band_take_the_band_of_a_one_band_model(periodic) -> None:
    """Per-star files carry no band: their stars are the model's band, not garbage."""
    model, metadata = periodic
    (band,) = metadata["bands"]
    named = signal_test_stars()
    unnamed = dataclasses.replace(named, bands=np.full(named.n_curves, "", dtype=object))
    expected = predict_stars(model, metadata, named, device="cpu")
    got = predict_stars(model, metadata, unnamed, device="cpu")
    pd.testing.assert_frame_equal(got.table, expected.table)
    assert got.report.events["curves_taken_in_the_model's_band"] == 4
    assert band != "" and "curves_taken_in_the_model's_band" not in expected.report.events


def test_curves_in_a_band_the_model_lacks_are_dropped_and_their_stars_listed(periodic) -> None:
    model, metadata = periodic
    lcs = signal_test_stars()
    other = np.where(lcs.ids == "sine", "I", np.asarray(lcs.bands, dtype=object))
    result = predict_stars(model, metadata, dataclasses.replace(lcs, bands=other),
                           device="cpu")
    assert result.table["id"].tolist() == ["noise", "flat", "five"]
    assert result.unclassified.set_index("id")["reason"].to_dict() == {
        "sine": f"no curve in a band the model knows ({metadata['bands'][0]}; this star has "
                "I; a band column of a table or of a star's file, or a per-star catalogue, "
                "names them: a band that is one of the model's filters under another name, "
                "as ZTF's zg or fid 1 for g, is renamed with --band-names, e.g. --band-names "
                "zg=g,zr=r)"}
    assert result.report.curves["band_the_model_lacks"] == 1


def two_bands(lcs: LightCurves, star_id: str, first: str, second: str) -> LightCurves:
    """``lcs`` with star ``star_id``'s curve given twice, in bands ``first`` and ``second``."""
    one = lcs.select(np.flatnonzero(lcs.ids == star_id))
    rest = lcs.select(np.flatnonzero(lcs.ids != star_id))
    return LightCurves.concatenate([
        rest, dataclasses.replace(one, bands=np.array([first], dtype=object)),
        dataclasses.replace(one, bands=np.array([second], dtype=object))])


@pytest.fixture(scope="module")
def band_less(band_less_run):
    """A model trained on band-less data (as ASAS's V is read): one band, named ""."""
    from lcformer.training.run_folder import load_model

    model, metadata = load_model(band_less_run)
    assert metadata["bands"] == [""]
    return model, metadata


def test_a_band_less_model_takes_a_stars_only_band_and_guesses_no_other(band_less) -> None:
    """A star with one named band is classified (its band is taken for the
    model's), a star with B and R is not guessed at, and its reason says why readably."""
    model, metadata = band_less
    lcs = signal_test_stars()
    unnamed = dataclasses.replace(lcs, bands=np.full(lcs.n_curves, "", dtype=object))
    expected = predict_stars(model, metadata, unnamed, device="cpu").table.set_index("id")
    named = dataclasses.replace(lcs, bands=np.full(lcs.n_curves, "B", dtype=object))
    result = predict_stars(model, metadata, two_bands(named, "sine", "B", "R"), device="cpu")
    got = result.table.set_index("id")
    pd.testing.assert_frame_equal(got, expected.drop(index="sine"))  # B taken as the band
    assert result.report.events["curves_taken_in_the_model's_band"] == 3
    reason = result.unclassified.set_index("id")["reason"].to_dict()
    assert reason == {"sine": "no curve in the model's band (the model has one band without "
                              "a name, as one trained on ASAS V data; this star has B, R, and "
                              "which is the model's is not guessed: give one band's rows "
                              "only, or that band's rows without a band name)"}
    assert result.report.curves == {"band_not_guessed": 2}
    # One band's rows only, or that band without its name: classified as before.
    for band in ("R", ""):
        one = dataclasses.replace(named, bands=np.where(named.ids == "sine", band, "B"))
        alone = predict_stars(model, metadata, one, device="cpu").table.set_index("id")
        pd.testing.assert_frame_equal(alone, expected)


def test_a_named_one_band_model_guesses_only_a_stars_only_unnamed_curve(periodic) -> None:
    """Model V: a star with an unnamed curve and a B curve is not guessed at; one with B and R
    lacks the band; one with V and B uses V; the reasons print no '' and name the bands."""
    model, metadata = periodic
    (band,) = metadata["bands"]
    lcs = two_bands(two_bands(two_bands(signal_test_stars(), "sine", "", "B"),
                              "noise", "B", "R"), "flat", band, "B")
    # flat is classified on V: its B curve is said, the others get their reasons
    with pytest.warns(UserWarning, match=rf"curves in band\(s\) B, which the model does not "
                                         rf"know \(its bands: {band}\), are not used"):
        result = predict_stars(model, metadata, lcs, device="cpu")
    assert result.table["id"].tolist() == ["five", "flat"]
    assert result.unclassified.set_index("id")["reason"].to_dict() == {
        "sine": f"no curve in the model's band {band} (this star has (no band named), B, and which "
                f"is the model's is not guessed: give one band's rows only, or name its band "
                f"{band})",
        "noise": f"no curve in a band the model knows ({band}; this star has B, R; a band "
                 f"column of a table or of a star's file, or a per-star catalogue, names them: "
                 f"a band that is one of the model's filters under another name, as ZTF's "
                 f"zg or fid 1 for g, is renamed with --band-names, e.g. --band-names "
                 f"zg=g,zr=r)"}
    assert "''" not in "".join(result.unclassified["reason"])
    assert result.report.curves == {"band_not_guessed": 1, "band_the_model_lacks": 4}
    # A star of curves without a band, for a model of two: the option that names them
    from lcformer.evaluation.predict import foreign_reason

    assert foreign_reason(["B", "R"], [""]).endswith(  # (each: the curves may be R's)
        "e.g. --band-names =B (or =R) names the curves read without a band)")
    assert "curves_taken_in_the_model's_band" not in result.report.events


def test_whether_a_star_has_one_curve_is_decided_on_the_input(periodic, band_less) -> None:
    """A curve cleaning empties does not make the star's other curve its only one: the
    prediction would rest on a guess that depends on cleaning."""
    lcs = signal_test_stars()
    nan = dataclasses.replace(lcs, mag=np.full(len(lcs.mag), np.nan))
    sine = lcs.select(np.flatnonzero(lcs.ids == "sine"))
    empty = nan.select(np.flatnonzero(lcs.ids == "sine"))
    model, metadata = band_less  # B emptied, R fine: not taken for the model's band
    both = LightCurves.concatenate([dataclasses.replace(empty, bands=np.array(["B"], object)),
                                    dataclasses.replace(sine, bands=np.array(["R"], object))])
    result = predict_stars(model, metadata, both, device="cpu")
    assert len(result.table) == 0 and "this star has B, R" in result.unclassified["reason"][0]
    model, metadata = periodic  # V emptied, an unnamed curve fine: not taken as V
    (band,) = metadata["bands"]
    both = LightCurves.concatenate([dataclasses.replace(empty, bands=np.array([band], object)),
                                    dataclasses.replace(sine, bands=np.array([""], object))])
    result = predict_stars(model, metadata, both, device="cpu")
    assert len(result.table) == 0
    (reason,) = result.unclassified["reason"]
    assert reason.startswith("no usable points after cleaning")  # not "no curve in V"
    assert result.report.curves["band_not_guessed"] == 1


def test_chunks_change_nothing(periodic) -> None:
    lcs = LightCurves.concatenate([new_stars(3), signal_test_stars()])
    whole = predict_stars(*periodic, lcs, device="cpu")
    chunked = predict_stars(*periodic, lcs, device="cpu", chunk_stars=4, progress=True)
    pd.testing.assert_frame_equal(chunked.table, whole.table, rtol=1e-6)
    pd.testing.assert_frame_equal(chunked.unclassified, whole.unclassified)
    assert chunked.report.to_dict() == whole.report.to_dict()
    assert chunked.table["id"].tolist() == list(pd.unique(lcs.ids))


def test_the_command_flags_and_says_so(tiny_run, tmp_path, capsys) -> None:
    stars = tmp_path / "stars.csv"
    signal_test_stars().to_frame().to_csv(stars, index=False)
    out = tmp_path / "p.json"
    assert main(["predict", str(tiny_run), str(stars), "--out", str(out), "--device", "cpu",
                 "--max-fap", "1"]) == 0
    captured = capsys.readouterr()
    assert "classified 4 of 4 stars" in captured.out
    assert "2 of 4 predictions rest on too little signal (1 few_points, 1 constant)" \
        in captured.out  # --max-fap 1: the noise star's fap is below it
    assert "star/s" in captured.err  # the progress bar
    table = pd.DataFrame(json.loads(out.read_text())).set_index("id")
    assert table.loc["flat", "flag"] == "constant" and table.loc["five", "flag"] == "few_points"


def test_nothing_classified_is_a_failure(tiny_run, tmp_path, capsys) -> None:
    lcs = LightCurves.from_list([star("all_nan", 30, 3, nan=True)])
    stars = tmp_path / "stars.csv"
    lcs.to_frame().to_csv(stars, index=False)
    out = tmp_path / "p.csv"
    out.write_text("id,predicted\nold,a\n")  # an earlier run's
    assert main(["predict", str(tiny_run), str(stars), "--out", str(out), "--quiet"]) == 1
    captured = capsys.readouterr()
    err = captured.err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("lcformer: nothing produced: classified 0 of 1")
    assert not out.exists()  # no predictions file that looks like this run's result
    assert f"{out} -> p.csv.old" in captured.out
    assert pd.read_csv(tmp_path / "p_unclassified.csv")["id"].tolist() == ["all_nan"]
    # A later run that classifies every star leaves no earlier list of unclassified stars.
    LightCurves.from_list([star("fine", 60, 1)]).to_frame().to_csv(stars, index=False)
    assert main(["predict", str(tiny_run), str(stars), "--out", str(out), "--quiet"]) == 0
    assert pd.read_csv(out)["id"].tolist() == ["fine"]
    assert not (tmp_path / "p_unclassified.csv").exists()
    # An empty folder says so (it said "classified 0 of 0 stars" alone).
    (tmp_path / "empty").mkdir()
    assert main(["predict", str(tiny_run), str(tmp_path / "empty"), "--out", str(out),
                 "--quiet"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"lcformer: nothing produced: classified 0 of 0 stars (an empty folder: "
        f"{tmp_path / 'empty'})")
    # One star classified, one not: said in the singular.
    LightCurves.from_list([star("fine", 60, 1), star("all_nan", 30, 3, nan=True)]
                          ).to_frame().to_csv(stars, index=False)
    capsys.readouterr()
    assert main(["predict", str(tiny_run), str(stars), "--out", str(out), "--quiet"]) == 0
    assert f"1 star could not be classified -> {tmp_path / 'p_unclassified.csv'}" in (
        capsys.readouterr().out)


def test_the_reason_for_too_few_points_names_the_models_least() -> None:
    """A model prepared with --min-points 20: a star of 10 points has "fewer than 20"."""
    from lcformer.data.prepared import PrepareConfig
    from lcformer.evaluation.predict import unclassified_stars

    lcs = LightCurves.from_list([("star10", "V", np.arange(10.0), np.full(10, 12.0),
                                  np.full(10, 0.01))])
    config = PrepareConfig(cleaning=CleaningConfig(min_points=20))
    cleaned = lcs.select(np.zeros(1, dtype=bool))  # cleaning kept nothing
    reasons = unclassified_stars(lcs, cleaned, [], config)
    assert reasons["reason"].tolist() == ["no usable points after cleaning (fewer than 20 left "
                                        "in any band)"]


def test_fluxes_for_a_run_trained_on_magnitudes_need_their_zero_point(tiny_run,
                                                                      tmp_path) -> None:
    """Without --zero-point, --flux reads Jy: on this run's magnitude scale only by chance."""
    stars = tmp_path / "stars.csv"
    frame = signal_test_stars().to_frame()
    frame["err"] = frame["err"] * 10 ** (-0.4 * (frame["mag"] - 23.9)) / 1.0857
    frame["mag"] = 10 ** (-0.4 * (frame["mag"] - 23.9))  # micro-Jansky
    frame.to_csv(stars, index=False)
    with (pytest.warns(UserWarning, match=r"^--flux without --zero-point reads the fluxes "
                                          r"with 8\.9 \(Jy\), and this run was trained on "
                                          r"magnitudes"),
          pytest.warns(UserWarning, match=r"the magnitudes --flux made have a median of "
                                          r"-\d")):  # the reading's own word on it
        main(["predict", str(tiny_run), str(stars), "--out", str(tmp_path / "p.csv"),
              "--quiet", "--flux"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the zero point given: nothing to say
        assert main(["predict", str(tiny_run), str(stars), "--out", str(tmp_path / "q.csv"),
                     "--quiet", "--flux", "--zero-point", "23.9"]) == 0


def test_stars_unlike_the_training_stars_are_flagged(periodic) -> None:
    """A model trained on curves of 20 days and 42 points, given a star of 300 days or of
    500 points, or one much fainter or brighter: values such as the span, the points, the
    features' trends and the noise are then unlike any it was trained on (3-year Rubin-like
    curves after training on 1 year were confidently wrong for 17% of stars)."""
    model, metadata = periodic
    ranges = metadata["training_stars"]
    assert ranges["span"][1] <= 20.0 and ranges["n_points"][1] <= 42
    low, high = metadata["training_magnitudes"]["V_median_mag"]  # the model's one band
    errors = metadata["training_errors"]["V_log_median_err"]  # by median magnitude
    at = np.searchsorted(errors["edges"], (low + high) / 2, side="right")
    typical = 10 ** ((errors["low"][at] + errors["high"][at]) / 2)  # mag
    largest = 10 ** errors["high"][at]
    rng = np.random.default_rng(5)

    def star(name: str, span: float, n: int, mean: float = (low + high) / 2,
             err: float = typical) -> tuple:
        t = np.sort(rng.uniform(0, span, n))
        return (name, "V", t, mean + 0.5 * np.sin(2 * np.pi * t / 3.7)
                + rng.normal(0, np.nan_to_num(err, nan=typical), n), np.full(n, err))

    lcs = LightCurves.from_list([
        star("like", 20, 40), star("long", 300, 40), star("many", 20, 500),
        star("fainter", 20, 40, high + 0.6), star("faint", 20, 40, high + 1.0),
        star("bright", 20, 40, low - 1.0), star("noisier", 20, 40, err=1.3 * largest),
        star("noisy", 20, 40, err=2 * largest), star("no errors", 20, 40, err=np.nan)])
    result = predict_stars(model, metadata, lcs, device="cpu")
    flags = result.table.set_index("id")["flag"].to_dict()
    unlike = "outside_training_range"
    assert flags == {"like": "", "long": unlike, "many": unlike, "fainter": "",
                     "faint": unlike, "bright": unlike, "noisier": "", "noisy": unlike,
                     "no errors": unlike}  # (errors unknown where the training stars'
    line = format_flags(result.flag_counts, 9)  # were known move probabilities)
    assert line.startswith("6 of 9 predictions are flagged (6 outside_training_range)")
    # Why, each reason counted among the stars flagged so (stars without two of the
    # training stars' bands are told which, not five possible causes).
    events = {k: n for k, n in result.report.events.items()
              if k.startswith("outside_training_range_")}
    assert events == {"outside_training_range_span": 1, "outside_training_range_points": 1,
                      "outside_training_range_magnitude_V": 2,
                      "outside_training_range_error_V": 1,
                      "outside_training_range_noerrors_V": 1}
    assert format_flags(result.flag_counts, 9, events=result.report.events).startswith(
        "6 of 9 predictions are flagged (6 outside_training_range [V median magnitude: 2 "
        "stars, time span: 1 star, number of points: 1 star, V median error: 1 star, no V "
        "errors: 1 star])")
    assert "median magnitude or median error unlike the training stars'" in line
    assert "below 1/2 of their 1st percentile or above 2x their 99th" in line
    assert "magnitudes 0.75 mag beyond their 1st-99th percentile range" in line
    # A checkpoint from before the ranges were kept flags none of them.
    earlier = {k: v for k, v in metadata.items()
               if k not in ("training_stars", "training_magnitudes", "training_errors",
                            "training_bands")}
    assert set(predict_stars(model, earlier, lcs, device="cpu").table["flag"]) == {""}


def test_info_states_the_training_stars_range(tiny_run, periodic, capsys,
                                              monkeypatch) -> None:
    """`lcformer info` says which stars the model knows, so that a user sees before
    predicting what the flag will compare with."""
    _, metadata = periodic
    low, high = metadata["training_magnitudes"]["V_median_mag"]
    assert main(["info", str(tiny_run)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "training stars' range (1st-99th percentile): span " in out
    # Nor the settings of the research windows and recurrent models, which it never reads
    assert "tokens " not in out and "window=" not in out and "rnn_units" not in out
    assert "heads=" in out and "harmonics=" in out
    assert f"median magnitude V {low:.2f}-{high:.2f}" in out
    errors = metadata["training_errors"]["V_log_median_err"]
    low, high = 10 ** min(errors["low"]), 10 ** max(errors["high"])
    assert f"median error (by magnitude) V {low:.3g}-{high:.3g} mag" in out
    # Each class's periods, for period_unlike_class (this run's classes have too few stars)
    assert "training_class_periods" not in metadata and "period_unlike_class" not in out
    monkeypatch.setattr("lcformer.reporting.info.class_periods_of",
                        lambda _: {"RRL": [0.41, 0.79], "EB": [0.3, 12.0]})
    assert main(["info", str(tiny_run)]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("periods of the training stars of 2 classes (1st-99th percentile), e.g. RRL "
            "0.41-0.79 d, EB 0.3-12 d; a star whose period lies well outside its predicted "
            "class's is flagged period_unlike_class") in out


def test_a_labels_file_of_only_a_header_does_not_stop_predict(tiny_run, tmp_path,
                                                                capsys) -> None:
    """Labels are optional to predict: with a labels.csv of its header alone, beside a table
    or beside Parquet partitions alike, the stars are classified, exit 0, and the file is
    counted (empty_labels_file) and warned of. A per-star catalogue of its header alone
    lists no file to read: still refused, so said."""
    from tests.evaluation.stars import new_stars, write_partitions

    lcs = new_stars(n_per_class=2)
    table = tmp_path / "table"
    table.mkdir()
    lcs.to_frame().to_parquet(table / "lightcurves.parquet")
    parts = tmp_path / "parts"
    write_partitions(lcs, parts, 2)
    for folder in (table, parts):
        (folder / "labels.csv").write_text("id,class\n")
        out = tmp_path / f"{folder.name}.csv"
        with pytest.warns(UserWarning, match=re.escape(
                f"{folder / 'labels.csv'}:1: only a header, no rows: read as no labels")):
            assert main(["predict", str(tiny_run), str(folder), "--out", str(out),
                         "--device", "cpu", "--quiet"]) == 0
        printed = capsys.readouterr().out
        assert re.search(r"empty_labels_file +1\n", printed)
        assert "against the input's labels" not in printed
        assert len(pd.read_csv(out)) == lcs.n_stars
    files = tmp_path / "files"
    files.mkdir()
    for k, star_id in enumerate(lcs.ids[:2]):
        time, mag, err = lcs.curve(k)
        pd.DataFrame({"time": time, "mag": mag, "err": err}).to_csv(files / f"{star_id}.csv",
                                                                    index=False)
    (files / "catalog.csv").write_text("filename\n")
    assert main(["predict", str(tiny_run), str(files), "--out", str(tmp_path / "f.csv"),
                 "--quiet"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"lcformer: error: {files / 'catalog.csv'}:1: only a header, no rows: a catalogue "
        f"that lists no file reads no light curve; list its files (filename[,class]), or "
        f"remove it to predict on every file")
    (files / "catalog.csv").unlink()  # as it advises
    assert main(["predict", str(tiny_run), str(files), "--out", str(tmp_path / "f.csv"),
                 "--device", "cpu", "--quiet"]) == 0


def test_the_flag_line_suggests_copies_only_to_a_model_without_them() -> None:
    from collections import Counter

    counts = Counter({"outside_training_range": 2})
    assert "train with --shortened-copies" in format_flags(counts, 5)
    assert "--shortened-copies" not in format_flags(counts, 5, copies=True)
