"""Which curves of a folder's per-star files are one star, and its id.

One physical star read as several stars lands on both sides of a train/test split, so a
star's bands in band folders (OGLE's ``I/NAME.dat``, ``V/NAME.dat``) or in band-named files
(``NAME.I.dat``, ``NAME.V.dat``), and a mission's light curves of one target in several files
(TESS sectors, Kepler quarters), are made one star here; where two files hold one star's band,
their points are joined into one curve, as a star has one curve per band.
:mod:`.per_star` reads the files; this module only names their stars.
"""

from __future__ import annotations

import dataclasses
import posixpath
import warnings
from collections import Counter, defaultdict
from collections.abc import Collection

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.star_file import Curve
from lcformer.data.report import DropReport
from lcformer.errors import LcformerWarning

COMPRESSED_SUFFIXES = (".gz", ".bz2", ".xz")
#: Folder names that are a photometric band (compared as written: R and r are two filters).
#: Files of one name in such folders (OGLE's I/123.dat and V/123.dat) are one star's bands,
#: and so are files named ``123.I.dat`` and ``123.V.dat``. VISTA's Y, Z, Ks (VVV), Cousins'
#: Rc, Ic, ATLAS's o and c, Pan-STARRS's w, Kepler's Kp and Hipparcos's Hp are bands too.
BAND_FOLDERS = frozenset("U B V R I J H K Ks Y Z Rc Ic G BP RP u v g r i z y w o c W1 W2 W3 W4 "
                         "NUV FUV Kp Hp".split())


def file_stem(rel: str) -> str:
    """The file's name without its suffix (``123.dat.gz``: ``123``, as ``123.dat``)."""
    base = rel.rsplit("/", 1)[-1]
    if base.lower().endswith(COMPRESSED_SUFFIXES):
        base = base.rsplit(".", 1)[0]
    return base.rsplit(".", 1)[0] if "." in base.lstrip(".") else base


def band_folder(rel: str) -> str:
    """The band that a file's folder names (``I/123.dat``: I), else ''."""
    parts = rel.rsplit("/", 2)
    return parts[-2] if len(parts) > 1 and parts[-2] in BAND_FOLDERS else ""


def name_band(rel: str) -> tuple[str, str]:
    """A file's star name and the band its name ends in (``OGLE-1.I.dat``: OGLE-1, I), or
    its stem and '' (``J0123.4-5678.dat``: ``4-5678`` is no band)."""
    stem = file_stem(rel)
    name, _, band = stem.rpartition(".")
    return (name, band) if name and band in BAND_FOLDERS else (stem, "")


def _bands_of_stars(inside: dict[str, set[str]]) -> bool:
    """Whether ``inside`` (band -> the names of its files) is one set of stars in several
    bands: every key is a band, and most names of a band other than the largest (OGLE's
    sparse V) are in another band too (not spectral types' G/001.dat and K/003.dat, nor a
    lone ``star.B.dat``, by chance)."""
    if len(inside) < 2 or not set(inside) <= BAND_FOLDERS:
        return False
    bands_of = Counter(name for names in inside.values() for name in names)
    largest = max(sorted(inside), key=lambda band: len(inside[band]))  # ties: by name
    return any(2 * sum(bands_of[name] > 1 for name in names) > len(names)
               for band, names in inside.items() if band != largest)


