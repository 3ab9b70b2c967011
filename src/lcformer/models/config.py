"""Model hyper-parameters as one frozen record that is stored next to every checkpoint.

A checkpoint is only reusable if the exact architecture can be rebuilt from its metadata, so the
config round-trips through a plain ``dict`` (JSON / TOML) and validates itself on construction:
a typo in a metadata file fails at load time instead of building a different model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from lcformer.config import Config, setting
from lcformer.errors import ConfigError

#: The star model (no research form), by name: the registry imports this module.
STAR_MODEL = "periodic"

#: L2 coefficient the original put on the layers it regularised (Keras ``l2(0.1)``).
RESEARCH_L2 = 0.1

#: Sizes that must be positive integers; the data-given ones may be None until the data is
#: known (``RunConfig`` holds a model config before the data is read).
_POSITIVE_INTS = ("emb", "heads", "ff_mult", "depth", "head_hidden_mult", "rnn_units",
                  "rnn_layers", "harmonics", "ensemble")
_NON_NEGATIVE_INTS = ("forest", "boosting", "extra_trees", "shortened_copies")
#: Sizes that ``for_data`` takes from the prepared data, not from the user.
DATA_SIZES = ("n_classes", "n_features", "max_tokens", "n_extra")
#: Token positions a research model's sinusoidal table holds at least (the table is made,
#: not saved): a model trained on short windows still takes longer ones.
MIN_MAX_TOKENS = 512


@dataclass(frozen=True, kw_only=True)
class ModelConfig(Config):
    """Everything needed to rebuild a model; ``name`` selects the registry architecture.

    ``ModelConfig()`` names the default model, ``periodic``, but its sizes are the research
    system's (one block, no trees): the periodic model of ``lcformer train`` and
    ``Classifier`` has its registry defaults over them (``model_defaults`` in
    :data:`lcformer.models.registry.REGISTRY`: more depth, and its trees).
    ``RunConfig.for_model(name).model`` is that model; start from it (``.replace(...)``), not
    from ``ModelConfig()``.

    ``research=True`` reproduces the original's choices (scores scaled by 1/sqrt(emb), L2 0.1
    on the marked layers, one block); the default fixes the scale to 1/sqrt(emb/heads).
    ``dropout`` acts on residual and feed-forward paths only: attention-probability dropout is
    always 0 so torch can use its fused scaled-dot-product kernels.
    """

    # The product's default: the period-aware model on star views.
    name: str = setting(STAR_MODEL, "the model", cli=False)
    # Given by the data (classes, token width, window length): None until it is known.
    n_classes: int | None = setting(None, cli=False)
    n_features: int | None = setting(None, cli=False)
    max_tokens: int | None = setting(None, cli=False)
    n_extra: int | None = setting(None, cli=False)  # per-star values (periodic model)
    emb: int = setting(64, "embedding width")
    heads: int = setting(4, "attention heads")
    ff_mult: int = setting(2, "feed-forward width, in multiples of emb")
    depth: int = setting(1, "encoder (and decoder) blocks")
    dropout: float = setting(0.1, "dropout on residual and feed-forward paths")
    head_hidden_mult: int = setting(2, "classifier hidden width, in multiples of emb")
    rnn_units: int = setting(100, "units of the lstm and gru baselines")
    rnn_layers: int = setting(2, "layers of the lstm and gru baselines")
    research: bool = setting(False, "the original's choices: scores / sqrt(emb), L2 0.1, one "
                                    "block, raw tokens, per-token head")
    # "asinh" compresses the raw (dt, dm) values (dt spans 0.01 to 1000 days, dm +-30) into a
    # range a linear embedding handles well; "none" feeds them raw, as the original did.
    input_transform: Literal["", "none", "asinh"] = setting(
        "", "none (raw tokens) or asinh (tames dt of hundreds of days); default: none with "
            "--research, else asinh")
    position: Literal["", "index", "time"] = setting(
        "", "positional encoding of the token index (research) or of its time since the "
            "window start; default: index")
    ensemble: int = setting(1, "members trained with seeds seed, seed+1, ...; their "
                               "probabilities are averaged")
    harmonics: int = setting(4, "periodic: Fourier harmonics of each phase in a token")
    phase_shift: bool = setting(True, "periodic: shift every star by a random phase in "
                                      "training (the period's zero point means nothing)")
    forest: int = setting(0, "periodic: trees of a random forest on the per-star values, "
                             "fitted before the network trains; their probabilities are averaged "
                             "with a weight chosen on the validation stars (0: no forest)")
    boosting: int = setting(0, "periodic: iterations of gradient-boosted trees on the per-star "
                               "values, fitted with the forest and averaged with it "
                               "(0: no boosting)")
    extra_trees: int = setting(0, "periodic: extremely randomised trees on the per-star values "
                                  "(random thresholds, no bootstrap), fitted and averaged "
                                  "with the forest and boosting (0: none)")
    shortened_copies: int = setting(
        0, "periodic: copies of each training star, each cut to a random fifth to all of its "
           "span and thinned (points kept with a probability of a half to 1), that the network "
           "and the trees also learn from: for stars seen for less time or less often than "
           "the training stars (0: none)")
    head: Literal["", "tokens", "pooled"] = setting(
        "", "tokens: every token classifies, probabilities are averaged (research); pooled: "
            "token features are averaged, then classified once; default: tokens")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.name:
            raise ConfigError("name must be a non-empty string")
        for key in _POSITIVE_INTS:
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be a positive integer, got {getattr(self, key)}")
        for key in _NON_NEGATIVE_INTS:
            if getattr(self, key) < 0:
                raise ConfigError(f"{key} must be 0 or more, got {getattr(self, key)}")
        for key in DATA_SIZES:
            value = getattr(self, key)
            if value is not None and value < (0 if key == "n_extra" else 1):
                raise ConfigError(f"{key} must be a positive integer, got {value}")
        if self.shortened_copies and self.name != STAR_MODEL:
            raise ConfigError(f"shortened_copies={self.shortened_copies}: copies are made of "
                              f"star views, which only the {STAR_MODEL} model reads")
        if self.n_classes is not None and self.n_classes < 2:
            raise ConfigError(f"n_classes must be at least 2, got {self.n_classes}")
        if self.emb % self.heads:
            raise ConfigError(f"emb ({self.emb}) must be divisible by heads ({self.heads})")
        if not 0.0 <= self.dropout < 1.0:
            raise ConfigError(f"dropout must be in [0, 1), got {self.dropout}")
        if self.research and self.depth != 1 and self.name != STAR_MODEL:
            # (the periodic model has no research form: refused when it runs)
            raise ConfigError(
                f"research=True means the original's single block; got depth={self.depth} "
                f"(the research models take --depth 1)"
            )

    def undone_research(self) -> dict[str, str]:
        """The settings that undo a research model's choices (raw tokens, per-token head,
        index positions) where ``research`` is set; checked when a run starts
        (``RunConfig.check_runnable``), not here: runs of lcformer <= 0.3 that set them load."""
        if not self.research or self.name == STAR_MODEL:
            return {}
        return {k: v for k, v in (("input_transform", "asinh"), ("head", "pooled"),
                                  ("position", "time")) if getattr(self, k) == v}

    def for_data(self, n_classes: int, n_features: int, n_tokens: int,
                 n_extra: int = 0) -> ModelConfig:
        """This config with the sizes the data gives (room for at least
        :data:`MIN_MAX_TOKENS` tokens)."""
        return self.replace(n_classes=n_classes, n_features=n_features,
                            max_tokens=max(MIN_MAX_TOKENS, n_tokens), n_extra=n_extra)

    @property
    def fused(self) -> bool:
        """Whether trees (a forest, boosting, extremely randomised trees) are averaged with
        the network."""
        return bool(self.forest or self.boosting or self.extra_trees)

    @property
    def network_only(self) -> ModelConfig:
        """This config without its trees: the network it trains."""
        return self.replace(forest=0, boosting=0, extra_trees=0)

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
