"""Dataset registry: a name (or a user's folder) -> how to read it and how to tokenise it.

Data lives outside the package, under a data root given by ``--data-dir`` or the
``LCFORMER_DATA_DIR`` environment variable (default ``./data``). Each named dataset is a folder
under that root, laid out as the survey distributes it; ``synthetic`` needs no files.
"""

from __future__ import annotations

import json
import os
import re
import sys
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lcformer.data.cleaning import CleaningConfig
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, PreparedDataset, fingerprint_files, prepare
from lcformer.data.reading.class_names import unmatched_class_names
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import IPAC_SUFFIXES, TABLE_SUFFIXES
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig
from lcformer.errors import DatasetNotFoundError, InputError, LcformerError, LcformerWarning
from lcformer.hardware import first_process
from lcformer.progress import tqdm

DATA_DIR_ENV = "LCFORMER_DATA_DIR"
WORK_DIR_ENV = "LCFORMER_WORK_DIR"
#: The data root and the work folder when neither the flag nor the variable names one.
DEFAULT_DATA_DIR = "data"
DEFAULT_WORK_DIR = "lcformer-work"

Reader = Callable[[Path, DropReport], LightCurves]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    description: str
    read: Reader  # (dataset folder, report) -> curves
    required: tuple[str, ...] = ()  # files that must exist in the folder
    tokens: TokenConfig = field(default_factory=TokenConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    min_class_windows: int = 0  # research `thresh`
    source: str = ""  # where a user gets the files
    long_table: bool = False  # read by _long_table: takes a Columns mapping (--columns)
    per_star: bool = False  # one file per star: its read takes the files' column names
    generated: bool = False  # made by code (synthetic), not read from files

    def prepare_config(self, **changes: Any) -> PrepareConfig:
        """The dataset's own token and cleaning presets, with ``changes`` on top."""
        base = PrepareConfig(tokens=self.tokens, cleaning=self.cleaning,
                             min_class_windows=self.min_class_windows)
        return base.replace(**changes)

    def fingerprint(self, folder: Path, exclude: Path | None = None) -> str:
        """What identifies this dataset's input, for the preparation's cache key: a hash of
        the files, or for ``synthetic`` the generator version and its configuration."""
        if self.generated:
            from lcformer.data.synthetic import GENERATOR_VERSION, SyntheticConfig

            return json.dumps({"generator": GENERATOR_VERSION,
                               "config": SyntheticConfig().to_dict()})
        return fingerprint_files([folder], exclude)


#: A dataset folder's table, beside its labels.csv: any long-table format (Parquet first).
LONG_TABLES = tuple(f"lightcurves{suffix}" for suffix in (*TABLE_SUFFIXES, *IPAC_SUFFIXES))


def long_table_file(folder: Path) -> Path:
    """The table of a long-table folder (the one of ``LONG_TABLES`` present), or the table
    file, or the folder of Parquet partitions, given as the dataset; two tables are an error,
    not one of them read and the other left unseen."""
    if folder.is_file():
        return folder
    present = [folder / f for f in LONG_TABLES if (folder / f).exists()]
    if len(present) > 1:
        raise InputError(f"{folder}: holds {' and '.join(p.name for p in present)}; keep the "
                         f"one table to read and move the other out")
    if not present and _partitions_only(folder):
        return folder
    return present[0] if present else folder / LONG_TABLES[0]


def _partitions_only(folder: Path) -> bool:
    """A folder that is itself one table in Parquet partitions (as Dask or Spark write one):
    no long table of ``LONG_TABLES`` and no catalogue of per-star files."""
    from lcformer.data.reading.partitions import partition_files

    return (folder.is_dir() and not (folder / "catalog.csv").exists()
            and bool(partition_files(folder)))


def _long_table(folder: Path, report: DropReport, columns: Columns | None = None) -> LightCurves:
    """The folder's table and its labels.csv, or a table file or folder of partitions given
    alone."""
    from lcformer.data.reading import read_long_table
    from lcformer.data.reading.files import warn_of_a_large_table_file

    labels = folder / "labels.csv"  # a lone table file: labels from its own class column
    table = long_table_file(folder)
    if folder.is_dir() and table.parent == folder:
        unread_beside(folder, {table.name, labels.name}, report)
        if not labels.is_file():
            _warn_of_labels_named_otherwise(folder, report)
    warn_of_a_large_table_file(table)
    return read_long_table(table, labels if labels.is_file() else None,
                           columns=columns or Columns(), report=report)


def unread_beside(folder: Path, read: set[str], report: DropReport) -> None:
    """Warn of, and count, light curves a long-table folder holds beside the table and labels
    read, which are not read with them and must not go unseen: another ``lightcurves*``
    table, Parquet files, or a catalogue of per-star files (``catalog.csv``). Other files
    (a README, predictions written there) are left alone."""
    from lcformer.data.reading.files import first_few, table_suffix

    def light_curves(path: Path) -> bool:
        name = path.name.lower()
        if name.startswith("predictions"):  # predict's own output, by default name
            return False
        return (name == "catalog.csv" or ".parquet" in name
                or (name.startswith("lightcurves") and table_suffix(name) is not None))

    entries = list(folder.iterdir())
    unread = sorted(p.name for p in entries
                    if p.name not in read and not p.name.startswith((".", "_"))
                    and light_curves(p))
    if unread:
        report.note("files_beside_the_table_not_read", len(unread))
        warnings.warn(f"{folder}: {len(unread):,} file(s) or folder(s) beside "
                      f"{' and '.join(sorted(read & {p.name for p in entries}))} are "
                      f"not read ({first_few(unread, 3)}): a long table is read alone, with "
                      f"its labels.csv; move the others to a folder of their own, or join "
                      f"them into it", LcformerWarning, stacklevel=2)


def _warn_of_labels_named_otherwise(folder: Path, report: DropReport) -> None:
    """A folder without labels.csv whose file of labels is named otherwise (Windows'
    ``Labels.csv``, a browser's ``labels (1).csv``, ``labels.txt``, ``labels.xlsx``): not
    read, which leaves every star unlabelled without a word; said, and counted."""
    others = sorted(p.name for p in folder.iterdir()
                    if p.is_file() and re.match(r"labels?([ ._(-]|$)", p.name.lower())
                    and p.suffix.lower() in (".csv", ".txt", ".tsv", ".dat", ".xlsx", ".xls",
                                             ".ods"))
    if others:
        report.note("labels_named_otherwise_not_read", len(others))
        warnings.warn(f"{folder}: {others[0]!r} is not read: a table's labels are read from "
                      f"a file named labels.csv (comma-separated, id,class), beside it; "
                      f"rename (or save) it so", LcformerWarning, stacklevel=2)


def _richards(folder: Path, report: DropReport, columns: Columns | None = None,
              strict_columns: bool = True) -> LightCurves:
    from lcformer.data.reading import read_catalogue_folder

    return read_catalogue_folder(folder / "asas_training_set_classes.dat",
                                 folder / "asas_training_set.tar.gz", report=report,
                                 columns=columns, strict_columns=strict_columns)


def _macho(folder: Path, report: DropReport) -> LightCurves:
    from lcformer.data.reading import read_macho

    return read_macho(folder, report=report)


def _synthetic(folder: Path, report: DropReport) -> LightCurves:
    from lcformer.data.synthetic import make_synthetic

    return make_synthetic()


REGISTRY: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec(
            "synthetic",
            "embedded synthetic light curves: sinusoids, Gaussian processes, CAR(1)",
            _synthetic,
            generated=True,
            # 250 points a star: windows of 100 pairs give 3 windows per star, quick to train.
            tokens=TokenConfig(window=100, stride=50),
        ),
        DatasetSpec(
            "asas_acvs",
            "ASAS V band, ACVS catalogue labels (13,909 stars, 10 classes)",
            _long_table,
            required=("lightcurves.parquet", "labels.csv"),
            long_table=True,
            source="VOSource files of the public repository longjp/lightcurves (data/ASAS), "
            "as a long table lightcurves.parquet (id, band, time, mag, err) + labels.csv",
        ),
        DatasetSpec(
            "asas_richards2012",
            "ASAS training set of Richards et al. 2012 (810 stars, 28 classes)",
            _richards,
            required=("asas_training_set.tar.gz", "asas_training_set_classes.dat"),
            per_star=True,
            source="cesium-ml/cesium-data, asas_training/ (what cesium's fetch_asas_training "
            "downloads)",
        ),
        DatasetSpec(
            "eros1",
            "EROS-1 LMC, bands B and R, the challenge's own train/test split (3,641 stars)",
            _long_table,
            required=("lightcurves.parquet", "labels.csv"),
            long_table=True,
            # About 120 points per band, so the research W=200 would give no window at all:
            # windows of 60 pairs every 30 give 3 per band; the few short curves are padded.
            tokens=TokenConfig(window=60, stride=30, pad_short=True),
            # 25.0 is EROS-1's "no measurement" magnitude (it comes with errors near 1 mag).
            cleaning=CleaningConfig(sentinel_values=(25.0,)),
            source="ramp-kits/variable_stars (data/), as a long table with a split column",
        ),
        DatasetSpec(
            "macho",
            "MACHO LMC, bands R and B, archive CSV and .mjd files + the MACHO catalogue",
            _macho,
            required=("catalog.csv",),
            source="the MACHO archive (LC_<field>.<tile>.<seq>.csv query output or "
            "lc_*.tar.bz2 with .B.mjd/.R.mjd files) plus catalog.csv",
        ),
    )
}
# The MACHO samples shipped for development sit in a folder with a different name.
ALIASES = {"macho_samples": "macho"}


