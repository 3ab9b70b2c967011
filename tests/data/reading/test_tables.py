"""Long tables: ragged layout, labels, problems with file:line, astropy input, real data."""

from __future__ import annotations

import gzip
import itertools
import re
import warnings
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading import (
    Columns,
    from_astropy,
    from_dataframe,
    read_folder,
    read_long_table,
)
from lcformer.data.reading.astropy_tables import UNKNOWN_TIME_UNIT
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.flux import FLUX_UNIT, to_magnitudes
from lcformer.data.reading.partitions import join_split_curves
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError


def _frame() -> pd.DataFrame:
    # Rows interleaved between stars and out of time order on purpose.
    return pd.DataFrame({
        "id": ["b", "a", "b", "a", "b"],
        "band": ["V", "V", "V", "V", "V"],
        "time": [3.0, 1.0, 1.0, 2.0, 2.0],
        "mag": [13.0, 11.0, 13.1, 11.1, 13.2],
        "err": [0.1, 0.2, 0.1, 0.2, 0.1],
    })


def test_curves_in_first_appearance_order_points_in_file_order() -> None:
    curves = from_dataframe(_frame())
    assert list(curves.ids) == ["b", "a"]
    assert list(curves.lengths) == [3, 2]
    np.testing.assert_array_equal(curves.curve(0)[0], [3.0, 1.0, 2.0])  # not sorted by time
    np.testing.assert_array_equal(curves.curve(1)[1], [11.0, 11.1])
    assert curves.labels is None and curves.splits is None


def test_bands_make_separate_curves_of_one_star() -> None:
    frame = _frame().assign(band=["B", "R", "R", "B", "B"], id="s")
    curves = from_dataframe(frame)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [("s", "B"), ("s", "R")]
    np.testing.assert_array_equal(curves.curve(0)[0], [3.0, 2.0, 2.0])
    assert curves.n_stars == 1


def test_missing_band_and_err_columns() -> None:
    curves = from_dataframe(_frame().drop(columns=["band", "err"]))
    assert set(curves.bands) == {""}
    assert np.isnan(curves.err).all()


def test_custom_column_names_and_labels_inside_table() -> None:
    frame = _frame().rename(columns={"id": "star", "time": "hjd"})
    frame["type"] = ["RR", None, "RR", None, "RR"]
    frame["split"] = ["train", "test", "train", "test", "train"]
    curves = from_dataframe(frame, columns=Columns(id="star", time="hjd", label="type"))
    assert list(curves.labels) == ["RR", ""]  # missing class is "", never "nan"
    assert list(curves.splits) == ["train", "test"]


def test_csv_text_in_numbers_names_file_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("id,time,mag,err\na,1,10,0.1\na,2,11,0.1\n\nb,1,12,0.1\nb,2,abc,0.1\n")
    with pytest.raises(InputError, match=r"bad\.csv:6: column 'mag': 'abc' is not a number"):
        read_long_table(path)
    report = DropReport()
    curves = read_long_table(path, report=report)
    assert curves.n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    assert report.problems[0].endswith("bad.csv:6: column 'mag': 'abc' is not a number")


def test_a_detection_limit_in_the_mag_column_is_a_missing_magnitude(tmp_path: Path) -> None:
    """'>16.8' (ASAS-SN: not detected, fainter than its limit) has no magnitude: read as
    missing and counted, where other text stays an error; in other columns it is text."""
    path = tmp_path / "limits.csv"
    path.write_text("id,time,mag,err\na,1,10,0.1\na,2,>16.8,0.1\na,3,< 9.5,0.1\n")
    report = DropReport()
    curves = read_long_table(path, report=report)
    np.testing.assert_array_equal(curves.mag, [10, np.nan, np.nan])
    assert report.events == Counter(limit_values_read_as_missing=2)
    path.write_text("id,time,mag,err\na,1,10,>0.1\n")
    with pytest.raises(InputError, match=r"limits\.csv:2: column 'err': '>0.1' is not a number"):
        read_long_table(path)


def _compressed(path: Path, text: str) -> None:
    """``text`` written as pandas reads ``path``'s suffix."""
    import bz2
    import lzma
    import zipfile

    data = text.encode()
    if path.suffix == ".zip":
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("lc.csv", data)
        return
    pack = {".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress}.get(path.suffix)
    path.write_bytes(pack(data) if pack else data)


@pytest.mark.parametrize("name", ["lc.csv", "lc.csv.gz", "lc.csv.bz2", "lc.csv.xz",
                                  "lc.csv.zip"])
def test_a_row_with_more_or_fewer_fields_than_the_header_is_a_problem(tmp_path: Path, name) -> None:
    """Read by column names, pandas drops the extra field: 12,3 would be mag 12, err 3."""
    text = "id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0,12,3,0.02\ns1,3.0,12.2,0.02\n"
    path = tmp_path / name
    _compressed(path, text)
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    assert report.problems == [f"{path}:3: a row has 5 fields, the header 4 (a decimal "
                               f"comma, or a shifted row?): 's1,2.0,12,3,0.02'"]
    with pytest.raises(InputError, match="a row has 5 fields"):
        read_long_table(path)
    # Fewer than the id, time and mag need: a file cut short, or a comment line (a star of
    # that name), not data; refused as a per-star file's short row is.
    _compressed(path, "id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0\n")
    with pytest.raises(InputError, match=r":3: a row has 2 fields, the header 4 \(a row cut "
                                         r"short, or a comment line\?\): 's1,2.0'"):
        read_long_table(path)
    _compressed(path, "id,time,mag,err\ns1,1.0,12.1,0.02\n# a note\ns1,2.0,12.3,0.02\n")
    with pytest.raises(InputError, match=r":3: a row has 1 fields, the header 4"):
        read_long_table(path)
    # Optional last fields left out (Excel drops empty ones after 16 rows), an empty field,
    # or a line of spaces (pandas skips it): read.
    for text in ("id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0,12.3\n",
                 "id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0,12.3,\n",
                 "id,time,mag,err\ns1,1.0,12.1,0.02\n   \ns1,2.0,12.3,0.02\n"):
        _compressed(path, text)
        assert read_long_table(path).n_points == 2
    _compressed(path, "id,time,mag,err\ns1,1.0,12.1,0.02,\ns1,2.0,12.3,0.02,\n")
    assert read_long_table(path).n_points == 2  # a trailing comma: an empty field, no shift
    # One in bytes that are not UTF-8 text (Arrow fails on it before the row check runs, and
    # Python had printed a traceback): judged by the same rules, and said with its text.
    raw = path.with_suffix(".raw.csv")
    raw.write_bytes(b"id,time,mag\na,1,12\na,2,12,\xff5\nb,1,13\n")
    with warnings.catch_warnings(), pytest.raises(
            InputError, match=r"raw.csv: a row in bytes that are not UTF-8 text has 4 fields, "
                              r"the header 3 \(a decimal comma, or a shifted row\?\): "
                              "'a,2,12,\ufffd5'$"):
        warnings.simplefilter("error")
        read_long_table(raw)
    # Latin-1 in a column not read, in a row that leaves out an optional last field: read.
    raw.write_bytes(b"id,time,mag,note,err\na,1,12,caf\xe9\na,2,13,x,0.1\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read_long_table(raw).n_points == 2
    # Several such rows: all counted in the one pass, the first few lines named.
    rows = "".join(f"s1,{t}.0,12,3,0.02\n" if t % 100 == 7 else f"s1,{t}.0,12.1,0.02\n"
                   for t in range(1000))
    _compressed(path, "id,time,mag,err\n" + rows)
    with pytest.raises(InputError, match=r":9: a row has 5 fields, .* \(10 rows of another "
                                         r"number of fields, at lines 9, 109, 209, 309, 409, "
                                         r"\.\.\.\)$"):
        read_long_table(path)
    # ... but where only some rows end so, one may be a decimal comma before an empty err
    _compressed(path, "id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0,12,5,\n")
    with pytest.raises(InputError, match="a row has 5 fields, the header 4"):
        read_long_table(path)


def test_a_csv_with_only_a_header_is_an_empty_file(tmp_path: Path) -> None:
    (tmp_path / "lc.csv").write_text("id,time,mag,err\n")
    report = DropReport()
    read_long_table(tmp_path / "lc.csv", report=report)
    assert report.curves == Counter(empty_file=1)
    assert report.problems == [f"{tmp_path / 'lc.csv'}:1: no data lines, only a header"]


def test_nan_and_inf_are_numbers_not_problems(tmp_path: Path) -> None:
    path = tmp_path / "ok.csv"
    path.write_text("id,time,mag,err\na,1,nan,0.1\na,2,inf,\na,3,-inf,0.1\n")
    curves = read_long_table(path)
    assert curves.n_points == 3 and np.isnan(curves.err[1]) and np.isinf(curves.mag[1])


def test_wrong_columns_problem_lists_found_and_expected(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("star,jd,flux\nV1,1.0,2.0\n")
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert "['star', 'jd', 'flux']" in report.problems[0]
    assert "['id', 'time', 'mag']" in report.problems[0]
    assert report.curves == Counter(unreadable_file=1)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_an_optional_column_the_user_named_must_be_there(tmp_path: Path, suffix) -> None:
    """--columns err=magerr on a file without magerr: every error would be unknown."""
    path = tmp_path / f"lc{suffix}"
    frame = pd.DataFrame({"id": ["a"] * 3, "time": [1.0, 2, 3], "mag": [12.0, 12, 13],
                          "err": [0.1] * 3})
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    for named in (Columns(err="magerr"), Columns(band="filtercode")):
        report = DropReport()
        assert read_long_table(path, columns=named, report=report).n_curves == 0
        assert "no column for --columns" in report.problems[0], report.problems
    # One file read as one star (id from its name) unless --columns named its id column.
    report = DropReport()
    assert read_long_table(path, columns=Columns(id="objectId"), report=report,
                           id="lc").n_curves == 0
    assert "no column for --columns id=objectId" in report.problems[0], report.problems
    assert read_long_table(path, columns=Columns(err="ERR")).n_curves == 1  # any case


def test_stars_called_na_or_null_are_stars(tmp_path: Path) -> None:
    """pandas reads NA, null, None as missing: a star id is text, missing only when empty;
    a magnitude written NA is still a missing value."""
    path = tmp_path / "lc.csv"
    path.write_text("id,time,mag,err\nNA,1,12,0.1\nNA,2,NA,0.1\nnull,1,12,\n,1,2,0.1\n")
    report = DropReport()
    curves = read_long_table(path, report=report)
    assert list(curves.ids) == ["NA", "null"]
    np.testing.assert_array_equal(curves.mag, [12.0, np.nan, 12.0])
    assert report.points == Counter(missing_id=1)


def test_parquet_and_gzipped_csv_give_the_same_curves(tmp_path: Path) -> None:
    frame = _frame()
    frame.to_parquet(tmp_path / "lc.parquet")
    with gzip.open(tmp_path / "lc.csv.gz", "wt") as handle:
        frame.to_csv(handle, index=False)
    a = read_long_table(tmp_path / "lc.parquet")
    b = read_long_table(tmp_path / "lc.csv.gz")
    assert list(a.ids) == list(b.ids)
    np.testing.assert_array_equal(a.mag, b.mag)


def test_missing_file_and_unsupported_type(tmp_path: Path) -> None:
    report = DropReport()
    read_long_table(tmp_path / "nope.parquet", report=report)
    (tmp_path / "lc.xlsx").write_text("x")
    read_long_table(tmp_path / "lc.xlsx", report=report)
    assert report.curves == Counter(missing_file=1, unreadable_file=1)


def test_mapped_columns_any_case_and_plain_labels(tmp_path: Path) -> None:
    table = tmp_path / "lc.csv"
    _frame().rename(columns={"id": "oid", "time": "MJD", "mag": "Mag"}).to_csv(table, index=False)
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class\na,RR\nb,EB\n")  # plain names: the mapping is for the table
    curves = read_long_table(table, labels, columns=Columns(id="oid", time="mjd"))
    assert list(curves.ids) == ["b", "a"] and list(curves.labels) == ["EB", "RR"]
    np.testing.assert_array_equal(curves.time, [3.0, 1.0, 2.0, 1.0, 2.0])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["B", "R"]),
                          st.floats(-1e6, 1e6)), min_size=1, max_size=60))
