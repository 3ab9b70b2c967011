"""lcformer: classify variable-star light curves with self-attention over (dt, dm) tokens."""

from __future__ import annotations

import importlib
from typing import Any

from lcformer.lightcurves import LightCurves

__version__ = "0.1.0"

# Heavier names (they import torch or pandas readers) load on first use.
_LAZY = {
    "Classifier": "lcformer.api",
    "CleaningConfig": "lcformer.cleaning",
    "TokenConfig": "lcformer.tokens",
    "TrainConfig": "lcformer.training",
    "make_synthetic": "lcformer.synthetic",
    "read_long_table": "lcformer.reading",
    "read_catalogue_folder": "lcformer.reading",
    "read_folder": "lcformer.reading",
    "read_macho": "lcformer.reading",
    "from_dataframe": "lcformer.reading",
    "from_astropy": "lcformer.reading",
}

__all__ = ["LightCurves", "__version__", *_LAZY]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'lcformer' has no attribute {name!r}")
