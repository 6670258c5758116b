"""Broken Worlds for resilient start and the partial preload on the 5.x line (RS-102 to RS-104):
the resilient path written apart from ``run_created``'s, and a restart that pages carelessly."""

from __future__ import annotations

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.events import EventRequest, EventResult
from worldspec.line5 import errors
from worldspec.wire_types import MISSING


def _is_resilient_start(event: EventRequest) -> bool:
    return event.event_type == "run_started" and getattr(event, "event_data", MISSING) is not MISSING


class ResilientStartDropsEncryptionKey(LineFiveBrokenWorld, breaks={"RS-102"}):
    """Copies ``deploymentId``, ``workflowName``, ``input`` and ``attributes`` from a resilient
    ``run_started`` into the run it creates, but not ``encryptionPublicKey`` (a member added to
    ``run_created`` later, and to this path never)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if _is_resilient_start(event) and self.stored_run(run_id) is None:
            data = event.event_data.model_copy(update={"encryption_public_key": MISSING})  # type: ignore[union-attr]
            event = event.model_copy(update={"event_data": data})
        return await super().on_create(run_id, event, params)


class ResilientStartSkipsAttributeChecks(LineFiveBrokenWorld, breaks={"RS-103"}):
    """Validates attributes on ``run_created`` only: a resilient start creates its run with
    whatever attributes it carries."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        attributes = getattr(getattr(event, "event_data", MISSING), "attributes", MISSING)
        if not _is_resilient_start(event) or self.stored_run(run_id) is not None or attributes is MISSING:
            return await super().on_create(run_id, event, params)
        try:
            return await super().on_create(run_id, event, params)
        except errors.AttributeValidationError:
            pass
        data = event.event_data.model_copy(update={"attributes": MISSING})  # type: ignore[union-attr]
        result = await super().on_create(run_id, event.model_copy(update={"event_data": data}), params)
        run = self.patch_stored_run(str(run_id), attributes=dict(attributes))
        log = self.state.events[str(run_id)]
        log[0] = log[0].model_copy(
            update={"event_data": log[0].event_data.model_copy(update={"attributes": dict(attributes)})}  # type: ignore[union-attr]
        )
        return result.model_copy(update={"run": run.model_copy(deep=True)})


class ResilientStartIgnoresAllowReserved(LineFiveBrokenWorld, breaks={"RS-102"}):
    """Validates a resilient start's attributes as if ``allowReservedAttributes`` were never
    sent (only ``run_created``'s flag is read): a ``$``-prefixed attribute refuses the start."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        attributes = getattr(data, "attributes", MISSING)
        if _is_resilient_start(event) and attributes is not MISSING and self.stored_run(run_id) is None:
            reserved = sorted(key for key in attributes if key.startswith("$"))
            if reserved:
                raise errors.AttributeValidationError(f"reserved attribute keys {reserved}")
        return await super().on_create(run_id, event, params)


class RestartPreloadWithoutCursor(LineFiveBrokenWorld, breaks={"RS-104"}):
    """Returns the first page of the log on ``run_started`` for a running run, ``hasMore`` set,
    but drops the cursor on that path (only the pending-to-running path passes it on)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_started" or before is None or before.status != "running":
            return result
        if result.has_more is not True:
            return result
        return result.model_copy(update={"cursor": None})
