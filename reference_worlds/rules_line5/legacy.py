"""Events on legacy runs (stored version absent or at most 1) on the 5.x line
(world-contract-v7.md §6.1-6.4, base §6.2).

``run_cancelled`` cancels whatever the run's status, deletes its hooks and waits, and is
repeatable; ``hook_received`` and ``wait_completed`` are appended without any lookup;
``step_completed`` and ``step_retrying`` are processed as on current runs (the MAY), while the
run is live; every other type, ``attr_set`` and a lazy ``step_started`` included, is refused
with ``WorkflowWorldError`` 409 and nothing stored. New events take the run's own id scheme
(the World's ``new_event_id`` does) and the request's version, else D.
"""

from __future__ import annotations

from reference_worlds.rules_line5.context import Context, Outcome, StoreView, stored_event
from reference_worlds.rules_line5.steps import step_event
from worldspec.line5 import errors
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, CancelledRun, WorkflowRun
from worldspec.line5.events import EventRequest, is_lazy_step_start

__all__ = ["legacy_event"]


async def legacy_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    """Any event on a legacy run."""
    kind = request.event_type
    if kind == "run_cancelled":
        common = run.model_dump(
            exclude={"status", "output", "error", "error_code", "completed_at", "updated_at"}
        )
        cancelled = CancelledRun(status="cancelled", completed_at=ctx.now, updated_at=ctx.now, **common)
        event = stored_event(run.run_id, request.to_wire(), ctx, version)
        return Outcome(
            run.run_id,
            events=[event],
            run=cancelled,
            release_run=True,
            result={"event": event, "run": cancelled},
        )
    if kind in ("hook_received", "wait_completed"):
        event = stored_event(run.run_id, request.to_wire(), ctx, version)
        return Outcome(run.run_id, events=[event], result={"event": event})
    live = run.status not in TERMINAL_RUN_STATUSES
    if kind in ("step_completed", "step_retrying") and live and not is_lazy_step_start(request):
        return await step_event(store, run, request, ctx, version)
    raise errors.WorkflowWorldError(
        f'{kind} is not accepted on legacy run "{run.run_id}" (specVersion {run.spec_version})', status=409
    )
