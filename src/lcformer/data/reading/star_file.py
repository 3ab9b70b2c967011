"""One star's light-curve file, CSV, whitespace text, an IPAC table or a FITS, ECSV or VOTable
table: its values by band, every problem named by its line (a FITS or VOTable file's, by its
row).

Which columns are the time, mag, err, band and quality flag is :mod:`.headers`' to say (a
file without a header is read as time, mag[, err] in that order); an IPAC table is first
made comma-separated text, line for line, by :mod:`.ipac`. The values are parsed with
:func:`numpy.loadtxt` (whole-array, never a loop over points); only a file that fails is
re-read line by line to say where and why. A FITS, ECSV or VOTable file is read through
astropy, as a long table of that format is, its columns then taken and used by the same
rules (:func:`_astropy_curves`). :mod:`.per_star` finds such files in folders, archives and
catalogues.
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
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.reading.column_names import (
    ID_NAMES,
    TABLE_OF_STARS,
    bare_name,
    column_role,
    flux_beside,
    is_good_flag_name,
    is_number,
    is_snr_name,
    other_bands_warning,
    uncertain_mark,
)
from lcformer.data.reading.columns import warn_of_empty_time
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import (
    BZIP2_MAGIC,
    CTRL_Z,
    GZIP_MAGIC,
    LIMIT,
    MAGIC_BYTES,
    READ_ERRORS,
    XZ_MAGIC,
    FileProblem,
    cannot_read,
    names_text,
)
from lcformer.data.reading.flux import BY_POSITION, MAG_BESIDE_FLUX, MAG_UNIT, errors_of_snr
from lcformer.data.reading.headers import (
    POSITIONS,
    header_and_first_line,
    header_bands,
    named_roles,
    split_fields,
)
from lcformer.data.reading.ipac import ipac_as_columns
from lcformer.data.reading.positions import (
    SEVERAL_POSITIONS,
    position_columns,
    several_positions,
)
from lcformer.data.report import DropReport
from lcformer.errors import LcformerWarning

_ROLES = ("time", "mag", "err")
Curve = tuple[np.ndarray, np.ndarray, np.ndarray]  # time, mag, err of one band


#: Compressed per-star files, by their first bytes: decompressed as pandas would.
_COMPRESSED: dict[bytes, Callable[[bytes], bytes]] = {
    GZIP_MAGIC: gzip.decompress, BZIP2_MAGIC: bz2.decompress, XZ_MAGIC: lzma.decompress}
_COMPRESSION_NAMES = {GZIP_MAGIC: "gzip", BZIP2_MAGIC: "bzip2", XZ_MAGIC: "xz"}
#: A field with nothing (or only blanks) in it, between commas or at a line's ends.
_EMPTY_FIELD = re.compile(r"(?<=,)[ \t]*(?=,|\r?$)|^[ \t]*(?=,)", re.MULTILINE)


def _tab_hint(text: str) -> str:
    """For an error of a file that does not read: where its header is tab-separated with
    names that hold spaces ("Observer Code" in AAVSO's tab-delimited download), which
    whitespace splits apart, the way out."""
    header = next((line for line in text.splitlines()
                   if line.strip() and not line.lstrip().startswith("#")), "")
    if "\t" not in header or "," in header:
        return ""
    spaced = [f.strip() for f in header.split("\t") if " " in f.strip()]
    return (f" (a tab-separated file whose column names hold spaces, as {spaced[0]!r}, "
            f"is read split at every space: save it comma-separated, as CSV)"
            if spaced else "")


#: A quoted field of a CSV line ("9.5", "clouds, moon"), and one without a comma in it.
_QUOTED_FIELD = re.compile(r'"[^"\n]*"')
_PLAIN_QUOTED_FIELD = re.compile(r'"([^",\n]*)"')
#: What a per-star file may be, as problems say it.
PER_STAR_FORMATS = ("text (CSV or whitespace columns, optionally gzipped), or a FITS, ECSV or "
                    "VOTable table")


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
    ``filtercode``...: ``column_names.BAND_NAMES``), one curve per band it holds, so that bands are
    never mixed into one curve.

    ``#`` lines are comments; a first line without any number is a header. A header's
    quality-flag column (:func:`is_flag_name`; of several, Gaia's ``rejected_by_variability``)
    drops the rows it flags, by a table's rules (counted as ``flagged`` points; a band whose
    rows are all flagged is an empty curve, which cleaning counts). A detection limit in the
    mag column (ASAS-SN's ``>16.807``) is a missing magnitude. Every data line must have as
    many fields as the first (a short or long row is a decimal comma or a shifted row, not a
    value to guess); semicolon-separated values are refused, saying so. Other columns are
    not read; a file that has some is counted in ``sink`` as ``extra_columns_not_read``, so
    that it shows in the report, but a star column (``column_names.ID_NAMES``) that names more than
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
    data = _decompressed_bytes(data)
    form = _astropy_form(data)
    if form is None:
        text = _text_of(data, sink)
        ipac = ipac_as_columns(text, columns, strict_columns)
        try:
            return _parse_text(text if ipac is None else ipac, sink, columns, strict_columns,
                               converted=ipac is not None)
        except FileProblem as problem:
            raise _ctrl_z_named(problem, text) from None
    raw = data.encode("utf-8", errors="surrogateescape") if isinstance(data, str) else data
    return _astropy_curves(raw, form, columns, strict_columns, sink)


def _unquoted(text: str) -> str:
    """A CSV file's text without its fields' quotes, a comma inside one made a semicolon
    (AAVSO's downloads quote every field, and its comments hold commas: "clouds, moon"), so
    that NumPy reads its numbers; line numbers stay. Other text as it is: a whitespace
    file's quoted names ("R And") are one field only in quotes."""
    first = next((line for line in io.StringIO(text)
                  if line.strip() and not line.lstrip().startswith("#")), "")
    if '"' not in first or "," not in first:
        return text
    text = _PLAIN_QUOTED_FIELD.sub(r"\1", text)  # most fields, without a call for each
    return _QUOTED_FIELD.sub(lambda field: field[0][1:-1].replace(",", ";"), text)


#: A field of digits alone (a sign allowed): what a decimal comma splits numbers into.
_DIGITS = re.compile(r"\s*[+-]?\d+\s*")

def _parse_text(text: str, sink: DropReport, columns: Columns | None, strict_columns: bool,
                converted: bool) -> dict[str, Curve]:
    """:func:`_parse_curves` of a file's text (``converted``: comma-separated text made of an
    IPAC table, whose missing values are already ``nan``)."""
    text = _unquoted(text)
    given = frozenset(n.lower() for n in named_roles(columns, True).values() if n)
    header_line, names, first_line, first, commented = header_and_first_line(text, given)
    named = {role: name for role, name in named_roles(columns, strict_columns, names).items()
             if name}
    if named and not names:
        raise FileProblem(first_line, f"no header line to find --columns "
                          f"{','.join(f'{r}={n}' for r, n in named.items())} in; a file "
                          f"without one is read as time, mag[, err] in that order: add a "
                          f"first line naming each column (time B errB R errR) to the files"
                          f"{_tab_hint(text)}")
    if not names and {"time", "mag", "err"} & set(named_roles(columns, True)):
        sink.note(BY_POSITION)  # a run's names of the columns read by position
    delimiter = "," if "," in first else None
    if delimiter and not converted:  # an empty field (pandas writes NaN so) is a missing value
        text = _EMPTY_FIELD.sub("nan", text)  # (a converted table's: nan, or a word)
    n_columns = len(split_fields(first))
    if n_columns < 2:
        raise FileProblem(first_line, f"found {n_columns} column, need time, mag[, err]")
    if (delimiter and names and len(names) < n_columns <= 2 * len(names)
            and all(_DIGITS.fullmatch(field) for field in split_fields(first))
            and "," in next(itertools.islice(io.StringIO(text), header_line - 1, None))):
        # LibreOffice's "2451868,58286,13,983,0,032" under "time,mag,err" would read as
        # a time of whole days, its decimals as the magnitude, at exit 0 with --flux. Every
        # field digits alone, up to twice the names: an extra column of flags is not this.
        raise FileProblem(first_line, f"found {n_columns} fields, and the header names "
                          f"{len(names)} ({names_text(names)}): a decimal comma "
                          f"({first.strip()[:40]!r})? Save the file with a point as the "
                          f"decimal mark")
    # time, mag[, err]: by the header's names where it has a header, else by position.
    by_position = (0, 1, 2) if n_columns >= 3 else (0, 1)
    bands, band_at, flag_at = (header_bands(names, header_line, columns, strict_columns,
                                            split_fields(first))
                               if names else ({"": by_position}, [], []))
    _note_flux_beside(names, bands, sink)
    if (names and (bands, band_at, flag_at) != ({"": by_position}, [], []) and next(
            itertools.islice(io.StringIO(text), header_line - 1, None)).lstrip().startswith("#")):
        sink.note("header_read_from_a_comment_line")  # (ATLAS's ###MJD ...) where it matters
    usecols = tuple(sorted({at for wanted in bands.values() for at in wanted}))
    if "<" in text or ">" in text:  # a non-detection's limit: no magnitude (cleaning drops it)
        for wanted in bands.values():
            text, limits = _limit_field(delimiter, wanted[1]).subn(r"\g<before>nan", text)
            sink.note("limit_values_read_as_missing", limits)
    def beyond_the_rows() -> FileProblem:
        return FileProblem(first_line, f"found {n_columns} columns, and the header names "
                           f"{len(names)} ({names_text(names)}){_tab_hint(text)}")

    # Every column read where there are no others: NumPy then refuses a row with more
    # fields (a decimal comma, a shifted row), which it drops silently from a usecols read.
    strict = n_columns == len(usecols)
    if not strict:  # NumPy's usecols read keeps a short or long row without a word
        needed = max([usecols[-1], *band_at, *flag_at]) + 1
        if needed > n_columns:  # a column the header names lies beyond the rows' last
            raise beyond_the_rows()
        ragged = _ragged_line(text, delimiter, first_line, n_columns, needed)
        if ragged is not None:
            line, found = ragged
            why = (" (a decimal comma, or a shifted row?)" if found > n_columns else
                   "" if delimiter else " (a value left blank? whitespace-separated columns "
                   "cannot be empty: write nan)")
            raise FileProblem(line, f"found {found} columns, expected {n_columns} as on line "
                              f"{first_line}{why}{_tab_hint(text)}")
        unread = [i for i in range(n_columns) if i not in (*usecols, *band_at, *flag_at)]
        if _hold_values(unread, names, first, text, header_line, delimiter):
            sink.note("extra_columns_not_read")  # a trailing comma's empty field is not one
            _warn_of_other_bands(names, {*usecols, *band_at, *flag_at}, bands)
            if not names:  # not naming the file: said once for a folder of such files
                _warn_of_columns_by_position(commented)
    try:
        values = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#",
                            skiprows=header_line, usecols=None if strict else usecols,
                            ndmin=2, dtype=np.float64)
    except ValueError as error:
        raise _diagnose(text, header_line, _roles_at(bands), error, strict) from None
    curves = {}
    for band, wanted in bands.items():
        time, mag, *err = (values[:, usecols.index(c)] for c in wanted)
        if err and names and is_snr_name(names[wanted[2]]):
            err = [errors_of_snr(err[0], sink)]
        curves[band] = (time, mag, err[0] if err else np.full(len(values), np.nan))

    def words(column: int) -> np.ndarray:
        if column >= n_columns:  # (an id, ra, dec or second time the rows do not hold)
            raise beyond_the_rows()
        with warnings.catch_warnings():  # NumPy's note on blank lines, which it skips
            warnings.filterwarnings("ignore", "Input line .* contained no data")
            found = np.loadtxt(io.StringIO(text), delimiter=delimiter, comments="#",
                               skiprows=header_line, usecols=[column], dtype=str, ndmin=1)
        return np.char.strip(found, " \t\"'")

    if names and len(bands) == 1:  # (a time column chosen by its name: HJD over JD)
        time_at = next(iter(bands.values()))[0]
        others = [i for i, n in enumerate(names) if i != time_at and column_role(n) == "time"]
        if others and np.isnan(values[:, usecols.index(time_at)]).any():
            warn_of_empty_time(values[:, usecols.index(time_at)], names[time_at],
                               {names[i]: _numbers(words(i)) for i in others}, sink)

    def at_row(row: int, message: str) -> FileProblem:
        return FileProblem(_data_line(text, first_line, row), message)

    read = (*usecols, *band_at, *flag_at)
    if (position := position_columns([bare_name(n) for n in names])) is not None:
        lower = [bare_name(n).lower() for n in names]
        ra, dec = (_numbers(words(lower.index(p.lower()))) for p in position)
        known = np.isfinite(ra) & np.isfinite(dec)  # (a row without one: not a position)
        if known.any() and several_positions(ra[known], dec[known]):
            sink.note(SEVERAL_POSITIONS)
    stars = [at for at, name in enumerate(names)
             if bare_name(name) in ID_NAMES and at not in read]
    return _by_band(curves, names, words, stars, band_at, flag_at, at_row, sink, columns)


def _numbers(words: np.ndarray) -> np.ndarray:
    """A column's text as numbers, NaN where a field is not one."""
    return pd.to_numeric(pd.Series(words), errors="coerce").to_numpy(dtype=np.float64)


def _roles_at(bands: dict[str, tuple[int, ...]]) -> dict[str, int]:
    """Each column read by its role, as a problem names it (``mag``, or ``mag:W1`` of a band
    a row holds), from :func:`header_bands`' columns."""
    roles: dict[str, int] = {}
    for band, wanted in bands.items():
        for role, at in zip(_ROLES, wanted, strict=False):
            roles.setdefault(f"{role}:{band}" if band and role != "time" else role, at)
    return roles


def _warn_of_other_bands(names: list[str], read: set[int],
                         bands: dict[str, tuple[int, ...]]) -> None:
    """Columns not read that look like another band of a mag column read (NEOWISE's w2mpro
    beside w1mpro): said without naming the file, so once for a folder of such files."""
    bare = [n.strip("\"'") for n in names]
    if len(bare) <= max(at for wanted in bands.values() for at in wanted):
        return  # no header (read by position), or one naming fewer columns than it holds
    mags = [(band, bare[wanted[1]], bare[wanted[2]] if len(wanted) > 2 else "")
            for band, wanted in bands.items()]
    message = other_bands_warning(bare, {bare[i] for i in read}, mags)
    if message is not None:
        warnings.warn(message, LcformerWarning, stacklevel=2)


def _by_band(curves: dict[str, Curve], names: list[str], words: Callable[[int], np.ndarray],
             stars: list[int], band_at: list[int], flag_at: list[int],
             at_row: Callable[[int, str], FileProblem], sink: DropReport,
             columns: Columns | None) -> dict[str, Curve]:
    """One file's ``curves`` (time, mag, err; one of no band, or one of each band a row holds:
    :func:`~.headers.header_bands`), by band: the header's ``names``, the ``words``
    of a column (by its index; stripped, a missing value ``nan`` or empty), its ``stars``
    columns, which must each name one star, its band and flag column (a list of one, or
    empty; the flag applies to every band of a row), and ``at_row`` the
    :class:`FileProblem` of a message on a data row (0-based)."""
    for at in stars:
        _one_star(words(at), names[at].strip("\"'"), at_row)  # R's write.csv quotes names
    rows = len(next(iter(curves.values()))[0])
    keep = np.ones(rows, bool)
    # Rows of several bands (mag:B=, mag:R=): a band's empty cell is no point, as in a
    # table (tables._observed_cells); a file of no value at all keeps them, for cleaning.
    cells = np.column_stack([~np.isnan(mag) for _, mag, _ in curves.values()])
    if len(curves) < 2 or not cells.any():
        cells[:] = True
    sink.note("band_cells_without_a_value", int(np.count_nonzero(~cells)))
    if flag_at:  # the rules of a table's flag column (ZTF's catflags: non-zero is bad)
        keep = ~_flagged(words(flag_at[0]), names[flag_at[0]], at_row, sink,
                         columns.flag_bits if columns else 0, per_row=cells.sum(axis=1))
    if not band_at:
        return {band: (time[keep & cell], mag[keep & cell], err[keep & cell])
                for cell, (band, (time, mag, err)) in zip(cells.T, curves.items(), strict=True)}
    (time, mag, err), = curves.values()  # a band column: the rows of one band of no name
    bands = words(band_at[0])
    bands[np.char.lower(bands) == "nan"] = ""  # an empty field (_EMPTY_FIELD): no band named
    # Bands as found before the flags: a band whose rows are all flagged stays, empty.
    names_found, which = np.unique(bands, return_inverse=True)
    return {str(band): (time[(which == k) & keep], mag[(which == k) & keep],
                        err[(which == k) & keep]) for k, band in enumerate(names_found)}


def _note_flux_beside(names: list[str], bands: dict[str, tuple[int, ...]],
                      sink: DropReport) -> None:
    """Count a magnitude column named as one beside a flux column (``MAG_BESIDE_FLUX``, with
    the flux column's name), which ``--flux`` refuses: it would read the magnitudes."""
    for wanted in bands.values():
        if names and (flux := flux_beside(names, names[wanted[1]])) is not None:
            sink.note(MAG_BESIDE_FLUX + flux)
            return


def _decompressed_bytes(data: bytes | str) -> bytes | str:
    """A per-star file's bytes, decompressed where they are gzip, bzip2 or xz data."""
    if isinstance(data, bytes) and data[:6].startswith(tuple(_COMPRESSED)):
        magic = next(m for m in _COMPRESSED if data.startswith(m))  # star.dat.gz, .bz2, .xz
        try:
            return _COMPRESSED[magic](data)
        except (OSError, EOFError, ValueError) as error:
            raise FileProblem(1, f"damaged {_COMPRESSION_NAMES[magic]} data: {error}") from None
    return data


#: What DOS and old Windows programs end a text file with (Ctrl-Z, 0x1A), and its name.
_CTRL_Z_NAME = "a Ctrl-Z (DOS end-of-file) byte, 0x1A"
#: The event of a file whose end-of-file Ctrl-Z was removed.
CTRL_Z_REMOVED = "dos_end_of_file_ctrl_z_removed"


def _text_of(data: bytes | str, sink: DropReport) -> str:
    """A per-star file's text (decompressed), decoded, with ``\\n`` line ends; a file that is
    empty, binary or a table format read otherwise (Parquet) is a :class:`FileProblem`.
    UTF-16 with its byte-order mark (Excel's "Unicode Text") is decoded, as its mark says
    what it is; a Ctrl-Z that ends the text (DOS's end-of-file mark, which old programs
    write) is removed and counted in ``sink`` (:data:`CTRL_Z_REMOVED`): read, it was a line
    of one field that lost the star."""
    text = _decoded(data) if isinstance(data, bytes) else data
    text = text.removeprefix("\ufeff")  # the byte-order mark of Excel's "CSV UTF-8"
    if "\r" in text:  # Windows line ends, or old Mac ones (CR alone) as NumPy would not read
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if text.rstrip().endswith(CTRL_Z):  # (a run of them: CP/M padded its last record so)
        text = text.rstrip().rstrip(CTRL_Z) + "\n"
        sink.note(CTRL_Z_REMOVED)
    if not text.strip():
        raise FileProblem(1, "empty file", "empty_file")
    binary_table = next(((name, suffix) for magic, (suffix, name) in MAGIC_BYTES.items()
                         if text.startswith(magic.decode())), None)  # Parquet (_astropy_form)
    if binary_table:
        name, suffix = binary_table
        raise FileProblem(1, f"a {name} file, where a per-star file is {PER_STAR_FORMATS}: "
                          f"write each star as CSV, or give the stars as one table with an id "
                          f"column, named *{suffix}")
    head = data[:4] if isinstance(data, bytes) else text[:4].encode("utf-8", "replace")
    if head in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):  # a zip (.xlsx), an OLE file (.xls)
        raise FileProblem(1, f"a zip or Office file (an Excel workbook, .xlsx or .xls?), where "
                          f"a per-star file is {PER_STAR_FORMATS}: save each sheet as CSV "
                          f"(in pandas: pd.read_excel(path).to_csv(...))")
    if text.lstrip().startswith("<?xml"):  # a VOTable is read by _astropy_form
        raise FileProblem(1, f"XML that is not a VOTable, where a per-star file is "
                          f"{PER_STAR_FORMATS}")
    if "\x00" in text:  # a binary file (Thumbs.db, .npy, bz2): not an empty one, and no text
        raise FileProblem(1, "not a text file (binary data); a light curve is CSV or "
                          "whitespace-separated text, optionally gzipped")
    return text


