"""Which column is which by its name: the column names of surveys' tables, which a column
error suggests and which tell a flux's errors from a magnitude's."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lcformer.data.reading.column_names import (
    ID_NAMES,
    column_role,
    error_columns,
    flux_beside,
    is_flag_name,
    number_hint,
    other_bands_warning,
    suggested_columns,
)
from lcformer.data.reading.config import Columns
from lcformer.errors import ConfigError


@pytest.mark.parametrize(("found", "columns", "expected"), [
    # CRTS's light-curve download
    (["MasterID", "Mag", "Magerr", "RA", "Dec", "MJD", "Blend"], Columns(),
     {"id": "MasterID", "time": "MJD", "err": "Magerr"}),
    # ZTF's IRSA light curves: oid is one per field and filter, not the star; HJD over MJD
    (["oid", "mjd", "hjd", "mag", "magerr", "filtercode", "catflags"], Columns(),
     {"time": "hjd", "err": "magerr", "band": "filtercode", "flag": "catflags"}),
    # flag= reads none: not proposed
    (["oid", "hjd", "mag", "catflags"], Columns(flag=""), {"time": "hjd"}),
    # Gaia's epoch photometry read as fluxes: the flux's errors, never the magnitude's
    (["source_id", "time", "flux", "flux_error", "mag", "magerr", "band"], Columns(mag="flux"),
     {"id": "source_id", "err": "flux_error"}),
    # two candidate ids: none is proposed
    (["objectid", "source_id", "time", "mag"], Columns(), {}),
    # every role already there: nothing to propose
    (["id", "time", "mag", "err", "band"], Columns(), {}),
    # fluxes only (a TESS table): the flux as mag, its error (the error names --flux)
    (["id", "time", "flux", "flux_err", "quality"], Columns(),
     {"mag": "flux", "err": "flux_err", "flag": "quality"}),
    # Pan-STARRS1 DR2 detections: its obsTime, its filterID (1-5 for g, r, i, z, y)
    (["objID", "detectID", "filterID", "obsTime", "ra", "dec", "psfFlux", "psfFluxErr"],
     Columns(), {"id": "objID", "time": "obsTime", "mag": "psfFlux", "err": "psfFluxErr",
                 "band": "filterID"}),
    # two fluxes (SAP and PDCSAP): none proposed (the survey's layout hint names one)
    (["id", "TIME", "SAP_FLUX", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR"], Columns(), {}),
])
def test_suggested_columns(found: list[str], columns: Columns, expected: dict[str, str]) -> None:
    assert suggested_columns(found, columns) == expected


@given(st.from_regex(r"[A-Za-z][A-Za-z_]{0,11}", fullmatch=True),
       st.sampled_from(["err", "_err", "Err", "_ERROR", "_unc"]))
def test_a_column_named_after_another_holds_its_errors_first(name: str, end: str) -> None:
    """Whatever else is named as an error (a magnitude's error beside a flux's)."""
    assume(name.lower() != "mag")  # magerr would be its own error too
    assert error_columns(["time", name, "magerr", "sigma", name + end], name) == [name + end]


@pytest.mark.parametrize(("names", "mag", "expected"), [
    (["hjd", "V", "err"], "V", ["err"]),  # a magnitude under another name keeps err
    (["hjd", "Vmag", "sigma"], "Vmag", ["sigma"]),
    (["time", "flux", "err"], "flux", ["err"]),  # a flux beside a plain error
    (["time", "flux", "mag", "magerr"], "flux", []),  # never a magnitude's error for a flux
    (["TIME", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR", "SAP_FLUX_ERR"], "PDCSAP_FLUX",
     ["PDCSAP_FLUX_ERR"]),
    (["mjd", "mag", "magerr"], "mag", ["magerr"]),
])
def test_error_columns(names: list[str], mag: str, expected: list[str]) -> None:
    assert error_columns(names, mag) == expected


@pytest.mark.parametrize(("name", "flag"), [("catflags", True), ("QUALITY", True),
                                            ("rejected_by_variability", True), ("Blend", False),
                                            ("blended_mag", False), ("mag", False)])
def test_flag_names(name: str, flag: bool) -> None:
    assert is_flag_name(name) is flag


@pytest.mark.parametrize(("found", "mag", "err", "expected"), [
    (["mjd", "w1mpro", "w1sigmpro", "w2mpro", "w2sigmpro"], "w1mpro", "w1sigmpro",
     "mag:w1=w1mpro,err:w1=w1sigmpro,mag:w2=w2mpro,err:w2=w2sigmpro"),
    (["t", "mag_g", "magerr_g", "mag_r", "magerr_r"], "mag_g", "magerr_g",
     "mag:g=mag_g,err:g=magerr_g,mag:r=mag_r,err:r=magerr_r"),
    (["t", "Vmag", "Bmag"], "Vmag", "", "mag:V=Vmag,mag:B=Bmag"),
    (["HJD", "MAG_3", "MAG_0", "MER_3", "MER_0"], "MAG_3", "MER_3", None),  # ASAS's apertures
    (["hjd", "mag", "magerr", "catflags"], "mag", "magerr", None),
    (["mjd", "m", "dm", "uJy", "duJy"], "m", "dm", None),
])
def test_another_band_of_the_mag_read_is_named_with_the_columns_to_give(
        found: list[str], mag: str, err: str, expected: str | None) -> None:
    said = other_bands_warning(found, {found[0], mag, err}, [("", mag, err)])
    assert (said is None) if expected is None else (f"--columns {expected} " in str(said))


def test_broker_columns_are_known_by_their_bare_names() -> None:
    """Fink's namespaces (i:, d:, r:) and ANTARES's loci (else a Fink table of 63 stars reads
    as one star at exit 0; its i:magpsf and ANTARES's ant_mag without a word)."""
    from lcformer.data.reading.column_names import (
        bare_name,
        difference_flux,
        difference_magnitude,
        suggested_columns,
    )

    assert [bare_name(n) for n in ("i:objectId", "d:tag", "'r:psfFlux'", "hjd:x", "mag")] == [
        "objectid", "tag", "psfflux", "hjd:x", "mag"]
    fink = ["i:objectId", "i:jd", "i:fid", "i:magpsf", "i:sigmapsf", "i:isdiffpos", "i:magnr"]
    assert suggested_columns(fink, Columns()) == {"id": "i:objectId", "time": "i:jd",
                                                  "band": "i:fid"}
    assert difference_magnitude(fink, "i:magpsf") and not difference_magnitude(fink, "i:magnr")
    antares = ["locus_id", "ant_mjd", "ant_mag", "ant_magerr", "ant_mag_corrected"]
    assert difference_magnitude(antares, "ant_mag")
    assert not difference_magnitude(antares, "ant_mag_corrected")
    assert not difference_magnitude(["mjd", "magpsf", "sigmapsf"], "magpsf")  # nothing says so
    assert difference_flux(["r:diaSourceId", "r:diaObjectId", "r:midpointMjdTai", "r:psfFlux"],
                           "r:psfFlux")


@pytest.mark.parametrize(("found", "says"), [
    (["i:objectId", "i:jd", "i:fid", "i:magpsf", "i:sigmapsf", "i:isdiffpos", "i:magnr"],
     "the Fink broker"),
    (["objectId", "jd", "fid", "magpsf", "isdiffpos", "magnr", "dc_mag", "dc_sigmag"],
     "as the Lasair broker"),
    (["i:objectId", "i:jd", "i:fid", "i:magpsf", "i:isdiffpos", "i:magnr", "dc_mag",
      "dc_sigmag"], "as the Lasair broker"),
    (["locus_id", "ant_mjd", "ant_passband", "ant_mag", "ant_mag_corrected",
      "ant_magerr_corrected"], "the ANTARES broker"),
])
def test_a_brokers_layout_is_named_with_the_options_that_read_its_stars_magnitudes(
        found: list[str], says: str) -> None:
    from lcformer.data.reading.column_names import survey_layout_hint

    hint = survey_layout_hint(found)
    assert says in hint and ("dc_mag" in hint or "ant_mag_corrected" in hint)
    # In the table's own spelling (not Lasair's objectId for a Fink table),
    # the NAME of each ROLE=NAME only: not a role, nor a band a column is named after.
    id_column = found[0]
    assert f"id={id_column}," in hint
    with_more = survey_layout_hint([*found, "TIME", "Band", "R", "G"])
    assert f"id={id_column}," in with_more and "TIME=" not in with_more
    assert "R=R" not in with_more and "1=G" not in with_more


def test_keplers_layout_names_its_own_quality_column() -> None:
    """A Kepler file's flag column is SAP_QUALITY: it lacks TESS's QUALITY; TESS's hint
    keeps QUALITY and its zero point."""
    from lcformer.data.reading.column_names import survey_layout_hint

    spoc = ["TIME", "TIMECORR", "CADENCENO", "SAP_FLUX", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR"]
    kepler = survey_layout_hint([*spoc, "SAP_QUALITY"])
    assert "Kepler or K2" in kepler and "flag=SAP_QUALITY --flux" in kepler
    tess = survey_layout_hint([*spoc, "QUALITY"])
    assert "a TESS light curve (SPOC)" in tess and "flag=QUALITY --flux" in tess
    assert "20.44" in tess and "20.44" not in kepler


def test_pan_starrs_detections_are_named_with_the_options_that_read_them() -> None:
    """A PS1 DR2 detection table's column error proposes no mag=NAME: its psfFlux
    (Jy) reads with --flux and its filterID 1-5 needs --band-names."""
    from lcformer.data.reading.column_names import survey_layout_hint

    hint = survey_layout_hint(["objID", "detectID", "filterID", "obsTime", "ra", "dec",
                               "psfFlux", "psfFluxErr", "infoFlag"])
    assert hint.startswith("; this looks like Pan-STARRS1 DR2 detections (MAST)")
    assert ("--columns id=objID,time=obsTime,mag=psfFlux,err=psfFluxErr,band=filterID --flux "
            "--band-names 1=g,2=r,3=i,4=z,5=y") in hint


@pytest.mark.parametrize(("found", "difference", "ambiguous"), [
    (["diaSourceId", "diaObjectId", "midpointMjdTai", "psfFlux"], True, False),  # DiaSource
    (["diaObjectId", "midpointMjdTai", "psfFlux", "scienceFlux"], True, False),
    (["objectId", "midpointMjdTai", "band", "psfFlux", "psfFluxErr"], False, False),  # forced
    (["diaObjectId", "visit", "psfFlux", "psfDiffFlux"], False, False),
    (["forcedSourceOnDiaObjectId", "diaObjectId", "psfFlux"], False, False),
    (["diaObjectId", "midpointMjdTai", "psfFlux", "psfFluxErr"], False, True),  # cannot tell
    (["objID", "obsTime", "psfFlux"], False, False),  # Pan-STARRS
    (["diaObjectId", "midPointTai", "psFlux"], True, False),  # ELAsTiCC
    (["diaSourceId", "midPointTai", "psFlux"], True, False),
    # DiaSource joined with the Object table's objectId: still DiaSource's
    (["diaSourceId", "diaObjectId", "objectId", "midpointMjdTai", "psfFlux", "scienceFlux"],
     True, False),
    (["midpointMjdTai", "psfFlux", "psfFluxErr"], False, True),
])
def test_rubins_psfflux_is_a_difference_flux_in_diasource_only(
        found: list[str], difference: bool, ambiguous: bool) -> None:
    """A ForcedSourceOnDiaObject's psfFlux (the star's own), beside its diaObjectId and
    midpointMjdTai, is no difference-image flux; beside diaObjectId alone nothing says
    which table it is, and the warning says so."""
    from lcformer.data.reading.column_names import difference_flux, difference_flux_text

    mag = next(c for c in found if c.lower() in ("psfflux", "psflux"))
    assert difference_flux(found, mag) is difference
    said = difference_flux_text(found, mag)
    assert (said is not None) is (difference or ambiguous)
    assert ambiguous is (said is not None and "nothing in it says which" in said)


@pytest.mark.parametrize(("found", "says"), [
    (["objectId", "visit", "band", "midpointMjdTai", "psfFlux", "psfFluxErr", "psfFlux_flag"],
     "Rubin's ForcedSource, whose psfFlux is the star's own"),
    (["objectId", "visit", "band", "psfFlux", "psfFluxErr", "psfDiffFlux"],
     "Rubin's ForcedSource without a time"),
    (["diaObjectId", "visit", "band", "psfFlux", "psfFluxErr", "psfDiffFlux"],
     "Rubin's ForcedSourceOnDiaObject without a time"),
    (["diaSourceId", "diaObjectId", "midpointMjdTai", "psfFlux", "psfFluxErr"],
     "Rubin's DiaSource without scienceFlux"),
])
def test_rubins_tables_are_named_with_their_options(found: list[str], says: str) -> None:
    from lcformer.data.reading.column_names import survey_layout_hint

    hint = survey_layout_hint(found)
    assert f"this looks like {says}" in hint
    assert ("--zero-point 31.4" in hint) is ("DiaSource" not in says)


def test_gaias_per_band_signal_to_noise_columns_give_errors() -> None:
    """err=g_transit_flux_over_error is no "flux's error beside magnitudes": Gaia's
    per-band ratios are ratios, read as errors as flux_over_error is."""
    from lcformer.data.reading.column_names import is_snr_name
    from lcformer.data.reading.config import ReadConfig

    assert all(is_snr_name(n) for n in ("flux_over_error", "g_transit_flux_over_error",
                                        "bp_flux_over_error", "'RP_flux_over_error'"))
    assert not any(is_snr_name(n) for n in ("flux_error", "over_error", "flux_over_errors"))
    ReadConfig(columns=Columns(mag="g_transit_mag", err="g_transit_flux_over_error"))
    with pytest.raises(ConfigError, match="names a flux's error beside magnitudes"):
        ReadConfig(columns=Columns(mag="g_transit_mag", err="g_transit_flux_error"))


def test_asas_sn_names_are_read() -> None:
    """ASAS-SN's Sky Patrol writes "Mag Error" and "Flux Error", and pyasassn keys several
    stars by asas_sn_id; "mag_error" is an error, not a second magnitude column."""
    assert [column_role(n) for n in ("Mag Error", "mag_error", "magerror", "Mag")] == [
        "err", "err", "err", "mag"]
    names = ["JD", "Flux", "Flux Error", "Mag", "Mag Error"]
    assert error_columns(names, "Flux") == ["Flux Error"]
    assert error_columns(names, "Mag") == ["Mag Error"]
    assert error_columns(["hjd", "flux(mJy)", "flux_err", "mag", "mag_err"],
                         "flux(mJy)") == ["flux_err"]
    assert flux_beside(["hjd", "mag", "mag_err", "flux(mJy)", "flux_err"], "mag") == "flux(mJy)"
    assert flux_beside(["hjd", "mag", "mag_err", "flux_err"], "mag") is None  # no flux
    assert flux_beside(["hjd", "flux", "flux_err"], "flux") is None  # the flux is read
    assert flux_beside(["t", "mag", "phot_g_mean_flux_over_error"], "mag") is None
    assert flux_beside(["t", "mag", "flux_flag", "flux_radius"], "mag") is None
    assert flux_beside(["MJD", "m", "dm", "uJy", "duJy"], "m") == "uJy"  # ATLAS
    # blanks make errors only, and a band in brackets stays in a name
    assert [column_role(n) for n in ("Date (UT)", "Error Flag", "Mag Limit")] == [None] * 3
    assert error_columns(["JD", "Mag (V)", "Mag Error (V)", "Mag (B)", "Mag Error (B)"],
                         "Mag (V)") == []
    assert "asas_sn_id" in ID_NAMES
    assert suggested_columns(["tic_id", "time", "flux", "flux_err"], Columns())["id"] == "tic_id"
    assert "id" not in suggested_columns(["oid", "mjd", "mag", "magerr"], Columns())


@pytest.mark.parametrize(("token", "said"), [
    ("2,448,290.30000", "thousands separators? remove them"),
    ("'2,629.52836'", "thousands separators? remove them"),
    ("-1,234,567", "thousands separators? remove them"),
    ("12,345", "a thousands separator, or a decimal comma?"),
    ("0.02\x1a", "a Ctrl-Z byte after it"),
    ("13.4:", "a number marked uncertain with ':'"),
    ("12,3", "a decimal comma?"), ("-0,123", "a decimal comma?"), ("1,2345", "a decimal comma?"),
    ("1,2345.6", ""), ("abc", ""), ("\x1a", ""),
])
def test_a_number_a_program_wrote_otherwise_is_said_as_one(token: str, said: str) -> None:
    hint = number_hint(token)
    assert (said in hint) if said else hint == ""
