"""Training windows/s and inference stars/s of every model against a hand-written eager encoder.

Each model is built at the research size (199 tokens of 4 numbers, emb 64, 4 heads,
``research=True``) and timed through the project's own code paths:

* training: :func:`lcformer.training.loop.run_epoch` over one batch of 256 windows, i.e. the real
  step (NLL with class weights + ``l2_penalty()``, backward, gradient clipping at 1, Adam),
  in train mode (dropout on). The autoencoders get two rows: a classification step (Model 2
  with its encoder frozen, as ``train`` does) and a reconstruction step (masked MSE);
* inference: :func:`lcformer.models.inference.window_probabilities` (``classify`` under
  inference_mode, eval mode; on the CPU in length-sorted batches of at most 32, each cut to
  its longest window) on 512 windows, then
  :func:`lcformer.models.inference.star_probabilities`;
  windows/s is turned into stars/s with the ASAS average of windows per star.

The reference, :class:`PlainEncoder`, is Model 4 (``encoder``) written out plainly from the
research description, independent of :mod:`lcformer.models`: explicit softmax(QK^T * scale) V
with padded keys set to -inf, probabilities averaged over real tokens. It is loaded with the
same weights as the timed lcformer ``encoder`` and must give the same log-probabilities and
gradients before anything is timed. All rows run in one process, interleaved round-robin, so
load from other processes hits every row alike: compare ratios, not absolute numbers.

Times are wall clock (``time.perf_counter``), not CPU time: a busy machine slows every call,
which is why the header warns when the load average at the start already fills the CPUs.

Padded rows mask the last 10% of every window's tokens. Both training (``run_epoch``'s
``load_batch``) and inference cut each batch to its longest window
(:func:`lcformer.models.inference.trim_padding`), so a padded (256, 199, 4) batch trains as
(256, 179, 4): the padded ÷ unpadded line measures that trimming together with the mask's cost.

Usage: ``python benchmarks/train.py [--models all|name,name] [--steps 10] [--threads 2]
[--device cpu|cuda] [--json out.json]``; ``--help`` lists the timing limits.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from machine import cpu_model  # benchmarks/machine.py
from torch import Tensor, nn

from lcformer.data.splits import SampleSet
from lcformer.models import (
    REGISTRY,
    LightCurveClassifier,
    ModelConfig,
    build_model,
)
from lcformer.models.inference import star_probabilities, window_probabilities
from lcformer.models.registry import WINDOW_MODELS
from lcformer.training.loop import Phase, TrainConfig, run_epoch

#: ASAS with windows of W=200 pairs every S=100: 42,615 windows from 12,592 stars.
ASAS_WINDOWS, ASAS_STARS = 42_615, 12_592
WINDOWS_PER_STAR = ASAS_WINDOWS / ASAS_STARS
TOKENS, FEATURES = 199, 4  # 200 (dt, dm) pairs -> 199 tokens of 2 pairs
EMB, HEADS = 64, 4
TRAIN_BATCH, INFER_BATCH = 256, 512
PAD_FRACTION = 0.1  # padded rows: the last 10% of every window's tokens are masked
REFERENCE = "reference"


# ---------------------------------------------------------------------------- the reference
def plain_positions(n_positions: int, dim: int) -> Tensor:
    """Sinusoidal position table: sin(pos / 10000^(2i/dim)) on channel 2i, cos on 2i+1."""
    table = [
        [
            (math.sin if channel % 2 == 0 else math.cos)(
                position / 10000 ** (2 * (channel // 2) / dim)
            )
            for channel in range(dim)
        ]
        for position in range(n_positions)
    ]
    return torch.tensor(table, dtype=torch.float32)


class PlainEncoder(nn.Module):
    """Model 4 (``encoder``) written out in eager ops, as the benchmark's reference.

    embedding   x = relu(Dense(tokens)) + sinusoidal position
    attention   x = LayerNorm(x + dropout(MultiHead(x))), scores scaled by ``attention_scale``
    feedforward x = LayerNorm(x + dropout(Dense(relu(Dense(Dense(x))))))  (as the original)
    head        per token Dense -> LN -> relu -> Dense -> LN -> relu -> Dense -> softmax;
                log of the probabilities averaged over the real tokens.
    """

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        if config.depth != 1:
            raise ValueError("the reference has exactly one encoder block")
        self.config = config  # window_probabilities reads config.n_classes
        emb, hidden = config.emb, config.head_hidden_mult * config.emb
        self.embed = nn.Linear(config.n_features, emb)
        self.register_buffer("positions", plain_positions(config.max_tokens, emb), persistent=False)
        self.qkv = nn.Linear(emb, 3 * emb)  # queries, keys and values stacked
        self.attn_out = nn.Linear(emb, emb)
        self.norm1 = nn.LayerNorm(emb)
        self.ff_in = nn.Linear(emb, emb)
        self.ff_hidden = nn.Linear(emb, config.ff_mult * emb)
        self.ff_out = nn.Linear(config.ff_mult * emb, emb)
        self.norm2 = nn.LayerNorm(emb)
        self.head_fc1 = nn.Linear(emb, hidden)
        self.head_norm1 = nn.LayerNorm(hidden)
        self.head_fc2 = nn.Linear(hidden, hidden)
        self.head_norm2 = nn.LayerNorm(hidden)
        self.head_out = nn.Linear(hidden, config.n_classes)
        self.drop = nn.Dropout(config.dropout)

    def attention(self, x: Tensor, mask: Tensor) -> Tensor:
        """softmax(Q K^T * scale) V per head; padded keys (mask False) get zero weight."""
        batch, n_tokens, emb = x.shape
        heads = self.config.heads
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        # (B, T, emb) -> (B, heads, T, emb / heads)
        q, k, v = (
            z.reshape(batch, n_tokens, heads, emb // heads).transpose(1, 2) for z in (q, k, v)
        )
        scores = q @ k.transpose(-2, -1) * self.config.attention_scale  # (B, heads, T, T)
        scores = scores.masked_fill(~mask[:, None, None, :], -math.inf)
        out = scores.softmax(dim=-1) @ v  # (B, heads, T, emb / heads)
        return self.attn_out(out.transpose(1, 2).reshape(batch, n_tokens, emb))

    def classify(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        """(B, C) log of the class probabilities averaged over each window's real tokens."""
        tokens = torch.where(mask[..., None], tokens, 0.0)
        x = F.relu(self.embed(tokens)) + self.positions[: tokens.shape[1]]
        x = self.norm1(x + self.drop(self.attention(x, mask)))
        ff = self.ff_out(F.relu(self.ff_hidden(self.ff_in(x))))
        x = self.norm2(x + self.drop(ff))
        x = F.relu(self.head_norm1(self.head_fc1(x)))
        x = F.relu(self.head_norm2(self.head_fc2(x)))
        probs = self.head_out(x).softmax(dim=-1) * mask[..., None]  # (B, T, C), 0 on padding
        return torch.log(probs.sum(dim=1) / mask.sum(dim=1, keepdim=True))

    def l2_penalty(self, phase: str = "classify") -> Tensor:
        """The research L2 on the feed-forward hidden layer and the head's two hidden layers."""
        weights = (self.ff_hidden.weight, self.head_fc1.weight, self.head_fc2.weight)
        return self.config.l2 * sum(w.square().sum() for w in weights)

    def load_lcformer(self, model: LightCurveClassifier) -> None:
        """Copy the weights of an lcformer ``encoder`` model (every tensor, by name)."""
        source = model.state_dict()
        names = dict(lcformer_names())
        unused = set(source) - set(names.values())
        if unused:
            raise ValueError(f"lcformer weights the reference does not have: {sorted(unused)}")
        self.load_state_dict({mine: source[theirs] for mine, theirs in names.items()})


