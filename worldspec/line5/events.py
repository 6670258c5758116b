"""Events of the 5.x line: requests, the stored form, ``CreateEventParams`` and ``EventResult``
(``@workflow/world`` 5.0.0-beta.37 src/events.ts; world-contract-v7.md §2.1, §4, §5.4).

Eighteen types: the sixteen of the 4.x line, ``attr_set`` (run attributes) and ``noop`` (a
sealed-log filler). ``hook_conflict`` and ``noop`` are World-only: they are stored events, never
requests. A stored event may carry ``resumeId`` (on ``hook_received`` written with one). Both
unions are discriminated by ``eventType``; eventData shapes are in ``worldspec.line5.event_data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import Field
from pydantic.json_schema import SkipJsonSchema

from worldspec.base import WireModel
from worldspec.entities import Wait
from worldspec.line5.entities import Hook, Step, WorkflowRun
from worldspec.line5.event_data import (
    AttrSetData,
    HookConflictData,
    HookCreatedData,
    HookDisposedData,
    HookReceivedData,
    NoopData,
    RunCancelledData,
    RunCompletedData,
    RunCreatedData,
    RunFailedData,
    RunStartedData,
    StepCompletedData,
    StepCreatedData,
    StepFailedData,
    StepRetryingData,
    StepStartedData,
    StoredHookReceivedData,
    StoredRunCreatedData,
    StoredRunFailedData,
    StoredStepCompletedData,
    StoredStepCreatedData,
    StoredStepFailedData,
    StoredStepRetryingData,
    WaitCompletedData,
    WaitCreatedData,
)
from worldspec.line5.wire_types import JsTrue
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING, JsBool, JsDate, JsNumber, JsStr

__all__ = [
    "CREATABLE_EVENT_TYPES",
    "EVENT_DATA_REF_FIELDS",
    "EVENT_TYPES",
    "TERMINAL_RUN_EVENT_TYPES",
    "WORLD_ONLY_EVENT_TYPES",
    "AttrSetEvent",
    "AttrSetRequest",
    "CreateEventParams",
    "Event",
    "EventRequest",
    "EventResult",
    "EventType",
    "HookConflictEvent",
    "HookCreatedEvent",
    "HookCreatedRequest",
    "HookDisposedEvent",
    "HookDisposedRequest",
    "HookReceivedEvent",
    "HookReceivedRequest",
    "NoopEvent",
    "RunCancelledEvent",
    "RunCancelledRequest",
    "RunCompletedEvent",
    "RunCompletedRequest",
    "RunCreatedEvent",
    "RunCreatedRequest",
    "RunFailedEvent",
    "RunFailedRequest",
    "RunStartedEvent",
    "RunStartedRequest",
    "StepCompletedEvent",
    "StepCompletedRequest",
    "StepCreatedEvent",
    "StepCreatedRequest",
    "StepFailedEvent",
    "StepFailedRequest",
    "StepRetryingEvent",
    "StepRetryingRequest",
    "StepStartedEvent",
    "StepStartedRequest",
    "WaitCompletedEvent",
    "WaitCompletedRequest",
    "WaitCreatedEvent",
    "WaitCreatedRequest",
    "event_data_of",
    "is_lazy_step_start",
]

EventType = Literal[
    "run_created",
    "run_started",
    "run_completed",
    "run_failed",
    "run_cancelled",
    "attr_set",
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
    "noop",
]
EVENT_TYPES: Final[tuple[str, ...]] = get_args(EventType)
WORLD_ONLY_EVENT_TYPES: Final = frozenset({"hook_conflict", "noop"})
"""Types a World writes and a client never sends."""
CREATABLE_EVENT_TYPES: Final[tuple[str, ...]] = tuple(
    t for t in EVENT_TYPES if t not in WORLD_ONLY_EVENT_TYPES
)
TERMINAL_RUN_EVENT_TYPES: Final = frozenset({"run_completed", "run_failed", "run_cancelled"})

EVENT_DATA_REF_FIELDS: Final[dict[str, tuple[str, ...]]] = {
    "run_created": ("input",),
    "run_started": ("input",),
    "run_completed": ("output",),
    "run_failed": ("error",),
    "step_created": ("input",),
    "step_started": ("input",),
    "step_completed": ("result",),
    "step_failed": ("error",),
    "step_retrying": ("error",),
    "hook_created": ("metadata",),
    "hook_received": ("payload",),
}
"""The eventData fields ``resolveData: 'none'`` strips, per event type (upstream
``getEventDataRefFields``); every other key stays."""


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
    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCancelledData | MISSING = MISSING


class AttrSetRequest(_Request):
    """``correlationId`` keys a workflow writer's change (deduplicated); a step writer sends none."""

    event_type: Literal["attr_set"] = "attr_set"
    correlation_id: JsStr | MISSING = MISSING
    event_data: AttrSetData


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
    | AttrSetRequest
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
"""Any event a runtime may send to ``events.create`` (``CreateEventSchema``: 16 types)."""


