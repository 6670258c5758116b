"""eventData shapes of the 5.x line, one per event type (``@workflow/world`` 5.0.0-beta.37
src/events.ts; world-contract-v7.md §2.1).

What changed from the 4.x line: run creation data carries ``attributes``,
``allowReservedAttributes`` and ``encryptionPublicKey``; ``run_failed``, ``step_failed`` and
``step_retrying`` carry their ``error`` as a payload and ``step_*`` no ``stack``;
``run_cancelled`` may carry a ``cancelReason``; ``step_started`` may carry the lazy-start
``input`` and an ``ownerMessageId``; a step's terminal events may carry latency telemetry;
``hook_created`` carries ``isSystem`` and ``tokenRetentionUntil``; ``attr_set`` and the World-only
``noop`` are new.

A payload field that upstream declares without ``.optional()`` (``run_created.input``,
``run_failed.error``, ``step_created.input``, ``step_completed.result``, ``step_failed.error``,
``step_retrying.error``, ``hook_received.payload``) must be present in a request: with zod 4.5 a
key typed ``z.any()`` is required, though its value may be ``undefined``. The ``Stored*`` shapes
are what a World returns: ``resolveData: 'none'`` strips exactly those fields, so there they are
optional (a recorded deviation, docs/decisions.md).
"""

from __future__ import annotations

from pydantic import ConfigDict

from worldspec.base import WireModel
from worldspec.line5.attributes import AttributeChanges, AttributeWriter
from worldspec.line5.wire_types import CancelReason, JsPositiveInt, JsTrue
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
    "AttrSetData",
    "HookConflictData",
    "HookCreatedData",
    "HookDisposedData",
    "HookReceivedData",
    "NoopData",
    "RunCancelledData",
    "RunCompletedData",
    "RunCreatedData",
    "RunFailedData",
    "RunStartedData",
    "StepCompletedData",
    "StepCreatedData",
    "StepFailedData",
    "StepLatency",
    "StepRetryingData",
    "StepStartedData",
    "StoredHookReceivedData",
    "StoredRunCreatedData",
    "StoredRunFailedData",
    "StoredStepCompletedData",
    "StoredStepCreatedData",
    "StoredStepFailedData",
    "StoredStepRetryingData",
    "WaitCompletedData",
    "WaitCreatedData",
]


class StoredRunCreatedData(WireModel):
    deployment_id: JsStr
    workflow_name: JsStr
    input: SerializedData = MISSING
    execution_context: JsRecord | MISSING = MISSING
    attributes: dict[JsStr, JsStr] | MISSING = MISSING
    allow_reserved_attributes: JsTrue | MISSING = MISSING
    encryption_public_key: JsStr | MISSING = MISSING


class RunCreatedData(StoredRunCreatedData):
    """As sent: ``input`` present."""

    input: SerializedData


class RunStartedData(WireModel):
    """Present only on the resilient start path (§5.1); a stored ``run_started`` has none."""

    input: SerializedData = MISSING
    deployment_id: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    execution_context: JsRecord | MISSING = MISSING
    attributes: dict[JsStr, JsStr] | MISSING = MISSING
    allow_reserved_attributes: JsTrue | MISSING = MISSING
    encryption_public_key: JsStr | MISSING = MISSING


class RunCompletedData(WireModel):
    output: SerializedData = MISSING


class StoredRunFailedData(WireModel):
    """``error`` is the thrown value, serialized by the runtime; ``errorCode`` its category."""

    error: SerializedData = MISSING
    error_code: JsStr | MISSING = MISSING


class RunFailedData(StoredRunFailedData):
    """As sent: ``error`` present."""

    error: SerializedData


class RunCancelledData(WireModel):
    """``cancelReason`` (at most 512 characters) stays on the event; the run has no such field."""

    cancel_reason: CancelReason | MISSING = MISSING


class AttrSetData(WireModel):
    """Changes to the run's attributes and who wrote them."""

    changes: AttributeChanges
    writer: AttributeWriter
    allow_reserved_attributes: JsTrue | MISSING = MISSING


class StoredStepCreatedData(WireModel):
    step_name: JsStr
    workflow_name: JsStr | MISSING = MISSING
    input: SerializedData = MISSING


class StepCreatedData(StoredStepCreatedData):
    """As sent: ``input`` present."""

    input: SerializedData


class StepStartedData(WireModel):
    """With a string ``stepName`` and an ``input``, a lazy start that creates the step (§4.3)."""

    step_name: JsStr | MISSING = MISSING
    attempt: JsNumber | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    input: SerializedData = MISSING
    owner_message_id: JsStr | MISSING = MISSING


class StepLatency(WireModel):
    """Latency telemetry on a step's terminal event; a World may drop it."""

    ttfs: JsNumber | MISSING = MISSING
    stso: JsNumber | MISSING = MISSING
    step_count: JsPositiveInt | MISSING = MISSING
    event_count: JsPositiveInt | MISSING = MISSING
    rsfs: JsNumber | MISSING = MISSING
    final_scheduling_replay: JsNumber | MISSING = MISSING
    optimizations: list[JsStr] | MISSING = MISSING


class StoredStepCompletedData(StepLatency):
    step_name: JsStr | MISSING = MISSING
    workflow_name: JsStr | MISSING = MISSING
    result: SerializedData = MISSING


class StepCompletedData(StoredStepCompletedData):
    """As sent: ``result`` present."""

    result: SerializedData


class StoredStepFailedData(StepLatency):
    step_name: JsStr | MISSING = MISSING
    error: SerializedData = MISSING


class StepFailedData(StoredStepFailedData):
    """As sent: ``error`` present."""

    error: SerializedData


class StoredStepRetryingData(WireModel):
    step_name: JsStr | MISSING = MISSING
    error: SerializedData = MISSING
    retry_after: JsDate | MISSING = MISSING


class StepRetryingData(StoredStepRetryingData):
    """As sent: ``error`` present."""

    error: SerializedData


class HookCreatedData(WireModel):
    token: JsStr
    token_retention_until: JsDate | MISSING = MISSING
    metadata: SerializedData = MISSING
    is_webhook: JsBool | MISSING = MISSING
    is_system: JsBool | MISSING = MISSING


class StoredHookReceivedData(WireModel):
    token: JsStr | MISSING = MISSING
    payload: SerializedData = MISSING


class HookReceivedData(StoredHookReceivedData):
    """As sent: ``payload`` present."""

    payload: SerializedData


class HookDisposedData(WireModel):
    token: JsStr | MISSING = MISSING


class HookConflictData(WireModel):
    token: JsStr
    conflicting_run_id: JsStr | MISSING = MISSING


class WaitCreatedData(WireModel):
    resume_at: JsDate


class WaitCompletedData(WireModel):
    resume_at: JsDate | MISSING = MISSING


class NoopData(WireModel):
    """A sealed-log filler's data: ``sealed``, and any other keys, kept as stored."""

    model_config = ConfigDict(extra="allow")

    sealed: JsBool | MISSING = MISSING
