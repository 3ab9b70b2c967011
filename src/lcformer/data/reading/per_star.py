"""One light-curve file per star, optionally with a catalogue of ``filename,class``.

This is the layout of much research code and of the ASAS training set of Richards et al. (2012).
The files may sit in a folder or in an archive (.tar[.gz|.bz2|.xz], .tgz, .tbz2, .zip) that is
read in memory, never extracted. Each file is parsed by :mod:`.star_file` (a loop over files, never
over points).
"""

from __future__ import annotations

import os
import posixpath
import re
import tarfile
import unicodedata
import warnings
import zipfile
from collections import defaultdict
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves, label_array
from lcformer.data.reading.column_names import (
    ID_NAMES,
    column_role,
    is_number,
    is_survey_id_name,
)
from lcformer.data.reading.columns import rounded_id, rounded_id_text
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import (
    READ_ERRORS,
    FileProblem,
    PathLike,
    cannot_read,
    each_warning_once,
    first_few,
    names_text,
    no_rows,
    raise_unreported,
    read_str_table,
)
from lcformer.data.reading.flux import FLUX_UNIT, MAG_UNIT
from lcformer.data.reading.headers import file_columns
from lcformer.data.reading.labels import loose_id
from lcformer.data.reading.one_star import (
    BAND_FOLDERS,
    band_folder,
    file_name_bands,
    file_stem,
    folder_bands,
    join_curves,
    name_band,
    object_stars,
    one_stars_files,
    star_ids,
)
from lcformer.data.reading.positions import ONE_STAR_ARCSEC, SEVERAL_POSITIONS
from lcformer.data.reading.star_file import Curve, header_object, is_votable, parse_curves
from lcformer.data.report import DropReport
from lcformer.errors import InputError, LcformerWarning

ARCHIVE_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".zip")
# Files that are never light curves, skipped when no ``suffix`` says which files are data.
#: The catalogue's name in a folder (or archive) of per-star files.
CATALOGUE = "catalog.csv"
NOT_LIGHT_CURVES = frozenset(
    ".md .rst .html .pdf .png .jpg .jpeg .gif .svg .json .yaml .yml .toml .py .ipynb .parquet"
    " .xml .log .crc".split()
)  # but an .xml file that is a VOTable is read (Gaia DataLink saves epoch photometry so)
#: Files Windows and macOS leave in folders and zips (thumbnail caches, folder settings, a
#: custom folder icon's ``Icon\r``), by their lower-cased names: never light curves, skipped
#: by name and counted (``skipped_non_data_file``), since their suffixes (.db, .ini, none) may
#: be a folder's data files'. Read, each was an unreadable star: predict exited 1.
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini",
                          "icon\r"})


def _system_file(rel: str) -> bool:
    return posixpath.basename(rel).lower() in SYSTEM_FILES


def _nfc(name: str) -> str:
    """A name in Unicode's composed form (NFC): macOS writes file names decomposed (NFD,
    'e' then an accent), which a catalogue typed elsewhere spells composed; both look alike."""
    return unicodedata.normalize("NFC", name)


def _lcformer_output(rel: str) -> bool:
    """A problems file lcformer writes (prepare's problems.txt, predict's NAME_problems.txt),
    perhaps into the data folder: not a star's (read as one, it has "no data lines")."""
    name = posixpath.basename(rel)
    return name == "problems.txt" or name.endswith("_problems.txt")
# ---------------------------------------------------------------------- public readers
@each_warning_once()  # its files warn alike
def read_catalogue_folder(
    catalogue: PathLike | pd.DataFrame,
    source: PathLike,
    filename_column: str = "filename",
    class_column: str = "class",
    suffix: str | None = None,
    report: DropReport | None = None,
    columns: Columns | None = None,
    strict_columns: bool = True,
) -> LightCurves:
    """Light curves of the catalogue's files, labelled with its classes (``columns``: the
    files' header names of time, mag, err, band and flag, where not the usual ones, and
    ``strict_columns``: :func:`parse_curves`; a mapping of id, label or split is an error).

    The catalogue has a row per file: its name (column ``filename``, or ``path``, the research
    layout, where ``filename`` is the default and absent) and class, and may give its
    ``band``, its star's ``id`` and its ``split``, which is kept. A catalogue without a class
    column labels no star (``predict`` reads it so). How names find files:
    :func:`_files_to_read`; which files are one star: :func:`_stars_of_files`.

    Counted in ``report``: a catalogue row without a file (``missing_file``); a name that
    matches several files (``ambiguous_catalogue_entry``, a problem: the files are read
    unlabelled); a data file not in the catalogue, read with label "" (``not_in_catalogue``),
    or with its star's class where the catalogue lists another band of it
    (``labelled_by_their_star``).

    Raises :class:`InputError` even with a report (nothing could be matched) where the
    catalogue cannot be read, lacks the file column or lists one file with two classes, or the
    source is not a folder or archive; so does a catalogue file of only a header, which lists
    no file to read, and another ``catalog.csv`` among the files that differs from it.
    """
    sink = DropReport() if report is None else report
    columns = file_columns(columns, source)
    cat, files, shown = _catalogue_and_files(catalogue, source, filename_column, class_column,
                                             suffix, sink)
    folder = _Folder(source, files, shown, sink, columns, strict_columns)
    listed = _read_listed_files(cat, folder, suffix)
    _read_other_files(folder, listed, suffix)
    _refuse_mixed_units(folder.units, source)
    ids, bands, arrays, (labels, splits) = _stars_of_files(cat, folder, listed)
    raise_unreported(sink, report, f"{cat.name} with {source}")
    return _assemble(ids, arrays, labels if cat.has_class else None,
                     splits if cat.has_split else None, bands)


def _catalogue_and_files(catalogue: PathLike | pd.DataFrame, source: PathLike,
                         filename_column: str, class_column: str, suffix: str | None,
                         sink: DropReport
                         ) -> tuple[_Catalogue, dict[str, Callable[[], bytes]], str]:
    """The catalogue, the files it may name and their names' prefix in messages. Neither the
    catalogue nor another ``catalog.csv`` among the files is a star: a copy of it is not
    read, one that differs is refused (:func:`_other_catalogues`)."""
    cat_name = "catalogue DataFrame" if isinstance(catalogue, pd.DataFrame) else str(catalogue)
    files, shown = list_files(Path(source), sink)
    table, filename_column, has_class = _catalogue_table(catalogue, source, files, cat_name,
                                                         filename_column, class_column)
    if "id" in table and (example := rounded_id(table["id"])) is not None:
        raise InputError(rounded_id_text(cat_name, "id", example))
    if not isinstance(catalogue, pd.DataFrame):  # a DataFrame given is the caller's choice
        files.pop(_relative_to(Path(catalogue), Path(source)) or "", None)  # not a light curve
        _other_catalogues(files, table if has_class else table.drop(columns=class_column),
                          Path(catalogue), Path(source), sink)
    if suffix is not None:
        files = {rel: load for rel, load in files.items() if rel.endswith(suffix)}
    return _Catalogue(table, cat_name, filename_column, class_column, has_class), files, shown


