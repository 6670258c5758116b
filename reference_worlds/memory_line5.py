"""The storage half of a MemoryWorld on the 5.x line: ``events``, ``runs``, ``steps``, ``hooks``.

Every ``events.create`` runs under the World's one ``asyncio.Lock``: the 5.x rules
(``reference_worlds.rules_line5``) decide against the state, the outcome is written, and the
result's page (a preload, a ``sinceCursor`` delta or a skipped-slot report) is read, all before
the lock is released. So creates are linearizable among the tasks of one event loop, slots are
allocated at commit (never a hole, never a ``noop``), and every read is a prefix of the log.

Event listings key their cursor on the event's position in its run's log; without a limit they
return every remaining event, and a non-empty page always carries the cursor after its last
event (the runtime keeps listing from it).
"""

from __future__ import annotations

import asyncio
import builtins
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from reference_worlds.memory_line5_bulk import cancel_many, create_batch
from reference_worlds.memory_line5_state import LineFiveState, LineFiveView, write_outcome
from reference_worlds.memory_streams import MemoryStreams
from reference_worlds.paging import encode_cursor, page
from reference_worlds.persisted_codec import decode_persisted
from reference_worlds.rules_line5 import Context, Outcome, decide
from worldspec.line5 import errors
from worldspec.line5.attributes import AttributeChange, apply_attribute_changes, validate_attribute_changes
from worldspec.line5.bulk import (
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, Hook, RunStatus, Step, WorkflowRun
from worldspec.line5.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5.resolve_data import strip_entity, strip_event
from worldspec.line5.slots import event_id_to_slot, slot_to_event_id
from worldspec.line5.validation import parse_event, parse_hook, parse_run
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.ulid import MonotonicUlid, successor
from worldspec.wire_types import MISSING

__all__ = [
    "DEFAULT_MAX_EVENTS",
    "HOOK_RETENTION_LIMIT",
    "LineFiveBackdoor",
    "LineFiveEvents",
    "LineFiveHooks",
    "LineFiveRuns",
    "LineFiveSteps",
    "LineFiveStorage",
    "StorageHost",
]

HOOK_RETENTION_LIMIT: Final = timedelta(days=30)
"""The longest hook retention this World accepts (world-local's default cap)."""

DEFAULT_MAX_EVENTS: Final = 25_000
"""``maxEvents`` when none is configured (upstream's default)."""

_Positioned = tuple[int, Event]


class StorageHost(Protocol):
    """What the storage borrows from its MemoryWorld: the lock, the clock, ULIDs, pause points."""

    lock: asyncio.Lock
    clock: Callable[[], datetime]
    mint: MonotonicUlid

    async def pause(self, point: str) -> None: ...


def _position(entry: _Positioned) -> int:
    return entry[0]


def _listed(
    entries: Sequence[_Positioned], pagination: PaginationOptions | None, resolve_data: ResolveData
) -> PaginatedResponse[Event]:
    """One page of positioned events, every remaining one without a limit, with the cursor after
    the last event of any non-empty page."""
    found = page(entries, _position, pagination, "asc", unlimited_by_default=True)
    cursor = found.cursor
    if cursor is None and found.data:
        cursor = encode_cursor(_position(found.data[-1]))
    return PaginatedResponse[Event](
        data=[strip_event(event, resolve_data) for _, event in found.data],
        cursor=cursor,
        has_more=found.has_more,
    )


class LineFiveEvents:
    def __init__(self, storage: LineFiveStorage) -> None:
        self._storage = storage

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        return await self._storage.create(run_id, event, params or CreateEventParams())

    async def create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        """``events.createBatch`` (``reference_worlds.memory_line5_bulk``)."""
        return await create_batch(self._storage, run_id, events, params)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        for candidate in self._storage.state.events.get(run_id, []):
            if candidate.event_id == event_id:
                return strip_event(candidate, resolve_data)
        raise errors.WorkflowWorldError(f'Event "{event_id}" not found in run "{run_id}"', status=404)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        return _listed(self._storage.positioned(run_id), pagination, resolve_data)

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        matching = [
            (position, event)
            for position, event in self._storage.positioned(run_id)
            if event.correlation_id is not MISSING and event.correlation_id == correlation_id
        ]
        return _listed(matching, pagination, resolve_data)


class LineFiveRuns:
    def __init__(self, storage: LineFiveStorage) -> None:
        self._storage = storage

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        found = self._storage.state.runs.get(run_id)
        if found is None:
            raise errors.WorkflowRunNotFoundError(run_id)
        return strip_entity(found[1], resolve_data)

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | Sequence[RunStatus] | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        statuses = None if status is None else ({status} if isinstance(status, str) else set(status))
        chosen = [
            entry
            for entry in sorted(self._storage.state.runs.values(), key=lambda e: e[0])
            if (workflow_name is None or entry[1].workflow_name == workflow_name)
            and (statuses is None or entry[1].status in statuses)
        ]
        found = page(chosen, lambda e: e[0], pagination, "desc")
        return PaginatedResponse[WorkflowRun](
            data=[strip_entity(run, resolve_data) for _, run in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )

    async def cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        """``runs.cancelMany`` (``reference_worlds.memory_line5_bulk``)."""
        return await cancel_many(self._storage, request)

    async def get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> builtins.list[WorkflowRun | None]:
        """The runs in input order, ``None`` for ids with no run (one snapshot: no await between)."""
        runs = self._storage.state.runs
        return [strip_entity(runs[run_id][1], resolve_data) if run_id in runs else None for run_id in run_ids]

    async def wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        """The run once terminal, else its snapshot after ``timeout_ms`` (default 0, as
        world-local); a missing run raises ``WorkflowRunNotFoundError``."""
        await self.get(run_id)
        runs, changed = self._storage.state.runs, self._storage.changed

        def ended() -> bool:
            return runs[run_id][1].status in TERMINAL_RUN_STATUSES

        if not ended() and timeout_ms:
            try:
                async with changed:
                    await asyncio.wait_for(changed.wait_for(ended), timeout_ms / 1000)
            except TimeoutError:
                pass
        return await self.get(run_id, resolve_data=resolve_data)

    async def experimental_set_attributes(
        self, run_id: str, changes: Sequence[AttributeChange], *, allow_reserved_attributes: bool = False
    ) -> dict[str, str]:
        """Validate and merge ``changes`` as ``attr_set`` does, without an event (as world-local,
        also on a terminal run)."""
        storage = self._storage
        async with storage.host.lock:
            found = storage.state.runs.get(run_id)
            if found is None:
                raise errors.WorkflowRunNotFoundError(run_id)
            run = found[1]
            validate_attribute_changes(
                changes, run.attributes.keys(), allow_reserved=allow_reserved_attributes
            )
            merged = apply_attribute_changes(run.attributes, changes)
            storage.state.put_run(
                run.model_copy(update={"attributes": merged, "updated_at": storage.host.clock()})
            )
            return merged


class LineFiveSteps:
    def __init__(self, storage: LineFiveStorage) -> None:
        self._state = storage.state

    async def get(self, run_id: str, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        found = self._state.steps.get((run_id, step_id))
        if found is None:
            raise errors.WorkflowWorldError(f'Step "{step_id}" not found in run "{run_id}"', status=404)
        return strip_entity(found[1], resolve_data)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        chosen = sorted((e for e in self._state.steps.values() if e[1].run_id == run_id), key=lambda e: e[0])
        found = page(chosen, lambda e: e[0], pagination, "desc")
        return PaginatedResponse[Step](
            data=[strip_entity(step, resolve_data) for _, step in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class LineFiveHooks:
    def __init__(self, storage: LineFiveStorage) -> None:
        self._storage = storage

    def _held(self) -> list[tuple[int, Hook]]:
        return self._storage.state.held_hooks(self._storage.host.clock())

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        for _, hook in self._held():
            if hook.hook_id == hook_id:
                return strip_entity(hook, resolve_data)
        raise errors.HookNotFoundError(hook_id)

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        for _, hook in self._held():
            if hook.token == token:
                return strip_entity(hook, resolve_data)
        raise errors.HookNotFoundError(token)

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        chosen = [entry for entry in self._held() if run_id is None or entry[1].run_id == run_id]
        found = page(chosen, lambda e: e[0], pagination, "asc")
        return PaginatedResponse[Hook](
            data=[strip_entity(hook, resolve_data) for _, hook in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class LineFiveStorage:
    """A 5.x MemoryWorld's state and its storage namespaces.

    ``spec_version`` is what the World declares (6 or 7) and stamps on requests without one.
    ``preload_limit`` caps a ``run_started`` preload (a longer log is preloaded partially, with
    ``hasMore`` and a cursor that continues like ``events.list``). ``max_events`` is returned as
    ``maxEvents`` on every result that carries the run.
    """

    def __init__(
        self,
        host: StorageHost,
        streams: MemoryStreams,
        spec_version: int,
        preload_limit: int | None,
        max_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        self.host = host
        self.streams = streams
        self.spec_version = spec_version
        self.preload_limit = preload_limit
        self.max_events = max_events
        self.state = LineFiveState()
        self.changed = asyncio.Condition()
        self.events = LineFiveEvents(self)
        self.runs = LineFiveRuns(self)
        self.steps = LineFiveSteps(self)
        self.hooks = LineFiveHooks(self)

    def positioned(self, run_id: str) -> list[_Positioned]:
        """The run's log with each event's 1-based position."""
        return list(enumerate(self.state.events.get(run_id, []), start=1))

    def _event_ids(self, now: datetime) -> Callable[[str], str]:
        """Event ids for one create: the next slots of a slot-numbered run; for a run stored with
        ULID ids, ULIDs above its last one (its ids keep rising in append order)."""
        minted: dict[str, int] = {}
        last_ulid: dict[str, str] = {}

        def next_id(run_id: str) -> str:
            minted[run_id] = minted.get(run_id, 0) + 1
            log = self.state.events.get(run_id, [])
            if self.state.uses_slots(run_id):
                return slot_to_event_id(len(log) + minted[run_id])
            previous = last_ulid.get(run_id, log[-1].event_id.rsplit("_", 1)[-1])
            fresh = self.host.mint(now)
            last_ulid[run_id] = fresh if fresh > previous else successor(previous)
            return f"evnt_{last_ulid[run_id]}"

        return next_id

    def context(self, now: datetime, occurred_at: datetime | None = None) -> Context:
        """What the rules are told for a create decided at ``now``."""
        return Context(
            now=now,
            new_event_id=self._event_ids(now),
            new_run_id=lambda: f"wrun_{self.host.mint(now)}",
            world_spec_version=self.spec_version,
            default_spec_version=self.spec_version,
            hook_retention_limit=HOOK_RETENTION_LIMIT,
            resume_dedup=True,
            retention=True,
            occurred_at=occurred_at,
        )

    async def commit(self, outcome: Outcome, now: datetime) -> None:
        """Write ``outcome`` (inside the lock): the state, and the streams a purge empties."""
        write_outcome(self.state, outcome, now)
        if outcome.purge_run:
            await self.streams.purge_run(outcome.run_id)

    async def announce(self) -> None:
        """Wake the readers waiting for a run's end (after the lock is released)."""
        async with self.changed:
            self.changed.notify_all()

    async def create(
        self, run_id: str | None, request: EventRequest, params: CreateEventParams
    ) -> EventResult:
        """``events.create`` (see the module docstring). The World keeps a copy of what it was
        sent and returns a copy of what it keeps: a caller's later changes reach neither."""
        request = request.model_copy(deep=True)
        host = self.host
        await host.pause("create:enter")
        async with host.lock:
            now = host.clock()
            ctx = self.context(now, None if params.occurred_at is MISSING else params.occurred_at)
            outcome = await decide(LineFiveView(self.state, now), run_id, request, params, ctx)
            await host.pause("create:decided")
            await self.commit(outcome, now)
            result = self._result(outcome, params).model_copy(deep=True)
        await self.announce()
        return result

    def _result(self, outcome: Outcome, params: CreateEventParams) -> EventResult:
        resolve: ResolveData = "all" if params.resolve_data is MISSING else params.resolve_data
        result: dict[str, Any] = dict(outcome.result)
        if "event" in result:
            committed: Event = result["event"]
            if outcome.purge_run:
                committed = next(
                    e for e in self.state.events[outcome.run_id] if e.event_id == committed.event_id
                )
            result["event"] = strip_event(committed, resolve)
        preload = self._preload(outcome, params, resolve)
        if preload is not None:
            result.update(preload)
        else:
            result.update(
                self._delta(outcome, params, resolve) or self._report(result, params, resolve) or {}
            )
        if "run" in result:
            result["max_events"] = self.max_events
        return EventResult(**result)

    def _preload(
        self, outcome: Outcome, params: CreateEventParams, resolve: ResolveData
    ) -> dict[str, Any] | None:
        """The ``run_started`` preload (unless ``skipPreload``), or the complete log a
        ``hook_received`` with ``preloadEvents`` carries, with the run, when the run has started
        and the whole log fits (§5.2, §5.4 item 4)."""
        log = self.positioned(outcome.run_id)
        carried: dict[str, Any] = {}
        if outcome.preload and params.skip_preload is MISSING:
            shown = log if self.preload_limit is None else log[: self.preload_limit]
        elif outcome.preload_events and params.resume_id is not MISSING:
            run = self.state.runs[outcome.run_id][1]
            if (
                self.preload_limit is not None and len(log) > self.preload_limit
            ) or run.started_at is MISSING:
                return None
            shown, carried = log, {"run": run}
        else:
            return None
        return {
            **carried,
            "events": [strip_event(event, resolve) for _, event in shown],
            "cursor": encode_cursor(shown[-1][0]) if shown else None,
            "has_more": len(shown) < len(log),
        }

    def _delta(
        self, outcome: Outcome, params: CreateEventParams, resolve: ResolveData
    ) -> dict[str, Any] | None:
        """What ``events.list`` returns from ``sinceCursor`` right after the write; nothing when
        the cursor is not one of ours (the write stands; the runtime then lists)."""
        if params.since_cursor is MISSING:
            return None
        asked = PaginationOptions(cursor=params.since_cursor, sort_order="asc")
        try:
            delta = _listed(self.positioned(outcome.run_id), asked, resolve)
        except errors.WorkflowWorldError:
            return None
        return {"events": delta.data, "cursor": delta.cursor, "has_more": delta.has_more}

    def _report(
        self, result: Mapping[str, Any], params: CreateEventParams, resolve: ResolveData
    ) -> dict[str, Any] | None:
        """The events of the slots between ``eventCount`` and the committed one (§5.4 item 1)."""
        event = result.get("event")
        count = params.event_count
        if event is None or count is MISSING or not float(count).is_integer() or count < 1:
            return None
        committed = event_id_to_slot(event.event_id)
        if committed is None or committed <= count + 1:
            return None
        skipped = self.state.events[event.run_id][int(count) : committed - 1]
        return {"events": [strip_event(e, resolve) for e in skipped], "cursor": None, "has_more": False}


class LineFiveBackdoor:
    """Direct access to a 5.x MemoryWorld's state (``worldspec.Backdoor``): it stores runs and
    logs exactly as given, as a legacy World or a 4.x World stored them (ULID ids, spec 2-3,
    StructuredError errors), and reads the stored log back."""

    def __init__(self, storage: LineFiveStorage) -> None:
        self._storage = storage

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store ``run`` and its ``events`` (wire form) as given."""
        async with self._storage.host.lock:
            self._storage.state.put_run(parse_run(run))
            log = self._storage.state.events.setdefault(str(run["runId"]), [])
            log.extend(parse_event(event) for event in events)

    async def seed_legacy_hook(self, hook: Mapping[str, Any]) -> None:
        """Store ``hook`` as a live hook holding its token (``worldspec.backdoor.LegacyHookSeeding``)."""
        stored = parse_hook(hook)
        async with self._storage.host.lock:
            write_outcome(
                self._storage.state, Outcome(stored.run_id, hook=stored), self._storage.host.clock()
            )

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The stored log of ``run_id`` in wire form."""
        return [event.to_wire() for event in self._storage.state.events.get(run_id, [])]

    async def seed_encoded_input(self, encoding: str, encoded: bytes) -> str:
        """Store a legacy run whose input was persisted as ``encoded`` in upstream's ``encoding``;
        a MemoryWorld keeps no persisted form, so it decodes here (as on the 4.x line)."""
        host = self._storage.host
        value = decode_persisted(encoding, encoded)
        run_id, now = f"wrun_{host.mint()}", host.clock()
        data = {"deploymentId": "dpl_memory", "workflowName": f"workflow//legacy//{encoding}", "input": value}
        run = {"runId": run_id, "status": "running", "createdAt": now, "updatedAt": now, **data}
        created = {"runId": run_id, "eventId": f"evnt_{host.mint()}", "createdAt": now}
        await self.seed_legacy_run(run, [{**created, "eventType": "run_created", "eventData": data}])
        return run_id
