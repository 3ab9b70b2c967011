"""Fluxes: converted to magnitudes when the user says so, refused when they only look like it.

Fluxes read as magnitudes are not an error anything downstream would notice: most of them
exceed the sentinel limit and are dropped as "no data", and the model classifies the rest.
So before cleaning, input whose values mostly lie beyond +-40 (no star is fainter than about
30 mag) is refused with a hint to use ``--flux``. Negative values are not a sign of flux:
MACHO's instrumental magnitudes are negative. A survey's repeated "no data" code (MACHO's -99)
is not counted either: it is one value repeated, where fluxes vary. Fluxes between -40 and 40
(in Jy, say) cannot be told from magnitudes by their values; give ``--flux`` for those.
"""

from __future__ import annotations

import re
import shlex
import warnings

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.band_names import rename_bands
from lcformer.data.reading.class_names import rename_classes
from lcformer.data.reading.config import ReadConfig
from lcformer.data.report import DropReport
from lcformer.data.views import order_bands
from lcformer.errors import InputError, LcformerWarning

MAG_LIMIT = 40.0  # |value| above this is not a magnitude
CODE_SHARE = 0.05  # one exact value repeated on this share of the points: a "no data" code
FLUX_SHARE = 0.5  # more than this share of the points beyond MAG_LIMIT: fluxes
#: Fluxes normalised to their median (TESS's and Kepler's light curves, as often shared): at
#: least this share of the curves, of at least NORMALISED_STARS stars, have a median within
#: NORMALISED_WITHIN of 1 (read as magnitudes, eclipses are brightenings, without a word).
NORMALISED_SHARE, NORMALISED_WITHIN, NORMALISED_STARS = 0.9, 0.05, 3
#: Beside those, curves of a median flux this large or more (counts, e-/s) are of another kind.
UNNORMALISED = 10.0
MAG_PER_LN = 2.5 / np.log(10.0)  # 1.0857: d(mag) / d(ln flux)
#: Counted by the readers where a file declares its magnitude column in a flux's unit (mJy).
FLUX_UNIT = "mag_column_in_a_flux_unit"
#: ... and, with the unit's name after it, where that unit is one of UNIT_ZERO_POINTS'.
DECLARED_FLUX_UNIT = "flux_column_declared_in_"
#: Counted where --flux keeps a flux at or below zero, as an asinh magnitude.
KEPT_NON_POSITIVE = "flux_at_or_below_zero_kept_as_asinh_magnitude"
#: Counted by the per-star reader where a file declares its magnitude column in magnitudes
#: (mag, mmag, mag(AB)): ``--flux`` would read them as fluxes.
MAG_UNIT = "mag_column_in_a_magnitude_unit"
#: Counted, with the flux column's name after it, where a file's magnitude column is named as
#: one and a flux column is beside it (:func:`~.column_names.flux_beside`): ``--flux`` would
#: read the magnitudes as fluxes.
MAG_BESIDE_FLUX = "mag_column_beside_a_flux_column:"
#: Event: a text file without a header read by position (time, mag[, err]) where the column
#: names given (a run's own, at prediction) could not be looked for.
BY_POSITION = "files_without_header_read_by_position"


