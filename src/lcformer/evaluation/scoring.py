"""Score predictions against labels the input carries (a labelled survey the model never saw).

Kept apart from predicting: a score needs the input's labels and splits, and must never count
a star the model trained on as a new one (by the run's test set, the input's split, or the
stars' fingerprints), which is a question of its own; the CLI, the partitioned predictions
(:mod:`lcformer.evaluation.streaming`) and Dask read the same line from here.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves
from lcformer.evaluation.metrics import Metrics, classification_metrics, score_text
from lcformer.evaluation.predict import (
    SEEN,
    Predictions,
    all_stars_table,
    with_input_labels,
)
from lcformer.training.run_folder import PREDICTIONS_FILE

#: The share of an input's stars outside the run's test set that must be the run's training
#: stars (by their points) for an input named like the run's dataset to be taken for it.
OWN_DATASET_SEEN = 0.5
#: A star's row as :func:`score_labels` reads it (partitioned predictions carry these columns).
SCORE_COLUMNS = ("id", "predicted", "flag", "label", "split")


def label_scores(result: Predictions, lcs: LightCurves,
                 run_test_ids: Collection[str] | None = None,
                 untrained: Collection[str] = ()) -> str | None:
    """A line scoring the predictions against the input's own labels (a labelled survey the
    model never saw), or None without labels (:func:`score_labels`, on this input's stars,
    the unclassified ones too; ``untrained``: the model's classes without a training
    star). Leaves ``result`` as it is (a predictions file's ``label`` and ``split``
    columns: :func:`~lcformer.evaluation.predict.with_input_labels`)."""
    if lcs.labels is None:
        return None
    # Every star, the classified ones first: the order the line names labels spelt otherwise.
    ids = pd.concat([result.table["id"], result.unclassified["id"]], ignore_index=True)
    stars = with_input_labels(all_stars_table(result, ids.to_numpy(dtype=object)), lcs)
    return score_labels(stars, result.classes, run_test_ids, untrained=untrained)


def score_labels(stars: pd.DataFrame, classes: Sequence[str],
                 run_test_ids: Collection[str] | None = None,
                 source: str = "the input's labels", unlabelled: int | None = None,
                 untrained: Collection[str] = ()) -> str | None:
    """A line scoring predictions against labels, or None where no star is labelled: macro-F1
    and accuracy on the labelled stars classified, and on those unflagged, and F1 per class.

    ``stars``: one row per star (:data:`SCORE_COLUMNS`): ``predicted`` ("" where it was not
    classified), ``flag``, ``label`` ("" where none) and, where the input has one, its own
    ``split``; a table in memory, or the columns of partitioned predictions (only labelled
    rows are read, so those alone may be given). A model's training stars must not be scored
    as new ones: given ``run_test_ids`` (the input is named as the run's own dataset), only
    those stars are scored, unless every star's SEEN is known and the input labels none of
    them or fewer than :data:`OWN_DATASET_SEEN` of its other stars are the run's training
    stars (an input only named alike: a folder "train"); else, where some labelled star has
    a split, only those outside ``train``; and
    of those, stars whose :data:`SEEN` is True (their points are those of the run's own
    training or validation stars, under other ids or in another layout) are counted, not
    scored (a missing or empty value: not known to be seen).
    Stars of classes the model does not know or never trained on (``untrained``: no
    training star; scored, each would be F1 0), and labelled stars not classified, are counted, not
    scored, and so are the stars without a label (``unlabelled``, by default those
    ``stars`` holds). ``source``: what the labels are, as the line names them."""
    every = stars[stars["label"] != ""]
    if every.empty:
        return None
    every, renamed = _as_model_classes(every, classes)
    head = f"against {source}{renamed}:"
    scored, which, none, n_seen = _stars_to_score(every, run_test_ids)
    if scored.empty:
        return f"{head} none scored: {none}"
    classified = scored[(scored["predicted"] != "").to_numpy()]
    unclassified = len(scored) - len(classified)
    label = classified["label"].astype(str).reset_index(drop=True)
    predicted = classified["predicted"].astype(str).reset_index(drop=True)
    known = (label.isin(classes) & ~label.isin(list(untrained))).to_numpy()

    def metrics(rows: np.ndarray) -> Metrics:
        truth = pd.Categorical(label[rows], categories=classes).codes
        guess = pd.Categorical(predicted[rows], categories=classes).codes
        return classification_metrics(truth, guess, list(classes))

    def score(rows: np.ndarray) -> str:
        m = metrics(rows)
        return (f"macro-F1 {score_text(m.macro_f1)}, accuracy {score_text(m.accuracy)} on "
                f"{int(rows.sum()):,}")

    parts, per_class = [], ""
    if known.any():
        # Which classes the new stars lose, the first thing to look at on another survey.
        table = metrics(known).per_class
        per_class = "\n  F1 per class (stars): " + ", ".join(
            f"{c} {score_text(table[c]['f1-score'])} ({int(table[c]['support']):,})"
            for c in classes if table[c]["support"] > 0)
        per_class += only_predicted_line(label[known], predicted[known], table)
        part = f"{score(known)} {which} classified"
        unflagged = known & (classified["flag"] == "").to_numpy()
        if unflagged.sum() < known.sum():
            # A class all of whose stars are flagged (constant stars: no_significant_period)
            # is not in the unflagged score: said, as its macro average is over fewer classes.
            gone = sorted(set(label[known]) - set(label[unflagged]))
            without = (f": no star of {', '.join(gone[:3])}{', ...' if len(gone) > 3 else ''}"
                       f", all flagged" if gone else "")
            part += (f" ({score(unflagged)} unflagged{without})" if unflagged.any()
                     else " (every one flagged)")
        parts.append(part)
    not_scored = [f"{n_seen:,} whose points are those of the run's own training or "
                  f"validation stars (all or in part)"] if n_seen else []
    if not known.all():
        unknown = sorted(set(label[~known]))
        # What the model calls them: its classes' precision on this survey, which the F1
        # per class above (over the known classes' stars) does not show.
        called = predicted[~known].value_counts()
        not_scored.append(f"{int((~known).sum()):,} of classes the model was not "
                          f"trained on ({', '.join(unknown[:3])}"
                          f"{', ...' if len(unknown) > 3 else ''}; predicted as "
                          + "; ".join(f"{c} {n:,}" for c, n in called.head(3).items())
                          + f"{'; ...' if len(called) > 3 else ''})")
    if unclassified:
        not_scored.append(f"{unclassified:,} not classified")
    if not_scored:
        parts.append(f"{which} not scored: {' and '.join(not_scored)}")
    if unlabelled is None:
        unlabelled = int((stars["label"] == "").sum())
    if unlabelled:  # so that the counts add up to the stars read
        parts.append(f"{unlabelled:,} star{'s' if unlabelled != 1 else ''} without a label")
    return f"{head} {'; '.join(parts)}{per_class}"


def _stars_to_score(every: pd.DataFrame, run_test_ids: Collection[str] | None
                    ) -> tuple[pd.DataFrame, str, str, int]:
    """Of the labelled stars ``every`` (:func:`score_labels`), those new to the model, what
    they are in words, why there are none where there are none, and how many were left out
    as the run's own training or validation stars."""
    scored, which, none = every, "labelled stars", ""
    if run_test_ids is not None and _seen_known(every):
        # Named like the run's dataset (a folder "train"), but none of its test stars, or
        # its other stars mostly not the run's training stars (their points): the
        # fingerprints, not the name, tell which stars the model trained on. (A
        # held-out folder named as the training one, its ids numbered alike, would be
        # scored on only the stars that share ids.)
        test = every["id"].isin(run_test_ids)
        if not test.any() or every.loc[~test, SEEN].eq(True).mean() < OWN_DATASET_SEEN:
            run_test_ids = None
    if run_test_ids is not None:
        scored = every[every["id"].isin(run_test_ids)]
        which = "labelled stars of the run's test set"
        none = ("the input is named like the run's dataset but labels none of the run's "
                "test stars, and its other stars may be ones the model trained on (a survey "
                "new to the model: give it another name to score it)")
    elif "split" in every and (every["split"] != "").any():
        # Only val, test or none is new to a model: "training", a typo, is not taken for it.
        split = every["split"].str.strip().str.lower()
        scored = every[split.isin(["val", "test", ""])]
        which = "labelled stars outside the input's train split"
        none = "every labelled star is in the input's train split"
        odd = sorted(set(split[~split.isin(["train", "val", "test", ""])]))
        if odd:
            named = f"split {', '.join(map(repr, odd[:3]))}, neither train, val nor test"
            which += f" (not scored: those of {named})"
            none = f"every labelled star is in the input's train split or of {named}"
    seen = (scored[SEEN].eq(True).to_numpy() if SEEN in scored
            else np.zeros(len(scored), dtype=bool))
    n_seen = int(seen.sum())
    if n_seen:
        scored = scored[~seen]
        if scored.empty:
            none = (f"all {n_seen:,} {which} have the points of the run's own training or "
                    f"validation stars (all or in part)")
    return scored, which, none, n_seen


def _class_key(name: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", name.lower())


def _as_model_classes(stars: pd.DataFrame, classes: Sequence[str]
                      ) -> tuple[pd.DataFrame, str]:
    """Labels that are a model class spelt otherwise (``RR_Lyrae_FM`` for ``RR Lyrae FM``:
    the same letters and digits, in any case) read as that class, and the words saying so
    ("" where none is): another survey's catalogue spells its classes its own way."""
    keys: dict[str, list[str]] = {}
    for c in classes:
        keys.setdefault(_class_key(c), []).append(c)
    labels = pd.Series(stars["label"].unique())
    other = labels[~labels.isin(classes)]
    renames = {label: keys[_class_key(label)][0] for label in other
               if len(keys.get(_class_key(label), [])) == 1}
    if not renames:
        return stars, ""
    shown = ", ".join(f"{a} as {b}" for a, b in list(renames.items())[:3])
    more = ", ..." if len(renames) > 3 else ""
    return (stars.assign(label=stars["label"].replace(renames)),
            f" (read as the model's classes, spelt otherwise: {shown}{more}; the output's "
            f"label column keeps the input's spelling, --class-names renames it)")


def only_predicted_line(label: pd.Series, predicted: pd.Series,
                        per_class: Mapping[str, Mapping[str, float]]) -> str:
    """A line for classes predicted but labelled on no star here (a survey labelled with some
    of the model's classes), or "": macro-F1 averages them as 0 each, which can pull it far
    below every labelled class's F1, so the line names them and gives the labelled classes'
    mean too."""
    labelled = set(label)
    extra = predicted[~predicted.isin(labelled)].value_counts()
    if extra.empty:
        return ""
    mean = np.mean([per_class[c]["f1-score"] for c in labelled])
    named = ", ".join(f"{c} {n:,}" for c, n in extra.head(3).items())
    return (f"\n  macro-F1 averages {len(labelled) + len(extra)} classes: the {len(labelled)} "
            f"labelled here and {len(extra)} predicted but labelled on no star ("
            f"{int(extra.sum()):,} star{'s' if int(extra.sum()) != 1 else ''}: {named}"
            f"{', ...' if len(extra) > 3 else ''}), whose "
            f"F1 is 0; over the {len(labelled)} labelled alone: {score_text(mean)}")


def _seen_known(stars: pd.DataFrame) -> bool:
    """Whether every star's :data:`SEEN` is known (the checkpoint keeps fingerprints)."""
    return SEEN in stars and bool(stars[SEEN].isin([True, False]).all())


def run_test_ids(run_dir: str | Path, input_name: str, metadata: Mapping[str, Any],
                 data_dir: str | Path | None = None) -> set[str] | None:
    """The run's test stars (its ``test_predictions.csv``) where the input is the dataset the
    run was trained on (by name, as lcformer names datasets: ``mine.parquet`` is ``mine``):
    there only they are new to the model. None otherwise."""
    from lcformer.data.datasets import dataset_name

    table = Path(run_dir) / PREDICTIONS_FILE
    dataset, name = metadata.get("dataset"), Path(str(input_name)).name
    if not dataset or not table.is_file():
        return None
    # A file named after it: resolved (its suffix may be .csv.gz) only then, as resolving
    # may walk a folder or open an archive.
    if name != dataset and not (name.startswith(f"{dataset}.")
                                and dataset_name(str(input_name), data_dir) == dataset):
        return None
    return set(pd.read_csv(table, usecols=["id"], dtype=str, keep_default_na=False)["id"])
