"""Listing: page options and the paginated response shape (``@workflow/world`` src/shared.ts)."""

from __future__ import annotations

from typing import Generic, Literal, TypeVar

from worldspec.base import WireModel
from worldspec.wire_types import MISSING, JsBool, JsNumber, JsStr

__all__ = ["PaginatedResponse", "PaginationOptions", "ResolveData", "SortOrder"]

ResolveData = Literal["all", "none"]
"""``'all'`` (the default) returns payloads; ``'none'`` leaves them out: run and step
``input``/``output``, hook ``metadata``, and each event's ``EVENT_DATA_REF_FIELDS`` (§9; see
``worldspec.resolve_data``)."""

SortOrder = Literal["asc", "desc"]
"""``events.list`` must honour it (``'desc'`` is the exact reverse of append order); the other
lists should."""

T = TypeVar("T")


class PaginationOptions(WireModel):
    """``{limit?, cursor?, sortOrder?}``.

    A ``limit`` of 1..1000 must be honoured exactly; above 1000 a World may clamp. Without a
    ``limit`` the page size is the World's own default, any value in 1..1000 (the reference
    Worlds use 100). ``cursor`` is one the same listing returned, handed back unchanged; an
    unusable one should be refused with ``WorkflowWorldError`` status 400. Without
    ``sort_order`` each list has its default order (events ascending, runs and steps newest
    first, hooks oldest first).
    """

    limit: JsNumber | MISSING = MISSING
    cursor: JsStr | MISSING = MISSING
    sort_order: SortOrder | MISSING = MISSING


class PaginatedResponse(WireModel, Generic[T]):
    """``{data, cursor, hasMore}``: one page of a listing.

    ``has_more`` true implies a non-null ``cursor`` not seen before in the same sequence of
    pages; with ``has_more`` false the cursor may be ``None`` or a string. An empty listing is
    ``data=[]``, ``cursor=None``, ``has_more=False``. Cursors are opaque and exclusive: the
    next page starts strictly after the last item, and an ``events.list`` cursor still finds
    the events appended after it was returned.
    """

    data: list[T]
    cursor: JsStr | None
    has_more: JsBool