def _read_listed_files(cat: _Catalogue, folder: _Folder, suffix: str | None) -> _Listed:
    """The files of each catalogue row, read with its class, split and band. A ``band``
    column names each file's band, so that the files of one star in several bands (OGLE's
    ``I/NAME.dat`` and ``V/NAME.dat``) are one star, ``NAME``; a file whose header names a
    band column of its own (ZTF's ``filtercode``) is that star's curves in each of its bands
    (:func:`parse_curves`), which the catalogue's band does not override."""
    table, sink = cat.table, folder.sink
    match = _Matcher(folder.files.keys())
    listed = _Listed()
    has_split, has_band, has_id = "split" in table, "band" in table, "id" in table
    said = len(sink.problems)  # where their problems start
    for row, (name, label) in enumerate(zip(table[cat.filename_column], table[cat.class_column],
                                            strict=True)):
        found = match(name, suffix)
        band = str(table["band"].iat[row]).strip() if has_band else ""
        star = _id_text(table["id"].iat[row]) if has_id else ""
        found = _files_to_read(found, name, band, f"{cat.name}:{row + 2}", folder, listed,
                               lambda name=name: match.in_other_case(name, suffix))
        if found is None:
            continue
        for rel in found if isinstance(found, list) else [found]:  # in I/ and V/: both
            if rel in listed.taken:  # maybe under another spelling (with or without its suffix)
                _same_file_rows(listed.taken[rel], (label, row), listed.given.get(rel, ""), star,
                                rel, cat.name)
                sink.note("duplicate_catalogue_row")
                continue
            listed.taken[rel] = (label, row)
            if star:
                listed.given[rel] = star
            # NAME found as NAME.I.dat and NAME.V.dat: the bands their names end in
            named_by_name = name_band(rel)[1] if isinstance(found, list) and not band_folder(
                rel) else ""
            curves = folder.read_listed(rel)
            if named_by_name and curves and not any(curves):
                sink.note("band_from_file_name")
            folder.curves.add(rel, curves, label, table["split"].iat[row] if has_split else "",
                              band or named_by_name)  # the file's own band first
    _say_of_names_written_otherwise(listed.missing,
                                    set(folder.files) - listed.taken.keys() - listed.ambiguous,
                                    cat.name, sink, said)
    return listed


def _files_to_read(found: str | list[str] | None, name: str, band: str, at: str,
                   folder: _Folder, listed: _Listed,
                   other_case: Callable[[], list[str]] = list) -> str | list[str] | None:
    """What a catalogue row (``at``, in messages) names, to read with its class: a file or a
    star's files (None where neither: said). Names are matched by path, file name or stem
    (``215153`` finds ``asas_training_set/215153.dat``); a bare ``NAME`` finds both
    ``NAME.I.dat`` and ``NAME.V.dat``, and files of one name in band folders (``I/``, ``V/``).
    A name that matches several files (``123`` with ``north/123.dat`` and ``south/123.dat``)
    is a problem, whose files are read unlabelled: its path must be given. A name of no file
    names those ``other_case`` finds, of its name in another letter case."""
    if isinstance(found, list) and band:  # NAME,class,I: NAME.I.dat of NAME.[IV].dat
        found = [rel for rel in found if name_band(rel)[1] == band] or found
        found = found[0] if len(found) == 1 else found
    if found is None:
        outside = (" (it is outside: a catalogue's files are read in its folder or "
                   "archive)" if Path(str(name).strip()).is_absolute()
                   or str(name).strip().startswith("../") else "")
        cased = [] if outside else other_case()
        hint = (f" (on disk: {first_few(list(map(repr, cased)), 3)}, another letter case)"
                if cased else outside)
        folder.sink.problem(f"{at}: file {name!r} not found in {folder.source}{hint}",
                            "missing_file")
        listed.missing.append(str(name))
        return None
    if isinstance(found, list) and (band or not one_stars_files(found)):
        # A problem, but no curve dropped: the files are read (unlabelled) and counted
        # on their own.
        folder.sink.problem(f"{at}: {name!r} matches {len(found)} files "
                            f"({first_few(found, 3)}); give the file's path in {folder.source}"
                            f"{_band_folders_hint(found)}")
        folder.sink.note("ambiguous_catalogue_entry")
        listed.ambiguous.update(found)
        return None
    return found


def _read_other_files(folder: _Folder, listed: _Listed, suffix: str | None) -> None:
    """The data files the catalogue does not list (or names ambiguously), read with label "".
    Without ``suffix``, a file whose suffix no listed file has (a README, a plot) is not data
    unless it is a VOTable; nor is a problems file lcformer wrote, a system's file
    (:data:`SYSTEM_FILES`), or a table of the listed stars (:func:`_lists_stars`)."""
    files, sink = folder.files, folder.sink
    data_suffixes = {_suffix(rel) for rel in [*listed.taken, *listed.ambiguous]} - NOT_LIGHT_CURVES
    stars = {posixpath.basename(rel).split(".")[0] for rel in listed.taken}
    shapes = {_name_shape(star) for star in stars}
    for rel in sorted(set(files) - listed.taken.keys()):
        if _lcformer_output(rel) or _system_file(rel) or (
                suffix is None and _suffix(rel) not in data_suffixes and not (
                _suffix(rel) == ".xml" and _votable(files[rel]))):
            sink.note("skipped_non_data_file")
            continue
        try:
            data = files[rel]()
        except OSError:
            data = None  # (_read_unlisted counts it, as a file it cannot read)
        if data is not None and _lists_stars(data, stars, shapes):  # LINEAR's periods
            sink.note("star_table_not_read")
            continue
        folder.curves.add(rel, folder.read_unlisted(
            rel, files[rel] if data is None else (lambda data=data: data)))


