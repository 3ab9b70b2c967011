"""A training run end to end: the folder it fills, its test stars, --resume, ensembles,
trees, and reloading the trained model."""

from __future__ import annotations

import dataclasses
import itertools
import json
import tomllib

import numpy as np
import pandas as pd
import pytest
import torch

from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, prepare
from lcformer.data.splits import assign_splits, sample_sets, stratified_split
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.data.tokens import TokenConfig
from lcformer.errors import (
    ConfigError,
    ConfigMismatchError,
    InputError,
    NothingToTrainError,
    RunNotFoundError,
)
from lcformer.models.config import ModelConfig
from lcformer.models.inference import star_probabilities, window_probabilities
from lcformer.training import fitting, runs
from lcformer.training.checkpoints import load_checkpoint
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.loop import TrainResult
from lcformer.training.run_folder import (
    check_resumable,
    load_model,
    read_run_config,
    write_config,
)
from lcformer.training.runs import train_run

PREPARE = PrepareConfig(tokens=TokenConfig(window=20, stride=10))
RUN = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2),
                train=TrainConfig(epochs=2, batch_size=16, lr=5e-3, device="cpu"))


def tiny_curves(with_split: bool = False) -> LightCurves:
    """36 stars of 42 points: 3 windows of 20 pairs each."""
    lcs = make_synthetic(SyntheticConfig(n_per_class=12, num=84))
    if not with_split:
        return lcs
    splits = np.where(np.arange(lcs.n_curves) % 4 == 0, "test", "train")
    return LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time, lcs.mag, lcs.err,
                       lcs.labels, splits.astype(object))


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    root = tmp_path_factory.mktemp("prepared")
    data, _ = prepare("tiny", lambda report: tiny_curves(), "h1", PREPARE, root)
    return data


@pytest.fixture(scope="module")
def prepared_with_split(tmp_path_factory):
    root = tmp_path_factory.mktemp("prepared_split")
    data, _ = prepare("tiny_split", lambda report: tiny_curves(True), "h2", PREPARE, root)
    return data


@pytest.fixture(scope="module")
def run(prepared, tmp_path_factory):
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    run_dir = tmp_path_factory.mktemp("run")
    metrics = train_run(prepared, RUN, run_dir, progress=False, figures=False)
    torch.set_num_threads(before)
    return run_dir, metrics


def test_run_folder_contents(run, prepared) -> None:
    run_dir, metrics = run
    for name in ("config.toml", "history.csv", "best.safetensors", "best.json",
                 "last.safetensors", "metrics.json", "test_predictions.csv"):
        assert (run_dir / name).is_file(), name
    assert not [p for p in run_dir.iterdir() if p.name.startswith(".")]  # no temporary files

    config = tomllib.loads((run_dir / "config.toml").read_text())
    assert RunConfig.from_dict(config["run"]) == RUN
    assert config["dataset"]["name"] == "tiny"
    assert config["prepare"]["tokens"]["window"] == 20

    assert len(pd.read_csv(run_dir / "history.csv")) == 2
    doc = json.loads((run_dir / "metrics.json").read_text())
    assert doc["kind"] == "deep" and len(doc["records"]) == 1
    saved = doc["records"][0]
    assert saved == json.loads(json.dumps(metrics.to_dict()))
    assert saved["classes"] == prepared.classes == ["car", "gaussian_process", "sinusoid"]
    for level in ("star", "window"):
        assert 0.0 <= saved[level]["accuracy"] <= 1.0
        assert 0.0 <= saved[level]["macro_f1"] <= 1.0
        assert set(saved[level]["per_class"]) == set(prepared.classes)
    assert saved["budget"]["epochs_run"] == 2
    assert saved["split"]["stars"] == {"train": 24, "val": 3, "test": 9}  # 8/1/3 per class
    assert saved["star"]["n"] == 9
    assert saved["window"]["n"] == 9 * 3


