"""Columns made into curves (build_curves): a star's class and split are one, from its first
row that has one, and rows that disagree are counted."""

from __future__ import annotations

import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading import from_dataframe
from lcformer.data.reading.columns import flagged_rows, rounded_id
from lcformer.data.reading.partitions import join_split_curves
from lcformer.data.report import DropReport


def test_the_bands_of_a_star_share_its_first_class_and_split() -> None:
    """A star whose R rows say another class is one star, not two classes (one per band)."""
    frame = pd.DataFrame({"id": ["s1", "s1", "s1", "s1", "s2", "s2"],
                          "band": ["V", "V", "R", "R", "V", "R"],
                          "time": [1.0, 2.0, 1.0, 2.0, 1.0, 1.0],
                          "mag": [10.0, 10.1, 9.0, 9.1, 11.0, 10.0],
                          "class": ["RR", "RR", "EB", "EB", "EB", "EB"],
                          "split": ["train", "train", "train", "train", "test", "train"]})
    report = DropReport()
    curves = from_dataframe(frame, report=report)
    assert list(curves.labels) == ["RR", "RR", "EB", "EB"]
    assert list(curves.splits) == ["train", "train", "test", "test"]
    assert report.events["label_conflict_first_kept"] == 1  # s1
    assert report.events["split_conflict_first_kept"] == 1  # s2


def test_an_empty_class_cell_is_no_class_not_one_that_disagrees() -> None:
    """A star whose first row's class is empty keeps its class (not dropped unlabelled)."""
    frame = pd.DataFrame({"id": ["s1", "s1", "s1", "s2", "s2", "s3"],
                          "time": [1.0, 2.0, 3.0, 1.0, 2.0, 1.0],
                          "mag": [10.0, 10.1, 10.2, 11.0, 11.1, 12.0],
                          "class": [None, "RR", "RR", "NA", "EB", None]})
    report = DropReport()
    curves = from_dataframe(frame, report=report)
    assert list(curves.labels) == ["RR", "EB", ""]
    assert "label_conflict_first_kept" not in report.events
    # Parts of one star read from two partitions: the part with the class gives it.
    parts = [from_dataframe(frame[frame["id"] == "s1"].iloc[:1]),
             from_dataframe(frame[frame["id"] == "s1"].iloc[1:])]
    joined = join_split_curves(LightCurves.concatenate(parts), report)
    assert list(joined.labels) == ["RR"] and "label_conflict_first_kept" not in report.events


def test_a_categorical_or_gappy_integer_class_column_reads_as_its_classes() -> None:
    """A categorical column with a gap is no internal error; integers with a gap no "1.0"."""
    frame = pd.DataFrame({"id": ["a", "a", "b", "c"], "time": [1.0, 2.0, 1.0, 1.0],
                          "mag": [1.0, 2.0, 3.0, 4.0],
                          "class": pd.Categorical(["RR", None, None, "EB"])})
    assert list(from_dataframe(frame).labels) == ["RR", "", "EB"]
    frame["class"] = [1, None, 2, 2]
    assert list(from_dataframe(frame).labels) == ["1", "2", "2"]


def test_aavsos_validation_flag_drops_the_discrepant_rows() -> None:
    """AAVSO's Validation Flag: T (D in older downloads) marks an estimate flagged
    discrepant; V, Z and U (G and P) are kept. Any other letter is refused, as in any flag."""
    flags = pd.Series(["V", "Z", "T", "U", "", "d", "P"])
    sink = DropReport()
    bad = flagged_rows(flags, "Validation Flag", str, sink)
    assert bad is not None and bad.tolist() == [False, False, True, False, False, True, False]
    assert flagged_rows(pd.Series(["V", "X"]), "Validation Flag", lambda row: f"line {row}",
                        sink) is None
    assert "line 1: column 'Validation Flag': 'X' is not a quality flag (AAVSO's V, Z, U or " \
           "T)" in sink.problems[0]
    assert flagged_rows(pd.Series(["V"]), "flag", str, DropReport()) is None  # elsewhere no


def test_a_rounded_id_is_found_among_its_stars_rows_and_beside_an_equal_integer() -> None:
    """The first float's text of an integer beyond 2**53, a row's or a distinct id's alike
    (checked once an id); an exact integer equal to it does not hide it (pandas' unique
    takes 2**53 and 2.0**53 as one)."""
    rows = pd.Series(["a", "a", "9007199254740993.0", "9007199254740993.0", "b"] * 3)
    assert rounded_id(rows) == "9007199254740993.0"
    mixed = pd.Series([2**53, float(2**53), "a"], dtype=object)
    assert rounded_id(mixed) == "9007199254740992.0"
    assert rounded_id(pd.Series(["a", "1e5", "2E16"] * 4)) is None  # names, not numbers
