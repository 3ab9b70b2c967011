"""Stars recognised by their points, whatever their ids: a run's own training and validation
stars met again in new input (``seen_in_training``), and copies of one star under several
ids within a dataset (kept on one side of a split, :mod:`lcformer.data.splits`).

Scoring predictions against an input's labels must not count the stars a model trained on (or
chose its best epoch on) as new ones; a name or a ``split`` column does not tell them when the
same stars come in another layout or under other ids (a survey's folder re-exported as one
table keyed by another catalogue's ids). So the checkpoint keeps a *fingerprint* of each such
star's cleaned points, and predictions compare new stars' cleaned points with them.

A star's fingerprint is the sum (wrapping, 64 bits) of a hash of each point's time since the
star's first point (to 1e-4 d) and magnitude (to 1e-3 mag): it does not depend on the order of
the points, on how they are split into bands or on the band names, nor on a constant offset of
the times (JD, MJD, HJD - 2450000); one point changed gives another, and so does a correction
that varies over the year (HJD against JD). Fingerprints do
not enter training: the model is the same with or without them.

A fingerprint needs every point. A copy of a star with a band or some points missing
(another download, a sentinel value, one band's file unreadable) is found by its *sketch*:
the :data:`SKETCH_SIZE` smallest hashes of the star's runs of :data:`RUN` consecutive
points of a curve (the times between them and their magnitudes: no offset, band name or id
enters), a uniform sample of them. A star holding :data:`SKETCH_HITS` of a training star's
sketch (about a fifth of its runs or more) is that star's points: one band of two keeps
about half, a star with a point in twenty lost about four fifths. Runs that tell no star
apart are left out: flat ones (four equal magnitudes: a clipped or constant star's, the
same for every such star observed on the same nights) and, in a training sketch, those
another training star also has (stars on one cadence at magnitudes rounded alike); a star
more than a quarter of whose :data:`CANDIDATES` smallest runs two other stars or more hold
has no sketch, its fingerprint alone finds it (dense curves of one shape at one
normalisation, their scatter below the rounding: of TESS-like normalised fluxes, 32 of 48
new stars are taken for training stars without this rule, 1 with it; not two unrelated stars of
nearly one brightness on one cadence: in e-/s, 5 before and after). Where too few such stars
are among the training stars to share the runs, a run that a curve like its own would hold
by chance (:data:`CHANCE`: its first magnitude's frequency times its steps') is left out
(without it, 2 of 5 Kepler stars normalised per quarter are taken for copies, 4 of 6 new
ones for training stars; with it none, and no run of the four real datasets is left out).
Measured on 500 stars of one real ASAS cadence against 500 others: clipped stars 0 taken
for copies (75% without these rules), constant stars rounded to 0.01 mag over 1,884 points
5.8% (31%), at 300 points 0.4%; real stars at their own precision 0 (eros1, asas_acvs).
The cost: of 3,000 asas_acvs training stars, re-read with a fifth of their points dropped,
97.5% are found (of another 3,000, 98.5%, with the share rule and without; of 2,500 eros1
stars, 98.2%).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.lightcurves import star_codes

#: The metadata key of a checkpoint's fingerprints (absent in checkpoints made before them).
KEY = "training_fingerprints"
#: How fingerprints are made. Checkpoints of version 2 (absolute times) are compared their
#: way; another version is not compared (no check, as without them, and ``info`` says so).
VERSION = 3  # 3: times since the star's first; 2: magnitudes in single precision
COMPARED = (2, 3)
TIME_STEP, MAG_STEP = 1e-4, 1e-3  # days, mag
#: Times are floored after this share of a step is added: the edges between steps then lie
#: at 0.382 of one (the golden ratio's fraction), far from times written in decimals.
TIME_SHIFT = (np.sqrt(5.0) - 1) / 2
#: Points hashed at once: bounds the memory of the temporary arrays (8 bytes each).
BLOCK_POINTS = 1 << 22
#: The checkpoint key of the training stars' sketches, and how they are made.
SKETCH_KEY = "training_sketches"
SKETCH_VERSION = 4  # 4: runs held by chance left out; 3: shared runs counted over all runs
#: Sketch versions compared: versions 2 (shared runs counted among the stars' candidates
#: only) and 3 are read as 4, their sketches unchanged.
SKETCH_COMPARED = (2, 3, 4)
#: Consecutive points of a curve hashed together, hashes kept a star, and hits that make a
#: star seen (a star with fewer runs than that is found by its fingerprint alone).
RUN, SKETCH_SIZE, SKETCH_HITS = 4, 16, 3
#: Each star's smallest run hashes, among which those other stars share are found; the
#: stars that share a run for it to tell none of them in a training sketch, and in finding
#: copies among a dataset's stars (a star listed twice shares every run with its copy).
CANDIDATES, SHARED_BY, COPIES_SHARED_BY = 64, 2, 3
#: A run that a curve like its own would hold this often by chance (:func:`_chance`) or more
#: tells no star apart: it is left out (Kepler stars normalised per quarter, one cadence
#: for all and 1 mmag variations, are otherwise taken for one another's copies, and new
#: ones for training stars, where too few like them are among the training stars).
CHANCE = 0.01
#: The share of a star's candidate runs that fewer than COPIES_SHARED_BY stars may hold
#: for it to be sketched.
MIN_ALONE = 0.75


def _mix(z: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit moves about half the output bits."""
    z = z + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def point_hashes(time: np.ndarray, mag: np.ndarray, version: int = VERSION) -> np.ndarray:
    """A 64-bit hash of each (time since the star's first point, mag) point, quantised so
    that the same number read from another file format (float32 Parquet, a CSV) gives the
    same hash: magnitudes are taken in single precision first, as float32 files hold them
    (rounded from double precision, 12.3455 and its float32 12.345499... fell on either side
    of a step)."""
    # Steps shifted off the decimals (by an irrational share of a step): times written to
    # 5 decimals lie on a 1e-4 d step's edge, where an offset's rounding would decide.
    steps = np.asarray(time, dtype=np.float64) / TIME_STEP
    q_t = (np.floor(steps + TIME_SHIFT) if version >= 3 else np.round(steps)).astype(np.int64)
    single = np.asarray(mag, dtype=np.float32).astype(np.float64)
    q_m = np.round(single / MAG_STEP).astype(np.int64)
    with np.errstate(over="ignore"):  # wrapping is meant
        return _mix(_mix(q_t.view(np.uint64)) ^ (q_m.view(np.uint64)
                                                 * np.uint64(0xD6E8FEB86659FD93)))


