"""Long tables: one row per observation (Parquet, CSV, FITS, ECSV, VOTable, a DataFrame or an
astropy table).

Each format is read into one frame, whose columns :mod:`.columns` makes into curves (shared
with the other readers). Points stay in file order: sorting by time and removing duplicates is
the cleaning step's job, and it counts what it removes. A table in Parquet partitions is read
as one (:func:`read_partitions`; which files, and each star in one: :mod:`.partitions`).

Whatever pandas, pyarrow or astropy raise for a file that is not what its name says becomes a
problem (or :class:`InputError`) naming the file, here, where the file is known. Labels
tables: :mod:`.labels`; astropy's tables and units (shared with :mod:`.star_file`):
:mod:`.astropy_tables`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pyarrow.lib import ArrowException

from lcformer.data.lightcurves import MISSING_WORDS, LightCurves
from lcformer.data.reading.astropy_tables import (
    ASTROPY_NAMES,
    astropy_column,
    declared_unit,
    one_table,
)
from lcformer.data.reading.column_names import (
    ID_NAMES,
    band_columns,
    bare_name,
    column_role,
    difference_flux_text,
    difference_magnitude,
    error_columns,
    flux_beside,
    is_flag_name,
    is_flux_name,
    is_good_flag_name,
    is_snr_name,
    other_bands_warning,
    snr_column,
    suggested_columns,
    survey_layout_hint,
)
from lcformer.data.reading.columns import (
    LIST_ADVICE,
    build_curves,
    days_of_dates,
    flagged_rows,
    id_text,
    numeric_column,
    star_values,
    warn_of_empty_time,
    warn_of_most_flagged,
    whole_numbers,
)
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import (
    IPAC_SUFFIXES,
    READ_ERRORS,
    FileProblem,
    PathLike,
    astropy_format,
    cannot_read,
    is_csv,
    line_locator,
    names_text,
    raise_unreported,
    refused_csv,
    text_trouble,
    unsupported_format,
)
from lcformer.data.reading.flux import MAG_BESIDE_FLUX, errors_of_snr
from lcformer.data.reading.headers import DECIMAL_COMMAS, PREFERRED_FLAGS
from lcformer.data.reading.ipac import ipac_frame, ipac_names
from lcformer.data.reading.labels import join_labels
from lcformer.data.reading.nested import exploded, list_columns, nested_columns, nested_lists
from lcformer.data.reading.partitions import join_split_curves, partition_files
from lcformer.data.reading.positions import position_columns, warn_of_ids_sharing_positions
from lcformer.data.report import DropReport
from lcformer.errors import LcformerWarning

DEFAULT_COLUMNS = Columns()
#: VizieR's (CDS's) limit flag of a column: ``l_Vmag`` holds "<" where ``Vmag`` is a limit.
LIMIT_PREFIX = "l_"
#: Values of a flag-like column looked at to tell whether it holds flags (:func:`_holds_flags`).
FLAG_SAMPLE = 1_000
#: Reads one column of a table by its name (what a column problem suggests is checked so).
ColumnValues = Callable[[str], "pd.Series | None"]


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
    be used raises either way: nothing could be labelled. One of only a header is read as no
    labels and recorded as a problem (:func:`~.labels.empty_labels_file`).

    A folder is a table in Parquet partitions (see :func:`read_partitions`).
    """
    if not isinstance(source, pd.DataFrame) and Path(source).is_dir():
        return read_partitions(source, labels, columns, report)
    sink = DropReport() if report is None else report
    if isinstance(source, pd.DataFrame):
        name = "DataFrame"
        source = ids_from_index(source, columns)
        frame: pd.DataFrame | None = _unnested_frame(source, columns, sink, id is not None)
        checked = frame is not source  # a nested frame's columns were checked as it was read
        locate = _row_locator(name)
    else:
        name = str(source)
        frame = _read_table_file(Path(source), columns, sink, single=id is not None)
        checked = True  # its columns were checked, and said, as it was read
        locate = line_locator(Path(source)) if is_csv(Path(source)) else _row_locator(name)
    if frame is not None and id is not None and columns.id not in frame:
        if (several := _names_several_stars(frame, columns)) is not None:
            sink.problem(f"{name}: column {several[0]!r} names more than one star "
                         f"({several[1]!r}, then {several[2]!r}), where a table without an id "
                         f"column is one star: give --columns id={several[0]} (to predict, "
                         f"with the run's other names: --columns replaces them all)",
                         "unreadable_file")
            frame = None
        else:
            frame = frame.assign(**{columns.id: id})
    try:
        curves = None if frame is None else _frame_to_curves(frame, columns, name, locate, sink,
                                                             warn=not checked)
    except ArrowException as error:  # text that is not UTF-8 in a damaged Parquet file
        sink.problem(cannot_read(name, error), "unreadable_file")
        curves = None
    if curves is None:  # already a problem; matching labels to nothing would count them again
        curves = LightCurves.empty(with_labels=labels is not None)
    elif labels is not None:
        curves = join_labels(curves, labels, columns, name, sink)
    raise_unreported(sink, report, name)
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
        with columns_said_once():
            curves = join_split_curves(LightCurves.concatenate(
                [read_long_table(p, columns=columns, report=sink) for p in parts]), sink)
        if labels is not None:
            curves = join_labels(curves, labels, columns, str(folder), sink)
    raise_unreported(sink, report, str(folder))
    return curves


