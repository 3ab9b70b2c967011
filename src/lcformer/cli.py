"""The ``lcformer`` command: a thin layer over the Python API, one function per subcommand."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from lcformer import __version__, atomic
from lcformer.data.datasets import DATA_DIR_ENV, REGISTRY, DatasetSpec, input_files, resolve
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, PreparedDataset, fingerprint_files, format_summary
from lcformer.data.prepared import prepare as prepare_dataset
from lcformer.data.report import DropReport
from lcformer.errors import DatasetNotFoundError, LcformerError
from lcformer.models.config import MODEL_NAMES

if TYPE_CHECKING:
    from lcformer.training.runs import RunConfig

# Commands that train or predict import torch when they run: `prepare` starts in a second.

WORK_DIR_ENV = "LCFORMER_WORK_DIR"


def work_dir(given: str | None) -> Path:
    return Path(given or os.environ.get(WORK_DIR_ENV) or "lcformer-work").expanduser()


# ---------------------------------------------------------------------- prepare
def add_token_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("tokens (default: the dataset's survey preset)")
    group.add_argument("--window", type=int, help="W, pairs per window")
    group.add_argument("--stride", type=int, help="S, pairs between windows")
    group.add_argument("--token-size", type=int, help="w, pairs per token")
    group.add_argument("--token-stride", type=int, help="s, pairs between tokens")
    group.add_argument("--pad-short", action=argparse.BooleanOptionalAction, default=None,
                       help="keep curves shorter than one window as a masked window")
    group.add_argument("--pair-features", choices=["dt_dm", "dt_dm_mag"],
                       help="dt_dm (research) or also the scaled magnitude of each pair")


def prepare_config(spec: DatasetSpec, args: argparse.Namespace,
                   labelled: bool = True) -> PrepareConfig:
    overrides = {
        "window": args.window, "stride": args.stride, "token_size": args.token_size,
        "token_stride": args.token_stride, "pad_short": args.pad_short,
        "pair_features": getattr(args, "pair_features", None),
    }
    tokens = dataclasses.replace(spec.tokens, **{k: v for k, v in overrides.items()
                                                 if v is not None})
    classes = getattr(args, "classes", None)
    return PrepareConfig(
        tokens=tokens,
        cleaning=spec.cleaning,
        classes=tuple(classes.split(",")) if classes else None,
        min_class_windows=getattr(args, "min_class_windows", None) or spec.min_class_windows,
        labelled=labelled,
    )


def load_prepared(dataset: str, data: str | None, work: str | None, config: PrepareConfig,
                  force: bool = False, quiet: bool = False) -> tuple[PreparedDataset, bool]:
    """Prepare a dataset (or reuse its earlier preparation), with a progress bar."""
    spec, folder = resolve(dataset, data)
    if spec.name == "synthetic":
        from lcformer.data.synthetic import GENERATOR_VERSION, SyntheticConfig

        input_hash = json.dumps({"generator": GENERATOR_VERSION,
                                 "config": dataclasses.asdict(SyntheticConfig())})
    else:
        input_hash = fingerprint_files(input_files(spec, folder))
    stages = ["reading", "cleaning", "tokens", "writing"]
    with tqdm(total=len(stages), desc=f"prepare {spec.name}", disable=quiet,
              leave=False, file=sys.stderr) as bar:

        def on_stage(stage: str) -> None:
            bar.set_postfix_str(stage)
            bar.update(stages.index(stage) + 1 - bar.n)

        return prepare_dataset(spec.name, lambda report: spec.read(folder, report), input_hash,
                               config, work_dir(work) / "prepared", force=force,
                               on_stage=on_stage)


def cmd_prepare(args: argparse.Namespace) -> int:
    spec, _ = resolve(args.dataset, args.data_dir)
    config = prepare_config(spec, args)
    dataset, reused = load_prepared(args.dataset, args.data_dir, args.work_dir, config,
                                    force=args.force, quiet=args.quiet)
    if reused:
        print(f"reusing the identical earlier preparation in {dataset.path}")
    print(format_summary(dataset))
    return 0


def cmd_datasets(args: argparse.Namespace) -> int:
    root = args.data_dir or os.environ.get(DATA_DIR_ENV) or "data"
    print(f"data root: {root} (set with --data-dir or {DATA_DIR_ENV})")
    for spec in REGISTRY.values():
        t = spec.tokens
        print(f"  {spec.name:<18} W={t.window:<4} S={t.stride:<4} {spec.description}")
    print("  or the path of your own folder (long table, catalog.csv + files, or MACHO files)")
    return 0


# ---------------------------------------------------------------------- train / evaluate
def add_train_options(parser: argparse.ArgumentParser, epochs: int = 150) -> None:
    m = parser.add_argument_group("model")
    m.add_argument("--model", default="encoder", choices=MODEL_NAMES)
    m.add_argument("--emb", type=int, help="embedding width (default 64)")
    m.add_argument("--heads", type=int, help="attention heads (default 4)")
    m.add_argument("--depth", type=int, help="encoder/decoder blocks (default 1)")
    m.add_argument("--dropout", type=float, help="residual/feed-forward dropout (default 0.1)")
    m.add_argument("--rnn-units", type=int, help="units of the lstm/gru baselines")
    m.add_argument("--head", choices=["tokens", "pooled"],
                   help="tokens: average per-token probabilities (research); pooled: average "
                        "token features, then classify")
    m.add_argument("--position", choices=["index", "time"],
                   help="positional encoding of the token index (research) or its time")
    m.add_argument("--research", action="store_true",
                   help="the original's choices: scores / sqrt(emb), L2 0.1, one block")
    t = parser.add_argument_group("training")
    t.add_argument("--epochs", type=int, default=epochs)
    t.add_argument("--batch-size", type=int, default=256)
    t.add_argument("--lr", type=float, default=1e-3)
    t.add_argument("--schedule", choices=["step", "cosine"], default="step",
                   help="step: x0.7 every 30 epochs (research); cosine: warm-up + cosine")
    t.add_argument("--warmup-epochs", type=int, default=0)
    t.add_argument("--balance", choices=["loss", "sampler", "none"], default="loss")
    t.add_argument("--patience", type=int, help="stop after this many epochs without a better"
                                                " validation macro-F1")
    t.add_argument("--pretrain-epochs", type=int, default=10,
                   help="ae_frozen: reconstruction epochs before the head is trained")
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--device", default="auto", help="auto (CUDA if present), cpu, cuda")
    t.add_argument("--threads", type=int, help="CPU threads for torch (default: all cores)")
    t.add_argument("--tensorboard", metavar="DIR",
                   help="also log to TensorBoard in DIR (a sweep: one sub-folder per run); "
                        'needs pip install "lcformer[tensorboard]"')
    s = parser.add_argument_group("split (by star)")
    s.add_argument("--split", default="auto",
                   help="auto (the dataset's own split if it has one, else stratified "
                        "70/10/20), stratified, fixed, or kfold:K:I")
    s.add_argument("--split-seed", type=int, default=0)
    s.add_argument("--sample-per-class", type=int,
                   help="research balancing: over/undersample training stars to this many")


def run_config(args: argparse.Namespace) -> RunConfig:
    from lcformer.training.loop import TrainConfig
    from lcformer.training.runs import RunConfig

    options = {k: getattr(args, k) for k in ("emb", "heads", "depth", "dropout", "rnn_units",
                                             "head", "position")
               if getattr(args, k, None) is not None}
    if args.research:
        options["research"] = True
    train = TrainConfig(epochs=args.epochs, batch_size=args.batch_size, lr=args.lr,
                        schedule=args.schedule, warmup_epochs=args.warmup_epochs,
                        balance=args.balance, patience=args.patience,
                        pretrain_epochs=args.pretrain_epochs, seed=args.seed,
                        device=args.device)
    return RunConfig(model=args.model, model_options=options, train=train, split=args.split,
                     split_seed=args.split_seed, sample_per_class=args.sample_per_class)


def prepared_for_training(args: argparse.Namespace) -> tuple[DatasetSpec, Path,
                                                               PreparedDataset]:
    """The preamble of every training command: threads, dataset, its preparation, summary."""
    import torch

    if getattr(args, "threads", None):
        torch.set_num_threads(args.threads)
    if getattr(args, "tensorboard", None):
        from lcformer.reporting.tensorboard import require_tensorboard

        require_tensorboard()  # a missing package fails now, not after preparing the data
    spec, folder = resolve(args.dataset, args.data_dir)
    data, _ = load_prepared(args.dataset, args.data_dir, args.work_dir,
                            prepare_config(spec, args), quiet=args.quiet)
    print(format_summary(data))
    return spec, folder, data


def default_run_dir(args: argparse.Namespace, dataset: str) -> Path:
    return work_dir(args.work_dir) / "runs" / f"{dataset}-{args.model}-seed{args.seed}"


def cmd_train(args: argparse.Namespace) -> int:
    from lcformer.training.runs import summary_line, train_run

    spec, _, data = prepared_for_training(args)
    run_dir = Path(args.run_dir) if args.run_dir else default_run_dir(args, spec.name)
    metrics = train_run(data, run_config(args), run_dir, resume=args.resume,
                        progress=not args.quiet, tensorboard=args.tensorboard)
    print(summary_line(metrics))
    print(f"run folder: {run_dir}")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from lcformer.training.runs import read_metrics, summary_line

    metrics = read_metrics(args.run_dir)
    print(summary_line(metrics))
    width = max(len(c) for c in metrics["classes"])
    print(f"  {'class':<{width}}  precision  recall     f1  stars")
    for cls, row in metrics["star"]["per_class"].items():
        print(f"  {cls:<{width}}  {row['precision']:>9.3f}  {row['recall']:>6.3f}"
              f"  {row['f1-score']:>5.3f}  {int(row['support']):>5}")
    w = metrics["window"]
    print(f"window level: accuracy {w['accuracy']:.3f}, macro-F1 {w['macro_f1']:.3f} "
          f"on {w['n']} windows")
    return 0


# ---------------------------------------------------------------------- predict
def read_input(source: str, data: str | None, report: DropReport) -> LightCurves:
    """New stars from any supported layout: a dataset name, a folder, a table or one file."""
    from lcformer.data.reading import read_folder, read_long_table
    from lcformer.data.reading.per_star import parse_columns

    path = Path(source)
    if source in REGISTRY or path.is_dir():
        try:
            spec, folder = resolve(source, data)
            return spec.read(folder, report)
        except DatasetNotFoundError:
            if not path.is_dir():
                raise
            return read_folder(path, report=report)
    if not path.exists():
        raise DatasetNotFoundError(f"{source}: no such file, folder or dataset name")
    name = path.name.lower()
    if name.endswith((".parquet", ".csv", ".csv.gz")) and _has_id_column(path):
        return read_long_table(path, report=report)
    if name.endswith((".tar", ".tar.gz", ".tgz", ".tar.bz2", ".zip")):
        return read_folder(path, report=report)
    time, mag, err = parse_columns(path.read_bytes())
    return LightCurves.from_arrays([path.stem], [""], [len(time)], time, mag, err)


def _has_id_column(path: Path) -> bool:
    if path.name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        return "id" in pq.read_schema(path).names
    import pandas as pd

    return "id" in pd.read_csv(path, nrows=0).columns


def cmd_predict(args: argparse.Namespace) -> int:
    from lcformer.evaluation.predict import predict_stars
    from lcformer.training.runs import load_model

    model, metadata = load_model(args.model_dir, args.checkpoint)
    report = DropReport()
    lcs = read_input(args.input, args.data_dir, report)
    result = predict_stars(model, metadata, lcs, device=args.device,
                           pad_short=True if args.pad_short else None)
    result.report.merge(report)
    out = Path(args.out)
    with atomic.temporary_path(out) as tmp:
        result.table.to_csv(tmp, index=False)
    print(f"classified {len(result.table):,} of {lcs.n_stars:,} stars -> {out}")
    if len(result.unclassified):
        skipped = out.with_name(out.stem + "_unclassified.csv")
        with atomic.temporary_path(skipped) as tmp:
            result.unclassified.to_csv(tmp, index=False)
        print(f"{len(result.unclassified):,} stars could not be classified -> {skipped}")
        for reason, n in result.unclassified["reason"].value_counts().items():
            print(f"  {n:>6,}  {reason}")
    print(result.report.format())
    return 0


# ---------------------------------------------------------------------- baseline
def cmd_baseline(args: argparse.Namespace) -> int:
    """Features + random forest / gradient boosting on the deep runs' exact star split."""
    from lcformer.data.cleaning import clean
    from lcformer.experiments.baseline import run_baseline, save_baseline, summary_lines

    spec, folder = resolve(args.dataset, args.data_dir)
    data, _ = load_prepared(args.dataset, args.data_dir, args.work_dir,
                            prepare_config(spec, args), quiet=args.quiet)
    # The prepared folder holds tokens, not curves: read and clean the curves again, with the
    # cleaning the preparation used; run_baseline keeps the prepared stars only.
    report = DropReport()
    lcs, _ = clean(spec.read(folder, report), data.config.cleaning, report)
    result = run_baseline(data, lcs, split=args.split, seed=args.split_seed,
                          model_seed=args.seed, n_jobs=args.jobs)
    out = (Path(args.out) if args.out else
           work_dir(args.work_dir) / "runs" / f"{spec.name}-baseline-seed{args.seed}")
    save_baseline(out, result)
    for line in summary_lines(result):
        print(line)
    print(f"run folder: {out}")
    return 0


