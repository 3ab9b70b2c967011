"""The ablation: from the research encoder to the periodic model, one change per row.

Each row adds one thing an astronomer knows matters (``../docs/results.md`` shows the table):

1. ``research``: the research encoder on (dt, dm) windows of one band at a time;
2. ``scalars``: every point of a star as a token (time, normalised magnitude, error), one
   band per sequence, with the per-star scalars the normalisation removes (mean magnitude,
   amplitude, period, ...);
3. ``folded``: the same points also folded at the period found (and at twice it);
4. ``joint``: both bands of a star in one sequence (band embedding; colour in the scalars);
5. ``features``: the feature baseline's light-curve features fused into the model;
6. ``forest``: its probabilities averaged with a random forest's on the same per-star values
   (:mod:`lcformer.models.forest`);
7. ``trees``: and with gradient-boosted trees' too (the mean of the forest and boosting), the
   periodic model's default;
8. ``randomised``: and with extremely randomised trees' too (the mean of the three: not the
   default, see :mod:`lcformer.models.forest`);
9. ``ensemble``: three seeds averaged (with the trees).

Rows 2-9 are the periodic model with options; every row has the same training budget (the
periodic model's, or the one given), and the feature baseline (random forest, gradient
boosting) runs on exactly the test stars of rows 2-9. Star views keep every star; the research
windows drop stars shorter than one window, and row 1's split is drawn among the stars it
keeps: where stars were dropped, its test stars are a different draw (some of them training
stars of rows 2-9), so compare row 1 with the others as a separate experiment. Its count of
test stars is in the table; where nothing is dropped, all rows share their test stars.

Layout of an ablation folder: ``ablation.json`` (settings, dataset, commands),
``<step>/<repeat>/`` run folders, ``baseline/<repeat>/``, ``ablation.csv`` (one row per run)
and ``ablation.md`` (the table). A finished run folder is read, not rerun, so an interrupted
ablation continues where it stopped, and running it again with other ``--steps`` adds rows.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer import __version__, atomic
from lcformer.config import Config, earlier_settings, setting
from lcformer.data.datasets import prepare_dataset, resolve, work_dir
from lcformer.data.prepared import PrepareConfig, PreparedDataset
from lcformer.data.samples import SAMPLES_VERSION
from lcformer.errors import ConfigError, ConfigMismatchError
from lcformer.evaluation.metrics import score_text
from lcformer.experiments.grid import fold_repeats
from lcformer.models.config import STAR_MODEL
from lcformer.models.registry import BASELINE_LABELS, spec
from lcformer.training.config import RunConfig, TrainConfig, stopping_text
from lcformer.training.run_folder import CONFIG_FILE, METRICS_FILE

if TYPE_CHECKING:  # torch-free at import: the CLI builds its options from AblationConfig
    from lcformer.evaluation.records import RunRecord


@dataclass(frozen=True)
class Step:
    name: str  # folder name
    label: str  # table row
    model: str = STAR_MODEL
    model_options: Mapping[str, Any] = field(default_factory=dict)
    views: Mapping[str, Any] = field(default_factory=dict)
    features: bool = False


NO_TREES = {"forest": 0, "boosting": 0, "extra_trees": 0}  # rows 2-5: the network alone
STEPS: tuple[Step, ...] = (
    Step("research", "research encoder: (dt, dm) windows, one band at a time", "encoder",
         {"research": True}),
    Step("scalars", "+ every point as a token, per-star scalars (unfolded, one band at a time)",
         model_options=NO_TREES, views={"fold": "time", "bands": "separate"}),
    Step("folded", "+ folded at the period found", model_options=NO_TREES,
         views={"fold": "both", "bands": "separate"}),
    Step("joint", "+ both bands in one sequence", model_options=NO_TREES,
         views={"fold": "both", "bands": "joint"}),
    Step("features", "+ fused light-curve features", model_options=NO_TREES,
         views={"fold": "both", "bands": "joint"}, features=True),
    Step("forest", "+ averaged with a random forest on the per-star values",
         model_options={"boosting": 0}, views={"fold": "both", "bands": "joint"},
         features=True),
    Step("trees", "+ and with gradient-boosted trees (the default)",
         views={"fold": "both", "bands": "joint"}, features=True),
    Step("randomised", "+ and with extremely randomised trees",
         model_options={"extra_trees": 500}, views={"fold": "both", "bands": "joint"},
         features=True),
    Step("ensemble", "+ ensemble of 3 seeds (with the default's trees)",
         model_options={"ensemble": 3},
         views={"fold": "both", "bands": "joint"}, features=True),
)
STEP_NAMES = tuple(s.name for s in STEPS)
DEFAULT_STEP = "trees"  # the periodic model as `lcformer train` trains it
BASELINE_STEP = "trees"  # the baseline is tested on this step's stars (rows 2-9's)


def _periodic_training() -> TrainConfig:
    return RunConfig.for_model(STAR_MODEL).train


@dataclass(frozen=True)
class AblationConfig(Config):
    steps: tuple[str, ...] = setting(STEP_NAMES, f"rows to run, of {', '.join(STEP_NAMES)}",
                                     metavar="S1,S2")
    folds: int | None = setting(None, "repeat over K stratified folds (default: the dataset's "
                                      "own split, or stratified 70/10/20)", metavar="K")
    train: TrainConfig = setting(factory=_periodic_training)  # the same for every row

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = sorted(set(self.steps) - set(STEP_NAMES))
        if unknown or not self.steps:
            raise ConfigError(f"unknown ablation steps {unknown}: choose from "
                              f"{', '.join(STEP_NAMES)}")
        if self.folds is not None and self.folds < 2:
            raise ConfigError(f"folds must be at least 2, got {self.folds}")


@dataclass
class AblationResult:
    long: pd.DataFrame  # one row per run: step, repeat, macro_f1, accuracy, n_test, seconds
    markdown: str
    folder: Path


def step_data(dataset: str, step: Step, data_dir: str | None, work: str | None,
              progress: bool, prepare: PrepareConfig | None = None,
              jobs: int = 1) -> PreparedDataset:
    """The step's preparation: ``prepare`` (default: the dataset's presets) with its views."""
    base = prepare or resolve(dataset, data_dir)[0].prepare_config()
    config = base.replace(inputs=spec(step.model).inputs, features=step.features,
                          views=base.views.replace(**step.views))
    return prepare_dataset(dataset, config, data_dir, work, progress=progress, jobs=jobs)[0]


def step_run(step: Step, train: TrainConfig, split: str, split_seed: int) -> RunConfig:
    """The step's model, from its registry defaults (the research encoder's: one block, the
    same emb and heads) with the step's options, trained as every step is."""
    model = RunConfig.for_model(step.model).model.replace(**step.model_options)
    return RunConfig(model=model, train=train, split=split, split_seed=split_seed)


