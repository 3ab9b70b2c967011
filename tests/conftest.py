"""Shared fixtures. Real survey data is found from LCFORMER_DATA_DIR or ../shared/data."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import settings

REPO = Path(__file__).resolve().parents[1]

# Property tests draw the same examples on every run (a seed per test), so that a run passes or
# fails on the code, not on the draw; HYPOTHESIS_PROFILE=explore draws new examples each run,
# to look for bugs the fixed draw misses.
settings.register_profile("repeatable", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def real_data_root() -> Path | None:
    env = os.environ.get("LCFORMER_DATA_DIR")
    for candidate in ([Path(env)] if env else []) + [REPO.parent / "shared" / "data"]:
        if candidate.is_dir():
            return candidate
    return None


@pytest.fixture(scope="session")
def data_root() -> Path:
    """The real-data root; tests using it are skipped, with the reason, when it is absent."""
    root = real_data_root()
    if root is None:
        pytest.skip(
            "real survey data not found: set LCFORMER_DATA_DIR to the folder holding "
            "asas_acvs/, eros1/, asas_richards2012/, macho_samples/ (CI has ../shared/data)"
        )
    return root


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``realdata`` get the data_root fixture, hence the skip when data is absent."""
    for item in items:
        if item.get_closest_marker("realdata") and "data_root" not in item.fixturenames:
            item.fixturenames.append("data_root")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture(autouse=True)
def one_torch_thread():
    """One torch thread per test: on 2 shared cores, tiny models run ~100x faster this way."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture
def tiny_synthetic(tmp_path, monkeypatch):
    """The CLI's `synthetic` dataset at 30 stars of 42 points, run from tmp_path: nothing is
    written in the repository."""
    from lcformer.data import datasets
    from lcformer.data.synthetic import SyntheticConfig, make_synthetic

    tiny = SyntheticConfig(n_per_class=10, num=84)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(datasets.WORK_DIR_ENV, str(tmp_path / "env-work"))
    spec = dataclasses.replace(datasets.REGISTRY["synthetic"],
                               read=lambda folder, report: make_synthetic(tiny))
    monkeypatch.setitem(datasets.REGISTRY, "synthetic", spec)


@contextlib.contextmanager
def held_elsewhere(folder: Path, what: str = "a run") -> Iterator[None]:
    """``folder`` held (lcformer.atomic.one_writer) by another process, as by another
    command running on it, while the block runs."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import time; from lcformer import atomic\n"
         f"with atomic.one_writer({str(folder)!r}, {what!r}):\n"
         "    print('held', flush=True); time.sleep(120)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        holder.kill()
        holder.wait()
