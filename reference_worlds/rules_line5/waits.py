"""Wait events on the 5.x line: as on the 4.x line, keyed by ``(runId, correlationId)``
(world-contract-v7.md §4.5)."""

from __future__ import annotations

from typing import Any

from reference_worlds.rules_line5.context import Context, Outcome, StoreView, stored_event, wait_id_of
from worldspec.entities import Wait
from worldspec.line5 import errors
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, WorkflowRun
from worldspec.line5.events import EventRequest, WaitCreatedRequest

__all__ = ["wait_event"]


async def wait_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    """``wait_created`` or ``wait_completed`` on a non-legacy run. A terminal run's waits are
    gone, so completing one is "not found"."""
    wait_id = wait_id_of(run.run_id, str(request.correlation_id))
    existing = await store.wait(wait_id)
    if isinstance(request, WaitCreatedRequest):
        if run.status in TERMINAL_RUN_STATUSES:
            raise errors.EntityConflictError(
                f'Workflow run "{run.run_id}" is already {run.status}: no new waits'
            )
        if existing is not None:
            raise errors.EntityConflictError(f'Wait "{wait_id}" already exists')
        wait = Wait(
            wait_id=wait_id,
            run_id=run.run_id,
            status="waiting",
            resume_at=request.event_data.resume_at,
            created_at=ctx.now,
            updated_at=ctx.now,
            spec_version=version,
        )
        event = stored_event(run.run_id, request.to_wire(), ctx, version)
        return Outcome(run.run_id, events=[event], wait=wait, result={"event": event, "wait": wait})
    if existing is None:
        raise errors.WorkflowWorldError(f'Wait "{wait_id}" not found', status=404)
    if existing.status == "completed":
        raise errors.EntityConflictError(f'Wait "{wait_id}" is already completed')
    update: dict[str, Any] = {"status": "completed", "completed_at": ctx.now, "updated_at": ctx.now}
    done = existing.model_copy(update=update)
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(run.run_id, events=[event], wait=done, result={"event": event, "wait": done})
