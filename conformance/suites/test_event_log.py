"""The event log (§2.1, §4.1, §9): ids, order, reads, refusals, echoes and ``resolveData``."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import timedelta
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.event_ids import is_ulid_event_id
from conformance.checks.event_kinds import RESUME_AT, Appended, every_kind_of_event, without_payloads
from conformance.checks.expect import deviate, fail, rejects, returns
from conformance.checks.reads import all_events, run_state, unchanged_since
from conformance.checks.scenarios import pending_run
from conformance.races import transitions
from conformance.world.capabilities import unwrapped
from worldspec.errors import WorkflowError
from worldspec.events import (
    EVENT_TYPES,
    Event,
    EventRequest,
    RunCancelledRequest,
    StepStartedRequest,
    event_data_of,
)
from worldspec.line5.slots import slot_to_event_id
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions, SortOrder
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import decode_time
from worldspec.wire_types import MISSING

ULID_CLOCK_TOLERANCE = timedelta(seconds=2)
"""How far an eventId's ULID time may lie from its createdAt (see docs/decisions.md)."""
STAMP_GAP = timedelta(milliseconds=3)
"""How long EVT-004 waits between setting its scenes and refusing calls on them: more than a
millisecond, the finest time a World must keep, so a time stamped by a refusal differs."""
MALFORMED_REFUSALS: tuple[type[Exception], ...] = (WorkflowError, ValueError, TypeError)
"""What counts as refusing a malformed create (see docs/decisions.md)."""


async def _append(world: World, run_id: str, request: EventRequest) -> Event:
    """Create ``request`` on ``run_id``; it must succeed and return the stored event."""
    result = await returns(world.events.create(run_id, request), request.event_type)
    if result.event is MISSING:
        fail(f"{request.event_type} returns the stored event", "returned none", ("result", result))
    return result.event


def _by_run(appended: list[Appended]) -> dict[str, list[Appended]]:
    runs: dict[str, list[Appended]] = defaultdict(list)
    for entry in appended:
        runs[entry.run_id].append(entry)
    return runs


async def _one_page(world: World, run_id: str, order: SortOrder) -> list[dict[str, Any]]:
    listed = await returns(
        world.events.list(run_id, pagination=PaginationOptions(limit=1000, sort_order=order)),
        f"events.list({run_id!r}, sortOrder={order!r})",
    )
    return [event.to_wire() for event in listed.data]


@invariant("EVT-001")
async def test_events_have_ids_and_times(world: World) -> None:
    """Every stored event, of all 16 types, has its run's runId, a known eventType, a
    ``createdAt`` date and an eventId ``evnt_<ULID>`` or ``wevt_<ULID>``, unique in its run."""
    for run_id in _by_run(await every_kind_of_event(world)):
        log = await all_events(world, run_id)
        seen: set[str] = set()
        for event in log:
            if not is_ulid_event_id(event.event_id):
                fail(
                    "eventId is evnt_<ULID> (or wevt_<ULID>)", f"stored {event.event_id!r}", ("event", event)
                )
            if event.event_id in seen:
                fail("eventIds are unique in their run", f"stored {event.event_id!r} twice", ("log", log))
            seen.add(event.event_id)
            if event.run_id != run_id or event.event_type not in EVENT_TYPES:
                fail(
                    "each event carries its runId and a known eventType", "stored otherwise", ("event", event)
                )


@invariant("EVT-002")
async def test_list_order_is_append_order(world: World) -> None:
    """``events.list`` ascending is append order: the eventIds ``events.create`` returned, their
    ULIDs rising and createdAt never decreasing; descending is the exact reverse."""
    for run_id, appended in _by_run(await every_kind_of_event(world)).items():
        ascending = await _one_page(world, run_id, "asc")
        expected = [entry.event.event_id for entry in appended]
        if [event["eventId"] for event in ascending] != expected:
            fail(
                "events.list ascending returns the events in append order",
                "returned another order",
                ("appended eventIds", expected),
                ("listed", ascending),
            )
        ulids = [event["eventId"].rsplit("_", 1)[-1] for event in ascending]
        stamps = [event["createdAt"] for event in ascending]
        if ulids != sorted(set(ulids)) or stamps != sorted(stamps):
            fail("eventIds rise and createdAt never decreases", "stored otherwise", ("log", ascending))
        descending = await _one_page(world, run_id, "desc")
        if descending != list(reversed(ascending)):
            fail(
                "events.list descending is the exact reverse of ascending",
                "returned otherwise",
                ("ascending", ascending),
                ("descending", descending),
            )


