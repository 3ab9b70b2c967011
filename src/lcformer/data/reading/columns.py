"""Columns of a table made into light curves: the parsing every reader shares (dates, numbers
with detection limits, quality flags, star ids) and :func:`build_curves`, which turns per-row
columns into the ragged layout with whole-column operations (factorize, stable argsort,
bincount), so that millions of rows take about a second."""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import MISSING_WORDS, LightCurves, label_array
from lcformer.data.reading.column_names import is_good_flag_name, is_number, number_hint
from lcformer.data.reading.files import LIMIT
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, LcformerWarning

#: An ISO 8601 date, with a time of day and a time zone or not (2020-01-06T01:30:57.4Z).
_ISO_DATE = re.compile(r"^\s*\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d*)?)?)?"
                       r"(Z|[+-]\d{2}:?\d{2})?\s*$")


#: Counted where a time column's dates are all at midnight: dates without a time of day.
DAYS_ONLY = "time_dates_without_time_of_day"


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
        known = series.dropna()
        if len(known) > 2 and (known == known.dt.normalize()).all():
            sink.note(DAYS_ONLY)  # (said once for a folder of such files: not naming one)
            warnings.warn(f"the time column {str(series.name)!r} holds dates without a time "
                          f"of day: periods under a few days cannot be found, and where a "
                          f"night has several points they share one time (all but the first "
                          f"are dropped as duplicate_time...); give each point's time (ISO "
                          f"8601 2021-03-04T05:06:07, or MJD) (counted as {DAYS_ONLY})",
                          LcformerWarning, stacklevel=2)
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
        value = series.iloc[row]
        if _holds_a_list(value):  # Gaia's RAW epoch photometry: arrays in cells
            sink.problem(f"{locate(row)}: column '{name}' holds a list of values in a row "
                         f"({LIST_ADVICE})", "unreadable_file", curves)
            return None
        text = repr(value)
        units = (" (a row of units under the header? remove it)"
                 if row == 0 and _a_unit(str(value)) and re.search(r":\d+$", locate(0))
                 else "")  # (a text file's first data line: a DataFrame has no header row)
        sink.problem(
            f"{locate(row)}: column '{name}': "
            f"{text if len(text) <= 60 else text[:57] + '...'} is not a number{units}"
            f"{number_hint(str(value))}",
            "unreadable_file", curves,
        )
        return None
    return values.to_numpy(dtype=np.float64, na_value=np.nan)


def _a_unit(word: str) -> bool:
    """Whether a value reads as a unit's name ('d', 'HJD-2450000', 'flux [Jy]', '(d)',
    'µJy'), not as a word for no value ('NAN', 'n.a.') nor a number with a letter
    ('12.3mag')."""
    word = word.strip()
    return (0 < len(word) <= 20 and (word[0].isalpha() or word[0] in "([")
            and word.lower().strip(".") not in NOT_UNITS)


#: Words that read as units by their letters but say there is no value.
NOT_UNITS = frozenset({"nan", "none", "null", "na", "n/a", "n.a", "inf", "infinity",
                       "missing", "bad", "unknown", "x", "nd"})


#: What reads a table of one row per star whose values are lists (Gaia's RAW layout).
LIST_ADVICE = ("one row per star, as Gaia's RAW epoch photometry: lcformer reads such lists "
               "from Parquet, a time and a mag list column of one band; else give one row "
               "per point, as Gaia's INDIVIDUAL or COMBINED layout")


def _holds_a_list(value: object) -> bool:
    """An array, or text of one ("(1.0, 2.0)", "[1, 2]"), in a cell."""
    if isinstance(value, str):  # every item a number: not "(blend, see note)"
        inside = re.fullmatch(r"\s*[\[(](.*,.*)[\])]\s*", value, re.DOTALL)
        items = inside[1].split(",") if inside is not None else []
        return any(i.strip() for i in items) and all(is_number(i.strip() or "nan")
                                                      for i in items)
    return np.ndim(value) > 0 if not isinstance(value, bytes) else False


#: Words of a text flag column, and the flag they are (-1: every bit): ASAS-SN Sky Patrol
#: marks each row G (good) or B (bad).
FLAG_WORDS = {"true": -1.0, "false": 0.0, "bad": -1.0, "good": 0.0, "b": -1.0, "g": 0.0}
#: The same words in a flag column that marks good rows (:func:`is_good_flag_name`): 0 is bad.
GOOD_FLAG_WORDS = {"true": 1.0, "false": 0.0, "good": 1.0, "bad": 0.0, "g": 1.0, "b": 0.0}
#: AAVSO's Validation Flag: V validated, Z prevalidated, U not validated (G and P before);
#: T (D before) "flagged discrepant ... use with extreme caution" (AAVSO's data format).
VALIDATION_FLAG_WORDS = {"v": 0.0, "z": 0.0, "u": 0.0, "g": 0.0, "p": 0.0, "t": -1.0,
                         "d": -1.0}
