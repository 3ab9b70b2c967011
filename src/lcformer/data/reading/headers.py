"""Which columns of a per-star text file are its time, mag, err, band and quality flag.

A file's header is its first line without a number, or else the last comment line before
the data where that reads as column names (ATLAS's ``###MJD m dm uJy ...``). Its names are
read by the names per-star files use (:func:`~.column_names.column_role`: ``HJD``, ``mag_v``,
``sigma``, ZTF's ``filtercode`` and ``catflags``...) or those ``--columns`` gives; a role
that several columns could take is refused, not guessed. :mod:`.star_file` reads the values
of the columns found here; :mod:`.ipac` and FITS, ECSV and VOTable tables use the same rules.
"""

from __future__ import annotations

import io

from lcformer.data.reading.column_names import (
    ID_NAMES,
    TABLE_OF_STARS,
    band_columns,
    bare_name,
    column_role,
    error_columns,
    is_flag_name,
    is_number,
    snr_column,
    survey_layout_hint,
    time_corrected,
    warn_of_difference_flux,
    without_secondary,
)
from lcformer.data.reading.config import ROLE_ALIASES, Columns
from lcformer.data.reading.files import MACHO_FILE, TAP_COLUMNS, FileProblem, names_text
from lcformer.errors import ConfigError

#: The roles of a file without a header's first columns, read by position.
POSITIONS = ("time", "mag", "err")
#: The roles of a per-star file's columns that --columns may name (the id, class and split
#: of a star are its file name's and its catalogue's).
FILE_ROLES = ("time", "mag", "err", "band", "flag")
#: Of several quality-flag columns, the one read (Gaia DR3's epoch photometry has three:
#: rejected_by_photometry, rejected_by_variability and other_flags; its variability
#: processing leaves out the rows of the second).
PREFERRED_FLAGS = ("rejected_by_variability",)
#: Semicolon-separated values, as spreadsheets save "CSV" where the decimal mark is a comma
#: (a long table's reader says the same of its one column "id;time;mag").
DECIMAL_COMMAS = ", with decimal=',' where numbers have decimal commas (58007,36)"
SEMICOLONS = ("its values seem separated by ';', and lcformer reads comma- or whitespace-"
              "separated text; convert the file (in pandas: pd.read_csv(path, sep=';')"
              f".to_csv(...){DECIMAL_COMMAS})")
PIPES = ("its values seem separated by '|', and lcformer reads comma- or whitespace-separated "
         "text; convert the file (in pandas: pd.read_csv(path, sep='|').to_csv(...))")
#: Words of a comment that is a sentence, not column names ("# time vs mag").
PROSE_WORDS = frozenset({"vs", "vs.", "versus", "of", "in", "and", "the", "a", "an", "for",
                         "series", "curve", "light", "with", "on", "at", "to", "from", "by",
                         "is", "are", "per", "each", "data", "star"})
#: How a text file's columns could be read without their names; a table's (FITS, ECSV,
#: VOTable) are always read by them, and a flux column may take the mag role.
_BY_POSITION = (", or leave the header out to read the columns as time, mag[, err] in that "
                "order")
_TABLE_COLUMNS = " (a column of fluxes: as mag, with --flux)"


