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
"""Every ``eventType`` of the 4.x line: the 15 a client may send, and ``hook_conflict``."""
EVENT_TYPES: Final[tuple[str, ...]] = get_args(EventType)
"""The values of ``EventType``, in the order above."""
CREATABLE_EVENT_TYPES: Final[tuple[str, ...]] = tuple(t for t in EVENT_TYPES if t != "hook_conflict")
"""The types a client may send to ``events.create``: all but ``hook_conflict``, which only a World
writes. Any other type is refused with ``WorkflowWorldError`` (§4.1)."""
TERMINAL_RUN_EVENT_TYPES: Final = frozenset({"run_completed", "run_failed", "run_cancelled"})
"""The events that end a run; in the same atomic step the run's hooks and waits are deleted."""

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
    """eventData of ``run_created``. The new run takes ``deploymentId``, ``workflowName``,
    ``executionContext`` and ``input`` exactly as sent; ``input`` is a payload (bytes from spec
    2, byte-exact) and the one field ``resolveData: 'none'`` strips."""

    deployment_id: JsStr
    workflow_name: JsStr
    input: SerializedData = MISSING
    execution_context: JsRecord | MISSING = MISSING


class RunStartedData(WireModel):
    """eventData a ``run_started`` may carry: the run's creation data, for a run that does not exist
    yet (resilient start, §5). It creates the run only when ``deploymentId`` and ``workflowName``
    are non-empty and ``input`` is present (``None`` counts). A World never stores it (a stored
    ``run_started`` has no eventData) and it never changes an existing run."""

    input: SerializedData = MISSING
    deployment_id: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    execution_context: JsRecord | MISSING = MISSING


class RunCompletedData(WireModel):
    """eventData of ``run_completed``: ``output`` becomes the run's ``output`` byte for byte (a
    payload, stripped by ``resolveData: 'none'``)."""

    output: SerializedData = MISSING


class RunFailedData(WireModel):
    """eventData of ``run_failed``. ``error`` may be any value; the run's ``StructuredError`` takes
    its ``message`` from it (the string itself, else its string ``message``, else ``'Unknown
    error'``) and its ``stack`` from the error's own ``stack``. ``error_code`` becomes the
    error's ``code``. ``error`` is stripped by ``resolveData: 'none'``."""

    error: Any = MISSING
    error_code: JsStr | MISSING = MISSING


class StepCreatedData(WireModel):
    """eventData of ``step_created``: the new step's ``stepName`` and ``input`` (a payload,
    byte-exact, stripped by ``resolveData: 'none'``). ``workflowName`` is informative."""

    step_name: JsStr
    workflow_name: JsStr | MISSING = MISSING
    input: SerializedData = MISSING


class StepStartedData(WireModel):
    """eventData a ``step_started`` may carry; informative only. The step's ``attempt`` is counted
    by the World (accepted starts), never taken from here."""

    step_name: JsStr | MISSING = MISSING
    attempt: JsNumber | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING


class StepCompletedData(WireModel):
    """eventData of ``step_completed``: ``result`` becomes the step's ``output`` byte for byte (a
    payload, stripped by ``resolveData: 'none'``)."""

    step_name: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    result: SerializedData = MISSING


class StepFailedData(WireModel):
    """eventData of ``step_failed``. ``error`` may be any value; the step's ``StructuredError``
    takes its ``message`` from it (the string itself, else its string ``message``, else
    ``'Unknown error'``) and its ``stack`` from this event's ``stack`` only, never from inside
    ``error``. ``error`` is stripped by ``resolveData: 'none'``."""

    step_name: JsStr | MISSING = MISSING
    error: Any = MISSING
    stack: JsStr | MISSING = MISSING


class StepRetryingData(WireModel):
    """eventData of ``step_retrying``: ``error`` and ``stack`` as in ``StepFailedData``.
    ``retry_after`` becomes the step's ``retryAfter``; when it is absent the step's
    ``retryAfter`` is cleared."""

    step_name: JsStr | MISSING = MISSING
    error: Any = MISSING
    stack: JsStr | MISSING = MISSING
    retry_after: JsDate | MISSING = MISSING


class HookCreatedData(WireModel):
    """eventData of ``hook_created``. ``token`` must be free (held by no live hook of any run), else
    the World writes a ``hook_conflict`` instead; ``metadata`` is a payload (byte-exact, stripped
    by ``resolveData: 'none'``); ``is_webhook`` is stored as sent."""

    token: JsStr
    metadata: SerializedData = MISSING
    is_webhook: JsBool | MISSING = MISSING


class HookReceivedData(WireModel):
    """eventData of ``hook_received``: ``payload`` is what was delivered to the hook, stored
    byte-exact (stripped by ``resolveData: 'none'``). ``token`` is informative."""

    token: JsStr | MISSING = MISSING
    payload: SerializedData = MISSING


class HookDisposedData(WireModel):
    """eventData a ``hook_disposed`` may carry; ``token`` is informative. The hook is found by
    ``(runId, correlationId)``."""

    token: JsStr | MISSING = MISSING


