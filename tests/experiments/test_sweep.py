"""Sweeps: the research grid, its table, and continuing an interrupted sweep. All tiny."""

from __future__ import annotations

import dataclasses
import re
import shutil

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer.cli import main
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.experiments import sweep
from lcformer.experiments.grid import Cell, SweepConfig, cells, run_config
from lcformer.experiments.sweep import run_sweep
from lcformer.models.config import ModelConfig
from lcformer.reporting.tables import budget_text, research_table, summary
from lcformer.training.config import RunConfig
from lcformer.training.loop import TrainConfig

TINY = SyntheticConfig(n_per_class=10, num=84)  # 30 stars of 42 points: 3 windows of 20 pairs
PREPARE = PrepareConfig(tokens=TokenConfig(window=20, stride=10))
BASE = RunConfig(train=TrainConfig(epochs=1, batch_size=32, lr=5e-3, device="cpu"))
TWO_BY_TWO = SweepConfig(models=("naive", "encoder"), heads=(2,), embs=(8,), seeds=(0, 1),
                         base=BASE)
CELL = re.compile(r"^\d\.\d\d \(\d\.\d\d\)$")


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    data, _ = prepare("tiny", lambda report: make_synthetic(TINY), "h", PREPARE,
                      tmp_path_factory.mktemp("prepared"))
    return data


@pytest.fixture(scope="module")
def swept(prepared, tmp_path_factory):
    folder = tmp_path_factory.mktemp("sweep")
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # module fixtures run before conftest's one_torch_thread
    try:
        return run_sweep(prepared, TWO_BY_TWO, folder, progress=False), folder
    finally:
        torch.set_num_threads(before)


def test_cells_of_the_research_grid() -> None:
    grid = cells(SweepConfig())
    assert grid.count(Cell("naive", 4, 32)) == 1
    assert [c for c in grid if c.model == "naive"] == [Cell("naive", 4, 32)]
    for model in ("ae_frozen", "ae_finetune", "encoder", "encoder_decoder"):
        assert {(c.heads, c.emb) for c in grid if c.model == model} == {
            (4, 32), (4, 64), (8, 32), (8, 64)}
    assert [c for c in grid if c.model in ("lstm", "gru")] == [Cell("lstm"), Cell("gru")]
    assert len(grid) == 1 + 4 * 4 + 2
    assert Cell("encoder", 4, 32).name == "encoder-h4-e32" and Cell("gru").name == "gru"


def test_run_configs_of_folds_and_seeds() -> None:
    base = BASE.replace(model=ModelConfig(heads=3, emb=9, rnn_units=8), split_seed=5)
    folds = SweepConfig(models=("encoder", "lstm"), folds=3, base=base)
    assert folds.repeats == ["fold0", "fold1", "fold2"]
    rc = run_config(folds, Cell("encoder", 8, 64), "fold2")
    assert (rc.model.name, rc.split, rc.split_seed) == ("encoder", "kfold:3:2", 5)
    assert rc.model == ModelConfig(name="encoder", heads=8, emb=64, rnn_units=8)
    assert run_config(folds, Cell("lstm"), "fold0").model == ModelConfig(name="lstm",
                                                                          rnn_units=8)
    seeds = SweepConfig(models=("encoder",), seeds=(3, 7), base=base)
    rc = run_config(seeds, Cell("encoder", 4, 32), "seed7")
    assert (rc.split, rc.split_seed, rc.train.seed) == ("auto", 5, 7)
    with pytest.raises(ValueError, match="divisible"):
        SweepConfig(heads=(3,), embs=(32,))
    with pytest.raises(ValueError, match="split"):
        SweepConfig(folds=5, base=dataclasses.replace(BASE, split="stratified"))
    with pytest.raises(ValueError, match="runs the window models"):
        SweepConfig(models=("transformer",))
    with pytest.raises(ValueError, match="periodic reads whole stars: `lcformer ablation`"):
        SweepConfig(models=("encoder", "periodic"))


