"""read_any (predict's input) and read_dataset (prepare's): one error path, FITS, columns."""

from __future__ import annotations

import gzip
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from lcformer.data.datasets import resolve
from lcformer.data.reading.astropy_tables import UNKNOWN_UNIT
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.files import MACHO_FILE
from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES
from lcformer.data.reading.sniff import read_any, read_dataset
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError
from tests.data.reading.archives import write_archive

# Headerless files with a column past time, mag, err (fixtures of other tests) warn once;
# test_per_star.py checks that warning itself.
pytestmark = pytest.mark.filterwarnings("ignore:files without a header are read")

BAD = Path(__file__).resolve().parents[1] / "bad"
ZTF = Columns(id="objectId", time="mjd", err="magerr", band="filtercode")


def star(n: int = 6) -> dict[str, np.ndarray]:
    t = np.arange(n, dtype=float)
    return {"time": t, "mag": 14 + 0.1 * np.sin(t), "err": np.full(n, 0.02)}


def test_one_star_files_named_after_the_file(tmp_path: Path) -> None:
    frame = pd.DataFrame(star())
    frame.to_csv(tmp_path / "named.csv", index=False)
    frame.to_csv(tmp_path / "bare.csv", index=False, header=False)
    frame.to_csv(tmp_path / "bare.csv.gz", index=False, header=False)  # compressed
    Table(star()).write(tmp_path / "v1.fits")
    Table({k.upper(): v for k, v in star().items()}).write(tmp_path / "upper.fits.gz")
    for name, stem in (("named.csv", "named"), ("bare.csv", "bare"), ("v1.fits", "v1"),
                       ("upper.fits.gz", "upper"), ("bare.csv.gz", "bare")):
        curves = read_any(str(tmp_path / name))
        assert list(curves.ids) == [stem] and curves.n_points == 6, name
        np.testing.assert_allclose(curves.mag, star()["mag"])


def test_fits_long_table_with_mapped_columns(tmp_path: Path) -> None:
    rows = {"objectId": np.repeat(["a", "b"], 6), "mjd": np.tile(star()["time"], 2),
            "MAG": np.tile(star()["mag"], 2).astype(">f4"), "magerr": np.full(12, 0.02),
            "filtercode": np.tile(["zg", "zr"], 6)}
    Table(rows).write(tmp_path / "ztf.fits")
    curves = read_any(str(tmp_path / "ztf.fits"), reading=ReadConfig(columns=ZTF))
    assert list(curves.ids) == ["a", "a", "b", "b"] and list(curves.bands[:2]) == ["zg", "zr"]
    assert curves.n_points == 12 and curves.mag.dtype == np.float64


