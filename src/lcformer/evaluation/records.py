"""One record of a model's test result, for deep runs and the feature baseline alike.

A run folder's ``metrics.json`` holds ``{"kind": ..., "records": [...]}``: one record for a
deep run, one per classifier for a baseline run (which adds how its features were made). Every
reader (``lcformer evaluate``, sweeps, the results document) goes through :func:`read_records`,
so the two kinds of run are read the same way.
"""

from __future__ import annotations

import contextvars
import dataclasses
import json
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from lcformer import atomic
from lcformer.errors import CorruptFileError, RunNotFoundError
from lcformer.evaluation.metrics import score_text
from lcformer.training.run_folder import (
    BEST_FILE,
    CONFIG_FILE,
    METRICS_FILE,
    how_to_finish,
    is_run,
    read_run_config,
)

#: The command line of the ``lcformer`` command running now (set by the CLI; None from
#: Python), kept in ``metrics.json`` so that a run says how to make it again.
COMMAND_LINE: contextvars.ContextVar[str | None] = contextvars.ContextVar("command_line",
                                                                          default=None)
#: Packages whose versions a run's result depends on, kept in ``metrics.json`` beside
#: lcformer's own.
SOFTWARE = ("torch", "numpy", "pandas", "scikit-learn", "pyarrow", "light-curve", "nifty-ls")


def software_versions() -> dict[str, str]:
    """Python's and :data:`SOFTWARE`'s versions (those installed; lcformer's own from its
    code, which an editable install's metadata may not follow)."""
    from lcformer import __version__

    found = {"python": platform.python_version(), "lcformer": __version__}
    for name in SOFTWARE:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found


#: Fewer validation stars than this that chose the best epoch (or the trees' weight) are
#: said in the summary line: a score on so few moves by a star.
FEW_VALIDATION = 10


