"""Broken Worlds for the hooks invariants of the 5.x line (HOOK-102 to HOOK-105, and HOOK-006 as
the 5.x line reads it): a hook column left out, a 4.x error kept, a conflict for a released
hook, a lookup by hookId alone, a check made too early."""

from __future__ import annotations

import asyncio
from typing import cast

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec import errors
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.events import EventRequest, EventResult
from worldspec.line5 import events as line5_events
from worldspec.line5.events import Event
from worldspec.line5.slots import slot_to_event_id
from worldspec.line5.validation import parse_event
from worldspec.wire_types import MISSING

CHECK_TO_WRITE = 0.01
"""Seconds between a World's check and its write: a round trip to its database."""


class HookDropsIsSystem(LineFiveBrokenWorld, breaks={"HOOK-102"}):
    """Logs ``hook_created`` whole but has no ``isSystem`` column on its hooks table: every hook
    reads ``isSystem: false``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "hook_created" or result.hook is MISSING:
            return result
        key = (result.hook.run_id, result.hook.hook_id)
        sequence, hook = self.state.hooks[key]
        stored = hook.model_copy(update={"is_system": False})
        self.state.hooks[key] = (sequence, stored)
        return result.model_copy(update={"hook": stored.model_copy(deep=True)})


class HookRetentionInWholeSeconds(LineFiveBrokenWorld, breaks={"HOOK-102"}):
    """Keeps a hook's ``tokenRetentionUntil`` in a column of whole seconds (a Unix timestamp, as
    a Redis key's expiry is), so the hook reads back without the milliseconds it was sent with;
    the event keeps what was sent."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "hook_created" or result.hook is MISSING:
            return result
        until = getattr(result.hook, "token_retention_until", MISSING)
        if until is MISSING or until is None:
            return result
        key = (result.hook.run_id, result.hook.hook_id)
        sequence, hook = self.state.hooks[key]
        stored = hook.model_copy(update={"token_retention_until": until.replace(microsecond=0)})
        self.state.hooks[key] = (sequence, stored)
        return result.model_copy(update={"hook": stored.model_copy(deep=True)})


class ReceiveOnEndedRunConflicts(LineFiveBrokenWorld, breaks={"HOOK-103"}):
    """Refuses ``hook_received`` on an ended run with ``EntityConflictError``, the error its
    terminal guard gives every other event (the runtime then treats the resume as a duplicate)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if event.event_type == "hook_received" and run is not None and run.status in TERMINAL_RUN_STATUSES:
            raise errors.EntityConflictError(f"run {run_id} has already ended")
        return await super().on_create(run_id, event, params)


class DisposalOnEndedRunConflicts(LineFiveBrokenWorld, breaks={"HOOK-006"}):
    """Refuses ``hook_disposed`` of a hook its run's end released with ``EntityConflictError``
    (a disposal "conflicts" with the ended run) instead of ``HookNotFoundError``; retained hooks,
    which it still holds, are disposed as usual."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        ended = run is not None and run.status in TERMINAL_RUN_STATUSES
        released = (str(run_id), str(getattr(event, "correlation_id", ""))) not in self.state.hooks
        if event.event_type == "hook_disposed" and ended and released:
            raise errors.EntityConflictError(f"run {run_id} has already ended")
        return await super().on_create(run_id, event, params)


def _appended(world: LineFiveBrokenWorld, run_id: str, event: EventRequest) -> Event:
    """Append ``event`` to ``run_id``'s log at the next slot, unchecked (the bug's write)."""
    log = world.state.events[run_id]
    stored = parse_event(
        {
            **event.to_wire(),
            "runId": run_id,
            "eventId": slot_to_event_id(len(log) + 1),
            "createdAt": world.clock(),
            "specVersion": 7,
        }
    )
    log.append(stored)
    return stored


class HookLookedUpByIdAlone(LineFiveBrokenWorld, breaks={"HOOK-104"}):
    """Finds the hook of ``hook_received``/``hook_disposed`` by its hookId alone (hookIds are
    ULIDs, so "unique enough"): another run's hook is received, or disposed, on this run."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        hook_id = getattr(event, "correlation_id", None)
        if event.event_type not in ("hook_received", "hook_disposed") or run_id is None:
            return await super().on_create(run_id, event, params)
        foreign = [
            hook for key, (_, hook) in self.state.hooks.items() if key[1] == hook_id and key[0] != run_id
        ]
        if not foreign or (run_id, hook_id) in self.state.hooks:
            return await super().on_create(run_id, event, params)
        if event.event_type == "hook_disposed":
            self.state.delete_hook(foreign[0])
        return cast(EventResult, line5_events.EventResult(event=_appended(self, run_id, event)))


class ReceiveCheckedBeforeTheEnd(LineFiveBrokenWorld, breaks={"HOOK-105"}):
    """Checks that the run is live and the hook held, then writes the ``hook_received`` a round
    trip later without looking again: an ending that lands in between is followed by the
    receive."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        hook_id = getattr(event, "correlation_id", None)
        if (
            event.event_type != "hook_received"
            or run is None
            or run.status in TERMINAL_RUN_STATUSES
            or (run.run_id, hook_id) not in self.state.hooks
        ):
            return await super().on_create(run_id, event, params)
        await asyncio.sleep(CHECK_TO_WRITE)
        ended = self.stored_run(run_id)
        if ended is not None and ended.status in TERMINAL_RUN_STATUSES:
            return cast(EventResult, line5_events.EventResult(event=_appended(self, ended.run_id, event)))
        return await super().on_create(run_id, event, params)
