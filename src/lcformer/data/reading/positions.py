"""Star ids against sky positions: one star under several ids.

Surveys give an object id per field, CCD and filter (ZTF's ``oid``), so one star of a long
table keyed by them is several "stars": each band classified alone, without its colour, and a
star's ids on both sides of a train/test split. Where a table has ``ra`` and ``dec`` columns,
ids whose median positions lie within :data:`ONE_STAR_ARCSEC` of each other are said.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from lcformer.data.report import DropReport
from lcformer.errors import LcformerWarning

#: Rows all within this of each other are one star's, whatever ids they carry: a ZTF
#: download of one star holds an oid per filter and field.
ONE_STAR_ARCSEC = 2.0
#: Counts the ids that lie within :data:`ONE_STAR_ARCSEC` of another id.
SHARED_POSITION = "star_ids_sharing_a_position"
#: Counts one star's files whose rows lie farther apart (a cone search that took a neighbour).
SEVERAL_POSITIONS = "star_files_with_rows_at_several_positions"


def position_columns(names: list[str]) -> tuple[str, str] | None:
    """The table's ``ra`` and ``dec`` columns (degrees), by name in any case, if it has both."""
    found = {str(n).lower(): str(n) for n in names}
    return (found["ra"], found["dec"]) if "ra" in found and "dec" in found else None


#: Rows of a star's file farther than :data:`ONE_STAR_ARCSEC` from its median that make it
#: two stars' (a few and a share: one noisy position of a faint detection is not a neighbour).
FAR_ROWS, FAR_SHARE = 3, 0.02


def _distances(ra: Any, dec: Any) -> np.ndarray | None:
    """Each row's distance (arcsec) from the rows' median position (degrees); None where a
    row has none."""
    ra_deg = pd.to_numeric(pd.Series(ra), errors="coerce").to_numpy(dtype=np.float64)
    dec_deg = pd.to_numeric(pd.Series(dec), errors="coerce").to_numpy(dtype=np.float64)
    if not len(ra_deg) or not (np.isfinite(ra_deg) & np.isfinite(dec_deg)).all():
        return None
    centre_dec = np.median(dec_deg)
    # Right ascension's median about the first row's, so that 359.9 and 0.1 are neighbours.
    wrapped = (ra_deg - ra_deg[0] + 180.0) % 360.0 - 180.0
    d_ra = (wrapped - np.median(wrapped)) * np.cos(np.radians(centre_dec))
    return np.hypot(d_ra, dec_deg - centre_dec) * 3600.0


def one_position(ra: Any, dec: Any) -> bool:
    """Whether every row lies within :data:`ONE_STAR_ARCSEC` of the rows' median position
    (degrees; a row without one counts as far)."""
    distance = _distances(ra, dec)
    return distance is not None and bool(distance.max() <= ONE_STAR_ARCSEC)


def several_positions(ra: Any, dec: Any) -> bool:
    """Whether a star's rows (with positions) hold another star's: at least :data:`FAR_ROWS`
    rows, and :data:`FAR_SHARE` of them, farther than :data:`ONE_STAR_ARCSEC` from their
    median."""
    distance = _distances(ra, dec)
    if distance is None:
        return False
    far = int(np.count_nonzero(distance > ONE_STAR_ARCSEC))
    return far >= FAR_ROWS and far >= FAR_SHARE * len(distance)


def ids_sharing_positions(ids: np.ndarray, ra: np.ndarray, dec: np.ndarray
                          ) -> list[tuple[str, str]]:
    """Pairs of ids whose median positions lie within :data:`ONE_STAR_ARCSEC`."""
    from sklearn.neighbors import BallTree

    frame = pd.DataFrame({"id": ids, "ra": pd.to_numeric(ra, errors="coerce"),
                          "dec": pd.to_numeric(dec, errors="coerce")})
    # (ra's median about each id's first row: 359.9 and 0.1 are neighbours)
    first = frame.groupby("id", sort=False)["ra"].transform("first")
    frame["ra"] = first + (frame["ra"] - first + 180.0) % 360.0 - 180.0
    centre = frame.groupby("id", sort=False)[["ra", "dec"]].median().dropna()
    if len(centre) < 2:
        return []
    sky = np.radians(centre[["dec", "ra"]].to_numpy())
    tree, radius = BallTree(sky, metric="haversine"), np.radians(ONE_STAR_ARCSEC / 3600.0)
    # Counts first: only the ids with a neighbour (besides themselves) are walked in Python
    shared = np.flatnonzero(tree.query_radius(sky, r=radius, count_only=True) > 1)
    if not len(shared):
        return []
    names = centre.index.to_numpy()
    near = tree.query_radius(sky[shared], r=radius)
    return [(str(names[i]), str(names[j])) for i, around in zip(shared, near, strict=True)
            for j in around if j > i]


def warn_of_ids_sharing_positions(frame: pd.DataFrame, ids: np.ndarray, where: str,
                                  sink: DropReport) -> None:
    """Said (and :data:`SHARED_POSITION` counted) where ids of ``frame`` lie within
    :data:`ONE_STAR_ARCSEC` of each other; nothing where it has no ``ra`` and ``dec``."""
    position = position_columns(list(frame.columns))
    if position is None or len(frame) == 0:
        return
    pairs = ids_sharing_positions(ids, frame[position[0]].to_numpy(),
                                  frame[position[1]].to_numpy())
    if not pairs:
        return
    shared = len({i for pair in pairs for i in pair})
    sink.note(SHARED_POSITION, shared)
    a, b = pairs[0]
    warnings.warn(f"{where}: {shared:,} of its {len(set(ids)):,} star ids lie within "
                  f"{ONE_STAR_ARCSEC:g}\" of another id ({a!r} and {b!r}): each id is read as a "
                  f"star of its own, so one star split into ids per field, CCD or filter (ZTF's "
                  f"oid) has each band classified alone, without its colour, and its ids on "
                  f"both sides of a train/test split; give --columns id= a column that names "
                  f"the star, or join the ids first (counted as {SHARED_POSITION})",
                  LcformerWarning, stacklevel=3)