def _segment_sums(values: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Wrapping uint64 sums of consecutive segments of ``values`` (0 for an empty one)."""
    out = np.zeros(len(lengths), dtype=np.uint64)
    full = lengths > 0
    if full.any():
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[full]
        out[full] = np.add.reduceat(values, starts)
    return out


def _curve_blocks(offsets: np.ndarray) -> Iterator[tuple[int, int]]:
    """Ranges ``[start, stop)`` of whole curves (``offsets``: the curves' first points, and
    one past the last), about :data:`BLOCK_POINTS` points each: bounded memory."""
    start = 0
    while start < len(offsets) - 1:
        stop = max(int(np.searchsorted(offsets, offsets[start] + BLOCK_POINTS, "right")) - 1,
                   start + 1)
        yield start, stop
        start = stop


def star_fingerprints(ids: Sequence[Any] | np.ndarray, lengths: np.ndarray,
                      time: np.ndarray, mag: np.ndarray, version: int = VERSION) -> pd.Series:
    """Per star (index: its id), the fingerprint of its points: ``ids`` and ``lengths`` per
    curve, ``time`` and ``mag`` the curves' points one after another (as LightCurves and a
    prepared folder's ``cleaned.parquet`` + ``points.npy`` hold them); ``version`` 2 hashes
    the times themselves, as its checkpoints did."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    codes, stars = star_codes(ids)
    first = np.full(len(lengths), np.inf)
    full = lengths > 0
    if full.any():
        first[full] = np.minimum.reduceat(np.asarray(time, dtype=np.float64), offsets[:-1][full])
    star_first = pd.Series(first).groupby(codes).min().reindex(range(len(stars))).to_numpy()
    curve_first = star_first[codes] if version >= 3 else np.zeros(len(lengths))
    curves = np.zeros(len(lengths), dtype=np.uint64)
    for start, stop in _curve_blocks(offsets):
        low, high = offsets[start], offsets[stop]
        since = time[low:high] - np.repeat(curve_first[start:stop], lengths[start:stop])
        curves[start:stop] = _segment_sums(point_hashes(since, mag[low:high], version),
                                           lengths[start:stop])
    order = np.argsort(codes, kind="stable")
    per_star = _segment_sums(curves[order], np.bincount(codes, minlength=len(stars)))
    return pd.Series(per_star, index=pd.Index(stars, dtype=object), dtype=np.uint64)


def stored_fingerprints(fingerprints: np.ndarray) -> dict[str, Any]:
    """Fingerprints as a checkpoint's JSON metadata keeps them: sorted, little-endian uint64
    bytes in base64 (11 characters a star), under :data:`KEY`."""
    values = np.sort(np.asarray(fingerprints, dtype=np.uint64)).astype("<u8")
    return {KEY: {"version": VERSION, "stars": len(values),
                  "uint64_base64": base64.b64encode(values.tobytes()).decode("ascii")}}


@dataclass(frozen=True)
class Fingerprints:
    """A checkpoint's fingerprints (sorted) and the :data:`VERSION` they were made by."""

    values: np.ndarray
    version: int
    #: The training stars' sketches, all in one array sorted, and the star each is of (None
    #: in checkpoints made before them).
    sketch: np.ndarray | None = None
    sketch_star: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.values)


