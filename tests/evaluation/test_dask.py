"""classify_partitions on a two-worker distributed cluster gives the in-process predictions,
loading the model once per worker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.evaluation.predict import all_stars_table, predict_stars
from lcformer.evaluation.streaming import output_schema
from lcformer.training.runs import load_model
from tests.evaluation.stars import new_stars, write_partitions

dd = pytest.importorskip("dask.dataframe", reason='needs pip install "lcformer[dask]"')
distributed = pytest.importorskip("distributed")


def model_loads() -> int:
    """How often this worker process loaded a model (run on the workers)."""
    from lcformer.evaluation.dask import _load

    return _load.cache_info().misses


def test_two_workers_give_the_in_process_predictions(tiny_run, tmp_path) -> None:
    from lcformer.evaluation.dask import classify_partitions

    lcs = new_stars()
    paths = write_partitions(lcs, tmp_path / "in", 4)
    empty = pd.read_parquet(paths[0]).iloc[:0]  # as a shuffle by id leaves some
    empty.to_parquet(tmp_path / "in" / "empty.parquet", index=False)
    paths.append(tmp_path / "in" / "empty.parquet")
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster) as client):
        points = dd.from_map(pd.read_parquet, paths)
        predictions = classify_partitions(points, tiny_run)
        assert predictions.npartitions == 5
        assert list(predictions.columns) == list(output_schema(load_model(tiny_run)[1]).columns)
        got = predictions.compute()
        loads = client.run(model_loads)
    assert len(loads) == 2 and set(loads.values()) <= {0, 1} and sum(loads.values()) >= 1

    model, metadata = load_model(tiny_run)
    expected = all_stars_table(predict_stars(model, metadata, lcs, device="cpu"),
                               pd.unique(lcs.ids))
    assert got["id"].tolist() == expected["id"].tolist()  # partitions in order, stars in order
    assert got["predicted"].tolist() == expected["predicted"].tolist()
    assert got["flag"].tolist() == expected["flag"].tolist()
    numbers = [c for c in expected if c.startswith("p_")] + ["probability", "period", "fap"]
    np.testing.assert_allclose(got[numbers].to_numpy(dtype=float),
                               expected[numbers].to_numpy(dtype=float), rtol=1e-5)


def test_an_unreadable_partition_fails_rather_than_vanishing(tiny_run) -> None:
    from lcformer.errors import InputError
    from lcformer.evaluation.dask import classify_frame

    frame = pd.DataFrame({"id": ["s1"] * 4 + ["s2"] * 4, "time": [1.0, 2, 3, 4] * 2,
                          "mag": ["10", "10.5", "10.2", "10.1", "12", "n/a", "12.2", "12.1"]})
    with pytest.raises(InputError, match=r"8 rows could not be read.*'n/a' is not a number"):
        classify_frame(frame, str(tiny_run))


def test_a_star_split_across_partitions_is_refused(tiny_run, tmp_path) -> None:
    """Classified apart, its halves would come out as two rows: refused before classifying."""
    from lcformer.errors import InputError
    from lcformer.evaluation.dask import classify_partitions

    frame = new_stars(1).to_frame()
    star = frame["id"].iloc[0]
    rows = frame.index[frame["id"] == star]
    halves = [frame.drop(rows[len(rows) // 2:]), frame.loc[rows[len(rows) // 2:]]]
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster)):
        points = dd.from_map(lambda part: part, halves)
        with pytest.raises(InputError, match=f"more than one partition, e.g. '{star}'"):
            classify_partitions(points, tiny_run)
        whole = dd.from_map(lambda part: part, [frame])
        assert len(classify_partitions(whole, tiny_run).compute()) == frame["id"].nunique()