def test_test_stars_are_never_training_or_validation_stars(run, prepared) -> None:
    run_dir, _ = run
    predictions = pd.read_csv(run_dir / "test_predictions.csv")
    parts = assign_splits(prepared, RUN.split, RUN.split_seed)
    ids = prepared.stars["id"].to_numpy()
    test_ids = set(predictions["id"])
    assert len(predictions) == len(test_ids) == (parts == "test").sum()  # one row per test star
    assert test_ids == set(ids[parts == "test"])
    assert not test_ids & set(ids[parts != "test"])
    # The window sets follow the same split: no star has windows in two parts.
    sets = sample_sets(prepared, parts, None, 0)
    stars = {part: set(s.star.tolist()) for part, s in sets.items()}
    assert not stars["test"] & (stars["train"] | stars["val"])
    assert not stars["train"] & stars["val"]
    assert {ids[i] for i in stars["test"]} == test_ids
    # Labels are the stars' own.
    label_of = dict(zip(prepared.stars["id"], prepared.stars["label"], strict=True))
    assert all(label_of[i] == lab for i, lab in zip(predictions["id"], predictions["label"],
                                                     strict=True))
    p = predictions[[f"p_{c}" for c in prepared.classes]].to_numpy()
    np.testing.assert_allclose(p.sum(1), 1.0, rtol=1e-5)
    assert (predictions["n_windows"] == 3).all()


def test_the_checkpoint_recognises_its_training_and_validation_stars_not_its_test_stars(
        run, prepared) -> None:
    """The run's input under other ids: predictions mark every training and validation star
    as seen in training (by its points), and no test star."""
    from lcformer.evaluation.predict import predict_stars

    run_dir, _ = run
    model, metadata = load_model(run_dir)
    test_ids = set(pd.read_csv(run_dir / "test_predictions.csv")["id"])
    lcs = tiny_curves()
    renamed = dataclasses.replace(lcs, ids=np.array([f"other-{i}" for i in lcs.ids],
                                                    dtype=object))
    table = predict_stars(model, metadata, renamed, device="cpu").table
    seen = dict(zip(table["id"].str.removeprefix("other-"), table["seen_in_training"],
                    strict=True))
    assert len(seen) == lcs.n_stars and 0 < len(test_ids) < lcs.n_stars
    assert {i for i, s in seen.items() if not s} == test_ids
    assert metadata["training_fingerprints"]["stars"] == lcs.n_stars - len(test_ids)


def test_loaded_model_reproduces_the_run_predictions(run, prepared) -> None:
    run_dir, _ = run
    model, metadata = load_model(run_dir)
    assert metadata["classes"] == prepared.classes
    assert metadata["tokens"] == PREPARE.tokens.to_dict()
    assert not model.training
    parts = assign_splits(prepared, RUN.split, RUN.split_seed)
    test = sample_sets(prepared, parts, None, 0)["test"]
    probs = window_probabilities(model, test.tokens, test.mask)
    codes, uniques = pd.factorize(test.star)
    star_p = star_probabilities(probs, codes, len(uniques))
    predictions = pd.read_csv(run_dir / "test_predictions.csv")
    want = predictions[[f"p_{c}" for c in prepared.classes]].to_numpy()
    assert predictions["id"].tolist() == prepared.stars["id"].to_numpy()[uniques].tolist()
    np.testing.assert_allclose(star_p, want, rtol=1e-6, atol=1e-7)
    last, _ = load_model(run_dir, "last")
    assert last.state_dict().keys() == model.state_dict().keys()


def test_resume_with_another_configuration_is_refused(run, prepared) -> None:
    run_dir, _ = run
    other = RunConfig(model=ModelConfig(name="encoder", emb=16, heads=2), train=RUN.train)
    with pytest.raises(ConfigMismatchError, match=r"other settings .* model\.emb: 8 -> 16"):
        train_run(prepared, other, run_dir, resume=True, progress=False, figures=False)


def test_resume_may_change_the_time_limit_only(run, prepared) -> None:
    run_dir, _ = run
    check_resumable(run_dir, RUN.replace(train=RUN.train.replace(time_limit=5.0)),
                    prepared)  # more time for a run: accepted
    with pytest.raises(ConfigMismatchError, match=r"train\.epochs: 2 -> 3"):
        check_resumable(run_dir, RUN.replace(train=RUN.train.replace(time_limit=5.0,
                                                                     epochs=3)), prepared)