@invariant("EVT-003")
async def test_get_returns_the_listed_event(world: World, world_line: SpecLine) -> None:
    """``events.get(runId, eventId)`` returns each event exactly as ``events.list`` does; an
    unknown eventId, an eventId asked for under another run, and an eventId asked for under a
    run that does not exist are refused. On the 5.x line every run has the same slot ids
    (SLOT-009), so the id from elsewhere is a slot the run has not reached."""
    runs = list(_by_run(await every_kind_of_event(world)))
    for run_id in runs:
        for event in await all_events(world, run_id):
            got = await returns(world.events.get(run_id, event.event_id), f"events.get({event.event_id!r})")
            if got.to_wire() != event.to_wire():
                fail(
                    "events.get equals the listed event", "returned another", ("listed", event), ("got", got)
                )
    unknown = make.new_id("evnt")
    await rejects(world.events.get(runs[0], unknown), f"events.get of an unknown eventId {unknown!r}")
    first = (await all_events(world, runs[0]))[0].event_id
    nowhere = make.new_id("wrun")
    await rejects(world.events.get(nowhere, first), f"events.get under a run that does not exist ({nowhere})")
    if world_line is SpecLine.LINE_4:
        elsewhere = (await all_events(world, runs[1]))[0].event_id
        await rejects(world.events.get(runs[0], elsewhere), "events.get of another run's eventId")
        return
    beyond = slot_to_event_id(len(await all_events(world, runs[0])) + 1)
    await rejects(
        world.events.get(runs[0], beyond), f"events.get of a slot the run has not reached ({beyond})"
    )


async def _read_without_payloads(world: World, event: Event) -> dict[str, Event | None]:
    """``event`` as each read path returns it with ``resolveData: 'none'`` (``None``: not found)."""
    run_id, page = event.run_id, PaginationOptions(limit=1000)
    paths: dict[str, Event | None] = {
        "events.get": await returns(
            world.events.get(run_id, event.event_id, resolve_data="none"), "events.get (resolveData 'none')"
        )
    }
    listings = {"events.list": world.events.list(run_id, pagination=page, resolve_data="none")}
    if event.correlation_id is not MISSING:
        listings["listByCorrelationId"] = world.events.list_by_correlation_id(
            event.correlation_id, run_id=run_id, pagination=page, resolve_data="none"
        )
    for path, call in listings.items():
        listed = await returns(call, f"{path} (resolveData 'none')")
        paths[path] = next((e for e in listed.data if e.event_id == event.event_id), None)
    return paths