@pytest.mark.parametrize(("file", "words"), [
    ("ztf_columns/lightcurves.csv", "expected ['time', 'mag']"),
    ("empty_table/lightcurves.csv", ":1: empty file"),
    ("corrupt_parquet/lightcurves.parquet", "ArrowInvalid"),
    ("fits_image/lightcurves.fits", "No table found"),
    ("flux/lightcurves.csv", "look like fluxes"),
    ("per_star/text_in_numbers.csv", ":3: column 2 (mag): 'abc' is not a number"),
])
def test_unreadable_input_is_one_line_naming_the_file(file: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        read_any(str(BAD / file))
    message = str(caught.value)
    assert message.startswith(str(BAD / file)) and words in message
    assert "\n" not in message


def test_a_folder_reads_like_prepare_with_columns_and_flux() -> None:
    with pytest.raises(InputError, match=r"ztf_columns/lightcurves\.csv: found columns"):
        read_any(str(BAD / "ztf_columns"))
    curves = read_any(str(BAD / "ztf_columns"), reading=ReadConfig(columns=ZTF))
    assert sorted(set(curves.labels)) == ["EB", "RR"]  # labels.csv keeps objectId,class
    report = DropReport()
    spec, folder = resolve(str(BAD / "flux"))
    flux = read_dataset(spec, folder, report, ReadConfig(flux=True, zero_point=25.0))
    # A zero and a negative flux of stars about 140 errors bright are failed measurements.
    assert report.points == {"non_positive_flux": 2} and np.isfinite(flux.mag).all()
    assert flux.n_points == 24 and not np.isin([50.1, 50.2], flux.time).any()


def test_columns_name_a_per_star_files_columns_but_never_its_star(tmp_path: Path) -> None:
    """A star's id is its file's name and its class the catalogue's: --columns id=... (a
    table's) is refused for per-star files, naming what it may map there."""
    with pytest.raises(ConfigError, match=r"--columns id=objectId: .*path_catalog holds "
                                          r"per-star files.*time, mag, err, band, flag"):
        read_any(str(BAD / "path_catalog"), reading=ReadConfig(columns=ZTF))
    (tmp_path / "s1.csv").write_text("HJD,V,eV,Q\n1,12.0,0.1,0\n2,12.5,0.1,8\n3,12.2,0.1,2\n")
    (tmp_path / "catalog.csv").write_text("filename,class\ns1.csv,RRL\n")
    with pytest.raises(InputError, match=r"s1\.csv:1: the header .* does not name one time "
                                         r"and one mag.*or give --columns time=NAME,mag=NAME"):
        read_any(str(tmp_path))
    mapped = ReadConfig(columns=Columns(mag="V", err="ev", flag="Q", flag_bits=8))
    curves = read_any(str(tmp_path), reading=mapped)  # names matched ignoring case
    assert curves.mag.tolist() == [12.0, 12.2] and curves.err.tolist() == [0.1, 0.1]
    every = ReadConfig(columns=Columns(mag="V", err="eV", flag="Q"))
    assert read_any(str(tmp_path), reading=every).mag.tolist() == [12.0]
    none = ReadConfig(columns=Columns(time="HJD", mag="V", err="eV", flag=""))
    assert read_any(str(tmp_path), reading=none).n_points == 3
    assert read_any(str(tmp_path / "s1.csv"), reading=none).n_points == 3  # as a table
    with pytest.raises(InputError, match=r"has no column 'G' \(--columns mag=G\)"):
        read_any(str(tmp_path), reading=ReadConfig(columns=Columns(mag="G")))
    (tmp_path / "s1.csv").write_text("1,12.0,0.1\n")  # no header to find the names in
    with pytest.raises(InputError, match=r"s1\.csv:1: no header line to find --columns "
                                         r"mag=V,err=eV in"):
        read_any(str(tmp_path), reading=ReadConfig(columns=Columns(mag="V", err="eV")))


def test_a_runs_column_names_apply_to_per_star_files_that_have_them(tmp_path: Path) -> None:
    """At prediction a run trained with --columns mag=V reads V, not another column called
    mag; a file without those names (or without a header) is read as without them, and a
    table's id is never a per-star file's."""
    (tmp_path / "s1.csv").write_text("HJD,V,mag,eV,Q\n1,12.0,17.0,0.1,0\n2,12.5,17.5,0.1,8\n")
    (tmp_path / "s2.dat").write_text("3 11.0 0.2\n4 11.5 0.2\n")  # by position
    run = ReadConfig(columns=Columns(id="objectId", mag="V", err="eV", flag="Q"))
    curves = read_any(str(tmp_path), reading=run, columns_if_table=True)
    assert list(curves.ids) == ["s1", "s2"]
    assert curves.mag.tolist() == [12.0, 11.0, 11.5] and curves.err.tolist() == [0.1, 0.2, 0.2]
    assert read_any(str(tmp_path / "s1.csv"), reading=run, columns_if_table=True,
                    ).mag.tolist() == [12.0]
    with pytest.raises(ConfigError, match=r"--columns class=type: "):  # the user's, refused
        read_any(str(tmp_path), reading=ReadConfig(columns=Columns(label="type")))


def test_ecsv_and_votable_are_tables_not_one_stars_text(tmp_path: Path) -> None:
    """An ECSV's '# %ECSV' lines and header do not make it one star's text file, its id
    column ignored (two stars read as one); a VOTable's XML is read for its columns."""
    rows = {"id": np.repeat(["a", "b"], 6), **{k: np.tile(v, 2) for k, v in star().items()}}
    for name, form in (("two.ecsv", "ascii.ecsv"), ("two.vot", "votable"),
                       ("two.xml", "votable")):
        Table(rows).write(tmp_path / name, format=form)
        curves = read_any(str(tmp_path / name))
        assert list(curves.ids) == ["a", "b"] and curves.n_points == 12, name
    Table(star()).write(tmp_path / "v2.ecsv")
    assert list(read_any(str(tmp_path / "v2.ecsv")).ids) == ["v2"]


@pytest.mark.parametrize("name", ["lc.json", "lc.feather", "lc.h5", "lc.hdf5",
                                  "lc.parquet.gz", "lc.npy"])
def test_an_unsupported_format_is_named_not_parsed_as_text(tmp_path: Path, name: str) -> None:
    pd.DataFrame({"id": ["a"], **{k: v[:1] for k, v in star().items()}}).to_json(tmp_path / name)
    with pytest.raises(InputError) as caught:
        read_any(str(tmp_path / name))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / name}: unsupported table format")
    assert "ECSV (.ecsv" in message and "header" not in message and "\n" not in message


