"""Worlds that take a freedom the contract grants, which some published World takes too.

The kit must pass each of them: where it fails one, the kit judges a legal World wrong.
tests/test_legal_worlds.py runs the whole kit against each. Each class names, in ``freedom``,
the contract sentence it leans on and the published World that does the same.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import dataclasses
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from decimal import Decimal
from typing import Any, ClassVar, Literal

from reference_worlds.inprocess_queue import AnyQueueHandler
from reference_worlds.memory import MemoryWorld
from reference_worlds.paging import encode_cursor, page
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.errors import (
    EntityConflictError,
    HookNotFoundError,
    RunExpiredError,
    RunNotSupportedError,
    ThrottleError,
    WorkflowRunNotFoundError,
    WorkflowWorldError,
)
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.line5.event_data import NoopData
from worldspec.line5.events import NoopEvent
from worldspec.line5.slots import slot_to_event_id
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.queue import MessageMeta
from worldspec.resolve_data import strip_entity
from worldspec.streams import StreamChunksResponse
from worldspec.wire_types import MISSING


class LegalWorld(MemoryWorld):
    """A MemoryWorld that differs from the oracle only where the contract allows it."""

    freedom: ClassVar[str] = ""
    judged_by: ClassVar[str | None] = None
    """A ``-k`` expression of the invariants the World is judged by, where the whole kit would
    take too long on it; ``None``: the whole kit."""

    def __init__(self, **options: Any) -> None:
        """Open the memory World and, where a subclass overrides ``on_create``, answer
        ``events.create`` through it."""
        super().__init__(**options)
        self.memory_create = self.events.create
        if type(self).on_create is not LegalWorld.on_create:
            self.events.create = self.on_create  # type: ignore[method-assign]

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        """``events.create`` as the memory World answers it; a subclass changes what it may."""
        return await self.memory_create(run_id, event, params)


class CreateResultWithoutSpecVersion(LegalWorld):
    """Returns the event of ``events.create`` without ``specVersion``; ``events.get`` and
    ``events.list`` still show it."""

    freedom = (
        "§2.1: specVersion MAY be absent on returned objects. @workflow/world-postgres 4.3.7 "
        "builds the create result from the request and the inserted row's createdAt only."
    )

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.event is MISSING:
            return result
        unversioned = result.event.model_copy(update={"spec_version": MISSING})
        return result.model_copy(update={"event": unversioned})


class ReceiveOnEndedRunExpires(LegalWorld):
    """A 5.x World (spec 7) that refuses ``hook_received`` on a run that has ended with
    ``RunExpiredError`` where MemoryWorld says ``HookNotFoundError``."""

    freedom = (
        "v7 §4.4 and §4.6: hook_received on a terminal run ⇒ HookNotFoundError or RunExpiredError "
        "(HOOK-103). The runtime reads both as 'gone'; no published 5.x World is known to choose "
        "RunExpiredError yet, so this World holds the model (LIN-001) and the races to the choice."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except HookNotFoundError:
            stored = self.state.runs.get(str(run_id))
            ended = stored is not None and stored[1].status in TERMINAL_RUN_STATUSES
            if event.event_type == "hook_received" and ended:
                raise RunExpiredError("the run has ended") from None
            raise


class _RequiredOnly:
    """A namespace that shows only the members ``names`` of ``inner``."""

    def __init__(self, inner: object, *names: str) -> None:
        for name in names:
            setattr(self, name, getattr(inner, name))


class WithoutOptionalMembers(LegalWorld):
    """A 5.x World (spec 7) with none of the line's optional members: no ``capabilities``, no
    ``runs.getMany``, ``waitForTerminalStatus``, ``experimentalSetAttributes`` or
    ``cancelMany``, no ``events.createBatch``, no ``createRunId``, and ``max_events`` not
    declared."""

    freedom = (
        "v7 §12: every optional member is a MAY, declared by being present, and the kit tests "
        "each only when the World has it. @workflow/world-local 5.0.0-beta.46 has no "
        "runs.cancelMany, events.createBatch or createRunId."
    )

    create_run_id = None  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        del self.capabilities
        self.runs = _RequiredOnly(self.runs, "get", "list")  # type: ignore[assignment]
        self.events = _RequiredOnly(  # type: ignore[assignment]
            self.events, "create", "get", "list", "list_by_correlation_id"
        )
        declared = self.worldspec_capabilities
        assert isinstance(declared, line5_capabilities.Capabilities)
        self.worldspec_capabilities = dataclasses.replace(declared, max_events=False)


class DefaultsToTheOtherVersion(LegalWorld):
    """A 5.x World declaring spec 7 that stamps every request sent without ``specVersion`` 6."""

    freedom = (
        "v7 §2.4: the default D of a request without specVersion MUST be 6 or 7 and only SHOULD "
        "equal world.specVersion, so a World declaring 7 may create runs and events at 6 "
        "(RUN-101, RS-101, EVT-103 allow either)."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        if event.spec_version is MISSING or event.spec_version is None:
            event = event.model_copy(update={"spec_version": 6})
        return await super().on_create(run_id, event, params)


class SixNamesTheHighestVersionItReads(LegalWorld):
    """A 5.x World declaring spec 6 whose ``RunNotSupportedError`` names 7 as its version."""

    freedom = (
        "v7 §2.4: a World declaring 6 reads runs up to 7, and RunNotSupportedError carries a "
        "worldSpecVersion the contract does not pin; world-local with WORKFLOW_SEALED_LOG=0 "
        "declares 6 and reports SPEC_VERSION_CURRENT, 7 (LEG-002)."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 6, **options})

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except RunNotSupportedError as error:
            raise RunNotSupportedError(error.run_spec_version, 7) from None


def _as_javascript_reads_it(value: Any) -> Any:
    """``value`` as a store with JavaScript's one number type and object key order gives it
    back: every number a double, and an object's integer-like keys first, ascending. An integral
    double past 2**53 comes back as the integer JSON.stringify's digits spell (``1.2345678901234567e19``
    as ``12345678901234567000``), as Python's json reads what a JavaScript store wrote."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        double = float(value)
        if double.is_integer() and 2**53 <= abs(double) < 1e21:
            return int(Decimal(repr(double)))
        return double
    if isinstance(value, list):
        return [_as_javascript_reads_it(item) for item in value]
    if isinstance(value, dict):
        indices = sorted((key for key in value if key.isdigit() and key == str(int(key))), key=int)
        order = [*indices, *(key for key in value if key not in indices)]
        return {key: _as_javascript_reads_it(value[key]) for key in order}
    return value


