"""How to read a user's tables: their column names and whether they hold fluxes.

Defined once here: the API passes :class:`Columns` / :class:`ReadConfig`, the CLI's
``--columns``, ``--flux`` and ``--zero-point`` set the same fields, and a prepared dataset's
cache key includes them (another mapping is another input).
"""

from __future__ import annotations

import math
import shlex
from dataclasses import dataclass
from typing import Any

from lcformer.config import Config, list_text, option_text, setting
from lcformer.errors import ConfigError

# The --columns spelling of each Columns field ("class" is the label's usual name).
ROLE_ALIASES = {"class": "label"}
# The Columns fields that name a column (the others say how to read one).
ROLES = ("id", "band", "time", "mag", "err", "label", "split", "flag")
#: The roles --columns may give per band (``mag:W1=w1mpro``), where a row holds several bands.
BAND_ROLES = ("mag", "err")


@dataclass(frozen=True)
class BandColumns(Config):
    """One band's mag (and err) columns, where each row holds several bands (NEOWISE's
    ``w1mpro`` and ``w2mpro``): ``--columns mag:W1=w1mpro,err:W1=w1sigmpro``."""

    band: str = setting("", "the band's name: its curves are named so", cli=False)
    mag: str = setting("", "its magnitude (or flux) column", cli=False)
    err: str = setting("", "its error column ('' for none)", cli=False)

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.band.strip() or not self.mag:
            raise ConfigError(f"columns: a band read from its own columns needs a name and a "
                              f"mag column (mag:BAND=NAME), got band={self.band!r}, "
                              f"mag={self.mag!r}")


