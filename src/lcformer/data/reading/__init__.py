"""Readers for the layouts users have; each returns one :class:`~lcformer.LightCurves`.

- :func:`read_long_table` / :func:`from_dataframe` / :func:`from_astropy`: one row per point
  (Parquet, CSV, FITS), column names mapped with :class:`Columns`;
- :func:`read_catalogue_folder` / :func:`read_folder`: one file per star (+ a catalogue);
- :func:`read_macho`: the native MACHO archive and feets formats.

All take ``report``: with a :class:`~lcformer.data.report.DropReport` problems are recorded and
reading goes on; without one any problem raises :class:`~lcformer.errors.InputError`.
:func:`~lcformer.data.reading.sniff.read_any` reads whatever a user points at, with a
:class:`ReadConfig` (column names, fluxes).

The modules, in pipeline order:

- ``config``: how to read a user's tables: column names, flags, fluxes;
- ``sniff``: whatever a user points at, and which reader reads it;
- ``tables``: long tables, one row per observation;
- ``partitions``: which files of a folder are one table's partitions;
- ``nested``: one row per star with its points nested (nested-pandas, LSDB, ZTF releases);
- ``star_file``: one star's file, its columns found by their names;
- ``headers``: which columns of a star file's header are its time, mag, err, band and flag;
- ``ipac``: IRSA's fixed-width IPAC tables, made comma-separated text line for line;
- ``per_star``: folders and archives of star files, with or without a catalogue;
- ``one_star``: which of those files' curves are one star (bands, ids, a target's files);
- ``macho``: the native MACHO formats;
- ``astropy_tables``: FITS, ECSV and VOTable through astropy, for tables and star files alike;
- ``files``: what every reader shares about files (formats, errors naming the file);
- ``column_names``: which column is which by its name, for the surveys lcformer has met;
- ``columns``: columns made into curves, with the parsing every reader shares;
- ``flux``: fluxes made magnitudes when asked, refused when they only look like fluxes;
- ``band_names``: bands renamed as the user says (numbered ones as letters);
- ``class_names``: classes renamed or merged as the user says;
- ``labels``: labels tables, joined to the curves by id.
"""

from lcformer.data.reading.config import BandColumns, Columns, ReadConfig
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
#: 5: files named ``NAME.I.dat`` and ``NAME.V.dat`` are star NAME's bands; a catalogue's ``id``
#: column names its files' star; a mission's FITS files of one target (TESS sectors) are one
#: star; a star's files of one band are one curve.
#: 6: Gaia's flux_over_error gives the magnitudes' errors; a band's empty cell in rows of
#: several bands is no point; VISTA's Ks/ (and Y, Z, ...) are band folders; with --flux, a
#: bright star's flux at or below zero is dropped.
#: 7: a flag column named as marking good rows (PTF's goodflag) drops the rows of 0; a
#: table's magnitude flagged as a limit by VizieR's l_<mag> column ("<") is missing.
#: 8: "Mag Error" and "mag_error" are a star file's errors (mag_error was a second
#: magnitude); a lone band folder (I/) names its files' band; v/ is a band folder; a
#: labels.csv of id,class labels a folder of per-star files.
READERS_VERSION = 8

__all__ = [
    "MACHO_CLASSES",
    "READERS_VERSION",
    "BandColumns",
    "Columns",
    "ReadConfig",
    "from_astropy",
    "from_dataframe",
    "read_catalogue_folder",
    "read_folder",
    "read_long_table",
    "read_macho",
]
