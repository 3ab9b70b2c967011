"""The classic baseline: per-star features from ``light-curve`` + random forest / boosting.

This is the bar the deep models must clear. Every star is described by the standard
variability features of the `light-curve <https://github.com/light-curve/light-curve-python>`_
package (period and power from a Lomb-Scargle periodogram, amplitude, skewness, Stetson K, ...),
one set per band, and two scikit-learn classifiers are trained on them:

- ``random_forest``: ``RandomForestClassifier(n_estimators=500,
  class_weight="balanced_subsample")``;
- ``gradient_boosting``: ``HistGradientBoostingClassifier(class_weight="balanced")``, without
  early stopping (it would otherwise carve its own hold-out out of the training stars), and
  with smaller leaves on fewer than 200 training stars, where scikit-learn's 20 would learn
  no split (:func:`~lcformer.models.forest.boosting_leaf`).

The stars, their labels and their train/val/test parts are exactly those of the deep runs: the
part of every star comes from :func:`lcformer.data.splits.assign_splits`, the function
``train_run`` uses, on the same prepared dataset. Both classifiers are fitted on the *train*
stars only; the validation stars are not used (nothing is tuned), so the comparison with a deep
model, which also learns from the train stars only, is fair. Test metrics are star level,
computed by :func:`lcformer.evaluation.metrics.classification_metrics` as for the deep runs;
:func:`same_test_stars` says which deep run shares a baseline's test stars.

Features are computed by :mod:`lcformer.data.features` on the prepared dataset's cleaned
curves. For the classifiers, every NaN is replaced by the median of the training stars (a column
that is NaN for every training star is dropped).
"""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer import atomic
from lcformer.data.datasets import work_dir
from lcformer.data.features import CLIP, ERROR_FEATURES, MIN_POINTS, star_features
from lcformer.data.prepared import PreparedDataset
from lcformer.data.report import DropReport
from lcformer.data.splits import assign_splits, resolved_split, split_record
from lcformer.errors import LcformerError, LcformerWarning, NothingToTrainError
from lcformer.evaluation.metrics import classification_metrics, score_text
from lcformer.evaluation.records import RunRecord, read_records, write_records
from lcformer.hardware import cpu_jobs, cpu_model
from lcformer.models.forest import boosting_leaf
from lcformer.models.registry import BASELINE_MODELS
from lcformer.training.config import RunConfig
from lcformer.training.run_folder import METRICS_FILE, PREDICTIONS_FILE, run_dir_name


def make_model(name: str, n_stars: int, seed: int = 0, n_jobs: int = 1):
    """The scikit-learn classifier behind a baseline name, inside median imputation, for
    ``n_stars`` training stars."""
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    if name == "random_forest":
        model = RandomForestClassifier(n_estimators=500, class_weight="balanced_subsample",
                                       random_state=seed, n_jobs=n_jobs)
    elif name == "gradient_boosting":
        model = HistGradientBoostingClassifier(class_weight="balanced", random_state=seed,
                                               early_stopping=False,
                                               min_samples_leaf=boosting_leaf(n_stars))
    else:
        raise ValueError(f"unknown baseline model {name!r}: {', '.join(BASELINE_MODELS)}")
    return make_pipeline(SimpleImputer(strategy="median"), model)


@dataclass
class BaselineResult:
    records: list[RunRecord]  # one per classifier, on the test stars
    info: dict[str, Any]  # how the features were made, the split's test ids, the seeds
    predictions: pd.DataFrame  # one row per test star: id, label, predicted_<m>, p_<m>_<c>

    def summary_lines(self) -> list[str]:
        return [r.summary_line() for r in self.records]


