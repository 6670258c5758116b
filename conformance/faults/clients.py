"""The kit's side of ``conformance.faults.worker``: client processes it can kill.

A ``Client`` is one worker process with a World open over the shared storage. ``run`` sends it
a list of calls and a kill order and collects, call by call, when each was invoked, when it
returned and its outcome; a call the process died in has no return and an ``unknown``
outcome, and calls it never reached are left out. ``Spare`` keeps one client starting in the
background, so the kit does not wait for a process to start after each kill.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import IO, Any

from conformance.model.calls import WorldCall
from conformance.races.results import Outcome, from_json
from conformance.races.worker import encode_call
from worldspec import wire

__all__ = ["Client", "ClientError", "Kill", "Spare", "Step"]

STARTUP_TIMEOUT = 60.0


class ClientError(Exception):
    """A client process misbehaved (not by being killed); the message holds its stderr."""


@dataclass(frozen=True)
class Kill:
    """How a client dies in a round: before call ``call`` (``point`` and ``delay_ms`` None), at
    the World's kill point ``point`` inside it, or ``delay_ms`` after the kit saw it invoked."""

    call: int
    point: str | None = None
    delay_ms: float | None = None

    def describe(self) -> str:
        """``SIGKILL before call 3``, ``SIGKILL at kill point log-written in call 2``…"""
        if self.point is not None:
            return f"SIGKILL at kill point {self.point!r} in call {self.call + 1}"
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
    """One worker process (see ``conformance.faults.worker``)."""

    def __init__(self, process: asyncio.subprocess.Process, log: IO[bytes]) -> None:
        self._process = process
        self._log = log
        self.died_at: int | None = None
        """``time.monotonic_ns`` when the kit saw the process die, if it did."""

    @classmethod
    async def start(cls, target: str, options: dict[str, Any]) -> Client:
        """Start a worker and wait until it has opened its World."""
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join(path or "." for path in sys.path)}
        log = tempfile.TemporaryFile()  # noqa: SIM115 (closed by close())
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "conformance.faults.worker",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=log,
            env=environment,
        )
        client = cls(process, log)
        client._send({"target": target, "options": wire.to_tagged(options)})
        if "ready" not in await client._read(STARTUP_TIMEOUT):
            raise ClientError(f"a fault client did not start{client._stderr()}")
        return client

    async def run(self, calls: Sequence[WorldCall], kill: Kill | None, call_timeout: float) -> list[Step]:
        """Make ``calls`` in order in the client, dying as ``kill`` says; the calls it made."""
        order: dict[str, Any] | None = None
        if kill is not None and kill.delay_ms is None:
            order = {"before": kill.call} if kill.point is None else {"at": kill.call, "point": kill.point}
        self._send({"calls": [encode_call(call) for call in calls], "kill": order, "timeout": call_timeout})
        steps: list[Step] = []
        invoked: int | None = None
        killer: asyncio.Task[None] | None = None
        try:
            while True:
                answer = await self._read(call_timeout * 2)
                if not answer:
                    self.died_at = min(self.died_at or time.monotonic_ns(), time.monotonic_ns())
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
        """Ask the worker to quit if it lives, and wait for it."""
        if self._process.returncode is None and self._process.stdin is not None:
            try:
                self._send("quit")
                await asyncio.wait_for(self._process.wait(), 10)
            except (TimeoutError, ConnectionError):
                self._process.kill()
                await self._process.wait()
        self._log.close()

    async def _kill_after(self, delay_ms: float) -> None:
        await asyncio.sleep(delay_ms / 1000)
        if self._process.returncode is None:
            self.died_at = time.monotonic_ns()
            self._process.send_signal(signal.SIGKILL)

    def _send(self, message: Any) -> None:
        assert self._process.stdin is not None
        self._process.stdin.write(json.dumps(message).encode() + b"\n")

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self._process.stdout is not None
        try:
            line = await asyncio.wait_for(self._process.stdout.readline(), timeout)
        except TimeoutError:
            raise ClientError(f"a fault client did not answer within {timeout:.0f} s{self._stderr()}") from None
        if not line:
            return {}
        answer = json.loads(line)
        if not isinstance(answer, dict):
            raise ClientError(f"a fault client answered {answer!r}")
        return answer

    def _stderr(self) -> str:
        self._log.seek(0)
        text = self._log.read().decode(errors="replace").strip()
        return f"; it wrote:\n{text[-3000:]}" if text else ""


class Spare:
    """Clients started ahead of need: ``take`` returns a started one and starts the next."""

    def __init__(self, target: str, options: dict[str, Any]) -> None:
        self._target = target
        self._options = options
        self._next: asyncio.Task[Client] = asyncio.create_task(Client.start(target, options))

    async def take(self) -> Client:
        """A started client; another begins starting in the background."""
        client = await self._next
        self._next = asyncio.create_task(Client.start(self._target, self._options))
        return client

    async def close(self) -> None:
        """Close the client started ahead, once it has started."""
        try:
            client = await self._next
        except ClientError:
            return
        await client.close()
