"""The ``lcformer`` command: a thin layer over the Python API, one function per subcommand."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from tqdm.auto import tqdm

from lcformer import __version__
from lcformer.datasets import DATA_DIR_ENV, REGISTRY, DatasetSpec, input_files, resolve
from lcformer.errors import LcformerError
from lcformer.prepared import PrepareConfig, PreparedDataset, fingerprint_files, format_summary
from lcformer.prepared import prepare as prepare_dataset

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


def prepare_config(spec: DatasetSpec, args: argparse.Namespace,
                   labelled: bool = True) -> PrepareConfig:
    overrides = {
        "window": args.window, "stride": args.stride, "token_size": args.token_size,
        "token_stride": args.token_stride, "pad_short": args.pad_short,
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
        from lcformer.synthetic import SyntheticConfig

        input_hash = json.dumps(dataclasses.asdict(SyntheticConfig())) + __version__
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
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
