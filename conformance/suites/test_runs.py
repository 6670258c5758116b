"""Runs (§4.2): how run events move a run through pending, running and the terminal states."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.reads import all_events, client_events, run_of
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    attempt,
    create,
    created_run,
    finish_run,
    finishing_request,
    pending_run,
    race,
    result_shows_the_started_run,
    started_run,
)
from conformance.world.clock import ClockedWorld
from worldspec import errors
from worldspec.events import Event, EventRequest
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import new_ulid
from worldspec.wire_types import MISSING

RESTAMP_GAP = timedelta(milliseconds=3)
"""How long RUN-011 waits between ending its runs and ending them again: more than a
millisecond, the finest time a World must keep, so a time the second ending stamps differs."""
RUN_ID = re.compile(r"^wrun_[0-9A-HJKMNP-TV-Z]{26}$")
"""A World-minted runId (§2.5)."""


@invariant("RUN-001")
async def test_run_created_without_run_id_mints_one(world: World) -> None:
    """``events.create`` with runId ``None`` or ``''`` and ``run_created`` returns ``{event, run}``:
    a new pending run whose runId the World minted as ``wrun_`` + 26 Crockford base-32
    characters, and the ``run_created`` event of that runId. Two such creates mint two ids."""
    minted: list[str] = []
    for sent in (None, ""):
        action = f"run_created with runId {sent!r}"
        result = await returns(world.events.create(sent, make.run_created()), action)
        if result.run is MISSING or result.event is MISSING:
            fail(f"{action} returns both event and run", "left one out", ("result", result))
        run_id = result.run.run_id
        if not RUN_ID.match(run_id):
            fail(f"the minted runId matches {RUN_ID.pattern}", f"minted {run_id!r}")
        if result.event.event_type != "run_created" or result.event.run_id != run_id:
            fail(
                "result.event is the run_created of the minted runId",
                "returned another event",
                ("result", result),
            )
        if result.run.status != "pending" or (await run_of(world, run_id)).status != "pending":
            fail("the new run is pending", "made it otherwise", ("result", result))
        minted.append(run_id)
    if minted[0] == minted[1]:
        fail("each run_created without runId mints a new runId", f"minted {minted[0]} twice")


@invariant("RUN-002")
async def test_client_run_id_is_kept(world: World) -> None:
    """``run_created`` with a client runId (``wrun_`` + a current ULID) creates the run under
    exactly that id: in the result's run and event, and for ``runs.get``."""
    run_id = make.new_id("wrun")
    result = await returns(world.events.create(run_id, make.run_created()), "run_created with a client runId")
    returned = {
        "result.run.runId": result.run.run_id if result.run is not MISSING else MISSING,
        "result.event.runId": result.event.run_id if result.event is not MISSING else MISSING,
        "runs.get(runId).runId": (await run_of(world, run_id)).run_id,
    }
    if any(value != run_id for value in returned.values()):
        fail(
            f"the run and its event carry the client runId {run_id}", "returned other ids", ("ids", returned)
        )


@invariant("RUN-003")
async def test_client_run_id_outside_window_is_refused(clocked_world: ClockedWorld) -> None:
    """A client runId that is not a ULID, or whose ULID time lies more than 24 h before or 5 min
    after now, is refused with ``WorkflowWorldError`` and makes no run; one inside the window is
    accepted. On the kit's clock "now" is exact, so the runIds lie a second either side of each
    edge; a World on its own clock is sent 25 h / 23 h old and 10 min / 3 min ahead."""
    world, now = clocked_world.world, clocked_world.now()
    margin = timedelta(seconds=1) if clocked_world.clock is not None else timedelta(hours=1)
    ahead = timedelta(seconds=1) if clocked_world.clock is not None else timedelta(minutes=2)
    past, future = timedelta(hours=24), timedelta(minutes=5)
    refused = {
        "that is not a ULID": "wrun_not-a-ulid",
        "of 25 characters": "wrun_" + new_ulid()[:25],
        "with a letter outside Crockford base-32": "wrun_" + new_ulid()[:25] + "U",
        f"{past + margin} old": "wrun_" + new_ulid(now - past - margin),
        f"{future + ahead} ahead": "wrun_" + new_ulid(now + future + ahead),
    }
    for why, run_id in refused.items():
        action = f"run_created with a runId {why} ({run_id})"
        await raises(errors.WorkflowWorldError, world.events.create(run_id, make.run_created()), action)
        await rejects(world.runs.get(run_id), f"runs.get after the refused {action}")
    accepted = {
        f"{past - margin} old": "wrun_" + new_ulid(now - past + margin),
        f"{future - ahead} ahead": "wrun_" + new_ulid(now + future - ahead),
    }
    for why, run_id in accepted.items():
        await returns(world.events.create(run_id, make.run_created()), f"run_created with a runId {why}")


