"""What every reader shares about files: the errors a file that is not what its name says
raises (a per-star file's, by its line: :class:`FileProblem`), and naming it in one line;
raising the problems collected when no report was given; telling CSV from FITS; the small
text tables beside the light curves (labels, catalogues); and, for a CSV file pandas read,
its misshapen rows (a decimal comma, a row cut short) and the line a data row is on. Which
column is which, by its name: :mod:`.column_names`."""

from __future__ import annotations

import codecs
import csv
import io
import os
import sys
import threading
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.report import DropReport
from lcformer.errors import InputError, LcformerWarning

PathLike = str | os.PathLike
FITS_SUFFIXES = (".fits", ".fit", ".fts", ".fits.gz", ".fit.gz", ".fts.gz")
#: CSV as pandas reads it, compressed or not (compression inferred from the name).
CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.bz2", ".csv.xz", ".csv.zip")
#: astropy's text tables, read with ``Table.read`` as FITS tables are (gzip: astropy opens it).
ECSV_SUFFIXES = (".ecsv", ".ecsv.gz")
VOTABLE_SUFFIXES = (".vot", ".votable", ".xml", ".vot.gz")
#: IPAC tables (IRSA's format): one star's file, or a long table named so
#: (``lightcurves.tbl``, or one whose id column names several stars), read by :mod:`.ipac`.
IPAC_SUFFIXES = (".tbl",)
#: Every long-table file type (Parquet first).
TABLE_SUFFIXES = (".parquet", *CSV_SUFFIXES, *FITS_SUFFIXES, *ECSV_SUFFIXES, *VOTABLE_SUFFIXES)


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


def table_suffix(name: str) -> str | None:
    """The long-table type suffix a file name ends with (the longest: ".csv.gz"), or None."""
    return max((s for s in TABLE_SUFFIXES if name.lower().endswith(s)), key=len, default=None)


#: The same, as an error lists them.
TABLE_FORMATS = (f"Parquet (.parquet), CSV ({', '.join(CSV_SUFFIXES)}), FITS "
                 f"({', '.join(FITS_SUFFIXES)}), ECSV ({', '.join(ECSV_SUFFIXES)}) or VOTable "
                 f"({', '.join(VOTABLE_SUFFIXES)})")
#: Formats met beside light curves that no reader takes: named as such rather than parsed as
#: one star's text (and refused for a missing column).
UNSUPPORTED_SUFFIXES = (".json", ".json.gz", ".feather", ".arrow", ".h5", ".hdf5", ".hdf",
                        ".npy", ".npz", ".pkl", ".pickle", ".xlsx", ".xls", ".ods", ".asdf",
                        ".parquet.gz", ".parquet.bz2", ".parquet.xz", ".parquet.zip", ".db",
                        ".sqlite", ".ecsv.bz2", ".ecsv.xz", ".ecsv.zip", ".fits.bz2", ".fits.xz",
                        ".fits.zip")
#: The columns of a MACHO archive (TAP) query's ``LC_<field>.<tile>.<seq>.csv`` that are read.
TAP_COLUMNS = ("fieldid", "tileid", "seqn", "dateobs", "rmag", "rerr", "bmag", "berr")
#: What a MACHO archive file met among one-star files is told to be, instead of its header.
MACHO_FILE = ("a MACHO archive file (its header is the archive's), not one star's time, mag"
              "[, err]: read MACHO files, named LC_<field>.<tile>.<seq>.csv, in a folder of "
              "their own, with MACHO's catalogue as catalog.csv beside them for labels "
              "(field,tile,seqn,classification, as macho_samples'; not labels.csv)")
# What pandas, pyarrow, gzip and astropy raise for a file that is not what its name says.
READ_ERRORS = (ValueError, OSError, EOFError, TypeError, IndexError, KeyError, OverflowError,
               csv.Error, zlib.error)


def raise_unreported(sink: DropReport, report: DropReport | None, what: str) -> None:
    """Raise the collected problems (one line) when the caller gave no report to collect
    them in."""
    if report is None and sink.problems:
        if len(sink.problems) == 1:
            raise InputError(sink.problems[0])
        listed = "; ".join(sink.problems[:5])
        more = f"; ... and {len(sink.problems) - 5} more" if len(sink.problems) > 5 else ""
        raise InputError(
            f"{len(sink.problems)} problems reading {what}: {listed}{more} (pass "
            "report=DropReport() to read what is readable and collect these instead)"
        )


