"""A sweep: the research grid of models x heads x width, repeated over folds or seeds.

The research tables report star-level test accuracy with macro-F1 in parentheses, one row per
model (Models 1 to 5) and one column per (heads, emb) in {4, 8} x {32, 64}. A sweep runs that
grid (plus the recurrent baselines and, optionally, the feature baseline) on one prepared
dataset, each cell repeated over k folds or over training seeds, and writes the table with
the mean and the spread over the repeats, headed by the budget that produced it.

Layout of a sweep folder::

    sweep.json                  the sweep configuration and the prepared dataset it ran on
    <model>-h<H>-e<E>/<repeat>/ one run folder per attention cell and repeat (see runs.py)
    naive-h<H>-e<E>/<repeat>/   Model 1 has no attention: one cell, the first heads and emb
    lstm/<repeat>/, gru/<repeat>/  one cell each, default units (or the base ``rnn_units``)
    baseline/<repeat>/          the feature baseline on the same split (if asked)
    results_long.csv            one row per finished run (and per baseline model)
    results_summary.csv         mean and standard deviation per cell, numbers
    results.md, results.csv     the research-format table (and the spread table)

Repeats: with ``folds=K`` repeat ``fold<i>`` uses the split ``kfold:K:i`` (shuffled with the
base ``split_seed``), so the spread measures the data split; with ``seeds`` repeat
``seed<s>`` keeps the base split and trains with seed ``s`` (the baseline's classifiers too),
so the spread measures training randomness.

Continuing: a run folder with ``metrics.json`` is finished and is read, not rerun (after
checking that it was made with the same configuration and prepared data); one with
``last.safetensors`` but no metrics is resumed from its last epoch; anything else is trained
from the start. Results are rewritten atomically after every run, so an interrupted sweep
keeps what it has and the next call continues where it stopped.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import sys
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lcformer import __version__, atomic
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PreparedDataset
from lcformer.errors import ConfigMismatchError
from lcformer.hardware import hardware
from lcformer.models.config import MODEL_NAMES
from lcformer.training.runs import RunConfig, _drop_none, train_run

#: The five research models, in the order of the research tables.
RESEARCH_MODELS = ("naive", "ae_frozen", "ae_finetune", "encoder", "encoder_decoder")
RNN_MODELS = ("lstm", "gru")
#: Models with attention: one cell per (heads, emb).
ATTENTION_MODELS = ("ae_frozen", "ae_finetune", "encoder", "encoder_decoder")
BASELINE_MODELS = ("random_forest", "gradient_boosting")
ROW_LABELS = {
    "naive": "Model 1 (naive)",
    "ae_frozen": "Model 2 (ae_frozen)",
    "ae_finetune": "Model 3 (ae_finetune)",
    "encoder": "Model 4 (encoder)",
    "encoder_decoder": "Model 5 (encoder_decoder)",
    "lstm": "LSTM",
    "gru": "GRU",
    "random_forest": "features + random forest",
    "gradient_boosting": "features + gradient boosting",
}
ROW_ORDER = (*MODEL_NAMES, *BASELINE_MODELS)
#: Column of the models that have a single cell without (heads, emb): RNNs and baselines.
ANY = "any"
LONG_COLUMNS = ("model", "heads", "emb", "repeat", "accuracy", "macro_f1", "epochs_run",
                "seconds", "n_test_stars", "hardware", "run_dir")


@dataclass(frozen=True)
class SweepConfig:
    models: tuple[str, ...] = MODEL_NAMES
    heads: tuple[int, ...] = (4, 8)
    embs: tuple[int, ...] = (32, 64)
    folds: int | None = None  # k-fold repeats (split kfold:K:I); else the seeds
    seeds: tuple[int, ...] = (0,)  # training seeds, on the base split
    base: RunConfig = field(default_factory=RunConfig)  # budget, options, split, research
    baseline: bool = False  # also the feature baseline, on the same split(s)

    def __post_init__(self) -> None:
        unknown = [m for m in self.models if m not in MODEL_NAMES]
        if unknown or not self.models:
            raise ValueError(f"unknown models {unknown}: choose from {', '.join(MODEL_NAMES)}")
        if len(set(self.models)) != len(self.models):
            raise ValueError(f"models repeated: {self.models}")
        for name, values in (("heads", self.heads), ("embs", self.embs)):
            if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1
                                 for v in values) or len(set(values)) != len(values):
                raise ValueError(f"{name} must be distinct positive integers, got {values}")
        bad = [(h, e) for h in self.heads for e in self.embs if e % h]
        if bad and any(m in ATTENTION_MODELS for m in self.models):
            raise ValueError(f"emb must be divisible by heads; not so for (heads, emb) {bad}")
        if self.folds is not None:
            if isinstance(self.folds, bool) or not isinstance(self.folds, int) or self.folds < 2:
                raise ValueError(f"folds must be an integer of at least 2, got {self.folds!r}")
            if self.base.split != "auto":
                raise ValueError(f"folds make the split (kfold:{self.folds}:I); leave the "
                                 f"split at auto, not {self.base.split!r}")
        elif not self.seeds or len(set(self.seeds)) != len(self.seeds):
            raise ValueError(f"seeds must be distinct and at least one, got {self.seeds}")

    @property
    def repeats(self) -> list[str]:
        if self.folds is not None:
            return [f"fold{i}" for i in range(self.folds)]
        return [f"seed{s}" for s in self.seeds]

    def to_dict(self) -> dict[str, Any]:
        """What determines the results (the base model name and grid options are not used)."""
        base = self.base.to_dict()
        base.pop("model")
        base["model_options"] = {k: v for k, v in base["model_options"].items()
                                 if k not in ("heads", "emb")}
        return {"models": list(self.models), "heads": list(self.heads),
                "embs": list(self.embs), "folds": self.folds,
                "seeds": None if self.folds is not None else list(self.seeds),
                "base": base, "baseline": self.baseline}


@dataclass(frozen=True)
class Cell:
    """One configuration of the grid: a model with its heads and emb (None if not used)."""

    model: str
    heads: int | None = None
    emb: int | None = None

    @property
    def name(self) -> str:
        return self.model if self.heads is None else f"{self.model}-h{self.heads}-e{self.emb}"


def cells(config: SweepConfig) -> list[Cell]:
    """The grid: every (heads, emb) for an attention model; ``naive`` once with the first heads
    and emb (it has no attention; emb sets its head width), as the research table reports it;
    ``lstm`` and ``gru`` once with their default (or the base) units."""
    out = []
    for model in config.models:
        if model in ATTENTION_MODELS:
            out += [Cell(model, h, e) for h in config.heads for e in config.embs]
        elif model == "naive":
            out.append(Cell(model, config.heads[0], config.embs[0]))
        else:
            out.append(Cell(model))
    return out


def run_config(config: SweepConfig, cell: Cell, repeat: str) -> RunConfig:
    """The run of one cell and repeat: the base config with the cell's model and options."""
    options = {k: v for k, v in config.base.model_options.items() if k not in ("heads", "emb")}
    if cell.heads is not None:
        options.update(heads=cell.heads, emb=cell.emb)
    split, split_seed, train = _repeat_split(config, repeat)
    return dataclasses.replace(config.base, model=cell.model, model_options=options,
                               train=train, split=split, split_seed=split_seed)


