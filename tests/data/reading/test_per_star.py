"""One file per star: file formats, catalogue matching, archives, problems, real data."""

from __future__ import annotations

import gzip
import io
import tarfile
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.data.reading import read_catalogue_folder, read_folder, read_long_table
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.files import FileProblem
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES
from lcformer.data.reading.star_file import parse_columns, parse_curves
from lcformer.data.report import DropReport
from lcformer.errors import InputError
from tests.data.reading.archives import write_archive

# Headerless files with a column past time, mag, err (fixtures of other tests) warn once;
# test_per_star.py checks that warning itself.
pytestmark = pytest.mark.filterwarnings("ignore:files without a header are read")

FILES = {
    "stars/215153.dat": "1.0,10.0,0.1\n2.0,10.5,0.1\n3.0,10.2,0.2\n",
    "stars/215181.dat": "# ASAS star\n# t mag err\n1.5 9.0 0.05\n2.5   9.1 0.06\n",
    "stars/300000.dat": "t,mag\n1,12\n2,12.5\n3,12.4\n4,12.6\n",
    "stars/300001.dat": "1 11 0.1 7 x\n2 11.5 0.1 8 y\n",  # extra columns: not read, counted
}
CATALOGUE = "filename,class\n215153,Mira\nstars/215181.dat,RR_Lyrae_FM\n300000.dat,Mira\n"


def _write(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(text)


def test_catalogue_folder_matches_by_stem_and_path(tmp_path: Path) -> None:
    _write(tmp_path, FILES)
    (tmp_path / "catalog.csv").write_text(CATALOGUE)
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(curves.ids) == ["215153", "215181", "300000", "300001"]
    assert list(curves.labels) == ["Mira", "RR_Lyrae_FM", "Mira", ""]
    assert list(curves.lengths) == [3, 2, 4, 2]
    assert np.isnan(curves.curve(2)[2]).all()  # 2 columns: unknown errors
    # catalog.csv itself is not a star; 300001.dat's 4th and 5th columns are not read
    # (215181.dat's comment "# t mag err" names what it holds by position: not counted).
    assert report.events == Counter(not_in_catalogue=1, extra_columns_not_read=1)
    assert report.problems == []


def test_missing_and_bad_files(tmp_path: Path) -> None:
    _write(tmp_path, {"a.dat": "1,2,3\n2,3,4\n", "b.dat": "1,2,3\n2,oops,4\n", "c.dat": ""})
    catalogue = tmp_path / "cat.csv"
    catalogue.write_text("filename,class\na,X\nb,Y\nc,Z\nd,W\n")
    report = DropReport()
    curves = read_catalogue_folder(catalogue, tmp_path, report=report)
    assert list(curves.ids) == ["a"]
    assert report.curves == Counter(unreadable_file=1, empty_file=1, missing_file=1)
    assert f"{tmp_path}/b.dat:2: column 2 (mag): 'oops' is not a number" in report.problems
    assert f"{catalogue}:5: file 'd' not found in {tmp_path}" in report.problems
    with pytest.raises(InputError, match=r"b\.dat:2"):
        read_catalogue_folder(catalogue, tmp_path)


def test_catalogue_without_named_columns_raises(tmp_path: Path) -> None:
    (tmp_path / "cat.csv").write_text("file,type\na,X\n")
    with pytest.raises(InputError, match=r"expected 'filename' \(or 'path'\) \(and 'class' to "
                                         r"train\)"):
        read_catalogue_folder(tmp_path / "cat.csv", tmp_path, report=DropReport())
    curves = read_catalogue_folder(tmp_path / "cat.csv", tmp_path, filename_column="file",
                                   class_column="type", report=DropReport())
    assert curves.n_curves == 0
    # Without a class column (new stars, to classify) it labels none.
    _write(tmp_path, {"I/a.dat": FILES["stars/215153.dat"]})
    (tmp_path / "cat.csv").write_text("filename,band\nI/a.dat,I\n")
    curves = read_catalogue_folder(tmp_path / "cat.csv", tmp_path, report=DropReport())
    assert list(zip(curves.ids, curves.bands, strict=True)) == [("a", "I")]
    assert curves.labels is None  # training says "no labels", not only "no_label" counts


@pytest.mark.parametrize("suffix", sorted(ARCHIVE_SUFFIXES))
def test_archives_read_in_memory(tmp_path: Path, suffix: str) -> None:
    archive = write_archive(tmp_path / f"lcs{suffix}", FILES)
    catalogue = tmp_path / "cat.csv"
    catalogue.write_text(CATALOGUE)
    curves = read_catalogue_folder(catalogue, archive, report=DropReport())
    assert list(curves.ids) == ["215153", "215181", "300000", "300001"]
    assert not any(tmp_path.glob("stars"))  # nothing extracted
    assert read_folder(archive).n_curves == 4


def test_an_archive_of_a_folder_with_its_catalogue(tmp_path: Path) -> None:
    """`tar -C folder .` names its members ./stars/...: they are not hidden files; and the
    catalogue in it is not a star (read_folder reads new stars, unlabelled)."""
    archive = tmp_path / "lcs.tar.gz"
    with tarfile.open(archive, "w:gz") as handle:
        for rel, text in FILES.items() | {"catalog.csv": CATALOGUE}.items():
            info = tarfile.TarInfo(f"./{rel}")
            info.size = len(text.encode())
            handle.addfile(info, io.BytesIO(text.encode()))
    report = DropReport()
    curves = read_folder(archive, report=report)
    assert sorted(curves.ids) == ["215153", "215181", "300000", "300001"]
    assert report.problems == [] and report.events == Counter(skipped_non_data_file=1,
                                                              extra_columns_not_read=1)


def test_the_catalogues_of_a_folder_or_archive_shallowest_first(tmp_path: Path) -> None:
    """Every catalog.csv, the shallowest read, but in hidden folders and in folders whose
    name starts with _ (set aside, as files_source and Parquet partitions take them)."""
    from lcformer.data.reading.per_star import archive_catalogue, catalogues_in

    files = {"south/catalog.csv": CATALOGUE, "north/catalog.csv": CATALOGUE,
             "catalog.csv": CATALOGUE, ".old/catalog.csv": CATALOGUE,
             "_old/catalog.csv": CATALOGUE, "a/_b/catalog.csv": CATALOGUE, **FILES}
    _write(tmp_path / "folder", files)
    expected = ["catalog.csv", "north/catalog.csv", "south/catalog.csv"]  # not .old/, _old/
    for suffix in (".zip", ".tar.gz"):
        archive = write_archive(tmp_path / f"lcs{suffix}", files)
        assert catalogues_in(archive) == expected
        assert archive_catalogue(archive) == "catalog.csv"
    assert catalogues_in(tmp_path / "folder") == expected
    assert catalogues_in(write_archive(tmp_path / "none.zip", FILES)) == []
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not a zip")
    assert catalogues_in(tmp_path / "broken.zip") == []  # reading it says what is wrong


def test_copies_of_the_catalogue_are_counted_not_read_and_set_aside_ones_too(
        tmp_path: Path) -> None:
    """A folder with backup/catalog.csv, or _old/catalog.csv, identical to its own is not
    refused, nor the copy counted as unreadable_file_not_in_catalogue: a copy labels as the
    catalogue does, and is said."""
    same = CATALOGUE.replace("\n", "\r\n").replace(",", ", ")  # other line ends, spaces
    _write(tmp_path, FILES | {"catalog.csv": CATALOGUE, "backup/catalog.csv": same,
                              "_old/catalog.csv": "filename,class\n215153,Other\n"})
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(curves.labels) == ["Mira", "RR_Lyrae_FM", "Mira", ""]
    assert report.events == Counter(identical_catalogue_copy_not_read=1,
                                    catalogue_in_underscore_folder_not_read=1,
                                    not_in_catalogue=1, extra_columns_not_read=1)
    assert not report.problems and not report.curves
    # An archive's own, with the same extracted beside it (as a user unpacks one to look).
    archive = write_archive(tmp_path / "lcs.zip", FILES | {"catalog.csv": CATALOGUE})
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", archive, report=report)
    assert list(curves.labels) == ["Mira", "RR_Lyrae_FM", "Mira", ""]
    assert report.events["identical_catalogue_copy_not_read"] == 1


def test_catalogues_that_differ_are_refused_with_advice_for_their_layout(
        tmp_path: Path) -> None:
    """A loose copy is deleted, not repacked; an archive's own two are joined and repacked;
    an archive's own beside a folder's: the archive given alone, or both joined."""
    other = "filename,class\n215153,Cepheid\n"
    head = ("holds 2 catalogues that differ (catalog.csv, {}): which labels the files cannot "
            "be guessed (only catalog.csv would be read, the other ignored); ")
    folder = tmp_path / "folder"
    _write(folder, FILES | {"catalog.csv": CATALOGUE, "backup/catalog.csv": other})
    with pytest.raises(InputError) as caught:
        read_catalogue_folder(folder / "catalog.csv", folder, report=DropReport())
    assert str(caught.value) == (
        f"{folder}: " + head.format("backup/catalog.csv") + "join into catalog.csv what only "
        "the other says, then delete it (or move it into a folder whose name starts with _, "
        "such as _old/, which is not read)")
    archive = write_archive(tmp_path / "lcs.tar.gz", FILES | {"catalog.csv": CATALOGUE,
                                                             "north/catalog.csv": other})
    with pytest.raises(InputError) as caught:
        read_catalogue_folder(archive / "catalog.csv", archive, report=DropReport())
    assert str(caught.value) == (f"{archive}: " + head.format("north/catalog.csv")
                                 + "join them into one catalog.csv and repack lcs.tar.gz "
                                   "without the other")
    beside = tmp_path / "beside"
    _write(beside, {"catalog.csv": other})
    archive = write_archive(beside / "lcs.zip", FILES | {"catalog.csv": CATALOGUE})
    with pytest.raises(InputError) as caught:
        read_catalogue_folder(beside / "catalog.csv", archive, report=DropReport())
    assert str(caught.value) == (f"{beside}: " + head.format("lcs.zip/catalog.csv")
                                 + f"give {archive} itself to read only its own, or join them "
                                   f"into catalog.csv and repack lcs.zip without its own")


def test_a_catalogue_of_only_a_header_lists_no_file_to_read(tmp_path: Path) -> None:
    """What matters is that it lists no file (predict reads it too, to find the files), not
    that it labels none."""
    _write(tmp_path, FILES | {"catalog.csv": "filename\n"})
    with pytest.raises(InputError) as caught:
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert str(caught.value) == (
        f"{tmp_path / 'catalog.csv'}:1: only a header, no rows: a catalogue that lists no "
        f"file reads no light curve; list its files (filename[,class]), or remove it to "
        f"predict on every file")


def test_read_folder_is_unlabelled_and_skips_docs(tmp_path: Path) -> None:
    _write(tmp_path, FILES | {"README.md": "# notes\n", ".hidden.dat": "1,2\n",
                              "labels.csv": "id,class\n001,RRL\n",  # a table's labels
                              # what predict and prepare may have written there
                              "predictions_problems.txt": "stars/x.dat: cannot read\n",
                              "problems.txt": "stars/x.dat: cannot read\n"})
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert curves.labels is None and curves.n_curves == 4
    assert report.events == Counter(skipped_non_data_file=4, extra_columns_not_read=1,
                                    skipped_hidden_file=1)  # .hidden.dat
    assert not report.problems
    # beside a catalogue of .txt light curves too
    _write(tmp_path / "txt", {"a.txt": FILES["stars/215153.dat"],
                              "predictions_problems.txt": "a.txt: cannot read\n"})
    (tmp_path / "txt" / "catalog.csv").write_text("filename,class\na.txt,Mira\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "txt" / "catalog.csv", tmp_path / "txt",
                                   report=report)
    assert list(curves.ids) == ["a"] and not report.problems
    assert report.events["skipped_non_data_file"] == 1
    assert read_folder(tmp_path, suffix=".xyz").n_curves == 0


def test_files_of_one_name_in_two_folders_are_two_stars(tmp_path: Path) -> None:
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"north/123.dat": star, "south/123.dat": star, "south/9.dat": star})
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(curves.ids) == ["north/123.dat", "south/123.dat", "9"]
    assert curves.n_stars == 3
    assert report.events == Counter(id_is_path_for_files_of_one_name=2)