VALIDATION_FLAG_NAMES = ("validation flag", "validation_flag", "validationflag", "val_flag")
#: What to do about a flag column that holds something else (a table's; see flagged_rows).
FLAG_FIX = ("keep the rows you want and drop the column, or name another with --columns "
            "flag=NAME (flag= for none; in Python, columns=Columns(flag=...))")


def flagged_rows(series: pd.Series, name: str, locate: Callable[[int], str],
                 sink: DropReport, bits: int = 0, fix: str = FLAG_FIX) -> np.ndarray | None:
    """Rows whose quality flag is set: a non-zero number, true or bad (ZTF's ``catflags``,
    TESS's ``QUALITY``, Gaia's ``rejected_by_variability``, ASAS-SN's G and B, AAVSO's
    Validation Flag T: :data:`VALIDATION_FLAG_WORDS`), or with
    ``bits``, a whole number with one of those bits set (true still drops); a missing flag is
    not set. A column named as marking good rows (PTF's ``goodflag``:
    :func:`~.column_names.is_good_flag_name`) flags the rows of 0, false or bad, counted as
    ``flag_marks_good_rows`` (once a column). A value that is none of these is a problem
    naming its line (``fix`` says what to do): guessing which of a survey's other words mean
    "bad" (grades A to D, say) could keep bad rows or drop good ones."""
    good = is_good_flag_name(name)
    if good:
        sink.note("flag_marks_good_rows")
        if bits:  # (an option that cannot apply, not a problem of the file)
            raise ConfigError(f"column '{name}' marks good rows (0 is a bad one), so "
                              f"--flag-bits {bits}, which names the bits of bad rows, does "
                              f"not apply to it: leave --flag-bits out")
    if pd.api.types.is_bool_dtype(series):
        set_ = series.fillna(good).to_numpy(dtype=bool)  # a missing flag: not a bad row
        return ~set_ if good else set_
    if pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    else:  # text: true is every bit
        text = series.fillna("").astype(str).str.strip().str.lower()
        validation = str(name).strip().lower() in VALIDATION_FLAG_NAMES
        words = text.map((GOOD_FLAG_WORDS if good else
                          VALIDATION_FLAG_WORDS if validation else FLAG_WORDS)
                         | {w.lower(): np.nan if good else 0.0 for w in MISSING_WORDS})
        values = words.fillna(pd.to_numeric(text, errors="coerce")).to_numpy(dtype=np.float64)
        bad = np.flatnonzero(np.isnan(values) & ~text.isin([w.lower() for w in MISSING_WORDS]))
        if len(bad):
            row = int(bad[0])
            number = "1 for good and 0 for bad" if good else "0 for good"
            known = ("AAVSO's V, Z, U or T" if validation else
                     f"a number, {number}, true/false or good/bad")
            sink.problem(f"{locate(row)}: column '{name}': {series.iloc[row]!r} is not a "
                         f"quality flag ({known}); {fix}", "unreadable_file")
            return None
    known = ~np.isnan(values)
    if good:
        return known & (values == 0)
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


#: Counted where a file's (or table's) time column is empty in most rows and another
#: time-named column has times there (AAVSO's HJD, empty for visual estimates, beside JD).
EMPTY_TIME = "time_column_mostly_empty"
#: The same, in some rows only (ZTF's hjd, empty in the zr rows alone, loses that band).
PARTLY_EMPTY_TIME = "time_column_empty_in_some_rows"
#: Fewest rows without a time (where another column has one) that are warned of.
EMPTY_TIME_ROWS = 10


def warn_of_empty_time(time: np.ndarray, name: str, others: dict[str, np.ndarray],
                       sink: DropReport) -> None:
    """Where the time column ``name`` is empty (not finite) in most rows, or in at least
    :data:`EMPTY_TIME_ROWS`, and one of ``others`` (other time-named columns' values) has
    times in most of those: counted as :data:`EMPTY_TIME` (or :data:`PARTLY_EMPTY_TIME`) and
    said, naming the column to read instead; cleaning drops the rows without a time
    (AAVSO's HJD, read over JD, loses every visual estimate)."""
    missing = ~np.isfinite(time)
    most = bool(len(time)) and missing.mean() > 0.5
    if not most and missing.sum() < EMPTY_TIME_ROWS:
        return
    for other, values in others.items():
        if len(values) == len(time) and np.count_nonzero(
                np.isfinite(values) & missing) > missing.sum() / 2:
            event = EMPTY_TIME if most else PARTLY_EMPTY_TIME
            sink.note(event)
            # (no counts: one line for a folder of such files, not one a file)
            where = "most rows" if most else f"{EMPTY_TIME_ROWS} rows or more, not most"
            warnings.warn(f"the time column {name!r} is empty in {where}, which cleaning "
                          f"drops (non_finite), where column {other!r} has times: if it is the "
                          f"time, give --columns time={other} (counted as {event})",
                          LcformerWarning, stacklevel=3)
            return


