"""Worlds that take a freedom the contract grants, which some published World takes too.

The kit must pass each of them: where it fails one, the kit judges a legal World wrong.
tests/test_legal_worlds.py runs the whole kit against each. Each class names, in ``freedom``,
the contract sentence it leans on and the published World that does the same.
"""

from __future__ import annotations

from typing import Any, ClassVar

from reference_worlds.memory import MemoryWorld
from worldspec.events import CreateEventParams, EventRequest, EventResult
from worldspec.wire_types import MISSING


class LegalWorld(MemoryWorld):
    """A MemoryWorld that differs from the oracle only where the contract allows it."""

    freedom: ClassVar[str] = ""


class CreateResultWithoutSpecVersion(LegalWorld):
    """Returns the event of ``events.create`` without ``specVersion``; ``events.get`` and
    ``events.list`` still show it."""

    freedom = (
        "§2.1: specVersion MAY be absent on returned objects. @workflow/world-postgres 4.3.7 "
        "builds the create result from the request and the inserted row's createdAt only."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            result = await original(run_id, event, params)
            if result.event is MISSING:
                return result
            unversioned = result.event.model_copy(update={"spec_version": MISSING})
            return result.model_copy(update={"event": unversioned})

        self.events.create = create  # type: ignore[method-assign]
