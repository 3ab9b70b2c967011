"""Blocks against hand-written references: attention, masked head average, recurrent packing."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import Tensor

from lcformer.models import (
    ClassifierHead,
    ModelConfig,
    MultiHeadAttention,
    RecurrentEncoder,
    TokenEmbedding,
    build_model,
)


def reference_attention(
    mha: MultiHeadAttention, query: Tensor, key_mask: Tensor | None = None,
    context: Tensor | None = None,
) -> Tensor:  # fmt: skip
    """softmax(Q K^T * scale) V per head, written out; padded keys get -inf scores."""
    emb, heads = mha.emb, mha.heads
    width = emb // heads
    source = query if context is None else context
    w_q, w_k, w_v = mha.in_proj_weight.split(emb)
    b_q, b_k, b_v = mha.in_proj_bias.split(emb)
    q, k, v = query @ w_q.T + b_q, source @ w_k.T + b_k, source @ w_v.T + b_v
    outputs = []
    for h in range(heads):
        cols = slice(h * width, (h + 1) * width)
        scores = q[..., cols] @ k[..., cols].transpose(1, 2) * mha.scale  # (B, Tq, Tk)
        if key_mask is not None:
            scores = scores.masked_fill(~key_mask[:, None, :], -math.inf)
        outputs.append(torch.softmax(scores, dim=-1) @ v[..., cols])
    return mha.out_proj(torch.cat(outputs, dim=-1))


def prefix_mask(lengths: list[int], n_tokens: int) -> Tensor:
    return torch.arange(n_tokens)[None, :] < torch.tensor(lengths)[:, None]


@settings(max_examples=30, deadline=None)
@given(
    batch=st.integers(1, 3),
    n_query=st.integers(1, 6),
    n_key=st.integers(1, 6),
    heads=st.sampled_from([1, 2, 4]),
    cross=st.booleans(),
    seed=st.integers(0, 2**16),
)
def test_attention_matches_hand_written_reference(
    batch: int, n_query: int, n_key: int, heads: int, cross: bool, seed: int
) -> None:
    gen = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    mha = MultiHeadAttention(8, heads)
    query = torch.randn(batch, n_query, 8, generator=gen)
    n_key = n_key if cross else n_query
    # Random masks with at least one real key per row, not only prefixes.
    key_mask = torch.rand(batch, n_key, generator=gen) < 0.6
    key_mask[torch.arange(batch), torch.randint(n_key, (batch,), generator=gen)] = True
    context = torch.randn(batch, n_key, 8, generator=gen) if cross else None
    with torch.no_grad():
        got = mha(query, key_mask, context=context)
        want = reference_attention(mha, query, key_mask, context)
    torch.testing.assert_close(got, want, atol=1e-5, rtol=1e-5)


def test_fully_padded_row_gives_finite_outputs() -> None:
    torch.manual_seed(0)
    mha = MultiHeadAttention(8, 2)
    x = torch.randn(2, 5, 8, requires_grad=True)
    mask = torch.zeros(2, 5, dtype=torch.bool)
    mask[0, :3] = True
    out = mha(x, mask)
    head = ClassifierHead(8, 16, 3)
    log_probs = head(out, mask)
    log_probs.sum().backward()
    assert torch.isfinite(out).all() and torch.isfinite(log_probs).all()
    assert x.grad is not None and torch.isfinite(x.grad).all()


@pytest.mark.parametrize("research", [False, True])
def test_research_flag_sets_attention_scale(research: bool) -> None:
    """One head computed by hand: research divides scores by sqrt(emb), else sqrt(emb/heads)."""
    emb, heads = 16, 4
    model = build_model("encoder", n_classes=2, emb=emb, heads=heads, research=research)
    mha = model.encoder[0].attn  # type: ignore[index]
    want_scale = 1 / math.sqrt(emb) if research else 1 / math.sqrt(emb // heads)
    assert mha.scale == pytest.approx(want_scale)
    assert ModelConfig(name="encoder", n_classes=2, research=research).attention_scale == (
        pytest.approx(1 / 8 if research else 1 / 4)
    )
    with torch.no_grad():  # identity output projection: channels 0..3 are head 0's output
        mha.out_proj.weight.copy_(torch.eye(emb))
        mha.out_proj.bias.zero_()
        x = torch.randn(1, 5, emb, generator=torch.Generator().manual_seed(1))
        got = mha(x, torch.ones(1, 5, dtype=torch.bool))[0, :, :4]
        q = x[0] @ mha.in_proj_weight[0:4].T + mha.in_proj_bias[0:4]
        k = x[0] @ mha.in_proj_weight[16:20].T + mha.in_proj_bias[16:20]
        v = x[0] @ mha.in_proj_weight[32:36].T + mha.in_proj_bias[32:36]
        for scale, matches in ((want_scale, True), (1 / math.sqrt(8), False)):
            hand = torch.softmax(q @ k.T * scale, dim=-1) @ v
            assert torch.allclose(got, hand, atol=1e-5) == matches


def test_head_is_log_of_masked_mean_probability() -> None:
    torch.manual_seed(0)
    head = ClassifierHead(4, 8, 3)
    x = torch.randn(2, 6, 4)
    mask = prefix_mask([6, 2], 6)
    with torch.no_grad():
        got = head(x, mask)
        p = head.token_log_probs(x).exp()
        want = torch.stack([p[0].mean(0), p[1, :2].mean(0)]).log()
    torch.testing.assert_close(got, want, atol=1e-6, rtol=1e-5)


def test_positional_encoding_is_a_buffer_not_a_parameter() -> None:
    embedding = TokenEmbedding(4, 8, max_tokens=10)
    assert "positions" not in dict(embedding.named_parameters())
    assert "positions" in dict(embedding.named_buffers())
    assert embedding.positions.shape == (10, 8)
    torch.testing.assert_close(embedding.positions[0, 1::2], torch.ones(4))  # cos(0)
    with pytest.raises(ValueError, match="max_tokens"):
        embedding(torch.zeros(1, 11, 4))


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_recurrent_encoder_ignores_padding_and_rejects_gaps(cell: str) -> None:
    torch.manual_seed(0)
    rnn = RecurrentEncoder(4, 6, 2, cell)  # type: ignore[arg-type]
    x = torch.randn(2, 5, 4)
    mask = prefix_mask([5, 3], 5)
    with torch.no_grad():
        out = rnn(x, mask)
        alone = rnn(x[1:, :3], mask[1:, :3])
    torch.testing.assert_close(out[1:, :3], alone, atol=1e-6, rtol=1e-5)
    assert (out[1, 3:] == 0).all()
    with pytest.raises(ValueError, match="end of a sequence"):
        rnn(x, torch.tensor([[True, False, True, True, True]] * 2))


@pytest.mark.parametrize("n_tokens", [5, 16, 199])
@pytest.mark.parametrize("cross", [False, True])
def test_attention_without_gradients_pads_to_16_and_changes_nothing(
    n_tokens: int, cross: bool
) -> None:
    """Without gradients the CPU path pads sequences to a multiple of 16 tokens (a faster
    kernel); with them it does not. Both give the same outputs, masked or not."""
    gen = torch.Generator().manual_seed(n_tokens)
    torch.manual_seed(0)
    mha = MultiHeadAttention(16, 4)
    x = torch.randn(3, n_tokens, 16, generator=gen)
    context = torch.randn(3, n_tokens + 3, 16, generator=gen) if cross else None
    n_key = n_tokens + 3 if cross else n_tokens
    mask = torch.arange(n_key)[None, :] < torch.tensor([n_key, n_key // 2 + 1, 1])[:, None]
    for key_mask in (None, mask):
        with torch.no_grad():
            padded = mha(x, key_mask, context=context)
        unpadded = mha(x.requires_grad_(), key_mask, context=context)
        x = x.detach()
        assert padded.shape == unpadded.shape == (3, n_tokens, 16)
        torch.testing.assert_close(padded, unpadded.detach(), atol=1e-6, rtol=1e-5)


def test_dropout_drops_at_its_rate_keeps_the_mean_and_is_seeded() -> None:
    from lcformer.models.blocks import Dropout

    drop = Dropout(0.1)
    x = torch.ones(200_000)
    torch.manual_seed(3)
    y = drop(x)
    assert (y == 0).float().mean().item() == pytest.approx(0.1, abs=0.003)
    assert y.mean().item() == pytest.approx(1.0, abs=0.01)  # kept values scaled up
    assert torch.unique(y).tolist() == [0.0, pytest.approx(65536 / (65536 - 6554))]
    torch.manual_seed(3)
    torch.testing.assert_close(drop(x), y)  # torch's generator: seeds and resumes work
    x.requires_grad_()
    drop(x).sum().backward()
    assert x.grad is not None and ((x.grad == 0) | (x.grad > 1)).all()
    assert torch.equal(drop.eval()(x), x) and torch.equal(Dropout(0.0)(x), x)
    torch.manual_seed(4)
    assert (Dropout(0.999999).train()(x) == 0).float().mean() > 0.99  # no division by zero


def test_head_gradients_match_a_hand_written_head() -> None:
    """The head's in-place ReLUs: gradients as without them."""
    torch.manual_seed(0)
    head = ClassifierHead(4, 8, 3)
    x = torch.randn(2, 6, 4, requires_grad=True)
    mask = prefix_mask([6, 2], 6)
    head(x, mask).sum().backward()
    grads = [p.grad.clone() for p in head.parameters()] + [x.grad.clone()]
    head.zero_grad()
    x2 = x.detach().clone().requires_grad_()
    h = torch.relu(head.norm1(head.fc1(x2)))
    h = torch.relu(head.norm2(head.fc2(h)))
    log_p = torch.log_softmax(head.out(h), dim=-1).masked_fill(~mask[..., None], -math.inf)
    (torch.logsumexp(log_p, 1) - mask.sum(1, keepdim=True).log()).sum().backward()
    for got, want in zip(grads, [p.grad for p in head.parameters()] + [x2.grad], strict=True):
        torch.testing.assert_close(got, want)


@pytest.mark.parametrize("name", ["encoder", "encoder_decoder"])
def test_inference_path_gives_the_training_paths_outputs(name: str) -> None:
    """Without gradients the blocks take faster paths (feed-forward layers folded, biases
    added in place, attention padded to 16 tokens): the same outputs as with gradients."""
    torch.manual_seed(0)
    model = build_model(name, n_classes=3, emb=16, heads=2, research=True).eval()
    tokens = torch.randn(3, 23, 4, generator=torch.Generator().manual_seed(2))
    mask = prefix_mask([23, 9, 1], 23)
    with torch.no_grad():
        fast = model.classify(tokens, mask)
    plain = model.classify(tokens, mask)
    assert plain.requires_grad
    torch.testing.assert_close(fast, plain.detach(), atol=1e-6, rtol=1e-5)
