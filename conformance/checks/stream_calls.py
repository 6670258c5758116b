"""The stream calls of the suites, made with the members of the line the World is judged on.

The stream rules are the same on both lines; only the members moved (world-contract-v7.md §10).
A 4.x World has ``write_to_stream(name, run_id, chunk)``, ``close_stream``,
``read_from_stream(name, start)``, ``get_stream_chunks``, ``get_stream_info`` and
``list_streams_by_run_id``; a 5.x World has ``world.streams`` with the run first:
``write(run_id, name, chunk)``, ``close``, ``get(run_id, name, start)``, ``get_chunks``,
``get_info`` and ``list``. ``StreamCalls`` takes the suites' arguments once and calls the
member of the chosen line, so one test judges a rule on either line, and its failure messages
name the member the World was called through.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from typing import Any

from worldspec.lines import SpecLine
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = ["StreamCalls"]

_NAMES = {
    SpecLine.LINE_4: {
        "write": "write_to_stream",
        "close": "close_stream",
        "read": "read_from_stream",
        "chunks": "get_stream_chunks",
        "info": "get_stream_info",
        "list": "list_streams_by_run_id",
    },
    SpecLine.LINE_5: {
        "write": "streams.write",
        "close": "streams.close",
        "read": "streams.get",
        "chunks": "streams.get_chunks",
        "info": "streams.get_info",
        "list": "streams.list",
    },
}


class StreamCalls:
    """The stream members of ``world`` on ``line``, each taking ``(name, run_id, ...)``."""

    def __init__(self, world: Any, line: SpecLine) -> None:
        self._world = world
        self.line = line
        self.names = _NAMES[line]
        """The member each call goes through, as the World's author knows it (for messages)."""

    @property
    def names_share_a_stream(self) -> bool:
        """Whether a kit may judge one stream name written under two runIds: on the 4.x line a
        stream is keyed by name; on the 5.x line a World may key it by ``(runId, name)``."""
        return self.line is SpecLine.LINE_4

    async def write(self, name: str, run_id: str, chunk: str | bytes) -> None:
        if self.line is SpecLine.LINE_5:
            await self._world.streams.write(run_id, name, chunk)
        else:
            await self._world.write_to_stream(name, run_id, chunk)

    async def close(self, name: str, run_id: str) -> None:
        if self.line is SpecLine.LINE_5:
            await self._world.streams.close(run_id, name)
        else:
            await self._world.close_stream(name, run_id)

    def read(self, name: str, run_id: str, start_index: int | None = None) -> AsyncIterator[bytes]:
        """The stream's chunks from ``start_index``; without one the World's own default start
        applies (§10: 0), so a World whose default is another index shows it."""
        start = () if start_index is None else (start_index,)
        if self.line is SpecLine.LINE_5:
            chunks: AsyncIterator[bytes] = self._world.streams.get(run_id, name, *start)
        else:
            chunks = self._world.read_from_stream(name, *start)
        return chunks

    async def chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        if self.line is SpecLine.LINE_5:
            page: StreamChunksResponse = await self._world.streams.get_chunks(
                run_id, name, limit=limit, cursor=cursor
            )
        else:
            page = await self._world.get_stream_chunks(name, run_id, limit=limit, cursor=cursor)
        return page

    async def info(self, name: str, run_id: str) -> StreamInfoResponse:
        if self.line is SpecLine.LINE_5:
            found: StreamInfoResponse = await self._world.streams.get_info(run_id, name)
        else:
            found = await self._world.get_stream_info(name, run_id)
        return found

    async def list(self, run_id: str) -> Sequence[str]:
        if self.line is SpecLine.LINE_5:
            names: Sequence[str] = await self._world.streams.list(run_id)
        else:
            names = await self._world.list_streams_by_run_id(run_id)
        return names
