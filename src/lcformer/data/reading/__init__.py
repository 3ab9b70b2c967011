"""Readers for the layouts users have; each returns one :class:`~lcformer.LightCurves`.

- :func:`read_long_table` / :func:`from_dataframe` / :func:`from_astropy`: one row per point;
- :func:`read_catalogue_folder` / :func:`read_folder`: one file per star (+ a catalogue);
- :func:`read_macho`: the native MACHO archive and feets formats.

All take ``report``: with a :class:`~lcformer.data.report.DropReport` problems are recorded and
reading goes on; without one any problem raises :class:`~lcformer.errors.InputError`.
"""

from lcformer.data.reading.macho import MACHO_CLASSES, read_macho
from lcformer.data.reading.per_star import read_catalogue_folder, read_folder
from lcformer.data.reading.tables import Columns, from_astropy, from_dataframe, read_long_table

__all__ = [
    "MACHO_CLASSES",
    "Columns",
    "from_astropy",
    "from_dataframe",
    "read_catalogue_folder",
    "read_folder",
    "read_long_table",
    "read_macho",
]
