"""The ``lcformer`` command: its parser, and one function per subcommand that calls the library.

Every step is a library function (reading, preparing, training, evaluating, reporting); the
options come from the settings dataclasses (:mod:`lcformer.cli.options`). This file holds the
option groups several commands share, the ``cmd_*`` functions (``predict``'s, the longest,
in :mod:`lcformer.cli.predict`), the parser
(:func:`build_parser`, one ``_add_*_parser`` function per subcommand) and :func:`main`, which
parses and dispatches; how a command's failure or interruption ends (one line, an exit
status) is :mod:`lcformer.cli.exits`. Commands that train or predict import torch when they
run, so ``prepare`` and ``--help`` start in a second.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shlex
import sys
import typing
from collections.abc import Callable, Sequence
from pathlib import Path

from lcformer import __version__
from lcformer.cli.exits import (
    EXIT_INTERRUPTED,
    EXIT_NOTHING,
    EXIT_STATUS,
    EXIT_USER,
    run_command,
)
from lcformer.cli.options import (
    add_config_options,
    add_reading_options,
    config_from_args,
    dest,
    given,
)
from lcformer.cli.predict import cmd_predict
from lcformer.config import option_text
from lcformer.data.cleaning import CleaningConfig
from lcformer.data.datasets import (
    DATA_DIR_ENV,
    DEFAULT_DATA_DIR,
    DEFAULT_WORK_DIR,
    REGISTRY,
    WORK_DIR_ENV,
    data_dir,
    prepare_dataset,
    resolve,
    work_dir,
)
from lcformer.data.periods import PeriodConfig
from lcformer.data.prepared import (
    SAID_IN_COMMAND,
    PrepareConfig,
    PreparedDataset,
    format_summary,
)
from lcformer.data.reading.config import ReadConfig
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig
from lcformer.data.views import ViewConfig
from lcformer.errors import ConfigError, InputError
from lcformer.evaluation import records
from lcformer.evaluation.flags import FlagConfig
from lcformer.experiments.grid import SweepConfig
from lcformer.hardware import first_process
from lcformer.models.config import ModelConfig
from lcformer.models.registry import MODEL_NAMES, model_inputs
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.run_folder import (
    CHECKPOINTS,
    DEFAULT_CHECKPOINT,
    METRICS_FILE,
)

# ---------------------------------------------------------------------- option groups

def job_count(text: str) -> int:
    """An argparse type: a number of processes, at least 1, or -1 for one per CPU."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1 and value != -1:
        raise argparse.ArgumentTypeError(f"must be at least 1, or -1 for all cores, got {value}")
    return value


def positive_int(text: str) -> int:
    """An argparse type: a count of at least 1 (threads)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_prepare_options(parser: argparse.ArgumentParser, ablation: bool = False) -> None:
    """The preparation's options; ``ablation`` leaves out those its steps set each row."""
    add_config_options(parser, TokenConfig, "tokens",
                       presets={name: spec.tokens for name, spec in REGISTRY.items()})
    add_config_options(parser, CleaningConfig, "cleaning",
                       presets={name: spec.cleaning for name, spec in REGISTRY.items()})
    add_config_options(parser, PrepareConfig, "classes and star inputs",
                       skip=("features",) if ablation else ())
    add_config_options(parser, ViewConfig, "star views (the periodic model)",
                       skip=("fold", "bands") if ablation else ())
    add_config_options(parser, PeriodConfig, "period search (the periodic model)")


def prepare_config(args: argparse.Namespace, model: str | None = None,
                   baseline: bool = False) -> PrepareConfig:
    """The dataset's presets with the options given, for the inputs ``model`` reads
    (``baseline``: its features read --min-period, whatever the model's inputs)."""
    dataset, _ = resolve(args.dataset, args.data_dir)
    config = config_from_args(PrepareConfig, args, dataset.prepare_config())
    if model is None:
        return config
    star_options = {**given(args, ViewConfig), **given(args, PeriodConfig),
                    **{k: v for k, v in given(args, PrepareConfig).items() if k == "features"}}
    if baseline:
        star_options.pop("min_period", None)
    named = [option_text(k, v).split()[0] for k, v in star_options.items()]
    return config.replace(inputs=model_inputs(model, named, "leave them out"))