@contextmanager
def each_warning_once() -> Iterator[None]:
    """The warnings raised inside, each said once, as it ends (a reader of a folder's files
    is decorated with it): the files of a folder warn alike (a column not read), and
    Python's own "once for each place" is undone by every ``catch_warnings`` a reader
    enters."""
    caught: list[warnings.WarningMessage] = []
    try:
        with warnings.catch_warnings(record=True) as caught:  # type: ignore[assignment]
            warnings.simplefilter("always")
            yield
    finally:
        for w in {(w.category, str(w.message)): w for w in caught}.values():
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno,
                                   source=w.source)


#: A table file this large (bytes on disk) is said to be read whole (docs/scale.md); a
#: compressed or Parquet file at a quarter of it (a 0.5 GB Parquet file of 150,000 stars
#: took 4.3 GB to predict, a 0.42 GB .csv.gz 3.9 GB).
LARGE_TABLE_BYTES = 1_000_000_000


def warn_of_a_large_table_file(path: Path) -> None:
    """Said of one table file of :data:`LARGE_TABLE_BYTES` or more: it is read whole, into
    several times its size in memory (a 1 GB CSV of 150,000 stars took 3.9 GB to predict and
    4.3 GB to prepare), and nothing shows while it is read; a folder of Parquet partitions is
    read one partition at a time."""
    size = path.stat().st_size if path.is_file() else 0
    packed = path.name.lower().endswith((".parquet", ".gz", ".bz2", ".xz", ".zip"))
    if size >= LARGE_TABLE_BYTES / (4 if packed else 1):
        warnings.warn(f"{path}: one table file of {size / 1e9:.2f} GB"
                      f"{' (compressed)' if packed else ''} is read whole, into several times "
                      f"its size in memory (nothing shows while it is read); for bounded "
                      f"memory write it as a folder of Parquet partitions, each star's rows in "
                      f"one (docs/scale.md)", LcformerWarning, stacklevel=3)


def first_few(items: Sequence[object], n: int) -> str:
    """The first ``n`` of ``items`` and how many more, for a one-line message."""
    more = f" and {len(items) - n:,} more" if len(items) > n else ""
    return ", ".join(str(item) for item in items[:n]) + more


def names_text(names: list[str], limit: int = 8) -> str:
    """A header as a message lists it: all of a short one, the first few of a long one and
    how many more (MACHO's 37 columns would bury the line's point)."""
    names = [str(n) for n in names]
    if len(names) <= limit:
        return str(names)
    return f"{str(names[:limit - 2])[:-1]}, ... ({len(names) - limit + 2} more)]"


def _small_csv(source: Callable[[], Any], path: Path) -> pd.DataFrame:
    """A small CSV as text (``source()`` opens it anew), its first column never taken for an
    index by mistake: pandas does that where the data rows have one field more than the
    header, so trailing commas (``s0,RRL,``) shifted every column (ids read as classes).
    Empty extra fields are dropped; a row name before every row (R's ``write.table``) is
    dropped too; an extra field holding a value on some rows only is an error."""
    def read(**options: Any) -> pd.DataFrame:
        return pd.read_csv(source(), dtype=str, keep_default_na=False, skipinitialspace=True,
                           **options)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", pd.errors.ParserWarning)
        frame = read(index_col=False)
    if not any(issubclass(w.category, pd.errors.ParserWarning) for w in caught):
        return frame
    width = len(frame.columns)
    extra = read(header=None, skiprows=1, names=list(range(width + 1)),
                 usecols=[width])[width].str.strip()
    filled = (extra != "").to_numpy()
    if filled.all():  # R's write.table: a row name before each row, none in the header
        return read().reset_index(drop=True)
    if filled.any():
        row = int(np.flatnonzero(filled)[0])
        raise InputError(f"{path}: data row {row + 1} has {width + 1} fields, the header "
                         f"{width}: its last field holds {extra.iat[row]!r}")
    return frame