def test_resume_with_other_prepared_data_names_what_differs(run, prepared) -> None:
    run_dir, _ = run
    config = json.loads(json.dumps(prepared.manifest["config"]))
    config["tokens"]["window"] = 30
    other = dataclasses.replace(prepared, manifest=prepared.manifest | {"config": config})
    with pytest.raises(ConfigMismatchError, match=r"prepare\.tokens\.window: 20 -> 30") as info:
        train_run(other, RUN, run_dir, resume=True, progress=False, figures=False)
    assert "\n" not in str(info.value)
    moved = dataclasses.replace(prepared, manifest=prepared.manifest | {"input_hash": "h9"})
    with pytest.raises(ConfigMismatchError, match="dataset input files: changed"):
        train_run(moved, RUN, run_dir, resume=True, progress=False, figures=False)
    # Prepared anew by edited data code (another period search): the run's epochs so far
    # learned from the old preparation.
    assert read_run_config(run_dir)["dataset"]["data_code"] == prepared.manifest["data_code"]
    edited = dataclasses.replace(prepared, manifest=prepared.manifest | {"data_code": "c9"})
    with pytest.raises(ConfigMismatchError, match=r"lcformer's data code .*: edited since"):
        train_run(edited, RUN, run_dir, resume=True, progress=False, figures=False)



def test_resume_of_an_earlier_lcformers_run_says_so(run, prepared, tmp_path) -> None:
    """After an upgrade, not "--resume with other settings ... band_names: None -> []",
    which no option brings back, nor epochs of data read otherwise."""
    import shutil
    import tomllib

    import tomli_w

    run_dir = shutil.copytree(run[0], tmp_path / "earlier")  # (the module's run stays as it is)
    # A run of this version, an option now given that was unset, or bands read by their own
    # columns: the user's options, as ever (not "an earlier lcformer", start anew)
    for change in ({"classes": ["car", "sinusoid"]},
                   {"reading": {**prepared.manifest["config"]["reading"],
                                "columns": {**prepared.manifest["config"]["reading"]["columns"],
                                            "per_band": [{"band": "g", "mag": "mg"}]}}}):
        other = dataclasses.replace(prepared, manifest=prepared.manifest | {
            "config": prepared.manifest["config"] | change})
        with pytest.raises(ConfigMismatchError, match=r"^--resume with other settings .*"
                                                      r"prepare\.(classes|reading)"):
            check_resumable(run_dir, RUN, other)
    saved = tomllib.loads((run_dir / "config.toml").read_text())
    del saved["prepare"]["reading"]["class_names"]  # a setting that lcformer did not have
    (run_dir / "config.toml").write_text(tomli_w.dumps(saved))
    with pytest.raises(ConfigMismatchError, match=r"^--resume: .* was made by an earlier "
                                                  r"lcformer \(without the settings "
                                                  r"reading\.class_names\).*start a new run"):
        check_resumable(run_dir, RUN, prepared)
    saved = tomllib.loads((run_dir / "config.toml").read_text())
    saved["prepare"]["reading"]["class_names"] = []
    del saved["dataset"]["data_code"]  # a run of before the data code was recorded
    (run_dir / "config.toml").write_text(tomli_w.dumps(saved))
    with pytest.raises(ConfigMismatchError, match=r"earlier lcformer \(before runs recorded "
                                                  r"the data code\)"):
        check_resumable(run_dir, RUN, prepared)


def test_resume_of_a_missing_run_writes_nothing(prepared, tmp_path) -> None:
    run_dir = tmp_path / "no-such-run"
    with pytest.raises(RunNotFoundError, match=r"no run to continue in .*no-such-run.* without "
                                               r"--resume"):
        train_run(prepared, RUN, run_dir, resume=True, progress=False, figures=False)
    assert not run_dir.exists()


def test_resume_of_a_run_killed_before_its_first_checkpoint_starts_it(run, prepared,
                                                                      tmp_path, capsys) -> None:
    """Only config.toml was written: resuming trains from the start, as the run would have,
    and says so (not like a new run)."""
    _, first = run
    write_config(tmp_path, prepared, RUN)
    again = train_run(prepared, RUN, tmp_path, resume=True, progress=False, figures=False)
    assert (f"--resume: {tmp_path}: no epoch was saved before it stopped; training starts "
            f"from the first") in capsys.readouterr().err
    assert again.star == first.star and again.budget == first.budget
    # Epochs recorded but their last.safetensors gone: it starts again too, and says so.
    (tmp_path / "last.safetensors").unlink()
    (tmp_path / "metrics.json").unlink()
    with pytest.warns(UserWarning, match="records epochs .* but holds no last.safetensors"):
        train_run(prepared, RUN, tmp_path, resume=True, progress=False, figures=False)


