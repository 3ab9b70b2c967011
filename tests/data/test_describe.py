"""What a dataset holds, after cleaning."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from lcformer.data.describe import UNLABELLED, describe
from lcformer.errors import InputError
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


def _star_text(k: int) -> str:
    """One star's headerless time,mag,err file of 20 points."""
    t = np.arange(20.0)
    return "".join(f"{x},{12 + np.sin(x + k):.4f},0.01\n" for x in t)


def test_a_labels_file_of_only_a_header_is_refused_naming_it(tmp_path) -> None:
    """describe showed every star as (unlabelled) and exited 0 beside a labels.csv of its
    header alone (a catalog.csv alone: 0 stars, its files counted as skipped_non_data_file),
    where prepare kept 0 stars: now the file is named, as prepare and train name it."""
    table = tmp_path / "table"
    table.mkdir()
    pd.DataFrame({"id": np.repeat(["a", "b"], 20), "time": np.tile(np.arange(20.0), 2),
                  "mag": 12.0, "err": 0.01}).to_csv(table / "lightcurves.csv", index=False)
    (table / "labels.csv").write_text("id,class\n")
    files = tmp_path / "files"
    files.mkdir()
    for k in range(2):
        (files / f"s{k}.dat").write_text(_star_text(k))
    (files / "catalog.csv").write_text("filename,class\n")
    for folder, name, what in ((table, "labels.csv", "labels table"),
                               (files, "catalog.csv", "catalogue")):
        with pytest.raises(InputError) as caught:
            describe(str(folder))
        assert str(caught.value) == (f"{folder / name}:1: only a header, no rows: an empty "
                                     f"{what} labels no star; fill it in or remove it")
    (table / "labels.csv").write_text("id,class\na,x\n")
    assert describe(str(table)).classes["size"].to_dict() == {"x": 1, UNLABELLED: 1}
    (files / "catalog.csv").write_text("filename,class\ns0.dat,x\ns1.dat,y\n")
    assert sorted(describe(str(files)).classes.index) == ["x", "y"]


@pytest.mark.parametrize("name", ["two.zip", "two.tar.gz"])
def test_an_archive_of_two_catalogues_is_refused_naming_both(tmp_path, name) -> None:
    """north/catalog.csv was read and south/catalog.csv skipped as a non-data file, unsaid:
    south's stars came out (unlabelled), exit 0."""
    files = {"north/catalog.csv": "filename,class\nn0.dat,RRL\n", "north/n0.dat": _star_text(0),
             "south/catalog.csv": "filename,class\ns0.dat,EB\n", "south/s0.dat": _star_text(1)}
    archive = write_archive(tmp_path / name, files)
    with pytest.raises(InputError, match=r"^" + re.escape(
            f"{archive}: holds 2 catalogues (north/catalog.csv, south/catalog.csv), of which "
            f"only one would be read and no option chooses it: join them into one "
            f"catalog.csv")):
        describe(str(archive))
    del files["south/catalog.csv"]
    files["north/catalog.csv"] += "s0.dat,EB\n"  # joined: every star labelled
    found = describe(str(write_archive(tmp_path / name, files)))
    assert found.classes["size"].to_dict() == {"RRL": 1, "EB": 1}
    assert not found.report.problems