def read_str_table(source: PathLike | pd.DataFrame, what: str = "table",
                   expected: str = "", data: bytes | None = None) -> pd.DataFrame:
    """A small table (labels, catalogue) with every column as text, missing as "".

    A file that cannot be read raises :class:`InputError` naming it: ``what`` it is and the
    ``expected`` header say what to fix. One of only a header comes back with no rows: its
    reader says what that means (:func:`no_rows`), as labels are optional to ``predict`` and
    ``describe`` but a catalogue must list its files. ``data``: the file's bytes, where
    ``source`` names a member of an archive.
    """
    if isinstance(source, pd.DataFrame):
        return source.astype(str).where(source.notna(), "")
    path = Path(source)
    hint = f"; expected a {what} with a header line {expected}" if expected else ""
    if data is None and not path.is_file():
        raise InputError(f"{path}: {what} not found")
    if (len(data) if data is not None else path.stat().st_size) == 0:
        raise InputError(f"{path}:1: empty file (0 bytes){hint}")
    try:
        if data is not None:
            frame = _small_csv(lambda: io.BytesIO(data), path)
        elif path.name.lower().endswith(".parquet"):
            import pyarrow

            try:
                frame = pd.read_parquet(path)
            except pyarrow.ArrowException as error:
                raise InputError(cannot_read(path, error, what) + hint) from None
            return frame.astype(str).where(frame.notna(), "")
        else:
            frame = _small_csv(lambda: path, path)
    except pd.errors.EmptyDataError:
        raise InputError(f"{path}:1: no header line (blank file){hint}") from None
    except (InputError, *READ_ERRORS) as error:
        trouble = text_trouble(path, what, error, data[:4096] if data is not None else None)
        if trouble is None and isinstance(error, InputError):
            raise
        raise InputError((trouble or cannot_read(path, error, what)) + hint) from None
    if len(frame) and frame.iat[-1, 0].strip() == CTRL_Z and (frame.iloc[-1, 1:] == "").all():
        frame = frame.iloc[:-1]  # DOS's end-of-file mark after the last line: no row, no id
    if len(frame.columns) == 1 and (trouble := _spreadsheet_trouble(
            path, data[:4096] if data is not None else _first_bytes(path), what)):
        raise InputError(trouble + hint)  # one column "id;class": a European Excel's CSV
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda c: c.str.strip())


def _first_bytes(path: Path) -> bytes:
    try:
        with open(path, "rb") as handle:
            return handle.read(4096)
    except OSError:
        return b""


def text_trouble(path: Path, what: str, error: BaseException,
                 head: bytes | None = None) -> str | None:
    """:func:`_spreadsheet_trouble` of a CSV file that pandas could not read (``head``: its
    first bytes, read here where not given), or a byte that is not UTF-8 past them (a Latin-1
    name on line 5,000) said as one too; None for other trouble."""
    trouble = _spreadsheet_trouble(path, _first_bytes(path) if head is None else head, what)
    if trouble is None and isinstance(error, UnicodeDecodeError):
        return _not_utf8(path, what)
    return trouble


def _not_utf8(path: Path, what: str) -> str:
    return (f"{path}: the {what} is not UTF-8 text (a spreadsheet's CSV in a Windows "
            f"encoding?): {SAVE_AS_CSV}")


#: What to do with a spreadsheet's file that is not a comma-separated UTF-8 CSV.
SAVE_AS_CSV = "save it from the spreadsheet as \"CSV UTF-8 (comma delimited)\""


