"""The lcformer command: subcommands end to end on tiny data, errors as one message + exit 2.

The registered ``synthetic`` dataset generates 900 stars of 250 points, too much for a quick
test, so its reader is replaced by a 30-star version of the same generator here; everything
else (resolving, caching, training, evaluating, predicting) is the real code path.
"""

from __future__ import annotations

import dataclasses
import json
import re

import numpy as np
import pandas as pd
import pytest

from lcformer.api import Classifier, star_ids
from lcformer.cli import main
from lcformer.cli.commands import build_parser
from lcformer.cli.options import config_from_args
from lcformer.data import datasets
from lcformer.data.reading import read_long_table
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.models.config import ModelConfig
from lcformer.models.forest import ForestFusion
from lcformer.models.registry import REGISTRY
from lcformer.training.config import TrainConfig
from lcformer.training.run_folder import load_model

TINY = SyntheticConfig(n_per_class=10, num=84)  # 30 stars of 42 points
TRAIN_ARGS = ["--epochs", "1", "--emb", "8", "--heads", "2", "--window", "20", "--stride", "10",
              "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]


@pytest.fixture(autouse=True)
def isolated(tmp_path, monkeypatch):
    """Nothing is written in the repository."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(datasets.WORK_DIR_ENV, str(tmp_path / "env-work"))
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path / "env-data"))


@pytest.fixture
def tiny_synthetic(monkeypatch):
    spec = dataclasses.replace(datasets.REGISTRY["synthetic"],
                               read=lambda folder, report: make_synthetic(TINY))
    monkeypatch.setitem(datasets.REGISTRY, "synthetic", spec)


def test_datasets_lists_the_registry(capsys) -> None:
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    for name in datasets.REGISTRY:
        assert name in out
    assert "W=60" in out  # eros1's preset


def test_models_lists_the_registry_with_runnable_defaults(capsys) -> None:
    assert main(["models"]) == 0
    out = capsys.readouterr().out
    for name, found in REGISTRY.items():
        assert f"  {name} " in out and found.description in out
    # The defaults it prints are options train accepts, with those values.
    options = out.split("its defaults: ")[1].split()
    args = build_parser().parse_args(["train", "synthetic", *options])
    periodic = REGISTRY["periodic"]
    model, train = config_from_args(ModelConfig, args), config_from_args(TrainConfig, args)
    assert {k: getattr(model, k) for k in periodic.model_defaults} == periodic.model_defaults
    assert {k: getattr(train, k) for k in periodic.train_defaults} == periodic.train_defaults


def test_prepare_synthetic_then_reuse(tiny_synthetic, tmp_path, capsys) -> None:
    work = tmp_path / "work"
    args = ["prepare", "synthetic", "--model", "encoder", "--work-dir", str(work), "--quiet",
            "--window", "20", "--stride", "10"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "reusing" not in out
    assert out.startswith(f"prepared synthetic -> {work / 'prepared'}")
    assert re.search(r"read\s+30 stars\s+30 curves\s+1,260 points", out), out
    assert re.search(r"kept\s+30 stars.*\s90 windows", out), out
    assert re.search(r"^\s+sinusoid\s+10\s+30$", out, re.MULTILINE), out
    assert "nothing dropped" in out
    assert not (tmp_path / "env-work").exists()  # --work-dir wins over the environment

    assert main(args) == 0
    again = capsys.readouterr().out
    assert again.startswith("reusing the identical earlier preparation in ")
    assert again.splitlines()[1:] == out.splitlines()
    assert len(list((work / "prepared").iterdir())) == 1

    # The preset's windows of 100 pairs: a new preparation, and every curve is too short.
    assert main(args[:-4]) == 1  # nothing produced
    out, err = capsys.readouterr()
    assert "reusing" not in out and re.search(r"kept\s+0 stars", out)
    assert re.search(r"shorter_than_window\s+30", out)
    assert err.startswith("lcformer: nothing produced: kept 0 stars of synthetic")
    assert "shorter_than_window 30" in err and len(err.splitlines()) == 1
    assert len(list((work / "prepared").iterdir())) == 2


def test_prepare_a_user_folder(tmp_path, capsys) -> None:
    folder = tmp_path / "mystars"
    folder.mkdir()
    lcs = make_synthetic(SyntheticConfig(n_per_class=2, num=60))
    frame = lcs.to_frame().drop(columns="class")
    frame.to_csv(folder / "lightcurves.csv", index=False)
    pd.DataFrame({"id": lcs.ids, "class": lcs.labels}).to_csv(folder / "labels.csv",
                                                               index=False)
    assert main(["prepare", str(folder), "--window", "20", "--stride", "10", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"kept\s+6 stars", out)
    assert (tmp_path / "env-work" / "prepared").is_dir()  # LCFORMER_WORK_DIR


def test_describe_prints_classes_and_writes_figures(tmp_path, capsys) -> None:
    folder = tmp_path / "mystars"
    folder.mkdir()
    lcs = make_synthetic(SyntheticConfig(n_per_class=3, num=60))
    lcs.to_frame().drop(columns="class").to_csv(folder / "lightcurves.csv", index=False)
    labelled = lcs.ids != "syn-000008"  # one star without a class: not a class of its own
    pd.DataFrame({"id": lcs.ids[labelled], "class": lcs.labels[labelled]}).to_csv(
        folder / "labels.csv", index=False)
    assert main(["describe", str(folder), "--out", str(tmp_path / "fig")]) == 0
    out = capsys.readouterr().out
    assert "9 stars, 9 curves" in out
    assert re.search(r"\(unlabelled\)\s+1\s+30\.0\s+30\s+30", out)
    assert re.search(r"\n  \s+\d", out) is None  # no row without a class name
    one = tmp_path / "one"
    one.mkdir()
    lcs.select(lcs.ids == "syn-000001").to_frame().to_csv(one / "lightcurves.csv", index=False)
    assert main(["describe", str(one), "--out", str(tmp_path / "fig1")]) == 0
    assert "one: 1 star, 1 curve, 30 points after cleaning" in capsys.readouterr().out
    for name in ("class_distribution.png", "length_distribution.png"):
        assert (tmp_path / "fig" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing left after cleaning: said so, exit 1 (the empty figure failed, exit 3).
    frame = lcs.to_frame().drop(columns="class").assign(mag=np.nan)
    frame.to_csv(folder / "lightcurves.csv", index=False)
    assert main(["describe", str(folder), "--out", str(tmp_path / "fig2")]) == 1
    assert "nothing produced: no curve of mystars" in capsys.readouterr().err
    # Other column names: an input error (exit 2) naming the fix, which describe then takes.
    lcs.to_frame().drop(columns="class").rename(columns={"id": "oid", "time": "mjd"}).to_csv(
        folder / "lightcurves.csv", index=False)
    assert main(["describe", str(folder), "--out", str(tmp_path / "fig3")]) == 2
    assert "--columns" in capsys.readouterr().err
    assert main(["describe", str(folder), "--out", str(tmp_path / "fig3"), "--columns",
                 "id=oid,time=mjd"]) == 0
    assert "9 stars, 9 curves" in capsys.readouterr().out


def test_an_empty_labels_file_is_described_exit_0_and_refused_by_prepare(tmp_path,
                                                                         capsys) -> None:
    """A labels.csv of only a header: a folder is described before it is labelled, so
    describe lists the stars (unlabelled), counts the file and says so, exit 0, as it does
    for a folder without labels (its exit status is
    non-zero only where nothing is left, or the input cannot be read); prepare (and train)
    refuse it, exit 2. Two catalogues that differ stop both, exit 2."""
    from tests.data.reading.archives import write_archive

    folder = tmp_path / "mystars"
    folder.mkdir()
    lcs = make_synthetic(SyntheticConfig(n_per_class=2, num=60))
    lcs.to_frame().drop(columns="class").to_csv(folder / "lightcurves.csv", index=False)
    (folder / "labels.csv").write_text("id,class\n")
    with pytest.warns(UserWarning, match=re.escape(
            f"{folder / 'labels.csv'}:1: only a header, no rows: read as no labels, as if it "
            f"were absent; prepare and train refuse it until it is filled in")):
        assert main(["describe", str(folder), "--out", str(tmp_path / "fig")]) == 0
    out = capsys.readouterr().out
    assert "(unlabelled)" in out and "empty_labels_file" in out
    assert ("the labels file has no rows (only a header), so no star is labelled by it: every "
            "star is (unlabelled)") in out
    with pytest.warns(UserWarning, match="only a header, no rows: read as no labels"):
        assert main(["prepare", str(folder), "--quiet"]) == 2  # (the reader's warning first)
    assert capsys.readouterr().err.splitlines() == [
        f"lcformer: error: {folder / 'labels.csv'}:1: only a header, no rows: an empty labels "
        f"table labels no star; fill it in or remove it"]
    text = "".join(f"{t},{12 + np.sin(t):.3f},0.01\n" for t in range(30))
    archive = write_archive(tmp_path / "two.zip", {
        "a/catalog.csv": "filename,class\na1.dat,RRL\n", "a/a1.dat": text,
        "b/catalog.csv": "filename,class\nb1.dat,EB\n", "b/b1.dat": text})
    line = (f"{archive}: holds 2 catalogues that differ (a/catalog.csv, b/catalog.csv): which "
            f"labels the files cannot be guessed (only a/catalog.csv would be read, the other "
            f"ignored); join them into one catalog.csv and repack two.zip without the other")
    for argv in (["describe", str(archive), "--out", str(tmp_path / "fig2")],
                 ["prepare", str(archive), "--quiet"]):
        assert main(argv) == 2
        out, err = capsys.readouterr()
        assert err.splitlines() == [f"lcformer: error: {line}"] and "(unlabelled)" not in out
    assert not (tmp_path / "fig2").exists()


def test_prepare_a_lone_table_file_with_a_class_column(tmp_path, capsys) -> None:
    lcs = make_synthetic(SyntheticConfig(n_per_class=2, num=60))
    path = tmp_path / "mystars.parquet"
    lcs.to_frame().rename(columns={"class": "type"}).to_parquet(path)
    assert main(["prepare", str(path), "--quiet"]) == 2  # no column named class
    assert "--columns class=NAME" in capsys.readouterr().err
    assert main(["prepare", str(path), "--columns", "label=type", "--quiet"]) == 0
    assert re.search(r"prepared mystars -> .*\n\s+read\s+6 stars", capsys.readouterr().out)


@pytest.mark.parametrize("command", ["train", "baseline", "sweep", "ablation"])
def test_commands_that_prepare_take_its_jobs(command, monkeypatch) -> None:
    seen = {}

    def prepare_dataset(*args, **kwargs):
        seen.update(kwargs)
        raise SystemExit(0)  # the preparation is all this test looks at

    monkeypatch.setattr("lcformer.cli.commands.prepare_dataset", prepare_dataset)
    monkeypatch.setattr("lcformer.experiments.ablation.prepare_dataset", prepare_dataset)
    with pytest.raises(SystemExit):
        main([command, "synthetic", "--jobs", "2", "--quiet"])
    assert seen["jobs"] == 2


def test_unknown_dataset_exits_2_naming_the_registered_ones(capsys) -> None:
    assert main(["prepare", "no_such_survey", "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lcformer: error: unknown dataset 'no_such_survey'")
    for name in datasets.REGISTRY:
        assert name in err
    assert "Traceback" not in err


@pytest.mark.parametrize("command", ["sweep", "ablation", "prepare", "baseline"])
def test_commands_but_train_refuse_torchrun(command, monkeypatch, capsys) -> None:
    """Each torchrun rank would run all of it into the same folder (no process group exists
    yet when the command starts, so the check is on torchrun's environment: predict's
    second rank would meet the first's lock, baseline would run twice into one folder)."""
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert main([command, "synthetic", "--quiet"]) == 2
    assert f"{command} runs one process: start it without torchrun" in capsys.readouterr().err
    monkeypatch.setenv("WORLD_SIZE", "1")  # a job script's export: one process, allowed
    assert main(["datasets"]) == 0


def test_missing_registered_dataset_says_where_to_put_it(tmp_path, capsys) -> None:
    data = tmp_path / "data"
    data.mkdir()
    assert main(["prepare", "eros1", "--data-dir", str(data), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lcformer: error: dataset 'eros1' not found")
    assert str(data / "eros1") in err
    assert "lightcurves.parquet" in err and "--data-dir" in err


def new_stars_with_a_short_one() -> pd.DataFrame:
    """Three unlabelled stars as a long table; the last one ("short-star") has 8 points."""
    new = make_synthetic(dataclasses.replace(TINY, n_per_class=1, seed=5)).to_frame()
    new = new.drop(columns="class")
    short = new[new["id"] == new["id"].iloc[0]].head(8).assign(id="short-star")
    return pd.concat([new[new["id"] != new["id"].iloc[0]], short])


def test_train_evaluate_predict(tiny_synthetic, tmp_path, capsys) -> None:
    work, run_dir = tmp_path / "work", tmp_path / "run"
    code = main(["train", "synthetic", "--work-dir", str(work), "--run-dir", str(run_dir),
                 "--model", "encoder", *TRAIN_ARGS])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "synthetic / encoder: star-level test accuracy" in out
    assert f"run folder: {run_dir}" in out
    for name in ("config.toml", "history.csv", "best.safetensors", "last.safetensors",
                 "metrics.json", "test_predictions.csv"):
        assert (run_dir / name).is_file(), name
    assert len(pd.read_csv(run_dir / "history.csv")) == 1
    assert len(pd.read_csv(run_dir / "test_predictions.csv")) == 6  # 2 of 10 per class

    assert main(["evaluate", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert "star-level test accuracy" in out
    for cls in ("car", "gaussian_process", "sinusoid"):
        assert re.search(rf"^\s+{cls}\s+\d\.\d{{3}}", out, re.MULTILINE)
    assert "window level: accuracy" in out and "on 18 windows" in out

    # New stars as a long table: two usable, one too short for a window of 20 pairs.
    table = tmp_path / "new_stars.csv"
    new_stars_with_a_short_one().to_csv(table, index=False)
    out_csv = tmp_path / "predictions.csv"
    assert main(["predict", str(run_dir), str(table), "--out", str(out_csv),
                 "--device", "cpu", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "classified 2 of 3 stars" in out
    predictions = pd.read_csv(out_csv)
    assert list(predictions.columns) == ["id", "predicted", "probability", "p_car",
                                         "p_gaussian_process", "p_sinusoid", "n_windows",
                                         "n_points", "n_bands", "flag", "other_flags",
                                         "seen_in_training"]
    assert not predictions["seen_in_training"].any()  # new stars, not the run's own
    from tests.conftest import held_elsewhere

    with held_elsewhere(out_csv, "predictions"):  # two predicts into one file: not both "done"
        assert main(["predict", str(run_dir), str(table), "--out", str(out_csv),
                     "--device", "cpu", "--quiet"]) == 2
    assert capsys.readouterr().err.strip().endswith(
        f"{out_csv}: another lcformer command is writing predictions there now; wait for it "
        f"to end, or give another --out file")
    assert len(predictions) == 2 and "short-star" not in set(predictions["id"])
    np.testing.assert_allclose(predictions.filter(like="p_").sum(axis=1), 1.0, rtol=1e-5)
    assert set(predictions["predicted"]) <= {"car", "gaussian_process", "sinusoid"}
    skipped = pd.read_csv(tmp_path / "predictions_unclassified.csv")
    assert skipped["id"].tolist() == ["short-star"]
    assert "shorter than one window" in skipped["reason"].iloc[0]

    # --pad-short classifies it from a masked window; --threads bounds torch, as for train
    # (a shared node).
    import torch

    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        assert main(["predict", str(run_dir), str(table), "--out", str(out_csv), "--pad-short",
                     "--device", "cpu", "--quiet", "--threads", "1"]) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    assert "classified 3 of 3 stars" in capsys.readouterr().out
    padded = pd.read_csv(out_csv).set_index("id")
    assert "short-star" in padded.index

    # A folder of per-star files, one of them unreadable: the others are classified, and the
    # exit status says that the output is incomplete (that star is in neither file).
    folder = tmp_path / "stars"
    folder.mkdir()
    for star, rows in pd.read_csv(table).groupby("id"):
        rows[["time", "mag", "err"]].to_csv(folder / f"{star}.csv", index=False)
    (folder / "broken.csv").write_text("time,mag,err\n1,x,0.1\n")
    assert main(["predict", str(run_dir), str(folder), "--out", str(out_csv), "--pad-short",
                 "--device", "cpu", "--quiet"]) == 1
    captured = capsys.readouterr()
    assert "classified 3 of 3 stars" in captured.out
    assert "lcformer: incomplete: input that could not be read" in captured.err
    assert "1 unreadable file(s)" in captured.err
    assert "(a star with other files read is classified without it)" in captured.err
    # Past the ten problems shown, every one is in a file beside the predictions.
    for i in range(11):
        (folder / f"broken{i}.csv").write_text("time,mag,err\n1,x,0.1\n")
    problems = out_csv.with_name(out_csv.stem + "_problems.txt")
    assert main(["predict", str(run_dir), str(folder), "--out", str(out_csv), "--pad-short",
                 "--device", "cpu", "--quiet"]) == 1
    assert f"... and 2 more (all 12 in {problems})" in capsys.readouterr().out
    assert len(problems.read_text().splitlines()) == 12
    for i in range(11):
        (folder / f"broken{i}.csv").unlink()
    (folder / "broken.csv").write_text("time,mag,err\n")  # empty: nothing lost
    assert main(["predict", str(run_dir), str(folder), "--out", str(out_csv), "--pad-short",
                 "--device", "cpu", "--quiet"]) == 0
    # A catalogue naming a file that is not there: that star is lost too.
    catalogue = "filename\n" + "".join(f"{p.name}\n" for p in sorted(folder.glob("*.csv")))
    (folder / "catalog.csv").write_text(catalogue + "gone.csv\n")
    assert main(["predict", str(run_dir), str(folder), "--out", str(out_csv), "--pad-short",
                 "--device", "cpu", "--quiet"]) == 1
    assert "1 catalogued file(s) not found" in capsys.readouterr().err
    (folder / "catalog.csv").unlink()

    # The Python API loads the same run folder and agrees with the command.
    clf = Classifier.load(run_dir)
    lcs = read_long_table(table)
    with pytest.warns(UserWarning, match="1 of 3 stars could not be classified"):
        proba = clf.predict_proba(lcs)
    ids = star_ids(lcs).tolist()
    assert ids[-1] == "short-star" and np.isnan(proba[-1]).all()
    np.testing.assert_allclose(proba[:-1], padded.loc[ids[:-1]].filter(like="p_").to_numpy(),
                               rtol=1e-6)

    # Training again into the folder replaces that model: said even when quiet.
    assert main(["train", "synthetic", "--work-dir", str(work), "--run-dir", str(run_dir),
                 "--model", "encoder", *TRAIN_ARGS]) == 0
    assert f"replaced the earlier run in {run_dir}" in capsys.readouterr().err
    # ... but not while another command writes there (two trainings would mix one folder).
    from tests.conftest import held_elsewhere

    with held_elsewhere(run_dir):
        assert main(["train", "synthetic", "--work-dir", str(work), "--run-dir", str(run_dir),
                     "--model", "encoder", *TRAIN_ARGS]) == 2
    assert capsys.readouterr().err.strip() == (
        f"lcformer: error: {run_dir}: another lcformer command is writing a run there now; "
        f"wait for it to end, or give another folder")


@pytest.mark.realdata
def test_prepare_eros1(data_root, tmp_path, capsys) -> None:
    code = main(["prepare", "eros1", "--model", "encoder", "--data-dir", str(data_root),
                 "--work-dir", str(tmp_path / "work"), "--quiet"])
    out = capsys.readouterr().out
    assert code == 0
    assert re.search(r"read\s+3,641 stars", out), out
    assert re.search(r"kept\s+3,641 stars", out), out


def test_the_default_model_trains_on_star_views_and_predicts_periods(tiny_synthetic, tmp_path,
                                                                      capsys) -> None:
    work, run_dir = tmp_path / "work", tmp_path / "run"
    assert main(["train", "synthetic", "--work-dir", str(work), "--run-dir", str(run_dir),
                 *TRAIN_ARGS]) == 0
    out = capsys.readouterr().out
    assert "synthetic / periodic: star-level test accuracy" in out
    assert "30 samples" in out  # one star view per star: none dropped, none cut
    metrics = json.loads((run_dir / "metrics.json").read_text())["records"][0]
    assert 0 <= metrics["star"]["ece"] <= 1  # calibration is reported
    tested = pd.read_csv(run_dir / "test_predictions.csv")  # with the period folded at
    assert (tested["period"] > 0).all() and tested["power"].between(0, 1).all()
    assert (run_dir / "figures" / "folded_test_stars.png").is_file()
    # New stars, one of them 8 points long: every star is classified, with its period.
    table = tmp_path / "new_stars.parquet"
    new_stars_with_a_short_one().to_parquet(table, index=False)
    out_file = tmp_path / "predictions.parquet"
    assert main(["predict", str(run_dir), str(table), "--out", str(out_file), "--quiet"]) == 0
    assert "classified 3 of 3 stars" in capsys.readouterr().out
    predictions = pd.read_parquet(out_file)
    assert {"period", "power"} <= set(predictions.columns)
    assert (predictions["period"] > 0).all() and predictions["power"].between(0, 1).all()
    # By default a random forest and boosting sit beside the network: saved with it, named by
    # `info`.
    model, metadata = load_model(run_dir)
    assert isinstance(model, ForestFusion) and len(model.forest.roots) == 500
    assert len(model.boosting.roots) == 100 * 3  # one tree per class and iteration
    assert model.extra_trees is None
    assert 0 <= metadata["forest"]["network_weight"] <= 1
    # The features leave the periodogram to the period search: no grid of their own.
    assert metadata["feature_span"] is None
    assert not any("period_s_to_n" in name for name in metadata["extra_names"])
    assert float(model.weight) == pytest.approx(metadata["forest"]["network_weight"])
    assert (run_dir / "network" / "last.safetensors").is_file()  # the network's own
    # ... which is not a model to predict with: said so, not "no checkpoint".
    assert main(["predict", str(run_dir), str(table), "--checkpoint", "last"]) == 2
    assert "saved as best.safetensors only" in capsys.readouterr().err
    assert main(["info", str(run_dir)]) == 0
    out = capsys.readouterr().out
    assert ("with a forest of 500 trees and 100 boosting iterations (weight of the network"
            in out)
    assert "network/last.safetensors" in out


def test_predict_reads_new_stars_as_the_training_tables_were_read(tmp_path, capsys) -> None:
    """A model trained on fluxes (--columns, --flux, --zero-point) predicts a table of the same
    layout without those options: read as in training, and said (read as magnitudes, the
    fluxes would be refused, or with another zero point be other magnitudes)."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=8, num=60))
    frame = lcs.to_frame().rename(columns={"id": "objectId", "mag": "flux", "err": "flux_err",
                                           "class": "type"})
    frame["flux"] = 10 ** (-0.4 * (frame["flux"] - 23.9))  # micro-Jansky
    frame["flux_err"] = frame["flux_err"] * frame["flux"] / 1.0857362047581294
    frame["catflags"] = np.where(np.arange(len(frame)) % 7 == 3, 32768, 0)  # ZTF's bad rows
    frame.loc[np.arange(len(frame)) % 5 == 1, "catflags"] += 4  # a bit not asked for: kept
    frame.loc[frame["catflags"] > 0, "flux"] *= 50  # ... hold nonsense
    folder = tmp_path / "survey"
    folder.mkdir()
    frame.to_csv(folder / "lightcurves.csv", index=False)
    reading = ["--columns", "id=objectId,mag=flux,err=flux_err,class=type,flag=catflags",
               "--flag-bits", "0x8000", "--flux", "--zero-point", "23.9"]  # (as 32768)
    assert main(["train", str(folder), "--work-dir", str(tmp_path / "w"), "--run-dir",
                 str(tmp_path / "run"), "--epochs", "1", "--emb", "8", "--heads", "2",
                 "--depth", "1", "--forest", "5", "--boosting", "3", "--threads", "1",
                 "--quiet", *reading]) == 0
    capsys.readouterr()
    assert main(["info", str(tmp_path / "run")]) == 0
    assert ("reading     --columns id=objectId,mag=flux,err=flux_err,class=type,flag=catflags "
            "--flag-bits 32768 --flux --zero-point 23.9" in capsys.readouterr().out)
    table = str(folder / "lightcurves.csv")
    assert main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "a.csv"),
                 "--quiet"]) == 0
    assert ("reading the input as the run's training tables were read: --columns "
            "id=objectId,mag=flux,err=flux_err,class=type,flag=catflags --flag-bits 32768 "
            "--flux --zero-point 23.9" in capsys.readouterr().out)
    # The rows with the bit asked for were dropped: as if the table held none.
    frame[(frame["catflags"] & 32768) == 0].to_csv(tmp_path / "good.csv", index=False)
    assert main(["predict", str(tmp_path / "run"), str(tmp_path / "good.csv"), "--out",
                 str(tmp_path / "g.csv"), "--quiet"]) == 0
    capsys.readouterr()
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "g.csv"),
                                  pd.read_csv(tmp_path / "a.csv"))
    assert main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "b.csv"),
                 "--quiet", *reading]) == 0
    assert "reading the input as" not in capsys.readouterr().out  # the options were given
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"),
                                  pd.read_csv(tmp_path / "b.csv"))
    # Options given win, as a group: --flux with --zero-point, --columns. These fluxes read
    # as magnitudes are refused, naming --flux (the column's name, flux, says so first).
    assert main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "c.csv"),
                 "--quiet", "--no-flux"]) == 2
    assert "the magnitude column is 'flux', a flux's name: give --flux" in (
        capsys.readouterr().err)
    # Half the group: --flux takes the run's zero point, --zero-point the run's --flux.
    for options in (["--flux"], ["--zero-point", "23.9"]):
        assert main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "h.csv"),
                     "--quiet", *options]) == 0
        assert "--flux --zero-point 23.9 (give these" in capsys.readouterr().out
        pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "h.csv"),
                                      pd.read_csv(tmp_path / "a.csv"))
    assert main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "h.csv"),
                 "--quiet", "--no-flux", "--zero-point", "23.9"]) == 2
    assert "not with --no-flux" in capsys.readouterr().err
    with (pytest.warns(UserWarning, match=r"^--zero-point 8\.9: the run's training fluxes "
                                          r"were read with 23\.9, so the same fluxes come out "
                                          r"-15 mag from what the model learnt"),
          pytest.warns(UserWarning, match=r"the magnitudes --flux made have a median of "
                                          r"-\d")):  # the reading's own word on it
        main(["predict", str(tmp_path / "run"), table, "--out", str(tmp_path / "h.csv"),
              "--quiet", "--flux", "--zero-point", "8.9"])
    capsys.readouterr()
    # A registered dataset's name for the same table: the run's column names apply too.
    registered = tmp_path / "root" / "eros1"  # as that dataset's files are laid out
    registered.mkdir(parents=True)
    frame.drop(columns="type").to_parquet(registered / "lightcurves.parquet", index=False)
    frame[["objectId", "type"]].drop_duplicates().to_csv(registered / "labels.csv",
                                                          index=False)
    assert main(["predict", str(tmp_path / "run"), "eros1", "--data-dir",
                 str(tmp_path / "root"), "--out", str(tmp_path / "e.csv"), "--quiet"]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "e.csv"),
                                  pd.read_csv(tmp_path / "a.csv"))
    # A per-star file (read by position, no flags): the run's fluxes apply, its column names
    # do not, which is said.
    one = frame[(frame["objectId"] == frame["objectId"].iloc[0])
                & (frame["catflags"] & 32768 == 0)]
    one[["time", "flux", "flux_err"]].to_csv(tmp_path / "one.dat", index=False, header=False)
    with pytest.warns(UserWarning, match=r"one\.dat: 1 file\(s\) without a header line were "
                                         r"read by position, their second column as the flux"):
        assert main(["predict", str(tmp_path / "run"), str(tmp_path / "one.dat"), "--out",
                     str(tmp_path / "d.csv"), "--quiet"]) == 0
    single, whole = pd.read_csv(tmp_path / "d.csv"), pd.read_csv(tmp_path / "a.csv")
    assert single["predicted"][0] == whole["predicted"][0]
    np.testing.assert_allclose(single.filter(like="p_").iloc[0], whole.filter(like="p_").iloc[0],
                               rtol=1e-5)


def test_predict_reads_per_star_files_with_the_runs_column_names(tmp_path, capsys) -> None:
    """Trained on per-star files with --columns mag=V,err=eV,flag=Q, a run predicts the same
    files as it read them, not from another column that happens to be called mag."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=6, num=60))
    folder = tmp_path / "stars"
    folder.mkdir()
    for star, rows in lcs.to_frame().groupby("id"):
        flagged = np.arange(len(rows)) % 9 == 4
        pd.DataFrame({"HJD": rows["time"], "V": np.where(flagged, 99.0, rows["mag"]),
                      "mag": rows["mag"] + 5.0, "eV": rows["err"],
                      "Q": flagged.astype(int)}).to_csv(folder / f"{star}.csv", index=False)
    labels = lcs.to_frame().groupby("id")["class"].first()
    pd.DataFrame({"filename": [f"{s}.csv" for s in labels.index],
                  "class": labels.to_numpy()}).to_csv(folder / "catalog.csv", index=False)
    columns = ["--columns", "mag=V,err=eV,flag=Q"]
    assert main(["train", str(folder), "--work-dir", str(tmp_path / "w"), "--run-dir",
                 str(tmp_path / "run"), "--epochs", "1", "--emb", "8", "--heads", "2",
                 "--depth", "1", "--forest", "5", "--boosting", "3", "--threads", "1",
                 "--quiet", *columns]) == 0
    run = str(tmp_path / "run")
    assert main(["predict", run, str(folder), "--out", str(tmp_path / "a.csv"), "--quiet"]) == 0
    assert "--columns mag=V,err=eV,flag=Q" in capsys.readouterr().out
    assert main(["predict", run, str(folder), "--out", str(tmp_path / "b.csv"), "--quiet",
                 *columns]) == 0
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv"))
    assert main(["predict", run, str(folder), "--out", str(tmp_path / "c.csv"), "--quiet",
                 "--columns", "mag=mag,err=eV,flag=Q"]) == 0  # the other column: differs
    assert not pd.read_csv(tmp_path / "a.csv").equals(pd.read_csv(tmp_path / "c.csv"))
