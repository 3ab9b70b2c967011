"""The trees beside the network: scikit-learn's forest and boosting as tensors, and the weight
of the mix."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.ensemble import (
    ExtraTreesClassifier,
    HistGradientBoostingClassifier,
    RandomForestClassifier,
)

from lcformer.errors import ConfigError
from lcformer.models import ModelConfig, model_from_config
from lcformer.models.forest import (
    BoostedTrees,
    ForestFusion,
    TreeForest,
    boosting_leaf,
    choose_weight,
    float32_at_most,
    forest_leaf,
)
from lcformer.training.checkpoints import load_checkpoint, save_checkpoint


def values(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) + (x[:, 2] > 1)
    x[rng.random(x.shape) < 0.1] = np.nan  # unknown values (a colour of a one-band star)
    x[3, 4] = np.inf
    return x, y


@pytest.mark.parametrize("n_classes", [3, 4])  # 4: a class no training star has
@pytest.mark.parametrize("randomised", [False, True])  # a forest, extremely randomised trees
def test_same_probabilities_as_scikit_learn(n_classes: int, randomised: bool) -> None:
    x, y = values(300, 0)
    forest = TreeForest.fit(x, y, n_classes, trees=25, seed=3, randomised=randomised)
    kind = ExtraTreesClassifier if randomised else RandomForestClassifier
    reference = kind(n_estimators=25, class_weight="balanced_subsample", random_state=3)
    fill = forest.fill.numpy()
    reference.fit(np.where(np.isfinite(x), x, fill).astype(np.float32), y)
    new, _ = values(200, 1)
    expected = reference.predict_proba(np.where(np.isfinite(new), new, fill).astype(np.float32))
    got = forest(torch.as_tensor(new, dtype=torch.float32)).numpy()
    np.testing.assert_allclose(got[:, :3], expected, atol=1e-6)
    assert got.shape == (200, n_classes) and np.all(got[:, 3:] == 0)


def test_the_forests_leaves_grow_with_a_survey_sized_training_set(monkeypatch) -> None:
    """Grown to single stars, a forest of a million training stars would weigh gigabytes in
    every checkpoint and predict; every dataset of docs/results.md keeps single-star leaves."""
    assert [forest_leaf(n) for n in (0, 300, 9_700, 14_999, 15_000, 1_000_000)] == [
        1, 1, 1, 1, 2, 100]
    x, y = values(1000, 0)
    whole = TreeForest.fit(x, y, 3, trees=5, seed=3)
    monkeypatch.setattr("lcformer.models.forest.FOREST_LEAF_STARS", 100)  # leaves of 10
    small = TreeForest.fit(x, y, 3, trees=5, seed=3)
    assert len(small.feature) < len(whole.feature) / 3
    reference = RandomForestClassifier(n_estimators=5, class_weight="balanced_subsample",
                                       min_samples_leaf=10, random_state=3)
    reference.fit(np.where(np.isfinite(x), x, small.fill.numpy()).astype(np.float32), y)
    assert len(small.feature) == sum(e.tree_.node_count for e in reference.estimators_)
    # Rows beyond the training stars (their shortened copies) do not size the leaves.
    copies = TreeForest.fit(x, y, 3, trees=5, seed=3, n_stars=100)
    assert len(copies.feature) == len(whole.feature)


@pytest.mark.parametrize(("n_classes", "binary"), [(3, False), (4, False), (3, True)])
def test_boosting_gives_scikit_learns_probabilities(n_classes: int, binary: bool) -> None:
    """Multi-class (a softmax over one tree per class and iteration), a class no training star
    has (probability 0), and two classes seen of three (one tree per iteration, a sigmoid)."""
    x, y = values(300, 4)
    if binary:
        y = np.where(y == 0, 0, 2)  # classes 0 and 2 only
    boosting = BoostedTrees.fit(x, y, n_classes, iterations=15, seed=3)
    reference = HistGradientBoostingClassifier(max_iter=15, class_weight="balanced",
                                               random_state=3, early_stopping=False)
    fill = boosting.fill.numpy()
    reference.fit(np.where(np.isfinite(x), x, fill).astype(np.float32), y)
    new, _ = values(200, 5)
    expected = reference.predict_proba(np.where(np.isfinite(new), new, fill).astype(np.float32))
    got = boosting(torch.as_tensor(new, dtype=torch.float32)).numpy()
    assert got.shape == (200, n_classes)
    np.testing.assert_allclose(got[:, reference.classes_], expected, atol=1e-6)
    absent = np.setdiff1d(np.arange(n_classes), reference.classes_)
    assert np.all(got[:, absent] == 0)
    assert len(np.unique(got.argmax(1))) > 1  # the comparison is not between constants


def test_boosting_learns_on_a_few_dozen_stars() -> None:
    """scikit-learn's 20-star leaves cannot split 30 stars: boosting predicted one class.
    From 200 stars on the leaves are scikit-learn's."""
    x, y = values(30, 8)
    x[:, 5] = 3.0 * y + np.random.default_rng(0).normal(0, 0.3, 30)  # separates the classes
    x[~np.isfinite(x[:, 5]), 5] = 0.0
    boosting = BoostedTrees.fit(x, y, 3, iterations=20, seed=0)
    got = boosting(torch.as_tensor(x, dtype=torch.float32)).numpy().argmax(1)
    assert len(np.unique(got)) == 3 and np.mean(got == y) > 0.9
    assert [boosting_leaf(n) for n in (10, 30, 150, 200, 5000)] == [2, 3, 15, 20, 20]


