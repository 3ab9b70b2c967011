"""read_any (predict's input) and read_dataset (prepare's): one error path, FITS, columns."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from astropy.table import Table

from lcformer.data.datasets import resolve
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.sniff import read_any, read_dataset
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, InputError

BAD = Path(__file__).resolve().parents[1] / "bad"
ZTF = Columns(id="objectId", time="mjd", err="magerr", band="filtercode")


def star(n: int = 6) -> dict[str, np.ndarray]:
    t = np.arange(n, dtype=float)
    return {"time": t, "mag": 14 + 0.1 * np.sin(t), "err": np.full(n, 0.02)}


def test_one_star_files_named_after_the_file(tmp_path: Path) -> None:
    frame = pd.DataFrame(star())
    frame.to_csv(tmp_path / "named.csv", index=False)
    frame.to_csv(tmp_path / "bare.csv", index=False, header=False)
    frame.to_csv(tmp_path / "bare.csv.gz", index=False, header=False)  # compressed
    Table(star()).write(tmp_path / "v1.fits")
    Table({k.upper(): v for k, v in star().items()}).write(tmp_path / "upper.fits.gz")
    for name, stem in (("named.csv", "named"), ("bare.csv", "bare"), ("v1.fits", "v1"),
                       ("upper.fits.gz", "upper"), ("bare.csv.gz", "bare")):
        curves = read_any(str(tmp_path / name))
        assert list(curves.ids) == [stem] and curves.n_points == 6, name
        np.testing.assert_allclose(curves.mag, star()["mag"])


def test_fits_long_table_with_mapped_columns(tmp_path: Path) -> None:
    rows = {"objectId": np.repeat(["a", "b"], 6), "mjd": np.tile(star()["time"], 2),
            "MAG": np.tile(star()["mag"], 2).astype(">f4"), "magerr": np.full(12, 0.02),
            "filtercode": np.tile(["zg", "zr"], 6)}
    Table(rows).write(tmp_path / "ztf.fits")
    curves = read_any(str(tmp_path / "ztf.fits"), reading=ReadConfig(columns=ZTF))
    assert list(curves.ids) == ["a", "a", "b", "b"] and list(curves.bands[:2]) == ["zg", "zr"]
    assert curves.n_points == 12 and curves.mag.dtype == np.float64


@pytest.mark.parametrize(("file", "words"), [
    ("ztf_columns/lightcurves.csv", "expected ['time', 'mag']"),
    ("empty_table/lightcurves.csv", ":1: empty file"),
    ("corrupt_parquet/lightcurves.parquet", "ArrowInvalid"),
    ("fits_image/lightcurves.fits", "No table found"),
    ("flux/lightcurves.csv", "look like fluxes"),
    ("per_star/text_in_numbers.csv", ":3: column 2 (mag): 'abc' is not a number"),
])
def test_unreadable_input_is_one_line_naming_the_file(file: str, words: str) -> None:
    with pytest.raises(InputError) as caught:
        read_any(str(BAD / file))
    message = str(caught.value)
    assert message.startswith(str(BAD / file)) and words in message
    assert "\n" not in message


def test_a_folder_reads_like_prepare_with_columns_and_flux() -> None:
    with pytest.raises(InputError, match=r"ztf_columns/lightcurves\.csv: found columns"):
        read_any(str(BAD / "ztf_columns"))
    curves = read_any(str(BAD / "ztf_columns"), reading=ReadConfig(columns=ZTF))
    assert sorted(set(curves.labels)) == ["EB", "RR"]  # labels.csv keeps objectId,class
    report = DropReport()
    spec, folder = resolve(str(BAD / "flux"))
    flux = read_dataset(spec, folder, report, ReadConfig(flux=True, zero_point=25.0))
    assert report.points == {"non_positive_flux": 2} and flux.mag.max() < 20


def test_columns_do_not_apply_to_files_read_by_position() -> None:
    with pytest.raises(ConfigError, match="--columns"):
        read_any(str(BAD / "path_catalog"), reading=ReadConfig(columns=ZTF))


def test_ecsv_and_votable_are_tables_not_one_stars_text(tmp_path: Path) -> None:
    """An ECSV's '# %ECSV' lines and header made it one star's text file, its id column
    ignored (two stars read as one); a VOTable's XML was refused for its columns."""
    rows = {"id": np.repeat(["a", "b"], 6), **{k: np.tile(v, 2) for k, v in star().items()}}
    for name, form in (("two.ecsv", "ascii.ecsv"), ("two.vot", "votable"),
                       ("two.xml", "votable")):
        Table(rows).write(tmp_path / name, format=form)
        curves = read_any(str(tmp_path / name))
        assert list(curves.ids) == ["a", "b"] and curves.n_points == 12, name
    Table(star()).write(tmp_path / "v2.ecsv")
    assert list(read_any(str(tmp_path / "v2.ecsv")).ids) == ["v2"]