def data_dir(given: str | Path | None = None) -> Path:
    """The data root: the flag, else LCFORMER_DATA_DIR, else ./data."""
    return Path(given or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).expanduser()


def resolve(name_or_path: str, root: str | Path | None = None) -> tuple[DatasetSpec, Path]:
    """Find a dataset by registry name (under the data root) or by the path of a user folder."""
    root = data_dir(root)
    candidate = Path(name_or_path).expanduser()
    folder_name = Path(os.path.abspath(candidate)).name  # "." is named after the folder
    name = ALIASES.get(folder_name, folder_name)
    if name_or_path in REGISTRY or name_or_path in ALIASES:
        spec = REGISTRY[ALIASES.get(name_or_path, name_or_path)]
        folder = root / name_or_path
        if spec.name == "macho" and not folder.exists() and (root / "macho_samples").exists():
            folder = root / "macho_samples"
    elif candidate.is_dir():
        # A registered dataset's folder given by its path is read as that dataset, where it
        # holds that dataset's files (asas_richards2012's catalogue is not a catalog.csv);
        # MACHO's files are recognised by themselves, as a catalog.csv alone is anyone's.
        registered = REGISTRY.get(name)
        spec = (registered if registered is not None and not registered.generated
                and registered.name != "macho"
                and all((candidate / f).exists() for f in registered.required)
                else user_folder_spec(candidate))
        folder = candidate
    elif candidate.is_file() and catalogued_archive(candidate):
        spec = DatasetSpec(_archive_stem(candidate), f"one file per star in {candidate}",
                           _per_star_folder, per_star=True)
        folder = candidate
    elif candidate.is_file() and (problem := _archive_problem(candidate)) is not None:
        raise InputError(problem)
    elif candidate.is_file():
        spec, folder = user_table_spec(candidate), candidate
    else:
        from difflib import get_close_matches

        near = get_close_matches(name_or_path, [*REGISTRY, *ALIASES], n=1)
        raise DatasetNotFoundError(
            f"unknown dataset {name_or_path!r}: not a registered name "
            f"({', '.join(REGISTRY)}), folder or table file"
            + (f"; did you mean {near[0]}?" if near else "")
        )
    if not spec.generated:
        missing = [f for f in spec.required if not (folder / f).exists()]
        if not (folder.is_dir() or (folder.is_file() and (spec.long_table or spec.per_star))
                ) or missing:
            raise DatasetNotFoundError(
                f"dataset {spec.name!r} not found: expected "
                f"{', '.join(spec.required) or 'its files'} in {folder}/. "
                f"Put the files there, or point --data-dir (or {DATA_DIR_ENV}) at the folder "
                f"that holds {folder.name}/. Source: {spec.source or 'your own survey files'}."
            )
    return spec, folder


