"""The results document (docs/results.md): written from finished sweep folders, never by hand.

One section per sweep folder (see :mod:`lcformer.experiments.sweep`), then the ablation folders'
tables (:func:`ablation_lines`). A sweep's section: the commands that ran it, its
research-format table (which carries the budget line and the feature baseline), the time its
runs took, figures of its best deep cell, sample outputs of Models 1 and 2, and a few generated
sentences comparing it with the research tables. The scores, budgets and times are read from
the sweep folders; the only constants are the research system's own published numbers
(:mod:`lcformer.reporting.research`, from its results tables), so rerunning ``lcformer
results`` after a new sweep is the only way to change the document.
"""

from __future__ import annotations

import datetime
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.prepared import MANIFEST_FILE, PreparedDataset
from lcformer.data.samples import SAMPLES_VERSION
from lcformer.errors import LcformerError
from lcformer.evaluation.importance import stars_text
from lcformer.evaluation.metrics import score_text
from lcformer.evaluation.paired import (
    ROUNDS,
    difference_interval,
    interval_text,
    predictions_pair,
)
from lcformer.evaluation.records import read_records
from lcformer.experiments.grid import SweepConfig, cells
from lcformer.experiments.sweep import sweep_commands
from lcformer.models.registry import BASELINE_LABELS, REGISTRY, row_label
from lcformer.reporting.research import (
    RESEARCH_BEST,
    RESEARCH_EPOCHS,
    RESEARCH_SAMPLE_PER_CLASS,
    RESEARCH_TABLE_OF,
)
from lcformer.reporting.tables import is_baseline, summary
from lcformer.training.config import stopping_text
from lcformer.training.run_folder import HISTORY_FILE, IMPORTANCE_FILE

SAMPLE_WINDOWS = 3  # windows per sample-output figure


class SweepFolderError(LcformerError):
    """A folder given to ``lcformer results`` is not a sweep, or its files are damaged."""


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SweepFolderError(f"{path}: cannot be read ({exc}); rerun the sweep command to "
                               f"redo that run") from exc


@dataclass
class SweepSection:
    """What the document needs from one sweep folder."""

    path: Path
    info: dict[str, Any]  # sweep.json
    long: pd.DataFrame  # results_long.csv: one row per finished run (and baseline model)
    table_markdown: str  # results.md without its title line
    classes: list[str]
    repeats: list[str]  # in the sweep's order (fold0, fold1, ... or seed0, ...)
    expected_runs: int  # run folders of the whole sweep, baseline folders included

    @property
    def dataset(self) -> str:
        return str(self.info["dataset"])

    @property
    def finished_runs(self) -> int:
        return int(self.long["run_dir"].nunique())

    @property
    def base(self) -> dict[str, Any]:
        return self.info["sweep"]["base"]

    def complete_cells(self) -> pd.DataFrame:
        """Mean scores of the cells that finished every repeat (partial cells are not ranked)."""
        stats = summary(self.long)
        return stats[stats["n"] == len(self.repeats)]

    def best(self, deep: bool) -> pd.Series | None:
        """The complete cell with the highest mean macro-F1 (then accuracy), deep or baseline."""
        stats = self.complete_cells()
        baseline = is_baseline(stats["model"])
        rows = stats[~baseline if deep else baseline]
        if rows.empty:
            return None
        return rows.sort_values(["macro_f1_mean", "accuracy_mean"], ascending=False,
                                kind="stable").iloc[0]

    def first_run(self, cell: pd.Series) -> tuple[Path, str]:
        """The folder of a cell's first repeat (in the sweep's order) and that repeat's name."""
        rows = self.long[self.long["model"] == cell["model"]]
        if not pd.isna(cell["heads"]):
            rows = rows[(rows["heads"] == cell["heads"]) & (rows["emb"] == cell["emb"])]
        repeat = next(r for r in self.repeats if (rows["repeat"] == r).any())
        row = rows[rows["repeat"] == repeat].iloc[0]
        return self.path / str(row["run_dir"]), repeat


