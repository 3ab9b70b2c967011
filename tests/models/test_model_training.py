"""Every model learns: a batch of 8 with random labels is memorised in at most 200 Adam steps."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from lcformer.models import MODEL_NAMES, build_model

SMALL = {"n_classes": 3, "emb": 16, "heads": 2, "rnn_units": 16, "dropout": 0.0}


def data() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    gen = torch.Generator().manual_seed(0)
    tokens = torch.randn(8, 6, 4, generator=gen)
    mask = torch.arange(6)[None, :] < torch.tensor([6, 6, 5, 4, 6, 3, 2, 6])[:, None]
    labels = torch.tensor([0, 1, 2, 0, 1, 2, 0, 1])
    return tokens, mask, labels


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_overfits_a_batch_of_eight(name: str) -> None:
    torch.manual_seed(0)
    # Random phase shifts would make random labels of random phases unlearnable.
    model = build_model(name, **SMALL, **({"phase_shift": False} if name == "periodic" else {}))
    tokens, mask, labels = data()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(200):
        loss = F.nll_loss(model.classify(tokens, mask), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        if losses[-1] < 0.05:
            break
    # Memorised, not just argmax-right: ln(3) = 1.1 at chance; the naive head, which sees
    # tokens one at a time, is the slowest to get confident.
    assert losses[-1] < 0.3, f"{name}: loss {losses[0]:.3f} -> {losses[-1]:.3f}"
    with torch.no_grad():
        accuracy = (model.classify(tokens, mask).argmax(-1) == labels).float().mean().item()
    assert accuracy == 1.0, f"{name}: accuracy {accuracy} after {len(losses)} steps"


def test_frozen_encoder_stays_fixed_while_the_head_learns() -> None:
    """Model 2's classification phase: freeze encoder_parameters, train head_parameters."""
    torch.manual_seed(0)
    model = build_model("ae_frozen", **SMALL)
    tokens, mask, labels = data()
    for p in model.encoder_parameters():
        p.requires_grad_(False)
    before = [p.clone() for p in model.encoder_parameters()]
    head_before = [p.clone() for p in model.head_parameters()]
    optimizer = torch.optim.Adam(model.head_parameters(), lr=1e-2)
    for _ in range(5):
        loss = F.nll_loss(model.classify(tokens, mask), labels)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert all(torch.equal(a, b) for a, b in zip(before, model.encoder_parameters(), strict=True))
    assert not all(
        torch.equal(a, b) for a, b in zip(head_before, model.head_parameters(), strict=True)
    )


def test_reconstruction_loss_falls() -> None:
    torch.manual_seed(0)
    model = build_model("ae_finetune", **SMALL)
    tokens, mask, _ = data()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        loss = F.mse_loss(model.reconstruct(tokens, mask)[mask], tokens[mask])
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