def add_run_options(parser: argparse.ArgumentParser, grid: bool = False) -> None:
    """Model, training and split options; ``grid``: the sweep sets model, heads and emb."""
    if not grid:
        group = parser.add_argument_group("model")
        group.add_argument("--model", dest=dest(ModelConfig, "name"), choices=MODEL_NAMES,
                           default=argparse.SUPPRESS,
                           help=f"the model, as `lcformer models` lists them (default: "
                                f"{ModelConfig().name})")
    # Shown defaults: the default model's; the research models have the plain defaults.
    preset = RunConfig() if grid else RunConfig.for_model(ModelConfig().name)
    research = RunConfig()

    def note(section: str) -> str:
        if grid:
            return "the research budget"
        ours, theirs = getattr(preset, section).to_dict(), getattr(research, section).to_dict()
        differ = ", ".join(option_text(k, v) for k, v in theirs.items() if v != ours[k])
        return f"defaults shown: {preset.model.name}'s; the research models': {differ}"

    add_config_options(parser, ModelConfig, f"model options ({note('model')})",
                       skip=("heads", "emb") if grid else (), base=preset.model)
    add_config_options(parser, TrainConfig, f"training ({note('train')})", base=preset.train)
    add_config_options(parser, RunConfig, "split (by star)")


def run_preset(args: argparse.Namespace) -> RunConfig:
    """The chosen model's defaults (its registry preset), before the options given."""
    return RunConfig.for_model(given(args, ModelConfig).get("name", ModelConfig().name))


def add_threads_option(parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    parser.add_argument("--threads", type=positive_int,
                        help="CPU threads for torch (default: all cores)")


def add_jobs_option(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--jobs", type=job_count, default=1,
                   help=f"{what} (-1: all cores; default: 1)")


def add_checkpoint_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--checkpoint", default=DEFAULT_CHECKPOINT, choices=list(CHECKPOINTS),
                   help=f"which weights (default: {DEFAULT_CHECKPOINT}, the best validation "
                        f"epoch; last: the last epoch's, for models without trees)")


def add_runtime_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("runtime (not part of the results)")
    add_threads_option(group)
    group.add_argument("--tensorboard", metavar="DIR",
                       help="also log to TensorBoard in DIR (a sweep: one sub-folder per run); "
                            'needs pip install "lcformer[tensorboard]" (default: no logs)')


def prepared_for_training(args: argparse.Namespace, model: str) -> PreparedDataset:
    """The preamble of every training command: threads, dataset, its preparation for
    ``model``'s inputs, summary."""
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    if args.tensorboard:
        from lcformer.reporting.tensorboard import require_tensorboard

        require_tensorboard()  # a missing package fails now, not after preparing the data
    data, _ = prepare_dataset(args.dataset, prepare_config(args, model), args.data_dir,
                              args.work_dir, progress=not args.quiet,
                              jobs=getattr(args, "jobs", 1))
    print(format_summary(data))
    return data


def nothing_left_hint(report: DropReport) -> str:
    """Why nothing was kept, where the commonest reasons suggest a misread column, or curves
    too short for the research models' windows (whose points are counted with the curves
    dropped, not among the points, which may name only a few large errors, not why)."""
    if [r for r, _ in report.curves.most_common(1)] == ["shorter_than_window"]:
        return ("; most curves were shorter than a token window: a shorter --window, "
                "--pad-short, or the default periodic model (star views, no windows) keeps "
                "them")
    reason = report.points.most_common(1)[0][0] if report.points else None
    if reason == "large_err":
        return ("; most points were dropped for errors above --max-err: if the err column "
                "holds flux errors, the mag column fluxes, give --flux")
    if reason == "flagged" and [r for r, _ in report.curves.most_common(1)] == ["empty_curve"]:
        return ("; most curves lost every point to a non-zero or true quality flag: if that "
                "column is a bit mask non-zero on good rows too (Pan-STARRS's infoFlag), "
                "give --flag-bits with the bits that mark bad rows; if it is no quality "
                "flag, give flag= in --columns (read none)")
    return ""


