"""Long tables: one row per observation (Parquet, CSV, FITS, ECSV, VOTable, a DataFrame or an
astropy table).

The ragged layout is built with whole-column operations (factorize, stable argsort, bincount),
so millions of rows take about a second. Points stay in file order: sorting by time and removing
duplicates is the cleaning step's job, and it counts what it removes.

The helpers :func:`build_curves` and :func:`numeric_column` are shared with the other readers
of this package (and :mod:`.files`' with all of them). Whatever pandas, pyarrow or astropy
raise for a file that is not what its name says becomes a problem (or :class:`InputError`)
naming the file, here, where the file is known. Labels tables: :mod:`.labels`.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyarrow.lib import ArrowException

from lcformer.data.lightcurves import MISSING_WORDS, LightCurves, label_array
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import (
    BAND_NAMES,
    LIMIT,
    READ_ERRORS,
    PathLike,
    astropy_format,
    cannot_read,
    finish,
    is_csv,
    is_flag_name,
    names_text,
    unsupported_format,
)
from lcformer.data.reading.labels import join_labels
from lcformer.data.reading.partitions import partition_files
from lcformer.data.report import DropReport
from lcformer.errors import InputError

DEFAULT_COLUMNS = Columns()


# ---------------------------------------------------------------------- public readers
def read_long_table(
    source: PathLike | pd.DataFrame,
    labels: PathLike | pd.DataFrame | None = None,
    columns: Columns = DEFAULT_COLUMNS,
    report: DropReport | None = None,
    id: str | None = None,
) -> LightCurves:
    """Read a Parquet, CSV, FITS, ECSV or VOTable file (``files.TABLE_FORMATS``) or a
    DataFrame, one row per observation.

    Labels come from ``labels`` (id + class [+ split], joined by id as strings) or, failing
    that, from class/split columns of the table itself; the labels table uses the same
    ``columns`` names (or plain ``id``/``class``). Stars without a label get "". A table
    without an id column is one star named ``id``, when given.
    With ``report`` problems are recorded and reading goes on; without one they raise
    :class:`InputError`, so an API user never loses data silently. A labels table that cannot
    be used raises either way: nothing could be labelled.

    A folder is a table in Parquet partitions (see :func:`read_partitions`).
    """
    if not isinstance(source, pd.DataFrame) and Path(source).is_dir():
        return read_partitions(source, labels, columns, report)
    sink = DropReport() if report is None else report
    if isinstance(source, pd.DataFrame):
        name = "DataFrame"
        frame: pd.DataFrame | None = _unnested_frame(source, columns, sink, id is not None)
        locate = _row_locator(name)
    else:
        name = str(source)
        frame = _read_table_file(Path(source), columns, sink, single=id is not None)
        locate = line_locator(Path(source)) if is_csv(Path(source)) else _row_locator(name)
    if frame is not None and id is not None and columns.id not in frame:
        frame = frame.assign(**{columns.id: id})
    try:
        curves = None if frame is None else _frame_to_curves(frame, columns, name, locate, sink)
    except ArrowException as error:  # text that is not UTF-8 in a damaged Parquet file
        sink.problem(cannot_read(name, error), "unreadable_file")
        curves = None
    if curves is None:  # already a problem; matching labels to nothing would count them again
        curves = LightCurves.empty(with_labels=labels is not None)
    elif labels is not None:
        curves = join_labels(curves, labels, columns, name, sink)
    finish(sink, report, name)
    return curves


def read_partitions(
    folder: PathLike,
    labels: PathLike | pd.DataFrame | None = None,
    columns: Columns = DEFAULT_COLUMNS,
    report: DropReport | None = None,
) -> LightCurves:
    """A long table as a folder of Parquet partitions (``lightcurves.parquet/`` as Dask and
    Spark write it: ``*.parquet`` files at any depth, by path; names starting with ``.`` or
    ``_`` are not data), read one partition at a time, each turned into curves before the
    next is read: the DataFrame of one partition is the most ever held (with the curves read
    so far, 24 bytes a point). A star whose rows are in several partitions is joined up again,
    its rows in partition order: the result is that of reading the partitions as one table.
    """
    folder = Path(folder)
    sink = DropReport() if report is None else report
    parts = partition_files(folder)
    if not parts:
        sink.problem(f"{folder}: no Parquet partitions (*.parquet) in this folder",
                     "missing_file")
        curves = LightCurves.empty(with_labels=labels is not None)
    else:
        curves = join_split_curves(LightCurves.concatenate(
            [read_long_table(p, columns=columns, report=sink) for p in parts]), sink)
        if labels is not None:
            curves = join_labels(curves, labels, columns, str(folder), sink)
    finish(sink, report, str(folder))
    return curves


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
    order given; curves in order of first appearance. A curve's label and split are those of
    its first part that has one; parts that disagree are counted as
    ``label_conflict_first_kept``."""
    keys = pd.MultiIndex.from_arrays([curves.ids, curves.bands])
    codes, uniques = pd.factorize(keys)
    if len(uniques) == curves.n_curves:
        return curves
    first = np.unique(codes, return_index=True)[1]
    order = np.argsort(np.repeat(codes, curves.lengths), kind="stable")

    def per_curve(values: np.ndarray | None, what: str) -> np.ndarray | None:
        if values is None:
            return None
        given = values != ""  # a part without a value does not disagree
        chosen = values[first].copy()
        rows_given = np.flatnonzero(given)
        curves_given, first_given = np.unique(codes[rows_given], return_index=True)
        chosen[curves_given] = values[rows_given[first_given]]
        conflicts = given & (values != chosen[codes])
        if sink is not None and conflicts.any():
            sink.note(f"{what}_conflict_first_kept", len(np.unique(codes[conflicts])))
        return chosen

    lengths = np.bincount(codes, weights=curves.lengths, minlength=len(uniques))
    return LightCurves.from_arrays(
        ids=curves.ids[first], bands=curves.bands[first], lengths=lengths.astype(np.int64),
        time=curves.time[order], mag=curves.mag[order], err=curves.err[order],
        labels=per_curve(curves.labels, "label"), splits=per_curve(curves.splits, "split"))