def run_ablation(dataset: str, folder: str | Path, config: AblationConfig | None = None,
                 data_dir: str | None = None, work: str | None = None, progress: bool = True,
                 command: str | None = None, jobs: int = 1,
                 prepare: PrepareConfig | None = None) -> AblationResult:
    """Train every step (over ``folds`` k-fold splits, or the dataset's own split) and the
    feature baseline; write ``ablation.csv`` and ``ablation.md`` after every run. In a folder
    that holds the same ablation, finished rows are read, and other ``steps`` are added.
    ``prepare``: the preparation to start from (classes, cleaning, tokens; default: the
    dataset's presets); each step sets its inputs, views and features. ``jobs``: processes
    of the preparations and of the feature baseline. One command at a time per folder: two
    would each rewrite ablation.csv with its own rows, and list themselves in ablation.json
    as makers of rows the other made (a second is refused before it writes anything)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with atomic.one_writer(folder, "an ablation", "--out folder"):
        return _run_ablation(dataset, folder, config, data_dir, work, progress, command, jobs,
                             prepare)


def _run_ablation(dataset: str, folder: Path, config: AblationConfig | None,
                  data_dir: str | None, work: str | None, progress: bool,
                  command: str | None, jobs: int, prepare: PrepareConfig | None
                  ) -> AblationResult:
    from lcformer.evaluation.records import read_records
    from lcformer.experiments.baseline import run_baseline, save_baseline
    from lcformer.training.runs import train_run

    config = config or AblationConfig()
    info_path = folder / "ablation.json"
    before = json.loads(info_path.read_text()) if info_path.is_file() else {}
    # JSON keeps a list: compare as one
    classes = None if prepare is None or prepare.classes is None else list(prepare.classes)
    preparation = None if prepare is None else json.loads(json.dumps(prepare.to_dict()))
    asked = set(config.steps)  # (this command's rows; the folder's earlier ones join below)
    if before:  # the same ablation, continued, or given more rows
        settings = before.get("ablation", {})
        differ = [what for what, same in (
            ("ablation settings", {**settings, "steps": None} == {**config.to_dict(),
                                                                  "steps": None}),
            ("dataset", before["dataset"] == dataset),
            ("classes", before.get("classes") == classes),
            # folders of lcformer <= this change did not record it
            ("preparation", "prepare" not in before or before["prepare"] == preparation),
        ) if not same]
        if (differ == ["preparation"] and isinstance(before["prepare"], dict) and preparation
                and (added := earlier_settings(before["prepare"], preparation,
                                               PrepareConfig().to_dict()))):
            raise ConfigMismatchError(f"{folder} holds the rows of an earlier lcformer's "
                                      f"ablation (without the settings {', '.join(added)}), "
                                      f"whose data this one reads otherwise; use another "
                                      f"folder (--out)")
        if differ:
            raise ConfigMismatchError(f"{folder} holds an ablation with other settings or "
                                      f"data ({', '.join(differ)} differ); use another "
                                      f"folder (--out)")
        if before.get("samples_version") != SAMPLES_VERSION:  # rows of other model inputs
            raise ConfigMismatchError(f"{folder} holds rows made from the model inputs of an "
                                      f"earlier lcformer (samples version "
                                      f"{before.get('samples_version', 'not recorded')}, now "
                                      f"{SAMPLES_VERSION}); use another folder (--out)")
        config = config.replace(steps=tuple(s for s in STEP_NAMES
                                            if s in {*settings.get("steps", ()), *config.steps}))
    made = before.get("input_hash") or _rows_input_hash(folder)
    current = _input_hash(dataset, data_dir, work, folder)
    if made is not None and current is not None and made != current:
        raise ConfigMismatchError(f"{folder} holds rows made from other data files (input "
                                  f"fingerprint {made[:12]}, now {current[:12]}): the files "
                                  f"changed since; use another folder (--out)")
    train, folds = config.train, config.folds
    chosen = [s for s in STEPS if s.name in config.steps]
    repeats = fold_repeats(folds) if folds else [("split", "auto")]
    commands = before.get("commands", [])
    info = {"lcformer_version": __version__, "samples_version": SAMPLES_VERSION,
            "dataset": dataset, "ablation": config.to_dict(),
            "classes": classes, "prepare": preparation,
            "input_hash": current or made, "commands": commands}
    atomic.write_json(info_path, info)
    rows: list[dict[str, Any]] = []
    result = None
    plan = [(s, r) for r in repeats for s in chosen] + [(None, r) for r in repeats]
    for i, (step, (repeat, split)) in enumerate(plan, 1):
        name = step.name if step else "baseline"
        run_dir = folder / name / repeat
        done = (run_dir / METRICS_FILE).is_file()
        if done:
            records = read_records(run_dir)
        else:
            if command and info["commands"] is commands:
                # Recorded once it makes a row: a command that found every row done made none
                # (a copied folder would list a command that trained nothing in it).
                info["commands"] = [*commands, command]
                atomic.write_json(info_path, info)
            data = step_data(dataset, step or _step(BASELINE_STEP), data_dir, work, progress,
                             prepare, jobs)
            if step is None:
                base = run_baseline(data, split=split, seed=0, model_seed=train.seed,
                                    n_jobs=jobs)
                save_baseline(run_dir, base)
                records = base.records
            else:
                # A started row continues from its last epoch (network/ or member*/ for
                # trees and ensembles), as `train --resume` does; said, as it takes time a
                # row of an earlier command's --steps may not have been expected to.
                resume = (run_dir / CONFIG_FILE).is_file()
                if resume:
                    print(f"[{i}/{len(plan)}] {name} {repeat}: continuing its interrupted run"
                          + ("" if name in asked else
                             f" (a row of an earlier command's --steps, kept in {info_path})"),
                          file=sys.stderr)
                records = [train_run(data, step_run(step, train, split, 0), run_dir,
                                     resume=resume, progress=progress)]
        for record in records:
            rows.append(_row(record, name, repeat))
        if progress:
            scores = ", ".join(f"{r.model} macro-F1 {score_text(r.star['macro_f1'])}"
                               for r in records)
            print(f"[{i}/{len(plan)}] {name} {repeat}: {scores}"
                  f"{' (done before)' if done else ''}", file=sys.stderr)
        result = write_ablation(folder, rows, dataset, train, folds)
    assert result is not None
    return result


def _rows_input_hash(folder: Path) -> str | None:
    """The input fingerprint of the data files a folder's rows were made from (an ablation
    folder of an lcformer that did not record it in ablation.json), or None."""
    from lcformer.training.run_folder import read_run_config

    for path in sorted(folder.glob(f"*/*/{CONFIG_FILE}")):
        if found := read_run_config(path.parent).get("dataset", {}).get("input_hash"):
            return str(found)
    return None


def _input_hash(dataset: str, data_dir: str | None, work: str | None,
                folder: Path) -> str | None:
    """The fingerprint of the dataset's files, as its preparations record it, so that rows
    made from other files (a labels file edited between two commands: 2 of 17 test stars
    shared, said to be the same stars) are not added to a folder; None where the ablation
    folder lies inside the dataset's, whose files it changes with every row."""
    spec, data_folder = resolve(dataset, data_dir)
    if not spec.generated and folder.resolve().is_relative_to(data_folder.resolve()):
        return None
    return spec.fingerprint(data_folder, work_dir(work))


