"""Logs that hold every event type, built through ``events.create`` as a runtime would.

The event-log suites judge ids, order, echoes and ``resolveData`` on these logs; each request
carries every optional eventData field of the World's line, so nothing the World might drop goes
unnoticed. (The 5.x line has no ``stack`` beside a step's ``error``: its errors are stored as
sent, so the requests for that line leave it out.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from conformance.checks import make
from conformance.checks.expect import deviate, setup
from conformance.checks.scenarios import judge_of
from worldspec.events import (
    EVENT_DATA_REF_FIELDS,
    CreateEventParams,
    Event,
    EventRequest,
    HookCreatedData,
    HookCreatedRequest,
    HookDisposedData,
    HookDisposedRequest,
    HookReceivedData,
    HookReceivedRequest,
    RunCompletedData,
    RunCompletedRequest,
    StepCompletedData,
    StepCompletedRequest,
    StepCreatedData,
    StepCreatedRequest,
    StepFailedData,
    StepFailedRequest,
    StepRetryingData,
    StepRetryingRequest,
    StepStartedData,
    StepStartedRequest,
    WaitCompletedData,
    WaitCompletedRequest,
)
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = ["RESUME_AT", "RETRY_AFTER", "Appended", "every_kind_of_event", "without_payloads"]

RESUME_AT = datetime(2031, 5, 6, 7, 8, 9, 123_000, tzinfo=UTC)
"""A wait's resume time, with milliseconds."""
RETRY_AFTER = datetime(2021, 1, 2, 3, 4, 5, 999_000, tzinfo=UTC)
"""A step retry time in the past (so the step may start again at once), with milliseconds."""


@dataclass(frozen=True)
class Appended:
    """One accepted create: the run, what was sent, and the event ``events.create`` returned."""

    run_id: str
    request: EventRequest
    event: Event


def without_payloads(wire: dict[str, Any]) -> dict[str, Any]:
    """A stored event's wire form as ``resolveData: 'none'`` must return it (§9): its type's
    ``EVENT_DATA_REF_FIELDS`` removed from eventData, and an eventData left empty dropped."""
    refs = EVENT_DATA_REF_FIELDS.get(str(wire["eventType"]), ())
    kept = {key: value for key, value in wire.get("eventData", {}).items() if key not in refs}
    stripped = {key: value for key, value in wire.items() if key != "eventData"}
    if kept:
        stripped["eventData"] = kept
    return stripped


class _Writer:
    def __init__(self, world: World, params: CreateEventParams | None) -> None:
        self.world = world
        self.params = params
        self.appended: list[Appended] = []

    async def create(self, run_id: str | None, request: EventRequest, expected_type: str = "") -> str:
        action = f"{request.event_type} ({getattr(request, 'correlation_id', MISSING) or 'run'})"
        judge = "HOOK-002" if expected_type == "hook_conflict" else judge_of(run_id, request)
        result = await setup(self.world.events.create(run_id, request, self.params), action, judge)
        if result.event is MISSING:
            deviate(action, "returned no event", judge, ("result", result))
        wanted = expected_type or request.event_type
        if result.event.event_type != wanted:
            deviate(
                action, f"returned a {result.event.event_type} event, not {wanted}", judge, ("result", result)
            )
        self.appended.append(Appended(result.event.run_id, request, result.event))
        return str(result.event.run_id)


async def every_kind_of_event(
    world: World, params: CreateEventParams | None = None, *, line: SpecLine = SpecLine.LINE_4
) -> list[Appended]:
    """Three runs whose logs hold all 16 event types, created with ``params``, in the shapes of
    ``line``.

    Run 1 holds run, step, hook (with a ``hook_conflict``) and wait events and completes; some
    of its events are sent at specVersion 2. Run 2 fails; run 3 is cancelled.
    """
    out = _Writer(world, params)
    stack_of: dict[str, Any] = (
        {"retrying": "Error: flaky\n    at step", "failed": "Error: boom\n    at step"}
        if line is SpecLine.LINE_4
        else {"retrying": MISSING, "failed": MISSING}
    )
    run_id = await out.create(
        None, make.run_created(execution_context={"region": "iad1", "raw": b"\x00\xff"})
    )
    await out.create(run_id, make.run_started())
    done, broken = make.new_id("step"), make.new_id("step")
    step_name, workflow = "step//./worldspec//kinds", "workflow//./worldspec//kinds"
    for request in (
        StepCreatedRequest(
            correlation_id=done,
            event_data=StepCreatedData(step_name=step_name, workflow_name=workflow, input=b"devl\x01"),
        ),
        StepStartedRequest(
            correlation_id=done,
            event_data=StepStartedData(step_name=step_name, attempt=1, workflow_name=workflow),
        ),
        StepRetryingRequest(
            correlation_id=done,
            event_data=StepRetryingData(
                step_name=step_name,
                error={"message": "flaky", "stack": "Error: flaky"},
                stack=stack_of["retrying"],
                retry_after=RETRY_AFTER,
            ),
        ),
        make.step_started(done).model_copy(update={"spec_version": 2}),
        StepCompletedRequest(
            correlation_id=done,
            event_data=StepCompletedData(step_name=step_name, workflow_name=workflow, result=b"devl\x02"),
        ),
        make.step_created(broken).model_copy(update={"spec_version": 2}),
        make.step_started(broken),
        StepFailedRequest(
            correlation_id=broken,
            event_data=StepFailedData(step_name=step_name, error="boom", stack=stack_of["failed"]),
        ),
    ):
        await out.create(run_id, request)
    await _hooks_and_waits(out, run_id)
    await out.create(run_id, RunCompletedRequest(event_data=RunCompletedData(output=b"devl\x03")))
    failed = await out.create(None, make.run_created())
    await out.create(
        failed, make.run_failed(error={"message": "it broke", "stack": "Error"}, error_code="E_IT")
    )
    cancelled = await out.create(None, make.run_created())
    await out.create(cancelled, make.run_cancelled())
    return out.appended


async def _hooks_and_waits(out: _Writer, run_id: str) -> None:
    received, held, clashing, wait = (make.new_id(kind) for kind in ("hook", "hook", "hook", "wait"))
    token, taken = make.new_id("token"), make.new_id("token")
    await out.create(
        run_id,
        HookCreatedRequest(
            correlation_id=received,
            event_data=HookCreatedData(token=token, metadata=b"devl\x04", is_webhook=False),
        ),
    )
    await out.create(
        run_id,
        HookReceivedRequest(
            correlation_id=received, event_data=HookReceivedData(token=token, payload=b"devl\x05")
        ).model_copy(update={"spec_version": 2}),
    )
    await out.create(
        run_id, HookDisposedRequest(correlation_id=received, event_data=HookDisposedData(token=token))
    )
    await out.create(run_id, make.hook_created(held, taken, is_webhook=True))
    await out.create(run_id, make.hook_created(clashing, taken), expected_type="hook_conflict")
    await out.create(run_id, make.wait_created(wait, RESUME_AT))
    await out.create(
        run_id,
        WaitCompletedRequest(correlation_id=wait, event_data=WaitCompletedData(resume_at=RESUME_AT)),
    )
