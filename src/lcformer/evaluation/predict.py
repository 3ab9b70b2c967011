"""Classify new stars with a trained model, using exactly the preprocessing stored with it.

The model's metadata carries its cleaning and token configuration, so new light curves go
through the same steps as the training data. Stars that cannot be classified (nothing left after
cleaning, too short for one window, or no curve in a band the model knows) are listed with the
reason, never silently left out. A curve without a band name is taken to be in the band of a
one-band model (:func:`in_model_bands`).
Stars that are classified on too little signal (too few points, a constant magnitude, no
significant period) keep their probabilities but get a ``flag`` (:class:`FlagConfig`), so a
confident-looking label on noise is never silent.

Stars are processed in chunks of ``chunk_stars``, which bounds the memory of the model inputs
whatever the size of the input; a star's prediction does not depend on its neighbours.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig
from lcformer.data.reading.config import ReadConfig
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError
from lcformer.evaluation.flags import FlagConfig, signal_flags
from lcformer.evaluation.metrics import star_probabilities, window_probabilities
from lcformer.models import LightCurveClassifier
from lcformer.training.loop import pick_device

#: Stars per chunk: the star views of 5,000 stars take about 50 MB (256 points x 9 channels).
CHUNK_STARS = 5_000
#: The period search's columns that star-model predictions carry.
PERIOD_COLUMNS = ("period", "power", "fap")


@dataclass
class Predictions:
    # one row per classified star: id, predicted, probability, p_<class>..., n_windows,
    # [period, power, fap of star models], flag
    table: pd.DataFrame
    unclassified: pd.DataFrame  # id, reason
    report: DropReport  # points and curves dropped by reason

    @property
    def classes(self) -> list[str]:
        return [c[2:] for c in self.table.columns if c.startswith("p_")]

    @property
    def flag_counts(self) -> Counter[str]:
        """Classified stars per flag (flagged ones only)."""
        if "flag" not in self.table:
            return Counter()
        return Counter(f for f in self.table["flag"].tolist() if f)


def predict_stars(model: LightCurveClassifier, metadata: dict[str, Any], lcs: LightCurves,
                  device: str = "auto", batch_size: int = 512,
                  pad_short: bool | None = None, flags: FlagConfig | None = None,
                  chunk_stars: int = CHUNK_STARS, n_jobs: int = 1,
                  progress: bool = False) -> Predictions:
    """Star-level predictions for every star in ``lcs`` (labels, if any, are ignored).

    ``pad_short`` overrides the model's token setting for stars shorter than one window (the
    model saw only full windows in training, so such predictions are less certain).
    ``progress``: a bar over stars, with stars/s. ``n_jobs``: threads of the period search.
    """
    if chunk_stars < 1:
        raise ConfigError(f"chunk_stars must be at least 1, got {chunk_stars}")
    config = model_prepare_config(metadata)
    if pad_short is not None:
        config = config.replace(tokens=config.tokens.replace(pad_short=pad_short))
    flags = flags or FlagConfig()
    target = pick_device(device)
    model.to(target)
    star_code, _ = pd.factorize(pd.Series(lcs.ids, dtype=object), sort=False)
    n_stars = int(star_code.max()) + 1 if len(star_code) else 0
    chunks = _star_chunks(lcs, star_code, n_stars, chunk_stars)

    from tqdm.auto import tqdm

    tables, skipped, report = [], [], DropReport()
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
    chunk = star_code // chunk_stars
    order = np.argsort(chunk, kind="stable")
    bounds = np.searchsorted(chunk[order], np.arange(int(chunk.max()) + 2))
    return [lcs.select(order[bounds[i]:bounds[i + 1]]) for i in range(len(bounds) - 1)]


def _predict_chunk(model: LightCurveClassifier, metadata: dict[str, Any], lcs: LightCurves,
                   config: PrepareConfig, flags: FlagConfig, target: Any, batch_size: int,
                   n_jobs: int, report: DropReport) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(predictions, unclassified stars) of the stars of ``lcs``."""
    classes = list(metadata["classes"])
    bands = list(metadata.get("bands", []))
    cleaned, report = clean(lcs, config.cleaning, report)
    cleaned, foreign = in_model_bands(cleaned, bands, report)
    if cleaned.n_curves == 0:  # nothing to make samples of
        return _empty_table(metadata, config), unclassified_stars(
            lcs, cleaned, [], config, foreign, bands)
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
        table[f"p_{cls}"] = star_probs[:, i]
    table["n_windows"] = np.bincount(star_codes, minlength=len(star_ids))
    if config.inputs == "stars":  # what the star views were folded at
        assert info.periods is not None
        found = info.periods.set_index("id").reindex(table["id"])
        for column in PERIOD_COLUMNS:
            table[column] = found[column].to_numpy(dtype=np.float64)
    table["flag"] = signal_flags(cleaned, table["id"].to_numpy(dtype=object),
                                 table["fap"].to_numpy() if "fap" in table else None, flags)
    return table, unclassified_stars(lcs, cleaned, table["id"].to_numpy(dtype=object),
                                     config, foreign, bands)


