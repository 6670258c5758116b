"""Broken Worlds with real races: each is correct when calls come one at a time and wrong only
when they overlap, the way storage Worlds go wrong. Whatever their invariants' prefix, the race
suite (conformance/suites/test_races.py) must catch every one of them in every ci-profile run
(tests/test_race_detection.py runs each 20 times).

The ``LineFive…`` Worlds are of the 5.x line (the memory World at spec version 7), judged by
that line's transition tables. They take their slots at commit, so their logs stay dense and
what the tables catch is the stale decision itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
from collections import Counter
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from datetime import datetime
from functools import partial
from typing import Any

from reference_worlds.paging import decode_cursor, encode_cursor, limit_of, order_of
from reference_worlds.rules_line5 import Outcome
from tests.broken_worlds.base import BrokenWorld, LineFiveBrokenWorld, Params
from tests.shared_file_world import SharedFileWorld
from worldspec.entities import ActiveRun, Step, WorkflowRun
from worldspec.events import EventRequest, EventResult
from worldspec.line5.events import CREATABLE_EVENT_TYPES, is_lazy_step_start
from worldspec.line5.slots import slot_to_event_id
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.resolve_data import strip_event
from worldspec.wire_types import MISSING


class CheckThenActWithoutLock(
    BrokenWorld,
    breaks={"RS-005", "HOOK-003", "HOOK-010", "LIN-002", "LIN-003", "LIN-005"}
    | {"LIN-007", "LIN-008", "LIN-009", "LIN-010"},
):
    """Every create decides against the state, then writes, with no lock around the two: the
    reference World with its lock taken out."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.lock = contextlib.nullcontext()  # type: ignore[assignment]


class RunWrittenApartFromItsRunCreated(BrokenWorld, breaks={"RS-005"}, may_break={"LIN-007"}):
    """Resilient start stores the run in one critical section and writes its ``run_created``
    and ``run_started`` in a second one, with an await between: a racing start finds a run
    whose log is still empty and starts it. LIN-007 races two resilient starts once per run,
    and meets the bug only when the rendezvous releases them in the right order (about nine
    runs in ten); RS-005's twenty rounds meet it every time."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        if event.event_type != "run_started" or data is MISSING or not run_id:
            return await super().on_create(run_id, event, params)
        async with self.lock:
            created = run_id not in self.state.runs
            if created:
                now = self.clock()
                placeholder = ActiveRun(
                    run_id=run_id,
                    status="pending",
                    deployment_id=data.deployment_id,
                    workflow_name=data.workflow_name,
                    created_at=now,
                    updated_at=now,
                )
                self.state.put_run(placeholder)
        if created:
            await self.pause("run-written")
            self.state.runs.pop(run_id, None)
        return await super().on_create(run_id, event, params)


class _TokensCheckedOnce(dict[str, Any]):
    """The token index of a World whose creates do not look a token up again once they have
    checked it: while a create that checked ``token`` is in flight, ``get(token)`` finds nothing."""

    def __init__(self) -> None:
        super().__init__()
        self.checked: Counter[str] = Counter()

    def get(self, token: str, default: Any = None) -> Any:
        return default if self.checked[token] else super().get(token, default)


class TokenCheckedOutsideTheLock(BrokenWorld, breaks={"HOOK-003", "LIN-009"}):
    """``hook_created`` checks whether its token is held before taking the lock; inside the
    lock it creates the hook without looking again, so two racing creates both see the token
    free and both get it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.token_index = self.state.tokens = _TokensCheckedOnce()

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "hook_created" or event.event_data.token in self.token_index:
            return await super().on_create(run_id, event, params)
        token = event.event_data.token
        self.token_index.checked[token] += 1
        try:
            await self.pause("token-checked")
            return await super().on_create(run_id, event, params)
        finally:
            self.token_index.checked[token] -= 1


def _millis(event: Any) -> int:
    return round(event.created_at.timestamp() * 1000)


