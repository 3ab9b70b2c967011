"""predict_stars: every input star is either classified or listed with the reason."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lcformer.data.cleaning import CleaningConfig
from lcformer.data.lightcurves import LightCurves
from lcformer.data.tokens import TokenConfig
from lcformer.evaluation.predict import predict_stars
from lcformer.models import build_model

CLASSES = ["a", "b"]



@pytest.fixture(scope="module")
def model_and_metadata():
    torch.manual_seed(0)
    model = build_model("encoder", n_classes=2, emb=8, heads=2, max_tokens=32).eval()
    metadata = {"classes": CLASSES, "tokens": TokenConfig(window=20, stride=10).to_dict(),
                "cleaning": CleaningConfig().to_dict()}
    return model, metadata


def star(name: str, n: int, seed: int = 0, nan: bool = False):
    rng = np.random.default_rng(seed)
    t = np.cumsum(rng.uniform(0.5, 1.5, n))
    m = 12 + rng.normal(size=n)
    if nan:
        m[:] = np.nan
    return (name, "V", t, m, np.full(n, 0.02))


def stars() -> LightCurves:
    return LightCurves.from_list([
        star("long1", 45, 1),  # 44 pairs: 3 windows of 20 every 10
        star("single", 1),  # one point: nothing left after cleaning
        star("short", 11, 2),  # 10 pairs < W = 20
        star("all_nan", 30, 3, nan=True),  # every point non-finite
        star("long2", 21, 4),  # exactly one window
    ])  # no labels needed


def test_unclassifiable_stars_are_listed_with_reasons(model_and_metadata) -> None:
    model, metadata = model_and_metadata
    result = predict_stars(model, metadata, stars(), device="cpu")
    table = result.table
    assert table["id"].tolist() == ["long1", "long2"]
    assert table["n_windows"].tolist() == [3, 1]
    assert list(table.columns) == ["id", "predicted", "probability", "p_a", "p_b", "n_windows"]
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
