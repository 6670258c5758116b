"""Queue names and payloads of the 5.x line (``@workflow/world`` 5.0.0-beta.37 src/queue.ts;
world-contract-v7.md §11).

Step topics are gone: every message travels on a workflow topic, step executions as workflow
payloads with ``stepId``. A queue carries a health check or a workflow payload (tried in that
order, as upstream's union). Payloads must arrive deep-equal, keys outside the schema included,
so these models keep unknown keys (``extra="allow"``) where the 4.x models dropped them.
Three fields degrade to absent instead of refusing the message when malformed
(``replayDivergence.eventIds``, ``waitContinuation``, ``hookResumeTiming``), as upstream reads them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final

from pydantic import ConfigDict, Field, StrictBytes, ValidationError

from worldspec.base import WireModel
from worldspec.line5.wire_types import ABSENT_WHEN_INVALID, JsNonNegativeInt, JsPositiveInt, JsTrue
from worldspec.queue import HandlerTimeout, MessageMeta, QueueResult
from worldspec.wire_types import MISSING, JsDate, JsInt, JsNumber, JsRecord, JsStr

__all__ = [
    "QUEUE_NAME_PATTERN",
    "QUEUE_PREFIX_PATTERN",
    "HandlerTimeout",
    "HealthCheckPayload",
    "HookResumeInput",
    "HookResumeTiming",
    "MessageMeta",
    "QueueOptions",
    "QueuePayload",
    "QueueResult",
    "ReplayDivergence",
    "RunDispatchContext",
    "RunInput",
    "StepDispatchInput",
    "WaitContinuation",
    "WorkflowInvokePayload",
    "is_valid_queue_name",
    "is_valid_queue_prefix",
    "parse_queue_payload",
    "queue_prefix",
]

QUEUE_PREFIX_PATTERN: Final = re.compile(r"^__(?:[a-z][a-z0-9]*_)?wkf_workflow_$")
"""``__wkf_workflow_`` or namespaced ``__<ns>_wkf_workflow_`` (``QueuePrefix``)."""

QUEUE_NAME_PATTERN: Final = re.compile(r"^__(?:[a-z][a-z0-9]*_)?wkf_workflow_.+$")
"""A valid prefix followed by at least one character (``ValidQueueName``); step names are refused."""

_NAMESPACE_PATTERN: Final = re.compile(r"^[a-z][a-z0-9]*$")


def is_valid_queue_name(name: str) -> bool:
    """True when ``name`` is a queue name a World of this line must accept (§11)."""
    return bool(QUEUE_NAME_PATTERN.match(name))


def is_valid_queue_prefix(prefix: str) -> bool:
    """True when ``prefix`` is a valid queue handler prefix of this line."""
    return bool(QUEUE_PREFIX_PATTERN.match(prefix))


def queue_prefix(namespace: str | None = None) -> str:
    """The workflow prefix, namespaced when ``namespace`` is given (lowercase alphanumeric)."""
    if namespace is None:
        return "__wkf_workflow_"
    if not _NAMESPACE_PATTERN.match(namespace):
        raise ValueError(f"queue namespace must match ^[a-z][a-z0-9]*$, got {namespace!r}")
    return f"__{namespace}_wkf_workflow_"


class _Payload(WireModel):
    """A queue payload part: unknown keys are kept, so a message arrives as it was sent."""

    model_config = ConfigDict(extra="allow")


class RunInput(_Payload):
    """Run creation data on the first workflow message, for resilient start. ``input`` must be
    present (zod 4.5 requires a ``z.unknown()`` key)."""

    input: Any
    deployment_id: JsStr
    workflow_name: JsStr
    spec_version: JsNumber
    execution_context: JsRecord | MISSING = MISSING
    attributes: dict[JsStr, JsStr] | MISSING = MISSING
    allow_reserved_attributes: JsTrue | MISSING = MISSING
    environment: JsStr | MISSING = MISSING


class StepDispatchInput(_Payload):
    """A step's serialized input carried with its execution message: always bytes."""

    input: StrictBytes


class RunDispatchContext(_Payload):
    """The run's immutable identity carried on a step execution message."""

    deployment_id: JsStr
    spec_version: JsNumber
    started_at: JsNumber | MISSING = MISSING
    root_run_id: JsStr | MISSING = MISSING


