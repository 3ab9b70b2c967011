"""Which column of a table is which, by its name: the id, time, magnitude, error, band and
flag names of the surveys lcformer has met (compared ignoring case), what a set of names
suggests where the defaults are missing, and the names that warn (difference-image fluxes,
signal-to-noise ratios, bands in column names)."""

from __future__ import annotations

import os
import re
import warnings
from collections.abc import Callable, Sequence

from lcformer.data.reading.config import Columns
from lcformer.errors import LcformerWarning

#: Column names that hold each row's band in survey tables (ZTF's filtercode and fid, Gaia's
#: band, "FILTER" of many FITS files, ASAS-SN Sky Patrol 2's phot_filter), compared ignoring
#: case.
BAND_NAMES = ("band", "filter", "filtercode", "filtername", "filter_name", "filterid",
              "filter_id", "fid", "passband",
              "bandpass", "band_name", "phot_filter", "filt")  # AAVSO's FILT
#: Names that take a role only where no other column of the file has it: Pan-STARRS's
#: filterID beside a filter column, its obsTime beside an mjd, ZTF's releases' hmjd beside
#: an hjd or mjd (a file that had one band or time column must not become one of two).
SECONDARY_NAMES = ("filterid", "filter_id", "obstime", "hmjd")


def without_secondary(indices: list[int], names: list[str]) -> list[int]:
    """``indices`` of ``names`` without the :data:`SECONDARY_NAMES` where others remain."""
    kept = [i for i in indices if names[i].strip("\"'").lower() not in SECONDARY_NAMES]
    return kept or indices
#: ATLAS forced photometry names its filter (c, o) ``F``, beside its flux ``uJy``: a column
#: "F" is a band there only (elsewhere it may be a flux).
ATLAS_BAND, ATLAS_FLUX = "F", "uJy"


def band_columns(names: list[str], first: list[str] | None = None) -> list[int]:
    """Indices of the columns of ``names`` that name a band (``BAND_NAMES``), else ATLAS's F,
    but where a text file's first data row (``first``, its fields) holds a number there."""
    bare = [n.strip("\"'") for n in names]
    named = without_secondary([i for i, n in enumerate(bare) if n.lower() in BAND_NAMES], bare)
    if named or ATLAS_BAND not in bare or ATLAS_FLUX not in bare:
        return named
    at = bare.index(ATLAS_BAND)
    value = first[at].strip().lower() if first is not None and len(first) > at else ""
    return [] if value not in ("", "nan") and is_number(value) else [at]


#: The longest run of characters two columns' names may differ in to be two bands of one
#: quantity (w1mpro, w2mpro; mag_g, mag_r; Vmag, Bmag).
_BAND_TOKEN = 2


def band_tokens(name: str, other: str) -> tuple[str, str] | None:
    """Where two column names differ only in a short run of letters or digits (at most
    :data:`_BAND_TOKEN`), the rest (at least two characters) the same, those two runs
    (w1mpro, w2mpro: "1", "2"); else None."""
    start = len(os.path.commonprefix([name, other]))  # noqa: RUF071 (characters, not paths)
    tail = len(os.path.commonprefix([name[start:][::-1], other[start:][::-1]]))  # noqa: RUF071
    mine, theirs = name[start:len(name) - tail], other[start:len(other) - tail]
    if (0 < len(mine) <= _BAND_TOKEN and 0 < len(theirs) <= _BAND_TOKEN
            and mine.isalnum() and theirs.isalnum() and start + tail >= 2):
        return mine, theirs
    return None


def _band_name(name: str, token: str) -> str:
    """A band's name from its token in a column's name: a digit keeps the letter before it
    where that letter starts the name or a word (w1mpro: "w1"; mag2: "2")."""
    at = name.index(token)
    before = name[at - 1] if at else ""
    if token.isdigit() and before.isalpha() and (at == 1 or not name[at - 2].isalnum()):
        return before + token
    return token


def _names_a_band(name: str, token: str) -> bool:
    """Whether a token of a column's name can name a band: letters (mag_g, Vmag) or a
    letter and a digit (w1mpro), not a digit alone (ASAS's apertures MAG_0 ... MAG_4)."""
    band = _band_name(name, token)
    return band.isalpha() or (band[:1].isalpha() and band[1:].isdigit())


