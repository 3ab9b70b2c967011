"""One star's light-curve file, CSV, whitespace text, an IPAC table or a FITS, ECSV or VOTable
table: which of its columns are the time, mag, err, band and quality flag, and its values by
band, every problem named by its line (a FITS or VOTable file's, by its row).

A header is read by the names per-star files use (``HJD``, ``mag_v``, ``sigma``, ZTF's
``filtercode`` and ``catflags``...) or those ``--columns`` gives; a file without one is
read as time, mag[, err] in that order. The values are parsed with :func:`numpy.loadtxt`
(whole-array, never a loop over points); only a file that fails is re-read line by line to
say where and why. A FITS, ECSV or VOTable file is read through astropy, as a long table of
that format is, its columns then taken and used by the same rules (:func:`_astropy_curves`).
:mod:`.per_star` finds such files in folders, archives and catalogues.
"""

from __future__ import annotations

import bz2
import gzip
import io
import itertools
import lzma
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.reading.config import ROLE_ALIASES, Columns
from lcformer.data.reading.files import (
    ID_NAMES,
    LIMIT,
    MACHO_FILE,
    MAGIC_BYTES,
    READ_ERRORS,
    TAP_COLUMNS,
    band_columns,
    cannot_read,
    column_role,
    error_columns,
    is_flag_name,
    is_number,
    names_text,
    time_corrected,
)
from lcformer.data.reading.flux import BY_POSITION, MAG_UNIT
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError

_ROLES = ("time", "mag", "err")
Curve = tuple[np.ndarray, np.ndarray, np.ndarray]  # time, mag, err of one band


@dataclass
class FileProblem(InputError):
    """A file that cannot be used as a light curve: where, what, and the reason it counts as."""

    line: int
    message: str
    reason: str = "unreadable_file"

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message

    @property
    def where(self) -> str:
        """``:LINE``, to follow the file's name; '' for a problem of no line (a FITS or VOTable
        file's, whose message names the row)."""
        return f":{self.line}" if self.line else ""


GZIP_MAGIC = b"\x1f\x8b"
#: Compressed per-star files, by their first bytes: decompressed as pandas would.
_COMPRESSED: dict[bytes, Callable[[bytes], bytes]] = {
    GZIP_MAGIC: gzip.decompress, b"BZh": bz2.decompress, b"\xfd7zXZ\x00": lzma.decompress}
_COMPRESSION_NAMES = {GZIP_MAGIC: "gzip", b"BZh": "bzip2", b"\xfd7zXZ\x00": "xz"}
#: A field with nothing (or only blanks) in it, between commas or at a line's ends.
_EMPTY_FIELD = re.compile(r"(?<=,)[ \t]*(?=,|\r?$)|^[ \t]*(?=,)", re.MULTILINE)
#: Semicolon-separated values, as spreadsheets save "CSV" where the decimal mark is a comma
#: (a long table's reader says the same of its one column "id;time;mag").
SEMICOLONS = ("its values seem separated by ';', and lcformer reads comma- or whitespace-"
              "separated text; convert the file (in pandas: pd.read_csv(path, sep=';', "
              "decimal=',').to_csv(...))")
PIPES = ("its values seem separated by '|', and lcformer reads comma- or whitespace-separated "
         "text; convert the file (in pandas: pd.read_csv(path, sep='|').to_csv(...))")
#: What a per-star file may be, as problems say it.
PER_STAR_FORMATS = ("text (CSV or whitespace columns, optionally gzipped), or a FITS, ECSV or "
                    "VOTable table")
#: An IPAC table's header (IRSA's default format: ZTF light curves as ``.tbl``): blank and
#: ``\`` keyword lines, then ``|``-delimited lines of the column names and up to three of
#: types, units and nulls; its data lines never start with a bar.
_IPAC_HEADER = re.compile(r"\A((?:[ \t]*(?:\\[^\n]*)?\n)*)([ \t]*\|[^\n]*)((?:\n[ \t]*\|[^\n]*)*)")
_IPAC_TYPES = frozenset({"char", "c", "double", "d", "real", "r", "float", "f", "int", "i",
                         "integer", "long", "l", "date"})
_IPAC_KEYWORD = re.compile(r"^(?=[ \t]*\\)", re.MULTILINE)
#: Of several quality-flag columns, the one read (Gaia DR3's epoch photometry has three:
#: rejected_by_photometry, rejected_by_variability and other_flags; its variability
#: processing leaves out the rows of the second).
PREFERRED_FLAGS = ("rejected_by_variability",)


def _limit_field(delimiter: str | None, column: int) -> re.Pattern[str]:
    """A detection limit (ASAS-SN's ">16.807", "<", ">=") as the whole of field ``column``
    (0-based) of a data line, the fields before it in group ``before``."""
    if delimiter:
        field = r"[^,\n]*,"
        return re.compile(rf"^(?![ \t]*#)(?P<before>(?:{field}){{{column}}})[ \t]*{LIMIT}"
                          rf"[ \t]*(?=,|#|$)", re.MULTILINE)
    field = r"[^ \t\n#]+[ \t]+"
    return re.compile(rf"^(?![ \t]*#)(?P<before>[ \t]*(?:{field}){{{column}}}){LIMIT}"
                      rf"(?=[ \t]|#|$)", re.MULTILINE)


def parse_columns(data: bytes | str, sink: DropReport | None = None,
                  columns: Columns | None = None) -> Curve:
    """(time, mag, err) of one file of one band (:func:`parse_curves`); a file whose band
    column names several bands is refused, as its curves would be mixed into one."""
    curves = parse_curves(data, sink, columns)
    if len(curves) > 1:
        raise FileProblem(1, f"rows in {len(curves)} bands ({', '.join(curves)}), where one "
                          f"star's curve in one band is expected; split the file by band")
    return next(iter(curves.values()))


