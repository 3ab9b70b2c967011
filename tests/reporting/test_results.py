"""The results document: generated from sweep folders, every number traceable to them."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.models.registry import BASELINE_MODELS
from lcformer.reporting.results import (
    _summary_line,
    compared,
    read_sweep,
    results_document,
    run_seconds,
)

SWEEP_ARGS = ["--models", "naive,ae_frozen,encoder", "--heads", "2", "--embs", "8",
              "--epochs", "1", "--pretrain-epochs", "1", "--window", "20", "--stride", "10",
              "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]


@pytest.fixture
def sweep_dir(tiny_synthetic, tmp_path) -> Path:
    pytest.importorskip("light_curve")
    folder = tmp_path / "sweep"
    args = ["sweep", "synthetic", "--work-dir", str(tmp_path / "work"), *SWEEP_ARGS,
            "--baseline", "--sweep-dir", str(folder)]
    assert main(args) == 0
    return folder


def _best(long: pd.DataFrame, deep: bool) -> pd.Series:
    """The best cell by mean macro-F1 over repeats, computed here independently."""
    is_baseline = long["model"].isin(BASELINE_MODELS)
    rows = long[~is_baseline if deep else is_baseline].fillna({"heads": -1, "emb": -1})
    means = rows.groupby(["model", "heads", "emb"])[["accuracy", "macro_f1"]].mean()
    return means.sort_values(["macro_f1", "accuracy"], ascending=False).iloc[0]


def test_document_holds_the_sweep_table_command_and_figures(sweep_dir, tmp_path,
                                                            capsys) -> None:
    out = tmp_path / "docs" / "results.md"
    assert main(["results", str(sweep_dir), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    # The command that made the sweep, as typed, and the command that made the document.
    [recorded] = json.loads((sweep_dir / "sweep.json").read_text())["commands"]
    assert recorded.startswith("lcformer sweep synthetic") and "--baseline" in recorded
    assert f"```\n{recorded}\n```" in text
    assert f"by `lcformer results {sweep_dir} --out {out}`" in text
    # The sweep's own table (budget line included) appears unchanged.
    table = (sweep_dir / "results.md").read_text().splitlines()
    for line in table[1:]:
        if line:
            assert line in text
    # The summary names the best cells with the numbers of results_long.csv.
    long = pd.read_csv(sweep_dir / "results_long.csv")
    deep, feats = _best(long, deep=True), _best(long, deep=False)
    summary = next(line for line in text.splitlines() if line.startswith("| synthetic |"))
    assert f"{deep['accuracy']:.2f} ({deep['macro_f1']:.2f})" in summary
    assert f"{feats['accuracy']:.2f} ({feats['macro_f1']:.2f})" in summary
    relation = "above" if deep["macro_f1"] > feats["macro_f1"] else "below"
    if deep["macro_f1"] == feats["macro_f1"]:
        relation = "equal to"
    assert f"in macro-F1 it is {relation} the feature baseline" in text
    assert "4 of 4 |" in summary and "Unfinished sweep" not in text
    # Every figure referenced exists beside the document, and the research slides' set is there.
    figures = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert figures and all((out.parent / f).is_file() for f in figures)
    names = {Path(f).name for f in figures}
    assert {"training_curves.png", "confusion_deep.png", "confusion_baseline.png",
            "sample_outputs_naive.png", "sample_outputs_ae_frozen.png",
            "reconstruction_ae_frozen.png", "class_distribution.png",
            "length_distribution.png"} <= names
    assert "## Not shown" not in text and "## MACHO" in text


def test_sample_outputs_are_skipped_and_said_when_the_prepared_data_is_gone(
        sweep_dir, tmp_path) -> None:
    info = json.loads((sweep_dir / "sweep.json").read_text())
    info["prepared"] = str(tmp_path / "gone")
    (sweep_dir / "sweep.json").write_text(json.dumps(info))
    text, skipped = results_document([sweep_dir], tmp_path / "results.md")
    assert len(skipped) == 1 and "prepared data" in skipped[0] and "gone" in skipped[0]
    assert "class_distribution.png" not in text
    assert "## Not shown" in text and skipped[0] in text
    assert "sample_outputs_naive.png" not in text
    assert "training_curves.png" in text


def test_time_adds_history_epochs_and_the_features_once(sweep_dir) -> None:
    section = read_sweep(sweep_dir)
    expected = 0.0
    for run in section.long["run_dir"].unique():
        if run.startswith("baseline"):
            result = json.loads((sweep_dir / run / "metrics.json").read_text())
            expected += result["features"]["seconds"] + sum(
                r["train_seconds"] for r in result["records"])
        else:
            expected += pd.read_csv(sweep_dir / run / "history.csv")["seconds"].sum()
    assert run_seconds(section) == pytest.approx(expected)
    assert run_seconds(section) > 0


def test_a_partial_sweep_is_said_and_its_partial_cells_are_not_ranked(sweep_dir,
                                                                     tmp_path) -> None:
    """Two seeds asked, one finished for most cells: only complete cells can be 'best'."""
    info = json.loads((sweep_dir / "sweep.json").read_text())
    info["sweep"]["seeds"] = [0, 1]
    (sweep_dir / "sweep.json").write_text(json.dumps(info))
    long = pd.read_csv(sweep_dir / "results_long.csv")
    naive = long[long["model"] == "naive"]
    seed0 = sweep_dir / naive["run_dir"].iloc[0]
    shutil.copytree(seed0, seed0.parent / "seed1")  # as if naive's seed1 had finished
    extra = naive.assign(repeat="seed1", macro_f1=1.0, accuracy=1.0,
                         run_dir=str(Path(naive["run_dir"].iloc[0]).parent / "seed1"))
    pd.concat([long, extra]).to_csv(sweep_dir / "results_long.csv", index=False)
    section = read_sweep(sweep_dir)
    assert section.repeats == ["seed0", "seed1"] and section.expected_runs == 8
    assert section.finished_runs == 5
    best = section.best(deep=True)
    assert best is not None and best["model"] == "naive"  # the only cell with both repeats
    assert section.best(deep=False) is None  # the baseline has seed0 only
    text, _ = results_document([sweep_dir], tmp_path / "results.md", figures=False)
    assert "**Unfinished sweep: 5 of 8 runs finished.**" in text
    assert "| 5 of 8 |" in text
    # Two repeats: a run's test stars are counted per repeat, and said so.
    stars = int(long["n_test_stars"].iloc[0])
    assert f"| synthetic | {stars:,} per repeat |" in text
    assert f"3 classes and {stars:,} test stars per repeat;" in text


def test_comparison_with_the_research_table(sweep_dir, tmp_path) -> None:
    info = json.loads((sweep_dir / "sweep.json").read_text())
    info["dataset"] = "asas_acvs"  # as if the sweep had run on ASAS
    (sweep_dir / "sweep.json").write_text(json.dumps(info))
    text, _ = results_document([sweep_dir], tmp_path / "results.md", figures=False)
    assert ("0.91 (0.87) for the best transformer cell of the research ASAS table "
            "(Model 4, h4 e64)") in text
    # Only the autoencoders the sweep ran (ae_frozen, not ae_finetune) are described.
    assert ("1 classification epoch planned each (research: 150; ae_frozen: 1 reconstruction "
            "epoch first)") in text
    assert "cannot be checked to be the same data" in text
    assert "![" not in text


def test_a_folder_that_is_not_a_sweep_is_refused(tmp_path, capsys) -> None:
    assert main(["results", str(tmp_path), "--out", str(tmp_path / "r.md")]) == 2
    err = capsys.readouterr().err
    assert "not a sweep folder" in err and "lcformer sweep" in err
    assert not (tmp_path / "r.md").exists()


@pytest.mark.realdata
def test_sweep_and_results_on_the_real_macho_samples(data_root, tmp_path, capsys) -> None:
    """The MACHO path end to end on real files: sweep with the baseline, then the document."""
    pytest.importorskip("light_curve")
    folder = tmp_path / "sweep"
    args = ["sweep", "macho_samples", "--data-dir", str(data_root), "--work-dir",
            str(tmp_path / "work"), "--models", "naive,gru", "--heads", "2", "--embs", "8",
            "--epochs", "1", "--threads", "1", "--quiet", "--baseline", "--sweep-dir",
            str(folder)]
    assert main(args) == 0
    long = pd.read_csv(folder / "results_long.csv")
    assert set(long["model"]) == {"naive", "gru", *BASELINE_MODELS}
    assert long["n_test_stars"].nunique() == 1  # deep models and baseline: the same stars
    out = tmp_path / "results.md"
    assert main(["results", str(folder), "--out", str(out), "--no-figures"]) == 0
    text = out.read_text()
    assert "## macho" in text and "research MACHO table" in text
    assert "## MACHO" not in text  # the general MACHO note only when no MACHO section
    assert "| Model 1 (naive) |" in text and "| features + random forest |" in text


def test_the_ablation_summary_compares_the_folds_both_rows_finished() -> None:
    """An interrupted 5-fold ablation: trees over 5 folds, the forest over fold0 only. The
    summary scores both on fold0, says so, and its difference is that of the shown values."""
    rows = [("trees", f"fold{i}", f1) for i, f1 in enumerate([0.9004, 0.8, 0.8, 0.8, 0.8])]
    rows += [("random_forest", "fold0", 0.8)]
    long = pd.DataFrame(rows, columns=["step", "repeat", "macro_f1"])
    assert _summary_line(long, "trees", folds=5) == (
        "0.900 (trees) (1/5 folds) | 0.800 (features + random forest) (1/5 folds) | +0.100 | -")
    both = pd.concat([long, pd.DataFrame([("random_forest", f"fold{i}", 0.7) for i in
                                          range(1, 5)], columns=long.columns)])
    assert _summary_line(both, "trees", folds=5) == (
        "0.820 (trees) | 0.720 (features + random forest) | +0.100 | -")
    assert _summary_line(long[long["step"] == "trees"], "trees", folds=5) is None


def test_the_summary_gives_the_interval_of_its_difference_from_the_rows_stars(
        tmp_path) -> None:
    """The interval is the paired bootstrap over the folds' test stars, each fold resampled
    within itself, from the two rows' test_predictions.csv; "-" where one is missing."""
    from lcformer.evaluation.paired import difference_interval

    rng = np.random.default_rng(0)
    stars = []
    for fold in ("fold0", "fold1"):
        truth = rng.choice(["a", "b"], 50)
        other = np.where(truth == "a", "b", "a")
        ours = np.where(rng.random(50) < 0.9, truth, other)
        theirs = np.where(rng.random(50) < 0.6, truth, other)
        (tmp_path / "trees" / fold).mkdir(parents=True)
        (tmp_path / "baseline" / fold).mkdir(parents=True)
        ids = [f"{fold}-{i}" for i in range(50)]
        pd.DataFrame({"id": ids, "label": truth, "predicted": ours}).to_csv(
            tmp_path / "trees" / fold / "test_predictions.csv", index=False)
        pd.DataFrame({"id": ids[::-1], "label": truth[::-1],
                      "predicted_random_forest": theirs[::-1]}).to_csv(
            tmp_path / "baseline" / fold / "test_predictions.csv", index=False)
        stars.append(pd.DataFrame({"fold": fold, "truth": truth, "ours": ours,
                                   "theirs": theirs}))
    every = pd.concat(stars)
    low, high = difference_interval(every["truth"], every["ours"], every["theirs"],
                                    groups=every["fold"])
    long = pd.DataFrame({"step": ["trees", "trees", "random_forest", "random_forest"],
                         "repeat": ["fold0", "fold1"] * 2, "macro_f1": [0.9, 0.8, 0.7, 0.6]})
    line = _summary_line(long, "trees", folds=2, folder=tmp_path)
    assert line.endswith(f"| +0.200 | {low:+.3f} to {high:+.3f}")
    assert 0 < low < high
    (tmp_path / "baseline" / "fold1" / "test_predictions.csv").unlink()
    assert _summary_line(long, "trees", folds=2, folder=tmp_path).endswith("| +0.200 | -")


