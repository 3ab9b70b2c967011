"""One star's file: its columns by header names or position, bands, flags, detection limits,
and every problem named by its line."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import band_columns
from lcformer.data.reading.star_file import FileProblem, parse_columns, parse_curves
from lcformer.data.report import DropReport


def test_parse_formats() -> None:
    t, m, e = parse_columns(b"# c\nt mag err\n1 2 3\n4 5 6\n")
    np.testing.assert_array_equal(t, [1, 4])
    np.testing.assert_array_equal(e, [3, 6])
    t, m, e = parse_columns("1.0, 2.0\n3.0, 4.0\n")
    np.testing.assert_array_equal(m, [2, 4])
    assert np.isnan(e).all()
    # OGLE's and KELT's times offset in the name: a time (it was "no time column"); FITS's
    # DATE-OBS beside mjd is not one, and a dmag beside err is no error of mag (a review)
    t, m, e = parse_columns("mag err HJD-2450000\n12.1 0.01 5000.1\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([5000.1], [12.1], [0.01])
    t, m, e = parse_columns("date-obs,mjd,mag,err,dmag\n2020-01-01,58849.0,12.0,0.01,-0.2\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([58849.0], [12.0], [0.01])


@pytest.mark.parametrize("header", ["mag,err,hjd", "MAG_V err_v HJD", "airmass,mjd,mag,sigma"])
def test_a_header_names_the_columns(header: str) -> None:
    """Read by the names a header gives, not by position: "mag,err,hjd" gave times from the
    magnitudes."""
    names = header.replace(",", " ").split()
    rows = {"mag": [12.1, 12.3], "err": [0.1, 0.2], "hjd": [2450001.5, 2450002.5],
            "airmass": [1.2, 1.3]}
    rows |= {"mag_v": rows["mag"], "err_v": rows["err"], "mjd": rows["hjd"],
             "sigma": rows["err"]}
    sep = "," if "," in header else " "
    text = header + "\n" + "\n".join(sep.join(str(rows[n.lower()][i]) for n in names)
                                     for i in range(2)) + "\n"
    t, m, e = parse_columns(text)
    np.testing.assert_array_equal(t, [2450001.5, 2450002.5])
    np.testing.assert_array_equal(m, [12.1, 12.3])
    np.testing.assert_array_equal(e, [0.1, 0.2])
    with pytest.raises(FileProblem, match="does not name one time and one mag") as caught:
        parse_columns("hjd,V,eV\n1,12,0.1\n")  # V: a magnitude, but not by a name it knows
    assert caught.value.line == 1


def test_empty_fields_are_missing_values_and_gzip_is_read() -> None:
    """pandas writes NaN as an empty field: one missing value, not a lost star."""
    text = "t,mag,err\n1,12.0,\n2,,0.1\n,12.5,0.1\n4, ,0.2\r\n5,13.0,0.1\n"
    t, m, e = parse_columns(text)
    np.testing.assert_array_equal(t, [1, 2, np.nan, 4, 5])
    np.testing.assert_array_equal(m, [12.0, np.nan, 12.5, np.nan, 13.0])
    np.testing.assert_array_equal(e, [np.nan, 0.1, 0.1, 0.2, 0.1])
    for part, back in zip(parse_columns(gzip.compress(text.encode())), (t, m, e), strict=True):
        np.testing.assert_array_equal(part, back)
    with pytest.raises(FileProblem, match="damaged gzip"):
        parse_columns(gzip.compress(text.encode())[:20])


@pytest.mark.parametrize(("text", "line", "reason", "words"), [
    ("", 1, "empty_file", "empty"),
    ("\x00\x01binary\x00", 1, "unreadable_file", "not a text file"),  # lost: not empty
    # tables of one star read through astropy: a damaged one named, not parsed as a header
    # of '<?xml' or 'SIMPLE' (a binary table's problem names no line: 0)
    ("SIMPLE  =                    T / conforms to FITS standard", 0, "unreadable_file",
     "cannot read as a FITS table: OSError"),
    ('<?xml version="1.0"?>\n<VOTABLE>\n', 0, "unreadable_file",
     "cannot read as a VOTable table"),
    ('<?xml version="1.0"?>\n<rss>\n', 1, "unreadable_file", "XML that is not a VOTable"),
    ("PAR1\x15\x04\x00", 1, "unreadable_file", "a Parquet file"),
    ("# only a comment\n", 1, "empty_file", "no data"),
    ("time,mag,err\n", 1, "empty_file", "no data"),  # a header alone: nothing lost
    # a web page in a light curve's place (a failed download): lost, not empty
    ("<html>404 Not Found</html>\n", 1, "unreadable_file", "not a light curve: markup"),
    ("1.0\n2.0\n", 1, "unreadable_file", "column"),
    ("1,2,3\n2,3\n", 2, "unreadable_file", "found 2 columns"),
    ("# h\n1 2 3\n\n2 x 3\n", 4, "unreadable_file", "column 2 (mag): 'x' is not a number"),
    # a decimal comma: one field more (NumPy's usecols read dropped it: mag 12, err 3)
    ("1.0,12.1,0.02\n2.0,12,3,0.02\n", 2, "unreadable_file",
     "found 4 columns, expected 3 (a decimal comma, or a shifted row?)"),
    ("1 12.1\n2 12.2 0.1\n", 2, "unreadable_file", "found 3 columns, expected 2"),
    # decimal commas in a file of blank-separated columns: split at the commas
    ("time mag err\n1,5 12,3 0,01\n", 2, "unreadable_file",
     "column 2 (mag): '5 12' is not a number (decimal commas? lcformer reads decimal points)"),
    # a quality flag is applied: a value that is not one is refused, not guessed
    ("time,mag,err,FLAG\n1,12.1,0.1,0\n# c\n\n2,12.1,0.1,C\n", 5, "unreadable_file",
     "column 'FLAG': 'C' is not a quality flag (a number, 0 for good, true/false or "
     "good/bad); keep the rows you want and drop the column"),
    ("time mag catflags QUALITY\n1 12.1 0 0\n", 1, "unreadable_file",
     "the header names 2 quality-flag columns (catflags, QUALITY); keep one"),
])
def test_parse_problems_name_the_line(text: str, line: int, reason: str, words: str) -> None:
    with pytest.raises(FileProblem) as caught:
        parse_columns(text)
    assert (caught.value.line, caught.value.reason) == (line, reason)
    assert words in caught.value.message


def test_a_per_star_files_quality_flags_drop_their_rows_counted() -> None:
    """IRSA's ZTF CSV: catflags as a table's flag (non-zero is bad), and hjd, the
    heliocentric time, read over mjd."""
    report = DropReport()
    curves = parse_curves("hjd,mjd,mag,magerr,catflags,filtercode\n"
                          "2458001.5,58001.0,15.2,0.02,0,zg\n2458001.6,58001.1,14.7,0.02,32768,zr\n"
                          "2458002.5,58002.0,15.3,0.02,0,zr\n2458003.5,58003.0,15.1,0.02,,zg\n",
                          report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {
        "zg": [2458001.5, 2458003.5], "zr": [2458002.5]}  # a missing flag is not set
    assert report.points == {"flagged": 1}
    assert report.events == {"extra_columns_not_read": 1}  # mjd
    gaia = parse_curves("time,mag,rejected_by_variability\n1,2,false\n2,3,true\n3,4,\n")
    np.testing.assert_array_equal(gaia[""][0], [1, 3])
    with pytest.raises(FileProblem, match="does not name one time"):  # two of one kind
        parse_curves("jd,mjd,mag\n1,2,3\n")


def test_an_atlas_forced_photometry_file_reads_its_commented_header() -> None:
    """ATLAS writes its names as a comment (###MJD ...): read by position, its two filters
    made one curve and dm was not found. Its band is F, the error of m is dm (not err, a
    tphot code)."""
    report = DropReport()
    curves = parse_curves(
        "###MJD m dm uJy duJy F err chi/N\n"
        "57000.1 15.20 0.02 3000 60 c 0 1.1\n"
        "57001.1 15.61 0.03 2100 58 o 0 1.0\n"
        "57002.1 -19.8 0.90 -44 40 o 0 1.2\n", report)
    assert {band: (c[0].tolist(), c[1].tolist(), c[2].tolist()) for band, c in curves.items()
            } == {"c": ([57000.1], [15.2], [0.02]),
                  "o": ([57001.1, 57002.1], [15.61, -19.8], [0.03, 0.9])}
    # A comment line is a header only where it names a time and a magnitude in as many
    # fields as the data has: prose, or names it does not know, leave reading by position.
    # A sentence names no columns (QA: "# time vs mag" read the errors as magnitudes).
    for text in ("# a light curve of star\n1 2 3 4\n", "# HJD V err\n1 2 3\n",
                 "# time vs mag\n1 2 3\n", "# time series in V mag\n1 2 3 4 5\n",
                 "# err mag time\n1 2 3 4\n", "# Date Time Mag\n1 2 3\n"):
        t, m, e = parse_columns(text)
        assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [2.0], [3.0]), text
    # A comment header is a header: of two times the heliocentric one; several magnitudes
    # (ASAS's apertures, two bands) are refused, where by position the second was the error.
    t, m, e = parse_columns("# hjd mjd mag magerr\n2458000.5 58000.0 15.1 0.02\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([2458000.5], [15.1], [0.02])
    for text in ("# time mag_r mag_g\n1 2 3\n", "#  HJD MAG_3 MAG_0 MER_3 MER_0\n1 2 3 4 5\n"):
        with pytest.raises(FileProblem, match="does not name one time and one mag"):
            parse_columns(text)
    # ... and --columns finds its names there (ASAS: MAG_3; V, a name lcformer does not know).
    t, m, e = parse_columns("#  HJD MAG_3 MAG_0 MER_3 MER_0\n1 2 3 4 5\n",
                            columns=Columns(mag="MAG_3", err="MER_3"))
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [2.0], [4.0])
    t, m, e = parse_columns("# MJD V err\n1 2 3\n", columns=Columns(mag="V"))
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [2.0], [3.0])
    t, m, e = parse_columns("# some words first\n# mag err hjd\n12.1 0.1 2450001.5\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([2450001.5], [12.1], [0.1])
    assert report.events["header_read_from_a_comment_line"] == 1
    # F is a band only beside ATLAS's uJy, holding no number, and without another band
    # column; dm is m's error only there (QA found a dm of something else beside err).
    with pytest.raises(FileProblem, match="does not name one time and one mag"):
        parse_curves("time,F\n1,2\n")
    assert list(parse_curves("mjd,m,dm,uJy,duJy,F\n1,15.2,0.02,3000,60,2.5\n")) == [""]
    assert sorted(parse_curves("mjd,m,dm,uJy,duJy,F\n1,15.2,0.02,3000,60,\n"
                               "2,15.3,0.02,3000,60,o\n")) == ["", "o"]  # a first one missing
    assert band_columns(["MJD", "m", "dm", "uJy", "duJy", "F"]) == [5]  # a table's: its name
    assert list(parse_curves("mjd,m,dm,uJy,duJy,F,filter\n1,15.2,0.02,3000,60,c,o\n")) == ["o"]
    t, m, e = parse_columns("mjd,m,dm,err\n1,15.2,18.5,0.02\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [15.2], [0.02])


def test_pipe_separated_values_are_refused_saying_so() -> None:
    with pytest.raises(FileProblem, match=r"separated by '\|'") as caught:
        parse_columns("# HIP epoch photometry\nBJD|Hpmag|e_Hpmag\n7869.52|13.74|0.025\n")
    assert caught.value.line == 3
    # A bar inside a CSV's note field (AAVSO's NOTES) is no separator.
    t, m, e = parse_columns("time,mag,err,note\n1.5,12.1,0.02,cam1|ccd2\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1.5], [12.1], [0.02])


def test_a_files_flag_that_drops_most_rows_is_counted_pointing_to_flag_bits() -> None:
    """A per-star file's flag dropping most of its rows (Pan-STARRS's informational bits)
    is counted per file, under a name that says what to do (a warning would come once a file)."""
    rows = "".join(f"{t},15.0,0.02,{16 if t % 5 else 0}\n" for t in range(30))
    report = DropReport()
    parse_curves("time,mag,err,flag\n" + rows, report)
    assert report.points == {"flagged": 24}
    assert report.events == {"files_whose_flag_drops_most_rows_see_flag_bits": 1}
    report = DropReport()
    parse_curves("time,mag,err,flag\n" + rows, report, Columns(flag_bits=1))
    assert not report.points and not report.events


def test_asas_sn_sky_patrol_2_bands_and_good_bad_flags() -> None:
    """Sky Patrol 2 names its band phot_filter (V and g apart, not one curve) and marks rows
    G (good) or B (bad): the B rows are dropped, counted."""
    report = DropReport()
    curves = parse_curves("jd,flux,flux_err,mag,mag_err,limit,fwhm,image_id,camera,quality,"
                          "phot_filter\n"
                          "2457001.5,23.0,0.7,12.99,0.03,17.1,1.6,bd01,bd,G,V\n"
                          "2457002.5,21.6,0.6,13.06,0.03,17.1,1.6,bd02,bd,B,V\n"
                          "2458001.5,20.0,0.6,13.20,0.03,17.9,1.6,bq01,bq,G,g\n", report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {
        "V": [2457001.5], "g": [2458001.5]}
    assert report.points == {"flagged": 1}


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
    # Not IPAC: a header starting with a backslash stays a header (refused as before, not
    # read by position), and bars around every row are rows, not types or units (review).
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
    """The nulls line names each column's missing value: a declared -1 time or 0 error was
    read as a value (only |mag| >= 90 happened to be dropped later). A value that merely
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
    """IPAC rows are fixed-width: a blank value is missing, not a short row (it was refused
    as 'found 2 columns, expected 3'), and a later problem names the file's own line."""
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
    """Tab-separated rows under an IPAC header were refused as 'character 1 ('5') is under
    the bar', which says nothing of the tabs that misplace them."""
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
    """The rows were cut on a (lines, longest line) array of 4-byte characters: one 4,000
    character comment line made a 1.6 MB file take 2.9 GB. Comments stay out of the array,
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
    assert peak < 20 * len(text)  # was 400 rows x 100,002 characters x 4 bytes: 160 MB
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


ASAS_SN_STAR = ("HJD,UT Date,Camera,FWHM,Limit,mag,mag_err,flux(mJy),flux_err\n"
                "2457002.12,2014-12-21.6181,be,1.49,16.632,14.211,0.008,7.362,0.058\n"
                "2457003.11,2014-12-22.6118,be,1.52,16.807,>16.807,99.990,0.033,0.064\n"
                "2457004.11,2014-12-23.6118,be,1.52,16.807,14.300,0.009,7.1,0.058\n")


def test_a_file_that_fails_counts_nothing() -> None:
    """Its limits and flagged rows were counted before its bad row stopped it (QA: a folder
    said 95 limits where the files read held 60)."""
    report = DropReport()
    with pytest.raises(FileProblem):
        parse_curves("time,mag,err,flag\n1,>12.0,0.1,1\n2,12.1,0.1,0\n3,12,3,0.1,0\n",
                     report)
    assert report == DropReport()


def test_a_detection_limit_in_place_of_a_magnitude_is_no_magnitude() -> None:
    """ASAS-SN's light curves write '>16.807' where the star was not detected."""
    report = DropReport()
    time, mag, err = parse_columns(ASAS_SN_STAR, report)
    np.testing.assert_array_equal(mag, [14.211, np.nan, 14.3])
    np.testing.assert_array_equal(time, [2457002.12, 2457003.11, 2457004.11])
    np.testing.assert_array_equal(err, [0.008, 99.99, 0.009])  # cleaning drops the point
    assert report.events["limit_values_read_as_missing"] == 1
    _, mag, _ = parse_columns("1 12.0 0.1\n2 <13.5 0.1\n3 >=13.1 0.1\n")  # whitespace
    np.testing.assert_array_equal(mag, [12.0, np.nan, np.nan])
    # Only the mag column's limits: not in a comment, nor in a column not read.
    report = DropReport()
    _, mag, _ = parse_columns("# fainter than >16 not detected\ntime,mag,note\n"
                              "1,12.0,>5\n2,>13.5,<6 # >7\n", report)
    np.testing.assert_array_equal(mag, [12.0, np.nan])
    assert report.events["limit_values_read_as_missing"] == 1
    with pytest.raises(FileProblem, match=r"column 3 \(err\): '>0.1' is not a number"):
        parse_columns("1,12.0,>0.1\n")
    # Anything else is still refused, naming the column by its place and role (the header's
    # mag is its 6th column: the message once took the 6th of time, mag, err and failed).
    with pytest.raises(FileProblem, match=r"column 6 \(mag\): '>x' is not a number"):
        parse_columns(ASAS_SN_STAR.replace(">16.807", ">x"))
    with pytest.raises(FileProblem, match=r"line 3: found 5 columns, expected 9") as caught:
        parse_columns(ASAS_SN_STAR.replace(",16.807,>16.807,99.990,0.033", ""))
    assert caught.value.line == 3


