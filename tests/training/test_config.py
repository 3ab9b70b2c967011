"""The settings of a run: what is refused before anything runs, and how a report says when a
run may stop."""

from __future__ import annotations

import pytest

from lcformer.errors import ConfigError
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig, TrainConfig


@pytest.mark.parametrize("split", ["kfold:5:5", "kfold:1:0"])
def test_impossible_folds_are_refused_before_anything_runs(split: str) -> None:
    with pytest.raises(ValueError, match="K >= 2 folds and a fold I from 0 to K - 1"):
        RunConfig(split=split)


def test_research_oversampling_with_one_chunk_per_star_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"--sample-per-class .* --one-chunk-per-star"):
        RunConfig(sample_per_class=300, train=TrainConfig(one_chunk_per_star=True))


def test_ae_finetune_without_a_classification_epoch_is_refused() -> None:
    """Its first --alternate-every epochs reconstruct: with no more, the head never trains."""
    with pytest.raises(ConfigError, match="--epochs 3 would never train its classifier"):
        RunConfig.for_model("ae_finetune").replace(
            train=TrainConfig(epochs=3, alternate_every=3)).check_runnable()
    RunConfig(model=ModelConfig(name="ae_finetune"), train=TrainConfig(
        epochs=4, alternate_every=3)).check_runnable()


@pytest.mark.parametrize(("changes", "words"), [
    ({"patience": 0}, "patience must be at least 1"),
    ({"clip_grad": -1.0}, r"clip_grad must be 0 or more \(0 or none: no clipping\)"),
    ({"lr_decay": -1.0}, "lr_decay must be positive"),
    ({"label_smoothing": 1.0}, "label_smoothing must be from 0"),
    ({"weight_decay": -1.0}, "weight_decay must be at least 0"),
    ({"alternate_every": 0}, "alternate_every must be at least 1"),
    ({"warmup_epochs": -3}, "warmup_epochs must be at least 0"),
    ({"seed": -1}, "seed must be at least 0"),
])
def test_impossible_training_settings_are_refused(changes, words) -> None:
    with pytest.raises(ConfigError, match=words):
        TrainConfig(**changes)


def test_reports_say_how_a_run_could_stop() -> None:
    from lcformer.training.config import stopping_text

    assert stopping_text(None) == ""
    assert stopping_text(10, 20.0) == (", early stop after 10 without a better val macro-F1, "
                                       "at most 20 min of training")
    assert stopping_text(None, 2.5) == ", at most 2.5 min of training"
    assert stopping_text(10, trees=True) == (", early stop after 10 without a better val "
                                             "macro-F1, or 10 in a row without a share beside "
                                             "the trees")

    # --epochs 0 trains no network: nothing to stop early (not "early stop after 10")
    assert stopping_text(10, 20.0, trees=True, epochs=0) == (
        " (no network trained: a model with trees is its trees alone)")
    assert stopping_text(10, epochs=3) == ", early stop after 10 without a better val macro-F1"
