"""Broken Worlds for the runs invariants (RUN, §4.2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import WorkflowRun
from worldspec.events import TERMINAL_RUN_EVENT_TYPES, EventRequest, EventResult
from worldspec.ulid import decode_time, is_ulid, new_ulid
from worldspec.wire_types import MISSING


class MintsLowercaseRunIds(BrokenWorld, breaks={"RUN-001"}):
    """Mints runIds with a lower-case ULID (``wrun_01hx...``)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "run_created" and not run_id:
            run_id = f"wrun_{new_ulid().lower()}"
        return await super().on_create(run_id, event, params)


class DropsRunIdPrefixInResult(BrokenWorld, breaks={"RUN-002"}):
    """Returns a client-chosen runId without its ``wrun_`` prefix in the run_created result."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_created" or not run_id or result.run is MISSING:
            return result
        bare = result.run.run_id.removeprefix("wrun_")
        return result.model_copy(
            update={
                "run": result.run.model_copy(update={"run_id": bare}),
                "event": result.event.model_copy(update={"run_id": bare}),
            }
        )


class TrustsRunIdTimestamps(BrokenWorld, breaks={"RUN-003"}):
    """Checks that a client runId is a ULID but not that its time is near the World's clock."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        raw = (run_id or "").removeprefix("wrun_")
        if event.event_type != "run_created" or not is_ulid(raw):
            return await super().on_create(run_id, event, params)
        clock = self.clock
        self.clock = lambda: decode_time(raw)
        try:
            return await super().on_create(run_id, event, params)
        finally:
            self.clock = clock


class CreatesClientRunsOnTheSystemClock(BrokenWorld, breaks={"RUN-003"}):
    """Takes the clock it is given for everything but a run_created with a client runId, whose
    path calls the system clock (``datetime.now()``): the runId's window is then measured from
    the real time, not from the World's."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "run_created" or not run_id:
            return await super().on_create(run_id, event, params)
        clock = self.clock
        self.clock = lambda: datetime.now(UTC)
        try:
            return await super().on_create(run_id, event, params)
        finally:
            self.clock = clock


class SwallowsRunConflict(BrokenWorld, breaks={"LIN-002", "RS-004", "RS-005", "RUN-004"}):
    """A second run_created for an existing id returns the existing run instead of raising."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.EntityConflictError:
            if event.event_type != "run_created":
                raise
            return EventResult(run=self.state.runs[str(run_id)][1])


class RunTakesWorldDeploymentId(BrokenWorld, breaks={"RUN-005"}):
    """Gives a run made by run_created the World's deploymentId instead of the sent one."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_created" or result.run is MISSING:
            return result
        run = result.run.model_copy(update={"deployment_id": "dpl_memory"})
        self.state.put_run(run)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class StoresRunStartedEventData(
    BrokenWorld, breaks={"RUN-006", "RS-002", "RS-006", "EVT-006", "EVT-011"}, warns={"COH-005"}
):
    """Stores run_started with eventData (so its preload, taken before, disagrees with its log)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "run_started":
            log = self.state.events.get(str(run_id), [])
            for index, stored in enumerate(log):
                if stored.event_type == "run_started":
                    wire = {**stored.to_wire(), "eventData": {"workflowName": "kept"}}
                    log[index] = type(stored).model_validate(wire)
        return result


class AppendsRunStartedTwice(BrokenWorld, breaks={"RUN-007"}):
    """run_started on a running run appends another run_started."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "run_started" and result.event is MISSING and result.run is not MISSING:
            log = self.state.events[str(run_id)]
            duplicate = log[[e.event_type for e in log].index("run_started")]
            log.append(duplicate.model_copy(update={"event_id": f"evnt_{self.mint()}"}))
        return result


class ConflictInsteadOfExpired(BrokenWorld, breaks={"RUN-008"}):
    """run_started on a terminal run raises EntityConflictError, not RunExpiredError."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.RunExpiredError as error:
            if event.event_type != "run_started":
                raise
            raise errors.EntityConflictError(str(error)) from None


class RunCompletedResultIsStale(BrokenWorld, breaks={"LIN-005", "RUN-009", "COH-002"}):
    """Completes the run but returns it as it was before ``run_completed``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type == "run_completed" and before is not None:
            return result.model_copy(update={"run": before})
        return result


class RunFailedDropsErrorCode(BrokenWorld, breaks={"RUN-010"}):
    """Records a failed run's error without ``code`` (``errorCode`` is lost)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_failed" or result.run is MISSING or result.run.error is MISSING:
            return result
        error = result.run.error.model_copy(update={"code": MISSING})
        run = result.run.model_copy(update={"error": error})
        self.state.put_run(run)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class CompletingTwiceIsANoOp(BrokenWorld, breaks={"RUN-011"}):
    """Treats run_completed on a completed run like a repeated cancel: success, no change."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.EntityConflictError:
            run = self.stored_run(run_id)
            if event.event_type != "run_completed" or run is None or run.status != "completed":
                raise
            return EventResult(run=run)


class EndingMissingRunIsWorldError(BrokenWorld, breaks={"RUN-012"}):
    """Refuses terminal run events on a missing run with WorkflowWorldError, not
    WorkflowRunNotFoundError."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowRunNotFoundError as error:
            if event.event_type not in TERMINAL_RUN_EVENT_TYPES:
                raise
            raise errors.WorkflowWorldError(str(error), status=404) from None


