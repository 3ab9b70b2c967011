"""The ``lcformer`` command line: each command a thin call into the library, its options
generated from the settings dataclasses."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import argparse

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``lcformer``. Its commands load here, where Ctrl-C in the second or two they take
    ends as it does later, in one line and status 130 (QA: a traceback of the imports)."""
    printable_anywhere()
    try:
        from lcformer.cli.commands import main as run
    except KeyboardInterrupt:
        print("lcformer: interrupted", file=sys.stderr)
        return 130  # exits.EXIT_INTERRUPTED
    return run(argv)


def printable_anywhere() -> None:
    """Text the terminal's or file's encoding lacks (a class "Delta Scuti (δ)" printed to a
    Windows cp1252 file) written as ``\u03b4`` escapes: it ended every command that printed
    it as an internal error (QA)."""
    for stream in (sys.stdout, sys.stderr):
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if encoding != "utf8" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (:func:`lcformer.cli.commands.build_parser`)."""
    from lcformer.cli.commands import build_parser as build

    return build()
