"""Light-curve classifiers, built by name from the registry: the default ``periodic`` (star
views, with its trees), and the research self-attention and recurrent models.

Names load lazily, so ``lcformer.models.config`` (and the CLI's list of model names) can be
imported without importing torch.

The modules, from definition to model:

- ``config``: a model's sizes, stored with every checkpoint so that it can be rebuilt;
- ``architecture``: which blocks a model has, free of torch;
- ``registry``: models by name, what each is built of and how reports name it;
- ``blocks``: the building blocks every model is made of;
- ``classifier``: the research models, one module that each is a configuration of;
- ``periodic``: the default period-aware model, over star views and scalars;
- ``forest``: trees on per-star values, averaged with the network's probabilities;
- ``ensemble``: members of one architecture trained with different seeds, averaged.
- ``inference``: any model over samples in batches, and its probabilities averaged per star.
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