def fingerprints_of(metadata: Mapping[str, Any]) -> Fingerprints | None:
    """A checkpoint's fingerprints, or None where it has none it can compare (made before
    them, or by a version not in :data:`COMPARED`): then no star is known to be seen."""
    stored = metadata.get(KEY)
    if not isinstance(stored, Mapping) or stored.get("version") not in COMPARED:
        return None
    raw = base64.b64decode(stored.get("uint64_base64", ""))
    sketch = metadata.get(SKETCH_KEY)
    values = star = None
    if isinstance(sketch, Mapping) and sketch.get("version") in SKETCH_COMPARED:
        values = np.frombuffer(base64.b64decode(sketch["uint64_base64"]),
                               dtype="<u8").astype(np.uint64)
        counts = np.frombuffer(base64.b64decode(sketch["counts_base64"]), dtype=np.uint8)
        values, star = _sorted(values, np.repeat(np.arange(len(counts)), counts))
    return Fingerprints(np.frombuffer(raw, dtype="<u8").astype(np.uint64),
                        int(stored["version"]), values, star)


def uncompared_version(metadata: Mapping[str, Any]) -> Any:
    """The version of fingerprints a checkpoint keeps but predict cannot compare (made by
    another lcformer), else None."""
    stored = metadata.get(KEY)
    if isinstance(stored, Mapping) and stored.get("version") not in COMPARED:
        return stored.get("version")
    return None


def seen_in_training(star_ids: np.ndarray, cleaned_ids: np.ndarray, lengths: np.ndarray,
                     time: np.ndarray, mag: np.ndarray,
                     trained: Fingerprints) -> np.ndarray:
    """Per star of ``star_ids``: its cleaned points (the curves ``cleaned_ids``, ``lengths``,
    ``time``, ``mag``) are those of one of the run's training or validation stars
    (``trained``: :func:`fingerprints_of`). A star without points is not."""
    found = star_fingerprints(cleaned_ids, lengths, time, mag, trained.version)
    row = found.index.get_indexer(pd.Index(star_ids, dtype=object))  # -1: no points
    out = np.zeros(len(row), dtype=bool)
    known = trained.values
    if len(known) and (row >= 0).any():
        values = found.to_numpy(dtype=np.uint64)[row[row >= 0]]
        at = np.minimum(np.searchsorted(known, values), len(known) - 1)
        out[row >= 0] = known[at] == values
    if trained.sketch is not None and len(trained.sketch):
        overlapping = _overlapping(cleaned_ids, lengths, time, mag, trained)
        out |= pd.Index(star_ids, dtype=object).isin(overlapping)
    return out