def lcformer_names() -> Iterator[tuple[str, str]]:
    """(reference parameter, lcformer ``encoder`` parameter) pairs."""
    yield "qkv.weight", "encoder.0.attn.in_proj_weight"
    yield "qkv.bias", "encoder.0.attn.in_proj_bias"
    layers = {
        "embed": "embedding.proj",
        "attn_out": "encoder.0.attn.out_proj",
        "norm1": "encoder.0.norm1",
        "ff_in": "encoder.0.ff.inp",
        "ff_hidden": "encoder.0.ff.hidden",
        "ff_out": "encoder.0.ff.out",
        "norm2": "encoder.0.norm2",
        "head_fc1": "head.fc1",
        "head_norm1": "head.norm1",
        "head_fc2": "head.fc2",
        "head_norm2": "head.norm2",
        "head_out": "head.out",
    }
    for mine, theirs in layers.items():
        for kind in ("weight", "bias"):
            yield f"{mine}.{kind}", f"{theirs}.{kind}"


def check_reference(
    model: LightCurveClassifier, reference: PlainEncoder, device: torch.device
) -> dict[str, float]:
    """Same log-probabilities (atol 1e-5) and gradients (1e-4 of the largest) on one batch.

    Windows of every length from 1 to 199 tokens, so the masking is checked as well.
    """
    generator = torch.Generator().manual_seed(1)
    tokens = torch.randn(64, TOKENS, FEATURES, generator=generator).to(device)
    lengths = torch.linspace(1, TOKENS, 64).round().long().to(device)
    mask = torch.arange(TOKENS, device=device)[None, :] < lengths[:, None]
    labels = torch.randint(model.config.n_classes, (64,), generator=generator).to(device)
    model.eval(), reference.eval()  # no dropout, so both compute the same function

    def loss_and_grads(m: nn.Module) -> tuple[Tensor, dict[str, Tensor]]:
        m.zero_grad(set_to_none=True)
        log_probs = m.classify(tokens, mask)  # type: ignore[operator]
        (F.nll_loss(log_probs, labels) + m.l2_penalty()).backward()  # type: ignore[operator]
        grads = {name: p.grad.detach().clone() for name, p in m.named_parameters()}
        m.zero_grad(set_to_none=True)
        return log_probs.detach(), grads

    ours, our_grads = loss_and_grads(model)
    theirs, their_grads = loss_and_grads(reference)
    output_diff = (ours - theirs).abs().max().item()
    largest = max(g.abs().max().item() for g in our_grads.values())
    grad_diff = max(
        (their_grads[mine] - our_grads[name]).abs().max().item() for mine, name in lcformer_names()
    )
    l2_diff = abs(model.l2_penalty().item() - reference.l2_penalty().item())
    if not output_diff < 1e-5:
        raise AssertionError(f"reference and lcformer encoder differ: max |log-prob| {output_diff}")
    if not grad_diff < 1e-4 * largest:
        raise AssertionError(f"gradients differ: max {grad_diff} (largest gradient {largest})")
    if not l2_diff < 1e-4 * max(1.0, model.l2_penalty().item()):
        raise AssertionError(f"L2 penalties differ by {l2_diff}")
    return {"max_abs_log_prob_diff": output_diff, "max_abs_grad_diff": grad_diff,
            "largest_grad": largest, "l2_penalty_diff": l2_diff}


