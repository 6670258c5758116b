"""The ``World`` protocol of the 5.x line, as a Python World implements it.

Mirrors ``@workflow/world`` 5.0.0-beta.37 src/interfaces.ts with Python names (snake_case
methods, keyword options). What changed from the 4.x protocol (``worldspec.protocol``):

- ``spec_version`` is required and is 6 or 7;
- streams moved under ``world.streams``, every call naming the owning run first;
- ``steps.get(run_id, step_id)`` requires the run; ``events.list_by_correlation_id`` too;
- ``runs.list(status=...)`` takes one status or several;
- a queue handler may return any value (``HandlerTimeout`` still asks for redelivery).

Optional members are declared by their presence; each has its own ``runtime_checkable``
protocol below (``SupportsGetMany``, ...) so a kit can ask ``isinstance(world.runs,
SupportsGetMany)``. Sections cited are those of world-contract-v7.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from worldspec.line5.attributes import AttributeChange
from worldspec.line5.bulk import (
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.entities import Hook, RunStatus, Step, WorkflowRun
from worldspec.line5.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5.queue import MessageMeta, QueueOptions, QueuePayload, QueueResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = [
    "Events",
    "Hooks",
    "QueueHandler",
    "Runs",
    "Steps",
    "Streams",
    "SupportsCancelMany",
    "SupportsCreateBatch",
    "SupportsCreateRunId",
    "SupportsExperimentalSetAttributes",
    "SupportsGetMany",
    "SupportsWaitForTerminalStatus",
    "SupportsWriteMulti",
    "World",
]

QueueHandler = Callable[[QueuePayload, MessageMeta], Awaitable[object]]
"""Receives one delivery. Returning ``HandlerTimeout(n)`` asks for the same message again after
``n`` seconds (not for ``invoke`` messages); any other value means done; raising asks for a
redelivery after a World-defined backoff."""


class Events(Protocol):
    """The append-only event log; the only way to change state (§4)."""

    async def create(
        self,
        run_id: str | None,
        event: EventRequest,
        params: CreateEventParams | None = None,
    ) -> EventResult:
        """Append ``event`` to run ``run_id`` at the next free slot and update the entities it
        touches, atomically (§4.1).

        A rejected create appends nothing, changes nothing and takes no slot. A create never
        fails because its expected position is taken: it commits at the next free slot and,
        with ``params.event_count``, reports the slots it skipped (§5.4).
        """
        ...

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        """The stored event ``event_id`` of run ``run_id`` (slot ids repeat across runs); a miss
        raises (SHOULD: 404)."""
        ...

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        """The run's events in slot order (ascending by default; ``desc`` is the exact reverse).

        Without ``pagination.limit`` it SHOULD return every remaining event. Every read is a
        prefix of the run's log; a cursor stays valid as the log grows.
        """
        ...

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        """Run ``run_id``'s events whose correlationId is ``correlation_id``, ascending; never
        another run's, even when it uses the same correlationId."""
        ...


class Runs(Protocol):
    """Runs: read-only views of run events."""

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        """The run (an expired run too, with ``expiredAt``); a miss raises
        ``WorkflowRunNotFoundError``."""
        ...

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | Sequence[RunStatus] | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        """Runs, newest first by default. ``status`` is one status or several (runs in any of
        them); an empty sequence matches no run; ``None`` does not filter."""
        ...


