"""What a failed invariant test adds to pytest's report: the rule, the logs, a repro program."""

from __future__ import annotations

import json
import shlex
from typing import Any

from conformance.catalogue.entries import Invariant
from conformance.reporting.display import show
from conformance.world.loading import WorldSpec
from conformance.world.recorder import Recorder

__all__ = ["failure_sections", "rerun_command"]


def rerun_command(spec: WorldSpec, invariant: Invariant) -> str:
    """The pytest command that runs only ``invariant`` against the same World."""
    parts = ["pytest", f"--world={spec.target}"]
    parts += [
        f"--world-opt={key}={value if isinstance(value, str) else json.dumps(value)}"
        for key, value in spec.options.items()
    ]
    parts += ["-k", invariant.id]
    return " ".join(shlex.quote(part) for part in parts)


def failure_sections(
    invariant: Invariant, spec: WorldSpec, recorder: Recorder, logs: dict[str, Any], diagnostics: str = ""
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
            ("worldspec: reproduce against the World directly", recorder.program(spec.target, spec.options))
        )
    sections.append(("worldspec: rerun just this test", rerun_command(spec, invariant)))
    return sections
