"""``python -m conformance.faults.worker``: the process that forks the clients of fault rounds.

Starting a Python process that imports a World costs about a second, and every kill costs one
client, so the kit starts this *zygote* once: it imports the World's module and then forks a
client for each request, which only has to open its World. A client serves one round over a
Unix socket and may be killed at any moment; the zygote lives on.

Zygote protocol, JSON lines on stdin/stdout:

1. kit → ``{"target": "module:Factory"}``; zygote → ``{"ready": true}`` (the module imported)
2. kit → ``{"spawn": {...options}, "socket": path}``: the zygote forks a client, which opens the
   World with those options and connects to the kit's Unix socket at ``path``. Kit → ``"quit"``
   ends the zygote.

Client protocol, JSON lines over its socket (calls encoded as ``conformance.races.worker``
does): the client first says ``{"ready": pid}``; then

- kit → ``{"calls": [...], "kill": {"before": i} | {"at": i, "point": name} | null,
  "timeout": s}``. For each call ``i`` the client says ``{"invoked": i, "at": ns}`` when it makes
  it and ``{"returned": i, "at": ns, "outcome": [...]}`` when it ends (``time.monotonic_ns``,
  one clock for every process). With ``before: i`` it kills itself (``SIGKILL``) instead of
  making call ``i``; with ``at: i`` it arms the World's kill point ``point`` just before call
  ``i``, so the World kills the process inside that call. At the end it says ``{"done": true}``.
- kit → ``"quit"`` (or the socket closing): the client closes its World and exits.
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
from conformance.world.loading import WorldSpec, close_world, load_factory, open_world
from worldspec import wire
from worldspec.faults import ProcessKill
from worldspec.protocol import World

__all__ = ["main"]


class _Channel:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    async def send(self, message: Any) -> None:
        self.writer.write(json.dumps(message).encode() + b"\n")
        await self.writer.drain()


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


async def _run_calls(world: World, command: dict[str, Any], channel: _Channel) -> None:
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
        await channel.send({"invoked": index, "at": time.monotonic_ns()})
        try:
            outcome = await asyncio.wait_for(outcome_of(call, world), command["timeout"])
        except TimeoutError:
            outcome = Outcome("unknown")
        await channel.send({"returned": index, "at": time.monotonic_ns(), "outcome": outcome.to_json()})
    await channel.send({"done": True})


async def _client(target: str, options: dict[str, Any], socket_path: str) -> None:
    reader, writer = await asyncio.open_unix_connection(socket_path)
    channel = _Channel(reader, writer)
    world = await open_world(WorldSpec(target, options))
    await channel.send({"ready": os.getpid()})
    try:
        while True:
            line = await reader.readline()
            if not line or json.loads(line) == "quit":
                return
            await _run_calls(world, json.loads(line), channel)
    finally:
        await close_world(world)
        writer.close()


def _fork_client(target: str, options: dict[str, Any], socket_path: str) -> None:
    if os.fork() != 0:
        return
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    code = 0
    try:
        asyncio.run(_client(target, options, socket_path))
    except BaseException as error:
        sys.stderr.write(f"fault client {os.getpid()}: {type(error).__name__}: {error}\n")
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _send(message: Any) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Serve the zygote protocol on stdin/stdout until told to quit."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    opening = json.loads(sys.stdin.readline())
    target = str(opening["target"])
    load_factory(target)
    _send({"ready": True})
    for line in sys.stdin:
        command = json.loads(line)
        if command == "quit":
            return
        _fork_client(target, wire.from_tagged(command["spawn"]), str(command["socket"]))


if __name__ == "__main__":
    main()
