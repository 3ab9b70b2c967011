"""Labels tables joined to the light curves (lcformer.data.reading.labels)."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from lcformer.data.reading import read_long_table
from lcformer.data.reading.labels import refuse_empty_labels
from lcformer.data.report import DropReport
from lcformer.errors import InputError

TABLE = pd.DataFrame({"id": ["b", "a", "b", "a", "b"], "time": [3.0, 1.0, 1.0, 2.0, 2.0],
                      "mag": [13.0, 11.0, 13.1, 11.1, 13.2]})


def test_labels_file_joined_by_id_as_string(tmp_path: Path) -> None:
    table = tmp_path / "lc.csv"
    TABLE.assign(id=["007", "12", "007", "12", "007"]).to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class,split\n007,Mira,train\n99,Cepheid,test\n98,Mira,test\n")
    report = DropReport()
    curves = read_long_table(table, labels, report=report)
    assert list(curves.ids) == ["007", "12"]  # leading zeros kept: ids are text
    assert list(curves.labels) == ["Mira", ""]  # unlabelled star -> "" (prepare counts it)
    assert list(curves.splits) == ["train", ""]
    assert report.curves == Counter(no_lightcurve=2)
    assert len(report.problems) == 1
    assert "labels.csv" in report.problems[0] and "99" in report.problems[0]
    with pytest.raises(InputError, match="no light curve"):
        read_long_table(table, labels)


def test_unusable_labels_raise_even_with_a_report(tmp_path: Path) -> None:
    table = tmp_path / "lc.csv"
    TABLE.to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    for text, words in (("", r"labels\.csv:1: empty file \(0 bytes\); expected a labels table"),
                        ("\n\n", r"labels\.csv:1: no header line"),
                        ("star,type\na,RR\n", r"found columns \['star', 'type'\]")):
        labels.write_text(text)
        with pytest.raises(InputError, match=words):
            read_long_table(table, labels, report=DropReport())


def test_conflicting_labels_list_the_ids_identical_ones_are_counted(tmp_path: Path) -> None:
    table = tmp_path / "lc.csv"
    ids = [f"s{i}" for i in range(8)]
    pd.DataFrame({"id": ids, "time": 1.0, "mag": 10.0}).to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class\n" + "".join(f"{i},A\n{i},B\n" for i in ids[:7])
                      + "s7,A\ns7,A\n")
    with pytest.raises(InputError, match=r"7 star\(s\) have rows with different class: "
                                         r"s0, s1, s2, s3, s4 and 2 more"):
        read_long_table(table, labels, report=DropReport())
    labels.write_text("id,class\n" + "".join(f"{i},A\n{i},A\n" for i in ids))
    report = DropReport()
    assert set(read_long_table(table, labels, report=report).labels) == {"A"}
    assert report.events == Counter(duplicate_label_row=8)


def test_a_labels_header_matches_ignoring_case(tmp_path: Path) -> None:
    """ID,Class,Split: matched as the tables' columns are (TIME, MAG)."""
    table = tmp_path / "lc.csv"
    TABLE.to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("ID,Class,Split\na,Mira,train\nb,Cepheid,test\n")
    curves = read_long_table(table, labels)
    assert list(curves.labels) == ["Cepheid", "Mira"] and list(curves.splits) == ["test",
                                                                                 "train"]


@pytest.mark.parametrize("word", ["NA", "NaN", "None", " null ", "n/a"])
def test_a_missing_values_word_is_no_label_not_a_class(tmp_path: Path, word: str) -> None:
    # R's write.csv writes a missing label as NA, pandas' to_csv of a float column as NaN.
    table = tmp_path / "lc.csv"
    TABLE.to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text(f"id,class\na,Mira\nb,{word}\n")
    assert list(read_long_table(table, labels).labels) == ["", "Mira"]
    assert list(read_long_table(TABLE.assign(**{"class": word})).labels) == ["", ""]


def test_labels_that_name_none_of_the_stars_are_refused_with_both_ids(tmp_path: Path) -> None:
    """CRTS's catalogue names stars CSS_J...; its light curves, by MasterID."""
    table = tmp_path / "lc.csv"
    table.write_text("id,time,mag\n1200657336973,1.0,15.0\n1200657336973,2.0,15.1\n")
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class\nCSS_J211008.6+132842,RRab\n")
    report = DropReport()
    curves = read_long_table(table, labels=labels, report=report)  # predict needs no labels
    assert curves.n_curves == 1 and list(curves.labels) == [""]
    assert re.search(r"labels.csv: no star id of it is one of .*lc.csv's \(it has "
                     r"'CSS_J211008.6\+132842', the light curves '1200657336973'\)",
                     report.problems[0])
    with pytest.raises(InputError, match="no star id of it"):  # without a report: raised
        read_long_table(table, labels=labels)