def parse_curves(data: bytes | str, sink: DropReport | None = None,
                 columns: Columns | None = None, strict_columns: bool = True
                 ) -> dict[str, Curve]:
    """The curves of one CSV or whitespace file by band: ``{"": (time, mag, err)}``, err NaN
    when there are 2 columns; where the header names a band column (``band``, ZTF's
    ``filtercode``...: ``files.BAND_NAMES``), one curve per band it holds, so that bands are
    never mixed into one curve.

    ``#`` lines are comments; a first line without any number is a header. A header's
    quality-flag column (:func:`is_flag_name`; of several, Gaia's ``rejected_by_variability``)
    drops the rows it flags, by a table's rules (counted as ``flagged`` points; a band whose
    rows are all flagged is an empty curve, which cleaning counts). A detection limit in the
    mag column (ASAS-SN's ``>16.807``) is a missing magnitude. Every data line must have as
    many fields as the first (a short or long row is a decimal comma or a shifted row, not a
    value to guess); semicolon-separated values are refused, saying so. Other columns are
    not read; a file that has some is counted in ``sink`` as ``extra_columns_not_read``, so
    that it shows in the report, but a star column (``files.ID_NAMES``) that names more than
    one star is a problem: the file is a table of several. ``columns`` names the
    header's time, mag, err, band or flag column where its name is not one of those (``V``
    for mag; ``flag=''``: none; ``flag_bits`` as for tables); a file without a header then
    is a problem. Where several columns could take a role, the one named as ``columns``
    names it (by default ``time``, ``mag``, ``err``, ``band``, ``flag``) does.
    ``strict_columns`` False: names the header lacks are not looked for (a trained run's, at
    prediction).
    Raises :class:`FileProblem` with the 1-based line of the first thing that is wrong; what
    such a file counted before it failed (detection limits, flagged rows) stays out of
    ``sink``: the file is not read.
    """
    own = DropReport()
    curves = _parse_curves(data, own, columns, strict_columns)
    if sink is not None:
        sink.merge(own)
    return curves


def _parse_curves(data: bytes | str, sink: DropReport, columns: Columns | None,
                  strict_columns: bool) -> dict[str, Curve]:
    data = _decompressed(data)
    form = _astropy_form(data)
    if form is None:
        text = _text_of(data)
        ipac = _ipac_as_columns(text, columns, strict_columns)
        return _parse_text(text if ipac is None else ipac, sink, columns, strict_columns,
                           converted=ipac is not None)
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    return _astropy_curves(raw, form, columns, strict_columns, sink)


def _parse_text(text: str, sink: DropReport, columns: Columns | None, strict_columns: bool,
                converted: bool) -> dict[str, Curve]:
    """:func:`_parse_curves` of a file's text (``converted``: comma-separated text made of an
    IPAC table, whose missing values are already ``nan``)."""
    given = frozenset(n.lower() for n in named_roles(columns, True).values() if n)
    header_line, names, first_line, first = _header_and_first_line(text, given)
    named = {role: name for role, name in named_roles(columns, strict_columns, names).items()
             if name}
    if named and not names:
        raise FileProblem(first_line, f"no header line to find --columns "
                          f"{','.join(f'{r}={n}' for r, n in named.items())} in; a file "
                          f"without one is read as time, mag[, err] in that order")
    if not names and {"time", "mag", "err"} & set(named_roles(columns, True)):
        sink.note(BY_POSITION)  # a run's names of the columns read by position
    delimiter = "," if "," in first else None
    if delimiter and not converted:  # an empty field (pandas writes NaN so) is a missing value
        text = _EMPTY_FIELD.sub("nan", text)  # (a converted table's: nan, or a word)
    n_columns = len(_split(first))
    if n_columns < 2:
        raise FileProblem(first_line, f"found {n_columns} column, need time, mag[, err]")
    # time, mag[, err]: by the header's names where it has a header, else by position.
    by_position = (0, 1, 2) if n_columns >= 3 else (0, 1)
    wanted, band_at, flag_at = (_header_columns(names, header_line, columns, strict_columns,
                                                _split(first))
                                if names else (by_position, [], []))
    if (names and (tuple(wanted), band_at, flag_at) != (by_position, [], []) and next(
            itertools.islice(io.StringIO(text), header_line - 1, None)).lstrip().startswith("#")):
        sink.note("header_read_from_a_comment_line")  # (ATLAS's ###MJD ...) where it matters
    usecols = tuple(sorted(wanted))
    if "<" in text or ">" in text:  # a non-detection's limit: no magnitude (cleaning drops it)
        text, limits = _limit_field(delimiter, wanted[1]).subn(r"\g<before>nan", text)
        sink.note("limit_values_read_as_missing", limits)
    # Every column read where there are no others: NumPy then refuses a row with more
    # fields (a decimal comma, a shifted row), which it drops silently from a usecols read.
    strict = n_columns == len(usecols)
    if not strict:  # NumPy's usecols read keeps a short or long row without a word
        needed = max([usecols[-1], *band_at, *flag_at]) + 1
        ragged = _ragged_line(text, delimiter, first_line, n_columns, needed)
        if ragged is not None:
            line, found = ragged
            why = (" (a decimal comma, or a shifted row?)" if found > n_columns else
                   "" if delimiter else " (a value left blank? whitespace-separated columns "
                   "cannot be empty: write nan)")
            raise FileProblem(line, f"found {found} columns, expected {n_columns} as on line "
                              f"{first_line}{why}")
        unread = [i for i in range(n_columns) if i not in (*usecols, *band_at, *flag_at)]
        if _hold_values(unread, names, first, text, header_line, delimiter):
            sink.note("extra_columns_not_read")  # a trailing comma's empty field is not one
    try:
        values = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#",
                            skiprows=header_line, usecols=None if strict else usecols,
                            ndmin=2, dtype=np.float64)
    except ValueError as error:
        raise _diagnose(text, header_line, wanted, error, strict) from None
    time, mag, *err = (values[:, usecols.index(c)] for c in wanted)
    err = err[0] if err else np.full(len(values), np.nan)

    def words(column: int) -> np.ndarray:
        with warnings.catch_warnings():  # NumPy's note on blank lines, which it skips
            warnings.filterwarnings("ignore", "Input line .* contained no data")
            found = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#",
                               skiprows=header_line, usecols=[column], dtype=str, ndmin=1)
        return np.char.strip(found, " \t\"'")

    def at_row(row: int, message: str) -> FileProblem:
        return FileProblem(_data_line(text, first_line, row), message)

    read = (*usecols, *band_at, *flag_at)
    stars = [at for at, name in enumerate(names)
             if name.strip("\"'").lower() in ID_NAMES and at not in read]
    return _by_band((time, mag, err), names, words, stars, band_at, flag_at, at_row, sink,
                    columns)


