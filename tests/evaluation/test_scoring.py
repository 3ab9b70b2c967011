"""Scoring predictions against the input's labels: only stars new to the model are scored
(the run's test set, the input's own split, the run's stars under other ids), and what is not
scored is counted and said."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.data.lightcurves import LightCurves
from lcformer.evaluation.predict import predict_stars
from tests.evaluation.stars import labelled_stars, trained_stars_renamed


def test_predictions_are_scored_against_the_inputs_labels(periodic) -> None:
    from sklearn.metrics import accuracy_score, f1_score

    from lcformer.evaluation.predict import with_input_labels
    from lcformer.evaluation.scoring import label_scores

    lcs = labelled_stars()
    result = predict_stars(*periodic, lcs, device="cpu")
    before = result.table.copy()
    line = label_scores(result, lcs)
    pd.testing.assert_frame_equal(result.table, before)  # scoring adds no column
    table = with_input_labels(result.table, lcs).set_index("id")
    assert table.loc["mira-1", "label"] == "mira" and table.loc["nolabel", "label"] == ""
    scored = table[table["label"].isin(result.classes)]
    assert len(scored) == 18  # the 18 synthetic stars; "one" is not classified
    f1 = f1_score(scored["label"], scored["predicted"], average="macro")
    accuracy = accuracy_score(scored["label"], scored["predicted"])
    assert line is not None and line.startswith(
        f"against the input's labels: macro-F1 {f1:.3f}, accuracy {accuracy:.3f} on 18 "
        f"labelled stars classified")
    first, per_class = line.split("\n")
    called = table.loc["mira-1", "predicted"]  # what the model calls a class it lacks
    assert first.endswith("labelled stars not scored: 1 of classes the model was not trained "
                          f"on (mira; predicted as {called} 1) and 1 not classified; 1 star "
                          f"without a label")  # "nolabel": counted too
    each = f1_score(scored["label"], scored["predicted"], average=None,
                    labels=result.classes)
    assert per_class == "  F1 per class (stars): " + ", ".join(
        f"{c} {v:.3f} (6)" for c, v in zip(result.classes, each, strict=True))
    unlabelled = lcs.with_labels(None)
    assert label_scores(predict_stars(*periodic, unlabelled, device="cpu"), unlabelled) is None


def test_the_command_scores_a_labelled_folder(tiny_run, tmp_path, capsys) -> None:
    folder = tmp_path / "labelled"
    folder.mkdir()
    lcs = labelled_stars()
    lcs.to_frame().drop(columns=["class"], errors="ignore").to_parquet(
        folder / "lightcurves.parquet")
    lcs.star_table()[["id", "label"]].rename(columns={"label": "class"}).query(
        "`class` != ''").to_csv(folder / "labels.csv", index=False)
    out = tmp_path / "p.csv"
    assert main(["predict", str(tiny_run), str(folder), "--out", str(out), "--device", "cpu",
                 "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "against the input's labels: macro-F1 " in printed
    assert pd.read_csv(out, keep_default_na=False).set_index("id").loc["mira-1", "label"] \
        == "mira"


def test_only_the_inputs_test_split_is_scored_and_unknown_classes_alone_give_no_score(
        periodic) -> None:
    """A labelled input with a test split (e.g. a dataset the model was trained on) is scored
    on its test stars only; labels of classes the model does not know give counts, no NaN."""
    from lcformer.evaluation.predict import with_input_labels
    from lcformer.evaluation.scoring import label_scores

    lcs = labelled_stars()
    splits = np.where(np.arange(lcs.n_curves) % 3 == 0, "test", "train").astype(object)
    split = LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time, lcs.mag, lcs.err,
                        lcs.labels, splits)
    result = predict_stars(*periodic, split, device="cpu")
    line = label_scores(result, split)
    table = with_input_labels(result.table, split).set_index("id")
    test = table[table.index.isin(np.asarray(lcs.ids)[splits == "test"])
                 & table["label"].isin(result.classes)]
    assert 0 < len(test) < 18
    assert f"on {len(test)} labelled stars outside the input's train split classified" in line
    assert (table["label"] != "").sum() == 19  # every label is written, whatever its split
    # and each star's split, as partitions' outputs have it
    expected = dict(zip(np.asarray(lcs.ids), splits, strict=True))
    assert table["split"].to_dict() == {i: expected[i] for i in table.index}
    # A split value that is none of train/val/test ('training') is not taken for new stars.
    odd = LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time, lcs.mag, lcs.err, lcs.labels,
                      np.where(splits == "train", "training", splits).astype(object))
    line = label_scores(predict_stars(*periodic, odd, device="cpu"), odd)
    assert (f"on {len(test)} labelled stars outside the input's train split (not scored: "
            f"those of split 'training', neither train, val nor test) classified") in line

    mira = LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time, lcs.mag, lcs.err,
                       np.full(lcs.n_curves, "mira", dtype=object))
    line = label_scores(predict_stars(*periodic, mira, device="cpu"), mira)
    assert "nan" not in line and line.startswith(
        "against the input's labels: labelled stars not scored: 20 of classes the model was "
        "not trained on (mira; predicted as ") and line.endswith(") and 1 not classified")


def test_the_runs_own_dataset_is_scored_on_the_runs_test_stars(periodic, tmp_path) -> None:
    """Predicting the dataset a run was trained on scores only the run's test stars (its
    test_predictions.csv): the others are its training and validation stars."""
    from lcformer.data.lightcurves import LightCurves
    from lcformer.evaluation.scoring import label_scores, run_test_ids

    lcs = labelled_stars()
    test_ids = list(np.asarray(lcs.ids)[:6])
    pd.DataFrame({"id": test_ids, "label": "car"}).to_csv(tmp_path / "test_predictions.csv",
                                                          index=False)
    assert run_test_ids(tmp_path, "tiny", {"dataset": "tiny"}) == set(test_ids)
    assert run_test_ids(tmp_path, "/data/tiny", {"dataset": "tiny"}) == set(test_ids)
    assert run_test_ids(tmp_path, "other", {"dataset": "tiny"}) is None
    assert run_test_ids(tmp_path / "none", "tiny", {"dataset": "tiny"}) is None
    # A run trained on a table file is named after the file without its suffix.
    table = tmp_path / "files" / "tiny.parquet"
    table.parent.mkdir()
    lcs.to_frame().to_parquet(table)
    assert run_test_ids(tmp_path, str(table), {"dataset": "tiny"}) == set(test_ids)
    assert run_test_ids(tmp_path, str(table), {"dataset": "other"}) is None
    assert run_test_ids(tmp_path, str(table), {}) is None  # a checkpoint naming no dataset
    assert run_test_ids(tmp_path, "/nowhere/tiny.dat", {"dataset": "tiny"}) is None
    # The run's own dataset: its training stars (their points) and its test stars.
    own = LightCurves.concatenate([trained_stars_renamed(), lcs])
    line = label_scores(predict_stars(*periodic, own, device="cpu"), own, set(test_ids))
    assert "on 6 labelled stars of the run's test set classified" in line
    # Only named alike, with ids numbered alike (a held-out folder named as the training
    # one): none of its stars has a training star's points, so all of them are new.
    result = predict_stars(*periodic, lcs, device="cpu")
    assert label_scores(result, lcs, set(test_ids)) == label_scores(result, lcs)
    assert "on 18 labelled stars classified" in label_scores(result, lcs, set(test_ids))
    # ... and with one copy of a training star among them: still new stars.
    one = LightCurves.concatenate([trained_stars_renamed().select(np.array([0])), lcs])
    line = label_scores(predict_stars(*periodic, one, device="cpu"), one, set(test_ids))
    assert "on 18 labelled stars classified" in line and "not scored: 1 whose points" in line
    # An input named like the run's dataset (a folder "train") with none of its test stars:
    # the fingerprints say which stars the model trained on, so the others are scored.
    assert label_scores(result, lcs, {"unknown-star"}) == label_scores(result, lcs)
    assert "on 18 labelled stars classified" in label_scores(result, lcs, {"unknown-star"})
    # Without them (a checkpoint of an earlier lcformer), nothing can tell: none scored.
    result.table = result.table.drop(columns="seen_in_training")
    assert label_scores(result, lcs, {"unknown-star"}) == (
        "against the input's labels: none scored: the input is named like the run's dataset "
        "but labels none of the run's test stars, and its other stars may be ones the model "
        "trained on (a survey new to the model: give it another name to score it)")


def test_a_class_whose_stars_are_all_flagged_is_named_beside_the_unflagged_score() -> None:
    """VVV's 16 constant stars are all flagged no_significant_period, rightly: "macro-F1
    0.936 on 60 unflagged" must say that it is over 4 of the 5 classes."""
    from lcformer.evaluation.scoring import score_labels

    stars = pd.DataFrame({"id": list("abcdef"), "label": ["RRL", "RRL", "EB", "EB", "CST", "CST"],
                          "predicted": ["RRL", "RRL", "EB", "RRL", "CST", "CST"],
                          "flag": ["", "", "", "", "no_significant_period",
                                   "no_significant_period"]})
    line = score_labels(stars, ["CST", "EB", "RRL"])
    assert "on 4 unflagged: no star of CST, all flagged)" in line
    stars["flag"] = ""
    stars.loc[3, "flag"] = "outside_training_range"
    assert "on 5 unflagged)" in score_labels(stars, ["CST", "EB", "RRL"])


