"""Factories a user might get wrong, and Worlds for the plugin's own tests."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from reference_worlds.memory import MemoryWorld
from worldspec import errors
from worldspec.capabilities import Capabilities


def raising_factory() -> Any:
    """A Factory whose World cannot be built."""
    raise ConnectionError("database at db.invalid:5432 refused the connection")


class _HalfAWorld:
    """Storage without the queue and streams."""

    def __init__(self) -> None:
        inner = MemoryWorld()
        self.events, self.runs, self.steps, self.hooks = inner.events, inner.runs, inner.steps, inner.hooks

    async def get_deployment_id(self) -> str:
        return "dpl_half"


def half_a_world() -> _HalfAWorld:
    return _HalfAWorld()


def exits() -> Any:
    """A Factory that ends the process, as a module's own command-line parsing would."""
    sys.exit(3)


def needs_a_dsn(dsn: str) -> MemoryWorld:
    """A Factory with a required option the user forgot."""
    return MemoryWorld()


def returns_nothing() -> None:
    """A Factory that builds its World and forgets to return it."""
    MemoryWorld()


def blocks_while_opening(marker: str) -> MemoryWorld:
    """A Factory stuck in a synchronous connect: it touches ``marker``, then blocks its thread."""
    Path(marker).touch()
    time.sleep(60)
    return MemoryWorld()


class BlocksTheLoopInCreate(MemoryWorld):
    """``events.create`` touches ``marker``, then blocks the event loop (a synchronous driver
    waiting on a lock): only the user's Ctrl-C ends the test."""

    def __init__(self, marker: str) -> None:
        super().__init__()
        original = self.events.create

        async def create(*args: Any, **kwargs: Any) -> Any:
            Path(marker).touch()
            time.sleep(60)
            return await original(*args, **kwargs)

        self.events.create = create  # type: ignore[method-assign]


class NoPreloadDeclared(MemoryWorld):
    """Declares the MAY omission of the run_started preload."""

    worldspec_capabilities = Capabilities(preload=False, legacy_seeding=True)


class NoStreamsDeclared(MemoryWorld):
    """Declares it has no streams: excused at core, blocking at full (a MUST of §10)."""

    worldspec_capabilities = Capabilities(streams=False, legacy_seeding=True)


class ExplodingHooksGet(MemoryWorld):
    """hooks.get raises an exception outside the contract's taxonomy."""

    def __init__(self) -> None:
        super().__init__()

        async def explode(hook_id: str, **options: Any) -> Any:
            raise RuntimeError("hooks.get exploded")

        self.hooks.get = explode  # type: ignore[method-assign]


class ThrowsOnSameRunTokenConflict(MemoryWorld):
    """``hook_created`` with a token another hook of the same run holds raises
    ``EntityConflictError`` instead of storing a ``hook_conflict`` (a unique index on the token
    column, with the conflict check only looking at other runs)."""

    def __init__(self) -> None:
        super().__init__()
        original = self.events.create

        async def create(run_id: str | None, event: Any, params: Any = None) -> Any:
            if event.event_type == "hook_created" and run_id is not None:
                holder = await self._holder(event.event_data.token)
                if holder == run_id:
                    raise errors.EntityConflictError(f"token {event.event_data.token} is taken")
            return await original(run_id, event, params)

        self.events.create = create  # type: ignore[method-assign]

    async def _holder(self, token: str) -> str | None:
        try:
            return (await self.hooks.get_by_token(token)).run_id
        except errors.HookNotFoundError:
            return None


class RunsGetReturnsPlainDicts(MemoryWorld):
    """``runs.get`` returns the run's wire dict instead of a run (a World that skipped its models)."""

    def __init__(self) -> None:
        super().__init__()
        original = self.runs.get

        async def get(run_id: str, **options: Any) -> Any:
            return (await original(run_id, **options)).to_wire()

        self.runs.get = get  # type: ignore[method-assign]
