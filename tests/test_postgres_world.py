"""PostgresWorld owns its schema's lifecycle, migrates idempotently, and reads legacy columns only
when the current ones are NULL (that it passes the whole kit is tests/test_certify.py's
certification at level full)."""

from __future__ import annotations

import asyncio
from typing import Any

import psycopg
import pytest
from psycopg import sql

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from reference_worlds.postgres.locate import fresh_schema_name, session_options
from reference_worlds.postgres.migrations import LATEST_VERSION, MIGRATIONS, apply_migrations
from tests.postgres_support import postgres_dsn
from worldspec import errors


def _schema_exists(dsn: str, schema: str) -> bool:
    with psycopg.connect(dsn) as conn:
        return conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,)).fetchone() is not None


def _drop(dsn: str, schema: str) -> None:
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def test_a_world_without_schema_drops_the_one_it_made() -> None:
    dsn = postgres_dsn()

    async def scenario() -> str:
        async with PostgresWorld() as world:
            await world.events.create(None, make.run_created())
            assert _schema_exists(dsn, world.schema)
            return world.schema

    assert not _schema_exists(dsn, asyncio.run(scenario()))


def test_a_named_schema_is_kept_and_shared() -> None:
    dsn, schema = postgres_dsn(), fresh_schema_name()

    async def scenario() -> None:
        async with PostgresWorld(schema=schema) as first:
            run_id = (await first.events.create(None, make.run_created())).run.run_id
        async with PostgresWorld(schema=schema) as second:
            assert (await second.runs.get(run_id)).run_id == run_id

    try:
        asyncio.run(scenario())
        assert _schema_exists(dsn, schema)
    finally:
        _drop(dsn, schema)


def test_migrations_apply_once_and_record_every_version() -> None:
    dsn, schema = postgres_dsn(), fresh_schema_name()

    async def scenario() -> tuple[list[int], list[int], list[Any]]:
        async with await psycopg.AsyncConnection.connect(dsn, autocommit=True) as conn:
            first = await apply_migrations(conn, schema)
            again = await apply_migrations(conn, schema)
            cursor = await conn.execute(
                sql.SQL("SELECT version FROM {}.schema_migrations ORDER BY version").format(
                    sql.Identifier(schema)
                )
            )
            return first, again, [row[0] for row in await cursor.fetchall()]

    try:
        first, again, recorded = asyncio.run(scenario())
    finally:
        _drop(dsn, schema)
    assert first == recorded == [migration.version for migration in MIGRATIONS]
    assert recorded[-1] == LATEST_VERSION
    assert again == []


def test_schema_names_are_checked() -> None:
    with pytest.raises(ValueError, match="schema must match"):
        PostgresWorld(schema='x"; DROP SCHEMA public; --')


@pytest.mark.parametrize("legacy", [0, False, "", None, [], {}])
def test_current_columns_win_over_legacy_json_whatever_they_hold(legacy: Any) -> None:
    """A legacy run's payload comes from ``input_json`` while ``input`` IS NULL; once ``input``
    holds a value, even the empty byte string, that value is read, never the legacy JSON."""
    postgres_dsn()

    async def scenario() -> None:
        async with PostgresWorld() as world:
            run_id = make.new_id("wrun")
            run = {
                "runId": run_id,
                "status": "pending",
                "deploymentId": make.DEPLOYMENT_ID,
                "workflowName": make.workflow_name(),
                "input": legacy,
                "createdAt": 1_700_000_000_000,
                "updatedAt": 1_700_000_000_000,
            }
            event = {
                "runId": run_id,
                "eventId": make.new_id("evnt"),
                "eventType": "run_created",
                "createdAt": 1_700_000_000_000,
                "eventData": {"deploymentId": "d", "workflowName": "w", "input": legacy},
            }
            await world.worldspec_backdoor.seed_legacy_run(run, [event])
            fetched = await world.runs.get(run_id)
            assert type(fetched.input) is type(legacy) and fetched.input == legacy
            stored = (await world.events.get(run_id, event["eventId"])).event_data.input
            assert type(stored) is type(legacy) and stored == legacy
            async with world.pool.connection() as conn:
                await conn.execute("UPDATE runs SET input = ''::bytea WHERE run_id = %s", (run_id,))
                await conn.execute(
                    "UPDATE events SET event_data = %s, payload = ''::bytea WHERE run_id = %s",
                    (b'j{"deploymentId":"d","workflowName":"w"}', run_id),
                )
            assert (await world.runs.get(run_id)).input == b""
            assert (await world.events.get(run_id, event["eventId"])).event_data.input == b""

    asyncio.run(scenario())


def test_create_results_do_not_share_the_run_cache() -> None:
    """The entity a create returns is the caller's (COPY-001): changing it changes neither the
    state later creates decide on nor the entities they return. PostgresWorld caches each run's
    state between creates, and returned the cached run itself until this was checked."""
    postgres_dsn()
    context = {"tags": ["x"], "nested": {"list": [1]}}

    async def scenario() -> None:
        async with PostgresWorld() as world:
            created = await world.events.create(None, make.run_created(execution_context=dict(context)))
            run_id = created.run.run_id
            created.run.execution_context["tags"].append("scribbled")
            created.event.event_data.execution_context["nested"]["list"].append(2)
            started = await world.events.create(run_id, make.run_started())
            assert started.run.execution_context == context
            started.run.execution_context["tags"].append("scribbled")
            step_id = make.new_id("step")
            step = (await world.events.create(run_id, make.step_created(step_id, input=[1]))).step
            step.input.append("scribbled")
            assert (await world.events.create(run_id, make.step_started(step_id))).step.input == [1]
            completed = await world.events.create(run_id, make.run_completed(output=b"done"))
            assert completed.run.execution_context == context
            assert (await world.runs.get(run_id)).execution_context == context

    asyncio.run(scenario())


def test_an_unreachable_database_is_reported_by_address() -> None:
    async def scenario() -> None:
        world = PostgresWorld(dsn="postgresql://postgres@127.0.0.1:1/nowhere")
        with pytest.raises(
            errors.WorkflowWorldError, match=r"cannot reach PostgreSQL at 127\.0\.0\.1:1/nowhere"
        ):
            await world.start()
        await world.close()

    asyncio.run(scenario())


def test_session_options_keep_the_dsns_own() -> None:
    dsn = "postgresql://u@h/db?options=-c%20statement_timeout%3D5000"
    assert session_options(dsn, "worldspec_x") == (
        "-c statement_timeout=5000 -c search_path=worldspec_x -c TimeZone=UTC"
    )
    assert session_options("postgresql://u@h/db", "s") == "-c search_path=s -c TimeZone=UTC"