@pytest.mark.parametrize("name", ["lc.json", "lc.feather", "lc.h5", "lc.hdf5",
                                  "lc.parquet.gz", "lc.npy"])
def test_an_unsupported_format_is_named_not_parsed_as_text(tmp_path: Path, name: str) -> None:
    pd.DataFrame({"id": ["a"], **{k: v[:1] for k, v in star().items()}}).to_json(tmp_path / name)
    with pytest.raises(InputError) as caught:
        read_any(str(tmp_path / name))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / name}: unsupported table format")
    assert "ECSV (.ecsv" in message and "header" not in message and "\n" not in message


@pytest.mark.parametrize("suffix", [".csv.bz2", ".csv.xz"])
def test_compressed_csv_with_or_without_a_header(tmp_path: Path, suffix: str) -> None:
    """As pandas reads them: a long table with a header, one star's file without."""
    frame = pd.DataFrame(star())
    frame.assign(id="s1").to_csv(tmp_path / f"named{suffix}", index=False)
    frame.to_csv(tmp_path / f"bare{suffix}", index=False, header=False)
    assert list(read_any(str(tmp_path / f"named{suffix}")).ids) == ["s1"]
    bare = read_any(str(tmp_path / f"bare{suffix}"))
    assert list(bare.ids) == ["bare"] and bare.n_points == 6


def test_a_fits_file_of_two_light_curve_hdus_is_one_line(tmp_path: Path) -> None:
    from astropy.io import fits

    hdus = [fits.PrimaryHDU(), fits.BinTableHDU(Table(star()), name="ZG"),
            fits.BinTableHDU(Table(star()), name="ZR")]
    fits.HDUList(hdus).writeto(tmp_path / "ztf.fits")
    with pytest.raises(InputError) as caught:
        read_any(str(tmp_path / "ztf.fits"))
    message = str(caught.value)
    assert message.startswith(f"{tmp_path / 'ztf.fits'}: 2 table HDUs have the columns "
                              f"['time', 'mag']: HDU 1 (ZG), HDU 2 (ZR);")
    assert "\n" not in message


def test_a_folder_with_an_ecsv_long_table_and_labels(tmp_path: Path) -> None:
    rows = {"id": np.repeat(["a", "b"], 6), **{k: np.tile(v, 2) for k, v in star().items()}}
    Table(rows).write(tmp_path / "lightcurves.ecsv")
    (tmp_path / "labels.csv").write_text("id,class\na,RR\nb,EB\n")
    curves = read_any(str(tmp_path))
    assert list(curves.ids) == ["a", "b"] and list(curves.labels) == ["RR", "EB"]


def test_one_stars_file_with_a_fourth_column_is_counted(tmp_path: Path) -> None:
    (tmp_path / "s.dat").write_text("1 12.1 0.1 0\n2 12.2 0.1 4\n")
    report = DropReport()
    assert read_any(str(tmp_path / "s.dat"), report=report).n_points == 2
    assert report.events["extra_columns_not_read"] == 1
