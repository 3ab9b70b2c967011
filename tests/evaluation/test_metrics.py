"""Evaluation: star-level averaging, metrics, accuracy against token position."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import f1_score

from lcformer.evaluation.metrics import (
    accuracy_by_position,
    classification_metrics,
    star_level,
    star_probabilities,
    window_probabilities,
)
from lcformer.models import build_model


def test_star_probabilities_average_windows_per_star() -> None:
    probs = np.array([[0.8, 0.2], [0.6, 0.4], [0.1, 0.9], [0.3, 0.7], [0.5, 0.5]])
    star = np.array([0, 0, 2, 2, 0])
    out = star_probabilities(probs, star)
    assert out.shape == (3, 2)
    np.testing.assert_allclose(out[0], [(0.8 + 0.6 + 0.5) / 3, (0.2 + 0.4 + 0.5) / 3])
    assert np.isnan(out[1]).all()  # star 1 has no window
    np.testing.assert_allclose(out[2], [0.2, 0.8])
    np.testing.assert_allclose(out[[0, 2]].sum(1), 1.0)
    padded = star_probabilities(probs, star, n_stars=4)
    assert padded.shape == (4, 2) and np.isnan(padded[3]).all()


def test_star_level_keeps_only_stars_with_windows() -> None:
    probs = np.array([[0.9, 0.1], [0.2, 0.8], [0.4, 0.6]])
    window_star = np.array([5, 2, 5])
    star_labels = np.array([-1, -1, 1, -1, -1, 0])
    stars, y, p = star_level(probs, window_star, star_labels)
    assert stars.tolist() == [2, 5]
    assert y.tolist() == [1, 0]
    np.testing.assert_allclose(p, [[0.2, 0.8], [0.65, 0.35]])


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
    assert m.per_class["d"]["support"] == 0
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


def _model_and_windows():
    torch.manual_seed(0)
    model = build_model("encoder", n_classes=3, emb=8, heads=2, max_tokens=8)
    rng = np.random.default_rng(0)
    tokens = rng.standard_normal((7, 6, 4)).astype(np.float32)
    lengths = np.array([6, 6, 3, 1, 6, 4, 2])
    mask = np.arange(6)[None, :] < lengths[:, None]
    labels = rng.integers(0, 3, size=7)
    return model, tokens, mask, labels


def test_window_probabilities_in_batches() -> None:
    model, tokens, mask, _ = _model_and_windows()
    whole = window_probabilities(model, tokens, mask, batch_size=100)
    batched = window_probabilities(model, tokens, mask, batch_size=3)
    assert whole.shape == (7, 3)
    np.testing.assert_allclose(whole.sum(1), 1.0, rtol=1e-5)
    np.testing.assert_allclose(whole, batched, rtol=1e-5, atol=1e-6)
    empty = window_probabilities(model, tokens[:0], mask[:0])
    assert empty.shape == (0, 3)


def test_accuracy_by_position_shape_range_and_last_position() -> None:
    model, tokens, mask, labels = _model_and_windows()
    acc = accuracy_by_position(model, tokens, mask, labels, batch_size=3)
    assert acc.shape == (6,)
    assert np.isfinite(acc).all()  # every position has some real token
    assert ((acc >= 0) & (acc <= 1)).all()
    # Position 0: one token's prediction; windows with a real first token all count.
    with torch.no_grad():
        first = model.token_log_probs(torch.from_numpy(tokens), torch.from_numpy(mask))
    want0 = (first[:, 0].argmax(-1).numpy() == labels).mean()
    assert acc[0] == pytest.approx(want0)
    # The last position counts only full windows, whose running average is the whole window's.
    full = mask.all(1)
    probs = window_probabilities(model, tokens[full], mask[full])
    assert acc[-1] == pytest.approx((probs.argmax(1) == labels[full]).mean())


def test_accuracy_by_position_is_nan_where_no_window_reaches() -> None:
    model, tokens, mask, labels = _model_and_windows()
    mask = mask.copy()
    mask[:, 4:] = False
    acc = accuracy_by_position(model, tokens, mask, labels)
    assert np.isnan(acc[4:]).all() and np.isfinite(acc[:4]).all()


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


def test_trim_padding_cuts_batches_to_their_last_real_token() -> None:
    from lcformer.evaluation.metrics import real_lengths, trim_padding

    mask = np.zeros((3, 8), dtype=bool)
    mask[0, :2] = True
    mask[1, [0, 4]] = True  # a hole: the length is one past the last real token
    tokens = np.arange(3 * 8 * 2, dtype=np.float32).reshape(3, 8, 2)
    assert real_lengths(mask).tolist() == [2, 5, 0]
    t, m = trim_padding(tokens, mask)
    assert t.shape == (3, 5, 2) and m.shape == (3, 5) and np.array_equal(t, tokens[:, :5])
    tt, mt = trim_padding(torch.from_numpy(tokens), torch.from_numpy(mask))
    assert torch.equal(tt, torch.from_numpy(tokens[:, :5]))
    assert torch.equal(mt, torch.from_numpy(m))
    kept, _ = trim_padding(tokens, np.ones((3, 8), dtype=bool))
    assert kept is tokens  # nothing to cut
    assert trim_padding(tokens, np.zeros_like(mask))[1].shape == (3, 1)  # keeps one token


@pytest.mark.parametrize("name", ["encoder", "periodic"])
def test_window_probabilities_sorted_and_trimmed_equal_one_padded_batch(name, tmp_path) -> None:
    """Samples go through the model in length order, in batches cut to their longest sample:
    the same probabilities, in the input's order, as one padded batch. Also from memmaps."""
    from lcformer.models import ModelConfig, model_from_config

    rng = np.random.default_rng(0)
    n, width, features = 41, 30, 4 if name == "encoder" else 9
    lengths = rng.integers(1, width + 1, size=n)
    mask = np.arange(width)[None, :] < lengths[:, None]
    tokens = rng.standard_normal((n, width, features)).astype(np.float32)
    extra = rng.standard_normal((n, 3)).astype(np.float32) if name == "periodic" else None
    torch.manual_seed(0)
    config = ModelConfig(name=name, emb=16, heads=2).for_data(3, features, width,
                                                              3 if extra is not None else 0)
    model = model_from_config(config).eval()
    with torch.no_grad():
        want = model.classify(torch.from_numpy(tokens), torch.from_numpy(mask),
                              None if extra is None else torch.from_numpy(extra)).exp().numpy()
    got = window_probabilities(model, tokens, mask, batch_size=8, extra=extra)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    stored = np.lib.format.open_memmap(tmp_path / "tokens.npy", mode="w+", dtype=np.float32,
                                       shape=tokens.shape)
    stored[:] = tokens
    from_disk = window_probabilities(model, stored, mask, batch_size=8, extra=extra)
    np.testing.assert_allclose(from_disk, want, rtol=1e-5, atol=1e-6)
