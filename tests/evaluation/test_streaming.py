"""Partitioned prediction: one output per input partition, the same answers as the whole
input at once, resumable after a kill, and refusals of what would give wrong answers."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.data.reading.partitions import partition_paths
from lcformer.errors import ConfigError, ConfigMismatchError, InputError
from lcformer.evaluation.flags import FlagConfig
from lcformer.evaluation.predict import PERIOD_COLUMNS, all_stars_table, predict_stars
from lcformer.evaluation.streaming import (
    MANIFEST,
    output_schema,
    predict_partitions,
)
from lcformer.training.run_folder import load_model
from tests.conftest import held_elsewhere
from tests.evaluation.stars import (
    labelled_stars,
    new_stars,
    trained_stars_renamed,
    write_partitions,
)


@pytest.fixture(scope="module")
def model(tiny_run):
    return load_model(tiny_run)


def read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    return {p.name: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}


def assert_same_outputs(got: dict[str, pd.DataFrame], expected: dict[str, pd.DataFrame]) -> None:
    assert list(got) == list(expected)
    for name in got:
        pd.testing.assert_frame_equal(got[name], expected[name], check_exact=False, rtol=1e-5,
                                      atol=1e-7)


def test_partitions_give_what_the_whole_input_gives(model, tmp_path) -> None:
    lcs = new_stars()
    paths = write_partitions(lcs, tmp_path / "in", 3)
    summary = predict_partitions(*model, paths, tmp_path / "out", device="cpu",
                                 chunk_stars=5, progress=False)
    outputs = read_folder(tmp_path / "out")
    assert list(outputs) == [p.name for p in paths]  # one output per input, same name
    for path in paths:  # every star of the partition, in its order
        expected_ids = pd.unique(pd.read_parquet(path)["id"]).tolist()
        assert outputs[path.name]["id"].tolist() == expected_ids
    together = pd.concat(outputs.values(), ignore_index=True)
    assert (together.dtypes == output_schema(model[1]).dtypes).all()

    whole = predict_stars(*model, lcs, device="cpu")
    expected = all_stars_table(whole, pd.unique(lcs.ids))
    assert together["id"].tolist() == expected["id"].tolist()
    assert together["predicted"].tolist() == expected["predicted"].tolist()
    assert together["flag"].tolist() == expected["flag"].tolist()
    probabilities = [c for c in together if c.startswith("p_")] + list(PERIOD_COLUMNS)
    np.testing.assert_allclose(together[probabilities].to_numpy(),
                               expected[probabilities].to_numpy(dtype=float), rtol=1e-5)
    assert summary.stars == summary.classified == lcs.n_stars
    assert summary.skipped == 0 and not summary.failed
    assert summary.flags == whole.flag_counts


def test_unclassified_stars_keep_a_row_with_the_reason(model, tmp_path) -> None:
    frame = new_stars(1).to_frame()
    frame.loc[frame["id"] == frame["id"].iloc[0], "mag"] = np.nan  # nothing left after cleaning
    (tmp_path / "in").mkdir()
    frame.to_parquet(tmp_path / "in" / "p.parquet", index=False)
    summary = predict_partitions(*model, partition_paths(tmp_path / "in"), tmp_path / "out",
                                 device="cpu", progress=False)
    out = pd.read_parquet(tmp_path / "out" / "p.parquet")
    first = out.iloc[0]
    assert first["predicted"] == "" and np.isnan(first["probability"])
    assert "no usable points" in first["reason"] and first["n_windows"] == 0
    assert (out["reason"].iloc[1:] == "").all() and (out["predicted"].iloc[1:] != "").all()
    assert summary.classified == len(out) - 1
    assert summary.report.points["non_finite"] == (frame["id"] == first["id"]).sum()


KILLER = """
import os, signal, sys
import torch
import pyarrow.parquet as pq

torch.set_num_threads(1)
real, calls = pq.write_table, []

def write_then_die(table, where, **kwargs):  # the 3rd output: written, never renamed
    calls.append(where)
    real(table, where, **kwargs)
    if len(calls) == 3:
        os.kill(os.getpid(), signal.SIGKILL)