def _stars_of_files(cat: _Catalogue, folder: _Folder, listed: _Listed
                    ) -> tuple[list[str], list[str], list[Curve], list[list[str]]]:
    """Each curve's star and band, and its class and split (:func:`join_curves`' ids, bands,
    curves and [labels, splits]). The star id is the file's stem (its path where two files
    share a stem: :func:`star_ids`), or what the catalogue's ``id`` column names: files of one
    id are one star, and two of one band one curve (TESS's sectors: :func:`join_curves`); a
    mission's FITS files of one target are one star too (:func:`object_stars`). Files of one
    name in band folders (``I/``, ``V/``) without a band named are that star's bands
    (:func:`folder_bands`), and so are files named ``NAME.I.dat``, ``NAME.V.dat``
    (:func:`file_name_bands`). A band file the catalogue does not list takes its star's class
    (:func:`_label_unlisted`)."""
    read, sink = folder.curves, folder.sink
    files_read, labels, splits = read.files, read.labels, read.splits
    own_bands = file_name_bands(files_read, read.bands, sink)  # a name's band: the file's own
    bands = folder_bands(files_read, own_bands, sink)
    ids = star_ids(files_read, sink, bands)
    ids, bands = _apart_by_class(ids, files_read, labels, own_bands, bands, sink)
    ids = object_stars(ids, files_read, folder.objects, sink)
    ids = _given_ids(ids, files_read, listed.given)
    _label_unlisted(ids, [rel in listed.taken for rel in files_read], labels, splits, sink)
    _refuse_star_conflicts(ids, files_read, bands, labels, cat.name, "classes")
    if cat.has_split:
        _refuse_star_conflicts(ids, files_read, bands, splits, cat.name, "splits")
    return join_curves(ids, bands, read.arrays, [labels, splits], sink)


@dataclass
class _Catalogue:
    """A catalogue as read (:func:`_catalogue_table`), and its name in messages."""

    table: pd.DataFrame
    name: str
    filename_column: str  # "path" where "filename" is the default and absent
    class_column: str  # "" in every row where the catalogue has no classes
    has_class: bool

    @property
    def has_split(self) -> bool:
        return "split" in self.table


@dataclass
class _Listed:
    """The files the catalogue's rows name, as :func:`_read_listed_files` found them."""

    taken: dict[str, tuple[str, int]] = field(default_factory=dict)  # file -> class, row
    ambiguous: set[str] = field(default_factory=set)  # files of a name that matches several
    given: dict[str, str] = field(default_factory=dict)  # file -> the star its row's id names
    missing: list[str] = field(default_factory=list)  # catalogue names of no file


@dataclass
class _CurvesRead:
    """The curves read so far, one entry each in every list: its file, band, points, and
    its catalogue row's class and split ("" for a file the catalogue does not list)."""

    files: list[str] = field(default_factory=list)
    bands: list[str] = field(default_factory=list)
    arrays: list[Curve] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    splits: list[str] = field(default_factory=list)

    def add(self, rel: str, curves: dict[str, Curve], label: str = "", split: str = "",
            band: str = "") -> None:
        """A file's curves (by the band its own columns name; else ``band``)."""
        for named, curve in curves.items():
            self.files.append(rel)
            self.bands.append(named or band)
            self.arrays.append(curve)
            self.labels.append(label)
            self.splits.append(split)


@dataclass
class _Folder:
    """The files of a folder or archive, how to read them, and what they gave so far: what
    the phases of :func:`read_catalogue_folder` share."""

    source: PathLike  # as given (in messages)
    files: dict[str, Callable[[], bytes]]  # relative path -> its bytes
    shown: str  # the files' names' prefix in messages
    sink: DropReport
    columns: Columns | None
    strict_columns: bool
    curves: _CurvesRead = field(default_factory=_CurvesRead)
    units: dict[str, str] = field(default_factory=dict)  # the first file of each declared kind
    objects: dict[str, str] = field(default_factory=dict)  # file -> the star its FITS names

    def read_listed(self, rel: str) -> dict[str, Curve]:
        """A listed file's curves ({} where it is a problem, in ``sink``)."""
        curves, self.objects[rel] = _read_one(self.files[rel], f"{self.shown}{rel}", self.sink,
                                              self.columns, self.strict_columns,
                                              self.units) or NOTHING_READ
        return curves

    def read_unlisted(self, rel: str, load: Callable[[], bytes]) -> dict[str, Curve]:
        """The curves of a file the catalogue does not list (:func:`_read_unlisted`)."""
        curves, self.objects[rel] = _read_unlisted(load, f"{self.shown}{rel}", self.sink,
                                                   self.columns, self.strict_columns, self.units)
        return curves


def _id_text(value: object) -> str:
    """A catalogue's star id as text: "" where it gives none (empty, NaN, a missing value's
    word such as NA), and a whole number read as a float (a DataFrame's 7.0) as 7."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(label_array(["" if pd.isna(value) else str(value).strip()])[0])


def _given_ids(ids: list[str], files_read: list[str], given: dict[str, str]) -> list[str]:
    """Each curve's star: the catalogue's id for a file it lists with one, and for the files
    read as that file's star (its other bands, a target's other sectors) where the catalogue
    gives that star one id; else the id the files' names and headers give."""
    named: dict[str, set[str]] = defaultdict(set)
    for rel, star in zip(files_read, ids, strict=True):
        if rel in given:
            named[star].add(given[rel])
    return [given.get(rel) or (min(named[star]) if len(named.get(star, ())) == 1 else star)
            for rel, star in zip(files_read, ids, strict=True)]


#: A folder name this short may be a band lcformer does not know (VVV's Ks before it did).
BAND_LIKE_LENGTH = 3


def _band_folders_hint(found: list[str]) -> str:
    """Where a name's files lie in folders of short names that are not all bands lcformer
    knows (``Ks/``, ``Hp/``): how to have them read as one star's bands."""
    folders = [rel.rsplit("/", 2)[-2] if "/" in rel else "" for rel in found]
    if (len(set(folders)) < len(found) or not all(0 < len(f) <= BAND_LIKE_LENGTH
                                                    for f in folders)
            or set(folders) <= BAND_FOLDERS):
        return ""
    return (f"; if its folders {', '.join(sorted(set(folders)))} are bands of one star, name "
            f"each as a band lcformer reads from folders ({' '.join(sorted(BAND_FOLDERS))})")


def _same_file_rows(first: tuple[str, int], then: tuple[str, int], first_id: str, star: str,
                    rel: str, cat_name: str) -> None:
    """Two catalogue rows of one file must agree on its class (and its id, where given):
    which is meant cannot be guessed."""
    (label, row), (other, again) = first, then
    for what, one, two in (("classes", label, other), ("ids", first_id, star)):
        if one != two:
            raise InputError(f"{cat_name}: rows {row + 2} and {again + 2} give {rel} two "
                             f"{what} ({one!r}, {two!r}): keep one row per file")


