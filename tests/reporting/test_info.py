"""`lcformer info RUN` (and `evaluate`) on the run folders lcformer writes: a deep run, a
feature-baseline run, a folder of lcformer 0.1.0, and a run with a damaged checkpoint."""

from __future__ import annotations

import json
import re
import shutil
import struct
from pathlib import Path

import pandas as pd
import pytest

from lcformer.cli import main
from lcformer.data.fingerprints import fingerprints_of
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.training.run_folder import load_model

LEGACY = Path(__file__).resolve().parents[1] / "fixtures" / "legacy-0.1.0"
TOKENS = ["--window", "20", "--stride", "10"]
TRAIN_ARGS = ["--model", "encoder", "--epochs", "1", "--emb", "8", "--heads", "2", *TOKENS,
              "--batch-size", "32", "--threads", "1", "--device", "cpu", "--quiet"]


def stars_folder(folder: Path, per_class: int = 10) -> Path:
    """3 x ``per_class`` labelled stars of 42 points as a long table + labels.csv."""
    folder.mkdir(parents=True)
    lcs = make_synthetic(SyntheticConfig(n_per_class=per_class, num=84))
    lcs.to_frame().drop(columns="class").to_csv(folder / "lightcurves.csv", index=False)
    pd.DataFrame({"id": lcs.ids, "class": lcs.labels}).to_csv(folder / "labels.csv",
                                                               index=False)
    return folder


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Path]:
    """A deep run and a baseline run on the same stars."""
    root = tmp_path_factory.mktemp("info")
    data = stars_folder(root / "mystars")
    work = ["--work-dir", str(root / "work")]
    assert main(["train", str(data), *work, "--run-dir", str(root / "run"), *TRAIN_ARGS]) == 0
    assert main(["baseline", str(data), *work, "--out", str(root / "baseline"), "--model",
                 "encoder", *TOKENS, "--quiet"]) == 0
    return {"run": root / "run", "baseline": root / "baseline"}


def stored_digest(path: Path) -> str:
    raw = path.read_bytes()
    (n,) = struct.unpack("<Q", raw[:8])
    return json.loads(raw[8:8 + n])["__metadata__"]["sha256"]


def test_info_of_a_deep_run(runs, capsys) -> None:
    run = runs["run"]
    assert main(["info", str(run)]) == 0
    out = capsys.readouterr().out
    model, _ = load_model(run)
    n_parameters = sum(p.numel() for p in model.parameters())
    lines = {line.split()[0]: line for line in out.splitlines() if line and line[0] != " "}
    assert lines["run"].endswith("(deep run)")
    assert f"encoder, {n_parameters:,} parameters" in lines["model"]
    assert lines["classes"].endswith("3: car, gaussian_process, sinusoid")
    assert lines["data"].split()[-1] == "mystars"
    assert "input fingerprint " in out and "30 stars (train " in out
    _, metadata = load_model(run)  # the stars predict leaves unscored, counted
    seen = len(fingerprints_of(metadata))
    assert seen > 0 and f"fingerprints of {seen:,} training and validation stars'" in out
    assert "window=20, stride=10" in lines["tokens"]
    assert "rnn_units=" in out and "harmonics=" not in out  # the star model's alone
    assert "epochs=1" in lines["training"] and "batch_size=32" in lines["training"]
    # No "classes none" (no class filter); a setting given as none is shown so, not hidden
    # (hidden, --clip-grad none would read as the default 1.0).
    assert lines["inputs"] == ("inputs      token windows ((dt, dm) pairs of each curve, the "
                               "research models')") and "patience=none" in out
    assert "mystars / encoder: star-level test accuracy" in lines["test"]
    record = json.loads((run / "metrics.json").read_text())["records"][0]["star"]
    assert lines["calibration"].endswith(
        f"encoder: expected calibration error {record['ece']:.3f} on {record['n']} test stars "
        f"(top label, 15 bins; 0: as often right as sure)")
    for name in ("best", "last"):
        digest = stored_digest(run / f"{name}.safetensors")
        assert f"{name}.safetensors" in out and f"sha256 {digest}  verified" in out


