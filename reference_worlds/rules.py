"""The rules of ``events.create`` (contract §4-§6), free of any storage.

A reference World opens its critical section (a lock, a file lock, a transaction), hands
``decide`` a ``StoreView`` of the entities involved, and writes the ``Outcome`` it returns in
the same critical section. ``decide`` raises the contract's error when the event is refused; it
never writes anything itself, so a refusal changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Protocol

from pydantic import TypeAdapter

from worldspec import errors
from worldspec.entities import (
    TERMINAL_RUN_STATUSES,
    TERMINAL_STEP_STATUSES,
    ActiveRun,
    CancelledRun,
    CompletedRun,
    FailedRun,
    Hook,
    Step,
    StructuredError,
    Wait,
    WorkflowRun,
)
from worldspec.events import (
    CREATABLE_EVENT_TYPES,
    Event,
    EventRequest,
    HookConflictData,
    HookConflictEvent,
    RunCreatedData,
    RunCreatedRequest,
    RunStartedRequest,
)
from worldspec.owned import owned_copy
from worldspec.spec_version import SPEC_VERSION_CURRENT, is_legacy_spec_version, requires_newer_world
from worldspec.ulid import check_run_id
from worldspec.wire_types import MISSING

__all__ = ["Context", "Outcome", "StoreView", "decide", "wait_id_of"]


class StoreView(Protocol):
    """What ``decide`` may read, inside the caller's critical section."""

    async def run(self, run_id: str) -> WorkflowRun | None: ...

    async def step(self, run_id: str, step_id: str) -> Step | None: ...

    async def live_hook(self, run_id: str, hook_id: str) -> Hook | None: ...

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool: ...

    async def live_hook_by_token(self, token: str) -> Hook | None: ...

    async def wait(self, wait_id: str) -> Wait | None: ...


@dataclass(frozen=True)
class Context:
    """The World's clock and id minting for one create."""

    now: datetime
    new_event_id: Callable[[], str]
    new_run_id: Callable[[], str]
    world_spec_version: int = SPEC_VERSION_CURRENT
    occurred_at: datetime | None = None
    """``params.occurredAt`` of the create, kept on each event it stores (capability
    ``occurred_at``, §12); ``None`` where the World does not keep it or none was sent."""


@dataclass
class Outcome:
    """What to write, atomically, for an accepted event.

    ``events`` are appended in order. ``run``/``step``/``hook``/``wait`` are new entity states
    to store. ``disposed_hook`` is deleted (its token freed). ``release_run`` deletes every hook
    and wait of the run (terminal transitions). ``preload`` asks the World to fill
    ``EventResult.events`` after writing. ``result`` holds what ``events.create`` returns,
    before ``resolveData`` is applied to its event.
    """

    run_id: str
    events: list[Event] = field(default_factory=list)
    run: WorkflowRun | None = None
    step: Step | None = None
    hook: Hook | None = None
    wait: Wait | None = None
    disposed_hook: Hook | None = None
    release_run: bool = False
    preload: bool = False
    result: dict[str, Any] = field(default_factory=dict)


def wait_id_of(run_id: str, correlation_id: str) -> str:
    """A wait's id: ``"<runId>-<correlationId>"``."""
    return f"{run_id}-{correlation_id}"


_EVENT: Final = TypeAdapter[Event](Event)


def _stored(run_id: str, request: EventRequest | RunCreatedRequest, ctx: Context, version: float) -> Event:
    """The stored form of ``request``. Its wire form already holds Python values, so it is
    validated as is: reading it as tagged JSON would turn a user object shaped like a tag
    (``{"$bytes": ...}`` in a legacy payload) into something else."""
    wire = request.to_wire()
    wire.update(runId=run_id, eventId=ctx.new_event_id(), createdAt=ctx.now, specVersion=version)
    if ctx.occurred_at is not None:
        wire["occurredAt"] = ctx.occurred_at
    if wire["eventType"] == "run_started":
        wire.pop("eventData", None)
    return _EVENT.validate_python(wire)


def _error_message(error: object) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return "Unknown error"


def _own_stack(error: object) -> object:
    return error.get("stack", MISSING) if isinstance(error, dict) else MISSING