def _catalogue_table(catalogue: PathLike | pd.DataFrame, source: PathLike,
                     files: dict[str, Callable[[], bytes]], cat_name: str,
                     filename_column: str, class_column: str
                     ) -> tuple[pd.DataFrame, str, bool]:
    """The catalogue as text (read from inside the archive where it is there), the name of
    its file column (``path`` where ``filename`` is the default and absent), and whether it
    has classes; a catalogue without them gets "" (new stars, to classify)."""
    member = (None if isinstance(catalogue, pd.DataFrame) or Path(catalogue).is_file()
              else _relative_to(Path(catalogue), Path(source)))  # inside the archive
    table = read_str_table(catalogue, "catalogue", f"{filename_column},{class_column}",
                           data=files[member]() if member in files else None)
    alias = " (or 'path')" if filename_column == "filename" else ""
    if alias and "filename" not in table and "path" in table:
        filename_column = "path"
    if filename_column not in table:
        raise InputError(f"{cat_name}: found columns {names_text(list(table.columns))}, "
                         f"expected {filename_column!r}{alias} (and {class_column!r} to "
                         f"train): one row per light-curve file")
    if table.empty and not isinstance(catalogue, pd.DataFrame):
        raise InputError(f"{no_rows(cat_name)}: a catalogue that lists no file reads no light "
                         f"curve; list its files ({filename_column}[,{class_column}]), or "
                         f"remove it to predict on every file")
    has_class = class_column in table
    if not has_class:
        table[class_column] = ""
    _refuse_conflicts(table, filename_column, class_column, cat_name)
    return table, filename_column, has_class


def _other_catalogues(files: dict[str, Callable[[], bytes]], table: pd.DataFrame,
                      catalogue: Path, source: Path, sink: DropReport) -> None:
    """Take every other ``catalog.csv`` out of ``files``: a catalogue, never a star. One in a
    folder whose name starts with ``_`` (``_old/``) is set aside and not read, as
    :func:`files_source` and Parquet partitions pass over such names (event
    ``catalogue_in_underscore_folder_not_read``); a copy whose table is ``table`` (a backup,
    or the one extracted beside its archive) is not read either
    (``identical_catalogue_copy_not_read``): it labels as the catalogue does. One that
    differs is refused: which of them labels the files cannot be guessed."""
    differ = []
    for rel in sorted(r for r in files if r.rsplit("/", 1)[-1] == CATALOGUE):
        load = files.pop(rel)
        if _set_aside(rel):
            sink.note("catalogue_in_underscore_folder_not_read")
            continue
        try:
            copy = read_str_table(source / rel, "catalogue", data=load())
        except (InputError, OSError):
            copy = None  # unreadable: not the same
        if copy is not None and copy.reset_index(drop=True).equals(
                table.reset_index(drop=True)):
            sink.note("identical_catalogue_copy_not_read")
        else:
            differ.append(rel)
    if differ:
        raise InputError(_differing_catalogues(catalogue, source, differ))


def _differing_catalogues(catalogue: Path, source: Path, differ: list[str]) -> str:
    """The error on catalogues that differ, its advice as the layout asks: a loose file is
    deleted (or set aside in a ``_`` folder); an archive's own are joined and the archive
    repacked; an archive's beside a folder's are joined, or the archive is given alone."""
    own = _relative_to(catalogue, source)
    read = own or catalogue.name
    beside = own is None and not source.is_dir()  # a folder's, beside the archive of files
    where, others = source, differ
    if beside:
        where, others = catalogue.parent, [f"{source.name}/{rel}" for rel in differ]
    other, them, say = ("others", "them", "say") if len(others) > 1 else ("other", "it", "says")
    head = (f"{where}: holds {1 + len(others)} catalogues that differ "
            f"({first_few([read, *others], 3)}): which labels the files cannot be guessed "
            f"(only {read} would be read, the {other} ignored)")
    if source.is_dir():
        return (f"{head}; join into {read} what only the {other} {say}, then delete {them} "
                f"(or move {them} into a folder whose name starts with _, such as _old/, "
                f"which is not read)")
    if not beside:
        return (f"{head}; join them into one {CATALOGUE} and repack {source.name} without "
                f"the {other}")
    return (f"{head}; give {source} itself to read only its own, or join them into {read} "
            f"and repack {source.name} without its own")


def _votable(load: Callable[[], bytes]) -> bool:
    """Whether a file is a VOTable (an ``.xml`` file that is data); one that cannot be read
    is not, and is skipped as the file it seems."""
    try:
        return is_votable(load())
    except OSError:
        return False


def _read_unlisted(load: Callable[[], bytes], name: str, sink: DropReport, columns: Columns | None,
                   strict_columns: bool, units: dict[str, str]) -> FileCurves:
    """The curves of a data file the catalogue does not list (``not_in_catalogue``). Not
    asked for, so one that does not parse (OGLE's ident.dat beside its photometry) is
    counted (``unreadable_file_not_in_catalogue``), not listed among the problems."""
    scratch = DropReport()
    read = _read_one(load, name, scratch, columns, strict_columns, units)
    if read is None:
        sink.note("unreadable_file_not_in_catalogue")
        return NOTHING_READ
    sink.note("not_in_catalogue")
    sink.merge(scratch)
    return read


def _apart_by_class(ids: list[str], files_read: list[str], labels: list[str],
                    own_bands: list[str], bands: list[str], sink: DropReport
                    ) -> tuple[list[str], list[str]]:
    """Stars that band folders made of files the catalogue gives two classes (spectral types
    G/001.dat and K/001.dat, not bands): two stars after all, by their paths, without the
    folders' bands. Only stars whose every curve took its band from a folder: one named by
    the catalogue or the file makes them one star, whose two classes are then refused."""
    classes: dict[str, set[str]] = defaultdict(set)
    by_folder: dict[str, bool] = defaultdict(lambda: True)
    for star, label, own, band in zip(ids, labels, own_bands, bands, strict=True):
        classes[star].update([label] if label else [])
        by_folder[star] &= band != own
    apart = {k for k, star in enumerate(ids) if len(classes[star]) > 1 and by_folder[star]}
    if not apart:
        return ids, bands
    n_files = len({files_read[k] for k in apart})
    sink.note("band_folders_of_other_classes", n_files)
    sink.note("band_from_folder_name", -n_files)  # those bands are not kept
    if sink.events["band_from_folder_name"] <= 0:
        del sink.events["band_from_folder_name"]
    sink.note("id_is_path_for_files_of_one_name", n_files)
    return ([files_read[k] if k in apart else star for k, star in enumerate(ids)],
            [own_bands[k] if k in apart else band for k, band in enumerate(bands)])


