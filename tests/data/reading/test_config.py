"""Column names and reading settings: one definition for the API, --columns and the cache."""

from __future__ import annotations

import pytest

from lcformer.cli import build_parser
from lcformer.cli.options import config_from_args
from lcformer.data.prepared import PrepareConfig
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.errors import ConfigError


def test_parse_maps_roles_and_the_class_alias() -> None:
    assert Columns.parse(" id=objectId, time=mjd,class=type,") == {
        "id": "objectId", "time": "mjd", "label": "type"}
    for bad in ("time", "flux=f", "time="):
        with pytest.raises(ConfigError, match="ROLE=NAME"):
            Columns.parse(bad)


def test_two_roles_one_name_is_refused() -> None:
    with pytest.raises(ConfigError, match="two roles"):
        Columns(id="t", time="t")


def test_resolve_matches_case_only_when_unambiguous() -> None:
    assert Columns().resolve(["TIME", "Mag", "id"]) == Columns(time="TIME", mag="Mag")
    assert Columns().resolve(["TIME", "Time"]).time == "time"  # two candidates: none


def test_cli_options_build_the_same_settings() -> None:
    sub = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    args = sub["prepare"].parse_args(["x", "--columns", "id=oid,err=magerr", "--flux",
                                      "--zero-point", "25"])
    reading = config_from_args(PrepareConfig, args).reading
    assert reading == ReadConfig(columns=Columns(id="oid", err="magerr"), flux=True,
                                 zero_point=25.0)
    assert ReadConfig.from_dict(reading.to_dict()) == reading  # stored in the manifest
    default = config_from_args(PrepareConfig, sub["prepare"].parse_args(["x"]))
    assert default.reading == ReadConfig()
    predict = sub["predict"].parse_args(["run", "in.csv", "--columns", "time=mjd"])
    assert config_from_args(ReadConfig, predict).columns.time == "mjd"


def test_a_flux_error_beside_magnitudes_is_refused() -> None:
    """`--columns err=flux_err` beside magnitudes was accepted without a word: errors in flux
    units read as magnitudes (5.0 Jy dropped every point as large_err)."""
    with pytest.raises(ConfigError, match=r"--columns err=flux_err names a flux's error "
                                          r"beside magnitudes \(mag=V\).* with --flux"):
        ReadConfig(columns=Columns(mag="V", err="flux_err"))
    with pytest.raises(ConfigError, match="err=PDCSAP_FLUX_ERR"):
        ReadConfig(columns=Columns(err="PDCSAP_FLUX_ERR"))
    assert ReadConfig(columns=Columns(mag="flux", err="flux_err"), flux=True).flux
    assert ReadConfig(columns=Columns(mag="V", err="fluxerr_mag")).columns.err  # a magnitude's
    assert ReadConfig(columns=Columns(mag="psf_flux", err="psf_flux_err")).columns.err  # a
    # flux's own error beside it: the flux check (refused as fluxes, or --flux) decides
