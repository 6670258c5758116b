"""Run events on the 5.x line (world-contract-v7.md §4.2, §4.7, §5.1, §12 retention).

``run_created`` and resilient ``run_started`` seed ``attributes`` (validated) and
``encryptionPublicKey``; ``run_failed`` keeps its ``error`` payload verbatim and its
``errorCode``; ``run_cancelled`` keeps its ``cancelReason`` on the event; ``attr_set`` merges
attribute changes, once per workflow correlationId. Every terminal transition releases the
run's waits and unretained hooks and, for ``$retention: '0'`` on a World with the capability,
purges its data in the same write.
"""

from __future__ import annotations

from typing import Any

from reference_worlds.rules_line5.context import Context, Outcome, StoreView, stored_event
from worldspec.line5 import errors
from worldspec.line5.attributes import (
    AttributeChange,
    apply_attribute_changes,
    purges_user_data_on_finish,
    validate_attribute_changes,
)
from worldspec.line5.entities import (
    TERMINAL_RUN_STATUSES,
    ActiveRun,
    CancelledRun,
    CompletedRun,
    FailedRun,
    WorkflowRun,
)
from worldspec.line5.events import AttrSetRequest, EventRequest, RunCreatedRequest, RunStartedRequest
from worldspec.line5.spec_version import requires_newer_world
from worldspec.ulid import check_run_id
from worldspec.wire_types import MISSING

__all__ = ["attr_set", "is_resilient_start", "resilient_start", "run_created", "run_event"]


def _refuse_newer(version: float, ctx: Context) -> None:
    if requires_newer_world(version):
        raise errors.RunNotSupportedError(int(version), ctx.world_spec_version)


def _seed_attributes(attributes: dict[str, str] | Any, allow_reserved: object) -> dict[str, str]:
    """V over a creating event's ``attributes`` (no existing keys); the run's attributes."""
    if attributes is MISSING:
        return {}
    changes = [AttributeChange.model_construct(key=key, value=value) for key, value in attributes.items()]
    validate_attribute_changes(changes, allow_reserved=allow_reserved is True)
    return dict(attributes)


