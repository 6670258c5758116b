"""Broken Worlds for the waits invariants (WAIT, §4.5)."""

from __future__ import annotations

import asyncio

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.events import EventRequest, EventResult, WaitCompletedRequest
from worldspec.wire_types import MISSING


class WaitIdIsCorrelationId(BrokenWorld, breaks={"WAIT-001"}):
    """Returns waits with waitId = the correlationId, without the ``<runId>-`` prefix."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.wait is MISSING:
            return result
        wait = result.wait.model_copy(update={"wait_id": str(event.correlation_id)})
        return result.model_copy(update={"wait": wait})


class WaitCreatedOverwrites(BrokenWorld, breaks={"WAIT-002"}):
    """A second wait_created for an existing wait replaces it (an upsert)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "wait_created":
            self.state.waits.pop(f"{run_id}-{event.correlation_id}", None)
        return await super().on_create(run_id, event, params)


class WaitCompletesTwice(BrokenWorld, breaks={"WAIT-003"}):
    """Accepts wait_completed on a completed wait, logging it again."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        wait = self.state.waits.get(f"{run_id}-{event.correlation_id}")
        if event.event_type == "wait_completed" and wait is not None:
            self.state.waits[wait.wait_id] = wait.model_copy(update={"status": "waiting"})
        return await super().on_create(run_id, event, params)


class WaitCompletionReadBeforeItsWrite(BrokenWorld, breaks={"WAIT-003"}):
    """``wait_completed`` reads the wait, waits for its storage (a round trip), then writes the
    completion from what it read: one at a time it refuses a completed wait as it should, but
    concurrent completions of one waiting wait all read it waiting and all succeed."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        key = f"{run_id}-{event.correlation_id}"
        read = self.state.waits.get(key)
        if event.event_type != "wait_completed" or read is None or read.status != "waiting":
            return await super().on_create(run_id, event, params)
        await asyncio.sleep(0)
        self.state.waits[key] = read
        return await super().on_create(run_id, event, params)


class UnknownWaitIsConflict(BrokenWorld, breaks={"LEG-003", "WAIT-004"}):
    """Refuses wait_completed of an unknown wait of a live run with EntityConflictError instead
    of WorkflowWorldError."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowWorldError as error:
            run = self.stored_run(run_id)
            live = run is not None and run.status not in TERMINAL_RUN_STATUSES
            if error.name != "WorkflowWorldError" or event.event_type != "wait_completed" or not live:
                raise
            raise errors.EntityConflictError(str(error)) from None


class WaitCompletedMovesResumeAt(BrokenWorld, breaks={"WAIT-005"}):
    """Takes a resumeAt sent with wait_completed as the wait's new resumeAt."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        data = getattr(event, "event_data", MISSING)
        if event.event_type != "wait_completed" or data is MISSING or result.wait is MISSING:
            return result
        wait = result.wait.model_copy(update={"resume_at": data.resume_at})
        self.state.waits[wait.wait_id] = wait
        return result.model_copy(update={"wait": wait})


class WaitsFoundByCorrelationIdAlone(BrokenWorld, breaks={"WAIT-004"}):
    """Looks a wait up by its correlationId alone (``WHERE correlation_id = $1``, the run
    forgotten): ``wait_completed`` in one run completes another run's wait of that id."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        own = f"{run_id}-{event.correlation_id}"
        suffix = f"-{event.correlation_id}"
        found = next((wait for wait in self.state.waits.values() if wait.wait_id.endswith(suffix)), None)
        if event.event_type != "wait_completed" or own in self.state.waits or found is None:
            return await super().on_create(run_id, event, params)
        self.state.waits[own] = found.model_copy(update={"wait_id": own, "run_id": run_id})
        try:
            result = await super().on_create(run_id, event, params)
        finally:
            stand_in = self.state.waits.pop(own)
        moved = {
            "status": stand_in.status,
            "completed_at": stand_in.completed_at,
            "updated_at": stand_in.updated_at,
        }
        self.state.waits[found.wait_id] = found.model_copy(update=moved)
        return result


class WaitCreatedUpsertsThenRefuses(BrokenWorld, breaks={"WAIT-005"}):
    """Writes ``wait_created`` as an upsert (``INSERT ... ON CONFLICT (wait_id) DO UPDATE SET
    resume_at = EXCLUDED.resume_at ... RETURNING (xmax = 0) AS inserted``) and raises
    ``EntityConflictError`` when the row was not inserted: the refused duplicate has already
    moved the waiting wait's resumeAt."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        wait = self.state.waits.get(f"{run_id}-{event.correlation_id}")
        if event.event_type != "wait_created" or wait is None:
            return await super().on_create(run_id, event, params)
        resume_at = event.event_data.resume_at
        self.state.waits[wait.wait_id] = wait.model_copy(
            update={"resume_at": resume_at, "updated_at": self.clock()}
        )
        raise errors.EntityConflictError(f'Wait "{wait.wait_id}" already exists')


class ElapsedWaitsCompletedOnCreate(BrokenWorld, breaks={"WAIT-001"}):
    """Runs its own timer over waits: a ``wait_created`` whose ``resumeAt`` has passed is
    completed by the World in the same call (it logs the ``wait_completed`` itself), so the
    runtime's own ``wait_completed`` is refused as a second completion."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "wait_created" and event.event_data.resume_at <= self.clock():
            completed = WaitCompletedRequest(correlation_id=event.correlation_id)
            finished = await super().on_create(run_id, completed)
            return result.model_copy(update={"wait": finished.wait})
        return result
