"""A scikit-learn estimator over light curves.

>>> clf = Classifier("encoder", epochs=20).fit(train_curves)       # doctest: +SKIP
>>> clf.predict(new_curves)                                         # doctest: +SKIP

Samples are *stars*: ``predict`` and ``predict_proba`` return one row per star, in the order the
stars first appear in the input (``star_ids(curves)``). A star that cannot be classified gets
the class ``""`` and a row of NaN probabilities; ``predict_table`` says why. Inputs may be a
:class:`LightCurves`, a pandas DataFrame (one row per point) or an astropy table; for
scikit-learn's splitters, wrap the curves as :class:`StarSamples` (one sample per star).

Parameters are stored as given and checked in ``fit`` (as scikit-learn requires, so that
``clone``, ``get_params``/``set_params``, ``Pipeline`` and ``cross_val_score`` work). Settings
come from the same config dataclasses as the CLI's; ``epochs`` and ``seed`` are shortcuts
that, when given, replace those of ``train``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.exceptions import NotFittedError

from lcformer.config import Config
from lcformer.data.cleaning import CleaningConfig
from lcformer.data.lightcurves import LightCurves, ragged_ranges
from lcformer.data.periods import PeriodConfig
from lcformer.data.prepared import PrepareConfig, build
from lcformer.data.reading.band_names import rename_bands
from lcformer.data.reading.config import Columns
from lcformer.data.reading.flux import FLUX_UNIT, refuse_fluxes
from lcformer.data.report import DropReport
from lcformer.data.splits import UNTRAINED, VAL_FRACTION, carve_validation
from lcformer.data.tokens import TokenConfig
from lcformer.data.views import ViewConfig
from lcformer.errors import ConfigError, InputError, LcformerWarning, NothingToTrainError
from lcformer.evaluation.flags import unlike_reasons
from lcformer.evaluation.new_star_reading import older_readers
from lcformer.evaluation.predict import (
    SEEN,
    Predictions,
    model_prepare_config,
    predict_stars,
    probability_column,
)
from lcformer.hardware import pick_device
from lcformer.models import ModelConfig
from lcformer.models.config import DATA_SIZES
from lcformer.models.registry import MODEL_NAMES, model_inputs
from lcformer.training.checkpoints import save_checkpoint
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.fitting import check_trainable, fit
from lcformer.training.loop import TrainResult
from lcformer.training.run_folder import BEST_FILE, DEFAULT_CHECKPOINT, Checkpoint, load_model

if TYPE_CHECKING:
    from lcformer.models.registry import Model


def star_ids(data: Any) -> np.ndarray:
    """Star ids in order of first appearance: the row order of predictions (``data``: what
    ``fit`` and ``predict`` take)."""
    lcs = data if isinstance(data, LightCurves) else as_light_curves(data)
    return np.array(pd.unique(lcs.ids), dtype=object)


class StarSamples(Sequence[LightCurves]):
    """Light curves as a sequence of stars, one sample each: what scikit-learn's splitters
    (``cross_val_score``, ``train_test_split``) index. ``samples[i]`` is star i's curves."""

    def __init__(self, lcs: Any) -> None:
        """``lcs``: light curves, or anything ``fit`` reads (a DataFrame of points too)."""
        if not isinstance(lcs, LightCurves):
            lcs = as_light_curves(lcs, DropReport())
        self.lcs = lcs
        codes, self.ids = lcs.star_codes()
        order = np.argsort(codes, kind="stable")
        self._first = np.searchsorted(codes[order], np.arange(len(self.ids)))
        self._count = np.bincount(codes, minlength=len(self.ids))
        self._order = order

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return self.lcs.select(self._curves(np.arange(len(self))[index]))
        if np.ndim(index) == 0:
            return self.lcs.select(self._curves(np.array([int(index)])))
        index = np.arange(len(self))[np.asarray(index, dtype=None if len(index) else int)]
        # (positions, from a mask too; [] is no star, not a float index)
        if len(np.unique(index)) < len(index):  # one star's curves twice would be one star
            raise ConfigError("StarSamples: a star is taken twice (sampling with replacement, "
                              "as a bootstrap does): its curves would be read as one star, "
                              "one prediction; sample stars without replacement")
        return self.lcs.select(self._curves(index))

    def _curves(self, stars: np.ndarray) -> np.ndarray:
        return self._order[ragged_ranges(self._first[stars], self._count[stars])]


def as_light_curves(data: Any, report: DropReport | None = None) -> LightCurves:
    """LightCurves from a LightCurves, :class:`StarSamples` or a list of them, a DataFrame
    (id, time, mag[, err, band, label, flag]) or an astropy Table. ``report`` gets what
    reading a table dropped (flagged rows); a problem with the table raises."""
    if isinstance(data, StarSamples):
        return _magnitudes(data.lcs, "the StarSamples")
    if isinstance(data, LightCurves):
        return _magnitudes(data, "the LightCurves")
    if isinstance(data, list | tuple) and all(isinstance(d, LightCurves) for d in data):
        lcs = LightCurves.concatenate(list(data))
        twice = pd.DataFrame({"id": lcs.ids, "band": lcs.bands}).duplicated()
        if twice.any():  # scikit-learn's own indexing of StarSamples, with replacement
            raise ConfigError(f"a star's curve is given twice (star {lcs.ids[twice][0]!r}: one "
                              f"star sampled twice, or two stars of one id): its curves would "
                              f"be read as one star, one prediction; sample stars without "
                              f"replacement, or give the stars distinct ids")
        return _magnitudes(lcs, "the LightCurves")
    from lcformer.data.reading import from_astropy, from_dataframe
    from lcformer.data.reading.files import raise_unreported

    read = DropReport()
    if isinstance(data, pd.DataFrame):
        lcs = from_dataframe(data, report=read)
    else:
        from astropy.table import Table

        if not isinstance(data, Table):
            raise TypeError(f"expected light curves (LightCurves, StarSamples, a list of "
                            f"LightCurves, a pandas DataFrame or an astropy Table of one row "
                            f"per point: id, time, mag[, err, band]), got "
                            f"{type(data).__name__}{_input_hint(data)}")
        if Columns().resolve(list(data.colnames)).id not in data.colnames:
            # from_astropy would read it as one star: every star's points pooled into one.
            raise InputError(f"the {type(data).__name__}: no 'id' column among "
                             f"{list(data.colnames)}; name each point's star in an 'id' "
                             f"column (one star's table: from_astropy(table, id=NAME))")
        lcs = from_astropy(data, report=read)
        if read.events[FLUX_UNIT]:
            raise InputError(f"the {type(data).__name__}: its magnitude column is in a "
                             f"flux's unit: convert the fluxes to magnitudes first "
                             f"(lcformer.flux_to_magnitudes; docs/api.md)")
    raise_unreported(read, None, f"the {type(data).__name__}")
    if report is not None:
        report.merge(read)
    return _magnitudes(lcs, f"the {type(data).__name__}")