def _label_unlisted(ids: list[str], listed: list[bool], labels: list[str],
                    splits: list[str], sink: DropReport) -> None:
    """A band file the catalogue does not list takes (in place) the class and split its
    star's listed files have: a catalogue of OGLE's I/ paths labels their V curves too."""
    given = {star: (label, split) for star, is_listed, label, split
             in zip(ids, listed, labels, splits, strict=True) if is_listed and label}
    unlisted = [k for k, is_listed in enumerate(listed) if not is_listed and ids[k] in given]
    for k in unlisted:
        labels[k], splits[k] = given[ids[k]]
    sink.note("labelled_by_their_star", len(unlisted))


def _refuse_star_conflicts(ids: list[str], files: list[str], bands: list[str],
                           values: list[str], name: str, what: str) -> None:
    """The files of one star (its bands, its TESS sectors, those of one catalogue id) listed
    with two classes (or splits): which is meant cannot be guessed. A band file the
    catalogue does not list ("") conflicts with none."""
    first: dict[str, tuple[str, str, str]] = {}
    for star, rel, band, value in zip(ids, files, bands, values, strict=True):
        if value == "":
            continue
        if star in first and first[star][2] != value:
            kind = "files" if first[star][1] == band else "bands"
            raise InputError(f"{name}: {first[star][0]} and {rel}, {kind} of star {star}, "
                             f"have two {what} ({first[star][2]!r}, {value!r}): give them one")
        first.setdefault(star, (rel, band, value))


def _refuse_conflicts(table: pd.DataFrame, file_column: str, class_column: str,
                     name: str) -> None:
    """One file listed with two classes: which is meant cannot be guessed."""
    distinct = table[[file_column, class_column]].drop_duplicates()
    conflicting = distinct[file_column][distinct[file_column].duplicated()].unique().tolist()
    if conflicting:
        raise InputError(f"{name}: {len(conflicting)} file(s) listed with different classes: "
                         f"{first_few(conflicting, 5)}; keep one row per file")


@each_warning_once()  # its files warn alike
def read_folder(
    source: PathLike, suffix: str | None = None, report: DropReport | None = None,
    columns: Columns | None = None, strict_columns: bool = True,
) -> LightCurves:
    """Every per-star file of a folder or archive, unlabelled (prediction on new stars;
    ``columns`` and ``strict_columns`` as for :func:`read_catalogue_folder`).

    Without ``suffix`` every file is read except obvious non-data files (README.md, images,
    Windows' Thumbs.db and desktop.ini: :data:`SYSTEM_FILES`...) and tables of the folder's
    stars (:func:`_lists_stars`: OGLE's ``ident.dat``). A star's files are one star as
    :mod:`.one_star` finds them (band folders, band-named files, a mission's FITS files of one
    target). Rows a quality flag drops are in ``report.points``
    (``flagged``), with the points cleaning drops; ``report.events`` holds what was changed.
    """
    sink = DropReport() if report is None else report
    columns = file_columns(columns, source)
    files, shown = list_files(Path(source), sink)
    stars = {name.split(".")[0] for name in (posixpath.basename(rel) for rel in files)}
    shapes = {_name_shape(star) for star in stars}
    read = _CurvesRead()
    units: dict[str, str] = {}  # the first file of each declared kind (_read_one)
    objects: dict[str, str] = {}  # file -> the star its FITS headers name
    for rel in sorted(files):
        if ((suffix is not None and not rel.endswith(suffix))
                or _suffix(rel) in NOT_LIGHT_CURVES - {".xml"}
                or rel.rsplit("/", 1)[-1] in (CATALOGUE, "labels.csv")  # labels, no star
                or _lcformer_output(rel) or _system_file(rel)):
            sink.note("skipped_non_data_file")
            continue
        try:
            data = files[rel]()
        except OSError as error:
            sink.problem(f"{shown}{rel}: cannot read: {error}", "unreadable_file")
            continue
        if _suffix(rel) == ".xml" and not is_votable(data):  # (.xml: NOT_LIGHT_CURVES)
            sink.note("skipped_non_data_file")
            continue
        if _lists_stars(data, stars, shapes, posixpath.basename(rel).split(".")[0]):
            sink.note("star_table_not_read")  # a catalogue or parameters, not a light curve
            continue
        curves, objects[rel] = _read_one(lambda data=data: data, f"{shown}{rel}", sink,
                                         columns, strict_columns, units) or NOTHING_READ
        read.add(rel, curves)
    _refuse_mixed_units(units, source)
    files_read, bands = read.files, read.bands
    if Path(source).name in BAND_FOLDERS and not any(bands):  # predict I/: its files are in I
        bands = [Path(source).name] * len(bands)
        sink.note("band_from_folder_name", len(set(files_read)))
    bands = folder_bands(files_read, file_name_bands(files_read, bands, sink), sink)
    ids = object_stars(star_ids(files_read, sink, bands), files_read, objects, sink)
    ids, bands, arrays, _ = join_curves(ids, bands, read.arrays, [], sink)
    raise_unreported(sink, report, str(source))
    return _assemble(ids, arrays, None, None, bands)


# ---------------------------------------------------------------------- sources
def list_files(source: Path, sink: DropReport | None = None
               ) -> tuple[dict[str, Callable[[], bytes]], str]:
    """Relative path -> loader for every visible file, and the prefix used in messages; the
    hidden ones (.DS_Store, macOS's ._ copies, __MACOSX/) are counted in ``sink`` as
    ``skipped_hidden_file``, as other files that are not light curves are counted."""
    name = source.name.lower()
    if source.is_dir():
        files = _folder_files(source)
        shown = f"{source}/"
    elif source.is_file() and name.endswith(ARCHIVE_SUFFIXES):
        try:
            files = _archive_members(source)
        except ARCHIVE_ERRORS as error:
            raise InputError(cannot_read(source, error, "archive")) from None
        shown = f"{source}/"
    elif not source.exists():
        raise InputError(f"{source}: no such folder or archive")
    else:
        raise InputError(f"{source}: not a folder or an archive ({', '.join(ARCHIVE_SUFFIXES)})")
    visible = {rel: load for rel, load in files.items() if not hidden_path(rel)}
    if sink is not None:
        sink.note("skipped_hidden_file", len(files) - len(visible))
    return visible, shown