def test_a_catalogue_name_matching_two_files_is_a_problem_not_a_guess(tmp_path: Path) -> None:
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"north/123.dat": star, "south/123.dat": star})
    (tmp_path / "catalog.csv").write_text("filename,class\n123,RRAB\nsouth/123.dat,ECL\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {
        "south/123.dat": "ECL", "north/123.dat": ""}  # the path given; the other unlabelled
    assert not report.curves  # a problem, but both files are read: nothing lost
    assert report.events["ambiguous_catalogue_entry"] == 1
    assert (f"{tmp_path / 'catalog.csv'}:2: '123' matches 2 files (north/123.dat, "
            f"south/123.dat); give the file's path in {tmp_path}") in report.problems
    # The files of an ambiguous name are read even where no other row names their suffix.
    _write(tmp_path / "csvs", {"a.dat": star, "north/b.csv": star, "south/b.csv": star})
    (tmp_path / "csvs" / "catalog.csv").write_text("filename,class\na.dat,X\nb,Y\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "csvs" / "catalog.csv", tmp_path / "csvs",
                                   report=report)
    assert sorted(curves.ids) == ["a", "north/b.csv", "south/b.csv"]
    assert not report.events["skipped_non_data_file"]
    # A plot beside a star's file is not a second candidate.
    _write(tmp_path / "plots", {"123.dat": star, "123.png": "not a curve"})
    (tmp_path / "plots" / "catalog.csv").write_text("filename,class\n123,RRAB\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "plots" / "catalog.csv", tmp_path / "plots",
                                   report=report)
    assert list(zip(curves.ids, curves.labels, strict=True)) == [("123", "RRAB")]
    assert report.problems == []


def test_a_band_column_makes_files_of_one_name_the_bands_of_one_star(tmp_path: Path) -> None:
    """OGLE's layout: I/NAME.dat and V/NAME.dat, one star in two bands."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"I/OGLE-1.dat": star, "I/OGLE-2.dat": star, "V/OGLE-1.dat": star,
                      "V/OGLE-2.dat": star, "V/OGLE-3.dat": star})
    (tmp_path / "catalog.csv").write_text(
        "filename,class,band\nI/OGLE-1.dat,CEP,I\nI/OGLE-2.dat,RRLYR,I\n"
        "V/OGLE-1.dat,CEP,V\nV/OGLE-2.dat,RRLYR,V\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-1", "I", "CEP"), ("OGLE-1", "V", "CEP"), ("OGLE-2", "I", "RRLYR"),
        ("OGLE-2", "V", "RRLYR"), ("OGLE-3", "V", "")]  # a star's bands side by side; an
    # unlisted file takes its band folder's band
    assert curves.n_stars == 3 and report.problems == []
    (tmp_path / "catalog.csv").write_text(
        "filename,class,band\nI/OGLE-1.dat,CEP,I\nV/OGLE-1.dat,RRLYR,V\n")
    with pytest.raises(InputError, match=r"I/OGLE-1\.dat and V/OGLE-1\.dat, bands of star "
                                         r"OGLE-1, have two classes"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    (tmp_path / "catalog.csv").write_text(
        "filename,class,band,split\nI/OGLE-1.dat,CEP,I,test\nV/OGLE-1.dat,CEP,V,train\n")
    with pytest.raises(InputError, match=r"bands of star OGLE-1, have two splits"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())


ZTF_STAR = ("oid,mjd,mag,magerr,filtercode\n7,58001.5,15.2,0.02,zg\n7,58001.6,14.7,0.02,zr\n"
            "7,58002.5,15.3,0.03,zg\n")  # IRSA's per-object CSV: both bands in one file


def test_a_band_column_in_a_file_splits_it_into_the_stars_bands(tmp_path: Path) -> None:
    """Read as one curve, g and r would be mixed: their magnitudes differ by the colour."""
    curves = parse_curves(ZTF_STAR)
    assert list(curves) == ["zg", "zr"]
    np.testing.assert_array_equal(curves["zg"][0], [58001.5, 58002.5])
    np.testing.assert_array_equal(curves["zg"][1], [15.2, 15.3])
    np.testing.assert_array_equal(curves["zr"][2], [0.02])
    with pytest.raises(FileProblem, match=r"rows in 2 bands \(zg, zr\)"):
        parse_columns(ZTF_STAR)  # one curve asked for
    _write(tmp_path, {"ZTF18a.csv": ZTF_STAR, "ZTF18b.csv": ZTF_STAR.replace("zr", "zg")})
    (tmp_path / "catalog.csv").write_text("filename,class,band\nZTF18a.csv,RRL,V\n"
                                          "ZTF18b.csv,EW,\n")
    report = DropReport()
    labelled = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(labelled.ids, labelled.bands, labelled.labels, strict=True)) == [
        ("ZTF18a", "zg", "RRL"), ("ZTF18a", "zr", "RRL"), ("ZTF18b", "zg", "EW")]
    assert labelled.n_points == 6 and report.problems == []
    assert report.events["extra_columns_not_read"] == 2  # oid; the band column is read
    new = read_folder(tmp_path, report=DropReport())
    assert list(zip(new.ids, new.bands, strict=True)) == [
        ("ZTF18a", "zg"), ("ZTF18a", "zr"), ("ZTF18b", "zg")]
    # Two band columns: which one is meant cannot be guessed.
    with pytest.raises(FileProblem, match=r"names 2 band columns \(filtercode, fid\)"):
        parse_curves("mjd,mag,filtercode,fid\n1,15,zg,1\n")


def test_a_band_whose_rows_are_all_flagged_is_an_empty_curve_not_a_lost_star(tmp_path):
    """Cleaning counts an empty curve and predict lists its star: nothing is lost silently."""
    text = "mjd,mag,catflags,filtercode\n1,15,4,zg\n2,15,0,zr\n3,15,4,zg\n"
    curves = parse_curves(text)
    assert {band: len(c[0]) for band, c in curves.items()} == {"zg": 0, "zr": 1}
    every = text.replace(",0,zr", ",4,zr")
    assert {band: len(c[0]) for band, c in parse_curves(every).items()} == {"zg": 0, "zr": 0}
    assert len(parse_columns("mjd,mag,catflags\n1,15,4\n")[0]) == 0
    _write(tmp_path, {"a.csv": every})
    (tmp_path / "catalog.csv").write_text("filename,class\na.csv,RRL\n")
    star = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert list(star.ids) == ["a", "a"] and star.n_points == 0


def test_one_files_bands_stay_one_star_when_another_file_shares_its_name(tmp_path):
    """a/123.csv in zg and zr beside b/123.csv in zr: two stars whose bands overlap, so both
    are named by path, and a/123.csv's two curves stay one star."""
    _write(tmp_path, {"a/123.csv": "mjd,mag,filtercode\n1,15,zg\n2,15,zr\n",
                      "b/123.csv": "mjd,mag,filtercode\n1,15,zr\n",
                      "c/7.csv": "mjd,mag,filtercode\n1,15,zg\n2,15,\n"})
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("a/123.csv", "zg"), ("a/123.csv", "zr"), ("b/123.csv", "zr"), ("7", ""), ("7", "zg")]
    assert report.events["id_is_path_for_files_of_one_name"] == 2  # files, not curves


def test_missing_source_raises(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        read_folder(tmp_path / "nowhere", report=DropReport())


def test_catalogue_path_column_and_conflicting_rows(tmp_path: Path) -> None:
    """The research layout's `path,class` works; one file with two classes is refused."""
    _write(tmp_path, FILES)
    (tmp_path / "cat.csv").write_text("path,class\nstars/215153.dat,Mira\n"
                                      "stars/215153.dat,Mira\n300000,RR\n")
    curves = read_catalogue_folder(tmp_path / "cat.csv", tmp_path, report=DropReport())
    assert dict(zip(curves.ids, curves.labels, strict=True))["215153"] == "Mira"
    (tmp_path / "cat.csv").write_text("filename,class\n215153,Mira\n215153,RR\n300000,RR\n")
    with pytest.raises(InputError, match=r"cat\.csv: 1 file\(s\) listed with different "
                                         r"classes: 215153; keep one row per file"):
        read_catalogue_folder(tmp_path / "cat.csv", tmp_path, report=DropReport())
    # The same file under two spellings (with and without its suffix) is the same file.
    (tmp_path / "cat.csv").write_text("filename,class\n215153,Mira\nstars/215153.dat,RR\n")
    with pytest.raises(InputError, match=r"rows 2 and 3 give stars/215153\.dat two classes"):
        read_catalogue_folder(tmp_path / "cat.csv", tmp_path, report=DropReport())


@pytest.mark.parametrize("name", ["lcs.tar.gz", "lcs.zip"])
def test_corrupt_archive_is_an_input_error_naming_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"PK\x03\x04 not really an archive" * 3)
    with pytest.raises(InputError, match=rf"{name}: cannot read as an archive"):
        read_folder(tmp_path / name, report=DropReport())


@pytest.mark.realdata
def test_asas_richards2012(data_root: Path) -> None:
    folder = data_root / "asas_richards2012"
    report = DropReport()
    curves = read_catalogue_folder(folder / "asas_training_set_classes.dat",
                                   folder / "asas_training_set.tar.gz", report=report)
    assert curves.n_stars == curves.n_curves == 810
    assert report.problems == [] and not report.curves and not report.events
    counts = Counter(curves.labels)
    assert counts["Mira"] == 91 and counts["Classical_Cepheid"] == 89
    assert counts["RR_Lyrae_FM"] == 86 and len(counts) == 28
    assert curves.lengths.min() == 50 and curves.lengths.max() == 1772
    assert "215153" in set(curves.ids)


