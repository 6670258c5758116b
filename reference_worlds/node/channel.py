"""One connection to the Node process, owned by one event loop: calls, streams, deliveries.

Values go to Node tagged (``worldspec.wire``) and come back as the tagged JSON data Node sent:
the caller decodes each once, with the parser of its type (``results.py``), so a user object
shaped like a tag is never decoded twice.

A ``Channel`` is an asyncio protocol on a Unix socket the Node process listens on: a reply is
read and settled by the event loop that waits for it, with no thread in between, so a round
trip costs two process wake-ups. Each NodeWorld opens its own channel (the kit runs each test
in a loop of its own). When Node dies or is killed, every call in flight on every channel
fails with ``BridgeError`` naming how it ended, followed by Node's last stderr lines.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, Protocol, cast

from reference_worlds.node.process import BridgeError, NodeProcess
from reference_worlds.node.schema import PROTOCOL_VERSION, argument_problems, frame_problems
from worldspec.errors import WorkflowError, error_from_name
from worldspec.wire import to_tagged

__all__ = ["Channel", "DeliveryHandler", "open_channel"]

BRIDGE_ERROR_NAME: Final = "WorldspecBridgeError"
CALL_TIMEOUT: Final = 120.0
"""Seconds a call may take before the bridge gives up on it (streams excepted)."""
WATCH_INTERVAL: Final = 5.0
"""Seconds between two looks for calls past CALL_TIMEOUT (one timer per channel, not per call)."""
END_GRACE: Final = 2.0
"""Seconds a lost connection waits for Node's exit and last stderr lines before reporting."""

DeliveryHandler = Callable[[Any, Any], Awaitable[dict[str, Any] | None]]
"""Receives the tagged message and meta of one delivery; returns the outcome for Node."""

RECEIVE_BUFFER: Final = 65536
"""Bytes of the buffer replies are read into; it doubles while a frame does not fit."""

_END: Final = object()
_ENCODER: Final = json.JSONEncoder(
    ensure_ascii=False, allow_nan=False, separators=(",", ":"), check_circular=False
)
"""Built once: json.dumps with any non-default option builds an encoder per call. No circular
check: a frame's values come from ``to_tagged``, which never returns a cycle."""
_DECODER: Final = json.JSONDecoder()
"""Frames are decoded from text: ``json.loads`` of bytes first guesses their encoding, and its
``decode`` skips whitespace around the value, which Node's ``JSON.stringify`` never writes."""


class _StreamTransport(Protocol):
    """What the channel uses of its loop's transport."""

    def write(self, data: bytes) -> None: ...

    def is_closing(self) -> bool: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class _Pending:
    method: str
    future: asyncio.Future[Any]
    started: float
    chunks: asyncio.Queue[Any] | None = None
    answered: bool = False
    """Node sent this call's result or error frame (for a stream: it has stopped)."""


async def open_channel(process: NodeProcess) -> Channel:
    """A new channel to ``process``, for the running event loop."""
    loop = asyncio.get_running_loop()
    try:
        _, channel = await loop.create_unix_connection(
            lambda: Channel(process, loop), str(process.socket_path)
        )
    except OSError as error:
        raise BridgeError(process.explain(f"cannot connect to the Node process: {error}")) from None
    channel.send({"kind": "hello", "version": PROTOCOL_VERSION, "pid": process.pid, "runtime": "python"})
    return channel