def test_trees_of_training_stars_of_one_class_give_it() -> None:
    """A split whose training stars hold one class (its only other star went to test): the
    trees are certain of it, as the forest is, rather than an internal error."""
    x, _ = values(60, 6)
    y = np.full(60, 1)
    for trees in (BoostedTrees.fit(x, y, 3, iterations=5, seed=0),
                  TreeForest.fit(x, y, 3, trees=5, seed=0)):
        got = trees(torch.as_tensor(values(10, 7)[0], dtype=torch.float32)).numpy()
        np.testing.assert_allclose(got, np.tile([0.0, 1.0, 0.0], (10, 1)), atol=1e-6)


def test_every_star_reaches_scikit_learns_leaf() -> None:
    x, y = values(300, 0)
    forest = TreeForest.fit(x, y, 3, trees=15, seed=1)
    reference = RandomForestClassifier(n_estimators=15, class_weight="balanced_subsample",
                                       random_state=1)
    fill = forest.fill.numpy()
    reference.fit(np.where(np.isfinite(x), x, fill).astype(np.float32), y)
    new, _ = values(400, 5)
    leaves = reference.apply(np.where(np.isfinite(new), new, fill).astype(np.float32))
    got = forest.leaves(torch.as_tensor(new, dtype=torch.float32)).numpy()
    np.testing.assert_array_equal(got - forest.roots.numpy(), leaves)


@settings(max_examples=300, deadline=None)
@given(st.floats(width=32, allow_nan=False), st.floats(allow_nan=False))
def test_float32_thresholds_split_as_float64_ones(x: float, threshold: float) -> None:
    """A float32 value is at most a float64 threshold exactly when it is at most the stored
    float32 one, so the walk in float32 takes scikit-learn's branch."""
    stored = float32_at_most(np.array([threshold]))[0]
    assert (np.float32(x) <= stored) == (np.float64(np.float32(x)) <= threshold)


def test_trees_of_an_earlier_layout_are_refused() -> None:
    x, y = values(60, 2)
    state = TreeForest.fit(x, y, 3, trees=3).state_dict()
    state["left"], state["right"] = state["child"][:, 0].long(), state.pop("child")[:, 1].long()
    with pytest.raises(RuntimeError, match="earlier development layout"):
        TreeForest().load_state_dict(state)


def test_saved_and_loaded_with_the_network(tmp_path) -> None:
    config = ModelConfig(name="periodic", emb=16, heads=2, forest=10).for_data(3, 9, 40, 6)
    x, y = values(120, 2)
    torch.manual_seed(0)
    fused = model_from_config(config)
    assert isinstance(fused, ForestFusion)
    fused.forest = TreeForest.fit(x, y, 3, trees=10)
    fused.set_weight(0.3)
    save_checkpoint(tmp_path / "m.safetensors", fused, {"model": config.to_dict()})
    state, _, _ = load_checkpoint(tmp_path / "m.safetensors")
    loaded = model_from_config(config)  # an empty forest, sized by the state it loads
    loaded.load_state_dict(state)
    tokens, mask = torch.rand(5, 40, 9), torch.ones(5, 40, dtype=torch.bool)
    extra = torch.as_tensor(x[:5], dtype=torch.float32)
    fused.eval(), loaded.eval()
    torch.testing.assert_close(loaded.classify(tokens, mask, extra),
                               fused.classify(tokens, mask, extra))
    assert float(loaded.weight) == pytest.approx(0.3)
    torch.testing.assert_close(loaded.classify(tokens, mask, extra).exp().sum(1),
                               torch.ones(5))