class PayloadNumbersAsDoubles(LegalWorld):
    """Stores the values of eventData (payloads, ``error``, ``executionContext``) where numbers
    have one type, a double, and objects keep JavaScript's key order: ``2`` reads back as
    ``2.0``, ``1.2345678901234567e19`` as the integer ``12345678901234567000`` (JavaScript's
    digits for it), and ``{"b": 1, "2": 0}`` as ``{"2": 0.0, "b": 1.0}``."""

    freedom = (
        "§2.3 and §6.3: payloads are JavaScript values and read back deep-equal; JavaScript has "
        "one number type and its deep equality ignores key order. @workflow/world-local keeps "
        "payloads as JSON files, which JSON.parse gives back with integer-like keys first."
    )

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        if data is not MISSING and data is not None:
            stored = {
                name: _as_javascript_reads_it(getattr(data, name))
                for name in (
                    "input",
                    "output",
                    "result",
                    "metadata",
                    "payload",
                    "error",
                    "execution_context",
                )
                if getattr(data, name, MISSING) is not MISSING
            }
            event = event.model_copy(update={"event_data": data.model_copy(update=stored)})
        return await super().on_create(run_id, event, params)


_CURSOR_PREFIX = "c1."


def _own_cursor(inner: str) -> str:
    """A cursor of this World's shape: a prefix, a nonce that differs on every call and the
    position in base32, as a document store's continuation token looks."""
    body = base64.b32encode(inner.encode()).decode().rstrip("=")
    return f"{_CURSOR_PREFIX}{secrets.token_hex(4)}.{body}"