def _structured(error: object, stack: object, code: object = MISSING) -> StructuredError:
    """A run's error takes ``stack`` from the error itself, a step's from ``eventData.stack``."""
    return StructuredError(
        message=_error_message(error),
        stack=stack if isinstance(stack, str) else MISSING,
        code=code if isinstance(code, str) else MISSING,
    )


async def decide(store: StoreView, run_id: str | None, request: EventRequest, ctx: Context) -> Outcome:
    """Decide ``events.create(run_id, request)`` against ``store``; raise if it is refused.

    The outcome holds copies of what ``request`` carries, never its objects: a caller that
    changes its request afterwards changes nothing a World stores (COPY-001). The copy is an
    ``owned_copy``, which shares only immutable leaves."""
    request = owned_copy(request)
    version = request.spec_version if request.spec_version is not MISSING else SPEC_VERSION_CURRENT
    if request.event_type == "run_created":
        return await _run_created(store, run_id, request, ctx, version)
    if not run_id:
        raise errors.WorkflowWorldError(f"{request.event_type} needs a runId", status=400)
    if request.event_type not in CREATABLE_EVENT_TYPES:
        raise errors.WorkflowWorldError(
            f"eventType {request.event_type!r} cannot be created by a client", status=400
        )
    run = await store.run(run_id)
    if run is None:
        if isinstance(request, RunStartedRequest) and _is_resilient_start(request):
            return _resilient_start(run_id, request, ctx, version)
        raise errors.WorkflowRunNotFoundError(run_id)
    run_version = run.spec_version if run.spec_version is not MISSING else None
    if requires_newer_world(run_version):
        raise errors.RunNotSupportedError(int(run_version or 0), ctx.world_spec_version)
    if is_legacy_spec_version(run_version):
        return await _legacy(store, run, request, ctx, version)
    kind = request.event_type.split("_")[0]
    if kind == "run":
        return _run_event(run, request, ctx, version)
    if kind == "step":
        return await _step_event(store, run, request, ctx, version)
    if kind == "hook":
        return await _hook_event(store, run, request, ctx, version)
    return await _wait_event(store, run, request, ctx, version)


# --- runs ------------------------------------------------------------------------------------


def _check_new_run_version(version: float, ctx: Context) -> None:
    if requires_newer_world(version) or version > ctx.world_spec_version:
        raise errors.RunNotSupportedError(int(version), ctx.world_spec_version)