def _by_band(curve: Curve, names: list[str], words: Callable[[int], np.ndarray],
             stars: list[int], band_at: list[int], flag_at: list[int],
             at_row: Callable[[int, str], FileProblem], sink: DropReport,
             columns: Columns | None) -> dict[str, Curve]:
    """One file's ``curve`` (time, mag, err), by band: the header's ``names``, the ``words``
    of a column (by its index; stripped, a missing value ``nan`` or empty), its ``stars``
    columns, which must each name one star, its band and flag column (a list of one, or
    empty), and ``at_row`` the :class:`FileProblem` of a message on a data row (0-based)."""
    time, mag, err = curve
    for at in stars:
        _one_star(words(at), names[at].strip("\"'"), at_row)  # R's write.csv quotes names
    keep = np.ones(len(time), bool)
    if flag_at:  # the rules of a table's flag column (ZTF's catflags: non-zero is bad)
        keep = ~_flagged(words(flag_at[0]), names[flag_at[0]], at_row, sink,
                         columns.flag_bits if columns else 0)
    if not band_at:
        return {"": (time[keep], mag[keep], err[keep])}
    bands = words(band_at[0])
    bands[np.char.lower(bands) == "nan"] = ""  # an empty field (_EMPTY_FIELD): no band named
    # Bands as found before the flags: a band whose rows are all flagged stays, empty.
    names_found, which = np.unique(bands, return_inverse=True)
    return {str(band): (time[(which == k) & keep], mag[(which == k) & keep],
                        err[(which == k) & keep]) for k, band in enumerate(names_found)}


def _decompressed(data: bytes | str) -> bytes | str:
    """A per-star file's bytes, decompressed where they are gzip, bzip2 or xz data."""
    if isinstance(data, bytes) and data[:6].startswith(tuple(_COMPRESSED)):
        magic = next(m for m in _COMPRESSED if data.startswith(m))  # star.dat.gz, .bz2, .xz
        try:
            return _COMPRESSED[magic](data)
        except (OSError, EOFError, ValueError) as error:
            raise FileProblem(1, f"damaged {_COMPRESSION_NAMES[magic]} data: {error}") from None
    return data


def _text_of(data: bytes | str) -> str:
    """A per-star file's text (decompressed), decoded, with ``\\n`` line ends; a file that is
    empty, binary or a table format read otherwise (Parquet) is a :class:`FileProblem`."""
    text = data.decode("utf-8", errors="replace") if isinstance(data, bytes) else data
    text = text.removeprefix("\ufeff")  # the byte-order mark of Excel's "CSV UTF-8"
    if "\r" in text:  # Windows line ends, or old Mac ones (CR alone) as NumPy would not read
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise FileProblem(1, "empty file", "empty_file")
    binary_table = next(((name, suffix) for magic, (suffix, name) in MAGIC_BYTES.items()
                         if text.startswith(magic.decode())), None)  # Parquet (_astropy_form)
    if binary_table:
        name, suffix = binary_table
        raise FileProblem(1, f"a {name} file, where a per-star file is {PER_STAR_FORMATS}: "
                          f"write each star as CSV, or give the stars as one table with an id "
                          f"column, named *{suffix}")
    if text.lstrip().startswith("<?xml"):  # a VOTable is read by _astropy_form
        raise FileProblem(1, f"XML that is not a VOTable, where a per-star file is "
                          f"{PER_STAR_FORMATS}")
    if "\x00" in text:  # a binary file (Thumbs.db, .npy, bz2): not an empty one, and no text
        raise FileProblem(1, "not a text file (binary data); a light curve is CSV or "
                          "whitespace-separated text, optionally gzipped")
    return text


#: How far into an XML file its ``<VOTABLE`` element is looked for.
_XML_HEAD = 64 * 1024


def _astropy_form(data: bytes | str) -> str | None:
    """astropy's ``format=`` for a per-star file that is a FITS, ECSV or VOTable table, by its
    first bytes (whatever its name), else None. A VOTable's ``<VOTABLE`` is looked for in its
    first :data:`_XML_HEAD` bytes: a long comment or DOCTYPE may come before it."""
    head = data[:_XML_HEAD]
    head = head if isinstance(head, bytes) else head.encode("utf-8", errors="replace")
    if head.startswith(b"SIMPLE  ="):
        return "fits"
    head = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"# %ECSV"):
        return "ascii.ecsv"
    if head.startswith((b"<?xml", b"<VOTABLE")) and b"<VOTABLE" in head:
        return "votable"
    return None


def header_object(data: bytes) -> str:
    """The star a mission's FITS light curve names in its headers (``TIC 25155310``:
    :func:`~.astropy_tables.fits_object`), '' for any other file: the files of one such star
    (TESS's sectors) are one star (:mod:`.one_star`)."""
    try:
        raw = _decompressed(data)
    except FileProblem:
        return ""
    if not isinstance(raw, bytes) or _astropy_form(raw) != "fits":
        return ""
    from lcformer.data.reading.astropy_tables import fits_object

    return fits_object(raw)


def is_votable(data: bytes) -> bool:
    """Whether a file's first bytes are a VOTable's (an ``.xml`` file that is data)."""
    return _astropy_form(data) == "votable"


