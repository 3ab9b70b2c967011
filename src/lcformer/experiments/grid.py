"""The research grid: models x heads x width, repeated over folds or seeds.

The research tables have one row per model (Models 1 to 5) and one column per (heads, emb) in
{4, 8} x {32, 64}. A :class:`SweepConfig` says which models, heads, widths and repeats; its
:func:`cells` and :func:`run_config` say which runs that makes. Torch-free, so the CLI can
offer these settings instantly; :mod:`lcformer.experiments.sweep` runs them.
"""

from __future__ import annotations

from dataclasses import dataclass

from lcformer.config import Config, setting
from lcformer.errors import ConfigError
from lcformer.models.config import ModelConfig
from lcformer.models.registry import REGISTRY, WINDOW_MODELS
from lcformer.training.config import RunConfig, TrainConfig


@dataclass(frozen=True)
class SweepConfig(Config):
    models: tuple[str, ...] = setting(WINDOW_MODELS, "models of the grid (default: the research "
                                                   "Models 1-5 + lstm, gru)", metavar="M1,M2")
    heads: tuple[int, ...] = setting((4, 8), "attention heads of the grid", metavar="H1,H2")
    embs: tuple[int, ...] = setting((32, 64), "embedding widths of the grid", metavar="E1,E2")
    folds: int | None = setting(None, "repeat over K stratified folds (split kfold:K:I)",
                                metavar="K")
    seeds: tuple[int, ...] | None = setting(
        None, "repeat over these training seeds on one split (default: the training seed)",
        metavar="S1,S2")
    base: RunConfig = setting(factory=RunConfig)  # budget, options, split, research
    baseline: bool = setting(False, "also the feature baseline (random forest, gradient "
                                    "boosting) on the same split(s)")

    def __post_init__(self) -> None:
        super().__post_init__()
        unknown = [m for m in self.models if m not in WINDOW_MODELS]
        if unknown or not self.models:
            star = [m for m in unknown if m in REGISTRY]
            hint = (f" ({', '.join(star)} reads whole stars: `lcformer ablation` compares it "
                    f"with the feature baseline)") if star else ""
            raise ConfigError(f"the research grid runs the window models; not {unknown}: "
                              f"choose from {', '.join(WINDOW_MODELS)}{hint}")
        if len(set(self.models)) != len(self.models):
            raise ConfigError(f"models repeated: {self.models}")
        for name, values in (("heads", self.heads), ("embs", self.embs)):
            if not values or min(values) < 1 or len(set(values)) != len(values):
                raise ConfigError(f"{name} must be distinct positive integers, got {values}")
        if any(REGISTRY[m].family == "attention" for m in self.models):
            for h, e in ((h, e) for h in self.heads for e in self.embs):
                self.base.model.replace(heads=h, emb=e)  # checks emb divisible by heads
        if self.folds is not None:
            if self.folds < 2:
                raise ConfigError(f"folds must be an integer of at least 2, got {self.folds!r}")
            if self.base.split != "auto":
                raise ConfigError(f"folds make the split (kfold:{self.folds}:I); leave the "
                                 f"split at auto, not {self.base.split!r}")
            if self.seeds is not None:
                raise ConfigError("repeat over folds or over seeds, not both")
        elif self.seeds is not None and (not self.seeds or len(set(self.seeds)) != len(self.seeds)):
            raise ConfigError(f"seeds must be distinct and at least one, got {self.seeds}")

    @property
    def repeats(self) -> list[str]:
        if self.folds is not None:
            return [name for name, _ in fold_repeats(self.folds)]
        return [f"seed{s}" for s in (self.seeds or (self.base.train.seed,))]


def fold_repeats(folds: int) -> list[tuple[str, str]]:
    """The repeats of a K-fold cross-validation as (name, split): fold0 with kfold:K:0, ...
    (the names of run folders; sweeps and ablations share them)."""
    return [(f"fold{i}", f"kfold:{folds}:{i}") for i in range(folds)]


@dataclass(frozen=True)
class Cell:
    """One configuration of the grid: a model with its heads and emb (None if not used)."""

    model: str
    heads: int | None = None
    emb: int | None = None

    @property
    def name(self) -> str:
        return self.model if self.heads is None else f"{self.model}-h{self.heads}-e{self.emb}"


def cells(config: SweepConfig) -> list[Cell]:
    """The grid: every (heads, emb) for an attention model; ``naive`` once with the first heads
    and emb (it has no attention; emb sets its head width), as the research table reports it;
    the recurrent models once with their default (or the base) units."""
    out = []
    for model in config.models:
        family = REGISTRY[model].family
        if family == "attention":
            out += [Cell(model, h, e) for h in config.heads for e in config.embs]
        elif family == "naive":
            out.append(Cell(model, config.heads[0], config.embs[0]))
        else:
            out.append(Cell(model))
    return out


def run_config(config: SweepConfig, cell: Cell, repeat: str) -> RunConfig:
    """The run of one cell and repeat: the base config with the cell's model and options."""
    # The grid sets heads and emb; cells without them (recurrent) keep the defaults.
    default = ModelConfig()
    model = config.base.model.replace(name=cell.model, heads=cell.heads or default.heads,
                                      emb=cell.emb or default.emb)
    split, split_seed, train = repeat_split(config, repeat)
    return config.base.replace(model=model, train=train, split=split, split_seed=split_seed)


def repeat_split(config: SweepConfig, repeat: str) -> tuple[str, int, TrainConfig]:
    base = config.base
    if config.folds is not None:
        return dict(fold_repeats(config.folds))[repeat], base.split_seed, base.train
    return base.split, base.split_seed, base.train.replace(seed=int(repeat[4:]))
