"""Flags on predictions that rest on too little signal."""

from __future__ import annotations

from collections import Counter

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves
from lcformer.evaluation.flags import (
    FLAGS,
    FlagConfig,
    first_flag,
    flag_masks,
    format_flags,
    further_flags,
    other_flags,
    star_flags,
)


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
    flags = star_flags(curves, ids, np.array([np.nan, 0.5, 1e-9]), FlagConfig())
    assert flags.tolist() == ["no_period", "no_significant_period", ""]


def test_a_period_at_the_edge_of_the_search_is_flagged() -> None:
    """A delta Scuti star of 0.031 d searched from 0.05 d peaked at 0.0516 d (a simulation of
    Rubin data): a best period within 5% of the shortest searched may be a shorter one; ZTF
    stars of 2,500 and 4,000 d seen for 1,699 d peaked at the span, the longest searched."""
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 300, 60))
    curves = LightCurves.from_list(
        [(name, "r", t, 15 + 0.3 * np.sin(2 * np.pi * t / 0.3), np.full(60, 0.01))
         for name in ("edge", "inside", "weak")])
    ids = np.array(["edge", "inside", "weak"], dtype=object)
    flags = star_flags(curves, ids, np.array([1e-9, 1e-9, 0.5]), FlagConfig(),
                       period=np.array([0.0516, 0.0600, 0.0510]), min_period=0.05)
    assert flags.tolist() == ["period_at_search_limit", "", "no_significant_period"]
    # at the long end: the star's span (or --max-period) is the longest period searched
    flags = star_flags(curves, ids, np.array([1e-9, 1e-9, 1e-9]), FlagConfig(),
                       period=np.array([290.0, 140.0, 0.3]), min_period=0.05,
                       max_period=np.array([300.0, 300.0, 300.0]))
    assert flags.tolist() == ["period_at_search_limit", "", ""]
    # without a period searched (window models) there is nothing to say
    assert star_flags(curves, ids, None, FlagConfig()).tolist() == ["", "", ""]


def test_a_period_seen_for_fewer_than_two_cycles_is_flagged() -> None:
    """Over half the span of the bands searched (predict gives the search's: here V from day
    0 to 100, I from 100 to 300): a trend or a period not yet confirmed (eros1 RR Lyrae peaked
    so); at the search's limit it is said once, as that; no period, nothing said."""
    rng = np.random.default_rng(4)
    rows = []
    for name in ("long", "twice", "limit", "none"):
        rows += [(name, "V", np.linspace(0, 100, 30), 15 + rng.normal(0, 0.1, 30),
                  np.full(30, 0.1)),
                 (name, "I", np.linspace(100, 300, 30), 14 + rng.normal(0, 0.1, 30),
                  np.full(30, 0.1))]
    ids = np.array(["long", "twice", "limit", "none"], dtype=object)
    masks = flag_masks(LightCurves.from_list(rows), ids, np.array([1e-9, 1e-9, 1e-9, np.nan]),
                       FlagConfig(), period=np.array([151.0, 149.0, 290.0, np.nan]),
                       min_period=0.05, max_period=np.full(4, 300.0),
                       span=np.full(4, 300.0))
    assert first_flag(masks, 4).tolist() == ["period_under_two_cycles", "",
                                             "period_at_search_limit", "no_period"]
    assert other_flags(masks, 4).tolist() == ["", "", "", ""]
    line = format_flags(Counter(first_flag(masks, 4)), 4)
    assert line is not None and "; period_under_two_cycles: the best period is over half" in line


def test_a_star_unlike_the_training_stars_is_flagged_before_a_weak_period() -> None:
    """Curves cut shorter than the training stars' have weak periods too: the flag that says
    why comes first (eros1 test curves cut to 15% of their span: 376 of 729 would be
    no_significant_period alone); a star without a period stays no_period."""
    rng = np.random.default_rng(2)
    t = np.arange(30.0)
    curves = LightCurves.from_list([(name, "r", t, 15 + rng.normal(0, 0.1, 30), np.full(30, .1))
                                    for name in ("cut", "unsearched")])
    ids = np.array(["cut", "unsearched"], dtype=object)
    flags = star_flags(curves, ids, np.array([0.5, np.nan]), FlagConfig(),
                       unlike_training=np.array([True, True]))
    assert flags.tolist() == ["outside_training_range", "no_period"]
    # The first flag hides the others (every MACHO star outside_training_range hid which
    # had a period at the search's limit): other_flags says them, most serious first; a star
    # without a period is not also said to have an insignificant one.
    masks = flag_masks(curves, ids, np.array([0.5, np.nan]), FlagConfig(),
                       period=np.array([0.0501, np.nan]), min_period=0.05,
                       unlike_training=np.array([True, True]))
    assert other_flags(masks, 2).tolist() == ["no_significant_period;period_at_search_limit",
                                              "outside_training_range"]
    # and predict's line counts them, with why for those it had not explained
    further = further_flags(other_flags(masks, 2))
    assert further == {"no_significant_period": 1, "period_at_search_limit": 1,
                       "outside_training_range": 1}
    line = format_flags(Counter(first_flag(masks, 2)), 2, further=further)
    assert line is not None
    assert ("(also, in the other_flags column: 1 outside_training_range, 1 "
            "no_significant_period, 1 period_at_search_limit)") in line
    assert "; period_at_search_limit: the best period is at the shortest searched" in line


