"""Atomic writes, and the removal of what killed writers left: only a dead writer's debris."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lcformer import atomic

HOST = atomic._HOST


@pytest.fixture
def dead_pid() -> int:
    """The id of a process that has ended (and been reaped)."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


@pytest.fixture
def live_child():
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield child
    child.kill()
    child.wait()


def debris(folder: Path, pid: int | None, host: str = HOST, kind: str = "partial") -> Path:
    """A partial folder or temporary file named as a writer ``pid`` on ``host`` names it
    (``pid`` None: lcformer 0.1.0's names, without a writer)."""
    writer = "" if pid is None else f"{host}-{pid}-"
    if kind == "partial":
        path = folder / f".data-0123.partial-{writer}ab_d12x9"
        path.mkdir()
        (path / "tokens.npy").write_bytes(b"\0" * 100)
    else:
        path = folder / f".best.safetensors.{writer}ab_d12x9.tmp.safetensors"
        path.write_bytes(b"\0" * 100)
    return path


def age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


@pytest.mark.parametrize("kind", ["partial", "tmp"])
def test_a_dead_writers_debris_is_removed_by_the_next_write(tmp_path, dead_pid, kind):
    orphan = debris(tmp_path, dead_pid, kind=kind)
    atomic.write_text(tmp_path / "history.csv", "epoch\n1\n")
    assert not orphan.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["history.csv"]


def test_every_writer_cleans_its_folder(tmp_path, dead_pid):
    orphan = debris(tmp_path, dead_pid)
    atomic.write_bytes(tmp_path / "a.bin", b"x")
    assert not orphan.exists()
    orphan = debris(tmp_path, dead_pid, kind="tmp")
    with atomic.temporary_path(tmp_path / "b.csv") as tmp:
        tmp.write_text("x")
    assert not orphan.exists()
    orphan = debris(tmp_path, dead_pid)
    with atomic.building_directory(tmp_path / "c") as tmp:
        (tmp / "x").write_text("x")
    assert not orphan.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin", "b.csv", "c"]


def test_a_live_writers_files_are_kept(tmp_path, live_child):
    mine = debris(tmp_path, os.getpid())
    other = debris(tmp_path, live_child.pid, kind="tmp")
    assert atomic.remove_orphans(tmp_path) == []
    assert mine.is_dir() and other.is_file()


def test_a_killed_writer_not_yet_reaped_counts_as_dead(tmp_path):
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        child.kill()
        time.sleep(0.2)  # a zombie until waited for: os.kill(pid, 0) still succeeds
        orphan = debris(tmp_path, child.pid)
        assert atomic.remove_orphans(tmp_path) == [orphan]
    finally:
        child.wait()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_a_reused_process_id_does_not_keep_debris(tmp_path, live_child):
    """The id now belongs to a process started after the debris was last written."""
    orphan = debris(tmp_path, live_child.pid)
    age(orphan, 10 * atomic.CLOCK_SLACK)
    assert atomic.remove_orphans(tmp_path) == [orphan]


@pytest.mark.parametrize("writer", ["another machine", "lcformer 0.1.0"])
def test_debris_of_unknown_writers_goes_after_a_day(tmp_path, writer):
    pid, host = (123, "0badc0de") if writer == "another machine" else (None, HOST)
    recent, old = debris(tmp_path, pid, host), debris(tmp_path, pid, host, kind="tmp")
    age(old, atomic.STALE_AFTER + 60)
    age(recent, atomic.STALE_AFTER - 600)
    assert atomic.remove_orphans(tmp_path) == [old]
    assert recent.is_dir()


def test_other_files_are_never_touched(tmp_path, dead_pid):
    keep = [tmp_path / ".hidden", tmp_path / f".notes.{HOST}-{dead_pid}-x.txt",
            tmp_path / "best.safetensors", tmp_path / f"data.partial-{HOST}-{dead_pid}-ab_d12x9"]
    for path in keep:
        path.write_text("mine")
        age(path, atomic.STALE_AFTER * 3)
    folder = tmp_path / f".x.{HOST}-{dead_pid}-ab_d12x9.tmp"  # a folder with a file's name
    folder.mkdir()
    assert atomic.remove_orphans(tmp_path) == []
    assert all(p.exists() for p in keep) and folder.is_dir()


