"""What a failed invariant test adds to pytest's report: the rule, the logs, a repro program,
and the command that reruns it."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.entries import Invariant
from conformance.reporting.display import show
from conformance.reporting.reproduction import reproduction_program
from conformance.reporting.rerun import RunIdentity, rerun_command
from conformance.world.recorder import Recorder

__all__ = ["failure_sections"]


def failure_sections(
    invariant: Invariant, run: RunIdentity, recorder: Recorder, logs: dict[str, Any], diagnostics: str = ""
) -> list[tuple[str, str]]:
    """Report sections, titled ``worldspec: ...``, for a failure of ``invariant``; ``diagnostics``
    is what the World's ``worldspec_diagnostics()`` said."""
    sections = [
        (
            "worldspec: invariant",
            f"{invariant.id} {invariant.level} ({invariant.family.title}, {invariant.family.sections}): "
            f"{invariant.statement}",
        )
    ]
    if logs:
        sections.append(("worldspec: event logs of the runs involved (events.list, first page)", show(logs)))
    if diagnostics:
        sections.append(("worldspec: the World's diagnostics (worldspec_diagnostics)", diagnostics))
    if recorder.calls:
        sections.append(
            (
                "worldspec: reproduce against the World directly (a program that checks the rule)",
                reproduction_program(invariant, run.target, dict(run.options), recorder.calls),
            )
        )
    sections.append(("worldspec: rerun just this test", rerun_command(run, invariant.id)))
    return sections
