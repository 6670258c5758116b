"""Broken Worlds that are right while they run and wrong after a kill: each keeps its state in a
file shared by processes (``SharedFileWorld``) and has kill points the FAULT family arms.

Their bugs show only when a process dies, so the kit runs only the FAULT family against them
(``only="faults"``); ``LocklessFileWorld`` and the other Worlds over ``SharedFileWorld`` show
the rest of the kit judges that storage.
"""

from __future__ import annotations

import asyncio
import copy
import fcntl
import os
import pickle
import signal
from typing import Any

from tests.broken_worlds.base import BrokenWorld
from tests.shared_file_world import SharedFileWorld, _StateLock
from worldspec import errors

FLUSH_DELAY = 0.02
"""How long ``AcknowledgesBeforeDurable`` keeps a commit in memory after answering."""


class KillPoints:
    """``worldspec.faults.ProcessKill`` for a World with the named points ``kill_points``."""

    def __init__(self, *points: str) -> None:
        self.kill_points = points
        self.armed: str | None = None

    def arm(self, point: str) -> None:
        if point not in self.kill_points:
            raise ValueError(f"no kill point {point!r}")
        self.armed = point

    def reached(self, point: str) -> None:
        if self.armed == point:
            os.kill(os.getpid(), signal.SIGKILL)


class EntityAndEventInTwoSteps(
    SharedFileWorld, BrokenWorld, breaks={"FAULT-002", "FAULT-003"}, only="faults"
):
    """Each commit writes the state file twice: first with the entities changed but without the
    new events, then whole. A kill between the two (``entities-written``) leaves runs, steps
    and hooks that their logs do not explain."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_faults = KillPoints("entities-written")
        self._logged: dict[str, int] = {}

    def load(self) -> None:
        super().load()
        self._logged = {run_id: len(log) for run_id, log in self.state.events.items()}

    def store(self) -> None:
        entities_only = copy.copy(self.state)
        entities_only.events = {
            run_id: log[: self._logged.get(run_id, 0)] for run_id, log in self.state.events.items()
        }
        scratch = self._file.with_suffix(".entities.tmp")
        scratch.write_bytes(pickle.dumps(entities_only))
        scratch.replace(self._file)
        self.worldspec_faults.reached("entities-written")
        super().store()


class _WriteBehindLock:
    """``world.lock`` of ``AcknowledgesBeforeDurable``: the file lock is taken on entry, but the
    state is written ``FLUSH_DELAY`` after the last create leaves (or when the next one enters),
    so a create answers before its write reaches the file."""

    def __init__(self, world: AcknowledgesBeforeDurable) -> None:
        self._world = world
        self._memory = asyncio.Lock()
        self._handle: Any = None
        self._timer: asyncio.TimerHandle | None = None

    @property
    def held(self) -> bool:
        return self._handle is not None

    async def __aenter__(self) -> None:
        await self._memory.acquire()
        self._world.worldspec_faults.reached("before-flush")
        if self._handle is None:
            self._handle = open(self._world.path / "state.lock", "rb")  # noqa: SIM115
            self._world.take_file_lock(self._handle, fcntl.LOCK_EX)
            self._world.load()

    async def __aexit__(self, *exc: object) -> None:
        if self._timer is None:
            self._timer = asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
        self._memory.release()

    def flush(self) -> None:
        """Write the state and release the file lock, unless a create is under way."""
        self._timer = None
        if self._handle is None:
            return
        if self._memory.locked():
            self._timer = asyncio.get_running_loop().call_later(FLUSH_DELAY, self.flush)
            return
        try:
            self._world.store()
        finally:
            self._handle.close()
            self._handle = None


class AcknowledgesBeforeDurable(
    SharedFileWorld, BrokenWorld, breaks={"FAULT-001", "FAULT-002"}, only="faults"
):
    """Group commit done wrong: a create answers at once and its state reaches the file
    ``FLUSH_DELAY`` later (or when the next create enters: ``before-flush`` is where it
    enters), so a process killed meanwhile loses creates it acknowledged."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_faults = KillPoints("before-flush")
        self.lock = _WriteBehindLock(self)  # type: ignore[assignment]

    async def close(self) -> None:
        self.lock.flush()
        await super().close()


class _RefusingAfterACrash(_StateLock):
    """``world.lock`` that refuses every create while the marker of an unfinished commit exists."""

    async def __aenter__(self) -> None:
        await super().__aenter__()
        world = self._world
        assert isinstance(world, CrashMarkerBlocksWrites)
        if world.marker.exists():
            self._handle.close()
            self._handle = None
            self._memory.release()
            raise errors.WorkflowWorldError(
                "a commit did not finish; the state file needs repair", status=500
            )


class CrashMarkerBlocksWrites(SharedFileWorld, BrokenWorld, breaks={"FAULT-002", "FAULT-004"}, only="faults"):
    """Each commit writes a ``committing`` marker before the state file and removes it after;
    a create that finds the marker refuses, taking it for a half-written state. A kill between
    the two (``marker-written``) leaves the marker, and the World never writes again."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_faults = KillPoints("marker-written")
        self.marker = self.path / "committing"
        self.lock = _RefusingAfterACrash(self)

    def store(self) -> None:
        self.marker.touch()
        self.worldspec_faults.reached("marker-written")
        super().store()
        self.marker.unlink()
