"""The results document (docs/results.md): written from finished sweep folders, never by hand.

One section per sweep folder (see :mod:`lcformer.sweep`): the command that ran it, its
research-format table (which already carries the budget line and the feature baseline), the
time it took, figures of its best deep run, sample outputs of Models 1 and 2, and a few
generated sentences comparing it with the research tables. Every number in the document is
read from the sweep folders, so rerunning ``lcformer results`` after a new sweep is the only
way to change it.
"""

from __future__ import annotations

import datetime
import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.errors import LcformerError
from lcformer.sweep import BASELINE_MODELS, ROW_LABELS, summary

#: The best cell of each research table (docs/research-system.md, 150 epochs): model row,
#: column, accuracy, macro-F1. The research tables cover ASAS and MACHO only.
RESEARCH_BEST = {
    "ASAS": ("Model 4", "h4 e64", 0.91, 0.87),
    "MACHO": ("Model 5", "h8 e64", 0.82, 0.69),
}
#: Which research table a registered dataset is compared with (None: no research table).
RESEARCH_TABLE_OF = {"asas_acvs": "ASAS", "asas_richards2012": "ASAS", "macho": "MACHO",
                     "macho_samples": "MACHO"}
RESEARCH_EPOCHS = 150
RESEARCH_SAMPLE_PER_CLASS = 300
SAMPLE_WINDOWS = 3  # windows per sample-output figure


class SweepFolderError(LcformerError):
    """A folder given to ``lcformer results`` is not a finished (or started) sweep."""


@dataclass
class SweepSection:
    """What the document needs from one sweep folder."""

    path: Path
    info: dict[str, Any]  # sweep.json
    long: pd.DataFrame  # results_long.csv
    table_markdown: str  # results.md without its title line
    classes: list[str] = field(default_factory=list)

    @property
    def dataset(self) -> str:
        return str(self.info["dataset"])

    def best(self, deep: bool) -> pd.Series | None:
        """The cell with the highest mean macro-F1 (then accuracy) among deep or baseline rows."""
        stats = summary(self.long)
        is_baseline = stats["model"].isin(BASELINE_MODELS)
        rows = stats[~is_baseline if deep else is_baseline]
        if rows.empty:
            return None
        order = rows.sort_values(["macro_f1_mean", "accuracy_mean"], ascending=False,
                                 kind="stable")
        return order.iloc[0]

    def run_dir(self, model: str, heads: Any = None, emb: Any = None) -> Path | None:
        """The first repeat's folder of a cell (the best-scoring model cell if several)."""
        rows = self.long[self.long["model"] == model]
        if heads is not None and not pd.isna(heads):
            rows = rows[(rows["heads"] == heads) & (rows["emb"] == emb)]
        if rows.empty:
            return None
        return self.path / str(rows.sort_values("repeat").iloc[0]["run_dir"])


def read_sweep(path: str | os.PathLike) -> SweepSection:
    path = Path(path)
    needed = [path / name for name in ("sweep.json", "results_long.csv", "results.md")]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise SweepFolderError(f"{path}: not a sweep folder with results (missing "
                               f"{', '.join(missing)}); run `lcformer sweep ... --sweep-dir "
                               f"{path}` first")
    info = json.loads(needed[0].read_text())
    long = pd.read_csv(needed[1])
    for col in ("heads", "emb", "epochs_run"):
        long[col] = long[col].astype("Int64")
    if long.empty:
        raise SweepFolderError(f"{path}: the sweep has no finished run yet")
    lines = needed[2].read_text().splitlines()
    body = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines).strip()
    classes: list[str] = []
    first = path / str(long.iloc[0]["run_dir"]) / "metrics.json"
    if first.is_file():
        classes = list(json.loads(first.read_text()).get("classes", []))
    return SweepSection(path, info, long, body, classes)


def time_taken(section: SweepSection) -> tuple[float, float | None]:
    """(sum of the runs' own seconds, elapsed seconds from file times or None).

    A run's seconds are its training time (deep models) or feature extraction plus fitting
    (baseline); elapsed runs from the first run folder's creation to the last result, which
    includes testing and is only meaningful while the folder keeps its file times.
    """
    is_baseline = section.long["model"].isin(BASELINE_MODELS)
    compute = float(section.long.loc[~is_baseline, "seconds"].sum())
    for run in section.long.loc[is_baseline, "run_dir"].unique():
        # One feature extraction serves both classifiers: count it once.
        result = json.loads((section.path / str(run) / "metrics.json").read_text())
        compute += result["features"]["seconds"] + sum(
            m["train_seconds"] for m in result["models"].values())
    starts, ends = [], []
    for run in section.long["run_dir"].unique():
        folder = section.path / str(run)
        metrics = folder / "metrics.json"
        if not metrics.is_file():
            return compute, None
        ends.append(metrics.stat().st_mtime)
        config = folder / "config.toml"
        seconds = section.long.loc[section.long["run_dir"] == run, "seconds"].sum()
        starts.append(config.stat().st_mtime if config.is_file() else ends[-1] - seconds)
    return compute, max(ends) - min(starts)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _cell_name(row: pd.Series) -> str:
    label = ROW_LABELS.get(str(row["model"]), str(row["model"]))
    return label if pd.isna(row["heads"]) else f"{label} h{row['heads']} e{row['emb']}"


