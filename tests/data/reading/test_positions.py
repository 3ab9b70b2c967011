"""One star under several ids (ZTF's oid per field, CCD and filter) told by its position."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.data.reading import read_long_table
from lcformer.data.reading.config import Columns
from lcformer.data.reading.positions import (
    SEVERAL_POSITIONS,
    SHARED_POSITION,
    ids_sharing_positions,
)
from lcformer.data.report import DropReport

ARCSEC = 1 / 3600


def test_ids_within_two_arcseconds_are_paired_across_ra_zero() -> None:
    ids = np.array(["a", "a", "b", "c", "d", "e"])
    ra = np.array([10.0, 10.0 + 0.2 * ARCSEC, 10.0 + 1.5 * ARCSEC, 10.0 + 4 * ARCSEC,
                   359.9999, 0.0002])  # d and e: 0.36" + 0.72" apart across 0h
    dec = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 0.0])
    assert sorted(ids_sharing_positions(ids, ra, dec)) == [("a", "b"), ("d", "e")]
    # At high declination, an RA step spans fewer arcseconds
    assert ids_sharing_positions(np.array(["p", "q"]), np.array([0.0, 20 * ARCSEC]),
                                 np.array([89.99, 89.99])) == [("p", "q")]
    assert ids_sharing_positions(np.array(["a"]), np.array([1.0]), np.array([1.0])) == []


def ztf_like() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = []
    for star, (ra, dec) in enumerate([(150.0, 2.0), (150.1, 2.0), (151.0, -3.0)]):
        for oid, band in ((f"{star}01", "zg"), (f"{star}02", "zr")):
            n = 20
            rows.append(pd.DataFrame({
                "oid": oid, "filtercode": band,
                "hjd": 2458000.5 + np.sort(rng.uniform(0, 300, n)),
                "mag": 15 + rng.normal(0, 0.1, n), "magerr": 0.02,
                "ra": ra + rng.normal(0, 0.1 * ARCSEC, n),
                "dec": dec + rng.normal(0, 0.1 * ARCSEC, n)}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("suffix", ["", ".csv", ".parquet"])
def test_a_table_keyed_by_ids_that_share_positions_says_so(tmp_path, suffix) -> None:
    """A ZTF table keyed by oid may hold 480 "stars" at 144 positions: said."""
    frame = ztf_like()
    source = frame
    if suffix:
        source = tmp_path / f"ztf{suffix}"
        getattr(frame, "to_csv" if suffix == ".csv" else "to_parquet")(source, index=False)
    columns = Columns(id="oid", time="hjd", err="magerr", band="filtercode")
    report = DropReport()
    with pytest.warns(UserWarning, match=r"6 of its 6 star ids lie within 2\" of another id "
                                         r"\('001' and '002'\).*--columns id="):
        read = read_long_table(source, columns=columns, report=report)
    assert read.n_stars == 6 and report.events[SHARED_POSITION] == 6
    # Keyed by the star (one id a position): nothing said
    frame["star"] = frame["oid"].str[0]
    report = DropReport()
    read = read_long_table(frame, columns=columns.replace(id="star"), report=report)
    assert read.n_stars == 3 and not report.events[SHARED_POSITION]


def test_a_star_file_whose_rows_lie_at_two_positions_is_said(tmp_path) -> None:
    """A ZTF cone search of 5" can take a neighbour's oids 4" away into one star's file,
    read as one star with the neighbour's period and class: said."""
    from lcformer.data.reading.per_star import read_folder

    frame = ztf_like()
    star0 = frame[frame["oid"].str[0] == "0"]
    star0.to_csv(tmp_path / "ZTF0.csv", index=False)
    neighbour = frame[frame["oid"].str[0] == "2"].assign(
        ra=star0["ra"].median() + 4 * ARCSEC, dec=star0["dec"].median())
    pd.concat([frame[frame["oid"].str[0] == "1"], neighbour]).to_csv(tmp_path / "ZTF1.csv",
                                                                     index=False)
    report = DropReport()
    with pytest.warns(UserWarning, match=r"ZTF1\.csv: its rows lie more than 2\" apart"):
        read = read_folder(tmp_path, report=report,
                           columns=Columns(time="hjd", err="magerr", band="filtercode"))
    assert read.n_stars == 2 and report.events[SEVERAL_POSITIONS] == 1
    # One noisy position of a faint detection is not a neighbour
    one_off = star0.copy()
    one_off.loc[one_off.index[0], "ra"] += 36 * ARCSEC
    one_off.to_csv(tmp_path / "ZTF1.csv", index=False)
    report = DropReport()
    read_folder(tmp_path, report=report,
                columns=Columns(time="hjd", err="magerr", band="filtercode"))
    assert not report.events[SEVERAL_POSITIONS]
