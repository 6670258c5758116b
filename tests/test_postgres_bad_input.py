"""Hostile ids, tokens and names: PostgresWorld stores them exactly or refuses them with its own
error, never with a driver error.

What it refuses, by design (docs/reference-worlds/postgres.md): identifiers that PostgreSQL text
cannot hold (NUL, lone surrogates) or that exceed 1024 bytes. Tokens and idempotency keys are
arbitrary strings and are always stored exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from tests.postgres_support import postgres_dsn
from worldspec import errors
from worldspec.pagination import PaginationOptions
from worldspec.queue import MessageMeta, QueueOptions, QueuePayload, WorkflowInvokePayload

HOSTILE = {
    "slash": "a/b/../c",
    "dots": "..",
    "backslash": "a\\b",
    "quotes": 'it\'s "quoted" `x`',
    "sql": "x'); DROP TABLE runs; --",
    "like": "100%_done\\%",
    "unicode": "héllo ✓ 🌍",
    "newline": "line\nbreak\ttab",
    "empty": "",
    "nul": "a\x00b",
    "lone surrogate": "a\ud800b",
    "10 KB": "k" * 10_240,
}
REFUSED_AS_ID = {"nul", "lone surrogate", "10 KB"}
"""Identifiers a text column or its btree index cannot hold: refused with WorkflowWorldError."""


class _Started:
    """One started PostgresWorld for the module, driven from sync tests on its own loop (every
    case uses fresh ids, so the cases cannot see each other)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.world = PostgresWorld()
        self.loop.run_until_complete(self.world.start())

    def run(self, scenario: Callable[[PostgresWorld], Awaitable[None]]) -> None:
        self.loop.run_until_complete(scenario(self.world))

    def close(self) -> None:
        self.loop.run_until_complete(self.world.close())
        self.loop.close()


@pytest.fixture(scope="module")
def started() -> Iterator[_Started]:
    postgres_dsn()
    shared = _Started()
    yield shared
    shared.close()


async def _stored_or_refused(label: str, call: Any) -> Any:
    """The call's result, or ``None`` when it was refused with the World's error."""
    try:
        return await call
    except errors.WorkflowError as error:
        assert label in REFUSED_AS_ID, f"{label!r} was refused: {error.name}: {error}"
        assert isinstance(error, errors.WorkflowWorldError) and error.status == 400
        return None


@pytest.mark.parametrize("label", list(HOSTILE))
def test_correlation_ids_round_trip_or_are_refused(started: _Started, label: str) -> None:
    started.run(lambda world: _correlation_ids_round_trip_or_are_refused(world, label))


async def _correlation_ids_round_trip_or_are_refused(world: PostgresWorld, label: str) -> None:
    weird = HOSTILE[label]
    run_id = (await world.events.create(None, make.run_created())).run.run_id
    created = await _stored_or_refused(label, world.events.create(run_id, make.step_created(weird)))
    hooked = await _stored_or_refused(
        label, world.events.create(run_id, make.hook_created(weird, make.new_id("t")))
    )
    waited = await _stored_or_refused(
        label, world.events.create(run_id, make.wait_created(weird, datetime.now(UTC)))
    )
    if label in REFUSED_AS_ID:
        assert created is None and hooked is None and waited is None
        listed = await world.events.list(run_id)
        assert [event.event_type for event in listed.data] == ["run_created"], "a refusal stored nothing"
        with pytest.raises(errors.WorkflowWorldError):
            await world.steps.get(run_id, weird)
        with pytest.raises(errors.HookNotFoundError):
            await world.hooks.get(weird)
        return
    await world.events.create(run_id, make.step_started(weird))
    step = await world.steps.get(None, weird)
    assert (step.step_id, step.status, step.attempt) == (weird, "running", 1)
    assert (await world.hooks.get(weird)).hook_id == weird
    assert waited.wait.wait_id == f"{run_id}-{weird}"
    by_id = await world.events.list_by_correlation_id(weird, run_id=run_id)
    assert [event.event_type for event in by_id.data] == [
        "step_created",
        "hook_created",
        "wait_created",
        "step_started",
    ]
    assert {event.correlation_id for event in by_id.data} == {weird}