def test_temporary_names_carry_the_writer(tmp_path):
    with atomic.temporary_path(tmp_path / "a.csv") as tmp:
        assert tmp.name.startswith(f".a.csv.{HOST}-{os.getpid()}-")
        # Not .csv: a reader of a folder by extension (Dask) must not read a killed writer's.
        assert tmp.name.endswith(".tmp") and not tmp.name.endswith(".csv")
    with atomic.building_directory(tmp_path / "prepared") as tmp:
        assert tmp.name.startswith(f".prepared.partial-{HOST}-{os.getpid()}-")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "prepared"]


def test_a_temporary_path_is_on_disk_before_it_is_renamed(tmp_path, monkeypatch) -> None:
    """A crash of the machine after the rename must not leave an empty file under the real
    name (partitioned predict's outputs among them)."""
    synced: list[str] = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(os, "replace", lambda a, b: (synced.append("rename"),
                                                     real_replace(a, b)))
    with atomic.temporary_path(tmp_path / "out.bin") as tmp:
        tmp.write_bytes(b"data")
    assert synced == ["fsync", "rename"]
    assert (tmp_path / "out.bin").read_bytes() == b"data"


def test_one_writer_refuses_a_second_command_and_ends_with_its_process(tmp_path) -> None:
    """Two trainings into one run folder (or two predicts into one --out) would both end
    at exit 0 with a folder of two runs: a second process is refused, however the folder is
    spelt; the holder itself may hold it again (a command, then the run it calls); a killed
    holder holds nothing."""
    from lcformer.errors import ConfigError

    run = tmp_path / "runs" / "r"
    (tmp_path / "link").symlink_to(tmp_path / "runs", target_is_directory=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from lcformer import atomic\n"
         f"with atomic.one_writer({str(run)!r}, 'a run'):\n"
         "    print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        for spelt in (run, tmp_path / "link" / "r", tmp_path / "runs" / "." / "r"):
            with pytest.raises(ConfigError, match=r"runs/r: another lcformer command is "
                                                  r"writing a run there now; wait for it"):
                with atomic.one_writer(spelt, "a run"):
                    pass
        with atomic.one_writer(tmp_path / "runs" / "other", "a run"):  # another folder: free
            pass
    finally:
        holder.kill()
        holder.wait()
    with atomic.one_writer(run, "a run"):  # SIGKILL left no stale lock
        with atomic.one_writer(tmp_path / "link" / "r", "a run"):  # held by this process
            pass
    assert (tmp_path / "runs" / ".r.lcformer-lock").is_file()  # beside the folder


def test_one_writer_refuses_another_thread_and_is_held_again_by_its_own(tmp_path) -> None:
    """Re-entrance by folder alone would let a second thread in, and the first to leave
    release the lock under the other."""
    import threading

    from lcformer.errors import ConfigError

    run, refused = tmp_path / "r", []

    def other() -> None:
        try:
            with atomic.one_writer(run, "a run"):
                pass
        except ConfigError:
            refused.append(True)

    with atomic.one_writer(run, "a run"):
        with atomic.one_writer(run, "a run"):  # the same thread: held again
            pass
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
    assert refused == [True]
    other()  # released: free again
    assert refused == [True]


def test_one_writer_makes_no_file_through_a_dangling_link(tmp_path) -> None:
    """A link planted where the lock file goes: no empty file made where it points."""
    (tmp_path / ".r.lcformer-lock").symlink_to(tmp_path / "elsewhere")
    with atomic.one_writer(tmp_path / "r", "a run"):
        pass
    assert not (tmp_path / "elsewhere").exists()
    assert (tmp_path / "r" / "..lcformer-lock").is_file()  # held in the folder instead