def test_info_names_the_classes_and_bands_a_run_kept(tmp_path, capsys) -> None:
    data = stars_folder(tmp_path / "mystars")
    assert main(["train", str(data), "--work-dir", str(tmp_path / "work"), "--run-dir",
                 str(tmp_path / "run"), *TRAIN_ARGS, "--classes", "car,sinusoid",
                 "--keep-bands", "V"]) == 0
    assert main(["info", str(tmp_path / "run")]) == 0
    inputs = next(line for line in capsys.readouterr().out.splitlines()
                  if line.startswith("inputs"))
    assert inputs.split(maxsplit=1)[1] == ("token windows ((dt, dm) pairs of each curve, the "
                                           "research models'), classes car,sinusoid, bands V")


def test_info_and_evaluate_of_a_baseline_run(runs, capsys) -> None:
    """`lcformer evaluate` on a baseline folder (it once failed with KeyError: 'star')."""
    assert main(["evaluate", str(runs["baseline"])]) == 0
    out = capsys.readouterr().out
    for model in ("random_forest", "gradient_boosting"):
        assert f"mystars / {model}: star-level test accuracy" in out
    assert "precision  recall" in out

    assert main(["info", str(runs["baseline"])]) == 0
    out = capsys.readouterr().out
    assert "(feature baseline)" in out and "light-curve features" in out
    assert "split=auto, split_seed=0" in out  # from its records: it has no config.toml
    assert "periods from 0.05 d" in out and "\nviews" not in out  # not the features'
    assert "window=20" in out  # the token settings, from the prepared data's manifest
    assert "checkpoints" not in out
    # Run again into the folder: said even when quiet, as train says it.
    root = runs["baseline"].parent
    assert main(["baseline", str(root / "mystars"), "--work-dir", str(root / "work"), "--out",
                 str(runs["baseline"]), "--model", "encoder", *TOKENS, "--quiet"]) == 0
    assert f"replaced the earlier baseline run in {runs['baseline']}" in capsys.readouterr().err


def test_info_of_a_run_of_0_1_0_says_its_checkpoint_is_unverified(capsys) -> None:
    assert main(["info", str(LEGACY / "run")]) == 0
    out = capsys.readouterr().out
    assert "no digest (written before checkpoints had one): unverified" in out
    assert main(["info", str(LEGACY / "api_model")]) == 0
    assert "(saved Classifier)" in capsys.readouterr().out


def test_info_of_a_damaged_checkpoint_lists_it_and_fails(runs, tmp_path, capsys) -> None:
    run = tmp_path / "run"
    shutil.copytree(runs["run"], run)
    (run / "last.safetensors").write_bytes((run / "last.safetensors").read_bytes()[:-10])
    assert main(["info", str(run)]) == 2
    captured = capsys.readouterr()
    assert "last.safetensors" in captured.out and "DAMAGED" in captured.out
    assert "verified" in captured.out  # best.safetensors still is
    [line] = captured.err.splitlines()
    assert line.startswith("lcformer: error: ") and str(run / "last.safetensors") in line


def test_info_of_a_finished_run_without_its_weights_fails(runs, tmp_path, capsys) -> None:
    """A finished run copied without its checkpoints cannot predict: info says so, exit 2."""
    run = tmp_path / "run"
    shutil.copytree(runs["run"], run)
    (run / "best.safetensors").unlink()  # last.safetensors (or a network/ folder) kept
    assert main(["info", str(run)]) == 2
    captured = capsys.readouterr()
    assert "checkpoints" in captured.out and "best.safetensors is gone" in captured.out
    [line] = captured.err.splitlines()
    assert line.startswith("lcformer: error: ") and "best.safetensors is gone" in line