@pytest.mark.parametrize(("text", "line", "words"), [
    # 4 columns, the 4th not read: NumPy's usecols read kept short and long rows silently.
    ("1,12.1,0.1,0\n2,12.2\n", 2, "found 2 columns, expected 4 as on line 1"),  # err left off
    ("1,12.1,0.1,0\n2,12,2,0.1,0\n", 2, "found 5 columns, expected 4 as on line 1 (a "
                                        "decimal comma"),
    ("1 12.1 0.1 0\n2 12.2 0.1\n", 2, "found 3 columns, expected 4 as on line 1 (a value "
                                      "left blank?"),
    ("# c\nid,time,mag,err\na,1,12.1,0.1\n\nb,2,12.2\n", 5,
     "found 3 columns, expected 4 as on line 3"),  # not an IndexError
    ("1\t12.1\t0.1\tA\n# 2 x\n2\t12.2\t0.1\tB\n3  12.3 0.1\n", 4, "found 3 columns"),
])
def test_a_ragged_row_names_its_file_and_line(tmp_path: Path, text: str, line: int,
                                              words: str) -> None:
    _write(tmp_path, {"good.dat": "1,2,3\n2,3,4\n", "ragged.dat": text})
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(curves.ids) == ["good"] and report.curves == Counter(unreadable_file=1)
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"{tmp_path}/ragged.dat:{line}: "), report.problems
    assert words in report.problems[0]
    with pytest.raises(InputError, match=rf"ragged\.dat:{line}: "):
        read_folder(tmp_path)


@pytest.mark.parametrize("text", [
    "1,12.1,0.1,0\n2,12.2,0.1\n",  # a trailing column not read, left off with its comma
    "1 12.1 0.1 ok\n2 12.2 0.1 not seen\n",  # free text after the columns read
    "1 12.1 0.1 0\n\n  \n2 12.2 0.1 0\n",  # blank lines
])
def test_rows_that_differ_only_past_the_columns_read_are_read(tmp_path: Path,
                                                              text: str) -> None:
    _write(tmp_path, {"star.dat": text})
    curves = read_folder(tmp_path, report=DropReport())
    np.testing.assert_array_equal(curves.mag, [12.1, 12.2])
    np.testing.assert_array_equal(curves.err, [0.1, 0.1])


def test_columns_not_read_are_counted_per_file(tmp_path: Path) -> None:
    """A headerless file's 4th column (a flag? a second aperture?) is not read: counted, so
    that the report shows it; a trailing comma's empty field is not a column."""
    _write(tmp_path, {"a.dat": "1 12.1 0.1 0\n2 12.2 0.1 4\n", "b.csv": "1,12,0.1,\n2,13,0.1,\n",
                      "c.csv": "hjd,mag,err,frame\n1,12,0.1,7\n2,13,0.1,8\n",
                      "d.csv": "1,12,0.1\n2,13,0.1\n"})
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert curves.n_curves == 4 and report.problems == []
    assert report.events == Counter(extra_columns_not_read=2)  # a.dat and c.csv
    np.testing.assert_array_equal(curves.err, np.full(8, 0.1))


def test_headerless_files_of_more_columns_say_how_to_read_them(tmp_path: Path) -> None:
    """EROS-2's files, time B errB R errR without a header: R is not only counted, and
    the advice names the header line that makes --columns work."""
    _write(tmp_path, {"lm001.time": "1 15.1 0.02 14.6 0.03\n2 15.2 0.02 99.999 9.999\n"})
    with pytest.warns(UserWarning, match=r"files without a header are read as time, mag, err "
                                         r"from their first three columns.*add a first line "
                                         r"naming each column"):
        curves = read_folder(tmp_path)
    assert curves.mag.tolist() == [15.1, 15.2]
    with pytest.raises(InputError, match=r"no header line to find --columns mag:B=B_E,"
                                         r"mag:R=R_E in.*add a first line naming each column"):
        read_folder(tmp_path, columns=Columns().replace(**Columns.parse("mag:B=B_E,mag:R=R_E")))


@pytest.mark.parametrize("text", [
    "time,mag,err,mag2\n1,12.1,0.1,13.0\n2,12.2,0.1,13.1\n",  # counted
    "time mag err MAG2\n1 12.1 0.1 13.0\n2 12.2 0.1 13.1\n",
    "time,mag,err,mag2\n1,12.1,0.1,\n2,12.2,0.1,13.1\n",  # its first value blank
    "1,12.1,0.1,\n2,12.2,0.1,13.1\n",  # no header, a value on the second line
])
def test_a_second_magnitude_column_is_counted_as_not_read(tmp_path: Path, text: str) -> None:
    """A file's mag2 (a second aperture) is not read but counted, so that the report shows
    it, also where the first line's field is empty, as a trailing comma's would be."""
    _write(tmp_path, {"s1.csv": text, "catalog.csv": "filename,class\ns1.csv,RRL\n"})
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    np.testing.assert_array_equal(curves.mag, [12.1, 12.2])
    assert report.events == Counter(extra_columns_not_read=1) and report.problems == []


@pytest.mark.parametrize("text", [
    "\ufefftime,mag,err\n1,12.1,0.1\n2,12.2,0.1\n",  # Excel's "CSV UTF-8": a byte-order mark
    "\ufeff1 12.1 0.1\n2 12.2 0.1\n",
    "time,mag,err\r1,12.1,0.1\r2,12.2,0.1\r",  # old Mac line ends
    "1 12.1 0.1\r\n2 12.2 0.1\r\n",
])
def test_byte_order_marks_and_line_ends_of_spreadsheets_are_read(tmp_path: Path,
                                                                 text: str) -> None:
    (tmp_path / "star.csv").write_bytes(text.encode("utf-8"))
    curves = read_folder(tmp_path, report=DropReport())
    np.testing.assert_array_equal(curves.time, [1.0, 2.0])
    np.testing.assert_array_equal(curves.mag, [12.1, 12.2])


def test_a_mapping_of_a_stars_id_or_class_is_refused_not_ignored(tmp_path: Path) -> None:
    """In Python as on the command line: a per-star file's star is its name, its class the
    catalogue's."""
    from lcformer.data.reading.config import Columns
    from lcformer.errors import ConfigError

    _write(tmp_path, FILES)
    with pytest.raises(ConfigError, match=r"--columns id=objectId: .* holds per-star files"):
        read_folder(tmp_path, columns=Columns(id="objectId"))
    (tmp_path / "catalog.csv").write_text(CATALOGUE)
    with pytest.raises(ConfigError, match=r"--columns class=type: "):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, columns=Columns(label="type"))


def test_files_of_one_name_in_band_folders_are_one_stars_bands(tmp_path: Path) -> None:
    """OGLE's download: phot/I/NAME.dat and phot/V/NAME.dat, without a band column. Read as
    two stars each, a star's bands would land on both sides of a train/test split."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"phot/I/OGLE-1.dat": star, "phot/V/OGLE-1.dat": star,
                      "phot/I/OGLE-2.dat": star})  # OGLE-2 has no V curve
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("OGLE-1", "I"), ("OGLE-1", "V"), ("OGLE-2", "I")]
    assert report.events == Counter(band_from_folder_name=3)
    # A catalogue of bare names (as OGLE's ident.dat gives them) labels both bands.
    (tmp_path / "catalog.csv").write_text("filename,class\nOGLE-1.dat,RRab\nOGLE-2.dat,RRc\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-1", "I", "RRab"), ("OGLE-1", "V", "RRab"), ("OGLE-2", "I", "RRc")]
    assert report.problems == [] and curves.n_stars == 2
    # A catalogue of one band's paths: the other band's unlisted files join their stars,
    # with the star's class, and are counted.
    (tmp_path / "catalog.csv").write_text("filename,class\nphot/I/OGLE-1.dat,RRab\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-1", "I", "RRab"), ("OGLE-1", "V", "RRab"), ("OGLE-2", "I", "")]
    assert report.events["not_in_catalogue"] == 2
    assert report.events["labelled_by_their_star"] == 1
    # V covering few of the stars (OGLE's V is sparser) still pairs them.
    _write(tmp_path / "sparse", {f"I/{i}.dat": star for i in range(10)}
           | {f"V/{i}.dat": star for i in range(3)})
    assert read_folder(tmp_path / "sparse").n_stars == 10
    # Files of one name in folders that are no bands stay two stars (north/, south/).
    _write(tmp_path / "fields", {"north/123.dat": star, "south/123.dat": star})
    assert read_folder(tmp_path / "fields").n_stars == 2
    # A band folder given alone (predict phot/I): its files are in that band.
    curves = read_folder(tmp_path / "phot" / "I", report=(report := DropReport()))
    assert list(zip(curves.ids, curves.bands, strict=True)) == [("OGLE-1", "I"), ("OGLE-2", "I")]
    assert report.events == Counter(band_from_folder_name=2)


def test_near_infrared_band_folders_and_unknown_ones(tmp_path: Path) -> None:
    """VVV's Ks/, J/ and H/ are one star's bands (read as a catalogue of paths, each
    file would be its own star, 489 "stars" of 200). Folders of short names that lcformer does
    not know as bands get a hint of the names it knows, not only "give the file's path"."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path / "vvv", {"Ks/5150.dat": star, "J/5150.dat": star, "Ks/5151.dat": star})
    curves = read_folder(tmp_path / "vvv")
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("5150", "J"), ("5150", "Ks"), ("5151", "Ks")]
    _write(tmp_path / "other", {"K1/7.dat": star, "K2/7.dat": star})
    (tmp_path / "other" / "catalog.csv").write_text("filename,class\n7,RRab\n")
    report = DropReport()
    read_catalogue_folder(tmp_path / "other" / "catalog.csv", tmp_path / "other", report=report)
    assert len(report.problems) == 1
    assert "; if its folders K1, K2 are bands of one star, name each as a band" in (
        report.problems[0])
    assert " Ks " in report.problems[0]
    # north/ and south/ are fields, not bands: no such hint.
    _write(tmp_path / "fields", {"north/7.dat": star, "south/7.dat": star})
    (tmp_path / "fields" / "catalog.csv").write_text("filename,class\n7,RRab\n")
    report = DropReport()
    read_catalogue_folder(tmp_path / "fields" / "catalog.csv", tmp_path / "fields",
                          report=report)
    assert report.problems[0].endswith(f"give the file's path in {tmp_path / 'fields'}")


