"""``events.create`` of LocalWorld: the rules decide, one durable append commits.

Each create runs in the run's critical section (``SectionLocks``): the run's fold is brought up
to date, ``rules.decide`` judges the request against it, and an accepted outcome is appended to
the run's log as one commit, fsynced before the lock is released. Creates that touch tokens
(``hook_created``; ``hook_disposed`` and terminal run events, which free them) also hold the lock
of each token involved, so token uniqueness holds across runs and processes.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from reference_worlds import rules
from reference_worlds.local.commits import Commit, RunFold, encode_outcome
from reference_worlds.local.faults import LocalFaults
from reference_worlds.local.files import append_lines, ensure_directory
from reference_worlds.local.layout import Layout
from reference_worlds.local.locks import SectionLocks, finish_in_thread
from reference_worlds.local.store import RunStore, TokenIndex
from worldspec import errors
from worldspec.entities import Hook, Step, Wait, WorkflowRun
from worldspec.events import CreateEventParams, EventRequest, EventResult, HookCreatedRequest
from worldspec.owned import owned_copy
from worldspec.pagination import ResolveData
from worldspec.resolve_data import strip_event
from worldspec.ulid import MonotonicUlid, decode_time
from worldspec.wire_types import MISSING

__all__ = ["EventWriter"]

TOKEN_RELEASING_TYPES = frozenset({"hook_disposed", "run_completed", "run_failed", "run_cancelled"})
"""Event types that may free the tokens of the run's live hooks."""

_ONE_MS = timedelta(milliseconds=1)

TokenClaim = tuple[str, str, str]
"""``(token, runId, hookId)``."""


class _View(rules.StoreView):
    """What ``decide`` reads: the locked run's fold, and other runs' folds for token holders."""

    def __init__(self, store: RunStore, tokens: TokenIndex, fold: RunFold) -> None:
        self._store = store
        self._tokens = tokens
        self._fold = fold

    async def run(self, run_id: str) -> WorkflowRun | None:
        return None if self._fold.run is None else self._fold.run.model

    async def step(self, run_id: str, step_id: str) -> Step | None:
        found = self._fold.steps.get(step_id)
        return None if found is None else found[1].model

    async def live_hook(self, run_id: str, hook_id: str) -> Hook | None:
        found = self._fold.hooks.get(hook_id)
        return None if found is None else found.hook.model

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool:
        return hook_id in self._fold.hooks_ever

    async def live_hook_by_token(self, token: str) -> Hook | None:
        holder = self._tokens.holder(token)
        if holder is None:
            return None
        live = self._store.fold(holder[0]).hooks.get(holder[1])
        return live.hook.model if live is not None and live.token == token else None

    async def wait(self, wait_id: str) -> Wait | None:
        found = self._fold.waits.get(wait_id)
        return None if found is None else found.model


def _ulid_time(event_id: str) -> datetime | None:
    try:
        return decode_time(event_id.rsplit("_", 1)[-1])
    except ValueError:
        return None


class EventWriter:
    """Decides and commits ``events.create`` calls for one World instance."""

    def __init__(
        self,
        layout: Layout,
        store: RunStore,
        locks: SectionLocks,
        executor: Executor,
        clock: Callable[[], datetime],
        faults: LocalFaults,
    ) -> None:
        self._layout = layout
        self._faults = faults
        self._store = store
        self._tokens = TokenIndex(layout)
        self._locks = locks
        self._executor = executor
        self._clock = clock
        self._mint = MonotonicUlid()

    async def create(
        self, run_id: str | None, request: EventRequest, params: CreateEventParams | None
    ) -> EventResult:
        """See ``worldspec.protocol.Events.create``."""
        resolve: ResolveData = "all"
        if params is not None and params.resolve_data is not MISSING:
            resolve = params.resolve_data
        if not run_id and request.event_type == "run_created":
            run_id = f"wrun_{self._mint()}"
        run_id = run_id or ""
        async with self._locks.hold(self._layout.run_lock(run_id)):
            fold = self._store.fold(run_id)
            async with self._locks.hold_all(self._token_locks(fold, request)):
                view = _View(self._store, self._tokens, fold)
                outcome = await rules.decide(view, run_id, request, self._context(fold))
                if outcome.events:
                    fold = await self._commit(fold, outcome)
            result: dict[str, Any] = {
                key: strip_event(value, resolve) if key == "event" else owned_copy(value)
                for key, value in outcome.result.items()
            }
            if outcome.preload:
                result["events"] = [strip_event(logged.event.model, resolve) for logged in fold.events]
                result["cursor"] = None
                result["has_more"] = False
        return EventResult(**result)

    def _token_locks(self, fold: RunFold, request: EventRequest) -> list[Path]:
        tokens: set[str] = set()
        if request.event_type == "hook_created" and isinstance(request, HookCreatedRequest):
            tokens.add(request.event_data.token)
        elif request.event_type in TOKEN_RELEASING_TYPES:
            tokens.update(live.token for live in fold.hooks.values())
        return [self._layout.token_lock(token) for token in tokens]

    def _context(self, fold: RunFold) -> rules.Context:
        """Clock and ids for one create. Within a run, ``createdAt`` never decreases and each
        eventId's ULID exceeds the last one's, even when another process minted that one: when
        the last id is from this millisecond or later, this create is stamped a millisecond
        after it."""
        now = self._clock()
        if fold.events:
            last = fold.events[-1]
            now = max(now, last.created_at)
            last_time = _ulid_time(last.event_id)
            if last_time is not None and last_time >= now:
                now = last_time + _ONE_MS
        return rules.Context(
            now=now,
            new_event_id=lambda: f"evnt_{self._mint(now)}",
            new_run_id=lambda: f"wrun_{self._mint()}",
        )

    async def _commit(self, fold: RunFold, outcome: rules.Outcome) -> RunFold:
        """Append ``outcome`` to the run's log durably; return the fold with it folded in."""
        ns = time.time_ns()
        try:
            line = encode_outcome(outcome, ns)
        except (TypeError, ValueError) as error:
            raise errors.WorkflowWorldError(f"the event cannot be stored: {error}", status=400) from None
        claims: list[TokenClaim] = []
        if outcome.hook is not None:
            claims.append((outcome.hook.token, outcome.run_id, outcome.hook.hook_id))
        freed: list[TokenClaim] = []
        if outcome.disposed_hook is not None:
            freed.append((outcome.disposed_hook.token, outcome.run_id, outcome.disposed_hook.hook_id))
        if outcome.release_run:
            freed.extend((live.token, outcome.run_id, hook_id) for hook_id, live in fold.hooks.items())
        committed = fold.offset
        new_size = await finish_in_thread(
            self._executor, self._write, outcome.run_id, committed, line, claims, freed
        )
        if fold.offset == committed:
            fold.apply(Commit.from_outcome(outcome, ns))
            fold.offset = new_size
            return fold
        return self._store.fold(outcome.run_id)

    def _write(
        self, run_id: str, committed: int, line: bytes, claims: list[TokenClaim], freed: list[TokenClaim]
    ) -> int:
        """The blocking part of a commit: claim tokens, append durably, free tokens."""
        try:
            for claim in claims:
                self._tokens.reserve(*claim)
                self._faults.reached("token-reserved")
            ensure_directory(self._layout.run_dir(run_id))
            size = append_lines(self._layout.run_log(run_id), committed, line, self._faults.reached)
            self._faults.reached("line-synced")
            for claim in freed:
                self._tokens.free(*claim)
        except OSError as error:
            raise errors.WorkflowWorldError(f"storage failed: {error}", status=500) from None
        return size
