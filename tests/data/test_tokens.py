import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.cleaning import clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.tokens import TokenConfig, make_windows, scale_magnitudes, window_counts
from tests.data.reference_tokens import reference_tokens

configs = st.builds(
    TokenConfig,
    window=st.integers(2, 12),
    stride=st.integers(1, 6),
    token_size=st.integers(1, 2),
    token_stride=st.integers(1, 2),
)


@st.composite
def light_curves(draw):
    n_curves = draw(st.integers(1, 6))
    curves = []
    for i in range(n_curves):
        n = draw(st.integers(0, 40))
        t = draw(st.lists(st.integers(0, 60), min_size=n, max_size=n))  # repeats and disorder
        m = draw(st.lists(st.floats(-5, 25, allow_nan=False).filter(bool),  # 0 alone: said
                          min_size=n, max_size=n))  # as an empty cell, by cleaning
        curves.append((f"s{i}", "V", np.array(t, float), np.array(m, float), np.full(n, 0.1)))
    return curves


def windows_by_star(curves, config):
    cleaned, report = clean(LightCurves.from_list(curves))
    windows, report = make_windows(cleaned, config, report, chunk_points=17)  # small chunks
    return cleaned, windows, report


@settings(max_examples=150, deadline=None)
@given(curves=light_curves(), config=configs)
def test_tokens_equal_the_row_by_row_reference(curves, config):
    cleaned, windows, _ = windows_by_star(curves, config)
    for cid, _, t, m, _ in curves:
        expected = reference_tokens(t, m, config.window, config.stride, config.token_size,
                                    config.token_stride) if len(t) else np.empty((0,))
        rows = np.flatnonzero(cleaned.ids[windows.curve] == cid)
        if expected.size == 0:
            assert len(rows) == 0
            continue
        assert windows.mask[rows].all()
        np.testing.assert_allclose(windows.tokens[rows], expected, rtol=1e-5, atol=1e-4)


@settings(max_examples=100, deadline=None)
@given(curves=light_curves(), config=configs)
def test_padded_window_holds_the_short_curve_and_masks_the_rest(curves, config):
    padded = TokenConfig(config.window, config.stride, config.token_size, config.token_stride,
                         pad_short=True)
    cleaned, windows, report = windows_by_star(curves, padded)
    n_pairs = cleaned.lengths - 1
    short = (n_pairs < config.window) & (n_pairs >= config.token_size)
    assert report.events.get("padded_windows", 0) == short.sum()
    for k in np.flatnonzero(short):
        (row,) = np.flatnonzero(windows.curve == k)
        # The real tokens are the reference tokens of the curve cut into one window of its own.
        t, m, _ = cleaned.curve(k)
        expected = reference_tokens(t, m, int(n_pairs[k]), 1, config.token_size,
                                    config.token_stride)[0]
        real = windows.mask[row]
        assert real.sum() == len(expected)
        assert real[: len(expected)].all()  # padding only at the end
        np.testing.assert_allclose(windows.tokens[row][real], expected, rtol=1e-5, atol=1e-4)
        assert (windows.tokens[row][~real] == 0).all()


