"""``events.create`` on PostgreSQL: decide with ``reference_worlds.rules``, write in one statement.

The usual path is optimistic and costs one round trip: the run's state comes from the cache
(``run_state``), ``decide`` runs on it, and the outcome is written by a single compare-and-set
statement (``writes``). If the run moved on meanwhile (another process, another task), nothing
is written and the create starts over on fresh state. After ``OPTIMISTIC_ATTEMPTS`` such
misses the create stops guessing: it locks the run row (``SELECT ... FOR UPDATE``) in a
transaction, reads, decides and writes under that lock, so it cannot miss again.

A refusal, or an outcome that writes nothing, decided on cached state is confirmed by checking
that the run is still at that version, so every answer holds at a point between call and return
(contract §8). Event ids are minted above the run's last event id and ``createdAt`` never goes
below the last event's, so eventId order is append order across processes too.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

import psycopg
from psycopg import errors as pg_errors
from psycopg_pool import AsyncConnectionPool

from reference_worlds import rules
from reference_worlds.postgres.faults import PostgresFaults
from reference_worlds.postgres.rows import event_from_row
from reference_worlds.postgres.run_state import (
    RunCache,
    RunState,
    Stale,
    StateView,
    load_run_state,
    run_version_matches,
)
from reference_worlds.postgres.writes import params_of, refuse_unstorable, shape_of, statement_of
from worldspec import errors
from worldspec.events import CreateEventParams, EventRequest, EventResult, RunStartedRequest
from worldspec.owned import owned_copy
from worldspec.pagination import ResolveData
from worldspec.resolve_data import strip_event
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import MonotonicUlid, is_ulid
from worldspec.wire_types import MISSING

__all__ = ["OPTIMISTIC_ATTEMPTS", "EventCreator"]

OPTIMISTIC_ATTEMPTS: Final = 3
"""Compare-and-set misses before a create locks the run row instead."""
LOCKED_ATTEMPTS: Final = 20
"""Attempts under the run lock; each can only miss when another writer creates the run or takes
the hook token at the same moment."""

_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_TOKEN_INDEX: Final = "hooks_live_token"


def _ulid_successor(ulid: str) -> str:
    """The next ULID in sort order (``ulid`` + 1)."""
    digits = [_ALPHABET.index(char) for char in ulid.upper()]
    position = len(digits) - 1
    while digits[position] == 31:
        digits[position] = 0
        position -= 1
    digits[position] += 1
    return "".join(_ALPHABET[digit] for digit in digits)


def _event_ids_after(last_event_id: str | None, mint: MonotonicUlid, now: datetime) -> Callable[[], str]:
    """A minter of ``evnt_<ULID>`` ids that sort after ``last_event_id``, time part ``now``."""
    floor = last_event_id.rsplit("_", 1)[-1] if last_event_id else None
    if floor is not None and not is_ulid(floor):
        floor = None

    def new_event_id() -> str:
        nonlocal floor
        candidate = mint(now)
        if floor is not None and candidate <= floor:
            candidate = _ulid_successor(floor)
        floor = candidate
        return f"evnt_{candidate}"

    return new_event_id


def _creates_run(request: EventRequest) -> bool:
    """Whether ``request`` creates its run when the run is missing (``run_created``, resilient
    ``run_started``): then a missing state is a safe guess, checked by the insert."""
    if request.event_type == "run_created":
        return True
    return isinstance(request, RunStartedRequest) and request.event_data is not MISSING


class _TokenTaken(Exception):
    """The hook's token was taken by another run: decide again, asking the database."""