@invariant("RUN-004")
async def test_second_run_created_conflicts(world: World) -> None:
    """A 2nd ``run_created`` for an existing runId raises ``EntityConflictError`` and leaves the
    log with exactly one ``run_created``, unchanged."""
    run_id = make.new_id("wrun")
    await returns(world.events.create(run_id, make.run_created()), "run_created with a client runId")
    before = await client_events(world, run_id)
    await raises(
        errors.EntityConflictError, world.events.create(run_id, make.run_created()), "a second run_created"
    )
    after = await client_events(world, run_id)
    if [e.to_wire() for e in after] != [e.to_wire() for e in before]:
        fail(
            "the refused run_created leaves the log unchanged",
            "changed the log",
            ("before", before),
            ("after", after),
        )


@invariant("RUN-005")
async def test_new_run_echoes_run_created(world: World) -> None:
    """The run that ``run_created`` makes is pending with ``createdAt = updatedAt`` and carries
    the sent deploymentId, workflowName, input (byte-exact), executionContext (bytes inside
    included) and specVersion (3 when none is sent): in the result and from ``runs.get``."""
    context = {"traceCarrier": {"traceparent": "00-4bf92f-00f067-01"}, "raw": b"\x00\xff"}
    payload = b"devl" + bytes(range(256))
    for sent_version, expected_version in ((MISSING, SPEC_VERSION_CURRENT), (2, 2)):
        request = make.run_created(input=payload, execution_context=context, spec_version=sent_version)
        created = await create(world, None, request)
        expected = {
            "status": "pending",
            "deploymentId": request.event_data.deployment_id,
            "workflowName": request.event_data.workflow_name,
            "input": payload,
            "executionContext": context,
            "specVersion": expected_version,
        }
        if created.run is MISSING:
            fail("run_created returns the run", "returned none", ("result", created))
        for where, run in (
            ("the result", created.run),
            ("runs.get", await run_of(world, created.run.run_id)),
        ):
            wire = run.to_wire()
            got = {key: wire.get(key, MISSING) for key in expected}
            if got != expected or run.created_at != run.updated_at:
                fail(
                    f"{where} shows the run_created fields, specVersion {expected_version}, "
                    "and createdAt = updatedAt",
                    "shows another run",
                    ("expected", expected),
                    ("run", run),
                )


@invariant("RUN-006")
async def test_run_started_on_pending_starts_it(world: World, world_line: SpecLine) -> None:
    """``run_started`` on a pending run makes it running, returns ``{event, run}`` with the run
    running, ``run.startedAt`` set, and the input (byte-exact) and other fields it was created
    with (the runtime replays the workflow from that run), and stores the event without eventData.
    On the 5.x line a ``run_started`` with ``skipPreload`` returns that run too."""
    creation = make.run_created(input=b"\x00start", execution_context={"trace": "t"})
    made = await created_run(world, creation)
    run_id = made.run_id
    started = await returns(world.events.create(run_id, make.run_started()), "run_started")
    result_shows_the_started_run(started, run_id, made, "run_started on a pending run")
    if world_line is SpecLine.LINE_5:
        skipping = await created_run(world, creation)
        params = make.create_params(SpecLine.LINE_5, skip_preload=True)
        shown = await returns(world.events.create(skipping.run_id, make.run_started(), params), "run_started")
        result_shows_the_started_run(shown, skipping.run_id, skipping, "run_started with skipPreload")
    if started.event is MISSING or started.event.event_type != "run_started":
        fail("the result carries the stored run_started event", "returned none", ("result", started))
    stored = [e for e in await all_events(world, run_id) if e.event_type == "run_started"]
    if len(stored) != 1 or stored[0].event_data is not MISSING:
        fail(
            "one run_started is stored, without eventData",
            f"stored {len(stored)}",
            ("run_started events", stored),
        )
    if (await run_of(world, run_id)).status != "running":
        fail("runs.get shows the run running", "shows another status", ("run", await run_of(world, run_id)))


