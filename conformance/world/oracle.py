"""The oracle: the in-memory reference World the kit compares a World under test with.

The model (LIN-001) runs every operation on the World and on a fresh oracle; the races
(LIN-002…LIN-006) replay candidate serial orders on fresh oracles to decide linearizability.
This module is the one place the kit reaches into ``reference_worlds``: the oracle is
``reference_worlds.memory.MemoryWorld``, which passes every invariant of the kit itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import cast

from reference_worlds.memory import MemoryWorld, system_clock
from worldspec.lines import LINE_5_VERSIONS, SpecLine
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT

__all__ = [
    "Oracle",
    "OracleFactory",
    "as_world",
    "new_oracle",
    "oracle_factory",
    "oracle_on",
    "oracle_version",
    "system_clock",
]

Oracle = MemoryWorld
"""The oracle's type."""

OracleFactory = Callable[[], Awaitable[Oracle]]
"""What makes fresh oracles, all of one spec version."""


async def new_oracle() -> Oracle:
    """A fresh, empty oracle of the 4.x line on the system clock."""
    return MemoryWorld()


def oracle_version(line: SpecLine, declared: object) -> int:
    """The spec version of the oracle that judges a World on ``line`` declaring ``declared``: the
    World's own on the 5.x line (6 or 7), else 7 (a World judged there by ``--world-spec``);
    3 on the 4.x line, the only 4.x version the oracle speaks (the 4.x rules are one for 2 and 3)."""
    if line is SpecLine.LINE_4:
        return SPEC_VERSION_CURRENT
    return declared if isinstance(declared, int) and declared in LINE_5_VERSIONS else max(LINE_5_VERSIONS)


def oracle_factory(spec_version: int) -> OracleFactory:
    """Fresh, empty oracles at ``spec_version`` on the system clock."""

    async def fresh() -> Oracle:
        return MemoryWorld(spec_version=spec_version)

    return fresh


def oracle_on(clock: Callable[[], datetime], spec_version: int) -> Oracle:
    """A fresh, empty oracle at ``spec_version`` whose time comes from ``clock``."""
    return MemoryWorld(clock=clock, spec_version=spec_version)


def as_world(oracle: Oracle) -> World:
    """The oracle as the World protocol of the 4.x line, which it speaks at its default spec
    version (MemoryWorld's namespaces are typed for both lines)."""
    return cast(World, oracle)
