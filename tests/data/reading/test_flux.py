"""Fluxes: refused when they look like fluxes, converted with --flux, drops counted."""

from __future__ import annotations

import numpy as np
import pytest

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.flux import flux_share, flux_to_magnitudes, to_magnitudes
from lcformer.data.report import DropReport
from lcformer.errors import InputError


def curves(mag: list[float], err: list[float] | None = None) -> LightCurves:
    n = len(mag)
    return LightCurves.from_arrays(["s"], [""], [n], np.arange(n, dtype=float), mag,
                                   np.full(n, 0.1) if err is None else err)


def test_magnitudes_pass_fluxes_are_refused_naming_the_source() -> None:
    mags = curves([12.0, 12.5, -7.1, 25.0, 30.9])  # MACHO's negatives, EROS-1's 25.0: magnitudes
    assert to_magnitudes(mags, ReadConfig(), "x.csv", DropReport()) is mags
    with pytest.raises(InputError, match=r"^stars\.csv: 75% .* look like fluxes; give --flux"):
        to_magnitudes(curves([1500.0, 1720.5, 980.2, 14.0]), ReadConfig(), "stars.csv",
                      DropReport())


def test_a_repeated_no_data_code_is_not_flux() -> None:
    macho = [-99.0] * 6 + [-6.1, -6.3, -6.2]  # two thirds -99: still magnitudes
    assert flux_share(np.array(macho)) == 0.0
    counts = np.linspace(900, 1100, 9)  # every value different: fluxes
    assert flux_share(counts) == 1.0
    assert flux_share(np.array([np.nan, np.inf])) == 0.0  # nothing finite: nothing to say


def test_conversion_formula_and_counted_drops() -> None:
    report = DropReport()
    flux = curves([1.0, 10.0, 0.0, -5.0, np.nan], [0.1, 1.0, 0.1, 0.1, 0.1])
    with pytest.warns(UserWarning, match=r"^band \(unnamed\): 1 star\(s\) lose a quarter "
                                         r"or more of their fluxes"):
        out = to_magnitudes(flux, ReadConfig(flux=True, zero_point=25.0), "x", report)
    assert out.lengths.tolist() == [3]  # the zero and the negative flux are gone
    np.testing.assert_allclose(out.mag[:2], [25.0, 22.5])
    np.testing.assert_allclose(out.err[:2], 2.5 / np.log(10) * 0.1)
    assert np.isnan(out.mag[2])  # NaN stays for cleaning to count as non_finite
    assert report.points == {"non_positive_flux": 2}
    assert flux_to_magnitudes(curves([1.0]), 8.9, DropReport()).mag[0] == pytest.approx(8.9)


def test_a_band_that_loses_many_fluxes_is_named_as_biased(recwarn) -> None:
    """LSST-like faint stars: a quarter or more of a star's fluxes in a band at or below zero
    leaves its upward noise, magnitudes too bright; a band that loses a few is not named."""
    from lcformer.data.lightcurves import LightCurves

    u = np.r_[np.full(7, 50.0), -3.0, -1.0, 0.0]  # 3 of 10 lost
    r = np.r_[np.full(29, 500.0), -2.0]  # 1 of 30 lost
    lcs = LightCurves.from_list([("s", "u", np.arange(10.0), u, np.full(10, 5.0)),
                                 ("s", "r", np.arange(30.0), r, np.full(30, 5.0))])
    flux_to_magnitudes(lcs, 31.4, DropReport())
    messages = [str(w.message) for w in recwarn.list]
    assert len(messages) == 1 and messages[0].startswith("band u: 1 star(s) lose a quarter")
