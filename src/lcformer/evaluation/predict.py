"""Classify new stars with a trained model, using exactly the preprocessing stored with it.

The model's metadata carries its whole preparation (cleaning, period search, star views or
token windows), so new light curves go through the same steps as the training data. Stars that
cannot be classified (nothing left after cleaning, too short for one window, or no curve in a
band the model knows) are listed with the reason, never silently left out. A star's only curve
is taken to be in the band of a one-band model when one of the two has no band name (a per-star
file, a band-less model); of a star with several curves none is guessed at
(:func:`in_model_bands` states the rule). Stars that are classified on too little signal (too
few points, a constant magnitude, no period searched, or none significant) keep their
probabilities but get a ``flag`` (:class:`FlagConfig`), so a confident-looking label on noise
is never silent.

Stars are processed in chunks of ``chunk_stars``, which bounds the memory of the model inputs
whatever the size of the input; a star's prediction does not depend on its neighbours.

The predictions stay in memory here; scoring them against the input's labels is
:mod:`lcformer.evaluation.scoring`, writing them to files :mod:`lcformer.evaluation.output_files`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.fingerprints import fingerprints_of, seen_in_training
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig
from lcformer.data.reading.one_star import bands_in_names
from lcformer.data.report import UNLIKE_EVENT, DropReport
from lcformer.data.samples import SampleInfo, make_samples, star_chunks
from lcformer.data.tokens import TokenConfig
from lcformer.data.training_ranges import (
    any_reason,
    band_levels,
    class_periods_of,
    errors_of,
    period_unlike_class,
    ranges_of,
    shares_of,
    unlike_training,
)
from lcformer.data.views import EPOCH_COLUMNS, fold_extrema, frequency_errors
from lcformer.errors import ConfigError, LcformerWarning
from lcformer.evaluation.flags import FlagConfig, first_flag, flag_masks, other_flags
from lcformer.hardware import AUTO_DEVICE, pick_device
from lcformer.models.inference import BATCH, star_probabilities, window_probabilities

if TYPE_CHECKING:
    from lcformer.models.registry import Model

#: Stars per chunk: the star views of 5,000 stars take about 50 MB (256 points x 9 channels).
PREDICT_CHUNK_STARS = 5_000
#: The period's standard error (days), measured on the cleaned curves
#: (:func:`star_period_errors`); the search gives the other PERIOD_COLUMNS.
PERIOD_ERR = "period_err"
#: The period columns that star-model predictions carry: the period the star was folded at
#: (an eclipsing binary's most often half its orbital period), its error, its power and
#: false-alarm probability (and that probability's log, which keeps strong signals apart
#: where it underflows to 0), and the second peak. They come with the epochs,
#: EPOCH_COLUMNS and the band they were measured in (:func:`star_extrema`).
PERIOD_COLUMNS = ("period", PERIOD_ERR, "power", "fap", "log10_fap", "period_2", "power_2")
#: The band of a star's epochs (text; "" where it has none).
EPOCH_BAND = "epoch_band"
#: Each band's brightness and amplitude that star-model predictions carry (output column ->
#: the per-star value of the star views it is read from, and whether that is a log10; None:
#: measured on the cleaned curves by :func:`star_extrema`): the median magnitude, the 5-95%
#: range of the magnitudes (an amplitude that one outlier does not make; at least 0.001 mag,
#: the views' floor), and the peak-to-peak amplitude of the fit at the period, which the noise
#: widens less, as a catalogue lists them.
BAND_COLUMNS: dict[str, tuple[str, bool] | None] = {
    "median_mag": ("median_mag", False), "range_5_95": ("log_amplitude", True),
    "amplitude": None}
#: Each prediction's counts: its samples, and the cleaned points and bands they hold.
COUNT_COLUMNS = ("n_windows", "n_points", "n_bands")
#: Of a model that keeps its training stars' fingerprints (:mod:`lcformer.data.fingerprints`):
#: whether a star's cleaned points are those of one of its training or validation stars.
SEEN = "seen_in_training"
#: The start of each class's probability column (:func:`probability_column`).
PROBABILITY_PREFIX = "p_"


def band_columns(metadata: dict[str, Any]) -> dict[str, tuple[str, bool] | None]:
    """:data:`BAND_COLUMNS` of each of the model's bands (``median_mag_V``, the band last so
    that no band's column reads as a class's ``p_<class>``; ``median_mag`` for a model of one
    unnamed band), where its star views have the values (none for the research windows):
    the column's star-view value and whether it is a log10, or None (:func:`star_extrema`'s)."""
    names = set(metadata.get("extra_names") or ())
    columns: dict[str, tuple[str, bool] | None] = {}
    for band in metadata.get("bands") or ():
        prefix = f"{band or 'band'}_"  # (views.scalar_names' own rule)
        if prefix + "median_mag" not in names:
            continue
        for column, source in BAND_COLUMNS.items():
            if source is None or prefix + source[0] in names:
                columns[band_column(column, band)] = (
                    None if source is None else (prefix + source[0], source[1]))
    return columns


def band_column(column: str, band: str) -> str:
    """The output column of :data:`BAND_COLUMNS`' ``column`` in ``band`` ("": unnamed)."""
    return f"{column}_{band}" if band else column


