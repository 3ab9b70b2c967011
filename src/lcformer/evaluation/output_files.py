"""Prediction files on disk: a table written atomically in the format its name gives, the
unclassified stars' list beside it, and an earlier run's files set aside (``NAME.old``) when a
run produces nothing.

Kept apart from predicting, which returns tables in memory (the API's results are never
written): what a file is called, where it may be written and what becomes of an earlier one
are the command line's and the partitioned predictions' questions.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from lcformer import atomic
from lcformer.errors import ConfigError

if TYPE_CHECKING:
    from lcformer.evaluation.predict import Predictions


TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def check_table_path(path: Path, hint: str = "") -> str:
    """The format ``path``'s extension names, or a ConfigError (ending in ``hint``), and a
    folder it can be written in (made if missing), before any work is done: not lost
    predictions after it."""
    kind = TABLE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"{path}: unknown output format {path.suffix or '(no extension)'!r}; "
                          f"use {', '.join(TABLE_FORMATS)}{hint}")
    if path.is_dir():  # found before the work (and its lock), not when writing
        raise ConfigError(f"{path}: is a folder; give --out a file name{hint}")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"{path}: cannot make its folder ({error.strerror or error}); "
                          f"give --out a path you can write to") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{path}: its folder cannot be written; give --out a path you can "
                          f"write to")
    return kind


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table atomically in the format its extension names (csv, parquet, json)."""
    kind = check_table_path(path)
    with atomic.temporary_path(path) as tmp:
        if kind == "csv":
            frame.to_csv(tmp, index=False)
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            # json, not pandas' to_json: that rounds to decimal places (1e-8 -> 0.00000001)
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            tmp.write_text(json.dumps(records, indent=1, allow_nan=False))
    return path


def write_predictions(result: Predictions, out: Path) -> Path | None:
    """The predictions to ``out``; stars that could not be classified to
    ``<out>_unclassified<ext>`` (returned, or None when every star was classified)."""
    write_table(result.table, out)
    if not len(result.unclassified):
        unclassified_path(out).unlink(missing_ok=True)  # an earlier run's, not this one's
        return None
    return write_unclassified(result, out)


def unclassified_path(out: Path) -> Path:
    return out.with_name(out.stem + "_unclassified" + out.suffix)


def problems_path(out: Path) -> Path:
    """Where the input's problems go when there are more than the terminal shows."""
    return out.with_name(out.stem + "_problems.txt")


def write_unclassified(result: Predictions, out: Path) -> Path:
    """The stars without a prediction, and why, beside ``out``."""
    return write_table(result.unclassified, unclassified_path(out))


def set_aside(out: Path) -> list[tuple[Path, Path]]:
    """Move an earlier run's ``out`` and its ``_unclassified`` list aside to ``NAME.old``
    (``NAME.old.2``... when that is taken), one rename each; returns (from, to) pairs.

    For a run that fails (nothing classified, unreadable input): its results must not seem to
    be the earlier file's, and the earlier file must not be lost (it may be the only copy of
    a long run's predictions), so it is neither left in place nor removed."""
    moved: list[tuple[Path, Path]] = []
    if not out.is_file():  # an unclassified list alone is a failed run's: replaced
        return moved
    for path in (out, unclassified_path(out)):  # a run's predictions and its list, together
        if not path.is_file():
            continue
        aside = atomic.aside_path(path)  # an older one set aside: kept too
        os.replace(path, aside)
        moved.append((path, aside))
    return moved


def set_aside_line(moved: list[tuple[Path, Path]]) -> str | None:
    """One line saying what :func:`set_aside` moved, or None."""
    if not moved:
        return None
    what = ", ".join(f"{path} -> {aside.name}" for path, aside in moved)
    return (f"moved an earlier run's output aside so that it does not pass for this run's: "
            f"{what}")
