"""Broken Worlds for the error invariants (ERR, §3 and §12)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import Step, WorkflowRun
from worldspec.events import CREATABLE_EVENT_TYPES, Event, EventRequest, EventResult
from worldspec.wire_types import MISSING


class RunNotFoundWithoutRunId(BrokenWorld, breaks={"ERR-001"}):
    """``runs.get`` of a missing run raises WorkflowRunNotFoundError with an empty ``runId``."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        try:
            return await super().on_get_run(run_id, **options)
        except errors.WorkflowRunNotFoundError as error:
            raise errors.WorkflowRunNotFoundError("", str(error)) from None


class TooEarlyRetryAfterAsText(BrokenWorld, breaks={"ERR-002"}):
    """TooEarlyError carries retryAfter as a numeric string (``"30"``)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.TooEarlyError as error:
            error.retry_after = str(error.retry_after)  # type: ignore[assignment]
            raise


class StateGuardMovedByReplays(BrokenWorld, breaks={"ERR-003"}):
    """Moves the state marker on every hook_received/step_completed, also those a replay created
    with stateUpdatedAt, so a client that is up to date gets 412 after its own replay."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        replayed = params is not None and params.state_updated_at is not MISSING
        if replayed and result.event is not MISSING:
            self.state.state_markers.advance(str(run_id), [result.event])
        return result


class ChecksEventTypesWithoutStatus(BrokenWorld, warns={"STATUS-001"}):
    """Screens each create itself before storing it, as a hand-written request check does, and
    refuses an eventType no client may send, or a missing runId, with a ``WorkflowWorldError``
    that carries no status."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type not in CREATABLE_EVENT_TYPES:
            raise errors.WorkflowWorldError(f"invalid eventType {event.event_type}")
        if not run_id and event.event_type != "run_created":
            raise errors.WorkflowWorldError("runId is required")
        return await super().on_create(run_id, event, params)


class GetterMissesAsServerErrors(BrokenWorld, warns={"STATUS-002"}):
    """Turns every storage failure of a getter into one generic ``WorkflowWorldError`` with
    status 500, a row that is not there included."""

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        try:
            return await super().on_get_step(run_id, step_id, **options)
        except errors.WorkflowWorldError as error:
            raise errors.WorkflowWorldError(f"storage error: {error}", status=500) from None

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        try:
            return await super().on_get_event(run_id, event_id, **options)
        except errors.WorkflowWorldError as error:
            raise errors.WorkflowWorldError(f"storage error: {error}", status=500) from None


class EndingMissingRunNotFoundWithoutRunId(BrokenWorld, breaks={"ERR-001"}):
    """Refuses ``run_failed`` and ``run_cancelled`` on a missing run with a
    ``WorkflowRunNotFoundError`` whose ``runId`` is empty (those two paths build the error from
    the row they did not find), while ``runs.get`` and ``run_completed`` name the run."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowRunNotFoundError as error:
            if event.event_type not in ("run_failed", "run_cancelled"):
                raise
            raise errors.WorkflowRunNotFoundError("", str(error)) from None
