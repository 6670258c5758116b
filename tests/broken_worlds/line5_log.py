"""Broken Worlds for the event log of the 5.x line (SLOT-001, EVT-101, EVT-102, EVT-103, and
slot density after a refused create, which SLOT-003 and the model, LIN-001, judge)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, LosesSlotsOnRefusal, Params, RewritesStoredEvents
from tests.broken_worlds.event_log import DescendingListIsAscending
from worldspec.errors import EntityConflictError, WorkflowError
from worldspec.events import Event, EventRequest, EventResult
from worldspec.line5.events import is_lazy_step_start
from worldspec.line5.slots import event_id_to_slot
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING


def _zero_based(event_id: str) -> str:
    """The id a World that counts slots from 0 shows for stored slot ``k``: slot ``k - 1``."""
    slot = event_id_to_slot(event_id)
    return event_id if slot is None else f"evnt_{slot - 1:026d}"


def _one_based(event_id: str) -> str:
    """The stored id of an id the World showed (the inverse of ``_zero_based``)."""
    body = event_id.removeprefix("evnt_")
    return f"evnt_{int(body) + 1:026d}" if len(body) == 26 and body.isdigit() else event_id


class SlotsCountFromZero(LineFiveBrokenWorld, breaks={"SLOT-001", "RS-002", "RS-104", "OPT-006"}):
    """Names a run's first event ``evnt_000…000``: slots counted from 0, consistently on every
    read path (an off-by-one in the slot allocator)."""

    def _shown(self, event: Event) -> Event:
        return event.model_copy(update={"event_id": _zero_based(event.event_id)})

    def _page(self, found: PaginatedResponse[Event]) -> PaginatedResponse[Event]:
        return found.model_copy(update={"data": [self._shown(event) for event in found.data]})

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        shown: dict[str, Any] = {}
        if result.event is not MISSING:
            shown["event"] = self._shown(result.event)
        if result.events is not MISSING:
            shown["events"] = [self._shown(item) for item in result.events]
        return result.model_copy(update=shown)

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        return self._shown(await super().on_get_event(run_id, _one_based(event_id), **options))

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        return self._page(await super().on_list_events(run_id, **options))

    async def on_list_by_correlation_id(
        self, correlation_id: str, **options: Any
    ) -> PaginatedResponse[Event]:
        return self._page(await super().on_list_by_correlation_id(correlation_id, **options))


class DescendingListIsAscendingV7(
    LineFiveBrokenWorld, DescendingListIsAscending, breaks={"EVT-101", "LIN-004"}
):
    """``events.list`` ignores ``sortOrder: 'desc'``, on the 5.x line."""


class StampsEventsAnHourAhead(RewritesStoredEvents, breaks={"EVT-102"}):
    """Stores each event's ``createdAt`` an hour ahead (local time read as UTC), while runs and
    steps keep the right times."""

    def rewrite(self, event: Event, request: EventRequest) -> dict[str, Any]:
        return {"created_at": event.created_at + timedelta(hours=1)}


ENTITY_EVENT_PREFIXES = ("step_", "hook_", "wait_")


class EntityEventsStoredAtSpecThree(RewritesStoredEvents, breaks={"EVT-103"}):
    """Stores step, hook and wait events sent without a specVersion at 3, the 4.x default,
    instead of the World's."""

    def rewrite(self, event: Event, request: EventRequest) -> dict[str, Any]:
        if request.spec_version is MISSING and event.event_type.startswith(ENTITY_EVENT_PREFIXES):
            return {"spec_version": 3}
        return {}


class StartStoredAsItsColumns(RewritesStoredEvents, breaks={"EVT-103"}):
    """Keeps a ``step_started``'s eventData in the columns its 4.x table had (``stepName``,
    ``attempt``, ``workflowName``) and rebuilds it from them: the ``ownerMessageId`` of the
    5.x line is never stored."""

    def rewrite(self, event: Event, request: EventRequest) -> dict[str, Any]:
        data = event.event_data
        if event.event_type != "step_started" or getattr(data, "owner_message_id", MISSING) is MISSING:
            return {}
        return {"event_data": data.model_copy(update={"owner_message_id": MISSING})}


CREATIONS = frozenset({"run_created", "step_created", "hook_created", "wait_created"})


class RefusedInsertTakesASlot(LosesSlotsOnRefusal, breaks={"LIN-001", "SLOT-003"}):
    """Takes each event's slot from a per-run counter that, like a database sequence, is not
    rolled back: a create refused because its entity exists (``EntityConflictError`` from the
    unique key of a run, step, hook or wait created twice, or of a lazy start of an existing
    step) has already taken its slot, so the run's next accepted event sits one slot further on
    and the log has a hole (v7 §2.6 item 3). Only a sequence shows it: a refused insert, then
    any accepted create in that run."""

    def loses_a_slot(self, run_id: str, event: EventRequest, error: WorkflowError) -> bool:
        creates = event.event_type in CREATIONS or is_lazy_step_start(event)
        return isinstance(error, EntityConflictError) and creates


class TwoDefaultVersions(LineFiveBrokenWorld, breaks={"EVT-103"}):
    """Stamps a new run sent without ``specVersion`` with the version of its settings (6) and
    every later event sent without one with the constant of the package it was built against
    (7): the World has two defaults, and a run's own events disagree with it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "run_created" and event.spec_version in (MISSING, None):
            event = event.model_copy(update={"spec_version": 6})
        return await super().on_create(run_id, event, params)