def test_a_catalogue_path_in_a_band_folder_does_not_find_another_bands_file(tmp_path):
    """V/NAME.dat missing is not I/NAME.dat: read as V, the I points would be wrong."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"I/OGLE-1.dat": star})
    (tmp_path / "catalog.csv").write_text("filename,class,band\nV/OGLE-1.dat,RRab,V\n")
    report = DropReport()
    read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert report.curves["missing_file"] == 1
    assert "file 'V/OGLE-1.dat' not found" in report.problems[0]


def test_a_compressed_files_star_is_its_name_without_both_suffixes(tmp_path: Path) -> None:
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"I/OGLE-1.dat": star})
    (tmp_path / "V").mkdir()
    with gzip.open(tmp_path / "V" / "OGLE-1.dat.gz", "wt") as out:
        out.write(star)
    (tmp_path / "catalog.csv").write_text(
        "filename,class,band\nI/OGLE-1.dat,RRab,I\nV/OGLE-1.dat.gz,RRab,V\n")
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert list(curves.ids) == ["OGLE-1", "OGLE-1"] and curves.n_stars == 1


def test_a_file_outside_the_catalogue_that_does_not_parse_is_counted_not_a_problem(tmp_path):
    """OGLE ships its catalogue tables (ident.dat) beside the photometry."""
    _write(tmp_path, {"phot/OGLE-1.dat": FILES["stars/215153.dat"],
                      "ident.dat": "OGLE-1  RRab  05:35:07.24 -70:02:49.9\n"})
    (tmp_path / "catalog.csv").write_text("filename,class\nOGLE-1.dat,RRab\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(curves.ids) == ["OGLE-1"] and report.problems == []
    assert report.events == Counter(unreadable_file_not_in_catalogue=1)


def test_a_catalogue_path_outside_its_folder_is_said_to_be(tmp_path: Path) -> None:
    _write(tmp_path / "elsewhere", {"a.dat": FILES["stars/215153.dat"]})
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "catalog.csv").write_text(
        f"filename,class\n{tmp_path / 'elsewhere' / 'a.dat'},X\n../elsewhere/a.dat,X\n")
    report = DropReport()
    read_catalogue_folder(tmp_path / "cat" / "catalog.csv", tmp_path / "cat", report=report)
    assert report.curves["missing_file"] == 2
    assert all("(it is outside: a catalogue's files are read in its folder" in p
               for p in report.problems)


@pytest.mark.parametrize("layout", [
    {"I/001.dat", "II/001.dat", "III/001.dat", "V/001.dat"},  # volumes, not bands
    {"G/001.dat", "K/001.dat", "G/002.dat", "K/003.dat", "G/004.dat"},  # spectral types
])
def test_folders_that_only_look_like_bands_keep_their_files_apart(tmp_path, layout) -> None:
    _write(tmp_path, dict.fromkeys(layout, FILES["stars/215153.dat"]))
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert curves.n_stars == len(layout) and set(curves.bands) == {""}
    assert not report.events["band_from_folder_name"]


def test_band_folders_pair_where_one_small_folder_has_a_star_of_its_own(tmp_path) -> None:
    """A B/ of one B-only star beside I/ and V/ of ten stars leaves them ten stars."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {f"{band}/{i}.dat": star for band in "IV" for i in range(10)}
           | {"B/99.dat": star})
    curves = read_folder(tmp_path)
    assert curves.n_stars == 11 and set(curves.bands) == {"B", "I", "V"}