#: Time columns named as years (DASCH's ``year`` beside its ``JD``), which --columns refuses.
YEAR_NAMES = frozenset({"year", "years", "yr", "yrs", "decyear", "dec_year", "decimal_year",
                        "year_dec", "jyear", "byear"})


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
    per_band: tuple[BandColumns, ...] = setting(
        (), "rows that hold several bands: each band's mag and err columns, read as one "
            "curve a band (mag:W1=w1mpro,mag:W2=w2mpro); the row's flag applies to all; "
            "mag, err and band are then not read", cli=False)
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
            twice = next(n for n in names if names.count(n) > 1)
            roles = [role for role, n in self._named if n == twice]
            fields = Columns.__dataclass_fields__
            defaults = [r for r in roles if r in ROLES and fields[r].default == twice]
            said = (f" ({defaults[0]} keeps its default name, {twice!r}, unless --columns "
                    f"gives it another)" if defaults else "")
            raise ConfigError(f"columns: column {twice!r} is named for two roles, "
                              f"{' and '.join('class' if r == 'label' else r for r in roles)}"
                              f"{said}: give each role its own column"
                              + (" (ATLAS's err flag: --columns err=dm,flag=err)"
                                 if twice == "err" else ""))
        if self.time.strip().lower().replace("-", "_") in YEAR_NAMES:
            raise ConfigError(f"--columns time={self.time}: lcformer reads times in days, and "
                              f"decimal years (1890.5) would give periods 365 times too short; "
                              f"convert them to JD or MJD first (astropy: Time(years, "
                              f"format='decimalyear').jd), or map time to the file's JD column")
        if self.per_band:
            self._check_bands()
        if self.flag_bits < 0:
            raise ConfigError(f"flag_bits must be 0 (any non-zero flag) or a positive bit "
                              f"mask, got {self.flag_bits}")

    def _check_bands(self) -> None:
        """``mag:BAND=`` names every band's columns: a plain mag, err or band beside it
        would be read by nobody, and two bands of one name would be one curve."""
        default = Columns()
        plain = [f"{role}={getattr(self, role)}" for role in ("mag", "err", "band")
                 if getattr(self, role) != getattr(default, role)]
        if plain:
            raise ConfigError(f"--columns {','.join(plain)} beside mag:BAND=NAME: with bands "
                              f"read from their own columns, give each band's mag:BAND and "
                              f"err:BAND (its curves are named BAND), not mag, err or band")
        names = [b.band for b in self.per_band]
        if len(set(names)) != len(names):
            raise ConfigError(f"columns: band {next(n for n in names if names.count(n) > 1)!r} "
                              f"is given twice")

    @property
    def mags(self) -> tuple[tuple[str, str, str], ...]:
        """(band, mag, err) of each band a row holds: ``per_band``'s, or one of no name."""
        if not self.per_band:
            return (("", self.mag, self.err),)
        return tuple((b.band, b.mag, b.err) for b in self.per_band)

    def for_band(self, band: str) -> Columns:
        """These columns as a reader of one band takes them: that band's mag and err (an
        err not given: the default, which per-star files look for by their own names)."""
        found = next(b for b in self.per_band if b.band == band)
        return self.replace(per_band=(), mag=found.mag, err=found.err or Columns().err)

    @property
    def required(self) -> tuple[str, ...]:
        return (self.id, self.time, *(mag for _, mag, _ in self.mags))

    @property
    def _named(self) -> list[tuple[str, str]]:
        """(role, column name) of every column these columns read: each band's mag and err
        (``mag:W1``) in place of mag, err and band where rows hold several bands."""
        plain = ("mag", "err", "band") if self.per_band else ()
        named = [(role, getattr(self, role)) for role in ROLES if role not in plain]
        for band in self.per_band:
            named += [(f"mag:{band.band}", band.mag)] + (
                [(f"err:{band.band}", band.err)] if band.err else [])
        return named

    @property
    def all(self) -> tuple[str, ...]:
        return tuple(name for _, name in self._named)

    @property
    def roles(self) -> dict[str, str]:
        """Column name -> its ``--columns`` role ("class" for the label, ``mag:W1`` for a
        band's own)."""
        aliases = {field: alias for alias, field in ROLE_ALIASES.items()}
        return {name: aliases.get(role, role) for role, name in self._named}

    def to_dict(self) -> dict[str, Any]:
        """:meth:`Config.to_dict`, without ``per_band`` where it is empty: the stored
        settings (and prepared datasets' cache keys) of one-band tables stay as they were."""
        values = super().to_dict()
        if not self.per_band:
            del values["per_band"]
        return values

    def resolve(self, found: list[str]) -> Columns:
        """These names, each replaced by the column of ``found`` that matches it ignoring case
        when there is no exact match (FITS tables often say TIME, MAG)."""
        lower: dict[str, list[str]] = {}
        for name in found:
            lower.setdefault(name.lower(), []).append(name)
        def match(name: str) -> str:
            matches = lower.get(name.lower(), [])
            return matches[0] if name not in found and len(matches) == 1 else name

        changes: dict[str, Any] = {role: match(getattr(self, role)) for role in ROLES
                                   if match(getattr(self, role)) != getattr(self, role)}
        bands = tuple(b.replace(mag=match(b.mag), err=match(b.err) if b.err else "")
                      for b in self.per_band)
        if bands != self.per_band:
            changes["per_band"] = bands
        return self.replace(**changes) if changes else self

    @classmethod
    def parse(cls, text: str) -> dict[str, Any]:
        """``"id=objectId,time=mjd"`` -> ``{"id": "objectId", "time": "mjd"}``; a band's own
        columns, ``mag:W1=w1mpro,err:W1=w1sigmpro``, -> ``{"per_band": (BandColumns(...),)}``
        in the order given; ConfigError naming the valid roles otherwise."""
        mapping: dict[str, Any] = {}
        bands: dict[str, dict[str, str]] = {}  # band -> its mag and err, in order given
        for item in (i.strip() for i in text.split(",")):
            if not item:
                continue
            given, sep, name = (s.strip() for s in item.partition("="))
            plain, colon, band = (s.strip() for s in given.partition(":"))
            role = ROLE_ALIASES.get(plain, plain)
            if (not sep or not (name or role == "flag") or role not in ROLES
                    or (colon and (role not in BAND_ROLES or not band))):
                raise ConfigError(f"--columns: {item!r} is not ROLE=NAME with ROLE one of "
                                  f"{', '.join(cls().roles.values())}, or ROLE:BAND=NAME with "
                                  f"ROLE mag or err (a band's own column: mag:W1=w1mpro)")
            seen = bands.setdefault(band, {}) if colon else mapping
            if role in seen:  # the last would win, unseen
                raise ConfigError(f"--columns: {given} is given twice ({seen[role]!r} and "
                                  f"{name!r})")
            seen[role] = name
        if bands:
            lacking = [band for band, named in bands.items() if "mag" not in named]
            if lacking:
                raise ConfigError(f"--columns: err:{lacking[0]} without mag:{lacking[0]}: "
                                  f"name the band's magnitude column too")
            mapping["per_band"] = tuple(BandColumns(band, named["mag"], named.get("err", ""))
                                        for band, named in bands.items())
        return mapping


