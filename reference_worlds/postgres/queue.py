"""The queue on PostgreSQL (contract §11): at-least-once delivery to the handlers of any process
that shares the schema.

A message is a row of ``queue_messages``. A worker claims due rows with ``FOR UPDATE SKIP
LOCKED``, counting the attempt and leasing the row (``available_at`` moves ``LEASE_SECONDS``
ahead, so a crashed worker's messages come back), and calls the handler. Done deletes the row,
which frees its idempotency key; ``HandlerTimeout(n)`` makes it due in ``n`` s; a raise makes it
due after a backoff. ``delay_seconds`` is the first ``available_at``. Workers sleep until the
next message is due, a notification on the World's queue channel, or ``POLL_SECONDS``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any, Final

import psycopg
from psycopg_pool import AsyncConnectionPool

from reference_worlds.postgres.codec import check_text, decode_value, encode_value, string_to_bytes
from reference_worlds.postgres.notifier import Notifier, Subscription
from worldspec import errors
from worldspec.protocol import QueueHandler
from worldspec.queue import (
    HandlerTimeout,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    is_valid_queue_name,
    is_valid_queue_prefix,
    parse_queue_payload,
)
from worldspec.ulid import MonotonicUlid
from worldspec.wire_types import MISSING

__all__ = ["PostgresQueue"]

MAX_ATTEMPTS: Final = 64
"""Deliveries of one message before it is dropped (the runtime itself stops at 48)."""
LEASE_SECONDS: Final = 60.0
"""How long a claimed message stays invisible to other workers while its handler runs."""
POLL_SECONDS: Final = 1.0
"""The longest a worker sleeps without looking for due messages."""
CONCURRENCY: Final = 32
"""Deliveries in flight per World."""

_ENQUEUE: Final = """
WITH added AS (
    INSERT INTO queue_messages (message_id, queue_name, payload, available_at, idempotency_key)
    VALUES (%(id)s, %(name)s, %(payload)s, now() + make_interval(secs => %(delay)s), %(key)s)
    ON CONFLICT (sha256(idempotency_key)) WHERE idempotency_key IS NOT NULL DO NOTHING
    RETURNING message_id
)
SELECT message_id, pg_notify(%(channel)s, '') FROM added
"""
_HOLDER: Final = (
    "SELECT message_id FROM queue_messages WHERE sha256(idempotency_key) = sha256(%(key)s) "
    "AND idempotency_key = %(key)s"
)
_PREFIX_MATCH: Final = (
    "EXISTS (SELECT 1 FROM unnest(%(prefixes)s::text[]) p WHERE starts_with(queue_name, p))"
)
_CLAIM: Final = f"""
UPDATE queue_messages m
SET attempt = m.attempt + 1, available_at = now() + make_interval(secs => %(lease)s)
FROM (
    SELECT message_id FROM queue_messages WHERE available_at <= now() AND {_PREFIX_MATCH}
    ORDER BY available_at LIMIT %(limit)s FOR UPDATE SKIP LOCKED
) due
WHERE m.message_id = due.message_id
RETURNING m.message_id, m.queue_name, m.payload, m.attempt
"""
_NEXT_DUE: Final = (
    f"SELECT extract(epoch FROM min(available_at) - now()) FROM queue_messages WHERE {_PREFIX_MATCH}"
)
_RESCHEDULE: Final = (
    "UPDATE queue_messages SET available_at = now() + make_interval(secs => %s) WHERE message_id = %s"
)
_DONE: Final = "DELETE FROM queue_messages WHERE message_id = %s"


def _default_backoff(attempt: int) -> float:
    return min(1.0, 0.01 * 2.0**attempt)


class PostgresQueue:
    """Queue and handler registry of one PostgresWorld; ``channel`` is its wake-up channel."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        notifier: Notifier,
        channel: str,
        retry_backoff: Callable[[int], float] = _default_backoff,
    ) -> None:
        self._pool = pool
        self._notifier = notifier
        self._channel = channel
        self._backoff = retry_backoff
        self._mint = MonotonicUlid()
        self._handlers: dict[str, QueueHandler] = {}
        self._worker: asyncio.Task[None] | None = None
        self._deliveries: set[asyncio.Task[None]] = set()
        self._wakeup: Subscription | None = None
        self._closing = False

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        """Enqueue ``message``; see ``worldspec.protocol.World.queue``."""
        if not is_valid_queue_name(queue_name):
            raise errors.WorkflowWorldError(f"invalid queue name {queue_name!r}", status=400)
        check_text("queue name", queue_name)
        key = None
        delay = 0.0
        if options is not None:
            if options.idempotency_key is not MISSING:
                key = string_to_bytes(options.idempotency_key)
            if options.delay_seconds is not MISSING:
                delay = max(0.0, float(options.delay_seconds))
        params = {
            "id": f"msg_{self._mint()}",
            "name": queue_name,
            "payload": encode_value(message.to_wire()),
            "delay": delay,
            "key": key,
            "channel": self._channel,
        }
        async with self._pool.connection() as conn:
            while True:
                cursor = await conn.execute(_ENQUEUE, params)
                added = await cursor.fetchone()
                if added is not None:
                    return QueueResult(message_id=added[0])
                cursor = await conn.execute(_HOLDER, params)
                holder = await cursor.fetchone()
                if holder is not None:
                    return QueueResult(message_id=holder[0])

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        """Deliver messages whose name starts with ``prefix`` to ``handler``, from now on."""
        if not is_valid_queue_prefix(prefix):
            raise errors.WorkflowWorldError(f"invalid queue prefix {prefix!r}", status=400)
        self._handlers[prefix] = handler
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._work())
        elif self._wakeup is not None:
            self._wakeup.notify()

    def _handler_for(self, queue_name: str) -> QueueHandler | None:
        matching = [prefix for prefix in self._handlers if queue_name.startswith(prefix)]
        return self._handlers[max(matching, key=len)] if matching else None

    async def _work(self) -> None:
        with self._notifier.subscribe(self._channel) as wakeup:
            self._wakeup = wakeup
            while not self._closing:
                try:
                    await self._claim_and_wait(wakeup)
                except psycopg.Error:
                    if self._closing:
                        return
                    await wakeup.wait(POLL_SECONDS)

    async def _claim_and_wait(self, wakeup: Subscription) -> None:
        """Start deliveries of the due messages there is room for; if none, sleep."""
        free = CONCURRENCY - len(self._deliveries)
        claimed = await self._claim(free) if free > 0 else []
        for message_id, queue_name, payload, attempt in claimed:
            task = asyncio.get_running_loop().create_task(
                self._deliver(message_id, queue_name, bytes(payload), attempt)
            )
            self._deliveries.add(task)
            task.add_done_callback(self._delivered)
        if not claimed:
            await wakeup.wait(await self._sleep_time() if free > 0 else POLL_SECONDS)

    def _delivered(self, task: asyncio.Task[None]) -> None:
        self._deliveries.discard(task)
        if self._wakeup is not None:
            self._wakeup.notify()

    async def _claim(self, limit: int) -> list[tuple[Any, ...]]:
        params = {"lease": LEASE_SECONDS, "prefixes": list(self._handlers), "limit": limit}
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_CLAIM, params, binary=True)
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
            return rows

    async def _sleep_time(self) -> float:
        """Seconds until the next message for our prefixes is due, at most ``POLL_SECONDS``."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_NEXT_DUE, {"prefixes": list(self._handlers)})
            row = await cursor.fetchone()
        due = None if row is None or row[0] is None else float(row[0])
        return POLL_SECONDS if due is None else min(POLL_SECONDS, max(0.0, due))

    async def _deliver(self, message_id: str, queue_name: str, payload: bytes, attempt: int) -> None:
        handler = self._handler_for(queue_name)
        assert handler is not None, "only messages of registered prefixes are claimed"
        meta = MessageMeta(attempt=attempt, queue_name=queue_name, message_id=message_id)
        again: float | None
        try:
            outcome = await handler(parse_queue_payload(decode_value(payload)), meta)
        except Exception:
            again = self._backoff(attempt)
        else:
            again = float(outcome.timeout_seconds) if isinstance(outcome, HandlerTimeout) else None
        await self._finish(message_id, None if attempt >= MAX_ATTEMPTS else again)

    async def _finish(self, message_id: str, again_in: float | None) -> None:
        """Delete the message, or make it due again in ``again_in`` seconds."""
        async with self._pool.connection() as conn:
            if again_in is None:
                await conn.execute(_DONE, (message_id,))
            else:
                await conn.execute(_RESCHEDULE, (max(0.0, again_in), message_id))

    async def close(self) -> None:
        """Stop the worker and every delivery in flight; their messages stay queued.

        A cancelled query may surface as a psycopg error rather than ``CancelledError``, so the
        worker also stops on the closing flag instead of treating that error as transient.
        """
        self._closing = True
        tasks = [task for task in [self._worker, *self._deliveries] if task is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._worker = None
        self._deliveries.clear()