class EventCreator:
    """The create path of one PostgresWorld."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        cache: RunCache,
        clock: Callable[[], datetime],
        mint: MonotonicUlid,
        faults: PostgresFaults,
    ) -> None:
        self._pool = pool
        self._faults = faults
        self._cache = cache
        self._clock = clock
        self._mint = mint

    async def create(
        self, run_id: str | None, request: EventRequest, params: CreateEventParams | None
    ) -> EventResult:
        resolve: ResolveData = "all"
        if params is not None and params.resolve_data is not MISSING:
            resolve = params.resolve_data
        token_lookups = False
        # getconn/putconn rather than the pool's connection() context, whose exit only adds a
        # commit that is a no-op on these autocommit connections; putconn rolls back or replaces
        # a connection returned inside a transaction or broken, as that context's exit would.
        conn = await self._pool.getconn()
        try:
            for attempt in range(OPTIMISTIC_ATTEMPTS + LOCKED_ATTEMPTS):
                try:
                    if attempt < OPTIMISTIC_ATTEMPTS:
                        guess = attempt == 0
                        return await self._optimistic(conn, run_id, request, resolve, token_lookups, guess)
                    async with conn.transaction():
                        state = RunState.absent(None)
                        if run_id:
                            state = await load_run_state(conn, run_id, lock=True)
                        return await self._attempt(conn, state, True, run_id, request, resolve, token_lookups)
                except Stale:
                    self._cache.drop(run_id)
                except _TokenTaken:
                    token_lookups = True
        finally:
            await self._pool.putconn(conn)
        raise errors.WorkflowWorldError(
            f"{request.event_type} on run {run_id!r} lost {OPTIMISTIC_ATTEMPTS + LOCKED_ATTEMPTS} races "
            "in a row; try again",
            status=503,
        )

    async def _optimistic(
        self,
        conn: psycopg.AsyncConnection[Any],
        run_id: str | None,
        request: EventRequest,
        resolve: ResolveData,
        token_lookups: bool,
        guess_missing: bool,
    ) -> EventResult:
        """Decide on the cached state, or on a guess that a run this request would create is
        missing (only on the first attempt), else on the state read now."""
        cached = self._cache.get(run_id) if run_id else None
        if cached is not None:
            return await self._attempt(
                conn, cached.snapshot(), False, run_id, request, resolve, token_lookups
            )
        if not run_id or (guess_missing and _creates_run(request)):
            state = RunState.absent(run_id or None)
            return await self._attempt(conn, state, False, run_id, request, resolve, token_lookups)
        state = await load_run_state(conn, run_id)
        return await self._attempt(conn, state, True, run_id, request, resolve, token_lookups)

    async def _attempt(
        self,
        conn: psycopg.AsyncConnection[Any],
        state: RunState,
        fresh: bool,
        run_id: str | None,
        request: EventRequest,
        resolve: ResolveData,
        token_lookups: bool,
    ) -> EventResult:
        """Decide on ``state`` and write; ``fresh`` says the state was read during this create."""
        now = self._clock()
        if state.last_event_at is not None and state.last_event_at > now:
            now = state.last_event_at
        ctx = rules.Context(
            now=now,
            new_event_id=_event_ids_after(state.version, self._mint, now),
            new_run_id=lambda: f"wrun_{self._mint(now)}",
            world_spec_version=SPEC_VERSION_CURRENT,
        )
        view = StateView(conn, state, token_lookups=token_lookups)
        try:
            outcome = await rules.decide(view, run_id, request, ctx)
        except errors.WorkflowError:
            await self._confirm(conn, state, fresh)
            raise
        if not outcome.events:
            await self._confirm(conn, state, fresh)
            return self._result(outcome, resolve, [])
        refuse_unstorable(outcome)
        shape = shape_of(
            outcome,
            run_exists=state.run is not None,
            holder=view.token_holder is not None,
            preload=resolve if outcome.preload else None,
        )
        params = params_of(outcome, shape, expected=state.version, holder=view.token_holder)
        statement = statement_of(shape)
        self._faults.reached("decided")
        try:
            cursor = await conn.execute(
                statement.query, statement.arguments(params), binary=True, prepare=True
            )
        except pg_errors.UniqueViolation as error:
            if error.diag.constraint_name == _TOKEN_INDEX:
                raise _TokenTaken from None
            raise Stale(run_id) from None
        rows = await cursor.fetchall()
        self._faults.reached("written")
        if not rows:
            raise Stale(run_id)
        if state.advance(outcome):
            self._cache.put(state)
        else:
            self._cache.drop(outcome.run_id)
        earlier = [event_from_row(tuple(row[1:]), resolve) for row in rows if outcome.preload and row[2]]
        return self._result(outcome, resolve, earlier)

    async def _confirm(self, conn: psycopg.AsyncConnection[Any], state: RunState, fresh: bool) -> None:
        """Raise ``Stale`` unless the run is still as ``state`` (read before this create) says."""
        if not fresh and not await run_version_matches(conn, state):
            raise Stale(state.run_id)

    @staticmethod
    def _result(outcome: rules.Outcome, resolve: ResolveData, earlier: list[Any]) -> EventResult:
        """What the create returns: copies the caller owns of the outcome's parts (COPY-001),
        since the run cache keeps the outcome's entities and the event shares their payloads."""
        result: dict[str, Any] = {
            key: strip_event(value, resolve) if key == "event" else owned_copy(value)
            for key, value in outcome.result.items()
        }
        if outcome.preload:
            result.update(
                events=earlier + [strip_event(event, resolve) for event in outcome.events],
                cursor=None,
                has_more=False,
            )
        return EventResult(**result)
