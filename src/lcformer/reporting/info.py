"""``lcformer info RUN``: what a run folder holds, on one screen, with its checkpoints verified.

A run folder is trusted by what it records: the model and its size, the classes, the data it
was trained on (name, input fingerprint, stars per part), the token, star-view and period
settings, the training settings, the test result, and the SHA-256 digest of every
checkpoint's contents (its metadata and tensors, as stored in it), checked against them.
Deep runs, feature-baseline runs and folders written by ``Classifier.save`` are all described;
nothing is trained or loaded onto a device.
"""

from __future__ import annotations

import json
import math
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lcformer.config import dotted, list_text
from lcformer.data.fingerprints import fingerprints_of, uncompared_version
from lcformer.data.reading.config import ReadConfig
from lcformer.data.splits import UNTRAINED
from lcformer.data.training_ranges import (
    PERCENTILES,
    class_periods_of,
    errors_of,
    ranges_of,
    ranges_text,
    shares_of,
)
from lcformer.errors import CorruptFileError, LcformerError, RunNotFoundError
from lcformer.models.registry import STAR_SETTINGS, WINDOW_SETTINGS
from lcformer.training.run_folder import (
    BEST_FILE,
    IMPORTANCE_FILE,
    METRICS_FILE,
    how_to_finish,
)

if TYPE_CHECKING:
    from lcformer.evaluation.records import RunRecord

WIDTH = 100  # characters per line of the settings
LABEL = 12  # width of the labels column


@dataclass
class CheckpointStatus:
    """One checkpoint file: its size and stored digest, or what is wrong with it."""

    name: str  # relative to the run folder
    n_bytes: int
    digest: str | None = None  # the verified SHA-256 of its contents
    legacy: bool = False  # written by lcformer 0.1.0: no digest, loaded unverified
    problem: CorruptFileError | None = None
    foreign: str | None = None  # another tool's safetensors file (not lcformer's: no problem)

    def line(self) -> str:
        size = f"{self.n_bytes:>12,} bytes"
        if self.problem is not None:
            return f"{self.name}  {size}  DAMAGED: {self.problem}"
        if self.foreign is not None:
            return f"{self.name}  {size}  not lcformer's: no lcformer metadata in its header"
        if self.legacy:
            return (f"{self.name}  {size}  no digest (written before checkpoints had one): "
                    f"unverified")
        return f"{self.name}  {size}  content sha256 {self.digest}  verified"


@dataclass
class RunInfo:
    run_dir: Path
    kind: str  # deep run, feature baseline, saved Classifier
    sections: list[tuple[str, str]] = field(default_factory=list)  # (label, text)
    checkpoints: list[CheckpointStatus] = field(default_factory=list)
    missing: str | None = None  # why a finished deep run has no checkpoint to use

    @property
    def problems(self) -> list[LcformerError]:
        gone = [RunNotFoundError(f"{self.run_dir}: {self.missing}")] if self.missing else []
        return [*gone, *(c.problem for c in self.checkpoints if c.problem is not None)]

    def format(self) -> str:
        lines = [f"{'run folder':<{LABEL}}{self.run_dir} ({self.kind})"]
        for label, text in self.sections:
            body = text.splitlines() or [""]
            lines.append(f"{label:<{LABEL}}{body[0]}")
            lines += [" " * LABEL + line for line in body[1:]]
        if self.checkpoints or self.missing:
            lines.append("checkpoints")
            lines += [" " * 2 + c.line() for c in self.checkpoints]
            if self.missing:
                lines.append(f"  best.safetensors  MISSING: {self.missing}")
        return "\n".join(lines)


#: What a run's prepared inputs are, in words.
INPUT_WORDS = {"stars": "star views (each star's points, folded at its period, and its "
                        "per-star values)",
               "windows": "token windows ((dt, dm) pairs of each curve, the research "
                          "models')"}


def settings_text(d: dict[str, Any] | None, skip: tuple[str, ...] = ()) -> str:
    """``key=value`` pairs (nested keys dotted, None left out; config.toml's "none" shown as
    the CLI's word for an unset setting), wrapped."""
    items = [f"{k}={_value(v)}" for k, v in dotted(d or {}).items()
             if v is not None and v != "" and not k.startswith(skip)]
    return "\n".join(textwrap.wrap(", ".join(items), WIDTH - LABEL)) or "-"


def _value(v: Any) -> str:
    if isinstance(v, list | tuple):
        return list_text(v, ",") or "none"  # as --classes and --keep-bands take them
    return str(v)


