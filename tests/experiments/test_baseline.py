"""The feature baseline: light-curve features per star, and the deep runs' exact star split."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest
import torch

pytest.importorskip("light_curve")

from lcformer import cli
from lcformer.data import datasets
from lcformer.data.features import (
    ERROR_FEATURES,
    angular_frequency_grid,
    feature_extractor,
    star_features,
)
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.splits import assign_splits
from lcformer.data.tokens import TokenConfig
from lcformer.evaluation.records import read_records
from lcformer.experiments.baseline import make_model, run_baseline, save_baseline
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig
from lcformer.training.loop import TrainConfig
from lcformer.training.runs import train_run

PREPARE = PrepareConfig(tokens=TokenConfig(window=40, stride=40))


def easy_curves(n_per_class: int = 30, n_points: int = 100, seed: int = 0,
                splits: bool = False) -> LightCurves:
    """Sinusoids (period 0.3-5 d, amplitude 1) against white noise, 100 points over 100 days."""
    rng = np.random.default_rng(seed)
    curves, labels = [], []
    for i in range(2 * n_per_class):
        t = np.sort(rng.uniform(0, 100, n_points))
        if i % 2:
            m = 12 + np.sin(2 * np.pi * t / rng.uniform(0.3, 5)) + rng.normal(0, .1, n_points)
            labels.append("sinusoid")
        else:
            m = 12 + rng.normal(0, .5, n_points)
            labels.append("noise")
        curves.append((f"s{i:02d}", "V", t, m, np.full(n_points, .1)))
    part = ["test" if i % 4 == 0 else "train" for i in range(len(curves))] if splits else None
    return LightCurves.from_list(curves, labels=labels, splits=part)


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data, _ = prepare("easy", lambda report: easy_curves(), "h", PREPARE,
                      tmp_path_factory.mktemp("prepared"))
    return data


@pytest.fixture(scope="module")
def result(prepared):
    return run_baseline(prepared, "auto", seed=0)


def test_extractor_has_the_standard_features() -> None:
    names = feature_extractor().names
    for name in ("amplitude", "periodogram_period_0", "periodogram_period_s_to_n_0", "skew",
                 "stetson_K", "eta_e", "anderson_darling_normal", "otsu_mean_diff",
                 *ERROR_FEATURES):
        assert name in names
    grid = angular_frequency_grid(100.0, 0.05)
    assert grid[0] == 0 and np.isclose(grid[-1], 2 * np.pi / 0.05)
    assert (len(grid) - 1) & (len(grid) - 2) == 0  # 2**k + 1 points: the fast periodogram
    assert grid[1] <= 2 * np.pi / 100 / 3  # three steps per peak width


def test_star_features_per_band_with_nans_counted(rng) -> None:
    t = np.sort(rng.uniform(0, 50, 100))
    sine = np.sin(2 * np.pi * t / 1.7)
    err = np.full(100, .05)
    lcs = LightCurves.from_list([
        ("a", "V", t, sine, err),
        ("a", "R", t[:3], sine[:3], err[:3]),  # too short: NaN, counted
        ("b", "V", t, rng.normal(size=100), err),  # no R curve at all
        ("c", "V", t, sine, None),  # errors unknown
        ("c", "R", t, sine, np.where(np.arange(100) % 2, err, np.nan)),  # half unknown
    ])
    from lcformer.data.report import DropReport

    report = DropReport()
    table = star_features(lcs, report)
    names = feature_extractor().names
    assert table.index.tolist() == ["a", "b", "c"]
    assert table.columns.tolist() == [f"{b}_{n}" for b in ("R", "V") for n in names]
    assert table.loc["a", [f"R_{n}" for n in names]].isna().all()
    assert table.loc["b", [f"R_{n}" for n in names]].isna().all()
    assert table.loc["a", "V_periodogram_period_0"] == pytest.approx(1.7, rel=0.02)
    errors = [f"V_{n}" for n in ERROR_FEATURES]
    assert table.loc["c", errors].isna().all()  # unknown errors: no error-weighted features
    assert table.loc["a", errors].notna().all()
    assert table.loc["c", "V_periodogram_period_0"] == pytest.approx(1.7, rel=0.02)
    assert table.loc["c", [f"R_{n}" for n in ERROR_FEATURES]].notna().all()  # median-filled
    assert report.events["feature_curves_too_few_points"] == 1
    assert report.events["feature_star_bands_missing"] == 1
    assert report.events["feature_curves_without_errors"] == 1
    assert report.events["feature_points_err_filled"] == 50
    assert "feature_curves_failed" not in report.events


def test_baseline_separates_easy_classes(result, prepared) -> None:
    assert [r.model for r in result.records] == ["random_forest", "gradient_boosting"]
    for record in result.records:
        star = record.star
        assert star["n"] == len(result.info["test_ids"]) == 12  # 20% of 30 per class
        assert set(star["per_class"]) == set(prepared.classes)
        assert np.asarray(star["confusion"]).sum() == star["n"]
        assert star["macro_f1"] > 0.8, record.model
        assert record.split["stars"] == {"train": 42, "val": 6, "test": 12}
    assert result.info["features"]["n_features"] == len(feature_extractor().names)


def test_baseline_tests_exactly_the_deep_runs_test_stars(result, prepared, tmp_path) -> None:
    parts = assign_splits(prepared, "auto", 0)
    ids = prepared.stars["id"].to_numpy()
    assert result.info["test_ids"] == sorted(ids[parts == "test"].tolist())
    assert result.predictions["id"].tolist() == ids[parts == "test"].tolist()

    config = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2),
                       train=TrainConfig(epochs=1, batch_size=64, device="cpu"))
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        train_run(prepared, config, tmp_path / "deep", progress=False, figures=False)
    finally:
        torch.set_num_threads(before)
    deep = pd.read_csv(tmp_path / "deep" / "test_predictions.csv", dtype={"id": str})
    assert sorted(deep["id"]) == result.info["test_ids"]
    assert dict(zip(deep["id"], deep["label"], strict=True)) == dict(
        zip(result.predictions["id"], result.predictions["label"], strict=True))


def test_a_dataset_split_of_its_own_is_kept(tmp_path) -> None:
    lcs = easy_curves(n_per_class=12, splits=True)
    data, _ = prepare("fixed", lambda report: lcs, "h", PREPARE, tmp_path)
    out = run_baseline(data, "auto", seed=0, models=("random_forest",))
    given = dict(zip(lcs.ids, lcs.splits, strict=True))
    assert out.info["test_ids"] == sorted(i for i, s in given.items() if s == "test")
    assert out.records[0].split["stars"]["test"] == 6


def test_save_baseline_writes_metrics_and_predictions(result, tmp_path) -> None:
    run_dir = save_baseline(tmp_path / "run", result)
    saved = json.loads((run_dir / "metrics.json").read_text())
    assert saved["kind"] == "feature_baseline"
    assert saved["test_ids"] == result.info["test_ids"]
    assert read_records(run_dir) == result.records  # the same typed records as deep runs
    table = pd.read_csv(run_dir / "test_predictions.csv", dtype={"id": str})
    assert sorted(table["id"]) == result.info["test_ids"]
    classes = result.records[0].classes
    for name in ("random_forest", "gradient_boosting"):
        p = table[[f"p_{name}_{c}" for c in classes]].to_numpy()
        np.testing.assert_allclose(p.sum(1), 1.0)
        assert set(table[f"predicted_{name}"]) <= set(classes)
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")]


def test_cli_baseline(tmp_path, monkeypatch, capsys) -> None:
    spec = dataclasses.replace(datasets.REGISTRY["synthetic"],
                               read=lambda folder, report: easy_curves(n_per_class=12))
    monkeypatch.setitem(datasets.REGISTRY, "synthetic", spec)
    out = tmp_path / "out"
    code = cli.main(["baseline", "synthetic", "--work-dir", str(tmp_path / "work"), "--quiet",
                     "--window", "40", "--stride", "40", "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    # What reading and cleaning kept comes first, as train prints it (ZTF's flagged rows
    # dropped by baseline, say).
    assert printed.startswith("prepared synthetic -> ")
    lines = [line for line in printed.splitlines() if line.startswith("synthetic / ")]
    assert lines[0].startswith("synthetic / random_forest: star-level test accuracy ")
    assert lines[1].startswith("synthetic / gradient_boosting: star-level test accuracy ")
    assert "on 6 stars" in lines[0]
    assert (out / "metrics.json").is_file() and (out / "test_predictions.csv").is_file()
    # How to make it again: the command and the software's versions
    made = json.loads((out / "metrics.json").read_text())
    assert made["command"].startswith("lcformer baseline synthetic --work-dir ")
    assert made["command"].endswith(f"--out {out}")
    assert {"python", "lcformer", "torch", "numpy", "scikit-learn"} <= set(made["software"])
    # `lcformer evaluate` reads a baseline folder as it reads a deep run's: one block each.
    assert cli.main(["evaluate", str(out)]) == 0
    shown = capsys.readouterr().out
    assert shown.count("star-level test accuracy") == 2 and "precision  recall" in shown
    # Default folders of two folds (or another model's stars) do not overwrite each other.
    for fold in (0, 1):
        assert cli.main(["baseline", "synthetic", "--work-dir", str(tmp_path / "work"),
                         "--quiet", "--window", "40", "--stride", "40",
                         "--split", f"kfold:2:{fold}"]) == 0
    runs = sorted(p.name for p in (tmp_path / "work" / "runs").iterdir())
    assert runs == ["synthetic-baseline-seed0-kfold2-0", "synthetic-baseline-seed0-kfold2-1"]


def test_the_features_periodogram_reaches_the_preparations_shortest_period(result,
                                                                           tmp_path) -> None:
    """`baseline --min-period 0.5` made a preparation with it, then the features searched
    down to 0.05 d anyway (and said so in metrics.json)."""
    from lcformer.data.periods import PeriodConfig

    assert result.info["features"]["min_period_days"] == PeriodConfig().min_period
    config = PREPARE.replace(periods=PeriodConfig(min_period=0.5))
    data, _ = prepare("easy", lambda report: easy_curves(n_per_class=6), "h2", config, tmp_path)
    assert run_baseline(data, "auto", seed=0).info["features"]["min_period_days"] == 0.5


def test_a_split_without_test_stars_is_refused(tmp_path) -> None:
    """A dataset's own split column that says train for every star: nothing to score (it
    crashed in the imputer on 0 rows)."""
    from lcformer.errors import NothingToTrainError

    curves = easy_curves(n_per_class=4)
    all_train = LightCurves(curves.ids, curves.bands, curves.offsets, curves.time, curves.mag,
                            curves.err, curves.labels,
                            np.full(curves.n_curves, "train", dtype=object))
    data, _ = prepare("alltrain", lambda report: all_train, "h", PREPARE, tmp_path)
    with pytest.raises(NothingToTrainError, match="has no test stars"):
        run_baseline(data, "auto", seed=0)


def test_gradient_boosting_learns_on_a_few_dozen_training_stars() -> None:
    """With scikit-learn's 20-star leaves, 30 training stars get no split: one class for all."""
    rng = np.random.default_rng(0)
    y = np.arange(30) % 3
    x = rng.normal(size=(30, 4))
    x[:, 0] += 3.0 * y
    model = make_model("gradient_boosting", len(y)).fit(x, y)
    assert (model.predict(x) == y).mean() > 0.9