def ids_from_index(frame: pd.DataFrame, columns: Columns) -> pd.DataFrame:
    """``frame`` with its index as columns where a level of it holds the star ids and no
    column the reader takes does (``df.set_index("id")``, as Dask's ``set_index`` leaves
    each partition; ``set_index(["id", "time"])``): a level named as ``columns.id`` or as
    a survey's star ids (:data:`ID_NAMES`, compared by :func:`bare_name`). Not an index of
    a value per row beside a column named as ids (a row key, as ``read_sql``'s
    ``index_col`` gives, beside objectId: the column names the stars), nor one whose names
    are columns already."""
    names = [str(c) for c in frame.columns]
    levels = [str(n) for n in frame.index.names if n is not None]
    named = {columns.id.lower(), *ID_NAMES}
    if (columns.resolve(names).id in names or set(levels) & set(names)
            or not any(bare_name(n) in named for n in levels)):
        return frame
    if (frame.index.nlevels == 1 and len(frame) > 1 and frame.index.is_unique
            and any(bare_name(c) in ID_NAMES for c in names)):
        return frame
    return frame.reset_index()


def _names_several_stars(frame: pd.DataFrame, columns: Columns) -> tuple[str, str, str] | None:
    """(column, one star, another) where a table without the id column has a column named as
    star ids (``column_names.ID_NAMES``: CRTS's MasterID) of several values that repeat (a value per
    row, a detection's own id, names no star), else None."""
    roles = set(columns.resolve([str(c) for c in frame.columns]).all)
    for column in frame.columns:
        if bare_name(column) not in ID_NAMES or column in roles:
            continue
        ids = frame[column].dropna().astype(str)
        counts = ids.value_counts()
        if len(counts) > 1 and counts.max() > 1:
            first = ids.iloc[0]
            other = ids[ids != first].iloc[0]
            return str(column), first, other
    return None


def _unnested_frame(frame: pd.DataFrame, columns: Columns, sink: DropReport,
                    single: bool) -> pd.DataFrame | None:
    """A DataFrame of one row per star, its points in a column of records (as Dask reads
    a nested Parquet file: dicts of lists, or lists of dicts), as one row per point."""
    named = columns.resolve([str(c) for c in frame.columns])
    times = frame[named.time].dropna() if named.time in frame else frame.iloc[:0, 0]
    lists = len(times) and isinstance(times.iloc[0], list | np.ndarray)  # ZTF's releases
    if ({named.time, named.mag} <= set(frame.columns) and not lists) or not any(
            frame[c].dtype == object or hasattr(frame[c].dtype, "pyarrow_dtype")
            for c in frame.columns):  # (pyarrow-backed: pandas' ArrowDtype, nested-pandas')
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
    ``.value`` in the units the file declares put in days and magnitudes (hours, mmag),
    masked entries NaN. A table without an id column is one star named ``id``
    (default "star"); ``band`` and ``label`` fill a missing band / class column.
    """
    frame = pd.DataFrame({name: astropy_column(table[name]) for name in table.colnames})
    found = columns.resolve(list(table.colnames))  # TIME for time, as files are read
    mag_unit = getattr(table[found.mag], "unit", None) if found.mag in frame else None
    sink = DropReport() if report is None else report
    for name, role in ((found.time, columns.time), (found.mag, columns.mag),
                       (found.err, columns.err)):
        if name in frame:  # declared units: hours become days, mmag magnitudes
            factor = declared_unit(table[name], name, role, columns, mag_unit,
                                   Path("an astropy table"), sink)
            if factor is None:  # a time column in no unit of time: nothing to read
                raise_unreported(sink, report, "an astropy table")
                return LightCurves.empty()
            frame[name] = frame[name] * factor if factor != 1 else frame[name]
    if columns.id not in frame:
        frame[columns.id] = "star" if id is None else id
    if columns.band not in frame and band is not None:
        frame[columns.band] = band
    if columns.label not in frame and label is not None:
        frame[columns.label] = label
    return read_long_table(frame, columns=columns, report=report)


# ---------------------------------------------------------------------- internals


def _named_twice(path: Path, found: list[str]) -> str | None:
    """A header name given twice (pandas reads "mag,mag" as mag and mag.1), or None."""
    renamed = [n for n in found if (m := re.fullmatch(r"(.+)\.\d+", n)) and m[1] in found]
    if not renamed:
        return None
    raw = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
    names = raw.iloc[0].tolist()
    return next((n for n in names if names.count(n) > 1), None)


def _unnest(schema: Any, load: Callable[[], Any], columns: Columns,
            required: tuple[str, ...], name: Path | str, sink: DropReport,
            single: bool = False) -> tuple[bool, pd.DataFrame | None]:
    """(False, None) for a table of one row per point; for one of one row per star, its
    points nested in a column (:func:`~.nested.nested_columns`), (True, the long table of the
    ``columns`` in use, or None where a problem was recorded). ``load`` reads the table. List
    columns of the points' values (:func:`~.nested.list_columns`) are first made one."""
    if lists := list_columns(schema, columns):
        table = nested_lists(load(), lists, columns.resolve(lists).time)
        schema, load = table.schema, lambda: table
    nested = nested_columns(schema, columns)
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
    frame = exploded(load(), nested[0], name, sink, columns)
    use = None if frame is None else _usable(list(frame.columns), columns, required, name, sink,
                                             frame.get)
    return True, None if use is None else frame[list(use)].rename(columns=use)


