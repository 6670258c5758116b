"""Streams (§10): named append-only byte streams, judged through the members of the World's
line (``conformance.checks.stream_calls``): the 4.x stream methods, or ``world.streams``."""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import AsyncIterator
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, returns
from conformance.checks.stream_calls import StreamCalls
from conformance.world.capabilities import capabilities_of
from worldspec.capabilities import Capability
from worldspec.errors import WorkflowError
from worldspec.lines import SpecLine
from worldspec.protocol import World

READ_TIMEOUT = 10.0
TEXT_ORDER_CHUNKS = 12
"""Chunks STRM-003 writes before its last: past index 10, where text order differs from number
order."""


@invariant("STRM-003", requires=Capability.STREAMS)
async def test_read_returns_chunks_byte_exact_in_order(world: World, world_line: SpecLine) -> None:
    """``read_from_stream`` without a start index yields the non-empty chunks byte-exact
    (strings as UTF-8), from the first, in write order, and ends at close; past index 10 too,
    where ordering chunk indices as text puts chunk 10 before chunk 2. On the 4.x line, a World
    with ``write_to_stream_multi`` is read the same after writing all but the first and last
    chunk in one ``write_to_stream_multi`` (the 5.x line judges ``writeMulti`` by STRM-102)."""
    streams = StreamCalls(world, world_line)
    chunks: list[str | bytes] = [b"\x00", bytes(range(256)), "héllo ✓", b"\xff" * 70_000, b""]
    chunks += [f"chunk {index}".encode() for index in range(len(chunks), TEXT_ORDER_CHUNKS)] + [b"end"]
    expected = [c.encode() if isinstance(c, str) else c for c in chunks if c]
    ways = ["one write_to_stream a chunk"]
    if world_line is SpecLine.LINE_4 and capabilities_of(world).has(Capability.WRITE_TO_STREAM_MULTI):
        ways.append("write_to_stream_multi for all but the first and last chunk")
    for way in ways:
        name, run_id = f"strm_{make.new_id('s')}", make.new_id("wrun")
        if way == ways[0]:
            for chunk in chunks:
                await returns(streams.write(name, run_id, chunk), streams.names["write"])
        else:
            multi: Any = cast(Any, world).write_to_stream_multi
            await returns(streams.write(name, run_id, chunks[0]), streams.names["write"])
            await returns(multi(name, run_id, chunks[1:-1]), "write_to_stream_multi")
            await returns(streams.write(name, run_id, chunks[-1]), streams.names["write"])
        await returns(streams.close(name, run_id), streams.names["close"])
        got = await _read_closed(streams, name, run_id)
        if b"".join(got) != b"".join(expected):
            fail(
                f"the chunks come back byte-exact and in order (written with {way})",
                "returned other bytes",
                ("written", expected),
                ("read", got),
            )
        if any(not chunk for chunk in got):
            fail("zero-length chunks are not emitted", "emitted one", ("read", got))


async def _read_closed(streams: StreamCalls, name: str, run_id: str) -> list[bytes]:
    """Every chunk of a closed stream, read without a start index; it must end in
    ``READ_TIMEOUT``."""

    async def read_all() -> list[bytes]:
        return [chunk async for chunk in streams.read(name, run_id)]

    try:
        return await asyncio.wait_for(read_all(), READ_TIMEOUT)
    except TimeoutError:
        fail(f"reading a closed stream ends within {READ_TIMEOUT:.0f} s", "kept the reader waiting")


LIVE_TIMEOUT = 5.0
"""Seconds a live reader may take to see a chunk, or the end of a closed stream. The contract
sets no bound; a reader that polls storage (world-local polls every 0.1 s, a SQL World without
LISTEN every second or two) sees a chunk up to a poll later. Only a reader that never sees it
waits this out."""


def _stream_name() -> str:
    return values.stream_name()


def _as_bytes(chunk: str | bytes) -> bytes:
    return chunk.encode() if isinstance(chunk, str) else chunk


