"""Broken Worlds for what ``events.create`` accepts on the 5.x line (EVT-104, EVT-105, EVT-106,
RUN-105): each a schema or a guard written a little too loosely, or too strictly."""

from __future__ import annotations

import asyncio

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.errors import WorkflowWorldError
from worldspec.events import EventRequest, EventResult
from worldspec.line5.event_data import RunCancelledData
from worldspec.line5.slots import slot_to_event_id
from worldspec.line5.validation import parse_event
from worldspec.wire_types import MISSING

UNIMPLEMENTED_PARAMS = ("replay_divergence_count", "via_step_dispatch")
"""The ``CreateEventParams`` members a World that validates params strictly has no column for."""


class StoresClientHookConflict(LineFiveBrokenWorld, breaks={"EVT-104"}, warns={"STATUS-001"}):
    """Validates requests against its union of *stored* event types, which has ``hook_conflict``:
    a client's ``hook_conflict`` is appended to the log as sent."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "hook_conflict" or not run_id or run_id not in self.state.events:
            return await super().on_create(run_id, event, params)
        log = self.state.events[run_id]
        stored = parse_event(
            {
                **event.to_wire(),
                "runId": run_id,
                "eventId": slot_to_event_id(len(log) + 1),
                "createdAt": self.clock(),
                "specVersion": self.spec_version,
            }
        )
        log.append(stored)
        return EventResult(event=stored)


class RefusesUnimplementedParams(LineFiveBrokenWorld, breaks={"EVT-105"}):
    """Checks ``params`` with a strict schema: a member it does not implement
    (``replayDivergenceCount``, ``viaStepDispatch``) is refused instead of ignored."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        unknown = [name for name in UNIMPLEMENTED_PARAMS if getattr(params, name, MISSING) is not MISSING]
        if unknown:
            raise WorkflowWorldError(f"Unrecognized key(s) in params: {unknown}", status=400)
        return await super().on_create(run_id, event, params)


class CancelReasonUnbounded(LineFiveBrokenWorld, warns={"EVT-106"}):
    """Reads ``cancelReason`` as any string (a ``text`` column): a reason over 512 characters is
    stored instead of refused."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        reason = getattr(data, "cancel_reason", MISSING)
        if event.event_type != "run_cancelled" or not isinstance(reason, str) or len(reason) <= 512:
            return await super().on_create(run_id, event, params)
        result = await super().on_create(run_id, event.model_copy(update={"event_data": MISSING}), params)
        if result.event is MISSING:
            return result
        log = self.state.events[result.event.run_id]
        kept = log[-1].model_copy(
            update={"event_data": RunCancelledData.model_construct(cancel_reason=reason)}
        )
        log[-1] = kept
        return result.model_copy(update={"event": kept})


class StartWritesWithoutGuard(LineFiveBrokenWorld, breaks={"RUN-105"}, may_break={"LIN-001", "LIN-007"}):
    """``run_started`` reads the run, then writes ``status: 'running'`` in a second round trip
    without checking the status again: an ending that commits in between is overwritten."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        if event.event_type != "run_started" or before is None or before.status in TERMINAL_RUN_STATUSES:
            return await super().on_create(run_id, event, params)
        await asyncio.sleep(0.001)
        if (ended := self.stored_run(run_id)) is None or ended.status not in TERMINAL_RUN_STATUSES:
            return await super().on_create(run_id, event, params)
        self.state.put_run(before)
        return await super().on_create(run_id, event, params)
