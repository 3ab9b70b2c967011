"""Models by name: what each is built of, and how reports name it.

Each :class:`ModelSpec` pairs a name with an :class:`Architecture` (which blocks) and carries
what the rest of the package needs to know about the model: the row label of results tables,
its family (which decides the cells of a sweep's grid) and the row of the research tables it
reproduces. Sizes come from :class:`ModelConfig`. This module does not import torch; building
a model does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from lcformer.errors import ConfigError
from lcformer.models.architecture import Architecture
from lcformer.models.config import MIN_MAX_TOKENS, STAR_MODEL, ModelConfig

if TYPE_CHECKING:
    from lcformer.models.classifier import LightCurveClassifier
    from lcformer.models.ensemble import Ensemble
    from lcformer.models.forest import ForestFusion
    from lcformer.models.periodic import PeriodicClassifier

    #: Any model that classifies (a type for annotations): a research window model, the
    #: periodic network, either with its trees, or an ensemble of one of them. Each maps
    #: (tokens, mask[, per-star values]) to log-probabilities through ``classify``.
    Model = LightCurveClassifier | PeriodicClassifier | ForestFusion | Ensemble

Family = Literal["naive", "attention", "recurrent", "periodic"]


@dataclass(frozen=True)
class ModelSpec:
    name: str
    arch: Architecture | None  # the blocks of a window model; None for star models
    label: str  # row label in results tables
    # A sweep's grid (window models only): "attention", one cell per (heads, emb); "naive",
    # "recurrent": one. "periodic" marks the star model, which `ablation` compares instead.
    family: Family
    description: str  # one line for `lcformer models`
    research_row: str | None = None  # the research tables' row ("Model 4"), if any
    # What the model gets unless told otherwise, over ModelConfig's and TrainConfig's defaults
    # (those are the research system's: 150 epochs, batch 256, step decay).
    model_defaults: Mapping[str, Any] = field(default_factory=dict)
    train_defaults: Mapping[str, Any] = field(default_factory=dict)

    @property
    def inputs(self) -> Literal["windows", "stars"]:
        """What the model reads: token windows of one band, or whole-star views."""
        return "stars" if self.family == "periodic" else "windows"


#: Models 1-5 of the research system and its recurrent baselines, in the research order,
#: then the period-aware model.
REGISTRY: dict[str, ModelSpec] = {spec.name: spec for spec in (
    ModelSpec("naive", Architecture(encoder="none"), "Model 1 (naive)", "naive",
              "a dense head on the raw tokens, no attention", "Model 1"),
    ModelSpec("ae_frozen", Architecture(
        encoder="attention", decoder=True, reconstructs=True, pretrain="frozen"),
        "Model 2 (ae_frozen)", "attention",
        "an autoencoder trained to reconstruct, then frozen under a new head", "Model 2"),
    ModelSpec("ae_finetune", Architecture(
        encoder="attention", decoder=True, reconstructs=True, pretrain="finetune"),
        "Model 3 (ae_finetune)", "attention",
        "an autoencoder whose phases alternate: reconstruct, then classify", "Model 3"),
    ModelSpec("encoder", Architecture(encoder="attention"), "Model 4 (encoder)", "attention",
              "a transformer encoder with a classification head", "Model 4"),
    ModelSpec("encoder_decoder", Architecture(
        encoder="attention", decoder=True, head_on="decoder"),
        "Model 5 (encoder_decoder)", "attention",
        "an encoder and a decoder, the head on the decoder's output", "Model 5"),
    ModelSpec("lstm", Architecture(encoder="lstm"), "LSTM", "recurrent",
              "the research system's recurrent baseline"),
    ModelSpec("gru", Architecture(encoder="gru"), "GRU", "recurrent",
              "the LSTM baseline with GRU cells (not in the research system)"),
    # Beyond the research system. Its budget trains every dataset here within 30 CPU minutes
    # (docs/results.md). Patience 10: in every periodic run behind the results of 2026-12-03
    # (docs/ablation.md then; 36 networks, every planned epoch trained) the best validation
    # epoch came at most 9 epochs after the one before it, so each would have stopped with the
    # same network, 0-14 epochs sooner (the cosine schedule runs over the planned epochs).
    ModelSpec(STAR_MODEL, None, "periodic (folded star views)", "periodic",
              "every band of a star folded at its period, its per-star values and light-curve "
              "features, beside a forest and boosted trees",
              model_defaults={"depth": 2, "forest": 500, "boosting": 100},
              train_defaults={"epochs": 30, "batch_size": 32, "schedule": "cosine",
                              "warmup_epochs": 1, "patience": 10}),
)}

#: Registered names, in the research system's order.
MODEL_NAMES: tuple[str, ...] = tuple(REGISTRY)
#: The models that read token windows: the research system's, which its grid compares.
WINDOW_MODELS: tuple[str, ...] = tuple(n for n, s in REGISTRY.items() if s.inputs == "windows")

#: The feature baseline's classifiers (lcformer.experiments.baseline), which results tables
#: list after the models, and their row labels.
BASELINE_LABELS = {"random_forest": "features + random forest",
                   "gradient_boosting": "features + gradient boosting"}
BASELINE_MODELS: tuple[str, ...] = tuple(BASELINE_LABELS)


def row_label(name: str) -> str:
    """A results table's row label of a model or a baseline classifier."""
    if name in BASELINE_LABELS:
        return BASELINE_LABELS[name]
    return REGISTRY[name].label if name in REGISTRY else name


