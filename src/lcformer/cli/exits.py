"""How every ``lcformer`` command ends: one line on stderr, a truthful exit status.

A command's failure is the user's to fix (a bad input or option, a path the system refused, a
worker killed for memory: exit 2, one line naming what to fix) or a bug (exit 3, one line, the
traceback with ``--debug``), never a traceback alone; an interruption (Ctrl-C, a scheduler's
SIGTERM, a reader that stopped reading) stops cleanly with the status a shell expects. The
statuses are :data:`EXIT_STATUS`, which ``lcformer --help`` shows. :func:`run_command` does
this around a command; :mod:`lcformer.cli.commands` builds the parser and picks the command.
"""

from __future__ import annotations

import argparse
import errno
import os
import re
import signal
import sys
import traceback
import typing
import warnings
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from lcformer.errors import LcformerError
from lcformer.hardware import first_process, launched

EXIT_NOTHING, EXIT_USER, EXIT_INTERNAL, EXIT_INTERRUPTED = 1, 2, 3, 130
EXIT_PIPE = 141  # 128 + SIGPIPE, as a shell reports a command whose reader went away
EXIT_TERMINATED = 143  # 128 + SIGTERM: a batch scheduler's end of a job (its time limit)
EXIT_STATUS = """exit status:
  0    done
  1    nothing produced (prepare kept 0 stars, predict classified 0), or predict left
       out input it could not read (incomplete)
  2    an error in the input, the options or a file, or a path the system refused (one
       line on stderr naming it), or out of memory (a --jobs worker process killed too)
  3    an internal error: a bug (rerun with --debug for the traceback and report it)
  130  interrupted (Ctrl-C)
  141  the output's reader stopped reading (lcformer ... | head)
  143  terminated (SIGTERM: a batch scheduler's time limit, kill)"""