def _magnitudes(lcs: LightCurves, source: str) -> LightCurves:
    """Fluxes given as magnitudes are refused, as the command line refuses them: most would
    be dropped as no-data values and the rest classified."""
    refuse_fluxes(lcs, source, "convert them to magnitudes first "
                               "(lcformer.flux_to_magnitudes gives the asinh "
                               "magnitudes that --flux does), or give magnitudes")
    return lcs


#: The configs whose settings ``set_params`` and ``get_params(deep=True)`` name as
#: ``part__setting``, scikit-learn's nested names.
NESTED_CONFIGS = ("model", "train", "tokens", "cleaning", "views", "periods")


class Classifier(ClassifierMixin, BaseEstimator):
    """Train one of the registered models on light curves and classify new stars.

    ``model``: a registered name or a full :class:`ModelConfig` (default: the period-aware
    model with its registry defaults, ``RunConfig.for_model("periodic").model``; not
    ``ModelConfig()``, which has none of its trees). ``val_fraction`` of the training stars
    (per class, drawn by seed) choose the best epoch and the network's weight beside the
    trees; they are not among the stars the trees and the network learn from, with
    ``epochs=0`` too (``val_fraction=0``: every star). ``tokens``, ``cleaning``, ``views``,
    ``periods`` and ``features`` are the preparation's settings (None: their defaults), as
    the CLI's options of the same names.
    """

    def __init__(self, model: str | ModelConfig | None = None, *,
                 train: TrainConfig | None = None, tokens: TokenConfig | None = None,
                 cleaning: CleaningConfig | None = None, views: ViewConfig | None = None,
                 periods: PeriodConfig | None = None, features: bool | None = None,
                 epochs: int | None = None, seed: int | None = None,
                 val_fraction: float = VAL_FRACTION, progress: bool = False) -> None:
        self.model = model
        self.train = train
        self.tokens = tokens
        self.cleaning = cleaning
        self.views = views
        self.periods = periods
        self.features = features
        self.epochs = epochs
        self.seed = seed
        self.val_fraction = val_fraction
        self.progress = progress

    # ------------------------------------------------------------------ settings
    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """scikit-learn's ``get_params``; ``deep``: with the settings inside the configs too
        (``train__epochs``...), the names ``set_params`` takes, as a fit would use them."""
        params = super().get_params(deep=False)
        if deep:
            for part in NESTED_CONFIGS:
                try:  # train as fit uses it: with the epochs and seed shortcuts, which
                    # override a given TrainConfig's (epochs=0 included)
                    config = self._config(part)
                    if part == "train":
                        with contextlib.suppress(ConfigError):  # (model="bogus": as given)
                            config = self.run_config().train
                except ConfigError:  # a bad value, said by fit; get_params does not raise
                    continue
                if not isinstance(config, Config):  # views="time": fit says what is wrong
                    continue
                params |= {f"{part}__{f.name}": getattr(config, f.name)
                           for f in dataclasses.fields(config)
                           if not (part == "model" and f.name in DATA_SIZES)}
        return params

    def set_params(self, **params: Any) -> Classifier:
        """scikit-learn's ``set_params``, with the settings inside the configs too
        (``train__epochs=7``, ``model__emb=32``, ``views__fold="time"``): GridSearchCV's
        names. A config not given starts from the one a fit would use; ``model__name`` from
        that model's defaults. ``train__epochs`` and ``train__seed`` set the ``epochs`` and
        ``seed`` shortcuts where those are given (they would override them)."""
        nested: dict[str, dict[str, Any]] = {}
        for key in [k for k in params if "__" in k]:
            part, _, field = key.partition("__")
            nested.setdefault(part, {})[field] = params.pop(key)
        for field in ("epochs", "seed"):
            if field in nested.get("train", {}) and getattr(self, field) is not None:
                params[field] = nested["train"].pop(field)
        super().set_params(**params)
        for part in sorted(nested, key=lambda p: p != "model"):  # the model first: its defaults
            fields = nested[part]
            if not fields:  # only a shortcut was set
                continue
            base = self._config(part)
            if part == "model" and fields.get("name", base.name) != base.name:
                base = RunConfig.for_model(fields["name"]).model  # another model: its defaults
            names = {f.name for f in dataclasses.fields(base)}
            if part == "model" and (sizes := sorted(set(fields) & set(DATA_SIZES))):
                raise ConfigError(f"model__{sizes[0]} is not a setting: the data gives it (the "
                                  f"classes y holds, the inputs' widths) when fit runs")
            if unknown := sorted(set(fields) - names):  # as scikit-learn says of its own
                raise ConfigError(f"invalid parameter {part}__{unknown[0]} for Classifier: "
                                  f"{type(base).__name__} has no {unknown[0]!r} (its "
                                  f"settings: {', '.join(sorted(names))})")
            setattr(self, part, base.replace(**fields))
        return self

    def __sklearn_tags__(self) -> Any:
        """X is light curves, not a 2-D array (scikit-learn's array checks do not apply),
        and ``y`` may be left out where the curves carry their labels."""
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.target_tags.required = False
        return tags

    def _config(self, part: str) -> Config:
        """The config ``part`` stands for now: as given, else the one a fit would use."""
        if part in ("model", "train"):
            given = getattr(self, part)
            kind = ModelConfig if part == "model" else TrainConfig
            return given if isinstance(given, kind) else getattr(self.run_config(), part)
        if part in ("tokens", "cleaning", "views", "periods"):
            given = getattr(self, part)
            default = getattr(PrepareConfig(), part)
            if given is not None and not isinstance(given, type(default)):  # views="time"
                raise ConfigError(f"{part} must be a {type(default).__name__} or None, got "
                                  f"{given!r}")
            return given if given is not None else default
        raise ConfigError(f"set_params: {part}__... names no config; the configs are "
                          f"{', '.join(NESTED_CONFIGS)}")

    def run_config(self) -> RunConfig:
        """The run these parameters describe (the same record ``lcformer train`` writes)."""
        model = self.model
        if model is None or isinstance(model, str):  # a name: the model's registry defaults
            model = RunConfig.for_model(model or ModelConfig().name).model
        if not isinstance(model, ModelConfig):
            raise ConfigError(f"model must be a name or a ModelConfig, got {self.model!r}")
        train = self.train if self.train is not None else RunConfig.for_model(model.name).train
        if not isinstance(train, TrainConfig):  # train=1.5: else an AttributeError
            raise ConfigError(f"train must be a TrainConfig or None, got {self.train!r}")
        if self.epochs is not None:
            train = train.replace(epochs=self.epochs)
        if self.seed is not None:
            train = train.replace(seed=self.seed)
        return RunConfig(model=model, train=train)

    def prepare_config(self) -> PrepareConfig:
        """The preparation as given (defaults elsewhere); the inputs (windows or star views)
        the model reads."""
        given = {"tokens": self.tokens, "cleaning": self.cleaning, "views": self.views,
                 "periods": self.periods, "features": self.features}
        unread = [k for k in ("views", "periods", "features") if given[k] is not None]
        inputs = model_inputs(self.run_config().model.name, unread, "leave them None")
        return PrepareConfig().replace(inputs=inputs,
                                       **{k: v for k, v in given.items() if v is not None})

    # ------------------------------------------------------------------ fitting
    def fit(self, X: Any, y: np.ndarray | None = None) -> Classifier:
        """Fit on labelled curves: their ``labels``, or ``y`` with one label per star (in the
        order of ``star_ids(X)``) or per curve."""
        if not 0.0 <= self.val_fraction < 1.0:
            raise ConfigError(f"val_fraction must be in [0, 1), got {self.val_fraction}")
        config = self.run_config()
        default = RunConfig.for_model(config.model.name)
        _warn_of_research_defaults(self.model, default.model, "model")
        _warn_of_research_defaults(self.train, default.train, "train")
        _warn_of_another_models_train(self.train, config.model.name)
        read = DropReport()
        lcs = as_light_curves(X, read)
        if not lcs.n_curves:
            raise NothingToTrainError("fit: the input holds no light curve (no rows)")
        lcs, values = _with_labels(lcs, y, _table_rows(X), _ids_sorted(X))
        if lcs.splits is not None and (test := lcs.splits == "test").any():
            _warn(f"fit: {len(set(lcs.ids[test])):,} of the stars are in their dataset's own "
                  f"test split (a split column); fit trains on every star it is given: keep "
                  f"them out first (lcs.select(lcs.splits != 'test'))")
        data = build("python-api", lcs, self.prepare_config())
        data.report.merge(read)
        check_trainable(data)
        codes = pd.Categorical(data.stars["label"], categories=data.classes).codes
        parts = carve_validation(codes, self.val_fraction, config.train.seed)
        # Training seeds torch's generators: the caller's own draws go on from where they were
        # (the GPUs' only where they are in use: reading their state starts CUDA).
        on_cuda = pick_device(config.train.device).type == "cuda" or (
            torch.cuda.is_available() and torch.cuda.is_initialized())
        with torch.random.fork_rng(devices=range(torch.cuda.device_count()) if on_cuda
                                   else []):
            fitted = fit(data, config, parts, progress=self.progress)
        if config.train.epochs > 0 and not (parts == "val").any():
            # Nothing is then chosen on held-out stars (fused: the network's 0.5 share)
            held = (f"val_fraction={self.val_fraction:g} held none of the {len(parts):,} "
                    f"stars out (round(val_fraction x a class's stars) is 0 for each)"
                    if self.val_fraction > 0 else "val_fraction=0")
            _warn(f"fit: no validation stars ({held}): the epoch kept has the lowest training "
                  f"loss" + (", and the network's weight beside the trees is 0.5, not chosen "
                             "on stars it did not fit" if config.model.fused else "")
                  + "; give a val_fraction that holds some stars out to choose "
                  + ("them" if config.model.fused else "it") + " on held-out stars"
                  + (", or epochs=0 for the trees alone" if config.model.fused else ""))
        # y's own values (2, 10 stay ints, in their order), as scikit-learn expects.
        self.classes_ = _natural_order([values.get(c, c) for c in data.classes])
        self.model_: Model = fitted.model
        # The checkpoint keeps the values too, so that a loaded model predicts 2 and 10,
        # not "2" and "10" (JSON holds numbers; other values stay their text).
        self.metadata_: dict[str, Any] = {**fitted.metadata,
                                          "class_values": _json_values(self.classes_),
                                          "val_fraction": self.val_fraction}
        self.history_: TrainResult = fitted.result
        self.report_: DropReport = data.report
        _warn_of_drops("fit", data.report, lcs, ".report_")
        if untrained := fitted.metadata.get(UNTRAINED):  # (in classes_, yet never trained on)
            _warn(f"fit: {', '.join(map(repr, untrained))} had no training star (all of its "
                  f"stars were held out for validation): it stays in classes_, and its "
                  f"probability is 0 for every star; give it more stars, or a smaller "
                  f"val_fraction")
        self.trained_ids_ = pd.Index(data.stars["id"], dtype=object)  # trained on, or val
        return self

    def _check_fitted(self) -> Model:
        if not hasattr(self, "model_"):
            raise NotFittedError("this Classifier is not fitted yet: call fit (or "
                                 "Classifier.load) first")
        return self.model_

    # ------------------------------------------------------------------ predicting
    def predict_table(self, X: Any) -> Predictions:
        """Predictions with per-class probabilities, unclassified stars and the drop report."""
        model = self._check_fitted()
        read = DropReport()
        return self._predict(model, as_light_curves(X, read), read)

    def _predict(self, model: Model, lcs: LightCurves,
                 read: DropReport) -> Predictions:
        """:meth:`predict_table` of curves read with ``read``'s drops."""
        device = self.train.device if self.train is not None else TrainConfig().device
        # A run trained with --band-names reads new stars' bands so (as predict does).
        lcs = rename_bands(lcs, model_prepare_config(self.metadata_).reading.band_map, "X", read)
        for said in older_readers(self.metadata_, read):  # (a run of an older lcformer)
            _warn(said)
        predictions = predict_stars(model, self.metadata_, lcs, device=device)
        predictions.report.merge(read)
        _warn_of_drops("predict", predictions.report, lcs, "predict_table(X).report")
        if n := len(predictions.unclassified):
            _warn(f"{n:,} of {n + len(predictions.table):,} stars could not be classified "
                  f"(class '', or None for number classes, and NaN probabilities); why: "
                  f"predict_table(X).unclassified")
        unlike = {flag: n for flag, n in predictions.flag_counts.items() if flag in UNLIKE}
        if unlike:  # said: all of X can lie outside the training range
            kinds = ", ".join(f"{n:,} {flag}" for flag, n in unlike.items())
            if why := unlike_reasons(predictions.report.events):
                kinds += f"; {why}"
            _warn(f"{sum(unlike.values()):,} of {len(predictions.table):,} stars are unlike "
                  f"the training stars ({kinds}), where a model can be confidently wrong: "
                  f"which, in predict_table(X).table's flag column; why, in docs/scale.md")
        weak = {flag: n for flag, n in predictions.flag_counts.items() if flag not in UNLIKE}
        if 2 * sum(weak.values()) >= len(predictions.table) > 0:  # (a few: the table's)
            kinds = ", ".join(f"{n:,} {flag}" for flag, n in weak.items())
            _warn(f"{sum(weak.values()):,} of {len(predictions.table):,} stars' labels rest "
                  f"on too little signal or on an uncertain period ({kinds}): which, in "
                  f"predict_table(X).table's flag column; why, in docs/scale.md")
        return predictions

    def predict_frame(self, X: Any) -> pd.DataFrame:
        """Probabilities as a DataFrame: one row per star (index: id), one column per class."""
        return self._frame(self._star_table(X, said_if_fit_on=True))

    def _warn_of_fit_stars(self, ids: np.ndarray, what: str, result: str) -> None:
        """Said where stars of a table were fit on (by id): scikit-learn's splitters cut a
        table of points by row, which puts every star in both parts."""
        trained = getattr(self, "trained_ids_", None)  # (a loaded model's are not kept)
        if trained is not None and (n := int(pd.Index(ids).isin(trained).sum())):
            _warn(f"{what}: {n:,} of the {len(ids):,} stars of this table were fit on (the "
                  f"same ids): {result}; if a scikit-learn splitter made this table, it cut "
                  f"the points by row, which puts every star in both parts: split "
                  f"StarSamples(X) instead, "
                  f"or give the class column in X and y=None with GroupKFold(groups=the id "
                  f"column)")

    def _star_table(self, X: Any, said_if_fit_on: bool = False) -> pd.DataFrame:
        """predict_table(X).table, one row per star of X in its order (index: id);
        ``said_if_fit_on``: a table of stars it was fit on is warned of (a row-wise
        split's test part scores above stars held out, e.g. 0.84 against 0.79)."""
        model = self._check_fitted()
        read = DropReport()
        lcs = as_light_curves(X, read)
        if said_if_fit_on and _table_rows(X) is not None:
            self._warn_of_fit_stars(star_ids(lcs), "predict", "predictions of training stars")
        return self._predict(model, lcs, read).table.set_index("id").reindex(star_ids(lcs))

    def _frame(self, table: pd.DataFrame) -> pd.DataFrame:
        frame = table[[probability_column(_label_text(c)) for c in self.classes_]]
        frame.columns = list(self.classes_)
        return frame

    def predict_proba(self, X: Any) -> np.ndarray:
        """(n_stars, n_classes) probabilities, columns ordered as ``classes_``; each row sums
        to 1 to float64 precision (the model's float32 sums miss it by ~1e-7, which
        scikit-learn's log-loss warns of)."""
        return _normalised(self.predict_frame(X))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each star; "" (None for number classes) where a star
        could not be classified."""
        return self._most_probable(self.predict_proba(X))

    def _most_probable(self, proba: np.ndarray) -> np.ndarray:
        known = ~np.isnan(proba).any(axis=1)
        if known.all():
            return self.classes_[proba.argmax(1)]
        out = np.full(len(proba), "" if self.classes_.dtype == object else None, dtype=object)
        out[known] = self.classes_[proba[known].argmax(1)]
        return out

    def score(self, X: Any, y: np.ndarray | None = None,
              sample_weight: np.ndarray | None = None) -> float:
        """Accuracy over stars; ``y`` may be given per star or (as for ``fit``) per curve, or
        left out where the curves carry their labels (scikit-learn then calls score(X))."""
        self._check_fitted()
        lcs = as_light_curves(X)
        if y is None and lcs.labels is None:
            raise ConfigError("score needs labels: give y, or a class column")
        # A label read from a table is "" where a star has none: as missing as y's None.
        per_curve = (np.where(lcs.labels == "", None, lcs.labels) if y is None else
                     _labels_per_curve(lcs, y, _table_rows(X), _ids_sorted(X)))
        truth = pd.Series(per_curve, index=lcs.ids).groupby(level=0, sort=False).first()
        truth = truth.reindex(star_ids(lcs)).to_numpy(dtype=object)
        if pd.isna(truth).any():
            raise ConfigError(f"score needs every star's label: {int(pd.isna(truth).sum())} "
                              f"of {len(truth)} have none (give y, or a label column)")
        if sample_weight is not None and np.shape(sample_weight) != (len(truth),):
            raise ConfigError(f"sample_weight must hold one weight per star ({len(truth)}), "
                              f"got shape {np.shape(sample_weight)}")
        table = self._star_table(lcs)
        trained = getattr(self, "trained_ids_", None)  # (a loaded model's are not kept)
        if trained is not None and _table_rows(X) is not None:
            self._warn_of_fit_stars(star_ids(lcs), "score",
                                    "a training score, not a test score")
        elif trained is None and SEEN in table and (n := int(table[SEEN].eq(True).sum())):
            # A loaded model knows its training stars by their points: warned of here.
            _warn(f"score: {n:,} of the {len(truth):,} stars have the points of the model's "
                  f"own training or validation stars: a training score, not a test score "
                  f"(which, in predict_table(X).table's {SEEN} column)")
        # Here, not scikit-learn's accuracy_score: it cannot sort the None of an unclassified
        # star among number classes (such a star is simply wrong), and labels read from a
        # table are text where y gave numbers.
        predicted = self._most_probable(_normalised(self._frame(table)))
        right = [p is not None and p != "" and _same_label(t, p)
                 for t, p in zip(truth, predicted, strict=True)]
        return float(np.average(right, weights=sample_weight))

    # ------------------------------------------------------------------ files
    def save(self, folder: str | Path) -> Path:
        """Write ``best.safetensors`` (+ readable JSON), loadable by ``load`` and the CLI."""
        folder = Path(folder)
        if folder.exists() and not folder.is_dir():
            raise ConfigError(f"{folder}: is a file; Classifier.save writes a folder "
                              f"(best.safetensors and best.json in it)")
        save_checkpoint(folder / BEST_FILE, self._check_fitted(), self.metadata_)
        return folder

    @classmethod
    def load(cls, folder: str | Path, which: Checkpoint = DEFAULT_CHECKPOINT) -> Classifier:
        """Load from a folder written by ``save`` or by ``lcformer train`` (a run folder)."""
        model, metadata = load_model(folder, which)
        # The training and preparation settings too, so that clone(Classifier.load(run)).fit
        # (as cross_val_score does) trains as the saved model was trained. (Classes kept,
        # --min-class-windows and the reading of files are a dataset's, not the estimator's.)
        run = metadata.get("run")
        prepared = model_prepare_config(metadata)
        stars = prepared.inputs == "stars"  # a window model's views are not its settings
        clf = cls(ModelConfig.from_dict(metadata["model"]).replace(
                      **dict.fromkeys(DATA_SIZES)),
                  train=RunConfig.from_dict(run).train if run else None,
                  tokens=prepared.tokens, cleaning=prepared.cleaning,
                  views=prepared.views if stars else None,
                  periods=prepared.periods if stars else None,
                  features=prepared.features if stars else None,
                  val_fraction=metadata.get("val_fraction", cls().val_fraction))
        clf.model_, clf.metadata_ = model, metadata
        # A Python-API fit stored y's values; a CLI run has its labels' text.
        clf.classes_ = _natural_order(list(metadata.get("class_values", metadata["classes"])))
        return clf


def _warn_of_research_defaults(given: Any, default: ModelConfig | TrainConfig,
                               part: str) -> None:
    """A ModelConfig or TrainConfig built from its class's defaults (the research system's)
    where the model's registry sets others (the default model's trees and depth, its batch
    and schedule) leaves every one of those at the research value: said, as it was a silent
    loss (macro-F1 0.86 to 0.41 on 300 eros1 stars without the trees). One that sets any of
    them was built with them in mind, and is taken as given. A name, or None, is neither."""
    if not isinstance(given, ModelConfig | TrainConfig):
        return
    own = type(given)()
    registry = [key for key in type(given).__dataclass_fields__  # but what anyone sets
                if getattr(own, key) != getattr(default, key) and key not in ("epochs", "name")]
    kept = [f"{key}={getattr(given, key)!r} (the model's: {getattr(default, key)!r})"
            for key in registry if getattr(given, key) == getattr(own, key)]
    if kept and len(kept) == len(registry):
        cls, name = type(given).__name__, getattr(default, "name", None)
        model = name or "the model"
        _warn(f"this {cls} keeps {cls}()'s research defaults where {model}'s own differ: "
              f"{', '.join(kept)}; to change only some settings start from "
              f"RunConfig.for_model(name).{part}.replace(...)")


def _warn_of_another_models_train(given: Any, name: str) -> None:
    """A TrainConfig made for another model, kept when ``model`` changed (``set_params(
    train__lr=...)`` fills in the model of then's training, and a grid over ``model`` keeps
    it): said where it keeps every setting in which that model's defaults differ from this
    one's (the research models' are TrainConfig()'s, which the warning above covers)."""
    if not isinstance(given, TrainConfig):
        return
    own = RunConfig.for_model(name).train
    for other in MODEL_NAMES:
        theirs = RunConfig.for_model(other).train
        if theirs in (own, TrainConfig()):
            continue
        differ = [f.name for f in dataclasses.fields(theirs) if f.name != "epochs"
                  and getattr(theirs, f.name) != getattr(own, f.name)]
        if all(getattr(given, key) == getattr(theirs, key) for key in differ):
            kept = ", ".join(f"{key}={getattr(given, key)!r} ({name}'s: "
                             f"{getattr(own, key)!r})" for key in differ)
            _warn(f"this TrainConfig keeps the {other} model's defaults where {name}'s own "
                  f"differ: {kept} (set_params(train__...) starts from the training of "
                  f"the model set at the time, and a later model= keeps it); to train {name} "
                  f"as it is trained, start from RunConfig.for_model({name!r}).train"
                  f".replace(...)")
            return


