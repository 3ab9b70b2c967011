"""Running a model over samples: batches cut to their longest sample, star averages,
accuracy against token position."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lcformer.models import build_model
from lcformer.models.inference import (
    accuracy_by_position,
    star_level,
    star_probabilities,
    window_probabilities,
)


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


def test_trim_padding_cuts_batches_to_their_last_real_token() -> None:
    from lcformer.models.inference import real_lengths, trim_padding

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
