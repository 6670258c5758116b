"""One Node process speaking the bridge protocol, shared by every NodeWorld of this Python process.

Starting Node costs a few hundred milliseconds, and the kit builds a World per test, so one
process per (package, environment) serves many World instances, each named by the ``world`` id
of its calls. The process is started lazily and outlives the event loops that use it (the kit
runs each test in a loop of its own): a reader thread hands each reply to the loop that made
the call. Node exits when its stdin closes, so it ends with Python even on a crash; ``atexit``
and the child's own process group cover a Python that exits normally or on Ctrl-C.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import itertools
import json
import os
import shutil
import signal
import subprocess
import threading
from collections import deque
from collections.abc import AsyncGenerator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reference_worlds.node.schema import PROTOCOL_VERSION, argument_problems, frame_problems
from worldspec.errors import WorkflowError, error_from_name
from worldspec.wire import from_tagged, to_tagged

__all__ = ["BridgeError", "NodeProcess", "process_for"]

BRIDGE_SCRIPT: Final = Path(__file__).with_name("bridge.mjs")
BRIDGE_ERROR_NAME: Final = "WorldspecBridgeError"
LOG_LINES: Final = 200
"""Lines of Node's stderr (and the bridge's own notes) kept for failure reports."""
CALL_TIMEOUT: Final = 120.0
"""Seconds a call may take before the bridge gives up on it (streams excepted)."""
HELLO_TIMEOUT: Final = 60.0

DeliveryHandler = Callable[[Any, Any], Awaitable[dict[str, Any] | None]]
"""Receives the tagged message and meta of one delivery; returns the outcome for Node."""


class BridgeError(Exception):
    """The bridge failed, not the World: Node missing or dead, a frame that breaks the protocol,
    a value that cannot cross. The message ends with Node's last stderr lines."""


@dataclass
class _Pending:
    ident: int
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[Any]
    method: str
    chunks: asyncio.Queue[Any] | None = None


@dataclass
class _Handler:
    loop: asyncio.AbstractEventLoop
    deliver: DeliveryHandler


_END: Final = object()


@dataclass
class _Log:
    """The last LOG_LINES lines, numbered so a World can ask for the lines since its start."""

    lines: deque[tuple[int, str]] = field(default_factory=lambda: deque(maxlen=LOG_LINES))
    count: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, line: str) -> None:
        with self.lock:
            self.count += 1
            self.lines.append((self.count, line))

    def since(self, mark: int) -> list[str]:
        with self.lock:
            return [line for number, line in self.lines if number > mark]


def _in_loop(loop: asyncio.AbstractEventLoop, action: Callable[[], None]) -> None:
    with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits for this any more
        loop.call_soon_threadsafe(action)


def _settle(pending: _Pending, value: Any = None, error: BaseException | None = None) -> None:
    def apply() -> None:
        if pending.future.done():
            return
        if error is not None:
            pending.future.set_exception(error)
        else:
            pending.future.set_result(value)

    _in_loop(pending.loop, apply)