def _with_position(use: dict[str, str], found: list[str]) -> dict[str, str]:
    """The columns ``use`` reads and the table's ra and dec, which tell one star under several
    ids (:mod:`~.positions`), where it has them and they have no role."""
    position = position_columns(found)
    if position is None or set(position) & {*use, *use.values()}:
        return use
    return {**use, **{name: name for name in position}}


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
                use = _usable(list(schema.names), columns, required, path, sink,
                              lambda c: pd.read_parquet(path, columns=[c])[c])
                if use is None:
                    return None
                use = _with_position(use, list(schema.names))
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
            use = _usable(found, columns, required, path, sink,
                          lambda c: pd.read_csv(path, usecols=[c], nrows=FLAG_SAMPLE)[c])
            if use is None:
                return None
            use = _with_position(use, found)
            text_columns = (columns.id, columns.band, columns.label, columns.split)
            text = [c for c, role in use.items() if role in text_columns]
            # A star called NA or null is a star: in text columns only an empty field is
            # missing; numbers keep pandas' words for missing values.
            with warnings.catch_warnings():  # (mixed types: numeric_column names the row)
                warnings.simplefilter("ignore", pd.errors.DtypeWarning)
                frame = pd.read_csv(path, usecols=list(use), dtype=dict.fromkeys(text, str),
                                    keep_default_na=False,
                                    na_values={c: [""] if c in text else list(MISSING_WORDS)
                                               for c in use})
            needed = [c for c, role in use.items() if role in required]
            return (None if refused_csv(frame, path, sink, needed=needed)
                    else frame.rename(columns=use))
        if (form := astropy_format(path)) is not None:
            return _read_astropy(path, form, columns, required, sink)
        if path.name.lower().endswith(IPAC_SUFFIXES):
            return _read_ipac(path, columns, required, sink)
    except pd.errors.EmptyDataError:
        sink.problem(f"{path}:1: empty file; expected a header line {','.join(required)}"
                     f"[,{columns.err},{columns.band}] and one row per observation",
                     "empty_file")
        return None
    except READ_ERRORS as error:  # (UTF-16 or Latin-1 text: said as such, with what to do)
        trouble = text_trouble(path, "light-curve table", error) if is_csv(path) else None
        sink.problem(trouble or cannot_read(path, error), "unreadable_file")
        return None
    sink.problem(unsupported_format(path), "unreadable_file")
    return None


def _read_astropy(path: Path, form: str, columns: Columns, required: tuple[str, ...],
                  sink: DropReport) -> pd.DataFrame | None:
    """A FITS, ECSV or VOTable file's table through astropy (``form`` is its ``format=``;
    units, times and masks as :func:`from_astropy` treats them). Of several tables (FITS
    HDUs, VOTable TABLEs) the one with the ``required`` columns is read (:func:`one_table`).
    """

    from astropy.table import Table

    what = f"{ASTROPY_NAMES[form]} table"
    try:
        with warnings.catch_warnings():  # a malformed header warns before it fails
            warnings.simplefilter("ignore")
            table = (Table.read(path, format=form) if form == "ascii.ecsv"
                     else one_table(path, form, _has_columns(columns, required),
                                    f"the columns {list(required)}", sink))
    except READ_ERRORS as error:  # XML that does not parse, or is no VOTable: ValueError
        expected = "a binary table HDU" if form == "fits" else "a table"
        sink.problem(cannot_read(path, error, what) + f"; expected {expected} with one row "
                     "per observation", "unreadable_file")
        return None
    if table is None:
        return None
    use = _usable(list(table.colnames), columns, required, path, sink,
                  lambda c: pd.Series(astropy_column(table[c])))
    if use is None:
        return None
    frame = {}
    # Each band's columns are checked by its own mag column's unit (mag:W1=..., or the one).
    band_of = {name: band for band, mag, err in columns.mags for name in (mag, err) if name}
    mag_units = {band: next((getattr(table[c], "unit", None) for c, name in use.items()
                             if name == mag), None) for band, mag, _ in columns.mags}
    for column, name in use.items():
        values = astropy_column(table[column])
        if values.ndim != 1:
            sink.problem(f"{path}: column {column!r} holds arrays of shape {values.shape[1:]} "
                         f"per row; expected one value per row ({LIST_ADVICE})",
                         "unreadable_file")
            return None
        if values.dtype.kind in "iufb":
            values = values.astype(values.dtype.newbyteorder("="))  # FITS is big-endian
        band = band_of.get(name, "")
        factor = declared_unit(table[column], column, name,
                               columns.for_band(band) if band else columns,
                               mag_units.get(band, mag_units.get("")), path, sink)
        if factor is None:
            return None
        frame[name] = values if factor == 1 else values * factor
    return pd.DataFrame(frame)