def test_sweep_writes_long_results_and_the_table(swept, prepared) -> None:
    result, folder = swept
    long = pd.read_csv(folder / "results_long.csv")
    assert len(long) == 4 and len(result.trained) == 4
    assert sorted(zip(long["model"], long["repeat"], strict=True)) == [
        ("encoder", "seed0"), ("encoder", "seed1"), ("naive", "seed0"), ("naive", "seed1")]
    assert set(long["heads"]) == {2} and set(long["emb"]) == {8}
    assert (long["epochs_run"] == 1).all() and long["accuracy"].between(0, 1).all()
    for run in ("naive-h2-e8/seed0", "encoder-h2-e8/seed1"):
        assert (folder / run / "metrics.json").is_file()

    md = (folder / "results.md").read_text()
    assert md == result.markdown
    budget = next(line for line in md.splitlines() if line.startswith("Budget:"))
    for part in ("dataset tiny (30 stars, 3 classes, windows W=20 S=10)", "split: auto",
                 "2 training seed(s) 0, 1", "epochs: 1 planned, 1 run", "research mode off"):
        assert part in budget
    assert re.search(r"\d{4}-\d\d-\d\d", budget) and "CPU" in budget
    assert "included" not in budget  # every run ran its planned epochs
    longer = result.long.assign(epochs_run=[1, 1, 3, 1])  # ae_frozen's 2 reconstruction
    assert ("epochs: 1 planned, 1-3 run (reconstruction epochs and early stops included)"
            in budget_text(prepared, TWO_BY_TWO, longer))
    # Stars read but left without a curve are said (not 209 "stars" where 233 were read)
    from collections import Counter

    from lcformer.data.report import DropReport

    fewer = dataclasses.replace(prepared, manifest={
        **prepared.manifest, "counts": {**prepared.manifest["counts"], "stars_read": 33}},
        drop_report=DropReport(curves=Counter(shorter_than_window=3)))
    assert ("dataset tiny (30 stars of the 33 read; the other 3 kept no curve (curves "
            "dropped, of all the stars: shorter_than_window 3), 3 classes"
            in budget_text(fewer, TWO_BY_TWO))
    assert "| tiny | h2 e8 |" in md
    assert "Spread: sample standard deviation (n - 1 in the denominator) over the 2" in md
    table = pd.read_csv(folder / "results.csv", keep_default_na=False)
    assert list(table["model"]) == ["naive", "encoder"]
    assert list(table.columns) == ["model", "row", "h2 e8", "h2 e8 std"]
    assert all(CELL.match(v) for v in table["h2 e8"])
    enc = long[long["model"] == "encoder"]
    expected = f"{enc['accuracy'].mean():.2f} ({enc['macro_f1'].mean():.2f})"
    assert table.loc[1, "h2 e8"] == expected
    assert f"| Model 4 (encoder) | {expected} |" in md


def test_interrupted_sweep_redoes_only_the_unfinished_run(swept, prepared, tmp_path,
                                                          monkeypatch) -> None:
    _, done = swept
    folder = tmp_path / "sweep"
    shutil.copytree(done, folder)
    unfinished = folder / "encoder-h2-e8" / "seed1"
    (unfinished / "metrics.json").unlink()  # stopped after its last checkpoint
    (folder / "results.md").unlink()
    calls = []
    real = sweep.train_run

    def only_the_unfinished(data, config, run_dir, resume=False, **kwargs):
        calls.append((run_dir, resume))
        if run_dir != unfinished:
            raise AssertionError(f"{run_dir} was finished and must not be trained again")
        return real(data, config, run_dir, resume=resume, **kwargs)

    monkeypatch.setattr(sweep, "train_run", only_the_unfinished)
    result = run_sweep(prepared, TWO_BY_TWO, folder, progress=False)
    assert calls == [(unfinished, True)] and result.trained == [str(unfinished)]
    assert (unfinished / "metrics.json").is_file()
    long = pd.read_csv(folder / "results_long.csv")
    before = pd.read_csv(done / "results_long.csv")
    assert len(long) == 4
    same = ["model", "heads", "emb", "repeat", "accuracy", "macro_f1", "epochs_run", "run_dir"]
    pd.testing.assert_frame_equal(long[same], before[same])
    table = pd.read_csv(folder / "results.csv", keep_default_na=False)
    assert all(CELL.match(v) for v in table["h2 e8"])  # complete: no "[1/2]"

    # A finished run of another configuration is refused, not silently reused.
    other = dataclasses.replace(TWO_BY_TWO, base=dataclasses.replace(
        BASE, train=dataclasses.replace(BASE.train, epochs=2)))
    monkeypatch.setattr(sweep, "train_run", real)
    recorded = (folder / "sweep.json").read_text()
    with pytest.raises(sweep.ConfigMismatchError, match=r"another configuration or other "
                                                        r"data than this sweep's \(train\.epochs: "
                                                        r"1 -> 2\)"):  # named
        run_sweep(prepared, other, folder, progress=False, command="lcformer sweep --refused")
    assert (folder / "sweep.json").read_text() == recorded  # the refused call left no trace
    # So is one made from other input files, and the message says which data differ.
    toml = next(p for p in sorted(folder.rglob("config.toml")) if p.parent != unfinished)
    recorded_input = f'input_hash = "{prepared.manifest["input_hash"]}"'
    assert recorded_input in toml.read_text()
    toml.write_text(toml.read_text().replace(recorded_input, 'input_hash = "other"'))
    with pytest.raises(sweep.ConfigMismatchError,
                       match=r"other data than this sweep's \(dataset input files: changed"):
        run_sweep(prepared, TWO_BY_TWO, folder, progress=False)


