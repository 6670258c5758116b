"""Broken Worlds for the terminal-run invariants (TERM, §4.6)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES, Hook
from worldspec.events import EventRequest, EventResult


class AcceptsWaitsOnEndedRuns(BrokenWorld, breaks={"TERM-001", "TERM-002"}):
    """Creates waits on runs that have ended (the terminal guard forgets wait_created)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "wait_created":
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


class WaitsOfEndedRunConflict(BrokenWorld, breaks={"TERM-003"}):
    """wait_completed for a wait deleted when its run ended raises EntityConflictError instead
    of WorkflowWorldError (not found)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        ended = run is not None and run.status in TERMINAL_RUN_STATUSES
        if event.event_type == "wait_completed" and ended:
            raise errors.EntityConflictError(f'Workflow run "{run_id}" has ended')
        return await super().on_create(run_id, event, params)


class AcceptsPendingStepEventsAfterEnd(BrokenWorld, warns={"TERM-004"}, may_break={"LIN-005"}):
    """Once the run has ended, still accepts step_completed/step_failed/step_retrying of
    pending steps and step_retrying of running ones (the MAY of §4.6, as world-postgres 4.3.7
    does for completed/failed): a SHOULD broken, so a warning. It does so by reopening the run
    around the create, across an await: a real race, which LIN-005 catches when
    the forced interleaving lines up (``may_break``)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type not in ("step_completed", "step_failed", "step_retrying"):
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


class TokenCheckedBeforeTheTerminalGuard(BrokenWorld, breaks={"TERM-001"}):
    """Looks a new hook's token up before the terminal guard: on an ended run, a
    ``hook_created`` whose token another run's live hook holds gets (and logs) a
    ``hook_conflict`` instead of ``EntityConflictError``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        token = getattr(getattr(event, "event_data", None), "token", None)
        if (
            event.event_type == "hook_created"
            and run is not None
            and run.status in TERMINAL_RUN_STATUSES
            and token in self.state.tokens
        ):
            with self.shown_running(run_id):
                return await super().on_create(run_id, event, params)
        return await super().on_create(run_id, event, params)


class TokenClaimedBeforeTheChecks(BrokenWorld, breaks={"TERM-001"}):
    """``hook_created`` claims its token first (``SET token:<t> <hookId> NX``) and only then
    loads the run: on an ended run the create is refused, but the claim is left behind, so the
    next ``hook_created`` with that token, in any run, gets a ``hook_conflict`` naming the
    ended run (``getByToken`` misses: the claim names a hook that was never written)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.orphan_claims: dict[str, Hook] = {}

    @contextmanager
    def _claims_held(self, token: str) -> Iterator[None]:
        """Within the block, an orphan claim on ``token`` holds it as a live hook would."""
        claim = self.orphan_claims.get(token)
        if claim is None or token in self.state.tokens:
            yield
            return
        key = (claim.run_id, claim.hook_id)
        self.state.hooks[key] = (self.state.next_sequence(), claim)
        self.state.tokens[token] = key
        try:
            yield
        finally:
            self.state.hooks.pop(key, None)
            if self.state.tokens.get(token) == key:
                del self.state.tokens[token]

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "hook_created":
            return await super().on_create(run_id, event, params)
        token: str = event.event_data.token  # type: ignore[union-attr]
        run = self.stored_run(run_id)
        with self._claims_held(token):
            try:
                return await super().on_create(run_id, event, params)
            except errors.EntityConflictError:
                if run is not None and run.status in TERMINAL_RUN_STATUSES and token not in self.state.tokens:
                    self.orphan_claims[token] = Hook.model_validate(
                        {
                            "runId": run.run_id,
                            "hookId": event.correlation_id,
                            "token": token,
                            "ownerId": "",
                            "projectId": "",
                            "environment": "",
                            "createdAt": run.created_at,
                        }
                    )
                raise