def _astropy_curves(data: bytes, form: str, columns: Columns | None, strict_columns: bool,
                    sink: DropReport) -> dict[str, Curve]:
    """:func:`_parse_curves` of a FITS (binary table), ECSV or VOTable file of one star. It is
    read as a long table of its format is (:mod:`.tables`): of several tables, the one with
    the time and mag columns; astropy Time columns as MJD, masked values missing, the units
    the file declares applied (hours to days, mmag to mag; a mag column in a flux's unit is
    counted as ``mag_column_in_a_flux_unit``, so that it is refused without --flux; one in
    magnitudes as ``mag_column_in_a_magnitude_unit``, refused with --flux), text
    in the time, mag or err column read as a table's is (ISO dates, detection limits). Its
    columns take their roles by their names and ``columns`` as a text file's header's do,
    and the same rules split bands, apply flags and check a star column; the others are not
    read (they may hold arrays) and counted as ``extra_columns_not_read``. Problems name an
    ECSV file's line, a FITS or VOTable file's row (a :class:`FileProblem` of line 0)."""
    from astropy.table import Table

    from lcformer.data.reading.astropy_tables import (
        ASTROPY_NAMES,
        astropy_column,
        declared_unit,
        one_table,
    )
    from lcformer.data.reading.columns import days_of_dates, numeric_column

    what, named = ASTROPY_NAMES[form], columns or Columns()
    here = Path(what)  # the problems of astropy_tables.py's functions start "{here}: "
    scratch = DropReport()
    # An ECSV file's problems name its lines (1 until its names' line is known); a FITS or
    # VOTable file's, its rows (0: no line).
    line = 1 if form == "ascii.ecsv" else 0

    def problem(message: str) -> FileProblem:
        return FileProblem(line, message.removeprefix(f"{here}: "))

    def light_curve(names: list[str]) -> bool:  # of several tables, those one_table reads
        return _star_columns(names, columns, strict_columns)

    try:
        with warnings.catch_warnings():  # units astropy does not know: "BJD - 2457000, days"
            warnings.simplefilter("ignore")
            table = (Table.read(data.decode("utf-8-sig", errors="replace"), format=form)
                     if form == "ascii.ecsv"
                     else one_table(here, form, light_curve, "a time and a mag column",
                                    scratch, data))
    except READ_ERRORS as error:
        expected = "a binary table HDU" if form == "fits" else "a table"
        raise problem(cannot_read(here, error, f"{what} table") + f"; expected {expected} "
                      f"of one star's points") from None
    if table is None:  # several tables that have time and mag
        raise problem(scratch.problems[0])
    if form == "ascii.ecsv":  # the line of its names (each row's follows, after its header)
        line = _ecsv_names_line(data)

    def at_row(row: int, message: str) -> FileProblem:
        return (FileProblem(line + 1 + row, message) if line
                else FileProblem(0, f"row {row + 1}: {message}"))

    def values(at: int) -> np.ndarray:
        found = astropy_column(table[names[at]])
        if found.ndim != 1:
            raise problem(f"column {names[at]!r} holds arrays of shape {found.shape[1:]} per "
                          f"row; expected one value per row")
        return found

    names = [str(n) for n in table.colnames]
    if not len(table):
        raise FileProblem(line, "no data lines" if line else "no rows", "empty_file")
    try:
        wanted, band_at, flag_at = _header_columns(names, line, columns, strict_columns)
    except FileProblem as error:  # a table's columns cannot be read by position
        raise FileProblem(error.line, error.message.removesuffix(_BY_POSITION)
                          + _TABLE_COLUMNS) from None
    mag_unit = getattr(table[names[wanted[1]]], "unit", None)
    if _in_magnitudes(mag_unit):  # --flux would read them as fluxes (flux.to_magnitudes)
        scratch.note(MAG_UNIT)
    curve = []
    for at, role in zip(wanted, (named.time, named.mag, named.err), strict=False):
        factor = declared_unit(table[names[at]], names[at], role, named, mag_unit, here,
                               scratch)
        if factor is None:  # a time column in no unit of time
            raise problem(scratch.problems[0])
        series = pd.Series(values(at), name=names[at])
        if series.dtype.kind not in "iufb":  # text: dates for the time, limits for the mag
            series = (days_of_dates(series, scratch, str) if role == named.time
                      else series)
            numbers = None if series is None else numeric_column(
                series, names[at], str, scratch, limits=role == named.mag)
            if numbers is None:  # the problem starts with the row's index (``locate`` is str)
                row, _, message = scratch.problems[0].partition(": ")
                raise at_row(int(row), message)
            series = pd.Series(numbers)
        curve.append(series.to_numpy(np.float64) * factor)
    if len(curve) == 2:
        curve.append(np.full(len(table), np.nan))
    used = {*wanted, *band_at, *flag_at}
    if len(used) < len(names):
        scratch.note("extra_columns_not_read")
    stars = [i for i, n in enumerate(names) if n.lower() in ID_NAMES and i not in used]
    curves = _by_band((curve[0], curve[1], curve[2]), names,  # flags as a table's are
                      lambda at: values(at) if at in flag_at else _words(values(at)), stars,
                      band_at, flag_at, at_row, scratch, columns)
    sink.merge(scratch)
    return curves


def _in_magnitudes(unit: object) -> bool:
    """Whether a column's declared unit is a magnitude's (mag, mmag, mag(AB))."""
    from astropy import units as u

    if isinstance(unit, u.FunctionUnitBase):  # mag(AB)
        return True
    return (isinstance(unit, u.UnitBase) and not isinstance(unit, u.UnrecognizedUnit)
            and unit != u.dimensionless_unscaled and unit.is_equivalent(u.mag))


def _star_columns(names: list[str], columns: Columns | None, strict: bool) -> bool:
    """Whether a table's column ``names`` are one star's light curve (a time and a mag
    column, as a text file's header would be read): of a FITS or VOTable file's tables, those
    that are (:func:`~.astropy_tables.one_table`)."""
    try:
        _header_columns(names, 0, columns, strict)
    except FileProblem:
        return False
    return True


def _ecsv_names_line(data: bytes) -> int:
    """The 1-based line of an ECSV file's column names: the first after its ``#`` header."""
    lines = data.split(b"\n")
    return next((k for k, line in enumerate(lines, start=1)
                 if line.strip() and not line.lstrip().startswith(b"#")), len(lines))


def _words(values: np.ndarray) -> np.ndarray:
    """A column of a table (band, flag, star) as the words a text file holds: whole numbers
    without a decimal point (a masked integer column is read as floats), missing ``nan``."""
    if values.dtype.kind == "f":
        finite = np.isfinite(values)
        whole = values[finite]
        if np.all((whole == np.round(whole)) & (np.abs(whole) < 2.0**53)):
            text = np.full(len(values), "nan", dtype=object)
            text[finite] = whole.astype(np.int64).astype(str)
            return text.astype(str)
    return np.char.strip(values.astype(str))


def _ipac_as_columns(text: str, columns: Columns | None = None,
                     strict_columns: bool = True) -> str | None:
    """An IPAC table as comma-separated columns, line for line (so that problems name the
    file's lines); None where ``text`` is no IPAC table (a first line that starts with a
    backslash or a bar but is no such header: bars around every row, say). Its keyword lines
    and its lines of types, units and nulls become comments, the names' line a header (an
    unnamed column ``colN``, as astropy names it). IPAC data is fixed-width: each value lies
    between the bars of its column in the names' line, and a value may be blank, so rows are
    cut at those positions (as astropy's ``ascii.ipac`` reads them), not at blanks, which
    would shift a blank's row; a blank value, the column's null of the nulls line (``-99``,
    ``0``) and ``null`` (IPAC's default) are missing (``nan``). Only the columns read (time,
    mag, err, band, flag as ``columns`` and the names resolve them, and a star column) keep
    their values; the others' fields are empty, so a note or comment column may hold any
    text. A character under a bar or outside every column is a :class:`FileProblem` naming
    its line, as is a value read that holds ``,`` or ``#`` (which the comma-separated text
    could not keep)."""
    header = _IPAC_HEADER.match(text)
    if header is None:
        return None
    keywords, names_line, bars = header.groups()
    below = bars.split("\n")[1:]  # types, units, nulls
    if len(below) > 3 or (below and not {t.strip().lower() for t in below[0].split("|")}
                          - {""} <= _IPAC_TYPES):
        return None
    names_at = keywords.count("\n") + 1  # the 1-based line of the names
    bars_at = [m.start() for m in re.finditer(r"\|", names_line)]
    # A column lies between two bars; a last one without its closing bar, to the line's end.
    closed = names_line.rstrip().endswith("|")
    at, ends = (bars_at[:-1], bars_at[1:]) if closed else (bars_at, [*bars_at[1:], None])
    names = [names_line[a + 1:b].strip(" \t-") or f"col{k + 1}"
             for k, (a, b) in enumerate(zip(at, ends, strict=True))]
    nulls = (["null"] * len(names) if len(below) < 3
             else [n.strip() for n in below[2].strip().strip("|").split("|")])
    if len(nulls) != len(names):
        raise FileProblem(names_at + 3, f"the header's nulls line has {len(nulls)} columns, "
                          f"its names line {len(names)}: its bars must be those of the names")
    numbers, words = _ipac_read(names, names_at, columns, strict_columns)
    rows = text[header.end():].split("\n")[1:]  # [0]: the rest of the last header line
    cut = _IpacCut(bars_at, at, ends, names, nulls, names_at + len(below) + 1)
    return (_IPAC_KEYWORD.sub("#", keywords) + ",".join(names)
            + "".join(f"\n#{b}" for b in below)
            + ("\n" + cut.fields(rows, numbers, words) if rows else ""))