def read_sweep(path: str | os.PathLike) -> SweepSection:
    path = Path(path)
    needed = [path / name for name in ("sweep.json", "results_long.csv", "results.md")]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise SweepFolderError(f"{path}: not a sweep folder with results (missing "
                               f"{', '.join(missing)}); run `lcformer sweep ... --sweep-dir "
                               f"{path}` first")
    info = _read_json(needed[0])
    long = pd.read_csv(needed[1])
    for col in ("heads", "emb", "epochs_run"):
        long[col] = long[col].astype("Int64")
    if long.empty:
        raise SweepFolderError(f"{path}: the sweep has no finished run yet")
    lines = needed[2].read_text().splitlines()
    body = "\n".join(lines[1:] if lines and lines[0].startswith("# ") else lines).strip()
    shape = SweepConfig.from_dict(info["sweep"])
    expected = len(shape.repeats) * (len(cells(shape)) + int(shape.baseline))
    classes = read_records(path / str(long.iloc[0]["run_dir"]))[0].classes
    return SweepSection(path, info, long, body, classes, shape.repeats, expected)


def run_seconds(section: SweepSection) -> float:
    """The time the runs took, added up: per-epoch training and validation time from each
    deep run's history.csv (complete across resumes), and the baseline's feature extraction
    (once per repeat) and fitting. Testing and preparing the data are not included."""
    total = 0.0
    for run in section.long["run_dir"].unique():
        folder = section.path / str(run)
        history = folder / HISTORY_FILE
        if history.is_file():
            total += float(pd.read_csv(history)["seconds"].sum())
            continue
        records = read_records(folder)  # a baseline's classifiers share its features
        total += (records[0].feature_seconds or 0.0) + sum(r.train_seconds for r in records)
    return total


def _duration(seconds: float) -> str:
    if 0 < seconds < 0.5:
        return "<1 s"  # not "0 s": the runs took time
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = seconds / 60
    return f"{minutes:.0f} min" if minutes < 120 else f"{minutes / 60:.1f} h"


def _cell_name(cell: pd.Series) -> str:
    label = row_label(str(cell["model"]))
    return label if pd.isna(cell["heads"]) else f"{label} h{cell['heads']} e{cell['emb']}"


def _score(cell: pd.Series) -> str:
    return f"{score_text(cell['accuracy_mean'], 2)} ({score_text(cell['macro_f1_mean'], 2)})"


def _test_stars(section: SweepSection, noun: str = "") -> str:
    """A run's test stars (then ``noun``): per repeat where there are several (folds, or
    seeds on one split), whose scores are averaged, not pooled."""
    counts = section.long["n_test_stars"]
    low, high = int(counts.min()), int(counts.max())
    stars = f"{low:,}" if low == high else f"{low:,}-{high:,}"
    return f"{stars}{noun}" + (" per repeat" if len(section.repeats) > 1 else "")


def _epochs(section: SweepSection) -> str:
    planned = section.base["train"]["epochs"]
    run = section.long["epochs_run"].dropna()
    if run.empty:
        return f"{planned} planned"
    low, high = int(run.min()), int(run.max())
    ran = f"{low}" if low == high else f"{low}-{high}"
    return f"{planned} planned ({ran} run, reconstruction epochs and early stops included)"


