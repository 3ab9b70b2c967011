"""--band-names: bands renamed as they are read, so that numbered and lettered bands meet."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading import Columns, read_long_table
from lcformer.data.reading.config import ReadConfig
from lcformer.data.reading.flux import to_magnitudes
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError


def ztf_rows() -> pd.DataFrame:
    """Two stars, each with three points in fid 1 and three in fid 2."""
    return pd.DataFrame({"oid": ["a"] * 6 + ["b"] * 6, "fid": [1, 1, 1, 2, 2, 2] * 2,
                         "mjd": np.arange(12.0), "mag": 15.0 + np.arange(12) * 0.01})


def test_numbered_bands_are_renamed_and_counted() -> None:
    """ZTF's fid 1, 2 read as g, r (and the rows' own order of stars and points kept)."""
    rows = ztf_rows()
    columns = Columns(id="oid", band="fid", time="mjd")
    report = DropReport()
    plain = read_long_table(rows, columns=columns)
    curves = to_magnitudes(plain, ReadConfig(band_names=("1=g", "2=r")), "ztf", report)
    assert sorted(plain.bands) == ["1", "1", "2", "2"]
    assert sorted(curves.bands) == ["g", "g", "r", "r"]
    np.testing.assert_array_equal(curves.mag, plain.mag)
    assert report.events["curves_band_renamed"] == 4


def test_a_renaming_that_gives_a_star_one_band_twice_is_refused() -> None:
    curves = LightCurves.from_list([("s", "1", np.arange(3.0), np.full(3, 15.0), None),
                                    ("s", "g", np.arange(3.0), np.full(3, 15.1), None)])
    with pytest.raises(InputError, match=r"x: --band-names gives star 's' two curves of "
                                         r"band 'g'"):
        to_magnitudes(curves, ReadConfig(band_names=("1=g",)), "x", DropReport())


def test_bands_named_already_are_quiet_and_others_warned_of() -> None:
    """A run's renaming applies to new stars whose bands are named so already: nothing to
    say; bands that are neither are a likely mistake, said once."""
    named = LightCurves.from_list([("s", "g", np.arange(3.0), np.full(3, 15.0), None)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = to_magnitudes(named, ReadConfig(band_names=("1=g",)), "x", DropReport())
    assert list(out.bands) == ["g"]
    other = LightCurves.from_list([("s", "V", np.arange(3.0), np.full(3, 15.0), None)])
    with pytest.warns(UserWarning, match=r"x: --band-names renames 1, and no curve has such "
                                         r"a band \(its bands: V\)"):
        to_magnitudes(other, ReadConfig(band_names=("1=g",)), "x", DropReport())


def test_a_renaming_one_off_is_warned_of_and_a_missing_band_is_not() -> None:
    """PLAsTiCC's passbands 0-5 given 1=u,...,6=y (every band one off and 0 unnamed,
    else said only by a count); ZTF's 1=g,2=r,3=i on stars without i is the usual case."""
    rows = ztf_rows().assign(fid=[0, 0, 0, 1, 1, 1] * 2)
    plain = read_long_table(rows, columns=Columns(id="oid", band="fid", time="mjd"))
    with pytest.warns(UserWarning, match=r"x: --band-names renames 2, which no curve has, "
                                         r"and leaves band\(s\) 0 as they are"):
        out = to_magnitudes(plain, ReadConfig(band_names=("1=u", "2=g")), "x", DropReport())
    assert sorted(set(out.bands)) == ["0", "u"]
    plain = read_long_table(ztf_rows(), columns=Columns(id="oid", band="fid", time="mjd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = to_magnitudes(plain, ReadConfig(band_names=("1=g", "2=r", "3=i")), "x",
                            DropReport())
    assert sorted(set(out.bands)) == ["g", "r"]


def test_curves_without_a_band_are_named_by_an_empty_from() -> None:
    """Per-star files without a band, for a model of B and R: the reason points at
    --band-names, so '=R' must be taken, and names them R."""
    rows = ztf_rows().drop(columns="fid")
    plain = read_long_table(rows, columns=Columns(id="oid", time="mjd"))
    report = DropReport()
    curves = to_magnitudes(plain, ReadConfig(band_names=("=R",)), "x", report)
    assert sorted(plain.bands) == ["", ""] and sorted(curves.bands) == ["R", "R"]
    assert report.events["curves_band_renamed"] == 2
    # A run trained with =R reads stars whose bands are all named without a word
    named = read_long_table(ztf_rows(), columns=Columns(id="oid", band="fid", time="mjd"))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = to_magnitudes(named, ReadConfig(band_names=("=R",)), "x", DropReport())
    assert sorted(set(out.bands)) == ["1", "2"]


@pytest.mark.parametrize("pairs", [("1",), ("=",), ("1=",), ("1=g=r",), ("1=g", "1=r")])
def test_band_names_must_be_pairs_renaming_each_band_once(pairs: tuple[str, ...]) -> None:
    with pytest.raises(ConfigError, match="band_names"):
        ReadConfig(band_names=pairs)


def test_band_names_are_options_a_run_gives_back() -> None:
    reading = ReadConfig(band_names=("1=g", "2=r"))
    assert reading.band_map == {"1": "g", "2": "r"}
    assert reading.options() == "--band-names 1=g,2=r"


def test_spaces_around_band_names_are_not_part_of_them() -> None:
    spaced = ReadConfig(band_names=("1 = g", " 2=r "))
    assert spaced.band_map == {"1": "g", "2": "r"}
    assert spaced.options() == "--band-names 1=g,2=r"
