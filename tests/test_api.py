"""The scikit-learn style Classifier: one row per star, in first-appearance order."""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from lcformer.api import (
    Classifier,
    StarSamples,
    _ids_sorted,
    _labels_per_curve,
    _with_labels,
    as_light_curves,
    star_ids,
)
from lcformer.data.lightcurves import LightCurves
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError, InputError, LcformerWarning, NothingToTrainError
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig, TrainConfig

# Many tests mix in stars that cannot be classified, or unlabelled ones, on purpose: the
# warnings that say so are asserted where they are the subject.
pytestmark = [pytest.mark.filterwarnings("ignore:.* could not be classified:UserWarning"),
              pytest.mark.filterwarnings("ignore:.* not trained on:UserWarning"),
              pytest.mark.filterwarnings("ignore:.* points were dropped:UserWarning"),
              pytest.mark.filterwarnings("ignore:score. .* were fit on:UserWarning"),
              pytest.mark.filterwarnings("ignore:score. .* have the points of the model's "
                                         "own:UserWarning"),
              pytest.mark.filterwarnings("ignore:fit. no validation stars:UserWarning")]

TOKENS = TokenConfig(window=20, stride=10)
CLASSES = ["car", "gaussian_process", "sinusoid"]


@pytest.fixture(scope="module")
def curves() -> LightCurves:
    return make_synthetic(SyntheticConfig(n_per_class=10, num=84))  # 30 stars, 42 points


@pytest.fixture(scope="module")
def fitted(curves) -> Classifier:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    clf = Classifier(ModelConfig(name="encoder", emb=8, heads=2), tokens=TOKENS,
                     train=TrainConfig(epochs=2, batch_size=32, lr=5e-3, device="cpu"))
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
    assert fitted.classes_.tolist() == CLASSES
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
    lcs = mixed(curves)
    star = lcs.ids == "syn-000002"
    assert table.loc["syn-000002", "n_bands"] == 2
    assert table.loc["syn-000002", "n_points"] == lcs.lengths[star].sum()  # none cleaned away


def test_save_load_gives_identical_probabilities(fitted, curves, tmp_path) -> None:
    lcs = mixed(curves)
    fitted.save(tmp_path / "model")
    loaded = Classifier.load(tmp_path / "model")
    assert loaded.classes_.tolist() == CLASSES
    assert loaded.tokens == TOKENS
    np.testing.assert_array_equal(loaded.predict_proba(lcs), fitted.predict_proba(lcs))
    assert (loaded.predict(lcs) == fitted.predict(lcs)).all()
    # Its training settings come back: a clone trains as the saved model was trained.
    assert clone(loaded).run_config().train == fitted.run_config().train
    assert loaded.model.n_extra is None  # a size the data gives, as in an unfitted one


def test_fit_needs_labels(curves) -> None:
    unlabelled = curves.with_labels(None)
    clf = Classifier(ModelConfig(name="encoder", emb=8, heads=2), tokens=TOKENS, epochs=1)
    with pytest.raises(ValueError, match="labels"):
        clf.fit(unlabelled)
    with pytest.raises(NotFittedError, match="not fitted"):
        clf.predict(curves)


def test_fit_with_y_and_too_short_curves(curves) -> None:
    y = curves.labels.copy()
    short = Classifier(ModelConfig(name="encoder", emb=8, heads=2),
                       tokens=TokenConfig(window=60, stride=30), epochs=1)
    with pytest.raises(NothingToTrainError, match="0 samples in 0 class") as caught:
        short.fit(curves.with_labels(None), y)
    message = str(caught.value)  # one line: what was dropped, and what keeps the curves
    assert "\n" not in message and "curves dropped: shorter_than_window 30" in message
    assert message.endswith("a shorter --window, --pad-short, or the default periodic model "
                            "(star views, no windows) keeps those curves (in Python: "
                            "tokens=TokenConfig(window=...) or TokenConfig(pad_short=True), "
                            "or Classifier())")


# ---------------------------------------------------------------------- scikit-learn contract
QUICK = {"model": ModelConfig(name="encoder", emb=8, heads=2), "tokens": TOKENS,
         "train": TrainConfig(epochs=1, batch_size=32, lr=5e-3, device="cpu")}


def test_params_are_stored_verbatim_and_clone_keeps_them() -> None:
    clf = Classifier(**QUICK, epochs=3, seed=4)
    params = clf.get_params()
    assert params["epochs"] == 3 and params["seed"] == 4 and params["train"] is QUICK["train"]
    twin = clone(clf)
    assert twin is not clf and twin.get_params() == params
    # The shortcuts replace those of `train` when the run is made, not when stored.
    run = twin.set_params(epochs=5).run_config()
    assert run.train.epochs == 5 and run.train.seed == 4 and run.train.batch_size == 32
    # Defaults: those of the CLI and files, the default model's registry preset.
    assert Classifier().run_config() == RunConfig.for_model(ModelConfig().name)
    with pytest.raises(ValueError, match="val_fraction"):
        Classifier(val_fraction=1.5).fit(make_synthetic(SyntheticConfig(n_per_class=2)))


def test_cross_val_score_and_pipeline(curves) -> None:
    samples = StarSamples(curves)
    y = curves.star_table()["label"].to_numpy()
    assert len(samples) == 30 and star_ids(samples[[3, 1]]).tolist() == ["syn-000003",
                                                                          "syn-000001"]
    # A table of points, and no star at all (no AttributeError, no IndexError)
    from_table = StarSamples(curves.to_frame())
    assert len(from_table) == 30 and star_ids(from_table[[3, 1]]).tolist() == [
        "syn-000003", "syn-000001"]
    assert samples[[]].n_curves == 0
    scores = cross_val_score(Classifier(**QUICK), samples, y, cv=2)
    assert scores.shape == (2,) and ((scores >= 0) & (scores <= 1)).all()
    # A pipeline from a long table (one row per point) to classes, fitted with y per star.
    frame = curves.to_frame().drop(columns="class")
    pipe = make_pipeline(FunctionTransformer(as_light_curves), Classifier(**QUICK)).fit(frame, y)
    assert pipe.predict(frame).shape == (30,)
    assert set(pipe.predict(frame)) <= set(CLASSES)


def test_predicting_a_table_of_training_stars_says_so(fitted, curves) -> None:
    """The test part of a row-wise split (every star in both parts) gives 0.84 where
    stars held out give 0.79, and not only score says so; F1 and confusion go through predict."""
    frame = curves.select(np.array([4, 0])).to_frame()
    # (LcformerWarning: what a service filters alone)
    with pytest.warns(LcformerWarning, match=r"^predict: 2 of the 2 stars of this table were "
                                             r"fit on .*split StarSamples\(X\)"):
        fitted.predict(frame)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fitted.predict(curves.select(np.array([4, 0])))  # curves, not a table: not said