def test_classes_predicted_but_labelled_on_no_star_are_named_beside_macro_f1() -> None:
    """On a survey labelled with some of a model's classes, macro-F1 counts each class only
    predicted as 0: the line names them and gives the labelled classes' own mean."""
    from sklearn.metrics import f1_score

    from lcformer.evaluation.scoring import only_predicted_line

    label = pd.Series(["a", "a", "b", "b", "b"])
    predicted = pd.Series(["a", "c", "b", "d", "c"])
    classes = ["a", "b", "c", "d"]
    each = f1_score(label, predicted, average=None, labels=classes, zero_division=0)
    per_class = {c: {"f1-score": v} for c, v in zip(classes, each, strict=True)}
    line = only_predicted_line(label, predicted, per_class)
    macro = f1_score(label, predicted, average="macro", zero_division=0)
    assert macro == pytest.approx(each.sum() / 4)  # what the first line prints
    assert line == ("\n  macro-F1 averages 4 classes: the 2 labelled here and 2 predicted "
                    "but labelled on no star (3 stars: c 2, d 1), whose F1 is 0; over the 2 "
                    f"labelled alone: {(each[0] + each[1]) / 2:.3f}")
    assert only_predicted_line(label, label, per_class) == ""


def test_the_runs_own_stars_under_other_ids_are_not_scored(periodic) -> None:
    """The run's training stars under other ids (beside new labelled stars) are recognised
    by their points: marked, and counted, not scored; one with other photometry is new."""
    from lcformer.data.lightcurves import LightCurves
    from lcformer.evaluation.scoring import label_scores

    own = trained_stars_renamed(changed=1)
    lcs = LightCurves.concatenate([own, labelled_stars()])
    result = predict_stars(*periodic, lcs, device="cpu")
    table = result.table.set_index("id")
    assert table["seen_in_training"].dtype == bool
    assert table["seen_in_training"].sum() == 29
    assert not table.loc["gaia-0", "seen_in_training"]  # other photometry: a new star
    assert not table.loc[table.index.str.startswith("syn"), "seen_in_training"].any()
    line = label_scores(result, lcs)
    # 18 new stars and the changed one are scored; the 29 others are said.
    assert "on 19 labelled stars classified" in line
    called = table.loc["mira-1", "predicted"]
    assert ("labelled stars not scored: 29 whose points are those of the run's own training "
            f"or validation stars (all or in part) and 1 of classes the model was not trained "
            f"on (mira; "
            f"predicted as {called} 1) and 1 not classified") in line.split("\n")[0]
    alone = trained_stars_renamed()
    assert label_scores(predict_stars(*periodic, alone, device="cpu"), alone) == (
        "against the input's labels: none scored: all 30 labelled stars have the points of "
        "the run's own training or validation stars (all or in part)")