class TimestampCursor(
    BrokenWorld, breaks={"LIN-001", "LIN-004"}, may_break={"EVT-009", "LIST-001", "LIST-007", "RS-006"}
):
    """``events.list`` cursors carry the ``createdAt`` of the page's last event (in ms), and
    the next page starts after that time: events sharing the millisecond of a page boundary
    are skipped. The model and the paging race run it on the kit's clock, which stands still
    between ticks, so they always meet such a boundary; RS-006 pages a burst of 150 events on
    the system clock and meets one only when two land in the same millisecond."""

    async def on_list_events(
        self, run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
    ) -> PaginatedResponse[Any]:
        order = order_of(pagination, "asc")
        log = list(self.state.events.get(run_id, []))
        ordered = log if order == "asc" else list(reversed(log))
        if pagination is not None and pagination.cursor is not MISSING:
            after = decode_cursor(pagination.cursor)
            ordered = [e for e in ordered if (_millis(e) > after if order == "asc" else _millis(e) < after)]
        limit = limit_of(pagination)
        chosen, has_more = ordered[:limit], len(ordered) > limit
        return PaginatedResponse[Any](
            data=[strip_event(event, resolve_data) for event in chosen],
            cursor=encode_cursor(_millis(chosen[-1])) if has_more else None,
            has_more=has_more,
        )


class LocklessFileWorld(SharedFileWorld, BrokenWorld, breaks={"LIN-006"}):
    """A ``SharedFileWorld`` that never takes the file lock: creates in one process are still
    serialised by its asyncio lock, but two processes read the same state and the last writer
    wins."""

    def take_file_lock(self, handle: Any, mode: int) -> None:
        if mode != fcntl.LOCK_EX:
            super().take_file_lock(handle, mode)


_CREATING: ContextVar[str | None] = ContextVar("broken_world_creating", default=None)
"""The eventType of the ``events.create`` the current task is making, if any."""


class StepAndWaitWritesUnderTheProcessLockOnly(
    SharedFileWorld, BrokenWorld, breaks={"LIN-006"}, only="linearizability"
):
    """A ``SharedFileWorld`` whose step and wait creates take only the process's asyncio lock,
    not the file lock: right within one process, but two processes that create one step or
    wait both create it, and two that start one step count one attempt. Judged on its family
    only: within one process it is ``SharedFileWorld``, which ``LocklessFileWorld``'s whole-kit
    run already shows passes the rest."""

    unlocked = frozenset({"step_created", "step_started", "wait_created", "wait_completed"})

    def take_file_lock(self, handle: Any, mode: int) -> None:
        if mode != fcntl.LOCK_EX or _CREATING.get() not in self.unlocked:
            super().take_file_lock(handle, mode)

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        token = _CREATING.set(event.event_type)
        try:
            return await super().on_create(run_id, event, params)
        finally:
            _CREATING.reset(token)


class _LockSkippedFor:
    """The World's lock, except around creates of the event types in ``kinds``, which decide
    and write without it: a backend whose other writes are serialised but whose writes of
    these kinds read the row, decide, and update it with no lock and no condition in the
    ``WHERE`` clause."""

    def __init__(self, lock: asyncio.Lock, kinds: frozenset[str]) -> None:
        self._lock = lock
        self._kinds = kinds
        self._held: ContextVar[bool] = ContextVar("broken_world_lock_held", default=False)

    async def __aenter__(self) -> None:
        if _CREATING.get() not in self._kinds:
            await self._lock.acquire()
            self._held.set(True)

    async def __aexit__(self, *exc: object) -> None:
        if self._held.get():
            self._held.set(False)
            self._lock.release()


class _UnlockedWrites:
    """Mixed into a broken World: its creates of ``unlocked`` kinds (``kind_of``) skip the lock."""

    unlocked: frozenset[str] = frozenset()
    lock: Any

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.lock = _LockSkippedFor(self.lock, self.unlocked)

    def kind_of(self, event: EventRequest) -> str:
        """The kind of create ``unlocked`` names: its eventType."""
        return event.event_type

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        token = _CREATING.set(self.kind_of(event))
        try:
            return await super().on_create(run_id, event, params)  # type: ignore[misc]
        finally:
            _CREATING.reset(token)


