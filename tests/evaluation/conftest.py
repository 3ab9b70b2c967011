"""A tiny trained period-aware model, shared by the prediction tests (trained once, ~2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcformer.data.synthetic import SyntheticConfig, make_synthetic


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A folder as ``Classifier.save`` writes it: the default (periodic) model with its trees
    (a forest of 20, boosting of 10 iterations), emb 8, one epoch on 30 synthetic stars of
    42 points; ``lcformer predict`` and ``load_model`` read it."""
    import torch

    from lcformer.api import Classifier
    from lcformer.models import ModelConfig
    from lcformer.training.config import TrainConfig

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    try:
        clf = Classifier(ModelConfig(emb=8, heads=2, forest=20, boosting=10),  # as by default
                         train=TrainConfig(epochs=1, batch_size=32, device="cpu"))
        clf.fit(make_synthetic(SyntheticConfig(n_per_class=10, num=84)))
        return clf.save(tmp_path_factory.mktemp("tiny") / "run")
    finally:
        torch.set_num_threads(threads)