async def _read(streams: StreamCalls, name: str, run_id: str, start_index: int = 0) -> list[bytes]:
    """Every chunk a read of the stream yields; the stream must end within ``LIVE_TIMEOUT``."""

    async def read_all() -> list[bytes]:
        return [chunk async for chunk in streams.read(name, run_id, start_index)]

    try:
        return await asyncio.wait_for(read_all(), LIVE_TIMEOUT)
    except TimeoutError:
        fail(
            f"{streams.names['read']} of closed stream {name!r} from {start_index} "
            f"ends within {LIVE_TIMEOUT:.0f} s",
            "kept the reader waiting",
        )


async def _info(streams: StreamCalls, name: str, run_id: str, tail_index: int, done: bool, when: str) -> None:
    info = await returns(streams.info(name, run_id), streams.names["info"])
    if info.tail_index != tail_index or info.done is not done:
        fail(
            f"{streams.names['info']} {when} is {{tailIndex: {tail_index}, done: {str(done).lower()}}}",
            f"returned {{tailIndex: {info.tail_index}, done: {str(info.done).lower()}}}",
        )


@invariant("STRM-001", requires=Capability.STREAMS)
async def test_info_of_streams_without_data(world: World, world_line: SpecLine) -> None:
    """``get_stream_info`` of a stream never written is ``{tailIndex: -1, done: false}``, and of
    a stream closed without any chunk ``{tailIndex: -1, done: true}``."""
    streams = StreamCalls(world, world_line)
    run_id = make.new_id("wrun")
    await _info(streams, _stream_name(), run_id, -1, False, "of a stream never written")
    closed = _stream_name()
    await returns(streams.close(closed, run_id), streams.names["close"])
    await _info(streams, closed, run_id, -1, True, "of a stream closed empty")


@invariant("STRM-002", requires=Capability.STREAMS)
async def test_tail_index_and_close(world: World, world_line: SpecLine) -> None:
    """After n writes (a zero-length one included) ``tailIndex`` is n-1 and ``done`` false; after
    close, ``done`` is true; writes after close never become visible to get_stream_info,
    get_stream_chunks or read_from_stream (they may be refused). Chunk order is STRM-003's."""
    streams = StreamCalls(world, world_line)
    name, run_id = _stream_name(), make.new_id("wrun")
    chunks: list[str | bytes] = [b"one", b"", "three", b"\x04"]
    for chunk in chunks:
        await returns(streams.write(name, run_id, chunk), streams.names["write"])
    await _info(streams, name, run_id, len(chunks) - 1, False, f"after {len(chunks)} writes")
    await returns(streams.close(name, run_id), streams.names["close"])
    await _info(streams, name, run_id, len(chunks) - 1, True, "after close")
    for late in (b"late", "later"):
        with contextlib.suppress(Exception):
            await streams.write(name, run_id, late)
    await _info(streams, name, run_id, len(chunks) - 1, True, "after writes to the closed stream")
    page = await returns(streams.chunks(name, run_id, limit=100), streams.names["chunks"])
    if sorted(chunk.data for chunk in page.data) != sorted(_as_bytes(c) for c in chunks):
        rule = f"{streams.names['chunks']} shows only the chunks written before close"
        fail(rule, "showed others", ("page", page))
    read = await _read(streams, name, run_id)
    if sorted(read) != sorted(_as_bytes(c) for c in chunks if c):
        rule = f"{streams.names['read']} yields only the chunks written before close"
        fail(rule, "yielded others", ("read", read))


