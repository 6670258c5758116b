"""Hook events on the 5.x line (world-contract-v7.md §4.4, §4.6).

A hook belongs to its run: ``hook_received`` and ``hook_disposed`` name a hook of *this* run.
``hook_created`` keeps ``isWebhook``, ``isSystem`` and ``tokenRetentionUntil`` as sent; a token
held by another hook (live, or retained after its run ended) gives a ``hook_conflict``.

Choices where the contract allows two (docs/decisions.md, "The oracle on the 5.x line"):
``hook_received`` on a terminal run raises ``RunExpiredError`` when the hook is retained and
``HookNotFoundError`` otherwise; ``hook_disposed`` on a retained hook is accepted and frees its
token. With resume dedup, a repeat of a recorded ``(runId, resumeId)`` returns the recorded
event (also after the hook's disposal, on a live run); another hookId or digest is refused with
``EntityConflictError``.
"""

from __future__ import annotations

from typing import Any

from reference_worlds.rules_line5.context import Context, Outcome, ResumeClaim, StoreView, stored_event
from worldspec.line5 import errors
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, Hook, WorkflowRun
from worldspec.line5.events import CreateEventParams, EventRequest, HookCreatedRequest, HookReceivedRequest
from worldspec.wire_types import MISSING

__all__ = ["hook_event"]


def _token_of(request: EventRequest) -> str:
    data: Any = getattr(request, "event_data", MISSING)
    if data is not MISSING and data.token is not MISSING:
        return str(data.token)
    return str(request.correlation_id)


async def _hook_created(
    store: StoreView, run: WorkflowRun, request: HookCreatedRequest, ctx: Context, version: float
) -> Outcome:
    hook_id = request.correlation_id
    data = request.event_data
    if run.status in TERMINAL_RUN_STATUSES:
        raise errors.EntityConflictError(f'Workflow run "{run.run_id}" is already {run.status}: no new hooks')
    if await store.hook_ever_created(run.run_id, hook_id):
        raise errors.EntityConflictError(f'Hook "{hook_id}" already exists in run "{run.run_id}"')
    holder = await store.hook_holding_token(data.token)
    if holder is not None:
        conflict_wire = {
            "eventType": "hook_conflict",
            "correlationId": hook_id,
            "eventData": {"token": data.token, "conflictingRunId": holder.run_id},
        }
        conflict = stored_event(run.run_id, conflict_wire, ctx, version)
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
        is_system=data.is_system,
        token_retention_until=data.token_retention_until,
    )
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(run.run_id, events=[event], hook=hook, result={"event": event, "hook": hook})


async def _converged(
    store: StoreView, run: WorkflowRun, request: HookReceivedRequest, params: CreateEventParams
) -> Outcome | None:
    """The recorded event when this resume was already written, else ``None``."""
    claim = await store.resume_claim(run.run_id, str(params.resume_id))
    if claim is None:
        return None
    if claim.hook_id != request.correlation_id:
        raise errors.EntityConflictError(
            f'resumeId "{params.resume_id}" is already recorded for hook "{claim.hook_id}"'
        )
    digest = params.resume_payload_digest
    if digest is not MISSING and claim.payload_digest is not None and claim.payload_digest != digest:
        raise errors.EntityConflictError(
            f'resumeId "{params.resume_id}" is already recorded with another payload'
        )
    recorded = await store.event(run.run_id, claim.event_id)
    assert recorded is not None, "a resume claim names a stored event"
    return Outcome(run.run_id, preload_events=params.preload_events is True, result={"event": recorded})


async def _hook_received(
    store: StoreView,
    run: WorkflowRun,
    request: HookReceivedRequest,
    params: CreateEventParams,
    ctx: Context,
    version: float,
) -> Outcome:
    hook_id = request.correlation_id
    held = await store.held_hook(run.run_id, hook_id)
    if run.status in TERMINAL_RUN_STATUSES:
        if held is not None:
            raise errors.RunExpiredError(
                f'Workflow run "{run.run_id}" is already {run.status}: its retained hook "{hook_id}" '
                "cannot be received",
                run.run_id,
                run.status,
            )
        raise errors.HookNotFoundError(_token_of(request))
    deduplicated = ctx.resume_dedup and params.resume_id is not MISSING
    if deduplicated:
        converged = await _converged(store, run, request, params)
        if converged is not None:
            return converged
    if held is None:
        raise errors.HookNotFoundError(_token_of(request))
    wire = request.to_wire()
    if deduplicated:
        wire["resumeId"] = params.resume_id
    event = stored_event(run.run_id, wire, ctx, version)
    claim = None
    if deduplicated:
        digest = params.resume_payload_digest
        claim = ResumeClaim(
            run.run_id,
            str(params.resume_id),
            hook_id,
            event.event_id,
            None if digest is MISSING else str(digest),
        )
    return Outcome(
        run.run_id,
        events=[event],
        resume_claim=claim,
        preload_events=params.preload_events is True,
        result={"event": event},
    )


async def hook_event(
    store: StoreView,
    run: WorkflowRun,
    request: EventRequest,
    params: CreateEventParams,
    ctx: Context,
    version: float,
) -> Outcome:
    """``hook_created``, ``hook_received`` or ``hook_disposed`` on a non-legacy run."""
    if isinstance(request, HookCreatedRequest):
        return await _hook_created(store, run, request, ctx, version)
    if isinstance(request, HookReceivedRequest):
        return await _hook_received(store, run, request, params, ctx, version)
    held = await store.held_hook(run.run_id, str(request.correlation_id))
    if held is None:
        raise errors.HookNotFoundError(_token_of(request))
    event = stored_event(run.run_id, request.to_wire(), ctx, version)
    return Outcome(run.run_id, events=[event], disposed_hook=held, result={"event": event})