#: Rows a file needs before a flag dropping most of them is warned of.
MANY_FLAGGED_ROWS = 20


def mostly_flagged(flagged: np.ndarray, bits: int) -> bool:
    """Whether a flag column drops most (not all) of a file's rows as a whole: Pan-STARRS's
    infoFlag drops 90%, where --flag-bits would keep the informational bits. (Every row
    flagged is no quality flag at all, which the end of the command says.)"""
    return not bits and len(flagged) >= MANY_FLAGGED_ROWS and 0.5 < flagged.mean() < 1.0


def warn_of_most_flagged(flagged: np.ndarray, name: str, bits: int) -> None:
    """:func:`mostly_flagged` said, naming neither the file nor the share: once for a
    table's partitions."""
    if mostly_flagged(flagged, bits) and is_good_flag_name(name):
        warnings.warn(f"the flag column {name!r}, named as marking good rows, drops most rows "
                      f"(those of 0, false or bad; counted as flagged): if its 0 means a good "
                      f"row, name it with --columns flag= (none) and keep the good rows "
                      f"yourself", LcformerWarning, stacklevel=3)
    elif mostly_flagged(flagged, bits):
        warnings.warn(f"the flag column {name!r} drops most rows (those of a non-zero value; "
                      f"counted as flagged): if only some of its bits mean a bad measurement, "
                      f"keep the others with --flag-bits MASK", LcformerWarning, stacklevel=3)


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


def distinct_ids(ids: pd.Series) -> pd.Series:
    """Star ids as the reader names them (text: 7 and "7" are one star, 7.0 too; stripped),
    each once: what Dask's and partitioned predict's checks of split stars compare."""
    text = whole_numbers(ids.dropna()).astype(str).str.strip()
    return pd.Series(pd.unique(text), dtype=object)


#: A float's text beyond 2**53: 1.0801234567890123e+17 (Python; Excel's 1.08012E+17), or
#: 9123456789012345.0 below 1e16: an integer id that lost its last digits. The exponent's
#: "+" is required, so that a name such as "2E16" is not one.
_ROUNDED_ID = re.compile(r"^\s*[+-]?(\d(\.\d+)?[eE]\+(1[6-9]|[2-9]\d|\d{3})"
                         r"|\d{16,}\.0)\s*$")
#: An integer of 7 digits or more written in scientific notation with fewer digits than it
#: has (``1.23457E+11``: 6 of 12), as a spreadsheet shows long numbers and saves them: ids
#: that lost their last digits, so stars merge. The "+" and the size keep names
#: such as ``1e5`` or ``2E3`` ids.
_SCIENTIFIC_ID = re.compile(r"^\s*[+-]?\d(\.(?P<digits>\d*))?[eE]\+(?P<power>\d+)\s*$")


def _scientific_id(text: str) -> bool:
    found = _SCIENTIFIC_ID.match(text)
    return (found is not None and int(found["power"]) >= 6
            and int(found["power"]) > len(found["digits"] or ""))


def rounded_id(ids: pd.Series) -> str | None:
    """An id of ``ids`` that is an integer beyond 2**53 held as a float (a number, or a
    float's text), or None. A float keeps about 16 digits, so 18-digit ids (Pan-STARRS's
    objID, Gaia's source_id) that went through one can share an id across stars."""
    if ids.dtype.kind == "f":
        known = ids.to_numpy()[np.isfinite(ids.to_numpy())]
        big = known[np.abs(known) >= 2**53]
        return repr(float(big[0])) if len(big) else None
    if ids.dtype == object or pd.api.types.is_string_dtype(ids):
        # (each distinct id once, in order of first appearance: a survey's table has
        # hundreds of rows a star, and this was a regex and a float a row)
        text = pd.Series(pd.unique(ids.dropna().astype(str)))  # (1 and 1e0: two texts)
        found = text[text.str.match(_ROUNDED_ID)]
        found = found[[abs(float(t)) >= 2**53 for t in found]]  # 1234567890123456.0 is exact
        if not len(found):  # a spreadsheet's 1.23457E+11
            found = text[[_scientific_id(t) for t in text]]
        return str(found.iloc[0]).strip() if len(found) else None
    return None


