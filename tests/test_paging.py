"""The oracle and the Worlds it judges page the same way, from one module
(reference_worlds/paging.py): a cursor one listing made is refused by another with
WorkflowWorldError 400, never a stray ValueError."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from conformance.checks import make
from reference_worlds.local import LocalWorld
from reference_worlds.memory import MemoryWorld
from worldspec import errors
from worldspec.pagination import PaginationOptions


async def _foreign_cursors_are_refused(world: Any) -> list[str]:
    if hasattr(world, "start"):
        await world.start()
    try:
        run_id = (await world.events.create(None, make.run_created())).run.run_id
        for _ in range(3):
            await world.events.create(run_id, make.step_created(make.new_id("step")))
            await world.write_to_stream("s", run_id, b"chunk")
        event_cursor = (await world.events.list(run_id, pagination=PaginationOptions(limit=1))).cursor
        chunk_cursor = (await world.get_stream_chunks("s", run_id, limit=1)).cursor
        refusals = []
        for call in (
            world.get_stream_chunks("s", run_id, limit=1, cursor=event_cursor),
            world.events.list(run_id, pagination=PaginationOptions(limit=1, cursor=chunk_cursor)),
            world.get_stream_chunks("s", run_id, limit=1, cursor="not-a-cursor"),
        ):
            with pytest.raises(errors.WorkflowWorldError) as refused:
                await call
            refusals.append(f"{refused.value.name} {refused.value.status}")
        return refusals
    finally:
        await world.close()


@pytest.mark.parametrize("world", [MemoryWorld, LocalWorld], ids=lambda cls: cls.__name__)
def test_a_cursor_from_another_listing_is_refused_with_400(world: type[Any]) -> None:
    assert asyncio.run(_foreign_cursors_are_refused(world())) == ["WorkflowWorldError 400"] * 3
