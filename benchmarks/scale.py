"""Survey scale: predict 1,000,000 synthetic stars from Parquet partitions in bounded memory.

Writes ``--stars`` synthetic stars of about ``--points`` observations each (uniform 80-120%
of it) into Parquet partitions of ``--per-partition`` stars (long tables ``id, band, time,
mag, err``, one star's rows in one partition), generated with whole-array NumPy; then
predicts them with the streaming path of ``lcformer predict RUN FOLDER``
(:func:`lcformer.evaluation.streaming.predict_partitions`) and reports:

* stars/s of the streaming prediction, and, as the same-run reference, of the in-memory path
  (``predict_stars`` on one partition read whole): their ratio is what streaming costs;
* the peak resident memory of the process (``getrusage``: everything, generation, training
  the model and torch included) and its resident memory after each partition (``VmRSS``;
  the peak alone would not move while streaming stays under what training took): bounded
  memory means it stops growing. The growth is the least-squares slope, in bytes a star, of
  the resident memory against the stars done, over the second half of the partitions (two
  end points alone let noise of a few MB, multiplied by the ~2,000 partitions to a million
  stars at small sizes, come near the bar); the peak is extrapolated with it to 1,000,000
  stars, and with fewer than 4 partitions in that half no extrapolation is given. With
  ``--jobs`` above 1 the
  star views are made in worker processes whose memory is not counted. The issue's bar is
  2 GB at 1,000,000 stars. The reference runs after the streaming, so it does not count in
  the peak.

Stars: a third sinusoids (periods log-uniform 0.1-100 d, amplitudes 0.05-1 mag), a third red
noise (a random walk), a third constant plus noise; errors 0.01-0.05 mag; times uniform over
300-3,000 days. The model is the default one (``periodic``, emb 64), trained for one epoch
on 90 synthetic stars here (its accuracy is not the point), or ``--run RUN_DIR``. The header
prints its network weight: one epoch leaves it at 0, where the model skips its network and
only the trees (and the star views with their period search) are timed.

    python benchmarks/scale.py                         # 1,000,000 stars (about an hour)
    python benchmarks/scale.py --stars 20000           # a quick check
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import torch
from machine import (
    cpu_model,
    load_average,
    load_line,
    network_weight,
    network_weight_text,
    small_model,
)

from lcformer.data.reading import read_long_table
from lcformer.data.reading.partitions import partition_paths
from lcformer.data.report import DropReport
from lcformer.evaluation.predict import predict_stars
from lcformer.evaluation.streaming import predict_partitions
from lcformer.workers import shared_workers


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """Resident memory of this process now (Linux ``/proc``; the peak elsewhere)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return peak_rss_mb()


#: Fewest partitions in the second half for a slope to extrapolate from.
MIN_SLOPE_PARTITIONS = 4


def growth_per_star(stars_done: list[int], rss: list[float]) -> tuple[float, float] | None:
    """Least-squares slope of the resident memory (MB) against the stars done, in bytes a
    star, over the second half of the partitions, and its standard error; None with fewer
    than :data:`MIN_SLOPE_PARTITIONS` there (too few points to tell growth from noise)."""
    half = len(rss) // 2
    x, y = np.asarray(stars_done[half:], float), np.asarray(rss[half:], float)
    if len(x) < MIN_SLOPE_PARTITIONS or np.ptp(x) == 0:
        return None
    fit = np.polynomial.Polynomial.fit(x, y * 2**20, 1).convert()
    residuals = y * 2**20 - fit(x)
    error = np.sqrt(residuals @ residuals / (len(x) - 2) / ((x - x.mean()) @ (x - x.mean())))
    return float(fit.coef[1]), float(error)


#: The generator's kinds of star, by its ``kind`` codes: the small model's classes.
KINDS = np.array(["sinusoid", "red_noise", "constant"])


def write_partition(path: Path, first_star: int, n_stars: int, points: int,
                    rng: np.random.Generator) -> int:
    """``n_stars`` stars as one Parquet long table; the number of points."""
    table, _ = star_table(first_star, n_stars, points, rng)
    pq.write_table(table, path)
    return table.num_rows