@pytest.mark.filterwarnings("ignore:predict. .* were fit on")  # the training stars
def test_predict_proba_takes_tables_and_orders_columns_by_classes(fitted, curves) -> None:
    from astropy.table import Table

    lcs = curves.select(np.array([4, 0]))
    expected = fitted.predict_proba(lcs)
    frame = lcs.to_frame()
    np.testing.assert_allclose(fitted.predict_proba(frame), expected, rtol=1e-6)
    np.testing.assert_allclose(fitted.predict_proba(Table.from_pandas(frame)), expected,
                               rtol=1e-6)
    as_frame = fitted.predict_frame(lcs)
    assert list(as_frame.columns) == fitted.classes_.tolist()
    assert as_frame.index.tolist() == ["syn-000004", "syn-000000"]
    with pytest.raises(TypeError, match="expected light curves"):
        fitted.predict_proba([1, 2, 3])


@pytest.mark.filterwarnings("ignore:predict. .* were fit on")  # the training stars
def test_a_star_whose_rows_are_all_flagged_is_listed_and_counted(fitted, curves) -> None:
    frame = curves.select(np.array([4, 0])).to_frame()
    frame["flag"] = (frame["id"] == "syn-000000").astype(int)
    with pytest.warns(UserWarning, match=r"^1 of 2 stars could not be classified"):
        result = fitted.predict_table(frame)
    assert result.table["id"].tolist() == ["syn-000004"]
    assert result.unclassified.to_dict("records") == [
        {"id": "syn-000000", "reason": "no point read (every row flagged, its fluxes no data "
                                       "or at or below zero, or none in the input)"}]
    assert result.report.points["flagged"] == int(frame["flag"].sum())
    with pytest.warns(UserWarning, match="could not be classified"):
        assert fitted.predict(frame)[1] == ""  # one answer a star, in order


def test_stars_unlike_the_training_stars_are_said(curves) -> None:
    """Classifier.predict of stars outside the training range says so, as the CLI does;
    the flags of a weak signal stay in the table."""
    trees = Classifier(epochs=0, progress=False).fit(curves)  # periodic's trees alone
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        flags = trees.predict_table(curves).table["flag"]
    assert "outside_training_range" not in set(flags)
    # (few stars: weak periods, under half of them, in the table alone)
    assert 0 < (flags != "").mean() < 0.5 and not [w for w in said
                                                   if "little signal" in str(w.message)]
    fainter = dataclasses.replace(curves, mag=curves.mag + 5.0)
    with pytest.warns(UserWarning) as said:
        table = trees.predict_table(fainter).table
    n = int((table["flag"] == "outside_training_range").sum())
    assert n > 20 and [str(w.message) for w in said] == [
        f"{n} of 30 stars are unlike the training stars ({n} outside_training_range; "
        f"V median magnitude: {n} stars), where a model can be confidently wrong: which, in "
        f"predict_table(X).table's flag column; why, in docs/scale.md"]
    # Noise alone: half or more of the stars flagged for too little signal is said too (a
    # flagged star here and there stays in the table).
    noise = dataclasses.replace(curves, mag=np.random.default_rng(0).normal(
        15.0, 0.1, len(curves.mag)).astype(curves.mag.dtype))
    with pytest.warns(UserWarning, match=r"^\d+ of 30 stars' labels rest on too little signal "
                                         r"or on an uncertain period \(\d+ "
                                         r"no_significant_period"):
        table = trees.predict_table(noise).table
    assert (table["flag"] != "").mean() >= 0.5


@pytest.mark.filterwarnings("ignore:curves in band")  # mixed(): a band the model lacks
def test_the_default_periodic_model_fits_saves_and_loads(curves, tmp_path) -> None:
    with pytest.warns(UserWarning, match=r"this ModelConfig keeps ModelConfig\(\)'s research "
                                         r"defaults where periodic's own differ: depth=1 "
                                         r"\(the model's: 2\), forest=0 \(the model's: 500\)"):
        clf = Classifier(ModelConfig(emb=8, heads=2), epochs=2,
                         train=TrainConfig(batch_size=16, device="cpu")).fit(curves)
    assert clf.metadata_["model"]["name"] == "periodic"
    assert clf.metadata_["prepare"]["inputs"] == "stars"
    lcs = mixed(curves)
    proba = clf.predict_proba(lcs)
    assert proba.shape == (5, 3) and np.isfinite(proba).all()  # the short star too
    table = clf.predict_table(lcs).table
    assert {"period", "power"} <= set(table.columns)
    loaded = Classifier.load(clf.save(tmp_path / "periodic"))
    np.testing.assert_allclose(loaded.predict_proba(lcs), proba, rtol=1e-6)


def test_integer_labels_keep_their_type_and_order_missing_ones_are_unlabelled(curves) -> None:
    """As scikit-learn's label-encoded y: classes_ [2, 10] (not "10", "2"), None unlabelled."""
    names = curves.star_table()["label"].to_numpy()
    y = np.array([{"car": 2, "sinusoid": 10}.get(n) for n in names], dtype=object)
    with pytest.warns(UserWarning, match=r"^fit: 10 of 30 curves were not trained on "
                                         r"\(curves dropped: no_label 10\); see \.report_$"):
        clf = Classifier(**QUICK).fit(curves.with_labels(None), y)
    assert clf.classes_.tolist() == [2, 10] and clf.classes_.dtype.kind == "i"
    assert set(clf.predict(curves)) <= {2, 10}
    proba = clf.predict_frame(curves)
    assert proba.columns.tolist() == [2, 10]
    labelled = StarSamples(curves)[np.flatnonzero(names != "gaussian_process")]
    truth = y[names != "gaussian_process"]  # ints: compared with ints, not with text
    assert clf.score(labelled, truth) == np.mean(clf.predict(labelled) == truth)