# ---------------------------------------------------------------------- commands
def cmd_prepare(args: argparse.Namespace) -> int:
    model = args.for_model or ModelConfig().name  # what `train` would prepare by default
    data, reused = prepare_dataset(args.dataset, prepare_config(args, model),
                                   args.data_dir, args.work_dir, force=args.force,
                                   progress=not args.quiet, jobs=args.jobs)
    if reused:
        print(f"reusing the identical earlier preparation in {data.path}")
    print(format_summary(data))
    if len(data.stars) == 0:
        report = data.report
        reasons = ", ".join(f"{reason} {n:,}" for reason, n in report.curves.most_common(3))
        first = f"; first problem: {report.problems[0]}" if report.problems else ""
        first += nothing_left_hint(report)
        print(f"lcformer: nothing produced: kept 0 stars of {data.name} (curves dropped or "
              f"not read: {reasons or 'none, the input holds no light curves'}{first}); see "
              f"the counts above, then change the input or the settings", file=sys.stderr)
        return EXIT_NOTHING
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    root = data_dir(args.data_dir)
    print(f"data root: {root} (set with --data-dir or {DATA_DIR_ENV})")
    for spec in REGISTRY.values():
        t = spec.tokens
        print(f"  {spec.name:<18} W={t.window:<4} S={t.stride:<4} {spec.description}")
    print("  or the path of your own folder (long table, catalog.csv + files, MACHO files, or "
          "Parquet partitions of one table), or of one long-table file with a class column")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from lcformer.models.registry import REGISTRY

    print(f"models (train --model NAME; default {ModelConfig().name}); the research "
          f"system's rows, then lcformer's own:")
    for spec in REGISTRY.values():
        row = f"research {spec.research_row}; " if spec.research_row else ""
        reads = "token windows of one band" if spec.inputs == "windows" else "whole stars"
        print(f"  {spec.name:<16} {spec.description} ({row}reads {reads})")
        defaults = {**spec.model_defaults, **spec.train_defaults}
        if defaults:
            print(" " * 19 + "its defaults: " + " ".join(
                f"--{k.replace('_', '-')} {v}" for k, v in defaults.items()))
    return 0


def cmd_describe(args: argparse.Namespace) -> int:
    from lcformer.data.describe import describe
    from lcformer.reporting.figures import class_distribution_figure, length_distribution_figure

    found = describe(args.dataset, args.data_dir, config_from_args(ReadConfig, args))
    out = Path(args.out) if args.out else work_dir(args.work_dir) / "describe" / found.name
    out.mkdir(parents=True, exist_ok=True)  # a file of its name: said before anything else
    print(found.format(found.report.save_problems(out / "problems.txt")))
    if found.curves.empty:
        print(f"lcformer: nothing produced: no curve of {found.name} is left after cleaning"
              f"{nothing_left_hint(found.report)}; see the counts above", file=sys.stderr)
        return EXIT_NOTHING
    written = [class_distribution_figure(found.stars, out / "class_distribution.png",
                                         f"{found.name}: stars per class"),
               length_distribution_figure(found.curves, out / "length_distribution.png",
                                          f"{found.name}: points per curve")]
    print("figures: " + ", ".join(str(p) for p in written))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    """Also under ``torchrun --nproc_per_node=N -m lcformer train``: N data-parallel
    processes, of which rank 0 prepares the data first, prints and writes the run folder.
    A --run-dir given is held once the options are checked (a second train into it is
    refused before it prepares its data); the default one, once it is named (train_run)."""
    from lcformer import atomic
    from lcformer.hardware import pick_device
    from lcformer.training import distributed
    from lcformer.training.run_folder import check_resumable

    config = config_from_args(RunConfig, args, run_preset(args))
    config.check_runnable()  # before the data is prepared
    pick_device(config.train.device)  # a device this machine lacks: refused here too
    first = not distributed.launched() or first_process()  # rank 0 writes
    if args.resume and args.run_dir and not Path(args.run_dir).is_dir():
        check_resumable(Path(args.run_dir), config)  # no run to continue: nothing made for it
    with (atomic.one_writer(Path(args.run_dir), "a run") if args.run_dir and first
          else contextlib.nullcontext()):
        if args.resume and args.run_dir:  # refused before preparing the data, nothing written
            check_resumable(Path(args.run_dir), config)
        return _train(args, config)


