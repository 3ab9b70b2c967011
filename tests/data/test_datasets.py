"""Dataset registry and resolve(): registered names under a data root, or a user's folder."""

from __future__ import annotations

import re
import tarfile
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.data.datasets import DATA_DIR_ENV, REGISTRY, data_dir, resolve
from lcformer.data.report import DropReport
from lcformer.errors import DatasetNotFoundError, LcformerError


def long_table_folder(folder: Path, n_stars: int = 3, n_points: int = 8) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    rows = [{"id": f"s{i}", "band": "V", "time": float(t), "mag": 10 + np.sin(t + i),
             "err": 0.01} for i in range(n_stars) for t in range(n_points)]
    pd.DataFrame(rows).to_csv(folder / "lightcurves.csv", index=False)
    pd.DataFrame({"id": [f"s{i}" for i in range(n_stars)],
                  "class": ["A" if i % 2 else "B" for i in range(n_stars)]}).to_csv(
        folder / "labels.csv", index=False)
    return folder


def per_star_folder(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("x1", "x2"):
        t = np.arange(6.0)
        np.savetxt(folder / f"{name}.csv", np.c_[t, 12 + np.cos(t), np.full(6, 0.02)],
                   delimiter=",")
    (folder / "catalog.csv").write_text("filename,class\nx1.csv,RRL\nx2.csv,CEP\n")
    return folder


def test_registry_has_the_documented_datasets() -> None:
    assert {"synthetic", "asas_acvs", "asas_richards2012", "eros1", "macho"} <= set(REGISTRY)
    assert REGISTRY["eros1"].tokens.window == 60 and REGISTRY["eros1"].tokens.pad_short
    assert REGISTRY["eros1"].cleaning.sentinel_values == (25.0,)


def test_synthetic_needs_no_files(tmp_path) -> None:
    spec, folder = resolve("synthetic", tmp_path / "nowhere")
    assert spec.name == "synthetic"
    assert folder == tmp_path / "nowhere" / "synthetic"
    # Its fingerprint is the generator's configuration: no file is read.
    assert '"generator"' in spec.fingerprint(folder)


def test_registered_name_under_the_data_root(tmp_path, monkeypatch) -> None:
    (tmp_path / "eros1").mkdir()
    for name in ("lightcurves.parquet", "labels.csv"):
        (tmp_path / "eros1" / name).write_bytes(b"")
    spec, folder = resolve("eros1", tmp_path)
    assert spec is REGISTRY["eros1"] and folder == tmp_path / "eros1"
    # Its fingerprint hashes the folder's files: a changed byte is a new preparation.
    before = spec.fingerprint(folder)
    (tmp_path / "eros1" / "labels.csv").write_bytes(b"id,class\n")
    assert spec.fingerprint(folder) != before
    # The root may come from the environment.
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path))
    assert data_dir() == tmp_path
    assert resolve("eros1")[1] == tmp_path / "eros1"


def test_macho_samples_folder_is_found_for_macho(tmp_path) -> None:
    (tmp_path / "macho_samples").mkdir()
    (tmp_path / "macho_samples" / "catalog.csv").write_text("id,class\n")
    for name in ("macho", "macho_samples"):
        spec, folder = resolve(name, tmp_path)
        assert spec.name == "macho" and folder == tmp_path / "macho_samples"


def test_missing_registered_dataset_says_where_to_put_it(tmp_path) -> None:
    with pytest.raises(DatasetNotFoundError) as caught:
        resolve("asas_acvs", tmp_path)
    message = str(caught.value)
    assert "'asas_acvs' not found" in message
    assert "lightcurves.parquet, labels.csv" in message
    assert str(tmp_path / "asas_acvs") in message
    assert "--data-dir" in message and DATA_DIR_ENV in message
    assert "longjp/lightcurves" in message  # the source
    assert isinstance(caught.value, LcformerError) and isinstance(caught.value, FileNotFoundError)


def test_registered_dataset_with_a_file_missing(tmp_path) -> None:
    (tmp_path / "eros1").mkdir()
    (tmp_path / "eros1" / "labels.csv").write_text("id,class\n")
    with pytest.raises(DatasetNotFoundError, match=r"lightcurves\.parquet"):
        resolve("eros1", tmp_path)


