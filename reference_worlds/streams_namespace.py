"""``world.streams`` of the 5.x line over a stream store of the 4.x shape (world-contract-v7.md §10).

The 5.x interface names the owning run first in every call (``write(run_id, name, chunk)``);
the stores (``MemoryStreams``, ...) take the name first. This adapter is only that reordering:
the rules of base §10 are the store's. Streams stay keyed by name, which §10 allows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from reference_worlds.delegation import StreamStore
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = ["StreamsNamespace"]


class StreamsNamespace:
    """``world.streams`` (``worldspec.line5.protocol.Streams``, with ``write_multi``)."""

    def __init__(self, store: StreamStore) -> None:
        self._store = store

    async def write(self, run_id: str, name: str, chunk: str | bytes) -> None:
        await self._store.write_to_stream(name, run_id, chunk)

    async def write_multi(self, run_id: str, name: str, chunks: Sequence[str | bytes]) -> None:
        await self._store.write_to_stream_multi(name, run_id, list(chunks))

    async def close(self, run_id: str, name: str) -> None:
        await self._store.close_stream(name, run_id)

    def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._store.read_from_stream(name, start_index)

    async def list(self, run_id: str) -> Sequence[str]:
        return await self._store.list_streams_by_run_id(run_id)

    async def get_chunks(
        self, run_id: str, name: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        return await self._store.get_stream_chunks(name, run_id, limit=limit, cursor=cursor)

    async def get_info(self, run_id: str, name: str) -> StreamInfoResponse:
        return await self._store.get_stream_info(name, run_id)
