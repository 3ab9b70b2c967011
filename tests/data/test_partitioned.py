import json
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.data.datasets import prepare_dataset, resolve
from lcformer.data.partitioned import _ArrayFile
from lcformer.data.prepared import PrepareConfig, prepare, write_parquet
from lcformer.data.reading.sniff import read_dataset
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError, InputError

STARS = PrepareConfig(inputs="stars")
WINDOWS = PrepareConfig(tokens=TokenConfig(10, 5))


def write_dataset(folder: Path, rng: np.random.Generator, bad_partition: bool = False) -> Path:
    """A long table in 3 partitions + labels.csv: two bands (a third band only in the last
    partition), unlabelled stars, a labelled star without rows, a star too short to keep."""
    rows = []
    for i in range(18):
        period = rng.uniform(0.3, 5.0)
        bands = ["V", "I"] if i % 3 else ["V"]
        if i == 17:
            bands = ["V", "R"]
        for band in bands:
            n = 3 if i == 4 else int(rng.integers(30, 70))
            t = np.sort(rng.uniform(0, 200, n))
            mag = 12 + 0.3 * np.sin(2 * np.pi * t / period) + rng.normal(0, 0.02, n)
            rows.append(pd.DataFrame({"id": f"star{i:02d}", "band": band, "time": t,
                                      "mag": mag, "err": np.full(n, 0.02)}))
    table = pd.concat(rows, ignore_index=True)
    parts = folder / "lightcurves.parquet"
    parts.mkdir(parents=True)
    for k, ids in enumerate(np.array_split(np.unique(table["id"]), 3)):
        table[table["id"].isin(ids)].to_parquet(parts / f"part-{k}.parquet", index=False)
    if bad_partition:
        (parts / "part-3.parquet").write_bytes(b"not parquet")
    labels = pd.DataFrame({"id": [f"star{i:02d}" for i in range(18) if i % 5] + ["nolc"],
                           "class": [("a", "b", "c")[i % 3] for i in range(18) if i % 5]
                           + ["a"]})
    labels.to_csv(folder / "labels.csv", index=False)
    return folder


def whole(folder: Path, config: PrepareConfig, work: Path):
    """The same folder prepared the old way: the partitions read into memory at once."""
    spec, folder = resolve(str(folder))
    return prepare(spec.name, lambda r: read_dataset(spec, folder, r, config.reading),
                   spec.fingerprint(folder), config, work)[0]


@pytest.mark.parametrize("config", [STARS, WINDOWS], ids=["stars", "windows"])
def test_partitions_give_the_folder_of_the_whole_table(tmp_path, rng, config):
    folder = write_dataset(tmp_path / "survey", rng, bad_partition=True)
    streamed, reused = prepare_dataset(str(folder), config, work=tmp_path / "a",
                                       progress=False)
    reference = whole(folder, config, tmp_path / "b")
    assert not reused and streamed.path.name == reference.path.name
    # Byte for byte: the manifests (every file's SHA-256 among them) are equal.
    assert json.loads((streamed.path / "manifest.json").read_text()) == json.loads(
        (reference.path / "manifest.json").read_text())
    assert sorted(p.name for p in streamed.path.iterdir()) == sorted(
        p.name for p in reference.path.iterdir())
    report = streamed.report
    assert report.curves["no_lightcurve"] == 1 and report.curves["no_label"] > 0
    assert any("part-3.parquet" in p for p in report.problems)
    if config is STARS:
        assert streamed.manifest["bands"] == ["V", "R", "I"]  # blue to red
        assert len(streamed.periods) == len(streamed.stars)
    _, again = prepare_dataset(str(folder), config, work=tmp_path / "a", progress=False)
    assert again


