"""A scikit-learn style classifier over :class:`~lcformer.data.lightcurves.LightCurves`.

>>> clf = Classifier("encoder", epochs=20).fit(train_curves)       # doctest: +SKIP
>>> clf.predict(new_curves)                                         # doctest: +SKIP

Samples are *stars*: ``predict`` and ``predict_proba`` return one row per star, in the order the
stars first appear in the input (``star_ids(curves)``). A star that cannot be classified gets
the class ``""`` and a row of NaN probabilities; ``predict_table`` says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from lcformer import __version__
from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, filter_labels
from lcformer.data.report import DropReport
from lcformer.data.splits import carve_validation
from lcformer.data.tokens import TokenConfig, make_windows
from lcformer.evaluation.predict import Predictions, predict_stars
from lcformer.models import LightCurveClassifier, ModelConfig, model_from_config
from lcformer.training.checkpoints import save_checkpoint
from lcformer.training.loop import TrainConfig, TrainResult, WindowSet, train
from lcformer.training.runs import load_model


def star_ids(lcs: LightCurves) -> np.ndarray:
    """Star ids in order of first appearance: the row order of predictions."""
    return np.array(list(dict.fromkeys(lcs.ids.tolist())), dtype=object)


class Classifier:
    """Train one of the registered models on light curves and classify new stars."""

    def __init__(self, model: str = "encoder", *, tokens: TokenConfig | None = None,
                 cleaning: CleaningConfig | None = None, epochs: int = 30,
                 train_config: TrainConfig | None = None, val_fraction: float = 0.1,
                 seed: int = 0, progress: bool = False, **model_options: Any) -> None:
        self.model_name = model
        self.tokens = tokens or TokenConfig()
        self.cleaning = cleaning or CleaningConfig()
        self.train_config = train_config or TrainConfig(epochs=epochs, seed=seed)
        self.val_fraction = val_fraction
        self.seed = seed
        self.progress = progress
        self.model_options = model_options
        self.model_: LightCurveClassifier | None = None
        self.metadata_: dict[str, Any] = {}
        self.history_: TrainResult | None = None
        self.report_: DropReport | None = None

    @property
    def classes_(self) -> list[str]:
        return list(self.metadata_.get("classes", []))

    def fit(self, lcs: LightCurves, y: np.ndarray | None = None) -> Classifier:
        """Fit on labelled curves (``lcs.labels``, or ``y`` with one label per curve)."""
        if y is not None:
            lcs = lcs.with_labels(np.asarray(y))
        if lcs.labels is None:
            raise ValueError("fit needs labels: LightCurves.labels or y")
        cleaned, report = clean(lcs, self.cleaning)
        cleaned = filter_labels(cleaned, PrepareConfig(tokens=self.tokens), report)
        windows, report = make_windows(cleaned, self.tokens, report)
        self.report_ = report
        if len(windows) == 0:
            raise ValueError(f"no light curve gave a window of {self.tokens.window} pairs:\n"
                             f"{report}")

        window_labels = cleaned.labels[windows.curve]
        classes = sorted(set(window_labels.tolist()))
        label_index = {c: i for i, c in enumerate(classes)}
        y_window = np.array([label_index[c] for c in window_labels], dtype=np.int64)
        star_code, stars = pd.factorize(pd.Series(cleaned.ids[windows.curve], dtype=object))
        star_label = np.zeros(len(stars), dtype=np.int64)
        star_label[star_code] = y_window
        parts = carve_validation(star_label, self.val_fraction, self.seed)
        sets = {
            part: WindowSet(windows.tokens[rows], windows.mask[rows], y_window[rows],
                            star_code[rows])
            for part in ("train", "val")
            for rows in [parts[star_code] == part]
        }

        config = ModelConfig(name=self.model_name, n_classes=len(classes),
                             n_features=self.tokens.n_features,
                             max_tokens=max(512, self.tokens.n_tokens), **self.model_options)
        torch.manual_seed(self.seed)
        model = model_from_config(config)
        self.metadata_ = {
            "lcformer_version": __version__,
            "model": config.to_dict(),
            "classes": classes,
            "tokens": self.tokens.to_dict(),
            "cleaning": self.cleaning.to_dict(),
            "dataset": "python-api",
            "train": self.train_config.to_dict(),
        }
        self.history_ = train(model, sets["train"], sets["val"] if len(sets["val"]) else None,
                              classes, self.train_config, progress=self.progress)
        self.model_ = model.eval()
        return self

    def _check_fitted(self) -> LightCurveClassifier:
        if self.model_ is None:
            raise RuntimeError("this Classifier is not fitted yet: call fit or load first")
        return self.model_

    def predict_table(self, lcs: LightCurves) -> Predictions:
        """Predictions with per-class probabilities, unclassified stars and the drop report."""
        return predict_stars(self._check_fitted(), self.metadata_, lcs,
                             device=self.train_config.device)

    def predict_proba(self, lcs: LightCurves) -> np.ndarray:
        result = self.predict_table(lcs)
        table = result.table.set_index("id").reindex(star_ids(lcs))
        return table[[f"p_{c}" for c in self.classes_]].to_numpy(dtype=np.float64)

    def predict(self, lcs: LightCurves) -> np.ndarray:
        proba = self.predict_proba(lcs)
        out = np.full(len(proba), "", dtype=object)
        known = ~np.isnan(proba).any(axis=1)
        out[known] = np.array(self.classes_, dtype=object)[proba[known].argmax(1)]
        return out

    def save(self, folder: str | Path) -> Path:
        """Write ``best.safetensors`` (+ readable JSON), loadable by ``load`` and the CLI."""
        folder = Path(folder)
        save_checkpoint(folder / "best.safetensors", self._check_fitted(), self.metadata_)
        return folder

    @classmethod
    def load(cls, folder: str | Path, which: str = "best") -> Classifier:
        """Load from a folder written by ``save`` or by ``lcformer train`` (a run folder)."""
        model, metadata = load_model(folder, which)
        clf = cls(metadata["model"]["name"], tokens=TokenConfig.from_dict(metadata["tokens"]),
                  cleaning=CleaningConfig.from_dict(metadata["cleaning"]))
        clf.model_, clf.metadata_ = model, metadata
        return clf