def comparison(section: SweepSection) -> str:
    """Generated, factual sentences: the data and classes, the budget, the scores."""
    research = RESEARCH_TABLE_OF.get(section.dataset)
    sentences = []
    data = (f"`{section.dataset}` has {len(section.classes)} classes and "
            f"{_test_stars(section, ' test stars')}")
    if research:
        data += (f"; the research summary gives neither the classes nor the stars of its "
                 f"{research} table, so the two cannot be checked to be the same data")
    else:
        data += "; the research system reported no table on this survey"
    sentences.append(data + ".")

    train = section.base["train"]
    deep = section.long[~is_baseline(section.long["model"])]
    machines = ", ".join(sorted(set(deep["hardware"].dropna()))) or "unrecorded hardware"
    epochs, first = train["epochs"], train["pretrain_epochs"]
    models = set(deep["model"])
    autoencoders = "".join(
        [f"; ae_finetune: {epochs} in all, its reconstruction rounds included"
         if "ae_finetune" in models else "",
         f"; ae_frozen: {first} reconstruction epoch{'s' if first != 1 else ''} first"
         if "ae_frozen" in models else ""])
    budget = (f"The deep models had {epochs} classification epoch{'s' if epochs != 1 else ''}"
              f" planned each{stopping_text(train.get('patience'), train.get('time_limit'))}"
              f" (research: "
              f"{RESEARCH_EPOCHS}{autoencoders}) on {machines}")
    sample = section.base.get("sample_per_class")
    if sample:
        budget += (f", {sample} training stars per class (research: "
                   f"{RESEARCH_SAMPLE_PER_CLASS})")
    else:
        budget += ", all training stars"
    balance = {"loss": "class-balanced loss weights", "sampler": "class-balanced sampling",
               "none": "no class balancing"}[train["balance"]]
    sentences.append(f"{budget}, {balance}.")

    best, feats = section.best(deep=True), section.best(deep=False)
    if best is not None:
        result = f"The best deep cell, {_cell_name(best)}, reached {_score(best)}"
        if research:
            model, col, acc, f1 = RESEARCH_BEST[research]
            row = REGISTRY[model].research_row
            result += (f", against {acc:.2f} ({f1:.2f}) for the best transformer cell of the "
                       f"research {research} table ({row}, {col})")
        if feats is not None:
            if best["macro_f1_mean"] == feats["macro_f1_mean"]:
                relation = "equal to"
            else:
                relation = "above" if best["macro_f1_mean"] > feats["macro_f1_mean"] else "below"
            result += (f"; in macro-F1 it is {relation} the feature baseline on the same test "
                       f"stars, {_cell_name(feats)} {_score(feats)}")
        sentences.append(result + ".")
    return " ".join(sentences)


def _relative(path: Path, start: Path) -> str:
    return Path(os.path.relpath(path, start)).as_posix()


def section_figures(section: SweepSection, out_dir: Path) -> tuple[list[tuple[str, Path]],
                                                                   list[str]]:
    """Figures of one sweep: (caption, file) pairs, and the reasons for figures not made.

    Training curves and confusion matrices come from the run folders; the class and length
    distributions and the sample outputs need the prepared data (``sweep.json`` says where),
    so without it they are skipped, and the skip is reported.
    """
    from lcformer.reporting import figures as fig

    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[tuple[str, Path]] = []
    skipped: list[str] = []
    best, feats = section.best(deep=True), section.best(deep=False)
    if best is not None:
        run, repeat = section.first_run(best)
        name = f"{_cell_name(best)}, {repeat}"
        history = run / HISTORY_FILE
        if history.is_file():
            rows = pd.read_csv(history).to_dict("records")
            made.append((f"Training curves of the best deep cell ({name})",
                         fig.training_curves_figure(rows, out_dir / "training_curves.png")))
        else:
            skipped.append(f"{section.dataset}: training curves of {name}: no history.csv in "
                           f"{run}")
    for cell, kind in ((best, "deep"), (feats, "baseline")):
        if cell is None:
            continue
        run, repeat = section.first_run(cell)
        record = next(r for r in read_records(run) if r.model == cell["model"])
        name = f"{_cell_name(cell)}, {repeat}"
        made.append((f"Test stars of {name}: recall per true class",
                     fig.confusion_matrix_figure(
                         record.star["confusion"], record.classes,
                         out_dir / f"confusion_{kind}.png", normalise=True,
                         title=f"{name}: recall per true class")))
    prepared = Path(section.info["prepared"])
    if not (prepared / MANIFEST_FILE).is_file():
        skipped.append(f"{section.dataset}: the data figures and the sample outputs: the "
                       f"prepared data {prepared} is gone (run `lcformer prepare "
                       f"{section.dataset}` with the sweep's token options to restore it)")
        return made, skipped
    data = PreparedDataset.open(prepared)
    stars = data.stars
    made.append((f"{section.dataset}: stars per class (kept by the preparation)",
                 fig.class_distribution_figure(stars, out_dir / "class_distribution.png",
                                               f"{section.dataset}: stars per class")))
    made.append((f"{section.dataset}: points per star, per class (after cleaning)",
                 fig.length_distribution_figure(stars, out_dir / "length_distribution.png",
                                                f"{section.dataset}: points per star",
                                                unit="star")))
    return made + _sample_outputs(section, data, out_dir), skipped


