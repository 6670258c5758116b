"""Broken Worlds for the runs invariants of the 5.x line (RUN-101, RUN-102, RS-101): each is a
4.x habit carried into a 5.x World."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.events import EventRequest, EventResult
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


class RunErrorNormalisedAs4x(LineFiveBrokenWorld, breaks={"RUN-102"}):
    """Still turns a run's ``error`` into ``{message}`` as the 4.x line did (the event keeps it
    as sent)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_failed" or result.run is MISSING:
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
