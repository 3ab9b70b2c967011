"""How well could any classifier do on the embedded synthetic data? The Bayes classifier.

The generator is known (:mod:`lcformer.data.synthetic`), so the best possible classifier is
computable: a star's family is the one of highest posterior probability, the likelihood of
its curve under every kind and every point of that kind's parameter grid, summed with the
generator's own prior (families equally likely, kinds uniform within a family, parameters
uniform on their grids). Every kind is Gaussian given its parameters:

- measurement noise ``diag(err**2)`` (the errors the curve carries are the true ones) and the
  base magnitude, U(10, 16), taken as N(13, 3) (its mean and variance);
- Gaussian processes: their kernel (with the generator's jitter);
- CAR(1) and the sinusoids' red noise: the covariance of their recurrences, exactly;
- sinusoids: the mean ``A sin(2 pi f t + phase)``, the phase integrated on a grid of 4,096.

It reads the curves the generator makes (no cleaning) and scores the stars of a run's
``test_predictions.csv`` (``--run``), printing that run's own score on them beside it, or all
stars. It measures the headroom, not a model: it knows the generator's parameter grids.

    python benchmarks/synthetic_ceiling.py --run RUN_DIR   # its 180 test stars, about 1 min
    python benchmarks/synthetic_ceiling.py                 # all 900 stars, about 5 min
    python benchmarks/synthetic_ceiling.py --stars 30      # the first 30 stars: a quick check

``--json out.json`` also writes the scores.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from machine import load_line  # benchmarks/machine.py
from scipy.linalg import solve_triangular
from scipy.special import logsumexp

from lcformer.data import synthetic as syn
from lcformer.evaluation.metrics import classification_metrics

BASE_MEAN, BASE_VAR = 13.0, 3.0  # U(10, 16)
PHASES = np.linspace(0.0, 2.0 * np.pi, 4096, endpoint=False)
LOG_2PI = np.log(2.0 * np.pi)


def recurrence_covariance(phi: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Covariance of ``x_i = phi_i x_{i-1} + e_i`` (``var e_i = q_i``, ``x_0`` fixed) and the
    products ``prod phi`` that carry ``x_0`` forward: ``cov_ij = P_i P_j V_min(i,j)``."""
    p = np.concatenate([[1.0], np.cumprod(phi)])
    v = np.concatenate([[0.0], np.cumsum(q / p[1:] ** 2)])
    i = np.arange(len(p))
    return p[:, None] * p[None, :] * v[np.minimum(i[:, None], i[None, :])], p


def log_likelihood(y: np.ndarray, mean: np.ndarray | float, cov: np.ndarray) -> float:
    chol = np.linalg.cholesky(cov)
    r = solve_triangular(chol, y - mean, lower=True)
    return float(-0.5 * r @ r - np.log(np.diag(chol)).sum() - 0.5 * len(y) * LOG_2PI)


def sinusoid_log_likelihoods(y: np.ndarray, t: np.ndarray, cov: np.ndarray) -> list[float]:
    """Every frequency and amplitude of the grid, the phase integrated out: with the
    whitened residual ``w0 - A (cos(phase) ws + sin(phase) wc)`` every phase costs O(1)."""
    chol = np.linalg.cholesky(cov)
    half_logdet = np.log(np.diag(chol)).sum()
    w0 = solve_triangular(chol, y - BASE_MEAN, lower=True)
    cos, sin = np.cos(PHASES), np.sin(PHASES)
    out = []
    for f in syn.FREQUENCIES:
        ws = solve_triangular(chol, np.sin(2 * np.pi * f * t), lower=True)
        wc = solve_triangular(chol, np.cos(2 * np.pi * f * t), lower=True)
        for a in syn.AMPLITUDES:
            quad = (w0 @ w0 - 2 * a * (cos * (w0 @ ws) + sin * (w0 @ wc))
                    + a**2 * (cos**2 * (ws @ ws) + sin**2 * (wc @ wc) + 2 * sin * cos * (ws @ wc)))
            ll = -0.5 * quad - half_logdet - 0.5 * len(y) * LOG_2PI
            out.append(float(logsumexp(ll) - np.log(len(PHASES))))
    return out


def mean_of_exp(log_values: list[float]) -> float:
    """log of the mean of exp(values): a uniform prior over what they enumerate."""
    return float(logsumexp(log_values) - np.log(len(log_values)))