class Channel(asyncio.BufferedProtocol):
    """Frames to and from Node over one socket: a 4-byte big-endian length, then UTF-8 JSON.

    Replies are read into one reusable buffer (``get_buffer``): a plain ``asyncio.Protocol``
    would have each read allocate 256 KiB, about 35 us per reply here.
    """

    def __init__(self, process: NodeProcess, loop: asyncio.AbstractEventLoop) -> None:
        self.process = process
        self._loop = loop
        self._transport: _StreamTransport | None = None
        self._received = bytearray(RECEIVE_BUFFER)
        self._filled = 0
        self._pending: dict[int, _Pending] = {}
        self._handlers: dict[int, DeliveryHandler] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        """Deliveries running and the report of a lost connection: held until done."""
        self._ids = itertools.count(1)
        self._lost = False
        self._closing = False
        self._watch: asyncio.TimerHandle | None = None
        self.rebuild_error: Callable[[str, str, dict[str, Any]], WorkflowError] = error_from_name
        """Turns an error Node described back into the class of its name: the 4.x line's table
        until the World turns out to speak the 5.x line (``worldspec.line5.errors``)."""

    @property
    def _open(self) -> bool:
        return self.connected and self._transport is not None and not self._transport.is_closing()

    @property
    def connected(self) -> bool:
        """Neither lost nor closed (the process may still have died unnoticed)."""
        return not self._lost and not self._closing

    @property
    def usable(self) -> bool:
        """Connected, not closed, and the process is neither dead nor killed."""
        return self.connected and self.process.alive

    # --- asyncio.Protocol -----------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # A stream transport of whichever loop runs the World: uvloop's are not subclasses of
        # asyncio.Transport, and the channel needs only write, close and is_closing.
        self._transport = cast(_StreamTransport, transport)

    def get_buffer(self, sizehint: int) -> memoryview:
        free = len(self._received) - self._filled
        if free < RECEIVE_BUFFER // 4:
            # A new buffer, never a resize: asyncio may still hold a view of the old one.
            grown = bytearray(2 * len(self._received))
            grown[: self._filled] = self._received[: self._filled]
            self._received = grown
        return memoryview(self._received)[self._filled :]

    def buffer_updated(self, nbytes: int) -> None:
        self._filled += nbytes
        received = self._received
        start = 0
        while self._filled - start >= 4:
            end = start + 4 + int.from_bytes(received[start : start + 4], "big")
            if self._filled < end:
                break
            text = received[start + 4 : end].decode("utf-8")
            frame, parsed = _DECODER.raw_decode(text)
            if parsed != len(text):
                raise json.JSONDecodeError("extra data after a frame", text, parsed)
            start = end
            self._dispatch(frame)
        if start:
            rest = self._filled - start
            received[:rest] = received[start : self._filled]
            self._filled = rest

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._pending:
            self._keep(self._loop.create_task(self._fail_pending()))

    def _keep(self, task: asyncio.Task[None]) -> None:
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fail_pending(self) -> None:
        error = await self._ended_error()
        for ident in list(self._pending):
            self._settle(self._pending.pop(ident), error=error)

    async def _ended_error(self) -> BridgeError:
        """How the process ended and its last stderr lines, once known (at most END_GRACE)."""
        waited = 0.0
        while not self.process.wait_ended(0) and waited < END_GRACE:
            await asyncio.sleep(0.02)
            waited += 0.02
        return BridgeError(self.process.explain(self.process.describe_end()))

    # --- sending --------------------------------------------------------------------------------

    def send(self, frame: dict[str, Any]) -> None:
        """Write ``frame``; Node checks it against the protocol."""
        if self._transport is None or not self._open:
            raise BridgeError(self.process.explain(f"{self.process.describe_end()}; cannot send"))
        body = _ENCODER.encode(frame).encode("utf-8")
        self._transport.write(len(body).to_bytes(4, "big") + body)

    def close(self) -> None:
        """Close the connection; Node closes the Worlds it still holds for it."""
        self._closing = True
        if self._watch is not None:
            self._watch.cancel()
            self._watch = None
        if self._transport is not None:
            self._transport.close()

    # --- calls ----------------------------------------------------------------------------------

    async def call(self, method: str, world: int | None, args: list[Any]) -> Any:
        """Call ``method`` (protocol.json) with ``args`` on World ``world``; its value, tagged."""
        if self._lost:
            raise await self._ended_error()
        ident, pending = self._start(method, world, args)
        try:
            return await pending.future
        finally:
            self._pending.pop(ident, None)

    def _look_for_overdue_calls(self) -> None:
        self._watch = None
        overdue = self._loop.time() - CALL_TIMEOUT
        for ident, pending in list(self._pending.items()):
            if pending.chunks is None and pending.started < overdue:
                del self._pending[ident]
                problem = f"{pending.method}: no reply within {CALL_TIMEOUT:.0f} s"
                self._settle(pending, error=BridgeError(self.process.explain(problem)))
        if self._pending:
            self._watch = self._loop.call_later(WATCH_INTERVAL, self._look_for_overdue_calls)

    async def stream(self, method: str, world: int, args: list[Any]) -> AsyncGenerator[Any]:
        """Call a streaming ``method``; yield each chunk, tagged, until its result frame. Leaving
        early asks Node to stop the stream."""
        if self._lost:
            raise await self._ended_error()
        chunks: asyncio.Queue[Any] = asyncio.Queue()
        ident, pending = self._start(method, world, args, chunks)
        try:
            while (item := await chunks.get()) is not _END:
                yield item
            await pending.future
        finally:
            self._pending.pop(ident, None)
            if not pending.answered and self._open:
                self.send({"kind": "cancel", "id": ident})

    def _start(
        self, method: str, world: int | None, args: list[Any], chunks: asyncio.Queue[Any] | None = None
    ) -> tuple[int, _Pending]:
        if asyncio.get_running_loop() is not self._loop:
            raise BridgeError(f"{method}: called from an event loop other than the one that opened the World")
        problems = argument_problems(method, args)
        if problems:
            raise BridgeError(f"refusing to call {method}: {'; '.join(problems)}")
        ident = next(self._ids)
        pending = _Pending(method, self._loop.create_future(), self._loop.time(), chunks)
        self.send({"kind": "call", "id": ident, "method": method, "world": world, "args": to_tagged(args)})
        self._pending[ident] = pending
        if self._watch is None:
            self._watch = self._loop.call_later(WATCH_INTERVAL, self._look_for_overdue_calls)
        return ident, pending

    # --- receiving ------------------------------------------------------------------------------

    def _dispatch(self, frame: Any) -> None:
        problems = frame_problems(frame)
        if problems:
            note = f"[worldspec bridge, python] malformed frame from Node: {'; '.join(problems)}"
            self.process.log.add(note)
            ident = frame.get("id") if isinstance(frame, dict) else None
            if isinstance(ident, int) and ident in self._pending:
                self._settle(self._pending.pop(ident), error=BridgeError("; ".join(problems)))
            return
        kind = frame["kind"]
        if kind in ("result", "error", "chunk"):
            self._answer(frame)
        elif kind == "deliver":
            self._deliver(frame)
        else:
            self.process.log.add(f"[worldspec bridge, python] unexpected {kind} frame from Node")

    def _answer(self, frame: dict[str, Any]) -> None:
        kind = frame["kind"]
        pending = self._pending.get(frame["id"])
        if pending is None:
            return
        if kind == "chunk" and pending.chunks is not None:
            pending.chunks.put_nowait(frame["data"])
            return
        del self._pending[frame["id"]]
        pending.answered = True
        if kind == "error":
            self._settle(pending, error=self._error(frame["error"]))
        else:
            self._settle(pending, frame.get("value"))

    @staticmethod
    def _settle(pending: _Pending, value: Any = None, error: BaseException | None = None) -> None:
        if pending.chunks is not None:
            pending.chunks.put_nowait(_END)
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(value)

    def _error(self, described: dict[str, Any]) -> BaseException:
        if described["name"] == BRIDGE_ERROR_NAME:
            return BridgeError(self.process.explain(described["message"]))
        fields = {key: value for key, value in described.items() if key not in ("name", "message", "stack")}
        error: WorkflowError = self.rebuild_error(described["name"], described["message"], fields)
        stack = f"\n{described['stack']}" if "stack" in described else ""
        error.add_note(f"raised in Node as {described['name']}{stack}")
        return error

    # --- queue deliveries -----------------------------------------------------------------------

    def add_handler(self, deliver: DeliveryHandler) -> int:
        """Register ``deliver`` for the deliveries Node addresses to the returned handler id."""
        ident = next(self._ids)
        self._handlers[ident] = deliver
        return ident

    def _deliver(self, frame: dict[str, Any]) -> None:
        handler = self._handlers.get(frame["handler"])
        if handler is None:
            gone = {"name": "Error", "message": "worldspec: no live Python handler for this delivery"}
            self.send({"kind": "delivered", "id": frame["id"], "outcome": None, "error": gone})
            return
        self._keep(self._loop.create_task(self._run_delivery(handler, frame)))

    async def _run_delivery(self, handler: DeliveryHandler, frame: dict[str, Any]) -> None:
        try:
            outcome = await handler(frame["message"], frame["meta"])
            reply: dict[str, Any] = {"kind": "delivered", "id": frame["id"], "outcome": outcome}
        except Exception as error:
            name = str(getattr(error, "name", None) or type(error).__name__)
            described = {"name": name, "message": str(error)}
            reply = {"kind": "delivered", "id": frame["id"], "outcome": None, "error": described}
        if self._open:
            self.send(reply)
