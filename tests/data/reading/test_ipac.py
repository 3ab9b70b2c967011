"""IPAC tables (ZTF's light curves from IRSA, as .tbl) read as one star's file: fixed-width
columns, declared nulls, blanks, and problems named by the file's line."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.reading.files import FileProblem
from lcformer.data.reading.star_file import parse_columns, parse_curves
from lcformer.data.report import DropReport

ZTF_IPAC = ("\\fixlen = T\n\\ a comment\n"
            "|   oid|       hjd|      mjd|   mag|magerr|catflags|filtercode|\n"
            "|  long|    double|   double|double|double|    long|      char|\n"
            "|      |      days|     days|   mag|   mag|        |          |\n"
            "|  null|      null|     null|  null|  null|    null|      null|\n"
            "   6332 2458200.71 58200.207  16.46   0.02        0         zr\n"
            "   6332 2458202.76 58202.261  15.99   null        0         zr\n"
            "   6331 2458203.72 58203.217  16.52   0.02    32768         zg\n"
            "   6331 2458204.72 58204.217  16.50   0.02        0         zg\n")


def test_an_ipac_table_reads_as_its_columns() -> None:
    """ZTF's light curves from IRSA come as IPAC tables (.tbl): names between bars, then the
    types, units and nulls; null is a missing value; the quality flags and bands apply."""
    report = DropReport()
    curves = parse_curves(ZTF_IPAC, report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {
        "zr": [2458200.71, 2458202.76], "zg": [2458204.72]}  # hjd, not mjd
    assert np.isnan(curves["zr"][2][1]) and curves["zr"][1].tolist() == [16.46, 15.99]
    assert report.points == {"flagged": 1}
    # problems name the file's own line
    with pytest.raises(FileProblem) as caught:
        parse_curves(ZTF_IPAC.replace("16.50", "x"))
    assert caught.value.line == 10
    # Not IPAC: a header starting with a backslash stays a header (refused, not read by
    # position), and bars around every row are rows, not types or units.
    with pytest.raises(FileProblem, match="does not name one time"):
        parse_curves("\\mag,time\n12.0,0\n12.1,1\n")
    for rows in (2, 20):
        piped = "| time | mag |\n" + "".join(f"| {i} | 12.{i} |\n" for i in range(rows))
        np.testing.assert_array_equal(parse_curves(piped)[""][0], np.arange(rows))


def _ipac(names: list[str], nulls: list[str], rows: list[tuple[str, ...]]) -> str:
    """An IPAC table of doubles as IRSA writes one: each value right-aligned between its
    column's bars, a blank under each bar."""
    widths = [max(len(v) for v in (name, "double", null, *(r[k] for r in rows))) + 1
              for k, (name, null) in enumerate(zip(names, nulls, strict=True))]

    def bars(cells: list[str]) -> str:
        return "|" + "|".join(c.rjust(w) for c, w in zip(cells, widths, strict=True)) + "|\n"

    return (bars(names) + bars(["double"] * len(names)) + bars([""] * len(names))
            + bars(nulls) + "".join(" " + " ".join(v.rjust(w) for v, w in zip(r, widths,
                                                                            strict=True)) + "\n"
                                    for r in rows))


def _astropys(text: str) -> list[np.ndarray]:
    """The columns astropy's IPAC reader gives, missing values NaN: the reference."""
    from astropy.io import ascii

    table = ascii.read(text, format="ipac")
    return [np.ma.filled(np.ma.asarray(table[name], dtype=float), np.nan)
            for name in table.colnames]


def test_an_ipac_tables_declared_nulls_are_missing_values() -> None:
    """The nulls line names each column's missing value: a declared -1 time or 0 error is
    no value (only |mag| >= 90 would be dropped later). A value that merely
    equals the null as a number (-99.0 for -99) is a value, as astropy reads it."""
    text = _ipac(["mjd", "mag", "magerr"], ["-1", "-99", "0"],
                 [("58000.1", "12.5", "0.02"), ("-1", "12.6", "0.03"),
                  ("58002.3", "-99", "0.04"), ("58003.4", "12.8", "0"),
                  ("58004.5", "-99.0", "null")])
    time, mag, err = parse_columns(text)
    np.testing.assert_array_equal(time, [58000.1, np.nan, 58002.3, 58003.4, 58004.5])
    np.testing.assert_array_equal(mag, [12.5, 12.6, np.nan, 12.8, -99.0])
    np.testing.assert_array_equal(err, [0.02, 0.03, 0.04, np.nan, np.nan])  # null: IPAC's
    for ours, astropys in zip((time, mag, err[:4]), _astropys(text.replace("null", "   0")),
                              strict=False):  # astropy refuses a null it was not told of
        np.testing.assert_array_equal(ours, astropys[: len(ours)])


