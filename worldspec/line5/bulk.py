"""Shapes of the 5.x line's optional bulk members (world-contract-v7.md §12; ``@workflow/world``
5.0.0-beta.37 src/runs.ts and src/events.ts):

- ``runs.cancelMany``: ``BulkCancelWorkflowRunsRequest`` (1 to 500 unique run ids, a
  ``cancelReason`` of at most 512 characters) and its per-run outcomes;
- ``events.createBatch``: one ``BatchEventRequest`` per event, and one ``BatchEventItemResult``
  per event in request order (``status: 200`` with the committed event, or the status and error
  its single create would have had).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from worldspec.base import WireModel
from worldspec.entities import Wait
from worldspec.line5.entities import Step, WorkflowRun
from worldspec.line5.events import Event, EventRequest
from worldspec.line5.wire_types import CancelReason
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING, JsBool, JsDate, JsInt, JsStr

__all__ = [
    "BULK_CANCEL_MAX_RUN_IDS",
    "BatchEventFailure",
    "BatchEventItemResult",
    "BatchEventRequest",
    "BatchEventSuccess",
    "BulkCancelOutcome",
    "BulkCancelSummary",
    "BulkCancelWorkflowRunsRequest",
    "BulkCancelWorkflowRunsResult",
    "CreateEventBatchParams",
    "EventBatchResult",
]

BULK_CANCEL_MAX_RUN_IDS = 500


def _unique(run_ids: list[str]) -> list[str]:
    if len(set(run_ids)) != len(run_ids):
        raise ValueError("runIds must not contain duplicates")
    return run_ids


class BulkCancelWorkflowRunsRequest(WireModel):
    """``{runIds, cancelReason?}``: 1 to 500 unique run ids."""

    run_ids: Annotated[
        list[JsStr], Field(min_length=1, max_length=BULK_CANCEL_MAX_RUN_IDS), AfterValidator(_unique)
    ]
    cancel_reason: CancelReason | MISSING = MISSING


class _Outcome(WireModel):
    run_id: JsStr


class _Cancelled(_Outcome):
    outcome: Literal["cancelled"] = "cancelled"


class _AlreadyCancelled(_Outcome):
    outcome: Literal["already_cancelled"] = "already_cancelled"


class _NotCancellable(_Outcome):
    outcome: Literal["not_cancellable"] = "not_cancellable"
    status: JsStr


class _NotFound(_Outcome):
    outcome: Literal["not_found"] = "not_found"


class _Failed(_Outcome):
    outcome: Literal["failed"] = "failed"
    code: JsStr
    retryable: JsBool


BulkCancelOutcome = Annotated[
    _Cancelled | _AlreadyCancelled | _NotCancellable | _NotFound | _Failed, Field(discriminator="outcome")
]
"""One run's outcome: ``cancelled``, ``already_cancelled``, ``not_cancellable`` (with the run's
``status``), ``not_found`` or ``failed`` (with ``code`` and ``retryable``)."""


class BulkCancelSummary(WireModel):
    requested: JsInt
    cancelled: JsInt
    already_cancelled: JsInt
    not_cancellable: JsInt
    not_found: JsInt
    failed: JsInt


class BulkCancelWorkflowRunsResult(WireModel):
    """The outcomes in request order and their counts."""

    summary: BulkCancelSummary
    results: list[BulkCancelOutcome]


class BatchEventRequest(WireModel):
    """One event of a batch; ``occurredAt`` becomes the event's ``createdAt``."""

    event: EventRequest
    occurred_at: JsDate | MISSING = MISSING
    compute_instance_id: JsStr | MISSING = MISSING


class CreateEventBatchParams(WireModel):
    resolve_data: ResolveData | MISSING = MISSING
    request_id: JsStr | MISSING = MISSING


class BatchEventSuccess(WireModel):
    """The event committed, with the entity its single create returns."""

    status: Literal[200] = 200
    event: Event
    run: WorkflowRun | MISSING = MISSING
    step: Step | MISSING = MISSING
    wait: Wait | MISSING = MISSING


class BatchEventFailure(WireModel):
    """The event was refused as its single create would have been: ``error`` is the error's name."""

    status: JsInt
    error: JsStr
    message: JsStr


BatchEventItemResult = BatchEventSuccess | BatchEventFailure


class EventBatchResult(WireModel):
    """One result per submitted event, in request order."""

    results: list[BatchEventItemResult]