def dataset_name(name_or_path: str, root: str | Path | None = None) -> str | None:
    """The name a dataset's runs and preparations get (a table file's without its suffix),
    or None where ``name_or_path`` is no dataset."""
    try:
        return resolve(name_or_path, root)[0].name
    except LcformerError:
        return None


def user_folder_spec(folder: Path) -> DatasetSpec:
    """Guess the layout of a user's folder: long table, MACHO files, or per-star files."""
    name = Path(os.path.abspath(folder)).name  # "." is named after the folder (links kept)
    if any((folder / f).exists() for f in LONG_TABLES):
        return DatasetSpec(name, f"long table in {folder}", _long_table, long_table=True)
    if (folder / "catalog.csv").exists() and (
        any(folder.rglob("LC_*.csv")) or any(folder.rglob("lc_*.tar.bz2"))
    ):
        return DatasetSpec(name, f"MACHO files in {folder}", _macho)
    catalogue = folder / "catalog.csv"
    if catalogue.exists():
        return DatasetSpec(name, f"one file per star in {folder}", _per_star_folder,
                           per_star=True)
    if _partitions_only(folder):  # labelled by a class column, or a labels.csv inside
        return DatasetSpec(name, f"long table in Parquet partitions in {folder}", _long_table,
                           long_table=True)
    if _labels_beside_star_files(folder):
        return DatasetSpec(name, f"one file per star in {folder}, labelled by labels.csv",
                           _labelled_star_files, per_star=True)
    raise DatasetNotFoundError(
        f"cannot tell the layout of {folder}: expected lightcurves.parquet/.csv/.fits/.tbl "
        f"(+ labels.csv), a table in Parquet partitions (*.parquet), or catalog.csv with one "
        f"light-curve file per star, or MACHO files"
        + (_rename_hint(folder) or table_and_labels_hint(folder) or _catalogue_hint(folder))
    )


