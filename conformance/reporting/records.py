"""One record per invariant: what happened to it in a kit run, read by every reader.

The plugin classifies each invariant test once, when its teardown ends, into an
``InvariantRecord``; the terminal summary, ``--world-report FILE`` (the whole run as JSON),
``--world-records FILE`` (one JSON line per record as it is written, for live progress) and
``worldspec certify`` all read these records and nothing else.

Outcomes:

- ``pass``; ``warn``: a SHOULD rule broken (reported, never failed);
- ``fail``: a MUST rule broken (``timed_out`` when a World call outlived its deadline);
- ``expected-fail``: listed in the known-failures file, and failed;
- ``skip``: the World lacks the capability in ``skipped_for`` (or another stated reason);
- ``unjudged``: a step that set the scene went otherwise than the contract says, so the rule
  could not be judged; ``judged_by`` names the invariant that judges that step.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import worldspec
from conformance.catalogue.entries import Invariant
from conformance.reporting.output_files import write_whole
from worldspec.lines import SpecLine

__all__ = [
    "OUTCOMES",
    "Evidence",
    "InvariantRecord",
    "Outcome",
    "RecordBook",
    "read_records",
    "refusal_document",
]

Outcome = Literal["fail", "unjudged", "expected-fail", "skip", "warn", "pass"]
OUTCOMES: tuple[Outcome, ...] = ("fail", "unjudged", "expected-fail", "skip", "warn", "pass")
"""Every outcome, in the order reports list them: the ones that need attention first."""


@dataclass
class Evidence:
    """How much a race or model test looked, so a pass says what it is worth; any test may add
    ``notes``, such as a part of its rule it could not judge on this World."""

    attempts: int = 0
    """Rounds of a race, or example sequences of the model, that ran."""
    forced: bool | None = None
    """For races: whether the World has the hook that lets the kit force interleavings
    (``worldspec_interleave``); ``None`` where it does not apply."""
    forced_rounds: int = 0
    """For races: how many of the ``attempts`` the kit forced, holding racing calls at the
    World's pause points; the others were left to chance (docs/races.md)."""
    budget_reached: bool = False
    """True when the test stopped because its time budget ran out, before its profile's count."""
    notes: list[str] = field(default_factory=list)
    picture: str = ""
    """The failing history drawn as an SVG document (``conformance.races.picture``), if any."""

    def summary(self) -> str:
        """One line for reports: ``"20 attempts, 20 forced at the World's pause points"``,
        ``"budget reached after 7 attempts"``."""
        parts = []
        if self.budget_reached:
            parts.append(f"budget reached after {self.attempts} attempts")
        elif self.attempts:
            parts.append(f"{self.attempts} attempts")
        if self.forced is not None:
            parts.append(self._interleavings())
        return ", ".join(parts + self.notes)

    def _interleavings(self) -> str:
        if not self.forced:
            return "all left to chance (the World has no worldspec_interleave hook)"
        if self.forced_rounds == 0:
            return "all left to chance (the World has the hook but no racing call reached a pause point)"
        chance = self.attempts - self.forced_rounds
        forced = f"{self.forced_rounds} forced at the World's pause points"
        return forced + (f", {chance} left to chance" if chance > 0 else "")