def _read_ipac(path: Path, columns: Columns, required: tuple[str, ...],
               sink: DropReport) -> pd.DataFrame | None:
    """An IPAC table of many stars (IRSA's ``.tbl``), made comma-separated text by
    :mod:`.ipac` (fixed-width values cut at their columns' bars, nulls missing; its declared
    types are not trusted: text in a column declared double is read as text), then read
    as a CSV table is."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    found = ipac_names(text)
    if found is None:
        sink.problem(f"{path}: not an IPAC table (no header line of column names between "
                     f"bars, |name|...|)", "unreadable_file")
        return None

    def values(column: str) -> pd.Series:
        return ipac_frame(text, [column], set(), path)[column]

    use = _usable(found, columns, required, path, sink, values)
    if use is None:
        return None
    try:
        text_columns = {c for c, role in use.items()
                        if role in (columns.id, columns.band, columns.label, columns.split)}
        frame = ipac_frame(text, list(use), text_columns, path)
    except FileProblem as problem:
        sink.problem(f"{path}{problem.where}: {problem.message}", problem.reason)
        return None
    if frame.empty:
        sink.problem(f"{path}: no data lines, only a header", "empty_file")
        return None
    return frame.rename(columns=use)


def _has_columns(columns: Columns, required: tuple[str, ...]) -> Callable[[list[str]], bool]:
    """Whether a long table's column names hold the ``required`` ones (by ``columns``)."""

    def usable(found: list[str]) -> bool:
        named = dict(zip(columns.all, columns.resolve(found).all, strict=True))
        return all(named[c] in found for c in required)

    return usable


def _usable(found: list[str], columns: Columns, required: tuple[str, ...], name: Path | str,
            sink: DropReport, values: ColumnValues | None = None,
            warn: bool = True) -> dict[str, str] | None:
    """Column of the file -> the name ``columns`` gives it, for every role present; None
    (and a problem listing what was found and expected) when a required one is missing
    (``values`` reads a column, for what the problem suggests). ``warn``: say what the
    columns may mean (:func:`_say_of_columns`), which a frame read from a file whose header
    was checked so has said already."""
    resolved = columns.resolve(found)
    use = {have: want for have, want in zip(resolved.all, columns.all, strict=True)
           if have in found}
    if not _check_columns(list(use.values()), columns, str(name), sink, required, found,
                          values):
        return None
    if columns.id not in required and resolved.id not in found:  # one star: is it?
        use |= {c: c for c in found if bare_name(c) in ID_NAMES and c not in use}
    # VizieR's limit flags: l_Vmag holds "<" where Vmag is an upper limit, not a magnitude.
    for (_, have, _), (_, want, _) in zip(resolved.mags, columns.mags, strict=True):
        use |= {c: LIMIT_PREFIX + want for c in found
                if c.lower() == LIMIT_PREFIX + have.lower() and c not in use}
    # An optional column the user named (--columns err=magerr) must be there: read without
    # it, every error would be unknown, every curve in no band, or (id, of a single file) every
    # star one, with no error.
    absent = [f"{role}={getattr(columns, role)}" for role in ("id", "band", "err", "flag")
              if getattr(columns, role) not in ("", getattr(DEFAULT_COLUMNS, role))
              and getattr(resolved, role) not in found]
    absent += [f"err:{band.band}={band.err}" for band, named
               in zip(columns.per_band, resolved.per_band, strict=True)
               if band.err and named.err not in found]
    if absent:
        no_flag = (" (a table without quality flags: flag= in --columns reads none)"
                   if any(a.startswith("flag=") for a in absent) else "")
        sink.problem(f"{name}: found columns {names_text(found)}; no column for --columns "
                     f"{','.join(absent)}{no_flag}", "unreadable_file")
        return None
    bands = [found[i] for i in band_columns(found)]  # (ATLAS's F, beside its uJy, too)
    if columns.band and resolved.band not in found and bands and not columns.per_band:
        # Read without it, a star's rows in every band would make one curve: refused, as
        # mixing bands would change the magnitudes the model reads without a word.
        sink.problem(f"{name}: column {bands[0]!r} looks like each row's band, but the band "
                     f"is read from a column {columns.band!r}: give --columns "
                     f"band={bands[0]} (Columns(band=...) in Python)", "unreadable_file")
        return None
    if (snr := _snr_errors(found, columns, resolved.err)) is not None:
        use[snr] = snr  # Gaia's flux_over_error, read by its name: _frame_to_curves
    for _, mag, _ in resolved.mags:  # --flux would read magnitudes: flux.to_magnitudes
        if mag in found and (flux := flux_beside(found, mag)) is not None:
            sink.note(MAG_BESIDE_FLUX + flux)
            break
    if warn:
        _say_of_columns(found, columns, use, sink, values)
    return use


