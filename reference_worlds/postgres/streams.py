"""Named append-only byte streams in PostgreSQL (contract §10), read live through LISTEN/NOTIFY.

``streams`` holds each stream's chunk count and whether it is closed; ``stream_chunks`` the
chunks, indexed from 0; ``stream_runs`` which run ids wrote or closed which streams. A write is
one statement: it bumps the count of a stream that is not closed, inserts the chunks at the old
count and notifies readers, so concurrent writers never share an index and a write after close
matches no stream row and stores nothing (§10 only asks that it never become visible).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Final

from psycopg_pool import AsyncConnectionPool

from reference_worlds.paging import DEFAULT_CHUNK_PAGE, MAX_LIMIT, decode_cursor, encode_cursor
from reference_worlds.postgres.codec import check_key, is_storable_text
from reference_worlds.postgres.notifier import Notifier
from worldspec import errors
from worldspec.streams import StreamChunk, StreamChunksResponse, StreamInfoResponse

__all__ = ["PostgresStreams"]

READ_BATCH: Final = 100
POLL_SECONDS: Final = 1.0
"""How long a live reader waits for a notification before it looks again anyway."""

_WRITE: Final = """
WITH grown AS (
    INSERT INTO streams AS s (name, chunk_count) VALUES (%(name)s, %(count)s)
    ON CONFLICT (name) DO UPDATE SET chunk_count = s.chunk_count + %(count)s WHERE NOT s.closed
    RETURNING chunk_count - %(count)s AS first_index
),
stored AS (
    INSERT INTO stream_chunks (name, chunk_index, data)
    SELECT %(name)s, grown.first_index + chunk.ordinality - 1, chunk.data
    FROM grown, unnest(%(chunks)s::bytea[]) WITH ORDINALITY AS chunk (data, ordinality)
    RETURNING chunk_index
),
owner AS (
    INSERT INTO stream_runs (run_id, name) VALUES (%(run_id)s, %(name)s) ON CONFLICT DO NOTHING
)
SELECT pg_notify(%(channel)s, %(name)s) FROM grown
"""
_CLOSE: Final = """
WITH closed AS (
    INSERT INTO streams AS s (name, closed) VALUES (%(name)s, true)
    ON CONFLICT (name) DO UPDATE SET closed = true
    RETURNING name
),
owner AS (
    INSERT INTO stream_runs (run_id, name) VALUES (%(run_id)s, %(name)s) ON CONFLICT DO NOTHING
)
SELECT pg_notify(%(channel)s, %(name)s) FROM closed
"""
_READ: Final = """
SELECT s.chunk_count, s.closed, c.chunk_index, c.data
FROM (SELECT %(name)s::text AS name) wanted
LEFT JOIN streams s ON s.name = wanted.name
LEFT JOIN LATERAL (
    SELECT chunk_index, data FROM stream_chunks
    WHERE stream_chunks.name = wanted.name AND chunk_index >= %(start)s AND chunk_index < s.chunk_count
    ORDER BY chunk_index LIMIT %(limit)s
) c ON true
ORDER BY c.chunk_index
"""


def _check_names(name: str, run_id: str) -> None:
    check_key("stream name", name)
    check_key("runId", run_id)


class PostgresStreams:
    """The stream half of a PostgresWorld; ``channel`` is the World's stream notification channel."""

    def __init__(self, pool: AsyncConnectionPool[Any], notifier: Notifier, channel: str) -> None:
        self._pool = pool
        self._notifier = notifier
        self._channel = channel

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        """Append ``chunk`` (a str as UTF-8); writes after close are dropped."""
        await self.write_to_stream_multi(name, run_id, [chunk])

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        """Append ``chunks`` in order, in one statement, as sequential writes would."""
        _check_names(name, run_id)
        data = [c.encode("utf-8", "surrogatepass") if isinstance(c, str) else bytes(c) for c in chunks]
        if not data:
            return
        params = {
            "name": name,
            "run_id": run_id,
            "count": len(data),
            "chunks": data,
            "channel": self._channel,
        }
        async with self._pool.connection() as conn:
            await conn.execute(_WRITE, params)

    async def close_stream(self, name: str, run_id: str) -> None:
        """Close the stream, even an empty one."""
        _check_names(name, run_id)
        async with self._pool.connection() as conn:
            await conn.execute(_CLOSE, {"name": name, "run_id": run_id, "channel": self._channel})

    async def _read(self, name: str, start: int, limit: int) -> tuple[int, bool, list[tuple[int, bytes]]]:
        """The stream's chunk count, whether it is closed, and up to ``limit`` chunks from
        ``start``, all from one snapshot."""
        async with self._pool.connection() as conn:
            cursor = await conn.execute(_READ, {"name": name, "start": start, "limit": limit}, binary=True)
            rows = await cursor.fetchall()
        count, closed = rows[0][0] or 0, bool(rows[0][1])
        return count, closed, [(index, data) for _, _, index, data in rows if index is not None]

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        """Yield non-empty chunks from ``start_index`` (negative: from the end), live, until close."""
        if not is_storable_text(name):
            raise errors.WorkflowWorldError(f"stream name {name[:60]!r} cannot be stored", status=400)
        with self._notifier.subscribe(self._channel, name) as wakeup:
            index = start_index
            if start_index < 0:
                count, _, _ = await self._read(name, 0, 0)
                index = max(0, count + start_index)
            count, closed, chunks = await self._read(name, index, READ_BATCH)
            while True:
                for chunk_index, data in chunks:
                    index = chunk_index + 1
                    if data:
                        yield bytes(data)
                if closed and index >= count:
                    return
                if not chunks:
                    await wakeup.wait(POLL_SECONDS)
                count, closed, chunks = await self._read(name, index, READ_BATCH)

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        """Names written or closed with ``run_id``, in the order first seen."""
        if not is_storable_text(run_id):
            return []
        async with self._pool.connection() as conn:
            cursor = await conn.execute(
                "SELECT name FROM stream_runs WHERE run_id = %s ORDER BY seq", (run_id,)
            )
            return [row[0] for row in await cursor.fetchall()]

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        """A snapshot page of chunks, zero-length ones included."""
        start = 0
        if cursor:
            after = decode_cursor(cursor)
            if not isinstance(after, int) or isinstance(after, bool):
                raise errors.WorkflowWorldError(f"unusable cursor {cursor[:40]!r}", status=400)
            start = after + 1
        size = max(1, min(MAX_LIMIT, limit or DEFAULT_CHUNK_PAGE))
        count, closed, chunks = (
            (0, False, []) if not is_storable_text(name) else await self._read(name, start, size)
        )
        has_more = start + len(chunks) < count
        return StreamChunksResponse(
            data=[StreamChunk(index=index, data=bytes(data)) for index, data in chunks],
            cursor=encode_cursor(chunks[-1][0]) if has_more else None,
            has_more=has_more,
            done=closed and not has_more,
        )

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        """Index of the last chunk (-1 when none) and whether the stream is closed."""
        count, closed = 0, False
        if is_storable_text(name):
            count, closed, _ = await self._read(name, 0, 0)
        return StreamInfoResponse(tail_index=count - 1, done=closed)