# ---------------------------------------------------------------------- sweep
def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(",") if v.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}") from None


def cmd_sweep(args: argparse.Namespace) -> int:
    """The research grid (models x heads x emb) over folds or seeds, with its results table."""
    from lcformer.experiments.sweep import SweepConfig, run_sweep, sweep_key

    spec, folder, data = prepared_for_training(args)
    # The sweep sets the model, heads and emb of every run; the base carries the rest.
    base = run_config(argparse.Namespace(**{**vars(args), "model": "encoder"}))
    models = tuple(m.strip() for m in args.grid_models.split(",") if m.strip())
    try:
        config = SweepConfig(models=models, heads=args.grid_heads, embs=args.grid_embs,
                             folds=args.folds, seeds=args.seeds or (args.seed,), base=base,
                             baseline=args.baseline)
    except ValueError as exc:
        print(f"lcformer sweep: error: {exc}", file=sys.stderr)
        return 2
    sweep_dir = (Path(args.sweep_dir) if args.sweep_dir else
                 work_dir(args.work_dir) / "sweeps" / f"{spec.name}-{sweep_key(data, config)}")

    def curves():
        from lcformer.data.cleaning import clean

        # As `lcformer baseline`: the curves again, cleaned as the preparation cleaned them.
        report = DropReport()
        return clean(spec.read(folder, report), data.config.cleaning, report)[0]

    result = run_sweep(data, config, sweep_dir, progress=not args.quiet, curves=curves,
                       baseline_jobs=args.jobs,
                       command=getattr(args, "command_line", None),
                       tensorboard=args.tensorboard)
    print(result.markdown)
    print(f"sweep folder: {sweep_dir} (results.md, results.csv, results_summary.csv, "
          f"results_long.csv; trained now: {len(result.trained)} run(s))")
    return 0


