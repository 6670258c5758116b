"""Broken Worlds for the resilient-start invariants (RS, §5), the run_started preload among them."""

from __future__ import annotations

from typing import Any

from conformance.checks import make
from reference_worlds.paging import encode_cursor
from tests.broken_worlds.base import BrokenWorld, Params
from worldspec.events import EventRequest, EventResult
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING


class CreatesRunWithoutResilientData(BrokenWorld, breaks={"RS-001"}):
    """run_started without eventData on a missing run creates the run anyway."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resilient = getattr(event, "event_data", MISSING) is not MISSING
        if event.event_type == "run_started" and not resilient and run_id and run_id not in self.state.runs:
            await super().on_create(run_id, make.run_created(input=b""), None)
        return await super().on_create(run_id, event, params)


class NoRunCreatedOnResilientStart(BrokenWorld, breaks={"RS-002", "RS-005", "RUN-014"}):
    """Resilient start creates the run but logs only run_started."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        missing = run_id not in self.state.runs
        result = await super().on_create(run_id, event, params)
        log = self.state.events.get(str(run_id), [])
        if event.event_type == "run_started" and missing and log[0].event_type == "run_created":
            del log[0]
        return result


class ResilientRunAlwaysCurrentVersion(BrokenWorld, breaks={"RS-003"}):
    """Gives a resilient run specVersion 3 whatever the event says."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type == "run_started" and event.event_data is not MISSING:
            event = event.model_copy(update={"spec_version": MISSING})
        return await super().on_create(run_id, event, params)


class ResilientDataOverwritesRun(BrokenWorld, breaks={"RS-004"}):
    """Resilient run_started data on an existing run replaces its input."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        data = getattr(event, "event_data", MISSING)
        if event.event_type == "run_started" and data is not MISSING and run_id in self.state.runs:
            sequence, run = self.state.runs[str(run_id)]
            self.state.runs[str(run_id)] = (sequence, run.model_copy(update={"input": data.input}))
        return result


class NoPreload(BrokenWorld, breaks={"RS-006"}):
    """Returns no preload, yet does not declare Capabilities(preload=False)."""

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        return {}


class TruncatedPreload(BrokenWorld, breaks={"RS-006"}):
    """Preloads the first two events and says hasMore: false."""

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        full = super().preload(run_id, resolve_data)
        return {**full, "events": full["events"][:2], "has_more": False, "cursor": None}


class PreloadCursorFromTheWrongEnd(BrokenWorld, breaks={"RS-006"}):
    """Reads the preload page newest first, reverses it, and takes the cursor from the row the
    query returned last: a partial preload's cursor points at its first event, so listing from
    it repeats the page."""

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        full = super().preload(run_id, resolve_data)
        if full["has_more"]:
            first = self.line4_state.events[run_id][0]
            full["cursor"] = encode_cursor(first.event_id)
        return full


class PartialPreloadWithoutCursor(BrokenWorld, breaks={"RS-006"}):
    """Caps its preload but never gives it a cursor, as the whole-log preload it grew from did
    not need one."""

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        return {**super().preload(run_id, resolve_data), "cursor": None}


class PreloadIgnoresResolveData(BrokenWorld, warns={"COH-005"}):
    """Reads the preload with the default ``resolveData`` instead of the one the call asked for."""

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        return super().preload(run_id, "all")


class StartDataMergesExecutionContext(BrokenWorld, breaks={"RS-004"}):
    """Merges the ``executionContext`` of resilient ``run_started`` data into an existing run's
    (``{...run.executionContext, ...eventData.executionContext}``), as a start path that
    refreshes the trace context would."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_started" or before is None:
            return result
        data = getattr(event, "event_data", MISSING)
        sent = MISSING if data is MISSING else data.execution_context
        if sent is MISSING:
            return result
        run = self.stored_run(run_id)
        assert run is not None
        kept = {} if run.execution_context is MISSING else run.execution_context
        run = run.model_copy(update={"execution_context": {**kept, **sent}})
        self.state.put_run(run)
        if result.run is MISSING:
            return result
        return result.model_copy(update={"run": run.model_copy(deep=True)})


def _creates_the_run(world: BrokenWorld, run_id: str | None, event: EventRequest) -> bool:
    """Whether ``event`` is a resilient ``run_started`` for a run ``world`` does not hold."""
    has_data = getattr(event, "event_data", MISSING) not in (MISSING, None)
    return event.event_type == "run_started" and has_data and world.stored_run(run_id) is None


class ResilientStartAnswersWithTheRequest(BrokenWorld, breaks={"RS-001"}):
    """Stores the run a resilient start creates whole, but answers with a run built from the
    request (its eventData and ``status: 'running'``), which has no ``startedAt``: the runtime
    fails the very run the resilient start was meant to save."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        creates = _creates_the_run(self, run_id, event)
        result = await super().on_create(run_id, event, params)
        if not creates or result.run is MISSING:
            return result
        return result.model_copy(update={"run": result.run.model_copy(update={"started_at": MISSING})})


class ResilientPreloadReadBeforeRunCreated(BrokenWorld, breaks={"RS-002"}):
    """Reads the preload of a resilient start from a snapshot taken before it wrote the
    ``run_created`` it synthesises: the preload is ``[run_started]``, complete by its own
    ``hasMore: false``, while the log begins with ``run_created``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        creates = _creates_the_run(self, run_id, event)
        result = await super().on_create(run_id, event, params)
        if not creates or result.events is MISSING:
            return result
        kept = [shown for shown in result.events if shown.event_type != "run_created"]
        return result.model_copy(update={"events": kept})
