"""Streams (§10): named append-only byte streams."""

from __future__ import annotations

import asyncio
from typing import Any

from conformance import requests as rq
from conformance.invariant import invariant
from conformance.kit import fail, require, returns
from worldspec.capabilities import Capability

READ_TIMEOUT = 10.0


@invariant("STRM-003")
async def test_read_returns_chunks_byte_exact_in_order(world: Any) -> None:
    """``read_from_stream`` yields the non-empty chunks byte-exact (strings as UTF-8), in write
    order, and ends at close."""
    require(world, Capability.STREAMS)
    name, run_id = f"strm_{rq.new_id('s')}", rq.new_id("wrun")
    chunks: list[str | bytes] = [b"\x00", bytes(range(256)), "héllo ✓", b"\xff" * 70_000, b"", b"end"]
    for chunk in chunks:
        await returns(world.write_to_stream(name, run_id, chunk), "write_to_stream")
    await returns(world.close_stream(name, run_id), "close_stream")
    expected = [c.encode() if isinstance(c, str) else c for c in chunks if c]

    async def read_all() -> list[bytes]:
        return [chunk async for chunk in world.read_from_stream(name)]

    try:
        got = await asyncio.wait_for(read_all(), READ_TIMEOUT)
    except TimeoutError:
        fail(f"reading a closed stream ends within {READ_TIMEOUT:.0f} s", "kept the reader waiting")
    if b"".join(got) != b"".join(expected):
        fail(
            "the chunks come back byte-exact and in order",
            "returned other bytes",
            ("written", expected),
            ("read", got),
        )
    if any(not chunk for chunk in got):
        fail("zero-length chunks are not emitted", "emitted one", ("read", got))