def other_bands_warning(found: list[str], read: set[str],
                        mags: Sequence[tuple[str, str, str]]) -> str | None:
    """What to say where columns not ``read`` look like another band of a magnitude column
    read (``mags``: band, mag, err, as :attr:`Columns.mags`; NEOWISE's w2mpro beside the
    w1mpro read): the columns, and the ``--columns`` that reads every band; else None."""
    unread = [n for n in found if n not in read and not is_flag_name(n)]
    bands = [(band, mag, err) for band, mag, err in mags]  # what to give: what is read...
    extra: list[str] = []
    for band, mag, err in mags:
        for other in unread:
            tokens = band_tokens(mag, other)
            if tokens is None or other in extra or not all(
                    map(_names_a_band, (mag, other), tokens)):
                continue
            if not band:  # the band read so far has no name: its token names it
                band = _band_name(mag, tokens[0])
                bands[0] = (band, mag, err)
            errors = [n for n in unread if err and band_tokens(err, n) == tokens]
            name = _band_name(other, tokens[1])
            if name in {b for b, _, _ in bands}:
                continue
            bands.append((name, other, errors[0] if len(errors) == 1 else ""))
            extra += [other, *errors[:1]]
    if not extra:
        return None
    given = ",".join(f"mag:{band}={mag}" + (f",err:{band}={err}" if err else "")
                     for band, mag, err in bands)
    read_mags = ", ".join(repr(mag) for _, mag, _ in mags)
    one = len(extra) == 1
    return (f"column{'' if one else 's'} {', '.join(map(repr, extra))} "
            f"{'looks' if one else 'look'} like another band of {read_mags} and "
            f"{'is' if one else 'are'} not read: read each band as its own curve with "
            f"--columns {given} (with your time, flag... as before; the band names are "
            f"yours to choose)")


def is_number(token: str) -> bool:
    """Whether text reads as a number (a header line has none)."""
    try:
        float(token)
    except ValueError:
        return False
    return True


def uncertain_mark(token: str) -> str:
    """For an error on text that is not a number: where it is a number marked uncertain with
    a colon (AAVSO's visual estimates, "13.4:"), what to do."""
    text = str(token).strip().strip("'\"")
    return (" (a number marked uncertain with ':', as in AAVSO's downloads: remove the ':' "
            "to read it, or drop those rows)"
            if re.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)\s*:", text) else "")


#: A number written with thousands separators, as Excel's "Number" format writes them.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")


def number_hint(token: str) -> str:
    """For an error on text that is not a number: what a program that wrote a number did to
    it (:func:`uncertain_mark`; thousands separators, "2,448,290.3"; DOS's Ctrl-Z end-of-file
    mark after the last one, invisible in an editor), and what to do; else ""."""
    text = str(token).strip().strip("'\"")
    if re.fullmatch(r"[+-]?(\d+,(\d{1,2}|\d{4,})|0,\d+)", text):
        return " (a decimal comma? lcformer reads '.' as the decimal point)"
    if THOUSANDS.fullmatch(text):  # "12,345" alone may be a decimal comma too
        return (" (thousands separators? remove them)" if "." in text or text.count(",") > 1
                else " (a thousands separator, or a decimal comma? write it without the "
                     "comma, with '.' for a decimal point)")
    if text.endswith("\x1a") and is_number(text.rstrip("\x1a")):
        return " (a Ctrl-Z byte after it, the end-of-file mark of DOS programs: remove it)"
    return uncertain_mark(token)


#: Column names that name each row's star (compared ignoring case; CRTS says MasterID). Not
#: ZTF's ``oid``: one star's IRSA light curve holds an oid per field and filter.
ID_NAMES = ("id", "star", "star_id", "starid", "source_id", "sourceid", "objectid", "object_id",
            "objid", "obj_id", "name", "object", "target", "masterid",
            "star name",  # AAVSO's AID downloads
            "locus_id",  # ANTARES's loci (Fink's i:objectId: bare_name)
            "asas_sn_id")  # pyasassn's light curves of several stars
