"""Bands renamed as the user says (``--band-names 1=g,2=r``).

Some surveys name their bands by number (ZTF's ``fid`` 1, 2, 3; Pan-STARRS's ``filterID``
1-5), others by letter (``zg``, ``g``), and a model knows its bands by name: one trained on
g and r classifies no star whose bands are 1 and 2. Renaming at reading lets the two meet,
and puts each band in its place blue to red (:func:`lcformer.data.views.order_bands`),
which decides the colours.
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.errors import InputError, LcformerWarning


def rename_bands(curves: LightCurves, names: dict[str, str], source: str,
                 report: DropReport) -> LightCurves:
    """``curves`` with their bands renamed by ``names`` (from -> to; the others as they
    are), counted as ``curves_band_renamed``. A star left with two curves of one band (its
    band 1 renamed g beside its own g) is refused: which to keep is not known."""
    if not names or not curves.n_curves:
        return curves
    bands = pd.Series(np.asarray(curves.bands, dtype=object))
    if "" in names and not (bands == "").any():  # =R: no curve without a band to name
        names = {old: new for old, new in names.items() if old}
        if not names:
            return curves
    renamed = bands.isin(list(names))
    if not renamed.any():
        if bands.isin(list(names.values())).all():  # named so already (a run's renaming)
            return curves
        found = ", ".join(sorted(str(b) or "no band" for b in bands.unique()))
        warnings.warn(f"{source}: --band-names renames {', '.join(sorted(names))}, and no "
                      f"curve has such a band (its bands: {found})", LcformerWarning, stacklevel=3)
        return curves
    _warn_of_a_shifted_renaming(bands, names, source)
    new = bands.replace(names)
    ids = np.asarray(curves.ids, dtype=object)
    twice = (pd.DataFrame({"id": ids, "band": new}).duplicated(keep=False)
             & ~pd.DataFrame({"id": ids, "band": bands}).duplicated(keep=False))
    if twice.any():  # made by the renaming (not a file read twice, which is said elsewhere)
        star = curves.ids[int(np.flatnonzero(twice.to_numpy())[0])]
        raise InputError(f"{source}: --band-names gives star {star!r} two curves of band "
                         f"{new[twice].iloc[0]!r}: rename bands the stars do not have "
                         f"already")
    report.note("curves_band_renamed", int(renamed.sum()))
    return dataclasses.replace(curves, bands=new.to_numpy(dtype=object))


def _warn_of_a_shifted_renaming(bands: pd.Series, names: dict[str, str], source: str) -> None:
    """Warn where a renaming names bands no curve has while it leaves others as they are
    (PLAsTiCC's passbands 0-5 given 1=u,...,6=y: every band one off, 0 unnamed). A band
    missing alone (ZTF's 3=i where no star has i) is not warned of: all the others match."""
    present = set(bands.unique())
    unmatched = [old or "(no band)" for old in names if old not in present]
    left = sorted(str(b) or "no band" for b in present - set(names) - set(names.values()))
    if unmatched and left:
        warnings.warn(f"{source}: --band-names renames {', '.join(unmatched)}, which no curve "
                      f"has, and leaves band(s) {', '.join(left)} as they are: check that it "
                      f"names the bands as the file does", LcformerWarning, stacklevel=4)
