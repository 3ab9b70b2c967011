"""The main job on the embedded synthetic data: prepare, train, evaluate, write figures.

``DEMO_RUN`` is the one definition of the demo's settings (the CLI's ``lcformer demo`` options
show its values as their defaults): the product's default model, ``periodic``, on star views
(every point of a star, folded at its period and unfolded) with the light-curve features fused,
and trees on the per-star values beside it (a random forest and boosting), sized to train in
a few CPU minutes. Its network trains for at most 2 minutes (``time_limit``), so that the
whole demo stays within its 3 minutes on a slower machine than the 2-core one it was sized on
(there its 20-30 epochs take under a minute, and the limit changes nothing).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lcformer.data.datasets import prepare_dataset, resolve, work_dir
from lcformer.models.config import STAR_MODEL
from lcformer.models.registry import spec
from lcformer.training.config import RunConfig

if TYPE_CHECKING:
    from lcformer.data.prepared import PreparedDataset
    from lcformer.evaluation.records import RunRecord

_PERIODIC = RunConfig.for_model(STAR_MODEL)
DEMO_RUN = _PERIODIC.replace(train=_PERIODIC.train.replace(time_limit=2.0))


def run_demo(run: RunConfig = DEMO_RUN, data_dir: str | None = None, work: str | None = None,
             progress: bool = True) -> tuple[PreparedDataset, RunRecord, Path]:
    """Prepare ``synthetic``, train ``run`` on it; returns (data, test record, run folder)."""
    from lcformer.training.run_folder import run_dir_name
    from lcformer.training.runs import train_run

    dataset, _ = resolve("synthetic", data_dir)
    prepare = dataset.prepare_config(inputs=spec(run.model.name).inputs)
    data, _ = prepare_dataset("synthetic", prepare, data_dir, work, progress=progress)
    run_dir = work_dir(work) / "runs" / run_dir_name("synthetic", run, "demo")
    return data, train_run(data, run, run_dir, progress=progress), run_dir


def demo_baseline(data: PreparedDataset, run: RunConfig, run_dir: Path,
                  n_jobs: int = 1) -> RunRecord:
    """The bar the demo must clear: the feature baseline's random forest, trained and tested
    on the demo's own split (``run_dir/baseline``)."""
    from lcformer.experiments.baseline import run_baseline, save_baseline

    result = run_baseline(data, split=run.split, seed=run.split_seed, models=("random_forest",),
                          model_seed=run.train.seed, n_jobs=n_jobs)
    save_baseline(run_dir / "baseline", result)
    return result.records[0]

