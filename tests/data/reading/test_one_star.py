"""Which curves are one star: names that end in a trained model's band."""

from __future__ import annotations

import dataclasses

import numpy as np

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.one_star import bands_in_names
from lcformer.data.report import DropReport


def _curves(names: list[tuple[str, str]]) -> LightCurves:
    t = np.arange(5.0)
    return LightCurves.from_list([(star, band, t, 12 + t, None) for star, band in names])


def test_a_new_stars_one_band_file_takes_the_band_its_name_ends_in() -> None:
    """A model trained on NAME.I.dat and NAME.V.dat files (one star each, in I and V)
    classifies a new star from its I file alone, not "no curve in a band the model knows":
    a folder's names pair only where it holds two bands."""
    lcs = _curves([("S1.I", ""), ("S2.V", ""), ("S3", ""), ("J0123.4", ""), ("S4.I", "V"),
                   ("A.I", ""), ("A", "I"), ("X", ""), ("X.V", "")])
    report = DropReport()
    out = bands_in_names(lcs, ["I", "V"], report)
    assert list(zip(out.ids, out.bands, strict=True)) == [  # A and X named already: kept
        ("S1", "I"), ("S2", "V"), ("S3", ""), ("J0123.4", ""), ("S4.I", "V"),
        ("A.I", ""), ("A", "I"), ("X", ""), ("X.V", "")]
    assert report.events["band_from_file_name"] == 2
    # Two names of one star labelled two classes stay two stars (readers refuse such a star).
    labelled = dataclasses.replace(_curves([("B.I", ""), ("B.V", "")]),
                                   labels=np.array(["Mira", "RRL"], dtype=object))
    assert list(bands_in_names(labelled, ["I", "V"], DropReport()).ids) == ["B.I", "B.V"]
    # Two files of one star, apart in the input, end up side by side, as a star's curves are.
    out = bands_in_names(_curves([("B.I", ""), ("C", ""), ("B.V", "")]), ["I", "V"],
                         DropReport())
    assert list(zip(out.ids, out.bands, strict=True)) == [("B", "I"), ("B", "V"), ("C", "")]
    assert bands_in_names(lcs, [""], DropReport()) is lcs  # a model of no named band