@pytest.mark.parametrize("suffix", [".csv.bz2", ".csv.xz"])
def test_compressed_csv_with_or_without_a_header(tmp_path: Path, suffix: str) -> None:
    """As pandas reads them: a long table with a header, one star's file without."""
    frame = pd.DataFrame(star())
    frame.assign(id="s1").to_csv(tmp_path / f"named{suffix}", index=False)
    frame.to_csv(tmp_path / f"bare{suffix}", index=False, header=False)
    assert list(read_any(str(tmp_path / f"named{suffix}")).ids) == ["s1"]
    bare = read_any(str(tmp_path / f"bare{suffix}"))
    assert list(bare.ids) == ["bare"] and bare.n_points == 6


def test_a_fits_file_of_two_light_curve_hdus_is_one_line(tmp_path: Path) -> None:
    from astropy.io import fits

    hdus = [fits.PrimaryHDU(), fits.BinTableHDU(Table(star()), name="ZG"),
            fits.BinTableHDU(Table(star()), name="ZR")]
    fits.HDUList(hdus).writeto(tmp_path / "ztf.fits")
    with pytest.raises(InputError) as caught:
        read_any(str(tmp_path / "ztf.fits"))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'ztf.fits'}: 2 table HDUs have a time and a mag "
                              f"column: HDU 1 (ZG), HDU 2 (ZR)")
    assert "\n" not in message


def test_a_folder_with_an_ecsv_long_table_and_labels(tmp_path: Path) -> None:
    rows = {"id": np.repeat(["a", "b"], 6), **{k: np.tile(v, 2) for k, v in star().items()}}
    Table(rows).write(tmp_path / "lightcurves.ecsv")
    (tmp_path / "labels.csv").write_text("id,class\na,RR\nb,EB\n")
    curves = read_any(str(tmp_path))
    assert list(curves.ids) == ["a", "b"] and list(curves.labels) == ["RR", "EB"]


def test_one_stars_file_with_a_fourth_column_is_counted(tmp_path: Path) -> None:
    (tmp_path / "s.dat").write_text("1 12.1 0.1 0\n2 12.2 0.1 4\n")
    report = DropReport()
    assert read_any(str(tmp_path / "s.dat"), report=report).n_points == 2
    assert report.events["extra_columns_not_read"] == 1


def test_a_one_star_csv_may_name_its_columns_as_a_per_star_file(tmp_path: Path) -> None:
    """A lone CSV 'HJD,MAG,ERR' reads as the same file in a folder (or named .dat) does,
    not refused for a missing 'time' column: the per-star names hold for it too."""
    values = star()
    rows = "".join(f"{t},{m},{e}\n" for t, m, e in zip(*values.values(), strict=True))
    (tmp_path / "hdr1.csv").write_text("HJD,MAG,ERR\n" + rows)
    (tmp_path / "any_order.csv").write_text("sigma,mjd,magnitude\n" + "".join(
        f"{e},{t},{m}\n" for t, m, e in zip(*values.values(), strict=True)))
    for name in ("hdr1.csv", "any_order.csv"):
        curves = read_any(str(tmp_path / name))
        assert list(curves.ids) == [name[:-4]] and curves.n_points == 6, name
        np.testing.assert_allclose(curves.mag, values["mag"])
        np.testing.assert_allclose(curves.err, values["err"])
    folder = read_any(str(tmp_path))
    np.testing.assert_array_equal(folder.time[:6], read_any(str(tmp_path / "any_order.csv")).time)
    # A trained run's own column names (for its tables) do not stop it either.
    assert read_any(str(tmp_path / "hdr1.csv"), reading=ReadConfig(columns=ZTF),
                    columns_if_table=True).n_points == 6
    # Names the user gives are how it is read, and must be there.
    mapped = ReadConfig(columns=Columns(time="HJD", mag="MAG", err="ERR"))
    assert read_any(str(tmp_path / "hdr1.csv"), reading=mapped).n_points == 6
    with pytest.raises(InputError, match=r"the header \['HJD', 'MAG', 'ERR'\] has no column "
                                         r"'t0' \(--columns time=t0\)"):
        read_any(str(tmp_path / "hdr1.csv"), reading=ReadConfig(columns=Columns(time="t0")))


def test_a_one_star_csv_with_a_band_column_is_that_stars_bands(tmp_path: Path) -> None:
    """As in a folder: ZTF's g and r rows of one star are two curves, never mixed."""
    path = tmp_path / "ZTF18abc.csv"
    path.write_text("mjd,mag,magerr,filtercode\n1.0,15.2,0.02,zg\n1.1,14.7,0.02,zr\n"
                    "2.0,15.3,0.02,zg\n")
    curves = read_any(str(path))
    assert list(zip(curves.ids, curves.bands, strict=True)) == [("ZTF18abc", "zg"),
                                                                ("ZTF18abc", "zr")]
    np.testing.assert_array_equal(curves.mag, [15.2, 15.3, 14.7])
    # IRSA's own columns: hjd over mjd, catflags applied (a star's every row flagged: empty).
    path.write_text("hjd,mjd,mag,magerr,catflags\n2458001.5,58001.0,15.2,0.02,0\n"
                    "2458001.6,58001.1,14.7,0.02,32768\n")
    report = DropReport()
    curves = read_any(str(path), report=report)
    assert curves.time.tolist() == [2458001.5] and report.points == {"flagged": 1}
    path.write_text("hjd,mag,catflags\n2458001.6,14.7,32768\n")
    assert read_any(str(path), report=DropReport()).n_points == 0