def test_band_folders_whose_files_the_catalogue_gives_two_classes_stay_apart(tmp_path):
    """G/ and K/ of spectral types, numbered alike: the catalogue's classes say they are not
    one star's bands, so they are two stars (by path), not refused."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {f"{folder}/{i:03d}.dat": star for folder in "GK" for i in range(4)})
    (tmp_path / "catalog.csv").write_text("filename,class\n" + "".join(
        f"{folder}/{i:03d}.dat,{folder}star\n" for folder in "GK" for i in range(4)))
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert curves.n_stars == 8 and set(curves.bands) == {""}
    assert report.events == Counter(band_folders_of_other_classes=8,
                                    id_is_path_for_files_of_one_name=8)
    # A band the catalogue names makes one star of them: two classes are then refused.
    (tmp_path / "catalog.csv").write_text("filename,class,band\nG/000.dat,A,G\nK/000.dat,B,\n")
    with pytest.raises(InputError, match=r"bands of star 000, have two classes"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())


def test_a_table_of_the_folders_stars_is_counted_not_read_as_a_star(tmp_path: Path) -> None:
    """OGLE's layout: phot/I and phot/V files beside ident.dat and RRab.dat, whose first
    column names the stars. Read as light curves they are unreadable files (predict would exit
    1 on a folder as OGLE gives it); they are tables of the stars, counted as such."""
    rows = "".join(f"{t:.4f} {15 + np.sin(t):.3f} 0.010\n" for t in np.arange(20.0))
    for band in ("I", "V"):
        (tmp_path / "phot" / band).mkdir(parents=True)
        for star in ("OGLE-LMC-RRLYR-00001", "OGLE-LMC-RRLYR-00002"):
            (tmp_path / "phot" / band / f"{star}.dat").write_text(rows)
    (tmp_path / "ident.dat").write_text(
        "OGLE-LMC-RRLYR-00001  LMC106.2  779049  RRab  05:54:29.26 -69:24:04.7\n"
        "OGLE-LMC-RRLYR-00002  LMC182.6  472366  RRc   05:02:36.28 -69:04:50.4\n")
    (tmp_path / "RRab.dat").write_text("OGLE-LMC-RRLYR-00001  19.2  18.7  0.55\n"
                                       "OGLE-LMC-RRLYR-00002  19.0  18.6  0.61\n")
    (tmp_path / "notes.dat").write_text("STAR-X  12.0  0.1\n")  # names no star here
    report = DropReport()
    lcs = read_folder(tmp_path, report=report)
    assert sorted(set(lcs.ids)) == ["OGLE-LMC-RRLYR-00001", "OGLE-LMC-RRLYR-00002"]
    assert sorted(lcs.bands) == ["I", "I", "V", "V"]
    assert report.events["star_table_not_read"] == 2
    assert len(report.problems) == 1 and "notes.dat:1" in report.problems[0]  # still a problem
    # A whole catalogue's tables beside a few of its stars' files: their first rows name
    # other stars of the same shape (OGLE-LMC-RRLYR-0), each once.
    (tmp_path / "ident.dat").write_text("".join(
        f"OGLE-LMC-RRLYR-{k:05d}  LMC106.2  779049  RRab  05:54:29.26 -69:24:04.7\n"
        for k in range(100, 110)))
    (tmp_path / "RRab.dat").write_text("".join(f"OGLE-LMC-RRLYR-{k:05d}  19.2  18.7  0.55\n"
                                               for k in range(100, 110)))
    report = DropReport()
    assert sorted(set(read_folder(tmp_path, report=report).ids)) == [
        "OGLE-LMC-RRLYR-00001", "OGLE-LMC-RRLYR-00002"]
    assert report.events["star_table_not_read"] == 2 and len(report.problems) == 1
    # Not by shape: numbers' and dates' shapes (a ';'-separated curve among numbered stars'
    # files is one field a row, a number's shape), nor rows under a header naming a time;
    # they stay problems, said, not skipped.
    odd = tmp_path / "odd"
    odd.mkdir()
    for k in (215153, 215181):
        (odd / f"{k}.csv").write_text("".join(f"{2458849 + t}.7;12.3;0.01\n" for t in range(6)))
    (odd / "2021-03-04.csv").write_text("".join(f"2020-01-0{t},12.3,0.01\n" for t in range(1, 7)))
    (odd / "OGLE-X-1.dat").write_text("# id time mag err\n" + "".join(
        f"OGLE-X-{k} {t}.5 12.3 0.01\n" for t in range(3) for k in (2, 3)))
    report = DropReport()
    read_folder(odd, report=report)
    assert not report.events["star_table_not_read"] and len(report.problems) == 4
    # A light curve with a star column of that shape repeats its name: still a star's.
    (tmp_path / "ident.dat").unlink()
    (tmp_path / "RRab.dat").write_text("".join(f"OGLE-LMC-RRLYR-00100 {t:.4f} 15.0 0.01\n"
                                               for t in range(20)))
    report = DropReport()
    read_folder(tmp_path, report=report)
    assert not report.events["star_table_not_read"]
    (tmp_path / "RRab.dat").unlink()
    # ASAS's numbered stars beside their classes file (a header, then 215153,Mira); a light
    # curve whose first time equals a star's number is still one (its rows are numbers).
    asas = tmp_path / "asas"
    asas.mkdir()
    for star in ("215153", "215181"):
        (asas / f"{star}.dat").write_text(rows)
    (asas / "classes.dat").write_text("filename,class\n215153,Mira\n215181,RR_Lyrae_FM\n")
    (asas / "215.dat").write_text("215153 12.0 0.1\n" + rows)
    report = DropReport()
    assert sorted(set(read_folder(asas, report=report).ids)) == ["215", "215153", "215181"]
    assert report.events["star_table_not_read"] == 1 and not report.problems
    # LINEAR's tables of its stars, numbers alone under a '#' header naming the star column:
    # read as a star, or a training folder's points; also where a catalogue lists the
    # light curves.
    (asas / "classes.dat").unlink()
    (asas / "LINEAR_periods.dat").write_text("# LINEARobjectID  P(days)  A(mag)\n"
                                             "215153 0.479204 0.822\n215181 0.502907 0.645\n")
    report = DropReport()
    assert sorted(set(read_folder(asas, report=report).ids)) == ["215", "215153", "215181"]
    assert report.events["star_table_not_read"] == 1 and not report.problems
    (asas / "catalog.csv").write_text("filename,class\n215153,Mira\n215181,RR_Lyrae_FM\n")
    report = DropReport()
    lcs = read_catalogue_folder(asas / "catalog.csv", asas, report=report)
    assert sorted(set(lcs.ids)) == ["215", "215153", "215181"]
    assert report.events["star_table_not_read"] == 1 and not report.problems
    (asas / "catalog.csv").unlink()
    # ... but not a light curve whose '#' header names a time beside an id column that
    # numbers the observations (np.savetxt's header): its stars are read.
    saved = tmp_path / "saved"
    saved.mkdir()
    for k in range(1, 4):
        np.savetxt(saved / f"{k}.dat", np.column_stack([np.arange(1, 21), np.arange(20.0),
                                                        np.full(20, 15.0 + k)]),
                   header="id time mag")
    report = DropReport()
    assert sorted(set(read_folder(saved, report=report).ids)) == ["1", "2", "3"]
    assert not report.events["star_table_not_read"]
    # Read as light curves (a simpler rule's false positives): stars named by
    # numbers whose times start with another's number beside a band letter, and a star's
    # second file whose star column names the star of another file.
    numbered = tmp_path / "numbered"
    numbered.mkdir()
    for k in range(1, 6):
        times = k + 1.25 + np.arange(12.0)
        (numbered / f"{k}.csv").write_text("mjd,band,mag,err\n" + "".join(
            f"{t},{'gr'[i % 2]},15.0,0.01\n" for i, t in enumerate(times)))
    (numbered / "X.csv").write_text("time,mag,err\n" + rows.replace(" ", ","))
    (numbered / "X_V.csv").write_text("id,time,mag,err\n" + "".join(
        f"X,{line.replace(' ', ',')}\n" for line in rows.splitlines()))
    report = DropReport()
    lcs = read_folder(numbered, report=report)
    assert sorted(set(lcs.ids)) == ["1", "2", "3", "4", "5", "X", "X_V"]
    assert not report.events["star_table_not_read"]


# ---------------------------------------------------------------------- astropy tables
def _tess_like(seed: int, n: int = 50, unit: str = "electron/s") -> bytes:
    """A TESS-style light curve: TIME, PDCSAP_FLUX[_ERR] in ``unit``, QUALITY, a column of
    arrays, in a binary table between a primary HDU and an image."""
    from astropy.io import fits

    rng = np.random.default_rng(seed)
    quality = np.zeros(n, "i4")
    quality[::10] = 4096
    columns = [fits.Column("TIME", "D", unit="BJD - 2457000, days",
                           array=1325.0 + np.arange(n) / 720),
               fits.Column("PDCSAP_FLUX", "E", unit=unit, array=1000 + rng.normal(0, 5, n)),
               fits.Column("PDCSAP_FLUX_ERR", "E", unit=unit, array=np.full(n, 5.0)),
               fits.Column("QUALITY", "J", array=quality),
               fits.Column("CENTR", "2D", array=np.zeros((n, 2)))]
    hdus = fits.HDUList([fits.PrimaryHDU(), fits.BinTableHDU.from_columns(columns),
                         fits.ImageHDU(np.ones((5, 5), "i4"), name="APERTURE")])
    out = io.BytesIO()
    hdus.writeto(out)
    return out.getvalue()


TESS_COLUMNS = Columns(time="TIME", mag="PDCSAP_FLUX", err="PDCSAP_FLUX_ERR", flag="QUALITY")


def test_a_folder_of_fits_light_curves_is_one_star_a_file(tmp_path: Path) -> None:
    """Each *_lc.fits is a star named by its stem, labelled by the catalogue; QUALITY drops
    its rows; fluxes in a flux's unit are counted, so that they are refused without
    --flux, and converted with it."""
    for k, name in enumerate(["tic1_lc.fits", "tic2_lc.fits"]):
        (tmp_path / name).write_bytes(_tess_like(k, unit="mJy"))
    (tmp_path / "catalog.csv").write_text("filename,class\ntic1_lc.fits,RR\ntic2_lc,EB\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report,
                                   columns=TESS_COLUMNS)
    assert list(zip(curves.ids, curves.labels, strict=True)) == [("tic1_lc", "RR"),
                                                                 ("tic2_lc", "EB")]
    assert list(curves.lengths) == [45, 45] and report.points == Counter(flagged=10)
    assert report.events == Counter(mag_column_in_a_flux_unit=2, extra_columns_not_read=2,
                                    flux_column_declared_in_mJy=2)
    assert report.problems == []
    with pytest.raises(InputError, match=r"declared in a flux's unit .*give --flux"):
        to_magnitudes(curves, ReadConfig(), str(tmp_path), report)
    mags = to_magnitudes(curves, ReadConfig(flux=True, zero_point=16.4), str(tmp_path), report)
    assert np.nanmedian(mags.mag) == pytest.approx(16.4 - 2.5 * 3, abs=0.01)  # 1000 mJy


def test_fits_files_in_an_archive_and_their_problems(tmp_path: Path) -> None:
    """FITS files read from a tar archive in memory; one that cannot be read is one
    problem naming it (a FITS or VOTable file's by its row, not a line)."""
    from astropy.table import Table

    flags = Table({"TIME": [1.0, 2.0], "PDCSAP_FLUX": [10.0, 11.0],
                   "PDCSAP_FLUX_ERR": [1.0, 1.0], "QUALITY": ["0", "C"]})
    out = io.BytesIO()
    flags.write(out, format="votable")
    archive = write_archive(tmp_path / "tess.tar.gz", {
        "lc/a_lc.fits": _tess_like(0), "lc/b_lc.fits": _tess_like(1),
        "lc/c_lc.vot": out.getvalue(), "lc/d_lc.fits": b"SIMPLE  =  T" + b" " * 100})
    report = DropReport()
    curves = read_folder(archive, report=report, columns=TESS_COLUMNS)
    assert list(curves.ids) == ["a_lc", "b_lc"] and list(curves.lengths) == [45, 45]
    assert report.curves == Counter(unreadable_file=2)
    assert report.problems[0].startswith(
        f"{archive}/lc/c_lc.vot: row 2: column 'QUALITY': 'C' is not a quality flag")
    assert report.problems[1].startswith(f"{archive}/lc/d_lc.fits: cannot read as a FITS "
                                         f"table: ")
    assert not any(tmp_path.glob("lc"))  # nothing extracted


def test_a_folder_of_ecsv_files_with_masked_magnitudes(tmp_path: Path) -> None:
    """Gaia DR3 epoch photometry saved by astropy: a NaN magnitude is masked, written as
    "", which the text reader refused (134 of 135 stars lost)."""
    from astropy.table import MaskedColumn, Table

    for star in (1, 2):
        table = Table({"source_id": [star] * 4, "band": ["G", "G", "RP", "RP"],
                       "time": [1.0, 2.0, 1.0, 2.0],
                       "mag": MaskedColumn([14.0, 0.0, 13.0, 13.1],
                                           mask=[False, True, False, False]),
                       "rejected_by_variability": [False, False, False, True]})
        table["mag"].unit = "mag"
        table.write(tmp_path / f"EPOCH_PHOTOMETRY-Gaia DR3 {star}.ecsv")
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert report.problems == []
    assert list(zip(curves.ids, curves.bands, curves.lengths, strict=True)) == [
        ("EPOCH_PHOTOMETRY-Gaia DR3 1", "G", 2), ("EPOCH_PHOTOMETRY-Gaia DR3 1", "RP", 1),
        ("EPOCH_PHOTOMETRY-Gaia DR3 2", "G", 2), ("EPOCH_PHOTOMETRY-Gaia DR3 2", "RP", 1)]
    assert np.isnan(curves.curve(0)[1][1])  # the masked magnitude: missing, to be cleaned


def test_gaias_flux_over_error_gives_the_magnitudes_errors(tmp_path: Path) -> None:
    """Gaia DR3's epoch photometry gives no magnitude error: its flux_over_error (a signal-
    to-noise ratio) is read as errors of 2.5 / ln 10 / SNR, counted, in ECSV files, text
    files and tables alike; not where an err column is read, nor for a flux's errors."""
    from astropy.table import Table

    snr = [500.0, 250.0, 0.0, 100.0]
    rows = {"source_id": [7] * 4, "band": ["G", "G", "BP", "BP"],
            "time": [1.0, 2.0, 1.0, 2.0], "mag": [14.0, 14.1, 14.5, 14.6],
            "flux_over_error": snr}
    expected = [2.5 / np.log(10) / 500, 2.5 / np.log(10) / 250, np.nan,
                2.5 / np.log(10) / 100]
    Table(rows).write(tmp_path / "gaia.ecsv")
    pd.DataFrame(rows).to_csv(tmp_path / "gaia2.csv", index=False)
    for name in ("gaia.ecsv", "gaia2.csv"):
        report = DropReport()
        curves = read_folder(tmp_path, report=report, suffix=name[-4:])
        order = [0, 1, 2, 3] if curves.bands[0] == "G" else [2, 3, 0, 1]
        np.testing.assert_allclose(curves.err, np.asarray(expected)[order])
        assert report.events["err_from_flux_over_error"] == 3  # SNR 0: no error
    pd.DataFrame(rows).to_parquet(tmp_path / "gaia.parquet")
    for table in (pd.DataFrame(rows), tmp_path / "gaia.parquet", tmp_path / "gaia2.csv"):
        report = DropReport()  # (a file's reader renames its columns first)
        read = read_long_table(table, columns=Columns(id="source_id"), report=report)
        np.testing.assert_allclose(read.err, expected)
        assert report.events["err_from_flux_over_error"] == 3
    # Rows of several bands: one ratio is no band's own, so none is read by itself; one
    # named as a band's errors (err:G=flux_over_error) is read as ratios, in both readers.
    two = pd.DataFrame({"time": [1.0, 2.0], "g_mag": [14.0, 14.1], "bp_mag": [14.5, 14.6],
                        "flux_over_error": [500.0, 250.0]})
    (tmp_path / "bands").mkdir()
    two.to_csv(tmp_path / "bands" / "7.csv", index=False)
    both = Columns().replace(**Columns.parse("mag:G=g_mag,mag:BP=bp_mag"))
    named = Columns().replace(**Columns.parse("mag:G=g_mag,err:G=flux_over_error,mag:BP=bp_mag"))
    for columns, g_err in ((both, [np.nan, np.nan]), (named, expected[:2])):
        file = read_folder(tmp_path / "bands", columns=columns)
        table = read_long_table(two.assign(id="7"), columns=columns)
        for curves in (file, table):
            np.testing.assert_allclose(curves.curve(list(curves.bands).index("G"))[2], g_err)
            assert np.isnan(curves.curve(list(curves.bands).index("BP"))[2]).all()
    given = read_long_table(pd.DataFrame(rows).assign(err=0.01), columns=Columns(id="source_id"))
    np.testing.assert_array_equal(given.err, 0.01)
    fluxes = read_long_table(pd.DataFrame(rows).rename(columns={"mag": "flux"}),
                             columns=Columns(id="source_id", mag="flux"))
    assert np.isnan(fluxes.err).all()


def _fits_in(unit: str, mag: float) -> bytes:
    """One star's FITS light curve, its mag column declared in ``unit``."""
    from astropy.table import Table

    table = Table({"time": 58000.0 + np.arange(5), "mag": np.full(5, mag),
                   "err": np.full(5, 0.02)})
    table["mag"].unit = table["err"].unit = unit
    out = io.BytesIO()
    table.write(out, format="fits")
    return out.getvalue()


def test_files_declaring_magnitudes_beside_files_declaring_fluxes_are_refused(
        tmp_path: Path) -> None:
    """Counted for the folder, mag files and an mJy file read with --flux would all be
    fluxes (magnitudes converted as fluxes): refused, naming one of each kind;
    so is --flux with files in magnitudes."""
    for k in range(3):
        (tmp_path / f"star{k}.fits").write_bytes(_fits_in("mag", 14.0))
    (tmp_path / "star_flux.fits").write_bytes(_fits_in("mJy", 5.0))
    with pytest.raises(InputError, match=r"star0\.fits declares its magnitude column in "
                                         r"magnitudes, .*star_flux\.fits in a flux's unit"):
        read_folder(tmp_path)
    (tmp_path / "catalog.csv").write_text("filename,class\nstar0,A\nstar_flux,B\n")
    with pytest.raises(InputError, match=r"star0\.fits declares .*star_flux\.fits in a "):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path)
    (tmp_path / "star_flux.fits").unlink()
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    with pytest.raises(InputError, match=r"--flux reads fluxes, but the magnitude column of "
                                         r"3 file\(s\) is declared in magnitudes"):
        to_magnitudes(curves, ReadConfig(flux=True), str(tmp_path), report)


