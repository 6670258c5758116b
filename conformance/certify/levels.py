"""Certification levels and the rule that decides which one a kit run reached.

The rule (docs/certification-levels.md states it for people): a level is reached when every
invariant in its scope that the kit checks ended ``pass`` or ``warn``, or ``skip`` because the
World declares it lacks a capability the level does not require. Anything else blocks it: a
``fail``, an ``expected-fail`` (a known failure is still a failure), a skip for any other
reason, or a checked invariant with no outcome at all.

- ``core``: the families of the event log and its views (every family but streams, queue and
  the kit's race checks); it does not require the ``streams`` and ``queue_delivery``
  capabilities, so a World that declares them absent can still reach it.
- ``full``: every family, the streams, queue and race checks included, with every required
  capability.

No level requires a MAY capability: a skip because one is absent never blocks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from worldspec.capabilities import Capability

__all__ = ["LEVELS", "Blocker", "Level", "LevelVerdict", "capability_of_skip", "highest_reached", "judge"]

CORE_FAMILIES: Final[frozenset[str]] = frozenset(
    {"RUN", "RS", "STEP", "HOOK", "WAIT", "TERM", "EVT", "LEG", "BIN", "LIST", "ERR"}
)
"""The families ``core`` covers. A family not listed here (streams, queue, and any family the
kit adds, such as its race checks) counts for ``full`` only."""

OPTIONAL_CAPABILITIES: Final[frozenset[str]] = frozenset(
    {
        Capability.PRELOAD,
        Capability.LEGACY_SEEDING,
        Capability.DELAY,
        Capability.MULTI_PROCESS,
        Capability.WRITE_TO_STREAM_MULTI,
    }
)
"""Capabilities no level requires: the contract's MAY parts and the kit's backdoor."""


@dataclass(frozen=True)
class Level:
    """A certification level: which families it covers and which absent capabilities it excuses."""

    name: str
    summary: str
    families: frozenset[str] | None
    """The families in scope; ``None`` is every family."""
    excused_capabilities: frozenset[str]
    """A skip because the World lacks one of these does not block the level."""

    def covers(self, family: str) -> bool:
        """Whether invariants of ``family`` count for this level."""
        return self.families is None or family in self.families


LEVELS: Final[dict[str, Level]] = {
    "core": Level(
        "core",
        "every checked invariant of the event log, runs, steps, hooks, waits, listing, legacy data, "
        "binary fidelity and errors",
        CORE_FAMILIES,
        OPTIONAL_CAPABILITIES | {Capability.STREAMS, Capability.QUEUE_DELIVERY},
    ),
    "full": Level(
        "full",
        "core, plus every checked invariant of streams, the queue and the race checks",
        None,
        OPTIONAL_CAPABILITIES,
    ),
}
"""The levels, lowest first."""

_LACKS_CAPABILITY = re.compile(r"World lacks capability (\w+)")
_NO_BACKDOOR = "World has no worldspec_backdoor"


def capability_of_skip(reason: str) -> str | None:
    """The capability a skip reason names (see ``conformance.checks.expect.require`` and ``backdoor``)."""
    if reason.startswith(_NO_BACKDOOR):
        return Capability.LEGACY_SEEDING.value
    found = _LACKS_CAPABILITY.search(reason)
    return found.group(1) if found else None


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


def _blocker(level: Level, ident: str, outcome: str | None, reason: str) -> Blocker | None:
    if outcome in ("pass", "warn"):
        return None
    if outcome is None:
        return Blocker(ident, "the kit recorded no outcome")
    if outcome == "skip":
        capability = capability_of_skip(reason)
        if capability in level.excused_capabilities:
            return None
        return Blocker(ident, f"skipped: {reason}")
    if outcome == "expected-fail":
        return Blocker(ident, f"known failure: {reason}")
    return Blocker(ident, f"{outcome}: {reason}")


def judge(level: Level, checked: Mapping[str, str], outcomes: Mapping[str, tuple[str, str]]) -> LevelVerdict:
    """The verdict for ``level``. ``checked`` maps each invariant the kit ran to its family;
    ``outcomes`` maps invariant IDs to ``(outcome, reason)`` as ``--world-report`` wrote them."""
    blockers = []
    for ident, family in checked.items():
        if not level.covers(family):
            continue
        outcome, reason = outcomes.get(ident, (None, ""))
        found = _blocker(level, ident, outcome, reason)
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
