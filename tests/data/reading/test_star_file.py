"""One star's file: its columns by header names or position, bands, flags, detection limits,
and every problem named by its line."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.reading import read_long_table
from lcformer.data.reading.column_names import is_good_flag_name
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import FileProblem
from lcformer.data.reading.star_file import parse_columns, parse_curves
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError


def test_parse_formats() -> None:
    t, m, e = parse_columns(b"# c\nt mag err\n1 2 3\n4 5 6\n")
    np.testing.assert_array_equal(t, [1, 4])
    np.testing.assert_array_equal(e, [3, 6])
    t, m, e = parse_columns("1.0, 2.0\n3.0, 4.0\n")
    np.testing.assert_array_equal(m, [2, 4])
    assert np.isnan(e).all()
    # OGLE's and KELT's times offset in the name: a time (not "no time column"); FITS's
    # DATE-OBS beside mjd is not one, and a dmag beside err is no error of mag
    t, m, e = parse_columns("mag err HJD-2450000\n12.1 0.01 5000.1\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([5000.1], [12.1], [0.01])
    t, m, e = parse_columns("date-obs,mjd,mag,err,dmag\n2020-01-01,58849.0,12.0,0.01,-0.2\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([58849.0], [12.0], [0.01])


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


def test_a_csv_whose_fields_are_quoted_is_read() -> None:
    """AAVSO's downloads quote every field, comments hold commas ("clouds, moon"), and a
    blank is "": read as the same file unquoted. A
    whitespace file's quoted name ("R And") stays one field."""
    text = ('"JD","Magnitude","Uncertainty","Band","Comments","HJD"\n'
            '"2455008.3","9.5","","Vis.","clouds, moon",""\n'
            '"2455009.9","<10.1","0.02","V","","2455009.901"\n'
            '"2455010.5","9.8","0.03","V","a, b, c",""\n')
    curves = parse_curves(text, columns=Columns(time="JD", err="Uncertainty"))
    t, m, e = curves["V"]
    assert t.tolist() == [2455009.9, 2455010.5] and np.isnan(m[0]) and m[1] == 9.8
    assert e.tolist() == [0.02, 0.03]
    t, m, e = curves["Vis."]
    assert (t.tolist(), m.tolist(), bool(np.isnan(e).all())) == ([2455008.3], [9.5], True)
    with pytest.raises(FileProblem, match=r"line 3: .*'x'"):
        parse_columns('"t","mag"\n"1","2"\n"2","x"\n')
    t, m, e = parse_columns('time mag err name\n1 12.0 0.1 "R And"\n2 12.5 0.1 "R And"\n')
    assert (t.tolist(), m.tolist()) == ([1, 2], [12.0, 12.5])


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
    ("PK\x03\x04\x14\x00\x00", 1, "unreadable_file", "an Excel workbook, .xlsx or .xls?"),
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
    # ISO dates: read in tables, not in a star's file, which says where
    ("time,mag\n2017-09-11T08:41:40,12.1\n", 2, "unreadable_file",
     "'2017-09-11T08:41:40' is not a number (a star's file gives its times as numbers"),
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


def test_an_old_excel_workbook_is_named_as_one() -> None:
    """A .xls file (OLE) among per-star files: named as a workbook, not "binary data" (its
    bytes decode as text, and the .xlsx check does not meet them)."""
    with pytest.raises(FileProblem, match=r"an Excel workbook, \.xlsx or \.xls\?"):
        parse_columns(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))


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