pq.write_table = write_then_die
from lcformer.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_a_killed_run_continues_to_the_same_output(tiny_run, tmp_path, capsys) -> None:
    write_partitions(new_stars(), tmp_path / "in", 5)
    args = ["predict", str(tiny_run), str(tmp_path / "in"), "--device", "cpu", "--quiet"]
    killed = subprocess.run([sys.executable, "-c", KILLER, *args, "--out",
                             str(tmp_path / "out")], capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert [n for n in names if not n.startswith(".")] == [MANIFEST, "part.0.parquet",
                                                           "part.1.parquet"]
    assert any(n.startswith(".part.2.parquet") for n in names)  # the half-done one

    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    resumed = capsys.readouterr().out
    assert "classified 12 of 12 stars in 5 of 5 partitions" in resumed
    assert "(2 done by an earlier run)" in resumed
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    capsys.readouterr()
    assert_same_outputs(read_folder(tmp_path / "out"), read_folder(tmp_path / "whole"))
    assert not [p for p in (tmp_path / "out").iterdir() if p.name.startswith(".")]

    assert main([*args, "--out", str(tmp_path / "out")]) == 0  # all done: nothing to do
    assert "(5 done by an earlier run)" in capsys.readouterr().out

    first = sorted((tmp_path / "in").rglob("*.parquet"))[0]
    os.utime(first, ns=(first.stat().st_atime_ns, first.stat().st_mtime_ns + 10**9))
    assert main([*args, "--out", str(tmp_path / "out")]) == 0  # a rewritten input: redone
    assert ("(4 done by an earlier run) (1 predicted again: input changed)"
            in capsys.readouterr().out)


def test_a_killed_run_of_labelled_partitions_scores_every_partition(
        tiny_run, tmp_path, capsys) -> None:
    """Resumed, the score counts the partitions an earlier run did (read back) with this
    run's: the line of an uninterrupted run."""
    parts = labelled_input(tmp_path, labelled_stars(), 5)
    args = ["predict", str(tiny_run), str(parts), "--columns", "class=type", "--device",
            "cpu", "--quiet"]
    killed = subprocess.run([sys.executable, "-c", KILLER, *args, "--out",
                             str(tmp_path / "out")], capture_output=True, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"}, timeout=300)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert len(list((tmp_path / "out").glob("part.*.parquet"))) == 2

    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    printed = capsys.readouterr().out
    assert "(2 done by an earlier run)" in printed
    resumed = score_lines(printed)
    assert main([*args, "--out", str(tmp_path / "whole")]) == 0
    assert resumed == score_lines(capsys.readouterr().out)
    assert "on 18 labelled stars classified" in resumed
    assert main([*args, "--out", str(tmp_path / "out")]) == 0  # every one read back
    assert score_lines(capsys.readouterr().out) == resumed


def score_lines(printed: str) -> str:
    """The label score a command printed: its line and the indented ones after it."""
    lines = printed.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("against "))
    last = first + 1
    while last < len(lines) and lines[last].startswith("  "):
        last += 1
    return "\n".join(lines[first:last])


def labelled_input(folder: Path, lcs, n: int) -> Path:
    """``lcs`` as ``n`` partitions in ``folder/parts`` and as one table ``folder/whole.parquet``,
    the labels in a column ``type``, as a survey may name it (read with --columns
    class=type)."""
    write_partitions(lcs, folder / "parts", n)
    for path in (folder / "parts").glob("*.parquet"):
        pd.read_parquet(path).rename(columns={"class": "type"}).to_parquet(path, index=False)
    lcs.to_frame().rename(columns={"class": "type"}).to_parquet(folder / "whole.parquet",
                                                                index=False)
    return folder / "parts"


def scored_as_one_table(tiny_run, folder: Path, common: list[str], capsys) -> str:
    """The score printed for ``folder/whole.parquet`` read as one table."""
    assert main(["predict", str(tiny_run), str(folder / "whole.parquet"), "--out",
                 str(folder / "whole.csv"), *common]) == 0
    return score_lines(capsys.readouterr().out)


def test_labelled_partitions_are_scored_as_the_same_stars_in_one_table(
        tiny_run, tmp_path, capsys) -> None:
    """The score of partitions is that of the same stars read as one table (the same
    counting: a class the model lacks, a star not classified), and each output row has its
    star's label."""
    lcs = labelled_stars()
    parts = labelled_input(tmp_path, lcs, 3)
    common = ["--columns", "class=type", "--device", "cpu", "--quiet"]
    assert main(["predict", str(tiny_run), str(parts), "--out", str(tmp_path / "out"),
                 *common]) == 0
    partitioned = score_lines(capsys.readouterr().out)
    assert partitioned == scored_as_one_table(tiny_run, tmp_path, common, capsys)
    with held_elsewhere(tmp_path / "out", "predictions"):  # one command at a time
        assert main(["predict", str(tiny_run), str(parts), "--out", str(tmp_path / "out"),
                     *common]) == 2
    assert capsys.readouterr().err.endswith(
        f"{tmp_path / 'out'}: another lcformer command is writing predictions there now; "
        f"wait for it to end, or give another folder\n")
    assert partitioned.startswith("against the input's labels: macro-F1 ")
    assert ("on 18 labelled stars classified" in partitioned
            and "labelled stars not scored: 1 of classes the model was not trained on (mira; "
                "predicted as " in partitioned and ") and 1 not classified" in partitioned)
    out = pd.read_parquet(tmp_path / "out").set_index("id")
    expected = lcs.star_table().set_index("id")["label"]
    assert out["label"].to_dict() == expected.to_dict()  # "" for the unlabelled star
    assert (out["split"] == "").all()


def test_unlabelled_partitions_print_no_score(tiny_run, tmp_path, capsys) -> None:
    write_partitions(new_stars(), tmp_path / "in", 2)
    assert main(["predict", str(tiny_run), str(tmp_path / "in"), "--out",
                 str(tmp_path / "out"), "--device", "cpu", "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "classified 12 of 12 stars in 2 of 2 partitions" in printed
    assert "against " not in printed and "F1" not in printed
    out = pd.read_parquet(tmp_path / "out")
    assert (out["label"] == "").all() and (out["split"] == "").all()


def test_stars_of_a_train_split_are_not_scored(tiny_run, tmp_path, capsys) -> None:
    """Partitions with a split column: only the stars outside ``train`` are scored, as of
    one table; every star's label and split are written."""
    lcs = labelled_stars()
    ids = pd.unique(lcs.ids)
    train = set(ids[::2])
    lcs = dataclasses.replace(lcs, splits=np.where(
        pd.Series(lcs.ids).isin(train), "train", "test").astype(object))
    parts = labelled_input(tmp_path, lcs, 3)
    common = ["--columns", "class=type", "--device", "cpu", "--quiet"]
    assert main(["predict", str(tiny_run), str(parts), "--out", str(tmp_path / "out"),
                 *common]) == 0
    partitioned = score_lines(capsys.readouterr().out)
    out = pd.read_parquet(tmp_path / "out").set_index("id")
    new = out[~out.index.isin(train) & out["label"].isin(["car", "gaussian_process",
                                                          "sinusoid"])
              & (out["predicted"] != "")]
    assert 0 < len(new) < 18
    assert (f"on {len(new)} labelled stars outside the input's train split classified"
            in partitioned)
    assert (out.loc[list(train), "split"] == "train").all()
    assert scored_as_one_table(tiny_run, tmp_path, common, capsys) == partitioned


def test_partitions_of_the_runs_own_dataset_are_scored_on_its_test_stars(
        tiny_run, tmp_path, capsys) -> None:
    """A folder of partitions named like the run's dataset (the tiny run's is
    ``python-api``), its training stars (their points) among them: only the run's test stars
    (its test_predictions.csv) are scored."""
    from lcformer.data.lightcurves import LightCurves

    run = tmp_path / "run"
    shutil.copytree(tiny_run, run)
    new = labelled_stars()
    lcs = LightCurves.concatenate([trained_stars_renamed(), new])
    test_ids = list(pd.unique(new.ids)[:6])
    pd.DataFrame({"id": test_ids}).to_csv(run / "test_predictions.csv", index=False)
    write_partitions(lcs, tmp_path / "python-api", 2)
    assert main(["predict", str(run), str(tmp_path / "python-api"), "--out",
                 str(tmp_path / "out"), "--device", "cpu", "--quiet"]) == 0
    assert "on 6 labelled stars of the run's test set classified" in capsys.readouterr().out


def test_the_runs_own_stars_in_partitions_are_not_scored(tiny_run, tmp_path, capsys) -> None:
    """The run's training stars under other ids, in partitions beside new stars: each output
    says which are the run's own (``seen_in_training``), and the score over every partition
    leaves them out and says how many, as of one table. An output written without the column
    (by an earlier lcformer, read back on resume) is taken as not known to be seen."""
    import pyarrow.parquet as pq

    from lcformer.data.lightcurves import LightCurves

    lcs = LightCurves.concatenate([trained_stars_renamed(changed=1), labelled_stars()])
    parts = labelled_input(tmp_path, lcs, 3)
    common = ["--columns", "class=type", "--device", "cpu", "--quiet"]
    args = ["predict", str(tiny_run), str(parts), "--out", str(tmp_path / "out"), *common]
    assert main(args) == 0
    partitioned = score_lines(capsys.readouterr().out)
    assert "on 19 labelled stars classified" in partitioned
    assert ("not scored: 29 whose points are those of the run's own training or validation "
            "stars") in partitioned
    assert partitioned == scored_as_one_table(tiny_run, tmp_path, common, capsys)
    out = pd.read_parquet(tmp_path / "out").set_index("id")
    assert out["seen_in_training"].dtype == bool and out["seen_in_training"].sum() == 29
    assert not out.loc["gaia-0", "seen_in_training"]

    first = tmp_path / "out" / "part.0.parquet"  # gaia-0 (changed) to gaia-16
    stored = pq.read_table(first)
    assert stored.column("seen_in_training").to_pandas().sum() == 16
    pq.write_table(stored.drop_columns(["seen_in_training"]), first)  # its metadata kept
    assert main(args) == 0
    printed = capsys.readouterr().out
    assert "(3 done by an earlier run)" in printed
    assert "not scored: 13 whose points are those of" in score_lines(printed)
    assert "on 35 labelled stars classified" in score_lines(printed)


def test_the_output_of_a_model_without_fingerprints_has_no_seen_column(model) -> None:
    from lcformer.data.fingerprints import KEY

    _, metadata = model
    assert output_schema(metadata)["seen_in_training"].dtype == bool
    older = {k: v for k, v in metadata.items() if k != KEY}
    assert "seen_in_training" not in output_schema(older)


def test_a_star_split_across_partitions_is_refused(model, tmp_path) -> None:
    frame = new_stars(1).to_frame()
    star = frame["id"].iloc[0]
    rows = np.flatnonzero(frame["id"] == star)
    (tmp_path / "in").mkdir()
    frame.drop(frame.index[rows[10:]]).to_parquet(tmp_path / "in" / "a.parquet", index=False)
    frame.iloc[rows[10:]].to_parquet(tmp_path / "in" / "b.parquet", index=False)
    with pytest.raises(InputError, match=rf"b\.parquet: star '{star}' also has rows in .*"
                                         rf"a\.parquet") as refused:
        predict_partitions(*model, partition_paths(tmp_path / "in"), tmp_path / "out",
                           device="cpu", progress=False)
    # The ids are read first, so no partition is predicted from part of the star's rows (a
    # HATS catalogue's star at a pixel's edge would keep its first part's output, were the
    # run stopped at another clash); the error is one line.
    assert "\n" not in str(refused.value) and "removed" not in str(refused.value)
    assert not list((tmp_path / "out").glob("*.parquet"))


def test_a_file_of_no_light_curves_among_partitions_is_no_split_star(model, tmp_path) -> None:
    """A labels.parquet (id, class) beside the partitions is no partition splitting every
    star when the ids are read first: it fails on its own, and the others are predicted."""
    paths = write_partitions(new_stars(1), tmp_path / "in", 2)
    frame = pd.concat([pd.read_parquet(p) for p in paths])
    pd.DataFrame({"id": pd.unique(frame["id"]), "class": "x"}).to_parquet(
        tmp_path / "in" / "labels.parquet", index=False)
    summary = predict_partitions(*model, partition_paths(tmp_path / "in"), tmp_path / "out",
                                 device="cpu", progress=False)
    assert len(summary.failed) == 1 and "labels.parquet: found columns" in summary.failed[0]
    assert len(list((tmp_path / "out").glob("*.parquet"))) == 2


def test_a_star_split_across_partitions_leaves_no_earlier_output_of_its_rows(
        model, tmp_path) -> None:
    """One partition holds some stars' V rows, a later one their R rows.
    The output of the V partition, made by an earlier run and kept as done, is removed when
    the R partition appears, so that fixing only the R partition cannot leave one-band
    predictions; the partitions without split stars keep theirs."""
    frame = new_stars(1).to_frame()
    ids = pd.unique(frame["id"])
    split = frame["id"].isin(ids[:2])
    folder = tmp_path / "in"
    folder.mkdir()
    frame[split].to_parquet(folder / "part.0.parquet", index=False)
    frame[~split].to_parquet(folder / "part.1.parquet", index=False)
    out = tmp_path / "out"
    options = {"device": "cpu", "progress": False, "root": folder}
    predict_partitions(*model, partition_paths(folder), out, **options)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part.0.parquet",
                                                              "part.1.parquet"]

    frame[split].assign(band="R").to_parquet(folder / "part.2.parquet", index=False)
    with pytest.raises(InputError, match=rf"part\.2\.parquet: star '({ids[0]}|{ids[1]})' also "
                                         rf"has rows in .*part\.0\.parquet: .*; removed .*: "
                                         rf"{re.escape(str(out / 'part.0.parquet'))}$"):
        predict_partitions(*model, partition_paths(folder), out, **options)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part.1.parquet"]
    # Once the R rows are gone, the V partition is predicted again; the other one is kept.
    (folder / "part.2.parquet").unlink()
    summary = predict_partitions(*model, partition_paths(folder), out, **options)
    assert summary.skipped == 1 and summary.stars_now == len(ids[:2])


def test_every_partition_holding_a_split_star_loses_its_output(model, tmp_path) -> None:
    """Split stars met in two earlier partitions: both of their outputs go, not the first
    one named only; a partition with no split star keeps its output."""
    frame = new_stars(1).to_frame()
    ids = pd.unique(frame["id"])
    folder = tmp_path / "in"
    folder.mkdir()
    for i, star in enumerate(ids[:3]):
        frame[frame["id"] == star].to_parquet(folder / f"part.{i}.parquet", index=False)
    out = tmp_path / "out"
    predict_partitions(*model, partition_paths(folder), out, device="cpu", progress=False)
    frame[frame["id"].isin(ids[:2])].assign(band="R").to_parquet(folder / "part.3.parquet",
                                                                  index=False)
    with pytest.raises(InputError, match=r"part\.3\.parquet: .*removed .*part\.0\.parquet, "
                                         r".*part\.1\.parquet$"):
        predict_partitions(*model, partition_paths(folder), out, device="cpu",
                           progress=False)
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part.2.parquet"]


def test_a_rerun_with_other_settings_is_refused(model, tmp_path) -> None:
    paths = write_partitions(new_stars(1), tmp_path / "in", 2)
    predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)
    with pytest.raises(ConfigMismatchError, match=r"flags\.max_fap: 0\.01 -> 0\.5\)"):
        predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False,
                           flags=FlagConfig(max_fap=0.5))
    # Outputs made before a flag was added would not flag alike: refused.
    record = json.loads((tmp_path / "out" / MANIFEST).read_text())
    (tmp_path / "out" / MANIFEST).write_text(json.dumps(
        {k: v for k, v in record.items() if k != "flag_kinds"}))
    with pytest.raises(ConfigMismatchError, match=r"with other settings \(flag_kinds"):
        predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)
    # Nor would outputs flagged by other rules, or folded at periods of another search.
    for key, value in (("flag_rules", 1), ("data_code", "c9")):
        (tmp_path / "out" / MANIFEST).write_text(json.dumps(record | {key: value}))
        # (an lcformer update, not an option the user changed: said so)
        with pytest.raises(ConfigMismatchError, match=rf"made by another version of "
                                                      rf"lcformer's code \(none of your options "
                                                      rf"differ\), with other settings \({key}: "):
            predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)
    # lcformer 0.3.0's record: without the code's newer keys, and a reading without
    # the settings it did not have: an update, said so, not options changed
    released = {k: v for k, v in record.items() if k not in ("flag_kinds", "flag_rules",
                                                             "data_code")}
    released["reading"] = {k: v for k, v in record["reading"].items() if k != "class_names"}
    (tmp_path / "out" / MANIFEST).write_text(json.dumps(released))
    with pytest.raises(ConfigMismatchError, match=r"made by another version of lcformer's "
                                                  r"code \(none of your options differ\)"):
        predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)
    # An earlier lcformer's outputs (another reading of fluxes, fewer columns): refused.
    del record["readers"], record["columns"]
    (tmp_path / "out" / MANIFEST).write_text(json.dumps(record))
    with pytest.raises(ConfigMismatchError, match=r"made by an earlier lcformer, with other "
                                                r"settings \(columns differ; readers: None -> "
                                                r"\d+\)"):
        predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)
    (tmp_path / "other").mkdir()
    pd.DataFrame({"x": [1]}).to_parquet(tmp_path / "other" / "x.parquet")
    with pytest.raises(ConfigMismatchError, match="did not write"):
        predict_partitions(*model, paths, tmp_path / "other", device="cpu", progress=False)
    (tmp_path / "out" / MANIFEST).unlink()  # our outputs, their settings lost
    with pytest.raises(ConfigMismatchError, match=r"settings \(_predict\.json\) are gone"):
        predict_partitions(*model, paths, tmp_path / "out", device="cpu", progress=False)


