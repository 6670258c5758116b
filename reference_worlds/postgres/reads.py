"""The read half of the storage API: getters and keyset-paged lists over the PostgresWorld tables.

Lists page on one key column (``events.event_id``, or the ``seq`` a row got when inserted), so a
cursor names the last key returned and stays valid while rows are appended (contract §9). A
string no ``text`` column can hold (NUL, a lone surrogate) cannot be stored, so looking one up is
a miss, never a driver error.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, LiteralString, TypeVar

from psycopg_pool import AsyncConnectionPool

from reference_worlds.paging import decode_cursor, encode_cursor, limit_of, order_of
from reference_worlds.postgres.codec import is_storable_text, string_to_bytes
from reference_worlds.postgres.rows import (
    EVENT_SELECT,
    EVENT_SELECT_NO_PAYLOAD,
    HOOK_SELECT,
    RUN_SELECT,
    STEP_SELECT,
    event_from_row,
    hook_from_row,
    run_from_row,
    step_from_row,
)
from worldspec import errors
from worldspec.entities import Hook, RunStatus, Step, WorkflowRun
from worldspec.events import Event
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData, SortOrder
from worldspec.resolve_data import strip_entity
from worldspec.wire_types import MISSING

__all__ = ["Reader"]

T = TypeVar("T")
Pool = AsyncConnectionPool[Any]
_EMPTY_FILTER: Final = object()
"""A filter value no row can match (an unstorable string)."""


def _cursor_key(pagination: PaginationOptions | None, kind: type) -> Any:
    """The key a cursor points after, checked to be of the list's key type; ``None`` without one."""
    if pagination is None or pagination.cursor is MISSING:
        return None
    key = decode_cursor(pagination.cursor)
    usable = isinstance(key, kind) and not isinstance(key, bool)
    if not usable or (isinstance(key, str) and not is_storable_text(key)):
        raise errors.WorkflowWorldError(f"unusable cursor {pagination.cursor[:40]!r}", status=400)
    return key


def _filter_value(value: str) -> object:
    return value if is_storable_text(value) else _EMPTY_FILTER


