"""What every reader shares about files: the errors a file that is not what its name says
raises (a per-star file's, by its line: :class:`FileProblem`), and naming it in one line;
raising the problems collected when no report was given; telling CSV from FITS; and the
small text tables beside the light curves (labels, catalogues)."""

from __future__ import annotations

import csv
import io
import os
import re
import warnings
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.reading.config import Columns
from lcformer.data.report import DropReport
from lcformer.errors import InputError

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
              "their own, with catalog.csv beside them for labels (see macho_samples)")
# What pandas, pyarrow, gzip and astropy raise for a file that is not what its name says.
READ_ERRORS = (ValueError, OSError, EOFError, TypeError, IndexError, KeyError, OverflowError,
               csv.Error, zlib.error)


def finish(sink: DropReport, report: DropReport | None, what: str) -> None:
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
    except InputError:
        raise
    except READ_ERRORS as error:
        raise InputError(cannot_read(path, error, what) + hint) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame.apply(lambda c: c.str.strip())


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


#: Column names that hold each row's band in survey tables (ZTF's filtercode and fid, Gaia's
#: band, "FILTER" of many FITS files, ASAS-SN Sky Patrol 2's phot_filter), compared ignoring
#: case.
BAND_NAMES = ("band", "filter", "filtercode", "filtername", "filter_name", "filterid",
              "filter_id", "fid", "passband",
              "bandpass", "band_name", "phot_filter", "filt")  # AAVSO's FILT
#: Names that take a role only where no other column of the file has it: Pan-STARRS's
#: filterID beside a filter column, its obsTime beside an mjd (a file that had one band or
#: time column must not become one of two).
SECONDARY_NAMES = ("filterid", "filter_id", "obstime")


def primary(indices: list[int], names: list[str]) -> list[int]:
    """``indices`` of ``names`` without the :data:`SECONDARY_NAMES` where others remain."""
    kept = [i for i in indices if names[i].strip("\"'").lower() not in SECONDARY_NAMES]
    return kept or indices
#: ATLAS forced photometry names its filter (c, o) ``F``, beside its flux ``uJy``: a column
#: "F" is a band there only (elsewhere it may be a flux).
ATLAS_BAND, ATLAS_FLUX = "F", "uJy"


def band_columns(names: list[str], first: list[str] | None = None) -> list[int]:
    """Indices of the columns of ``names`` that name a band (``BAND_NAMES``), else ATLAS's F,
    but where a text file's first data row (``first``, its fields) holds a number there."""
    bare = [n.strip("\"'") for n in names]
    named = primary([i for i, n in enumerate(bare) if n.lower() in BAND_NAMES], bare)
    if named or ATLAS_BAND not in bare or ATLAS_FLUX not in bare:
        return named
    at = bare.index(ATLAS_BAND)
    value = first[at].strip().lower() if first is not None and len(first) > at else ""
    return [] if value not in ("", "nan") and is_number(value) else [at]


#: The longest run of characters two columns' names may differ in to be two bands of one
#: quantity (w1mpro, w2mpro; mag_g, mag_r; Vmag, Bmag).
_BAND_TOKEN = 2


def band_tokens(name: str, other: str) -> tuple[str, str] | None:
    """Where two column names differ only in a short run of letters or digits (at most
    :data:`_BAND_TOKEN`), the rest (at least two characters) the same, those two runs
    (w1mpro, w2mpro: "1", "2"); else None."""
    start = len(os.path.commonprefix([name, other]))  # noqa: RUF071 (characters, not paths)
    tail = len(os.path.commonprefix([name[start:][::-1], other[start:][::-1]]))  # noqa: RUF071
    mine, theirs = name[start:len(name) - tail], other[start:len(other) - tail]
    if (0 < len(mine) <= _BAND_TOKEN and 0 < len(theirs) <= _BAND_TOKEN
            and mine.isalnum() and theirs.isalnum() and start + tail >= 2):
        return mine, theirs
    return None


def _band_name(name: str, token: str) -> str:
    """A band's name from its token in a column's name: a digit keeps the letter before it
    where that letter starts the name or a word (w1mpro: "w1"; mag2: "2")."""
    at = name.index(token)
    before = name[at - 1] if at else ""
    if token.isdigit() and before.isalpha() and (at == 1 or not name[at - 2].isalnum()):
        return before + token
    return token


def _names_a_band(name: str, token: str) -> bool:
    """Whether a token of a column's name can name a band: letters (mag_g, Vmag) or a
    letter and a digit (w1mpro), not a digit alone (ASAS's apertures MAG_0 ... MAG_4)."""
    band = _band_name(name, token)
    return band.isalpha() or (band[:1].isalpha() and band[1:].isdigit())


