"""The arithmetic of the period search (:mod:`lcformer.data.periods`): generalised
Lomb-Scargle power from weighted sums, on a grid by non-uniform FFTs (one plan serving every
star of a grid size) or at chosen frequencies by direct sums, and the combination of several
bands' powers into one statistic. Why each is done so: that module's docstring.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

# FFTW planner flag. FFTW_MEASURE plans ran 1.4-2x faster but took 5-12 s per grid size to
# make: worth it only beyond some 5000 stars of one size.
FFTW_ESTIMATE = 64


def gls_power(yc: np.ndarray, ys: np.ndarray, c: np.ndarray, s: np.ndarray,
               c2: np.ndarray, s2: np.ndarray, yy: float, out: np.ndarray | None = None,
               scratch: list[np.ndarray] | None = None) -> np.ndarray:
    """Standard generalised Lomb-Scargle power from weighted sums (weights summing to 1,
    weighted-mean-subtracted y): ``yc = sum w y cos``, ``c = sum w cos``, ``c2 = sum w cos 2x``.

    The fit's normal equations in closed form (Zechmeister & Kürster 2009, eq. 5-13), without
    the phase ``tau`` of the classical formula. Written in place on ``out`` and five
    ``scratch`` arrays: on 200k-frequency grids, allocating a fresh array per operation made
    this function take 1.6x as long.
    """
    shape, dtype = np.shape(c), np.result_type(c, s, c2, s2, yc, ys)
    out = np.empty(shape, dtype) if out is None else out
    if not yy > 0:  # constant magnitudes: no frequency explains anything
        out[...] = 0.0
        return out
    cc, ss, cs, tmp, tmp2 = scratch or [np.empty(shape, dtype) for _ in range(5)]
    np.multiply(c2, 0.5, out=tmp)
    np.multiply(c, c, out=cc)
    np.subtract(0.5, cc, out=cc)
    cc += tmp  # sum w cos^2 - (sum w cos)^2
    np.subtract(0.5, tmp, out=ss)
    np.multiply(s, s, out=tmp)
    ss -= tmp  # sum w sin^2 - (sum w sin)^2
    np.multiply(c, s, out=cs)
    np.multiply(s2, 0.5, out=tmp)
    np.subtract(tmp, cs, out=cs)  # sum w cos sin - sum w cos * sum w sin
    # Singular fits (all points at one phase) are set to explain nothing.
    np.add(cc, ss, out=tmp2)
    tmp2 *= tmp2
    tmp2 *= 1e-5 if dtype == np.float32 else 1e-12
    np.multiply(yc, yc, out=out)
    out *= ss
    np.multiply(ys, ys, out=tmp)
    tmp *= cc
    out += tmp
    np.multiply(yc, ys, out=tmp)
    tmp *= cs
    tmp *= 2.0
    out -= tmp  # numerator
    cc *= ss
    cs *= cs
    cc -= cs  # determinant of the fit
    np.copyto(cc, np.inf, where=cc <= tmp2)
    cc *= yy
    out /= cc
    return np.clip(out, 0.0, 1.0, out=out)


class Band:
    """One curve ready for the periodogram: centred times, normalised weights, centred values."""

    __slots__ = ("n", "sum_weights", "t", "w", "y", "yy")

    def __init__(self, t: np.ndarray, y: np.ndarray, w: np.ndarray) -> None:
        self.n = len(t)
        self.t = t
        self.w = w / w.sum()
        self.y = y - np.dot(self.w, y)
        self.yy = float(np.dot(self.w, self.y * self.y))
        if self.yy <= (1e-12 * float(np.max(np.abs(y)))) ** 2:  # constant up to rounding
            self.yy = 0.0
        elif not 1e-12 < self.yy < 1e12:  # e.g. fluxes in erg/s/cm2/Hz: the power does not
            self.y = self.y / np.sqrt(self.yy)  # depend on the scale, single precision does
            self.yy = 1.0
        self.sum_weights = np.stack([self.w, self.w * self.y])


class NufftPlans:
    """finufft plans and buffers for one grid size, reused for every curve with that size.

    Building a plan (kernel Fourier series, FFT plan, buffers) cost as much as running it on
    a 400-point curve; stars are sorted by grid size, so a plan usually serves many stars.
    """

    def __init__(self, single: bool) -> None:
        import finufft

        self._finufft = finufft
        self.single = single
        self.size = -1
        self.pair: Any = None
        self.solo: Any = None
        self.buffers: list[np.ndarray] = []
        self.one: Any = None  # the Schuster statistic's single transform
        self.one_size = -1
        self.one_out: np.ndarray = np.empty(0)
        self.one_squares: np.ndarray = np.empty(0)

    def _opts(self) -> dict[str, Any]:
        cdtype = np.complex64 if self.single else np.complex128
        return dict(eps=1e-5 if self.single else 1e-9, isign=1, dtype=cdtype.__name__,
                    nthreads=1, upsampfac=1.25, fftw=FFTW_ESTIMATE)

    def schuster(self, band: Band, step: float, n_steps: int) -> np.ndarray:
        """``2 |sum w (y - mean) e^(i j x)|^2 / yy`` at ``step * j``, ``j = 1..n_steps``: the
        classical (Schuster) periodogram, normalised like the power (1 for a pure, evenly
        sampled sinusoid), clipped to [0, 1]; a new array. Where the sampling is uneven at a
        frequency (its spectral window is large) it differs from the power, which is why
        many candidates are refined."""
        real = np.float32 if self.single else np.float64
        if n_steps != self.one_size:
            self.one = self._finufft.Plan(1, (n_steps,), n_trans=1, **self._opts())
            self.one_size = n_steps
            self.one_out = np.empty(n_steps, np.complex64 if self.single else np.complex128)
            self.one_squares = np.empty(2 * n_steps, real)
        if not band.yy > 0:
            return np.zeros(n_steps, real)
        x = (2.0 * np.pi * step) * band.t  # as in power()
        self.one.setpts(x.astype(real))
        self.one.execute((band.w * band.y * np.exp(1j * (n_steps // 2 + 1) * x)).astype(
            self.one_out.dtype), out=self.one_out)
        # re^2 + im^2, squared on the contiguous (re, im) pairs: squaring the strided real
        # and imaginary parts apart took twice as long.
        pairs = self.one_out.view(real)
        np.multiply(pairs, pairs, out=self.one_squares)
        out = np.add(self.one_squares[0::2], self.one_squares[1::2])
        out *= 2.0 / band.yy
        return np.clip(out, 0.0, 1.0, out=out)

    def power(self, band: Band, step: float, n_steps: int) -> np.ndarray:
        """Power at ``step * j`` for ``j = 1..n_steps`` (a new array)."""
        cdtype = np.complex64 if self.single else np.complex128
        real = np.float32 if self.single else np.float64
        if n_steps != self.size:
            opts = self._opts()
            self.pair = self._finufft.Plan(1, (n_steps,), n_trans=2, **opts)
            self.solo = self._finufft.Plan(1, (n_steps - n_steps // 2,), n_trans=1, **opts)
            self.size = n_steps
            self.buffers = [np.empty((2, n_steps), cdtype), np.empty(n_steps, cdtype),
                            *(np.empty(n_steps, real) for _ in range(5))]
        first, double, *scratch = self.buffers
        # Modes k = -J//2 .. run from index 0; a phase shift by s = J//2 + 1 makes index m the
        # frequency (m + 1) * step. |x| <= pi / oversampling, inside finufft's [-3 pi, 3 pi).
        x = (2.0 * np.pi * step) * band.t
        shift = np.exp(1j * (n_steps // 2 + 1) * x)
        sums = np.empty((2, band.n), dtype=cdtype)
        sums[0] = band.w * band.y * shift
        sums[1] = band.w * shift
        self.pair.setpts(x.astype(real))
        self.pair.execute(sums, out=first)
        # sum w e^(2 i j x): for j <= J/2 it is the pair's second transform at 2j (index
        # 2j - 1); a transform of the upper half's J - J//2 modes, at 2x, gives the rest
        # (0.83x the work of a third full transform).
        half = n_steps // 2
        double[:half] = first[1, 1:2 * half:2]
        upper = n_steps - half
        u = 2.0 * x  # |u| <= 2 pi / oversampling
        self.solo.setpts(u.astype(real))
        self.solo.execute((band.w * np.exp(1j * (half + 1 + upper // 2) * u)).astype(cdtype),
                          out=double[half:])
        return gls_power(first[0].real, first[0].imag, first[1].real, first[1].imag,
                          double.real, double.imag, band.yy, np.empty(n_steps, real), scratch)


def nifty_power(band: Band, step: float, n_steps: int, single: bool) -> np.ndarray:
    import nifty_ls

    real = np.float32 if single else np.float64
    dy = 1.0 / np.sqrt(band.w)  # nifty-ls weighs by dy**-2 and normalises the weights itself
    result = nifty_ls.lombscargle(band.t.astype(real), band.y.astype(real), dy.astype(real),
                                  fmin=step, fmax=step * n_steps, Nf=n_steps, nthreads=1)
    return np.clip(np.nan_to_num(result.power, nan=0.0), 0.0, 1.0)


def direct_power(band: Band, start: np.ndarray, step: float, n: int,
                  single: bool = False) -> np.ndarray:
    """Exact power at ``start[i] + step * r``, ``r = 0..n-1``: (len(start), n).

    The sums over the points are matrix products, ``e^(2 pi i start t) * weights`` times
    ``e^(2 pi i step r t)`` (BLAS: call under :func:`one_blas_thread`). ``single``: in
    single precision, whose sines and cosines cost 1/20 of double precision's (the phases are
    first reduced to one cycle in double precision, so only the last digits are lost); for
    ranking candidates, which double-precision stages then refine.
    """
    c = len(start)
    phases = _phasors(np.concatenate([start, [step]]) if n > 1 else start, band.t, single)
    base = phases[:c]  # (C, N)
    # The ladder's rows as powers of e^(2 pi i step t), by doubling: row k + r is row r times
    # row k. Each is a product of at most log2(n) factors, so off by a few roundings (1e-16;
    # 6e-8 in single precision, where the ladder only ranks candidates).
    ladder = np.empty((n, band.n), base.dtype)  # (n, N)
    ladder[0] = 1.0
    if n > 1:
        ladder[1] = phases[c]
    k = 2
    while k < n:
        m = min(k, n - k)
        np.multiply(ladder[:m], ladder[k - 1] * ladder[1], out=ladder[k:k + m])
        k += m
    w, wy = band.sum_weights.astype(np.float32) if single else band.sum_weights
    weighted = np.empty((2 * c, band.n), base.dtype)
    np.multiply(base, wy, out=weighted[:c])
    np.multiply(base, w, out=weighted[c:])
    sums = weighted @ ladder.T  # (2C, n): sum w y e^(i x), sum w e^(i x)
    base *= base  # e^(2 i x)
    base *= w
    ladder *= ladder
    double = base @ ladder.T
    return gls_power(sums[:c].real, sums[:c].imag, sums[c:].real, sums[c:].imag,
                      double.real, double.imag, band.yy)


def _phasors(freq: np.ndarray, t: np.ndarray, single: bool) -> np.ndarray:
    """``e^(2 pi i f t)``, (len(freq), len(t)), the cycles ``f t`` reduced to [-1/2, 1/2]
    in double precision first."""
    cycles = np.multiply.outer(freq, t)
    cycles -= np.rint(cycles)
    angle = np.multiply(cycles, 2.0 * np.pi, out=cycles)
    if single:
        angle = angle.astype(np.float32)
    out = np.empty(angle.shape, np.complex64 if single else np.complex128)
    np.cos(angle, out=out.real)
    np.sin(angle, out=out.imag)
    return out


#: Threads inside :func:`one_blas_thread`, and the limit the first one set, which the last one
#: lifts: NumPy's OpenBLAS has one thread count for the process, so threads that overlapped
#: each restoring what it found left a service's BLAS at one thread for good. (A BLAS whose
#: count is per thread, MKL or an OpenBLAS built on OpenMP, is limited in the first thread
#: in only: the others' products run on its threads, a matter of speed, not of results.)
_BLAS_LOCK = threading.Lock()
_blas_users = 0
_blas_limit: Any = None


def _after_fork_in_child() -> None:
    """A child forked while a thread was inside starts with no one inside (and a lock that
    no thread of its own holds)."""
    global _BLAS_LOCK, _blas_users, _blas_limit
    _BLAS_LOCK, _blas_users, _blas_limit = threading.Lock(), 0, None


if hasattr(os, "register_at_fork"):  # (not on Windows)
    os.register_at_fork(after_in_child=_after_fork_in_child)


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the loaded BLAS libraries, made once: finding them reads every
    shared library the process has mapped (3.8 ms a call in a service with 241 of them)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


def _free_blas_control() -> None:
    """threadpoolctl (3.8) lets one thread set OpenBLAS's thread count, the first to try,
    until it is cleared: the thread that lifts the limit is not always the one that set it,
    and a later thread must be able to set it again."""
    import threadpoolctl

    clear = getattr(getattr(threadpoolctl, "OpenBLASController", None),
                    "clear_controlling_thread", None)
    if clear is not None:
        clear(force=True)


@contextmanager
def one_blas_thread() -> Iterator[None]:
    """BLAS limited to the calling thread. The refinement's products are small; OpenBLAS's own
    threads made a 80 x 400 x 9 product 200x slower on a busy machine and serialised the
    search's worker threads."""
    global _blas_users, _blas_limit
    with _BLAS_LOCK:
        if _blas_users == 0:
            _free_blas_control()
            _blas_limit = _blas_controller().limit(limits=1, user_api="blas")
            _free_blas_control()
        _blas_users += 1
    try:
        yield
    finally:
        with _BLAS_LOCK:
            _blas_users -= 1
            if _blas_users == 0:
                _free_blas_control()
                _blas_limit.restore_original_limits()
                _free_blas_control()
                _blas_limit = None


def combine(powers: list[np.ndarray], dofs: np.ndarray) -> np.ndarray:
    """The multi-band statistic Z (see the module docstring); for one band the power itself,
    which ranks frequencies the same way and costs nothing."""
    if len(powers) == 1:
        return powers[0]
    total = np.zeros_like(powers[0])
    top = 1.0 - 4 * np.finfo(powers[0].dtype).eps  # keeps the logarithm finite
    for power, dof in zip(powers, dofs, strict=True):
        total -= dof * np.log1p(-np.minimum(power, top))
    return total


def to_z(stat: np.ndarray, dofs: np.ndarray) -> np.ndarray:
    if len(dofs) == 1:
        return -dofs[0] * np.log1p(-np.minimum(stat, 1.0 - 4 * np.finfo(stat.dtype).eps))
    return stat
