"""Broken Worlds for the steps invariants of the 5.x line (STEP-101, STEP-103, STEP-104,
STEP-105): steps named by stepId alone, errors normalised, ended runs still restarting steps."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec import errors
from worldspec.entities import Step
from worldspec.events import EventRequest, EventResult, StepCreatedData, StepCreatedRequest
from worldspec.line5 import events as line5_events
from worldspec.line5.entities import TERMINAL_RUN_STATUSES
from worldspec.wire_types import MISSING


def _bare_start(event: EventRequest) -> bool:
    """A ``step_started`` without the lazy-start ``input``."""
    data = getattr(event, "event_data", MISSING)
    return event.event_type == "step_started" and getattr(data, "input", MISSING) is MISSING


class StepErrorNormalisedAs4x(LineFiveBrokenWorld, breaks={"STEP-101", "BIN-101"}):
    """Still turns a failed step's ``error`` into ``{message}`` as the 4.x line did (the event
    keeps it as sent); a prefixed payload sent as the error is lost too (BIN-101)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_failed" or result.step is MISSING or run_id is None:
            return result
        error: Any = result.step.error
        message = error if isinstance(error, str) else getattr(error, "get", lambda _k: None)("message")
        step = self.patch_stored_step(run_id, result.step.step_id, error={"message": str(message)})
        return result.model_copy(update={"step": step.model_copy(deep=True)})


class StartUpsertsMissingSteps(LineFiveBrokenWorld, breaks={"STEP-103"}):
    """A bare ``step_started`` for a step the run does not have creates it first (an upsert),
    instead of refusing the start."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step_id = getattr(event, "correlation_id", MISSING)
        if _bare_start(event) and run_id is not None and (run_id, step_id) not in self.state.steps:
            created = StepCreatedRequest(
                correlation_id=str(step_id), event_data=StepCreatedData(step_name="step//upserted", input=b"")
            )
            await super().on_create(run_id, created, params)
        return await super().on_create(run_id, event, params)


class EndedRunRestartsRunningSteps(LineFiveBrokenWorld, breaks={"STEP-104", "ERR-101"}):
    """Answers a bare ``step_started`` on a running step of an ended run with the step as it is
    (an "idempotent" start), where the 5.x line expires every start on an ended run (with
    ``RunExpiredError``, whose status ERR-101 checks on that very start)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        step = self.stored_step(run_id, str(getattr(event, "correlation_id", "")))
        ended = run is not None and run.status in TERMINAL_RUN_STATUSES
        if _bare_start(event) and ended and step is not None and step.status == "running":
            return line5_events.EventResult(step=step.model_copy(deep=True))  # type: ignore[return-value]
        return await super().on_create(run_id, event, params)


class StepsGetIgnoresRunId(LineFiveBrokenWorld, breaks={"STEP-103", "STEP-105"}):
    """``steps.get`` finds a step by its stepId in any run, as a 4.x World that indexed steps by
    stepId alone (so a step asked for under the wrong run is found: STEP-103 looks too)."""

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        for (owner, candidate), _ in list(self.state.steps.items()):
            if candidate == step_id and owner != run_id and (run_id, step_id) not in self.state.steps:
                return await super().on_get_step(owner, step_id, **options)
        return await super().on_get_step(run_id, step_id, **options)


class RetryErrorNormalisedAs4x(LineFiveBrokenWorld, breaks={"STEP-005", "STEP-102"}):
    """Still turns a retrying step's ``error`` into ``{message}`` as the 4.x line did."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_retrying" or result.step is MISSING or run_id is None:
            return result
        error: Any = result.step.error
        message = error if isinstance(error, str) else getattr(error, "get", lambda _k: None)("message")
        step = self.patch_stored_step(run_id, result.step.step_id, error={"message": str(message)})
        return result.model_copy(update={"step": step.model_copy(deep=True)})


class WaitIdsCompletedOnce(LineFiveBrokenWorld, breaks={"EVT-007", "STEP-106"}):
    """Remembers completed waits by waitId alone (a 4.x index), so a waitId completed in one run
    cannot be completed in another."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.completed_waits: set[str] = set()

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        wait_id = str(getattr(event, "correlation_id", ""))
        if event.event_type == "wait_completed" and wait_id in self.completed_waits:
            raise errors.EntityConflictError(f'Wait "{wait_id}" already completed')
        result = await super().on_create(run_id, event, params)
        if event.event_type == "wait_completed":
            self.completed_waits.add(wait_id)
        return result


class RetriedStartWithoutStartedAt(LineFiveBrokenWorld, breaks={"STEP-003", "STEP-107"}):
    """Answers a start after a retry with a step that lacks ``startedAt`` (set on the first
    start only, and not copied into later results)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_started" or result.step is MISSING or result.step.attempt < 2:
            return result
        return result.model_copy(update={"step": result.step.model_copy(update={"started_at": MISSING})})


class LazyStartLooksUpTheStepIdAlone(LineFiveBrokenWorld, breaks={"STEP-106"}):
    """Guards the lazy start with ``SELECT 1 FROM steps WHERE step_id = ?``, leaving the runId
    out: a stepId any other run uses is refused with ``EntityConflictError``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        lazy = event.event_type == "step_started" and not _bare_start(event)
        if lazy and any(step_id == event.correlation_id for _, step_id in self.state.steps):
            raise errors.EntityConflictError(f"step {event.correlation_id} already exists")
        return await super().on_create(run_id, event, params)