class HookResumeInput(_Payload):
    """Legacy lazy hook resume data: the consumer ensures the ``hook_received`` exists."""

    resume_id: JsStr
    hook_id: JsStr
    token: JsStr
    payload: Any
    payload_digest: JsStr
    deployment_id: JsStr | MISSING = MISSING


class HookResumeTiming(_Payload):
    """Wall-clock boundaries of a hook-triggered resume (telemetry)."""

    resume_requested_at_ms: JsNumber
    queue_publish_requested_at_ms: JsNumber
    strategy: JsStr | MISSING = MISSING
    consumer_started_at_ms: JsNumber | MISSING = MISSING
    replay_started_at_ms: JsNumber | MISSING = MISSING
    next_step_encountered_at_ms: JsNumber | MISSING = MISSING
    setup_source: JsStr | MISSING = MISSING


class ReplayDivergence(_Payload):
    """Consecutive replay divergences in a recovery chain; ``eventIds`` oldest first."""

    event_id: JsStr
    count: JsPositiveInt
    event_ids: Annotated[list[JsStr] | MISSING, ABSENT_WHEN_INVALID] = MISSING


class WaitContinuation(_Payload):
    """The wait a delayed continuation message is for, and its attempt."""

    correlation_id: JsStr
    attempt: JsNonNegativeInt


class WorkflowInvokePayload(_Payload):
    """A message for the workflow topic: a run to replay, a step to execute (``stepId``) or,
    with ``invoke: true``, an input whose handler result is the response."""

    run_id: JsStr
    invoke: JsTrue | MISSING = MISSING
    request_id: JsStr | MISSING = MISSING
    input: Any = MISSING
    trace_carrier: dict[JsStr, JsStr] | MISSING = MISSING
    requested_at: JsDate | MISSING = MISSING
    replay_divergence: ReplayDivergence | MISSING = MISSING
    precondition_reinvocations: JsPositiveInt | MISSING = MISSING
    server_error_retry_count: JsInt | MISSING = MISSING
    deployment_mismatch_retry_count: JsNonNegativeInt | MISSING = MISSING
    wait_continuation: Annotated[WaitContinuation | MISSING, ABSENT_WHEN_INVALID] = MISSING
    step_id: JsStr | MISSING = MISSING
    step_name: JsStr | MISSING = MISSING
    run_input: RunInput | MISSING = MISSING
    hook_input: HookResumeInput | MISSING = MISSING
    step_input: StepDispatchInput | MISSING = MISSING
    run_context: RunDispatchContext | MISSING = MISSING
    hook_resume_timing: Annotated[HookResumeTiming | MISSING, ABSENT_WHEN_INVALID] = MISSING


class HealthCheckPayload(_Payload):
    """``{__healthCheck: true, correlationId, runId?}``, queued to ``<prefix>health_check``."""

    health_check: JsTrue = Field(default=True, alias="__healthCheck")
    correlation_id: JsStr
    run_id: JsStr | MISSING = MISSING


QueuePayload = HealthCheckPayload | WorkflowInvokePayload
"""Any message a queue of this line carries (tried in this order, as upstream's union)."""


def parse_queue_payload(data: Any) -> QueuePayload:
    """The first payload model that accepts ``data``, in upstream's union order, reading keys
    by their wire names only. Raises ``pydantic.ValidationError`` from the last member when
    none accepts it."""
    last_error: ValidationError | None = None
    for model in (HealthCheckPayload, WorkflowInvokePayload):
        try:
            return model.model_validate(data, by_alias=True, by_name=False)
        except ValidationError as error:
            last_error = error
    assert last_error is not None
    raise last_error


class QueueOptions(WireModel):
    """Options of ``queue()``: as the 4.x line's, and ``region``, a routing hint a World MAY
    ignore."""

    deployment_id: JsStr | MISSING = MISSING
    idempotency_key: JsStr | MISSING = MISSING
    headers: dict[JsStr, JsStr] | MISSING = MISSING
    delay_seconds: JsNumber | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING
    region: JsStr | MISSING = MISSING
