"""Broken inputs of tests/data/bad through reading, cleaning and label filtering.

The (cleaning) and (prepare) outcomes of tests/data/bad/README.md; the (reader) outcomes are
checked in tests/data/reading/test_bad_inputs.py. Every curve in the catalogue is either kept or
counted under a reason: nothing is lost silently.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lcformer.data.cleaning import CleaningConfig, clean
from lcformer.data.prepared import PrepareConfig, filter_curves, prepare
from lcformer.data.reading import read_catalogue_folder
from lcformer.data.report import DropReport
from lcformer.data.tokens import TokenConfig

BAD = Path(__file__).resolve().parent / "bad" / "per_star"
KNOWN = PrepareConfig(classes=("Mira",), tokens=TokenConfig(window=2, stride=1))
READER_DROPS = Counter(unreadable_file=2, empty_file=1, missing_file=1)


@pytest.fixture
def stages():
    report = DropReport()
    raw = read_catalogue_folder(BAD / "catalog.csv", BAD, report=report)
    after_reading = DropReport().merge(report)
    cleaned, report = clean(raw, CleaningConfig(), report)
    after_cleaning = DropReport().merge(report)
    kept = filter_curves(cleaned, KNOWN, report)
    return raw, after_reading, cleaned, after_cleaning, kept, report


def test_cleaning_outcomes(stages) -> None:
    raw, after_reading, cleaned, after_cleaning, _, _ = stages
    assert after_reading.curves == READER_DROPS
    assert not after_reading.points
    # nan_inf: the 4 points with a non-finite value; negative_errors: its 2 negative errors;
    # identical_times: 3 of 4 points share the first one's time.
    assert after_cleaning.points == Counter(non_finite=4, bad_err=2, duplicate_time_other_mag=3)
    # identical_times (1 point left) and one_point: too few points for a (dt, dm) pair.
    assert after_cleaning.curves - after_reading.curves == Counter(too_few_points=2)
    lengths = dict(zip(cleaned.ids, cleaned.lengths, strict=True))
    assert lengths == {"nan_inf": 3, "negative_errors": 3, "unknown_label": 5}
    t, m, e = cleaned.curve(list(cleaned.ids).index("nan_inf"))
    assert t.tolist() == [1.0, 5.0, 7.0] and np.isfinite(m).all() and np.isfinite(e).all()
    t, _, e = cleaned.curve(list(cleaned.ids).index("negative_errors"))
    assert t.tolist() == [1.0, 3.0, 5.0] and (e > 0).all()
    # Points gone = points dropped + the last point of each curve dropped as too_few_points.
    assert raw.n_points - cleaned.n_points == after_cleaning.n_points_dropped + 2


def test_unknown_class_is_dropped_by_prepare(stages) -> None:
    _, _, _, after_cleaning, kept, report = stages
    assert report.curves - after_cleaning.curves == Counter(unknown_class=1)
    assert sorted(kept.ids) == ["nan_inf", "negative_errors"]
    assert set(kept.labels) == {"Mira"}
    # With every class allowed the curve stays.
    _, _, cleaned, _, _, _ = stages
    everything = filter_curves(cleaned, PrepareConfig(), DropReport())
    assert "unknown_label" in set(everything.ids)


def test_nothing_is_lost_silently(stages) -> None:
    _, _, _, _, kept, report = stages
    listed = len(pd.read_csv(BAD / "catalog.csv"))
    assert listed == 9
    assert kept.n_curves + report.n_curves_dropped == listed
    assert report.curves == READER_DROPS + Counter(too_few_points=2, unknown_class=1)


def test_prepare_counts_the_same(tmp_path) -> None:
    """prepare() itself: same drops, and kept + dropped = listed in the saved counts."""
    data, _ = prepare("bad", lambda report: read_catalogue_folder(
        BAD / "catalog.csv", BAD, report=report), "bad", KNOWN, tmp_path)
    saved = data.report
    assert saved.curves == READER_DROPS + Counter(too_few_points=2, unknown_class=1)
    assert saved.points == Counter(non_finite=4, bad_err=2, duplicate_time_other_mag=3)
    assert sorted(data.stars["id"]) == ["nan_inf", "negative_errors"]
    assert data.classes == ["Mira"]
    assert len(data.stars) + saved.n_curves_dropped == 9
    assert len(saved.problems) == 4