def _labels_beside_star_files(folder: Path) -> bool:
    """Whether the folder is per-star files beside a labels.csv of star ids (OGLE's and
    ASAS-SN's users write one, and skipping it would go unsaid): some of its ids are the
    files' names, or it is beside three files or folders or more (TESS's and Kepler's files
    are named otherwise than their stars). Not a table of another name beside it, which is
    told what to rename, nor a labels.csv that lists files, which is a catalogue. Whether its
    ids name the stars, and whether it can be read at all, the reading says."""
    from lcformer.data.reading.files import read_str_table
    from lcformer.data.reading.one_star import name_band
    from lcformer.data.reading.per_star import file_stem

    if not (folder / "labels.csv").is_file() or _rename_hint(folder) or table_and_labels_hint(
            folder):
        return False
    entries = _star_entries(folder)
    try:
        labels = read_str_table(folder / "labels.csv")
    except LcformerError:
        return bool(entries)  # (reading it as labels says what is wrong)
    columns = {str(c).lower(): c for c in labels.columns}
    if "id" not in columns or {"filename", "path"} & set(columns):
        return False  # files listed: a catalogue, hinted; other columns: not labels
    names = {form for p in folder.rglob("*")
             if p.is_file() and p.name != "labels.csv" and not p.name.startswith(".")
             for form in (file_stem(p.name), name_band(p.name)[0])}
    return (len(entries) >= 3 or _one_archive(entries) is not None  # asas_richards2012's
            or not set(labels[columns["id"]]).isdisjoint(names))


def _star_entries(folder: Path) -> list[Path]:
    """What may hold a folder's star files: its entries but labels, hidden or set-aside ones
    (``.``, ``_``), and files that are never light curves (README.md)."""
    from lcformer.data.reading.per_star import NOT_LIGHT_CURVES

    return [p for p in folder.iterdir()
            if not p.name.lower().startswith("labels") and not p.name.startswith((".", "_"))
            and not (p.is_file() and p.suffix.lower() in NOT_LIGHT_CURVES)]


def _one_archive(entries: list[Path]) -> Path | None:
    """The one archive of star files among ``entries`` (:func:`_star_entries`), else None."""
    from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES

    if len(entries) == 1 and entries[0].is_file() and entries[0].name.lower().endswith(
            ARCHIVE_SUFFIXES):
        return entries[0]
    return None