def folder_bands(files_read: list[str], bands: list[str], report: DropReport) -> list[str]:
    """Each curve's band, where a file names none taken from its folder (``BAND_FOLDERS``)
    when files of one name lie in two or more band folders: OGLE's ``I/123.dat`` and
    ``V/123.dat`` are star 123 in I and V, not two stars of unknown band (which would be
    split between training and test); or when every file beside the band folder's lies in
    it (OGLE's ``I/`` alone, as ``predict RUN new/I`` reads it). Counted per file as
    ``band_from_folder_name``."""
    def parent(rel: str) -> str:  # the folder that holds the band folders
        return posixpath.dirname(posixpath.dirname(rel))

    def star(rel: str) -> str:  # I/123.I.dat is star 123 too
        name, band = name_band(rel)
        return name if band == posixpath.basename(posixpath.dirname(rel)) else file_stem(rel)

    names: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for rel in sorted(set(files_read)):  # parent -> folder -> the names of its files
        names[parent(rel)][posixpath.basename(posixpath.dirname(rel))].add(star(rel))
    paired = {at for at, inside in names.items()
              if _bands_of_stars(inside) or (len(inside) == 1 and set(inside) <= BAND_FOLDERS)}
    taken = [band or (band_folder(rel) if parent(rel) in paired else "")
             for rel, band in zip(files_read, bands, strict=True)]
    report.note("band_from_folder_name",
                len({rel for rel, band, now in zip(files_read, bands, taken, strict=True)
                     if now != band}))
    return taken


def file_name_bands(files_read: list[str], bands: list[str], report: DropReport) -> list[str]:
    """Each curve's band, where a file names none taken from its name's last part
    (``OGLE-LMC-LPV-00001.I.dat``: I, in ``BAND_FOLDERS``) when the names of a folder pair as
    band folders' do (:func:`_bands_of_stars`): a star's ``NAME.I.dat`` and ``NAME.V.dat`` are
    one star's bands, as OGLE's flat downloads name them, but a lone ``star.B.dat`` is not
    reinterpreted. Counted per file as ``band_from_file_name``."""
    inside: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for rel in set(files_read):  # folder -> band -> names
        name, named = name_band(rel)
        if named:
            inside[posixpath.dirname(rel)][named].add(name)
    paired = {at for at, found in inside.items() if _bands_of_stars(found)}
    taken = [band or (name_band(rel)[1] if posixpath.dirname(rel) in paired else "")
             for rel, band in zip(files_read, bands, strict=True)]
    report.note("band_from_file_name",
                len({rel for rel, band, now in zip(files_read, bands, taken, strict=True)
                     if now != band}))
    return taken


def one_stars_files(files: list[str]) -> bool:
    """Files that a catalogue's one name finds, each one band of one star: in a band folder
    of its own (``I/123.dat``, ``V/123.dat``), or named by a band of its own
    (``123.I.dat``, ``123.V.dat``)."""
    for band_of, name_of in ((band_folder, file_stem), (lambda rel: name_band(rel)[1],
                                                        lambda rel: name_band(rel)[0])):
        found = [band_of(rel) for rel in files]
        if (all(found) and len(set(found)) == len(files)
                and len(set(map(name_of, files))) == 1):
            return True
    return False


def star_name(rel: str, bands: set[str]) -> str:
    """A file's star as its name says: its stem, less a last part that is its one band
    (``OGLE-1.I.dat`` read in band I, from its name or a catalogue's band column: OGLE-1)."""
    stem = file_stem(rel)
    name, _, band = stem.rpartition(".")
    return name if name and bands == {band} else stem


def star_ids(files_read: list[str], report: DropReport,
             bands: list[str] | None = None) -> list[str]:
    """Each curve's star id: its file's name without the suffix (and without a last part
    that is the file's band: :func:`star_name`), unless several files share that name
    (``a/123.dat`` and ``b/123.dat``): they are different stars, not one, so theirs is the
    file's path in the folder (counted per file as ``id_is_path_for_files_of_one_name``).
    The exception is files whose named ``bands`` (from a catalogue, or their own band column)
    do not overlap: ``I/123.dat`` and ``V/123.dat`` in bands I and V are star ``123``. The
    rule is per file, so that one file's curves (its bands) stay one star."""
    bands = bands or [""] * len(files_read)
    bands_of: dict[str, set[str]] = defaultdict(set)  # file -> its bands
    for rel, band in zip(files_read, bands, strict=True):
        bands_of[rel].add(band)
    name_of = {rel: star_name(rel, found) for rel, found in bands_of.items()}
    files_of: dict[str, list[str]] = defaultdict(list)  # name -> its files
    for rel in bands_of:
        files_of[name_of[rel]].append(rel)
    by_path = set()
    for files in files_of.values():
        named = [bands_of[rel] for rel in files]
        if len(files) > 1 and ("" in set().union(*named)
                               or sum(map(len, named)) != len(set().union(*named))):
            by_path.update(files)
    report.note("id_is_path_for_files_of_one_name", len(by_path))

    def path_id(rel: str) -> str:  # a/X.I.dat and a/X.V.dat: star a/X, as X.dat is a/X.dat
        name = name_of[rel]
        return rel if name == file_stem(rel) else posixpath.join(posixpath.dirname(rel), name)

    return [path_id(rel) if rel in by_path else name_of[rel] for rel in files_read]


def object_stars(ids: list[str], files_read: list[str], objects: dict[str, str],
                 report: DropReport) -> list[str]:
    """Each curve's star id, where two or more files' FITS headers name one object
    (``objects``: file -> its name, :func:`~.astropy_tables.fits_object`): that name (``TIC
    25155310``), as TESS gives one file a sector and Kepler one a quarter. A file alone keeps
    its id (its stem). Counted per file as ``one_star_in_several_files``."""
    files_of: dict[str, set[str]] = defaultdict(set)
    for rel in set(files_read):
        if objects.get(rel):
            files_of[objects[rel]].add(rel)
    joined = {rel: name for name, files in files_of.items() if len(files) > 1 for rel in files}
    report.note("one_star_in_several_files", len(joined))
    return [joined.get(rel, star) for rel, star in zip(files_read, ids, strict=True)]


def join_curves(ids: list[str], bands: list[str], arrays: list[Curve], values: list[list[str]],
                report: DropReport) -> tuple[list[str], list[str], list[Curve], list[list[str]]]:
    """The curves of one star and band that several files hold (TESS's sectors) as one
    curve, its points sorted by time: a star has one curve per band. ``values`` (labels,
    splits: one a curve, already checked to agree within a star) keep the first given.
    Counted per file joined as ``curves_joined_from_several_files``."""
    at: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, key in enumerate(zip(ids, bands, strict=True)):
        at[key].append(k)
    if len(at) == len(ids):
        return ids, bands, arrays, values
    joined: list[Curve] = []
    stepped: list[tuple[str, str, float, float]] = []  # (star, band, lowest, highest median)
    for (star, band), rows in at.items():
        parts = [arrays[k] for k in rows]
        time, mag, err = (np.concatenate([p[i] for p in parts]) for i in range(3))
        order = np.argsort(time, kind="stable")
        joined.append((time[order], mag[order], err[order]))
        if len(parts) > 1 and (levels := _level_step(parts)) is not None:
            stepped.append((star, band, *levels))
    report.note("curves_joined_from_several_files",
                sum(len(rows) for rows in at.values() if len(rows) > 1))
    if stepped:
        report.note(LEVEL_STEPS, len(stepped))
        star, band, low, high = stepped[0]
        warnings.warn(f"{len(stepped):,} curve(s) joined from several files (Kepler's quarters, "
                      f"TESS's sectors) step in level between their files by more than "
                      f"{LEVEL_STEP:g} times the scatter within a file (the first, {star}"
                      f"{f' in {band}' if band else ''}: medians from {low:.6g} to "
                      f"{high:.6g}): a mission's apertures differ so from quarter to quarter, "
                      f"and the period search then finds the steps; normalise each file to "
                      f"its median first (lightkurve's stitch) unless the star varies more "
                      f"slowly than a file lasts (a Mira)", LcformerWarning, stacklevel=3)
    firsts = [rows[0] for rows in at.values()]
    return ([ids[k] for k in firsts], [bands[k] for k in firsts], joined,
            [[next((v[k] for k in rows if v[k]), "") for rows in at.values()]
             for v in values])


#: Counted per curve joined from files whose medians lie more than LEVEL_STEP times the
#: median scatter (interquartile range) of a file apart, each of LEVEL_POINTS points or more
#: (Kepler's PDCSAP quarters, +-3% apart, give a 3.7-day rotator of 1% a 475-day period).
LEVEL_STEPS, LEVEL_STEP, LEVEL_POINTS = "curves_joined_with_level_steps", 3.0, 20