def _score(row: pd.Series) -> str:
    return f"{row['accuracy_mean']:.2f} ({row['macro_f1_mean']:.2f})"


def comparison(section: SweepSection) -> str:
    """Two or three generated, factual sentences: data and classes, budget, the numbers."""
    base = section.info["sweep"]["base"]
    epochs = base["train"]["epochs"]
    n_test = int(section.long["n_test_stars"].iloc[0])
    deep, feats = section.best(deep=True), section.best(deep=False)
    research = RESEARCH_TABLE_OF.get(section.dataset)
    sample = base.get("sample_per_class")
    sentences = [f"`{section.dataset}` has {len(section.classes) or 'its'} classes and "
                 f"{n_test:,} test stars"
                 + (f"; the research {research} table does not list its classes or its "
                    f"test stars, so the data are not the same" if research else
                    "; the research system reported no table on this survey") + "."]
    budget = (f"This sweep trained each model for {epochs} epochs on one CPU thread (the "
              f"research tables: {RESEARCH_EPOCHS} epochs)")
    budget += (f", with {sample} training stars per class (research: "
               f"{RESEARCH_SAMPLE_PER_CLASS})" if sample else
               ", on all training stars with class-balanced loss weights")
    sentences.append(budget + ".")
    if deep is not None:
        result = f"The best deep cell, {_cell_name(deep)}, reached {_score(deep)}"
        if research:
            row, col, acc, f1 = RESEARCH_BEST[research]
            result += (f", against {acc:.2f} ({f1:.2f}) for the best research {research} cell "
                       f"({row}, {col})")
        if feats is not None:
            relation = ("above" if deep["macro_f1_mean"] > feats["macro_f1_mean"] else "below")
            result += (f"; it is {relation} the feature baseline on the same test stars, "
                       f"{_cell_name(feats)} {_score(feats)}")
        sentences.append(result + ".")
    return " ".join(sentences)


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def section_figures(section: SweepSection, out_dir: Path) -> tuple[list[tuple[str, Path]],
                                                                   list[str]]:
    """Figures of one sweep: (caption, file) pairs, and the reasons for figures skipped.

    Training curves and confusion matrices come from the run folders; sample outputs also
    need the prepared windows (``sweep.json`` says where), so without them they are skipped,
    and the skip is reported.
    """
    from lcformer import figures as fig

    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, Path]] = []
    skipped: list[str] = []
    deep, feats = section.best(deep=True), section.best(deep=False)
    if deep is not None:
        run = section.run_dir(deep["model"], deep["heads"], deep["emb"])
        assert run is not None
        name = _cell_name(deep)
        history = run / "history.csv"
        if history.is_file():
            rows = pd.read_csv(history).to_dict("records")
            made.append((f"Training curves of the best deep cell ({name})",
                         fig.training_curves_figure(rows, out_dir / "training_curves.png")))
        metrics = json.loads((run / "metrics.json").read_text())
        made.append((f"Test stars, recall per true class: {name}", fig.confusion_matrix_figure(
            metrics["star"]["confusion"], metrics["classes"], out_dir / "confusion_deep.png",
            normalise=True, title=f"{name}: recall per true class")))
    if feats is not None:
        run = section.run_dir(feats["model"])
        assert run is not None
        metrics = json.loads((run / "metrics.json").read_text())["models"][feats["model"]]
        name = _cell_name(feats)
        made.append((f"Test stars, recall per true class: {name}", fig.confusion_matrix_figure(
            metrics["star"]["confusion"], metrics["classes"],
            out_dir / "confusion_baseline.png", normalise=True,
            title=f"{name}: recall per true class")))
    made_samples, why = _sample_outputs(section, out_dir)
    made += made_samples
    skipped += why
    return made, skipped


