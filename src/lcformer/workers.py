"""The worker processes behind ``--jobs``: :func:`map_in_order` runs a function over items in
a pool of processes, :func:`shared_workers` lends one pool to every call inside a block, and
:func:`n_workers` says how many processes (or threads) ``--jobs`` means.

Kept out of the data code that uses them (star views, the period search, partitioned
predictions), as what a pool must get right is its own: processes start by ``forkserver``,
never by a fork of a process that may hold threads (torch, BLAS); Ctrl-C stops every worker at
once and prints no traceback of theirs; workers end with a parent killed by SIGKILL. A pool's
function must be importable by name (the workers import it), and the fork server imports
lcformer once for all of them (:mod:`lcformer.forkserver_ready` last); this module imports
nothing of lcformer, so that it stays cheap to import anywhere.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def n_workers(n_jobs: int) -> int:
    """Processes (or threads) for ``n_jobs``: -1 is one per CPU this process may use."""
    if n_jobs == -1:
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    if n_jobs < 1:
        raise ValueError(f"n_jobs must be -1 or at least 1, got {n_jobs}")
    return n_jobs


def _worker_setup() -> None:
    """In a worker: Ctrl-C is the parent's to handle (it stops the workers), so a worker
    prints no traceback of its own; and end when the process that started the pool is gone
    (killed by SIGKILL, it cannot stop its workers, which would run on and hold its output
    pipes open). It waits on the parent's sentinel, which is ready once the parent has
    exited, even as a zombie whose pid still answers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        multiprocessing.connection.wait([parent.sentinel])
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="lcformer-parent-watch").start()


@contextlib.contextmanager
def _ctrl_c_held() -> Iterator[None]:
    """Hold Ctrl-C until the block is done, then raise it: the block starts processes, and
    one interrupted half-way leaves a process the pool has no record of (which could not be
    stopped, and whose traceback followed lcformer's one line). SIGINT is blocked in this
    thread, a mask the processes it starts inherit, and caught in Python, since the signal
    may reach another thread."""
    caught: list[int] = []
    # Only Python's own Ctrl-C is held: an ignored SIGINT (a background job of a script) or
    # an application's handler is left as it is.
    swap = (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    if swap:
        signal.signal(signal.SIGINT, lambda *_: caught.append(1))
    blocked = (signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
               if hasattr(signal, "pthread_sigmask") else None)
    try:
        yield
    except BaseException as error:  # a held Ctrl-C is still the reason to stop
        if caught:
            raise KeyboardInterrupt from error
        raise
    finally:
        if blocked is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        if swap:
            signal.signal(signal.SIGINT, signal.default_int_handler)
    if caught:
        raise KeyboardInterrupt


def _start_forkserver() -> None:
    """Start the fork server with Ctrl-C held, so that a Ctrl-C while it imports lcformer
    (seconds on a busy machine) does not print its traceback after lcformer's one line. The
    last module it imports, :mod:`lcformer.forkserver_ready`, unblocks the signal, which
    the server then ignores as it always does; the processes it forks are as usual."""
    import multiprocessing.forkserver  # POSIX only, as the fork server is
    import multiprocessing.resource_tracker

    # Started first: starting it unblocks SIGINT, which would undo the block below.
    multiprocessing.resource_tracker.ensure_running()
    with _ctrl_c_held():
        multiprocessing.forkserver.ensure_running()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's workers now, not after their tasks (an interrupted run, or a consumer
    that stopped early): waiting on them could take minutes, and once hung after a Ctrl-C
    that came while they were starting. ``_processes`` is the executor's own record of them
    (Python 3.14 has ``terminate_workers`` for it)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    for process in processes:  # gone before this process exits: a worker still starting
        process.join(timeout=5)  # would otherwise fail on the semaphores it leaves behind
    pool.shutdown(wait=False, cancel_futures=True)


def _submit(pool: ProcessPoolExecutor, func: Callable[[T], R], item: T) -> Future[R]:
    """``pool.submit``, which may start a worker, with Ctrl-C held (:func:`_ctrl_c_held`)."""
    with _ctrl_c_held():
        return pool.submit(func, item)


def map_in_order(func: Callable[[T], R], items: Iterable[T], n_jobs: int = 1) -> Iterator[R]:
    """``map(func, items)``, in ``n_jobs`` processes when above 1 (-1: one per CPU), at most
    two tasks per process in flight, so that items are made (and held) only as needed.

    Processes start by ``forkserver`` where there is one (else ``spawn``): never a fork of a
    process that may hold threads (torch, BLAS). ``func`` must be importable by name. Inside
    :func:`shared_workers` the processes are that block's, else this call's own.
    """
    workers = n_workers(n_jobs)
    if workers == 1:
        yield from map(func, items)
        return
    shared = _SHARED_POOLS.get(workers)
    pool = shared or _new_pool(workers)
    pending: list[Future[Any]] = []
    try:
        for item in items:
            pending.append(_submit(pool, func, item))
            if len(pending) >= 2 * workers:
                yield pending.pop(0).result()
        for future in pending:
            yield future.result()
    except BaseException:  # Ctrl-C, an error, or the consumer stopped (GeneratorExit)
        if shared is None:
            _stop_workers(pool)
        else:  # the block's: its own end stops them; this call's tasks are dropped
            for future in pending:
                future.cancel()
        raise
    if shared is None:
        pool.shutdown(wait=True)


#: Worker pools of :func:`shared_workers` blocks, by their number of processes.
_SHARED_POOLS: dict[int, ProcessPoolExecutor] = {}


@contextlib.contextmanager
def shared_workers(n_jobs: int) -> Iterator[None]:
    """One pool of ``n_jobs`` processes for every :func:`map_in_order` inside the block (the
    partitions of a partitioned prediction): a pool a call made each partition wait for its
    processes to start, about a second, so that two jobs ran slower than one."""
    workers = n_workers(n_jobs)
    if workers == 1 or workers in _SHARED_POOLS:  # (an enclosing block's serves this one)
        yield
        return
    pool = _SHARED_POOLS[workers] = _new_pool(workers)
    try:
        yield
    except BaseException:
        _stop_workers(pool)
        raise
    finally:
        del _SHARED_POOLS[workers]
    pool.shutdown(wait=True)


def _new_pool(workers: int) -> ProcessPoolExecutor:
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":  # import once, in the server, not per worker
        context.set_forkserver_preload(["__main__", "lcformer.data.samples",
                                        "lcformer.data.periods",
                                        "lcformer.forkserver_ready"])
        _start_forkserver()
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=_worker_setup)