@settings(max_examples=100, deadline=None)
@given(curves=light_curves(), config=configs, pad_short=st.booleans())
def test_dt_dm_mag_adds_the_scaled_magnitude_of_each_pairs_second_point(curves, config,
                                                                        pad_short):
    plain_config = dataclasses.replace(config, pad_short=pad_short)
    cleaned, plain, _ = windows_by_star(curves, plain_config)
    _, windows, _ = windows_by_star(curves, dataclasses.replace(plain_config,
                                                                pair_features="dt_dm_mag"))
    n, T, w = len(plain), config.n_tokens, config.token_size
    assert windows.tokens.shape == (n, T, 3 * w)
    np.testing.assert_array_equal(windows.mask, plain.mask)
    np.testing.assert_array_equal(windows.curve, plain.curve)
    by_pair = windows.tokens.reshape(n, T, w, 3)  # token = w pairs of (dt, dm, mag)
    np.testing.assert_array_equal(by_pair[..., :2].reshape(n, T, 2 * w), plain.tokens)
    if n == 0:
        return
    # Pair q of token j of window k of curve c joins point k*S + j*s + q of c and the next one.
    k = np.arange(n) - np.searchsorted(windows.curve, windows.curve)  # rank within its curve
    first_point = cleaned.offsets[windows.curve] + k * config.stride
    second = (first_point[:, None, None] + (np.arange(T) * config.token_stride)[:, None]
              + np.arange(w) + 1)
    scaled = scale_magnitudes(cleaned).astype(np.float32)
    expected = np.where(windows.mask[..., None],
                        scaled[np.minimum(second, cleaned.n_points - 1)], 0.0)  # masked: zero
    np.testing.assert_array_equal(by_pair[..., 2], expected)


def test_threads_and_chunks_give_the_same_windows_when_padding(rng):
    curves = [(f"s{i}", "V", np.arange(n, dtype=float), rng.normal(size=n), np.full(n, 0.1))
              for i, n in enumerate(rng.integers(2, 120, 40))]
    cleaned, _ = clean(LightCurves.from_list(curves))
    config = TokenConfig(50, 20, pad_short=True, pair_features="dt_dm_mag")
    whole, _ = make_windows(cleaned, config)
    parts, _ = make_windows(cleaned, config, chunk_points=150, workers=2)
    for field in ("tokens", "mask", "curve"):
        np.testing.assert_array_equal(getattr(whole, field), getattr(parts, field))


def test_no_curve_is_lost_silently(rng):
    curves = [(f"s{i}", "V", np.arange(n, dtype=float), rng.normal(size=n), np.full(n, 0.1))
              for i, n in enumerate([1, 2, 3, 5, 10, 11, 50])]
    _, windows, report = windows_by_star(curves, TokenConfig(10, 5))
    with_windows = len(np.unique(windows.curve))
    dropped = report.n_curves_dropped
    assert with_windows + dropped == len(curves)
    assert report.curves == {"too_few_points": 1, "shorter_than_token": 1,
                             "shorter_than_window": 3}


def test_research_shape_and_counts():
    n = 450  # 449 pairs -> windows at 0, 100, 200 (300 + 200 > 449)
    lcs = LightCurves.from_list([("a", "V", np.arange(n, dtype=float),
                                  np.sin(np.arange(n)), np.full(n, 0.1))])
    windows, _ = make_windows(lcs, TokenConfig())
    assert windows.tokens.shape == (3, 199, 4)
    assert windows.tokens.dtype == np.float32
    np.testing.assert_array_equal(window_counts(np.array([199, 200, 299, 300, 449]),
                                                TokenConfig()), [0, 1, 1, 2, 3])


def test_scaling_is_per_star_and_constant_curves_give_zero():
    lcs = LightCurves.from_list([("a", "V", [1, 2, 3], [10, 12, 14], None),
                                 ("b", "V", [1, 2], [5, 5], None)])
    np.testing.assert_allclose(scale_magnitudes(lcs), [0, 15, 30, 0, 0])


def test_threads_give_the_same_windows(rng):
    curves = [(f"s{i}", "V", np.sort(rng.uniform(0, 100, 300)), rng.normal(size=300),
               np.full(300, 0.1)) for i in range(20)]
    cleaned, _ = clean(LightCurves.from_list(curves))
    one, _ = make_windows(cleaned, TokenConfig(50, 25), chunk_points=1000, workers=1)
    two, _ = make_windows(cleaned, TokenConfig(50, 25), chunk_points=1000, workers=2)
    np.testing.assert_array_equal(one.tokens, two.tokens)
    np.testing.assert_array_equal(one.curve, two.curve)


def test_bad_config_is_refused():
    with pytest.raises(ValueError):
        TokenConfig(window=2, token_size=3)
