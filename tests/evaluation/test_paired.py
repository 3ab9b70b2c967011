"""The paired bootstrap interval of a difference in macro-F1 on the same test stars."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcformer.evaluation import paired
from lcformer.evaluation.metrics import classification_metrics
from lcformer.evaluation.paired import (
    _macro_f1_each,
    difference_interval,
    interval_text,
    predictions_pair,
)


@pytest.mark.filterwarnings("ignore:A single label was found")  # scikit-learn's, on one class
@given(st.integers(1, 5).flatmap(lambda k: st.tuples(
    st.lists(st.integers(0, k - 1), min_size=1, max_size=40), st.randoms(), st.just(k))))
def test_each_rounds_macro_f1_is_the_one_the_metrics_give(case) -> None:
    """The bootstrap scores a resample as ``classification_metrics`` scores a test set: over
    the classes in its truth or predictions, a class predicted but absent counting 0."""
    truth, rnd, k = case
    predicted = [rnd.randrange(k) for _ in truth]
    classes = [f"c{i}" for i in range(k)]
    expected = classification_metrics(np.array(truth), np.array(predicted), classes).macro_f1
    got = _macro_f1_each(np.array([truth]), np.array([predicted]), k)
    assert got[0] == pytest.approx(expected, abs=1e-12)


def _two_classifiers(n: int, ours: float, theirs: float, seed: int = 0):
    rng = np.random.default_rng(seed)
    truth = rng.integers(0, 3, n)
    flip = lambda rate: np.where(rng.random(n) < rate, (truth + 1) % 3, truth)  # noqa: E731
    return truth, flip(1 - ours), flip(1 - theirs)


def test_the_interval_holds_the_difference_and_widens_on_fewer_stars() -> None:
    truth, ours, theirs = _two_classifiers(2000, 0.95, 0.80)
    f1 = {name: classification_metrics(truth, pred, ["a", "b", "c"]).macro_f1
          for name, pred in (("ours", ours), ("theirs", theirs))}
    low, high = difference_interval(truth, ours, theirs)
    assert 0 < low < f1["ours"] - f1["theirs"] < high
    few = difference_interval(truth[:100], ours[:100], theirs[:100])
    assert few[1] - few[0] > 3 * (high - low)  # about sqrt(20) wider
    # The same stars scored alike by both: no difference, whatever the resample.
    assert difference_interval(truth, ours, ours) == (0.0, 0.0)
    # Swapped, the interval is the same one negated (the same resamples).
    assert difference_interval(truth, theirs, ours) == pytest.approx((-high, -low))


def test_pairing_narrows_the_interval_where_both_get_the_same_stars_wrong() -> None:
    """Two classifiers that differ on few stars: the paired interval is narrow, far narrower
    than two scores' own spreads would make it."""
    truth, ours, _ = _two_classifiers(500, 0.80, 0.80)
    theirs = ours.copy()
    theirs[:5] = (truth[:5] + 1) % 3  # five more mistakes at most
    low, high = difference_interval(truth, ours, theirs)
    assert 0 <= low and high < 0.03


def test_folds_are_resampled_within_themselves_and_averaged() -> None:
    """Fold a: ours right and theirs wrong on every star (a difference of 1 in any resample
    that holds a class); fold b: both alike (0). The folds' mean is 0.5 in every round."""
    truth = np.array([0, 1, 2] * 20 + [0, 1, 2] * 20)
    theirs = np.concatenate([(truth[:60] + 1) % 3, truth[60:]])
    low, high = difference_interval(truth, truth, theirs, groups=["a"] * 60 + ["b"] * 60)
    assert low == high == pytest.approx(0.5)


def test_labels_of_any_kind_and_bounded_memory(monkeypatch) -> None:
    truth, ours, theirs = _two_classifiers(300, 0.9, 0.8, seed=3)
    names = np.array(["RR Lyrae", "Mira", "1"], dtype=object)
    whole = difference_interval(names[truth], names[ours], names[theirs], rounds=500)
    assert whole == difference_interval(truth, ours, theirs, rounds=500)
    monkeypatch.setattr(paired, "_CELLS", 7 * 300)  # 7 resamples at a time, not 500
    assert difference_interval(truth, ours, theirs, rounds=500) == pytest.approx(whole)
    with pytest.raises(ValueError, match="one label of each per test star"):
        difference_interval(truth, ours[:-1], theirs)
    assert interval_text(-0.0123, 0.04) == "-0.012 to +0.040"
    assert interval_text(-0.0004, 0.00051) == "0.000 to +0.001"  # never "-0.000"


def test_two_run_folders_predictions_side_by_side(tmp_path) -> None:
    ours, theirs = tmp_path / "run", tmp_path / "run" / "baseline"
    theirs.mkdir(parents=True)
    pd.DataFrame({"id": ["007", "b", "c"], "label": ["1", "2", "1"],
                  "predicted": ["1", "1", "1"]}).to_csv(ours / "test_predictions.csv",
                                                        index=False)
    pd.DataFrame({"id": ["c", "007", "b"], "label": ["1", "1", "2"],
                  "predicted_random_forest": ["2", "1", "2"]}).to_csv(
        theirs / "test_predictions.csv", index=False)
    pair = predictions_pair(ours, theirs, "random_forest")
    assert pair.to_dict("list") == {"label": ["1", "2", "1"], "ours": ["1", "1", "1"],
                                    "theirs": ["1", "2", "2"]}  # in our order; ids as text
    assert predictions_pair(ours, theirs, "gradient_boosting") is None  # no such column
    pd.DataFrame({"id": ["007", "b", "d"], "label": ["1", "2", "1"],
                  "predicted_random_forest": ["1", "2", "1"]}).to_csv(
        theirs / "test_predictions.csv", index=False)
    assert predictions_pair(ours, theirs, "random_forest") is None  # other stars
    assert predictions_pair(ours, tmp_path / "none", "random_forest") is None
    (theirs / "test_predictions.csv").write_text("")  # damaged by hand: "-", not a crash
    assert predictions_pair(ours, theirs, "random_forest") is None
