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

#: Counted per class renamed (its stars), ``stars_class_renamed_from 'RRAB:'``: what each
#: renaming did, and which did nothing (:func:`unmatched_class_names`).
RENAMED = "stars_class_renamed_from"


def rename_classes(curves: LightCurves, names: dict[str, str], report: DropReport
                   ) -> LightCurves:
    """``curves`` with their labels renamed by ``names`` (from -> to, all at once: a swap
    A=B,B=A swaps; the others as they are), each class's stars renamed counted
    (:data:`RENAMED`). A name that matches no class is said once a command
    (:func:`unmatched_class_names`), not here: a partition need not hold every class."""
    names = {old: new for old, new in names.items() if old != new}
    if not names or curves.labels is None or not curves.n_curves:
        return curves
    labels = pd.Series(np.asarray(curves.labels, dtype=object))
    renamed = labels.isin(list(names))
    if not renamed.any():
        return curves
    stars = pd.DataFrame({"id": np.asarray(curves.ids, dtype=object)[renamed.to_numpy()],
                          "label": labels[renamed].to_numpy()}).drop_duplicates()
    for old, n in stars["label"].value_counts(sort=False).items():
        report.note(f"{RENAMED} {old!r}", int(n))
    return dataclasses.replace(curves, labels=labels.replace(names).to_numpy(dtype=object))


def unmatched_class_names(names: dict[str, str], report: DropReport,
                          classes: set[str]) -> str | None:
    """What to say of the names of ``names`` that renamed no star (a typo, another case),
    by the counts :func:`rename_classes` left in ``report`` (a whole command's); ``classes``:
    those read, to suggest another case. None where every one renamed some."""
    unmatched = [old for old, new in names.items()
                 if old != new and not report.events[f"{RENAMED} {old!r}"]]
    if not unmatched:
        return None
    near = {old: c for old in unmatched for c in classes if c.lower() == old.lower()}
    hint = (f" (another case: {', '.join(f'{o!r} is {c!r}' for o, c in near.items())}?)"
            if near else "")
    from lcformer.data.reading.macho import MACHO_CLASSES

    codes = {old: MACHO_CLASSES[int(old)] for old in unmatched
             if old.isascii() and old.isdecimal() and int(old) in MACHO_CLASSES
             and MACHO_CLASSES[int(old)] in classes}
    if codes:  # MACHO's catalogue codes: its reader turns them into names
        hint += (f" (MACHO's catalogue codes are read as names: "
                 f"{', '.join(f'{o} is {c!r}' for o, c in codes.items())})")
    return (f"--class-names renames {', '.join(map(repr, unmatched))}, which no star's class "
            f"is: classes are compared as written, case too{hint}")
