"""``PostgresWorld``: the whole contract on PostgreSQL, linearizable across processes (§8).

``start()`` finds the database (``reference_worlds.postgres.locate``), applies the migrations to
the World's schema, and opens a connection pool and a listening connection. Without a ``schema``
the World makes a fresh ``worldspec_<random>`` schema and drops it on ``close()``, so each World
the kit makes (one per test) starts empty and leaves nothing behind. With ``schema=NAME`` it uses
that schema (creating and migrating it if needed) and keeps it: Worlds in several processes given
the same DSN and schema share one storage.

Every error the driver raises on a user's input becomes a ``WorkflowWorldError``: strings that
cannot be stored are refused or treated as misses before they reach the driver, and anything
else the driver raises is reported as ``WorkflowWorldError`` with status 500.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import datetime
from types import TracebackType
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql
from psycopg_pool import AsyncConnectionPool

from reference_worlds.memory import system_clock
from reference_worlds.postgres.backdoor import PostgresBackdoor
from reference_worlds.postgres.create import EventCreator
from reference_worlds.postgres.faults import PostgresFaults
from reference_worlds.postgres.locate import (
    channel_names,
    check_schema_name,
    describe_dsn,
    find_dsn,
    fresh_schema_name,
    session_options,
)
from reference_worlds.postgres.migrations import apply_migrations
from reference_worlds.postgres.notifier import Notifier
from reference_worlds.postgres.queue import PostgresQueue
from reference_worlds.postgres.reads import Reader
from reference_worlds.postgres.run_state import RunCache
from reference_worlds.postgres.streams import PostgresStreams
from worldspec import errors
from worldspec.capabilities import Capabilities
from worldspec.entities import Hook, RunStatus, Step, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.protocol import QueueHandler
from worldspec.queue import QueueOptions, QueuePayload, QueueResult
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.streams import StreamChunksResponse, StreamInfoResponse
from worldspec.ulid import MonotonicUlid

__all__ = ["PostgresWorld"]

RUN_CACHE_SIZE: Final = 1024
"""Runs whose state a World keeps between creates (least recently used are forgotten)."""


T = TypeVar("T")


def _opened(part: T | None) -> T:
    """A part ``start()`` opens; ``RuntimeError`` before that."""
    if part is None:
        raise RuntimeError("PostgresWorld is not started: await world.start() first")
    return part


@contextlib.contextmanager
def _driver_errors() -> Iterator[None]:
    """Report a driver error as the World's own error."""
    try:
        yield
    except psycopg.DataError as error:
        raise errors.WorkflowWorldError(f"PostgreSQL refused the data: {error}", status=400) from error
    except psycopg.Error as error:
        raise errors.WorkflowWorldError(f"PostgreSQL failed: {error}", status=500) from error


class _Events:
    def __init__(self, world: PostgresWorld) -> None:
        self._world = world

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        with _driver_errors():
            return await self._world.creator.create(run_id, event, params)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        with _driver_errors():
            return await self._world.reader.event(run_id, event_id, resolve_data)

    async def list(
        self, run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
    ) -> PaginatedResponse[Event]:
        with _driver_errors():
            return await self._world.reader.events(run_id, pagination, resolve_data)

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        with _driver_errors():
            return await self._world.reader.events_by_correlation_id(
                correlation_id, run_id, pagination, resolve_data
            )


class _Runs:
    def __init__(self, world: PostgresWorld) -> None:
        self._world = world

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        with _driver_errors():
            return await self._world.reader.run(run_id, resolve_data)

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        with _driver_errors():
            return await self._world.reader.runs(workflow_name, status, pagination, resolve_data)


