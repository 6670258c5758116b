"""``python -m conformance.faults.worker``: one client of a fault round, in a process the kit
may kill.

The protocol is JSON lines on stdin/stdout (calls encoded as ``conformance.races.worker`` does):

1. kit → ``{"target": "module:Factory", "options": {...}}``; worker → ``{"ready": pid}``
2. kit → ``{"calls": [...], "kill": {"before": i} | {"at": i, "point": name} | null,
   "timeout": s}``. For each call ``i`` the worker answers ``{"invoked": i, "at": ns}`` when it
   makes it and ``{"returned": i, "at": ns, "outcome": [...]}`` when it ends (``at`` is
   ``time.monotonic_ns``, one clock for every process). With ``before: i`` it kills itself
   (``SIGKILL``) instead of making call ``i``; with ``at: i`` it arms the World's kill point
   ``point`` just before call ``i``, so the World kills the process inside that call. When every
   call has ended it answers ``{"done": true}``.
3. kit → ``"quit"``: the worker closes its World and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from typing import Any

from conformance.races.results import Outcome, outcome_of
from conformance.races.worker import decode_call
from conformance.world.loading import WorldSpec, close_world, open_world
from worldspec import wire
from worldspec.faults import ProcessKill
from worldspec.protocol import World

__all__ = ["main"]


def _send(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def _run_calls(world: World, command: dict[str, Any]) -> None:
    kill = command.get("kill") or {}
    for index, encoded in enumerate(command["calls"]):
        if kill.get("before") == index:
            _die()
        if kill.get("at") == index:
            hook = getattr(world, "worldspec_faults", None)
            if not isinstance(hook, ProcessKill):
                raise TypeError("the World's worldspec_faults has no kill points")
            hook.arm(str(kill["point"]))
        call = decode_call(encoded)
        _send({"invoked": index, "at": time.monotonic_ns()})
        try:
            outcome = await asyncio.wait_for(outcome_of(call, world), command["timeout"])
        except TimeoutError:
            outcome = Outcome("unknown")
        _send({"returned": index, "at": time.monotonic_ns(), "outcome": outcome.to_json()})
    _send({"done": True})


async def _serve(lines: asyncio.StreamReader) -> None:
    opening = json.loads(await lines.readline())
    world = await open_world(WorldSpec(opening["target"], wire.from_tagged(opening["options"])))
    _send({"ready": os.getpid()})
    try:
        while True:
            line = await lines.readline()
            if not line:
                return
            command = json.loads(line)
            if command == "quit":
                return
            await _run_calls(world, command)
    finally:
        await close_world(world)


async def _main() -> None:
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    await _serve(reader)


def main() -> None:
    """Serve the protocol on stdin/stdout until told to quit (or killed)."""
    asyncio.run(_main())


if __name__ == "__main__":
    main()