def test_a_table_with_a_column_of_its_own_is_not_one_stars_file(tmp_path: Path) -> None:
    """ZTF's objectId is a star id under another name: read as one star's file, its stars
    would be one; it stays refused with the --columns hint."""
    path = tmp_path / "ztf.csv"
    path.write_text("objectId,mjd,mag,magerr\nZTF1,1.0,14.0,0.1\nZTF2,1.0,15.0,0.1\n")
    with pytest.raises(InputError, match=r"missing \['time'\]: map yours with --columns "
                                         r"time=mjd,err=magerr, and id=objectId if it holds "
                                         r"several stars \(names guessed"):
        read_any(str(path))

    # AAVSO's downloads name the star in "Star Name": several stars joined in one file were
    # read as one star (their points merged, those at a shared JD dropped); one star's
    # download is still that star's file.
    path = tmp_path / "aavso.csv"
    path.write_text('"JD","Magnitude","Uncertainty","Star Name"\n'
                    '"2450000.1","7.1","0.1","R Leo"\n"2450000.1","9.3","0.1","R Hya"\n')
    aavso = ReadConfig(columns=Columns(time="JD", err="Uncertainty"))
    with pytest.raises(InputError, match=r"and id=Star Name if it holds several stars"):
        read_any(str(path), reading=aavso)
    path.write_text('"JD","Magnitude","Uncertainty","Star Name"\n'
                    '"2450000.1","7.1","0.1","R Leo"\n"2450001.1","7.3","0.1","R Leo"\n')
    assert read_any(str(path), reading=aavso).n_stars == 1


TAP = "fieldid,tileid,seqn,obsid,dateobs,rmag,rerr,bmag,berr,rcut,bcut,ramp,bamp\n"


def _tap(path: Path, seq: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TAP + "".join(f"1,3441,{seq},{k},{48823.5 + k},-9.{k},0.01,-8.1,0.02,1,1,"
                                  f"5,5\n" for k in range(4)))


def test_macho_files_without_their_catalogue_are_read_unlabelled(tmp_path: Path) -> None:
    """A folder of LC_f.t.s.csv files whose catalog.csv is elsewhere (macho_samples/tap)
    is read unlabelled, not refused file by file with all 37 names of the archive's header."""
    tap = tmp_path / "tap"
    _tap(tap / "LC_1.3441.15.csv", 15)
    _tap(tap / "LC_1.3441.16.csv", 16)
    (tap / "README.md").write_text("query output\n")
    report = DropReport()
    curves = read_any(str(tap), report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("1.3441.15", "R"), ("1.3441.15", "B"), ("1.3441.16", "R"), ("1.3441.16", "B")]
    assert curves.labels is None and report.problems == [] and curves.n_points == 16
    one = read_any(str(tap / "LC_1.3441.16.csv"))
    assert list(one.ids) == ["1.3441.16"] * 2 and list(one.bands) == ["R", "B"]
    with pytest.raises(ConfigError, match="MACHO archive files"):
        read_any(str(tap), reading=ReadConfig(columns=ZTF))


def test_a_macho_file_among_star_files_is_one_short_line(tmp_path: Path) -> None:
    _tap(tmp_path / "LC_1.3441.15.csv", 15)
    (tmp_path / "LC_mine.csv").write_text("time,mag\n1,12.0\n2,12.1\n")  # a user's own
    (tmp_path / "s.dat").write_text("1 12.0\n2 12.1\n")
    report = DropReport()
    curves = read_any(str(tmp_path), report=report)
    assert sorted(curves.ids) == ["LC_mine", "s"]
    assert report.problems == [f"{tmp_path / 'LC_1.3441.15.csv'}:1: {MACHO_FILE}"]
    assert report.curves == {"unreadable_file": 1}