def _folder_files(source: Path) -> dict[str, Callable[[], bytes]]:
    """Relative path -> loader of every file under ``source``; a folder that cannot be listed
    and a link to nothing are listed too, with a loader that raises, so that the readers name
    and count them (``rglob`` leaves them out without a word). See
    :func:`walk_files` for the links followed."""
    files: dict[str, Callable[[], bytes]] = {}
    for path, error in walk_files(source):
        rel = _text(path.relative_to(source).as_posix())
        files[rel] = path.read_bytes if error is None else _failing(error)
    return files


def _failing(error: OSError) -> Callable[[], bytes]:
    def load() -> bytes:
        raise error
    return load


def walk_files(source: Path) -> Iterator[tuple[Path, OSError | None]]:
    """Every file under ``source`` (a link to one too) with None, and with its error each
    folder that cannot be listed and each link to nothing. A linked folder is followed where
    it lies outside ``source`` (a star folder on another disk), not where it
    lies inside it (read there, under its own name: ``b -> R`` would rename R's
    files) nor above it (``..``, ``/``: the tree around it), nor inside or above a linked
    folder already followed; each real folder once. The
    readers and the preparation's fingerprint both walk so."""
    roots = [os.path.realpath(source)]  # and each linked folder followed
    errors: list[OSError] = []
    seen: set[str] = set()

    def near(target: str) -> bool:  # inside a root, or above one
        return any(target == root or target.startswith(root + os.sep)
                   or root.startswith(target.rstrip(os.sep) + os.sep) for root in roots)

    for top, folders, names in os.walk(source, onerror=errors.append, followlinks=True):
        for error in errors:  # (os.walk's: a folder it could not list)
            yield (Path(error.filename) if error.filename else Path(top)), error
        errors.clear()
        real = os.path.realpath(top)
        if real in seen:
            folders[:] = []
            continue
        seen.add(real)
        kept = []
        for name in sorted(folders):
            path = Path(top, name)
            if path.is_symlink():
                target = os.path.realpath(path)
                if near(target):  # (within a linked folder too, one level down)
                    continue
                roots.append(target)
            kept.append(name)
        folders[:] = kept
        for name in sorted(names):
            path = Path(top, name)
            try:
                if path.is_file():
                    yield path, None
                elif path.is_symlink() and not path.exists():  # (a pipe is neither)
                    yield path, FileNotFoundError(2, "a link to nothing", str(path))
            except OSError as error:  # (is_file of a file it may not look at)
                yield path, error
    for error in errors:
        yield (Path(error.filename) if error.filename else source), error


def _text(name: str) -> str:
    """A file name that is not UTF-8 (Latin-1 from an old zip or share) with its bytes as
    escapes, \\xe9: as read, it would end lcformer with an internal error."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


#: What opening a damaged archive raises.
ARCHIVE_ERRORS = (*READ_ERRORS, tarfile.TarError, zipfile.BadZipFile)


def archive_names(source: Path) -> list[str]:
    """The names of the files (not folders) of a zip or tar archive, without reading them;
    raises one of ``ARCHIVE_ERRORS``."""
    if source.name.lower().endswith(".zip"):
        with zipfile.ZipFile(source) as archive:
            return [i.filename for i in archive.infolist() if not i.is_dir()]
    with tarfile.open(source, "r:*") as archive:
        return [m.name for m in archive if m.isfile()]


def archive_catalogue(source: Path) -> str | None:
    """The member of an archive that is its catalogue (``catalog.csv``, the shallowest), or
    None: such an archive is a labelled dataset, as a folder with one is."""
    found = catalogues_in(source)
    return found[0] if found else None


def catalogues_in(source: Path) -> list[str]:
    """Every ``catalog.csv`` in a folder or archive (its tree), shallowest first, but those in
    hidden folders and in folders whose name starts with ``_`` (set aside: ``_old/``)."""
    if source.is_dir():
        names = [p.relative_to(source).as_posix() for p in source.rglob(CATALOGUE)
                 if p.is_file()]
    else:
        try:
            names = archive_names(source)
        except ARCHIVE_ERRORS:
            return []  # reading it will say what is wrong
    found = sorted((n.count("/"), n) for n in map(posixpath.normpath, names)
                   if n.rsplit("/", 1)[-1] == CATALOGUE and not hidden_path(n)
                   and not _set_aside(n))
    return [name for _, name in found]


def files_source(folder: Path) -> Path:
    """Where a folder's per-star files are: the folder, or the one archive beside its
    catalogue that holds them (``catalog.csv`` + ``stars.tar.gz``, as asas_richards2012 is
    laid out): where the folder has no subfolder and none of the catalogue's files is
    beside it (a README or LICENSE may be)."""
    entries = [p for p in folder.iterdir() if not p.name.startswith((".", "_"))]
    archives = [p for p in entries if p.is_file()
                and p.name.lower().endswith(ARCHIVE_SUFFIXES)]
    if len(archives) != 1 or any(p.is_dir() for p in entries):
        return folder
    try:
        named = read_str_table(folder / CATALOGUE, "catalogue")
    except InputError:
        return folder  # reading it from the folder will say what is wrong
    column = "filename" if "filename" in named else "path"
    listed = {_nfc(form) for n in named.get(column, [])
              for form in (str(n), Path(str(n)).name, Path(str(n)).stem)}
    beside = {_nfc(form) for p in entries if p.is_file() and p not in archives
              for form in (p.name, p.stem)}  # J0001.19+3208.2 is a name, not a stem
    return folder if listed & beside else archives[0]


def _archive_members(source: Path) -> dict[str, Callable[[], bytes]]:
    """Every file of a .zip or tar archive, read into memory."""
    if source.name.lower().endswith(".zip"):
        with zipfile.ZipFile(source) as archive:
            return {posixpath.normpath(i.filename): _const(archive.read(i))
                    for i in archive.infolist() if not i.is_dir()}
    with tarfile.open(source, "r:*") as archive:  # `tar -C dir .` names members ./x
        return {posixpath.normpath(m.name): _const(archive.extractfile(m).read())  # type: ignore[union-attr]
                for m in archive if m.isfile()}


def _const(data: bytes) -> Callable[[], bytes]:
    return lambda: data


def hidden_path(rel: str) -> bool:
    """Whether a path relative to a data folder is hidden (.DS_Store, macOS's ._ copies, a
    file in .git/ or __MACOSX/): not data, which the readers of folders and the
    preparation's fingerprint both leave out."""
    parts = rel.split("/")
    return any(p.startswith(".") or p == "__MACOSX" for p in parts)