def _sample_outputs(section: SweepSection, data: PreparedDataset,
                    out_dir: Path) -> list[tuple[str, Path]]:
    """Sample outputs of Models 1 and 2 (and Model 2's reconstruction) on test windows."""
    from lcformer.data.splits import assign_splits, sample_sets
    from lcformer.reporting import figures as fig
    from lcformer.training.config import RunConfig
    from lcformer.training.run_folder import load_model, read_run_config

    stats = section.complete_cells()
    wanted = [m for m in ("naive", "ae_frozen") if (stats["model"] == m).any()]
    made: list[tuple[str, Path]] = []
    for model_name in wanted:
        rows = stats[stats["model"] == model_name].sort_values(
            ["macro_f1_mean", "accuracy_mean"], ascending=False, kind="stable")
        run, repeat = section.first_run(rows.iloc[0])
        config = RunConfig.from_dict(read_run_config(run)["run"])
        parts = assign_splits(data, config.split, config.split_seed)
        test = sample_sets(data, parts, config.sample_per_class, config.split_seed)["test"]
        model, _ = load_model(run)
        # The first test window of each of the first classes: reproducible, and varied.
        picks = [int(np.flatnonzero(test.labels == c)[0])
                 for c in np.unique(test.labels)][:SAMPLE_WINDOWS]
        labels = [data.classes[int(test.labels[i])] for i in picks]
        tokens, mask = np.asarray(test.tokens[picks]), np.asarray(test.mask[picks])
        name = f"{_cell_name(rows.iloc[0])}, {repeat}"
        made.append((f"Sample outputs of {name} on test windows",
                     fig.token_probabilities_figure(
                         model, tokens, mask, data.classes, labels,
                         out_dir / f"sample_outputs_{model_name}.png",
                         title=f"{name}: class probabilities per token")))
        if model.reconstruction is not None:
            made.append((f"Reconstruction by {name} (test windows)", fig.reconstruction_figure(
                model, tokens, mask, out_dir / f"reconstruction_{model_name}.png",
                n=len(picks))))
    return made


def _section_text(section: SweepSection, heading: str) -> list[str]:
    commands = sweep_commands(section.path) or [
        f"(not recorded; the configuration is in {section.path / 'sweep.json'})"]
    lines = [f"## {heading}", "", "Made by (the first command started the sweep; any others "
             "continued it):" if len(commands) > 1 else "Made by:", "", "```", *commands, "```",
             ""]
    if section.finished_runs < section.expected_runs:
        lines += [f"**Unfinished sweep: {section.finished_runs} of {section.expected_runs} "
                  "runs finished.** Cells marked [n/N] have fewer repeats than the sweep and "
                  "are not ranked; empty cells have not run.", ""]
    lines += [section.table_markdown.replace("\n# ", "\n### "), "",
              f"Time: the runs took {_duration(run_seconds(section))} in all (training and "
              f"validation epochs; the baseline's feature extraction and fitting; one run "
              f"after the other). Epochs: {_epochs(section)}.", "",
              f"Compared with the research tables: {comparison(section)}", ""]
    return lines