def test_a_long_header_is_listed_in_part(tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    path.write_text(",".join(["id", *(f"c{i}" for i in range(11))]) + "\na,1,2,3,4,5,6,7,8,9,"
                    "10,11\n")
    with pytest.raises(InputError) as caught:
        read_any(str(path))
    assert "found columns ['id', 'c0', 'c1', 'c2', 'c3', 'c4', ... (6 more)]" in str(caught.value)
    assert "c10" not in str(caught.value)


@pytest.mark.realdata
def test_the_macho_samples_tap_folder_alone(data_root: Path) -> None:
    report = DropReport()
    curves = read_any(str(data_root / "macho_samples" / "tap"), report=report)
    assert report.problems == [] and curves.n_curves == 30 and set(curves.bands) == {"R", "B"}


@pytest.mark.parametrize("suffix", sorted(ARCHIVE_SUFFIXES))
def test_every_archive_of_star_files_is_read_as_one(tmp_path: Path, suffix: str) -> None:
    """.tar.xz and .tbz2 are archives too, not one star's text ("not a text file")."""
    files = {f"s{i}.dat": "".join(f"{t}.5 {12 + i}.1 0.02\n" for t in range(12))
             for i in range(2)}
    archive = write_archive(tmp_path / f"stars{suffix}", files)
    lcs = read_any(str(archive))
    assert sorted(pd.unique(lcs.ids)) == ["s0", "s1"]
    assert len(lcs.time) == 24


def test_an_archive_with_its_catalogue_is_read_as_prepare_reads_it(tmp_path: Path) -> None:
    """predict's zip of a folder with its catalog.csv (a Finder or Explorer zip): labelled, and
    what the catalogue does not list (Thumbs.db, desktop.ini) is skipped, not unreadable."""
    rows = "".join(f"{t}.5,{12 + t % 3}.1,0.02\n" for t in range(12))
    files = {"My Stars/catalog.csv": "filename,class\na.csv,Mira\nb.csv,RRab\n",
             "My Stars/a.csv": rows, "My Stars/b.csv": rows,
             "My Stars/Thumbs.db": b"\xd0\xcf\x11\xe0\x00\x00", "My Stars/desktop.ini": b"\x00"}
    archive = write_archive(tmp_path / "My Stars.zip", files)
    report = DropReport()
    lcs = read_any(str(archive), report=report)
    spec, folder = resolve(str(archive))
    prepared = read_dataset(spec, folder, DropReport())
    assert list(lcs.labels) == list(prepared.labels) == ["Mira", "RRab"]
    assert report.problems == [] and report.curves["unreadable_file"] == 0


def test_a_catalogue_given_for_light_curves_points_at_its_folder(tmp_path: Path) -> None:
    path = tmp_path / "catalog.csv"
    path.write_text("filename,class,band\nI/a.dat,,I\n")
    with pytest.raises(InputError, match=r"catalog.csv: a catalogue of per-star files "
                                         r"\(columns \['filename', 'class', 'band'\]\), not "
                                         r"light curves: give its folder"):
        read_any(str(path))
    # A table with a path column and light-curve columns is still a table.
    path.write_text("id,path,mjd,mag\na,x.fits,1.0,15.0\na,x.fits,2.0,15.1\n")
    assert read_any(str(path), reading=ReadConfig(columns=Columns(time="mjd"))).n_points == 2


def test_a_compressed_star_file_is_named_as_in_a_folder(tmp_path: Path) -> None:
    import gzip

    with gzip.open(tmp_path / "OGLE-1.dat.gz", "wt") as out:
        out.write("1 15.0 0.01\n2 15.1 0.01\n")
    assert list(read_any(str(tmp_path / "OGLE-1.dat.gz")).ids) == ["OGLE-1"]


def test_a_lone_file_without_star_ids_is_read_as_in_a_folder(tmp_path: Path) -> None:
    """A ZTF light-curve download (oid, hjd and mjd, catflags, filtercode and more) and a
    Kepler-like FITS (TIME, PDCSAP_FLUX, SAP_QUALITY) given alone are read as the same file
    in a folder is: their time and flag columns found, their flagged rows dropped. As tables
    they would be refused for a missing 'time', or keep the flagged rows."""
    from astropy.io import fits

    ztf = tmp_path / "ztf" / "ztf_lc_633.csv"
    ztf.parent.mkdir()
    rows = ("oid,expid,hjd,mjd,mag,magerr,catflags,filtercode,ra,dec\n"
            "633,1,2458202.1,58201.6,14.8,0.02,0,zg,150.1,2.2\n"
            "633,2,2458203.1,58202.6,14.9,0.02,32768,zg,150.1,2.2\n"
            "633,3,2458204.1,58203.6,14.5,0.02,0,zr,150.1,2.2\n"
            "633,4,2458205.1,58204.6,14.6,0.02,0,zr,150.1,2.2\n")
    ztf.write_text(rows)
    kepler = tmp_path / "kepler" / "kplr0001_llc.fits"
    kepler.parent.mkdir()
    table = Table({"TIME": np.arange(6.0), "PDCSAP_FLUX": np.full(6, 1000.0),
                   "PDCSAP_FLUX_ERR": np.full(6, 5.0),
                   "SAP_QUALITY": np.array([0, 0, 128, 0, 0, 0], dtype=np.int32)})
    fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU(table)]).writeto(kepler)
    flux = ReadConfig(columns=Columns(mag="PDCSAP_FLUX", err="PDCSAP_FLUX_ERR"), flux=True,
                      zero_point=25.0)
    runs_ztf = Columns(id="objectId", band="filtercode")  # a run's names for its own tables
    for path, reading, runs in ((ztf, ReadConfig(), runs_ztf), (kepler, flux, flux.columns)):
        alone, report = read_any(str(path), reading=reading), DropReport()
        folder = read_any(str(path.parent), reading=reading, report=report)
        assert set(alone.ids) == set(folder.ids) == {path.name.split(".")[0]}
        np.testing.assert_array_equal(alone.time, folder.time)
        assert alone.n_points == folder.n_points == (3 if path is ztf else 5)
        assert report.points["flagged"] == 1
        # At prediction, with a run's own column names for its tables: the same.
        new = read_any(str(path), reading=reading.replace(columns=runs), columns_if_table=True)
        np.testing.assert_array_equal(new.time, folder.time)
    assert sorted(read_any(str(ztf)).bands) == ["zg", "zr"]
    assert read_any(str(ztf)).time.min() == 2458202.1  # hjd over mjd, as in a folder
    # Two oids at one position: one star's filters (ZTF gives each its own oid), as in a
    # folder. Two oids a degree apart: two stars, which only --columns id= can say: a table,
    # refused without it.
    same = tmp_path / "same_place.csv"
    same.write_text(rows.replace("633,3,", "634,3,").replace("633,4,", "634,4,"))
    assert set(read_any(str(same)).ids) == {"same_place"}
    two = tmp_path / "two_oids.csv"
    two.write_text(rows.replace("633,3,", "634,3,").replace("633,4,", "634,4,")
                   .replace("zr,150.1", "zr,151.1"))
    with pytest.raises(InputError, match=r"missing \['time'\]"):
        read_any(str(two))
    assert set(read_any(str(two), reading=ReadConfig(columns=Columns(
        id="oid", time="hjd", err="magerr", band="filtercode", flag="catflags"))).ids) == {
        "633", "634"}


