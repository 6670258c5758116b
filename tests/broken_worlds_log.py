"""Deliberately broken Worlds for the event-log, listing, spec-version and date invariants
(EVT, LIST, LEG, BIN).

Each breaks one rule at the narrowest point it can, and names the invariants the kit must
fail (``breaks``) or warn about (``warns``) on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from reference_worlds.memory import MemoryBackdoor, MemoryWorld
from tests.broken_worlds import BrokenWorld, _patch_create
from worldspec import errors
from worldspec.events import (
    CREATABLE_EVENT_TYPES,
    EVENT_DATA_REF_FIELDS,
    CreateEventParams,
    Event,
    EventRequest,
    EventResult,
)
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.spec_version import SPEC_VERSION_CURRENT, is_legacy_spec_version
from worldspec.ulid import MonotonicUlid
from worldspec.validation import parse_event
from worldspec.wire_types import MISSING

EventChange = Callable[[Event], dict[str, Any]]
"""Field updates for one newly stored event, computed once."""


def _rewrite_appended(world: MemoryWorld, change: EventChange) -> None:
    """Apply ``change`` to every event a create appends: in storage, in ``result.event`` and in
    the preload, so the World stays self-consistent and only the changed rule breaks."""

    async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
        before = {rid: len(log) for rid, log in world.state.events.items()}
        result: EventResult = await original(run_id, event, params)
        updates: dict[str, dict[str, Any]] = {}
        for rid, log in world.state.events.items():
            for index in range(before.get(rid, 0), len(log)):
                updates[log[index].event_id] = change(log[index])
                log[index] = log[index].model_copy(update=updates[log[index].event_id])

        def rewritten(shown: Event) -> Event:
            found = updates.get(shown.event_id)
            return shown if found is None else shown.model_copy(update=found)

        fixed: dict[str, Any] = {}
        if result.event is not MISSING:
            fixed["event"] = rewritten(result.event)
        if result.events is not MISSING:
            fixed["events"] = [rewritten(shown) for shown in result.events]
        return result.model_copy(update=fixed)

    _patch_create(world, after)


class EventIdsWithoutKnownPrefix(BrokenWorld):
    """Stores eventIds as ``evt_<ULID>``: neither ``evnt_`` nor ``wevt_``."""

    breaks = frozenset({"EVT-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        _rewrite_appended(self, lambda event: {"event_id": "evt_" + event.event_id.split("_", 1)[1]})


class EventIdsMintedAnHourEarly(BrokenWorld):
    """Mints eventIds whose ULID time is an hour before their createdAt (order is kept)."""

    breaks = frozenset({"ERR-003", "EVT-010"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        early = MonotonicUlid()
        _rewrite_appended(
            self, lambda event: {"event_id": f"evnt_{early(event.created_at - timedelta(hours=1))}"}
        )


class EntityEventsStoredAtCurrentVersion(BrokenWorld):
    """Stores step, hook and wait events at specVersion 3 whatever the request said."""

    breaks = frozenset({"EVT-011"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def change(event: Event) -> dict[str, Any]:
            entity_event = event.event_type.split("_")[0] in ("step", "hook", "wait")
            return {"spec_version": SPEC_VERSION_CURRENT} if entity_event else {}

        _rewrite_appended(self, change)


class DescendingListIsAscending(BrokenWorld):
    """``events.list`` ignores ``sortOrder: 'desc'``."""

    breaks = frozenset({"EVT-002", "LIN-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.list

        async def listing(run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
            if pagination is not None and pagination.sort_order == "desc":
                pagination = pagination.model_copy(update={"sort_order": "asc"})
            return await original(run_id, pagination=pagination, **kwargs)

        self.events.list = listing  # type: ignore[method-assign]


class GetFindsEventsOfOtherRuns(BrokenWorld):
    """``events.get(runId, eventId)`` finds the event in whichever run holds it."""

    breaks = frozenset({"EVT-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.get

        async def get(run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
            for owner, log in self.state.events.items():
                if any(event.event_id == event_id for event in log):
                    return await original(owner, event_id, resolve_data=resolve_data)
            return await original(run_id, event_id, resolve_data=resolve_data)

        self.events.get = get  # type: ignore[method-assign]


class RefusedWaitCompletionIsLogged(BrokenWorld):
    """Appends ``wait_completed`` for an unknown wait, then refuses it as not found."""

    breaks = frozenset({"EVT-004", "TERM-002", "TERM-003", "WAIT-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.WorkflowWorldError:
                if event.event_type == "wait_completed" and run_id in self.state.events:
                    wire = {**event.to_wire(), "runId": run_id, "eventId": f"evnt_{self.mint()}"}
                    self.state.events[str(run_id)].append(parse_event({**wire, "createdAt": self.clock()}))
                raise

        _patch_create(self, after)


def _strip_keeping_empty(event: Event) -> Event:
    wire = event.to_wire()
    if "eventData" in wire:
        refs = EVENT_DATA_REF_FIELDS.get(event.event_type, ())
        wire["eventData"] = {key: value for key, value in wire["eventData"].items() if key not in refs}
    return parse_event(wire)


class ResolveNoneKeepsEmptiedEventData(BrokenWorld):
    """Reads with ``resolveData: 'none'`` keep an eventData they emptied, as ``{}``."""

    breaks = frozenset({"EVT-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        get, listing, by_correlation = self.events.get, self.events.list, self.events.list_by_correlation_id

        async def get_keeping(run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
            event = await get(run_id, event_id)
            return _strip_keeping_empty(event) if resolve_data == "none" else event

        def keeping(read: Any) -> Any:
            async def read_keeping(*args: Any, resolve_data: ResolveData = "all", **kwargs: Any) -> Any:
                page: PaginatedResponse[Event] = await read(*args, **kwargs)
                if resolve_data != "none":
                    return page
                return page.model_copy(update={"data": [_strip_keeping_empty(e) for e in page.data]})

            return read_keeping

        self.events.get = get_keeping  # type: ignore[method-assign]
        self.events.list = keeping(listing)  # type: ignore[method-assign]
        self.events.list_by_correlation_id = keeping(by_correlation)  # type: ignore[method-assign]


class CreateResultIgnoresResolveData(BrokenWorld):
    """``events.create`` returns the whole event whatever ``params.resolveData`` says."""

    breaks = frozenset({"EVT-006"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Any, run_id: str | None, event: EventRequest, params: CreateEventParams | None
        ) -> EventResult:
            whole = (
                CreateEventParams() if params is None else params.model_copy(update={"resolve_data": "all"})
            )
            return await original(run_id, event, whole)  # type: ignore[no-any-return]

        _patch_create(self, after)


class CorrelationListIgnoresRun(BrokenWorld):
    """``listByCorrelationId`` returns the correlationId's events of every run."""

    breaks = frozenset({"EVT-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.list_by_correlation_id

        async def by_correlation(correlation_id: str, *, run_id: str | None = None, **kwargs: Any) -> Any:
            return await original(correlation_id, **kwargs)

        self.events.list_by_correlation_id = by_correlation  # type: ignore[method-assign]


class UnknownEventTypesIgnored(BrokenWorld):
    """Answers an eventType it cannot create with an empty result instead of refusing it."""

    breaks = frozenset({"EVT-008"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            if event.event_type not in CREATABLE_EVENT_TYPES:
                return EventResult()
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class CursorsExpireWhenTheLogGrows(BrokenWorld):
    """``events.list`` cursors remember the log's length; once it grew, they list nothing."""

    breaks = frozenset({"EVT-009", "LIN-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.list

        async def listing(run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
            length = len(self.state.events.get(run_id, []))
            if pagination is not None and isinstance(pagination.cursor, str) and "@" in pagination.cursor:
                issued_at, inner = pagination.cursor.split("@", 1)
                if int(issued_at) != length:
                    return PaginatedResponse[Event](data=[], cursor=None, has_more=False)
                pagination = pagination.model_copy(update={"cursor": inner})
            page: PaginatedResponse[Event] = await original(run_id, pagination=pagination, **kwargs)
            if page.cursor is not None:
                page = page.model_copy(update={"cursor": f"{length}@{page.cursor}"})
            return page

        self.events.list = listing  # type: ignore[method-assign]


def _wrap_list(world: MemoryWorld, namespace: str, wrapper: Callable[[Any], Any]) -> None:
    """Replace ``world.<namespace>.list`` with ``wrapper(original)``."""
    target = getattr(world, namespace)
    target.list = wrapper(target.list)


class RunPagesSkipAnItem(BrokenWorld):
    """``runs.list`` drops the first run after a cursor (an off-by-one page boundary)."""

    breaks = frozenset({"LIST-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(*, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
                page: PaginatedResponse[Any] = await original(pagination=pagination, **kwargs)
                if pagination is not None and pagination.cursor is not MISSING:
                    return page.model_copy(update={"data": page.data[1:]})
                return page

            return listing

        _wrap_list(self, "runs", wrapper)


class StepCursorTokensRecycled(BrokenWorld):
    """``steps.list`` hands out server-side cursor tokens from a pool of two, so a token
    recurs in one paging sequence (each token resolves to the latest position it named)."""

    breaks = frozenset({"LIST-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        positions: dict[str, str] = {}
        issued = [0]

        def wrapper(original: Any) -> Any:
            async def listing(
                run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any
            ) -> Any:
                if pagination is not None and pagination.cursor in positions:
                    pagination = pagination.model_copy(update={"cursor": positions[str(pagination.cursor)]})
                page: PaginatedResponse[Any] = await original(run_id, pagination=pagination, **kwargs)
                if page.cursor is None:
                    return page
                token = "ab"[issued[0] % 2]
                issued[0] += 1
                positions[token] = page.cursor
                return page.model_copy(update={"cursor": token})

            return listing

        _wrap_list(self, "steps", wrapper)


class EmptyStepListHasCursor(BrokenWorld):
    """An empty ``steps.list`` page carries a cursor."""

    breaks = frozenset({"LIST-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(*args: Any, **kwargs: Any) -> Any:
                page: PaginatedResponse[Any] = await original(*args, **kwargs)
                return page if page.data else page.model_copy(update={"cursor": "end"})

            return listing

        _wrap_list(self, "steps", wrapper)


class HooksNewestFirstByDefault(BrokenWorld):
    """``hooks.list`` without a sortOrder lists newest first."""

    breaks = frozenset({"LIST-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(*, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
                options = pagination or PaginationOptions()
                if options.sort_order is MISSING:
                    options = options.model_copy(update={"sort_order": "desc"})
                return await original(pagination=options, **kwargs)

            return listing

        _wrap_list(self, "hooks", wrapper)


class RunListIgnoresStatus(BrokenWorld):
    """``runs.list`` ignores the ``status`` filter."""

    breaks = frozenset({"LIST-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(*, status: Any = None, **kwargs: Any) -> Any:
                return await original(**kwargs)

            return listing

        _wrap_list(self, "runs", wrapper)


class ResolveNoneDropsExecutionContext(BrokenWorld):
    """``runs.get`` with ``resolveData: 'none'`` also drops the run's executionContext."""

    breaks = frozenset({"LIST-006"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> Any:
            run = await original(run_id, resolve_data=resolve_data)
            return run if resolve_data == "all" else run.model_copy(update={"execution_context": MISSING})

        self.runs.get = get  # type: ignore[method-assign]


class EventPagesCappedAt100(BrokenWorld):
    """``events.list`` returns at most 100 events a page, whatever the limit."""

    breaks = frozenset({"LIST-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(
                run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any
            ) -> Any:
                if (
                    pagination is not None
                    and isinstance(pagination.limit, int | float)
                    and pagination.limit > 100
                ):
                    pagination = pagination.model_copy(update={"limit": 100})
                return await original(run_id, pagination=pagination, **kwargs)

            return listing

        _wrap_list(self, "events", wrapper)


class UnusableEventCursorReadsFromStart(BrokenWorld):
    """``events.list`` treats a cursor it cannot read as no cursor (as world-local does)."""

    warns = frozenset({"LIST-008"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        def wrapper(original: Any) -> Any:
            async def listing(
                run_id: str, *, pagination: PaginationOptions | None = None, **kwargs: Any
            ) -> Any:
                try:
                    return await original(run_id, pagination=pagination, **kwargs)
                except errors.WorkflowWorldError:
                    if pagination is None:
                        raise
                    return await original(
                        run_id, pagination=pagination.model_copy(update={"cursor": MISSING}), **kwargs
                    )

            return listing

        _wrap_list(self, "events", wrapper)


class ClaimsSpecVersionFour(BrokenWorld):
    """Reports ``specVersion`` 4, newer than the contract it implements."""

    breaks = frozenset({"ERR-001", "LEG-001"})
    spec_version = 4


class NewerRunsRefusedAsWorldErrors(BrokenWorld):
    """Refuses events on a newer run with ``WorkflowWorldError`` instead of ``RunNotSupportedError``."""

    breaks = frozenset({"LEG-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.RunNotSupportedError as error:
                if run_id in self.state.runs:
                    raise errors.WorkflowWorldError(str(error)) from None
                raise

        _patch_create(self, after)


class LegacyWaitCompletionLooksUpTheWait(BrokenWorld):
    """On a legacy run, refuses ``wait_completed`` for a wait it does not know (as on a current run)."""

    breaks = frozenset({"LEG-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(original: Any, run_id: str | None, event: EventRequest, params: Any) -> EventResult:
            if event.event_type == "wait_completed" and run_id in self.state.runs:
                version = self.state.runs[str(run_id)][1].spec_version
                wait_id = f"{run_id}-{event.correlation_id}"
                if (
                    is_legacy_spec_version(None if version is MISSING else version)
                    and wait_id not in self.state.waits
                ):
                    raise errors.WorkflowWorldError(f'Wait "{wait_id}" not found', status=404)
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


_EPOCH_SECONDS_32 = 2**32


def _wrapped_at_2038(event: Event) -> dict[str, Any]:
    """Dates in eventData stored as 32-bit epoch seconds (milliseconds kept): later ones wrap."""
    data = getattr(event, "event_data", MISSING)
    if data is MISSING:
        return {}
    update = {}
    for field in ("resume_at", "retry_after"):
        when = getattr(data, field, MISSING)
        if when is not MISSING and when.timestamp() >= 2**31:
            update[field] = when - timedelta(seconds=_EPOCH_SECONDS_32)
    return {"event_data": data.model_copy(update=update)} if update else {}


class EventDatesWrapIn2038(BrokenWorld):
    """Stores eventData dates as signed 32-bit epoch seconds: dates after January 2038 wrap."""

    breaks = frozenset({"BIN-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        _rewrite_appended(self, _wrapped_at_2038)


class _EnvelopeKeepingBackdoor(MemoryBackdoor):
    """Reads JSON-text payloads without reviving ``{"__type": "Uint8Array", ...}`` envelopes."""

    def __init__(self, world: MemoryWorld) -> None:
        super().__init__(world)
        self._state = world.state

    async def seed_encoded_input(self, encoding: str, encoded: bytes) -> str:
        run_id = await super().seed_encoded_input(encoding, encoded)
        if encoding == "json-text-v1":
            sequence, run = self._state.runs[run_id]
            self._state.runs[run_id] = (sequence, run.model_copy(update={"input": json.loads(encoded)}))
        return run_id


class JsonTextBytesLeftAsEnvelopes(BrokenWorld):
    """Claims ``legacy_codec`` but returns world-local's Uint8Array envelopes as plain objects."""

    breaks = frozenset({"LEG-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.worldspec_backdoor = _EnvelopeKeepingBackdoor(self)
