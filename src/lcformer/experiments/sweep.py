"""A sweep: the research grid of models x heads x width, repeated over folds or seeds.

The research tables report star-level test accuracy with macro-F1 in parentheses, one row per
model (Models 1 to 5) and one column per (heads, emb) in {4, 8} x {32, 64}. A sweep runs that
grid (plus the recurrent baselines and, optionally, the feature baseline) on one prepared
dataset, each cell repeated over k folds or over training seeds, and writes the table with
the mean and the spread over the repeats, headed by the budget that produced it.

Layout of a sweep folder::

    sweep.json                  the sweep configuration and the prepared dataset it ran on
    <model>-h<H>-e<E>/<repeat>/ one run folder per attention cell and repeat (see run_folder.py)
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
checking that it was made with the same configuration and prepared data); one started
(``config.toml`` but no metrics) is checked the same way and resumed from each network's last
epoch (``last.safetensors`` in the run folder, or in ``network/`` and ``member<i>/`` for a
model with trees or an ensemble); anything else is trained from the start. Results are
rewritten atomically after every run, so an interrupted sweep keeps what it has and the next
call continues where it stopped.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from lcformer import __version__, atomic
from lcformer.data.prepared import PreparedDataset
from lcformer.data.splits import assign_splits
from lcformer.errors import ConfigMismatchError
from lcformer.evaluation.metrics import score_text
from lcformer.evaluation.records import RunRecord, read_metrics, read_records
from lcformer.experiments.baseline import run_baseline, save_baseline
from lcformer.experiments.grid import Cell, SweepConfig, cells, repeat_split, run_config
from lcformer.reporting.tables import budget_text, research_table, summary
from lcformer.training.config import RunConfig
from lcformer.training.run_folder import (
    CONFIG_FILE,
    METRICS_FILE,
    config_difference,
    data_differences,
    read_run_config,
)
from lcformer.training.runs import train_run

#: results_long.csv: one row per finished run (and per baseline classifier).
LONG_COLUMNS = ("model", "heads", "emb", "repeat", "accuracy", "macro_f1", "epochs_run",
                "seconds", "n_test_stars", "hardware", "run_dir")


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
              progress: bool = True, baseline_jobs: int = 1, command: str | None = None,
              tensorboard: str | Path | None = None) -> SweepResult:
    """Run (or continue) every cell and repeat of ``config`` in ``sweep_dir``.

    ``command`` (the command line of this call) is added to the ``commands`` of sweep.json,
    so that a results document can show how the sweep was started and continued.
    ``tensorboard``: log each run trained now to TensorBoard, in the sub-folder named like its
    run folder (``DIR/encoder-h4-e32/seed0``).
    """
    sweep_dir = Path(sweep_dir)
    plan: list[tuple[Cell | None, str]] = [(c, r) for r in config.repeats for c in cells(config)]
    if config.baseline:
        plan += [(None, r) for r in config.repeats]
    # Every run already there must be this sweep's, checked before sweep.json records this
    # call: a refused call leaves the folder as it was.
    for cell, repeat in plan:
        if cell is not None:
            run_config(config, cell, repeat).check_runnable()
        if cell is None:
            if (sweep_dir / "baseline" / repeat / METRICS_FILE).is_file():
                _check_baseline(data, config, repeat, sweep_dir / "baseline" / repeat)
        elif any((sweep_dir / cell.name / repeat / name).is_file()
                 for name in (METRICS_FILE, CONFIG_FILE)):  # finished, or started
            _check_finished_config(sweep_dir / cell.name / repeat, data,
                                   run_config(config, cell, repeat))
    sweep_dir.mkdir(parents=True, exist_ok=True)
    commands = sweep_commands(sweep_dir) + ([command] if command else [])
    atomic.write_json(sweep_dir / "sweep.json", {
        "lcformer_version": __version__, "dataset": data.manifest["name"],
        "prepared": str(data.path.resolve()), "input_hash": data.manifest["input_hash"],
        "prepare": data.manifest["config"], "sweep": config.to_dict(), "commands": commands})
    rows: list[dict[str, Any]] = []
    trained: list[str] = []
    result = None
    for i, (cell, repeat) in enumerate(plan, 1):
        if cell is None:
            run_dir = sweep_dir / "baseline" / repeat
            new, did = _baseline_rows(data, config, repeat, run_dir, baseline_jobs)
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
            scores = ", ".join(f"{r['model']} acc {score_text(r['accuracy'])} "
                               f"f1 {score_text(r['macro_f1'])}" for r in new)
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


def _row(record: RunRecord, cell: Cell | None, repeat: str) -> dict[str, Any]:
    epochs = None if record.budget is None else record.budget["epochs_run"]
    return {"model": record.model, "heads": cell.heads if cell else None,
            "emb": cell.emb if cell else None, "repeat": repeat,
            "accuracy": record.star["accuracy"], "macro_f1": record.star["macro_f1"],
            "epochs_run": epochs, "seconds": round(record.seconds, 1),
            "n_test_stars": record.star["n"], "hardware": record.hardware}


def _cell_rows(data: PreparedDataset, rc: RunConfig, cell: Cell, repeat: str, run_dir: Path,
               progress: bool,
               tensorboard: Path | None = None) -> tuple[list[dict[str, Any]], bool]:
    did = not (run_dir / METRICS_FILE).is_file()
    if did:  # a run folder already there was checked by run_sweep, before anything was written
        # A started run (its config.toml written) continues from each network's last epoch
        # (a member's, the network beside the trees: their own folders), as `train --resume`.
        records = [train_run(data, rc, run_dir, resume=(run_dir / CONFIG_FILE).is_file(),
                             progress=progress, figures=False, tensorboard=tensorboard)]
    else:
        records = read_records(run_dir)
    return [_row(r, cell, repeat) for r in records], did


def _check_finished_config(run_dir: Path, data: PreparedDataset, rc: RunConfig) -> None:
    """A run folder found in the sweep folder must be this sweep's run on this data."""
    saved = read_run_config(run_dir)
    # What differs, old -> new, as --resume names it
    differences = ([config_difference(RunConfig.from_dict(saved["run"]), rc)] if "run" in saved
                   else ["no [run] settings recorded"]) + data_differences(saved, data)
    differences = [d for d in differences if d]
    if differences:
        raise ConfigMismatchError(
            f"{run_dir} holds a run made with another configuration or other data than this "
            f"sweep's ({'; '.join(differences)}); use another sweep folder (or remove that "
            f"run folder)")


