"""The oracle: the in-memory reference World the kit compares a World under test with.

The model (LIN-001) runs every operation on the World and on a fresh oracle; the races
(LIN-002…LIN-006) replay candidate serial orders on fresh oracles to decide linearizability.
This module is the one place the kit reaches into ``reference_worlds``: the oracle is
``reference_worlds.memory.MemoryWorld``, which passes every invariant of the kit itself.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import cast

from reference_worlds.memory import MemoryWorld, system_clock
from worldspec.protocol import World

__all__ = ["Oracle", "as_world", "new_oracle", "oracle_on", "system_clock"]

Oracle = MemoryWorld
"""The oracle's type."""


async def new_oracle() -> Oracle:
    """A fresh, empty oracle on the system clock."""
    return MemoryWorld()


def oracle_on(clock: Callable[[], datetime]) -> Oracle:
    """A fresh, empty oracle whose time comes from ``clock``."""
    return MemoryWorld(clock=clock)


def as_world(oracle: Oracle) -> World:
    """The oracle as the World protocol of the 4.x line, which it speaks at its default spec
    version (MemoryWorld's namespaces are typed for both lines)."""
    return cast(World, oracle)