@dataclass(frozen=True)
class RunRecord:
    dataset: str
    model: str
    classes: list[str]
    split: dict[str, Any]  # kind, seed, stars per part
    hardware: str
    train_seconds: float  # fitting (deep: training and validation epochs)
    star: dict[str, Any]  # star-level metrics (evaluation.metrics.Metrics.to_dict)
    window: dict[str, Any] | None = None  # window-level metrics (token models)
    budget: dict[str, Any] | None = None  # epochs planned and run, early stop, best epoch
    feature_seconds: float | None = None  # feature extraction (baseline), shared by its models
    params: dict[str, Any] | None = None  # the classifier's parameters (baseline)

    @property
    def seconds(self) -> float:
        """Time the result cost: fitting plus feature extraction."""
        return self.train_seconds + (self.feature_seconds or 0.0)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunRecord:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})

    def fewer_training_stars(self) -> tuple[int, int] | None:
        """(stars trained on, training stars of the split) where --sample-per-class left some
        out; None otherwise (and for records written before ``split.used``)."""
        total = (self.split.get("stars") or {}).get("train")
        used = (self.split.get("used") or {}).get("train", total)
        return None if used == total else (used, total)

    def summary_line(self) -> str:
        s = self.star
        if self.budget is not None:
            n = self.budget["epochs_run"]
            planned = self.budget.get("epochs_planned", n)
            if self.budget.get("time_limit_reached") and n < planned:  # (an ensemble's
                cost = f"{n} of {planned} epochs before the time limit, "  # longest member)
            elif self.budget.get("network_unneeded"):
                cost = f"{n} of {planned} epochs: the trees gave the network no share, "
            elif self.budget.get("stopped_early") and n < planned:
                cost = f"{n} of {planned} epochs: stopped early (--patience), "
            else:
                cost = f"{n} epoch{'s' if n != 1 else ''}, "
            cost += f"{self.train_seconds} s"
            if self.budget.get("network_weight") is not None:  # beyond --time-limit's count
                cost += " with the trees"
        else:
            cost = f"features {self.feature_seconds} s, fit {self.train_seconds} s"
        untrained = self.split.get("untrained_classes")
        note = (f"; never trained on {', '.join(untrained)} (no training star)"
                if untrained else "")
        stars, used = self.split.get("stars") or {}, self.split.get("used") or {}
        if (fewer := self.fewer_training_stars()) is not None:
            note += f"; trained on {fewer[0]:,} of {fewer[1]:,} training stars"
        weight = (self.budget or {}).get("network_weight")
        if weight is not None:  # at 0 the result is the trees': say so where it is read
            note += (f"; network weight {weight:g}" + (" (the trees alone)" if weight == 0
                                                        else " (the network alone)"
                                                        if weight == 1 else ""))
        if self.budget is not None and stars.get("val") == 0:
            note += ("; no validation stars: the epoch kept had the lowest training loss"
                     + (", the trees' weight is 0.5" if "weight" in used else ""))
        elif self.budget is not None and 0 < used.get("val", FEW_VALIDATION) < FEW_VALIDATION:
            # the best epoch chosen on a few stars is said in the summary
            n = used["val"]
            stars_text = f"{n} validation star{'s' if n != 1 else ''}"
            if "weight" not in used:
                note += f"; the best epoch chosen on {stars_text} only"
            elif self.split.get("weight_on_val_stars"):
                note += f"; the best epoch and the trees' weight chosen on {stars_text} only"
            else:
                note += (f"; the best epoch chosen on {stars_text} only, the trees' weight on "
                         f"{used['weight']}")

        if not s["n"]:  # a split without test stars (a dataset's own, all "train")
            return (f"{self.dataset} / {self.model}: no test stars in this split, so no test "
                    f"scores ({cost}, {self.hardware}){note}; --split stratified holds some "
                    f"out")
        return (f"{self.dataset} / {self.model}: star-level test accuracy "
                f"{score_text(s['accuracy'])}, macro-F1 {score_text(s['macro_f1'])}"
                f"{self._classes_averaged()} on {s['n']} stars "
                f"({cost}, {self.hardware}){note}")

    def _classes_averaged(self) -> str:
        """Where some classes have neither a test star nor a prediction, the macro average is
        over the others (not 0 for them): say over how many."""
        confusion = self.star.get("confusion")
        if not confusion:
            return ""
        matrix = np.asarray(confusion)
        occurs = (matrix.sum(0) + matrix.sum(1)) > 0
        if occurs.all():
            return ""
        # Runs scored before 2026-12-03 averaged over every class: say so only where the
        # score is the mean over the classes that occur.
        f1 = np.array([np.nan if row["f1-score"] is None else row["f1-score"]
                       for row in self.star["per_class"].values()], dtype=float)
        if len(f1) != len(occurs) or abs(f1[occurs].mean() - self.star["macro_f1"]) > 1e-6:
            return ""
        return (f" (over the {int(occurs.sum())} of {len(matrix)} classes in the test stars "
                f"or predictions)")

    def report(self) -> str:
        """The summary line, precision/recall/F1 per class, and the window-level scores."""
        lines = [self.summary_line()]
        width = max(len(c) for c in self.classes)
        lines.append(f"  {'class':<{width}}  precision  recall     f1  stars")
        confusion = self.star.get("confusion")
        for i, (cls, row) in enumerate(self.star["per_class"].items()):
            # A class neither among the test stars nor predicted has no scores (and is left
            # out of the macro averages): "-", not 0. One predicted but without test stars has
            # a precision (0: every such prediction is wrong) and no recall.
            # A class without test stars has no recall (0/0), even where it is predicted.
            untested = int(row["support"]) == 0
            absent = untested and (confusion is not None
                                   and sum(r[i] for r in confusion) == 0)
            cells = ["-" if absent or (untested and k == "recall") else score_text(row[k])
                     for k in ("precision", "recall", "f1-score")]
            lines.append(f"  {cls:<{width}}  {cells[0]:>9}  {cells[1]:>6}  {cells[2]:>5}"
                         f"  {int(row['support']):>5}")
        if self.window is not None:
            from lcformer.models.registry import REGISTRY

            w = self.window
            spec = REGISTRY.get(self.model.split()[0])  # "periodic", "encoder h4 e64"...
            level, unit = (("sample level", "samples (chunks of star views)")
                           if spec is not None and spec.inputs == "stars" else
                           ("window level", "windows"))
            trees_alone = (self.budget or {}).get("network_weight") == 0
            lines.append(f"{level}: accuracy {score_text(w['accuracy'])}, macro-F1 "
                         f"{score_text(w['macro_f1'])} on {w['n']} {unit}"
                         + ("; at network weight 0 each is scored with its star's trees' "
                            "prediction, so this weighs the star scores by chunks"
                            if trees_alone else ""))
        return "\n".join(lines)