def test_unknown_name_lists_the_registered_datasets(tmp_path) -> None:
    with pytest.raises(DatasetNotFoundError) as caught:
        resolve("ogle4", tmp_path)
    message = str(caught.value)
    assert "unknown dataset 'ogle4'" in message
    for name in REGISTRY:
        assert name in message


def test_user_long_table_folder(tmp_path) -> None:
    folder = long_table_folder(tmp_path / "mine")
    spec, found = resolve(str(folder), tmp_path / "root")
    assert found == folder and spec.name == "mine"
    assert spec.name not in REGISTRY
    report = DropReport()
    lcs = spec.read(folder, report)
    assert lcs.n_stars == 3 and lcs.n_points == 24
    assert dict(zip(lcs.ids, lcs.labels, strict=True)) == {"s0": "B", "s1": "A", "s2": "B"}
    assert not report.problems


def test_user_per_star_folder(tmp_path) -> None:
    folder = per_star_folder(tmp_path / "files")
    spec, found = resolve(str(folder))
    assert found == folder and "one file per star" in spec.description
    lcs = spec.read(folder, DropReport())
    assert sorted(zip(lcs.ids, lcs.labels, strict=True)) == [("x1", "RRL"), ("x2", "CEP")]
    assert lcs.lengths.tolist() == [6, 6]


def test_per_star_files_in_an_archive_with_their_catalogue_inside_or_beside(tmp_path) -> None:
    """As the README's layout says, "folder or archive": an archive of the files and their
    catalog.csv is a labelled dataset; so is a catalog.csv beside the one archive holding
    the files (asas_richards2012's layout). Its catalogue is not read as a star."""
    import tarfile
    import zipfile

    files = per_star_folder(tmp_path / "files")
    with zipfile.ZipFile(tmp_path / "stars.zip", "w") as archive:
        for path in files.iterdir():
            archive.write(path, f"stars/{path.name}")  # zipped with its folder
    beside = tmp_path / "beside"
    beside.mkdir()
    (beside / "catalog.csv").write_text((files / "catalog.csv").read_text())
    (beside / "README.txt").write_text("x1, x2: two stars\n")  # not one of its files
    with tarfile.open(beside / "stars.tar.gz", "w:gz") as archive:
        for name in ("x1.csv", "x2.csv"):
            archive.add(files / name, name)
    for source, name in ((tmp_path / "stars.zip", "stars"), (beside, "beside")):
        spec, found = resolve(str(source))
        assert found == source and spec.name == name and spec.per_star
        report = DropReport()
        lcs = spec.read(found, report)
        assert sorted(zip(lcs.ids, lcs.labels, strict=True)) == [("x1", "RRL"), ("x2", "CEP")]
        assert not report.problems and not report.curves
    # Files beside the catalogue (named with dots, as ASAS-SN's J0001.19+3208.2) are its
    # files, whatever archive sits beside them.
    dotted = tmp_path / "dotted"
    dotted.mkdir()
    (dotted / "catalog.csv").write_text("filename,class\nJ0001.19+3208.2,RRL\n")
    (dotted / "J0001.19+3208.2.csv").write_text((files / "x1.csv").read_text())
    (dotted / "download.zip").write_bytes((tmp_path / "stars.zip").read_bytes())
    spec, found = resolve(str(dotted))
    assert spec.read(found, DropReport()).ids.tolist() == ["J0001.19+3208.2"]


