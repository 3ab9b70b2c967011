"""Which files of a folder are the partitions of one table: Parquet files at any depth, as
Dask, Spark and LSDB write them, and the partitions of a HATS catalogue (LSDB's format)."""

from __future__ import annotations

import os
from pathlib import Path

from lcformer.data.reading.per_star import NOT_LIGHT_CURVES

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

    A dataset folder (a table beside ``labels.csv``) is not a folder of partitions.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    hats = hats_partitions(folder)
    if hats is not None:
        return hats
    data = [p for p in walk_files(folder) if p.suffix.lower() == ".parquet"
            or p.suffix.lower() not in NOT_LIGHT_CURVES]
    if not data or any(p.suffix.lower() != ".parquet" for p in data):
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
