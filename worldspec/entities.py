"""Entities: the materialised views of a run's event log (runs, steps, hooks, waits).

Mirrors ``@workflow/world`` src/runs.ts, steps.ts, hooks.ts and waits.ts. A ``WorkflowRun`` is
discriminated by ``status``: only a completed run has ``output``, only a failed one ``error``,
and only terminal ones ``completedAt``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from worldspec.base import WireModel
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
    "TERMINAL_RUN_STATUSES",
    "TERMINAL_STEP_STATUSES",
    "ActiveRun",
    "CancelledRun",
    "CompletedRun",
    "FailedRun",
    "Hook",
    "RunStatus",
    "Step",
    "StepStatus",
    "StructuredError",
    "Wait",
    "WaitStatus",
    "WorkflowRun",
]

RunStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
"""A run is ``pending`` from ``run_created``, ``running`` from ``run_started``, and then ends once."""
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
"""A run in one of these has ended: it accepts only what §4.6 allows, and has no hooks or waits."""

StepStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
"""``cancelled`` is reserved by upstream and never produced."""
TERMINAL_STEP_STATUSES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})
"""A step in one of these refuses every further event with ``EntityConflictError``."""

WaitStatus = Literal["waiting", "completed"]
"""A wait is ``waiting`` from ``wait_created`` and ``completed`` after its one ``wait_completed``."""


class StructuredError(WireModel):
    """``{message, stack?, code?}``: how runs and steps record an error. ``message`` is always a
    string (``'Unknown error'`` when the event's error gave none); ``stack`` and ``code`` are
    present only when known."""

    message: JsStr
    stack: JsStr | MISSING = MISSING
    code: JsStr | MISSING = MISSING


class _RunFields(WireModel):
    run_id: JsStr
    deployment_id: JsStr
    workflow_name: JsStr
    spec_version: JsNumber | MISSING = MISSING
    execution_context: JsRecord | MISSING = MISSING
    input: SerializedData = MISSING
    expired_at: JsDate | MISSING = MISSING
    started_at: JsDate | MISSING = MISSING
    created_at: JsDate
    updated_at: JsDate


class ActiveRun(_RunFields):
    """A pending or running run: no ``output``, ``error`` or ``completedAt``. ``startedAt`` is set
    by the ``run_started`` that made it running."""

    status: Literal["pending", "running"]
    output: MISSING = MISSING
    error: MISSING = MISSING
    completed_at: MISSING = MISSING


class CompletedRun(_RunFields):
    """A run ended by ``run_completed``: ``output`` is that event's ``output``, byte for byte, and
    ``completedAt`` is when it ended."""

    status: Literal["completed"]
    output: SerializedData = MISSING
    error: MISSING = MISSING
    completed_at: JsDate


class FailedRun(_RunFields):
    """A run ended by ``run_failed``: ``error`` is built from the event's ``error`` and
    ``errorCode`` (see ``worldspec.events.RunFailedData``)."""

    status: Literal["failed"]
    output: MISSING = MISSING
    error: StructuredError
    completed_at: JsDate


class CancelledRun(_RunFields):
    """A run ended by ``run_cancelled``. Cancelling it again succeeds and changes nothing."""

    status: Literal["cancelled"]
    output: MISSING = MISSING
    error: MISSING = MISSING
    completed_at: JsDate


WorkflowRun = Annotated[ActiveRun | CompletedRun | FailedRun | CancelledRun, Field(discriminator="status")]
"""A run in any status, discriminated by ``status``."""


class Step(WireModel):
    """A step of a run, keyed by ``(runId, stepId)``; the stepId is its events' correlationId.

    ``attempt`` equals the number of accepted ``step_started`` events; ``startedAt`` is set by
    the first of them. ``output`` is the ``step_completed`` result, byte for byte. ``error`` is
    the latest ``step_failed``/``step_retrying`` error, its ``stack`` taken from that event's
    ``stack``. ``retryAfter``, set by ``step_retrying`` and cleared by ``step_started``, holds
    back the next start (``TooEarlyError``). The status ``cancelled`` is never produced."""

    run_id: JsStr
    step_id: JsStr
    step_name: JsStr
    status: StepStatus
    input: SerializedData = MISSING
    output: SerializedData = MISSING
    error: StructuredError | MISSING = MISSING
    attempt: JsNumber
    started_at: JsDate | MISSING = MISSING
    completed_at: JsDate | MISSING = MISSING
    created_at: JsDate
    updated_at: JsDate
    retry_after: JsDate | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING


class Hook(WireModel):
    """A live hook: disposed hooks, and hooks of runs that have ended, no longer exist.

    ``token`` is unique among the live hooks of all runs. ``metadata`` is the ``hook_created``
    payload, byte for byte; ``isWebhook`` is stored as sent, and reads as true when absent.
    ``ownerId``, ``projectId`` and ``environment`` are World-defined strings and may be empty."""

    run_id: JsStr
    hook_id: JsStr
    token: JsStr
    owner_id: JsStr
    project_id: JsStr
    environment: JsStr
    metadata: SerializedData = MISSING
    created_at: JsDate
    spec_version: JsNumber | MISSING = MISSING
    is_webhook: JsBool | MISSING = MISSING


class Wait(WireModel):
    """A wait: ``waitId`` is ``"<runId>-<correlationId>"``. ``resumeAt`` stays the ``wait_created``
    value; ``completedAt`` is set by its one ``wait_completed``. Waits have no getter: clients
    see them in ``EventResult.wait``."""

    wait_id: JsStr
    run_id: JsStr
    status: WaitStatus
    resume_at: JsDate | MISSING = MISSING
    completed_at: JsDate | MISSING = MISSING
    created_at: JsDate
    updated_at: JsDate
    spec_version: JsNumber | MISSING = MISSING
