"""The ablation: one run folder per row, the baseline on the star rows' test stars, a table,
and a rerun that reads finished rows instead of training them again."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from lcformer.data import datasets
from lcformer.data.prepared import PrepareConfig
from lcformer.data.samples import SAMPLES_VERSION
from lcformer.errors import ConfigError, ConfigMismatchError
from lcformer.experiments.ablation import (
    DEFAULT_STEP,
    STEP_NAMES,
    AblationConfig,
    _mean,
    _step,
    ablation_table,
    run_ablation,
    step_run,
)
from lcformer.models.registry import STAR_MODEL
from lcformer.reporting.results import results_document
from lcformer.training.config import RunConfig, TrainConfig

TINY = TrainConfig(epochs=1, batch_size=16, schedule="cosine")


def test_ablation_rows_baseline_and_continuing(tiny_synthetic, tmp_path, monkeypatch,
                                               capsys) -> None:
    spec = datasets.REGISTRY["synthetic"]  # windows short enough for 42-point curves
    monkeypatch.setitem(datasets.REGISTRY, "synthetic", dataclasses.replace(
        spec, tokens=spec.tokens.replace(window=20, stride=10)))
    config = AblationConfig(steps=("research", "folded", "trees"), train=TINY)
    out = tmp_path / "ablation"
    result = run_ablation("synthetic", out, config, progress=False, command="test")
    steps = result.long["step"].tolist()
    assert steps == ["research", "folded", "trees", "random_forest", "gradient_boosting"]
    assert (out / "research" / "split" / "metrics.json").is_file()
    long = pd.read_csv(out / "ablation.csv")
    star_rows = long[long["step"] != "research"]
    assert star_rows["n_test_stars"].nunique() == 1  # the same test stars
    test_ids = {folder: sorted(pd.read_csv(out / folder / "split" / "test_predictions.csv",
                                           dtype={"id": str})["id"])
                for folder in ("folded", "trees", "baseline")}
    assert test_ids["folded"] == test_ids["trees"] == test_ids["baseline"]
    table = (out / "ablation.md").read_text()
    assert "research encoder" in table and "+ folded at the period" in table
    assert "+ and with gradient-boosted trees (the default)" in table
    assert "+ and with extremely randomised trees" not in table  # not run
    assert "+ averaged with a random forest" not in table  # not run
    assert "features + random forest" in table and "1 epoch planned" in table
    assert "+ ensemble" not in table  # not run

    # The results document shows it (lcformer.reporting.results), with the folded test stars.
    text, _ = results_document([out], tmp_path / "docs" / "results.md", command="x")
    assert "## Ablation" in text and "| synthetic (ablation) | " in text
    assert "research encoder" in text
    assert "(trees, network weight " in text  # the summary's model: the default, its weight
    summary = next(line for line in text.splitlines() if line.startswith("| synthetic ("))
    low, high = (float(x) for x in summary.split(" | ")[-1].rstrip(" |").split(" to "))
    assert low <= float(summary.split(" | ")[-2]) <= high  # the difference's interval
    assert "| epochs run | network weight |" in table
    assert (tmp_path / "docs" / "figures" / "ablation" / "folded_test_stars.png").is_file()
    # What the default row's trees rest on, largest loss first, as its importance.json says.
    importance = json.loads((out / "trees" / "split" / "importance.json").read_text())
    first = importance["families"][0]
    assert (f"| {first['family']} ({len(first['names'])}) | {first['macro_f1_drop']:.3f} |"
            in text)
    assert "What the `trees` row's trees rest on" in text and "± " not in text.split(
        "rest on")[1].split("###")[0]  # one split: no spread over folds

    again = run_ablation("synthetic", out, config, progress=False,  # read, not retrained
                         command="again")
    pd.testing.assert_frame_equal(again.long, result.long)
    # Another row: trained; the others read; the table holds them all, in the steps' order.
    more = run_ablation("synthetic", out, config.replace(steps=("scalars",)), progress=False,
                        command="more")
    # A command is recorded where it made a row (not one that trained nothing)
    assert json.loads((out / "ablation.json").read_text())["commands"] == ["test", "more"]
    assert more.long["step"].tolist() == ["research", "scalars", "folded", "trees",
                                          "random_forest", "gradient_boosting"]
    pd.testing.assert_frame_equal(
        more.long[more.long["step"] != "scalars"].reset_index(drop=True), result.long)
    with pytest.raises(ConfigMismatchError, match=r"other settings or data \(ablation settings"):
        run_ablation("synthetic", out, config.replace(folds=3), progress=False)
    # Another preparation (here: shorter star views) would mix rows of two inputs: refused.
    prepare = datasets.REGISTRY["synthetic"].prepare_config()
    with pytest.raises(ConfigMismatchError, match="preparation differ"):
        run_ablation("synthetic", out, config, progress=False,
                     prepare=prepare.replace(views=prepare.views.replace(max_obs=64)))

    # A row interrupted after it started continues (--resume), rather than starting again.
    from lcformer.training import runs

    calls, real = [], runs.train_run

    def recording(data, run, run_dir, resume=False, **kwargs):
        calls.append((run_dir.relative_to(out).as_posix(), resume))
        return real(data, run, run_dir, resume=resume, **kwargs)

    monkeypatch.setattr(runs, "train_run", recording)
    (out / "folded" / "split" / "metrics.json").unlink()  # killed before it evaluated
    run_ablation("synthetic", out, config, progress=False)
    assert calls == [("folded/split", True)]
    assert "] folded split: continuing its interrupted run\n" in capsys.readouterr().err
    # and one of an earlier command's rows, continued by a command that asked for others
    (out / "folded" / "split" / "metrics.json").unlink()
    run_ablation("synthetic", out, config.replace(steps=("trees",)), progress=False)
    assert calls[-1] == ("folded/split", True)
    assert ("folded split: continuing its interrupted run (a row of an earlier command's "
            "--steps, kept in ") in capsys.readouterr().err

    # Rows made from an earlier lcformer's model inputs are never mixed with new ones, and the
    # results document says they are not the current model's.
    info_path = out / "ablation.json"
    info = json.loads(info_path.read_text())
    assert info["samples_version"] == SAMPLES_VERSION
    info_path.write_text(json.dumps({k: v for k, v in info.items() if k != "samples_version"}))
    with pytest.raises(ConfigMismatchError, match="not recorded"):
        run_ablation("synthetic", out, config, progress=False)
    text, _ = results_document([out], tmp_path / "docs" / "results.md", command="x")
    assert "| synthetic (ablation, earlier inputs) | " in text
    assert "those of an earlier lcformer (samples version not recorded" in text


def test_ablation_config_checks_its_steps() -> None:
    assert AblationConfig().steps == STEP_NAMES
    assert AblationConfig().train.epochs == 30  # the periodic model's budget
    with pytest.raises(ConfigError, match="unknown ablation steps"):
        AblationConfig(steps=("folded", "magic"))


def test_the_default_row_is_the_model_that_train_trains() -> None:
    """The rows spell out their views; the one labelled the default must stay the default."""
    step = _step(DEFAULT_STEP)
    assert "(the default)" in step.label
    default = PrepareConfig()
    assert default.views.replace(**step.views) == default.views
    assert step.features == default.features
    train = RunConfig.for_model(STAR_MODEL)
    assert step_run(step, train.train, train.split, train.split_seed) == train


def test_an_ablation_of_some_classes_continues(tiny_synthetic, tmp_path) -> None:
    """A folder made with --classes takes more rows (the classes come back from JSON as a
    list, and must still match the tuple given)."""
    prepare = datasets.resolve("synthetic", None)[0].prepare_config().replace(
        classes=("sinusoid", "car"))
    config = AblationConfig(steps=("forest",), train=TINY)
    out = tmp_path / "ablation"
    first = run_ablation("synthetic", out, config, progress=False, prepare=prepare)
    assert set(first.long["step"]) == {"forest", "random_forest", "gradient_boosting"}
    more = run_ablation("synthetic", out, config.replace(steps=("joint",)), progress=False,
                        prepare=prepare)
    assert more.long["step"].tolist() == ["joint", "forest", "random_forest",
                                          "gradient_boosting"]
    with pytest.raises(ConfigMismatchError, match="other settings or data"):
        run_ablation("synthetic", out, config, progress=False,
                     prepare=prepare.replace(classes=("sinusoid", "gaussian_process")))
    # A row from data files edited since (a labels file relabelled between two
    # commands): refused, as its test stars are not the other rows'.
    info = json.loads((out / "ablation.json").read_text())
    assert info["input_hash"] and len(info["input_hash"]) > 12
    (out / "ablation.json").write_text(json.dumps(info | {"input_hash": "0" * 64}))
    with pytest.raises(ConfigMismatchError, match=r"holds rows made from other data files "
                                                  r"\(input fingerprint 000000000000, now "):
        run_ablation("synthetic", out, config.replace(steps=("scalars",)), progress=False,
                     prepare=prepare)


def test_a_score_of_some_folds_says_how_many() -> None:
    assert _mean(pd.Series([0.8]), folds=5) == "0.800 (1/5 folds)"
    assert _mean(pd.Series([0.8, 0.6]), folds=5) == "0.700 ± 0.141 (2/5 folds)"
    assert _mean(pd.Series([0.8, 0.6]), folds=2) == "0.700 ± 0.141"
    assert _mean(pd.Series([0.8]), folds=None) == "0.800"


def test_the_hardware_line_names_each_machine_once_and_which_rows_ran_where() -> None:
    long = pd.DataFrame({
        "step": ["trees", "trees", "random_forest", "gradient_boosting"],
        "repeat": ["split"] * 4, "macro_f1": [0.9, 0.9, 0.8, 0.8],
        "accuracy": [0.9, 0.9, 0.8, 0.8], "n_test_stars": [10] * 4, "seconds": [60.0] * 4,
        "hardware": ["CPU X, 2 threads", "CPU X, 2 threads", "CPU X, 2 jobs", "CPU X, 2 jobs"]})
    table = ablation_table(long, "synthetic", TrainConfig(), folds=None)
    assert "hardware: CPU X, 2 threads; baseline CPU X, 2 jobs." in table


@pytest.mark.parametrize(("steps", "said"), [
    (["research", "joint", "trees"],
     "The star-view rows (all but the research encoder, whose windows leave short stars "
     "out: its test stars are others in part) and the baselines share their test stars."),
    (["trees"], "The star-view row and the baselines share their test stars."),
    (["research"], "hardware: CPU X, 1 thread; baseline CPU X, 1 job. |"),
])
def test_the_caption_names_the_rows_that_share_the_baselines_test_stars(steps, said) -> None:
    """It said "Rows 2-9" whatever rows the table held; the research encoder's windows leave
    short stars out, so only the star-view rows share the baselines' stars."""
    rows = [*steps, "random_forest"]
    long = pd.DataFrame({
        "step": rows, "repeat": ["split"] * len(rows), "macro_f1": [0.9] * len(rows),
        "accuracy": [0.9] * len(rows), "n_test_stars": [10] * len(rows),
        "seconds": [60.0] * len(rows),
        "hardware": ["CPU X, 1 thread"] * len(steps) + ["CPU X, 1 job"]})
    table = ablation_table(long, "synthetic", TrainConfig(), folds=None)
    assert said in table.replace("\n\n|", " |")
    assert "Rows 2-9" not in table
    assert table.rstrip().endswith("and its classifier's fitting.")  # what minutes count


