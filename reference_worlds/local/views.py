"""The read side of LocalWorld: ``events``, ``runs``, ``steps`` and ``hooks``, from run folds.

Reads take no lock: each brings the folds it needs up to date with the committed lines of the
logs (``RunStore``) and answers from them. ``events.list`` pages by position in the run's log,
so a page costs the same at the end of a long log as at its start.
"""

from __future__ import annotations

from typing import Any

from reference_worlds.local.commits import LoggedEvent, RunFold
from reference_worlds.local.create import EventWriter
from reference_worlds.local.store import RunStore, TokenIndex
from reference_worlds.paging import decode_cursor, encode_cursor, limit_of, order_of, page
from worldspec import errors
from worldspec.entities import Hook, RunStatus, Step, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.resolve_data import strip_entity, strip_event
from worldspec.wire_types import MISSING

__all__ = ["LocalEvents", "LocalHooks", "LocalRuns", "LocalSteps"]


def _log_page(fold: RunFold, pagination: PaginationOptions | None) -> tuple[list[LoggedEvent], str | None]:
    """One page of the run's log and the cursor after it (``None`` on the last page)."""
    log = fold.events
    ascending = order_of(pagination, "asc") == "asc"
    limit = limit_of(pagination)
    start, end = 0, len(log)
    if pagination is not None and pagination.cursor is not MISSING:
        after = decode_cursor(pagination.cursor)
        position = fold.positions.get(after) if isinstance(after, str) else None
        if position is None:
            raise errors.WorkflowWorldError(f"unusable cursor {pagination.cursor[:40]!r}", status=400)
        if ascending:
            start = position + 1
        else:
            end = position
    if ascending:
        chosen, has_more = log[start : start + limit], start + limit < end
    else:
        chosen, has_more = log[max(start, end - limit) : end][::-1], end - limit > start
    return chosen, encode_cursor(chosen[-1].event_id) if has_more and chosen else None


class LocalEvents:
    """``world.events``."""

    def __init__(self, store: RunStore, writer: EventWriter) -> None:
        self._store = store
        self._writer = writer

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        return await self._writer.create(run_id, event, params)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        fold = self._store.fold(run_id)
        position = fold.positions.get(event_id)
        if position is None:
            raise errors.WorkflowWorldError(f'Event "{event_id}" not found in run "{run_id}"', status=404)
        return strip_event(fold.events[position].event.model, resolve_data)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        chosen, cursor = _log_page(self._store.fold(run_id), pagination)
        return PaginatedResponse[Event](
            data=[strip_event(logged.event.model, resolve_data) for logged in chosen],
            cursor=cursor,
            has_more=cursor is not None,
        )

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        folds = [self._store.fold(run_id)] if run_id is not None else self._store.all_folds()
        matching = sorted(
            (fold.events[index] for fold in folds for index in fold.by_correlation.get(correlation_id, [])),
            key=lambda logged: logged.event_id,
        )
        found = page(matching, lambda logged: logged.event_id, pagination, "asc")
        return PaginatedResponse[Event](
            data=[strip_event(logged.event.model, resolve_data) for logged in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class LocalRuns:
    """``world.runs``."""

    def __init__(self, store: RunStore) -> None:
        self._store = store

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        fold = self._store.fold(run_id)
        if fold.run is None:
            raise errors.WorkflowRunNotFoundError(run_id)
        return strip_entity(fold.run.model, resolve_data)

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        chosen: list[tuple[list[Any], WorkflowRun]] = []
        for fold in self._store.all_folds():
            assert fold.run is not None
            run = fold.run.model
            if (workflow_name is None or run.workflow_name == workflow_name) and (
                status is None or run.status == status
            ):
                chosen.append((fold.created_order, run))
        found = page(chosen, lambda entry: entry[0], pagination, "desc")
        return PaginatedResponse[WorkflowRun](
            data=[strip_entity(run, resolve_data) for _, run in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class LocalSteps:
    """``world.steps``."""

    def __init__(self, store: RunStore) -> None:
        self._store = store

    async def get(self, run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        folds = [self._store.fold(run_id)] if run_id is not None else self._store.all_folds()
        for fold in folds:
            if step_id in fold.steps:
                return strip_entity(fold.steps[step_id][1].model, resolve_data)
        raise errors.WorkflowWorldError(f'Step "{step_id}" not found', status=404)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        chosen = sorted(self._store.fold(run_id).steps.values(), key=lambda entry: entry[0])
        found = page(chosen, lambda entry: entry[0], pagination, "desc")
        return PaginatedResponse[Step](
            data=[strip_entity(step.model, resolve_data) for _, step in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class LocalHooks:
    """``world.hooks``: live hooks only."""

    def __init__(self, store: RunStore, tokens: TokenIndex) -> None:
        self._store = store
        self._tokens = tokens

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        for fold in self._store.all_folds():
            if hook_id in fold.hooks:
                return strip_entity(fold.hooks[hook_id].hook.model, resolve_data)
        raise errors.HookNotFoundError(hook_id)

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        holder = self._tokens.holder(token)
        live = None if holder is None else self._store.fold(holder[0]).hooks.get(holder[1])
        if live is None or live.token != token:
            raise errors.HookNotFoundError(token)
        return strip_entity(live.hook.model, resolve_data)

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        folds = [self._store.fold(run_id)] if run_id is not None else self._store.all_folds()
        chosen = sorted((live for fold in folds for live in fold.hooks.values()), key=lambda live: live.order)
        found = page(chosen, lambda live: live.order, pagination, "asc")
        return PaginatedResponse[Hook](
            data=[strip_entity(live.hook.model, resolve_data) for live in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )
