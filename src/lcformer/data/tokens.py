"""Tokens: cleaned light curves -> windows of (dt, dm) tokens, the models' input.

The research method, step by step (the research system's steps 3-6):

1. scale each curve's magnitudes to [0, 30] with its own minimum and maximum;
2. take differences between consecutive points: N points give N-1 pairs (dt, dm);
3. cut the pair sequence into windows of W pairs every S pairs (starts 0, S, 2S, ... while the
   window fits);
4. inside a window, group w consecutive pairs every s pairs and flatten each group into one
   token of 2w numbers: ``[dt_j, dm_j, dt_{j+1}, dm_{j+1}]`` for (w, s) = (2, 1).

A curve with fewer than W pairs gives no window in the research method; here it is counted
(``shorter_than_window``) and, with ``pad_short=True``, kept as one padded window whose
missing tokens are masked, so the star can still be classified.

Everything is computed for all curves at once, without a loop over stars. The pairs go into
one flat float32 buffer, pair after pair (``dt, dm, dt, dm, ...``, or ``dt, dm, mag, ...`` with
``pair_features="dt_dm_mag"``), so a token is just a run of consecutive numbers in it: token j
of the window starting at pair i is the w pairs from pair i + j*s on.
``numpy.lib.stride_tricks.as_strided`` presents the buffer, without copying it, as an array
whose ``[i, j]`` is "token j of a window starting at pair i"; a window's tokens are row i of
that view, and indexing it with the windows' start pairs copies them out. The outputs are
allocated once
and filled in place; curves are processed in chunks of points, which bounds the memory of the
intermediate arrays.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.lib.stride_tricks import as_strided

from lcformer.config import Config, setting
from lcformer.data.lightcurves import LightCurves
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError

PairFeatures = Literal["dt_dm", "dt_dm_mag"]


@dataclass(frozen=True)
class TokenConfig(Config):
    window: int = setting(200, "W: (dt, dm) pairs per window")
    stride: int = setting(100, "S: pairs between window starts")
    token_size: int = setting(2, "w: pairs per token")
    token_stride: int = setting(1, "s: pairs between token starts")
    scale_max: float = setting(30.0, "magnitudes are min-max scaled to [0, scale_max]")
    pad_short: bool = setting(False, "keep curves shorter than one window as one masked "
                                     "window")
    # The second option keeps the shape of a noisy curve that differences alone bury in noise.
    pair_features: PairFeatures = setting(
        "dt_dm", "what each pair holds: the research (dt, dm), or also the scaled magnitude "
                 "of the pair's second point")

    def __post_init__(self) -> None:
        super().__post_init__()
        if min(self.window, self.stride, self.token_size, self.token_stride) < 1:
            raise ConfigError("window, stride, token_size and token_stride must be >= 1")
        if self.token_size > self.window:
            raise ConfigError("token_size cannot exceed the window")

    @property
    def n_tokens(self) -> int:
        return (self.window - self.token_size) // self.token_stride + 1

    @property
    def values_per_pair(self) -> int:
        return len(self.pair_features.split("_"))

    @property
    def n_features(self) -> int:
        return self.values_per_pair * self.token_size

    def __str__(self) -> str:
        extra = "" if self.pair_features == "dt_dm" else f", pairs ({self.pair_features})"
        return (f"W={self.window} S={self.stride} w={self.token_size} s={self.token_stride}"
                f"{', padded' if self.pad_short else ''}{extra}")


@dataclass
class Windows:
    """Token windows plus, per window, its curve (for star-level results)."""

    tokens: np.ndarray  # (n, T, config.n_features) float32: 2w for (dt, dm), 3w with mag
    mask: np.ndarray  # (n, T) bool, True for real tokens
    curve: np.ndarray  # (n,) int64: index of the curve in the LightCurves it was made from

    def __len__(self) -> int:
        return len(self.curve)


def scale_magnitudes(lcs: LightCurves, scale_max: float = TokenConfig.scale_max) -> np.ndarray:
    """Each curve's magnitudes min-max scaled to [0, scale_max]; a constant curve gives 0."""
    if lcs.n_points == 0:
        return np.empty(0)
    nonempty = lcs.lengths > 0
    starts = lcs.offsets[:-1][nonempty]
    low = np.zeros(lcs.n_curves)
    high = np.zeros(lcs.n_curves)
    low[nonempty] = np.minimum.reduceat(lcs.mag, starts)
    high[nonempty] = np.maximum.reduceat(lcs.mag, starts)
    span = high - low
    # (mag - low) / span * scale_max, in place to spare full-length temporaries.
    scaled = lcs.mag - np.repeat(low, lcs.lengths)
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled /= np.repeat(span, lcs.lengths)
    scaled *= scale_max
    constant = ~(span > 0)
    if constant.any():
        scaled[np.repeat(constant, lcs.lengths)] = 0.0
    return scaled


