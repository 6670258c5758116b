"""Builders of the 5.x requests whose shapes the 4.x models cannot carry (``worldspec.line5``).

Most requests a 5.x runtime sends are the 4.x shapes (``conformance.checks.make`` builds them
and a 5.x World reads them); these are the ones with members only the 5.x line has
(``attributes``, ``encryptionPublicKey``) or whose ``error`` is stored as sent. The suites type
the World by the 4.x protocol, whose ``create`` a 5.x World answers the same way, so each is
returned as the 4.x ``EventRequest`` it stands in for.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from conformance.checks.make import DEPLOYMENT_ID
from conformance.checks.make import workflow_name as unique_workflow_name
from worldspec.events import EventRequest
from worldspec.line5 import attributes, event_data, events
from worldspec.wire_types import MISSING

__all__ = [
    "attr_set",
    "hook_created",
    "lazy_step_started",
    "resilient_run_started",
    "run_created",
    "run_failed",
    "step_failed",
]


def run_created(
    *,
    input: Any = b"devl\x00input",
    execution_context: Any = MISSING,
    attributes: dict[str, str] | Any = MISSING,
    encryption_public_key: str | Any = MISSING,
    spec_version: int | Any = MISSING,
    workflow_name: str | None = None,
    allow_reserved: bool = False,
) -> EventRequest:
    """``run_created`` with the 5.x members given, under ``workflow_name`` or a unique one;
    ``allow_reserved`` lets ``attributes`` hold framework keys (``$retention``)."""
    data = event_data.RunCreatedData(
        deployment_id=DEPLOYMENT_ID,
        workflow_name=workflow_name or unique_workflow_name(),
        input=input,
        execution_context=execution_context,
        attributes=attributes,
        encryption_public_key=encryption_public_key,
        allow_reserved_attributes=True if allow_reserved else MISSING,
    )
    return cast(EventRequest, events.RunCreatedRequest(event_data=data, spec_version=spec_version))


def resilient_run_started(
    *,
    input: Any = b"devl\x00input",
    spec_version: int | Any = MISSING,
    attributes: Any = MISSING,
    workflow_name: str | None = None,
) -> EventRequest:
    """``run_started`` carrying the run's creation data, for a run that does not exist yet,
    under ``workflow_name`` or a unique one."""
    data = event_data.RunStartedData(
        input=input,
        deployment_id=DEPLOYMENT_ID,
        workflow_name=workflow_name or unique_workflow_name(),
        attributes=attributes,
    )
    return cast(EventRequest, events.RunStartedRequest(event_data=data, spec_version=spec_version))


def run_failed(error: Any, error_code: str | Any = MISSING) -> EventRequest:
    """``run_failed`` whose ``error`` a 5.x World stores as sent."""
    data = event_data.RunFailedData(error=error, error_code=error_code)
    return cast(EventRequest, events.RunFailedRequest(event_data=data))


def step_failed(step_id: str, error: Any) -> EventRequest:
    """``step_failed`` whose ``error`` a 5.x World stores as sent."""
    data = event_data.StepFailedData(error=error)
    return cast(EventRequest, events.StepFailedRequest(correlation_id=step_id, event_data=data))


def attr_set(
    changes: list[tuple[str, str | None]],
    *,
    correlation_id: str | Any = MISSING,
    step: tuple[str, int] | None = None,
    allow_reserved: bool = False,
) -> EventRequest:
    """``attr_set`` with ``changes`` as ``(key, value)`` pairs (``None`` removes the key), from
    the workflow writer, or from ``step`` = ``(stepId, attempt)``. Built without validation:
    the kit sends invalid changes on purpose, and judging them is the World's job."""
    writer = (
        attributes.WorkflowWriter()
        if step is None
        else attributes.StepWriter(step_id=step[0], attempt=step[1])
    )
    data = event_data.AttrSetData.model_construct(
        changes=[attributes.AttributeChange.model_construct(key=key, value=value) for key, value in changes],
        writer=writer,
        allow_reserved_attributes=True if allow_reserved else MISSING,
    )
    request = events.AttrSetRequest.model_construct(
        event_type="attr_set", correlation_id=correlation_id, event_data=data, spec_version=MISSING
    )
    return cast(EventRequest, request)


def lazy_step_started(
    step_id: str, input: Any = b"devl\x00lazy", step_name: str = "step//./worldspec//lazy"
) -> EventRequest:
    """``step_started`` carrying ``stepName`` and ``input``: it creates the step it starts."""
    data = event_data.StepStartedData(step_name=step_name, input=input)
    return cast(EventRequest, events.StepStartedRequest(correlation_id=step_id, event_data=data))


def hook_created(
    hook_id: str, token: str, *, retention_until: datetime | Any = MISSING, metadata: Any = MISSING
) -> EventRequest:
    """``hook_created`` asking the World to keep the hook until ``retention_until``
    (``tokenRetentionUntil``) should its run end before then."""
    data = event_data.HookCreatedData(token=token, token_retention_until=retention_until, metadata=metadata)
    return cast(EventRequest, events.HookCreatedRequest(correlation_id=hook_id, event_data=data))


def run_cancelled(cancel_reason: str) -> EventRequest:
    """``run_cancelled`` with the reason the 5.x event keeps."""
    data = event_data.RunCancelledData(cancel_reason=cancel_reason)
    return cast(EventRequest, events.RunCancelledRequest(event_data=data))
