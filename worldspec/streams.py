"""Stream shapes (``@workflow/world`` src/shared.ts): chunks, chunk pages and stream info."""

from __future__ import annotations

from pydantic import StrictBytes

from worldspec.base import WireModel
from worldspec.wire_types import JsBool, JsNumber, JsStr

__all__ = ["StreamChunk", "StreamChunksResponse", "StreamInfoResponse"]


class StreamChunk(WireModel):
    """One chunk: its 0-based ``index`` in the stream and its raw bytes."""

    index: JsNumber
    data: StrictBytes


class StreamChunksResponse(WireModel):
    """A snapshot page of chunks. ``done`` says the stream is closed; on the last page
    ``hasMore`` is false and ``cursor`` null."""

    data: list[StreamChunk]
    cursor: JsStr | None
    has_more: JsBool
    done: JsBool


class StreamInfoResponse(WireModel):
    """``tailIndex`` = index of the last data chunk (-1 when none); ``done`` = closed."""

    tail_index: JsNumber
    done: JsBool
