"""Factories a user might get wrong, and Worlds for the plugin's own tests."""

from __future__ import annotations

from typing import Any

from reference_worlds.memory import MemoryWorld
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


class NoPreloadDeclared(MemoryWorld):
    """Declares the MAY omission of the run_started preload."""

    worldspec_capabilities = Capabilities(preload=False, legacy_seeding=True)


class ExplodingHooksGet(MemoryWorld):
    """hooks.get raises an exception outside the contract's taxonomy."""

    def __init__(self) -> None:
        super().__init__()

        async def explode(hook_id: str, **options: Any) -> Any:
            raise RuntimeError("hooks.get exploded")

        self.hooks.get = explode  # type: ignore[method-assign]
