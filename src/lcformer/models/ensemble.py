"""An ensemble: members of one architecture trained with different seeds, probabilities
averaged. One checkpoint holds every member (``members.<i>.`` in the state dict)."""

from __future__ import annotations

import math
from collections.abc import Iterator

import torch
from torch import Tensor, nn


class Ensemble(nn.Module):
    pretrain = None
    reconstruction = None
    arch = None  # no per-token figures: the members' tokens do not agree

    def __init__(self, members: list[nn.Module]) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.config = members[0].config

    def classify(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        """log of the members' mean probabilities, (B, C)."""
        log_p = torch.stack([m.classify(tokens, mask, extra) for m in self.members])
        return torch.logsumexp(log_p, dim=0) - math.log(len(self.members))

    def forward(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        return self.classify(tokens, mask, extra)

    def encoder_parameters(self) -> Iterator[nn.Parameter]:
        for m in self.members:
            yield from m.encoder_parameters()

    def l2_penalty(self, phase: str = "classify") -> Tensor:
        return sum(m.l2_penalty(phase) for m in self.members)  # type: ignore[return-value]
