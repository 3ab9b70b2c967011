"""Building blocks shared by every model; the research models are compositions of these.

Conventions: tensors are batch-first, ``(B, T, ...)``; a ``mask`` is ``(B, T)`` bool with True on
real tokens. Padding never influences a real token: padded keys get no attention weight,
per-token layers cannot mix positions, the classifier head averages over real tokens only and
the recurrent encoder packs sequences so padded steps are never fed to the cell.

Blocks holding layers that the original regularised (Keras ``l2(0.1)``) expose them through
``regularized_weights()``; the model sums those for its research-mode L2 penalty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def guard_mask(mask: Tensor) -> Tensor:
    """Treat a sequence without any real token as all-real.

    Softmax over no keys, or a mean over no tokens, is NaN, and one NaN row poisons a whole
    batch's gradients. Such a row's output is meaningless but finite; callers should not send it.
    """
    return mask | ~mask.any(dim=-1, keepdim=True)


def sinusoidal_positions(n_positions: int, dim: int) -> Tensor:
    """Fixed ``(n_positions, dim)`` encoding, sin on even and cos on odd channels (as in TF)."""
    position = torch.arange(n_positions, dtype=torch.float64)[:, None]
    channel = torch.arange(dim, dtype=torch.float64)[None, :]
    angle = position / torch.pow(10000.0, 2.0 * torch.div(channel, 2, rounding_mode="floor") / dim)
    return torch.where(channel % 2 == 0, torch.sin(angle), torch.cos(angle)).float()


def time_positions(times: Tensor, dim: int, shortest: float = 0.05,
                   longest: float = 2000.0) -> Tensor:
    """``(B, T, dim)`` sin/cos of the times (days) at ``dim/2`` log-spaced periods.

    Periods run from ``shortest`` to ``longest`` days, the range of variable-star periods and
    survey baselines, so two tokens' encodings differ by their phase at every period.
    """
    periods = torch.logspace(math.log10(shortest), math.log10(longest), dim // 2,
                             device=times.device, dtype=times.dtype)
    angle = 2 * math.pi * times[..., None] / periods
    return torch.stack([angle.sin(), angle.cos()], dim=-1).flatten(-2)


class TokenEmbedding(nn.Module):
    """Per-token Dense(emb, ReLU) plus a fixed positional encoding.

    ``position="index"`` (the research choice) encodes the token's index. ``"time"`` encodes its
    time since the window's first point (cumulative dt), which is what matters for irregularly
    sampled light curves: equal index gaps can be hours or years apart. ``dt_of`` recovers raw
    dt from the (possibly transformed) first feature of each token; exact for token_stride 1.
    """

    positions: Tensor

    def __init__(self, n_features: int, emb: int, max_tokens: int, position: str = "index",
                 dt_of: Callable[[Tensor], Tensor] | None = None) -> None:
        super().__init__()
        if position not in ("index", "time"):
            raise ValueError(f"position must be index or time, got {position!r}")
        self.proj = nn.Linear(n_features, emb)
        self.position = position
        self.dt_of = dt_of or (lambda x: x)
        # A buffer (moves with .to, never trained); not persistent since it is a pure function
        # of the config, so checkpoints hold only learned weights.
        self.register_buffer("positions", sinusoidal_positions(max_tokens, emb), persistent=False)

    def forward(self, tokens: Tensor) -> Tensor:
        n_tokens = tokens.shape[1]
        if n_tokens > self.positions.shape[0]:
            raise ValueError(
                f"{n_tokens} tokens exceed max_tokens={self.positions.shape[0]}; "
                "build the model with a larger max_tokens"
            )
        x = F.relu(self.proj(tokens), inplace=not torch.is_grad_enabled())
        if self.position == "index":
            return x + self.positions[:n_tokens]
        dt = self.dt_of(tokens[..., 0])
        times = torch.cumsum(dt, dim=1) - dt  # start time of each token, from the window start
        return x + time_positions(times, x.shape[-1])


class MultiHeadAttention(nn.Module):
    """Multi-head attention on torch's fused ``scaled_dot_product_attention``.

    Self-attention by default; pass ``context`` for cross-attention (queries from ``query``,
    keys and values from ``context``). ``key_mask`` (B, Tk), True = real, belongs to the keys:
    padded keys get exactly zero weight. ``scale`` multiplies the scores (default
    1/sqrt(emb/heads)); the research models pass 1/sqrt(emb).
    """

    def __init__(self, emb: int, heads: int, scale: float | None = None) -> None:
        super().__init__()
        if emb % heads:
            raise ValueError(f"emb ({emb}) must be divisible by heads ({heads})")
        self.emb, self.heads = emb, heads
        self.scale = scale if scale is not None else 1.0 / math.sqrt(emb // heads)
        # q, k and v projections stacked so self-attention needs one matmul.
        self.in_proj_weight = nn.Parameter(torch.empty(3 * emb, emb))
        self.in_proj_bias = nn.Parameter(torch.zeros(3 * emb))
        nn.init.xavier_uniform_(self.in_proj_weight)
        self.out_proj = nn.Linear(emb, emb)

    def forward(
        self, query: Tensor, key_mask: Tensor | None = None, context: Tensor | None = None
    ) -> Tensor:
        emb, w, b = self.emb, self.in_proj_weight, self.in_proj_bias
        batch, n_query = query.shape[:2]
        key_mask = None if key_mask is None else guard_mask(key_mask)
        source = query if context is None else context
        if query.device.type == "cpu" and not (query.requires_grad or source.requires_grad):
            # torch's CPU flash kernel runs along a row's keys 16 floats at a time and does
            # the rest one by one: its forward pass took 1.3x as long for 199 keys as for 208
            # and 1.4x for 271 as for 272. So without gradients (inference, a frozen
            # encoder) sequences are padded to a multiple of 16; padded keys are masked (zero
            # weight) and padded queries' outputs dropped: the result is unchanged. Training
            # gained nothing (the backward kernel does not care and the padding costs).
            n_key = source.shape[1]
            query = _pad_to_16(query)
            if context is not None:
                context = _pad_to_16(context)
            key_mask = _pad_mask(key_mask, n_key, _round_16(n_key))
        if context is None:
            q, k, v = apply_linear(None, query, w, b).chunk(3, dim=-1)
        else:
            q = F.linear(query, w[:emb], b[:emb])
            k, v = F.linear(context, w[emb:], b[emb:]).chunk(2, dim=-1)
        attn_mask = None if key_mask is None else key_mask[:, None, None, :]
        out = F.scaled_dot_product_attention(
            self._split(q), self._split(k), self._split(v),
            attn_mask=attn_mask, dropout_p=0.0, scale=self.scale,
        )  # fmt: skip
        out = out.transpose(1, 2)[:, :n_query].reshape(batch, n_query, emb)
        return apply_linear(self.out_proj, out)

    @torch.no_grad()
    def weights(self, query: Tensor, key_mask: Tensor | None = None) -> Tensor:
        """(B, heads, T, T) self-attention weights, computed explicitly for figures.

        The fused kernel never materialises them, so this recomputes softmax(QK^T * scale).
        """
        q, k, _ = F.linear(query, self.in_proj_weight, self.in_proj_bias).chunk(3, dim=-1)
        scores = self._split(q) @ self._split(k).transpose(-1, -2) * self.scale
        if key_mask is not None:
            scores = scores.masked_fill(~guard_mask(key_mask)[:, None, None, :], float("-inf"))
        return scores.softmax(dim=-1)

    def _split(self, x: Tensor) -> Tensor:
        """(B, T, emb) -> (B, heads, T, emb/heads)."""
        return x.unflatten(-1, (self.heads, self.emb // self.heads)).transpose(1, 2)


def parameters_outside(model: nn.Module, part: nn.Module) -> Iterator[nn.Parameter]:
    """``model``'s parameters that are not ``part``'s: everything but a classifier's head,
    which a frozen encoder's training leaves alone."""
    inside = {id(p) for p in part.parameters()}
    return (p for p in model.parameters() if id(p) not in inside)


