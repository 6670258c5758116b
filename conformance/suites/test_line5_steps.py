"""Steps on the 5.x line (world-contract-v7.md §4.3): a step is named by ``(runId, stepId)``, its
errors are stored as sent, and a terminal run expires every bare start. These replace STEP-007,
STEP-009, STEP-010 and STEP-011 for spec 6 and above."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    created_step,
    finish_run,
    running_step,
    started_run,
)
from worldspec import errors
from worldspec.events import EventRequest
from worldspec.protocol import World
from worldspec.wire_types import MISSING

STEP_FAILED_ERRORS: tuple[tuple[str, Any], ...] = (
    ("a string", "step broke"),
    ("an object with keys of its own", {"message": "m", "stack": "s", "cause": {"code": 7}}),
    ("encrypted bytes", b"encr\x00\x02\xff"),
)


def _later_event(kind: str, step_id: str) -> EventRequest:
    """A bare step event of type ``kind`` (no lazy-start data) for ``step_id``."""
    requests: dict[str, EventRequest] = {
        "step_started": make.step_started(step_id),
        "step_completed": make.step_completed(step_id),
        "step_failed": make.step_failed(step_id),
        "step_retrying": make.step_retrying(step_id),
    }
    return requests[kind]


@invariant("STEP-101")
async def test_step_failed_keeps_the_error_as_sent(world: World) -> None:
    """``step_failed`` makes the step failed with ``completedAt``; its ``error`` is the sent
    ``eventData.error`` exactly (a string, an object with keys of its own, encrypted bytes),
    never normalised to ``{message, stack}``. In the result and from ``steps.get``."""
    run_id = await started_run(world)
    for what, error in STEP_FAILED_ERRORS:
        step_id = await running_step(world, run_id)
        result = await create(world, run_id, make_line5.step_failed(step_id, error))
        stored = await returns(world.steps.get(run_id, step_id), "steps.get")
        for where, step in (("the result", result.step), ("steps.get", stored)):
            shown = step.to_wire() if step is not MISSING else {}
            if not (
                shown.get("status") == "failed"
                and shown.get("completedAt") is not None
                and shown.get("error", MISSING) == error
                and type(shown.get("error")) is type(error)
            ):
                fail(
                    f"step_failed with {what}: {where} shows the step failed, with completedAt and the "
                    "error exactly as sent",
                    "shows otherwise",
                    ("sent error", error),
                    ("step", step),
                )


@invariant("STEP-103")
async def test_events_of_an_unknown_run_and_step_pair_are_refused(world: World) -> None:
    """Bare ``step_started``, ``step_completed``, ``step_failed`` and ``step_retrying`` naming a
    ``(runId, stepId)`` the World does not know raise ``WorkflowWorldError``: for a stepId never
    created, and for a stepId that exists in another run. No step appears, and the other run's
    step is unchanged."""
    owner, other = await started_run(world), await started_run(world)
    theirs = await running_step(world, owner)
    before = (await returns(world.steps.get(owner, theirs), "steps.get")).to_wire()
    for kind in ("step_started", "step_completed", "step_failed", "step_retrying"):
        for step_id, which in ((make.new_id("step"), "never created"), (theirs, "of another run")):
            action = f"{kind} in a run for a stepId {which}"
            await raises(
                errors.WorkflowWorldError, world.events.create(other, _later_event(kind, step_id)), action
            )
            await rejects(world.steps.get(other, step_id), f"steps.get after {action}")
    after = (await returns(world.steps.get(owner, theirs), "steps.get")).to_wire()
    if after != before:
        fail("events naming another run's step leave that step unchanged", "changed it", ("before", before))


@invariant("STEP-104")
async def test_ended_run_expires_every_bare_start(world: World) -> None:
    """Once the run has completed, failed or been cancelled, a bare ``step_started`` raises
    ``RunExpiredError`` on a pending and on a running step alike, while running steps can still
    complete or fail."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        pending = await created_step(world, run_id)
        restarted, completing, failing = [await running_step(world, run_id) for _ in range(3)]
        await finish_run(world, run_id, kind)
        for step_id, status in ((pending, "pending"), (restarted, "running")):
            await raises(
                errors.RunExpiredError,
                world.events.create(run_id, make.step_started(step_id)),
                f"a bare step_started on a {status} step after {kind}",
            )
        for step_id, ending in ((completing, "step_completed"), (failing, "step_failed")):
            action = f"{ending} on a running step after {kind}"
            result = await returns(world.events.create(run_id, _later_event(ending, step_id)), action)
            status = ending.removeprefix("step_")
            if result.step is MISSING or result.step.status != status:
                fail(f"{action} makes the step {status}", "did not", ("result", result))


@invariant("STEP-105")
async def test_steps_get_takes_the_run_and_the_step(world: World) -> None:
    """``steps.get(runId, stepId)`` returns the step created in that run; a stepId never
    created, and a stepId of another run asked for under this run, are rejected."""
    run_id, other = await started_run(world), await started_run(world)
    step_id = await running_step(world, run_id)
    found = await returns(world.steps.get(run_id, step_id), "steps.get of a step of the run")
    if found.step_id != step_id or found.run_id != run_id or found.status != "running":
        fail("steps.get(runId, stepId) returns that run's step", "returned another", ("step", found))
    await rejects(world.steps.get(run_id, make.new_id("step")), "steps.get of a stepId never created")
    await rejects(world.steps.get(other, step_id), "steps.get of another run's stepId")