def _spreadsheet_trouble(path: Path, head: bytes, what: str) -> str | None:
    """What a spreadsheet program did to a small CSV table that pandas could not read (a
    workbook saved as labels.csv, UTF-16 "Unicode Text", a Windows encoding, semicolons or
    tabs of a European Excel), in a user's words; None for other trouble."""
    save = SAVE_AS_CSV
    if path.name.lower().endswith((".gz", ".bz2", ".xz", ".zip")):
        return None  # compressed: pandas' own error
    if head.startswith(b"PK"):
        return f"{path}: the {what} is an Excel workbook (or a zip), not CSV text: {save}"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return f"{path}: the {what} is UTF-16 text (Excel's \"Unicode Text\"): {save}"
    # Not a spreadsheet's at all: a table format, compressed data, or binary data (NUL bytes,
    # which no text encoding of a spreadsheet's CSV but UTF-16 has) saved with a CSV's name.
    for magic, (needed, format_name) in MAGIC_BYTES.items():
        if head.startswith(magic):
            return (f"{path}: the {what} is {format_name} data, not CSV text: write it as CSV "
                    f"(a light-curve table can stay {format_name}, named *{needed})")
    if head.startswith((GZIP_MAGIC, XZ_MAGIC)):  # (not bzip2's "BZh", which text may start)
        return (f"{path}: the {what} is compressed (gzip or xz), not CSV text: decompress it "
                f"(a light-curve table can stay compressed, named *.csv.gz or *.csv.xz)")
    if b"\x00" in head:
        return f"{path}: the {what} is not a text file (binary data), not CSV text"
    try:  # (incremental: a character cut at the end of head is no error)
        text = codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
        first = text.splitlines()[0] if text.strip() else ""
    except UnicodeDecodeError:
        return _not_utf8(path, what)
    separator = next((s for s in (";", "\t") if s in first and "," not in first), None)
    if separator is not None:
        return (f"{path}: the {what}'s values seem separated by {separator!r}, and lcformer "
                f"reads comma-separated CSV: {save} (in pandas: pd.read_csv(path, "
                f"sep={separator!r}).to_csv(...))")
    return None


def no_rows(path: PathLike) -> str:
    """The start of the message on a labels table or catalogue with a header and no rows:
    ``"FILE:1: only a header, no rows"``, or for Parquet, which has neither lines nor a header
    line to point at, ``"FILE: no rows"``."""
    if str(path).lower().endswith(".parquet"):
        return f"{path}: no rows"
    return f"{path}:1: only a header, no rows"


def cannot_read(path: Path | str, error: BaseException, what: str = "table") -> str:
    """``"file: cannot read as a table: ErrorType: first line of the message"``."""
    if "Multiple files found in ZIP" in str(error) and (several := zipped_files(path)):
        return several
    text = (str(error).strip().splitlines() or [""])[0][:200]
    article = "an" if what[:1].lower() in "aeiou" or what.startswith("ECSV") else "a"
    return (f"{path}: cannot read as {article} {what}: {type(error).__name__}: {text} (is the file "
            f"complete, and of the type its name says?)")


def zipped_files(path: Path | str) -> str | None:
    """The problem of a zipped table (``.csv.zip``) that holds several files, which pandas
    refuses with a message that does not say what to do; None for any other file."""
    if not str(path).lower().endswith(".zip"):
        return None
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()  # as pandas counts them: folders and all
    except (zipfile.BadZipFile, OSError):
        return None
    if len(names) < 2:
        return None
    shown = ", ".join(names[:3]) + (f", ... ({len(names)} entries)" if len(names) > 3 else "")
    return (f"{path}: a zipped table holds one file, this zip holds {len(names)} entries "
            f"({shown}): zip the table on its own (no folder, no __MACOSX entries), or join "
            f"several into one table (pandas.concat) or a folder of Parquet partitions")


def is_csv(path: Path) -> bool:
    return path.name.lower().endswith(CSV_SUFFIXES)


def astropy_format(path: Path | str) -> str | None:
    """astropy's ``format=`` for a table file it reads (FITS, ECSV, VOTable), else None."""
    name = Path(path).name.lower()
    for suffixes, form in ((FITS_SUFFIXES, "fits"), (ECSV_SUFFIXES, "ascii.ecsv"),
                           (VOTABLE_SUFFIXES, "votable")):
        if name.endswith(suffixes):
            return form
    return None


#: A detection limit written in place of a magnitude (ASAS-SN's ">16.807" where the star was
#: not detected, "<", ">="): the point has no magnitude. Tables and per-star files use it.
LIMIT = r"[<>]=?[ \t]*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"


