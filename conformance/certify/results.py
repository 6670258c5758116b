"""The certification of one kit run: every checked invariant's result and the levels reached.

Built once from a ``KitRun``; the JSON, Markdown, HTML and badge writers only read it. Every
text that came from the kit run is passed through the options' ``Masker`` here, so no writer
can leak a secret.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import datetime

import worldspec
from conformance.catalogue.entries import FAMILIES, INVARIANTS
from conformance.certify.identity import WorldIdentity
from conformance.certify.levels import LEVELS, LevelVerdict, highest_reached, judge
from conformance.certify.masking import Masker
from conformance.certify.runner import KitRequest, KitRun

__all__ = ["OUTCOMES", "Certification", "FamilySummary", "InvariantResult", "RunFacts", "certification_of"]

OUTCOMES: tuple[str, ...] = ("fail", "expected-fail", "skip", "warn", "pass")
"""Every outcome, in the order reports list them: failures first."""


@dataclass(frozen=True)
class InvariantResult:
    """How the World fared on one invariant the kit checks."""

    id: str
    title: str
    family: str
    level: str
    outcome: str
    reason: str
    duration: float
    repro: str
    """The command that reruns just this invariant against the same World."""
    details: str
    """The full failure text (empty unless the outcome is ``fail``)."""


@dataclass(frozen=True)
class FamilySummary:
    """The outcome counts of one family, and how many of its invariants the kit does not check."""

    prefix: str
    title: str
    sections: str
    counts: dict[str, int]
    not_checked: int

    @property
    def checked(self) -> int:
        """How many of the family's invariants the kit checked."""
        return sum(self.counts.values())


@dataclass(frozen=True)
class RunFacts:
    """How the kit was run."""

    command: str
    profile: str | None
    known_failures: str | None
    kit_exit_code: int
    started_at: datetime
    seconds: float


@dataclass(frozen=True)
class Certification:
    """Everything a report shows."""

    world: WorldIdentity
    world_spec_version: int | None
    capabilities: list[str]
    environment: dict[str, str]
    run: RunFacts
    requested_level: str
    verdicts: dict[str, LevelVerdict]
    invariants: list[InvariantResult]
    """The checked invariants, in catalogue order."""
    not_checked: list[str]
    """Catalogue invariants the kit has no test for yet."""
    kit_version: str = worldspec.KIT_VERSION
    spec_version: int = worldspec.SPEC_VERSION_CURRENT

    @property
    def reached_level(self) -> str | None:
        """The highest level reached, or None."""
        return highest_reached(self.verdicts)

    @property
    def certified(self) -> bool:
        """Whether the requested level was reached."""
        return self.verdicts[self.requested_level].reached

    def failures_first(self) -> list[InvariantResult]:
        """The checked invariants ordered by outcome (fail, expected-fail, skip, warn, pass),
        catalogue order within each."""
        return sorted(self.invariants, key=lambda result: OUTCOMES.index(result.outcome))

    def families(self) -> list[FamilySummary]:
        """A summary per catalogue family, in catalogue order."""
        summaries = []
        for family in FAMILIES.values():
            results = [result for result in self.invariants if result.family == family.prefix]
            counts = {outcome: sum(result.outcome == outcome for result in results) for outcome in OUTCOMES}
            missing = sum(INVARIANTS[ident].family is family for ident in self.not_checked)
            summaries.append(FamilySummary(family.prefix, family.title, family.sections, counts, missing))
        return summaries

    def about(self) -> list[tuple[str, str]]:
        """The World, the kit and the run, as ``(label, text)`` rows for the reports."""
        world = self.world
        package = world.package
        options = ", ".join(f"{key}={value}" for key, value in world.options.items())
        started = self.run.started_at.isoformat(timespec="seconds")
        return [
            ("World", world.factory),
            ("options", options or "none"),
            ("package", f"{package.name} {package.version or ''} ({package.kind})" if package else "unknown"),
            ("World spec version", str(self.world_spec_version)),
            ("capabilities", ", ".join(self.capabilities) or "none"),
            ("kit", f"worldspec {self.kit_version}, contract spec version {self.spec_version}"),
            ("run", f"{started}, {self.run.seconds} s, profile {self.run.profile or 'default'}"),
            ("command", self.run.command),
            ("environment", ", ".join(f"{key} {value}" for key, value in self.environment.items())),
        ]

    def totals(self) -> dict[str, int]:
        """Outcome counts over every checked invariant."""
        return {outcome: sum(result.outcome == outcome for result in self.invariants) for outcome in OUTCOMES}


def _failure_reason(kit_reason: str, details: str) -> str:
    """The kit's own ``expected: ...`` / ``the World: ...`` lines when the failure has them
    (``--world-report`` keeps only the last line of the failure text), else ``kit_reason``."""
    stated = [line for line in details.splitlines() if line.startswith(("expected: ", "the World: "))]
    return "; ".join(stated[:2]) if stated else kit_reason


def _repro(request: KitRequest, masker: Masker, world_options: list[str], ident: str) -> str:
    parts = ["pytest", f"--world={request.target}", *(f"--world-opt={pair}" for pair in world_options)]
    if request.profile is not None:
        parts.append(f"--world-profile={request.profile}")
    parts += ["-k", ident]
    return masker.redact(" ".join(shlex.quote(part) for part in parts))


def certification_of(
    request: KitRequest,
    run: KitRun,
    world: WorldIdentity,
    masker: Masker,
    *,
    environment: dict[str, str],
    requested_level: str,
    started_at: datetime,
) -> Certification:
    """Judge ``run`` (which must have written its report) and gather what the reports show;
    ``world.options`` are the masked options, ``masker`` redacts every text of the run."""
    assert run.report is not None, "certification_of needs a kit run that wrote its report"
    recorded = {entry["id"]: entry for entry in run.report["invariants"]}
    world_options = [masker.option_argument(key, value) for key, value in world.options.items()]
    results = []
    for ident, invariant in INVARIANTS.items():
        if ident not in run.checked:
            continue
        entry = recorded.get(
            ident, {"outcome": "fail", "reason": "the kit recorded no outcome", "duration": 0}
        )
        results.append(
            InvariantResult(
                id=ident,
                title=invariant.statement,
                family=invariant.family.prefix,
                level=invariant.level,
                outcome=entry["outcome"],
                reason=masker.redact(_failure_reason(entry["reason"], run.details.get(ident, ""))),
                duration=float(entry["duration"]),
                repro=_repro(request, masker, world_options, ident),
                details=masker.redact(run.details.get(ident, "")),
            )
        )
    outcomes = {result.id: (result.outcome, result.reason) for result in results}
    verdicts = {name: judge(level, run.checked, outcomes) for name, level in LEVELS.items()}
    command = ["worldspec", "certify", request.target, *(f"--opt={pair}" for pair in world_options)]
    if request.known_failures is not None:
        command.append(f"--xfail={request.known_failures}")
    if request.profile is not None:
        command.append(f"--profile={request.profile}")
    command.append(f"--level={requested_level}")
    return Certification(
        world=world,
        world_spec_version=run.report["world"].get("specVersion"),
        capabilities=list(run.report.get("capabilities", [])),
        environment=environment,
        run=RunFacts(
            command=masker.redact(" ".join(shlex.quote(part) for part in command)),
            profile=request.profile,
            known_failures=str(request.known_failures) if request.known_failures else None,
            kit_exit_code=run.exit_code,
            started_at=started_at,
            seconds=run.seconds,
        ),
        requested_level=requested_level,
        verdicts=verdicts,
        invariants=results,
        not_checked=[ident for ident in INVARIANTS if ident not in run.checked],
    )
