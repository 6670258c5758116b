"""Streams on the 5.x line (world-contract-v7.md §10): the six members of ``world.streams``, each
naming the owning run first, and ``writeMulti`` as sequential writes."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, returns
from worldspec.capabilities import Capability
from worldspec.protocol import World

STREAM_MEMBERS = ("write", "close", "get", "list", "get_chunks", "get_info")
"""The members of ``world.streams`` (upstream ``write``, ``close``, ``get``, ``list``,
``getChunks``, ``getInfo``)."""
READ_TIMEOUT = 2.0
MULTI_CHUNKS: list[str | bytes] = [
    b"\x00",
    "h\u00e9llo \u2713",
    b"",
    bytes(range(256)),
    b"\xff" * 70_000,
    b"",
    "end",
]
"""Chunks written at once and one by one: strings, NUL, empty chunks, every byte value, a large one."""


async def _read(streams: Any, run_id: str, name: str) -> list[bytes]:
    """Every chunk ``streams.get(runId, name)`` yields for a closed stream."""

    async def read_all() -> list[bytes]:
        return [chunk async for chunk in streams.get(run_id, name)]

    try:
        return await asyncio.wait_for(read_all(), READ_TIMEOUT)
    except TimeoutError:
        fail(
            f"streams.get of the closed stream {name!r} ends within {READ_TIMEOUT:.0f} s",
            "kept the reader waiting",
        )


@invariant("STRM-101", requires=Capability.STREAMS)
async def test_streams_members_take_the_run_first(world: World) -> None:
    """``world.streams`` has ``write``, ``close``, ``get``, ``list``, ``getChunks`` and
    ``getInfo``, and each takes the owning runId first: two streams of two runs, written, closed
    and read back through every member with ``(runId, name)``, each showing its own chunk, and
    ``list(runId)`` naming the run's stream."""
    streams: Any = getattr(world, "streams", None)
    missing = [member for member in STREAM_MEMBERS if not callable(getattr(streams, member, None))]
    if missing:
        fail(f"world.streams has {', '.join(STREAM_MEMBERS)}", f"lacks {', '.join(missing)}")
    written = {(make.new_id("wrun"), values.stream_name()): bytes([index]) * 3 for index in range(2)}
    for (run_id, name), chunk in written.items():
        await returns(streams.write(run_id, name, chunk), f"streams.write({run_id!r}, {name!r}, chunk)")
        await returns(streams.close(run_id, name), f"streams.close({run_id!r}, {name!r})")
    for (run_id, name), chunk in written.items():
        listed = await returns(streams.list(run_id), f"streams.list({run_id!r})")
        page = await returns(streams.get_chunks(run_id, name), f"streams.get_chunks({run_id!r}, {name!r})")
        info = await returns(streams.get_info(run_id, name), f"streams.get_info({run_id!r}, {name!r})")
        read = await _read(streams, run_id, name)
        shown = {
            "streams.list": name in listed,
            "streams.get": read == [chunk],
            "streams.get_chunks": [c.data for c in page.data] == [chunk],
            "streams.get_info": (info.tail_index, info.done) == (0, True),
        }
        wrong = [member for member, good in shown.items() if not good]
        if wrong:
            fail(
                "every member of world.streams, called (runId, name), finds the stream that "
                "write(runId, name) wrote and close(runId, name) closed",
                f"{', '.join(wrong)} did not",
                ("listed", listed),
                ("read", read),
                ("chunks", page),
                ("info", info),
            )


@invariant("STRM-102", requires=Capability.WRITE_TO_STREAM_MULTI)
async def test_write_multi_is_writes_in_order(world: World) -> None:
    """(``writeMulti``) ``streams.writeMulti`` has the effect of writing its chunks one by one,
    in order: after one single write, a ``writeMulti`` of strings, bytes, empty chunks and a
    70 KB chunk, an empty ``writeMulti`` and one more single write, the stream's chunks
    (``getChunks``), its reading (``get``) and its info equal those of a stream written by single
    writes only."""
    streams: Any = cast(Any, world).streams
    run_id = make.new_id("wrun")
    by_multi, by_single = values.stream_name(), values.stream_name()
    await returns(streams.write(run_id, by_multi, "first"), "streams.write")
    await returns(streams.write_multi(run_id, by_multi, MULTI_CHUNKS), "streams.write_multi")
    await returns(streams.write_multi(run_id, by_multi, []), "streams.write_multi of no chunk")
    await returns(streams.write(run_id, by_multi, b"last"), "streams.write")
    for chunk in ["first", *MULTI_CHUNKS, b"last"]:
        await returns(streams.write(run_id, by_single, chunk), "streams.write")
    for name in (by_multi, by_single):
        await returns(streams.close(run_id, name), "streams.close")
    seen: dict[str, tuple[Any, ...]] = {}
    for label, name in (("writeMulti", by_multi), ("single writes", by_single)):
        page = await returns(streams.get_chunks(run_id, name, limit=1000), "streams.get_chunks")
        info = await returns(streams.get_info(run_id, name), "streams.get_info")
        seen[label] = (
            [c.data for c in page.data],
            await _read(streams, run_id, name),
            info.tail_index,
            info.done,
        )
    if seen["writeMulti"] != seen["single writes"]:
        fail(
            "a stream written with writeMulti has the chunks, the reading and the info of one "
            "written chunk by chunk",
            "differs",
            ("with writeMulti (chunks, read, tailIndex, done)", seen["writeMulti"]),
            ("by single writes", seen["single writes"]),
        )
