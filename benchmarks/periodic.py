"""Speed of the periodic model's pipeline: star views, training and prediction, in stars/s.

Three measurements, all on the same stars in one run (synthetic by default; real ASAS stars
with ``--data-dir``):

* **inputs**: clean -> period search -> star views (``make_samples``), against the feature
  baseline's extraction (``star_features``, light-curve) on the same stars: the ratio is the
  inputs' speed over the features' speed;
* **predict**: the whole prediction of new stars (clean -> period -> views -> model), stars/s,
  and its ratio to the feature extraction alone;
* **train**: training steps of the model (forward, backward, Adam) in stars/s, one thread.

    python benchmarks/periodic.py                      # 300 synthetic stars
    python benchmarks/periodic.py --data-dir ../shared/data --stars 300   # ASAS ACVS stars
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from machine import cpu_model  # benchmarks/machine.py

from lcformer.data.cleaning import clean
from lcformer.data.features import star_features
from lcformer.data.lightcurves import LightCurves
from lcformer.data.prepared import PrepareConfig
from lcformer.data.reading import read_long_table
from lcformer.data.report import DropReport
from lcformer.data.samples import make_samples
from lcformer.data.synthetic import SyntheticConfig, make_synthetic
from lcformer.evaluation.predict import predict_stars
from lcformer.models import ModelConfig, model_from_config


def stars(args: argparse.Namespace) -> tuple[str, LightCurves]:
    if args.data_dir:
        path = Path(args.data_dir) / "asas_acvs" / "lightcurves.parquet"
        lcs = read_long_table(path, Path(args.data_dir) / "asas_acvs" / "labels.csv")
        ids = np.unique(lcs.ids)
        pick = np.random.default_rng(0).choice(ids, size=min(args.stars, len(ids)),
                                               replace=False)
        return "ASAS ACVS", lcs.select(np.isin(lcs.ids, pick))
    per_class = max(args.stars // 3, 1)
    return "synthetic", make_synthetic(SyntheticConfig(n_per_class=per_class))


def timed(fn, repeats: int) -> tuple[float, object]:
    best, out = np.inf, None
    for _ in range(repeats):
        began = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - began)
    return best, out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="folder holding asas_acvs/ (default: synthetic)")
    parser.add_argument("--stars", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=2, help="best of this many")
    parser.add_argument("--steps", type=int, default=10, help="training steps timed")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    name, raw = stars(args)
    cleaned, _ = clean(raw)
    n = cleaned.n_stars
    print(f"# periodic pipeline benchmark: {n} {name} stars, {cleaned.n_points:,} points; "
          f"{cpu_model()}, one thread")
    config = PrepareConfig(inputs="stars")

    t_feat, _ = timed(lambda: star_features(cleaned, DropReport()), args.repeats)
    t_in, made = timed(lambda: make_samples(cleaned, config, DropReport()), args.repeats)
    samples, info = made  # type: ignore[misc]
    labels = np.asarray(cleaned.labels if cleaned.labels is not None else [""] * n)
    classes = sorted(set(labels.tolist()))
    model_config = ModelConfig(emb=64, heads=4, depth=2).for_data(
        max(len(classes), 2), samples.tokens.shape[2], samples.tokens.shape[1],
        samples.extra.shape[1])
    torch.manual_seed(0)
    model = model_from_config(model_config)
    model.fit_extra_stats(samples.extra)
    metadata = {"classes": classes if len(classes) > 1 else ["a", "b"],
                "prepare": config.to_dict(), "bands": info.bands,
                "extra_names": info.extra_names}
    t_pred, _ = timed(lambda: predict_stars(model, metadata, raw, device="cpu"), args.repeats)

    batch = 32
    rows = np.arange(min(batch, len(samples)))
    tokens = torch.from_numpy(samples.tokens[rows])
    mask = torch.from_numpy(samples.mask[rows])
    extra = torch.from_numpy(samples.extra[rows])
    y = torch.zeros(len(rows), dtype=torch.long)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    model.train()

    def step() -> None:
        loss = F.nll_loss(model.classify(tokens, mask, extra), y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()

    step()  # warm-up
    began = time.perf_counter()
    for _ in range(args.steps):
        step()
    t_step = (time.perf_counter() - began) / args.steps
    samples_per_star = len(samples) / n

    print("| what | stars/s | ratio to the feature extraction |")
    print("|---|---|---|")
    print(f"| feature baseline extraction (light-curve) | {n / t_feat:,.1f} | 1.00 |")
    print(f"| star views: period search + views | {n / t_in:,.1f} | {t_feat / t_in:.2f} |")
    print(f"| predict: clean + period + views + model | {n / t_pred:,.1f} | "
          f"{t_feat / t_pred:.2f} |")
    print(f"| train step (batch {batch}, emb 64, depth 2) | "
          f"{len(rows) / t_step / samples_per_star:,.1f} | - |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
