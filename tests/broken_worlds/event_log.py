"""Broken Worlds for the event-log invariants (EVT, §2.1, §4.1 and §9)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params, RewritesAppendedEvents
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES, TERMINAL_STEP_STATUSES
from worldspec.events import (
    CREATABLE_EVENT_TYPES,
    EVENT_DATA_REF_FIELDS,
    CreateEventParams,
    Event,
    EventRequest,
    EventResult,
)
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import MonotonicUlid
from worldspec.validation import parse_event


class EventIdsWithoutKnownPrefix(RewritesAppendedEvents, breaks={"EVT-001"}):
    """Stores eventIds as ``evt_<ULID>``: neither ``evnt_`` nor ``wevt_``."""

    def rewrite(self, event: Event) -> dict[str, Any]:
        return {"event_id": "evt_" + event.event_id.split("_", 1)[1]}


class DescendingListIsAscending(BrokenWorld, breaks={"EVT-002", "LIN-004"}):
    """``events.list`` ignores ``sortOrder: 'desc'``."""

    async def on_list_events(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        if pagination is not None and pagination.sort_order == "desc":
            pagination = pagination.model_copy(update={"sort_order": "asc"})
        return await super().on_list_events(run_id, pagination=pagination, **options)


class GetFindsEventsOfOtherRuns(BrokenWorld, breaks={"EVT-003"}):
    """``events.get(runId, eventId)`` finds the event in whichever run holds it."""

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        for owner, log in self.state.events.items():
            if any(event.event_id == event_id for event in log):
                return await super().on_get_event(owner, event_id, **options)
        return await super().on_get_event(run_id, event_id, **options)


class EventReadsOfAMissingRunCrash(BrokenWorld, breaks={"EVT-003", "LIST-003"}):
    """Reads a run's log as ``logs[run_id]``: ``events.get`` and ``events.list`` under a run
    that was never created raise ``KeyError``, neither a contract error nor an empty page."""

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        if run_id not in self.state.events:
            raise KeyError(run_id)
        return await super().on_get_event(run_id, event_id, **options)

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        if run_id not in self.state.events:
            raise KeyError(run_id)
        return await super().on_list_events(run_id, **options)


def _log_anyway(world: BrokenWorld, run_id: str, event: EventRequest) -> None:
    """Append ``event`` to the run's log as if it had been accepted."""
    wire = event.to_wire()
    wire.update(runId=run_id, eventId=f"evnt_{world.mint()}", createdAt=world.clock(), specVersion=3)
    world.state.events.setdefault(run_id, []).append(parse_event(wire))


class LogsRefusedCreatesOnEndedRuns(BrokenWorld, breaks={"EVT-004", "TERM-002"}):
    """Refuses step/hook/wait creation on ended runs, but appends the event first."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.EntityConflictError:
            run = self.stored_run(run_id)
            ended = run is not None and run.status in TERMINAL_RUN_STATUSES
            if ended and event.event_type in ("step_created", "hook_created", "wait_created"):
                _log_anyway(self, str(run_id), event)
            raise


class LogsRefusedStepEvents(BrokenWorld, breaks={"EVT-004", "LIN-003", "LIN-005", "STEP-012"}):
    """Refuses events on finished steps, but appends them to the log first (check after write)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.EntityConflictError:
            step = self.stored_step(run_id, str(event.correlation_id))
            finished = step is not None and step.status in TERMINAL_STEP_STATUSES
            if event.event_type.startswith("step_") and finished:
                _log_anyway(self, str(run_id), event)
            raise


class RefusedWaitCompletionIsLogged(BrokenWorld, breaks={"EVT-004", "TERM-002", "TERM-003", "WAIT-003"}):
    """Appends ``wait_completed`` for an unknown wait, then refuses it as not found."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.WorkflowWorldError:
            if event.event_type == "wait_completed" and run_id in self.state.events:
                wire = {**event.to_wire(), "runId": run_id, "eventId": f"evnt_{self.mint()}"}
                self.state.events[str(run_id)].append(parse_event({**wire, "createdAt": self.clock()}))
            raise


class ExpiredStartStillCountsTheAttempt(BrokenWorld, breaks={"EVT-004"}):
    """Counts a ``step_started`` in the step row (``attempt = attempt + 1``) before it checks the
    run, and raises ``RunExpiredError`` for a pending step of an ended run without undoing the
    count (no transaction around the two): the refused start leaves the step one attempt up and
    restamped."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step = (
            self.stored_step(run_id, str(event.correlation_id))
            if event.event_type == "step_started"
            else None
        )
        try:
            return await super().on_create(run_id, event, params)
        except errors.RunExpiredError:
            if step is not None:
                counted = step.model_copy(update={"attempt": step.attempt + 1, "updated_at": self.clock()})
                self.state.steps[(step.run_id, step.step_id)] = (
                    self.state.steps[(step.run_id, step.step_id)][0],
                    counted,
                )
            raise


