"""Broken Worlds for the stream invariants (STRM, §10): each overrides the World's own stream
methods."""

from __future__ import annotations

import asyncio
import unicodedata
from collections.abc import AsyncIterator
from typing import Any, ClassVar

from reference_worlds.paging import chunk_page, encode_cursor
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


class ReaderSeesOnlyChunksPresentAtOpen(BrokenWorld, breaks={"STRM-004", "STRM-005"}):
    """``read_from_stream`` yields the chunks present when it was opened, once the stream is
    closed: a reader that came first sees nothing live, and one opened from an index of a
    stream still open never sees the chunks written after (STRM-004)."""

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


class ChunksOrderedAsText(BrokenWorld, breaks={"STRM-003", "STRM-006"}):
    """Keeps each chunk in a file named for its index and reads a closed stream, and pages
    ``get_stream_chunks``, through the directory listing sorted by name, so chunk 10 comes
    before chunk 2 (a stream still open is read as it is written, and is right)."""

    async def _by_file_name(self, name: str, run_id: str) -> tuple[list[StreamChunk], bool]:
        everything = await super().get_stream_chunks(name, run_id, limit=1000)
        return sorted(everything.data, key=lambda chunk: f"chunk-{chunk.index}"), everything.done

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._read_listing(name, start_index)

    async def _read_listing(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        listing, done = await self._by_file_name(name, "")
        if not done:
            async for chunk in super().read_from_stream(name, start_index):
                yield chunk
            return
        start = max(0, len(listing) + start_index) if start_index < 0 else start_index
        for chunk in listing[start:]:
            if chunk.data:
                yield chunk.data

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        by_file_name, done = await self._by_file_name(name, run_id)
        start, size = int(cursor or 0), limit or 100
        page = by_file_name[start : start + size]
        more = start + size < len(by_file_name)
        return StreamChunksResponse(
            data=[StreamChunk(index=start + offset, data=chunk.data) for offset, chunk in enumerate(page)],
            cursor=str(start + size) if more else None,
            has_more=more,
            done=done,
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


class StartIndexCountsOnlyDataChunks(BrokenWorld, breaks={"STRM-004"}):
    """``read_from_stream`` skips zero-length chunks before it applies the start index (its
    query filters ``length(data) > 0`` and then offsets), so on a stream holding empty chunks
    a start index, negative or not, lands later than the chunk of that index."""

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._skipping(name, start_index)

    async def _skipping(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        present = [chunk for chunk in getattr(self._streams._streams.get(name), "chunks", []) if chunk]
        skip = max(0, len(present) + start_index) if start_index < 0 else start_index
        async for chunk in super().read_from_stream(name, 0):
            if skip > 0:
                skip -= 1
                continue
            yield chunk


class ChunkPagesSayHasMoreWhenFull(BrokenWorld, breaks={"STRM-006"}):
    """``get_stream_chunks`` computes ``hasMore`` as ``len(page) == limit``, so a page that
    ends exactly at the last chunk of a closed stream says more remain (with a cursor and
    ``done: false``) and the caller fetches one more, empty, page."""

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        page = await super().get_stream_chunks(name, run_id, limit=limit, cursor=cursor)
        if page.has_more or len(page.data) != (limit or 100):
            return page
        after = encode_cursor(page.data[-1].index)
        return page.model_copy(update={"has_more": True, "cursor": after, "done": False})


class StreamNamesListedPerWrite(BrokenWorld, breaks={"STRM-007"}):
    """``list_streams_by_run_id`` selects the stream name of every chunk row written with the
    runId (no ``DISTINCT``), so a stream written three times is listed three times."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.rows: dict[str, list[str]] = {}

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        self.rows.setdefault(run_id, []).append(name)
        await super().write_to_stream(name, run_id, chunk)

    async def close_stream(self, name: str, run_id: str) -> None:
        if name not in self.rows.get(run_id, []):
            self.rows.setdefault(run_id, []).append(name)
        await super().close_stream(name, run_id)

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        return list(self.rows.get(run_id, []))


STREAM_ROW_BYTES = 65_536
"""The largest chunk StoresChunksIn64KiBRows keeps in one row."""


class StoresChunksIn64KiBRows(BrokenWorld, breaks={"STRM-006"}, only="streams"):
    """Keeps each chunk in a row of at most 64 KiB and writes a larger chunk as several rows,
    each counted as a chunk: the bytes read back joined are right, but every later index moves."""

    row_bytes: ClassVar[int] = STREAM_ROW_BYTES

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        rows: list[str | bytes] = []
        for chunk in chunks:
            data = chunk.encode() if isinstance(chunk, str) else bytes(chunk)
            rows += [data[start : start + self.row_bytes] for start in range(0, len(data), self.row_bytes)]
            rows += [data] if not data else []
        await super().write_to_stream_multi(name, run_id, rows)

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        await self.write_to_stream_multi(name, run_id, [chunk])


class PublishesChunksIn1MiBFrames(StoresChunksIn64KiBRows, breaks={"STRM-006"}, only="streams"):
    """Publishes each chunk as a message of a broker whose frames hold at most 1 MiB (NATS'
    default ``max_payload``) and sends a larger chunk as several messages, each read back as a
    chunk of its own: every index after it moves."""

    row_bytes = 1024 * 1024


class ChunkKeysScannedByNamePrefix(BrokenWorld, breaks={"STRM-007"}):
    """Keeps chunk ``i`` of stream ``n`` under the key ``n:i`` and finds a stream's chunks with
    the pattern ``n:*``, so the chunks of a stream named ``n:more`` are read, paged and counted
    as chunks of ``n`` too (after its own)."""

    def _sharing(self, name: str) -> list[str]:
        return [name, *sorted(other for other in self._streams._streams if other.startswith(f"{name}:"))]

    def _scanned(self, name: str) -> list[bytes]:
        streams = self._streams._streams
        return [chunk for key in self._sharing(name) if key in streams for chunk in streams[key].chunks]

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._scan_reader(name, start_index)

    async def _scan_reader(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        if len(self._sharing(name)) == 1 or not (await super().get_stream_info(name, "")).done:
            async for chunk in super().read_from_stream(name, start_index):
                yield chunk
            return
        scanned = self._scanned(name)
        start = max(0, len(scanned) + start_index) if start_index < 0 else start_index
        for chunk in scanned[start:]:
            if chunk:
                yield chunk

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        done = (await super().get_stream_info(name, run_id)).done
        return chunk_page(self._scanned(name), done, limit=limit, cursor=cursor)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        info = await super().get_stream_info(name, run_id)
        return info.model_copy(update={"tail_index": len(self._scanned(name)) - 1})


class SubscribesAfterTheBacklog(BrokenWorld, breaks={"STRM-004"}):
    """``read_from_stream`` reads the chunks already written (``LRANGE``), hands them out, and
    only then subscribes to the stream's channel for new ones: a chunk written while its
    reader was still handing out the backlog was published to no one and is never read."""

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return self._backlog_then_live(name, start_index)

    async def _backlog_then_live(self, name: str, start_index: int) -> AsyncIterator[bytes]:
        backlog = await self.get_stream_chunks(name, "", limit=1000)
        present = [chunk.data for chunk in backlog.data]
        start = max(0, len(present) + start_index) if start_index < 0 else start_index
        for data in present[start:]:
            if data:
                yield data
        if backlog.done:
            return
        subscribed = await self.get_stream_info(name, "")
        async for chunk in super().read_from_stream(name, max(start, subscribed.tail_index + 1)):
            yield chunk