#: A file's name, not a star's ("J053012.34-693215.2" is a star).
_FILE_NAME = re.compile(r"\.(csv|tsv|txt|dat|parquet|fits?|ecsv|vot|xml|json|h5|hdf5|gz|bz2|"
                        r"xz|zip|tar)$", re.IGNORECASE)


def _input_hint(data: Any) -> str:
    """How to make light curves of what was given instead."""
    listed = (isinstance(data, list | tuple | pd.Series | pd.Index | np.ndarray)
              and np.ndim(data) == 1 and len(data) > 0)
    kind = pd.api.types.infer_dtype(list(data[:100]), skipna=True) if listed else ""
    if kind == "string" and all(isinstance(d, str) and (os.sep in d or "/" in d
                                                        or _FILE_NAME.search(d))
                                for d in data[:100]):
        return ("; files? read them first (lcformer.read_long_table(path) for a table, "
                "read_folder or read_catalogue_folder for a folder of per-star files)")
    if kind in ("string", "integer"):
        return ("; star ids? give their points: the rows of your table of points whose id is "
                "one of them (X[X['id'].isin(ids)])")
    if isinstance(data, np.ndarray) or (isinstance(data, list | tuple) and data and all(
            isinstance(d, list | tuple) for d in data)):
        return ("; make them from arrays with LightCurves.from_list([(id, band, time, "
                "mag, err), ...]) or LightCurves.from_arrays(ids, bands, lengths, time, mag, "
                "err)")
    if isinstance(data, str | Path):
        return ("; a file or folder: read it first (lcformer.read_long_table(path) for a table, "
                "read_folder or read_catalogue_folder for per-star files)")
    if isinstance(data, list | tuple) and data and all(isinstance(d, pd.DataFrame)
                                                       for d in data):
        return "; per-star tables: pd.concat(frames) with each star's id in an 'id' column"
    return ""


