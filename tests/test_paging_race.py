"""LIN-004's paging round stops appending once it has listed what existed when paging began, so
on a World that pages correctly a round ends when the pages catch up, far below MAX_PAGES,
whatever its order and limit (ascending by 1 used to append faster than it read)."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from conformance.races.paging import MAX_PAGES, paging_round
from reference_worlds.memory import MemoryWorld

ROUNDS = 30
PAGE_READS_ALLOWED = 60
"""A round has at most 9 events when paging begins and appends at most 3 per page while it
reads them: by 1, about 9 pages, 27 appended events, 27 more pages."""


def test_a_round_on_a_correct_world_ends_when_the_pages_catch_up() -> None:
    async def rounds() -> list[int]:
        reads = []
        for seed in range(ROUNDS):
            world = MemoryWorld()
            counted = 0
            list_events = world.events.list

            async def counting(run_id: str, _list: Any = list_events, **options: Any) -> Any:
                nonlocal counted
                counted += 1
                return await _list(run_id, **options)

            world.events.list = counting  # type: ignore[method-assign]
            assert await paging_round(world, random.Random(seed)) is None
            reads.append(counted)
        return reads

    reads = asyncio.run(rounds())
    assert max(reads) <= PAGE_READS_ALLOWED < MAX_PAGES, reads
