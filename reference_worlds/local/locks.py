"""Critical sections of LocalWorld: one per lock file, exclusive among tasks and processes.

Within a process, an ``asyncio.Lock`` per lock file queues the World's own tasks, so at most one
of its tasks ever waits on a given ``flock``; the ``flock`` then excludes other processes (and
other World instances over the same directory). The ``flock`` is first tried without blocking on
the event loop; only when another process holds it does a worker thread wait for it.

Lock order, which keeps sections free of deadlock: a run's lock before any token lock, token
locks in sorted path order, and no lock taken while a token or stream lock is held.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable
from concurrent.futures import Executor
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from reference_worlds.local.files import FileLock

__all__ = ["SectionLocks", "finish_in_thread"]

T = TypeVar("T")


async def finish_in_thread(executor: Executor, work: Callable[..., T], *args: Any) -> T:
    """Run blocking ``work(*args)`` in ``executor`` and return its result. A caller cancelled
    meanwhile still waits for it to finish before the cancellation goes on, so no lock the
    caller holds is released while ``work`` is writing."""
    running = asyncio.get_running_loop().run_in_executor(executor, work, *args)
    cancelled = False
    while True:
        try:
            result = await asyncio.shield(running)
        except asyncio.CancelledError:
            if running.done():
                raise
            cancelled = True
            continue
        if cancelled:
            raise asyncio.CancelledError
        return result


async def _wait_for(lock: FileLock, executor: Executor) -> None:
    """Take ``lock`` in a worker thread; if the waiting task is cancelled, the lock is released
    as soon as the thread gets it, so it never stays held by nobody."""
    waiting = asyncio.get_running_loop().run_in_executor(executor, lock.acquire)
    try:
        await asyncio.shield(waiting)
    except asyncio.CancelledError:
        waiting.add_done_callback(lambda _: lock.release())
        raise


class SectionLocks:
    """The locks of one World instance, keyed by lock-file path."""

    def __init__(self, executor: Executor) -> None:
        self._executor = executor
        self._local: dict[Path, asyncio.Lock] = {}

    @asynccontextmanager
    async def hold(self, path: Path) -> AsyncIterator[None]:
        """Hold the lock of ``path`` for the body of the ``async with``."""
        local = self._local.setdefault(path, asyncio.Lock())
        async with local:
            lock = FileLock(path)
            if not lock.try_acquire():
                await _wait_for(lock, self._executor)
            try:
                yield
            finally:
                lock.release()

    @asynccontextmanager
    async def hold_all(self, paths: Iterable[Path]) -> AsyncIterator[None]:
        """Hold the locks of ``paths``, taken in sorted order."""
        async with AsyncExitStack() as stack:
            for path in sorted(set(paths)):
                await stack.enter_async_context(self.hold(path))
            yield
