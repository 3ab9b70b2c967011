"""Reader outcomes for the broken inputs in tests/data/bad/per_star (see its README.md table).

Only what the readers do is checked here; cleaning and prepare outcomes come later.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lcformer.data.reading import read_catalogue_folder, read_long_table
from lcformer.data.report import DropReport
from lcformer.errors import InputError

BAD = Path(__file__).resolve().parents[1] / "bad" / "per_star"


def _read(report: DropReport | None):
    return read_catalogue_folder(BAD / "catalog.csv", BAD, report=report)


def test_catalogue_of_bad_files_reads_what_is_readable() -> None:
    report = DropReport()
    curves = _read(report)
    assert list(curves.ids) == [
        "nan_inf", "identical_times", "one_point", "negative_errors", "unknown_label",
    ]
    assert dict(zip(curves.ids, curves.lengths, strict=True)) == {
        "nan_inf": 7, "identical_times": 4, "one_point": 1, "negative_errors": 5,
        "unknown_label": 5,
    }
    assert curves.labels[-1] == "Not_A_Class"  # prepare drops it as unknown_class
    assert report.curves == Counter(unreadable_file=2, empty_file=1, missing_file=1)
    assert report.events == Counter(skipped_non_data_file=1)  # README.md
    assert report.problems == [
        f"{BAD}/empty.csv:1: empty file",
        f"{BAD}/text_in_numbers.csv:3: column 2 (mag): 'abc' is not a number",
        f"{BAD}/wrong_columns.csv:1: the header ['star', 'jd', 'flux'] does not name one time "
        f"and one mag column (and at most one err): name them time (or jd, hjd, mjd, bjd), "
        f"mag and err, or give --columns time=NAME,mag=NAME, or leave the header out to read "
        f"the columns as time, mag[, err] in that order; if it holds several stars (by its "
        f"column 'star'), give such a table as a file of its own, or as a folder's "
        f"lightcurves.csv (or .parquet) beside a labels.csv of id,class",
        f"{BAD}/catalog.csv:10: file 'missing.csv' not found in {BAD}",
    ]


def test_values_for_cleaning_are_kept_as_they_are() -> None:
    curves = _read(DropReport())
    by_id = {star: (t, m, e) for star, _, t, m, e in curves}
    t, m, e = by_id["nan_inf"]
    assert (~np.isfinite(t) | ~np.isfinite(m) | ~np.isfinite(e)).sum() == 4
    assert len(set(by_id["identical_times"][0])) == 1
    assert (by_id["negative_errors"][2] < 0).sum() == 2


def test_without_report_every_problem_is_raised() -> None:
    with pytest.raises(InputError) as caught:
        _read(None)
    message = str(caught.value)
    for name in ("empty.csv:1", "text_in_numbers.csv:3", "wrong_columns.csv:1", "catalog.csv:10"):
        assert name in message


def test_wrong_columns_as_long_table() -> None:
    report = DropReport()
    assert read_long_table(BAD / "wrong_columns.csv", report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    assert "found columns ['star', 'jd', 'flux'], expected ['id', 'time', 'mag']" in (
        report.problems[0])
    with pytest.raises(InputError, match=r"wrong_columns\.csv"):
        read_long_table(BAD / "wrong_columns.csv")


def test_empty_file_as_long_table() -> None:
    report = DropReport()
    read_long_table(BAD / "empty.csv", report=report)
    assert report.curves == Counter(empty_file=1)


def test_zipped_table_of_several_files_says_what_to_do(tmp_path: Path) -> None:
    import zipfile

    path = tmp_path / "two.csv.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name in ("a.csv", "b.csv"):
            archive.writestr(name, "id,time,mag\ns,1,12\ns,2,12.5\n")
    with pytest.raises(InputError) as caught:
        read_long_table(path)
    message = str(caught.value)
    assert (f"{path}: a zipped table holds one file, this zip holds 2 entries (a.csv, b.csv)"
            in message)
    assert "\n" not in message