def test_a_checkpoint_without_fingerprints_scores_as_before(periodic) -> None:
    """A checkpoint of an earlier lcformer keeps no fingerprints: no column, every labelled
    star outside the name rules scored, the run's own ones too (nothing can tell them)."""
    from lcformer.data.fingerprints import KEY
    from lcformer.evaluation.scoring import label_scores

    model, metadata = periodic
    older = {k: v for k, v in metadata.items() if k != KEY}
    lcs = trained_stars_renamed()
    result = predict_stars(model, older, lcs, device="cpu")
    assert "seen_in_training" not in result.table
    line = label_scores(result, lcs)
    assert "on 30 labelled stars classified" in line and "not scored" not in line


def test_the_command_does_not_score_the_runs_stars_in_one_csv_table(tiny_run, tmp_path,
                                                                      capsys) -> None:
    """The run's stars written as one CSV table keyed by other ids: predict says so, and
    writes which predictions are of its own stars."""
    table = tmp_path / "gaia.csv"
    trained_stars_renamed(changed=2).to_frame().rename(columns={"id": "source_id"}).to_csv(
        table, index=False)
    out = tmp_path / "p.csv"
    assert main(["predict", str(tiny_run), str(table), "--columns", "id=source_id", "--out",
                 str(out), "--device", "cpu", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "on 2 labelled stars classified" in printed
    assert ("not scored: 28 whose points are those of the run's own training or validation "
            "stars") in printed
    written = pd.read_csv(out)
    assert written["seen_in_training"].sum() == 28


def test_another_surveys_spelling_of_a_class_is_read_as_it_and_said() -> None:
    """RR_Lyrae_FM is the model's "RR Lyrae FM" (the same letters and digits); LSP is no
    class of the model: not scored, and what the model called it is said."""
    from lcformer.evaluation.scoring import score_labels

    stars = pd.DataFrame({"id": ["a", "b", "c", "d"],
                          "predicted": ["RR Lyrae FM", "Mira", "Mira", "Mira"],
                          "flag": "", "label": ["RR_Lyrae_FM", "mira", "LSP", "LSP"],
                          "split": ""})
    line = score_labels(stars, ["Mira", "RR Lyrae FM"])
    assert line.startswith("against the input's labels (read as the model's classes, spelt "
                           "otherwise: RR_Lyrae_FM as RR Lyrae FM, mira as Mira; the output's "
                           "label column keeps the input's spelling, --class-names renames "
                           "it): macro-F1 1.000, accuracy 1.000 on 2 labelled stars "
                           "classified")  # (else the file's labels match none)
    assert "2 of classes the model was not trained on (LSP; predicted as Mira 2)" in line


def test_a_class_without_a_training_star_is_not_scored_by_predict(tmp_path, capsys) -> None:
    """The one star of a class may go to validation (or a split's test): the model has the
    class but never learnt it, and scoring it gives F1 0 (0.693 for 0.867). The checkpoint
    names such classes, `info` says them, and predict counts their stars unscored."""
    import dataclasses

    import torch

    from lcformer.api import Classifier
    from lcformer.data.splits import UNTRAINED
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic
    from lcformer.models import ModelConfig
    from lcformer.reporting.info import run_info
    from lcformer.training.config import TrainConfig
    from lcformer.training.run_folder import load_model

    lcs = make_synthetic(SyntheticConfig(n_per_class=10, num=84))
    labels = np.asarray(lcs.labels, dtype=object).copy()
    labels[lcs.ids == lcs.ids[0]] = "lonely"
    lcs = dataclasses.replace(lcs, labels=labels)
    torch.manual_seed(0)
    clf = Classifier(ModelConfig(emb=8, heads=2, forest=20, boosting=10),
                     train=TrainConfig(epochs=1, batch_size=32, device="cpu"),
                     val_fraction=0.6)  # round(0.6 * 1): the lonely star validates
    with pytest.warns(UserWarning, match="'lonely' had no training star"):
        clf.fit(lcs)
    run = clf.save(tmp_path / "run")
    metadata = load_model(run)[1]
    assert metadata[UNTRAINED] == ["lonely"] and "lonely" in metadata["classes"]
    assert "never trained on lonely (no training star; predict does not score it)" in (
        run_info(run).format().replace("\n", " "))
    folder = tmp_path / "labelled"  # new stars, one of them "lonely"
    folder.mkdir()
    new = make_synthetic(SyntheticConfig(n_per_class=4, num=84, seed=1))
    labels = np.asarray(new.labels, dtype=object).copy()
    labels[new.ids == new.ids[0]] = "lonely"
    new = dataclasses.replace(new, labels=labels)
    new.to_frame().drop(columns=["class"], errors="ignore").to_parquet(
        folder / "lightcurves.parquet")
    new.star_table()[["id", "label"]].rename(columns={"label": "class"}).to_csv(
        folder / "labels.csv", index=False)
    assert main(["predict", str(run), str(folder), "--out", str(tmp_path / "p.csv"),
                 "--device", "cpu", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "not scored: 1 of classes the model was not trained on (lonely; predicted as" in (
        printed.replace("\n", " "))


def test_stars_of_a_class_never_trained_on_are_counted_not_scored() -> None:
    """The model's class "c" had no training star: its labelled stars are not scored,
    while a star of another class predicted as "c" is still scored wrong (not as a class of
    no name, code -1)."""
    from sklearn.metrics import f1_score

    from lcformer.evaluation.scoring import score_labels

    stars = pd.DataFrame({"id": ["1", "2", "3", "4"], "predicted": ["a", "c", "b", "a"],
                          "flag": "", "label": ["a", "a", "b", "c"], "split": ""})
    line = score_labels(stars, ["a", "b", "c"], untrained=["c"])
    expected = f1_score(["a", "a", "b"], ["a", "c", "b"], average="macro")
    assert line is not None and line.startswith(
        f"against the input's labels: macro-F1 {expected:.3f}, accuracy 0.667 on 3 labelled "
        f"stars classified")
    assert ("not scored: 1 of classes the model was not trained on (c; predicted as a 1)"
            in line)