def _ipac_read(names: list[str], line: int, columns: Columns | None,
               strict: bool) -> tuple[list[int], list[int]]:
    """The IPAC columns :func:`_parse_curves` will read: those of numbers (time, mag[, err])
    and those of words (band, flag, a star column that must name one star). A names line
    with a number in it is no header there, read by position: every column is kept."""
    if any(is_number(n) for n in names):
        return list(range(min(3, len(names)))), list(range(3, len(names)))
    wanted, band, flag = _header_columns(names, line, columns, strict)
    stars = [i for i, n in enumerate(names) if n.lower() in ID_NAMES and i not in wanted]
    return sorted(wanted), sorted({*band, *flag, *stars})


@dataclass
class _IpacCut:
    """How an IPAC table's data rows are cut: the header's ``bars`` (positions), each
    column from after its bar in ``at`` to its end in ``ends`` (None: the line's end), and
    its name and null; ``first`` is the 1-based line of the first row."""

    bars: list[int]
    at: list[int]
    ends: list[int | None]
    names: list[str]
    nulls: list[str]
    first: int

    def fields(self, rows: list[str], numbers: list[int], words: list[int]) -> str:
        """``rows`` (one a line) as comma-separated fields, joined by newlines: the columns
        ``numbers`` and ``words`` with their values stripped (missing: ``nan``, an empty
        word), the others empty; a blank row blank; a row that starts with ``\\`` or ``|``
        a comment, as astropy reads it. Only data rows go into the (rows, characters) array,
        which is as wide as the last bar (a longer row's tail is checked on its own) and of
        one byte a character where the rows are ASCII: a long comment line costs nothing."""
        skip = [r.startswith(("\\", "|")) or not r.strip(" \t") for r in rows]
        data = [r for r, s in zip(rows, skip, strict=True) if not s]
        lines = np.flatnonzero(~np.asarray(skip, bool))  # the index in rows of each data row
        out, starts = (self._cut(data, lines, numbers, words) if data
                       else ("", np.zeros(1, np.int64)))
        if len(data) == len(rows):
            return out[:-1]
        pieces: list[str] = []  # comment and blank rows, line for line, between data rows
        done = 0
        for count, k in enumerate(np.flatnonzero(skip)):
            above = int(k) - count  # data rows above row k
            comment = rows[k].startswith(("\\", "|"))
            pieces += [out[starts[done]:starts[above]], ("#" + rows[k] if comment else "") + "\n"]
            done = above
        return "".join([*pieces, out[starts[done]:]])[:-1]

    def _cut(self, data: list[str], lines: np.ndarray, numbers: list[int],
             words: list[int]) -> tuple[str, np.ndarray]:
        """The data rows (``lines``: each one's index in the rows) as comma-separated lines,
        each ending in a newline, and where each starts in that text (and its end)."""
        closed = self.ends[-1] is not None
        lengths = np.fromiter(map(len, data), np.int64, len(data))
        width = self.bars[-1] + 1 if closed else max(int(lengths.max()), self.bars[-1] + 1)
        try:  # one byte a character; a row longer than width + 1 is cut to it
            chars = np.array(data, dtype=f"S{width + 1}").view(np.uint8)
        except UnicodeEncodeError:  # non-ASCII text: 4 bytes a character, still narrow
            chars = np.array(data, dtype=f"U{width + 1}").view(np.uint32)
        chars = chars.reshape(len(data), width + 1)
        self._check_positions(data, chars[:, :width], lengths, lines)
        chars[:, width] = ord("\n")
        keep = np.zeros(chars.shape, bool)
        keep[:, width] = True
        chars[:, self.at[1:]] = ord(",")  # the bars between columns
        keep[:, self.at[1:]] = True
        nan_at: list[int] = []
        nan_rows: list[np.ndarray] = []
        for k in (*numbers, *words):
            start, end = self.at[k] + 1, self.ends[k] or width
            missing = self._values(data, lines, chars[:, start:end], keep[:, start:end], k)
            if k in numbers and end - start >= 3:  # a missing number: nan, in its place
                chars[missing, start:start + 3] = np.frombuffer(b"nan", np.uint8)
                keep[missing, start:start + 3] = True
            elif k in numbers:  # too narrow for it: nan after its column's (dropped) blanks
                nan_at.append(end)
                nan_rows.append(missing)
        if nan_at:
            where = np.repeat(nan_at, 3)
            chars = np.insert(chars, where, np.tile(np.frombuffer(b"nan", np.uint8),
                                                   len(nan_at)), axis=1)
            keep = np.insert(keep, where, np.repeat(np.stack(nan_rows, 1), 3, 1), axis=1)
        kept = chars[keep]
        text = (kept.tobytes().decode("ascii") if kept.dtype == np.uint8
                else kept.astype("<u4").tobytes().decode("utf-32-le"))
        return text, np.concatenate([[0], np.cumsum(keep.sum(1))])

    def _check_positions(self, data: list[str], chars: np.ndarray, lengths: np.ndarray,
                         lines: np.ndarray) -> None:
        """A character under a bar, before the first or past the last: a FileProblem
        naming the first (by line, then character)."""
        inside = np.zeros(chars.shape[1], bool)
        for a, b in zip(self.at, self.ends, strict=True):
            inside[a + 1:b] = True
        outside = np.flatnonzero(~inside)
        stray = _filled(chars[:, outside])
        found: list[tuple[int, int]] = []
        if stray.any():
            row = int(stray.any(1).argmax())
            found.append((row, int(outside[stray[row].argmax()])))
        if self.ends[-1] is not None:  # the text past the last bar, of the rows that have any
            for row in np.flatnonzero(lengths > chars.shape[1]):
                tail = data[row][chars.shape[1]:]
                if tail.strip(" \t"):
                    found.append((int(row), len(data[row]) - len(tail.lstrip(" \t"))))
                    break
        if not found:
            return
        row, column = min(found)
        bar = self.bars.index(column) if column in self.bars else -1
        where = ("outside the header's columns" if bar < 0 else
                 f"under the bar before column {self.names[0]!r}" if bar == 0 else
                 f"under the bar after column {self.names[bar - 1]!r}")
        tabs = ("the row holds tabs; IPAC tables are fixed-width, aligned with spaces: "
                if "\t" in data[row] else "")
        raise FileProblem(self.first + int(lines[row]), f"character {column + 1} "
                          f"({data[row][column]!r}) is {where}: {tabs}an IPAC table's values "
                          f"lie between their column's bars in the names line; align the row "
                          f"with the header")

    def _values(self, data: list[str], lines: np.ndarray, field: np.ndarray,
                keep: np.ndarray, k: int) -> np.ndarray:
        """Column ``k`` of every row (``field``, a view of the rows' characters): marks in
        ``keep`` the characters of its value, stripped of blanks, and returns where it is
        missing (blank, ``null`` or the column's null); a value with ``,`` or ``#`` is a
        FileProblem."""
        filled = _filled(field)
        found = filled.any(1)
        start = filled.argmax(1)
        end = field.shape[1] - filled[:, ::-1].argmax(1)  # past the value's last character
        bad = ((field == ord(",")) | (field == ord("#"))).any(1)
        if bad.any():
            row = int(bad.argmax())
            value = data[row][self.at[k] + 1:self.ends[k]].strip(" \t")
            raise FileProblem(self.first + int(lines[row]), f"column {self.names[k]!r} holds "
                              f"{value!r}; lcformer reads an IPAC table as comma-separated "
                              f"text, where a value it reads cannot hold ',' or '#'")
        missing = ~found
        for null in {self.nulls[k], "null"} - {""}:
            code = np.array([ord(c) for c in null])
            rows = np.flatnonzero(found & (end - start == len(code)))
            if len(code) > field.shape[1] or not len(rows):
                continue
            got = field[rows[:, None], start[rows, None] + np.arange(len(code))]
            missing[rows[(got == code).all(1)]] = True
        span = np.arange(field.shape[1])
        keep[:] = (span >= start[:, None]) & (span < end[:, None]) & ~missing[:, None]
        return missing