class Reader:
    """Every read the World's ``events``, ``runs``, ``steps`` and ``hooks`` offer."""

    def __init__(self, pool: Pool) -> None:
        self._pool = pool

    async def _rows(self, query: LiteralString, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        async with self._pool.connection() as conn:
            cursor = await conn.execute(query, params, binary=True, prepare=True)
            rows: list[tuple[Any, ...]] = await cursor.fetchall()
            return rows

    async def _page(
        self,
        *,
        select: LiteralString,
        table: LiteralString,
        key: LiteralString,
        filters: Sequence[tuple[LiteralString, object]],
        pagination: PaginationOptions | None,
        default_order: SortOrder,
        key_type: type,
        build: Callable[[tuple[Any, ...]], T],
    ) -> PaginatedResponse[T]:
        after = _cursor_key(pagination, key_type)
        if any(value is _EMPTY_FILTER for _, value in filters):
            return PaginatedResponse[T](data=[], cursor=None, has_more=False)
        order = order_of(pagination, default_order)
        limit = limit_of(pagination)
        conditions = [f"{column} = %s" for column, _ in filters]
        params: list[Any] = [value for _, value in filters]
        if after is not None:
            conditions.append(f"{key} {'>' if order == 'asc' else '<'} %s")
            params.append(after)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        direction = "ASC" if order == "asc" else "DESC"
        params.append(limit + 1)
        rows = await self._rows(
            f"SELECT {select}, {key} FROM {table}{where} ORDER BY {key} {direction} LIMIT %s",
            params,
        )
        chosen, has_more = rows[:limit], len(rows) > limit
        return PaginatedResponse[T](
            data=[build(row[:-1]) for row in chosen],
            cursor=encode_cursor(chosen[-1][-1]) if has_more else None,
            has_more=has_more,
        )

    # --- events ------------------------------------------------------------------------------

    async def event(self, run_id: str, event_id: str, resolve_data: ResolveData) -> Event:
        if is_storable_text(run_id) and is_storable_text(event_id):
            rows = await self._rows(
                f"SELECT {EVENT_SELECT} FROM events WHERE run_id = %s AND event_id = %s", (run_id, event_id)
            )
            if rows:
                return event_from_row(rows[0], resolve_data)
        raise errors.WorkflowWorldError(f'Event "{event_id}" not found in run "{run_id}"', status=404)

    async def events(
        self, run_id: str, pagination: PaginationOptions | None, resolve_data: ResolveData
    ) -> PaginatedResponse[Event]:
        return await self._page(
            select=EVENT_SELECT if resolve_data == "all" else EVENT_SELECT_NO_PAYLOAD,
            table="events",
            key="event_id",
            filters=[("run_id", _filter_value(run_id))],
            pagination=pagination,
            default_order="asc",
            key_type=str,
            build=lambda row: event_from_row(row, resolve_data),
        )

    async def events_by_correlation_id(
        self,
        correlation_id: str,
        run_id: str | None,
        pagination: PaginationOptions | None,
        resolve_data: ResolveData,
    ) -> PaginatedResponse[Event]:
        filters: list[tuple[LiteralString, object]] = [("correlation_id", _filter_value(correlation_id))]
        if run_id is not None:
            filters.append(("run_id", _filter_value(run_id)))
        return await self._page(
            select=EVENT_SELECT if resolve_data == "all" else EVENT_SELECT_NO_PAYLOAD,
            table="events",
            key="event_id",
            filters=filters,
            pagination=pagination,
            default_order="asc",
            key_type=str,
            build=lambda row: event_from_row(row, resolve_data),
        )

    # --- runs --------------------------------------------------------------------------------

    async def run(self, run_id: str, resolve_data: ResolveData) -> WorkflowRun:
        if is_storable_text(run_id):
            rows = await self._rows(f"SELECT {RUN_SELECT} FROM runs WHERE run_id = %s", (run_id,))
            if rows:
                return strip_entity(run_from_row(rows[0]), resolve_data)
        raise errors.WorkflowRunNotFoundError(run_id)

    async def runs(
        self,
        workflow_name: str | None,
        status: RunStatus | None,
        pagination: PaginationOptions | None,
        resolve_data: ResolveData,
    ) -> PaginatedResponse[WorkflowRun]:
        filters: list[tuple[LiteralString, object]] = []
        if workflow_name is not None:
            filters.append(("workflow_name", _filter_value(workflow_name)))
        if status is not None:
            filters.append(("status", _filter_value(status)))
        return await self._page(
            select=RUN_SELECT,
            table="runs",
            key="seq",
            filters=filters,
            pagination=pagination,
            default_order="desc",
            key_type=int,
            build=lambda row: strip_entity(run_from_row(row), resolve_data),
        )

    # --- steps -------------------------------------------------------------------------------

    async def step(self, run_id: str | None, step_id: str, resolve_data: ResolveData) -> Step:
        if is_storable_text(step_id) and (run_id is None or is_storable_text(run_id)):
            if run_id is None:
                query: LiteralString = (
                    f"SELECT {STEP_SELECT} FROM steps WHERE step_id = %s ORDER BY seq LIMIT 1"
                )
                rows = await self._rows(query, (step_id,))
            else:
                query = f"SELECT {STEP_SELECT} FROM steps WHERE step_id = %s AND run_id = %s"
                rows = await self._rows(query, (step_id, run_id))
            if rows:
                return strip_entity(step_from_row(rows[0]), resolve_data)
        raise errors.WorkflowWorldError(f'Step "{step_id}" not found', status=404)

    async def steps(
        self, run_id: str, pagination: PaginationOptions | None, resolve_data: ResolveData
    ) -> PaginatedResponse[Step]:
        return await self._page(
            select=STEP_SELECT,
            table="steps",
            key="seq",
            filters=[("run_id", _filter_value(run_id))],
            pagination=pagination,
            default_order="desc",
            key_type=int,
            build=lambda row: strip_entity(step_from_row(row), resolve_data),
        )

    # --- hooks -------------------------------------------------------------------------------

    async def hook(self, hook_id: str, resolve_data: ResolveData) -> Hook:
        if is_storable_text(hook_id):
            rows = await self._rows(
                f"SELECT {HOOK_SELECT} FROM hooks WHERE hook_id = %s ORDER BY seq LIMIT 1", (hook_id,)
            )
            if rows:
                return strip_entity(hook_from_row(rows[0]), resolve_data)
        raise errors.HookNotFoundError(hook_id)

    async def hook_by_token(self, token: str, resolve_data: ResolveData) -> Hook:
        stored = string_to_bytes(token)
        rows = await self._rows(
            f"SELECT {HOOK_SELECT} FROM hooks WHERE sha256(token) = sha256(%s) AND token = %s",
            (stored, stored),
        )
        if not rows:
            raise errors.HookNotFoundError(token)
        return strip_entity(hook_from_row(rows[0]), resolve_data)

    async def hooks(
        self, run_id: str | None, pagination: PaginationOptions | None, resolve_data: ResolveData
    ) -> PaginatedResponse[Hook]:
        filters: list[tuple[LiteralString, object]] = []
        if run_id is not None:
            filters.append(("run_id", _filter_value(run_id)))
        return await self._page(
            select=HOOK_SELECT,
            table="hooks",
            key="seq",
            filters=filters,
            pagination=pagination,
            default_order="asc",
            key_type=int,
            build=lambda row: strip_entity(hook_from_row(row), resolve_data),
        )