def test_each_curve_holds_its_rows_in_file_order(rows: list[tuple[str, str, float]]) -> None:
    frame = pd.DataFrame(rows, columns=["id", "band", "time"]).assign(mag=np.arange(len(rows)))
    curves = from_dataframe(frame)
    assert curves.n_points == len(rows)
    assert curves.time.flags.writeable and curves.mag.flags.writeable
    for star, band, time, mag, _ in curves:
        expected = frame[(frame.id == star) & (frame.band == band)]
        np.testing.assert_array_equal(time, expected.time)
        np.testing.assert_array_equal(mag, expected.mag)  # row numbers: stable order


def assert_same_curves(a, b) -> None:
    for name in ("ids", "bands", "offsets", "time", "mag", "err", "labels", "splits"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            np.testing.assert_array_equal(x, y, err_msg=name)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abcd"), st.sampled_from(["B", "R"]),
                          st.floats(-1e6, 1e6)), min_size=1, max_size=60),
       st.lists(st.integers(0, 60), max_size=4))
def test_partitions_read_as_one_table(rows: list[tuple[str, str, float]],
                                      cuts: list[int]) -> None:
    """Stars cut across partitions anywhere are joined up as if the table were one."""
    frame = pd.DataFrame(rows, columns=["id", "band", "time"]).assign(
        mag=np.arange(len(rows)), **{"class": [r[0].upper() for r in rows]})
    bounds = [0, *sorted(c for c in cuts if c < len(rows)), len(rows)]
    parts = [from_dataframe(frame.iloc[a:b]) for a, b in itertools.pairwise(bounds)]
    report = DropReport()
    assert_same_curves(join_split_curves(LightCurves.concatenate(parts), report),
                       from_dataframe(frame))
    assert not report.events  # one label a star: no conflict


def test_a_folder_of_parquet_partitions_is_one_table(tmp_path: Path) -> None:
    frame = _frame().assign(band=["V", "V", "B", "V", "V"])
    folder = tmp_path / "lightcurves.parquet"  # as Dask's to_parquet names its folder
    (folder / "year=1").mkdir(parents=True)
    frame.iloc[:2].to_parquet(folder / "part.0.parquet", index=False)
    frame.iloc[2:].to_parquet(folder / "year=1" / "part.1.parquet", index=False)
    frame.iloc[:1].to_parquet(folder / "_metadata.parquet", index=False)  # not data
    labels = tmp_path / "labels.csv"
    labels.write_text("id,class\na,RR\nb,EB\n")
    curves = read_long_table(folder, labels)
    assert_same_curves(curves, from_dataframe(frame.assign(
        **{"class": frame["id"].map({"a": "RR", "b": "EB"})})))
    assert list(curves.bands) == ["V", "V", "B"] and list(curves.lengths) == [2, 2, 1]
    with pytest.raises(InputError, match="no Parquet partitions"):
        read_long_table(_empty_folder(tmp_path))


def _empty_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "empty.parquet"
    folder.mkdir()
    return folder


def test_astropy_timeseries_time_becomes_mjd() -> None:
    import astropy.units as u
    from astropy.time import Time
    from astropy.timeseries import TimeSeries

    series = TimeSeries(time=Time([50000.0, 50001.5], format="mjd"),
                        data={"mag": [12.0, 12.5] * u.mag, "err": [0.1, 0.2]})
    curves = from_astropy(series, id="V123", band="V", label="Mira")
    assert list(curves.ids) == ["V123"] and list(curves.bands) == ["V"]
    np.testing.assert_allclose(curves.time, [50000.0, 50001.5])
    np.testing.assert_allclose(curves.mag, [12.0, 12.5])
    assert list(curves.labels) == ["Mira"]


@pytest.mark.parametrize("form", ["jd", "mjd", "isot"])
def test_a_fits_time_column_astropy_wrote_is_read_as_mjd(tmp_path: Path, form: str) -> None:
    """astropy writes a Time column to FITS as a (jd1, jd2) pair a row, not refused as
    'arrays of shape (2,)': it is read as that Time, in MJD as any Time column is (the file's
    scale kept), whatever format the Time had."""
    from astropy.table import Table
    from astropy.time import Time

    epochs = Time([2458000.5, 2458001.25, 2458002.75], format="jd", scale="tdb")
    epochs.format = form
    table = Table({"time": epochs, "mag": [12.0, 12.1, 12.2], "err": [0.1, 0.1, 0.1]})
    table.write(tmp_path / "lc.fits")
    curves = read_long_table(tmp_path / "lc.fits", id="s")
    np.testing.assert_array_equal(curves.time, [58000.0, 58000.75, 58002.25])
    np.testing.assert_array_equal(curves.time, from_astropy(table).time)
    np.testing.assert_array_equal(curves.mag, [12.0, 12.1, 12.2])
    # A pair a row that is no time is still refused, naming its column.
    Table({"time": [1.0, 2.0], "mag": [[12.0, 12.1], [12.2, 12.3]]}).write(tmp_path / "x.fits")
    with pytest.raises(InputError, match=r"x\.fits: column 'mag' holds arrays of shape \(2,\)"):
        read_long_table(tmp_path / "x.fits", id="s")


def test_timestamp_times_become_mjd_dates_elsewhere_are_refused(tmp_path: Path) -> None:
    dates = pd.to_datetime(["2020-01-01T00:00", "2020-01-02T12:00"])  # MJD 58849, 58850.5
    frame = pd.DataFrame({"id": ["a", "a"], "time": dates, "mag": [12.0, 12.5]})
    frame.to_parquet(tmp_path / "stars.parquet", index=False)
    report = DropReport()
    np.testing.assert_allclose(from_dataframe(frame, report=report).time, [58849.0, 58850.5])
    np.testing.assert_allclose(read_long_table(tmp_path / "stars.parquet").time,
                               [58849.0, 58850.5])
    paris = from_dataframe(frame.assign(time=dates.tz_localize("Europe/Paris")))  # UTC+1
    np.testing.assert_allclose(paris.time, [58849.0 - 1 / 24, 58850.5 - 1 / 24])
    assert report.events == Counter(time_dates_read_as_mjd=2)
    with pytest.raises(InputError, match="column 'mag' holds dates"):
        from_dataframe(frame.assign(mag=dates))


def test_iso_dates_in_a_csv_become_mjd_another_value_among_them_is_named(
        tmp_path: Path) -> None:
    """ISO 8601 text, as a CSV holds dates: UTC unless a zone is given, a missing one kept
    missing (cleaning drops it), and a word among them a problem naming its line."""
    (tmp_path / "dates.csv").write_text(
        "id,time,mag\na,2020-01-01T00:00:00,12\na,2020-01-02 12:00Z,12.5\na,,13\n"
        "b,2020-01-01T01:00+01:00,14\n")
    report = DropReport()
    curves = read_long_table(tmp_path / "dates.csv", report=report)
    np.testing.assert_allclose(curves.time, [58849.0, 58850.5, np.nan, 58849.0])
    assert report.events == Counter(time_dates_read_as_mjd=4)
    (tmp_path / "dates.csv").write_text("id,time,mag\na,2020-01-01,12\na,yesterday,13\n")
    with pytest.raises(InputError, match=r"dates\.csv:3: column 'time': 'yesterday' is not a "
                                         r"date, where the column holds ISO 8601 dates"):
        read_long_table(tmp_path / "dates.csv")
    (tmp_path / "dates.csv").write_text("id,time,mag\na,2020-01-01,12\na,2020-02-30,13\n")
    with pytest.raises(InputError, match=r"dates\.csv:3: column 'time': '2020-02-30' is not"):
        read_long_table(tmp_path / "dates.csv")  # shaped like a date, but none


def test_dates_without_a_time_of_day_are_said(tmp_path: Path) -> None:
    """Calendar dates alone (2021-03-04) drop points as repeated times (8%) and leave few
    periods right (4 stars of 160): said. Two dates, or any time of
    day among them, are not said."""
    (tmp_path / "days.csv").write_text("id,time,mag\na,2021-03-04,12\na,2021-03-04,12.5\n"
                                       "a,2021-03-05,12.2\n")
    report = DropReport()
    with pytest.warns(UserWarning, match=r"the time column 'time' holds dates without a time "
                                         r"of day: periods under a few days cannot be "
                                         r"found"):
        read_long_table(tmp_path / "days.csv", report=report)
    assert report.events["time_dates_without_time_of_day"] == 1
    (tmp_path / "days.csv").write_text("id,time,mag\na,2021-03-04,12\na,2021-03-04T05:00,12\n"
                                       "a,2021-03-05,12.2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_long_table(tmp_path / "days.csv")


def test_astropy_table_with_ids_and_masked_values() -> None:
    from astropy.table import MaskedColumn, Table

    table = Table({"id": ["a", "a", "b"], "time": [1.0, 2.0, 1.0],
                   "mag": MaskedColumn([1.0, 2.0, 3.0], mask=[False, True, False])})
    curves = from_astropy(table)
    assert list(curves.ids) == ["a", "b"]
    assert np.isnan(curves.mag[1]) and np.isnan(curves.err).all()
    assert list(from_astropy(Table({"time": [1.0], "mag": [2.0]})).ids) == ["star"]


# ---------------------------------------------------------------------- real data
@pytest.mark.realdata
def test_asas_acvs(data_root: Path) -> None:
    folder = data_root / "asas_acvs"
    report = DropReport()
    curves = read_long_table(folder / "lightcurves.parquet", folder / "labels.csv", report=report)
    assert curves.n_curves == curves.n_stars == 13_909
    assert curves.n_points == 6_334_240
    assert report.problems == [] and not report.curves
    counts = Counter(curves.labels)
    assert len(counts) == 10
    assert counts["Mira"] == 2792 and counts["Close Binary Eclipsing Systems"] == 2934
    assert counts["Beta Cephei"] == 7
    assert curves.lengths.min() == 3 and curves.lengths.max() == 1985


@pytest.mark.realdata
def test_eros1_two_bands_and_fixed_split(data_root: Path) -> None:
    folder = data_root / "eros1"
    curves = read_long_table(folder / "lightcurves.parquet", folder / "labels.csv")
    assert curves.n_stars == 3641 and curves.n_curves == 7282
    assert set(curves.bands) == {"B", "R"}
    stars = curves.star_table()
    counts = Counter(zip(stars.split, stars.label, strict=True))
    assert counts[("train", "rr_lyrae")] == 1777 and counts[("train", "cepheid")] == 604
    assert counts[("train", "eclipsing_binary")] == 339 and counts[("train", "mira")] == 192
    assert counts[("test", "rr_lyrae")] == 454 and counts[("test", "mira")] == 43
    assert curves.lengths.max() <= 125


@pytest.mark.filterwarnings("ignore:the flag column:UserWarning")  # draws flagging most rows
@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("abc"), st.sampled_from(["g", "r"]),
                          st.sampled_from([0, 0, 1, 32768])), min_size=1, max_size=40))
