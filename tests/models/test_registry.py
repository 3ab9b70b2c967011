"""Every registered model: shapes, probabilities, padding invariance, L2, config round-trip."""

from __future__ import annotations

import json
import tomllib

import pytest
import tomli_w
import torch
from torch import Tensor

from lcformer.models import (
    MODEL_NAMES,
    REGISTRY,
    LightCurveClassifier,
    ModelConfig,
    build_model,
    model_from_config,
)
from lcformer.models.registry import WINDOW_MODELS

SMALL = {"n_classes": 3, "emb": 16, "heads": 4, "rnn_units": 8, "max_tokens": 32}
NAMES = WINDOW_MODELS  # the window models; periodic: tests/models/test_periodic.py
RECONSTRUCTING = {"ae_frozen", "ae_finetune"}


def small_model(name: str, **overrides: object) -> LightCurveClassifier:
    torch.manual_seed(0)
    return build_model(name, **{**SMALL, **overrides}).eval()


def batch(lengths: list[int], n_tokens: int, seed: int = 0) -> tuple[Tensor, Tensor]:
    tokens = torch.randn(len(lengths), n_tokens, 4, generator=torch.Generator().manual_seed(seed))
    mask = torch.arange(n_tokens)[None, :] < torch.tensor(lengths)[:, None]
    return tokens, mask


def test_registry_holds_the_research_models() -> None:
    assert set(NAMES) == {
        "naive", "ae_frozen", "ae_finetune", "encoder", "encoder_decoder", "lstm", "gru"
    }  # fmt: skip
    assert set(REGISTRY) == {*NAMES, "periodic"} and set(MODEL_NAMES) == set(REGISTRY)
    # What the rest of the package asks the registry: labels, families, research rows.
    assert REGISTRY["encoder"].label == "Model 4 (encoder)"
    assert REGISTRY["encoder"].research_row == "Model 4" and REGISTRY["gru"].research_row is None
    assert {n for n in NAMES if REGISTRY[n].family == "attention"} == {
        "ae_frozen", "ae_finetune", "encoder", "encoder_decoder"}
    assert build_model("ae_frozen", n_classes=2).pretrain == "frozen"
    assert build_model("ae_finetune", n_classes=2).pretrain == "finetune"
    assert build_model("encoder", n_classes=2).pretrain is None


@pytest.mark.parametrize("name", NAMES)
def test_shapes_and_probabilities(name: str) -> None:
    model = small_model(name)
    tokens, mask = batch([10, 6, 1], 10)
    out = model(tokens, mask)
    assert out.log_probs is not None and out.log_probs.shape == (3, 3)
    torch.testing.assert_close(out.log_probs.exp().sum(-1), torch.ones(3))
    torch.testing.assert_close(model.classify(tokens, mask), out.log_probs)
    if name in RECONSTRUCTING:
        assert out.reconstruction is not None and out.reconstruction.shape == (3, 10, 4)
        torch.testing.assert_close(model.reconstruct(tokens, mask), out.reconstruction)
    else:
        assert out.reconstruction is None
        with pytest.raises(ValueError, match="no reconstruction"):
            model.reconstruct(tokens, mask)


@pytest.mark.parametrize("name", NAMES)
def test_appended_garbage_padding_changes_nothing(name: str) -> None:
    model = small_model(name)
    tokens, mask = batch([8, 5, 2, 1], 8)
    clean = tokens.masked_fill(~mask[..., None], 0.0)
    garbage = torch.full((4, 5, 4), 1e6)
    garbage[:, ::2] = float("nan")
    # Existing padded slots get garbage too; 5 garbage tokens are appended with mask False.
    dirty = torch.cat([tokens.masked_fill(~mask[..., None], -3e4), garbage], dim=1)
    dirty_mask = torch.cat([mask, torch.zeros(4, 5, dtype=torch.bool)], dim=1)
    with torch.no_grad():
        ref, got = model(clean, mask), model(dirty, dirty_mask)
    assert ref.log_probs is not None and got.log_probs is not None
    assert (ref.log_probs - got.log_probs).abs().max() < 1e-5
    if name in RECONSTRUCTING:
        assert ref.reconstruction is not None and got.reconstruction is not None
        diff = (ref.reconstruction - got.reconstruction[:, :8])[mask]
        assert diff.abs().max() < 1e-5


@pytest.mark.parametrize("name", NAMES)
def test_l2_penalty_only_in_research_mode(name: str) -> None:
    assert small_model(name).l2_penalty().item() == 0.0
    model = small_model(name, research=True)
    penalty = model.l2_penalty()
    assert penalty.item() > 0.0
    # A classification epoch: every regularised weight but an autoencoder's unused decoder's.
    unused = ({id(w) for m in model.decoder.modules() if hasattr(m, "regularized_weights")
               for w in m.regularized_weights()} if name in RECONSTRUCTING else set())
    want = 0.1 * sum(float(w.detach().square().sum()) for w in model.regularized_weights()
                     if id(w) not in unused)
    assert penalty.item() == pytest.approx(want, rel=1e-5)
    penalty.backward()  # differentiable: the training loop adds it to the loss
    assert model.head.fc1.weight.grad is not None