async def _touched_state(world: World, run_ids: tuple[str, ...]) -> dict[str, Any]:
    """The ``run_state`` of each of ``run_ids`` that exists."""
    shown: dict[str, Any] = {}
    for run_id in run_ids:
        try:
            await world.runs.get(run_id)
        except WorkflowError:
            continue
        shown[run_id] = await run_state(world, run_id)
    return shown


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What differs between two ``_touched_state``s: per run, each changed part before and after."""
    changed: dict[str, Any] = {}
    for run_id in sorted(before.keys() | after.keys()):
        was, now = before.get(run_id), after.get(run_id)
        if was is None or now is None:
            changed[run_id] = {"before": was, "after": now}
            continue
        parts = {part: {"before": was[part], "after": now[part]} for part in was if was[part] != now[part]}
        if parts:
            changed[run_id] = parts
    return changed


@invariant("EVT-004")
async def test_refused_create_changes_nothing(world: World, world_line: SpecLine) -> None:
    """A refused create appends no event and changes no run, step or hook, for every call of
    the transition tables (``conformance.races.transitions.single_calls``) sent alone: each
    event of a run, step, hook and wait (a create with data of its own, so a duplicate differs
    from the original), to an entity in each state of its table (a run missing, pending,
    running or cancelled; a step missing, pending, running, retrying or completed; a hook
    missing, live or disposed; a wait missing, waiting or completed) and in each of those
    states once the run has ended (the three endings take turns over a table's states). Every
    scene is set up first and the calls are sent a few milliseconds later, so a refusal that
    stamps a time (``updatedAt``, ``completedAt``) shows. A scene whose setup the World
    refuses (a resilient start it lacks, say) is left out: its setup call is judged by that
    call's own invariant. (Which calls must be refused, and with which error, is judged by the
    invariants of each kind.)"""
    world = cast(World, unwrapped(world))
    scenes: list[tuple[transitions.SingleCall, transitions.Ids]] = []
    unset: list[str] = []
    for single in transitions.single_calls(world_line):
        ids = transitions.Ids.fresh()
        try:
            for move in single.state.setup:
                await move.call(ids).on(world)
        except WorkflowError as error:
            unset.append(f"{single.name}: {move.name} raised {error.name}")
            continue
        scenes.append((single, ids))
    if not scenes:
        deviate("setting the scenes", f"refused a call of every one: {unset[:3]}", "RUN-006")
    await asyncio.sleep(STAMP_GAP.total_seconds())
    for single, ids in scenes:
        touched = (ids.run, ids.other_run)
        call = single.move.call(ids)
        before = await _touched_state(world, touched)
        try:
            await call.on(world)
            continue
        except Exception as error:
            refusal = f"{type(error).__name__}: {error}"
        changes = _changes(before, await _touched_state(world, touched))
        if changes:
            fail(
                f"{single.name}, refused, appends no event and changes no run, step or hook",
                f"refused it ({refusal}) and changed what the scene had made",
                ("scene", [move.call(ids).describe() for move in single.state.setup]),
                ("call", call.describe()),
                ("changed", changes),
            )


@invariant("EVT-005")
async def test_resolve_data_none_strips_payload_fields(world: World) -> None:
    """With ``resolveData: 'none'``, ``events.get``, ``events.list`` and
    ``listByCorrelationId`` return each event with exactly its type's payload fields
    (``EVENT_DATA_REF_FIELDS``) removed from eventData, every other key kept, and an eventData
    left empty dropped."""
    for run_id in _by_run(await every_kind_of_event(world)):
        for event in await all_events(world, run_id):
            expected = without_payloads(event.to_wire())
            for path, got in (await _read_without_payloads(world, event)).items():
                if got is None or got.to_wire() != expected:
                    fail(
                        f"{path} with resolveData 'none' strips exactly {event.event_type}'s payload fields",
                        "returned otherwise",
                        ("stored (resolveData 'all')", event),
                        ("expected", expected),
                        ("returned", got),
                    )


@invariant("EVT-006")
async def test_create_result_honours_resolve_data(world: World, world_line: SpecLine) -> None:
    """``EventResult.event`` is the stored event with ``params.resolveData`` applied: stripped
    of payload fields for ``'none'`` (while the stored event keeps them), whole for ``'all'``."""
    for resolve in ("none", "all"):
        params = make.create_params(world_line, resolve_data=resolve)
        for entry in await every_kind_of_event(world, params, line=world_line):
            stored = await returns(world.events.get(entry.run_id, entry.event.event_id), "events.get")
            expected = without_payloads(stored.to_wire()) if resolve == "none" else stored.to_wire()
            returned = entry.event.to_wire()
            if "specVersion" not in returned:  # §2.1: MAY be absent on returned objects
                expected.pop("specVersion", None)
            if returned != expected:
                fail(
                    f"events.create with resolveData {resolve!r} returns the stored event "
                    + ("without its payload fields" if resolve == "none" else "whole"),
                    "returned otherwise",
                    ("stored", stored),
                    ("returned", entry.event),
                )
            echoed = entry.request.event_type == stored.event_type != "run_started"
            if echoed and event_data_of(stored) != event_data_of(entry.request):
                fail(
                    f"the event created with resolveData {resolve!r} is stored with all its eventData",
                    "stored less",
                    ("sent", entry.request),
                    ("stored", stored),
                )


@invariant("EVT-007")
async def test_list_by_correlation_id_is_scoped_to_the_run(world: World, world_line: SpecLine) -> None:
    """``listByCorrelationId({correlationId, runId})`` returns exactly that entity's events in
    that run, ascending: a step's five events, and a wait whose correlationId two runs share.
    On the 4.x line, where ``runId`` may be left out (§9), the same call without it returns the
    events of every run for that correlationId: the wait's four, each run's in its order."""
    wait_id, step_id = make.new_id("wait"), make.new_id("step")
    appended: dict[tuple[str, str], list[str]] = defaultdict(list)
    step_events: list[EventRequest] = [make.step_created(step_id), make.step_started(step_id)]
    step_events += [make.step_retrying(step_id), make.step_started(step_id), make.step_completed(step_id)]
    runs = [await pending_run(world), await pending_run(world)]
    for run_id, steps in zip(runs, (step_events, []), strict=True):
        for request in [make.wait_created(wait_id, RESUME_AT), *steps, make.wait_completed(wait_id)]:
            event = await _append(world, run_id, request)
            appended[(run_id, str(request.correlation_id))].append(event.event_id)
    for run_id in runs:
        for correlation_id in (wait_id, step_id):
            listed = await returns(
                world.events.list_by_correlation_id(
                    correlation_id, run_id=run_id, pagination=PaginationOptions(limit=1000)
                ),
                "listByCorrelationId",
            )
            expected = appended.get((run_id, correlation_id), [])
            if [event.event_id for event in listed.data] != expected:
                fail(
                    f"listByCorrelationId({correlation_id!r}, runId={run_id!r}) returns that run's events "
                    "for it, ascending",
                    "returned others",
                    ("expected eventIds", expected),
                    ("listed", listed.data),
                )
    if world_line is SpecLine.LINE_4:
        await _listed_across_runs(world, wait_id, {run_id: appended[(run_id, wait_id)] for run_id in runs})


async def _listed_across_runs(world: World, correlation_id: str, by_run: dict[str, list[str]]) -> None:
    """``listByCorrelationId`` without a runId lists each run's events of ``correlation_id``
    (``by_run``, each in append order), all of them and in each run's order."""
    listed = await returns(
        world.events.list_by_correlation_id(correlation_id, pagination=PaginationOptions(limit=1000)),
        "listByCorrelationId without a runId",
    )
    got = [event.event_id for event in listed.data]
    in_run_order = all(
        [event_id for event_id in got if event_id in expected] == expected for expected in by_run.values()
    )
    every = [event_id for expected in by_run.values() for event_id in expected]
    if sorted(got) != sorted(every) or not in_run_order:
        fail(
            f"listByCorrelationId({correlation_id!r}) without a runId returns the events of every run "
            "for it, each run's ascending",
            "returned others",
            *((f"expected eventIds of {run_id}", expected) for run_id, expected in by_run.items()),
            ("listed", listed.data),
        )


