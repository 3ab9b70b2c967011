"""How a trained run reads new stars, and what is said where it read files otherwise."""

from __future__ import annotations

import json
import warnings

import pytest

from lcformer.data.reading import READERS_VERSION
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.report import DropReport
from lcformer.errors import ConfigError
from lcformer.evaluation.new_star_reading import (
    new_star_reading,
    trained_reading,
    warn_of_older_readers,
)


def test_a_model_trained_on_fluxes_read_the_earlier_way_is_warned_of(periodic,
                                                                     recwarn) -> None:
    """Fluxes are read as asinh magnitudes since readers version 3: an older flux-trained
    model would see other magnitudes of faint stars than it learnt from."""
    metadata = json.loads(json.dumps(periodic[1]))
    assert metadata["readers"] == READERS_VERSION
    metadata["prepare"]["reading"]["flux"] = True
    assert trained_reading(metadata).flux and not recwarn.list  # trained by this lcformer
    del metadata["readers"]
    with pytest.warns(UserWarning, match=r"trained on fluxes read as -2\.5 log10\(flux\) "
                                         r"magnitudes.*train it again"):
        trained_reading(metadata)
    metadata["prepare"]["reading"]["flux"] = False  # magnitudes: read as they always were
    trained_reading(metadata)
    assert len(recwarn.list) == 0


def test_new_stars_are_read_as_the_training_tables_were_unless_the_user_says_otherwise(
        ) -> None:
    """The two groups of options (columns; flux with zero point) given are used as they
    stand, one not given is the model's; half the flux group takes the other half from it."""
    named = Columns(id="objectId", mag="flux", err="flux_err")
    trained = ReadConfig(columns=named, flux=True, zero_point=23.9)
    reading, inherited = new_star_reading(trained, ReadConfig(), {})
    assert reading == trained and inherited == trained
    mine = Columns(id="source")
    reading, inherited = new_star_reading(trained, ReadConfig(columns=mine, flux=True),
                                          {"columns": mine, "flux": True})
    assert reading == ReadConfig(columns=mine, flux=True, zero_point=23.9)
    assert inherited == ReadConfig(flux=True, zero_point=23.9)
    reading, inherited = new_star_reading(trained, ReadConfig(zero_point=23.9),
                                          {"zero_point": 23.9})
    assert reading == trained and inherited.columns == named
    with pytest.raises(ConfigError, match="not with --no-flux"):
        new_star_reading(trained, ReadConfig(zero_point=1.0), {"flux": False, "zero_point": 1.0})
    with pytest.raises(ConfigError, match="this run was trained on magnitudes"):
        new_star_reading(ReadConfig(), ReadConfig(zero_point=23.9), {"zero_point": 23.9})
    # New columns naming magnitudes for a run trained on fluxes: not read as fluxes unasked.
    ztf = Columns(id="oid", time="mjd", mag="mag", err="magerr")
    with pytest.raises(ConfigError, match=r"from column 'mag' \(the default name\), named as "
                                         r"magnitudes.*give --no-flux"):
        new_star_reading(trained, ReadConfig(columns=ztf), {"columns": ztf})
    # The run's own flux column under the same name: read as it was.
    own = ReadConfig(flux=True, zero_point=31.4)
    flags = Columns(flag_bits=4)
    assert new_star_reading(own, ReadConfig(columns=flags), {"columns": flags})[0].flux
    reading, _ = new_star_reading(trained, ReadConfig(columns=ztf), {"columns": ztf,
                                                                     "flux": False})
    assert not reading.flux
    # Columns given with the run's flag column keep its bit mask, and say so (PS1's
    # infoFlag is non-zero on good rows; without the mask every row is dropped); a mask
    # given, or another flag column, is the user's.
    ps1 = ReadConfig(columns=Columns(id="objID", mag="psfFlux", flag="infoFlag",
                                     flag_bits=14640), flux=True, zero_point=8.9)
    mine = Columns(id="objID", mag="psfFlux", flag="infoFlag")
    reading, inherited = new_star_reading(ps1, ReadConfig(columns=mine), {"columns": mine})
    assert reading.columns == mine.replace(flag_bits=14640)
    assert inherited.options() == "--flag-bits 14640 --flux --zero-point 8.9"
    reading, _ = new_star_reading(ps1, ReadConfig(columns=mine), {"columns": mine,
                                                                  "flag_bits": 0})
    assert reading.columns.flag_bits == 0
    upper = mine.replace(flag="INFOFLAG")  # columns match ignoring case
    assert new_star_reading(ps1, ReadConfig(columns=upper),
                            {"columns": upper})[0].columns.flag_bits == 14640
    other = mine.replace(flag="infoFlag2")
    assert new_star_reading(ps1, ReadConfig(columns=other),
                            {"columns": other})[0].columns.flag_bits == 0


def test_a_runs_band_names_are_new_stars_unless_the_user_gives_others() -> None:
    """A run trained with --band-names 1=g,2=r reads new stars so (and says so); names given
    are the user's, none (an empty tuple given) reads the bands as they are."""
    trained = ReadConfig(band_names=("1=g", "2=r"))
    reading, inherited = new_star_reading(trained, ReadConfig(), {})
    assert reading.band_names == ("1=g", "2=r")
    assert "--band-names 1=g,2=r" in inherited.options()
    mine = ReadConfig(band_names=("zg=g",))
    assert new_star_reading(trained, mine, {"band_names": ("zg=g",)})[0].band_names == (
        "zg=g",)
    assert new_star_reading(trained, ReadConfig(), {"band_names": ()})[0].band_names == ()


@pytest.mark.parametrize(("event", "first", "says"), [
    # a star's several files read as several stars: fingerprints miss the joined stars,
    # which a score could count
    ("one_star_in_several_files", 5, r"which read each of a star.s several files as a star "
                                     r"of its own; this input has such files "
                                     r"\(one_star_in_several_files\)"),
    ("err_from_flux_over_error", 6, r"which left Gaia's points without errors"),
    ("flag_marks_good_rows", 7, r"which read a flag column named as marking good rows"),
])
def test_a_run_read_by_earlier_readers_is_warned_of_where_the_input_is_read_otherwise(
        event: str, first: int, says: str) -> None:
    """Said where the input has files read by the change, for a run read before it."""
    report = DropReport()
    report.note(event, 4)
    with pytest.warns(UserWarning, match=rf"earlier lcformer \(readers {first - 1}\), {says}"):
        warn_of_older_readers({"readers": first - 1}, report)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_of_older_readers({"readers": first}, report)  # its readers
        warn_of_older_readers({"readers": first - 1}, DropReport())  # no such file
        warn_of_older_readers({}, report)  # (a run that does not say: not guessed)