def _labelled_star_files(folder: Path, report: DropReport, columns: Columns | None = None,
                         strict_columns: bool = True) -> LightCurves:
    """A folder's per-star files (:func:`~lcformer.data.reading.per_star.read_folder`: its
    stars as files, band folders and band-named files make them, or the one archive beside
    labels.csv that holds them) labelled by its labels.csv by star id, as a long table is:
    labels without a star are said and counted, and labels of other ids are said."""
    from lcformer.data.reading import read_folder
    from lcformer.data.reading.labels import join_labels

    source = _one_archive(_star_entries(folder)) or folder
    curves = read_folder(source, report=report, columns=columns, strict_columns=strict_columns)
    return join_labels(curves, folder / "labels.csv", Columns(), str(folder), report)


def table_and_labels_hint(folder: Path) -> str:
    """Where a folder holds two CSV tables, a long one and a short one of two or three
    columns that shares one column with it (CRTS's photometry and its classes, joined by
    MasterID): what to name them, and the --columns that join them; else ''."""
    import pandas as pd

    from lcformer.data.reading.column_names import column_role
    from lcformer.data.reading.files import is_csv

    tables = [p for p in folder.iterdir()
              if p.is_file() and not p.name.startswith(".") and is_csv(p)]
    if len(tables) != 2:
        return ""
    try:
        big, small = sorted(tables, key=lambda p: p.stat().st_size, reverse=True)
        names = {p: [str(c) for c in pd.read_csv(p, nrows=0).columns] for p in tables}
    except (OSError, ValueError, pd.errors.ParserError):
        return ""
    shared = [c for c in names[small] if c in names[big]]
    if len(shared) != 1 or len(names[small]) not in (2, 3) or len(names[big]) < 3:
        return ""
    key = shared[0]
    if column_role(key) is not None:  # a time or magnitude column: two stars' files
        return ""
    others = [c for c in names[small] if c != key]
    classes = [c for c in others if any(w in c.lower() for w in ("class", "type", "label"))]
    label = classes[0] if len(classes) == 1 else others[0] if len(others) == 1 else "NAME"
    return (f"; it looks like a long table ({big.name}, one row per point) and its labels "
            f"({small.name}), joined by {key}: name them lightcurves.csv and labels.csv and "
            f"give --columns id={key},class={label} (and the table's time, mag and err "
            f"columns, where named otherwise)")


def _holds_macho_files(folder: Path) -> bool:
    """Whether a folder's light-curve files are MACHO archive files (by their headers: a
    user's own LC_star.csv of time, mag is not one)."""
    from lcformer.data.reading.sniff import macho_folder

    try:
        return macho_folder(folder)
    except (OSError, ValueError):
        return False


def _catalogue_hint(folder: Path) -> str:
    """Where a folder holds files that may be one star each but no catalogue (nor labels of a
    table): the catalogue deeper in it (:func:`deeper_catalogue`), else what to write."""
    from lcformer.data.reading.per_star import NOT_LIGHT_CURVES

    if _holds_macho_files(folder):
        # (filename,class and labels.csv, as said below, are not how MACHO's are read)
        return (f"; it holds MACHO files: write {folder / 'catalog.csv'} with MACHO's "
                f"variable-star catalogue's columns field,tile,seqn,classification (its codes "
                f"read as class names), or give the folder to `lcformer predict`, which needs "
                f"no catalogue")
    if any(folder.glob("labels.*")):
        return labels_as_catalogue_hint(folder)
    if (deeper := deeper_catalogue(folder)) is not None:
        return f"; it holds {deeper}: give that folder, {deeper.parent}"
    found = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")
             and p.suffix.lower() not in NOT_LIGHT_CURVES]
    if not found:
        return ""
    suffixes = sorted({p.suffix or "(none)" for p in found})
    ident = next((p for p in found if p.name.lower() == "ident.dat"), None)
    ogle = (f" (OGLE's {ident} names each star and its type: docs/data.md shows how to "
            f"write catalog.csv from it, in the folder that holds the I/ and V/ folders)"
            if ident else "")
    return (f"; it holds {len(found):,} other file(s) ({', '.join(suffixes[:3])}): if each is a "
            f"star's light curve, write {folder / 'catalog.csv'} with filename,class (and band "
            f"where a star has a file per band), or labels.csv with id,class (the ids the "
            f"files' names), to train{ogle}, or give the folder to "
            f"`lcformer predict`, which needs no catalogue")


