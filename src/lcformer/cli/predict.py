"""``lcformer predict``: how new stars are read, classified, written and scored.

A table, file or folder in, one predictions file out; a folder of Parquet partitions in, a
folder of prediction partitions out (:mod:`lcformer.evaluation.streaming`, resumable). The
library does the work (:mod:`lcformer.evaluation.predict`, ``output_files``, ``scoring``);
this module decides which of it a command line asks for, what it prints, and its exit status.
"""

from __future__ import annotations

import argparse
import sys
import typing
import warnings
from pathlib import Path

from lcformer.cli.exits import EXIT_NOTHING
from lcformer.cli.options import config_from_args, given
from lcformer.config import list_text
from lcformer.data.datasets import REGISTRY
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError, InputError, LcformerWarning
from lcformer.evaluation.flags import FlagConfig
from lcformer.training.config import TrainConfig


def run_reading(args: argparse.Namespace, metadata: dict[str, typing.Any]
                ) -> tuple[ReadConfig, bool]:
    """How to read new stars (:func:`~lcformer.evaluation.new_star_reading.new_star_reading`:
    what the command line gives, the rest as the run's training tables were read), and
    whether its column names came from the run; what came from the run is said."""
    from lcformer.evaluation.new_star_reading import new_star_reading, trained_reading

    trained, reading = trained_reading(metadata), config_from_args(ReadConfig, args)
    options = given(args, ReadConfig)
    column_options = given(args, Columns)
    columns_of_run = not column_options
    if not columns_of_run:
        options["columns"] = reading.columns
        if "flag_bits" in column_options:
            options["flag_bits"] = reading.columns.flag_bits
    reading, inherited = new_star_reading(trained, reading, options)
    if "class_names" in options:  # (a typo, or a class the model lacks, is said)
        if trained.class_names and reading.class_map != trained.class_map:
            print(f"--class-names replaces the run's renaming of classes "
                  f"({trained.replace(columns=Columns(), flux=False, band_names=()).options()}) "
                  f"for the input's labels")
        unknown = sorted(set(reading.class_map.values()) - set(metadata["classes"]))
        if unknown:
            warnings.warn(f"--class-names renames labels to {list_text(unknown)}, which the "
                          f"model was not trained on (its classes: "
                          f"{list_text(metadata['classes'])}): their stars are not scored",
                          LcformerWarning, stacklevel=2)
    if inherited.options():
        print(f"reading the input as the run's training tables were read: "
              f"{inherited.options()} (give these options to read it otherwise; the "
              f"column names apply to tables, and to per-star files whose header has them)")
    return reading, columns_of_run


def cmd_predict(args: argparse.Namespace) -> int:
    """A table, file or folder in, a predictions file out; a folder of Parquet partitions in,
    a folder of prediction partitions out (lcformer.evaluation.streaming), resumable."""
    from lcformer import atomic
    from lcformer.data.reading.files import first_few
    from lcformer.data.reading.partitions import partition_paths, stray_files
    from lcformer.evaluation.output_files import check_table_path
    from lcformer.hardware import pick_device
    from lcformer.training.run_folder import load_model

    if args.threads:  # the network's and the trees' threads (a shared node: bound them)
        import torch

        torch.set_num_threads(args.threads)
    options = {"device": given(args, TrainConfig).get("device", TrainConfig().device),
               "pad_short": given(args, TokenConfig).get("pad_short"),
               "flags": config_from_args(FlagConfig, args), "n_jobs": args.jobs}
    pick_device(options["device"])  # a device this machine lacks: refused before any work
    partitions = [] if args.input in REGISTRY else partition_paths(args.input)
    if partitions:
        return predict_partitioned(args, partitions, options)
    if args.input not in REGISTRY and (stray := stray_files(args.input)):
        raise InputError(f"{args.input}: Parquet partitions beside other files "
                         f"({first_few([str(p) for p in stray], 3)}), which are not read as "
                         f"one table with them: remove those, or move the partitions to a "
                         f"folder of their own")
    out = Path(args.out or "predictions.csv")
    if args.input not in REGISTRY and not Path(args.input).exists():  # said before --out
        raise InputError(f"{args.input}: no such file, folder or dataset name")
    check_table_path(out, f" (a folder of predictions is written for a folder of Parquet "
                          f"partitions, and {args.input} holds none)"
                     if Path(args.input).is_dir() and (not out.suffix or out.is_dir())
                     else "")  # before any work
    model, metadata = load_model(args.model_dir, args.checkpoint)  # (a damaged one: said first)
    with atomic.one_writer(out, "predictions", "--out file"):
        return _predict_to_file(args, out, options, model, metadata)


