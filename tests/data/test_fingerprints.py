"""Fingerprints of a star's points: the same stars in another layout match, another star not."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lcformer.data import fingerprints
from lcformer.data.fingerprints import (
    KEY,
    SKETCH_SIZE,
    copy_groups,
    fingerprints_of,
    seen_in_training,
    star_fingerprints,
    star_sketches,
    stored_fingerprints,
    stored_sketches,
    uncompared_version,
)


def two_stars() -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """Star "a" in two bands (20 + 10 points), star "b" in one (15): ids and lengths per
    curve, then times and magnitudes one curve after another."""
    rng = np.random.default_rng(0)
    time = 58000 + np.sort(rng.uniform(0, 300, 45))
    mag = 12 + rng.normal(0, 0.3, 45)
    return ["a", "a", "b"], np.array([20, 10, 15]), time, mag


def test_another_layout_of_the_same_points_has_the_same_fingerprint() -> None:
    ids, lengths, time, mag = two_stars()
    found = star_fingerprints(ids, lengths, time, mag)
    assert found.index.tolist() == ["a", "b"] and found.dtype == np.uint64
    assert found["a"] != found["b"]
    # Star "a" as one curve, its points shuffled, under another id (a re-exported table),
    # its magnitudes read back as float32 (a Parquet column): the same fingerprint.
    order = np.random.default_rng(1).permutation(30)
    other = star_fingerprints(["gaia-1"], np.array([30]), time[:30][order],
                              mag[:30][order].astype(np.float32))
    assert other["gaia-1"] == found["a"]
    # Its times in MJD where they were HJD - 2400000 (a constant offset): the same.
    shifted = star_fingerprints(["mjd"], np.array([30]), time[:30] - 0.5, mag[:30])
    assert shifted["mjd"] == found["a"]
    # Times written to 5 to 8 decimals, from JD to MJD and back (2400000.5 d): the same.
    for decimals in (5, 6, 7, 8):
        written = np.round(time[:30] - 58000 + 50000, decimals)
        assert (star_fingerprints(["mjd"], np.array([30]), written, mag[:30])["mjd"]
                == star_fingerprints(["jd"], np.array([30]), written + 2400000.5,
                                     mag[:30])["jd"]), decimals
    # Times that change by another amount each (a correction varying over the year): another.
    drift = star_fingerprints(["x"], np.array([30]), time[:30] + 0.004 * np.arange(30),
                              mag[:30])
    assert drift["x"] != found["a"]
    # A value on a step's edge in double precision (12.3455) is not in single (12.345499...):
    # a float32 file and a CSV of the same stars still agree.
    edge = np.full(3, 12.3455)
    assert (star_fingerprints(["x"], np.array([3]), time[:3], edge)["x"]
            == star_fingerprints(["x"], np.array([3]), time[:3], edge.astype(np.float32))["x"])
    # One point moved by 2 mmag, or left out: another star.
    moved = mag[:30].copy()
    moved[7] += 0.002
    assert star_fingerprints(["x"], np.array([30]), time[:30], moved)["x"] != found["a"]
    assert star_fingerprints(["x"], np.array([29]), time[:29], mag[:29])["x"] != found["a"]


def test_blocks_of_points_sum_as_one(monkeypatch) -> None:
    """Hashed a few curves at a time (bounded memory), the sums are those of all at once."""
    ids, lengths, time, mag = two_stars()
    whole = star_fingerprints(ids, lengths, time, mag)
    monkeypatch.setattr(fingerprints, "BLOCK_POINTS", 4)  # each curve a block of its own
    assert star_fingerprints(ids, lengths, time, mag).tolist() == whole.tolist()


def test_stored_fingerprints_read_back_and_match_only_training_stars() -> None:
    ids, lengths, time, mag = two_stars()
    found = star_fingerprints(ids, lengths, time, mag)
    # Through the checkpoint's JSON metadata, as best.json keeps it: only "a" was trained on.
    metadata = json.loads(json.dumps(stored_fingerprints(found[["a"]].to_numpy())))
    assert metadata[KEY]["stars"] == 1
    trained = fingerprints_of(metadata)
    assert trained is not None and trained.values.tolist() == [found["a"]]
    # "c" has no cleaned points: not seen.
    assert seen_in_training(np.array(["b", "a", "c"], dtype=object), np.array(ids), lengths,
                            time, mag, trained).tolist() == [False, True, False]


@pytest.mark.parametrize("metadata", [{}, {KEY: {"version": 99, "uint64_base64": ""}}])
def test_a_checkpoint_without_comparable_fingerprints_has_none(metadata) -> None:
    """An older checkpoint (or fingerprints made another way) gives no check at all, which
    ``info`` says where it keeps fingerprints of another kind."""
    assert fingerprints_of(metadata) is None
    assert uncompared_version(metadata) == (99 if metadata else None)


def test_version_2_checkpoints_are_compared_their_way() -> None:
    """Fingerprints of absolute times (version 2, as checkpoints made before version 3 keep)
    still find their training stars."""
    ids, lengths, time, mag = two_stars()
    old = star_fingerprints(ids, lengths, time, mag, version=2)
    # What the version that wrote them gave (lcformer at ea929b1), so that they still match.
    assert old.tolist() == [18184601239123455145, 6261458530505509222]
    assert old["a"] != star_fingerprints(ids, lengths, time, mag)["a"]
    stored = stored_fingerprints(old[["a"]].to_numpy())
    stored[KEY]["version"] = 2
    trained = fingerprints_of(json.loads(json.dumps(stored)))
    assert trained is not None and trained.version == 2 and len(trained) == 1
    stars = np.array(["a", "b"], dtype=object)
    assert seen_in_training(stars, np.array(ids), lengths, time, mag, trained).tolist() == [
        True, False]


def test_a_copy_with_a_band_or_points_missing_is_found_by_its_sketch() -> None:
    """Training stars re-read with one band, or a few points lost (a sentinel value, an
    unreadable file), are no new stars; their fingerprints differ, their sketches hold."""
    ids, lengths, time, mag = two_stars()
    curves = (np.array(ids, dtype=object), lengths, time, mag)
    stored = (stored_fingerprints(star_fingerprints(*curves)[["a"]].to_numpy())
              | stored_sketches(star_sketches(*curves).loc[["a"]]))
    trained = fingerprints_of(json.loads(json.dumps(stored)))
    assert trained is not None and trained.sketch is not None
    assert len(trained.sketch) == SKETCH_SIZE  # "a" has 24 runs of four: its 16 smallest
    older = json.loads(json.dumps(stored))
    older[fingerprints.SKETCH_KEY]["version"] = 2  # before the share rule: compared as is
    assert np.array_equal(fingerprints_of(older).sketch, trained.sketch)
    older[fingerprints.SKETCH_KEY]["version"] = 99
    assert fingerprints_of(older).sketch is None

    def seen_as(name: str, lengths: np.ndarray, time: np.ndarray, mag: np.ndarray) -> bool:
        star = np.array([name] * len(lengths), dtype=object)
        return bool(seen_in_training(star[:1], star, lengths, time, mag, trained)[0])

    assert seen_as("x", np.array([20]), time[:20], mag[:20])  # one band of two
    assert seen_as("x", np.array([10]), time[20:30], mag[20:30])  # the other band
    kept = np.ones(30, dtype=bool)
    kept[[4, 13]] = False  # a point lost in each band
    assert seen_as("x", np.array([19, 9]), time[:30][kept], mag[:30][kept])
    assert seen_as("x", lengths[:2], time[:30] + 1e5 / 3, mag[:30])  # times offset too
    # Other photometry of the same times, another star, or too few runs: not seen.
    assert not seen_as("x", lengths[:2], time[:30], mag[:30] + 0.01)
    assert not seen_as("b", lengths[2:], time[30:], mag[30:])
    assert not seen_as("x", np.array([5]), time[:5], mag[:5])  # 2 runs: below SKETCH_HITS


def test_sketches_are_made_in_blocks_as_at_once(monkeypatch) -> None:
    ids, lengths, time, mag = two_stars()
    whole = star_sketches(ids, lengths, time, mag)
    monkeypatch.setattr(fingerprints, "BLOCK_POINTS", 7)
    blocks = star_sketches(ids, lengths, time, mag)
    assert whole.index.tolist() == blocks.index.tolist() and whole.equals(blocks)
    assert whole.groupby(level=0).size().to_dict() == {"a": SKETCH_SIZE, "b": 12}


def test_stars_of_one_field_with_flat_or_rounded_runs_are_not_taken_for_copies() -> None:
    """Different stars on one cadence, clipped at saturation (75% marked seen) or
    constant and rounded to 0.01 mag, shared runs of four equal magnitudes: flat runs, and
    runs other training stars share, tell no star apart."""
    rng = np.random.default_rng(1)
    time = 2450000 + np.cumsum(rng.uniform(0.5, 3.0, 400))

    def field(n: int, clipped: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mags = []
        for _ in range(n):
            if clipped:
                phase = rng.uniform(0, 6.3)
                m = np.maximum(rng.uniform(8, 9.5) + 1.5 * np.sin(time / 150 + phase), 8.0)
            else:
                m = np.round(rng.uniform(10, 10.2) + rng.normal(0, 0.01, len(time)), 2)
            mags.append(m)
        ids = np.array([f"s{rng.integers(1 << 40)}" for _ in range(n)], dtype=object)
        return ids, np.full(n, len(time)), np.tile(time, n), np.concatenate(mags)

    for clipped in (True, False):
        train, new = field(60, clipped), field(60, clipped)
        stored = (stored_fingerprints(star_fingerprints(*train).to_numpy())
                  | stored_sketches(star_sketches(*train)))
        trained = fingerprints_of(json.loads(json.dumps(stored)))
        found = seen_in_training(np.unique(new[0]), *new, trained)
        assert found.sum() <= 1, (clipped, int(found.sum()))
        assert (copy_groups(*new) >= 0).sum() == 0
    # A star listed twice is still one group, both ways.
    _, lengths, time_, mag = two_stars()
    twice = (np.array(["a", "a", "b", "c", "c"], dtype=object), np.r_[lengths, 20, 10],
             np.r_[time_, time_[:30]], np.r_[mag, mag[:30]])
    groups = copy_groups(*twice)
    assert groups["a"] == groups["c"] >= 0 and groups["b"] == -1


def test_dense_curves_of_one_shape_and_normalisation_are_not_taken_for_copies() -> None:
    """TESS-like curves (a point every 2 minutes, fluxes normalised to one magnitude,
    scatter below the 0.001 mag the runs are rounded to, a systematic all stars share) share
    their runs with other stars of their kind beyond each star's candidates (30 of 30 new
    stars marked seen). Runs are counted over every run of every training star, and a
    star that others share most of its runs with is found by its fingerprint alone."""
    rng = np.random.default_rng(2)
    time = np.arange(3000) * 2 / 1440

    def dense(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        mags = [8.9 + 0.001 * np.sin(2 * np.pi * time / 13.7)
                + rng.uniform(0, 0.003) * np.sin(2 * np.pi * time / rng.uniform(0.5, 5)
                                                 + rng.uniform(0, 6.3))
                + rng.normal(0, 7e-4, len(time)) for _ in range(n)]
        ids = np.array([f"s{rng.integers(1 << 40)}" for _ in range(n)], dtype=object)
        return ids, np.full(n, len(time)), np.tile(time, n), np.concatenate(mags)

    train, new = dense(60), dense(30)
    stored = (stored_fingerprints(star_fingerprints(*train).to_numpy())
              | stored_sketches(star_sketches(*train)))
    trained = fingerprints_of(json.loads(json.dumps(stored)))
    assert not seen_in_training(np.unique(new[0]), *new, trained).any()
    assert (copy_groups(*train) >= 0).sum() == 0
    # A training star itself, all of its points, is still found (by its fingerprint).
    one = (train[0][:1], train[1][:1], train[2][:3000], train[3][:3000])
    assert seen_in_training(one[0], *one, trained).all()


def test_a_training_star_listed_twice_with_points_missing_keeps_its_sketch() -> None:
    """Training stars A and B, B a copy of A with a fifth of its points missing,
    hold each other's runs; the rule that leaves unsketched a star whose runs others hold
    must not take both their sketches, or A re-read with another fifth missing is not found."""
    rng = np.random.default_rng(2)
    stars = {}
    for i in range(50):
        t = np.sort(rng.uniform(0, 1000, 400))
        stars[f"s{i}"] = (t, 12 + 0.3 * np.sin(2.1 * t) + rng.normal(0, 0.02, 400))
    t, m = stars["s0"]
    kept = rng.random(400) > 0.2
    stars["copy"] = (t[kept], m[kept])
    ids = np.array(list(stars), dtype=object)
    lengths = np.array([len(c[0]) for c in stars.values()])
    time = np.concatenate([c[0] for c in stars.values()])
    mag = np.concatenate([c[1] for c in stars.values()])
    found = star_fingerprints(ids, lengths, time, mag)
    sketches = star_sketches(ids, lengths, time, mag, same=found)
    assert {"s0", "copy"} <= set(sketches.index)
    trained = fingerprints_of(json.loads(json.dumps(
        stored_fingerprints(found.to_numpy()) | stored_sketches(sketches))))
    again = rng.random(400) > 0.2
    query = np.array(["q"], dtype=object)
    assert seen_in_training(query, query, np.array([again.sum()]), t[again], m[again],
                            trained).all()


def test_few_smooth_curves_of_one_cadence_and_normalisation_are_not_taken_for_copies() -> None:
    """Kepler stars normalised per quarter (one 30-minute cadence for all, a rotator's
    and a red giant's mmag variations) look like one another's copies, and new ones like
    training stars: too few like them are among the training stars for the share rule. Runs
    a curve like its own would hold by chance tell no star apart (fingerprints.CHANCE); an
    RR Lyrae star's are kept, and its copy with points missing is still found."""
    rng = np.random.default_rng(7)
    time = np.arange(8000) / 48.0  # 30 minutes

    def star(amplitude: float, period: float) -> np.ndarray:
        return (25.3 + amplitude * np.sin(2 * np.pi * time / period + rng.uniform(0, 6.3))
                + rng.normal(0, 2e-4, len(time)))

    def curves(mags: list[np.ndarray], names: list[str]):
        return (np.array(names, dtype=object), np.full(len(mags), len(time)),
                np.tile(time, len(mags)), np.concatenate(mags))

    train = curves([star(0.004, 3.7), star(0.002, 9.1), star(0.3, 0.55)], ["rot", "rg", "rrl"])
    assert (copy_groups(*train) >= 0).sum() == 0
    stored = (stored_fingerprints(star_fingerprints(*train).to_numpy())
              | stored_sketches(star_sketches(*train)))
    trained = fingerprints_of(json.loads(json.dumps(stored)))
    new = curves([star(0.004, 4.2), star(0.003, 6.5), star(0.002, 11.0)], ["a", "b", "c"])
    assert not seen_in_training(np.unique(new[0]), *new, trained).any()
    kept = rng.uniform(size=len(time)) > 0.2  # the RR Lyrae star, a fifth of it lost
    copy = (np.array(["x"], dtype=object), np.array([kept.sum()]), time[kept],
            train[3][2 * len(time):][kept])
    assert seen_in_training(copy[0], *copy, trained).all()
