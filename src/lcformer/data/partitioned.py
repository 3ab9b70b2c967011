"""Preparing a training table bigger than memory: one Parquet partition at a time.

A long table in Parquet partitions (``lightcurves.parquet/`` as a folder, as Dask and Spark
write it) is prepared partition by partition: each is read, labelled, cleaned and made into
samples, and its samples and cleaned points are appended to the arrays on disk before the
next partition is read. Memory is that of one partition and its samples, plus a row per curve
(the tables ``curves``, ``cleaned``, ``periods``). The folder is the one that preparing the
table read whole gives (:func:`lcformer.data.prepared.build`), byte for byte.

* Two passes over the partitions. The first reads them to check that every star's rows are
  in one partition (a star's samples are made from its own points only) and, for star views,
  cleans them to learn the bands of the kept curves (the band channels and per-band scalars
  are the dataset's). The second makes and writes the samples. Reading and cleaning cost
  little beside the period search.
* A star with rows in two partitions makes the table be read whole instead (joined up, as
  :func:`lcformer.data.reading.tables.read_partitions` does), with a warning naming it:
  repartition by id (``ddf.shuffle("id")`` in Dask) for bounded memory.
* So does dropping small classes (``min_class_windows``, a research setting): it needs every
  class's count before anything is written.
"""

from __future__ import annotations

import shutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.cleaning import clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import (
    ARRAYS,
    Assembled,
    PrepareConfig,
    PreparedDataset,
    build,
    cached,
    check_classes,
    check_kept_bands,
    filter_curves,
    manifest_of,
    save,
    write_tables,
)
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.reading.labels import (
    attach_labels,
    count_orphans,
    labels_name,
    labels_table,
    refuse_empty_labels,
)
from lcformer.data.reading.partitions import SeenStars
from lcformer.data.reading.sniff import nothing_read
from lcformer.data.reading.tables import columns_said_once, read_long_table
from lcformer.data.report import DropReport, kept_warnings
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.views import band_vocabulary, order_bands
from lcformer.errors import LcformerWarning, NothingToTrainError


@dataclass(frozen=True)
class PartitionedTable:
    """A long table in Parquet partitions, with its labels table and how to read it."""

    folder: Path
    paths: list[Path]  # the partitions, in order
    labels: Path | None  # id, class [, split]; else class/split columns of the table
    reading: ReadConfig


def prepare_partitions(name: str, table: PartitionedTable, input_hash: str,
                       config: PrepareConfig, out_root: str | Path,
                       read_whole: Callable[[DropReport], LightCurves], force: bool = False,
                       on_partition: Callable[[int], None] | None = None,
                       n_jobs: int = 1) -> tuple[PreparedDataset, bool]:
    """:func:`lcformer.data.prepared.prepare` for a partitioned table: the same folder (and
    cache), made in bounded memory. ``on_partition(k)``: called as partition ``k`` of the
    second pass is done.

    A star with rows in several partitions, or dropping small classes, cannot be prepared a
    partition at a time; then the table is read whole (``read_whole``, which joins a star's
    rows up again), with a warning that says why.
    """

    def write(path: Path) -> None:
        # What reading warns of is kept in the report (said again when the preparation is
        # reused); not why the table is read whole, which is about this preparation's making.
        report = DropReport()
        whole = []  # the table is read whole after this first pass, which says it all again
        with kept_warnings(report, say=lambda: not whole):
            if config.min_class_windows > 0:
                why = (f"{table.folder}: min_class_windows (dropping small classes) needs every "
                       f"class's count before anything is written")
            else:
                labels = (None if table.labels is None
                          else labels_table(table.labels, table.reading.columns, report))
                refuse_empty_labels(report)  # as build does
                bands, why = _scan(table, labels, config)
                if why is None:
                    _write(name, table, labels, bands, config, input_hash, path, report,
                           on_partition or (lambda _: None), n_jobs)
                    return
            whole.append(True)
        warnings.warn(f"{why}. Reading the whole table into memory instead of one "
                      f"partition at a time", LcformerWarning, stacklevel=3)
        report = DropReport()
        with columns_said_once(), kept_warnings(report):  # (said anew: the first pass's not)
            data = build(name, read_whole(report), config, input_hash, report, n_jobs=n_jobs,
                         source=str(table.folder))
        save(data, path)

    with columns_said_once():  # a column warning once for the table, not each partition
        return cached(name, input_hash, config, out_root, force, write)


def _scan(table: PartitionedTable, labels: pd.DataFrame | None,
          config: PrepareConfig) -> tuple[list[str] | None, str | None]:
    """The first pass: the bands of the curves kept after cleaning (star views; else None),
    or why the partitions cannot be prepared one by one (a star in two of them). A
    ``--keep-bands`` band that no cleaned curve of the whole table has is an error here."""
    seen = SeenStars()
    found: set[str] = set()
    every: set[str] = set()  # the bands before --keep-bands
    classes: set[str] = set()  # the labels before --classes
    for partition in table.paths:
        scratch = DropReport()  # the second pass reports
        raw = _read(partition, table, labels, scratch)
        if raw.n_curves == 0:
            continue
        split = seen.clash(raw.ids, partition)
        if split:
            return None, split
        if raw.labels is not None:
            classes.update(raw.labels.tolist())
        if config.inputs == "stars" or config.keep_bands is not None:
            cleaned = clean(raw, config.cleaning, scratch)[0]
            every.update(cleaned.bands.tolist())
            cleaned = filter_curves(cleaned, config, scratch, str(partition))
            found.update(band_vocabulary(cleaned))
    check_kept_bands(config, every, str(table.folder))
    check_classes(config, classes, str(table.folder))
    return (order_bands(found) if config.inputs == "stars" else None), None


