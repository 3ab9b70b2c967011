"""Prepared datasets on disk: the model inputs (star views with their periods, or token
windows) as memory-mappable arrays plus a manifest.

Preparing (read -> clean -> label filter -> periods and star views, or tokens) happens once per
input and configuration.
The folder name carries a hash of both, so running ``lcformer prepare`` again with the same
inputs reuses the folder and any change builds a new one. The folder is built under a temporary
name and renamed into place, so an interrupted run never leaves a folder that looks complete.

A *sample* is one input of a model: a token window of one band for the research models, a
star view (or a chunk of a long one) for the periodic model (:mod:`lcformer.data.samples`).
Array names keep the older word "window" for it (``n_windows``, ``window_curve.npy``).

Layout of a prepared folder::

    manifest.json        config, classes, counts, input hash, package version, a digest of
                         the data code's source, and the SHA-256 of every other file
                         (checked when the folder is opened)
    report.json          every dropped point and curve, by reason
    curves.parquet       one row per kept curve: id, band, label, split, n_points, n_windows
    tokens.npy           (n_windows, n_tokens, TokenConfig.n_features) float32; star
                         views: (n_samples, max_obs, 7 + n_bands), views.TOKEN_CHANNELS
    mask.npy             (n_windows, n_tokens) bool, True for real tokens
    window_curve.npy     (n_windows,) int32, row of curves.parquet
    window_extra.npy     (n_windows, n_extra) float32: per-star values of star views (else 0 wide)
    periods.parquet      star views: the period search, one row per star
    cleaned.parquet      one row per cleaned curve of a kept star (every band): id, band,
                         label, split, n_points
    points.npy           (n_points, 3) float64: time, mag, err of those curves, in order

Opening a folder checks every file against its digest, so a damaged array (a flipped byte, a
truncated copy) is refused, naming the file, instead of training or predicting from it.

The cleaned curves are kept so that whatever else needs the stars' points (the feature
baseline, sweeps) reads them from here instead of reading and cleaning the survey again.
A dataset can also be built in memory (:func:`build`), which is what ``Classifier.fit`` does.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import shlex
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from lcformer import __version__, atomic
from lcformer.config import Config, list_text, setting
from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.periods import NYQUIST_EVENT, PERIOD_EDGE, PeriodConfig
from lcformer.data.reading import READERS_VERSION
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.files import table_suffix
from lcformer.data.reading.labels import refuse_empty_labels
from lcformer.data.report import DropReport, kept_warnings
from lcformer.data.samples import SAMPLES_VERSION, SampleInfo, Samples, make_samples
from lcformer.data.tokens import TokenConfig
from lcformer.data.views import ViewConfig
from lcformer.errors import (
    ConfigError,
    ConfigMismatchError,
    CorruptFileError,
    DatasetNotFoundError,
    InputError,
    LcformerWarning,
    NothingToTrainError,
)
from lcformer.hardware import first_process

# 2: cleaned curves kept (cleaned.parquet, points.npy); star views. 3: SHA-256 of every file.
# 4: without each window's first time and point errors, which nothing read (folders of
# format 3 open as well: their two extra arrays are checked and left unread).
FORMAT_VERSION = 4
READABLE_FORMATS = (3, 4)
ARRAYS = ("tokens", "mask", "window_curve", "window_extra", "points")
#: Written last, with every file's SHA-256: a prepared folder with a manifest is complete.
MANIFEST_FILE = "manifest.json"
REPORT_FILE = "report.json"  # what reading and cleaning dropped, by reason


@dataclass(frozen=True)
class PrepareConfig(Config):
    tokens: TokenConfig = setting(factory=TokenConfig)
    cleaning: CleaningConfig = setting(factory=CleaningConfig)
    classes: tuple[str, ...] | None = setting(None, "keep only these classes (a name with a "
                                                    "comma in double quotes; default: all)",
                                              metavar="C1,C2")
    keep_bands: tuple[str, ...] | None = setting(
        None, "keep only these bands, as the files name them (default: all; the research "
              "MACHO table used B alone)", metavar="B1,B2")
    min_class_windows: int = setting(0, "drop classes with fewer windows (the research "
                                        "`thresh`; star views: fewer stars)")
    # Set from the model: its registry entry says which inputs it reads.
    inputs: Literal["windows", "stars"] = setting("windows", cli=False)
    views: ViewConfig = setting(factory=ViewConfig)
    periods: PeriodConfig = setting(factory=PeriodConfig)
    features: bool = setting(True, "star views: also the feature baseline's light-curve "
                                   "features of each star (but the periodogram's peaks: the "
                                   "period search gives them), fused into the model (and its "
                                   "forest)")
    # How the user's files were read (--columns, --flux): another reading is another input.
    reading: ReadConfig = setting(factory=ReadConfig)


@dataclass
class PreparedDataset:
    """A dataset's model inputs (star views, or token windows) and cleaned curves: a prepared
    folder opened with its arrays memory-mapped (nothing is unpickled), or the same built in
    memory (``path`` None). Its "windows" are the samples of either kind (older names)."""

    path: Path | None
    manifest: dict[str, Any]
    curves: pd.DataFrame  # curves with samples: id, band, n_points, n_windows, label, split
    tokens: np.ndarray
    mask: np.ndarray
    window_curve: np.ndarray
    window_extra: np.ndarray  # (n_windows, n_extra): per-star values of star views
    cleaned: pd.DataFrame  # every cleaned curve of a kept star: id, band, n_points, label...
    points: np.ndarray  # (n_points, 3): time, mag, err of the ``cleaned`` curves
    drop_report: DropReport
    periods: pd.DataFrame | None = None  # star views: the period search, one row per star

    @property
    def info(self) -> SampleInfo:
        return SampleInfo(list(self.manifest.get("bands", [])),
                          list(self.manifest.get("extra_names", [])), self.periods,
                          self.manifest.get("feature_span"))

    @classmethod
    def open(cls, path: str | Path, mmap: bool = True, verify: bool = True) -> PreparedDataset:
        """Open a prepared folder; ``verify``: check every file's SHA-256 first (a second or
        so per GB; skipped only right after this process wrote the folder)."""
        path = Path(path)
        manifest_path = path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise DatasetNotFoundError(f"{path} is not a prepared dataset (no manifest.json)")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError):
            manifest = None
        if not isinstance(manifest, dict):
            raise CorruptFileError(f"{manifest_path}: damaged (not a JSON object); "
                                   f"{_rebuild_hint(path, {})}")
        if manifest.get("format_version") not in READABLE_FORMATS:
            raise ConfigMismatchError(
                f"{path} was prepared by an older lcformer (format "
                f"{manifest.get('format_version')}, now {FORMAT_VERSION}); run `lcformer "
                f"prepare` again, which writes a new folder")
        if verify:
            verify_files(path, manifest)
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r" if mmap else None,
                          allow_pickle=False)
            for name in ARRAYS
        }
        report = DropReport.from_dict(json.loads((path / REPORT_FILE).read_text()))
        periods = (pd.read_parquet(path / "periods.parquet")
                   if (path / "periods.parquet").is_file() else None)
        return cls(path=path, manifest=manifest, curves=pd.read_parquet(path / "curves.parquet"),
                   cleaned=pd.read_parquet(path / "cleaned.parquet"), drop_report=report,
                   periods=periods, **arrays)

    @property
    def name(self) -> str:
        return str(self.manifest["name"])

    @property
    def classes(self) -> list[str]:
        return list(self.manifest["classes"])

    @property
    def config(self) -> PrepareConfig:
        return PrepareConfig.from_dict(self.manifest["config"])

    @property
    def report(self) -> DropReport:
        return self.drop_report

    def __len__(self) -> int:
        return len(self.window_curve)

    # Star-level views (computed once): a star owns one curve per band.
    @cached_property
    def stars(self) -> pd.DataFrame:
        """One row per star with windows: id, label, split, n_curves, n_points, n_windows."""
        agg: dict[str, Any] = {"n_points": "sum", "n_windows": "sum", "band": "count"}
        agg |= {c: "first" for c in ("label", "split") if c in self.curves}
        table = self.curves.groupby("id", sort=False).agg(agg).reset_index()
        return table.rename(columns={"band": "n_curves"})

    @cached_property
    def curve_star(self) -> np.ndarray:
        """For each curve, the row of :attr:`stars` it belongs to."""
        codes, _ = pd.factorize(self.curves["id"])
        return codes

    @cached_property
    def window_star(self) -> np.ndarray:
        return self.curve_star[np.asarray(self.window_curve)]

    @cached_property
    def window_label(self) -> np.ndarray:
        """Class index of each window (-1 where the star has no label)."""
        if "label" not in self.curves:
            return np.full(len(self), -1, dtype=np.int64)
        codes = pd.Categorical(self.curves["label"], categories=self.classes).codes
        return codes.astype(np.int64)[np.asarray(self.window_curve)]

    def cleaned_curves(self) -> LightCurves:
        """The cleaned curves of the kept stars, every band, as the preparation cleaned them."""
        table = self.cleaned
        return LightCurves.from_arrays(
            table["id"].to_numpy(), table["band"].to_numpy(), table["n_points"].to_numpy(),
            self.points[:, 0], self.points[:, 1], self.points[:, 2],
            labels=table["label"].to_numpy() if "label" in table else None,
            splits=table["split"].to_numpy() if "split" in table else None)


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read in chunks."""
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _rebuild_hint(path: Path, manifest: dict[str, Any]) -> str:
    name = manifest.get("name") or path.name.rsplit("-", 1)[0]
    return (f"rebuild it with `lcformer prepare {name} --force` (and the options it was "
            f"prepared with), or delete {path}")


