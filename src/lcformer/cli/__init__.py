"""The ``lcformer`` command line: each command a thin call into the library, its options
generated from the settings dataclasses."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lcformer``. Its commands load here, where Ctrl-C in the second or two they take
    ends as it does later, in one line and status 130, not a traceback of the imports."""
    with printable_anywhere():
        try:
            from lcformer.cli.commands import main as run
        except KeyboardInterrupt:
            print("lcformer: interrupted", file=sys.stderr)
            return 130  # exits.EXIT_INTERRUPTED
        return run(argv)


@contextlib.contextmanager
def printable_anywhere() -> Iterator[None]:
    """Inside, text the output's encoding lacks (a class "Delta Scuti (δ)" printed to a
    Windows cp1252 file) is written as ``\u03b4`` escapes, not raised as an internal
    error that ends the command. Only streams that would fail are changed (a
    handler the user chose, PYTHONIOENCODING=...:replace, is kept), and only meanwhile."""
    changed = []
    for stream in (sys.stdout, sys.stderr):
        errors = getattr(stream, "errors", None)  # (the C locale's ASCII: surrogateescape)
        if (errors in ("strict", "surrogateescape") and hasattr(stream, "reconfigure")
                and not getattr(stream, "closed", False)):
            stream.reconfigure(errors="backslashreplace")
            changed.append((stream, errors))
    try:
        yield
    finally:
        for stream, errors in changed:
            with contextlib.suppress(ValueError):  # (closed meanwhile)
                stream.reconfigure(errors=errors)


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (:func:`lcformer.cli.commands.build_parser`)."""
    from lcformer.cli.commands import build_parser as build

    return build()
