"""``prepare --jobs N``: star views made in N processes, chunk by chunk, give the very same
prepared folder as one process (and as no chunking at all), under the same cache key."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.data import samples
from lcformer.data.synthetic import SyntheticConfig, make_synthetic

# Star views with features, every option that is computed chunk by chunk.
PREPARE = ["--model", "periodic", "--features", "--quiet"]


@pytest.fixture
def two_band_folder(tmp_path):
    """24 synthetic stars as a long table; only the first 5 also have a band B (shifted by
    0.3 mag, 1.7 d later), so most chunks of 7 stars have no B at all; the last star spans 8
    times as long as the others, which sets the features' periodogram grid of all."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=8, num=60, seed=3))
    frame = lcs.to_frame().drop(columns="class")
    frame.loc[frame["id"] == lcs.ids[-1], "time"] *= 8
    frame["band"] = "V"
    first = frame[frame["id"].isin(lcs.ids[:5])].assign(band="B")
    first["mag"] += 0.3
    first["time"] += 1.7
    folder = tmp_path / "stars"
    folder.mkdir()
    pd.concat([frame, first]).to_parquet(folder / "lightcurves.parquet", index=False)
    pd.DataFrame({"id": lcs.ids, "class": lcs.labels}).to_csv(folder / "labels.csv",
                                                               index=False)
    return folder


def prepared_folder(folder, work) -> object:
    (found,) = list((work / "prepared").iterdir())
    return found


def assert_same_files(a, b) -> None:
    """Every file byte-equal; the manifests equal as JSON (they hold no timings)."""
    names = sorted(p.name for p in a.iterdir())
    assert names == sorted(p.name for p in b.iterdir())
    assert {"tokens.npy", "window_extra.npy", "periods.parquet", "manifest.json"} <= set(names)
    for name in names:
        if name == "manifest.json":
            assert json.loads((a / name).read_text()) == json.loads((b / name).read_text())
        else:
            assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_two_jobs_prepare_the_same_folder_as_one(two_band_folder, tmp_path, monkeypatch,
                                                 capsys) -> None:
    # Chunks of 7 stars in one process, of 3 (24 / (4 chunks x 2 jobs)) in two.
    monkeypatch.setattr(samples, "CHUNK_STARS", 7)
    monkeypatch.setattr(samples, "MIN_CHUNK_STARS", 1)
    monkeypatch.setattr(samples, "MIN_CHUNKS", 1)
    folders = []
    for jobs in (1, 2):
        work = tmp_path / f"work-{jobs}"
        assert main(["prepare", str(two_band_folder), *PREPARE, "--jobs", str(jobs),
                     "--work-dir", str(work)]) == 0
        folders.append(prepared_folder(two_band_folder, work))
    assert folders[0].name == folders[1].name  # --jobs is not part of the cache key
    assert_same_files(*folders)
    extra = np.load(folders[0] / "window_extra.npy")
    manifest = json.loads((folders[0] / "manifest.json").read_text())
    b_columns = [i for i, n in enumerate(manifest["extra_names"]) if n.startswith("B_")]
    assert b_columns and np.isfinite(extra[:5, b_columns]).any(axis=1).all()
    assert np.isnan(extra[5:, b_columns]).all()  # the stars without a band B


def test_chunks_change_nothing(two_band_folder, tmp_path, monkeypatch) -> None:
    """A star's samples depend on its own points only (and on dataset-wide settings that
    every chunk gets): 7 stars a chunk gives what one chunk of all gives."""
    folders = []
    for size in (7, 10_000):
        monkeypatch.setattr(samples, "CHUNK_STARS", size)
        work = tmp_path / f"work-{size}"
        assert main(["prepare", str(two_band_folder), *PREPARE, "--work-dir", str(work)]) == 0
        folders.append(prepared_folder(two_band_folder, work))
    assert_same_files(*folders)


def test_partitioned_input_prepares_like_one_table(two_band_folder, tmp_path,
                                                   monkeypatch) -> None:
    """The same long table as a folder of 3 Parquet partitions (a star's rows cut between
    two of them), prepared with 2 jobs, gives the arrays of the one file with 1 job."""
    monkeypatch.setattr(samples, "CHUNK_STARS", 7)
    monkeypatch.setattr(samples, "MIN_CHUNK_STARS", 1)
    monkeypatch.setattr(samples, "MIN_CHUNKS", 1)
    parted = tmp_path / "parted"
    (parted / "lightcurves.parquet").mkdir(parents=True)
    (parted / "labels.csv").write_bytes((two_band_folder / "labels.csv").read_bytes())
    table = pd.read_parquet(two_band_folder / "lightcurves.parquet")
    for i, rows in enumerate(np.array_split(np.arange(len(table)), 3)):
        table.iloc[rows].to_parquet(parted / "lightcurves.parquet" / f"part.{i}.parquet")
    folders = []
    for folder, jobs in ((two_band_folder, 1), (parted, 2)):
        work = tmp_path / f"work-{folder.name}"
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            assert main(["prepare", str(folder), *PREPARE, "--jobs", str(jobs),
                         "--work-dir", str(work)]) == 0
        # The split star makes the partitions be read whole, and says so.
        assert any("also has rows in" in str(w.message) for w in caught) == (folder == parted)
        folders.append(prepared_folder(folder, work))
    for name in ("tokens.npy", "mask.npy", "window_extra.npy", "points.npy",
                 "periods.parquet", "curves.parquet", "report.json"):
        assert (folders[0] / name).read_bytes() == (folders[1] / name).read_bytes(), name


def test_chunk_size() -> None:
    assert samples.chunk_size(10**6, 1) == samples.CHUNK_STARS
    assert samples.chunk_size(10**6, 8) == samples.CHUNK_STARS
    assert samples.chunk_size(1000, 2) == samples.MIN_CHUNK_STARS
    assert samples.chunk_size(8 * 1000, 2) == 500  # 16 chunks: a step of progress each
    assert samples.chunk_size(13_909, 1) == 870  # asas_acvs in one process: 16 chunks
    assert samples.chunk_size(64 * 1000, 8) == 2000  # 4 a process


def test_star_chunks_hold_whole_stars_in_order() -> None:
    codes = np.array([0, 1, 0, 2, 3, 1, 4, 4, 2])  # curves of 5 stars, bands interleaved
    chunks = list(samples.star_chunks(codes, 2))
    assert [c.tolist() for c in chunks] == [[0, 1, 2, 5], [3, 4, 8], [6, 7]]
    assert [c.tolist() for c in samples.star_chunks(np.array([], np.int64), 2)] == [[]]