def test_a_blank_ipac_value_is_missing_and_problems_name_the_files_line() -> None:
    """IPAC rows are fixed-width: a blank value is missing, not a short row ('found 2
    columns, expected 3'), and a later problem names the file's own line."""
    rows = [("58000.1", "", "0.02"), ("", "12.6", "0.03"), ("58002.3", "12.7", "")]
    text = "\\fixlen = T\n" + _ipac(["mjd", "mag", "magerr"], ["null"] * 3, rows)
    time, mag, err = parse_columns(text)
    np.testing.assert_array_equal(time, [58000.1, np.nan, 58002.3])
    np.testing.assert_array_equal(mag, [np.nan, 12.6, 12.7])
    np.testing.assert_array_equal(err, [0.02, 0.03, np.nan])
    for ours, astropys in zip((time, mag, err), _astropys(text), strict=True):
        np.testing.assert_array_equal(ours, astropys)
    lines = text.split("\n")
    lines[6:6] = ["", "\\ a remark"]  # a blank line and a comment between rows: lines too
    np.testing.assert_array_equal(parse_columns("\n".join(lines))[1], mag)
    with pytest.raises(FileProblem, match=r"column 2 \(mag\): 'x' is not a number") as caught:
        parse_columns("\n".join(lines).replace("12.7", "   x"))
    assert caught.value.line == 10


def test_an_ipac_value_off_its_columns_is_refused_naming_its_line() -> None:
    """A character under a bar (or past the last) would be cut off or read into another
    column (astropy ignores it: 2458200.71 under a bar read as 458200.71), so it is named."""
    text = _ipac(["hjd", "mag"], ["null", "null"], [("2458200.71", "12.5"), ("2458201.7", "12.6")])
    with pytest.raises(FileProblem, match=r"^line 6: character 1 \('2'\) is under the bar "
                                          r"before column 'hjd'"):
        parse_columns(text.replace("   2458201.7", "2458201.7   "))
    with pytest.raises(FileProblem, match=r"^line 6: character 13 \('7'\) is under the bar "
                                          r"after column 'hjd'"):
        parse_columns(text.replace("2458201.7 ", " 2458201.7"))
    with pytest.raises(FileProblem, match=r"^line 5: character 22 \('x'\) is outside the "
                                          r"header's columns"):
        parse_columns(text.replace("12.5\n", "12.5 x\n"))
    with pytest.raises(FileProblem, match=r"^line 5: column 'mag' holds '1,2'"):
        parse_columns(text.replace("12.5", " 1,2"))
    with pytest.raises(FileProblem, match=r"^line 4: the header's nulls line has 1 columns, its "
                                          r"names line 2"):
        parse_columns(text.replace("|       null|   null|", "|       null        |"))


def test_an_ipac_table_astropy_writes_reads_back_with_its_masked_values_missing() -> None:
    """astropy writes a masked value as the column's declared null (-99 for mag, 0 for the
    error here): those are missing, the others read as written, by band."""
    import io

    from astropy.io import ascii
    from astropy.table import MaskedColumn, Table

    table = Table({"hjd": [2458200.71, 2458202.76, 2458203.5, 2458204.5],
                   "mag": MaskedColumn([16.4, 16.5, 16.6, 16.7], mask=[0, 1, 0, 0]),
                   "magerr": MaskedColumn([0.02, 0.03, 0.01, 0.04], mask=[0, 0, 1, 0]),
                   "filtercode": ["zg", "zg", "zr", "zr"]})
    written = io.StringIO()
    table.write(written, format="ascii.ipac",
                fill_values=[(ascii.masked, "-99", "mag"), (ascii.masked, "0", "magerr")])
    curves = parse_curves(written.getvalue())
    np.testing.assert_array_equal(curves["zg"][1], [16.4, np.nan])
    np.testing.assert_array_equal(curves["zr"][2], [np.nan, 0.04])
    np.testing.assert_array_equal(curves["zr"][0], [2458203.5, 2458204.5])


NOTED_IPAC = ("\\fixlen = T\n|      mjd|    mag| magerr|         note|  id|filtercode|\n"
              "|   double| double| double|         char|char|      char|\n"
              "  58000.12   16.11    0.02            ok    7         zg \n"
              "  58001.12   16.21    0.03      seeing#2    7         zg \n"
              "  58002.12   16.31          cloudy,wind    7         zr \n"
              "  58003.12   16.41    0.03         héllo    7         zr \n")


