"""The size of the default model's random forest as the training set grows: trees grown to
single stars (scikit-learn's default, ``min_samples_leaf=1``) against leaves of
``forest_leaf(n)`` stars (``lcformer.models.forest``), the rule the default model uses.

A forest's tensors are part of every checkpoint and are loaded by every ``predict``, so their
bytes are what a survey-sized training set costs. For each number of training stars this fits
both forests on the same synthetic per-star values (53 columns, as ASAS star views have, and
a class given by a random linear rule on ten of them, with a share of the labels replaced by
random ones), and reports nodes per tree, the forest's bytes, fitting time, prediction time of
the tensor forest and accuracy on the same held-out stars. With ``--trees`` below the
default model's 500 the bytes scale by 500 / trees (they are printed for 500 too).

    python benchmarks/forest_size.py [--stars 10000,40000,100000] [--trees 50] [--noise 0.2]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import torch
from machine import cpu_model  # benchmarks/machine.py
from sklearn.ensemble import RandomForestClassifier

from lcformer.models.forest import TreeForest, filled, forest_leaf, training_fill

DEFAULT_TREES = 500  # the default model's forest (periodic's --forest)


def data(n: int, classes: int, noise: float, rng: np.random.Generator
         ) -> tuple[np.ndarray, np.ndarray]:
    """Per-star values and labels: a random linear rule on ten columns, ``noise`` of the
    labels replaced by random classes (survey labels are never clean)."""
    x = rng.normal(size=(n, 53)).astype(np.float32)
    weights = np.random.default_rng(12345).normal(size=(10, classes))  # the same rule always
    y = np.argmax(x[:, :10] @ weights, axis=1)
    flip = rng.random(n) < noise
    y[flip] = rng.integers(0, classes, int(flip.sum()))
    return x, y


def forest_bytes(model: TreeForest) -> int:
    return sum(b.numel() * b.element_size() for b in model.buffers())


def measure(x: np.ndarray, y: np.ndarray, test: tuple[np.ndarray, np.ndarray], classes: int,
            trees: int, leaf: int) -> dict[str, float]:
    began = time.process_time()
    fill = training_fill(x)
    forest = RandomForestClassifier(n_estimators=trees, class_weight="balanced_subsample",
                                    min_samples_leaf=leaf, random_state=0, n_jobs=1)
    forest.fit(filled(x, fill), y)
    model = TreeForest.from_sklearn(forest, fill, classes)
    fit = time.process_time() - began
    began = time.process_time()
    with torch.inference_mode():
        predicted = model(torch.from_numpy(test[0])).argmax(1).numpy()
    predict = time.process_time() - began
    nodes = sum(e.tree_.node_count for e in forest.estimators_) / trees
    return {"leaf": leaf, "nodes_per_tree": nodes, "stars_per_node": len(y) / nodes,
            "bytes": forest_bytes(model), "depth": int(model.depth), "fit_s": fit,
            "predict_stars_per_s": len(test[1]) / predict,
            "accuracy": float(np.mean(predicted == test[1]))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stars", default="10000,40000,100000",
                        help="training stars, comma-separated")
    parser.add_argument("--trees", type=int, default=50)
    parser.add_argument("--classes", type=int, default=10)
    parser.add_argument("--noise", type=float, default=0.2, help="share of random labels")
    parser.add_argument("--test-stars", type=int, default=20000)
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    test = data(args.test_stars, args.classes, args.noise, rng)
    print(f"# forest size: {args.trees} trees (bytes also scaled to {DEFAULT_TREES}), "
          f"{args.classes} classes, {args.noise:.0%} random labels, {args.test_stars:,} "
          f"held-out stars; {cpu_model()}, {os.cpu_count()} logical CPUs, load average "
          f"{os.getloadavg()[0]:.2f}; one thread", flush=True)
    rows = []
    print("\n| training stars | min_samples_leaf | nodes per tree | training stars per node "
          f"| depth | MB ({args.trees} trees) | MB ({DEFAULT_TREES} trees) | fit s (CPU) "
          "| predict stars/s | held-out accuracy |")
    print("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
    for n in (int(s) for s in args.stars.split(",")):
        x, y = data(n, args.classes, args.noise, rng)
        for leaf in sorted({1, forest_leaf(n)}):
            r = measure(x, y, test, args.classes, args.trees, leaf) | {"stars": n}
            rows.append(r)
            print(f"| {n:,} | {leaf}{' (forest_leaf)' if leaf == forest_leaf(n) else ''} | "
                  f"{r['nodes_per_tree']:,.0f} | {r['stars_per_node']:.2f} | {r['depth']} | "
                  f"{r['bytes'] / 1e6:,.1f} | {r['bytes'] * DEFAULT_TREES / args.trees / 1e6:,.0f}"
                  f" | {r['fit_s']:.1f} | {r['predict_stars_per_s']:,.0f} | "
                  f"{r['accuracy']:.3f} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.2f} at the end", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"cpu": cpu_model(), "trees": args.trees,
                                         "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
