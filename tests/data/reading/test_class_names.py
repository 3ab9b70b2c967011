"""Classes renamed or merged as read (--class-names), in training and in predict's scoring."""

from __future__ import annotations

import re

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
    """VSX's RRAB: and HADS would be classes of their own, of one test star each (F1 0)."""
    curves = stars(["RRAB", "RRAB:", "HADS", "DSCT", "EW"])
    report = DropReport()
    config = ReadConfig(class_names=(" RRAB: = RRAB", "HADS=DSCT"))
    assert config.class_names == ("RRAB:=RRAB", "HADS=DSCT")  # as said back in options
    assert "--class-names RRAB:=RRAB,HADS=DSCT" in config.options()
    renamed = to_magnitudes(curves, config, "vsx", report)  # every reader ends there
    assert renamed.labels.tolist() == [c for c in ["RRAB", "RRAB", "DSCT", "DSCT", "EW"]
                                       for _ in range(2)]
    assert report.events == {"stars_class_renamed_from 'RRAB:'": 1,
                             "stars_class_renamed_from 'HADS'": 1}
    assert curves.labels.tolist()[2] == "RRAB:"  # the input is left as it was


def test_a_renaming_of_no_class_changes_nothing_and_bad_pairs_are_refused(recwarn) -> None:
    """A partition, or a predict's input, need not hold every class renamed: no warning
    (one a partition), nothing counted."""
    curves = stars(["RRAB", "EW"])
    report = DropReport()
    assert rename_classes(curves, {"RRAB:": "RRAB", "HADS": "DSCT"}, report) is curves
    assert not recwarn.list and not report.events
    unlabelled = LightCurves.from_list([("s", "", np.arange(3.0), np.ones(3), np.ones(3))])
    assert rename_classes(unlabelled, {"a": "b"}, DropReport()) is unlabelled
    for bad in (("RRAB:",), ("=RRAB",), ("a=b=c",), ("a=b", "a=c"), ("Detached=NA",)):
        with pytest.raises(ConfigError, match="class_names"):
            ReadConfig(class_names=bad)
    # A name with a comma is said back as the option reads it (it is pasted back).
    config = ReadConfig(class_names=("RR Lyrae, Fundamental Mode=RRab", "Mira=Mira"))
    assert config.options() == "--class-names '\"RR Lyrae, Fundamental Mode=RRab\",Mira=Mira'"
    report = DropReport()  # a class renamed to itself is no renaming
    renamed = rename_classes(stars(["Mira", "RR Lyrae, Fundamental Mode"]), config.class_map,
                             report)
    assert renamed.labels.tolist() == ["Mira"] * 2 + ["RRab"] * 2
    assert report.events == {"stars_class_renamed_from 'RR Lyrae, Fundamental Mode'": 1}


def test_a_renaming_that_renamed_nothing_is_said_once_with_another_case() -> None:
    """A typo ('detached' for 'Detached') renames nothing: said, not exit 0 in silence."""
    from lcformer.data.reading.class_names import unmatched_class_names

    report = DropReport()
    rename_classes(stars(["Detached", "EW"]), {"detached": "EB", "EW": "EB"}, report)
    assert unmatched_class_names({"detached": "EB", "EW": "EB"}, report, {"Detached", "EB"}) == (
        "--class-names renames 'detached', which no star's class is: classes are compared as "
        "written, case too (another case: 'detached' is 'Detached'?)")
    assert unmatched_class_names({"EW": "EB"}, report, set()) is None
    # MACHO's catalogue codes given ("1=RRab,10=EB"): read as names, said which
    assert unmatched_class_names({"1": "RRab", "10": "EB"}, report,
                                 {"RR Lyrae ab", "Eclipsing binary"}).endswith(
        "(MACHO's catalogue codes are read as names: 1 is 'RR Lyrae ab', 10 is 'Eclipsing "
        "binary')")
    assert "MACHO" not in unmatched_class_names({"²": "x"}, report, {"RR Lyrae ab"})  # no code


def test_class_names_reach_a_folders_labels_file(tmp_path, capsys) -> None:
    """Through the command line: a long table with labels.csv, read by describe."""
    from lcformer.cli import main

    rows = [{"id": f"s{i}", "time": float(t), "mag": 12.0 + 0.1 * np.sin(t), "err": 0.01}
            for i in range(6) for t in range(30)]
    pd.DataFrame(rows).to_csv(tmp_path / "lightcurves.csv", index=False)
    (tmp_path / "labels.csv").write_text("id,class\ns0,RRAB\ns1,RRAB:\ns2,HADS\ns3,DSCT\n"
                                         "s4,EW\ns5,EW:\n")
    work = ["--work-dir", str(tmp_path / "work")]  # (its figures: not in the caller's folder)
    assert main(["describe", str(tmp_path), "--class-names", "RRAB:=RRAB,HADS=DSCT,EW:=EW",
                 *work]) == 0
    out = capsys.readouterr().out
    classes = [line.split()[0] for line in out.splitlines()[2:5]]
    assert sorted(classes) == ["DSCT", "EW", "RRAB"], out
    assert re.search(r"stars_class_renamed_from 'RRAB:'\s+1\n", out), out
    with pytest.warns(UserWarning) as said:  # a typo: said, beside the colon twins
        assert main(["describe", str(tmp_path), "--class-names", "HAD=DSCT", *work]) == 0
    assert any("--class-names renames 'HAD', which no star's class is" in str(w.message)
               for w in said)