@invariant("RUN-007")
async def test_run_started_on_running_appends_nothing(
    clocked_world: ClockedWorld, world_line: SpecLine
) -> None:
    """``run_started`` on a running run, a moment later, returns the running run (on the 4.x
    line with its ``startedAt``, which the runtime reads from every ``run_started``, and its
    input; RUN-104 judges that on the 5.x line), changes
    nothing in it (not ``startedAt``, not ``updatedAt``: ``runs.get`` afterwards equals
    ``runs.get`` before) and appends no event."""
    world = clocked_world.world
    made = await created_run(world, make.run_created(input=b"\x00again"))
    run_id = made.run_id
    await create(world, run_id, make.run_started())
    await clocked_world.tick(1)
    before = await all_events(world, run_id)
    run_before = await run_of(world, run_id)
    again = await returns(world.events.create(run_id, make.run_started()), "run_started on a running run")
    after = await all_events(world, run_id)
    if world_line is SpecLine.LINE_4:
        result_shows_the_started_run(again, run_id, made, "run_started on a running run")
    elif again.run is MISSING or again.run.status != "running":
        fail("the result carries the running run", "returned otherwise", ("result", again))
    if len(after) != len(before):
        fail("no event is appended", f"appended {len(after) - len(before)}", ("log", after))
    run_after = await run_of(world, run_id)
    if run_after.to_wire() != run_before.to_wire():
        fail(
            "runs.get shows the run unchanged",
            "showed it changed",
            ("before", run_before),
            ("after", run_after),
        )


@invariant("RUN-008")
async def test_run_started_on_terminal_run_expires(world: World) -> None:
    """``run_started`` on a completed, failed or cancelled run raises ``RunExpiredError``."""
    for finish in (make.run_completed(), make.run_failed(), make.run_cancelled()):
        run_id = await started_run(world)
        await returns(world.events.create(run_id, finish), finish.event_type)
        await raises(
            errors.RunExpiredError,
            world.events.create(run_id, make.run_started()),
            f"run_started after {finish.event_type}",
        )


@invariant("RUN-009")
async def test_terminal_run_events_end_the_run(world: World) -> None:
    """``run_completed``, ``run_failed`` and ``run_cancelled``, on a pending and on a running run,
    set the matching status and ``completedAt``; ``run_completed`` stores ``output``
    byte-exact. Checked in the result and with ``runs.get``."""
    output = b"devl\x00" + bytes(range(255, -1, -1))
    for starting in (pending_run, started_run):
        for kind in TERMINAL_RUN_EVENTS:
            run_id = await starting(world)
            request = (
                make.run_completed(output=output) if kind == "run_completed" else finishing_request(kind)
            )
            result = await create(world, run_id, request)
            status = kind.removeprefix("run_")
            action = f"{kind} on a {'running' if starting is started_run else 'pending'} run"
            for where, run in (("the result", result.run), ("runs.get", await run_of(world, run_id))):
                if run is MISSING or run.status != status or not isinstance(run.completed_at, datetime):
                    fail(
                        f"after {action}, {where} shows it {status} with completedAt", "did not", ("run", run)
                    )
                if kind == "run_completed" and not (isinstance(run.output, bytes) and run.output == output):
                    fail(
                        f"after {action}, {where} holds the output bytes sent",
                        "holds other output",
                        ("sent", output),
                        ("run", run),
                    )


LONG_MESSAGE = values.STRING_SHAPES["past 255 characters"] + "\x00"
LONG_STACK = values.STRING_SHAPES["past 64 KiB"]
"""An error's message and stack longer than a ``varchar(255)`` and a 64 KiB ``TEXT`` column."""

