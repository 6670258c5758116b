"""Certification levels and the rule that decides which one a kit run reached.

The rule (docs/certification-levels.md states it for people): a level is reached when every
invariant in its scope that the kit checked ended ``pass`` or ``warn``, or ``skip`` for a
capability the level excuses. Anything else blocks it: a ``fail``, an ``expected-fail`` (a known
failure is still a failure), an ``unjudged`` rule, a skip the level does not excuse, or a
checked invariant with no record at all.

- ``core``: the families of the event log and its views (every family but streams, queue and
  the kit's race checks);
- ``full``: every family.

Which absent capabilities a level excuses follows from each capability's one declaration
(``worldspec.capabilities.Capability``): a MAY capability or a kit facility is excused by every
level; a MUST capability is excused by a level that covers no family of the capability's spec
section (streams, §10, and queue delivery, §11, are excused by ``core`` and required by ``full``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from conformance.catalogue.entries import FAMILIES
from conformance.reporting.records import InvariantRecord
from worldspec.capabilities import Capability, capability_named

__all__ = ["LEVELS", "Blocker", "Level", "LevelVerdict", "highest_reached", "judge"]

CORE_FAMILIES: Final[frozenset[str]] = frozenset(
    {"RUN", "RS", "STEP", "HOOK", "WAIT", "TERM", "EVT", "LEG", "BIN", "LIST", "ERR"}
    | {"SLOT", "PAGE", "LAZY", "HRET", "DEDUP", "ATTR", "RET", "OPT"}
)
"""The families ``core`` covers: on the 5.x line also its own families of the event log and its
views (slots, event pages, lazy start, hook retention and dedup, attributes, retention, optional
members). A family not listed here (streams, queue, and any family the kit adds, such as its
race checks) counts for ``full`` only."""


def _sections(family_sections: str) -> set[str]:
    return {part.strip() for part in family_sections.split(",")}


@dataclass(frozen=True)
class Level:
    """A certification level: the families it covers."""

    name: str
    summary: str
    families: frozenset[str] | None
    """The families in scope; ``None`` is every family."""

    def covers(self, family: str) -> bool:
        """Whether invariants of ``family`` count for this level."""
        return self.families is None or family in self.families

    def excuses(self, capability: Capability) -> bool:
        """Whether a World lacking ``capability`` can still reach this level."""
        if capability.requirement != "MUST":
            return True
        return not any(
            self.covers(prefix) and capability.section in _sections(family.sections)
            for prefix, family in FAMILIES.items()
        )


LEVELS: Final[dict[str, Level]] = {
    "core": Level(
        "core",
        "every checked invariant of the event log, runs, steps, hooks, waits, listing, legacy data, "
        "binary fidelity and errors",
        CORE_FAMILIES,
    ),
    "full": Level(
        "full",
        "core, plus every checked invariant of streams, the queue and the race checks",
        None,
    ),
}
"""The levels, lowest first."""


@dataclass(frozen=True)
class Blocker:
    """One invariant that keeps a level from being reached, and why."""

    id: str
    why: str


@dataclass(frozen=True)
class LevelVerdict:
    """Whether a kit run reached ``level``, and what blocked it."""

    level: str
    blockers: tuple[Blocker, ...]

    @property
    def reached(self) -> bool:
        """True when nothing blocks the level."""
        return not self.blockers


def _blocker(level: Level, ident: str, record: InvariantRecord | None) -> Blocker | None:
    if record is None:
        return Blocker(ident, "the kit recorded no outcome")
    if record.outcome in ("pass", "warn"):
        return None
    if record.outcome == "skip":
        if record.skipped_for is not None and level.excuses(capability_named(record.skipped_for)):
            return None
        return Blocker(ident, f"skipped: {record.reason}")
    if record.outcome == "expected-fail":
        return Blocker(ident, f"known failure: {record.reason}")
    if record.outcome == "unjudged":
        return Blocker(ident, f"not judged: {record.reason}")
    return Blocker(ident, f"{record.headline}: {record.reason}")


def judge(level: Level, checked: Mapping[str, str], records: Mapping[str, InvariantRecord]) -> LevelVerdict:
    """The verdict for ``level``. ``checked`` maps each invariant the kit ran to its family;
    ``records`` holds what happened to each."""
    blockers = []
    for ident, family in checked.items():
        if not level.covers(family):
            continue
        found = _blocker(level, ident, records.get(ident))
        if found is not None:
            blockers.append(found)
    return LevelVerdict(level.name, tuple(blockers))


def highest_reached(verdicts: Mapping[str, LevelVerdict]) -> str | None:
    """The name of the highest level reached, when every level below it is reached too."""
    reached = None
    for name in LEVELS:
        if not verdicts[name].reached:
            break
        reached = name
    return reached
