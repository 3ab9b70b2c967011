"""Self-attention and recurrent light-curve classifiers, built by name from the registry."""

from lcformer.models.blocks import (
    ClassifierHead,
    DecoderBlock,
    EncoderBlock,
    MultiHeadAttention,
    RecurrentEncoder,
    TokenEmbedding,
    sinusoidal_positions,
)
from lcformer.models.classifier import Architecture, LightCurveClassifier, ModelOutput
from lcformer.models.config import RESEARCH_L2, ModelConfig
from lcformer.models.registry import (
    ARCHITECTURES,
    MODELS,
    build_model,
    model_from_config,
    model_names,
)

__all__ = [
    "ARCHITECTURES",
    "MODELS",
    "RESEARCH_L2",
    "Architecture",
    "ClassifierHead",
    "DecoderBlock",
    "EncoderBlock",
    "LightCurveClassifier",
    "ModelConfig",
    "ModelOutput",
    "MultiHeadAttention",
    "RecurrentEncoder",
    "TokenEmbedding",
    "build_model",
    "model_from_config",
    "model_names",
    "sinusoidal_positions",
]
