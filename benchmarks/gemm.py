"""The encoder's training step as a fraction of this machine's fp32 GEMM rate, in one run.

Issue 11 asks that the training step of Model 4 (``encoder``) at the research configuration
reach at least 0.7 of the machine's measured fp32 GEMM rate. This script measures, in the
same process and interleaved round by round (so load from other processes hits all alike):

* **the GEMM rate**: ``torch.mm`` of two ``--size`` x ``--size`` fp32 matrices (2048), one
  thread, best of the rounds;
* **the GEMM rate at the model's own shapes**: every matrix product of the step timed alone
  as a plain ``torch.mm`` / ``torch.bmm`` of the same shape (forward, and for the linear
  layers both backward products), best of the rounds, total FLOPs over total time: what the
  step would reach if it were nothing but its GEMMs, one after the other through MKL;
* **the training step**: :func:`lcformer.training.loop.run_epoch` over one batch of 256
  windows of 199 tokens of 4 numbers (emb 64, 4 heads, ``research=True``, 8 classes, dropout
  on): class-weighted NLL + L2 penalty, backward, gradient clipping, Adam. Its FLOPs are
  counted from the model's shapes (:func:`step_flops`), so the achieved GFLOP/s and the
  fractions of both GEMM rates follow. With ``--padded`` the last 10% of every window's
  tokens are masked, and ``run_epoch`` cuts the batch to its longest window
  (:func:`lcformer.models.inference.trim_padding`), so the step runs 180 tokens: FLOPs and
  the GEMMs at the model's shapes are counted at that length, the one actually run.

Times are taken two ways: wall clock and the process's CPU time (``time.process_time``).
With one thread on a shared machine the CPU time is what the work itself cost; the wall
clock also holds the time the process waited for a core. Both fractions are printed, each
from the same kind of time for the step and for the GEMM.

    python benchmarks/gemm.py [--rounds 7] [--size 2048] [--padded] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
from machine import cpu_model  # benchmarks/machine.py
from torch import nn

from lcformer.data.splits import SampleSet
from lcformer.models import LightCurveClassifier, MultiHeadAttention, build_model
from lcformer.models.inference import trim_padding
from lcformer.training.loop import TrainConfig, run_epoch

TOKENS, FEATURES, EMB, HEADS, BATCH, CLASSES = 199, 4, 64, 4, 256, 8


@dataclass
class Product:
    """One matrix product of the forward pass, and what training adds for it."""

    name: str
    batch: int  # independent products (bmm); 1 for a linear layer over all tokens
    m: int
    k: int
    n: int
    backward: int  # products of the same size in the backward pass (counted, see step_flops)

    @property
    def flops(self) -> int:
        """Forward FLOPs: one multiply and one add per term."""
        return 2 * self.batch * self.m * self.k * self.n


def step_flops(model: LightCurveClassifier, batch: int, tokens: int) -> list[Product]:
    """The matrix products of one training step of a window model, from its shapes.

    ``tokens`` is the length the step actually runs: ``run_epoch`` cuts a batch to its
    longest window, so a padded batch is counted at its trimmed length, not at 199.

    Counted: every linear layer applied to all ``batch * tokens`` tokens, with two backward
    products each (gradient of the
    input and of the weight), except the first layer, whose input (the tokens) needs no
    gradient; and per attention block ``Q K^T`` and ``P V`` (``batch * heads`` products of
    ``tokens x head_dim x tokens`` and ``tokens x tokens x head_dim``), with two backward
    products each, the usual ``3x forward``. Not counted: the flash kernel recomputing
    ``Q K^T`` in the backward pass, softmax, layer norms, activations, dropout, the loss and
    Adam (elementwise work, which a GEMM rate does not describe).
    """
    rows = batch * tokens
    out: list[Product] = []
    first = True
    for name, module in model.named_modules():
        if isinstance(module, MultiHeadAttention):
            e, h = module.emb, module.heads
            out.append(Product(f"{name} q,k,v projection", 1, rows, e, 3 * e, 2))
            out.append(Product(f"{name} Q K^T", batch * h, tokens, e // h, tokens, 2))
            out.append(Product(f"{name} P V", batch * h, tokens, tokens, e // h, 2))
        elif isinstance(module, nn.Linear):
            out.append(Product(name, 1, rows, module.in_features, module.out_features,
                               1 if first else 2))
            first = False
    return out


def train_flops(products: list[Product]) -> int:
    return sum(p.flops * (1 + p.backward) for p in products)


@dataclass
class Timer:
    """Best wall and CPU seconds of repeated calls."""

    run: Callable[[], Any]
    wall: float = float("inf")
    cpu: float = float("inf")

    def __call__(self) -> None:
        w, c = time.perf_counter(), time.process_time()
        self.run()
        self.cpu = min(self.cpu, time.process_time() - c)
        self.wall = min(self.wall, time.perf_counter() - w)


def shape_timers(products: list[Product]) -> list[tuple[int, Timer]]:
    """(FLOPs, timer) of every product of the step, each as a plain GEMM of its shape."""
    timers: list[tuple[int, Timer]] = []
    gen = torch.Generator().manual_seed(0)
    for p in products:
        if p.batch == 1:  # a linear layer: y = x W^T; dx = g W; dW = g^T x
            x = torch.randn(p.m, p.k, generator=gen)
            w = torch.randn(p.n, p.k, generator=gen)
            g = torch.randn(p.m, p.n, generator=gen)
            timers.append((p.flops, Timer(lambda x=x, w=w: x @ w.t())))
            if p.backward == 2:
                timers.append((p.flops, Timer(lambda g=g, w=w: g @ w)))
            timers.append((p.flops, Timer(lambda g=g, x=x: g.t() @ x)))
        else:  # attention: the forward bmm, its backward counted at the same rate
            a = torch.randn(p.batch, p.m, p.k, generator=gen)
            b = torch.randn(p.batch, p.k, p.n, generator=gen)
            timers.append((p.flops * (1 + p.backward), Timer(lambda a=a, b=b: torch.bmm(a, b))))
    return timers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7, help="best of this many (default 7)")
    parser.add_argument("--size", type=int, default=2048, help="square GEMM size (2048)")
    parser.add_argument("--padded", action="store_true",
                        help="mask the last 10%% of every window's tokens")
    parser.add_argument("--json", type=Path, help="also write every number here")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    info = {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "cpu": cpu_model(),
            "logical_cpus": os.cpu_count(), "load_average_start": os.getloadavg()[0],
            "torch": torch.__version__, "python": platform.python_version(), "threads": 1}

    torch.manual_seed(0)
    model = build_model("encoder", n_classes=CLASSES, emb=EMB, heads=HEADS, research=True)
    rng = np.random.default_rng(0)
    mask = np.ones((BATCH, TOKENS), dtype=bool)
    if args.padded:
        mask[:, TOKENS - TOKENS // 10:] = False
    data = SampleSet(rng.standard_normal((BATCH, TOKENS, FEATURES), dtype=np.float32), mask,
                     rng.integers(CLASSES, size=BATCH), np.arange(BATCH))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    config = TrainConfig(batch_size=BATCH)
    weights = torch.ones(CLASSES)
    device = torch.device("cpu")
    step = Timer(lambda: run_epoch(model, data, optimizer, "classify", config, weights, rng,
                                   device))
    a = torch.randn(args.size, args.size)
    b = torch.randn(args.size, args.size)
    square = Timer(lambda: torch.mm(a, b))
    run_tokens = trim_padding(data.tokens, data.mask)[1].shape[1]  # what run_epoch runs
    products = step_flops(model, BATCH, run_tokens)
    shapes = shape_timers(products)
    flops = train_flops(products)

    for timer in (step, square, *(t for _, t in shapes)):  # warm-up, untimed
        timer.run()
    began = time.perf_counter()
    for i in range(args.rounds):
        order = [step, square, *(t for _, t in shapes)]
        for timer in order[i % 2::] + order[:i % 2]:  # alternate which comes first
            timer()
        print(f"  round {i + 1}/{args.rounds}: {time.perf_counter() - began:.0f} s",
              file=sys.stderr, flush=True)

    square_flops = 2 * args.size ** 3
    shape_flops = sum(f for f, _ in shapes)
    rates: dict[str, dict[str, float]] = {}
    for kind in ("cpu", "wall"):
        rates[kind] = {
            "gemm_square": square_flops / getattr(square, kind) / 1e9,
            "gemm_model_shapes": shape_flops / sum(getattr(t, kind) for _, t in shapes) / 1e9,
            "step": flops / getattr(step, kind) / 1e9,
        }
        rates[kind]["fraction_square"] = rates[kind]["step"] / rates[kind]["gemm_square"]
        rates[kind]["fraction_model_shapes"] = (rates[kind]["step"]
                                                / rates[kind]["gemm_model_shapes"])
    info["load_average_end"] = os.getloadavg()[0]

    print("# encoder training step vs the machine's fp32 GEMM rate\n")
    print(f"- {info['date']}; {info['cpu']}, {info['logical_cpus']} logical CPUs, load average "
          f"{info['load_average_start']:.2f} at start, {info['load_average_end']:.2f} at end")
    print(f"- torch {info['torch']}, python {info['python']}, one thread; best of "
          f"{args.rounds} interleaved rounds")
    trimmed = (f", last 10% of tokens masked: run_epoch trims the batch to {run_tokens} "
               f"tokens, and FLOPs are counted at {run_tokens}" if args.padded else "")
    print(f"- step: run_epoch, Model 4 (encoder) research=True, batch {BATCH} x {TOKENS} tokens "
          f"x {FEATURES}, emb {EMB}, {HEADS} heads, {CLASSES} classes{trimmed}")
    print(f"- FLOPs counted per step: {flops / 1e9:.2f} GFLOP (forward "
          f"{sum(p.flops for p in products) / 1e9:.2f}; see step_flops)\n")
    print("| what | CPU time, best | GFLOP/s (CPU) | wall, best | GFLOP/s (wall) |")
    print("|---|--:|--:|--:|--:|")
    print(f"| fp32 GEMM {args.size}x{args.size} (torch.mm) | {square.cpu * 1e3:.1f} ms | "
          f"{rates['cpu']['gemm_square']:.1f} | {square.wall * 1e3:.1f} ms | "
          f"{rates['wall']['gemm_square']:.1f} |")
    shape_cpu = sum(t.cpu for _, t in shapes)
    shape_wall = sum(t.wall for _, t in shapes)
    print(f"| the step's GEMMs alone, at the model's shapes ({len(shapes)} products) | "
          f"{shape_cpu * 1e3:.1f} ms | {rates['cpu']['gemm_model_shapes']:.1f} | "
          f"{shape_wall * 1e3:.1f} ms | {rates['wall']['gemm_model_shapes']:.1f} |")
    print(f"| training step (run_epoch) | {step.cpu * 1e3:.1f} ms | {rates['cpu']['step']:.1f} | "
          f"{step.wall * 1e3:.1f} ms | {rates['wall']['step']:.1f} |")
    print()
    for kind, label in (("cpu", "CPU time"), ("wall", "wall clock")):
        r = rates[kind]
        print(f"{label}: step = {r['fraction_square']:.2f} of the {args.size}x{args.size} GEMM "
              f"rate (target >= 0.70: {'met' if r['fraction_square'] >= 0.7 else 'NOT met'}), "
              f"{r['fraction_model_shapes']:.2f} of the GEMM rate at the model's own shapes; "
              f"{BATCH / getattr(step, kind):.0f} windows/s")
    print("\nper product at the model's shapes (CPU time, GFLOP/s):")
    for p, rate in zip(products, _product_rates(products, shapes), strict=True):
        print(f"  {p.name}: {p.batch} x ({p.m} x {p.k}) @ ({p.k} x {p.n}): {rate:.1f}")
    if args.json:
        args.json.write_text(json.dumps({
            "machine": info, "rounds": args.rounds, "size": args.size, "padded": args.padded,
            "tokens_run": run_tokens,
            "step_gflop": flops / 1e9, "rates_gflops": rates,
            "step_seconds": {"cpu": step.cpu, "wall": step.wall},
            "products": [p.__dict__ | {"forward_gflop": p.flops / 1e9} for p in products],
        }, indent=2))
        print(f"wrote {args.json}")
    return 0


def _product_rates(products: list[Product], shapes: list[tuple[int, Timer]]) -> list[float]:
    """GFLOP/s (CPU time) of each product's timers taken together."""
    rates, i = [], 0
    for p in products:
        n = (2 if p.backward == 1 else 3) if p.batch == 1 else 1
        part = shapes[i:i + n]
        rates.append(sum(f for f, _ in part) / sum(t.cpu for _, t in part) / 1e9)
        i += n
    return rates


if __name__ == "__main__":
    sys.exit(main())