def checkpoint_status(run_dir: Path, path: Path) -> tuple[CheckpointStatus, dict[str, Any] | None]:
    """Read and verify one checkpoint; its metadata when it is intact."""
    from lcformer.training.checkpoints import read_checkpoint

    name = str(path.relative_to(run_dir))
    status = CheckpointStatus(name, path.stat().st_size)
    try:
        checkpoint = read_checkpoint(path)
    except CorruptFileError as exc:
        status.problem = exc
        return status, None
    except RunNotFoundError as exc:  # a safetensors file of another tool beside the run's
        status.foreign = str(exc)
        return status, None
    status.digest, status.legacy = checkpoint.digest, checkpoint.digest is None
    return status, checkpoint.metadata


def parameter_count(model_config: dict[str, Any]) -> int | None:
    """Trainable parameters of the model a checkpoint's metadata describes (built, not
    loaded)."""
    from lcformer.models import ModelConfig, model_from_config

    try:
        model = model_from_config(ModelConfig.from_dict(model_config))
    except (LcformerError, TypeError, ValueError, KeyError):
        return None
    return sum(p.numel() for p in model.parameters())


def run_info(run_dir: str | Path) -> RunInfo:
    """Describe a run folder of ``lcformer train``, ``baseline``, a sweep, or
    ``Classifier.save``; damaged checkpoints are listed with their problem."""
    from lcformer.evaluation.records import read_metrics, read_records
    from lcformer.training.run_folder import read_run_config

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunNotFoundError(f"no run folder at {run_dir}")
    config = read_run_config(run_dir)
    has_metrics = (run_dir / METRICS_FILE).is_file()
    metrics = read_metrics(run_dir) if has_metrics else None
    paths = sorted(run_dir.glob("*.safetensors")) + sorted(
        p for folder in ("member*", "network") for p in run_dir.glob(f"{folder}/*.safetensors"))
    run = "run" in config  # (a config.toml of the user's, beside a saved model, is none)
    if not run and metrics is None and not paths:
        raise RunNotFoundError(f"{run_dir} is not a run folder: no config.toml of a run, "
                               f"metrics.json or *.safetensors (made by `lcformer train`, "
                               f"`baseline` or Classifier.save)")
    baseline = metrics is not None and metrics.get("kind") == "feature_baseline"
    kind = ("feature baseline" if baseline else "deep run" if run or metrics is not None
            else "saved Classifier")
    info = RunInfo(run_dir, kind)
    if kind == "deep run" and metrics is not None and not (run_dir / BEST_FILE).is_file():
        info.missing = ("the run finished (metrics.json) but best.safetensors is gone, so "
                        "predict and evaluate cannot use it; copy the whole run folder")

    metadata: dict[str, Any] | None = None
    for path in paths:  # best first: sorted names put best before last
        status, meta = checkpoint_status(run_dir, path)
        info.checkpoints.append(status)
        if metadata is None and meta is not None:
            metadata = meta
    if kind == "saved Classifier" and all(c.foreign for c in info.checkpoints):
        raise RunNotFoundError(info.checkpoints[0].foreign)  # nothing of lcformer's there
    records = read_records(run_dir) if metrics is not None else []
    run = config.get("run") or (metadata or {}).get("run") or {}
    dataset = config.get("dataset", {})
    prepared = dataset.get("prepared") or (metrics or {}).get("prepared")
    manifest = _prepared_manifest(prepared)
    prepare = (config.get("prepare") or (metadata or {}).get("prepare")
               or (manifest or {}).get("config") or {})

    add = info.sections.append
    if metadata is not None:
        add(("model", _model_text(metadata, records, prepare)))
    elif records:
        add(("model", ", ".join(r.model for r in records)))
    classes = (metadata or {}).get("classes") or (records[0].classes if records else [])
    if classes:
        untrained = (metadata or {}).get(UNTRAINED) or []
        add(("classes", f"{len(classes)}: {', '.join(classes)}" + (
            f"; never trained on {', '.join(untrained)} (no training star; predict does not "
            f"score {'it' if len(untrained) == 1 else 'them'})" if untrained else "")))
    name = dataset.get("name") or (metadata or {}).get("dataset") or (
        records[0].dataset if records else None)
    if name is not None:
        add(("data", "\n".join(_data_lines(name, dataset, prepared, manifest, records,
                                             metadata))))
    info.sections += _settings_sections(prepare, metadata, run, baseline, records, metrics)
    test = _test_text(run_dir, config, records)
    if test:
        add(("test", test))
    if calibration := _calibration_text(records):
        add(("calibration", calibration))
    if (run_dir / IMPORTANCE_FILE).is_file():
        add(("rests on", _importance_text(json.loads((run_dir / IMPORTANCE_FILE).read_text()))))
    return info


