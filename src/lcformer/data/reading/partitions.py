"""A table in partitions: which files of a folder are its partitions (Parquet files at any
depth, as Dask, Spark and LSDB write them, and the partitions of a HATS catalogue, LSDB's
format), the check that each star's rows are in one partition (:class:`SeenStars`), and the
joining of a star's curves read from several (:func:`join_split_curves`)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.columns import first_given
from lcformer.data.reading.per_star import NOT_LIGHT_CURVES
from lcformer.data.report import DropReport
from lcformer.errors import InputError

#: Files beside ``dataset/`` at the root of a HATS catalogue (LSDB's format).
HATS_FILES = ("properties", "hats.properties", "partition_info.csv")


def partition_files(folder: str | Path) -> list[Path]:
    """The Parquet partitions of a table folder, by path: ``*.parquet`` files at any depth,
    hidden and ``_``-prefixed names left out (not data, as Dask and Spark write them); of a
    HATS catalogue or collection, its main catalogue's partitions (:func:`hats_partitions`).
    Other files are left alone (:func:`partition_paths` refuses a folder that has some)."""
    folder = Path(folder)
    hats = hats_partitions(folder)
    if hats is not None:
        return hats
    return sorted(p for p in walk_files(folder) if p.suffix.lower() == ".parquet")


def partition_paths(folder: str | Path) -> list[Path]:
    """The Parquet partitions of ``folder``, by path; [] unless it is a folder holding only
    Parquet files, at any depth (hive-style ``key=value/`` folders, as LSDB writes them;
    hidden and ``_``-prefixed names aside, as Dask and Spark write them, and files that are
    never light curves: a README.md, a schema's .json), or a HATS catalogue or collection.

    A dataset folder (a table beside ``labels.csv``, or a ``lightcurves.parquet`` file alone)
    is not a folder of partitions: it is read as one table, as ``train`` reads it.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    hats = hats_partitions(folder)
    if hats is not None:
        return hats
    data = [p for p in walk_files(folder) if p.suffix.lower() == ".parquet"
            or p.suffix.lower() not in NOT_LIGHT_CURVES]
    if (not data or any(p.suffix.lower() != ".parquet" for p in data)
            or data == [folder / "lightcurves.parquet"]):
        return []
    return sorted(data)


def stray_files(folder: str | Path) -> list[Path]:
    """The files that keep a folder holding Parquet files from being a folder of partitions
    (:func:`partition_paths`): neither Parquet, nor files that are never light curves, nor a
    ``labels.csv`` (a labelled table's partitions, read whole); [] where it holds no Parquet
    file, or is a dataset folder of another layout (a long table or a catalogue beside its
    files, whose Parquet files are not partitions)."""
    from lcformer.data.datasets import LONG_TABLES

    folder = Path(folder)
    if (not folder.is_dir() or hats_partitions(folder) is not None
            or any((folder / name).exists() for name in (*LONG_TABLES, "catalog.csv"))):
        return []
    files = walk_files(folder)
    if not any(p.suffix.lower() == ".parquet" for p in files):
        return []
    return sorted(p for p in files if p.suffix.lower() not in NOT_LIGHT_CURVES
                  and p.name != "labels.csv")


def hats_partitions(folder: Path) -> list[Path] | None:
    """The partitions of a HATS catalogue (``properties`` or ``partition_info.csv`` beside
    ``dataset/``), or of a HATS collection's main catalogue; None for any other folder. Only
    its ``Npix=`` files: ``dataset/`` also holds ``data_thumbnail.parquet``, a sample of their
    rows (its stars would be read twice), and may hold a README."""
    primary = _primary_catalogue(folder)
    if primary is not None:  # a HATS collection: its main catalogue (not its margins)
        return hats_partitions(primary) or []
    if (folder / "dataset").is_dir() and any(
            (folder / name).is_file() for name in HATS_FILES):
        return sorted(p for p in walk_files(folder / "dataset")
                      if p.suffix.lower() == ".parquet" and p.name.startswith("Npix="))
    return None


def _primary_catalogue(folder: Path) -> Path | None:
    """The main catalogue of a HATS collection (``collection.properties`` names it as
    ``hats_primary_table_url``, beside its margin caches, whose rows repeat its stars)."""
    try:
        text = (folder / "collection.properties").read_text(encoding="utf-8")
    except OSError:
        return None
    for line in text.splitlines():
        key, _, value = line.partition("=")
        if key.strip() == "hats_primary_table_url" and value.strip():
            return folder / value.strip()
    return None


def walk_files(folder: Path) -> list[Path]:
    """The files below ``folder``, symbolic links to folders followed (each real folder
    once), hidden and ``_``-prefixed names left out."""
    found, seen = [], set()
    for where, subfolders, names in os.walk(folder, followlinks=True):
        real = os.path.realpath(where)
        if real in seen:  # a link back up the tree
            subfolders[:] = []
            continue
        seen.add(real)
        subfolders[:] = [d for d in subfolders if not d.startswith((".", "_"))]
        found += [Path(where) / n for n in names if not n.startswith((".", "_"))
                  and (Path(where) / n).is_file()]
    return found


class SeenStars:
    """Hashes of the star ids met so far, and the partition of each: the cheap check that no
    star is split across partitions (12 bytes a star, the one state of a partitioned run that
    grows with the stars; a 64-bit hash collision among a billion stars has a chance of about
    3%, among a million 3e-8)."""

    def __init__(self) -> None:
        self.hashes = np.empty(0, np.uint64)  # sorted
        self.owner = np.empty(0, np.int32)
        self.paths: list[Path] = []

    def add(self, ids: np.ndarray, path: Path) -> None:
        """Record the stars of partition ``path``; :class:`InputError` if one was met
        before."""
        message = self.clash(ids, path)
        if message:
            raise InputError(message)

    def clash(self, ids: np.ndarray, path: Path) -> str | None:
        """Record the stars of partition ``path``; what is wrong if one was met before."""
        hashed, at, met = self._met(ids)
        if len(met):
            star = _star_of(ids, hashed[met[0]])
            other = self.paths[int(self.owner[at[met[0]]])]
            return (f"{path}: star {star!r} also has rows in {other}: each star's rows "
                    f"must all be in one partition (repartition by id, e.g. "
                    f"ddf.shuffle('id') in Dask)")
        self.paths.append(path)
        # Inserted in place of a re-sort: the peak is the old and the new arrays (24 bytes a
        # star), not those plus a sort's index.
        self.hashes = np.insert(self.hashes, at, hashed)
        self.owner = np.insert(self.owner, at, np.int32(len(self.paths) - 1))
        return None

    def owners(self, ids: np.ndarray) -> list[Path]:
        """The partitions recorded that hold any star of ``ids``, in the order read."""
        _, at, met = self._met(ids)
        return [self.paths[int(i)] for i in np.unique(self.owner[at[met]])]

    def _met(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ids' distinct hashes, where each goes in the sorted record, and which of them
        are recorded already."""
        hashed = np.unique(pd.util.hash_array(np.asarray(ids, dtype=object)))
        at = np.searchsorted(self.hashes, hashed)
        if not len(self.hashes):
            return hashed, at, np.empty(0, np.int64)
        near = np.minimum(at, len(self.hashes) - 1)
        return hashed, at, np.flatnonzero(self.hashes[near] == hashed)


def _star_of(ids: np.ndarray, hashed: np.uint64) -> str:
    values = np.asarray(ids, dtype=object)
    return str(values[np.flatnonzero(pd.util.hash_array(values) == hashed)[0]])


def join_split_curves(curves: LightCurves, sink: DropReport | None = None) -> LightCurves:
    """Curves of one star and band (read from several partitions) made one, points in the
    order given; curves in order of first appearance. A star's label and split, for every
    band, are those of its first curve that has one; curves that disagree are counted as
    ``label_conflict_first_kept`` (as reading the partitions as one table would)."""
    stars, _ = curves.star_codes()
    labels = _per_star(curves.labels, stars, "label", sink)
    splits = _per_star(curves.splits, stars, "split", sink)
    keys = pd.MultiIndex.from_arrays([curves.ids, curves.bands])
    codes, uniques = pd.factorize(keys)
    if len(uniques) == curves.n_curves:
        if _same(labels, curves.labels) and _same(splits, curves.splits):
            return curves
        first, order = np.arange(curves.n_curves), None
    else:
        first = np.unique(codes, return_index=True)[1]
        order = np.argsort(np.repeat(codes, curves.lengths), kind="stable")
    lengths = np.bincount(codes, weights=curves.lengths, minlength=len(uniques))

    def points(values: np.ndarray) -> np.ndarray:
        return values if order is None else values[order]

    return LightCurves.from_arrays(
        ids=curves.ids[first], bands=curves.bands[first], lengths=lengths.astype(np.int64),
        time=points(curves.time), mag=points(curves.mag), err=points(curves.err),
        labels=None if labels is None else labels[first],
        splits=None if splits is None else splits[first])


def _per_star(values: np.ndarray | None, stars: np.ndarray, what: str,
              sink: DropReport | None) -> np.ndarray | None:
    """Each curve's value made its star's: that of the star's first curve that has one."""
    if values is None or not len(values):
        return values
    given = values != ""  # a curve without a value does not disagree
    chosen = values[first_given(stars, given, np.unique(stars, return_index=True)[1])]
    conflicts = given & (values != chosen[stars])
    if sink is not None and conflicts.any():
        sink.note(f"{what}_conflict_first_kept", len(np.unique(stars[conflicts])))
    return chosen[stars]


def _same(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    return a is b or (a is not None and b is not None and np.array_equal(a, b))