# ---------------------------------------------------------------------------- timing
@dataclass
class Case:
    """One timed thing: a training step or an inference batch of one row."""

    row: str
    kind: str  # "train" or "infer"
    run: Callable[[], Any]
    windows: int  # windows per call
    min_times: int = 1  # timed calls it gets whatever the time limits
    warm: int = 0
    cold: bool = False  # the first call was timed (see measure)
    spent: float = 0.0
    times: list[float] = field(default_factory=list)


@dataclass
class Row:
    model: str
    step: str
    reference: str  # the row this one's ratios divide by
    train: Case | None = None
    infer: Case | None = None


def windows(n: int, padded: bool, n_classes: int, rng: np.random.Generator) -> SampleSet:
    """Random windows (speed does not depend on the values); padding at the end if ``padded``."""
    mask = np.ones((n, TOKENS), dtype=bool)
    if padded:
        mask[:, TOKENS - round(PAD_FRACTION * TOKENS) :] = False
    tokens = rng.standard_normal((n, TOKENS, FEATURES), dtype=np.float32)
    star = (np.arange(n) / WINDOWS_PER_STAR).astype(np.int64)
    return SampleSet(tokens, mask, rng.integers(n_classes, size=n), star)


def train_case(
    row: str, model: nn.Module, data: SampleSet, phase: Phase, device: torch.device
) -> Case:
    """One :func:`run_epoch` over ``data`` (one batch): the real training step."""
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    config = TrainConfig(batch_size=TRAIN_BATCH)  # class-weighted loss, clip 1.0, as in train()
    weights = torch.ones(model.config.n_classes, device=device)
    rng = np.random.default_rng(0)

    def step() -> None:
        run_epoch(model, data, optimizer, phase, config, weights, rng, device)  # type: ignore[arg-type]

    return Case(row, "train", step, len(data))