def _importance_text(record: dict[str, Any], shown: int = 4) -> str:
    """The families of per-star values whose shuffling cost the trees most (importance.json)."""
    from lcformer.evaluation.importance import stars_text

    top = ", ".join(f"{f['family']} {f['macro_f1_drop']:.3f}"
                    for f in record["families"][:shown])
    weight = record.get("network_weight_left_out", 0)
    network = f"; the network's share, {weight:g}, not measured" if weight else ""
    return (f"macro-F1 the trees lose when a family of values is shuffled across the "
            f"{stars_text(record)}: {top} (all: importance.json{network})")


def _model_text(metadata: dict[str, Any], records: list[RunRecord],
                prepare: dict[str, Any]) -> str:
    """The model: its name and size, its trees and their weight, the settings it reads."""
    model = metadata.get("model", {})
    n = parameter_count(model)
    size = f", {n:,} parameters" if n is not None else ""
    ensemble = f", ensemble of {model['ensemble']}" if model.get("ensemble", 1) > 1 else ""
    forest = metadata.get("forest")
    if forest:
        kinds = (
            ([f"a forest of {forest['trees']} trees"] if forest["trees"] else [])
            + ([f"{forest['boosting']} boosting iterations"]
               if forest.get("boosting") else [])
            + ([f"{forest['extra_trees']} extra trees"]
               if forest.get("extra_trees") else []))
        trees = " and ".join([", ".join(kinds[:-1]), kinds[-1]] if len(kinds) > 1 else kinds)
        if forest.get("copies_fitted"):
            trees += (f", fitted on the training stars and {forest['copies_fitted']:,} "
                      f"shortened copies of them (the network trained on them too)")
        used = (records[0].split.get("used") or {}) if records else {}
        how = ("fixed: --epochs 0, the network untrained" if forest.get("trees_alone")
               else "fixed: no validation stars" if records and not used.get("val")
               else "chosen on validation stars")
        ensemble += (f", with {trees} (weight of the network "
                     f"{forest['network_weight']:g}, {how}"
                     f"{'; 0: the trees alone' if forest['network_weight'] == 0 else ''})")
    # without the settings the model never reads (the window models', or the star's)
    unread = WINDOW_SETTINGS if (prepare or {}).get("inputs") == "stars" else STAR_SETTINGS
    read = {k: v for k, v in model.items() if k not in unread}
    return f"{model.get('name')}{size}{ensemble}\n{settings_text(read, skip=('name',))}"


def _data_lines(name: str, dataset: dict[str, Any], prepared: str | None,
                manifest: dict[str, Any] | None, records: list[RunRecord],
                metadata: dict[str, Any] | None) -> list[str]:
    """The data: its name and fingerprint, the prepared folder, the stars of each part and
    what chose what, and the training stars' range."""
    data = [f"{name}"]
    if dataset.get("input_hash"):
        data.append(f"input fingerprint {dataset['input_hash']}")
    if prepared:
        data.append(f"prepared {prepared}{'' if manifest is not None else ' (gone)'}")
    if records and records[0].split.get("stars"):
        parts = records[0].split["stars"]
        data.append(f"{sum(parts.values()):,} stars (" + ", ".join(
            f"{k} {v:,}" for k, v in parts.items()) + ")")
        used = records[0].split.get("used") or {}
        if (fewer := records[0].fewer_training_stars()) is not None:
            data.append(f"trained on {fewer[0]:,} of the {fewer[1]:,} training stars "
                        f"(--sample-per-class)")
        if (metadata or {}).get("forest", {}).get("trees_alone"):
            data.append("validation stars: not used (--epochs 0: no network to choose an "
                        "epoch or a weight for)")
        elif records[0].split.get("weight_on_val_stars") and used.get("val"):
            data.append(f"validation stars: {used['val']:,} chose both the best epoch and "
                        f"the trees' weight (too few to halve)")
        elif "weight" in used and used.get("val"):
            data.append(f"validation stars: {used.get('val', 0):,} chose the best epoch, "
                        f"{used['weight']:,} the trees' weight")
    elif manifest is not None and isinstance(manifest.get("counts"), dict):
        data.append(f"{manifest['counts'].get('stars', 0):,} stars")
    if metadata is not None and (ranges := ranges_of(metadata)):
        data += textwrap.wrap(ranges_text(ranges, metadata.get("bands", ()),
                                          errors_of(metadata), shares_of(metadata)),
                              WIDTH - LABEL)
    if metadata is not None and (periods := class_periods_of(metadata)):
        data += textwrap.wrap(f"periods of the training stars of {len(periods)} classes "
                              f"({PERCENTILES}), e.g. " + ", ".join(
                                  f"{c} {low:.3g}-{high:.3g} d"
                                  for c, (low, high) in list(periods.items())[:3])
                              + "; a star whose period lies well outside its predicted "
                                "class's is flagged period_unlike_class", WIDTH - LABEL)
    if metadata is not None and (seen := fingerprints_of(metadata)) is not None:
        which = ("training" if (metadata.get("forest") or {}).get("trees_alone")
                 else "training and validation")
        copies = (", nor copies with a band or some points missing (their sketches)"
                  if seen.sketch is not None else "")
        data += textwrap.wrap(f"fingerprints of {len(seen):,} {which} stars' points: predict "
                              f"does not score them, whatever their ids{copies}", WIDTH - LABEL)
    elif metadata is not None and (version := uncompared_version(metadata)) is not None:
        data += textwrap.wrap(f"fingerprints of its training stars made by another lcformer "
                              f"(version {version}): predict cannot tell those stars, and "
                              f"scores them if given as new", WIDTH - LABEL)
    return data


