"""The 5.x oracle's event log: slot identity, refusals that take no slot, event pages on write
results, listing (world-contract-v7.md §2.6, §2.7, §4.1, §5.4, §9). Each test states its rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.memory_v7_support import (
    attr_set,
    errors,
    hook_created,
    lazy_start,
    new_world,
    raises,
    run_completed,
    running_run,
    slots_of,
    step_created,
    step_started,
    types_of,
    wait_created,
)
from worldspec.line5.event_data import RunCancelledData
from worldspec.line5.events import CreateEventParams, HookConflictEvent, NoopEvent, RunCancelledRequest
from worldspec.line5.slots import SLOT_EVENT_ID_PATTERN, slot_to_event_id
from worldspec.pagination import PaginationOptions
from worldspec.wire_types import MISSING


def test_a_runs_events_are_slots_1_to_n() -> None:
    """SLOT-001, SLOT-002, EVT-101: ids match ^evnt_0{10}[0-9]{16}$, position k is slot k, slot 1
    is run_created; desc is the exact reverse."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, lazy_start("step_1"))
        await world.events.create(run_id, wait_created("wait_1"))
        log = (await world.events.list(run_id)).data
        assert all(SLOT_EVENT_ID_PATTERN.match(event.event_id) for event in log)
        assert slots_of(log) == list(range(1, 6)) and log[0].event_type == "run_created"
        backwards = await world.events.list(run_id, pagination=PaginationOptions(sort_order="desc"))
        assert backwards.data == log[::-1]

    asyncio.run(scenario())


def test_a_refused_create_takes_no_slot() -> None:
    """SLOT-003, EVT-004: after any refusal the next accepted create takes the next slot."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, step_created("step_1"))
        await raises(errors.EntityConflictError, world.events.create(run_id, step_created("step_1")))
        await raises(errors.AttributeValidationError, world.events.create(run_id, attr_set(("$x", "1"))))
        accepted = await world.events.create(run_id, wait_created("wait_1"))
        assert slots_of([accepted.event]) == [4]

    asyncio.run(scenario())


def test_concurrent_creates_take_distinct_consecutive_slots() -> None:
    """SLOT-004, SLOT-005: creates from one snapshot (one stale eventCount) all commit."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        stale = CreateEventParams(event_count=2)
        results = await asyncio.gather(
            *(world.events.create(run_id, wait_created(f"wait_{n}"), stale) for n in range(6))
        )
        assert sorted(slots_of([result.event for result in results])) == list(range(3, 9))

    asyncio.run(scenario())


def test_slot_ids_repeat_across_runs() -> None:
    """SLOT-009: events.get(runId, eventId) returns that run's event."""

    async def scenario() -> None:
        world = new_world()
        first, second = await running_run(world), await running_run(world)
        await world.events.create(first, wait_created("a"))
        await world.events.create(second, step_created("b"))
        slot_3 = slot_to_event_id(3)
        assert (await world.events.get(first, slot_3)).event_type == "wait_created"
        assert (await world.events.get(second, slot_3)).event_type == "step_created"
        missing = await raises(errors.WorkflowWorldError, world.events.get(first, slot_to_event_id(9)))
        assert missing.fields()["status"] == 404

    asyncio.run(scenario())


