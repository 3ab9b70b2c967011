"""The main job on the embedded synthetic data: prepare, train, evaluate, write figures.

``DEMO_RUN`` is the one definition of the demo's settings (the CLI's ``lcformer demo`` options
show its values as their defaults): the best measured for the encoder on this data in a few
CPU minutes, with pairs that also carry the scaled magnitude, a pooled head and time positions.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lcformer.data.datasets import prepare_dataset, resolve, work_dir
from lcformer.data.tokens import TokenConfig
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig, TrainConfig

if TYPE_CHECKING:
    from lcformer.data.prepared import PreparedDataset
    from lcformer.evaluation.records import RunRecord

DEMO_RUN = RunConfig(
    model=ModelConfig(name="encoder", emb=32, heads=4, head="pooled", position="time"),
    train=TrainConfig(epochs=20, batch_size=64, lr=2e-3, schedule="cosine", warmup_epochs=1),
)
DEMO_PAIRS = "dt_dm_mag"


def run_demo(run: RunConfig = DEMO_RUN, data_dir: str | None = None, work: str | None = None,
             progress: bool = True) -> tuple[PreparedDataset, RunRecord, Path]:
    """Prepare ``synthetic``, train ``run`` on it; returns (data, test record, run folder)."""
    from lcformer.training.runs import train_run

    spec, _ = resolve("synthetic", data_dir)
    tokens: TokenConfig = spec.tokens.replace(pair_features=DEMO_PAIRS)
    data, _ = prepare_dataset("synthetic", spec.prepare_config(tokens=tokens), data_dir, work,
                              progress=progress)
    run_dir = work_dir(work) / "runs" / "demo-synthetic-encoder"
    return data, train_run(data, run, run_dir, progress=progress), run_dir
