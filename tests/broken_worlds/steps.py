"""Broken Worlds for the steps invariants (STEP, §4.3)."""

from __future__ import annotations

import json
from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES, Step, StructuredError
from worldspec.events import EventRequest, EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING

FINISHED = TERMINAL_STEP_STATUSES


def _put_step(world: BrokenWorld, step: Step) -> None:
    key = (step.run_id, step.step_id)
    world.state.steps[key] = (world.state.steps[key][0], step)


class StepCreatedResultWithoutInput(BrokenWorld, breaks={"STEP-001"}):
    """Returns the new step from step_created without its input (storage keeps it)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "step_created" and result.step is not MISSING:
            return result.model_copy(update={"step": result.step.model_copy(update={"input": MISSING})})
        return result


class StepCreatedOverwrites(BrokenWorld, breaks={"EVT-004", "STEP-002", "STEP-012"}):
    """A second step_created for an existing step replaces it (an upsert), logging it again; on
    an ended run it drops the old step before the terminal guard refuses the new one."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step = self.stored_step(run_id, str(event.correlation_id))
        if event.event_type == "step_created" and step is not None:
            del self.state.steps[(step.run_id, step.step_id)]
        return await super().on_create(run_id, event, params)


class RetryAfterKeptOnStart(BrokenWorld, breaks={"STEP-003"}):
    """step_started leaves the step's retryAfter in place."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_step(run_id, str(event.correlation_id))
        result = await super().on_create(run_id, event, params)
        if event.event_type == "step_started" and before is not None and result.step is not MISSING:
            step = result.step.model_copy(update={"retry_after": before.retry_after})
            _put_step(self, step)
            return result.model_copy(update={"step": step})
        return result


class IgnoresRetryAfter(BrokenWorld, breaks={"STEP-004"}):
    """Starts a step whatever its retryAfter says (never TooEarlyError)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step = self.stored_step(run_id, str(event.correlation_id))
        if event.event_type == "step_started" and step is not None:
            _put_step(self, step.model_copy(update={"retry_after": MISSING}))
        return await super().on_create(run_id, event, params)


class RetryingKeepsRetryAfter(BrokenWorld, breaks={"STEP-005"}):
    """step_retrying without retryAfter keeps the previous one instead of clearing it (what
    world-postgres 4.3.7 does: drizzle skips an undefined column)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_step(run_id, str(event.correlation_id))
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_retrying" or before is None or result.step is MISSING:
            return result
        if result.step.retry_after is MISSING:
            step = result.step.model_copy(update={"retry_after": before.retry_after})
            _put_step(self, step)
            return result.model_copy(update={"step": step})
        return result


class StepCompletedWithoutCompletedAt(BrokenWorld, breaks={"STEP-006"}):
    """Completes steps without setting completedAt."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "step_completed" and result.step is not MISSING:
            step = result.step.model_copy(update={"completed_at": MISSING})
            _put_step(self, step)
            return result.model_copy(update={"step": step})
        return result


def _as_index_object(data: bytes) -> dict[str, int]:
    """Bytes as ``JSON.stringify`` writes a ``Uint8Array``: an object of its indices."""
    return {str(index): byte for index, byte in enumerate(data)}


class StepFailedStringifiesError(BrokenWorld, breaks={"STEP-007"}):
    """Records a failed step's message as the error's JSON text when the error is an object."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_failed" or result.step is MISSING or result.step.error is MISSING:
            return result
        sent = event.event_data.error
        if isinstance(sent, str):
            return result
        error = result.step.error.model_copy(update={"message": json.dumps(sent, default=_as_index_object)})
        step = result.step.model_copy(update={"error": error})
        _put_step(self, step)
        return result.model_copy(update={"step": step})


class FinishedStepEventsAreNoOps(BrokenWorld, breaks={"LIN-003", "LIN-005", "STEP-008"}):
    """Answers any event on a completed or failed step with the step, unchanged, instead of
    EntityConflictError (idempotency taken too far)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.EntityConflictError:
            step = self.stored_step(run_id, str(event.correlation_id))
            if event.event_type == "step_created" or step is None or step.status not in FINISHED:
                raise
            return EventResult(step=step)


class UnknownStepIsConflict(BrokenWorld, breaks={"STEP-009"}, warns={"STATUS-001"}):
    """Refuses events of an unknown step with EntityConflictError instead of WorkflowWorldError."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowWorldError as error:
            if error.name != "WorkflowWorldError" or not event.event_type.startswith("step_"):
                raise
            raise errors.EntityConflictError(str(error)) from None


class EndedRunExpiresRunningSteps(BrokenWorld, breaks={"STEP-010"}, may_break={"LIN-005"}):
    """Once the run has ended, refuses step_completed/step_failed of running steps too.

    LIN-005 catches it too, in the rounds where the cancellation wins before the step's
    completion: timing decides, so LIN-005 is ``may_break``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        ending = event.event_type in ("step_completed", "step_failed")
        if ending and run is not None and run.status in TERMINAL_RUN_STATUSES:
            raise errors.RunExpiredError(f'Workflow run "{run_id}" is already {run.status}')
        return await super().on_create(run_id, event, params)


