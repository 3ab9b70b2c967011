"""Parallel preparation: stars/s of ``prepare`` with 1 process and with ``--jobs`` processes.

What is timed is the whole preparation of star views (the periodic model's inputs) into a
new cache folder: clean -> period search -> star views (-> light-curve features with
``--features``) -> write, i.e. ``lcformer.data.prepared.prepare(..., n_jobs=J, force=True)``
on curves already read (reading is the same for every J). The J-process runs include starting
the processes. Runs alternate (1, J, 1, J, ...) and each setting keeps its best; the report is
stars/s of each and the ratio J-process / 1-process. The two prepared folders are checked to
be identical, file by file.

    python benchmarks/prepare_jobs.py                        # 4,000 synthetic stars
    python benchmarks/prepare_jobs.py --data-dir ../shared/data --stars 4000   # ASAS ACVS
    python benchmarks/prepare_jobs.py --jobs 2 --features --json out.json

On a shared machine the ratio moves with the other load; the header shows the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from machine import cpu_model  # benchmarks/machine.py

from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.reading import read_long_table
from lcformer.data.synthetic import SyntheticConfig, make_synthetic


def stars(args: argparse.Namespace) -> tuple[str, LightCurves]:
    root = args.data_dir or os.environ.get("LCFORMER_DATA_DIR")
    if root:
        folder = Path(root) / "asas_acvs"
        lcs = read_long_table(folder / "lightcurves.parquet", folder / "labels.csv")
        ids = np.unique(lcs.ids)
        pick = np.random.default_rng(0).choice(ids, size=min(args.stars, len(ids)),
                                               replace=False)
        return "ASAS ACVS", lcs.select(np.isin(lcs.ids, pick))
    return "synthetic", make_synthetic(SyntheticConfig(n_per_class=max(args.stars // 3, 1)))


def same_folders(a: Path, b: Path) -> bool:
    names = sorted(p.name for p in a.iterdir())
    return names == sorted(p.name for p in b.iterdir()) and all(
        (a / n).read_bytes() == (b / n).read_bytes() for n in names)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder holding asas_acvs/ (default: "
                                           "$LCFORMER_DATA_DIR, else synthetic stars)")
    parser.add_argument("--stars", type=int, default=4000)
    parser.add_argument("--jobs", type=int, default=2, help="processes compared with 1")
    parser.add_argument("--features", action="store_true",
                        help="also the light-curve features of every star")
    parser.add_argument("--repeats", type=int, default=2, help="best of this many each")
    parser.add_argument("--json", help="also write the measurements here")
    args = parser.parse_args(argv)
    if args.jobs < 2:  # before loading any data: nothing to compare 1 process with
        parser.error("--jobs must be 2 or more (it is compared with --jobs 1)")

    name, lcs = stars(args)
    config = PrepareConfig(inputs="stars", features=args.features)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# prepare --jobs benchmark: {lcs.n_stars:,} {name} stars, {lcs.n_points:,} "
          f"points, star views{' + features' if args.features else ''}")
    print(f"{cpu_model()}, {cpus} CPUs available, load average "
          f"{', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")

    best = {1: np.inf, args.jobs: np.inf}
    with tempfile.TemporaryDirectory() as tmp:
        for repeat in range(args.repeats):
            for jobs in best:
                began = time.perf_counter()
                prepare(name, lambda report: lcs, "benchmark", config,
                        Path(tmp) / f"jobs{jobs}-{repeat}", force=True, n_jobs=jobs)
                best[jobs] = min(best[jobs], time.perf_counter() - began)
        a, b = (next((Path(tmp) / f"jobs{j}-0").iterdir()) for j in best)
        identical = same_folders(a, b)

    rates = {jobs: lcs.n_stars / seconds for jobs, seconds in best.items()}
    ratio = rates[args.jobs] / rates[1]
    print("| processes | seconds | stars/s |")
    print("|---:|---:|---:|")
    for jobs, seconds in best.items():
        print(f"| {jobs} | {seconds:.2f} | {rates[jobs]:,.0f} |")
    print(f"\n**{args.jobs} processes / 1: {ratio:.2f}x** the stars/s; prepared folders "
          f"{'identical' if identical else 'DIFFERENT'} (every file byte for byte)")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "stars": lcs.n_stars, "points": lcs.n_points, "data": name,
            "features": args.features, "cpus": cpus, "seconds": best,
            "stars_per_second": rates, "ratio": ratio, "identical": identical}, indent=2))
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