def test_labels_by_star_id_are_matched_by_id_not_position(curves, tmp_path) -> None:
    """A Series indexed by id (or a dict) in another order labels each star by its id; a
    column vector is one label per star; 1 and "1" cannot be two classes of one name."""
    names = curves.star_table()["label"].to_numpy()
    ids = star_ids(curves)
    unlabelled = curves.with_labels(None)
    # pd.read_csv(labels, index_col="id") is a DataFrame of one column whose index is the
    # ids: read by them (by position, the labels are scrambled).
    by_id = pd.DataFrame({"class": names}, index=pd.Index(ids, name="id"))[::-1]
    for y in (pd.Series(names, index=ids)[::-1], dict(zip(ids[::-1], names[::-1],
                                                          strict=True)), names[:, None], by_id):
        np.testing.assert_array_equal(_labels_per_curve(unlabelled, y), names)
    assert star_ids(curves.to_frame()).tolist() == ids.tolist()  # of a table too
    clf = Classifier(**QUICK, val_fraction=0.3).fit(unlabelled, pd.Series(names, index=ids))
    assert clf.classes_.tolist() == CLASSES and clf.report_.n_curves_dropped == 0
    with pytest.raises(ConfigError, match="2 of 30 stars have no label"):
        clf.fit(curves.with_labels(None), pd.Series(names, index=ids)[2:])
    with pytest.raises(ConfigError, match="two classes of one name"):
        clf.fit(curves.with_labels(None), np.array([1, "1"] * 15, dtype=object))
    with pytest.raises(ConfigError, match="got shape"):
        clf.fit(curves.with_labels(None), np.stack([names, names], axis=1))
    assert Classifier.load(clf.save(tmp_path / "model")).val_fraction == 0.3  # kept


def test_score_counts_an_unclassified_star_as_wrong_with_number_classes(curves) -> None:
    """predict gives None for it, which scikit-learn's accuracy_score could not sort."""
    names = curves.star_table()["label"].to_numpy()
    y = np.array([CLASSES.index(n) for n in names])
    clf = Classifier(**QUICK).fit(curves.with_labels(None), y)
    lcs = mixed(curves.with_labels(None))
    truth = np.array([0, 1, 2, 0, 1])
    predicted = clf.predict(lcs)
    assert predicted[3] is None  # "tiny": too short
    assert clf.score(lcs, truth) == np.mean([p == t for p, t in zip(predicted, truth,
                                                                    strict=True)])
    # Numbers by value, as scikit-learn compares them (float labels of an int model's
    # classes would score 0.0), and text read from a table by the number it spells
    expected = clf.score(lcs, truth)
    assert expected > 0
    assert clf.score(lcs, truth.astype(float)) == expected
    assert clf.score(lcs, truth.astype(str)) == expected
    assert clf.score(lcs, (truth + 5).astype(float)) == 0.0


def test_score_refuses_stars_without_a_label_from_a_table_as_from_y(fitted, curves) -> None:
    """A table's unlabelled stars ("" in its class column) are not counted as wrong."""
    frame = curves.to_frame()
    frame.loc[frame["id"].isin(star_ids(curves)[:15]), "class"] = np.nan
    with pytest.raises(ConfigError, match="15 of 30 have none"):
        fitted.score(frame, None)
    with pytest.raises(ConfigError, match="score needs labels"):
        fitted.score(curves.with_labels(None), None)
    with pytest.raises(ConfigError, match=r"one weight per star \(30\), got shape \(3,\)"):
        fitted.score(curves, None, sample_weight=np.ones(3))