@pytest.mark.parametrize("name", sorted(RECONSTRUCTING))
def test_a_reconstruction_epoch_leaves_the_head_out_of_the_l2_penalty(name: str) -> None:
    """Keras' autoencoder model carried its own layers' regularisers, not the classifier's:
    reconstruction epochs must not shrink the head (they did, by 3.5% in 6 steps)."""
    model = small_model(name, research=True)
    model.l2_penalty("reconstruct").backward()
    assert model.head.fc1.weight.grad is None and model.head.fc2.weight.grad is None
    assert model.decoder[0].ff.hidden.weight.grad is not None  # type: ignore[index]
    assert model.encoder[0].ff.hidden.weight.grad is not None  # type: ignore[index]


def test_research_l2_covers_the_marked_layers() -> None:
    model = small_model("encoder", research=True)
    weights = {id(w) for w in model.regularized_weights()}
    marked = {model.encoder[0].ff.hidden.weight, model.head.fc1.weight, model.head.fc2.weight}  # type: ignore[index]
    assert weights == {id(w) for w in marked}
    lstm = small_model("lstm", research=True)
    assert {id(w) for w in lstm.regularized_weights()} == {
        id(w) for w in (lstm.head.fc1.weight, lstm.head.fc2.weight,
                        *(r.weight_hh_l0 for r in lstm.encoder.rnns))  # type: ignore[union-attr]
    }  # fmt: skip


@pytest.mark.parametrize("name", NAMES)
def test_encoder_and_head_parameters_partition_the_model(name: str) -> None:
    model = small_model(name)
    encoder = {id(p) for p in model.encoder_parameters()}
    head = {id(p) for p in model.head_parameters()}
    assert not encoder & head
    assert encoder | head == {id(p) for p in model.parameters()}
    assert bool(encoder) == (name != "naive")


def test_config_round_trips_through_json_and_toml() -> None:
    config = ModelConfig(name="encoder", n_classes=5, emb=32, heads=8, dropout=0.2,
                         research=True).for_data(5, 4, 20)
    data = config.to_dict()
    assert ModelConfig.from_dict(json.loads(json.dumps(data))) == config
    # TOML has no null: the sizes not given (None) are left out and come back as defaults.
    toml = tomli_w.dumps({k: v for k, v in data.items() if v is not None})
    assert ModelConfig.from_dict(tomllib.loads(toml)) == config
    model = model_from_config(ModelConfig.from_dict(data))
    assert model.config == config and model.encoder[0].attn.heads == 8  # type: ignore[index]


def test_config_rejects_bad_values() -> None:
    with pytest.raises(ValueError, match=r"unknown settings \['embb'\]"):
        ModelConfig.from_dict({"name": "encoder", "n_classes": 2, "embb": 3})
    with pytest.raises(ValueError, match="emb must be an integer"):
        ModelConfig.from_dict({"name": "encoder", "emb": "64"})
    with pytest.raises(ValueError, match="head must be one of"):
        ModelConfig.from_dict({"name": "encoder", "head": "mean"})
    with pytest.raises(ValueError, match="divisible"):
        ModelConfig(name="encoder", n_classes=2, emb=10, heads=4)
    with pytest.raises(ValueError, match="single block"):
        ModelConfig(name="encoder", n_classes=2, depth=2, research=True)
    # Options that undo the research choices make no research run: refused when a run
    # starts, not by the config (older runs that set them must still load)
    from lcformer.training.config import RunConfig

    undone = ModelConfig(name="encoder", research=True, input_transform="asinh", head="pooled")
    assert undone.undone_research() == {"input_transform": "asinh", "head": "pooled"}
    with pytest.raises(ValueError, match=r"raw tokens, per-token head and index positions; "
                                         r"got --input-transform asinh, --head pooled"):
        RunConfig(model=undone).check_runnable()
    assert not ModelConfig(name="encoder", research=True, input_transform="none",
                           head="tokens", position="index").undone_research()  # spelt out
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(name="encoder", n_classes=2, dropout=1.0)


def test_unknown_name_lists_valid_names() -> None:
    with pytest.raises(ValueError, match="unknown model 'transformer'") as error:
        build_model("transformer", n_classes=2)
    assert all(name in str(error.value) for name in NAMES)
    with pytest.raises(ValueError, match="sizes the data gives"):
        model_from_config(ModelConfig(name="gru"))  # n_classes etc. not yet known


def test_bad_inputs_are_named() -> None:
    model = small_model("encoder")
    tokens, mask = batch([4], 4)
    with pytest.raises(ValueError, match="tokens must be"):
        model(tokens[..., :3], mask)
    with pytest.raises(ValueError, match="mask must be bool"):
        model(tokens, mask.float())


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu() -> None:
    tokens, mask = batch([6, 3], 6)
    for name in NAMES:
        cpu = small_model(name)(tokens, mask)
        gpu = small_model(name).cuda()(tokens.cuda(), mask.cuda())
        for want, got in zip(cpu, gpu, strict=True):
            if want is not None:
                torch.testing.assert_close(got.cpu(), want, atol=1e-4, rtol=1e-4)