class RunsGetMissIsWorldError(BrokenWorld, breaks={"RUN-013", "RS-001"}):
    """``runs.get`` of an unknown run raises WorkflowWorldError (404), not
    WorkflowRunNotFoundError. RS-001 checks the same getter."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        try:
            return await super().on_get_run(run_id, **options)
        except errors.WorkflowRunNotFoundError as error:
            raise errors.WorkflowWorldError(str(error), status=404) from None


class WaitCreatedStartsRun(BrokenWorld, breaks={"RUN-015"}):
    """Moves a pending run to running when a wait is created on it, without a run_started."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        run = self.stored_run(run_id)
        if event.event_type == "wait_created" and run is not None and run.status == "pending":
            self.state.put_run(run.model_copy(update={"status": "running"}))
        return result


class RunIdWindowAnHourShort(BrokenWorld, breaks={"RUN-003"}):
    """Checks a client runId's age against a clock an hour behind UTC (a database server in
    local time read as UTC), so a runId 23 h 1 s old already counts as more than 24 h."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        ulid = (run_id or "").removeprefix("wrun_")
        too_old = is_ulid(ulid) and self.clock() - decode_time(ulid) > timedelta(hours=23)
        if event.event_type == "run_created" and too_old:
            raise errors.WorkflowWorldError(f"runId {run_id} is more than 24 h old", status=400)
        return await super().on_create(run_id, event, params)


class CancellingACancelledRunReturnsNothing(
    BrokenWorld, breaks={"RUN-011", "LIN-007", "LEG-003"}, may_break={"LIN-005"}
):
    """``run_cancelled`` on a run already cancelled succeeds with an empty result, as a backend
    whose idempotent path returns early, before it loads the run to return (a legacy run's
    second cancellation too, LEG-003)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if event.event_type == "run_cancelled" and run is not None and run.status == "cancelled":
            return EventResult()
        return await super().on_create(run_id, event, params)


class RunFailedTakesTheErrorsOwnCode(BrokenWorld, breaks={"RUN-010"}):
    """Records a failed run's ``code`` as ``errorCode ?? error.code``: an error object's own
    ``code`` stands in when no ``errorCode`` was sent."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_failed" or result.run is MISSING or result.run.error is MISSING:
            return result
        sent: Any = event.event_data.error  # type: ignore[union-attr]
        if result.run.error.code is not MISSING or not isinstance(sent, dict) or "code" not in sent:
            return result
        error = result.run.error.model_copy(update={"code": str(sent["code"])})
        run = result.run.model_copy(update={"error": error})
        self.state.put_run(run)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class RestartingARunningRunRestamps(BrokenWorld, breaks={"RUN-007"}):
    """``run_started`` on a running run appends nothing but still runs the start's
    ``UPDATE runs SET started_at = now(), updated_at = now()`` (only the event insert is
    guarded by the status)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_started" or before is None or before.status != "running":
            return result
        now = self.clock()
        run = before.model_copy(update={"started_at": now, "updated_at": now})
        self.state.put_run(run)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class RecancellingRestampsTheEnd(BrokenWorld, breaks={"RUN-011"}):
    """Cancels with one statement for live and cancelled runs alike (``UPDATE runs SET status =
    'cancelled', completed_at = now(), updated_at = now() WHERE ... status IN ('pending',
    'running', 'cancelled')``): a repeated ``run_cancelled`` succeeds but moves the run's
    ``completedAt`` and ``updatedAt`` to the time of the repeat."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type == "run_cancelled" and run is not None and run.status == "cancelled":
            now = self.clock()
            restamped = run.model_copy(update={"completed_at": now, "updated_at": now})
            self.state.put_run(restamped)
            return result.model_copy(update={"run": restamped})
        return result


class StartAnswersWithTheUpdatedColumns(BrokenWorld, breaks={"RUN-006", "RUN-007", "RS-001"}):
    """Answers every ``run_started`` with the run its ``UPDATE runs SET status = 'running' ...
    RETURNING`` gave back, whose column list leaves out ``input``: the run is stored whole, but
    the runtime, which replays the workflow from the result's run, gets no input."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_started" or result.run is MISSING:
            return result
        return result.model_copy(update={"run": result.run.model_copy(update={"input": MISSING})})


class AlreadyRunningAnswerWithoutStartedAt(BrokenWorld, breaks={"RUN-007"}):
    """Answers ``run_started`` on a running run with ``{run}`` built from the status check it
    made (``SELECT run_id, status, ...`` without ``started_at``): the run has no ``startedAt``,
    and the runtime fails a run whose ``run_started`` result lacks it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        stored = self.stored_run(run_id)
        running = stored is not None and stored.status == "running"
        already_running = event.event_type == "run_started" and running
        result = await super().on_create(run_id, event, params)
        if not already_running or result.run is MISSING:
            return result
        return result.model_copy(update={"run": result.run.model_copy(update={"started_at": MISSING})})
