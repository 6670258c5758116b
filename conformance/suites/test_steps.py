"""Steps (§4.3): a step's life from ``step_created`` through starts and retries to completed or
failed, as its entity and its events show it."""

from __future__ import annotations

import math
import time
from datetime import datetime, timedelta
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.fields import wire_fields
from conformance.checks.reads import all_events
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    attempt,
    create,
    created_step,
    events_of,
    finish_run,
    from_now,
    race,
    running_step,
    started_run,
)
from conformance.world.clock import ClockedWorld
from worldspec import errors
from worldspec.entities import Step
from worldspec.events import Event, EventRequest
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

STEP_NAME = "step//./src/workflows/order//chargeCard"
STEP_EVENTS_AFTER_CREATION = ("step_started", "step_completed", "step_failed", "step_retrying")


async def _step(world: World, run_id: str | None, step_id: str) -> Step:
    step: Step = await returns(world.steps.get(run_id, step_id), f"steps.get({run_id!r}, {step_id!r})")
    return step


def _later_event(kind: str, step_id: str) -> EventRequest:
    """A step event of type ``kind`` for an existing step."""
    requests: dict[str, EventRequest] = {
        "step_started": make.step_started(step_id),
        "step_completed": make.step_completed(step_id),
        "step_failed": make.step_failed(step_id),
        "step_retrying": make.step_retrying(step_id),
    }
    return requests[kind]


async def _judge(
    world: World, run_id: str, step_id: str, result_step: Any, rule: str, expected: dict[str, Any]
) -> None:
    """The step in the create's result and from ``steps.get`` shows ``expected``."""
    for where, step in (("the result", result_step), ("steps.get", await _step(world, run_id, step_id))):
        if wire_fields(step, *expected) != expected:
            fail(
                f"{rule}: {where} shows the expected fields",
                "shows otherwise",
                ("expected", expected),
                ("step", step),
            )


@invariant("STEP-001")
async def test_step_created_is_pending(world: World) -> None:
    """``step_created`` makes a step ``{status: 'pending', attempt: 0}`` with the sent stepName
    and input (byte-exact) and ``createdAt = updatedAt``: in the result and from ``steps.get``."""
    run_id = await started_run(world)
    step_id = make.new_id("step")
    payload = b"devl\x00" + bytes(range(256))
    result = await create(world, run_id, make.step_created(step_id, input=payload, step_name=STEP_NAME))
    expected = {
        "runId": run_id,
        "stepId": step_id,
        "stepName": STEP_NAME,
        "status": "pending",
        "attempt": 0,
        "input": payload,
    }
    await _judge(world, run_id, step_id, result.step, "step_created makes a pending step", expected)
    step = await _step(world, run_id, step_id)
    if step.created_at != step.updated_at:
        fail("a new step has createdAt = updatedAt", "stamped them apart", ("step", step))