def test_user_folder_of_unknown_layout(tmp_path) -> None:
    (tmp_path / "odd").mkdir()
    (tmp_path / "odd" / "README.md").write_text("hello")
    with pytest.raises(DatasetNotFoundError, match=r"cannot tell the layout.*MACHO files$"):
        resolve(str(tmp_path / "odd"))
    # Files that may be one star each (OGLE's I/*.dat): what to write, or predict.
    (tmp_path / "odd" / "OGLE-1.dat").write_text("1 15.0 0.01\n")
    with pytest.raises(DatasetNotFoundError, match=r"it holds 1 other file\(s\) \(\.dat\): if each "
                                                   r"is a star's light curve, write .*catalog"):
        resolve(str(tmp_path / "odd"))
    # OGLE's ident.dat beside them: pointed to as what the catalogue is written from.
    (tmp_path / "odd" / "ident.dat").write_text("OGLE-1 05:00:00 -69:00:00 RRab\n")
    with pytest.raises(DatasetNotFoundError, match=r"OGLE's .*ident\.dat names each star and "
                                                   r"its type: docs/data\.md shows how"):
        resolve(str(tmp_path / "odd"))
    # MACHO archive files: MACHO's catalogue, not filename,class
    (tmp_path / "macho").mkdir()
    (tmp_path / "macho" / "LC_1.3319.10.csv").write_text(
        "fieldid,tileid,seqn,dateobs,rmag,rerr,bmag,berr\n1,3319,10,49000.1,-5.1,0.02,-5.0,0.03\n")
    with pytest.raises(DatasetNotFoundError, match=r"it holds MACHO files: write .*catalog\.csv "
                                                   r"with MACHO's variable-star catalogue's "
                                                   r"columns field,tile,seqn,classification"):
        resolve(str(tmp_path / "macho"))
    # A user's own LC_star.csv of time, mag is no MACHO file
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "LC_star.csv").write_text("time,mag\n1,12\n")
    with pytest.raises(DatasetNotFoundError, match=r"write .*catalog\.csv with filename,class"):
        resolve(str(tmp_path / "mine"))


def test_a_table_of_another_name_beside_labels_is_named_with_what_to_rename(tmp_path) -> None:
    """A folder of stars.csv and labels.csv: only lightcurves.* pairs with labels.csv."""
    (tmp_path / "stars.csv.gz").write_bytes(b"")
    (tmp_path / "labels.csv").write_text("id,class\n")
    with pytest.raises(DatasetNotFoundError,
                       match=r"to read stars\.csv\.gz with labels\.csv, name it "
                             r"lightcurves\.csv\.gz\)$"):
        resolve(str(tmp_path))
    (tmp_path / "stars.csv.gz").unlink()
    (tmp_path / "labels.csv.gz").write_bytes(b"")  # labels, not a table of points
    (tmp_path / "stars.fit").write_bytes(b"")
    with pytest.raises(DatasetNotFoundError, match=r"name it lightcurves\.fit\)$"):
        resolve(str(tmp_path))
    (tmp_path / "more.csv").write_bytes(b"")  # two tables: which one is meant is unknown
    with pytest.raises(DatasetNotFoundError, match=r"MACHO files$"):
        resolve(str(tmp_path))


def test_a_work_folder_inside_the_data_folder_is_not_input(tmp_path, monkeypatch) -> None:
    """`lcformer prepare .` from the data folder: each run's outputs changed the input hash,
    so it prepared anew every time, into a folder named "-<hash>"."""
    from lcformer.data.datasets import prepare_dataset
    from lcformer.data.prepared import PrepareConfig
    from lcformer.data.tokens import TokenConfig

    folder = long_table_folder(tmp_path / "mine", n_points=30)
    monkeypatch.chdir(folder)
    config = PrepareConfig(tokens=TokenConfig(window=10, stride=5))
    first, reused = prepare_dataset(".", config, work="lcformer-work", progress=False)
    assert not reused and first.path.parent.parent.resolve() == folder / "lcformer-work"
    assert first.path.name.startswith("mine-")
    again, reused = prepare_dataset(".", config, work="lcformer-work", progress=False)
    assert reused and again.path == first.path


def test_data_inside_the_work_folder_is_still_input(tmp_path) -> None:
    """Leaving out the work folder must not leave out data kept below it, or the fingerprint
    is that of no file at all, and edited data reuse the old preparation."""
    from lcformer.data.prepared import fingerprint_files

    folder = long_table_folder(tmp_path / "work" / "data" / "mine")
    before = fingerprint_files([folder], tmp_path / "work")
    assert before == fingerprint_files([folder])
    (folder / "labels.csv").write_text("id,class\ns0,X\ns1,X\ns2,X\n")
    assert fingerprint_files([folder], tmp_path / "work") != before


def test_two_tables_in_one_folder_are_refused(tmp_path) -> None:
    """lightcurves.parquet and lightcurves.csv: which one is meant? Not one read silently."""
    from lcformer.data.datasets import long_table_file
    from lcformer.errors import InputError

    (tmp_path / "lightcurves.parquet").write_bytes(b"")
    assert long_table_file(tmp_path) == tmp_path / "lightcurves.parquet"
    (tmp_path / "lightcurves.csv").write_text("id,time,mag\n")
    with pytest.raises(InputError, match=r"holds lightcurves\.parquet and lightcurves\.csv"):
        long_table_file(tmp_path)


