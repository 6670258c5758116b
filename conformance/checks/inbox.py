"""A queue handler that keeps what it is handed: each delivery with its meta and arrival time,
for the queue suites of both lines to wait on and compare."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from conformance.checks.expect import fail
from worldspec.queue import HandlerTimeout, MessageMeta, QueuePayload

__all__ = ["DELIVERY_TIMEOUT", "REDELIVERY_TIMEOUT", "Delivery", "Inbox"]

DELIVERY_TIMEOUT = 5.0
"""Seconds a World may take to deliver a message to a registered handler. The contract sets no
bound; a queue that polls its table (graphile-worker polls every 2 s by default, world-postgres
every 0.5 s) delivers up to a poll later. Only a World that delivers nothing waits it out."""
REDELIVERY_TIMEOUT = 10.0
"""Seconds a World may take to redeliver after a handler raised: the backoff is World-defined
(world-local waits 5 s), so this is longer; only a World that never redelivers waits it out."""


@dataclass(frozen=True)
class Delivery:
    """One call of the handler: the message, its meta, and the loop time it arrived at."""

    message: QueuePayload
    meta: MessageMeta
    at: float


class Inbox:
    """A handler that records each delivery and answers with ``respond(delivery)``."""

    def __init__(self, respond: Callable[[Delivery], Awaitable[HandlerTimeout | None]] | None = None) -> None:
        self._respond = respond
        self._arrived: asyncio.Queue[Delivery] = asyncio.Queue()
        self.all: list[Delivery] = []

    async def handler(self, message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
        delivery = Delivery(message, meta, asyncio.get_running_loop().time())
        self.all.append(delivery)
        await self._arrived.put(delivery)
        return None if self._respond is None else await self._respond(delivery)

    async def next(self, what: str, timeout: float = DELIVERY_TIMEOUT) -> Delivery:
        """The next delivery; fails the test when none comes within ``timeout`` seconds."""
        try:
            return await asyncio.wait_for(self._arrived.get(), timeout)
        except TimeoutError:
            fail(f"{what} within {timeout:g} s", "delivered nothing")
