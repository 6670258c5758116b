"""Broken Worlds for ``world.streams`` on the 5.x line (STRM-101, STRM-102)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from reference_worlds.streams_namespace import StreamsNamespace
from tests.broken_worlds.base import LineFiveBrokenWorld
from worldspec.streams import StreamChunksResponse


class _StreamsWithoutInfo:
    """``world.streams`` with every member but ``getInfo``."""

    def __init__(self, streams: StreamsNamespace) -> None:
        self._streams = streams

    async def write(self, run_id: str, name: str, chunk: str | bytes) -> None:
        await self._streams.write(run_id, name, chunk)

    async def write_multi(self, run_id: str, name: str, chunks: Sequence[str | bytes]) -> None:
        await self._streams.write_multi(run_id, name, chunks)

    async def close(self, run_id: str, name: str) -> None:
        await self._streams.close(run_id, name)

    def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._streams.get(run_id, name, start_index)

    async def list(self, run_id: str) -> Sequence[str]:
        return await self._streams.list(run_id)

    async def get_chunks(self, run_id: str, name: str, **options: Any) -> StreamChunksResponse:
        return await self._streams.get_chunks(run_id, name, **options)


class StreamsLackGetInfo(
    LineFiveBrokenWorld, breaks={"STRM-101", "STRM-001", "STRM-002", "STRM-007", "STRM-102", "ERR-101"}
):
    """Ported from an interface without ``streams.getInfo``: the member is missing, so every
    test that reads a stream's info fails with it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.streams = _StreamsWithoutInfo(self.streams)  # type: ignore[assignment]


class _StreamsSkippingEmptyChunks(StreamsNamespace):
    async def write_multi(self, run_id: str, name: str, chunks: Sequence[str | bytes]) -> None:
        await super().write_multi(run_id, name, [chunk for chunk in chunks if len(chunk)])


class WriteMultiSkipsEmptyChunks(LineFiveBrokenWorld, breaks={"STRM-102"}):
    """``writeMulti`` filters out zero-length chunks before its one insert (which single writes
    store as chunks of their own)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.streams = _StreamsSkippingEmptyChunks(self._streams)
