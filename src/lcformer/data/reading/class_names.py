"""Classes renamed or merged as the user says (``--class-names 'RRAB:=RRAB,HADS=DSCT'``).

Catalogues spell a type several ways: VSX marks an uncertain type with a colon (``RRAB:``),
writes sub-types (``HADS`` of ``DSCT``, ``EA/DM`` of ``EA``) and combined types (``EW|EA``).
Read as they are, each is a class of its own, of a few stars each, that no split can train
and test. Renaming at reading makes them one class in training, and, given to ``predict``,
maps a survey's own labels onto a model's classes for scoring.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport


def rename_classes(curves: LightCurves, names: dict[str, str], report: DropReport
                   ) -> LightCurves:
    """``curves`` with their labels renamed by ``names`` (from -> to; the others as they
    are), the stars renamed counted as ``stars_class_renamed``. A name that matches no class
    is not warned of: a partition, or a predict's input, need not hold every class (review:
    false alarms); the classes that prepare and describe list show what is left apart."""
    if not names or curves.labels is None or not curves.n_curves:
        return curves
    labels = pd.Series(np.asarray(curves.labels, dtype=object))
    renamed = labels.isin(list(names))
    if not renamed.any():
        return curves
    ids = pd.Series(np.asarray(curves.ids, dtype=object))
    report.note("stars_class_renamed", int(ids[renamed].nunique()))
    return dataclasses.replace(curves, labels=labels.replace(names).to_numpy(dtype=object))
