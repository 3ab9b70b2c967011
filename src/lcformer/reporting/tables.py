"""The research-format tables of a sweep: rows are models, columns (heads, emb) cells.

Each cell is "mean accuracy (mean macro-F1)" of the test stars over the repeats, as the
research tables report them, headed by the budget line that says what produced them.
"""

from __future__ import annotations

import datetime
from typing import Any

import pandas as pd

from lcformer import __version__
from lcformer.data.prepared import PreparedDataset
from lcformer.evaluation.metrics import score_text
from lcformer.experiments.grid import SweepConfig
from lcformer.hardware import hardware
from lcformer.models.registry import BASELINE_MODELS, MODEL_NAMES, row_label
from lcformer.training.config import stopping_text

#: Column of the models that have a single cell without (heads, emb): RNNs and baselines.
ANY = "any"
#: Row order of the tables: the registry's models, then the feature baseline's.
ROW_ORDER = (*MODEL_NAMES, *BASELINE_MODELS)


def is_baseline(models: pd.Series) -> pd.Series:
    return models.isin(BASELINE_MODELS)


def budget_text(data: PreparedDataset, config: SweepConfig, long: pd.DataFrame | None = None,
                date: str | None = None) -> str:
    """What produced the table: data, split, repeats, epochs, research flag, date, hardware."""
    base, train = config.base, config.base.train
    tokens = data.manifest["config"]["tokens"]
    n_stars = len(data.stars)
    read = data.manifest.get("counts", {}).get("stars_read", n_stars)
    # Stars read that kept no curve are said (the short ones can be 14 of 50 Miras)
    lost = (f" of the {read:,} read; the other {read - n_stars:,} kept no curve (curves "
            f"dropped, of all the stars: "
            f"{', '.join(f'{k} {v:,}' for k, v in sorted(data.report.curves.items()))})"
            if read > n_stars else "")
    parts = [f"dataset {data.manifest['name']} ({n_stars:,} stars{lost}, {len(data.classes)} "
             f"classes, windows W={tokens['window']} S={tokens['stride']})"]
    if config.folds is not None:
        parts.append(f"split: {config.folds}-fold stratified by star (split seed "
                     f"{base.split_seed}); repeats: {config.folds} folds")
    else:
        seeds = [r.removeprefix("seed") for r in config.repeats]
        parts.append(f"split: {base.split} (split seed {base.split_seed}); repeats: "
                     f"{len(seeds)} training seed(s) {', '.join(seeds)}")
    epochs = (f"epochs: {train.epochs} planned"
              f"{stopping_text(train.patience, train.time_limit, epochs=train.epochs)}")
    if long is not None and long["epochs_run"].notna().any():
        run = long["epochs_run"].dropna()
        epochs += (f", {run.min()} run" if run.min() == run.max() else
                   f", {run.min()}-{run.max()} run")
        if (run != train.epochs).any():  # ae_frozen's reconstruction epochs, early stops
            epochs += " (reconstruction epochs and early stops included)"
    parts.append(epochs)
    parts.append(f"batch {train.batch_size}, lr {train.lr:g} ({train.schedule})")
    if base.sample_per_class:
        parts.append(f"{base.sample_per_class} training stars per class")
    parts.append("research mode" if base.model.research else
                 "research mode off")
    parts.append(f"lcformer {__version__}")
    parts.append(date or datetime.date.today().isoformat())
    if long is not None and len(long):
        deep = long[~is_baseline(long["model"])]["hardware"].dropna()
        feats = long[is_baseline(long["model"])]["hardware"].dropna()
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
    """Two scores (spreads are not scores: 0.004 is 0.00, not the 0.01 of a score above 0)."""
    return f"{score_text(a, 2)} ({score_text(b, 2)})"


def research_table(long: pd.DataFrame, budget: str, title: str = "model",
                   planned: int | None = None) -> tuple[str, pd.DataFrame]:
    """The research-format table of a sweep's long results: (Markdown, table for CSV).

    Rows are models (research order, then lstm, gru, the feature baselines); columns are
    ``h<heads> e<emb>`` in increasing (heads, emb), plus ``any`` for the models without a
    (heads, emb) cell. Each cell is "mean accuracy (mean macro-F1)" over the repeats, star
    level; a cell with fewer repeats than the sweep's ``planned`` ones (default: the repeats
    found) gets "[n/N]", so an unfinished sweep does not read as a finished one. With more
    than one repeat a second table gives the standard deviation (ddof 1), "accuracy
    (macro-F1)", and the CSV has a ``<column> std`` column for each.
    """
    stats = summary(long)
    n_repeats = max(int(long["repeat"].nunique()), planned or 0)
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
            spread.loc[row.model, col] = f"{row.accuracy_std:.2f} ({row.macro_f1_std:.2f})" + (
                f" [{row.n}/{n_repeats}]" if row.n < n_repeats else "")

    labels = [row_label(m) for m in models]
    repeats = "1 run" if n_repeats == 1 else f"the mean over {n_repeats} repeats"
    if (stats["n"] < n_repeats).any():
        repeats += f" (\"[n/{n_repeats}]\": a cell of n of them, the sweep is unfinished)"
    lines = [f"# {title}: star-level test accuracy (macro-F1)", "",
             f"Each cell: accuracy (macro-F1 in parentheses) of the test stars, {repeats}.",
             "", budget, "", _markdown(title, labels, mean)]
    if n_repeats > 1:
        lines += ["", f"Spread: sample standard deviation (n - 1 in the denominator) over "
                      f"the {n_repeats} repeats, accuracy (macro-F1).", "",
                  _markdown(title, labels, spread)]
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

