import dataclasses
import hashlib
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from lcformer import atomic
from lcformer.data import prepared
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig, PreparedDataset, prepare
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig
from lcformer.errors import ConfigError, ConfigMismatchError, CorruptFileError


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


def test_a_reused_preparation_says_its_warnings_again(tmp_path, rng):
    """nJy fluxes read as Jy are warned of by prepare; train, reusing the preparation, must
    not train on magnitudes 22.5 off in silence."""
    lcs = curves(rng)

    def read(report: DropReport) -> LightCurves:
        warnings.warn_explicit("fluxes look like nJy", UserWarning, prepared.__file__, 1)
        warnings.warn_explicit("fluxes look like nJy", UserWarning, prepared.__file__, 1)
        warnings.warn_explicit("a warning of another package's", UserWarning, __file__,
                               1)  # said, not kept
        return lcs

    with pytest.warns(UserWarning) as said:
        first, reused = prepare("toy", read, "hash1", CONFIG, tmp_path)
    assert [str(w.message) for w in said] == ["fluxes look like nJy",
                                              "a warning of another package's"]
    assert first.drop_report.warnings == ["fluxes look like nJy"]
    with pytest.warns(UserWarning, match=r"^fluxes look like nJy \[said when toy was "
                                         r"prepared; that preparation is reused"):
        _, reused = prepare("toy", read, "hash1", CONFIG, tmp_path)
    assert reused
    with pytest.warns(UserWarning, match=r"^fluxes look like nJy \[said when"):  # each reuse
        prepare("toy", read, "hash1", CONFIG, tmp_path)                      # from Python
    # Within one command (an ablation reuses it per row): once
    said = prepared.SAID_IN_COMMAND.set(set())
    try:
        with pytest.warns(UserWarning, match=r"\[said when"):
            prepare("toy", read, "hash1", CONFIG, tmp_path)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            prepare("toy", read, "hash1", CONFIG, tmp_path)
    finally:
        prepared.SAID_IN_COMMAND.reset(said)


def test_a_class_no_star_has_is_named_with_the_classes_there_are(tmp_path, rng):
    """--classes a,Z (or A for a): a typo would drop that class's stars without a word."""
    both = LightCurves.from_list(
        [(f"s{i}", "V", np.arange(40.0), rng.normal(size=40), np.full(40, .1))
         for i in range(8)], labels=["a", "b"] * 4)
    with pytest.raises(ConfigError, match=r"toy: no star of class 'Z' \(--classes\); its "
                                          r"classes: a, b$"):
        prepare("toy", lambda r: both, "h", CONFIG.replace(classes=("a", "Z")), tmp_path)
    with pytest.raises(ConfigError, match=r"no star of class 'A', 'B' .* \(another case: a, "
                                          r"b\?\)"):
        prepare("toy", lambda r: both, "h", CONFIG.replace(classes=("A", "B")), tmp_path)
    commas = both.with_labels(np.array(["RR Lyrae, First Overtone", "b"] * 4, dtype=object))
    with pytest.raises(ConfigError, match=r"its classes: \"RR Lyrae, First Overtone\", b$"):
        prepare("toy", lambda r: commas, "h", CONFIG.replace(classes=("RR Lyrae",)), tmp_path)
    # Two classes of one name in two cases (a typo in one file): said, and kept as they are.
    cased = both.with_labels(np.array(["rrl", "RRL", "b", "b"] * 2, dtype=object))
    with pytest.warns(UserWarning, match=r"toy: classes 'RRL' and 'rrl' differ only in case, so "
                                         r"they are 2 classes; spell them alike"):
        data, _ = prepare("toy", lambda r: cased, "h", CONFIG, tmp_path)
    assert data.classes == ["RRL", "b", "rrl"]
    # VSX's uncertain type: said with the renaming that merges it.
    colon = both.with_labels(np.array(["RRAB:", "RRAB", "b", "b"] * 2, dtype=object))
    with pytest.warns(UserWarning, match=r"toy: classes 'RRAB' and 'RRAB:' differ only in a "
                                         r"trailing colon \(an uncertain type\), so they are 2 "
                                         r"classes; spell them alike if they are one "
                                         r"\(--class-names RRAB:=RRAB\)$"):
        prepare("toy", lambda r: colon, "h", CONFIG, tmp_path / "colon")
    # A catalogue's "no type" as a class: said, unless --classes chose the classes.
    unknown = both.with_labels(np.array(["?", "Unknown", "b", "b"] * 2, dtype=object))
    with pytest.warns(UserWarning, match=r"toy: the classes '\?', 'Unknown' name no type, "
                                         r"yet are trained as classes .* \(--classes\)$"):
        data, _ = prepare("toy", lambda r: unknown, "h", CONFIG, tmp_path / "unknown")
    assert data.classes == ["?", "Unknown", "b"]  # kept as they are
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        prepare("toy", lambda r: unknown, "h", CONFIG.replace(classes=("?", "b")),
                tmp_path / "chosen")