def test_keep_bands_on_partitions_gives_the_folder_of_the_whole_table(tmp_path, rng):
    folder = write_dataset(tmp_path / "survey", rng)
    config = STARS.replace(keep_bands=("V", "R"))
    streamed, _ = prepare_dataset(str(folder), config, work=tmp_path / "a", progress=False)
    reference = whole(folder, config, tmp_path / "b")
    assert streamed.manifest["bands"] == ["V", "R"]
    assert json.loads((streamed.path / "manifest.json").read_text()) == json.loads(
        (reference.path / "manifest.json").read_text())
    assert streamed.report.curves["band_not_kept"] > 0
    # R is in the last partition only: the first pass checks the bands of the whole table.
    for inputs in (STARS, WINDOWS):
        with pytest.raises(ConfigError, match=rf"{folder}/lightcurves.parquet: no curve in "
                                              r"band B \(--keep-bands\); its bands: I, R, V"):
            prepare_dataset(str(folder), inputs.replace(keep_bands=("V", "B")),
                            work=tmp_path / "a", progress=False)


def test_a_star_in_two_partitions_reads_the_table_whole(tmp_path, rng):
    folder = write_dataset(tmp_path / "survey", rng)
    parts = folder / "lightcurves.parquet"
    first = pd.read_parquet(parts / "part-0.parquet")
    star = first[first["id"] == first["id"].iloc[0]]
    last = pd.read_parquet(parts / "part-2.parquet")
    pd.concat([last, star]).to_parquet(parts / "part-2.parquet", index=False)
    with pytest.warns(UserWarning, match=r"part-2\.parquet.*also has rows in.*part-0\.parquet"):
        streamed, _ = prepare_dataset(str(folder), STARS, work=tmp_path / "a", progress=False)
    reference = whole(folder, STARS, tmp_path / "b")
    assert (streamed.path / "manifest.json").read_text() == (
        reference.path / "manifest.json").read_text()
    assert streamed.manifest["counts"]["stars_read"] == 18


@pytest.mark.filterwarnings(r"ignore:\d+ class\(es\) with fewer than")
def test_dropping_small_classes_reads_the_table_whole(tmp_path, rng):
    folder = write_dataset(tmp_path / "survey", rng)
    config = WINDOWS.replace(min_class_windows=40)
    with pytest.warns(UserWarning, match="min_class_windows"):
        streamed, _ = prepare_dataset(str(folder), config, work=tmp_path / "a", progress=False)
    reference = whole(folder, config, tmp_path / "b")
    assert streamed.report.curves.get("class_below_threshold")
    assert (streamed.path / "manifest.json").read_text() == (
        reference.path / "manifest.json").read_text()


def test_array_file_is_what_np_save_writes(tmp_path, rng):
    for values in (rng.normal(size=(7, 3, 2)).astype(np.float32), rng.random((5, 4)) > 0.5,
                   np.arange(6, dtype=np.int32)):
        file = _ArrayFile(tmp_path / "x.npy")
        file.append(values[:2])
        file.append(values[2:2])  # no rows
        file.append(values[2:])
        file.close()
        np.save(tmp_path / "y.npy", values)
        assert (tmp_path / "x.npy").read_bytes() == (tmp_path / "y.npy").read_bytes()
    file = _ArrayFile(tmp_path / "z.npy")
    file.append(np.zeros((1, 2), np.float32))
    with pytest.raises(ValueError, match=r"z\.npy"):
        file.append(np.zeros((1, 3), np.float32))


def test_a_table_of_partitions_is_written_as_the_same_bytes(tmp_path):
    """pandas holds the strings of concatenated tables in chunks, which pyarrow writes as
    pages of their own (the 100,000-star benchmark found it: equal tables, other bytes)."""
    n = 100_000
    table = pd.DataFrame({"id": pd.array([f"star{i:08d}" for i in range(n)], dtype="str"),
                          "n": np.arange(n)})
    joined = pd.concat([table.iloc[i:i + 5000] for i in range(0, n, 5000)], ignore_index=True)
    write_parquet(table, tmp_path / "one.parquet")
    write_parquet(joined, tmp_path / "parts.parquet")
    assert (tmp_path / "one.parquet").read_bytes() == (tmp_path / "parts.parquet").read_bytes()
    pd.testing.assert_frame_equal(pd.read_parquet(tmp_path / "parts.parquet"), table)


def test_nothing_readable_is_an_error_naming_the_file(tmp_path):
    folder = tmp_path / "survey"
    (folder / "lightcurves.parquet").mkdir(parents=True)
    (folder / "lightcurves.parquet" / "p.parquet").write_bytes(b"junk")
    (folder / "labels.csv").write_text("id,class\na,x\n")
    with pytest.raises(InputError, match=r"p\.parquet: cannot read as a table"):
        prepare_dataset(str(folder), STARS, work=tmp_path / "w", progress=False)