def star_table(first_star: int, n_stars: int, points: int, rng: np.random.Generator
               ) -> tuple[pa.Table, np.ndarray]:
    """``n_stars`` stars as a long table, built without a loop over stars, and each star's
    kind (0 sinusoid, 1 red noise, 2 constant)."""
    n = rng.integers(int(points * 0.8), int(points * 1.2) + 1, n_stars)
    star = np.repeat(np.arange(n_stars), n)
    span = rng.uniform(300, 3000, n_stars)
    t = np.sort(rng.uniform(0, 1, star.size) + star) - star  # sorted within each star
    t = 2450000.0 + t * span[star]
    kind = rng.integers(0, 3, n_stars)  # 0 sinusoid, 1 red noise, 2 constant
    period = 10 ** rng.uniform(-1, 2, n_stars)
    amplitude = 10 ** rng.uniform(np.log10(0.05), 0, n_stars)
    phase = rng.uniform(0, 2 * np.pi, n_stars)
    signal = amplitude[star] * np.sin(2 * np.pi * t / period[star] + phase[star])
    walk = rng.normal(0, 0.05, star.size)
    starts = np.concatenate([[0], np.cumsum(n)[:-1]])
    walk = np.cumsum(walk) - np.repeat(np.cumsum(walk)[starts] - walk[starts], n)
    err_scale = 10 ** rng.uniform(np.log10(0.01), np.log10(0.05), n_stars)
    err = err_scale[star] * rng.uniform(0.75, 1.25, star.size)
    mag = (rng.uniform(10, 16, n_stars)[star] + np.select(
        [kind[star] == 0, kind[star] == 1], [signal, walk], 0.0) + err * rng.normal(
        size=star.size))
    ids = np.char.add("star", np.char.zfill((first_star + np.arange(n_stars)).astype(str), 8))
    table = pa.table({"id": pa.array(ids[star]), "band": pa.array(np.full(star.size, "V")),
                      "time": t, "mag": mag.astype(np.float32), "err": err.astype(np.float32)})
    return table, kind


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=1_000_000)
    parser.add_argument("--points", type=int, default=100, help="mean points per star")
    parser.add_argument("--per-partition", type=int, default=10_000,
                        help="stars per Parquet partition")
    parser.add_argument("--folder", help="where the partitions and predictions go (default: "
                                         "a temporary folder, removed at the end)")
    parser.add_argument("--run", help="a run folder to predict with (default: train a small "
                                      "default model here)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads (default: 1)")
    parser.add_argument("--jobs", type=int, default=1,
                        help="processes of the star views (period search); above 1, their "
                             "memory is not in the reported peak")
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    root = Path(args.folder) if args.folder else Path(tempfile.mkdtemp(prefix="lcformer-scale-"))
    inputs, outputs = root / "partitions", root / "predictions"
    if outputs.is_dir() and any(outputs.iterdir()):
        parser.error(f"{outputs} holds an earlier run's predictions, which would be skipped "
                     f"(nothing timed): remove that folder (the partitions can stay)")
    try:
        return run(args, inputs, outputs)
    finally:
        if not args.folder:
            shutil.rmtree(root, ignore_errors=True)


