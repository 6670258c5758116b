"""Per-invariant outcomes of a kit run, written as JSON by ``--world-report FILE``.

Outcomes: ``pass``, ``fail``, ``skip`` (capability absent; reason given), ``expected-fail``
(listed in the known-failures file) and ``warn`` (a SHOULD rule broken).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pytest

import worldspec
from conformance.catalogue.entries import Invariant

__all__ = ["InvariantOutcome", "OutcomeLog"]


@dataclass
class InvariantOutcome:
    """How one invariant fared."""

    id: str
    level: str
    family: str
    statement: str
    outcome: str
    reason: str
    duration: float


@dataclass
class OutcomeLog:
    """Outcomes collected while the session runs."""

    factory: str
    options: dict[str, Any]
    capabilities: list[str]
    spec_version: int | None
    outcomes: dict[str, InvariantOutcome] = field(default_factory=dict)

    def record(
        self, invariant: Invariant, report: pytest.TestReport, should_violation: str | None = None
    ) -> None:
        """Fold one phase report into the invariant's outcome (setup and call phases count).

        ``should_violation`` is the failure message of a SHOULD rule the World broke: the test
        passed as far as pytest is concerned, and the outcome is ``warn``.
        """
        if report.when == "teardown" and report.passed:
            return
        if report.when == "setup" and report.passed:
            return
        outcome, reason = _classify(report)
        if outcome == "pass" and report.when == "call" and should_violation is not None:
            outcome, reason = "warn", " / ".join(should_violation.strip().splitlines()[:2])[:500]
        self.outcomes[invariant.id] = InvariantOutcome(
            invariant.id,
            invariant.level,
            invariant.family.prefix,
            invariant.statement,
            outcome,
            reason,
            round(report.duration, 4),
        )

    def write(self, path: Path) -> None:
        """Write the log as JSON to ``path``."""
        document = {
            "kitVersion": worldspec.KIT_VERSION,
            "specVersion": worldspec.SPEC_VERSION_CURRENT,
            "world": {"factory": self.factory, "options": self.options, "specVersion": self.spec_version},
            "capabilities": self.capabilities,
            "invariants": [asdict(outcome) for outcome in self.outcomes.values()],
        }
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")


def _classify(report: pytest.TestReport) -> tuple[str, str]:
    if hasattr(report, "wasxfail"):
        return (
            ("expected-fail", str(report.wasxfail))
            if report.skipped
            else ("fail", "listed as a known failure, but passed")
        )
    if report.skipped:
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        return "skip", reason.removeprefix("Skipped: ")
    if report.failed:
        return "fail", (report.longreprtext.strip().splitlines() or [""])[-1][:500]
    return "pass", ""
