"""What a dataset holds, after cleaning: stars per class and points per star, and per band
what a model's inputs depend on: points, time span, cadence, magnitude and error."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.datasets import (
    catalogued_archive,
    deeper_catalogue,
    labels_as_catalogue_hint,
    resolve,
)
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import warn_of_classes_in_two_cases
from lcformer.data.reading.class_names import unmatched_class_names
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.files import table_suffix
from lcformer.data.reading.per_star import file_stem
from lcformer.data.reading.sniff import read_any, read_dataset
from lcformer.data.report import DropReport
from lcformer.data.views import order_bands
from lcformer.errors import DatasetNotFoundError, LcformerWarning

UNLABELLED = "(unlabelled)"


@dataclass
class Description:
    name: str
    curves: pd.DataFrame  # one row per cleaned curve: id, band, n_points, label
    stars: pd.DataFrame  # one row per star: id, label, n_points (all bands)
    classes: pd.DataFrame  # per class: size (stars), median, min, max points per star
    report: DropReport
    hint: str = ""  # why no star has a class, where that can be told
    bands: pd.DataFrame | None = None  # per band: curves and medians a curve (band_summary)

    def format(self, problems: Path | None = None) -> str:
        """The tables; ``problems``: where the report's problems are saved (``save_problems``)."""
        table = self.classes
        width = max([len(str(c)) for c in table.index] + [5])
        def count(n: int, what: str) -> str:
            return f"{n:,} {what}{'' if n == 1 else 's'}"

        lines = [f"{self.name}: {count(len(self.stars), 'star')}, "
                 f"{count(len(self.curves), 'curve')}, "
                 f"{count(int(self.curves['n_points'].sum()), 'point')} after cleaning",
                 f"  {'class':<{width}}  {'stars':>6}  points per star: median   min    max"]
        for cls, row in table.iterrows():
            lines.append(f"  {cls!s:<{width}}  {int(row['size']):>6,}  {row['median']:>21,.1f}"
                         f"  {int(row['min']):>4}  {int(row['max']):>5}")
        if self.bands is not None and len(self.bands):
            wide = max([len(str(b)) for b in self.bands.index] + [4])
            lines.append(f"  {'band':<{wide}}  {'curves':>7}  a curve's median: points  "
                         f"nights  span (d)  cadence (d)  magnitude  error")
            for band, row in self.bands.iterrows():
                cadence = "-" if np.isnan(row["cadence"]) else f"{row['cadence']:.3g}"
                error = ("-" if np.isnan(row["error"]) else  # unknown
                         f"{row['error']:.3f}" if row["error"] >= 0.001 else  # space photometry:
                         f"{row['error']:.1e}")  # 1e-4 mag, not 0.000
                lines.append(f"  {band!s:<{wide}}  {int(row['curves']):>7,}  "
                             f"{row['points']:>23,.0f}  {row['nights']:>6,.0f}  "
                             f"{row['span']:>8,.1f}  "
                             f"{cadence:>11}  {row['magnitude']:>9.2f}  {error:>5}")
        lines.append(self.report.format(saved=problems))
        return "\n".join(lines + ([self.hint] if self.hint else []))