def in_model_bands(lcs: LightCurves, bands: list[str],
                   report: DropReport) -> tuple[LightCurves, set[str]]:
    """The curves in bands the model knows, and the stars left with none.

    Star views give each band its own channel and scalars, so a curve in a band the model never
    saw would be classified without them, and wrongly: such curves are dropped and counted. A
    curve without a band name (a per-star file, a table without a band column) of a star with
    one curve is taken to be in the band of a one-band model, and the other way round; that is
    counted too. Window models (``bands`` empty) read every band alike."""
    if not bands or lcs.n_curves == 0:
        return lcs, set()
    names = np.asarray(lcs.bands, dtype=object)
    if len(bands) == 1:
        ids = pd.Series(lcs.ids, dtype=object)
        alone = ~ids.duplicated(keep=False).to_numpy()
        unnamed = (names == "") if bands[0] != "" else np.ones(len(names), bool)
        taken = alone & unnamed & (names != bands[0])
        if taken.any():
            report.note("curves_taken_in_the_model's_band", int(taken.sum()))
            names = np.where(taken, bands[0], names)
            lcs = dataclasses.replace(lcs, bands=names)
    known = np.isin(names.astype(str), bands)
    if known.all():
        return lcs, set()
    report.drop_curves("band_the_model_lacks", int(np.count_nonzero(~known)))
    kept = lcs.select(np.flatnonzero(known))
    foreign = set(lcs.ids[~known].tolist()) - set(kept.ids.tolist())
    return kept, foreign


def _empty_table(metadata: dict[str, Any], config: PrepareConfig) -> pd.DataFrame:
    columns = ["id", "predicted", "probability", *(f"p_{c}" for c in metadata["classes"]),
               "n_windows", *(PERIOD_COLUMNS if config.inputs == "stars" else ()), "flag"]
    return pd.DataFrame({c: pd.Series(dtype=object if c in ("id", "predicted", "flag") else
                                      np.int64 if c == "n_windows" else np.float64)
                         for c in columns})


def model_prepare_config(metadata: dict[str, Any]) -> PrepareConfig:
    """The preparation a model was trained with (lcformer 0.1.0 stored tokens and cleaning)."""
    if "prepare" in metadata:
        return PrepareConfig.from_dict(metadata["prepare"])
    return PrepareConfig(tokens=TokenConfig.from_dict(metadata["tokens"]),
                         cleaning=CleaningConfig.from_dict(metadata["cleaning"]))


def trained_reading(metadata: dict[str, Any]) -> ReadConfig:
    """How the model's training tables were read (column names, fluxes and zero point): the
    default for reading new stars, so that the model sees the magnitudes it learnt from."""
    return model_prepare_config(metadata).reading


