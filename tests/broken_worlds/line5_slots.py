"""Broken Worlds for event identity by slots on the 5.x line (SLOT-002 to SLOT-012): slot
allocators a backend author could plausibly write, each wrong in one way.

Most are judged on the slots family only (``only``): their bug also shows wherever else the kit
reads slot ids (the races and the model compare whole logs), which other broken Worlds prove."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import replace
from datetime import datetime
from itertools import count
from typing import Any

from conformance.checks.scenarios import JUDGED_BY
from tests.broken_worlds.base import LineFiveBrokenWorld, LosesSlotsOnRefusal, Params
from worldspec.errors import EntityConflictError, WorkflowError, WorkflowWorldError
from worldspec.events import Event, EventRequest, EventResult
from worldspec.line5 import events as line5_events
from worldspec.line5.events import NoopEvent
from worldspec.line5.slots import event_id_to_slot, slot_to_event_id
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING

CLIENT_TYPES = frozenset(JUDGED_BY) | {"attr_set"}
"""The event types a client may send: a request of another type fails the schema check, before
a World loads the run or draws a slot."""


def _past_the_schema(run_id: str | None, event: EventRequest, runs: dict[str, Any]) -> bool:
    """Whether a refused ``event`` got as far as loading its (existing) run."""
    return bool(run_id) and str(run_id) in runs and event.event_type in CLIENT_TYPES


def _moved(event: Event, slot: int) -> Event:
    return event.model_copy(update={"event_id": slot_to_event_id(slot)})


class OneSlotSequenceForAllRuns(LineFiveBrokenWorld, breaks={"SLOT-002"}, only="slots"):
    """Numbers events from one sequence shared by every run (a single ``SERIAL`` column), so
    ids are unique World-wide but each run's slots have gaps wherever another run wrote."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        storage = self.memory_events._storage
        context = storage.context
        shared = count(1)

        def context_with_one_sequence(now: datetime, occurred_at: datetime | None = None) -> Any:
            own = context(now, occurred_at)

            def next_id(run_id: str) -> str:
                if not storage.state.uses_slots(run_id):
                    return own.new_event_id(run_id)
                return slot_to_event_id(next(shared))

            return replace(own, new_event_id=next_id)

        storage.context = context_with_one_sequence  # type: ignore[method-assign]


class RefusalBurnsASlot(LosesSlotsOnRefusal, breaks={"SLOT-003"}, only="slots"):
    """Draws the slot from the run's counter as soon as the run is loaded, before the entity
    checks, and never gives it back: every refused create on an existing run (a missing hook or
    wait, a finished step, a duplicate) leaves a hole that the next accepted event skips."""

    def loses_a_slot(self, run_id: str, event: EventRequest, error: WorkflowError) -> bool:
        return _past_the_schema(run_id, event, self.state.runs)


_PEEKED: ContextVar[int | None] = ContextVar("peeked_slot", default=None)


class SlotFromAPeekBeforeTheInsert(LineFiveBrokenWorld, breaks={"SLOT-004"}, only="slots"):
    """Reads the run's highest slot, then inserts at the one after in a separate statement
    (no lock between): alone it is right, but two creates on one run at once read the same
    slot, and the second insert fails on the ``(runId, eventId)`` key with
    ``EntityConflictError``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        storage = self.memory_events._storage
        commit = storage.commit

        async def commit_at_the_peeked_slot(outcome: Any, now: datetime) -> None:
            peeked = _PEEKED.get()
            if peeked is not None:
                outcome.events = [_moved(event, peeked + 1 + i) for i, event in enumerate(outcome.events)]
                taken = {stored.event_id for stored in self.state.events.get(outcome.run_id, [])}
                if any(event.event_id in taken for event in outcome.events):
                    raise EntityConflictError(f"duplicate key (runId, eventId) in run {outcome.run_id}")
                shown = outcome.result.get("event")
                if shown is not None:
                    outcome.result["event"] = next(
                        e for e in outcome.events if e.event_type == shown.event_type
                    )
            await commit(outcome, now)

        storage.commit = commit_at_the_peeked_slot

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        log = self.state.events.get(str(run_id)) if run_id else None
        token = _PEEKED.set(len(log) if log and self.state.uses_slots(str(run_id)) else None)
        try:
            await asyncio.sleep(0)
            return await super().on_create(run_id, event, params)
        finally:
            _PEEKED.reset(token)


class GetEventIgnoresRunId(LineFiveBrokenWorld, breaks={"SLOT-009"}, only="slots"):
    """Looks an event up by its eventId alone (the key it had on the 4.x line, where ids were
    ULIDs): with slot ids, ``events.get(runId, 'evnt_…03')`` returns slot 3 of the oldest run
    that has one."""

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        for other in self.state.events:
            if any(stored.event_id == event_id for stored in self.state.events[other]):
                return await super().on_get_event(other, event_id, **options)
        return await super().on_get_event(run_id, event_id, **options)


class StoresClientNoop(LineFiveBrokenWorld, breaks={"SLOT-011"}, may_break={"LIN-001"}):
    """Has a ``noop`` branch for its own sealed-log filler and lets a client's ``noop`` through
    it: the filler is stored at the next slot and returned."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "noop" or not run_id or run_id not in self.state.runs:
            return await super().on_create(run_id, event, params)
        log = self.state.events[run_id]
        filler = NoopEvent(
            run_id=run_id, event_id=slot_to_event_id(len(log) + 1), created_at=self.clock(), spec_version=7
        )
        log.append(filler)
        return line5_events.EventResult(event=filler)  # type: ignore[return-value]


