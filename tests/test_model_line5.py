"""The model (LIN-001) on the 5.x line leaves to a World what v7 leaves to it: a sealed log may
fill a refused create's position with ``noop`` (v7 §2.6 item 3), which a World without the
capability may not."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from conformance.model import operations as ops
from conformance.model.driver import Disagreement
from conformance.model.shrink import first_disagreement
from conformance.world.loading import WorldSpec
from reference_worlds.memory import MemoryWorld
from worldspec.errors import EntityConflictError
from worldspec.events import CreateEventParams, EventRequest, EventResult
from worldspec.line5.events import NoopEvent
from worldspec.line5.slots import slot_to_event_id
from worldspec.lines import SpecLine

SEQUENCE = [
    ops.CreateRun("run_0"),
    ops.CreateStep("run_0", "step_1"),
    ops.CreateStep("run_0", "step_1"),
    ops.CreateWait("run_0", "wait_2"),
    ops.ListEvents("run_0", limit=2),
]
"""A refused ``step_created``, then a create and a read of the log."""


def _sealing(declares_sealed_log: bool) -> Any:
    """A 5.x MemoryWorld that fills the position of each refused create with ``noop``."""

    def factory(**options: Any) -> MemoryWorld:
        world = MemoryWorld(spec_version=7, **options)
        world.worldspec_capabilities = replace(world.worldspec_capabilities, sealed_log=declares_sealed_log)
        create = world.events.create

        async def create_or_seal(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            try:
                return await create(run_id, event, params)
            except EntityConflictError:
                log = world.state.events[str(run_id)]
                log.append(
                    NoopEvent(
                        run_id=str(run_id),
                        event_id=slot_to_event_id(len(log) + 1),
                        created_at=datetime.now(UTC),
                        spec_version=7,
                    )
                )
                raise

        world.events.create = create_or_seal  # type: ignore[method-assign]
        return world

    return factory


async def _first_disagreement(declares_sealed_log: bool) -> Disagreement | None:
    target = f"{__name__}:{'SEALED' if declares_sealed_log else 'UNDECLARED'}"
    return await first_disagreement(WorldSpec(target), SpecLine.LINE_5, SEQUENCE)


SEALED = _sealing(declares_sealed_log=True)
UNDECLARED = _sealing(declares_sealed_log=False)


def test_a_sealed_log_may_fill_a_refused_position_with_noop() -> None:
    assert asyncio.run(_first_disagreement(declares_sealed_log=True)) is None


def test_without_the_capability_the_noop_is_a_disagreement() -> None:
    found = asyncio.run(_first_disagreement(declares_sealed_log=False))
    assert found is not None and (found.operation, found.aspect) == (SEQUENCE[2], "log"), found