def _settings_sections(prepare: dict[str, Any], metadata: dict[str, Any] | None,
                       run: dict[str, Any], baseline: bool, records: list[RunRecord],
                       metrics: dict[str, Any] | None) -> list[tuple[str, str]]:
    """(label, text) of the settings the run was made with: inputs, reading, cleaning,
    views and periods (or tokens), training and split; a baseline's features."""
    sections = []
    add = sections.append
    if prepare:
        inputs = prepare.get("inputs", "windows")
        add(("inputs", INPUT_WORDS.get(inputs, inputs)
                       + "".join(f", {word} {_value(prepare[key])}"
                                 for key, word in (("classes", "classes"),
                                                   ("keep_bands", "bands"))
                                 if prepare.get(key) not in (None, "none", []))))
        if isinstance(prepare.get("reading"), dict):  # older runs may not record it
            options = ReadConfig.from_dict(prepare["reading"]).options()
            add(("reading", options or "the default column names; magnitudes"))
        if prepare.get("inputs", "windows") == "windows":  # star views make no tokens
            add(("tokens", settings_text(prepare.get("tokens"))))
        add(("cleaning", settings_text(prepare.get("cleaning"))))
        if prepare.get("inputs") == "stars" and not baseline:  # the features have their own
            add(("views", settings_text(prepare.get("views"))))
            add(("periods", settings_text(prepare.get("periods"))))
    elif metadata is not None:
        add(("tokens", settings_text(metadata.get("tokens"))))
    if run:
        add(("training", settings_text(run.get("train"))))
        add(("split", settings_text({k: v for k, v in run.items()
                                     if k not in ("train", "model")})))
    elif baseline and records:  # a baseline folder has no config.toml: its records say
        add(("split", settings_text({"split": records[0].split.get("kind"),
                                     "split_seed": records[0].split.get("seed")})))
    if baseline and metrics is not None:
        features = metrics.get("features", {})
        add(("features", f"{features.get('n_features')} light-curve features "
                         f"(light-curve {features.get('light_curve_version')}, periods from "
                         f"{features.get('min_period_days')} d), "
                         f"classifier seed {metrics.get('model_seed')}"))
    return sections


def _test_text(run_dir: Path, config: dict[str, Any], records: list[RunRecord]) -> str | None:
    """The test scores, or where a run without them stands and what to do."""
    if records:
        return "\n".join(r.summary_line() for r in records)
    if "run" in config:  # a run folder (a config.toml of the user's is not one)
        return f"no metrics.json: the run has not finished ({how_to_finish(run_dir)})"
    return None


def _calibration_text(records: list[RunRecord]) -> str | None:
    """How far the test stars' top probabilities are from how often they are right, as
    metrics.json's ``ece`` records it (probabilities to select stars by rest on it)."""
    from lcformer.evaluation.metrics import score_text

    lines = [f"{r.model}: expected calibration error {score_text(r.star['ece'])} on "
             f"{r.star['n']:,} test stars (top label, 15 bins; 0: as often right as sure)"
             for r in records if isinstance(r.star.get("ece"), float)
             and math.isfinite(r.star["ece"])]
    return "\n".join(lines) or None



def _prepared_manifest(prepared: str | None) -> dict[str, Any] | None:
    """The manifest of the prepared dataset a run used, if it still exists and reads."""
    from lcformer.data.prepared import MANIFEST_FILE

    if not prepared:
        return None
    try:
        manifest = json.loads((Path(prepared) / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) else None