def _filled(chars: np.ndarray) -> np.ndarray:
    """Where character codes hold text: not a blank, a tab or a short row's padding."""
    return (chars != ord(" ")) & (chars != ord("\t")) & (chars != 0)


def _hold_values(unread: list[int], names: list[str], first: str, text: str,
                 header_line: int, delimiter: str | None) -> bool:
    """Whether columns not read are worth reporting (``extra_columns_not_read``): one the
    header names (``mag2``, even where its first value is blank), or one holding a value on
    any data line below the header (``text``'s empty fields already ``nan``); not a trailing
    comma's empty field. A per-line regex, only where the first line says nothing."""
    if any(names[i].strip("\"'") for i in unread if i < len(names)):
        return True
    fields = _split(first)
    if any(fields[i] for i in unread if i < len(fields)):
        return True
    if not delimiter:  # whitespace fields are never empty: the first line said it all
        return False
    value = r"[ \t]*(?!(?i:nan)[ \t]*(?:[,#]|$))[^,#\s]"  # a field that is not empty nor nan
    body = text.split("\n", header_line)[-1]
    return any(re.search(rf"^(?![ \t]*#)(?:[^,#\n]*,){{{i}}}{value}", body, re.MULTILINE)
               for i in unread)


def _header_and_first_line(text: str, given: frozenset[str] = frozenset()
                           ) -> tuple[int, list[str], int, str]:
    """(line of the header or 0, its names, line of the first data line, that line): a first
    line without any number is a header; ``#`` starts a comment. A file without one may give
    its names in the last comment line before the data (ATLAS's ``###MJD m dm uJy ...``,
    ``# time mag err``): they are its header where they are as many as the data's columns
    and name a time and a magnitude."""
    header_line, first_line, first, names = 0, 0, "", []
    comment_line, comment_names = 0, []
    for line_no, line in enumerate(io.StringIO(text), start=1):  # header lines only
        content = line.split("#", 1)[0].strip()
        if not content:
            if line.lstrip().startswith("#"):
                comment_line, comment_names = line_no, _comment_names(line, given)
            continue
        if _semicolons(content):
            raise FileProblem(line_no, SEMICOLONS)
        if (not content.startswith("|") and "," not in content  # (IPAC's lines; a note)
                and sum(map(is_number, content.split("|"))) >= 2):
            raise FileProblem(line_no, PIPES)
        if not any(is_number(t) for t in _split(content)):
            if header_line == 0:
                header_line, names = line_no, _split(content)
                continue
        first_line, first = line_no, content
        break
    if not header_line and first and len(comment_names) == len(_split(first)) >= 2:
        header_line, names = comment_line, comment_names
    if not first:
        if names and names[0].startswith("<"):  # a web page saved in its place
            raise FileProblem(header_line, "not a light curve: markup (<...>), as a failed "
                              "download leaves in a light curve's place")
        raise FileProblem(max(header_line, 1), "no data lines", "empty_file")
    return header_line, names, first_line, first


#: Words of a comment that is a sentence, not column names ("# time vs mag").
PROSE_WORDS = frozenset({"vs", "vs.", "versus", "of", "in", "and", "the", "a", "an", "for",
                         "series", "curve", "light", "with", "on", "at", "to", "from", "by",
                         "is", "are", "per", "each", "data", "star"})


def _comment_names(line: str, given: frozenset[str] = frozenset()) -> list[str]:
    """The column names a comment line gives (``###MJD m dm ...``): none where it holds a
    number or a sentence's word, or names neither a time and a magnitude nor every column
    ``given`` (lower-case names ``--columns`` gives). Of several times one must be
    heliocentric or barycentric ("# hjd mjd mag": "# Date Time Mag" is a caption); several
    magnitudes are the header's to refuse (:func:`_header_columns`)."""
    fields = _split(line.strip().lstrip("#").strip())
    if any(is_number(f) or f.lower() in PROSE_WORDS for f in fields):
        return []
    if given and given <= {f.strip("\"'").lower() for f in fields}:
        return fields
    times = [f for f in fields if column_role(f) == "time"]
    if len(times) > 1 and sum(map(time_corrected, times)) != 1:
        return []
    return fields if times and any(column_role(f) == "mag" for f in fields) else []


