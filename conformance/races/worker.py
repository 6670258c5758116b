"""``python -m conformance.races.worker``: one racing client in a process of its own.

For Worlds that declare ``multi_process``: the kit starts N workers, each opens a World over
the same storage, and each makes one call of a race when the kit releases them together. The
protocol is JSON lines on stdin/stdout (tagged JSON for bytes and dates, ``worldspec.wire``):

1. kit → ``{"target": "module:Factory", "options": {...}}``; worker → ``{"ready": true}``
2. kit → ``{"call": {"method": ..., "args": [...]}, "pause_ms": n, "timeout": s}``;
   worker → ``{"armed": true}``
3. kit → ``"go"``; the worker makes the call, pausing ``n`` ms at each of the World's pause
   points if it allows pauses, and answers ``{"outcome": [...], "invoked": ns, "returned": ns,
   "paused": k}`` (``time.monotonic_ns``, one clock for every process on the machine;
   ``returned`` is null when the call timed out; ``k`` the pauses the call made)
4. kit → ``"quit"``: the worker closes its World and exits.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from typing import Any

from pydantic import BaseModel

from conformance.model.calls import WorldCall
from conformance.races.results import Outcome, outcome_of
from conformance.world.loading import WorldSpec, close_world, open_world
from worldspec import wire
from worldspec.validation import parse_event_request

__all__ = ["decode_call", "encode_call", "main"]


def encode_call(call: WorldCall) -> dict[str, Any]:
    """``call`` as JSON data: event requests by their wire form, other arguments tagged."""
    args = [
        {"request": wire.to_tagged(arg)} if isinstance(arg, BaseModel) else {"value": wire.to_tagged(arg)}
        for arg in call.args
    ]
    return {"method": call.method, "args": args}


def decode_call(data: dict[str, Any]) -> WorldCall:
    """The ``WorldCall`` that ``encode_call`` wrote."""
    args = tuple(
        parse_event_request(wire.from_tagged(arg["request"]))
        if "request" in arg
        else wire.from_tagged(arg["value"])
        for arg in data["args"]
    )
    return WorldCall(data["method"], args)


class _Pause:
    """The pause a worker's World awaits at its pause points; counts how often it was awaited."""

    def __init__(self, milliseconds: float) -> None:
        self.seconds = milliseconds / 1000
        self.count = 0

    async def __call__(self, point: str) -> None:
        self.count += 1
        await asyncio.sleep(self.seconds)


async def _serve(lines: asyncio.StreamReader) -> None:
    opening = json.loads(await lines.readline())
    world = await open_world(WorldSpec(opening["target"], wire.from_tagged(opening["options"])))
    _send({"ready": True})
    try:
        while True:
            command = json.loads(await lines.readline())
            if command == "quit":
                return
            call = decode_call(command["call"])
            pause = _Pause(command["pause_ms"])
            if hasattr(world, "worldspec_interleave") and command["pause_ms"]:
                world.worldspec_interleave = pause
            _send({"armed": True})
            if json.loads(await lines.readline()) != "go":
                return
            invoked = time.monotonic_ns()
            try:
                outcome = await asyncio.wait_for(outcome_of(call, world), command["timeout"])
                returned: int | None = time.monotonic_ns()
            except TimeoutError:
                outcome, returned = Outcome("unknown"), None
            if hasattr(world, "worldspec_interleave"):
                world.worldspec_interleave = None
            answer = {"outcome": outcome.to_json(), "invoked": invoked, "returned": returned}
            _send({**answer, "paused": pause.count})
    finally:
        await close_world(world)


def _send(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await _serve(reader)


def main() -> None:
    """Serve the protocol on stdin/stdout until told to quit."""
    asyncio.run(_main())


if __name__ == "__main__":
    main()
