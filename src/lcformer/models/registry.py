"""Research models by name: each is an :class:`Architecture` plus a :class:`ModelConfig`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lcformer.models.classifier import Architecture, LightCurveClassifier
from lcformer.models.config import MODEL_NAMES, ModelConfig

#: Model 1..5 of the research system and its recurrent baselines.
ARCHITECTURES: dict[str, Architecture] = {
    "naive": Architecture(encoder="none"),  # Model 1: head on the raw tokens
    "ae_frozen": Architecture(  # Model 2: autoencoder pretrained, then frozen
        encoder="attention", decoder=True, reconstructs=True, pretrain="frozen"
    ),
    "ae_finetune": Architecture(  # Model 3: autoencoder, alternating phases
        encoder="attention", decoder=True, reconstructs=True, pretrain="finetune"
    ),
    "encoder": Architecture(encoder="attention"),  # Model 4
    "encoder_decoder": Architecture(  # Model 5: head on the decoder output
        encoder="attention", decoder=True, head_on="decoder"
    ),
    "lstm": Architecture(encoder="lstm"),
    "gru": Architecture(encoder="gru"),
}


if tuple(ARCHITECTURES) != MODEL_NAMES:
    raise RuntimeError("models.config.MODEL_NAMES and the registry disagree")


def _builder(name: str) -> Callable[[ModelConfig], LightCurveClassifier]:
    arch = ARCHITECTURES[name]

    def build(config: ModelConfig) -> LightCurveClassifier:
        if config.name != name:
            raise ValueError(f"config is for model {config.name!r}, not {name!r}")
        return LightCurveClassifier(config, arch)

    build.__name__ = f"build_{name}"
    return build


MODELS: dict[str, Callable[[ModelConfig], LightCurveClassifier]] = {
    name: _builder(name) for name in ARCHITECTURES
}


def model_names() -> tuple[str, ...]:
    """Registered model names, in the research system's order."""
    return tuple(MODELS)


def _check_name(name: str) -> None:
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; valid names: {', '.join(MODELS)}")


def build_model(name: str, **overrides: Any) -> LightCurveClassifier:
    """Build a registered model; ``overrides`` are :class:`ModelConfig` fields (n_classes too)."""
    _check_name(name)
    return MODELS[name](ModelConfig(name=name, **overrides))


def model_from_config(config: ModelConfig) -> LightCurveClassifier:
    """Rebuild a model from a stored config (``ModelConfig.from_dict(metadata)``)."""
    _check_name(config.name)
    return MODELS[config.name](config)
