"""Entities of the 5.x line (``@workflow/world`` 5.0.0-beta.37 src/runs.ts, steps.ts, hooks.ts).

What changed from the 4.x line (world-contract-v7.md §2.2):

- a run's and a step's ``error`` is the payload the failing event carried, stored verbatim
  (bytes from a current runtime), no longer a ``{message, stack, code}`` StructuredError;
- a run has ``errorCode`` (from ``run_failed``), ``attributes`` (a string record; absent reads
  as ``{}``) and ``encryptionPublicKey``;
- a hook has ``isSystem``, ``tokenRetentionUntil``, and the read-side ``resumeContext`` and
  ``resumeCapabilities``.

Waits are unchanged (``worldspec.entities.Wait``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from worldspec.base import WireModel
from worldspec.entities import (
    TERMINAL_RUN_STATUSES,
    TERMINAL_STEP_STATUSES,
    RunStatus,
    StepStatus,
    StructuredError,
    Wait,
    WaitStatus,
)
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
    "HookResumeCapabilities",
    "HookResumeContext",
    "RunStatus",
    "Step",
    "StepStatus",
    "StructuredError",
    "Wait",
    "WaitStatus",
    "WorkflowRun",
]


class _RunFields(WireModel):
    run_id: JsStr
    deployment_id: JsStr
    workflow_name: JsStr
    spec_version: JsNumber | MISSING = MISSING
    execution_context: JsRecord | MISSING = MISSING
    input: SerializedData = MISSING
    error_code: JsStr | MISSING = MISSING
    attributes: dict[JsStr, JsStr] = Field(default_factory=dict)
    encryption_public_key: JsStr | MISSING = MISSING
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
    """A failed run: ``error`` is the ``run_failed`` payload as sent (absent when the run's
    data expired), ``errorCode`` its category."""

    status: Literal["failed"]
    output: MISSING = MISSING
    error: SerializedData = MISSING
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
    """A step of a run, keyed by ``(runId, stepId)``. ``error`` is the latest
    ``step_retrying``/``step_failed`` payload as sent."""

    run_id: JsStr
    step_id: JsStr
    step_name: JsStr
    status: StepStatus
    input: SerializedData = MISSING
    output: SerializedData = MISSING
    error: SerializedData = MISSING
    attempt: JsNumber
    started_at: JsDate | MISSING = MISSING
    completed_at: JsDate | MISSING = MISSING
    created_at: JsDate
    updated_at: JsDate
    retry_after: JsDate | MISSING = MISSING
    spec_version: JsNumber | MISSING = MISSING


class HookResumeContext(WireModel):
    """The immutable slice of a hook's run that a resume needs (read side, optional)."""

    deployment_id: JsStr
    workflow_name: JsStr
    run_spec_version: JsNumber | MISSING = MISSING
    workflow_core_version: JsStr | MISSING = MISSING
    trace_carrier: dict[JsStr, JsStr] | MISSING = MISSING
    encryption_public_key: JsStr | MISSING = MISSING
    hook_resume_input_version: JsNumber | MISSING = MISSING


class HookResumeCapabilities(WireModel):
    """What the backend attests on ``getByToken``: ``hookResumeDedupVersion`` >= 1 while it
    enforces resume dedup."""

    hook_resume_dedup_version: JsNumber


class Hook(WireModel):
    """A hook: live, or retained after its run ended until ``tokenRetentionUntil``.

    ``isWebhook`` absent reads as true and ``isSystem`` absent as false; ``ownerId``,
    ``projectId`` and ``environment`` are World-defined and may be empty.
    """

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
    is_system: JsBool | MISSING = MISSING
    token_retention_until: JsDate | MISSING = MISSING
    resume_context: HookResumeContext | MISSING = MISSING
    resume_capabilities: HookResumeCapabilities | MISSING = MISSING