def test_resume_with_the_same_configuration_reads_it_back_from_toml(prepared, tmp_path) -> None:
    # patience and sample_per_class are None: "none" in the TOML, which has no null.
    config = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2, dropout=0.0),
                       train=TrainConfig(epochs=1, batch_size=32, device="cpu"))
    first = train_run(prepared, config, tmp_path, progress=False, figures=False)
    assert 'patience = "none"' in (tmp_path / "config.toml").read_text()
    again = train_run(prepared, config, tmp_path, resume=True, progress=False, figures=False)
    assert again.budget["epochs_run"] == 1  # already complete: nothing more to train
    assert again.star == first.star and again.window == first.window


def test_resume_of_a_run_killed_before_its_last_history_writes_it(prepared, tmp_path) -> None:
    """Killed between the last epoch's checkpoint and its history.csv: the resumed run has no
    epoch left to train, and still writes the full history."""
    config = RunConfig(model=ModelConfig(name="encoder", emb=8, heads=2),
                       train=TrainConfig(epochs=2, batch_size=32, device="cpu"))
    train_run(prepared, config, tmp_path, progress=False, figures=False)
    history = tmp_path / "history.csv"
    full = history.read_text()
    history.write_text("\n".join(full.splitlines()[:2]) + "\n")  # header and epoch 1
    train_run(prepared, config, tmp_path, resume=True, progress=False, figures=False)
    assert history.read_text() == full


def test_a_split_without_training_stars_is_said_so(tmp_path) -> None:
    """One star per class: the 70/10/20 split puts each in test (it failed inside numpy)."""
    lcs = tiny_curves()
    one_each = lcs.select(np.flatnonzero(~pd.Series(lcs.labels).duplicated().to_numpy()))
    data, _ = prepare("one", lambda report: one_each, "h3", PREPARE, tmp_path / "prepared")
    with pytest.raises(NothingToTrainError, match="no training stars in split 'auto'"):
        train_run(data, RUN, tmp_path / "run", progress=False, figures=False)


def test_a_run_folder_in_place_of_a_file_is_a_usage_error(prepared, tmp_path) -> None:
    (tmp_path / "afile").write_text("")
    for where in (tmp_path / "afile", tmp_path / "afile" / "sub"):
        with pytest.raises(ConfigError, match="cannot be a run folder"):
            train_run(prepared, RUN, where, progress=False, figures=False)


def test_auto_split_uses_the_datasets_own_split(prepared_with_split) -> None:
    data = prepared_with_split
    given = data.stars["split"].to_numpy()
    parts = assign_splits(data, "auto", 0)
    assert (parts == assign_splits(data, "fixed", 0)).all()
    assert ((parts == "test") == (given == "test")).all()  # test stars stay test
    assert set(parts[given == "train"]) == {"train", "val"}  # validation carved from train
    stratified = assign_splits(data, "stratified", 0)
    assert not ((stratified == "test") == (given == "test")).all()


def test_auto_split_without_a_split_column_is_stratified(prepared) -> None:
    assert "split" not in prepared.stars
    labels = prepared.stars["label"].to_numpy()
    parts = assign_splits(prepared, "auto", 3)
    assert (parts == stratified_split(labels, seed=3)).all()
    with pytest.raises(ValueError, match="no split of its own"):
        assign_splits(prepared, "fixed", 0)
    with pytest.raises(ValueError, match="unknown split"):
        assign_splits(prepared, "random", 0)
    folds = assign_splits(prepared, "kfold:3:1", 0)
    assert (folds == "test").sum() == 12
    with pytest.raises(ValueError, match="folds need at least 1000 stars; this dataset has"):
        assign_splits(prepared, "kfold:1000:0", 0)


def test_sample_sets_balance_training_stars(prepared) -> None:
    parts = assign_splits(prepared, "stratified", 0)
    sets = sample_sets(prepared, parts, sample_per_class=10, seed=0)
    train = sets["train"]
    # 8 training stars per class oversampled to 10: 10 stars x 3 windows per class.
    assert np.bincount(train.labels).tolist() == [30, 30, 30]
    assert len(sets["test"]) == 9 * 3 and len(sets["val"]) == 3 * 3