def test_an_xml_file_that_is_a_votable_is_read_in_a_folder(tmp_path: Path) -> None:
    """Gaia's DataLink saves epoch photometry as VOTable .xml files: stars, not files to
    skip; other XML is still skipped."""
    from astropy.table import Table

    for star in ("a", "b"):
        Table({"mjd": [1.0, 2.0, 3.0], "mag": [12.0, 12.1, 12.2]}).write(
            tmp_path / f"{star}.xml", format="votable")
    (tmp_path / "pom.xml").write_text("<?xml version='1.0'?>\n<project></project>\n")
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(curves.ids) == ["a", "b"] and list(curves.lengths) == [3, 3]
    assert report.events == Counter(skipped_non_data_file=1) and report.problems == []
    (tmp_path / "catalog.csv").write_text("filename,class\na.xml,RR\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.labels, strict=True)) == [("a", "RR"), ("b", "")]
    assert report.events["skipped_non_data_file"] == 1


# ---------------------------------------------------------------------- one star, several files
def test_band_named_files_of_a_flat_folder_are_one_stars_bands(tmp_path: Path) -> None:
    """OGLE's flat download: NAME.I.dat and NAME.V.dat read as two stars of no band would
    put one star on both sides of a train/test split, inflating test scores."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"OGLE-LMC-LPV-00001.I.dat": star, "OGLE-LMC-LPV-00001.V.dat": star,
                      "OGLE-LMC-LPV-00002.I.dat": star})  # 00002 has no V curve
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("OGLE-LMC-LPV-00001", "I"), ("OGLE-LMC-LPV-00001", "V"), ("OGLE-LMC-LPV-00002", "I")]
    assert report.events == Counter(band_from_file_name=3)
    # A catalogue's bare name finds both band files, as it finds I/NAME.dat and V/NAME.dat.
    (tmp_path / "catalog.csv").write_text("filename,class\nOGLE-LMC-LPV-00001,Mira\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-LMC-LPV-00001", "I", "Mira"), ("OGLE-LMC-LPV-00001", "V", "Mira"),
        ("OGLE-LMC-LPV-00002", "I", "")]
    assert report.problems == [] and report.events["band_from_file_name"] == 3
    # A band column equal to the name's last part: the star is the name without it.
    (tmp_path / "catalog.csv").write_text("filename,class,band\n"
                                          "OGLE-LMC-LPV-00001.I.dat,Mira,I\n"
                                          "OGLE-LMC-LPV-00001,Mira,V\n")
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True))[:2] == [
        ("OGLE-LMC-LPV-00001", "I", "Mira"), ("OGLE-LMC-LPV-00001", "V", "Mira")]


def test_band_named_files_in_band_folders_or_in_two_folders_are_one_star_each(
        tmp_path: Path) -> None:
    """I/S0.I.dat and V/S0.V.dat are one star S0, not stars S0.I and S0.V of no band, and
    a/X.I.dat, a/X.V.dat, b/X.I.dat, b/X.V.dat two stars, not four by path."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path / "ogle", {"I/S0.I.dat": star, "V/S0.V.dat": star, "I/S1.I.dat": star,
                               "V/S1.V.dat": star})
    curves = read_folder(tmp_path / "ogle", report=DropReport())
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("S0", "I"), ("S0", "V"), ("S1", "I"), ("S1", "V")]
    _write(tmp_path / "two", {"a/X.I.dat": star, "a/X.V.dat": star, "b/X.I.dat": star,
                              "b/X.V.dat": star})
    report = DropReport()
    curves = read_folder(tmp_path / "two", report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("a/X", "I"), ("a/X", "V"), ("b/X", "I"), ("b/X", "V")]
    assert report.events["id_is_path_for_files_of_one_name"] == 4


@pytest.mark.parametrize("names", [
    ["star.B.dat", "other.dat"],  # a lone band-named file
    ["J0123.4-5678.dat", "J0123.4-5679.dat"],  # a dot in the name, then no band
    ["M31.B.dat", "M32.V.dat", "M33.V.dat"],  # band letters, but no name in two bands
])
def test_names_that_only_look_band_named_keep_their_ids(tmp_path: Path, names) -> None:
    _write(tmp_path, dict.fromkeys(names, FILES["stars/215153.dat"]))
    report = DropReport()
    curves = read_folder(tmp_path, report=report)
    assert sorted(curves.ids) == sorted(n.removesuffix(".dat") for n in names)
    assert set(curves.bands) == {""} and not report.events["band_from_file_name"]


def test_a_catalogue_id_column_makes_its_files_one_star(tmp_path: Path) -> None:
    """Files of one id are one star; two of one band (a star's seasons, sectors, quarters)
    are one curve, its points in time order: a star has one curve per band."""
    _write(tmp_path, {"s1.dat": "3,10.0,0.1\n4,10.5,0.1\n", "s2.dat": "1,11.0,0.1\n2,11.5,0.1\n",
                      "s3.dat": "1,9.0,0.1\n", "other.dat": "1,8.0,0.1\n"})
    (tmp_path / "catalog.csv").write_text("filename,class,band,id\ns1.dat,EB,V,TIC 7\n"
                                          "s2.dat,EB,V,TIC 7\ns3.dat,EB,I,TIC 7\n"
                                          "other.dat,RR,V,\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, curves.labels, curves.lengths, strict=True)) == [
        ("TIC 7", "V", "EB", 4), ("TIC 7", "I", "EB", 1), ("other", "V", "RR", 1)]
    time, mag, _ = curves.curve(0)
    np.testing.assert_array_equal(time, [1, 2, 3, 4])
    np.testing.assert_array_equal(mag, [11.0, 11.5, 10.0, 10.5])
    assert report.events == Counter(curves_joined_from_several_files=2)
    # One id given two classes, or one file two ids: refused, as a star's bands' are.
    (tmp_path / "catalog.csv").write_text("filename,class,id\ns1.dat,EB,TIC 7\n"
                                          "s2.dat,RR,TIC 7\n")
    with pytest.raises(InputError, match=r"s1\.dat and s2\.dat, files of star TIC 7, have "
                                         r"two classes \('EB', 'RR'\)"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    (tmp_path / "catalog.csv").write_text("filename,class,id\ns1.dat,EB,TIC 7\n"
                                          "s1,EB,TIC 8\n")
    with pytest.raises(InputError, match=r"rows 2 and 3 give s1\.dat two ids"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    # A DataFrame catalogue's ids are read as a CSV's: stripped (" T" and "T" are one star).
    frame = pd.DataFrame({"filename": ["s1.dat", "s2.dat"], "class": ["EB", "EB"],
                          "id": [" T7", "T7"]})
    ids = set(read_catalogue_folder(frame, tmp_path, report=DropReport()).ids)
    assert "T7" in ids and " T7" not in ids
    # A missing value's word is no id (NA twice was one star "NA" of two classes).
    (tmp_path / "catalog.csv").write_text("filename,class,id\ns1.dat,EB,NA\ns2.dat,RR,NA\n")
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert sorted(set(curves.ids)) == ["other", "s1", "s2", "s3"]


def test_a_catalogue_id_names_its_files_other_bands_too(tmp_path: Path) -> None:
    """With I/123.dat listed as OGLE-123, the unlisted V/123.dat is OGLE-123's too, not a
    star 123 apart from its I curve."""
    star = FILES["stars/215153.dat"]
    _write(tmp_path, {"I/123.dat": star, "V/123.dat": star, "I/124.dat": star,
                      "V/124.dat": star})
    (tmp_path / "catalog.csv").write_text("filename,class,id\nI/123.dat,Mira,OGLE-123\n"
                                          "I/124.dat,RR,OGLE-124\n")
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport())
    assert list(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-123", "I", "Mira"), ("OGLE-123", "V", "Mira"), ("OGLE-124", "I", "RR"),
        ("OGLE-124", "V", "RR")]


def _sector(seed: int, sector: int, start: float, header: dict[str, object], n: int = 20,
            flagged: int = 2) -> bytes:
    """A small TESS SPOC light curve of one sector: TIME, PDCSAP_FLUX[_ERR], QUALITY in a
    LIGHTCURVE table, the target's keywords in the primary header (``header``), then an
    aperture image."""
    from astropy.io import fits

    rng = np.random.default_rng(seed)
    quality = np.zeros(n, "i4")
    quality[:flagged] = 128
    columns = [fits.Column("TIME", "D", unit="BJD - 2457000, days",
                           array=start + np.arange(n) / 720),
               fits.Column("PDCSAP_FLUX", "E", unit="e-/s", array=1000 + rng.normal(0, 5, n)),
               fits.Column("PDCSAP_FLUX_ERR", "E", unit="e-/s", array=np.full(n, 5.0)),
               fits.Column("QUALITY", "J", array=quality)]
    primary = fits.PrimaryHDU()
    primary.header.update({"TELESCOP": "TESS", "SECTOR": sector, **header})
    hdus = fits.HDUList([primary, fits.BinTableHDU.from_columns(columns, name="LIGHTCURVE"),
                         fits.ImageHDU(np.ones((3, 3), "i4"), name="APERTURE")])
    out = io.BytesIO()
    hdus.writeto(out)
    return out.getvalue()


TIC = {"OBJECT": "TIC 25155310", "TICID": 25155310}


def test_a_k2_targets_files_are_named_by_its_epic_number(tmp_path: Path) -> None:
    """K2's files give the EPIC number in KEPLERID (OBJECT 'EPIC n', MISSION 'K2'): the
    star is 'EPIC n', not 'KIC n', a number of another catalogue."""
    for campaign, start in ((5, 300.0), (18, 3000.0)):
        (tmp_path / f"ktwo211085096-c{campaign:02d}_llc.fits").write_bytes(_sector(
            campaign, 0, start, {"KEPLERID": 211085096, "MISSION": "K2",
                                 "OBJECT": "EPIC 211085096"}))
    curves = read_folder(tmp_path, report=DropReport(), columns=TESS_COLUMNS)
    assert list(zip(curves.ids, curves.lengths, strict=True)) == [("EPIC 211085096", 36)]


def test_a_targets_fits_files_are_one_star(tmp_path: Path) -> None:
    """TESS gives a star one file a sector, all naming it in their headers: read as one star
    each, a star's sectors landed on both sides of a train/test split."""
    sectors = {"tess-s0002-0000000025155310_lc.fits": _sector(0, 2, 1354.0, {
                   "OBJECT": "TIC 0025155310", "TICID": 25155310}),  # its number: one star
               "tess-s0001-0000000025155310_lc.fits": _sector(1, 1, 1325.0, TIC),
               "tess-s0001-0000000000000007_lc.fits": _sector(2, 1, 1325.0, {
                   "OBJECT": "TIC 7", "TICID": 7}),  # alone: its stem
               "kplr_a_llc.fits": _sector(3, 0, 100.0, {"KEPLERID": 8462852}),
               "kplr_b_llc.fits": _sector(4, 0, 200.0, {"KEPLERID": 8462852}),
               "field_a.fits": _sector(5, 0, 1.0, {"OBJECT": "M67"}),  # no star number: a
               "field_b.fits": _sector(6, 0, 1.0, {"OBJECT": "M67"})}  # field, not a star
    for name, data in sectors.items():
        (tmp_path / name).write_bytes(data)
    report = DropReport()
    curves = read_folder(tmp_path, report=report, columns=TESS_COLUMNS)
    assert list(zip(curves.ids, curves.lengths, strict=True)) == [
        ("field_a", 18), ("field_b", 18), ("KIC 8462852", 36),
        ("tess-s0001-0000000000000007_lc", 18), ("TIC 25155310", 36)]
    time = curves.curve(4)[0]
    assert time[0] == 1325.0 + 2 / 720 and np.all(np.diff(time) > 0)  # sectors in order
    assert report.events["one_star_in_several_files"] == 4
    assert report.events["curves_joined_from_several_files"] == 4
    assert report.points == Counter(flagged=14)
    # With a catalogue: the star takes its files' class; two classes are refused.
    (tmp_path / "catalog.csv").write_text(
        "filename,class\ntess-s0001-0000000025155310_lc.fits,EB\n")
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport(),
                                   columns=TESS_COLUMNS)
    assert dict(zip(curves.ids, curves.labels, strict=True))["TIC 25155310"] == "EB"
    assert curves.n_stars == 5
    (tmp_path / "catalog.csv").write_text(
        "filename,class\ntess-s0001-0000000025155310_lc.fits,EB\n"
        "tess-s0002-0000000025155310_lc.fits,RR\n")
    with pytest.raises(InputError, match=r"files of star TIC 25155310, have two classes"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=DropReport(),
                              columns=TESS_COLUMNS)