def test_light_curves_beside_a_long_table_are_warned_of_not_left_unseen(tmp_path) -> None:
    """A second table (lightcurves_2021.csv), or a catalogue of per-star files, beside
    lightcurves.* and labels.csv is not read: said, not left unseen."""
    folder = long_table_folder(tmp_path / "mine")
    (folder / "README.md").write_text("my survey\n")  # documents are not light curves
    (folder / "predictions.csv").write_text("id,predicted\n")
    (folder / "predictions.parquet").write_bytes(b"")  # predict's output, not input
    spec, _ = resolve(str(folder))
    report = DropReport()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        spec.read(folder, report)  # nothing to warn of
    (folder / "lightcurves_2021.csv").write_text("id,time,mag\n")
    (folder / "catalog.csv").write_text("filename,class\n")
    with pytest.warns(UserWarning, match=r"2 file\(s\) or folder\(s\) beside labels\.csv and "
                      r"lightcurves\.csv are not read \(catalog\.csv, lightcurves_2021\.csv\)"):
        lcs = spec.read(folder, report)
    assert lcs.n_stars == 3 and report.events["files_beside_the_table_not_read"] == 2


def test_a_second_catalogue_among_the_files_is_refused_naming_both(tmp_path) -> None:
    """A folder's catalog.csv is read; another in a subfolder, or in the archive of files
    beside it, is not passed over, its stars read unlabelled. (The message says they
    differ, and advises as the layout asks.)"""
    from lcformer.errors import InputError

    folder = per_star_folder(tmp_path / "nested")
    (folder / "more").mkdir()
    (folder / "more" / "catalog.csv").write_text("filename,class\nx3.csv,EB\n")
    (folder / "more" / "x3.csv").write_text((folder / "x1.csv").read_text())
    spec, found = resolve(str(folder))
    with pytest.raises(InputError, match=r"^" + re.escape(
            f"{folder}: holds 2 catalogues that differ (catalog.csv, more/catalog.csv): which "
            f"labels the files cannot be guessed")):
        spec.read(found, DropReport())
    beside = tmp_path / "beside"
    beside.mkdir()
    (beside / "catalog.csv").write_text((folder / "catalog.csv").read_text())
    with tarfile.open(beside / "stars.tar.gz", "w:gz") as archive:
        for name in ("x1.csv", "x2.csv", "more/catalog.csv"):
            archive.add(folder / name, name)
    spec, found = resolve(str(beside))
    with pytest.raises(InputError, match=re.escape(
            "holds 2 catalogues that differ (catalog.csv, stars.tar.gz/more/catalog.csv)")):
        spec.read(found, DropReport())


@pytest.mark.parametrize("layout", ["archive_and_its_catalogue_beside", "backup", "_old"])
def test_identical_copies_of_the_catalogue_are_read_once_and_counted(tmp_path, layout) -> None:
    """Read, not refused (exit 2): an archive with the same catalog.csv extracted beside
    it, backup/catalog.csv, _old/catalog.csv."""
    folder = per_star_folder(tmp_path / "stars")
    text = (folder / "catalog.csv").read_text()
    event = "identical_catalogue_copy_not_read"
    if layout == "archive_and_its_catalogue_beside":
        with tarfile.open(folder / "stars.tar.gz", "w:gz") as archive:
            for name in ("x1.csv", "x2.csv", "catalog.csv"):
                archive.add(folder / name, name)
                if name != "catalog.csv":
                    (folder / name).unlink()
    else:
        (folder / layout).mkdir()
        (folder / layout / "catalog.csv").write_text(text if layout == "backup" else
                                                     "filename,class\nx1.csv,Old\n")
        event = "identical_catalogue_copy_not_read" if layout == "backup" else \
            "catalogue_in_underscore_folder_not_read"
    spec, found = resolve(str(folder))
    report = DropReport()
    lcs = spec.read(found, report)
    assert dict(zip(lcs.ids, lcs.labels, strict=True)) == {"x1": "RRL", "x2": "CEP"}
    assert report.events == {event: 1} and not report.problems