def _renaming(name: str, pairs: tuple[str, ...], what: str) -> tuple[str, ...]:
    """FROM=TO pairs with their parts stripped ("1 = g" is 1=g, in the map and in the options
    said back, as the base class normalises every field); a FROM given twice is refused."""
    pairs = tuple("=".join(part.strip() for part in pair.split("=", 1)) for pair in pairs)
    froms = [pair.split("=", 1)[0] for pair in pairs]
    if len(set(froms)) < len(froms):
        raise ConfigError(f"{name}: a {what} renamed twice in {list_text(pairs, sep=',')}")
    return pairs


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
             "of fluxes in Jy; 16.4 for mJy, 23.9 for uJy, 31.4 for nJy (Rubin's), a survey's "
             "zero point for counts, as 20.44 for TESS's e-/s)")
    band_names: tuple[str, ...] = setting(
        (), "rename bands as they are read, FROM=TO: 1=g,2=r,3=i for ZTF's fid or "
            "Pan-STARRS's filterID (1-5: g, r, i, z, y), so that a model of named bands "
            "reads them; =R names the curves read without a band (default: none)",
        metavar="FROM=TO,...")
    class_names: tuple[str, ...] = setting(
        (), "rename or merge classes as they are read, FROM=TO: 'RRAB:=RRAB,HADS=DSCT' for "
            "VSX's uncertain types and sub-types; with predict, maps the input's labels onto "
            "the model's classes for scoring (default: none)",
        metavar="FROM=TO,...")

    @property
    def band_map(self) -> dict[str, str]:
        """``band_names`` as {from: to}."""
        return dict(pair.split("=", 1) for pair in self.band_names)  # stripped: __post_init__

    @property
    def class_map(self) -> dict[str, str]:
        """``class_names`` as {from: to}."""
        return dict(pair.split("=", 1) for pair in self.class_names)  # stripped: __post_init__

    def __post_init__(self) -> None:
        super().__post_init__()
        for pair in self.band_names:
            _, _, new = pair.partition("=")
            if not new.strip() or "=" in new:  # an empty FROM: curves without a band
                raise ConfigError(f"band_names: {pair!r} is not FROM=TO (1=g,2=r; =R for "
                                  f"curves without a band)")
        object.__setattr__(self, "band_names", _renaming("band_names", self.band_names, "band"))
        from lcformer.data.lightcurves import MISSING_WORDS  # (numpy: on first use)

        for pair in self.class_names:
            old, _, new = (part.strip() for part in pair.partition("="))
            if not old or not new or "=" in new:
                raise ConfigError(f"class_names: {pair!r} is not FROM=TO (RRAB:=RRAB,HADS=DSCT; "
                                  f"a pair with a comma in double quotes, \"RR Lyrae, FO=RRc\"; "
                                  f"a class whose name holds '=' cannot be renamed)")
            if new.lower() in {w.lower() for w in MISSING_WORDS}:
                raise ConfigError(f"class_names: {pair!r} names the class {new!r}, which reads "
                                  f"as a missing value (no class): give it another name")
        object.__setattr__(self, "class_names",
                           _renaming("class_names", self.class_names, "class"))
        if not math.isfinite(self.zero_point):  # every magnitude would be NaN or infinite
            raise ConfigError(f"zero_point must be a finite number, got {self.zero_point}")
        # A flux's error beside magnitudes: in flux units, read as magnitudes it is nonsense
        # (5.0 Jy drops every point as large_err; 5e-6 makes every point look exact). Not
        # a signal-to-noise ratio (Gaia's g_transit_flux_over_error), which gives errors.
        from lcformer.data.reading.column_names import is_snr_name  # (it imports this)

        for band, mag, err in self.columns.mags:
            if (not self.flux and "flux" in err.lower() and "mag" not in err.lower()
                    and "flux" not in mag.lower() and not is_snr_name(err)):
                role = f"err:{band}" if band else "err"
                raise ConfigError(f"--columns {role}={err} names a flux's error beside "
                                  f"magnitudes ({role.replace('err', 'mag')}={mag}): name the "
                                  f"magnitudes' error column, or give the fluxes "
                                  f"(mag=<flux column>) with --flux")

    def options(self) -> str:
        """The command-line options that give this reading ('' for the defaults)."""
        default = Columns()
        changed = [f"{role}={name}" for name, role in self.columns.roles.items()
                   if ":" in role or getattr(default, ROLE_ALIASES.get(role, role)) != name]
        # quoted for a shell where a name holds a space (--columns 'mag=V mag')
        words = [f"--columns {shlex.quote(','.join(changed))}"] if changed else []
        if self.columns.flag_bits:
            words.append(option_text("flag_bits", str(self.columns.flag_bits)))
        if self.flux:
            words += ["--flux", option_text("zero_point", f"{self.zero_point:g}")]
        for key in ("band_names", "class_names"):  # as the option reads them back (commas)
            if getattr(self, key):
                words.append(option_text(key, shlex.quote(list_text(getattr(self, key), ","))))
        return " ".join(words)
