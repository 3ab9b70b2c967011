"""What a run or a benchmark ran on, in words, for metrics files and results tables."""

from __future__ import annotations

import platform
from pathlib import Path


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (Linux), else what platform knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def hardware() -> str:
    """The device a model trains on: the CUDA GPU if present, else the CPU and its threads."""
    import torch  # here, so that the benchmarks of data preparation need no torch

    if torch.cuda.is_available():
        return f"CUDA {torch.cuda.get_device_name(0)}"
    threads = torch.get_num_threads()
    return f"CPU {cpu_model()}, {threads} thread{'s' if threads > 1 else ''}"


def cpu_jobs(n_jobs: int) -> str:
    """scikit-learn's n_jobs in words (-1 means every core)."""
    if n_jobs < 0:
        return "all cores" if n_jobs == -1 else f"all cores but {-n_jobs - 1}"
    return f"{n_jobs} job{'s' if n_jobs != 1 else ''}"