class RunTransitionsWithoutLock(
    _UnlockedWrites,
    BrokenWorld,
    breaks={"LIN-007", "RS-005", "LIN-005"},
    may_break={"LIN-008", "LIN-009", "LIN-010"},
):
    """``run_started`` and the run's endings update the run with no lock: two endings raced on
    one running run both see it running and both end it. An ending raced against a create of a
    step, hook or wait is caught when the create is written second, in about half the rounds."""

    unlocked = frozenset({"run_started", "run_completed", "run_failed", "run_cancelled"})


class StepTransitionsWithoutLock(
    _UnlockedWrites, BrokenWorld, breaks={"LIN-008", "LIN-003"}, may_break={"LIN-005"}
):
    """Step events read the step and write it back with no lock: ``step_created`` twice with
    one id inserts two steps, two ``step_started`` both count an attempt. LIN-005 races two
    step endings only in the rounds that draw a ``step_failed``."""

    unlocked = frozenset({"step_created", "step_started", "step_retrying", "step_completed", "step_failed"})


class HookEventsWithoutLock(_UnlockedWrites, BrokenWorld, breaks={"LIN-009", "HOOK-003", "HOOK-010"}):
    """Hook events check the hook and its token, then write, with no lock."""

    unlocked = frozenset({"hook_created", "hook_received", "hook_disposed"})


class WaitEventsWithoutLock(_UnlockedWrites, BrokenWorld, breaks={"LIN-010"}):
    """``wait_created`` checks the wait does not exist, then inserts it, with no lock; two
    ``wait_completed`` both find it waiting and both complete it."""

    unlocked = frozenset({"wait_created", "wait_completed"})


class _RunDocument(BrokenWorld):
    """A World that keeps each run's entities of one kind (``table``, a dict of the memory
    state keyed by ``(runId, id)``) in one document per run: a create of ``kinds`` reads the
    document, is decided and logged under the lock, then writes the whole document back from
    its copy with only its own entity changed. Right one call at a time; two creates on
    different entities of one run, overlapping, lose the first one's write."""

    table = ""
    kinds: frozenset[str] = frozenset()

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type not in self.kinds or not run_id:
            return await super().on_create(run_id, event, params)
        stored: dict[tuple[str, str], Any] = getattr(self.state, self.table)
        document = {key: value for key, value in stored.items() if key[0] == run_id}
        await self.pause("document-read")
        result = await super().on_create(run_id, event, params)
        key = (run_id, event.correlation_id)
        mine = stored.get(key)
        for other in [other for other in stored if other[0] == run_id]:
            del stored[other]
        stored.update(document)
        if mine is not None:
            stored[key] = mine
        else:
            stored.pop(key, None)
        self.written_back(run_id)
        return result

    def written_back(self, run_id: str) -> None:
        """Bring what depends on the document into line with it once it is written back."""


class StepsKeptInOneDocument(_RunDocument, breaks={"LIN-008"}):
    """A run's steps are one document each step event rewrites whole from the copy it read:
    ``step_created`` of one step overlapping any write to another step of the run undoes it."""

    table = "steps"
    kinds = frozenset({"step_created", "step_started", "step_retrying", "step_completed", "step_failed"})


class HooksKeptInOneDocument(_RunDocument, breaks={"LIN-009"}):
    """A run's live hooks are one document each hook event rewrites whole from the copy it
    read: ``hook_created`` of one hook overlapping a write to another hook of the run undoes it
    (and the token index follows the document)."""

    table = "hooks"
    kinds = frozenset({"hook_created", "hook_received", "hook_disposed"})

    def written_back(self, run_id: str) -> None:
        for token, holder in list(self.state.tokens.items()):
            if holder[0] == run_id and holder not in self.state.hooks:
                del self.state.tokens[token]


