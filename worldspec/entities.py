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
TERMINAL_RUN_STATUSES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})

StepStatus = Literal["pending", "running", "completed", "failed", "cancelled"]
"""``cancelled`` is reserved by upstream and never produced."""
TERMINAL_STEP_STATUSES: frozenset[str] = frozenset({"completed", "failed", "cancelled"})

WaitStatus = Literal["waiting", "completed"]


class StructuredError(WireModel):
    """``{message, stack?, code?}``: how runs and steps record an error."""

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
    """A pending or running run: no output, no error, no completedAt."""

    status: Literal["pending", "running"]
    output: MISSING = MISSING
    error: MISSING = MISSING
    completed_at: MISSING = MISSING


class CompletedRun(_RunFields):
    """A completed run: ``output`` holds the workflow's return value."""

    status: Literal["completed"]
    output: SerializedData = MISSING
    error: MISSING = MISSING
    completed_at: JsDate


class FailedRun(_RunFields):
    """A failed run: ``error`` says why."""

    status: Literal["failed"]
    output: MISSING = MISSING
    error: StructuredError
    completed_at: JsDate


class CancelledRun(_RunFields):
    """A cancelled run."""

    status: Literal["cancelled"]
    output: MISSING = MISSING
    error: MISSING = MISSING
    completed_at: JsDate


WorkflowRun = Annotated[ActiveRun | CompletedRun | FailedRun | CancelledRun, Field(discriminator="status")]
"""A run in any status, discriminated by ``status``."""


class Step(WireModel):
    """A step of a run, keyed by ``(runId, stepId)``. ``attempt`` counts accepted
    ``step_started`` events; ``startedAt`` is set by the first; ``error`` is the latest."""

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
    """A live hook. ``token`` is unique among live hooks; ``isWebhook`` absent reads as true.
    ``ownerId``, ``projectId`` and ``environment`` are World-defined and may be empty."""

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
    """A wait: ``waitId`` is ``"<runId>-<correlationId>"``; ``resumeAt`` stays as created."""

    wait_id: JsStr
    run_id: JsStr
    status: WaitStatus
    resume_at: JsDate | MISSING = MISSING
    completed_at: JsDate | MISSING = MISSING
    created_at: JsDate
    updated_at: JsDate
    spec_version: JsNumber | MISSING = MISSING