def test_keep_bands_drops_the_other_bands_curves_and_counts_them(tmp_path, rng):
    both = LightCurves.from_list(
        [(f"s{i}", band, np.arange(40.0), rng.normal(size=40), np.full(40, .1))
         for i in range(8) for band in ("B", "R")], labels=["a", "b"] * 8)
    data, _ = prepare("toy", lambda r: both, "h", CONFIG.replace(keep_bands=("B",)), tmp_path)
    assert set(data.curves["band"]) == {"B"} and len(data.stars) == 8
    assert data.report.curves == {"band_not_kept": 8}
    with pytest.raises(ConfigError, match=r"toy: no curve in band V \(--keep-bands\); its "
                                          r"bands: B, R"):  # a typo: B kept, V no curve
        prepare("toy", lambda r: both, "h", CONFIG.replace(keep_bands=("B", "V")), tmp_path)
    with pytest.raises(ConfigError, match=r"toy: no curve in band V \(--keep-bands\); its "
                                          r"curves name no band \("):
        prepare("toy", lambda r: dataclasses.replace(curves(rng), bands=np.full(12, "", object)),
                "h", CONFIG.replace(keep_bands=("V",)), tmp_path)


@pytest.mark.parametrize("version", ["__version__", "READERS_VERSION"])
def test_another_lcformer_or_readers_version_does_not_reuse_a_preparation(tmp_path, rng,
                                                                        monkeypatch, version):
    """Another release, or changed readers, may read or clean the same files differently."""
    first, _ = prepare("toy", lambda r: curves(rng), "hash1", CONFIG, tmp_path)
    monkeypatch.setattr(f"lcformer.data.prepared.{version}", 99)
    later, reused = prepare("toy", lambda r: curves(rng), "hash1", CONFIG, tmp_path)
    assert not reused and later.path != first.path


def test_edited_data_code_does_not_reuse_a_preparation(tmp_path, rng, monkeypatch) -> None:
    """An edit of the period search (say) between releases changes what a preparation holds;
    the version numbers stay, the source's digest does not."""
    first, _ = prepare("toy", lambda r: curves(rng), "hash1", CONFIG, tmp_path)
    assert first.manifest["data_code"] == prepared.data_code_digest()
    source = Path(prepared.__file__).parent / "periods.py"
    edited = source.read_bytes() + b"\n# an edit\n"
    monkeypatch.setattr(Path, "read_bytes",
                        lambda self, read=Path.read_bytes: edited if self == source else read(self))
    prepared.data_code_digest.cache_clear()
    try:
        later, reused = prepare("toy", lambda r: curves(rng), "hash1", CONFIG, tmp_path)
    finally:
        monkeypatch.undo()
        prepared.data_code_digest.cache_clear()
    assert not reused and later.path != first.path
    again, reused = prepare("toy", lambda r: curves(rng), "hash1", CONFIG, tmp_path)
    assert reused and again.path == first.path


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