def test_trees_are_the_mean_of_forest_boosting_and_extra_trees(tmp_path) -> None:
    config = ModelConfig(name="periodic", emb=16, heads=2, forest=10, boosting=5,
                         extra_trees=10).for_data(3, 9, 40, 6)
    x, y = values(120, 2)
    fused = model_from_config(config)
    fused.forest = TreeForest.fit(x, y, 3, trees=10)
    fused.boosting = BoostedTrees.fit(x, y, 3, iterations=5)
    fused.extra_trees = TreeForest.fit(x, y, 3, trees=10, randomised=True)
    extra = torch.as_tensor(x[[0, 1, 0, 2, 3, 1, 4, 5, 6]], dtype=torch.float32)  # chunks
    assert torch.isnan(extra).any()
    torch.testing.assert_close(fused.trees(extra),  # each distinct row walked once
                               (fused.forest(extra) + fused.boosting(extra)
                                + fused.extra_trees(extra)) / 3)
    save_checkpoint(tmp_path / "m.safetensors", fused, {"model": config.to_dict()})
    state, _, _ = load_checkpoint(tmp_path / "m.safetensors")
    alone = model_from_config(config.replace(forest=0, extra_trees=0))  # boosting alone
    assert alone.forest is None and alone.extra_trees is None
    alone.load_state_dict({k: v for k, v in state.items() if k.split(".")[0] not in
                           ("forest", "extra_trees")})
    torch.testing.assert_close(alone.trees(extra), fused.boosting(extra))
    loaded = model_from_config(config)
    loaded.load_state_dict(state)
    torch.testing.assert_close(loaded.trees(extra), fused.trees(extra))


def test_at_weight_zero_the_network_is_not_run(tmp_path, monkeypatch) -> None:
    config = ModelConfig(name="periodic", emb=16, heads=2, boosting=5).for_data(3, 9, 40, 6)
    x, y = values(120, 2)
    fused = model_from_config(config).eval()
    fused.boosting = BoostedTrees.fit(x, y, 3, iterations=5)
    fused.set_weight(0.0)
    save_checkpoint(tmp_path / "m.safetensors", fused, {"model": config.to_dict()})
    state, _, _ = load_checkpoint(tmp_path / "m.safetensors")
    loaded = model_from_config(config).eval()
    loaded.load_state_dict(state)
    assert not loaded.network_used

    def fail(*args, **kwargs):
        raise AssertionError("the network ran")

    monkeypatch.setattr(loaded.network, "classify", fail)
    tokens, mask = torch.rand(5, 40, 9), torch.ones(5, 40, dtype=torch.bool)
    extra = torch.as_tensor(x[:5], dtype=torch.float32)
    torch.testing.assert_close(loaded.classify(tokens, mask, extra).exp(),
                               fused.boosting(extra))
    loaded.set_weight(0.2)
    with pytest.raises(AssertionError, match="the network ran"):
        loaded.classify(tokens, mask, extra)


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1))
def test_weight_follows_the_better_classifier(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 40)
    right = np.full((40, 3), 0.05)
    right[np.arange(40), labels] = 0.9
    noise = rng.dirichlet(np.ones(3), 40)
    assert choose_weight(right, noise, labels) >= 0.3
    assert choose_weight(noise, right, labels) == 0.0  # the trees classify all
    assert choose_weight(right, right, labels) == 0.0  # no gain from the network: the trees


def _trees_wrong_on(n: int, wrong: int, rng: np.random.Generator
                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Labels, trees' probabilities (softly right but wrong on the first ``wrong`` stars) and
    a network's (surely right on every star)."""
    labels = rng.integers(0, 3, n)
    trees = np.full((n, 3), 0.2)
    trees[np.arange(n), labels] = 0.6
    trees[np.arange(wrong), labels[:wrong]] = 0.2
    trees[np.arange(wrong), (labels[:wrong] + 1) % 3] = 0.6
    network = np.full((n, 3), 0.01)
    network[np.arange(n), labels] = 0.98
    return network, trees, labels


def test_weight_needs_evidence_beyond_one_standard_error() -> None:
    """A network that classifies one star of 20 better gets no share; one that classifies 200
    of 2,000 better does."""
    rng = np.random.default_rng(0)
    network, trees, labels = _trees_wrong_on(20, 1, rng)
    assert choose_weight(network, trees, labels) == 0.0
    network, trees, labels = _trees_wrong_on(2000, 200, rng)
    assert choose_weight(network, trees, labels) > 0.0


def test_confidence_alone_earns_the_network_no_share() -> None:
    """A network surer than the trees' averaged votes but classifying the stars as they do
    gets no share, however many stars: by log-loss it got the whole weight on 13 stars of a
    fold of the 338-star ASAS subset and scored 0.83 where the trees alone scored 0.99."""
    network, trees, labels = _trees_wrong_on(2000, 0, np.random.default_rng(1))
    assert choose_weight(network, trees, labels) == 0.0


def test_trees_need_a_sane_size() -> None:
    with pytest.raises(ConfigError, match="forest"):
        ModelConfig(name="periodic", forest=-1)
    with pytest.raises(ConfigError, match="boosting"):
        ModelConfig(name="periodic", boosting=-1)
    with pytest.raises(ConfigError, match="extra_trees"):
        ModelConfig(name="periodic", extra_trees=-1)


def test_weight_is_not_chosen_from_probabilities_that_are_not_numbers() -> None:
    labels = np.array([0, 1])
    with pytest.raises(ValueError, match="not all finite"):
        choose_weight(np.full((2, 2), np.nan), np.full((2, 2), 0.5), labels)