def _warn_of_drops(what: str, report: DropReport, lcs: LightCurves, where: str) -> None:
    """Nothing lost without a word (the CLI prints the report): points cleaning dropped, curves
    not used."""
    parts = []
    if n := report.n_points_dropped:
        parts.append(f"{n:,} points were dropped")
    if what == "fit" and (n := report.n_curves_dropped):
        parts.append(f"{n:,} of {lcs.n_curves:,} curves were not trained on")
    if parts:
        _warn(f"{what}: {' and '.join(parts)} ({report.brief()}); see {where}")


#: Flags of stars unlike the training stars, said by predict. The others, of a weak signal or
#: period, are said only of half the stars or more (noise alone): a few are in most tables,
#: and a cross-validation would say them on every fold.
UNLIKE = ("outside_training_range", "period_unlike_class")


def _warn(message: str) -> None:
    """A warning that names the user's line: the first caller outside this module."""
    frame, level = sys._getframe(1), 2
    while frame is not None and frame.f_code.co_filename == __file__:
        frame, level = frame.f_back, level + 1
    warnings.warn(message, LcformerWarning, stacklevel=level)


def _table_rows(data: Any) -> int | None:
    """The rows of a table given as X (a DataFrame or an astropy table): what a per-point y
    is as long as, whatever reading dropped; None for curves."""
    return None if isinstance(data, LightCurves | StarSamples | list | tuple) else len(data)


