"""LISTEN/NOTIFY wake-ups: one listening connection per World, fanned out to waiting tasks.

A waiter subscribes *before* it looks at the tables and waits *after*, so a notification sent
between the look and the wait is not lost. Notifications only shorten waits: every waiter also
wakes after its timeout and looks again (the polling fallback), so a lost connection or a
dropped notification delays work but never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import Any

import psycopg
from psycopg import sql

__all__ = ["Notifier", "Subscription"]


class Subscription:
    """Interest in notifications on one channel, with one payload or any (``payload=None``)."""

    def __init__(self, channel: str, payload: str | None) -> None:
        self.channel = channel
        self.payload = payload
        self._event = asyncio.Event()

    def matches(self, channel: str, payload: str) -> bool:
        return channel == self.channel and (self.payload is None or payload == self.payload)

    def notify(self) -> None:
        self._event.set()

    async def wait(self, timeout: float) -> None:
        """Return at the next notification since the last wait, or after ``timeout`` seconds."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout)
        self._event.clear()


class Notifier:
    """Listens on ``channels`` with a connection of its own and wakes the matching subscriptions."""

    def __init__(self, conninfo: str, channels: list[str], connect_kwargs: dict[str, Any]) -> None:
        self._conninfo = conninfo
        self._channels = channels
        self._connect_kwargs = connect_kwargs
        self._subscriptions: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._conn: psycopg.AsyncConnection[Any] | None = None

    async def start(self) -> None:
        self._conn = await psycopg.AsyncConnection.connect(
            self._conninfo, autocommit=True, **self._connect_kwargs
        )
        for channel in self._channels:
            await self._conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
        self._task = asyncio.get_running_loop().create_task(self._listen(self._conn))

    async def _listen(self, conn: psycopg.AsyncConnection[Any]) -> None:
        with contextlib.suppress(psycopg.Error):
            async for notification in conn.notifies():
                for subscription in list(self._subscriptions):
                    if subscription.matches(notification.channel, notification.payload):
                        subscription.notify()

    @contextlib.contextmanager
    def subscribe(self, channel: str, payload: str | None = None) -> Iterator[Subscription]:
        """A subscription, live for the ``with`` block."""
        subscription = Subscription(channel, payload)
        self._subscriptions.add(subscription)
        try:
            yield subscription
        finally:
            self._subscriptions.discard(subscription)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._conn is not None:
            await self._conn.close()
