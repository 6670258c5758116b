"""Broken Worlds for the errors of the 5.x line (ERR-101)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from reference_worlds.streams_namespace import StreamsNamespace
from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.events import EventRequest, EventResult
from worldspec.line5 import errors
from worldspec.streams import StreamChunksResponse, StreamInfoResponse
from worldspec.wire_types import MISSING


class RunExpiredAsConflict(LineFiveBrokenWorld, breaks={"ERR-101"}):
    """Raises ``RunExpiredError`` for a finished run with the HTTP status of a conflict, 409."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except errors.RunExpiredError as error:
            error.status = 409
            raise


class _StreamsOfExpiredRuns(StreamsNamespace):
    """Streams that refuse reads once their run expired, with an error that lacks ``expiredAt``."""

    def __init__(self, world: LineFiveBrokenWorld) -> None:
        super().__init__(world._streams)
        self._world = world

    def _refuse_if_expired(self, run_id: str, name: str) -> None:
        run = self._world.stored_run(run_id)
        if run is not None and run.expired_at is not MISSING:
            raise errors.StreamExpiredError(f"stream {name!r} expired", run_id, name, None)

    def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        self._refuse_if_expired(run_id, name)
        return super().get(run_id, name, start_index)

    async def get_chunks(self, run_id: str, name: str, **options: Any) -> StreamChunksResponse:
        self._refuse_if_expired(run_id, name)
        return await super().get_chunks(run_id, name, **options)

    async def get_info(self, run_id: str, name: str) -> StreamInfoResponse:
        self._refuse_if_expired(run_id, name)
        return await super().get_info(run_id, name)


class StreamExpiredWithoutExpiredAt(LineFiveBrokenWorld, breaks={"ERR-101"}):
    """Refuses reads of an expired run's streams with ``StreamExpiredError``, but without
    ``expiredAt`` (the stream table has no copy of the run's expiry)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.streams = _StreamsOfExpiredRuns(self)


class ReceiveOnEndedRunExpiredAs409(LineFiveBrokenWorld, breaks={"ERR-101"}):
    """Refuses ``hook_received`` on an ended run with ``RunExpiredError``, as the 5.x line allows,
    but builds it in the hook path with the status that path gives every refusal, 409: over
    HTTP the runtime reads a 409 as ``EntityConflictError``, a transient failure, not as an
    expired run."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        stored = self.stored_run(run_id)
        ended = stored is not None and stored.status in TERMINAL_RUN_STATUSES
        if event.event_type == "hook_received" and ended:
            refusal = errors.RunExpiredError(f"workflow run {run_id} has ended")
            refusal.status = 409
            raise refusal
        return await super().on_create(run_id, event, params)