def test_a_small_loss_is_never_shown_as_a_tie_and_the_best_baseline_is_the_higher() -> None:
    """Rounded to 3 decimals, 0.9546 against 0.9549 read +0.000, and a tie in the rounded
    means went to the random forest whatever the unrounded ones said."""
    long = pd.DataFrame({"step": ["trees", "random_forest", "gradient_boosting"],
                         "repeat": ["split"] * 3, "macro_f1": [0.9546, 0.9545, 0.9549]})
    assert _summary_line(long, "trees", folds=None) == (
        "0.9546 (trees) | 0.9549 (features + gradient boosting) | -0.0003 | -")
    assert compared(0.9553626, 0.9552865) == ("0.9554", "0.9553", "+0.0001")
    assert compared(0.718, 0.648) == ("0.718", "0.648", "+0.070")
    assert compared(0.5, 0.5) == ("0.500", "0.500", "+0.000")  # a true tie
    # only a perfect score reads 1: one mistake in 2,500 stars is not
    assert compared(1.0, 0.9996) == ("1.000", "0.999", "+0.001")
    assert compared(0.99996, 0.9999) == ("0.99996", "0.99990", "+0.00006")


def test_what_the_trees_rest_on_over_folds(tmp_path) -> None:
    """k folds: each family's mean drop over the folds, with its spread, largest first; a
    fold without importance.json (a run made before it was measured) shows none at all."""
    from lcformer.reporting.results import _importance_lines

    def fold(name: str, period: float, colour: float) -> None:
        record = {"test_stars": 60, "of_test_stars": 60, "repeats": 10,
                  "families": [{"family": "period", "names": ["log_period", "power"],
                                "macro_f1_drop": period, "spread": 0.01},
                               {"family": "colour", "names": ["colour"],
                                "macro_f1_drop": colour, "spread": 0.01}]}
        (tmp_path / "trees" / name).mkdir(parents=True)
        (tmp_path / "trees" / name / "importance.json").write_text(json.dumps(record))

    fold("fold0", 0.30, 0.02)
    fold("fold1", 0.10, 0.06)
    lines = _importance_lines(tmp_path, "trees", pd.Series(["fold0", "fold1", "fold0"]))
    rows = [line for line in lines if line.startswith("| ") and "---" not in line][1:]
    assert rows == ["| period (2) | 0.200 ± 0.141 |", "| colour (1) | 0.040 ± 0.028 |"]
    assert "over the 2 folds" in lines[0] and "measured alone" not in lines[0]
    # Where the row's network had a share, the trees' own starting score is said.
    for name, share, base in (("fold0", 0.2, 0.90), ("fold1", 0.0, 0.80)):
        path = tmp_path / "trees" / name / "importance.json"
        path.write_text(json.dumps(json.loads(path.read_text())
                                   | {"network_weight_left_out": share,
                                      "trees_macro_f1": base}))
    first = _importance_lines(tmp_path, "trees", pd.Series(["fold0", "fold1"]))[0]
    assert ("without the network's share of the row's probabilities (0-0.2): they start "
            "from their own macro-F1, 0.850 (mean over the folds)") in first
    (tmp_path / "trees" / "fold2").mkdir()
    assert _importance_lines(tmp_path, "trees", pd.Series(["fold0", "fold1", "fold2"])) == []


def test_a_loss_that_rounds_to_none_is_not_printed_negative() -> None:
    """Not -0.000 ± 0.000 in the importance table."""
    from lcformer.reporting.results import _signless

    assert [_signless(v) for v in (-0.0001, 0.0, -0.0006, 0.4124)] == [
        "0.000", "0.000", "-0.001", "0.412"]