def test_info_of_an_unfinished_run_says_whether_resume_can_continue_it(runs, tmp_path,
                                                                       capsys) -> None:
    """Stopped after an epoch: --resume continues it. Stopped (or failed) before one:
    --resume would find nothing to continue, so info says to start it again."""
    run = tmp_path / "run"
    shutil.copytree(runs["run"], run)
    (run / "metrics.json").unlink()
    main(["info", str(run)])
    assert "continue it from its last epoch with `lcformer train ... --resume`" in (
        capsys.readouterr().out)
    # Its best epoch so far predicts, said: not mistaken for the finished model.
    with pytest.warns(UserWarning, match="the run has not finished .* best epoch so far"):
        load_model(run)
    # Its data read by other data code (another version) or an lcformer that did not record
    # it: --resume refuses it, so neither info nor evaluate nor predict advises it.
    config = run / "config.toml"
    recorded = config.read_text(encoding="utf-8")
    code = re.search(r'data_code = "([0-9a-f]+)"', recorded).group(1)
    for edited, says in ((recorded.replace(code, "0" * len(code)), "other lcformer data code"),
                         (recorded.replace(f'data_code = "{code}"\n', ""), "an earlier")):
        config.write_text(edited, encoding="utf-8")
        main(["info", str(run)])
        out = capsys.readouterr().out
        assert says in out and "without --resume" in out and "--resume`" not in out
        assert main(["evaluate", str(run)]) == 2
        assert says in capsys.readouterr().err
        with pytest.warns(UserWarning, match=f"{says}.* without --resume"):
            load_model(run)
    for name in ("best.safetensors", "best.json", "last.safetensors", "last.json"):
        (run / name).unlink(missing_ok=True)
    main(["info", str(run)])
    out = capsys.readouterr().out
    assert "no finished epoch" in out and "without --resume" in out


