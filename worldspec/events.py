"""Events: the 15 types a runtime creates, the stored form, and what ``events.create`` returns.

Mirrors ``@workflow/world`` src/events.ts. Request models (``RunCreatedRequest``, ...) are what a
runtime sends to ``events.create``; stored models (``RunCreatedEvent``, ...) add ``runId``,
``eventId``, ``createdAt`` and ``occurredAt``. ``hook_conflict`` is stored only: a World writes
it, a client never sends it. Both unions are discriminated by ``eventType``.
"""

from __future__ import annotations

from typing import Annotated, Any, Final, Literal, get_args

from pydantic import Field

from worldspec.base import WireModel
from worldspec.entities import Hook, Step, Wait, WorkflowRun
from worldspec.pagination import ResolveData
from worldspec.wire_types import (
    MISSING,
    JsBool,
    JsDate,
    JsNumber,
    JsRecord,
    JsStr,
    SerializedData,
)

__all__ = [
    "CREATABLE_EVENT_TYPES",
    "EVENT_DATA_REF_FIELDS",
    "EVENT_TYPES",
    "TERMINAL_RUN_EVENT_TYPES",
    "CreateEventParams",
    "Event",
    "EventRequest",
    "EventResult",
    "EventType",
    "HookConflictData",
    "HookConflictEvent",
    "HookCreatedData",
    "HookCreatedEvent",
    "HookCreatedRequest",
    "HookDisposedData",
    "HookDisposedEvent",
    "HookDisposedRequest",
    "HookReceivedData",
    "HookReceivedEvent",
    "HookReceivedRequest",
    "RunCancelledEvent",
    "RunCancelledRequest",
    "RunCompletedData",
    "RunCompletedEvent",
    "RunCompletedRequest",
    "RunCreatedData",
    "RunCreatedEvent",
    "RunCreatedRequest",
    "RunFailedData",
    "RunFailedEvent",
    "RunFailedRequest",
    "RunStartedData",
    "RunStartedEvent",
    "RunStartedRequest",
    "StepCompletedData",
    "StepCompletedEvent",
    "StepCompletedRequest",
    "StepCreatedData",
    "StepCreatedEvent",
    "StepCreatedRequest",
    "StepFailedData",
    "StepFailedEvent",
    "StepFailedRequest",
    "StepRetryingData",
    "StepRetryingEvent",
    "StepRetryingRequest",
    "StepStartedData",
    "StepStartedEvent",
    "StepStartedRequest",
    "WaitCompletedData",
    "WaitCompletedEvent",
    "WaitCompletedRequest",
    "WaitCreatedData",
    "WaitCreatedEvent",
    "WaitCreatedRequest",
    "event_data_of",
]

EventType = Literal[
    "run_created",
    "run_started",
    "run_completed",
    "run_failed",
    "run_cancelled",
    "step_created",
    "step_completed",
    "step_failed",
    "step_retrying",
    "step_started",
    "hook_created",
    "hook_received",
    "hook_disposed",
    "hook_conflict",
    "wait_created",
    "wait_completed",
]
EVENT_TYPES: Final[tuple[str, ...]] = get_args(EventType)
CREATABLE_EVENT_TYPES: Final[tuple[str, ...]] = tuple(t for t in EVENT_TYPES if t != "hook_conflict")
TERMINAL_RUN_EVENT_TYPES: Final = frozenset({"run_completed", "run_failed", "run_cancelled"})

EVENT_DATA_REF_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "run_created": ("input",),
    "run_completed": ("output",),
    "run_failed": ("error",),
    "step_created": ("input",),
    "step_completed": ("result",),
    "step_failed": ("error",),
    "step_retrying": ("error",),
    "hook_created": ("metadata",),
    "hook_received": ("payload",),
}
"""The eventData fields ``resolveData: 'none'`` strips, per event type; every other key stays."""


# --- eventData shapes -------------------------------------------------------------------------


class RunCreatedData(WireModel):
    deployment_id: JsStr
    workflow_name: JsStr
    input: SerializedData = MISSING
    execution_context: JsRecord | MISSING = MISSING


class RunStartedData(WireModel):
    """Present only on the resilient start path (§5); a stored ``run_started`` has none."""

    input: SerializedData = MISSING
    deployment_id: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    execution_context: JsRecord | MISSING = MISSING


class RunCompletedData(WireModel):
    output: SerializedData = MISSING


class RunFailedData(WireModel):
    error: Any = MISSING
    error_code: JsStr | MISSING = MISSING


class StepCreatedData(WireModel):
    step_name: JsStr
    workflow_name: JsStr | MISSING = MISSING
    input: SerializedData = MISSING


class StepStartedData(WireModel):
    step_name: JsStr | MISSING = MISSING
    attempt: JsNumber | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING


