"""lcformer: classify variable-star light curves with self-attention over each star's folded
observations and its scalars (and, for the research models, over (dt, dm) token windows)."""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.4.0.dev0"

# Heavier names (they import torch or pandas readers) load on first use.
_LAZY = {
    "LightCurves": "lcformer.data.lightcurves",  # (numpy: even it loads on first use, so that
    # Ctrl-C as the command line starts ends in one line, in lcformer.cli.main)
    "Classifier": "lcformer.api",
    "StarSamples": "lcformer.api",
    "Columns": "lcformer.data.reading.config",
    "BandColumns": "lcformer.data.reading.config",
    "DropReport": "lcformer.data.report",
    "LcformerWarning": "lcformer.errors",
    "flux_to_magnitudes": "lcformer.data.reading.flux",
    # The settings, one dataclass each (docs/api.md), in pipeline order.
    "ReadConfig": "lcformer.data.reading.config",
    "CleaningConfig": "lcformer.data.cleaning",
    "TokenConfig": "lcformer.data.tokens",
    "ViewConfig": "lcformer.data.views",
    "PeriodConfig": "lcformer.data.periods",
    "PrepareConfig": "lcformer.data.prepared",
    "ModelConfig": "lcformer.models.config",
    "TrainConfig": "lcformer.training.config",
    "RunConfig": "lcformer.training.config",
    "FlagConfig": "lcformer.evaluation.flags",
    "SweepConfig": "lcformer.experiments.grid",
    "AblationConfig": "lcformer.experiments.ablation",
    "SyntheticConfig": "lcformer.data.synthetic",
    "make_synthetic": "lcformer.data.synthetic",
    "read_long_table": "lcformer.data.reading",
    "read_catalogue_folder": "lcformer.data.reading",
    "read_folder": "lcformer.data.reading",
    "read_macho": "lcformer.data.reading",
    "from_dataframe": "lcformer.data.reading",
    "from_astropy": "lcformer.data.reading",
}

__all__ = ["__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lcformer' has no attribute {name!r}")
