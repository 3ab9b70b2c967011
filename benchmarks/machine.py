"""What machine a benchmark ran on, shared by the benchmark scripts (the runs' own lookup)."""

from __future__ import annotations

from lcformer.hardware import cpu_model

__all__ = ["cpu_model"]