def test_a_fused_run_watches_the_share_its_trees_give_the_network(tmp_path,
                                                                monkeypatch) -> None:
    """The trees are fitted first; every epoch records the weight the weight stars would give
    the network, and the weight set at the end is that of the network kept."""
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=20, num=60)), "h3",
        PrepareConfig(inputs="stars", features=False), tmp_path)
    shares: list[float] = []
    real_share = fitting.NetworkShare.__call__

    def recording_share(self, network):
        shares.append(real_share(self, network))
        return shares[-1]

    monkeypatch.setattr(fitting.NetworkShare, "__call__", recording_share)
    config = RunConfig(model=ModelConfig(emb=8, heads=2, forest=5, boosting=3),
                       train=TrainConfig(epochs=3, batch_size=16, device="cpu"))
    record = train_run(data, config, tmp_path / "run", progress=False, figures=False)
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert history["network_weight"].tolist() == shares[:3]  # one per epoch, then the end's
    assert len(shares) == 4 and record.budget["network_weight"] == pytest.approx(shares[3])
    assert record.budget["network_unneeded"] is False  # no patience: the run is not stopped


def test_epochs_0_is_the_trees_alone_and_needs_trees(tmp_path, monkeypatch) -> None:
    """--epochs 0: the trees classify alone (weight 0), no network epoch runs, and the run
    says so; a model without trees has nothing to classify with and is refused."""
    data, _ = prepare("tiny_stars", lambda report: make_synthetic(
        SyntheticConfig(n_per_class=20, num=60)), "h3",
        PrepareConfig(inputs="stars", features=False), tmp_path)
    monkeypatch.setattr(fitting, "train", lambda *args, **kwargs: pytest.fail("a network epoch"))
    config = RunConfig(model=ModelConfig(emb=8, heads=2, forest=5, boosting=3),
                       train=TrainConfig(epochs=0, batch_size=16, device="cpu"))
    record = train_run(data, config, tmp_path / "run", progress=False, figures=False)
    model, metadata = load_model(tmp_path / "run")
    assert model.weight == 0 and metadata["forest"]["trees_alone"] is True
    assert record.budget["network_weight"] == 0 and record.budget["epochs_run"] == 0
    assert "(0 epochs, " in record.summary_line()
    used = record.split["used"]  # no validation star chose anything
    assert used["val"] == 0 and "weight" not in used and used["train"] > 0
    assert metadata["training_fingerprints"]["stars"] == used["train"]  # new to the model
    # What the trees rest on: measured on the test stars, where the trees are the whole model.
    importance = json.loads((tmp_path / "run" / "importance.json").read_text())
    assert importance["trees_macro_f1"] == pytest.approx(record.star["macro_f1"])
    assert importance["test_stars"] == record.star["n"]
    with pytest.raises(ConfigError, match=r"--epochs 0 trains no network, and encoder"):
        RunConfig.for_model("encoder").replace(train=TrainConfig(epochs=0)).check_runnable()
    with pytest.raises(ConfigError, match=r"epochs must be at least 0"):
        TrainConfig(epochs=-1)
    with pytest.raises(ConfigError, match=r"--epochs 0 trains no network, so --ensemble 2"):
        config.replace(model=config.model.replace(ensemble=2)).check_runnable()


def test_an_ensembles_epochs_are_those_of_one_member() -> None:
    history = [{"member": m, "epoch": e} for m in range(3) for e in range(1, 31)]
    assert runs.epochs_run(history[:-5]) == 30  # the last member stopped early
    assert runs.epochs_run([{"epoch": e} for e in range(1, 8)]) == 7
    assert runs.epochs_run([]) == 0


def test_epochs_planned_count_as_epochs_run_do() -> None:
    """ae_frozen's reconstruction epochs come first and are run (and counted): planned too."""
    train = TrainConfig(epochs=3, pretrain_epochs=2, alternate_every=1)
    assert runs.epochs_planned(RunConfig(model=ModelConfig(name="ae_frozen"), train=train)) == 5
    for name in ("ae_finetune", "encoder", "periodic"):  # finetune alternates within --epochs
        assert runs.epochs_planned(RunConfig(model=ModelConfig(name=name), train=train)) == 3