def header_and_first_line(text: str, given: frozenset[str] = frozenset()
                          ) -> tuple[int, list[str], int, str, list[str]]:
    """(line of the header or 0, its names, line of the first data line, that line, the names
    a comment gives a file read by position all the same: HATNet's ``#HJD IM1 IE1 IQ1 ...``,
    which names a time over more than three columns but no magnitude): a first
    line without any number is a header; ``#`` starts a comment. A file without one may give
    its names in the last comment line before the data (ATLAS's ``###MJD m dm uJy ...``,
    ``# time mag err``): they are its header where they are as many as the data's columns
    and name a time and a magnitude."""
    header_line, first_line, first, names = 0, 0, "", []
    comment_line, comment_fields, comment = 0, [], ""
    for line_no, line in enumerate(io.StringIO(text), start=1):  # header lines only
        content = line.split("#", 1)[0].strip()
        if not content:
            if line.lstrip().startswith("#"):
                comment_line, comment_fields = line_no, comment_names(line, given)
                comment = line
            continue
        if _semicolons(content):
            raise FileProblem(line_no, SEMICOLONS)
        if (not content.startswith("|") and "," not in content  # (IPAC's lines; a note)
                and sum(map(is_number, content.split("|"))) >= 2):
            raise FileProblem(line_no, PIPES)
        if not any(is_number(t) for t in split_fields(content)):
            if header_line == 0:
                header_line, names = line_no, split_fields(content)
                continue
        first_line, first = line_no, content
        break
    columns = len(split_fields(first)) if first else 0
    if not header_line and first and len(comment_fields) == columns >= 2:
        header_line, names = comment_line, comment_fields
    # HATNet's "#HJD IM1 IE1 IQ1 EP1 ... TF1": read by position, its raw IM1 would be taken for the
    # magnitude without a word; said by the reader, not refused: "# JD V err flag" is
    # read right so
    commented = [] if header_line or columns <= len(POSITIONS) or not comment else (
        comment_names(comment, given, time_alone=True))
    if not first:
        if names and names[0].startswith("<"):  # a web page saved in its place
            raise FileProblem(header_line, "not a light curve: markup (<...>), as a failed "
                              "download leaves in a light curve's place")
        raise FileProblem(max(header_line, 1), "no data lines", "empty_file")
    return header_line, names, first_line, first, (commented if len(commented) == columns
                                                   else [])


def comment_names(line: str, given: frozenset[str] = frozenset(), *,
                  time_alone: bool = False) -> list[str]:
    """The column names a comment line gives (``###MJD m dm ...``): none where it holds a
    number or a sentence's word, or names neither a time and a magnitude (a time alone,
    ``time_alone``) nor every column ``given`` (lower-case names ``--columns`` gives). Of
    several times one must be heliocentric or barycentric ("# hjd mjd mag": "# Date Time
    Mag" is a caption); several magnitudes are the header's to refuse
    (:func:`header_columns`)."""
    fields = split_fields(line.strip().lstrip("#").strip())
    if any(is_number(f) or f.lower() in PROSE_WORDS for f in fields):
        return []
    if given and given <= {f.strip("\"'").lower() for f in fields}:
        return fields
    times = [f for f in fields if column_role(f) == "time"]
    times = [times[i] for i in without_secondary(list(range(len(times))), times)]
    if len(times) > 1 and sum(map(time_corrected, times)) != 1:
        return []
    return fields if times and (time_alone or any(column_role(f) == "mag" for f in fields)) else []