#: The first bytes of compressed data, as gzip, bzip2 and xz write it.
GZIP_MAGIC, BZIP2_MAGIC, XZ_MAGIC = b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00"
#: The first bytes of the table formats lcformer reads, and the suffix each needs.
MAGIC_BYTES = {b"PAR1": (".parquet", "Parquet"), b"SIMPLE  =": (".fits", "FITS"),
               b"# %ECSV": (".ecsv", "ECSV")}


def unsupported_format(path: Path | str) -> str:
    """The one-line problem of a file whose type no table reader takes; where its first bytes
    are those of a format lcformer reads (a file saved without its suffix), it says so."""
    name = Path(path).name.lower()
    suffix = next((s for s in sorted(UNSUPPORTED_SUFFIXES, key=len, reverse=True)
                   if name.endswith(s)), Path(name).suffix or "no suffix")
    try:
        with open(path, "rb") as file:
            head = file.read(16)
    except OSError:
        head = b""
    for magic, (needed, format_name) in MAGIC_BYTES.items():
        if head.startswith(magic):
            return (f"{path}: unsupported table format ({suffix}), but its content is "
                    f"{format_name}: give the file a name ending in {needed}")
    return (f"{path}: unsupported table format ({suffix}); lcformer reads {TABLE_FORMATS}; "
            f"convert it (in pandas: df.to_parquet(...), in astropy: table.write(...))")


def refused_csv(frame: pd.DataFrame, path: Path, sink: DropReport, curves: int = 1,
                needed: Sequence[str] = ()) -> bool:
    """Whether a CSV file that pandas read is one recorded problem: only a header, or a row
    with more fields than the header or too few for the ``needed`` columns
    (:func:`misshapen_row`), dropping the ``curves`` it holds."""
    if frame.empty:
        sink.problem(f"{path}:1: no data lines, only a header", "empty_file", curves)
        return True
    if (misshapen := misshapen_row(path, needed)) is not None:
        sink.problem(misshapen, "unreadable_file", curves)
        return True
    return False


#: Misshapen rows whose lines a problem names (all are counted).
SHOWN_ROWS = 5
#: Held while :func:`misshapen_row` replaces the process's ``sys.unraisablehook``.
_HOOK_LOCK = threading.Lock()
#: :func:`_misshapen`'s word for a row of one field more whose last is empty.
TRAILING_COMMA = "a trailing comma"
#: DOS's end-of-file mark, which some Windows programs still write after the last line.
CTRL_Z = "\x1a"


def _misshapen(fields: int, expected: int, least: int, text: str) -> str | None:
    """Why a CSV row of ``fields`` fields is misshapen beside a header of ``expected`` (and
    ``least`` fields the needed columns take), :data:`TRAILING_COMMA` for one field more
    whose last is empty, or None where pandas reads it right: a blank line, or optional last
    fields left out. ``text``: the row's, where it decides."""
    short = fields < min(least, expected)
    if not (fields > expected or short) or (short and not text.strip()):
        return None
    if fields == expected + 1 and text.rstrip("\r\n").endswith(","):
        return TRAILING_COMMA
    if text.strip() == CTRL_Z:  # invisible in an editor: the row's text alone says nothing
        return "a Ctrl-Z byte, the end-of-file mark of DOS programs: remove it"
    return ("a decimal comma, or a shifted row?" if fields > expected
            else "a row cut short, or a comment line?")