def test_an_ensembles_budget_gives_each_members_best_epoch(prepared, tmp_path) -> None:
    config = RUN.replace(model=RUN.model.replace(ensemble=2),
                         train=RUN.train.replace(epochs=3))
    record = train_run(prepared, config, tmp_path, progress=False, figures=False)
    best = record.budget["best_epoch"]
    assert isinstance(best, list) and len(best) == 2
    for i, epoch in enumerate(best):
        saved = load_checkpoint(tmp_path / f"member{i}" / "best.safetensors")[1]
        assert saved["epoch"] == epoch
    assert json.loads((tmp_path / "metrics.json").read_text())["records"][0]["budget"][
        "best_epoch"] == best
    with pytest.raises(RunNotFoundError, match=r"an ensemble is saved as best\.safetensors "
                                               r"only \(every member\); member0/last"):
        load_model(tmp_path, "last")  # not "is this a finished run folder?"
    early = TrainResult(stopped_early=True), TrainResult(best_epoch=4)
    assert runs.best_epochs([early[1]]) == 5 and runs.best_epochs(list(early)) == [None, 5]


def test_an_ensembles_members_share_the_time_limit(prepared, tmp_path, monkeypatch) -> None:
    ticks = itertools.count()  # each reading of the clock 30 s after the one before
    monkeypatch.setattr("lcformer.training.loop.time.perf_counter", lambda: 30.0 * next(ticks))
    config = RUN.replace(model=RUN.model.replace(ensemble=2),
                         train=RUN.train.replace(epochs=4, time_limit=8.0))
    assert fitting.member_train_config(config.train, 1, 2).time_limit == 4.0
    record = train_run(prepared, config, tmp_path, progress=False, figures=False)
    # 4 minutes each, and 90 s an epoch (three readings of the clock): a third epoch would
    # end at 270 s.
    assert record.budget["epochs_run"] == 2 and record.budget["time_limit_reached"]
    assert "(2 of 4 epochs before the time limit, " in record.summary_line()
    without = train_run(prepared, config.replace(train=config.train.replace(time_limit=None)),
                        tmp_path / "whole", progress=False, figures=False)
    assert without.budget["epochs_run"] == 4 and not without.budget["time_limit_reached"]


def test_settings_the_model_does_not_read_are_refused() -> None:
    with pytest.raises(ConfigError, match=r"periodic does not read --position time, "
                                          r"--head pooled: leave them out"):
        RunConfig(model=ModelConfig(position="time", head="pooled")).check_runnable()
    with pytest.raises(ConfigError, match="encoder does not read --harmonics 7"):
        RunConfig(model=ModelConfig(name="encoder", harmonics=7)).check_runnable()
    # --research on the default model: this, not a depth the research models need.
    with pytest.raises(ConfigError, match="periodic does not read --research: leave it out"):
        RunConfig.for_model("periodic").replace(model=RunConfig.for_model(
            "periodic").model.replace(research=True)).check_runnable()
    with pytest.raises(ConfigError, match="periodic does not read --rnn-units 8"):
        train_run(None, RunConfig(model=ModelConfig(rnn_units=8)), "unused")  # type: ignore
    with pytest.raises(ConfigError, match="split_seed must be at least 0"):
        RunConfig(split_seed=-1)
    with pytest.raises(ConfigError, match="sample_per_class must be at least 1"):
        RunConfig(sample_per_class=0)
    RunConfig(model=ModelConfig(name="encoder", position="time", head="pooled")).check_runnable()
    # A sweep's base settings serve several models: not refused until a model runs.
    RunConfig(model=ModelConfig(rnn_units=8))


def test_a_blank_or_misspelled_split_value_names_the_stars(tmp_path) -> None:
    """No internal error (exit 3) naming neither the star nor a way out."""
    lcs = tiny_curves(True)
    splits = lcs.splits.copy()
    splits[[1, 2]] = ["", "Train"]
    lcs = LightCurves(lcs.ids, lcs.bands, lcs.offsets, lcs.time, lcs.mag, lcs.err, lcs.labels,
                      splits)
    data, _ = prepare("bad_split", lambda report: lcs, "h9", PREPARE, tmp_path)
    with pytest.raises(InputError, match=r"2 star\(s\) have a split other than train/val/"
                                         r"test .*e\.g\. .*'Train'.*use --split stratified"):
        assign_splits(data, "auto", 0)
    assert len(assign_splits(data, "stratified", 0)) == len(data.stars)