# ---------------------------------------------------------------------- results
def cmd_results(args: argparse.Namespace) -> int:
    """docs/results.md from sweep folders: generated, so it never disagrees with them."""
    from lcformer.reporting.results import results_document

    _, skipped = results_document(args.sweep_dirs, args.out,
                                  command=getattr(args, "command_line", None),
                                  figures=not args.no_figures)
    print(f"wrote {args.out} ({len(args.sweep_dirs)} sweep(s))")
    for why in skipped:
        print(f"  not shown: {why}")
    return 0


# ---------------------------------------------------------------------- demo
def cmd_demo(args: argparse.Namespace) -> int:
    """The main job: synthetic data -> prepare -> train `encoder` -> evaluate -> figures.

    The settings are the best measured for the encoder on this data in a few CPU minutes:
    pairs that also carry the scaled magnitude, a pooled head and time positions.
    """
    import torch

    from lcformer.training.loop import TrainConfig
    from lcformer.training.runs import RunConfig, summary_line, train_run

    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    spec, _ = resolve("synthetic", args.data_dir)
    tokens = argparse.Namespace(window=None, stride=None, token_size=None, token_stride=None,
                                pad_short=None, pair_features="dt_dm_mag")
    data, _ = load_prepared("synthetic", args.data_dir, args.work_dir,
                            prepare_config(spec, tokens), quiet=args.quiet)
    print(format_summary(data))
    config = RunConfig(model="encoder",
                       model_options={"emb": 32, "heads": 4, "head": "pooled",
                                      "position": "time"},
                       train=TrainConfig(epochs=args.epochs, batch_size=64, lr=2e-3,
                                         schedule="cosine", warmup_epochs=1, seed=0,
                                         device=args.device))
    run_dir = work_dir(args.work_dir) / "runs" / "demo-synthetic-encoder"
    metrics = train_run(data, config, run_dir, progress=not args.quiet)
    print(summary_line(metrics))
    print(f"synthetic test macro-F1 (star level): {metrics['star']['macro_f1']:.3f}")
    print(f"results: {run_dir} (metrics.json, history.csv, figures/, best.safetensors)")
    return 0