#: The column warnings said so far while reading a folder of partitions (None elsewhere):
#: each is said once for the folder, not once a partition. A context variable, not
#: ``catch_warnings``, which is not thread-safe (Dask reads partitions in threads).
_SAID: ContextVar[set[str] | None] = ContextVar("lcformer_columns_said", default=None)


@contextmanager
def columns_said_once() -> Iterator[None]:
    """Inside, each warning of a table's columns (:func:`_say_of_columns`) is said once."""
    token = _SAID.set(set())
    try:
        yield
    finally:
        _SAID.reset(token)


def _say(message: str) -> None:
    """Warn of ``message`` (at the reader's caller), unless said already for this folder."""
    said = _SAID.get()
    if said is not None:
        if message in said:
            return
        said.add(message)
    warnings.warn(message, LcformerWarning, stacklevel=4)


def _say_of_columns(found: list[str], columns: Columns, use: dict[str, str],
                    sink: DropReport, values: ColumnValues | None) -> None:
    """Warn of what a table's columns ``found`` may mean beside those read (``use``): errors
    not read, difference-image magnitudes or fluxes, other bands, quality flags not read.
    Not naming the file: said once for a folder of partitions, not once each."""
    resolved = columns.resolve(found)
    for (band, _, given_err), (_, mag, err) in zip(columns.mags, resolved.mags, strict=True):
        role = f"err:{band}" if band else "err"
        own = error_columns(found, mag)
        if (err in found and given_err == DEFAULT_COLUMNS.err and own and err not in own):
            # ATLAS's err (a fit's code) beside dm, the error of its m.
            _say(f"column {err!r} is read as the errors, but {own[0]!r} is named "
                          f"after the magnitude column {mag!r}: if it holds them, give "
                          f"--columns {role}={own[0]}")
        errors = [c for c in own if c not in use]
        if err not in found and len(errors) == 1:
            _say(f"column {errors[0]!r} looks like the errors of {mag!r} but is not "
                          f"read, so every point's error is unknown: add {role}={errors[0]} "
                          f"to --columns (Columns(err=...) in Python)")
    for _, mag, _ in resolved.mags:
        if difference_magnitude(found, mag):
            # ALeRCE's magpsf read as a star's magnitude gave LPVs' periods for 21 of 45
            # stars; Fink's i:magpsf and ANTARES's ant_mag, EW periods at a quarter.
            _say(f"column {mag!r} is ZTF's magnitude of the difference image "
                          f"(the star's minus the reference's), not the star's: periods and "
                          f"amplitudes from it are wrong for variables; read the star's own (DC) "
                          f"magnitude: ALeRCE's magpsf_corr, Lasair's dc_mag, ANTARES's "
                          f"ant_mag_corrected, or one made from magnr (docs/data.md shows "
                          f"how)")
    for _, mag, _ in resolved.mags:
        if (said := difference_flux_text(found, mag)) is not None:
            _say(said)
    mags = [(band, mag, err if err in found else "") for band, mag, err in resolved.mags]
    if (other_bands := other_bands_warning(found, set(use), mags)) is not None:
        _say(other_bands)  # once for a folder of partitions, too
    unread = [c for c in found if is_flag_name(c) and c not in use]
    if columns.flag and unread:
        sink.note("quality_flag_column_not_read")  # catflags without --columns flag=catflags
        # (also beside the flag column read: its rows' catflags are not applied). A table's
        # flag is its "flag" column or the one named: said, as its rows are all kept.
        one = len(unread) == 1
        listed = f"{', '.join(map(repr, unread))} {'looks' if one else 'look'}"
        flags = [c for c in unread if values is None
                 or _holds_flags(values, c, columns.flag_bits)]
        # Gaia's rejected_by_variability first, as its per-star files read it (the rows of
        # rejected_by_photometry keep the variability rejects).
        flags.sort(key=lambda c: bare_name(c) not in PREFERRED_FLAGS)
        if not flags:  # text (NEOWISE's cc_flags 'd000'): --columns flag= would refuse it
            kept = (f"only the flag column {resolved.flag!r} drops rows" if resolved.flag in use
                    else "every row is kept")
            _say(f"{listed} like a quality flag but {'holds' if one else 'hold'} "
                          f"values that are not flags lcformer reads (a number, 0 for good, "
                          f"true/false or good/bad), so {'it is' if one else 'they are'} not "
                          f"read and {kept}: keep the rows you want, or write a 0/1 flag "
                          f"column, before reading")
        elif resolved.flag in use:  # one flag is read: the others can only replace it
            _say(f"{listed} like a quality flag too and {'is' if one else 'are'} "
                          f"not read: the flag column read is {resolved.flag!r} (--columns "
                          f"flag={flags[0]}, Columns(flag={flags[0]!r}) in Python, reads "
                          f"{'it' if one else 'one'} instead)")
        else:
            _say(f"{listed} like a quality flag and {'is' if one else 'are'} not "
                          f"read, so flagged rows are kept: read {'it' if one else 'one'} "
                          f"with --columns flag={flags[0]} (Columns(flag={flags[0]!r}) in "
                          f"Python){_bit_mask_hint(values, flags[0])}")