def probability_column(cls: str) -> str:
    """The column of a prediction table that holds the probability of class ``cls``."""
    return f"{PROBABILITY_PREFIX}{cls}"


@dataclass
class Predictions:
    # one row per classified star: id, predicted, probability, p_<class>..., n_windows,
    # n_points, n_bands (what the model read of it), [PERIOD_COLUMNS and EPOCH_COLUMNS of
    # star models], [band_columns of star models], flag,
    # other_flags, [SEEN, where the model keeps its training stars' fingerprints]
    table: pd.DataFrame
    unclassified: pd.DataFrame  # id, reason
    report: DropReport  # points and curves dropped by reason

    @property
    def classes(self) -> list[str]:
        return [c[len(PROBABILITY_PREFIX):] for c in self.table.columns
                if c.startswith(PROBABILITY_PREFIX)]

    @property
    def flag_counts(self) -> Counter[str]:
        """Classified stars per flag (flagged ones only)."""
        if "flag" not in self.table:
            return Counter()
        return Counter(f for f in self.table["flag"].tolist() if f)

def predict_stars(model: Model, metadata: dict[str, Any], lcs: LightCurves,
                  device: str = AUTO_DEVICE, batch_size: int = BATCH,
                  pad_short: bool | None = None, flags: FlagConfig | None = None,
                  chunk_stars: int = PREDICT_CHUNK_STARS, n_jobs: int = 1,
                  progress: bool = False) -> Predictions:
    """Star-level predictions for every star in ``lcs`` (labels, if any, are ignored).

    ``pad_short`` overrides the model's token setting for stars shorter than one window (the
    model saw only full windows in training, so such predictions are less certain).
    ``progress``: a bar over stars, with stars/s. ``n_jobs``: processes of the period search
    and star views.
    """
    if chunk_stars < 1:
        raise ConfigError(f"chunk_stars must be at least 1, got {chunk_stars}")
    config = model_prepare_config(metadata)
    if pad_short is not None:
        config = config.replace(tokens=config.tokens.replace(pad_short=pad_short))
    flags = flags or FlagConfig()
    target = pick_device(device)
    model.to(target)
    report = DropReport()
    lcs = bands_in_names(lcs, metadata.get("bands") or (), report)  # NAME.I: NAME in I
    star_code, _ = lcs.star_codes()
    n_stars = int(star_code.max()) + 1 if len(star_code) else 0
    chunks = _star_chunks(lcs, star_code, n_stars, chunk_stars)

    from lcformer.progress import tqdm

    tables, skipped = [], []
    with tqdm(total=n_stars, unit="star", desc="predict", leave=False,
              disable=not progress or len(chunks) == 0) as bar:
        for part in chunks:
            table, unclassified = _predict_chunk(model, metadata, part, config, flags, target,
                                                 batch_size, n_jobs, report)
            tables.append(table)
            skipped.append(unclassified)
            bar.update(part.n_stars)
    if not chunks:
        tables = [_empty_table(metadata, config)]
        skipped = [unclassified_stars(lcs, lcs, [], config)]
    return Predictions(_concat(tables), _concat(skipped), report)


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """The chunks' tables as one (empty ones left out: they carry no rows, only dtypes)."""
    full = [f for f in frames if len(f)] or frames[:1]
    return full[0] if len(full) == 1 else pd.concat(full, ignore_index=True)


