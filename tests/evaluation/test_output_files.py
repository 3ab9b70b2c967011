"""Prediction files: written in the format their extension names, refused before any work in
another; a failed run's earlier output set aside (NAME.old), never lost nor left looking
current."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.data.lightcurves import LightCurves
from lcformer.errors import ConfigError
from lcformer.evaluation.output_files import write_table
from tests.evaluation.stars import signal_test_stars, star


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".json", ".JSON"])
def test_tables_are_written_in_the_format_their_extension_names(tmp_path, suffix) -> None:
    frame = pd.DataFrame({"id": ["a", "b"], "p_x": [0.25, 0.75], "flag": ["", "constant"],
                          "period": [0.123456789012345, 1234.56789012345],
                          "p_y": [1.0884131995680946e-07, 1.2345678901234567e-15]})
    path = write_table(frame, tmp_path / f"predictions{suffix}")
    if suffix == ".csv":
        back = pd.read_csv(path, keep_default_na=False)
    elif suffix == ".parquet":
        back = pd.read_parquet(path)  # fails on CSV text
    else:
        back = pd.DataFrame(json.loads(path.read_text()))  # a list of records
    # every digit in every format (pandas' to_json keeps 10, or 15 decimal places)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False, rtol=0, atol=0)


def test_other_formats_are_refused_before_any_work(tiny_run, tmp_path, capsys) -> None:
    with pytest.raises(ConfigError, match=r"predictions\.txt: unknown output format '\.txt'"):
        write_table(pd.DataFrame({"id": ["a"]}), tmp_path / "predictions.txt")
    assert not list(tmp_path.iterdir())
    stars = tmp_path / "stars.csv"
    signal_test_stars().to_frame().to_csv(stars, index=False)
    assert main(["predict", str(tiny_run), str(stars), "--out", str(tmp_path / "p.xlsx"),
                 "--quiet"]) == 2
    assert "p.xlsx: unknown output format '.xlsx'" in capsys.readouterr().err
    # A missing input is said as such, not as a bad --out (a mistyped input on a
    # cluster, --out a folder); a folder of no partitions says why --out must be a file.
    assert main(["predict", str(tiny_run), str(tmp_path / "nosuch"), "--out",
                 str(tmp_path / "out"), "--quiet"]) == 2
    assert "nosuch: no such file, folder or dataset name" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["predict", str(tiny_run), str(tmp_path / "empty"), "--out",
                 str(tmp_path / "out"), "--quiet"]) == 2
    assert ("a folder of predictions is written for a folder of Parquet partitions, and "
            f"{tmp_path / 'empty'} holds none") in capsys.readouterr().err


def test_set_aside_moves_an_earlier_output_and_loses_none(tmp_path) -> None:
    """A failed run's earlier output must neither pass for its result nor be destroyed: it is
    renamed to NAME.old (its list of unclassified stars too), an older .old kept."""
    from lcformer.evaluation.output_files import set_aside, set_aside_line

    out = tmp_path / "m.csv"
    assert set_aside(out) == [] and set_aside_line([]) is None
    out.write_text("id,predicted\nfirst,a\n")
    assert set_aside(out) == [(out, tmp_path / "m.csv.old")]
    out.write_text("id,predicted\nsecond,a\n")
    (tmp_path / "m_unclassified.csv").write_text("id,reason\nx,why\n")
    moved = set_aside(out)
    assert moved == [(out, tmp_path / "m.csv.old.2"),
                     (tmp_path / "m_unclassified.csv", tmp_path / "m_unclassified.csv.old")]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "m.csv.old", "m.csv.old.2", "m_unclassified.csv.old"]
    assert (tmp_path / "m.csv.old").read_text().endswith("first,a\n")
    assert (tmp_path / "m.csv.old.2").read_text().endswith("second,a\n")
    line = set_aside_line(moved)
    assert line is not None and "\n" not in line and line.endswith(
        f"{out} -> m.csv.old.2, {tmp_path / 'm_unclassified.csv'} -> m_unclassified.csv.old")


def test_a_failed_predict_sets_an_earlier_output_aside(tiny_run, tmp_path, capsys) -> None:
    """Nothing classified: an earlier p.csv is moved to p.csv.old and said so, neither left
    looking current nor removed (a second time, to p.csv.old.2). Input that cannot be read
    stops before any work (exit 2) and leaves it where it is."""
    out = tmp_path / "p.csv"
    nan = tmp_path / "nan.csv"
    LightCurves.from_list([star("all_nan", 30, 3, nan=True)]).to_frame().to_csv(nan, index=False)
    for aside in ("p.csv.old", "p.csv.old.2"):
        out.write_text("id,predicted\nold,a\n")  # an earlier run's
        assert main(["predict", str(tiny_run), str(nan), "--out", str(out), "--quiet"]) == 1
        assert not out.exists()
        assert (tmp_path / aside).read_text() == "id,predicted\nold,a\n"
        assert f"p.csv -> {aside}" in capsys.readouterr().out
    # Failed again with no p.csv: the last failed run's list is replaced, not set aside.
    assert main(["predict", str(tiny_run), str(nan), "--out", str(out), "--quiet"]) == 1
    assert "moved" not in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.glob("p_unclassified.csv*")) == [
        "p_unclassified.csv", "p_unclassified.csv.old"]  # .old: set aside with p.csv.old.2
    bad = tmp_path / "bad.csv"
    bad.write_text("x,y\n1,2\n")  # no light-curve columns: an input error
    out.write_text("id,predicted\nold,a\n")
    assert main(["predict", str(tiny_run), str(bad), "--out", str(out), "--quiet"]) == 2
    assert out.read_text() == "id,predicted\nold,a\n"
