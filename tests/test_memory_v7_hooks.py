"""The 5.x oracle's hooks: membership, the new fields, retention and resume dedup
(world-contract-v7.md §4.4, §4.6, §5.4 item 4). Each test states its rule."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.memory_v7_support import (
    Clock,
    errors,
    hook_created,
    hook_disposed,
    hook_received,
    new_world,
    raises,
    run_cancelled,
    run_completed,
    running_run,
    types_of,
)
from worldspec.line5.events import CreateEventParams
from worldspec.wire_types import MISSING


def test_hook_created_keeps_the_new_fields_on_the_event_and_the_hook() -> None:
    """HOOK-102, HOOK-001."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        until = clock.now + timedelta(days=2)
        result = await world.events.create(
            run_id,
            hook_created(
                "hook_1",
                "tok_1",
                metadata=b"\x00m",
                is_webhook=False,
                is_system=True,
                token_retention_until=until,
            ),
        )
        data = result.event.event_data
        assert (data.is_webhook, data.is_system, data.token_retention_until) == (False, True, until)
        hook = result.hook
        assert (hook.is_webhook, hook.is_system, hook.token_retention_until, hook.metadata) == (
            False,
            True,
            until,
            b"\x00m",
        )
        assert await world.hooks.get("hook_1") == hook == await world.hooks.get_by_token("tok_1")

    asyncio.run(scenario())


def test_a_held_token_gives_a_hook_conflict_naming_the_holder() -> None:
    """HOOK-002: no throw, no hook, a stored hook_conflict with the holder's runId."""

    async def scenario() -> None:
        world = new_world()
        holder, other = await running_run(world), await running_run(world)
        await world.events.create(holder, hook_created("hook_1", "tok"))
        result = await world.events.create(other, hook_created("hook_2", "tok"))
        assert result.event.event_type == "hook_conflict" and result.hook is MISSING
        assert result.event.event_data.conflicting_run_id == holder
        assert types_of((await world.events.list(other)).data)[-1] == "hook_conflict"

    asyncio.run(scenario())


def test_another_runs_hook_cannot_be_received_or_disposed() -> None:
    """HOOK-104: HookNotFoundError, nothing stored, the hook unchanged."""

    async def scenario() -> None:
        world = new_world()
        owner, stranger = await running_run(world), await running_run(world)
        await world.events.create(owner, hook_created("hook_1", "tok"))
        for request in (hook_received("hook_1"), hook_disposed("hook_1")):
            await raises(errors.HookNotFoundError, world.events.create(stranger, request))
        assert len((await world.events.list(stranger)).data) == 2
        assert (await world.hooks.get("hook_1")).run_id == owner

    asyncio.run(scenario())


def test_a_terminal_run_receives_nothing() -> None:
    """HOOK-103: HookNotFoundError for a hook that went with the run, RunExpiredError for a
    retained one (never EntityConflictError); nothing stored."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        await world.events.create(run_id, hook_created("plain", "tok_plain"))
        await world.events.create(
            run_id, hook_created("kept", "tok_kept", token_retention_until=clock.now + timedelta(hours=1))
        )
        await world.events.create(run_id, run_completed())
        await raises(errors.HookNotFoundError, world.events.create(run_id, hook_received("plain")))
        await raises(errors.RunExpiredError, world.events.create(run_id, hook_received("kept")))
        assert types_of((await world.events.list(run_id)).data)[-1] == "run_completed"

    asyncio.run(scenario())


def test_a_retained_hook_outlives_its_run_until_its_retention_ends() -> None:
    """HRET-001..HRET-003: readable by get, getByToken and list; its token held (a hook_conflict
    names it); after tokenRetentionUntil gone and the token free."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        await world.events.create(
            run_id, hook_created("kept", "tok", token_retention_until=clock.now + timedelta(hours=1))
        )
        await world.events.create(run_id, run_cancelled())
        assert (await world.hooks.get("kept")).run_id == run_id
        assert (await world.hooks.get_by_token("tok")).hook_id == "kept"
        assert [hook.hook_id for hook in (await world.hooks.list()).data] == ["kept"]
        other = await running_run(world)
        conflict = await world.events.create(other, hook_created("new", "tok"))
        assert (
            conflict.event.event_type == "hook_conflict"
            and conflict.event.event_data.conflicting_run_id == run_id
        )
        clock.advance(hours=1, seconds=1)
        await raises(errors.HookNotFoundError, world.hooks.get("kept"))
        await raises(errors.HookNotFoundError, world.hooks.get_by_token("tok"))
        taken = await world.events.create(other, hook_created("newer", "tok"))
        assert taken.event.event_type == "hook_created"

    asyncio.run(scenario())