def describe(dataset: str, data_dir: str | None = None,
             reading: ReadConfig | None = None) -> Description:
    """Class and length distributions of a dataset (by name or folder), after its cleaning;
    ``reading``: the column names and fluxes of the user's tables (``--columns``, ``--flux``).
    Input of which nothing can be read is an InputError naming the file, as in ``prepare``.
    Labels are not needed to describe a folder (one is described before it is labelled): a
    labels file of only a header, which ``prepare`` refuses, is read as none and said so, and
    a folder of star files without a catalogue, or a file, is read as ``predict`` reads it
    (a file without a star id column is one star's)."""
    report = DropReport()
    unlabelled_folder = False
    try:
        if _one_file(Path(dataset)):  # as predict reads it: one star's file too
            name, cleaning, folder = file_stem(dataset), CleaningConfig(), Path(dataset)
            raw = read_any(dataset, data_dir, report, reading)
        else:
            spec, folder = resolve(dataset, data_dir)
            name, cleaning = spec.name, spec.cleaning
            raw = read_dataset(spec, folder, report, reading)
    except DatasetNotFoundError:
        folder = Path(dataset)
        if not folder.is_dir():
            raise
        name, cleaning, unlabelled_folder = folder.name, CleaningConfig(), True
        raw = read_any(dataset, data_dir, report, reading)
    lcs, report = clean(raw, cleaning, report)
    if lcs.labels is not None:  # as training will learn them
        warn_of_classes_in_two_cases(set(lcs.labels.astype(str).tolist()), name)
        said = unmatched_class_names((reading or ReadConfig()).class_map, report,
                                     set(lcs.labels.astype(str).tolist()))
        if said is not None:
            warnings.warn(f"{name}: {said}", LcformerWarning, stacklevel=2)
    # A star without a class (in the light curves, not in the labels) is one row of its own,
    # "(unlabelled)", not a class with an empty name; prepare drops such stars (no_label).
    labels = (pd.Series(lcs.labels, dtype=object).replace("", UNLABELLED)
              if lcs.labels is not None else UNLABELLED)
    curves = pd.DataFrame({"id": lcs.ids, "band": lcs.bands, "n_points": lcs.lengths,
                           "label": labels})
    stars = curves.groupby("id", sort=False).agg(label=("label", "first"),
                                                 n_points=("n_points", "sum"))
    table = stars.groupby("label")["n_points"].agg(["size", "median", "min", "max"])
    hint = ""
    if report.events["empty_labels_file"]:
        labelled = lcs.labels is not None and bool((lcs.labels != "").any())
        hint = ("the labels file has no rows (only a header), so no star is labelled by it"
                + ("; the classes above are the table's own class column" if labelled
                   else ": every star is (unlabelled)")
                + "; prepare and train refuse it until it is filled in")
    elif unlabelled_folder:
        deeper = deeper_catalogue(folder)
        hint = (f"{folder} has no catalog.csv (nor a table with labels), so its stars are "
                f"(unlabelled): train needs one, of filename,class (or a labels.csv of "
                f"id,class, the ids the files' names)"
                + (f"; it holds {deeper}: give that folder, {deeper.parent}" if deeper
                   else labels_as_catalogue_hint(folder)))
    elif lcs.labels is None and folder.is_file() and (folder.parent / "labels.csv").is_file():
        suffix = table_suffix(folder.name) or ""
        named = folder.name.lower().startswith("lightcurves")
        hint = (f"the labels.csv beside {folder.name} is not read: a table's labels.csv is "
                f"read in the folder given, beside a table named lightcurves.* "
                + (f"(give the folder, {folder.parent})" if named else
                   f"(as {folder.parent / ('lightcurves' + suffix)})"))
    return Description(name, curves, stars.reset_index(),
                       table.sort_values("size", ascending=False, kind="stable"), report, hint,
                       band_summary(lcs))


def _one_file(path: Path) -> bool:
    """A table, one star's file, or an archive of star files without their catalogue (read
    unlabelled), not one with it (a labelled dataset)."""
    return path.is_file() and not catalogued_archive(path)


#: Days between two points that start a new visit (a night, a satellite's pass) in describe.
VISIT_GAP = 0.5


def band_summary(lcs: LightCurves) -> pd.DataFrame:
    """Per band ("(no band)" where a curve has none): its curves, and the median over them of
    a curve's points, nights (stretches of points apart by more than :data:`VISIT_GAP`: a
    ground-based survey's nights, a satellite's visits; not Rubin's visits, each one exposure;
    the cadence within them says little
    of the cadence between them: CRTS's 4 exposures in 30 minutes a night), time span
    (days), cadence (median time between points), median magnitude and median error (NaN
    where no error is known): what a model's per-star values depend on, to compare a survey
    with the one a model was trained on. ``lcs``: cleaned curves (sorted by time, none
    empty)."""
    curve = lcs.curve_index
    step = np.diff(lcs.time, prepend=np.nan)
    step[lcs.offsets[:-1]] = np.nan  # no step into a curve's first point
    per_curve = pd.DataFrame({"curve": curve, "mag": lcs.mag, "err": lcs.err,
                              "step": step}).groupby("curve").median()
    per_curve["points"] = lcs.lengths
    with np.errstate(invalid="ignore"):  # no step into a curve's first point: NaN
        per_curve["nights"] = 1 + np.bincount(curve, step > VISIT_GAP, lcs.n_curves)
    per_curve["span"] = lcs.time[lcs.offsets[1:] - 1] - lcs.time[lcs.offsets[:-1]]
    per_curve["band"] = pd.Series(lcs.bands, dtype=object).replace("", "(no band)").to_numpy()
    grouped = per_curve.groupby("band", sort=False)
    table = grouped[["points", "nights", "span", "step", "mag", "err"]].median()
    table.insert(0, "curves", grouped.size())
    table = table.loc[order_bands(table.index)]  # blue to red, as the colours are taken
    return table.rename(columns={"step": "cadence", "mag": "magnitude", "err": "error"})
