"""What the ``outside_training_range`` flag says of a survey as deep as the training one but
noisier: the test stars of a dataset are copied with every point's error multiplied by k and
noise added to match (``mag + N(0, err * sqrt(k**2 - 1))``), a run trained on that dataset
predicts each copy, and for each k the script prints the stars flagged
``outside_training_range`` with the checkpoint's median-error check and without it (its
``training_errors`` left out, as a model trained before it), with macro-F1 over every star and
over the unflagged ones. Not a speed benchmark: it measures a flag's reach.

    python benchmarks/noisier_survey.py --run RUN --data-dir ../shared/data
        [--dataset eros1] [--factors 1,1.5,2,3] [--seed 0]

RUN: ``lcformer train eros1 --data-dir ../shared/data --run-dir RUN`` (about 4 minutes on one
thread). The dataset must be a long table (``lightcurves.parquet``) whose ``labels.csv`` has
a ``split`` column: its ``test`` stars are copied.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
from machine import load_line  # benchmarks/machine.py
from sklearn.metrics import f1_score

from lcformer.data.reading.tables import read_long_table
from lcformer.evaluation.predict import predict_stars
from lcformer.training.run_folder import load_model

FLAG = "outside_training_range"


def noisier(points: pd.DataFrame, k: float, rng: np.random.Generator) -> pd.DataFrame:
    """The points with errors k times larger and the noise to match."""
    err = points["err"].to_numpy(dtype=np.float64)
    extra = rng.normal(size=len(points)) * err * np.sqrt(k * k - 1)
    return points.assign(mag=(points["mag"] + extra).astype(points["mag"].dtype),
                         err=(err * k).astype(points["err"].dtype))


def score(truth: np.ndarray, table: pd.DataFrame, rows: np.ndarray) -> float:
    """Macro-F1 of ``table``'s predictions on ``rows``."""
    return float(f1_score(truth[rows], table["predicted"].to_numpy()[rows], average="macro"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--dataset", default="eros1")
    parser.add_argument("--factors", default="1,1.5,2,3")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    folder = args.data_dir / args.dataset
    labels = pd.read_csv(folder / "labels.csv", dtype=str)
    if "split" not in labels:
        raise SystemExit(f"{folder / 'labels.csv'}: no split column to take test stars from")
    test = labels[labels["split"].str.strip().str.lower() == "test"].set_index("id")["class"]
    points = pd.read_parquet(folder / "lightcurves.parquet")
    points = points[points["id"].astype(str).isin(test.index)]
    model, metadata = load_model(args.run)
    if "training_errors" not in metadata:
        raise SystemExit(f"{args.run}: a checkpoint without training_errors (trained before "
                         f"the median-error check): train it again")
    before = {k: v for k, v in metadata.items() if k != "training_errors"}
    print(f"# noisier copies of {args.dataset}'s {len(test):,} test stars, run {args.run}: "
          f"{load_line()}")
    print("| errors x | flagged (error check) | flagged (without) | macro-F1 all | "
          "macro-F1 unflagged (error check) | macro-F1 unflagged (without) |")
    print("|--:|--:|--:|--:|--:|--:|")
    for k in (float(f) for f in args.factors.split(",")):  # each k its own draws
        rng = np.random.default_rng([args.seed, round(1000 * k)])
        lcs = read_long_table(noisier(points, k, rng))
        tables = [predict_stars(model, m, lcs, device="cpu").table for m in (metadata, before)]
        truth = test.reindex(tables[0]["id"].astype(str)).to_numpy()

        every = np.ones(len(truth), bool)
        unflagged = [(t["flag"] != FLAG).to_numpy() for t in tables]
        print(f"| {k:g} | {int((~unflagged[0]).sum()):,} of {len(truth):,} | "
              f"{int((~unflagged[1]).sum()):,} | {score(truth, tables[0], every):.3f} | "
              f"{score(truth, tables[0], unflagged[0]):.3f} | "
              f"{score(truth, tables[1], unflagged[1]):.3f} |",
              flush=True)


if __name__ == "__main__":
    main()
