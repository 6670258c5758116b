"""Worlds that declare a spec version no line of the contract judges; the kit must refuse them.

``SpecFiveWorld`` stands for ``@workflow/world-postgres`` 5.0.0-beta.29, which inherits spec
version 5 from the ``@workflow/world`` beta it pins (world-contract-v7.md §1.2): it behaves as the
4.x oracle does and says 5.
"""

from __future__ import annotations

from reference_worlds.memory import MemoryWorld


def SpecFiveWorld() -> MemoryWorld:
    """A MemoryWorld that declares the transitional spec version 5."""
    world = MemoryWorld()
    world.spec_version = 5
    return world