def _repeat_split(config: SweepConfig, repeat: str):
    base = config.base
    if repeat.startswith("fold"):
        return f"kfold:{config.folds}:{int(repeat[4:])}", base.split_seed, base.train
    seed = int(repeat[4:])
    return base.split, base.split_seed, dataclasses.replace(base.train, seed=seed)


def sweep_key(data: PreparedDataset, config: SweepConfig) -> str:
    """Short hash of the sweep configuration and the prepared data (for a default folder)."""
    payload = json.dumps({"prepared": data.path.name, "sweep": config.to_dict()},
                         sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:10]


@dataclass
class SweepResult:
    long: pd.DataFrame  # one row per finished run (see LONG_COLUMNS)
    markdown: str  # the research-format table with its budget line
    table: pd.DataFrame  # the same table, for results.csv
    sweep_dir: Path
    trained: list[str] = field(default_factory=list)  # run folders trained (or resumed) now


def run_sweep(data: PreparedDataset, config: SweepConfig, sweep_dir: str | Path,
              progress: bool = True, curves: Callable[[], LightCurves] | None = None,
              baseline_jobs: int = 1, command: str | None = None,
              tensorboard: str | Path | None = None) -> SweepResult:
    """Run (or continue) every cell and repeat of ``config`` in ``sweep_dir``.

    ``curves`` returns the cleaned raw curves the feature baseline needs (``config.baseline``);
    it is called once, and only if a baseline run is still to do. ``command`` (the command
    line of this call) is added to the ``commands`` of sweep.json, so that a results document
    can show how the sweep was started and continued.
    ``tensorboard``: log each run trained now to TensorBoard, in the sub-folder named like its
    run folder (``DIR/encoder-h4-e32/seed0``).
    """
    sweep_dir = Path(sweep_dir)
    sweep_dir.mkdir(parents=True, exist_ok=True)
    commands = sweep_commands(sweep_dir) + ([command] if command else [])
    atomic.write_json(sweep_dir / "sweep.json", {
        "lcformer_version": __version__, "dataset": data.manifest["name"],
        "prepared": str(data.path.resolve()), "input_hash": data.manifest["input_hash"],
        "prepare": data.manifest["config"], "sweep": config.to_dict(), "commands": commands})
    plan: list[tuple[Cell | None, str]] = [(c, r) for r in config.repeats for c in cells(config)]
    if config.baseline:
        plan += [(None, r) for r in config.repeats]
    rows: list[dict[str, Any]] = []
    trained: list[str] = []
    cached_curves: list[LightCurves] = []

    def get_curves() -> LightCurves:
        if curves is None:
            raise ValueError("the feature baseline needs the cleaned curves: pass curves=")
        if not cached_curves:
            cached_curves.append(curves())
        return cached_curves[0]

    result = None
    for i, (cell, repeat) in enumerate(plan, 1):
        if cell is None:
            run_dir = sweep_dir / "baseline" / repeat
            new, did = _baseline_rows(data, config, repeat, run_dir, get_curves, baseline_jobs)
        else:
            run_dir = sweep_dir / cell.name / repeat
            logs = (None if tensorboard is None else
                    Path(tensorboard) / run_dir.relative_to(sweep_dir))
            new, did = _cell_rows(data, run_config(config, cell, repeat), cell, repeat,
                                  run_dir, progress, logs)
        for row in new:
            row["run_dir"] = str(run_dir.relative_to(sweep_dir))
        rows += new
        if did:
            trained.append(str(run_dir))
        if progress:
            what = "baseline" if cell is None else cell.name
            scores = ", ".join(f"{r['model']} acc {r['accuracy']:.3f} f1 {r['macro_f1']:.3f}"
                               for r in new)
            print(f"[{i}/{len(plan)}] {what} {repeat}: {scores}"
                  f"{'' if did else ' (done before)'}", file=sys.stderr)
        result = write_results(rows, data, config, sweep_dir, trained)
    assert result is not None
    return result