def test_a_near_miss_of_a_registered_name_is_suggested(tmp_path) -> None:
    with pytest.raises(DatasetNotFoundError, match="did you mean eros1"):
        resolve("eros", tmp_path)
    with pytest.raises(DatasetNotFoundError) as caught:
        resolve("ogle4", tmp_path)
    assert "did you mean" not in str(caught.value)


def test_a_lone_long_table_file_is_a_dataset_labelled_by_its_class_column(tmp_path) -> None:
    folder = long_table_folder(tmp_path / "src")
    table = pd.read_csv(folder / "lightcurves.csv").merge(pd.read_csv(folder / "labels.csv"))
    path = tmp_path / "my_survey.csv.gz"
    table.to_csv(path, index=False)
    spec, found = resolve(str(path), tmp_path / "root")
    assert found == path and spec.name == "my_survey" and spec.long_table
    lcs = spec.read(path, DropReport())
    assert dict(zip(lcs.ids, lcs.labels, strict=True)) == {"s0": "B", "s1": "A", "s2": "B"}
    assert lcs.n_points == 24


def test_training_data_without_labels_is_refused_naming_the_file(tmp_path) -> None:
    from lcformer.data.datasets import prepare_dataset
    from lcformer.errors import NothingToTrainError

    folder = long_table_folder(tmp_path / "src")
    (folder / "labels.csv").unlink()  # a folder with a table and nothing to label it
    lone = tmp_path / "my_survey.csv"  # a lone table without a class column
    lone.write_bytes((folder / "lightcurves.csv").read_bytes())
    for given in (folder, lone):
        with pytest.raises(NothingToTrainError,
                           match=rf"^{given}: no labels .* use `lcformer predict`$"):
            prepare_dataset(str(given), work=tmp_path / "work", progress=False)
    # A labels.csv beside a lone table is read only with its folder: the error says so.
    (tmp_path / "labels.csv").write_text("id,class\ns0,A\n")
    with pytest.raises(NothingToTrainError, match=rf"the {tmp_path / 'labels.csv'} beside "
                                                  rf"this file is read when its folder is "
                                                  rf"given, with the table named "
                                                  rf"lightcurves.csv\)"):
        prepare_dataset(str(lone), work=tmp_path / "work", progress=False)


def test_a_lone_file_that_is_not_a_table_is_refused_naming_it(tmp_path) -> None:
    path = tmp_path / "star.dat"
    path.write_text("1 10.0 0.1\n2 10.1 0.1\n")
    with pytest.raises(LcformerError, match=r"star\.dat: unsupported table format \(\.dat\)"):
        resolve(str(path))


@pytest.mark.parametrize(("file", "name"), [("synthetic.parquet", "synthetic.parquet"),
                                            ("eros1.csv", "eros1.csv"), (".parquet", "parquet"),
                                            ("survey.fits.gz", "survey")])
def test_a_lone_files_name_is_never_a_registered_datasets(tmp_path, file, name) -> None:
    long_table_folder(tmp_path / "src")
    path = tmp_path / file
    path.write_bytes((tmp_path / "src" / "lightcurves.csv").read_bytes())
    spec, _ = resolve(str(path), tmp_path / "root")
    assert spec.name == name
    before = spec.fingerprint(path)  # of the file, not of the synthetic generator
    path.write_bytes(path.read_bytes() + b"s9,V,1.0,10.0,0.01\n")
    assert spec.fingerprint(path) != before


def test_a_folder_of_parquet_partitions_is_a_dataset(tmp_path) -> None:
    source = long_table_folder(tmp_path / "src", n_stars=4)
    table = pd.read_csv(source / "lightcurves.csv").merge(pd.read_csv(source / "labels.csv"))
    folder = tmp_path / "parts"
    folder.mkdir()
    for k, ids in enumerate((["s0", "s1"], ["s2", "s3"])):
        table[table["id"].isin(ids)].to_parquet(folder / f"part.{k}.parquet")
    (folder / "_SUCCESS").write_text("")  # as Spark writes: not data
    spec, found = resolve(str(folder), tmp_path / "root")
    assert found == folder and spec.long_table and "Parquet partitions" in spec.description
    lcs = spec.read(folder, DropReport())
    assert dict(zip(lcs.ids, lcs.labels, strict=True)) == {"s0": "B", "s1": "A", "s2": "B",
                                                           "s3": "A"}


