"""Shortened copies of training stars: a window of each star's span, thinned, every band alike."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.augment import COPY_MARK, shortened_copies, shortened_samples
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.synthetic import SyntheticConfig, make_synthetic


def two_band_stars(n_stars: int, n_points: int, seed: int) -> LightCurves:
    """Stars with a B and an R curve over 0-1000 days, labelled by star parity."""
    rng = np.random.default_rng(seed)
    ids = np.repeat([f"s{i}" for i in range(n_stars)], 2)
    bands = np.tile(["B", "R"], n_stars)
    time = np.sort(rng.uniform(0, 1000, (2 * n_stars, n_points)), axis=1).ravel()
    labels = np.where(np.repeat(np.arange(n_stars) % 2, 2) == 0, "a", "b")
    return LightCurves.from_arrays(ids, bands, np.full(2 * n_stars, n_points), time,
                                   rng.normal(15, 0.1, time.size), np.full(time.size, 0.01),
                                   labels=labels)


def points_of(lcs: LightCurves) -> pd.DataFrame:
    return lcs.to_frame()[["id", "band", "time", "mag", "err"]]


@settings(max_examples=25, deadline=None)
@given(n_stars=st.integers(1, 6), n_points=st.integers(2, 60), copies=st.integers(1, 3),
       seed=st.integers(0, 2**32 - 1))
def test_a_copy_is_one_window_of_its_star_thinned(n_stars, n_points, copies, seed) -> None:
    lcs = two_band_stars(n_stars, n_points, seed)
    copied = shortened_copies(lcs, copies, seed)
    original = points_of(lcs)
    span = original.groupby("id")["time"].agg(np.ptp)
    frame = points_of(copied)
    star, number = (np.array([i.split(COPY_MARK)[k] for i in frame["id"]], dtype=object)
                    for k in (0, 1))
    assert set(number) <= {str(k) for k in range(copies)}
    # Every point of a copy is a point of its star, in the same band, unchanged.
    merged = frame.assign(id=star).merge(original, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()
    # Its bands share one window of at most the star's span (the points drawn inside it
    # span less).
    window = frame.assign(star=star).groupby("id").agg(star=("star", "first"),
                                                       width=("time", np.ptp))
    assert (window["width"] <= window["star"].map(span) + 1e-9).all()
    # Unthinned (and no curve left out), a copy holds every point of its star, in every band,
    # inside its time range.
    whole = shortened_copies(lcs, copies, seed, min_points=1, points_kept=(1.0, 1.0))
    for copy_id, points in points_of(whole).groupby("id"):
        star_points = original[original["id"] == copy_id.split(COPY_MARK)[0]]
        inside = star_points["time"].between(points["time"].min(), points["time"].max())
        assert inside.sum() == len(points)
    # Labels come along; curves below min_points are left out.
    assert (copied.lengths >= 2).all()
    labels = dict(zip(lcs.ids, lcs.labels, strict=True))
    assert [labels[i.split(COPY_MARK)[0]] for i in copied.ids] == list(copied.labels)


def test_copies_keep_a_fifth_to_all_of_a_span_and_half_to_all_of_its_points() -> None:
    lcs = two_band_stars(400, 200, 0)
    copied = shortened_copies(lcs, 1, 7)
    span = points_of(copied).groupby("id")["time"].agg(np.ptp) / 1000
    share = copied.n_points / lcs.n_points
    # uniform shares of the span in [0.2, 1] kept, then half to all of those points
    assert 0.15 < span.min() < 0.3 and span.max() > 0.95 and 0.55 < span.mean() < 0.65
    assert 0.3 < share < 0.6  # about 0.6 of the span x 0.75 of its points
    again = shortened_copies(lcs, 1, 7)
    assert np.array_equal(again.time, copied.time) and list(again.ids) == list(copied.ids)
    assert not np.array_equal(shortened_copies(lcs, 1, 8).time, copied.time)


def test_a_fixed_share_cuts_every_star_alike() -> None:
    lcs = two_band_stars(20, 300, 1)
    cut = shortened_copies(lcs, 1, 0, span_kept=(0.3, 0.3), points_kept=(1.0, 1.0))
    width = points_of(cut).groupby("id")["time"].agg(np.ptp) / 1000
    assert width.between(0.25, 0.3 + 1e-9).all()
    assert cut.n_stars == 20


def test_samples_of_copies_are_made_as_the_preparation_made_the_stars(tmp_path) -> None:
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=8, num=80)), "h", PrepareConfig(inputs="stars"), tmp_path)
    stars = np.arange(len(data.stars))
    made = shortened_samples(data, stars, 2, seed=0)
    samples = made.samples
    assert samples.extra.shape[1] == data.window_extra.shape[1]
    assert samples.tokens.shape[2] == data.tokens.shape[2]
    copies = np.unique(samples.star)  # numbered after the dataset's stars, one a copy
    assert copies.min() == len(data.stars) and len(copies) == len(made.periods) <= 2 * len(stars)
    assert set(samples.labels) == {0, 1, 2}
    # the period rows follow the star rows: copy ids name their stars, whose labels they keep
    star_label = dict(zip(data.stars["id"], data.stars["label"], strict=True))
    copy_label = [star_label[i.split(COPY_MARK)[0]] for i in made.periods["id"]]
    first = np.unique(samples.star, return_index=True)[1]
    assert [data.classes[c] for c in samples.labels[first]] == copy_label
    # a copy at the whole span and every point is its star: the same inputs
    whole = shortened_samples(data, stars, 1, seed=0, span_kept=(1.0, 1.0),
                              points_kept=(1.0, 1.0)).samples
    assert np.allclose(whole.extra, data.window_extra, equal_nan=True, rtol=1e-5, atol=1e-6)
    length = whole.tokens.shape[1]
    assert np.allclose(whole.tokens, data.tokens[:, :length], rtol=1e-5, atol=1e-6)
    assert np.array_equal(whole.mask, data.mask[:, :length]) and not data.mask[:, length:].any()
    assert np.nanmax(made.periods["span"]) <= data.periods["span"].max() + 1e-9


def test_joined_samples_are_padded_to_the_longer(tmp_path) -> None:
    from lcformer.data.splits import SampleSet

    a = SampleSet(np.ones((2, 3, 4), np.float32), np.ones((2, 3), bool), np.array([0, 1]),
                  np.array([0, 1]), np.zeros((2, 5), np.float32))
    b = SampleSet(np.ones((1, 5, 4), np.float32), np.ones((1, 5), bool), np.array([1]),
                  np.array([7]), np.ones((1, 5), np.float32))
    joined = a.joined(b)
    assert joined.tokens.shape == (3, 5, 4) and joined.mask.sum(axis=1).tolist() == [3, 3, 5]
    assert joined.tokens[:2, 3:].sum() == 0 and joined.star.tolist() == [0, 1, 7]
    assert joined.extra.shape == (3, 5) and joined.labels.tolist() == [0, 1, 1]


def test_copies_are_of_star_views() -> None:
    from lcformer.errors import ConfigError
    from lcformer.models.config import ModelConfig
    with pytest.raises(ConfigError, match="only the periodic model reads"):
        ModelConfig(name="encoder", shortened_copies=1)
    assert ModelConfig(shortened_copies=1).network_only.shortened_copies == 1
