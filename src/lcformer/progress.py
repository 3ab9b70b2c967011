"""The progress bar: tqdm's, as a terminal or a notebook draws it.

Why not ``from tqdm.auto import tqdm`` alone: in a Jupyter kernel without ipywidgets that
import warns ("IProgress not found. Please update jupyter and ipywidgets") on ``import
lcformer``, even where no bar is drawn, and then draws text bars, which work in a notebook.
"""

from __future__ import annotations

import warnings

from tqdm import TqdmWarning

with warnings.catch_warnings():
    warnings.simplefilter("ignore", TqdmWarning)
    from tqdm.auto import tqdm

__all__ = ["tqdm"]