def _with_labels(lcs: LightCurves, y: np.ndarray | None, rows: int | None = None,
                 ids_sorted: bool = True) -> tuple[LightCurves, dict[str, Any]]:
    """``lcs`` labelled by ``y`` (one label per star, in ``star_ids`` order, or per curve), as
    the text the pipeline keeps, and each text's value in ``y``. A missing label (None, NaN)
    leaves its star unlabelled, rather than making a class "None"."""
    if y is None:
        if lcs.labels is None:
            raise ConfigError("fit needs labels: LightCurves.labels, a column named 'class' "
                              "(or from_dataframe(..., columns=Columns(label=NAME))), or y")
        return lcs, {}
    values = _labels_per_curve(lcs, y, rows, ids_sorted)
    missing = pd.isna(values)
    text = np.array(["" if gone else _label_text(v) for v, gone in zip(values, missing,
                                                                       strict=True)],
                    dtype=object)
    value_of: dict[str, Any] = {}
    for v in values[~missing]:
        if value_of.setdefault(_label_text(v), v) != v:  # the pipeline keeps labels as text
            raise ConfigError(f"y holds {value_of[_label_text(v)]!r} and {v!r}, two classes "
                              f"of one name: give them one type")
    _check_class_values(list(value_of.values()))
    _check_stars_per_class(lcs.ids, text)
    if lcs.labels is not None:
        _warn_of_other_labels(lcs, text)
    return lcs.with_labels(text), value_of