def verify_files(path: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists with its recorded SHA-256; else a
    CorruptFileError naming the file."""
    files = manifest.get("files")
    required = [f"{name}.npy" for name in ARRAYS] + ["curves.parquet", "cleaned.parquet",
                                                      REPORT_FILE]
    if not isinstance(files, dict) or not set(required) <= set(files):
        raise CorruptFileError(f"{path / 'manifest.json'}: damaged (its list of files and "
                               f"their SHA-256 digests is incomplete); "
                               f"{_rebuild_hint(path, manifest)}")
    for name, digest in files.items():
        file = path / str(name)
        if not file.is_file():
            raise CorruptFileError(f"{file}: missing from the prepared dataset; "
                                   f"{_rebuild_hint(path, manifest)}")
        if file_digest(file) != digest:
            raise CorruptFileError(f"{file}: damaged (its SHA-256 differs from the one in "
                                   f"manifest.json); {_rebuild_hint(path, manifest)}")


def fingerprint_files(paths: list[Path], exclude: Path | None = None) -> str:
    """SHA-256 over the names, sizes and contents of the input files (folders walked), but
    those below ``exclude`` (a work folder inside the data folder: its own outputs would
    change the input at every run)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    skip = exclude.resolve() if exclude is not None else None
    from lcformer.data.reading.per_star import hidden_path, walk_files

    for p in map(Path, paths):
        # the files the readers read (linked folders outside the data folder too: an
        # edited file there must not reuse an earlier preparation); not the hidden ones,
        # which they leave out (Finder rewrites .DS_Store, git its .git/)
        found = (sorted(q for q, error in walk_files(p)
                        if error is None and not hidden_path(q.relative_to(p).as_posix()))
                 if p.is_dir() else [p])
        # Only a work folder inside the data folder, or reached through a link in it (else
        # its outputs would change the hash at every run); data inside the work
        # folder is data.
        if skip is not None and p.is_dir() and not p.resolve().is_relative_to(skip):
            found = [q for q in found if not q.resolve().is_relative_to(skip)]
        files += found
    for f in files:
        # (a name that is not UTF-8, Latin-1's: its bytes, as the file system holds them)
        digest.update(f"{f.name}\0{f.stat().st_size}\0".encode("utf-8", "surrogateescape"))
        with open(f, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


@cache
def data_code_digest() -> str:
    """SHA-256 of the source of :mod:`lcformer.data`, the code that reads, cleans and
    prepares: a preparation made by other code (an edit between releases, a new period
    search) is made again instead of reused. Version numbers alone missed such edits."""
    root = Path(__file__).parent
    digest = hashlib.sha256()
    for source in sorted(root.rglob("*.py")):
        if source.name.startswith(".") or not source.is_file():  # an editor's lock file
            continue
        digest.update(f"{source.relative_to(root).as_posix()}\0".encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def cache_key(name: str, input_hash: str, config: PrepareConfig) -> str:
    """What names a preparation's folder. lcformer's version and the source of its data
    code are part of it: another release, or changed readers or period search, may read,
    clean or prepare the same files differently, so they do not reuse this one's."""
    payload = json.dumps({"name": name, "input": input_hash, "config": config.to_dict(),
                          "format": FORMAT_VERSION, "samples": SAMPLES_VERSION,
                          "readers": READERS_VERSION, "lcformer": __version__,
                          "code": data_code_digest()},
                         sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def prepare(
    name: str,
    read: Callable[[DropReport], LightCurves],
    input_hash: str,
    config: PrepareConfig,
    out_root: str | Path,
    force: bool = False,
    on_stage: Callable[[str], None] | None = None,
    n_jobs: int = 1,
    source: str = "",
) -> tuple[PreparedDataset, bool]:
    """Prepare ``name`` under ``out_root`` or reuse an identical earlier preparation.

    ``read`` loads the raw curves (adding reader problems to the report it is given). Returns the
    opened dataset and whether it was reused. ``n_jobs``: processes for the star views (see
    :mod:`lcformer.data.samples`); a runtime setting, not part of the cache key: the folder is
    the same, byte for byte, whatever it is.
    """
    stage = on_stage or (lambda _: None)

    def write(path: Path) -> None:
        report = DropReport()
        stage("reading")
        with kept_warnings(report):
            raw = read(report)
            data = build(name, raw, config, input_hash, report, on_stage, n_jobs, source)
        stage("writing")
        save(data, path)

    return cached(name, input_hash, config, out_root, force, write)


#: Inside one command (the CLI sets it), the preparations whose warnings were said: an
#: ablation reuses one per row, and says them once; from Python (None), every reuse says them.
SAID_IN_COMMAND: contextvars.ContextVar[set[Path] | None] = contextvars.ContextVar(
    "said_in_command", default=None)


def cached(name: str, input_hash: str, config: PrepareConfig, out_root: str | Path, force: bool,
           write: Callable[[Path], None]) -> tuple[PreparedDataset, bool]:
    """The preparation of ``name`` with these input and settings: reused when its folder
    exists (and not ``force``), else made by ``write(folder)``. Returns (it, reused)."""
    key = cache_key(name, input_hash, config)
    path = Path(out_root) / f"{name}-{key[:12]}"
    atomic.remove_orphans(path.parent)  # what killed preparations left
    if (path / MANIFEST_FILE).is_file() and not force:
        reused = PreparedDataset.open(path)
        said = SAID_IN_COMMAND.get()
        if first_process() and (said is None or path not in said):  # (once under torchrun)
            if said is not None:
                said.add(path)
            for text in reused.drop_report.warnings:
                warnings.warn(f"{text} [said when {name} was prepared; that preparation is "
                              f"reused: {path}]", LcformerWarning, stacklevel=3)
        return reused, True
    write(path)  # (its warnings said as it read)
    if (said := SAID_IN_COMMAND.get()) is not None:
        said.add(path)
    return PreparedDataset.open(path, verify=False), False  # just written and hashed


def build(name: str, raw: LightCurves, config: PrepareConfig, input_hash: str = "",
          report: DropReport | None = None, on_stage: Callable[[str], None] | None = None,
          n_jobs: int = 1, source: str = "") -> PreparedDataset:
    """Clean, filter labels, make the samples and drop small classes, in memory.
    ``source``: the file or folder read, which errors name (else ``name``). A labels file of
    only a header, which the readers read as none, is refused here: training needs labels."""
    stage = on_stage or (lambda _: None)
    report = report if report is not None else DropReport()
    refuse_empty_labels(report)
    stage("cleaning")
    cleaned, report = clean(raw, config.cleaning, report)
    check_time_spans(cleaned, report, source or name)
    check_kept_bands(config, set(cleaned.bands.tolist()), source or name)
    check_classes(config, set(raw.labels.tolist()) if raw.labels is not None else None,
                  source or name)
    cleaned = filter_curves(cleaned, config, report, source or name)
    stage("samples")
    samples, info = make_samples(
        cleaned, config, report, n_jobs=n_jobs,
        on_stars=lambda done, total: stage(f"samples: {done:,} of {total:,} stars"))
    lcs, samples = drop_small_classes(cleaned, samples, config.min_class_windows, report,
                                      star_views=config.inputs == "stars")
    part = Assembled.of(lcs, samples, info, config)
    return PreparedDataset(
        path=None,
        manifest=manifest_of(name, config, input_hash, part.curves, info,
                             (raw.n_stars, raw.n_curves, raw.n_points)),
        curves=part.curves, tokens=samples.tokens, mask=samples.mask,
        window_curve=part.window_curve, window_extra=samples.extra, cleaned=part.cleaned,
        points=part.points, drop_report=report, periods=part.periods)


@dataclass
class Assembled:
    """What a prepared folder keeps of cleaned curves and their samples, beside the samples'
    own arrays (the preparation of a whole table, or of one partition of it)."""

    curves: pd.DataFrame  # the curves with samples, with n_windows
    window_curve: np.ndarray  # (n_samples,) int32: row of ``curves``
    cleaned: pd.DataFrame  # every cleaned curve of a star with a sample
    points: np.ndarray  # (n_points, 3) float64: their time, mag, err
    periods: pd.DataFrame | None  # the period search of the stars with a sample

    @classmethod
    def of(cls, lcs: LightCurves, samples: Samples, info: SampleInfo,
           config: PrepareConfig) -> Assembled:
        n_windows = np.bincount(samples.curve, minlength=lcs.n_curves)
        table = _curve_table(lcs)
        table["n_windows"] = n_windows
        # A curve that gives no window cannot be used by the token models; make_windows
        # counted it. A star view uses every curve of its star. The cleaned curves of every
        # star with a sample are kept whole.
        codes, stars = lcs.star_codes()  # (np.isin of text ids is quadratic: codes are not)
        star_has = np.zeros(len(stars), dtype=bool)
        star_has[codes[samples.curve]] = True
        has_sample = star_has[codes]
        used = n_windows > 0 if config.inputs == "windows" else has_sample
        remap = np.cumsum(used) - 1
        curves = table[used].reset_index(drop=True)
        kept = lcs.select(has_sample)
        periods = info.periods
        if periods is not None:
            periods = periods[periods["id"].isin(set(curves["id"]))].reset_index(drop=True)
        return cls(curves, remap[samples.curve].astype(np.int32), _curve_table(kept),
                   np.column_stack([kept.time, kept.mag, kept.err]).astype(np.float64),
                   periods)

    def tables(self) -> Assembled:
        """The tables alone (a row per curve or star), without the arrays."""
        return replace(self, window_curve=np.empty(0, np.int32), points=np.empty((0, 3)))


def manifest_of(name: str, config: PrepareConfig, input_hash: str, curves: pd.DataFrame,
                info: SampleInfo, read: tuple[int, int, int]) -> dict[str, Any]:
    """The manifest (but its files' digests); ``read``: stars, curves and points read."""
    return {
        "name": name,
        "lcformer_version": __version__,
        "data_code": data_code_digest(),
        "format_version": FORMAT_VERSION,
        "input_hash": input_hash,
        "config": config.to_dict(),
        "classes": sorted(set(curves["label"])) if "label" in curves else [],
        "bands": info.bands,
        "extra_names": info.extra_names,
        "feature_span": info.feature_span,
        "counts": summary_counts(curves, read),
    }


def _curve_table(lcs: LightCurves) -> pd.DataFrame:
    table = pd.DataFrame({"id": lcs.ids.astype(str), "band": lcs.bands.astype(str),
                          "n_points": lcs.lengths})
    if lcs.labels is not None:
        table["label"] = lcs.labels.astype(str)
    if lcs.splits is not None:
        table["split"] = lcs.splits.astype(str)
    return table


def save(data: PreparedDataset, path: Path) -> None:
    """Write everything into a temporary folder, then the manifest with every file's SHA-256,
    then rename the folder into place."""
    with atomic.building_directory(path) as tmp:
        for name in ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(data, name))
        write_tables(tmp, data.curves, data.cleaned, data.periods, data.drop_report,
                     data.manifest)


def write_tables(folder: Path, curves: pd.DataFrame, cleaned: pd.DataFrame,
                 periods: pd.DataFrame | None, report: DropReport,
                 manifest: dict[str, Any]) -> None:
    """The tables and the report beside the arrays already in ``folder``, then the manifest
    with every file's SHA-256 (written last: a folder with a manifest is complete)."""
    write_parquet(curves, folder / "curves.parquet")
    write_parquet(cleaned, folder / "cleaned.parquet")
    if periods is not None:
        write_parquet(periods, folder / "periods.parquet")
    (folder / REPORT_FILE).write_text(report.to_json())
    files = {p.name: file_digest(p) for p in sorted(folder.iterdir())}
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest | {"files": files}, indent=2))


def write_parquet(table: pd.DataFrame, path: Path) -> None:
    """``table`` as Parquet, the same bytes however its rows were put together: a
    concatenation of partitions' tables holds its strings in chunks, which pyarrow would
    write as pages of their own."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(table, preserve_index=False).combine_chunks(), path)


def check_time_spans(cleaned: LightCurves, report: DropReport, name: str) -> None:
    """An InputError where every star's times span more than ``MAX_SPAN_DAYS`` (274 years):
    no star's times are days (SuperWASP's times in seconds, a FITS column without a
    unit, would train to exit 0 on stars without periods). Some such stars are warned of
    (:mod:`.cleaning`)."""
    from lcformer.data.cleaning import MAX_SPAN_DAYS, TOO_LONG

    if cleaned.n_stars and report.events[TOO_LONG] >= cleaned.n_stars:
        raise InputError(f"{name}: every star's times span more than {MAX_SPAN_DAYS:,.0f} "
                         f"days, so they are not days: times in seconds, or in two systems; "
                         f"give them in days (a FITS or ECSV time column whose unit says s "
                         f"is converted)")


def check_kept_bands(config: PrepareConfig, bands: set[str], name: str) -> None:
    """A ConfigError when ``--keep-bands`` names a band that no cleaned curve has (a typo
    would otherwise drop every curve of the bands meant)."""
    missing = [b for b in config.keep_bands or () if b not in bands]
    if missing and bands:
        there = ("its curves name no band (a band column of a table or of a star's file, "
                 "or a per-star catalogue, names them)" if bands == {""} else
                 f"its bands: {', '.join(b or '(no band named)' for b in sorted(bands))}")
        raise ConfigError(f"{name}: no curve in band {', '.join(missing)} (--keep-bands); "
                          f"{there}")


def warn_of_classes_in_two_cases(labels: set[str], name: str) -> None:
    """Warn where two classes differ only in case (``rrl`` and ``RRL``: two classes, as
    training learns them; ``describe`` says it too, as it lists them) or in a trailing
    colon (VSX's uncertain ``RRAB:`` beside ``RRAB``), with the renaming that merges
    them."""
    by_case: dict[str, list[str]] = {}
    for label in sorted(c for c in labels if c):
        by_case.setdefault(label.lower().rstrip(":"), []).append(label)
    if twins := [names for names in by_case.values() if len(names) > 1]:
        first = twins[0]
        ends = {c.endswith(":") for c in first}
        colon = len(ends) > 1  # some with it, some without (not where all have it)
        cased = len({c.rstrip(":") for c in first}) > 1
        what = " and ".join(["case"] * cased + ["a trailing colon (an uncertain type)"] * colon)
        into = next((c for c in first if not c.endswith(":")), first[0])
        merge = list_text([f"{c}={into}" for c in first if c != into], sep=",")
        warnings.warn(f"{name}: classes {' and '.join(map(repr, first))} differ only in "
                      f"{what}, so they are {len(first)} classes"
                      + (f" ({len(twins) - 1} more such group(s))" if len(twins) > 1 else "")
                      + f"; spell them alike if they are one (--class-names "
                        f"{shlex.quote(merge)})", LcformerWarning, stacklevel=3)


#: Class names that say a star has no known type, in a catalogue's own words (compared in
#: lower case; ``NA``, ``None`` and the like already read as no class): trained as a class,
#: they teach the model nothing of a type, and it predicts them.
NO_TYPE_NAMES = frozenset({"?", "??", "unknown", "unk", "unclassified", "uncertain", "-", "--"})


def warn_of_classes_of_no_type(labels: set[str], chosen: tuple[str, ...] | None,
                               name: str) -> None:
    """Warn where a class to be trained is named as no type (:data:`NO_TYPE_NAMES`: a
    catalogue's ``?``), unless ``--classes`` (``chosen``) chose the classes."""
    named = sorted(c for c in labels if c.strip().lower() in NO_TYPE_NAMES)
    if named and chosen is None:
        what = (f"the class {named[0]!r} names no type, yet is trained as a class"
                if len(named) == 1 else f"the classes {list_text([repr(c) for c in named])} "
                                        f"name no type, yet are trained as classes")
        warnings.warn(f"{name}: {what} that the model learns and predicts; leave those "
                      f"stars' class empty (they are then not trained on), or choose the "
                      f"classes to train (--classes)", LcformerWarning, stacklevel=3)


def check_classes(config: PrepareConfig, labels: set[str] | None, name: str) -> None:
    """A ConfigError when ``--classes`` names a class that no star has (a typo, or another
    case, would otherwise drop that class's stars, or all of them, without a word); a
    warning where two classes differ only in case (:func:`warn_of_classes_in_two_cases`),
    or one is named as no type (:func:`warn_of_classes_of_no_type`)."""
    warn_of_classes_in_two_cases(labels or set(), name)
    warn_of_classes_of_no_type(labels or set(), config.classes, name)
    missing = [c for c in config.classes or () if c not in (labels or set())]
    if missing and labels is not None:
        there = sorted(c for c in labels if c)
        near = [c for c in there if c.lower() in {m.lower() for m in missing}]
        renamed = [m for m in missing if m in config.reading.class_map]
        raise ConfigError(f"{name}: no star of class {', '.join(map(repr, missing))} "
                          f"(--classes); its classes: {list_text(there) or '(none)'}"
                          + (f" (another case: {list_text(near)}?)" if near else "")
                          + (f" (--class-names renamed {list_text(renamed)} first: --classes "
                             f"takes the new names)" if renamed else ""))


def filter_curves(lcs: LightCurves, config: PrepareConfig, report: DropReport,
                  name: str = "this dataset") -> LightCurves:
    """Drop curves without a usable label (preparing is for training), and those of classes
    or bands not asked for; each counted."""
    if lcs.labels is None:
        beside = Path(name).parent / "labels.csv"
        alone = (f"; the {beside} beside this file is read when its folder is given, with the "
                 f"table named lightcurves{table_suffix(name) or '.csv'}"
                 if Path(name).is_file() and beside.is_file() else "")
        raise NothingToTrainError(f"{name}: no labels (a class column, or another named by "
                                  f"--columns class=NAME; a labels.csv of id,class beside the "
                                  f"table, lightcurves.parquet (.csv...), or the partitions, "
                                  f"in the folder given; or a catalogue of per-star files"
                                  f"{alone}), so there is nothing to train on; to classify "
                                  f"its stars use `lcformer predict`")
    unlabelled = lcs.labels == ""
    report.drop_curves("no_label", int(unlabelled.sum()))
    keep = ~unlabelled
    if config.classes is not None:
        unknown = keep & ~np.isin(lcs.labels, list(config.classes))
        report.drop_curves("unknown_class", int(unknown.sum()))
        keep &= ~unknown
    if config.keep_bands is not None:
        other = keep & ~np.isin(lcs.bands, list(config.keep_bands))
        report.drop_curves("band_not_kept", int(other.sum()))
        keep &= ~other
    return lcs.select(keep)


def drop_small_classes(lcs: LightCurves, samples: Samples, min_windows: int,
                       report: DropReport, star_views: bool = False
                       ) -> tuple[LightCurves, Samples]:
    """The research ``thresh``: keep classes with at least ``min_windows`` samples.
    ``star_views``: at least ``min_windows`` stars, so that the ablation's rows keep the same
    classes however they split a star into samples (one per band, or chunks of a long curve);
    a sample holds every band of its star, though it names the first curve."""
    if min_windows <= 0 or lcs.labels is None:
        return lcs, samples
    counted = (np.unique(lcs.ids[samples.curve], return_index=True)[1] if star_views
               else np.arange(len(samples)))  # one sample of each star, or every window
    labels, counts = np.unique(lcs.labels[samples.curve[counted]], return_counts=True)
    small = set(labels[counts < min_windows].tolist())
    if not small:
        return lcs, samples
    drop = np.isin(lcs.labels, list(small))
    has_samples = np.zeros(lcs.n_curves, dtype=bool)
    if star_views:  # every curve of a star is in its samples
        has_samples[:] = True
    else:  # the others are counted already (shorter than a window)
        has_samples[samples.curve] = True
    report.drop_curves("class_below_threshold", int((drop & has_samples).sum()))
    named = sorted(map(str, small))  # named, not only counted
    warnings.warn(f"{len(named):,} class(es) with fewer than {min_windows:,} "
                  f"{'stars' if star_views else 'samples'} dropped (--min-class-windows): "
                  f"{', '.join(named[:12])}{', ...' if len(named) > 12 else ''}",
                  LcformerWarning, stacklevel=2)
    keep_index = np.flatnonzero(~drop)
    new_index = np.full(lcs.n_curves, -1)
    new_index[keep_index] = np.arange(len(keep_index))
    kept = samples.take(~drop[samples.curve])
    kept.curve = new_index[kept.curve]
    return lcs.select(keep_index), kept


def summary_counts(curves: pd.DataFrame, read: tuple[int, int, int]) -> dict[str, Any]:
    """Stars, curves, points and windows kept (per class too), beside the stars, curves and
    points ``read``."""
    stars = curves.groupby("id", sort=False).agg(
        {"n_windows": "sum", **({"label": "first"} if "label" in curves else {})})
    counts: dict[str, Any] = {
        "stars_read": int(read[0]),
        "curves_read": int(read[1]),
        "points_read": int(read[2]),
        "stars": len(stars),
        "curves": len(curves),
        "points": int(curves["n_points"].sum()),
        "windows": int(curves["n_windows"].sum()),
    }
    if "label" in stars:
        per_class = stars.groupby("label").agg(stars=("n_windows", "size"),
                                              windows=("n_windows", "sum"))
        counts["per_class"] = {k: {"stars": int(v["stars"]), "windows": int(v["windows"])}
                               for k, v in per_class.iterrows()}
    return counts


#: Point reasons of rows the readers leave out before counting what they read.
LEFT_OUT_BY_READERS = ("flagged", "no_data_flux", "non_positive_flux", "missing_id")


def format_summary(dataset: PreparedDataset) -> str:
    """The end-of-run table: stars, windows and classes, then drops by reason."""
    counts = dataset.manifest["counts"]
    # Rows the readers left out before counting what they read (listed again below).
    left_out = ", ".join(f"{n:,} {reason}" for reason in LEFT_OUT_BY_READERS
                         if (n := dataset.report.points[reason]))
    # A star view's samples are chunks of a star's observations, not token windows.
    unit = "samples" if dataset.manifest["config"].get("inputs") == "stars" else "windows"
    lines = [
        f"prepared {dataset.manifest['name']} -> {dataset.path}",
        f"  read     {counts['stars_read']:>9,} stars  {counts['curves_read']:>9,} curves"
        f"  {counts['points_read']:>11,} points"
        + (f" (besides {left_out})" if left_out else ""),
        f"  kept     {counts['stars']:>9,} stars  {counts['curves']:>9,} curves"
        f"  {counts['points']:>11,} points  {counts['windows']:>9,} {unit}",
    ]
    # Points of the curves dropped whole are in no reason of their own: read = kept + the
    # points dropped by reason (but those left out before reading) + these.
    in_dropped = (counts["points_read"] - counts["points"] - dataset.report.n_points_dropped
                  + sum(dataset.report.points[r] for r in LEFT_OUT_BY_READERS))
    if in_dropped:
        lines.append(f"  {in_dropped:,} points went with the curves dropped (below)")
    per_class = counts.get("per_class", {})
    if per_class:
        width = max(len("class"), *(len(k) for k in per_class))
        lines.append(f"  {'class':<{width}}  {'stars':>7}  {unit:>8}")
        for cls, c in sorted(per_class.items(), key=lambda kv: -kv[1]["stars"]):
            lines.append(f"  {cls:<{width}}  {c['stars']:>7,}  {c['windows']:>8,}")
    lines.append(dataset.report.format(saved=dataset.path / REPORT_FILE))
    if near := dataset.report.events["period_stars_best_period_near_min_period"]:
        shortest = PrepareConfig.from_dict(dataset.manifest["config"]).periods.min_period
        regular = dataset.report.events[NYQUIST_EVENT]
        lines.append(f"  {near:,} star(s) have a significant best period within "
                     f"{PERIOD_EDGE - 1:.0%} of --min-period {shortest:g} d" + (
                         f", where a star of a shorter period (delta Scuti, SX Phe) peaks as "
                         f"well: with such stars, give --min-period "
                         f"{min(0.02, shortest / 2):g} (a larger grid) to search below it"
                         if near > regular else "") + (
                         f"; {regular:,} of them {'is' if regular == 1 else 'are'} observed at "
                         f"a regular step of half that or more, whose periods so short are "
                         f"aliases of longer ones (beyond the cadence's Nyquist limit): a "
                         f"smaller --min-period finds more aliases there, a larger one "
                         f"(twice the step) their true periods" if regular else ""))
    return "\n".join(lines)
