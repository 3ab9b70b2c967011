"""The worker pool behind ``--jobs``: results in order, one pool for a block's calls, and a
Ctrl-C or a killed parent that stops every worker at once without their tracebacks."""

from __future__ import annotations

import time

import pytest

from lcformer import workers


def test_n_workers() -> None:
    assert workers.n_workers(3) == 3 and workers.n_workers(-1) >= 1
    with pytest.raises(ValueError, match="n_jobs must be -1 or at least 1, got 0"):
        workers.n_workers(0)


def test_map_in_order_keeps_the_order_in_processes() -> None:
    assert list(workers.map_in_order(abs, range(-6, 0), n_jobs=2)) == [6, 5, 4, 3, 2, 1]
    assert list(workers.map_in_order(abs, iter([-1, 2]))) == [1, 2]


def test_calls_inside_shared_workers_use_one_pool(monkeypatch) -> None:
    """A partitioned prediction's partitions share their processes: a pool each made two
    jobs slower than one (each partition waited a second for its processes to start)."""
    made = []
    real = workers._new_pool
    monkeypatch.setattr(workers, "_new_pool", lambda n: made.append(n) or real(n))
    with workers.shared_workers(2):
        for _ in range(3):
            assert list(workers.map_in_order(abs, range(-4, 0), n_jobs=2)) == [4, 3, 2, 1]
    assert made == [2] and not workers._SHARED_POOLS  # one pool, gone with the block
    assert list(workers.map_in_order(abs, [-1], n_jobs=2)) == [1] and made == [2, 2]


CTRL_C_SCRIPT = """
import sys, time
from lcformer.workers import map_in_order

if __name__ == "__main__":
    try:  # (a Ctrl-C sent on "ready" may land while print returns)
        print("ready", flush=True)
        for _ in map_in_order(time.sleep, [60.0] * 8, n_jobs=2):
            pass
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(130)
"""


@pytest.mark.slow
@pytest.mark.parametrize("after", [0.0, 1.0, 4.0])
def test_ctrl_c_stops_the_workers_at_once_and_prints_no_traceback_of_theirs(tmp_path, after):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) as the fork server
    starts and imports lcformer, while workers start, or while they work: the workers' own
    tracebacks followed lcformer's one line, and once a run hung after it."""
    import os
    import signal
    import subprocess
    import sys
    import time

    script = tmp_path / "interrupted.py"
    script.write_text(CTRL_C_SCRIPT)
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    assert process.stdout.readline() == "ready\n"  # lcformer imported
    time.sleep(after)
    os.killpg(process.pid, signal.SIGINT)
    try:  # not after the tasks that had begun (a minute each): the workers are stopped
        _, stderr = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 130, stderr
    assert stderr.strip() == "interrupted"


def test_a_ctrl_c_held_while_its_block_fails_is_still_a_ctrl_c() -> None:
    """The fork server, interrupted as it started, made the block fail (EOFError): the run
    ended as an internal error instead of an interrupted one."""
    import signal

    with pytest.raises(KeyboardInterrupt) as stop:
        with workers._ctrl_c_held():
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)  # Ctrl-C, as it is held
            raise EOFError("unexpected EOF")
    assert isinstance(stop.value.__cause__, EOFError)
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    with workers._ctrl_c_held():  # held and raised after the block, which went well
        pass
    with pytest.raises(KeyboardInterrupt):
        with workers._ctrl_c_held():
            signal.getsignal(signal.SIGINT)(signal.SIGINT, None)


KILLED_PARENT = """
import os, signal, threading, time
from lcformer.workers import map_in_order
threading.Timer(3.0, lambda: os.kill(os.getpid(), signal.SIGKILL)).start()
for _ in map_in_order(time.sleep, [30.0] * 4, n_jobs=2):
    pass
"""


def test_workers_end_with_a_parent_killed_while_its_output_is_read(tmp_path) -> None:
    """SIGKILL leaves the parent no chance to stop its pool: its workers must end on their
    own, or they hold its output pipes open and whoever reads them (a CI step, `| tee`)
    waits for ever (the parent stays a zombie until then, so its pid still answers)."""
    import subprocess
    import sys

    script = tmp_path / "killed.py"
    script.write_text(KILLED_PARENT)
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE)
    process.communicate(timeout=60)  # reaches EOF only once every worker has ended
    assert process.returncode == -9 and time.perf_counter() - started < 30