class SealsEveryRunWithTheRefusedId(LineFiveBrokenWorld, breaks={"SLOT-012"}, only="slots"):
    """A sealed log that fills the position of each refused create with a ``noop`` (as it may),
    but copies the refused request's correlationId onto it, and does so in runs at
    specVersion 6 too, whose readers do not know ``noop``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_capabilities = replace(self.worldspec_capabilities, sealed_log=True)

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except WorkflowError:
            if run_id and _past_the_schema(run_id, event, self.state.runs):
                log = self.state.events[run_id]
                correlation_id = getattr(event, "correlation_id", MISSING)
                log.append(
                    NoopEvent(
                        run_id=run_id,
                        event_id=slot_to_event_id(len(log) + 1),
                        created_at=self.clock(),
                        correlation_id=correlation_id,
                        spec_version=7,
                    )
                )
            raise


class EventCountAsVersionCheck(LineFiveBrokenWorld, breaks={"SLOT-004", "SLOT-005"}, only="slots"):
    """Treats ``eventCount`` as an optimistic-concurrency token (the 4.x habit of a
    compare-and-set): a create whose writer holds fewer events than the log is refused with
    ``EntityConflictError`` instead of bumped to the next free slot."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        held = getattr(params, "event_count", MISSING)
        logged = len(self.state.events.get(str(run_id), [])) if run_id else 0
        if held is not MISSING and logged and held != logged:
            raise EntityConflictError(f"run {run_id} has {logged} events, the writer holds {held}")
        return await super().on_create(run_id, event, params)


Reported = Callable[[list[Event], int, int], list[Event]]
"""Which events of a run's log a World reports, given ``eventCount`` and the committed slot."""


def _report_with(world: LineFiveBrokenWorld, reported: Reported, fewest_skipped: int = 1) -> None:
    """Make ``world`` build its skipped-slot report (v7 §5.4 item 1) from ``reported``, when at
    least ``fewest_skipped`` slots were skipped."""
    storage = world.memory_events._storage

    def report(result: Any, params: Any, resolve: Any) -> dict[str, Any] | None:
        event, held = result.get("event"), params.event_count
        if event is None or held is MISSING:
            return None
        committed = event_id_to_slot(event.event_id) or 0
        if committed - held - 1 < fewest_skipped:
            return None
        log = world.state.events[event.run_id]
        return {"events": reported(log, int(held), committed), "cursor": None, "has_more": False}

    storage._report = report


class ReportStartsOneSlotLate(LineFiveBrokenWorld, breaks={"SLOT-006"}, only="slots"):
    """Reports from slot ``eventCount + 2`` (it counts slots from 0 and then adds one): the
    first event the writer missed is never reported, yet ``hasMore`` says the report is whole."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        _report_with(self, lambda log, held, committed: log[held + 1 : committed - 1])


class NoReportForOneSkippedSlot(LineFiveBrokenWorld, breaks={"SLOT-006"}, only="slots"):
    """Reports only when the committed slot is more than two past ``eventCount`` (it counted
    the written event among the skipped ones): a writer one event behind is told nothing."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        _report_with(self, lambda log, held, committed: log[held : committed - 1], fewest_skipped=2)


class ResumesAlwaysPreload(LineFiveBrokenWorld, breaks={"SLOT-006", "SLOT-007"}, only="slots"):
    """Answers every ``hook_received`` that carries a ``resumeId`` with the whole log, as if
    ``preloadEvents`` had been sent: a resumer behind the log gets slots it holds and its own
    event instead of the report of what it missed."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resumed = getattr(params, "resume_id", MISSING) is not MISSING
        if event.event_type == "hook_received" and resumed and params is not None:
            params = params.model_copy(update={"preload_events": True})
        return await super().on_create(run_id, event, params)


class ReportIncludesTheCommittedEvent(LineFiveBrokenWorld, breaks={"SLOT-007"}, only="slots"):
    """Reports the slots from ``eventCount + 1`` through the one just committed (an inclusive
    upper bound), so the writer is handed its own event as one it missed."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        _report_with(self, lambda log, held, committed: log[held:committed])


class SlotsForEveryRun(LineFiveBrokenWorld, breaks={"SLOT-010"}, only="slots"):
    """Names every new event by its slot, also in a run a 4.x World stored with ULID event ids:
    such a run's log then mixes ULIDs and slot ids (and lists in the wrong order)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.memory_events._storage.state.uses_slots = lambda _run_id: True  # type: ignore[method-assign]


class PublishesSlotsOutOfOrder(LineFiveBrokenWorld, breaks={"SLOT-008"}, only="slots"):
    """Draws each slot under a lock, then writes the event outside it (a file per event, as a
    filesystem World does), and lists whatever files exist: a writer slow to write slot k
    leaves a listing with slot k+1 and a hole at k. Here every even slot is slow to appear: its
    file takes three I/O steps (open, write, close) of 2 ms each, as a thread-pool write does.
    (One 5 ms sleep was too short a window on a loaded machine: a process descheduled for the
    whole of it woke with the write already done, and the kit's readers missed the hole.)"""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.unwritten: set[str] = set()

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        committed = result.event
        if committed is MISSING or (event_id_to_slot(committed.event_id) or 1) % 2:
            return result
        key = f"{committed.run_id}/{committed.event_id}"
        self.unwritten.add(key)
        try:
            for _ in ("open", "write", "close"):
                await asyncio.sleep(0.002)
        finally:
            self.unwritten.discard(key)
        return result

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        found = await super().on_list_events(run_id, **options)
        written = [event for event in found.data if f"{run_id}/{event.event_id}" not in self.unwritten]
        return found.model_copy(update={"data": written})

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        if f"{run_id}/{event_id}" in self.unwritten:
            raise WorkflowWorldError(f'Event "{event_id}" not found in run "{run_id}"', status=404)
        return await super().on_get_event(run_id, event_id, **options)
