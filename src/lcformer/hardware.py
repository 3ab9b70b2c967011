"""The machine: the device a model runs on (:func:`pick_device`), and what a run or a
benchmark ran on, in words, for metrics files and results tables (:func:`hardware`).

Training, prediction, figures and the commands all choose their device here. torch is
imported where it is used, so that the benchmarks of data preparation need none.
"""

from __future__ import annotations

import os
import platform
import re
from pathlib import Path
from typing import TYPE_CHECKING

from lcformer.errors import ConfigError

if TYPE_CHECKING:
    import torch

#: The devices lcformer takes, by name; "auto" is CUDA when present, else the CPU.
AUTO_DEVICE = "auto"
DEVICE_PATTERN = re.compile(r"auto|cpu|cuda(:\d+)?")


def launched() -> bool:
    """Whether this process was started by torchrun (or another launcher setting WORLD_SIZE).
    Here, without torch, for the code that asks before torch is imported."""
    return "WORLD_SIZE" in os.environ


def first_process() -> bool:
    """Whether this process prints and writes: the only one, or torchrun's rank 0."""
    return os.environ.get("RANK", "0") == "0"


def device_problem(name: str) -> str:
    """Why ``name`` is no device lcformer takes."""
    return f"device must be auto, cpu, cuda or cuda:N, got {name!r}"


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


def pick_device(name: str = AUTO_DEVICE) -> torch.device:
    """The device ``name`` means for this process (auto: CUDA when present); under torchrun on
    CUDA, one GPU a rank."""
    import torch

    from lcformer.training.distributed import is_distributed, local_rank

    if not DEVICE_PATTERN.fullmatch(name):  # torch knows more (mps, xpu...): lcformer not
        raise ConfigError(f"--{device_problem(name)}")  # as the next check, by its option
    if name == AUTO_DEVICE:
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if re.fullmatch(r"cuda(:\d+)?", name):
        index = int(name.partition(":")[2] or 0)
        if not torch.cuda.is_available() or index >= torch.cuda.device_count():
            found = (f"{torch.cuda.device_count()} CUDA device(s)" if torch.cuda.is_available()
                     else "no CUDA device (or a CPU build of torch)")
            raise ConfigError(f"--device {name}: this machine has {found}; give --device "
                              f"cpu, or auto (CUDA where present)")
    if is_distributed() and name == "cuda":
        return torch.device("cuda", local_rank())
    return torch.device(name)