def _check_columns(present: list[str], columns: Columns, name: str, sink: DropReport,
                   required: tuple[str, ...] | None = None,
                   found: list[str] | None = None,
                   values: ColumnValues | None = None) -> bool:
    required = columns.required if required is None else required
    missing = [c for c in required if c not in present]
    listed = present if found is None else found
    separator = next((sep for sep in (";", "\t", "|") if len(listed) == 1
                      and sep in listed[0]), None)
    commented = bool(listed) and str(listed[0]).lstrip().startswith(("#", "%"))
    if missing and commented and not set(required) <= {  # ('#id,time,mag' is a header)
            str(listed[0]).lstrip("#% "), *listed[1:]}:
        sink.problem(f"{name}: its first line is a comment ({str(listed[0])[:40]!r}), where a "
                     f"table's first line is its header: remove the comment lines (in "
                     f"pandas: pd.read_csv(path, comment={str(listed[0]).lstrip()[0]!r})"
                     f".to_csv(...)) or give it as Parquet", "unreadable_file")
        return False
    if missing and separator is not None:  # one column named "id;time;mag": not a comma CSV
        # Excel's first line "sep=;" names the separator; ';' goes with decimal commas.
        options = (f"sep={separator!r}"
                   + (", skiprows=1" if listed[0].lower().startswith("sep=") else ""))
        sink.problem(f"{name}: found one column {listed[0]!r}: its values seem separated by "
                     f"{separator!r}, and lcformer reads comma-separated CSV; convert the "
                     f"file (in pandas: pd.read_csv(path, {options}).to_csv(...)"
                     f"{DECIMAL_COMMAS if separator == ';' else ''}) or give it as Parquet",
                     "unreadable_file")
        return False
    if missing:
        roles = columns.roles
        optional = [c for c in (columns.band, columns.err, columns.label, columns.split,
                                columns.flag) if c and c not in required]
        guess = suggested_columns(listed, columns, None if values is None
                                  else lambda c: _holds_flags(values, c, columns.flag_bits))
        mapping = [f"{roles[c]}={guess.get(roles[c], 'NAME')}" for c in missing]
        mapping += [f"{role}={guess[role]}" for role in ("err", "band", "flag")
                    if role in guess]
        several = (f", and id={guess.get('id', 'NAME')} if it holds several stars"
                   if columns.id not in required and columns.id not in present else "")
        guessed = " (names guessed from the columns found: check them)" if guess else ""
        if is_flux_name(guess.get("mag", "")):
            guessed = f" --flux{guessed}"
        sink.problem(
            f"{name}: found columns {names_text(listed)}, expected "
            f"{list(required)} (optional {optional}); missing {missing}: map yours with "
            f"--columns {','.join(mapping)}{several}{guessed} "
            f"(in Python: {_python_columns(mapping, columns)} in from_dataframe or "
            f"read_long_table)"
            f"{survey_layout_hint(listed)}",
            "unreadable_file",
        )
    return not missing


def _flag_as_errors(values: np.ndarray, column: str) -> str | None:
    """What to say of an error column of 0s and 1s alone, a flag (ATLAS's err marks a bad
    fit, beside its dm): read as errors, it can drop 97% of a table's points as bad_err,
    keep the bad ones, and train at exit 0. None for errors."""
    known = values[np.isfinite(values)]
    if len(known) < 10 or not np.isin(known, (0.0, 1.0)).all() or len(np.unique(known)) < 2:
        return None
    atlas = " (ATLAS's err: --columns err=dm,flag=err)" if column == "err" else ""
    return (f"column {column!r}, read as the magnitudes' errors, holds only 0 and 1: a flag, "
            f"not errors; name the error column and read this one as the flag{atlas}")


