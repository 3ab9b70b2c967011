"""Shared by the benchmark scripts: what machine a benchmark ran on (the runs' own lookup),
and a small trained model for the scripts that time prediction."""

from __future__ import annotations

import warnings
from typing import Any

from lcformer.hardware import cpu_model

__all__ = ["cpu_model", "load_average", "load_line", "network_weight", "network_weight_text",
           "small_model"]


def network_weight(model: object) -> float | None:
    """The fused model's network weight (0: only its trees run), None without trees."""
    from lcformer.models.forest import ForestFusion

    return float(model.weight) if isinstance(model, ForestFusion) else None


def network_weight_text(model: object) -> str:
    """For a header: which parts of the model a timing covers, since at weight 0 a
    ``ForestFusion`` skips its network and only the trees run."""
    weight = network_weight(model)
    if weight is None:
        return "no trees (the network alone)"
    if weight == 0:
        return "network weight 0 (the trees alone)"
    return f"network weight {weight:g}"


def load_average() -> float:
    """The 1-minute load average (nan where the system has none)."""
    import os

    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def load_line() -> str:
    """The machine line of scripts without a richer one: CPU, CPUs, load at start."""
    import os

    return (f"{cpu_model()}, {os.cpu_count()} logical CPUs, load average {load_average():.2f} "
            f"(1 min) at start")


def small_model(run: str | None, stars: Any = None, labels: Any = None):
    """(model, metadata) of ``run``, or the default model trained for one epoch: on ``stars``
    (a long table) with ``labels`` (one a star, in the order of ``star_ids(stars)``) where
    given, else on 90 synthetic stars."""
    from lcformer.api import Classifier
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic
    from lcformer.training.config import TrainConfig
    from lcformer.training.run_folder import load_model

    if run:
        return load_model(run)
    with warnings.catch_warnings():  # the research training budget, as the documented runs
        warnings.filterwarnings("ignore", "this TrainConfig keeps")  # used it
        clf = Classifier(train=TrainConfig(epochs=1, device="cpu"))
        if stars is None:
            clf.fit(make_synthetic(SyntheticConfig(n_per_class=30, num=250)))
        else:
            clf.fit(stars, labels)
    return clf.model_, clf.metadata_