class StepCompletedData(WireModel):
    step_name: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    result: SerializedData = MISSING


class StepFailedData(WireModel):
    step_name: JsStr | MISSING = MISSING
    error: Any = MISSING
    stack: JsStr | MISSING = MISSING


class StepRetryingData(WireModel):
    step_name: JsStr | MISSING = MISSING
    error: Any = MISSING
    stack: JsStr | MISSING = MISSING
    retry_after: JsDate | MISSING = MISSING


class HookCreatedData(WireModel):
    token: JsStr
    metadata: SerializedData = MISSING
    is_webhook: JsBool | MISSING = MISSING


class HookReceivedData(WireModel):
    token: JsStr | MISSING = MISSING
    payload: SerializedData = MISSING


class HookDisposedData(WireModel):
    token: JsStr | MISSING = MISSING


class HookConflictData(WireModel):
    token: JsStr
    conflicting_run_id: JsStr | MISSING = MISSING


class WaitCreatedData(WireModel):
    resume_at: JsDate


class WaitCompletedData(WireModel):
    resume_at: JsDate | MISSING = MISSING


# --- requests: what a runtime sends --------------------------------------------------------


class _Request(WireModel):
    spec_version: JsNumber | MISSING = MISSING


class RunCreatedRequest(_Request):
    event_type: Literal["run_created"] = "run_created"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCreatedData


class RunStartedRequest(_Request):
    event_type: Literal["run_started"] = "run_started"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunStartedData | MISSING = MISSING


class RunCompletedRequest(_Request):
    event_type: Literal["run_completed"] = "run_completed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCompletedData


class RunFailedRequest(_Request):
    event_type: Literal["run_failed"] = "run_failed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunFailedData


class RunCancelledRequest(_Request):
    """Carries no eventData (upstream drops any that is sent)."""

    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING


class StepCreatedRequest(_Request):
    event_type: Literal["step_created"] = "step_created"
    correlation_id: JsStr
    event_data: StepCreatedData


class StepStartedRequest(_Request):
    event_type: Literal["step_started"] = "step_started"
    correlation_id: JsStr
    event_data: StepStartedData | MISSING = MISSING


class StepCompletedRequest(_Request):
    event_type: Literal["step_completed"] = "step_completed"
    correlation_id: JsStr
    event_data: StepCompletedData


class StepFailedRequest(_Request):
    event_type: Literal["step_failed"] = "step_failed"
    correlation_id: JsStr
    event_data: StepFailedData


class StepRetryingRequest(_Request):
    event_type: Literal["step_retrying"] = "step_retrying"
    correlation_id: JsStr
    event_data: StepRetryingData


class HookCreatedRequest(_Request):
    event_type: Literal["hook_created"] = "hook_created"
    correlation_id: JsStr
    event_data: HookCreatedData


class HookReceivedRequest(_Request):
    event_type: Literal["hook_received"] = "hook_received"
    correlation_id: JsStr
    event_data: HookReceivedData


class HookDisposedRequest(_Request):
    event_type: Literal["hook_disposed"] = "hook_disposed"
    correlation_id: JsStr
    event_data: HookDisposedData | MISSING = MISSING


class WaitCreatedRequest(_Request):
    event_type: Literal["wait_created"] = "wait_created"
    correlation_id: JsStr
    event_data: WaitCreatedData


class WaitCompletedRequest(_Request):
    event_type: Literal["wait_completed"] = "wait_completed"
    correlation_id: JsStr
    event_data: WaitCompletedData | MISSING = MISSING


EventRequest = Annotated[
    RunCreatedRequest
    | RunStartedRequest
    | RunCompletedRequest
    | RunFailedRequest
    | RunCancelledRequest
    | StepCreatedRequest
    | StepStartedRequest
    | StepCompletedRequest
    | StepFailedRequest
    | StepRetryingRequest
    | HookCreatedRequest
    | HookReceivedRequest
    | HookDisposedRequest
    | WaitCreatedRequest
    | WaitCompletedRequest,
    Field(discriminator="event_type"),
]
"""Any event a runtime may send to ``events.create`` (``CreateEventSchema``)."""


# --- stored events: what a World returns ----------------------------------------------------


class _Stored(WireModel):
    """Fields a World adds when it stores an event.

    ``eventData`` is optional on every stored type: ``resolveData: 'none'`` drops an eventData it
    leaves empty (§9). Upstream's ``EventSchema`` still requires it (an upstream TODO); this is
    a recorded deviation, see docs/decisions.md.
    """

    run_id: JsStr
    event_id: JsStr
    created_at: JsDate
    occurred_at: JsDate | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING


class RunCreatedEvent(_Stored):
    event_type: Literal["run_created"] = "run_created"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCreatedData | MISSING = MISSING


class RunStartedEvent(_Stored):
    event_type: Literal["run_started"] = "run_started"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunStartedData | MISSING = MISSING