class HookCreatedUpsertsThenRefuses(BrokenWorld, breaks={"EVT-004"}):
    """Writes ``hook_created`` as an upsert (``INSERT ... ON CONFLICT (run_id, hook_id) DO UPDATE
    SET metadata = EXCLUDED.metadata ... RETURNING (xmax = 0) AS inserted``) and raises
    ``EntityConflictError`` when the row was not inserted: the refused duplicate has already
    overwritten the live hook's metadata and isWebhook."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        key = (str(run_id), str(event.correlation_id))
        if event.event_type != "hook_created" or key not in self.state.hooks:
            return await super().on_create(run_id, event, params)
        data: Any = getattr(event, "event_data", None)
        sequence, hook = self.state.hooks[key]
        overwritten = hook.model_copy(update={"metadata": data.metadata, "is_webhook": data.is_webhook})
        self.state.hooks[key] = (sequence, overwritten)
        raise errors.EntityConflictError(f'Hook "{event.correlation_id}" already exists')


def _strip_keeping_empty(event: Event) -> Event:
    wire = event.to_wire()
    if "eventData" in wire:
        refs = EVENT_DATA_REF_FIELDS.get(event.event_type, ())
        wire["eventData"] = {key: value for key, value in wire["eventData"].items() if key not in refs}
    return parse_event(wire)


def _keeping_empty(page: PaginatedResponse[Event], resolve_data: ResolveData) -> PaginatedResponse[Event]:
    if resolve_data != "none":
        return page
    return page.model_copy(update={"data": [_strip_keeping_empty(e) for e in page.data]})


class ResolveNoneKeepsEmptiedEventData(BrokenWorld, breaks={"EVT-005"}):
    """Reads with ``resolveData: 'none'`` keep an eventData they emptied, as ``{}``."""

    async def on_get_event(
        self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all", **options: Any
    ) -> Event:
        event = await super().on_get_event(run_id, event_id, **options)
        return _strip_keeping_empty(event) if resolve_data == "none" else event

    async def on_list_events(
        self, run_id: str, *, resolve_data: ResolveData = "all", **options: Any
    ) -> PaginatedResponse[Event]:
        return _keeping_empty(await super().on_list_events(run_id, **options), resolve_data)

    async def on_list_by_correlation_id(
        self, correlation_id: str, *, resolve_data: ResolveData = "all", **options: Any
    ) -> PaginatedResponse[Event]:
        return _keeping_empty(
            await super().on_list_by_correlation_id(correlation_id, **options), resolve_data
        )


class CreateResultIgnoresResolveData(BrokenWorld, breaks={"EVT-006"}, warns={"COH-005"}):
    """``events.create`` returns the whole event whatever ``params.resolveData`` says."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        whole = CreateEventParams() if params is None else params.model_copy(update={"resolve_data": "all"})
        return await super().on_create(run_id, event, whole)


class CorrelationListIgnoresRun(BrokenWorld, breaks={"EVT-007"}):
    """``listByCorrelationId`` returns the correlationId's events of every run."""

    async def on_list_by_correlation_id(
        self, correlation_id: str, *, run_id: str | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        return await super().on_list_by_correlation_id(correlation_id, **options)


class CorrelationListWithoutRunFindsNothing(BrokenWorld, breaks={"EVT-007"}):
    """``listByCorrelationId`` always filters on the runId, so without one (SQL's
    ``run_id = NULL``) it matches no event instead of every run's."""

    async def on_list_by_correlation_id(
        self, correlation_id: str, *, run_id: str | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        found = await super().on_list_by_correlation_id(correlation_id, run_id=run_id, **options)
        if run_id is not None:
            return found
        return found.model_copy(update={"data": [], "cursor": None, "has_more": False})


class UnknownEventTypesIgnored(BrokenWorld, breaks={"EVT-008"}, warns={"STATUS-001"}):
    """Answers an eventType it cannot create with an empty result instead of refusing it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type not in CREATABLE_EVENT_TYPES:
            return EventResult()
        return await super().on_create(run_id, event, params)


class CursorsExpireWhenTheLogGrows(BrokenWorld, breaks={"EVT-009", "LIN-004"}):
    """``events.list`` cursors remember the log's length; once it grew, they list nothing."""

    async def on_list_events(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        length = len(self.state.events.get(run_id, []))
        if pagination is not None and isinstance(pagination.cursor, str) and "@" in pagination.cursor:
            issued_at, inner = pagination.cursor.split("@", 1)
            if int(issued_at) != length:
                return PaginatedResponse[Event](data=[], cursor=None, has_more=False)
            pagination = pagination.model_copy(update={"cursor": inner})
        page = await super().on_list_events(run_id, pagination=pagination, **options)
        if page.cursor is not None:
            page = page.model_copy(update={"cursor": f"{length}@{page.cursor}"})
        return page


class EventIdsMintedAnHourEarly(RewritesAppendedEvents, breaks={"ERR-003", "EVT-010"}):
    """Mints eventIds whose ULID time is an hour before their createdAt (order is kept)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.early = MonotonicUlid()

    def rewrite(self, event: Event) -> dict[str, Any]:
        return {"event_id": f"evnt_{self.early(event.created_at - timedelta(hours=1))}"}


class EntityEventsStoredAtCurrentVersion(RewritesAppendedEvents, breaks={"EVT-011"}):
    """Stores step, hook and wait events at specVersion 3 whatever the request said."""

    def rewrite(self, event: Event) -> dict[str, Any]:
        entity_event = event.event_type.split("_")[0] in ("step", "hook", "wait")
        return {"spec_version": SPEC_VERSION_CURRENT} if entity_event else {}