def errors_of_snr(snr: np.ndarray, report: DropReport) -> np.ndarray:
    """Magnitude errors of signal-to-noise ratios (:data:`~.column_names.SNR_NAMES`), 1.0857 / SNR,
    counted as ``err_from_flux_over_error``; a ratio of zero or below gives no error (NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        err = np.where(snr > 0, MAG_PER_LN / snr, np.nan)
    report.note("err_from_flux_over_error", int(np.count_nonzero(np.isfinite(err))))
    return err


def flux_share(mag: np.ndarray) -> float:
    """Share of the finite values beyond +-``MAG_LIMIT``, repeated codes left out (of both)."""
    values = mag[np.isfinite(mag)]
    if len(values) == 0:
        return 0.0
    far = values[np.abs(values) > MAG_LIMIT]
    measured = len(values)
    if len(far):
        codes, counts = np.unique(far, return_counts=True)
        repeated = codes[(counts >= 2) & (counts >= CODE_SHARE * len(values))]
        far = far[~np.isin(far, repeated)]
        measured -= int(counts[np.isin(codes, repeated)].sum())
    return len(far) / measured if measured else 0.0


#: AB zero points of flux units that a column may be named after (ATLAS's uJy); in their
#: case (MJy is a megajansky), or in lower case but mjy.
UNIT_ZERO_POINTS = {"Jy": 8.9, "mJy": 16.4, "uJy": 23.9, "nJy": 31.4, "jy": 8.9, "ujy": 23.9,
                    "njy": 31.4}


def to_magnitudes(curves: LightCurves, config: ReadConfig, source: str,
                  report: DropReport) -> LightCurves:
    """``curves`` in magnitudes: converted with ``config.flux``, else checked not to be
    fluxes (:class:`InputError` naming ``source`` and the fix). Every reader ends here, so
    the bands are also renamed here, as ``config.band_names`` says (:mod:`.band_names`), and
    the classes, as ``config.class_names`` says (:mod:`.class_names`)."""
    curves = rename_bands(curves, config.band_map, source, report)
    curves = rename_classes(curves, config.class_map, report)
    # Each magnitude (or flux) column read: one, or each band's (mag:W1=...).
    named = [mag.strip("\"'") for _, mag, _ in config.columns.mags]
    if config.flux:
        # A run trained on PS1's psfFlux, given psfMag with --columns, would read the
        # magnitudes as fluxes (macro-F1 0.18 for 0.93) without a word. "mag" itself is
        # the default column, which holds fluxes where --flux says so.
        says_mag = [bare for bare in named if names_magnitudes(bare)]
        if says_mag:
            raise InputError(f"{source}: --flux reads the column {says_mag[0]!r} as fluxes, "
                             f"but its name says magnitudes: leave --flux out (--no-flux "
                             f"where it comes from a run trained on fluxes, whose model "
                             f"reads magnitudes alike), or name the flux column with "
                             f"--columns mag=NAME")
        beside = [k for k in report.events if k.startswith(MAG_BESIDE_FLUX)]
        if beside and flux_share(curves.mag) <= FLUX_SHARE:  # (values of 1,000: fluxes)
            flux = beside[0].removeprefix(MAG_BESIDE_FLUX)
            raise InputError(f"{source}: --flux reads the column {named[0]!r} as fluxes, but "
                             f"a flux column stands beside it ({flux!r}) and its values lie "
                             f"where magnitudes do: read the fluxes with --columns "
                             f"{shlex.quote('mag=' + flux)},err=NAME (their error column), or "
                             f"leave --flux out to read the magnitudes")
        if report.events[MAG_UNIT]:
            raise InputError(f"{source}: --flux reads fluxes, but the magnitude column of "
                             f"{report.events[MAG_UNIT]:,} file(s) is declared in magnitudes "
                             f"(as the file says): leave --flux out")
        if report.events[BY_POSITION]:
            warnings.warn(f"{source}: {report.events[BY_POSITION]:,} file(s) without a header "
                          f"line were read by position, their second column as the flux "
                          f"(--flux), not by the names {config.columns.mag!r} and "
                          f"{config.columns.err!r}: check that it holds the fluxes",
                          LcformerWarning, stacklevel=2)
        _warn_of_other_declared_unit(config, source, report)
        units = {bare: (found[1] if (found := re.search(r"\(([^()]*)\)$", bare))
                        else bare.rsplit("_", 1)[-1]) for bare in named}  # flux(mJy), uJy
        for bare, unit in units.items():
            if unit in UNIT_ZERO_POINTS and UNIT_ZERO_POINTS[unit] != config.zero_point:
                warnings.warn(f"{source}: the flux column {bare!r} is named after a unit whose "
                              f"AB zero point is {UNIT_ZERO_POINTS[unit]:g}, and --zero-point "
                              f"is {config.zero_point:g}: if the fluxes are in that unit, give "
                              f"--zero-point {UNIT_ZERO_POINTS[unit]:g}",
                              LcformerWarning, stacklevel=2)
                break
        medians = _curve_medians(curves)  # (once, for both checks)
        if (near_one := normalised_share(curves, medians)) >= NORMALISED_SHARE:
            # TESS's normalised fluxes give every star the zero point as its magnitude.
            warnings.warn(f"{source}: {near_one:.0%} of the curves' fluxes have a median "
                          f"within {NORMALISED_WITHIN:g} of 1: normalised to their median "
                          f"(TESS's or Kepler's), they carry no brightness, and every star's "
                          f"magnitude comes out near --zero-point ({config.zero_point:g}); "
                          f"train and predict on fluxes normalised alike, or read the "
                          f"un-normalised ones (SAP_FLUX, PDCSAP_FLUX)",
                          LcformerWarning, stacklevel=2)
        elif (mixed := normalised_beside_others(medians)) is not None:
            warnings.warn(f"{source}: {mixed[0]:,} curves' fluxes have a median within "
                          f"{NORMALISED_WITHIN:g} of 1 (normalised, as lightkurve's stitch "
                          f"leaves them) beside {mixed[1]:,} of a median of {UNNORMALISED:g} "
                          f"or more: their magnitudes differ by the normalisation, not the "
                          f"stars' brightness, and a model learns that; read all the fluxes "
                          f"alike", LcformerWarning, stacklevel=2)
        converted = flux_to_magnitudes(curves, config.zero_point, report)
        declared = any(key.startswith(DECLARED_FLUX_UNIT) for key in report.events)
        _warn_of_negative_magnitudes(converted, config, source, declared or any(
            u in UNIT_ZERO_POINTS for u in units.values()))
        _warn_of_one_zero_point_for_counts(converted, config)
        return converted
    fluxes = [bare for bare in named if "flux" in bare.lower() and "mag" not in bare.lower()]
    if fluxes:
        raise InputError(f"{source}: the magnitude column is {fluxes[0]!r}, a "
                         f"flux's name: give --flux to convert fluxes to magnitudes (with "
                         f"--zero-point, default {ReadConfig().zero_point:g} for Jy, 31.4 for "
                         f"nJy), or name a magnitude column with --columns mag=NAME")
    if report.events[FLUX_UNIT]:
        raise InputError(f"{source}: its magnitude column is declared in a flux's unit (as "
                         f"its file says): give --flux to convert the fluxes to magnitudes "
                         f"(with --zero-point, the magnitude of a flux of 1 in that unit)")
    refuse_fluxes(curves, source, f"give --flux to convert them to magnitudes (with "
                                  f"--zero-point, default {ReadConfig().zero_point:g} for Jy, "
                                  f"31.4 for nJy), or give magnitudes")
    return curves


def _warn_of_other_declared_unit(config: ReadConfig, source: str, report: DropReport) -> None:
    """Warn where the files declare their flux column in a unit (nJy, uJy) whose AB zero
    point is not --zero-point's (ECSV files of Rubin's nJy read at Jy's 8.9 give
    magnitudes of 0.2-1.7); a warning, not an error: a Vega zero point, or a
    run trained so, may mean it. Refused where they declare two such units."""
    units = sorted(key.removeprefix(DECLARED_FLUX_UNIT) for key in report.events
                   if key.startswith(DECLARED_FLUX_UNIT))
    if len({UNIT_ZERO_POINTS[unit] for unit in units}) > 1:
        raise InputError(f"{source}: the files declare their flux column in different units "
                         f"({', '.join(units)}): give every file's fluxes in one unit")
    if units and abs(UNIT_ZERO_POINTS[units[0]] - config.zero_point) > 0.005:
        zero_point = UNIT_ZERO_POINTS[units[0]]
        warnings.warn(f"{source}: the flux column is declared in {units[0]} (as its file says), "
                      f"whose AB zero point is {zero_point:g}, and --zero-point is "
                      f"{config.zero_point:g}: the magnitudes are "
                      f"{config.zero_point - zero_point:+.2f} mag from AB ones; give "
                      f"--zero-point {zero_point:g} unless this zero point is meant (a Vega "
                      f"one)", LcformerWarning, stacklevel=3)


def names_magnitudes(name: str) -> bool:
    """Whether a column's name says it holds magnitudes: a word in it that starts or ends
    with "mag" (psfMag, mag_g, MAG_AUTO, magpsf, PSFMAG, Vmag, kepmag, phot_g_mean_mag), and
    no "flux"; not "mag" alone, the default name, which a table of fluxes read with --flux
    has, nor magnification (a flux ratio), maggies (SDSS's linear flux unit) or diffimage."""
    words = [w.lower() for w in re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])", name)]
    return (name.lower() != "mag" and "flux" not in name.lower()
            and any((w.startswith("mag") and not w.startswith(("magnif", "maggie")))
                    or w.endswith("mag") for w in words))