def sweep_commands(sweep_dir: Path) -> list[str]:
    """The command lines that started and continued a sweep, oldest first (from sweep.json)."""
    path = sweep_dir / "sweep.json"
    if not path.is_file():
        return []
    info = json.loads(path.read_text())
    if "commands" in info:
        return list(info["commands"])
    return [info["command"]] if info.get("command") else []  # sweeps of lcformer <= 0.1.0


def _cell_rows(data: PreparedDataset, rc: RunConfig, cell: Cell, repeat: str, run_dir: Path,
               progress: bool,
               tensorboard: Path | None = None) -> tuple[list[dict[str, Any]], bool]:
    metrics_path = run_dir / "metrics.json"
    did = not metrics_path.is_file()
    if did:
        resume = (run_dir / "last.safetensors").is_file()
        if resume:
            _check_finished_config(run_dir, data, rc)
        metrics = train_run(data, rc, run_dir, resume=resume, progress=progress,
                            figures=False, tensorboard=tensorboard)
    else:
        _check_finished_config(run_dir, data, rc)
        metrics = json.loads(metrics_path.read_text())
    star = metrics["star"]
    return [{"model": cell.model, "heads": cell.heads, "emb": cell.emb, "repeat": repeat,
             "accuracy": star["accuracy"], "macro_f1": star["macro_f1"],
             "epochs_run": metrics["budget"]["epochs_run"],
             "seconds": metrics["train_seconds"], "n_test_stars": star["n"],
             "hardware": metrics["hardware"]}], did


def _check_finished_config(run_dir: Path, data: PreparedDataset, rc: RunConfig) -> None:
    """A run folder found in the sweep folder must be this sweep's run on this data."""
    path = run_dir / "config.toml"
    saved = tomllib.loads(path.read_text()) if path.is_file() else {}
    same_run = "run" in saved and RunConfig.from_dict(saved["run"]) == rc
    prepare = json.loads(json.dumps(_drop_none(data.manifest["config"])))
    same_data = (saved.get("dataset", {}).get("input_hash") == data.manifest["input_hash"]
                 and saved.get("prepare") == prepare)
    if not (same_run and same_data):
        raise ConfigMismatchError(
            f"{run_dir} holds a run made with another configuration or other data than this "
            f"sweep's; use another sweep folder (or remove that run folder)")