@invariant("STRM-004", requires=Capability.STREAMS)
async def test_read_from_a_start_index(world: World, world_line: SpecLine) -> None:
    """On a closed stream of n chunks, two of them zero-length, ``read_from_stream`` from ``-k``
    yields the non-empty chunks from index ``max(0, n-k)``, from ``i`` those from index ``i``,
    and from ``i >= n`` nothing; it ends. Zero-length chunks count for the indices, though not
    emitted. On a stream still open, a reader from ``i`` (an index already written) yields the
    chunks from ``i`` and those written after, and ends at close, also when its caller takes
    the first chunk, then writes more and closes the stream before it asks for the next (a
    reader that hands out what it found and only then listens loses what came in between).
    (Their order is STRM-003's.)"""
    streams = StreamCalls(world, world_line)
    name, run_id = _stream_name(), make.new_id("wrun")
    chunks = [b"chunk 0", b"", b"chunk 2", b"chunk 3", b"", b"chunk 5", b"chunk 6"]
    for chunk in chunks:
        await returns(streams.write(name, run_id, chunk), streams.names["write"])
    open_name = _stream_name()
    for chunk in chunks:
        await returns(streams.write(open_name, run_id, chunk), streams.names["write"])
    await returns(streams.close(name, run_id), streams.names["close"])
    for start in (-2, -3, -5, -7, -9, 0, 1, 2, 4, 6, 7, 9):
        first = max(0, len(chunks) + start) if start < 0 else start
        expected = [chunk for chunk in chunks[first:] if chunk]
        got = await _read(streams, name, run_id, start)
        if sorted(got) != sorted(expected):
            fail(
                f"{streams.names['read']} from {start} on a closed stream of {len(chunks)} chunks "
                f"(indices 1 and 4 zero-length) yields the non-empty chunks from index {first}",
                "yielded others",
                ("written", chunks),
                ("expected", expected),
                ("read", got),
            )
    later = [b"chunk 7", b"", b"chunk 9"]
    lazy = aiter(streams.read(open_name, run_id, 0))
    readers = {start: asyncio.create_task(_read_all(streams, open_name, run_id, start)) for start in (2, 5)}
    try:
        first_chunk = await _first_chunk(lazy)
        await asyncio.sleep(0.05)
        for chunk in later:
            await returns(streams.write(open_name, run_id, chunk), streams.names["write"])
        await returns(streams.close(open_name, run_id), streams.names["close"])
        if first_chunk is not None:
            await _rest_of_a_paused_read(streams, lazy, first_chunk, [c for c in chunks + later if c])
        for start, reader in readers.items():
            try:
                got = await asyncio.wait_for(asyncio.shield(reader), LIVE_TIMEOUT)
            except TimeoutError:
                fail(
                    f"{streams.names['read']} from {start}, opened while the stream was open, ends "
                    f"within {LIVE_TIMEOUT:.0f} s of close",
                    "kept the reader waiting",
                )
            expected = [chunk for chunk in (chunks + later)[start:] if chunk]
            if sorted(got) != sorted(expected):
                fail(
                    f"{streams.names['read']} from {start}, opened on a stream of {len(chunks)} chunks "
                    f"still open, yields the non-empty chunks from index {start} and the ones written "
                    "after",
                    "yielded others",
                    ("written before", chunks),
                    ("written after", later),
                    ("expected", expected),
                    ("read", got),
                )
    finally:
        for reader in readers.values():
            reader.cancel()
        for reader in readers.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await reader
        with contextlib.suppress(Exception):
            await lazy.aclose()  # type: ignore[attr-defined]


async def _first_chunk(lazy: AsyncIterator[bytes]) -> bytes | None:
    """The first chunk a reader from 0 of a stream still open yields, or ``None`` when it
    yields none while the stream is open (a reader that is not live: STRM-005's to judge)."""
    try:
        return await asyncio.wait_for(anext(lazy), LIVE_TIMEOUT)
    except (TimeoutError, StopAsyncIteration):
        return None


async def _rest_of_a_paused_read(
    streams: StreamCalls, lazy: AsyncIterator[bytes], first: bytes, expected: list[bytes]
) -> None:
    """The chunks a reader yields after it was paused (its caller took ``first``, then wrote
    more chunks and closed the stream before asking for the next) are the rest of ``expected``:
    a reader that hands out what was written when it opened and only then listens for new
    chunks loses those written while it was paused."""
    try:
        rest = await asyncio.wait_for(_drain(lazy), LIVE_TIMEOUT)
    except TimeoutError:
        fail(
            f"{streams.names['read']} from 0, paused after its first chunk while the stream was "
            f"written and closed, ends within {LIVE_TIMEOUT:.0f} s of close",
            "kept the reader waiting",
        )
    got = [first, *rest]
    if sorted(got) != sorted(expected):
        fail(
            f"{streams.names['read']} from 0, paused after its first chunk while more chunks were "
            "written and the stream closed, yields every non-empty chunk, those written while it "
            "was paused included",
            "yielded others",
            ("expected", expected),
            ("read", got),
        )