def run_baseline(data: PreparedDataset, split: str = "auto", seed: int = 0,
                 models: Sequence[str] = BASELINE_MODELS, *, model_seed: int | None = None,
                 n_jobs: int = 1, min_period: float | None = None) -> BaselineResult:
    """Features for the stars of ``data`` (from its cleaned curves), classifiers on its train
    stars, records on its test stars; the split is ``assign_splits(data, split, seed)``, as
    for the deep runs. ``model_seed`` (default ``seed``) seeds the classifiers. The features'
    periodogram reaches ``min_period`` (default: the preparation's, as ``--min-period`` set
    it; its longest period is each curve's span).
    """
    from threadpoolctl import threadpool_limits

    model_seed = seed if model_seed is None else model_seed
    stars = data.stars
    star_ids = stars["id"].astype(str).to_numpy()
    parts = assign_splits(data, split, seed)
    if not (parts == "test").any():
        raise NothingToTrainError(f"{data.name}: split {split!r} has no test stars (a "
                                  f"dataset's own split column may say train for every "
                                  f"star), so the baseline has nothing to score; give --split "
                                  f"stratified")
    classes = data.classes
    lookup = {c: i for i, c in enumerate(classes)}
    y = np.array([lookup[c] for c in stars["label"]], dtype=np.int64)

    if min_period is None:
        min_period = data.config.periods.min_period
    report = DropReport()
    lcs = data.cleaned_curves()
    began = time.perf_counter()
    features = star_features(lcs, report, min_period=min_period, n_jobs=n_jobs)
    feature_seconds = round(time.perf_counter() - began, 1)
    found = np.isin(star_ids, features.index.to_numpy())
    report.note("feature_stars_without_curves", int(np.count_nonzero(~found)))
    x = np.clip(features.reindex(star_ids).to_numpy(dtype=np.float64), -CLIP, CLIP)

    train, test = parts == "train", parts == "test"
    if len(set(y[train].tolist())) < 2:
        raise NothingToTrainError("the baseline needs training stars of at least two classes")
    names = features.columns.tolist()
    known = _known_features(x, train, names, sorted(set(lcs.bands.tolist())), data.name)
    x, left_out = x[:, known], [n for n, k in zip(names, known, strict=True) if not k]
    table = stars.loc[test, ["id", "label"]].reset_index(drop=True)
    split_info = split_record(split, seed, parts, stars["label"].to_numpy(),
                              resolved_split(split, stars))
    hardware = f"CPU {cpu_model()}, {cpu_jobs(n_jobs)}"
    records = []
    for name in models:
        pipeline = make_model(name, int(train.sum()), model_seed, n_jobs)
        began = time.perf_counter()
        with threadpool_limits(limits=None if n_jobs == -1 else n_jobs):
            pipeline.fit(x[train], y[train])
            seconds = time.perf_counter() - began  # the fit, as a run's time is its training
            seen = pipeline.predict_proba(x[test])
        probs = np.zeros((int(test.sum()), len(classes)))
        probs[:, pipeline.classes_] = seen  # a class without training stars keeps 0
        predicted = probs.argmax(1)
        metrics = classification_metrics(y[test], predicted, classes, probs)
        records.append(RunRecord(
            dataset=data.name, model=name, classes=classes, split=split_info,
            hardware=hardware, train_seconds=round(seconds, 1), star=metrics.to_dict(),
            feature_seconds=feature_seconds,
            params={k: _jsonable(v) for k, v in pipeline[-1].get_params().items()}))
        table[f"predicted_{name}"] = np.array(classes, dtype=object)[predicted]
        for i, cls in enumerate(classes):
            table[f"p_{name}_{cls}"] = probs[:, i]

    import light_curve

    info = {
        "prepared": str(data.path.resolve()) if data.path is not None else None,
        "model_seed": model_seed,
        "test_ids": sorted(star_ids[test].tolist()),
        "features": {
            "n_features": int(x.shape[1]),
            "names": [n for n in names if n not in left_out],
            "left_out": left_out,  # no value for any training star
            "seconds": feature_seconds,
            "light_curve_version": light_curve.__version__,
            "min_points": MIN_POINTS,
            "min_period_days": min_period,
            "report": report.to_dict(),
        },
    }
    return BaselineResult(records, info, table)