#: Where a table of several stars goes, said where one is met among per-star files.
TABLE_OF_STARS = ("give such a table as a file of its own, or as a folder's lightcurves.csv "
                  "(or .parquet) beside a labels.csv of id,class")
#: Surveys' own star-id columns (ZTF's oid, Rubin's diaObjectId, TESS's TIC, Kepler's KIC,
#: K2's EPIC): in a lone file, one holding several stars makes it a table. Not
#: :data:`ID_NAMES`: a ZTF file of one star may hold an oid per field and filter, all that
#: star's, so an oid is neither suggested as the id nor refused in a folder's files.
SURVEY_ID_NAMES = ("oid", "diaobjectid", "tic", "ticid", "tic_id", "kic", "kicid", "kic_id",
                   "kepid", "epic", "epicid", "epic_id", "designation", "ztf_id")
#: Endings of a survey's own name for its object ids (LINEAR's ``LINEARobjectID``, an
#: ``sdss_objid``): such a name is one of :data:`SURVEY_ID_NAMES`. Those, and the names of
#: :data:`SURVEY_ID_NAMES` but ZTF's oid, are proposed as the id where a table has no
#: column of :data:`ID_NAMES`.
SURVEY_ID_ENDINGS = ("objectid", "objid")


def is_survey_id_name(name: str, ending_only: bool = False) -> bool:
    """Whether column ``name`` is a survey's star id (:data:`SURVEY_ID_NAMES`, or a name that
    ends as one: :data:`SURVEY_ID_ENDINGS`; with ``ending_only``, the latter alone) where it
    is not one of :data:`ID_NAMES`."""
    bare = bare_name(name)
    return bare not in ID_NAMES and (bare.endswith(SURVEY_ID_ENDINGS)
                                     or (not ending_only and bare in SURVEY_ID_NAMES))


#: A one-letter namespace before a column's name, as the Fink broker writes them
#: (``i:objectId``, ``d:tag``, ``r:psfFlux``): not part of what the name says.
NAMESPACE = re.compile(r"^[a-z]:", re.IGNORECASE)


def bare_name(name: str) -> str:
    """A column's name as the name lists compare it: lower case, without quotes or a
    :data:`NAMESPACE` (``i:objectId`` -> ``objectid``)."""
    return NAMESPACE.sub("", str(name).strip("\"'")).lower()


#: Column names of a star's time, magnitude and error (lower case; a band or unit may follow
#: an underscore: mag_v, hjd_2450000). Per-star files are read by them; a long table's
#: column error suggests them (its columns are read as --columns names them).
TIME_NAMES = ("time", "t", "jd", "hjd", "mjd", "hmjd", "bjd", "btjd", "bkjd", "date",
              "dateobs", "obstime")  # Pan-STARRS's obsTime (MJD); ZTF's releases' hmjd
MAG_NAMES = ("mag", "m", "magnitude")
ERR_NAMES = ("err", "error", "magerr", "mag_err", "emag", "e_mag", "sigma", "e", "dmag",
             "merr", "uncertainty",  # AAVSO's MERR, its AID's Uncertainty
             "mag_error", "magerror", "magnitude_error", "mag_sigma",
             "mag_unc")  # ASAS-SN's "Mag Error"


def time_corrected(name: str) -> bool:
    """A time corrected for the light's travel to the Sun or the barycentre (HJD, BJD,
    TESS's BTJD, Kepler's BKJD), which a period search wants over the observer's MJD."""
    return name.lower().strip("\"'").startswith(("hjd", "bjd", "btjd", "bkjd"))


def column_role(name: str) -> str | None:
    """"time", "mag" or "err" for a column name of one (HJD, mag_v, sigma), else None. An
    error's name may have blanks for underscores (ASAS-SN's "Mag Error"), other roles' not
    ("Date (UT)" beside "JD" is no second time)."""
    key = bare_name(name)
    if re.sub(r"\s+", "_", key.strip()) in ERR_NAMES:
        return "err"
    for found, options in (("err", ERR_NAMES), ("time", TIME_NAMES), ("mag", MAG_NAMES)):
        if key in options or any(key.startswith(o + "_") for o in options):
            return found
    if re.fullmatch(r"[hbm]?jd\s*-\s*\d+(\.\d+)?", key):  # OGLE's and KELT's HJD-2450000
        return "time"
    return None