@invariant("STEP-002")
async def test_duplicate_step_created_conflicts(world: World) -> None:
    """A second ``step_created`` for an existing stepId raises ``EntityConflictError`` and leaves
    the step as the first made it. N concurrent ``step_created`` of one new stepId: one succeeds,
    the rest raise ``EntityConflictError``, and the step holds the winner's input."""
    run_id = await started_run(world)
    step_id = await created_step(world, run_id, input=b"devl-first")
    await raises(
        errors.EntityConflictError,
        world.events.create(run_id, make.step_created(step_id, input=b"devl-second")),
        "a second step_created for the step",
    )
    if (await _step(world, run_id, step_id)).input != b"devl-first":
        fail("the step keeps its first input", "took another", ("step", await _step(world, run_id, step_id)))
    step_id = make.new_id("step")
    inputs = [f"devl-{index}".encode() for index in range(5)]
    outcome = await race([world.events.create(run_id, make.step_created(step_id, input=x)) for x in inputs])
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"}:
        fail(
            f"of {len(inputs)} concurrent step_created of one stepId, one succeeds and the rest raise "
            "EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )
    won = inputs[outcome.winners[0]]
    stored = await _step(world, run_id, step_id)
    if stored.input != won:
        fail(
            "the step holds the winner's input", "holds another", ("winner's input", won), ("stored", stored)
        )


@invariant("STEP-003")
async def test_attempt_counts_accepted_starts(clocked_world: ClockedWorld) -> None:
    """``attempt`` counts the accepted ``step_started`` events: 1 after the first, one more after
    each later one (retries in between), and their number after N concurrent starts. The first
    start sets ``startedAt`` and later ones keep it; every start clears ``retryAfter``. Time
    passes between the starts (the kit's clock moves a second), so a World that stamps
    ``startedAt`` again on a restart shows another time."""
    clocked, world = clocked_world, clocked_world.world
    run_id = await started_run(world)
    step_id = await created_step(world, run_id)
    first = await create(world, run_id, make.step_started(step_id))
    started_at = first.step.started_at if first.step is not MISSING else MISSING
    if not isinstance(started_at, datetime):
        fail("the first step_started sets startedAt", "left it unset", ("result", first))
    for attempt_number in (2, 3):
        await clocked.tick(1.0)
        past = clocked.now() - timedelta(seconds=60)
        await create(world, run_id, make.step_retrying(step_id, retry_after=past))
        again = await create(world, run_id, make.step_started(step_id))
        expected = {"attempt": attempt_number, "startedAt": started_at, "retryAfter": MISSING}
        await _judge(world, run_id, step_id, again.step, f"start number {attempt_number}", expected)
    racing = await created_step(world, run_id)
    outcome = await race([world.events.create(run_id, make.step_started(racing)) for _ in range(5)])
    logged = [e for e in await events_of(world, run_id, racing) if e.event_type == "step_started"]
    step = await _step(world, run_id, racing)
    if not step.attempt == len(logged) == len(outcome.results):
        fail(
            "after concurrent step_started, attempt = the number of step_started accepted and logged",
            f"accepted {len(outcome.results)}, logged {len(logged)}, attempt is {step.attempt}",
            ("step", step),
        )


RETRY_AHEAD = timedelta(seconds=29.3)
"""How far ahead of the kit's clock STEP-004 sets ``retryAfter``: not a whole number of seconds,
so rounding to nearest (29) and rounding up (30) differ."""
CLOCK_MOVES: tuple[tuple[timedelta, int | None], ...] = (
    (timedelta(0), 30),
    (timedelta(seconds=10), 20),
    (timedelta(seconds=19, milliseconds=299), 1),
    (timedelta(milliseconds=1), None),
)
"""How the kit's clock moves before each ``step_started``, and the ``TooEarlyError.retryAfter``
then due (None: the start is due, exactly at ``retryAfter``)."""


@invariant("STEP-004")
async def test_start_before_retry_after_is_too_early(clocked_world: ClockedWorld) -> None:
    """``step_started`` while the step's ``retryAfter`` has not come raises ``TooEarlyError``
    whose ``retryAfter`` is the time left in whole seconds, rounded up, and the step stays
    pending with its attempt. On the kit's clock the values are exact: with ``retryAfter``
    29.3 s ahead, 30; 10 s later, 20; 1 ms before it, 1; at the instant itself the start is
    accepted. A World on its own clock is judged on one start 30 s ahead, allowing for the time
    the calls took."""
    clocked, world = clocked_world, clocked_world.world
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    if clocked.clock is None:
        await _too_early_on_own_clock(world, run_id, step_id)
        return
    retry_after = clocked.now() + RETRY_AHEAD
    await create(world, run_id, make.step_retrying(step_id, retry_after=retry_after))
    for moved, due in CLOCK_MOVES:
        clocked.clock.advance(moved.total_seconds())
        left = (retry_after - clocked.now()).total_seconds()
        action = f"step_started {left:.3f} s before the step's retryAfter"
        if due is None:
            started = await returns(world.events.create(run_id, make.step_started(step_id)), action)
            if started.step is MISSING or started.step.attempt != 2:
                fail(
                    "a start at the instant of retryAfter is accepted",
                    "accepted it otherwise",
                    ("result", started),
                )
            return
        error = await raises(
            errors.TooEarlyError, world.events.create(run_id, make.step_started(step_id)), action
        )
        if _seconds_of(error) != due:
            fail(
                f"TooEarlyError.retryAfter is the {left:.3f} s left, rounded up: {due}",
                f"said {getattr(error, 'retry_after', None)!r}",
            )
        await _still_pending(world, run_id, step_id)


async def _too_early_on_own_clock(world: World, run_id: str, step_id: str) -> None:
    delay = 30
    sent = time.monotonic()
    await create(world, run_id, make.step_retrying(step_id, retry_after=from_now(delay)))
    error = await raises(
        errors.TooEarlyError,
        world.events.create(run_id, make.step_started(step_id)),
        f"step_started {delay} s before the step's retryAfter",
    )
    elapsed = time.monotonic() - sent
    seconds = _seconds_of(error)
    lowest = math.floor(delay - elapsed) - 1
    if not (lowest <= seconds <= delay + 1 and seconds == math.ceil(seconds)):
        fail(
            f"TooEarlyError.retryAfter is the whole seconds left, rounded up: between {lowest} and {delay}",
            f"said {seconds}",
        )
    await _still_pending(world, run_id, step_id)


def _seconds_of(error: BaseException) -> float:
    """``TooEarlyError.retryAfter`` as a number (whether it is sent as one is ERR-002's rule)."""
    try:
        return float(getattr(error, "retry_after", ""))
    except (TypeError, ValueError):
        fail("TooEarlyError carries retryAfter", f"carried {getattr(error, 'retry_after', None)!r}")


async def _still_pending(world: World, run_id: str, step_id: str) -> None:
    step = await _step(world, run_id, step_id)
    if step.status != "pending" or step.attempt != 1:
        fail("the refused start leaves the step pending at attempt 1", "changed it", ("step", step))


@invariant("STEP-005")
async def test_step_retrying_returns_step_to_pending(world: World, world_line: SpecLine) -> None:
    """``step_retrying`` moves the step back to pending, keeps ``attempt``, records ``error``
    and sets ``retryAfter`` to the sent Date, or clears it when none is sent. On the 4.x line
    ``error`` is ``message`` from the string or its ``.message`` with ``stack`` from
    ``eventData.stack``; on the 5.x line it is the sent ``error`` as it came (STEP-102), and no
    stack is sent."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    when = from_now(3600)
    line_4 = world_line is SpecLine.LINE_4
    stack = "Error: rate limited\n    at charge (w.js:2:2)" if line_4 else MISSING
    sent_error = {"message": "rate limited"}
    retrying = make.step_retrying(step_id, error=sent_error, retry_after=when, stack=stack)
    result = await create(world, run_id, retrying)
    expected: dict[str, Any] = {
        "status": "pending",
        "attempt": 1,
        "error": {"message": "rate limited", "stack": stack} if line_4 else sent_error,
        "retryAfter": when,
    }
    await _judge(world, run_id, step_id, result.step, "step_retrying with retryAfter", expected)
    result = await create(world, run_id, make.step_retrying(step_id, error="again"))
    expected = {
        "status": "pending",
        "attempt": 1,
        "error": {"message": "again"} if line_4 else "again",
        "retryAfter": MISSING,
    }
    await _judge(world, run_id, step_id, result.step, "step_retrying without retryAfter clears it", expected)


@invariant("STEP-006")
async def test_step_completed_records_output(world: World) -> None:
    """``step_completed`` on a running and on a pending step makes it completed with ``output``
    = the sent result, byte-exact, and ``completedAt`` set: in the result and from
    ``steps.get``."""
    run_id = await started_run(world)
    payload = b"devl\x00" + bytes(range(255, -1, -1))
    for starting in (running_step, created_step):
        step_id = await starting(world, run_id)
        result = await create(world, run_id, make.step_completed(step_id, result=payload))
        for where, step in (("the result", result.step), ("steps.get", await _step(world, run_id, step_id))):
            if step is MISSING or step.status != "completed" or not isinstance(step.completed_at, datetime):
                fail(f"{where} shows the step completed with completedAt", "did not", ("step", step))
            if not (isinstance(step.output, bytes) and step.output == payload):
                fail(f"{where} holds the result bytes as output", "holds other output", ("step", step))


LONG_MESSAGE = values.STRING_SHAPES["past 255 characters"] + "\x00"
LONG_STACK = values.STRING_SHAPES["past 64 KiB"]
"""An error's message and stack longer than a ``varchar(255)`` and a 64 KiB ``TEXT`` column."""

STEP_FAILED_ERRORS: tuple[tuple[str, Any, Any, dict[str, Any]], ...] = (
    (
        "a string and a stack",
        "boom",
        "Error: boom\n    at s (w.js:1:1)",
        {"message": "boom", "stack": "Error: boom\n    at s (w.js:1:1)"},
    ),
    (
        "an Error object and a stack",
        {"message": "m", "stack": "inner"},
        "outer",
        {"message": "m", "stack": "outer"},
    ),
    (
        "an Error object with its own stack only",
        {"message": "m", "stack": "inner"},
        MISSING,
        {"message": "m"},
    ),
    ("an object without message", {"code": 7}, MISSING, {"message": "Unknown error"}),
    (
        "a message past 255 characters, with a NUL, and a stack past 64 KiB",
        {"message": LONG_MESSAGE},
        LONG_STACK,
        {"message": LONG_MESSAGE, "stack": LONG_STACK},
    ),
)
"""``step_failed`` eventData ``(what, error, stack)`` and the step's expected ``error``."""


@invariant("STEP-007")
async def test_step_failed_records_error(world: World) -> None:
    """``step_failed`` makes the step failed with ``completedAt`` and ``error = {message,
    stack}``: ``message`` is the error if a string, else its ``.message``, else ``'Unknown
    error'``; ``stack`` is ``eventData.stack`` (absent when it is, whatever the error holds).
    Both whole: a message past 255 characters (with a NUL) and a stack past 64 KiB too."""
    run_id = await started_run(world)
    for what, error, stack, expected in STEP_FAILED_ERRORS:
        step_id = await running_step(world, run_id)
        result = await create(world, run_id, make.step_failed(step_id, error=error, stack=stack))
        for where, step in (("the result", result.step), ("steps.get", await _step(world, run_id, step_id))):
            got = step.error.to_wire() if step is not MISSING and step.error is not MISSING else MISSING
            completed_at = step.completed_at if step is not MISSING else MISSING
            failed = step is not MISSING and step.status == "failed"
            if not failed or not isinstance(completed_at, datetime) or got != expected:
                fail(
                    f"step_failed with {what} makes {where} failed, with completedAt and the error expected",
                    "recorded otherwise",
                    ("expected", expected),
                    ("sent", {"error": error, "stack": stack}),
                    ("step", step),
                )


@invariant("STEP-008")
async def test_finished_step_refuses_events(world: World) -> None:
    """On a completed or failed step, ``step_started``, ``step_completed``, ``step_failed`` and
    ``step_retrying`` raise ``EntityConflictError`` and leave the step as it was. N concurrent
    ``step_completed``/``step_failed`` of one running step: one succeeds, the rest raise
    ``EntityConflictError``, and the step ends as the winner left it."""
    run_id = await started_run(world)
    for ending in ("step_completed", "step_failed"):
        step_id = await running_step(world, run_id)
        await create(world, run_id, _later_event(ending, step_id))
        before = await _step(world, run_id, step_id)
        for kind in STEP_EVENTS_AFTER_CREATION:
            action = f"{kind} on a step that got {ending}"
            await raises(
                errors.EntityConflictError, world.events.create(run_id, _later_event(kind, step_id)), action
            )
        after = await _step(world, run_id, step_id)
        if after.to_wire() != before.to_wire():
            fail(
                f"the refused events leave the {before.status} step unchanged",
                "changed it",
                ("before", before),
                ("after", after),
            )
    step_id = await running_step(world, run_id)
    endings: list[EventRequest] = [make.step_completed(step_id), make.step_failed(step_id)] * 3
    outcome = await race([world.events.create(run_id, request) for request in endings])
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"}:
        fail(
            f"of {len(endings)} concurrent step_completed/step_failed one succeeds, the rest raise "
            "EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )
    won = endings[outcome.winners[0]].event_type.removeprefix("step_")
    stored = await _step(world, run_id, step_id)
    if stored.status != won:
        fail(f"the step ends {won}, as the winner left it", "ended otherwise", ("stored", stored))


@invariant("STEP-009")
async def test_events_of_unknown_step_are_not_found(world: World) -> None:
    """``step_started``, ``step_completed``, ``step_failed`` and ``step_retrying`` for a stepId
    never created in the run raise ``WorkflowWorldError`` (not found) and make no step."""
    run_id = await started_run(world)
    await running_step(world, run_id)
    for kind in STEP_EVENTS_AFTER_CREATION:
        step_id = make.new_id("step")
        action = f"{kind} for a stepId never created"
        await raises(
            errors.WorkflowWorldError, world.events.create(run_id, _later_event(kind, step_id)), action
        )
        await rejects(world.steps.get(run_id, step_id), f"steps.get after {action}")


@invariant("STEP-010")
async def test_ended_run_expires_pending_steps_only(world: World) -> None:
    """Once the run has completed, failed or been cancelled, ``step_started`` on a pending step
    raises ``RunExpiredError``, while steps that were running can still complete or fail."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        pending = await created_step(world, run_id)
        completing, failing = await running_step(world, run_id), await running_step(world, run_id)
        await finish_run(world, run_id, kind)
        await raises(
            errors.RunExpiredError,
            world.events.create(run_id, make.step_started(pending)),
            f"step_started on a pending step after {kind}",
        )
        for step_id, ending in ((completing, "step_completed"), (failing, "step_failed")):
            action = f"{ending} on a running step after {kind}"
            result = await returns(world.events.create(run_id, _later_event(ending, step_id)), action)
            status = ending.removeprefix("step_")
            if result.step is MISSING or result.step.status != status:
                fail(f"{action} makes the step {status}", "did not", ("result", result))


@invariant("STEP-011")
async def test_steps_get_with_or_without_run_id(world: World) -> None:
    """``steps.get(runId, stepId)`` and ``steps.get(None, stepId)`` return the same step; for a
    stepId never created both are rejected."""
    run_id = await started_run(world)
    step_id = await running_step(world, run_id)
    with_run, without_run = await _step(world, run_id, step_id), await _step(world, None, step_id)
    if with_run.to_wire() != without_run.to_wire() or with_run.step_id != step_id:
        fail(
            "steps.get finds the step with and without its runId",
            "returned different steps",
            ("with runId", with_run),
            ("without runId", without_run),
        )
    unknown = make.new_id("step")
    await rejects(world.steps.get(run_id, unknown), "steps.get of an unknown stepId")
    await rejects(world.steps.get(None, unknown), "steps.get(None, ...) of an unknown stepId")


def _step_log_violation(events: list[Event]) -> str | None:
    """Why one step's events break 'one step_created, first; at most one terminal, last'."""
    kinds = [event.event_type for event in events]
    if kinds.count("step_created") != 1 or kinds[0] != "step_created":
        return "its step_created is not exactly one and first"
    terminal = [index for index, kind in enumerate(kinds) if kind in ("step_completed", "step_failed")]
    if len(terminal) > 1 or (terminal and terminal[0] != len(kinds) - 1):
        return "its step_completed/step_failed is not at most one and last"
    return None


@invariant("STEP-012")
async def test_step_log_has_one_creation_and_one_ending(world: World) -> None:
    """In the run's log, each step has exactly one ``step_created``, before its other events,
    and at most one ``step_completed``/``step_failed``, after all its other events; also when
    the history tries to re-create steps and to move finished ones."""
    run_id = await started_run(world)
    completed = await created_step(world, run_id)
    failed = await created_step(world, run_id)
    pending = await created_step(world, run_id)
    history = [
        make.step_created(completed),
        make.step_started(completed),
        make.step_retrying(completed, retry_after=from_now(-60)),
        make.step_started(completed),
        make.step_completed(completed),
        *(_later_event(kind, completed) for kind in STEP_EVENTS_AFTER_CREATION),
        make.step_created(completed),
        make.step_started(failed),
        make.step_failed(failed),
        make.step_completed(failed),
        make.step_created(failed),
        make.step_created(pending),
    ]
    for request in history:
        await attempt(world.events.create(run_id, request))
    for step_id in (completed, failed, pending):
        events = await events_of(world, run_id, step_id)
        why = _step_log_violation(events)
        if why is not None:
            fail(
                "each step logs one step_created first and at most one step_completed/step_failed last",
                f"logged step {step_id} so that {why}",
                ("its events", [event.event_type for event in events]),
            )


def folded_step_status(events: list[Event]) -> str | None:
    """A step's status as its events say (``None`` before ``step_created``)."""
    status: str | None = None
    moves = {
        "step_started": "running",
        "step_retrying": "pending",
        "step_completed": "completed",
        "step_failed": "failed",
    }
    for event in events:
        if event.event_type == "step_created" and status is None:
            status = "pending"
        elif status in ("pending", "running") and event.event_type in moves:
            status = moves[event.event_type]
    return status


@invariant("STEP-013")
async def test_steps_list_matches_the_log(world: World) -> None:
    """``steps.list(runId)`` holds one step per ``step_created`` in the run's log and nothing
    else, each with the status its events fold to: pending after created or retrying, running
    after started, completed or failed after those."""
    run_id = await started_run(world)
    histories: list[list[str]] = [
        [],
        ["step_started"],
        ["step_started", "step_retrying"],
        ["step_started", "step_completed"],
        ["step_started", "step_failed"],
        ["step_started", "step_retrying", "step_started", "step_completed"],
    ]
    for history in histories:
        step_id = await created_step(world, run_id)
        for kind in history:
            request = (
                make.step_retrying(step_id, retry_after=from_now(-60))
                if kind == "step_retrying"
                else _later_event(kind, step_id)
            )
            await create(world, run_id, request)
    listed = await returns(world.steps.list(run_id, pagination=PaginationOptions(limit=100)), "steps.list")
    created = [e.correlation_id for e in await all_events(world, run_id) if e.event_type == "step_created"]
    if sorted(step.step_id for step in listed.data) != sorted(created):
        fail(
            "steps.list holds exactly one step per step_created",
            "listed other steps",
            ("created", created),
            ("listed", [step.step_id for step in listed.data]),
        )
    for step in listed.data:
        expected = folded_step_status(await events_of(world, run_id, step.step_id))
        if step.status != expected:
            fail(
                f"steps.list shows each step with the status its events fold to ({expected})",
                f"shows step {step.step_id} {step.status}",
                ("its events", [e.event_type for e in await events_of(world, run_id, step.step_id)]),
            )