def normalised_share(curves: LightCurves, medians: np.ndarray | None = None) -> float:
    """The share of the curves whose median value lies within :data:`NORMALISED_WITHIN` of
    1, as fluxes normalised to their median do; 0 for fewer than :data:`NORMALISED_STARS`
    stars."""
    if len(pd.unique(curves.ids)) < NORMALISED_STARS:
        return 0.0
    medians = _curve_medians(curves) if medians is None else medians
    if not len(medians):
        return 0.0
    return float(np.mean(np.abs(medians - 1.0) <= NORMALISED_WITHIN))


def _curve_medians(curves: LightCurves) -> np.ndarray:
    return pd.Series(curves.mag).groupby(curves.curve_index).median().dropna().to_numpy()


def normalised_beside_others(medians: np.ndarray) -> tuple[int, int] | None:
    """(curves normalised, curves of a median of :data:`UNNORMALISED` or more) where there
    are :data:`NORMALISED_STARS` of each: fluxes of two kinds, whose magnitudes differ by the
    normalisation alone (Kepler stars stitched by lightkurve, at 25.3 mag, beside K2
    stars in e-/s, at 10-15), else None; ``medians``: each curve's median flux."""
    near_one = int(np.count_nonzero(np.abs(medians - 1.0) <= NORMALISED_WITHIN))
    others = int(np.count_nonzero(np.abs(medians) >= UNNORMALISED))
    return (near_one, others) if min(near_one, others) >= NORMALISED_STARS else None


