"""The kit's side of ``conformance.faults.worker``: client processes it can kill.

A ``Zygote`` is one Python process that has imported the World's module and forks a ``Client``
on request; each client opens a World over the shared storage and talks to the kit over a Unix
socket. ``Client.run`` sends a list of calls and a kill order and collects, call by call, when
each was invoked, when it returned and its outcome; the call a client died in has no return and
an ``unknown`` outcome, and calls it never reached are left out.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from conformance.model.calls import WorldCall
from conformance.races.results import Outcome, from_json
from conformance.races.worker import encode_call
from worldspec import wire

__all__ = ["Client", "ClientError", "Kill", "Step", "Zygote"]

STARTUP_TIMEOUT = 60.0


class ClientError(Exception):
    """A client or the zygote misbehaved (not by being killed); the message holds its stderr."""


@dataclass(frozen=True)
class Kill:
    """How a client dies in a round: before call ``call`` (``point`` and ``delay_ms`` None), at
    the World's kill point ``point`` inside it, or ``delay_ms`` after the kit saw it invoked."""

    call: int
    point: str | None = None
    delay_ms: float | None = None

    def describe(self) -> str:
        """``SIGKILL before call 3``, ``SIGKILL at kill point 'line-torn' (armed from call 2)``…
        A kill point stays armed until a call passes it: a point that only some calls pass
        (a token's) may strike a later call, or none."""
        if self.point is not None:
            return f"SIGKILL at kill point {self.point!r} (armed from call {self.call + 1})"
        if self.delay_ms is not None:
            return f"SIGKILL {self.delay_ms:.1f} ms after call {self.call + 1} was invoked"
        return f"SIGKILL before call {self.call + 1}"


@dataclass(frozen=True)
class Step:
    """One call of a client: when it was invoked and returned (``None``: it never did)."""

    call: WorldCall
    invoked: int
    returned: int | None
    outcome: Outcome


class Client:
    """One forked client (see ``conformance.faults.worker``)."""

    def __init__(
        self, pid: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, log: IO[bytes]
    ) -> None:
        self.pid = pid
        self._reader = reader
        self._writer = writer
        self._log = log
        self.died_at: int | None = None
        """``time.monotonic_ns`` when the kit killed the client or saw it die, if it did."""

    async def run(self, calls: Sequence[WorldCall], kill: Kill | None, call_timeout: float) -> list[Step]:
        """Make ``calls`` in order in the client, dying as ``kill`` says; the calls it made."""
        order: dict[str, Any] | None = None
        if kill is not None and kill.delay_ms is None:
            order = {"before": kill.call} if kill.point is None else {"at": kill.call, "point": kill.point}
        await self._send(
            {"calls": [encode_call(call) for call in calls], "kill": order, "timeout": call_timeout}
        )
        steps: list[Step] = []
        invoked: int | None = None
        killer: asyncio.Task[None] | None = None
        try:
            while True:
                answer = await self._read(call_timeout * 2)
                if not answer:
                    self.died_at = self.died_at or time.monotonic_ns()
                    if invoked is not None:
                        steps.append(Step(calls[len(steps)], invoked, None, Outcome("unknown")))
                    return steps
                if "done" in answer:
                    return steps
                if "invoked" in answer:
                    invoked = int(answer["at"])
                    if kill is not None and kill.delay_ms is not None and answer["invoked"] == kill.call:
                        killer = asyncio.create_task(self._kill_after(kill.delay_ms))
                else:
                    outcome = from_json(answer["outcome"])
                    steps.append(Step(calls[answer["returned"]], invoked or 0, answer["at"], outcome))
                    invoked = None
        finally:
            if killer is not None:
                await killer

    async def close(self) -> None:
        """Ask the client to quit if it lives, and close the socket."""
        if self.died_at is None:
            with contextlib.suppress(ConnectionError):
                await self._send("quit")
        self._writer.close()

    async def _kill_after(self, delay_ms: float) -> None:
        await asyncio.sleep(delay_ms / 1000)
        if self.died_at is None:
            self.died_at = time.monotonic_ns()
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    async def _send(self, message: Any) -> None:
        self._writer.write(json.dumps(message).encode() + b"\n")
        await self._writer.drain()

    async def _read(self, timeout: float) -> dict[str, Any]:
        try:
            line = await asyncio.wait_for(self._reader.readline(), timeout)
        except TimeoutError:
            raise ClientError(
                f"a fault client did not answer within {timeout:.0f} s{_tail(self._log)}"
            ) from None
        except ConnectionError:
            return {}
        if not line:
            return {}
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ClientError(f"a fault client answered {answer!r}")
        return answer


def _tail(log: IO[bytes]) -> str:
    log.seek(0)
    text = log.read().decode(errors="replace").strip()
    return f"; the clients wrote:\n{text[-3000:]}" if text else ""


class Zygote:
    """The process that forks clients of one World (``target``)."""

    def __init__(self, process: asyncio.subprocess.Process, log: IO[bytes], scratch: Path) -> None:
        self._process = process
        self._log = log
        self._scratch = scratch
        self._socket = scratch / "clients.sock"
        self._arrivals: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
        self._server: asyncio.Server | None = None

    @classmethod
    async def start(cls, target: str) -> Zygote:
        """Start the zygote and wait until it has imported ``target``'s module."""
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path or "." for path in sys.path)}
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        scratch = Path(tempfile.mkdtemp(prefix="worldspec-faults-"))
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "conformance.faults.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            env=environment,
        )
        zygote = cls(process, log, scratch)
        zygote._server = await asyncio.start_unix_server(zygote._arrived, path=str(zygote._socket))
        await zygote._send({"target": target})
        assert process.stdout is not None
        try:
            line = await asyncio.wait_for(process.stdout.readline(), STARTUP_TIMEOUT)
        except TimeoutError:
            line = b""
        if not line:
            await zygote.close()
            raise ClientError(f"the fault clients' zygote did not start{_tail(log)}")
        return zygote

    async def _arrived(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await self._arrivals.put((reader, writer))

    async def spawn(self, options: dict[str, Any]) -> Client:
        """Fork a client that opens the World with ``options``; wait until it has."""
        await self._send({"spawn": wire.to_tagged(options), "socket": str(self._socket)})
        try:
            reader, writer = await asyncio.wait_for(self._arrivals.get(), STARTUP_TIMEOUT)
            hello = json.loads(await asyncio.wait_for(reader.readline(), STARTUP_TIMEOUT) or b"{}")
        except TimeoutError:
            hello = {}
        if "ready" not in hello:
            raise ClientError(f"a fault client did not open its World{_tail(self._log)}")
        return Client(int(hello["ready"]), reader, writer, self._log)

    async def close(self) -> None:
        """End the zygote and remove its socket."""
        if self._server is not None:
            self._server.close()
        if self._process.returncode is None:
            try:
                await self._send("quit")
                await asyncio.wait_for(self._process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self._process.kill()
                await self._process.wait()
        self._log.close()
        shutil.rmtree(self._scratch, ignore_errors=True)

    async def _send(self, message: Any) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(message).encode() + b"\n")
        await self._process.stdin.drain()