def infer_case(row: str, model: nn.Module, data: SampleSet, device: torch.device) -> Case:
    """Class probabilities of one batch of windows, then averaged per star."""

    def step() -> None:
        probs = window_probabilities(model, data.tokens, data.mask, INFER_BATCH, device)  # type: ignore[arg-type]
        star_probabilities(probs, data.star)

    return Case(row, "infer", step, len(data))


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def measure(cases: list[Case], args: argparse.Namespace, device: torch.device) -> None:
    """Time the cases in rounds of one call each, the order rotated every round.

    Interleaving means load from other processes, which drifts, hits every row alike. A case
    gets ``args.warmup`` untimed calls, then timed ones until it has ``args.steps``, has used
    ``args.row_seconds``, or ``args.seconds`` have passed since the start, but never fewer than
    its ``min_times``. A call slower than ``args.slow`` seconds is not repeated for warm-up: it
    is kept as the row's (cold) timed call, since start-up costs are negligible next to it.
    """
    began = time.perf_counter()

    def wants(case: Case) -> bool:
        if len(case.times) >= args.steps:
            return False
        if len(case.times) < case.min_times:
            return True
        return case.spent < args.row_seconds and time.perf_counter() - began < args.seconds

    n_round = 0
    while any(wants(c) for c in cases):
        shift = n_round % len(cases)
        for case in cases[shift:] + cases[:shift]:
            if not wants(case):
                continue
            warming = case.warm < args.warmup
            sync(device)
            start = time.perf_counter()
            case.run()
            sync(device)
            elapsed = time.perf_counter() - start
            case.spent += elapsed
            if warming and elapsed < args.slow:
                case.warm += 1
            else:
                case.times.append(elapsed)
                case.cold = case.cold or warming
        n_round += 1
        left = sum(wants(c) for c in cases)
        print(f"  round {n_round}: {time.perf_counter() - began:4.0f} s, {left} cases left",
              file=sys.stderr, flush=True)


def rate(case: Case | None, pick: Callable[[list[float]], float] = min) -> float | None:
    """Windows per second from the fastest call (``pick=statistics.median`` for the median)."""
    if case is None or not case.times:
        return None
    return case.windows / pick(case.times)


# ---------------------------------------------------------------------------- the run
def build_rows(
    names: list[str], n_classes: int, min_steps: int, device: torch.device, checks: dict[str, Any]
) -> list[Row]:
    """The rows to time; the reference and ``encoder`` rows get at least ``min_steps`` calls."""
    rng = np.random.default_rng(0)
    data = {
        (kind, padded): windows(size, padded, n_classes, rng)
        for kind, size in (("train", TRAIN_BATCH), ("infer", INFER_BATCH))
        for padded in (False, True)
    }

    def model(name: str) -> LightCurveClassifier:
        return build_model(name, n_classes=n_classes, emb=EMB, heads=HEADS, research=True).to(
            device
        )

    def pair(row: str, m: nn.Module, padded: bool) -> tuple[Case, Case]:
        return (train_case(row, m, data["train", padded], "classify", device),
                infer_case(row, m, data["infer", padded], device))

    rows: list[Row] = []
    torch.manual_seed(0)
    for padded in (False, True):
        label = f"{REFERENCE}, padded" if padded else REFERENCE
        lc = model("encoder")
        ref = PlainEncoder(lc.config).to(device)
        ref.load_lcformer(lc)
        checks[label] = check_reference(lc, ref, device)
        rows.append(Row(label, "classify", label, *pair(label, ref, padded)))
        if "encoder" in names:
            enc = "encoder, padded" if padded else "encoder"
            rows.append(Row(enc, "classify", label, *pair(enc, lc, padded)))
    for row in rows:  # the headline ratios: worth a few calls even when time is short
        for case in (row.train, row.infer):
            assert case is not None
            case.min_times = min_steps
    autoencoders = [n for n in names if REGISTRY[n].arch.pretrain is not None]
    for name in names:
        if name == "encoder":
            continue
        m = model(name)
        if m.pretrain == "frozen":  # what train() does in Model 2's classification epochs
            for p in m.encoder_parameters():
                p.requires_grad_(False)
        step = "classify (encoder frozen)" if m.pretrain == "frozen" else "classify"
        rows.append(Row(name, step, REFERENCE, *pair(name, m, False)))
        if autoencoders and name == autoencoders[0]:
            # Reconstruction epochs train everything in both Models 2 and 3: one row for both.
            label = ", ".join(autoencoders)
            rows.append(Row(label, "reconstruct", REFERENCE, train_case(
                label, model(name), data["train", False], "reconstruct", device)))
    return rows


