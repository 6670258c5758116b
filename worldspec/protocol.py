"""The ``World`` protocol: storage, queue and streams, as a Python World implements them.

Mirrors ``@workflow/world`` 4.5.0 src/interfaces.ts with Python names (snake_case methods,
keyword options). Every method is a coroutine except ``read_from_stream``, which returns an
async iterator. Each docstring states the contract in brief; the contract in full is in the
documentation, docs/contract/ (one page per part: data model, ``events.create``, resilient
start, legacy data, binary data, concurrency, listing, streams, queue, errors, optional
parts). A section cited as §N is that of the normative specification; docs/contract/index.md
maps each section to its page.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Protocol, runtime_checkable

from worldspec.entities import Hook, RunStatus, Step, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.queue import HandlerTimeout, MessageMeta, QueueOptions, QueuePayload, QueueResult
from worldspec.streams import StreamChunksResponse, StreamInfoResponse

__all__ = [
    "Events",
    "Hooks",
    "QueueHandler",
    "Runs",
    "Steps",
    "World",
]

QueueHandler = Callable[[QueuePayload, MessageMeta], Awaitable[HandlerTimeout | None]]
"""Receives one delivery. Returning ``None`` means done; ``HandlerTimeout(n)`` asks for the same
message again after ``n`` seconds; raising asks for a redelivery after a World-defined backoff."""


class Events(Protocol):
    """The append-only event log; the only way to change state (§4)."""

    async def create(
        self,
        run_id: str | None,
        event: EventRequest,
        params: CreateEventParams | None = None,
    ) -> EventResult:
        """Append ``event`` to run ``run_id`` and update the entities it touches, atomically.

        ``run_id`` may be ``None`` only for ``run_created`` (the World mints ``wrun_<ULID>``).
        Preconditions are checked in the order of §4.1; a rejected create appends nothing and
        changes nothing, and raises the ``worldspec.errors`` class the contract names (§3).
        Returns the stored event (``params.resolve_data`` applied), the touched entity and, on a
        pending-to-running ``run_started``, optionally the preloaded log (§5.2).
        """
        ...

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        """The stored event ``event_id`` of run ``run_id``, as ``list`` returns it. A miss
        (including an event of another run) raises; ``WorkflowWorldError`` with status 404 is
        expected."""
        ...

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        """The run's events, ascending append order by default; ``desc`` is the exact reverse.

        A ``pagination.limit`` of 1..1000 is honoured exactly; without one the page size is the
        World's default. A cursor stays valid as the log grows: events appended later appear
        after it. With ``resolve_data='none'`` each event loses its ``EVENT_DATA_REF_FIELDS``.
        """
        ...

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        """Events whose correlationId is ``correlation_id``, ascending: those of run ``run_id``
        when it is given (which should be supported), else those of every run."""
        ...


class Runs(Protocol):
    """Runs: read-only views of run events."""

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        """The run; a miss raises ``WorkflowRunNotFoundError``. With ``resolve_data='none'`` the
        run has no ``input`` or ``output``."""
        ...

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        """Runs, newest first by default, filtered by workflow name and status when given."""
        ...


class Steps(Protocol):
    """Steps: read-only views of step events."""

    async def get(self, run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        """The step; with ``run_id=None`` found by step id alone. A miss raises;
        ``WorkflowWorldError`` with status 404 is expected."""
        ...

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        """The run's steps, one per ``step_created``, newest first by default."""
        ...


class Hooks(Protocol):
    """Hooks: read-only views of hook events. Only live hooks are visible."""

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        """The live hook ``hook_id``; a miss raises ``HookNotFoundError``."""
        ...

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        """The live hook holding ``token`` (compared exactly); a miss raises
        ``HookNotFoundError``."""
        ...

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        """Live hooks, of run ``run_id`` or of all runs, oldest first by default."""
        ...


@runtime_checkable
class World(Protocol):
    """A storage + queue + stream backend of the Workflow DevKit runtime.

    Optional members, which ``runtime_checkable`` does not require: ``start()`` (begin
    background work such as queue delivery), ``close()`` (release resources; the World is not
    used afterwards) and ``write_to_stream_multi(name, run_id, chunks)`` (sequential writes in
    one operation). ``spec_version`` is the highest spec version implemented (3), or ``None``.
    """

    spec_version: int | None

    @property
    def events(self) -> Events: ...

    @property
    def runs(self) -> Runs: ...

    @property
    def steps(self) -> Steps: ...

    @property
    def hooks(self) -> Hooks: ...

    async def get_deployment_id(self) -> str:
        """A World-defined deployment id (any string)."""
        ...

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        """Enqueue ``message`` for at-least-once delivery to the handler of its prefix.

        ``queue_name`` must match ``QUEUE_NAME_PATTERN`` (else ``WorkflowWorldError`` or
        ``ValueError``). While a message with ``options.idempotency_key`` is unhandled, another
        call with that key adds no delivery. Bytes in the payload arrive unchanged. A message
        queued with ``options.spec_version=1`` (the health check) is delivered like any other;
        ``options.delay_seconds`` is honoured by Worlds with the ``delay`` capability.
        """
        ...

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        """Deliver every message whose queue name starts with ``prefix`` to ``handler``, at least
        once. (Upstream's TypeScript method returns an HTTP handler for the host to mount; a
        Python World delivers to ``handler`` itself.)

        Delivery meta: ``attempt`` from 1, +1 per redelivery; the full queue name; the message
        id ``queue()`` returned. A handler that raises sees the message again with
        ``attempt + 1`` after a World-defined backoff; one that returns ``HandlerTimeout(n)``
        sees the same message, with the same id, with ``attempt + 1``, not before ``n`` seconds.
        """
        ...

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        """Append ``chunk`` (strings stored as UTF-8) to stream ``name``; order is kept."""
        ...

    async def close_stream(self, name: str, run_id: str) -> None:
        """Close stream ``name`` (even an empty one); later writes never become visible."""
        ...

    def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        """Yield the stream's non-empty chunks from ``start_index``, then new ones live, until
        close. A negative start means ``max(0, n + start_index)`` (``n`` = chunks written,
        zero-length ones counted); a start at or past ``n`` on a closed stream yields nothing."""
        ...

    async def list_streams_by_run_id(self, run_id: str) -> Sequence[str]:
        """Names of the streams written or closed with ``run_id``; ``[]`` when there are none.
        The run need not exist: a stream is keyed by its name alone."""
        ...

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        """A snapshot page of chunks (zero-length ones included), indices from 0; ``limit``
        defaults to 100, at most 1000. The last page has ``has_more=False``, ``cursor=None``
        and ``done`` = the stream is closed."""
        ...

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        """``tailIndex`` = data chunks - 1, and whether the stream is closed."""
        ...