def test_read_folder_counts_a_fits_files_flagged_rows_as_dropped_points(tmp_path) -> None:
    """The QUALITY rows read_folder drops are points dropped (report.points), as
    read_catalogue_folder and the CLI count them, not events."""
    (tmp_path / "tic_lc.fits").write_bytes(_sector(0, 10, 1500.0, TIC, n=30, flagged=7))
    report = DropReport()
    curves = read_folder(tmp_path, report=report,
                         columns=Columns(time="TIME", mag="PDCSAP_FLUX"))
    assert curves.n_points == 23 and report.points == Counter(flagged=7)
    assert "flagged" in report.format()


def test_a_folder_of_two_band_rows_reads_both_bands_and_warns_once_of_one(
        tmp_path: Path) -> None:
    """NEOWISE-R files, one per star: read with W1 only, the W2 columns are said once for
    the folder (not once a file); read with both, each star has a W1 and a W2 curve."""
    rows = "mjd,w1mpro,w1sigmpro,w2mpro,w2sigmpro\n1,10,0.1,9,0.2\n2,10.5,0.1,9.5,0.2\n"
    _write(tmp_path, {"a.csv": rows, "b.csv": rows})
    with pytest.warns(UserWarning, match="look like another band") as caught:
        read_folder(tmp_path, columns=Columns(mag="w1mpro", err="w1sigmpro"))
    assert sum("another band" in str(w.message) for w in caught) == 1
    both = Columns().replace(**Columns.parse(
        "mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro"))
    curves = read_folder(tmp_path, columns=both)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("a", "W1"), ("a", "W2"), ("b", "W1"), ("b", "W2")]
    np.testing.assert_array_equal(curves.curve(3)[1], [9.0, 9.5])


def test_a_catalogues_ids_a_float_rounded_are_refused(tmp_path: Path) -> None:
    """A catalogue's id column of 18-digit ids written through a float can make two stars'
    files one star: refused, as in tables and labels."""
    _write(tmp_path, {"a.dat": "1,12.0,0.1\n2,12.1,0.1\n", "b.dat": "1,13.0,0.1\n2,13.1,0.1\n"})
    (tmp_path / "catalog.csv").write_text("filename,class,id\na,RR,1.0801234567890123e+17\n"
                                          "b,EB,1.0801234567890123e+17\n")
    with pytest.raises(InputError, match=r"catalog.csv: column 'id': ids such as "
                                         r"1\.0801234567890123e\+17 are integers beyond"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path)


def test_catalogue_names_written_otherwise_than_their_files_are_named(tmp_path: Path) -> None:
    """A catalogue naming 'ASAS J1236-65.5' for files/J1236-65.5.dat: a file missing and a
    file not in the catalogue are said with why (a prefix)."""
    (tmp_path / "files").mkdir()
    for name in ("J1236-65.5", "J0007+60.3"):
        (tmp_path / "files" / f"{name}.dat").write_text(
            "".join(f"{t},{15 + 0.1 * t},0.01\n" for t in range(12)))
    (tmp_path / "catalog.csv").write_text("filename,class\nASAS J1236-65.5,EW\n"
                                          "files/J0007+60.3.dat,EA\n")
    report = DropReport()
    read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert report.curves["missing_file"] == 1
    assert report.problems[0] == (
        f"{tmp_path / 'catalog.csv'}: 1 of its names of no file match files it does not list "
        f"but for a prefix or leading zeros ('ASAS J1236-65.5' is 'files/J1236-65.5.dat'): "
        f"name the files in the catalogue as the folder does")


OGLE_I = "".join(f"{5000.0 + 1.3 * i:.4f} {16.0 + 0.2 * (i % 5):.3f} 0.02\n" for i in range(40))
OGLE_V = "".join(f"{5000.5 + 9.1 * i:.4f} {16.8 + 0.2 * (i % 5):.3f} 0.05\n" for i in range(6))


def test_per_star_files_are_labelled_by_a_labels_csv_of_their_ids(tmp_path: Path) -> None:
    """OGLE's and ASAS-SN's users put a labels.csv of id,class beside their star files, as
    a long table has it: it labels the stars whose ids are the files' names (OGLE's I/ and
    V/ folders making one star of two bands); labels without a file are counted, as a
    table's are; a labels.csv that names none of the files leaves them as they were (read,
    unlabelled)."""
    from lcformer.data.reading.sniff import read_any

    _write(tmp_path, {f"{band}/OGLE-LMC-CEP-000{k}.dat": text
                      for k in (1, 2) for band, text in (("I", OGLE_I), ("V", OGLE_V))})
    (tmp_path / "labels.csv").write_text("id,class\nOGLE-LMC-CEP-0001,Cep1O\n"
                                         "OGLE-LMC-CEP-0002,Cep1O\nOGLE-LMC-CEP-0009,Cep1O\n")
    report = DropReport()
    curves = read_any(tmp_path, report=report)
    assert sorted(zip(curves.ids, curves.bands, curves.labels, strict=True)) == [
        ("OGLE-LMC-CEP-0001", "I", "Cep1O"), ("OGLE-LMC-CEP-0001", "V", "Cep1O"),
        ("OGLE-LMC-CEP-0002", "I", "Cep1O"), ("OGLE-LMC-CEP-0002", "V", "Cep1O")]
    assert [p.split(": ", 1)[1] for p in report.problems] == [  # said, as a table's are
        f"1 labelled star(s) have no light curve in {tmp_path}, e.g. OGLE-LMC-CEP-0009"]
    (tmp_path / "labels.csv").write_text("id,class\nOGLE-LMC-CEP-0777,Cep1O\n")
    assert read_any(tmp_path, report=DropReport()).n_stars == 2


def test_a_lone_band_folder_names_its_files_band(tmp_path: Path) -> None:
    """OGLE's I-band download alone (I/ beside catalog.csv) is in I, not of no band, which a
    model trained on I and V cannot read; a lowercase v/ beside i/ (SkyMapper's v) does not
    make each name match two files."""
    _write(tmp_path / "only", {"I/OGLE-1.dat": OGLE_I, "I/OGLE-2.dat": OGLE_I})
    (tmp_path / "only" / "catalog.csv").write_text("filename,class\nOGLE-1,a\nOGLE-2,b\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "only" / "catalog.csv", tmp_path / "only",
                                   report=report)
    assert list(curves.bands) == ["I", "I"] and report.events["band_from_folder_name"] == 2
    _write(tmp_path / "lower", {f"{b}/OGLE-1.dat": t for b, t in (("i", OGLE_I), ("v", OGLE_V))})
    (tmp_path / "lower" / "catalog.csv").write_text("filename,class\nOGLE-1,a\n")
    curves = read_catalogue_folder(tmp_path / "lower" / "catalog.csv", tmp_path / "lower",
                                   report=DropReport())
    assert sorted(curves.bands) == ["i", "v"] and set(curves.ids) == {"OGLE-1"}
    _write(tmp_path / "mixed", {"I/OGLE-1.dat": OGLE_I, "OGLE-2.dat": OGLE_I})
    assert sorted(read_folder(tmp_path / "mixed", report=DropReport()).bands) == ["", ""]


def test_labels_csv_beside_star_files_by_other_ids_is_said(tmp_path: Path) -> None:
    """Three files or more beside labels.csv are star files whatever its ids (TESS's
    files are named otherwise than their TIC stars): labels of other ids are said, with the
    light curves' ids to give, and the stars read unlabelled; "ID,Class" is read as a
    table's labels are, and a semicolon labels.csv is told what to save it as."""
    from lcformer.data.reading.sniff import read_any

    _write(tmp_path, {f"star{k}.dat": OGLE_I for k in range(3)})
    (tmp_path / "labels.csv").write_text("id,class\nstar0.dat,a\nstar1.dat,b\n")
    report = DropReport()
    assert read_any(tmp_path, report=report).labels.tolist() == ["", "", ""]
    assert "no star id of it is one of" in report.problems[0]
    (tmp_path / "labels.csv").write_text("ID,Class\nstar0,a\nstar1,b\n")
    assert read_any(tmp_path, report=DropReport()).labels.tolist() == ["a", "b", ""]
    (tmp_path / "labels.csv").write_text("id;class\nstar0;a\n")
    with pytest.raises(InputError, match=r"labels\.csv: the labels table's values seem "
                                         r"separated by ';'"):
        read_any(tmp_path, report=DropReport())


def test_files_of_one_star_whose_levels_step_are_warned_of_when_joined(tmp_path: Path) -> None:
    """Kepler's PDCSAP quarters +-3% apart, joined as they are, give a rotator of 1% the
    period of the steps (475 d for 3.7 d): said."""
    rng = np.random.default_rng(0)

    def quarter(start: float, level: float) -> str:
        t = start + np.arange(200) / 48.0
        mag = level + 0.005 * np.sin(2 * np.pi * t / 3.7) + rng.normal(0, 0.001, len(t))
        return "".join(f"{a},{b},0.001\n" for a, b in zip(t, mag, strict=True))

    _write(tmp_path, {"q1.csv": quarter(0, 12.0), "q2.csv": quarter(10, 12.04),
                      "same1.csv": quarter(0, 12.0), "same2.csv": quarter(10, 12.0)})
    (tmp_path / "catalog.csv").write_text("filename,class,id\nq1.csv,ROT,KIC 1\nq2.csv,ROT,KIC 1"
                                          "\nsame1.csv,ROT,KIC 2\nsame2.csv,ROT,KIC 2\n")
    report = DropReport()
    with pytest.warns(UserWarning, match=r"1 curve\(s\) joined from several files .* step in "
                                         r"level .* \(the first, KIC 1: medians from 12\.00\d* to "
                                         r"12\.03\d*\): .* normalise each file"):
        read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert report.events["curves_joined_with_level_steps"] == 1
    # A constant star rounded to 0.01 mag (no scatter, no errors) one rounding apart: no
    # step; three roundings and more apart, one.
    from lcformer.data.reading.one_star import _level_step

    t, no_err = np.arange(200.0), np.full(200, np.nan)
    flat = np.round(12.34 + rng.normal(0, 0.002, 200), 2)
    assert _level_step([(t, flat, no_err), (t + 300, flat + 0.01, no_err)]) is None
    assert _level_step([(t, flat, no_err), (t + 300, flat + 0.04, no_err)]) is not None


