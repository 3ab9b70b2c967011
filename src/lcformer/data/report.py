"""Counting what is dropped, so that nothing is ever lost silently.

Readers, cleaning and tokenising each add to one :class:`DropReport`: points removed by
reason, curves dropped by reason, and problems with a file and line the user can go and fix.
The report is printed at the end of a run and saved beside the prepared data.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Curve reasons of input that was never read (a listed file missing or empty, a labelled star
#: without points): the report prints them apart, since "read" and "kept" do not count them.
NOT_READ = ("missing_file", "unreadable_file", "empty_file", "no_lightcurve")


#: Events (or their start) that record what a file declares, for a check later (``--flux``
#: refuses a file whose magnitudes are declared so, or whose magnitude column is beside a
#: flux column): nothing changed, so not printed among the changes.
UNPRINTED = ("mag_column_in_a_magnitude_unit", "mag_column_beside_a_flux_column:")
#: The start of the events that say why predictions were flagged outside_training_range
#: (:func:`lcformer.data.training_ranges.unlike_training`): the flag's line says them, so
#: they are not printed among the changes either.
UNLIKE_EVENT = "outside_training_range_"
#: Problems the terminal shows; the rest are saved (:meth:`DropReport.save_problems`).
PROBLEMS_SHOWN = 10


@dataclass
class DropReport:
    points: Counter[str] = field(default_factory=Counter)  # reason -> points removed
    curves: Counter[str] = field(default_factory=Counter)  # reason -> curves dropped
    events: Counter[str] = field(default_factory=Counter)  # things changed but not dropped
    problems: list[str] = field(default_factory=list)  # "file:line: what is wrong"
    # What lcformer warned of while preparing (said again when the preparation is reused)
    warnings: list[str] = field(default_factory=list)

    def drop_points(self, reason: str, n: int) -> None:
        if n:
            self.points[reason] += int(n)

    def drop_curves(self, reason: str, n: int = 1) -> None:
        if n:
            self.curves[reason] += int(n)

    def note(self, event: str, n: int = 1) -> None:
        if n:
            self.events[event] += int(n)

    def problem(self, message: str, reason: str | None = None, curves: int = 1) -> None:
        """Record a bad input the user should look at; ``reason`` also counts the ``curves``
        it drops (a MACHO file holds two: R and B)."""
        self.problems.append(message)
        if reason:
            self.drop_curves(reason, curves)

    def merge(self, other: DropReport) -> DropReport:
        self.points.update(other.points)
        self.curves.update(other.curves)
        self.events.update(other.events)
        self.problems.extend(other.problems)
        known = set(self.warnings)
        self.warnings.extend(w for w in other.warnings if w not in known)
        return self

    @property
    def n_points_dropped(self) -> int:
        return sum(self.points.values())

    @property
    def n_curves_dropped(self) -> int:
        return sum(self.curves.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "points_dropped": dict(sorted(self.points.items())),
            "curves_dropped": dict(sorted(self.curves.items())),
            "events": dict(sorted(self.events.items())),
            "problems": list(self.problems),
            # (only where there are some: reports before them read back the same)
            **({"warnings": list(self.warnings)} if self.warnings else {}),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DropReport:
        return cls(
            Counter(data.get("points_dropped", {})),
            Counter(data.get("curves_dropped", {})),
            Counter(data.get("events", {})),
            list(data.get("problems", [])),
            list(data.get("warnings", [])),
        )

    def format(self, max_problems: int = PROBLEMS_SHOWN, saved: Path | None = None) -> str:
        """A small plain-text table for the terminal; past ``max_problems`` problems, the rest
        are in the file ``saved`` (:meth:`save_problems`), else not shown, and it says so."""
        lines = []
        for title, counts in (
            ("points dropped", self.points),
            *self._curve_sections(),
            ("changed, not dropped", {k: v for k, v in self.events.items() if v
                                      and not k.startswith(UNPRINTED)
                                      and not k.startswith(UNLIKE_EVENT)}),
        ):
            if counts:
                lines.append(f"{title}:")
                width = max(len(k) for k in counts)
                lines += [f"  {k:<{width}}  {v:>9,}" for k, v in sorted(counts.items())]
        if not lines:
            lines.append("nothing dropped")
        if self.problems:
            lines.append(f"problems with input files ({len(self.problems)}):")
            lines += [f"  {p}" for p in self.problems[:max_problems]]
            if len(self.problems) > max_problems:
                where = f"all {len(self.problems):,} in {saved}" if saved else "not shown"
                lines.append(f"  ... and {len(self.problems) - max_problems:,} more ({where})")
        return "\n".join(lines)

    def save_problems(self, path: Path, max_problems: int = PROBLEMS_SHOWN) -> Path | None:
        """Every problem, a line each, in ``path`` (written atomically) where there are more
        than :meth:`format` shows: none is lost to the terminal's ten. None where all show
        (and an earlier run's file there, no longer this one's, is removed)."""
        if len(self.problems) <= max_problems:
            Path(path).unlink(missing_ok=True)
            return None
        from lcformer import atomic

        return atomic.write_text(path, "".join(f"{p}\n" for p in self.problems))

    def brief(self) -> str:
        """What was dropped, on one line: "curves dropped: shorter_than_window 43; ..."."""
        parts = [f"{title}: " + ", ".join(f"{k} {v:,}" for k, v in sorted(counts.items()))
                 for title, counts in (("points dropped", self.points),
                                       *self._curve_sections()) if counts]
        return "; ".join(parts) or "nothing dropped"

    def _curve_sections(self) -> tuple[tuple[str, Counter[str]], tuple[str, Counter[str]]]:
        """Curves dropped after they were read, and curves of input never read (NOT_READ)."""
        not_read = Counter({k: v for k, v in self.curves.items() if k in NOT_READ})
        return (("curves dropped", self.curves - not_read), ("curves not read", not_read))

    def __str__(self) -> str:
        return self.format()

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)


@contextlib.contextmanager
def kept_warnings(report: DropReport, say: Callable[[], bool] | None = None
                  ) -> Iterator[None]:
    """Warnings raised inside, raised again at its end, as Python says them (once a place, the
    caller's filters); lcformer's own also kept in ``report.warnings`` as they come (before a
    writer inside saves the report): a preparation reused by a later command says them again
    (nJy fluxes read as Jy are warned of by ``train`` too, not only by ``prepare``). Where
    an error ends the block, it is not replaced by a warning turned error.
    ``say``: asked at the end, False where what follows reads it all again (and says it)."""
    package = str(Path(__file__).resolve().parents[1])
    kept = set(report.warnings)
    raised: dict[tuple[Any, ...], Warning | str] = {}  # (text, category, file, line): message

    def keep(message: Warning | str, category: type[Warning], filename: str, lineno: int,
             *_: Any, **__: Any) -> None:
        text = str(message)
        if (issubclass(category, UserWarning) and text not in kept
                and str(Path(filename).resolve()).startswith(package)):
            kept.add(text)
            report.warnings.append(text)
        raised.setdefault((text, category, filename, lineno), message)

    failed = False
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always")
            warnings.showwarning = keep
            yield
    except BaseException:
        failed = True
        raise
    finally:  # outside the catching: the caller's filters (pytest's, -W error) apply
        if raised and (say is None or say()):
            modules = _modules_by_file()
            for (_, category, filename, lineno), message in raised.items():
                module, registry = modules.get(filename, (None, None))
                try:  # through the caller's filters, as the warning itself would have gone
                    warnings.warn_explicit(message, category, filename, lineno,
                                           module=module, registry=registry)
                except Warning:  # -W error: raised, unless an error already ends the block
                    if not failed:
                        raise


def _modules_by_file() -> dict[str, tuple[str, dict[Any, Any]]]:
    """Each imported module's source file: its name and warnings registry (which says each
    warning once a place), as Python's own ``warnings.warn`` finds them."""
    import sys

    return {module.__file__: (name, module.__dict__.setdefault("__warningregistry__", {}))
            for name, module in list(sys.modules.items())
            if isinstance(getattr(module, "__file__", None), str)}