def _star_chunks(lcs: LightCurves, star_code: np.ndarray, n_stars: int,
                 chunk_stars: int) -> list[LightCurves]:
    """``lcs`` cut into pieces of at most ``chunk_stars`` stars, in order of first appearance
    (a star's curves stay together)."""
    if n_stars <= chunk_stars:
        return [lcs] if n_stars else []
    return [lcs.select(curves) for curves in star_chunks(star_code, chunk_stars)]


def _predict_chunk(model: Model, metadata: dict[str, Any], lcs: LightCurves,
                   config: PrepareConfig, flags: FlagConfig, target: Any, batch_size: int,
                   n_jobs: int, report: DropReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, unclassified stars) of the stars of ``lcs``."""
    classes = list(metadata["classes"])
    bands = list(metadata.get("bands", []))
    # A window model reads every band alike, but one trained on some (--keep-bands) knows them.
    known = bands or list(config.keep_bands or ())
    cleaned, report = clean(lcs, config.cleaning, report)
    cleaned, foreign = in_model_bands(cleaned, known, report, given=lcs)
    if cleaned.n_curves == 0:  # nothing to make samples of
        return _empty_table(metadata, config), unclassified_stars(
            lcs, cleaned, [], config, foreign, known)
    info = SampleInfo(bands, list(metadata.get("extra_names", [])),
                      None, metadata.get("feature_span"))
    samples, info = make_samples(cleaned, config, report, info=info, n_jobs=n_jobs)
    extra = samples.extra if samples.extra.shape[1] else None
    probs = window_probabilities(model, samples.tokens, samples.mask, batch_size, target, extra)
    star_codes, star_ids = pd.factorize(pd.Series(cleaned.ids[samples.curve], dtype=object))
    star_probs = star_probabilities(probs, star_codes, len(star_ids))

    table = pd.DataFrame({"id": np.asarray(star_ids, dtype=object),
                          "predicted": np.array(classes, dtype=object)[star_probs.argmax(1)],
                          "probability": star_probs.max(1)})
    for i, cls in enumerate(classes):
        table[probability_column(cls)] = star_probs[:, i]
    table["n_windows"] = np.bincount(star_codes, minlength=len(star_ids))
    # What the prediction rests on: the cleaned points and curves of the model's bands (a
    # window model's curve too short for a window is not counted).
    curve_star = star_ids.get_indexer(pd.Index(cleaned.ids, dtype=object))
    used = curve_star >= 0
    if config.inputs == "windows":
        used &= np.bincount(samples.curve, minlength=cleaned.n_curves) > 0
    table["n_points"] = np.bincount(curve_star[used], cleaned.lengths[used],
                                    len(star_ids)).astype(np.int64)
    table["n_bands"] = np.bincount(curve_star[used], minlength=len(star_ids))
    if config.inputs == "stars":  # what the star views were folded at
        assert info.periods is not None
        found = info.periods.set_index("id").reindex(table["id"])
        for column in PERIOD_COLUMNS:  # a search of one peak (n_peaks=1) has no second;
            # (PERIOD_ERR, not the search's, takes its place here and its values below)
            table[column] = (found[column].to_numpy(dtype=np.float64) if column in found
                             else np.nan)
        table[PERIOD_ERR] = star_period_errors(cleaned, table["id"].to_numpy(dtype=object),
                                               table["period"].to_numpy(dtype=np.float64),
                                               config.periods.use_errors)
        extrema = star_extrema(cleaned, table["id"].to_numpy(dtype=object),
                               table["period"].to_numpy(dtype=np.float64), bands)
        for column in (*EPOCH_COLUMNS, EPOCH_BAND):
            table[column] = extrema[column].to_numpy()
    if extra is not None:  # a star's samples share its per-star values: its first's
        first = np.unique(star_codes, return_index=True)[1]
        for column, source in band_columns(metadata).items():
            if source is None:  # the fit's amplitude (star views: a star model)
                table[column] = np.round(extrema[column].to_numpy(), 4)
                continue
            value, log = source
            values = extra[first, info.extra_names.index(value)].astype(np.float64)
            # (single precision: 4 decimals, not 17.615001678466797; NaN: no curve in the band)
            table[column] = np.round(10.0 ** values if log else values, 4)
    searched = "fap" in table
    unlike = longest = span = None
    reasons: dict[str, np.ndarray] = {}
    if searched and info.periods is not None and "span" in info.periods:
        stars = info.periods.set_index("id").reindex(table["id"])
        levels = band_levels(extra, info.extra_names, star_codes)
        reasons = unlike_training(stars.join(levels.set_axis(stars.index)),
                                  ranges_of(metadata), errors_of(metadata),
                                  shares_of(metadata))
        unlike = any_reason(reasons, len(stars))
        span = stars["span"].to_numpy(dtype=np.float64)  # (of the bands searched)
        longest = (np.full(len(stars), config.periods.max_period)
                   if config.periods.max_period is not None else span)
    by_class = class_periods_of(metadata)
    unlike_class = (period_unlike_class(table["period"].to_numpy(), table["predicted"],
                                        by_class) if searched and by_class else None)
    masks = flag_masks(cleaned, table["id"].to_numpy(dtype=object),
                       table["fap"].to_numpy() if searched else None, flags,
                       table["period"].to_numpy() if searched else None,
                       config.periods.min_period if searched else None, unlike, longest,
                       unlike_class, span)
    table["flag"] = first_flag(masks, len(table))
    table["other_flags"] = other_flags(masks, len(table))
    flagged_so = (table["flag"] == "outside_training_range").to_numpy()
    for reason, rows in reasons.items():  # why, for the flag's line (and the report)
        report.note(UNLIKE_EVENT + reason, int(np.count_nonzero(rows & flagged_so)))
    trained = fingerprints_of(metadata)
    if trained is not None:  # the same stars as the model's own, under any id or layout
        table[SEEN] = seen_in_training(table["id"].to_numpy(dtype=object), cleaned.ids,
                                       cleaned.lengths, cleaned.time, cleaned.mag, trained)
    return table, unclassified_stars(lcs, cleaned, table["id"].to_numpy(dtype=object),
                                     config, foreign, known)


def _curves_of(cleaned: LightCurves, ids: np.ndarray) -> tuple[LightCurves, np.ndarray]:
    """The cleaned curves of the stars ``ids``, and each one's star (its index in ``ids``)."""
    star = pd.Index(ids, dtype=object).get_indexer(pd.Index(cleaned.ids, dtype=object))
    return cleaned.select(np.flatnonzero(star >= 0)), star[star >= 0]


