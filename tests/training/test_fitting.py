"""Fitting a model: which stars choose the epoch and the trees' weight, the shortened copies
the network and the trees learn from, and data no classifier can learn from."""

from __future__ import annotations

import base64
import dataclasses

import numpy as np
import pandas as pd
import pytest

from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.splits import assign_splits
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.errors import NothingToTrainError
from lcformer.models.config import ModelConfig
from lcformer.training import fitting
from lcformer.training.config import RunConfig, TrainConfig


def test_trees_weight_is_chosen_on_stars_that_did_not_choose_the_epoch(tmp_path,
                                                                       monkeypatch) -> None:
    """Half of each class's validation stars choose the network's epoch, the other half the
    weight of the trees: the network's selection does not favour it in the mix."""
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=20, num=60)), "h3",
        PrepareConfig(inputs="stars", features=False), tmp_path)
    epoch_stars: list[set[int]] = []
    real_train = fitting.train

    def recording_train(model, train_set, val_set, *args, **kwargs):
        epoch_stars.append(set(val_set.star.tolist()))
        return real_train(model, train_set, val_set, *args, **kwargs)

    monkeypatch.setattr(fitting, "train", recording_train)
    config = RunConfig(model=ModelConfig(emb=8, heads=2, forest=5, boosting=3),
                       train=TrainConfig(epochs=1, batch_size=16, device="cpu"))
    parts = assign_splits(data, "stratified", 0)
    fitted = fitting.fit(data, config, parts, progress=False)
    weight_stars = set(fitted.sets["weight"].star.tolist())
    val_stars = set(np.flatnonzero(parts == "val").tolist())
    assert epoch_stars == [set(fitted.sets["val"].star.tolist())]
    assert weight_stars and epoch_stars[0] and not weight_stars & epoch_stars[0]
    assert weight_stars | epoch_stars[0] == val_stars
    # A network alone keeps every validation star for its epoch.
    fitting.fit(data, config.replace(model=config.model.network_only), parts, progress=False)
    assert epoch_stars[1] == val_stars


def test_shortened_copies_are_learned_and_widen_the_training_range(tmp_path,
                                                                   monkeypatch) -> None:
    """--shortened-copies: the network trains, and the trees are fitted, on the training
    stars and their copies; the checkpoint's training range (for the outside_training_range
    flag) includes the copies' shorter spans; the run's own sets stay the stars'."""
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=20, num=60)), "h4",
        PrepareConfig(inputs="stars", features=False), tmp_path)
    trees_rows: list[int] = []
    network_stars: list[int] = []
    leaf_stars: list[int | None] = []  # the stars the forest's leaves are sized by
    real_fit_trees, real_train = fitting.fit_trees, fitting.train

    def recording_fit_trees(network, extra, labels, config, seed, n_stars=None):
        trees_rows.append(len(labels))
        leaf_stars.append(n_stars)
        return real_fit_trees(network, extra, labels, config, seed, n_stars)

    def recording_train(model, train_set, *args, **kwargs):
        network_stars.append(len(np.unique(train_set.star)))
        return real_train(model, train_set, *args, **kwargs)

    monkeypatch.setattr(fitting, "fit_trees", recording_fit_trees)
    monkeypatch.setattr(fitting, "train", recording_train)
    parts = assign_splits(data, "stratified", 0)
    config = RunConfig(model=ModelConfig(emb=8, heads=2, forest=5, boosting=3),
                       train=TrainConfig(epochs=1, batch_size=16, device="cpu"))
    plain = fitting.fit(data, config, parts, progress=False)
    copied = fitting.fit(data, config.replace(model=config.model.replace(shortened_copies=2)),
                         parts, progress=False)
    n_train = len(np.unique(plain.sets["train"].star))
    assert trees_rows[0] == network_stars[0] == n_train
    assert n_train < trees_rows[1] == network_stars[1] <= 3 * n_train
    assert leaf_stars == [n_train, n_train]  # copies are no training stars of their own
    span, plain_span = (f.metadata["training_stars"]["span"] for f in (copied, plain))
    assert span[0] < plain_span[0] and span[1] == pytest.approx(plain_span[1])
    assert copied.metadata["model"]["shortened_copies"] == 2
    assert copied.metadata["forest"]["copies_fitted"] == trees_rows[1] - n_train
    assert len(copied.sets["train"]) == len(plain.sets["train"])  # the stars' samples


