"""Time data preparation (read, clean, tokens) against the row-by-row research method.

Part 1 (real data, ``asas_acvs``): read + clean + tokens of all stars, repeated; stars/s and
points/s; the memory of clean + tokens; then two references, each run in this same process on
a random subset of the same, already-read stars and compared as a rate (points/s), each with a
check that it gives the same tokens as the vectorised run:

* the readable reference, ``reference_tokens`` in ``tests/data/reference_tokens.py`` (one
  star, one window, one token at a time, with Python lists). Its ratio is the headline number;
* the research-style reference, :func:`research_style_tokens` below (re-stacks arrays per
  window, as the original code did), whose cost grows with the square of the number of
  windows. It runs on nested random subsets of N/2, N and 4N stars (N = ``--research-stars``)
  to show that growth, never on all stars, so its ratios are those of the subsets.

Finally ``make_windows`` with 1 vs 2 worker threads.
Part 2 (synthetic): clean + tokens of N and 10N generated stars (generation timed apart), to
show that the cost grows linearly.
Memory: ``tracemalloc`` peak of the clean + tokens stage (Python/NumPy allocations) next to
the input and output sizes, and the process's peak RSS (``ru_maxrss``, which only grows) at
named points of the run, so that the stage that raised it can be seen.

Usage::

    python benchmarks/prepare.py --data-dir ../shared/data [--reference-stars 1500] \
        [--research-stars 300] [--repeats 3] [--synthetic-stars 3000] [--json out.json]

The data folder may also come from ``LCFORMER_DATA_DIR``; without one only part 2 runs.
Timings on a shared machine are noisy: every ratio compares numbers taken in this run.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from machine import cpu_model  # benchmarks/machine.py

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository, for tests/
from lcformer.data.cleaning import clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading import read_long_table
from lcformer.data.report import DropReport
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig, Windows, make_windows
from tests.data.reference_tokens import reference_tokens

TARGET_RATIO = 100.0  # issue: vectorised at least 100x the row-by-row reference
LINEAR_SLACK = 1.3  # a 10x larger input may cost up to 13x and still count as linear (noise)
ATOL = 1e-4
MB = 1e6


# ---------------------------------------------------------------------- small helpers
def say(text: str = "") -> None:
    print(text, flush=True)


def fmt_rate(x: float) -> str:
    """Human rate: 12.3M, 456k, 789."""
    if x >= 1e6:
        return f"{x / 1e6:.2f}M"
    if x >= 1e3:
        return f"{x / 1e3:.1f}k"
    return f"{x:.0f}"


def summary(times: list[float]) -> dict[str, Any]:
    return {"best_s": min(times), "median_s": statistics.median(times), "all_s": times}


def rates(seconds: float, n_stars: int, n_points: int) -> dict[str, float]:
    return {"stars_per_s": n_stars / seconds, "points_per_s": n_points / seconds}


def machine() -> dict[str, Any]:
    model = cpu_model()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    return {
        "cpu": model,
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "platform": platform.platform(),
        "load_average_start": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
    }


def ru_maxrss_mb() -> float:
    """Peak resident memory of this process (ru_maxrss is KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / MB if sys.platform == "darwin" else peak * 1024 / MB


RSS_AT: dict[str, float] = {}  # ru_maxrss (MB) at named points of the run; it only grows


def checkpoint(name: str) -> float:
    """Record the process's peak RSS so far; later growth is due to what ran in between."""
    RSS_AT[name] = ru_maxrss_mb()
    return RSS_AT[name]


def windows_nbytes(w: Windows) -> int:
    return sum(getattr(w, f).nbytes for f in ("tokens", "mask", "curve"))


def curves_nbytes(lcs: LightCurves) -> int:
    return lcs.time.nbytes + lcs.mag.nbytes + lcs.err.nbytes + lcs.offsets.nbytes


def clean_and_tokens(lcs: LightCurves, config: TokenConfig,
                     workers: int) -> tuple[Windows, DropReport, float, float]:
    """The vectorised stage; returns windows, report and the two stage times."""
    report = DropReport()
    t0 = time.perf_counter()
    cleaned, report = clean(lcs, report=report)
    t1 = time.perf_counter()
    windows, report = make_windows(cleaned, config, report, workers=workers)
    t2 = time.perf_counter()
    return windows, report, t1 - t0, t2 - t1


def run_reference(lcs: LightCurves, idx: np.ndarray, config: TokenConfig) -> list[np.ndarray]:
    """The research method: a Python loop over stars, each through ``reference_tokens``."""
    out = []
    for k in idx:
        a, b = lcs.offsets[k], lcs.offsets[k + 1]
        out.append(reference_tokens(lcs.time[a:b], lcs.mag[a:b], config.window, config.stride,
                                    config.token_size, config.token_stride, config.scale_max))
    return out


def research_style_tokens(lcs: LightCurves, idx: np.ndarray, config: TokenConfig) -> np.ndarray:
    """Research-style (re-stacks arrays per window, as the original code did).

    research-system.md lists "row-by-row preprocessing that grows quadratically (arrays
    re-stacked per window)" among what the original lacked. This reproduces that way of
    building the arrays, not only the method: each star is cleaned, scaled and differenced
    with NumPy, its windows and tokens are cut out in Python loops, and every new window is
    appended to the array of all windows so far with ``np.concatenate``, which copies
    everything already there. The cost therefore grows with the square of the number of
    windows. Returns the tokens of the ``idx`` curves, in order, float64.
    """
    W, S, w, s = config.window, config.stride, config.token_size, config.token_stride
    n_tokens = config.n_tokens
    all_windows = np.empty((0, n_tokens, 2 * w))
    for k in idx:
        a, b = lcs.offsets[k], lcs.offsets[k + 1]
        # Drop repeated times (np.unique keeps the first of each) and sort by time.
        t, first = np.unique(lcs.time[a:b], return_index=True)
        m = lcs.mag[a:b][first]
        span = m.max() - m.min()
        m = (m - m.min()) / span * config.scale_max if span > 0 else np.zeros_like(m)
        pairs = np.column_stack([np.diff(t), np.diff(m)])
        start = 0
        while start + W <= len(pairs):
            window = pairs[start:start + W]
            tokens = np.array([window[j:j + w].ravel() for j in range(0, W - w + 1, s)])
            all_windows = np.concatenate([all_windows, tokens[None]])  # re-stacks everything
            start += S
    return all_windows


def memory(lcs: LightCurves, config: TokenConfig, workers: int) -> dict[str, Any]:
    """tracemalloc peak of one clean + tokens run (everything NumPy and Python allocate in it,
    input excluded since it already exists), against the input and output sizes."""
    gc.collect()
    tracemalloc.start()
    tracemalloc.reset_peak()
    w, _, _, _ = clean_and_tokens(lcs, config, workers)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    out_bytes, tok_bytes = windows_nbytes(w), w.tokens.nbytes
    del w
    gc.collect()
    return {
        "input_bytes": curves_nbytes(lcs),
        "output_bytes": out_bytes,
        "output_tokens_bytes": tok_bytes,
        "tracemalloc_peak_bytes": traced_peak,
        "tracemalloc_peak_over_output": traced_peak / out_bytes if out_bytes else None,
    }


def print_memory(mem: dict[str, Any]) -> None:
    out = mem["output_bytes"]
    say(f"  input (time, mag, err, offsets):          {mem['input_bytes'] / MB:8.1f} MB")
    say(f"  output windows (tokens+mask+errors+...):  {out / MB:8.1f} MB "
        f"(tokens alone {mem['output_tokens_bytes'] / MB:.1f} MB)")
    say(f"  tracemalloc peak of clean+tokens:         {mem['tracemalloc_peak_bytes'] / MB:8.1f} MB"
        f" = {mem['tracemalloc_peak_over_output']:.2f}x the output size")


# ---------------------------------------------------------------------- part 1: asas_acvs
def part_real(folder: Path, args: argparse.Namespace, config: TokenConfig) -> dict[str, Any]:
    table, labels = folder / "lightcurves.parquet", folder / "labels.csv"
    say(f"\n== Part 1: asas_acvs ({folder}) ==")
    rows = []
    lcs: LightCurves | None = None
    w: Windows | None = None
    report: DropReport | None = None
    for r in range(args.repeats):
        lcs = w = None  # drop the previous repeat's data before reading again
        gc.collect()
        t0 = time.perf_counter()
        lcs = read_long_table(table, labels, report=DropReport())
        t_read = time.perf_counter() - t0
        rss_read = ru_maxrss_mb()
        w, report, t_clean, t_tok = clean_and_tokens(lcs, config, args.workers)
        rows.append((t_read, t_clean, t_tok))
        if r == 0:
            RSS_AT["asas: after first read"] = rss_read
            checkpoint("asas: after first clean+tokens")
            n_stars, n_curves, n_points = lcs.n_stars, lcs.n_curves, lcs.n_points
            say(f"{n_stars:,} stars, {n_curves:,} curves, {n_points:,} points; "
                f"make_windows workers={args.workers}; {args.repeats} repeats")
            say(f"{'repeat':>6} {'read s':>8} {'clean s':>8} {'tokens s':>8} "
                f"{'clean+tok s':>11} {'total s':>8}")
        say(f"{r + 1:>6} {t_read:8.3f} {t_clean:8.3f} {t_tok:8.3f} {t_clean + t_tok:11.3f} "
            f"{t_read + t_clean + t_tok:8.3f}")
    assert lcs is not None and w is not None and report is not None
    res: dict[str, Any] = {
        "stars": n_stars, "curves": n_curves, "points": n_points, "workers": args.workers,
        "read": summary([r[0] for r in rows]),
        "clean": summary([r[1] for r in rows]),
        "tokens": summary([r[2] for r in rows]),
        "clean_tokens": summary([r[1] + r[2] for r in rows]),
        "total": summary([sum(r) for r in rows]),
        "windows": len(w), "tokens_shape": list(w.tokens.shape),
        "drop_report": report.to_dict(),
    }
    for key in ("read", "clean", "tokens", "clean_tokens", "total"):
        res[key]["best_rates"] = rates(res[key]["best_s"], n_stars, n_points)
        res[key]["median_rates"] = rates(res[key]["median_s"], n_stars, n_points)
    for key, name in (("clean_tokens", "clean+tokens"), ("total", "read+clean+tokens")):
        b, m = res[key]["best_rates"], res[key]["median_rates"]
        say(f"{name:>18}: best {res[key]['best_s']:.3f} s = {fmt_rate(b['stars_per_s'])} stars/s,"
            f" {fmt_rate(b['points_per_s'])} points/s; median {res[key]['median_s']:.3f} s = "
            f"{fmt_rate(m['stars_per_s'])} stars/s, {fmt_rate(m['points_per_s'])} points/s")
    say(f"output: {len(w):,} windows, tokens {tuple(w.tokens.shape)} float32; cleaning and "
        f"tokens report: {json.dumps(report.to_dict()['points_dropped'])} points dropped, "
        f"{json.dumps(report.to_dict()['curves_dropped'])} curves dropped")

    checkpoint(f"asas: after {args.repeats} repeats")
    say("\n-- memory, clean+tokens on all asas_acvs stars --")
    res["memory"] = memory(lcs, config, args.workers)
    print_memory(res["memory"])
    a, b = RSS_AT["asas: after first read"], RSS_AT["asas: after first clean+tokens"]
    say(f"  process peak RSS (ru_maxrss): {a:.0f} MB after the first read, {b:.0f} MB after its "
        f"clean+tokens (+{b - a:.0f} MB), {RSS_AT[f'asas: after {args.repeats} repeats']:.0f} MB "
        f"after all repeats")
    w = None
    res["reference"] = reference_part(lcs, args, config, res)
    checkpoint("asas: after reference")
    res["research_style"] = research_style_part(lcs, args, config, res)
    checkpoint("asas: after research-style reference")
    res["workers_compare"] = workers_part(lcs, args, config)
    checkpoint("asas: after workers comparison")
    return res


def reference_part(lcs: LightCurves, args: argparse.Namespace,
                   config: TokenConfig, res: dict[str, Any]) -> dict[str, Any] | None:
    n_ref = min(args.reference_stars, lcs.n_curves)
    if n_ref <= 0:
        say("\nreference: skipped (--reference-stars 0)")
        return None
    rng = np.random.default_rng(args.seed)
    candidates = np.flatnonzero(lcs.lengths > 0)
    idx = np.sort(rng.choice(candidates, size=min(n_ref, len(candidates)), replace=False))
    ref_points = int(lcs.lengths[idx].sum())
    say(f"\n-- reference: row-by-row reference_tokens, a Python loop over stars, on {len(idx):,} "
        f"random stars (seed {args.seed}) of the same already-read data, {ref_points:,} points --")
    times, ref = [], []
    for _ in range(args.repeats):
        ref = []
        gc.collect()
        t0 = time.perf_counter()
        ref = run_reference(lcs, idx, config)
        times.append(time.perf_counter() - t0)
    out: dict[str, Any] = {"stars": len(idx), "points": ref_points, "seed": args.seed,
                           **summary(times)}
    out["best_rates"] = rates(out["best_s"], len(idx), ref_points)
    out["median_rates"] = rates(out["median_s"], len(idx), ref_points)
    full_est = res["points"] / out["best_rates"]["points_per_s"]
    out["estimated_all_stars_s"] = full_est
    say(f"reference times: {', '.join(f'{t:.3f}' for t in times)} s; best "
        f"{fmt_rate(out['best_rates']['stars_per_s'])} stars/s, "
        f"{fmt_rate(out['best_rates']['points_per_s'])} points/s; median "
        f"{fmt_rate(out['median_rates']['points_per_s'])} points/s "
        f"(all {res['stars']:,} stars at this rate: about {full_est:.1f} s)")

    # Check: the vectorised tokens of the full run equal the reference on every subset star.
    vectorised = vectorised_by_star(lcs, idx, config, args.workers)
    bad, n_windows = [], 0
    for k, vec, tok in zip(idx, vectorised, ref, strict=True):
        n_windows += len(tok)
        if vec.shape != tok.shape or not np.allclose(vec, tok, rtol=1e-5, atol=ATOL):
            bad.append(str(lcs.ids[k]))
    out["check_windows"] = n_windows
    out["check_mismatched_stars"] = bad
    out["check_ok"] = not bad
    if bad:
        say(f"CHECK FAILED: vectorised tokens differ from the reference for {len(bad)} of "
            f"{len(idx)} stars, e.g. {', '.join(bad[:5])} (np.allclose, atol {ATOL})")
    else:
        say(f"check: vectorised tokens equal the reference for all {len(idx):,} stars "
            f"({n_windows:,} windows; np.allclose, atol {ATOL}): OK")

    # The same subset through the vectorised stage (fixed costs weigh more on fewer stars).
    sub = lcs.select(idx)
    sub_times = [sum(clean_and_tokens(sub, config, args.workers)[2:]) for _ in range(args.repeats)]
    out["vectorised_same_stars"] = summary(sub_times)
    sub_rate = ref_points / min(sub_times)

    vec_best = res["clean_tokens"]["best_rates"]["points_per_s"]
    vec_med = res["clean_tokens"]["median_rates"]["points_per_s"]
    out["ratio_best"] = vec_best / out["best_rates"]["points_per_s"]
    out["ratio_median"] = vec_med / out["median_rates"]["points_per_s"]
    out["ratio_same_stars_best"] = sub_rate / out["best_rates"]["points_per_s"]
    out["target_ratio"] = TARGET_RATIO
    out["target_met"] = out["ratio_best"] >= TARGET_RATIO
    verdict = "met" if out["target_met"] else "NOT met"
    say(f"ratio, as a rate (points/s): vectorised clean+tokens on all {res['stars']:,} stars / "
        f"reference on {len(idx):,} stars = {out['ratio_best']:.1f}x (best vs best), "
        f"{out['ratio_median']:.1f}x (median vs median); target >= {TARGET_RATIO:.0f}x: "
        f"{verdict}" + ("" if out["check_ok"] else " (but the check FAILED)"))
    say(f"same {len(idx):,} stars through the vectorised stage: best {min(sub_times):.3f} s, "
        f"{fmt_rate(sub_rate)} points/s = {out['ratio_same_stars_best']:.1f}x the reference")
    return out


def vectorised_by_star(lcs: LightCurves, idx: np.ndarray, config: TokenConfig,
                       workers: int) -> list[np.ndarray]:
    """Tokens of curves ``idx`` (indices into the raw ``lcs``) from one vectorised run over
    all stars, the run that was timed; a curve dropped by cleaning has no windows."""
    w, _, _, _ = clean_and_tokens(lcs, config, workers)
    cleaned_keys = _cleaned_keys(lcs)
    lo = np.searchsorted(w.curve, np.arange(len(cleaned_keys)), side="left")
    hi = np.searchsorted(w.curve, np.arange(len(cleaned_keys)), side="right")
    where = {key: c for c, key in enumerate(cleaned_keys)}
    out = []
    for k in idx:
        c = where.get((lcs.ids[k], lcs.bands[k]))
        out.append(np.empty((0, *w.tokens.shape[1:]), np.float32) if c is None
                   else w.tokens[lo[c]:hi[c]])
    return out


def research_style_part(lcs: LightCurves, args: argparse.Namespace, config: TokenConfig,
                        res: dict[str, Any]) -> dict[str, Any] | None:
    """Time ``research_style_tokens`` on nested random subsets of N/2, N and 4N stars.

    Its cost grows faster than the number of stars, so one size would say little: the ratio
    against the vectorised stage is given for each size, with the growth between them.
    """
    n_res = min(args.research_stars, lcs.n_curves)
    if n_res <= 0:
        say("\nresearch-style reference: skipped (--research-stars 0)")
        return None
    rng = np.random.default_rng(args.seed + 1)
    candidates = rng.permutation(np.flatnonzero(lcs.lengths > 0))
    sizes = sorted({max(1, n_res // 2), n_res, min(4 * n_res, len(candidates))})
    say(f"\n-- research-style reference (re-stacks arrays per window, as the original code "
        f"did): nested random subsets of {', '.join(f'{n:,}' for n in sizes)} stars (seed "
        f"{args.seed + 1}), {args.repeats} repeats each --")
    vec_best = res["clean_tokens"]["best_rates"]["points_per_s"]
    vec_med = res["clean_tokens"]["median_rates"]["points_per_s"]
    out: dict[str, Any] = {"seed": args.seed + 1, "sizes": {}}
    tokens, idx = None, None
    for size in sizes:
        idx = np.sort(candidates[:size])
        times = []
        for _ in range(args.repeats):
            tokens = None
            gc.collect()
            t0 = time.perf_counter()
            tokens = research_style_tokens(lcs, idx, config)
            times.append(time.perf_counter() - t0)
        points = int(lcs.lengths[idx].sum())
        entry = {"stars": size, "points": points, "windows": len(tokens), **summary(times)}
        entry["best_rates"] = rates(entry["best_s"], size, points)
        entry["median_rates"] = rates(entry["median_s"], size, points)
        entry["ratio_best"] = vec_best / entry["best_rates"]["points_per_s"]
        entry["ratio_median"] = vec_med / entry["median_rates"]["points_per_s"]
        out["sizes"][str(size)] = entry
        say(f"{size:>6,} stars, {points:>9,} points, {len(tokens):>6,} windows: best "
            f"{entry['best_s']:.3f} s, median {entry['median_s']:.3f} s = "
            f"{fmt_rate(entry['best_rates']['points_per_s'])} points/s (best); vectorised on "
            f"all stars / this = {entry['ratio_best']:.1f}x (best), {entry['ratio_median']:.1f}x"
            f" (median)")
    small, large = out["sizes"][str(sizes[0])], out["sizes"][str(sizes[-1])]
    # Growth exponent: time ~ windows^p (p = 1 linear, p = 2 quadratic).
    out["growth_exponent"] = float("nan")  # undefined unless the window counts differ
    if 0 < small["windows"] < large["windows"]:
        out["growth_exponent"] = (np.log(large["best_s"] / small["best_s"])
                                  / np.log(large["windows"] / small["windows"]))
    say(f"time grows as windows^{out['growth_exponent']:.2f} from {small['stars']:,} to "
        f"{large['stars']:,} stars (1 = linear, 2 = quadratic): its points/s falls as stars are "
        f"added, so the ratio grows with the subset; it was not run on all stars")

    # Check: the largest run's output equals the vectorised tokens of the same stars.
    vectorised = np.concatenate(vectorised_by_star(lcs, idx, config, args.workers))
    out["check_ok"] = bool(vectorised.shape == tokens.shape
                           and np.allclose(vectorised, tokens, rtol=1e-5, atol=ATOL))
    out["check_windows"] = len(tokens)
    say(f"check: vectorised tokens {'equal' if out['check_ok'] else 'DIFFER FROM'} the "
        f"research-style tokens ({len(tokens):,} windows of {large['stars']:,} stars; "
        f"np.allclose, atol {ATOL}){': OK' if out['check_ok'] else ': CHECK FAILED'}")
    return out


def _cleaned_keys(lcs: LightCurves) -> list[tuple[str, str]]:
    """(id, band) of each curve of the cleaned data the windows were made from."""
    cleaned, _ = clean(lcs)
    return list(zip(cleaned.ids.tolist(), cleaned.bands.tolist(), strict=True))


def workers_part(lcs: LightCurves, args: argparse.Namespace,
                 config: TokenConfig) -> dict[str, Any]:
    cleaned, _ = clean(lcs)
    times: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):  # interleaved, so both see the same background load
        for workers in (1, 2):
            gc.collect()
            t0 = time.perf_counter()
            w, _ = make_windows(cleaned, config, DropReport(), workers=workers)
            times[workers].append(time.perf_counter() - t0)
            del w
    out = {f"workers_{k}": summary(v) for k, v in times.items()}
    out["speedup_best"] = min(times[1]) / min(times[2])
    out["speedup_median"] = statistics.median(times[1]) / statistics.median(times[2])
    say(f"\n-- make_windows threads: workers=1 best {min(times[1]):.3f} s, workers=2 best "
        f"{min(times[2]):.3f} s: 2 workers are {out['speedup_best']:.2f}x as fast (best), "
        f"{out['speedup_median']:.2f}x (median); {len(os.sched_getaffinity(0))} usable CPUs, "
        f"shared --")
    return out


# ---------------------------------------------------------------------- part 2: scaling
def part_synthetic(args: argparse.Namespace, config: TokenConfig,
                   with_memory: bool) -> dict[str, Any]:
    n_small = max(3, args.synthetic_stars // 3 * 3)
    sizes = (n_small, 10 * n_small)
    repeats = max(args.repeats, args.scaling_repeats)
    say(f"\n== Part 2: synthetic scaling, {n_small:,} and {10 * n_small:,} stars "
        f"(generation timed apart, not in the ratio; clean+tokens timed {repeats} times, "
        f"the two sizes interleaved so both see the same background load) ==")
    out: dict[str, Any] = {"sizes": {}, "repeats": repeats}
    data: dict[int, LightCurves] = {}
    make_synthetic(SyntheticConfig(n_per_class=2))  # warm-up: first-call library set-up
    for n in sizes:
        gc.collect()
        t0 = time.perf_counter()
        data[n] = make_synthetic(SyntheticConfig(n_per_class=n // 3))
        t_gen = time.perf_counter() - t0
        checkpoint(f"synthetic {n}: after generation")
        out["sizes"][str(n)] = {"stars": data[n].n_curves, "points": data[n].n_points,
                                "generation_s": t_gen}
        say(f"generated {n:,} stars, {data[n].n_points:,} points in {t_gen:.1f} s")
    times: dict[int, list[float]] = {n: [] for n in sizes}
    for _ in range(repeats):
        for n in sizes:
            gc.collect()
            w, _, t_clean, t_tok = clean_and_tokens(data[n], config, args.workers)
            times[n].append(t_clean + t_tok)
            del w
    checkpoint("synthetic: after clean+tokens")
    for n in sizes:
        entry = out["sizes"][str(n)]
        entry.update(summary(times[n]))
        entry["best_rates"] = rates(entry["best_s"], entry["stars"], entry["points"])
        entry["median_rates"] = rates(entry["median_s"], entry["stars"], entry["points"])
        say(f"{n:>7,} stars, {entry['points']:>10,} points: clean+tokens best "
            f"{entry['best_s']:.3f} s, median {entry['median_s']:.3f} s = "
            f"{fmt_rate(entry['best_rates']['points_per_s'])} points/s (best), "
            f"{1e9 / entry['best_rates']['points_per_s']:.0f} ns per point")
    small, large = out["sizes"][str(n_small)], out["sizes"][str(10 * n_small)]
    out["time_ratio_best"] = large["best_s"] / small["best_s"]
    out["time_ratio_median"] = large["median_s"] / small["median_s"]
    out["generation_ratio"] = large["generation_s"] / small["generation_s"]
    out["linear"] = out["time_ratio_best"] <= 10 * LINEAR_SLACK
    say(f"10x the stars costs {out['time_ratio_best']:.2f}x the time (best), "
        f"{out['time_ratio_median']:.2f}x (median); linear would be 10x: "
        f"{'linear' if out['linear'] else 'WORSE THAN LINEAR'} (allowing up to "
        f"{10 * LINEAR_SLACK:.0f}x for noise); generation {out['generation_ratio']:.2f}x")
    if with_memory:
        n = 10 * n_small
        say(f"-- memory, clean+tokens on {n:,} synthetic stars --")
        out["memory"] = memory(data[n], config, args.workers)
        print_memory(out["memory"])
    return out


# ---------------------------------------------------------------------- summary table
def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    lines = [f"Machine: {m['cpu']}, {m['usable_cpus']} usable of {m['logical_cpus']} logical "
             f"CPUs, Python {m['python']}, NumPy {m['numpy']}", "",
             "| measurement | value |", "|---|---|"]
    real = results.get("asas_acvs")
    if real:
        ct, tot = real["clean_tokens"], real["total"]
        lines += [
            f"| asas_acvs | {real['stars']:,} stars, {real['points']:,} points, "
            f"{real['windows']:,} windows |",
            f"| read, best / median | {real['read']['best_s']:.3f} / "
            f"{real['read']['median_s']:.3f} s |",
            f"| clean, best / median | {real['clean']['best_s']:.3f} / "
            f"{real['clean']['median_s']:.3f} s |",
            f"| tokens, best / median | {real['tokens']['best_s']:.3f} / "
            f"{real['tokens']['median_s']:.3f} s |",
            f"| clean+tokens, best | {ct['best_s']:.3f} s: "
            f"{fmt_rate(ct['best_rates']['stars_per_s'])} stars/s, "
            f"{fmt_rate(ct['best_rates']['points_per_s'])} points/s |",
            f"| clean+tokens, median | {ct['median_s']:.3f} s: "
            f"{fmt_rate(ct['median_rates']['stars_per_s'])} stars/s, "
            f"{fmt_rate(ct['median_rates']['points_per_s'])} points/s |",
            f"| read+clean+tokens, best | {tot['best_s']:.3f} s: "
            f"{fmt_rate(tot['best_rates']['stars_per_s'])} stars/s, "
            f"{fmt_rate(tot['best_rates']['points_per_s'])} points/s |",
            f"| read+clean+tokens, median | {tot['median_s']:.3f} s: "
            f"{fmt_rate(tot['median_rates']['stars_per_s'])} stars/s, "
            f"{fmt_rate(tot['median_rates']['points_per_s'])} points/s |",
        ]
        ref = real.get("reference")
        if ref:
            lines += [
                f"| row-by-row reference ({ref['stars']:,} random stars, best) | "
                f"{fmt_rate(ref['best_rates']['points_per_s'])} points/s "
                f"(all stars: ~{ref['estimated_all_stars_s']:.0f} s) |",
                f"| tokens equal reference (atol {ATOL}) | "
                f"{'yes' if ref['check_ok'] else 'NO'} ({ref['check_windows']:,} windows) |",
                f"| speed-up vs reference, points/s (best / median) | "
                f"{ref['ratio_best']:.1f}x / {ref['ratio_median']:.1f}x "
                f"(target >= {TARGET_RATIO:.0f}x: {'met' if ref['target_met'] else 'NOT met'}) |",
            ]
        rs = real.get("research_style")
        if rs:
            for e in rs["sizes"].values():
                lines.append(
                    f"| research-style reference, re-stacks per window ({e['stars']:,} random "
                    f"stars, best) | {fmt_rate(e['best_rates']['points_per_s'])} points/s: "
                    f"vectorised is {e['ratio_best']:.1f}x / {e['ratio_median']:.1f}x as fast "
                    f"(best / median) |")
            lines += [
                f"| research-style time growth | windows^{rs['growth_exponent']:.2f} "
                f"(1 = linear, 2 = quadratic) |",
                f"| tokens equal research-style (atol {ATOL}) | "
                f"{'yes' if rs['check_ok'] else 'NO'} ({rs['check_windows']:,} windows) |",
            ]
        wc = real["workers_compare"]
        lines.append(f"| make_windows workers=2 vs 1 (best / median) | "
                     f"{wc['speedup_best']:.2f}x / {wc['speedup_median']:.2f}x |")
        mem = real["memory"]
        lines.append(f"| clean+tokens tracemalloc peak | "
                     f"{mem['tracemalloc_peak_bytes'] / MB:.0f} MB = "
                     f"{mem['tracemalloc_peak_over_output']:.2f}x the "
                     f"{mem['output_bytes'] / MB:.0f} MB output (input "
                     f"{mem['input_bytes'] / MB:.0f} MB) |")
        a, b = RSS_AT["asas: after first read"], RSS_AT["asas: after first clean+tokens"]
        lines.append(f"| process peak RSS after read / after clean+tokens | {a:.0f} / {b:.0f} MB |")
    syn = results["synthetic"]
    for n, e in syn["sizes"].items():
        lines.append(f"| synthetic {int(n):,} stars ({e['points']:,} points) | clean+tokens "
                     f"{e['best_s']:.3f} s, {fmt_rate(e['best_rates']['points_per_s'])} points/s;"
                     f" generation {e['generation_s']:.1f} s |")
    lines.append(f"| 10x stars: time ratio (best / median) | {syn['time_ratio_best']:.2f}x / "
                 f"{syn['time_ratio_median']:.2f}x ({'linear' if syn['linear'] else 'NOT linear'})"
                 f" |")
    if "memory" in syn:
        mem = syn["memory"]
        lines.append(f"| synthetic 10x, tracemalloc peak | {mem['tracemalloc_peak_bytes'] / MB:.0f}"
                     f" MB = {mem['tracemalloc_peak_over_output']:.2f}x the output |")
    lines.append(f"| process peak RSS, whole run (ru_maxrss) | {results['ru_maxrss_mb']:.0f} MB |")
    return "\n".join(lines)


# ---------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=None,
                        help="folder holding asas_acvs/ (default: $LCFORMER_DATA_DIR)")
    parser.add_argument("--reference-stars", type=int, default=1500,
                        help="random stars timed with the row-by-row reference (0: skip)")
    parser.add_argument("--research-stars", type=int, default=300,
                        help="N: the research-style reference, which grows quadratically, is "
                             "timed on N/2, N and 4N random stars (0: skip)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=1, help="make_windows threads")
    parser.add_argument("--synthetic-stars", type=int, default=3000,
                        help="N for the scaling part (N and 10N stars)")
    parser.add_argument("--scaling-repeats", type=int, default=5,
                        help="repeats for the scaling part (at least --repeats)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None, help="write every number here")
    args = parser.parse_args(argv)
    started = time.perf_counter()

    config = TokenConfig()
    results: dict[str, Any] = {"machine": machine(), "token_config": config.to_dict(),
                               "args": {k: str(v) for k, v in vars(args).items()}}
    m = results["machine"]
    say("lcformer data-preparation benchmark")
    say(f"machine: {m['cpu']}; {m['logical_cpus']} logical CPUs, {m['usable_cpus']} usable; "
        f"Python {m['python']}; NumPy {m['numpy']}; {m['platform']}")
    if m["load_average_start"]:
        say(f"load average at start: {', '.join(f'{x:.2f}' for x in m['load_average_start'])} "
            "(other processes share these CPUs: compare only numbers from this run)")
    say(f"tokens: W={config.window} S={config.stride} w={config.token_size} "
        f"s={config.token_stride} (research defaults); {args.repeats} repeats, best and median")
    checkpoint("after imports")

    data_dir, source = args.data_dir, "--data-dir"
    if data_dir is None and os.environ.get("LCFORMER_DATA_DIR"):
        data_dir, source = Path(os.environ["LCFORMER_DATA_DIR"]), "LCFORMER_DATA_DIR"
    folder = None if data_dir is None else data_dir / "asas_acvs"
    if folder is None:
        say("\nNO DATA FOLDER: pass --data-dir or set LCFORMER_DATA_DIR to the folder holding "
            "asas_acvs/. Part 1 (asas_acvs and the row-by-row reference) is SKIPPED; only the "
            "synthetic part runs.")
    elif not (folder / "lightcurves.parquet").is_file():
        say(f"\nNO asas_acvs DATA: {folder / 'lightcurves.parquet'} (from {source}) does not "
            "exist. Part 1 (asas_acvs and the row-by-row reference) is SKIPPED; only the "
            "synthetic part runs.")
        folder = None
    else:
        say(f"data: {data_dir} (from {source})")
    results["data_dir"] = None if data_dir is None else str(data_dir)
    if folder is not None:
        results["asas_acvs"] = part_real(folder, args, config)
    results["synthetic"] = part_synthetic(args, config, with_memory=True)
    results["ru_maxrss_mb"] = checkpoint("end")
    results["ru_maxrss_mb_at"] = dict(RSS_AT)
    results["load_average_end"] = list(os.getloadavg()) if hasattr(os, "getloadavg") else None
    results["wall_s"] = time.perf_counter() - started

    say(f"\nprocess peak RSS (ru_maxrss, whole run): {results['ru_maxrss_mb']:.0f} MB "
        f"(after imports {RSS_AT['after imports']:.0f} MB); benchmark wall time "
        f"{results['wall_s']:.0f} s; load average at end: "
        f"{', '.join(f'{x:.2f}' for x in results['load_average_end'] or [])}")
    say("\n## Summary\n")
    say(markdown(results))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=float) + "\n")
        say(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