def results_document(sweep_dirs: list[str | os.PathLike], out: str | os.PathLike,
                     command: str | None = None, figures: bool = True,
                     date: str | None = None) -> tuple[str, list[str]]:
    """Write ``out`` (Markdown) and its figures; returns (the text, reasons of parts left out).

    Figures go to ``figures/<sweep folder name>/`` beside ``out``.
    """
    out = Path(out)
    ablations = [Path(p) for p in sweep_dirs if (Path(p) / "ablation.json").is_file()]
    sections = [read_sweep(p) for p in sweep_dirs if Path(p) not in ablations]
    date = date or datetime.date.today().isoformat()
    made_by = command or "lcformer results " + " ".join(str(p) for p in sweep_dirs)
    lines = ["# lcformer results", "",
             f"Generated on {date} by `{made_by}` from the sweep and ablation folders below. "
             "Do not edit this file by hand: rerun the sweeps and this command.", "",
             "Each table: star-level test accuracy with macro-F1 in parentheses (a star's "
             "window probabilities are averaged), in the research format." if sections else
             "Each table: star-level test scores (a star's sample probabilities are "
             "averaged)."]
    lines[-1] += (" Macro averages are over the classes that occur in a test set's truth or "
                  "predictions: a k-fold test set without a rare class is not scored 0 for it.")
    if any(s.info["sweep"]["baseline"] for s in sections):
        lines[-1] += (" The feature baseline (light-curve features with a random forest and "
                      "gradient boosting) is tested on exactly the same stars as the deep "
                      "models of its repeat, and trained on every training star of that "
                      "split (the deep models may train on a per-class sample of them: see "
                      "each budget line).")
    if sections:
        lines += ["", "## Summary", "",
                  "| dataset | test stars | best deep cell | best feature baseline | runs | "
                  "time |", "|---|---|---|---|---|---|"]
    datasets = [s.dataset for s in sections]
    names = [s.path.name for s in sections]
    skipped: list[str] = []
    body: list[str] = []
    for i, section in enumerate(sections):
        best, feats = section.best(deep=True), section.best(deep=False)
        lines.append(
            f"| {section.dataset} | {_test_stars(section)} | "
            + (f"{_cell_name(best)}: {_score(best)}" if best is not None else "-") + " | "
            + (f"{_cell_name(feats)}: {_score(feats)}" if feats is not None else "-") + " | "
            + f"{section.finished_runs} of {section.expected_runs} | "
            + f"{_duration(run_seconds(section))} |")
        heading = section.dataset
        twice = names.count(section.path.name) > 1  # sw and d3/sw: apart by path and folder
        if datasets.count(section.dataset) > 1:
            heading += f" ({section.path if twice else section.path.name})"
        body += _section_text(section, heading)
        if figures:
            folder = section.path.name + (f"-{i + 1}" if twice else "")
            made, why = section_figures(section, out.parent / "figures" / folder)
            skipped += why
            for caption, path in made:
                body += [f"![{caption}]({_relative(path, out.parent)})", ""]
    if sections:
        lines += ["", "Best cells are ranked by mean macro-F1 over the repeats, among cells "
                  "that finished every repeat. Time: the runs' own time, added up.", ""]
    else:
        lines.append("")
    lines += body
    if ablations:
        lines += ablation_lines(ablations, out, figures)
    if not any(RESEARCH_TABLE_OF.get(d) == "MACHO" for d in datasets):
        lines += ["## MACHO", "",
                  "The same commands run on a MACHO download: `lcformer sweep macho "
                  "--data-dir DIR ...` reads the MACHO formats (per-star archives and tables "
                  "with a catalogue) as `lcformer prepare macho` does, and `lcformer results` "
                  "makes its section. lcformer's real-data tests run both, with the feature "
                  "baseline, on the real MACHO sample files (`macho_samples`); they hold too "
                  "few stars for a meaningful table, so none is shown here.", ""]
    if skipped:
        lines += ["## Not shown", ""] + [f"- {why}" for why in skipped] + [""]
    text = "\n".join(lines)
    atomic.write_text(out, text)
    return text, skipped


def _summary_row(long: pd.DataFrame) -> str | None:
    """The product's default step when it ran, else the fullest star-view row run (not the
    research encoder: its windows may leave out short test stars)."""
    from lcformer.experiments.ablation import DEFAULT_STEP, STEP_NAMES

    steps = set(long["step"])
    return DEFAULT_STEP if DEFAULT_STEP in steps else next(
        (s for s in reversed(STEP_NAMES[1:]) if s in steps), None)


def compared(ours: float, theirs: float) -> tuple[str, str, str]:
    """Two scores and their difference as text, to 3 decimals, or to as many more (up to 5)
    as tell them apart, so that a small loss never shows as "+0.000"; the difference is that
    of the values shown, so the line adds up."""
    digits = 3
    while (digits < 5 and ours != theirs
           and score_text(ours, digits) == score_text(theirs, digits)):
        digits += 1
    a, b = (float(score_text(x, digits)) for x in (ours, theirs))
    return f"{a:.{digits}f}", f"{b:.{digits}f}", f"{a - b:+.{digits}f}"


def _compared_rows(long: pd.DataFrame, step: str) -> tuple[str, list[str]] | None:
    """The best baseline classifier against ``step`` (by its unrounded mean) and the folds
    that both finished (the same test stars); None: no baseline finished one of its folds."""
    finished = long.groupby("step")["repeat"].agg(set)
    shared = {m: sorted(finished[step] & finished[m]) for m in BASELINE_LABELS
              if m in finished.index and finished[step] & finished[m]}
    if not shared:
        return None
    best = max(shared, key=lambda m: _mean_score(long, m, shared[m]))
    return best, shared[best]


