"""lcformer: classify variable-star light curves with self-attention over (dt, dm) tokens."""

from lcformer.lightcurves import LightCurves

__version__ = "0.1.0"

__all__ = ["LightCurves", "__version__"]
