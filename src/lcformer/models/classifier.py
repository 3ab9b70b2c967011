"""One classifier module that every research model is a configuration of.

An :class:`Architecture` says which blocks exist and where the head reads from; a
:class:`ModelConfig` says how big they are. The registry (:mod:`lcformer.models.registry`)
pairs names with architectures.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

import torch
from torch import Tensor, nn

from lcformer.models.architecture import Architecture, PretrainMode
from lcformer.models.blocks import (
    ClassifierHead,
    DecoderBlock,
    EncoderBlock,
    RecurrentEncoder,
    TokenEmbedding,
    parameters_outside,
)
from lcformer.models.config import ModelConfig


class ModelOutput(NamedTuple):
    """What :meth:`LightCurveClassifier.forward` computes; None where the model lacks the part."""

    log_probs: Tensor | None  # (B, C) log of the token-averaged class probabilities
    reconstruction: Tensor | None  # (B, T, n_features), autoencoders only


class LightCurveClassifier(nn.Module):
    """Classifies (B, T, n_features) token windows; see :class:`Architecture` for variants."""

    def __init__(self, config: ModelConfig, arch: Architecture) -> None:
        super().__init__()
        self.config, self.arch = config, arch
        c = config
        scale = c.attention_scale

        self.embedding: TokenEmbedding | None = None
        self.encoder: nn.Module | None = None
        if arch.encoder == "attention":
            self.embedding = TokenEmbedding(c.n_features, c.emb, c.max_tokens, c.positions,
                                            self._raw_dt)
            self.encoder = nn.ModuleList(
                EncoderBlock(c.emb, c.heads, c.ff_mult, c.dropout, scale) for _ in range(c.depth)
            )
            head_in, head_hidden = c.emb, c.head_hidden_mult * c.emb
        elif arch.encoder in ("lstm", "gru"):
            self.encoder = RecurrentEncoder(c.n_features, c.rnn_units, c.rnn_layers, arch.encoder)
            head_in, head_hidden = c.rnn_units, c.head_hidden_mult * c.rnn_units
        else:
            head_in, head_hidden = c.n_features, c.head_hidden_mult * c.emb

        self.decoder_embedding: TokenEmbedding | None = None
        self.decoder: nn.ModuleList | None = None
        if arch.decoder:
            self.decoder_embedding = TokenEmbedding(c.n_features, c.emb, c.max_tokens,
                                                    c.positions, self._raw_dt)
            self.decoder = nn.ModuleList(
                DecoderBlock(c.emb, c.heads, c.ff_mult, c.dropout, scale) for _ in range(c.depth)
            )
        self.reconstruction: nn.Linear | None = (
            nn.Linear(c.emb, c.n_features) if arch.reconstructs else None
        )
        self.head = ClassifierHead(head_in, head_hidden, c.n_classes, pooled=c.head == "pooled")

    @property
    def pretrain(self) -> PretrainMode | None:
        """Frozen (Model 2), finetune (Model 3) or None: how to schedule reconstruction."""
        return self.arch.pretrain

    # ------------------------------------------------------------------ forward passes
    def forward(self, tokens: Tensor, mask: Tensor) -> ModelOutput:
        """Every output the model has; autoencoders share one encoder pass for both."""
        tokens = self._check(tokens, mask)
        memory = self._encode(tokens, mask)
        decoded = self._decode(tokens, mask, memory) if self.decoder is not None else None
        features = decoded if self.arch.head_on == "decoder" else memory
        assert features is not None
        log_probs = self.head(features, mask)
        recon = None
        if self.reconstruction is not None:
            assert decoded is not None
            recon = self.reconstruction(decoded)
        return ModelOutput(log_probs, recon)

    def classify(self, tokens: Tensor, mask: Tensor, extra: Tensor | None = None) -> Tensor:
        """(B, C) log-probabilities; skips an autoencoder's decoder, which the head does not use.
        ``extra`` (per-star values) is for star models; windows have none."""
        tokens = self._check(tokens, mask)
        features = self._encode(tokens, mask)
        if self.arch.head_on == "decoder":
            features = self._decode(tokens, mask, features)
        return self.head(features, mask)

    def token_log_probs(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """(B, T, C) per-token class log-probabilities, before the average over tokens."""
        tokens = self._check(tokens, mask)
        features = self._encode(tokens, mask)
        if self.arch.head_on == "decoder":
            features = self._decode(tokens, mask, features)
        return self.head.token_log_probs(features)

    @torch.no_grad()
    def attention_weights(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """(B, heads, T, T) weights of the first encoder block's self-attention."""
        if self.embedding is None or not isinstance(self.encoder, nn.ModuleList):
            raise ValueError(f"model {self.config.name!r} has no self-attention")
        tokens = self._check(tokens, mask)
        return self.encoder[0].attn.weights(self.embedding(tokens), mask)

    def reconstruct(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """(B, T, n_features) reconstruction (autoencoders); padded positions are meaningless."""
        if self.reconstruction is None:
            raise ValueError(f"model {self.config.name!r} has no reconstruction output")
        tokens = self._check(tokens, mask)
        return self.reconstruction(self._decode(tokens, mask, self._encode(tokens, mask)))

    def _check(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """Validate shapes and zero padded tokens.

        Zeroing matters: padded values (even NaN or inf) would otherwise reach the attention
        values, where 0 weight * NaN is still NaN.
        """
        if tokens.ndim != 3 or tokens.shape[-1] != self.config.n_features:
            raise ValueError(
                f"tokens must be (batch, tokens, {self.config.n_features}), "
                f"got {tuple(tokens.shape)}"
            )
        if mask.dtype != torch.bool or mask.shape != tokens.shape[:2]:
            raise ValueError(
                f"mask must be bool (batch, tokens) = {tuple(tokens.shape[:2])}, "
                f"got {mask.dtype} {tuple(mask.shape)}"
            )
        tokens = tokens.masked_fill(~mask[..., None], 0.0)
        return torch.asinh(tokens) if self.config.transform == "asinh" else tokens

    def _raw_dt(self, first_feature: Tensor) -> Tensor:
        """Undo the input transform on dt (for time positions)."""
        return torch.sinh(first_feature) if self.config.transform == "asinh" else first_feature

    def inputs(self, tokens: Tensor, mask: Tensor) -> Tensor:
        """The tokens as the model sees them (padding zeroed, transform applied).

        This is also the autoencoders' reconstruction target.
        """
        return self._check(tokens, mask)

    def _encode(self, tokens: Tensor, mask: Tensor) -> Tensor:
        if self.embedding is not None:
            assert isinstance(self.encoder, nn.ModuleList)
            x = self.embedding(tokens)
            for block in self.encoder:
                x = block(x, mask)
            return x
        if self.encoder is not None:
            return self.encoder(tokens, mask)
        return tokens

    def _decode(self, tokens: Tensor, mask: Tensor, memory: Tensor) -> Tensor:
        assert self.decoder_embedding is not None and self.decoder is not None
        x = self.decoder_embedding(tokens)
        for block in self.decoder:
            x = block(x, mask, memory, mask)
        return x

    # ------------------------------------------------------------------ training helpers
    def head_parameters(self) -> Iterator[nn.Parameter]:
        """The classifier head's parameters."""
        return self.head.parameters()

    def encoder_parameters(self) -> Iterator[nn.Parameter]:
        """Everything but the head (embeddings, encoder, decoder, reconstruction).

        Freezing these is Model 2's classification phase; for Model 3 the decoder simply gets
        no gradient in classification epochs.
        """
        return parameters_outside(self, self.head)

    def regularized_weights(self) -> Iterator[Tensor]:
        """The weights the original put L2 0.1 on (FF hidden, head hidden, recurrent kernels)."""
        for module in self.modules():
            if module is not self and hasattr(module, "regularized_weights"):
                yield from module.regularized_weights()

    def l2_penalty(self, phase: str = "classify") -> Tensor:
        """0.1 * sum of squared regularised weights in research mode, else a 0 tensor.

        Add it to the loss: it reproduces Keras' ``l2(0.1)`` kernel regularisers. Only the
        parts that ``phase`` runs are penalised, as each Keras model (the classifier, the
        autoencoder) carried its own layers' regularisers: a reconstruction epoch leaves the
        head alone, a classification epoch an unused decoder.
        """
        if not self.config.research:
            return self.head.out.weight.new_zeros(())
        parts: list[nn.Module | None] = [self.encoder]
        if phase == "reconstruct" or self.arch.head_on == "decoder":
            parts.append(self.decoder)
        if phase == "classify":
            parts.append(self.head)
        return self.config.l2 * sum(
            w.square().sum() for part in parts if part is not None for module in part.modules()
            if hasattr(module, "regularized_weights") for w in module.regularized_weights())