def _mean_score(long: pd.DataFrame, row: str, repeats: list[str]) -> float:
    scores = long.loc[(long["step"] == row) & long["repeat"].isin(repeats), "macro_f1"]
    return float(scores.mean())


def _summary_line(long: pd.DataFrame, step: str, folds: int | None,
                  folder: Path | None = None) -> str | None:
    """``step`` against the best baseline classifier on the folds that both finished, as
    "model | baseline | difference | interval" cells (:func:`compared`; the interval from the
    rows' test predictions in ``folder``, "-" where they are not there). None: no baseline
    has finished a fold that ``step`` finished."""
    rows = _compared_rows(long, step)
    if rows is None:
        return None
    best, repeats = rows
    from lcformer.experiments.ablation import value_range

    model, baseline, difference = compared(_mean_score(long, step, repeats),
                                           _mean_score(long, best, repeats))
    some = f" ({len(repeats)}/{folds} folds)" if folds and len(repeats) < folds else ""
    chosen = (long["step"] == step) & long["repeat"].isin(repeats)
    weight = (value_range(long.loc[chosen, "network_weight"], "g") if "network_weight" in long
              else "-")
    weight = "" if weight == "-" else f", network weight {weight}"  # 0: the trees alone
    interval = _difference_interval(folder, step, best, repeats) if folder else "-"
    return (f"{model} ({step}{weight}){some} | {baseline} ({row_label(best)}){some} | "
            f"{difference} | {interval}")


def _difference_interval(folder: Path, step: str, baseline: str, repeats: list[str]) -> str:
    """The paired bootstrap interval of the summary's difference (each fold's test stars
    resampled within it), from the rows' test_predictions.csv; "-" where one is missing."""
    pairs = [predictions_pair(folder / step / r, folder / "baseline" / r, baseline)
             for r in repeats]
    if any(p is None for p in pairs):
        return "-"
    stars = pd.concat(pairs, keys=repeats, names=["fold", None]).reset_index(level="fold")
    low, high = difference_interval(stars["label"], stars["ours"], stars["theirs"],
                                    groups=stars["fold"])
    return interval_text(low, high)