class NodeProcess:
    """A running ``node bridge.mjs [entry]`` and the calls in flight to it."""

    def __init__(self, entry: Path | None, env: Mapping[str, str]) -> None:
        node = shutil.which("node")
        if node is None:
            raise BridgeError("node is not on PATH: the bridge needs Node.js 20 or later")
        command = [node, str(BRIDGE_SCRIPT), *([str(entry)] if entry is not None else [])]
        self.log = _Log()
        self._pending: dict[int, _Pending] = {}
        self._handlers: dict[int, _Handler] = {}
        self._ids = itertools.count(1)
        self._send_lock = threading.Lock()
        self._hello: dict[str, Any] | None = None
        self._greeted = threading.Event()
        self._popen = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            start_new_session=True,
        )
        threading.Thread(target=self._read_stderr, name="node-bridge-stderr", daemon=True).start()
        threading.Thread(target=self._read_frames, name="node-bridge-frames", daemon=True).start()
        if not self._greeted.wait(HELLO_TIMEOUT) or self._hello is None:
            self.stop()
            raise BridgeError(self.explain(f"Node sent no hello within {HELLO_TIMEOUT:.0f} s"))
        self._send({"kind": "hello", "version": PROTOCOL_VERSION, "pid": os.getpid(), "runtime": "python"})

    @property
    def hello(self) -> dict[str, Any]:
        """Node's hello frame: its pid, runtime, and the package's exports or load error."""
        assert self._hello is not None
        return self._hello

    @property
    def alive(self) -> bool:
        return self._popen.poll() is None

    def explain(self, message: str, lines: int = 30) -> str:
        """``message`` followed by Node's last ``lines`` stderr lines."""
        tail = self.log.since(max(0, self.log.count - lines))
        return message + ("\nNode stderr (last lines):\n" + "\n".join(tail) if tail else "")

    def _send(self, frame: dict[str, Any]) -> None:
        problems = frame_problems(frame)
        if problems:
            raise BridgeError(f"refusing to send a malformed frame: {'; '.join(problems)}")
        body = json.dumps(frame, ensure_ascii=False, allow_nan=False).encode("utf-8")
        stdin = self._popen.stdin
        assert stdin is not None
        data = memoryview(len(body).to_bytes(4, "big") + body)
        try:
            with self._send_lock:
                while data:
                    data = data[os.write(stdin.fileno(), data) :]
        except (BrokenPipeError, ValueError, OSError):
            raise BridgeError(self.explain("the Node process is gone")) from None

    async def call(self, method: str, world: int | None, args: list[Any]) -> Any:
        """Call ``method`` (protocol.json) with ``args`` on World ``world``; its decoded value."""
        pending = self._start(method, world, args)

        def expire() -> None:
            if not pending.future.done():
                problem = f"{method}: no reply within {CALL_TIMEOUT:.0f} s"
                pending.future.set_exception(BridgeError(self.explain(problem)))

        timer = pending.loop.call_later(CALL_TIMEOUT, expire)
        try:
            return await pending.future
        finally:
            timer.cancel()

    async def stream(self, method: str, world: int, args: list[Any]) -> AsyncGenerator[Any]:
        """Call a streaming ``method``; yield each chunk until its result frame."""
        chunks: asyncio.Queue[Any] = asyncio.Queue()
        pending = self._start(method, world, args, chunks)
        finished = False
        try:
            while True:
                item = await chunks.get()
                if item is _END:
                    finished = True
                    break
                yield item
            await pending.future
        finally:
            if not finished and self.alive:
                self._send({"kind": "cancel", "id": pending.ident})

    def _start(
        self, method: str, world: int | None, args: list[Any], chunks: asyncio.Queue[Any] | None = None
    ) -> _Pending:
        problems = argument_problems(method, args)
        if problems:
            raise BridgeError(f"refusing to call {method}: {'; '.join(problems)}")
        loop = asyncio.get_running_loop()
        ident = next(self._ids)
        pending = _Pending(ident, loop, loop.create_future(), method, chunks)
        self._pending[ident] = pending
        try:
            frame = {"kind": "call", "id": ident, "method": method, "world": world, "args": to_tagged(args)}
            self._send(frame)
        except BaseException:
            self._pending.pop(ident, None)
            raise
        pending.future.add_done_callback(lambda _: self._forget(pending))
        return pending

    def _forget(self, pending: _Pending) -> None:
        if pending.chunks is None and self._pending.get(pending.ident) is pending:
            del self._pending[pending.ident]

    def add_handler(self, deliver: DeliveryHandler) -> int:
        """Register ``deliver`` for the deliveries Node addresses to the returned handler id; it
        runs in the calling event loop."""
        ident = next(self._ids)
        self._handlers[ident] = _Handler(asyncio.get_running_loop(), deliver)
        return ident

    def remove_handler(self, ident: int) -> None:
        self._handlers.pop(ident, None)

    def _read_stderr(self) -> None:
        stderr = self._popen.stderr
        assert stderr is not None
        for raw in stderr:
            self.log.add(raw.decode("utf-8", errors="replace").rstrip("\n"))

    def _read_frames(self) -> None:
        stdout = self._popen.stdout
        assert stdout is not None
        try:
            while True:
                header = stdout.read(4)
                if len(header) < 4:
                    break
                body = stdout.read(int.from_bytes(header, "big"))
                self._dispatch(json.loads(body))
        except Exception as error:
            self.log.add(f"[worldspec bridge, python] reading Node's frames failed: {error!r}")
        finally:
            self._greeted.set()
            self._fail_all()

    def _dispatch(self, frame: Any) -> None:
        problems = frame_problems(frame)
        if problems:
            self.log.add(f"[worldspec bridge, python] malformed frame from Node: {'; '.join(problems)}")
            if isinstance(frame, dict) and frame.get("id") in self._pending:
                _settle(self._pending.pop(frame["id"]), error=BridgeError("; ".join(problems)))
            return
        kind = frame["kind"]
        if kind == "hello":
            if frame["version"] != PROTOCOL_VERSION:
                self.log.add(f"[worldspec bridge, python] Node speaks version {frame['version']}")
            else:
                self._hello = frame
            self._greeted.set()
        elif kind == "deliver":
            self._deliver(frame)
        elif kind in ("result", "error", "chunk"):
            self._answer(frame)
        else:
            self.log.add(f"[worldspec bridge, python] unexpected {kind} frame from Node")

    def _answer(self, frame: dict[str, Any]) -> None:
        kind = frame["kind"]
        pending = self._pending.get(frame["id"]) if kind == "chunk" else self._pending.pop(frame["id"], None)
        if pending is None:
            return
        try:
            if kind == "error":
                outcome: tuple[Any, BaseException | None] = (None, self._error(frame["error"]))
            else:
                outcome = (from_tagged(frame["value" if kind == "result" else "data"]), None)
        except ValueError as problem:
            outcome = (None, BridgeError(f"{pending.method}: undecodable value from Node: {problem}"))
        if pending.chunks is not None:
            queue = pending.chunks
            if kind == "chunk" and outcome[1] is None:
                _in_loop(pending.loop, lambda: queue.put_nowait(outcome[0]))
                return
            _in_loop(pending.loop, lambda: queue.put_nowait(_END))
        _settle(pending, *outcome)

    def _error(self, described: dict[str, Any]) -> BaseException:
        if described["name"] == BRIDGE_ERROR_NAME:
            return BridgeError(self.explain(described["message"]))
        fields = {key: value for key, value in described.items() if key not in ("name", "message", "stack")}
        error: WorkflowError = error_from_name(described["name"], described["message"], fields)
        stack = f"\n{described['stack']}" if "stack" in described else ""
        error.add_note(f"raised in Node as {described['name']}{stack}")
        return error

    def _deliver(self, frame: dict[str, Any]) -> None:
        handler = self._handlers.get(frame["handler"])
        reply_id = frame["id"]

        async def run(found: _Handler) -> None:
            try:
                outcome = await found.deliver(frame["message"], frame["meta"])
                reply: dict[str, Any] = {"kind": "delivered", "id": reply_id, "outcome": outcome}
            except Exception as error:
                reply = {"kind": "delivered", "id": reply_id, "outcome": None, "error": _described(error)}
            if self.alive:
                self._send(reply)

        if handler is not None:
            try:
                asyncio.run_coroutine_threadsafe(run(handler), handler.loop)
                return
            except RuntimeError:
                pass  # the handler's loop is closed
        gone = {"name": "Error", "message": "worldspec: no live Python handler for this delivery"}
        self._send({"kind": "delivered", "id": reply_id, "outcome": None, "error": gone})

    def _fail_all(self) -> None:
        try:
            code = self._popen.wait(timeout=5)
        except subprocess.TimeoutExpired:
            code = None
        error = BridgeError(self.explain(f"the Node process ended (exit code {code})"))
        for pending in list(self._pending.values()):
            if pending.chunks is not None:
                queue = pending.chunks
                _in_loop(pending.loop, lambda queue=queue: queue.put_nowait(_END))  # type: ignore[misc]
            _settle(pending, error=error)
        self._pending.clear()

    def stop(self) -> None:
        """End the process: close its stdin (it exits), then signal its process group."""
        if self._popen.stdin is not None:
            with contextlib.suppress(OSError):
                self._popen.stdin.close()
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.killpg(self._popen.pid, sig)
                except ProcessLookupError:
                    return
            try:
                self._popen.wait(timeout=3)
                return
            except subprocess.TimeoutExpired:
                continue


def _described(error: BaseException) -> dict[str, Any]:
    return {"name": str(getattr(error, "name", None) or type(error).__name__), "message": str(error)}


_PROCESSES: dict[tuple[str | None, tuple[tuple[str, str], ...]], NodeProcess] = {}
_PROCESSES_LOCK = threading.Lock()


def process_for(entry: Path | None, env: Mapping[str, str]) -> NodeProcess:
    """The live process serving package ``entry`` under ``env``, started on first use."""
    key = (str(entry) if entry is not None else None, tuple(sorted(env.items())))
    with _PROCESSES_LOCK:
        found = _PROCESSES.get(key)
        if found is None or not found.alive:
            found = NodeProcess(entry, env)
            _PROCESSES[key] = found
        return found


@atexit.register
def _stop_all() -> None:
    for process in list(_PROCESSES.values()):
        process.stop()
