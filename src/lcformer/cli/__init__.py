"""The ``lcformer`` command line: each command a thin call into the library, its options
generated from the settings dataclasses."""

from lcformer.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
