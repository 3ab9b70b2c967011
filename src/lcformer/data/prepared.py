"""Prepared datasets on disk: token windows as memory-mappable arrays plus a manifest.

Preparing (read -> clean -> label filter -> tokens) happens once per input and configuration.
The folder name carries a hash of both, so running ``lcformer prepare`` again with the same
inputs reuses the folder and any change builds a new one. The folder is built under a temporary
name and renamed into place, so an interrupted run never leaves a folder that looks complete.

Layout of a prepared folder::

    manifest.json        config, classes, counts, input hash, package version
    report.json          every dropped point and curve, by reason
    curves.parquet       one row per kept curve: id, band, label, split, n_points, n_windows
    tokens.npy           (n_windows, n_tokens, 2w) float32
    mask.npy             (n_windows, n_tokens) bool, True for real tokens
    window_curve.npy     (n_windows,) int32, row of curves.parquet
    window_start_time.npy, window_errors.npy
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import __version__, atomic
from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig, Windows, make_windows

FORMAT_VERSION = 1
ARRAYS = ("tokens", "mask", "window_curve", "window_start_time", "window_errors")


@dataclass(frozen=True)
class PrepareConfig:
    tokens: TokenConfig = field(default_factory=TokenConfig)
    cleaning: CleaningConfig = field(default_factory=CleaningConfig)
    classes: tuple[str, ...] | None = None  # keep only these classes (None: all)
    min_class_windows: int = 0  # the research `thresh`: drop classes with fewer windows
    labelled: bool = True  # False for new stars to classify: no label needed

    def to_dict(self) -> dict[str, Any]:
        return {
            "tokens": self.tokens.to_dict(),
            "cleaning": self.cleaning.to_dict(),
            "classes": None if self.classes is None else list(self.classes),
            "min_class_windows": self.min_class_windows,
            "labelled": self.labelled,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PrepareConfig:
        return cls(
            tokens=TokenConfig.from_dict(data["tokens"]),
            cleaning=CleaningConfig.from_dict(data["cleaning"]),
            classes=None if data.get("classes") is None else tuple(data["classes"]),
            min_class_windows=data.get("min_class_windows", 0),
            labelled=data.get("labelled", True),
        )


@dataclass
class PreparedDataset:
    """A prepared folder, opened with its arrays memory-mapped (nothing is unpickled)."""

    path: Path
    manifest: dict[str, Any]
    curves: pd.DataFrame
    tokens: np.ndarray
    mask: np.ndarray
    window_curve: np.ndarray
    window_start_time: np.ndarray
    window_errors: np.ndarray

    @classmethod
    def open(cls, path: str | Path, mmap: bool = True) -> PreparedDataset:
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise FileNotFoundError(f"{path} is not a prepared dataset (no manifest.json)")
        manifest = json.loads(manifest_path.read_text())
        arrays = {
            name: np.load(path / f"{name}.npy", mmap_mode="r" if mmap else None,
                          allow_pickle=False)
            for name in ARRAYS
        }
        return cls(path=path, manifest=manifest, curves=pd.read_parquet(path / "curves.parquet"),
                   **arrays)

    @property
    def classes(self) -> list[str]:
        return list(self.manifest["classes"])

    @property
    def config(self) -> PrepareConfig:
        return PrepareConfig.from_dict(self.manifest["config"])

    @property
    def report(self) -> DropReport:
        return DropReport.from_dict(json.loads((self.path / "report.json").read_text()))

    def __len__(self) -> int:
        return len(self.window_curve)

    # Star-level views: a star owns one curve per band.
    @property
    def stars(self) -> pd.DataFrame:
        """One row per star: id, label, split, n_curves, n_points, n_windows."""
        agg: dict[str, Any] = {"n_points": "sum", "n_windows": "sum", "band": "count"}
        agg |= {c: "first" for c in ("label", "split") if c in self.curves}
        table = self.curves.groupby("id", sort=False).agg(agg).reset_index()
        return table.rename(columns={"band": "n_curves"})

    @property
    def curve_star(self) -> np.ndarray:
        """For each curve, the row of :attr:`stars` it belongs to."""
        codes, _ = pd.factorize(self.curves["id"])
        return codes

    @property
    def window_star(self) -> np.ndarray:
        return self.curve_star[np.asarray(self.window_curve)]

    @property
    def window_label(self) -> np.ndarray:
        """Class index of each window (-1 where the star has no label)."""
        lookup = {c: i for i, c in enumerate(self.classes)}
        curve_label = np.array([lookup.get(x, -1) for x in self.curves.get("label", [])],
                               dtype=np.int64)
        if len(curve_label) == 0:
            return np.full(len(self), -1, dtype=np.int64)
        return curve_label[np.asarray(self.window_curve)]


def fingerprint_files(paths: list[Path]) -> str:
    """SHA-256 over the names, sizes and contents of the input files (folders walked)."""
    digest = hashlib.sha256()
    files: list[Path] = []
    for p in paths:
        p = Path(p)
        files += sorted(q for q in p.rglob("*") if q.is_file()) if p.is_dir() else [p]
    for f in files:
        digest.update(f"{f.name}\0{f.stat().st_size}\0".encode())
        with open(f, "rb") as handle:
            while chunk := handle.read(1 << 20):
                digest.update(chunk)
    return digest.hexdigest()


def cache_key(name: str, input_hash: str, config: PrepareConfig) -> str:
    payload = json.dumps({"name": name, "input": input_hash, "config": config.to_dict(),
                          "format": FORMAT_VERSION}, sort_keys=True)
    return hashlib.sha256(payload.encode()).hexdigest()


def prepare(
    name: str,
    read: Callable[[DropReport], LightCurves],
    input_hash: str,
    config: PrepareConfig,
    out_root: str | Path,
    force: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[PreparedDataset, bool]:
    """Prepare ``name`` under ``out_root`` or reuse an identical earlier preparation.

    ``read`` loads the raw curves (adding reader problems to the report it is given). Returns the
    opened dataset and whether it was reused.
    """
    key = cache_key(name, input_hash, config)
    path = Path(out_root) / f"{name}-{key[:12]}"
    if (path / "manifest.json").is_file() and not force:
        return PreparedDataset.open(path), True

    stage = on_stage or (lambda _: None)
    report = DropReport()
    stage("reading")
    raw = read(report)
    stage("cleaning")
    lcs, report = clean(raw, config.cleaning, report)
    lcs = filter_labels(lcs, config, report)
    stage("tokens")
    windows, report = make_windows(lcs, config.tokens, report)
    lcs, windows = drop_small_classes(lcs, windows, config.min_class_windows, report)
    stage("writing")
    write_prepared(path, name, lcs, windows, config, input_hash, raw, report)
    return PreparedDataset.open(path), False


def filter_labels(lcs: LightCurves, config: PrepareConfig, report: DropReport) -> LightCurves:
    """Drop curves without a usable label (counted), unless the data is for prediction."""
    if not config.labelled:
        return lcs
    if lcs.labels is None:
        raise ValueError("this dataset has no labels; prepare it with labelled=False to classify")
    unlabelled = lcs.labels == ""
    report.drop_curves("no_label", int(unlabelled.sum()))
    keep = ~unlabelled
    if config.classes is not None:
        unknown = keep & ~np.isin(lcs.labels, list(config.classes))
        report.drop_curves("unknown_class", int(unknown.sum()))
        keep &= ~unknown
    return lcs.select(keep)


def drop_small_classes(lcs: LightCurves, windows: Windows, min_windows: int,
                       report: DropReport) -> tuple[LightCurves, Windows]:
    """The research ``thresh``: keep classes with at least ``min_windows`` windows."""
    if min_windows <= 0 or lcs.labels is None:
        return lcs, windows
    window_labels = lcs.labels[windows.curve]
    labels, counts = np.unique(window_labels, return_counts=True)
    small = set(labels[counts < min_windows].tolist())
    if not small:
        return lcs, windows
    drop = np.isin(lcs.labels, list(small))
    report.drop_curves("class_below_threshold", int(drop.sum()))
    keep_index = np.flatnonzero(~drop)
    new_index = np.full(lcs.n_curves, -1)
    new_index[keep_index] = np.arange(len(keep_index))
    keep_window = ~drop[windows.curve]
    kept = Windows(windows.tokens[keep_window], windows.mask[keep_window],
                   new_index[windows.curve[keep_window]], windows.start_time[keep_window],
                   windows.errors[keep_window])
    return lcs.select(keep_index), kept


def write_prepared(path: Path, name: str, lcs: LightCurves, windows: Windows,
                   config: PrepareConfig, input_hash: str, raw: LightCurves,
                   report: DropReport) -> None:
    """Write everything into a temporary folder, manifest last, then rename it into place."""
    n_windows = np.bincount(windows.curve, minlength=lcs.n_curves)
    curves = pd.DataFrame({"id": lcs.ids.astype(str), "band": lcs.bands.astype(str),
                           "n_points": lcs.lengths, "n_windows": n_windows})
    if lcs.labels is not None:
        curves["label"] = lcs.labels.astype(str)
    if lcs.splits is not None:
        curves["split"] = lcs.splits.astype(str)
    # A curve that gives no window cannot be used; it was counted by make_windows.
    used = n_windows > 0
    remap = np.cumsum(used) - 1
    curves = curves[used].reset_index(drop=True)
    window_curve = remap[windows.curve].astype(np.int32)

    classes = sorted(set(curves["label"])) if "label" in curves and config.labelled else []
    manifest = {
        "name": name,
        "lcformer_version": __version__,
        "format_version": FORMAT_VERSION,
        "input_hash": input_hash,
        "config": config.to_dict(),
        "classes": classes,
        "counts": summary_counts(curves, raw),
    }
    with atomic.building_directory(path) as tmp:
        np.save(tmp / "tokens.npy", windows.tokens)
        np.save(tmp / "mask.npy", windows.mask)
        np.save(tmp / "window_curve.npy", window_curve)
        np.save(tmp / "window_start_time.npy", windows.start_time)
        np.save(tmp / "window_errors.npy", windows.errors)
        curves.to_parquet(tmp / "curves.parquet", index=False)
        (tmp / "report.json").write_text(report.to_json())
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2))


def summary_counts(curves: pd.DataFrame, raw: LightCurves) -> dict[str, Any]:
    stars = curves.groupby("id", sort=False).agg(
        {"n_windows": "sum", **({"label": "first"} if "label" in curves else {})})
    counts: dict[str, Any] = {
        "stars_read": int(raw.n_stars),
        "curves_read": int(raw.n_curves),
        "points_read": int(raw.n_points),
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


def format_summary(dataset: PreparedDataset) -> str:
    """The end-of-run table: stars, windows and classes, then drops by reason."""
    counts = dataset.manifest["counts"]
    lines = [
        f"prepared {dataset.manifest['name']} -> {dataset.path}",
        f"  read     {counts['stars_read']:>9,} stars  {counts['curves_read']:>9,} curves"
        f"  {counts['points_read']:>11,} points",
        f"  kept     {counts['stars']:>9,} stars  {counts['curves']:>9,} curves"
        f"  {counts['points']:>11,} points  {counts['windows']:>9,} windows",
    ]
    per_class = counts.get("per_class", {})
    if per_class:
        width = max(len(k) for k in per_class)
        lines.append(f"  {'class':<{width}}  {'stars':>7}  {'windows':>8}")
        for cls, c in sorted(per_class.items(), key=lambda kv: -kv[1]["stars"]):
            lines.append(f"  {cls:<{width}}  {c['stars']:>7,}  {c['windows']:>8,}")
    lines.append(dataset.report.format())
    return "\n".join(lines)
