"""Settings round-trip through JSON and TOML, and refuse unknown keys and wrong types."""

from __future__ import annotations

import json
import tomllib

import pytest
import tomli_w
from hypothesis import given
from hypothesis import strategies as st

from lcformer.config import Config, dotted, list_text, parse_list
from lcformer.data.cleaning import CleaningConfig
from lcformer.data.periods import PeriodConfig
from lcformer.data.prepared import PrepareConfig
from lcformer.data.synthetic import SyntheticConfig
from lcformer.data.tokens import TokenConfig
from lcformer.data.views import ViewConfig
from lcformer.errors import ConfigError
from lcformer.experiments.grid import SweepConfig
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig, TrainConfig
from lcformer.training.run_folder import drop_none

ALL = [TokenConfig, CleaningConfig, PrepareConfig, SyntheticConfig, ModelConfig, TrainConfig,
       RunConfig, SweepConfig, ViewConfig, PeriodConfig]


@pytest.mark.parametrize("cls", ALL)
def test_defaults_round_trip_and_unknown_keys_are_named(cls: type[Config]) -> None:
    config = cls()
    data = config.to_dict()
    assert cls.from_dict(json.loads(json.dumps(data))) == config
    assert cls.from_dict(tomllib.loads(tomli_w.dumps(drop_none(data)))) == config
    with pytest.raises(ConfigError, match=r"unknown settings \['typo'\]"):
        cls.from_dict({**data, "typo": 1})


@given(epochs=st.integers(1, 500), lr=st.floats(1e-6, 1.0), patience=st.none() | st.integers(1, 9),
       emb_heads=st.sampled_from([(8, 2), (16, 4), (64, 8)]), split_seed=st.integers(0, 99),
       classes=st.none() | st.lists(st.text("abc", min_size=1), min_size=1, max_size=3))
def test_nested_configs_round_trip(epochs, lr, patience, emb_heads, split_seed, classes) -> None:
    run = RunConfig(model=ModelConfig(name="gru", emb=emb_heads[0], heads=emb_heads[1]),
                    train=TrainConfig(epochs=epochs, lr=lr, patience=patience),
                    split_seed=split_seed)
    assert RunConfig.from_dict(json.loads(json.dumps(run.to_dict()))) == run
    prepare = PrepareConfig(classes=None if classes is None else tuple(classes))
    assert PrepareConfig.from_dict(json.loads(json.dumps(prepare.to_dict()))) == prepare


def test_wrong_types_and_values_are_named() -> None:
    with pytest.raises(ConfigError, match="TrainConfig: epochs must be an integer"):
        TrainConfig.from_dict({"epochs": "10"})
    with pytest.raises(ConfigError, match="schedule must be one of"):
        TrainConfig(schedule="linear")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="RunConfig: train: lr must be a number"):
        RunConfig.from_dict({"train": {"lr": "fast"}})
    with pytest.raises(ConfigError, match="divisible"):
        SweepConfig(heads=(3,), embs=(32,))
    # Lists from JSON become tuples, ints become floats where a float is asked.
    assert CleaningConfig.from_dict({"sentinel_values": [25]}).sentinel_values == (25.0,)


def test_a_list_in_a_message_reads_back_as_the_option_takes_it() -> None:
    names = ['"Mira"', "EB", "RR Lyrae, First Overtone", 'quoted "x", y']
    assert parse_list(list_text(names)) == names


def test_the_word_none_is_quoted_in_a_list() -> None:
    """"none" alone would read back as no list at all (every class kept)."""
    assert list_text(["none"]) == '"none"' and list_text(["a", "None"], ",") == 'a,"None"'


def test_dotted_joins_nested_keys_and_keeps_values() -> None:
    nested = {"a": 1, "b": {"c": None, "d": {"e": [1, 2]}}, "f": {}}
    assert dotted(nested) == {"a": 1, "b.c": None, "b.d.e": [1, 2]}
    assert dotted({"x": {"y": 2}}, "run.") == {"run.x.y": 2}
