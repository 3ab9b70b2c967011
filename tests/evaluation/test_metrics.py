"""Scores: scikit-learn's metrics per star, each class's, and the calibration error."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from lcformer.evaluation.metrics import classification_metrics, score_text


def test_classification_metrics_hand_example() -> None:
    classes = ["a", "b", "c", "d"]  # "d" never occurs and is never predicted
    y_true = np.array([0, 0, 1, 1, 2])
    y_pred = np.array([0, 1, 1, 1, 0])
    m = classification_metrics(y_true, y_pred, classes)
    assert m.accuracy == pytest.approx(3 / 5)
    # F1 by hand: a = 0.5 (P 1/2, R 1/2), b = 0.8 (P 2/3, R 1), c = 0; d has none to average.
    assert m.per_class["a"]["f1-score"] == pytest.approx(0.5)
    assert m.per_class["b"]["f1-score"] == pytest.approx(0.8)
    assert m.per_class["b"]["precision"] == pytest.approx(2 / 3)
    # "d": no test star, nothing predicted: its scores are 0/0, None (null in metrics.json)
    assert m.per_class["d"] == {"precision": None, "recall": None, "f1-score": None,
                                "support": 0.0}
    assert m.macro_f1 == pytest.approx((0.5 + 0.8 + 0.0) / 3)
    assert m.macro_f1 == pytest.approx(f1_score(y_true, y_pred, average="macro"))
    assert m.macro_recall == pytest.approx((0.5 + 1.0 + 0.0) / 3)
    assert m.weighted_f1 == pytest.approx((2 * 0.5 + 2 * 0.8) / 5)
    assert m.n == 5
    assert m.confusion == [[1, 1, 0, 0], [0, 2, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]]
    assert set(m.to_dict()) >= {"accuracy", "macro_f1", "per_class", "confusion"}


def test_classification_metrics_absent_class_predicted_counts_as_zero() -> None:
    # "c" has no test star but one star is called "c": its F1 of 0 enters the average.
    m = classification_metrics(np.array([0, 1, 1]), np.array([0, 1, 2]), ["a", "b", "c"])
    assert m.macro_f1 == pytest.approx((1.0 + 2 / 3 + 0.0) / 3)
    assert m.per_class["c"] == {"precision": 0.0, "recall": None, "f1-score": 0.0,
                                "support": 0.0}  # a recall of 0/0


def test_classification_metrics_missing_rare_class_does_not_cap_a_fold() -> None:
    # A k-fold test set without the rare class "c": a perfect model scores 1, not 2/3.
    y = np.array([0, 1, 1, 0])
    m = classification_metrics(y, y, ["a", "b", "c"])
    assert m.macro_f1 == 1.0 and m.macro_precision == 1.0 and m.macro_recall == 1.0


def test_classification_metrics_perfect() -> None:
    y = np.array([0, 1, 1, 0])
    m = classification_metrics(y, y, ["x", "y"])
    assert m.accuracy == 1.0 and m.macro_f1 == 1.0 and m.confusion == [[2, 0], [0, 2]]


def test_classification_metrics_of_no_stars_are_not_numbers() -> None:
    empty = np.array([], dtype=int)
    m = classification_metrics(empty, empty, ["x", "y"], probs=np.zeros((0, 2)))
    assert m.n == 0 and np.isnan(m.accuracy) and np.isnan(m.macro_f1) and np.isnan(m.ece)
    assert m.confusion == [[0, 0], [0, 0]] and m.per_class["x"]["support"] == 0


def test_expected_calibration_error() -> None:
    from lcformer.evaluation.metrics import expected_calibration_error

    y = np.array([0, 0, 1, 1])
    sure_and_right = np.array([[1.0, 0], [1.0, 0], [0, 1.0], [0, 1.0]])
    assert expected_calibration_error(y, sure_and_right) == 0
    sure_and_wrong = sure_and_right[:, ::-1]
    assert expected_calibration_error(y, sure_and_wrong) == 1
    # 80% confident, right 3 times in 4: a gap of 0.05 over all four.
    p = np.array([[0.8, 0.2], [0.8, 0.2], [0.2, 0.8], [0.8, 0.2]])
    assert expected_calibration_error(y, p) == pytest.approx(0.05)
    assert np.isnan(expected_calibration_error(y, np.full((4, 2), np.nan)))  # not a crash


@pytest.mark.parametrize("name", ["accuracy", "macro avg", "weighted avg"])
def test_a_class_named_like_a_total_gets_its_own_scores(name) -> None:
    """scikit-learn's report keeps its totals among the class names."""
    m = classification_metrics(np.array([0, 1, 1]), np.array([0, 1, 0]), [name, "b"])
    assert m.per_class[name] == {"precision": 0.5, "recall": 1.0,
                                 "f1-score": pytest.approx(2 / 3), "support": 1.0}
    assert m.per_class["b"] == {"precision": 1.0, "recall": 0.5,
                                "f1-score": pytest.approx(2 / 3), "support": 2.0}


@pytest.mark.parametrize(("value", "digits", "text"), [
    (1.0, 3, "1.000"), (0.9996, 3, "0.999"), (0.99949, 3, "0.999"), (0.9554, 3, "0.955"),
    (0.996, 2, "0.99"), (0.0, 3, "0.000"), (1.5, 1, "1.5"), (1 / 588, 2, "0.01"),
    (0.004, 2, "0.01"), (0.0004, 3, "0.001"),
])
def test_score_text_reads_1_only_for_a_perfect_score(value: float, digits: int,
                                                      text: str) -> None:
    """One mistake in 2,500 stars must not print as a perfect score, nor one star of 588
    in a confusion-matrix cell as none."""
    assert score_text(value, digits) == text


def test_a_run_with_one_mistake_in_2500_stars_is_not_printed_perfect() -> None:
    truth = np.repeat([0, 1], 1250)
    guess = truth.copy()
    guess[0] = 1
    m = classification_metrics(truth, guess, ["a", "b"])
    assert m.accuracy > 0.9995
    assert f"{score_text(m.accuracy)} {score_text(m.macro_f1)}" == "0.999 0.999"
