"""The period-aware classifier: attention over a star's folded observations plus its scalars.

Input: star views (:mod:`lcformer.data.views`): tokens ``[phase, phase at 2P, time,
magnitude, error, dm, log_dt, band one-hot]`` of every band in one sequence, and per star a
vector of ``extra`` values (the scalars that normalisation removes, and optionally the feature
baseline's feature vector). The pieces, all from :mod:`lcformer.models.blocks` but the input layers:

* each phase (and the time) enters as its first ``harmonics`` Fourier pairs
  ``sin/cos(2 pi k phase)``, so phase 0.99 and 0.01 are neighbours and a cyclic shift is a
  rotation: during training every star is shifted by a random phase (``phase_shift``), which
  teaches the model that the period's zero point means nothing;
* the extra values are standardised with statistics of the training stars (kept as buffers,
  so they travel with the weights) and each becomes a token of its own, ``z_i w_i + b_i``
  (a learned "missing" vector where the value is unknown), as in the FT-Transformer
  (Gorishniy et al. 2021): a neural network gets the most out of tabular values when each
  is embedded separately, and the attention relates them to each other and to the curve;
* a learned summary token starts the sequence; :class:`EncoderBlock` x ``depth``; then the
  summary token and the mean of the observation tokens, side by side, go through the pooled
  :class:`ClassifierHead`.

There is no positional encoding of the token's place in the sequence: the order of
observations carries nothing once folded. Where the time matters (aperiodic classes), it is
a token channel, the time over twice the span, embedded by the same Fourier pairs as the
phases.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator

import numpy as np
import torch
from torch import Tensor, nn

from lcformer.models.blocks import (
    ClassifierHead,
    EncoderBlock,
    apply_linear,
    guard_mask,
    parameters_outside,
)
from lcformer.models.config import ModelConfig

#: Token channels that are positions on a circle: phase at P, at 2P, and the time over
#: twice the span (which never wraps); see lcformer.data.views.
PHASE_CHANNELS = 3
#: What a shift of the time origin by u turns of 2P adds to each: 2u turns of P, u of 2P, and
#: nothing to the time (the model is taught that the zero point means nothing).
PHASE_SHIFT = (2.0, 1.0, 0.0)


class PeriodicClassifier(nn.Module):
    pretrain = None  # no reconstruction phase
    reconstruction = None
    arch = None  # not a window model: no token-position or attention-map figures

    def __init__(self, config: ModelConfig) -> None:
        super().__init__()
        c = self.config = config
        n_extra = c.n_extra or 0
        self.register_buffer("extra_center", torch.zeros(n_extra))
        self.register_buffer("extra_scale", torch.ones(n_extra))
        self.register_buffer("harmonics", torch.arange(1, c.harmonics + 1, dtype=torch.float32))
        token_in = PHASE_CHANNELS * 2 * c.harmonics + c.n_features - PHASE_CHANNELS
        self.embed = nn.Sequential(nn.Linear(token_in, c.emb), nn.ReLU(),
                                   nn.Linear(c.emb, c.emb))
        self.summary = nn.Parameter(torch.zeros(c.emb))
        self.extra_weight = nn.Parameter(torch.randn(n_extra, c.emb) / math.sqrt(c.emb))
        self.extra_bias = nn.Parameter(torch.zeros(n_extra, c.emb))
        self.extra_missing = nn.Parameter(torch.zeros(n_extra, c.emb))
        self.encoder = nn.ModuleList(
            EncoderBlock(c.emb, c.heads, c.ff_mult, c.dropout, c.attention_scale)
            for _ in range(c.depth))
        self.head = ClassifierHead(2 * c.emb, c.head_hidden_mult * c.emb, c.n_classes,
                                   pooled=True)

    @torch.no_grad()
    def fit_extra_stats(self, extra: np.ndarray) -> None:
        """Centre and scale of each extra value on the training samples (median, IQR)."""
        if extra.shape[1] == 0:
            return
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns: no colour
            center = np.nan_to_num(np.nanmedian(extra, axis=0))
            q25, q75 = np.nanpercentile(extra, [25, 75], axis=0)
            scale = np.nan_to_num(q75 - q25, nan=1.0)
        self.extra_center.copy_(torch.as_tensor(center, dtype=torch.float32))
        self.extra_scale.copy_(torch.as_tensor(np.where(scale > 1e-6, scale, 1.0),
                                               dtype=torch.float32))

    def _tokens(self, tokens: Tensor, mask: Tensor, shift: Tensor | None = None) -> Tensor:
        if tokens.ndim != 3 or tokens.shape[-1] != self.config.n_features:
            raise ValueError(f"tokens must be (batch, tokens, {self.config.n_features}), "
                             f"got {tuple(tokens.shape)}")
        phase = tokens[..., :PHASE_CHANNELS]
        if self.training and self.config.phase_shift:
            # One shift of time per star: phase at 2P moves by u, phase at P by 2u.
            u = (torch.rand(tokens.shape[0], 1, 1, device=tokens.device) if shift is None
                 else shift)
            shift = u * torch.tensor(PHASE_SHIFT, device=tokens.device)
            phase = torch.remainder(phase + shift, 1.0)
        angle = 2 * math.pi * phase[..., None] * self.harmonics  # (B, T, 2, H)
        fourier = torch.cat([angle.sin(), angle.cos()], dim=-1).flatten(-2)
        rest = torch.nan_to_num(tokens[..., PHASE_CHANNELS:], nan=0.0).clamp(-50, 50)
        x = torch.cat([fourier, rest], dim=-1)
        if torch.is_grad_enabled():
            x = self.embed(x)
        else:  # inference: products with the biases added in place (see blocks.apply_linear)
            x = apply_linear(self.embed[2], apply_linear(self.embed[0], x).relu_())
        return x.masked_fill(~mask[..., None], 0.0)

    def classify(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None,
                 shift: Tensor | None = None) -> Tensor:
        """(B, C) class log-probabilities of each sample. ``shift``: the (B, 1, 1) random
        phases of training, when drawn outside (distributed training draws them for the
        whole global batch, as one process would, and gives each rank its part)."""
        mask = guard_mask(mask)
        x = self._tokens(tokens, mask, shift)
        n_extra = self.extra_weight.shape[0]
        lead = [self.summary.expand(x.shape[0], 1, -1)]
        if n_extra:
            if extra is None:
                raise ValueError("this model needs the per-star extra values")
            z = (extra - self.extra_center) / self.extra_scale
            missing = torch.isnan(z)[..., None]
            z = torch.nan_to_num(z, nan=0.0).clamp(-20, 20)[..., None]
            lead.append(torch.where(missing, self.extra_missing,
                                    z * self.extra_weight + self.extra_bias))
        n_lead, n_obs = 1 + n_extra, x.shape[1]
        # Without gradients on the CPU, padded up to a multiple of 16 tokens here, once, rather
        # than in every attention block (see MultiHeadAttention); padding is masked.
        pad = (-(n_lead + n_obs) % 16) if x.device.type == "cpu" and not x.requires_grad else 0
        tail = [x.new_zeros(x.shape[0], pad, x.shape[2])] if pad else []
        x = torch.cat([*lead, x, *tail], dim=1)
        full = torch.cat([mask.new_ones(mask.shape[0], n_lead), mask,
                          mask.new_zeros(mask.shape[0], pad)], dim=1)
        last = len(self.encoder) - 1
        for i, block in enumerate(self.encoder):
            if i < last or torch.is_grad_enabled():
                x = block(x, full)
            else:  # inference: the head reads only the summary and the observations
                x = block(x, full, torch.cat([x[:, :1], x[:, n_lead:n_lead + n_obs]], dim=1))
                n_lead = 1  # 0.91x the network's time on 451 ASAS stars; equal to rounding
        weights = mask[..., None].to(x.dtype)
        mean = (x[:, n_lead:n_lead + n_obs] * weights).sum(1) / weights.sum(1).clamp(min=1.0)
        pooled = torch.cat([x[:, 0], mean], dim=-1)[:, None]
        return self.head(pooled, full[:, :1])

    def forward(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        return self.classify(tokens, mask, extra)

    def encoder_parameters(self) -> Iterator[nn.Parameter]:
        return parameters_outside(self, self.head)

    def head_parameters(self) -> Iterator[nn.Parameter]:
        return self.head.parameters()

    def l2_penalty(self, phase: str = "classify") -> Tensor:
        return self.head.out.weight.new_zeros(())