#: Columns of each point's signal-to-noise ratio (Gaia DR3's epoch photometry gives no
#: magnitude error, only flux_over_error): read as the errors, 2.5 / ln 10 / SNR, where a
#: magnitude has no error column.
SNR_NAMES = ("flux_over_error",)


def is_snr_name(name: str) -> bool:
    """Whether a column so named holds signal-to-noise ratios (:data:`SNR_NAMES`, and
    Gaia's per band: g_transit_flux_over_error, bp_flux_over_error)."""
    low = name.strip("\"'").lower()
    return low in SNR_NAMES or low.endswith(tuple("_" + n for n in SNR_NAMES))


def snr_column(names: list[str], mag: str) -> str | None:
    """The one column of ``names`` that holds the signal-to-noise ratio of the magnitudes
    ``mag`` (not of a flux, whose own error column is read), else None."""
    found = [n for n in names if is_snr_name(n)]
    return found[0] if len(found) == 1 and "flux" not in mag.lower() else None


#: A flux unit in brackets after a column's name (ASAS-SN's ``flux(mJy)``); other brackets,
#: a band's (``Mag (V)``), are part of the name.
FLUX_UNIT_SUFFIX = re.compile(r"\s*\((?:[mnuµ]?jy|e-?/s|adu|counts?|cts)\)$", re.IGNORECASE)
#: Column names of fluxes by their unit alone (ATLAS's ``uJy`` beside its ``m``).
FLUX_UNIT_NAMES = ("jy", "mjy", "ujy", "njy")


def flux_beside(names: list[str], mag: str) -> str | None:
    """The first column of ``names`` that holds fluxes (a name with "flux", or a flux unit's
    alone, but not an error, a signal-to-noise ratio, a flag, a radius or an inverse
    variance) where the column ``mag`` read as the magnitudes is named as one (mag, Mag, m,
    mag_v), else None. With ``--flux`` that column would be read as the fluxes, the file's
    own flux column left unread (ASAS-SN's files hold both, ATLAS's m beside uJy)."""
    if column_role(mag) != "mag":
        return None
    return next((n for n in names if (is_flux_name(n) or bare_name(n) in FLUX_UNIT_NAMES)
                 and column_role(n) is None
                 and not re.search(r"sig|flag|rad|frac|ratio", n.lower())), None)


def error_columns(names: list[str], mag: str) -> list[str]:
    """The columns of ``names`` that may hold the errors of the column ``mag``: those named
    after it (Magerr, flux_err, e_flux, PDCSAP_FLUX_ERR) where there are any, else those
    named as errors (err, sigma, magerr), but not a magnitude's (magerr) for a flux."""
    def spelt(name: str) -> str:  # ASAS-SN's "Flux Error" (blanks), its "flux(mJy)" (a unit)
        return re.sub(r"\s+", "_", FLUX_UNIT_SUFFIX.sub("", name.lower().strip("\"' ")))

    m = spelt(mag)
    own = ({m + end for end in ("err", "_err", "error", "_error", "unc", "_unc", "_sigma")}
           | {start + m for start in ("e", "e_", "sigma_", "err_")}
           | ({"d" + m} if ATLAS_FLUX in names else set()))  # ATLAS's m, dm
    named = [n for n in names if spelt(n) in own]
    if named:
        return named
    flux = "flux" in m
    return [n for n in names if column_role(n) == "err" and not (flux and "mag" in n.lower())]


