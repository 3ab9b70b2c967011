"""Folders written by lcformer 0.1.0 (before the package was regrouped) still load and predict
exactly what they predicted then (tests/fixtures/legacy-0.1.0/README.md says how they were
made)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.api import Classifier
from lcformer.cli import main
from lcformer.data.reading import read_long_table
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy-0.1.0"


def test_a_run_folder_of_0_1_0_predicts_as_it_did(tmp_path, capsys) -> None:
    out = tmp_path / "predictions.csv"
    assert main(["predict", str(LEGACY / "run"), str(LEGACY / "stars.csv"), "--out", str(out),
                 "--quiet"]) == 0
    assert "classified 6 of 6 stars" in capsys.readouterr().out
    expected = pd.read_csv(LEGACY / "expected_predictions.csv")
    got = pd.read_csv(out)
    # The same columns, and the counts and low-signal flag columns added since 0.1.0.
    assert list(got.columns) == [*expected.columns, "n_points", "n_bands", "flag", "other_flags"]
    assert (got["predicted"] == expected["predicted"]).all()
    numbers = [c for c in expected.columns if c.startswith("p_") or c == "probability"]
    np.testing.assert_allclose(got[numbers], expected[numbers], rtol=0, atol=1e-6)


def test_its_run_config_reads_as_the_typed_config() -> None:
    saved = tomllib.loads((LEGACY / "run" / "config.toml").read_text())["run"]
    assert "model_options" in saved  # the 0.1.0 layout: a name plus a dict of options
    config = RunConfig.from_dict(saved)
    assert config.model == ModelConfig(name="encoder", emb=16, heads=2)
    assert config.train.epochs == 2 and config.split == "auto"


def test_its_evaluate_still_works(capsys) -> None:
    assert main(["evaluate", str(LEGACY / "run")]) == 0
    assert "synthetic / encoder: star-level test accuracy" in capsys.readouterr().out


def test_a_saved_classifier_of_0_1_0_predicts_as_it_did() -> None:
    clf = Classifier.load(LEGACY / "api_model")
    curves = read_long_table(LEGACY / "stars.csv")
    expected = pd.read_csv(LEGACY / "api_expected_proba.csv")
    assert clf.classes_.tolist() == list(expected.columns)
    np.testing.assert_allclose(clf.predict_proba(curves), expected.to_numpy(), rtol=0,
                               atol=1e-6)