def test_a_mag_unit_astropy_does_not_know_is_said(tmp_path: Path) -> None:
    """A unit astropy does not parse (SuperWASP's "microVega"): the values are read as they
    are, and the report says so (a zero point for Jy does not put them on any magnitude
    scale). Kepler's and TESS's "e-/s", which astropy does not parse either, is a flux: read
    with --flux without a word, refused without it (not counted as not understood)."""
    from astropy.io import fits

    def written(unit: str) -> str:
        table = Table({"TIME": np.arange(5.0), "FLUX": np.full(5, 1000.0),
                       "FLUX_ERR": np.ones(5)})
        hdu = fits.BinTableHDU(table)
        hdu.header["TUNIT2"] = unit
        hdu.header["TUNIT3"] = unit
        path = tmp_path / f"k{len(unit)}.fits"
        fits.HDUList([fits.PrimaryHDU(), hdu]).writeto(path, overwrite=True)
        return str(path)

    fluxes = ReadConfig(columns=Columns(mag="FLUX", err="FLUX_ERR"), flux=True,
                        zero_point=25.0)
    report = DropReport()
    curves = read_any(written("microVega"), report=report, reading=fluxes)
    assert curves.n_points == 5 and report.events[UNKNOWN_UNIT] == 1
    report = DropReport()
    curves = read_any(written("e-/s"), report=report, reading=fluxes)
    assert curves.n_points == 5 and not report.events[UNKNOWN_UNIT]
    assert np.allclose(curves.mag, 25.0 - 2.5 * np.log10(1000.0), atol=0.01)
    with pytest.raises(InputError, match=r"give --flux"):
        read_any(written("e-/s"), reading=ReadConfig(columns=Columns(mag="FLUX",
                                                                      err="FLUX_ERR")))


def test_one_position_is_within_two_arcseconds_across_ra_zero() -> None:
    from lcformer.data.reading.positions import one_position as _one_position

    near_zero = pd.Series([359.9999, 0.0001, 0.0])  # 0.72" apart at the equator
    assert _one_position(near_zero, pd.Series([0.0, 0.0, 0.0]))
    assert not _one_position(pd.Series([10.0, 10.002]), pd.Series([0.0, 0.0]))  # 3.6" off
    assert _one_position(pd.Series([10.0, 10.004]), pd.Series([89.99, 89.99]))  # near a pole
    assert not _one_position(pd.Series([10.0, np.nan]), pd.Series([0.0, 0.0]))


