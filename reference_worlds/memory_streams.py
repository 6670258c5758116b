"""Named append-only byte streams held in memory (§10).

A stream is keyed by name alone; the run id given on write or close only feeds
``list_streams_by_run_id``. Readers are live: they wait for new chunks until close.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from functools import partial

from reference_worlds.paging import chunk_page
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = ["MemoryStreams"]


@dataclass
class _Stream:
    chunks: list[bytes] = field(default_factory=list)
    closed: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)


def _has_news(stream: _Stream, index: int) -> bool:
    return stream.closed or index < len(stream.chunks)


class MemoryStreams:
    """The stream half of a memory World."""

    def __init__(self) -> None:
        self._streams: dict[str, _Stream] = {}
        self._by_run: dict[str, list[str]] = {}

    def _touch(self, name: str, run_id: str) -> _Stream:
        names = self._by_run.setdefault(run_id, [])
        if name not in names:
            names.append(name)
        return self._streams.setdefault(name, _Stream())

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        """Append ``chunk`` (a str as UTF-8); writes after close are dropped."""
        await self.write_to_stream_multi(name, run_id, [chunk])

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        """Append ``chunks`` in order, as sequential writes would."""
        stream = self._touch(name, run_id)
        if stream.closed:
            return
        stream.chunks.extend(c.encode() if isinstance(c, str) else bytes(c) for c in chunks)
        async with stream.changed:
            stream.changed.notify_all()

    async def close_stream(self, name: str, run_id: str) -> None:
        """Close the stream, even an empty one."""
        stream = self._touch(name, run_id)
        stream.closed = True
        async with stream.changed:
            stream.changed.notify_all()

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        """Yield non-empty chunks from ``start_index`` (negative: from the end), live, until close."""
        stream = self._streams.setdefault(name, _Stream())
        index = max(0, len(stream.chunks) + start_index) if start_index < 0 else start_index
        while True:
            while index < len(stream.chunks):
                chunk = stream.chunks[index]
                index += 1
                if chunk:
                    yield chunk
            if stream.closed:
                return
            async with stream.changed:
                await stream.changed.wait_for(partial(_has_news, stream, index))

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        """Names written or closed with ``run_id``."""
        return list(self._by_run.get(run_id, []))

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        """A snapshot page of chunks, zero-length ones included."""
        stream = self._streams.get(name, _Stream())
        return chunk_page(stream.chunks, stream.closed, limit=limit, cursor=cursor)

    async def purge_run(self, run_id: str) -> None:
        """Empty and close every stream of ``run_id`` (a run whose data went with its end):
        it then reads as an empty closed stream, and readers waiting on it end."""
        for name in self._by_run.get(run_id, []):
            stream = self._streams.setdefault(name, _Stream())
            stream.chunks.clear()
            stream.closed = True
            async with stream.changed:
                stream.changed.notify_all()

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        """Index of the last chunk (-1 when none) and whether the stream is closed."""
        stream = self._streams.get(name, _Stream())
        return StreamInfoResponse(tail_index=len(stream.chunks) - 1, done=stream.closed)
