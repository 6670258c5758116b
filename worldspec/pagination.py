"""Listing: page options and the paginated response shape (``@workflow/world`` src/shared.ts)."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from worldspec.base import WireModel
from worldspec.wire_types import MISSING, JsBool, JsNumber, JsStr

__all__ = ["PaginatedResponse", "PaginationOptions", "ResolveData", "SortOrder"]

ResolveData = Literal["all", "none"]
"""``'all'`` returns payloads; ``'none'`` strips them (§9)."""

SortOrder = Literal["asc", "desc"]

T = TypeVar("T")


class PaginationOptions(WireModel):
    """``{limit?, cursor?, sortOrder?}``. Cursors are opaque; a limit of 1..1000 must be honoured."""

    limit: JsNumber | MISSING = MISSING
    cursor: JsStr | MISSING = MISSING
    sort_order: SortOrder | MISSING = MISSING


class PaginatedResponse(WireModel, Generic[T]):
    """``{data, cursor, hasMore}``: ``hasMore`` true implies a non-null cursor never seen before."""

    data: list[T]
    cursor: JsStr | None
    has_more: JsBool