def _position(cursor: str) -> str:
    """The position an ``_own_cursor`` names; ``WorkflowWorldError`` 400 for any other string."""
    prefix, _, rest = cursor.partition(_CURSOR_PREFIX)
    body = rest.rpartition(".")[2]
    try:
        assert prefix == "" and rest.count(".") == 1
        return base64.b32decode(body + "=" * (-len(body) % 8)).decode()
    except (AssertionError, ValueError):
        raise WorkflowWorldError(f"not a cursor of this World: {cursor[:40]!r}", status=400) from None


Listing = Callable[..., Awaitable[PaginatedResponse[Any]]]


def _small_pages(listing: Listing, last_key: Callable[[Any], str] | None = None) -> Listing:
    """``listing`` with a default page of one item and cursors of this World's shape; with
    ``last_key``, the last page of a non-empty listing carries a cursor too."""

    async def call(*args: Any, pagination: PaginationOptions | None = None, **kwargs: Any) -> Any:
        options = pagination or PaginationOptions()
        changes: dict[str, Any] = {}
        if options.limit is MISSING:
            changes["limit"] = 1
        if options.cursor is not MISSING:
            changes["cursor"] = _position(options.cursor)
        page = await listing(*args, pagination=options.model_copy(update=changes), **kwargs)
        cursor = page.cursor
        if cursor is None and last_key is not None and page.data:
            cursor = encode_cursor(last_key(page.data[-1]))
        return page.model_copy(update={"cursor": None if cursor is None else _own_cursor(cursor)})

    return call


def _event_id(event: Event) -> str:
    return event.event_id


