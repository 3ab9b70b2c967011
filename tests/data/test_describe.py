"""What a dataset holds, after cleaning."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lcformer.data.describe import UNLABELLED, describe


def test_a_lone_table_beside_labels_says_why_its_stars_have_no_class(tmp_path) -> None:
    """describe printed "(unlabelled)" for every star, with no word of the labels.csv."""
    t = np.arange(20.0)
    frame = pd.concat([pd.DataFrame({"id": star, "time": t, "mag": 12 + np.sin(t + k),
                                     "err": 0.01}) for k, star in enumerate("ab")])
    frame.to_csv(tmp_path / "stars.csv.gz", index=False)
    pd.DataFrame({"id": ["a", "b"], "class": ["x", "y"]}).to_csv(tmp_path / "labels.csv",
                                                               index=False)
    found = describe(str(tmp_path / "stars.csv.gz"))
    assert found.classes.index.tolist() == [UNLABELLED]
    assert found.format().splitlines()[-1] == (
        f"the labels.csv beside stars.csv.gz is not read: a table's labels.csv is read in "
        f"the folder given, beside a table named lightcurves.* (as "
        f"{tmp_path / 'lightcurves.csv.gz'})")
    (tmp_path / "stars.csv.gz").rename(tmp_path / "lightcurves.csv.gz")
    assert sorted(describe(str(tmp_path)).classes.index) == ["x", "y"]
