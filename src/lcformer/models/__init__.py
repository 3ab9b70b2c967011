"""Light-curve classifiers, built by name from the registry: the default ``periodic`` (star
views, with its trees), and the research self-attention and recurrent models.

Names load lazily, so ``lcformer.models.config`` (and the CLI's list of model names) can be
imported without importing torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "ClassifierHead": "blocks",
    "DecoderBlock": "blocks",
    "EncoderBlock": "blocks",
    "MultiHeadAttention": "blocks",
    "RecurrentEncoder": "blocks",
    "TokenEmbedding": "blocks",
    "sinusoidal_positions": "blocks",
    "Architecture": "architecture",
    "LightCurveClassifier": "classifier",
    "ModelOutput": "classifier",
    "RESEARCH_L2": "config",
    "MODEL_NAMES": "registry",
    "ModelConfig": "config",
    "REGISTRY": "registry",
    "ModelSpec": "registry",
    "spec": "registry",
    "build_model": "registry",
    "model_from_config": "registry",
}

__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"lcformer.models.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'lcformer.models' has no attribute {name!r}")