def test_a_series_whose_default_index_could_be_the_ids_is_refused(curves) -> None:
    """Stars named 0..N-1 in another order: y.reset_index() would be read by position."""
    names = curves.star_table()["label"].to_numpy()
    renamed = curves.to_frame()
    order = {star: str(k) for k, star in enumerate(star_ids(curves)[::-1])}
    renamed["id"] = renamed["id"].map(order)
    by_position = pd.Series(names)  # index 0..29, the stars' names too, in another order
    with pytest.raises(ConfigError, match="could be the star ids or row numbers"):
        _labels_per_curve(as_light_curves(renamed.drop(columns="class")), by_position)
    same = curves.to_frame().assign(id=lambda f: f["id"].map(
        {star: str(k) for k, star in enumerate(star_ids(curves))}))
    np.testing.assert_array_equal(  # where ids and positions agree, nothing to refuse
        _labels_per_curve(as_light_curves(same.drop(columns="class")), by_position), names)
    # What a splitter leaves of a default index (rows 0-4, 15-29) is row numbers too.
    picked = np.r_[0:5, 15:30]
    np.testing.assert_array_equal(_labels_per_curve(
        as_light_curves(StarSamples(curves)[picked]).with_labels(None),
        pd.Series(names).iloc[picked]), names[picked])
    # Integer star ids 1..30: a split's rows (0-4, 15-29) partly name stars, so in order;
    # rows that happen to be exactly the split's ids, but another star's row each: refused.
    numbered = curves.to_frame().assign(id=lambda f: f["id"].map(
        {star: str(k + 1) for k, star in enumerate(star_ids(curves))}))
    split = as_light_curves(StarSamples(as_light_curves(numbered.drop(columns="class")))[picked])
    np.testing.assert_array_equal(_labels_per_curve(split, pd.Series(names).iloc[picked]),
                                  names[picked])
    rows = np.array([1, 2, 4])  # stars "2", "3", "5"
    few = as_light_curves(StarSamples(as_light_curves(numbered.drop(columns="class")))[rows])
    # A Series by integer star id (set_index) for some of the stars: read by id.
    by_id = pd.Series(names, index=np.arange(1, 31))
    np.testing.assert_array_equal(_labels_per_curve(few, by_id), names[rows])
    # A named index (set_index("id")) is ids, as text ids are: a part of it is refused.
    named = pd.Series(names, index=pd.Index(np.arange(1, 31), name="id"))
    with pytest.raises(ConfigError, match="stars have no label"):
        _labels_per_curve(few, named.iloc[[0, 1, 2]])  # stars 1-3; few holds 2, 3 and 5
    # Per curve, for stars 0, 1, 2 in two bands each: index 0-5 could be ids (with more stars
    # than these) or rows, and the readings disagree; a Series by id with more stars, whose
    # length is the number of curves by chance, the same. Neither is guessed.
    two = LightCurves.from_list([(str(k // 2), "gr"[k % 2], *curves.curve(k)) for k in
                                 range(6)])
    with pytest.raises(ConfigError, match="could be the star ids or row numbers"):
        _labels_per_curve(two, pd.Series(list("AABBCC")))
    np.testing.assert_array_equal(_labels_per_curve(two, list("AABBCC")), list("AABBCC"))
    five = LightCurves.from_list([(star, band, *curves.curve(k)) for k, (star, band) in
                                  enumerate([("1", "g"), ("1", "r"), ("2", "g"), ("2", "r"),
                                             ("3", "g")])])
    with pytest.raises(ConfigError, match="could be the star ids or row numbers"):
        _labels_per_curve(five, pd.Series({1: "A", 2: "A", 3: "B", 4: "B", 5: "C"}))
    # Stars "1", "3", "0" and a split's rows 0, 1, 3: both readings fit, and disagree.
    odd = LightCurves.from_list([(star, "V", *curves.curve(k)) for k, star in
                                 enumerate(["1", "3", "0"])])
    with pytest.raises(ConfigError, match="could be the star ids or row numbers"):
        _labels_per_curve(odd, pd.Series(["a", "b", "c"], index=[0, 1, 3]))
    with pytest.raises(ConfigError, match="not per point"):
        _labels_per_curve(curves.with_labels(None), curves.to_frame()["class"].to_numpy())


def test_a_table_of_many_stars_needs_their_ids(fitted, curves) -> None:
    """An astropy table whose id column has another name is not one star of pooled points,
    nor are ids 1 and "1" one star."""
    from astropy.table import Table

    frame = curves.to_frame().rename(columns={"id": "source_id"})
    with pytest.raises(InputError, match="no 'id' column among"):
        fitted.predict(Table.from_pandas(frame))
    mixed_ids = curves.to_frame()
    mixed_ids["id"] = np.where(mixed_ids["id"] == "syn-000001", 1, mixed_ids["id"])
    mixed_ids.loc[mixed_ids["id"] == "syn-000002", "id"] = "1"
    with pytest.raises(InputError, match="ids 1 and '1' have the same text"):
        fitted.predict(mixed_ids)


def test_integer_labels_survive_save_and_load(curves, tmp_path) -> None:
    """A loaded model predicts y's own values (2, 10), in their order, not their text."""
    names = curves.star_table()["label"].to_numpy()
    y = np.array([{"car": 2, "sinusoid": 10}.get(n, 7) for n in names])
    clf = Classifier(**QUICK).fit(curves, y)
    loaded = Classifier.load(clf.save(tmp_path / "model"))
    assert loaded.classes_.tolist() == [2, 7, 10] and loaded.classes_.dtype.kind == "i"
    assert loaded.predict_frame(curves).columns.tolist() == [2, 7, 10]
    np.testing.assert_array_equal(loaded.predict(curves), clf.predict(curves))
    assert loaded.score(curves, y) == clf.score(curves, y)


def test_star_view_settings_are_parameters_and_survive_save_and_load(curves, tmp_path) -> None:
    """A loaded model, cloned and fitted again, prepares its stars as the saved one did
    (its folding, points per sample, period search and features kept)."""
    from lcformer.data.periods import PeriodConfig
    from lcformer.data.views import ViewConfig

    clf = Classifier(RunConfig.for_model("periodic").model.replace(emb=8, heads=2, forest=0,
                                                                    boosting=0), epochs=1,
                     train=TrainConfig(batch_size=16, device="cpu"),
                     views=ViewConfig(fold="period", max_obs=32),
                     periods=PeriodConfig(min_period=0.5), features=False)
    prepared = clf.prepare_config()
    assert (prepared.views.max_obs, prepared.periods.min_period, prepared.features) == (
        32, 0.5, False)
    clf.fit(curves)
    loaded = Classifier.load(clf.save(tmp_path / "views"))
    assert clone(loaded).prepare_config() == prepared
    assert Classifier().prepare_config().features is True  # None: the default


def test_star_view_settings_for_a_window_model_are_refused(curves) -> None:
    """Ignored, they would make a grid search over `features` fit one model twice."""
    from lcformer.errors import ConfigError

    with pytest.raises(ConfigError, match="encoder reads token windows, and features"):
        Classifier(ModelConfig(name="encoder", emb=8, heads=2), tokens=TOKENS,
                   features=False).fit(curves)


def test_labels_per_curve_must_agree_within_a_star(curves) -> None:
    """syn-000002 has two curves (V and R): one label each is fine when they agree."""
    lcs = mixed(curves)
    assert lcs.n_curves == 6 and len(star_ids(lcs)) == 5
    same = ["a", "b", "c", "d", "b", "e"]  # rows 1 and 4: syn-000002's two curves
    assert list(_labels_per_curve(lcs, same)) == same
    with pytest.raises(ConfigError, match="star 'syn-000002' has curves of different classes"):
        _labels_per_curve(lcs, ["a", "b", "c", "d", "x", "e"])


def test_fluxes_given_as_magnitudes_are_refused_as_on_the_command_line(curves) -> None:
    # Read as magnitudes, most would be dropped as no-data values and the rest classified.
    frame = curves.to_frame()
    frame["mag"] = 10 ** (-0.4 * (frame["mag"] - 8.9)) * 1e6  # microjansky
    in_flux = LightCurves.from_arrays(curves.ids, curves.bands, curves.lengths, curves.time,
                                      frame["mag"].to_numpy(), curves.err)
    for data, name in ((frame, "the DataFrame"), (in_flux, "the LightCurves"),
                       (StarSamples(in_flux), "the StarSamples")):
        with pytest.raises(InputError, match=f"{name}: 100% of the magnitudes .* look like "
                                             f"fluxes; convert them to magnitudes first"):
            as_light_curves(data)
    assert as_light_curves(curves) is curves  # magnitudes pass as they are


def test_fit_on_nothing_and_save_onto_a_file_say_so(fitted, tmp_path) -> None:
    empty = pd.DataFrame({"id": [], "time": [], "mag": [], "err": [], "class": []})
    with pytest.raises(NothingToTrainError, match="holds no light curve"):
        Classifier(**QUICK).fit(empty)
    a_file = tmp_path / "model.txt"
    a_file.write_text("")
    with pytest.raises(ConfigError, match=r"model\.txt: is a file; Classifier\.save writes a "
                                          "folder"):
        fitted.save(a_file)


def test_y_that_disagrees_with_a_class_column_is_warned_of_a_renaming_is_not() -> None:
    names = ["a", "b", "c", "d"]
    lcs = LightCurves.from_list([(n, "V", np.arange(5.0), np.ones(5), np.full(5, 0.1))
                                 for n in names], labels=["rr", "rr", "rr", "ceph"])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # renamed, or merged: nothing to say
        assert _with_labels(lcs, [1, 1, 1, 2])[0].labels.tolist() == ["1", "1", "1", "2"]
        _with_labels(lcs, ["var"] * 4)
    with pytest.warns(UserWarning, match=r"y disagrees with the labels the curves carry for 1 "
                                         r"star\(s\) \(first: 'c', labelled 'rr', y 'ceph', "
                                         r"where most 'rr' stars have y 'rr'\); y is used"):
        labelled, _ = _with_labels(lcs, ["rr", "rr", "ceph", "ceph"])  # c relabelled
    assert labelled.labels.tolist() == ["rr", "rr", "ceph", "ceph"]
    # y shuffled: most 'rr' stars get 'ceph', so 'a' (y 'rr') is the odd one: the line says
    # what most of its label's stars have, which is what is wrong.
    with pytest.warns(UserWarning, match=r"first: 'a', labelled 'rr', y 'rr', where most "
                                         r"'rr' stars have y 'ceph'"):
        _with_labels(lcs, ["rr", "ceph", "ceph", "rr"])


# ---------------------------------------------------------------------- what a researcher tried
def test_cross_val_score_without_y_scores_by_the_curves_labels(curves, fitted) -> None:
    """scikit-learn calls score(X) when y is None: the labels the curves carry."""
    assert fitted.score(curves) == fitted.score(curves, curves.star_table()["label"])
    scores = cross_val_score(Classifier(**QUICK), StarSamples(curves), cv=2,
                             error_score="raise")
    assert scores.shape == (2,) and np.isfinite(scores).all()


def test_a_star_sampled_twice_is_refused_not_merged(curves) -> None:
    samples = StarSamples(curves)
    with pytest.raises(ConfigError, match="a star is taken twice"):
        samples[[0, 0, 1]]
    with pytest.raises(ConfigError, match="a star's curve is given twice"):  # sklearn's way
        as_light_curves([samples[0], samples[0], samples[1]])
    assert star_ids(as_light_curves([samples[0], samples[1]])).tolist() == [
        "syn-000000", "syn-000001"]
    assert star_ids(samples[np.arange(30) < 2]).tolist() == ["syn-000000", "syn-000001"]


@pytest.mark.parametrize(("y", "words"), [
    ([1, 1.0, 2], "mixes integer and float classes"),
    ([0.37, 1.2, 5.5], "looks continuous"),
    ([1.0, np.inf, 2.0], "looks continuous"),
])
def test_class_values_that_are_no_classes_are_refused(curves, y, words) -> None:
    per_star = np.resize(np.array(y, dtype=object), 30)
    with pytest.raises(ConfigError, match=words):
        Classifier(**QUICK).fit(curves.with_labels(None), per_star)


def test_an_unfitted_classifier_says_so_before_reading_its_input() -> None:
    for call in ("predict", "predict_proba", "score"):
        with pytest.raises(NotFittedError):
            getattr(Classifier(), call)("not light curves")


def test_probabilities_sum_to_one_in_float64(curves, fitted) -> None:
    proba = fitted.predict_proba(curves)
    assert proba.dtype == np.float64
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=0, atol=1e-12)  # float32: ~6e-8


def test_a_train_config_of_research_defaults_is_warned_of_with_its_epochs_given() -> None:
    """Said once, when fitting (here on nothing, which stops the fit right after)."""
    empty = pd.DataFrame({"id": [], "time": [], "mag": [], "class": []})

    def fit(clf: Classifier) -> None:
        with pytest.raises(NothingToTrainError):
            clf.fit(empty)

    with pytest.warns(UserWarning, match=r"this TrainConfig keeps TrainConfig\(\)'s research "
                                         r"defaults.*batch_size=256 \(the model's: 32\)"):
        fit(Classifier(train=TrainConfig(epochs=3, device="cpu")))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(Classifier(epochs=3))  # the model's own
        fit(Classifier(train=TrainConfig(epochs=3, batch_size=16)))  # chosen
        fit(Classifier("encoder", epochs=3))  # a research model's are its own
        Classifier(train=TrainConfig(epochs=3)).set_params(train__lr=0.01)  # not fitting


def test_numpy_numbers_are_parameters_and_wrong_types_are_config_errors() -> None:
    """GridSearchCV over np.arange gives np.int64(20), an integer. Wrong types are config
    errors: not an AttributeError from get_params (which does not raise) for train=1.5, a
    TypeError for views="time" with views__max_obs, scikit-learn's error for a seed of 2**40."""
    clf = Classifier(epochs=np.int64(0), seed=np.int64(3))
    clf.set_params(model__forest=np.arange(20, 30)[0], train__lr=np.float32(0.01))
    run = clf.run_config()
    assert (run.model.forest, run.train.epochs, run.train.seed) == (20, 0, 3)
    assert type(run.model.forest) is int and type(run.train.lr) is float
    bad = Classifier(train=1.5)
    assert bad.get_params(deep=True)["train"] == 1.5  # said by fit, not by get_params
    with pytest.raises(ConfigError, match=r"train must be a TrainConfig or None, got 1.5"):
        bad.run_config()
    with pytest.raises(ConfigError, match=r"views must be a ViewConfig or None, got 'time'"):
        Classifier(views="time").set_params(views__max_obs=64)
    with pytest.raises(ConfigError, match=r"seed must be below 2\*\*32"):
        Classifier(seed=2**40).run_config()
    with pytest.raises(ConfigError, match=r"seed must be below 2\*\*32 - 1 for an ensemble "
                                          r"of 2"):  # its second member's seed
        Classifier(seed=2**32 - 1).set_params(model__ensemble=2).run_config()
    with pytest.raises(ConfigError, match=r"views must be a ViewConfig \(or a table of its "
                                          r"settings\), got TokenConfig"):
        Classifier(views=TokenConfig()).prepare_config()
    with pytest.raises(ConfigError, match=r"model must be a name or a ModelConfig, got "
                                          r"TrainConfig"):
        Classifier(model=TrainConfig()).set_params(model__forest=3)


def test_set_params_reaches_inside_the_configs_as_grid_search_names_them() -> None:
    clf = Classifier(epochs=3).set_params(train__batch_size=16, model__emb=32,
                                          views__fold="time")
    run = clf.run_config()
    assert (run.train.batch_size, run.train.epochs, run.model.emb) == (16, 3, 32)
    assert run.model.forest == RunConfig.for_model("periodic").model.forest  # the default's
    assert clf.views.fold == "time" and clone(clf).get_params()["train"].batch_size == 16
    with pytest.raises(ConfigError, match="names no config"):
        clf.set_params(foo__x=1)
    # GridSearchCV's train__epochs reaches the epochs shortcut that would override it.
    assert clf.set_params(train__epochs=7, train__seed=3).run_config().train.epochs == 7
    assert clf.run_config().train.seed == 3 and clf.epochs == 7
    # Another model starts from its own defaults, not the last model's trees; the same name
    # keeps the model's settings; the model is set before the training, whatever the order.
    assert clf.set_params(model__name="periodic").run_config().model.emb == 32
    encoder = clf.set_params(train__lr=0.01, model__name="encoder").run_config()
    assert encoder.model == RunConfig.for_model("encoder").model
    assert encoder.train.lr == 0.01 and encoder.train.batch_size == 16  # its own train kept


def test_deep_params_name_every_setting_set_params_takes() -> None:
    """scikit-learn's convention: set_params takes the names get_params(deep=True) gives;
    a name that is none of them is a ValueError naming it, as scikit-learn's own."""
    clf = Classifier(epochs=3).set_params(train__lr=0.01)
    deep = clf.get_params(deep=True)
    assert deep["train__lr"] == 0.01 and deep["train__epochs"] == 3
    assert deep["model__forest"] == RunConfig.for_model("periodic").model.forest
    assert set(clf.get_params(deep=False)) < set(deep)
    nested = {k: v for k, v in deep.items() if "__" in k}
    again = clone(clf).set_params(**nested).get_params(deep=True)
    assert {k: v for k, v in again.items() if "__" in k} == nested
    # A given TrainConfig with the shortcuts set: shown as fit uses it (not its own 1 and 1)
    given = Classifier(train=RunConfig.for_model("periodic").train.replace(epochs=1, seed=1),
                       epochs=0, seed=7).get_params(deep=True)
    assert (given["train__epochs"], given["train__seed"]) == (0, 7)
    with pytest.raises(ValueError, match=r"invalid parameter train__bogus .*TrainConfig has "
                                         r"no 'bogus'"):
        clf.set_params(train__bogus=1)
    # A value a fit would refuse does not make get_params raise (scikit-learn's rule).
    assert "train__lr" not in Classifier(model=3).get_params(deep=True)
    assert "views__fold" not in Classifier(views="time").set_params(seed=1).get_params()
    # The sizes the data gives are no settings (set_params(model__n_classes=7) would be
    # reported back by get_params, and ignored by the fit).
    assert not {k for k in deep if k.removeprefix("model__") in ("n_classes", "n_extra")}
    with pytest.raises(ConfigError, match=r"model__n_classes is not a setting: the data "
                                          r"gives it"):
        clf.set_params(model__n_classes=7)


def test_tags_say_x_is_not_a_2d_array_and_y_may_be_left_out() -> None:
    tags = Classifier().__sklearn_tags__()
    assert not tags.input_tags.two_d_array and not tags.target_tags.required


def test_an_array_as_x_is_refused_with_how_to_make_light_curves() -> None:
    with pytest.raises(TypeError, match=r"got ndarray; make them from arrays with "
                                        r"LightCurves.from_list"):
        as_light_curves(np.zeros((3, 4)))
    with pytest.raises(TypeError, match=r"got str; a file or folder: read it first"):
        as_light_curves("stars.csv")
    with pytest.raises(TypeError, match=r"got list; per-star tables: pd.concat"):
        as_light_curves([pd.DataFrame({"time": [1.0]})])
    with pytest.raises(TypeError, match=r"got list; make them from arrays with "
                                        r"LightCurves.from_list"):  # not a bare TypeError
        as_light_curves([("a", "V", 1.0, 12.0, 0.1), ("a", "V", 2.0, 12.1, 0.1)])


def test_a_training_made_for_another_model_is_warned_of() -> None:
    """set_params(train__lr=...) fills in the periodic model's training; a grid's later
    model="encoder" kept its batch 32, cosine schedule and patience without a word."""
    empty = pd.DataFrame({"id": [], "time": [], "mag": [], "class": []})
    clf = Classifier(epochs=3).set_params(train__lr=5e-4).set_params(model="encoder")
    with pytest.warns(UserWarning, match=r"keeps the periodic model's defaults where "
                                         r"encoder's own differ: batch_size=32 \(encoder's: "
                                         r"256\)"):
        with pytest.raises(NothingToTrainError):
            clf.fit(empty)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(NothingToTrainError):  # one setting chosen: taken as given
            clf.set_params(train__batch_size=64).fit(empty)


def test_fitting_on_a_datasets_own_test_stars_is_warned_of(curves) -> None:
    splits = np.where(np.arange(curves.n_curves) < 4, "test", "train")
    with pytest.warns(UserWarning, match=r"fit: 4 of the stars are in their dataset's own "
                                         r"test split"):
        Classifier(**QUICK).fit(dataclasses.replace(curves, splits=splits))


def test_a_label_per_point_and_an_unread_flag_column_are_said(curves) -> None:
    frame = curves.to_frame()
    with pytest.raises(ConfigError, match=r"y has one label per point \(1260\)"):
        Classifier(**QUICK).fit(frame.drop(columns="class"), frame["class"])
    # Star ids 0, 1, ... are row numbers too: still refused, not read by id.
    numbered = frame.assign(id=pd.factorize(frame["id"])[0].astype(str))
    with pytest.raises(ConfigError, match=r"y has one label per point"):
        Classifier(**QUICK).fit(numbered.drop(columns="class"), numbered["class"])
    # ... and where reading dropped a row (a flagged point): y is as long as the table.
    flagged = numbered.assign(flag=(np.arange(len(numbered)) == 5).astype(int))
    with pytest.raises(ConfigError, match=r"y has one label per point \(1260\)"):
        Classifier(**QUICK).fit(flagged.drop(columns="class"), flagged["class"])
    from astropy.table import Table  # an astropy table of points, and score, alike

    with pytest.raises(ConfigError, match=r"y has one label per point \(1260\)"):
        Classifier(**QUICK).fit(Table.from_pandas(flagged.drop(columns="class")),
                                flagged["class"])
    with pytest.warns(UserWarning, match=r"'catflags' looks like a quality flag and is not "
                                         r"read.*Columns\(flag='catflags'\)"):
        as_light_curves(frame.assign(catflags=1))
    with pytest.warns(UserWarning, match=r"'catflags' looks like a quality flag"):
        as_light_curves(Table.from_pandas(frame.assign(catflags=1)))
    # A magnitude column declared in a flux's unit is refused, as the command refuses it.
    import astropy.units as u

    in_flux = Table.from_pandas(frame)
    in_flux["mag"].unit = u.mJy
    with pytest.raises(InputError, match=r"the Table: its magnitude column is in a flux's unit"):
        as_light_curves(in_flux)
    # Beside the flag column read, only the other is named (not 'read flag with flag').
    with pytest.warns(UserWarning, match=r"^'catflags' looks like a quality "
                                         r"flag.*Columns\(flag='catflags'\)"):
        as_light_curves(frame.assign(flag=0, catflags=1))


def test_every_top_level_name_resolves() -> None:
    import lcformer

    for name in lcformer.__all__:
        assert getattr(lcformer, name) is not None, name


def test_fluxes_read_in_python_as_the_cli_reads_them() -> None:
    """docs/api.md's recipe: a DataFrame of fluxes (nJy) to the magnitudes --flux gives."""
    from lcformer import Columns, DropReport, flux_to_magnitudes, read_long_table

    flux = np.array([1000.0, 1200.0, 900.0, 1100.0]) * 1e3  # about 16.4 mag
    frame = pd.DataFrame({"diaObjectId": "7", "midpointMjdTai": np.arange(4.0),
                          "scienceFlux": flux, "scienceFluxErr": 100.0})
    curves = read_long_table(frame, columns=Columns(id="diaObjectId", time="midpointMjdTai",
                                                    mag="scienceFlux", err="scienceFluxErr"))
    report = DropReport()
    mags = flux_to_magnitudes(curves, zero_point=31.4, report=report).mag
    np.testing.assert_allclose(mags, 31.4 - 2.5 * np.log10(flux), atol=1e-6)
    assert not report.points


def test_scoring_stars_fit_on_is_warned_of_as_a_row_split_table_does(curves) -> None:
    """scikit-learn's splitters cut a table of points by row, so every star is in both
    parts (cross_val_score on a DataFrame gives 0.79-0.86, inflated): said; StarSamples
    split by star, and say nothing."""
    from sklearn.model_selection import KFold

    frame = curves.to_frame()
    with pytest.warns(UserWarning, match=r"score: \d+ of the 30 stars of this table were fit "
                                         r"on \(the same ids\): a training score"):
        cross_val_score(Classifier(**QUICK), frame, None, cv=KFold(2, shuffle=True,
                                                                   random_state=0))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "score: .* were fit on")
        cross_val_score(Classifier(**QUICK), StarSamples(curves),
                        curves.star_table()["label"].to_numpy(), cv=2)
        # A training score asked for (return_train_score, or score on the stars fit on)
        # is no mistake to warn of where the stars are split as stars.
        fitted = Classifier(**QUICK).fit(StarSamples(curves))
        fitted.score(StarSamples(curves))