@dataclass
class InvariantRecord:
    """How one invariant fared."""

    id: str
    level: str
    family: str
    statement: str
    outcome: Outcome
    reason: str = ""
    """One line: why it failed (``expected: …; the World: …``), was skipped or not judged."""
    skipped_for: str | None = None
    """The capability the World lacks, for a skip that a capability decided."""
    judged_by: str | None = None
    """For ``unjudged``: the invariant that judges the setup step that went wrong."""
    timed_out: bool = False
    duration: float = 0.0
    rerun: str | None = None
    """The command that reruns just this invariant with the same profile and seed (not for skips)."""
    details: str = ""
    """The whole failure text with the kit's sections (empty unless it failed or was not judged)."""
    evidence: Evidence | None = None
    left_behind: list[str] = field(default_factory=list)
    """Threads, child processes and tasks the World left running after ``close()``."""
    throttled: int = 0
    """Calls the World refused with ``ThrottleError`` that the kit made again after their
    ``retryAfter`` (``conformance.world.throttle``)."""
    finding: str | None = None
    """For a known failure: where the World's author tracks it (the known-failures entry's link)."""
    lines: list[str] = field(default_factory=list)
    """The lines of the contract the invariant belongs to (``4.x``, ``5.x``), from the catalogue."""

    def to_json(self) -> dict[str, Any]:
        """The record as JSON-ready data."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> InvariantRecord:
        """Read back what ``to_json`` wrote."""
        evidence = data.get("evidence")
        return cls(**{**data, "evidence": Evidence(**evidence) if evidence else None})

    @property
    def headline(self) -> str:
        """The outcome as a reader sees it: ``fail (timeout)``, ``skip (legacy_codec)``."""
        if self.outcome == "fail" and self.timed_out:
            return "fail (timeout)"
        if self.outcome == "skip" and self.skipped_for:
            return f"skip ({self.skipped_for})"
        if self.outcome == "unjudged" and self.judged_by:
            return f"unjudged (see {self.judged_by})"
        return self.outcome


def new_record(invariant: Invariant, outcome: Outcome, **fields: Any) -> InvariantRecord:
    """A record of ``invariant`` with its catalogue facts filled in."""
    return InvariantRecord(
        invariant.id,
        invariant.level,
        invariant.family.prefix,
        invariant.statement,
        outcome,
        lines=[line.value for line in SpecLine if line in invariant.lines],
        **fields,
    )


@dataclass
class RecordBook:
    """The records of one session, and where to stream them as they are written."""

    factory: str
    options: dict[str, Any]
    capabilities: list[str]
    spec_version: object
    """What the World declares (``None``: nothing)."""
    profile: str
    seed: int
    line: SpecLine = SpecLine.LINE_4
    """The line of the contract the World is judged on."""
    contract_version: int = worldspec.SPEC_VERSION_CURRENT
    """The highest spec version of ``line``: the contract the World is judged against."""
    records: dict[str, InvariantRecord] = field(default_factory=dict)
    stream: IO[str] | None = None

    def collected(self, invariants: Iterable[Invariant]) -> None:
        """Announce the invariants the session will check (first line of the stream)."""
        self._emit(
            {"event": "collected", "tests": [{"id": i.id, "family": i.family.prefix} for i in invariants]}
        )

    def add(self, record: InvariantRecord) -> None:
        """Keep ``record`` and stream it."""
        self.records[record.id] = record
        self._emit({"event": "finished", "record": record.to_json()})

    def _emit(self, message: dict[str, Any]) -> None:
        if self.stream is not None:
            self.stream.write(json.dumps(message, default=str) + "\n")
            self.stream.flush()

    def document(self) -> dict[str, Any]:
        """The whole session as JSON-ready data (``--world-report``)."""
        return {
            "kitVersion": worldspec.KIT_VERSION,
            "specVersion": self.contract_version,
            "line": self.line.value,
            "world": {"factory": self.factory, "options": self.options, "specVersion": self.spec_version},
            "capabilities": self.capabilities,
            "profile": self.profile,
            "seed": self.seed,
            "invariants": [record.to_json() for record in self.records.values()],
        }

    def write(self, path: Path) -> None:
        """Write ``document()`` as JSON to ``path``, whole (``write_whole``)."""
        write_whole(path, json.dumps(self.document(), indent=2, default=str) + "\n")


def refusal_document(factory: str, options: dict[str, Any], declared: object, refusal: str) -> dict[str, Any]:
    """The ``--world-report`` document of a World the kit refused to judge (its spec version
    belongs to no line): no line, no invariants, and ``refused`` saying why."""
    return {
        "kitVersion": worldspec.KIT_VERSION,
        "line": None,
        "refused": refusal,
        "world": {"factory": factory, "options": options, "specVersion": declared},
        "invariants": [],
    }


def read_records(document: dict[str, Any]) -> dict[str, InvariantRecord]:
    """The records of a ``--world-report`` document, by invariant ID."""
    return {entry["id"]: InvariantRecord.from_json(entry) for entry in document["invariants"]}