def write_records(run_dir: Path, kind: str, records: list[RunRecord],
                  extra: dict[str, Any] | None = None) -> None:
    """``metrics.json``: the records and, for a baseline, how its features were made; the
    command line (where the CLI ran it) and the software's versions, so that a run folder
    says how to make it again."""
    made = {"command": command} if (command := COMMAND_LINE.get()) else {}
    atomic.write_json(run_dir / METRICS_FILE, {"kind": kind, **(extra or {}), **made,
                                              "software": software_versions(),
                                              "records": [r.to_dict() for r in records]})


def read_metrics(run_dir: str | Path) -> dict[str, Any]:
    path = Path(run_dir) / METRICS_FILE
    if not Path(run_dir).is_dir():
        raise RunNotFoundError(f"no run folder at {run_dir}")
    if not path.is_file():
        folder = Path(run_dir)
        if (folder / "sweep.json").is_file() or (folder / "ablation.json").is_file():
            why = ("a sweep or ablation folder: its scores are in its results files (lcformer "
                   "results FOLDER writes a document of them); evaluate a run folder inside it")
        elif (folder / BEST_FILE).is_file() and not (folder / CONFIG_FILE).is_file():
            why = ("a saved Classifier (Classifier.save) keeps its model, not test scores: "
                   "score it in Python (Classifier.score) or predict with it")
        elif is_run(folder):
            why = f"the run has not finished: {how_to_finish(folder)}"
        else:
            read_run_config(folder)  # a damaged config.toml is refused by name
            why = "not a run folder"
        raise RunNotFoundError(f"no {METRICS_FILE} in {run_dir}: {why}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        doc = None
    if not isinstance(doc, dict):
        raise _damaged(path, "not a JSON object")
    # lcformer 0.1.0 wrote a deep run's record at the top level and a baseline's per model.
    if "records" not in doc:
        if isinstance(doc.get("models"), dict):
            seconds = (doc.get("features") or {}).get("seconds")
            doc = {**doc, "records": [{**m, "feature_seconds": seconds}
                                      for m in doc.pop("models").values()]}
        else:
            doc = {"kind": "deep", "records": [doc]}
    return doc


def read_records(run_dir: str | Path) -> list[RunRecord]:
    """The records of a finished run folder, deep or baseline."""
    path = Path(run_dir) / METRICS_FILE
    records = read_metrics(run_dir)["records"]
    required = [f.name for f in dataclasses.fields(RunRecord)
                if f.default is dataclasses.MISSING]
    if not isinstance(records, list) or not records:
        raise _damaged(path, "it holds no records")
    for record in records:
        missing = [k for k in required if not isinstance(record, dict) or k not in record]
        if missing:
            raise _damaged(path, f"a record lacks {', '.join(missing)}")
    return [RunRecord.from_dict(r) for r in records]


def _damaged(path: Path, problem: str) -> CorruptFileError:
    return CorruptFileError(f"{path}: not a readable lcformer metrics file ({problem}); it is "
                            f"written at the end of `lcformer train` or `baseline`: run it "
                            f"again (train: with --resume)")
