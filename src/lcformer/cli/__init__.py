"""The ``lcformer`` command line (``commands``), its options generated from the settings
dataclasses (``options``)."""

from lcformer.cli.commands import build_parser, main

__all__ = ["build_parser", "main"]
