import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.splits import (
    SampleSet,
    balance_stars,
    class_weights,
    fixed_split,
    kfold_splits,
    split_stars,
    stratified_split,
)
from lcformer.errors import ConfigError

labels_strategy = st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(labels=labels_strategy, seed=st.integers(0, 5))
def test_every_star_lands_in_exactly_one_part(labels, seed):
    labels = np.array(labels)
    parts = stratified_split(labels, seed=seed)
    assert set(parts.tolist()) <= {"train", "val", "test"}
    assert len(parts) == len(labels)  # one part per star, so no star is in two parts
    for cls in set(labels.tolist()):
        n = (labels == cls).sum()
        assert (parts[labels == cls] == "train").sum() == 7 * n // 10  # exact, in integers
        assert (parts[labels == cls] == "val").sum() == n // 10


def test_counts_are_exact_where_the_product_rounds_below_an_integer():
    """0.7 * 90 is 62.99999999999999 in floating point: still 63 training stars."""
    for n in (90, 170, 180, 330, 650):
        parts = stratified_split(np.array(["a"] * n), seed=0)
        assert [(parts == p).sum() for p in ("train", "val", "test")] == [
            7 * n // 10, n // 10, n - 7 * n // 10 - n // 10]


def test_no_star_appears_in_two_parts_when_windows_are_gathered():
    """Windows are gathered from star assignments, so a star's windows share its part."""
    rng = np.random.default_rng(0)
    labels = rng.choice(["a", "b", "c"], 500)
    parts = stratified_split(labels, seed=0)
    window_star = rng.integers(0, 500, 5000)
    window_part = parts[window_star]
    for part in ("train", "val", "test"):
        others = {p for p in ("train", "val", "test") if p != part}
        stars_here = set(window_star[window_part == part].tolist())
        for other in others:
            assert not stars_here & set(window_star[window_part == other].tolist())


def test_split_is_reproducible_and_seed_dependent():
    labels = np.array(["a"] * 50 + ["b"] * 50)
    assert (stratified_split(labels, seed=0) == stratified_split(labels, seed=0)).all()
    assert (stratified_split(labels, seed=0) != stratified_split(labels, seed=1)).any()


def test_fixed_split_keeps_test_and_carves_validation_from_train():
    given_split = np.array(["train"] * 80 + ["test"] * 20, dtype=object)
    labels = np.array(["a", "b"] * 50)
    parts = fixed_split(given_split, labels, val_fraction=0.1)
    assert (parts[80:] == "test").all()
    assert (parts[:80] != "test").all()
    assert (parts == "val").sum() == 8


def test_kfold_tests_each_star_once():
    labels = np.array(["a"] * 30 + ["b"] * 20)
    folds = kfold_splits(labels, k=5)
    tested = np.sum([f == "test" for f in folds], axis=0)
    assert (tested == 1).all()
    for f in folds:
        assert (f == "val").sum() > 0


def test_kfold_refuses_more_folds_than_any_class_has_stars():
    with pytest.raises(ConfigError, match="largest class of this dataset has 3"):
        kfold_splits(np.array(["a"] * 3 + ["b"] * 2 + ["c"] * 3), k=4)


def test_balance_gives_exactly_sample_stars_per_class():
    labels = np.array(["a"] * 5 + ["b"] * 500)
    stars = np.arange(505)
    chosen = balance_stars(stars, labels, sample=100, seed=0)
    assert len(chosen) == 200
    assert (labels[chosen] == "a").sum() == 100
    assert set(chosen[labels[chosen] == "a"].tolist()) == set(range(5))  # all kept, repeated
    assert len(set(chosen[labels[chosen] == "b"].tolist())) == 100  # no repeats


def test_class_weights_balance_the_classes():
    y = np.array([0, 0, 0, 1])
    w = class_weights(y, 3)
    assert np.isclose(w[0] * 3, w[1] * 1)
    assert w[2] == 0


@settings(max_examples=40, deadline=None)
@given(labels=st.lists(st.sampled_from([0, 1, 2]), min_size=1, max_size=80),
       seed=st.integers(0, 5))
def test_split_stars_halves_a_set_by_star_and_class(labels, seed):
    """The trees' weight stars and the network's epoch stars: disjoint, by star, per class."""
    rng = np.random.default_rng(seed)
    star_label = np.array(labels)
    star = np.repeat(np.arange(len(labels)), rng.integers(1, 4, len(labels)))  # chunks
    windows = SampleSet(rng.random((len(star), 3, 2)), np.ones((len(star), 3), bool),
                        star_label[star], star, rng.random((len(star), 5)))
    first, second = split_stars(windows, 0.5, seed)
    assert len(first) + len(second) == len(windows)
    assert not set(first.star.tolist()) & set(second.star.tolist())  # a star stays whole
    for cls in set(labels):
        n = (star_label == cls).sum()
        assert len(set(second.star[second.labels == cls].tolist())) == round(0.5 * n)
    keep = np.isin(star, second.star)
    np.testing.assert_array_equal(second.extra, windows.extra[keep])
    np.testing.assert_array_equal(first.tokens, windows.tokens[~keep])


def test_the_record_names_test_classes_without_a_training_star() -> None:
    """A class of one star goes to test: scored (F1 0), never learnt, and said so."""
    from lcformer.data.splits import split_record
    from lcformer.evaluation.records import RunRecord

    labels = np.array(["a"] * 10 + ["b"] * 10 + ["lonely"])
    parts = stratified_split(labels, seed=0)
    assert parts[-1] == "test"
    record = split_record("stratified", 0, parts, labels)
    assert record["untrained_classes"] == ["lonely"] and "resolved" not in record
    from lcformer.data.splits import resolved_split

    stars = pd.DataFrame({"label": labels})
    assert resolved_split("auto", stars) == "stratified"
    assert resolved_split("auto", stars.assign(split="train")) == "fixed"
    assert resolved_split("kfold:5:0", stars) == "kfold:5:0"
    assert split_record("auto", 0, parts, labels, "stratified")["resolved"] == "stratified"
    assert record["stars"] == {p: int((parts == p).sum()) for p in ("train", "val", "test")}
    line = RunRecord("d", "m", ["a", "b", "lonely"], record, "cpu", 1.0,
                     {"accuracy": 0.5, "macro_f1": 0.4, "n": 5}, budget={"epochs_run": 1}
                     ).summary_line()
    assert line.endswith("; never trained on lonely (no training star)")


def test_a_stars_copy_under_another_id_lands_in_its_part() -> None:
    """asas_acvs lists 41 light curves twice under two ids; a stratified split can put 11 test
    stars' copies among the training stars (the seen-star sketches find them)."""
    from dataclasses import replace

    from lcformer.data.lightcurves import LightCurves
    from lcformer.data.prepared import PrepareConfig, build
    from lcformer.data.splits import assign_splits
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic

    lcs = make_synthetic(SyntheticConfig(n_per_class=20, num=60))
    copies = lcs.select(np.arange(10))  # ten stars again, as "copy-<id>"
    copies = replace(copies, ids=np.array([f"copy-{i}" for i in copies.ids], dtype=object))
    data = build("copies", LightCurves.concatenate([lcs, copies]),
                 PrepareConfig(inputs="stars", features=False))
    ids = data.stars["id"].to_numpy(dtype=object)
    for split in ("stratified", "kfold:5:0", "kfold:5:3"):
        with pytest.warns(UserWarning, match=r"20 stars are copies of one another's points "
                                             r"under other ids \(10 groups"):
            parts = assign_splits(data, split, 0)
        part = dict(zip(ids, parts, strict=True))
        assert all(part[f"copy-{i}"] == part[i] for i in lcs.ids[:10])
    # Every star tested once over the folds, copies with their star.
    with pytest.warns(UserWarning):
        tested = sum((assign_splits(data, f"kfold:5:{i}", 0) == "test").astype(int)
                     for i in range(5))
    assert tested.tolist() == [1] * len(ids)


def test_copies_of_one_light_curve_with_two_classes_are_named() -> None:
    """A VSX cross-match can list one ASAS star as EW and, under another id, as EA: both
    would be trained on (and, in the test part, scored): named."""
    from dataclasses import replace

    from lcformer.data.lightcurves import LightCurves
    from lcformer.data.prepared import PrepareConfig, build
    from lcformer.data.splits import assign_splits
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic

    lcs = make_synthetic(SyntheticConfig(n_per_class=20, num=60))
    copies = lcs.select(np.arange(2))
    other = {c: next(o for o in lcs.labels if o != c) for c in set(lcs.labels)}
    copies = replace(copies, ids=np.array([f"copy-{i}" for i in copies.ids], dtype=object),
                     labels=np.array([other[c] for c in copies.labels], dtype=object))
    data = build("torn", LightCurves.concatenate([lcs, copies]),
                 PrepareConfig(inputs="stars", features=False))
    with pytest.warns(UserWarning) as said:
        assign_splits(data, "stratified", 0)
    text = " ".join(str(w.message) for w in said)
    first = lcs.ids[0]
    assert ("2 light curve(s) are listed under several ids with different classes" in text
            and f"{first} ({lcs.labels[0]}); copy-{first} ({other[lcs.labels[0]]})" in text)
