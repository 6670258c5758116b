"""Waits (§4.5): created once, completed once, and always resuming at the Date they were made
with. A wait has no getter; the kit sees it in ``EventResult.wait`` and in the log."""

from __future__ import annotations

from datetime import datetime

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, raises, returns
from conformance.checks.fields import wire_fields
from conformance.checks.scenarios import (
    attempt,
    create,
    events_of,
    from_now,
    race,
    started_run,
    waiting_wait,
)
from worldspec import errors
from worldspec.errors import WorkflowError
from worldspec.protocol import World
from worldspec.wire_types import MISSING


@invariant("WAIT-001")
async def test_wait_created_is_waiting(world: World) -> None:
    """``wait_created`` returns the wait ``{waitId: '<runId>-<correlationId>', runId, status:
    'waiting', resumeAt}``, ``resumeAt`` equal to the sent Date to the millisecond; so does one
    whose ``resumeAt`` has already passed, which the ``wait_completed`` the runtime then sends
    completes (the World does not complete it itself)."""
    run_id = await started_run(world)
    correlation_id, resume_at = make.new_id("wait"), from_now(90)
    result = await create(world, run_id, make.wait_created(correlation_id, resume_at))
    expected = {
        "waitId": f"{run_id}-{correlation_id}",
        "runId": run_id,
        "status": "waiting",
        "resumeAt": resume_at,
    }
    if wire_fields(result.wait, *expected) != expected:
        fail(
            "wait_created returns the new wait",
            "returned otherwise",
            ("expected", expected),
            ("result", result),
        )
    elapsed_id, elapsed_at = make.new_id("wait"), from_now(-60)
    elapsed = await returns(
        world.events.create(run_id, make.wait_created(elapsed_id, elapsed_at)),
        "wait_created with a resumeAt already past",
    )
    shown = wire_fields(elapsed.wait, "status", "resumeAt")
    if shown != {"status": "waiting", "resumeAt": elapsed_at}:
        fail(
            "a wait whose resumeAt has already passed is created waiting, resumeAt as sent: the "
            "runtime, not the World, decides that it elapsed (§4.5)",
            f"returned {shown}",
            ("result", elapsed),
        )
    await returns(
        world.events.create(run_id, make.wait_completed(elapsed_id)),
        "wait_completed of that wait, sent by the runtime",
    )


@invariant("WAIT-002")
async def test_duplicate_wait_created_conflicts(world: World) -> None:
    """A second ``wait_created`` for a wait that is waiting or completed raises
    ``EntityConflictError``; N concurrent ``wait_created`` of one new wait: one succeeds, the
    rest raise ``EntityConflictError``."""
    run_id = await started_run(world)
    correlation_id = await waiting_wait(world, run_id)
    for state in ("waiting", "completed"):
        if state == "completed":
            await create(world, run_id, make.wait_completed(correlation_id))
        await raises(
            errors.EntityConflictError,
            world.events.create(run_id, make.wait_created(correlation_id, from_now(30))),
            f"a second wait_created for a {state} wait",
        )
    correlation_id = make.new_id("wait")
    created = [make.wait_created(correlation_id, from_now(60 + index)) for index in range(4)]
    outcome = await race([world.events.create(run_id, request) for request in created])
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"}:
        fail(
            "of 4 concurrent wait_created of one wait, one succeeds and the rest raise EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )


@invariant("WAIT-003")
async def test_wait_completes_once(world: World) -> None:
    """``wait_completed`` makes the wait completed with ``completedAt``; a second one raises
    ``EntityConflictError``; of N concurrent ones one succeeds and the rest raise
    ``EntityConflictError``; each wait has one ``wait_completed`` in the log."""
    run_id = await started_run(world)
    correlation_id = await waiting_wait(world, run_id)
    result = await create(world, run_id, make.wait_completed(correlation_id))
    if (
        result.wait is MISSING
        or result.wait.status != "completed"
        or not isinstance(result.wait.completed_at, datetime)
    ):
        fail("wait_completed returns the wait completed, with completedAt", "did not", ("result", result))
    await raises(
        errors.EntityConflictError,
        world.events.create(run_id, make.wait_completed(correlation_id)),
        "a second wait_completed",
    )
    racing = await waiting_wait(world, run_id)
    outcome = await race([world.events.create(run_id, make.wait_completed(racing)) for _ in range(4)])
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"}:
        fail(
            "of 4 concurrent wait_completed one succeeds, the rest raise EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )
    for wait in (correlation_id, racing):
        logged = [e for e in await events_of(world, run_id, wait) if e.event_type == "wait_completed"]
        if len(logged) != 1:
            fail("each wait has one wait_completed in the log", f"logged {len(logged)}", ("logged", logged))


@invariant("WAIT-004")
async def test_unknown_wait_completed_is_not_found(world: World) -> None:
    """``wait_completed`` for a wait never created in the run raises ``WorkflowWorldError`` (not
    found), also when another run has a waiting wait of that correlationId (a wait is
    ``"<runId>-<correlationId>"``, not the correlationId alone); that other wait stays waiting,
    and its own run completes it afterwards."""
    run_id = await started_run(world)
    await waiting_wait(world, run_id)
    await raises(
        errors.WorkflowWorldError,
        world.events.create(run_id, make.wait_completed(make.new_id("wait"))),
        "wait_completed for a wait never created",
    )
    other_run = await started_run(world)
    others = await waiting_wait(world, other_run)
    await raises(
        errors.WorkflowWorldError,
        world.events.create(run_id, make.wait_completed(others)),
        "wait_completed for a wait of that correlationId in another run only",
    )
    await returns(
        world.events.create(other_run, make.wait_completed(others)),
        "wait_completed of the other run's wait, in its own run, afterwards",
    )


@invariant("WAIT-005")
async def test_resume_at_stays_as_created(world: World) -> None:
    """A wait's ``resumeAt`` stays its ``wait_created`` value when it completes, with or without
    a ``resumeAt`` (another one) in the ``wait_completed`` eventData, and after a second
    ``wait_created`` of the wait with another ``resumeAt`` was refused, so a World that writes
    the duplicate over the wait before it refuses it shows. (A duplicate accepted is WAIT-002's
    to judge.)"""
    run_id = await started_run(world)
    for echoed, duplicate in ((MISSING, False), (from_now(7200), False), (MISSING, True)):
        resume_at = from_now(60)
        correlation_id = await waiting_wait(world, run_id, resume_at=resume_at)
        what = "wait_completed" + ("" if echoed is MISSING else " carrying another resumeAt")
        if duplicate:
            second = make.wait_created(correlation_id, from_now(3600))
            again = await attempt(world.events.create(run_id, second))
            if not isinstance(again, WorkflowError):
                continue
            what += " after a refused second wait_created with another resumeAt"
        result = await returns(
            world.events.create(run_id, make.wait_completed(correlation_id, resume_at=echoed)), what
        )
        if result.wait is MISSING or result.wait.resume_at != resume_at:
            fail(
                f"the completed wait keeps the resumeAt it was created with ({what})",
                "returned another",
                ("created with", resume_at),
                ("result", result),
            )