def test_a_class_column_that_disagrees_with_the_labels_table_is_said(tmp_path: Path) -> None:
    """labels.csv's classes are used; where the table's own class column says otherwise,
    that is said."""
    table = tmp_path / "lc.csv"
    TABLE.assign(**{"class": ["X", "Mira", "X", "Mira", "X"]}).to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class\na,Mira\nb,Cepheid\n")
    report = DropReport()
    with pytest.warns(UserWarning, match=re.escape(
            f"{table}: its class column disagrees with {labels} for 1 star(s) (star 'b': 'X' "
            f"in the table, 'Cepheid' in the labels); the labels table's are used")):
        curves = read_long_table(table, labels, report=report)
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {"b": "Cepheid", "a": "Mira"}
    assert report.events["table_classes_overridden_by_labels"] == 1
    # Agreeing but for spaces, or a star the labels do not list: nothing to say.
    TABLE.assign(**{"class": ["X ", "Mira", "X ", "Mira", "X "]}).to_csv(table, index=False)
    for text in ("id,class\na,Mira\nb,X\n", "id,class\na,Mira\n"):
        labels.write_text(text)
        report = DropReport()
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            read_long_table(table, labels, report=report)
        assert not report.events["table_classes_overridden_by_labels"]


def test_a_labels_file_of_only_a_header_is_read_as_none_and_refused_to_train(
        tmp_path: Path) -> None:
    """Predict's labels are optional, so it must not stop predict (exit 2): it is read as
    no labels, as if absent, counted, warned of and kept as a problem line
    naming the file (a Parquet one without a line: it has no lines); without a report that
    line raises, and prepare and train refuse it by it (refuse_empty_labels)."""
    table = tmp_path / "lc.csv"
    TABLE.assign(**{"class": ["X", "Mira", "X", "Mira", "X"]}).to_csv(table, index=False)
    csv = tmp_path / "labels.csv"
    csv.write_text("id,class\n")
    parquet = tmp_path / "labels.parquet"
    pd.DataFrame({"id": pd.Series([], dtype=str), "class": pd.Series([], dtype=str)}
                 ).to_parquet(parquet)
    for labels, where in ((csv, f"{csv}:1: only a header, no rows"),
                          (parquet, f"{parquet}: no rows")):
        line = f"{where}: an empty labels table labels no star; fill it in or remove it"
        with pytest.warns(UserWarning), pytest.raises(InputError) as caught:
            read_long_table(table, labels)
        assert str(caught.value) == line
        report = DropReport()
        with pytest.warns(UserWarning, match=re.escape(
                f"{where}: read as no labels, as if it were absent; prepare and train refuse "
                f"it until it is filled in")):
            curves = read_long_table(table, labels, report=report)
        # The table's own classes are kept, not overridden by "" (nor said to be).
        assert dict(zip(curves.ids, curves.labels, strict=True)) == {"b": "X", "a": "Mira"}
        assert report.events == Counter(empty_labels_file=1) and report.problems == [line]
        with pytest.raises(InputError, match=re.escape(line)):
            refuse_empty_labels(report)
    TABLE.to_csv(table, index=False)  # no class column: unlabelled, as without labels.csv
    with pytest.warns(UserWarning, match="read as no labels"):
        curves = read_long_table(table, csv, report=DropReport())
    assert curves.labels is None


def test_a_labels_file_without_a_class_column_is_read_as_none_and_refused_to_train(
        tmp_path: Path) -> None:
    """PLAsTiCC's test metadata (object_id, ra, decl, ... and no target) saved as labels.csv
    is read as none, as a labels file of only a header is, for predict, whose labels are
    optional; training refuses it."""
    table = tmp_path / "lc.csv"
    TABLE.to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    names = ["id", "ra", "decl", "gal_l", "gal_b", "ddf", "hostgal_specz", "hostgal_photoz",
             "distmod", "mwebv"]
    labels.write_text(",".join(names) + "\na," + ",".join(["0"] * 9) + "\n")
    line = (f"{labels}: no class column 'class' (found {', '.join(names)}): map its class "
            f"column with --columns class=NAME")
    report = DropReport()
    with pytest.warns(UserWarning, match=re.escape(
            f"{labels}: read as no labels, as it has no class column 'class'; prepare and "
            f"train refuse it until it has one")):
        curves = read_long_table(table, labels, report=report)
    assert curves.n_stars == 2 and curves.labels is None  # as without labels.csv
    assert report.events == Counter(labels_file_without_class=1) and report.problems == [line]
    with pytest.raises(InputError, match=re.escape(line)):
        refuse_empty_labels(report)
    # Without the id column it labels nothing of these stars: still an error.
    labels.write_text("ra,decl\n1,2\n")
    with pytest.raises(InputError, match=r"expected \['id', 'class'\]"):
        read_long_table(table, labels, report=DropReport())