def test_a_loaded_model_scoring_its_own_training_stars_says_so(curves, tmp_path) -> None:
    """Classifier.load(...).score(training table) gives 0.975: said, as by the
    session that fit it; the checkpoint knows its training stars by their points."""
    tiny = RunConfig.for_model("periodic").model.replace(emb=8, heads=2, forest=20,
                                                         boosting=10)
    clf = Classifier(tiny, train=RunConfig.for_model("periodic").train.replace(
        epochs=0, device="cpu")).fit(curves)  # (its 3 validation stars: not fingerprinted)
    loaded = Classifier.load(clf.save(tmp_path / "model"))
    with pytest.warns(UserWarning, match=r"score: 27 of the 30 stars have the points of the "
                                         r"model's own training or validation stars"):
        assert loaded.score(curves) == clf.score(curves)
    other = make_synthetic(SyntheticConfig(n_per_class=4, num=84, seed=1))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "score: .* training or validation stars")
        loaded.score(other)


def test_a_sorted_or_shuffled_labels_column_beside_a_table_is_refused(curves) -> None:
    """A labels file's class column, sorted or shuffled, keeps its row numbers: read in order
    beside a table (no splitter cut it), 17-38% of the stars got their own label, silently.
    In row order, as the file lists the stars, it is read as before."""
    frame = curves.to_frame().drop(columns="class")
    labels = curves.star_table()[["id", "label"]].set_axis(np.arange(100, 130))  # file rows
    lcs = as_light_curves(frame)
    np.testing.assert_array_equal(_labels_per_curve(lcs, labels["label"], len(frame)),
                                  labels["label"].to_numpy())
    shuffled = labels.sample(frac=1, random_state=0)["label"]
    with pytest.raises(ConfigError, match=r"^y's index is neither the star ids nor in row "
                                          r"order \(sorted, shuffled or concatenated\?\)"):
        _labels_per_curve(lcs, shuffled, len(frame))
    # Integer star ids, shuffled, one missing: that star's label is what is said to be absent.
    numbered = frame.assign(id=frame["id"].map({s: k + 1000 for k, s in
                                                 enumerate(star_ids(curves))}))
    by_number = pd.Series(labels["label"].to_numpy(), index=np.arange(1000, 1030))
    with pytest.raises(ConfigError, match=r"^y, by star id: 1 of 30 stars have no label"):
        _labels_per_curve(as_light_curves(numbered), by_number.sample(frac=1, random_state=0)
                          .iloc[1:], len(frame))
    # By id, or as an array: what the error says to give.
    by_id = labels.sample(frac=1, random_state=0).set_index("id")["label"]
    np.testing.assert_array_equal(_labels_per_curve(lcs, by_id, len(frame)),
                                  labels["label"].to_numpy())
    # Too few labels, by row number: said by their number, not as 30 stars without a label.
    with pytest.raises(ConfigError, match=r"^y has 10 labels for 30 stars \(30 curves\)"):
        _labels_per_curve(lcs, labels["label"].iloc[:10], len(frame))
    # Curves, not a table (a splitter's StarSamples slice): the rows it left, read in order.
    np.testing.assert_array_equal(_labels_per_curve(lcs, shuffled),
                                  shuffled.to_numpy())