def _baseline_rows(data: PreparedDataset, config: SweepConfig, repeat: str, run_dir: Path,
                   get_curves: Callable[[], LightCurves],
                   jobs: int) -> tuple[list[dict[str, Any]], bool]:
    from lcformer.experiments.baseline import run_baseline, save_baseline

    split, split_seed, train = _repeat_split(config, repeat)
    metrics_path = run_dir / "metrics.json"
    did = not metrics_path.is_file()
    if did:
        result = run_baseline(data, get_curves(), split=split, seed=split_seed,
                              model_seed=train.seed, n_jobs=jobs)
        save_baseline(run_dir, result)
        result = {k: v for k, v in result.items() if k != "predictions"}
    else:
        result = json.loads(metrics_path.read_text())
        if (result.get("split", {}).get("kind") != split
                or result["split"].get("seed") != split_seed
                or result.get("model_seed") != train.seed
                or result.get("dataset") != data.manifest["name"]):
            raise ConfigMismatchError(
                f"{run_dir} holds a baseline made on another split or seed than this sweep's; "
                f"use another sweep folder (or remove that run folder)")
    rows = []
    for name, metrics in result["models"].items():
        star = metrics["star"]
        rows.append({"model": name, "heads": None, "emb": None, "repeat": repeat,
                     "accuracy": star["accuracy"], "macro_f1": star["macro_f1"],
                     "epochs_run": None,
                     "seconds": round(result["features"]["seconds"]
                                      + metrics["train_seconds"], 1),
                     "n_test_stars": star["n"], "hardware": metrics["hardware"]})
    return rows, did


def long_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    df = pd.DataFrame(list(rows), columns=list(LONG_COLUMNS))
    for col in ("heads", "emb", "epochs_run"):
        df[col] = df[col].astype("Int64")
    return df


def write_results(rows: Sequence[dict[str, Any]], data: PreparedDataset, config: SweepConfig,
                  sweep_dir: Path, trained: list[str] | None = None) -> SweepResult:
    """Write results_long.csv, results_summary.csv, results.md and results.csv atomically."""
    long = long_frame(rows)
    markdown, table = research_table(long, budget_text(data, config, long),
                                     title=data.manifest["name"])
    for name, frame in (("results_long.csv", long), ("results_summary.csv", summary(long)),
                        ("results.csv", table)):
        with atomic.temporary_path(sweep_dir / name) as tmp:
            frame.to_csv(tmp, index=False)
    atomic.write_text(sweep_dir / "results.md", markdown)
    return SweepResult(long, markdown, table, sweep_dir, list(trained or []))


def budget_text(data: PreparedDataset, config: SweepConfig, long: pd.DataFrame | None = None,
                date: str | None = None) -> str:
    """What produced the table: data, split, repeats, epochs, research flag, date, hardware."""
    base, train = config.base, config.base.train
    tokens = data.manifest["config"]["tokens"]
    n_stars = len(data.stars)
    parts = [f"dataset {data.manifest['name']} ({n_stars:,} stars, {len(data.classes)} "
             f"classes, windows W={tokens['window']} S={tokens['stride']})"]
    if config.folds is not None:
        parts.append(f"split: {config.folds}-fold stratified by star (split seed "
                     f"{base.split_seed}); repeats: {config.folds} folds")
    else:
        seeds = ", ".join(str(s) for s in config.seeds)
        parts.append(f"split: {base.split} (split seed {base.split_seed}); repeats: "
                     f"{len(config.seeds)} training seed(s) {seeds}")
    epochs = f"epochs: {train.epochs} planned"
    if train.patience is not None:
        epochs += f", early stop after {train.patience} without a better val macro-F1"
    if long is not None and long["epochs_run"].notna().any():
        run = long["epochs_run"].dropna()
        epochs += (f", {run.min()} run" if run.min() == run.max() else
                   f", {run.min()}-{run.max()} run")
    parts.append(epochs)
    parts.append(f"batch {train.batch_size}, lr {train.lr:g} ({train.schedule})")
    if base.sample_per_class:
        parts.append(f"{base.sample_per_class} training stars per class")
    parts.append("research mode" if base.model_options.get("research") else
                 "research mode off")
    parts.append(f"lcformer {__version__}")
    parts.append(date or datetime.date.today().isoformat())
    if long is not None and len(long):
        deep = long[~long["model"].isin(BASELINE_MODELS)]["hardware"].dropna()
        feats = long[long["model"].isin(BASELINE_MODELS)]["hardware"].dropna()
        machines = sorted(set(deep)) + [f"baseline {h}" for h in sorted(set(feats))]
    else:
        machines = [hardware()]
    parts.append("; ".join(machines))
    return "Budget: " + "; ".join(parts) + "."


