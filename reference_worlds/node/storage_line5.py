"""The 5.x half of ``NodeWorld``: ``events``, ``runs``, ``steps``, ``hooks`` and ``streams`` of a
World declaring spec version 6 or 7 (``worldspec.line5.protocol``).

Each method makes the TypeScript call of ``@workflow/world`` 5.0.0-beta.37 and parses what
comes back with the 5.x models (``worldspec.line5``): verbatim errors, slot event ids,
``attr_set`` and ``noop`` events. Optional members (``runs.getMany``, ``events.createBatch``,
``streams.writeMulti``, ...) exist on the Python object only when the Node World has them,
because on this line a member's presence is its declaration.
"""

from __future__ import annotations

import builtins
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Sequence
from typing import Any, Protocol

from reference_worlds.node import results
from reference_worlds.node.storage import list_params
from worldspec.line5 import validation
from worldspec.line5.attributes import AttributeChange
from worldspec.line5.bulk import (
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.entities import RunStatus, Step, WorkflowRun
from worldspec.line5.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.streams import StreamChunksResponse, StreamInfoResponse
from worldspec.validation import MalformedAnswer

__all__ = [
    "LINE_5_MEMBERS",
    "LineFiveEvents",
    "LineFiveRuns",
    "LineFiveSteps",
    "NodeStreams",
]

_read_event = results.answered(validation.parse_event)
_read_run = results.answered(validation.parse_run)
_read_step = results.answered(validation.parse_step)

LINE_5_MEMBERS = results.LineParsers(
    event=_read_event,
    run=_read_run,
    step=_read_step,
    hook=results.answered(validation.parse_hook),
    event_result=EventResult,
)
"""How the storage of this line reads what Node returns."""


class _Caller(Protocol):
    def call(self, method: str, *args: Any) -> Awaitable[Any]: ...

    def stream(self, method: str, *args: Any) -> AsyncGenerator[Any]: ...


class LineFiveEvents:
    """``world.events`` (§4); ``create_batch`` only when the Node World has ``createBatch``."""

    def __init__(self, world: _Caller, members: set[str]) -> None:
        self._world = world
        if "events.createBatch" in members:
            self.create_batch = self._create_batch

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        args: list[Any] = [run_id, event.to_wire()]
        if params is not None:
            args.append(params.to_wire())
        found = await self._world.call("events.create", *args)
        return results.event_result(found, LINE_5_MEMBERS)

    async def _create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        args: list[Any] = [run_id, [event.to_wire() for event in events]]
        if params is not None:
            args.append(params.to_wire())
        found = await self._world.call("events.createBatch", *args)
        return results.model(EventBatchResult, "events.createBatch result", found)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        found = await self._world.call("events.get", run_id, event_id, {"resolveData": resolve_data})
        return _read_event(found)

    async def list(
        self, run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
    ) -> PaginatedResponse[Event]:
        params = list_params(pagination, resolve_data, runId=run_id)
        return results.page(await self._world.call("events.list", params), _read_event, "events.list result")

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        params = list_params(pagination, resolve_data, correlationId=correlation_id, runId=run_id)
        found = await self._world.call("events.listByCorrelationId", params)
        return results.page(found, _read_event, "events.listByCorrelationId result")


class LineFiveRuns:
    """``world.runs``; ``get_many``, ``wait_for_terminal_status``, ``experimental_set_attributes``
    and ``cancel_many`` only when the Node World has them."""

    def __init__(self, world: _Caller, members: set[str]) -> None:
        self._world = world
        optional: dict[str, tuple[str, Any]] = {
            "runs.getMany": ("get_many", self._get_many),
            "runs.waitForTerminalStatus": ("wait_for_terminal_status", self._wait_for_terminal_status),
            "runs.experimentalSetAttributes": ("experimental_set_attributes", self._set_attributes),
            "runs.cancelMany": ("cancel_many", self._cancel_many),
        }
        for member, (name, method) in optional.items():
            if member in members:
                setattr(self, name, method)

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        return _read_run(await self._world.call("runs.get", run_id, {"resolveData": resolve_data}))

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | Sequence[RunStatus] | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        wanted = status if status is None or isinstance(status, str) else list(status)
        params = list_params(pagination, resolve_data, workflowName=workflow_name, status=wanted)
        return results.page(await self._world.call("runs.list", params), _read_run, "runs.list result")

    async def _get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> builtins.list[WorkflowRun | None]:
        found = await self._world.call("runs.getMany", list(run_ids), {"resolveData": resolve_data})
        runs = results.sequence(found, "runs.getMany result")
        return [None if run is None else _read_run(run) for run in runs]

    async def _wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        params: dict[str, Any] = {"resolveData": resolve_data}
        if timeout_ms is not None:
            params["timeoutMs"] = timeout_ms
        return _read_run(await self._world.call("runs.waitForTerminalStatus", run_id, params))

    async def _set_attributes(
        self, run_id: str, changes: Sequence[AttributeChange], *, allow_reserved_attributes: bool = False
    ) -> dict[str, str]:
        args: list[Any] = [run_id, [change.to_wire() for change in changes]]
        if allow_reserved_attributes:
            args.append({"allowReservedAttributes": True})
        found = results.decoded(await self._world.call("runs.experimentalSetAttributes", *args), "attributes")
        attributes = found.get("attributes") if isinstance(found, dict) else None
        if not isinstance(attributes, dict) or not all(isinstance(item, str) for item in attributes.values()):
            problem = f"attributes: expected an object of strings, got {found!r}"
            raise MalformedAnswer("runs.experimentalSetAttributes result", [problem])
        return {str(key): value for key, value in attributes.items()}

    async def _cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        found = await self._world.call("runs.cancelMany", request.to_wire())
        return results.model(BulkCancelWorkflowRunsResult, "runs.cancelMany result", found)


class LineFiveSteps:
    """``world.steps``, keyed by ``(runId, stepId)``."""

    def __init__(self, world: _Caller) -> None:
        self._world = world

    async def get(self, run_id: str, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        return _read_step(await self._world.call("steps.get", run_id, step_id, {"resolveData": resolve_data}))

    async def list(
        self, run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
    ) -> PaginatedResponse[Step]:
        params = list_params(pagination, resolve_data, runId=run_id)
        return results.page(await self._world.call("steps.list", params), _read_step, "steps.list result")


class NodeStreams:
    """``world.streams`` (§10): every call names the owning run first; ``write_multi`` only when
    the Node World has ``streams.writeMulti``."""

    def __init__(self, world: _Caller, members: set[str]) -> None:
        self._world = world
        if "streams.writeMulti" in members:
            self.write_multi = self._write_multi

    async def write(self, run_id: str, name: str, chunk: str | bytes) -> None:
        await self._world.call("streams.write", run_id, name, chunk)

    async def _write_multi(self, run_id: str, name: str, chunks: Sequence[str | bytes]) -> None:
        await self._world.call("streams.writeMulti", run_id, name, list(chunks))

    async def close(self, run_id: str, name: str) -> None:
        await self._world.call("streams.close", run_id, name)

    async def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        chunks = self._world.stream("bridge.streamsGet", run_id, name, start_index)
        try:
            async for tagged in chunks:
                chunk = results.decoded(tagged, "streams.get chunk")
                if not isinstance(chunk, bytes):
                    problem = f"(root): expected bytes, got {type(chunk).__name__}"
                    raise MalformedAnswer("streams.get chunk", [problem])
                yield chunk
        finally:
            await chunks.aclose()

    async def list(self, run_id: str) -> Sequence[str]:
        names = results.sequence(await self._world.call("streams.list", run_id), "streams.list")
        return [results.text(name, "streams.list item") for name in names]

    async def get_chunks(
        self, run_id: str, name: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        options = {key: value for key, value in (("limit", limit), ("cursor", cursor)) if value is not None}
        found = await self._world.call("streams.getChunks", run_id, name, options)
        return results.model(StreamChunksResponse, "streams.getChunks result", found)

    async def get_info(self, run_id: str, name: str) -> StreamInfoResponse:
        found = await self._world.call("streams.getInfo", run_id, name)
        return results.model(StreamInfoResponse, "streams.getInfo result", found)