def test_the_caption_names_the_split_auto_was(tmp_path) -> None:
    """An ablation on EROS-1's own split and one on a dataset without one: not both "the
    dataset's own split, or where it has none stratified", as the runs record which."""
    from lcformer.experiments.ablation import run_split

    long = pd.DataFrame({"step": ["trees"], "repeat": ["split"], "macro_f1": [0.9],
                         "accuracy": [0.9], "n_test_stars": [10], "seconds": [60.0],
                         "hardware": ["CPU X, 1 thread"]})
    said = {split: ablation_table(long, "d", TrainConfig(), folds=None, split=split)
            for split in ("fixed", "stratified", None)}
    assert "Star-level test scores, the dataset's own split. " in said["fixed"]
    assert ("Star-level test scores, stratified 70/10/20 by star (seed 0): the dataset has no "
            "split of its own. ") in said["stratified"]
    assert "the dataset's own split, or where it has none" in said[None]  # older folders
    run = tmp_path / "trees" / "split"
    run.mkdir(parents=True)
    (run / "metrics.json").write_text('{"kind": "deep", "records": [{"split": {"kind": "auto", '
                                      '"resolved": "fixed"}}]}')
    assert run_split(tmp_path) == "fixed" and run_split(tmp_path / "trees") is None


def test_a_run_of_seconds_is_not_shown_as_no_time() -> None:
    long = pd.DataFrame({
        "step": ["trees", "random_forest"], "repeat": ["split"] * 2, "macro_f1": [0.9] * 2,
        "accuracy": [0.9] * 2, "n_test_stars": [10] * 2, "seconds": [90.0, 1.3],
        "hardware": ["CPU X, 1 thread", "CPU X, 1 job"]})
    table = ablation_table(long, "synthetic", TrainConfig(), folds=None)
    assert "| 10 | 1.5 |" in table and "| 10 | <0.1 |" in table and "| 0.0 |" not in table


