"""The period-aware model: star views in, one class distribution per sample out."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lcformer.models import ModelConfig, model_from_config
from lcformer.models.periodic import PeriodicClassifier
from lcformer.models.registry import REGISTRY

CONFIG = ModelConfig(name="periodic", emb=16, heads=2, dropout=0.0).for_data(3, 9, 40, 5)


def batch(seed: int = 0) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    tokens = torch.rand(4, 40, 9, generator=g)
    mask = torch.arange(40)[None, :] < torch.tensor([40, 25, 3, 1])[:, None]
    extra = torch.randn(4, 5, generator=g)
    extra[1, 2] = float("nan")  # an unknown value (a colour without a second band)
    return tokens, mask, extra


def test_registered_as_a_star_model() -> None:
    assert REGISTRY["periodic"].inputs == "stars" and REGISTRY["encoder"].inputs == "windows"
    assert isinstance(model_from_config(CONFIG), PeriodicClassifier)


def test_probabilities_and_padding() -> None:
    torch.manual_seed(0)
    model = model_from_config(CONFIG).eval()
    tokens, mask, extra = batch()
    log_p = model.classify(tokens, mask, extra)
    assert log_p.shape == (4, 3) and torch.isfinite(log_p).all()
    torch.testing.assert_close(log_p.exp().sum(1), torch.ones(4))
    # Padded tokens, whatever they hold, change nothing.
    noisy = tokens.clone()
    noisy[~mask] = 1e6
    torch.testing.assert_close(model.classify(noisy, mask, extra), log_p)
    with pytest.raises(ValueError, match="extra"):
        model.classify(tokens, mask)


@pytest.mark.parametrize("depth", [1, 2])
def test_inference_path_gives_the_training_paths_outputs(depth: int) -> None:
    """Without gradients the last block computes only the summary's and the observations'
    outputs (the extra values' tokens are keys only): the same probabilities."""
    torch.manual_seed(0)
    model = model_from_config(CONFIG.replace(depth=depth)).eval()
    tokens, mask, extra = batch()
    with torch.no_grad():
        fast = model.classify(tokens, mask, extra)
    plain = model.classify(tokens, mask, extra)
    assert plain.requires_grad
    torch.testing.assert_close(fast, plain.detach(), atol=1e-6, rtol=1e-5)


def test_random_phase_shift_only_in_training() -> None:
    torch.manual_seed(0)
    model = model_from_config(CONFIG)
    tokens, mask, extra = batch()
    model.train()
    assert not torch.allclose(model.classify(tokens, mask, extra),
                              model.classify(tokens, mask, extra))
    model.eval()
    torch.testing.assert_close(model.classify(tokens, mask, extra),
                               model.classify(tokens, mask, extra))
    fixed = model_from_config(CONFIG.replace(phase_shift=False)).train()
    fixed.load_state_dict(model.state_dict())
    torch.testing.assert_close(fixed.classify(tokens, mask, extra),
                               fixed.classify(tokens, mask, extra))


def test_extra_statistics_travel_with_the_weights() -> None:
    model = model_from_config(CONFIG)
    values = np.random.default_rng(0).normal(5, 2, (100, 5)).astype(np.float32)
    values[:, 4] = np.nan  # never known: centre 0, scale 1
    model.fit_extra_stats(values)
    assert model.extra_center[:4].sub(5).abs().max() < 1
    assert model.extra_center[4] == 0 and model.extra_scale[4] == 1
    twin = model_from_config(CONFIG)
    twin.load_state_dict(model.state_dict())
    torch.testing.assert_close(twin.extra_center, model.extra_center)


def test_an_ensemble_averages_its_members_and_saves_as_one(tmp_path) -> None:
    from lcformer.training.checkpoints import load_checkpoint, save_checkpoint

    torch.manual_seed(0)
    model = model_from_config(CONFIG.replace(ensemble=3)).eval()
    tokens, mask, extra = batch()
    members = torch.stack([m.classify(tokens, mask, extra).exp() for m in model.members])
    torch.testing.assert_close(model.classify(tokens, mask, extra).exp(), members.mean(0))
    save_checkpoint(tmp_path / "best.safetensors", model, {"model": CONFIG.to_dict()})
    state, _, _ = load_checkpoint(tmp_path / "best.safetensors")
    twin = model_from_config(CONFIG.replace(ensemble=3)).eval()
    twin.load_state_dict(state)
    torch.testing.assert_close(twin.classify(tokens, mask, extra),
                               model.classify(tokens, mask, extra))


def test_inference_padding_to_16_tokens_changes_nothing() -> None:
    """Without gradients the sequence is padded to a multiple of 16 tokens once (a faster
    attention kernel): the same outputs as the unpadded path, which training takes."""
    torch.manual_seed(0)
    model = model_from_config(CONFIG).eval()
    tokens, mask, extra = batch()
    with torch.no_grad():
        padded = model.classify(tokens, mask, extra)  # 1 + 5 + 40 = 46 tokens -> 48
    tokens.requires_grad_()
    unpadded = model.classify(tokens, mask, extra)
    torch.testing.assert_close(padded, unpadded.detach(), atol=1e-6, rtol=1e-5)


def test_the_phase_channels_are_the_star_views_first_channels() -> None:
    """The model reads its first PHASE_CHANNELS token channels as circles and shifts them
    by PHASE_SHIFT: they must be the views' phases at P and 2P and the time, in that order."""
    from lcformer.data.views import TOKEN_CHANNELS
    from lcformer.models.periodic import PHASE_CHANNELS, PHASE_SHIFT

    assert TOKEN_CHANNELS[:PHASE_CHANNELS] == ("phase", "phase_2p", "time")
    assert len(PHASE_SHIFT) == PHASE_CHANNELS