# ---------------------------------------------------------------------- describe
def cmd_describe(args: argparse.Namespace) -> int:
    """Class and light-curve length distributions of a dataset, after cleaning."""
    import pandas as pd

    from lcformer.data.cleaning import clean
    from lcformer.reporting.figures import class_distribution_figure, length_distribution_figure

    spec, folder = resolve(args.dataset, args.data_dir)
    report = DropReport()
    lcs, report = clean(spec.read(folder, report), spec.cleaning, report)
    curves = pd.DataFrame({"id": lcs.ids, "band": lcs.bands, "n_points": lcs.lengths,
                           "label": lcs.labels if lcs.labels is not None else "unlabelled"})
    stars = curves.groupby("id", sort=False).agg(label=("label", "first"),
                                                 n_points=("n_points", "sum"))
    table = stars.groupby("label")["n_points"].agg(["size", "median", "min", "max"])
    table = table.sort_values("size", ascending=False)
    width = max(len(str(c)) for c in table.index)
    print(f"{spec.name}: {len(stars):,} stars, {len(curves):,} curves, "
          f"{int(curves['n_points'].sum()):,} points after cleaning")
    print(f"  {'class':<{width}}  {'stars':>6}  points per star: median   min    max")
    for cls, row in table.iterrows():
        print(f"  {cls!s:<{width}}  {int(row['size']):>6,}  {row['median']:>21,.0f}"
              f"  {int(row['min']):>4}  {int(row['max']):>5}")
    print(report.format())
    out = Path(args.out) if args.out else work_dir(args.work_dir) / "describe" / spec.name
    written = [class_distribution_figure(stars.reset_index(), out / "class_distribution.png",
                                         f"{spec.name}: stars per class"),
               length_distribution_figure(curves, out / "length_distribution.png",
                                          f"{spec.name}: points per curve")]
    print("figures: " + ", ".join(str(p) for p in written))
    return 0