def _decoded(data: bytes) -> str:
    """A file's bytes as text: UTF-8 (a byte that is not, replaced), or UTF-16 where its
    byte-order mark says so and it decodes as such (binary data that starts with those two
    bytes is left to be called binary)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")  # (the mark says which byte order, and is dropped)
        except UnicodeDecodeError:
            pass
    return data.decode("utf-8", errors="replace")


def _ctrl_z_named(problem: FileProblem, text: str) -> FileProblem:
    """A file's problem, saying so where its line holds a Ctrl-Z (not at the file's end, where
    it is removed): an editor shows the byte as nothing, or as ``^Z``."""
    lines = text.split("\n")
    if CTRL_Z not in text or not 0 < problem.line <= len(lines) or (
            CTRL_Z not in lines[problem.line - 1]):
        return problem
    return FileProblem(problem.line, f"{problem.message} (the line holds {_CTRL_Z_NAME}: "
                       f"remove it)", problem.reason)


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
        raw = _decompressed_bytes(data)
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
    bands, band_at, flag_at = header_bands(names, line, columns, strict_columns, table=True)
    in_magnitudes = False
    read: dict[str, Curve] = {}
    for band, wanted in bands.items():  # one band of no name, or each band a row holds
        named_band = named.for_band(band) if band else named
        mag_unit = getattr(table[names[wanted[1]]], "unit", None)
        in_magnitudes |= _in_magnitudes(mag_unit)
        curve = []
        for at, role in zip(wanted, (named_band.time, named_band.mag, named_band.err),
                            strict=False):
            factor = declared_unit(table[names[at]], names[at], role, named_band, mag_unit,
                                   here, scratch)
            if factor is None:  # a time column in no unit of time
                raise problem(scratch.problems[0])
            series = pd.Series(values(at), name=names[at])
            if series.dtype.kind not in "iufb":  # text: dates for the time, limits for mag
                series = (days_of_dates(series, scratch, str) if role == named_band.time
                          else series)
                numbers = None if series is None else numeric_column(
                    series, names[at], str, scratch, limits=role == named_band.mag)
                if numbers is None:  # the problem starts with the row's index (``locate``)
                    row, _, message = scratch.problems[0].partition(": ")
                    raise at_row(int(row), message)
                series = pd.Series(numbers)
            curve.append(series.to_numpy(np.float64) * factor)
        if len(curve) == 3 and is_snr_name(names[wanted[2]]):  # Gaia's flux_over_error
            curve[2] = errors_of_snr(curve[2], sink)
        if len(curve) == 2:
            curve.append(np.full(len(table), np.nan))
        read[band] = (curve[0], curve[1], curve[2])
    if in_magnitudes:  # --flux would read them as fluxes (flux.to_magnitudes)
        scratch.note(MAG_UNIT)
    _note_flux_beside(names, bands, scratch)
    used = {*(at for wanted in bands.values() for at in wanted), *band_at, *flag_at}
    if len(used) < len(names):
        scratch.note("extra_columns_not_read")
        _warn_of_other_bands(names, used, bands)
    stars = [i for i, n in enumerate(names) if bare_name(n) in ID_NAMES and i not in used]
    curves = _by_band(read, names,  # flags as a table's are
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
        header_bands(names, 0, columns, strict)
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


def _hold_values(unread: list[int], names: list[str], first: str, text: str,
                 header_line: int, delimiter: str | None) -> bool:
    """Whether columns not read are worth reporting (``extra_columns_not_read``): one the
    header names (``mag2``, even where its first value is blank), or one holding a value on
    any data line below the header (``text``'s empty fields already ``nan``); not a trailing
    comma's empty field. A per-line regex, only where the first line says nothing."""
    if any(names[i].strip("\"'") for i in unread if i < len(names)):
        return True
    fields = split_fields(first)
    if any(fields[i] for i in unread if i < len(fields)):
        return True
    if not delimiter:  # whitespace fields are never empty: the first line said it all
        return False
    value = r"[ \t]*(?!(?i:nan)[ \t]*(?:[,#]|$))[^,#\s]"  # a field that is not empty nor nan
    body = text.split("\n", header_line)[-1]
    return any(re.search(rf"^(?![ \t]*#)(?:[^,#\n]*,){{{i}}}{value}", body, re.MULTILINE)
               for i in unread)


def _warn_of_columns_by_position(commented: list[str]) -> None:
    """Say which columns a file read by position gives time, mag and err, and how to read
    others: by the names its comment gives (HATNet's TF1), or by a header line to add
    (EROS-2's time B errB R errR, whose R is otherwise only counted)."""
    if commented:
        taken = ", ".join(f"{role}={name}" for role, name in zip(POSITIONS, commented,
                                                                 strict=False))
        warnings.warn(f"files whose comment line names their columns ({names_text(commented)})"
                      f" are read by position, as {taken}: where another column is the "
                      f"magnitude, name it with --columns mag=NAME,err=NAME",
                      LcformerWarning, stacklevel=4)
    else:
        warnings.warn("files without a header are read as time, mag, err from their first "
                      "three columns, and their other columns are not read "
                      "(extra_columns_not_read): where those hold another band (EROS's time B "
                      "errB R errR), add a first line naming each column, and --columns "
                      "mag:B=B,err:B=errB,mag:R=R,err:R=errR reads both",
                      LcformerWarning, stacklevel=4)


def _one_star(ids: np.ndarray, name: str, at_row: Callable[[int, str], FileProblem]
              ) -> None:
    """A per-star file's star column (``column_names.ID_NAMES``) must name one star: a table of
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
                     f"several stars, not one star's file; {TABLE_OF_STARS}{mapping}, "
                     f"or tables as Parquet partitions in a folder")


def _data_line(text: str, first_line: int, row: int) -> int:
    """The 1-based line of data row ``row`` (comments and blank lines skipped); only on an
    error path."""
    return [n for n, line in enumerate(text.split("\n")[first_line - 1:], start=first_line)
            if line.split("#", 1)[0].strip()][row]


def _flagged(flags: np.ndarray, name: str, at_row: Callable[[int, str], FileProblem],
             sink: DropReport | None, bits: int = 0,
             per_row: int | np.ndarray = 1) -> np.ndarray:
    """Rows whose quality flag is set, by the rules of a table's flag column
    (:func:`~.columns.flagged_rows`), counted as ``flagged`` points (``per_row``: the
    points a row holds, one a band it has a value of); a value that is not a flag is a
    :class:`FileProblem` naming its line (``at_row``)."""
    from lcformer.data.reading.columns import flagged_rows, mostly_flagged

    scratch = DropReport()
    flagged = flagged_rows(pd.Series(flags).replace("nan", ""), name, str, scratch, bits,
                           fix="keep the rows you want and drop the column, or name another "
                               "with --columns flag=NAME (flag= for none)")
    if flagged is None:  # the problem starts with the row's index (``locate`` is str)
        row, _, message = scratch.problems[0].partition(": ")
        raise at_row(int(row), message)
    if sink is not None:
        sink.drop_points("flagged", int((flagged * per_row).sum()))
        if scratch.events["flag_marks_good_rows"]:
            sink.note("flag_marks_good_rows")
        if mostly_flagged(flagged, bits):  # counted: a warning would come once a file
            sink.note("files_whose_good_flag_drops_most_rows" if is_good_flag_name(name)
                      else "files_whose_flag_drops_most_rows_see_flag_bits")
    return flagged


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


def _diagnose(text: str, skip: int, wanted: dict[str, int], error: ValueError,
              strict: bool = False) -> FileProblem:
    """Re-read a file that NumPy refused, line by line, to name the first bad line
    (``wanted``: the columns read by role, time, mag[, err] (:func:`_roles_at`); ``strict``:
    a line with more fields than those is bad too)."""
    for line_no, line in enumerate(io.StringIO(text), start=1):
        content = line.split("#", 1)[0].strip()
        if line_no <= skip or not content:
            continue
        tokens, needed = split_fields(content), max(wanted.values()) + 1  # all where strict
        if len(tokens) < needed or (strict and len(tokens) > needed):
            return FileProblem(line_no, f"found {len(tokens)} columns, expected {needed}"
                               + (" (a decimal comma, or a shifted row?)"
                                  if len(tokens) > needed else ""))
        for role, column in wanted.items():
            if not is_number(tokens[column]):
                # "1,5 12,3": columns apart by blanks, with decimal commas, split at the commas
                parts = tokens[column].split()
                comma = len(parts) > 1 and all(map(is_number, parts))
                date = role == "time" and re.match(r"\s*\d{4}-\d{2}-\d{2}", tokens[column])
                return FileProblem(line_no, f"column {column + 1} ({role}): "
                                            f"{tokens[column]!r} is not a number"
                                   + uncertain_mark(tokens[column])
                                   + (" (decimal commas? lcformer reads decimal points)"
                                      if comma else "")
                                   + (" (a star's file gives its times as numbers, MJD or "
                                      "JD; dates are read in tables of one row a point with "
                                      "an id column, docs/data.md's Dates)" if date else ""))
    return FileProblem(skip + 1, f"cannot parse: {error}")