def header_columns(names: list[str], line: int, columns: Columns | None = None,
                   strict: bool = True, first: list[str] | None = None, *, table: bool = False,
                   one_band: bool = True) -> tuple[tuple[int, ...], list[int], list[int]]:
    """The header's columns of time, mag[, err], its band column and its quality-flag column
    (each list empty or one): where ``columns`` names them, those; else by the names per-star
    files use (:func:`column_role`, ``BAND_NAMES``, :func:`is_flag_name`). Of several that
    could take a role, the one named as ``columns`` names the role wins, then for the time a
    heliocentric or barycentric one, for the flag Gaia's ``rejected_by_variability``; else
    the file is refused: read by position, a header "mag,err,hjd" gave times from the
    magnitudes. ``table``: a FITS, ECSV or VOTable table's names, which have no position to
    fall back on. Without an err column, Gaia's ``flux_over_error`` gives the errors where
    a row holds ``one_band`` (:func:`~.column_names.snr_column`)."""
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
        snr = snr_column(names, names[found["mag"][0]]) if one_band else None
        if not found["err"] and snr is not None:  # Gaia's flux_over_error (star_file reads it)
            found["err"] = [names.index(snr)]
    if len(found["time"]) > 1:
        corrected = [i for i in found["time"] if time_corrected(names[i])]
        found["time"] = (corrected if len(corrected) == 1  # hjd by mjd
                         else without_secondary(found["time"], names))  # mjd by obsTime
    if len(found["flag"]) > 1:
        preferred = [i for i in found["flag"] if bare[i].lower() in PREFERRED_FLAGS]
        found["flag"] = preferred if len(preferred) == 1 else found["flag"]  # Gaia's
    if len(found["time"]) != 1 or len(found["mag"]) != 1 or len(found["err"]) > 1:
        ids = [n for n in bare if bare_name(n) in ID_NAMES]
        several = (f"; if it holds several stars (by its column {ids[0]!r}), {TABLE_OF_STARS}"
                   if ids else "")  # PLAsTiCC's training_set.csv among star files
        raise FileProblem(line, f"the header {names_text(names)} does not name one time and "
                          f"one mag column (and at most one err): name them time (or jd, hjd, "
                          f"mjd, bjd), mag and err, or give --columns time=NAME,mag=NAME"
                          f"{_TABLE_COLUMNS if table else _BY_POSITION}{several}"
                          f"{survey_layout_hint(names)}")
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
    warn_of_difference_flux(names, names[found["mag"][0]])  # ZTF's forcediffimflux files
    return ((found["time"][0], found["mag"][0], *found["err"]), found["band"], found["flag"])


def header_bands(names: list[str], line: int, columns: Columns | None = None,
                 strict: bool = True, first: list[str] | None = None, *, table: bool = False
                 ) -> tuple[dict[str, tuple[int, ...]], list[int], list[int]]:
    """:func:`header_columns` of each band a row holds: ``{band: (time, mag[, err])}``, its
    band column and its flag column, which applies to every band. One band of no name
    (``{"": ...}``) but where ``columns.per_band`` names each band's own mag and err
    (NEOWISE's ``mag:W1=w1mpro,mag:W2=w2mpro``); not ``strict`` (a trained run's names),
    those of its bands whose mag the header has, or else the file's own names."""
    columns = columns or Columns()
    lower = {n.strip("\"'").lower() for n in names}
    bands = [band for band, mag, _ in columns.mags
             if band and (strict or mag.lower() in lower)]
    if not bands:
        plain = columns.replace(per_band=()) if columns.per_band else columns
        wanted, band_at, flag_at = header_columns(names, line, plain, strict, first,
                                                  table=table)
        return {"": wanted}, band_at, flag_at
    found = {}
    for band in bands:
        found[band], band_at, flag_at = header_columns(names, line, columns.for_band(band),
                                                       strict, first, table=table,
                                                       one_band=False)
    if band_at:  # each row's band named twice: by its column and by --columns
        raise FileProblem(line, f"column {names[band_at[0]]!r} looks like each row's band, "
                          f"but --columns reads the bands {', '.join(bands)} from their own "
                          f"columns: give one or the other")
    return found, band_at, flag_at


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
    for band in columns.per_band:  # mag:W1, err:W1
        given |= {f"mag:{band.band}": band.mag} | (
            {f"err:{band.band}": band.err} if band.err else {})
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


def names_macho(names: list[str]) -> bool:
    """Whether a header is a MACHO archive (TAP) file's: read by :mod:`.macho`, not here."""
    return set(TAP_COLUMNS) <= {str(n).strip().lower() for n in names}


def _semicolons(content: str) -> bool:
    """Whether a line is semicolon-separated: a header ``time;mag;err`` (one field by commas
    and blanks), or values, decimal commas allowed, quoted or empty fields too."""
    fields = [f.strip().strip("\"'") for f in content.split(";")]
    if len(fields) < 2:
        return False
    if len(split_fields(content)) == 1:
        return True  # time;mag;err, or 1;12.5;0.1
    numbers = [f for f in fields if f]
    return len(numbers) >= 2 and all(is_number(f.replace(",", ".")) for f in numbers)


def split_fields(content: str) -> list[str]:
    return [t.strip() for t in content.split(",")] if "," in content else content.split()
