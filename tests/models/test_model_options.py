"""The non-research options: pooled head, time positions, asinh inputs."""

import pytest
import torch

from lcformer.models import ModelConfig, build_model
from lcformer.models.blocks import time_positions

OPTIONS = [
    {"head": "pooled"},
    {"position": "time"},
    {"head": "pooled", "position": "time", "input_transform": "none"},
]


@pytest.mark.parametrize("options", OPTIONS)
@pytest.mark.parametrize("name", ["encoder", "encoder_decoder", "ae_finetune"])
def test_padding_changes_nothing(name, options):
    torch.manual_seed(0)
    model = build_model(name, n_classes=3, emb=16, heads=2, dropout=0.0, **options).eval()
    tokens = torch.rand(4, 10, 4) * 5
    mask = torch.ones(4, 10, dtype=torch.bool)
    mask[1, 6:] = False
    padded = torch.cat([tokens, torch.full((4, 5, 4), 1e6)], dim=1)
    padded_mask = torch.cat([mask, torch.zeros(4, 5, dtype=torch.bool)], dim=1)
    padded[1, 6:10] = float("nan")
    with torch.no_grad():
        a = model.classify(tokens, mask)
        b = model.classify(padded, padded_mask)
    torch.testing.assert_close(a, b, atol=1e-5, rtol=1e-5)
    assert torch.allclose(a.exp().sum(dim=1), torch.ones(4))


def test_pooled_head_can_overfit_a_batch():
    torch.manual_seed(0)
    model = build_model("encoder", n_classes=2, emb=16, heads=2, head="pooled",
                        position="time")
    tokens, y = torch.rand(8, 12, 4), torch.tensor([0, 1] * 4)
    mask = torch.ones(8, 12, dtype=torch.bool)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    for _ in range(200):
        loss = torch.nn.functional.nll_loss(model.classify(tokens, mask), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert (model.classify(tokens, mask).argmax(1) == y).all()


def test_time_positions_depend_on_time_not_index():
    times = torch.tensor([[0.0, 1.0, 2.0], [0.0, 5.0, 6.0]])
    enc = time_positions(times, 8)
    assert torch.allclose(enc[0, 0], enc[1, 0])  # both start at 0
    assert not torch.allclose(enc[0, 1], enc[1, 1])  # same index, different time


def test_defaults_and_research_resolve():
    assert ModelConfig(name="encoder", n_classes=2).positions == "index"
    assert ModelConfig(name="encoder", n_classes=2).transform == "asinh"
    assert ModelConfig(name="encoder", n_classes=2, research=True).transform == "none"
    with pytest.raises(ValueError):
        ModelConfig(name="encoder", n_classes=2, head="mean")