def ablation_lines(folders: list[Path], out: Path, figures: bool = True) -> list[str]:
    """The ablation sections (``lcformer ablation`` folders): a summary of the periodic model
    as it is by default against the feature baseline on the same test stars, then each table,
    its command and the folded test stars of that row."""
    from lcformer.experiments.ablation import (
        DEFAULT_STEP,
        AblationConfig,
        ablation_table,
        run_bands,
        run_split,
    )

    lines = ["## Ablation: from the research encoder to the periodic model", "",
             "Each row adds one change (`lcformer ablation`); the feature baseline is trained "
             "and tested on the same stars as the star-view rows. The summary's periodic "
             f"model is the `{DEFAULT_STEP}` row, the default (else the last star-view row "
             "run), "
             "scored on the folds that it and the baseline both finished.", "",
             f"The interval is the difference's middle 95% over {ROUNDS:,} paired bootstrap "
             "resamples of the test stars (within each fold), both classifiers scored on "
             "each (\"-\" where the rows' test_predictions.csv are missing or hold other "
             "stars); it leaves out a retrained model's seed and that the better baseline "
             "was picked on these stars.", "",
             "| dataset (folder) | periodic model: macro-F1 | best feature baseline | "
             "difference | 95% interval of the difference |", "|---|---|---|---|---|"]
    body: list[str] = []
    for folder in folders:
        info = _read_json(folder / "ablation.json")
        if not (folder / "ablation.csv").is_file():
            raise SweepFolderError(f"{folder}: the ablation has no finished run yet")
        long = pd.read_csv(folder / "ablation.csv", dtype={"repeat": str})
        settings = AblationConfig.from_dict(info["ablation"])
        last = _summary_row(long)
        line = (_summary_line(long, last, settings.folds, folder) if last is not None
                else None)
        if line is not None:
            earlier = "" if info.get("samples_version") == SAMPLES_VERSION else ", earlier inputs"
            lines.append(f"| {info['dataset']} ({folder.name}{earlier}) | {line} |")
        table = ablation_table(long, info["dataset"], settings.train, settings.folds,
                               run_bands(folder), run_split(folder)).splitlines()
        commands = info.get("commands") or [f"(not recorded; see {folder / 'ablation.json'})"]
        classes = (f"Classes: {', '.join(info['classes'])}." if info.get("classes") else
                   "Classes: all of the dataset's.")
        version = info.get("samples_version")
        inputs = ("Model inputs: those of this lcformer." if version == SAMPLES_VERSION else
                  f"Model inputs: those of an earlier lcformer (samples version "
                  f"{version or 'not recorded'}; now {SAMPLES_VERSION}): these rows are not "
                  f"the current model's.")
        body += [f"### {info['dataset']} ({folder.name})", "", classes, inputs, "",
                 "Made by (the first command started it; the others continued it):"
                 if len(commands) > 1 else "Made by:", "", "```", *commands, "```", "",
                 *table[2:], ""]  # without its title
        if last is not None:
            body += _importance_lines(folder, last, long[long["step"] == last]["repeat"])
        if figures and last is not None:
            repeat = str(long[long["step"] == last]["repeat"].iloc[0])
            source = folder / last / repeat / "figures" / "folded_test_stars.png"
            if source.is_file():
                name = folder.name  # two folders of one name: apart by their place
                if [f.name for f in folders].count(name) > 1:
                    name += f"-{folders.index(folder) + 1}"
                target = out.parent / "figures" / name / "folded_test_stars.png"
                atomic.write_bytes(target, source.read_bytes())
                body += [f"![{info['dataset']}: test stars of the {last} row ({repeat}), "
                         f"periodogram and folded curve]({_relative(target, out.parent)})",
                         "", "Two test stars of each class, its wrong predictions first "
                         "(the panels say which).", ""]
    return [*lines, "", *body]


def _importance_lines(folder: Path, step: str, repeats: pd.Series) -> list[str]:
    """What the row's trees rest on (its runs' ``importance.json``; none in runs made before
    it was measured): each family's macro-F1 drop, over the folds as mean and spread."""
    paths = [folder / step / str(r) / IMPORTANCE_FILE for r in sorted(set(repeats))]
    if not paths or not all(p.is_file() for p in paths):
        return []
    records = [_read_json(p) for p in paths]
    drops = pd.DataFrame([{f"{f['family']} ({len(f['names'])})": f["macro_f1_drop"]
                           for f in r["families"]} for r in records])
    mean = drops.mean().sort_values(ascending=False)
    folds = len(records) > 1
    where = (f"over the {len(records)} folds (mean ± spread; each fold's mean of "
             f"{records[0]['repeats']} shuffles of its test stars)" if folds else
             f"the mean of {records[0]['repeats']} shuffles of the {stars_text(records[0])}")
    rows = [f"| {family} | {_signless(value)}"
            + (f" ± {_signless(drops[family].std())}" if folds else "")
            + " |" for family, value in mean.items()]
    from lcformer.experiments.ablation import value_range

    shares = pd.Series([float(r.get("network_weight_left_out") or 0) for r in records])
    alone = ""
    if shares.max() > 0:  # the row's network had a share: its scores are not the trees'
        base = np.mean([float(r.get("trees_macro_f1", np.nan)) for r in records])
        alone = (f" The trees are measured alone, without the network's share of the "
                 f"row's probabilities ({value_range(shares, 'g')}): they start from their "
                 f"own macro-F1, {base:.3f}{' (mean over the folds)' if folds else ''}.")
    return [f"What the `{step}` row's trees rest on: the macro-F1 they lose when one family of "
            f"per-star values is shuffled across the test stars, {where}. The number of "
            f"values in each family is in brackets; each run's `importance.json` names them "
            f"(`lcformer info RUN` shows the largest).{alone}", "",
            "| family of per-star values | macro-F1 lost |", "|---|---|", *rows, ""]


def _signless(value: float) -> str:
    """A value to 3 decimals, a loss that rounds to none as 0.000, not -0.000."""
    return f"{round(float(value), 3) + 0.0:.3f}"