def test_labels_whose_ids_lost_their_leading_zeros_are_said_so(tmp_path: Path) -> None:
    """Light curves of ids 001-160, labels written by a spreadsheet as 1-160 where it
    could (99 of them): training would keep 61 stars, two classes of four gone. The
    problem says that they are the light curves' ids without their zeros, and which classes
    no star is left of."""
    rows = [(f"{i:03d}", t, 15.0) for i in (1, 2, 120, 121) for t in range(5)]
    table = pd.DataFrame(rows, columns=["id", "time", "mag"])
    table.to_csv(tmp_path / "lightcurves.csv", index=False)
    (tmp_path / "labels.csv").write_text("id,class\n1,RRL\n2,RRL\n120,EB\n121,EB\n")
    report = DropReport()
    curves = read_long_table(tmp_path / "lightcurves.csv", tmp_path / "labels.csv",
                             report=report)
    assert sorted(set(curves.labels.tolist())) == ["", "EB"]
    (problem,) = report.problems
    assert problem.endswith("2 labelled star(s) have no light curve in "
                            f"{tmp_path / 'lightcurves.csv'}, e.g. 1, 2; 2 of them are light "
                            "curves' ids without their leading zeros ('1' is '001'): write the "
                            "labels' ids as the light curves' (a spreadsheet drops the zeros "
                            "of a number column; make it text); no star of class 'RRL' is left")


def test_labels_ids_written_otherwise_are_named(tmp_path: Path) -> None:
    """VSX-style labels 'ASAS 155021' and '0161481' for light curves 155021 and 161481
    have no light curve of that id: said to be those curves' ids."""
    rows = [(i, t, 15.0) for i in ("155021", "161481", "J1236-65.5", "7") for t in range(5)]
    pd.DataFrame(rows, columns=["id", "time", "mag"]).to_csv(tmp_path / "lightcurves.csv",
                                                            index=False)
    (tmp_path / "labels.csv").write_text("id,class\nASAS 155021,EW\n0161481,EA\n"
                                         "ASAS J1236-65.5,EW\n7,M\n999,M\n")
    report = DropReport()
    read_long_table(tmp_path / "lightcurves.csv", tmp_path / "labels.csv", report=report)
    (problem,) = report.problems
    assert "4 labelled star(s) have no light curve" in problem
    assert ("; 3 of them match light curves' ids but for a prefix or leading zeros ('ASAS "
            "155021' is '155021'): write the labels' ids as the light curves'") in problem
    # Gaia's "DR3" word, and a prefix on the light curves' side (both are matched).
    rows = [(i, t, 15.0) for i in ("4111834567779557376", "TIC 123") for t in range(5)]
    pd.DataFrame(rows, columns=["id", "time", "mag"]).to_csv(tmp_path / "lightcurves.csv",
                                                            index=False)
    (tmp_path / "labels.csv").write_text("id,class\nGaia DR3 4111834567779557376,RR\n123,EW\n")
    report = DropReport()
    read_long_table(tmp_path / "lightcurves.csv", tmp_path / "labels.csv", report=report)
    problem = report.problems[-1]  # (after: no star id of it is one of the light curves')
    assert ("2 of them match light curves' ids but for a prefix or leading zeros ('Gaia DR3 "
            "4111834567779557376' is '4111834567779557376')") in problem
    # Another field's star is no other way of writing this one's id (OGLE-II's fields).
    pd.DataFrame([("LMC_SC1 123456", t, 15.0) for t in range(5)],
                 columns=["id", "time", "mag"]).to_csv(tmp_path / "lightcurves.csv", index=False)
    (tmp_path / "labels.csv").write_text("id,class\nLMC_SC2 123456,RRL\nLMC_SC1 123456,RRL\n")
    report = DropReport()
    read_long_table(tmp_path / "lightcurves.csv", tmp_path / "labels.csv", report=report)
    (problem,) = report.problems
    assert "1 labelled star(s) have no light curve" in problem and "match" not in problem
