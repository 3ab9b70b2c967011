"""Data-parallel training under ``torchrun``: the process group and what the ranks share.

``torchrun --standalone --nproc_per_node=N -m lcformer train ...`` starts N copies of the
command with ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK`` and the rendezvous address in their
environment. :func:`session` joins them into one process group (gloo on CPU, NCCL on CUDA,
one GPU per process); without ``WORLD_SIZE`` it does nothing and training is exactly as in one
process. The training loop (:mod:`lcformer.training.loop`) asks :func:`is_distributed`,
:func:`rank` and :func:`world_size`; only rank 0 writes files.

Values the ranks must agree on (a validation row, the test record) travel as JSON
(:func:`broadcast_json`), never as pickles.
"""

from __future__ import annotations

import datetime
import gc
import json
import os
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.distributed as dist

from lcformer.hardware import AUTO_DEVICE, launched

__all__ = ["launched"]  # (defined in hardware, without torch; used from here too)


def is_distributed() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if is_distributed() else 0


def world_size() -> int:
    return dist.get_world_size() if is_distributed() else 1


def local_rank() -> int:
    return int(os.environ.get("LOCAL_RANK", "0"))


def is_main() -> bool:
    """Rank 0, the one process that writes files and prints (True when not distributed)."""
    return rank() == 0


def uses_cuda(device: str) -> bool:
    return device.startswith("cuda") or (device == AUTO_DEVICE and torch.cuda.is_available())


#: How long a process waits for the others at a collective. While rank 0 alone prepares a
#: survey (its period search), validates or evaluates, the others wait at a barrier or a
#: broadcast: torch's default (30 minutes for gloo, 10 for NCCL) ended such waits in a crash.
#: A process that dies is noticed by torchrun, which stops the others, not by this timeout.
GROUP_TIMEOUT = datetime.timedelta(hours=24)


def init(device: str = AUTO_DEVICE) -> bool:
    """Join torchrun's process group (from its environment variables); False when this
    process was not launched by torchrun. NCCL when training on CUDA, else gloo."""
    if not launched() or is_distributed():
        return False
    cuda = uses_cuda(device)
    if cuda:
        torch.cuda.set_device(local_rank())
    dist.init_process_group(backend="nccl" if cuda else "gloo", init_method="env://",
                            timeout=GROUP_TIMEOUT)
    return True


def cleanup() -> None:
    """Destroy the process group now. A DistributedDataParallel wrapper left in a reference
    cycle holds the group until the interpreter exits, and the group torn down then aborts the
    process (SIGABRT, "terminate called without an active exception") after a run that
    succeeded: collect such garbage first."""
    if is_distributed():
        gc.collect()
        dist.destroy_process_group()


@contextmanager
def session(device: str = AUTO_DEVICE) -> Iterator[None]:
    """The process group for the duration of a command (nothing when not under torchrun)."""
    started = init(device)
    try:
        yield
    except BaseException as error:
        # The traceback's finished frames hold what they held (a DDP wrapper, its group)
        # until the error is printed; release them before the group is destroyed.
        if started:
            traceback.clear_frames(error.__traceback__)
        raise
    finally:
        if started:
            cleanup()


def barrier() -> None:
    if is_distributed():
        dist.barrier()


@contextmanager
def main_first() -> Iterator[None]:
    """Rank 0 runs the block first (say, preparing the dataset into its cache folder), the
    other ranks after it, when they find its result (the cached folder) ready."""
    if not is_main():
        barrier()
    yield
    if is_main():
        barrier()


def _collective_device() -> torch.device:
    """NCCL moves CUDA tensors only; gloo CPU tensors."""
    if dist.get_backend() == "nccl":
        return torch.device("cuda", torch.cuda.current_device())
    return torch.device("cpu")


def broadcast_json(value: Any = None, source: int = 0) -> Any:
    """``value`` of rank ``source`` on every rank, sent as UTF-8 JSON (no pickle); the value
    itself when not distributed."""
    if not is_distributed():
        return value
    where = _collective_device()
    payload = json.dumps(value, default=str).encode() if rank() == source else b""
    size = torch.tensor([len(payload)], dtype=torch.int64, device=where)
    dist.broadcast(size, source)
    buffer = (torch.frombuffer(bytearray(payload), dtype=torch.uint8).to(where)
              if rank() == source else torch.empty(int(size.item()), dtype=torch.uint8,
                                                   device=where))
    dist.broadcast(buffer, source)
    return value if rank() == source else json.loads(buffer.cpu().numpy().tobytes().decode())


def all_reduce_sum(value: torch.Tensor) -> torch.Tensor:
    """The sum over ranks of ``value`` (on every rank); ``value`` itself when not
    distributed."""
    if not is_distributed():
        return value
    total = value.detach().clone().to(_collective_device())
    dist.all_reduce(total, op=dist.ReduceOp.SUM)
    return total.to(value.device)