def test_disposing_a_retained_hook_frees_its_token() -> None:
    """HRET-004 (the accepting choice), TERM-101: its hook_disposed is appended after the end."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        await world.events.create(
            run_id, hook_created("kept", "tok", token_retention_until=clock.now + timedelta(hours=1))
        )
        await world.events.create(run_id, run_completed())
        await world.events.create(run_id, hook_disposed("kept"))
        assert types_of((await world.events.list(run_id)).data)[-2:] == ["run_completed", "hook_disposed"]
        await raises(errors.HookNotFoundError, world.hooks.get("kept"))
        other = await running_run(world)
        assert (
            await world.events.create(other, hook_created("new", "tok"))
        ).event.event_type == "hook_created"

    asyncio.run(scenario())


def test_a_live_runs_hook_keeps_its_token_after_its_retention_date() -> None:
    """HRET-005."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        await world.events.create(
            run_id, hook_created("hook", "tok", token_retention_until=clock.now + timedelta(seconds=1))
        )
        clock.advance(minutes=5)
        assert (await world.hooks.get_by_token("tok")).hook_id == "hook"
        await world.events.create(run_id, hook_received("hook"))

    asyncio.run(scenario())


def test_retention_beyond_the_cap_is_refused_before_anything_is_stored() -> None:
    """HRET-006: 30 days here, as world-local."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        too_long = hook_created("hook", "tok", token_retention_until=clock.now + timedelta(days=31))
        refused = await raises(errors.WorkflowWorldError, world.events.create(run_id, too_long))
        assert refused.fields()["status"] == 400
        await raises(errors.HookNotFoundError, world.hooks.get("hook"))

    asyncio.run(scenario())


def test_a_resume_is_written_once_and_returned_to_every_writer() -> None:
    """DEDUP-001, DEDUP-002: one (runId, resumeId), also concurrently, logs one event carrying
    resumeId in list and get; every call returns it, also after the hook's disposal."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, hook_created("hook", "tok"))
        params = CreateEventParams(resume_id="rsm_1", resume_payload_digest="d1")
        results = await asyncio.gather(
            *(world.events.create(run_id, hook_received("hook"), params) for _ in range(4))
        )
        assert len({result.event.event_id for result in results}) == 1
        log = (await world.events.list(run_id)).data
        assert types_of(log).count("hook_received") == 1 and log[-1].resume_id == "rsm_1"
        assert (await world.events.get(run_id, log[-1].event_id)).resume_id == "rsm_1"
        await world.events.create(run_id, hook_disposed("hook"))
        late = await world.events.create(run_id, hook_received("hook"), params)
        assert late.event.event_id == results[0].event.event_id

    asyncio.run(scenario())


def test_a_resume_id_reused_for_another_hook_or_payload_is_refused() -> None:
    """DEDUP-003: EntityConflictError (not HookNotFoundError, not RunExpiredError); nothing stored."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        for hook_id in ("hook_a", "hook_b"):
            await world.events.create(run_id, hook_created(hook_id, f"tok_{hook_id}"))
        await world.events.create(
            run_id, hook_received("hook_a"), CreateEventParams(resume_id="r", resume_payload_digest="d1")
        )
        before = (await world.events.list(run_id)).data
        for request, params in (
            (hook_received("hook_b"), CreateEventParams(resume_id="r")),
            (hook_received("hook_a"), CreateEventParams(resume_id="r", resume_payload_digest="d2")),
        ):
            await raises(errors.EntityConflictError, world.events.create(run_id, request, params))
        assert (await world.events.list(run_id)).data == before

    asyncio.run(scenario())


def test_a_preloading_resume_returns_the_complete_log_and_the_run() -> None:
    """PAGE-004: with preloadEvents (and a resumeId) the complete log through this resume,
    hasMore false, a cursor, run.startedAt and maxEvents; without a resumeId, no page."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, hook_created("hook", "tok"))
        preloaded = await world.events.create(
            run_id, hook_received("hook"), CreateEventParams(resume_id="r1", preload_events=True)
        )
        assert preloaded.events == (await world.events.list(run_id)).data
        assert types_of(preloaded.events) == ["run_created", "run_started", "hook_created", "hook_received"]
        assert preloaded.events[-1].resume_id == "r1" and preloaded.has_more is False and preloaded.cursor
        assert preloaded.run.started_at is not MISSING and preloaded.max_events == 25_000
        plain = await world.events.create(
            run_id, hook_received("hook"), CreateEventParams(preload_events=True)
        )
        assert plain.events is MISSING and plain.run is MISSING

    asyncio.run(scenario())
