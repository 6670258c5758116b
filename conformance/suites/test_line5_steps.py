"""Steps on the 5.x line (world-contract-v7.md §4.3): a step is named by ``(runId, stepId)``, its
errors are stored as sent, and a terminal run expires every bare start. These replace STEP-007,
STEP-009, STEP-010 and STEP-011 for spec 6 and above."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    create,
    created_step,
    finish_run,
    from_now,
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


@invariant("STEP-102")
async def test_step_retrying_keeps_the_latest_error_as_sent(world: World) -> None:
    """``step_retrying`` sets the step's ``error`` to the sent ``eventData.error`` exactly (an
    object with keys of its own, then a string): the latest one replaces the earlier. In the
    result and from ``steps.get``."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    for error in ({"message": "rate limited", "retryable": True}, "again"):
        result = await create(world, run_id, make.step_retrying(step_id, error=error))
        stored = await returns(world.steps.get(run_id, step_id), "steps.get")
        for where, step in (("the result", result.step), ("steps.get", stored)):
            shown = step.to_wire() if step is not MISSING else {}
            if shown.get("error", MISSING) != error or type(shown.get("error")) is not type(error):
                fail(
                    f"step_retrying: {where} shows the sent error exactly",
                    "shows another",
                    ("sent", error),
                    ("step", step),
                )
        await create(world, run_id, make.step_started(step_id))


@invariant("STEP-106")
async def test_step_and_wait_ids_repeat_across_runs(world: World) -> None:
    """One stepId and one waitId used in two runs make two steps and two waits: completing the
    step and the wait in one run leaves the other run's pending step and waiting wait as they
    were, and each run's log holds only its own events. A lazy ``step_started`` for that stepId
    in a third run creates the third run's step."""
    first, second = await started_run(world), await started_run(world)
    step_id, wait_id = make.new_id("step"), make.new_id("wait")
    for run_id in (first, second):
        await create(world, run_id, make.step_created(step_id))
        await create(world, run_id, make.wait_created(wait_id, from_now(3600)))
    await create(world, first, make.step_started(step_id))
    await create(world, first, make.step_completed(step_id))
    await create(world, first, make.wait_completed(wait_id))
    other = await returns(world.steps.get(second, step_id), "steps.get of the second run's step")
    if other.status != "pending" or other.run_id != second:
        fail("the second run's step stays pending", f"is {other.status} in {other.run_id}", ("step", other))
    await returns(
        world.events.create(second, make.wait_completed(wait_id)), "wait_completed in the second run"
    )
    third = await started_run(world)
    lazy = await returns(
        world.events.create(third, make_line5.lazy_step_started(step_id)),
        "a lazy step_started in a third run, for a stepId the other two runs use",
    )
    if lazy.to_wire().get("stepCreated") is not True or lazy.step is MISSING or lazy.step.run_id != third:
        fail(
            "a lazy step_started creates the step in its own run even when another run has that stepId",
            "answered otherwise",
            ("result", lazy),
        )
    for run_id in (first, second):
        kinds = [
            e.event_type for e in await all_events(world, run_id) if e.correlation_id in (step_id, wait_id)
        ]
        expected = ["step_created", "wait_created"] + (
            ["step_started", "step_completed", "wait_completed"] if run_id == first else ["wait_completed"]
        )
        if kinds != expected:
            fail(
                "each run's log holds only its own step and wait events",
                f"logged {kinds}",
                ("expected", expected),
            )


@invariant("STEP-107")
async def test_every_accepted_start_has_started_at(world: World) -> None:
    """The result of every accepted ``step_started`` (the first, and one after a
    ``step_retrying``) carries a step with ``startedAt``."""
    run_id = await started_run(world)
    step_id = await created_step(world, run_id)
    for round_ in ("first", "after a retry"):
        result = await create(world, run_id, make.step_started(step_id))
        if result.step is MISSING or result.step.to_wire().get("startedAt") is None:
            fail(f"the {round_} step_started answers a step with startedAt", "did not", ("result", result))
        await create(world, run_id, make.step_retrying(step_id))
