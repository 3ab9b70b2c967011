"""The run folder: its layout, its name, its config.toml, and the model it holds.

A run folder holds everything needed to trust and reuse the result::

    config.toml          the resolved configuration (data, tokens, split, model, training)
    history.csv          one row per epoch
    best.safetensors     best weights (+ best.json, the metadata in readable form)
    last.safetensors     last weights and optimizer state, for --resume (a model with trees
                         or an ensemble keeps only its whole best.safetensors here, and the
                         network's best and last in network/ or member<i>/)
    metrics.json         the test result (evaluation.records), with how it was made
    test_predictions.csv one row per test star
    importance.json      a model with trees: the macro-F1 lost when each family of per-star
                         values is shuffled across the test stars
    figures/             confusion matrices, training curves, accuracy by token position, ...

This module reads and writes the folder without training or testing anything, so that the
commands that only read runs (predict, info, export, results) need neither the training
code nor the evaluation of a run. TensorBoard logs (``tensorboard=DIR``) are an extra view
kept outside the run folder.
"""

from __future__ import annotations

import json
import shutil
import tomllib
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, get_args

import tomli_w

from lcformer import __version__, atomic
from lcformer.config import Config, dotted, earlier_settings
from lcformer.errors import ConfigMismatchError, CorruptFileError, LcformerWarning, RunNotFoundError
from lcformer.models.config import STAR_MODEL
from lcformer.training.config import RunConfig

if TYPE_CHECKING:
    from lcformer.data.prepared import PreparedDataset
    from lcformer.models.registry import Model

# The names of a run folder's files (the layout above), without torch, so that the commands
# that only read runs (and ``--help``) need not import it.
METRICS_FILE = "metrics.json"
PREDICTIONS_FILE = "test_predictions.csv"
IMPORTANCE_FILE = "importance.json"  # what the trees rest on (evaluation/importance.py)
HISTORY_FILE = "history.csv"  # one row an epoch
CONFIG_FILE = "config.toml"  # the run's settings

#: Which weights of a run: its best validation epoch's or its last epoch's.
Checkpoint = Literal["best", "last"]
CHECKPOINTS: tuple[Checkpoint, ...] = get_args(Checkpoint)
DEFAULT_CHECKPOINT: Checkpoint = "best"


def checkpoint_file(which: str) -> str:
    """The file name of a run's ``which`` checkpoint (``best.safetensors``)."""
    return f"{which}.safetensors"


BEST_FILE = checkpoint_file("best")
LAST_FILE = checkpoint_file("last")


def split_suffix(split: str) -> str:
    """A default run folder's mark of a split other than auto: the folds of a k-fold run
    (``-kfold5-2``) must not overwrite each other."""
    return "" if split == "auto" else "-" + split.replace(":", "", 1).replace(":", "-")


def run_dir_name(dataset: str, run: RunConfig,
                 kind: Literal["train", "baseline", "demo"] = "train") -> str:
    """The name of the folder under ``<work>/runs`` that a command writes its run in when it
    is given none (``--run-dir``, ``--out``)::

        train     <dataset>-<model>-seed<seed>[-<split>]            lcformer train
        baseline  <dataset>-baseline[-<model>]-seed<seed>[-<split>] lcformer baseline
        demo      demo-<dataset>-<model>                            lcformer demo

    The split is marked when it is not auto (:func:`split_suffix`); a baseline names its
    model only when it is not the default one, as another model's preparation may keep other
    stars."""
    if kind == "demo":
        return f"demo-{dataset}-{run.model.name}"
    seed = f"seed{run.train.seed}{split_suffix(run.split)}"
    if kind == "baseline":
        model = "" if run.model.name == STAR_MODEL else f"-{run.model.name}"
        return f"{dataset}-baseline{model}-{seed}"
    return f"{dataset}-{run.model.name}-{seed}"


#: What a run writes in its folder (unknown files are left alone).
RUN_OUTPUTS = (METRICS_FILE, PREDICTIONS_FILE, IMPORTANCE_FILE, HISTORY_FILE, BEST_FILE,
               "best.json", LAST_FILE, "last.json", "figures", "network", "member*")


def is_run(folder: str | Path) -> bool:
    """A run folder of ``lcformer train`` (a config.toml with its ``[run]``), not a folder of
    ``Classifier.save`` beside a config.toml of the user's."""
    try:
        return "run" in read_run_config(Path(folder))
    except (CorruptFileError, RunNotFoundError, OSError):
        return False


