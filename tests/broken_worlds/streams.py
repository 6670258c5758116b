"""Broken Worlds for the stream invariants (STRM, §10): each overrides the World's own stream
methods."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator
from typing import Any

from tests.broken_worlds.base import BrokenWorld
from worldspec.streams import StreamChunk, StreamChunksResponse, StreamInfoResponse

POLL_SECONDS = 0.01


class EmptyStreamNeverDone(BrokenWorld, breaks={"STRM-001"}):
    """``get_stream_info`` says ``done: false`` for a stream without data chunks, closed or not."""

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        info = await super().get_stream_info(name, run_id)
        return info if info.tail_index >= 0 else info.model_copy(update={"done": False})


class WritesAfterCloseVisible(BrokenWorld, breaks={"STRM-002"}):
    """Appends chunks written after close (after the end marker, as a careless log would)."""

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        if (await self.get_stream_info(name, run_id)).done:
            self._streams._streams[name].chunks.append(chunk.encode() if isinstance(chunk, str) else chunk)
            return
        await super().write_to_stream(name, run_id, chunk)


class StreamReadsReversed(BrokenWorld, breaks={"STRM-003", "STRM-005"}):
    """Yields a stream's chunks in reverse order."""

    async def _reversed(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        chunks = [chunk async for chunk in super().read_from_stream(name, start_index)]
        for chunk in reversed(chunks):
            yield chunk

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._reversed(name, start_index)


class NegativeStartReadsFromTheBeginning(BrokenWorld, breaks={"STRM-004"}):
    """``read_from_stream`` treats a negative start index as 0."""

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return super().read_from_stream(name, max(0, start_index))


class ReaderSeesOnlyChunksPresentAtOpen(BrokenWorld, breaks={"STRM-005"}):
    """``read_from_stream`` yields the chunks present when it was opened, once the stream is
    closed: a reader that came first sees nothing live."""

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


class LastChunkPageHasCursor(BrokenWorld, breaks={"STRM-006"}):
    """``get_stream_chunks`` gives a cursor on the last page too."""

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> Any:
        page = await super().get_stream_chunks(name, run_id, limit=limit, cursor=cursor)
        return page if page.has_more else page.model_copy(update={"cursor": "end"})


class ClosedOnlyStreamsUnlisted(BrokenWorld, breaks={"STRM-007"}):
    """``list_streams_by_run_id`` leaves out streams that were closed but never written."""

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        names = await super().list_streams_by_run_id(run_id)
        return [name for name in names if (await self.get_stream_info(name, run_id)).tail_index >= 0]


class StreamNamesNormalised(BrokenWorld, breaks={"STRM-007"}):
    """Keys streams by the NFC form of their name, as a file system that normalises file names
    does (so a name in NFD and its NFC twin are one stream), and lists the stored form."""

    @staticmethod
    def stored(name: str) -> str:
        return unicodedata.normalize("NFC", name)

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        await super().write_to_stream(self.stored(name), run_id, chunk)

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        await super().write_to_stream_multi(self.stored(name), run_id, chunks)

    async def close_stream(self, name: str, run_id: str) -> None:
        await super().close_stream(self.stored(name), run_id)

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return super().read_from_stream(self.stored(name), start_index)

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        return await super().get_stream_chunks(self.stored(name), run_id, limit=limit, cursor=cursor)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        return await super().get_stream_info(self.stored(name), run_id)


class ChunksOrderedAsText(BrokenWorld, breaks={"STRM-006"}):
    """Keeps each chunk in a file named for its index and pages ``get_stream_chunks`` through
    the directory listing sorted by name, so chunk 10 comes before chunk 2 (the read path
    follows the tail index and is right)."""

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        everything = await super().get_stream_chunks(name, run_id, limit=1000)
        by_file_name = sorted(everything.data, key=lambda chunk: f"chunk-{chunk.index}")
        start, size = int(cursor or 0), limit or 100
        page = by_file_name[start : start + size]
        more = start + size < len(by_file_name)
        return StreamChunksResponse(
            data=[StreamChunk(index=start + offset, data=chunk.data) for offset, chunk in enumerate(page)],
            cursor=str(start + size) if more else None,
            has_more=more,
            done=everything.done,
        )


class ChunkPagesIgnoreTheLimit(BrokenWorld, breaks={"STRM-006"}):
    """``get_stream_chunks`` pages by its own 100 whatever ``limit`` the caller asks for (the
    author hard-coded the page size); the pages still join to every chunk."""

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        return await super().get_stream_chunks(name, run_id, cursor=cursor)


class ChunksOfAnUnwrittenStreamRaise(BrokenWorld, breaks={"STRM-006"}):
    """``get_stream_chunks`` looks the stream up as ``streams[name]``, so a stream nothing was
    written to raises ``KeyError`` instead of listing as one empty page."""

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        if name not in self._streams._streams:
            raise KeyError(name)
        return await super().get_stream_chunks(name, run_id, limit=limit, cursor=cursor)


class ReadsStartAtOneByDefault(BrokenWorld, breaks={"STRM-003", "STRM-005"}):
    """``read_from_stream`` defaults its start to 1, as if chunk indices began there, so a read
    without a start index misses the first chunk (an explicit start is honoured)."""

    def read_from_stream(self, name: str, start_index: int = 1) -> AsyncIterator[bytes]:
        return super().read_from_stream(name, start_index)
