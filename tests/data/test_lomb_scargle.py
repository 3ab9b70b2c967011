"""The Lomb-Scargle helpers' process-wide side effects."""

from __future__ import annotations

import threading

import pytest
from threadpoolctl import threadpool_info

from lcformer.data.lomb_scargle import one_blas_thread


def blas_threads() -> list[int]:
    return [found["num_threads"] for found in threadpool_info() if found["user_api"] == "blas"]


def test_threads_that_overlap_leave_blas_as_they_found_it() -> None:
    """A service classifying from several threads: the first in limits BLAS to one thread,
    and only the last out lifts the limit (each restoring what it found left one thread)."""
    before = blas_threads()
    if not any(n > 1 for n in before):
        pytest.skip(f"BLAS runs one thread already ({before}): there is no limit to lift")
    first_in, second_in, first_out = threading.Event(), threading.Event(), threading.Event()
    inside: list[list[int]] = []

    def first() -> None:
        with one_blas_thread():
            first_in.set()
            second_in.wait(10)
        first_out.set()

    def second() -> None:
        first_in.wait(10)
        with one_blas_thread():
            second_in.set()
            first_out.wait(10)
            inside.append(blas_threads())  # the first has left; this one is still in

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert inside == [[1] * len(before)]
    assert blas_threads() == before
