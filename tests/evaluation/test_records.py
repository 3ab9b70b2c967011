"""Run records: deep and baseline metrics.json files, of today and of lcformer 0.1.0, and
damaged ones refused with the file's name."""

from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from lcformer.data.prepared import data_code_digest
from lcformer.errors import CorruptFileError, RunNotFoundError
from lcformer.evaluation.records import RunRecord, read_records, write_records

STAR = {"accuracy": 0.5, "macro_f1": 0.4, "n": 4, "confusion": [[1, 1], [1, 1]],
        "per_class": {c: {"precision": 0.5, "recall": 0.5, "f1-score": 0.5, "support": 2}
                      for c in ("a", "b")}}


def record(model: str) -> RunRecord:
    return RunRecord(dataset="toy", model=model, classes=["a", "b"],
                     split={"kind": "auto", "seed": 0, "stars": {"train": 8, "val": 2,
                                                                 "test": 4}},
                     hardware="CPU", train_seconds=1.0, star=STAR, feature_seconds=2.0)


def test_a_baseline_folder_reads_as_records(tmp_path) -> None:
    write_records(tmp_path, "feature_baseline", [record("random_forest"),
                                                 record("gradient_boosting")],
                  {"features": {"seconds": 2.0}, "model_seed": 0})
    records = read_records(tmp_path)
    assert [r.model for r in records] == ["random_forest", "gradient_boosting"]
    assert "toy / random_forest: star-level test accuracy 0.500" in records[0].report()


def test_a_baseline_folder_of_0_1_0_reads_as_records(tmp_path) -> None:
    """0.1.0 kept one entry per model under ``models`` and the feature time apart."""
    models = {m: {k: v for k, v in record(m).to_dict().items() if k != "feature_seconds"}
              for m in ("random_forest", "gradient_boosting")}
    (tmp_path / "metrics.json").write_text(json.dumps({
        "dataset": "toy", "kind": "feature_baseline", "features": {"seconds": 3.5},
        "models": models}))
    records = read_records(tmp_path)
    assert [r.model for r in records] == ["random_forest", "gradient_boosting"]
    assert records[0].feature_seconds == 3.5 and records[0].seconds == 4.5


@pytest.mark.parametrize("text", ["", "{trunc", "[1, 2]", '{"records": []}',
                                  '{"records": [{"model": "x"}]}'])
def test_a_damaged_metrics_file_is_refused_by_name(tmp_path, text) -> None:
    (tmp_path / "metrics.json").write_text(text)
    with pytest.raises(CorruptFileError, match=str(tmp_path / "metrics.json")) as info:
        read_records(tmp_path)
    assert "\n" not in str(info.value)


def test_a_folder_without_metrics_is_not_finished(tmp_path, monkeypatch) -> None:
    with pytest.raises(RunNotFoundError, match=r"not a run folder$"):
        read_records(tmp_path)
    # A run folder of this lcformer's data code: --resume finishes it, once it has an epoch.
    run = tmp_path / "run"
    run.mkdir()
    (run / "config.toml").write_text(f'[dataset]\ndata_code = "{data_code_digest()}"\n'
                                     f'[run]\nsplit = "auto"\n')
    with pytest.raises(RunNotFoundError, match=r"no finished epoch: .* without --resume\)$"):
        read_records(run)
    (run / "last.safetensors").write_bytes(b"")
    with pytest.raises(RunNotFoundError, match=r"has not finished: continue it .* --resume`"):
        read_records(run)
    # A cell of a sweep is continued by the sweep.
    cell = tmp_path / "sweep" / "encoder-h4-e64" / "seed0"
    shutil.copytree(run, cell)
    (tmp_path / "sweep" / "sweep.json").write_text("{}")
    with pytest.raises(RunNotFoundError, match=r"rerun the `lcformer sweep` command that made "):
        read_records(cell)
    monkeypatch.chdir(cell.parent)  # `evaluate seed0` inside the sweep: its folder the same
    with pytest.raises(RunNotFoundError, match=r"rerun the `lcformer sweep` command that made "):
        read_records("seed0")
    # A config.toml of the user's, and a damaged one, are no unfinished run.
    (run / "config.toml").write_text('[dataset]\nname = "mine"\n')
    with pytest.raises(RunNotFoundError, match=r"not a run folder$"):
        read_records(run)
    (run / "config.toml").write_text("[run\n")
    with pytest.raises(CorruptFileError, match="not a readable run configuration"):
        read_records(run)
    shutil.rmtree(run)
    # A sweep, and a saved Classifier, are not unfinished runs: each is named as what it is.
    (tmp_path / "sweep.json").write_text("{}")
    with pytest.raises(RunNotFoundError, match="a sweep or ablation folder: its scores"):
        read_records(tmp_path)
    saved = tmp_path / "saved"
    saved.mkdir()
    (saved / "best.safetensors").write_bytes(b"")
    with pytest.raises(RunNotFoundError, match=r"a saved Classifier \(Classifier.save\)"):
        read_records(saved)