def _step(name: str) -> Step:
    return next(s for s in STEPS if s.name == name)


def _row(record: RunRecord, step: str, repeat: str) -> dict[str, Any]:
    budget = record.budget or {}
    return {"step": step if step != "baseline" else record.model, "repeat": repeat,
            "macro_f1": record.star["macro_f1"], "accuracy": record.star["accuracy"],
            "n_test_stars": record.star["n"], "seconds": round(record.seconds, 1),
            "hardware": record.hardware, "epochs_run": budget.get("epochs_run"),
            "network_weight": budget.get("network_weight")}


#: ablation.csv's columns (folders of earlier versions lack the last two).
COLUMNS = ["step", "repeat", "macro_f1", "accuracy", "n_test_stars", "seconds", "hardware",
           "epochs_run", "network_weight"]


def write_ablation(folder: Path, rows: list[dict[str, Any]], dataset: str, train: TrainConfig,
                   folds: int | None) -> AblationResult:
    long = pd.DataFrame(rows, columns=COLUMNS)
    with atomic.temporary_path(folder / "ablation.csv") as tmp:
        long.to_csv(tmp, index=False)
    markdown = ablation_table(long, dataset, train, folds, run_bands(folder), run_split(folder))
    atomic.write_text(folder / "ablation.md", markdown)
    return AblationResult(long, markdown, folder)


