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

Which model is timed matters: the default model is a ``ForestFusion`` (network and trees),
and at network weight 0 it skips the network, so only the trees run. One epoch of training
leaves the small default model at weight 0, so the network weight is set with
``--network-weight`` (default 0.5 for the small model: the network runs, which is what a
torch-vs-onnxruntime comparison is about; a ``--run`` keeps its own weight unless given).
The export traces the model as it is, so at weight 0 the ONNX graph holds only the trees as
well, and at a weight above 0 both; the header prints the weight and the graph's node counts
(the network's layer norms mark it), so a run shows that both engines computed the same
parts, and warns when they did not.

(Named ``export.py``, not ``onnx.py``: run as a script, a file named onnx.py would be imported
in place of the ``onnx`` package.)

    python benchmarks/export.py [--stars 2000] [--threads 1] [--network-weight 0.5]
                                [--run RUN_DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import torch
from machine import (  # benchmarks/machine.py
    load_line,
    network_weight,
    network_weight_text,
    small_model,
)

from lcformer.data.cleaning import clean
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.evaluation.export import export_onnx, onnx_log_probs, onnx_session
from lcformer.evaluation.predict import model_prepare_config
from lcformer.models.forest import ForestFusion
from lcformer.models.inference import SORTED_BATCH, window_probabilities

#: ONNX ops that only the network makes (its blocks' and head's layer norms). Not Softmax
#: or MatMul: the trees' graph has one of each (checked: 222 nodes at weight 0, with no
#: LayerNormalization; 402 nodes, 6 of them LayerNormalization, at weight 0.5).
NETWORK_OPS = ("LayerNormalization",)


def graph_ops(path: Path) -> Counter[str]:
    """How many nodes of each op type the exported graph holds (functions included)."""
    import onnx

    graph = onnx.load(str(path))
    counts = Counter(node.op_type for node in graph.graph.node)
    for function in graph.functions:
        counts.update(node.op_type for node in function.node)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stars", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1, help="threads of both engines")
    parser.add_argument("--repeats", type=int, default=3, help="best of this many rounds")
    parser.add_argument("--batch-size", type=int, default=512,
                        help=f"onnxruntime's batch (default 512); torch on the CPU uses at "
                             f"most {SORTED_BATCH}, sorted by length")
    parser.add_argument("--network-weight", type=float,
                        help="set the fused model's network weight (0: the trees alone; "
                             "default 0.5 for the small model, the run's own with --run)")
    parser.add_argument("--run", help="a run folder (default: train a small default model)")
    parser.add_argument("--json", help="also write the numbers to this JSON file")
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, metadata = small_model(args.run)
    model = model.cpu().eval()
    weight = args.network_weight if args.network_weight is not None else (
        None if args.run else 0.5)
    if weight is not None:
        if not isinstance(model, ForestFusion):
            parser.error("--network-weight needs a model with trees (a ForestFusion)")
        model.set_weight(weight)

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
        ops = graph_ops(exported.path)
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
    torch_network = network_weight(model) != 0  # None: no trees, the network alone
    onnx_network = any(ops[op] for op in NETWORK_OPS)
    print(f"# ONNX export benchmark: {n:,} star views of {samples.tokens.shape[1]} x "
          f"{samples.tokens.shape[2]} ({model.__class__.__name__}, emb {c.emb}, heads "
          f"{c.heads}, depth {c.depth}; {network_weight_text(model)}), {load_line()}, "
          f"{args.threads} thread(s)")
    print(f"- torch: window_probabilities, batches of at most "
          f"{min(args.batch_size, SORTED_BATCH)} sorted by length, each cut to its longest; "
          f"onnxruntime: batches of {args.batch_size} at full width")
    print(f"- ONNX graph: {sum(ops.values())} nodes, "
          + ", ".join(f"{op} {ops[op]}" for op in ("MatMul", "Softmax", *NETWORK_OPS))
          + f"; network in the graph: {'yes' if onnx_network else 'no'}, run by torch: "
          f"{'yes' if torch_network else 'no'}")
    if onnx_network != torch_network:
        print("- WARNING: the graph and torch do not compute the same parts: the comparison "
              "is not of the same work")
    print("| engine | samples/s (best) | samples/s (median) | ÷ torch |\n|---|--:|--:|--:|")
    for name, times in (("torch", torch_times), ("onnxruntime", onnx_times)):
        print(f"| {name} | {n / min(times):,.0f} | {n / np.median(times):,.0f} | "
              f"{min(torch_times) / min(times):.2f}x |")
    print(f"\nexport {t_export:.1f} s; max |log-prob difference| {difference:.1e} "
          f"(export's own check: {exported.max_difference:.1e})")
    if args.json:
        Path(args.json).write_text(json.dumps({
            "machine": load_line(), "threads": args.threads, "samples": n,
            "network_weight": network_weight(model), "onnx_ops": dict(ops),
            "network_in_onnx_graph": onnx_network, "network_run_by_torch": torch_network,
            "torch_batch": min(args.batch_size, SORTED_BATCH), "onnx_batch": args.batch_size,
            "torch_samples_per_s": torch_rate, "onnx_samples_per_s": onnx_rate,
            "onnx_over_torch": torch_rate and onnx_rate / torch_rate,
            "max_difference": difference, "export_seconds": t_export,
            "torch_seconds": torch_times, "onnx_seconds": onnx_times}, indent=2) + "\n")
    return 0 if difference <= 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