def test_the_table_says_what_its_counts_cover() -> None:
    """The minutes of a star-view row leave out its preparation, a k-fold table's
    test stars are all folds' together, and on one band the row joining bands is the row
    before it again; each is said (run_bands reads the runs' best.json)."""
    long = pd.DataFrame({
        "step": ["folded", "joint", "trees", "random_forest"] * 2,
        "repeat": ["fold0"] * 4 + ["fold1"] * 4, "macro_f1": [0.9] * 8,
        "accuracy": [0.9] * 8, "n_test_stars": [10] * 8, "seconds": [60.0] * 8,
        "hardware": ["CPU X, 1 thread"] * 3 + ["CPU X, 1 job"]
                    + ["CPU X, 1 thread"] * 3 + ["CPU X, 1 job"]})
    table = ablation_table(long, "synthetic", TrainConfig(), folds=2, bands=1)
    assert "| test stars (all folds) |" in table and "| 20 |" in table
    assert "Test stars: those of the folds a row finished, together" in table
    assert "not its preparation" in table
    assert "| + both bands in one sequence (one band here: the folded row again) |" in table
    table = ablation_table(long, "eros1", TrainConfig(), folds=None, bands=2)
    assert "one band here" not in table and "| test stars |" in table
    alone = ablation_table(long[long["step"] != "folded"], "synthetic", TrainConfig(),
                           folds=2, bands=1)
    assert "one band here" not in alone  # no folded row to repeat