def run_command(command: Callable[[argparse.Namespace], int],
                args: argparse.Namespace) -> int:
    """``command(args)``, its every failure ending as one line on stderr and an exit status of
    :data:`EXIT_STATUS` (with ``--debug``, after its traceback); SIGTERM stops it as Ctrl-C
    does, and lcformer's warnings are one line each while it runs."""
    debug = bool(getattr(args, "debug", False))
    python_format = warnings.formatwarning  # catch_warnings does not restore it
    restore_sigterm = _raise_on_sigterm()
    try:
        if not debug:  # how they print; caught (recorded) ones are left alone
            warnings.formatwarning = _one_line_warning
        return _stop_signals_in_c_calls(command, args)
    except Terminated:  # a scheduler's end: the same clean stop as Ctrl-C, said so
        if not _other_rank():
            again = {"train": "; rerun to continue (train: --resume continues it)",
                     "predict": _predict_again(args)}.get(args.command, "; rerun to continue")
            # torchrun ends the others so when one fails (a rank's missing data folder
            # is no scheduler's end, and no run may have begun to --resume)
            peer = ("; under torchrun another process may have stopped first: its own line "
                    "says why, and once that is fixed, rerun"
                    if launched() else "")
            print(f"lcformer: terminated (SIGTERM){again}{peer}", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        if not _other_rank():  # (train's Ctrl-C: --resume continues)
            again = {"train": "; rerun with --resume to continue",
                     "predict": _predict_again(args)}.get(args.command, "")
            print(f"lcformer: interrupted{again}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `lcformer ... | head`: stop quietly, as other Unix tools do
        # Python flushes stdout at exit and would fail again: point it at /dev/null.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_PIPE
    except LcformerError as error:
        if debug:
            traceback.print_exc()
        print(f"{_error_prefix()}: {_one_line(error)}", file=sys.stderr)
        return EXIT_USER
    except OSError as error:  # the system refused a path (no such folder, no permission,
        if _out_of_memory(error):  # a full disk): the user's to fix, not a bug
            return _memory_error(error, args, debug)
        if debug:
            traceback.print_exc()
        output = next((str(v) for k in ("out", "run_dir", "work_dir")
                       if (v := getattr(args, k, None))), None)
        print(f"{_error_prefix()}: {_refused_path(error, output)}", file=sys.stderr)
        return EXIT_USER
    except BrokenProcessPool:  # a --jobs worker killed (most often for memory): not a bug
        if debug:
            traceback.print_exc()
        again = " (--resume)" if args.command == "train" else ""
        print(f"{_error_prefix()}: a worker process of --jobs was killed, most often by the "
              f"system for want of memory: rerun{again} with fewer --jobs (a partitioned "
              f"predict continues where it stopped)", file=sys.stderr)
        return EXIT_USER
    except Exception as error:  # a bug: say so in one line, the traceback on request
        if _out_of_memory(error):  # the machine's memory, or a ulimit (a small laptop's):
            return _memory_error(error, args, debug)  # not a bug to report
        return _internal_error(error, args, debug)
    finally:
        warnings.formatwarning = python_format
        restore_sigterm()


#: Words of the errors that running out of memory raises outside Python's MemoryError:
#: torch's CPU allocator, CUDA, a library that could not be mapped (a ulimit), fork or mmap.
MEMORY_WORDS = ("can't allocate memory", "not enough memory", "CUDA out of memory",
                "CUDA error: out of memory", "Cannot allocate memory", "failed to map segment")


def _out_of_memory(error: BaseException | None) -> bool:
    """Whether ``error`` (or what caused it) is the machine's memory running out: a
    MemoryError, torch's OutOfMemoryError, ENOMEM, or a message of :data:`MEMORY_WORDS` (but
    a library its file system forbids to run: "Operation not permitted")."""
    while error is not None:
        text = str(error)
        if (isinstance(error, MemoryError) or type(error).__name__ == "OutOfMemoryError"
                or getattr(error, "errno", None) == errno.ENOMEM
                or (any(words in text for words in MEMORY_WORDS)
                    and "not permitted" not in text)):
            return True
        error = error.__cause__ or error.__context__
    return False


def _memory_error(error: BaseException, args: argparse.Namespace, debug: bool) -> int:
    """Out of memory: one line with the error and what to try (exit 2); a size that no
    machine has may be a bug, so the traceback is offered."""
    if debug:
        traceback.print_exc()
    hint = "" if debug else "; rerun with --debug for the traceback if it looks like a bug"
    print(f"{_error_prefix()}: out of memory ({_one_line(error)}): {_less_memory(args)}{hint}",
          file=sys.stderr)
    return EXIT_USER


def _internal_error(error: Exception, args: argparse.Namespace, debug: bool) -> int:
    """A bug: said in one line, the traceback on request (or another torchrun process gone)."""
    if debug:
        traceback.print_exc()
    if _peer_stopped(error):  # another torchrun process died: not this one's bug
        # (it may have stopped on an input error, before any run folder: not --resume)
        again = ("once that is fixed, rerun (with --resume where the run had begun its "
                 "epochs)" if args.command == "train" else "once that is fixed, rerun")
        print(f"lcformer: interrupted: another process of this torchrun stopped "
              f"({_one_line(error)[:160]}): its own line says why; {again}",
              file=sys.stderr)
        return EXIT_INTERRUPTED
    hint = "" if debug else "; rerun with --debug for the traceback"
    print(f"{_error_prefix('internal error')}: {type(error).__name__}: "
          f"{_one_line(error)}{hint} "
          f"(a bug: please report it)", file=sys.stderr)
    return EXIT_INTERNAL


def _less_memory(args: argparse.Namespace) -> str:
    """What to try where a command ran out of memory, in the options it has."""
    options = _options_of(args.command)
    tries = [f"fewer stars ({'--classes, or ' if '--classes' in options else ''}a smaller "
             f"input)"]
    if "--batch-size" in options:
        tries.append("a smaller --batch-size")
    if getattr(args, "jobs", 1) not in (None, 1):
        tries.append("--jobs 1")
    if args.command == "predict":
        tries = ["the input in Parquet partitions (a folder of them is read one at a time)"]
    again = " (train: --resume continues a run whose epochs had begun)" if (
        args.command == "train") else ""
    return f"try {', or '.join(tries)}, or a machine with more memory{again}"


def _options_of(command: str) -> set[str]:
    """The option strings ``lcformer COMMAND`` takes (none where it cannot be told)."""
    from lcformer.cli.commands import build_parser

    try:
        sub = next(a for a in build_parser()._actions
                   if isinstance(a, argparse._SubParsersAction))
        return {o for action in sub.choices[command]._actions for o in action.option_strings}
    except Exception:  # (in an error handler: never a second error)
        return set()


def _one_line(error: BaseException | str) -> str:
    text = "; ".join(line.strip() for line in str(error).splitlines() if line.strip())
    return text or type(error).__name__


def _refused_path(error: OSError, output: str | None = None) -> str:
    """'PATH: reason; what to do' for a file or folder the system refused (``output``: where
    the command writes, named for a full disk, whose error names no file)."""
    reason = error.strerror or _one_line(error)
    short = re.search(r"\d+ requested and \d+ written", str(error)) is not None
    if short:  # numpy's short write (np.save on a full disk: no file named, no cause)
        reason = f"{reason}: a write cut short, the disk full?"
    full = short or error.errno == errno.ENOSPC or f"[errno {errno.ENOSPC}]" in str(error)
    if error.filename is None and full and output:
        return f"{output}: cannot write there ({reason}); free some space, or write elsewhere"
    if error.filename is None:
        return f"{reason}; check the paths given and the free space"
    path = Path(os.fsdecode(error.filename))
    if error.filename2 is not None and isinstance(error, IsADirectoryError):
        # An atomic write's rename onto a folder of the output's name.
        return f"{os.fsdecode(error.filename2)}: is a folder; give the output a file name"
    if isinstance(error, FileExistsError) and not path.is_dir():  # a file, or a dead link
        return (f"{path}: cannot be made a folder: it, or a folder above it, is a file; give "
                f"a folder's name")
    if isinstance(error, NotADirectoryError):
        return f"{path}: it, or a folder above it, is a file, not a folder; check the path"
    if path.name.startswith(".") and (".tmp" in path.name or ".partial-" in path.name):
        # an atomic write's temporary file or folder (.eros1-a3e2....partial-5bce...,
        # meaningless to a user), named by the folder it was made in
        return f"{path.parent}: cannot write there ({reason}); give a folder you can write to"
    return f"{path}: {reason}; check the path, and that it can be read or written"


_PYTHON_FORMAT = warnings.formatwarning


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, line: str | None = None) -> str:
    """lcformer's own warnings as one line, as its errors are (not Python's source line);
    other libraries' as Python shows them, naming where they come from."""
    if Path(filename).resolve().is_relative_to(Path(__file__).resolve().parents[1]):
        return f"lcformer: warning: {_one_line(message)}\n"
    return _PYTHON_FORMAT(message, category, filename, lineno, line)


def _predict_again(args: argparse.Namespace) -> str:
    """What a rerun of a stopped predict does: a folder of partitions continues where it
    stopped; one file is written only at its end, so nothing of it was."""
    from lcformer.data.reading.partitions import partition_paths

    try:
        partitioned = bool(partition_paths(str(getattr(args, "input", ""))))
    except (OSError, LcformerError):
        partitioned = False
    if partitioned:
        return " (a rerun continues where it stopped)"
    return (" (nothing written: one file's predictions are written at its end, so a rerun "
            "starts again; a folder of Parquet partitions continues where it stopped)")


def _peer_stopped(error: Exception) -> bool:
    """A collective that failed because another torchrun process is gone (gloo's words)."""
    if not launched():  # torchrun's variables (its process group is gone by now); not torch's
        return False    # (asking torch after it failed to load, out of memory, fails again)
    text = str(error)
    return any(words in text for words in ("closed by peer", "Connection reset by peer",
                                           "remote worker crashing"))


def _other_rank() -> bool:
    """A torchrun process other than rank 0: it leaves Ctrl-C's line to rank 0, as it leaves
    printing, and says its rank in its errors."""
    return launched() and not first_process()


def _error_prefix(kind: str = "error") -> str:
    """``lcformer: error`` (or another ``kind``), with the process's rank for a torchrun
    process other than rank 0: such a process may meet an error rank 0 does not (a node
    without the data folder), and printed by rank 0 alone it would be lost behind the others'
    "another process stopped"."""
    if _other_rank():
        return f"lcformer: {kind} (rank {os.environ['RANK']} of {os.environ['WORLD_SIZE']})"
    return f"lcformer: {kind}"


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is, so that it stops as on Ctrl-C: its worker
    processes stopped, no partial output left under its real name."""


def _raise_on_sigterm() -> Callable[[], None]:
    """Make SIGTERM raise :class:`Terminated` (by default it kills lcformer without a word); returns
    what puts the handler before back (nothing to do outside the main thread, where signals
    cannot be set)."""
    def handler(signum: int, frame: typing.Any) -> None:
        raise Terminated

    try:
        before = signal.signal(signal.SIGTERM, handler)
    except ValueError:
        return lambda: None
    return lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL if before is None else before)


def _stop_signals_in_c_calls(func: Callable[[argparse.Namespace], int],
                             args: argparse.Namespace) -> int:
    """``func(args)``, where Ctrl-C or SIGTERM raised while ctypes converts a C call's
    arguments (finufft's, in the period search) stops as they do elsewhere: ctypes turns
    the exception into an ``ArgumentError`` ("argument 8: Terminated: "), which would end
    as an internal error, exit 3."""
    import ctypes

    try:
        return func(args)
    except ctypes.ArgumentError as error:
        raised = str(error).split(": ")[1] if ": " in str(error) else ""
        if raised == Terminated.__name__:
            raise Terminated from error
        if raised == KeyboardInterrupt.__name__:
            raise KeyboardInterrupt from error
        raise
