"""Atomic writes: a file or folder appears complete or not at all.

An interrupted run must never leave something that looks finished, so everything is written to
a temporary name in the same folder and renamed into place (``os.replace`` is atomic on POSIX).

A writer killed with SIGKILL cannot clean up, so temporary names carry the writer's machine and
process id (``.NAME.HOST-PID-XXXXXXXX.tmp``, ``.NAME.partial-HOST-PID-XXXXXXXX``), and every
writer first removes the debris of dead writers in the folder it writes to
(:func:`remove_orphans`). A live writer's files are never touched: only a process id that no
longer runs (or now belongs to a process started after the file was last written) on this
machine marks debris; names from other machines, or from lcformer 0.1.0, after a day.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Debris whose writer cannot be checked (another machine, an older lcformer) is removed when
#: it has not changed for this long.
STALE_AFTER = 24 * 3600.0
#: Clock slack when comparing a process's start with a file's modification time.
CLOCK_SLACK = 60.0

_HOST = hashlib.sha256(socket.gethostname().encode()).hexdigest()[:8]
_WRITER = r"(?:(?P<host>[0-9a-f]{8})-(?P<pid>\d+)-)?[a-z0-9_]{8}"
_PARTIAL = re.compile(rf"^\..+\.partial-{_WRITER}$")
_TEMP = re.compile(rf"^\..+\.{_WRITER}\.tmp(?:\.[^.]*)?$")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _as_normal_file(tmp: str) -> None:
    """mkstemp makes 0600 files; give the result the mode a plain open() would."""
    os.chmod(tmp, 0o666 & ~_umask())


def _tag() -> str:
    """This writer in a temporary name: machine (hashed) and process id."""
    return f"{_HOST}-{os.getpid()}-"


@functools.cache
def _boot_time() -> float | None:
    try:
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return float(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def _writer_gone(pid: int, last_written: float) -> bool:
    """Whether process ``pid`` of this machine can no longer be writing a file last modified
    at ``last_written``: it does not run, is a zombie, or started after that."""
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # it runs, as another user
    except (OverflowError, ValueError):
        return True
    try:  # Linux: state and start time (clock ticks after boot) from /proc
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        state, started = fields[0], int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return False  # it runs; nothing more is known
    if state in ("Z", "X"):  # killed, waiting for its parent to reap it
        return True
    boot = _boot_time()
    return boot is not None and boot + started > last_written + CLOCK_SLACK  # id reused


def is_temporary(name: str) -> bool:
    """Whether ``name`` is a temporary file's name of :func:`temporary_path` (or of the
    writers of text, JSON and bytes), this lcformer's or an earlier one's."""
    return _TEMP.match(name) is not None


def remove_orphans(folder: str | os.PathLike) -> list[Path]:
    """Remove the temporary files and ``.partial-*`` folders of dead writers in ``folder``;
    returns what was removed. Safe to call while other writers work there."""
    try:
        entries = list(os.scandir(folder))
    except (FileNotFoundError, NotADirectoryError):
        return []
    removed = []
    now = time.time()
    for entry in entries:
        if not entry.name.startswith("."):
            continue
        match = _PARTIAL.match(entry.name) or _TEMP.match(entry.name)
        if match is None:
            continue
        try:
            is_dir = entry.is_dir(follow_symlinks=False)
            mtime = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:
            continue
        if is_dir != (match.re is _PARTIAL):
            continue
        if match["host"] == _HOST:
            gone = _writer_gone(int(match["pid"]), mtime)
        else:  # another machine's writer, or a name without one (lcformer 0.1.0)
            gone = now - mtime > STALE_AFTER
        if not gone:
            continue
        if is_dir:
            shutil.rmtree(entry.path, ignore_errors=True)
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
        removed.append(Path(entry.path))
    return removed


def write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_tag()}", suffix=".tmp", dir=path.parent)
    _as_normal_file(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def write_text(path: str | os.PathLike, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: str | os.PathLike, data: Any) -> Path:
    return write_text(path, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


@contextlib.contextmanager
def temporary_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary file path next to ``path``; rename it into place on success.

    For writers that want a filename (``DataFrame.to_parquet``, ``safetensors``). The name
    ends in ``.tmp``, not in ``path``'s extension, so that readers of a folder by extension
    (Dask's ``read_parquet``) do not take a killed writer's file for an output; a writer that
    picks its format by extension must be told it.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(path.parent)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{_tag()}", suffix=".tmp",
                               dir=path.parent)
    os.close(fd)
    _as_normal_file(tmp)
    try:
        yield Path(tmp)
        with open(tmp, "rb") as written:  # on disk before its name is: a crash of the
            os.fsync(written.fileno())    # machine leaves no empty file under the real name
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def building_directory(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary folder; on success it replaces ``path`` in one rename.

    An interrupted build leaves only a hidden ``.name.partial-*`` folder, never ``path`` itself;
    the next build in the same folder removes it once its writer is dead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_orphans(path.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.partial-{_tag()}", dir=path.parent))
    os.chmod(tmp, 0o777 & ~_umask())
    try:
        yield tmp
        if path.exists():
            shutil.rmtree(path)
        os.replace(tmp, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def aside_path(path: str | os.PathLike) -> Path:
    """Where an earlier result at ``path`` is set aside: ``NAME.old``, else the first of
    ``NAME.old.2``, ``NAME.old.3``... not taken, so that setting one aside never replaces
    another (three runs on one shared default folder would lose the first)."""
    path = Path(path)
    aside, n = path.with_name(path.name + ".old"), 1
    while aside.exists() or aside.is_symlink():
        n += 1
        aside = path.with_name(f"{path.name}.old.{n}")
    return aside


#: The lock file beside a folder that one command at a time fills (:func:`one_writer`), or,
#: where its parent cannot be written, in it.
LOCK_NAME = ".{}.lcformer-lock"
#: The folders this process holds, by thread, and how many times (a command holds its
#: folder, and the run it calls holds it again).
_HELD: dict[tuple[Path, int], int] = {}


@contextlib.contextmanager
def one_writer(folder: str | os.PathLike, what: str, kind: str = "folder") -> Iterator[None]:
    """Hold ``folder`` for this process while it fills it (a run folder, a partitioned
    prediction's outputs): another lcformer command started on it meanwhile is refused
    (two trainings into one run folder, or two predicts into one --out, would each write
    its part and end at exit 0, leaving a folder of two runs). An operating-system lock
    (``flock``), which ends with its process, killed or not: no stale lock to clear. The
    file is beside the folder (a run folder's outputs may be moved aside while held), or in
    it where the parent cannot be written and the file is not there. Held again by the same
    thread, it is not taken twice; another thread of the process is refused as another
    process is. Nothing is held on a system without ``flock`` (Windows), on a file system
    that refuses locks, or where the lock file can be neither opened nor made (a read-only
    folder: the command fails where it writes). ``kind``: what the refusal calls
    ``folder``: a single predictions file is held so too."""
    folder = Path(folder).resolve()  # one lock however the path is spelt (a link, ".")
    key = (folder, threading.get_ident())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    handle = _locked(folder, what, kind)
    if handle is None:
        yield
        return
    _HELD[key] = 1
    try:
        yield
    finally:
        del _HELD[key]
        os.close(handle)  # releases the lock


def _lock_file(path: Path) -> int | None:
    """A descriptor of the lock file ``path``: opened for writing where it may be (NFS locks
    only such), else for reading (another user's file); made, readable by all, where it is
    not there. None where it is there and cannot be opened, or cannot be made."""
    for flags in (os.O_RDWR, os.O_RDONLY):
        try:
            return os.open(path, flags)
        except FileNotFoundError:
            break
        except OSError:
            continue
    else:
        return None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # not through a link left there (it would make a file where the link points)
        handle = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except OSError:
        return None
    with contextlib.suppress(OSError):
        os.fchmod(handle, 0o644)  # another user's command must open it, whatever the umask
    return handle


def _locked(folder: Path, what: str, kind: str) -> int | None:
    """A descriptor of ``folder``'s lock file, locked; None where none can be had."""
    try:
        import fcntl
    except ImportError:  # Windows
        return None
    beside = folder.parent / LOCK_NAME.format(folder.name)
    handle = _lock_file(beside)
    if handle is None and not beside.exists():  # a parent that cannot be written
        handle = _lock_file(folder / LOCK_NAME.format(""))
    if handle is None:
        return None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(handle)
        from lcformer.errors import ConfigError

        raise ConfigError(f"{folder}: another lcformer command is writing {what} there now; "
                          f"wait for it to end, or give another {kind}") from None
    except OSError as error:
        os.close(handle)
        if error.errno in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOTSUP, errno.ENOSYS,
                           errno.EBADF, errno.EINVAL):  # (ENOTSUP: macOS's smbfs, FUSE)
            return None  # a file system without locks (or, read-only, without NFS's)
        raise
    return handle
