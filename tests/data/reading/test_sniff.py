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