def _train(args: argparse.Namespace, config: RunConfig) -> int:
    from lcformer.training import distributed
    from lcformer.training.run_folder import run_dir_name
    from lcformer.training.runs import train_run

    with distributed.session(config.train.device):
        is_main = distributed.is_main()
        args.quiet = args.quiet or not is_main
        with (contextlib.nullcontext() if is_main else
              contextlib.redirect_stdout(io.StringIO())):
            with distributed.main_first():  # the others then reuse rank 0's prepared folder
                data = prepared_for_training(args, config.model.name)
            _same_data_as_rank_0(data)
            run_dir = (Path(args.run_dir) if args.run_dir else
                       work_dir(args.work_dir) / "runs" / run_dir_name(data.name, config))
            record = train_run(data, config, run_dir, resume=args.resume,
                               progress=not args.quiet, tensorboard=args.tensorboard)
            print(record.summary_line())
            print(f"run folder: {run_dir}")
    return 0


def _same_data_as_rank_0(data: PreparedDataset) -> None:
    """Under torchrun, refuse a process whose prepared data differ from rank 0's (a node's
    own copy of the files, stale or otherwise): its gradients would mix other training stars,
    some of them rank 0's test stars, and nothing would say so."""
    import hashlib
    import json

    import pandas as pd

    from lcformer.training import distributed

    stars = data.stars[[c for c in ("id", "label", "split") if c in data.stars]]
    mine = {"dataset": data.name, "input files": data.manifest.get("input_hash"),
            "preparation": data.manifest.get("config"), "classes": data.classes,
            "lcformer's data code": data.manifest.get("data_code"),  # another install's
            "stars": hashlib.sha256(pd.util.hash_pandas_object(
                stars, index=False).to_numpy().tobytes()).hexdigest()}
    first = distributed.broadcast_json(mine)
    differ = [key for key in mine if json.dumps(mine[key], default=str)
              != json.dumps(first[key], default=str)]
    if differ:
        raise InputError(f"this process read other data than rank 0 ({', '.join(differ)} "
                         f"differ): every process of a torchrun must read the same files (a "
                         f"node's own copy of the data folder, another --data-dir)")


def cmd_evaluate(args: argparse.Namespace) -> int:
    from lcformer.evaluation.records import read_records

    for record in read_records(args.run_dir):
        print(record.report())
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    """Model, classes, data, settings, test result and verified checkpoint digests."""
    from lcformer.reporting.info import run_info

    info = run_info(args.run_dir)
    print(info.format())
    if info.problems:
        raise info.problems[0]
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """A run's model as an ONNX graph, checked against torch with onnxruntime."""
    from lcformer.evaluation.export import export_onnx, prepared_samples, require_onnx
    from lcformer.training.run_folder import load_model

    require_onnx()  # a missing package fails before the model is loaded
    if args.threads:
        import torch

        torch.set_num_threads(args.threads)
    model, metadata = load_model(args.model_dir, args.checkpoint)
    exported = export_onnx(model, metadata, args.out, check=prepared_samples(args.model_dir))
    shapes = ", ".join(f"{name} ({', '.join(map(str, shape))})"
                       for name, shape in exported.inputs.items())
    print(f"wrote {exported.path}: inputs {shapes} -> log_probs (batch, "
          f"{len(metadata['classes'])}); onnxruntime agrees with torch within "
          f"{exported.max_difference:.1e} on {exported.checked_on}")
    onnx, torch_rate = exported.speeds
    print(f"on those samples, this machine: onnxruntime {onnx:,.0f} samples/s, torch "
          f"{torch_rate:,.0f} samples/s as predict runs it ({onnx / torch_rate:.2f}x; "
          f"benchmarks/export.py measures it at length)")
    return 0