async def _drain(chunks: AsyncIterator[bytes]) -> list[bytes]:
    return [chunk async for chunk in chunks]


async def _read_all(streams: StreamCalls, name: str, run_id: str, start_index: int) -> list[bytes]:
    return [chunk async for chunk in streams.read(name, run_id, start_index)]


@invariant("STRM-005", requires=Capability.STREAMS)
async def test_reader_opened_first_reads_live(world: World, world_line: SpecLine) -> None:
    """A reader opened before any write receives each chunk while the stream is still open
    (within 5 s of its write), skips a zero-length one, and ends when the stream is closed."""
    streams = StreamCalls(world, world_line)
    name, run_id = _stream_name(), make.new_id("wrun")
    received: asyncio.Queue[bytes | None] = asyncio.Queue()

    async def reader() -> None:
        async for chunk in streams.read(name, run_id):
            await received.put(chunk)
        await received.put(None)

    task = asyncio.create_task(reader())
    try:
        await asyncio.sleep(0.05)
        for chunk in (b"first", "second", b"", b"\x00third"):
            await returns(streams.write(name, run_id, chunk), streams.names["write"])
            if not chunk:
                continue
            got = await _next_live(received, f"the chunk {chunk!r} written while it waits")
            if got != _as_bytes(chunk):
                fail(
                    "the live reader receives each chunk as written", f"received {got!r}", ("written", chunk)
                )
        await returns(streams.close(name, run_id), streams.names["close"])
        end = await _next_live(received, "the end of the stream at close")
        if end is not None:
            fail("the live reader ends at close", f"received {end!r} instead")
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def _next_live(received: asyncio.Queue[bytes | None], what: str) -> bytes | None:
    try:
        return await asyncio.wait_for(received.get(), LIVE_TIMEOUT)
    except TimeoutError:
        fail(f"a reader opened before the writes receives {what} within {LIVE_TIMEOUT:.0f} s", "it did not")


CHUNKS = 106
"""Chunks STRM-006 writes: past 10 and past the default page."""
DEFAULT_CHUNK_PAGE = 100
"""§10: ``get_stream_chunks`` pages by 100 when no limit is given."""
PAST_64_KIB = values.LARGE_BYTES[:70_000]
"""One chunk longer than a 64 KiB row or buffer: a World that stores it as several chunks (or
cuts it) shifts every later index."""