def run_split(folder: Path) -> str | None:
    """The split the ablation's runs used (a run's ``metrics.json``: what ``auto`` was), or
    None where none recorded it."""
    for path in sorted(Path(folder).glob("*/*/metrics.json")):
        records = json.loads(path.read_text()).get("records") or [{}]
        if resolved := (records[0].get("split") or {}).get("resolved"):
            return str(resolved)
    return None


def run_bands(folder: Path) -> int | None:
    """How many bands the ablation's star-view runs read (a run's ``best.json``), or None."""
    for path in sorted(Path(folder).glob("*/*/best.json")):
        bands = json.loads(path.read_text()).get("bands")
        if bands:
            return len(bands)
    return None


def ablation_table(long: pd.DataFrame, dataset: str, train: TrainConfig,
                   folds: int | None, bands: int | None = None,
                   split: str | None = None) -> str:
    """Markdown: one row per step and baseline classifier, mean (± std over folds).
    ``bands``: of the dataset (:func:`run_bands`); with one, the row that joins the bands
    says that it changes nothing. ``split``: what ``auto`` was (:func:`run_split`; None in
    folders of earlier versions, which did not record it)."""
    labels = {s.name: s.label for s in STEPS} | BASELINE_LABELS
    if bands == 1 and "folded" in set(long["step"]):
        labels["joint"] += " (one band here: the folded row again)"
    order = [*STEP_NAMES, *BASELINE_LABELS]
    split = (f"{folds}-fold stratified cross-validation (mean ± sample std over the folds; "
             f"each fold's macro-F1 averages the classes in its test stars or predictions, so "
             f"a rare class missing from a fold's test stars is not in its average)"
             if folds else {"fixed": "the dataset's own split",
                            "stratified": "stratified 70/10/20 by star (seed 0): the dataset "
                                          "has no split of its own"}.get(
                 split or "", "the dataset's own split, or where it has none stratified "
                              "70/10/20 by star (seed 0)"))
    baseline = long["step"].isin(list(BASELINE_LABELS))
    hardware = "; ".join(sorted(set(long.loc[~baseline, "hardware"].astype(str)))
                         + [f"baseline {h}" for h in
                            sorted(set(long.loc[baseline, "hardware"].astype(str)))])
    recorded = "epochs_run" in long  # folders of earlier versions did not record them
    lines = [f"# Ablation on {dataset}", "",
             f"Star-level test scores, {split}. Training: {train.epochs} "
             f"epoch{'s' if train.epochs != 1 else ''} planned"
             f"{stopping_text(train.patience, train.time_limit, True, train.epochs)}, batch "
             f"{train.batch_size}, lr {train.lr:g} ({train.schedule}), seed {train.seed}; "
             f"hardware: {hardware}.{_shared_test_stars(long)}", "",
             "| | macro-F1 | accuracy | "
             + ("test stars (all folds) |" if folds else "test stars |")
             + " minutes (training) |"
             + (" epochs run | network weight |" if recorded else ""),
             "|---|---|---|---|---|" + ("---|---|" if recorded else "")]
    for step in order:
        rows = long[long["step"] == step]
        if rows.empty:
            continue
        extra = (f" {value_range(rows['epochs_run'], 'd')} | "
                 f"{value_range(rows['network_weight'], 'g')} |" if recorded else "")
        lines.append(f"| {labels[step]} | {_mean(rows['macro_f1'], folds)} | "
                     f"{_mean(rows['accuracy'], folds)} | {int(rows['n_test_stars'].sum()):,} "
                     f"| {_minutes(rows['seconds'].sum())} |{extra}")
    if recorded:
        lines += ["", "Network weight: the network's share of the probabilities, beside the "
                  "trees' (0: the trees alone); epochs run: per fold, after early stopping "
                  "(an ensemble: its longest member's)."]
    if folds:
        lines += ["", "Test stars: those of the folds a row finished, together (a star is a "
                  "test star in one fold); the scores are the means of the folds' own."]
    lines += ["", "Minutes: wall-clock time of the runs on the hardware named, one run after "
              "the other. A star-view row counts its networks' epochs and its trees' "
              "fitting, not its preparation (period search, star views, light-curve "
              "features: made once, cached, shared by the rows); a baseline row counts the "
              "light-curve feature extraction, which both classifiers share, and its "
              "classifier's fitting."]
    return "\n".join(lines) + "\n"


