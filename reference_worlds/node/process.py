"""The Node process behind the bridge: starting it, its hello, its stderr, and its end.

Starting Node and importing a package costs a few hundred milliseconds, and the kit builds a
World per test, so one process per (package, environment) serves every World of this Python
process; ``process_for`` hands out the live one and starts a fresh one when the last has died
or been killed. Each event loop talks to it over a Unix socket of its own (``channel.py``).

Node exits when its stdin closes, so it ends with Python even on a crash; ``atexit`` and the
child's own process group cover a Python that exits normally or on Ctrl-C.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from reference_worlds.node.schema import PROTOCOL_VERSION, frame_problems

__all__ = ["BridgeError", "NodeProcess", "live_processes", "process_for"]

BRIDGE_SCRIPT: Final = Path(__file__).with_name("bridge.mjs")
LOG_LINES: Final = 200
"""Lines of Node's stderr (and the bridge's own notes) kept for failure reports."""
HELLO_TIMEOUT: Final = 60.0
"""Seconds Node may take to import the package and say hello."""
STOP_GRACE: Final = 3.0
"""Seconds an orderly stop waits after each step (stdin closed, SIGTERM) before the next."""


class BridgeError(Exception):
    """The bridge failed, not the World: Node missing or dead, a frame that breaks the protocol,
    a value that cannot cross. The message ends with Node's last stderr lines."""


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


MAIN_THREAD_SIGNALS: Final = frozenset(
    getattr(signal, name)
    for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGALRM")
    if hasattr(signal, name)
)
"""Signals sent to the whole process that Python handles, and that should interrupt what the
main thread is waiting for (Ctrl-C, a timeout plugin's alarm)."""


def _start_deaf_thread(target: Callable[[], None], name: str) -> None:
    """Start a daemon thread that never receives ``MAIN_THREAD_SIGNALS``.

    Linux hands a signal sent to the process to any thread not blocking it. Python then runs the
    handler in the main thread only at its next bytecode, so a main thread blocked in a sleep or
    a read would not see Ctrl-C until that call returned. The thread is started with the signals
    blocked (it inherits the mask), so the kernel always picks the main thread. Only for threads
    that start no processes: a child inherits the mask too.
    """
    thread = threading.Thread(target=target, name=name, daemon=True)
    if not hasattr(signal, "pthread_sigmask"):
        thread.start()
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, MAIN_THREAD_SIGNALS)
    try:
        thread.start()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


class NodeProcess:
    """A running ``node bridge.mjs SOCKET [ENTRY]``.

    Raises ``BridgeError`` when Node is missing, or ends or stays silent before its hello.
    """

    def __init__(self, entry: Path | None, env: Mapping[str, str]) -> None:
        node = shutil.which("node")
        if node is None:
            raise BridgeError("node is not on PATH: the bridge needs Node.js 20 or later")
        self.log = _Log()
        self._directory = Path(tempfile.mkdtemp(prefix="worldspec-node-"))
        self.socket_path = self._directory / "bridge.sock"
        self._killed = False
        self._ended = threading.Event()
        command = [node, str(BRIDGE_SCRIPT), str(self.socket_path)]
        self._popen = subprocess.Popen(
            [*command, *([str(entry)] if entry is not None else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **env},
            start_new_session=True,
        )
        _start_deaf_thread(self._follow_stderr, "node-bridge-stderr")
        try:
            self.hello: dict[str, Any] = self._read_hello()
        except BaseException:
            self.kill()
            raise

    @property
    def pid(self) -> int:
        return self._popen.pid

    @property
    def alive(self) -> bool:
        """Neither killed nor ended: new Worlds may use it."""
        return not self._killed and not self._ended.is_set() and self._popen.poll() is None

    def explain(self, message: str, lines: int = 30) -> str:
        """``message`` followed by Node's last ``lines`` stderr lines."""
        tail = self.log.since(max(0, self.log.count - lines))
        return message + ("\nNode stderr (last lines):\n" + "\n".join(tail) if tail else "")

    def wait_ended(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the process to end and its stderr to be read."""
        return self._ended.wait(timeout)

    def describe_end(self) -> str:
        """How the process ended, as far as is known now (a child of Node holding stderr open
        must not hide Node's exit code)."""
        code = self._popen.poll()
        if self._killed:
            return "the Node process was killed by the bridge"
        if code is None:
            return "the Node process closed the connection"
        if code < 0:
            return f"the Node process died from signal {signal.Signals(-code).name}"
        return f"the Node process exited with code {code}"

    def _read_hello(self) -> dict[str, Any]:
        stdout = self._popen.stdout
        assert stdout is not None
        received = b""
        deadline = time.monotonic() + HELLO_TIMEOUT
        while len(received) < 4 or len(received) < 4 + int.from_bytes(received[:4], "big"):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise BridgeError(self.explain(f"Node sent no hello within {HELLO_TIMEOUT:.0f} s"))
            if select.select([stdout], [], [], remaining)[0]:
                data = os.read(stdout.fileno(), 65536)
                if not data:
                    self.wait_ended(STOP_GRACE)
                    raise BridgeError(self.explain(f"{self.describe_end()} before its hello"))
                received += data
        stdout.close()
        hello = json.loads(received[4:])
        problems = frame_problems(hello)
        if problems or hello["kind"] != "hello":
            raise BridgeError(self.explain(f"Node's first frame is not a hello: {hello!r:.200}"))
        if hello["version"] != PROTOCOL_VERSION:
            problem = f"Node speaks bridge protocol {hello['version']}, Python {PROTOCOL_VERSION}"
            raise BridgeError(self.explain(problem))
        return dict(hello)

    def _follow_stderr(self) -> None:
        stderr = self._popen.stderr
        assert stderr is not None
        for raw in stderr:
            self.log.add(raw.decode("utf-8", errors="replace").rstrip("\n"))
        self._popen.wait()
        shutil.rmtree(self._directory, ignore_errors=True)
        self._ended.set()

    def kill(self) -> None:
        """Kill the process group at once (SIGKILL) without waiting: calls in flight fail as soon
        as their connections see the end, and ``process_for`` starts a fresh process."""
        self._killed = True
        if self._popen.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._popen.pid, signal.SIGKILL)

    def stop(self) -> None:
        """End the process in order: close its stdin (it exits), then SIGTERM, then SIGKILL."""
        if self._popen.stdin is not None:
            with contextlib.suppress(OSError):
                self._popen.stdin.close()
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.killpg(self._popen.pid, sig)
                except ProcessLookupError:
                    break
            try:
                self._popen.wait(timeout=STOP_GRACE)
                break
            except subprocess.TimeoutExpired:
                continue
        shutil.rmtree(self._directory, ignore_errors=True)


_PROCESSES: dict[tuple[str | None, tuple[tuple[str, str], ...]], NodeProcess] = {}
_PROCESSES_LOCK = threading.Lock()


def process_for(entry: Path | None, env: Mapping[str, str]) -> NodeProcess:
    """The live process serving package ``entry`` under ``env``, started on first use and
    again after the previous one ended or was killed."""
    key = (str(entry) if entry is not None else None, tuple(sorted(env.items())))
    with _PROCESSES_LOCK:
        found = _PROCESSES.get(key)
        if found is None or not found.alive:
            found = NodeProcess(entry, env)
            _PROCESSES[key] = found
        return found


def live_processes() -> list[NodeProcess]:
    """The processes ``process_for`` would hand out now."""
    with _PROCESSES_LOCK:
        return [process for process in _PROCESSES.values() if process.alive]


@atexit.register
def _stop_all() -> None:
    for process in list(_PROCESSES.values()):
        process.stop()