def test_world_only_and_malformed_events_are_refused_with_400() -> None:
    """SLOT-011, EVT-104, EVT-106: a client-sent noop or hook_conflict, or a cancelReason over 512
    characters: WorkflowWorldError status 400, nothing stored, no slot taken."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        noop = NoopEvent.model_construct(event_type="noop")
        conflict = HookConflictEvent.model_construct(event_type="hook_conflict", correlation_id="h")
        long_reason = RunCancelledRequest.model_construct(
            event_type="run_cancelled",
            event_data=RunCancelledData.model_construct(cancel_reason="r" * 513),
        )
        for request in (noop, conflict, long_reason):
            refused = await raises(errors.WorkflowWorldError, world.events.create(run_id, request))  # type: ignore[arg-type]
            assert refused.fields()["status"] == 400
        assert slots_of([(await world.events.create(run_id, wait_created("w"))).event]) == [3]

    asyncio.run(scenario())


def test_a_stale_event_count_is_answered_with_the_skipped_slots() -> None:
    """SLOT-005..SLOT-007: committed at c > n+1, the result reports slots n+1..c-1 of this run, in
    order, hasMore false, cursor null; none when nothing was skipped."""

    async def scenario() -> None:
        world = new_world()
        run_id, other = await running_run(world), await running_run(world)
        await world.events.create(run_id, wait_created("w1"))
        await world.events.create(run_id, step_created("s1"))
        await world.events.create(other, wait_created("elsewhere"))
        result = await world.events.create(run_id, wait_created("w2"), CreateEventParams(event_count=2))
        assert slots_of([result.event]) == [5]
        assert types_of(result.events) == ["wait_created", "step_created"] and slots_of(result.events) == [
            3,
            4,
        ]
        assert result.has_more is False and result.cursor is None
        current = await world.events.create(run_id, wait_created("w3"), CreateEventParams(event_count=5))
        assert current.events is MISSING

    asyncio.run(scenario())


def test_a_since_cursor_delta_is_the_listing_right_after_the_write() -> None:
    """PAGE-001..PAGE-003: the delta equals events.list from the cursor (the written event
    included), also on a create that commits a hook_conflict, and wins over eventCount."""

    async def scenario() -> None:
        world = new_world()
        run_id, holder = await running_run(world), await running_run(world)
        await world.events.create(holder, hook_created("held", "tok"))
        cursor = (await world.events.list(run_id)).cursor
        assert cursor is not None
        await world.events.create(run_id, wait_created("w1"))
        result = await world.events.create(
            run_id, wait_created("w2"), CreateEventParams(since_cursor=cursor, event_count=1)
        )
        listed = await world.events.list(
            run_id, pagination=PaginationOptions(cursor=cursor, sort_order="asc")
        )
        assert (result.events, result.cursor, result.has_more) == (
            listed.data,
            listed.cursor,
            listed.has_more,
        )
        assert types_of(result.events) == ["wait_created", "wait_created"]
        conflicted = await world.events.create(
            run_id, hook_created("mine", "tok"), CreateEventParams(since_cursor=cursor)
        )
        assert conflicted.event.event_type == "hook_conflict" and conflicted.events[-1] == conflicted.event
        kept = await world.events.create(
            run_id, wait_created("w3"), CreateEventParams(since_cursor="not ours")
        )
        assert kept.events is MISSING and kept.event.event_type == "wait_created"

    asyncio.run(scenario())


def test_pages_and_events_honour_resolve_data() -> None:
    """PAGE-005, EVT-005 with the 5.x table: step_started.input and run_started.input are ref
    fields; an emptied eventData is dropped."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        result = await world.events.create(
            run_id, lazy_start("step_1", b"secret"), CreateEventParams(event_count=1, resolve_data="none")
        )
        assert result.events[-1].event_type == "step_created"
        assert result.events[-1].event_data.to_wire() == {"stepName": "step//./src/tests//work"}
        listed = (await world.events.list(run_id, resolve_data="none")).data
        assert all("input" not in (event.to_wire().get("eventData") or {}) for event in listed)

    asyncio.run(scenario())


def test_listing_without_a_limit_returns_everything_and_a_cursor_that_continues() -> None:
    """LIST-103, EVT-009: no limit, every remaining event with hasMore false; the last page's
    cursor lists what is appended later."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        for n in range(150):
            await world.events.create(run_id, wait_created(f"w{n}"))
        listed = await world.events.list(run_id)
        assert len(listed.data) == 152 and listed.has_more is False and listed.cursor is not None
        await world.events.create(run_id, run_completed())
        later = await world.events.list(run_id, pagination=PaginationOptions(cursor=listed.cursor))
        assert types_of(later.data) == ["run_completed"]
        paged = await world.events.list(run_id, pagination=PaginationOptions(limit=100))
        assert len(paged.data) == 100 and paged.has_more is True

    asyncio.run(scenario())


def test_list_by_correlation_id_stays_in_its_run() -> None:
    """LIST-102."""

    async def scenario() -> None:
        world = new_world()
        first, second = await running_run(world), await running_run(world)
        for run_id in (first, second):
            await world.events.create(run_id, step_created("step_1"))
            await world.events.create(run_id, step_started("step_1"))
        mine = await world.events.list_by_correlation_id("step_1", run_id=first)
        assert {event.run_id for event in mine.data} == {first} and len(mine.data) == 2

    asyncio.run(scenario())


def test_runs_list_filters_by_one_status_or_several() -> None:
    """LIST-101: a status array matches any of them; [] matches none."""

    async def scenario() -> None:
        world = new_world()
        running = await running_run(world)
        ended = await running_run(world)
        await world.events.create(ended, run_completed())
        both = await world.runs.list(status=["running", "completed"])
        assert {run.run_id for run in both.data} == {running, ended}
        assert [run.run_id for run in (await world.runs.list(status="completed")).data] == [ended]
        assert (await world.runs.list(status=[])).data == []

    asyncio.run(scenario())


def test_created_at_is_the_acceptance_time_and_occurred_at_is_kept() -> None:
    """EVT-102, §12 occurred-at: createdAt lies within the call; params.occurredAt is persisted."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        before = datetime.now(UTC)
        occurred = datetime(2025, 1, 1, tzinfo=UTC)
        result = await world.events.create(run_id, wait_created("w"), CreateEventParams(occurred_at=occurred))
        after = datetime.now(UTC)
        assert (
            before.replace(microsecond=before.microsecond // 1000 * 1000) <= result.event.created_at <= after
        )
        assert (await world.events.get(run_id, result.event.event_id)).occurred_at == occurred

    asyncio.run(scenario())