def labels_as_catalogue_hint(folder: Path) -> str:
    """A labels.csv that lists files (``filename,class``), as a catalogue does: what to
    name it; else ''."""
    from lcformer.data.reading.files import read_str_table

    try:
        columns = read_str_table(folder / "labels.csv", "labels table").columns
    except LcformerError:
        return ""
    if not {"filename", "path"} & set(columns):
        return ""
    return ("; its labels.csv lists files, as a catalogue does: name it catalog.csv (a "
            "labels.csv beside star files is read by id,class, the files' names)")


def deeper_catalogue(folder: Path) -> Path | None:
    """The shallowest catalog.csv below a folder that has none of its own (OGLE's
    ``phot/catalog.csv`` where ``ogle/`` was given), else None."""
    from lcformer.data.reading.per_star import catalogues_in

    found = catalogues_in(folder) if folder.is_dir() else []
    return folder / found[0] if found and "/" in found[0] else None


def _rename_hint(folder: Path) -> str:
    """Where a folder holds labels.csv and one table of another name, what to rename."""
    from lcformer.data.reading.files import table_suffix

    if not (folder / "labels.csv").is_file():
        return ""
    tables = [p for p in folder.iterdir() if p.is_file() and table_suffix(p.name)
              and not p.name.lower().startswith("labels.")]
    if len(tables) != 1:
        return ""
    suffix = table_suffix(tables[0].name)
    return f" (to read {tables[0].name} with labels.csv, name it lightcurves{suffix})"


def catalogued_archive(path: Path) -> bool:
    """An archive of per-star files with its catalog.csv inside: a labelled dataset, read as
    a folder with its catalogue is by every command (``predict``, ``describe``, ``prepare``)."""
    from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES, archive_catalogue

    return path.name.lower().endswith(ARCHIVE_SUFFIXES) and archive_catalogue(path) is not None


def _archive_problem(path: Path) -> str | None:
    """What is wrong with an archive (not a compressed table, ``.csv.zip``) that holds no
    catalogue of per-star files: damaged or empty, or no ``catalog.csv`` inside."""
    from lcformer.data.reading.files import table_suffix
    from lcformer.data.reading.per_star import (
        ARCHIVE_ERRORS,
        ARCHIVE_SUFFIXES,
        CATALOGUE,
        archive_names,
    )

    name = path.name.lower()
    if not name.endswith(ARCHIVE_SUFFIXES) or table_suffix(name) is not None:
        return None
    try:
        members = archive_names(path)
    except ARCHIVE_ERRORS as error:
        return f"{path}: a damaged or incomplete archive ({type(error).__name__}: {error})"
    if not members:
        return f"{path}: an empty archive"
    return (f"{path}: an archive of {len(members):,} file(s) without a {CATALOGUE} of per-star "
            f"files (filename,class) inside; add one, or unpack it and give the folder (a "
            f"long table: its folder or file)")


def _archive_stem(path: Path) -> str:
    from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES

    lower = path.name.lower()
    suffix = max((s for s in ARCHIVE_SUFFIXES if lower.endswith(s)), key=len)
    return path.name[:-len(suffix)] or path.name


def user_table_spec(path: Path) -> DatasetSpec:
    """A lone long table (one row per point) as a dataset, named after the file; its labels
    come from its own class (and split) column, as there is no labels.csv to pair it with."""
    from lcformer.data.reading.files import table_suffix, unsupported_format

    suffix = table_suffix(path.name) or next(
        (s for s in IPAC_SUFFIXES if path.name.lower().endswith(s)), None)  # IRSA's .tbl
    if suffix is None:
        raise InputError(unsupported_format(path) + "; or give the folder that holds it")
    name = path.name[:-len(suffix)]
    if not name or name.startswith(".") or name in REGISTRY or name in ALIASES:
        name = path.name.lstrip(".")  # not a registered dataset's runs and preparations, nor hidden
    return DatasetSpec(name, f"long table {path}", _long_table, long_table=True)


