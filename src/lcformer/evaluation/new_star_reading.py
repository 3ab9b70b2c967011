"""How a trained run reads new stars: as its training tables were read (column names, fluxes
and zero point, band names), unless the user says otherwise, so that the model sees the
magnitudes it learnt from; and what to say where this lcformer reads files otherwise than the
one that trained the run did.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

from lcformer.data.reading.column_names import column_role
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.reading.flux import ASINH_SINCE
from lcformer.data.reading.one_star import ONE_STAR_EVENTS, ONE_STAR_READERS
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError, LcformerWarning
from lcformer.evaluation.predict import model_prepare_config


def trained_reading(metadata: dict[str, Any]) -> ReadConfig:
    """How the model's training tables were read (column names, fluxes and zero point): the
    default for reading new stars, so that the model sees the magnitudes it learnt from. A
    model trained on fluxes before they were read as asinh magnitudes is warned of."""
    reading = model_prepare_config(metadata).reading
    if reading.flux and metadata.get("readers", 0) < ASINH_SINCE:  # here, so shown once
        warnings.warn("this model was trained on fluxes read as -2.5 log10(flux) magnitudes, "
                      "with fluxes at or below zero dropped, by an earlier lcformer; new stars' "
                      "fluxes are read as asinh magnitudes, which differ for faint points: "
                      "train it again for predictions of faint stars",
                      LcformerWarning, stacklevel=1)
    return reading


def new_star_reading(trained: ReadConfig, reading: ReadConfig, given: Mapping[str, Any]
                     ) -> tuple[ReadConfig, ReadConfig]:
    """How to read new stars for a model whose training tables were read as ``trained``
    (:func:`trained_reading`), and the part of it taken from ``trained`` (to be said where it
    is not the default).

    ``reading`` is what the user's options make (defaults for the rest); ``given``: the
    options the user gave, by :class:`ReadConfig` field (``flux``, ``zero_point``, and
    ``columns`` where any column name was given, ``flag_bits`` where the bit mask was). They
    are used as they stand, in four groups: ``columns``; ``flux`` with ``zero_point``;
    ``band_names``; ``class_names``. A group not given is the model's (its training tables
    were read so: its magnitudes are what the model knows). Of a model trained on fluxes,
    ``flux`` alone takes its zero point and ``zero_point`` alone its ``flux``; another zero
    point than the model's is warned of.
    Columns given with the run's flag column but no bit mask take the run's mask (PS1's
    infoFlag, non-zero on good rows, would drop every row without it)."""
    inherited = ReadConfig()
    if "zero_point" in given and given.get("flux") is False:
        raise ConfigError("--zero-point converts fluxes to magnitudes: not with --no-flux")
    if "flux" not in given and "zero_point" not in given:
        named = reading.columns.mag
        if (trained.flux and "columns" in given and named != trained.columns.mag
                and column_role(named) == "mag" and "flux" not in named.lower()):
            default = " (the default name)" if named == "mag" else ""
            raise ConfigError(f"the --columns given read new stars' magnitudes from column "
                              f"{named!r}{default}, named as magnitudes, and this run was "
                              f"trained on fluxes (column {trained.columns.mag!r}, read with "
                              f"--flux --zero-point {trained.zero_point:g}), which it would "
                              f"be read as: give --no-flux to read magnitudes, or --flux if "
                              f"{named!r} holds fluxes (or name the flux column: "
                              f"--columns mag=NAME)")
        inherited = inherited.replace(flux=trained.flux, zero_point=trained.zero_point)
        reading = reading.replace(flux=trained.flux, zero_point=trained.zero_point)
    elif "zero_point" not in given and reading.flux:
        if not trained.flux:
            warnings.warn(f"--flux without --zero-point reads the fluxes with "
                          f"{reading.zero_point:g} (Jy), and this run was trained on "
                          f"magnitudes: give the zero point that puts these fluxes on its "
                          f"magnitude scale", LcformerWarning, stacklevel=2)
        else:
            inherited = inherited.replace(flux=True, zero_point=trained.zero_point)
            reading = reading.replace(zero_point=trained.zero_point)
    elif "zero_point" in given and "flux" not in given:
        if not trained.flux:
            raise ConfigError("--zero-point converts fluxes, and this run was trained on "
                              "magnitudes: give --flux too if the input holds fluxes")
        inherited = inherited.replace(flux=True, zero_point=reading.zero_point)
        reading = reading.replace(flux=True)
    if trained.flux and reading.flux and reading.zero_point != trained.zero_point:
        warnings.warn(f"--zero-point {reading.zero_point:g}: the run's training fluxes were "
                      f"read with {trained.zero_point:g}, so the same fluxes come out "
                      f"{reading.zero_point - trained.zero_point:+g} mag from what the model "
                      f"learnt (right only if these fluxes are in other units)",
                      LcformerWarning, stacklevel=2)
    if "band_names" not in given and trained.band_names:
        inherited = inherited.replace(band_names=trained.band_names)
        reading = reading.replace(band_names=trained.band_names)
    if "class_names" not in given and trained.class_names:
        inherited = inherited.replace(class_names=trained.class_names)
        reading = reading.replace(class_names=trained.class_names)
    if "columns" not in given:
        inherited = inherited.replace(columns=trained.columns)
        reading = reading.replace(columns=trained.columns)
    elif ("flag_bits" not in given and trained.columns.flag_bits
          and reading.columns.flag.lower() == trained.columns.flag.lower()):
        bits = trained.columns.flag_bits
        inherited = inherited.replace(columns=Columns(flag_bits=bits))
        reading = reading.replace(columns=reading.columns.replace(flag_bits=bits))
    return reading, inherited


#: The first readers (``READERS_VERSION``) that read Gaia's flux_over_error as errors.
SNR_READERS = 6
#: The first readers that read a flag column named as marking good rows (goodflag) so.
GOOD_FLAG_READERS = 7
#: What readers from some version on read otherwise: the report's events that show an input
#: read so, that version, and what the earlier readers did (said of a run they read).
READER_CHANGES = (
    (ONE_STAR_EVENTS, ONE_STAR_READERS,
     "read each of a star's several files as a star of its own; this input has such files "
     "({events}), read now as one star each: its training stars among them are not "
     "recognised as seen, so a score over them may count them; retrain the run to compare"),
    (("err_from_flux_over_error",), SNR_READERS,
     "left Gaia's points without errors; this input's get them from flux_over_error "
     "({events}), so its per-star values are not read as the model's were: retrain the run"),
    (("flag_marks_good_rows",), GOOD_FLAG_READERS,
     "read a flag column named as marking good rows (goodflag) as marking bad ones; this "
     "input's is read as its name says ({events}): if the run's training files had one, its "
     "model learnt from their bad rows: retrain the run"),
)


def older_readers(metadata: dict[str, Any], report: DropReport) -> list[str]:
    """What to say of a run whose training files were read by readers before a change of
    :data:`READER_CHANGES` (a star's several files read as several stars, Gaia's points
    without errors, a good-row flag read as a bad-row one), where this input's ``report``
    shows files read by that change: the model may not know them as it reads them now."""
    made = metadata.get("readers")
    if not isinstance(made, int):
        return []
    return [f"this run's training files were read by an earlier lcformer (readers {made}), "
            f"which {what.format(events=', '.join(found))}"
            for events, first, what in READER_CHANGES
            if made < first and (found := [e for e in events if report.events[e]])]


def warn_of_older_readers(metadata: dict[str, Any], report: DropReport) -> None:
    """:func:`older_readers`, warned of."""
    for said in older_readers(metadata, report):
        warnings.warn(said, LcformerWarning, stacklevel=2)