def test_linked_folders_are_read_once_and_dangling_links_named(tmp_path: Path) -> None:
    """A star folder linked from another disk (OGLE's I/ beside V/) is read, and a link to
    nothing is named, not skipped in silence; a loop is not followed."""
    _write(tmp_path / "elsewhere", {"b/300000.dat": FILES["stars/300000.dat"]})
    _write(tmp_path / "data", {"a/215153.dat": FILES["stars/215153.dat"]})
    (tmp_path / "data" / "b").symlink_to(tmp_path / "elsewhere" / "b")
    (tmp_path / "data" / "a" / "up").symlink_to(tmp_path / "data")  # a loop
    (tmp_path / "data" / "a" / "around").symlink_to(tmp_path)  # the tree around it
    (tmp_path / "data" / "c").symlink_to(tmp_path / "data" / "a")  # inside: read as a/ only
    (tmp_path / "data" / "gone.dat").symlink_to(tmp_path / "nowhere.dat")
    report = DropReport()
    curves = read_folder(tmp_path / "data", report=report)
    assert sorted(curves.ids) == ["215153", "300000"]  # each once, through the link
    assert report.curves == Counter(unreadable_file=1)
    assert report.problems == [f"{tmp_path / 'data'}/gone.dat: cannot read: [Errno 2] a link to "
                               f"nothing: '{tmp_path / 'data' / 'gone.dat'}'"]
    # The preparation's fingerprint reads the same files: an edit through the link shows
    from lcformer.data.prepared import fingerprint_files

    before = fingerprint_files([tmp_path / "data"])
    (tmp_path / "elsewhere" / "b" / "300000.dat").write_text("t,mag\n1,12\n2,12.5\n3,12.4\n")
    assert fingerprint_files([tmp_path / "data"]) != before
    # but not a hidden file the readers leave out (Finder rewrites .DS_Store)
    before = fingerprint_files([tmp_path / "data"])
    (tmp_path / "data" / ".DS_Store").write_bytes(b"\x00\x01")
    assert fingerprint_files([tmp_path / "data"]) == before
    # Within a linked folder, a link to its own subfolder or above it is not followed either
    # (elsewhere/b/alias -> sub would rename sub's files; up -> .. read the tree around)
    _write(tmp_path / "elsewhere", {"b/sub/400000.dat": FILES["stars/300000.dat"]})
    (tmp_path / "elsewhere" / "b" / "alias").symlink_to(tmp_path / "elsewhere" / "b" / "sub")
    (tmp_path / "elsewhere" / "b" / "up").symlink_to(tmp_path / "elsewhere")
    _write(tmp_path / "elsewhere", {"private.dat": FILES["stars/300000.dat"]})
    assert sorted(read_folder(tmp_path / "data", report=DropReport()).ids) == [
        "215153", "300000", "400000"]
    # A work folder reached through a link is left out of the fingerprint
    _write(tmp_path / "scratch", {"work/cache.bin": "1"})
    (tmp_path / "data" / "work").symlink_to(tmp_path / "scratch" / "work")
    before = fingerprint_files([tmp_path / "data"], tmp_path / "data" / "work")
    (tmp_path / "scratch" / "work" / "cache.bin").write_text("2")
    assert fingerprint_files([tmp_path / "data"], tmp_path / "data" / "work") == before


def test_a_file_name_that_is_not_utf8_is_read_with_its_bytes_escaped(tmp_path: Path) -> None:
    """A Latin-1 name (an old zip's or share's, caf\\xe9.dat) is read, its bytes
    escaped, not an internal error of predict and describe naming no file."""
    import os

    with open(os.fsencode(tmp_path) + b"/caf\xe9.dat", "w") as handle:
        handle.write(FILES["stars/215153.dat"])
    curves = read_folder(tmp_path, report=DropReport())
    assert curves.ids.tolist() == ["caf\\xe9"]


def test_a_file_name_with_blanks_around_it_is_found_from_its_catalogue_cell(
        tmp_path: Path) -> None:
    """A catalogue listing " lead space.dat" as such: the cell is read stripped, yet the
    file is found, not "not found" (exit 1) with its star read unlabelled."""
    _write(tmp_path, {" lead space.dat": FILES["stars/215153.dat"]})
    (tmp_path / "catalog.csv").write_text('filename,class\n" lead space.dat",Mira\n')
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert curves.labels.tolist() == ["Mira"] and not report.problems


# ---------------------------------------------------------------- files made on Windows, macOS
def _nfd(name: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFD", name)


@pytest.mark.parametrize("on_disk, in_catalogue", [("NFD", "NFC"), ("NFC", "NFD")])
def test_accented_names_match_in_either_unicode_form(tmp_path: Path, on_disk: str,
                                                     in_catalogue: str) -> None:
    """macOS writes 'étoile_1.csv' decomposed (e, then an accent: NFD); a catalogue typed in
    Excel has it composed (NFC). They look alike: the file is found and its star labelled.
    Its id stays the file's name as it is on disk (a labels.csv written from the names on
    that disk joins it, and an id does not change with the version read)."""
    import unicodedata

    def form(kind: str, name: str) -> str:
        return unicodedata.normalize(kind, name)

    names = ["étoile_1", "Céphéide_2", "Mira_ü_3", "data/ß_ñ_4"]
    for name in names:
        _write(tmp_path, {f"{form(on_disk, name)}.csv": FILES["stars/215153.dat"]})
    (tmp_path / "catalog.csv").write_text(
        "filename,class\n" + "".join(f"{form(in_catalogue, n)}.csv,Mira\n" for n in names[:2])
        + f"{form(in_catalogue, 'Mira_ü_3')},Mira\n"  # by its stem
        + f"{form(in_catalogue, 'ß_ñ_4.csv')},RRL\n", encoding="utf-8")  # by its file name
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert not report.problems and not report.curves
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {
        form(on_disk, n.removeprefix("data/")): "RRL" if n.endswith("4") else "Mira"
        for n in names}
    assert sorted(read_folder(tmp_path, report=DropReport()).ids) == sorted(
        form(on_disk, n.removeprefix("data/")) for n in names)


def test_two_files_whose_names_differ_in_unicode_form_only_stay_two_stars(
        tmp_path: Path) -> None:
    """On Linux 'étoile.dat' can be on disk in both forms, two files: each catalogue row
    finds its own, by its exact name, and they are two stars."""
    _write(tmp_path, {"étoile.dat": FILES["stars/215153.dat"],
                      f"{_nfd('étoile')}.dat": FILES["stars/215153.dat"]})
    (tmp_path / "catalog.csv").write_text(f"filename,class\nétoile.dat,Mira\n"
                                          f"{_nfd('étoile')}.dat,RRL\n", encoding="utf-8")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert not report.problems
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {"étoile": "Mira",
                                                                 _nfd("étoile"): "RRL"}


def test_a_name_written_otherwise_is_said_in_either_unicode_form(tmp_path: Path) -> None:
    """'ASAS Céphéide' for a decomposed 'files/Céphéide.dat' is said as a name written
    otherwise (a prefix), as it is when both are composed."""
    _write(tmp_path, {f"files/{_nfd('Céphéide')}.dat": FILES["stars/215153.dat"]})
    (tmp_path / "catalog.csv").write_text("filename,class\nASAS Céphéide,DCEP\n",
                                          encoding="utf-8")
    report = DropReport()
    read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    assert report.curves["missing_file"] == 1
    assert "but for a prefix or leading zeros ('ASAS Céphéide' is" in report.problems[0]


def test_a_catalogue_name_in_another_letter_case_says_the_file_on_disk(tmp_path: Path) -> None:
    """'data/star_1.csv' for data/Star_1.csv works on Windows and macOS, whose disks ignore
    case: here it is still not found (which file was meant is the user's to say), and the
    message names the file that differs only in case."""
    _write(tmp_path, {"data/Star_1.csv": FILES["stars/215153.dat"],
                      "C.TXT": FILES["stars/215153.dat"], "b.csv": FILES["stars/215153.dat"]})
    (tmp_path / "catalog.csv").write_text("filename,class\ndata/star_1.csv,Mira\nc.txt,RRL\n"
                                          "b.csv,Mira\nnone.csv,Mira\n")
    report = DropReport()
    curves = read_catalogue_folder(tmp_path / "catalog.csv", tmp_path, report=report)
    catalogue = tmp_path / "catalog.csv"
    assert report.problems == [
        f"{catalogue}:2: file 'data/star_1.csv' not found in {tmp_path} (on disk: "
        f"'data/Star_1.csv', another letter case)",
        f"{catalogue}:3: file 'c.txt' not found in {tmp_path} (on disk: 'C.TXT', another "
        f"letter case)",
        f"{catalogue}:5: file 'none.csv' not found in {tmp_path}"]
    assert report.curves["missing_file"] == 3
    # (read unlabelled; C.TXT's suffix is no listed file's, so it is not data)
    assert dict(zip(curves.ids, curves.labels, strict=True)) == {"b": "Mira", "Star_1": ""}


LITTER = {"Thumbs.db": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64),  # an OLE file
          "sub/ehthumbs.db": b"\xd0\xcf\x11\xe0" + bytes(16),
          "desktop.ini": "[.ShellClassInfo]\r\nIconResource=x.ico,0\r\n".encode("utf-16"),
          "Desktop.ini": b"[.ShellClassInfo]\r\n", "Icon\r": b"",
          ".DS_Store": b"\x00\x00\x00\x01Bud1"}


@pytest.mark.parametrize("where", ["folder", "zip"])
def test_windows_and_macos_system_files_are_skipped_and_counted(tmp_path: Path,
                                                                where: str) -> None:
    """Thumbs.db, desktop.ini, macOS's Icon\\r beside the stars, with no catalogue (or in a
    zip) are not light curves: skipped by name and counted, not unreadable files that make
    predict exit 1 "incomplete"."""
    files = {"stars/215153.dat": FILES["stars/215153.dat"], "star 2.csv": "1,2,3\n2,3,4\n",
             **LITTER}
    if where == "zip":
        source = write_archive(tmp_path / "My Stars.zip", files)
    else:
        source = tmp_path / "folder"
        for rel, data in files.items():
            (source / rel).parent.mkdir(parents=True, exist_ok=True)
            (source / rel).write_bytes(data.encode() if isinstance(data, str) else data)
    report = DropReport()
    curves = read_folder(source, report=report)
    assert sorted(curves.ids) == ["215153", "star 2"]
    assert not report.problems and not report.curves
    assert report.events == Counter(skipped_non_data_file=5, skipped_hidden_file=1)
    # beside a catalogue of files without a suffix too (the litter has none, or .db, .ini)
    if where == "folder":
        (source / "stars" / "215153.dat").rename(source / "stars" / "215153")
        (source / "catalog.csv").write_text("filename,class\n215153,Mira\nstar 2.csv,RRL\n")
        report = DropReport()
        curves = read_catalogue_folder(source / "catalog.csv", source, report=report)
        assert sorted(curves.ids) == ["215153", "star 2"] and not report.problems
        assert report.events["skipped_non_data_file"] == 5