def test_flagged_rows_are_dropped_as_if_filtered_first(
        rows: list[tuple[str, str, int]]) -> None:
    """A flag column (ZTF's catflags) reads as the table filtered to flag 0 beforehand, but
    for the curves of flagged rows only: they stay, empty, so that their stars are accounted
    for (cleaning counts them as empty_curve, predict lists them). Flagged rows are counted."""
    frame = pd.DataFrame(rows, columns=["id", "band", "catflags"]).assign(
        time=np.arange(len(rows), dtype=float), mag=12.0)
    report = DropReport()
    curves = from_dataframe(frame, columns=Columns(flag="catflags"), report=report)
    good = frame[frame.catflags == 0]
    for star, band, time, _, _ in curves:
        expected = good[(good.id == star) & (good.band == band)]
        np.testing.assert_array_equal(time, expected.time)
    assert curves.n_points == len(good)
    assert report.points["flagged"] == int((frame.catflags != 0).sum())
    assert list(zip(curves.ids, curves.bands, strict=True)) == list(
        frame.groupby(["id", "band"], sort=False).groups)  # every curve, in order
    assert not report.curves


@settings(max_examples=40, deadline=None)
@given(flags=st.lists(st.integers(0, 2**20), min_size=1, max_size=30),
       bits=st.integers(1, 2**20), as_text=st.booleans())
def test_flag_bits_drop_the_rows_with_one_of_those_bits(flags: list[int], bits: int,
                                                        as_text: bool) -> None:
    """TESS's QUALITY with lightkurve's default bitmask, ZTF's catflags without the moon bit:
    a row is dropped when its flag has one of the bits, as ``flag & bits != 0`` filters."""
    frame = pd.DataFrame({"id": "a", "time": np.arange(len(flags), dtype=float), "mag": 12.0,
                          "QUALITY": [str(f) for f in flags] if as_text else flags})
    report = DropReport()
    columns = Columns(flag="QUALITY", flag_bits=bits)
    curves = from_dataframe(frame, columns=columns, report=report)
    keep = (np.array(flags) & bits) == 0
    np.testing.assert_array_equal(curves.time, frame.time[keep])
    assert report.points.get("flagged", 0) == int((~keep).sum())


def test_flag_bits_need_whole_numbers_and_keep_true_false_flags() -> None:
    frame = pd.DataFrame({"id": "a", "time": [1.0, 2.0, 3.0], "mag": 12.0,
                          "flag": ["true", "false", "4"]})
    curves = from_dataframe(frame, columns=Columns(flag_bits=1))  # true drops whatever the bits
    np.testing.assert_array_equal(curves.time, [2.0, 3.0])
    report = DropReport()
    from_dataframe(frame.assign(flag=[0.0, 1.5, 4.0]), columns=Columns(flag_bits=1),
                   report=report)
    assert "'flag': 1.5 is not a whole number, so it has no bits for --flag-bits 1" in (
        report.problems[0]), report.problems
    with pytest.raises(ConfigError, match="flag_bits must be 0"):
        Columns(flag_bits=-1)
    with pytest.raises(ConfigError, match="not ROLE=NAME"):
        Columns.parse("flag_bits=3")  # a setting, not a column's role
    with pytest.raises(ConfigError, match=r"id is given twice \('a' and 'b'\)"):
        Columns.parse("id=a,time=t,id=b")  # not the last one, unseen


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_true_false_and_missing_flags(tmp_path: Path, suffix: str) -> None:
    """Gaia's rejected_by_variability is true/false; a missing flag is not set."""
    path = tmp_path / f"lc{suffix}"
    frame = pd.DataFrame({"id": ["a"] * 4, "time": [1.0, 2, 3, 4], "mag": [12.0] * 4,
                          "flag": pd.array([False, True, None, False], dtype="boolean")})
    frame.to_csv(path, index=False) if suffix == ".csv" else frame.to_parquet(path)
    report = DropReport()
    curves = read_long_table(path, report=report)
    np.testing.assert_array_equal(curves.time, [1.0, 3.0, 4.0])
    assert report.points == Counter(flagged=1)
    # A column made text (NaN -> "nan"): a missing flag still.
    as_text = frame.assign(flag=["0", "1", "nan", "None"])
    assert from_dataframe(as_text).n_points == 3



def test_star_ids_in_the_index_are_read_as_the_id_column() -> None:
    """df.set_index("id") (as Dask's set_index leaves each partition): the index holds the
    ids, which the reader takes as the id column, not "missing ['id']"."""
    frame = pd.DataFrame({"id": ["a", "a", "b"], "time": [1.0, 2, 1], "mag": [12.0, 12.1, 13]})
    read = read_long_table(frame.set_index("id"))
    assert read.ids.tolist() == ["a", "b"] and read.n_points == 3
    other = frame.rename(columns={"id": "source_id"}).set_index("source_id")
    assert read_long_table(other, columns=Columns(id="source_id")).ids.tolist() == ["a", "b"]
    with pytest.raises(InputError, match="missing"):  # an index of other values: not ids
        read_long_table(frame.drop(columns="id").set_index(pd.Index([0, 1, 2], name="row")))
    # A column named as ids beside an index named so (a row key, as read_sql's index_col
    # gives): the column names the stars, and the index is left alone.
    keyed = frame.rename(columns={"id": "objectId"}).set_index(pd.Index([7, 8, 9], name="id"))
    with pytest.raises(InputError, match="objectId"):
        read_long_table(keyed)
    both = frame.set_index(pd.Index(["x", "y", "z"], name="id"), drop=False)  # (id twice)
    assert read_long_table(both.rename_axis("id")).ids.tolist() == ["a", "b"]
    # A column named as ids but not the one read (a star's name, a target class) does not
    # stop the index from being read; a level of a MultiIndex is read too.
    named = frame.assign(name="V* X", target="RRL").set_index("id")
    assert read_long_table(named).ids.tolist() == ["a", "b"]
    assert read_long_table(frame.set_index(["id", "time"])).ids.tolist() == ["a", "b"]

@pytest.mark.parametrize("separator", [";", "\t"])
def test_a_csv_of_another_separator_says_so(tmp_path: Path, separator: str) -> None:
    """Not "map yours with --columns", which cannot help."""
    path = tmp_path / "lc.csv"
    path.write_text(separator.join(["id", "time", "mag"]) + "\n" + separator.join(
        ["a", "1", "12"]) + "\n")
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert f"its values seem separated by {separator!r}" in report.problems[0]
    assert ("with decimal=',' where numbers" in report.problems[0]) == (separator == ";")
    path.write_text(f"sep={separator}\n" + path.read_text())  # Excel's line naming it
    report = DropReport()
    read_long_table(path, report=report)
    assert f"pd.read_csv(path, sep={separator!r}, skiprows=1)" in report.problems[0]


@pytest.mark.parametrize(("encoding", "said"), [
    ("utf-16", "is UTF-16 text \\(Excel's \"Unicode Text\"\\)"),
    ("latin-1", "is not UTF-8 text \\(a spreadsheet's CSV in a Windows encoding\\?\\)"),
])
def test_a_table_in_another_encoding_says_to_save_it_as_utf8(tmp_path: Path, encoding: str,
                                                              said: str) -> None:
    """Excel's "Unicode Text", or a Windows encoding past the first bytes (a star named
    Céphéide on line 3,001): not pandas' UnicodeDecodeError with a byte position."""
    rows = "".join(f"s{i % 7},{i}.5,12.1,0.02\n" for i in range(3000))
    path = tmp_path / "lc.csv"
    path.write_bytes(f"id,time,mag,err\n{rows}Céphéide,1.5,12.1,0.02\n".encode(encoding))
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    assert re.fullmatch(rf"{re.escape(str(path))}: the light-curve table {said}: save it from "
                        r"the spreadsheet as \"CSV UTF-8 \(comma delimited\)\"",
                        report.problems[0]), report.problems


def test_a_ctrl_z_after_the_last_line_is_named(tmp_path: Path) -> None:
    """DOS's end-of-file mark, which an editor does not show: on a line of its own, or
    after the last number."""
    path = tmp_path / "lc.csv"
    path.write_bytes(b"id,time,mag,err\r\ns1,1.0,12.1,0.02\r\ns1,2.0,12.3,0.02\r\n\x1a")
    with pytest.raises(InputError, match=r"lc\.csv:4: a row has 1 fields, the header 4 \(a "
                                         r"Ctrl-Z byte, the end-of-file mark of DOS programs: "
                                         r"remove it\)"):
        read_long_table(path)
    path.write_bytes(b"id,time,mag,err\ns1,1.0,12.1,0.02\ns1,2.0,12.3,0.02\x1a")
    with pytest.raises(InputError, match=r"lc\.csv:3: column 'err': '0.02\\x1a' is not a "
                                         r"number \(a Ctrl-Z byte after it"):
        read_long_table(path)


def test_a_number_with_thousands_separators_is_said_as_one(tmp_path: Path) -> None:
    path = tmp_path / "lc.csv"
    path.write_text('id,time,mag,err\ns1,"2,448,290.30000",12.1,0.02\n')
    with pytest.raises(InputError, match=r"lc\.csv:2: column 'time': '2,448,290.30000' is not "
                                         r"a number \(thousands separators\? remove them\)$"):
        read_long_table(path)


def test_a_table_whose_first_line_is_a_comment_says_so(tmp_path: Path) -> None:
    """Not "found columns ['# exported by ...'] ... map yours with --columns", which cannot
    help: the first line is a comment where the header belongs."""
    path = tmp_path / "lc.csv"
    path.write_text("# exported by the class's script\nid,time,mag\na,1,12\n")
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert report.problems == [
        f"{path}: its first line is a comment (\"# exported by the class's script\"), where "
        f"a table's first line is its header: remove the comment lines (in pandas: "
        f"pd.read_csv(path, comment='#').to_csv(...)) or give it as Parquet"]
    path.write_text("#id,time,mag\na,1,12\n")  # a header whose first name has a '#'
    report = DropReport()
    read_long_table(path, report=report)
    assert "map yours with --columns id=NAME" in report.problems[0]


def test_a_header_naming_a_column_twice_is_refused(tmp_path: Path) -> None:
    """pandas reads "mag,mag" as mag and mag.1: the errors would be lost unseen."""
    path = tmp_path / "lc.csv"
    path.write_text("id,time,mag,mag\na,1,12,0.1\n")
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert report.problems == [f"{path}:1: the header names 'mag' twice; rename one"]
    path.write_text("id,time,mag,mag.1\na,1,12,0.1\n")  # a name of its own: read
    assert read_long_table(path).n_points == 1


def test_ids_that_differ_only_by_leading_zeros_are_said_not_merged() -> None:
    """A database export that padded some ids ('000021090771' beside '21090771') splits a
    star's points in two: said and counted, each read as it is ('007' may be another star
    than '7'); ids of letters and digits are not compared so."""
    frame = pd.DataFrame({"id": ["21090771", "000021090771", "7", "8", "a01", "a1"],
                          "time": 1.0, "mag": 12.0})
    report = DropReport()
    with pytest.warns(UserWarning, match=r"column 'id': 2 star ids differ from another only by "
                                         r"leading zeros \('21090771' and '000021090771'\): "
                                         r"each is read as a star of its own"):
        curves = from_dataframe(frame, report=report)
    assert curves.n_stars == 6 and report.events["star_ids_differing_by_leading_zeros"] == 2
    # Spaces around an id make no other star (said as such), nor a pair of zeros.
    frame["id"] = ["7", " 7", "8", "9", "10", "100"]
    with pytest.warns(UserWarning) as said:
        from_dataframe(frame)
    assert [str(w.message) for w in said if "leading zeros" in str(w.message)] == []


