"""What the readers share: the column names of surveys' tables, which a column error suggests
and which tell a flux's errors from a magnitude's."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import (
    error_columns,
    is_flag_name,
    other_bands_warning,
    suggested_columns,
)


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
    # fluxes only (QA's TESS table): the flux as mag, its error (the error names --flux)
    (["id", "time", "flux", "flux_err", "quality"], Columns(),
     {"mag": "flux", "err": "flux_err", "flag": "quality"}),
    # Pan-STARRS1 DR2 detections (QA): its obsTime, its filterID (1-5 for g, r, i, z, y)
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


def test_a_small_tables_trailing_commas_shift_nothing_and_a_stray_value_is_named(
        tmp_path) -> None:
    """pandas took the first column for an index where rows had one field more than the
    header: every id was read as the class ('s0,RRL,' gave id RRL)."""
    import gzip
    import zipfile

    from lcformer.data.reading.files import read_str_table
    from lcformer.errors import InputError

    path = tmp_path / "labels.csv"
    path.write_text("id,class\ns0,RRL,\ns1,EB,\n")
    expected = {"id": ["s0", "s1"], "class": ["RRL", "EB"]}
    assert read_str_table(path, "labels table").to_dict("list") == expected
    with zipfile.ZipFile(tmp_path / "labels.csv.zip", "w") as archive:  # compressed alike
        archive.writestr("labels.csv", "id,class\ns0,RRL,\ns1,EB,\n")
    assert read_str_table(tmp_path / "labels.csv.zip", "x").to_dict("list") == expected
    path.write_text('"id","class"\n"1","s0","RRL"\n"2","s1","EB"\n')  # R's write.table
    assert read_str_table(path, "labels table").to_dict("list") == expected
    path.write_text("id,class\ns0,RRL,extra\ns1,EB\n")
    with pytest.raises(InputError, match=r"labels\.csv: data row 1 has 3 fields, the header 2: "
                                         r"its last field holds 'extra'$"):
        read_str_table(path, "labels table")
    packed = tmp_path / "labels.csv.gz"
    packed.write_bytes(gzip.compress(b"id,class\ns0,RRL,x\ns1,EB\n"))
    with pytest.raises(InputError, match=r"labels\.csv\.gz: data row 1 has 3 fields"):
        read_str_table(packed, "labels table")


def test_a_small_table_of_only_a_header_comes_back_empty_for_its_reader_to_judge(
        tmp_path) -> None:
    """read_str_table refused one (b9cde1a), which stopped predict on a labels.csv of its
    header alone, where labels are optional: now it returns no rows, and its reader decides
    (labels_table, the catalogues), naming the file with no_rows."""
    from lcformer.data.reading.files import no_rows, read_str_table

    path = tmp_path / "labels.csv"
    path.write_text("id,class\n\n")  # a blank line after it is no row either
    parquet = tmp_path / "labels.parquet"
    pd.DataFrame({"id": pd.Series([], dtype=str), "class": pd.Series([], dtype=str)}
                 ).to_parquet(parquet)
    for source, data in ((path, None), (tmp_path / "in.zip" / "catalog.csv", b"filename,class\n"),
                         (parquet, None)):
        table = read_str_table(source, "labels table", data=data)
        assert table.empty and len(table.columns) == 2
    assert no_rows(path) == f"{path}:1: only a header, no rows"
    # Parquet has neither lines nor a header line to point at.
    assert no_rows(parquet) == f"{parquet}: no rows"
    path.write_text("id,class\ns0,RRL\n")
    assert read_str_table(path, "labels table").to_dict("list") == {"id": ["s0"],
                                                                    "class": ["RRL"]}


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
