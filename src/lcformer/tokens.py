"""Tokens: cleaned light curves -> windows of (dt, dm) tokens, the models' input.

The research method, step by step (``../shared/docs/research-system.md``, steps 3-6):

1. scale each curve's magnitudes to [0, 30] with its own minimum and maximum;
2. take differences between consecutive points: N points give N-1 pairs (dt, dm);
3. cut the pair sequence into windows of W pairs every S pairs (starts 0, S, 2S, ... while the
   window fits);
4. inside a window, group w consecutive pairs every s pairs and flatten each group into one
   token of 2w numbers: ``[dt_j, dm_j, dt_{j+1}, dm_{j+1}]`` for (w, s) = (2, 1).

A curve with fewer than W pairs gives no window in the research method; here it is counted
(``shorter_than_window``) and, with ``pad_short=True``, kept as one padded window whose
missing tokens are masked, so the star can still be classified.

Everything is computed for all curves at once: windows are rows of a strided view of one flat
pair array (``numpy.lib.stride_tricks.sliding_window_view``), gathered by their start index.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from lcformer.lightcurves import LightCurves
from lcformer.report import DropReport

PAIR_FEATURES = ("dt_dm", "dt_dm_mag")


@dataclass(frozen=True)
class TokenConfig:
    window: int = 200  # W: pairs per window
    stride: int = 100  # S: pairs between window starts
    token_size: int = 2  # w: pairs per token
    token_stride: int = 1  # s: pairs between token starts
    scale_max: float = 30.0  # magnitudes are min-max scaled to [0, scale_max]
    pad_short: bool = False  # keep curves shorter than W as one masked window
    # What each pair holds: the research (dt, dm), or also the scaled magnitude of the pair's
    # second point, which keeps the shape of a noisy curve that differences alone bury in noise.
    pair_features: str = "dt_dm"

    def __post_init__(self) -> None:
        if min(self.window, self.stride, self.token_size, self.token_stride) < 1:
            raise ValueError("window, stride, token_size and token_stride must be >= 1")
        if self.token_size > self.window:
            raise ValueError("token_size cannot exceed the window")
        if self.pair_features not in PAIR_FEATURES:
            raise ValueError(f"pair_features must be one of {PAIR_FEATURES}")

    @property
    def n_tokens(self) -> int:
        return (self.window - self.token_size) // self.token_stride + 1

    @property
    def values_per_pair(self) -> int:
        return len(self.pair_features.split("_"))

    @property
    def n_features(self) -> int:
        return self.values_per_pair * self.token_size

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> TokenConfig:
        return cls(**data)

    def __str__(self) -> str:
        extra = "" if self.pair_features == "dt_dm" else f", pairs ({self.pair_features})"
        return (f"W={self.window} S={self.stride} w={self.token_size} s={self.token_stride}"
                f"{', padded' if self.pad_short else ''}{extra}")


# Survey presets of the research system (W, S); thresholds and class sampling live in datasets.
PRESETS: dict[str, TokenConfig] = {
    "asas": TokenConfig(200, 100),
    "macho": TokenConfig(200, 100),
    "ogle": TokenConfig(200, 100),
    "wise": TokenConfig(20, 10),
    "gaia": TokenConfig(10, 5),
}


@dataclass
class Windows:
    """Token windows plus, per window, where it came from (for star-level results)."""

    tokens: np.ndarray  # (n, T, 2w) float32
    mask: np.ndarray  # (n, T) bool, True for real tokens
    curve: np.ndarray  # (n,) int64: index of the curve in the LightCurves it was made from
    start_time: np.ndarray  # (n,) float64: time of the window's first point
    errors: np.ndarray  # (n, W+1) float32: magnitude errors of the window's points, NaN-padded

    def __len__(self) -> int:
        return len(self.curve)

    @classmethod
    def concatenate(cls, parts: list[Windows]) -> Windows:
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("tokens", "mask", "curve", "start_time", "errors")))


def scale_magnitudes(lcs: LightCurves, scale_max: float = 30.0) -> np.ndarray:
    """Each curve's magnitudes min-max scaled to [0, scale_max]; a constant curve gives 0."""
    if lcs.n_points == 0:
        return np.empty(0)
    nonempty = lcs.lengths > 0
    starts = lcs.offsets[:-1][nonempty]
    low = np.zeros(lcs.n_curves)
    high = np.zeros(lcs.n_curves)
    low[nonempty] = np.minimum.reduceat(lcs.mag, starts)
    high[nonempty] = np.maximum.reduceat(lcs.mag, starts)
    curve = lcs.curve_index
    span = (high - low)[curve]
    with np.errstate(invalid="ignore", divide="ignore"):
        scaled = np.where(span > 0, (lcs.mag - low[curve]) / span * scale_max, 0.0)
    return scaled


