"""Which blocks a model has: the part of a model's definition that is not a size.

Kept free of torch so that the registry (and the CLI's list of models) loads instantly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

EncoderKind = Literal["none", "attention", "lstm", "gru"]
PretrainMode = Literal["frozen", "finetune"]


@dataclass(frozen=True)
class Architecture:
    """Which blocks a model has; sizes come from :class:`ModelConfig`.

    ``encoder="none"`` puts the head on the raw tokens (Model 1). ``decoder`` adds a second
    embedding of the same tokens and decoder blocks that cross-attend to the encoder output.
    ``head_on="decoder"`` classifies from the decoder output (Model 5). ``reconstructs`` adds
    the Dense(n_features) reconstruction of an autoencoder (Models 2, 3), whose ``pretrain``
    tells the training loop how to schedule the reconstruction phase.
    """

    encoder: EncoderKind
    decoder: bool = False
    head_on: Literal["encoder", "decoder"] = "encoder"
    reconstructs: bool = False
    pretrain: PretrainMode | None = None

    def __post_init__(self) -> None:
        if (self.decoder or self.reconstructs) and self.encoder != "attention":
            raise ValueError("a decoder needs the attention encoder")
        if (self.head_on == "decoder" or self.reconstructs) and not self.decoder:
            raise ValueError("head_on='decoder' and reconstructs need decoder=True")
        if (self.pretrain is not None) != self.reconstructs:
            raise ValueError("pretrain is set exactly for the reconstructing (autoencoder) models")
