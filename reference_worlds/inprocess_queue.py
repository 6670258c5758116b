"""An in-process queue: at-least-once delivery to handlers registered in this process (§11).

Each message is delivered by its own asyncio task: attempt 1, then ``attempt + 1`` after a
handler raises (with a short backoff) or returns ``HandlerTimeout`` (after its timeout). An
idempotency key is held while its message is unhandled. ``delay_seconds`` is honoured.
Messages queued before a handler for their prefix exists wait for it. Every delivery of one
message carries the same message id. Which names and prefixes are valid is the line's: the
4.x patterns by default, the 5.x ones (workflow topics only) when a World passes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from worldspec import errors
from worldspec.line5 import queue as line5_queue
from worldspec.queue import (
    HandlerTimeout,
    MessageMeta,
    QueueOptions,
    QueueResult,
    is_valid_queue_name,
    is_valid_queue_prefix,
)
from worldspec.ulid import MonotonicUlid
from worldspec.wire_types import MISSING

__all__ = ["AnyQueueHandler", "InProcessQueue"]

AnyQueueHandler = Callable[[Any, MessageMeta], Awaitable[object]]
"""A handler of either line: it receives the payload as queued."""

MAX_ATTEMPTS = 64
"""Deliveries of one message before it is dropped (the runtime itself stops at 48)."""


@dataclass
class _Message:
    message_id: str
    queue_name: str
    payload: object
    delay_seconds: float
    idempotency_key: str | None


class InProcessQueue:
    """Queue and handler registry of one World instance."""

    def __init__(
        self,
        retry_backoff: Callable[[int], float] | None = None,
        *,
        valid_name: Callable[[str], bool] = is_valid_queue_name,
        valid_prefix: Callable[[str], bool] = is_valid_queue_prefix,
    ) -> None:
        self._valid_name = valid_name
        self._valid_prefix = valid_prefix
        self._handlers: dict[str, AnyQueueHandler] = {}
        self._waiting: list[_Message] = []
        self._unhandled_keys: dict[str, str] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._mint = MonotonicUlid()
        self._backoff = retry_backoff or (lambda attempt: min(1.0, 0.01 * 2**attempt))

    async def queue(
        self, queue_name: str, message: object, options: QueueOptions | line5_queue.QueueOptions | None = None
    ) -> QueueResult:
        """Enqueue ``message``; see ``worldspec.protocol.World.queue``."""
        if not self._valid_name(queue_name):
            raise errors.WorkflowWorldError(f"invalid queue name {queue_name!r}", status=400)
        key = None
        if options is not None and options.idempotency_key is not MISSING:
            key = options.idempotency_key
            if key in self._unhandled_keys:
                return QueueResult(message_id=self._unhandled_keys[key])
        delay = 0.0
        if options is not None and options.delay_seconds is not MISSING:
            delay = float(options.delay_seconds)
        entry = _Message(f"msg_{self._mint()}", queue_name, message, delay, key)
        if key is not None:
            self._unhandled_keys[key] = entry.message_id
        self._dispatch(entry)
        return QueueResult(message_id=entry.message_id)

    async def create_queue_handler(self, prefix: str, handler: AnyQueueHandler) -> None:
        """Register ``handler`` for names starting with ``prefix`` and release waiting messages."""
        if not self._valid_prefix(prefix):
            raise errors.WorkflowWorldError(f"invalid queue prefix {prefix!r}", status=400)
        self._handlers[prefix] = handler
        waiting, self._waiting = self._waiting, []
        for entry in waiting:
            self._dispatch(entry)

    def _handler_for(self, queue_name: str) -> AnyQueueHandler | None:
        for prefix, handler in self._handlers.items():
            if queue_name.startswith(prefix):
                return handler
        return None

    def _dispatch(self, entry: _Message) -> None:
        handler = self._handler_for(entry.queue_name)
        if handler is None:
            self._waiting.append(entry)
            return
        task = asyncio.get_running_loop().create_task(self._deliver(entry, handler))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver(self, entry: _Message, handler: AnyQueueHandler) -> None:
        if entry.delay_seconds > 0:
            await asyncio.sleep(entry.delay_seconds)
        for attempt in range(1, MAX_ATTEMPTS + 1):
            meta = MessageMeta(attempt=attempt, queue_name=entry.queue_name, message_id=entry.message_id)
            try:
                outcome = await handler(entry.payload, meta)
            except Exception:
                await asyncio.sleep(self._backoff(attempt))
                continue
            if isinstance(outcome, HandlerTimeout):
                await asyncio.sleep(float(outcome.timeout_seconds))
                continue
            break
        if entry.idempotency_key is not None:
            self._unhandled_keys.pop(entry.idempotency_key, None)

    async def close(self) -> None:
        """Stop every delivery in flight."""
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