def test_a_period_unlike_its_class_is_the_least_serious_flag() -> None:
    """period_unlike_class says what the other flags do not: a star of a class the model never
    learnt, given a period that no star of its predicted class had; a weak period or one at
    the search's limit says more about that period first."""
    t = np.arange(40.0)
    curves = LightCurves.from_list([(name, "r", t, 15 + 0.3 * np.sin(t), np.full(40, .01))
                                    for name in ("unlike", "weak", "edge", "fine")])
    ids = np.array(["unlike", "weak", "edge", "fine"], dtype=object)
    flags = star_flags(curves, ids, np.array([1e-9, 0.5, 1e-9, 1e-9]), FlagConfig(),
                       period=np.array([6.0, 6.0, 0.0501, 6.0]), min_period=0.05,
                       unlike_class=np.array([True, True, True, False]))
    assert flags.tolist() == ["period_unlike_class", "no_significant_period",
                              "period_at_search_limit", ""]


def test_a_mmag_variable_beyond_its_errors_is_not_constant() -> None:
    """TESS's 1-mmag delta Scuti stars and rotators with fap 0 are not constant. A
    scatter under --min-scatter is constant unless the star varies beyond twice its errors
    with a significant period seen 10 times or more and not a day's alias (a
    constant star's drift peaks at 1.0007 d, an annual wave at 369 d, both significant)."""
    rng = np.random.default_rng(1)
    t = np.arange(2000) * 0.0014
    err = np.full(2000, 2e-4)
    wave = 9 + 7e-4 * np.sin(2 * np.pi * t / 0.08)
    curves = LightCurves.from_list([
        (name, "T", t, wave + rng.normal(0, 2e-4, 2000), e)
        for name, e in (("dsct", err), ("drift", err), ("annual", err), ("no_err", None))]
        + [("flat", "T", t, 9 + rng.normal(0, 2e-4, 2000), err)])
    ids = np.array(["dsct", "drift", "annual", "no_err", "flat"], dtype=object)
    span = np.full(5, t[-1])
    flags = star_flags(curves, ids, np.array([0.0, 1e-80, 1e-100, 0.0, 1e-6]), FlagConfig(),
                       period=np.array([0.08, 1.0007, span[0] / 2, 0.08, 0.3]),
                       min_period=0.01, max_period=span)
    assert flags.tolist() == ["", "constant", "constant", "constant", "constant"]


def test_a_period_of_a_day_seen_by_night_is_flagged_as_an_alias() -> None:
    """A slow drift, a period longer than the span, or a half-day pulsator observed from the
    ground peaks at a day (eros1's drifting stars at 0.997-0.998 d with false-alarm
    probabilities down to 1e-47, called rr_lyrae at 0.9): flagged where the sampling is
    nightly; the same period from continuous (space) sampling, or a weak one, is not."""
    rng = np.random.default_rng(3)
    nights = np.sort(rng.integers(0, 400, 120) + rng.uniform(0.1, 0.3, 120))  # by night
    space = np.sort(rng.uniform(0, 27, 120))  # a TESS sector: every time of day
    curves = LightCurves.from_list(
        [(name, "r", t, 15 + 0.002 * t, np.full(120, .01))
         for name, t in (("drift", nights), ("sidereal", nights), ("space", space),
                         ("weak", nights), ("real", nights))])
    ids = np.array(["drift", "sidereal", "space", "weak", "real"], dtype=object)
    flags = star_flags(curves, ids, np.array([1e-9, 1e-9, 1e-9, 0.5, 1e-9]), FlagConfig(),
                       period=np.array([1.0007, 0.9973, 1.0, 1.0, 0.6]), min_period=0.05)
    assert flags.tolist() == ["period_at_daily_alias", "period_at_daily_alias", "",
                              "no_significant_period", ""]
    # A Mira of 129 d seen by night peaked at 0.9897 d: 1.0% from a solar day, 0.8% from a
    # sidereal one; half a day is not flagged (RR Lyrae and binaries have such periods).
    flags = star_flags(curves, ids, np.full(5, 1e-9), FlagConfig(),
                       period=np.array([0.9897, 0.9860, 0.9897, 0.4994, 1.0102]),
                       min_period=0.05)
    assert flags.tolist() == ["period_at_daily_alias", "", "", "", ""]


@given(st.lists(st.lists(st.booleans(), min_size=len(FLAGS), max_size=len(FLAGS)),
                min_size=1, max_size=30))
def test_the_flag_and_the_other_flags_are_every_flag_once_most_serious_first(
        rows: list[list[bool]]) -> None:
    has = np.array(rows)
    masks = {flag: has[:, i] for i, flag in enumerate(FLAGS)}
    first, others = first_flag(masks, len(has)), other_flags(masks, len(has))
    for row, one, rest in zip(has, first, others, strict=True):
        expected = [flag for flag, on in zip(FLAGS, row, strict=True) if on]
        assert [f for f in [one, *rest.split(";")] if f] == expected