def test_parquet_files_of_a_dataset_folder_are_not_stray_partitions(tmp_path) -> None:
    """A long table or a catalogue's folder may hold Parquet files and others: read as
    before, not refused as partitions beside other files."""
    from lcformer.data.reading.partitions import stray_files

    table = tmp_path / "table"
    write_partitions(new_stars(1), table, 1)
    (table / "part.0.parquet").rename(table / "lightcurves.parquet")
    (table / "README.txt").write_text("x")
    catalogue = tmp_path / "catalogue"
    catalogue.mkdir()
    (catalogue / "catalog.csv").write_text("filename,class\na.dat,x\n")
    (catalogue / "a.dat").write_text("1 12\n2 13\n")
    pd.DataFrame({"x": [1]}).to_parquet(catalogue / "features.parquet")
    assert stray_files(table) == [] and stray_files(catalogue) == []
    (table / "lightcurves.parquet").rename(table / "part.0.parquet")  # now partitions
    assert stray_files(table) == [table / "README.txt"]


def test_what_counts_as_a_folder_of_partitions(tmp_path) -> None:
    paths = write_partitions(new_stars(1), tmp_path / "parts", 2)
    (tmp_path / "parts" / "_common_metadata").write_bytes(b"")  # as Dask writes
    (tmp_path / "parts" / "README.md").write_text("# my survey\n")  # never a light curve
    assert partition_paths(tmp_path / "parts") == paths
    (tmp_path / "parts" / "labels.csv").write_text("id,class\n")  # a dataset folder
    assert partition_paths(tmp_path / "parts") == []
    (tmp_path / "parts" / "labels.csv").unlink()
    paths[1].unlink()
    paths[0].rename(tmp_path / "parts" / "lightcurves.parquet")  # unlabelled, as train reads
    assert partition_paths(tmp_path / "parts") == []
    # Beside other partitions it is one of them: none is left unread.
    pd.DataFrame({"id": ["x"]}).to_parquet(tmp_path / "parts" / "more.parquet")
    assert partition_paths(tmp_path / "parts") == [tmp_path / "parts" / "lightcurves.parquet",
                                                   tmp_path / "parts" / "more.parquet"]
    assert partition_paths(tmp_path / "missing") == []
    assert partition_paths(paths[0]) == []


