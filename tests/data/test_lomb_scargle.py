"""The Lomb-Scargle helpers' process-wide side effects."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator

import pytest
from threadpoolctl import ThreadpoolController, threadpool_info

from lcformer.data.lomb_scargle import _free_blas_control, one_blas_thread


def blas_threads() -> list[int]:
    return [found["num_threads"] for found in threadpool_info() if found["user_api"] == "blas"]


@pytest.fixture
def before() -> Iterator[list[int]]:
    """BLAS at two threads (whatever the machine's own count: one on a one-CPU runner), put
    back as it was afterwards, with no thread holding threadpoolctl's control of it."""
    limit = ThreadpoolController().limit(limits=2, user_api="blas")
    _free_blas_control()
    found = blas_threads()
    if not found:
        pytest.skip("no BLAS library that threadpoolctl can limit is loaded")
    yield found
    _free_blas_control()
    limit.restore_original_limits()
    _free_blas_control()


def blas_threads_once_done(targets: list[Callable[[], None]], done: threading.Event,
                           end: threading.Event) -> list[int]:
    """BLAS's threads once ``done`` is set by ``targets``' threads, which live on until then
    (a thread that ended would give up threadpoolctl's control of BLAS by itself)."""
    threads = [threading.Thread(target=target) for target in targets]
    for thread in threads:
        thread.start()
    done.wait(20)
    after = blas_threads()
    end.set()
    for thread in threads:
        thread.join(20)
    return after


def test_threads_that_overlap_leave_blas_as_they_found_it(before) -> None:
    """A service classifying from several threads, each of which lives on: the first in
    limits BLAS to one thread, and only the last out lifts the limit (each restoring what it
    found left one thread for good), though it is not the thread that set it."""
    first_in, second_in, first_out, second_out, end = (threading.Event() for _ in range(5))
    inside: list[list[int]] = []

    def first() -> None:
        with one_blas_thread():
            first_in.set()
            second_in.wait(10)
        first_out.set()
        end.wait(10)  # alive still: the thread that set the limit

    def second() -> None:
        first_in.wait(10)
        with one_blas_thread():
            second_in.set()
            first_out.wait(10)
            inside.append(blas_threads())  # the first has left; this one is still in
        second_out.set()
        end.wait(10)

    after = blas_threads_once_done([first, second], second_out, end)
    assert inside == [[1] * len(before)]
    assert after == before


def test_threads_that_take_turns_each_get_one_blas_thread(before) -> None:
    """One thread's search, then another's, both threads alive: the second is limited too
    (the first thread to set a limit had kept the right to set it)."""
    first_done, second_done, end = (threading.Event() for _ in range(3))
    inside: list[list[int]] = []

    def search(wait: threading.Event | None, done: threading.Event) -> None:
        if wait is not None:
            wait.wait(10)
        with one_blas_thread():
            inside.append(blas_threads())
        done.set()
        end.wait(10)

    after = blas_threads_once_done([lambda: search(None, first_done),
                                    lambda: search(first_done, second_done)], second_done, end)
    assert inside == [[1] * len(before)] * 2
    assert after == before
