"""Helpers for the 5.x oracle's unit tests (tests/test_memory_v7_*.py): a World per test at each
version of the line, a clock the test moves, and requests built from ``worldspec.line5``'s models.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from reference_worlds.memory import MemoryWorld
from worldspec.line5 import errors
from worldspec.line5.attributes import AttributeChange, StepWriter, WorkflowWriter
from worldspec.line5.event_data import (
    AttrSetData,
    HookCreatedData,
    HookDisposedData,
    HookReceivedData,
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
    WaitCreatedData,
)
from worldspec.line5.events import (
    AttrSetRequest,
    EventResult,
    HookCreatedRequest,
    HookDisposedRequest,
    HookReceivedRequest,
    RunCancelledRequest,
    RunCompletedRequest,
    RunCreatedRequest,
    RunFailedRequest,
    RunStartedRequest,
    StepCompletedRequest,
    StepCreatedRequest,
    StepFailedRequest,
    StepRetryingRequest,
    StepStartedRequest,
    WaitCompletedRequest,
    WaitCreatedRequest,
)
from worldspec.line5.slots import event_id_to_slot
from worldspec.wire_types import MISSING

DEPLOYMENT = "dpl_memory_v7"
WORKFLOW = "workflow//./src/tests//main"
STEP_NAME = "step//./src/tests//work"
START = datetime(2025, 3, 4, 5, 6, 7, 123000, tzinfo=UTC)

VERSIONS = pytest.mark.parametrize("version", [7, 6], ids=["spec7", "spec6"])
"""Run a test on a World declaring 7 and on one declaring 6: the line tests them alike."""


class Clock:
    """A clock that stands still until the test moves it (whole milliseconds)."""

    def __init__(self, at: datetime = START) -> None:
        self.now = at

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def new_world(version: int = 7, **options: Any) -> MemoryWorld:
    """A fresh 5.x MemoryWorld declaring ``version``."""
    return MemoryWorld(spec_version=version, **options)


def slots_of(events: list[Any]) -> list[int | None]:
    """The slot of each event (``None`` for a ULID id)."""
    return [event_id_to_slot(event.event_id) for event in events]


def types_of(events: list[Any]) -> list[str]:
    return [event.event_type for event in events]


async def raises(error: type[BaseException], call: Awaitable[Any]) -> BaseException:
    """The error ``call`` raises, which must be an ``error`` (matched by class and ``name``)."""
    with pytest.raises(error) as raised:
        await call
    return raised.value


# --- requests ---------------------------------------------------------------------------------


def run_created(**data: Any) -> RunCreatedRequest:
    version = data.pop("spec_version", MISSING)
    fields = {"deployment_id": DEPLOYMENT, "workflow_name": WORKFLOW, "input": b"run-input", **data}
    return RunCreatedRequest(spec_version=version, event_data=RunCreatedData(**fields))


def run_started(**data: Any) -> RunStartedRequest:
    version = data.pop("spec_version", MISSING)
    return RunStartedRequest(spec_version=version, event_data=RunStartedData(**data) if data else MISSING)


def resilient(**data: Any) -> RunStartedRequest:
    return run_started(deployment_id=DEPLOYMENT, workflow_name=WORKFLOW, input=b"resilient-input", **data)


def run_completed(output: Any = b"out") -> RunCompletedRequest:
    return RunCompletedRequest(event_data=RunCompletedData(output=output))


def run_failed(error: Any = b"devl-error", error_code: Any = MISSING) -> RunFailedRequest:
    return RunFailedRequest(event_data=RunFailedData(error=error, error_code=error_code))


def run_cancelled(reason: Any = MISSING) -> RunCancelledRequest:
    return RunCancelledRequest(event_data=RunCancelledData(cancel_reason=reason))


def attr_set(
    *changes: tuple[str, str | None],
    correlation_id: Any = MISSING,
    step: bool = False,
    reserved: bool = False,
) -> AttrSetRequest:
    writer = StepWriter(step_id="step_writer", attempt=1) if step else WorkflowWriter()
    return AttrSetRequest(
        correlation_id=correlation_id,
        event_data=AttrSetData(
            changes=[AttributeChange(key=key, value=value) for key, value in changes],
            writer=writer,
            allow_reserved_attributes=True if reserved else MISSING,
        ),
    )


def step_created(step_id: str, step_input: Any = b"step-input") -> StepCreatedRequest:
    return StepCreatedRequest(
        correlation_id=step_id, event_data=StepCreatedData(step_name=STEP_NAME, input=step_input)
    )


def step_started(step_id: str, **data: Any) -> StepStartedRequest:
    return StepStartedRequest(correlation_id=step_id, event_data=StepStartedData(**data) if data else MISSING)


def lazy_start(step_id: str, step_input: Any = b"lazy-input", **data: Any) -> StepStartedRequest:
    return step_started(step_id, step_name=STEP_NAME, input=step_input, **data)


def step_completed(step_id: str, result: Any = b"step-result") -> StepCompletedRequest:
    return StepCompletedRequest(correlation_id=step_id, event_data=StepCompletedData(result=result))


def step_failed(step_id: str, error: Any = b"step-error") -> StepFailedRequest:
    return StepFailedRequest(correlation_id=step_id, event_data=StepFailedData(error=error))


def step_retrying(
    step_id: str, error: Any = b"retry-error", retry_after: Any = MISSING
) -> StepRetryingRequest:
    return StepRetryingRequest(
        correlation_id=step_id, event_data=StepRetryingData(error=error, retry_after=retry_after)
    )


def hook_created(hook_id: str, token: str, **data: Any) -> HookCreatedRequest:
    return HookCreatedRequest(correlation_id=hook_id, event_data=HookCreatedData(token=token, **data))


def hook_received(hook_id: str, payload: Any = b"payload", token: Any = MISSING) -> HookReceivedRequest:
    return HookReceivedRequest(
        correlation_id=hook_id, event_data=HookReceivedData(payload=payload, token=token)
    )


def hook_disposed(hook_id: str) -> HookDisposedRequest:
    return HookDisposedRequest(correlation_id=hook_id, event_data=HookDisposedData())


def wait_created(wait_id: str, resume_at: datetime = START + timedelta(hours=1)) -> WaitCreatedRequest:
    return WaitCreatedRequest(correlation_id=wait_id, event_data=WaitCreatedData(resume_at=resume_at))


def wait_completed(wait_id: str) -> WaitCompletedRequest:
    return WaitCompletedRequest(correlation_id=wait_id)


async def created_run(world: MemoryWorld, **data: Any) -> str:
    """A pending run's id."""
    result: EventResult = await world.events.create(None, run_created(**data))
    assert result.run is not MISSING
    return result.run.run_id


async def running_run(world: MemoryWorld, **data: Any) -> str:
    """A running run's id."""
    run_id = await created_run(world, **data)
    await world.events.create(run_id, run_started())
    return run_id


async def ended_run(world: MemoryWorld, ending: Callable[[], Any] = run_completed) -> str:
    """A run that ran and ended with ``ending()``."""
    run_id = await running_run(world)
    await world.events.create(run_id, ending())
    return run_id


__all__ = [
    "DEPLOYMENT",
    "START",
    "STEP_NAME",
    "VERSIONS",
    "WORKFLOW",
    "Clock",
    "attr_set",
    "created_run",
    "ended_run",
    "errors",
    "hook_created",
    "hook_disposed",
    "hook_received",
    "lazy_start",
    "new_world",
    "raises",
    "resilient",
    "run_cancelled",
    "run_completed",
    "run_created",
    "run_failed",
    "run_started",
    "running_run",
    "slots_of",
    "step_completed",
    "step_created",
    "step_failed",
    "step_retrying",
    "step_started",
    "types_of",
    "wait_completed",
    "wait_created",
]
