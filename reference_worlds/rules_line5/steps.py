"""Step events on the 5.x line (world-contract-v7.md §4.3, §4.6).

A step is ``(runId, stepId)``. Errors are kept verbatim. A *lazy* ``step_started`` (a string
``stepName`` and an ``input``) creates its step: ``step_created`` then ``step_started`` in one
write, ``stepCreated: true`` in the result, and ``EntityConflictError`` for a step that exists.
On a terminal run a bare ``step_started`` is refused with ``RunExpiredError`` whatever the
step's status; running steps may still complete or fail; the rest (completing, failing or
retrying a pending step, retrying a running one) is refused with ``RunExpiredError``, the
SHOULD of §4.6.
"""

from __future__ import annotations

import math
from typing import Any

from reference_worlds.rules_line5.context import Context, Outcome, StoreView, stored_event
from worldspec.line5 import errors
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES, Step, WorkflowRun
from worldspec.line5.events import EventRequest, StepCreatedRequest, StepStartedRequest, is_lazy_step_start
from worldspec.wire_types import MISSING

__all__ = ["step_event"]


def _terminal_run(run: WorkflowRun) -> str:
    return f'Workflow run "{run.run_id}" is already {run.status}'


def _new_step(
    run: WorkflowRun, step_id: str, step_name: str, step_input: Any, ctx: Context, version: float
) -> Step:
    return Step(
        run_id=run.run_id,
        step_id=step_id,
        step_name=step_name,
        status="pending",
        input=step_input,
        attempt=0,
        created_at=ctx.now,
        updated_at=ctx.now,
        spec_version=version,
    )


def _started(step: Step, ctx: Context) -> Step:
    """``step`` after an accepted start: running, one more attempt, ``startedAt`` from the first
    start, ``retryAfter`` cleared. Raises ``TooEarlyError`` before ``retryAfter``."""
    if step.retry_after is not MISSING and step.retry_after > ctx.now:
        remaining = (step.retry_after - ctx.now).total_seconds()
        raise errors.TooEarlyError(
            f'Step "{step.step_id}" may not start before {step.retry_after.isoformat()}',
            retry_after=math.ceil(remaining),
        )
    started_at = step.started_at if step.started_at is not MISSING else ctx.now
    return step.model_copy(
        update={
            "status": "running",
            "attempt": step.attempt + 1,
            "started_at": started_at,
            "retry_after": MISSING,
            "updated_at": ctx.now,
        }
    )


async def _lazy_start(
    store: StoreView, run: WorkflowRun, request: StepStartedRequest, ctx: Context, version: float
) -> Outcome:
    step_id = request.correlation_id
    data = request.event_data
    assert data is not MISSING and isinstance(data.step_name, str)
    if run.status in TERMINAL_RUN_STATUSES:
        raise errors.EntityConflictError(f"{_terminal_run(run)}: a lazy step_started creates a step")
    if await store.step(run.run_id, step_id) is not None:
        raise errors.EntityConflictError(f'Step "{step_id}" already exists')
    created = _new_step(run, step_id, data.step_name, data.input, ctx, version)
    created_wire = {
        "eventType": "step_created",
        "correlationId": step_id,
        "eventData": {"stepName": data.step_name, "input": data.input},
    }
    created_event = stored_event(run.run_id, created_wire, ctx, version)
    running = _started(created, ctx)
    started_wire = request.to_wire()
    started_wire["eventData"] = {
        key: value for key, value in started_wire["eventData"].items() if key != "input"
    }
    started_event = stored_event(run.run_id, started_wire, ctx, version)
    return Outcome(
        run.run_id,
        events=[created_event, started_event],
        step=running,
        result={"event": started_event, "step": running, "step_created": True},
    )


async def step_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    """Any ``step_*`` event on a non-legacy run."""
    if is_lazy_step_start(request):
        assert isinstance(request, StepStartedRequest)
        return await _lazy_start(store, run, request, ctx, version)
    step_id = str(request.correlation_id)
    kind = request.event_type
    run_terminal = run.status in TERMINAL_RUN_STATUSES
    step = await store.step(run.run_id, step_id)
    if isinstance(request, StepCreatedRequest):
        if run_terminal:
            raise errors.EntityConflictError(f"{_terminal_run(run)}: no new steps")
        if step is not None:
            raise errors.EntityConflictError(f'Step "{step_id}" already exists')
        data = request.event_data
        created = _new_step(run, step_id, data.step_name, data.input, ctx, version)
        event = stored_event(run.run_id, request.to_wire(), ctx, version)
        return Outcome(run.run_id, events=[event], step=created, result={"event": event, "step": created})
    if step is None:
        raise errors.WorkflowWorldError(f'Step "{step_id}" not found in run "{run.run_id}"', status=404)
    if step.status in TERMINAL_STEP_STATUSES:
        raise errors.EntityConflictError(f'Step "{step_id}" is already {step.status}')
    if run_terminal and (kind in ("step_started", "step_retrying") or step.status == "pending"):
        raise errors.RunExpiredError(f"{_terminal_run(run)}: {kind} refused", run.run_id, run.status)
    data_in: Any = getattr(request, "event_data", MISSING)
    changed: Step
    if kind == "step_started":
        changed = _started(step, ctx)
    elif kind == "step_completed":
        changed = step.model_copy(
            update={
                "status": "completed",
                "output": data_in.result,
                "completed_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
    elif kind == "step_failed":
        changed = step.model_copy(
            update={
                "status": "failed",
                "error": data_in.error,
                "completed_at": ctx.now,
                "updated_at": ctx.now,
            }
        )
    else:
        changed = step.model_copy(
            update={
                "status": "pending",
                "error": data_in.error,
                "retry_after": data_in.retry_after,
                "updated_at": ctx.now,
            }
        )
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(run.run_id, events=[event], step=changed, result={"event": event, "step": changed})
