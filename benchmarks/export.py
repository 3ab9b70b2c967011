"""ONNX export: onnxruntime's prediction speed beside torch's, on the same model and inputs.

Exports the default model (``periodic``, emb 64, trained for one epoch on synthetic stars
here, or ``--run RUN_DIR``) with :func:`lcformer.evaluation.export.export_onnx`, makes the
star views of ``--stars`` synthetic stars (what ``predict`` feeds the model), then times the
model on them: torch as ``predict`` runs it (``window_probabilities``: ``classify`` under
``inference_mode``, samples sorted by length, batches of at most 32 cut to their longest
sample) and onnxruntime (CPU provider, batches of 512 at full width), in alternating rounds,
best of ``--repeats``. The ratio is of the two ways of predicting, batching included, not of
the engines alone. Reports samples/s of each, their ratio, and the largest difference of the
log-probabilities (the export refuses more than 1e-5).

(Named ``export.py``, not ``onnx.py``: run as a script, a file named onnx.py would be imported
in place of the ``onnx`` package.)

    python benchmarks/export.py [--stars 2000] [--threads 1] [--run RUN_DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from machine import cpu_model, small_model  # benchmarks/machine.py

from lcformer.data.cleaning import clean
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.evaluation.export import export_onnx, onnx_log_probs, onnx_session
from lcformer.evaluation.metrics import window_probabilities
from lcformer.evaluation.predict import model_prepare_config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="threads of both engines")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--batch-size", type=int, default=512)
    parser.add_argument("--run", help="a run folder (default: train a small default model)")
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, metadata = small_model(args.run)
    model = model.cpu().eval()

    config = model_prepare_config(metadata)
    lcs = make_synthetic(SyntheticConfig(n_per_class=max(args.stars // 3, 1), seed=1))
    cleaned, report = clean(lcs, config.cleaning, DropReport())
    info = SampleInfo(list(metadata["bands"]), list(metadata["extra_names"]), None)
    samples, _ = make_samples(cleaned, config, report, info=info)
    extra = samples.extra if samples.extra.shape[1] else None

    with tempfile.TemporaryDirectory() as folder:
        t0 = time.perf_counter()
        exported = export_onnx(model, metadata, Path(folder) / "model.onnx")
        t_export = time.perf_counter() - t0
        session = onnx_session(exported.path, threads=args.threads)
        torch_times, onnx_times = [], []
        for _ in range(args.repeats):  # alternating, so load that comes and goes hits both
            t0 = time.perf_counter()
            p_torch = window_probabilities(model, samples.tokens, samples.mask,
                                           args.batch_size, "cpu", extra)
            torch_times.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            log_p = onnx_log_probs(session, samples.tokens, samples.mask, extra,
                                   args.batch_size)
            onnx_times.append(time.perf_counter() - t0)
    difference = float(np.max(np.abs(np.log(p_torch) - log_p)))
    n = len(samples)
    torch_rate, onnx_rate = n / min(torch_times), n / min(onnx_times)
    c = model.config
    print(f"# ONNX export benchmark: {n:,} star views of {samples.tokens.shape[1]} x "
          f"{samples.tokens.shape[2]} ({model.__class__.__name__}, emb {c.emb}, heads "
          f"{c.heads}, depth {c.depth}), {cpu_model()}, {args.threads} thread(s)")
    print("| engine | samples/s (best) | samples/s (median) | ÷ torch |\n|---|--:|--:|--:|")
    for name, times in (("torch", torch_times), ("onnxruntime", onnx_times)):
        print(f"| {name} | {n / min(times):,.0f} | {n / np.median(times):,.0f} | "
              f"{min(torch_times) / min(times):.2f}x |")
    print(f"\nexport {t_export:.1f} s; max |log-prob difference| {difference:.1e} "
          f"(export's own check: {exported.max_difference:.1e})")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": cpu_model(), "threads": args.threads, "samples": n,
            "torch_samples_per_s": torch_rate, "onnx_samples_per_s": onnx_rate,
            "onnx_over_torch": torch_rate and onnx_rate / torch_rate,
            "max_difference": difference, "export_seconds": t_export,
            "torch_seconds": torch_times, "onnx_seconds": onnx_times}, indent=2) + "\n")
    return 0 if difference <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