@invariant("EVT-008")
async def test_malformed_creates_are_refused(world: World) -> None:
    """An eventType outside the creatable ones (``step_exploded`` on a pending step,
    ``run_paused`` on a running run), and any event but ``run_created`` without a runId
    (``None`` or ``''``), are refused with a ``WorkflowError`` (or ``ValueError``/``TypeError``)
    and change nothing."""
    run_id, step_id = await pending_run(world), make.new_id("step")
    for setup in (make.run_started(), make.step_created(step_id)):
        await _append(world, run_id, setup)
    careless: list[tuple[str | None, EventRequest]] = [
        (run_id, make.careless(StepStartedRequest, "step_exploded", correlation_id=step_id)),
        (run_id, make.careless(RunCancelledRequest, "run_paused")),
        (None, make.step_started(step_id)),
        ("", make.step_started(step_id)),
        (None, make.run_cancelled()),
        ("", make.hook_received(make.new_id("hook"))),
    ]
    for target, request in careless:
        before = await run_state(world, run_id)
        action = f"{request.event_type} on run {target!r}"
        await rejects(world.events.create(target, request), action, MALFORMED_REFUSALS)
        await unchanged_since(world, run_id, before, action)


@invariant("EVT-009")
async def test_cursor_sees_events_appended_later(world: World) -> None:
    """An ``events.list`` cursor stays valid as the log grows: events appended after a page was
    read appear when listing from its cursor (and from the last page's cursor, if it has one)."""
    run_id = await pending_run(world)
    for _ in range(4):
        await _append(world, run_id, make.step_created(make.new_id("step")))
    first = await returns(world.events.list(run_id, pagination=PaginationOptions(limit=2)), "events.list")
    if not first.has_more or first.cursor is None:
        fail("a 2-event page of a 5-event log has more, with a cursor", "said otherwise", ("page", first))
    for _ in range(3):
        await _append(world, run_id, make.step_created(make.new_id("step")))
    rest = await returns(
        world.events.list(run_id, pagination=PaginationOptions(limit=1000, cursor=first.cursor)),
        "events.list from the first page's cursor",
    )
    log = [event.event_id for event in await all_events(world, run_id)]
    if [event.event_id for event in rest.data] != log[2:]:
        fail(
            "listing from the cursor returns every later event, those appended since included",
            "returned otherwise",
            ("log", log),
            ("from the cursor", rest.data),
        )
    if rest.cursor is not None:
        newest = await _append(world, run_id, make.step_created(make.new_id("step")))
        after = await returns(
            world.events.list(run_id, pagination=PaginationOptions(limit=1000, cursor=rest.cursor)),
            "events.list from the last page's cursor",
        )
        if [event.event_id for event in after.data] != [newest.event_id]:
            fail(
                "listing from the last page's cursor returns the event appended since",
                "returned otherwise",
                ("appended", newest),
                ("from the cursor", after.data),
            )


