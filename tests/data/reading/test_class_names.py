"""Classes renamed or merged as read (--class-names), in training and in predict's scoring."""

from __future__ import annotations

import numpy as np
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


def test_a_renaming_of_no_class_is_warned_of_and_bad_pairs_refused(recwarn) -> None:
    curves = stars(["RRAB", "EW"])
    with pytest.warns(UserWarning, match=r"--class-names renames rrab:, which no star's class"):
        rename_classes(curves, {"rrab:": "RRAB"}, "vsx", DropReport())
    recwarn.clear()
    rename_classes(curves, {"RRAB:": "RRAB", "EW": "EW"}, "vsx", DropReport())  # one matches
    assert not recwarn.list
    unlabelled = LightCurves.from_list([("s", "", np.arange(3.0), np.ones(3), np.ones(3))])
    assert rename_classes(unlabelled, {"a": "b"}, "x", DropReport()) is unlabelled
    for bad in (("RRAB:",), ("=RRAB",), ("a=b=c",), ("a=b", "a=c")):
        with pytest.raises(ConfigError, match="class_names"):
            ReadConfig(class_names=bad)
