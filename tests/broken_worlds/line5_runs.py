"""Broken Worlds for the runs invariants of the 5.x line (RUN-101, RUN-102, RS-101): each is a
4.x habit carried into a 5.x World."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.events import Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING


class RunDropsEncryptionKey(LineFiveBrokenWorld, breaks={"RUN-101"}):
    """Logs ``run_created`` whole but has no column for ``encryptionPublicKey`` on the run."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_created" or result.run is MISSING:
            return result
        run = self.patch_stored_run(result.run.run_id, encryption_public_key=MISSING)
        return result.model_copy(update={"run": run.model_copy(deep=True)})


def _as_structured(error: Any) -> dict[str, Any]:
    """What a 4.x World made of any error: ``{message}`` from a string or a ``message`` key."""
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return {"message": error["message"]}
    return {"message": error if isinstance(error, str) else "Unknown error"}


class RunErrorNormalisedAs4x(LineFiveBrokenWorld, breaks={"RUN-102", "BIN-101"}):
    """Still turns a run's ``error`` into ``{message}`` as the 4.x line did (the event keeps it
    as sent), so a prefixed payload sent as the error is lost (BIN-101). A run whose error its
    zero retention purged has none to normalise."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_failed" or result.run is MISSING or result.run.error is MISSING:
            return result
        run = self.patch_stored_run(result.run.run_id, error=_as_structured(result.run.error))
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class ResilientRunsDefaultToSpecThree(LineFiveBrokenWorld, breaks={"RS-101"}):
    """Gives a resilient run that names no version the 4.x default, 3."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        resilient = event.event_type == "run_started" and getattr(event, "event_data", MISSING) is not MISSING
        if resilient and event.spec_version is MISSING:
            event = event.model_copy(update={"spec_version": 3})
        return await super().on_create(run_id, event, params)


class CancelReasonTreatedAsPayload(LineFiveBrokenWorld, breaks={"RUN-103"}):
    """Strips ``cancelReason`` from ``run_cancelled`` on reads with ``resolveData: 'none'``, as if
    it were a payload field."""

    @staticmethod
    def _stripped(event: Event) -> Event:
        data = event.to_wire().get("eventData") or {}
        if event.event_type != "run_cancelled" or "cancelReason" not in data:
            return event
        return event.model_copy(
            update={"event_data": event.event_data.model_copy(update={"cancel_reason": MISSING})}
        )  # type: ignore[union-attr]

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        found = await super().on_get_event(run_id, event_id, **options)
        return self._stripped(found) if options.get("resolve_data") == "none" else found

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        found = await super().on_list_events(run_id, **options)
        if options.get("resolve_data") != "none":
            return found
        return found.model_copy(update={"data": [self._stripped(event) for event in found.data]})


class RestartWithoutStartedAt(LineFiveBrokenWorld, breaks={"RUN-104"}):
    """Answers ``run_started`` on a running run with the run but without its ``startedAt``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if (
            event.event_type != "run_started"
            or before is None
            or before.status != "running"
            or result.run is MISSING
        ):
            return result
        return result.model_copy(update={"run": result.run.model_copy(update={"started_at": MISSING})})


class SkippedPreloadAnswerWithoutStartedAt(LineFiveBrokenWorld, breaks={"RUN-006"}):
    """With ``skipPreload``, answers ``run_started`` through a shorter path that returns the run
    as it was read before the start (pending, no ``startedAt``); without it, the run as stored."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        skipping = params is not None and getattr(params, "skip_preload", MISSING) is True
        if event.event_type != "run_started" or not skipping or before is None or result.run is MISSING:
            return result
        return result.model_copy(update={"run": before})