class _Steps:
    def __init__(self, world: PostgresWorld) -> None:
        self._world = world

    async def get(self, run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        with _driver_errors():
            return await self._world.reader.step(run_id, step_id, resolve_data)

    async def list(
        self, run_id: str, *, pagination: PaginationOptions | None = None, resolve_data: ResolveData = "all"
    ) -> PaginatedResponse[Step]:
        with _driver_errors():
            return await self._world.reader.steps(run_id, pagination, resolve_data)


class _Hooks:
    def __init__(self, world: PostgresWorld) -> None:
        self._world = world

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        with _driver_errors():
            return await self._world.reader.hook(hook_id, resolve_data)

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        with _driver_errors():
            return await self._world.reader.hook_by_token(token, resolve_data)

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        with _driver_errors():
            return await self._world.reader.hooks(run_id, pagination, resolve_data)


class PostgresWorld:
    """The PostgreSQL reference World (see the module docstring).

    ``dsn``: the database (else as ``locate.find_dsn`` finds it). ``schema``: a schema to use and
    keep (else a fresh one, dropped on close). ``pool_size``: connections per World at most.
    ``clock``: the source of every time the World stamps or compares (default: the system
    clock; the kit passes its own, docs/writing-a-factory.md).
    """

    spec_version: int | None = SPEC_VERSION_CURRENT
    worldspec_capabilities = Capabilities(
        legacy_seeding=True, delay=True, multi_process=True, write_to_stream_multi=True
    )

    def __init__(
        self,
        dsn: str | None = None,
        schema: str | None = None,
        pool_size: int = 10,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.schema = check_schema_name(schema) if schema is not None else fresh_schema_name()
        self._owns_schema = schema is None
        self._dsn_option = dsn
        self._pool_size = max(1, pool_size)
        self._clock = clock or system_clock
        self._started = False
        self._closed = False
        self._dsn = ""
        self._pool: AsyncConnectionPool[Any] | None = None
        self._notifier: Notifier | None = None
        self._queue: PostgresQueue | None = None
        self.events = _Events(self)
        self.runs = _Runs(self)
        self.steps = _Steps(self)
        self.hooks = _Hooks(self)
        self.worldspec_backdoor = PostgresBackdoor(lambda: self.pool)
        self.worldspec_faults = PostgresFaults(lambda: self._dsn, f"worldspec-{secrets.token_hex(8)}")

    @property
    def pool(self) -> AsyncConnectionPool[Any]:
        return _opened(self._pool)

    @property
    def worldspec_shared_options(self) -> dict[str, str]:
        """Factory options that open another PostgresWorld over this one's schema (LIN-006)."""
        options = {"schema": self.schema}
        if self._dsn_option is not None:
            options["dsn"] = self._dsn_option
        return options

    async def start(self) -> None:
        """Find the database, migrate the schema, open the pool and the listener. If opening
        fails, whatever was opened is closed again (and a schema made for this World dropped)."""
        if self._started:
            return
        self._dsn = await asyncio.to_thread(find_dsn, self._dsn_option)
        try:
            async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as admin:
                await apply_migrations(admin, self.schema)
        except psycopg.OperationalError as error:
            raise errors.WorkflowWorldError(
                f"cannot reach PostgreSQL at {describe_dsn(self._dsn)}: {error}", status=503
            ) from None
        self._started = True
        try:
            await self._open()
        except BaseException:
            await self.close()
            raise

    async def _open(self) -> None:
        connect_options = {"options": session_options(self._dsn, self.schema)}
        self._pool = AsyncConnectionPool(
            self._dsn,
            kwargs={
                "autocommit": True,
                "application_name": self.worldspec_faults.application_name,
                **connect_options,
            },
            min_size=1,
            max_size=self._pool_size,
            open=False,
        )
        await self._pool.open(wait=True)
        queue_channel, stream_channel = channel_names(self.schema)
        self._notifier = Notifier(self._dsn, [queue_channel, stream_channel], connect_options)
        await self._notifier.start()
        self.creator = EventCreator(
            self._pool, RunCache(RUN_CACHE_SIZE), self._clock, MonotonicUlid(), self.worldspec_faults
        )
        self.reader = Reader(self._pool)
        self._queue = PostgresQueue(self._pool, self._notifier, queue_channel)
        self._streams = PostgresStreams(self._pool, self._notifier, stream_channel)

    async def close(self) -> None:
        """Stop deliveries, close the connections, and drop the schema if this World made it."""
        if not self._started or self._closed:
            return
        self._closed = True
        if self._queue is not None:
            await self._queue.close()
        if self._notifier is not None:
            await self._notifier.close()
        if self._pool is not None:
            await self._pool.close()
        if self._owns_schema:
            async with await psycopg.AsyncConnection.connect(self._dsn, autocommit=True) as admin:
                await admin.execute(
                    sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(self.schema))
                )

    async def __aenter__(self) -> PostgresWorld:
        await self.start()
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        await self.close()

    async def get_deployment_id(self) -> str:
        return "dpl_postgres"

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        with _driver_errors():
            return await _opened(self._queue).queue(queue_name, message, options)

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        await _opened(self._queue).create_queue_handler(prefix, handler)

    async def write_to_stream(self, name: str, run_id: str, chunk: str | bytes) -> None:
        with _driver_errors():
            await self._streams.write_to_stream(name, run_id, chunk)

    async def write_to_stream_multi(self, name: str, run_id: str, chunks: list[str | bytes]) -> None:
        with _driver_errors():
            await self._streams.write_to_stream_multi(name, run_id, chunks)

    async def close_stream(self, name: str, run_id: str) -> None:
        with _driver_errors():
            await self._streams.close_stream(name, run_id)

    async def read_from_stream(self, name: str, start_index: int = 0) -> AsyncIterator[bytes]:
        with _driver_errors():
            async for chunk in self._streams.read_from_stream(name, start_index):
                yield chunk

    async def list_streams_by_run_id(self, run_id: str) -> list[str]:
        with _driver_errors():
            return await self._streams.list_streams_by_run_id(run_id)

    async def get_stream_chunks(
        self, name: str, run_id: str, *, limit: int | None = None, cursor: str | None = None
    ) -> StreamChunksResponse:
        with _driver_errors():
            return await self._streams.get_stream_chunks(name, run_id, limit=limit, cursor=cursor)

    async def get_stream_info(self, name: str, run_id: str) -> StreamInfoResponse:
        with _driver_errors():
            return await self._streams.get_stream_info(name, run_id)