RUN_FAILED_ERRORS: tuple[tuple[str, Any, Any, dict[str, Any]], ...] = (
    ("a string", "it broke", MISSING, {"message": "it broke"}),
    (
        "an Error object with a code of its own, and an errorCode",
        {
            "name": "TypeError",
            "message": "x is undefined",
            "stack": "TypeError: x\n    at f (w.js:1:1)",
            "code": "ERR_OWN",
        },
        "USER_ERROR",
        {"message": "x is undefined", "stack": "TypeError: x\n    at f (w.js:1:1)", "code": "USER_ERROR"},
    ),
    (
        "an Error object with a code of its own, and no errorCode",
        {"message": "m", "code": "ERR_OWN", "cause": {"message": "under", "code": "ERR_CAUSE"}},
        MISSING,
        {"message": "m"},
    ),
    ("an object without message", {"name": "Odd"}, MISSING, {"message": "Unknown error"}),
    ("a number", 42, MISSING, {"message": "Unknown error"}),
    (
        "a message past 255 characters, with a NUL, and a stack past 64 KiB",
        {"message": LONG_MESSAGE, "stack": LONG_STACK},
        MISSING,
        {"message": LONG_MESSAGE, "stack": LONG_STACK},
    ),
)
"""``run_failed`` eventData ``(what, error, errorCode)`` and the run's expected ``error``."""


@invariant("RUN-010")
async def test_run_failed_records_structured_error(world: World) -> None:
    """``run_failed`` sets the run's ``error`` to ``{message, stack?, code?}``: ``message`` is the
    error if it is a string, else its ``message``, else ``'Unknown error'``; ``stack`` is the
    error's ``stack``; ``code`` is ``errorCode``, never a ``code`` the error object carries itself;
    absent parts stay absent; all whole (a message past 255 characters with a NUL, a stack past
    64 KiB). In the result and from ``runs.get``."""
    for what, error, error_code, expected in RUN_FAILED_ERRORS:
        run_id = await started_run(world)
        result = await create(world, run_id, make.run_failed(error, error_code))
        for where, run in (("the result", result.run), ("runs.get", await run_of(world, run_id))):
            got = run.error.to_wire() if run is not MISSING and run.error is not MISSING else MISSING
            if got != expected:
                fail(
                    f"run_failed with {what} gives {where} the error expected",
                    "recorded another",
                    ("expected", expected),
                    ("sent error", error),
                    ("sent errorCode", error_code),
                    ("run", run),
                )


@invariant("RUN-011")
async def test_ended_run_refuses_another_ending(world: World) -> None:
    """On a completed, failed or cancelled run, ``run_completed``, ``run_failed`` and
    ``run_cancelled`` raise ``EntityConflictError`` and leave the run as it was; except
    ``run_cancelled`` on a cancelled run, which succeeds without changing it (its ``completedAt``
    and ``updatedAt`` included: the runs are ended first and the second endings sent a few
    milliseconds later, so a restamp shows) and returns it (it may log another
    ``run_cancelled``). N concurrent endings of one running run: one wins, the rest raise
    ``EntityConflictError``, and the log holds one terminal event."""
    scenes: list[tuple[str, str, str]] = []
    for first in TERMINAL_RUN_EVENTS:
        for second in TERMINAL_RUN_EVENTS:
            run_id = await started_run(world)
            await finish_run(world, run_id, first)
            scenes.append((run_id, first, second))
    await asyncio.sleep(RESTAMP_GAP.total_seconds())
    for run_id, first, second in scenes:
        before = await run_of(world, run_id)
        action = f"{second} after {first}"
        if first == second == "run_cancelled":
            again = await returns(world.events.create(run_id, make.run_cancelled()), action)
            if again.run is MISSING or again.run.status != "cancelled":
                fail(f"{action} returns the cancelled run", "returned otherwise", ("result", again))
        else:
            await raises(
                errors.EntityConflictError, world.events.create(run_id, finishing_request(second)), action
            )
        after = await run_of(world, run_id)
        if after.to_wire() != before.to_wire():
            fail(f"{action} leaves the run unchanged", "changed it", ("before", before), ("after", after))
    run_id = await started_run(world)
    endings: list[EventRequest] = [make.run_completed(), make.run_failed()] * 3
    outcome = await race([world.events.create(run_id, request) for request in endings])
    ended = [e for e in await all_events(world, run_id) if e.event_type in TERMINAL_RUN_EVENTS]
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"} or len(ended) != 1:
        fail(
            f"of {len(endings)} concurrent run_completed/run_failed one succeeds, the rest raise "
            "EntityConflictError, and one terminal event is logged",
            f"let {len(outcome.results)} succeed, raised {sorted(outcome.error_names())}, "
            f"logged {len(ended)}",
            ("terminal events", ended),
        )