def test_spaces_around_an_id_or_band_do_not_make_another_star_or_curve() -> None:
    """CSV's "a, b": 'syn-1 ' is the star 'syn-1', as its label would be; counted."""
    frame = pd.DataFrame({"id": ["syn-1", "syn-1 ", " syn-2", "syn-2"],
                          "time": [1.0, 2.0, 1.0, 2.0], "mag": 12.0})
    report = DropReport()
    with pytest.warns(UserWarning, match=r"column 'id': ids that differ only by spaces "
                                         r"around them \(as 'a' and 'a '\) are read as one"):
        curves = from_dataframe(frame, report=report)  # (two stars made one: said)
    assert curves.ids.tolist() == ["syn-1", "syn-2"] and curves.lengths.tolist() == [2, 2]
    assert report.events["id_spaces_removed"] == 2
    # Bands alike: 'V ' beside 'V' split one curve into two, colours and features changed.
    frame["band"] = ["V", "V ", " V", "V"]
    report = DropReport()
    with pytest.warns(UserWarning, match="differ only by spaces"):  # the ids, as above
        curves = from_dataframe(frame, report=report)
    assert curves.bands.tolist() == ["V", "V"] and curves.lengths.tolist() == [2, 2]
    assert report.events["band_spaces_removed"] == 2


def test_whole_number_floats_are_the_integer_ids_and_bands() -> None:
    """pandas makes an integer column float for one missing value: the star 7 stays '7' (as
    labels.csv names it), ZTF's band 1 stays '1'; other floats keep their text."""
    frame = pd.DataFrame({"id": [7.0, 7.0, np.nan, 8.0], "band": [1.0, np.nan, 2.0, 2.0],
                          "time": [1.0, 2.0, 1.0, 1.0], "mag": 12.0})
    curves = from_dataframe(frame, report=DropReport())
    assert curves.ids.tolist() == ["7", "7", "8"]
    assert curves.bands.tolist() == ["1", "", "2"]
    fractions = from_dataframe(frame.assign(id=[7.0, 7.0, np.nan, 8.5]), report=DropReport())
    assert fractions.ids.tolist() == ["7.0", "7.0", "8.5"]


def test_a_flag_column_left_unread_is_counted() -> None:
    """ZTF's catflags without --columns flag=catflags: every row is used, and the report says
    a quality flag was there."""
    frame = _frame().assign(catflags=[0, 32768, 0, 0, 0])
    said = r"'catflags' looks like a quality flag and is not read.*--columns flag=catflags"
    for columns, events in ((Columns(), Counter(quality_flag_column_not_read=1)),
                            (Columns(flag="catflags"), Counter()),
                            (Columns(flag=""), Counter())):  # flag= : none, on purpose
        report = DropReport()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            from_dataframe(frame, columns=columns, report=report)
        assert report.events == events, columns
        assert [re.search(said, str(w.message)) is not None for w in caught] == (
            [True] if events else [])  # said where counted, on the command line too
        assert not any("--flag-bits" in str(w.message) for w in caught)  # mostly 0: no mask
    # Non-zero in most rows (Pan-STARRS's infoFlag): read with --flag-bits, not alone
    with pytest.warns(UserWarning, match=r"'infoFlag' looks like a quality flag and is not "
                                         r"read.*--columns flag=infoFlag .*, with --flag-bits "
                                         r"naming the bits that mark bad rows: it is non-zero "
                                         r"in 80% of the rows"):
        from_dataframe(_frame().assign(infoFlag=[0, 16, 16, 24, 16]), report=DropReport())
    # A good-flag column (1 marks good rows) takes no --flag-bits: not advised
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from_dataframe(_frame().assign(goodflag=[1, 1, 1, 0, 1]), report=DropReport())
    assert caught and not any("--flag-bits" in str(w.message) for w in caught)
    # Beside a flag column that is read, the other's rows are not applied: counted too.
    report = DropReport()
    with pytest.warns(UserWarning, match=r"'catflags' looks like a quality flag too and is not "
                                         r"read: the flag column read is 'flag' \(--columns "
                                         r"flag=catflags, Columns\(flag='catflags'\) in "
                                         r"Python, reads it instead\)"):
        from_dataframe(frame.assign(flag=0), report=report)
    assert report.events == Counter(quality_flag_column_not_read=1)


def test_a_flag_that_drops_most_rows_points_to_flag_bits() -> None:
    """Pan-STARRS's infoFlag sets informational bits on 90% of its rows: dropping every
    non-zero value keeps a tenth of the survey, so it is said (once, for any partition)."""
    frame = pd.DataFrame({"id": "a", "time": np.arange(40.0), "mag": 15.0,
                          "infoFlag": [0] * 10 + [16] * 30})
    said = r"the flag column 'infoFlag' drops most rows .* --flag-bits MASK"
    report = DropReport()
    with pytest.warns(UserWarning, match=said):
        from_dataframe(frame, columns=Columns(flag="infoFlag"), report=report)
    assert report.points == {"flagged": 30}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # some rows flagged, or the bits given: nothing said
        from_dataframe(frame.iloc[:20], columns=Columns(flag="infoFlag"))
        from_dataframe(frame, columns=Columns(flag="infoFlag", flag_bits=1))


def test_a_flag_that_is_not_a_number_or_a_flag_word_names_its_line(tmp_path: Path) -> None:
    """ASAS-SN's quality G/B says good and bad; lcformer does not guess what other words (grades
    A to D) mean."""
    path = tmp_path / "lc.csv"
    path.write_text("id,time,mag,quality\na,1,12,G\na,2,12,B\na,3,12,good\n")
    report = DropReport()
    curves = read_long_table(path, columns=Columns(flag="quality"), report=report)
    assert curves.time.tolist() == [1.0, 3.0] and report.points == Counter(flagged=1)
    path.write_text("id,time,mag,quality\na,1,12,A\na,2,12,B\n")
    report = DropReport()
    assert read_long_table(path, columns=Columns(flag="quality"), report=report).n_curves == 0
    assert report.problems[0].startswith(f"{path}:2: column 'quality': 'A' is not a quality "
                                         "flag"), report.problems
    assert report.curves == Counter(unreadable_file=1)
    with pytest.raises(InputError, match="--columns flag=NAME"):
        read_long_table(path, columns=Columns(flag="quality"))
    # Named but absent: refused (every row would be kept unseen); flag= reads none.
    report = DropReport()
    assert read_long_table(path, columns=Columns(flag="catflags"), report=report).n_curves == 0
    assert "no column for --columns flag=catflags (a table without quality flags: flag= " in (
        report.problems[0])
    assert Columns.parse("id=star,flag=") == {"id": "star", "flag": ""}
    report = DropReport()
    assert read_long_table(path, columns=Columns(flag=""), report=report).n_points == 2
    assert not report.points and not report.problems
    with pytest.raises(ConfigError, match="every column name but the flag's"):
        Columns(err="")


# ---------------------------------------------------------------------- astronomy formats
def _astropy_table() -> Any:
    from astropy.table import MaskedColumn, Table

    frame = _frame()
    table = Table.from_pandas(frame)
    table["err"] = MaskedColumn(frame["err"], mask=[False, True, False, False, False])
    table["mag"].unit = "mag"
    return table


@pytest.mark.parametrize(("name", "form"), [
    ("lc.ecsv", "ascii.ecsv"), ("lc.ecsv.gz", "ascii.ecsv"), ("lc.vot", "votable"),
    ("lc.xml", "votable"), ("lc.votable", "votable"), ("lc.vot.gz", "votable"),
    ("lc.fits", "fits")])
def test_ecsv_and_votable_read_as_fits_does(tmp_path: Path, name: str, form: str) -> None:
    """astropy's tables through Table.read: units dropped, masked values NaN, as FITS."""
    path = tmp_path / name
    if name.endswith(".gz"):
        plain = tmp_path / name.removesuffix(".gz")
        _astropy_table().write(plain, format=form)
        path.write_bytes(gzip.compress(plain.read_bytes()))
    else:
        _astropy_table().write(path, format=form)
    curves = read_long_table(path)
    expected = from_dataframe(_frame())
    assert list(curves.ids) == list(expected.ids) and list(curves.lengths) == [3, 2]
    np.testing.assert_array_equal(curves.mag, expected.mag)
    assert np.isnan(curves.err).sum() == 1 and curves.err.dtype == np.float64


def test_ecsv_columns_are_mapped_and_named_in_problems(tmp_path: Path) -> None:
    table = _astropy_table()
    table.rename_columns(["id", "time"], ["source_id", "MJD"])
    table.write(tmp_path / "gaia.ecsv")
    with pytest.raises(InputError, match=r"gaia\.ecsv: found columns .*missing \['id', 'time'\]"):
        read_long_table(tmp_path / "gaia.ecsv")
    curves = read_long_table(tmp_path / "gaia.ecsv", columns=Columns(id="source_id", time="mjd"))
    assert list(curves.ids) == ["b", "a"]


@pytest.mark.parametrize(("name", "form"), [("lc.ecsv", "ascii.ecsv"), ("lc.fits", "fits"),
                                           ("lc.vot", "votable")])
def test_declared_units_are_read_not_ignored(tmp_path: Path, name: str, form: str) -> None:
    """Ignored, they make times in hours or seconds days (periods 24x too long), drop errors
    in mmag as too large, and take fluxes in mJy for magnitudes."""
    from astropy import units as u

    table = _astropy_table()
    table["err"] = table["err"] * 1000
    table["time"].unit, table["err"].unit = "h", "mmag"
    table.write(tmp_path / name, format=form)
    curves = read_long_table(tmp_path / name)
    expected = from_dataframe(_frame())
    known = np.isfinite(curves.err)  # one error is masked
    np.testing.assert_allclose(curves.time, expected.time / 24)
    np.testing.assert_allclose(curves.err[known], expected.err[known])
    table["time"].unit = "s"
    table.write(tmp_path / name, format=form, overwrite=True)
    np.testing.assert_allclose(read_long_table(tmp_path / name).time, expected.time / 86400)
    for word, days in (("seconds", 86400), ("fortnights", 1))[:1 if form == "votable" else 2]:
        # SuperWASP's word; one astropy does not know: days, counted (VOTable refuses it)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # astropy's own warnings of a unit it lacks
            table["time"].unit = u.Unit(word, parse_strict="silent")
            table.write(tmp_path / name, format=form, overwrite=True)
            report = DropReport()
            read = read_long_table(tmp_path / name, report=report)
        np.testing.assert_allclose(read.time, expected.time / days)
        assert report.events[UNKNOWN_TIME_UNIT] == (days == 1)
    table["time"].unit = "mag"  # no time at all: refused, naming the file and column
    table.write(tmp_path / name, format=form, overwrite=True)
    with pytest.raises(InputError, match=r"time column 'time' is in mag, not a unit of time"):
        read_long_table(tmp_path / name)
    # Years: a span of Julian years is 365.25 days each; decimal years of the calendar (DASCH)
    # are dates, which a factor would put up to a day off: refused.
    times = table["time"].copy()
    table["time"] = np.asarray(times) / 365.25
    table["time"].unit = "yr"
    table.write(tmp_path / name, format=form, overwrite=True)
    np.testing.assert_allclose(read_long_table(tmp_path / name).time, expected.time)
    table["time"] = 1890.5 + np.asarray(times) / 365.25
    table["time"].unit = "yr"
    table.write(tmp_path / name, format=form, overwrite=True)
    with pytest.raises(InputError, match=r"time column 'time' holds years \(yr\) of the "
                                         r"calendar.*format='decimalyear'"):
        read_long_table(tmp_path / name)
    table["time"] = times
    table["time"].unit, table["mag"].unit, table["err"].unit = "d", "mJy", "uJy"
    table.write(tmp_path / name, format=form, overwrite=True)
    report = DropReport()  # counted: without --flux, to_magnitudes refuses it
    fluxes = read_long_table(tmp_path / name, report=report)
    assert report.events[FLUX_UNIT] == 1
    np.testing.assert_allclose(fluxes.err[known], expected.err[known])  # 1000 uJy = 1 mJy
    with pytest.raises(InputError, match=r"declared in a flux's unit .*give --flux"):
        to_magnitudes(fluxes, ReadConfig(), name, report)
    table["time"].unit, table["mag"].unit, table["err"].unit = "h", "mag", "mmag"
    table.rename_column("time", "TIME")  # the Python API's astropy tables alike, any case
    in_memory = from_astropy(table)
    np.testing.assert_allclose(in_memory.time, expected.time / 24)
    np.testing.assert_allclose(in_memory.err[known], expected.err[known])
    table["TIME"].unit = "mag"
    report = DropReport()
    assert from_astropy(table, report=report).n_curves == 0
    assert report.problems == ["an astropy table: time column 'TIME' is in mag, not a unit "
                               "of time"]


