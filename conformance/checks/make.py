"""Builders of the requests a runtime sends, with the ids it would mint, for the suites.

Every id is fresh (ULID-based), and every workflow name and token is unique, so tests never
collide, even on a World whose storage outlives one test. Workflow names and tokens are caller
strings and come from ``values``, each with a piece that backends mishandle.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from pydantic import BaseModel

from conformance.checks import values
from worldspec.events import (
    CreateEventParams,
    EventRequest,
    HookCreatedData,
    HookCreatedRequest,
    HookDisposedRequest,
    HookReceivedData,
    HookReceivedRequest,
    RunCancelledRequest,
    RunCompletedData,
    RunCompletedRequest,
    RunCreatedData,
    RunCreatedRequest,
    RunFailedData,
    RunFailedRequest,
    RunStartedData,
    RunStartedRequest,
    StepCompletedData,
    StepCompletedRequest,
    StepCreatedData,
    StepCreatedRequest,
    StepFailedData,
    StepFailedRequest,
    StepRetryingData,
    StepRetryingRequest,
    StepStartedRequest,
    WaitCompletedData,
    WaitCompletedRequest,
    WaitCreatedData,
    WaitCreatedRequest,
)
from worldspec.line5 import events as line5_events
from worldspec.lines import SpecLine
from worldspec.ulid import new_ulid
from worldspec.wire_types import MISSING

__all__ = [
    "DEPLOYMENT_ID",
    "create_params",
    "hook_created",
    "hook_disposed",
    "hook_received",
    "new_id",
    "run_cancelled",
    "run_completed",
    "run_created",
    "run_failed",
    "run_started",
    "step_completed",
    "step_created",
    "step_failed",
    "step_retrying",
    "step_started",
    "token",
    "wait_completed",
    "wait_created",
    "workflow_name",
]

DEPLOYMENT_ID = "dpl_worldspec"


def create_params(line: SpecLine, **fields: Any) -> CreateEventParams:
    """The options of ``events.create`` in the model of ``line``: a 5.x World reads members the
    4.x model does not have (``since_cursor``, ``event_count``, ...). The suites type the World by
    the 4.x protocol, whose ``create`` a 5.x World answers the same way, hence the cast."""
    if line is SpecLine.LINE_5:
        return cast(CreateEventParams, line5_events.CreateEventParams(**fields))
    return CreateEventParams(**fields)


def new_id(prefix: str) -> str:
    """A fresh id as the runtime mints it: ``<prefix>_<ULID>`` (``wrun``, ``step``, ``hook``, ``wait``)."""
    return f"{prefix}_{new_ulid()}"


def workflow_name() -> str:
    """A workflow name no other test uses, with a nasty piece (``values.workflow_name``)."""
    return values.workflow_name()


def token() -> str:
    """A hook token no other test uses, with a nasty piece in turn (``values.nasty_token``)."""
    return values.nasty_token()


def run_created(
    *,
    input: Any = b"devl\x00input",
    name: str | None = None,
    execution_context: Any = MISSING,
    spec_version: Any = MISSING,
) -> RunCreatedRequest:
    """``run_created`` with a unique workflow name unless ``name`` is given."""
    return RunCreatedRequest(
        spec_version=spec_version,
        event_data=RunCreatedData(
            deployment_id=DEPLOYMENT_ID,
            workflow_name=name or workflow_name(),
            input=input,
            execution_context=execution_context,
        ),
    )


def run_started(
    *,
    input: Any = MISSING,
    name: str | None = None,
    execution_context: Any = MISSING,
    spec_version: Any = MISSING,
    resilient: bool = False,
) -> RunStartedRequest:
    """``run_started``; with ``resilient=True`` it carries the run's creation data (§5)."""
    if not resilient:
        return RunStartedRequest(spec_version=spec_version)
    return RunStartedRequest(
        spec_version=spec_version,
        event_data=RunStartedData(
            deployment_id=DEPLOYMENT_ID,
            workflow_name=name or workflow_name(),
            input=input,
            execution_context=execution_context,
        ),
    )


def run_completed(output: Any = b"devl\x00output") -> RunCompletedRequest:
    return RunCompletedRequest(event_data=RunCompletedData(output=output))


def run_failed(error: Any = "it broke", error_code: Any = MISSING) -> RunFailedRequest:
    return RunFailedRequest(event_data=RunFailedData(error=error, error_code=error_code))


def run_cancelled() -> RunCancelledRequest:
    return RunCancelledRequest()


def step_created(
    step_id: str, *, input: Any = b"devl\x00step-input", step_name: str = "step//./worldspec//s"
) -> StepCreatedRequest:
    return StepCreatedRequest(
        correlation_id=step_id, event_data=StepCreatedData(step_name=step_name, input=input)
    )


def step_started(step_id: str) -> StepStartedRequest:
    return StepStartedRequest(correlation_id=step_id)


def step_completed(step_id: str, result: Any = b"devl\x00result") -> StepCompletedRequest:
    return StepCompletedRequest(correlation_id=step_id, event_data=StepCompletedData(result=result))


def step_failed(step_id: str, error: Any = "step broke", stack: Any = MISSING) -> StepFailedRequest:
    return StepFailedRequest(correlation_id=step_id, event_data=StepFailedData(error=error, stack=stack))


def step_retrying(
    step_id: str, error: Any = "try again", retry_after: datetime | Any = MISSING, stack: Any = MISSING
) -> StepRetryingRequest:
    return StepRetryingRequest(
        correlation_id=step_id,
        event_data=StepRetryingData(error=error, retry_after=retry_after, stack=stack),
    )


def hook_created(
    hook_id: str, token: str, *, metadata: Any = MISSING, is_webhook: Any = MISSING
) -> HookCreatedRequest:
    return HookCreatedRequest(
        correlation_id=hook_id,
        event_data=HookCreatedData(token=token, metadata=metadata, is_webhook=is_webhook),
    )


def hook_received(hook_id: str, payload: Any = b"devl\x00payload") -> HookReceivedRequest:
    return HookReceivedRequest(correlation_id=hook_id, event_data=HookReceivedData(payload=payload))


def hook_disposed(hook_id: str) -> HookDisposedRequest:
    return HookDisposedRequest(correlation_id=hook_id)


def wait_created(wait_id: str, resume_at: datetime) -> WaitCreatedRequest:
    return WaitCreatedRequest(correlation_id=wait_id, event_data=WaitCreatedData(resume_at=resume_at))


def wait_completed(wait_id: str, resume_at: datetime | Any = MISSING) -> WaitCompletedRequest:
    """``wait_completed``; the runtime may echo the wait's ``resumeAt`` in its eventData."""
    if resume_at is MISSING:
        return WaitCompletedRequest(correlation_id=wait_id)
    return WaitCompletedRequest(correlation_id=wait_id, event_data=WaitCompletedData(resume_at=resume_at))


def careless(request: type[BaseModel], event_type: str, **fields: Any) -> EventRequest:
    """A request of type ``event_type`` in the shape of ``request``, built without validation, the
    way a client that skips it would build one (for types no client may send)."""
    return cast(EventRequest, request.model_construct(event_type=event_type, **fields))