def family_log_likelihoods(t: np.ndarray, y: np.ndarray, err: np.ndarray) -> dict[str, float]:
    n = len(t)
    noise = np.diag(err**2) + BASE_VAR
    dt = np.diff(t)
    white = [ll for std in syn.WHITE_STDS
             for ll in sinusoid_log_likelihoods(y, t, noise + std**2 * np.eye(n))]
    red = []
    for std in syn.RED_STDS:
        for tau in syn.RED_TAUS:
            damping = tau / (tau + dt)
            cov = recurrence_covariance(damping, (damping * dt * std) ** 2)[0]
            red += sinusoid_log_likelihoods(y, t, noise + cov)
    car = []
    for ar in syn.CAR_ARS:
        for sigma in syn.CAR_SIGMAS:
            phi = ar**dt
            cov, carried = recurrence_covariance(phi, sigma**2 * (1.0 - phi))
            car.append(log_likelihood(y, BASE_MEAN + 0.01 * carried, noise + cov))
    distance = np.abs(t[:, None] - t[None, :])[None]
    gp = []
    for kernel in syn.GP_KERNELS.values():
        gammas = syn.GP_GAMMAS if kernel == "exponential" else (np.nan,)
        alphas = syn.GP_ALPHAS if kernel == "rational_quadratic" else (np.nan,)
        kind = []
        for v in syn.GP_VARIANCES:
            for g in gammas:
                for a in alphas:
                    k = syn.gp_kernel(distance, kernel, np.array([v]), np.array([g]),
                                      np.array([a]))[0] + syn.GP_JITTER * v * np.eye(n)
                    kind.append(log_likelihood(y, BASE_MEAN, noise + k))
        gp.append(mean_of_exp(kind))
    return {"sinusoid": mean_of_exp([mean_of_exp(white), mean_of_exp(red)]),
            "car": mean_of_exp(car), "gaussian_process": mean_of_exp(gp)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--run", type=Path, help="a run folder on the synthetic dataset: "
                        "score its test stars (test_predictions.csv) and print its score")
    parser.add_argument("--stars", type=int,
                        help="score only the first this many of the stars (a quick check)")
    parser.add_argument("--json", type=Path, help="also write the scores here")
    args = parser.parse_args()
    machine = load_line()
    print(f"# synthetic ceiling: {machine}")
    curves, params = syn.make_synthetic_with_parameters()
    run = pd.read_csv(args.run / "test_predictions.csv") if args.run else None
    ids = list(curves.ids) if run is None else run["id"].tolist()
    if args.stars is not None:
        ids = ids[:args.stars]
        run = None if run is None else run.iloc[:args.stars]
    row = {star: i for i, star in enumerate(curves.ids)}
    began = time.perf_counter()
    predicted = []
    for star in ids:
        t, mag, err = curves.curve(row[star])[:3]
        scores = family_log_likelihoods(t, mag, err)
        predicted.append(max(scores, key=scores.__getitem__))
    seconds = time.perf_counter() - began
    classes = sorted(syn.FAMILIES)
    truth = params.set_index("id").loc[ids, "family"].map(classes.index).to_numpy()
    guessed = np.array([classes.index(p) for p in predicted])
    bayes = classification_metrics(truth, guessed, classes)
    wrong = int(np.sum(truth != guessed))
    print(f"Bayes classifier on {len(ids)} synthetic stars ({seconds:.0f} s): macro-F1 "
          f"{bayes.macro_f1:.3f}, accuracy {bayes.accuracy:.3f}, "
          f"{wrong} wrong")
    result = {"machine": machine, "stars": len(ids), "seconds": seconds,
              "bayes": {"macro_f1": bayes.macro_f1, "accuracy": bayes.accuracy,
                        "wrong": wrong}}
    if run is not None:
        theirs = classification_metrics(truth, run["predicted"].map(classes.index).to_numpy(),
                                         classes)
        run_wrong = int(np.sum(run["label"] != run["predicted"]))
        print(f"{args.run} on the same stars: macro-F1 {theirs.macro_f1:.3f}, accuracy "
              f"{theirs.accuracy:.3f}, {run_wrong} wrong")
        result["run"] = {"folder": str(args.run), "macro_f1": theirs.macro_f1,
                         "accuracy": theirs.accuracy, "wrong": run_wrong}
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, default=float) + "\n")
        print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
