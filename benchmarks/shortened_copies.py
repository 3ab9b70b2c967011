"""What `--shortened-copies` buys and costs: the default's trees with and without shortened
copies of their training stars, on the test stars whole and cut short.

A model is often trained on one survey's long curves and applied to stars seen for less time
(a newer survey, an early data release). This script takes a dataset's star views as the
default model prepares them (the `trees` row of docs/results.md), its split, and fits the
default's trees (a forest of 500 and 100 boosting iterations) on the training stars' per-star
values, alone and with ``--copies`` shortened copies of each training star
(:mod:`lcformer.data.augment`). Both are scored (star-level macro-F1) on the test stars as
they are, and on the test stars cut to one window of ``--cut`` of their span
(:func:`~lcformer.data.augment.shortened_copies` with a fixed share, all points in it kept).
Each ``--seeds`` value draws other copies and other cuts.

It fits the trees alone, without the network: the default's network weight was 0 in every
run of docs/results.md, so these are the scores its default model gives there.

    python benchmarks/shortened_copies.py eros1 --data-dir ../shared/data
    python benchmarks/shortened_copies.py asas_richards2012 --split kfold:5:0
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import torch
from machine import load_line  # benchmarks/machine.py

from lcformer.data.augment import shortened_samples
from lcformer.data.datasets import resolve
from lcformer.data.prepared import PreparedDataset
from lcformer.data.splits import SampleSet, assign_splits, sample_sets
from lcformer.evaluation.metrics import classification_metrics
from lcformer.experiments.ablation import STEPS, step_data
from lcformer.models import model_from_config
from lcformer.training.config import RunConfig
from lcformer.training.fitting import fit_trees


def star_rows(samples: SampleSet) -> tuple[np.ndarray, np.ndarray]:
    """One row of per-star values and the class of each star (its chunks share them)."""
    first = np.unique(samples.star, return_index=True)[1]
    return np.asarray(samples.extra)[first], samples.labels[first]


def macro_f1(fused: torch.nn.Module, extra: np.ndarray, labels: np.ndarray,
             classes: list[str]) -> float:
    with torch.no_grad():
        p = fused.trees(torch.as_tensor(extra, dtype=torch.float32)).numpy()
    return classification_metrics(labels, p.argmax(1), classes).macro_f1


def evaluate(data: PreparedDataset, split: str, args: argparse.Namespace) -> list[dict]:
    """One row per seed: the trees without and with copies, on whole and cut test stars."""
    sets = sample_sets(data, assign_splits(data, split, 0), None, 0)
    train, test = star_rows(sets["train"]), star_rows(sets["test"])
    config = RunConfig.for_model("periodic").model.for_data(
        len(data.classes), data.tokens.shape[2], data.tokens.shape[1], data.window_extra.shape[1])
    network = model_from_config(config.network_only)  # untrained: its weight is 0 here
    plain = fit_trees(network, *train, config, seed=0)
    rows = []
    for seed in (int(s) for s in args.seeds.split(",")):
        began = time.perf_counter()
        copies = star_rows(shortened_samples(data, sets["train"].star, args.copies,
                                             seed).samples)
        cut = star_rows(shortened_samples(data, sets["test"].star, 1, seed + 1000,
                                          span_kept=(args.cut, args.cut),
                                          points_kept=(1.0, 1.0)).samples)
        made = time.perf_counter() - began
        with_copies = fit_trees(network, np.vstack([train[0], copies[0]]),
                                np.concatenate([train[1], copies[1]]), config, seed=0,
                                n_stars=len(train[1]))  # as train does: copies are no stars
        row = {"split": split, "seed": seed, "train_stars": len(train[1]),
               "test_stars": len(test[1]), "copies": len(copies[1]),
               "cut_test_stars": len(cut[1]), "seconds_making_copies": round(made, 1)}
        for name, fused in (("without", plain), ("with", with_copies)):
            row[f"whole_{name}"] = macro_f1(fused, *test, data.classes)
            row[f"cut_{name}"] = macro_f1(fused, *cut, data.classes)
        rows.append(row)
        print(f"{split}, seed {seed} ({len(train[1])} training stars): whole test stars "
              f"({len(test[1])}) {row['whole_without']:.4f} -> {row['whole_with']:.4f} "
              f"({row['whole_with'] - row['whole_without']:+.4f}); cut to {args.cut:g} of "
              f"their span ({len(cut[1])}) {row['cut_without']:.4f} -> "
              f"{row['cut_with']:.4f} ({row['cut_with'] - row['cut_without']:+.4f}); "
              f"{len(copies[1])} copies made in {made:.0f} s", flush=True)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("dataset")
    parser.add_argument("--data-dir")
    parser.add_argument("--work-dir")
    parser.add_argument("--classes", help="comma-separated classes to keep (as `train`)")
    parser.add_argument("--split", default="auto", help="as `train --split` (default: auto)")
    parser.add_argument("--folds", type=int, help="every fold of kfold:K (instead of --split)")
    parser.add_argument("--copies", type=int, default=1)
    parser.add_argument("--cut", type=float, default=0.3, help="share of the test stars' "
                        "span kept in the cut test (default: 0.3)")
    parser.add_argument("--seeds", default="1,2", help="comma-separated seeds of the copies "
                        "and cuts (default: 1,2)")
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    step = next(s for s in STEPS if s.name == "trees")
    prepare = None
    if args.classes:
        base = resolve(args.dataset, args.data_dir)[0].prepare_config()
        prepare = base.replace(classes=tuple(args.classes.split(",")))
    data = step_data(args.dataset, step, args.data_dir, args.work_dir, False, prepare)
    splits = ([f"kfold:{args.folds}:{i}" for i in range(args.folds)] if args.folds
              else [args.split])
    print(f"# shortened copies: {data.name} ({len(data.classes)} classes), split "
          f"{', '.join(splits)}; the default's trees; {args.copies} copy(ies) a star; test "
          f"cut to {args.cut:g} of its span; {load_line()}, one thread", flush=True)
    rows = [row for split in splits for row in evaluate(data, split, args)]
    for column in ("whole", "cut"):
        before = np.mean([r[f"{column}_without"] for r in rows])
        after = np.mean([r[f"{column}_with"] for r in rows])
        better = sum(r[f"{column}_with"] > r[f"{column}_without"] for r in rows)
        worse = sum(r[f"{column}_with"] < r[f"{column}_without"] for r in rows)
        print(f"mean of {len(rows)}, {'whole test stars' if column == 'whole' else 'cut'}: "
              f"{before:.4f} -> {after:.4f} ({after - before:+.4f}; {better} better, "
              f"{worse} worse)")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(rows, handle, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