def test_a_hats_catalogue_is_a_dataset_of_its_partitions_only(tmp_path) -> None:
    """LSDB's layout: properties beside dataset/Norder=/Dir=/Npix= partitions, and a
    data_thumbnail.parquet that repeats some of their rows (read, it would double stars)."""
    source = long_table_folder(tmp_path / "src", n_stars=4)
    table = pd.read_csv(source / "lightcurves.csv").merge(pd.read_csv(source / "labels.csv"))
    root = tmp_path / "catalogue"
    parts = root / "dataset" / "Norder=0" / "Dir=0"
    parts.mkdir(parents=True)
    (root / "properties").write_text("dataset_type=object\n")
    for npix, ids in ((1, ["s0", "s1"]), (2, ["s2", "s3"])):
        table[table["id"].isin(ids)].to_parquet(parts / f"Npix={npix}.parquet")
    table[table["id"] == "s0"].to_parquet(root / "dataset" / "data_thumbnail.parquet")
    spec, found = resolve(str(root), tmp_path / "root")
    assert found == root and spec.long_table
    report = DropReport()
    lcs = spec.read(root, report)
    assert sorted(lcs.ids) == ["s0", "s1", "s2", "s3"] and lcs.n_points == 32
    assert not report.problems
    # A HATS collection: its main catalogue, not the margin cache (which repeats stars).
    margin = tmp_path / "margin" / "dataset" / "Norder=0" / "Dir=0"
    margin.mkdir(parents=True)
    (tmp_path / "margin" / "properties").write_text("dataset_type=margin\n")
    table.to_parquet(margin / "Npix=1.parquet")
    (tmp_path / "collection.properties").write_text(
        "obs_collection=test\nhats_primary_table_url=catalogue\nall_margins=margin\n")
    spec, found = resolve(str(tmp_path), tmp_path / "root")
    assert found == tmp_path and spec.long_table
    lcs = spec.read(tmp_path, DropReport())
    assert sorted(lcs.ids) == ["s0", "s1", "s2", "s3"] and lcs.n_points == 32


def test_a_damaged_empty_or_uncatalogued_archive_is_named_as_such(tmp_path) -> None:
    """Not "unsupported table format (.zip)", which sent the user to convert a table."""
    import zipfile

    from lcformer.errors import InputError

    (tmp_path / "cut.zip").write_bytes(b"PK\x03\x04 cut short")
    with pytest.raises(InputError, match=r"cut\.zip: a damaged or incomplete archive"):
        resolve(str(tmp_path / "cut.zip"))
    with zipfile.ZipFile(tmp_path / "empty.zip", "w"):
        pass
    with pytest.raises(InputError, match=r"empty\.zip: an empty archive$"):
        resolve(str(tmp_path / "empty.zip"))
    with zipfile.ZipFile(tmp_path / "stars.zip", "w") as archive:
        archive.writestr("a.dat", "1 12 0.1\n")
    with pytest.raises(InputError, match=r"stars\.zip: an archive of 1 file\(s\) without a "
                                         r"catalog\.csv"):
        resolve(str(tmp_path / "stars.zip"))


def test_a_registered_datasets_folder_given_by_path_is_that_dataset(tmp_path: Path,
                                                                      monkeypatch) -> None:
    """asas_richards2012's catalogue is no catalog.csv, and EROS-1's "no measurement" 25.0
    is cleaned by its preset: its folder given by path reads as the name does. A folder of
    that name without the dataset's files, or named as the generated data, is a user's."""
    eros = tmp_path / "eros1"
    eros.mkdir()
    for name in REGISTRY["eros1"].required:
        (eros / name).touch()
    assert resolve(str(eros))[0] is REGISTRY["eros1"]
    monkeypatch.chdir(eros)
    assert resolve(".")[0] is REGISTRY["eros1"]
    (eros / "labels.csv").unlink()
    pd.DataFrame({"id": ["a"], "time": [1.0], "mag": [12.0]}).to_csv(eros / "lightcurves.csv")
    assert resolve(str(eros))[0] is not REGISTRY["eros1"]
    synthetic = tmp_path / "synthetic"
    synthetic.mkdir()
    (synthetic / "lightcurves.csv").write_bytes((eros / "lightcurves.csv").read_bytes())
    assert not resolve(str(synthetic))[0].generated
    # A folder named macho of a user's catalog.csv and star files: a user's.
    macho = tmp_path / "macho"
    macho.mkdir()
    (macho / "catalog.csv").write_text("filename,class\na.csv,RR\n")
    (macho / "a.csv").write_text("time,mag\n1,12\n2,12.1\n")
    assert resolve(str(macho))[0] is not REGISTRY["macho"]