def _set_aside(rel: str) -> bool:
    """A file in a folder whose name starts with ``_`` (``_old/catalog.csv``): set aside, as
    :func:`files_source` and Parquet partitions pass over such names; a catalogue there is
    not read (its data files still are: nothing there is left unread unsaid)."""
    return any(p.startswith("_") for p in rel.split("/")[:-1])


def _relative_to(path: Path, folder: Path) -> str | None:
    try:
        return path.resolve().relative_to(folder.resolve()).as_posix()
    except (ValueError, OSError):
        return None


class _Matcher:
    """Find a catalogue entry's file by relative path, file name, or stem, or a star's
    band-named files by its name (``NAME``: ``NAME.I.dat`` and ``NAME.V.dat``). Names are
    compared in Unicode's composed form (:func:`_nfc`): macOS's decomposed 'étoile_1.csv' is
    the catalogue's 'étoile_1.csv'."""

    def __init__(self, files: Collection[str]) -> None:
        self.paths = sorted(files)
        self.exact = set(self.paths)
        self.files = {_nfc(rel): rel for rel in reversed(self.paths)}  # (the first of twins)
        self.by_name: dict[str, list[str]] = defaultdict(list)
        self.by_stem: dict[str, list[str]] = defaultdict(list)
        self.by_star: dict[str, list[str]] = defaultdict(list)  # NAME -> NAME.<band>.*
        # A file whose name starts or ends with blanks, as a catalogue's cell is read
        self.stripped = {key: rel for composed, rel in self.files.items()
                         if (key := "/".join(part.strip() for part in composed.split("/")))
                         != composed}
        for rel in self.paths:
            base = _nfc(rel).rsplit("/", 1)[-1]
            self.by_name[base].append(rel)
            if base.strip() != base:  # (a catalogue's cell is read stripped)
                self.by_name[base.strip()].append(rel)
            self.by_stem[file_stem(base)].append(rel)
            star, band = name_band(base)
            if band:
                self.by_star[star].append(rel)
        self.folded: _Matcher | None = None  # the same, of names in lower case
        self.unfolded: dict[str, str] = {}  # a lower-case name -> its file's

    def __call__(self, entry: str, suffix: str | None) -> str | list[str] | None:
        entry = entry.strip().replace("\\", "/").removeprefix("./")
        if not entry:
            return None
        if entry in self.exact:  # (of two files whose names differ in form only, its own)
            return entry
        entry = _nfc(entry)
        if entry in self.files:
            return self.files[entry]
        if entry in self.stripped:  # (" lead space.dat", its catalogue cell stripped)
            return self.stripped[entry]
        base = entry.rsplit("/", 1)[-1]
        candidates = (self.by_name.get(base) or self.by_name.get(base + (suffix or ""))
                      or self.by_stem.get(base) or self.by_stem.get(file_stem(base))
                      or self.by_star.get(base) or self.by_star.get(file_stem(base)) or [])
        # A plot or a note beside a star's file (123.png, 123.md) is not another candidate.
        candidates = [c for c in candidates if _suffix(c) not in NOT_LIGHT_CURVES] or candidates
        if band_folder(entry):  # V/123.dat is not I/123.dat, another band's file
            candidates = [c for c in candidates if band_folder(c) in ("", band_folder(entry))]
        found = [c for c in candidates if _nfc(c).endswith("/" + entry)] or candidates
        return found if len(found) > 1 else (found or [None])[0]  # several: which one?

    def in_other_case(self, entry: str, suffix: str | None) -> list[str]:
        """The files an entry that matches none would match but for letter case
        ('data/star_1.csv' of 'data/Star_1.csv'): Windows' and macOS's disks ignore case,
        Linux's do not, so a catalogue that works there finds no file here. Said, not read:
        which file was meant is the user's to say."""
        if self.folded is None:
            self.folded = _Matcher([rel.casefold() for rel in self.paths])
            self.unfolded = {_nfc(rel.casefold()): rel for rel in reversed(self.paths)}
        found = self.folded(entry.casefold(), suffix and suffix.casefold())
        return list(dict.fromkeys(self.unfolded[_nfc(rel)] for rel in (
            [] if found is None else [found] if isinstance(found, str) else found)))


def _say_of_names_written_otherwise(missing: list[str], unlisted: set[str], cat_name: str,
                                    sink: DropReport, at: int) -> None:
    """A problem, before the rows' own (from ``at``), where catalogue names of no file match
    files it does not list but for a prefix or leading zeros (VSX's 'ASAS
    J123658-6537.5' for J123658-6537.5.dat; names compared composed, :func:`_nfc`), else
    counted as files missing and again as files not in the catalogue, unexplained."""
    if not missing or not unlisted:
        return
    def bare(name: str) -> str:
        return re.sub(r"(\.[A-Za-z]{1,4}){1,2}$", "", posixpath.basename(_nfc(name)))

    files = pd.Series(sorted(unlisted), dtype=object)
    by_stem = pd.Series(files.to_numpy(), index=files.map(bare).map(loose_id).to_numpy())
    by_stem = by_stem[~by_stem.index.duplicated(keep=False)]
    names = pd.Series(missing, dtype=object)
    matched = names.map(bare).map(loose_id).map(by_stem).dropna()
    # written otherwise, not the same name elsewhere (V/NAME.dat is not I/NAME.dat)
    matched = matched[names[matched.index].map(bare) != matched.map(bare)]
    if len(matched):
        sink.problems.insert(at, f"{cat_name}: {len(matched):,} of its names of no file match "
                                 f"files it does not list but for a prefix or leading zeros "
                                 f"({missing[matched.index[0]]!r} is {matched.iloc[0]!r}): name "
                                 f"the files in the catalogue as the folder does")


def _suffix(rel: str) -> str:
    base = rel.rsplit("/", 1)[-1]
    return "." + base.rsplit(".", 1)[1].lower() if "." in base else ""


# ---------------------------------------------------------------------- parsing
#: Data lines of a file that :func:`_lists_stars` looks at.
_TABLE_ROWS = 6


#: A run of digits in a star's name (:func:`_name_shape`), and a letter: a shape without one
#: (``0``, a number's; ``0-0-0``, a date's) is no catalogue's.
_DIGIT_RUN, _LETTER = re.compile(r"\d+"), re.compile(r"[A-Za-z]")


