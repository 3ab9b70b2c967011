"""Shared by the benchmark scripts: what machine a benchmark ran on (the runs' own lookup),
and a small trained model for the scripts that time prediction."""

from __future__ import annotations

from lcformer.hardware import cpu_model

__all__ = ["cpu_model", "small_model"]


def small_model(run: str | None):
    """(model, metadata) of ``run``, or the default model trained for one epoch on 90
    synthetic stars."""
    from lcformer.api import Classifier
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic
    from lcformer.training.config import TrainConfig
    from lcformer.training.runs import load_model

    if run:
        return load_model(run)
    clf = Classifier(train=TrainConfig(epochs=1, device="cpu"))
    clf.fit(make_synthetic(SyntheticConfig(n_per_class=30, num=250)))
    return clf.model_, clf.metadata_