class StepsGetNeedsRunId(BrokenWorld, breaks={"STEP-011"}):
    """``steps.get(None, stepId)`` is refused: the World looks steps up by runId."""

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        if run_id is None:
            raise errors.WorkflowWorldError("steps.get needs a runId", status=400)
        return await super().on_get_step(run_id, step_id, **options)


class StepsListShowsCreatedStatus(BrokenWorld, breaks={"STEP-013", "COH-001"}):
    """``steps.list`` shows every step as pending, the status it was created with."""

    async def on_list_steps(self, run_id: str, **options: Any) -> PaginatedResponse[Step]:
        page = await super().on_list_steps(run_id, **options)
        stale = [step.model_copy(update={"status": "pending"}) for step in page.data]
        return page.model_copy(update={"data": stale})


class RetryAfterRoundedToNearest(BrokenWorld, breaks={"STEP-004"}):
    """Says how long a too-early start must wait with ``Math.round`` of the seconds left rather
    than rounding up, so a start 29.3 s early is told 29 (and one 0.4 s early, 0)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.TooEarlyError:
            step = self.stored_step(run_id, str(event.correlation_id))
            assert step is not None and step.retry_after is not MISSING
            left = (step.retry_after - self.clock()).total_seconds()
            raise errors.TooEarlyError("too early", retry_after=round(left)) from None


class RestartStampsStartedAt(BrokenWorld, breaks={"STEP-003"}):
    """Sets ``startedAt`` on every ``step_started`` (an upsert that writes ``started_at = now()``
    unconditionally), not only on the first."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "step_started" and result.step is not MISSING:
            step = result.step.model_copy(update={"started_at": result.step.updated_at})
            _put_step(self, step)
            return result.model_copy(update={"step": step})
        return result


def _store_step_time_as_null(
    world: BrokenWorld, run_id: str | None, event: EventRequest, result: EventResult, field: str
) -> EventResult:
    """``result`` with the step's ``field`` stored and returned as null, as a column written from
    a variable its path never sets."""
    step = world.stored_step(run_id, str(event.correlation_id))
    if step is None or result.step is MISSING:
        return result
    nulled = step.model_copy(update={field: None})
    key = (step.run_id, step.step_id)
    world.state.steps[key] = (world.state.steps[key][0], nulled)
    return result.model_copy(update={"step": nulled})


class StepFailedCompletedAtNull(BrokenWorld, breaks={"STEP-007"}):
    """``step_failed`` stores ``completedAt`` as null."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_failed":
            return result
        return _store_step_time_as_null(self, run_id, event, result, "completed_at")


class FirstStartLeavesStartedAtNull(BrokenWorld, breaks={"STEP-003"}):
    """``step_started`` stores ``startedAt`` as null."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_started":
            return result
        return _store_step_time_as_null(self, run_id, event, result, "started_at")


class StepCompletedAtNull(BrokenWorld, breaks={"STEP-006"}):
    """``step_completed`` stores ``completedAt`` as null."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_completed":
            return result
        return _store_step_time_as_null(self, run_id, event, result, "completed_at")


def _cut_error(error: StructuredError) -> StructuredError:
    """``error`` as a ``varchar(255)`` message column and a ``TEXT`` stack column (65,535 UTF-8
    bytes) keep it, outside MySQL's strict mode."""
    cut: dict[str, Any] = {"message": error.message[:255]}
    if error.stack is not MISSING:
        cut["stack"] = error.stack.encode()[:65_535].decode(errors="ignore")
    return error.model_copy(update=cut)


class ErrorColumnsCutLongText(BrokenWorld, breaks={"STEP-007", "RUN-010"}, only="runs or steps"):
    """Keeps a run's and a step's error in a ``varchar(255)`` message column and a ``TEXT``
    stack column; MySQL outside strict mode cuts a longer message or stack to fit."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        shown: dict[str, Any] = {}
        if event.event_type == "step_failed" and result.step is not MISSING:
            step = self.stored_step(result.step.run_id, result.step.step_id)
            if step is not None and step.error is not MISSING:
                sequence = self.state.steps[(step.run_id, step.step_id)][0]
                kept = step.model_copy(update={"error": _cut_error(step.error)})
                self.state.steps[(step.run_id, step.step_id)] = (sequence, kept)
                shown["step"] = kept
        if event.event_type == "run_failed" and result.run is not MISSING:
            run = self.stored_run(result.run.run_id)
            if run is not None and run.error is not MISSING:
                kept_run = run.model_copy(update={"error": _cut_error(run.error)})
                self.state.put_run(kept_run)
                shown["run"] = kept_run
        return result.model_copy(update=shown) if shown else result