def _name_shape(name: str) -> str:
    """A star name with each run of digits as one ``0``: ``OGLE-LMC-RRLYR-0``, the shape of
    every star of a catalogue, of which a folder may hold a few."""
    return _DIGIT_RUN.sub("0", name)


def _lists_stars(data: bytes, stars: set[str], shapes: set[str], own: str = "") -> bool:
    """Whether a file (its star name ``own``) is a table of the folder's stars, not a light
    curve: its first rows start with two or more other files' star names (or file names)
    beside a field that is not a number, as OGLE's ``ident.dat`` and ``RRab.dat`` beside
    ``phot/I/OGLE-LMC-RRLYR-00001.dat`` do; or every first row with another name of the
    ``shapes`` (:func:`_name_shape`, one with a letter) of the folder's names, beside other
    fields, under no header naming a time: a whole catalogue's ``ident.dat`` beside a few of
    its stars' files (a light curve with a star column repeats one name row after row); a
    star named by a number counts only under a
    header (its first line, or a ``#`` line before the rows) whose first name is a file's or a
    star's and which names no time (ASAS's classes file: ``filename,class`` then
    ``215153,Mira``; LINEAR's ``# LINEARobjectID P(days) A(mag)`` over rows of numbers), as a
    light curve starts with a time, or names one (``# id time mag``, observations numbered).
    Else predict counts such a table (LINEAR's periods) as an unreadable light curve,
    exiting 1, or as a star. A light curve with a star column repeats one name."""
    lines = [line.replace(",", " ") for line in
             data[:4096].decode("utf-8", errors="replace").splitlines() if line.strip()]
    data_at = next((i for i, line in enumerate(lines)
                    if not line.lstrip().startswith(("#", "\\", "|"))), len(lines))
    rows = [line.split() for line in lines[data_at:]
            if not line.lstrip().startswith(("#", "\\", "|"))][:_TABLE_ROWS]

    def names_stars(names: list[str]) -> bool:
        return bool(names) and (names[0].lower() in ("filename", "file", *ID_NAMES)
                                or is_survey_id_name(names[0])) and not any(
            column_role(name) == "time" for name in names)

    above = lines[data_at - 1].lstrip("#").split() if data_at else []
    timed = any(column_role(name) == "time" for name in (rows[0] if rows else []) + above)
    header = bool(rows) and names_stars(rows[0])
    if header:
        rows = rows[1:]
    elif data_at and lines[data_at - 1].lstrip().startswith("#"):
        header = names_stars(lines[data_at - 1].lstrip("#").split())
    named, shaped = set(), []
    for row in rows:
        first = row[0]
        name = first if is_number(first) else posixpath.basename(first).split(".")[0]
        if name != own and name in stars and (header or not (is_number(first)
                                                             or all(map(is_number, row)))):
            named.add(name)
        shape = _name_shape(name)
        if (not timed and len(row) >= 2 and not is_number(first) and shape != name
                and _LETTER.search(shape) and shape in shapes):
            shaped.append(name)
    return len(named) >= 2 or (len(rows) >= 2 and len(set(shaped)) == len(rows))


#: A file's curves by band, and the star its FITS headers name ('' for none: header_object).
FileCurves = tuple[dict[str, Curve], str]
NOTHING_READ: FileCurves = ({}, "")


def _read_one(load: Callable[[], bytes], shown: str, sink: DropReport,
              columns: Columns | None = None, strict_columns: bool = True,
              units: dict[str, str] | None = None) -> FileCurves | None:
    """A file's curves and the star its FITS headers name (:data:`FileCurves`), or None where
    it is a problem (in ``sink``). ``units``: the first file whose mag column declares
    magnitudes and the first a flux's unit, by the count (``MAG_UNIT``, ``FLUX_UNIT``) each
    made (:func:`_refuse_mixed_units`)."""
    own = DropReport()
    try:
        data = load()
        curves = parse_curves(data, own, columns, strict_columns)
    except FileProblem as problem:
        sink.problem(f"{shown}{problem.where}: {problem.message}", problem.reason)
        return None
    except OSError as error:
        sink.problem(f"{shown}: cannot read: {error}", "unreadable_file")
        return None
    for kind in (MAG_UNIT, FLUX_UNIT):
        if units is not None and own.events[kind]:
            units.setdefault(kind, shown)
    if own.events[SEVERAL_POSITIONS] and not sink.events[SEVERAL_POSITIONS]:  # the first
        warnings.warn(f"{shown}: its rows lie more than {ONE_STAR_ARCSEC:g}\" apart (ra, dec), "
                      f"and are read as one star: a cone search that took in a neighbour joins "
                      f"two stars' points (its period and class then mix both); keep the "
                      f"rows of the star's own ids (counted as {SEVERAL_POSITIONS}: this is "
                      f"the first such file)", LcformerWarning, stacklevel=2)
    sink.merge(own)
    return curves, header_object(data)


def _refuse_mixed_units(units: dict[str, str], source: object) -> None:
    """Files whose mag columns declare magnitudes beside files declaring fluxes: read as one
    or the other (--flux), one kind would be converted wrongly without a word."""
    if len(units) > 1:
        raise InputError(f"{source}: {units[MAG_UNIT]} declares its magnitude column in "
                         f"magnitudes, {units[FLUX_UNIT]} in a flux's unit; lcformer reads a "
                         f"source's files all as magnitudes or all as fluxes (--flux): "
                         f"convert one kind, or give them apart")


def _assemble(
    ids: list[str],
    arrays: list[Curve],
    labels: list[str] | None,
    splits: list[str] | None,
    bands: list[str] | None = None,
) -> LightCurves:
    # A star's curves side by side (its bands' files may be read far apart), in the order
    # stars first appear.
    first: dict[str, int] = {}
    order = sorted(range(len(ids)), key=lambda i: first.setdefault(ids[i], len(first)))
    ids, arrays = [ids[i] for i in order], [arrays[i] for i in order]
    labels = None if labels is None else [labels[i] for i in order]
    splits = None if splits is None else [splits[i] for i in order]
    bands = None if bands is None else [bands[i] for i in order]

    def joined(k: int) -> np.ndarray:
        return np.concatenate([a[k] for a in arrays]) if arrays else np.empty(0)

    return LightCurves.from_arrays(
        ids=ids,
        bands=bands or [""] * len(ids),
        lengths=[len(a[0]) for a in arrays],
        time=joined(0),
        mag=joined(1),
        err=joined(2),
        labels=labels,
        splits=splits,
    )