#: Settings a star model never reads (window tokens, the recurrent baselines, the research
#: system's choices), and the ones only it reads: given to the other kind, they would be
#: recorded as if they had acted.
WINDOW_SETTINGS = ("input_transform", "position", "head", "rnn_units", "rnn_layers", "research")
STAR_SETTINGS = ("harmonics", "phase_shift")


def unread_settings(config: ModelConfig) -> dict[str, Any]:
    """The settings of ``config`` changed from their defaults that its model does not read."""
    default = ModelConfig()
    names = WINDOW_SETTINGS if spec(config.name).inputs == "stars" else STAR_SETTINGS
    return {k: getattr(config, k) for k in names if getattr(config, k) != getattr(default, k)}


def spec(name: str) -> ModelSpec:
    if name not in REGISTRY:
        raise ConfigError(f"unknown model {name!r}; valid names: {', '.join(REGISTRY)}")
    return REGISTRY[name]


def model_inputs(name: str, star_settings: list[str], leave: str) -> Literal["windows", "stars"]:
    """What model ``name`` reads; a ConfigError where a window model is given settings of the
    star views (the CLI's options, the API's arguments), which would only make another cache
    folder. ``leave``: how to leave them out, in the caller's words."""
    inputs = spec(name).inputs
    if inputs == "windows" and star_settings:
        raise ConfigError(f"{name} reads token windows, and {', '.join(star_settings)} set the "
                          f"star views of the periodic model: {leave}")
    return inputs


def model_from_config(config: ModelConfig) -> LightCurveClassifier | PeriodicClassifier:
    """Build the model a config describes (the data-given sizes must be set)."""
    from lcformer.models.classifier import LightCurveClassifier
    from lcformer.models.periodic import PeriodicClassifier

    missing = [k for k in ("n_classes", "n_features", "max_tokens") if getattr(config, k) is None]
    if missing:
        raise ConfigError(f"model config lacks the sizes the data gives: {missing} "
                          f"(use ModelConfig.for_data)")
    found = spec(config.name)
    if config.fused:  # the trees are sized when their state is loaded (or when fitted)
        from lcformer.models.forest import BoostedTrees, ForestFusion, TreeForest

        return ForestFusion(model_from_config(config.network_only),
                            TreeForest() if config.forest else None,
                            BoostedTrees() if config.boosting else None,
                            TreeForest() if config.extra_trees else None)
    if config.ensemble > 1:
        from lcformer.models.ensemble import Ensemble

        member = config.replace(ensemble=1)
        return Ensemble([model_from_config(member) for _ in range(config.ensemble)])
    if found.arch is None:
        return PeriodicClassifier(config)
    return LightCurveClassifier(config, found.arch)


def build_model(name: str, **overrides) -> LightCurveClassifier:
    """Build a registered model; ``overrides`` are :class:`ModelConfig` fields (n_classes too)."""
    spec(name)
    overrides.setdefault("n_features", 4)
    overrides.setdefault("max_tokens", MIN_MAX_TOKENS)
    return model_from_config(ModelConfig(name=name, **overrides))