def _sample_outputs(section: SweepSection, out_dir: Path) -> tuple[list[tuple[str, Path]],
                                                                   list[str]]:
    """Sample outputs of Models 1 and 2 (and Model 2's reconstruction) on test windows."""
    from lcformer import figures as fig
    from lcformer.prepared import PreparedDataset
    from lcformer.runs import RunConfig, assign_splits, load_model, window_sets

    wanted = [m for m in ("naive", "ae_frozen") if (section.long["model"] == m).any()]
    if not wanted:
        return [], []
    prepared = Path(section.info["prepared"])
    if not (prepared / "manifest.json").is_file():
        return [], [f"sample outputs of {', '.join(wanted)}: the prepared data {prepared} is "
                    f"gone (run `lcformer prepare {section.dataset}` with the sweep's token "
                    f"options to restore it)"]
    data = PreparedDataset.open(prepared)
    stats = summary(section.long)
    made: list[tuple[str, Path]] = []
    for model_name in wanted:
        rows = stats[stats["model"] == model_name].sort_values(
            ["macro_f1_mean", "accuracy_mean"], ascending=False, kind="stable")
        best = rows.iloc[0]
        run = section.run_dir(model_name, best["heads"], best["emb"])
        assert run is not None
        config = RunConfig.from_dict(tomllib.loads((run / "config.toml").read_text())["run"])
        parts = assign_splits(data, config.split, config.split_seed)
        test = window_sets(data, parts, config.sample_per_class, config.split_seed)["test"]
        model, _ = load_model(run)
        # One window from each of the first classes (in class order), reproducibly.
        picks = [int(np.flatnonzero(test.labels == c)[0]) for c in np.unique(test.labels)]
        picks = picks[:SAMPLE_WINDOWS]
        labels = [data.classes[int(test.labels[i])] for i in picks]
        name = _cell_name(best)
        made.append((f"Sample outputs of {name} on test windows", fig.token_probabilities_figure(
            model, np.asarray(test.tokens[picks]), np.asarray(test.mask[picks]), data.classes,
            labels, out_dir / f"sample_outputs_{model_name}.png",
            title=f"{name}: class probabilities per token")))
        if model.reconstruction is not None:
            made.append((f"Reconstruction by {name} (test windows)", fig.reconstruction_figure(
                model, np.asarray(test.tokens[picks]), np.asarray(test.mask[picks]),
                out_dir / f"reconstruction_{model_name}.png", n=len(picks))))
    return made, []


def results_document(sweep_dirs: list[str | os.PathLike], out: str | os.PathLike,
                     command: str | None = None, figures: bool = True,
                     date: str | None = None) -> tuple[str, list[str]]:
    """Write ``out`` (Markdown) and its figures; returns (the text, reasons of skipped parts)."""
    out = Path(out)
    sections = [read_sweep(p) for p in sweep_dirs]
    date = date or datetime.date.today().isoformat()
    made_by = command or "lcformer results " + " ".join(str(p) for p in sweep_dirs)
    lines = ["# lcformer results", "",
             f"Generated on {date} by `{made_by}` from the sweep folders below. Do not edit "
             "this file by hand: rerun the sweeps and this command.", "",
             "Each table: star-level test accuracy with macro-F1 in parentheses (a star's "
             "window probabilities are averaged), the research format. The feature baseline "
             "(light-curve features with a random forest and gradient boosting) is trained and "
             "tested on exactly the same stars as the deep models.", "",
             "## Summary", "",
             "| dataset | test stars | best deep cell | best feature baseline | epochs | "
             "compute |", "|---|---|---|---|---|---|"]
    skipped: list[str] = []
    body: list[str] = []
    for section in sections:
        deep, feats = section.best(deep=True), section.best(deep=False)
        compute, elapsed = time_taken(section)
        lines.append(
            f"| {section.dataset} | {int(section.long['n_test_stars'].iloc[0]):,} | "
            + (f"{_cell_name(deep)}: {_score(deep)}" if deep is not None else "-") + " | "
            + (f"{_cell_name(feats)}: {_score(feats)}" if feats is not None else "-") + " | "
            + f"{section.info['sweep']['base']['train']['epochs']} | {_duration(compute)} |")
        body += [f"## {section.dataset}", "",
                 "Made by:", "", "```", section.info.get("command") or
                 f"(command not recorded; sweep configuration in {section.path}/sweep.json)",
                 "```", "",
                 section.table_markdown.replace("\n# ", "\n### "), "",
                 f"Time: the runs' own time (training; baseline feature extraction and fitting) "
                 f"adds up to {_duration(compute)}"
                 + (f"; {_duration(elapsed)} elapsed from the first run's start to the last "
                    f"result" if elapsed is not None else "") + ".", "",
                 f"Compared with the research tables: {comparison(section)}", ""]
        if figures:
            made, why = section_figures(section, out.parent / "figures" / section.dataset)
            skipped += why
            for caption, path in made:
                body += [f"![{caption}]({_relative(path, out.parent)})", ""]
    lines += ["", "Compute: the sum of the runs' own times in the sweep (one CPU thread per "
              "run unless the budget line says otherwise).", ""]
    lines += body
    lines += ["## MACHO", "",
              "The same commands run on a MACHO download: `lcformer sweep macho --data-dir "
              "DIR ...` reads the MACHO formats (per-star archives and tables with a "
              "catalogue) as `lcformer prepare macho` does. The test suite runs that sweep, "
              "with the feature baseline, on the real MACHO sample files (`macho_samples`), "
              "which hold too few stars for a meaningful table, so no MACHO table is shown "
              "here.", ""]
    if skipped:
        lines += ["## Not shown", ""] + [f"- {why}" for why in skipped] + [""]
    text = "\n".join(lines)
    atomic.write_text(out, text)
    return text, skipped