class Steps(Protocol):
    """Steps: read-only views of step events, keyed by ``(runId, stepId)``."""

    async def get(self, run_id: str, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        """The step ``step_id`` of run ``run_id``; a miss raises (SHOULD: 404)."""
        ...

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        """The run's steps, newest first by default."""
        ...


class Hooks(Protocol):
    """Hooks: live hooks, and hooks retained past their run's end (§4.4)."""

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        """The live or retained hook ``hook_id``; a miss raises ``HookNotFoundError``."""
        ...

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        """The live or retained hook holding ``token``; a miss raises ``HookNotFoundError``."""
        ...

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        """Live and retained hooks, of run ``run_id`` or of all runs, oldest first by default."""
        ...


class Streams(Protocol):
    """Named append-only byte streams, each call naming the run that owns the stream (§10)."""

    async def write(self, run_id: str, name: str, chunk: str | bytes) -> None:
        """Append ``chunk`` (a string as UTF-8) to stream ``name``; order is kept."""
        ...

    async def close(self, run_id: str, name: str) -> None:
        """Close the stream (even an empty one); later writes never become visible."""
        ...

    def get(self, run_id: str, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        """Yield the stream's non-empty chunks from ``start_index`` (negative: from the end),
        then new ones live, until close."""
        ...

    async def list(self, run_id: str) -> Sequence[str]:
        """Names of the run's streams."""
        ...

    async def get_chunks(
        self, run_id: str, name: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        """A snapshot page of chunks (zero-length ones included), indices from 0."""
        ...

    async def get_info(self, run_id: str, name: str) -> StreamInfoResponse:
        """``tailIndex`` = data chunks - 1, and whether the stream is closed."""
        ...


@runtime_checkable
class World(Protocol):
    """A storage + queue + stream backend of the 5.x runtime.

    Optional members, which ``runtime_checkable`` does not require: ``capabilities``
    (``worldspec.line5.capabilities.WorldCapabilities``), ``start()``, ``close()``,
    ``create_run_id()``, ``runs.get_many``, ``runs.wait_for_terminal_status``,
    ``runs.experimental_set_attributes``, ``runs.cancel_many``, ``events.create_batch``,
    ``streams.write_multi`` (see the ``Supports*`` protocols).
    """

    spec_version: int

    @property
    def events(self) -> Events: ...

    @property
    def runs(self) -> Runs: ...

    @property
    def steps(self) -> Steps: ...

    @property
    def hooks(self) -> Hooks: ...

    @property
    def streams(self) -> Streams: ...

    async def get_deployment_id(self) -> str:
        """A World-defined deployment id."""
        ...

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        """Enqueue ``message`` for at-least-once delivery to the handler of its prefix.

        ``queue_name`` must match the line's ``QUEUE_NAME_PATTERN`` (workflow topics only). The
        message arrives deep-equal, unknown keys and bytes included.
        """
        ...

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        """Deliver every message whose queue name starts with ``prefix`` to ``handler``; the
        message id SHOULD be the same on every delivery of one message."""
        ...


@runtime_checkable
class SupportsGetMany(Protocol):
    """``runs.get_many``: one snapshot of several runs."""

    async def get_many(
        self, run_ids: Sequence[str], *, resolve_data: ResolveData = "all"
    ) -> list[WorkflowRun | None]:
        """The runs in input order, ``None`` for an id with no run."""
        ...


@runtime_checkable
class SupportsWaitForTerminalStatus(Protocol):
    """``runs.wait_for_terminal_status``: a long poll for a run's end."""

    async def wait_for_terminal_status(
        self, run_id: str, *, timeout_ms: float | None = None, resolve_data: ResolveData = "all"
    ) -> WorkflowRun:
        """The run once terminal, or its latest snapshot after about ``timeout_ms`` (never an
        error for the timeout); a missing run raises ``WorkflowRunNotFoundError``."""
        ...


@runtime_checkable
class SupportsExperimentalSetAttributes(Protocol):
    """``runs.experimental_set_attributes``: merge attributes without an event."""

    async def experimental_set_attributes(
        self, run_id: str, changes: Sequence[AttributeChange], *, allow_reserved_attributes: bool = False
    ) -> dict[str, str]:
        """Validate and merge ``changes`` as ``attr_set`` would, append no event, and return the
        run's attributes after the merge."""
        ...


@runtime_checkable
class SupportsWriteMulti(Protocol):
    """``streams.write_multi``: sequential writes in one operation."""

    async def write_multi(self, run_id: str, name: str, chunks: Sequence[str | bytes]) -> None:
        """Append ``chunks`` in order, as sequential ``write`` calls would."""
        ...


@runtime_checkable
class SupportsCreateRunId(Protocol):
    """``create_run_id``: the World mints run ids for ``start()``."""

    def create_run_id(self) -> str:
        """A bare 26-character ULID with a current time; ``wrun_<it>`` is a valid runId."""
        ...


@runtime_checkable
class SupportsCancelMany(Protocol):
    """``runs.cancel_many``: cancel up to 500 runs in one call."""

    async def cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        """Refuse a malformed request before any run changes; else one outcome per id in request
        order (each cancellation logs ``run_cancelled`` with the reason) and their counts."""
        ...


@runtime_checkable
class SupportsCreateBatch(Protocol):
    """``events.create_batch``: several events of one run in one atomic attempt."""

    async def create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        """Accepted events commit at consecutive slots in request order; each result is what its
        single create would report; a type a batch cannot hold, or two events for one entity
        (bar ``step_created`` then a payload-free ``step_started``), refuses the whole batch."""
        ...