def misshapen_row(path: Path, needed: Sequence[str] = ()) -> str | None:
    """A one-line problem where a CSV row has more fields than the header, or too few to hold
    the ``needed`` columns (id, time, mag), else None: the first such row, and where there
    are more, how many and the lines of the first :data:`SHOWN_ROWS`.

    pandas reading some columns (``usecols``) drops a row's extra fields without a word, so a
    decimal comma (``12,3``) or a shifted row would be read as other numbers; it fills a
    short row's missing fields, so a comment line (``# note``) would be a star of that name,
    and a file cut short a point without its magnitude. A row that leaves out optional last
    fields (err, band: Excel drops empty ones after 16 rows) is read, those fields missing.
    Arrow's reader counts every row's fields; this pass keeps one column, in bounded memory.
    """
    import pyarrow
    import pyarrow.csv as arrow_csv

    header = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    n = len(header)
    least = max((header.index(c) + 1 for c in needed if c in header), default=0)
    found: list[str] = []  # the first misshapen row's problem
    lines: list[str] = []  # the physical lines of the first few misshapen rows
    count = [0]  # of them all: the file is read once, and every one of them is said
    trailing: list[str] = []  # rows of one field more, the last one empty

    def look(row: Any) -> str:
        fields, expected = row.actual_columns, row.expected_columns
        if not (fields > expected or fields < min(least, expected)):
            return "skip"
        text = ""
        # Its text only where it decides (a blank line, a trailing comma) or is said.
        if fields < min(least, expected) or fields == expected + 1 or not found:
            try:
                text = row.text
            except UnicodeDecodeError:
                text = "(not text)"
        why = _misshapen(fields, expected, least, text)
        if why is None:
            return "skip"
        line = f":{row.number}" if row.number is not None else ""  # physical line
        problem = (f"{path}{line}: a row has {fields} fields, the header {expected} "
                   f"({why}): {text[:80]!r}")
        if why == TRAILING_COMMA:
            trailing[:] = trailing or [problem]  # the first one only
        else:
            found[:] = found or [problem]
            count[0] += 1
            if len(lines) < SHOWN_ROWS and row.number is not None:
                lines.append(str(row.number))
        return "skip"

    names = [f"c{i}" for i in range(n)]

    # A row of another number of fields in bytes that are not UTF-8 fails in Arrow before it
    # reaches the handler (Python printed "Exception ignored" and a traceback), and Arrow
    # stops there: its bytes are judged by the handler's rules instead.
    not_text: list[bytes] = []

    def judged(raw: bytes) -> str | None:
        text = raw.decode("utf-8", errors="replace").rstrip("\r\n")
        fields = len(next(csv.reader([text]), []))
        why = _misshapen(fields, n, least, text)
        if why in (None, TRAILING_COMMA):  # (Arrow stopped: its well-formed rows are unknown)
            return None
        return (f"{path}: a row in bytes that are not UTF-8 text has {fields} fields, the "
                f"header {n} ({why}): {text[:80]!r}")

    with _HOOK_LOCK:  # (the hook is the process's: one such read at a time)
        python_hook = sys.unraisablehook

        def unraisable(hook: Any) -> None:
            if hook.object is look and isinstance(hook.exc_value, UnicodeDecodeError):
                not_text.append(bytes(hook.exc_value.object))
            else:
                python_hook(hook)

        sys.unraisablehook = unraisable
        try:
            with open_decompressed(path) as stream:
                # Read whole, on this thread: a streaming reader's read-ahead thread calling
                # the handler (Python) could be alive at exit, which aborted the process.
                well_formed = arrow_csv.read_csv(
                    stream, read_options=arrow_csv.ReadOptions(column_names=names, skip_rows=1,
                                                               use_threads=False),  # lines
                    parse_options=arrow_csv.ParseOptions(invalid_row_handler=look),
                    convert_options=arrow_csv.ConvertOptions(
                        include_columns=names[:1], column_types={"c0": pyarrow.binary()})
                ).num_rows
        except pyarrow.ArrowException:  # pandas read the file: else Arrow's is not this's
            # (Arrow stops at a row that is not text: the rows after it are not checked)
            said = [p for p in map(judged, not_text) if p]
            return found[0] if found else (said[0] if said else None)
        finally:
            sys.unraisablehook = python_hook
    if not found and trailing and well_formed:
        # A writer ending every row with a comma is harmless (pandas reads an empty field);
        # only some rows so: a decimal comma in a row whose last field is empty.
        found.append(trailing[0])
    if count[0] > 1:
        more = ", ..." if count[0] > len(lines) else ""
        found[0] += (f" ({count[0]:,} rows of another number of fields, at lines "
                     f"{', '.join(lines)}{more})")
    return found[0] if found else None


def open_decompressed(path: Path) -> Any:
    """A file's bytes as pandas reads them, the compression told by the name: .gz, .bz2
    (Arrow), .xz, .zip (one member). (A star file's are told by their first bytes:
    ``star_file._decompressed_bytes``.)"""
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
    return io.TextIOWrapper(open_decompressed(path), errors="replace")


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