def test_a_flag_named_as_marking_good_rows_keeps_them() -> None:
    """PTF's goodflag is 1 for a good measurement: its rows of 0 (false, bad) are the ones
    dropped, counted, and so said (read as a bad-row flag, 92% of the good points would go
    and the bad ones stay). --flag-bits names bad rows' bits: refused with it."""
    rows = "".join(f"{t},15.0,0.02,{0 if t % 5 == 0 else 1}\n" for t in range(30))
    report = DropReport()
    curves = parse_curves("mjd,mag,err,goodflag\n" + rows, report)
    np.testing.assert_array_equal(curves[""][0], [t for t in range(30) if t % 5])
    assert report.points == {"flagged": 6}
    assert report.events == {"flag_marks_good_rows": 1}
    text = parse_curves("time,mag,goodflag\n1,2,true\n2,3,false\n3,4,\n4,5,G\n5,6,B\n")
    np.testing.assert_array_equal(text[""][0], [1, 3, 4])  # a missing flag: not bad
    with pytest.raises(ConfigError, match=r"marks good rows.*leave --flag-bits out"):
        parse_curves("mjd,mag,err,goodflag\n" + rows, DropReport(), Columns(flag_bits=1))
    table = pd.DataFrame({"id": "a", "time": np.arange(30.0), "mag": 15.0,
                          "goodflag": [0 if t % 5 == 0 else 1 for t in range(30)]})
    read = DropReport()
    assert read_long_table(table, columns=Columns(flag="goodflag"), report=read).n_points == 24
    assert read.events["flag_marks_good_rows"] == 1
    # Beside another flag column read with its bits: not the column applied, nothing refused
    # (a goodflag column not even read is no reason to refuse --flag-bits).
    other = table.assign(flag=[4 if t % 5 == 0 else 0 for t in range(30)])
    with pytest.warns(UserWarning, match="goodflag"):  # (not read: said)
        assert read_long_table(other, columns=Columns(flag="flag", flag_bits=4),
                               report=DropReport()).n_points == 24
    assert [is_good_flag_name(n) for n in ("goodflag", "is_good", "good_flags", "GOOD",
                                           "good_obs", "quality_good", "i:goodflag",
                                           "nogood", "not_good", "no_good", "good_frac",
                                           "n_good", "goodness_of_fit")] == [
        True, True, True, True, True, True, True, False, False, False, False, False, False]
    mostly = "".join(f"{t},15.0,0.02,{1 if t % 5 == 0 else 0}\n" for t in range(30))
    counted = DropReport()
    parse_curves("mjd,mag,err,goodflag\n" + mostly, counted)
    assert counted.events["files_whose_good_flag_drops_most_rows"] == 1

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


ASAS_SN_STAR = ("HJD,UT Date,Camera,FWHM,Limit,mag,mag_err,flux(mJy),flux_err\n"
                "2457002.12,2014-12-21.6181,be,1.49,16.632,14.211,0.008,7.362,0.058\n"
                "2457003.11,2014-12-22.6118,be,1.52,16.807,>16.807,99.990,0.033,0.064\n"
                "2457004.11,2014-12-23.6118,be,1.52,16.807,14.300,0.009,7.1,0.058\n")