@invariant("STRM-006", requires=Capability.STREAMS)
async def test_chunk_pages_join_to_all_chunks(world: World, world_line: SpecLine) -> None:
    """On a stream of 106 chunks (past 10, where ordering indices as text breaks, and past the
    default page of 100; one of 70,000 bytes, one chunk however a World stores it), the chunk
    listing paged by 7 and 100 (and by 1, 53 and 106 once closed) joins to every chunk,
    zero-length ones included, with indices 0..n-1; each page holds ``limit`` chunks, the last
    at most that, and without a limit a page holds 100;
    ``hasMore`` comes with a cursor; the last page has ``hasMore: false``, ``cursor: null`` and
    ``done`` false while open, true once closed. Once closed, limits 53 and 106 fill their pages
    exactly, and no page says ``hasMore`` when no chunk remains (``ceil(n / limit)`` pages). A
    stream nothing was written to lists as one empty, open page. A chunk just over 1 MiB is one
    chunk too (or its write is refused)."""
    streams = StreamCalls(world, world_line)
    name, run_id = _stream_name(), make.new_id("wrun")
    unwritten = await returns(
        streams.chunks(name, run_id), f"{streams.names['chunks']} of an unwritten stream"
    )
    if unwritten.data or unwritten.has_more or unwritten.cursor is not None or unwritten.done:
        fail(
            f"{streams.names['chunks']} of a stream nothing was written to is one empty page "
            "{data: [], hasMore: false, cursor: null, done: false}",
            "returned otherwise",
            ("page", unwritten),
        )
    chunks: list[str | bytes] = [b"a", b"", "é", bytes(range(256)), PAST_64_KIB, b"\x00", b"z"]
    chunks += [f"chunk {index}".encode() for index in range(len(chunks), CHUNKS)]
    for chunk in chunks:
        await returns(streams.write(name, run_id, chunk), streams.names["write"])
    for closed in (False, True):
        if closed:
            await returns(streams.close(name, run_id), streams.names["close"])
        first = await returns(streams.chunks(name, run_id), f"{streams.names['chunks']}()")
        if len(first.data) != DEFAULT_CHUNK_PAGE or not first.has_more:
            fail(
                f"{streams.names['chunks']} without a limit returns {DEFAULT_CHUNK_PAGE} of {CHUNKS} "
                "chunks, hasMore",
                f"returned {len(first.data)}, hasMore: {str(first.has_more).lower()}",
            )
        for limit in (1, 7, 53, 100, CHUNKS) if closed else (7, 100):
            pages = await _chunk_pages(streams, name, run_id, limit, len(chunks))
            if closed and len(pages) != math.ceil(len(chunks) / limit):
                fail(
                    f"the chunks of a closed stream of {len(chunks)} come in "
                    f"{math.ceil(len(chunks) / limit)} pages of limit {limit}: a page says hasMore "
                    "only while chunks remain",
                    f"came in {len(pages)}",
                    ("pages", pages),
                )
            joined = [(chunk.index, chunk.data) for page in pages for chunk in page.data]
            last = pages[-1]
            sizes = [len(page.data) for page in pages]
            if any(size != limit for size in sizes[:-1]) or sizes[-1] > limit:
                fail(
                    f"each page of limit {limit} holds {limit} chunks, the last at most {limit}",
                    f"held {sizes}",
                )
            if joined != list(enumerate(_as_bytes(c) for c in chunks)):
                fail(
                    f"pages of {limit} join to all {len(chunks)} chunks, indexed from 0",
                    "joined to others",
                    ("written", chunks),
                    ("pages", pages),
                )
            if last.cursor is not None or last.done is not closed:
                fail(
                    f"the last page has cursor: null and done: {str(closed).lower()}",
                    f"has cursor {last.cursor!r} and done: {str(last.done).lower()}",
                )
    await _check_chunk_past_1_mib(streams)


async def _check_chunk_past_1_mib(streams: StreamCalls) -> None:
    """A chunk just over 1 MiB (past a broker's frame, NATS' default ``max_payload``) stays one
    chunk at one index, or its write is refused (§7: a size limit MAY exist, oversize is
    refused, never cut or split)."""
    name, run_id = _stream_name(), make.new_id("wrun")
    written = [b"before", values.LARGE_BYTES, b"after"]
    kept = []
    for chunk in written:
        try:
            await streams.write(name, run_id, chunk)
        except WorkflowError:
            if chunk is not values.LARGE_BYTES:
                raise
            continue
        kept.append(chunk)
    await returns(streams.close(name, run_id), streams.names["close"])
    page = await returns(streams.chunks(name, run_id, limit=1000), f"{streams.names['chunks']}(limit=1000)")
    shown = [(chunk.index, len(chunk.data), chunk.data[:8]) for chunk in page.data]
    if [(chunk.index, chunk.data) for chunk in page.data] != list(enumerate(kept)):
        fail(
            f"a chunk of {len(values.LARGE_BYTES):,} bytes, written between two small ones, is one "
            f"chunk: {streams.names['chunks']} shows {len(kept)} chunks, indexed from 0, byte-exact "
            "(or its write is refused)",
            f"showed {len(page.data)} chunks",
            ("written (index, length)", [(index, len(chunk)) for index, chunk in enumerate(kept)]),
            ("shown (index, length, first bytes)", shown),
        )


async def _chunk_pages(streams: StreamCalls, name: str, run_id: str, limit: int, count: int) -> list[Any]:
    pages, cursor = [], None
    while True:
        page = await returns(
            streams.chunks(name, run_id, limit=limit, cursor=cursor),
            f"{streams.names['chunks']}(limit={limit})",
        )
        pages.append(page)
        if not page.has_more:
            return pages
        if page.cursor is None or len(pages) > count:
            fail("hasMore: true comes with a cursor, until the last page", f"gave cursor {page.cursor!r}")
        cursor = page.cursor


