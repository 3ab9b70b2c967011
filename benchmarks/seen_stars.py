"""Memory of the one state of a partitioned run that grows with the stars: ``SeenStars``.

``scale.py``'s peak memory rises slowly with the stars. This measures that check alone, in a
fresh process: ``--partitions`` partitions of ``--per-partition`` string ids go through
:class:`lcformer.data.reading.partitions.SeenStars`, and the peak resident memory (``getrusage``)
is reported after partitions 1, 10, half way and the last, with the growth in bytes a star
between them. It keeps 12 bytes a star (a 64-bit hash and a 32-bit partition number); each
insert briefly holds the old and the new arrays.

    python benchmarks/seen_stars.py [--partitions 100] [--per-partition 10000] [--json out.json]

A million ids take a few seconds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
from pathlib import Path

import numpy as np
from machine import load_line  # benchmarks/machine.py

from lcformer.data.reading.partitions import SeenStars


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--partitions", type=int, default=100)
    parser.add_argument("--per-partition", type=int, default=10_000)
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args()
    machine = load_line()
    print(f"# SeenStars memory: {machine}")
    n, size = args.partitions, args.per_partition
    marks = sorted({1, min(10, n), max(1, n // 2), n})
    seen = SeenStars()
    peaks = {0: peak_mb()}
    for p in range(n):
        first = p * size
        ids = np.char.add("star", np.arange(first, first + size).astype(str)).astype(object)
        seen.add(ids, Path(f"part-{p:05d}.parquet"))
        if p + 1 in marks:
            peaks[p + 1] = peak_mb()
    kept = (seen.hashes.nbytes + seen.owner.nbytes) / (n * size)
    print(f"{n * size:,} ids in {n} partitions of {size:,}; kept {kept:.1f} bytes a star")
    print("peak RSS: " + ", ".join(
        f"{'start' if k == 0 else f'after {k}'} {v:.1f} MB" for k, v in peaks.items()))
    growth = {}
    for a, b in itertools.pairwise(marks):
        grown = (peaks[b] - peaks[a]) * 2**20 / ((b - a) * size)
        growth[f"{a}->{b}"] = grown
        print(f"growth, partitions {a} -> {b}: {grown:.1f} bytes a star")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": machine, "partitions": n, "per_partition": size,
            "kept_bytes_per_star": kept, "peak_rss_mb_after_partition": peaks,
            "growth_bytes_per_star": growth}, indent=2) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
