"""Keyset paging shared by the reference Worlds.

A cursor names the sort key of the last item returned, so it stays valid while items are
appended: the next page starts strictly after that key. Cursors are opaque to clients
(URL-safe base64 of a small JSON document); one that does not decode is refused with
``WorkflowWorldError`` status 400 (§9).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from worldspec import errors
from worldspec.pagination import PaginatedResponse, PaginationOptions, SortOrder
from worldspec.streams import StreamChunk, StreamChunksResponse
from worldspec.wire_types import MISSING

__all__ = [
    "DEFAULT_CHUNK_PAGE",
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "chunk_page",
    "decode_cursor",
    "encode_cursor",
    "limit_of",
    "order_of",
    "page",
]

T = TypeVar("T")
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
DEFAULT_CHUNK_PAGE = 100


def encode_cursor(key: Any) -> str:
    """An opaque cursor pointing just after ``key``."""
    return base64.urlsafe_b64encode(json.dumps({"after": key}).encode()).decode()


def decode_cursor(cursor: str) -> Any:
    """The key a cursor points after; ``WorkflowWorldError`` (400) if it is not one of ours."""
    try:
        document = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        return document["after"]
    except (binascii.Error, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise errors.WorkflowWorldError(f"unusable cursor {cursor[:40]!r}", status=400) from None


def limit_of(pagination: PaginationOptions | None) -> int:
    """The page size asked for, clamped to 1..1000 (default 100)."""
    if pagination is None or pagination.limit is MISSING:
        return DEFAULT_LIMIT
    return max(1, min(MAX_LIMIT, int(pagination.limit)))


def order_of(pagination: PaginationOptions | None, default: SortOrder) -> SortOrder:
    """The sort order asked for, or ``default``."""
    if pagination is None or pagination.sort_order is MISSING:
        return default
    return pagination.sort_order


def page(
    items: Sequence[T],
    key: Callable[[T], Any],
    pagination: PaginationOptions | None,
    default_order: SortOrder,
    *,
    unlimited_by_default: bool = False,
) -> PaginatedResponse[T]:
    """One page of ``items`` (already in ascending ``key`` order) per ``pagination``. Without a
    limit a page holds ``DEFAULT_LIMIT`` items, or every remaining one when
    ``unlimited_by_default``."""
    order = order_of(pagination, default_order)
    ordered = list(items) if order == "asc" else list(reversed(items))
    if pagination is not None and pagination.cursor is not MISSING:
        after = decode_cursor(pagination.cursor)
        try:
            if order == "asc":
                ordered = [item for item in ordered if key(item) > after]
            else:
                ordered = [item for item in ordered if key(item) < after]
        except TypeError:
            raise errors.WorkflowWorldError("unusable cursor", status=400) from None
    asked = pagination is not None and pagination.limit is not MISSING
    limit = limit_of(pagination) if asked or not unlimited_by_default else len(ordered)
    chosen, has_more = ordered[:limit], len(ordered) > limit
    cursor = encode_cursor(key(chosen[-1])) if has_more else None
    return PaginatedResponse[T](data=chosen, cursor=cursor, has_more=has_more)


def chunk_page(
    chunks: Sequence[bytes], closed: bool, *, limit: int | None, cursor: str | None
) -> StreamChunksResponse:
    """One page of a stream's chunks (zero-length ones included), from a snapshot of ``chunks``.

    The cursor names the index of the last chunk returned; one that is not a chunk cursor is
    refused with ``WorkflowWorldError`` (400). ``done`` is true on the last page of a closed
    stream."""
    start = 0
    if cursor:
        after = decode_cursor(cursor)
        if not isinstance(after, int) or isinstance(after, bool) or after < -1:
            raise errors.WorkflowWorldError(f"unusable cursor {cursor[:40]!r}", status=400)
        start = after + 1
    size = max(1, min(MAX_LIMIT, limit or DEFAULT_CHUNK_PAGE))
    snapshot = list(chunks)
    chosen = snapshot[start : start + size]
    has_more = start + size < len(snapshot)
    return StreamChunksResponse(
        data=[StreamChunk(index=start + offset, data=data) for offset, data in enumerate(chosen)],
        cursor=encode_cursor(start + len(chosen) - 1) if has_more else None,
        has_more=has_more,
        done=closed and not has_more,
    )