def _write(name: str, table: PartitionedTable, labels: pd.DataFrame | None,
           bands: list[str] | None, config: PrepareConfig, input_hash: str, path: Path,
           report: DropReport, on_partition: Callable[[int], None], n_jobs: int) -> None:
    """The second pass: each partition's samples appended to the folder's arrays."""
    read = np.zeros(3, np.int64)  # stars, curves, points read
    labelled = None if labels is None else pd.Index(labels[table.reading.columns.id])
    has_curve = np.zeros(0 if labels is None else len(labels), bool)  # labels rows met
    padded: list[str] = []  # curves' ids that a label names without their leading zeros
    parts: list[Assembled] = []  # a partition's tables, each
    info = SampleInfo(bands or [], [], None)
    with atomic.building_directory(path) as tmp:
        arrays = {array: _ArrayFile(tmp / f"{array}.npy") for array in ARRAYS}
        first_curve = 0
        for k, partition in enumerate(table.paths):
            raw = _read(partition, table, labels, report)
            if raw.n_curves == 0:  # unreadable or empty: in the report
                on_partition(k)
                continue
            read += (raw.n_stars, raw.n_curves, raw.n_points)
            if labelled is not None:
                ids = pd.Index(pd.unique(raw.ids.astype(str)))
                found = labelled.get_indexer(ids)
                has_curve[found[found >= 0]] = True
                zeros = ids[ids.str.match(r"0+\d")]  # (bounded by the labels: count_orphans)
                padded += zeros[labelled.get_indexer(zeros.str.lstrip("0")) >= 0].tolist()
            cleaned = filter_curves(clean(raw, config.cleaning, report)[0], config, report,
                                    str(partition))
            if cleaned.n_curves:
                samples, info = make_samples(cleaned, config, report, n_jobs=n_jobs,
                                             bands=bands)
                part = Assembled.of(cleaned, samples, info, config)
                for array, values in (("tokens", samples.tokens), ("mask", samples.mask),
                                      ("window_curve", part.window_curve + first_curve),
                                      ("window_extra", samples.extra),
                                      ("points", part.points)):
                    arrays[array].append(values)
                first_curve += len(part.curves)
                parts.append(part.tables())  # the points are on disk: not kept
            on_partition(k)
        if not read[0] and report.problems:
            raise nothing_read(report.problems, table.folder)
        if not parts:
            raise NothingToTrainError(f"{table.folder}: no curve is left to train on after "
                                      f"reading and cleaning; see the report:\n"
                                      f"{report.format()}")
        for file in arrays.values():
            file.close()
        if labels is not None:
            count_orphans(labels, has_curve, table.reading.columns,
                          labels_name(table.labels), str(table.folder), report,
                          np.asarray(padded, dtype=object))
        curves = pd.concat([p.curves for p in parts], ignore_index=True)
        periods = (None if parts[0].periods is None
                   else pd.concat([p.periods for p in parts], ignore_index=True))
        manifest = manifest_of(name, config, input_hash, curves, info, tuple(read.tolist()))
        write_tables(tmp, curves, pd.concat([p.cleaned for p in parts], ignore_index=True),
                     periods, report, manifest)


def _read(partition: Path, table: PartitionedTable, labels: pd.DataFrame | None,
          report: DropReport) -> LightCurves:
    """One partition's curves, labelled, in magnitudes (none, if unreadable: in the report)."""
    curves = read_long_table(partition, columns=table.reading.columns, report=report)
    if curves.n_curves == 0:
        return curves
    if labels is not None:
        curves = attach_labels(curves, labels, table.reading.columns)
    return to_magnitudes(curves, table.reading, str(partition), report)


class _ArrayFile:
    """A ``.npy`` file written by appending rows: raw bytes first, then the header that
    ``np.save`` would write put in front once the number of rows is known."""

    def __init__(self, path: Path) -> None:
        self.path, self.raw = path, path.with_name(f".{path.name}.rows")
        self.handle = open(self.raw, "wb")  # closed in close()
        self.rows = 0
        self.dtype: np.dtype | None = None
        self.shape: tuple[int, ...] = ()

    def append(self, values: np.ndarray) -> None:
        values = np.ascontiguousarray(values)
        if self.dtype is None:
            self.dtype, self.shape = values.dtype, values.shape[1:]
        elif (values.dtype, values.shape[1:]) != (self.dtype, self.shape):
            raise ValueError(f"{self.path.name}: rows of {values.dtype} {values.shape[1:]} "
                             f"after {self.dtype} {self.shape}")
        if values.size:
            self.handle.write(values.reshape(-1).view(np.uint8))
        self.rows += len(values)

    def close(self) -> None:
        self.handle.close()
        assert self.dtype is not None
        header = {"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                  "shape": (self.rows, *self.shape)}
        with open(self.path, "wb") as out, open(self.raw, "rb") as rows:
            np.lib.format.write_array_header_1_0(out, header)
            shutil.copyfileobj(rows, out, 1 << 24)
        self.raw.unlink()
