"""The scikit-learn style Classifier: one row per star, in first-appearance order."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lcformer.api import Classifier, star_ids
from lcformer.data.lightcurves import LightCurves
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.training.loop import TrainConfig

TOKENS = TokenConfig(window=20, stride=10)
CLASSES = ["car", "gaussian_process", "sinusoid"]



@pytest.fixture(scope="module")
def curves() -> LightCurves:
    return make_synthetic(SyntheticConfig(n_per_class=10, num=84))  # 30 stars, 42 points


@pytest.fixture(scope="module")
def fitted(curves) -> Classifier:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    clf = Classifier("encoder", tokens=TOKENS, emb=8, heads=2,
                     train_config=TrainConfig(epochs=2, batch_size=32, lr=5e-3, device="cpu"))
    clf.fit(curves)
    torch.set_num_threads(before)
    return clf


def mixed(curves: LightCurves) -> LightCurves:
    """Five stars in a new order, a short one in the middle, one star with two bands."""
    pick = curves.select(np.array([7, 2, 5]))
    short = LightCurves.from_list(
        [("tiny", "V", np.arange(6.0), np.arange(6.0) % 2, np.full(6, 0.01))], labels=[""])
    second_band = LightCurves(np.array(["syn-000002"], dtype=object), np.array(["R"], object),
                              *_one_curve(curves, 4), labels=np.array([""], object))
    tail = curves.select(np.array([9]))
    return LightCurves.concatenate([pick, short, second_band, tail])


def _one_curve(curves: LightCurves, k: int):
    t, m, e = curves.curve(k)
    return np.array([0, len(t)]), t.copy(), m.copy(), e.copy()


def test_fit_learns_the_classes(fitted) -> None:
    assert fitted.classes_ == CLASSES
    assert fitted.model_ is not None and not fitted.model_.training
    assert fitted.metadata_["tokens"] == TOKENS.to_dict()
    assert len(fitted.history_.history) == 2
    assert fitted.report_ is not None


def test_predict_shapes_and_order(fitted, curves) -> None:
    lcs = mixed(curves)
    order = star_ids(lcs)
    assert order.tolist() == ["syn-000007", "syn-000002", "syn-000005", "tiny", "syn-000009"]
    proba = fitted.predict_proba(lcs)
    assert proba.shape == (5, 3)
    known = np.array([True, True, True, False, True])
    np.testing.assert_allclose(proba[known].sum(1), 1.0, rtol=1e-6)
    assert np.isnan(proba[~known]).all()
    labels = fitted.predict(lcs)
    assert labels.shape == (5,)
    assert labels[3] == ""
    assert set(labels[known]) <= set(CLASSES)
    assert (labels[known] == np.array(CLASSES, object)[proba[known].argmax(1)]).all()
    # Row order follows the input: reversing the input reverses the rows.
    single = curves.select(np.array([7, 2, 5, 9]))
    reversed_ = curves.select(np.array([9, 5, 2, 7]))
    np.testing.assert_allclose(fitted.predict_proba(single),
                               fitted.predict_proba(reversed_)[::-1], rtol=1e-6)


def test_two_band_star_averages_its_windows(fitted, curves) -> None:
    table = fitted.predict_table(mixed(curves)).table.set_index("id")
    assert table.loc["syn-000002", "n_windows"] == 6  # 3 windows in each band
    assert table.loc["syn-000007", "n_windows"] == 3


def test_save_load_gives_identical_probabilities(fitted, curves, tmp_path) -> None:
    lcs = mixed(curves)
    fitted.save(tmp_path / "model")
    loaded = Classifier.load(tmp_path / "model")
    assert loaded.classes_ == CLASSES
    assert loaded.tokens == TOKENS
    np.testing.assert_array_equal(loaded.predict_proba(lcs), fitted.predict_proba(lcs))
    assert (loaded.predict(lcs) == fitted.predict(lcs)).all()


def test_fit_needs_labels(curves) -> None:
    unlabelled = curves.with_labels(None)
    clf = Classifier("encoder", tokens=TOKENS, emb=8, heads=2, epochs=1)
    with pytest.raises(ValueError, match="labels"):
        clf.fit(unlabelled)
    with pytest.raises(RuntimeError, match="not fitted"):
        clf.predict(curves)


def test_fit_with_y_and_too_short_curves(curves) -> None:
    y = curves.labels.copy()
    short = Classifier("encoder", tokens=TokenConfig(window=60, stride=30), emb=8, heads=2,
                       epochs=1)
    with pytest.raises(ValueError, match="no light curve gave a window"):
        short.fit(curves.with_labels(None), y)