def _frame_to_curves(
    frame: pd.DataFrame,
    columns: Columns,
    name: str,
    locate: Callable[[int], str],
    sink: DropReport,
    warn: bool = True,
) -> LightCurves | None:
    found = [str(c) for c in frame.columns]
    use = _usable(found, columns, columns.required, name, sink, frame.get, warn)
    if use is None:
        return None
    if any(have != want for have, want in use.items()):
        frame = frame.rename(columns={k: v for k, v in use.items() if k != v})
    numbers = {}
    mags = {mag for _, mag, _ in columns.mags}
    snr = _snr_errors(list(frame.columns), columns, columns.err)
    for column in (columns.time, *(c for _, mag, err in columns.mags for c in (mag, err)),
                   snr):
        if column and column in frame:
            series = frame[column]
            if column == columns.time:
                series = days_of_dates(series, sink, locate)
                if series is None:
                    return None
            numbers[column] = numeric_column(series, column, locate, sink,
                                             limits=column in mags)
            if numbers[column] is None:
                return None
    if (columns.time in numbers and np.isnan(numbers[columns.time]).any()
            and (others := [c for c in frame.columns if c != columns.time
                            and column_role(str(c)) == "time"])):  # (converted only then)
        warn_of_empty_time(numbers[columns.time], columns.time,
                           {str(c): pd.to_numeric(frame[c], errors="coerce").to_numpy(
                               dtype=np.float64) for c in others}, sink)
    for mag in mags & set(numbers):  # VizieR's limits, beside their magnitudes
        if (limit := frame.get(LIMIT_PREFIX + mag)) is not None:
            is_limit = limit.astype(str).str.strip().isin(("<", ">", "<=", ">=")).to_numpy()
            numbers[mag] = np.where(is_limit, np.nan, numbers[mag])
            sink.note("limit_values_read_as_missing", int(np.count_nonzero(is_limit)))
    # Signal-to-noise ratios as errors: Gaia's flux_over_error where no err column is read,
    # and an err column so named (err:G=flux_over_error)
    for err in {err for _, _, err in columns.mags if is_snr_name(err) and err in numbers}:
        numbers[err] = errors_of_snr(numbers[err], sink)
    if snr is not None:
        numbers[columns.err] = errors_of_snr(numbers.pop(snr), sink)
    for err in {err for _, _, err in columns.mags if err in numbers}:
        if (flag := _flag_as_errors(numbers[err], err)) is not None:
            sink.problem(f"{name}: {flag}", "unreadable_file")
            return None
    ids = frame[columns.id]
    missing_id = ids.isna().to_numpy()
    if missing_id.any():
        sink.problem(f"{locate(int(np.flatnonzero(missing_id)[0]))}: no star id "
                     f"({missing_id.sum()} such rows dropped)")
        lost = int(missing_id.sum())
        if columns.per_band:  # a point of each band the row has a value of
            values = np.column_stack([numbers[mag] for _, mag, _ in columns.mags])
            lost = int(np.count_nonzero(~np.isnan(values[missing_id])))
        sink.drop_points("missing_id", lost)
        keep = ~missing_id
        frame = frame[keep]
        numbers = {k: v[keep] for k, v in numbers.items()}
    keep = None
    # Each band's cell that holds a value (a row of several bands: an empty one is no point)
    cells = (_observed_cells(frame[columns.id], [numbers[mag] for _, mag, _ in columns.mags])
             if columns.per_band else None)
    if columns.flag and columns.flag in frame:
        flagged = flagged_rows(frame[columns.flag], columns.flag, locate, sink,
                               columns.flag_bits)
        if flagged is None:
            return None
        # a point of each band a row holds a value of
        sink.drop_points("flagged", int(flagged.sum()) if cells is None
                         else int(cells[flagged].sum()))
        warn_of_most_flagged(flagged, columns.flag, columns.flag_bits)
        keep = ~flagged
    ids = id_text(frame[columns.id], columns.id, name, sink)
    if ids is None:
        return None
    warn_of_ids_sharing_positions(frame, ids, name, sink)
    n = len(frame)
    if columns.per_band:
        return _rows_of_bands(frame, columns, ids, numbers, keep, cells, sink)
    bands = np.full(n, "", object)
    if columns.band in frame:  # ZTF's fid 1, 2 read as 1.0, 2.0 beside a missing one: 1, 2
        band = whole_numbers(frame[columns.band]).astype(object)
        codes, names = pd.factorize(band.where(band.notna(), "").astype(str))
        # CSV's "V, " and "V" are one band, as ids are one star (on the names, not the rows)
        stripped = pd.Index(names, dtype=object).str.strip()
        sink.note("band_spaces_removed",
                  int(np.asarray(stripped != pd.Index(names, dtype=object))[codes].sum()))
        bands = np.asarray(stripped, dtype=object)[codes]
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


def _snr_errors(found: list[str], columns: Columns, err: str) -> str | None:
    """The column of ``found`` whose signal-to-noise ratios give the errors (Gaia's
    flux_over_error: :func:`~.column_names.snr_column`) where no err column ``err`` is; not in
    rows of several bands, whose one ratio would be every band's."""
    if columns.per_band or err in found:
        return None
    return snr_column(found, columns.mag)


def _observed_cells(ids: pd.Series, mags: list[np.ndarray]) -> np.ndarray:
    """(rows, bands): the cells that hold a magnitude, and every cell of a star that has
    none (whose curves cleaning then drops and counts, as a long table's)."""
    present = ~np.isnan(np.column_stack(mags))
    star = pd.factorize(ids)[0]
    has_any = np.bincount(star, present.any(axis=1), minlength=star.max(initial=-1) + 1) > 0
    return present | ~has_any[star][:, None]