def test_nested_partitions_keep_their_folders(model, tmp_path) -> None:
    """LSDB's hive layout (Norder=K/Dir=D/Npix=N.parquet): partitions of one name in two
    folders, each with its own output, the same as from a flat folder."""
    lcs = new_stars()
    flat = write_partitions(lcs, tmp_path / "flat", 2)
    nested = []
    for i, path in enumerate(flat):
        target = tmp_path / "nested" / f"Norder={i}" / "Dir=0" / "Npix=1.parquet"
        target.parent.mkdir(parents=True)
        nested.append(path.rename(target))
    (tmp_path / "nested" / "_metadata").write_bytes(b"")  # as LSDB writes, not data
    assert partition_paths(tmp_path / "nested") == nested
    summary = predict_partitions(*model, nested, tmp_path / "out", device="cpu",
                                 progress=False)
    assert summary.classified == lcs.n_stars
    outputs = sorted(p.relative_to(tmp_path / "out").as_posix()
                     for p in (tmp_path / "out").rglob("*.parquet"))
    assert outputs == ["Norder=0/Dir=0/Npix=1.parquet", "Norder=1/Dir=0/Npix=1.parquet"]
    again = predict_partitions(*model, nested, tmp_path / "out", device="cpu", progress=False)
    assert again.skipped == 2 and again.classified == lcs.n_stars
    # Named below the input folder: the first partition alone, then with the second added,
    # gives it one output, not a second under another name (its stars twice).
    root = tmp_path / "nested"
    predict_partitions(*model, nested[:1], tmp_path / "grow", device="cpu", progress=False,
                       root=root)
    grown = predict_partitions(*model, nested, tmp_path / "grow", device="cpu",
                               progress=False, root=root)
    assert grown.skipped == 1 and len(list((tmp_path / "grow").rglob("*.parquet"))) == 2