def star_period_errors(cleaned: LightCurves, ids: np.ndarray, period: np.ndarray,
                       use_errors: bool = True) -> np.ndarray:
    """Each star's period's standard error in days (``ids``, searched at ``period``; NaN:
    none), from its cleaned curves in all bands: ``period**2`` times the error of the
    frequency that the search's weighted sinusoid fit gives (``use_errors``: the search's
    setting), the bands joined as the search joins them
    (:func:`~lcformer.data.views.frequency_errors`). On simulated stars, sawtooth-shaped,
    with error bars that vary and eclipses, the searched periods scatter by it (the tests).
    It is the noise's error at the peak found, not the chance of an alias (``period_2``,
    ``power_2``)."""
    curves, star = _curves_of(cleaned, ids)
    return period ** 2 * frequency_errors(curves, period[star], use_errors, star, len(ids))


def star_extrema(cleaned: LightCurves, ids: np.ndarray, period: np.ndarray,
                 bands: Sequence[str]) -> pd.DataFrame:
    """Each star's fold's extremes (``ids``, folded at ``period``; one row each; NaN and "":
    none): the fit's amplitude in each of the model's ``bands`` (``amplitude_<band>``,
    :func:`band_column`), and the epochs, :data:`EPOCH_COLUMNS` and ``epoch_band``, from the
    star's cleaned curve in the band whose epochs are the surest (of those with both, else
    with one: the least ``epoch_max_err + epoch_min_err``; on a tie the first of the
    model's ``bands``): one band, as a catalogue gives one epoch, and not the bluest by
    rule, which may hold a tenth of the points of the reddest
    (:func:`~lcformer.data.views.fold_extrema`). They are put in the cycle nearest the
    middle of the star's span (all its cleaned curves), where the period's error matters
    least."""
    curves, star = _curves_of(cleaned, ids)
    times = pd.Series(curves.time).groupby(np.repeat(star, curves.lengths))
    middle = (0.5 * (times.min() + times.max())).reindex(range(len(ids))).to_numpy()
    found = fold_extrema(curves, period[star], middle[star])
    rank = pd.Index(list(bands), dtype=object).get_indexer(
        pd.Index(curves.bands, dtype=object))
    rank = np.where(rank < 0, len(bands), rank)
    errors = found[["epoch_max_err", "epoch_min_err"]].to_numpy()
    count = np.isfinite(errors).sum(1)  # a band with both epochs before one with one
    doubt = np.nansum(errors, axis=1)
    fitted = np.flatnonzero(count > 0)
    fitted = fitted[np.lexsort((rank[fitted], doubt[fitted], -count[fitted], star[fitted]))]
    first = fitted[np.unique(star[fitted], return_index=True)[1]]  # each star's surest band
    out = pd.DataFrame(np.nan, index=pd.RangeIndex(len(ids)), columns=list(EPOCH_COLUMNS))
    out.iloc[star[first]] = found[list(EPOCH_COLUMNS)].iloc[first].to_numpy()
    out[EPOCH_BAND] = ""
    out.loc[star[first], EPOCH_BAND] = np.asarray(curves.bands, dtype=object)[first]
    curve_band = np.asarray(curves.bands, dtype=object)
    amplitude = found["amplitude"].to_numpy()
    for band in bands:  # (a star has one curve a band)
        column = np.full(len(ids), np.nan)
        mine = curve_band == band
        column[star[mine]] = amplitude[mine]
        out[band_column("amplitude", band)] = column
    return out