@pytest.mark.parametrize("name", ["lc.json", "lc.feather", "lc.h5", "lc.hdf5", "lc.zip",
                                  "lc.parquet.gz", "lc.xlsx", "lc.txt", "lc"])
def test_an_unsupported_format_is_one_line_listing_the_supported(tmp_path: Path,
                                                                 name: str) -> None:
    (tmp_path / name).write_bytes(b"\x00binary")
    report = DropReport()
    assert read_long_table(tmp_path / name, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    message = report.problems[0]
    assert message.startswith(f"{tmp_path / name}: unsupported table format")
    for listed in (".parquet", ".csv.bz2", ".fits.gz", ".ecsv", ".vot", "VOTable"):
        assert listed in message
    assert "\n" not in message and "column" not in message


def test_a_table_saved_without_its_suffix_is_named_by_its_content(tmp_path: Path) -> None:
    pd.DataFrame({"id": ["a"], "time": [1.0], "mag": [10.0]}).to_parquet(tmp_path / "lc")
    report = DropReport()
    assert read_long_table(tmp_path / "lc", report=report).n_curves == 0
    assert report.problems == [f"{tmp_path / 'lc'}: unsupported table format (no suffix), but "
                               f"its content is Parquet: give the file a name ending in "
                               f".parquet"]


@pytest.mark.parametrize("suffix", [".csv.bz2", ".csv.xz", ".csv.zip", ".csv.gz"])
def test_compressed_csv_as_pandas_reads_it_names_the_line(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"lc{suffix}"
    _frame().to_csv(path, index=False)
    np.testing.assert_array_equal(read_long_table(path).mag, from_dataframe(_frame()).mag)
    _frame().assign(mag=["13", "11", "", "x", "13.2"]).to_csv(path, index=False)
    with pytest.raises(InputError, match=rf"lc{suffix}:5: column 'mag': 'x' is not a number"):
        read_long_table(path)


def _hdus(tmp_path: Path, *tables: Any) -> Path:
    from astropy.io import fits

    hdus = [fits.PrimaryHDU(), *(fits.BinTableHDU(t, name=n) for n, t in tables)]
    fits.HDUList(hdus).writeto(tmp_path / "multi.fits")
    return tmp_path / "multi.fits"


def test_fits_with_two_usable_table_hdus_is_refused_naming_them(tmp_path: Path) -> None:
    table = _astropy_table()
    path = _hdus(tmp_path, ("G", table), ("R", table))
    report = DropReport()
    assert read_long_table(path, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=1)
    assert report.problems == [
        f"{path}: 2 table HDUs have the columns ['id', 'time', 'mag']: HDU 1 (G), HDU 2 (R); "
        f"lcformer reads one table a file and does not guess which: stack them into one "
        f"(astropy.table.vstack, with a band column where they are bands) or write each to its "
        f"own file"]


def test_fits_reads_the_one_table_hdu_with_the_columns(tmp_path: Path) -> None:
    """A catalogue HDU beside the light curves (no time, mag) is not a second candidate."""
    from astropy.table import Table

    meta = Table({"id": ["a", "b"], "ra": [1.0, 2.0]})
    path = _hdus(tmp_path, ("META", meta), ("LC", _astropy_table()))
    curves = read_long_table(path)
    assert list(curves.ids) == ["b", "a"] and curves.n_points == 5
    # Neither has them: the first table's columns are the problem.
    path.unlink()
    _hdus(tmp_path, ("META", meta), ("OTHER", meta))
    with pytest.raises(InputError, match=r"multi\.fits: found columns \['id', 'ra'\]"):
        read_long_table(path)


def test_a_votable_of_two_usable_tables_is_refused(tmp_path: Path) -> None:
    from astropy.io.votable.tree import Resource, VOTableFile
    from astropy.io.votable.tree import TableElement as VOTableElement

    votable, resource = VOTableFile(), Resource()
    votable.resources.append(resource)
    for name in ("g", "r"):
        element = VOTableElement.from_table(votable, _astropy_table())
        element.name = name
        resource.tables.append(element)
    votable.to_xml(str(tmp_path / "two.vot"))
    with pytest.raises(InputError, match=r"two\.vot: 2 TABLEs have the columns \['id', "
                                         r"'time', 'mag'\]: table 1 \(g\), table 2 \(r\);"):
        read_long_table(tmp_path / "two.vot")


@pytest.mark.parametrize(("text", "words"), [
    ('<?xml version="1.0"?>\n<root><a>1</a></root>\n', "does not appear to be a VOTABLE"),
    ("not xml\n", "cannot read as a VOTable table: ValueError"),
])
def test_an_xml_file_that_is_no_votable_is_one_line(tmp_path: Path, text: str,
                                                   words: str) -> None:
    (tmp_path / "lc.xml").write_text(text)
    with pytest.raises(InputError) as caught:
        read_long_table(tmp_path / "lc.xml")
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'lc.xml'}: cannot read as a VOTable table")
    assert words in message and "\n" not in message


def test_a_band_column_of_another_name_is_not_merged_away(tmp_path) -> None:
    """Read without it, a star's B and R rows would make one curve: refused, naming the
    column and the option that reads it."""
    frame = pd.DataFrame({"ID": ["a", "a", "a", "a"], "HJD": [1.0, 2.0, 1.5, 2.5],
                          "MAG": [15.0, 15.1, 14.0, 14.2], "FILTER": ["B", "B", "R", "R"]})
    path = tmp_path / "two_bands.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError, match=r"column 'FILTER' looks like each row's band.*"
                                         r"--columns band=FILTER"):
        read_long_table(path, columns=Columns(id="ID", time="HJD", mag="MAG"))
    curves = read_long_table(path, columns=Columns(id="ID", time="HJD", mag="MAG",
                                                   band="FILTER"))
    assert sorted(curves.bands) == ["B", "R"]


def test_a_table_of_one_row_per_star_with_nested_points_is_read(tmp_path) -> None:
    """nested-pandas, LSDB and Rubin's DP1 keep a star's points in one row: a struct of
    lists; others write a list of structs. Both read as the long table they hold."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    times, mags = [[1.0, 2.0, 3.0], [4.0, 5.0], []], [[12.0, 12.1, 12.2], [15.0, 15.5], []]
    bands = [["g", "g", "r"], ["r", "r"], []]
    struct_of_lists = pa.StructArray.from_arrays(
        [pa.array(times), pa.array(mags), pa.array(bands)], names=["time", "mag", "band"])
    list_of_structs = pa.array([[{"time": t, "mag": m, "band": b}
                                 for t, m, b in zip(ts, ms, bs, strict=True)]
                                for ts, ms, bs in zip(times, mags, bands, strict=True)])
    for name, nested in (("struct_of_lists", struct_of_lists),
                         ("list_of_structs", list_of_structs)):
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table({"id": ["a", "b", "c"], "ra": [1.0, 2.0, 3.0],
                                 "lc": nested}), path)
        report = DropReport()
        curves = read_long_table(path, report=report)
        assert list(curves.ids) == ["a", "a", "b", "c"]
        assert list(curves.bands) == ["g", "r", "r", ""]
        # c, with no point, keeps one point of no value: cleaning leaves it empty, and
        # predict lists it ("no usable points"), rather than it vanishing.
        np.testing.assert_array_equal(curves.mag, [12.0, 12.1, 12.2, 15.0, 15.5, np.nan])
        assert report.events["stars_without_points"] == 1


def test_list_columns_of_one_row_per_star_are_read_as_its_points(tmp_path) -> None:
    """ZTF's data releases keep a star's points in list columns (hmjd, mag, magerr,
    catflags) beside scalars (filtercode), not "array([...]) is not a number": read as the
    long table they hold, from a file and from the DataFrame pandas reads."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table({"objectid": [1, 2], "filtercode": ["zg", "zr"],
                      "hmjd": [[58000.1, 58001.2, 58002.3], [58000.5, 58003.0]],
                      "mag": [[15.0, 15.2, 15.1], [16.0, 16.3]],
                      "magerr": [[0.01, 0.01, 0.02], [0.02, 0.02]],
                      "catflags": [[0, 32768, 0], [0, 0]]})
    pq.write_table(table, tmp_path / "ztf_dr.parquet")
    columns = Columns(id="objectid", time="hmjd", err="magerr", band="filtercode",
                      flag="catflags")
    report = DropReport()
    curves = read_long_table(tmp_path / "ztf_dr.parquet", columns=columns, report=report)
    assert list(curves.ids) == ["1", "2"] and list(curves.bands) == ["zg", "zr"]
    np.testing.assert_array_equal(curves.mag, [15.0, 15.1, 16.0, 16.3])
    assert report.points["flagged"] == 1
    again = from_dataframe(pd.read_parquet(tmp_path / "ztf_dr.parquet"), columns=columns)
    np.testing.assert_array_equal(again.time, curves.time)
    # A list column that is no point's value (a star's aliases) stays a column,
    # and a first star without points does not hide the list columns of a DataFrame
    aliases = table.append_column("aliases", pa.array([["x"], ["y", "z", "w", "v"]]))
    pq.write_table(aliases, tmp_path / "aliases.parquet")
    with_aliases = read_long_table(tmp_path / "aliases.parquet", columns=columns)
    np.testing.assert_array_equal(with_aliases.mag, curves.mag)
    frame = pd.read_parquet(tmp_path / "ztf_dr.parquet")
    frame.loc[0, ["hmjd", "mag", "magerr", "catflags"]] = None
    assert sorted(from_dataframe(frame, columns=columns).ids) == ["1", "2"]
    with pytest.raises(InputError, match=r"map yours with --columns id=objectid,time=hmjd,"):
        read_long_table(tmp_path / "ztf_dr.parquet")