class HookConflictData(WireModel):
    """eventData of ``hook_conflict``, written by the World: the contested ``token`` and, as
    ``conflicting_run_id``, the run whose live hook holds it."""

    token: JsStr
    conflicting_run_id: JsStr | MISSING = MISSING


class WaitCreatedData(WireModel):
    """eventData of ``wait_created``: ``resume_at`` becomes the wait's ``resumeAt`` and never
    changes afterwards. The World does not compare it with its clock."""

    resume_at: JsDate


class WaitCompletedData(WireModel):
    """eventData a ``wait_completed`` may carry; ``resume_at`` is informative and does not change
    the wait."""

    resume_at: JsDate | MISSING = MISSING


# --- requests: what a runtime sends --------------------------------------------------------


class _Request(WireModel):
    spec_version: JsNumber | MISSING = MISSING


class RunCreatedRequest(_Request):
    """Creates a pending run (§4.2). Sent with ``run_id=None`` the World mints ``wrun_<ULID>``; a
    client run id must be a ULID dated within 24 h before and 5 min after the World's clock."""

    event_type: Literal["run_created"] = "run_created"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCreatedData


class RunStartedRequest(_Request):
    """Starts a pending run; a no-op on a running one; creates a missing run on resilient start
    (§5). Refused with ``RunExpiredError`` on a terminal run."""

    event_type: Literal["run_started"] = "run_started"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunStartedData | MISSING = MISSING


class RunCompletedRequest(_Request):
    """Ends the run as completed (§4.2)."""

    event_type: Literal["run_completed"] = "run_completed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCompletedData


class RunFailedRequest(_Request):
    """Ends the run as failed (§4.2)."""

    event_type: Literal["run_failed"] = "run_failed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunFailedData


class RunCancelledRequest(_Request):
    """Ends the run as cancelled (§4.2); on an already cancelled run it succeeds and changes
    nothing. Carries no eventData (upstream drops any that is sent)."""

    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING


class StepCreatedRequest(_Request):
    """Creates a pending step ``correlation_id`` (§4.3). Refused with ``EntityConflictError`` if the
    step exists or the run is terminal."""

    event_type: Literal["step_created"] = "step_created"
    correlation_id: JsStr
    event_data: StepCreatedData


class StepStartedRequest(_Request):
    """Marks the step running and adds one to its ``attempt`` (§4.3). Refused with ``TooEarlyError``
    before the step's ``retryAfter``."""

    event_type: Literal["step_started"] = "step_started"
    correlation_id: JsStr
    event_data: StepStartedData | MISSING = MISSING


class StepCompletedRequest(_Request):
    """Ends the step as completed (§4.3)."""

    event_type: Literal["step_completed"] = "step_completed"
    correlation_id: JsStr
    event_data: StepCompletedData


class StepFailedRequest(_Request):
    """Ends the step as failed (§4.3)."""

    event_type: Literal["step_failed"] = "step_failed"
    correlation_id: JsStr
    event_data: StepFailedData


class StepRetryingRequest(_Request):
    """Sends the step back to pending with an error and an optional ``retryAfter`` (§4.3)."""

    event_type: Literal["step_retrying"] = "step_retrying"
    correlation_id: JsStr
    event_data: StepRetryingData


class HookCreatedRequest(_Request):
    """Creates hook ``correlation_id`` holding ``token`` (§4.4), or, if another live hook holds the
    token, makes the World append a ``hook_conflict`` instead, without raising."""

    event_type: Literal["hook_created"] = "hook_created"
    correlation_id: JsStr
    event_data: HookCreatedData


class HookReceivedRequest(_Request):
    """Records a payload delivered to the live hook ``correlation_id`` (§4.4); the hook is
    unchanged."""

    event_type: Literal["hook_received"] = "hook_received"
    correlation_id: JsStr
    event_data: HookReceivedData


class HookDisposedRequest(_Request):
    """Deletes the live hook ``correlation_id`` and frees its token (§4.4)."""

    event_type: Literal["hook_disposed"] = "hook_disposed"
    correlation_id: JsStr
    event_data: HookDisposedData | MISSING = MISSING


class WaitCreatedRequest(_Request):
    """Creates wait ``"<runId>-<correlation_id>"``, waiting until the runtime completes it (§4.5)."""

    event_type: Literal["wait_created"] = "wait_created"
    correlation_id: JsStr
    event_data: WaitCreatedData


class WaitCompletedRequest(_Request):
    """Completes the wait ``"<runId>-<correlation_id>"``, exactly once (§4.5)."""

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
    """A stored ``run_created``: always the first event of its run."""

    event_type: Literal["run_created"] = "run_created"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCreatedData | MISSING = MISSING


class RunStartedEvent(_Stored):
    """A stored ``run_started``. It never has eventData, also after resilient start."""

    event_type: Literal["run_started"] = "run_started"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunStartedData | MISSING = MISSING


