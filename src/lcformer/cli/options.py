"""Command-line options generated from the settings dataclasses (:mod:`lcformer.config`).

Each option's flag, type, choices, help and shown default come from its dataclass field, so
the CLI cannot disagree with the Python API. Options the user does not give are left out of
the parsed namespace (``argparse.SUPPRESS``); :func:`config_from_args` then starts from a base
config (the dataclass defaults, or a dataset's presets) and changes only what was given.
Option destinations are namespaced by class (``TrainConfig.seed``), so two configs may have
fields of the same name.
"""

from __future__ import annotations

import argparse
import dataclasses
import re
import typing
from collections.abc import Callable, Collection, Mapping
from typing import Any, TypeVar

from lcformer.config import (
    Config,
    hints,
    is_optional,
    list_text,
    literal_choices,
    parse_list,
    without_none,
)

C = TypeVar("C", bound=Config)


def dest(cls: type[Config], name: str) -> str:
    return f"{cls.__name__}.{name}"


def _parser_for(hint: Any) -> Callable[[str], Any]:
    """str -> value for a field's type; "none" gives None where the field allows it."""
    optional = is_optional(hint)
    base = without_none(hint) if optional else hint

    def parse_one(text: str) -> Any:
        if optional and text.lower() == "none":
            return None
        if typing.get_origin(base) is tuple:
            if text.strip().lower() == "none":  # as an empty one is shown (_shown)
                return ()
            item = typing.get_args(base)[0]
            return tuple(item(v) for v in parse_list(text))
        return base(text)

    def parse(text: str) -> Any:
        try:
            return parse_one(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a valid value: {text!r}") from None

    return parse


def _bit_mask(text: str) -> int:
    """A whole number, or one written 0x..., 0o... or 0b... (Pan-STARRS gives its flags'
    bits in hexadecimal)."""
    prefixed = text.strip().lower().startswith(("0x", "0o", "0b"))
    return int(text, 0) if prefixed else int(text)


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return list_text(value, ",") or "none"  # as the option takes it back
    return "none" if value is None else str(value)


def add_config_options(parser: argparse.ArgumentParser, cls: type[Config], title: str, *,
                       base: Config | None = None, only: Collection[str] | None = None,
                       skip: Collection[str] = (), default_note: str | None = None,
                       presets: Mapping[str, Config] | None = None
                       ) -> argparse._ArgumentGroup:
    """One option per (non-nested, CLI-visible) field of ``cls``, in a group ``title``
    (returned, for options added by hand).

    The shown default is the field's value in ``base`` (default: ``cls()``), followed by the
    ``presets`` (a dataset's name: its own ``cls``) that differ from it; or ``default_note``
    where the base depends on what is given (a model's own settings).
    """
    group = parser.add_argument_group(title)
    types_ = hints(cls)
    base = base if base is not None else cls()
    for f in dataclasses.fields(cls):
        hint = types_[f.name]
        nested = isinstance(hint, type) and issubclass(hint, Config)
        if (nested or not f.metadata.get("cli", True) or f.name in skip
                or (only is not None and f.name not in only)):
            continue
        text = f.metadata.get("help", "")
        value = getattr(base, f.name)
        own = [f"{name}: {_shown(getattr(preset, f.name))}"
               for name, preset in (presets or {}).items() if getattr(preset, f.name) != value]
        if default_note or own or "default" not in text:  # else the help says it in words
            default = default_note or "; ".join(
                [f"default: {_shown(value)}"] * ("default" not in text) + own)
            text = f"{text} ({default})" if text else f"({default})"
        kwargs: dict[str, Any] = {"dest": dest(cls, f.name), "default": argparse.SUPPRESS,
                                  "help": text}
        if hint is not bool and literal_choices(hint) is None:
            kwargs["metavar"] = f.metadata.get("metavar") or f.name.upper()
        if hint is bool:
            kwargs["action"] = argparse.BooleanOptionalAction
        elif (choices := literal_choices(hint)) is not None:
            kwargs["choices"] = [c for c in choices if c != ""]  # "": the documented default
        else:
            kwargs["type"] = _parser_for(hint)
        group.add_argument("--" + f.name.replace("_", "-"), **kwargs)
    return group


def given(args: argparse.Namespace, cls: type[Config]) -> dict[str, Any]:
    """The fields of ``cls`` that the command line set."""
    prefix = f"{cls.__name__}."
    return {k[len(prefix):]: v for k, v in vars(args).items() if k.startswith(prefix)}


def config_from_args(cls: type[C], args: argparse.Namespace, base: C | None = None) -> C:
    """``base`` (default ``cls()``) with what the command line set, nested configs included."""
    from lcformer.errors import ConfigError

    base = base if base is not None else cls()
    changes = given(args, cls)
    options = list(changes)  # this config's own options, not its nested configs
    types_ = hints(cls)
    for f in dataclasses.fields(cls):
        hint = types_[f.name]
        if isinstance(hint, type) and issubclass(hint, Config):
            changes[f.name] = config_from_args(hint, args, getattr(base, f.name))
    try:
        return base.replace(**changes)
    except ConfigError as error:  # named as the command line names it: --time-limit
        text = str(error)
        for name in options:  # where it is the subject: "time_limit must", "min_period (10)"
            text = re.sub(rf"(^|(?<=[\s(])){name}(?=\s+must\b|\s+\(|=|\s*$)",
                          f"--{name.replace('_', '-')}", text)
        raise ConfigError(text) from None


class _ColumnsAction(argparse.Action):
    """``--columns ROLE=NAME,...`` sets the :class:`~lcformer.data.reading.config.Columns`
    fields it names, so :func:`config_from_args` builds them like any other setting."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        from lcformer.data.reading.config import Columns
        from lcformer.errors import ConfigError

        try:
            mapping = Columns.parse(str(values))
            Columns().replace(**mapping)  # one name for two roles: refused here, not later
        except ConfigError as error:
            parser.error(str(error))
        for role, name in mapping.items():
            setattr(namespace, dest(Columns, role), name)


def add_reading_options(parser: argparse.ArgumentParser, for_run: bool = False) -> None:
    """``--columns`` and the :class:`~lcformer.data.reading.config.ReadConfig` settings
    (``--flux``, ``--zero-point``): how to read the user's own tables; ``for_run``: a
    trained run's (predict), whose own reading is the default."""
    from lcformer.data.reading.config import Columns, ReadConfig

    group = add_config_options(parser, ReadConfig, "reading your tables")
    if for_run:
        group.description = (
            "Without these options, new stars are read as the run's training tables were "
            "read (its column names, --flux and --zero-point, --band-names), and predict "
            "says so; the defaults shown are train's, not this run's. --columns replaces "
            "the run's names (all of them), --flux with --zero-point its reading of fluxes, "
            "and --band-names its renaming.")
    group.add_argument(
        "--columns", action=_ColumnsAction, default=argparse.SUPPRESS, metavar="ROLE=NAME,...",
        help=f"column names of your tables, ROLE one of {', '.join(Columns().roles.values())}, "
             "e.g. id=objectId,time=mjd,mag=mag,err=magerr,band=filtercode,flag=catflags "
             "(default: the roles' own names; a different case, as FITS's TIME, also "
             "matches); for per-star files with a header, their time, mag, err, band and "
             "flag columns. Rows whose flag is non-zero or true are dropped and counted. Rows "
             "of several bands: mag:BAND=NAME,err:BAND=NAME for each, e.g. "
             "mag:W1=w1mpro,err:W1=w1sigmpro,mag:W2=w2mpro,err:W2=w2sigmpro")
    bits = next(f for f in dataclasses.fields(Columns) if f.name == "flag_bits")
    group.add_argument(  # a Columns field: read with the column names, as one group
        "--flag-bits", dest=dest(Columns, "flag_bits"), default=argparse.SUPPRESS,
        type=_parser_for(_bit_mask), metavar=bits.metadata["metavar"],
        help=f"{bits.metadata['help']}; 0x... in hexadecimal, as Pan-STARRS documents its "
             f"bits (default: {bits.default})")
