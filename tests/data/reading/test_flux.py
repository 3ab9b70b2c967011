"""Fluxes: refused when they look like fluxes, converted to asinh magnitudes with --flux."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.config import Columns, ReadConfig
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


def test_a_flux_named_magnitude_column_is_refused_and_a_unit_name_checks_the_zero_point(
        recwarn) -> None:
    """Pan-STARRS's psfFlux in Jy lies within magnitudes' range: its name says what it is.
    A column named after its unit (ATLAS's uJy) says which zero point it needs."""
    small = curves([0.0012, 0.0013, 0.0011])
    with pytest.raises(InputError, match=r"^ps1\.csv: the magnitude column is 'psfFlux', a "
                                         r"flux's name: give --flux"):
        to_magnitudes(small, ReadConfig.from_dict({"columns": {"mag": "psfFlux"}}),
                      "ps1.csv", DropReport())
    assert to_magnitudes(small, ReadConfig.from_dict({"columns": {"mag": "psfMagFromFlux"}}),
                         "x.csv", DropReport()) is small
    atlas = curves([3000.0, 2100.0, 2500.0], [60.0, 58.0, 59.0])
    uJy = {"columns": {"mag": "uJy", "err": "duJy"}, "flux": True}
    to_magnitudes(atlas, ReadConfig.from_dict(uJy | {"zero_point": 23.9}), "a", DropReport())
    assert not recwarn.list
    with pytest.warns(UserWarning, match=r"named after a unit whose AB zero point is 23.9, "
                                         r"and --zero-point is 8.9"):
        to_magnitudes(atlas, ReadConfig.from_dict(uJy), "a", DropReport())


def test_files_read_by_position_under_a_runs_flux_names_are_said() -> None:
    """A run trained on named flux columns (ATLAS's uJy) meets files without a header: read
    by position, their second column is converted as a flux; it is counted and said."""
    from lcformer.data.reading.flux import BY_POSITION
    from lcformer.data.reading.star_file import parse_curves

    report = DropReport()
    named = ReadConfig.from_dict({"columns": {"mag": "uJy", "err": "duJy"}, "flux": True,
                                  "zero_point": 23.9})
    parse_curves("57000.1 3000 60\n57001.1 2100 58\n", report, named.columns,
                 strict_columns=False)
    parse_curves("time uJy duJy\n57000.1 3000 60\n", report, named.columns,
                 strict_columns=False)  # a header with the names: read by them
    assert report.events[BY_POSITION] == 1
    for other in (Columns(flag=""), Columns(band="filter")):  # no name of a column read
        parse_curves("57000.1 3000 60\n", report, other, strict_columns=False)
    assert report.events[BY_POSITION] == 1
    with pytest.warns(UserWarning, match=r"^new: 1 file\(s\) without a header line were "
                                         r"read by position, their second column as the flux"):
        to_magnitudes(curves([3000.0, 2100.0], [60.0, 58.0]), named, "new", report)


def test_a_repeated_no_data_code_is_not_flux() -> None:
    macho = [-99.0] * 6 + [-6.1, -6.3, -6.2]  # two thirds -99: still magnitudes
    assert flux_share(np.array(macho)) == 0.0
    counts = np.linspace(900, 1100, 9)  # every value different: fluxes
    assert flux_share(counts) == 1.0
    assert flux_share(np.array([np.nan, np.inf])) == 0.0  # nothing finite: nothing to say
    coded = np.r_[counts, [-99999.0] * 3]  # ZTF's no data among fluxes: all of the rest
    assert flux_share(coded) == 1.0


def test_asinh_magnitudes_are_the_logarithm_when_bright_and_finite_at_zero_flux() -> None:
    """Lupton et al. (1999): b = 1.042 x the curve's median flux error (here 1.0)."""
    report = DropReport()
    sigma = 1.0
    # (a flux of 1 sigma: a star that reaches the noise, whose zeros are measurements)
    flux = curves([1e4, 10.0, 5.0, 0.0, -5.0, np.nan, 1.0], [sigma] * 7)
    out = to_magnitudes(flux, ReadConfig(flux=True, zero_point=25.0), "x", report)
    assert out.lengths.tolist() == [7] and report.points == {}  # nothing dropped
    b = 1.042 * sigma
    assert out.mag[0] == pytest.approx(25.0 - 10.0, abs=1e-7)  # 1e4 sigma: the logarithm
    assert out.err[0] == pytest.approx(2.5 / np.log(10) * 1e-4, rel=1e-7)
    assert 0.04 < (25.0 - 2.5 * np.log10(5.0)) - out.mag[2] < 0.045  # 5 sigma: 0.04 mag
    assert out.mag[3] == pytest.approx(25.0 - 2.5 / np.log(10) * np.log(b))  # zero flux
    assert out.err[3] == pytest.approx(2.5 / np.log(10) * sigma / (2 * b))  # about 0.52 mag
    assert np.all(np.diff(out.mag[:5]) > 0)  # fainter as the flux falls, through zero
    assert np.isnan(out.mag[5])  # NaN stays for cleaning to count as non_finite


@given(st.lists(st.floats(-50, 1e5, allow_nan=False), min_size=2, max_size=30),
       st.floats(0.1, 100.0))
@settings(max_examples=50, deadline=None)
@pytest.mark.filterwarnings("ignore:.*centred on zero")  # drawn fluxes about zero: said
def test_magnitudes_fall_as_fluxes_rise(fluxes: list[float], sigma: float) -> None:
    out = flux_to_magnitudes(curves(sorted(fluxes), [sigma] * len(fluxes)), 31.4, DropReport())
    assert np.all(np.isfinite(out.mag)) and np.all(out.err > 0)
    assert np.all(np.diff(out.mag) <= 0)


def test_a_stars_magnitudes_do_not_depend_on_the_other_stars() -> None:
    """The softening is the star's own (per band), so it reads the same at prediction."""
    rng = np.random.default_rng(0)
    parts = [("a", "g", np.arange(20.0), rng.normal(3, 1, 20), np.full(20, 1.0)),
             ("b", "g", np.arange(20.0), rng.normal(900, 30, 20), np.full(20, 30.0))]
    both = flux_to_magnitudes(LightCurves.from_list(parts), 31.4, DropReport())
    alone = flux_to_magnitudes(LightCurves.from_list(parts[:1]), 31.4, DropReport())
    np.testing.assert_array_equal(both.mag[:20], alone.mag)


def test_without_flux_errors_the_logarithm_and_counted_drops() -> None:
    report = DropReport()
    flux = curves([1.0, 10.0, 0.0, -5.0, np.nan], [np.nan] * 5)
    with pytest.warns(UserWarning, match=r"^band \(unnamed\): 1 star\(s\) lose a quarter "
                                         r"or more of their fluxes"):
        out = to_magnitudes(flux, ReadConfig(flux=True, zero_point=25.0), "x", report)
    assert out.lengths.tolist() == [3]  # the zero and the negative flux are gone
    np.testing.assert_allclose(out.mag[:2], [25.0, 22.5])
    assert np.isnan(out.mag[2])
    assert report.points == {"non_positive_flux": 2}
    assert flux_to_magnitudes(curves([1.0], [np.nan]), 8.9, DropReport()).mag[0] == 8.9


def test_a_band_that_loses_many_fluxes_is_named_as_biased(recwarn) -> None:
    """Fluxes without errors (no asinh magnitudes): a quarter or more of a star's fluxes in a
    band at or below zero leaves its upward noise, magnitudes too bright; a band that loses a
    few is not named."""
    u = np.r_[np.full(7, 50.0), -3.0, -1.0, 0.0]  # 3 of 10 lost
    r = np.r_[np.full(29, 500.0), -2.0]  # 1 of 30 lost
    lcs = LightCurves.from_list([("s", "u", np.arange(10.0), u, np.full(10, np.nan)),
                                 ("s", "r", np.arange(30.0), r, np.full(30, np.nan))])
    flux_to_magnitudes(lcs, 31.4, DropReport())
    messages = [str(w.message) for w in recwarn.list]
    assert len(messages) == 1 and messages[0].startswith("band u: 1 star(s) lose a quarter")


def test_a_flux_far_below_zero_is_dropped_a_faint_stars_rounded_noise_is_kept() -> None:
    """ZTF's forced photometry writes -99999 where it has no flux: far below zero for any
    error. A faint star's fluxes rounded to whole counts repeat 0, -1, -2: its noise, kept."""
    report = DropReport()
    rng = np.random.default_rng(1)
    fluxes = np.r_[np.round(rng.normal(1.0, 2.0, 200)), [-99999.0] * 5, [-99.0]]
    out = flux_to_magnitudes(curves(list(fluxes), [2.0] * 206), 31.4, report)
    assert out.lengths.tolist() == [200] and report.points == {"no_data_flux": 6}
    assert np.isfinite(out.mag).all()


def test_a_bright_stars_fluxes_at_zero_are_failed_measurements(recwarn) -> None:
    """SuperWASP: a 10th-magnitude star's zero fluxes would come out 3-6 mag fainter than
    the star, with errors of 0.5 mag that --max-err keeps. No phase of a star whose 5th-
    percentile flux is 10 errors above zero comes near zero: dropped, counted. A faint
    star's, or a Mira's whose minimum is near zero, are measurements: kept."""
    rng = np.random.default_rng(2)
    t = np.arange(100.0)
    bright = 1000 + rng.normal(0, 10, 100)
    bright[[5, 50, 70]] = [0.0, -1.0, -50.0]
    faint = rng.normal(5, 10, 100)
    mira = np.where(np.sin(2 * np.pi * t / 40) > -0.3, 1000.0, 0.0) + rng.normal(0, 10, 100)
    curves = LightCurves.from_list([(name, "V", t, f, np.full(100, 10.0)) for name, f in
                                    (("bright", bright), ("faint", faint), ("mira", mira))])
    report = DropReport()
    out = flux_to_magnitudes(curves, 25.0, report)
    assert out.lengths.tolist() == [97, 100, 100]
    assert report.points["non_positive_flux"] == 3
    assert np.all(out.curve(0)[1] < 18.0)  # every bright point the star's, near 17.5
    # Many failures do not hide themselves (6 zeros in 100 are dropped), nor do codes.
    many = bright.copy()
    many[:6], many[10:16] = 0.0, -99999.0
    report = DropReport()
    out = flux_to_magnitudes(LightCurves.from_list([("b", "V", t, many, np.full(100, 10.0))]),
                             25.0, report)
    assert report.points == {"non_positive_flux": 8, "no_data_flux": 6}  # 6 zeros, -1, -50
    assert np.all(out.mag < 18.0)
    # A bright star whose eclipse reaches zero (a white dwarf behind an M dwarf in u): its
    # positive fluxes near zero show it, and its negative ones are kept.
    total = np.where(np.arange(100) % 10 == 0, 0.0, 1000.0) + rng.normal(0, 10, 100)
    report = DropReport()
    out = flux_to_magnitudes(LightCurves.from_list([("e", "V", t, total, np.full(100, 10.0))]),
                             25.0, report)
    assert out.n_points == 100 and not report.points


def test_a_band_of_no_data_codes_is_no_data_and_not_biased(recwarn) -> None:
    """ZTF writes -99999 in the flux and its error: a band of nothing else has no median
    error, yet its rows are no data, not non-positive fluxes whose upward noise is kept."""
    report = DropReport()
    lcs = LightCurves.from_list([("s", "g", np.arange(10.0), np.full(10, -99999.0),
                                  np.full(10, -99999.0)),
                                 ("s", "r", np.arange(10.0), np.full(10, 500.0),
                                  np.full(10, 5.0))])
    out = flux_to_magnitudes(lcs, 26.3, report)
    assert out.lengths.tolist() == [0, 10] and report.points == {"no_data_flux": 10}
    assert not recwarn.list


def test_difference_fluxes_far_below_zero_are_named() -> None:
    """Many different fluxes far below zero are measurements relative to a reference."""
    rng = np.random.default_rng(2)
    fluxes = np.r_[rng.normal(0, 300, 50), [-99999.0] * 3]  # errors of 5: far below is -100
    with pytest.warns(UserWarning, match=r"^1 star\(s\) have many different fluxes more "
                                         r"than 20 errors below zero.*difference"):
        flux_to_magnitudes(curves(list(fluxes), [5.0] * 53), 26.3, DropReport())


def test_a_shallow_epochs_noise_is_not_no_data(recwarn) -> None:
    """Two surveys in one band: the faint star's shallow epochs (errors 20 times the median)
    reach far below the median error's 20 sigma, and are its noise, kept (the star is below
    the noise, which is said); a few outliers are not taken for difference fluxes."""
    rng = np.random.default_rng(3)
    err = np.r_[np.full(700, 1.0), np.full(300, 20.0)]
    fluxes = rng.normal(0.0, err)
    report = DropReport()
    with pytest.warns(UserWarning, match=r"^1 of 1 star\(s\) have fluxes centred on zero"):
        out = flux_to_magnitudes(curves(list(fluxes), list(err)), 31.4, report)
    assert out.lengths.tolist() == [1000] and report.points == {}
    recwarn.clear()
    heavy = np.r_[rng.normal(5.0, 1.0, 997), [-30.0, -45.0, -60.0]]  # three outliers
    flux_to_magnitudes(curves(list(heavy), [1.0] * 1000), 31.4, DropReport())
    assert not recwarn.list


def test_stars_centred_on_zero_in_every_band_are_named(recwarn) -> None:
    """Difference-image fluxes of variables scatter about zero in every band, none of them
    near 20 errors below it: said. The same stars' total fluxes, or a star detected in one of
    its bands, are not."""
    rng = np.random.default_rng(4)
    t = np.sort(rng.uniform(0, 100, 80))
    rows = []
    for star, period in (("a", 0.61), ("b", 3.3), ("c", 17.0)):
        wave = 3.0 * np.sin(2 * np.pi * t / period)
        for band in ("g", "r"):
            rows.append((star, band, t, wave + rng.normal(0, 1.0, len(t)), np.ones(len(t))))
    difference = LightCurves.from_list(rows)
    with pytest.warns(UserWarning, match=r"^3 of 3 star\(s\) have fluxes centred on zero in "
                                         r"every band .*Rubin's psfFlux"):
        flux_to_magnitudes(difference, 31.4, DropReport())
    recwarn.clear()
    total = LightCurves.from_list([(s, b, t_, f + 50.0, e) for s, b, t_, f, e in rows])
    flux_to_magnitudes(total, 31.4, DropReport())
    one_band = LightCurves.from_list([(s, b, t_, f + (50.0 if b == "r" else 0.0), e)
                                      for s, b, t_, f, e in rows])
    flux_to_magnitudes(one_band, 31.4, DropReport())
    assert not recwarn.list


def _stars(levels: list[float], n: int = 50, scatter: float = 0.002) -> LightCurves:
    rng = np.random.default_rng(0)
    mag = np.concatenate([level + rng.normal(0, scatter, n) for level in levels])
    k = len(levels)
    return LightCurves.from_arrays([f"s{i}" for i in range(k)], [""] * k, np.full(k, n),
                                   np.tile(np.arange(n, dtype=float), k), mag,
                                   np.full(k * n, scatter))


def test_fluxes_normalised_to_their_median_are_refused_as_magnitudes() -> None:
    """TESS fluxes divided by their median, in a mag column, look like magnitudes of
    1.00 (eclipses as brightenings): refused; a star or two near 1 mag is left alone,
    and so are differential magnitudes (near 0)."""
    with pytest.raises(InputError, match=r"^tess\.parquet: 100% of the curves have a median "
                                         r"magnitude within 0.05 of 1: these look like fluxes "
                                         r"normalised to their median"):
        to_magnitudes(_stars([1.0, 1.0, 0.98, 1.01]), ReadConfig(), "tess.parquet",
                      DropReport())
    for levels in ([1.0, 1.0], [0.0, 0.01, -0.02, 0.0], [1.0, 12.0, 13.5, 9.0]):
        stars = _stars(levels)
        assert to_magnitudes(stars, ReadConfig(), "x", DropReport()) is stars


def test_magnitudes_below_zero_from_flux_name_the_zero_point(recwarn) -> None:
    """TESS's e-/s at the Jy zero point (8.9) give a median magnitude near -1.7: said; a
    unit-named column has its own warning, and magnitudes above 0 none."""
    electrons = _stars([40000.0, 52000.0, 31000.0], scatter=50.0)
    with pytest.warns(UserWarning, match=r"median of -2\.\d\d, below 3 .* give the "
                                         r"--zero-point of the fluxes' unit"):
        to_magnitudes(electrons, ReadConfig(flux=True), "tess", DropReport())
    # PS1's fluxes of 17-mag stars in uJy read as Jy (a median near 2.1)
    micro = _stars([570.0, 400.0, 800.0], scatter=5.0)
    with pytest.warns(UserWarning, match=r"median of 2\.\d\d, below 3 .*for uJy 23\.9"):
        to_magnitudes(micro, ReadConfig(flux=True), "ps1", DropReport())
    to_magnitudes(electrons, ReadConfig(flux=True, zero_point=20.44), "tess", DropReport())
    to_magnitudes(micro, ReadConfig(flux=True, zero_point=23.9), "ps1", DropReport())
    # Differential photometry at --zero-point 0: fluxes about 1, a median about 0
    to_magnitudes(_stars([1.0, 1.02, 1.3, 0.8], scatter=0.01),
                  ReadConfig(flux=True, zero_point=0.0), "differential", DropReport())
    assert not recwarn.list


def test_each_bands_column_name_is_checked_as_one_bands() -> None:
    """Rows of two bands named as fluxes (mag:A=flux_a) without --flux are refused, naming
    the column, as mag=flux_a is; with --flux, a column named after a unit whose zero point
    is not --zero-point's is warned of."""
    lcs = LightCurves.from_list([("s", "A", np.arange(20.0), np.full(20, 3.0), np.full(20, 0.1))])
    columns = Columns(**Columns.parse("mag:A=flux_a,mag:B=flux_b"))
    with pytest.raises(InputError, match="the magnitude column is 'flux_a', a flux's name"):
        to_magnitudes(lcs, ReadConfig(columns=columns), "x", DropReport())
    columns = Columns(**Columns.parse("mag:A=f_a,mag:B=f_uJy"))
    with pytest.warns(UserWarning, match="the flux column 'f_uJy' is named after a unit whose "
                                         "AB zero point is 23.9"):
        to_magnitudes(lcs, ReadConfig(columns=columns, flux=True), "x", DropReport())


def test_flux_refuses_a_column_named_as_magnitudes() -> None:
    """A run trained on PS1's psfFlux passes on its --flux to a table read with
    mag=psfMag: its magnitudes converted as fluxes would score macro-F1 0.18 for 0.93.
    The default column name "mag" is what a flux table renamed for --flux holds."""
    lcs = LightCurves.from_list([("s", "g", np.arange(20.0), np.full(20, 17.0),
                                  np.full(20, 0.02))])
    for name in ("psfMag", "mag_g", "Vmag", "magpsf", "PSFMAG_G", "kepmag", "MAGAPER"):
        with pytest.raises(InputError, match=f"--flux reads the column '{name}' as fluxes, "
                                             f"but its name says magnitudes: leave --flux"):
            to_magnitudes(lcs, ReadConfig(columns=Columns(mag=name), flux=True), "x",
                          DropReport())
    fluxes = LightCurves.from_list([("s", "g", np.arange(20.0), np.full(20, 3e-5),
                                     np.full(20, 1e-6))])
    for name in ("mag", "psfFlux", "flux_mag_units", "magnification", "diffimage",
                 "image_counts", "maggies", "nanomaggies"):
        out = to_magnitudes(fluxes, ReadConfig(columns=Columns(mag=name), flux=True), "x",
                            DropReport())
        assert 19 < float(np.median(out.mag)) < 21


def test_a_declared_flux_unit_other_than_the_zero_points_is_warned_of(tmp_path,
                                                                      recwarn) -> None:
    """Rubin's nJy, declared in an ECSV file, read at Jy's 8.9 give magnitudes of 0.2-1.7:
    said, in one warning (a warning: a Vega zero point may be meant)."""
    from astropy import units as u
    from astropy.table import Table

    from lcformer.data.reading import read_long_table

    flux = np.array([1.0e5, 1.2e5, 0.9e5, 1.1e5])
    table = Table({"objectId": ["7"] * 4, "time": np.arange(4.0), "band": ["r"] * 4,
                   "psfFlux": flux * u.nJy, "psfFluxErr": np.full(4, 500.0) * u.nJy})
    table.write(tmp_path / "forced.ecsv")
    columns = Columns(id="objectId", mag="psfFlux", err="psfFluxErr")
    report = DropReport()
    read = read_long_table(tmp_path / "forced.ecsv", columns=columns, report=report)
    to_magnitudes(read, ReadConfig(columns=columns, flux=True), "forced.ecsv", report)
    said = [str(w.message) for w in recwarn.list]
    assert said == ["forced.ecsv: the flux column is declared in nJy (as its file says), whose "
                    "AB zero point is 31.4, and --zero-point is 8.9: the magnitudes are -22.50 "
                    "mag from AB ones; give --zero-point 31.4 unless this zero point is meant "
                    "(a Vega one)"]
    recwarn.clear()
    mags = to_magnitudes(read, ReadConfig(columns=columns, flux=True, zero_point=31.4),
                         "forced.ecsv", report).mag
    np.testing.assert_allclose(mags, 31.4 - 2.5 * np.log10(flux), atol=1e-3)
    assert not recwarn.list


def test_one_zero_point_for_several_bands_of_counts_is_warned_of(recwarn) -> None:
    """Gaia's e-/s at G's zero point put BP 0.35 and RP 0.94 mag faint, colours off:
    said; an AB unit's zero point is every band's, and is quiet."""
    lcs = LightCurves.from_list([
        ("s", band, np.arange(20.0), np.full(20, 5000.0) + np.arange(20.0), np.full(20, 20.0))
        for band in ("BP", "G", "RP")])
    with pytest.warns(UserWarning, match=r"one --zero-point, 25\.6874, makes the magnitudes of "
                                         r"all 3 bands \(BP, G, RP\)"):
        to_magnitudes(lcs, ReadConfig(flux=True, zero_point=25.6874), "gaia", DropReport())
    recwarn.clear()
    to_magnitudes(lcs, ReadConfig(flux=True, zero_point=31.4), "rubin", DropReport())
    assert not recwarn.list


def test_fluxes_at_or_below_zero_kept_as_asinh_magnitudes_are_counted() -> None:
    """A faint star's fluxes at and below zero are kept (asinh magnitudes), and counted."""
    report = DropReport()
    flux = [30.0, -5.0, 0.0, 12.0, 25.0, -2.0, 18.0, 40.0]
    kept = flux_to_magnitudes(curves(flux, [10.0] * 8), 31.4, report)
    assert kept.n_points == 8 and np.isfinite(kept.mag).all()
    assert report.events["flux_at_or_below_zero_kept_as_asinh_magnitude"] == 3


def test_flux_refuses_a_magnitude_column_beside_a_flux_column(tmp_path) -> None:
    """ASAS-SN's files hold mag and flux(mJy) side by side: --flux read the mag column as the
    fluxes (eclipses as brightenings, ten times too shallow) without a word. Per-star files
    and long tables alike are refused, naming the flux column; read as magnitudes, both are."""
    from lcformer.data.reading.sniff import read_any

    stars = tmp_path / "stars"
    stars.mkdir()
    for k in range(3):
        (stars / f"ASASSN-V J0{k}.csv").write_text(
            "hjd,mag,mag_err,flux(mJy),flux_err\n" + "".join(
                f"{2458000 + i},{12.0 + 0.1 * (i % 3)},0.02,{60.0 - i % 3},1.1\n"
                for i in range(20)))
    flux = ReadConfig(flux=True, zero_point=16.4)
    with pytest.raises(InputError, match=r"--flux reads the column 'mag' as fluxes, but a "
                                         r"flux column stands beside it \('flux\(mJy\)'\)"
                                         r".*--columns 'mag=flux\(mJy\)',err=NAME"):
        read_any(stars, reading=flux, report=DropReport())
    report = DropReport()
    assert read_any(stars, report=report).n_curves == 3  # magnitudes: read, nothing said
    assert "mag_column_beside_a_flux_column" not in report.format()
    mapped = ReadConfig.from_dict({"columns": {"mag": "flux(mJy)", "err": "flux_err"},
                                   "flux": True, "zero_point": 16.4})
    read = read_any(stars, reading=mapped, report=DropReport())
    assert np.allclose(np.median(read.mag), 16.4 - 2.5 * np.log10(59.0), atol=0.01)
    table = tmp_path / "lightcurves.csv"
    table.write_text("id,time,mag,err,flux\n" + "".join(
        f"s{i % 3},{i},{12.0 + i % 2},0.02,{50.0 + i % 2}\n" for i in range(30)))
    with pytest.raises(InputError, match=r"a flux column stands beside it \('flux'\)"):
        read_any(table, reading=flux, report=DropReport())
    # A mag column of fluxes (values of 1,000) beside another flux column is read as asked.
    table.write_text("id,time,mag,err,totFlux\n" + "".join(
        f"s{i % 3},{i},{1000.0 + 3.7 * i},20,{5000.0 + i}\n" for i in range(30)))
    assert read_any(table, reading=flux, report=DropReport()).n_stars == 3


def test_fluxes_normalised_to_their_median_are_said_under_flux() -> None:
    """Normalised fluxes (TESS, Kepler) read with --flux give every star the zero point as
    its magnitude: said, as they are refused without --flux."""
    rng = np.random.default_rng(0)
    n = 50
    norm = LightCurves.from_arrays(["a", "b", "c"], ["", "", ""], [n] * 3,
                                   np.tile(np.arange(n, dtype=float), 3),
                                   1 + rng.normal(0, 1e-3, 3 * n), np.full(3 * n, 1e-3))
    with pytest.warns(UserWarning, match=r"^tess: 100% of the curves' fluxes have a median "
                                         r"within 0.05 of 1: normalised"):
        out = to_magnitudes(norm, ReadConfig(flux=True), "tess", DropReport())
    assert np.allclose(out.mag, 8.9, atol=0.01)
    # A few normalised beside fluxes in e-/s (Kepler stitched beside K2, 5 of 35 curves,
    # under the share above): said too, as the magnitudes then tell the two kinds apart.
    ids = [f"s{i}" for i in range(8)]
    level = np.repeat([1.0] * 3 + [2e5] * 5, n)
    mixed = LightCurves.from_arrays(ids, [""] * 8, [n] * 8, np.tile(np.arange(n, dtype=float), 8),
                                    level * (1 + rng.normal(0, 1e-3, 8 * n)),
                                    level * 1e-3)
    with pytest.warns(UserWarning, match=r"^kepler: 3 curves' fluxes have a median within "
                                         r"0.05 of 1 \(normalised.*\) beside 5 of a median of "
                                         r"10 or more"):
        to_magnitudes(mixed, ReadConfig(flux=True, zero_point=25.0), "kepler", DropReport())
    with warnings.catch_warnings():
        warnings.filterwarnings("error", ".*normalis")
        to_magnitudes(mixed.select(np.arange(2, 8)), ReadConfig(flux=True, zero_point=25.0),
                      "k2", DropReport())


def test_a_unit_in_brackets_checks_the_zero_point() -> None:
    """ASAS-SN's flux(mJy) read at the default zero point (Jy's) gives magnitudes near
    8.9: said, as is a unit after an underscore (uJy, flux_mJy)."""
    fluxes = curves([30.0, 31.0, 29.5], [1.0, 1.0, 1.0])
    mjy = ReadConfig.from_dict({"columns": {"mag": "flux(mJy)", "err": "flux_err"},
                                "flux": True})
    with pytest.warns(UserWarning, match=r"named after a unit whose AB zero point is 16.4"):
        to_magnitudes(fluxes, mjy, "asassn", DropReport())