@invariant("EVT-010")
async def test_event_id_time_is_created_at(world: World) -> None:
    """Every eventId's ULID time lies within 2 s of the event's ``createdAt``."""
    for run_id in _by_run(await every_kind_of_event(world)):
        for event in await all_events(world, run_id):
            ulid_time = decode_time(event.event_id.rsplit("_", 1)[-1])
            if abs(ulid_time - event.created_at) > ULID_CLOCK_TOLERANCE:
                fail(
                    f"the eventId's ULID time is within {ULID_CLOCK_TOLERANCE} of createdAt",
                    f"minted it at {ulid_time.isoformat()}, createdAt {event.created_at.isoformat()}",
                    ("event", event),
                )


@invariant("EVT-011")
async def test_stored_event_echoes_the_request(world: World) -> None:
    """The stored event echoes the request's eventType, correlationId and eventData (every
    optional field included; ``run_started`` is stored without eventData), and its specVersion
    is the request's, or 3 when the request has none."""
    for entry in await every_kind_of_event(world):
        request = entry.request
        if request.event_type != entry.event.event_type:
            continue
        stored = await returns(world.events.get(entry.run_id, entry.event.event_id), "events.get")
        expected_data = None if request.event_type == "run_started" else event_data_of(request)
        expected_version = SPEC_VERSION_CURRENT if request.spec_version is MISSING else request.spec_version
        if (
            stored.event_type != request.event_type
            or stored.correlation_id != request.correlation_id
            or event_data_of(stored) != expected_data
            or stored.spec_version != expected_version
        ):
            fail(
                f"the stored {request.event_type} echoes type, correlationId, eventData and "
                f"specVersion {expected_version}",
                "stored otherwise",
                ("sent", request),
                ("stored", stored),
            )
