"""Preparing a training table in Parquet partitions: peak memory, against reading it whole.

Issue 11: "peak memory stays bounded for inputs larger than RAM (read by partition)". Writes
``--stars`` synthetic stars (``scale.py``'s generator: sinusoids, red noise and constant stars
of about ``--points`` points, a class each) as ``lightcurves.parquet/`` partitions of
``--per-partition`` stars plus ``labels.csv``, then prepares that folder for the default model
(star views, period search, features) twice, each in a fresh process:

* **partitioned**: one partition at a time (:mod:`lcformer.data.partitioned`), which is what
  ``lcformer prepare FOLDER`` does with a partitioned table;
* **whole** (the same-run reference): the partitions read into memory at once and prepared
  with :func:`lcformer.data.prepared.prepare`, the path of a single-file table.

Reported: each one's peak resident memory (``getrusage`` of its process, imports included)
and time, their ratios, the partitioned run's peak after each partition (bounded memory: it
stops growing) and whether both prepared folders are the same, file for file (their
manifests, which hold every file's SHA-256, are compared).

    python benchmarks/prepare_partitions.py                    # 100,000 stars
    python benchmarks/prepare_partitions.py --stars 20000      # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import cpu_model  # benchmarks/machine.py
from scale import write_partition  # benchmarks/scale.py


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(mode: str, folder: Path, work: Path, jobs: int) -> None:
    """One preparation in this process; prints its numbers as JSON."""
    from lcformer.data.datasets import resolve
    from lcformer.data.prepared import prepare
    from lcformer.data.reading.sniff import read_dataset

    spec, folder = resolve(str(folder))
    config = spec.prepare_config(inputs="stars")
    peaks: list[float] = []
    began = time.perf_counter()
    if mode == "partitioned":
        from lcformer.data.partitioned import PartitionedTable, prepare_partitions
        from lcformer.data.reading.partitions import partition_files

        table = folder / "lightcurves.parquet"
        data, _ = prepare_partitions(
            spec.name, PartitionedTable(table, partition_files(table), folder / "labels.csv",
                                        config.reading),
            spec.fingerprint(folder), config, work,
            lambda r: read_dataset(spec, folder, r, config.reading), force=True, n_jobs=jobs,
            on_partition=lambda _: peaks.append(peak_rss_mb()))
    else:
        data, _ = prepare(spec.name, lambda r: read_dataset(spec, folder, r, config.reading),
                          spec.fingerprint(folder), config, work, force=True, n_jobs=jobs)
    seconds = time.perf_counter() - began
    print(json.dumps({"seconds": seconds, "peak_rss_mb": peak_rss_mb(), "peaks": peaks,
                      "path": str(data.path), "stars": len(data.stars),
                      "samples": len(data)}))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=100_000)
    parser.add_argument("--points", type=int, default=100, help="mean points per star")
    parser.add_argument("--per-partition", type=int, default=5_000)
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes of the star views (above 1, their memory is not in "
                             "the reported peaks)")
    parser.add_argument("--json", help="also write the numbers here")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "FOLDER", "WORK"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), Path(args.child[2]), args.jobs)
        return 0
    root = Path(tempfile.mkdtemp(prefix="lcformer-prepare-partitions-"))
    try:
        return run(args, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def run(args: argparse.Namespace, root: Path) -> int:
    folder = root / "survey"
    parts = folder / "lightcurves.parquet"
    parts.mkdir(parents=True)
    rng = np.random.default_rng(0)
    n_points = 0
    for i, first in enumerate(range(0, args.stars, args.per_partition)):
        count = min(args.per_partition, args.stars - first)
        n_points += write_partition(parts / f"part.{i:05d}.parquet", first, count,
                                    args.points, rng)
    ids = np.char.add("star", np.char.zfill(np.arange(args.stars).astype(str), 8))
    pd.DataFrame({"id": ids, "class": np.array(["a", "b", "c"])[np.arange(args.stars) % 3]}
                 ).to_csv(folder / "labels.csv", index=False)
    size_gb = sum(p.stat().st_size for p in parts.iterdir()) / 1e9
    load = os.getloadavg()[0]

    results = {}
    for mode in ("partitioned", "whole"):
        out = subprocess.run([sys.executable, __file__, "--jobs", str(args.jobs), "--child",
                              mode, str(folder), str(root / f"work-{mode}")],
                             check=True, capture_output=True, text=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
    part, whole = results["partitioned"], results["whole"]
    same = (json.loads((Path(part["path"]) / "manifest.json").read_text())
            == json.loads((Path(whole["path"]) / "manifest.json").read_text()))
    peaks = part["peaks"]
    half = peaks[len(peaks) // 2:]
    growth = (half[-1] - half[0]) / (len(half) - 1) if len(half) > 1 else 0.0
    n_parts = len(peaks)
    print(f"# prepare from Parquet partitions: {args.stars:,} stars, {n_points:,} points in "
          f"{n_parts} partitions ({size_gb:.2f} GB of Parquet), default model's inputs (star "
          f"views, period search, features), {args.jobs} job(s); {cpu_model()}, "
          f"{os.cpu_count()} logical CPUs, load average {load:.2f} at the start"
          + ("" if args.jobs == 1 else "; peak RSS is each run's main process: the memory "
                                       "of its worker processes is not counted"))
    print("| | partitioned | whole table in memory (reference) | partitioned ÷ whole |")
    print("|---|--:|--:|--:|")
    print(f"| peak RSS | {part['peak_rss_mb']:,.0f} MB | {whole['peak_rss_mb']:,.0f} MB | "
          f"{part['peak_rss_mb'] / whole['peak_rss_mb']:.2f}x |")
    print(f"| time | {part['seconds']:,.1f} s | {whole['seconds']:,.1f} s | "
          f"{part['seconds'] / whole['seconds']:.2f}x |")
    print(f"| stars/s | {args.stars / part['seconds']:,.1f} | "
          f"{args.stars / whole['seconds']:,.1f} | - |")
    print(f"\npartitioned peak RSS after partition 1 / {n_parts // 2} / {n_parts}: "
          f"{peaks[0]:,.0f} / {peaks[n_parts // 2 - 1]:,.0f} / {peaks[-1]:,.0f} MB; growth per "
          f"partition over the second half {growth:,.1f} MB")
    print(f"prepared folders identical (every file's SHA-256): {'yes' if same else 'NO'}; "
          f"{part['stars']:,} stars, {part['samples']:,} samples")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "stars": args.stars, "points": n_points, "partitions": n_parts,
            "parquet_gb": size_gb, "jobs": args.jobs, "machine": cpu_model(),
            "load_average_start": load, "partitioned": part, "whole": whole,
            "identical": same, "growth_mb_per_partition": growth}, indent=2) + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
