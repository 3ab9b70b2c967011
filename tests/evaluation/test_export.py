"""lcformer export: an ONNX graph whose onnxruntime outputs equal torch's within 1e-5."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
import torch

from lcformer.cli import main
from lcformer.data.cleaning import clean
from lcformer.data.report import DropReport
from lcformer.data.samples import SampleInfo, make_samples
from lcformer.evaluation.predict import model_prepare_config
from lcformer.training.run_folder import load_model
from tests.evaluation.stars import new_stars

pytest.importorskip("onnxruntime", reason='needs pip install "lcformer[onnx]"')
pytest.importorskip("onnxscript", reason='needs pip install "lcformer[onnx]"')


def samples_of_new_stars(metadata):
    """The arrays predict feeds the model, for stars the example of the export never saw."""
    config = model_prepare_config(metadata)
    cleaned, report = clean(new_stars(n_per_class=3, seed=7), config.cleaning, DropReport())
    info = SampleInfo(metadata["bands"], metadata["extra_names"], None)
    samples, _ = make_samples(cleaned, config, report, info=info)
    return samples


def test_the_exported_graph_equals_torch(tiny_run, tmp_path, capsys) -> None:
    from lcformer.evaluation.export import onnx_log_probs, onnx_session

    out = tmp_path / "model.onnx"
    before = torch.get_num_threads()
    try:  # --threads bounds the check's and the timings' threads (a shared node)
        assert main(["export", str(tiny_run), str(out), "--threads", "1"]) == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
    said = capsys.readouterr()
    # extra: 21 scalars and 32 light-curve features (no periodogram: the period search)
    assert said.out.startswith(f"wrote {out}: inputs tokens (batch, 256, 8), mask (batch, "
                               f"256), extra (batch, 53) -> log_probs (batch, 3)")
    assert "Traceback" not in said.err and "torchvision" not in said.err
    # A Classifier.save folder keeps no prepared data: the check's stars are made for it.
    assert said.out.split("\n")[0].endswith("on 6 synthetic example stars")

    model, metadata = load_model(tiny_run)
    samples = samples_of_new_stars(metadata)
    session = onnx_session(out, threads=1)
    with torch.no_grad():
        expected = model.classify(torch.from_numpy(samples.tokens),
                                  torch.from_numpy(samples.mask),
                                  torch.from_numpy(samples.extra)).numpy()
    assert np.isnan(samples.extra).any()  # the one-band stars have no colour: NaN inputs
    for batch in (1, 5, len(samples)):  # the batch is dynamic
        got = onnx_log_probs(session, samples.tokens, samples.mask, samples.extra, batch)
        np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)

    import onnx

    props = {p.key: p.value for p in onnx.load(str(out)).metadata_props}
    assert json.loads(props["classes"]) == metadata["classes"]
    assert json.loads(props["prepare"])["inputs"] == "stars"


def test_only_onnx_files_are_written(tiny_run, tmp_path, capsys) -> None:
    assert main(["export", str(tiny_run), str(tmp_path / "model.txt")]) == 2
    assert "model.txt: an ONNX file is named *.onnx" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
    # A folder in the way, or a file where a folder must be: said before any work (exit 3).
    (tmp_path / "d.onnx").mkdir()
    (tmp_path / "notes.txt").write_text("")
    assert main(["export", str(tiny_run), str(tmp_path / "d.onnx")]) == 2
    assert "d.onnx: is a folder" in capsys.readouterr().err
    assert main(["export", str(tiny_run), str(tmp_path / "notes.txt" / "m.onnx")]) == 2
    assert "notes.txt is a file, not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("weight", [0.0, 0.4])  # 0: the graph holds the trees alone
def test_the_trees_with_and_without_the_network_export(tiny_run, tmp_path, weight) -> None:
    from lcformer.evaluation.export import export_onnx, onnx_log_probs, onnx_session

    model, metadata = load_model(tiny_run)
    model.set_weight(weight)
    out = export_onnx(model, metadata, tmp_path / "model.onnx")
    assert out.max_difference <= 1e-5
    assert out.checked_on == "6 synthetic example stars"  # no run data given to check on
    samples = samples_of_new_stars(metadata)
    with torch.no_grad():
        expected = model.classify(torch.from_numpy(samples.tokens),
                                  torch.from_numpy(samples.mask),
                                  torch.from_numpy(samples.extra)).numpy()
    got = onnx_log_probs(onnx_session(out.path, threads=1), samples.tokens, samples.mask,
                         samples.extra, len(samples))
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-5)


def test_a_run_whose_prepared_data_is_gone_has_no_samples_to_check_on(tmp_path) -> None:
    from lcformer.evaluation.export import prepared_samples

    (tmp_path / "config.toml").write_text('[dataset]\nprepared = "/nowhere/prepared"\n')
    assert prepared_samples(tmp_path) is None
    assert prepared_samples(tmp_path / "no-run") is None


def test_a_trained_run_is_checked_on_its_own_prepared_samples(tiny_synthetic, tmp_path,
                                                              capsys) -> None:
    """Not only on synthetic stars forced into one band: the check can pass on those at
    3e-8 while the run's own stars differ by 1.9e-6 (within the tolerance)."""
    from lcformer.evaluation.export import prepared_samples

    run = tmp_path / "run"
    assert main(["train", "synthetic", "--work-dir", str(tmp_path / "work"), "--run-dir",
                 str(run), "--epochs", "1", "--emb", "8", "--heads", "2", "--forest", "5",
                 "--boosting", "3", "--threads", "1", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["export", str(run), str(tmp_path / "model.onnx")]) == 0
    checked = prepared_samples(run)
    assert checked is not None and len(checked.curve) == 30  # every star of the dataset
    wrote, speed = capsys.readouterr().out.rstrip().split("\n")
    assert wrote.endswith("on 30 samples of the run's prepared data")
    assert re.fullmatch(r"on those samples, this machine: onnxruntime [\d,]+ samples/s, torch "
                        r"[\d,]+ samples/s as predict runs it \([\d.]+x; benchmarks/export\.py "
                        r"measures it at length\)", speed), speed