def test_a_table_and_its_labels_under_other_names_are_named_with_the_fix(tmp_path) -> None:
    """CRTS's photometry and its class list side by side: the error says to name them
    lightcurves.csv and labels.csv and which --columns join them, not to write a catalogue
    of one file per star; predict's reading says the same instead of reading them as stars."""
    from lcformer.data.reading.sniff import read_any

    folder = tmp_path / "crts"
    folder.mkdir()
    (folder / "photcat.csv").write_text("MasterID,Mag,Magerr,RA,Dec,MJD,Blend\n"
                                        + "".join(f"11{i % 3},13.{i},0.02,1,2,{50000 + i},0\n"
                                                  for i in range(30)))
    (folder / "classes.csv").write_text("MasterID,Var_Type\n110,Mira\n111,RRab\n112,EW\n")
    fix = (r"it looks like a long table \(photcat.csv, one row per point\) and its labels "
           r"\(classes.csv\), joined by MasterID: name them lightcurves.csv and labels.csv and "
           r"give --columns id=MasterID,class=Var_Type")
    with pytest.raises(DatasetNotFoundError, match=fix):
        resolve(str(folder))
    with pytest.raises(DatasetNotFoundError, match=fix):
        read_any(str(folder))
    # Of three columns, the one named as classes; two stars' files are no such pair.
    (folder / "classes.csv").write_text("MasterID,Period,Type\n110,300.1,Mira\n")
    with pytest.raises(DatasetNotFoundError, match=r"--columns id=MasterID,class=Type "):
        resolve(str(folder))
    stars = tmp_path / "stars"
    stars.mkdir()
    (stars / "a.csv").write_text("HJD,I,eI\n" + "".join(f"{i},14,0.1\n" for i in range(9)))
    (stars / "b.csv").write_text("HJD,V\n1,15\n2,15.1\n")
    with pytest.raises(DatasetNotFoundError) as caught:
        resolve(str(stars))
    assert "joined by" not in str(caught.value)


def test_a_catalogue_one_folder_down_is_named(tmp_path: Path) -> None:
    """OGLE's ogle/ whose phot/ holds catalog.csv, I/ and V/: the error names phot/, not
    "write a catalogue" where one already is."""
    (tmp_path / "phot" / "I").mkdir(parents=True)
    (tmp_path / "phot" / "I" / "OGLE-1.dat").write_text("5000.1 16.0 0.02\n5001.1 16.1 0.02\n")
    (tmp_path / "phot" / "catalog.csv").write_text("filename,class\nOGLE-1,Cep1O\n")
    with pytest.raises(DatasetNotFoundError,
                       match=rf"it holds {re.escape(str(tmp_path / 'phot' / 'catalog.csv'))}: "
                             rf"give that folder, {re.escape(str(tmp_path / 'phot'))}$"):
        resolve(str(tmp_path))


def test_labels_named_otherwise_beside_a_table_are_said(tmp_path: Path) -> None:
    """Windows' Labels.csv, a browser's "labels (1).csv" or labels.xlsx beside
    lightcurves.csv leave every star unlabelled: said."""
    (tmp_path / "lightcurves.csv").write_text("id,time,mag\na,1,12\na,2,12.5\n")
    (tmp_path / "labels (1).csv").write_text("id,class\na,Mira\n")
    spec, found = resolve(str(tmp_path))
    report = DropReport()
    with pytest.warns(UserWarning, match=r"'labels \(1\)\.csv' is not read: a table's labels "
                                         r"are read from a file named labels\.csv"):
        curves = spec.read(found, report)
    assert curves.labels is None and report.events["labels_named_otherwise_not_read"] == 1