def test_run_bands_reads_a_runs_metadata(tmp_path) -> None:
    from lcformer.experiments.ablation import run_bands

    assert run_bands(tmp_path) is None
    (tmp_path / "trees" / "split").mkdir(parents=True)
    (tmp_path / "trees" / "split" / "best.json").write_text('{"bands": ["B", "R"]}')
    assert run_bands(tmp_path) == 2


def test_a_second_ablation_command_on_a_folder_is_refused_before_it_writes(tmp_path) -> None:
    """Two ablations into one folder rewrote each other's ablation.csv, and one refused by a
    row's lock was still listed in ablation.json as a maker of the folder's rows."""
    import threading

    from lcformer import atomic
    from lcformer.errors import ConfigError

    out, held, done = tmp_path / "ablation", threading.Event(), threading.Event()

    def hold() -> None:  # another command (another thread is refused as another process is)
        with atomic.one_writer(out, "an ablation"):
            held.set()
            done.wait(30)

    other = threading.Thread(target=hold)
    other.start()
    try:
        assert held.wait(30)
        with pytest.raises(ConfigError, match=r"another lcformer command is writing an "
                                              r"ablation there now.*another --out folder"):
            run_ablation("synthetic", out, AblationConfig(steps=("trees",), train=TINY),
                         progress=False, command="second")
        assert not (out / "ablation.json").exists()
    finally:
        done.set()
        other.join()
