"""``PostgresBackdoor``: writes runs the way a pre-event-sourcing World version stored them.

A seeded run and its events keep their payloads as plain JSON in the legacy ``jsonb`` columns
(``runs.input_json``/``output_json``, ``events.event_data_json``), the ``bytea`` columns NULL and
``spec_version`` as given (NULL when absent), so reading them exercises the fallback of §6.3.
A seeded hook is a row of ``hooks``, the table that holds every live hook.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool
from pydantic import TypeAdapter

from reference_worlds.postgres.codec import encode_value
from reference_worlds.postgres.rows import EVENT_SELECT, HOOK_COLUMNS, event_from_row, hook_values
from worldspec.entities import WorkflowRun
from worldspec.validation import parse_hook
from worldspec.wire_types import MISSING, coerce_js_date

__all__ = ["PostgresBackdoor"]

_RUN: Final = TypeAdapter[WorkflowRun](WorkflowRun)
_SEED_RUN: Final = """
INSERT INTO runs (run_id, status, deployment_id, workflow_name, spec_version, execution_context,
                  input_json, output_json, error, expired_at, started_at, completed_at, created_at,
                  updated_at, last_event_id, last_event_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""
_SEED_EVENT: Final = """
INSERT INTO events (run_id, event_id, event_type, correlation_id, created_at, spec_version, event_data_json)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
_SEED_HOOK: Final = (
    f"INSERT INTO hooks ({', '.join(name for name, _ in HOOK_COLUMNS)}) "
    f"VALUES ({', '.join('%s' for _ in HOOK_COLUMNS)})"
)


def _legacy_json(wire: Mapping[str, Any], key: str) -> Jsonb | None:
    return Jsonb(wire[key]) if key in wire else None


class PostgresBackdoor:
    """Direct access to a PostgresWorld's tables (``worldspec.Backdoor``)."""

    def __init__(self, pool: Callable[[], AsyncConnectionPool[Any]]) -> None:
        self._pool = pool

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store ``run`` and ``events`` in the legacy form, in one transaction."""
        model = _RUN.validate_python(dict(run))
        ordered = sorted(events, key=lambda event: str(event["eventId"]))
        last = ordered[-1] if ordered else None
        run_row = (
            model.run_id,
            model.status,
            model.deployment_id,
            model.workflow_name,
            run.get("specVersion"),
            None if model.execution_context is MISSING else encode_value(model.execution_context),
            _legacy_json(run, "input"),
            _legacy_json(run, "output"),
            None if model.error is MISSING else encode_value(model.error.to_wire()),
            None if model.expired_at is MISSING else model.expired_at,
            None if model.started_at is MISSING else model.started_at,
            None if model.completed_at is MISSING else model.completed_at,
            model.created_at,
            model.updated_at,
            None if last is None else last["eventId"],
            None if last is None else coerce_js_date(last["createdAt"]),
        )
        event_rows = [
            (
                model.run_id,
                event["eventId"],
                event["eventType"],
                event.get("correlationId"),
                coerce_js_date(event["createdAt"]),
                event.get("specVersion"),
                _legacy_json(event, "eventData"),
            )
            for event in ordered
        ]
        async with self._pool().connection() as conn, conn.transaction():
            await conn.execute(_SEED_RUN, run_row)
            async with conn.cursor() as cursor:
                await cursor.executemany(_SEED_EVENT, event_rows)

    async def seed_legacy_hook(self, hook: Mapping[str, Any]) -> None:
        """Store ``hook`` as a row of ``hooks`` (``worldspec.backdoor.LegacyHookSeeding``): the
        table a legacy version kept hooks in too, with no ``hook_created`` event behind them.
        Its run was stored by ``seed_legacy_run``, so no cached state of that run claims to
        know all its hooks."""
        values = hook_values(parse_hook(hook))
        async with self._pool().connection() as conn:
            await conn.execute(_SEED_HOOK, [values[name] for name, _ in HOOK_COLUMNS])

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The run's events as storage holds them (legacy rows through the fallback), ascending."""
        async with self._pool().connection() as conn:
            cursor = await conn.execute(
                f"SELECT {EVENT_SELECT} FROM events WHERE run_id = %s ORDER BY event_id",
                (run_id,),
                binary=True,
            )
            return [event_from_row(row).to_wire() for row in await cursor.fetchall()]