def cmd_baseline(args: argparse.Namespace) -> int:
    """Features + random forest / gradient boosting on the deep runs' exact star split."""
    from lcformer.experiments.baseline import run_baseline, same_test_stars, save_baseline
    from lcformer.training.run_folder import run_dir_name

    run = config_from_args(RunConfig, args, run_preset(args))
    preparation = prepare_config(args, run.model.name, baseline=True)
    data, _ = prepare_dataset(args.dataset, preparation, args.data_dir, args.work_dir,
                              progress=not args.quiet, jobs=args.jobs)
    print(format_summary(data))  # what reading dropped (flagged rows too), as train says it
    result = run_baseline(data, split=run.split, seed=run.split_seed,
                          model_seed=run.train.seed, n_jobs=args.jobs)
    out = (Path(args.out) if args.out else
           work_dir(args.work_dir) / "runs" / run_dir_name(data.name, run, "baseline"))
    if (out / METRICS_FILE).is_file():  # said even when quiet, as train says it
        print(f"replaced the earlier baseline run in {out} (--out keeps runs apart)",
              file=sys.stderr)
    save_baseline(out, result)
    for line in result.summary_lines():
        print(line)
    given = " ".join([shlex.quote(args.dataset),
                      *([reading] if (reading := preparation.reading.options()) else [])])
    print(same_test_stars(result.info["test_ids"], run, data.name, args.work_dir, given))
    print(f"run folder: {out}")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """The research grid (models x heads x emb) over folds or seeds, with its results table."""
    from lcformer.experiments.sweep import run_sweep, sweep_key

    config = config_from_args(SweepConfig, args,
                              SweepConfig(base=config_from_args(RunConfig, args)))
    data = prepared_for_training(args, config.models[0])
    sweep_dir = (Path(args.sweep_dir) if args.sweep_dir else
                 work_dir(args.work_dir) / "sweeps" / f"{data.name}-{sweep_key(data, config)}")
    result = run_sweep(data, config, sweep_dir, progress=not args.quiet, baseline_jobs=args.jobs,
                       command=args.command_line, tensorboard=args.tensorboard)
    print(result.markdown)
    print(f"sweep folder: {sweep_dir} (results.md, results.csv, results_summary.csv, "
          f"results_long.csv; trained now: {len(result.trained)} run(s))")
    return 0


def cmd_ablation(args: argparse.Namespace) -> int:
    """From the research encoder to the periodic model, one change per row (docs/results.md)."""
    import torch

    from lcformer.experiments.ablation import AblationConfig, run_ablation

    if args.threads:
        torch.set_num_threads(args.threads)
    config = config_from_args(AblationConfig, args)
    dataset, _ = resolve(args.dataset, args.data_dir)
    out = Path(args.out) if args.out else work_dir(args.work_dir) / "ablations" / dataset.name
    result = run_ablation(args.dataset, out, config, args.data_dir, args.work_dir,
                          progress=not args.quiet, command=args.command_line,
                          jobs=args.jobs, prepare=prepare_config(args))
    print(result.markdown)
    print(f"ablation folder: {out} (ablation.md, ablation.csv, one run folder per row)")
    return 0