def _rows_of_bands(frame: pd.DataFrame, columns: Columns, ids: np.ndarray,
                   numbers: dict[str, np.ndarray], keep: np.ndarray | None,
                   cells: np.ndarray, sink: DropReport) -> LightCurves:
    """Curves of rows that hold several bands (``columns.per_band``: NEOWISE's w1mpro and
    w2mpro), as if each row were one row per band, in row order (so that a star's bands stay
    side by side): its id, time, flag, class and split repeated, each band's mag and err
    (unknown where the band names no err column). A band's cell without a value (J not
    observed with Ks: empty, NaN or a detection limit) is no point: left out, and counted as
    ``band_cells_without_a_value``, not as points dropped (VVV's sparse J and H)."""
    n, bands = len(frame), [band for band, _, _ in columns.mags]
    unknown = np.full(n, np.nan)
    used = cells.ravel()
    sink.note("band_cells_without_a_value", int(np.count_nonzero(~used)))
    # A star's class (and split) from all its rows, a row without values too (it may
    # be given only there); the same for each of its points, so counted here alone.
    id_codes, stars = pd.factorize(ids)
    star_first = np.unique(id_codes, return_index=True)[1]

    def of_stars(column: str, what: str) -> np.ndarray | None:
        values = _text(frame, column)
        return (None if values is None
                else repeated(star_values(id_codes, star_first, values, what, sink)))

    def stacked(values: list[np.ndarray]) -> np.ndarray:  # row 1's bands, then row 2's...
        return np.column_stack(values).ravel()[used]

    def repeated(values: np.ndarray) -> np.ndarray:
        return np.repeat(np.asarray(values, dtype=object), len(bands))[used]

    curves = build_curves(
        ids=repeated(ids),
        bands=np.tile(np.asarray(bands, dtype=object), n)[used],
        time=np.repeat(numbers[columns.time], len(bands))[used],
        mag=stacked([numbers[mag] for _, mag, _ in columns.mags]),
        err=stacked([numbers.get(err, unknown) if err else unknown
                     for _, _, err in columns.mags]),
        labels=of_stars(columns.label, "label"),
        splits=of_stars(columns.split, "split"),
        sink=sink,
        keep=None if keep is None else np.repeat(keep, len(bands))[used],
    )
    # Stars in the order of their first row (one without values too), a star's bands side
    # by side in the columns' order, as if every cell were read
    star = pd.Index(stars).get_indexer(np.asarray(curves.ids, dtype=object))
    band = pd.Index(bands).get_indexer(np.asarray(curves.bands, dtype=object))
    return curves.select(np.lexsort((band, star)))


def _text(frame: pd.DataFrame, column: str) -> pd.Series | None:
    """A text column with missing values as "" (not "nan"), or None when absent; whole
    numbers as integers (class 7 in a column with a gap is "7", not "7.0"), any dtype
    (a categorical one too)."""
    if column not in frame:
        return None
    values = whole_numbers(frame[column])
    if values.dtype != object and not isinstance(values.dtype, pd.StringDtype):
        values = values.astype(object)  # categories and numbers with gaps take "" then
    return values.fillna("").astype(str)


def _bit_mask_hint(values: ColumnValues | None, column: str) -> str:
    """Where a flag column not read is non-zero in most rows, the advice to read it with
    --flag-bits: it is a bit mask of notes on good rows too (Pan-STARRS's infoFlag, read as a
    plain flag, drops 6,584 of 9,784 good points)."""
    try:
        series = None if values is None else values(column)
    except READ_ERRORS:
        return ""
    if series is None or not len(series) or is_good_flag_name(column):  # (1 marks good rows)
        return ""
    numbers = pd.to_numeric(series.head(FLAG_SAMPLE), errors="coerce")
    share = float((numbers.notna() & (numbers != 0)).mean())
    if share <= 0.5:
        return ""
    return (f", with --flag-bits naming the bits that mark bad rows: it is non-zero in "
            f"{share:.0%} of the rows looked at, as a bit mask of notes on good rows is "
            f"(Pan-STARRS's infoFlag)")


def _holds_flags(values: ColumnValues, column: str, bits: int) -> bool:
    """Whether a column's first :data:`FLAG_SAMPLE` values are quality flags as the readers
    take them (numbers, true or false, good or bad: :func:`~.columns.flagged_rows`):
    NEOWISE's cc_flags ('d000') is named like one but is text, so it is not suggested as one.
    Asked only where a flag-like column is not read; one that cannot be read is not judged
    (True: the file's own problem is said elsewhere)."""
    try:
        series = values(column)
    except READ_ERRORS:
        return True
    bits = 0 if is_good_flag_name(column) else bits  # (the bits are the read column's)
    return series is None or flagged_rows(series.head(FLAG_SAMPLE), column, str, DropReport(),
                                          bits) is not None


def _row_locator(name: str) -> Callable[[int], str]:
    return lambda row: f"{name}: row {row + 1}"


def _python_columns(mapping: list[str], columns: Columns) -> str:
    """``--columns time=mjd,err=magerr`` as the ``Columns`` to pass in Python, where that is
    the whole of it: the reader's own columns the defaults, no band's columns (``mag:W1``)."""
    if columns != DEFAULT_COLUMNS or any(":" in m for m in mapping):
        return "columns=Columns(...) naming them"
    arguments = (f"{'label' if role == 'class' else role}={name!r}"
                 for role, _, name in (m.partition("=") for m in mapping))
    return f"columns=Columns({', '.join(arguments)})"
