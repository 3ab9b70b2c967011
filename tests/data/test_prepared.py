import numpy as np
import pytest

from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, PreparedDataset, prepare
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig


def curves(rng, n_stars=12):
    out, labels = [], []
    for i in range(n_stars):
        n = 5 if i == 0 else 40
        out.append((f"s{i}", "V", np.arange(n, dtype=float), rng.normal(size=n), np.full(n, .1)))
        labels.append("" if i == 1 else ("a" if i % 2 else "b"))
    return LightCurves.from_list(out, labels=labels)


CONFIG = PrepareConfig(tokens=TokenConfig(10, 5))


def test_prepare_writes_reuses_and_rebuilds(tmp_path, rng):
    lcs = curves(rng)
    calls = []

    def read(report: DropReport) -> LightCurves:
        calls.append(1)
        return lcs

    first, reused = prepare("toy", read, "hash1", CONFIG, tmp_path)
    assert not reused and len(calls) == 1
    again, reused = prepare("toy", read, "hash1", CONFIG, tmp_path)
    assert reused and len(calls) == 1 and again.path == first.path
    other, reused = prepare("toy", read, "hash2", CONFIG, tmp_path)  # inputs changed
    assert not reused and other.path != first.path
    changed, reused = prepare("toy", read, "hash1", PrepareConfig(tokens=TokenConfig(8, 4)),
                              tmp_path)
    assert not reused and changed.path != first.path


def test_prepared_arrays_counts_and_report(tmp_path, rng):
    data, _ = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    assert data.tokens.shape[1:] == (9, 4)
    assert isinstance(data.tokens, np.memmap)
    counts = data.manifest["counts"]
    assert counts["stars"] == 10  # one unlabelled, one too short
    assert data.report.curves == {"no_label": 1, "shorter_than_window": 1}
    assert counts["stars_read"] == counts["stars"] + data.report.n_curves_dropped
    assert data.classes == ["a", "b"]
    assert (data.window_label >= 0).all()
    assert len(data.stars) == 10
    assert data.window_star.max() == 9


def test_interrupted_prepare_leaves_nothing_that_looks_complete(tmp_path, rng):
    def broken(report):
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        prepare("toy", broken, "h", CONFIG, tmp_path)
    assert not any((p / "manifest.json").exists() for p in tmp_path.iterdir())
    assert not [p for p in tmp_path.iterdir() if not p.name.startswith(".")]


def test_unknown_classes_and_small_classes_are_counted(tmp_path, rng):
    config = PrepareConfig(tokens=TokenConfig(10, 5), classes=("a",))
    data, _ = prepare("toy", lambda r: curves(rng), "h", config, tmp_path)
    assert data.classes == ["a"]
    assert data.report.curves["unknown_class"] == 6  # the "b" stars
    config = PrepareConfig(tokens=TokenConfig(10, 5), min_class_windows=100)
    data, _ = prepare("toy", lambda r: curves(rng), "h2", config, tmp_path / "x")
    assert data.report.curves["class_below_threshold"] > 0


def test_open_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(FileNotFoundError):
        PreparedDataset.open(tmp_path)