def is_lazy_step_start(request: EventRequest) -> bool:
    """True for a ``step_started`` that creates its step: its eventData has a string
    ``stepName`` and an ``input`` (upstream ``isChildEntityCreationEvent``)."""
    if not isinstance(request, StepStartedRequest) or request.event_data is MISSING:
        return False
    return isinstance(request.event_data.step_name, str) and request.event_data.input is not MISSING


# --- stored events: what a World returns ----------------------------------------------------


class _Stored(WireModel):
    """Fields a World adds when it stores an event.

    ``eventData`` is optional on every stored type, as in the 4.x models, and so is each payload
    field inside it (``Stored*`` shapes): ``resolveData: 'none'`` strips those fields and drops an
    eventData it leaves empty (a recorded deviation, docs/decisions.md).
    """

    run_id: JsStr
    event_id: JsStr
    created_at: JsDate
    occurred_at: JsDate | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING
    resume_id: JsStr | MISSING = MISSING


class RunCreatedEvent(_Stored):
    event_type: Literal["run_created"] = "run_created"
    correlation_id: JsStr | MISSING = MISSING
    event_data: StoredRunCreatedData | MISSING = MISSING


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
    event_data: StoredRunFailedData | MISSING = MISSING


class RunCancelledEvent(_Stored):
    event_type: Literal["run_cancelled"] = "run_cancelled"
    correlation_id: JsStr | MISSING = MISSING
    event_data: RunCancelledData | MISSING = MISSING


class AttrSetEvent(_Stored):
    event_type: Literal["attr_set"] = "attr_set"
    correlation_id: JsStr | MISSING = MISSING
    event_data: AttrSetData | MISSING = MISSING


class StepCreatedEvent(_Stored):
    event_type: Literal["step_created"] = "step_created"
    correlation_id: JsStr
    event_data: StoredStepCreatedData | MISSING = MISSING


class StepStartedEvent(_Stored):
    event_type: Literal["step_started"] = "step_started"
    correlation_id: JsStr
    event_data: StepStartedData | MISSING = MISSING


class StepCompletedEvent(_Stored):
    event_type: Literal["step_completed"] = "step_completed"
    correlation_id: JsStr
    event_data: StoredStepCompletedData | MISSING = MISSING


class StepFailedEvent(_Stored):
    event_type: Literal["step_failed"] = "step_failed"
    correlation_id: JsStr
    event_data: StoredStepFailedData | MISSING = MISSING


class StepRetryingEvent(_Stored):
    event_type: Literal["step_retrying"] = "step_retrying"
    correlation_id: JsStr
    event_data: StoredStepRetryingData | MISSING = MISSING


class HookCreatedEvent(_Stored):
    event_type: Literal["hook_created"] = "hook_created"
    correlation_id: JsStr
    event_data: HookCreatedData | MISSING = MISSING


class HookReceivedEvent(_Stored):
    event_type: Literal["hook_received"] = "hook_received"
    correlation_id: JsStr
    event_data: StoredHookReceivedData | MISSING = MISSING