def clear_run(run_dir: Path) -> bool:
    """Remove an earlier run's outputs before a fresh run writes its settings, so that a
    folder never shows old results or weights beside new settings (a run killed early
    would), and ``--resume`` never continues another run's ``last`` checkpoint. Only in a
    folder that holds a run (a config.toml with its ``[run]``): elsewhere, such names are the
    user's. True when something was removed."""
    if not is_run(run_dir):
        return False
    removed = False
    for pattern in RUN_OUTPUTS:
        for path in run_dir.glob(pattern):
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed = True
    return removed


def set_aside_other_run(run_dir: Path, data: PreparedDataset) -> Path | None:
    """Move an earlier run in ``run_dir`` that was trained on other input (another input
    hash) to ``<run_dir>.old`` (``.old.2``... where that is taken, so that a third survey's
    run does not replace the first's there), and return that folder; None where there is none.
    Replacing a model is for a rerun on the same input: surveys whose folders share a name
    (OGLE's ``phot/`` of each catalogue) get the same default run folder, and a second
    ``train`` deleted the first survey's model."""
    if not is_run(run_dir):
        return None
    earlier = read_run_config(run_dir).get("dataset", {}).get("input_hash")
    if earlier is None or earlier == data.manifest["input_hash"]:
        return None
    aside = atomic.aside_path(run_dir)
    aside.mkdir()
    for pattern in (*RUN_OUTPUTS, CONFIG_FILE):
        for path in run_dir.glob(pattern):
            shutil.move(path, aside / path.name)
    return aside


def check_resumable(run_dir: Path, config: RunConfig, data: PreparedDataset | None = None) -> None:
    """``--resume`` continues a started run with the same settings (and, given ``data``, the
    same prepared data); otherwise a one-line error naming what differs, old -> new."""
    saved = read_run_config(run_dir)
    if "run" not in saved:
        raise RunNotFoundError(f"--resume: there is no run to continue in {run_dir} (no "
                               f"config.toml); start it without --resume")
    try:
        before = RunConfig.from_dict(saved["run"])
    except (TypeError, ValueError) as exc:
        raise CorruptFileError(f"{run_dir / 'config.toml'}: its [run] settings cannot be read "
                               f"({exc}); start the run again without --resume") from None
    # The time limit is a budget, not a setting of the model: a resumed run may get more.
    before = before.replace(train=before.train.replace(time_limit=config.train.time_limit))
    differences = [config_difference(before, config)] if before != config else []
    if data is not None:
        differences += data_differences(saved, data)
    differences = [d for d in differences if d]
    earlier = [d for d in differences if d.startswith(EARLIER)]
    if earlier:  # (settings of an earlier lcformer that no option brings back)
        raise ConfigMismatchError(
            f"--resume: {run_dir} {earlier[0]}: its epochs cannot continue on data read "
            f"otherwise; start a new run (another --run-dir, or without --resume)")
    if differences:
        raise ConfigMismatchError(
            f"--resume with other settings than {run_dir} was started with: "
            f"{', '.join(differences)}; resume with the options it was started with, or start "
            f"a new run (another --run-dir, or without --resume)")


#: How :func:`data_differences` begins where the run was made by an earlier lcformer.
EARLIER = "was made by an earlier lcformer"


def how_to_finish(run_dir: Path) -> str:
    """How a run folder (a config.toml with its ``[run]``) that has not finished is finished:
    what ``--resume`` (or the sweep or ablation it belongs to) continues, else a new start:
    ``--resume`` refuses a run without a finished epoch, or whose data were read by other
    data code than this lcformer's."""
    from lcformer.data.prepared import data_code_digest

    try:
        saved = read_run_config(run_dir).get("dataset", {}).get("data_code")
    except CorruptFileError as exc:
        return str(exc)  # (it says to start the run again)
    same_code = saved == data_code_digest()
    made_by = ("an earlier lcformer, before runs recorded their data code" if saved is None
               else "other lcformer data code (reading, cleaning, period search) than this "
                    "one's")
    if (experiment := _experiment_of(run_dir)) is not None:
        command, folder = experiment
        return (f"rerun the `lcformer {command}` command that made {folder}: it continues its "
                f"unfinished runs" if same_code else
                f"its data were read by {made_by}, so `lcformer {command}` refuses to continue "
                f"it: use another {command} folder, or remove this run folder")
    if not (any(run_dir.glob(LAST_FILE)) or any(run_dir.glob(f"*/{LAST_FILE}"))):
        return ("no finished epoch: it stopped or failed before its first epoch ended; start "
                "it again (the same `lcformer train` command, without --resume)")
    if same_code:
        return ("continue it from its last epoch with `lcformer train ... --resume` (the "
                "options and input files it was started with)")
    return (f"its data were read by {made_by}, so --resume refuses to continue it: start it "
            f"again (the same `lcformer train` command, without --resume)")


