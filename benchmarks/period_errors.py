"""Not a speed: how far real survey periods scatter beyond their `period_err`.

`predict` gives each star's period a standard error from the residuals of its own curves
(:func:`lcformer.evaluation.predict.star_period_errors`). On simulated stars the searched
periods scatter by it (tests/evaluation/test_predict.py). Real curves may scatter more:
correlated noise, zero-point drifts, period changes, cycle-to-cycle wander. This script
measures how much more, without a catalogue: each star's curves are cut at the star's median
time into an early and a late half, the period of each half is searched as `predict` does
(all bands together), and the two frequencies' difference is divided by its error,
``z = (f_early - f_late) / sqrt(err_early**2 + err_late**2)``. Were the errors right, ``|z|``
would be below 1 for 68% of stars and below 2 for 95%, with a median of 0.674.

Only stars whose halves found the same peak are compared (the halves' frequencies, and the
whole curve's, within half a peak width ``1 / span`` of a half), each period significant (a
false-alarm probability below 1e-5 in each half): a wrong peak is an alias, whose chance is
``period_2``'s to tell, not the error's. The table gives, per class (the dataset's labels), the
stars compared, the median ``|z|`` over 0.674 (the factor the errors are too small by for a
typical star) and the shares within 1 and 2 errors.

    python benchmarks/period_errors.py asas_acvs --data-dir ../shared/data
    python benchmarks/period_errors.py eros1 --stars 0
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
from machine import load_line  # benchmarks/machine.py

from lcformer.data.cleaning import clean
from lcformer.data.datasets import resolve
from lcformer.data.lightcurves import LightCurves
from lcformer.data.periods import find_periods
from lcformer.data.reading.sniff import read_dataset
from lcformer.data.report import DropReport
from lcformer.evaluation.predict import star_period_errors

#: The median of |z| for a standard normal z.
NORMAL_MEDIAN = 0.6745


def halves(lcs: LightCurves) -> LightCurves:
    """Each curve cut in two at its star's median time: ids ``<id>|early`` and ``<id>|late``
    (a band with no point on one side has no curve there)."""
    star_of_point = np.repeat(np.asarray(lcs.ids, dtype=object), lcs.lengths)
    median = pd.Series(lcs.time).groupby(star_of_point).transform("median").to_numpy()
    key = 2 * lcs.curve_index + (lcs.time > median)
    order = np.lexsort((lcs.time, key))
    counts = np.bincount(key, minlength=2 * lcs.n_curves)
    kept = np.flatnonzero(counts)
    curve = kept // 2
    ids = np.char.add(np.asarray(lcs.ids, dtype=str)[curve],
                      np.where(kept % 2, "|late", "|early")).astype(object)
    return LightCurves(ids=ids, bands=np.asarray(lcs.bands)[curve],
                       offsets=np.concatenate([[0], np.cumsum(counts[kept])]),
                       time=lcs.time[order], mag=lcs.mag[order], err=lcs.err[order],
                       labels=None if lcs.labels is None else np.asarray(lcs.labels)[curve])


def periods(lcs: LightCurves) -> pd.DataFrame:
    """The search's period of each star, and its frequency and error (cycles/day)."""
    found = find_periods(lcs).set_index("id")
    found["period_err"] = star_period_errors(lcs, found.index.to_numpy(dtype=object),
                                             found["period"].to_numpy())
    found["frequency_err"] = found["period_err"] / found["period"] ** 2
    return found


def compare(lcs: LightCurves) -> pd.DataFrame:
    """One row per star whose halves found the whole curve's peak: its class and ``z``."""
    whole, cut = periods(lcs), periods(halves(lcs))
    star = cut.index.str.rsplit("|", n=1).str[0]
    early = cut[cut.index.str.endswith("|early")].set_axis(star[cut.index.str.endswith("|early")])
    late = cut[cut.index.str.endswith("|late")].set_axis(star[cut.index.str.endswith("|late")])
    both = early.add_suffix("_early").join(late.add_suffix("_late"), how="inner").join(whole)
    f_early, f_late = 1 / both["period_early"], 1 / both["period_late"]
    width = 0.5 / np.minimum(both["span_early"], both["span_late"])
    same = ((f_early - f_late).abs() < width) & ((1 / both["period"] - f_early).abs() < width)
    same &= (both["fap_early"] < 1e-5) & (both["fap_late"] < 1e-5)
    z = (f_early - f_late) / np.hypot(both["frequency_err_early"], both["frequency_err_late"])
    labels = pd.Series(np.asarray(lcs.labels if lcs.labels is not None
                                  else np.full(lcs.n_curves, ""), dtype=object),
                       index=np.asarray(lcs.ids, dtype=object))
    labels = labels[~labels.index.duplicated()]
    return pd.DataFrame({"class": labels.reindex(both.index).to_numpy(), "z": z.to_numpy(),
                         "same_peak": same.to_numpy()}, index=both.index)


def summary(rows: pd.DataFrame) -> pd.DataFrame:
    def line(z: pd.Series) -> pd.Series:
        a = z.abs()
        return pd.Series({"stars": len(a), "median |z| / 0.674": np.median(a) / NORMAL_MEDIAN,
                          "within 1": (a < 1).mean(), "within 2": (a < 2).mean()})

    kept = rows[rows["same_peak"]]
    table = kept.groupby("class")["z"].apply(line).unstack()
    table.loc["all"] = line(kept["z"])
    return table


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", help="a dataset name under --data-dir, or a folder")
    parser.add_argument("--data-dir", type=Path,
                        default=Path(os.environ.get("LCFORMER_DATA_DIR", "../shared/data")))
    parser.add_argument("--stars", type=int, default=1000,
                        help="stars drawn at random (0: all)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the table here too")
    args = parser.parse_args()
    print(load_line())
    spec, folder = resolve(args.dataset, args.data_dir)
    lcs, _ = clean(read_dataset(spec, folder, DropReport()))
    ids = pd.unique(pd.Series(lcs.ids, dtype=object))
    if 0 < args.stars < len(ids):
        drawn = np.random.default_rng(args.seed).choice(ids, args.stars, replace=False)
        lcs = lcs.select(np.flatnonzero(pd.Series(lcs.ids, dtype=object).isin(drawn)))
    rows = compare(lcs)
    table = summary(rows)
    same = int(rows["same_peak"].sum())
    print(f"# {args.dataset}: {len(rows):,} stars cut in two halves, {same:,} with the same "
          f"significant peak in both (seed {args.seed})\n")
    print("| class | stars | median abs(z) / 0.674 | within 1 error | within 2 errors |")
    print("|---|--:|--:|--:|--:|")
    for name, row in table.iterrows():
        print(f"| {name} | {int(row['stars']):,} | {row['median |z| / 0.674']:.2f} | "
              f"{row['within 1']:.2f} | {row['within 2']:.2f} |")
    print("\n(calibrated errors: 1.00, 0.68, 0.95)")
    if args.json:
        args.json.write_text(json.dumps(table.reset_index(names="class").to_dict("records"),
                                        indent=1))


if __name__ == "__main__":
    main()