def _unnested_frame(frame: pd.DataFrame, columns: Columns, sink: DropReport,
                    single: bool) -> pd.DataFrame | None:
    """A DataFrame of one row per star, its points in a column of records (as Dask reads
    a nested Parquet file: dicts of lists, or lists of dicts), as one row per point."""
    named = columns.resolve([str(c) for c in frame.columns])
    if {named.time, named.mag} <= set(frame.columns) or not any(
            frame[c].dtype == object for c in frame.columns):
        return frame
    import pyarrow as pa

    try:
        table = pa.Table.from_pandas(frame, preserve_index=False)
    except (ArrowException, TypeError, ValueError):  # objects of another kind: as before
        return frame
    nested, unnested = _unnest(table.schema, lambda: table, columns, columns.required,
                               "DataFrame", sink, single)
    return unnested if nested else frame


def from_dataframe(
    df: pd.DataFrame,
    columns: Columns = DEFAULT_COLUMNS,
    report: DropReport | None = None,
) -> LightCurves:
    """A DataFrame with one row per observation (same rules as :func:`read_long_table`)."""
    return read_long_table(df, columns=columns, report=report)


def from_astropy(
    table: Any,
    id: str | None = None,
    band: str | None = None,
    label: str | None = None,
    columns: Columns = DEFAULT_COLUMNS,
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


#: An ISO 8601 date, with a time of day and a time zone or not (2020-01-06T01:30:57.4Z).
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d*)?)?)?"
                       r"(Z|[+-]\d{2}:?\d{2})?\s*$")


def days_of_dates(series: pd.Series, sink: DropReport,
                  locate: Callable[[int], str] | None = None) -> pd.Series | None:
    """A time column of dates (pandas or Parquet timestamps, or ISO 8601 text as a CSV holds
    them, UTC where no zone is given) as MJD in days, as astropy ``Time`` columns are read;
    durations as days. Counted as ``time_dates_read_as_mjd``. A text column of dates with
    another value among them is a problem naming its line (None)."""
    if series.dtype == object or pd.api.types.is_string_dtype(series):
        text = series.astype(str).str.strip().where(series.notna(), "")
        if _ISO_DATE.match(text[text != ""].iloc[0] if (text != "").any() else ""):
            parsed = pd.to_datetime(text.where(text.str.match(_ISO_DATE)), format="ISO8601",
                                    utc=True, errors="coerce")  # 2020-02-30 too: NaT
            bad = (parsed.isna() & (text != "")).to_numpy()
            if not bad.any():
                series = parsed
            else:  # every value a date, or a problem naming the first that is not
                row = int(np.flatnonzero(bad)[0])
                where = locate(row) if locate else f"row {row + 1}"
                sink.problem(f"{where}: column '{series.name}': {text.iloc[row]!r} is not a "
                             f"date, where the column holds ISO 8601 dates (read as MJD)",
                             "unreadable_file")
                return None
    if pd.api.types.is_datetime64_any_dtype(series):
        if getattr(series.dt, "tz", None) is not None:
            series = series.dt.tz_convert("UTC").dt.tz_localize(None)
        sink.note("time_dates_read_as_mjd", len(series))
        return (series - pd.Timestamp("1858-11-17")) / pd.Timedelta(days=1)
    if pd.api.types.is_timedelta64_dtype(series):
        sink.note("time_dates_read_as_mjd", len(series))
        return series / pd.Timedelta(days=1)
    return series


_LIMIT_VALUE = re.compile(rf"^\s*{LIMIT}\s*$")


