"""The Python API's cost a call against its cost a star: a service that classifies stars as
their points arrive (an alert broker) calls ``Classifier.predict_proba`` with one star, or a
few, at a time.

The default model (trained here for one epoch on 90 synthetic stars, or ``--run`` a saved
Classifier) classifies the same ``--stars`` new synthetic stars in calls of 1, 10 and all of
them, interleaved round by round, best of ``--repeats``, one torch thread, CPU time and wall
clock. The reference is the call of all the stars: each row's "x the batch" is its cost a star
over the batch's.

    python benchmarks/api_latency.py [--stars 100] [--repeats 3] [--run CLASSIFIER_DIR]
"""

from __future__ import annotations

import argparse
import time
import warnings

import torch
from machine import load_line, network_weight_text  # benchmarks/machine.py

from lcformer import Classifier, LcformerWarning, SyntheticConfig, make_synthetic
from lcformer.training.config import TrainConfig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stars", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--run", help="a saved Classifier's folder (default: train one here)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore", LcformerWarning)  # a service's choice (docs/api.md)
    machine = load_line()
    if args.run:
        clf = Classifier.load(args.run)
    else:
        clf = Classifier(train=TrainConfig(epochs=1, device="cpu"))
        with warnings.catch_warnings():  # the research training budget, said once
            warnings.simplefilter("ignore")
            clf.fit(make_synthetic(SyntheticConfig(n_per_class=30, num=250)))
    frame = make_synthetic(SyntheticConfig(n_per_class=-(-args.stars // 3), num=250,
                                           seed=7)).to_frame().drop(columns="class")
    ids = frame["id"].unique()[:args.stars]
    frame = frame[frame["id"].isin(ids)]
    stars = [group for _, group in frame.groupby("id", sort=False)]
    sizes = [1, 10, len(stars)]
    calls = {size: [frame[frame["id"].isin(ids[i:i + size])]
                    for i in range(0, len(ids), size)] for size in sizes}
    best = {size: (float("inf"), float("inf")) for size in sizes}
    clf.predict_proba(stars[0])  # warm-up: imports, first plans
    for round_ in range(args.repeats):
        for size in sizes[round_ % 3:] + sizes[:round_ % 3]:
            cpu, wall = time.process_time(), time.perf_counter()
            for table in calls[size]:
                clf.predict_proba(table)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            best[size] = (min(best[size][0], cpu), min(best[size][1], wall))
    n = len(stars)
    print(f"# API latency: {n} synthetic stars, {network_weight_text(clf.model_)}; {machine}; "
          f"one torch thread; best of {args.repeats} interleaved rounds")
    print("| stars a call | ms a call (CPU) | ms a star (CPU) | x the batch (CPU) "
          "| ms a star (wall) | x the batch (wall) |")
    print("|--:|--:|--:|--:|--:|--:|")
    batch_cpu, batch_wall = (t / n for t in best[len(stars)])
    for size in sizes:
        cpu, wall = best[size]
        print(f"| {size} | {cpu / len(calls[size]) * 1e3:.1f} | {cpu / n * 1e3:.2f} | "
              f"{cpu / n / batch_cpu:.1f} | {wall / n * 1e3:.2f} | {wall / n / batch_wall:.1f} |")


if __name__ == "__main__":
    main()
