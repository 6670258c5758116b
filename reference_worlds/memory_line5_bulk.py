"""The 5.x MemoryWorld's bulk members: ``runs.cancel_many`` and ``events.create_batch``
(world-contract-v7.md §12).

``cancel_many`` refuses a malformed request (no ids, more than 500, a repeat, a long
``cancelReason``) before any run changes, then cancels the runs one by one in request order,
each as ``run_cancelled`` with the reason, and counts the outcomes.

``create_batch`` refuses, before anything is stored, a batch holding a type a batch cannot
express (``run_created``, ``run_started``, ``run_cancelled``, ``hook_created``,
``hook_disposed``, ``attr_set``) or more events for one entity than one write can express (the
only pair allowed: ``step_created`` then a ``step_started`` without input). It then decides the
events in order under the World's lock, each as its single create would be decided, at the time
its ``occurredAt`` names (else now): accepted ones commit at consecutive slots, refused ones
leave nothing and report the status and error name their single create would have raised.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Final, Protocol

import pydantic

from reference_worlds.memory_line5_state import LineFiveState, LineFiveView
from reference_worlds.rules_line5 import Context, Outcome, decide, validated_request
from worldspec.line5 import errors
from worldspec.line5.bulk import (
    BatchEventFailure,
    BatchEventItemResult,
    BatchEventRequest,
    BatchEventSuccess,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.event_data import RunCancelledData
from worldspec.line5.events import (
    CreateEventParams,
    EventRequest,
    RunCancelledRequest,
    StepStartedRequest,
    is_lazy_step_start,
)
from worldspec.line5.resolve_data import strip_event
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING

__all__ = ["BulkStorage", "cancel_many", "create_batch"]

NOT_IN_A_BATCH: Final = frozenset(
    {"run_created", "run_started", "run_cancelled", "hook_created", "hook_disposed", "attr_set"}
)


class _Host(Protocol):
    @property
    def lock(self) -> asyncio.Lock: ...

    @property
    def clock(self) -> Callable[[], datetime]: ...


class BulkStorage(Protocol):
    """What the bulk members use of a 5.x storage (``LineFiveStorage``)."""

    @property
    def state(self) -> LineFiveState: ...

    @property
    def host(self) -> _Host: ...

    def context(self, now: datetime, occurred_at: datetime | None = None) -> Context: ...

    async def commit(self, outcome: Outcome, now: datetime) -> None: ...

    async def announce(self) -> None: ...

    async def create(self, run_id: str | None, request: EventRequest, params: CreateEventParams) -> Any: ...


async def cancel_many(
    storage: BulkStorage, request: BulkCancelWorkflowRunsRequest
) -> BulkCancelWorkflowRunsResult:
    """``runs.cancelMany`` (see the module docstring)."""
    try:
        wire = request.model_dump(by_alias=True, warnings=False)
        checked = BulkCancelWorkflowRunsRequest.model_validate(wire, by_alias=True, by_name=False)
    except (pydantic.ValidationError, ValueError, TypeError, AttributeError) as error:
        raise errors.WorkflowWorldError(f"not a cancelMany request: {error}", status=400) from None
    cancellation = RunCancelledRequest(event_data=RunCancelledData(cancel_reason=checked.cancel_reason))
    outcomes: list[dict[str, Any]] = []
    for run_id in checked.run_ids:
        found = storage.state.runs.get(run_id)
        if found is None:
            outcomes.append({"runId": run_id, "outcome": "not_found"})
        elif found[1].status == "cancelled":
            outcomes.append({"runId": run_id, "outcome": "already_cancelled"})
        elif found[1].status in ("completed", "failed"):
            outcomes.append({"runId": run_id, "outcome": "not_cancellable", "status": found[1].status})
        else:
            try:
                await storage.create(run_id, cancellation, CreateEventParams())
                outcomes.append({"runId": run_id, "outcome": "cancelled"})
            except errors.WorkflowError as error:
                outcomes.append(
                    {"runId": run_id, "outcome": "failed", "code": error.name, "retryable": False}
                )
    counted = [outcome["outcome"] for outcome in outcomes]
    summary = {
        "requested": len(outcomes),
        "cancelled": counted.count("cancelled"),
        "alreadyCancelled": counted.count("already_cancelled"),
        "notCancellable": counted.count("not_cancellable"),
        "notFound": counted.count("not_found"),
        "failed": counted.count("failed"),
    }
    return BulkCancelWorkflowRunsResult.model_validate({"summary": summary, "results": outcomes})


def _entity(request: EventRequest) -> tuple[str, str]:
    """The entity an event targets: its family and correlationId (the run for run events)."""
    family = request.event_type.split("_")[0]
    return (family, "") if family == "run" else (family, str(request.correlation_id))


def _check_batch(requests: Sequence[EventRequest]) -> None:
    """Refuse a batch a single write cannot express (see the module docstring)."""
    by_entity: dict[tuple[str, str], list[EventRequest]] = {}
    for request in requests:
        if request.event_type in NOT_IN_A_BATCH:
            raise errors.WorkflowWorldError(f"{request.event_type} cannot be written in a batch", status=400)
        if is_lazy_step_start(request):
            raise errors.WorkflowWorldError(
                "a step_started carrying a step's input cannot be batched", status=400
            )
        by_entity.setdefault(_entity(request), []).append(request)
    for entity, events in by_entity.items():
        types = [event.event_type for event in events]
        if len(events) > 1 and (types != ["step_created", "step_started"] or _carries_input(events[1])):
            raise errors.WorkflowWorldError(f"a batch holds {types} for one entity {entity}", status=400)


def _carries_input(request: EventRequest) -> bool:
    return (
        isinstance(request, StepStartedRequest)
        and request.event_data is not MISSING
        and request.event_data.input is not MISSING
    )


def _refusal(error: errors.WorkflowError) -> BatchEventFailure:
    status = error.fields().get("status") or error.http_status or 400
    return BatchEventFailure(status=int(status), error=error.name, message=error.message)


async def create_batch(
    storage: BulkStorage,
    run_id: str,
    items: Sequence[BatchEventRequest],
    params: CreateEventBatchParams | None = None,
) -> EventBatchResult:
    """``events.createBatch`` (see the module docstring)."""
    requests = [validated_request(item.event) for item in items]
    _check_batch(requests)
    resolve: ResolveData = "all" if params is None or params.resolve_data is MISSING else params.resolve_data
    results: list[BatchEventItemResult] = []
    async with storage.host.lock:
        for item, request in zip(items, requests, strict=True):
            now = storage.host.clock() if item.occurred_at is MISSING else item.occurred_at
            try:
                outcome = await decide(
                    LineFiveView(storage.state, now),
                    run_id,
                    request,
                    CreateEventParams(),
                    storage.context(now),
                )
            except errors.WorkflowError as error:
                results.append(_refusal(error))
                continue
            await storage.commit(outcome, now)
            entities = {key: outcome.result[key] for key in ("run", "step", "wait") if key in outcome.result}
            results.append(BatchEventSuccess(event=strip_event(outcome.result["event"], resolve), **entities))
    await storage.announce()
    return EventBatchResult(results=results)