def suggested_columns(found: list[str], columns: Columns,
                      holds_flags: Callable[[str], bool] | None = None) -> dict[str, str]:
    """``--columns`` role -> the column of ``found`` whose name suggests it, for the roles id,
    time, mag, err, band and flag where ``columns`` names no column found and one name fits
    (of several times, the one heliocentric or barycentric; a flag only where
    ``holds_flags`` says its values are flags): what a column error proposes.
    The readers do not take these themselves: a table's columns are read as ``--columns``
    says."""
    def fits(name: str, role: str, mag: str | None) -> bool:
        if role in ("id", "band"):
            return bare_name(name) in (ID_NAMES if role == "id" else BAND_NAMES)
        if role == "err":
            return mag is not None and name in error_columns(found, mag)
        if role == "flag":
            return is_flag_name(name) and (holds_flags is None or holds_flags(name))
        return column_role(name) == role

    resolved = columns.resolve(found)
    free = [n for n in found if n not in resolved.all]
    guess: dict[str, str] = {}
    for role in ("id", "time", "mag", "err", "band", "flag"):
        if role == "flag" and not columns.flag:  # flag= reads none
            continue
        if getattr(resolved, role) in found:
            continue
        mag = resolved.mag if resolved.mag in found else guess.get("mag")
        options = [n for n in free if n not in guess.values() and fits(n, role, mag)]
        if role in ("time", "band") and len(options) > 1:
            options = [options[i] for i in without_secondary(list(range(len(options))), options)]
        if role == "time" and len(options) > 1:
            options = [n for n in options if time_corrected(n)] or options
        if role == "mag" and not options:  # a table of fluxes: read with --flux (TESS's)
            options = [n for n in free if n not in guess.values() and is_flux_name(n)]
        if role == "id" and not options:  # a survey's own (LINEAR's LINEARobjectID, TIC)
            options = [n for n in free if is_survey_id_name(n, ending_only=True)
                       or (bare_name(n) in SURVEY_ID_NAMES and bare_name(n) != "oid")]
        if len(options) == 1:
            guess[role] = options[0]
    return guess


def is_flux_name(name: str) -> bool:
    """A column named as a flux (``flux``, ``PDCSAP_FLUX``), not as its error."""
    low = name.lower()
    return "flux" in low and "mag" not in low and not any(
        word in low for word in ("err", "sigma", "unc", "ivar"))


