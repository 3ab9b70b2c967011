"""A plain, row-by-row implementation of the research preprocessing.

It exists to be read and trusted, not to be fast: the tests check the vectorised pipeline
(:mod:`lcformer.data.cleaning`, :mod:`lcformer.data.tokens`) against it, and
``benchmarks/prepare.py`` times both in the same process. One star, one window, one token at a
time, as the research code did (research-system.md, steps 2-6).
"""

from __future__ import annotations

import numpy as np


def reference_tokens(time: np.ndarray, mag: np.ndarray, window: int = 200, stride: int = 100,
                     token_size: int = 2, token_stride: int = 1,
                     scale_max: float = 30.0) -> np.ndarray:
    """Tokens of one star, shape (n_windows, n_tokens, 2 * token_size), float64."""
    # Step 2: drop repeated times (keep the first seen), then sort by time.
    seen: set[float] = set()
    points = []
    for t, m in zip(time, mag, strict=True):
        if t not in seen:
            seen.add(t)
            points.append((t, m))
    points.sort(key=lambda p: p[0])

    # Step 3: min-max scale to [0, scale_max] with the star's own extremes.
    low = min(m for _, m in points)
    high = max(m for _, m in points)
    scaled = [(t, (m - low) / (high - low) * scale_max if high > low else 0.0) for t, m in points]

    # Step 4: differences between consecutive points.
    pairs = []
    for i in range(len(scaled) - 1):
        pairs.append((scaled[i + 1][0] - scaled[i][0], scaled[i + 1][1] - scaled[i][1]))

    # Steps 5-6: windows of `window` pairs every `stride`; tokens of `token_size` pairs.
    windows = []
    start = 0
    while start + window <= len(pairs):
        tokens = []
        j = 0
        while j + token_size <= window:
            token = []
            for dt, dm in pairs[start + j: start + j + token_size]:
                token += [dt, dm]
            tokens.append(token)
            j += token_stride
        windows.append(tokens)
        start += stride
    n_tokens = (window - token_size) // token_stride + 1
    return np.array(windows, dtype=np.float64).reshape(-1, n_tokens, 2 * token_size)