@pytest.mark.parametrize("label", list(HOSTILE))
def test_tokens_are_stored_exactly(started: _Started, label: str) -> None:
    started.run(lambda world: _tokens_are_stored_exactly(world, label))


async def _tokens_are_stored_exactly(world: PostgresWorld, label: str) -> None:
    token = HOSTILE[label] + make.new_id("")
    first = (await world.events.create(None, make.run_created())).run.run_id
    second = (await world.events.create(None, make.run_created())).run.run_id
    created = await world.events.create(first, make.hook_created(make.new_id("hook"), token))
    assert created.hook.token == token
    assert (await world.hooks.get_by_token(token)).run_id == first
    conflict = await world.events.create(second, make.hook_created(make.new_id("hook"), token))
    assert conflict.event.event_type == "hook_conflict"
    assert conflict.event.event_data.token == token
    with pytest.raises(errors.HookNotFoundError):
        await world.hooks.get_by_token(token + "x")


@pytest.mark.parametrize("label", list(HOSTILE))
def test_lookups_of_hostile_keys_are_misses(started: _Started, label: str) -> None:
    started.run(lambda world: _lookups_of_hostile_keys_are_misses(world, label))


async def _lookups_of_hostile_keys_are_misses(world: PostgresWorld, label: str) -> None:
    weird = HOSTILE[label]
    with pytest.raises(errors.WorkflowRunNotFoundError):
        await world.runs.get(weird)
    with pytest.raises(errors.WorkflowWorldError):
        await world.events.get(weird, weird)
    with pytest.raises((errors.WorkflowRunNotFoundError, errors.WorkflowWorldError)):
        await world.events.create(weird, make.run_completed())
    if weird:
        with pytest.raises(errors.WorkflowWorldError):
            await world.events.create(weird, make.run_created())
    with pytest.raises(errors.HookNotFoundError):
        await world.hooks.get_by_token(weird)
    assert (await world.events.list(weird)).data == []
    assert (await world.runs.list(workflow_name=weird + make.new_id(""))).data == []
    assert (await world.steps.list(weird)).data == []
    assert await world.list_streams_by_run_id(weird) == []
    with pytest.raises(errors.WorkflowWorldError) as refused:
        await world.events.list(weird, pagination=PaginationOptions(cursor=weird or "x"))
    assert refused.value.status == 400


@pytest.mark.parametrize("label", list(HOSTILE))
def test_names_round_trip_or_are_refused(started: _Started, label: str) -> None:
    started.run(lambda world: _names_round_trip_or_are_refused(world, label))


async def _names_round_trip_or_are_refused(world: PostgresWorld, label: str) -> None:
    weird = HOSTILE[label]
    run = await _stored_or_refused(label, world.events.create(None, make.run_created(name=weird or "w")))
    if run is not None:
        assert (await world.runs.get(run.run.run_id)).workflow_name == (weird or "w")
    run_id = make.new_id("wrun")
    written = await _stored_or_refused(label, world.write_to_stream(weird, run_id, b"chunk"))
    if label in REFUSED_AS_ID:
        assert written is None
        return
    await world.close_stream(weird, run_id)
    assert [chunk async for chunk in world.read_from_stream(weird)] == [b"chunk"]
    assert await world.list_streams_by_run_id(run_id) == [weird]


def test_idempotency_keys_are_stored_exactly(started: _Started) -> None:
    started.run(_idempotency_keys_are_stored_exactly)


async def _idempotency_keys_are_stored_exactly(world: PostgresWorld) -> None:
    delivered: asyncio.Queue[str] = asyncio.Queue()

    async def handler(message: QueuePayload, meta: MessageMeta) -> None:
        await delivered.put(meta.message_id)

    keys = [value + "-key" for value in HOSTILE.values()]
    ids = []
    for key in keys * 2:
        sent = await world.queue(
            "__wkf_workflow_w", WorkflowInvokePayload(run_id="wrun_x"), QueueOptions(idempotency_key=key)
        )
        ids.append(sent.message_id)
    assert ids[: len(keys)] == ids[len(keys) :], "a repeated key returns the unhandled message"
    assert len(set(ids)) == len(keys), "each distinct key, however odd, is its own message"
    await world.create_queue_handler("__wkf_workflow_", handler)
    got = {await asyncio.wait_for(delivered.get(), 10) for _ in keys}
    assert got == set(ids)