#: Classes of one star each from which labels look like a per-star value, not classes (a
#: test's three stars may each be a class of their own).
MANY_CLASSES = 10


def _check_stars_per_class(ids: np.ndarray, labels: np.ndarray) -> None:
    """Refuses labels (per curve, "" where none) that give every star a class of its own: y
    holding the star ids (or another per-star value) trained a model of as many classes as
    stars, with a warning of scikit-learn's per class."""
    per_star = pd.Series(labels, index=ids).groupby(level=0, sort=False).first()
    stars = per_star[per_star != ""].value_counts()
    if len(stars) >= MANY_CLASSES and stars.max() == 1:
        raise ConfigError(f"the labels give each of their {len(stars):,} stars a class of its "
                          f"own (first: {', '.join(map(repr, stars.index[:3]))}): a "
                          f"classifier learns a class from several stars; are they star ids "
                          f"or another per-star value rather than classes?")


def _check_class_values(values: list[Any]) -> None:
    """Class labels, not measurements: numbers of one kind (1 beside 2.0 would make classes
    1.0 and 2.0, named unlike their columns) and, if floats, whole and finite (0.37 is no
    class: scikit-learn calls such a y continuous)."""
    numbers = [v for v in values if isinstance(v, (int, float, np.number))
               and not isinstance(v, (bool, np.bool_))]
    whole = [isinstance(v, (int, np.integer)) for v in numbers]
    if any(whole) and not all(whole):
        first_int, first_float = (next(v for v, w in zip(numbers, whole, strict=True) if w is k)
                                  for k in (True, False))
        raise ConfigError(f"y mixes integer and float classes ({first_int!r} and "
                          f"{first_float!r}): give them one type")
    odd = [v for v in numbers if not isinstance(v, (int, np.integer))
           and not float(v).is_integer()]  # False for inf and NaN
    if odd:
        raise ConfigError(f"y looks continuous ({len(odd)} values such as {odd[0]!r} are no "
                          f"whole number): a classifier needs class labels")