def summary(long: pd.DataFrame) -> pd.DataFrame:
    """Mean and standard deviation (ddof 1) over repeats, per model and cell."""
    keys = ["model", "heads", "emb"]
    grouped = long.groupby(keys, dropna=False, sort=False)
    out = grouped.agg(n=("repeat", "nunique"),
                      accuracy_mean=("accuracy", "mean"), accuracy_std=("accuracy", "std"),
                      macro_f1_mean=("macro_f1", "mean"), macro_f1_std=("macro_f1", "std"),
                      seconds_mean=("seconds", "mean")).reset_index()
    rank = {m: i for i, m in enumerate(ROW_ORDER)}
    out["_rank"] = out["model"].map(lambda m: rank.get(m, len(rank)))
    return (out.sort_values(["_rank", "model", "heads", "emb"], kind="stable")
            .drop(columns="_rank").reset_index(drop=True))


def _column(heads: Any, emb: Any) -> str:
    return ANY if pd.isna(heads) else f"h{int(heads)} e{int(emb)}"


def _pair(a: float, b: float) -> str:
    return f"{a:.2f} ({b:.2f})"


def research_table(long: pd.DataFrame, budget: str,
                   title: str = "model") -> tuple[str, pd.DataFrame]:
    """The research-format table of a sweep's long results: (Markdown, table for CSV).

    Rows are models (research order, then lstm, gru, the feature baselines); columns are
    ``h<heads> e<emb>`` in increasing (heads, emb), plus ``any`` for the models without a
    (heads, emb) cell. Each cell is "mean accuracy (mean macro-F1)" over the repeats, star
    level; a cell with fewer repeats than the sweep's gets "[n/N]". With more than one repeat a
    second table gives the standard deviation (ddof 1), "accuracy (macro-F1)", and the CSV
    has a ``<column> std`` column for each.
    """
    stats = summary(long)
    n_repeats = int(long["repeat"].nunique())
    grid = (stats[stats["heads"].notna()][["heads", "emb"]].drop_duplicates()
            .sort_values(["heads", "emb"]))
    columns = [_column(h, e) for h, e in grid.itertuples(index=False)]
    if stats["heads"].isna().any():
        columns.append(ANY)
    models = list(dict.fromkeys(stats["model"]))
    mean = pd.DataFrame("", index=models, columns=columns)
    spread = pd.DataFrame("", index=models, columns=columns)
    for row in stats.itertuples(index=False):
        col = _column(row.heads, row.emb)
        text = _pair(row.accuracy_mean, row.macro_f1_mean)
        if row.n < n_repeats:
            text += f" [{row.n}/{n_repeats}]"
        mean.loc[row.model, col] = text
        if row.n > 1:
            spread.loc[row.model, col] = _pair(row.accuracy_std, row.macro_f1_std)

    labels = [ROW_LABELS.get(m, m) for m in models]
    repeats = "1 run" if n_repeats == 1 else f"the mean over {n_repeats} repeats"
    lines = [f"# {title}: star-level test accuracy (macro-F1)", "",
             f"Each cell: accuracy (macro-F1 in parentheses) of the test stars, {repeats}.",
             "", budget, "", _markdown(title, labels, mean)]
    if n_repeats > 1:
        lines += ["", f"Spread: standard deviation over the {n_repeats} repeats, accuracy "
                      f"(macro-F1).", "", _markdown(title, labels, spread)]
    table = mean.copy()
    if n_repeats > 1:
        for col in columns:
            table[f"{col} std"] = spread[col]
    table.insert(0, "row", labels)
    table.insert(0, "model", models)
    return "\n".join(lines) + "\n", table.reset_index(drop=True)


def _markdown(title: str, labels: list[str], cells: pd.DataFrame) -> str:
    out = [f"| {title} | " + " | ".join(cells.columns) + " |",
           "|---" * (len(cells.columns) + 1) + "|"]
    for label, values in zip(labels, cells.itertuples(index=False), strict=True):
        out.append(f"| {label} | " + " | ".join(values) + " |")
    return "\n".join(out)