# ---------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lcformer",
        description="Classify variable-star light curves with self-attention.",
    )
    parser.add_argument("--version", action="version", version=f"lcformer {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, func: Callable[[argparse.Namespace], int],
                help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(func=func)
        p.add_argument("--data-dir", help=f"data root (default ${DATA_DIR_ENV} or ./data)")
        p.add_argument("--work-dir", help=f"where prepared data and runs go (default "
                                          f"${WORK_DIR_ENV} or ./lcformer-work)")
        p.add_argument("--quiet", action="store_true", help="no progress bars")
        return p

    p = command("prepare", cmd_prepare, "read, clean and tokenise a dataset into a cache folder")
    p.add_argument("dataset", help="a registered name (see `lcformer datasets`) or a folder")
    add_token_options(p)
    p.add_argument("--classes", help="comma-separated classes to keep (default: all)")
    p.add_argument("--min-class-windows", type=int,
                   help="drop classes with fewer windows (research `thresh`)")
    p.add_argument("--force", action="store_true", help="rebuild even if a cache exists")

    command("datasets", cmd_datasets, "list the registered datasets and their presets")

    p = command("describe", cmd_describe, "class and light-curve length distributions "
                                          "(table and figures)")
    p.add_argument("dataset", help="a registered name or a folder")
    p.add_argument("--out", help="folder for the figures (default WORK_DIR/describe/NAME)")

    p = command("train", cmd_train, "train a model on a dataset and evaluate it per star")
    p.add_argument("dataset", help="a registered name or a folder")
    add_token_options(p)
    add_train_options(p)
    p.add_argument("--run-dir", help="run folder (default WORK_DIR/runs/DATASET-MODEL-seedN)")
    p.add_argument("--resume", action="store_true", help="continue from the run's last "
                                                         "checkpoint")

    p = command("evaluate", cmd_evaluate, "print a run's test metrics, per class")
    p.add_argument("run_dir")

    p = command("predict", cmd_predict, "classify new stars with a trained model")
    p.add_argument("model_dir", help="a run folder (or a folder saved by Classifier.save)")
    p.add_argument("input", help="light curves: a table, a folder, an archive, one file, or a"
                                 " dataset name; labels are not needed")
    p.add_argument("--out", default="predictions.csv")
    p.add_argument("--checkpoint", default="best", choices=["best", "last"])
    p.add_argument("--pad-short", action="store_true",
                   help="classify stars shorter than one window from a masked window")
    p.add_argument("--device", default="auto")

    p = command("baseline", cmd_baseline, "light-curve features + random forest and gradient "
                                          "boosting, on the deep runs' star split")
    p.add_argument("dataset", help="a registered name or a folder")
    add_token_options(p)
    p.add_argument("--split", default="auto", help="as for train: auto, stratified, fixed or "
                                                   "kfold:K:I")
    p.add_argument("--split-seed", type=int, default=0, help="as for train")
    p.add_argument("--seed", type=int, default=0, help="seed of the classifiers")
    p.add_argument("--jobs", type=int, default=1, help="CPU jobs (-1: all cores)")
    p.add_argument("--out", help="run folder (default WORK_DIR/runs/DATASET-baseline-seedN)")

    p = command("sweep", cmd_sweep, "the research grid: models x heads x emb, over folds or "
                                    "seeds, with a results table (continues if interrupted)")
    p.add_argument("dataset", help="a registered name or a folder")
    add_token_options(p)
    add_train_options(p)
    # The grid replaces the single-run --model, --heads and --emb.
    p.conflict_handler = "resolve"
    g = p.add_argument_group("grid")
    g.add_argument("--models", "--model", dest="grid_models", default=",".join(MODEL_NAMES),
                   metavar="M1,M2",
                   help="comma-separated models (default: all, the research Models 1-5 + "
                        "lstm, gru)")
    g.add_argument("--heads", dest="grid_heads", type=_int_list, default=(4, 8),
                   metavar="H1,H2",
                   help="comma-separated attention heads (default 4,8)")
    g.add_argument("--embs", "--emb", dest="grid_embs", type=_int_list, default=(32, 64),
                   metavar="E1,E2",
                   help="comma-separated embedding widths (default 32,64)")
    r = g.add_mutually_exclusive_group()
    r.add_argument("--folds", type=int, metavar="K",
                   help="repeat over K stratified folds (split kfold:K:I)")
    r.add_argument("--seeds", type=_int_list, metavar="S1,S2",
                   help="repeat over these training seeds on one split (default: --seed)")
    g.add_argument("--baseline", action="store_true",
                   help="also the feature baseline (random forest, gradient boosting) on the "
                        "same split(s)")
    g.add_argument("--jobs", type=int, default=1, help="CPU jobs of the baseline")
    g.add_argument("--sweep-dir", help="sweep folder (default WORK_DIR/sweeps/DATASET-HASH)")

    p = command("results", cmd_results, "write the results document (docs/results.md) from "
                                        "finished sweep folders")
    p.add_argument("sweep_dirs", nargs="+", metavar="SWEEP_DIR",
                   help="sweep folders, one section each, in this order")
    p.add_argument("--out", default="docs/results.md",
                   help="Markdown file; figures go to figures/DATASET/ beside it")
    p.add_argument("--no-figures", action="store_true", help="tables and text only")

    p = command("demo", cmd_demo, "the main job on the embedded synthetic data: prepare, "
                                  "train the encoder, evaluate, write figures")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--threads", type=int)
    p.add_argument("--device", default="auto")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parser.parse_args(argv)
    args.command_line = shlex.join(["lcformer", *argv])  # kept in sweep.json
    try:
        return args.func(args)
    except LcformerError as exc:
        print(f"lcformer: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("lcformer: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
