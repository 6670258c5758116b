"""The storage half of ``NodeWorld``: ``events``, ``runs``, ``steps`` and ``hooks``.

Each method turns its Python arguments into the TypeScript call of ``@workflow/world``
(``events.list({runId, pagination, resolveData})``, ...) and parses what comes back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Generic, Protocol, TypeVar

from reference_worlds.node import results
from worldspec.entities import RunStatus, Step, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.wire_types import MISSING

HookT = TypeVar("HookT")

__all__ = ["Events", "Hooks", "Runs", "Steps", "list_params"]


class _Caller(Protocol):
    def call(self, method: str, *args: Any) -> Awaitable[Any]: ...


def list_params(
    pagination: PaginationOptions | None, resolve_data: ResolveData, **filters: Any
) -> dict[str, Any]:
    """The params object of a ``list`` call: the filters that are set, the page, resolveData."""
    params = {key: value for key, value in filters.items() if value is not None}
    if pagination is not None:
        params["pagination"] = pagination.to_wire()
    params["resolveData"] = resolve_data
    return params


class Events:
    def __init__(self, world: _Caller) -> None:
        self._world = world

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        args: list[Any] = [run_id, event.to_wire()]
        if params is not None:
            args.append(params.to_wire())
        found = await self._world.call("events.create", *args)
        return results.event_result(found, results.LINE_4_MEMBERS)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        found = await self._world.call("events.get", run_id, event_id, {"resolveData": resolve_data})
        return results.read_event(found)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        params = list_params(pagination, resolve_data, runId=run_id)
        return results.page(
            await self._world.call("events.list", params), results.read_event, "events.list result"
        )

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        params = list_params(pagination, resolve_data, correlationId=correlation_id, runId=run_id)
        found = await self._world.call("events.listByCorrelationId", params)
        return results.page(found, results.read_event, "events.listByCorrelationId result")


class Runs:
    def __init__(self, world: _Caller) -> None:
        self._world = world

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        return results.read_run(await self._world.call("runs.get", run_id, {"resolveData": resolve_data}))

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        params = list_params(pagination, resolve_data, workflowName=workflow_name, status=status)
        return results.page(await self._world.call("runs.list", params), results.read_run, "runs.list result")


class Steps:
    def __init__(self, world: _Caller) -> None:
        self._world = world

    async def get(self, run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        owner = MISSING if run_id is None else run_id
        return results.read_step(
            await self._world.call("steps.get", owner, step_id, {"resolveData": resolve_data})
        )

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        params = list_params(pagination, resolve_data, runId=run_id)
        return results.page(
            await self._world.call("steps.list", params), results.read_step, "steps.list result"
        )


class Hooks(Generic[HookT]):
    """``world.hooks`` of either line: ``parse`` reads a hook in the line's model."""

    def __init__(self, world: _Caller, parse: Callable[[Any], HookT]) -> None:
        self._world = world
        self._parse = parse

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> HookT:
        return self._parse(await self._world.call("hooks.get", hook_id, {"resolveData": resolve_data}))

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> HookT:
        return self._parse(await self._world.call("hooks.getByToken", token, {"resolveData": resolve_data}))

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[HookT]:
        params = list_params(pagination, resolve_data, runId=run_id)
        return results.page(await self._world.call("hooks.list", params), self._parse, "hooks.list result")