async def run_created(
    store: StoreView, run_id: str | None, request: RunCreatedRequest, ctx: Context, version: float
) -> Outcome:
    """A pending run with the sent fields; its ``run_created`` keeps the eventData as sent."""
    if run_id:
        refusal = check_run_id(run_id, ctx.now)
        if refusal:
            raise errors.WorkflowWorldError(refusal, status=400)
    else:
        run_id = ctx.new_run_id()
    _refuse_newer(version, ctx)
    data = request.event_data
    attributes = _seed_attributes(data.attributes, data.allow_reserved_attributes)
    if await store.run(run_id) is not None:
        raise errors.EntityConflictError(f'Workflow run "{run_id}" already exists')
    run = ActiveRun(
        run_id=run_id,
        status="pending",
        deployment_id=data.deployment_id,
        workflow_name=data.workflow_name,
        spec_version=version,
        execution_context=data.execution_context,
        input=data.input,
        attributes=attributes,
        encryption_public_key=data.encryption_public_key,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    event = stored_event(run_id, request.to_wire(), ctx, version)
    return Outcome(run_id, events=[event], run=run, result={"event": event, "run": run})


def is_resilient_start(request: EventRequest) -> bool:
    """A ``run_started`` carrying a run's creation data: non-empty ``deploymentId`` and
    ``workflowName`` and an ``input`` (§5.1)."""
    if not isinstance(request, RunStartedRequest) or request.event_data is MISSING:
        return False
    data = request.event_data
    return bool(data.deployment_id) and bool(data.workflow_name) and data.input is not MISSING


def _started_wire(request: RunStartedRequest) -> dict[str, Any]:
    """A ``run_started`` as stored: never with eventData."""
    return {key: value for key, value in request.to_wire().items() if key != "eventData"}


def resilient_start(run_id: str, request: RunStartedRequest, ctx: Context, version: float) -> Outcome:
    """Create the missing run from the event's data and start it: ``run_created`` then
    ``run_started``, in one write."""
    _refuse_newer(version, ctx)
    data = request.event_data
    assert data is not MISSING and data.deployment_id and data.workflow_name
    attributes = _seed_attributes(data.attributes, data.allow_reserved_attributes)
    created_wire = {"eventType": "run_created", "specVersion": version, "eventData": data.to_wire()}
    created = stored_event(run_id, created_wire, ctx, version)
    started = stored_event(run_id, _started_wire(request), ctx, version)
    run = ActiveRun(
        run_id=run_id,
        status="running",
        deployment_id=data.deployment_id,
        workflow_name=data.workflow_name,
        spec_version=version,
        execution_context=data.execution_context,
        input=data.input,
        attributes=attributes,
        encryption_public_key=data.encryption_public_key,
        started_at=ctx.now,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    return Outcome(
        run_id, events=[created, started], run=run, preload=True, result={"event": started, "run": run}
    )


def _ended(run: WorkflowRun, request: EventRequest, ctx: Context) -> tuple[WorkflowRun, bool]:
    """The run after a terminal event, and whether its data is purged (retention)."""
    kind = request.event_type
    data: Any = getattr(request, "event_data", MISSING)
    purged = ctx.retention and purges_user_data_on_finish(run.attributes)
    common = run.model_dump(exclude={"status", "output", "error", "error_code", "completed_at", "updated_at"})
    common.update(completed_at=ctx.now, updated_at=ctx.now)
    if purged:
        common.update(input=MISSING, expired_at=ctx.now)
    ended: WorkflowRun
    if kind == "run_completed":
        ended = CompletedRun(status="completed", output=MISSING if purged else data.output, **common)
    elif kind == "run_failed":
        ended = FailedRun(
            status="failed", error=MISSING if purged else data.error, error_code=data.error_code, **common
        )
    else:
        ended = CancelledRun(status="cancelled", **common)
    return ended, purged


def run_event(run: WorkflowRun, request: EventRequest, ctx: Context, version: float) -> Outcome:
    """``run_started``, ``run_completed``, ``run_failed`` or ``run_cancelled`` on an existing run."""
    kind = request.event_type
    if run.status in TERMINAL_RUN_STATUSES:
        if kind == "run_started":
            raise errors.RunExpiredError(
                f'Workflow run "{run.run_id}" is already {run.status}', run.run_id, run.status
            )
        if kind == "run_cancelled" and run.status == "cancelled":
            return Outcome(run.run_id, result={"run": run})
        raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}')
    if isinstance(request, RunStartedRequest):
        if run.status == "running":
            return Outcome(run.run_id, preload=True, result={"run": run})
        started_at = run.started_at if run.started_at is not MISSING else ctx.now
        started = run.model_copy(
            update={"status": "running", "started_at": started_at, "updated_at": ctx.now}
        )
        event = stored_event(run.run_id, _started_wire(request), ctx, version)
        return Outcome(
            run.run_id, events=[event], run=started, preload=True, result={"event": event, "run": started}
        )
    ended, purged = _ended(run, request, ctx)
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(
        run.run_id,
        events=[event],
        run=ended,
        release_run=True,
        purge_run=purged,
        result={"event": event, "run": ended},
    )


async def attr_set(
    store: StoreView, run: WorkflowRun, request: AttrSetRequest, ctx: Context, version: float
) -> Outcome:
    """Merge the changes into the run's attributes (§4.7 table)."""
    if run.status in TERMINAL_RUN_STATUSES:
        raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}: no attr_set')
    data = request.event_data
    validate_attribute_changes(
        data.changes, run.attributes.keys(), allow_reserved=data.allow_reserved_attributes is True
    )
    keyed = data.writer.type == "workflow" and request.correlation_id is not MISSING
    if keyed and await store.attribute_id_claimed(run.run_id, str(request.correlation_id)):
        raise errors.EntityConflictError(f'Attribute event "{request.correlation_id}" already exists')
    merged = run.model_copy(
        update={"attributes": apply_attribute_changes(run.attributes, data.changes), "updated_at": ctx.now}
    )
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(
        run.run_id,
        events=[event],
        run=merged,
        attribute_id=str(request.correlation_id) if keyed else None,
        result={"event": event, "run": merged},
    )