def refuse_fluxes(curves: LightCurves, source: str, fix: str) -> None:
    """:class:`InputError` naming ``source`` and the ``fix`` where the magnitudes look like
    fluxes (:data:`FLUX_SHARE` of them beyond :data:`MAG_LIMIT`), or like fluxes normalised to
    their median (:data:`NORMALISED_SHARE`)."""
    share = flux_share(curves.mag)
    if share > FLUX_SHARE:
        median = float(np.nanmedian(curves.mag[np.isfinite(curves.mag)]))
        raise InputError(f"{source}: {share:.0%} of the magnitudes are beyond +-{MAG_LIMIT:g} "
                         f"(median {median:.4g}): these look like fluxes; {fix}")
    near_one = normalised_share(curves)
    if near_one >= NORMALISED_SHARE:
        raise InputError(f"{source}: {near_one:.0%} of the curves have a median magnitude "
                         f"within {NORMALISED_WITHIN:g} of 1: these look like fluxes "
                         f"normalised to their median (TESS's or Kepler's); {fix}")


#: A median magnitude from --flux below this is a unit other than --zero-point's: about 170
#: stars in the whole sky are brighter than V = 3 (PS1's fluxes in uJy read as Jy give a
#: median of 2.1: a limit of 0 misses them).
BRIGHTEST_MEDIAN = 3.0


def _warn_of_negative_magnitudes(curves: LightCurves, config: ReadConfig, source: str,
                                 unit_named: bool) -> None:
    """Magnitudes from --flux that are mostly below :data:`BRIGHTEST_MEDIAN` (or the zero
    point less 5, where that is lower), as only the brightest stars in the sky are: fluxes in
    another unit than --zero-point's (TESS's e-/s at the Jy zero point: a median of -1.7).
    Not where the column's name gave its unit: said then."""
    if unit_named or not curves.n_points:
        return
    median = float(pd.Series(curves.mag).groupby(curves.curve_index).median().median())
    # Below 3, or fluxes over 100 in the zero point's unit where that is lower (0 for
    # differential photometry: its median is about 0 mag)
    bound = min(BRIGHTEST_MEDIAN, config.zero_point - 5.0)
    if median < bound:
        why = ("only some 170 stars in the sky are brighter" if bound == BRIGHTEST_MEDIAN else
               "fluxes over 100 in the zero point's unit")
        warnings.warn(f"{source}: the magnitudes --flux made have a median of {median:.2f}, "
                      f"below {bound:g} ({why}): give the --zero-point of the fluxes' unit "
                      f"(the magnitude of a flux of 1 in it: AB's for Jy "
                      f"{UNIT_ZERO_POINTS['Jy']:g}, for uJy {UNIT_ZERO_POINTS['uJy']:g}, for nJy "
                      f"{UNIT_ZERO_POINTS['nJy']:g}; TESS's "
                      f"e-/s: 20.44); it is {config.zero_point:g}", LcformerWarning, stacklevel=3)


