"""Runs (§4.2): how run events move a run through pending, running and the terminal states."""

from __future__ import annotations

from typing import Any

from conformance import requests as rq
from conformance.invariant import invariant
from conformance.kit import all_events, fail, raises, returns, run_of
from worldspec import errors
from worldspec.wire_types import MISSING


async def _started_run(world: Any) -> str:
    created = await returns(world.events.create(None, rq.run_created()), "run_created")
    run_id = str(created.run.run_id)
    await returns(world.events.create(run_id, rq.run_started()), "run_started on a pending run")
    return run_id


@invariant("RUN-004")
async def test_second_run_created_conflicts(world: Any) -> None:
    """A 2nd ``run_created`` for an existing runId raises ``EntityConflictError`` and leaves the
    log with exactly one ``run_created``, unchanged."""
    run_id = rq.new_id("wrun")
    await returns(world.events.create(run_id, rq.run_created()), "run_created with a client runId")
    before = await all_events(world, run_id)
    await raises(
        errors.EntityConflictError, world.events.create(run_id, rq.run_created()), "a second run_created"
    )
    after = await all_events(world, run_id)
    if [e.to_wire() for e in after] != [e.to_wire() for e in before]:
        fail(
            "the refused run_created leaves the log unchanged",
            "changed the log",
            ("before", before),
            ("after", after),
        )


@invariant("RUN-006")
async def test_run_started_on_pending_starts_it(world: Any) -> None:
    """``run_started`` on a pending run makes it running, returns ``{event, run}`` with
    ``run.startedAt`` set, and stores the event without eventData."""
    created = await returns(world.events.create(None, rq.run_created()), "run_created")
    run_id = created.run.run_id
    started = await returns(world.events.create(run_id, rq.run_started()), "run_started")
    if started.run is MISSING or started.run.status != "running" or started.run.started_at is MISSING:
        fail("the result's run is running with startedAt set", "returned another run", ("result", started))
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
async def test_run_started_on_running_appends_nothing(world: Any) -> None:
    """``run_started`` on a running run returns the running run and appends no event."""
    run_id = await _started_run(world)
    before = await all_events(world, run_id)
    again = await returns(world.events.create(run_id, rq.run_started()), "run_started on a running run")
    after = await all_events(world, run_id)
    if again.run is MISSING or again.run.status != "running":
        fail("the result carries the running run", "returned otherwise", ("result", again))
    if len(after) != len(before):
        fail("no event is appended", f"appended {len(after) - len(before)}", ("log", after))


@invariant("RUN-008")
async def test_run_started_on_terminal_run_expires(world: Any) -> None:
    """``run_started`` on a completed, failed or cancelled run raises ``RunExpiredError``."""
    for finish in (rq.run_completed(), rq.run_failed(), rq.run_cancelled()):
        run_id = await _started_run(world)
        await returns(world.events.create(run_id, finish), finish.event_type)
        await raises(
            errors.RunExpiredError,
            world.events.create(run_id, rq.run_started()),
            f"run_started after {finish.event_type}",
        )


@invariant("RUN-014")
async def test_first_event_is_run_created(world: Any) -> None:
    """A run's first event is its ``run_created``, before ``run_started`` in eventId order and
    not later in createdAt, on the ordinary path and after resilient start."""
    ordinary = await _started_run(world)
    resilient_id = rq.new_id("wrun")
    await returns(
        world.events.create(resilient_id, rq.run_started(input=b"devl\x00in", resilient=True)),
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
