"""Classes renamed or merged as the user says (``--class-names 'RRAB:=RRAB,HADS=DSCT'``).

Catalogues spell a type several ways: VSX marks an uncertain type with a colon (``RRAB:``),
writes sub-types (``HADS`` of ``DSCT``, ``EA/DM`` of ``EA``) and combined types (``EW|EA``).
Read as they are, each is a class of its own, of a few stars each, that no split can train
and test. Renaming at reading makes them one class in training, and, given to ``predict``,
maps a survey's own labels onto a model's classes for scoring.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport


def rename_classes(curves: LightCurves, names: dict[str, str], source: str,
                   report: DropReport) -> LightCurves:
    """``curves`` with their labels renamed by ``names`` (from -> to; the others as they
    are), the stars renamed counted as ``stars_class_renamed``; a renaming that names no
    class of theirs is warned of (a typo would otherwise leave the classes apart)."""
    if not names or curves.labels is None or not curves.n_curves:
        return curves
    labels = pd.Series(np.asarray(curves.labels, dtype=object))
    renamed = labels.isin(list(names))
    unmatched = sorted(old for old in names if old not in set(labels))
    if unmatched and not labels.isin(list(names.values())).all():
        warnings.warn(f"{source}: --class-names renames {', '.join(unmatched)}, which no star's "
                      f"class is (names are compared as written, case and colons too)",
                      stacklevel=3)
    if not renamed.any():
        return curves
    ids = pd.Series(np.asarray(curves.ids, dtype=object))
    report.note("stars_class_renamed", int(ids[renamed].nunique()))
    return dataclasses.replace(curves, labels=labels.replace(names).to_numpy(dtype=object))
