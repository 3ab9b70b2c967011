"""A table in partitions: each star's rows in one partition, checked by hashes; a star's
curves read from several joined, with one class."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from lcformer.data.lightcurves import LightCurves
from lcformer.data.reading.partitions import SeenStars, join_split_curves
from lcformer.data.report import DropReport


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 300), st.integers(1, 9), st.integers(0, 2**31))
def test_seen_stars_finds_a_star_met_before_and_names_its_partition(n, parts, seed):
    rng = np.random.default_rng(seed)
    ids = np.array([f"s{i}" for i in rng.permutation(n)], dtype=object)
    chunks = np.array_split(ids, parts)
    seen = SeenStars()
    for k, chunk in enumerate(chunks):
        assert seen.clash(chunk, Path(f"p{k}")) is None
    assert np.all(seen.hashes[1:] > seen.hashes[:-1])  # kept sorted, each star once
    assert len(seen.hashes) == n
    star = ids[rng.integers(n)]
    owner = next(k for k, chunk in enumerate(chunks) if star in set(chunk))
    message = seen.clash(np.array(["new", star], dtype=object), Path("again"))
    assert message is not None and f"star {star!r} also has rows in p{owner}:" in message


def test_a_stars_bands_in_two_partitions_share_its_class() -> None:
    """Each (star, band) chose its own class: a star's g band without one (in one partition)
    and its r band in RR (in another) stayed two classes, and a conflict went uncounted."""
    def part(band: str, label: str) -> LightCurves:
        return LightCurves.from_list([("s1", band, np.arange(3.0), np.ones(3), None)],
                                     labels=[label])

    report = DropReport()
    joined = join_split_curves(LightCurves.concatenate([part("g", ""), part("r", "RR")]),
                               report)
    assert list(joined.labels) == ["RR", "RR"] and not report.events
    joined = join_split_curves(LightCurves.concatenate([part("g", "EB"), part("r", "RR")]),
                               report)
    assert list(joined.labels) == ["EB", "EB"]
    assert report.events["label_conflict_first_kept"] == 1


def test_a_column_warning_is_said_once_for_a_folder_of_partitions(tmp_path: Path) -> None:
    """An unread catflags column is said once for a folder of partitions (not 100 lines
    for 100), once for the folder, and still in threads (Dask's), where catch_warnings
    would lose warnings."""
    import threading
    import warnings

    import pandas as pd

    from lcformer.data.reading.tables import read_long_table

    rows = pd.DataFrame({"id": list("aaabbbccc"), "time": np.arange(9.0),
                         "mag": 12 + np.arange(9) / 10, "catflags": 0})
    folder = tmp_path / "lightcurves.parquet"
    folder.mkdir()
    for k in range(3):
        rows.iloc[3 * k:3 * k + 3].to_parquet(folder / f"p{k}.parquet")
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        read_long_table(folder)
    assert [str(w.message).split(" looks")[0] for w in said] == ["'catflags'"]
    with warnings.catch_warnings(record=True) as said:  # partitions read in threads
        warnings.simplefilter("always")
        threads = [threading.Thread(target=read_long_table, args=(part,))
                   for part in sorted(folder.iterdir())]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(said) == 3  # one each: none lost