def _warn_of_other_labels(lcs: LightCurves, text: np.ndarray) -> None:
    """y replaces the labels the curves carry (a class column). Renaming or merging them
    (names to numbers, RRab and RRc to RR) is said nothing of; a star whose y is not what
    its label's other stars get (y in another order, say) is warned of."""
    own = pd.Series(lcs.labels, dtype=object).fillna("").astype(str).to_numpy()
    both = (own != "") & (text != "")
    pairs = pd.DataFrame({"own": own[both], "y": text[both]}).value_counts().reset_index()
    usual = pairs.drop_duplicates("own")  # value_counts sorts: each label's commonest y
    expected = pd.Series(own).map(dict(zip(usual["own"], usual["y"], strict=True)))
    differ = both & (text != expected.to_numpy())
    if differ.any():
        # The example: a star whose y is not its own label, where there is one (a star of y
        # equal to its label reads as no disagreement, though its label's others differ).
        renamed = differ & (text != own)
        first = int(np.argmax(renamed if renamed.any() else differ))
        stars = pd.unique(pd.Series(lcs.ids[differ], dtype=object))
        _warn(f"fit: y disagrees with the labels the curves carry for {len(stars):,} star(s) "
              f"(first: {lcs.ids[first]!r}, labelled {own[first]!r}, y {text[first]!r}, "
              f"where most {own[first]!r} stars have y {expected[first]!r}); y is used")


def _normalised(frame: pd.DataFrame) -> np.ndarray:
    """Probabilities whose rows sum to 1 in float64."""
    proba = frame.to_numpy(dtype=np.float64)
    return proba / proba.sum(axis=1, keepdims=True)


def _labels_per_curve(lcs: LightCurves, y: Any, rows: int | None = None,
                      ids_sorted: bool = True) -> np.ndarray:
    """One label per curve from ``y``: a Series (or a one-column DataFrame) indexed by star
    id or a mapping (by id), or a sequence in ``star_ids`` order or per curve."""
    stars = star_ids(lcs)
    points = rows if rows is not None else lcs.n_points  # a table's rows, some maybe dropped
    if isinstance(y, pd.DataFrame) and y.shape[1] == 1:
        # pd.read_csv(labels, index_col="id"): its index is the ids, as a Series' is
        # (read by position, the labels would be scrambled)
        y = y.iloc[:, 0]
    if (isinstance(y, pd.Series) and y.index.name is None
            and pd.api.types.is_integer_dtype(y.index) and len(y) == points
            and points not in (len(stars), lcs.n_curves)):
        # df["class"] of a table of points: its row numbers may even be star ids (0, 1, ...)
        raise ConfigError(f"y has one label per point ({len(y)}): give one per star (a "
                          f"Series by star id, as df.groupby('id')['class'].first()) or per "
                          f"curve")
    if isinstance(y, pd.Series) and pd.api.types.is_integer_dtype(y.index):
        y = _ids_or_positions(lcs, y, stars, table=rows is not None)
    if isinstance(y, dict) or isinstance(y, pd.Series):
        by_id = pd.Series(y, dtype=object)
        by_id.index = by_id.index.map(str)  # ids are read as text
        absent = [s for s in stars if s not in by_id.index]
        if absent or by_id.index.has_duplicates:
            raise ConfigError(f"y, by star id: {len(absent)} of {len(stars)} stars have no "
                              f"label (first: {absent[:3]})" if absent else
                              "y, by star id: an id is given twice")
        return by_id.reindex(lcs.ids).to_numpy()
    y = np.asarray(y, dtype=object)
    if y.ndim == 2 and y.shape[1] == 1:  # a column vector, as scikit-learn accepts
        y = y[:, 0]
    if y.ndim != 1:
        raise ConfigError(f"y must be one label per star or per curve, got shape {y.shape}")
    if rows is not None and len(y) == len(stars) and not ids_sorted:
        _warn("y is read as one label per star in order of first appearance in the table "
              "(star_ids(X)), which is not the order of their sorted ids (as groupby gives "
              "them): to be sure, give y as a Series by star id "
              "(df.groupby('id')['class'].first())")
    if len(y) == len(stars) and len(stars) != lcs.n_curves:
        return pd.Series(y, index=stars).reindex(lcs.ids).to_numpy()
    if len(y) != lcs.n_curves:
        raise ConfigError(f"y has {len(y)} labels for {len(stars)} stars "
                          f"({lcs.n_curves} curves): give one label per star (in star_ids "
                          f"order) or per curve, not per point; or a Series by star id")
    text = pd.Series([_label_text(v) for v in y], index=pd.Index(lcs.ids, dtype=object))
    mixed = text[pd.notna(y)].groupby(level=0, sort=False).nunique()
    if (mixed > 1).any():  # a star is one object: its curves cannot be of two classes
        star = mixed.index[mixed.to_numpy() > 1][0]
        raise ConfigError(f"y, per curve: star {star!r} has curves of different classes "
                          f"({', '.join(sorted(set(text[star])))}); give one label per star")
    return y