_NEXT_EVENT_ID: ContextVar[str | None] = ContextVar("broken_world_next_event_id", default=None)
"""The eventId the create in flight in this task was given before it took the lock."""


class EventIdFollowsTheLastOne(
    BrokenWorld,
    breaks={"HOOK-010", "LIN-005", "LIN-007", "LIN-008", "LIN-009", "LIN-010"},
):
    """Each event's id is the run's last eventId plus one, read before the lock: two creates on
    one run that overlap append two events with one eventId (§8: ids are never reused). Only
    races whose two calls both succeed show it, and only when the call that succeeds either way
    is released second; the transition tables try both orders at ``ci``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        mint = self.mint

        def minting(now: datetime | None = None) -> str:
            chosen = _NEXT_EVENT_ID.get()
            if chosen is not None:
                _NEXT_EVENT_ID.set(None)
                return chosen
            return mint(now) if now is not None else mint()

        self.mint = minting  # type: ignore[assignment]

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        log = self.state.events.get(str(run_id))
        if not log:
            return await super().on_create(run_id, event, params)
        last = _ulid_number(log[-1].event_id.removeprefix("evnt_"))
        await self.pause("last-event-id-read")
        token = _NEXT_EVENT_ID.set(_ulid_text(last + 1))
        try:
            return await super().on_create(run_id, event, params)
        finally:
            _NEXT_EVENT_ID.reset(token)


_CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid_number(text: str) -> int:
    number = 0
    for char in text.upper():
        number = number * 32 + _CROCKFORD.index(char)
    return number


def _ulid_text(number: int) -> str:
    return "".join(_CROCKFORD[(number >> shift) & 31] for shift in range(125, -1, -5))


LAZY_START = "step_started (lazy)"


class _DecidedUnlockedSlottedAtCommit(_UnlockedWrites):
    """Mixed into a 5.x broken World: its creates of ``unlocked`` kinds (a lazy ``step_started``
    is a kind of its own, ``step_started (lazy)``) decide from a read made without the lock, then
    take the lock only to commit, at the next free slots (v7 §2.6: a position belongs to the
    write that occupies it; a run stored with ULID ids keeps them): the log stays dense, and
    only the stale decision is wrong. The way a SQL backend goes wrong that inserts each event
    at the next position under a row lock on the run, but checks the entity's state in an
    earlier read."""

    memory_events: Any

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        storage = self.memory_events._storage
        commit, lock = storage.commit, self.lock._lock

        async def commit_at_the_next_slots(outcome: Outcome, now: datetime) -> None:
            if _CREATING.get() not in self.unlocked:
                await commit(outcome, now)
                return
            async with lock:
                if storage.state.uses_slots(outcome.run_id):
                    _renumber(outcome, len(storage.state.events.get(outcome.run_id, [])))
                await commit(outcome, now)

        storage.commit = commit_at_the_next_slots

    def kind_of(self, event: EventRequest) -> str:
        """A lazy start is ``step_started (lazy)``; any other create its eventType."""
        return LAZY_START if is_lazy_step_start(event) else event.event_type  # type: ignore[arg-type]


def _renumber(outcome: Outcome, taken: int) -> None:
    """Give ``outcome``'s events the slots after the ``taken`` ones, in the log and the result."""
    moved = {}
    for index, event in enumerate(outcome.events):
        moved[event.event_id] = event.model_copy(update={"event_id": slot_to_event_id(taken + index + 1)})
    outcome.events = [moved[event.event_id] for event in outcome.events]
    shown = outcome.result.get("event")
    if shown is not None and shown.event_id in moved:
        outcome.result["event"] = moved[shown.event_id]