def rounded_id_text(name: str, column: str, example: str) -> str:
    if _scientific_id(example) and abs(float(example)) < 2**53:
        return (f"{name}: column '{column}': ids such as {example} are written in scientific "
                f"notation, as a spreadsheet shows long numbers, keeping only their first "
                f"digits, so different stars may share one; save the ids as text (the "
                f"column formatted as Text), or export them again from their source")
    return (f"{name}: column '{column}': ids such as {example} are integers beyond 2**53 held "
            f"as floating-point numbers, which keep about 16 digits, so different stars may "
            f"share one; write the ids as integers or text (in pandas, read or cast the "
            f"column as int64 or str before any float)")


def id_text(ids: pd.Series, column: str, name: str, sink: DropReport) -> np.ndarray | None:
    """Each row's star id as text, as stars are named everywhere (a whole-number float as
    the integer: :func:`whole_numbers`), without spaces around it (CSV's "a, b": 'syn-1 '
    and 'syn-1' are one star, as their labels are; counted as ``id_spaces_removed`` rows).
    Ids of one text but another type (1 and "1") are a problem: they would be one star, as
    are integer ids that a float rounded (:func:`rounded_id`)."""
    if (example := rounded_id(ids)) is not None:
        sink.problem(rounded_id_text(name, column, example), "unreadable_file")
        return None
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
        if stripped.has_duplicates:  # both spellings given: said (two stars made one),
            # in words of no file nor id, so once for a folder of partitions
            warnings.warn(f"column '{column}': ids that differ only by spaces around them "
                          f"(as 'a' and 'a ') are read as one star (id_spaces_removed)",
                          LcformerWarning, stacklevel=3)
        text = stripped
    _warn_of_ids_differing_by_leading_zeros(text, column, sink)
    out = np.asarray(text, dtype=object)[codes]
    out[codes < 0] = "nan"  # as astype(str) named a missing id (rows without one are gone)
    return out


#: Counted (ids) where ids of digits differ from another only by leading zeros.
LEADING_ZEROS = "star_ids_differing_by_leading_zeros"


def _warn_of_ids_differing_by_leading_zeros(ids: pd.Index, column: str,
                                            sink: DropReport) -> None:
    """Said, and counted as :data:`LEADING_ZEROS`, where ids of digits differ only by leading
    zeros ('21090771' and '000021090771': a database export that padded some): each is read
    as a star of its own, which splits a star's points in two, without a word, where nothing
    else (a position) tells. Not merged: '007' may be another star than '7'."""
    text = pd.Series(ids.unique(), dtype=object)  # ('7' and ' 7': one star, said already)
    digits = text[text.str.fullmatch(r"\d+").fillna(False).to_numpy(dtype=bool)]
    unpadded = digits.str.lstrip("0")
    twins = unpadded.duplicated(keep=False).to_numpy()
    if not twins.any():
        return
    sink.note(LEADING_ZEROS, int(twins.sum()))
    pair = digits[(unpadded == unpadded[twins].iloc[0]).to_numpy()].iloc[:2].tolist()
    warnings.warn(f"column '{column}': {int(twins.sum()):,} star ids differ from another only "
                  f"by leading zeros ({pair[0]!r} and {pair[1]!r}): each is read as a star of "
                  f"its own; if they are one star, write its ids alike (counted as "
                  f"{LEADING_ZEROS})", LcformerWarning, stacklevel=4)


def star_values(id_codes: np.ndarray, star_first: np.ndarray, values: Any, what: str,
                sink: DropReport | None) -> np.ndarray:
    """Each row's star's value (a label, a split): that of the star's first row that has one
    (an empty cell, or NA, is no value, not one that disagrees); stars whose rows disagree
    are counted as ``{what}_conflict_first_kept``. ``id_codes``: each row's star, 0..n-1;
    ``star_first``: each star's first row."""
    codes, uniques = pd.factorize(pd.Series(values).fillna(""))
    if not len(codes):
        return np.asarray(uniques, dtype=object)[codes]
    given = (label_array(np.asarray(uniques, dtype=object)) != "")[codes]
    star_value = codes[first_given(id_codes, given, star_first)]
    conflicts = given & (codes != star_value[id_codes])
    if sink is not None and conflicts.any():
        sink.note(f"{what}_conflict_first_kept", len(np.unique(id_codes[conflicts])))
    return np.asarray(uniques, dtype=object)[star_value[id_codes]]


def first_given(groups: np.ndarray, given: np.ndarray, first: np.ndarray) -> np.ndarray:
    """Per group (``groups`` numbers each element's, 0..n-1; ``first``: each group's first
    element), its first element where ``given``; ``first`` where it has none. Only the groups
    whose first element lacks a value are searched (a sort of their elements alone)."""
    chosen = first.copy()
    lacking = ~given[first]
    if lacking.any():
        rows = np.flatnonzero(given & lacking[groups])
        found, at = np.unique(groups[rows], return_index=True)
        chosen[found] = rows[at]
    return chosen


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
        return star_values(id_codes, star_first, values, what, sink)[first_row]

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