def _experiment_of(run_dir: Path) -> tuple[str, Path] | None:
    """The sweep or ablation whose run folder this is (``FOLDER/<cell>/<repeat>/``), with
    the command that makes it, or None."""
    folder = run_dir.resolve().parent.parent  # (`info .` inside a cell: its parents too)
    for command in ("sweep", "ablation"):
        if (folder / f"{command}.json").is_file():
            return command, folder
    return None


def _prepare_defaults() -> dict[str, Any]:
    """This version's default preparation, as a manifest records one."""
    from lcformer.data.prepared import PrepareConfig

    return json.loads(json.dumps(PrepareConfig().to_dict()))


def data_differences(saved: dict[str, Any], data: PreparedDataset) -> list[str]:
    """How ``data`` differs from the data a run folder's ``config.toml`` (``saved``) records:
    its preparation settings, its dataset, its input files or lcformer's data code; [] if
    it is the same data. A run of an earlier lcformer (settings it did not have, or no data
    code recorded) is one difference beginning :data:`EARLIER`: its data were read otherwise."""
    # Unset settings compared as absent: folders written before "none" left them out.
    prepare = json.loads(json.dumps(drop_none(data.manifest["config"])))
    old = drop_none(saved.get("prepare", {}))
    dataset = saved.get("dataset", {})
    added = earlier_settings(saved.get("prepare", {}), data.manifest["config"],
                             _prepare_defaults())
    if added or (dataset.get("data_code") is None and data.manifest.get("data_code")):
        why = (f"without the settings {', '.join(added)}" if added else
               "before runs recorded the data code")
        return [f"{EARLIER} ({why}), and this one prepares its data anew"]
    differences = [dict_difference(old, prepare, "prepare.")]
    if dataset.get("name") != data.name:
        differences.append(f"dataset: {dataset.get('name')!r} -> {data.name!r}")
    elif dataset.get("input_hash") != data.manifest["input_hash"]:
        differences.append(f"dataset input files: changed since the run started "
                           f"(fingerprint {str(dataset.get('input_hash'))[:12]} -> "
                           f"{str(data.manifest['input_hash'])[:12]})")
    elif not same_data_code(dataset, data.manifest):
        differences.append(f"lcformer's data code (reading, cleaning, period search): "
                           f"edited since the run started (digest "
                           f"{str(dataset.get('data_code'))[:12]} -> "
                           f"{str(data.manifest.get('data_code'))[:12]}), so its data "
                           f"was prepared anew")
    return [d for d in differences if d]


def config_difference(before: Config, after: Config) -> str:
    """The settings that differ, as ``key: old -> new`` (nested keys dotted)."""
    return dict_difference(before.to_dict(), after.to_dict())


