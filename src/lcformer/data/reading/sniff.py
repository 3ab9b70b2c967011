"""Light curves from whatever a user points at: a dataset name, a folder, a table, an
archive or one star's file. The layout is recognised from the files, not from flags."""

from __future__ import annotations

from pathlib import Path

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.per_star import parse_columns, read_folder
from lcformer.data.reading.tables import read_long_table
from lcformer.data.report import DropReport
from lcformer.errors import DatasetNotFoundError

ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".zip")
TABLES = (".parquet", ".csv", ".csv.gz")


def read_any(source: str, data_dir: str | Path | None = None,
             report: DropReport | None = None) -> LightCurves:
    """New stars from any supported layout; labels, if present, are read but not needed."""
    from lcformer.data.datasets import REGISTRY, resolve

    report = report if report is not None else DropReport()
    path = Path(source)
    if source in REGISTRY or path.is_dir():
        try:
            spec, folder = resolve(source, data_dir)
            return spec.read(folder, report)
        except DatasetNotFoundError:
            if not path.is_dir():
                raise
            return read_folder(path, report=report)
    if not path.exists():
        raise DatasetNotFoundError(f"{source}: no such file, folder or dataset name")
    name = path.name.lower()
    if name.endswith(TABLES) and _has_id_column(path):
        return read_long_table(path, report=report)
    if name.endswith(ARCHIVES):
        return read_folder(path, report=report)
    time, mag, err = parse_columns(path.read_bytes())
    return LightCurves.from_arrays([path.stem], [""], [len(time)], time, mag, err)


def _has_id_column(path: Path) -> bool:
    """A long table has an ``id`` column; a single star's table does not."""
    if path.name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        return "id" in pq.read_schema(path).names
    import pandas as pd

    return "id" in pd.read_csv(path, nrows=0).columns