class RunCompletedEvent(_Stored):
    event_type: Literal["run_completed"] = "run_completed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCompletedData | MISSING = MISSING


class RunFailedEvent(_Stored):
    event_type: Literal["run_failed"] = "run_failed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunFailedData | MISSING = MISSING


class RunCancelledEvent(_Stored):
    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING


class StepCreatedEvent(_Stored):
    event_type: Literal["step_created"] = "step_created"
    correlation_id: JsStr
    event_data: StepCreatedData | MISSING = MISSING


class StepStartedEvent(_Stored):
    event_type: Literal["step_started"] = "step_started"
    correlation_id: JsStr
    event_data: StepStartedData | MISSING = MISSING


class StepCompletedEvent(_Stored):
    event_type: Literal["step_completed"] = "step_completed"
    correlation_id: JsStr
    event_data: StepCompletedData | MISSING = MISSING


class StepFailedEvent(_Stored):
    event_type: Literal["step_failed"] = "step_failed"
    correlation_id: JsStr
    event_data: StepFailedData | MISSING = MISSING


class StepRetryingEvent(_Stored):
    event_type: Literal["step_retrying"] = "step_retrying"
    correlation_id: JsStr
    event_data: StepRetryingData | MISSING = MISSING


class HookCreatedEvent(_Stored):
    event_type: Literal["hook_created"] = "hook_created"
    correlation_id: JsStr
    event_data: HookCreatedData | MISSING = MISSING


class HookReceivedEvent(_Stored):
    event_type: Literal["hook_received"] = "hook_received"
    correlation_id: JsStr
    event_data: HookReceivedData | MISSING = MISSING


class HookDisposedEvent(_Stored):
    event_type: Literal["hook_disposed"] = "hook_disposed"
    correlation_id: JsStr
    event_data: HookDisposedData | MISSING = MISSING


class HookConflictEvent(_Stored):
    """Written by a World when ``hook_created`` meets a token held by another live hook."""

    event_type: Literal["hook_conflict"] = "hook_conflict"
    correlation_id: JsStr
    event_data: HookConflictData | MISSING = MISSING


class WaitCreatedEvent(_Stored):
    event_type: Literal["wait_created"] = "wait_created"
    correlation_id: JsStr
    event_data: WaitCreatedData | MISSING = MISSING


class WaitCompletedEvent(_Stored):
    event_type: Literal["wait_completed"] = "wait_completed"
    correlation_id: JsStr
    event_data: WaitCompletedData | MISSING = MISSING


Event = Annotated[
    RunCreatedEvent
    | RunStartedEvent
    | RunCompletedEvent
    | RunFailedEvent
    | RunCancelledEvent
    | StepCreatedEvent
    | StepStartedEvent
    | StepCompletedEvent
    | StepFailedEvent
    | StepRetryingEvent
    | HookCreatedEvent
    | HookReceivedEvent
    | HookDisposedEvent
    | HookConflictEvent
    | WaitCreatedEvent
    | WaitCompletedEvent,
    Field(discriminator="event_type"),
]
"""Any stored event (``EventSchema``)."""


def event_data_of(event: Event | EventRequest) -> dict[str, Any] | None:
    """The event's eventData in wire form (camelCase keys), or ``None`` when it has none."""
    data = getattr(event, "event_data", MISSING)
    return None if data is MISSING else dict(data.to_wire())


class CreateEventParams(WireModel):
    """Options of ``events.create``.

    ``resolve_data`` applies to the returned event (default ``'all'``). ``state_updated_at``
    (epoch ms) and ``occurred_at``/``request_id`` are honoured only by Worlds that declare
    the state-guard and occurred-at capabilities. ``v1_compat`` may be ignored.
    """

    v1_compat: JsBool | MISSING = MISSING
    resolve_data: ResolveData | MISSING = MISSING
    request_id: JsStr | MISSING = MISSING
    state_updated_at: JsNumber | MISSING = MISSING
    occurred_at: JsDate | MISSING = MISSING


class EventResult(WireModel):
    """What ``events.create`` returns: the stored event, the entity it touched, and, on a
    pending-to-running ``run_started``, optionally the preloaded log (``events``, ``cursor``,
    ``hasMore``). ``event`` is absent only on the already-running ``run_started`` path and on
    legacy-run paths that store nothing."""

    event: Event | MISSING = MISSING
    run: WorkflowRun | MISSING = MISSING
    step: Step | MISSING = MISSING
    hook: Hook | MISSING = MISSING
    wait: Wait | MISSING = MISSING
    events: list[Event] | MISSING = MISSING
    cursor: JsStr | MISSING | None = MISSING
    has_more: JsBool | MISSING = MISSING
    max_events: JsNumber | MISSING = MISSING