async def _run_created(
    store: StoreView, run_id: str | None, request: RunCreatedRequest, ctx: Context, version: float
) -> Outcome:
    if run_id:
        refusal = check_run_id(run_id, ctx.now)
        if refusal:
            raise errors.WorkflowWorldError(refusal, status=400)
    else:
        run_id = ctx.new_run_id()
    _check_new_run_version(version, ctx)
    if await store.run(run_id) is not None:
        raise errors.EntityConflictError(f'Workflow run "{run_id}" already exists')
    data = request.event_data
    run = ActiveRun(
        run_id=run_id,
        status="pending",
        deployment_id=data.deployment_id,
        workflow_name=data.workflow_name,
        spec_version=version,
        execution_context=data.execution_context,
        input=data.input,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    event = _stored(run_id, request, ctx, version)
    return Outcome(run_id, events=[event], run=run, result={"event": event, "run": run})


def _is_resilient_start(request: RunStartedRequest) -> bool:
    data = request.event_data
    return (
        data is not MISSING
        and bool(data.deployment_id)
        and bool(data.workflow_name)
        and data.input is not MISSING
    )


def _resilient_start(run_id: str, request: RunStartedRequest, ctx: Context, version: float) -> Outcome:
    data = request.event_data
    assert data is not MISSING and data.deployment_id and data.workflow_name
    _check_new_run_version(version, ctx)
    created = RunCreatedRequest(
        spec_version=version,
        event_data=RunCreatedData(
            deployment_id=data.deployment_id,
            workflow_name=data.workflow_name,
            input=data.input,
            execution_context=data.execution_context,
        ),
    )
    created_event = _stored(run_id, created, ctx, version)
    started_event = _stored(run_id, request, ctx, version)
    run = ActiveRun(
        run_id=run_id,
        status="running",
        deployment_id=data.deployment_id,
        workflow_name=data.workflow_name,
        spec_version=version,
        execution_context=data.execution_context,
        input=data.input,
        started_at=ctx.now,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    return Outcome(
        run_id,
        events=[created_event, started_event],
        run=run,
        preload=True,
        result={"event": started_event, "run": run},
    )


def _run_event(run: WorkflowRun, request: EventRequest, ctx: Context, version: float) -> Outcome:
    kind = request.event_type
    if run.status in TERMINAL_RUN_STATUSES:
        if kind == "run_started":
            raise errors.RunExpiredError(f'Workflow run "{run.run_id}" is already {run.status}')
        if kind == "run_cancelled" and run.status == "cancelled":
            return Outcome(run.run_id, result={"run": run})
        raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}')
    if kind == "run_started":
        if run.status == "running":
            return Outcome(run.run_id, result={"run": run})
        started = run.model_copy(
            update={
                "status": "running",
                "started_at": run.started_at if run.started_at is not MISSING else ctx.now,
                "updated_at": ctx.now,
            }
        )
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(
            run.run_id, events=[event], run=started, preload=True, result={"event": event, "run": started}
        )
    common = run.model_dump(exclude={"status", "output", "error", "completed_at", "updated_at"})
    common.update(completed_at=ctx.now, updated_at=ctx.now)
    terminal: WorkflowRun
    data: Any = getattr(request, "event_data", MISSING)
    if kind == "run_completed":
        terminal = CompletedRun(status="completed", output=data.output, **common)
    elif kind == "run_failed":
        terminal = FailedRun(
            status="failed", error=_structured(data.error, _own_stack(data.error), data.error_code), **common
        )
    else:
        terminal = CancelledRun(status="cancelled", **common)
    event = _stored(run.run_id, request, ctx, version)
    return Outcome(
        run.run_id, events=[event], run=terminal, release_run=True, result={"event": event, "run": terminal}
    )


# --- steps -----------------------------------------------------------------------------------


async def _step_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    step_id = str(request.correlation_id)
    kind = request.event_type
    step = await store.step(run.run_id, step_id)
    run_terminal = run.status in TERMINAL_RUN_STATUSES
    if kind == "step_created":
        if run_terminal:
            raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}')
        if step is not None:
            raise errors.EntityConflictError(f'Step "{step_id}" already exists')
        data: Any = request.event_data  # type: ignore[union-attr]
        created = Step(
            run_id=run.run_id,
            step_id=step_id,
            step_name=data.step_name,
            status="pending",
            input=data.input,
            attempt=0,
            created_at=ctx.now,
            updated_at=ctx.now,
            spec_version=version,
        )
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(run.run_id, events=[event], step=created, result={"event": event, "step": created})
    if step is None:
        raise errors.WorkflowWorldError(f'Step "{step_id}" not found', status=404)
    if step.status in TERMINAL_STEP_STATUSES:
        raise errors.EntityConflictError(f'Step "{step_id}" is already {step.status}')
    if run_terminal and (step.status == "pending" or kind == "step_retrying"):
        raise errors.RunExpiredError(f'Workflow run "{run.run_id}" is already {run.status}')
    data = getattr(request, "event_data", MISSING)
    update: dict[str, Any] = {"updated_at": ctx.now}
    if kind == "step_started":
        if step.retry_after is not MISSING and step.retry_after > ctx.now:
            remaining = (step.retry_after - ctx.now).total_seconds()
            raise errors.TooEarlyError(
                f'Step "{step_id}" may not start before {step.retry_after.isoformat()}',
                retry_after=math.ceil(remaining),
            )
        update.update(status="running", attempt=step.attempt + 1, retry_after=MISSING)
        if step.started_at is MISSING:
            update["started_at"] = ctx.now
    elif kind == "step_completed":
        update.update(status="completed", output=data.result, completed_at=ctx.now)
    elif kind == "step_failed":
        update.update(status="failed", completed_at=ctx.now, error=_structured(data.error, data.stack))
    else:
        update.update(
            status="pending", error=_structured(data.error, data.stack), retry_after=data.retry_after
        )
    changed = step.model_copy(update=update)
    event = _stored(run.run_id, request, ctx, version)
    return Outcome(run.run_id, events=[event], step=changed, result={"event": event, "step": changed})