def _one_star(ids: np.ndarray, name: str, at_row: Callable[[int, str], FileProblem]
              ) -> None:
    """A per-star file's star column (``files.ID_NAMES``) must name one star: a table of
    several read as one file per star would mix their points into one curve. A column of
    a value per row (a detection's own id, as NEOWISE's source_id) names no star: only
    names that repeat are stars."""
    named = np.flatnonzero((ids != "") & (np.char.lower(ids) != "nan"))
    values, counts = np.unique(ids[named], return_counts=True)
    if len(values) < 2 or counts.max() < 2:
        return
    differs = named[ids[named] != ids[named[0]]]
    if len(differs):
        row = int(differs[0])
        mapping = "" if name == "id" else f" with --columns id={name}"
        raise at_row(row, f"column {name!r} names more than one star "
                     f"({str(ids[named[0]])!r}, then {str(ids[row])!r}): a table of "
                     f"several stars, not one star's file; give such a table as a file "
                     f"of its own{mapping}, or tables as Parquet partitions in a folder")


def _data_line(text: str, first_line: int, row: int) -> int:
    """The 1-based line of data row ``row`` (comments and blank lines skipped); only on an
    error path."""
    return [n for n, line in enumerate(text.split("\n")[first_line - 1:], start=first_line)
            if line.split("#", 1)[0].strip()][row]


def _flagged(flags: np.ndarray, name: str, at_row: Callable[[int, str], FileProblem],
             sink: DropReport | None, bits: int = 0) -> np.ndarray:
    """Rows whose quality flag is set, by the rules of a table's flag column
    (:func:`~.columns.flagged_rows`), counted as ``flagged`` points; a value that is not a
    flag is a :class:`FileProblem` naming its line (``at_row``)."""
    from lcformer.data.reading.columns import flagged_rows, mostly_flagged

    scratch = DropReport()
    flagged = flagged_rows(pd.Series(flags).replace("nan", ""), name, str, scratch, bits,
                           fix="keep the rows you want and drop the column, or name another "
                               "with --columns flag=NAME (flag= for none)")
    if flagged is None:  # the problem starts with the row's index (``locate`` is str)
        row, _, message = scratch.problems[0].partition(": ")
        raise at_row(int(row), message)
    if sink is not None:
        sink.drop_points("flagged", int(flagged.sum()))
        if mostly_flagged(flagged, bits):  # counted: a warning would come once a file
            sink.note("files_whose_flag_drops_most_rows_see_flag_bits")
    return flagged


#: The roles of a per-star file's columns that --columns may name (the id, class and split
#: of a star are its file name's and its catalogue's).
FILE_ROLES = ("time", "mag", "err", "band", "flag")


def file_columns(columns: Columns | None, source: object) -> Columns | None:
    """``columns`` for the per-star files of ``source``: the header names of their time,
    mag, err, band and flag (None: the usual names). A star's id is its file's name and its
    class (and split) the catalogue's, so a mapping of those is an error, not ignored."""
    if columns is None or columns == Columns():
        return None
    aliases = {field: alias for alias, field in ROLE_ALIASES.items()}  # label: "class"
    other = [f"{aliases.get(role, role)}={getattr(columns, role)}"
             for role in ("id", "label", "split")
             if getattr(columns, role) != getattr(Columns(), role)]
    if other:
        raise ConfigError(f"--columns {','.join(other)}: {source} holds per-star files, whose "
                          f"star is named by the file and labelled by the catalogue's "
                          f"filename (or path) and class [and band, split] columns; "
                          f"--columns may name their {', '.join(FILE_ROLES)} columns")
    return columns


def named_roles(columns: Columns | None, strict: bool = True,
                names: list[str] | None = None) -> dict[str, str]:
    """The per-star file roles ``columns`` names otherwise than by default: role -> name
    ('' for flag: none). Not ``strict``: only those that ``names`` (a header) has."""
    if columns is None:
        return {}
    default = Columns()
    given = {r: getattr(columns, r) for r in FILE_ROLES
             if getattr(columns, r) != getattr(default, r)}
    if not strict:
        lower = {n.strip("\"'").lower() for n in names or []}
        given = {r: n for r, n in given.items() if not n or n.lower() in lower}
    return given


def _index(names: list[str], name: str, role: str, line: int) -> int:
    """The header's column ``name`` (exactly, else ignoring case), which --columns gave for
    ``role``."""
    found = ([i for i, n in enumerate(names) if n.strip("\"'") == name]
             or [i for i, n in enumerate(names) if n.strip("\"'").lower() == name.lower()])
    if len(found) != 1:
        raise FileProblem(line, f"the header {names_text(names)} has "
                          f"{'no' if not found else 'more than one'} column {name!r} "
                          f"(--columns {role}={name})")
    return found[0]


#: How a text file's columns could be read without their names; a table's (FITS, ECSV,
#: VOTable) are always read by them, and a flux column may take the mag role.
_BY_POSITION = (", or leave the header out to read the columns as time, mag[, err] in that "
                "order")
_TABLE_COLUMNS = " (a column of fluxes: as mag, with --flux)"