def machine(device: torch.device, threads: int) -> dict[str, Any]:
    cpu = cpu_model()
    info: dict[str, Any] = {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu,
        "logical_cpus": os.cpu_count(),
        "load_average_1min": os.getloadavg()[0] if hasattr(os, "getloadavg") else None,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "device": str(device),
        "threads": threads,
    }
    if device.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(device)
    return info


def spread(times: list[float]) -> float | None:
    """Slowest ÷ fastest timed call: well above 1 means the machine was busy."""
    return max(times) / min(times) if len(times) > 1 else None


def overloaded(info: dict[str, Any]) -> bool:
    """Whether the 1-minute load average at the start already fills every logical CPU."""
    load, cpus = info.get("load_average_1min"), info.get("logical_cpus")
    return load is not None and cpus is not None and load >= cpus


def fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def ratio(value: float | None, base: float | None) -> float | None:
    return None if value is None or base is None else value / base


def report(rows: list[Row], info: dict[str, Any], args: argparse.Namespace,
           checks: dict[str, Any]) -> dict[str, Any]:
    by_name = {r.model: r for r in rows if r.step == "classify"}
    print("# lcformer training and inference throughput\n")
    gpu = f" ({info['gpu']})" if "gpu" in info else ""
    print(f"- date: {info['date']}")
    print(f"- machine: {info['cpu']}, {info['logical_cpus']} logical CPUs, load average "
          f"{info['load_average_1min']:.2f} (1 min) at start")
    print(f"- torch {info['torch']}, python {info['python']}, device {info['device']}{gpu}, "
          f"{info['threads']} threads (torch.set_num_threads)")
    print(f"- size: {TOKENS} tokens x {FEATURES} features, emb {EMB}, {HEADS} heads, research=True,"
          f" {args.classes} classes; training batch {TRAIN_BATCH}, inference batch {INFER_BATCH}")
    print(f"- timing: rows interleaved round-robin in this process, {args.warmup} warm-up call(s) "
          f"each, then up to {args.steps} timed calls (fewer once a row has used "
          f"{args.row_seconds:g} s or the run {args.seconds:g} s, but at least "
          f"{min(args.min_steps, args.steps)} for the reference and encoder rows and 1 for "
          f"others); speeds use each row's fastest call")
    print(f"- stars/s = windows/s / {WINDOWS_PER_STAR:.3f}, the ASAS average "
          f"({ASAS_WINDOWS:,} windows of W=200, S=100 from {ASAS_STARS:,} stars)")
    kept = TOKENS - round(PAD_FRACTION * TOKENS)
    print(f"- padded rows: the last {round(PAD_FRACTION * TOKENS)} of every window's {TOKENS} "
          f"tokens ({PAD_FRACTION:.0%}) are masked; training and inference cut each batch to "
          f"its longest window, so they run {kept} tokens, not {TOKENS}")
    print("- times: wall clock (time.perf_counter)")
    if info["threads"] > 1 and overloaded(info):
        print(f"- WARNING: load average {info['load_average_1min']:.2f} (1 min) at start >= "
              f"{info['logical_cpus']} logical CPUs with {info['threads']} threads: other work "
              f"is using the CPUs, numbers unreliable (try --threads 1 or an idle machine)")
    for label, c in checks.items():
        print(f"- check ({label} vs lcformer encoder, same weights, lengths 1..{TOKENS}): "
              f"max |log-prob diff| {c['max_abs_log_prob_diff']:.1e}, max |grad diff| "
              f"{c['max_abs_grad_diff']:.1e} (largest grad {c['largest_grad']:.1e})")
    print()
    print("| model | step | train windows/s | train ÷ ref | inference stars/s | inference ÷ ref "
          "| timed calls train/infer | train slowest/fastest | inference slowest/fastest |")
    print("|---|---|--:|--:|--:|--:|--:|--:|--:|")
    out_rows = []
    cold = False
    for r in rows:
        base = by_name[r.reference]
        train, infer = rate(r.train), rate(r.infer)
        stars = None if infer is None else infer / WINDOWS_PER_STAR
        train_ratio = ratio(train, rate(base.train))
        infer_ratio = ratio(infer, rate(base.infer))
        calls = "/".join(
            "—" if c is None else f"{len(c.times)}{'*' * c.cold}" for c in (r.train, r.infer)
        )
        cold = cold or "*" in calls
        times = r.train.times if r.train else []
        infer_times = r.infer.times if r.infer else []
        print(f"| {r.model} | {r.step} | {fmt(train, '.0f')} | {fmt(train_ratio, '.2f')} | "
              f"{fmt(stars, '.0f')} | {fmt(infer_ratio, '.2f')} | {calls} | "
              f"{fmt(spread(times), '.1f')} | {fmt(spread(infer_times), '.1f')} |")
        out_rows.append({
            "model": r.model, "step": r.step, "reference": r.reference,
            "train_windows_per_s": train, "train_vs_reference": train_ratio,
            "inference_windows_per_s": infer, "inference_stars_per_s": stars,
            "inference_vs_reference": infer_ratio,
            "train_seconds": times, "inference_seconds": infer_times,
            "train_spread": spread(times), "inference_spread": spread(infer_times),
            "train_cold": bool(r.train and r.train.cold),
            "inference_cold": bool(r.infer and r.infer.cold),
        })
    print()
    print("÷ ref: the row's speed divided by the hand-written reference's, measured in this run "
          "(padded rows: the padded reference); > 1 is faster.")
    if cold:
        print(f"*: no warm-up, the first call took over {args.slow:g} s and is the one timed.")
    if "encoder" in by_name:

        def both(case: Case | None, base: Case | None) -> str:
            fastest = ratio(rate(case), rate(base))
            median = ratio(rate(case, statistics.median), rate(base, statistics.median))
            return f"{fmt(fastest, '.2f')}x ({fmt(median, '.2f')}x by medians)"

        for label, enc in ((REFERENCE, "encoder"), (f"{REFERENCE}, padded", "encoder, padded")):
            e, b = by_name[enc], by_name[label]
            print(f"lcformer {enc} ÷ {label}: training {both(e.train, b.train)}, "
                  f"inference {both(e.infer, b.infer)}")
        full, pad = by_name["encoder"], by_name["encoder, padded"]
        kept = TOKENS - round(PAD_FRACTION * TOKENS)
        print(f"encoder padded ÷ unpadded (batches trimmed to their longest window, {kept} of "
              f"{TOKENS} tokens; > 1 = the trimming saves more than the mask costs): "
              f"training {both(pad.train, full.train)}, inference {both(pad.infer, full.infer)}")
    return {"machine": info, "settings": {k: v for k, v in vars(args).items() if k != "json"},
            "windows_per_star": WINDOWS_PER_STAR, "checks": checks, "rows": out_rows,
            "unreliable_load": info["threads"] > 1 and overloaded(info)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default="all",
                        help=f"'all' or a comma list of {', '.join(WINDOW_MODELS)}; "
                             "the reference always runs")
    parser.add_argument("--steps", type=int, default=10,
                        help="timed calls per row at most (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="untimed calls per row first")
    parser.add_argument("--seconds", type=float, default=120.0,
                        help="stop timing after this long, once every row has a timed call "
                             "(default 120)")
    parser.add_argument("--min-steps", type=int, default=3,
                        help="timed calls the reference and encoder rows get whatever the time "
                             "limits (default 3)")
    parser.add_argument("--row-seconds", type=float, default=20.0,
                        help="a row stops after using this long (default 20)")
    parser.add_argument("--slow", type=float, default=5.0,
                        help="calls slower than this get no warm-up (default 5)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", choices=("cpu", "cuda"),
                        default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--classes", type=int, default=8, help="classes of the head (default 8)")
    parser.add_argument("--json", type=Path, help="also write every measurement here")
    args = parser.parse_args()
    names = list(WINDOW_MODELS) if args.models == "all" else args.models.split(",")
    unknown = sorted(set(names) - set(WINDOW_MODELS))
    if unknown:  # star models (periodic) have their own benchmark: periodic.py
        parser.error(f"unknown models {unknown}; valid: {', '.join(WINDOW_MODELS)} (star "
                     f"models: benchmarks/periodic.py)")
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be at least 1 and --warmup at least 0")
    if args.device == "cuda" and not torch.cuda.is_available():
        parser.error("--device cuda but torch sees no GPU")

    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    info = machine(device, torch.get_num_threads())
    began = time.perf_counter()
    checks: dict[str, Any] = {}
    rows = build_rows(names, args.classes, args.min_steps, device, checks)
    cases = [c for r in rows for c in (r.train, r.infer) if c is not None]
    measure(cases, args, device)
    result = report(rows, info, args, checks)
    wall = time.perf_counter() - began
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\ntotal {wall:.0f} s; load average {load:.2f} (1 min) at the end")
    if args.json:
        result["wall_seconds"] = wall
        args.json.write_text(json.dumps(result, indent=2))
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
