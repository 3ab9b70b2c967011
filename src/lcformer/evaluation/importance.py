"""What the trees' classification rests on: permutation importance of families of per-star
values, measured on the test stars.

Why: an astronomer asks which physics a classifier uses before trusting it on another
survey. One that leans on the mean magnitude has learnt luminosities, which hold only where
the stars share one distance (the Magellanic Clouds, a cluster), not in a survey of the
Galaxy. Shuffling a family of values across the test stars (each star keeps its others) and
scoring again says how much macro-F1 is lost without it. Families, not single columns:
values of one family stand in for each other (four measures of brightness), so shuffling one
alone shows almost nothing (Strobl et al. 2008 on correlated predictors).

Only the trees are measured: the network also sees the folded curve, which the per-star
values do not change. Where the network has a share of the probabilities, the file says so.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from sklearn.metrics import f1_score

from lcformer.data.splits import SampleSet
from lcformer.models.forest import ForestFusion

#: Families of per-star values (names without their band prefix), in the order they are
#: shown: the star's scalars (:mod:`lcformer.data.views`) and light-curve's features.
FAMILIES: dict[str, tuple[str, ...]] = {
    "period": ("log_period", "power", "log_fap", "log_period_2", "power_2", "log_period_3",
               "power_3", "periodogram_period_0", "periodogram_period_s_to_n_0",
               "periodogram_period_1", "periodogram_period_s_to_n_1"),
    "folded shape": ("r21", "r31", "phi21", "phi31", "fit_r2", "odd_2p"),
    "amplitude": ("log_scale", "log_amplitude", "log_a1", "amplitude", "percent_amplitude",
                  "inter_percentile_range_10", "inter_percentile_range_25",
                  "median_absolute_deviation", "standard_deviation",
                  "percent_difference_magnitude_percentile_5", "otsu_mean_diff",
                  "linear_trend_noise"),
    "mean magnitude": ("median_mag", "mean", "median", "weighted_mean"),
    "colour": ("colour",),
    "magnitude distribution": ("skew", "kurtosis", "beyond_1_std", "stetson_K",
                               "magnitude_percentage_ratio_40_5",
                               "median_buffer_range_percentage_10", "anderson_darling_normal",
                               "otsu_std_lower", "otsu_std_upper", "otsu_lower_to_all_ratio"),
    "order in time": ("cusum", "eta", "eta_e", "maximum_slope", "linear_fit_slope",
                      "linear_fit_slope_sigma", "linear_trend", "linear_trend_sigma"),
    "errors against scatter": ("log_median_err", "chi2", "linear_fit_reduced_chi2"),
    "sampling": ("log_n", "log_span"),
}
_FAMILY_OF = {name: family for family, names in FAMILIES.items() for name in names}
REPEATS = 10  # shuffles per family: the spread of the drop is their standard deviation
#: Test stars measured at most (a random subset beyond): each shuffle walks every tree again.
MAX_STARS = 5_000


def family_of(name: str, bands: list[str]) -> str:
    """The family of one per-star value's name (``R_median_mag``: mean magnitude); a value of
    no family is its own."""
    if name.startswith("colour"):  # colour, and colour_r_i of a third band
        return "colour"
    for band in sorted(bands, key=len, reverse=True):
        prefix = f"{band or 'band'}_"
        if name.startswith(prefix) and name[len(prefix):] in _FAMILY_OF:
            return _FAMILY_OF[name[len(prefix):]]
    return _FAMILY_OF.get(name, name)


@dataclass
class FamilyImportance:
    family: str
    names: list[str]  # its columns
    macro_f1_drop: float  # mean over the shuffles: the score without it is the base minus this
    spread: float  # standard deviation of the drop over the shuffles


def permutation_importance(fusion: ForestFusion, values: np.ndarray, labels: np.ndarray,
                           names: list[str], bands: list[str], repeats: int = REPEATS,
                           seed: int = 0, progress: bool = False
                           ) -> tuple[float, list[FamilyImportance]]:
    """(macro-F1 of the fusion's trees on the stars, each family's drop when shuffled),
    largest drop first; families no star has a value of are left out. ``values``: one row
    per star. ``progress``: a bar over the families (on asas_acvs this takes half of
    `train --epochs 0`'s time)."""
    from lcformer.progress import tqdm

    rng = np.random.default_rng(seed)

    def score(x: np.ndarray) -> float:
        with torch.inference_mode():
            p = fusion.trees(torch.as_tensor(x, dtype=torch.float32, device=fusion.weight.device))
        return float(f1_score(labels, p.argmax(1).cpu().numpy(), average="macro",
                              zero_division=0))

    base = score(values)
    columns: dict[str, list[int]] = {}
    for i, name in enumerate(names):
        columns.setdefault(family_of(name, bands), []).append(i)
    found = []
    for family, cols in tqdm(columns.items(), desc="importance", unit="family", leave=False,
                             disable=not progress):
        if np.isnan(values[:, cols]).all():  # unknown for every star (a colour of one band)
            continue
        drops = []
        for _ in range(repeats):
            shuffled = values.copy()
            shuffled[:, cols] = values[rng.permutation(len(values))][:, cols]
            drops.append(base - score(shuffled))
        found.append(FamilyImportance(family, [names[i] for i in cols],
                                      float(np.mean(drops)), float(np.std(drops))))
    return base, sorted(found, key=lambda f: -f.macro_f1_drop)


def importance_record(fusion: ForestFusion, test: SampleSet, names: list[str],
                      bands: list[str], repeats: int = REPEATS,
                      progress: bool = False) -> dict[str, Any]:
    """``importance.json`` of a run: how it was measured, its seconds, each family's drop."""
    began = time.perf_counter()
    _, first = np.unique(test.star, return_index=True)  # a star's chunks share its values
    if len(first) > MAX_STARS:
        first = np.sort(np.random.default_rng(0).choice(first, MAX_STARS, replace=False))
    base, families = permutation_importance(fusion, np.asarray(test.extra)[first],
                                            test.labels[first], names, bands, repeats,
                                            progress=progress)
    return {"measured": "the trees' macro-F1 on the test stars, each family of per-star values "
                        "shuffled across the stars in turn",
            "test_stars": len(first), "of_test_stars": len(np.unique(test.star)),
            "repeats": repeats,
            "network_weight_left_out": float(fusion.weight),
            "trees_macro_f1": base,
            "seconds": round(time.perf_counter() - began, 1),
            "families": [f.__dict__ for f in families]}


def stars_text(record: dict[str, Any]) -> str:
    """"729 test stars", or "5,000 of 20,000 test stars (at random)"."""
    n, of = record["test_stars"], record.get("of_test_stars", record["test_stars"])
    return f"{n:,} test stars" if n == of else f"{n:,} of {of:,} test stars (at random)"
