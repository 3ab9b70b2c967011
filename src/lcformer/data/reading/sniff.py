"""Light curves from whatever a user points at: a dataset name, a folder, a table, an
archive or one star's file. The layout is recognised from the files, not from flags.

Both entry points of the commands, :func:`read_any` (``predict``) and :func:`read_dataset`
(``prepare``, ``train``, ...), end the same way: an input of which nothing could be read is an
:class:`~lcformer.errors.InputError` quoting the first problem (file, line, what to do), and the
magnitudes are checked not to be fluxes, or converted from fluxes (:mod:`.flux`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.files import (
    CSV_SUFFIXES,
    ECSV_SUFFIXES,
    FITS_SUFFIXES,
    READ_ERRORS,
    UNSUPPORTED_SUFFIXES,
    VOTABLE_SUFFIXES,
    is_csv,
    unsupported_format,
)
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.reading.per_star import FileProblem, parse_columns, read_folder
from lcformer.data.reading.tables import read_long_table
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, DatasetNotFoundError, InputError

if TYPE_CHECKING:
    from lcformer.data.datasets import DatasetSpec

ARCHIVES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".zip")
#: Read as a long table (a CSV without a header is one star's file instead; a .csv.zip
#: without one, an archive of star files).
TABLES = (".parquet", *CSV_SUFFIXES, *FITS_SUFFIXES, *ECSV_SUFFIXES, *VOTABLE_SUFFIXES)


def read_any(source: str, data_dir: str | Path | None = None,
             report: DropReport | None = None, reading: ReadConfig | None = None,
             columns_if_table: bool = False) -> LightCurves:
    """New stars from any supported layout; labels, if present, are read but not needed.

    A table (Parquet, CSV with a header, FITS, ECSV, VOTable) without an id column is one
    star named after the file; a CSV without a header is one star's ``time, mag[, err]`` by
    position. A file of a format no reader takes (JSON, Feather, HDF5...) is an error
    listing those read, not text parsed for columns.
    ``reading.columns`` given for per-star files (read by position) are an error, unless
    ``columns_if_table`` (they are a trained model's, for the tables it was trained on).
    """
    from lcformer.data.datasets import REGISTRY, resolve

    reading = reading or ReadConfig()
    # What per-star files are read with: no column names, where they were only a default.
    by_position = reading.replace(columns=Columns()) if columns_if_table else reading
    report = report if report is not None else DropReport()
    before = len(report.problems)
    path = Path(source)
    if source in REGISTRY or path.is_dir():
        try:
            spec, folder = resolve(source, data_dir)
            return read_dataset(spec, folder, report,
                                reading if spec.long_table else by_position)
        except DatasetNotFoundError:
            if not path.is_dir():
                raise
            _by_position(by_position, path)
            return _finish(read_folder(path, report=report), by_position, path, report,
                           before)
    if not path.exists():
        raise DatasetNotFoundError(f"{source}: no such file, folder or dataset name")
    name = path.name.lower()
    if name.endswith(UNSUPPORTED_SUFFIXES):
        raise InputError(unsupported_format(path))
    if name.endswith(TABLES) and not _headerless(path):
        curves = read_long_table(path, columns=reading.columns, report=report, id=_star(path))
    elif name.endswith(ARCHIVES):
        reading = by_position
        _by_position(reading, path)
        curves = read_folder(path, report=report)
    else:
        reading = by_position
        _by_position(reading, path)
        try:
            time, mag, err = parse_columns(path.read_bytes(), report)
        except FileProblem as problem:
            raise InputError(f"{path}:{problem.line}: {problem.message}") from None
        except OSError as error:
            raise InputError(f"{path}: cannot read: {error}") from None
        curves = LightCurves.from_arrays([_star(path)], [""], [len(time)], time, mag, err)
    return _finish(curves, reading, path, report, before)


def read_dataset(spec: DatasetSpec, folder: Path, report: DropReport,
                 reading: ReadConfig | None = None) -> LightCurves:
    """A resolved dataset's curves, with the user's column names, in magnitudes."""
    from lcformer.data.datasets import long_table_file

    reading = reading or ReadConfig()
    before = len(report.problems)
    if reading.columns != Columns():
        if not spec.long_table:
            _by_position(reading, folder, f"is read as {spec.description}")
        curves = spec.read(folder, report, reading.columns)  # type: ignore[call-arg]
    else:
        curves = spec.read(folder, report)
    source = long_table_file(folder) if spec.long_table else folder
    return _finish(curves, reading, source, report, before)


def _finish(curves: LightCurves, reading: ReadConfig, source: Path, report: DropReport,
            before: int) -> LightCurves:
    """Nothing read but problems found: the first problem is the error (it names the file)."""
    problems = report.problems[before:]
    if curves.n_curves == 0 and problems:
        raise nothing_read(problems, source)
    return to_magnitudes(curves, reading, str(source), report)


def nothing_read(problems: list[str], source: Path) -> InputError:
    """The error for a source of which nothing could be read: its first problem (which names
    the file), and how many more there were."""
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    where = "" if problems[0].startswith(str(source)) else f"nothing read from {source}: "
    return InputError(f"{where}{problems[0]}{more}")


def _by_position(reading: ReadConfig, path: Path,
                 what: str = "holds per-star files read by position (time, mag[, err])") -> None:
    """Per-star files are read by position, so a column mapping cannot apply."""
    if reading.columns != Columns():
        raise ConfigError(f"--columns: {path} {what}; --columns applies to tables with a "
                          "header (Parquet, CSV, FITS, ECSV, VOTable) and long-table folders. "
                          "Per-star files are read as time, mag[, err] in that order; name the "
                          "catalogue's columns filename (or path) and class [and band, split]")


def _star(path: Path) -> str:
    """The star a one-star table is named after: its file name without the type suffixes."""
    name = path.name
    for suffix in sorted(TABLES, key=len, reverse=True):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _headerless(path: Path) -> bool:
    """A CSV whose first line holds a number: one star's columns by position."""
    if not is_csv(path):
        return False
    try:
        names = pd.read_csv(path, nrows=0).columns
    except READ_ERRORS:  # empty or unreadable: read_long_table names the problem
        return False
    return any(_is_number(str(n)) for n in names)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
