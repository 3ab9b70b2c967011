"""Long tables: one row per observation (Parquet, CSV, a DataFrame or an astropy table).

The ragged layout is built with whole-column operations (factorize, stable argsort, bincount),
so millions of rows take about a second. Points stay in file order: sorting by time and removing
duplicates is the cleaning step's job, and it counts what it removes.

The helpers :func:`build_curves`, :func:`numeric_column` and :func:`finish` are shared with the
other readers of this package.
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.errors import InputError

PathLike = str | os.PathLike


@dataclass(frozen=True)
class Columns:
    """Column names of a long table; rename here instead of renaming your files."""

    id: str = "id"
    band: str = "band"
    time: str = "time"
    mag: str = "mag"
    err: str = "err"
    label: str = "class"
    split: str = "split"

    @property
    def required(self) -> tuple[str, str, str]:
        return (self.id, self.time, self.mag)

    @property
    def all(self) -> tuple[str, ...]:
        return (self.id, self.band, self.time, self.mag, self.err, self.label, self.split)


# ---------------------------------------------------------------------- public readers
def read_long_table(
    source: PathLike | pd.DataFrame,
    labels: PathLike | pd.DataFrame | None = None,
    columns: Columns = Columns(),
    report: DropReport | None = None,
) -> LightCurves:
    """Read a .parquet / .csv(.gz) file or a DataFrame with one row per observation.

    Labels come from ``labels`` (id + class [+ split], joined by id as strings) or, failing
    that, from class/split columns of the table itself; the labels table uses the same
    ``columns`` names. Stars without a label get "".
    With ``report`` problems are recorded and reading goes on; without one they raise
    :class:`InputError`, so an API user never loses data silently.
    """
    sink = DropReport() if report is None else report
    if isinstance(source, pd.DataFrame):
        name = "DataFrame"
        frame: pd.DataFrame | None = source
        locate = _row_locator(name)
    else:
        name = str(source)
        frame = _read_table_file(Path(source), columns, sink)
        locate = line_locator(Path(source)) if _is_csv(Path(source)) else _row_locator(name)
    curves = None if frame is None else _frame_to_curves(frame, columns, name, locate, sink)
    if curves is None:  # already a problem; matching labels to nothing would count them again
        curves = LightCurves.empty(with_labels=labels is not None)
    elif labels is not None:
        curves = _join_labels(curves, labels, columns, name, sink)
    finish(sink, report, name)
    return curves


def from_dataframe(
    df: pd.DataFrame,
    columns: Columns = Columns(),
    report: DropReport | None = None,
) -> LightCurves:
    """A DataFrame with one row per observation (same rules as :func:`read_long_table`)."""
    return read_long_table(df, columns=columns, report=report)


def from_astropy(
    table: Any,
    id: str | None = None,
    band: str | None = None,
    label: str | None = None,
    columns: Columns = Columns(),
    report: DropReport | None = None,
) -> LightCurves:
    """An ``astropy.table.Table`` or ``astropy.timeseries.TimeSeries``.

    Time columns become float days as MJD (TimeDelta columns as days), Quantity columns their
    ``.value``, masked entries NaN. A table without an id column is one star named ``id``
    (default "star"); ``band`` and ``label`` fill a missing band / class column.
    """
    frame = pd.DataFrame({name: _astropy_column(table[name]) for name in table.colnames})
    if columns.id not in frame:
        frame[columns.id] = "star" if id is None else id
    if columns.band not in frame and band is not None:
        frame[columns.band] = band
    if columns.label not in frame and label is not None:
        frame[columns.label] = label
    return read_long_table(frame, columns=columns, report=report)


# ---------------------------------------------------------------------- shared helpers
def finish(sink: DropReport, report: DropReport | None, what: str) -> None:
    """Raise the collected problems when the caller gave no report to collect them in."""
    if report is None and sink.problems:
        listed = "\n  ".join(sink.problems[:20])
        more = f"\n  ... and {len(sink.problems) - 20} more" if len(sink.problems) > 20 else ""
        raise InputError(
            f"problems reading {what}:\n  {listed}{more}\n"
            "(pass report=DropReport() to read what is readable and collect these instead)"
        )


def numeric_column(
    series: pd.Series, name: str, locate: Callable[[int], str], sink: DropReport
) -> np.ndarray | None:
    """Column as float64; text that is not a number is a problem naming its line."""
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":
        return np.array(series.to_numpy(), dtype=np.float64)  # fast path; a writable copy
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    values = pd.to_numeric(series, errors="coerce")
    present = series.notna().to_numpy().copy()
    if present.any():
        text = series[present].astype(str).str.strip()
        present[present] = (text != "").to_numpy()
    bad = np.flatnonzero(values.isna().to_numpy() & present)
    if len(bad):
        row = int(bad[0])
        sink.problem(
            f"{locate(row)}: column '{name}': {series.iloc[row]!r} is not a number",
            "unreadable_file",
        )
        return None
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def build_curves(
    ids: np.ndarray | pd.Series,
    bands: np.ndarray | pd.Series,
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    labels: np.ndarray | pd.Series | None = None,
    splits: np.ndarray | pd.Series | None = None,
    sink: DropReport | None = None,
) -> LightCurves:
    """Ragged layout from per-row columns, without a loop over stars.

    Curves are (id, band) pairs in order of first appearance; each curve's points keep their
    row order (stable sort). Labels and splits are taken from a curve's first row; curves whose
    rows disagree are counted as ``label_conflict_first_kept``.
    """
    id_codes, id_uniques = pd.factorize(ids)
    band_codes, band_uniques = pd.factorize(bands)
    n_bands = max(len(band_uniques), 1)
    if n_bands == 1:  # one band: curves are stars, already numbered by first appearance
        curve_code, keys = id_codes, np.arange(len(id_uniques))
    else:
        curve_code, keys = pd.factorize(id_codes.astype(np.int64) * n_bands + band_codes)
    lengths = np.bincount(curve_code, minlength=len(keys))
    if len(curve_code) and np.any(curve_code[1:] < curve_code[:-1]):
        order = np.argsort(curve_code, kind="stable")
    else:
        order = None  # already grouped: no copy needed

    def rows(values: np.ndarray) -> np.ndarray:  # writable: later steps may work in place
        values = np.asarray(values, dtype=np.float64)
        return np.require(values, requirements="W") if order is None else values[order]

    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    first_row = starts if order is None else order[starts]

    def per_curve(values: Any, what: str) -> np.ndarray | None:
        if values is None:
            return None
        codes, uniques = pd.factorize(pd.Series(values).fillna(""))
        conflicts = codes != codes[first_row][curve_code]
        if sink is not None and conflicts.any():
            sink.note(f"{what}_conflict_first_kept", len(np.unique(curve_code[conflicts])))
        return np.asarray(uniques, dtype=object)[codes[first_row]] if len(codes) else codes

    return LightCurves.from_arrays(
        ids=np.asarray(id_uniques, dtype=object)[keys // n_bands],
        bands=np.asarray(band_uniques, dtype=object)[keys % n_bands] if len(keys) else [],
        lengths=lengths,
        time=rows(time),
        mag=rows(mag),
        err=rows(err),
        labels=per_curve(labels, "label"),
        splits=per_curve(splits, "split"),
    )


def read_str_table(source: PathLike | pd.DataFrame) -> pd.DataFrame:
    """A small table (labels, catalogue) with every column as text, missing as ""."""
    if isinstance(source, pd.DataFrame):
        return source.astype(str).where(source.notna(), "")
    path = Path(source)
    if path.name.lower().endswith(".parquet"):
        frame = pd.read_parquet(path)
        return frame.astype(str).where(frame.notna(), "")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda c: c.str.strip())


# ---------------------------------------------------------------------- internals
def _is_csv(path: Path) -> bool:
    name = path.name.lower()
    return any(name.endswith(s) for s in (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip"))


def _read_table_file(path: Path, columns: Columns, sink: DropReport) -> pd.DataFrame | None:
    """Read only the known columns; a file that cannot be read is one recorded problem."""
    if not path.is_file():
        sink.problem(f"{path}: file not found", "missing_file")
        return None
    try:
        if path.name.lower().endswith(".parquet"):
            import pyarrow.parquet as pq

            found = list(pq.read_schema(path).names)
            if not _check_columns(found, columns, str(path), sink):
                return None
            return pd.read_parquet(path, columns=[c for c in columns.all if c in found])
        if _is_csv(path):
            found = [str(c) for c in pd.read_csv(path, nrows=0).columns]
            if not _check_columns(found, columns, str(path), sink):
                return None
            text_columns = (columns.id, columns.band, columns.label, columns.split)
            return pd.read_csv(
                path,
                usecols=[c for c in columns.all if c in found],
                dtype={c: str for c in text_columns if c in found},
            )
    except pd.errors.EmptyDataError:
        sink.problem(f"{path}:1: empty file", "empty_file")
        return None
    except (pd.errors.ParserError, UnicodeDecodeError, OSError, ValueError) as error:
        sink.problem(f"{path}: cannot read: {error}", "unreadable_file")
        return None
    sink.problem(f"{path}: unsupported file type; expected .parquet or .csv(.gz)",
                 "unreadable_file")
    return None


def _check_columns(found: list[str], columns: Columns, name: str, sink: DropReport) -> bool:
    missing = [c for c in columns.required if c not in found]
    if missing:
        sink.problem(
            f"{name}: found columns {found}, expected {list(columns.required)} "
            f"(optional {[columns.band, columns.err, columns.label, columns.split]}); "
            f"missing {missing}: pass columns=Columns(...) to name yours",
            "unreadable_file",
        )
    return not missing


def _frame_to_curves(
    frame: pd.DataFrame,
    columns: Columns,
    name: str,
    locate: Callable[[int], str],
    sink: DropReport,
) -> LightCurves | None:
    if not _check_columns([str(c) for c in frame.columns], columns, name, sink):
        return None
    numbers = {}
    for column in (columns.time, columns.mag, columns.err):
        if column in frame:
            numbers[column] = numeric_column(frame[column], column, locate, sink)
            if numbers[column] is None:
                return None
    ids = frame[columns.id]
    missing_id = ids.isna().to_numpy()
    if missing_id.any():
        sink.problem(f"{locate(int(np.flatnonzero(missing_id)[0]))}: no star id "
                     f"({missing_id.sum()} such rows dropped)")
        sink.drop_points("missing_id", int(missing_id.sum()))
        keep = ~missing_id
        frame = frame[keep]
        numbers = {k: v[keep] for k, v in numbers.items()}
    n = len(frame)
    bands = frame[columns.band].fillna("") if columns.band in frame else np.full(n, "", object)
    return build_curves(
        ids=frame[columns.id].astype(str),
        bands=bands.astype(str) if isinstance(bands, pd.Series) else bands,
        time=numbers[columns.time],
        mag=numbers[columns.mag],
        err=numbers.get(columns.err, np.full(n, np.nan)),
        labels=_text(frame, columns.label),
        splits=_text(frame, columns.split),
        sink=sink,
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """A text column with missing values as "" (not "nan"), or None when absent."""
    return frame[column].fillna("").astype(str) if column in frame else None


def _join_labels(
    curves: LightCurves,
    labels: PathLike | pd.DataFrame,
    columns: Columns,
    table_name: str,
    sink: DropReport,
) -> LightCurves:
    """Labels (and splits) by star id; labelled stars without a light curve are counted."""
    name = "labels DataFrame" if isinstance(labels, pd.DataFrame) else str(labels)
    try:
        table = read_str_table(labels)
    except (OSError, ValueError, pd.errors.ParserError) as error:
        sink.problem(f"{name}: cannot read labels: {error}")
        return curves
    if columns.id not in table or columns.label not in table:
        sink.problem(f"{name}: found columns {list(table.columns)}, expected "
                     f"['{columns.id}', '{columns.label}'] (optional '{columns.split}')")
        return curves
    duplicated = table[columns.id].duplicated()
    sink.note("duplicate_label_row", int(duplicated.sum()))
    table = table[~duplicated.to_numpy()]
    index = pd.Index(table[columns.id])
    position = index.get_indexer(pd.Index(curves.ids.astype(str)))
    found = position >= 0

    def joined(column: str) -> np.ndarray:
        values = table[column].to_numpy(dtype=object)
        out = np.full(curves.n_curves, "", dtype=object)
        out[found] = values[position[found]]
        return out

    splits = joined(columns.split) if columns.split in table else curves.splits
    orphans = table[columns.id][~table[columns.id].isin(curves.ids.astype(str))].tolist()
    if orphans:
        sink.drop_curves("no_lightcurve", len(orphans))
        sink.problem(f"{name}: {len(orphans)} labelled star(s) have no light curve in "
                     f"{table_name}, e.g. {', '.join(orphans[:5])}")
    return LightCurves(curves.ids, curves.bands, curves.offsets, curves.time, curves.mag,
                       curves.err, joined(columns.label), splits)


def _row_locator(name: str) -> Callable[[int], str]:
    return lambda row: f"{name}: row {row + 1}"


def line_locator(path: Path) -> Callable[[int], str]:
    """Data row -> "file:line" (1-based, header is line 1). Only used on the error path."""

    def locate(row: int) -> str:
        opener = gzip.open if path.name.lower().endswith(".gz") else open
        with opener(path, "rt", errors="replace") as handle:
            next(handle, None)  # header
            seen = -1
            for line_no, line in enumerate(handle, start=2):
                seen += bool(line.strip())  # pandas skips blank lines
                if seen == row:
                    return f"{path}:{line_no}"
        return f"{path}: row {row + 1}"

    return locate


def _astropy_column(column: Any) -> np.ndarray:
    """Plain NumPy values: Time -> MJD, TimeDelta -> days, Quantity -> value, masked -> NaN."""
    from astropy.time import Time, TimeDelta
    from astropy.units import Quantity

    if isinstance(column, TimeDelta):  # checked first: relative times, not epochs
        values = column.to_value("day")
    elif isinstance(column, Time):
        values = column.mjd
    elif isinstance(column, Quantity):
        values = column.value
    else:
        values = column
    mask = getattr(values, "mask", None)
    raw = np.asarray(getattr(values, "unmasked", np.ma.getdata(values)))
    if mask is not None and np.any(mask):
        if raw.dtype.kind in "iufb":
            raw = np.where(mask, np.nan, raw.astype(np.float64))
        else:
            raw = np.where(mask, "", raw.astype(str))
    return raw.astype(str).astype(object) if raw.dtype.kind in "SU" else raw