def test_of_gaias_three_flag_columns_rejected_by_variability_is_read() -> None:
    text = ("source_id,band,time,mag,rejected_by_photometry,rejected_by_variability,other_flags\n"
            "42,G,1.0,15.0,false,false,4097\n42,G,2.0,15.1,true,false,4097\n"
            "42,BP,1.0,15.3,false,true,0\n")
    report = DropReport()
    curves = parse_curves(text, report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {"BP": [], "G": [1.0, 2.0]}
    assert report.points == {"flagged": 1}


@settings(max_examples=50, deadline=None)
@given(st.lists(st.sampled_from(["g", "r", "i"]), min_size=1, max_size=30))
def test_the_bands_of_a_file_hold_each_row_once(bands: list[str]) -> None:
    rows = "".join(f"{k},{10 + k / 100},0.1,{b}\n" for k, b in enumerate(bands))
    curves = parse_curves("time mag err band\n".replace(" ", ",") + rows)
    assert sorted(curves) == sorted(set(bands))
    for band, (time, mag, err) in curves.items():
        np.testing.assert_array_equal(time, [k for k, b in enumerate(bands) if b == band])
        np.testing.assert_allclose(mag, 10 + time / 100)
        assert (err == 0.1).all()


def test_bzip2_and_xz_files_are_read_like_gzip() -> None:

    text = b"1,12.0,0.1\n2,12.5,0.1\n"
    for packed in (bz2.compress(text), lzma.compress(text)):
        np.testing.assert_array_equal(parse_columns(packed)[1], [12.0, 12.5])
    with pytest.raises(FileProblem, match="damaged bzip2"):
        parse_columns(bz2.compress(text)[:20])


def test_of_several_columns_for_a_role_the_one_named_as_the_role_is_read() -> None:
    """Read by the per-star names, time and hjd (or mag and mag_auto, band and filtercode,
    flag and catflags) would both take a role: the role's own name decides, as in tables."""
    assert parse_curves("time,hjd,mag\n1,2,3\n")[""][0].tolist() == [1.0]
    assert parse_curves("mjd,mag,mag_auto\n1,2,3\n")[""][1].tolist() == [2.0]
    assert list(parse_curves("mjd,mag,band,filtercode\n1,2,g,zr\n")) == ["g"]
    assert len(parse_curves("mjd,mag,flag,catflags\n1,2,0,4\n")[""][0]) == 1
    with pytest.raises(FileProblem, match=r"2 quality-flag columns \(QUALITY, catflags\); "
                                          r"keep one, or name it with --columns flag=NAME"):
        parse_curves("mjd,mag,QUALITY,catflags\n1,2,0,4\n")


def test_one_column_for_two_roles_is_refused_and_exact_names_come_first() -> None:
    text = "t,V,v\n1,12,0\n"
    with pytest.raises(FileProblem, match=r"column 'V' would be read for two roles"):
        parse_curves("t,V\n1,12\n", columns=Columns(mag="V", flag="v"))
    assert parse_curves(text, columns=Columns(mag="V", flag="v"))[""][1].tolist() == [12.0]
    assert parse_curves("1,12,4\n", columns=Columns(flag=""))[""][1].tolist() == [12.0]


@pytest.mark.parametrize("text", ["time;mag;err\n1;12,5;0,1\n", "1;12.5;0.1\n", "1;12,5\n2;13,1\n",
                                  "1;12,5;\n", "1;12,5;;\n", '"1";"12,5";"0,1"\n'])
def test_semicolon_separated_columns_are_named_not_misread(text: str) -> None:
    """A spreadsheet's CSV in a locale with decimal commas: refused with what to do, where it
    used to be a header of one column or 'no data lines'."""
    with pytest.raises(FileProblem, match=r"^line 1: its values seem separated by ';'.*"
                                          r"sep=';', decimal=','"):
        parse_curves(text)
    # A semicolon in a comment, or inside a text column, is no such thing.
    assert parse_curves("1,12.5,0.1,a;b\n")[""][1].tolist() == [12.5]
    assert parse_curves("# a;b\n1 12.5 0.1 a;b\n")[""][1].tolist() == [12.5]


def test_a_star_column_naming_several_stars_is_refused_at_their_first_change() -> None:
    # A long table met among per-star files would otherwise be one star of every star's points.
    text = "id,time,mag\n# a comment\na,1,12\na,2,12.1\nb,1,15\n"
    with pytest.raises(FileProblem) as caught:
        parse_curves(text)
    assert caught.value.line == 5
    assert "column 'id' names more than one star ('a', then 'b')" in caught.value.message
    # One star named in every row, a blank id, and ZTF's oid (one per field and filter of a
    # star's IRSA light curve) are read.
    assert len(parse_curves("source_id,time,mag\n7,1,12\n7,2,12.1\n,3,12.2\n")[""][0]) == 3
    assert len(parse_curves("oid,time,mag\n1,1,12\n2,2,12.1\n")[""][0]) == 2
    # A quoted header (R's write.csv) is checked too; a blank id before the change does not
    # shift the line named.
    with pytest.raises(FileProblem) as caught:
        parse_curves('"time","mag","id"\n0,12,\n1,12,a\n2,12,a\n3,12,b\n')
    assert caught.value.line == 5 and "('a', then 'b')" in caught.value.message
    # A value per row (a detection's own id, NEOWISE's source_id) names no star.
    assert len(parse_curves("time,mag,source_id\n1,12,101\n2,12,102\n3,12,103\n")[""][0]) == 3


def test_a_flux_column_reads_its_own_errors_not_a_magnitudes() -> None:
    """Read with --columns mag=flux, the errors are flux_err's: magerr's 0.05 mag read as a
    flux error would set the asinh softening 100 times too small."""
    text = "time,flux,flux_err,mag,magerr\n1.0,100.0,5.0,18.9,0.05\n2.0,90.0,5.0,19.0,0.05\n"
    _, f, e = parse_columns(text, columns=Columns(mag="flux"))
    assert f.tolist() == [100.0, 90.0] and e.tolist() == [5.0, 5.0]
    _, m, e = parse_columns(text)
    assert m.tolist() == pytest.approx([18.9, 19.0]) and e.tolist() == pytest.approx([0.05] * 2)


@pytest.mark.parametrize(("text", "mag"), [
    ("hjd V err\n1 12.1 0.02\n2 12.3 0.03\n", "V"),  # a magnitude named by --columns
    ("time,flux,err\n1,100.0,0.02\n2,90.0,0.03\n", "flux"),  # a flux beside a plain error
])
def test_a_mag_column_of_another_name_keeps_a_plain_error_column(text: str, mag: str) -> None:
    _, _, e = parse_columns(text, columns=Columns(mag=mag))
    assert e.tolist() == [0.02, 0.03]


# ---------------------------------------------------------------------- astropy tables
def _fits_bytes(table: object, image_first: bool = True) -> bytes:
    """``table`` (an astropy Table) as a FITS file's bytes: a primary HDU and, as a TESS
    light curve has, an image HDU after the binary table."""
    from astropy.io import fits

    hdus = fits.HDUList([fits.PrimaryHDU(), fits.table_to_hdu(table)]
                        + [fits.ImageHDU(np.ones((3, 3)), name="APERTURE")] * image_first)
    out = io.BytesIO()
    hdus.writeto(out)
    return out.getvalue()


def _written(table: object, form: str) -> bytes:
    out = io.StringIO() if form.startswith("ascii") else io.BytesIO()
    table.write(out, format=form)  # type: ignore[attr-defined]
    value = out.getvalue()
    return value.encode() if isinstance(value, str) else value


def test_a_fits_file_is_one_stars_table_with_its_units_and_flags() -> None:
    """A TESS-like FITS light curve: its binary table among image HDUs, a time in hours
    (days here), a flux in mJy (counted, so that --flux must convert it), its errors in
    uJy (put in mJy), QUALITY applied as a table's flag, and a column of arrays not read."""
    from astropy.table import Table

    table = Table({"TIME": [24.0, 48.0, 72.0, 96.0], "FLUX": [10.0, 11.0, np.nan, 12.0],
                   "FLUX_ERR": [500.0, 500.0, 500.0, 600.0], "QUALITY": [0, 4096, 0, 0],
                   "CENTROID": np.zeros((4, 2, 3))})
    table["TIME"].unit, table["FLUX"].unit, table["FLUX_ERR"].unit = "h", "mJy", "uJy"
    report = DropReport()
    curves = parse_curves(_fits_bytes(table), report,
                          Columns(mag="FLUX", err="FLUX_ERR", flag="QUALITY"))
    t, f, e = curves[""]
    np.testing.assert_array_equal(t, [1.0, 3.0, 4.0])  # hours as days; the flagged row out
    np.testing.assert_array_equal(f, [10.0, np.nan, 12.0])
    np.testing.assert_allclose(e, [0.5, 0.5, 0.6])  # uJy as the flux's mJy
    assert report.points == Counter(flagged=1)
    assert report.events == Counter(mag_column_in_a_flux_unit=1, extra_columns_not_read=1)
    # gzipped (a .fits.gz) and read by the header names a text file's are (no --columns):
    table = Table({"hjd": [1.0, 2.0], "mag": [12.0, 12.5], "magerr": [0.1, 0.2]})
    table["mag"].unit, table["magerr"].unit = "mmag", "mmag"
    _, m, e = parse_columns(gzip.compress(_fits_bytes(table, image_first=False)))
    np.testing.assert_allclose(m, [0.012, 0.0125])  # mmag as mag
    np.testing.assert_allclose(e, [1e-4, 2e-4])


def test_a_fits_file_read_columns_must_be_one_value_a_row_and_a_time() -> None:
    from astropy.table import Table

    table = Table({"time": np.zeros((2, 3)), "mag": [12.0, 12.1]})
    with pytest.raises(FileProblem) as caught:
        parse_curves(_fits_bytes(table))
    assert caught.value.line == 0 and caught.value.where == ""
    assert caught.value.message == ("column 'time' holds arrays of shape (3,) per row; "
                                    "expected one value per row")
    table = Table({"time": [1.0, 2.0], "mag": [12.0, 12.1]})
    table["time"].unit = "m"
    with pytest.raises(FileProblem, match=r"^time column 'time' is in m, not a unit of time$"):
        parse_curves(_fits_bytes(table))


def test_a_fits_file_without_a_binary_table_is_a_clear_problem() -> None:
    from astropy.io import fits

    out = io.BytesIO()
    fits.PrimaryHDU(np.ones((4, 4))).writeto(out)  # an image, not a light curve
    with pytest.raises(FileProblem) as caught:
        parse_curves(out.getvalue())
    assert (caught.value.line, caught.value.reason) == (0, "unreadable_file")
    assert caught.value.message.startswith("cannot read as a FITS table: ")
    assert caught.value.message.endswith("expected a binary table HDU of one star's points")
    assert "\n" not in caught.value.message


def test_an_ecsv_file_with_masked_values_is_read_by_band_and_flag() -> None:
    """Gaia DR3 epoch photometry as astropy writes it: NaN magnitudes masked (written as
    ""), G, BP and RP rows, rejected_by_variability read as the flag, its source_id one
    star; a problem names the file's line."""
    from astropy.table import MaskedColumn, Table

    table = Table({"source_id": [7, 7, 7, 7], "band": ["G", "G", "BP", "BP"],
                   "time": [1.0, 2.0, 1.5, 2.5],
                   "mag": MaskedColumn([14.0, 14.1, 14.5, 14.6], mask=[False, True, False,
                                                                      False]),
                   "rejected_by_photometry": [False] * 4,
                   "rejected_by_variability": [False, False, True, False],
                   "flux": [5.0e4, 4.9e4, 3.0e4, 2.9e4]})
    table["time"].unit, table["mag"].unit, table["flux"].unit = "d", "mag", "electron/s"
    data = _written(table, "ascii.ecsv")
    assert b'""' in data  # as the QA's files hold them: text that is not a number
    report = DropReport()
    curves = parse_curves(data, report)
    assert sorted(curves) == ["BP", "G"]
    np.testing.assert_array_equal(curves["G"][1], [14.0, np.nan])  # masked: missing
    np.testing.assert_array_equal(curves["BP"][0], [2.5])  # rejected_by_variability
    assert report.points == Counter(flagged=1)
    assert report.events == Counter(extra_columns_not_read=1,
                                    mag_column_in_a_magnitude_unit=1)  # (--flux refuses it)
    table["source_id"][3] = 8
    data = _written(table, "ascii.ecsv")
    with pytest.raises(FileProblem) as caught:
        parse_curves(data)
    line = data.decode().split("\n")[caught.value.line - 1]
    assert line.startswith("8 BP 2.5 ") and "('7', then '8')" in caught.value.message


def test_a_votable_is_read_and_its_problems_name_rows() -> None:
    from astropy.table import Table

    table = Table({"mjd": [1.0, 2.0, 3.0], "mag": [12.0, 12.1, 12.2], "err": [0.1] * 3,
                   "flag": ["0", "0", "C"]})
    with pytest.raises(FileProblem) as caught:
        parse_curves(_written(table, "votable"))
    assert caught.value.line == 0
    assert caught.value.message.startswith("row 3: column 'flag': 'C' is not a quality flag")
    table["flag"] = [0, 1, 0]
    report = DropReport()
    t, m, e = parse_columns(_written(table, "votable"), report)
    assert t.tolist() == [1.0, 3.0] and m.tolist() == [12.0, 12.2] and e.tolist() == [0.1, 0.1]
    assert report.points == Counter(flagged=1)


def test_text_in_a_tables_mag_column_is_read_as_a_tables_is() -> None:
    """A mag column of text (an ECSV string column): a detection limit is a missing value,
    counted; a word that is not a number is a problem naming the file's line."""
    from astropy.table import Table

    table = Table({"time": [1.0, 2.0, 3.0], "mag": ["14.0", ">16.8", "14.2"]})
    report = DropReport()
    _, m, _ = parse_columns(_written(table, "ascii.ecsv"), report)
    np.testing.assert_array_equal(m, [14.0, np.nan, 14.2])
    assert report.events == Counter(limit_values_read_as_missing=1)
    table["mag"][2] = "n/a?"
    data = _written(table, "ascii.ecsv")
    with pytest.raises(FileProblem) as caught:
        parse_columns(data)
    assert data.decode().split("\n")[caught.value.line - 1].startswith("3.0 ")
    assert caught.value.message == "column 'mag': 'n/a?' is not a number"


def _tables_file(form: str, *tables: object) -> bytes:
    """``tables`` (astropy Tables) as one FITS file's binary table HDUs, or one VOTable's
    TABLEs."""
    from astropy.io import fits
    from astropy.io.votable.tree import Resource, TableElement, VOTableFile

    out = io.BytesIO()
    if form == "fits":
        fits.HDUList([fits.PrimaryHDU(), *map(fits.table_to_hdu, tables)]).writeto(out)
    else:
        votable, resource = VOTableFile(), Resource()
        votable.resources.append(resource)
        resource.tables.extend(TableElement.from_table(votable, t) for t in tables)
        votable.to_xml(out)
    return out.getvalue()


@pytest.mark.parametrize("form", ["fits", "votable"])
def test_a_per_star_file_of_several_light_curve_tables_is_refused(form: str) -> None:
    """Tables of a per-star file's names (mjd, not a long table's time) are found as light
    curves: two are refused, naming them (the first alone was read, the second's points lost
    without a word); a first table that is no light curve (a star's ra, dec) is passed by."""
    from astropy.table import Table

    g = Table({"mjd": 58000.0 + np.arange(5), "mag": np.full(5, 15.0)})
    r = Table({"mjd": 58100.0 + np.arange(7), "mag": np.full(7, 14.0)})
    with pytest.raises(FileProblem) as caught:
        parse_curves(_tables_file(form, g, r))
    assert caught.value.line == 0
    assert caught.value.message.startswith(
        "2 table HDUs have a time and a mag column: HDU 1, HDU 2;" if form == "fits" else
        "2 TABLEs have a time and a mag column: table 1, table 2;")
    meta = Table({"ra": [10.0], "dec": [20.0]})
    t, m, _ = parse_columns(_tables_file(form, meta, g))
    assert t.tolist() == g["mjd"].tolist() and m.tolist() == [15.0] * 5


def test_a_per_star_files_magnitude_unit_is_counted_so_that_flux_refuses_it() -> None:
    from astropy.table import Table

    from lcformer.data.lightcurves import LightCurves
    from lcformer.data.reading.config import ReadConfig
    from lcformer.data.reading.flux import MAG_UNIT, to_magnitudes
    from lcformer.errors import InputError

    table = Table({"time": [1.0, 2.0], "mag": [12.0, 12.5]})
    report = DropReport()
    parse_curves(_fits_bytes(table), report)
    assert report.events[MAG_UNIT] == 0  # no unit declared: as the user says
    for unit in ("mag", "mmag"):  # (mag(AB): FITS cannot hold it)
        table["mag"].unit = unit
        report = DropReport()
        parse_curves(_fits_bytes(table), report)
        assert report.events[MAG_UNIT] == 1
    curves = LightCurves.from_arrays(["a"], [""], [2], np.array([1.0, 2.0]),
                                     np.array([12.0, 12.5]), np.full(2, np.nan))
    with pytest.raises(InputError, match=r"^a\.fits: --flux reads fluxes, but the magnitude "
                                         r"column of 1 file\(s\) is declared in magnitudes"):
        to_magnitudes(curves, ReadConfig(flux=True), "a.fits", report)
    assert to_magnitudes(curves, ReadConfig(), "a.fits", report) is curves


def test_a_votable_behind_a_long_comment_is_a_votable() -> None:
    from astropy.table import Table

    table = Table({"hjd": [1.0, 2.0, 3.0], "mag": [12.0, 12.1, 12.2]})
    votable = _written(table, "votable")
    commented = votable.replace(b"?>", b"?>\n<!-- " + b"notes " * 1000 + b"-->", 1)
    assert commented.index(b"<VOTABLE") > 1024
    assert parse_columns(commented)[1].tolist() == [12.0, 12.1, 12.2]


def test_an_ecsv_file_with_a_byte_order_mark_is_read() -> None:
    from astropy.table import Table

    table = Table({"hjd": [1.0, 2.0, 3.0], "mag": [12.0, 12.1, 12.2]})
    ecsv = b"\xef\xbb\xbf" + _written(table, "ascii.ecsv")  # as Windows editors save it
    assert parse_columns(ecsv)[0].tolist() == [1.0, 2.0, 3.0]


@pytest.mark.parametrize("form", ["fits", "votable"])
def test_a_binary_tables_problems_name_no_line_nor_advise_leaving_its_header_out(
        form: str) -> None:
    from astropy.table import Table

    table = Table({"a": [1.0, 2.0], "b": [12.0, 12.1]})
    data = _fits_bytes(table) if form == "fits" else _written(table, "votable")
    with pytest.raises(FileProblem) as caught:
        parse_curves(data)
    assert (caught.value.line, caught.value.where) == (0, "")
    assert "leave the header out" not in caught.value.message
    assert caught.value.message.endswith("give --columns time=NAME,mag=NAME (a column of "
                                         "fluxes: as mag, with --flux)")
    broken = data[:2880] + b"garbage" if form == "fits" else data[:300]
    with pytest.raises(FileProblem) as caught:
        parse_curves(broken)
    assert (caught.value.line, caught.value.where) == (0, "")
    assert caught.value.message.startswith(f"cannot read as a {_NAMES[form]} table: ")


_NAMES = {"fits": "FITS", "votable": "VOTable"}
