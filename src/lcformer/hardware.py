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


def hardware(device: str | None = None, processes: int = 1) -> str:
    """The device a model trains on: ``device`` ("cpu", "cuda", "cuda:1"; default the CUDA
    GPU if present, else the CPU) with the CPU's threads, and the ``processes`` of a torchrun
    run (each with as many)."""
    import torch  # here, so that the benchmarks of data preparation need no torch

    if device is None:
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if str(device).startswith("cuda"):
        text = f"CUDA {torch.cuda.get_device_name(torch.device(device))}"
    else:
        threads = torch.get_num_threads()
        text = f"CPU {cpu_model()}, {threads} thread{'s' if threads > 1 else ''}"
    return text if processes == 1 else f"{text}, x {processes} processes"


def cpu_jobs(n_jobs: int) -> str:
    """scikit-learn's n_jobs in words (-1 means every core)."""
    if n_jobs < 0:
        return "all cores" if n_jobs == -1 else f"all cores but {-n_jobs - 1}"
    return f"{n_jobs} job{'s' if n_jobs != 1 else ''}"