def _header_columns(names: list[str], line: int, columns: Columns | None = None,
                    strict: bool = True, first: list[str] | None = None
                    ) -> tuple[tuple[int, ...], list[int], list[int]]:
    """The header's columns of time, mag[, err], its band column and its quality-flag column
    (each list empty or one): where ``columns`` names them, those; else by the names per-star
    files use (:func:`column_role`, ``BAND_NAMES``, :func:`is_flag_name`). Of several that
    could take a role, the one named as ``columns`` names the role wins, then for the time a
    heliocentric or barycentric one, for the flag Gaia's ``rejected_by_variability``; else
    the file is refused: read by position, a header "mag,err,hjd" gave times from the
    magnitudes."""
    if names_macho(names):
        raise FileProblem(line, MACHO_FILE)
    columns = columns or Columns()
    given = named_roles(columns, strict, names)
    bare = [n.strip("\"'") for n in names]
    found = {role: [i for i, n in enumerate(names) if column_role(n) == role]
             for role in ("time", "mag", "err")}
    found["band"] = band_columns(names, first)  # (first: the first data row's fields)
    found["flag"] = [i for i, n in enumerate(names) if is_flag_name(n)]
    for role in FILE_ROLES:
        if role in given:  # the named column takes the role from any other
            found[role] = [_index(names, given[role], role, line)] if given[role] else []
            continue
        own = [i for i in found[role] if bare[i].lower() == getattr(columns, role).lower()]
        if len(found[role]) > 1 and len(own) == 1:
            found[role] = own  # band beside filtercode: band; mag beside mag_auto: mag
    if "err" not in given and len(found["mag"]) == 1:  # a flux's flux_err, not a magerr
        errors = set(error_columns(names, names[found["mag"][0]]))
        found["err"] = [i for i, n in enumerate(names) if n in errors]
        own = [i for i in found["err"] if bare[i].lower() == columns.err.lower()]
        if len(found["err"]) > 1 and len(own) == 1:
            found["err"] = own
    if len(found["time"]) > 1:
        corrected = [i for i in found["time"] if time_corrected(names[i])]
        found["time"] = corrected if len(corrected) == 1 else found["time"]  # hjd by mjd
    if len(found["flag"]) > 1:
        preferred = [i for i in found["flag"] if bare[i].lower() in PREFERRED_FLAGS]
        found["flag"] = preferred if len(preferred) == 1 else found["flag"]  # Gaia's
    if len(found["time"]) != 1 or len(found["mag"]) != 1 or len(found["err"]) > 1:
        raise FileProblem(line, f"the header {names_text(names)} does not name one time and "
                          f"one mag column (and at most one err): name them time (or jd, hjd, "
                          f"mjd, bjd), mag and err, or give --columns time=NAME,mag=NAME"
                          f"{_BY_POSITION}")
    for role, what in (("band", "band"), ("flag", "quality-flag")):
        if len(found[role]) > 1:
            raise FileProblem(line, f"the header names {len(found[role])} {what} columns "
                              f"({', '.join(names[i] for i in found[role])}); keep one, or "
                              f"name it with --columns {role}=NAME")
    taken = [i for role in FILE_ROLES for i in found[role]]
    if len(set(taken)) < len(taken):
        twice = next(names[i] for i in taken if taken.count(i) > 1)
        raise FileProblem(line, f"column {twice!r} would be read for two roles "
                          f"(--columns names each role's own column)")
    return ((found["time"][0], found["mag"][0], *found["err"]), found["band"], found["flag"])


def names_macho(names: list[str]) -> bool:
    """Whether a header is a MACHO archive (TAP) file's: read by :mod:`.macho`, not here."""
    return set(TAP_COLUMNS) <= {str(n).strip().lower() for n in names}


def _semicolons(content: str) -> bool:
    """Whether a line is semicolon-separated: a header ``time;mag;err`` (one field by commas
    and blanks), or values, decimal commas allowed, quoted or empty fields too."""
    fields = [f.strip().strip("\"'") for f in content.split(";")]
    if len(fields) < 2:
        return False
    if len(_split(content)) == 1:
        return True  # time;mag;err, or 1;12.5;0.1
    numbers = [f for f in fields if f]
    return len(numbers) >= 2 and all(is_number(f.replace(",", ".")) for f in numbers)


def _split(content: str) -> list[str]:
    return [t.strip() for t in content.split(",")] if "," in content else content.split()


#: Bytes that separate whitespace-delimited fields (and end lines).
_BLANK = np.zeros(256, bool)
_BLANK[list(b" \t\r\n\v\f")] = True


def _ragged_line(text: str, delimiter: str | None, first_line: int, expected: int,
                 needed: int) -> tuple[int, int] | None:
    """The first data line (1-based) from ``first_line`` on whose fields cannot be read as
    the first line's ``expected``, and how many it has; None when all can. With commas, more
    fields is a decimal comma or a shifted row, fewer than ``needed`` (the last column read)
    leaves a value out; fewer that are not read is only trailing columns left off. Without a
    delimiter, fewer fields is a value left blank, which shifts the rest (more is trailing
    text, read by position as before). Counted on the bytes with a few whole-array passes
    (positions of newlines and field starts); ``#`` comments are removed first."""
    data = text.encode("utf-8", errors="replace")
    if b"#" in data:
        data = re.sub(rb"#[^\n]*", b"", data)
    raw = np.frombuffer(data, np.uint8)
    newlines = (raw == ord("\n")).nonzero()[0]
    n_lines = len(newlines) + 1
    if delimiter:
        at = (raw == ord(delimiter)).nonzero()[0]
        fields = np.bincount(newlines.searchsorted(at), minlength=n_lines) + 1
        bad = (fields > expected) | (fields < needed)
    else:  # a field starts at a byte that is not blank after one that is (or the first)
        blank = _BLANK[raw]
        starts = (blank[:-1] > blank[1:]).nonzero()[0] + 1
        fields = np.bincount(newlines.searchsorted(starts), minlength=n_lines)
        if len(blank) and not blank[0]:
            fields[0] += 1
        bad = (fields < expected) & (fields > 0)  # 0: a blank line, which NumPy skips
    bad[: first_line - 1] = False
    for line in bad.nonzero()[0]:  # few: a blank line with commas counts 1 field
        begin = int(newlines[line - 1]) + 1 if line else 0
        end = int(newlines[line]) if line < len(newlines) else len(data)
        if data[begin:end].strip():
            return int(line) + 1, int(fields[line])
    return None


def _diagnose(text: str, skip: int, wanted: tuple[int, ...], error: ValueError,
              strict: bool = False) -> FileProblem:
    """Re-read a file that NumPy refused, line by line, to name the first bad line
    (``wanted``: the columns of time, mag[, err]; ``strict``: a line with more fields than
    those is bad too)."""
    for line_no, line in enumerate(io.StringIO(text), start=1):
        content = line.split("#", 1)[0].strip()
        if line_no <= skip or not content:
            continue
        tokens, needed = _split(content), max(wanted) + 1  # all columns where strict
        if len(tokens) < needed or (strict and len(tokens) > needed):
            return FileProblem(line_no, f"found {len(tokens)} columns, expected {needed}"
                               + (" (a decimal comma, or a shifted row?)"
                                  if len(tokens) > needed else ""))
        for role, column in zip(_ROLES, wanted, strict=False):
            if not is_number(tokens[column]):
                # "1,5 12,3": columns apart by blanks, with decimal commas, split at the commas
                parts = tokens[column].split()
                comma = len(parts) > 1 and all(map(is_number, parts))
                return FileProblem(line_no, f"column {column + 1} ({role}): "
                                            f"{tokens[column]!r} is not a number"
                                   + (" (decimal commas? lcformer reads decimal points)"
                                      if comma else ""))
    return FileProblem(skip + 1, f"cannot parse: {error}")
