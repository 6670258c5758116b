"""Broken Worlds for what an ended run keeps on the 5.x line (HOOK-101, TERM-101)."""

from __future__ import annotations

from datetime import timedelta

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from tests.broken_worlds.hooks import AllHooksIndexKeepsDisposed, RunEndFreesTokensItNoLongerHolds
from worldspec.events import EventRequest, EventResult
from worldspec.wire_types import MISSING


class EveryHookRetained(LineFiveBrokenWorld, breaks={"HOOK-006", "HOOK-101", "HOOK-102", "TERM-101"}):
    """Stores every hook as retained for a day when ``hook_created`` names no
    ``tokenRetentionUntil`` (a default meant for webhooks, applied to all): hooks outlive their
    run and hold their tokens, their disposal is still logged after the run ended, and they read
    back with a tokenRetentionUntil that was never sent; disposing of one after its run ended
    succeeds where a released hook is not found."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type == "hook_created" and result.hook is not MISSING:
            key = (result.hook.run_id, result.hook.hook_id)
            sequence, hook = self.state.hooks[key]
            if hook.token_retention_until is MISSING:
                retained = hook.model_copy(update={"token_retention_until": self.clock() + timedelta(days=1)})
                self.state.hooks[key] = (sequence, retained)
        return result


class AcceptsWaitsOnEndedRunsV7(LineFiveBrokenWorld, breaks={"TERM-001", "TERM-101"}):
    """Creates waits on runs that have ended (the terminal guard forgets wait_created)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if event.event_type != "wait_created":
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


class AllHooksIndexKeepsDisposedV7(
    AllHooksIndexKeepsDisposed, LineFiveBrokenWorld, breaks={"HOOK-007", "HOOK-101"}
):
    """The global hook index nothing trims, on the 5.x line: ``hooks.list()`` still lists
    disposed hooks and the unretained hooks of ended runs."""


class RunEndFreesTokensItNoLongerHoldsV7(
    RunEndFreesTokensItNoLongerHolds, LineFiveBrokenWorld, breaks={"HOOK-101"}
):
    """The token cleanup by token alone, on the 5.x line: a run's end frees a token another
    run's live hook took from it since."""
