"""What ``decide`` reads about one run, cached between creates and checked against the database.

A ``RunState`` is the state of one run at one version: the run's ``last_event_id``, which every
accepted event replaces. Entities the state does not hold are loaded on demand together with the
run's version; a load that finds another version raises ``Stale``. A create decided on a
state only takes effect if the run is still at that version when it writes (compare-and-set,
see ``reference_worlds.postgres.writes``), so a cached state can be stale but never wrong.

The one question a run's state cannot answer is who holds a hook token, since tokens are unique
across runs. ``StateView`` answers it from the cache (a holder in this run, else nobody) and the
unique index on live tokens checks that guess at write time; after a unique violation the create
is retried with ``token_lookups=True``, which asks the database.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import psycopg

from reference_worlds import rules
from reference_worlds.postgres.codec import is_storable_text, string_to_bytes
from reference_worlds.postgres.rows import (
    HOOK_SELECT,
    RUN_SELECT,
    STEP_SELECT,
    WAIT_SELECT,
    hook_from_row,
    run_from_row,
    step_from_row,
    wait_from_row,
)
from worldspec.entities import Hook, Step, Wait, WorkflowRun

__all__ = ["RunCache", "RunState", "Stale", "StateView", "load_run_state", "run_version_matches"]

Connection = psycopg.AsyncConnection[Any]


class Stale(Exception):
    """The run is no longer at the version the create was deciding on: decide again."""


@dataclass
class RunState:
    """One run at one version. ``run`` is ``None`` while the run does not exist; ``complete``
    says the maps hold every step, hook and wait of the run (a miss then means 'none')."""

    run_id: str | None
    run: WorkflowRun | None
    version: str | None
    last_event_at: datetime | None
    complete: bool
    steps: dict[str, Step | None] = field(default_factory=dict)
    live_hooks: dict[str, Hook | None] = field(default_factory=dict)
    hooks_ever: dict[str, bool] = field(default_factory=dict)
    waits: dict[str, Wait | None] = field(default_factory=dict)

    @classmethod
    def absent(cls, run_id: str | None) -> RunState:
        """The state of a run that does not exist yet (``None``: an id the World will mint)."""
        return cls(run_id, None, None, None, complete=True)

    def snapshot(self) -> RunState:
        """A copy one create may fill and advance without touching the cached state."""
        return RunState(
            self.run_id,
            self.run,
            self.version,
            self.last_event_at,
            self.complete,
            dict(self.steps),
            dict(self.live_hooks),
            dict(self.hooks_ever),
            dict(self.waits),
        )

    def advance(self, outcome: rules.Outcome) -> bool:
        """Become the state after ``outcome`` was written; ``False`` if that cannot be known
        without a reload (the run released hooks and waits this state does not all hold)."""
        if outcome.release_run and not self.complete:
            return False
        last = outcome.events[-1]
        self.run_id = outcome.run_id
        self.version = last.event_id
        self.last_event_at = last.created_at
        if outcome.run is not None:
            self.run = outcome.run
        if outcome.step is not None:
            self.steps[outcome.step.step_id] = outcome.step
        if outcome.hook is not None:
            self.live_hooks[outcome.hook.hook_id] = outcome.hook
            self.hooks_ever[outcome.hook.hook_id] = True
        if outcome.disposed_hook is not None:
            self.live_hooks[outcome.disposed_hook.hook_id] = None
        if outcome.wait is not None:
            self.waits[outcome.wait.wait_id] = outcome.wait
        if outcome.release_run:
            self.live_hooks = dict.fromkeys(self.live_hooks)
            self.waits = dict.fromkeys(self.waits)
        return True


class RunCache:
    """The states of the runs this World wrote or read last, least recently used evicted."""

    def __init__(self, capacity: int) -> None:
        self._capacity = capacity
        self._states: OrderedDict[str, RunState] = OrderedDict()

    def get(self, run_id: str) -> RunState | None:
        found = self._states.get(run_id)
        if found is not None:
            self._states.move_to_end(run_id)
        return found

    def put(self, state: RunState) -> None:
        if state.run_id is None or state.run is None:
            return
        self._states[state.run_id] = state
        self._states.move_to_end(state.run_id)
        while len(self._states) > self._capacity:
            self._states.popitem(last=False)

    def drop(self, run_id: str | None) -> None:
        if run_id is not None:
            self._states.pop(run_id, None)


_RUN_STATE_QUERY: Final = f"SELECT {RUN_SELECT}, last_event_id, last_event_at FROM runs WHERE run_id = %s"


async def load_run_state(conn: Connection, run_id: str, *, lock: bool = False) -> RunState:
    """The run's state as stored now (``FOR UPDATE`` with ``lock``, inside a transaction)."""
    if not is_storable_text(run_id):
        return RunState.absent(run_id)
    query = _RUN_STATE_QUERY + " FOR UPDATE" if lock else _RUN_STATE_QUERY
    cursor = await conn.execute(query, (run_id,), binary=True, prepare=True)
    row = await cursor.fetchone()
    if row is None:
        return RunState.absent(run_id)
    return RunState(run_id, run_from_row(row[:-2]), row[-2], row[-1], complete=False)