def numeric_column(
    series: pd.Series, name: str, locate: Callable[[int], str], sink: DropReport,
    curves: int = 1, limits: bool = False,
) -> np.ndarray | None:
    """Column as float64; text that is not a number is a problem naming its line (so is a
    date outside the time column: :func:`days_of_dates` reads those), dropping the ``curves``
    its file holds. With ``limits`` (magnitudes), a limit such as ``>16.8`` is a missing
    value, counted as ``limit_values_read_as_missing`` (cleaning then drops its point)."""
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_timedelta64_dtype(series):
        sink.problem(f"{locate(0)}: column '{name}' holds dates, not numbers",
                     "unreadable_file", curves)
        return None
    if isinstance(series.dtype, np.dtype) and series.dtype.kind in "fiu":
        return np.array(series.to_numpy(), dtype=np.float64)  # fast path; a writable copy
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return series.to_numpy(dtype=np.float64, na_value=np.nan)
    if limits:
        limit = series.astype(str).str.match(_LIMIT_VALUE).to_numpy() & series.notna().to_numpy()
        if limit.any():
            sink.note("limit_values_read_as_missing", int(limit.sum()))
            series = series.mask(limit)
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
            "unreadable_file", curves,
        )
        return None
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


#: What to do about a flag column that holds something else (a table's; see flagged_rows).
FLAG_FIX = ("keep the rows you want and drop the column, or name another with --columns "
            "flag=NAME (flag= for none; in Python, columns=Columns(flag=...))")


def flagged_rows(series: pd.Series, name: str, locate: Callable[[int], str],
                 sink: DropReport, bits: int = 0, fix: str = FLAG_FIX) -> np.ndarray | None:
    """Rows whose quality flag is set: a non-zero number or true (ZTF's ``catflags``, TESS's
    ``QUALITY``, Gaia's ``rejected_by_variability``), or with ``bits``, a whole number with
    one of those bits set (true still drops); a missing flag is not set. A value that is
    neither is a problem naming its line (``fix`` says what to do): guessing which of a
    survey's words mean "bad" could keep bad rows or drop good ones."""
    if pd.api.types.is_bool_dtype(series):
        return series.fillna(False).to_numpy(dtype=bool)
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # text: true is every bit
        text = series.fillna("").astype(str).str.strip().str.lower()
        words = text.map({"true": -1.0, "false": 0.0} | {w.lower(): 0.0 for w in MISSING_WORDS})
        values = words.fillna(pd.to_numeric(text, errors="coerce")).to_numpy(dtype=np.float64)
        bad = np.flatnonzero(np.isnan(values))
        if len(bad):
            row = int(bad[0])
            sink.problem(f"{locate(row)}: column '{name}': {series.iloc[row]!r} is not a "
                         f"quality flag (a number, 0 for good, or true/false); {fix}",
                         "unreadable_file")
            return None
    known = ~np.isnan(values)
    if not bits:
        return known & (values != 0)
    fraction = np.flatnonzero(known & (values != np.round(values)))
    if len(fraction):
        row = int(fraction[0])
        sink.problem(f"{locate(row)}: column '{name}': {values[row]:g} is not a whole "
                     f"number, so it has no bits for --flag-bits {bits}; leave --flag-bits "
                     f"out to drop every non-zero flag", "unreadable_file")
        return None
    whole = np.where(known, values, 0.0).astype(np.int64)
    return (whole & bits) != 0


def whole_numbers(values: pd.Series) -> pd.Series:
    """A float column whose values are all whole numbers as integers: pandas makes an integer
    column float for one missing value, and the star (or band) 7 must not become "7.0"."""
    if values.dtype.kind != "f":
        return values
    known = values.to_numpy()[values.notna().to_numpy()]
    if not (np.isfinite(known).all() and np.all(np.abs(known) <= 2**53)
            and np.all(np.mod(known, 1) == 0)):
        return values
    return values.astype("Int64")


def _id_text(ids: pd.Series, column: str, name: str, sink: DropReport) -> np.ndarray | None:
    """Each row's star id as text, as stars are named everywhere (a whole-number float as
    the integer: :func:`whole_numbers`), without spaces around it (CSV's "a, b": 'syn-1 '
    and 'syn-1' are one star, as their labels are; counted as ``id_spaces_removed`` rows).
    Ids of one text but another type (1 and "1") are a problem: they would be one star."""
    codes, uniques = pd.factorize(whole_numbers(ids))
    text = pd.Index(uniques).astype(str)
    if text.has_duplicates:
        pair = [u for u in uniques if str(u) == text[text.duplicated()][0]][:2]
        sink.problem(f"{name}: column '{column}': ids {pair[0]!r} and {pair[1]!r} have the "
                     f"same text, so they would be one star; give the ids one type",
                     "unreadable_file")
        return None
    stripped = text.str.strip()
    changed = np.asarray(stripped != text)
    if changed.any():
        sink.note("id_spaces_removed", int(changed[codes[codes >= 0]].sum()))
        text = stripped
    out = np.asarray(text, dtype=object)[codes]
    out[codes < 0] = "nan"  # as astype(str) named a missing id (rows without one are gone)
    return out