def window_counts(n_pairs: np.ndarray, config: TokenConfig) -> np.ndarray:
    """Windows per curve: floor((P - W) / S) + 1 when P >= W, else 0 (or 1 when padding)."""
    full = np.where(n_pairs >= config.window, (n_pairs - config.window) // config.stride + 1, 0)
    if config.pad_short:
        full = np.where((n_pairs < config.window) & (n_pairs >= config.token_size), 1, full)
    return full


def make_windows(lcs: LightCurves, config: TokenConfig | None = None,
                 report: DropReport | None = None, chunk_points: int = 2_000_000,
                 workers: int = 1) -> tuple[Windows, DropReport]:
    """Tokenise cleaned curves (sorted, no repeated times); count curves that give no window.

    Curves are processed in chunks of about ``chunk_points`` points (bounded memory). With
    ``workers`` > 1 the chunks are spread over threads (NumPy's gathers release the GIL); this
    only pays off with idle cores, so the default is one.
    """
    config = config or TokenConfig()
    report = report if report is not None else DropReport()
    n_pairs = np.maximum(lcs.lengths - 1, 0)
    counts = window_counts(n_pairs, config)
    too_short_for_token = n_pairs < config.token_size
    report.drop_curves("shorter_than_token", int(too_short_for_token.sum()))
    report.drop_curves("shorter_than_window", int(((counts == 0) & ~too_short_for_token).sum()))
    report.note("padded_windows", int(((n_pairs < config.window) & (counts > 0)).sum()))

    # Where every window comes from is known up front: window k of curve c starts at the
    # curve's first pair + k*S and holds min(pairs left, W) real pairs.
    W, S = config.window, config.stride
    first_window = np.zeros(lcs.n_curves + 1, dtype=np.int64)  # window rows of curve c
    np.cumsum(counts, out=first_window[1:])
    curve = np.repeat(np.arange(lcs.n_curves), counts)
    k = np.arange(len(curve)) - first_window[curve]
    start = lcs.offsets[curve] + k * S  # index of the window's first point (= first pair)
    n_real = np.minimum(n_pairs[curve] - k * S, W)

    # The outputs are allocated once; each chunk fills its own rows.
    n = len(curve)
    windows = Windows(tokens=np.empty((n, config.n_tokens, config.n_features), np.float32),
                      mask=np.empty((n, config.n_tokens), bool), curve=curve)

    def fill(bounds: tuple[int, int]) -> None:
        first, last = bounds
        rows = slice(first_window[first], first_window[last])
        _fill_windows(lcs, first, last, start[rows], n_real[rows], config, windows, rows)

    chunks = _chunk_bounds(lcs.lengths, chunk_points)
    if len(chunks) == 1 or workers <= 1:
        for bounds in chunks:
            fill(bounds)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(fill, chunks))  # list(): re-raise a chunk's error here
    return windows, report


def _chunk_bounds(lengths: np.ndarray, chunk_points: int) -> list[tuple[int, int]]:
    """Split curve indices into consecutive ranges of roughly ``chunk_points`` points."""
    group = (np.cumsum(lengths) - 1) // max(chunk_points, 1)
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(lengths)]])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


_GATHER_BATCH = 512  # windows per gather: a few hundred KB of tokens


def _fill_windows(lcs: LightCurves, first: int, last: int, start: np.ndarray,
                  n_real: np.ndarray, config: TokenConfig, out: Windows, rows: slice) -> None:
    """Write the windows of curves ``first:last`` (one chunk) into ``out[rows]``.

    ``start`` holds the windows' first points as indices into all of ``lcs``; ``n_real``
    their numbers of real pairs (below W only for a padded short curve).
    """
    if len(start) == 0:
        return
    W, w, s = config.window, config.token_size, config.token_stride
    T, P = config.n_tokens, config.values_per_pair
    p0, p1 = lcs.offsets[first], lcs.offsets[last]
    chunk = LightCurves(lcs.ids[first:last], lcs.bands[first:last],
                        lcs.offsets[first:last + 1] - p0,
                        lcs.time[p0:p1], lcs.mag[p0:p1], lcs.err[p0:p1])
    start = start - p0

    # The pairs, interleaved in one flat buffer: pair i joins points i and i+1 (a pair across
    # two curves is never inside a real token). W zero pairs at the end let a padded window
    # of the last curve read past its end.
    n = chunk.n_points  # >= 2: the chunk has a window
    pairs = np.zeros((n - 1 + W, P), np.float32)
    np.subtract(chunk.time[1:], chunk.time[:-1], out=pairs[:n - 1, 0])
    mag = scale_magnitudes(chunk, config.scale_max)
    np.subtract(mag[1:], mag[:-1], out=pairs[:n - 1, 1])
    if config.pair_features == "dt_dm_mag":
        pairs[:n - 1, 2] = mag[1:]  # the scaled magnitude of the pair's second point

    # tokens_at[i, j] = token j of a window starting at pair i: w*P numbers from pair i + j*s.
    # Every start up to n - 1 keeps the view inside the buffer, since (T-1)*s + w <= W.
    item = pairs.itemsize
    tokens_at = as_strided(pairs, shape=(n, T, P * w), strides=(P * item, s * P * item, item),
                           writeable=False)
    # Picking rows of a view copies them. Done in batches, the copy is small enough to stay
    # in cache on its way to the output instead of being a second output-sized array.
    for a in range(0, len(start), _GATHER_BATCH):
        batch = start[a:a + _GATHER_BATCH]
        out.tokens[rows.start + a: rows.start + a + len(batch)] = tokens_at[batch]
    token_real = np.arange(T) * s + w <= n_real[:, None]
    out.mask[rows] = token_real

    # Only a padded window (fewer than W real pairs) reads past its curve: blank what it read.
    short = np.flatnonzero(n_real < W)
    if len(short):
        short_rows = short + rows.start
        tokens = out.tokens[short_rows]
        tokens[~token_real[short]] = 0.0
        out.tokens[short_rows] = tokens
