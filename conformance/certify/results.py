"""The certification of one kit run: every checked invariant's record and the levels reached.

Built once from a ``KitRun``; the JSON, Markdown, HTML and badge writers only read it. The
invariants are the plugin's own records (``conformance.reporting.records``), passed through the
options' ``Masker`` here, so no writer can leak a secret.

A certification is of one line of the contract (``line``): the one the kit judged the World on.
Invariants of the other line are neither checked nor "not yet checked" there, and block no level.
A World whose spec version belongs to no line is ``refused``: no invariant is judged and every
level is blocked by the refusal.
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from datetime import datetime

import worldspec
from conformance.catalogue.entries import FAMILIES, INVARIANTS
from conformance.certify.identity import WorldIdentity
from conformance.certify.levels import LEVELS, Blocker, LevelVerdict, highest_reached, judge
from conformance.certify.masking import Masker
from conformance.certify.runner import KitRequest, KitRun
from conformance.reporting.records import OUTCOMES, InvariantRecord, new_record

__all__ = ["Certification", "FamilySummary", "RunFacts", "certification_of"]


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
    profile: str
    seed: int | None
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
    invariants: list[InvariantRecord]
    """The checked invariants' records, masked, in catalogue order."""
    not_checked: list[str]
    """Invariants of the judged line that the kit did not check (no test for that line yet)."""
    line: str | None = "4.x"
    """The line of the contract the World was judged on; ``None`` when it was refused."""
    refused: str | None = None
    """Why the kit refused to judge the World (its spec version belongs to no line)."""
    kit_version: str = worldspec.KIT_VERSION
    spec_version: int = worldspec.SPEC_VERSION_CURRENT
    """The contract the World was judged against: the highest spec version of ``line``."""

    @property
    def reached_level(self) -> str | None:
        """The highest level reached, or None."""
        return highest_reached(self.verdicts)

    @property
    def certified(self) -> bool:
        """Whether the requested level was reached."""
        return self.verdicts[self.requested_level].reached

    def failures_first(self) -> list[InvariantRecord]:
        """The checked invariants ordered by outcome (``OUTCOMES`` order), catalogue order within
        each."""
        return sorted(self.invariants, key=lambda record: OUTCOMES.index(record.outcome))

    def excused(self, record: InvariantRecord) -> bool:
        """Whether ``record`` blocks no level (a pass, a warning, or an excused skip)."""
        return not any(
            blocker.id == record.id for verdict in self.verdicts.values() for blocker in verdict.blockers
        )

    def families(self) -> list[FamilySummary]:
        """A summary per catalogue family, in catalogue order."""
        summaries = []
        for family in FAMILIES.values():
            records = [record for record in self.invariants if record.family == family.prefix]
            if not records and not any(INVARIANTS[ident].family is family for ident in self.not_checked):
                continue
            counts: dict[str, int] = {
                outcome: sum(record.outcome == outcome for record in records) for outcome in OUTCOMES
            }
            missing = sum(INVARIANTS[ident].family is family for ident in self.not_checked)
            summaries.append(FamilySummary(family.prefix, family.title, family.sections, counts, missing))
        return summaries

    def about(self) -> list[tuple[str, str]]:
        """The World, the kit and the run, as ``(label, text)`` rows for the reports."""
        world = self.world
        package = world.package
        options = ", ".join(f"{key}={value}" for key, value in world.options.items())
        started = self.run.started_at.isoformat(timespec="seconds")
        seed = f", seed {self.run.seed}" if self.run.seed is not None else ""
        return [
            ("World", world.factory),
            ("options", options or "none"),
            ("package", f"{package.name} {package.version or ''} ({package.kind})" if package else "unknown"),
            ("World spec version", str(self.world_spec_version)),
            ("line", self.line_description()),
            ("capabilities", ", ".join(self.capabilities) or "none"),
            ("kit", f"worldspec {self.kit_version}, contract spec version {self.spec_version}"),
            ("run", f"{started}, {self.run.seconds} s, profile {self.run.profile}{seed}"),
            ("command", self.run.command),
            ("environment", ", ".join(f"{key} {value}" for key, value in self.environment.items())),
        ]

    def line_description(self) -> str:
        """The line the World was judged on, as the reports say it."""
        if self.line is None:
            return f"none: refused ({self.refused})"
        return f"judged on the {self.line} line (contract spec version {self.spec_version})"

    def totals(self) -> dict[str, int]:
        """Outcome counts over every checked invariant."""
        return {outcome: sum(record.outcome == outcome for record in self.invariants) for outcome in OUTCOMES}


def _masked(record: InvariantRecord, masker: Masker) -> InvariantRecord:
    return dataclasses.replace(
        record,
        reason=masker.redact(record.reason),
        details=masker.redact(record.details),
        rerun=masker.redact(record.rerun) if record.rerun is not None else None,
    )


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
    refused = run.report.get("refused")
    line = run.report.get("line", "4.x")
    records: list[InvariantRecord] = []
    for ident, invariant in INVARIANTS.items():
        if ident not in run.checked or line not in {value.value for value in invariant.lines}:
            continue
        found = run.records.get(ident) or new_record(invariant, "fail", reason="the kit recorded no outcome")
        records.append(_masked(found, masker))
    by_id = {record.id: record for record in records}
    checked = {ident: run.checked[ident] for ident in by_id}
    verdicts = {name: judge(level, checked, by_id) for name, level in LEVELS.items()}
    if refused is not None:
        verdicts = {name: LevelVerdict(name, (Blocker("specVersion", str(refused)),)) for name in LEVELS}
    world_options = [masker.option_argument(key, value) for key, value in world.options.items()]
    command = ["worldspec", "certify", request.target, *(f"--opt={pair}" for pair in world_options)]
    if request.known_failures is not None:
        command.append(f"--xfail={request.known_failures}")
    if request.profile is not None:
        command.append(f"--profile={request.profile}")
    if request.workers > 1:
        command.append(f"-n={request.workers}")
    if request.spec is not None:
        command.append(f"--spec={request.spec}")
    if request.timeout is not None:
        command.append(f"--timeout={request.timeout:g}")
    if run.report.get("seed") is not None:
        command.append(f"--seed={run.report['seed']}")
    command.append(f"--level={requested_level}")
    return Certification(
        world=world,
        world_spec_version=run.report["world"].get("specVersion"),
        capabilities=list(run.report.get("capabilities", [])),
        environment=environment,
        run=RunFacts(
            command=masker.redact(" ".join(shlex.quote(part) for part in command)),
            profile=str(run.report.get("profile", request.profile or "ci")),
            seed=run.report.get("seed"),
            known_failures=str(request.known_failures) if request.known_failures else None,
            kit_exit_code=run.exit_code,
            started_at=started_at,
            seconds=run.seconds,
        ),
        requested_level=requested_level,
        verdicts=verdicts,
        invariants=records,
        not_checked=[
            ident
            for ident, invariant in INVARIANTS.items()
            if ident not in by_id and line in {value.value for value in invariant.lines}
        ],
        line=None if refused is not None else line,
        refused=refused,
        spec_version=run.report.get("specVersion", worldspec.SPEC_VERSION_CURRENT),
    )