async def run_version_matches(conn: Connection, state: RunState) -> bool:
    """Whether the run is still as ``state`` says: absent if it was, else at its version."""
    if state.run_id is None:
        return True
    if not is_storable_text(state.run_id):
        return state.run is None
    cursor = await conn.execute("SELECT last_event_id FROM runs WHERE run_id = %s", (state.run_id,))
    row = await cursor.fetchone()
    if row is None:
        return state.run is None
    return state.run is not None and row[0] == state.version


_STEP_QUERY: Final = (
    f"SELECT r.last_event_id, s.* FROM runs r LEFT JOIN LATERAL (SELECT {STEP_SELECT} FROM steps "
    "WHERE steps.run_id = r.run_id AND steps.step_id = %s) s ON true WHERE r.run_id = %s"
)
_HOOK_QUERY: Final = (
    f"SELECT r.last_event_id, h.* FROM runs r LEFT JOIN LATERAL (SELECT {HOOK_SELECT} FROM hooks "
    "WHERE hooks.run_id = r.run_id AND hooks.hook_id = %s) h ON true WHERE r.run_id = %s"
)
_WAIT_QUERY: Final = (
    f"SELECT r.last_event_id, w.* FROM runs r LEFT JOIN LATERAL (SELECT {WAIT_SELECT} FROM waits "
    "WHERE waits.wait_id = %s) w ON true WHERE r.run_id = %s"
)
_HOOK_EVER_QUERY: Final = (
    "SELECT r.last_event_id, EXISTS (SELECT 1 FROM events e WHERE e.run_id = r.run_id "
    "AND e.correlation_id = %s AND e.event_type = 'hook_created') FROM runs r WHERE r.run_id = %s"
)
_TOKEN_QUERY: Final = f"SELECT {HOOK_SELECT} FROM hooks WHERE sha256(token) = sha256(%s) AND token = %s"


class StateView(rules.StoreView):
    """``decide``'s view of one run: the state's answers, loads for what it lacks.

    ``expected`` is the version the create will compare-and-set against; a load that sees
    another version raises ``Stale``. ``token_holder`` remembers a holder this view reported,
    so the write can check it is still live.
    """

    def __init__(self, conn: Connection, state: RunState, *, token_lookups: bool) -> None:
        self._conn = conn
        self._state = state
        self._expected = state.version
        self._token_lookups = token_lookups
        self.token_holder: Hook | None = None

    async def _load(self, query: str, key: str) -> tuple[Any, ...] | None:
        """The entity columns of ``query`` for ``key``, checked against the expected version;
        ``None`` when there is no such entity."""
        run_id = self._state.run_id
        if self._state.run is None or run_id is None or not is_storable_text(key):
            return None
        cursor = await self._conn.execute(query, (key, run_id), binary=True)
        row = await cursor.fetchone()
        if row is None or row[0] != self._expected:
            raise Stale(run_id)
        return None if row[1] is None else tuple(row[1:])

    async def run(self, run_id: str) -> WorkflowRun | None:
        return self._state.run

    async def step(self, run_id: str, step_id: str) -> Step | None:
        if step_id not in self._state.steps and not self._state.complete:
            row = await self._load(_STEP_QUERY, step_id)
            self._state.steps[step_id] = None if row is None else step_from_row(row)
        return self._state.steps.get(step_id)

    async def live_hook(self, run_id: str, hook_id: str) -> Hook | None:
        if hook_id not in self._state.live_hooks and not self._state.complete:
            row = await self._load(_HOOK_QUERY, hook_id)
            self._state.live_hooks[hook_id] = None if row is None else hook_from_row(row)
        return self._state.live_hooks.get(hook_id)

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool:
        if hook_id not in self._state.hooks_ever and not self._state.complete:
            row = await self._load(_HOOK_EVER_QUERY, hook_id)
            self._state.hooks_ever[hook_id] = bool(row and row[0])
        return self._state.hooks_ever.get(hook_id, False)

    async def wait(self, wait_id: str) -> Wait | None:
        if wait_id not in self._state.waits and not self._state.complete:
            row = await self._load(_WAIT_QUERY, wait_id)
            self._state.waits[wait_id] = None if row is None else wait_from_row(row)
        return self._state.waits.get(wait_id)

    async def live_hook_by_token(self, token: str) -> Hook | None:
        if self._token_lookups:
            stored = string_to_bytes(token)
            cursor = await self._conn.execute(_TOKEN_QUERY, (stored, stored), binary=True)
            row = await cursor.fetchone()
            holder = None if row is None else hook_from_row(row)
        else:
            holder = next(
                (
                    hook
                    for hook in self._state.live_hooks.values()
                    if hook is not None and hook.token == token
                ),
                None,
            )
        self.token_holder = holder
        return holder