def apply_linear(layer: nn.Linear | None, x: Tensor, weight: Tensor | None = None,
                 bias: Tensor | None = None) -> Tensor:
    """``layer(x)`` (or ``F.linear(x, weight, bias)``); without gradients as a product, then
    the bias added in place: ``addmm`` first copies the bias into every row of the output,
    which took a third as long as the product itself (3% of the periodic model's inference)."""
    if layer is not None:
        weight, bias = layer.weight, layer.bias
    assert weight is not None
    if torch.is_grad_enabled() or bias is None:
        return F.linear(x, weight, bias)
    return torch.matmul(x, weight.t()).add_(bias)


def _round_16(n: int) -> int:
    return -(-n // 16) * 16


def _pad_to_16(x: Tensor) -> Tensor:
    """(B, T, E) with zero rows appended up to a multiple of 16 tokens."""
    pad = _round_16(x.shape[1]) - x.shape[1]
    return F.pad(x, (0, 0, 0, pad)) if pad else x


def _pad_mask(mask: Tensor | None, n: int, padded: int) -> Tensor | None:
    """The key mask of ``n`` keys extended with False up to ``padded`` keys (a (1, padded)
    mask when there was none)."""
    if padded == n:
        return mask
    if mask is None:
        return (torch.arange(padded) < n)[None, :]
    return F.pad(mask, (0, padded - n), value=False)


class FeedForward(nn.Module):
    """The original's Dense(emb) -> Dense(mult*emb, ReLU) -> Dense(emb), kept as it was.

    The first two layers compose linearly (no activation between them); that is faithful to
    the research code and costs little.
    """

    def __init__(self, emb: int, mult: int) -> None:
        super().__init__()
        self.inp = nn.Linear(emb, emb)
        self.hidden = nn.Linear(emb, mult * emb)
        self.out = nn.Linear(mult * emb, emb)

    def forward(self, x: Tensor) -> Tensor:
        if torch.is_grad_enabled():
            return self.out(F.relu(self.hidden(self.inp(x))))
        # Inference: the two linear layers folded into one (equal up to float rounding), one
        # matrix product fewer per token; the ReLU in place.
        weight = self.hidden.weight @ self.inp.weight
        bias = torch.addmv(self.hidden.bias, self.hidden.weight, self.inp.bias)
        return apply_linear(self.out, apply_linear(None, x, weight, bias).relu_())

    def regularized_weights(self) -> Iterator[Tensor]:
        yield self.hidden.weight


class Dropout(nn.Module):
    """``nn.Dropout`` with a cheaper mask on the CPU.

    torch's CPU dropout draws one Mersenne-Twister number per element (``bernoulli_``); here
    one 64-bit draw gives four 16-bit ones, compared with ``p`` rounded to a multiple of
    1/65536 (0.1 -> 0.100006; the kept values are scaled by 1/(1 - that), so the expectation
    is unchanged). Forward and backward of a (256, 199, 64) tensor took 19 ms instead of 35.
    Other devices use ``F.dropout``.
    """

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p
        self.threshold = min(round(p * 65536), 65535)  # dropped: 16-bit draws below this

    def forward(self, x: Tensor) -> Tensor:
        if not self.training or self.p == 0.0:
            return x
        if x.device.type != "cpu":
            return F.dropout(x, self.p, True)
        draws = torch.empty((x.numel() + 3) // 4, dtype=torch.int64).random_(-(2 ** 63), None)
        draws = draws.view(torch.int16)[:x.numel()].view(x.shape)  # uniform on -32768..32767
        keep = (draws >= self.threshold - 32768).to(x.dtype)
        return x * keep.mul_(65536 / (65536 - self.threshold))

    def extra_repr(self) -> str:
        return f"p={self.p}"


class EncoderBlock(nn.Module):
    """Post-norm transformer encoder block: x = LN(x + attn(x)); x = LN(x + ff(x))."""

    def __init__(
        self, emb: int, heads: int, ff_mult: int, dropout: float, scale: float | None = None
    ) -> None:
        super().__init__()
        self.attn = MultiHeadAttention(emb, heads, scale)
        self.norm1 = nn.LayerNorm(emb)
        self.ff = FeedForward(emb, ff_mult)
        self.norm2 = nn.LayerNorm(emb)
        self.drop = Dropout(dropout)

    def forward(self, x: Tensor, mask: Tensor | None, queries: Tensor | None = None) -> Tensor:
        """``queries``: only the tokens whose outputs are needed (as rows of ``x``), which
        attend to all of ``x``; their outputs are returned. A last block whose caller reads
        a few tokens skips the others' attention and feed-forward."""
        if queries is None:
            x = self.norm1(x + self.drop(self.attn(x, mask)))
        else:
            x = self.norm1(queries + self.drop(self.attn(queries, mask, context=x)))
        return self.norm2(x + self.drop(self.ff(x)))


class DecoderBlock(nn.Module):
    """Post-norm decoder block: self-attention, cross-attention to ``memory``, feed-forward.

    No causal mask: the decoder sees a second embedding of the same tokens, not a shifted target.
    """

    def __init__(
        self, emb: int, heads: int, ff_mult: int, dropout: float, scale: float | None = None
    ) -> None:
        super().__init__()
        self.self_attn = MultiHeadAttention(emb, heads, scale)
        self.norm1 = nn.LayerNorm(emb)
        self.cross_attn = MultiHeadAttention(emb, heads, scale)
        self.norm2 = nn.LayerNorm(emb)
        self.ff = FeedForward(emb, ff_mult)
        self.norm3 = nn.LayerNorm(emb)
        self.drop = Dropout(dropout)

    def forward(
        self, x: Tensor, mask: Tensor | None, memory: Tensor, memory_mask: Tensor | None
    ) -> Tensor:
        x = self.norm1(x + self.drop(self.self_attn(x, mask)))
        x = self.norm2(x + self.drop(self.cross_attn(x, memory_mask, context=memory)))
        return self.norm3(x + self.drop(self.ff(x)))


class ClassifierHead(nn.Module):
    """The classifier head: per token, with the class probabilities averaged over the real
    tokens (research), or ``pooled``: one classification of the averaged token features.

    Returns ``log(mean_t p_t)`` as (B, C) log-probabilities (train with NLL), computed as a masked
    logsumexp of per-token log-softmax minus log(count), so no probability is ever exponentiated
    into underflow.
    """

    def __init__(self, in_features: int, hidden: int, n_classes: int,
                 pooled: bool = False) -> None:
        super().__init__()
        # pooled=True: average the token features first, then classify once. Each token then
        # votes with knowledge of the whole window instead of only its own context.
        self.pooled = pooled
        self.fc1 = nn.Linear(in_features, hidden)
        self.norm1 = nn.LayerNorm(hidden)
        self.fc2 = nn.Linear(hidden, hidden)
        self.norm2 = nn.LayerNorm(hidden)
        self.out = nn.Linear(hidden, n_classes)

    def token_log_probs(self, x: Tensor) -> Tensor:
        """(B, T, C) per-token log-probabilities (e.g. for accuracy against token position)."""
        # In place: layer norm's backward needs its input, not its output. (Not after a
        # linear layer: its output is a view, and autograd then copies the whole gradient.)
        x = F.relu(self.norm1(self.fc1(x)), inplace=True)
        x = F.relu(self.norm2(self.fc2(x)), inplace=True)
        return F.log_softmax(self.out(x), dim=-1)

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        mask = guard_mask(mask)
        if self.pooled:
            weights = mask[..., None].to(x.dtype)
            mean = (x * weights).sum(dim=1) / weights.sum(dim=1)
            return self.token_log_probs(mean)
        log_p = self.token_log_probs(x).masked_fill(~mask[..., None], -math.inf)
        count = mask.sum(dim=1, keepdim=True).to(log_p.dtype)
        return torch.logsumexp(log_p, dim=1) - torch.log(count)

    def regularized_weights(self) -> Iterator[Tensor]:
        yield self.fc1.weight
        yield self.fc2.weight


class RecurrentEncoder(nn.Module):
    """``layers`` LSTM or GRU layers, each followed by LayerNorm.

    Padding must sit at the end of each sequence (mask = a prefix of True). The layers are
    unidirectional, so a real step never sees the padded steps after it: running over the whole
    padded batch gives the real steps exactly the states that packing would, and is much faster
    on CPU (a packed GRU was measured 20-30x slower). Padded steps come out as zeros.
    """

    def __init__(
        self, n_features: int, units: int, layers: int, cell: Literal["lstm", "gru"] = "lstm"
    ) -> None:
        super().__init__()
        rnn_class = {"lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnns = nn.ModuleList(
            rnn_class(n_features if i == 0 else units, units, batch_first=True)
            for i in range(layers)
        )
        self.norms = nn.ModuleList(nn.LayerNorm(units) for _ in range(layers))

    def forward(self, x: Tensor, mask: Tensor) -> Tensor:
        steps = torch.arange(x.shape[1], device=mask.device)
        if not torch.equal(mask, steps[None, :] < mask.sum(dim=1)[:, None]):
            raise ValueError("the recurrent encoder needs padding only at the end of a sequence")
        for rnn, norm in zip(self.rnns, self.norms, strict=True):
            x, _ = rnn(x)
            x = norm(x)
        return x.masked_fill(~mask[..., None], 0.0)

    def regularized_weights(self) -> Iterator[Tensor]:
        """Recurrent kernels: the original's ``recurrent_regularizer=l2(0.1)``."""
        for rnn in self.rnns:
            yield rnn.weight_hh_l0
