"""Classes renamed or merged as read (--class-names), in training and in predict's scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.class_names import rename_classes
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError


def stars(labels: list[str]) -> LightCurves:
    """One star a label, two bands each (a star's class is on every curve of it)."""
    rows = [(f"s{i}", band, np.arange(10.0), np.full(10, 12.0), np.full(10, 0.1))
            for i in range(len(labels)) for band in ("B", "R")]
    return LightCurves.from_list(rows, labels=[c for c in labels for _ in range(2)])


def test_vsx_types_are_merged_and_the_stars_counted() -> None:
    """QA: VSX's RRAB: and HADS were classes of their own, of one test star each (F1 0)."""
    curves = stars(["RRAB", "RRAB:", "HADS", "DSCT", "EW"])
    report = DropReport()
    config = ReadConfig(class_names=(" RRAB: = RRAB", "HADS=DSCT"))
    assert config.class_names == ("RRAB:=RRAB", "HADS=DSCT")  # as said back in options
    assert "--class-names RRAB:=RRAB,HADS=DSCT" in config.options()
    renamed = to_magnitudes(curves, config, "vsx", report)  # every reader ends there
    assert renamed.labels.tolist() == [c for c in ["RRAB", "RRAB", "DSCT", "DSCT", "EW"]
                                       for _ in range(2)]
    assert report.events["stars_class_renamed"] == 2
    assert curves.labels.tolist()[2] == "RRAB:"  # the input is left as it was


def test_a_renaming_of_no_class_changes_nothing_and_bad_pairs_are_refused(recwarn) -> None:
    """A partition, or a predict's input, need not hold every class renamed: no warning
    (review: one a partition), nothing counted."""
    curves = stars(["RRAB", "EW"])
    report = DropReport()
    assert rename_classes(curves, {"RRAB:": "RRAB", "HADS": "DSCT"}, report) is curves
    assert not recwarn.list and not report.events
    unlabelled = LightCurves.from_list([("s", "", np.arange(3.0), np.ones(3), np.ones(3))])
    assert rename_classes(unlabelled, {"a": "b"}, DropReport()) is unlabelled
    for bad in (("RRAB:",), ("=RRAB",), ("a=b=c",), ("a=b", "a=c")):
        with pytest.raises(ConfigError, match="class_names"):
            ReadConfig(class_names=bad)


def test_class_names_reach_a_folders_labels_file(tmp_path, capsys) -> None:
    """Through the command line: a long table with labels.csv, read by describe."""
    from lcformer.cli import main

    rows = [{"id": f"s{i}", "time": float(t), "mag": 12.0 + 0.1 * np.sin(t), "err": 0.01}
            for i in range(6) for t in range(30)]
    pd.DataFrame(rows).to_csv(tmp_path / "lightcurves.csv", index=False)
    (tmp_path / "labels.csv").write_text("id,class\ns0,RRAB\ns1,RRAB:\ns2,HADS\ns3,DSCT\n"
                                         "s4,EW\ns5,EW:\n")
    assert main(["describe", str(tmp_path), "--class-names", "RRAB:=RRAB,HADS=DSCT,EW:=EW"]) == 0
    out = capsys.readouterr().out
    classes = [line.split()[0] for line in out.splitlines()[2:5]]
    assert sorted(classes) == ["DSCT", "EW", "RRAB"], out
    assert "stars_class_renamed" in out and " 3" in out.split("stars_class_renamed")[1][:40]
