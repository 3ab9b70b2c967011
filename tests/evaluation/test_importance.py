"""What the trees rest on: families of per-star values, and their permutation importance."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lcformer.data.features import feature_extractor
from lcformer.data.splits import SampleSet
from lcformer.data.views import scalar_names
from lcformer.evaluation.importance import (
    FAMILIES,
    family_of,
    importance_record,
    permutation_importance,
)
from lcformer.models import ModelConfig, model_from_config
from lcformer.models.forest import ForestFusion, TreeForest


def test_every_value_of_the_default_model_has_a_family() -> None:
    """A per-star value added without a family would be shown under its own name; the
    default's values (three bands: two colours) all belong to one of FAMILIES."""
    bands = ["g", "r", "i"]
    names = scalar_names(bands) + [f"{b}_{n}" for b in bands for n in feature_extractor().names]
    families = {family_of(n, bands) for n in names}
    assert families == set(FAMILIES)
    assert family_of("colour_r_i", bands) == "colour"
    assert family_of("r_median_mag", bands) == family_of("i_weighted_mean", bands) == (
        "mean magnitude")


def test_names_without_a_band_and_unknown_names() -> None:
    assert family_of("band_log_amplitude", [""]) == "amplitude"  # one star of no band
    assert family_of("skew", [""]) == "magnitude distribution"  # its features: no prefix
    assert family_of("V_my_own_value", ["V"]) == "V_my_own_value"
    # The longest band prefix wins: "zr_" before a band named "z".
    assert family_of("zr_r21", ["z", "zr"]) == "folded shape"


def fused_trees(x: np.ndarray, y: np.ndarray) -> ForestFusion:
    config = ModelConfig(name="periodic", emb=8, heads=2, forest=30).for_data(3, 9, 40,
                                                                              x.shape[1])
    fused = model_from_config(config)
    assert isinstance(fused, ForestFusion)
    fused.forest = TreeForest.fit(x, y, 3, trees=30, seed=0)
    fused.set_weight(0.0)
    return fused.eval()


NAMES = ["log_period", "power", "V_skew", "V_kurtosis", "colour"]


def stars(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The class is the period's alone; the other values are noise, the colour unknown."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(NAMES))).astype(np.float32)
    y = np.digitize(x[:, 0], [-0.5, 0.5])
    x[:, 4] = np.nan
    return x, y


def test_the_family_the_class_depends_on_loses_the_most() -> None:
    x, y = stars(400, 0)
    fused = fused_trees(x, y)
    test_x, test_y = stars(300, 1)
    base, families = permutation_importance(fused, test_x, test_y, NAMES, ["V"], repeats=5)
    drop = {f.family: f.macro_f1_drop for f in families}
    assert base > 0.85
    assert families[0].family == "period" and families[0].names == ["log_period", "power"]
    assert drop["period"] > 0.4  # about chance without it: 1/3 of 3 balanced classes
    assert abs(drop["magnitude distribution"]) < 0.05
    assert "colour" not in drop  # no star has one: nothing to shuffle
    assert all(f.spread >= 0 for f in families)


def test_the_record_scores_each_star_once_as_the_run_does() -> None:
    """A star cut into chunks (1 to 5 here) has one row of values per chunk: each star counts
    once, with its class, and the record says what was left out."""
    x, y = stars(400, 0)
    fused = fused_trees(x, y)
    fused.set_weight(0.25)
    test_x, test_y = stars(60, 1)
    chunks = np.repeat(np.arange(60), np.random.default_rng(2).integers(1, 6, 60))
    test = SampleSet(np.zeros((len(chunks), 4, 9), np.float32),
                     np.ones((len(chunks), 4), bool), test_y[chunks], chunks, test_x[chunks])
    record = importance_record(fused, test, NAMES, ["V"], repeats=3)
    with torch.inference_mode():
        once = fused.trees(torch.as_tensor(test_x)).argmax(1).numpy()
    from sklearn.metrics import f1_score

    assert record["trees_macro_f1"] == pytest.approx(f1_score(test_y, once, average="macro"))
    assert record["test_stars"] == record["of_test_stars"] == 60 and record["repeats"] == 3
    assert record["network_weight_left_out"] == 0.25
    assert record["families"][0]["family"] == "period"


def test_a_survey_sized_test_set_is_measured_on_a_random_subset(monkeypatch) -> None:
    from lcformer.evaluation import importance

    monkeypatch.setattr(importance, "MAX_STARS", 50)
    x, y = stars(400, 0)
    test_x, test_y = stars(120, 1)
    test = SampleSet(np.zeros((120, 4, 9), np.float32), np.ones((120, 4), bool), test_y,
                     np.arange(120), test_x)
    record = importance_record(fused_trees(x, y), test, NAMES, ["V"], repeats=2)
    assert record["test_stars"] == 50 and record["of_test_stars"] == 120
