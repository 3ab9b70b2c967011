"""Settings as frozen dataclasses: one definition serves the API, the CLI and every file.

Each setting is a dataclass field declared with :func:`setting`, which carries its help text.
From that one declaration

* the CLI builds its option (``lcformer.cli.options``: flag, type, choices, help, default),
* :meth:`Config.to_dict` / :meth:`Config.from_dict` write and read it in checkpoints, run
  folders, prepared folders and sweeps, strictly: an unknown key or a value of the wrong type
  is a :class:`~lcformer.errors.ConfigError` naming the key, never a silently different run.

A key missing from a stored dict takes the field's default, so files written before a setting
existed still load (they meant the default). TOML has no null: an unset optional setting is
written there as ``"none"`` (the CLI's word for it) and read back as None.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import numbers
import types
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any, Literal, Self, TypeVar, Union

import numpy as np

from lcformer.errors import ConfigError

T = TypeVar("T")


def setting(default: Any = dataclasses.MISSING, help: str = "", *,
            factory: Any = dataclasses.MISSING, cli: bool = True,
            metavar: str | None = None) -> Any:
    """A config field with its help text; ``cli=False`` keeps it out of the command line."""
    metadata = {"help": help, "cli": cli, "metavar": metavar}
    if factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@cache
def hints(cls: type) -> dict[str, Any]:
    """Resolved type hints of a dataclass (the modules use ``from __future__ import
    annotations``, so the field types are strings until resolved)."""
    return typing.get_type_hints(cls)


def literal_choices(hint: Any) -> tuple[Any, ...] | None:
    """The allowed values of a ``Literal[...]`` hint (also inside ``X | None``)."""
    if typing.get_origin(hint) is Literal:
        return typing.get_args(hint)
    if is_optional(hint):
        return literal_choices(without_none(hint))
    return None


def is_optional(hint: Any) -> bool:
    return (typing.get_origin(hint) in (Union, types.UnionType)
            and type(None) in typing.get_args(hint))


def without_none(hint: Any) -> Any:
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    return args[0] if len(args) == 1 else Union[tuple(args)]  # noqa: UP007


def convert(hint: Any, value: Any, where: str) -> Any:
    """``value`` read from JSON/TOML as the type ``hint`` asks, or a ConfigError."""
    if is_optional(hint):
        if value is None or (value == "none" and without_none(hint) is not str):
            return None
        return convert(without_none(hint), value, where)
    origin = typing.get_origin(hint)
    if origin is Literal:
        if value not in typing.get_args(hint):
            raise ConfigError(f"{where} must be one of {list(typing.get_args(hint))}, "
                              f"got {value!r}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise ConfigError(f"{where} must be a list, got {value!r}")
        item = typing.get_args(hint)[0]
        return tuple(convert(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if isinstance(hint, type) and issubclass(hint, Config):
        if isinstance(value, hint):
            return value
        if not isinstance(value, Mapping):
            raise ConfigError(f"{where} must be a {hint.__name__} (or a table of its settings), "
                              f"got {value!r}")
        return hint.from_dict(value, where=where)
    if hint is Any:
        return value
    # NumPy's numbers are numbers (a grid search over np.arange); kept as Python's, which
    # TOML and JSON write
    if hint is bool:
        if not isinstance(value, bool | np.bool_):
            raise ConfigError(f"{where} must be true or false, got {value!r}")
        return bool(value)
    if hint is int:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"{where} must be an integer, got {value!r}")
        return int(value)
    if hint is float:
        if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
            raise ConfigError(f"{where} must be a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where} must be a string, got {value!r}")
        return value
    return value


def option_text(name: str, value: Any) -> str:
    """A setting as the command line writes it: ``--max-obs 64``, ``--research``,
    ``--no-features``."""
    flag = name.replace("_", "-")
    if isinstance(value, bool):
        return f"--{flag}" if value else f"--no-{flag}"
    return f"--{flag} {'none' if value is None else value}"


def parse_list(text: str) -> list[str]:
    """A list option's values (``--classes a,b``), read as CSV: a value with a comma in double
    quotes ("RR Lyrae, First Overtone"), a quote in it doubled; ValueError if malformed."""
    try:
        rows = list(csv.reader([text], skipinitialspace=True, strict=True))
    except csv.Error as error:
        raise ValueError(f"not a comma-separated list: {error}") from None
    return [v.strip() for v in (rows[0] if rows else []) if v.strip()]


def list_text(values: Any, sep: str = ", ") -> str:
    """Values as a list option takes them back (:func:`parse_list`), for messages."""
    def one(value: str) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow([value])
        text = out.getvalue()  # "none" alone is the option's word for no list: quoted
        return f'"{text}"' if text.lower() == "none" else text

    return sep.join(one(str(v)) for v in values)


def dotted(values: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """A nested dict (a config's ``to_dict``) as one level, its keys joined by dots."""
    out: dict[str, Any] = {}
    for key, value in values.items():
        out |= (dotted(value, f"{prefix}{key}.") if isinstance(value, Mapping)
                else {f"{prefix}{key}": value})
    return out


def earlier_settings(before: Mapping[str, Any], now: Mapping[str, Any],
                     defaults: Mapping[str, Any]) -> list[str]:
    """The settings that ``now`` has and ``before`` (saved by an earlier lcformer) lacks, at
    this version's ``defaults`` (an option given has another value: it is the user's), where
    those are all that differ; [] otherwise. An unset setting (None, TOML's "none") counts as
    present: settings saved with it are this version's."""
    def plain(values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: None if v == "none" else v for k, v in dotted(values).items()}

    a, b, default = plain(before), plain(now), plain(defaults)
    added = [k for k in b if k not in a]
    if not added or any(k not in default or b[k] != default[k] for k in added):
        return []
    return added if all(b.get(k) == v for k, v in a.items()) else []


def _plain(value: Any) -> Any:
    if isinstance(value, Config):
        return value.to_dict()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


class Config:
    """Mixin of the frozen settings dataclasses: checked on construction, strict dict round
    trips.

    Every field's value is checked against its type hint when the object is made (from Python,
    the CLI or a file alike), and normalised: a list becomes a tuple, an int a float, a dict a
    nested config. Subclasses with further invariants call ``super().__post_init__()`` first.
    """

    def __post_init__(self) -> None:
        types_ = hints(type(self))
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = convert(types_[f.name], getattr(self, f.name), f.name)
            object.__setattr__(self, f.name, value)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict of str/int/float/bool/None/lists/dicts, for JSON and TOML."""
        return {f.name: _plain(getattr(self, f.name))
                for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str = "") -> Self:
        """Inverse of :meth:`to_dict`; unknown keys and wrong values are named in the error."""
        name = where or cls.__name__
        if not isinstance(data, Mapping):
            raise ConfigError(f"{name} must be a table of settings, got {data!r}")
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - known)
        if unknown:
            raise ConfigError(f"{name}: unknown settings {unknown}; valid: {sorted(known)}")
        try:
            return cls(**data)
        except TypeError as exc:  # a required field without a default is missing
            raise ConfigError(f"{name}: {exc}") from None
        except ValueError as exc:
            raise ConfigError(f"{name}: {exc}") from None

    def replace(self, **changes: Any) -> Self:
        return dataclasses.replace(self, **changes)  # type: ignore[type-var]