def test_labels_that_give_every_star_its_own_class_are_refused(curves) -> None:
    """The star ids given as y trained a model of as many classes as stars (37 s, 502 of
    scikit-learn's warnings); a class with two stars or more is a classifier's task."""
    ids = star_ids(curves)
    with pytest.raises(ConfigError, match=r"^the labels give each of their 30 stars a class of "
                                          r"its own \(first: '"):
        Classifier(**QUICK).fit(curves.with_labels(None), ids)
    some = ids.copy()
    some[1] = some[0]  # one class of two stars: trainable as far as this check goes
    _with_labels(curves.with_labels(None), some)


def test_fit_leaves_the_callers_random_numbers_alone(curves) -> None:
    """A notebook's torch.manual_seed(1) before a fit: its next draw was the training's, the
    same whatever seed the user had set."""
    torch.manual_seed(1)
    expected = torch.rand(3)
    torch.manual_seed(1)
    Classifier(**QUICK).fit(curves)
    assert torch.equal(torch.rand(3), expected)


@pytest.mark.parametrize("ids", [["J053012.34-693215.2"], pd.Series([3, 4], index=[7, 8]),
                                 np.array(["syn-000001", "syn-000002"], dtype=object)])
def test_star_ids_given_as_x_are_told_to_be_points(ids: Any) -> None:
    """predict(list_of_ids) said only "got list"."""
    with pytest.raises(TypeError, match=r"got (list|Series|ndarray); star ids\? give their points: "
                                        r"the rows of your table of points whose id is one "
                                        r"of them \(X\[X\['id'\]\.isin\(ids\)\]\)$"):
        as_light_curves(ids)
    with pytest.raises(TypeError, match=r"got list$"):  # numbers: no ids
        as_light_curves([1.5, 2.5])
    with pytest.raises(TypeError, match=r"got list; files\? read them first"):
        as_light_curves(["stars/a.csv", "b.DAT"])