def test_bands_differing_only_in_case_are_read_apart_and_said(tmp_path: Path) -> None:
    """Gaia's G is not SDSS's g, so case is kept; but b beside B in one table may be a typo
    that halves every star (half the points dropped as bands the model lacks)."""
    rows = "id,time,mag,band\n" + "".join(
        f"s,{t},{12 + 0.01 * t},{band}\n" for t, band in enumerate("BbRrBbRr"))
    (tmp_path / "mixed.csv").write_text(rows)
    with pytest.warns(UserWarning, match=r"mixed.csv: bands B, R, b, r differ only in case"):
        curves = read_any(str(tmp_path / "mixed.csv"))
    assert sorted(curves.bands) == ["B", "R", "b", "r"]


#: IRSA's IPAC table of several stars, its id declared double though it holds text.
IPAC_STARS = ("\\fixlen = T\n"
              "|   id|      mjd| w1mpro| w1sigmpro| w2mpro| w2sigmpro|\n"
              "|double|   double| double|    double| double|    double|\n"
              "  NW1   56707.39  10.099      0.018  10.021       null \n"
              "  NW1   56707.45  10.173      0.019  10.105      0.020 \n"
              "  NW2   56707.50  12.000       null  11.500      0.030 \n")
TWO_BANDS = ReadConfig(columns=Columns(time="mjd").replace(**Columns.parse(
    "mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro")))


def test_a_folder_of_an_ipac_long_table_and_labels_is_read(tmp_path: Path) -> None:
    """lightcurves.tbl + labels.csv is a long table and its labels, not a light curve whose
    reason (a long table is lightcurves.parquet/.csv/.fits) only --debug shows."""
    (tmp_path / "lightcurves.tbl").write_text(IPAC_STARS)
    (tmp_path / "labels.csv").write_text("id,class\nNW1,RRab\nNW2,EB\n")
    curves = read_any(str(tmp_path), reading=TWO_BANDS)
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("NW1", "W1", "RRab"), ("NW1", "W2", "RRab"), ("NW2", "W1", "EB"), ("NW2", "W2", "EB")]
    np.testing.assert_array_equal(curves.curve(1)[2], [np.nan, 0.020])  # IPAC's null
    assert resolve(str(tmp_path / "lightcurves.tbl"))[0].long_table  # prepare, train take it


def test_a_lone_ipac_table_of_several_stars_is_a_long_table(tmp_path: Path) -> None:
    """Not one star's file naming several stars ("give such a table as a file of its own",
    which it is)."""
    path = tmp_path / "all.tbl"
    path.write_text(IPAC_STARS)
    curves = read_any(str(path), reading=TWO_BANDS)
    assert sorted(set(curves.ids)) == ["NW1", "NW2"] and curves.n_curves == 4
    one = tmp_path / "NW1.tbl"  # one star's file with an id column: one star's
    one.write_text("".join(IPAC_STARS.splitlines(keepends=True)[:5]))
    reading = ReadConfig(columns=Columns(mag="w1mpro", err="w1sigmpro"))
    with pytest.warns(UserWarning, match="another band"):
        assert list(read_any(str(one), reading=reading).ids) == ["NW1"]


def test_a_lone_crts_file_reads_as_its_folder_reads_it(tmp_path: Path) -> None:
    """A CRTS download names its star in MasterID, beside MJD, Mag and Magerr. Its folder is
    read, so the file alone is no table without a 'time' column: an id column
    naming one star, in a file a table's columns do not fit, is one star's file."""
    values = star()
    rows = "".join(f"1017187173788,{m},{e},17.1,31.5,{t},0\n"
                   for t, m, e in zip(*values.values(), strict=True))
    header = "MasterID,Mag,Magerr,RA,Dec,MJD,Blend\n"
    (tmp_path / "1017187173788.csv").write_text(header + rows)
    alone = read_any(str(tmp_path / "1017187173788.csv"))
    folder = read_any(str(tmp_path))
    assert list(alone.ids) == list(folder.ids) == ["1017187173788"]
    np.testing.assert_array_equal(alone.time, folder.time)
    np.testing.assert_allclose(alone.mag, values["mag"])
    np.testing.assert_allclose(alone.err, values["err"])
    # Two stars' rows in one such file stay a table, refused without --columns id=.
    (tmp_path / "two.csv").write_text(header + rows + rows.replace("1017187173788", "42"))
    with pytest.raises(InputError, match=r"--columns time=MJD.*id=MasterID"):
        read_any(str(tmp_path / "two.csv"))
    # One star's file with a table's own columns stays a table, its star named by the id.
    (tmp_path / "mine.csv").write_text("id,time,mag\nV1,1.0,12.0\nV1,2.0,12.1\n")
    assert list(read_any(str(tmp_path / "mine.csv")).ids) == ["V1"]