def other_bands_warning(found: list[str], read: set[str],
                        mags: Sequence[tuple[str, str, str]]) -> str | None:
    """What to say where columns not ``read`` look like another band of a magnitude column
    read (``mags``: band, mag, err, as :attr:`Columns.mags`; NEOWISE's w2mpro beside the
    w1mpro read): the columns, and the ``--columns`` that reads every band; else None."""
    unread = [n for n in found if n not in read and not is_flag_name(n)]
    bands = [(band, mag, err) for band, mag, err in mags]  # what to give: what is read...
    extra: list[str] = []
    for band, mag, err in mags:
        for other in unread:
            tokens = band_tokens(mag, other)
            if tokens is None or other in extra or not all(
                    map(_names_a_band, (mag, other), tokens)):
                continue
            if not band:  # the band read so far has no name: its token names it
                band = _band_name(mag, tokens[0])
                bands[0] = (band, mag, err)
            errors = [n for n in unread if err and band_tokens(err, n) == tokens]
            name = _band_name(other, tokens[1])
            if name in {b for b, _, _ in bands}:
                continue
            bands.append((name, other, errors[0] if len(errors) == 1 else ""))
            extra += [other, *errors[:1]]
    if not extra:
        return None
    given = ",".join(f"mag:{band}={mag}" + (f",err:{band}={err}" if err else "")
                     for band, mag, err in bands)
    read_mags = ", ".join(repr(mag) for _, mag, _ in mags)
    one = len(extra) == 1
    return (f"column{'' if one else 's'} {', '.join(map(repr, extra))} "
            f"{'looks' if one else 'look'} like another band of {read_mags} and "
            f"{'is' if one else 'are'} not read: read each band as its own curve with "
            f"--columns {given} (with your time, flag... as before; the band names are "
            f"yours to choose)")


def is_number(token: str) -> bool:
    """Whether text reads as a number (a header line has none)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


#: Column names that name each row's star (compared ignoring case; CRTS says MasterID). Not
#: ZTF's ``oid``: one star's IRSA light curve holds an oid per field and filter.
ID_NAMES = ("id", "star", "star_id", "starid", "source_id", "sourceid", "objectid", "object_id",
            "objid", "obj_id", "name", "object", "target", "masterid")
#: Where a table of several stars goes, said where one is met among per-star files.
TABLE_OF_STARS = ("give such a table as a file of its own, or as a folder's lightcurves.csv "
                  "(or .parquet) beside a labels.csv of id,class")
#: Surveys' own star-id columns (ZTF's oid, Rubin's diaObjectId, TESS's TIC, Kepler's KIC,
#: K2's EPIC): in a lone file, one holding several stars makes it a table. Not
#: :data:`ID_NAMES`: a ZTF file of one star may hold an oid per field and filter, all that
#: star's, so an oid is neither suggested as the id nor refused in a folder's files.
SURVEY_ID_NAMES = ("oid", "diaobjectid", "tic", "ticid", "tic_id", "kic", "kicid", "kic_id",
                   "kepid", "epic", "epicid", "epic_id", "designation", "ztf_id")


#: Column names of a star's time, magnitude and error (lower case; a band or unit may follow
#: an underscore: mag_v, hjd_2450000). Per-star files are read by them; a long table's
#: column error suggests them (its columns are read as --columns names them).
TIME_NAMES = ("time", "t", "jd", "hjd", "mjd", "bjd", "btjd", "bkjd", "date", "dateobs",
              "obstime")  # Pan-STARRS's obsTime (MJD)
MAG_NAMES = ("mag", "m", "magnitude")
ERR_NAMES = ("err", "error", "magerr", "mag_err", "emag", "e_mag", "sigma", "e", "dmag",
             "merr")  # AAVSO's MERR


def time_corrected(name: str) -> bool:
    """A time corrected for the light's travel to the Sun or the barycentre (HJD, BJD,
    TESS's BTJD, Kepler's BKJD), which a period search wants over the observer's MJD."""
    return name.lower().strip("\"'").startswith(("hjd", "bjd", "btjd", "bkjd"))


def column_role(name: str) -> str | None:
    """"time", "mag" or "err" for a column name of one (HJD, mag_v, sigma), else None."""
    key = name.lower().strip("\"'")
    for found, options in (("err", ERR_NAMES), ("time", TIME_NAMES), ("mag", MAG_NAMES)):
        if key in options or any(key.startswith(o + "_") for o in options):
            return found
    if re.fullmatch(r"[hbm]?jd\s*-\s*\d+(\.\d+)?", key):  # OGLE's and KELT's HJD-2450000
        return "time"
    return None


