"""``SharedFileWorld``: a MemoryWorld whose state lives in a file, shared between processes.

The kit's multi-process races need a World that declares ``multi_process=True``; this is the
smallest honest one. Every create takes an exclusive ``flock`` on the state file, loads the
state, decides, writes it back and releases the lock; every read loads the state under a
shared lock. ``worldspec_shared_options`` names the directory, so a worker process opens a
World over the same state. Without ``path`` a fresh temporary directory is used (and removed
by ``close``).
"""

from __future__ import annotations

import asyncio
import copyreg
import fcntl
import os
import pickle
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from reference_worlds.memory import MemoryWorld, _State
from worldspec.capabilities import Capabilities
from worldspec.wire_types import MISSING

_READS = {
    "events": ("get", "list", "list_by_correlation_id"),
    "runs": ("get", "list"),
    "steps": ("get", "list"),
    "hooks": ("get", "get_by_token", "list"),
}


def _missing() -> Any:
    return MISSING


copyreg.pickle(type(MISSING), lambda _: (_missing, ()))
"""Models hold the ``MISSING`` sentinel, which pickles as a call that returns it again."""


class SharedFileWorld(MemoryWorld):
    """A MemoryWorld over ``<path>/state.pickle``, linearizable across processes."""

    worldspec_capabilities = Capabilities(legacy_seeding=True, delay=True, multi_process=True)

    def __init__(self, path: str | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._owned = path is None
        self.path = Path(path or tempfile.mkdtemp(prefix="worldspec-shared-"))
        self._file = self.path / "state.pickle"
        self._lockfile = self.path / "state.lock"
        self._lockfile.touch()
        self._known_version: tuple[int, int, int] | None = None
        self.worldspec_shared_options = {"path": str(self.path)}
        self.lock: _StateLock = _StateLock(self)  # type: ignore[assignment]
        for namespace, methods in _READS.items():
            for name in methods:
                target = getattr(self, namespace)
                setattr(target, name, self._refreshing(getattr(target, name)))

    def load(self) -> None:
        """Read the shared state into this World's memory, unless the file is the one this
        World last read or wrote."""
        try:
            version = self._version()
        except FileNotFoundError:
            return
        if version != self._known_version:
            loaded: _State = pickle.loads(self._file.read_bytes())
            self.state.__dict__.update(loaded.__dict__)
            self._known_version = version

    def store(self) -> None:
        """Write this World's state to the shared file (atomically replaced)."""
        scratch = self._file.with_suffix(f".{os.getpid()}.{id(self)}.tmp")
        scratch.write_bytes(pickle.dumps(self.state))
        scratch.replace(self._file)
        self._known_version = self._version()

    def _version(self) -> tuple[int, int, int]:
        found = self._file.stat()
        return (found.st_ino, found.st_mtime_ns, found.st_size)

    def take_file_lock(self, handle: Any, mode: int) -> None:
        """``flock`` the lock file: ``LOCK_EX`` around creates, ``LOCK_SH`` around reads."""
        fcntl.flock(handle, mode)

    def _refreshing(self, read: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
        async def refreshed(*args: Any, **kwargs: Any) -> Any:
            if not self.lock.held:
                with open(self._lockfile, "rb") as handle:
                    self.take_file_lock(handle, fcntl.LOCK_SH)
                    self.load()
            return await read(*args, **kwargs)

        return refreshed

    async def close(self) -> None:
        await super().close()
        if self._owned:
            shutil.rmtree(self.path, ignore_errors=True)


class _StateLock:
    """``world.lock``: the asyncio lock of this World, then the file lock, with the state
    loaded on entry and written back on exit."""

    def __init__(self, world: SharedFileWorld) -> None:
        self._world = world
        self._memory = asyncio.Lock()
        self._handle: Any = None

    @property
    def held(self) -> bool:
        """Whether a create of this World holds the lock (its state is then current)."""
        return self._handle is not None

    async def __aenter__(self) -> None:
        await self._memory.acquire()
        self._handle = open(self._world.path / "state.lock", "rb")  # noqa: SIM115
        self._world.take_file_lock(self._handle, fcntl.LOCK_EX)
        self._world.load()

    async def __aexit__(self, *exc: object) -> None:
        try:
            self._world.store()
        finally:
            self._handle.close()
            self._handle = None
            self._memory.release()