def test_y_in_an_order_that_may_not_be_the_tables_is_warned_of(curves) -> None:
    """One label per star is read in order of first appearance; a table whose stars do not
    come sorted by id gets a warning, since groupby's order (sorted) would mislabel them
    (0.27 against the truth)."""
    frame = curves.to_frame().drop(columns="class")
    y = curves.star_table().set_index("id")["label"]
    backwards = frame.iloc[::-1]
    with pytest.warns(UserWarning, match=r"y is read as one label per star in order of first "
                                         r"appearance"):
        _labels_per_curve(as_light_curves(backwards), y.to_numpy()[::-1], len(backwards),
                          _ids_sorted(backwards))
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "y is read as one label")
        _labels_per_curve(as_light_curves(frame), y.to_numpy(), len(frame),
                          _ids_sorted(frame))  # sorted ids
        _labels_per_curve(as_light_curves(backwards), y, len(backwards))  # by id
    # The order is the id column's own: text ids "1", "2", "10" sort as text.
    small = pd.DataFrame({"id": ["1", "1", "2", "10"], "time": [1.0, 2.0, 1.0, 1.0],
                          "mag": [12.0, 12.1, 13.0, 14.0]})
    with pytest.warns(UserWarning, match=r"y is read as one label per star"):
        _with_labels(as_light_curves(small), np.array(["a", "b", "c"]), len(small),
                     _ids_sorted(small))
    numbers = small.assign(id=[1, 1, 2, 10])
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "y is read as one label")
        _with_labels(as_light_curves(numbers), np.array(["a", "b", "c"]), len(numbers),
                     _ids_sorted(numbers))


