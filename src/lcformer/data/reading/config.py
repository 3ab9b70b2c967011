"""How to read a user's tables: their column names and whether they hold fluxes.

Defined once here: the API passes :class:`Columns` / :class:`ReadConfig`, the CLI's
``--columns``, ``--flux`` and ``--zero-point`` set the same fields, and a prepared dataset's
cache key includes them (another mapping is another input).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from lcformer.config import Config, option_text, setting
from lcformer.errors import ConfigError

# The --columns spelling of each Columns field ("class" is the label's usual name).
ROLE_ALIASES = {"class": "label"}
# The Columns fields that name a column (the others say how to read one).
ROLES = ("id", "band", "time", "mag", "err", "label", "split", "flag")


@dataclass(frozen=True)
class Columns(Config):
    """Column names of a long table; rename here instead of renaming your files."""

    id: str = setting("id", "star identifier", cli=False)
    band: str = setting("band", "photometric band (optional)", cli=False)
    time: str = setting("time", "time of the observation, days", cli=False)
    mag: str = setting("mag", "magnitude (or flux, with flux=True)", cli=False)
    err: str = setting("err", "error of mag (optional)", cli=False)
    label: str = setting("class", "class name (labels table, or the table itself)", cli=False)
    split: str = setting("split", "a dataset's own train/test split (optional)", cli=False)
    flag: str = setting("flag", "quality flag (optional): rows whose flag is non-zero or true "
                                "are dropped and counted; '' reads no flag", cli=False)
    flag_bits: int = setting(
        0, "drop only rows whose quality flag has one of these bits set (a sum of powers of "
           "2, as lightkurve's quality_bitmask; a true/false flag drops when true); 0: any "
           "non-zero flag drops its row", metavar="MASK", cli=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        names = [n for n in self.all if n]
        if len(names) != len(self.all) - (self.flag == ""):
            raise ConfigError("columns: every column name but the flag's must be non-empty")
        if len(set(names)) != len(names):
            raise ConfigError(f"columns: a column name is used for two roles: {self.all}")
        if self.flag_bits < 0:
            raise ConfigError(f"flag_bits must be 0 (any non-zero flag) or a positive bit "
                              f"mask, got {self.flag_bits}")

    @property
    def required(self) -> tuple[str, str, str]:
        return (self.id, self.time, self.mag)

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(getattr(self, role) for role in ROLES)

    @property
    def roles(self) -> dict[str, str]:
        """Column name -> its ``--columns`` role ("class" for the label)."""
        aliases = {field: alias for alias, field in ROLE_ALIASES.items()}
        return {getattr(self, role): aliases.get(role, role) for role in ROLES}

    def resolve(self, found: list[str]) -> Columns:
        """These names, each replaced by the column of ``found`` that matches it ignoring case
        when there is no exact match (FITS tables often say TIME, MAG)."""
        lower: dict[str, list[str]] = {}
        for name in found:
            lower.setdefault(name.lower(), []).append(name)
        changes = {}
        for role in ROLES:
            name = getattr(self, role)
            matches = lower.get(name.lower(), [])
            if name not in found and len(matches) == 1:
                changes[role] = matches[0]
        return self.replace(**changes) if changes else self

    @classmethod
    def parse(cls, text: str) -> dict[str, str]:
        """``"id=objectId,time=mjd"`` -> ``{"id": "objectId", "time": "mjd"}``; ConfigError
        naming the valid roles otherwise."""
        mapping: dict[str, str] = {}
        for item in (i.strip() for i in text.split(",")):
            if not item:
                continue
            given, sep, name = (s.strip() for s in item.partition("="))
            role = ROLE_ALIASES.get(given, given)
            if not sep or not (name or role == "flag") or role not in ROLES:
                raise ConfigError(f"--columns: {item!r} is not ROLE=NAME with ROLE one of "
                                  f"{', '.join(cls().roles.values())}")
            if role in mapping:  # the last would win, unseen
                raise ConfigError(f"--columns: {given} is given twice ({mapping[role]!r} and "
                                  f"{name!r})")
            mapping[role] = name
        return mapping


@dataclass(frozen=True)
class ReadConfig(Config):
    columns: Columns = setting(factory=Columns)  # the CLI's --columns (cli.options)
    flux: bool = setting(
        False, "the mag (and err) columns hold fluxes: convert them to asinh magnitudes, "
               "which equal ZERO_POINT - 2.5 log10(flux) at high signal-to-noise and stay "
               "finite at and below zero flux (softened by each star's median flux error "
               "in the band) (default: off; input that looks like fluxes is refused)")
    zero_point: float = setting(
        8.9, "with --flux: the magnitude of a flux of 1 in your units (8.9: AB magnitudes "
             "of fluxes in Jy; 16.4 for mJy, 23.9 for uJy, a survey's zero point for counts, "
             "as 20.44 for TESS's e-/s)")

    def __post_init__(self) -> None:
        super().__post_init__()
        if not math.isfinite(self.zero_point):  # every magnitude would be NaN or infinite
            raise ConfigError(f"zero_point must be a finite number, got {self.zero_point}")
        # A flux's error beside magnitudes: in flux units, read as magnitudes it is nonsense
        # (5.0 Jy drops every point as large_err; 5e-6 makes every point look exact).
        err, mag = self.columns.err, self.columns.mag
        if (not self.flux and "flux" in err.lower() and "mag" not in err.lower()
                and "flux" not in mag.lower()):
            raise ConfigError(f"--columns err={err} names a flux's error beside magnitudes "
                              f"(mag={mag}): name the magnitudes' error column, or give the "
                              f"fluxes (mag=<flux column>) with --flux")

    def options(self) -> str:
        """The command-line options that give this reading ('' for the defaults)."""
        default = Columns()
        changed = [f"{role}={name}" for (name, role), before
                   in zip(self.columns.roles.items(), default.all, strict=True)
                   if name != before]
        words = [f"--columns {','.join(changed)}"] if changed else []
        if self.columns.flag_bits:
            words.append(option_text("flag_bits", str(self.columns.flag_bits)))
        if self.flux:
            words += ["--flux", option_text("zero_point", f"{self.zero_point:g}")]
        return " ".join(words)