#: Zero points of calibrated fluxes, the same in every band: AB's of the Jy units, of SDSS's
#: and the Legacy Surveys' nanomaggies (22.5), of SNANA's FLUXCAL (27.5, PLAsTiCC's), of
#: erg/s/cm2/Hz (-48.6).
CALIBRATED_ZERO_POINTS = frozenset({*UNIT_ZERO_POINTS.values(), 22.5, 27.5, -48.6})


def _warn_of_one_zero_point_for_counts(curves: LightCurves, config: ReadConfig) -> None:
    """One --zero-point for several bands is right for fluxes in a calibrated unit, not for
    counts, whose zero point is each band's own (Gaia's e-/s at G's zero point puts BP
    0.35 and RP 0.94 mag faint). Said once, not per file."""
    bands = order_bands([str(b) for b in pd.unique(curves.bands) if str(b)])
    if len(bands) > 1 and config.zero_point not in CALIBRATED_ZERO_POINTS:
        warnings.warn(f"one --zero-point, {config.zero_point:g}, makes the magnitudes of all "
                      f"{len(bands)} bands ({', '.join(bands[:6])}): right where every band's "
                      f"fluxes are in one calibrated unit (Jy, nJy), wrong for counts (e-/s), "
                      f"whose zero point is each band's own (Gaia's G, BP and RP), which would "
                      f"put colours off: read those bands' magnitudes instead (Gaia's "
                      f"g_transit_mag, bp_mag, rp_mag), or convert each band's fluxes before "
                      f"reading", LcformerWarning, stacklevel=3)


#: The softening of asinh magnitudes, in units of a curve's median flux error: Lupton, Gunn &
#: Szalay (1999)'s b = 1.042 sigma (sqrt(1.0857)), their balance between the noise of faint
#: magnitudes and their departure from the logarithm.
SOFTENING = 1.042
#: A total flux this many times its error (or its curve's median error, if larger) below
#: zero is not a measurement.
FAR_BELOW_ZERO = 20.0
#: A curve whose positive fluxes' 5th percentile is this many median errors above zero is of
#: a star that no phase takes near zero: a flux of its at or below zero is a failed one.
BRIGHT_ABOVE_ZERO = 5.0
#: ... and none of whose positive fluxes is within this many median errors of zero.
NEAR_ZERO = 3.0
#: The ``READERS_VERSION`` from which ``--flux`` reads asinh magnitudes (runs trained on
#: fluxes before it are warned of at prediction).
ASINH_SINCE = 3