def test_an_ipac_column_not_read_may_hold_any_text() -> None:
    """A ',' or '#' refused the whole file even in a column lcformer never reads (a note's
    'seeing#2'), which astropy and lcformer before read: only the columns read (time, mag,
    err, band, flag, a star column) are checked; the others still count as not read."""
    from astropy.io import ascii

    report = DropReport()
    curves = parse_curves(NOTED_IPAC, report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {
        "zg": [58000.12, 58001.12], "zr": [58002.12, 58003.12]}
    np.testing.assert_array_equal(curves["zr"][2], [np.nan, 0.03])
    assert report.events["extra_columns_not_read"] == 1  # the note
    assert list(ascii.read(NOTED_IPAC, format="ipac")["note"]) == ["ok", "seeing#2",
                                                                  "cloudy,wind", "héllo"]
    # A column read is still refused, naming its line: the band, a star column.
    for old, new, line in (("ok    7         zg", "ok    7        z#g", 4),
                           ("cloudy,wind    7", "cloudy,wind   ,7", 6)):
        with pytest.raises(FileProblem, match=rf"^line {line}: column '(filtercode|id)' "
                                              rf"holds '(z#g|,7)'"):
            parse_curves(NOTED_IPAC.replace(old, new))


def test_an_ipac_row_of_tabs_is_refused_saying_so() -> None:
    """Tab-separated rows under an IPAC header: 'character 1 ('5') is under the bar' alone
    says nothing of the tabs that misplace them."""
    text = "|      mjd|    mag|\n|   double| double|\n 58000.12  16.11 \n58001.12\t16.21\n"
    with pytest.raises(FileProblem, match=r"^line 4: character 1 \('5'\) is under the bar "
                                          r"before column 'mjd': the row holds tabs; IPAC "
                                          r"tables are fixed-width, aligned with spaces") as c:
        parse_columns(text)
    assert c.value.line == 4
    with pytest.raises(FileProblem) as aligned:  # a row without tabs says nothing of them
        parse_columns(text.replace("58001.12\t16.21", "58001.12  16.21 "))
    assert "tabs" not in str(aligned.value) and aligned.value.line == 4


def test_a_long_ipac_comment_line_costs_no_memory() -> None:
    """Cut on a (lines, longest line) array of 4-byte characters, one 4,000 character
    comment line makes a 1.6 MB file take 2.9 GB. Comments stay out of the array,
    which is one byte a character and as wide as the header's bars."""
    import tracemalloc

    rows = [f" {58000 + k / 10:12.6f} {16 + k / 1000:8.4f} {0.01:8.4f} \n" for k in range(400)]
    rows.insert(200, "\\ " + "x" * 100_000 + "\n")
    text = ("\\ " + "y" * 100_000 + "\n|          mjd|      mag|   magerr|\n"
            "|       double|   double|   double|\n" + "".join(rows))
    tracemalloc.start()
    try:
        time, mag, _ = parse_columns(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    np.testing.assert_allclose(time, 58000 + np.arange(400) / 10)
    np.testing.assert_allclose(mag, 16 + np.arange(400) / 1000)
    assert peak < 20 * len(text)  # not 400 rows x 100,002 characters x 4 bytes: 160 MB
    with pytest.raises(FileProblem, match="column 1 \\(time\\): 'x' is not a number") as c:
        parse_columns(text.replace(" 58030.000000", "            x"))  # below the comment
    assert c.value.line == 305


def test_an_ipac_number_column_too_narrow_for_nan_reads_its_blanks_as_missing() -> None:
    """A missing value is written nan in place; a column of one or two characters has no
    room, so nan goes after it."""
    time, mag, err = parse_columns("|mjd|m|e|\n| d|d|d|\n 1.0 5 2 \n 2.0   3 \n 3.0 7   \n")
    np.testing.assert_array_equal(time, [1.0, 2.0, 3.0])
    np.testing.assert_array_equal(mag, [5.0, np.nan, 7.0])
    np.testing.assert_array_equal(err, [2.0, 3.0, np.nan])


_IPAC_NULLS = st.sampled_from(["null", "-99", "0", "-1", "99.0"])


@settings(max_examples=60, deadline=None)
@given(nulls=st.lists(_IPAC_NULLS, min_size=3, max_size=3), data=st.data())
def test_ipac_values_are_those_astropy_reads(nulls: list[str], data: st.DataObject) -> None:
    """Any aligned table of values, blanks and declared nulls reads as astropy's IPAC reader
    reads it (missing: NaN)."""
    def cell(null: str) -> st.SearchStrategy[str]:
        return st.one_of(st.floats(-1e5, 1e5).map(lambda v: f"{v:.4f}"),
                         st.sampled_from(["", null, "0", "-99", "12"]))

    rows = data.draw(st.lists(st.tuples(*map(cell, nulls)), min_size=1, max_size=15)
                     .filter(lambda rs: any(map(any, rs))))  # a row of all blanks is blank
    text = _ipac(["mjd", "mag", "magerr"], nulls, rows)
    for ours, astropys in zip(parse_columns(text), _astropys(text), strict=True):
        np.testing.assert_array_equal(ours, astropys)