class SmallPagesOwnCursors(LegalWorld):
    """Lists one item per page when no ``limit`` is given; every cursor is of its own shape
    and differs on every call, even for the same position; the last page of events carries a
    cursor too. A closed stream's chunk pages all say ``done: true``, and
    ``listStreamsByRunId`` lists names newest first."""

    freedom = (
        "§9: the default page size is World-defined (any value in 1-1000), cursors are opaque "
        "with a World-defined format, and with hasMore: false the cursor MAY be non-null; §10: "
        "chunk pages before the last MAY say done: false (so they may say true), and the order "
        "of listStreamsByRunId is not stated. world-postgres pages 20 by default; Cosmos DB and "
        "DynamoDB continuation tokens differ from call to call."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        events, runs, steps, hooks = self.events, self.runs, self.steps, self.hooks
        events.list = _small_pages(events.list, _event_id)  # type: ignore[method-assign]
        events.list_by_correlation_id = _small_pages(events.list_by_correlation_id, _event_id)  # type: ignore[method-assign]
        runs.list = _small_pages(runs.list)  # type: ignore[method-assign]
        steps.list = _small_pages(steps.list)  # type: ignore[method-assign]
        hooks.list = _small_pages(hooks.list)  # type: ignore[method-assign]

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        preloaded = super().preload(run_id, resolve_data)
        if preloaded["cursor"] is not None:
            preloaded["cursor"] = _own_cursor(preloaded["cursor"])
        return preloaded

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        page = await super().get_stream_chunks(
            name, run_id, limit=limit, cursor=_position(cursor) if cursor else None
        )
        done = page.done or (page.has_more and (await self.get_stream_info(name, run_id)).done)
        shown = None if page.cursor is None else _own_cursor(page.cursor)
        return page.model_copy(update={"cursor": shown, "done": done})

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        return list(reversed(await super().list_streams_by_run_id(run_id)))


POLL_SECONDS = 1.25
"""How long ``PollsItsTables`` sleeps between two looks for new messages or chunks: longer than
the second the kit used to wait for either."""


class PollsItsTables(LegalWorld):
    """Its queue consumer and its stream readers poll storage, sleeping ``POLL_SECONDS`` between
    polls, instead of being woken by a notification. Every message is queued just after a poll,
    so it is handled a whole interval later; a reader that finds nothing new sees a chunk, or
    the end of the stream, at its next poll."""

    freedom = (
        "§11: delivery is at least once, with no bound on when; §10: reads are live, with no bound "
        "on how soon a chunk shows. graphile-worker, which world-postgres queues on, polls every "
        "2 s by default (world-postgres sets 0.5 s), and a SQL World without LISTEN/NOTIFY polls."
    )
    judged_by = "Q-002 or STRM-004"

    async def create_queue_handler(self, prefix: str, handler: AnyQueueHandler) -> None:
        async def at_the_next_poll(message: Any, meta: MessageMeta) -> object:
            await asyncio.sleep(POLL_SECONDS)
            return await handler(message, meta)

        await super().create_queue_handler(prefix, at_the_next_poll)

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:  # type: ignore[override]
        if start_index < 0:
            start_index = max(0, (await self.get_stream_info(name, "")).tail_index + 1 + start_index)
        index = start_index
        while True:
            cursor = encode_cursor(index - 1) if index > 0 else None
            page = await self.get_stream_chunks(name, "", limit=1000, cursor=cursor)
            for chunk in page.data:
                index = chunk.index + 1
                if chunk.data:
                    yield chunk.data
            if page.has_more:
                continue
            if page.done:
                return
            await asyncio.sleep(POLL_SECONDS)


class OwnErrorForAStartOfAMissingRun(LegalWorld):
    """Refuses an ordinary ``run_started`` (no creation data) on a run it does not hold with a
    ``WorkflowWorldError`` of status 404, the error its other lookups raise, rather than
    ``WorkflowRunNotFoundError``."""

    freedom = (
        "§4.1 step 5: events other than the terminal run events on a missing run SHOULD be "
        "refused with WorkflowRunNotFoundError, or their own not-found error; RS-001 accepts "
        "either, and so must the races that start a missing run (LIN-007)."
    )
    judged_by = "RS-001 or LIN-007"

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except WorkflowRunNotFoundError as error:
            if event.event_type != "run_started":
                raise
            raise WorkflowWorldError(error.message, status=404) from None


class SealedLogFillsRefusedPositions(LegalWorld):
    """A 5.x World with a sealed log: it hands a create its position before checking it, and
    when the create is refused once its run is loaded (a conflict, an ended run), it fills that
    position with a ``noop`` (``{sealed: true}``), in runs stored at spec 7."""

    freedom = (
        "v7 §2.6 item 3 and §2.7: a World MAY hand out positions before the write commits, and a "
        "sealed log fills the position of a rejected create with noop instead of leaving no "
        "hole, in runs stored at version 7 or later (SLOT-003)."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        self.worldspec_capabilities = dataclasses.replace(self.worldspec_capabilities, sealed_log=True)

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except (EntityConflictError, RunExpiredError):
            found = self.state.runs.get(str(run_id))
            version = found[1].spec_version if found is not None else None
            if isinstance(version, int) and version >= 7:
                log = self.state.events[str(run_id)]
                filler = NoopEvent(
                    run_id=str(run_id),
                    event_id=slot_to_event_id(len(log) + 1),
                    created_at=self.clock(),
                    spec_version=7,
                    event_data=NoopData(sealed=True),
                )
                log.append(filler)
            raise


DUPLICATE_AFTER_SECONDS = 0.05
"""How long after a handler finished a message ``DeliversAgainAfterSuccess`` delivers it again."""


class DeliversAgainAfterSuccess(LegalWorld):
    """Delivers every message once more after its handler finished it (returned nothing), with
    the same messageId and ``attempt + 1``, as a broker does when the acknowledgement of a
    handled message is lost and its visibility timeout runs out."""

    freedom = (
        "§11: delivery is at least once, so a handled message may come again, and attempt rises by "
        "one per redelivery. SQS redelivers a message whose delete was lost, counting the receive."
    )
    judged_by = "Q- or BIN-003"

    async def create_queue_handler(self, prefix: str, handler: AnyQueueHandler) -> None:
        duplicates: set[asyncio.Task[object]] = set()

        async def again(message: Any, meta: MessageMeta) -> object:
            await asyncio.sleep(DUPLICATE_AFTER_SECONDS)
            return await handler(message, meta.model_copy(update={"attempt": meta.attempt + 1}))

        async def then_again(message: Any, meta: MessageMeta) -> object:
            outcome = await handler(message, meta)
            if outcome is None:
                duplicate = asyncio.get_running_loop().create_task(again(message, meta))
                duplicates.add(duplicate)
                duplicate.add_done_callback(duplicates.discard)
            return outcome

        await super().create_queue_handler(prefix, then_again)


def _by_creation_time(entry: tuple[int, Any]) -> list[int]:
    """A memory World entry's order key in ``TiesInTheOtherOrder``: its createdAt in whole
    milliseconds, then against the order of insertion (a JSON list, so it makes a cursor)."""
    inserted, entity = entry
    return [int(entity.created_at.timestamp() * 1000), -inserted]


class TiesInTheOtherOrder(LegalWorld):
    """Orders runs, steps and hooks by their createdAt alone, at millisecond precision: of the
    entities created within one millisecond, the one created last is listed first where the
    oracle lists it last, and the other way round."""

    freedom = (
        "§2 and §9: timestamps have millisecond precision and runs and steps are listed newest "
        "first, hooks oldest first; entities created in one millisecond are equally new. A store "
        "sorting by a createdAt column returns such ties in whatever order it finds them."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        state = self.line4_state

        async def runs_list(
            *,
            workflow_name: str | None = None,
            status: str | None = None,
            pagination: PaginationOptions | None = None,
            resolve_data: ResolveData = "all",
        ) -> PaginatedResponse[Any]:
            chosen = [
                entry
                for entry in state.runs.values()
                if workflow_name in (None, entry[1].workflow_name) and status in (None, entry[1].status)
            ]
            return _listed(chosen, pagination, "desc", resolve_data)

        async def steps_list(
            run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
        ) -> PaginatedResponse[Any]:
            chosen = [entry for entry in state.steps.values() if entry[1].run_id == run_id]
            return _listed(chosen, pagination, "desc", resolve_data)

        async def hooks_list(
            *,
            run_id: str | None = None,
            pagination: PaginationOptions | None = None,
            resolve_data: ResolveData = "all",
        ) -> PaginatedResponse[Any]:
            chosen = [entry for entry in state.hooks.values() if run_id in (None, entry[1].run_id)]
            return _listed(chosen, pagination, "asc", resolve_data)

        self.runs.list = runs_list  # type: ignore[method-assign]
        self.steps.list = steps_list  # type: ignore[method-assign]
        self.hooks.list = hooks_list  # type: ignore[method-assign]


def _listed(
    entries: list[tuple[int, Any]],
    pagination: PaginationOptions | None,
    default_order: Literal["asc", "desc"],
    resolve_data: ResolveData,
) -> PaginatedResponse[Any]:
    """One page of ``entries`` in ``_by_creation_time`` order, entities as ``resolve_data`` shows them."""
    found = page(sorted(entries, key=_by_creation_time), _by_creation_time, pagination, default_order)
    return found.model_copy(update={"data": [strip_entity(entity, resolve_data) for _, entity in found.data]})


RATE_WINDOW_SECONDS = 0.1
"""The window ``LimitsItsRate`` counts creates in."""
CREATES_PER_WINDOW = 40
"""How many creates ``LimitsItsRate`` takes in any window before it refuses."""


class LimitsItsRate(LegalWorld):
    """Takes at most ``CREATES_PER_WINDOW`` creates in any ``RATE_WINDOW_SECONDS``, and refuses
    the others with ``ThrottleError`` (retryAfter: one window), without making them."""

    freedom = (
        "§3: ThrottleError MAY be raised for rate limiting, with retryAfter in seconds; the runtime "
        "makes the call again later. A hosted World (world-vercel's API) answers 429 past its rate."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.taken_at: collections.deque[float] = collections.deque()

    async def on_create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        now = time.monotonic()
        while self.taken_at and now - self.taken_at[0] > RATE_WINDOW_SECONDS:
            self.taken_at.popleft()
        if len(self.taken_at) >= CREATES_PER_WINDOW:
            raise ThrottleError("too many requests", retry_after=RATE_WINDOW_SECONDS)
        self.taken_at.append(now)
        return await super().on_create(run_id, event, params)