#: Columns of each point's signal-to-noise ratio (Gaia DR3's epoch photometry gives no
#: magnitude error, only flux_over_error): read as the errors, 2.5 / ln 10 / SNR, where a
#: magnitude has no error column.
SNR_NAMES = ("flux_over_error",)


def is_snr_name(name: str) -> bool:
    """Whether a column so named holds signal-to-noise ratios (:data:`SNR_NAMES`)."""
    return name.strip("\"'").lower() in SNR_NAMES


def snr_column(names: list[str], mag: str) -> str | None:
    """The one column of ``names`` that holds the signal-to-noise ratio of the magnitudes
    ``mag`` (not of a flux, whose own error column is read), else None."""
    found = [n for n in names if is_snr_name(n)]
    return found[0] if len(found) == 1 and "flux" not in mag.lower() else None


def error_columns(names: list[str], mag: str) -> list[str]:
    """The columns of ``names`` that may hold the errors of the column ``mag``: those named
    after it (Magerr, flux_err, e_flux, PDCSAP_FLUX_ERR) where there are any, else those
    named as errors (err, sigma, magerr), but not a magnitude's (magerr) for a flux."""
    m = mag.lower().strip("\"'")
    own = ({m + end for end in ("err", "_err", "error", "_error", "unc", "_unc", "_sigma")}
           | {start + m for start in ("e", "e_", "sigma_", "err_")}
           | ({"d" + m} if ATLAS_FLUX in names else set()))  # ATLAS's m, dm
    named = [n for n in names if n.lower().strip("\"'") in own]
    if named:
        return named
    flux = "flux" in m
    return [n for n in names if column_role(n) == "err" and not (flux and "mag" in n.lower())]


def suggested_columns(found: list[str], columns: Columns,
                      holds_flags: Callable[[str], bool] | None = None) -> dict[str, str]:
    """``--columns`` role -> the column of ``found`` whose name suggests it, for the roles id,
    time, mag, err, band and flag where ``columns`` names no column found and one name fits
    (of several times, the one heliocentric or barycentric; a flag only where
    ``holds_flags`` says its values are flags): what a column error proposes.
    The readers do not take these themselves: a table's columns are read as ``--columns``
    says."""
    def fits(name: str, role: str, mag: str | None) -> bool:
        if role in ("id", "band"):
            return name.lower() in (ID_NAMES if role == "id" else BAND_NAMES)
        if role == "err":
            return mag is not None and name in error_columns(found, mag)
        if role == "flag":
            return is_flag_name(name) and (holds_flags is None or holds_flags(name))
        return column_role(name) == role

    resolved = columns.resolve(found)
    free = [n for n in found if n not in resolved.all]
    guess: dict[str, str] = {}
    for role in ("id", "time", "mag", "err", "band", "flag"):
        if role == "flag" and not columns.flag:  # flag= reads none
            continue
        if getattr(resolved, role) in found:
            continue
        mag = resolved.mag if resolved.mag in found else guess.get("mag")
        options = [n for n in free if n not in guess.values() and fits(n, role, mag)]
        if role in ("time", "band") and len(options) > 1:
            options = [options[i] for i in primary(list(range(len(options))), options)]
        if role == "time" and len(options) > 1:
            options = [n for n in options if time_corrected(n)] or options
        if role == "mag" and not options:  # a table of fluxes: read with --flux (QA's TESS)
            options = [n for n in free if n not in guess.values() and is_flux_name(n)]
        if len(options) == 1:
            guess[role] = options[0]
    return guess


def is_flux_name(name: str) -> bool:
    """A column named as a flux (``flux``, ``PDCSAP_FLUX``), not as its error."""
    low = name.lower()
    return "flux" in low and "mag" not in low and not any(
        word in low for word in ("err", "sigma", "unc", "ivar"))


