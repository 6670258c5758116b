"""Queue names and payloads (``@workflow/world`` src/queue.ts, contract §11)."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, StrictInt, ValidationError, field_validator

from worldspec.base import WireModel
from worldspec.wire_types import MISSING, JsDate, JsInt, JsNumber, JsRecord, JsStr, SerializedData

__all__ = [
    "QUEUE_NAME_PATTERN",
    "QUEUE_PREFIX_PATTERN",
    "HandlerTimeout",
    "HealthCheckPayload",
    "MessageMeta",
    "QueueOptions",
    "QueuePayload",
    "QueueResult",
    "ReplayDivergence",
    "RunInput",
    "StepInvokePayload",
    "WorkflowInvokePayload",
    "is_valid_queue_name",
    "is_valid_queue_prefix",
    "parse_queue_payload",
    "queue_prefix",
]

QUEUE_PREFIX_PATTERN = re.compile(r"^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_$")
"""``__wkf_workflow_``, ``__wkf_step_``, or namespaced ``__<ns>_wkf_<kind>_``."""

QUEUE_NAME_PATTERN = re.compile(r"^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$")
"""A queue name: a valid prefix followed by at least one character."""

_NAMESPACE_PATTERN = re.compile(r"^[a-z][a-z0-9]*$")


def is_valid_queue_name(name: str) -> bool:
    """True when ``name`` is a queue name a World must accept (§11)."""
    return bool(QUEUE_NAME_PATTERN.match(name))


def is_valid_queue_prefix(prefix: str) -> bool:
    """True when ``prefix`` is a valid queue handler prefix."""
    return bool(QUEUE_PREFIX_PATTERN.match(prefix))


def queue_prefix(kind: Literal["workflow", "step"], namespace: str | None = None) -> str:
    """The prefix for ``kind``, namespaced when ``namespace`` is given (lowercase alphanumeric)."""
    if namespace is None:
        return f"__wkf_{kind}_"
    if not _NAMESPACE_PATTERN.match(namespace):
        raise ValueError(f"queue namespace must match ^[a-z][a-z0-9]*$, got {namespace!r}")
    return f"__{namespace}_wkf_{kind}_"


class RunInput(WireModel):
    """The run's creation data, carried by the first workflow message of a run from spec 3.

    If the run's ``run_created`` failed, the runtime sends these fields as the eventData of a
    ``run_started``, at version ``spec_version``, and the World creates the run then (resilient
    start, §5). ``input`` is the run's input as bytes and must reach the handler unchanged.
    """

    input: SerializedData = MISSING
    deployment_id: JsStr
    workflow_name: JsStr
    spec_version: JsNumber
    execution_context: JsRecord | MISSING = MISSING


class ReplayDivergence(WireModel):
    """Consecutive replay divergences in a recovery chain and the latest position."""

    event_id: JsStr
    count: JsInt = Field(gt=0)


class WorkflowInvokePayload(WireModel):
    """A message for the workflow queue (``<prefix><workflowName>``): run the workflow of
    ``run_id``. ``run_input`` is present on a run's first message (see ``RunInput``)."""

    run_id: JsStr
    trace_carrier: dict[JsStr, JsStr] | MISSING = MISSING
    requested_at: JsDate | MISSING = MISSING
    replay_divergence: ReplayDivergence | MISSING = MISSING
    server_error_retry_count: JsInt | MISSING = MISSING
    run_input: RunInput | MISSING = MISSING


class StepInvokePayload(WireModel):
    """A message for the step queue (``<prefix><stepName>``): run step ``step_id`` of run
    ``workflow_run_id``. The runtime queues it with the step's id as idempotency key."""

    workflow_name: JsStr
    workflow_run_id: JsStr
    workflow_started_at: JsNumber
    step_id: JsStr
    trace_carrier: dict[JsStr, JsStr] | MISSING = MISSING
    requested_at: JsDate | MISSING = MISSING


class HealthCheckPayload(WireModel):
    """``{__healthCheck: true, correlationId}``, queued to ``<prefix>health_check``."""

    health_check: Literal[True] = Field(default=True, alias="__healthCheck")
    correlation_id: JsStr

    @field_validator("health_check", mode="before")
    @classmethod
    def _strict_true(cls, value: object) -> object:
        if value is not True:
            raise ValueError("expected true")
        return value


QueuePayload = WorkflowInvokePayload | StepInvokePayload | HealthCheckPayload
"""Any message a queue carries (an undiscriminated union, tried in this order, as upstream)."""


def parse_queue_payload(data: Any) -> QueuePayload:
    """The first payload model that accepts ``data``, in upstream's union order.

    Keys are read by their wire (camelCase) names only, as upstream reads them. Raises
    ``pydantic.ValidationError`` from the last member when none accepts it.
    """
    last_error: ValidationError | None = None
    for model in (WorkflowInvokePayload, StepInvokePayload, HealthCheckPayload):
        try:
            return model.model_validate(data, by_alias=True, by_name=False)
        except ValidationError as error:
            last_error = error
    assert last_error is not None
    raise last_error


class QueueOptions(WireModel):
    """Options of ``queue()``. ``idempotency_key``: while a message with this key is unhandled,
    further calls with it add no delivery. ``delay_seconds``: nothing is delivered earlier."""

    deployment_id: JsStr | MISSING = MISSING
    idempotency_key: JsStr | MISSING = MISSING
    headers: dict[JsStr, JsStr] | MISSING = MISSING
    delay_seconds: JsNumber | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING


class QueueResult(WireModel):
    """What ``queue()`` returns: the message id, or ``None`` when the World assigns none. A
    delivery's ``MessageMeta.message_id`` is this id, on every redelivery too."""

    message_id: JsStr | None


class MessageMeta(WireModel):
    """What a handler learns about a delivery: ``attempt`` counts from 1 and rises by one per
    redelivery; ``queue_name`` is the full name; ``message_id`` is the one ``queue()`` returned."""

    attempt: StrictInt
    queue_name: JsStr
    message_id: JsStr
    request_id: JsStr | MISSING = MISSING


class HandlerTimeout(WireModel):
    """A handler's request to see the same message again, with ``attempt + 1``, after
    ``timeout_seconds`` at the earliest (upstream ``{timeoutSeconds: n}``)."""

    timeout_seconds: JsNumber