def in_model_bands(lcs: LightCurves, bands: list[str], report: DropReport,
                   given: LightCurves | None = None
                   ) -> tuple[LightCurves, dict[str, tuple[str, ...]]]:
    """The curves of ``lcs`` (cleaned) in bands the model knows, and the stars left with none,
    with the bands of their curves in the input ``given`` (default: ``lcs``), for their reason.

    Star views give each band its own channel and scalars, so a curve in a band the model never
    saw would be classified without them, and wrongly. The rule, for a model of one band (its
    name is "" when its training data named none, as ASAS's V):

    * a curve in the model's band is used;
    * a star's only curve in the input is used as the model's band when one of the two names
      is missing: a curve without a band name (a per-star file, a table without a band
      column) for a model of band V, or a curve in B for a band-less model (counted as
      ``curves_taken_in_the_model's_band``);
    * nothing else is guessed: two named bands that differ are different (a curve in B is
      never used as V), and a star with several curves, none in the model's band, gets no
      prediction (which would be the model's is not known): its curves are counted as
      ``band_not_guessed`` (a name missing) or ``band_the_model_lacks``, and the star is
      listed with its bands. Whether a star counts as one curve is decided on the input, not
      on what cleaning left, so that a prediction never rests on a guess cleaning made.

    A model of several bands uses only the curves of its bands; ``bands`` empty (a window
    model trained on every band) reads every band alike. A star whose curve in the model's
    band cleaning emptied is not listed here: it is "no usable points after cleaning"."""
    if not bands:
        return lcs, {}
    given = lcs if given is None else given
    curves = pd.Series(given.ids, dtype=object).value_counts()  # per star, in the input
    names, taken, unsure = _as_model_band(lcs, bands, curves)
    report.note("curves_taken_in_the_model's_band", int(taken.sum()))
    known = np.isin(names.astype(str), bands)
    if taken.any():
        lcs = dataclasses.replace(lcs, bands=names)
    if not known.all():
        report.drop_curves("band_not_guessed", int(np.count_nonzero(unsure)))
        lacks = ~known & ~unsure
        report.drop_curves("band_the_model_lacks", int(np.count_nonzero(lacks)))
        # Said where the star is classified on its other curves (a star left with none is
        # listed with its reason), as a star's z curve beside its V, in Python too.
        ids = pd.Index(lcs.ids, dtype=object)  # (a hash table: np.isin of text is quadratic)
        beside = lacks & ids.isin(ids[known])
        if beside.any():
            other = sorted({str(b) for b in names[beside]})
            warnings.warn(f"curves in band(s) {', '.join(other)}, which the model does not "
                          f"know (its bands: {', '.join(bands)}), are not used "
                          f"(band_the_model_lacks): if they are its bands under other names, "
                          f"rename them (--band-names, or ReadConfig(band_names=...) in "
                          f"Python)", LcformerWarning, stacklevel=3)
        lcs = lcs.select(np.flatnonzero(known))
    input_names = _as_model_band(given, bands, curves)[0]
    usable = np.isin(input_names.astype(str), bands)
    if usable.all():
        return lcs, {}
    ids = pd.Index(given.ids, dtype=object)
    lost = ~ids.isin(ids[usable])  # stars with no curve usable as the model's band
    by_star = pd.Series(np.asarray(given.bands, dtype=object)[lost], index=ids[lost])
    return lcs, {star: tuple(sorted(group.tolist()))
                 for star, group in by_star.groupby(level=0, sort=False)}


