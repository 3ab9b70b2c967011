"""Tables read through astropy (FITS, ECSV, VOTable files, and astropy tables given in
Python), shared by the long-table reader (:mod:`.tables`) and the one-star-a-file reader
(:mod:`.star_file`): which of a file's tables to read, a column as plain NumPy values (times
as MJD, masked entries missing) and the factor that puts its declared unit in lcformer's (days,
magnitudes).

Kept apart so that both readers read a file of either kind the same way, and so that astropy,
imported only here and only when such a table is read, stays out of the other readers.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lcformer.data.reading.config import Columns
from lcformer.data.reading.flux import DECLARED_FLUX_UNIT, FLUX_UNIT, UNIT_ZERO_POINTS
from lcformer.data.report import DropReport

#: The HDU of K2SFF's light curves made with the best of its apertures, beside HDUs of the
#: same cadences through other apertures (CIRC_APER0 ...): read alone.
BEST_APERTURE_HDU = "BESTAPER"
#: astropy's ``format=`` of each table format it reads -> the format's name in messages.
ASTROPY_NAMES = {"fits": "FITS", "ascii.ecsv": "ECSV", "votable": "VOTable"}


def one_table(path: Path, form: str, usable: Callable[[list[str]], bool], needs: str,
              sink: DropReport, data: bytes | None = None) -> Any:
    """The table of a FITS or VOTable file whose column names are ``usable`` (a long table's
    and a per-star file's differ), else the first table, whose missing columns are then the
    problem. Two or more usable ones are a problem naming them (and
    ``needs``, what made them usable): HDUs of one layout are most often bands or seasons of
    the same stars, and reading the first alone would drop the others' points without a word
    (as a folder holding two long tables is refused rather than one read and one left unseen).
    K2SFF's are apertures over the same cadences: its ``BESTAPER`` is read, counted as
    ``best_aperture_hdu_read``.
    ``data``: the file's bytes, read from memory (a per-star file in an archive), ``path``
    naming it."""
    from astropy.table import Table

    def source() -> Any:
        return path if data is None else io.BytesIO(data)

    tables: list[tuple[str, list[str], Callable[[], Any]]] = []  # name, columns, loader
    if form == "fits":
        from astropy.io import fits

        with fits.open(source()) as hdus:  # headers only: the data is read by Table.read
            for i, hdu in enumerate(hdus):
                if isinstance(hdu, fits.BinTableHDU | fits.TableHDU):
                    tables.append((f"HDU {i}" + (f" ({hdu.name})" if hdu.name else ""),
                                   list(hdu.columns.names),
                                   lambda i=i: _fits_table(path, i, data)))
        kind = "table HDUs"
    else:
        from astropy.io.votable import parse

        for i, element in enumerate(parse(str(path) if data is None else source())
                                    .iter_tables()):
            table = element.to_table()  # one parse: the arrays are already read
            label = element.ID or element.name
            tables.append((f"table {i + 1}" + (f" ({label})" if label else ""),
                           list(table.colnames), lambda table=table: table))
        kind = "TABLEs"
    if not tables:  # astropy's own message: "No table found"
        return Table.read(source(), format=form)

    found = [t for t in tables if usable(t[1])]
    best = [t for t in found if t[0].endswith(f"({BEST_APERTURE_HDU})")]
    if len(found) > 1 and len(best) == 1:  # K2SFF: its other HDUs repeat the same cadences
        sink.note("best_aperture_hdu_read")
        found = best
    if len(found) > 1:
        sink.problem(f"{path}: {len(found)} {kind} have {needs}: "
                     f"{', '.join(t[0] for t in found)}; lcformer reads one table a file and "
                     f"does not guess which: stack them into one (astropy.table.vstack, with "
                     f"a band column where they are bands) or write each to its own file",
                     "unreadable_file")
        return None
    return (found or tables)[0][2]()


def _fits_table(path: Path, hdu: int, data: bytes | None = None) -> Any:
    """HDU ``hdu`` of a FITS file as a table, where a column of two values a row is an
    astropy ``Time`` (as astropy writes one: jd1, jd2 by FITS's time standard) read as that
    Time (then MJD, as :func:`astropy_column` reads any). Only such columns: astropy's
    ``astropy_native`` read would also make a plain ``TIME`` column in days a Time, moving
    it by the leap seconds between MJDREF and its values. ``data``: the file's bytes."""
    from astropy.table import Table
    from astropy.time import Time

    def source() -> Any:
        return path if data is None else io.BytesIO(data)

    table = Table.read(source(), format="fits", hdu=hdu)
    pairs = [n for n in table.colnames if table[n].ndim == 2 and table[n].shape[1] == 2]
    if pairs:  # read again, as astropy's own time columns
        native = Table.read(source(), format="fits", hdu=hdu, astropy_native=True)
        for name in pairs:
            if isinstance(native[name], Time):
                table.replace_column(name, native[name])
    return table


#: Header keywords of a mission's star number, and how its name is written without OBJECT.
MISSION_IDS = (("TICID", "TIC"), ("KEPLERID", "KIC"))


def fits_object(data: bytes) -> str:
    """The star a mission's FITS light curve is of, by its headers' star number: ``TIC n``
    from TICID (TESS), ``KIC n`` from KEPLERID (Kepler; ``EPIC n`` where the file is K2's,
    whose KEPLERID holds its EPIC number), written one way whatever OBJECT
    says (``TIC 0000007`` and ``TIC 7`` are one star); '' for a file without one, whose
    OBJECT may name a field of many stars, and for one that cannot be read. Every HDU's
    header is looked in, the primary first: a table read keeps only its own HDU's in
    ``.meta``."""
    from astropy.io import fits

    try:
        with fits.open(io.BytesIO(data)) as hdus:
            headers = [hdu.header for hdu in hdus]
    except (OSError, ValueError, TypeError, IndexError, KeyError):
        return ""
    k2 = any(str(h.get("MISSION", "")).strip().upper() == "K2"
             or str(h.get("OBJECT", "")).strip().upper().startswith("EPIC") for h in headers)
    for key, prefix in MISSION_IDS:
        for header in headers:
            number = str(header.get(key, "")).strip()
            if number:
                prefix = "EPIC" if k2 and key == "KEPLERID" else prefix  # K2's own numbers
                return f"{prefix} {int(number) if number.isdigit() else number}"
    return ""


#: Counted where a file's mag column declares a unit astropy does not know: its values are
#: read as they are (magnitudes, or with --flux fluxes, by --zero-point).
UNKNOWN_UNIT = "mag_unit_not_understood_values_read_as_they_are"
#: The same for a time column: read as days.
UNKNOWN_TIME_UNIT = "time_unit_not_understood_read_as_days"
#: Units of time as files spell them and astropy does not read (SuperWASP's "seconds").
TIME_WORDS = {"sec": "s", "secs": "s", "seconds": "s", "mins": "min", "minutes": "min",
              "hrs": "h", "hours": "h", "days": "d"}
#: Flux units as missions write them and astropy does not read: TESS's and Kepler's "e-/s".
FLUX_WORDS = {"e-/s": "electron/s"}


def _calendar_years(column: Any) -> bool:
    """Whether a column in years holds calendar dates (a median of 1000-3000: DASCH's decimal
    years), not a span of Julian years, which 365.25 days each measure exactly."""
    values = np.asarray(column, dtype=float)
    values = values[np.isfinite(values)]
    return bool(len(values)) and 1000 <= float(np.median(values)) <= 3000


def declared_unit(column: Any, name: str, role: str, columns: Columns, mag_unit: Any,
                  path: Path, sink: DropReport) -> float | None:
    """The factor that puts a column in lcformer's units (days; magnitudes), from the unit
    its file declares: hours or seconds become days, mmag magnitudes. None, the problem
    recorded, for a time column in no unit of time. A magnitude column in a flux's unit
    (mJy, ct/s) is counted as :data:`FLUX_UNIT`, which ``to_magnitudes`` refuses without
    --flux; its errors are put in the same unit. Columns without a unit, or one astropy does
    not know, are read as they are."""
    from astropy import units as u
    from astropy.time import Time, TimeDelta

    unit = getattr(column, "unit", None)
    if role == columns.time and unit is not None:  # (VOTable makes "seconds" a unit of its own)
        unit = u.Unit(TIME_WORDS.get(str(unit).strip().lower(), unit), parse_strict="silent")
        words = str(unit).lower()
        if isinstance(unit, u.UnrecognizedUnit) and "day" not in words and "jd" not in words:
            sink.note(UNKNOWN_TIME_UNIT)  # (TESS's "BJD - 2457000, days": days, as read)
    if isinstance(unit, u.UnrecognizedUnit) and str(unit).strip() in FLUX_WORDS:
        unit = u.Unit(FLUX_WORDS[str(unit).strip()])  # a flux: --flux reads it, else refused
    if isinstance(unit, u.UnrecognizedUnit) and role == columns.mag:
        sink.note(UNKNOWN_UNIT)  # read as they are: said, once a file
    if (unit is None or isinstance(column, Time | TimeDelta)
            or isinstance(unit, u.UnrecognizedUnit) or unit == u.dimensionless_unscaled):
        return 1.0
    if role == columns.time:
        if unit.is_equivalent(u.day) and unit.to(u.day) >= 365 and _calendar_years(column):
            sink.problem(f"{path}: time column {name!r} holds years ({unit}) of the calendar "
                         f"(decimal years, 1000-3000): they are dates, not a steady count of "
                         f"days, and times 365.25 they are off by up to a day, which scrambles "
                         f"short periods; give JD or MJD (astropy: Time(years, "
                         f"format='decimalyear').jd)", "unreadable_file")
            return None
        if unit.is_equivalent(u.day):
            return float(unit.to(u.day))
        sink.problem(f"{path}: time column {name!r} is in {unit}, not a unit of time",
                     "unreadable_file")
        return None
    if role not in (columns.mag, columns.err):
        return 1.0
    if unit.is_equivalent(u.mag):  # mag, mmag (an error in dex: its size, in mag)
        factor = float(unit.to(u.mag))
        return abs(factor) if role == columns.err else factor
    if isinstance(unit, u.FunctionUnitBase):  # mag(AB) and the like: magnitudes
        return 1.0
    if role == columns.mag:  # without --flux, to_magnitudes refuses it (flux.py)
        sink.note(FLUX_UNIT)
        if str(unit) in UNIT_ZERO_POINTS:  # nJy, uJy: with --flux, checked against its AB
            sink.note(DECLARED_FLUX_UNIT + str(unit))  # zero point (a prefix off: 7.5 mag)
        return 1.0
    if mag_unit is not None and not isinstance(mag_unit, u.UnrecognizedUnit) and \
            unit.is_equivalent(mag_unit):  # a flux's errors, in the flux's unit
        return abs(float(unit.to(mag_unit)))
    return 1.0


def astropy_column(column: Any) -> np.ndarray:
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
