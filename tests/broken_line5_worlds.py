"""5.x Worlds (MemoryWorld at spec 7) each broken in one member only the 5.x line has, to show
that the kit judges a 5.x World through those members.

``StreamsGetIgnoresStart`` reads ``world.streams.get`` from the first chunk whatever the start
index (its 4.x ``read_from_stream`` stays right), so STRM-004 fails only if the stream suite reads
through ``world.streams``. ``ResilientRunAtSpecSix`` stores a resilient start at spec 6 although
upstream's fixture sends 7, which only the 5.x reading of RS-002 (the fixture as written) sees.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from reference_worlds.memory import MemoryWorld
from reference_worlds.streams_namespace import StreamsNamespace
from worldspec.wire_types import MISSING


class _StartIgnored(StreamsNamespace):
    def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        return super().get(run_id, name, 0)


class _ResilientAtSix:
    def __init__(self, events: Any) -> None:
        self._events = events

    def __getattr__(self, name: str) -> Any:
        return getattr(self._events, name)

    async def create(self, run_id: str | None, event: Any, params: Any = None) -> Any:
        if event.event_type == "run_started" and event.event_data is not MISSING:
            event = event.model_copy(update={"spec_version": 6})
        return await self._events.create(run_id, event, params)


def StreamsGetIgnoresStart() -> MemoryWorld:
    """A 5.x MemoryWorld whose ``streams.get`` ignores ``start_index``."""
    world = MemoryWorld(spec_version=7)
    world.streams = _StartIgnored(world._streams)
    return world


def ResilientRunAtSpecSix() -> MemoryWorld:
    """A 5.x MemoryWorld that stores a resilient start at spec 6 whatever version it was sent at."""
    world = MemoryWorld(spec_version=7)
    world.events = _ResilientAtSix(world.events)  # type: ignore[assignment]
    return world