@pytest.mark.parametrize(("model", "words"), [
    ("encoder", "window level: accuracy 0.500, macro-F1 0.400 on 6 windows"),
    ("periodic", "sample level: accuracy 0.500, macro-F1 0.400 on 6 samples (chunks of star "
                 "views)"),
])
def test_the_report_names_what_a_model_scores_below_a_star(model, words) -> None:
    """A star view's samples are chunks of a star, not (dt, dm) token windows."""
    scored = dataclasses.replace(record(model), window={**STAR, "n": 6})
    assert scored.report().splitlines()[-1] == words


def test_at_network_weight_0_the_sample_level_line_says_it_repeats_the_stars() -> None:
    trees = dataclasses.replace(record("periodic"), window={**STAR, "n": 6},
                                budget={"epochs_run": 10, "network_weight": 0.0})
    assert trees.report().splitlines()[-1].endswith(
        "; at network weight 0 each is scored with its star's trees' prediction, so this "
        "weighs the star scores by chunks")
    shared = dataclasses.replace(trees, budget={"epochs_run": 10, "network_weight": 0.5})
    assert shared.report().splitlines()[-1].endswith("(chunks of star views)")


def test_the_summary_says_what_a_network_weight_of_0_or_1_means() -> None:
    for weight, words in ((0.0, "network weight 0 (the trees alone)"),
                          (1.0, "network weight 1 (the network alone)"),
                          (0.5, "network weight 0.5")):
        fused = dataclasses.replace(record("periodic"), budget={"epochs_run": 10,
                                                               "network_weight": weight})
        assert fused.summary_line().endswith(words)


def test_the_summary_says_when_few_validation_stars_chose_the_epoch_and_weight() -> None:
    """The best epoch chosen on 1 star (val macro-F1 1.0, 0.0, 1.0...), the weight on 6:
    the summary says so, not only "network weight 0"."""
    def line(used: dict, same: bool | None = None) -> str:
        split = {**record("periodic").split, "used": used}
        if same is not None:
            split["weight_on_val_stars"] = same
        return dataclasses.replace(record("periodic"), split=split, budget={
            "epochs_run": 3, "network_weight": 0.0}).summary_line()

    assert line({"train": 8, "val": 7, "weight": 6}, False).endswith(
        "; the best epoch chosen on 7 validation stars only, the trees' weight on 6")
    assert line({"train": 8, "val": 1, "weight": 1}, True).endswith(
        "; the best epoch and the trees' weight chosen on 1 validation star only")
    assert line({"train": 8, "val": 3}).endswith("; the best epoch chosen on 3 validation "
                                                 "stars only")
    assert "validation star" not in line({"train": 80, "val": 10, "weight": 10}, False)


def test_the_summary_says_when_the_network_earned_no_share() -> None:
    fused = dataclasses.replace(record("periodic"), train_seconds=3.0,
                                budget={"epochs_run": 10, "epochs_planned": 30,
                                        "network_unneeded": True, "network_weight": 0.0})
    assert "(10 of 30 epochs: the trees gave the network no share, 3.0 s with the trees" in (
        fused.summary_line())
    # A time limit counts the network's epochs only: the time printed is said to be more.
    network = dataclasses.replace(record("encoder"), train_seconds=3.0,
                                  budget={"epochs_run": 10})
    assert "(10 epochs, 3.0 s," in network.summary_line()


def test_a_class_neither_tested_nor_predicted_has_no_scores_not_zeros() -> None:
    """Class c: no test star and no prediction, so no score (macro averages leave it out);
    class b: no test star but predicted once, so its precision 0 is a real score."""
    zero = {"precision": 0.0, "recall": 0.0, "f1-score": 0.0, "support": 0}
    star = {**STAR, "confusion": [[1, 1, 0], [0, 0, 0], [0, 0, 0]],
            "per_class": {"a": STAR["per_class"]["a"], "b": zero, "c": zero}}
    lines = dataclasses.replace(record("encoder"), classes=["a", "b", "c"],
                                star=star).report().splitlines()
    assert lines[2].split() == ["a", "0.500", "0.500", "0.500", "2"]
    assert lines[3].split() == ["b", "0.000", "-", "0.000", "0"]  # no recall: 0/0
    assert lines[4].split() == ["c", "-", "-", "-", "0"]
    # ... and the summary line says over how many classes its macro average is
    occurring = dataclasses.replace(record("encoder"), classes=["a", "b", "c"],
                                    star=star | {"macro_f1": 0.25})  # (a 0.5 + b 0) / 2
    assert "macro-F1 0.250 (over the 2 of 3 classes in the test stars or predictions) on " in (
        occurring.summary_line())
    assert "over the" not in record("encoder").summary_line()  # every class occurs
    legacy = dataclasses.replace(record("encoder"), classes=["a", "b", "c"],
                                 star=star | {"macro_f1": 0.5 / 3})  # over every class
    assert "over the" not in legacy.summary_line()  # scored before 2026-12-03


def test_an_early_stop_is_said_in_the_summary() -> None:
    budget = {"epochs_planned": 6, "epochs_run": 3, "stopped_early": True}
    line = dataclasses.replace(record("encoder"), budget=budget).summary_line()
    assert "(3 of 6 epochs: stopped early (--patience), 1.0 s, CPU)" in line