def unclassified_stars(raw: LightCurves, cleaned: LightCurves,
                       classified: Collection[str] | np.ndarray,
                       config: PrepareConfig, foreign: Collection[str] = (),
                       bands: Collection[str] = ()) -> pd.DataFrame:
    """Every star of the input without a prediction, and why (in input order), as the model's
    preparation (``config``) cleans and cuts. ``foreign``: stars whose every curve is in a
    band the model lacks (its ``bands``)."""
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
    model_bands = ", ".join(repr(b) for b in bands)
    for star, pairs, points in zip(missing, longest, read, strict=True):
        if star in foreign:
            reasons.append(f"no curve in a band the model knows ({model_bands}; a table's "
                           f"band column or a per-star catalogue's names them)")
        elif points == 0:
            reasons.append("no point read (every row flagged, or none in the input)")
        elif not pairs >= 0:  # NaN: the star is not in the cleaned curves
            reasons.append(f"no usable points after cleaning (fewer than {least} left)")
        elif tokens.pad_short or pairs < tokens.token_size:
            reasons.append(f"too short for one token: {int(pairs)} (dt, dm) pairs < "
                           f"w={tokens.token_size}")
        else:
            reasons.append(f"shorter than one window: {int(pairs)} (dt, dm) pairs < "
                           f"W={tokens.window} (try --pad-short)")
    return pd.DataFrame({"id": missing, "reason": np.asarray(reasons, dtype=object)})


def all_stars_table(result: Predictions, ids: np.ndarray) -> pd.DataFrame:
    """One row per star of ``ids`` (the input's stars, in input order): the classified ones as
    in ``result.table``, the others with an empty ``predicted``, NaN probabilities and the
    ``reason``; ``reason`` is "" for classified stars. The layout of partitioned and Dask
    predictions, where one table per partition must hold every star."""
    table = result.table.assign(reason="")
    rest = result.unclassified.assign(predicted="", flag="", n_windows=0)
    both = pd.concat([table, rest], ignore_index=True) if len(rest) else table
    position = pd.Index(both["id"].astype(object)).get_indexer(pd.Index(ids, dtype=object))
    return both.iloc[position[position >= 0]].reset_index(drop=True)


TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def check_table_path(path: Path) -> str:
    """The format ``path``'s extension names, or a ConfigError, and a folder it can be
    written in (made if missing), before any work is done: not lost predictions after it."""
    kind = TABLE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"{path}: unknown output format {path.suffix or '(no extension)'!r}; "
                          f"use {', '.join(TABLE_FORMATS)}")
    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ConfigError(f"{path}: cannot make its folder ({error.strerror or error}); "
                          f"give --out a path you can write to") from None
    if not os.access(folder, os.W_OK):
        raise ConfigError(f"{path}: its folder cannot be written; give --out a path you can "
                          f"write to")
    return kind


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table atomically in the format its extension names (csv, parquet, json)."""
    kind = check_table_path(path)
    with atomic.temporary_path(path) as tmp:
        if kind == "csv":
            frame.to_csv(tmp, index=False)
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            # json, not pandas' to_json: that rounds to decimal places (1e-8 -> 0.00000001)
            records = frame.astype(object).where(frame.notna(), None).to_dict("records")
            tmp.write_text(json.dumps(records, indent=1, allow_nan=False))
    return path


def write_predictions(result: Predictions, out: Path) -> Path | None:
    """The predictions to ``out``; stars that could not be classified to
    ``<out>_unclassified<ext>`` (returned, or None when every star was classified)."""
    write_table(result.table, out)
    if not len(result.unclassified):
        unclassified_path(out).unlink(missing_ok=True)  # an earlier run's, not this one's
        return None
    return write_unclassified(result, out)


def unclassified_path(out: Path) -> Path:
    return out.with_name(out.stem + "_unclassified" + out.suffix)


def write_unclassified(result: Predictions, out: Path) -> Path:
    """The stars without a prediction, and why, beside ``out``."""
    return write_table(result.unclassified, unclassified_path(out))
