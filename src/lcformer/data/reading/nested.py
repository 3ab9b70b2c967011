"""Tables of one row per star, its points nested in a column (nested-pandas, LSDB, Rubin's
DP1) or in list columns (ZTF's data releases), made into one row per point by whole-array
operations, so that they read as long tables do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.reading.config import Columns
from lcformer.data.report import DropReport


def nested_columns(schema: Any, columns: Columns) -> list[str]:
    """The columns that may hold each star's points in a table of one row per star
    (nested-pandas, LSDB and Rubin's DP1 write a struct of lists, ``lc: {time: [...], mag:
    [...]}``; others a list of structs): those with the time and mag inside."""
    import pyarrow as pa

    def is_list(kind: Any) -> bool:
        return pa.types.is_list(kind) or pa.types.is_large_list(kind)

    found = []
    for field in schema:
        kind = field.type
        if pa.types.is_struct(kind) and kind.num_fields and all(
                is_list(kind.field(i).type) for i in range(kind.num_fields)):
            inner = [kind.field(i).name for i in range(kind.num_fields)]
        elif is_list(kind) and pa.types.is_struct(kind.value_type):
            inner = [f.name for f in kind.value_type]
        else:
            continue
        named = columns.resolve(inner)
        if named.time in inner and named.mag in inner:
            found.append(field.name)
    return found


#: The struct that :func:`nested_lists` makes of a table's list columns.
LISTS = "points (the list columns)"


def list_columns(schema: Any, columns: Columns) -> list[str]:
    """A table's top-level list columns of one row per star, its points' values one list
    each (ZTF's data releases: ``hmjd``, ``mag``, ``magerr``, ``catflags``; nested-pandas'
    ``nest_lists`` input), where the time and mag are among them; else none."""
    import pyarrow as pa

    lists = [f.name for f in schema if (pa.types.is_list(f.type) or pa.types.is_large_list(
        f.type)) and not pa.types.is_struct(f.type.value_type)]
    named = columns.resolve(lists)
    return lists if named.time in lists and named.mag in lists else []


def nested_lists(table: Any, lists: list[str], time: str) -> Any:
    """``table`` with those of its ``lists`` (:func:`list_columns`) that hold a value a point,
    as many as the ``time`` list in every row, as one struct of lists, :data:`LISTS`, which
    :func:`exploded` reads as it reads nested-pandas'; a list of another length (a star's
    aliases) stays a column of its own."""
    import pyarrow as pa
    import pyarrow.compute as pc

    arrays = {c: table.column(c).combine_chunks() for c in lists}
    length = pc.list_value_length(arrays[time]).fill_null(0)
    points = {c: a for c, a in arrays.items()
              if pc.all(pc.equal(pc.list_value_length(a).fill_null(0), length)).as_py()
              is not False}
    struct = pa.StructArray.from_arrays(list(points.values()), names=list(points))
    return table.drop_columns(list(points)).append_column(LISTS, struct)


def exploded(table: Any, nested: str, path: Path | str, sink: DropReport,
              columns: Columns) -> pd.DataFrame | None:
    """One row per point from one row per star: the nested column's fields, with the star's
    other (top-level) columns repeated, by whole-array operations (no loop over stars). A
    star with no point keeps one row of no values (NaN), so that it is listed, not lost; it
    is counted as ``stars_without_points``. None, with a problem, where it cannot be read,
    as where a column that ``columns`` names is both a top-level column and a field; another
    name in both places (DP1's ``coord_ra``) is not read, and the field is kept."""
    import pyarrow as pa
    import pyarrow.compute as pc

    column = table.column(nested).combine_chunks()
    if pa.types.is_struct(column.type):  # a struct of lists: one list per field
        lists = {column.type.field(i).name: column.field(i)
                 for i in range(column.type.num_fields)}
        lengths = [pc.list_value_length(a).fill_null(0).to_numpy(zero_copy_only=False)
                   for a in lists.values()]
        differ = np.flatnonzero(np.any([n != lengths[0] for n in lengths[1:]], axis=0)
                                if len(lengths) > 1 else np.zeros(0, bool))
        if len(differ):
            row = int(differ[0])
            sizes = ", ".join(f"{k} {int(n[row])}" for k, n in zip(lists, lengths, strict=True))
            sink.problem(f"{path}: row {row + 1} of column {nested!r} has lists of different "
                         f"lengths ({sizes}): every point needs each value", "unreadable_file")
            return None
        first = next(iter(lists.values()))
        parents = pc.list_parent_indices(first).to_numpy()
        points = {name: pc.list_flatten(a) for name, a in lists.items()}
    else:  # a list of structs: one struct per point
        parents = pc.list_parent_indices(column).to_numpy()
        flat = pc.list_flatten(column)
        points = {f.name: flat.field(f.name) for f in column.type.value_type}
    read = {c.lower() for c in (columns.id, columns.band, columns.time, columns.mag,
                                columns.err, columns.label, columns.split, columns.flag) if c}
    twice = set(points) & set(table.column_names) - {nested}
    both = sorted(n for n in twice if n.lower() in read)
    if both:
        sink.problem(f"{path}: {', '.join(map(repr, both))} is both a column and a field of "
                     f"{nested!r}; drop one, so that each value has one source",
                     "unreadable_file")
        return None
    empty = np.setdiff1d(np.arange(len(table)), parents)
    if len(empty):  # one row of NaN each: listed as having no usable point
        sink.note("stars_without_points", len(empty))
        parents = np.concatenate([parents, empty])
        points = {name: pa.concat_arrays([a, pa.nulls(len(empty), a.type)])
                  for name, a in points.items()}
    rest = {name: table.column(name).take(pa.array(parents)) for name in table.column_names
            if name != nested and name not in twice}
    return pa.table({**rest, **points}).to_pandas()
