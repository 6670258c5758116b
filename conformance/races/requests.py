"""The requests the races send whose shapes differ between the lines of the contract.

Most racing calls (``run_started``, ``run_completed``, the step, hook and wait events) are sent
alike to a World of either line, as the 5.x suites send them. These are the ones a 5.x runtime
sends in its own shapes (``conformance.checks.make_line5``): ``run_created`` and the resilient
start with the 5.x eventData, errors as payloads, a cancel with its reason, and the lazy
``step_started``, which only the 5.x line has. The edge races (``conformance.races.edge``) and
the transition tables (``conformance.races.transitions``) take them from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.checks import make, make_line5
from worldspec.events import EventRequest
from worldspec.lines import SpecLine

__all__ = ["LINE_4_REQUESTS", "LINE_5_REQUESTS", "LineRequests", "requests_of"]


@dataclass(frozen=True)
class LineRequests:
    """The builders of one line's requests for the calls whose shapes differ between lines."""

    run_created: Callable[[bytes, str], EventRequest]
    """``run_created`` with ``input`` and a workflow name."""
    resilient_start: Callable[[bytes, str], EventRequest]
    """``run_started`` carrying the run's creation data (``input``, workflow name)."""
    run_failed: Callable[[], EventRequest]
    run_cancelled: Callable[[], EventRequest]
    step_failed: Callable[[str], EventRequest]
    """``step_failed`` of a stepId."""
    lazy_step_started: Callable[[str], EventRequest] | None
    """``step_started`` that creates the step it starts, on a line that has it."""


LINE_4_REQUESTS = LineRequests(
    run_created=lambda input, name: make.run_created(input=input, name=name),
    resilient_start=lambda input, name: make.run_started(resilient=True, input=input, name=name),
    run_failed=lambda: make.run_failed(),
    run_cancelled=lambda: make.run_cancelled(),
    step_failed=lambda step_id: make.step_failed(step_id),
    lazy_step_started=None,
)
LINE_5_REQUESTS = LineRequests(
    run_created=lambda input, name: make_line5.run_created(input=input, workflow_name=name),
    resilient_start=lambda input, name: make_line5.resilient_run_started(input=input, workflow_name=name),
    run_failed=lambda: make_line5.run_failed(b"devl\x00run-error"),
    run_cancelled=lambda: make_line5.run_cancelled("raced"),
    step_failed=lambda step_id: make_line5.step_failed(step_id, b"devl\x00step-error"),
    lazy_step_started=make_line5.lazy_step_started,
)


def requests_of(line: SpecLine) -> LineRequests:
    """The requests the races send to a World judged on ``line``."""
    return LINE_5_REQUESTS if line is SpecLine.LINE_5 else LINE_4_REQUESTS