def _shared_test_stars(long: pd.DataFrame) -> str:
    """Which rows are scored on the same stars: the star-view rows (all but the research
    encoder, whose windows leave short stars out) and the feature baseline."""
    views = set(long["step"]) - {"research", *BASELINE_LABELS}
    baseline = bool(set(long["step"]) & set(BASELINE_LABELS))
    if not views:
        return ""
    rows = "The star-view rows" if len(views) > 1 else "The star-view row"
    if "research" in set(long["step"]):  # (its split is drawn among the stars it keeps)
        rows += (" (all but the research encoder, whose windows leave short stars out: its "
                 "test stars are others in part)")
    return f" {rows} and the baselines share their test stars." if baseline else ""


def _minutes(seconds: float) -> str:
    """Minutes to 0.1, and under 3 seconds "<0.1" rather than a 0.0 that reads as no time."""
    return "<0.1" if 0 < seconds < 3 else f"{seconds / 60:.1f}"


def value_range(values: pd.Series, form: str) -> str:
    """The values of a column over the folds: one, a range, or "-" where it has none."""
    v = pd.to_numeric(values, errors="coerce").dropna()
    if v.empty:
        return "-"
    low, high = (format(int(x) if form == "d" else float(x), form) for x in (v.min(), v.max()))
    return low if low == high else f"{low}-{high}"


def _mean(values: pd.Series, folds: int | None) -> str:
    v = values.to_numpy(dtype=float)
    unfinished = f" ({len(v)}/{folds} folds)" if folds and len(v) < folds else ""
    if folds and len(v) > 1:
        return f"{score_text(v.mean())} ± {v.std(ddof=1):.3f}{unfinished}"
    return f"{score_text(np.mean(v))}{unfinished}"
