"""Labels tables: one row per star (id, class[, split]), joined to the light curves by id.

A labels table that cannot be used raises, report or not (nothing could be labelled as it
says); labelled stars without a light curve are counted and named. A labels file of only a
header, or with the stars' ids but no class column (a survey's metadata), is read as no
labels and recorded (:func:`empty_labels_file`, :func:`classless_labels_file`); prepare and
train refuse it (:func:`refuse_empty_labels`).
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import LightCurves, label_array
from lcformer.data.reading.columns import rounded_id, rounded_id_text
from lcformer.data.reading.config import Columns
from lcformer.data.reading.files import PathLike, first_few, names_text, no_rows, read_str_table
from lcformer.data.report import DropReport
from lcformer.errors import InputError, LcformerWarning


def join_labels(
    curves: LightCurves,
    labels: PathLike | pd.DataFrame,
    columns: Columns,
    table_name: str,
    sink: DropReport,
) -> LightCurves:
    """Labels (and splits) by star id; labelled stars without a light curve are counted. A
    labels table that names none of the stars is a problem of its own, which says so: its ids
    are another catalogue's (CRTS's CSS_J... names beside the light curves' MasterIDs).
    A labels file of only a header leaves ``curves`` as they are, as if it were absent (a
    table's own class column kept)."""
    table = labels_table(labels, columns, sink)
    if table.empty and not isinstance(labels, pd.DataFrame):
        return curves
    has_curve = table[columns.id].isin(curves.ids.astype(str)).to_numpy()
    if len(table) and curves.n_curves and not has_curve.any():
        sink.problem(f"{labels_name(labels)}: no star id of it is one of {table_name}'s (it "
                     f"has {table[columns.id].iat[0]!r}, the light curves "
                     f"{str(curves.ids[0])!r}): give the labels by the light curves' ids")
    count_orphans(table, has_curve, columns, labels_name(labels), table_name, sink,
                  curves.ids)
    joined = attach_labels(curves, table, columns)
    if curves.labels is not None and joined.labels is not None:  # a class column as well
        own = np.char.strip(label_array(np.asarray(curves.labels, dtype=object)).astype(str))
        listed = np.isin(curves.ids.astype(str), table[columns.id].to_numpy())
        differ = listed & (own != "") & (own != joined.labels.astype(str))
        if differ.any():  # the labels table's are used (a relabelling, maybe): said
            first = int(np.flatnonzero(differ)[0])
            stars = len(set(np.asarray(curves.ids)[differ].tolist()))
            sink.note("table_classes_overridden_by_labels", stars)
            warnings.warn(f"{table_name}: its class column disagrees with "
                          f"{labels_name(labels)} for {stars:,} star(s) (star "
                          f"{str(curves.ids[first])!r}: {str(own[first])!r} in the table, "
                          f"{joined.labels[first]!r} in the labels); the labels table's are "
                          f"used", LcformerWarning, stacklevel=2)
    return joined


def labels_name(labels: PathLike | pd.DataFrame) -> str:
    return "labels DataFrame" if isinstance(labels, pd.DataFrame) else str(labels)


def _case_matches(found: list[str], columns: Columns) -> dict[str, str]:
    """Found name -> the name it matches ignoring case, as tables' columns match (ID, Class),
    for the roles and plain names a labels table may use."""
    resolved = columns.resolve(found)
    plain = Columns().resolve(found)
    pairs = [(resolved, columns), (plain, Columns())]
    return {getattr(have, role): getattr(want, role) for have, want in pairs
            for role in ("id", "label", "split")
            if getattr(have, role) != getattr(want, role) and getattr(have, role) in found}


#: How the problem line of a labels file of only a header ends: refuse_empty_labels finds it.
_EMPTY = "labels no star; fill it in or remove it"


def empty_labels_file(name: str, what: str, sink: DropReport) -> None:
    """Record a labels file (``what`` it is) of only a header, read as none: ``predict`` and
    ``describe`` need no labels (a folder is described before it is labelled), so the readers
    do not refuse it but count it (``empty_labels_file``), keep its problem line and warn;
    ``prepare`` and ``train`` refuse it by that line (:func:`refuse_empty_labels`)."""
    sink.note("empty_labels_file")
    sink.problem(f"{no_rows(name)}: an empty {what} {_EMPTY}")
    warnings.warn(f"{no_rows(name)}: read as no labels, as if it were absent; prepare and "
                  f"train refuse it until it is filled in", LcformerWarning, stacklevel=3)


#: How the problem line of a labels file without a class column ends.
_CLASSLESS = "map its class column with --columns class=NAME"


def classless_labels_file(name: str, found: list[str], label: str, sink: DropReport) -> None:
    """Record a labels file with the stars' ids but no class column (PLAsTiCC's test
    metadata saved as labels.csv), read as none, as :func:`empty_labels_file` is: ``predict``
    and ``describe`` need no classes, ``prepare`` and ``train`` refuse it by its line."""
    sink.note("labels_file_without_class")
    sink.problem(f"{name}: no class column {label!r} (found {', '.join(found)}): "
                 f"{_CLASSLESS}")
    warnings.warn(f"{name}: read as no labels, as it has no class column {label!r}; prepare "
                  f"and train refuse it until it has one (--columns class=NAME)", LcformerWarning,
                  stacklevel=3)


def refuse_empty_labels(report: DropReport) -> None:
    """Raise the problem line of a labels file of only a header (:func:`empty_labels_file`)
    or without a class column (:func:`classless_labels_file`): to train, every star would
    be left unlabelled and dropped, found only as 0 stars kept."""
    if report.events["empty_labels_file"] or report.events["labels_file_without_class"]:
        raise InputError(next(p for p in report.problems if p.endswith((_EMPTY, _CLASSLESS))))


def labels_table(labels: PathLike | pd.DataFrame, columns: Columns,
                 sink: DropReport) -> pd.DataFrame:
    """A labels table read and checked: one row per star, columns ``columns.id``,
    ``columns.label`` [``columns.split``].

    A labels table that cannot be read, lacks its columns or gives one star two classes raises
    :class:`InputError`, report or not: nothing could be labelled as it says. Repeated
    identical rows are fine (event ``duplicate_label_row``). A file of only a header comes
    back empty (:func:`empty_labels_file`).
    """
    name = labels_name(labels)
    expected = f"{columns.id},{columns.label}[,{columns.split}]"
    table = read_str_table(labels, "labels table", expected)
    table = table.rename(columns=_case_matches(list(table.columns), columns))  # ID, Class
    # The labels may keep the plain names when the light curves' columns were mapped.
    id_column = columns.id if columns.id in table or "id" not in table else "id"
    label_column = columns.label if columns.label in table or "class" not in table else "class"
    if id_column in table and label_column not in table and not isinstance(labels,
                                                                           pd.DataFrame):
        classless_labels_file(name, [str(c) for c in table.columns], columns.label, sink)
        return pd.DataFrame({columns.id: pd.Series(dtype=object),
                             columns.label: pd.Series(dtype=object)})
    if id_column not in table or label_column not in table:
        raise InputError(f"{name}: found columns {names_text(list(table.columns))}, expected "
                         f"['{columns.id}', '{columns.label}'] (optional '{columns.split}'): "
                         f"one row per star; map other names with --columns (which names "
                         f"the light curves' columns too: where theirs differ, rename this "
                         f"file's columns to {columns.id} and {columns.label})")
    table = table.rename(columns={id_column: columns.id, label_column: columns.label})
    if table.empty and not isinstance(labels, pd.DataFrame):
        empty_labels_file(name, "labels table", sink)
    if (example := rounded_id(table[columns.id])) is not None:
        raise InputError(rounded_id_text(name, columns.id, example))
    kept = [c for c in (columns.id, columns.label, columns.split) if c in table]
    duplicated = table[columns.id].duplicated()
    distinct = table[kept].drop_duplicates()
    conflicting = distinct[columns.id][distinct[columns.id].duplicated()].unique().tolist()
    if conflicting:
        raise InputError(f"{name}: {len(conflicting)} star(s) have rows with different "
                         f"{' or '.join(kept[1:])}: {first_few(conflicting, 5)}; keep one row "
                         f"per star")
    sink.note("duplicate_label_row", int(duplicated.sum()))
    return table[~duplicated.to_numpy()]


def attach_labels(curves: LightCurves, table: pd.DataFrame, columns: Columns) -> LightCurves:
    """``curves`` with the labels (and splits) of :func:`labels_table`'s ``table``; "" for
    stars it lacks."""
    index = pd.Index(table[columns.id])
    position = index.get_indexer(pd.Index(curves.ids.astype(str)))
    found = position >= 0

    def joined(column: str) -> np.ndarray:
        values = table[column].to_numpy(dtype=object)
        out = np.full(curves.n_curves, "", dtype=object)
        out[found] = values[position[found]]
        return out

    splits = joined(columns.split) if columns.split in table else curves.splits
    return LightCurves(curves.ids, curves.bands, curves.offsets, curves.time, curves.mag,
                       curves.err, label_array(joined(columns.label)), splits)


def without_zeros(name: str) -> str:
    """An id without its leading zeros ('0161481' is '161481')."""
    return re.sub(r"^0+(?=\d)", "", str(name).strip())


def loose_id(name: str) -> str:
    """A catalogue's way of writing an id, undone: its prefix words before a space, of
    letters, or of letters then digits after such a word ('ASAS 155021', 'ASAS J1236-65.5',
    'TIC 123', 'Gaia DR3 41'), and leading zeros ('0161481'); not a word with an underscore
    or of its own ('LMC_SC2 123456' is another field's star), to say which labels,
    or catalogue rows, name a light curve written otherwise."""
    bare = re.sub(r"^(?:[A-Za-z]+\s+(?:[A-Za-z]+\d+\s+)?)+(?=\S)", "", str(name).strip())
    return without_zeros(bare)


def _written_otherwise(orphans: pd.Series, curve_ids: np.ndarray) -> str:
    """'; N of them match light curves' ids but for ...' where labels' ids and light curves'
    are one but for a prefix or leading zeros, on either side (VSX's
    'ASAS 155021' and '0161481' for curves 155021 and 161481), else only listed as having
    no light curve."""
    known = pd.Series(curve_ids, dtype=object).astype(str).drop_duplicates()
    by_key = pd.Series(known.to_numpy(), index=known.map(loose_id).to_numpy())
    by_key = by_key[~by_key.index.duplicated(keep=False)]  # one curve a key, or none
    matched = orphans.map(loose_id).map(by_key).dropna()
    if not len(matched):
        return ""
    first = matched.index[0]
    return (f"; {len(matched):,} of them match light curves' ids but for a prefix or leading "
            f"zeros ({orphans[first]!r} is {matched.iloc[0]!r}): write the labels' ids as the "
            f"light curves'")


def count_orphans(table: pd.DataFrame, has_curve: np.ndarray, columns: Columns, name: str,
                  table_name: str, sink: DropReport,
                  curve_ids: np.ndarray | None = None) -> None:
    """Count (and name a few of) the labelled stars that have no light curve: the rows of
    ``table`` where ``has_curve`` is False; and say which of them are light curves' ids
    without their leading zeros (``curve_ids``: a spreadsheet wrote 001 as 1), and which
    classes are left without a star (a class can vanish at exit 0)."""
    orphans = table[columns.id][~has_curve].astype(str)
    if not len(orphans):
        return
    sink.drop_curves("no_lightcurve", len(orphans))
    why = ""
    if curve_ids is not None:
        padded = pd.Series(curve_ids, dtype=object).astype(str)
        padded = padded[padded.str.match(r"0+\d")]
        unpadded = dict(zip(padded.str.lstrip("0"), padded, strict=True))  # 1 -> 001
        zeros = orphans[orphans.isin(list(unpadded))]
        if len(zeros):
            why += (f"; {len(zeros):,} of them are light curves' ids without their leading "
                    f"zeros ({zeros.iloc[0]!r} is {unpadded[zeros.iloc[0]]!r}): write the "
                    f"labels' ids as the light curves' (a spreadsheet drops the zeros of a "
                    f"number column; make it text)")
        why += _written_otherwise(orphans[~orphans.isin(list(unpadded))], curve_ids)
    if columns.label in table:
        kept = set(table[columns.label][has_curve])
        lost = sorted(set(table[columns.label][~has_curve]) - kept - {""})
        if lost:
            why += f"; no star of class {', '.join(map(repr, lost))} is left"
    sink.problem(f"{name}: {len(orphans)} labelled star(s) have no light curve in "
                 f"{table_name}, e.g. {', '.join(orphans.tolist()[:5])}{why}")
