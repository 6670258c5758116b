"""PostgresWorld's queue (§11) and streams (§10), beyond what the kit's suites check today:
redelivery and attempts, timeouts, idempotency keys, delays, delivery to another World sharing
the schema, and live, paged and closed streams."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from reference_worlds.postgres.locate import fresh_schema_name
from tests.postgres_support import postgres_dsn
from worldspec import errors
from worldspec.queue import (
    HandlerTimeout,
    HealthCheckPayload,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    WorkflowInvokePayload,
)

WAIT = 10.0
Delivery = tuple[QueuePayload, MessageMeta, float]


def _run(scenario: Callable[[PostgresWorld], Awaitable[None]]) -> None:
    postgres_dsn()

    async def main() -> None:
        async with PostgresWorld() as world:
            await scenario(world)

    asyncio.run(main())


def _recording(
    deliveries: asyncio.Queue[Delivery], answer: Callable[[MessageMeta], Any] = lambda meta: None
) -> Callable[[QueuePayload, MessageMeta], Awaitable[Any]]:
    async def handler(message: QueuePayload, meta: MessageMeta) -> Any:
        await deliveries.put((message, meta, time.monotonic()))
        outcome = answer(meta)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    return handler


async def _next(deliveries: asyncio.Queue[Delivery]) -> Delivery:
    return await asyncio.wait_for(deliveries.get(), WAIT)


def test_a_raising_handler_sees_the_message_again_with_the_next_attempt() -> None:
    async def scenario(world: PostgresWorld) -> None:
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        fail_twice = _recording(deliveries, lambda meta: RuntimeError("no") if meta.attempt < 3 else None)
        await world.create_queue_handler("__wkf_step_", fail_twice)
        sent = await world.queue("__wkf_step_s", WorkflowInvokePayload(run_id="wrun_a"))
        metas = [(await _next(deliveries))[1] for _ in range(3)]
        assert [meta.attempt for meta in metas] == [1, 2, 3]
        assert {meta.message_id for meta in metas} == {sent.message_id}
        assert {meta.queue_name for meta in metas} == {"__wkf_step_s"}
        await asyncio.sleep(0.5)
        assert deliveries.empty(), "a handled message is not delivered again"

    _run(scenario)


def test_handler_timeout_redelivers_not_before_its_seconds() -> None:
    async def scenario(world: PostgresWorld) -> None:
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        once = _recording(
            deliveries, lambda meta: HandlerTimeout(timeout_seconds=1.5) if meta.attempt == 1 else None
        )
        await world.create_queue_handler("__wkf_workflow_", once)
        await world.queue("__wkf_workflow_w", WorkflowInvokePayload(run_id="wrun_b"))
        _, first, at_first = await _next(deliveries)
        _, second, at_second = await _next(deliveries)
        assert (first.attempt, second.attempt) == (1, 2)
        assert first.message_id == second.message_id
        assert at_second - at_first >= 1.5

    _run(scenario)


def test_an_idempotency_key_holds_while_its_message_is_unhandled() -> None:
    async def scenario(world: PostgresWorld) -> None:
        options = QueueOptions(idempotency_key=make.new_id("key"))
        first = await world.queue("__wkf_step_s", WorkflowInvokePayload(run_id="wrun_c"), options)
        again = await world.queue("__wkf_step_s", WorkflowInvokePayload(run_id="wrun_c"), options)
        assert again.message_id == first.message_id
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        await world.create_queue_handler("__wkf_step_", _recording(deliveries))
        assert (await _next(deliveries))[1].message_id == first.message_id
        await asyncio.sleep(0.3)
        assert deliveries.empty()
        later = await world.queue("__wkf_step_s", WorkflowInvokePayload(run_id="wrun_c"), options)
        assert later.message_id != first.message_id, "once handled, the key is free again"
        assert (await _next(deliveries))[1].message_id == later.message_id

    _run(scenario)


def test_delay_seconds_hold_back_delivery() -> None:
    async def scenario(world: PostgresWorld) -> None:
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        await world.create_queue_handler("__wkf_workflow_", _recording(deliveries))
        queued_at = time.monotonic()
        await world.queue(
            "__wkf_workflow_w", WorkflowInvokePayload(run_id="wrun_d"), QueueOptions(delay_seconds=1.2)
        )
        _, _, delivered_at = await _next(deliveries)
        assert delivered_at - queued_at >= 1.2

    _run(scenario)


def test_health_checks_and_bad_names() -> None:
    async def scenario(world: PostgresWorld) -> None:
        deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
        await world.create_queue_handler("__ns1_wkf_step_", _recording(deliveries))
        check = HealthCheckPayload(correlation_id=make.new_id("hc"))
        await world.queue("__ns1_wkf_step_health_check", check, QueueOptions(spec_version=1))
        message, meta, _ = await _next(deliveries)
        assert message == check and meta.queue_name == "__ns1_wkf_step_health_check"
        for name in ("wkf_step_x", "__wkf_step_", "__Ns_wkf_step_x", "__wkf_other_x"):
            with pytest.raises(errors.WorkflowWorldError):
                await world.queue(name, check)

    _run(scenario)


def test_another_world_on_the_schema_delivers_what_this_one_queued() -> None:
    dsn, schema = postgres_dsn(), fresh_schema_name()

    async def scenario() -> None:
        async with PostgresWorld(schema=schema) as sender, PostgresWorld(schema=schema) as receiver:
            deliveries: asyncio.Queue[Delivery] = asyncio.Queue()
            await receiver.create_queue_handler("__wkf_workflow_", _recording(deliveries))
            payload = WorkflowInvokePayload(run_id="wrun_e")
            sent = await sender.queue("__wkf_workflow_w", payload)
            message, meta, _ = await _next(deliveries)
            assert (message, meta.message_id) == (payload, sent.message_id)
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            await conn.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))

    asyncio.run(scenario())


def test_a_live_reader_gets_later_writes_and_ends_at_close() -> None:
    async def scenario(world: PostgresWorld) -> None:
        name, run_id = make.new_id("strm"), make.new_id("wrun")

        async def read() -> list[bytes]:
            return [chunk async for chunk in world.read_from_stream(name)]

        reader = asyncio.create_task(read())
        await asyncio.sleep(0.3)
        for chunk in (b"a", "b", b"", b"c"):
            await world.write_to_stream(name, run_id, chunk)
            await asyncio.sleep(0.05)
        await world.close_stream(name, run_id)
        assert await asyncio.wait_for(reader, WAIT) == [b"a", b"b", b"c"]

    _run(scenario)


def test_stream_indices_starts_pages_and_close() -> None:
    async def scenario(world: PostgresWorld) -> None:
        name, run_id = make.new_id("strm"), make.new_id("wrun")
        assert (await world.get_stream_info(name, run_id)).model_dump() == {"tail_index": -1, "done": False}
        await world.write_to_stream_multi(name, run_id, [b"0", b"", "2", b"3", b"4"])
        await world.close_stream(name, run_id)
        await world.write_to_stream(name, run_id, b"late")
        assert (await world.get_stream_info(name, run_id)).model_dump() == {"tail_index": 4, "done": True}
        assert [c async for c in world.read_from_stream(name, -2)] == [b"3", b"4"]
        assert [c async for c in world.read_from_stream(name, 5)] == []
        assert [c async for c in world.read_from_stream(name, -50)] == [b"0", b"2", b"3", b"4"]
        pages, cursor = [], None
        while True:
            page = await world.get_stream_chunks(name, run_id, limit=2, cursor=cursor)
            pages.append(page)
            if not page.has_more:
                break
            cursor = page.cursor
        assert [chunk.index for page in pages for chunk in page.data] == [0, 1, 2, 3, 4]
        assert [chunk.data for page in pages for chunk in page.data] == [b"0", b"", b"2", b"3", b"4"]
        assert (pages[-1].cursor, pages[-1].done) == (None, True)
        assert await world.list_streams_by_run_id(run_id) == [name]
        closed_empty = make.new_id("strm")
        await world.close_stream(closed_empty, run_id)
        assert (await world.get_stream_info(closed_empty, run_id)).model_dump() == {
            "tail_index": -1,
            "done": True,
        }
        assert await world.list_streams_by_run_id(run_id) == [name, closed_empty]

    _run(scenario)