#: Surveys' own table layouts, recognised by their column names (ignoring case), and the
#: options that read them: said when a table's columns do not match.
SURVEY_LAYOUTS = (
    ("Rubin's DiaSource, whose scienceFlux is the direct image's (nJy)",
     ("diaObjectId", "midpointMjdTai", "scienceFlux", "scienceFluxErr"),
     "--columns id=diaObjectId,time=midpointMjdTai,mag=scienceFlux,err=scienceFluxErr "
     "--flux --zero-point 31.4 (in Python: lcformer.flux_to_magnitudes with zero_point=31.4 "
     "on what read_long_table reads)"),
    ("a TESS or Kepler light curve (SPOC), whose fluxes are in e-/s",
     ("TIME", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR"),
     "--columns mag=PDCSAP_FLUX,err=PDCSAP_FLUX_ERR --flux, with --zero-point 20.44 for "
     "TESS magnitudes (its QUALITY flags are read by themselves)"),
    ("ZTF detections as the ALeRCE broker serves them, whose magpsf is the difference "
     "image's",
     ("oid", "mjd", "fid", "magpsf_corr", "sigmapsf_corr", "dubious"),
     "--columns id=oid,time=mjd,mag=magpsf_corr,err=sigmapsf_corr,band=fid,flag=dubious "
     "--band-names 1=g,2=r,3=i (magpsf_corr is the star's own magnitude)"),
    ("Rubin's DiaSource without scienceFlux",
     ("diaObjectId", "midpointMjdTai", "psfFlux", "psfFluxErr"),
     "its psfFlux is a difference-image flux, which --flux does not read (add each star's "
     "reference flux first, or use scienceFlux)"),
    ("PLAsTiCC, whose fluxes are difference-image fluxes (FLUXCAL, zero point 27.5) with no "
     "reference flux, so magnitudes from them are not the stars'",
     ("object_id", "mjd", "passband", "flux", "flux_err", "detected"),
     "--columns id=object_id,time=mjd,mag=flux,err=flux_err,band=passband --flux "
     "--zero-point 27.5 --band-names 0=u,1=g,2=r,3=i,4=z,5=y, and its metadata's object_id "
     "and target as labels.csv (--columns class=target)"),
    ("ELAsTiCC's DiaSource, whose psFlux is a difference-image flux with no reference flux, "
     "so magnitudes from it are not the stars'",
     ("diaObjectId", "midPointTai", "filterName", "psFlux", "psFluxErr"),
     "--columns id=diaObjectId,time=midPointTai,mag=psFlux,err=psFluxErr,band=filterName "
     "--flux, with --zero-point for its flux unit (31.4 for nJy)"),
)
#: Flux columns that hold a difference-image flux (the star's minus a reference image's)
#: wherever they are: ZTF's forced photometry, Rubin's forced sources, SNANA's FLUXCAL.
DIFFERENCE_FLUXES = frozenset({"forcediffimflux", "psfdiffflux", "fluxcal"})
#: psfFlux (psFlux in ELAsTiCC) is one beside these columns of difference-image sources
#: (Pan-STARRS's and a Rubin Object's psfFlux are direct, and so is a Rubin forced source's
#: beside its psfDiffFlux); PLAsTiCC's flux beside these.
DIA_COLUMNS = frozenset({"diaobjectid", "diasourceid", "midpointtai", "midpointmjdtai"})
PLASTICC_COLUMNS = frozenset({"passband", "detected"})


def difference_flux(found: list[str], mag: str) -> bool:
    """Whether column ``mag`` of a table (or file) of columns ``found`` is a difference-image
    flux."""
    lower, name = {c.lower().strip("\"'") for c in found}, mag.lower().strip("\"'")
    return (name in DIFFERENCE_FLUXES
            or (name in ("psfflux", "psflux") and bool(lower & DIA_COLUMNS)
                and "psfdiffflux" not in lower)
            or (name == "flux" and PLASTICC_COLUMNS <= lower))


def warn_of_difference_flux(found: list[str], mag: str) -> None:
    """Say that ``mag`` is a difference-image flux (:func:`difference_flux`), not naming the
    file: once for a folder of such files (QA: PLAsTiCC's and ELAsTiCC's ran to exit 0)."""
    if difference_flux(found, mag):
        warnings.warn(f"column {mag!r} is a difference-image flux (the star's flux minus a "
                      f"reference image's), not the star's own: magnitudes from it are wrong "
                      f"for variable stars (fluxes far below zero are dropped, periods and "
                      f"amplitudes change), and classes learnt from them are those of "
                      f"difference fluxes; add each star's reference flux first where the "
                      f"survey gives it", stacklevel=3)


def survey_layout_hint(found: list[str]) -> str:
    """'; this looks like <survey>: <options>' for a table whose columns are a survey's
    layout, else ''."""
    lower = {name.lower() for name in found}
    for survey, names, options in SURVEY_LAYOUTS:
        if all(name.lower() in lower for name in names):
            return f"; this looks like {survey}: {options}"
    return ""


def is_flag_name(name: str) -> bool:
    """A column name that marks bad rows: flag(s), catflags (ZTF), QUALITY (TESS),
    rejected_by_variability (Gaia), dubious (ALeRCE's ZTF detections). Not CRTS's Blend,
    which other tables use for fractions: ``--columns flag=Blend`` reads it."""
    name = name.lower()
    return ("flag" in name or "quality" in name or name.startswith("rejected")
            or name == "dubious")