def _predict_to_file(args: argparse.Namespace, out: Path, options: dict[str, typing.Any],
                     model: typing.Any, metadata: dict[str, typing.Any]) -> int:
    """:func:`cmd_predict` of a table, file or folder into one predictions file ``out``, by
    the run's ``model``."""
    from lcformer.data.reading.sniff import read_any
    from lcformer.data.splits import UNTRAINED
    from lcformer.evaluation.flags import format_flags, further_flags, trained_on_copies
    from lcformer.evaluation.new_star_reading import warn_of_older_readers
    from lcformer.evaluation.output_files import (
        problems_path,
        set_aside,
        set_aside_line,
        write_predictions,
        write_unclassified,
    )
    from lcformer.evaluation.predict import predict_stars, with_input_labels
    from lcformer.evaluation.scoring import label_scores, run_test_ids

    report = DropReport()
    reading, columns_of_run = run_reading(args, metadata)
    lcs = read_any(args.input, args.data_dir, report, reading, columns_of_run)
    warn_of_older_readers(metadata, report)
    _say_of_unmatched_class_names(args, reading, report, lcs.labels is not None)
    result = predict_stars(model, metadata, lcs, progress=not args.quiet, **options)
    result.report.merge(report)
    if len(result.table) == 0:
        # An earlier run's predictions must not pass for this run's, nor be lost: NAME.old.
        # (Input that cannot be read stops before this, with exit 2, and leaves them.)
        aside = set_aside_line(set_aside(out))
        if aside:
            print(aside)
        where = ""
        if len(result.unclassified):
            listed = write_unclassified(result, out)
            _unclassified_lines(result.unclassified, f"-> {listed}")
            where = f" (why: {listed})"
        if not lcs.n_stars:
            empty = Path(args.input).is_dir() and not any(Path(args.input).iterdir())
            where = f" ({'an empty folder' if empty else 'no light curve was read'}: {args.input})"
        print(result.report.format(saved=result.report.save_problems(problems_path(out))))
        print(f"lcformer: nothing produced: classified 0 of {lcs.n_stars:,} stars{where}",
              file=sys.stderr)
        return EXIT_NOTHING
    scores = label_scores(result, lcs, run_test_ids(args.model_dir, args.input, metadata,
                                                    args.data_dir),
                          untrained=metadata.get(UNTRAINED) or ())
    if lcs.labels is not None:  # a labelled input: each star's label (and split) written too
        result.table = with_input_labels(result.table, lcs)
    skipped = write_predictions(result, out)
    print(f"classified {len(result.table):,} of {lcs.n_stars:,} stars -> {out}")
    if skipped is not None:
        _unclassified_lines(result.unclassified, f"-> {skipped}")
    flagged = format_flags(result.flag_counts, len(result.table), trained_on_copies(metadata),
                           result.report.events, further_flags(result.table["other_flags"]))
    if flagged:
        print(flagged)
    if scores:
        print(scores)
    print(result.report.format(saved=result.report.save_problems(problems_path(out))))
    # A file that could not be read (a star, a band of one, or a table's rows) or that a
    # catalogue names but is not there is in neither output (a star with another file read
    # is classified without it); labels without a light curve or an empty file lose nothing.
    lost = {"unreadable file(s)": report.curves["unreadable_file"],
            "catalogued file(s) not found": report.curves["missing_file"],
            "row(s) without a star id": report.points["missing_id"]}
    if any(lost.values()):
        what = ", ".join(f"{n:,} {kind}" for kind, n in lost.items() if n)
        print(f"lcformer: incomplete: input that could not be read (listed above) is not in "
              f"{out} (a star with other files read is classified without it): {what}; fix "
              f"them and rerun", file=sys.stderr)
        return EXIT_NOTHING
    return 0


def _say_of_unmatched_class_names(args: argparse.Namespace, reading: ReadConfig,
                                  report: DropReport, labelled: bool) -> None:
    """Warn of the --class-names given here that renamed no input label (a typo, another
    case); the run's own renaming need not match a new survey's labels, and is not said,
    nor a renaming of an input without labels (``labelled``: it has some)."""
    from lcformer.data.reading.class_names import unmatched_class_names

    if labelled and "class_names" in given(args, ReadConfig):
        said = unmatched_class_names(reading.class_map, report, set())
        if said is not None:
            warnings.warn(f"{args.input}: {said}", LcformerWarning, stacklevel=2)