def test_a_started_ensemble_cell_is_resumed_and_its_configuration_checked(
        prepared, tmp_path, monkeypatch) -> None:
    """An ensemble (or a network beside trees) keeps its checkpoints in member<i>/ (network/),
    not in the run folder: the sweep resumed it from scratch and took other settings."""
    grid = SweepConfig(models=("encoder",), heads=(2,), embs=(8,), seeds=(0,), baseline=False,
                       base=dataclasses.replace(BASE, model=ModelConfig(ensemble=2)))
    folder = tmp_path / "sweep"
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run_sweep(prepared, grid, folder, progress=False)
        started = folder / "encoder-h2-e8" / "seed0"
        assert (started / "member1" / "last.safetensors").is_file()
        (started / "metrics.json").unlink()  # killed before the end
        other = dataclasses.replace(grid, base=dataclasses.replace(
            grid.base, train=dataclasses.replace(BASE.train, epochs=2)))
        with pytest.raises(sweep.ConfigMismatchError, match="another configuration"):
            run_sweep(prepared, other, folder, progress=False)
        calls = []
        real = sweep.train_run

        def record(data, config, run_dir, resume=False, **kwargs):
            calls.append(resume)
            return real(data, config, run_dir, resume=resume, **kwargs)

        monkeypatch.setattr(sweep, "train_run", record)
        run_sweep(prepared, grid, folder, progress=False)
        assert calls == [True] and (started / "metrics.json").is_file()
    finally:
        torch.set_num_threads(before)


def test_research_table_mean_and_spread() -> None:
    rows = []
    acc = {"fold0": (0.90, 0.80, 0.70), "fold1": (0.80, 0.60, 0.75), "fold2": (0.85, 0.70, 0.80)}
    for repeat, (a_enc, a_naive, a_rf) in acc.items():
        rows += [
            {"model": "random_forest", "heads": None, "emb": None, "repeat": repeat,
             "accuracy": a_rf, "macro_f1": a_rf - 0.1},
            {"model": "encoder", "heads": 4, "emb": 32, "repeat": repeat,
             "accuracy": a_enc, "macro_f1": a_enc - 0.05},
            {"model": "naive", "heads": 4, "emb": 32, "repeat": repeat,
             "accuracy": a_naive, "macro_f1": a_naive / 2},
        ]
    rows.append({"model": "encoder", "heads": 8, "emb": 64, "repeat": "fold0",
                 "accuracy": 0.5, "macro_f1": 0.25})  # the other folds did not finish
    long = sweep.long_frame(rows)
    md, table = research_table(long, "Budget: 3 folds.", title="ASAS")
    assert list(table["model"]) == ["naive", "encoder", "random_forest"]
    assert list(table.columns[2:6]) == ["h4 e32", "h8 e64", "any", "h4 e32 std"]
    enc = table.set_index("model").loc["encoder"]
    f1 = np.array([0.85, 0.75, 0.80])
    assert enc["h4 e32"] == f"0.85 ({f1.mean():.2f})" == "0.85 (0.80)"
    assert enc["h4 e32 std"] == f"0.05 ({f1.std(ddof=1):.2f})" == "0.05 (0.05)"
    assert enc["h8 e64"] == "0.50 (0.25) [1/3]" and enc["h8 e64 std"] == ""
    assert enc["any"] == ""
    naive = table.set_index("model").loc["naive"]
    assert naive["h4 e32"] == "0.70 (0.35)" and naive["h4 e32 std"] == "0.10 (0.05)"
    assert table.set_index("model").loc["random_forest", "any"] == "0.75 (0.65)"
    lines = md.splitlines()
    assert "Budget: 3 folds." in lines
    assert "| ASAS | h4 e32 | h8 e64 | any |" in lines
    assert "| Model 1 (naive) | 0.70 (0.35) |  |  |" in lines
    assert "| features + random forest |  |  | 0.75 (0.65) |" in lines
    assert "| Model 4 (encoder) | 0.05 (0.05) |  |  |" in lines  # the spread table
    stats = summary(long).set_index(["model"]).loc["random_forest"]
    assert stats["accuracy_std"] == pytest.approx(np.std([0.70, 0.75, 0.80], ddof=1))