def build_curves(
    ids: np.ndarray | pd.Series,
    bands: np.ndarray | pd.Series,
    time: np.ndarray,
    mag: np.ndarray,
    err: np.ndarray,
    labels: np.ndarray | pd.Series | None = None,
    splits: np.ndarray | pd.Series | None = None,
    sink: DropReport | None = None,
    keep: np.ndarray | None = None,
) -> LightCurves:
    """Ragged layout from per-row columns, without a loop over stars.

    Curves are (id, band) pairs in order of first appearance; each curve's points keep their
    row order (stable sort). Labels and splits are a star's, taken from its first row that has
    one (so the bands of a star never differ; an empty cell or ``NA`` is none); stars whose
    rows disagree, within a curve or between its bands, are counted as
    ``label_conflict_first_kept`` (``split_conflict_first_kept``).
    ``keep``: the rows whose points are kept; the others (flagged) still make their curve,
    left empty where none is kept, so that cleaning and ``predict`` account for its star, and
    count among its rows for its label (a flag marks a measurement, not the star).
    """
    id_codes, id_uniques = pd.factorize(ids)
    band_codes, band_uniques = pd.factorize(bands)
    n_bands = max(len(band_uniques), 1)
    if n_bands == 1:  # one band: curves are stars, already numbered by first appearance
        curve_code, keys = id_codes, np.arange(len(id_uniques))
    else:
        curve_code, keys = pd.factorize(id_codes.astype(np.int64) * n_bands + band_codes)
    kept = np.flatnonzero(keep) if keep is not None else None
    point_code = curve_code if kept is None else curve_code[kept]
    lengths = np.bincount(point_code, minlength=len(keys))
    if len(point_code) and np.any(point_code[1:] < point_code[:-1]):
        order = np.argsort(point_code, kind="stable")
    else:
        order = None  # already grouped: no copy needed

    def rows(values: np.ndarray) -> np.ndarray:  # writable: later steps may work in place
        values = np.asarray(values, dtype=np.float64)
        if kept is not None:
            values = values[kept]
        return np.require(values, requirements="W") if order is None else values[order]

    if kept is None:
        starts = (np.cumsum(lengths) - lengths).astype(np.int64)  # empty when no row
        first_row = starts if order is None else order[starts]
    else:  # codes number the curves in order of first appearance
        first_row = np.unique(curve_code, return_index=True)[1]

    star_first = np.unique(id_codes, return_index=True)[1]  # each star's first row

    def per_curve(values: Any, what: str) -> np.ndarray | None:
        if values is None:
            return None
        codes, uniques = pd.factorize(pd.Series(values).fillna(""))
        if not len(codes):
            return codes
        # A star's value is that of its first row that has one: an empty cell (or NA...) is
        # no value, not one that disagrees.
        given = (label_array(np.asarray(uniques, dtype=object)) != "")[codes]
        star_value = codes[star_first]  # a star without any keeps its first row's (none)
        rows_given = np.flatnonzero(given)
        stars_given, first_given = np.unique(id_codes[rows_given], return_index=True)
        star_value[stars_given] = codes[rows_given[first_given]]
        conflicts = given & (codes != star_value[id_codes])
        if sink is not None and conflicts.any():
            sink.note(f"{what}_conflict_first_kept", len(np.unique(id_codes[conflicts])))
        return np.asarray(uniques, dtype=object)[star_value[id_codes[first_row]]]

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


# ---------------------------------------------------------------------- internals


def _named_twice(path: Path, found: list[str]) -> str | None:
    """A header name given twice (pandas reads "mag,mag" as mag and mag.1), or None."""
    renamed = [n for n in found if (m := re.fullmatch(r"(.+)\.\d+", n)) and m[1] in found]
    if not renamed:
        return None
    raw = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    names = raw.iloc[0].tolist()
    return next((n for n in names if names.count(n) > 1), None)


def _nested_columns(schema: Any, columns: Columns) -> list[str]:
    """The columns that may hold each star's points in a table of one row per star
    (nested-pandas, LSDB and Rubin's DP1 write a struct of lists, ``lc: {time: [...], mag:
    [...]}``; others a list of structs): those with the time and mag inside."""
    import pyarrow as pa

    def is_list(kind: Any) -> bool:
        return pa.types.is_list(kind) or pa.types.is_large_list(kind)

    found = []
    for field in schema:
        kind = field.type
        if pa.types.is_struct(kind) and kind.num_fields and all(
                is_list(kind.field(i).type) for i in range(kind.num_fields)):
            inner = [kind.field(i).name for i in range(kind.num_fields)]
        elif is_list(kind) and pa.types.is_struct(kind.value_type):
            inner = [f.name for f in kind.value_type]
        else:
            continue
        named = columns.resolve(inner)
        if named.time in inner and named.mag in inner:
            found.append(field.name)
    return found