def test_the_command_on_partitions(tiny_run, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    write_partitions(new_stars(1), tmp_path / "in", 2)
    (tmp_path / "in" / "part.9.parquet").write_bytes(b"PAR1 this is not parquet")
    code = main(["predict", str(tiny_run), "in", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 1
    assert "stars/s" in captured.err  # the progress bar
    assert "incomplete: 1 partition(s) could not be read" in captured.err
    assert "part.9.parquet" in captured.err
    assert sorted(p.name for p in Path("predictions").glob("*.parquet")) == [
        "part.0.parquet", "part.1.parquet"]  # the default --out folder
    # (the stars of the partition not read are in no count: said so)
    assert "classified 3 of the 3 stars in the 2 of 3 partitions usable" in captured.out

    (tmp_path / "in" / "part.9.parquet").unlink()  # fixed: the rerun has nothing left to do
    assert main(["predict", str(tiny_run), "in", "--device", "cpu", "--quiet"]) == 0
    assert "(2 done by an earlier run)" in capsys.readouterr().out

    assert main(["predict", str(tiny_run), "in", "--out", "new/p.csv", "--quiet"]) == 2
    assert "give --out a folder" in capsys.readouterr().err
    assert not Path("new").exists()  # no folder, nor lock file, made for it

    # Another file among them is named, where it made the folder be read whole (--out
    # p.csv) without it, or refused for an output name; a Spark .crc is never data.
    (tmp_path / "in" / "part-0.crc").write_text("x")
    (tmp_path / "in" / "README.txt").write_text("partitions of 2026-12-05")
    for out in ("p.csv", "again"):
        assert main(["predict", str(tiny_run), "in", "--out", out, "--quiet"]) == 2
        assert ("in: Parquet partitions beside other files (in/README.txt), which are not "
                "read") in capsys.readouterr().err


def test_partitions_are_read_as_one_table_is(tiny_run, tmp_path, capsys) -> None:
    """Column names are mapped and fluxes refused or converted, as for a single table."""
    lcs = new_stars(1)
    write_partitions(lcs, tmp_path / "mags", 2)
    frame = lcs.to_frame().rename(columns={"id": "objectId", "mag": "flux", "err": "flux_err"})
    frame["flux"] = 10 ** (-0.4 * (frame["flux"] - 23.9))  # micro-Jansky
    frame["flux_err"] = frame["flux_err"] * frame["flux"] / 1.0857362047581294
    (tmp_path / "fluxes").mkdir()
    frame.to_parquet(tmp_path / "fluxes" / "part.0.parquet", index=False)
    base = ["predict", str(tiny_run), "--device", "cpu", "--quiet"]
    mapping = ["--columns", "id=objectId,mag=flux,err=flux_err"]
    # A partition of fluxes fails on its own (exit 1, incomplete; a rerun retries it).
    assert main([*base, str(tmp_path / "fluxes"), "--out", str(tmp_path / "a"), *mapping]) == 1
    assert "the magnitude column is 'flux', a flux's name: give --flux" in (
        capsys.readouterr().err)
    # The fix it names works in that folder: it holds no prediction made with other settings.
    assert main([*base, str(tmp_path / "fluxes"), "--out", str(tmp_path / "a"), *mapping,
                 "--flux", "--zero-point", "23.9"]) == 0
    assert main([*base, str(tmp_path / "mags"), "--out", str(tmp_path / "c")]) == 0
    converted = pd.read_parquet(tmp_path / "a")
    direct = pd.read_parquet(tmp_path / "c")
    assert converted["id"].tolist() == direct["id"].tolist()
    assert converted["predicted"].tolist() == direct["predicted"].tolist()
    np.testing.assert_allclose(converted.filter(like="p_"), direct.filter(like="p_"),
                               rtol=1e-4, atol=1e-6)


def test_a_partition_that_cannot_be_used_fails_alone_and_is_retried(model, tmp_path) -> None:
    """Fluxes in one partition, rows without an id in another, a band only in a folder's
    name (band=I/, as Dask's partition_on writes): no output for those (a rerun retries
    them), the others predicted."""
    frame = new_stars(1).to_frame()
    ids = frame["id"].unique()
    parts = [frame[frame["id"].isin(ids[i::3])] for i in range(3)]
    parts[1] = parts[1].assign(mag=parts[1]["mag"] + 60)  # beyond +-40: fluxes
    parts[2] = parts[2].astype({"id": object})
    parts[2].loc[parts[2].index[:2], "id"] = None
    folder = tmp_path / "in"
    folder.mkdir()
    for i, part in enumerate(parts):
        part.to_parquet(folder / f"p{i}.parquet", index=False)
    summary = predict_partitions(*model, partition_paths(folder), tmp_path / "out",
                                 device="cpu", progress=False)
    assert sorted(p.name for p in (tmp_path / "out").glob("*.parquet")) == ["p0.parquet"]
    assert len(summary.failed) == 2
    assert "look like fluxes" in summary.failed[0]
    assert summary.failed[1].endswith("no star id (2 such rows dropped)")  # named once
    assert sum("no star id" in p for p in summary.report.problems) == 1
    # Their curves are counted as not predicted (those of the other stars of p2 too).
    unread = parts[1]["id"].nunique() + parts[2]["id"].dropna().nunique()
    assert summary.report.curves["in_a_partition_not_predicted"] == unread
    hive = tmp_path / "hive" / "band=I"
    hive.mkdir(parents=True)
    parts[0].drop(columns="band").to_parquet(hive / "part.0.parquet", index=False)
    summary = predict_partitions(*model, partition_paths(tmp_path / "hive"), tmp_path / "h",
                                 device="cpu", progress=False)
    assert summary.classified == 0 and "its folders name band" in summary.failed[0]


def test_a_partition_rewritten_since_its_output_is_predicted_again(model, tmp_path,
                                                                   monkeypatch, capsys) -> None:
    """Its output records the input's size and time: a rewritten partition (stars added) is
    predicted again and said so, the unchanged ones are kept as they are."""
    from lcformer.evaluation import streaming

    paths = write_partitions(new_stars(1), tmp_path / "in", 3)
    out = tmp_path / "out"
    predict_partitions(*model, paths, out, device="cpu", progress=False)
    before = {p.name: os.stat(p) for p in out.glob("*.parquet")}
    old = pd.read_parquet(paths[1])
    added = new_stars(1, seed=7).to_frame().assign(id=lambda f: "new_" + f["id"].astype(str))
    pd.concat([old, added], ignore_index=True).to_parquet(paths[1], index=False)
    calls = []

    def counted(*args, **kwargs):
        calls.append(args[2].n_stars)
        return real(*args, **kwargs)

    real = streaming.predict_frame
    monkeypatch.setattr(streaming, "predict_frame", counted)
    capsys.readouterr()
    summary = predict_partitions(*model, paths, out, device="cpu", progress=False)
    assert "predicting 1 partition(s) again: their input changed" in capsys.readouterr().err
    assert (summary.changed, summary.unrecorded, summary.skipped) == (1, 0, 2)
    stars = old["id"].nunique() + added["id"].nunique()
    assert calls == [stars] and summary.stars_now == stars  # the rewritten one alone
    for name in ("part.0.parquet", "part.2.parquet"):  # untouched: the same file
        now = os.stat(out / name)
        assert (now.st_ino, now.st_mtime_ns) == (before[name].st_ino, before[name].st_mtime_ns)
    redone = pd.read_parquet(out / "part.1.parquet")
    assert redone["id"].tolist() == pd.unique(pd.read_parquet(paths[1])["id"]).tolist()
    monkeypatch.undo()
    fresh = predict_partitions(*model, [paths[1]], tmp_path / "fresh", device="cpu",
                               progress=False)
    assert fresh.stars == stars
    assert_same_outputs({"p": redone}, {"p": pd.read_parquet(tmp_path / "fresh")})
    again = predict_partitions(*model, paths, out, device="cpu", progress=False)
    assert (again.changed, again.skipped) == (0, 3)  # recorded: the next rerun keeps it
    assert "again" not in capsys.readouterr().err


def test_unrecorded_or_now_unusable_inputs_are_not_kept_stale(model, tmp_path, capsys) -> None:
    """An output that does not record its input (lcformer before fingerprints) is predicted
    again, not trusted; a time changed alone counts as a change; a changed partition that can
    no longer be used loses its output, which no longer matches it."""
    import pyarrow.parquet as pq

    from lcformer.evaluation.streaming import METADATA_KEY

    paths = write_partitions(new_stars(1), tmp_path / "in", 3)
    out = tmp_path / "out"
    predict_partitions(*model, paths, out, device="cpu", progress=False)
    written = pq.read_table(out / "part.0.parquet")
    meta = json.loads(written.schema.metadata[METADATA_KEY])
    del meta["input"]  # as an earlier lcformer wrote it
    pq.write_table(written.replace_schema_metadata(
        {**written.schema.metadata, METADATA_KEY: json.dumps(meta).encode()}),
        out / "part.0.parquet")
    stat = os.stat(paths[1])
    os.utime(paths[1], ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))  # touched
    frame = pd.read_parquet(paths[2])
    frame.assign(mag=frame["mag"] + 60).to_parquet(paths[2], index=False)  # now fluxes
    capsys.readouterr()
    summary = predict_partitions(*model, paths, out, device="cpu", progress=False)
    assert "predicting 3 partition(s) again" in capsys.readouterr().err
    assert (summary.changed, summary.unrecorded, summary.skipped) == (3, 1, 0)
    assert summary.redone == 2  # the unreadable one is not predicted again, nor said to be
    assert len(summary.failed) == 1 and "look like fluxes" in summary.failed[0]
    assert "part.2.parquet, made before the input changed, was removed" in summary.failed[0]
    assert sorted(p.name for p in out.glob("*.parquet")) == ["part.0.parquet",
                                                             "part.1.parquet"]
    assert "input" in json.loads(pq.read_schema(out / "part.0.parquet").metadata[METADATA_KEY])


def test_outputs_of_partitions_gone_from_the_input_folder_are_removed(model, tmp_path,
                                                                     capsys) -> None:
    """After a repartition (a partition removed, its stars moved into another), the output
    folder mirrors the input folder: no star is read twice from it."""
    paths = write_partitions(new_stars(1), tmp_path / "in", 3)
    out = tmp_path / "out"
    predict_partitions(*model, paths, out, device="cpu", progress=False, root=tmp_path / "in")
    moved = pd.concat([pd.read_parquet(paths[0]), pd.read_parquet(paths[2])])
    moved.to_parquet(paths[0], index=False)
    paths[2].unlink()
    capsys.readouterr()
    summary = predict_partitions(*model, partition_paths(tmp_path / "in"), out, device="cpu",
                                 progress=False, root=tmp_path / "in")
    err = capsys.readouterr().err
    assert "removed 1 output(s) whose input partition is no longer in the input folder" in err
    assert summary.changed == 1 and summary.skipped == 1
    ids = pd.read_parquet(out)["id"]
    assert not ids.duplicated().any()
    assert sorted(ids) == sorted(pd.concat([pd.read_parquet(p) for p in
                                            partition_paths(tmp_path / "in")])["id"].unique())


def test_a_hats_catalogue_of_nested_light_curves_is_predicted_from_its_root(model,
                                                                           tmp_path) -> None:
    """LSDB's layout: properties and partition_info.csv beside dataset/Norder=/Dir=/Npix=
    partitions of one row per star, its points nested (a struct of lists)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    frame = new_stars(1).to_frame()
    root = tmp_path / "catalogue"
    (root / "dataset" / "Norder=0" / "Dir=0").mkdir(parents=True)
    (root / "properties").write_text("dataset_type=object\n")
    (root / "partition_info.csv").write_text("Norder,Npix\n0,1\n0,2\n")
    (root / "dataset" / "_metadata").write_bytes(b"")
    (root / "dataset" / "README.txt").write_text("a catalogue\n")
    ids = list(pd.unique(frame["id"]))
    for npix, part in ((1, ids[: len(ids) // 2]), (2, ids[len(ids) // 2:])):
        stars = frame[frame["id"].isin(part)].groupby("id", sort=False)
        lc = pa.StructArray.from_arrays(
            [pa.array([g[c].tolist() for _, g in stars]) for c in ("band", "time", "mag", "err")],
            names=["band", "time", "mag", "err"])
        pq.write_table(pa.table({"id": list(stars.groups), "lc": lc}),
                       root / "dataset" / "Norder=0" / "Dir=0" / f"Npix={npix}.parquet")
    # data_thumbnail.parquet: a sample of the partitions' rows, which HATS writes beside them
    pq.write_table(pq.read_table(root / "dataset" / "Norder=0" / "Dir=0" / "Npix=1.parquet"),
                   root / "dataset" / "data_thumbnail.parquet")
    paths = partition_paths(root)
    assert [p.name for p in paths] == ["Npix=1.parquet", "Npix=2.parquet"]
    (tmp_path / "collection.properties").write_text(  # a collection: its main catalogue
        "obs_collection=test\nhats_primary_table_url=catalogue\nall_margins=margin\n")
    assert partition_paths(tmp_path) == paths
    summary = predict_partitions(*model, paths, tmp_path / "out", device="cpu",
                                 progress=False, root=root)
    nested = pd.read_parquet(tmp_path / "out").set_index("id")
    lcs = new_stars(1)
    flat = all_stars_table(predict_stars(*model, lcs, device="cpu"),
                           pd.unique(lcs.ids)).set_index("id").loc[nested.index]
    assert summary.stars == summary.classified == len(ids) and not summary.failed
    assert nested["predicted"].tolist() == flat["predicted"].tolist()
    probabilities = [c for c in nested if c.startswith("p_")] + ["period", "power"]
    np.testing.assert_allclose(nested[probabilities].to_numpy(),
                               flat[probabilities].to_numpy(dtype=float), rtol=1e-5)


def test_input_and_output_folders_that_overlap_or_change_are_refused(model, tmp_path) -> None:
    """Refused, as outputs read back as input would be judged changed and removed, an input
    inside the output folder removed as an orphan, and another input into the same folder
    would remove the first one's outputs."""
    paths = write_partitions(new_stars(1), tmp_path / "in" / "night1", 2)
    (tmp_path / "in" / "night2").mkdir()
    new_stars(1, seed=3).to_frame().assign(id=lambda f: "n2-" + f["id"]).to_parquet(
        tmp_path / "in" / "night2" / "part.0.parquet", index=False)
    out = tmp_path / "out"
    predict_partitions(*model, partition_paths(tmp_path / "in"), out, device="cpu",
                       progress=False, root=tmp_path / "in")
    before = sorted(p.name for p in out.rglob("*.parquet"))
    with pytest.raises(ConfigError, match="overlap"):  # an output folder inside the input
        predict_partitions(*model, partition_paths(tmp_path / "in"), tmp_path / "in" / "out",
                           device="cpu", progress=False, root=tmp_path / "in")
    with pytest.raises(ConfigError, match="overlap"):  # the output folder given as input
        predict_partitions(*model, partition_paths(out), out, device="cpu", progress=False,
                           root=out)
    with pytest.raises(ConfigMismatchError, match="input"):  # one folder's outputs, not two
        predict_partitions(*model, paths, out, device="cpu", progress=False,
                           root=tmp_path / "in" / "night1")
    assert sorted(p.name for p in out.rglob("*.parquet")) == before


def test_an_input_folder_moved_unchanged_continues(model, tmp_path, capsys) -> None:
    """A requeued job's partitions may be staged to another disk (the same names, sizes and
    times): not refused, and no finished partition predicted again."""
    write_partitions(new_stars(1), tmp_path / "in", 3)
    out = tmp_path / "out"
    predict_partitions(*model, partition_paths(tmp_path / "in"), out, device="cpu",
                       progress=False, root=tmp_path / "in")
    first = read_folder(out)
    (out / "part.2.parquet").unlink()  # as if killed before the last partition
    shutil.copytree(tmp_path / "in", tmp_path / "scratch")  # copy2 keeps the times
    (out / ".notes.tmp").write_text("the user's")  # hidden, not lcformer's: kept
    capsys.readouterr()
    summary = predict_partitions(*model, partition_paths(tmp_path / "scratch"), out,
                                 device="cpu", progress=False, root=tmp_path / "scratch")
    assert (summary.skipped, summary.stars_now) == (2, len(first["part.2.parquet"]))
    assert "now read from" in capsys.readouterr().err
    assert_same_outputs(read_folder(out), first)
    assert json.loads((out / MANIFEST).read_text())["input"] == str(tmp_path / "scratch")
    assert (out / ".notes.tmp").read_text() == "the user's"
    # A moved copy in which a finished partition changed is another input: refused, kept.
    shutil.copytree(tmp_path / "in", tmp_path / "other")
    (tmp_path / "other" / "part.0.parquet").touch()
    with pytest.raises(ConfigMismatchError, match=r"1 of its outputs have no unchanged "
                                                  r"partition of the same name in .*other"):
        predict_partitions(*model, partition_paths(tmp_path / "other"), out, device="cpu",
                           progress=False, root=tmp_path / "other")
    assert_same_outputs(read_folder(out), first)


def test_partitions_in_a_linked_folder_are_read(model, tmp_path) -> None:
    write_partitions(new_stars(1), tmp_path / "elsewhere", 1)
    write_partitions(new_stars(1), tmp_path / "in" / "here", 1)  # read by path: no clash
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "elsewhere")
    (tmp_path / "elsewhere" / "loop").symlink_to(tmp_path / "in")  # a loop: walked once
    paths = partition_paths(tmp_path / "in")
    assert len(paths) == 2 and any("linked" in str(p) for p in paths)
