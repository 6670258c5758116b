"""Stream shapes (``@workflow/world`` src/shared.ts): chunks, chunk pages and stream info."""

from __future__ import annotations

from pydantic import StrictBytes

from worldspec.base import WireModel
from worldspec.wire_types import JsBool, JsNumber, JsStr

__all__ = ["StreamChunk", "StreamChunksResponse", "StreamInfoResponse"]


class StreamChunk(WireModel):
    """One chunk: its 0-based ``index`` in the stream and its bytes, exactly as written (a
    ``str`` written is read back as its UTF-8 bytes). Zero-length chunks have an index too."""

    index: JsNumber
    data: StrictBytes


class StreamChunksResponse(WireModel):
    """A snapshot page of ``get_stream_chunks``: chunks in index order, zero-length ones
    included, indices contiguous from 0 across pages.

    ``has_more`` true comes with a non-null, opaque ``cursor``. On the last page ``has_more``
    is false, ``cursor`` is ``None`` and ``done`` says whether the stream is closed; earlier
    pages may say ``done=False``. The page size defaults to 100 and may be up to 1000.
    """

    data: list[StreamChunk]
    cursor: JsStr | None
    has_more: JsBool
    done: JsBool


class StreamInfoResponse(WireModel):
    """``tailIndex`` = index of the last chunk written, zero-length ones counted (-1 when none);
    ``done`` = the stream is closed. An unwritten stream is ``{tailIndex: -1, done: false}``."""

    tail_index: JsNumber
    done: JsBool