def test_nested_tables_that_cannot_be_read_one_way_are_refused(tmp_path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    def lc(n: list[int], names: tuple[str, ...] = ("time", "mag")) -> pa.StructArray:
        return pa.StructArray.from_arrays(
            [pa.array([[float(i) for i in range(k)] for k in n]) for _ in names], names=names)

    cases = {
        "two": ({"id": ["a"], "lc": lc([3]), "forced": lc([2])},
                "time and mag are in 'lc' and in 'forced'"),
        "flat_too": ({"id": ["a"], "time": [1.0], "mag": [2.0], "lc": lc([3])},
                     "time and mag are in the top level and in 'lc'"),
        "id_twice": ({"id": ["a"], "lc": lc([3], ("id", "time", "mag"))},
                     "'id' is both a column and a field of 'lc'"),
        "ragged": ({"id": ["a", "b"], "lc": pa.StructArray.from_arrays(
            [pa.array([[1.0], [1.0, 2.0]]), pa.array([[1.0], [1.0]])], names=["time", "mag"])},
                   "row 2 of column 'lc' has lists of different lengths (time 2, mag 1)"),
    }
    for name, (columns, words) in cases.items():
        path = tmp_path / f"{name}.parquet"
        pq.write_table(pa.table(columns), path)
        with pytest.raises(InputError, match=re.escape(words)):
            read_long_table(path)
    # A name in both places that is not read (DP1's coord_ra) is no reason to refuse.
    path = tmp_path / "coords.parquet"
    pq.write_table(pa.table({"id": ["a"], "coord_ra": [10.0],
                             "lc": lc([3], ("time", "mag", "coord_ra"))}), path)
    assert read_long_table(path).n_points == 3
    path = tmp_path / "no_id.parquet"  # one star's file would merge the rows' stars
    pq.write_table(pa.table({"lc": lc([3, 2])}), path)
    with pytest.raises(InputError, match=r"one row per star .* but no 'id' column"):
        read_long_table(path, id="no_id")


def test_a_dataframe_of_nested_records_is_read_as_its_points(tmp_path) -> None:
    """What pandas and Dask read from a nested Parquet file: a column of records."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    lc = pa.StructArray.from_arrays([pa.array([[1.0, 2.0], [3.0]]),
                                     pa.array([[12.0, 12.5], [14.0]])], names=["time", "mag"])
    pq.write_table(pa.table({"id": ["a", "b"], "lc": lc}), tmp_path / "n.parquet")
    frame = pd.read_parquet(tmp_path / "n.parquet")
    assert frame["lc"].dtype == object
    curves = from_dataframe(frame)
    assert list(curves.ids) == ["a", "b"]
    np.testing.assert_array_equal(curves.mag, [12.0, 12.5, 14.0])
    # pyarrow-backed (as nested-pandas and LSDB hand frames over): the same
    arrow = pd.read_parquet(tmp_path / "n.parquet", dtype_backend="pyarrow")
    assert arrow["lc"].dtype != object
    np.testing.assert_array_equal(from_dataframe(arrow).mag, [12.0, 12.5, 14.0])


def test_a_parquet_file_of_no_rows_and_no_columns_is_no_stars(tmp_path: Path) -> None:
    """As pandas writes an empty DataFrame (a partition left empty by a filter): nothing to
    read, not a file missing its columns (which made every partitioned rerun exit 1)."""
    pd.DataFrame().to_parquet(tmp_path / "part.9.parquet")
    report = DropReport()
    assert read_long_table(tmp_path / "part.9.parquet", report=report).n_curves == 0
    assert report.problems == [] and not report.curves


def test_a_surveys_own_layout_is_named_with_the_options_that_read_it(tmp_path) -> None:
    """Rubin's DiaSource columns (in any case): the error says which options read its direct
    image fluxes, or that its psfFlux alone is a difference flux."""
    frame = pd.DataFrame({"diaObjectId": [1, 1], "band": ["g", "g"],
                          "midpointMjdTai": [60800.1, 60801.2], "PSFFLUX": [12.0, -31.0],
                          "psfFluxErr": [40.0, 41.0], "scienceFlux": [1200.0, 1310.0],
                          "scienceFluxErr": [40.0, 41.0]})
    frame.to_parquet(tmp_path / "dia.parquet")
    with pytest.raises(InputError, match=r"this looks like Rubin's DiaSource, whose scienceFlux "
                                         r"is the direct image's \(nJy\): --columns "
                                         r"id=diaObjectId,time=midpointMjdTai,mag=scienceFlux,"
                                         r"err=scienceFluxErr --flux --zero-point 31\.4 \(in "
                                         r"Python: lcformer.flux_to_magnitudes with "
                                         r"zero_point=31.4 on what read_long_table reads\)$"):
        read_long_table(tmp_path / "dia.parquet")
    frame.drop(columns=["scienceFlux", "scienceFluxErr"]).assign(diaSourceId=[5, 6]).to_parquet(
        tmp_path / "psf.parquet")  # (DiaSource's own id: a forced source's psfFlux is direct)
    with pytest.raises(InputError, match=r"without scienceFlux: its psfFlux is a "
                                         r"difference-image flux, which --flux does not read"):
        read_long_table(tmp_path / "psf.parquet")


def test_an_unread_error_column_is_warned_of_naming_it(tmp_path: Path) -> None:
    """CRTS's Magerr is not the err column: read without it, every error would be unknown,
    so the reader says which column to add (and says nothing once it is read)."""
    path = tmp_path / "crts.csv"
    path.write_text("MasterID,Mag,Magerr,MJD\n1,15.0,0.05,53500.1\n1,15.2,0.05,53501.2\n")
    with pytest.warns(UserWarning, match=r"column 'Magerr' looks like the errors of "
                                         r"'Mag' but is not read.*add err=Magerr"):
        curves = read_long_table(path, columns=Columns(id="MasterID", time="MJD"))
    assert np.isnan(curves.err).all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = read_long_table(path, columns=Columns(id="MasterID", time="MJD", err="Magerr"))
    assert curves.err.tolist() == pytest.approx([0.05, 0.05])


def test_a_table_read_as_one_star_must_not_name_several(tmp_path: Path) -> None:
    """Without an id column a table is one star; a column of star ids (CRTS's MasterID) that
    names two says it is not, where predict's --columns left id= out."""
    path = tmp_path / "crts.csv"
    columns = Columns(time="MJD", mag="Mag", err="Magerr")
    path.write_text("MasterID,Mag,Magerr,MJD\n7,15.0,0.05,1.0\n7,15.2,0.05,2.0\n"
                    "8,16.0,0.05,1.0\n8,16.1,0.05,2.0\n")
    with pytest.raises(InputError, match=r"column 'MasterID' names more than one star \('7', "
                                         r"then '8'\).*give --columns id=MasterID"):
        read_long_table(path, columns=columns, id="crts")
    path.write_text("MasterID,Mag,Magerr,MJD\n7,15.0,0.05,1.0\n7,15.2,0.05,2.0\n")
    assert list(read_long_table(path, columns=columns, id="crts").ids) == ["crts"]
    # A value per row (a detection's own id, as NEOWISE's source_id) names no star.
    path.write_text("source_id,Mag,Magerr,MJD\na1,15.0,0.05,1.0\na2,15.2,0.05,2.0\n")
    assert read_long_table(path, columns=columns, id="crts").n_points == 2


def test_an_atlas_long_table_names_its_band_and_error_columns() -> None:
    """ATLAS's rows of many stars: F is its band (else both filters make one curve), and
    err a fit's code, not the errors. Both are said, with the names to give."""
    frame = pd.DataFrame({"id": "a", "MJD": [1.0, 2.0, 3.0, 4.0], "m": [15.2, 15.6, 15.3, 15.7],
                          "dm": 0.02, "uJy": 3000.0, "duJy": 60.0, "F": ["c", "o", "c", "o"],
                          "err": 0})
    report = DropReport()
    from_dataframe(frame, columns=Columns(time="MJD", mag="m"), report=report)
    assert report.problems == ["DataFrame: column 'F' looks like each row's band, but the "
                               "band is read from a column 'band': give --columns band=F "
                               "(Columns(band=...) in Python)"]
    with pytest.warns(UserWarning, match=r"column 'err' is read as the errors, but 'dm' is "
                                         r"named after the magnitude column 'm': .*err=dm"):
        from_dataframe(frame, columns=Columns(time="MJD", mag="m", band="F"))
    curves = from_dataframe(frame, columns=Columns(time="MJD", mag="m", band="F", err="dm"))
    assert sorted(curves.bands) == ["c", "o"] and (curves.err == 0.02).all()


def test_a_table_of_fluxes_gets_the_flux_option_in_its_column_error(tmp_path) -> None:
    """A TESS table (flux, flux_err, quality) is told --flux, not only flag=quality."""
    path = tmp_path / "tess.csv"
    pd.DataFrame({"id": ["a", "a"], "time": [1.0, 2.0], "flux": [1.0, 1.01],
                  "flux_err": [0.001, 0.001], "quality": [0, 0]}).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"--columns mag=flux,err=flux_err,flag=quality "
                                         r"--flux \(names guessed"):
        read_long_table(path)


def _two_band_rows() -> pd.DataFrame:
    """NEOWISE-R's layout: one row per exposure, holding W1 and W2, a row's flag for both."""
    return pd.DataFrame({
        "id": ["a", "b", "a", "b"],
        "mjd": [1.0, 1.5, 2.0, 2.5],
        "w1mpro": [10.0, 12.0, 10.1, 12.1],
        "w1sigmpro": [0.01, 0.02, 0.03, 0.04],
        "w2mpro": [9.0, 11.0, 9.1, 11.1],
        "w2sigmpro": [0.11, 0.12, 0.13, 0.14],
        "bad": [0, 0, 1, 0],
        "class": ["RRab", "EB", "RRab", "EB"],
    })


def test_rows_of_two_bands_are_read_as_a_curve_each(tmp_path: Path) -> None:
    path = tmp_path / "neowise.csv"
    _two_band_rows().to_csv(path, index=False)
    columns = Columns().replace(**Columns.parse(
        "time=mjd,flag=bad,mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro"))
    report = DropReport()
    curves = read_long_table(path, columns=columns, report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("a", "W1"), ("a", "W2"), ("b", "W1"), ("b", "W2")]  # a star's bands side by side
    assert list(curves.labels) == ["RRab", "RRab", "EB", "EB"]
    np.testing.assert_array_equal(curves.curve(1)[1], [9.0])  # a's row 3 flagged, in both
    np.testing.assert_array_equal(curves.curve(2)[2], [0.02, 0.04])
    np.testing.assert_array_equal(curves.curve(3)[1], [11.0, 11.1])
    assert report.points["flagged"] == 2  # one row, a point in each band


def test_a_bands_empty_cells_are_no_points() -> None:
    """VVV's wide rows: Ks every epoch, J and H now and then. An empty cell is no point
    read and dropped (48,912 of them), a flagged row no point of every band."""
    frame = _two_band_rows().assign(w2mpro=[9.0, np.nan, np.nan, np.nan],
                                    bad=[0, 0, 0, 1])
    frame.loc[4] = ["c", 3.0, np.nan, 0.1, np.nan, 0.1, 0, "EB"]  # no value in any band
    columns = Columns(time="mjd", flag="bad").replace(**Columns.parse(
        "mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro"))
    report = DropReport()
    curves = from_dataframe(frame, columns=columns, report=report)
    assert list(zip(curves.ids, curves.bands, curves.lengths, strict=True)) == [
        ("a", "W1", 2), ("a", "W2", 1), ("b", "W1", 1), ("c", "W1", 1), ("c", "W2", 1)]
    assert report.points["flagged"] == 1  # b's last row: W1 only
    assert report.events["band_cells_without_a_value"] == 3  # a's and b's empty W2 cells
    # c has no value at all: its cells stay, for cleaning to drop and count (as a long
    # table's star of NaN magnitudes)
    assert np.isnan(curves.mag[-2:]).all()
    # A star's class on a row without values is still its class.
    frame = _two_band_rows().assign(w1mpro=[np.nan, 12.0, 10.1, 12.1],
                                    w2mpro=[np.nan, 11.0, 9.1, 11.1],
                                    **{"class": ["RRab", "EB", None, "EB"]})
    curves = from_dataframe(frame, columns=columns.replace(flag=""))
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {"a": "RRab", "b": "EB"}
    assert curves.n_points == 6
    # Stars in the order of their first rows, a star's bands side by side (a first row
    # without W1 must not put a's W2 first, nor b's W1 before a's).
    frame = pd.DataFrame({"id": ["a", "b", "a", "b"], "mjd": [1.0, 2.0, 3.0, 4.0],
                          "w1mpro": [np.nan, 10, 11, 10.1], "w2mpro": [12, np.nan, 12.1, 13]})
    curves = from_dataframe(frame, columns=Columns(time="mjd").replace(**Columns.parse(
        "mag:W1=w1mpro,mag:W2=w2mpro")))
    assert list(zip(curves.ids, curves.bands, curves.lengths, strict=True)) == [
        ("a", "W1", 1), ("a", "W2", 2), ("b", "W1", 2), ("b", "W2", 1)]


def test_a_bands_missing_error_column_is_a_problem_and_no_error_is_unknown() -> None:
    frame = _two_band_rows()
    columns = Columns(time="mjd").replace(**Columns.parse("mag:W1=w1mpro,mag:W2=w2mpro"))
    curves = from_dataframe(frame, columns=columns)
    assert np.isnan(curves.err).all() and curves.n_curves == 4
    named = Columns(time="mjd").replace(**Columns.parse("mag:W1=w1mpro,err:W1=e1"))
    with pytest.raises(InputError, match="no column for --columns err:W1=e1"):
        from_dataframe(frame, columns=named)


def test_a_band_not_read_beside_the_one_read_is_warned_of_with_the_columns_to_give() -> None:
    """w2mpro beside the w1mpro read is said, not only counted (per-star files) or not at all."""
    frame = _two_band_rows()
    with pytest.warns(UserWarning, match=re.escape(
            "columns 'w2mpro', 'w2sigmpro' look like another band of 'w1mpro' and are not "
            "read: read each band as its own curve with --columns mag:w1=w1mpro,"
            "err:w1=w1sigmpro,mag:w2=w2mpro,err:w2=w2sigmpro")):
        from_dataframe(frame, columns=Columns(time="mjd", mag="w1mpro", err="w1sigmpro"))
    both = Columns(time="mjd").replace(**Columns.parse(
        "mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # both read: nothing to say
        from_dataframe(frame.drop(columns="bad"), columns=both)


def test_a_flag_column_of_text_is_not_suggested_nor_warned_of_as_one(tmp_path: Path) -> None:
    """NEOWISE's cc_flags ('d000') is text: flag=cc_flags, suggested, would fail."""
    frame = _two_band_rows().drop(columns=["w2mpro", "w2sigmpro"]).assign(
        cc_flags=["0000", "d000", "0000", "h000"])
    path = tmp_path / "lightcurves.csv"
    frame.to_csv(path, index=False)
    with pytest.raises(InputError) as info:
        read_long_table(path)
    assert "--columns time=mjd,mag=NAME " in str(info.value)
    assert "cc_flags" not in str(info.value).split("map yours")[1]
    frame.assign(catflags=[0, 0, 32768, 0]).to_csv(path, index=False)
    with pytest.raises(InputError, match=r"--columns time=mjd,mag=NAME,flag=catflags "):
        read_long_table(path)
    with pytest.warns(UserWarning, match=r"'cc_flags' looks like a quality flag but holds "
                                         r"values that are not flags lcformer reads .* and "
                                         r"only the flag column 'catflags' drops rows"):
        read_long_table(path, columns=Columns(time="mjd", mag="w1mpro", flag="catflags"))
    frame.to_csv(path, index=False)  # cc_flags alone, no flag read
    with pytest.warns(UserWarning, match=r"not read and every row is kept"):
        read_long_table(path, columns=Columns(time="mjd", mag="w1mpro"))


def test_each_bands_declared_units_are_read(tmp_path: Path) -> None:
    """Rows of two bands (mag:A=, mag:B=) in a FITS table: each band's columns are read by
    their own declared units, as one band's are (mmag are no mag, and a
    flux unit is counted)."""
    from astropy import units as u
    from astropy.table import Table

    n = 40
    Table({"id": np.repeat(["a", "b"], n // 2), "time": np.arange(n) * 1.0,
           "m1": np.full(n, 10000.0) * u.mmag, "e1": np.full(n, 20.0) * u.mmag,
           "m2": np.full(n, 9.0) * u.mag}).write(tmp_path / "t.fits")
    report = DropReport()
    lcs = read_long_table(tmp_path / "t.fits", report=report, columns=Columns(
        **Columns.parse("mag:A=m1,err:A=e1,mag:B=m2")))
    a = np.asarray(lcs.bands)[lcs.curve_index] == "A"
    np.testing.assert_allclose(lcs.mag[a], 10.0)
    np.testing.assert_allclose(lcs.err[a], 0.02)
    np.testing.assert_allclose(lcs.mag[~a], 9.0)
    Table({"id": np.repeat(["a", "b"], n // 2), "time": np.arange(n) * 1.0,
           "f1": np.full(n, 3.0) * u.mJy, "f2": np.full(n, 2.0) * u.mJy}).write(
        tmp_path / "f.fits")
    report = DropReport()
    read_long_table(tmp_path / "f.fits", report=report,
                    columns=Columns(**Columns.parse("mag:A=f1,mag:B=f2")))
    assert report.events["mag_column_in_a_flux_unit"] >= 1


def test_integer_ids_a_float_rounded_are_refused(tmp_path: Path) -> None:
    """Pan-STARRS objIDs (18 digits) written through float64 can collapse 250 stars into
    50. Ids beyond 2**53 as floats (numbers, or a float's text in a CSV) are
    a problem naming the file and column; the same ids as integers read as they are."""
    ids = np.array([108012345678901238, 108012345678901241, 108012345678901244])
    rows = pd.DataFrame({"objID": np.repeat(ids, 4), "time": np.tile(np.arange(4.0), 3),
                         "mag": 15.0 + np.arange(12) * 0.01})
    exact = read_long_table(rows, columns=Columns(id="objID"))
    assert sorted(exact.ids) == [str(i) for i in ids]
    rows.assign(objID=rows["objID"].astype(float)).to_csv(tmp_path / "f.csv", index=False)
    message = (r"f.csv: column 'objID': ids such as 1.0801234567890123e\+17 are integers "
               r"beyond 2\*\*53 held as floating-point numbers")
    with pytest.raises(InputError, match=message):
        read_long_table(tmp_path / "f.csv", columns=Columns(id="objID"))
    with pytest.raises(InputError, match=r"ids such as 1\.0801234567890123e"):
        read_long_table(rows.assign(objID=rows["objID"].astype(float)),
                        columns=Columns(id="objID"))
    # Labels keyed by such ids are refused as well, before any 'different class' message.
    (tmp_path / "labels.csv").write_text("objID,class\n1.0801234567890123e+17,RR\n"
                                         "1.0801234567890123e+17,EB\n")
    with pytest.raises(InputError, match=r"labels.csv: column 'objID': ids such as "
                                         r"1.0801234567890123e\+17 are integers beyond"):
        read_long_table(rows, tmp_path / "labels.csv", columns=Columns(id="objID"))
    # Small whole-number floats (an integer column with a missing value) stay ids.
    small = rows.assign(objID=np.repeat([7.0, 8.0, 9.0], 4))
    assert sorted(read_long_table(small, columns=Columns(id="objID")).ids) == ["7", "8", "9"]


def test_plasticc_and_elasticc_difference_fluxes_are_warned_of(tmp_path: Path) -> None:
    """PLAsTiCC's FLUXCAL and ELAsTiCC's psFlux are difference-image fluxes; read with
    --flux, faint phases are dropped and flare stars given periods. Said by
    the columns' names (psfFlux alone, as Pan-STARRS's, is a direct flux: quiet); an
    unmapped table gets the layout's options."""
    plasticc = pd.DataFrame({"object_id": [615] * 4, "mjd": [1.0, 2.0, 3.0, 4.0],
                             "passband": [0, 1, 0, 1], "flux": [-5.0, 30.0, 12.0, 40.0],
                             "flux_err": [2.0] * 4, "detected": [0, 1, 1, 1]})
    columns = Columns(id="object_id", time="mjd", mag="flux", err="flux_err", band="passband")
    with pytest.warns(UserWarning, match=r"column 'flux' is a difference-image flux \(the "
                                         r"star's flux minus a reference image's\)"):
        read_long_table(plasticc, columns=columns)
    elasticc = plasticc.set_axis(["diaObjectId", "midPointTai", "filterName", "psFlux",
                                  "psFluxErr", "detected"], axis=1)
    with pytest.warns(UserWarning, match=r"column 'psFlux' is a difference-image flux"):
        read_long_table(elasticc, columns=Columns(id="diaObjectId", time="midPointTai",
                                                  mag="psFlux", err="psFluxErr",
                                                  band="filterName"))
    elasticc.to_csv(tmp_path / "elasticc.csv", index=False)  # a file's columns are checked
    with warnings.catch_warnings(record=True) as caught:  # twice (header, frame): said once
        warnings.simplefilter("always")
        read_long_table(tmp_path / "elasticc.csv", columns=Columns(
            id="diaObjectId", time="midPointTai", mag="psFlux", err="psFluxErr",
            band="filterName"))
    assert sum("difference-image flux" in str(w.message) for w in caught) == 1
    forced = elasticc.rename(columns={"psFlux": "psfFlux", "midPointTai": "midpointMjdTai"}
                             ).assign(psfDiffFlux=1.0)  # Rubin's forced source: direct psfFlux
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_long_table(forced, columns=Columns(id="diaObjectId", time="midpointMjdTai",
                                                mag="psfFlux", err="psFluxErr",
                                                band="filterName"))
    (tmp_path / "ztf").mkdir()  # a per-star file of ZTF's forced photometry: said too
    (tmp_path / "ztf" / "s.csv").write_text("mjd,forcediffimflux,forcediffimfluxunc\n"
                                            "1,-20,5\n2,30,5\n")
    with pytest.warns(UserWarning, match=r"column 'forcediffimflux' is a difference-image"):
        read_folder(tmp_path / "ztf", columns=Columns(mag="forcediffimflux",
                                                      err="forcediffimfluxunc"))
    ps1 = plasticc.drop(columns=["detected"]).set_axis(
        ["objID", "obsTime", "filterID", "psfFlux", "psfFluxErr"], axis=1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_long_table(ps1, columns=Columns(id="objID", time="obsTime", mag="psfFlux",
                                             err="psfFluxErr", band="filterID"))
    plasticc.to_csv(tmp_path / "training_set.csv", index=False)
    with pytest.raises(InputError, match=r"this looks like PLAsTiCC.*--zero-point 27.5 "
                                         r"--band-names 0=u,1=g,2=r,3=i,4=z,5=y"):
        read_long_table(tmp_path / "training_set.csv")


def test_alerce_ztf_detections_are_met_with_their_own_columns(tmp_path: Path) -> None:
    """ALeRCE's ZTF detections: magpsf is the difference image's magnitude (warned of:
    periods from it are wrong for half the LPVs), dubious marks bad rows (a flag by its
    name), and a column error names the mapping of that layout, with --band-names for fid."""
    rows = pd.DataFrame({"oid": ["ZTF18a"] * 4, "fid": [1, 2, 1, 2],
                         "mjd": [1.0, 1.1, 2.0, 2.1], "magpsf": [18.0, 18.2, 18.1, 18.3],
                         "sigmapsf": [0.05] * 4, "isdiffpos": ["t", "t", "f", "t"],
                         "magpsf_corr": [15.0, 15.2, 15.1, 15.3],
                         "sigmapsf_corr": [0.01] * 4, "dubious": [False, False, True, False]})
    columns = Columns(id="oid", time="mjd", band="fid", flag="dubious")
    with pytest.warns(UserWarning, match="column 'magpsf' is ZTF's magnitude of the difference "
                                         "image"):
        read_long_table(rows, columns=columns.replace(mag="magpsf", err="sigmapsf"))
    report = DropReport()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        curves = read_long_table(rows, columns=columns.replace(mag="magpsf_corr",
                                                               err="sigmapsf_corr"),
                                 report=report)
    assert curves.n_points == 3 and report.points["flagged"] == 1
    rows.to_csv(tmp_path / "alerce.csv", index=False)
    with pytest.raises(InputError, match=r"ALeRCE broker.*mag=magpsf_corr,err=sigmapsf_corr,"
                                         r"band=fid,flag=dubious --band-names 1=g,2=r,3=i"):
        read_long_table(tmp_path / "alerce.csv")


def test_a_brokers_table_of_several_stars_is_not_one_star(tmp_path: Path) -> None:
    """Fink's i:objectId names stars as objectId does (with --columns time=i:jd,... and
    no id, 63 stars would be one of 18,883 points); its i:magpsf, a
    difference-image magnitude, is warned of."""
    from lcformer.data.reading.sniff import read_any

    rows = pd.DataFrame({"i:objectId": ["ZTF1"] * 3 + ["ZTF2"] * 3, "i:jd": [1.0, 2, 3] * 2,
                         "i:magpsf": 18.0, "i:sigmapsf": 0.05, "i:isdiffpos": "t",
                         "i:magnr": 16.0})
    rows.to_csv(tmp_path / "fink.csv", index=False)
    named = ReadConfig(columns=Columns(time="i:jd", mag="i:magpsf", err="i:sigmapsf"))
    with pytest.warns(UserWarning, match="'i:magpsf'"), pytest.raises(
            InputError, match=r"column 'i:objectId' names more than one star.*give --columns "
                              r"id=i:objectId"):
        read_any(str(tmp_path / "fink.csv"), None, DropReport(), named, False)
    with pytest.warns(UserWarning, match=r"column 'i:magpsf' is ZTF's magnitude of the "
                                         r"difference image.*Lasair's dc_mag"):
        read = read_long_table(rows, columns=named.columns.replace(id="i:objectId"))
    assert read.ids.tolist() == ["ZTF1", "ZTF2"]


def test_a_time_column_read_as_named_but_empty_in_most_rows_is_said() -> None:
    """A DataFrame read with time=HJD, as a column error may suggest, where HJD is empty for
    most rows and JD has them (AAVSO): said, naming JD."""
    frame = pd.DataFrame({"id": "R And", "JD": 2455000.0 + np.arange(20), "mag": 10.0,
                          "HJD": np.where(np.arange(20) % 4 == 0, 2455000.0 + np.arange(20),
                                          np.nan)})
    report = DropReport()
    with pytest.warns(UserWarning, match=r"time column 'HJD' is empty in most rows.*"
                                         r"time=JD"):
        read_long_table(frame, columns=Columns(time="HJD"), report=report)
    assert report.events["time_column_mostly_empty"] == 1
    # Empty in one band's rows only (ZTF's hjd in the zr rows): said with the rows counted.
    band = np.where(np.arange(40) < 28, "zg", "zr")
    ztf = pd.DataFrame({"id": "a", "band": band, "mjd": 58000.0 + np.arange(40), "mag": 15.0,
                        "hjd": np.where(band == "zg", 2458000.5 + np.arange(40), np.nan)})
    report = DropReport()
    with pytest.warns(UserWarning, match=r"'hjd' is empty in 10 rows or more, not most.*"
                                         r"time=mjd"):
        read_long_table(ztf, columns=Columns(time="hjd"), report=report)
    assert report.events["time_column_empty_in_some_rows"] == 1
    # A few rows without a time (fewer than 10) are only counted by cleaning.
    report = DropReport()
    ztf.loc[ztf.index[5:], "hjd"] = 2458000.5
    ztf.loc[ztf.index[:3], "hjd"] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_long_table(ztf, columns=Columns(time="hjd"), report=report)
    assert not report.events


@pytest.mark.parametrize("suffix", ["", ".csv", ".parquet"])
def test_vizier_limit_flags_beside_a_magnitude_make_it_missing(tmp_path: Path,
                                                               suffix: str) -> None:
    """VizieR writes an upper limit as "<" in l_Vmag beside the value in Vmag (112
    limits would be read as magnitudes), as inline "<19.5" is."""
    frame = pd.DataFrame({"id": "V1", "time": np.arange(6.0), "l_Vmag": ["", "<", "", "", ">",
                                                                          ""],
                          "Vmag": [15.0, 19.5, 15.2, 15.1, 12.0, 15.3]})
    source: Any = frame
    if suffix:
        source = tmp_path / f"lc{suffix}"
        frame.to_csv(source, index=False) if suffix == ".csv" else frame.to_parquet(source)
    report = DropReport()
    read = read_long_table(source, columns=Columns(mag="Vmag"), report=report)
    np.testing.assert_array_equal(np.isnan(read.mag), [False, True, False, False, True, False])
    assert report.events["limit_values_read_as_missing"] == 2


def test_a_row_of_units_under_the_header_is_named_as_one(tmp_path: Path) -> None:
    """A database export's second header line of units: refused at line 2, with the hint,
    and no pandas warning of mixed types the user cannot act on."""
    path = tmp_path / "units.csv"
    path.write_text("id,time,mag\n,d,mag\na,1.0,12.1\na,2.0,12.2\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"units.csv:2: column 'time': 'd' is not a number "
                                             r"\(a row of units under the header\? remove "
                                             r"it\)$"):
            read_long_table(path)
    for value in ("HJD-2450000", "flux [Jy]", "(d)", "µJy"):  # units as surveys write them
        path.write_text(f"id,time,mag\n,{value},mag\na,1.0,12.1\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"\(a row of units under the header\? remove"):
            read_long_table(path)
    # Not for a word for no value, a number with a letter, nor a DataFrame (no header row).
    for value in ("NAN", "none", "n.a.", "12.3mag"):
        path.write_text(f"id,time,mag\na,{value},12.1\na,2.0,12.2\n")
        with pytest.raises(InputError, match=r"is not a number$"):
            read_long_table(path)
    frame = pd.DataFrame({"id": ["a", "a"], "time": ["d", "2"], "mag": 12.0})
    with pytest.raises(InputError, match=r"'d' is not a number$"):
        read_long_table(frame)


def test_a_column_of_lists_is_said_to_be_one_not_printed(tmp_path: Path) -> None:
    """Gaia's RAW epoch photometry (an array per row) in CSV or ECSV: not a 2,400-
    character error of the array itself; it says what the column holds and what reads it.
    Other text is cut to a line."""
    from astropy.table import Table

    rows = {"source_id": [1, 2], "g_transit_time": [[1.0, 2.0, 3.0], [1.5, 2.5]],
            "g_transit_mag": [[15.0, 15.1, 15.2], [16.0, 16.1]]}
    Table(rows).write(tmp_path / "raw.ecsv")
    pd.DataFrame(rows).to_csv(tmp_path / "raw.csv", index=False)  # "[1.0, 2.0, 3.0]"
    columns = Columns(id="source_id", time="g_transit_time", mag="g_transit_mag")
    for name in ("raw.ecsv", "raw.csv"):
        with pytest.raises(InputError, match=r"column 'g_transit_time' holds (a list of values "
                                             r"in a row|arrays .*) \(one row per star, as "
                                             r"Gaia's RAW"):
            read_long_table(tmp_path / name, columns=columns)
    note = pd.DataFrame({"id": ["a"] * 3, "time": [1.0, 2.0, 3.0],
                         "mag": ["15.1", "(blend, see note)", "15.3"]})  # no list
    with pytest.raises(InputError, match=r"'\(blend, see note\)' is not a number$"):
        read_long_table(note)
    long = pd.DataFrame({"id": ["a"] * 3, "time": ["x" * 100, "2", "3"], "mag": 15.0})
    with pytest.raises(InputError, match=r": 'x{56}\.\.\. is not a number$"):
        read_long_table(long)


def test_the_flag_hint_names_gaias_variability_rejects_first() -> None:
    """Gaia's table with three flag columns: the hint names rejected_by_variability, not
    rejected_by_photometry (the first), whose rows keep the variability rejects; its
    per-star files read rejected_by_variability, as docs/data.md says."""
    frame = pd.DataFrame({"source_id": [7] * 4, "time": np.arange(4.0), "mag": 15.0,
                          "rejected_by_photometry": False,
                          "rejected_by_variability": [False, True, False, False]})
    with pytest.warns(UserWarning, match=r"read one with --columns "
                                         r"flag=rejected_by_variability"):
        read_long_table(frame, columns=Columns(id="source_id"))


def test_atlas_err_flag_is_refused_as_errors_and_its_layout_named(tmp_path: Path) -> None:
    """An ATLAS table's 0/1 err flag is no error column: read as the errors, 97% of the
    points are dropped as bad_err and the bad fits kept."""
    rng = np.random.default_rng(1)
    n = 40
    frame = pd.DataFrame({"id": np.repeat(["a", "b"], n // 2), "MJD": np.arange(n, dtype=float),
                          "m": 17 + rng.normal(0, 0.1, n), "dm": 0.05, "uJy": 500.0,
                          "duJy": 20.0, "F": "o", "err": (np.arange(n) % 7 == 0).astype(int)})
    frame.to_csv(tmp_path / "atlas.csv", index=False)
    with pytest.raises(InputError, match=r"atlas\.csv: found columns .* this looks like ATLAS "
                                         r"forced photometry, .*--columns time=MJD,mag=uJy,"
                                         r"err=duJy,band=F,flag=err --flux --zero-point 23\.9"):
        read_long_table(tmp_path / "atlas.csv")
    with (pytest.raises(InputError, match=r"column 'err', read as the magnitudes' errors, holds "
                                          r"only 0 and 1: a flag, not errors; .*ATLAS's err: "
                                          r"--columns err=dm,flag=err\)$"),
          pytest.warns(UserWarning, match=r"but 'dm' is named after the magnitude column")):
        read_long_table(tmp_path / "atlas.csv", columns=Columns(time="MJD", mag="m", band="F"))
    report = DropReport()
    read = read_long_table(tmp_path / "atlas.csv", report=report,
                           columns=Columns(time="MJD", mag="m", err="dm", band="F", flag="err"))
    assert read.n_points == n - 6 and report.points["flagged"] == 6
    with pytest.raises(ConfigError, match=r"column 'err' is named for two roles, err and flag "
                                          r"\(err keeps its default name, 'err', unless "
                                          r"--columns gives it another\)"):
        Columns(flag="err")


@pytest.mark.parametrize("name", ["year", "Year", "decimal-year", "yr"])
def test_a_time_column_named_as_years_is_refused(name: str) -> None:
    """DASCH's files hold year beside JD; time=year gives periods 365 times too short,
    though a macro-F1 of 0.94."""
    with pytest.raises(ConfigError, match=rf"--columns time={name}: lcformer reads times in "
                                          rf"days.*decimalyear"):
        Columns(time=name)
    assert Columns(time="JD").time == "JD" and Columns(time="year_of_birth").time


def test_ids_a_spreadsheet_wrote_in_scientific_notation_are_refused(tmp_path: Path) -> None:
    """Excel's General format saves 100000000000 and 100000100000 both as 1.00000E+11:
    60 stars would be read as 32."""
    table = tmp_path / "lightcurves.csv"
    table.write_text("id,time,mag\n" + "".join(
        f"{i},{t},{12 + t % 2}\n" for i in ("1.00000E+11", "1.00000E+11", "2.5E+3")
        for t in range(3)))
    with pytest.raises(InputError, match=r"lightcurves.csv: column 'id': ids such as "
                                         r"1.00000E\+11 are written in scientific notation"):
        read_long_table(table)
    # Names, not a spreadsheet's numbers: no "+", or too few digits to have been shortened.
    table.write_text("id,time,mag\n1e5,1,12\n1e5,2,12.3\n2E+3,1,12\n2E+3,2,12.1\n")
    assert sorted(read_long_table(table).ids.tolist()) == ["1e5", "2E+3"]


def test_missing_columns_are_mapped_as_python_arguments_too() -> None:
    """A notebook user's table of ZTF-like names: the error's Python part gives the Columns
    to pass, as its --columns part does for the command line."""
    frame = pd.DataFrame({"id": ["a", "a"], "mjd": [1.0, 2.0], "mag": [15.0, 15.1],
                          "magerr": [0.1, 0.1]})
    with pytest.raises(InputError, match=re.escape(
            "--columns time=mjd,err=magerr (names guessed from the columns found: check "
            "them) (in Python: columns=Columns(time='mjd', err='magerr') in "
            "from_dataframe or read_long_table)")):
        from_dataframe(frame)
    # Columns of the user's own, or of a band: not rewritten as a whole, which would drop them.
    band = Columns(**Columns.parse("mag:W1=w1mpro,err:W1=w1sigmpro"))
    for own in (Columns(time="mjd"), band):
        with pytest.raises(InputError, match=re.escape(
                "(in Python: columns=Columns(...) naming them in from_dataframe or "
                "read_long_table)")):
            from_dataframe(frame.drop(columns="mag"), columns=own)
