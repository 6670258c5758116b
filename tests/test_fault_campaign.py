"""How many fault rounds of each kind a session's campaign makes, by profile."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conformance.faults.campaign import CONNECTION_ROUNDS_AT_LEAST, ROUNDS, campaign_for
from conformance.reporting.profiles import PROFILES
from conformance.world.loading import WorldSpec
from reference_worlds.memory import MemoryWorld


class _CutsCount:
    """A ``ConnectionFaults`` hook over a store that holds no connections: each cut is counted."""

    def __init__(self) -> None:
        self.cuts = 0

    async def drop_connections(self) -> None:
        self.cuts += 1


class ConnectionsCutCounted(MemoryWorld):
    """The memory World with a connection-fault hook that only counts the cuts."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_faults = _CutsCount()


@pytest.mark.parametrize("profile", sorted(PROFILES))
def test_every_profile_cuts_the_connections_at_least_twice(profile: str) -> None:
    """One cut missed a bug that shows only when the cut falls between a commit and its answer
    about one run in eight, so even ``quick`` makes two; longer profiles make their rounds."""
    world = ConnectionsCutCounted()
    spec = WorldSpec(target=f"{__name__}:ConnectionsCutCounted")
    campaign = asyncio.run(campaign_for(world, spec, PROFILES[profile], seed=7))
    expected = max(ROUNDS[profile], CONNECTION_ROUNDS_AT_LEAST)
    assert expected >= 2
    assert len(campaign.connections) == expected, campaign.connections
    assert world.worldspec_faults.cuts == expected
