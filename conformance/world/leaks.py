"""What a World leaves running after ``close()``: threads, child processes, asyncio tasks.

A non-daemon thread a World forgets to stop keeps the interpreter alive after the last test,
so pytest hangs after its summary with no hint why. The kit takes a census before it opens a
World and after it closes it, and names what is new and still running (no pytest here).
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Census", "leaked_non_daemon_threads", "pending_tasks"]

_SETTLE_SECONDS = 0.5
"""How long a thread or process the World is winding down gets to end before it counts."""


def _children() -> dict[int, str]:
    """This process's child processes, by pid, with their command names (Linux ``/proc``)."""
    found: dict[int, str] = {}
    for task in Path(f"/proc/{os.getpid()}/task").glob("*"):
        try:
            pids = (task / "children").read_text().split()
        except OSError:
            continue
        for pid in pids:
            try:
                found[int(pid)] = Path(f"/proc/{pid}/comm").read_text().strip()
            except OSError:
                found[int(pid)] = "?"
    return found


@dataclass(frozen=True)
class Census:
    """The threads and child processes alive at one moment."""

    threads: frozenset[int]
    children: frozenset[int]

    @classmethod
    def take(cls) -> Census:
        """Count what is alive now."""
        return cls(frozenset(t.ident or 0 for t in threading.enumerate()), frozenset(_children()))

    def left_behind(self, *, ignore_threads: frozenset[int] = frozenset()) -> list[str]:
        """What started since this census and still runs after a short settling time."""
        deadline = time.monotonic() + _SETTLE_SECONDS
        while True:
            threads = [
                t
                for t in threading.enumerate()
                if (t.ident or 0) not in self.threads | ignore_threads and t.is_alive()
            ]
            children = {pid: name for pid, name in _children().items() if pid not in self.children}
            if (not threads and not children) or time.monotonic() >= deadline:
                break
            time.sleep(0.05)
        shown = [
            f"thread {t.name!r}{'' if t.daemon else ' (not a daemon: it keeps Python from exiting)'}"
            for t in threads
        ]
        shown += [f"process {pid} ({name})" for pid, name in sorted(children.items())]
        return shown


def leaked_non_daemon_threads(ignore: frozenset[int]) -> list[threading.Thread]:
    """Non-daemon threads other than the main one and ``ignore``: what would hang exit."""
    return [
        t
        for t in threading.enumerate()
        if not t.daemon and t is not threading.main_thread() and (t.ident or 0) not in ignore and t.is_alive()
    ]


async def pending_tasks() -> list[str]:
    """The tasks still pending on the running loop, other than the caller, as ``task <name>``."""
    current = asyncio.current_task()
    return [
        f"task {task.get_name()!r}" for task in asyncio.all_tasks() if task is not current and not task.done()
    ]