def run_hashes(codes: np.ndarray, lengths: np.ndarray, time: np.ndarray,
               mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(star code, hash) of every run of :data:`RUN` consecutive points within a curve
    (``codes``: each curve's star; cleaned curves, their times sorted): a hash of the run's
    time steps and magnitudes, quantised as :func:`point_hashes` does, so that no offset of
    the times, band name or id enters. Flat runs (four equal magnitudes) are left out: every
    clipped or constant star observed on the same nights has them."""
    curve = np.repeat(np.arange(len(lengths)), lengths)
    n = len(curve) - RUN + 1
    if n <= 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.uint64)
    steps = np.floor(np.diff(np.asarray(time, dtype=np.float64)) / TIME_STEP + TIME_SHIFT)
    q_m = np.round(np.asarray(mag, dtype=np.float32).astype(np.float64) / MAG_STEP)
    whole = curve[:n] == curve[RUN - 1:]  # the run's points are of one curve
    # A flat run (a clipped or constant star's) is every such star's on a shared cadence.
    flat = np.all([q_m[k:k + n] == q_m[:n] for k in range(1, RUN)], axis=0)
    whole &= ~flat & (_chance(curve, q_m, n) < CHANCE)
    with np.errstate(over="ignore"):  # wrapping is meant
        h = _mix(q_m[:n].astype(np.int64).view(np.uint64))
        for k in range(1, RUN):  # a column of the runs at a time, each over all of them
            step = steps[k - 1:k - 1 + n].astype(np.int64).view(np.uint64)
            point = q_m[k:k + n].astype(np.int64).view(np.uint64)
            h = _mix(h ^ _mix(step * np.uint64(0xD6E8FEB86659FD93)) ^ point)
    return np.asarray(codes)[curve[:n][whole]], h[whole]


def _chance(curve: np.ndarray, q_m: np.ndarray, n: int) -> np.ndarray:
    """Per run (its first point; ``n`` of them): how often a curve like its own (as many
    runs; its magnitudes, and the steps between consecutive ones, as frequent) holds it by
    chance: its first magnitude's frequency times its three steps', times the runs. Steps,
    not magnitudes, are taken as independent: a smooth curve's neighbours are alike."""
    size = np.bincount(curve)
    by_mag = pd.Series(q_m).groupby([curve, q_m]).transform("size").to_numpy()
    step = np.append(np.diff(q_m), np.nan)
    step[np.flatnonzero(np.diff(curve))] = np.nan  # a curve's last point's: of no run
    by_step = pd.Series(step).groupby([curve, step]).transform("size").to_numpy()
    with np.errstate(divide="ignore"):
        log_p = np.log(by_mag[:n] / size[curve[:n]]) + sum(
            np.log(by_step[k:k + n] / np.maximum(size[curve[:n]] - 1, 1))
            for k in range(RUN - 1))
        return np.maximum(size[curve[:n]] - RUN + 1, 1) * np.exp(log_p)


def _smallest(code: np.ndarray, h: np.ndarray, size: int = SKETCH_SIZE
              ) -> tuple[np.ndarray, np.ndarray]:
    """Of each star's distinct hashes, its ``size`` smallest, sorted by star."""
    order = np.lexsort((h, code))
    code, h = code[order], h[order]
    new = np.ones(len(h), dtype=bool)
    new[1:] = (code[1:] != code[:-1]) | (h[1:] != h[:-1])
    code, h = code[new], h[new]
    keep = np.arange(len(code)) - np.searchsorted(code, code, side="left") < size
    return code[keep], h[keep]


def _star_runs(ids: Sequence[Any] | np.ndarray, lengths: np.ndarray, time: np.ndarray,
               mag: np.ndarray, shared_by: int = SHARED_BY, same: pd.Series | None = None
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(star code, hash) of each star's sketch, and the stars in code order: of its runs
    that fewer than ``shared_by`` of these stars have (a run stars share tells none of them:
    stars observed on the same nights at magnitudes rounded alike, or dense curves of one
    shape at one normalisation), the :data:`SKETCH_SIZE` smallest; stars of one value in
    ``same`` (by id: their exact fingerprints) count as one, so that a star listed twice
    keeps its runs. Each star's :data:`CANDIDATES` smallest runs are found first, then how
    many stars hold each among all of their runs (not only their candidates: TESS-like
    curves can share a fifth of their runs with other stars of their kind, and new stars hold
    three of a training star's sketch), both about :data:`BLOCK_POINTS` points at a time
    (whole curves)."""
    lengths = np.asarray(lengths, dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)])
    codes, stars = star_codes(ids)

    def blocks() -> Iterator[tuple[np.ndarray, np.ndarray]]:
        for start, stop in _curve_blocks(offsets):
            low, high = offsets[start], offsets[stop]
            yield run_hashes(codes[start:stop], lengths[start:stop], time[low:high],
                             mag[low:high])

    parts = [_smallest(code, h, CANDIDATES) for code, h in blocks()]
    code = np.concatenate([c for c, _ in parts] or [np.empty(0, dtype=np.int64)])
    h = np.concatenate([v for _, v in parts] or [np.empty(0, dtype=np.uint64)])
    code, h = _smallest(code, h, CANDIDATES)
    key_of = (np.arange(len(stars)) if same is None else
              pd.factorize(same.reindex(pd.Index(stars, dtype=object)).to_numpy())[0])
    wanted = pd.unique(h)
    held = []  # (holder, hash) of every run that is some star's candidate
    for holder, run in blocks():
        hit = pd.Series(run).isin(wanted).to_numpy()  # a hash table: 4x NumPy's isin
        held.append(pd.DataFrame({"key": key_of[holder[hit]], "hash": run[hit]})
                    .drop_duplicates())
    holders = (pd.concat(held).drop_duplicates()["hash"].to_numpy() if held
               else np.empty(0, dtype=np.uint64))
    values, counts = np.unique(holders, return_counts=True)
    alone = ~np.isin(h, values[counts >= shared_by])
    # A star whose runs many others hold too is told apart by none of them (dense curves of
    # one shape at one normalisation): its fingerprint alone finds it. Runs two stars hold
    # do not count here: a star listed twice, one copy with points missing, keeps its sketch.
    common = np.isin(h, values[counts >= max(shared_by, COPIES_SHARED_BY)])
    share = np.bincount(code, weights=~common, minlength=len(stars)) / np.maximum(
        np.bincount(code, minlength=len(stars)), 1)
    alone &= share[code] >= MIN_ALONE
    return *_smallest(code[alone], h[alone]), np.asarray(stars, dtype=object)


def star_sketches(ids: Sequence[Any] | np.ndarray, lengths: np.ndarray, time: np.ndarray,
                  mag: np.ndarray, shared_by: int = SHARED_BY,
                  same: pd.Series | None = None) -> pd.DataFrame:
    """Per star (index: its id, in order of first appearance), its sketch: the
    :data:`SKETCH_SIZE` smallest distinct hashes of its runs that fewer than ``shared_by``
    of these stars have (fewer where it has fewer; ``same``: :func:`_star_runs`), one row
    each (column ``hash``)."""
    code, h, stars = _star_runs(ids, lengths, time, mag, shared_by, same)
    return pd.DataFrame({"hash": h}, index=pd.Index(stars[code], dtype=object))


def stored_sketches(sketches: pd.DataFrame) -> dict[str, Any]:
    """Sketches (:func:`star_sketches`' rows) as a checkpoint's JSON metadata keeps them
    (:data:`SKETCH_KEY`): the values one star after another and each star's count,
    little-endian bytes in base64."""
    codes, stars = pd.factorize(sketches.index, sort=False)
    order = np.argsort(codes, kind="stable")
    values = sketches["hash"].to_numpy(dtype=np.uint64)[order]
    counts = np.bincount(codes, minlength=len(stars))
    return {SKETCH_KEY: {
        "version": SKETCH_VERSION, "run": RUN, "size": SKETCH_SIZE, "hits": SKETCH_HITS,
        "stars": len(counts),
        "uint64_base64": base64.b64encode(
            np.asarray(values, dtype=np.uint64).astype("<u8").tobytes()).decode("ascii"),
        "counts_base64": base64.b64encode(
            np.asarray(counts, dtype=np.uint8).tobytes()).decode("ascii")}}


def copy_groups(ids: Sequence[Any] | np.ndarray, lengths: np.ndarray, time: np.ndarray,
                mag: np.ndarray) -> pd.Series:
    """Per star (index: its id, in order of first appearance), a group number shared by the
    stars whose points are copies of one another's, all or in part, under other ids (each
    holding :data:`SKETCH_HITS` of the other's sketch, as predict finds a training star's
    copy: a catalogue that lists one star twice); -1 for a star with no copy."""
    sketches = star_sketches(ids, lengths, time, mag, COPIES_SHARED_BY,
                             star_fingerprints(ids, lengths, time, mag))
    codes, stars = star_codes(ids)
    groups = pd.Series(-1, index=pd.Index(stars, dtype=object))
    if sketches.empty:
        return groups
    star_of = pd.Index(stars, dtype=object).get_indexer(sketches.index)
    trained = Fingerprints(np.empty(0, np.uint64), VERSION, *_sorted(
        sketches["hash"].to_numpy(dtype=np.uint64), star_of))
    pairs = _holding(codes, np.asarray(lengths, dtype=np.int64), time, mag, trained)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    # Both ways: each holds the other's sketch (one way alone chained unlike stars).
    both = pd.MultiIndex.from_arrays([pairs[:, 1], pairs[:, 0]])
    pairs = pairs[pd.MultiIndex.from_arrays([pairs[:, 0], pairs[:, 1]]).isin(both)]
    if len(pairs):
        from scipy.sparse import coo_matrix
        from scipy.sparse.csgraph import connected_components

        n = len(stars)
        graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
        _, label = connected_components(graph, directed=True, connection="weak")
        copied = np.zeros(n, dtype=bool)
        copied[pairs.ravel()] = True
        groups[:] = np.where(copied, label, -1)
    return groups


def _sorted(values: np.ndarray, star: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(values, kind="stable")
    return values[order], star[order]


def _holding(codes: np.ndarray, lengths: np.ndarray, time: np.ndarray, mag: np.ndarray,
             trained: Fingerprints) -> np.ndarray:
    """(star code, sketched star) pairs where the star (``codes`` per curve) holds
    :data:`SKETCH_HITS` or more of that star's sketch."""
    assert trained.sketch is not None and trained.sketch_star is not None
    code, h = run_hashes(codes, lengths, time, mag)
    left = np.searchsorted(trained.sketch, h, side="left")
    n = np.searchsorted(trained.sketch, h, side="right") - left  # >1: sketches alike
    if not n.any():
        return np.empty((0, 2), dtype=np.int64)
    from lcformer.data.lightcurves import ragged_ranges

    star = np.repeat(code, n)
    other = trained.sketch_star[ragged_ranges(left, n)]
    # A run a star has twice (a repeated pattern) is one hit: runs counted once per star.
    runs = pd.DataFrame({"star": star, "other": other, "hash": np.repeat(h, n)})
    hits = runs.drop_duplicates().groupby(["star", "other"]).size()
    held = hits[hits >= SKETCH_HITS].index
    return np.stack([held.get_level_values("star"), held.get_level_values("other")],
                    axis=1).astype(np.int64)


def _overlapping(ids: np.ndarray, lengths: np.ndarray, time: np.ndarray, mag: np.ndarray,
                 trained: Fingerprints) -> np.ndarray:
    """The stars of ``ids`` holding :data:`SKETCH_HITS` or more of one training star's
    sketch."""
    codes, stars = star_codes(ids)
    held = _holding(codes, np.asarray(lengths, dtype=np.int64), time, mag, trained)
    return np.asarray(stars, dtype=object)[np.unique(held[:, 0])]