def window_counts(n_pairs: np.ndarray, config: TokenConfig) -> np.ndarray:
    """Windows per curve: floor((P - W) / S) + 1 when P >= W, else 0 (or 1 when padding)."""
    full = np.where(n_pairs >= config.window, (n_pairs - config.window) // config.stride + 1, 0)
    if config.pad_short:
        full = np.where((n_pairs < config.window) & (n_pairs >= config.token_size), 1, full)
    return full


def make_windows(lcs: LightCurves, config: TokenConfig | None = None,
                 report: DropReport | None = None, chunk_points: int = 2_000_000,
                 workers: int = 2) -> tuple[Windows, DropReport]:
    """Tokenise cleaned curves (sorted, no repeated times); count curves that give no window.

    Curves are processed in chunks of about ``chunk_points`` points (bounded memory), spread
    over ``workers`` threads: NumPy's gathers release the GIL, so chunks run in parallel.
    """
    config = config or TokenConfig()
    report = report if report is not None else DropReport()
    n_pairs = np.maximum(lcs.lengths - 1, 0)
    counts = window_counts(n_pairs, config)
    too_short_for_token = n_pairs < config.token_size
    report.drop_curves("shorter_than_token", int(too_short_for_token.sum()))
    report.drop_curves("shorter_than_window", int(((counts == 0) & ~too_short_for_token).sum()))
    report.note("padded_windows", int(((n_pairs < config.window) & (counts > 0)).sum()))

    chunks = _chunk_bounds(lcs.lengths, chunk_points)
    if len(chunks) == 1 or workers <= 1:
        parts = [_windows_of(lcs, a, b, counts, config) for a, b in chunks]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            parts = list(pool.map(lambda ab: _windows_of(lcs, *ab, counts, config), chunks))
    return Windows.concatenate(parts), report


def _chunk_bounds(lengths: np.ndarray, chunk_points: int) -> list[tuple[int, int]]:
    """Split curve indices into consecutive ranges of roughly ``chunk_points`` points."""
    group = (np.cumsum(lengths) - 1) // max(chunk_points, 1)
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(group)) + 1, [len(lengths)]])
    return list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))


def _windows_of(lcs: LightCurves, first: int, last: int, counts: np.ndarray,
                config: TokenConfig) -> Windows:
    """Windows of curves ``first:last`` (one chunk)."""
    W, S = config.window, config.stride
    p0, p1 = lcs.offsets[first], lcs.offsets[last]
    offsets = lcs.offsets[first:last + 1] - p0
    chunk = LightCurves(lcs.ids[first:last], lcs.bands[first:last], offsets,
                        lcs.time[p0:p1], lcs.mag[p0:p1], lcs.err[p0:p1])
    counts = counts[first:last]

    # One flat array of pairs; pair i joins points i and i+1 (pairs across curves are never used).
    mag = scale_magnitudes(chunk, config.scale_max)
    columns = [np.diff(chunk.time), np.diff(mag)]
    if config.pair_features == "dt_dm_mag":
        columns.append(mag[1:])
    pairs = np.stack(columns, axis=1).astype(np.float32)
    P = pairs.shape[1]

    # Window k of curve c starts at pair offsets[c] + k*S.
    curve = np.repeat(np.arange(len(counts)), counts)
    k = np.arange(len(curve)) - np.repeat(np.cumsum(counts) - counts, counts)
    start = offsets[:-1][curve] + k * S
    n_real = np.minimum(chunk.lengths[curve] - 1 - k * S, W)  # real pairs in each window

    # Rows of a strided view over zero-padded pairs, so a short curve's window fits too.
    padded = np.concatenate([pairs, np.zeros((W + 1, P), np.float32)])
    win = sliding_window_view(padded, W, axis=0)[start]  # (n, P, W), a copy
    win = win.transpose(0, 2, 1)  # (n, W, P)
    pair_real = np.arange(W) < n_real[:, None]
    win[~pair_real] = 0.0

    w, s = config.token_size, config.token_stride
    tok = sliding_window_view(win, w, axis=1)[:, ::s][:, : config.n_tokens]  # (n, T, P, w)
    tokens = np.array(tok.transpose(0, 1, 3, 2), order="C")  # (n, T, w, P): pair by pair
    tokens = tokens.reshape(len(curve), config.n_tokens, config.n_features)
    mask = np.arange(config.n_tokens) * s + w <= n_real[:, None]
    tokens[~mask] = 0.0  # a masked token may hold half a real pair: clear it

    err = np.concatenate([chunk.err.astype(np.float32), np.full(W + 2, np.nan, np.float32)])
    errors = sliding_window_view(err, W + 1)[start]
    errors = np.where(np.arange(W + 1) <= n_real[:, None], errors, np.nan).astype(np.float32)

    return Windows(tokens=tokens, mask=mask, curve=curve + first,
                   start_time=chunk.time[start] if len(start) else np.empty(0),
                   errors=errors)
