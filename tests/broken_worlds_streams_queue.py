"""Deliberately broken Worlds for the stream and queue invariants (STRM, Q).

Each breaks one rule through the World's own methods (or by wrapping the handler it is
given), and names the invariants the kit must fail on it (``breaks``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from tests.broken_worlds import BrokenWorld
from worldspec.protocol import QueueHandler
from worldspec.queue import (
    HandlerTimeout,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    is_valid_queue_name,
)
from worldspec.streams import StreamInfoResponse
from worldspec.wire_types import MISSING

POLL_SECONDS = 0.01


class EmptyStreamNeverDone(BrokenWorld):
    """``get_stream_info`` says ``done: false`` for a stream without data chunks, closed or not."""

    breaks = frozenset({"STRM-001"})

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        info = await super().get_stream_info(name, run_id)
        return info if info.tail_index >= 0 else info.model_copy(update={"done": False})


class WritesAfterCloseVisible(BrokenWorld):
    """Appends chunks written after close (after the end marker, as a careless log would)."""

    breaks = frozenset({"STRM-002"})

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        if (await self.get_stream_info(name, run_id)).done:
            self._streams._streams[name].chunks.append(chunk.encode() if isinstance(chunk, str) else chunk)
            return
        await super().write_to_stream(name, run_id, chunk)


class NegativeStartReadsFromTheBeginning(BrokenWorld):
    """``read_from_stream`` treats a negative start index as 0."""

    breaks = frozenset({"STRM-004"})

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return super().read_from_stream(name, max(0, start_index))


class ReaderSeesOnlyChunksPresentAtOpen(BrokenWorld):
    """``read_from_stream`` yields the chunks present when it was opened, once the stream is
    closed: a reader that came first sees nothing live."""

    breaks = frozenset({"STRM-005"})

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._snapshot_reader(name, start_index)

    async def _snapshot_reader(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        page = await self.get_stream_chunks(name, "", limit=1000)
        present = [chunk.data for chunk in page.data]
        while not (await self.get_stream_info(name, "")).done:
            await asyncio.sleep(POLL_SECONDS)
        start = max(0, len(present) + start_index) if start_index < 0 else start_index
        for data in present[start:]:
            if data:
                yield data


class LastChunkPageHasCursor(BrokenWorld):
    """``get_stream_chunks`` gives a cursor on the last page too."""

    breaks = frozenset({"STRM-006"})

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Any:
        page = await super().get_stream_chunks(name, run_id, limit=limit, cursor=cursor)
        return page if page.has_more else page.model_copy(update={"cursor": "end"})


class ClosedOnlyStreamsUnlisted(BrokenWorld):
    """``list_streams_by_run_id`` leaves out streams that were closed but never written."""

    breaks = frozenset({"STRM-007"})

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        names = await super().list_streams_by_run_id(run_id)
        return [name for name in names if (await self.get_stream_info(name, run_id)).tail_index >= 0]


class AcceptsAnyQueueName(BrokenWorld):
    """``queue()`` accepts a name outside the pattern (and never delivers it)."""

    breaks = frozenset({"Q-001"})

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if not is_valid_queue_name(queue_name):
            return QueueResult(message_id=f"msg_{self.mint()}")
        return await super().queue(queue_name, message, options)


class MetaNamesThePrefix(BrokenWorld):
    """Tells the handler the prefix as ``queueName`` instead of the full name."""

    breaks = frozenset({"Q-002"})

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def misnaming(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            return await handler(message, meta.model_copy(update={"queue_name": prefix}))

        await super().create_queue_handler(prefix, misnaming)


class HandlerTimeoutIgnored(BrokenWorld):
    """Redelivers at once when a handler asks for the message again in ``timeoutSeconds``."""

    breaks = frozenset({"Q-003"})

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def impatient(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            outcome = await handler(message, meta)
            return HandlerTimeout(timeout_seconds=0) if isinstance(outcome, HandlerTimeout) else outcome

        await super().create_queue_handler(prefix, impatient)


class RedeliveryAfterThrowKeepsAttempt(BrokenWorld):
    """Redelivers a message whose handler raised without counting the failed attempt."""

    breaks = frozenset({"Q-004"})

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        failures: dict[str, int] = {}

        async def forgetful(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            shown = meta.model_copy(update={"attempt": meta.attempt - failures.get(meta.message_id, 0)})
            try:
                return await handler(message, shown)
            except Exception:
                failures[meta.message_id] = failures.get(meta.message_id, 0) + 1
                raise

        await super().create_queue_handler(prefix, forgetful)


class IdempotencyKeyIgnored(BrokenWorld):
    """Delivers every message queued with the same idempotency key."""

    breaks = frozenset({"Q-005"})

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        unkeyed = None if options is None else options.model_copy(update={"idempotency_key": MISSING})
        return await super().queue(queue_name, message, unkeyed)


class DelayIgnored(BrokenWorld):
    """Declares the ``delay`` capability but delivers at once."""

    breaks = frozenset({"Q-006"})

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        undelayed = None if options is None else options.model_copy(update={"delay_seconds": MISSING})
        return await super().queue(queue_name, message, undelayed)


class SpecVersionOneMessagesDropped(BrokenWorld):
    """Accepts messages queued with ``specVersion: 1`` (the health check) but never delivers them."""

    breaks = frozenset({"Q-007"})

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if options is not None and options.spec_version == 1:
            return QueueResult(message_id=f"msg_{self.mint()}")
        return await super().queue(queue_name, message, options)