def _known_features(x: np.ndarray, train: np.ndarray, names: list[str], bands: list[str],
                    dataset: str) -> np.ndarray:
    """Which features some training star has a value of, the others said in lcformer's
    words (scikit-learn's imputer would drop them with a warning of column numbers): all of
    a band's, where no training star has MIN_POINTS points in it (VVV's sparse J and H);
    the error-weighted ones, where no training star has errors; else by name."""
    unknown = np.isnan(x[train]).all(axis=0)
    if not unknown.any():
        return ~unknown
    lost = {n for n, u in zip(names, unknown, strict=True) if u}
    prefix = {b: f"{b}_" if b else "" for b in bands}
    empty = [b for b in bands if b and {n for n in names if n.startswith(prefix[b])} <= lost]
    left = {n for n in lost if not any(n.startswith(prefix[b]) for b in empty)}
    def own(name: str) -> str:  # the feature's name without its band's (ZTF_g_chi2: chi2)
        return next((name.removeprefix(prefix[b]) for b in bands
                     if b and name.startswith(prefix[b])), name)

    errors = {n for n in left if own(n) in ERROR_FEATURES}
    causes = ([f"band{'s' if len(empty) > 1 else ''} {', '.join(empty)}: no training star has "
               f"{MIN_POINTS} points there"] if empty else [])
    causes += ["the error-weighted ones: no training star has errors"] if errors else []
    if others := sorted(left - errors):
        causes.append(", ".join(others[:3]) + (", ..." if len(others) > 3 else ""))
    warnings.warn(f"{dataset}: {len(lost)} of {len(names)} light-curve features have no value "
                  f"for any training star ({'; '.join(causes)}); the baseline's classifiers "
                  f"leave them out", LcformerWarning, stacklevel=3)
    return ~unknown


def _jsonable(value: Any) -> Any:
    return value if value is None or isinstance(value, bool | int | float | str) else str(value)


def save_baseline(run_dir: str | Path, result: BaselineResult) -> Path:
    """``metrics.json`` (the records and how the features were made) and
    ``test_predictions.csv`` (one row per test star), both atomic."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    with atomic.temporary_path(run_dir / PREDICTIONS_FILE) as tmp:
        result.predictions.to_csv(tmp, index=False)
    write_records(run_dir, "feature_baseline", result.records, result.info)
    return run_dir


def same_test_stars(test_ids: list[str], run: RunConfig, name: str,
                    work: str | Path | None, command: str | None = None) -> str:
    """Which run the baseline compares with: the run `lcformer train` makes with the same
    model, seed and split, whose test stars it shares (checked where that run exists, in the
    work folder ``work``: its ``test_predictions.csv`` and records are read). ``command``:
    the dataset as given and its reading options, which that train takes (default ``name``;
    a folder's name alone may not rerun it)."""
    folder = work_dir(work) / "runs" / run_dir_name(name, run)
    options = f"--split {run.split} --split-seed {run.split_seed}"
    predictions = folder / PREDICTIONS_FILE
    if not predictions.is_file() or not (folder / METRICS_FILE).is_file():  # (unfinished)
        return (f"test stars: those of `lcformer train {command or name}` with the model "
                f"{run.model.name}, {options} and the preparation options given here "
                f"({len(test_ids):,} stars)")
    theirs = pd.read_csv(predictions, usecols=["id"], dtype={"id": str})["id"]
    if set(theirs) != set(test_ids):
        return (f"test stars: not those of {folder} ({len(theirs):,} there, another "
                f"preparation or split), so its scores are not comparable with these")
    try:
        scores = ", ".join(f"{r.model} macro-F1 {score_text(r.star['macro_f1'])}"
                           for r in read_records(folder))
    except LcformerError:  # a damaged record: the stars are the same all the same
        scores = "its scores could not be read"
    return f"test stars: the same {len(test_ids):,} as {folder} ({scores})"
