"""Model hyper-parameters as one frozen record that is stored next to every checkpoint.

A checkpoint is only reusable if the exact architecture can be rebuilt from its metadata, so the
config round-trips through a plain ``dict`` (JSON / TOML) and validates itself on construction:
a typo in a metadata file fails at load time instead of building a different model.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

#: Registered model names, in the research system's order (the registry checks it builds each).
MODEL_NAMES = ("naive", "ae_frozen", "ae_finetune", "encoder", "encoder_decoder", "lstm", "gru")

#: L2 coefficient the original put on the layers it regularised (Keras ``l2(0.1)``).
RESEARCH_L2 = 0.1

_POSITIVE_INTS = (
    "n_features",
    "n_classes",
    "max_tokens",
    "emb",
    "heads",
    "ff_mult",
    "depth",
    "head_hidden_mult",
    "rnn_units",
    "rnn_layers",
)


@dataclass(frozen=True, kw_only=True)
class ModelConfig:
    """Everything needed to rebuild a model; ``name`` selects the registry architecture.

    ``research=True`` reproduces the original's choices (scores scaled by 1/sqrt(emb), L2 0.1
    on the marked layers, one block); the default fixes the scale to 1/sqrt(emb/heads).
    ``dropout`` acts on residual and feed-forward paths only: attention-probability dropout is
    always 0 so torch can use its fused scaled-dot-product kernels.
    """

    name: str
    n_classes: int
    n_features: int = 4
    max_tokens: int = 512
    emb: int = 64
    heads: int = 4
    ff_mult: int = 2
    depth: int = 1
    dropout: float = 0.1
    head_hidden_mult: int = 2
    rnn_units: int = 100
    rnn_layers: int = 2
    research: bool = False
    # "asinh" compresses the raw (dt, dm) values (dt spans 0.01 to 1000 days, dm +-30) into a
    # range a linear embedding handles well; "none" feeds them raw, as the original did.
    # Empty: "none" in research mode, else "asinh".
    input_transform: str = ""
    # Positional encoding of the token "index" (research, and the default) or of its "time"
    # since the window start (an option for irregular sampling).
    position: str = ""
    # "tokens": every token classifies itself and probabilities are averaged (research);
    # "pooled": token features are averaged, then classified once. Empty: research -> tokens.
    head: str = ""

    def __post_init__(self) -> None:
        if self.head not in ("", "tokens", "pooled"):
            raise ValueError(f"head must be tokens or pooled, got {self.head!r}")
        if self.position not in ("", "index", "time"):
            raise ValueError(f"position must be index or time, got {self.position!r}")
        if self.input_transform not in ("", "none", "asinh"):
            raise ValueError(f"input_transform must be none or asinh, got {self.input_transform!r}")
        if not isinstance(self.name, str) or not self.name:
            raise ValueError(f"name must be a non-empty string, got {self.name!r}")
        for key in _POSITIVE_INTS:
            value = getattr(self, key)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{key} must be a positive integer, got {value!r}")
        if self.n_classes < 2:
            raise ValueError(f"n_classes must be at least 2, got {self.n_classes}")
        if self.emb % self.heads:
            raise ValueError(f"emb ({self.emb}) must be divisible by heads ({self.heads})")
        if isinstance(self.dropout, bool) or not isinstance(self.dropout, int | float):
            raise ValueError(f"dropout must be a number, got {self.dropout!r}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {self.dropout}")
        if not isinstance(self.research, bool):
            raise ValueError(f"research must be true or false, got {self.research!r}")
        if self.research and self.depth != 1:
            raise ValueError(
                f"research=True means the original's single block; got depth={self.depth}"
            )

    @property
    def attention_scale(self) -> float:
        """Factor on the attention scores: the original used 1/sqrt(emb), not 1/sqrt(emb/heads)."""
        return 1.0 / math.sqrt(self.emb if self.research else self.emb // self.heads)

    @property
    def transform(self) -> str:
        """The input transform in effect (see ``input_transform``)."""
        return self.input_transform or ("none" if self.research else "asinh")

    @property
    def positions(self) -> str:
        """The positional encoding in effect (see ``position``)."""
        return self.position or "index"

    @property
    def l2(self) -> float:
        """Coefficient of :meth:`LightCurveClassifier.l2_penalty` (0 outside research mode)."""
        return RESEARCH_L2 if self.research else 0.0

    def to_dict(self) -> dict[str, Any]:
        """Plain ``dict`` of str/int/float/bool, safe for JSON and TOML metadata."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelConfig:
        """Inverse of :meth:`to_dict`; unknown or missing keys raise ``ValueError`` by name."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown model config keys {unknown}; valid keys: {sorted(known)}")
        missing = sorted(k for k in ("name", "n_classes") if k not in data)
        if missing:
            raise ValueError(f"model config lacks required keys {missing}")
        return cls(**data)