def test_a_survey_id_of_several_stars_keeps_a_lone_file_a_table(tmp_path: Path) -> None:
    """A field name in 'target' (one value) beside three ZTF oids: read as one star's
    file, it would pool the three stars; it stays a table, refused without --columns."""
    rows = ["target,oid,mjd,mag"] + [f"M31_field,{o},{t},{12 + 0.1 * t}"
                                     for o in (1, 2, 3) for t in range(30)]
    (tmp_path / "cone.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"missing \['time'\]"):
        read_any(str(tmp_path / "cone.csv"))


def test_a_surveys_own_object_id_keeps_a_lone_file_a_table(tmp_path: Path) -> None:
    """LINEAR's long table (LINEARobjectID, MJD, mag, magerr) of 240 stars is no one
    star's file. A name ending as an object id does what a
    survey's id does, and the refusal proposes it."""
    rows = ["LINEARobjectID,MJD,mag,magerr"] + [f"{o},{53000 + t},{15 + 0.1 * t},0.02"
                                                for o in (10032479, 10053636) for t in range(30)]
    (tmp_path / "linear.csv").write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match=r"map yours with --columns time=MJD,err=magerr, "
                                         r"and id=LINEARobjectID if it holds several stars"):
        read_any(str(tmp_path / "linear.csv"))
    lcs = read_any(str(tmp_path / "linear.csv"), reading=ReadConfig(
        columns=Columns(id="LINEARobjectID", time="MJD", err="magerr")))
    assert sorted(lcs.ids) == ["10032479", "10053636"] and lcs.n_points == 60
    (tmp_path / "one.csv").write_text("\n".join(rows[:31]) + "\n")  # one star: its file
    assert read_any(str(tmp_path / "one.csv")).n_points == 30


def test_pan_starrs_names_lose_to_a_files_own_band_and_time(tmp_path: Path) -> None:
    """filterID and obsTime name a band and a time only where nothing else does: a star's
    file with filter and filterID, or mjd and obsTime, reads as it did before them."""
    (tmp_path / "a.csv").write_text("mjd,obsTime,mag\n1.0,1.0,12.0\n2.0,2.0,12.1\n")
    (tmp_path / "b.csv").write_text("mjd,mag,filter,filterID\n1.0,12.0,g,1\n2.0,12.1,r,2\n"
                                    "3.0,12.2,g,1\n")
    assert read_any(str(tmp_path / "a.csv")).n_points == 2
    assert sorted(read_any(str(tmp_path / "b.csv")).bands) == ["g", "r"]
    (tmp_path / "c.csv").write_text("obsTime,mag,filterID\n1.0,12.0,g\n2.0,12.1,r\n")
    assert sorted(read_any(str(tmp_path / "c.csv")).bands) == ["g", "r"]  # theirs alone


def test_one_large_table_file_is_said_to_be_read_whole(tmp_path, monkeypatch) -> None:
    """A table file of a GB or more is read whole, into several times its size in memory,
    where a folder of partitions is read one at a time: said, by predict and prepare alike;
    a smaller file, or a partition, is not."""
    from lcformer.data import datasets
    from lcformer.data.reading import files

    path = tmp_path / "big.csv"
    path.write_text("id,time,mag\n" + "".join(f"s{i % 3},{i}.0,12.{i}\n" for i in range(30)))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read_any(str(path))  # small: nothing said
    monkeypatch.setattr(files, "LARGE_TABLE_BYTES", path.stat().st_size)
    for read in (lambda: read_any(str(path)),
                 lambda: datasets._long_table(path, DropReport())):
        with pytest.warns(UserWarning, match=r"big.csv: one table file of 0.00 GB is read whole, "
                                             r"into several times its size in memory"):
            assert read().n_stars == 3
    # Its partitions are not, however large: each is read alone.
    parts = tmp_path / "parts"
    parts.mkdir()
    pd.read_csv(path).to_parquet(parts / "part.0.parquet")
    monkeypatch.setattr(files, "LARGE_TABLE_BYTES", 1)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        assert read_any(str(parts)).n_stars == 3
    # Compressed (or Parquet), a quarter of the size is said: it unpacks to several times it.
    packed = tmp_path / "big.csv.gz"
    packed.write_bytes(gzip.compress(path.read_bytes()))
    monkeypatch.setattr(files, "LARGE_TABLE_BYTES", 4 * packed.stat().st_size)
    with pytest.warns(UserWarning, match=r"big.csv.gz: one table file of 0.00 GB \(compressed\)"):
        read_any(str(packed))
    assert files.LARGE_TABLE_BYTES > path.stat().st_size  # the plain file: below it

