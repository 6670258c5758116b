"""Broken Worlds for binary fidelity on the 5.x line (BIN-101, BIN-102)."""

from __future__ import annotations

import base64
from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.entities import Hook, Step, WorkflowRun
from worldspec.events import Event, EventRequest, EventResult
from worldspec.line5 import queue as line5_queue
from worldspec.line5.validation import parse_event, parse_hook, parse_run, parse_step
from worldspec.pagination import PaginatedResponse
from worldspec.queue import QueueOptions, QueuePayload, QueueResult
from worldspec.wire_types import MISSING

OWN_COMPRESSION_TAG = b"zstd"
"""The tag this World puts before the values it compresses itself."""


def _untagged(value: Any) -> Any:
    """``value`` with the tag cut from every bytes value that starts with it, at any depth."""
    if isinstance(value, bytes) and value.startswith(OWN_COMPRESSION_TAG):
        return value[len(OWN_COMPRESSION_TAG) :]
    if isinstance(value, dict):
        return {key: _untagged(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_untagged(item) for item in value]
    return value


class TakesZstdPayloadsForItsOwn(LineFiveBrokenWorld, breaks={"BIN-101"}):
    """Compresses large payloads itself behind a ``zstd`` tag, and on every read takes any
    payload that starts with ``zstd`` for one of its own: the tag is cut off (a user's payload
    the runtime compressed comes back four bytes short)."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        return parse_run(_untagged((await super().on_get_run(run_id, **options)).to_wire()))

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        return parse_step(_untagged((await super().on_get_step(run_id, step_id, **options)).to_wire()))

    async def on_get_hook(self, hook_id: str, **options: Any) -> Hook:
        return parse_hook(_untagged((await super().on_get_hook(hook_id, **options)).to_wire()))

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        return parse_event(_untagged((await super().on_get_event(run_id, event_id, **options)).to_wire()))

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        found = await super().on_list_events(run_id, **options)
        return found.model_copy(update={"data": [parse_event(_untagged(e.to_wire())) for e in found.data]})


class HookPayloadArrivesAsBase64(LineFiveBrokenWorld, breaks={"BIN-102"}):
    """Sends messages as JSON and revives bytes only where its schema types them as bytes
    (``stepInput.input``): a hook resume's ``hookInput.payload``, typed unknown, arrives as the
    base64 string of its bytes."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        hook_input = getattr(message, "hook_input", None)
        if isinstance(hook_input, line5_queue.HookResumeInput) and isinstance(hook_input.payload, bytes):
            encoded = base64.b64encode(hook_input.payload).decode()
            changed = hook_input.model_copy(update={"payload": encoded})
            message = message.model_copy(update={"hook_input": changed})
        return await super().queue(queue_name, message, options)


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {key: _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


class StripsNulFromStrings(LineFiveBrokenWorld, breaks={"BIN-001"}):
    """Keeps executionContext in a PostgreSQL ``jsonb`` column, which refuses ``\\u0000``, and
    removes NUL characters from its strings before the insert so the write goes through."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        context = getattr(data, "execution_context", MISSING)
        if context is not MISSING:
            event = event.model_copy(
                update={"event_data": data.model_copy(update={"execution_context": _without_nul(context)})}
            )
        return await super().on_create(run_id, event, params)