def test_a_file_that_fails_counts_nothing() -> None:
    """Its limits and flagged rows are not counted once its bad row stops it (else a folder
    says 95 limits where the files read held 60)."""
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
    assert report.events == Counter(mag_column_in_a_flux_unit=1, extra_columns_not_read=1,
                                    flux_column_declared_in_mJy=1)
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
    assert b'""' in data  # as Gaia's files hold them: text that is not a number
    report = DropReport()
    curves = parse_curves(data, report)
    assert sorted(curves) == ["BP", "G"]
    np.testing.assert_array_equal(curves["G"][1], [14.0, np.nan])  # masked: missing
    np.testing.assert_array_equal(curves["BP"][0], [2.5])  # rejected_by_variability
    assert report.points == Counter(flagged=1)
    assert report.events == Counter({"extra_columns_not_read": 1,  # (--flux refuses both:)
                                     "mag_column_in_a_magnitude_unit": 1,
                                     "mag_column_beside_a_flux_column:flux": 1})
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
    curves: two are refused, naming them (reading the first alone would lose the second's
    points); a first table that is no light curve (a star's ra, dec) is passed by."""
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


def test_k2sffs_best_aperture_is_read_of_its_apertures() -> None:
    """K2SFF's FITS files hold the same cadences through several apertures (BESTAPER,
    CIRC_APER0, ...), not tables to stack (every point three times): the best aperture's
    is read, counted."""
    from astropy.io import fits
    from astropy.table import Table

    hdus = [fits.PrimaryHDU()]
    for name, level in (("BESTAPER", 1.0), ("CIRC_APER0", 2.0), ("CIRC_APER1", 3.0)):
        hdu = fits.table_to_hdu(Table({"T": 2000.0 + np.arange(5), "FCOR": np.full(5, level)}))
        hdu.name = name
        hdus.append(hdu)
    out = io.BytesIO()
    fits.HDUList(hdus).writeto(out)
    sink = DropReport()
    t, m, _ = parse_curves(out.getvalue(), sink, Columns(time="T", mag="FCOR"))[""]
    assert t.tolist() == [2000.0, 2001.0, 2002.0, 2003.0, 2004.0] and m.tolist() == [1.0] * 5
    assert sink.events["best_aperture_hdu_read"] == 1


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


def test_a_binary_tables_other_header_problems_carry_no_flux_hint() -> None:
    """The flux hint belongs to a table without a time and a mag column, not to a table that
    names two band columns, nor to every problem of a table's header."""
    from astropy.table import Table

    table = Table({"mjd": [1.0, 2.0], "mag": [12.0, 12.1], "filtercode": ["zg", "zg"],
                   "filter": ["g", "g"]})
    with pytest.raises(FileProblem) as caught:
        parse_curves(_fits_bytes(table))
    assert "band columns (filtercode, filter)" in caught.value.message
    assert "--flux" not in caught.value.message


NEOWISE_ROWS = ("mjd,w1mpro,w1sigmpro,w2mpro,w2sigmpro,qual\n"
                "1.0,10.0,0.01,9.0,0.11,0\n"
                "2.0,10.1,,>9.1,0.12,1\n"
                "3.0,10.2,0.03,9.2,0.13,0\n")
BOTH_BANDS = Columns().replace(**Columns.parse(
    "flag=qual,mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro"))


def test_a_files_rows_of_two_bands_are_a_curve_each_the_flag_for_both() -> None:
    report = DropReport()
    curves = parse_curves(NEOWISE_ROWS, report, BOTH_BANDS)
    assert list(curves) == ["W1", "W2"]
    np.testing.assert_array_equal(curves["W1"][1], [10.0, 10.2])  # row 2 flagged in both
    np.testing.assert_array_equal(curves["W2"][2], [0.11, 0.13])
    assert report.points["flagged"] == 1  # row 2's W1: its W2 is a limit, no value
    assert report.events["limit_values_read_as_missing"] == 1  # W2's limit, W1 untouched
    assert report.events["band_cells_without_a_value"] == 1
    # Unflagged, the limit is still no point (not one read and dropped), and W1's is one.
    report = DropReport()
    curves = parse_curves(NEOWISE_ROWS, report, BOTH_BANDS.replace(flag=""))
    assert [len(curves[b][0]) for b in ("W1", "W2")] == [3, 2]
    assert report.events["band_cells_without_a_value"] == 1 and not report.points


def test_a_bands_column_that_holds_no_number_names_the_line_and_role() -> None:
    with pytest.raises(FileProblem, match=r"column 4 \(mag:W2\): 'x' is not a number") as info:
        parse_curves(NEOWISE_ROWS.replace(">9.1", "x"), DropReport(), BOTH_BANDS)
    assert info.value.line == 3


def test_an_ipac_table_of_two_bands_a_row_reads_both() -> None:
    """IRSA's NEOWISE-R single-exposure table, one row per exposure."""
    text = ("\\fixlen = T\n"
            "|      mjd| w1mpro| w1sigmpro| w2mpro| w2sigmpro| cc_flags|\n"
            "|   double| double|    double| double|    double|     char|\n"
            "  56707.39  10.099      0.018  10.021       null      0000 \n"
            "  56707.45  10.173      0.019  10.105      0.020      d000 \n")
    curves = parse_curves(text, DropReport(), BOTH_BANDS.replace(flag=""))
    np.testing.assert_array_equal(curves["W2"][1], [10.021, 10.105])
    assert np.isnan(curves["W2"][2][0]) and curves["W1"][2][1] == 0.019


def test_a_band_not_read_beside_the_mag_read_is_warned_of() -> None:
    with pytest.warns(UserWarning, match=r"--columns mag:w1=w1mpro,err:w1=w1sigmpro,"
                                         r"mag:w2=w2mpro,err:w2=w2sigmpro"):
        curves = parse_curves(NEOWISE_ROWS, DropReport(),
                              Columns(mag="w1mpro", err="w1sigmpro", flag="qual"))
    assert list(curves) == [""]


def test_a_time_column_empty_in_most_rows_is_said_naming_the_one_with_times() -> None:
    """AAVSO's HJD is empty for visual estimates: read over JD by its name, it loses 75% of
    the points. Said, counted; its Uncertainty is read as the errors."""
    rows = "".join(f"{2455000 + t},{10 + 0.1 * (t % 7)},{0.01 if t % 4 == 0 else ''},"
                   f"{2455000.002 + t if t % 4 == 0 else ''}\n" for t in range(40))
    report = DropReport()
    with pytest.warns(UserWarning, match=r"time column 'HJD' is empty in most rows.*column "
                                         r"'JD' has times: if it is the time, give --columns "
                                         r"time=JD"):
        curves = parse_curves("JD,Magnitude,Uncertainty,HJD\n" + rows, report)
    assert report.events["time_column_mostly_empty"] == 1
    assert np.isfinite(curves[""][0]).sum() == 10  # (cleaning drops the other 30)
    assert np.isfinite(curves[""][2]).sum() == 10  # Uncertainty: the errors
    read = parse_curves("JD,Magnitude,Uncertainty,HJD\n" + rows, DropReport(),
                        Columns(time="JD", mag="Magnitude"))
    assert np.isfinite(read[""][0]).all()


def test_decimal_commas_under_a_comma_header_are_refused() -> None:
    """LibreOffice in a European locale writes "2451868,58286,13,983,0,032" under
    "time,mag,err": read by the header, the time would be the whole days and the magnitude its
    decimals (exit 0 with --flux). A trailing comma (an empty last field) is still read."""
    with pytest.raises(FileProblem, match=r"found 6 fields, and the header names 3 .*a decimal "
                                          r"comma"):
        parse_curves("time,mag,err\n2451868,58286,13,983,0,032\n", DropReport())
    curves = parse_curves("time,mag,err\n2451868.5,13.9,0.03,\n2451869.5,14.0,0.03,\n",
                          DropReport())
    np.testing.assert_array_equal(curves[""][1], [13.9, 14.0])
    report = DropReport()  # an unnamed column of flags: not read, counted
    curves = parse_curves("time,mag,err\n2450000.0000,15.134,0.02,0\n2450001.0,15.2,0.02,1\n",
                          report)
    np.testing.assert_array_equal(curves[""][1], [15.134, 15.2])
    assert report.events["extra_columns_not_read"] == 1


def test_a_tab_separated_file_that_does_not_read_says_to_save_it_as_csv() -> None:
    """AAVSO's tab-delimited download ("Observer Code", its values one word) read by
    whitespace failed with "found 13 columns, expected 36", a fix of "write nan": the error
    now says that a header of spaced names is split at every space. Such a file that reads,
    and tab-separated files without spaced names, read as before."""
    spaced = ("JD\tMagnitude\tUncertainty\tObserver Code\n2450000.1\t7.1\t0.1\tABC\n"
              "2450001.1\t7.2\t\tABC\n")  # (an estimate without its uncertainty)
    with pytest.raises(FileProblem, match=r"found 3 columns, expected 4 .*\(a tab-separated "
                                          r"file whose column names hold spaces, as "
                                          r"'Observer Code', is read split at every space: "
                                          r"save it comma-separated, as CSV\)"):
        parse_columns(spaced)
    # A band column after the spaced name lay beyond the rows' last field: NumPy's "invalid
    # column index 5", an internal error, where this is a file's problem.
    with pytest.raises(FileProblem, match=r"^line 2: found 5 columns, and the header names 6 "
                                          r".*save it comma-separated"):
        parse_columns("JD\tMagnitude\tUncertainty\tObserver Code\tBand\n"
                      "2450000.1\t7.1\t0.1\tABC\tV\n")
    t, m, e = parse_columns("time\tmag\terr\tobserver code\n1.0\t15.0\t0.1\tABC\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [15.0], [0.1])
    t, m, e = parse_columns("jd\tmag\terr\t\n2450000.1\t7.1\t0.1\t\n2450001.1\t7.2\t0.1\t\n")
    assert (t.tolist(), m.tolist(), e.tolist()) == ([2450000.1, 2450001.1], [7.1, 7.2],
                                                    [0.1, 0.1])


def test_a_magnitude_marked_uncertain_says_what_the_colon_is() -> None:
    """AAVSO marks an uncertain estimate "13.4:": the error says so and what to do, in a
    star's file and in a table."""
    with pytest.raises(FileProblem, match=r"'13\.4:' is not a number \(a number marked "
                                          r"uncertain with ':', as in AAVSO's downloads"):
        parse_columns("jd,mag,err\n2450000.1,13.4:,0.1\n2450001.1,13.5,0.1\n")
    frame = pd.DataFrame({"id": ["a", "a"], "time": [1.0, 2.0], "mag": ["13.4:", "13.5"],
                          "err": [0.1, 0.1]})
    with pytest.raises(InputError, match=r"'13\.4:' is not a number \(a number marked "
                                         r"uncertain"):
        read_long_table(frame)


@pytest.mark.parametrize("text", [
    "time mag err ra dec\n1.0 12.1 0.01\n2.0 12.3 0.01\n",  # a position the rows lack
    "hjd mag err jd\n1.0 12.1 0.01\nnan 12.3 0.01\n",  # a second time the rows lack
])
def test_a_header_naming_columns_the_rows_lack_is_the_files_problem(text: str) -> None:
    """Columns read beside time, mag and err (a position, a second time column) that lay
    beyond the rows' last field were NumPy's "invalid column index 3", an internal error."""
    with pytest.raises(FileProblem, match=r"^line 2: found 3 columns, and the header names "):
        parse_columns(text)


# ---------------------------------------------------------------- files made on Windows
UTF8_STAR = "# Star: Céphéide\ntime\tmag\terr\n2629.52836\t9.511\t0.042\n2630.5\t9.6\t0.05\n"


@pytest.mark.parametrize("ending", ["\x1a", "\r\n\x1a", "\x1a\r\n", "\n\x1a\x1a\x1a\n"])
def test_a_ctrl_z_that_ends_the_file_is_removed_and_counted(ending: str) -> None:
    """DOS's end-of-file mark (Ctrl-Z, 0x1A) after the last row, as old Windows programs
    write it: removed and counted, not a row of one column that loses the star."""
    text = "time,mag,err\r\n1,12.1,0.1\r\n2,12.2,0.2" + ending
    report = DropReport()
    t, m, e = parse_columns(text.encode(), report)
    assert (t.tolist(), m.tolist(), e.tolist()) == ([1, 2], [12.1, 12.2], [0.1, 0.2])
    assert report.events == Counter(dos_end_of_file_ctrl_z_removed=1)
    report = DropReport()
    parse_columns(b"1 12.1 0.1\n2 12.2 0.2\n", report)
    assert not report.events


@pytest.mark.parametrize("text, line", [
    ("1,12.1,0.1\n\x1a\n2,12.2,0.2\n", 2), ("1 12.1 0.1\n2 12.2 0.2\x1a\n3 1 1\n", 2)])
def test_a_ctrl_z_inside_a_file_is_named_in_its_error(text: str, line: int) -> None:
    with pytest.raises(FileProblem) as caught:
        parse_columns(text.encode())
    assert caught.value.line == line
    assert "a Ctrl-Z (DOS end-of-file) byte" in caught.value.message


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_text_with_its_byte_order_mark_is_read_as_its_utf8_twin(encoding: str) -> None:
    """Excel's "Unicode Text" (UTF-16 with a byte-order mark, tab-separated, CRLF): its
    mark says what it is, so it is read, its values those of the UTF-8 file."""
    mark = "" if encoding == "utf-16" else "\ufeff"  # (utf-16 writes its own)
    data = (mark + UTF8_STAR.replace("\n", "\r\n")).encode(encoding)
    assert data[:2] in (b"\xff\xfe", b"\xfe\xff")
    read = parse_columns(data, DropReport())
    expected = parse_columns(UTF8_STAR.encode("utf-8"))
    for got, want in zip(read, expected, strict=True):
        np.testing.assert_array_equal(got, want)
    # binary data that starts with those bytes is still binary
    with pytest.raises(FileProblem, match="not a text file"):
        parse_columns(b"\xff\xfe\x00\xd8\x00\x00" + bytes(10))