def test_a_class_without_copies_is_warned_of(monkeypatch) -> None:
    """Copies whose curves keep too few points are left out; a class left with none is said."""
    from lcformer.data.augment import Copies
    from lcformer.data.splits import SampleSet

    train = SampleSet(np.zeros((3, 1, 1)), np.ones((3, 1), bool), np.array([0, 1, 2]),
                      np.array([0, 1, 2]))
    data = dataclasses.make_dataclass("Data", ["classes", "config"])(
        ["car", "gaussian_process", "sinusoid"], PrepareConfig())
    monkeypatch.setattr(fitting, "shortened_samples", lambda *args: Copies(
        SampleSet(np.zeros((2, 1, 1)), np.ones((2, 1), bool), np.array([0, 2]),
                  np.array([3, 4])), pd.DataFrame({"n_points": [5, 5]})))
    with pytest.warns(UserWarning, match="no copy of a training star of gaussian_process kept "
                                         "2 points in a band, so the model learns no"):
        fitting._shortened_copies(data, train, 1, 0)


def test_one_class_says_what_a_classifier_needs(tmp_path) -> None:
    """Not "What was dropped:; nothing dropped": the labels name one class."""
    from lcformer.data.prepared import PrepareConfig, build
    from lcformer.training.fitting import check_trainable

    t = np.arange(30.0)
    lcs = LightCurves.from_list([(f"s{i}", "V", t, np.sin(t + i), np.full(30, .1))
                                 for i in range(4)], labels=["rr"] * 4)
    data = build("one", lcs, PrepareConfig(inputs="stars", features=False))
    with pytest.raises(NothingToTrainError, match=r"4 samples in 1 class\(es\) \(rr\) after "
                       r"cleaning; a classifier needs 2 or more; nothing was dropped"):
        check_trainable(data)



def test_training_sketches_are_of_the_stored_stars_with_copies_as_one(monkeypatch) -> None:
    """Sketches made over every star would let a test star's copy, or a star listed twice
    among the training stars, empty a training star's sketch (runs two stars share are left
    out), and predict would not find its partial copies."""
    from dataclasses import replace

    from lcformer.data.fingerprints import SKETCH_KEY, SKETCH_SIZE, fingerprints_of
    from lcformer.data.prepared import build
    from lcformer.data.splits import SampleSet

    lcs = make_synthetic(SyntheticConfig(n_per_class=6, num=60))
    twice = replace(lcs.select(np.arange(2)), ids=np.array(["dup-0", "dup-1"], dtype=object))
    data = build("copies", LightCurves.concatenate([lcs, twice]),
                 PrepareConfig(inputs="stars", features=False))
    ids = data.stars["id"].to_numpy(dtype=object)
    stored = np.flatnonzero(~np.isin(ids, ["dup-1"]))  # dup-1, star 1's copy: a test star
    sets = {"train": SampleSet(np.zeros((len(stored), 1, 1), np.float32),
                               np.ones((len(stored), 1), bool), np.zeros(len(stored), int),
                               stored)}
    metadata = fitting._seen_stars(data, sets)
    counts = np.frombuffer(base64.b64decode(metadata[SKETCH_KEY]["counts_base64"]),
                           dtype=np.uint8)
    assert metadata[SKETCH_KEY]["stars"] == len(stored) and (counts == SKETCH_SIZE).all()
    assert fingerprints_of(metadata) is not None
    # Too many stars for the checkpoint's header: fingerprints alone, said.
    monkeypatch.setattr(fitting, "MAX_SKETCHED_STARS", 3)
    with pytest.warns(UserWarning, match=r"their sketches are not kept"):
        assert SKETCH_KEY not in fitting._seen_stars(data, sets)


def test_each_classs_periods_are_kept_for_the_period_unlike_class_flag(tmp_path) -> None:
    """The checkpoint keeps, per class of 20 training stars or more, the 1st and 99th
    percentiles of its training stars' best periods (not the validation or test stars')."""
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=40, num=60)), "h5",
        PrepareConfig(inputs="stars", features=False), tmp_path)
    parts = assign_splits(data, "stratified", 0)
    config = RunConfig(model=ModelConfig(emb=8, heads=2, forest=5, boosting=3),
                       train=TrainConfig(epochs=0, device="cpu"))
    fitted = fitting.fit(data, config, parts, progress=False)
    stored = fitted.metadata["training_class_periods"]
    train = np.unique(fitted.sets["train"].star)
    stars = data.stars.iloc[train]
    periods = data.periods.set_index("id").loc[stars["id"], "period"].to_numpy()
    expected = pd.Series(periods).groupby(stars["label"].to_numpy()).quantile([0.01, 0.99])
    assert sorted(stored) == sorted(data.classes) and len(train) < len(data.stars)
    for label, (low, high) in stored.items():
        assert (low, high) == pytest.approx(tuple(expected[label]))