def test_labels_without_their_ids_leading_zeros_are_said_of_partitions(tmp_path, rng):
    """As of one table: labels written 1, 2 for the partitions' stars 001, 002 are said
    to be their ids without the zeros, and the class left without a star is named."""
    folder = write_dataset(tmp_path / "survey", rng)
    parts = folder / "lightcurves.parquet"
    for part in sorted(parts.iterdir()):
        frame = pd.read_parquet(part)
        frame["id"] = frame["id"].str.replace("star", "0")  # star01 -> 001
        frame.to_parquet(part, index=False)
    labels = pd.read_csv(folder / "labels.csv")
    labels["id"] = labels["id"].str.replace("star", "0")
    labels.loc[labels["id"].isin(["001", "002"]), "id"] = ["1", "2"]
    labels.loc[labels["id"].isin(["1", "2"]), "class"] = "lost"
    labels.to_csv(folder / "labels.csv", index=False)
    prepared, _ = prepare_dataset(str(folder), STARS, work=tmp_path / "w", progress=False)
    (problem,) = [p for p in prepared.report.problems if "no light curve" in p]
    assert "3 labelled star(s) have no light curve" in problem
    assert "2 of them are light curves' ids without their leading zeros ('1' is '001')" in problem
    assert problem.endswith("no star of class 'lost' is left")


def test_reading_warnings_are_kept_as_the_whole_table_keeps_them(tmp_path, rng) -> None:
    """A reused preparation says its reading's warnings again: a partitioned table keeps the
    same ones as the whole table, each said once (the first pass's column warning kept
    and said again too; the partitions' not twice)."""
    rows = []
    for i in range(18):
        n = int(rng.integers(30, 70))
        t = np.sort(rng.uniform(0, 200, n))
        rows.append(pd.DataFrame({"id": f"star{i:02d}", "band": "V", "time": t,
                                  "mag": 12 + 0.3 * np.sin(t) + rng.normal(0, 0.02, n),
                                  "err": 0.02, "catflags": 0, "ra": 10.0 + i // 2 * 0.1,
                                  "dec": 20.0}))  # two ids a position: said per partition
    table = pd.concat(rows, ignore_index=True)
    folder = tmp_path / "survey"
    (folder / "lightcurves.parquet").mkdir(parents=True)
    for k, ids in enumerate(np.array_split(np.unique(table["id"]), 3)):
        table[table["id"].isin(ids)].to_parquet(folder / "lightcurves.parquet" /
                                                f"part-{k}.parquet", index=False)
    pd.DataFrame({"id": [f"star{i:02d}" for i in range(18)],
                  "class": [("a", "b", "c")[i % 3] for i in range(18)]}).to_csv(
        folder / "labels.csv", index=False)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        streamed, _ = prepare_dataset(str(folder), STARS, work=tmp_path / "a", progress=False)
    texts = [str(w.message) for w in said]
    assert len(texts) == len(set(texts)) == 4  # the flag column, and each partition's ids
    assert streamed.drop_report.warnings == texts
    with warnings.catch_warnings(record=True):
        reference = whole(folder, STARS, tmp_path / "b")
    assert reference.drop_report.warnings == texts
    assert (streamed.path / "manifest.json").read_text() == (
        reference.path / "manifest.json").read_text()
    # A star in two partitions: the table is read whole after the first pass, and each
    # warning is still said once (not the first pass's again)
    parts = folder / "lightcurves.parquet"
    first = pd.read_parquet(parts / "part-0.parquet")
    pd.concat([pd.read_parquet(parts / "part-2.parquet"),
               first[first["id"] == "star00"]]).to_parquet(parts / "part-2.parquet",
                                                           index=False)
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("default")
        again, _ = prepare_dataset(str(folder), STARS, work=tmp_path / "c", progress=False)
    texts = [str(w.message) for w in said]
    assert len(texts) == len(set(texts)) and any("Reading the whole table" in t for t in texts)
    assert "'catflags' looks like a quality flag" in " ".join(again.drop_report.warnings)