def dict_difference(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> str:
    """The keys of two nested dicts whose values differ, as ``key: old -> new``."""
    a, b = dotted(before, prefix), dotted(after, prefix)
    return ", ".join(f"{k}: {a.get(k)!r} -> {b.get(k)!r}" for k in sorted(set(a) | set(b))
                     if a.get(k) != b.get(k))


def _where(data: PreparedDataset) -> str | None:
    """The prepared folder as an absolute path, so that `lcformer info` finds it from any
    directory (the default work folder is relative); None for data prepared in memory."""
    return str(data.path.resolve()) if data.path is not None else None


def same_data_code(dataset: dict[str, Any], manifest: dict[str, Any]) -> bool:
    """Whether a run's data (its config.toml's ``dataset``) was prepared by the data code of
    this preparation (``manifest``); a run or preparation that did not record it passes."""
    before, now = dataset.get("data_code"), manifest.get("data_code")
    return before is None or now is None or before == now


def write_config(run_dir: Path, data: PreparedDataset, config: RunConfig) -> None:
    doc = {"lcformer_version": __version__, "dataset": drop_none({
        "name": data.name, "prepared": _where(data),  # None: prepared in memory
        "input_hash": data.manifest["input_hash"],
        "data_code": data.manifest.get("data_code")}),  # None: prepared before it was kept
        "prepare": none_as_text(data.manifest["config"]), "run": none_as_text(config.to_dict())}
    atomic.write_text(run_dir / CONFIG_FILE, tomli_w.dumps(doc))


def read_run_config(run_dir: Path) -> dict[str, Any]:
    """A run folder's config.toml ({} when there is none)."""
    path = run_dir / CONFIG_FILE
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CorruptFileError(f"{path}: not a readable run configuration ({exc}); it is "
                               f"written by `lcformer train`: start the run again") from None


def load_model(run_dir: str | Path, which: Checkpoint = DEFAULT_CHECKPOINT
               ) -> tuple[Model, dict[str, Any]]:
    """A trained model and its metadata from a run folder (safetensors, no pickle); a damaged
    checkpoint is a CorruptFileError naming it."""
    from lcformer.models import ModelConfig, model_from_config
    from lcformer.training.checkpoints import load_checkpoint

    path = Path(run_dir) / checkpoint_file(which)
    if not Path(run_dir).is_dir():
        raise RunNotFoundError(f"no run folder at {run_dir}")
    if not path.is_file() and _kind(Path(run_dir)) == "feature_baseline":
        raise RunNotFoundError(f"{run_dir} is a feature-baseline run: it keeps scores, not a "
                               f"model; predict with a run of `lcformer train` (or a folder "
                               f"of Classifier.save)")
    parts = [p for p in ("network", "member0") if (Path(run_dir) / p / path.name).is_file()]
    if which == "last" and not path.is_file() and parts:
        whole = "the network and its trees" if parts[0] == "network" else "every member"
        raise RunNotFoundError(f"{run_dir}: a model with trees or an ensemble is saved as "
                               f"{BEST_FILE} only ({whole}); {parts[0]}/{LAST_FILE} "
                               f"holds a last epoch, for --resume: use --checkpoint best (in "
                               f"Python: which='best')")
    if path.is_file() and not (Path(run_dir) / METRICS_FILE).is_file() and is_run(run_dir):
        # A run killed (or still running) keeps its best epoch so far under the final name.
        warnings.warn(f"{run_dir}: the run has not finished (no metrics.json), so its "
                      f"{path.name} is the {which} epoch so far, not the finished model: "
                      f"{how_to_finish(Path(run_dir))}", LcformerWarning, stacklevel=3)
    state, metadata, _ = load_checkpoint(path)
    missing = [k for k in ("model", "classes") if not metadata.get(k)]
    if missing:
        raise CorruptFileError(f"{path}: not a trained model's checkpoint: its metadata has no "
                               f"{' or '.join(missing)}; use the run folder's best.safetensors "
                               f"or retrain")
    model = model_from_config(ModelConfig.from_dict(metadata["model"]))
    try:
        model.load_state_dict(state)
    except RuntimeError as exc:  # possible in an unverified (lcformer 0.1.0) checkpoint
        raise CorruptFileError(f"{path}: the weights do not fit the model its metadata "
                               f"describes ({str(exc).splitlines()[0]}); copy it again or "
                               f"retrain") from None
    model.eval()
    return model, metadata


def _kind(run_dir: Path) -> str | None:
    """The ``kind`` its metrics.json records (None: none that reads)."""
    try:
        doc = json.loads((run_dir / METRICS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc.get("kind") if isinstance(doc, dict) else None


def none_as_text(value: Any) -> Any:
    """TOML has no null: an unset option is written "none", which the settings read back as
    None (:func:`lcformer.config.convert`); left out, it would come back as its default."""
    if isinstance(value, dict):
        return {k: none_as_text(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [none_as_text(v) for v in value]
    return "none" if value is None else value


def drop_none(value: Any) -> Any:
    """Unset options (None, or "none" as TOML has them) left out: the form in which settings
    of folders written before and after "none" compare."""
    if isinstance(value, dict):
        return {k: drop_none(v) for k, v in value.items() if v is not None and v != "none"}
    if isinstance(value, list | tuple):
        return [drop_none(v) for v in value]
    return value