@pytest.mark.filterwarnings("ignore:predict. .* were fit on")  # the training stars
def test_points_dropped_in_cleaning_are_said_at_fit_and_predict(curves, fitted) -> None:
    """Nothing lost without a word: the CLI prints the drop report, the API warns (a fifth
    of the points NaN, say)."""
    frame = curves.to_frame()
    frame.loc[frame.index[::5], "time"] = np.nan
    with pytest.warns(UserWarning, match=r"fit: \d[\d,]* points were dropped \(points "
                                         r"dropped: non_finite \d"):
        Classifier(**QUICK).fit(frame)
    with pytest.warns(UserWarning, match=r"predict: \d[\d,]* points were dropped .*see "
                                         r"predict_table\(X\).report"):
        fitted.predict(frame)


def test_a_runs_band_names_rename_the_bands_of_stars_to_predict(curves) -> None:
    """A run trained with --band-names reads new stars' bands so, in Python as in
    `lcformer predict` (else Classifier.load of such a run classifies none)."""
    trees_alone = RunConfig.for_model("periodic").train.replace(epochs=0, device="cpu")
    clf = Classifier(train=trees_alone).fit(curves)
    in_b = dataclasses.replace(curves, bands=np.full(curves.n_curves, "B", dtype=object))
    assert len(clf.predict_table(in_b).unclassified) == curves.n_stars  # the model knows V
    clf.metadata_["prepare"]["reading"]["band_names"] = ["B=V"]  # as --band-names B=V made
    predictions = clf.predict_table(in_b)
    assert len(predictions.table) == curves.n_stars and not len(predictions.unclassified)
    assert predictions.report.events["curves_band_renamed"] == curves.n_curves


def test_a_classifier_from_an_older_lcformer_warns_of_gaia_errors(fitted) -> None:
    """Gaia's flux_over_error gives errors since readers 6: a model whose training files
    were read by earlier readers learnt from points without them; predict_table says so, as
    lcformer predict does."""
    gaia = pd.DataFrame({"id": "g1", "time": np.arange(60.0),
                         "mag": 15 + 0.3 * np.sin(np.arange(60.0)),
                         "flux_over_error": np.full(60, 300.0)})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read by this lcformer: nothing to say
        fitted.predict_table(gaia)
    readers = fitted.metadata_["readers"]
    try:
        fitted.metadata_["readers"] = 5
        with pytest.warns(UserWarning, match=r"\(readers 5\), which left Gaia's points "
                                             r"without errors") as said:
            fitted.predict_table(gaia)
        assert said[0].filename == __file__  # the user's line
    finally:
        fitted.metadata_["readers"] = readers


def test_fitting_without_validation_stars_says_what_is_not_chosen() -> None:
    """val_fraction=0 with epochs >= 1 gives the network half the say beside the trees, a
    weight not chosen on any star (log-loss doubled): said."""
    curves = make_synthetic(SyntheticConfig(n_per_class=8, num=84))
    tiny = ModelConfig(emb=8, heads=2, forest=20, boosting=10)
    train = RunConfig.for_model("periodic").train.replace(device="cpu", batch_size=32)
    with pytest.warns(UserWarning, match=r"fit: no validation stars \(val_fraction=0\): the "
                                         r"epoch kept has the lowest training loss, and the "
                                         r"network's weight beside the trees is 0\.5, not "
                                         r"chosen"):
        Classifier(tiny, train=train.replace(epochs=1), val_fraction=0).fit(curves)
    with pytest.warns(UserWarning, match=r"no validation stars \(val_fraction=0\.05 held none "
                                         r"of the 24 stars out"):  # 0.4 a class: none
        Classifier(tiny, train=train.replace(epochs=1), val_fraction=0.05).fit(curves)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", "fit. no validation")  # the trees alone, or stars
        Classifier(tiny, train=train.replace(epochs=0), val_fraction=0).fit(curves)
        Classifier(tiny, train=train.replace(epochs=1), val_fraction=0.2).fit(curves)


def test_a_class_without_a_training_star_is_said(curves) -> None:
    """With val_fraction 0.6 a class of one star may go to validation; it stays in
    classes_ (a probability of 0 for every star): said."""
    y = curves.star_table()["label"].to_numpy().astype(object)
    y[0] = "lonely"
    with pytest.warns(UserWarning, match=r"fit: 'lonely' had no training star"):
        clf = Classifier(**{**QUICK, "val_fraction": 0.6}).fit(curves.with_labels(None), y)
    assert "lonely" in clf.classes_
