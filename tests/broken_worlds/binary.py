"""Broken Worlds for the binary-fidelity invariants (BIN, §7): bytes, dates, and strings that
look like either."""

from __future__ import annotations

import base64
import binascii
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

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


def _each_leaf(value: Any, change: Callable[[Any], Any]) -> Any:
    """``value`` with ``change`` applied to every leaf, at any depth."""
    if isinstance(value, dict):
        return {key: _each_leaf(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_each_leaf(item, change) for item in value]
    return change(value)


class _StoresValuesThrough(BrokenWorld):
    """A World whose storage changes the values of the eventData fields in ``fields`` as
    ``stored`` says (the event, and the entity made from it, keep the changed value)."""

    fields: ClassVar[tuple[str, ...]] = (*PAYLOAD_FIELDS, "execution_context")

    def stored(self, value: Any) -> Any:
        raise NotImplementedError("a _StoresValuesThrough World says what its storage makes of a value")

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        data = getattr(event, "event_data", MISSING)
        if data is not MISSING and data is not None:
            changed = {
                field: self.stored(getattr(data, field))
                for field in self.fields
                if getattr(data, field, MISSING) is not MISSING
            }
            event = event.model_copy(update={"event_data": data.model_copy(update=changed)})
        return await super().on_create(run_id, event, params)


def _as_float32(value: Any) -> Any:
    return struct.unpack("<f", struct.pack("<f", value))[0] if isinstance(value, float) else value


class NumbersAsFloat32(_StoresValuesThrough, breaks={"BIN-001"}, only="binary"):
    """Packs payload values with MessagePack's ``use_single_float=True`` to save space: every
    fraction is stored as a 32-bit float (0.1 reads back as 0.10000000149011612)."""

    def stored(self, value: Any) -> Any:
        return _each_leaf(value, _as_float32)


class StringsCutAt64KiB(_StoresValuesThrough, breaks={"BIN-001"}, only="binary"):
    """Caps every string in a payload at 65,535 characters, a guard meant to keep rows under
    its database's limit, where §7 says an oversize value is refused, never cut."""

    def stored(self, value: Any) -> Any:
        return _each_leaf(value, lambda leaf: leaf[:65_535] if isinstance(leaf, str) else leaf)


class DeepBytesAsIndexObjects(_StoresValuesThrough, breaks={"BIN-001"}, only="binary"):
    """Its codec tags bytes while it walks a value, but the walk stops eight levels down (a
    guard against cycles); bytes deeper than that are written by plain ``JSON.stringify``,
    which makes a ``Uint8Array`` an object of its indices."""

    def stored(self, value: Any) -> Any:
        return _tag_bytes_down_to(value, levels=8)


def _tag_bytes_down_to(value: Any, levels: int) -> Any:
    if levels == 0:
        return _each_leaf(value, lambda leaf: _index_object(leaf) if isinstance(leaf, bytes) else leaf)
    if isinstance(value, dict):
        return {key: _tag_bytes_down_to(item, levels - 1) for key, item in value.items()}
    if isinstance(value, list):
        return [_tag_bytes_down_to(item, levels - 1) for item in value]
    return value


def _index_object(data: bytes) -> dict[str, int]:
    return {str(index): byte for index, byte in enumerate(data)}


class ErrorsKeptAsJsonText(_StoresValuesThrough, breaks={"BIN-001"}, only="binary"):
    """Keeps eventData ``error`` in a JSON text column beside the binary payload columns (as
    @workflow/world-postgres 4.x keeps its ``error`` column): bytes inside an error come back
    as objects of their indices, as ``JSON.stringify`` writes a ``Uint8Array``."""

    fields = ("error",)

    def stored(self, value: Any) -> Any:
        return _each_leaf(value, lambda leaf: _index_object(leaf) if isinstance(leaf, bytes) else leaf)


_TIMESTAMP_RANGE = (
    datetime(1970, 1, 1, 0, 0, 1, tzinfo=UTC),
    datetime(2038, 1, 19, 3, 14, 7, tzinfo=UTC),
)
"""What a MySQL ``TIMESTAMP`` column holds."""


class WaitResumeAtInTimestampColumn(BrokenWorld, breaks={"BIN-002"}, only="binary"):
    """Keeps a wait's ``resumeAt`` in a MySQL ``TIMESTAMP`` column, which holds 1970 to January
    2038 only: in non-strict mode an instant outside it is stored as zero and read back as the
    epoch (the event's eventData, kept as JSON, is right)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        wait = result.wait
        if wait is MISSING or wait.resume_at is MISSING:
            return result
        earliest, latest = _TIMESTAMP_RANGE
        if earliest <= wait.resume_at <= latest:
            return result
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        return result.model_copy(update={"wait": wait.model_copy(update={"resume_at": epoch})})


def _keys_escaped(value: Any) -> Any:
    """``value`` with every object key escaped as a MongoDB document needs: a leading ``$`` as
    ``＄`` and each ``.`` as ``．``, at any depth."""
    if isinstance(value, dict):
        return {
            ("\uff04" + key[1:] if key.startswith("$") else key).replace(".", "\uff0e"): _keys_escaped(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_keys_escaped(item) for item in value]
    return value


class DocumentKeysEscaped(_StoresValuesThrough, breaks={"BIN-001", "LEG-004"}):
    """Stores payloads as MongoDB documents with their keys escaped (a leading ``$`` as ``＄``,
    each ``.`` as ``．``), as the server asks of field names it would read as operators or
    paths, and never turns them back on read."""

    def stored(self, value: Any) -> Any:
        return _keys_escaped(value)
