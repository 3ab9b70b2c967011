"""CLI options come from the settings dataclasses: their defaults cannot drift apart."""

from __future__ import annotations

import argparse
import dataclasses
import re

import pytest

from lcformer.cli import build_parser
from lcformer.cli.options import _shown, config_from_args
from lcformer.config import Config
from lcformer.data.cleaning import CleaningConfig
from lcformer.data.datasets import REGISTRY as DATASETS
from lcformer.data.periods import PeriodConfig
from lcformer.data.prepared import PrepareConfig
from lcformer.data.reading.config import Columns, ReadConfig
from lcformer.data.tokens import TokenConfig
from lcformer.data.views import ViewConfig
from lcformer.evaluation.flags import FlagConfig
from lcformer.experiments.ablation import AblationConfig
from lcformer.experiments.demo import DEMO_RUN
from lcformer.experiments.grid import SweepConfig
from lcformer.models.config import ModelConfig
from lcformer.training.config import RunConfig, TrainConfig

CONFIGS = {c.__name__: c for c in (TokenConfig, CleaningConfig, PrepareConfig, ModelConfig,
                                   TrainConfig, RunConfig, SweepConfig, ViewConfig,
                                   PeriodConfig, ReadConfig, Columns, AblationConfig,
                                   FlagConfig)}


def subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return dict(sub.choices)


@pytest.mark.parametrize("command", sorted(subparsers()))
def test_every_generated_option_shows_its_dataclass_default(command) -> None:
    parser = subparsers()[command]
    preset = RunConfig.for_model(ModelConfig().name)  # train shows the default model's
    bases = ({"TrainConfig": DEMO_RUN.train} if command == "demo" else
             {"TrainConfig": AblationConfig().train} if command == "ablation" else
             {} if command == "sweep" else
             {"TrainConfig": preset.train, "ModelConfig": preset.model})
    for action in parser._actions:
        if "." not in action.dest:
            continue
        cls_name, field = action.dest.split(".")
        cls = CONFIGS[cls_name]
        assert field in {f.name for f in dataclasses.fields(cls)}
        assert action.default is argparse.SUPPRESS  # nothing restated: unset means default
        assert action.help, f"{command} {action.option_strings} has no help"
        worded = "default" in next(f for f in dataclasses.fields(cls)
                                   if f.name == field).metadata["help"]
        shown = re.search(r"\(default: ([^)]*)\)$", action.help)
        assert shown or worded, (command, action.dest)
        value, *presets = (shown.group(1).split("; ")
                           if shown and cls in (TokenConfig, CleaningConfig) else
                           (shown.group(1) if shown else "",))
        if shown and not worded and "model's" not in value:
            base = bases.get(cls_name) or cls()
            assert value == _shown(getattr(base, field)), (command, action.dest)
        for preset in presets:  # a dataset's own, where it differs: "eros1: 60"
            name, own = preset.split(": ", 1)
            spec = DATASETS[name]
            group = spec.tokens if cls is TokenConfig else spec.cleaning
            assert own == _shown(getattr(group, field)) != value, (command, action.dest)


@pytest.mark.parametrize("cls", [TrainConfig, ModelConfig, RunConfig, SweepConfig])
def test_no_option_given_is_the_dataclass_default(cls: type[Config]) -> None:
    args = subparsers()["sweep" if cls is SweepConfig else "train"].parse_args(["synthetic"])
    assert config_from_args(cls, args) == cls()


def test_train_starts_from_the_chosen_models_preset() -> None:
    from lcformer.cli.commands import run_preset

    train = subparsers()["train"]
    assert run_preset(train.parse_args(["x"])) == RunConfig.for_model("periodic")
    research = config_from_args(RunConfig, train.parse_args(["x", "--model", "encoder"]),
                                run_preset(train.parse_args(["x", "--model", "encoder"])))
    assert research.train == TrainConfig() and research.train.epochs == 150
    assert RunConfig.for_model("periodic").train.epochs == 30


def test_options_given_change_only_those_fields() -> None:
    args = subparsers()["train"].parse_args(
        ["x", "--model", "gru", "--epochs", "3", "--patience", "none", "--clip-grad", "none",
         "--classes", "a,b", "--head", "pooled", "--no-research"])
    run = config_from_args(RunConfig, args)
    assert run == RunConfig(model=ModelConfig(name="gru", head="pooled"),
                            train=TrainConfig(epochs=3, clip_grad=None))
    prepare = config_from_args(PrepareConfig, args, PrepareConfig())
    assert prepare == PrepareConfig(classes=("a", "b"))


def test_demo_defaults_are_the_demo_run() -> None:
    args = subparsers()["demo"].parse_args([])
    assert config_from_args(TrainConfig, args, DEMO_RUN.train) == DEMO_RUN.train


def test_a_bad_value_is_an_argparse_error(capsys) -> None:
    with pytest.raises(SystemExit):
        subparsers()["train"].parse_args(["x", "--epochs", "many"])
    assert "not a valid value: 'many'" in capsys.readouterr().err


def test_a_class_name_with_a_comma_is_given_in_double_quotes() -> None:
    """asas_acvs has "RR Lyrae, First Overtone": a plain split made it two unknown classes."""
    args = build_parser().parse_args(
        ["prepare", "asas_acvs", "--classes", '"RR Lyrae, First Overtone", Delta Scuti'])
    assert config_from_args(PrepareConfig, args).classes == ("RR Lyrae, First Overtone",
                                                             "Delta Scuti")
    args = build_parser().parse_args(["prepare", "asas_acvs", "--classes", "a, b,c"])
    assert config_from_args(PrepareConfig, args).classes == ("a", "b", "c")


@pytest.mark.parametrize("text", ["a\nb", '"unclosed, a'])
def test_a_malformed_list_is_a_usage_error(text, capsys) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args(["prepare", "synthetic", "--classes", text])
    assert info.value.code == 2 and "--classes: not a valid value" in capsys.readouterr().err


def test_a_tuple_option_takes_none_back_as_empty() -> None:
    """The help shows an empty tuple as "none" (--band-names, --sentinel-values): the option
    must take that word back, to turn off a run's inherited renaming."""
    from lcformer.cli.options import _parser_for

    assert _parser_for(tuple[str, ...])("none") == ()
    assert _parser_for(tuple[str, ...])("1=g,2=r") == ("1=g", "2=r")
    assert _parser_for(tuple[float, ...])("None") == ()
