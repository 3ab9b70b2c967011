"""The run folder: its default name, clearing or setting aside an earlier run, and its
config.toml read back for --resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.models.config import ModelConfig
from lcformer.training import run_folder
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.run_folder import run_dir_name, write_config

RUN = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2),
                train=TrainConfig(epochs=2, batch_size=16, lr=5e-3, device="cpu"))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("prepared")
    curves = make_synthetic(SyntheticConfig(n_per_class=12, num=84))
    data, _ = prepare("tiny", lambda report: curves, "h1",
                      PrepareConfig(tokens=TokenConfig(window=20, stride=10)), root)
    return data


def test_default_run_folder_names() -> None:
    """The names `lcformer train`, `baseline` and `demo` give their folders under <work>/runs:
    runs of another model, seed or split never share one."""
    periodic = RunConfig.for_model("periodic")
    assert run_dir_name("asas", periodic) == "asas-periodic-seed0"
    assert run_dir_name("asas", RUN.replace(split="kfold:5:2", train=RUN.train.replace(
        seed=3))) == "asas-encoder-seed3-kfold5-2"
    assert run_dir_name("asas", periodic, "baseline") == "asas-baseline-seed0"
    assert run_dir_name("asas", RUN.replace(split="stratified"),
                        "baseline") == "asas-baseline-encoder-seed0-stratified"
    assert run_dir_name("synthetic", periodic, "demo") == "demo-synthetic-periodic"


def test_a_fresh_run_clears_an_earlier_runs_outputs_only(tmp_path) -> None:
    names = ("metrics.json", "last.safetensors", "figures/confusion.png",
             "member1/best.safetensors", "network/history.csv", "notes.txt")
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("old")
    assert not run_folder.clear_run(tmp_path)  # not a run folder: nothing is the run's to remove
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({n.split("/")[0] for n in names})
    (tmp_path / "config.toml").write_text('[run]\nsplit = "auto"\n')
    assert run_folder.clear_run(tmp_path)  # said: "replaced the earlier run in ..."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config.toml", "notes.txt"]
    assert not run_folder.clear_run(tmp_path)  # nothing left to replace


def test_a_run_on_other_input_is_moved_aside_not_deleted(tmp_path) -> None:
    """Two surveys whose folders share a name (OGLE's phot/ of each catalogue) get the same
    default run folder: training on the second must not delete the first one's model. A run
    on other input (another input hash) goes to <run>.old (.old.2 where that is taken); a rerun
    on the same input replaces."""
    from types import SimpleNamespace

    run = tmp_path / "phot-periodic-seed0"
    (run / "figures").mkdir(parents=True)
    (run / "figures" / "confusion.png").write_text("lmc")
    (run / "best.safetensors").write_text("lmc")
    (run / "notes.txt").write_text("mine")
    (run / "config.toml").write_text('[dataset]\ninput_hash = "lmc"\n[run]\nsplit = "auto"\n')
    same = SimpleNamespace(manifest={"input_hash": "lmc"})
    assert run_folder.set_aside_other_run(run, same) is None  # a rerun: replaced
    (tmp_path / "phot-periodic-seed0.old").mkdir()  # an older one set aside: kept (a
    (tmp_path / "phot-periodic-seed0.old" / "best.safetensors").write_text("bulge")  # third
    other = SimpleNamespace(manifest={"input_hash": "smc"})  # survey's run must not replace it)
    aside = run_folder.set_aside_other_run(run, other)
    assert aside == tmp_path / "phot-periodic-seed0.old.2"
    assert (tmp_path / "phot-periodic-seed0.old" / "best.safetensors").read_text() == "bulge"
    assert (aside / "best.safetensors").read_text() == "lmc"
    assert (aside / "figures" / "confusion.png").read_text() == "lmc"
    assert 'input_hash = "lmc"' in (aside / "config.toml").read_text()
    assert sorted(p.name for p in run.iterdir()) == ["notes.txt"]  # the user's file stays
    assert run_folder.set_aside_other_run(run, other) is None  # no run left in it


def test_a_run_records_its_prepared_folder_as_an_absolute_path(tmp_path, monkeypatch) -> None:
    """`lcformer info` run from another directory must find it (the default work folder,
    ./lcformer-work, is relative)."""
    from types import SimpleNamespace

    from lcformer.training.run_folder import _where

    monkeypatch.chdir(tmp_path)
    assert _where(SimpleNamespace(path=Path("work/prepared/x"))) == str(
        tmp_path.resolve() / "work" / "prepared" / "x")
    assert _where(SimpleNamespace(path=None)) is None


def test_an_unset_setting_survives_config_toml(prepared, tmp_path) -> None:
    """TOML has no null: --clip-grad none left out would read back as 1.0, and the run
    could not be resumed ("train.clip_grad: 1.0 -> None")."""
    config = RUN.replace(train=RUN.train.replace(clip_grad=None))
    write_config(tmp_path, prepared, config)
    saved = run_folder.read_run_config(tmp_path)
    assert saved["run"]["train"]["clip_grad"] == "none"
    assert RunConfig.from_dict(saved["run"]) == config
    run_folder.check_resumable(tmp_path, config, prepared)  # no difference

