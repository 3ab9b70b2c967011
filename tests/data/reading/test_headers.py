"""A per-star text file's header: which columns are the time, mag, err, band and flag, from
a first line without numbers or a commented line of names; a role that several columns
could take is refused, not guessed."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from lcformer.data.reading.column_names import band_columns
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import FileProblem
from lcformer.data.reading.star_file import parse_columns, parse_curves
from lcformer.data.report import DropReport

# Headerless files with a column past time, mag, err (fixtures of other tests) warn once;
# test_per_star.py checks that warning itself.
pytestmark = pytest.mark.filterwarnings("ignore:files without a header are read")


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


def test_a_commented_header_naming_a_time_but_no_magnitude_is_said() -> None:
    """HATNet's "#HJD IM1 IE1 IQ1 EP1 ... TF1": read by position, its raw instrumental IM1 is
    no magnitude to read in silence (held-out macro-F1 0.950 against 0.983 from TF1). A
    comment naming a time in as many fields as the data has, more than time, mag and err,
    is said with what position reads; not refused, as "# JD V err flag" is read right so
    (a refusal would stop such a folder)."""
    text = ("#HJD  IM1 IE1 IQ1  EP1 TF1\n"
            "2454002.129 14.388 0.005 G 10.388 10.382\n"
            "2454002.132 14.314 0.005 X 10.333 10.348\n")
    with pytest.warns(UserWarning, match=r"files whose comment line names their columns \(\['HJD', "
                                         r"'IM1', .*\) are read by position, as time=HJD, "
                                         r"mag=IM1, err=IE1: where another column is the "
                                         r"magnitude, name it with --columns mag=NAME"):
        curves = parse_curves(text, DropReport())
    assert curves[""][1].tolist() == [14.388, 14.314]
    curves = parse_curves(text, DropReport(), Columns(mag="TF1", err="IE1"))
    assert curves[""][1].tolist() == [10.382, 10.348]
    with pytest.warns(UserWarning, match=r"as time=JD, mag=V, err=err"):
        _, m, e = parse_columns("# JD V err flag\n2450000.1 12.04 0.010 0\n")
    assert (m.tolist(), e.tolist()) == ([12.04], [0.01])
    # Three columns or fewer are read by position (time, mag, err), quietly.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert parse_columns("# HJD flux sigma\n1 2 3\n")[1].tolist() == [2.0]


def test_an_atlas_forced_photometry_file_reads_its_commented_header() -> None:
    """ATLAS writes its names as a comment (###MJD ...): read by position, its two filters
    make one curve and dm is not found. Its band is F, the error of m is dm (not err, a
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
    # A sentence names no columns ("# time vs mag" would read the errors as magnitudes).
    for text in ("# a light curve of star\n1 2 3 4\n", "# HJD V err\n1 2 3\n",
                 "# time vs mag\n1 2 3\n", "# time series in V mag\n1 2 3 4 5\n",
                 "# err mag time\n1 2 3 4\n", "# Date Time Mag\n1 2 3\n"):
        t, m, e = parse_columns(text)
        assert (t.tolist(), m.tolist(), e.tolist()) == ([1.0], [2.0], [3.0]), text
    # A comment header is a header: of two times the heliocentric one; several magnitudes
    # (ASAS's apertures, two bands) are refused, where by position the second is the error.
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
    # column; dm is m's error only there (a dm may be something else beside err).
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


def test_of_gaias_three_flag_columns_rejected_by_variability_is_read() -> None:
    text = ("source_id,band,time,mag,rejected_by_photometry,rejected_by_variability,other_flags\n"
            "42,G,1.0,15.0,false,false,4097\n42,G,2.0,15.1,true,false,4097\n"
            "42,BP,1.0,15.3,false,true,0\n")
    report = DropReport()
    curves = parse_curves(text, report)
    assert {band: c[0].tolist() for band, c in curves.items()} == {"BP": [], "G": [1.0, 2.0]}
    assert report.points == {"flagged": 1}


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
    """A spreadsheet's CSV in a locale with decimal commas: refused with what to do, not
    read as a header of one column or 'no data lines'."""
    with pytest.raises(FileProblem, match=r"^line 1: its values seem separated by ';'.*"
                                          r"sep=';'\)\.to_csv\(\.\.\.\), with "
                                          r"decimal=',' where numbers have decimal commas"):
        parse_curves(text)
    # A semicolon in a comment, or inside a text column, is no such thing.
    assert parse_curves("1,12.5,0.1,a;b\n")[""][1].tolist() == [12.5]
    assert parse_curves("# a;b\n1 12.5 0.1 a;b\n")[""][1].tolist() == [12.5]


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


def test_a_tess_light_curves_columns_are_named_in_the_problem() -> None:
    """A TESS light curve's header (SPOC) is refused with the PDCSAP_FLUX that reads it."""
    text = ("TIME SAP_FLUX SAP_FLUX_ERR PDCSAP_FLUX PDCSAP_FLUX_ERR QUALITY\n"
            "1500.1 41000.0 40.0 40950.0 41.0 0\n")
    with pytest.raises(FileProblem, match=r"looks like a TESS light curve \(SPOC\).*"
                                          r"--columns mag=PDCSAP_FLUX,err=PDCSAP_FLUX_ERR,"
                                          r"flag=QUALITY --flux"):
        parse_curves(text)
    curves = parse_curves(text, columns=Columns(mag="PDCSAP_FLUX", err="PDCSAP_FLUX_ERR"))
    assert curves[""][1].tolist() == [40950.0]
    # lightkurve's to_csv keeps two quality columns, its own and the pipeline's; QLP's
    # fluxes are normalised: each named with the options that read it.
    saved = ("time,flux,flux_err,quality,sap_flux,sap_quality,pdcsap_flux,pdcsap_flux_err\n"
             "1500.1,1.0,0.001,0,41000.0,0,40950.0,41.0\n")
    with pytest.raises(FileProblem, match=r"saved by lightkurve.*err=pdcsap_flux_err,"
                                          r"flag=quality --flux"):
        parse_curves(saved)
    # A K2 file lacks sap_quality: no "TESS light curve (SPOC)" but Kepler's or K2's too
    k2 = ("time,flux,flux_err,quality,cadenceno,sap_flux,pdcsap_flux,pdcsap_flux_err\n"
          "3257.0,1.0,0.001,0,0,41000.0,40950.0,41.0\n")
    with pytest.raises(FileProblem, match=r"a TESS, Kepler or K2 light curve saved by "
                                          r"lightkurve.*mag=flux,err=flux_err reads that"):
        parse_curves(k2)
    qlp = "TIME SAP_FLUX KSPSAP_FLUX KSPSAP_FLUX_ERR QUALITY\n1500.1 41000.0 1.0 0.001 0\n"
    with pytest.raises(FileProblem, match=r"Quick-Look Pipeline.*normalised to 1"):
        parse_curves(qlp)