def _unclassified_lines(unclassified: typing.Any, where: str) -> None:
    """How many stars could not be classified, where they are listed, and why, by reason
    (``unclassified``: a predictions' table of them, with its ``reason`` column)."""
    n = len(unclassified)
    print(f"{n:,} star{'s' if n != 1 else ''} could not be classified {where}")
    for reason, count in unclassified["reason"].value_counts().items():
        print(f"  {count:>6,}  {reason}")


def predict_partitioned(args: argparse.Namespace, partitions: list[Path],
                        options: dict[str, object]) -> int:
    """``lcformer predict RUN FOLDER``: one output partition per input partition; one
    command at a time in the --out folder, to its last line (its _problems.txt)."""
    from lcformer import atomic
    from lcformer.evaluation.output_files import TABLE_FORMATS

    out = Path(args.out or "predictions")
    if out.suffix.lower() in TABLE_FORMATS:  # (refused before the lock makes its folder)
        raise ConfigError(f"{out}: {args.input} is a folder of Parquet partitions, so the "
                          f"predictions are a folder of partitions: give --out a folder")
    with atomic.one_writer(out, "predictions"):
        return _predict_partitioned(args, partitions, options)


def _predict_partitioned(args: argparse.Namespace, partitions: list[Path],
                         options: dict[str, object]) -> int:
    from lcformer.data.splits import UNTRAINED
    from lcformer.evaluation.flags import format_flags, trained_on_copies
    from lcformer.evaluation.new_star_reading import warn_of_older_readers
    from lcformer.evaluation.scoring import run_test_ids, score_labels
    from lcformer.evaluation.streaming import predict_partitions
    from lcformer.training.run_folder import load_model

    out = Path(args.out or "predictions")
    model, metadata = load_model(args.model_dir, args.checkpoint)
    reading = run_reading(args, metadata)[0]
    summary = predict_partitions(model, metadata, partitions, out,
                                 reading=reading, root=args.input,
                                 progress=not args.quiet, **options)  # type: ignore[arg-type]
    warn_of_older_readers(metadata, summary.report)
    _say_of_unmatched_class_names(args, reading, summary.report,
                                  len(summary.labelled_stars()) > 0)
    done = summary.partitions - len(summary.failed)
    head = (f"classified {summary.classified:,} of {summary.stars:,} stars in {done:,} of "
            f"{summary.partitions:,} partitions" if not summary.failed else  # (failed: not
            f"classified {summary.classified:,} of the {summary.stars:,} stars in the "
            f"{done:,} of {summary.partitions:,} partitions usable")  # counted, and said so)
    print(f"{head} -> {out}/"
          + (f" ({summary.skipped:,} done by an earlier run)" if summary.skipped else "")
          + (f" ({summary.redone:,} predicted again: input changed)" if summary.redone
             else ""))
    if summary.stars_now:
        print(f"this run: {summary.stars_now:,} stars in {summary.seconds:,.1f} s "
              f"({summary.stars_per_second:,.1f} stars/s)")
    if summary.reasons:
        n = sum(summary.reasons.values())
        print(f"{n:,} star{'s' if n != 1 else ''} could not be classified (predicted is empty, "
              f"the reason column says why):")
        for reason, n in summary.reasons.most_common():
            print(f"  {n:>6,}  {reason}")
    flagged = format_flags(summary.flags, summary.classified, trained_on_copies(metadata),
                           summary.report.events, summary.further)
    if flagged:
        print(flagged)
    # Of every partition done, this run's and earlier ones' (read back): the labelled stars'
    # rows of the outputs, scored as one table's are.
    scores = score_labels(summary.labelled_stars(), list(metadata["classes"]),
                          run_test_ids(args.model_dir, args.input, metadata, args.data_dir),
                          source="the input's labels" if not summary.failed else
                          f"the labels of the {done:,} of {summary.partitions:,} partitions "
                          f"usable", unlabelled=summary.unlabelled,
                          untrained=metadata.get(UNTRAINED) or ())
    if scores:
        print(scores)
    print(summary.report.format(saved=summary.report.save_problems(out / "_problems.txt")))
    if summary.failed:
        print(f"lcformer: incomplete: {len(summary.failed):,} partition(s) could not be read, "
              f"e.g. {summary.failed[0]}; rerun to predict them once fixed", file=sys.stderr)
        return EXIT_NOTHING
    if summary.classified == 0:
        print(f"lcformer: nothing produced: classified 0 of {summary.stars:,} stars",
              file=sys.stderr)
        return EXIT_NOTHING
    return 0
