"""Broken Worlds for the event pages on write results of the 5.x line (PAGE-001 to PAGE-005):
each answers ``sinceCursor``, ``eventCount`` or ``preloadEvents`` the way a backend author in a
hurry might."""

from __future__ import annotations

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.events import EventRequest, EventResult
from worldspec.wire_types import MISSING


def _asked(params: Params, member: str) -> bool:
    """Whether the create's ``params`` carry ``member``."""
    return params is not None and getattr(params, member, MISSING) is not MISSING


class DeltaSkipsAttributeEvents(LineFiveBrokenWorld, breaks={"PAGE-001"}):
    """Builds the ``sinceCursor`` delta from the step, hook, wait and run events it indexes, and
    so leaves out the ``attr_set`` events that ``events.list`` shows."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if not _asked(params, "since_cursor") or result.events is MISSING:
            return result
        kept = [shown for shown in result.events if shown.event_type != "attr_set"]
        return result.model_copy(update={"events": kept})


class ConflictWithoutDelta(LineFiveBrokenWorld, breaks={"PAGE-002"}):
    """Returns early on the ``hook_conflict`` path, before the code that adds the delta (the
    bug world-local's comment on that path says it once had)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.event is MISSING or result.event.event_type != "hook_conflict":
            return result
        return result.model_copy(update={"events": MISSING, "cursor": MISSING, "has_more": MISSING})


class ReportWinsOverDelta(LineFiveBrokenWorld, breaks={"PAGE-003"}):
    """Handles ``eventCount`` first: when it is sent, the skipped-slot report takes the page and
    ``sinceCursor`` is not looked at."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if params is not None and _asked(params, "event_count"):
            params = params.model_copy(update={"since_cursor": MISSING})
        return await super().on_create(run_id, event, params)


class HookPreloadWithoutMaxEvents(LineFiveBrokenWorld, breaks={"PAGE-004"}):
    """Adds ``maxEvents`` on ``run_started`` results only, not on the ``hook_received`` result
    that carries the log for ``preloadEvents``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "hook_received" or not _asked(params, "preload_events"):
            return result
        return result.model_copy(update={"max_events": MISSING})


class DeltaIgnoresResolveData(LineFiveBrokenWorld, warns={"PAGE-005"}):
    """Strips payloads from the written event for ``resolveData: 'none'`` but hands the delta
    over as read, payloads and all."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if params is None or not _asked(params, "since_cursor") or params.resolve_data != "none":
            return await super().on_create(run_id, event, params)
        result = await super().on_create(run_id, event, params.model_copy(update={"resolve_data": "all"}))
        stripped = await self.memory_events.get(
            result.event.run_id, result.event.event_id, resolve_data="none"
        )
        return result.model_copy(update={"event": stripped})