class HookDisposedEvent(_Stored):
    event_type: Literal["hook_disposed"] = "hook_disposed"
    correlation_id: JsStr
    event_data: HookDisposedData | MISSING = MISSING


class HookConflictEvent(_Stored):
    """Written by a World when ``hook_created`` meets a token another hook holds."""

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


class NoopEvent(_Stored):
    """A sealed log's filler for a position whose writer died (spec >= 7). It changes nothing."""

    event_type: Literal["noop"] = "noop"
    correlation_id: JsStr | MISSING = MISSING
    event_data: NoopData | MISSING = MISSING


Event = Annotated[
    RunCreatedEvent
    | RunStartedEvent
    | RunCompletedEvent
    | RunFailedEvent
    | RunCancelledEvent
    | AttrSetEvent
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
    | WaitCompletedEvent
    | NoopEvent,
    Field(discriminator="event_type"),
]
"""Any stored event (``EventSchema``: 18 types)."""


def event_data_of(event: Event | EventRequest) -> dict[str, Any] | None:
    """The event's eventData in wire form (camelCase keys), or ``None`` when it has none."""
    data = getattr(event, "event_data", MISSING)
    return None if data is MISSING else dict(data.to_wire())


class CreateEventParams(WireModel):
    """Options of ``events.create`` (§4.1, §5.4). A World ignores the members it does not
    implement and never stores ``replay_divergence_count``.

    - ``resolve_data``: applied to the returned event and any page (default ``'all'``).
    - ``event_count``: how many events the writer holds; a create committed above
      ``event_count + 1`` reports the skipped slots in ``EventResult.events`` (required).
    - ``since_cursor``: ask for the delta after this ``events.list`` cursor (optional to answer).
    - ``skip_preload``: a ``run_started`` needs no preload.
    - ``preload_events``: a ``hook_received`` may return the complete log (optional).
    - ``resume_id``/``resume_payload_digest``: resume dedup of ``hook_received``
      (``hookResumeDedup``).
    - ``occurred_at``/``request_id``/``compute_instance_id``/``via_step_dispatch``/``v1_compat``:
      advisory.
    - ``replay_event_observer``: called per event by a World that streams its replay log; its
      error is rethrown unchanged. Python-side only, never on the wire.
    """

    v1_compat: JsBool | MISSING = MISSING
    resolve_data: ResolveData | MISSING = MISSING
    resume_id: JsStr | MISSING = MISSING
    resume_payload_digest: JsStr | MISSING = MISSING
    via_step_dispatch: JsBool | MISSING = MISSING
    request_id: JsStr | MISSING = MISSING
    compute_instance_id: JsStr | MISSING = MISSING
    event_count: JsNumber | MISSING = MISSING
    occurred_at: JsDate | MISSING = MISSING
    replay_divergence_count: JsNumber | MISSING = MISSING
    since_cursor: JsStr | MISSING = MISSING
    skip_preload: JsTrue | MISSING = MISSING
    preload_events: JsTrue | MISSING = MISSING
    replay_event_observer: SkipJsonSchema[Callable[[Any], None] | MISSING] = Field(
        default=MISSING, exclude=True
    )


class EventResult(WireModel):
    """What ``events.create`` returns.

    ``event`` is the committed event (absent on the already-running ``run_started`` path and on
    paths that store nothing); ``run``/``step``/``hook``/``wait`` the entity it touched;
    ``stepCreated`` is ``True`` only on a lazy ``step_started`` that created its step;
    ``maxEvents`` the run's event ceiling. At most one page ``events``/``cursor``/``hasMore``:
    a preload, a ``sinceCursor`` delta or a skipped-slot report (§5.4).
    """

    event: Event | MISSING = MISSING
    run: WorkflowRun | MISSING = MISSING
    step: Step | MISSING = MISSING
    hook: Hook | MISSING = MISSING
    wait: Wait | MISSING = MISSING
    step_created: JsTrue | MISSING = MISSING
    max_events: JsNumber | MISSING = MISSING
    events: list[Event] | MISSING = MISSING
    cursor: JsStr | MISSING | None = MISSING
    has_more: JsBool | MISSING = MISSING