def cmd_results(args: argparse.Namespace) -> int:
    """docs/results.md from sweep folders: generated, so it never disagrees with them."""
    from lcformer.reporting.results import results_document

    _, skipped = results_document(args.sweep_dirs, args.out, command=args.command_line,
                                  figures=not args.no_figures)
    print(f"wrote {args.out} ({len(args.sweep_dirs)} folder(s))")
    for why in skipped:
        print(f"  not shown: {why}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: synthetic data -> prepare -> train -> evaluate -> figures."""
    import torch

    from lcformer.evaluation.paired import difference_interval, interval_text, predictions_pair
    from lcformer.experiments.demo import DEMO_RUN, demo_baseline, run_demo
    from lcformer.hardware import pick_device
    from lcformer.reporting.results import compared

    threads = args.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    run = DEMO_RUN.replace(train=config_from_args(TrainConfig, args, DEMO_RUN.train))
    pick_device(run.train.device)  # before the last demo's run folder is replaced
    data, record, run_dir = run_demo(run, args.data_dir, args.work_dir, progress=not args.quiet)
    print(format_summary(data))
    print(record.summary_line())
    forest = demo_baseline(data, run, run_dir, n_jobs=threads)
    ours, theirs, difference = compared(record.star["macro_f1"], forest.star["macro_f1"])
    pair = predictions_pair(run_dir, run_dir / "baseline", "random_forest")
    if pair is not None:  # the interval of a difference that a few stars move
        low, high = difference_interval(pair["label"], pair["ours"], pair["theirs"])
        difference += f"; 95% interval {interval_text(low, high)}, paired bootstrap over the stars"
    print(f"synthetic test macro-F1 (star level): {ours}; light-curve features + random "
          f"forest on the same {forest.star['n']} test stars: {theirs} ({difference})")
    print(f"results: {run_dir} (metrics.json, importance.json, history.csv, figures/, "
          f"best.safetensors; lcformer info {run_dir} sums them up)")
    return 0


# ---------------------------------------------------------------------- parser
#: What ``add_subparsers`` returns: each ``_add_*_parser`` adds its subcommand to it.
Subcommands: typing.TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser() -> argparse.ArgumentParser:
    """The ``lcformer`` parser: its own options, then each subcommand's (one ``_add_*_parser``
    function each, in the order ``lcformer --help`` lists them)."""
    parser = _Parser(
        prog="lcformer", description="Classify variable-star light curves with self-attention.",
        epilog=EXIT_STATUS, formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False)
    parser.add_argument("--version", action="version", version=f"lcformer {__version__}")
    parser.add_argument("--debug", action="store_true", default=False,
                        help="show the traceback of an error (default: one line)")
    sub = parser.add_subparsers(dest="command", required=True)
    for add_parser in (_add_prepare_parser, _add_datasets_parser, _add_models_parser,
                       _add_describe_parser,
                       _add_train_parser, _add_evaluate_parser, _add_info_parser,
                       _add_predict_parser, _add_export_parser, _add_baseline_parser,
                       _add_sweep_parser, _add_ablation_parser, _add_results_parser,
                       _add_demo_parser):
        add_parser(sub)
    return parser


def _command(sub: Subcommands, name: str, func: Callable[[argparse.Namespace], int],
             help_text: str, dataset: bool = False,
             reading: bool = False) -> argparse.ArgumentParser:
    """A subcommand with the options every command has; ``reading``: it reads the user's
    own tables (--columns, --flux)."""
    # No abbreviations: --fold would be taken for --folds where only that one exists.
    p = sub.add_parser(name, help=help_text, description=help_text, allow_abbrev=False)
    p.set_defaults(func=func)
    if dataset:
        p.add_argument("dataset", help="a registered name (see `lcformer datasets`), a "
                                       "folder, or a long-table file")
    p.add_argument("--data-dir", help=f"data root (default ${DATA_DIR_ENV} or "
                                      f"./{DEFAULT_DATA_DIR})")
    p.add_argument("--work-dir", help=f"where prepared data and runs go (default "
                                      f"${WORK_DIR_ENV} or ./{DEFAULT_WORK_DIR})")
    p.add_argument("--quiet", action="store_true", help="no progress bars (default: off)")
    # SUPPRESS: `lcformer --debug CMD` and `lcformer CMD --debug` both work.
    p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS,
                   help="show the traceback of an error (default: one line)")
    if reading:
        add_reading_options(p, for_run=name == "predict")
    return p


def _add_prepare_parser(sub: Subcommands) -> None:
    p = _command(sub, "prepare", cmd_prepare,
                 "read and clean a dataset, then make its model inputs (star views with their "
                 "periods, or token windows) in a cache folder",
                 dataset=True, reading=True)
    add_prepare_options(p)
    p.add_argument("--force", action="store_true",
                   help="rebuild even if a cache exists (default: off, reuse it)")
    p.add_argument("--model", dest="for_model", choices=MODEL_NAMES,
                   help="prepare what this model reads: star views (periodic) or token windows "
                        f"(the research models) (default: {ModelConfig().name}, as train)")
    add_jobs_option(p, "processes for the star views' period search, features and views; "
                       "the prepared folder is the same whatever it is")


def _add_datasets_parser(sub: Subcommands) -> None:
    _command(sub, "datasets", cmd_datasets, "list the registered datasets and their presets")


def _add_models_parser(sub: Subcommands) -> None:
    _command(sub, "models", cmd_models, "list the models --model can name and what each is")


def _add_describe_parser(sub: Subcommands) -> None:
    p = _command(sub, "describe", cmd_describe,
                 "class and light-curve length distributions (table and figures)",
                 dataset=True, reading=True)
    p.add_argument("--out", help="folder for the figures (default WORK_DIR/describe/NAME)")


def _add_train_parser(sub: Subcommands) -> None:
    p = _command(sub, "train", cmd_train, "train a model on a dataset and evaluate it per star",
                 dataset=True, reading=True)
    add_prepare_options(p)
    add_run_options(p)
    add_runtime_options(p)
    p.add_argument("--run-dir", help="run folder (default WORK_DIR/runs/DATASET-MODEL-seedN, "
                                     "and the split unless auto, e.g. -kfold5-2)")
    p.add_argument("--resume", action="store_true",
                   help="continue from the run's last checkpoint (default: off, a new run)")
    add_jobs_option(p, "processes of the preparation, when the data is not prepared yet "
                       "(training uses --threads)")