def _as_model_band(lcs: LightCurves, bands: list[str], curves: pd.Series
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The band names of ``lcs`` with the curves taken in the model's band renamed to it, the
    curves taken, and those that might be in it but are not guessed at (a name missing, the
    star with several curves: ``curves`` per star in the input); the rule of
    :func:`in_model_bands`."""
    names = np.asarray(lcs.bands, dtype=object)
    if len(bands) != 1 or lcs.n_curves == 0:
        none = np.zeros(len(names), bool)
        return names, none, none
    alone = pd.Series(lcs.ids, dtype=object).map(curves).to_numpy() == 1
    nameless = ((names == "") | (bands[0] == "")) & (names != bands[0])
    taken = alone & nameless
    return np.where(taken, bands[0], names), taken, ~alone & nameless


def band_label(name: str) -> str:
    """A band's name as a reason prints it: an empty one readably, not as ''."""
    return name if name else "(no band named)"


def foreign_reason(model_bands: Collection[str], star_bands: Sequence[str] = ()) -> str:
    """Why a star with no curve in the model's bands (``star_bands``: those it has) has no
    prediction, and what the user can do about it (the rule of :func:`in_model_bands`)."""
    bands = list(model_bands)
    has = ", ".join(band_label(b) for b in star_bands)
    if len(bands) == 1 and len(star_bands) > 1 and any(
            b == "" or bands[0] == "" for b in star_bands):  # several curves: not guessed
        if bands[0] == "":
            return (f"no curve in the model's band (the model has one band without a name, "
                    f"as one trained on ASAS V data; this star has {has}, and which is the "
                    f"model's is not guessed: give one band's rows only, or that band's rows "
                    f"without a band name)")
        return (f"no curve in the model's band {bands[0]} (this star has {has}, and which is "
                f"the model's is not guessed: give one band's rows only, or name its band "
                f"{bands[0]})")
    known = ", ".join(band_label(b) for b in bands)
    this = f"; this star has {has}" if has else ""
    example = "zg=g,zr=r"
    if list(star_bands) == [""] and (named := [f"={b}" for b in bands if b]):
        example = (named[0] + (f" (or {', '.join(named[1:])})" if named[1:] else "")
                   + " names the curves read without a band")
    return (f"no curve in a band the model knows ({known}{this}; a band column of a table "
            f"or of a star's file, or a per-star catalogue, names them: a band that is one of "
            f"the model's filters under another name, as ZTF's zg or fid 1 for g, is renamed "
            f"with --band-names, e.g. --band-names {example})")


def _empty_table(metadata: dict[str, Any], config: PrepareConfig) -> pd.DataFrame:
    columns = ["id", "predicted", "probability", *map(probability_column, metadata["classes"]),
               *COUNT_COLUMNS,
               *((*PERIOD_COLUMNS, *EPOCH_COLUMNS, EPOCH_BAND) if config.inputs == "stars"
                 else ()),
               *band_columns(metadata), "flag", "other_flags",
               *((SEEN,) if fingerprints_of(metadata) is not None else ())]
    text = ("id", "predicted", EPOCH_BAND, "flag", "other_flags")
    return pd.DataFrame({c: pd.Series(dtype=object if c in text else
                                      np.int64 if c in COUNT_COLUMNS else
                                      bool if c == SEEN else np.float64)
                         for c in columns})


def model_prepare_config(metadata: dict[str, Any]) -> PrepareConfig:
    """The preparation a model was trained with (lcformer 0.1.0 stored tokens and cleaning)."""
    if "prepare" in metadata:
        return PrepareConfig.from_dict(metadata["prepare"])
    return PrepareConfig(tokens=TokenConfig.from_dict(metadata["tokens"]),
                         cleaning=CleaningConfig.from_dict(metadata["cleaning"]))


def unclassified_stars(raw: LightCurves, cleaned: LightCurves,
                       classified: Collection[str] | np.ndarray,
                       config: PrepareConfig,
                       foreign: Mapping[str, Sequence[str]] | Collection[str] = (),
                       bands: Collection[str] = ()) -> pd.DataFrame:
    """Every star of the input without a prediction, and why (in input order), as the model's
    preparation (``config``) cleans and cuts. ``foreign``: stars left with no curve in the
    model's ``bands`` (:func:`in_model_bands`), with the bands they have where known."""
    tokens, least = config.tokens, config.cleaning.min_points
    stars = pd.Index(pd.unique(pd.Series(raw.ids, dtype=object)), dtype=object)
    missing = stars[~stars.isin(list(classified))].to_numpy(dtype=object)
    if not len(missing):
        return pd.DataFrame({"id": pd.Series(dtype=object), "reason": pd.Series(dtype=object)})
    longest = (pd.Series(cleaned.lengths - 1, index=pd.Index(cleaned.ids, dtype=object))
               .groupby(level=0).max().reindex(missing).to_numpy())
    read = (pd.Series(raw.lengths, index=pd.Index(raw.ids, dtype=object))
            .groupby(level=0).sum().reindex(missing).to_numpy())
    reasons = []
    for star, pairs, points in zip(missing, longest, read, strict=True):
        if star in foreign:
            has = foreign[star] if isinstance(foreign, Mapping) else ()
            reasons.append(foreign_reason(bands, has))
        elif points == 0:
            reasons.append("no point read (every row flagged, its fluxes no data or at or "
                           "below zero, or none in the input)")
        elif not pairs >= 0:  # NaN: the star is not in the cleaned curves
            reasons.append(f"no usable points after cleaning (fewer than {least} left in "
                           f"any band)")
        elif tokens.pad_short or pairs < tokens.token_size:
            reasons.append(f"too short for one token: {int(pairs)} (dt, dm) pairs < "
                           f"w={tokens.token_size}")
        else:
            reasons.append(f"shorter than one window: {int(pairs)} (dt, dm) pairs < "
                           f"W={tokens.window} (try --pad-short)")
    return pd.DataFrame({"id": missing, "reason": np.asarray(reasons, dtype=object)})


def all_stars_table(result: Predictions, ids: np.ndarray) -> pd.DataFrame:
    """One row per star of ``ids``, in that order (the input's stars, in input order, for an
    output file): the classified ones as in ``result.table``, the others with an empty
    ``predicted``, NaN probabilities and the ``reason``; ``reason`` is "" for classified
    stars. The layout of partitioned and Dask predictions, where one table per partition
    must hold every star, and the stars a score against the input's labels reads."""
    table = result.table.assign(reason="")
    rest = result.unclassified.assign(predicted="", flag="", other_flags="",
                                      **dict.fromkeys(COUNT_COLUMNS, 0),
                                      **dict.fromkeys([SEEN] if SEEN in table else [], False))
    both = pd.concat([table, rest], ignore_index=True) if len(rest) else table
    position = pd.Index(both["id"].astype(object)).get_indexer(pd.Index(ids, dtype=object))
    return both.iloc[position[position >= 0]].reset_index(drop=True)


def with_input_labels(table: pd.DataFrame, lcs: LightCurves) -> pd.DataFrame:
    """``table`` (one row per star of ``lcs``, an ``id`` column) with the input's own ``label``
    of each star where the input has labels, and its ``split`` where it has splits ("" for a
    star without one): the columns a score against the input's labels reads
    (:mod:`lcformer.evaluation.scoring`), and that predictions files carry. A new table;
    ``table`` is left as it is."""
    if lcs.labels is None and lcs.splits is None:
        return table
    every = lcs.star_table().set_index("id")
    return table.assign(**{column: table["id"].map(every[column]).fillna("").astype(str)
                           for column in ("label", "split") if column in every})