def test_an_unfinished_sweep_is_marked_against_its_planned_repeats() -> None:
    rows = [{"model": "encoder", "heads": 4, "emb": 32, "repeat": r, "accuracy": 0.9,
             "macro_f1": 0.8} for r in ("seed0", "seed1")]
    md, table = research_table(sweep.long_frame(rows), "Budget.", planned=3)
    assert table.loc[0, "h4 e32"] == "0.90 (0.80) [2/3]"
    assert "the mean over 3 repeats" in md and "the sweep is unfinished" in md
    md, table = research_table(sweep.long_frame(rows), "Budget.", planned=2)
    assert table.loc[0, "h4 e32"] == "0.90 (0.80)" and "unfinished" not in md

def test_folds_with_the_feature_baseline(prepared, tmp_path) -> None:
    pytest.importorskip("light_curve")
    config = SweepConfig(models=("naive",), heads=(2,), embs=(8,), folds=2, base=BASE,
                         baseline=True)
    result = run_sweep(prepared, config, tmp_path, progress=False)
    long = result.long
    assert sorted(set(long["model"])) == ["gradient_boosting", "naive", "random_forest"]
    assert len(long) == 6 and set(long["repeat"]) == {"fold0", "fold1"}
    assert long[long["model"] == "random_forest"]["heads"].isna().all()
    assert (tmp_path / "baseline" / "fold1" / "metrics.json").is_file()
    assert "2-fold stratified by star" in result.markdown
    assert "; baseline CPU" in result.markdown
    assert list(result.table["model"]) == ["naive", "random_forest", "gradient_boosting"]
    # Every run tests on the same stars as the baseline of its fold.
    for fold in ("fold0", "fold1"):
        deep = pd.read_csv(tmp_path / f"naive-h2-e8/{fold}/test_predictions.csv")
        base = pd.read_csv(tmp_path / f"baseline/{fold}/test_predictions.csv")
        assert sorted(deep["id"]) == sorted(base["id"])
    # Continuing reads everything back: nothing trained.
    again = run_sweep(prepared, config, tmp_path, progress=False)
    assert again.trained == [] and len(again.long) == 6


def test_cli_sweep(tiny_synthetic, tmp_path, capsys) -> None:
    work = tmp_path / "work"
    args = ["sweep", "synthetic", "--work-dir", str(work), "--models", "naive,encoder",
            "--heads", "2", "--embs", "8", "--epochs", "1", "--window", "20", "--stride", "10",
            "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]
    assert main(args) == 0
    out = capsys.readouterr().out
    [folder] = list((work / "sweeps").iterdir())
    assert re.fullmatch(r"synthetic-[0-9a-f]{10}", folder.name)
    assert f"sweep folder: {folder}" in out and "trained now: 2 run(s)" in out
    assert "| Model 4 (encoder) |" in out and "Budget: dataset synthetic" in out
    assert (folder / "results.md").read_text() in out
    assert len(pd.read_csv(folder / "results_long.csv")) == 2

    assert main(args) == 0  # continuing a finished sweep trains nothing
    assert "trained now: 0 run(s)" in capsys.readouterr().out

    # Another budget into the same folder is refused with one message.
    code = main([*args[:args.index("--epochs") + 1], "2", *args[args.index("--epochs") + 2:],
                 "--sweep-dir", str(folder)])
    assert code == 2 and "another configuration" in capsys.readouterr().err

    assert main([*args, "--heads", "3"]) == 2
    assert "divisible" in capsys.readouterr().err


def test_a_baseline_folder_of_other_test_stars_is_refused(prepared, tmp_path) -> None:
    """A reused sweep folder whose baseline was tested on another preparation's stars (same
    split kind and seeds) would put its scores beside runs on other stars."""
    from lcformer.errors import ConfigMismatchError
    from lcformer.experiments.baseline import run_baseline, save_baseline

    config = dataclasses.replace(TWO_BY_TWO, baseline=True)
    split, seed, train = sweep.repeat_split(config, "seed0")
    folder = save_baseline(tmp_path / "baseline" / "seed0",
                           run_baseline(prepared, split=split, seed=seed, model_seed=train.seed))
    sweep._check_baseline(prepared, config, "seed0", folder)  # its own: accepted
    fewer, _ = prepare("tiny", lambda report: make_synthetic(dataclasses.replace(
        TINY, n_per_class=9)), "h2", PREPARE, tmp_path / "prepared")
    with pytest.raises(ConfigMismatchError, match="tested on other stars"):
        sweep._check_baseline(fewer, config, "seed0", folder)