@pytest.mark.filterwarnings(r"ignore:\d+ class\(es\) with fewer than")
def test_unknown_classes_and_small_classes_are_counted(tmp_path, rng):
    config = PrepareConfig(tokens=TokenConfig(10, 5), classes=("a",))
    data, _ = prepare("toy", lambda r: curves(rng), "h", config, tmp_path)
    assert data.classes == ["a"]
    assert data.report.curves["unknown_class"] == 6  # the "b" stars
    config = PrepareConfig(tokens=TokenConfig(10, 5), min_class_windows=100)
    data, _ = prepare("toy", lambda r: curves(rng), "h2", config, tmp_path / "x")
    # Every labelled star is in a small class; s0 (5 points) made no window and is counted
    # as shorter_than_window only, not twice.
    assert data.report.curves["class_below_threshold"] == 10
    assert data.report.curves["shorter_than_window"] == 1


def test_small_classes_of_star_views_count_every_band_of_their_stars(tmp_path, rng):
    two_bands = [(star, band, t, m + (band == "R"), e)
                 for star, t, m, e in ((f"s{i}", np.arange(40.0), rng.normal(size=40),
                                        np.full(40, .1)) for i in range(6))
                 for band in ("B", "R")]
    labels = [("a" if i < 4 else "b") for i in range(6) for _ in range(2)]
    config = PrepareConfig(inputs="stars", features=False, min_class_windows=3)
    with pytest.warns(UserWarning, match=r"^1 class\(es\) with fewer than 3 stars dropped "
                                         r"\(--min-class-windows\): b$"):  # named
        data, _ = prepare("two", lambda r: LightCurves.from_list(two_bands, labels=labels),
                          "h", config, tmp_path)
    assert data.classes == ["a"]
    # The two "b" stars: four curves (one sample each names only its first curve)
    assert data.report.curves["class_below_threshold"] == 4
    assert data.report.n_curves_dropped == 12 - len(data.cleaned)


@pytest.mark.filterwarnings(r"ignore:\d+ class\(es\) with fewer than")
def test_small_classes_of_star_views_count_stars_however_their_samples_split(tmp_path, rng):
    """One sample per band (the ablation's rows 2-3) or one per star (rows 4-9): the same
    classes kept, so the rows share their test stars."""
    two_bands = [(f"s{i}", band, np.arange(40.0), rng.normal(size=40) + (band == "R"),
                  np.full(40, .1)) for i in range(6) for band in ("B", "R")]
    labels = [("a" if i < 4 else "b") for i in range(6) for _ in range(2)]
    for bands in ("joint", "separate"):
        config = PrepareConfig(inputs="stars", features=False, min_class_windows=3)
        config = config.replace(views=config.views.replace(bands=bands))
        data, _ = prepare("two", lambda r: LightCurves.from_list(two_bands, labels=labels),
                          "h", config, tmp_path / bands)
        assert data.classes == ["a"], bands  # "b" has 2 stars, though 4 samples apart


def test_open_refuses_a_folder_without_manifest(tmp_path):
    with pytest.raises(FileNotFoundError):
        PreparedDataset.open(tmp_path)


# ---------------------------------------------------------------- integrity
def test_the_manifest_holds_the_sha256_of_every_file(tmp_path, rng):
    data, _ = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    files = data.manifest["files"]
    assert set(files) == {p.name for p in data.path.iterdir()} - {"manifest.json"}
    for name, digest in files.items():
        assert hashlib.sha256((data.path / name).read_bytes()).hexdigest() == digest


