"""Damaged tables: whatever happens to a file's bytes, reading it succeeds or raises an
lcformer error naming the file, never a library's exception.

A valid CSV and a valid Parquet long table (with a labels table) have bytes flipped, cut off or
inserted; each mutant is read as the commands read it (with and without a report).
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lcformer.data.reading import read_long_table
from lcformer.data.reading.sniff import read_any
from lcformer.data.report import DropReport
from lcformer.errors import LcformerError


def _table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 24
    return pd.DataFrame({"id": np.repeat(["a", "b", "c"], n // 3),
                         "band": np.tile(["B", "R"], n // 2),
                         "time": np.round(rng.uniform(0, 100, n), 3),
                         "mag": np.round(rng.normal(15, 0.3, n), 3),
                         "err": np.round(rng.uniform(0.01, 0.05, n), 3)})


def _valid(suffix: str) -> bytes:
    if suffix == ".csv":
        return _table().to_csv(index=False).encode()
    buffer = io.BytesIO()
    _table().to_parquet(buffer, index=False)
    return buffer.getvalue()


VALID = {s: _valid(s) for s in (".csv", ".parquet")}
LABELS = b"id,class\na,RR\nb,EB\nc,RR\n"


@st.composite
def mutants(draw: st.DrawFn) -> tuple[str, bytes]:
    suffix = draw(st.sampled_from(sorted(VALID)))
    data = bytearray(VALID[suffix])
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del data[at:]
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
        elif data:
            del data[at:at + draw(st.integers(1, 16))]
    return suffix, bytes(data)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutant=mutants())
def test_a_damaged_table_reads_or_raises_an_lcformer_error(tmp_path: Path,
                                                           mutant: tuple[str, bytes]) -> None:
    suffix, data = mutant
    path = tmp_path / f"lightcurves{suffix}"
    path.write_bytes(data)
    (tmp_path / "labels.csv").write_bytes(LABELS)
    for read in (lambda: read_long_table(path, tmp_path / "labels.csv", report=DropReport()),
                 lambda: read_long_table(path),
                 lambda: read_any(str(path))):
        try:
            curves = read()
        except LcformerError as error:
            assert str(error)
        else:
            assert curves.n_points == len(curves.time) == len(curves.mag)


@pytest.mark.parametrize("suffix", sorted(VALID))
def test_the_unmutated_files_read(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"lightcurves{suffix}"
    path.write_bytes(VALID[suffix])
    assert read_any(str(path)).n_curves == 6  # 3 stars x 2 bands