class RunCompletedEvent(_Stored):
    """A stored ``run_completed``."""

    event_type: Literal["run_completed"] = "run_completed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCompletedData | MISSING = MISSING


class RunFailedEvent(_Stored):
    """A stored ``run_failed``."""

    event_type: Literal["run_failed"] = "run_failed"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunFailedData | MISSING = MISSING


class RunCancelledEvent(_Stored):
    """A stored ``run_cancelled``. It has no eventData."""

    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING


class StepCreatedEvent(_Stored):
    """A stored ``step_created``: the first event of its step."""

    event_type: Literal["step_created"] = "step_created"
    correlation_id: JsStr
    event_data: StepCreatedData | MISSING = MISSING


class StepStartedEvent(_Stored):
    """A stored ``step_started``."""

    event_type: Literal["step_started"] = "step_started"
    correlation_id: JsStr
    event_data: StepStartedData | MISSING = MISSING


class StepCompletedEvent(_Stored):
    """A stored ``step_completed``: the last event of its step."""

    event_type: Literal["step_completed"] = "step_completed"
    correlation_id: JsStr
    event_data: StepCompletedData | MISSING = MISSING


class StepFailedEvent(_Stored):
    """A stored ``step_failed``: the last event of its step."""

    event_type: Literal["step_failed"] = "step_failed"
    correlation_id: JsStr
    event_data: StepFailedData | MISSING = MISSING


class StepRetryingEvent(_Stored):
    """A stored ``step_retrying``."""

    event_type: Literal["step_retrying"] = "step_retrying"
    correlation_id: JsStr
    event_data: StepRetryingData | MISSING = MISSING


class HookCreatedEvent(_Stored):
    """A stored ``hook_created``."""

    event_type: Literal["hook_created"] = "hook_created"
    correlation_id: JsStr
    event_data: HookCreatedData | MISSING = MISSING


class HookReceivedEvent(_Stored):
    """A stored ``hook_received``."""

    event_type: Literal["hook_received"] = "hook_received"
    correlation_id: JsStr
    event_data: HookReceivedData | MISSING = MISSING


class HookDisposedEvent(_Stored):
    """A stored ``hook_disposed``."""

    event_type: Literal["hook_disposed"] = "hook_disposed"
    correlation_id: JsStr
    event_data: HookDisposedData | MISSING = MISSING


class HookConflictEvent(_Stored):
    """Written by a World, never sent by a client, when ``hook_created`` meets a token held by
    another live hook. It is returned as the create's ``event``; no hook is created and nothing
    is raised."""

    event_type: Literal["hook_conflict"] = "hook_conflict"
    correlation_id: JsStr
    event_data: HookConflictData | MISSING = MISSING


class WaitCreatedEvent(_Stored):
    """A stored ``wait_created``."""

    event_type: Literal["wait_created"] = "wait_created"
    correlation_id: JsStr
    event_data: WaitCreatedData | MISSING = MISSING


class WaitCompletedEvent(_Stored):
    """A stored ``wait_completed``: at most one per wait."""

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

    ``resolve_data`` (default ``'all'``) applies to the returned event and should apply to the
    preload; the returned entity may ignore it. ``v1_compat`` is a hint a World may ignore:
    whether a run is legacy is decided by its stored spec version, never by this flag (§6.1).
    ``state_updated_at`` (epoch ms) is honoured only by Worlds with the ``state_guard``
    capability: older than the run's newest external event, the create is refused with
    ``PreconditionFailedError`` (§12). ``occurred_at`` and ``request_id`` belong to an optional
    part the kit does not judge."""

    v1_compat: JsBool | MISSING = MISSING
    resolve_data: ResolveData | MISSING = MISSING
    request_id: JsStr | MISSING = MISSING
    state_updated_at: JsNumber | MISSING = MISSING
    occurred_at: JsDate | MISSING = MISSING


class EventResult(WireModel):
    """What ``events.create`` returns (§4.1).

    ``event`` is the stored event with ``params.resolve_data`` applied; it is absent only when
    nothing was appended (``run_started`` on a running run, a legacy ``run_cancelled`` that
    stores no event). ``run``, ``step``, ``hook`` and ``wait`` are the entity the event touched,
    absent when it touched none (a ``hook_conflict`` creates no hook; ``hook_received`` and
    ``hook_disposed`` need return only the event). On a pending-to-running ``run_started`` a
    World may add the preload (§5.2): ``events``, the log ascending through that ``run_started``;
    ``has_more`` true when it is only a prefix, and then a non-null ``cursor`` that continues
    like an ``events.list`` cursor. ``max_events`` is an optional part."""

    event: Event | MISSING = MISSING
    run: WorkflowRun | MISSING = MISSING
    step: Step | MISSING = MISSING
    hook: Hook | MISSING = MISSING
    wait: Wait | MISSING = MISSING
    events: list[Event] | MISSING = MISSING
    cursor: JsStr | MISSING | None = MISSING
    has_more: JsBool | MISSING = MISSING
    max_events: JsNumber | MISSING = MISSING