@invariant("RUN-012")
async def test_ending_a_missing_run_is_not_found(world: World) -> None:
    """``run_completed``, ``run_failed`` and ``run_cancelled`` for a runId that was never created
    raise ``WorkflowRunNotFoundError`` and create no run."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = make.new_id("wrun")
        action = f"{kind} on a run that does not exist"
        await raises(
            errors.WorkflowRunNotFoundError, world.events.create(run_id, finishing_request(kind)), action
        )
        await rejects(world.runs.get(run_id), f"runs.get after {action}")


@invariant("RUN-013")
async def test_runs_get_miss_is_not_found(world: World) -> None:
    """``runs.get`` of a runId that was never created raises ``WorkflowRunNotFoundError``."""
    await started_run(world)
    await raises(
        errors.WorkflowRunNotFoundError, world.runs.get(make.new_id("wrun")), "runs.get of an unknown runId"
    )


@invariant("RUN-014")
async def test_first_event_is_run_created(world: World) -> None:
    """A run's first event is its ``run_created``, before ``run_started`` in eventId order and
    not later in createdAt, on the ordinary path and after resilient start."""
    ordinary = await started_run(world)
    resilient_id = make.new_id("wrun")
    await returns(
        world.events.create(resilient_id, make.run_started(input=b"devl\x00in", resilient=True)),
        "resilient run_started on a missing run",
    )
    for run_id in (ordinary, resilient_id):
        log = await all_events(world, run_id)
        kinds = [event.event_type for event in log]
        if not kinds or kinds[0] != "run_created" or "run_started" not in kinds:
            fail("the log starts with run_created and holds run_started", f"logged {kinds}", ("log", log))
        created, started = log[0], log[kinds.index("run_started")]
        if not created.event_id.rsplit("_", 1)[-1] < started.event_id.rsplit("_", 1)[-1]:
            fail("run_created's eventId sorts before run_started's", "ordered them otherwise", ("log", log))
        if created.created_at > started.created_at:
            fail("run_created's createdAt is not later than run_started's", "stamped it later", ("log", log))


def folded_status(log: list[Event]) -> str:
    """A run's status as its log says: pending, running after ``run_started``, and the status of
    the first terminal event after that."""
    status = "pending"
    for event in log:
        if status in ("pending", "running"):
            if event.event_type == "run_started":
                status = "running"
            elif event.event_type in TERMINAL_RUN_EVENTS:
                status = event.event_type.removeprefix("run_")
    return status


@invariant("RUN-015")
async def test_run_status_is_the_fold_of_its_log(world: World) -> None:
    """``runs.get(runId).status`` equals the fold of the run's log (pending; running after
    ``run_started``; then the first terminal event's status) for runs that are pending with a
    step, a hook and a wait, running with a finished step, ended from pending or running, ended
    while a step ran that finished after, and cancelled twice. Only the log and the status are
    judged, not which of these events the World accepted."""
    histories: dict[str, tuple[Callable[[Any], Awaitable[str]], Callable[[str], list[EventRequest]]]] = {
        "pending with a step, a hook and a wait": (
            pending_run,
            lambda step: [
                make.step_created(step),
                make.hook_created(make.new_id("hook"), make.token()),
                make.wait_created(make.new_id("wait"), datetime.now(UTC)),
            ],
        ),
        "running with a finished step": (
            started_run,
            lambda step: [make.step_created(step), make.step_started(step), make.step_completed(step)],
        ),
        "cancelled while pending": (pending_run, lambda step: [make.run_cancelled()]),
        "completed while a step ran, which finished after": (
            started_run,
            lambda step: [
                make.step_created(step),
                make.step_started(step),
                make.run_completed(),
                make.step_completed(step),
            ],
        ),
        "failed while running": (started_run, lambda step: [make.run_failed()]),
        "cancelled twice": (started_run, lambda step: [make.run_cancelled(), make.run_cancelled()]),
    }
    for what, (new_run, history) in histories.items():
        run_id = await new_run(world)
        for request in history(make.new_id("step")):
            await attempt(world.events.create(run_id, request))
        log = await all_events(world, run_id)
        run = await run_of(world, run_id)
        if run.status != folded_status(log):
            fail(
                f"a run {what} has the status its log folds to, {folded_status(log)}",
                f"reports {run.status}",
                ("log", [event.event_type for event in log]),
                ("run", run),
            )
