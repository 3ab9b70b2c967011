"""The results document: generated from sweep folders, every number traceable to them."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.results import read_sweep, results_document, time_taken
from lcformer.sweep import BASELINE_MODELS

# The tiny synthetic registry entry and its CLI fixture are shared with the sweep tests.
from tests.test_sweep import tiny_synthetic  # noqa: F401

SWEEP_ARGS = ["--models", "naive,ae_frozen,encoder", "--heads", "2", "--embs", "8",
              "--epochs", "1", "--pretrain-epochs", "1", "--window", "20", "--stride", "10",
              "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]


@pytest.fixture
def sweep_dir(tiny_synthetic, tmp_path) -> Path:  # noqa: F811
    pytest.importorskip("light_curve")
    folder = tmp_path / "sweep"
    args = ["sweep", "synthetic", "--work-dir", str(tmp_path / "work"), *SWEEP_ARGS,
            "--baseline", "--sweep-dir", str(folder)]
    assert main(args) == 0
    return folder


def _best(long: pd.DataFrame, deep: bool) -> pd.Series:
    rows = long[~long["model"].isin(BASELINE_MODELS) if deep else
                long["model"].isin(BASELINE_MODELS)]
    return rows.sort_values(["macro_f1", "accuracy"], ascending=False, kind="stable").iloc[0]


def test_document_holds_the_sweep_table_command_and_figures(sweep_dir, tmp_path,
                                                            capsys) -> None:
    out = tmp_path / "docs" / "results.md"
    assert main(["results", str(sweep_dir), "--out", str(out)]) == 0
    assert f"wrote {out}" in capsys.readouterr().out
    text = out.read_text()
    # The command that made the sweep, as typed, and the command that made the document.
    recorded = json.loads((sweep_dir / "sweep.json").read_text())["command"]
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
    assert f"it is {relation} the feature baseline" in text
    # Every figure referenced exists beside the document, and the research slides' set is there.
    figures = re.findall(r"!\[[^]]*\]\(([^)]+)\)", text)
    assert figures and all((out.parent / f).is_file() for f in figures)
    names = {Path(f).name for f in figures}
    assert {"training_curves.png", "confusion_deep.png", "confusion_baseline.png",
            "sample_outputs_naive.png", "sample_outputs_ae_frozen.png",
            "reconstruction_ae_frozen.png"} <= names
    assert "## Not shown" not in text and "## MACHO" in text


def test_sample_outputs_are_skipped_and_said_when_the_prepared_data_is_gone(
        sweep_dir, tmp_path) -> None:
    info = json.loads((sweep_dir / "sweep.json").read_text())
    info["prepared"] = str(tmp_path / "gone")
    (sweep_dir / "sweep.json").write_text(json.dumps(info))
    text, skipped = results_document([sweep_dir], tmp_path / "results.md")
    assert len(skipped) == 1 and "prepared data" in skipped[0] and "gone" in skipped[0]
    assert "## Not shown" in text and skipped[0] in text
    assert "sample_outputs_naive.png" not in text
    assert "training_curves.png" in text


def test_time_counts_the_feature_extraction_once(sweep_dir) -> None:
    section = read_sweep(sweep_dir)
    compute, elapsed = time_taken(section)
    long = section.long
    baseline = json.loads((sweep_dir / "baseline" / "seed0" / "metrics.json").read_text())
    expected = (long[~long["model"].isin(BASELINE_MODELS)]["seconds"].sum()
                + baseline["features"]["seconds"]
                + sum(m["train_seconds"] for m in baseline["models"].values()))
    assert compute == pytest.approx(expected)
    assert elapsed is not None and elapsed >= 0


def test_comparison_with_the_research_table(sweep_dir, tmp_path) -> None:
    info = json.loads((sweep_dir / "sweep.json").read_text())
    info["dataset"] = "asas_acvs"  # as if the sweep had run on ASAS
    (sweep_dir / "sweep.json").write_text(json.dumps(info))
    text, _ = results_document([sweep_dir], tmp_path / "results.md", figures=False)
    assert "0.91 (0.87) for the best research ASAS cell (Model 4, h4 e64)" in text
    assert "(the research tables: 150 epochs)" in text and "for 1 epochs" in text
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
    assert "| Model 1 (naive) |" in text and "| features + random forest |" in text