def _level_step(parts: list[Curve]) -> tuple[float, float] | None:
    """The lowest and highest of the files' medians where they step (:data:`LEVEL_STEP`),
    else None. A file's scatter is at least its values' resolution and median error (a
    constant star rounded to 0.01 mag has no scatter, yet steps by one rounding)."""
    kept = [(m[np.isfinite(m)], e[np.isfinite(e)]) for _, m, e in parts]
    kept = [(m, e) for m, e in kept if len(m) >= LEVEL_POINTS]
    if len(kept) < 2:
        return None
    medians = [float(np.median(m)) for m, _ in kept]
    scatter = float(np.median([_file_scatter(m, e) for m, e in kept]))
    if max(medians) - min(medians) > LEVEL_STEP * scatter:
        return min(medians), max(medians)
    return None


def _file_scatter(mag: np.ndarray, err: np.ndarray) -> float:
    """A file's interquartile range, but at least its median error and the step between
    its values (their rounding)."""
    values = np.unique(mag)
    resolution = float(np.min(np.diff(values))) if len(values) > 1 else 0.0
    error = float(np.median(err)) if len(err) else 0.0
    return max(float(np.subtract(*np.percentile(mag, [75, 25]))), error, resolution)


#: The first readers (``READERS_VERSION``) that make one star of a star's several files.
ONE_STAR_READERS = 5
#: What those readers count where they made one star of several files, which earlier ones
#: read as several stars.
ONE_STAR_EVENTS = ("band_from_file_name", "one_star_in_several_files",
                   "curves_joined_from_several_files")


def bands_in_names(lcs: LightCurves, bands: Collection[str], report: DropReport
                   ) -> LightCurves:
    """Curves without a band whose star is named ``NAME.B`` with B one of ``bands`` (a
    trained model's, ``I`` and ``V``): star NAME in band B, as the model's band-named files
    were read. :func:`file_name_bands` takes a name's band only where a folder holds stars in
    two bands, and a new star may come with one band's file. A name already taken in that
    band (or with no band), or names whose labels differ, keep their curves as they are.
    Counted per curve as ``band_from_file_name``."""
    named = [band for band in bands if band in BAND_FOLDERS]
    if not named or lcs.n_curves == 0:
        return lcs
    ids = pd.Series(np.asarray(lcs.ids, dtype=object)).astype(str)
    parts = ids.str.rpartition(".")
    take = ((np.asarray(lcs.bands, dtype=object) == "") & parts[2].isin(named).to_numpy()
            & (parts[0] != "").to_numpy())
    if not take.any():  # (most calls: the checks below cost a star's prediction 3 ms)
        return lcs
    new_ids = np.where(take, parts[0].to_numpy(dtype=object), lcs.ids).astype(object)
    new_bands = np.where(take, parts[2].to_numpy(dtype=object), lcs.bands).astype(object)
    frame = pd.DataFrame({"id": new_ids, "band": new_bands,
                          "label": "" if lcs.labels is None else lcs.labels})
    taken = frame["id"].isin(set(np.asarray(lcs.ids, dtype=object)[~take]))  # NAME exists
    twice = frame.duplicated(["id", "band"], keep=False)  # NAME.I twice
    classes = frame.groupby("id")["label"].transform("nunique")  # NAME.I Mira, NAME.V RRL
    take &= ~(taken | twice | (classes > 1)).to_numpy()
    if not take.any():
        return lcs
    report.note("band_from_file_name", int(take.sum()))
    new_ids = np.where(take, new_ids, lcs.ids).astype(object)
    new_bands = np.where(take, new_bands, lcs.bands).astype(object)
    codes, _ = pd.factorize(pd.Series(new_ids), sort=False)  # a star's curves side by side
    order = np.argsort(codes, kind="stable")
    renamed = dataclasses.replace(lcs, ids=new_ids, bands=new_bands)
    return renamed.select(order)