#: Surveys' own table layouts, recognised by their column names (ignoring case), and the
#: options that read them: said when a table's columns do not match.
SURVEY_LAYOUTS = (
    ("Rubin's DiaSource, whose scienceFlux is the direct image's (nJy)",
     ("diaObjectId", "midpointMjdTai", "scienceFlux", "scienceFluxErr"),
     "--columns id=diaObjectId,time=midpointMjdTai,mag=scienceFlux,err=scienceFluxErr "
     "--flux --zero-point 31.4 (in Python: lcformer.flux_to_magnitudes with zero_point=31.4 "
     "on what read_long_table reads)"),
    # (before the SPOC layouts: names are compared ignoring case, so lightkurve's K2 files
    # without sap_quality would match TESS's)
    ("a TESS, Kepler or K2 light curve saved by lightkurve (to_csv), whose pdcsap_flux is in "
     "e-/s",
     ("time", "flux", "flux_err", "quality", "pdcsap_flux", "pdcsap_flux_err"),
     "--columns mag=pdcsap_flux,err=pdcsap_flux_err,flag=quality --flux, with --zero-point "
     "20.44 for TESS magnitudes or one zero point of your choice for Kepler's and K2's, the "
     "same in training and prediction (quality is lightkurve's; where its stitch normalised "
     "flux to 1 per quarter or sector, mag=flux,err=flux_err reads that, and magnitudes "
     "then say nothing of a star's brightness)"),
    ("a TESS light curve of the Quick-Look Pipeline (QLP), whose KSPSAP_FLUX is detrended and "
     "normalised to 1",
     ("TIME", "KSPSAP_FLUX", "KSPSAP_FLUX_ERR"),
     "--columns mag=KSPSAP_FLUX,err=KSPSAP_FLUX_ERR,flag=QUALITY --flux; magnitudes from "
     "normalised fluxes say nothing of a star's brightness, so train and predict on such "
     "fluxes alike"),
    ("a Kepler or K2 light curve (its SPOC pipeline's), whose fluxes are in e-/s",
     ("TIME", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR", "SAP_QUALITY"),
     "--columns mag=PDCSAP_FLUX,err=PDCSAP_FLUX_ERR,flag=SAP_QUALITY --flux, with one "
     "--zero-point (the magnitude of 1 e-/s) for training and prediction alike"),
    ("a TESS light curve (SPOC), whose fluxes are in e-/s",
     ("TIME", "PDCSAP_FLUX", "PDCSAP_FLUX_ERR"),
     "--columns mag=PDCSAP_FLUX,err=PDCSAP_FLUX_ERR,flag=QUALITY --flux, with --zero-point "
     "20.44 for TESS magnitudes"),
    ("Pan-STARRS1 DR2 detections (MAST), whose psfFlux is in Jy",
     ("objID", "detectID", "filterID", "obsTime", "psfFlux", "psfFluxErr"),
     "--columns id=objID,time=obsTime,mag=psfFlux,err=psfFluxErr,band=filterID --flux "
     "--band-names 1=g,2=r,3=i,4=z,5=y (its infoFlag is non-zero on good rows too: to drop "
     "bad rows, add flag=infoFlag with --flag-bits naming the bits PS1 documents as bad)"),
    ("ZTF detections as the ALeRCE broker serves them, whose magpsf is the difference "
     "image's",
     ("oid", "mjd", "fid", "magpsf_corr", "sigmapsf_corr", "dubious"),
     "--columns id=oid,time=mjd,mag=magpsf_corr,err=sigmapsf_corr,band=fid,flag=dubious "
     "--band-names 1=g,2=r,3=i (magpsf_corr is the star's own magnitude)"),
    ("ZTF alerts with each point's star magnitude (as the Lasair broker gives them), whose "
     "magpsf is the difference image's",
     ("objectId", "jd", "fid", "dc_mag", "dc_sigmag"),
     "--columns id=objectId,time=jd,mag=dc_mag,err=dc_sigmag,band=fid --band-names 1=g,2=r"),
    ("ZTF alerts from the Fink broker (or another without a star's magnitude), whose "
     "i:magpsf is the difference image's",
     ("objectId", "jd", "fid", "magpsf", "isdiffpos", "magnr"),
     "make each point's star magnitude from i:magnr, i:magpsf and i:isdiffpos (docs/data.md "
     "shows how), then --columns id=i:objectId,time=i:jd,mag=dc_mag,err=dc_sigmag,band=i:fid "
     "--band-names 1=g,2=r"),
    ("a locus of the ANTARES broker, whose ant_mag is the difference image's",
     ("locus_id", "ant_mjd", "ant_passband", "ant_mag_corrected", "ant_magerr_corrected"),
     "--columns id=locus_id,time=ant_mjd,mag=ant_mag_corrected,err=ant_magerr_corrected,"
     "band=ant_passband (its R band is ZTF's r: --band-names R=r where a model knows r)"),
    ("Rubin's DiaSource without scienceFlux",
     ("diaSourceId", "diaObjectId", "midpointMjdTai", "psfFlux", "psfFluxErr"),
     "its psfFlux is a difference-image flux, which --flux does not read (add each star's "
     "reference flux first, or use scienceFlux)"),
    ("Rubin's ForcedSource, whose psfFlux is the star's own (nJy; psfDiffFlux is the "
     "difference image's)",
     ("objectId", "midpointMjdTai", "psfFlux", "psfFluxErr"),
     "--columns id=objectId,time=midpointMjdTai,mag=psfFlux,err=psfFluxErr,"
     "flag=psfFlux_flag --flux --zero-point 31.4"),
    ("Rubin's ForcedSourceOnDiaObject, whose psfFlux is the star's own (nJy; psfDiffFlux is "
     "the difference image's)",
     ("diaObjectId", "midpointMjdTai", "psfFlux", "psfFluxErr", "psfDiffFlux"),
     "--columns id=diaObjectId,time=midpointMjdTai,mag=psfFlux,err=psfFluxErr,"
     "flag=psfFlux_flag --flux --zero-point 31.4"),
    ("Rubin's ForcedSource without a time (nJy fluxes)",
     ("objectId", "visit", "psfFlux", "psfFluxErr"),
     "join each visit's time from the Visit table (its expMidptMJD) by visit first, then "
     "--columns id=objectId,time=expMidptMJD,mag=psfFlux,err=psfFluxErr,flag=psfFlux_flag "
     "--flux --zero-point 31.4"),
    ("Rubin's ForcedSourceOnDiaObject without a time (nJy fluxes)",
     ("diaObjectId", "visit", "psfFlux", "psfFluxErr", "psfDiffFlux"),
     "join each visit's time from the Visit table (its expMidptMJD) by visit first, then "
     "--columns id=diaObjectId,time=expMidptMJD,mag=psfFlux,err=psfFluxErr,"
     "flag=psfFlux_flag --flux --zero-point 31.4"),
    ("ATLAS forced photometry, whose m is signed where the flux is negative and whose err "
     "is a flag (1: a bad fit)",
     ("MJD", "m", "dm", "uJy", "duJy", "F", "err"),
     "--columns time=MJD,mag=uJy,err=duJy,band=F,flag=err --flux --zero-point 23.9 (or "
     "mag=m,err=dm in place of mag=uJy,err=duJy --flux: its magnitudes of fluxes below zero "
     "are dropped)"),
    ("PLAsTiCC, whose fluxes are difference-image fluxes (FLUXCAL, zero point 27.5) with no "
     "reference flux, so magnitudes from them are not the stars'",
     ("object_id", "mjd", "passband", "flux", "flux_err", "detected"),
     "--columns id=object_id,time=mjd,mag=flux,err=flux_err,band=passband --flux "
     "--zero-point 27.5 --band-names 0=u,1=g,2=r,3=i,4=z,5=y, and its metadata's object_id "
     "and target as labels.csv (--columns class=target)"),
    ("ELAsTiCC's DiaSource, whose psFlux is a difference-image flux with no reference flux, "
     "so magnitudes from it are not the stars'",
     ("diaObjectId", "midPointTai", "filterName", "psFlux", "psFluxErr"),
     "--columns id=diaObjectId,time=midPointTai,mag=psFlux,err=psFluxErr,band=filterName "
     "--flux, with --zero-point for its flux unit (31.4 for nJy)"),
)
#: Flux columns that hold a difference-image flux (the star's minus a reference image's)
#: wherever they are: ZTF's forced photometry, Rubin's forced sources, SNANA's FLUXCAL.
DIFFERENCE_FLUXES = frozenset({"forcediffimflux", "psfdiffflux", "fluxcal"})
#: Rubin's psfFlux is the difference image's in DiaSource, which these columns mark (its
#: scienceFlux is the direct image's; DP0.2 spelt its time midPointTai).
DIA_SOURCE_COLUMNS = frozenset({"diasourceid", "scienceflux", "midpointtai"})
#: ... and the star's own in a forced source (ForcedSource, ForcedSourceOnDiaObject), which
#: these mark, and which overrule the above (a forced source's table can hold diaObjectId
#: and midpointMjdTai too).
FORCED_SOURCE_COLUMNS = frozenset({"psfdiffflux", "forcedsourceid", "forcedsourceondiaobjectid"})
#: Columns beside a psfFlux that may be Rubin's either way: its DiaSource's and its forced
#: sources' (an objectId, as ForcedSource and the Object table have, says it is not DiaSource's
#: unless DiaSource's own columns are there too).
RUBIN_COLUMNS = frozenset({"diaobjectid", "midpointmjdtai"})
PLASTICC_COLUMNS = frozenset({"passband", "detected"})


def difference_flux(found: list[str], mag: str) -> bool:
    """Whether column ``mag`` of a table (or file) of columns ``found`` is a difference-image
    flux."""
    lower, name = {bare_name(c) for c in found}, bare_name(mag)
    rubin = (name == "psfflux" and not lower & FORCED_SOURCE_COLUMNS
             and bool(lower & DIA_SOURCE_COLUMNS))
    elasticc = name == "psflux" and bool(lower & (DIA_SOURCE_COLUMNS | RUBIN_COLUMNS))
    return (name in DIFFERENCE_FLUXES or rubin or elasticc
            or (name == "flux" and PLASTICC_COLUMNS <= lower))


def ambiguous_rubin_flux(found: list[str], mag: str) -> bool:
    """Whether ``mag`` is a psfFlux beside Rubin's diaObjectId or midpointMjdTai with nothing
    to say whether it is DiaSource's (a difference flux) or a forced source's (the star's)."""
    lower = {bare_name(c) for c in found}
    return (bare_name(mag) == "psfflux" and bool(lower & RUBIN_COLUMNS) and "objectid" not in lower
            and not lower & (FORCED_SOURCE_COLUMNS | DIA_SOURCE_COLUMNS))


#: ZTF's difference-image magnitude as the alert brokers name it (ALeRCE's and Lasair's
#: magpsf, Fink's i:magpsf, ANTARES's ztf_magpsf and ant_mag), and the columns beside it that
#: show it is one: its sign (isdiffpos) or a corrected, star's own, magnitude.
DIFFERENCE_MAGS = {"magpsf": ("isdiffpos", "magpsf_corr", "magnr", "dc_mag"),
                   "ztf_magpsf": ("ztf_isdiffpos", "ztf_magnr"),
                   "ant_mag": ("ant_mag_corrected", "ztf_isdiffpos")}


def difference_magnitude(found: list[str], mag: str) -> bool:
    """Whether column ``mag`` of a table of columns ``found`` is ZTF's magnitude of the
    difference image (:data:`DIFFERENCE_MAGS`), not the star's."""
    beside = DIFFERENCE_MAGS.get(bare_name(mag), ())
    return bool(set(beside) & {bare_name(c) for c in found})


def difference_flux_text(found: list[str], mag: str) -> str | None:
    """What to say where ``mag`` is a difference-image flux (:func:`difference_flux`), not
    naming the file: once for a folder of such files (as PLAsTiCC's and ELAsTiCC's are);
    None where it is not one."""
    if ambiguous_rubin_flux(found, mag):
        return (f"column {mag!r} is a difference-image flux if the table is "
                f"Rubin's DiaSource (whose scienceFlux is the star's own), and the star's own "
                f"if it is a forced source (ForcedSourceOnDiaObject): nothing in it says "
                f"which; magnitudes from a difference flux are wrong for variable stars, so "
                f"read DiaSource's scienceFlux instead")
    if not difference_flux(found, mag):
        return None
    return (f"column {mag!r} is a difference-image flux (the star's flux minus a reference "
            f"image's), not the star's own: magnitudes from it are wrong for variable stars "
            f"(fluxes far below zero are dropped, periods and amplitudes change), and classes "
            f"learnt from them are those of difference fluxes; add each star's reference "
            f"flux first where the survey gives it")


def warn_of_difference_flux(found: list[str], mag: str) -> None:
    """Say :func:`difference_flux_text` where ``mag`` is a difference-image flux."""
    if (text := difference_flux_text(found, mag)) is not None:
        warnings.warn(text, LcformerWarning, stacklevel=3)


def survey_layout_hint(found: list[str]) -> str:
    """'; this looks like <survey>: <options>' for a table whose columns are a survey's
    layout, else ''."""
    spelt = {bare_name(name): name for name in found}
    for survey, names, options in SURVEY_LAYOUTS:
        if all(name.lower() in spelt for name in names):
            # --columns in this table's own spelling (Fink's i:objectId, or objectId): the
            # NAME of each ROLE=NAME, nothing else.
            options = re.sub(r"(?<=--columns )\S+", lambda m: ",".join(
                f"{role}={spelt.get(bare_name(name), name)}" for role, _, name in
                (item.partition("=") for item in m[0].split(","))), options)
            return f"; this looks like {survey}: {options}"
    return ""


def is_good_flag_name(name: str) -> bool:
    """A flag column whose name says it marks good rows (PTF's ``goodflag``: 1 for a good
    measurement, 0 for a bad one; ``good``, ``is_good``, ``good_flags``): read the other way
    round from the others, as are ``good_obs`` and ``quality_good``. Not ``nogood``,
    ``not_good``, ``good_frac`` or ``goodness_of_fit``."""
    return re.fullmatch(r"(is_?)?good(_?flags?)?|good_?(obs|data|rows?|points?|meas\w*)"
                        r"|(quality|q)_?good(_?flags?)?", bare_name(name)) is not None


def is_flag_name(name: str) -> bool:
    """A column name that marks bad rows: flag(s), catflags (ZTF), QUALITY (TESS),
    rejected_by_variability (Gaia), dubious (ALeRCE's ZTF detections). Not CRTS's Blend,
    which other tables use for fractions: ``--columns flag=Blend`` reads it."""
    name = name.lower()
    return ("flag" in name or "quality" in name or name.startswith("rejected")
            or name == "dubious")
