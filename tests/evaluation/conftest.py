"""A tiny trained period-aware model, shared by the prediction tests (trained once, ~2 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcformer.data.synthetic import SyntheticConfig, make_synthetic


def _tiny_run(folder: Path, band_less: bool = False) -> Path:
    import dataclasses

    import numpy as np
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
        lcs = make_synthetic(SyntheticConfig(n_per_class=10, num=84))
        if band_less:
            lcs = dataclasses.replace(lcs, bands=np.full(lcs.n_curves, "", dtype=object))
        clf.fit(lcs)
        return clf.save(folder / "run")
    finally:
        torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> Path:
    """A folder as ``Classifier.save`` writes it: the default (periodic) model with its trees
    (a forest of 20, boosting of 10 iterations), emb 8, one epoch on 30 synthetic stars of
    42 points in V; ``lcformer predict`` and ``load_model`` read it."""
    return _tiny_run(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def band_less_run(tmp_path_factory) -> Path:
    """``tiny_run`` trained on the same stars without a band name (as ASAS's V is read): a
    model of one band named ""."""
    return _tiny_run(tmp_path_factory.mktemp("band_less"), band_less=True)


@pytest.fixture(scope="module")
def periodic(tiny_run):
    from lcformer.training.run_folder import load_model

    return load_model(tiny_run)
