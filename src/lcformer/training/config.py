"""The settings of a training run (torch-free, so the CLI can list them instantly)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Self

from lcformer.config import Config, option_text, setting
from lcformer.errors import ConfigError
from lcformer.hardware import AUTO_DEVICE, DEVICE_PATTERN, device_problem
from lcformer.models.config import ModelConfig


@dataclass(frozen=True)
class TrainConfig(Config):
    """How a network trains.

    ``TrainConfig()`` is the research system's budget, not that of the default model,
    ``periodic``: its registry entry (``train_defaults`` in
    :data:`lcformer.models.registry.REGISTRY`) overrides some of these defaults.
    ``RunConfig.for_model(name).train`` is what ``lcformer train`` and ``Classifier`` use for
    a model; start from it (``.replace(...)``), not from ``TrainConfig()``, to train the
    periodic model as they do."""

    epochs: int = setting(150, "classification epochs (ae_finetune counts its "
                                        "reconstruction epochs too); 0: a model with trees "
                                        "(periodic's) is its trees alone, the network untrained")
    batch_size: int = setting(256, "samples per batch (star views, or token windows)")
    lr: float = setting(1e-3, "peak learning rate (Adam)")
    schedule: Literal["step", "cosine"] = setting(
        "step", "step: x lr_decay every lr_decay_every epochs (research); cosine: warm-up, "
                "then cosine decay")
    lr_decay: float = setting(0.7, "step schedule: factor per step")
    lr_decay_every: int = setting(30, "step schedule: epochs per step")
    warmup_epochs: int = setting(0, "cosine schedule: epochs of linear warm-up")
    balance: Literal["loss", "sampler", "none"] = setting(
        "loss", "the network's class balance: weighted loss, weighted sampling, or none "
                "(the default model's trees weigh classes alike whatever it is)")
    one_chunk_per_star: bool = setting(
        False, "each epoch trains on one random chunk of every training star instead of all "
               "of them: an epoch costs as many samples as there are stars, however long "
               "their curves (star views of big surveys)")
    patience: int | None = setting(None, "stop after this many epochs without a better "
                                         "validation macro-F1 (training loss without validation "
                                         "stars), or, beside trees, in a row in which they "
                                         "would give the network no share (none: never)")
    time_limit: float | None = setting(
        None, "minutes the network may train: no epoch begins that would end past them at "
              "the last epoch's pace, and the best epoch so far is kept (a resumed run counts "
              "its earlier time, and may be given a larger limit; an ensemble's members share "
              "them; the trees, fitted before, and the test do not count); none: no limit")
    clip_grad: float | None = setting(1.0, "clip the gradient norm to this (none: no clipping)")
    weight_decay: float = setting(0.0, "decoupled weight decay (AdamW); 0: Adam, as the "
                                       "research code")
    label_smoothing: float = setting(0.0, "share of a uniform target mixed into the loss")
    seed: int = setting(0, "seed of the weights, batches and dropout")
    device: str = setting(AUTO_DEVICE, "auto (CUDA when present), cpu, cuda or cuda:N")
    pretrain_epochs: int = setting(10, "ae_frozen: reconstruction epochs before the head is "
                                       "trained")
    alternate_every: int = setting(3, "ae_finetune: rounds of this many reconstruction, then "
                                      "classification epochs")

    def __post_init__(self) -> None:
        super().__post_init__()
        least = {"epochs": 0, "batch_size": 1, "lr_decay_every": 1, "alternate_every": 1,
                 "patience": 1, "warmup_epochs": 0, "pretrain_epochs": 0, "seed": 0,
                 "weight_decay": 0}
        for key, bound in least.items():
            value = getattr(self, key)
            if value is not None and value < bound:
                raise ConfigError(f"{key} must be at least {bound}, got {value}")
        for key in ("lr", "lr_decay", "time_limit"):  # "not > 0" refuses NaN too
            if getattr(self, key) is not None and not getattr(self, key) > 0:
                raise ConfigError(f"{key} must be positive, got {getattr(self, key)}")
        if self.clip_grad is not None and self.clip_grad < 0:  # 0, as none: no clipping
            raise ConfigError(f"clip_grad must be 0 or more (0 or none: no clipping), got "
                              f"{self.clip_grad}")
        if self.seed >= 2**32:  # scikit-learn's trees take seeds below 2**32 (NumPy's)
            raise ConfigError(f"seed must be below 2**32, got {self.seed}")
        if not DEVICE_PATTERN.fullmatch(self.device):
            raise ConfigError(device_problem(self.device))
        if not 0 <= self.label_smoothing < 1:
            raise ConfigError(f"label_smoothing must be from 0 up to (not including) 1, got "
                              f"{self.label_smoothing}")


def stopping_text(patience: int | None, time_limit: float | None = None,
                  trees: bool = False, epochs: int | None = None) -> str:
    """How a run's early stopping and time limit read in reports ("" without either);
    ``trees``: some of its models fuse the network with trees; ``epochs`` 0: no network
    trained, so nothing to stop (a model with trees is its trees alone)."""
    if epochs == 0:
        return " (no network trained: a model with trees is its trees alone)"
    share = f", or {patience} in a row without a share beside the trees" if trees else ""
    return ((f", early stop after {patience} without a better val macro-F1{share}"
             if patience is not None else "")
            + (f", at most {time_limit:g} min of training" if time_limit is not None else ""))


SPLIT_PATTERN = re.compile(r"auto|stratified|fixed|kfold:\d+:\d+")


@dataclass(frozen=True)
class RunConfig(Config):
    """A training run: the model, its training, and the split of the stars. ``RunConfig()``
    has the research budget; ``RunConfig.for_model(name)`` is the run ``lcformer train``
    makes, with the model's registry defaults over it."""

    model: ModelConfig = setting(factory=ModelConfig)
    train: TrainConfig = setting(factory=TrainConfig)
    split: str = setting("auto", "auto (the dataset's own split if it has one, else stratified "
                                 "70/10/20), stratified, fixed, or kfold:K:I")
    split_seed: int = setting(0, "seed of the split")
    sample_per_class: int | None = setting(
        None, "research balancing: over/undersample the training stars of each class to this "
              "many (default: all training stars, class-balanced loss)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not SPLIT_PATTERN.fullmatch(self.split):
            raise ConfigError(f"unknown split {self.split!r}: auto, stratified, fixed or "
                             f"kfold:K:I")
        if self.train.seed + self.model.ensemble - 1 >= 2**32:  # its last member's seed
            raise ConfigError(f"seed must be below 2**32 - {self.model.ensemble - 1} for an "
                              f"ensemble of {self.model.ensemble} (seeds seed, seed+1, ...), "
                              f"got {self.train.seed}")
        if self.split_seed < 0:
            raise ConfigError(f"split_seed must be at least 0, got {self.split_seed}")
        if self.sample_per_class is not None and self.sample_per_class < 1:
            raise ConfigError(f"sample_per_class must be at least 1 (none: every training "
                              f"star), got {self.sample_per_class}")
        if self.sample_per_class and self.train.one_chunk_per_star:
            raise ConfigError("--sample-per-class repeats the stars of small classes, and "
                              "--one-chunk-per-star would train on each of them once: use "
                              "one of the two")
        if self.split.startswith("kfold:"):
            k, i = (int(n) for n in self.split.split(":")[1:])
            if k < 2 or i >= k:
                raise ConfigError(f"split {self.split!r}: kfold:K:I needs K >= 2 folds and a "
                                  f"fold I from 0 to K - 1")

    def check_runnable(self) -> None:
        """Refuse a run of this model that would not do what its settings say. (Not on
        construction: a sweep's base settings serve several models.)"""
        from lcformer.models.registry import spec, unread_settings

        if unread := unread_settings(self.model):
            given = ", ".join(option_text(k, v) for k, v in unread.items())
            one = len(unread) == 1
            raise ConfigError(f"{self.model.name} does not read {given}: leave "
                              f"{'it' if one else 'them'} out ({'it' if one else 'they'} "
                              f"would be recorded as if {'it' if one else 'they'} had acted)")
        if undone := self.model.undone_research():  # else taken, and called research mode
            raise ConfigError(
                f"research=True means the original's raw tokens, per-token head and index "
                f"positions; got {', '.join(option_text(k, v) for k, v in undone.items())} "
                f"(leave --research out to change them)")
        if self.train.epochs == 0 and self.model.ensemble > 1:
            raise ConfigError(f"--epochs 0 trains no network, so --ensemble "
                              f"{self.model.ensemble} would keep {self.model.ensemble} untrained "
                              f"ones: leave --ensemble out")
        if self.train.epochs == 0 and not self.model.fused:
            raise ConfigError(f"--epochs 0 trains no network, and {self.model.name} with these "
                              f"settings has no trees to classify without it: give --epochs 1 "
                              f"or more (--epochs 0 is for a model with trees, periodic's "
                              f"--forest or --boosting)")
        arch = spec(self.model.name).arch
        if (arch is not None and arch.pretrain == "finetune"
                and self.train.epochs <= self.train.alternate_every):
            raise ConfigError(f"{self.model.name} reconstructs for its first "
                              f"--alternate-every {self.train.alternate_every} epochs, so "
                              f"--epochs {self.train.epochs} would never train its classifier: "
                              f"give --epochs > {self.train.alternate_every}")

    @classmethod
    def for_model(cls, name: str) -> RunConfig:
        """The run ``name`` gets unless told otherwise: its registry defaults over ours."""
        from lcformer.models.registry import spec

        found = spec(name)
        return cls(model=ModelConfig(name=name, **found.model_defaults),
                   train=TrainConfig(**found.train_defaults))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> Self:
        data = dict(data)
        if isinstance(data.get("model"), str):  # lcformer 0.1.0: a name plus its options
            data["model"] = {"name": data.pop("model"), **data.pop("model_options", {})}
        return super().from_dict(data, where)
