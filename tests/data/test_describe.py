"""What a dataset holds, after cleaning."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lcformer.data.describe import UNLABELLED, band_summary, describe
from lcformer.data.lightcurves import LightCurves
from lcformer.errors import DatasetNotFoundError, InputError
from tests.data.reading.archives import write_archive


def test_a_lone_table_beside_labels_says_why_its_stars_have_no_class(tmp_path) -> None:
    """describe printed "(unlabelled)" for every star, with no word of the labels.csv."""
    t = np.arange(20.0)
    frame = pd.concat([pd.DataFrame({"id": star, "time": t, "mag": 12 + np.sin(t + k),
                                     "err": 0.01}) for k, star in enumerate("ab")])
    frame.to_csv(tmp_path / "stars.csv.gz", index=False)
    pd.DataFrame({"id": ["a", "b"], "class": ["x", "y"]}).to_csv(tmp_path / "labels.csv",
                                                               index=False)
    found = describe(str(tmp_path / "stars.csv.gz"))
    assert found.classes.index.tolist() == [UNLABELLED]
    assert found.format().splitlines()[-1] == (
        f"the labels.csv beside stars.csv.gz is not read: a table's labels.csv is read in "
        f"the folder given, beside a table named lightcurves.* (as "
        f"{tmp_path / 'lightcurves.csv.gz'})")
    (tmp_path / "stars.csv.gz").rename(tmp_path / "lightcurves.csv.gz")
    assert sorted(describe(str(tmp_path)).classes.index) == ["x", "y"]


def test_classes_that_differ_only_in_case_are_said_as_training_says_them(tmp_path) -> None:
    """'RR Lyrae' and 'rr lyrae' are two classes: describe says so, as train warns of
    them."""
    t = np.arange(20.0)
    pd.concat([pd.DataFrame({"id": star, "time": t, "mag": 12 + np.sin(t), "err": 0.01,
                             "class": label})
               for star, label in (("a", "RR Lyrae"), ("b", "rr lyrae"), ("c", "EB"))]
              ).to_csv(tmp_path / "lightcurves.csv", index=False)
    with pytest.warns(UserWarning, match=r"classes 'RR Lyrae' and 'rr lyrae' differ only in "
                                         r"case, so they are 2 classes"):
        found = describe(str(tmp_path))
    assert sorted(found.classes.index) == ["EB", "RR Lyrae", "rr lyrae"]


def test_a_lone_star_file_is_described_as_predict_reads_it(tmp_path) -> None:
    """describe refused an ASAS-SN download given alone ("missing ['id', 'time']: map yours
    with --columns id=NAME..."), whose only mappable "id" split the star by camera, and an
    OGLE .dat file; predict reads both as one star's file."""
    t = np.arange(30.0)
    download = pd.DataFrame({"HJD": 2456293.5 + t, "Camera": np.where(t % 2, "bd", "be"),
                             "mag": 12 + np.sin(t), "mag_err": 0.03,
                             "Filter": np.where(t < 20, "V", "g")})
    download.to_csv(tmp_path / "AP1.csv", index=False)
    found = describe(str(tmp_path / "AP1.csv"))
    assert (found.name, len(found.stars), len(found.curves)) == ("AP1", 1, 2)
    assert sorted(found.bands.index) == ["V", "g"]
    (tmp_path / "OGLE-1.dat").write_text(_star_text(0))
    found = describe(str(tmp_path / "OGLE-1.dat"))
    assert (found.name, len(found.stars), found.curves["n_points"].sum()) == ("OGLE-1", 1, 20)
    # A table named as a dataset's, given alone: the hint says to give its folder.
    pd.DataFrame({"id": "a", "time": t, "mag": 12 + np.sin(t), "err": 0.01}).to_csv(
        tmp_path / "lightcurves.csv", index=False)
    (tmp_path / "labels.csv").write_text("id,class\na,x\n")
    assert describe(str(tmp_path / "lightcurves.csv")).format().splitlines()[-1].endswith(
        f"beside a table named lightcurves.* (give the folder, {tmp_path})")


def _star_text(k: int) -> str:
    """One star's headerless time,mag,err file of 20 points."""
    t = np.arange(20.0)
    return "".join(f"{x},{12 + np.sin(x + k):.4f},0.01\n" for x in t)


def test_a_labels_file_of_only_a_header_is_described_as_none_a_catalogue_refused(
        tmp_path) -> None:
    """A labels.csv of its header alone is no error (exit 2): a folder is described before
    it is labelled. Its stars are described unlabelled, counted (empty_labels_file) and said
    so, also for Parquet partitions; a per-star catalog.csv of its header alone lists no
    file to read: refused."""
    table = tmp_path / "table"
    table.mkdir()
    frame = pd.DataFrame({"id": np.repeat(["a", "b"], 20), "time": np.tile(np.arange(20.0), 2),
                          "mag": 12.0, "err": 0.01})
    frame.to_csv(table / "lightcurves.csv", index=False)
    parts = tmp_path / "parts"
    parts.mkdir()
    for k, star in enumerate("ab"):
        frame[frame["id"] == star].to_parquet(parts / f"part.{k}.parquet", index=False)
    for folder in (table, parts):
        (folder / "labels.csv").write_text("id,class\n")
        with pytest.warns(UserWarning, match=re.escape(
                f"{folder / 'labels.csv'}:1: only a header, no rows: read as no labels")):
            found = describe(str(folder))
        assert found.classes["size"].to_dict() == {UNLABELLED: 2}
        assert found.report.events["empty_labels_file"] == 1
        assert found.hint == ("the labels file has no rows (only a header), so no star is "
                              "labelled by it: every star is (unlabelled); prepare and train "
                              "refuse it until it is filled in")
        assert found.format().endswith(found.hint)
    frame.assign(**{"class": np.repeat(["x", "y"], 20)}).to_csv(table / "lightcurves.csv",
                                                                index=False)
    with pytest.warns(UserWarning, match="read as no labels"):
        found = describe(str(table))
    assert sorted(found.classes.index) == ["x", "y"]  # the table's own, kept
    assert "the classes above are the table's own class column" in found.hint
    files = tmp_path / "files"
    files.mkdir()
    for k in range(2):
        (files / f"s{k}.dat").write_text(_star_text(k))
    (files / "catalog.csv").write_text("filename,class\n")
    with pytest.raises(InputError) as caught:
        describe(str(files))
    assert str(caught.value) == (f"{files / 'catalog.csv'}:1: only a header, no rows: a "
                                 f"catalogue that lists no file reads no light curve; list "
                                 f"its files (filename[,class]), or remove it to predict on "
                                 f"every file")
    (table / "labels.csv").write_text("id,class\na,x\n")
    frame.to_csv(table / "lightcurves.csv", index=False)
    assert describe(str(table)).classes["size"].to_dict() == {"x": 1, UNLABELLED: 1}
    (files / "catalog.csv").write_text("filename,class\ns0.dat,x\ns1.dat,y\n")
    assert sorted(describe(str(files)).classes.index) == ["x", "y"]


@pytest.mark.parametrize("name", ["two.zip", "two.tar.gz"])
def test_an_archive_of_two_catalogues_is_refused_naming_both(tmp_path, name) -> None:
    """north/catalog.csv read and south/catalog.csv skipped as a non-data file would leave
    south's stars unlabelled, exit 0. A copy the same as the one read is read
    once, and counted."""
    files = {"north/catalog.csv": "filename,class\nn0.dat,RRL\n", "north/n0.dat": _star_text(0),
             "south/catalog.csv": "filename,class\ns0.dat,EB\n", "south/s0.dat": _star_text(1)}
    archive = write_archive(tmp_path / name, files)
    with pytest.raises(InputError) as caught:
        describe(str(archive))
    assert str(caught.value) == (
        f"{archive}: holds 2 catalogues that differ (north/catalog.csv, south/catalog.csv): "
        f"which labels the files cannot be guessed (only north/catalog.csv would be read, the "
        f"other ignored); join them into one catalog.csv and repack {name} without the other")
    files["north/catalog.csv"] += "s0.dat,EB\n"  # joined: every star labelled
    files["south/catalog.csv"] = files["north/catalog.csv"]  # and the other left as a copy
    found = describe(str(write_archive(tmp_path / name, files)))
    assert found.classes["size"].to_dict() == {"RRL": 1, "EB": 1}
    assert not found.report.problems
    assert found.report.events["identical_catalogue_copy_not_read"] == 1
    # Without a catalogue: its stars unlabelled, as predict reads them (not refused).
    bare = write_archive(tmp_path / f"bare-{name}", {"n0.dat": _star_text(0),
                                                     "s0.dat": _star_text(1)})
    assert describe(str(bare)).classes["size"].to_dict() == {UNLABELLED: 2}


def test_each_band_is_summarised_by_a_curves_medians(tmp_path) -> None:
    """What a model's per-star values depend on, per band, to compare a survey with the one a
    model was trained on: a curve's points, span, cadence, magnitude and error (medians)."""
    rows = []
    for k, star in enumerate(["a", "b", "c"]):
        g = np.arange(10 + 10 * k) * 2.0  # 10, 20, 30 points every 2 days
        r = np.arange(40) * 0.5  # 40 points every half day
        rows += [pd.DataFrame({"id": star, "band": "g", "time": g, "mag": 15.0 + k,
                               "err": 0.01 * (k + 1)}),
                 pd.DataFrame({"id": star, "band": "r", "time": r, "mag": 14.0,
                               "err": np.nan})]
    pd.concat(rows).to_csv(tmp_path / "lightcurves.csv", index=False)
    found = describe(str(tmp_path))
    bands = found.bands
    assert bands.index.tolist() == ["g", "r"]
    assert bands.loc["g"].to_dict() == pytest.approx({"curves": 3, "points": 20, "nights": 20,
                                                      "span": 38.0, "cadence": 2.0,
                                                      "magnitude": 16.0, "error": 0.02})
    # A step of half a day is no new night; each of 2 days is.
    assert bands.loc["r", ["curves", "points", "nights", "span", "cadence",
                           "magnitude"]].tolist() == [3, 40, 1, 19.5, 0.5, 14.0]
    assert np.isnan(bands.loc["r", "error"])  # no error known
    lines = found.format().splitlines()
    at = next(i for i, line in enumerate(lines) if line.lstrip().startswith("band"))
    assert lines[at].split() == ["band", "curves", "a", "curve's", "median:", "points",
                                 "nights", "span", "(d)", "cadence", "(d)", "magnitude",
                                 "error"]
    assert lines[at + 1].split() == ["g", "3", "20", "20", "38.0", "2", "16.00", "0.020"]
    assert lines[at + 2].split() == ["r", "3", "40", "1", "19.5", "0.5", "14.00", "-"]
    # Space photometry's errors of 1e-4 mag are shown, not as 0.000.
    frame = pd.read_csv(tmp_path / "lightcurves.csv")
    frame["err"] = frame["err"] / 200
    frame.to_csv(tmp_path / "lightcurves.csv", index=False)
    lines = describe(str(tmp_path)).format().splitlines()
    assert lines[at + 1].split()[-1] == "1.0e-04"


def test_a_folder_of_star_files_without_a_catalogue_is_described_unlabelled(tmp_path) -> None:
    """Described before it is labelled, as predict reads it: no layout error."""
    for k in range(3):
        (tmp_path / f"star{k}.dat").write_text(_star_text(k))
    found = describe(str(tmp_path))
    assert found.name == tmp_path.name and len(found.stars) == 3
    assert found.classes.index.tolist() == [UNLABELLED]
    assert found.format().splitlines()[-1] == (
        f"{tmp_path} has no catalog.csv (nor a table with labels), so its stars are "
        f"(unlabelled): train needs one, of filename,class (or a labels.csv of id,class, the "
        f"ids the files' names)")
    (tmp_path / "labels.csv").write_text("id,class\nstar0,RRab\nstar1,RRc\n")  # now labelled
    found = describe(str(tmp_path))
    assert sorted(found.classes.index.tolist()) == sorted(["RRab", "RRc", UNLABELLED])
    with pytest.raises(DatasetNotFoundError):  # not a folder
        describe(str(tmp_path / "nothing"))


def test_bands_are_listed_blue_to_red() -> None:
    """Not as first met (PLAsTiCC's u, y, i, g, z, r)."""
    t = np.arange(5.0)
    curves = LightCurves.from_list([("a", band, t, np.full(5, 15.0), None)
                                    for band in ("y", "i", "Ks", "u", "g", "z", "r")])
    assert list(band_summary(curves).index) == ["u", "g", "r", "i", "z", "y", "Ks"]
