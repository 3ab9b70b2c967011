import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves


@st.composite
def curves_and_masks(draw):
    lengths = draw(st.lists(st.integers(0, 6), min_size=1, max_size=8))
    n = sum(lengths)
    lcs = LightCurves.from_arrays(
        ids=[f"s{i}" for i in range(len(lengths))], bands=["V"] * len(lengths),
        lengths=lengths, time=np.arange(n, dtype=float), mag=np.arange(n) * 0.5,
        err=np.full(n, 0.1), labels=[f"c{i % 3}" for i in range(len(lengths))])
    curve_mask = np.array(draw(st.lists(st.booleans(), min_size=len(lengths),
                                        max_size=len(lengths))))
    point_mask = np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    return lcs, curve_mask, point_mask


def as_lists(lcs):
    return [(i, t.tolist(), m.tolist(), e.tolist()) for i, _, t, m, e in lcs]


@settings(max_examples=100, deadline=None)
@given(data=curves_and_masks())
def test_select_by_mask_equals_select_by_index(data):
    lcs, curve_mask, _ = data
    by_mask = lcs.select(curve_mask)
    by_index = lcs.select(np.flatnonzero(curve_mask))
    assert as_lists(by_mask) == as_lists(by_index)
    assert by_mask.labels.tolist() == lcs.labels[curve_mask].tolist()
    assert as_lists(by_mask) == [c for c, keep in zip(as_lists(lcs), curve_mask, strict=True)
                                 if keep]


@settings(max_examples=100, deadline=None)
@given(data=curves_and_masks())
def test_keep_points_keeps_each_curves_own_points(data):
    lcs, _, point_mask = data
    kept = lcs.keep_points(point_mask)
    assert kept.n_curves == lcs.n_curves
    for k in range(lcs.n_curves):
        a, b = lcs.offsets[k], lcs.offsets[k + 1]
        np.testing.assert_array_equal(kept.curve(k)[0], lcs.time[a:b][point_mask[a:b]])


def test_keeping_everything_returns_the_same_object():
    lcs = LightCurves.from_list([("a", "V", [1.0, 2.0], [3.0, 4.0], None),
                                 ("b", "V", [], [], None)])
    assert lcs.select(np.ones(2, bool)) is lcs
    assert lcs.keep_points(np.ones(2, bool)) is lcs


def test_select_by_index_may_reorder_and_repeat():
    lcs = LightCurves.from_list([("a", "V", [1.0, 2.0], [3.0, 4.0], None),
                                 ("b", "V", [5.0], [6.0], None)])
    picked = lcs.select(np.array([1, 0, 1]))
    assert picked.ids.tolist() == ["b", "a", "b"]
    np.testing.assert_array_equal(picked.time, [5.0, 1.0, 2.0, 5.0])


def test_star_codes_number_stars_in_order_of_first_appearance() -> None:
    t = np.arange(3, dtype=float)
    lcs = LightCurves.from_list([("b", "V", t, t, None), ("a", "V", t, t, None),
                                 ("b", "I", t, t, None)])
    codes, ids = lcs.star_codes()
    assert codes.tolist() == [0, 1, 0] and list(ids) == ["b", "a"]
