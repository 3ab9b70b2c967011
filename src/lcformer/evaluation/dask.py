"""Classify the stars of a Dask DataFrame, partition by partition, on a laptop or a cluster
(``pip install "lcformer[dask]"``; how to, with an example: docs/scale.md, "Dask").

Dask is what the survey community already runs (LSDB and nested-pandas are built on it), so a
trained model goes to the data rather than the data to lcformer. Each partition is a long
table (or one row a star with its points nested) and every star's rows must be in one
partition, as for ``lcformer predict`` on a folder of partitions: that is checked first, in
one pass over the id column (a split star would come out as two rows, each classified on part
of its points). The output has one row per star in the layout of
:func:`lcformer.evaluation.streaming.output_schema`; a star that cannot be classified keeps its
row, with its ``reason``, and rows without a star id fail their partition's task, as an
unreadable partition does: nothing is lost silently. Each worker process loads the model once.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer.data.reading.columns import distinct_ids
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.tables import ids_from_index
from lcformer.data.report import DropReport
from lcformer.errors import InputError
from lcformer.evaluation.flags import FlagConfig
from lcformer.evaluation.new_star_reading import trained_reading
from lcformer.evaluation.predict import PREDICT_CHUNK_STARS
from lcformer.models.inference import BATCH
from lcformer.training.run_folder import DEFAULT_CHECKPOINT, Checkpoint, checkpoint_file

if TYPE_CHECKING:
    import dask.dataframe as dd


def classify_partitions(ddf: dd.DataFrame, run_dir: str | Path, *,
                        checkpoint: Checkpoint = DEFAULT_CHECKPOINT,
                        reading: ReadConfig | None = None, device: str = "cpu",
                        pad_short: bool | None = None, flags: FlagConfig | None = None,
                        batch_size: int = BATCH, chunk_stars: int = PREDICT_CHUNK_STARS,
                        torch_threads: int | None = 1,
                        check_stars: bool = True) -> dd.DataFrame:
    """A lazy Dask DataFrame of predictions, one partition per partition of ``ddf``.

    ``run_dir``: a run folder (or a folder saved by ``Classifier.save``) that every worker can
    read at the same path. ``reading``: column names and fluxes (``ReadConfig``, as
    ``--columns`` / ``--flux``; default: as the run's training tables were read; its
    ``band_names`` are the run's unless this names some).
    ``device``: the CPU unless given ("auto" or "cuda"), as the workers of one machine would
    otherwise share its one GPU. ``torch_threads``: torch's threads in each worker process
    (None: leave torch's default).
    ``check_stars``: first check, on the cluster (one pass over the id column), that no star
    has rows in two partitions, and raise :class:`InputError` naming some that do; False
    skips that pass. The other options are those of ``lcformer predict``. What reading and
    cleaning dropped: :func:`classify_with_reports`.
    """
    from lcformer.evaluation.streaming import output_schema

    run, metadata, reading = _setup(ddf, run_dir, checkpoint, reading, check_stars)
    return ddf.map_partitions(
        classify_frame, run, checkpoint, reading=reading, device=device,
        pad_short=pad_short, flags=flags or FlagConfig(), batch_size=batch_size,
        chunk_stars=chunk_stars, torch_threads=torch_threads, meta=output_schema(metadata))


def classify_with_reports(ddf: dd.DataFrame, run_dir: str | Path, *,
                          checkpoint: Checkpoint = DEFAULT_CHECKPOINT,
                          reading: ReadConfig | None = None, device: str = "cpu",
                          pad_short: bool | None = None, flags: FlagConfig | None = None,
                          batch_size: int = BATCH, chunk_stars: int = PREDICT_CHUNK_STARS,
                          torch_threads: int | None = 1, check_stars: bool = True,
                          ) -> tuple[dd.DataFrame, dd.DataFrame]:
    """The predictions of :func:`classify_partitions` and, from the same tasks, what reading
    and cleaning each partition dropped: a lazy table in the layout of :func:`report_schema`
    (``merged_report`` makes it one :class:`DropReport`). Compute the two together
    (``dask.compute``): computed apart, each partition is classified twice.

    The same options as :func:`classify_partitions`.
    """
    import dask
    import dask.dataframe as dd

    from lcformer.evaluation.streaming import output_schema

    run, metadata, reading = _setup(ddf, run_dir, checkpoint, reading, check_stars)
    classify = dask.delayed(classify_frame_reported, nout=2)
    tasks = [classify(part, run, checkpoint, partition=i, reading=reading, device=device,
                      pad_short=pad_short, flags=flags or FlagConfig(), batch_size=batch_size,
                      chunk_stars=chunk_stars, torch_threads=torch_threads)
             for i, part in enumerate(ddf.to_delayed())]
    predictions = dd.from_delayed([t[0] for t in tasks], meta=output_schema(metadata),
                                  verify_meta=False)
    reports = dd.from_delayed([t[1] for t in tasks], meta=report_schema(), verify_meta=False)
    return predictions, reports


def _setup(ddf: dd.DataFrame, run_dir: str | Path, checkpoint: Checkpoint,
           reading: ReadConfig | None, check_stars: bool) -> tuple[str, dict[str, Any], ReadConfig]:
    """The run's absolute path, its metadata and the reading: checked here, on the client, so
    a bad run folder or split stars fail before any task is sent."""
    run = str(Path(run_dir).resolve())
    _, metadata = cached_model(run, checkpoint)  # fails here, not on a worker, if it is bad
    trained = trained_reading(metadata)  # warns of a model trained on an earlier reading
    reading = reading or trained
    if not reading.band_names and trained.band_names:  # the run's renaming, unless replaced
        reading = reading.replace(band_names=trained.band_names)
    if not reading.class_names and trained.class_names:  # and its classes' renaming
        reading = reading.replace(class_names=trained.class_names)
    if check_stars:
        _check_one_partition_per_star(ddf, reading.columns)
    return run, metadata, reading


def _check_one_partition_per_star(ddf: dd.DataFrame, columns: Columns) -> None:
    """InputError if a star's rows are in two partitions: each would be classified on part of
    its points. Counted on the cluster: each partition's distinct ids, then how many
    partitions hold each."""
    id_name = columns.id
    found = [c for c in ddf.columns if str(c) == id_name] or [
        c for c in ddf.columns if str(c).lower() == id_name.lower()]
    if len(found) != 1 and any(n is not None for n in ddf._meta.index.names):
        # Star ids maybe in the index (set_index): each partition's, as the reader takes them
        ids = ddf.map_partitions(_index_ids, columns, meta=(id_name, object))
        _refuse_split(ids.value_counts(), ddf.index.name or id_name)
        return
    if len(found) != 1:  # no id column: reading the partitions will say so
        return
    # Reading the id column alone is cheap, but Dask may then fuse small Parquet files into
    # fewer partitions than classifying (all columns) reads, which would hide a split star:
    # where it does, each whole partition is read for its ids.
    column = ddf[found[0]]
    if column.optimize().npartitions == ddf.optimize().npartitions:
        ids = column.map_partitions(distinct_ids, meta=(str(found[0]), object))
    else:
        ids = ddf.map_partitions(_partition_ids, found[0], meta=(str(found[0]), object))
    _refuse_split(ids.value_counts(), found[0])


def _refuse_split(counts: dd.Series, column: Any) -> None:
    """InputError naming some stars that ``counts`` (partitions per star) puts in several."""
    split = counts[counts > 1].head(3, npartitions=-1)
    if len(split):
        names = ", ".join(repr(i) for i in split.index)
        raise InputError(f"stars with rows in more than one partition, e.g. {names}: each "
                         f"star's rows must all be in one partition, or it is classified "
                         f"twice on part of its points; repartition by id first "
                         f"(ddf.shuffle({str(column)!r}))")


def _partition_ids(partition: pd.DataFrame, column: str) -> pd.Series:
    return distinct_ids(partition[column])


def _index_ids(partition: pd.DataFrame, columns: Columns) -> pd.Series:
    """A partition's distinct star ids where the reader takes them from its index
    (:func:`~lcformer.data.reading.tables.ids_from_index`); none where it does not."""
    frame = ids_from_index(partition, columns)
    column = columns.resolve([str(c) for c in frame.columns]).id
    return distinct_ids(frame[column]) if column in frame else pd.Series([], dtype=object)


def classify_frame(frame: pd.DataFrame, run: str, checkpoint: Checkpoint = DEFAULT_CHECKPOINT,
                   reading: ReadConfig | None = None, torch_threads: int | None = None,
                   **options: Any) -> pd.DataFrame:
    """The predictions of one partition (a pandas long table): what each Dask task runs."""
    return classify_frame_reported(frame, run, checkpoint, reading=reading,
                                   torch_threads=torch_threads, **options)[0]


def classify_frame_reported(frame: pd.DataFrame, run: str,
                            checkpoint: Checkpoint = DEFAULT_CHECKPOINT, *,
                            partition: int | None = None, reading: ReadConfig | None = None,
                            torch_threads: int | None = None,
                            **options: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The predictions of one partition and what reading and cleaning it dropped
    (:func:`report_table`, rows marked ``partition``)."""
    from lcformer.evaluation.streaming import predict_frame, read_partition

    if torch_threads is not None:
        import torch

        if torch.get_num_threads() != torch_threads:
            torch.set_num_threads(torch_threads)
    model, metadata = cached_model(run, checkpoint)
    report = DropReport()
    if reading is None:  # (classify_partitions passes the one it checked, having warned)
        reading = trained_reading(metadata)  # warns of a model trained on an earlier reading
    lcs = read_partition(frame, reading, report)
    which = (f"partition {partition} ({len(frame):,} rows)" if partition is not None else
             f"a partition of {len(frame):,} rows")
    if lcs.n_curves == 0 and report.problems:
        # An unreadable partition fails its task (Dask re-raises it in compute()), as
        # ``lcformer predict`` counts it failed: its stars must not vanish from the output.
        raise InputError(f"{which} could not be read: {report.problems[0]}")
    if report.points["missing_id"]:  # rows of no known star: fail, as lcformer predict does
        raise InputError(f"{which} has "
                         f"{report.points['missing_id']:,} row(s) without a star id, which no "
                         f"prediction would include; drop them first "
                         f"(ddf.dropna(subset=[{reading.columns.id!r}]))")
    table, predicted = predict_frame(model, metadata, lcs, **options)
    return table, report_table(report.merge(predicted), partition or 0, rows=len(frame),
                               stars=len(table))


def report_schema() -> pd.DataFrame:
    """The empty table of :func:`classify_with_reports`'s reports: per partition (its
    number in the input), ``kind`` (``read``: its ``rows`` and ``stars``, so that every
    partition has rows and its stars can be checked against the predictions; then
    ``points_dropped``, ``curves_dropped``, ``events``, as :meth:`DropReport.to_dict` names
    them, and ``problems``), ``reason`` (a problem: its message) and ``count``. Long, so that
    Dask concatenates and sums it."""
    return pd.DataFrame({"partition": pd.Series(dtype=np.int64), "kind": pd.Series(dtype=str),
                         "reason": pd.Series(dtype=str), "count": pd.Series(dtype=np.int64)})


def report_table(report: DropReport, partition: int, rows: int = 0,
                 stars: int = 0) -> pd.DataFrame:
    """One partition's drop report, and the ``rows`` read and ``stars`` predicted (each
    with a row in the predictions), as rows of :func:`report_schema`."""
    counts = {"read": {"rows": rows, "stars": stars}, "points_dropped": report.points,
              "curves_dropped": report.curves, "events": report.events}
    lines = [(kind, reason, n) for kind, found in counts.items()
             for reason, n in sorted(found.items())]
    lines += [("problems", message, 1) for message in report.problems]
    table = pd.DataFrame(lines, columns=["kind", "reason", "count"])
    table.insert(0, "partition", partition)
    return table.astype(report_schema().dtypes.to_dict())


def merged_report(table: pd.DataFrame) -> DropReport:
    """The computed reports of :func:`classify_with_reports` as one :class:`DropReport`
    (``.format()`` prints it as ``lcformer predict`` does): counts summed over partitions,
    problems listed with their partition."""
    problem = table["kind"] == "problems"
    counted = ~problem & (table["kind"] != "read")  # rows and stars read are no drop
    sums = table[counted].groupby(["kind", "reason"])["count"].sum()
    report = DropReport.from_dict({kind: {r: int(n) for r, n in sums[kind].items()}
                                   for kind in sums.index.get_level_values(0).unique()})
    ordered = table[problem].sort_values("partition", kind="stable")
    report.problems = [f"partition {i}: {message}" for i, message in
                       zip(ordered["partition"], ordered["reason"], strict=True)]
    return report


def cached_model(run: str | Path, checkpoint: Checkpoint = DEFAULT_CHECKPOINT
                 ) -> tuple[Any, dict[str, Any]]:
    """The model of a run folder, loaded once per process (again only if the file changes)."""
    path = Path(run) / checkpoint_file(checkpoint)
    stamp = path.stat().st_mtime_ns if path.is_file() else 0  # missing: load_model says so
    return _load(str(run), checkpoint, stamp)


@functools.lru_cache(maxsize=4)
def _load(run: str, checkpoint: Checkpoint, stamp: int) -> tuple[Any, dict[str, Any]]:
    from lcformer.training.run_folder import load_model

    return load_model(run, checkpoint)
