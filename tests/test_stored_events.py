"""What a World stores for an event is what was sent: a payload object shaped like a tagged-JSON
tag (``{"$bytes": ...}``) stays that object in the stored event, in every reference World."""

from __future__ import annotations

import asyncio

from conformance.checks import make
from reference_worlds.memory import MemoryWorld
from reference_worlds.postgres import PostgresWorld
from tests.postgres_support import postgres_dsn

TAG_SHAPED = {"$bytes": "AAEC"}


def test_a_tag_shaped_legacy_payload_is_stored_as_sent() -> None:
    async def scenario() -> None:
        world = MemoryWorld()
        created = await world.events.create(None, make.run_created(input=TAG_SHAPED, spec_version=1))
        assert created.event.event_data.input == TAG_SHAPED
        stored = (await world.events.list(created.run.run_id)).data[0]
        assert stored.event_data.input == TAG_SHAPED

    asyncio.run(scenario())


def test_postgres_world_stores_a_tag_shaped_payload_as_sent() -> None:
    postgres_dsn()

    async def scenario() -> None:
        async with PostgresWorld() as world:
            created = await world.events.create(None, make.run_created(input=TAG_SHAPED, spec_version=1))
            run_id = created.run.run_id
            assert created.event.event_data.input == TAG_SHAPED
            assert (await world.events.list(run_id)).data[0].event_data.input == TAG_SHAPED
            assert (await world.runs.get(run_id)).input == TAG_SHAPED

    asyncio.run(scenario())
