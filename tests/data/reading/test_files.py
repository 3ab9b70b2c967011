"""What the readers share: the column names of surveys' tables, which a column error suggests
and which tell a flux's errors from a magnitude's."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import is_error_of, is_flag_name, suggested_columns


@pytest.mark.parametrize(("found", "columns", "expected"), [
    # CRTS's light-curve download
    (["MasterID", "Mag", "Magerr", "RA", "Dec", "MJD", "Blend"], Columns(),
     {"id": "MasterID", "time": "MJD", "err": "Magerr"}),
    # ZTF's IRSA light curves: oid is one per field and filter, not the star; HJD over MJD
    (["oid", "mjd", "hjd", "mag", "magerr", "filtercode", "catflags"], Columns(),
     {"time": "hjd", "err": "magerr", "band": "filtercode"}),
    # Gaia's epoch photometry read as fluxes: the flux's errors, never the magnitude's
    (["source_id", "time", "flux", "flux_error", "mag", "magerr", "band"], Columns(mag="flux"),
     {"id": "source_id", "err": "flux_error"}),
    # two candidate ids: none is proposed
    (["objectid", "source_id", "time", "mag"], Columns(), {}),
    # every role already there: nothing to propose
    (["id", "time", "mag", "err", "band"], Columns(), {}),
])
def test_suggested_columns(found: list[str], columns: Columns, expected: dict[str, str]) -> None:
    assert suggested_columns(found, columns) == expected


@given(st.from_regex(r"[A-Za-z][A-Za-z_]{0,11}", fullmatch=True),
       st.sampled_from(["err", "_err", "Err", "_ERROR", "_unc"]))
def test_a_column_named_after_another_holds_its_errors(name: str, end: str) -> None:
    assert is_error_of(name + end, name)


def test_a_flux_does_not_take_a_magnitudes_errors() -> None:
    assert is_error_of("magerr", "mag") and is_error_of("sigma", "mag_v")
    assert not is_error_of("magerr", "flux") and not is_error_of("sigma", "PDCSAP_FLUX")
    assert is_error_of("PDCSAP_FLUX_ERR", "PDCSAP_FLUX") and is_error_of("e_flux", "flux")


@pytest.mark.parametrize(("name", "flag"), [("catflags", True), ("QUALITY", True),
                                            ("rejected_by_variability", True), ("Blend", True),
                                            ("blended_mag", False), ("mag", False)])
def test_flag_names(name: str, flag: bool) -> None:
    assert is_flag_name(name) is flag
