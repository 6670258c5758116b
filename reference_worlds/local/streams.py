"""Named append-only byte streams on disk (§10).

A stream is one log, ``streams/<name>.jsonl``: a first line ``{"stream": name}``, then one
line per chunk, ``{"chunk": {"$bytes": "<base64>"}}``, and a last line ``{"closed": true}``
once closed. Writes append under the stream's lock, after checking it is not closed, and are
fsynced. ``stream-runs/<runId>.jsonl`` lists the names written or closed with each run.

Live readers are woken at once by writes of this World instance and poll the log every
``POLL_SECONDS`` for writes of other processes.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import os
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from dataclasses import dataclass, field
from pathlib import Path

from reference_worlds.local.files import append_lines, read_committed
from reference_worlds.local.layout import Layout
from reference_worlds.local.locks import SectionLocks, finish_in_thread
from reference_worlds.paging import chunk_page
from worldspec import errors
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = ["FileStreams"]

POLL_SECONDS = 0.05


@dataclass
class _Stream:
    """A stream's log as read so far."""

    offset: int = 0
    lines: int = 0
    chunks: list[bytes] = field(default_factory=list)
    closed: bool = False
    changed: asyncio.Event = field(default_factory=asyncio.Event)


def _line(document: object) -> bytes:
    return (json.dumps(document, ensure_ascii=False) + "\n").encode("utf-8", "surrogatepass")


def _chunk_line(chunk: str | bytes) -> bytes:
    data = chunk.encode("utf-8", "surrogatepass") if isinstance(chunk, str) else bytes(chunk)
    return _line({"chunk": {"$bytes": base64.b64encode(data).decode("ascii")}})


def _names_in(path: Path) -> list[str]:
    """The stream names listed in a ``stream-runs`` file, each once, in order."""
    lines, _ = read_committed(path, 0)
    names: list[str] = []
    for line in lines:
        try:
            name = json.loads(line)
        except ValueError:
            continue
        if isinstance(name, str) and name not in names:
            names.append(name)
    return names


class FileStreams:
    """The stream half of a LocalWorld."""

    def __init__(self, layout: Layout, locks: SectionLocks, executor: Executor) -> None:
        self._layout = layout
        self._locks = locks
        self._executor = executor
        self._streams: dict[str, _Stream] = {}

    def _current(self, name: str) -> _Stream:
        stream = self._streams.setdefault(name, _Stream())
        path = self._layout.stream_log(name)
        try:
            lines, _ = read_committed(path, stream.offset)
            for line in lines:
                document = json.loads(line)
                if "chunk" in document:
                    stream.chunks.append(base64.b64decode(document["chunk"]["$bytes"], validate=True))
                elif document.get("closed") is True:
                    stream.closed = True
                stream.offset += len(line) + 1
                stream.lines += 1
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise errors.WorkflowWorldError(f"unreadable stream log {path}: {error}", status=500) from None
        return stream

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        """Append ``chunk`` (a str as UTF-8); writes after close are dropped."""
        await self.write_to_stream_multi(name, run_id, [chunk])

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        """Append ``chunks`` in order, durably, in one write."""
        await self._append(name, run_id, b"".join(_chunk_line(chunk) for chunk in chunks))

    async def close_stream(self, name: str, run_id: str) -> None:
        """Close the stream, even an empty one."""
        await self._append(name, run_id, _line({"closed": True}))

    async def _append(self, name: str, run_id: str, data: bytes) -> None:
        async with self._locks.hold(self._layout.stream_lock(name)):
            stream = self._current(name)
            if stream.closed:
                return
            header = _line({"stream": name}) if stream.lines == 0 else b""
            await finish_in_thread(self._executor, self._write, name, run_id, stream.offset, header + data)
            self._current(name).changed.set()

    def _write(self, name: str, run_id: str, committed: int, data: bytes) -> None:
        try:
            append_lines(self._layout.stream_log(name), committed, data)
            self._remember_run(name, run_id)
        except OSError as error:
            raise errors.WorkflowWorldError(f"storage failed: {error}", status=500) from None

    def _remember_run(self, name: str, run_id: str) -> None:
        """Add ``name`` to the run's stream list unless it is there. One ``O_APPEND`` write per
        line, so processes appending at once never interleave; each write starts with a newline,
        so a line torn by a crash ends there and is skipped on read."""
        path = self._layout.streams_of_run(run_id)
        if name in _names_in(path):
            return
        descriptor = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(descriptor, b"\n" + _line(name))
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        """Yield non-empty chunks from ``start_index`` (negative: from the end), live, until close."""
        stream = self._current(name)
        index = max(0, len(stream.chunks) + start_index) if start_index < 0 else start_index
        while True:
            stream.changed.clear()
            stream = self._current(name)
            while index < len(stream.chunks):
                chunk = stream.chunks[index]
                index += 1
                if chunk:
                    yield chunk
            if stream.closed:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stream.changed.wait(), POLL_SECONDS)

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        """Names written or closed with ``run_id``, first use first."""
        return _names_in(self._layout.streams_of_run(run_id))

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        """A snapshot page of chunks, zero-length ones included."""
        stream = self._current(name)
        return chunk_page(stream.chunks, stream.closed, limit=limit, cursor=cursor)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        """Index of the last chunk (-1 when none) and whether the stream is closed."""
        stream = self._current(name)
        return StreamInfoResponse(tail_index=len(stream.chunks) - 1, done=stream.closed)
