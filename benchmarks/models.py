"""Time forward+backward of the ``encoder`` model against a hand-written-attention reference.

Both run in this process on the same weights (the reference differs only in its attention:
explicit softmax(QK^T * scale) V in eager ops), so the ratio isolates the fused SDPA kernel.
Usage: ``python benchmarks/models.py [--batch 256 --tokens 199 --steps 10 --device cpu]``.
"""

from __future__ import annotations

import argparse
import copy
import math
import time

import torch
import torch.nn.functional as F
from torch import Tensor

from lcformer.models import LightCurveClassifier, MultiHeadAttention, build_model


class ReferenceAttention(MultiHeadAttention):
    """Same parameters as :class:`MultiHeadAttention`, attention written out in eager ops."""

    def forward(
        self, query: Tensor, key_mask: Tensor | None = None, context: Tensor | None = None
    ) -> Tensor:
        emb, heads = self.emb, self.heads
        source = query if context is None else context
        w_q, w_kv = self.in_proj_weight.split([emb, 2 * emb])
        b_q, b_kv = self.in_proj_bias.split([emb, 2 * emb])
        q = F.linear(query, w_q, b_q)
        k, v = F.linear(source, w_kv, b_kv).chunk(2, dim=-1)
        q, k, v = (x.unflatten(-1, (heads, emb // heads)).transpose(1, 2) for x in (q, k, v))
        scores = q @ k.transpose(-1, -2) * self.scale
        if key_mask is not None:
            scores = scores.masked_fill(~key_mask[:, None, None, :], -math.inf)
        out = torch.softmax(scores, dim=-1) @ v
        return self.out_proj(out.transpose(1, 2).reshape(query.shape[0], query.shape[1], emb))


def reference_copy(model: LightCurveClassifier) -> LightCurveClassifier:
    """Deep copy of ``model`` whose attention modules use :class:`ReferenceAttention`."""
    ref = copy.deepcopy(model)
    for module in ref.modules():
        if type(module) is MultiHeadAttention:
            module.__class__ = ReferenceAttention
    return ref


def windows_per_second(
    model: LightCurveClassifier, tokens: Tensor, mask: Tensor, labels: Tensor, steps: int
) -> float:
    """Forward + NLL + backward, ``steps`` times after 2 warm-up steps."""

    def step() -> None:
        model.zero_grad(set_to_none=True)
        F.nll_loss(model.classify(tokens, mask), labels).backward()

    for _ in range(2):
        step()
    if tokens.is_cuda:
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if tokens.is_cuda:
        torch.cuda.synchronize()
    return steps * tokens.shape[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--tokens", type=int, default=199)
    parser.add_argument("--emb", type=int, default=64)
    parser.add_argument("--heads", type=int, default=4)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--padded", type=float, default=0.0, help="fraction of windows cut short")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    device = torch.device(args.device)
    model = build_model("encoder", n_classes=8, emb=args.emb, heads=args.heads, research=True)
    model = model.to(device)
    reference = reference_copy(model)
    tokens = torch.randn(args.batch, args.tokens, 4, device=device)
    lengths = torch.full((args.batch,), args.tokens, device=device)
    n_short = int(args.padded * args.batch)
    lengths[:n_short] = torch.randint(1, args.tokens + 1, (n_short,), device=device)
    mask = torch.arange(args.tokens, device=device)[None, :] < lengths[:, None]
    labels = torch.randint(8, (args.batch,), device=device)

    model.eval(), reference.eval()  # same outputs needs no dropout; timing uses train mode
    with torch.no_grad():
        diff = (model.classify(tokens, mask) - reference.classify(tokens, mask)).abs().max()
    model.train(), reference.train()

    fast = windows_per_second(model, tokens, mask, labels, args.steps)
    slow = windows_per_second(reference, tokens, mask, labels, args.steps)
    print(
        f"device {device}, threads {torch.get_num_threads()}, batch {args.batch} x "
        f"{args.tokens} tokens, emb {args.emb}, heads {args.heads}, {n_short} short windows"
    )
    print(f"max |log-prob difference| {diff.item():.2e}")
    print(f"sdpa      {fast:10.1f} windows/s (forward+backward)")
    print(f"reference {slow:10.1f} windows/s (forward+backward)")
    print(f"speed-up  {fast / slow:10.2f}x")


if __name__ == "__main__":
    main()
