"""The README's main command, ``lcformer demo``, end to end: what it prints is what it wrote."""

from __future__ import annotations

import json
import re

import pytest

pytest.importorskip("light_curve")

from lcformer.cli import main
from lcformer.reporting.results import compared


def test_the_demo_prints_the_scores_its_run_folders_hold(tmp_path, capsys) -> None:
    """The whole demo (about a minute on 2 cores): prepare, train the default model, the
    random forest on the same test stars, figures. Its printed macro-F1s are its metrics
    files', and the periodic model is far from chance on the generator's 3 classes."""
    assert main(["demo", "--work-dir", str(tmp_path), "--quiet"]) == 0
    out = capsys.readouterr().out
    run = tmp_path / "runs" / "demo-synthetic-periodic"
    assert f"results: {run} " in out
    ours = json.loads((run / "metrics.json").read_text())["records"][0]["star"]
    theirs = json.loads((run / "baseline" / "metrics.json").read_text())["records"][0]["star"]
    shown = compared(ours["macro_f1"], theirs["macro_f1"])
    line = re.search(
        re.escape(f"synthetic test macro-F1 (star level): {shown[0]}; light-curve features + "
                  f"random forest on the same {theirs['n']} test stars: {shown[1]} "
                  f"({shown[2]}; 95% interval ") + r"(\S+) to (\S+), paired bootstrap over the "
        r"stars\)", out)
    assert line and float(line[1]) <= float(shown[2]) <= float(line[2])  # it holds the difference
    assert ours["n"] == theirs["n"] == 180  # 20% of 900 stars
    line = re.search(r"star-level test accuracy ([\d.]+), macro-F1 ([\d.]+) on 180 stars", out)
    assert line and float(line[2]) == pytest.approx(ours["macro_f1"], abs=5e-4)
    assert ours["macro_f1"] > 0.9  # chance is 0.33; the random forest reaches about 0.95
    assert (run / "best.safetensors").is_file() and any((run / "figures").glob("*.png"))