def _unnest(schema: Any, load: Callable[[], Any], columns: Columns,
            required: tuple[str, ...], name: Path | str, sink: DropReport,
            single: bool = False) -> tuple[bool, pd.DataFrame | None]:
    """(False, None) for a table of one row per point; for one of one row per star, its
    points nested in a column (:func:`_nested_columns`), (True, the long table of the
    ``columns`` in use, or None where a problem was recorded). ``load`` reads the table."""
    nested = _nested_columns(schema, columns)
    named = columns.resolve(list(schema.names))
    flat = {named.time, named.mag} <= set(schema.names)
    if not nested:
        return False, None
    if len(nested) > 1 or flat:
        where = ["the top level"] * flat + [repr(n) for n in nested]
        sink.problem(f"{name}: time and mag are in {' and in '.join(where)}; lcformer does not "
                     f"choose: write a file with one of them", "unreadable_file")
        return True, None
    if single and named.id not in schema.names:
        sink.problem(f"{name}: one row per star (points in {nested[0]!r}) but no "
                     f"{columns.id!r} column naming them; give --columns id=NAME",
                     "unreadable_file")
        return True, None
    frame = _exploded(load(), nested[0], name, sink)
    use = None if frame is None else _usable(list(frame.columns), columns, required, name, sink)
    return True, None if use is None else frame[list(use)].rename(columns=use)