def _ids_sorted(data: Any) -> bool:
    """Whether a table's stars (X: a DataFrame or an astropy table) come in the order
    ``groupby`` gives them, their ids sorted as the id column's own values sort (numbers as
    numbers, text as text); True for curves, or where that cannot be told."""
    if _table_rows(data) is None:
        return True
    names = [str(n) for n in (data.columns if isinstance(data, pd.DataFrame)
                              else data.colnames)]
    name = Columns().resolve(names).id
    if name not in names:
        return True
    try:
        return bool(pd.Series(pd.unique(pd.Series(np.asarray(data[name]))))
                    .is_monotonic_increasing)
    except TypeError:  # ids of mixed types: no order to compare
        return True


def _ids_or_positions(lcs: LightCurves, y: pd.Series, stars: np.ndarray,
                      table: bool = False) -> Any:
    """A Series with an integer index: star ids where the index is named (``set_index("id")``)
    or names every star; else pandas' row numbers (its default index, or what scikit-learn's
    splitters leave of it), read in order. Where both readings fit and disagree (even with
    ids beyond these stars), refused; so are row numbers out of order beside a table (``X``
    whole, so no splitter cut ``y``): a labels file's column sorted or shuffled, whose
    labels read in order would belong to other stars, silently."""
    by_id = pd.Series(y.to_numpy(dtype=object), index=y.index.map(str))
    if y.index.name is not None:
        return by_id
    ids_fit = not by_id.index.has_duplicates and set(stars) <= set(by_id.index)
    if (table and not ids_fit and not y.index.is_monotonic_increasing
            and len(y) in (len(stars), lcs.n_curves)):
        raise ConfigError("y's index is neither the star ids nor in row order (sorted, "
                          "shuffled or concatenated?), so which label is which star's cannot "
                          "be checked: give y by star id (labels.set_index('id')['class']), "
                          "or y.to_numpy() in star_ids(X) order")
    try:
        in_order = (_labels_per_curve(lcs, y.to_numpy())
                    if len(y) in (len(stars), lcs.n_curves) else None)
    except ConfigError:  # e.g. one star's curves of two classes: not this reading
        in_order = None
    if not ids_fit:  # names no star, or only some: row numbers where they can be
        if in_order is None and set(stars).isdisjoint(by_id.index):
            return y.to_numpy()  # neither reading fits: said by its number of labels
        return by_id if in_order is None else y.to_numpy()
    if in_order is not None:
        def text(values: np.ndarray) -> list[str | None]:
            return [None if pd.isna(v) else _label_text(v) for v in values]

        if text(by_id.reindex(lcs.ids).to_numpy()) != text(in_order):
            raise ConfigError("y is a Series whose integer index could be the star ids or "
                              "row numbers, and the two readings disagree: give a dict by "
                              "star id (dict(y)), or y.to_numpy() in star_ids order")
    return by_id


def _label_text(value: Any) -> str:
    return str(value.item() if isinstance(value, np.generic) else value)


def _same_label(a: Any, b: Any) -> bool:
    """Whether two labels name one class: numbers by value (1, 1.0 and True alike, as
    scikit-learn compares them, so float labels match an int model's classes), text
    as text, and text read from a table against a number by the number it spells."""
    x, y = _as_number(a), _as_number(b)
    if x is not None and y is not None and not (isinstance(a, str) and isinstance(b, str)):
        return x == y
    return _label_text(a) == _label_text(b)


def _as_number(label: Any) -> float | None:
    """A label's value as a number (text that spells one too); None for other labels."""
    label = label.item() if isinstance(label, np.generic) else label
    if isinstance(label, bool | int | float):
        return float(label)
    try:
        return float(label) if isinstance(label, str) else None
    except ValueError:
        return None


def _json_values(classes: np.ndarray) -> list[Any]:
    """The classes as JSON can store them: numbers and text as themselves, others as text."""
    plain = [c.item() if isinstance(c, np.generic) else c for c in classes]
    return [c if isinstance(c, (str, int, float)) else _label_text(c) for c in plain]


def _natural_order(values: list[Any]) -> np.ndarray:
    """Sorted as the values themselves (2 before 10), as text where they do not compare."""
    try:
        ordered = sorted(values)
    except TypeError:
        ordered = sorted(values, key=_label_text)
    if ordered and all(isinstance(v, (int, float, np.number)) for v in ordered):
        return np.array(ordered)  # numbers keep a number dtype: scikit-learn's metrics need it
    out = np.empty(len(ordered), dtype=object)
    out[:] = ordered
    return out