def test_predict_and_evaluate_name_a_missing_or_baseline_run_folder(runs, tmp_path,
                                                                    capsys) -> None:
    stars = str(runs["run"].parent / "mystars")
    for argv in (["predict", str(tmp_path / "nope"), stars, "--out", str(tmp_path / "p.csv")],
                 ["evaluate", str(tmp_path / "nope")]):
        assert main(argv) == 2
        assert capsys.readouterr().err == f"lcformer: error: no run folder at {tmp_path / 'nope'}\n"
    assert main(["predict", str(runs["baseline"]), stars, "--out", str(tmp_path / "p.csv")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert "is a feature-baseline run: it keeps scores, not a model" in line


def test_info_of_a_folder_that_is_no_run(tmp_path, capsys) -> None:
    assert main(["info", str(tmp_path)]) == 2
    assert "is not a run folder" in capsys.readouterr().err
    (tmp_path / "config.toml").write_text('[dataset]\nname = "mine"\n')  # the user's own
    assert main(["info", str(tmp_path)]) == 2
    assert "is not a run folder" in capsys.readouterr().err


def test_info_says_how_many_stars_a_run_used(runs, tmp_path, capsys) -> None:
    """--sample-per-class trains on fewer stars than the split's training part: said, and
    recorded in metrics.json."""
    data = runs["run"].parent / "mystars"
    run = tmp_path / "few"
    assert main(["train", str(data), "--work-dir", str(runs["run"].parent / "work"),
                 "--run-dir", str(run), "--sample-per-class", "2", *TRAIN_ARGS]) == 0
    split = json.loads((run / "metrics.json").read_text())["records"][0]["split"]
    assert split["used"]["train"] == 6 < split["stars"]["train"]  # 2 of each of 3 classes
    assert split["used"]["test"] == split["stars"]["test"]
    capsys.readouterr()
    assert main(["info", str(run)]) == 0
    assert (f"trained on 6 of the {split['stars']['train']} training stars "
            f"(--sample-per-class)") in capsys.readouterr().out


def test_a_run_without_validation_stars_says_what_it_chose_by(tmp_path, capsys) -> None:
    """6 stars a class: 70/10/20 leaves no validation star; the best epoch is then the lowest
    training loss and the trees' weight stays 0.5, which the summary says."""
    data = stars_folder(tmp_path / "six", per_class=6)
    assert main(["train", str(data), "--work-dir", str(tmp_path / "work"), "--run-dir",
                 str(tmp_path / "run"), "--epochs", "2", "--emb", "8", "--heads", "2",
                 "--depth", "1", "--forest", "5", "--boosting", "3", "--threads", "1",
                 "--quiet"]) == 0
    out = capsys.readouterr().out
    assert ("no validation stars: the epoch kept had the lowest training loss, the trees' "
            "weight is 0.5") in out
    best = json.loads((tmp_path / "run" / "best.json").read_text())
    assert best["forest"]["network_weight"] == 0.5


def test_one_validation_star_a_class_chooses_both_epoch_and_weight(runs, tmp_path,
                                                                   capsys) -> None:
    """10 stars a class: one validation star each, too few to halve; both choices are made on
    them, and recorded and said so (not '0 stars chose the weight')."""
    data = runs["run"].parent / "mystars"
    assert main(["train", str(data), "--work-dir", str(tmp_path / "work"), "--run-dir",
                 str(tmp_path / "run"), "--epochs", "1", "--emb", "8", "--heads", "2",
                 "--depth", "1", "--forest", "5", "--boosting", "3", "--threads", "1",
                 "--quiet"]) == 0
    split = json.loads((tmp_path / "run" / "metrics.json").read_text())["records"][0]["split"]
    assert split["used"]["val"] == split["used"]["weight"] == split["stars"]["val"] == 3
    assert split["weight_on_val_stars"] is True
    capsys.readouterr()
    assert main(["info", str(tmp_path / "run")]) == 0
    assert ("validation stars: 3 chose both the best epoch and the trees' weight (too few to "
            "halve)") in capsys.readouterr().out


def test_another_tools_safetensors_file_is_listed_not_a_damage(tmp_path, capsys) -> None:
    """A stray safetensors file beside a run's made info stop; alone, it is no lcformer model."""
    import torch
    from safetensors.torch import save_file

    run = tmp_path / "run"
    shutil.copytree(LEGACY / "run", run)
    save_file({"w": torch.zeros(2)}, str(run / "extra.safetensors"))
    assert main(["info", str(run)]) == 0
    assert "extra.safetensors" in (out := capsys.readouterr().out) and "not lcformer's" in out
    alone = tmp_path / "alone"
    alone.mkdir()
    save_file({"w": torch.zeros(2)}, str(alone / "model.safetensors"))
    assert main(["info", str(alone)]) == 2
    assert "without lcformer's metadata" in capsys.readouterr().err


def test_the_baseline_says_whose_test_stars_it_shares(tmp_path, capsys) -> None:
    """It is scored on the stars `lcformer train` tests with the same model, seed and split:
    said, with that run's score where the run is there (checked: the same ids)."""
    data = stars_folder(tmp_path / "mystars")
    work = ["--work-dir", str(tmp_path / "work")]
    baseline = ["baseline", str(data), *work, "--model", "encoder", *TOKENS, "--quiet"]
    assert main(baseline) == 0
    assert (f"test stars: those of `lcformer train {data}` with the model encoder, --split "
            "auto --split-seed 0 and the preparation options given here (6 stars)"
            ) in capsys.readouterr().out  # the dataset as given
    assert main(["train", str(data), *work, *TRAIN_ARGS]) == 0
    run = tmp_path / "work" / "runs" / "mystars-encoder-seed0"
    capsys.readouterr()
    assert main(baseline) == 0
    out = capsys.readouterr().out
    assert f"test stars: the same 6 as {run} (encoder macro-F1 " in out
    # A run still training (no metrics yet) or a damaged record: the baseline still finishes.
    (run / "metrics.json").write_text("{")
    assert main(baseline) == 0
    assert f"test stars: the same 6 as {run} (its scores could not be read)" in (
        capsys.readouterr().out)
    (run / "metrics.json").unlink()
    assert main(baseline) == 0
    assert f"test stars: those of `lcformer train {data}`" in capsys.readouterr().out


def test_info_says_what_the_trees_rest_on(tmp_path, capsys) -> None:
    """A run with trees (the default) measures what they rest on: info shows the families
    of per-star values that cost the most when shuffled, largest first, as importance.json
    holds them, and the run's figures draw them."""
    data = stars_folder(tmp_path / "mystars")
    run = tmp_path / "run"
    assert main(["train", str(data), "--work-dir", str(tmp_path / "work"), "--run-dir",
                 str(run), "--epochs", "0", "--forest", "20", "--boosting", "5",
                 "--threads", "1", "--quiet"]) == 0
    record = json.loads((run / "importance.json").read_text())
    drops = [f["macro_f1_drop"] for f in record["families"]]
    assert drops == sorted(drops, reverse=True) and len(drops) >= 5
    assert (run / "figures" / "importance.png").stat().st_size > 0
    capsys.readouterr()
    assert main(["info", str(run)]) == 0
    line = next(line for line in capsys.readouterr().out.splitlines()
                if line.startswith("rests on"))
    first = record["families"][0]
    assert f"the {record['test_stars']} test stars: {first['family']} " in line
    assert record["of_test_stars"] == record["test_stars"]
    assert f"{first['macro_f1_drop']:.3f}" in line
    assert line.endswith("(all: importance.json)")  # the trees alone: no network's share
