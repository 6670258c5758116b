"""Broken Worlds for the error invariants (ERR, §3 and §12)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import WorkflowRun
from worldspec.events import EventRequest, EventResult
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