def damage(path: Path, how: str) -> None:
    raw = path.read_bytes()
    if how == "flip":
        middle = len(raw) // 2
        path.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0x10]) + raw[middle + 1:])
    elif how == "truncate":
        path.write_bytes(raw[:len(raw) // 2])
    elif how == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()


@pytest.mark.parametrize(("name", "how"), [("tokens.npy", "flip"), ("points.npy", "truncate"),
                                           ("curves.parquet", "empty"),
                                           ("report.json", "flip"), ("mask.npy", "missing")])
def test_a_damaged_file_is_refused_by_name_and_force_rebuilds(tmp_path, rng, name, how):
    lcs = curves(rng)
    first, _ = prepare("toy", lambda r: lcs, "h", CONFIG, tmp_path)
    damage(first.path / name, how)
    with pytest.raises(CorruptFileError) as info:
        prepare("toy", lambda r: lcs, "h", CONFIG, tmp_path)  # the cache is not reused
    message = str(info.value)
    assert message.startswith(str(first.path / name))
    assert "lcformer prepare toy --force" in message and "\n" not in message
    rebuilt, reused = prepare("toy", lambda r: lcs, "h", CONFIG, tmp_path, force=True)
    assert not reused and rebuilt.path == first.path
    again, reused = prepare("toy", lambda r: lcs, "h", CONFIG, tmp_path)
    assert reused and np.array_equal(again.tokens, rebuilt.tokens)


@pytest.mark.parametrize("manifest", ["{not json", '{"format_version": 3}'])
def test_a_damaged_manifest_is_refused_by_name(tmp_path, rng, manifest):
    data, _ = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    (data.path / "manifest.json").write_text(manifest)
    with pytest.raises(CorruptFileError, match=str(data.path / "manifest.json")):
        PreparedDataset.open(data.path)


def test_an_older_format_asks_for_a_new_preparation(tmp_path, rng):
    data, _ = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    manifest = json.loads((data.path / "manifest.json").read_text())
    del manifest["files"]
    manifest["format_version"] = 2
    (data.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ConfigMismatchError, match="older lcformer"):
        PreparedDataset.open(data.path)


def test_a_folder_of_format_3_still_opens(tmp_path, rng):
    """lcformer 0.3.0 also wrote each window's first time and point errors, never read since:
    its folders open, those two arrays checked against their digests and left unread."""
    data, _ = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    manifest = json.loads((data.path / "manifest.json").read_text())
    for name in ("window_start_time", "window_errors"):
        np.save(data.path / f"{name}.npy", np.zeros(len(data.window_curve)))
        manifest["files"][f"{name}.npy"] = prepared.file_digest(data.path / f"{name}.npy")
    manifest["format_version"] = 3
    (data.path / "manifest.json").write_text(json.dumps(manifest))
    opened = PreparedDataset.open(data.path)
    np.testing.assert_array_equal(opened.tokens, data.tokens)
    np.save(data.path / "window_errors.npy", np.ones(len(data.window_curve)))
    with pytest.raises(CorruptFileError, match=r"window_errors\.npy"):
        PreparedDataset.open(data.path)


def test_a_killed_preparation_is_cleaned_up_by_the_next(tmp_path, rng):
    """A dead writer's .partial-* folder goes; the folder of one still running stays."""
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    tag = atomic._HOST
    orphan = tmp_path / f".toy-abc.partial-{tag}-{dead.pid}-abcd1234"
    live = tmp_path / f".toy-abc.partial-{tag}-{os.getpid()}-efgh5678"
    for folder in (orphan, live):
        folder.mkdir()
        (folder / "tokens.npy").write_bytes(b"x" * 1000)
    _, reused = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    assert not orphan.exists() and live.is_dir()
    orphan.mkdir()
    _, reused = prepare("toy", lambda r: curves(rng), "h", CONFIG, tmp_path)
    assert reused and not orphan.exists()  # reusing the cache cleans up too


def test_the_summary_says_how_many_points_went_with_the_curves_dropped(tmp_path, rng):
    """read = kept + the points dropped by reason + the points of curves dropped whole."""
    from lcformer.data.prepared import format_summary

    lcs = curves(rng)
    config = PrepareConfig(tokens=TokenConfig(10, 5), classes=("a",))
    data, _ = prepare("toy", lambda r: lcs, "h", config, tmp_path)
    dropped = lcs.lengths[~np.isin(lcs.labels, ["a"])].sum()  # "b" and the unlabelled s1
    assert data.report.n_points_dropped == 0
    assert f"  {dropped:,} points went with the curves dropped (below)" in (
        format_summary(data).splitlines())
    counts = data.manifest["counts"]
    assert counts["points_read"] == counts["points"] + dropped