def run(args: argparse.Namespace, inputs: Path, outputs: Path) -> int:
    began = time.perf_counter()
    inputs.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    n_points, written = 0, 0
    for i, first in enumerate(range(0, args.stars, args.per_partition)):
        path = inputs / f"part.{i:05d}.parquet"
        count = min(args.per_partition, args.stars - first)
        if not path.exists():
            n_points += write_partition(path, first, count, args.points, rng)
            written += 1
    t_generate = time.perf_counter() - began
    paths = partition_paths(inputs)
    size_gb = sum(p.stat().st_size for p in paths) / 1e9
    machine = load_line()  # the load before this run's own work
    # Trained on stars of the same generator (not make_synthetic's, whose spans are shorter:
    # QA, every predicted star was flagged outside_training_range), with their own seed.
    training, kinds = star_table(0, 300, args.points, np.random.default_rng(1))
    model, metadata = small_model(args.run, training.to_pandas(), KINDS[kinds])
    rss_model = peak_rss_mb()

    peaks: list[float] = []
    now: list[float] = []
    done: list[int] = []  # stars done after each partition (they run in path order)

    def measure(_: object) -> None:
        peaks.append(peak_rss_mb())
        now.append(rss_mb())
        done.append(min(args.stars, len(done) * args.per_partition + args.per_partition))

    cpu_before = time.process_time()
    summary = predict_partitions(model, metadata, paths, outputs, device="cpu",
                                 n_jobs=args.jobs, progress=True, after_partition=measure)
    cpu_seconds = time.process_time() - cpu_before  # of this process: a shared machine
    load_after = load_average()                     # shows as CPU time well under the wall's
    rate = summary.stars_per_second
    peak = peak_rss_mb()  # before the reference below, which is not streaming
    # Growth of the resident memory over the second half, a fitted slope: ~0 when bounded.
    # Extrapolated only where it is above twice its standard error: a slope within the noise
    # of a few partitions, times a million stars, would be noise (QA: 1,359 MB "at 1,000,000"
    # from a peak flat over 9 of 10 partitions).
    fitted = growth_per_star(done, now)
    per_star, error = fitted if fitted is not None else (None, None)
    growth = None if per_star is None else per_star * args.per_partition / 2**20
    grows = per_star is not None and per_star > 2 * error
    at_1m = (None if per_star is None else
             peak + (per_star if grows else 0.0) * max(0, 1_000_000 - summary.stars) / 2**20)

    # Same-run reference: the in-memory path on the first partition, read whole, its
    # processes started beforehand, as the streaming path's are for all its partitions
    # (with --jobs 2 a pool started for 200 stars made the reference 8x slower).
    with shared_workers(args.jobs):
        warm = read_long_table(paths[0], report=DropReport())
        predict_stars(model, metadata, warm.select(np.arange(min(warm.n_curves, 4))),
                      device="cpu", n_jobs=args.jobs)
        t0 = time.perf_counter()
        first = read_long_table(paths[0], report=DropReport())
        reference = predict_stars(model, metadata, first, device="cpu", n_jobs=args.jobs)
        t_reference = time.perf_counter() - t0
    reference_rate = first.n_stars / t_reference
    result = {
        "machine": cpu_model(), "torch_threads": args.threads, "period_jobs": args.jobs,
        "stars": summary.stars, "partitions": len(paths), "points_written": n_points,
        "partitions_written_now": written, "input_gb": round(size_gb, 3),
        "generate_seconds": round(t_generate, 1),
        "predict_seconds": round(summary.seconds, 1),
        "stars_per_second": round(rate, 1),
        "reference_stars_per_second": round(reference_rate, 1),
        "streaming_over_reference": round(rate / reference_rate, 3),
        "peak_rss_mb_after_model": round(rss_model, 1),
        "peak_rss_mb_after_first_partition": round(peaks[0], 1) if peaks else None,
        "peak_rss_mb": round(peak, 1), "under_2gb": peak < 2048,
        "peak_rss_mb_per_partition": [round(p, 1) for p in peaks],
        "rss_mb_per_partition": [round(p, 1) for p in now],
        "stars_done_per_partition": done,
        "rss_growth_bytes_per_star": None if per_star is None else round(per_star, 2),
        "rss_growth_standard_error": None if error is None else round(error, 2),
        "rss_growth_above_noise": grows,
        "cpu_seconds": round(cpu_seconds, 1), "load_average_at_end": round(load_after, 2),
        "rss_growth_mb_per_partition": None if growth is None else round(growth, 2),
        "memory_of_worker_processes_counted": args.jobs == 1,
        "peak_rss_mb_extrapolated_to_1m_stars": None if at_1m is None else round(at_1m, 1),
        "network_weight": network_weight(model),
        "classified": summary.classified, "flags": dict(summary.flags),
        "reference_classified": len(reference.table),
        "hours_for_1m_stars": round(1_000_000 / rate / 3600, 2),
    }
    print(f"# scale benchmark: {summary.stars:,} stars in {len(paths)} partitions "
          f"({size_gb:.2f} GB); the default model, {network_weight_text(model)}; "
          f"{machine}, {args.threads} torch thread(s)")
    print("| measurement | value |\n|---|---|")
    workers = "" if args.jobs == 1 else "; this process only, not its worker processes"
    too_few = (f"not enough partitions to extrapolate ({len(now) - len(now) // 2} in the "
               f"second half, {MIN_SLOPE_PARTITIONS} needed)")
    rows = [
        ("generated now", f"{n_points:,} points in {written} partitions, {t_generate:.1f} s"),
        ("streaming predict", f"{summary.seconds:,.1f} s: **{rate:,.1f} stars/s**"),
        ("its CPU time (this process" + (", not its --jobs workers)" if args.jobs > 1 else ")"),
         f"{cpu_seconds:,.1f} s: {summary.stars / cpu_seconds:,.1f} stars a CPU-second; load "
         f"average {load_after:.2f} (1 min) at its end"),
        ("in-memory predict, first partition (reference)",
         f"{t_reference:.1f} s: {reference_rate:,.1f} stars/s"),
        ("streaming ÷ in-memory", f"{rate / reference_rate:.2f}x"),
        ("peak RSS after loading the model", f"{rss_model:,.0f} MB"),
        ("peak RSS after the first partition", f"{peaks[0]:,.0f} MB" if peaks else "-"),
        ("**peak RSS at the end**", f"**{peak:,.0f} MB** ({'under' if peak < 2048 else 'OVER'}"
                                    f" 2 GB{workers})"),
        ("resident memory growth, second half (least-squares slope)",
         too_few if per_star is None else
         f"{per_star:,.1f} ± {error:,.1f} bytes a star ({growth:,.2f} MB per partition)"
         f"{'' if grows else ': within twice its standard error, no growth told from noise'}"),
        ("peak extrapolated to 1,000,000 stars", too_few if at_1m is None else
         f"{at_1m:,.0f} MB{'' if grows else ' (the peak: no growth above the noise)'}"),
        ("classified", f"{summary.classified:,} of {summary.stars:,}; flags "
                       f"{dict(summary.flags)}"),
        ("1,000,000 stars at this rate", f"{1_000_000 / rate / 3600:.2f} h"),
    ]
    for name, value in rows:
        print(f"| {name} | {value} |")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0 if peak < 2048 and summary.classified else 1


if __name__ == "__main__":
    sys.exit(main())
