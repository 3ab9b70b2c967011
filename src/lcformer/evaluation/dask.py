"""Classify the stars of a Dask DataFrame, partition by partition, on a laptop or a cluster.

Dask is what the survey community already runs (LSDB and nested-pandas are built on it), so a
trained model goes to the data rather than the data to lcformer::

    import dask.dataframe as dd
    from distributed import Client
    from lcformer.evaluation.dask import classify_partitions

    if __name__ == "__main__":                          # Client() starts processes
        client = Client()                               # or Client("scheduler:8786")
        points = dd.read_parquet("survey/")             # id, band, time, mag, err
        predictions = classify_partitions(points, "runs/asas_acvs-periodic-seed0")
        predictions.to_parquet("predictions/")          # or .compute() for a DataFrame

Each partition is a long table (one row per observation) and **every star's rows must be in
one partition**, as for ``lcformer predict`` on a folder of partitions; ``ddf.shuffle("id")``
arranges that. It is checked first, in one pass over the id column on the cluster
(``check_stars=False`` skips it): a star split across partitions would come out as two rows,
each classified on part of its points.

The result has one row per star in the layout of
:func:`lcformer.evaluation.streaming.output_schema` (classified stars with probabilities and
``flag``, the others with an empty ``predicted`` and their ``reason``). Each worker process
loads the model once and keeps it (cached by path and file time), whatever the number of
partitions it is given. Install with ``pip install "lcformer[dask]"``.

Give workers one thread each for torch (``threads_per_worker=1`` and ``torch_threads=1``, the
default here): several partitions at once in one process, each with every core's threads,
run slower than one.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from lcformer.data.reading.config import ReadConfig
from lcformer.data.report import DropReport
from lcformer.errors import InputError
from lcformer.evaluation.flags import FlagConfig
from lcformer.evaluation.predict import CHUNK_STARS, trained_reading

if TYPE_CHECKING:
    import dask.dataframe as dd


def classify_partitions(ddf: dd.DataFrame, run_dir: str | Path, *, checkpoint: str = "best",
                        reading: ReadConfig | None = None, device: str = "cpu",
                        pad_short: bool | None = None, flags: FlagConfig | None = None,
                        batch_size: int = 512, chunk_stars: int = CHUNK_STARS,
                        torch_threads: int | None = 1,
                        check_stars: bool = True) -> dd.DataFrame:
    """A lazy Dask DataFrame of predictions, one partition per partition of ``ddf``.

    ``run_dir``: a run folder (or a folder saved by ``Classifier.save``) that every worker can
    read at the same path. ``reading``: column names and fluxes (``ReadConfig``, as
    ``--columns`` / ``--flux``; default: as the run's training tables were read).
    ``torch_threads``: torch's threads in each worker process (None: leave torch's default).
    ``check_stars``: first check, on the cluster (one pass over the id column), that no star
    has rows in two partitions, and raise :class:`InputError` naming some that do; False
    skips that pass. The other options are those of ``lcformer predict``.
    """
    from lcformer.evaluation.streaming import output_schema

    run = str(Path(run_dir).resolve())
    _, metadata = cached_model(run, checkpoint)  # fails here, not on a worker, if it is bad
    reading = reading or trained_reading(metadata)
    if check_stars:
        _check_one_partition_per_star(ddf, reading.columns.id)
    return ddf.map_partitions(
        classify_frame, run, checkpoint, reading=reading, device=device,
        pad_short=pad_short, flags=flags or FlagConfig(), batch_size=batch_size,
        chunk_stars=chunk_stars, torch_threads=torch_threads, meta=output_schema(metadata))


def _check_one_partition_per_star(ddf: dd.DataFrame, id_name: str) -> None:
    """InputError if a star's rows are in two partitions: each would be classified on part of
    its points. Counted on the cluster: each partition's distinct ids, then how many
    partitions hold each."""
    found = [c for c in ddf.columns if str(c) == id_name] or [
        c for c in ddf.columns if str(c).lower() == id_name.lower()]
    if len(found) != 1:  # no id column: reading the partitions will say so
        return
    ids = ddf[found[0]].map_partitions(lambda s: pd.Series(pd.unique(s.dropna())),
                                       meta=(str(found[0]), ddf[found[0]].dtype))
    counts = ids.value_counts()
    split = counts[counts > 1].head(3, npartitions=-1)
    if len(split):
        names = ", ".join(repr(i) for i in split.index)
        raise InputError(f"stars with rows in more than one partition, e.g. {names}: each "
                         f"star's rows must all be in one partition, or it is classified "
                         f"twice on part of its points; repartition by id first "
                         f"(ddf.shuffle({str(found[0])!r}))")


def classify_frame(frame: pd.DataFrame, run: str, checkpoint: str = "best",
                   reading: ReadConfig | None = None, torch_threads: int | None = None,
                   **options: Any) -> pd.DataFrame:
    """The predictions of one partition (a pandas long table): what each Dask task runs."""
    from lcformer.evaluation.streaming import predict_frame, read_partition

    if torch_threads is not None:
        import torch

        if torch.get_num_threads() != torch_threads:
            torch.set_num_threads(torch_threads)
    model, metadata = cached_model(run, checkpoint)
    report = DropReport()
    lcs = read_partition(frame, reading or trained_reading(metadata), report)
    if lcs.n_curves == 0 and report.problems:
        # An unreadable partition fails its task (Dask re-raises it in compute()), as
        # ``lcformer predict`` counts it failed: its stars must not vanish from the output.
        raise InputError(f"a partition of {len(frame):,} rows could not be read: "
                         f"{report.problems[0]}")
    table, _ = predict_frame(model, metadata, lcs, **options)
    return table


def cached_model(run: str | Path, checkpoint: str = "best") -> tuple[Any, dict[str, Any]]:
    """The model of a run folder, loaded once per process (again only if the file changes)."""
    path = Path(run) / f"{checkpoint}.safetensors"
    stamp = path.stat().st_mtime_ns if path.is_file() else 0  # missing: load_model says so
    return _load(str(run), checkpoint, stamp)


@functools.lru_cache(maxsize=4)
def _load(run: str, checkpoint: str, stamp: int) -> tuple[Any, dict[str, Any]]:
    from lcformer.training.runs import load_model

    return load_model(run, checkpoint)