def _separator_twins() -> list[values.Twin]:
    """Names that differ by what follows a key separator (``:``) after the whole other name: a
    World that keys chunk ``i`` of stream ``n`` as ``n:i`` and scans ``n:*`` mixes them."""
    stem = make.new_id("sep")
    return [values.Twin(f"strm_{stem}", f"strm_{stem}:more", "`:` (a key separator) and more")]


@invariant("STRM-007", requires=Capability.STREAMS)
async def test_streams_listed_by_run(world: World, world_line: SpecLine) -> None:
    """Listing a run's streams lists those written or only closed with that runId, each name once
    however many chunks were written to it, and an unknown runId lists nothing. On the 4.x line
    a stream is keyed by name, so one written with two runIds is listed under both and holds
    the chunks of both writes; the 5.x line lets a World key it by runId and name, so there no
    name is shared by two runIds. Names that differ only in case, Unicode normal form, a prefix
    or suffix (``:`` and more, as a key separator would join them, included), trailing spaces,
    or a wildcard character name different streams: each reads, lists and pages as its own."""
    streams = StreamCalls(world, world_line)
    first, second = make.new_id("wrun"), make.new_id("wrun")
    written, closed_only, elsewhere, shared = (_stream_name() for _ in range(4))
    for chunk in (b"w", b"", "w"):
        await returns(streams.write(written, first, chunk), streams.names["write"])
    await returns(streams.close(written, first), streams.names["close"])
    await returns(streams.close(closed_only, first), streams.names["close"])
    await returns(streams.write(elsewhere, second, b"e"), streams.names["write"])
    expected = {first: {written, closed_only}, second: {elsewhere}, make.new_id("wrun"): set()}
    if streams.names_share_a_stream:
        await returns(streams.write(shared, first, b"from the first run"), streams.names["write"])
        await returns(streams.write(shared, second, b"from the second run"), streams.names["write"])
        await returns(streams.close(shared, second), streams.names["close"])
        expected[first].add(shared)
        expected[second].add(shared)
    for run_id, names in expected.items():
        listed = await returns(streams.list(run_id), streams.names["list"])
        if set(listed) != names or len(listed) != len(set(listed)):
            fail(
                f"{streams.names['list']}({run_id!r}) lists {sorted(names)}, each once",
                f"listed {sorted(listed)}",
            )
    if streams.names_share_a_stream:
        read = await _read(streams, shared, second)
        if sorted(read) != [b"from the first run", b"from the second run"]:
            fail("a stream written with two runIds is one stream, keyed by name", f"read {read!r}")
    twin_run = make.new_id("wrun")
    twins = [*values.twins(lambda core: f"strm_{core}", paths=False), *_separator_twins()]
    for twin in twins:
        for name in (twin.first, twin.second):
            await returns(streams.write(name, twin_run, name.encode()), streams.names["write"])
            await returns(streams.close(name, twin_run), streams.names["close"])
    twins_listed = set(await returns(streams.list(twin_run), streams.names["list"]))
    twin_names = {name for twin in twins for name in (twin.first, twin.second)}
    if twins_listed != twin_names:
        fail(
            "streams whose names differ only in case, normal form, a prefix or suffix, or a "
            "wildcard character are different streams, each listed under its own name",
            "listed other names",
            ("expected", sorted(twin_names)),
            ("listed", sorted(twins_listed)),
        )
    for twin in twins:
        for name in (twin.first, twin.second):
            read = await _read(streams, name, twin_run)
            if read != [name.encode()]:
                fail(
                    f"a stream is keyed by its exact name (its twin differs by {twin.differ_by})",
                    "read another stream's chunks",
                    ("name", name),
                    ("read", read),
                )
            page = await returns(streams.chunks(name, twin_run, limit=100), streams.names["chunks"])
            info = await returns(streams.info(name, twin_run), streams.names["info"])
            shown = ([(chunk.index, chunk.data) for chunk in page.data], info.tail_index)
            if shown != ([(0, name.encode())], 0):
                fail(
                    f"{streams.names['chunks']} and {streams.names['info']} of a stream show its "
                    f"own chunk only (its twin differs by {twin.differ_by})",
                    "showed others",
                    ("name", name),
                    ("chunks", page),
                    ("info", info),
                )
