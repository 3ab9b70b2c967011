"""IPAC tables (IRSA's default format: ZTF light curves as ``.tbl``) as comma-separated
text, line for line, that :mod:`.star_file` then reads as any CSV file: so that every
problem names the file's own line. IPAC data is fixed-width (a value lies between its
column's bars in the names line, and may be blank), so rows are cut at those positions with
whole-array operations on the rows' characters, never at blanks.
"""

from __future__ import annotations

import io
import re
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import MISSING_WORDS
from lcformer.data.reading.column_names import ID_NAMES, is_number
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import FileProblem
from lcformer.data.reading.headers import header_bands

#: An IPAC table's header (IRSA's default format: ZTF light curves as ``.tbl``): blank and
#: ``\`` keyword lines, then ``|``-delimited lines of the column names and up to three of
#: types, units and nulls; its data lines never start with a bar.
_IPAC_HEADER = re.compile(r"\A((?:[ \t]*(?:\\[^\n]*)?\n)*)([ \t]*\|[^\n]*)((?:\n[ \t]*\|[^\n]*)*)")
_IPAC_TYPES = frozenset({"char", "c", "double", "d", "real", "r", "float", "f", "int", "i",
                         "integer", "long", "l", "date"})
_IPAC_KEYWORD = re.compile(r"^(?=[ \t]*\\)", re.MULTILINE)


def ipac_names(text: str) -> list[str] | None:
    """The column names of an IPAC table's header (an unnamed column ``colN``), or None where
    ``text`` starts with no such header."""
    header = _IPAC_HEADER.match(text)
    return None if header is None else _names(header.group(2))[0]


def _names(names_line: str) -> tuple[list[str], list[int], list[int], list[int | None]]:
    """An IPAC names line's names, its bars' positions, and where each column starts and
    ends (a last column without its closing bar: to the line's end, None)."""
    bars_at = [m.start() for m in re.finditer(r"\|", names_line)]
    closed = names_line.rstrip().endswith("|")
    at, ends = (bars_at[:-1], bars_at[1:]) if closed else (bars_at, [*bars_at[1:], None])
    names = [names_line[a + 1:b].strip(" \t-") or f"col{k + 1}"
             for k, (a, b) in enumerate(zip(at, ends, strict=True))]
    return names, bars_at, at, ends


def ipac_as_columns(text: str, columns: Columns | None = None,
                    strict_columns: bool = True, keep: Collection[str] | None = None
                    ) -> str | None:
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
    could not keep). ``keep``: the names of the columns to keep instead, all as text
    (a long table's, which pandas then reads)."""
    header = _IPAC_HEADER.match(text)
    if header is None:
        return None
    keywords, names_line, bars = header.groups()
    below = bars.split("\n")[1:]  # types, units, nulls
    if len(below) > 3 or (below and not {t.strip().lower() for t in below[0].split("|")}
                          - {""} <= _IPAC_TYPES):
        return None
    names_at = keywords.count("\n") + 1  # the 1-based line of the names
    # A column lies between two bars; a last one without its closing bar, to the line's end.
    names, bars_at, at, ends = _names(names_line)
    nulls = (["null"] * len(names) if len(below) < 3
             else [n.strip() for n in below[2].strip().strip("|").split("|")])
    if len(nulls) != len(names):
        raise FileProblem(names_at + 3, f"the header's nulls line has {len(nulls)} columns, "
                          f"its names line {len(names)}: its bars must be those of the names")
    numbers, words = (_ipac_read(names, names_at, columns, strict_columns) if keep is None
                      else ([], [k for k, name in enumerate(names) if name in keep]))
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
    bands, band, flag = header_bands(names, line, columns, strict)
    wanted = {at for columns_read in bands.values() for at in columns_read}
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


def ipac_frame(text: str, keep: list[str], text_columns: set[str],
               path: Path) -> pd.DataFrame:
    """The columns ``keep`` of an IPAC table's ``text``; those of ``text_columns`` as text
    (a star called NA is a star), a missing value there an empty one."""
    converted = ipac_as_columns(text, keep=keep)
    assert converted is not None, path  # ipac_names found its header
    return pd.read_csv(io.StringIO(converted), comment="#", usecols=keep,
                       dtype=dict.fromkeys(text_columns, str), keep_default_na=False,
                       na_values={c: [""] if c in text_columns else list(MISSING_WORDS)
                                  for c in keep})
