"""Worlds that hang the way real backends do: a call that never returns, a listing that never
ends, code that blocks the event loop. The kit must fail the tests they hang, name the call, and
go on (tests/test_deadlines.py)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

from reference_worlds.memory import MemoryWorld
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.wire_types import MISSING


def _unlucky(run_id: str) -> bool:
    """About one run id in four: the World's bug depends on the id, as a lock on a hot row does."""
    return run_id[-1] in "0123456R"


class RunsGetNeverReturns(MemoryWorld):
    """``runs.get`` awaits forever for some run ids (a lock wait that never ends)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            if _unlucky(run_id):
                await asyncio.sleep(3600)
            return await original(run_id, resolve_data=resolve_data)

        self.runs.get = get  # type: ignore[method-assign]


class EndlessEventPages(MemoryWorld):
    """``events.list`` ignores the cursor it is given and always says ``hasMore: true`` with a
    fresh one (a paging bug that makes every client loop)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.list
        served = 0

        async def listing(run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
            nonlocal served
            served += 1
            first_page = (pagination or PaginationOptions()).model_copy(update={"cursor": MISSING})
            page: PaginatedResponse[Any] = await original(run_id, pagination=first_page, **kwargs)
            return page.model_copy(update={"has_more": True, "cursor": f"page-{served}"})

        self.events.list = listing  # type: ignore[method-assign]


class BlocksTheLoop(MemoryWorld):
    """The process's first ``runs.get`` blocks the thread for an hour (a synchronous driver call
    on a connection that never answers); every later one works. Once, so that the kit's run has
    exactly one test to give up on (each costs the whole test's deadline)."""

    blocked = threading.Event()

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            if not BlocksTheLoop.blocked.is_set():
                BlocksTheLoop.blocked.set()
                time.sleep(3600)
            return await original(run_id, resolve_data=resolve_data)

        self.runs.get = get  # type: ignore[method-assign]


class CloseNeverReturns(MemoryWorld):
    """``close()`` awaits forever (a connection pool that waits for a lost connection)."""

    async def close(self) -> None:
        await asyncio.sleep(3600)


class SlowCreates(MemoryWorld):
    """Every ``events.create`` takes 50 ms (a World whose writes got slow, not stuck)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.create

        async def create(*args: Any, **kwargs: Any) -> Any:
            await asyncio.sleep(0.05)
            return await original(*args, **kwargs)

        self.events.create = create  # type: ignore[method-assign]


class LeavesAThreadRunning(MemoryWorld):
    """Starts a non-daemon background thread (a flusher) that ``close()`` forgets to stop."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._stop = threading.Event()
        self._flusher = threading.Thread(target=self._stop.wait, name="flusher", daemon=False)
        self._flusher.start()


class ResolvesInTheDefaultExecutor(MemoryWorld):
    """``runs.get`` first does blocking work through ``run_in_executor(None, ...)``, as a driver
    resolving a host name does: the loop's default executor starts a thread for it, and that
    thread is the loop's, not something the World left running."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            await asyncio.get_running_loop().run_in_executor(None, time.sleep, 0.001)
            return await original(run_id, resolve_data=resolve_data)

        self.runs.get = get  # type: ignore[method-assign]


class ClosesWithAnExecutorJobRunning(MemoryWorld):
    """``close()`` returns while a job it handed to the loop's default executor still runs
    (a flush it started and forgot to await): that thread is still the World's work."""

    async def close(self) -> None:
        asyncio.get_running_loop().run_in_executor(None, time.sleep, 2)
        await super().close()


class _RestartWaitsForever:
    """Faults of a World whose restart waits, synchronously, for a server that never comes up."""

    async def crash(self) -> None:
        """Nothing to end: the memory World has no process of its own."""

    async def restart(self) -> None:
        time.sleep(3600)


class RestartNeverReturns(MemoryWorld):
    """Can be crashed and restarted (``Restartable``), and its restart blocks the event loop for
    an hour: the session's fault campaign never finishes."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_faults = _RestartWaitsForever()


class ExitsFromACall(MemoryWorld):
    """``runs.get`` raises ``SystemExit`` (a driver helper that calls ``sys.exit()`` when its
    connection is lost). Let through, it would end the test's event loop or the run."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            raise SystemExit(f"connection to the store lost while reading {run_id}")

        self.runs.get = get  # type: ignore[method-assign]


class ExitsFromItsPoller(MemoryWorld):
    """``runs.get`` starts a background task (a poller keeping a connection alive) that raises
    ``SystemExit`` a moment later. asyncio lets that out of the event loop itself, which ended
    the loop's thread: every later call of the test waited out its deadline."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get
        self.pollers: set[asyncio.Task[None]] = set()

        async def lose_the_connection() -> None:
            await asyncio.sleep(0)
            raise SystemExit("the poller lost its connection")

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            self.pollers.add(asyncio.get_running_loop().create_task(lose_the_connection()))
            await asyncio.sleep(0.01)  # the poller runs while the read waits for its connection
            return await original(run_id, resolve_data=resolve_data)

        self.runs.get = get  # type: ignore[method-assign]


class LeaksItsCancellation(MemoryWorld):
    """``runs.get`` awaits a lookup its own pool cancelled and lets the ``CancelledError`` out,
    though nobody cancelled the caller."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            lookup = asyncio.ensure_future(original(run_id, resolve_data=resolve_data))
            lookup.cancel()
            return await lookup

        self.runs.get = get  # type: ignore[method-assign]


class GetsSynchronously(MemoryWorld):
    """``runs.get`` is a plain method returning the run (a port from a synchronous driver)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        state = self.line4_state

        def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            return state.runs[run_id][1]

        self.runs.get = get  # type: ignore[method-assign,assignment]


class FactoryNeverReturns(MemoryWorld):
    """Its constructor blocks for an hour (a synchronous connect to a host that never answers,
    without a connect timeout)."""

    def __init__(self, **options: Any) -> None:
        time.sleep(3600)


class ClosesSynchronously(MemoryWorld):
    """``close()`` is a plain method (``pool.close()`` of a synchronous driver)."""

    def close(self) -> None:  # type: ignore[override]
        """Nothing to release: the queue's tasks end with the test's loop."""


class CloseRaises(MemoryWorld):
    """``close()`` raises (a pool that refuses to close twice)."""

    async def close(self) -> None:
        await super().close()
        raise RuntimeError("pool already closed")