def _baseline_rows(data: PreparedDataset, config: SweepConfig, repeat: str, run_dir: Path,
                   jobs: int) -> tuple[list[dict[str, Any]], bool]:
    split, split_seed, train = repeat_split(config, repeat)
    did = not (run_dir / METRICS_FILE).is_file()
    if did:
        result = run_baseline(data, split=split, seed=split_seed, model_seed=train.seed,
                              n_jobs=jobs)
        save_baseline(run_dir, result)
        records = result.records
    else:  # checked by run_sweep
        records = read_records(run_dir)
    return [_row(r, None, repeat) for r in records], did


def _check_baseline(data: PreparedDataset, config: SweepConfig, repeat: str,
                    run_dir: Path) -> None:
    """A finished baseline folder must be this sweep's."""
    split, split_seed, train = repeat_split(config, repeat)
    info = read_metrics(run_dir)
    records = read_records(run_dir)
    if (records[0].split.get("kind") != split or records[0].split.get("seed") != split_seed
            or info.get("model_seed") != train.seed or records[0].dataset != data.name):
        raise ConfigMismatchError(
            f"{run_dir} holds a baseline made on another split or seed than this sweep's; "
            f"use another sweep folder (or remove that run folder)")
    test = data.stars["id"].astype(str).to_numpy()[assign_splits(data, split, split_seed)
                                                   == "test"]
    if "test_ids" in info and info["test_ids"] != sorted(test.tolist()):
        raise ConfigMismatchError(
            f"{run_dir} holds a baseline tested on other stars than this sweep's (another "
            f"preparation of the data); use another sweep folder (or remove that run folder)")


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
                                     title=data.manifest["name"],
                                     planned=len(config.repeats))
    for name, frame in (("results_long.csv", long), ("results_summary.csv", summary(long)),
                        ("results.csv", table)):
        with atomic.temporary_path(sweep_dir / name) as tmp:
            frame.to_csv(tmp, index=False)
    atomic.write_text(sweep_dir / "results.md", markdown)
    return SweepResult(long, markdown, table, sweep_dir, list(trained or []))