def flux_to_magnitudes(curves: LightCurves, zero_point: float,
                       report: DropReport) -> LightCurves:
    """Asinh magnitudes (Lupton, Gunn & Szalay 1999; SDSS's formula, with b per star and band
    here):
    m = zero_point - 1.0857 [asinh(f / 2b) + ln b], err = 1.0857 err_f / sqrt(f^2 + 4 b^2),
    with b = :data:`SOFTENING` x the median flux error of the star's curve in that band.

    Why not m = zero_point - 2.5 log10 f alone: a faint star's fluxes scatter to zero and
    below, which have no logarithm, and those near zero get errors above ``max_err``.
    Dropping them keeps its upward scatter, and its faint phases (an eclipse, a minimum) go
    first. Asinh magnitudes keep every point, with errors of about 0.5 mag at zero flux, and
    equal the logarithm where the signal is strong (0.04 mag brighter at 5 times the curve's
    median error, 0.01 at 10). On LSST-like stars they found slightly more periods in 3 of 4
    runs (``benchmarks/faint_fluxes.py``). Neither gives the magnitude of a band in which the
    star is below the noise: an asinh magnitude stays near the noise level there. b comes
    from the star's own curve, so a star reads the same at training and at prediction, alone
    or among others.

    A curve without a known positive flux error has no b: there m = zero_point - 2.5 log10 f,
    err = 1.0857 err_f / f, and fluxes of zero or below are dropped as ``non_positive_flux``;
    so are those of a bright star, the 5th percentile of whose curve's positive fluxes is
    :data:`BRIGHT_ABOVE_ZERO` median errors above zero and none of them within
    :data:`NEAR_ZERO`: its phases never near zero, a flux
    there is a failed measurement (SuperWASP's zero fluxes of 10th-magnitude stars come
    out 3-6 mag faint, errors 0.5 mag, within --max-err).
    A "no data" code is dropped as ``no_data_flux``: a flux more than :data:`FAR_BELOW_ZERO`
    times its error (or the curve's median error, if larger) below zero, which is no faint
    star's noise (-99999, or a failed fit), or one at or below zero whose error is also at
    or below zero (ZTF's -99999 in both). NaN stays NaN (cleaning counts it)."""
    flux, flux_err = curves.mag, curves.err
    with np.errstate(invalid="ignore"):
        known_err = np.where(np.isfinite(flux_err) & (flux_err > 0), flux_err, np.nan)
        median_err = (pd.Series(known_err).groupby(curves.curve_index).median()
                      .reindex(range(curves.n_curves)).to_numpy())[curves.curve_index]
        # Judged by the larger of the point's error and the median (a shallower epoch's
        # noise reaches further down); False where no error is known.
        far = flux < -FAR_BELOW_ZERO * np.fmax(median_err, known_err)
        no_data = far | ((flux <= 0) & (flux_err <= 0))
    report.drop_points("no_data_flux", np.count_nonzero(no_data))
    _warn_of_difference_fluxes(curves, far)
    _warn_of_stars_centred_on_zero(curves, ~no_data, known_err)
    softening = SOFTENING * median_err
    asinh = np.isfinite(softening)
    # Judged on the positive fluxes alone, so that failed measurements (zeros, codes) do not
    # hide themselves where there are many (6 zeros in 100 are the 5th percentile); and only where
    # none of them is near zero: a phase that truly reaches zero (an eclipse, a difference
    # flux) gives positive fluxes near it too, and its negatives are kept.
    with np.errstate(invalid="ignore"):
        positive = (flux > 0) & ~no_data
    per_curve = pd.Series(flux[positive]).groupby(curves.curve_index[positive])
    every = range(curves.n_curves)
    low = per_curve.quantile(0.05).reindex(every).to_numpy()[curves.curve_index]
    least = per_curve.min().reindex(every).to_numpy()[curves.curve_index]
    with np.errstate(invalid="ignore"):  # False where no error is known
        bright = (low > BRIGHT_ABOVE_ZERO * median_err) & (least > NEAR_ZERO * median_err)
    unlogged = ~asinh & (flux <= 0) & ~no_data  # without errors: no logarithm of them
    non_positive = unlogged | (bright & (flux <= 0) & ~no_data)
    report.drop_points("non_positive_flux", np.count_nonzero(non_positive))
    _warn_of_biased_bands(curves, unlogged)  # (a bright star's failed ones bias nothing)
    report.note(KEPT_NON_POSITIVE, int(np.count_nonzero(
        (flux <= 0) & ~(non_positive | no_data))))
    b = np.where(asinh, softening, 1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = np.where(asinh, zero_point - MAG_PER_LN * (np.arcsinh(flux / (2 * b)) + np.log(b)),
                       zero_point - 2.5 * np.log10(flux))
        err = MAG_PER_LN * flux_err / np.where(asinh, np.hypot(flux, 2 * b), flux)
    converted = LightCurves(curves.ids, curves.bands, curves.offsets, curves.time, mag, err,
                            curves.labels, curves.splits)
    return converted.keep_points(~(non_positive | no_data))


#: A curve with this share of its points far below zero, each of a value that no other such
#: point has (no repeated code), holds fluxes relative to a reference.
DIFFERENCE_SHARE = 0.05


def _warn_of_difference_fluxes(curves: LightCurves, far: np.ndarray) -> None:
    """Fluxes far below zero are a code where they repeat one value; many different ones in
    a star are measurements, of fluxes relative to a reference (a bright variable below its
    template is far below zero), which --flux does not read: say so."""
    if not far.any():
        return
    single = ~pd.Series(curves.mag[far]).duplicated(keep=False).to_numpy()
    per_curve = np.bincount(curves.curve_index[far][single], minlength=curves.n_curves)
    measured = (per_curve >= 3) & (per_curve >= DIFFERENCE_SHARE * curves.lengths)
    if measured.any():
        stars = len(pd.unique(pd.Series(curves.ids[measured], dtype=object)))
        warnings.warn(f"{stars:,} star(s) have many different fluxes more than "
                      f"{FAR_BELOW_ZERO:g} errors below zero, dropped as no_data_flux: if "
                      f"these are difference-image fluxes (ZTF's forcediffimflux), add each "
                      f"star's reference flux first: --flux reads total fluxes", LcformerWarning,
                      stacklevel=3)


#: A curve whose median flux is within its median error of zero and this share or more of
#: whose fluxes are negative is centred on zero: no detection of the star in that band.
CENTRED_SHARE = 0.3


def _warn_of_stars_centred_on_zero(curves: LightCurves, measured: np.ndarray,
                                   known_err: np.ndarray) -> None:
    """Fluxes relative to a reference (Rubin's psfFlux, ZTF's forcediffimflux) scatter
    about zero in every band of a variable star, where no --flux reading of them is near
    20 errors below zero; a star detected in none of its bands is as unclassifiable: say
    how many stars are centred on zero in every band."""
    index = curves.curve_index[measured]
    flux = curves.mag[measured]
    if not len(flux):
        return
    per_curve = pd.DataFrame({"flux": flux, "err": known_err[measured], "below": flux < 0})
    stats = per_curve.groupby(index).agg(flux=("flux", "median"), err=("err", "median"),
                                         below=("below", "mean"))
    centred = (stats["flux"].abs() < stats["err"]) & (stats["below"] >= CENTRED_SHARE)
    star = pd.Series(np.asarray(curves.ids, dtype=object)[stats.index])
    every_band = centred.to_numpy()
    per_star = pd.Series(every_band).groupby(star.to_numpy()).all()
    if per_star.any():
        warnings.warn(f"{int(per_star.sum()):,} of {len(per_star):,} star(s) have fluxes "
                      f"centred on zero in every band (median within the median error of "
                      f"zero, {CENTRED_SHARE:.0%} or more negative): difference-image fluxes "
                      f"(Rubin's psfFlux, ZTF's forcediffimflux) need each star's reference "
                      f"flux added first, as --flux reads total fluxes; a star below the "
                      f"noise cannot be classified", LcformerWarning, stacklevel=3)


#: A star's curve (without flux errors: no asinh magnitudes) losing this share of its fluxes
#: (zero or negative: a faint star's noise) is biased bright; the bands where some do are named.
BIASED_SHARE = 0.25


def _warn_of_biased_bands(curves: LightCurves, non_positive: np.ndarray) -> None:
    """Name each band in which some stars lose :data:`BIASED_SHARE` or more of their fluxes:
    what is kept of such a star is its upward noise, so its magnitudes come out bright."""
    if not non_positive.any():
        return
    lost = np.bincount(curves.curve_index, non_positive, curves.n_curves)
    biased = lost >= BIASED_SHARE * np.maximum(curves.lengths, 1)
    biased &= (lost > 0) & (lost < curves.lengths)  # one that loses all keeps no noise
    if not biased.any():
        return
    counts = pd.Series(np.asarray(curves.bands, dtype=object)[biased]).fillna("").value_counts()
    for band, n in counts.items():
        warnings.warn(f"band {band or '(unnamed)'}: {n:,} star(s) lose a quarter or more of "
                      f"their fluxes there (zero or negative, dropped as non_positive_flux); "
                      f"what is kept of them is their upward noise, so their magnitudes in "
                      f"it come out too bright", LcformerWarning, stacklevel=3)