def _add_evaluate_parser(sub: Subcommands) -> None:
    p = _command(sub, "evaluate", cmd_evaluate, "print a run's test metrics, per class")
    p.add_argument("run_dir", help="a run folder of `lcformer train`, `baseline` or a sweep")


def _add_info_parser(sub: Subcommands) -> None:
    p = _command(sub, "info", cmd_info,
                 "what a run folder holds: model, classes, data, settings, test metrics and "
                 "the verified SHA-256 of its checkpoints")
    p.add_argument("run_dir", help="a run folder of `lcformer train`, `baseline`, a sweep, or "
                                   "a folder saved by Classifier.save")


def _add_predict_parser(sub: Subcommands) -> None:
    p = _command(sub, "predict", cmd_predict, "classify new stars with a trained model",
                 reading=True)
    p.add_argument("model_dir", help="a run folder (or a folder saved by Classifier.save)")
    p.add_argument("input", help="light curves: a table, a folder, an archive, one file, a"
                                 " dataset name, or a folder of Parquet partitions (long "
                                 "tables, each star's rows in one partition); labels are not "
                                 "needed")
    p.add_argument("--out", help="predictions file, .csv, .parquet or .json (default: "
                                 "predictions.csv); for a folder of partitions, a folder of "
                                 "one Parquet file per partition, continued when rerun "
                                 "(default: predictions/)")
    add_checkpoint_option(p)
    add_jobs_option(p, "processes of the period search and star views")
    add_threads_option(p)
    add_config_options(p, TokenConfig, "tokens", only=("pad_short",),
                       default_note="default: the model's setting")
    add_config_options(p, TrainConfig, "device", only=("device",))
    add_config_options(p, FlagConfig, "flags: predictions on too little signal keep their "
                                      "probabilities and get a flag")


def _add_export_parser(sub: Subcommands) -> None:
    p = _command(sub, "export", cmd_export,
                 "write a trained model as an ONNX graph (checked against torch with "
                 "onnxruntime)")
    p.add_argument("model_dir", help="a run folder (or a folder saved by Classifier.save)")
    p.add_argument("out", help="the ONNX file to write, *.onnx")
    add_checkpoint_option(p)
    add_threads_option(p)  # (its check and timings run torch and onnxruntime)


def _add_baseline_parser(sub: Subcommands) -> None:
    p = _command(sub, "baseline", cmd_baseline,
                 "light-curve features + random forest and gradient boosting, on the deep "
                 "runs' star split",
                 dataset=True, reading=True)
    add_prepare_options(p)
    p.add_argument("--model", dest=dest(ModelConfig, "name"), choices=MODEL_NAMES,
                   default=argparse.SUPPRESS,
                   help=f"test on the stars this model's preparation keeps (default: "
                        f"{ModelConfig().name})")
    add_config_options(p, RunConfig, "split (by star), as for train",
                       only=("split", "split_seed"))
    add_config_options(p, TrainConfig, "classifiers", only=("seed",))
    add_jobs_option(p, "CPU jobs of the preparation (when it is not prepared yet), the "
                       "feature extraction and the classifiers")
    p.add_argument("--out", help="run folder (default WORK_DIR/runs/DATASET-baseline-seedN, "
                                 "with -MODEL after baseline for another --model and the "
                                 "split at the end unless auto, e.g. -kfold5-2)")


def _add_sweep_parser(sub: Subcommands) -> None:
    p = _command(sub, "sweep", cmd_sweep,
                 "the research grid: models x heads x emb, over folds or seeds, with a "
                 "results table (continues if interrupted)",
                 dataset=True, reading=True)
    add_prepare_options(p)
    add_run_options(p, grid=True)
    add_runtime_options(p)
    add_config_options(p, SweepConfig, "grid")
    add_jobs_option(p, "processes of the preparation (when it is not prepared yet) and of "
                       "the feature baseline")
    p.add_argument("--sweep-dir", help="sweep folder (default WORK_DIR/sweeps/DATASET-HASH)")


