"""Broken Worlds for the binary-fidelity invariants (BIN, §7): bytes, dates, and strings that
look like either."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta
from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params, RewritesAppendedEvents
from worldspec.entities import WorkflowRun
from worldspec.events import Event, EventRequest, EventResult
from worldspec.protocol import QueueHandler
from worldspec.queue import MessageMeta, QueuePayload, WorkflowInvokePayload, parse_queue_payload
from worldspec.wire_types import MISSING


def _listify(value: Any) -> Any:
    if isinstance(value, bytes):
        return list(value)
    if isinstance(value, dict):
        return {key: _listify(item) for key, item in value.items()}
    return value


class BytesAsIntList(
    BrokenWorld, breaks={"BIN-001", "BIN-004", "RS-002", "RUN-005", "RUN-009", "LEG-007", "COH-001"}
):
    """Returns byte payloads from runs.get as lists of ints (the JSON-serialisation accident)."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        run = await super().on_get_run(run_id, **options)
        fields = ("input", "output", "execution_context")
        return run.model_copy(update={name: _listify(getattr(run, name)) for name in fields})


_EPOCH_SECONDS_32 = 2**32


class EventDatesWrapIn2038(RewritesAppendedEvents, breaks={"BIN-002"}):
    """Stores eventData dates as signed 32-bit epoch seconds: dates after January 2038 wrap."""

    def rewrite(self, event: Event) -> dict[str, Any]:
        data = getattr(event, "event_data", MISSING)
        if data is MISSING:
            return {}
        update = {}
        for field in ("resume_at", "retry_after"):
            when = getattr(data, field, MISSING)
            if when is not MISSING and when.timestamp() >= 2**31:
                update[field] = when - timedelta(seconds=_EPOCH_SECONDS_32)
        return {"event_data": data.model_copy(update=update)} if update else {}


class QueueSendsBase64(BrokenWorld, breaks={"BIN-003"}):
    """Delivers runInput.input base64-encoded as a string (a JSON queue without a byte codec)."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def corrupting(message: QueuePayload, meta: MessageMeta) -> Any:
            if (
                isinstance(message, WorkflowInvokePayload)
                and message.run_input is not MISSING
                and isinstance(message.run_input.input, bytes)
            ):
                wire = message.to_wire()
                wire["runInput"]["input"] = base64.b64encode(wire["runInput"]["input"]).decode()
                message = parse_queue_payload(wire)
            return await handler(message, meta)

        await super().create_queue_handler(prefix, corrupting)


def _decode_base64_strings(value: Any) -> Any:
    if isinstance(value, str) and value:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            return value
    if isinstance(value, dict):
        return {key: _decode_base64_strings(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_decode_base64_strings(item) for item in value]
    return value


class DecodesBase64Strings(BrokenWorld, breaks={"BIN-004", "LEG-007", "COH-001"}, may_break={"BIN-001"}):
    """Reads every non-empty string that is valid base64 back as bytes (runs.get).

    BIN-001 catches it only when one of the strings it draws happens to be valid base64 (the
    seed 2593979209 draws ``"0000"``): which seed does is chance, so BIN-001 is ``may_break``."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        run = await super().on_get_run(run_id, **options)
        fields = ("input", "execution_context")
        return run.model_copy(update={name: _decode_base64_strings(getattr(run, name)) for name in fields})


def _nested_as_base64(value: Any, depth: int = 0) -> Any:
    if isinstance(value, bytes) and depth > 0:
        return base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {key: _nested_as_base64(item, depth + 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_nested_as_base64(item, depth + 1) for item in value]
    return value


PAYLOAD_FIELDS = ("input", "result", "metadata", "payload", "output")


class NestedBytesAsBase64(BrokenWorld, breaks={"BIN-001"}):
    """Its codec tags a payload that *is* bytes, but serialises bytes found inside a JSON payload
    with a plain ``JSON.stringify`` replacer that writes base64 strings, which come back as
    strings (the top level of every payload is fine, so bytes-only tests pass)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        if data is MISSING or data is None:
            return await super().on_create(run_id, event, params)
        changed = {
            field: _nested_as_base64(getattr(data, field))
            for field in PAYLOAD_FIELDS
            if getattr(data, field, MISSING) is not MISSING
        }
        event = event.model_copy(update={"event_data": data.model_copy(update=changed)})
        return await super().on_create(run_id, event, params)
