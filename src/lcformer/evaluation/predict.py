"""Classify new stars with a trained model, using exactly the preprocessing stored with it.

The model's metadata carries its cleaning and token configuration, so new light curves go
through the same steps as the training data. Stars that cannot be classified (nothing left after
cleaning, or too short for one window) are listed with the reason, never silently left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError
from lcformer.evaluation.metrics import star_probabilities, window_probabilities
from lcformer.models import LightCurveClassifier
from lcformer.training.loop import pick_device


@dataclass
class Predictions:
    table: pd.DataFrame  # one row per classified star: id, predicted, p_<class>..., n_windows
    unclassified: pd.DataFrame  # id, reason
    report: DropReport  # points and curves dropped by reason

    @property
    def classes(self) -> list[str]:
        return [c[2:] for c in self.table.columns if c.startswith("p_")]


def predict_stars(model: LightCurveClassifier, metadata: dict[str, Any], lcs: LightCurves,
                  device: str = "auto", batch_size: int = 512,
                  pad_short: bool | None = None) -> Predictions:
    """Star-level predictions for every star in ``lcs`` (labels, if any, are ignored).

    ``pad_short`` overrides the model's token setting for stars shorter than one window (the
    model saw only full windows in training, so such predictions are less certain).
    """
    classes = list(metadata["classes"])
    config = model_prepare_config(metadata)
    if pad_short is not None:
        config = config.replace(tokens=config.tokens.replace(pad_short=pad_short))
    report = DropReport()
    cleaned, report = clean(lcs, config.cleaning, report)
    info = SampleInfo(list(metadata.get("bands", [])), list(metadata.get("extra_names", [])),
                      None)
    samples, info = make_samples(cleaned, config, report, info=info)

    target = pick_device(device)
    model.to(target)
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
    if info.periods is not None:  # what the star views were folded at
        found = info.periods.set_index("id").reindex(table["id"])
        table["period"] = found["period"].to_numpy()
        table["power"] = found["power"].to_numpy()
    return Predictions(table, unclassified_stars(lcs, cleaned, set(star_ids), config.tokens),
                       report)


def model_prepare_config(metadata: dict[str, Any]) -> PrepareConfig:
    """The preparation a model was trained with (lcformer 0.1.0 stored tokens and cleaning)."""
    if "prepare" in metadata:
        return PrepareConfig.from_dict(metadata["prepare"])
    return PrepareConfig(tokens=TokenConfig.from_dict(metadata["tokens"]),
                         cleaning=CleaningConfig.from_dict(metadata["cleaning"]))


def unclassified_stars(raw: LightCurves, cleaned: LightCurves, classified: set[str],
                       tokens: TokenConfig) -> pd.DataFrame:
    """Every star of the input without a prediction, and why."""
    kept = set(cleaned.ids.tolist())
    rows = []
    for star in dict.fromkeys(raw.ids.tolist()):  # input order, once per star
        if star in classified:
            continue
        if star not in kept:
            reason = "no usable points after cleaning (fewer than 2 left)"
        else:
            longest = int(cleaned.lengths[cleaned.ids == star].max()) - 1
            if tokens.pad_short or longest < tokens.token_size:
                reason = (f"too short for one token: {longest} (dt, dm) pairs < "
                          f"w={tokens.token_size}")
            else:
                reason = (f"shorter than one window: {longest} (dt, dm) pairs < "
                          f"W={tokens.window} (try --pad-short)")
        rows.append({"id": star, "reason": reason})
    return pd.DataFrame(rows, columns=["id", "reason"])


TABLE_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json"}


def write_table(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table atomically in the format its extension names (csv, parquet, json)."""
    kind = TABLE_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ConfigError(f"{path}: unknown output format {path.suffix!r}; use "
                          f"{', '.join(TABLE_FORMATS)}")
    with atomic.temporary_path(path) as tmp:
        if kind == "csv":
            frame.to_csv(tmp, index=False)
        elif kind == "parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_json(tmp, orient="records", indent=1)
    return path


def write_predictions(result: Predictions, out: Path) -> Path | None:
    """The predictions to ``out``; stars that could not be classified to
    ``<out>_unclassified<ext>`` (returned, or None when every star was classified)."""
    write_table(result.table, out)
    if not len(result.unclassified):
        return None
    return write_table(result.unclassified, out.with_name(out.stem + "_unclassified" + out.suffix))