def _per_star_folder(folder: Path, report: DropReport, columns: Columns | None = None,
                     strict_columns: bool = True) -> LightCurves:
    """A folder's catalog.csv and its files (or the one archive beside it that holds them);
    an archive's own catalog.csv (the shallowest) and its files. The catalogue lists the files
    to read, so it is needed even to predict; another catalog.csv among the files is a copy
    not read, or refused where it differs (:func:`read_catalogue_folder`)."""
    from lcformer.data.reading import read_catalogue_folder
    from lcformer.data.reading.per_star import CATALOGUE, archive_catalogue, files_source

    if folder.is_file():
        catalogue, source = folder / (archive_catalogue(folder) or CATALOGUE), folder
    else:
        catalogue, source = folder / CATALOGUE, files_source(folder)
    return read_catalogue_folder(catalogue, source, report=report, columns=columns,
                                 strict_columns=strict_columns)


def work_dir(given: str | Path | None = None) -> Path:
    """Where prepared data, runs and sweeps go: the flag, else LCFORMER_WORK_DIR, else
    ./lcformer-work."""
    return Path(given or os.environ.get(WORK_DIR_ENV) or DEFAULT_WORK_DIR).expanduser()


def prepare_dataset(dataset: str, config: PrepareConfig | None = None,
                    data: str | Path | None = None, work: str | Path | None = None,
                    force: bool = False, progress: bool = True,
                    jobs: int = 1) -> tuple[PreparedDataset, bool]:
    """Prepare a dataset by name or folder (or reuse its identical earlier preparation), with
    a progress bar; ``config`` defaults to the dataset's presets. Returns (dataset, reused).
    ``jobs``: processes for the star views' period search, features and views (-1: one per
    CPU); it changes neither the result nor its cache folder. A script that uses it needs the
    ``if __name__ == "__main__":`` guard, as for any multiprocessing."""
    spec, folder = resolve(dataset, data)
    config = config or spec.prepare_config()
    table = long_table_file(folder) if spec.long_table else None
    if table is not None and table.is_dir():
        done = _prepare_partitions(spec, folder, table, config, work, force, progress, jobs)
    else:
        from lcformer.data.reading.sniff import read_dataset

        stages = ["reading", "cleaning", "samples", "writing"]
        # Stages done, the one under way, and no estimate: the stages take very unlike times
        # (the period search is most of them), so an estimate from the first ones misleads.
        with tqdm(total=len(stages), desc=f"prepare {spec.name}", disable=not progress,
                  leave=False, file=sys.stderr,
                  bar_format="{desc}: {n_fmt}/{total_fmt} stages done [{elapsed}{postfix}]"
                  ) as bar:

            def on_stage(stage: str) -> None:  # "samples: 1,024 of 13,909 stars" too
                bar.set_postfix_str(stage)
                bar.update(stages.index(stage.split(":")[0]) - bar.n)

            done = prepare(spec.name, lambda report: read_dataset(spec, folder, report,
                                                                  config.reading),
                           spec.fingerprint(folder, work_dir(work)), config,
                           work_dir(work) / "prepared",
                           force=force, on_stage=on_stage, n_jobs=jobs,
                           source="" if spec.generated else str(folder))
    said = unmatched_class_names(config.reading.class_map, done[0].report, set(done[0].classes))
    if said is not None and first_process():  # (once under torchrun)
        # (a typo, or another case, would rename nothing without a word)
        warnings.warn(f"{spec.name}: {said}", LcformerWarning, stacklevel=2)
    return done


def _prepare_partitions(spec: DatasetSpec, folder: Path, table: Path, config: PrepareConfig,
                        work: str | Path | None, force: bool, progress: bool,
                        jobs: int) -> tuple[PreparedDataset, bool]:
    """A table in Parquet partitions, prepared one partition at a time (bounded memory)."""
    from lcformer.data.partitioned import PartitionedTable, prepare_partitions
    from lcformer.data.reading.partitions import partition_files
    from lcformer.data.reading.sniff import read_dataset

    labels = folder / "labels.csv"
    partitioned = PartitionedTable(table, partition_files(table),
                                   labels if labels.exists() else None, config.reading)
    with tqdm(total=len(partitioned.paths), desc=f"prepare {spec.name}", unit="partition",
              disable=not progress, leave=False, file=sys.stderr) as bar:
        return prepare_partitions(
            spec.name, partitioned, spec.fingerprint(folder, work_dir(work)), config,
            work_dir(work) / "prepared",
            lambda report: read_dataset(spec, folder, report, config.reading), force=force,
            on_partition=lambda _: bar.update(1), n_jobs=jobs)