# --- hooks -----------------------------------------------------------------------------------


async def _hook_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    hook_id = str(request.correlation_id)
    kind = request.event_type
    data: Any = getattr(request, "event_data", MISSING)
    if kind == "hook_created":
        if run.status in TERMINAL_RUN_STATUSES:
            raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}')
        if await store.hook_ever_created(run.run_id, hook_id):
            raise errors.EntityConflictError(f'Hook "{hook_id}" already exists')
        holder = await store.live_hook_by_token(data.token)
        if holder is not None:
            conflict = HookConflictEvent(
                run_id=run.run_id,
                event_id=ctx.new_event_id(),
                created_at=ctx.now,
                spec_version=version,
                correlation_id=hook_id,
                event_data=HookConflictData(token=data.token, conflicting_run_id=holder.run_id),
            )
            return Outcome(run.run_id, events=[conflict], result={"event": conflict})
        hook = Hook(
            run_id=run.run_id,
            hook_id=hook_id,
            token=data.token,
            owner_id="",
            project_id="",
            environment="",
            metadata=data.metadata,
            created_at=ctx.now,
            spec_version=version,
            is_webhook=data.is_webhook,
        )
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(run.run_id, events=[event], hook=hook, result={"event": event, "hook": hook})
    live = await store.live_hook(run.run_id, hook_id)
    if live is None:
        token = data.token if data is not MISSING and data.token is not MISSING else hook_id
        raise errors.HookNotFoundError(str(token))
    event = _stored(run.run_id, request, ctx, version)
    disposed = live if kind == "hook_disposed" else None
    return Outcome(run.run_id, events=[event], disposed_hook=disposed, result={"event": event})


# --- waits -----------------------------------------------------------------------------------


async def _wait_event(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    wait_id = wait_id_of(run.run_id, str(request.correlation_id))
    existing = await store.wait(wait_id)
    if request.event_type == "wait_created":
        if run.status in TERMINAL_RUN_STATUSES:
            raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}')
        if existing is not None:
            raise errors.EntityConflictError(f'Wait "{wait_id}" already exists')
        data: Any = request.event_data
        wait = Wait(
            wait_id=wait_id,
            run_id=run.run_id,
            status="waiting",
            resume_at=data.resume_at,
            created_at=ctx.now,
            updated_at=ctx.now,
            spec_version=version,
        )
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(run.run_id, events=[event], wait=wait, result={"event": event, "wait": wait})
    if existing is None:
        raise errors.WorkflowWorldError(f'Wait "{wait_id}" not found', status=404)
    if existing.status == "completed":
        raise errors.EntityConflictError(f'Wait "{wait_id}" is already completed')
    done = existing.model_copy(update={"status": "completed", "completed_at": ctx.now, "updated_at": ctx.now})
    event = _stored(run.run_id, request, ctx, version)
    return Outcome(run.run_id, events=[event], wait=done, result={"event": event, "wait": done})


# --- legacy runs (§6.2) ----------------------------------------------------------------------


async def _legacy(
    store: StoreView, run: WorkflowRun, request: EventRequest, ctx: Context, version: float
) -> Outcome:
    kind = request.event_type
    if kind == "run_cancelled":
        common = run.model_dump(exclude={"status", "output", "error", "completed_at", "updated_at"})
        cancelled = CancelledRun(status="cancelled", completed_at=ctx.now, updated_at=ctx.now, **common)
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(
            run.run_id,
            events=[event],
            run=cancelled,
            release_run=True,
            result={"event": event, "run": cancelled},
        )
    if kind in ("hook_received", "wait_completed"):
        event = _stored(run.run_id, request, ctx, version)
        return Outcome(run.run_id, events=[event], result={"event": event})
    if kind in ("step_completed", "step_retrying") and run.status not in TERMINAL_RUN_STATUSES:
        return await _step_event(store, run, request, ctx, version)
    raise errors.WorkflowWorldError(
        f'{kind} is not accepted on legacy run "{run.run_id}" (specVersion {run.spec_version})', status=409
    )
