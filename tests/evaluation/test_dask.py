"""classify_partitions on a two-worker distributed cluster gives the in-process predictions,
loading the model once per worker."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.evaluation.predict import all_stars_table, predict_stars
from lcformer.evaluation.streaming import output_schema
from lcformer.training.run_folder import load_model
from tests.evaluation.stars import labelled_stars, new_stars, write_partitions

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


def test_a_labelled_partition_keeps_its_stars_labels(tiny_run) -> None:
    """Each task's table carries the input's label and split of its stars (the columns of
    the output schema, "" where the input has none), to score against."""
    from lcformer.evaluation.dask import classify_frame

    lcs = labelled_stars()
    got = classify_frame(lcs.to_frame(), str(tiny_run), device="cpu")
    assert got["label"].tolist() == lcs.star_table()["label"].tolist()
    assert (got["split"] == "").all()
    unlabelled = classify_frame(new_stars(1).to_frame(), str(tiny_run), device="cpu")
    assert (unlabelled["label"] == "").all()


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
        # Ids are stars by their text, as the reader names them: 7 (7.0 where pandas made
        # the column float) and "7" are one star; partitions of int and text ids, whatever
        # Dask's meta says, are checked without a type error.
        numbered = [halves[0].assign(id=7.0), halves[1].assign(id="7")]
        with pytest.raises(InputError, match=r"more than one partition, e\.g\. '7'"):
            classify_partitions(dd.from_map(lambda part: part, numbered), tiny_run)
        apart = [halves[0].assign(id=7), halves[1]]
        assert len(classify_partitions(dd.from_map(lambda part: part, apart),
                                       tiny_run).compute()) == 2
        # Ids in the index (set_index("id")): read as the id column, and checked.
        indexed = [half.set_index("id") for half in halves]
        with pytest.raises(InputError, match=f"more than one partition, e.g. '{star}'"):
            classify_partitions(dd.from_map(lambda part: part, indexed), tiny_run)
        got = classify_partitions(dd.from_map(lambda part: part, [frame.set_index("id")]),
                                  tiny_run).compute()
        assert sorted(got["id"]) == sorted(frame["id"].unique())
        # The ids the reader takes are the ones checked: a column named as ids beside an
        # index of row keys (checking the index would let the split star through).
        keyed = [half.rename(columns={"id": "objectId"}).set_index(
            pd.Index(range(len(half)), name="id")) for half in halves]
        with pytest.raises(InputError, match=f"more than one partition, e.g. '{star}'"):
            classify_partitions(dd.from_map(lambda part: part, keyed), tiny_run,
                                reading=ReadConfig(columns=Columns(id="objectId")))


# Dask's own Parquet reader, not lcformer, calls the deprecated reset_index(inplace=True).
@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.reset_index")
def test_a_star_split_across_small_parquet_files_is_refused(tmp_path) -> None:
    """Reading the id column alone, Dask fuses eight small files into three partitions, in
    which a star split over two files looks whole; classifying reads the eight."""
    from lcformer.errors import InputError
    from lcformer.evaluation.dask import _check_one_partition_per_star

    rng = np.random.default_rng(0)
    frames = [pd.DataFrame({"id": f"s{i}", "time": np.arange(40.0), "mag": rng.normal(12, 0.1, 40),
                            "err": 0.01, "band": "V", "ra": 1.0, "dec": 2.0, "airmass": 1.1})
              for i in range(8)]
    frames[0] = pd.concat([frames[0], frames[1].iloc[:10]])
    frames[1] = frames[1].iloc[10:]
    for i, frame in enumerate(frames):
        frame.to_parquet(tmp_path / f"part.{i}.parquet", index=False)
    points = dd.read_parquet(tmp_path)
    assert points["id"].optimize().npartitions < points.optimize().npartitions  # fused
    with pytest.raises(InputError, match=r"more than one partition, e\.g\. 's1'"):
        _check_one_partition_per_star(points, Columns())


def awkward_partitions(folder) -> list:
    """Stars with something dropped while reading and cleaning: non-finite points, a curve in
    a band the model lacks, a star with no usable point at all (kept, with its reason)."""
    frame = new_stars(2).to_frame()
    ids = frame["id"].unique()
    frame.loc[frame.index[frame["id"] == ids[0]][:5], "mag"] = np.nan
    frame.loc[frame["id"] == ids[1], "mag"] = np.inf
    foreign = frame[frame["id"] == ids[2]].assign(band="I")
    frame = pd.concat([frame, foreign], ignore_index=True)
    folder.mkdir()
    paths = []
    for i, part in enumerate(np.array_split(ids, 2)):
        paths.append(folder / f"part.{i}.parquet")
        frame[frame["id"].isin(part)].to_parquet(paths[-1], index=False)
    return paths


@pytest.mark.filterwarnings("ignore:curves in band")  # a band the model lacks, counted
def test_reports_say_what_reading_and_cleaning_dropped(tiny_run, tmp_path) -> None:
    """The counts lcformer predict prints for a folder of partitions, per partition, from the
    tasks that made the predictions."""
    import dask

    from lcformer.evaluation.dask import classify_with_reports, merged_report
    from lcformer.evaluation.streaming import predict_partitions

    paths = awkward_partitions(tmp_path / "in")
    expected = predict_partitions(*load_model(tiny_run), paths, tmp_path / "cli", device="cpu",
                                  progress=False)
    assert expected.report.points["non_finite"] and expected.report.curves
    with (distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                   dashboard_address=None) as cluster,
          distributed.Client(cluster)):
        predictions, reports = classify_with_reports(dd.from_map(pd.read_parquet, paths),
                                                     tiny_run)
        got, counts = dask.compute(predictions, reports)
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  pd.read_parquet(tmp_path / "cli"), rtol=1e-5)
    assert (got["reason"] != "").sum() == 1  # the star without a usable point keeps its row
    read = counts[counts["kind"] == "read"].set_index(["partition", "reason"])["count"]
    assert read[0, "rows"] + read[1, "rows"] == sum(len(pd.read_parquet(p)) for p in paths)
    assert [read[0, "stars"], read[1, "stars"]] == [3, 3]  # a row each in the predictions
    assert merged_report(counts).to_dict() == expected.report.to_dict()


@pytest.mark.filterwarnings("ignore:curves in band")
def test_reports_come_from_the_same_tasks(tiny_run, tmp_path, monkeypatch) -> None:
    """Computed together, each partition is classified once for both; problems keep their
    partition."""
    import dask

    from lcformer.data.report import DropReport
    from lcformer.evaluation import streaming
    from lcformer.evaluation.dask import classify_with_reports, merged_report, report_table

    real, calls = streaming.predict_frame, []

    def counted(*args, **kwargs):
        calls.append(args[2].n_stars)
        return real(*args, **kwargs)

    monkeypatch.setattr(streaming, "predict_frame", counted)
    paths = awkward_partitions(tmp_path / "in")
    with dask.config.set(scheduler="sync"):
        predictions, reports = classify_with_reports(dd.from_map(pd.read_parquet, paths),
                                                     tiny_run, check_stars=False)
        dask.compute(predictions, reports)
    assert len(calls) == 2
    assert report_table(DropReport(), 4)["kind"].tolist() == ["read", "read"]  # never absent
    first = DropReport()
    first.drop_points("non_finite", 3)
    first.problem("DataFrame row 7: something odd", "unreadable_file")
    second = DropReport()
    second.drop_points("non_finite", 2)
    second.note("curves_resorted")
    both = pd.concat([report_table(first, 0), report_table(second, 1)], ignore_index=True)
    merged = merged_report(both)
    assert merged.points == {"non_finite": 5} and merged.events == {"curves_resorted": 1}
    assert merged.curves == {"unreadable_file": 1}
    assert merged.problems == ["partition 0: DataFrame row 7: something odd"]


def test_rows_without_an_id_fail_their_partition(tiny_run) -> None:
    """They belong to no star's prediction: an error, not rows silently dropped."""
    from lcformer.errors import InputError
    from lcformer.evaluation.dask import classify_frame

    frame = new_stars(1).to_frame().astype({"id": object})
    frame.loc[frame.index[:2], "id"] = None
    with pytest.raises(InputError, match=r"2 row\(s\) without a star id.*dropna"):
        classify_frame(frame, str(tiny_run))
