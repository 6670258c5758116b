"""The queue and stream halves of a reference World that keeps them in separate objects.

``MemoryWorld`` and ``LocalWorld`` both hold an in-process queue and a stream store and expose
their methods unchanged; this mixin is that delegation, written once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from reference_worlds.inprocess_queue import InProcessQueue
from worldspec.protocol import QueueHandler
from worldspec.queue import QueueOptions, QueuePayload, QueueResult
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = ["QueueAndStreams", "StreamStore"]


class StreamStore(Protocol):
    """What a stream store offers (``MemoryStreams``, the LocalWorld's ``FileStreams``)."""

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None: ...

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None: ...

    async def close_stream(self, name: str, run_id: str) -> None: ...

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]: ...

    async def list_streams_by_run_id(self, run_id: str) -> list[str]: ...

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse: ...

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse: ...


class QueueAndStreams:
    """The World's queue and stream methods, served by ``_queue`` and ``_streams``."""

    _queue: InProcessQueue
    _streams: StreamStore

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        return await self._queue.queue(queue_name, message, options)

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        await self._queue.create_queue_handler(prefix, handler)

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        await self._streams.write_to_stream(name, run_id, chunk)

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        await self._streams.write_to_stream_multi(name, run_id, chunks)

    async def close_stream(self, name: str, run_id: str) -> None:
        await self._streams.close_stream(name, run_id)

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._streams.read_from_stream(name, start_index)

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        return await self._streams.list_streams_by_run_id(run_id)

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        return await self._streams.get_stream_chunks(name, run_id, limit=limit, cursor=cursor)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        return await self._streams.get_stream_info(name, run_id)