def test_a_band_too_sparse_for_features_is_said_in_lcformers_words(tmp_path) -> None:
    """VVV's J, with at most 4 points a star, gives no feature of J (MIN_POINTS 5): said,
    not as scikit-learn's imputer's "features without any observed values: [0 ... 71]"."""
    import warnings

    easy = easy_curves(n_per_class=12)
    rng = np.random.default_rng(1)
    sparse = [(easy.ids[k], "J", np.sort(rng.uniform(0, 100, 4)), 11 + rng.normal(0, .1, 4),
               np.full(4, .1)) for k in range(easy.n_curves)]
    both = LightCurves.from_list([(easy.ids[k], "V", *easy.curve(k)) for k in
                                  range(easy.n_curves)] + sparse,
                                 labels=list(easy.labels) * 2)
    data, _ = prepare("sparse", lambda report: both, "h", PREPARE, tmp_path)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        out = run_baseline(data, "auto", seed=0, models=("random_forest",))
    said = [str(w.message) for w in caught]
    assert any("light-curve features have no value for any training star (band J: no "
               "training star has 5 points there); the baseline's classifiers leave them out"
               in m for m in said), said
    assert not any("Skipping features" in m for m in said), said
    left = out.info["features"]["left_out"]
    assert left and all(n.startswith("J_") for n in left)
    assert out.info["features"]["n_features"] == len(out.info["features"]["names"])
    # Curves without errors: their error-weighted features are the cause, not the points
    # (not "band V: no training star has 5 points there").
    bare = LightCurves.from_list([(easy.ids[k], "V", *easy.curve(k)[:2], None)
                                  for k in range(easy.n_curves)], labels=list(easy.labels))
    data, _ = prepare("bare", lambda report: bare, "h", PREPARE, tmp_path / "bare")
    with pytest.warns(UserWarning, match=r"light-curve features have no value for any training "
                                         r"star \(the error-weighted ones: no training star has "
                                         r"errors\)"):
        run_baseline(data, "auto", seed=0, models=("random_forest",))