def _exploded(table: Any, nested: str, path: Path | str,
              sink: DropReport) -> pd.DataFrame | None:
    """One row per point from one row per star: the nested column's fields, with the star's
    other (top-level) columns repeated, by whole-array operations (no loop over stars). A
    star with no point keeps one row of no values (NaN), so that it is listed, not lost; it
    is counted as ``stars_without_points``. None, with a problem, where it cannot be read."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(nested).combine_chunks()
    if pa.types.is_struct(column.type):  # a struct of lists: one list per field
        lists = {column.type.field(i).name: column.field(i)
                 for i in range(column.type.num_fields)}
        lengths = [pc.list_value_length(a).fill_null(0).to_numpy(zero_copy_only=False)
                   for a in lists.values()]
        differ = np.flatnonzero(np.any([n != lengths[0] for n in lengths[1:]], axis=0)
                                if len(lengths) > 1 else np.zeros(0, bool))
        if len(differ):
            row = int(differ[0])
            sizes = ", ".join(f"{k} {int(n[row])}" for k, n in zip(lists, lengths, strict=True))
            sink.problem(f"{path}: row {row + 1} of column {nested!r} has lists of different "
                         f"lengths ({sizes}): every point needs each value", "unreadable_file")
            return None
        first = next(iter(lists.values()))
        parents = pc.list_parent_indices(first).to_numpy()
        points = {name: pc.list_flatten(a) for name, a in lists.items()}
    else:  # a list of structs: one struct per point
        parents = pc.list_parent_indices(column).to_numpy()
        flat = pc.list_flatten(column)
        points = {f.name: flat.field(f.name) for f in column.type.value_type}
    both = sorted(set(points) & set(table.column_names) - {nested})
    if both:
        sink.problem(f"{path}: {', '.join(map(repr, both))} is both a column and a field of "
                     f"{nested!r}; drop one, so that each value has one source",
                     "unreadable_file")
        return None
    empty = np.setdiff1d(np.arange(len(table)), parents)
    if len(empty):  # one row of NaN each: listed as having no usable point
        sink.note("stars_without_points", len(empty))
        parents = np.concatenate([parents, empty])
        points = {name: pa.concat_arrays([a, pa.nulls(len(empty), a.type)])
                  for name, a in points.items()}
    rest = {name: table.column(name).take(pa.array(parents)) for name in table.column_names
            if name != nested}
    return pa.table({**rest, **points}).to_pandas()


def _read_table_file(path: Path, columns: Columns, sink: DropReport,
                     single: bool = False) -> pd.DataFrame | None:
    """Read only the known columns, named as ``columns`` names them (a column matched ignoring
    case is renamed); a file that cannot be read is one recorded problem naming it."""
    if not path.is_file():
        sink.problem(f"{path}: file not found", "missing_file")
        return None
    required = columns.required[1:] if single else columns.required
    try:
        if path.name.lower().endswith(".parquet"):
            import pyarrow
            import pyarrow.parquet as pq

            try:
                schema = pq.read_schema(path)
                if not schema.names and pq.read_metadata(path).num_rows == 0:
                    return pd.DataFrame({name: [] for name in required})  # empty: no stars
                nested, frame = _unnest(schema, lambda: pq.read_table(path), columns,
                                        required, path, sink, single)
                if nested:
                    return frame
                use = _usable(list(schema.names), columns, required, path, sink)
                if use is None:
                    return None
                return pd.read_parquet(path, columns=list(use)).rename(columns=use)
            except pyarrow.ArrowException as error:  # not all of them are ValueError/OSError
                sink.problem(cannot_read(path, error), "unreadable_file")
                return None
        if is_csv(path):
            found = [str(c) for c in pd.read_csv(path, nrows=0).columns]
            if twice := _named_twice(path, found):  # pandas renames the second mag.1
                sink.problem(f"{path}:1: the header names {twice!r} twice; rename one",
                             "unreadable_file")
                return None
            use = _usable(found, columns, required, path, sink)
            if use is None:
                return None
            text_columns = (columns.id, columns.band, columns.label, columns.split)
            text = [c for c, role in use.items() if role in text_columns]
            # A star called NA or null is a star: in text columns only an empty field is
            # missing; numbers keep pandas' words for missing values.
            frame = pd.read_csv(path, usecols=list(use), dtype=dict.fromkeys(text, str),
                                keep_default_na=False,
                                na_values={c: [""] if c in text else list(MISSING_WORDS)
                                           for c in use})
            return None if refused_csv(frame, path, sink) else frame.rename(columns=use)
        if (form := astropy_format(path)) is not None:
            return _read_astropy(path, form, columns, required, sink)
    except pd.errors.EmptyDataError:
        sink.problem(f"{path}:1: empty file; expected a header line {','.join(required)}"
                     f"[,{columns.err},{columns.band}] and one row per observation",
                     "empty_file")
        return None
    except READ_ERRORS as error:
        sink.problem(cannot_read(path, error), "unreadable_file")
        return None
    sink.problem(unsupported_format(path), "unreadable_file")
    return None


_ASTROPY_NAMES = {"fits": "FITS", "ascii.ecsv": "ECSV", "votable": "VOTable"}


def _read_astropy(path: Path, form: str, columns: Columns, required: tuple[str, ...],
                  sink: DropReport) -> pd.DataFrame | None:
    """A FITS, ECSV or VOTable file's table through astropy (``form`` is its ``format=``;
    units, times and masks as :func:`from_astropy` treats them). Of several tables (FITS
    HDUs, VOTable TABLEs) the one with the ``required`` columns is read (:func:`_one_table`).
    """
    import warnings

    from astropy.table import Table

    what = f"{_ASTROPY_NAMES[form]} table"
    try:
        with warnings.catch_warnings():  # a malformed header warns before it fails
            warnings.simplefilter("ignore")
            table = (Table.read(path, format=form) if form == "ascii.ecsv"
                     else _one_table(path, form, columns, required, sink))
    except READ_ERRORS as error:  # XML that does not parse, or is no VOTable: ValueError
        expected = "a binary table HDU" if form == "fits" else "a table"
        sink.problem(cannot_read(path, error, what) + f"; expected {expected} with one row "
                     "per observation", "unreadable_file")
        return None
    if table is None:
        return None
    use = _usable(list(table.colnames), columns, required, path, sink)
    if use is None:
        return None
    frame = {}
    for column, name in use.items():
        values = _astropy_column(table[column])
        if values.ndim != 1:
            sink.problem(f"{path}: column {column!r} holds arrays of shape {values.shape[1:]} "
                         "per row; expected one value per row", "unreadable_file")
            return None
        if values.dtype.kind in "iufb":
            values = values.astype(values.dtype.newbyteorder("="))  # FITS is big-endian
        frame[name] = values
    return pd.DataFrame(frame)


def _one_table(path: Path, form: str, columns: Columns, required: tuple[str, ...],
               sink: DropReport) -> Any:
    """The table of a FITS or VOTable file that has the ``required`` columns (or the first
    table, whose missing columns are then the problem). Two or more that have them are a
    problem naming them: HDUs of one layout are most often bands or seasons of the same stars,
    and reading the first alone would drop the others' points without a word (as a folder
    holding two long tables is refused rather than one read and one left unseen)."""
    from astropy.table import Table

    tables: list[tuple[str, list[str], Callable[[], Any]]] = []  # name, columns, loader
    if form == "fits":
        from astropy.io import fits

        with fits.open(path) as hdus:  # headers only: the data is read by Table.read
            for i, hdu in enumerate(hdus):
                if isinstance(hdu, fits.BinTableHDU | fits.TableHDU):
                    tables.append((f"HDU {i}" + (f" ({hdu.name})" if hdu.name else ""),
                                   list(hdu.columns.names),
                                   lambda i=i: Table.read(path, format="fits", hdu=i)))
        kind = "table HDUs"
    else:
        from astropy.io.votable import parse

        for i, element in enumerate(parse(str(path)).iter_tables()):
            table = element.to_table()  # one parse: the arrays are already read
            label = element.ID or element.name
            tables.append((f"table {i + 1}" + (f" ({label})" if label else ""),
                           list(table.colnames), lambda table=table: table))
        kind = "TABLEs"
    if not tables:  # astropy's own message: "No table found"
        return Table.read(path, format=form)

    def has_required(found: list[str]) -> bool:
        named = dict(zip(columns.all, columns.resolve(found).all, strict=True))
        return all(named[c] in found for c in required)

    usable = [t for t in tables if has_required(t[1])]
    if len(usable) > 1:
        sink.problem(f"{path}: {len(usable)} {kind} have the columns {list(required)}: "
                     f"{', '.join(t[0] for t in usable)}; lcformer reads one table a file and "
                     f"does not guess which: stack them into one (astropy.table.vstack, with "
                     f"a band column where they are bands) or write each to its own file",
                     "unreadable_file")
        return None
    return (usable or tables)[0][2]()


def _usable(found: list[str], columns: Columns, required: tuple[str, ...], name: Path | str,
            sink: DropReport) -> dict[str, str] | None:
    """Column of the file -> the name ``columns`` gives it, for every role present; None
    (and a problem listing what was found and expected) when a required one is missing."""
    resolved = columns.resolve(found)
    use = {have: want for have, want in zip(resolved.all, columns.all, strict=True)
           if have in found}
    if not _check_columns(list(use.values()), columns, str(name), sink, required, found):
        return None
    # An optional column the user named (--columns err=magerr) must be there: read without
    # it, every error would be unknown, every curve in no band, or (id, of a single file) every
    # star one, with no error.
    absent = [f"{role}={getattr(columns, role)}" for role in ("id", "band", "err", "flag")
              if getattr(columns, role) not in ("", getattr(DEFAULT_COLUMNS, role))
              and getattr(resolved, role) not in found]
    if absent:
        no_flag = (" (a table without quality flags: flag= in --columns reads none)"
                   if any(a.startswith("flag=") for a in absent) else "")
        sink.problem(f"{name}: found columns {names_text(found)}; no column for --columns "
                     f"{','.join(absent)}{no_flag}", "unreadable_file")
        return None
    bands = [c for c in found if c.lower() in BAND_NAMES]
    if columns.band and resolved.band not in found and bands:
        # Read without it, a star's rows in every band would make one curve: refused, as
        # mixing bands would change the magnitudes the model reads without a word.
        sink.problem(f"{name}: column {bands[0]!r} looks like each row's band, but the band "
                     f"is read from a column {columns.band!r}: give --columns "
                     f"band={bands[0]} (Columns(band=...) in Python)", "unreadable_file")
        return None
    if columns.flag and resolved.flag not in found and any(map(is_flag_name, found)):
        sink.note("quality_flag_column_not_read")  # catflags without --columns flag=catflags
    return use


def _check_columns(present: list[str], columns: Columns, name: str, sink: DropReport,
                   required: tuple[str, ...] | None = None,
                   found: list[str] | None = None) -> bool:
    required = columns.required if required is None else required
    missing = [c for c in required if c not in present]
    listed = present if found is None else found
    separator = next((sep for sep in (";", "\t", "|") if len(listed) == 1
                      and sep in listed[0]), None)
    if missing and separator is not None:  # one column named "id;time;mag": not a comma CSV
        sink.problem(f"{name}: found one column {listed[0]!r}: its values seem separated by "
                     f"{separator!r}, and lcformer reads comma-separated CSV; convert the "
                     f"file (in pandas: pd.read_csv(path, sep={separator!r}).to_csv(...)) or "
                     f"give it as Parquet", "unreadable_file")
        return False
    if missing:
        roles = columns.roles
        optional = [c for c in (columns.band, columns.err, columns.label, columns.split,
                                columns.flag) if c and c not in required]
        several = (", and id=NAME if it holds several stars"
                   if columns.id not in required and columns.id not in present else "")
        sink.problem(
            f"{name}: found columns {names_text(listed)}, expected "
            f"{list(required)} (optional {optional}); missing {missing}: map yours with "
            f"--columns {','.join(f'{roles[c]}=NAME' for c in missing)}{several} "
            f"(in Python: from_dataframe or read_long_table with columns=Columns(...))",
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
    found = [str(c) for c in frame.columns]
    use = _usable(found, columns, columns.required, name, sink)
    if use is None:
        return None
    if any(have != want for have, want in use.items()):
        frame = frame.rename(columns={k: v for k, v in use.items() if k != v})
    numbers = {}
    for column in (columns.time, columns.mag, columns.err):
        if column in frame:
            series = frame[column]
            if column == columns.time:
                series = days_of_dates(series, sink, locate)
                if series is None:
                    return None
            numbers[column] = numeric_column(series, column, locate, sink,
                                             limits=column == columns.mag)
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
    keep = None
    if columns.flag and columns.flag in frame:
        flagged = flagged_rows(frame[columns.flag], columns.flag, locate, sink,
                               columns.flag_bits)
        if flagged is None:
            return None
        sink.drop_points("flagged", int(flagged.sum()))
        keep = ~flagged
    ids = _id_text(frame[columns.id], columns.id, name, sink)
    if ids is None:
        return None
    n = len(frame)
    bands = np.full(n, "", object)
    if columns.band in frame:  # ZTF's fid 1, 2 read as 1.0, 2.0 beside a missing one: 1, 2
        band = whole_numbers(frame[columns.band]).astype(object)
        bands = band.where(band.notna(), "").astype(str).to_numpy()
    return build_curves(
        ids=ids,
        bands=bands,
        time=numbers[columns.time],
        mag=numbers[columns.mag],
        err=numbers.get(columns.err, np.full(n, np.nan)),
        labels=_text(frame, columns.label),
        splits=_text(frame, columns.split),
        sink=sink,
        keep=keep,
    )


def _text(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """A text column with missing values as "" (not "nan"), or None when absent."""
    return frame[column].fillna("").astype(str) if column in frame else None


def _row_locator(name: str) -> Callable[[int], str]:
    return lambda row: f"{name}: row {row + 1}"


def refused_csv(frame: pd.DataFrame, path: Path, sink: DropReport, curves: int = 1) -> bool:
    """Whether a CSV file that pandas read is one recorded problem: only a header, or a row
    with more fields than the header (:func:`overlong_row`), dropping the ``curves`` it holds."""
    if frame.empty:
        sink.problem(f"{path}:1: no data lines, only a header", "empty_file", curves)
        return True
    if (overlong := overlong_row(path)) is not None:
        sink.problem(overlong, "unreadable_file", curves)
        return True
    return False


def overlong_row(path: Path) -> str | None:
    """A one-line problem where a CSV row has more fields than the header, else None.

    pandas reading some columns (``usecols``) drops a row's extra fields without a word, so a
    decimal comma (``12,3``) or a shifted row would be read as other numbers. Arrow's reader
    counts every row's fields; this pass keeps one column, in bounded memory.
    """
    import pyarrow
    import pyarrow.csv as arrow_csv

    n = len(pd.read_csv(path, nrows=0).columns)
    found: list[str] = []
    trailing: list[str] = []  # rows of one field more, the last one empty

    def look(row: Any) -> str:
        if row.actual_columns > row.expected_columns and not found:
            try:
                text = row.text
            except UnicodeDecodeError:
                text = "(not text)"
            line = f":{row.number}" if row.number is not None else ""  # physical line
            problem = (f"{path}{line}: a row has {row.actual_columns} fields, the header "
                       f"{row.expected_columns} (a decimal comma, or a shifted row?): "
                       f"{text[:80]!r}")
            if (row.actual_columns == row.expected_columns + 1
                    and text.rstrip("\r\n").endswith(",")):
                trailing[:] = trailing or [problem]  # the first one only
            else:
                found.append(problem)
        return "skip"  # rows with fewer fields are pandas' to read (missing values)

    names = [f"c{i}" for i in range(n)]
    try:
        with _decompressed(path) as stream:
            reader = arrow_csv.open_csv(
                stream, read_options=arrow_csv.ReadOptions(column_names=names, skip_rows=1,
                                                           use_threads=False),  # line numbers
                parse_options=arrow_csv.ParseOptions(invalid_row_handler=look),
                convert_options=arrow_csv.ConvertOptions(include_columns=names[:1],
                                                         column_types={"c0": pyarrow.binary()}))
            well_formed = 0
            for batch in reader:
                well_formed += batch.num_rows
                if found:
                    break
    except pyarrow.ArrowException:
        return None  # pandas read the file: anything else Arrow dislikes is not this check's
    if not found and trailing and well_formed:
        # A writer ending every row with a comma is harmless (pandas reads an empty field);
        # only some rows so: a decimal comma in a row whose last field is empty.
        found.append(trailing[0])
    return found[0] if found else None


def _decompressed(path: Path) -> Any:
    """A file's bytes as pandas reads them: .gz, .bz2 (Arrow), .xz, .zip (one member)."""
    import lzma

    import pyarrow

    name = path.name.lower()
    if name.endswith(".xz"):
        return lzma.open(path, "rb")
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:  # pandas reads a zip of one file
            return io.BytesIO(archive.read(archive.namelist()[0]))
    return pyarrow.input_stream(str(path), compression="detect")


def _text_file(path: Path) -> Any:
    """A CSV file's text as pandas reads it (compression from the name: .gz, .bz2, .xz,
    .zip of one member), for naming a line on the error path."""
    import bz2
    import lzma

    name = path.name.lower()
    if name.endswith(".zip"):
        with zipfile.ZipFile(path) as archive:
            return io.StringIO(archive.read(archive.namelist()[0]).decode(errors="replace"))
    opener = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}.get(Path(name).suffix, open)
    return opener(path, "rt", errors="replace")


def line_locator(path: Path) -> Callable[[int], str]:
    """Data row -> "file:line" (1-based, header is line 1). Only used on the error path."""

    def locate(row: int) -> str:
        with _text_file(path) as handle:
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
