"""Column names and reading settings: one definition for the API, --columns and the cache."""

from __future__ import annotations

import re

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
    """`--columns err=flux_err` beside magnitudes would read errors in flux units as
    magnitudes (5.0 Jy drops every point as large_err)."""
    with pytest.raises(ConfigError, match=r"--columns err=flux_err names a flux's error "
                                          r"beside magnitudes \(mag=V\).* with --flux"):
        ReadConfig(columns=Columns(mag="V", err="flux_err"))
    with pytest.raises(ConfigError, match="err=PDCSAP_FLUX_ERR"):
        ReadConfig(columns=Columns(err="PDCSAP_FLUX_ERR"))
    assert ReadConfig(columns=Columns(mag="flux", err="flux_err"), flux=True).flux
    assert ReadConfig(columns=Columns(mag="V", err="fluxerr_mag")).columns.err  # a magnitude's
    assert ReadConfig(columns=Columns(mag="psf_flux", err="psf_flux_err")).columns.err  # a
    # flux's own error beside it: the flux check (refused as fluxes, or --flux) decides


def test_a_bands_own_columns_parse_in_order_and_round_trip() -> None:
    """NEOWISE's rows hold W1 and W2: `mag:W1=w1mpro,...` names each band's columns."""
    mapping = Columns.parse("time=mjd,mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,flag=")
    columns = Columns().replace(**mapping)
    assert columns.mags == (("W1", "w1mpro", "w1sigmpro"), ("W2", "w2mpro", ""))
    assert columns.required == ("id", "mjd", "w1mpro", "w2mpro")
    reading = ReadConfig(columns=columns)
    assert reading.options() == ("--columns time=mjd,flag=,mag:W1=w1mpro,err:W1=w1sigmpro,"
                                 "mag:W2=w2mpro")
    assert ReadConfig.from_dict(reading.to_dict()) == reading  # stored in a run's config
    assert "per_band" not in Columns().to_dict()  # one-band settings (and cache keys): no per_band
    assert columns.for_band("W2").mag == "w2mpro"


@pytest.mark.parametrize(("text", "words"), [
    ("mag:W1=a,mag=b", "mag=b beside mag:BAND"),
    ("err:W1=a,mag:W2=b", "err:W1 without mag:W1"),
    ("time:W1=a", "ROLE:BAND=NAME with ROLE mag or err"),
    ("mag:=a", "ROLE:BAND=NAME"),
    ("mag:W1=a,mag:W1=b", "mag:W1 is given twice"),
    ("mag:W1=a,band=f", "band=f beside mag:BAND"),
    ("mag:W1=a,mag:W2=a", "two roles"),
])
def test_a_bands_own_columns_given_wrongly_are_refused(text: str, words: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(words)):
        Columns().replace(**Columns.parse(text))


def test_the_cli_reads_a_bands_own_columns() -> None:
    sub = build_parser()._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    args = sub["prepare"].parse_args(["x", "--columns", "mag:W1=w1mpro,mag:W2=w2mpro"])
    columns = config_from_args(PrepareConfig, args).reading.columns
    assert [b.band for b in columns.per_band] == ["W1", "W2"]