def _add_ablation_parser(sub: Subcommands) -> None:
    from lcformer.experiments.ablation import AblationConfig

    p = _command(sub, "ablation", cmd_ablation,
                 "the ablation table: research encoder, + per-star scalars, + folding, + both "
                 "bands, + features, + forest, + boosting, + extra trees, + ensemble, and the "
                 "feature baseline",
                 dataset=True)
    add_config_options(p, AblationConfig, "ablation")
    add_prepare_options(p, ablation=True)
    add_config_options(p, TrainConfig, "training (the same for every row)",
                       base=AblationConfig().train)
    add_threads_option(p)
    add_jobs_option(p, "processes of the preparations (when not prepared yet) and of the "
                       "feature baseline")
    p.add_argument("--out", help="ablation folder (default WORK_DIR/ablations/DATASET)")


def _add_results_parser(sub: Subcommands) -> None:
    p = _command(sub, "results", cmd_results,
                 "write the results document (docs/results.md) from finished sweep and "
                 "ablation folders")
    p.add_argument("sweep_dirs", nargs="+", metavar="FOLDER",
                   help="sweep folders (`lcformer sweep`), one section each, in this order, "
                        "and ablation folders (`lcformer ablation`)")
    p.add_argument("--out", default="docs/results.md",
                   help="Markdown file; figures go to figures/FOLDER/ beside it, FOLDER the "
                        "name of each sweep or ablation folder (default: docs/results.md)")
    p.add_argument("--no-figures", action="store_true",
                   help="tables and text only (default: off, figures too)")


def _add_demo_parser(sub: Subcommands) -> None:
    from lcformer.experiments.demo import DEMO_RUN

    p = _command(sub, "demo", cmd_demo,
                 "the main job on the embedded synthetic data: prepare, train the periodic "
                 "model, evaluate, write figures")
    add_config_options(p, TrainConfig, "training", base=DEMO_RUN.train,
                       only=("epochs", "time_limit", "device"))
    add_threads_option(p)


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line too, like every other error."""

    def error(self, message: str) -> typing.NoReturn:
        if message.startswith("unrecognized arguments:") and any(
                word.split("=")[0] == "--threads" for word in message.split()):
            message += (" (--threads is for the commands that run torch: train, predict, "
                        "sweep, ablation, demo, export; prepare and baseline run in --jobs "
                        "processes)")
        self.exit(EXIT_USER, f"lcformer: error: {message} (see `{self.prog} --help`)\n")


def _check_zero_point(args: argparse.Namespace) -> None:
    """``--zero-point`` converts fluxes: alone it would be ignored, and the fluxes read as
    magnitudes (or refused as such)."""
    options = given(args, ReadConfig)
    if "zero_point" in options and not options.get("flux"):
        raise ConfigError("--zero-point converts fluxes to magnitudes: give --flux too")


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command; every failure ends as one line on stderr and an exit status of
    ``EXIT_STATUS`` (with ``--debug``, after its traceback), as
    :func:`~lcformer.cli.exits.run_command` runs it."""
    try:  # (the parser loads the commands' options: Ctrl-C there is one line too)
        parser = build_parser()
    except KeyboardInterrupt:
        print("lcformer: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.command_line = shlex.join(["lcformer", *argv])  # kept in sweep.json
    said = records.COMMAND_LINE.set(args.command_line)  # and in each run's metrics.json
    warned = SAID_IN_COMMAND.set(set())  # a reused preparation's warnings: once a command
    try:
        return run_command(_dispatch, args)
    finally:
        records.COMMAND_LINE.reset(said)
        SAID_IN_COMMAND.reset(warned)


def _processes() -> int:
    """The processes a launcher started (torchrun's WORLD_SIZE); 1 where it sets none, or
    where it is no number (a job script's own export of it must not refuse all)."""
    try:
        return int(os.environ.get("WORLD_SIZE", "1"))
    except ValueError:
        return 1


def _dispatch(args: argparse.Namespace) -> int:
    """The chosen subcommand's function, after the checks of options it cannot check alone."""
    if args.command != "predict":  # predict: run_reading, after the run's reading
        _check_zero_point(args)
    if args.command != "train" and _processes() > 1:
        # torchrun's ranks would each run it whole, into the same outputs (predict's
        # second rank would meet the first's lock: "another command is writing there").
        # No process group exists yet, so the check is on torchrun's environment.
        raise ConfigError(f"{args.command} runs one process: start it without torchrun "
                          f"(train runs under torchrun; WORLD_SIZE is "
                          f"{os.environ['WORLD_SIZE']})")
    return args.func(args)