class LineFiveCheckThenActWithoutLock(
    _DecidedUnlockedSlottedAtCommit,
    LineFiveBrokenWorld,
    breaks={"RS-005", "HOOK-003", "HOOK-010", "LIN-002", "LIN-003", "LIN-005"}
    | {"LIN-007", "LIN-008", "LIN-009", "LIN-010"},
):
    """Every 5.x create decides from a read made without the lock and commits under it at the
    next free slot: ``CheckThenActWithoutLock`` of the 5.x line, with dense logs (a stored run
    with ULID ids keeps them, so LEG-105 holds)."""

    unlocked = frozenset(CREATABLE_EVENT_TYPES) | {LAZY_START}


class LineFiveStartDecidedBeforeThePreload(
    _DecidedUnlockedSlottedAtCommit, LineFiveBrokenWorld, breaks={"LIN-007", "RS-005"}
):
    """A 5.x ``run_started`` reads the run, then reads the log for the preload it returns, then
    commits ``running`` without looking at the status again: a start raced against an ending
    on a pending run writes ``running`` over the ended run (v7 §8: the start is ordered first
    or refused), and two resilient starts both create the run."""

    unlocked = frozenset({"run_started"})


class LineFiveLazyStartChecksTheStepUnlocked(
    _DecidedUnlockedSlottedAtCommit, LineFiveBrokenWorld, breaks={"LIN-008"}
):
    """A lazy ``step_started`` looks the step up, finds it missing, and commits the step with its
    ``step_created`` and ``step_started`` without looking again: two lazy starts of one stepId,
    or a lazy start and a ``step_created``, both create the step (v7 §8: one creates it, the
    other gets ``EntityConflictError``). Bare starts decide under the lock."""

    unlocked = frozenset({LAZY_START})


class LineFiveReceiveChecksTheRunUnlocked(
    _DecidedUnlockedSlottedAtCommit, LineFiveBrokenWorld, breaks={"LIN-009", "HOOK-010"}
):
    """A 5.x ``hook_received`` checks that the hook is live on a live run, then commits the
    receive without looking again: raced against an ending, the receive lands after
    ``run_completed`` or ``run_cancelled`` (v7 §8: ordered first or refused), and raced against
    ``hook_disposed`` after the disposal."""

    unlocked = frozenset({"hook_received"})


class LineFiveWaitCompletionChecksUnlocked(
    _DecidedUnlockedSlottedAtCommit, LineFiveBrokenWorld, breaks={"LIN-010"}
):
    """A 5.x ``wait_completed`` finds the wait waiting, then commits the completion without
    looking again: two completions both succeed, and a completion raced against an ending lands
    after it."""

    unlocked = frozenset({"wait_completed"})


class ReadCacheFilledAfterTheRead(
    BrokenWorld, breaks={"LIN-008"}, may_break={"LIN-007", "LIN-009", "LIN-010"}
):
    """A read-through cache in front of ``runs.get`` and ``steps.get`` (a Redis beside the
    database): a miss reads the database, then fills the cache in a second round trip; a
    create writes the database, then deletes the cached entries. One at a time every read is
    right, but a read that missed before a create and fills after the create's delete leaves
    the old entity cached for every later read. The transition tables catch it by reading
    while they race (the reads unjudged) and judging the reads made once every call has
    returned; a step's race has two cached entities to go stale and catches it in every run,
    the other tables in about nine runs in ten each."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.cached: dict[tuple[str, ...], Any] = {}

    async def _through_cache(self, key: tuple[str, ...], read: Callable[[], Awaitable[Any]]) -> Any:
        if key not in self.cached:
            found = await read()
            await asyncio.sleep(0)
            self.cached[key] = found.model_copy(deep=True)
        return self.cached[key].model_copy(deep=True)

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        key = ("run", run_id, str(options.get("resolve_data", "all")))
        return await self._through_cache(key, partial(super().on_get_run, run_id, **options))  # type: ignore[no-any-return]

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        key = ("step", step_id, str(options.get("resolve_data", "all")))
        return await self._through_cache(key, partial(super().on_get_step, run_id, step_id, **options))  # type: ignore[no-any-return]

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        self.cached.clear()
        return result
