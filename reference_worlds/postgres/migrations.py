"""The PostgresWorld schema as a versioned list of migrations, applied by the World itself.

``apply_migrations`` brings one schema up to ``LATEST_VERSION``: it takes a transaction-level
advisory lock keyed by the schema name, so two processes starting at once apply each migration
exactly once, and records every applied version in ``schema_migrations``. Applying again is a
no-op. A migration, once released, is never edited: changes come as a new, higher version.

Conventions of the schema (docs/reference-worlds/postgres.md):

* Identifiers are ``text COLLATE "C"`` so that keyset cursors compare bytewise, like ULIDs.
* Payloads and other opaque values are ``bytea`` in the codec of ``reference_worlds.postgres.codec``;
  ``*_json`` columns hold legacy plain JSON and are read only when the ``bytea`` column IS NULL.
* Hook tokens and idempotency keys are ``bytea`` (UTF-8), unique through an index on their
  SHA-256, so any string of any length is stored and compared exactly.
* ``runs.last_event_id`` is the run's version: every accepted event replaces it, under a
  compare-and-set, in the same statement that appends the event.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, LiteralString

import psycopg
from psycopg import sql

__all__ = ["LATEST_VERSION", "MIGRATIONS", "Migration", "apply_migrations"]


@dataclass(frozen=True)
class Migration:
    """One schema change: its version (ascending from 1), a name, and its SQL statements."""

    version: int
    name: str
    statements: tuple[LiteralString, ...]


MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "event log and entities",
        (
            """CREATE TABLE runs (
                run_id text COLLATE "C" PRIMARY KEY,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                status text NOT NULL,
                deployment_id text NOT NULL,
                workflow_name text NOT NULL,
                spec_version double precision,
                execution_context bytea,
                input bytea,
                input_json jsonb,
                output bytea,
                output_json jsonb,
                error bytea,
                expired_at timestamptz,
                started_at timestamptz,
                completed_at timestamptz,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                last_event_id text COLLATE "C",
                last_event_at timestamptz
            )""",
            "CREATE UNIQUE INDEX runs_seq ON runs (seq)",
            "CREATE INDEX runs_workflow_name ON runs USING hash (workflow_name)",
            "CREATE INDEX runs_status_seq ON runs (status, seq)",
            """CREATE TABLE events (
                run_id text COLLATE "C" NOT NULL,
                event_id text COLLATE "C" NOT NULL,
                event_type text NOT NULL,
                correlation_id text COLLATE "C",
                created_at timestamptz NOT NULL,
                spec_version double precision,
                event_data bytea,
                payload bytea,
                event_data_json jsonb,
                PRIMARY KEY (run_id, event_id)
            )""",
            """CREATE INDEX events_correlation ON events (correlation_id, event_id)
                WHERE correlation_id IS NOT NULL""",
            """CREATE UNIQUE INDEX events_entity_created ON events (run_id, correlation_id, event_type)
                WHERE event_type IN ('step_created', 'hook_created', 'wait_created')""",
            """CREATE TABLE steps (
                run_id text COLLATE "C" NOT NULL,
                step_id text COLLATE "C" NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                step_name text NOT NULL,
                status text NOT NULL,
                attempt integer NOT NULL,
                input bytea,
                output bytea,
                error bytea,
                started_at timestamptz,
                completed_at timestamptz,
                retry_after timestamptz,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                spec_version double precision,
                PRIMARY KEY (run_id, step_id)
            )""",
            "CREATE INDEX steps_step_id ON steps (step_id, seq)",
            "CREATE INDEX steps_run_seq ON steps (run_id, seq)",
            """CREATE TABLE hooks (
                run_id text COLLATE "C" NOT NULL,
                hook_id text COLLATE "C" NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                token bytea NOT NULL,
                owner_id text NOT NULL,
                project_id text NOT NULL,
                environment text NOT NULL,
                metadata bytea,
                created_at timestamptz NOT NULL,
                spec_version double precision,
                is_webhook boolean,
                PRIMARY KEY (run_id, hook_id)
            )""",
            "CREATE UNIQUE INDEX hooks_live_token ON hooks (sha256(token))",
            "CREATE INDEX hooks_hook_id ON hooks (hook_id, seq)",
            "CREATE INDEX hooks_run_seq ON hooks (run_id, seq)",
            "CREATE UNIQUE INDEX hooks_seq ON hooks (seq)",
            """CREATE TABLE waits (
                wait_id text COLLATE "C" PRIMARY KEY,
                run_id text COLLATE "C" NOT NULL,
                status text NOT NULL,
                resume_at timestamptz,
                completed_at timestamptz,
                created_at timestamptz NOT NULL,
                updated_at timestamptz NOT NULL,
                spec_version double precision
            )""",
            "CREATE INDEX waits_run ON waits (run_id)",
        ),
    ),
    Migration(
        2,
        "streams",
        (
            """CREATE TABLE streams (
                name text COLLATE "C" PRIMARY KEY,
                chunk_count integer NOT NULL DEFAULT 0,
                closed boolean NOT NULL DEFAULT false
            )""",
            """CREATE TABLE stream_chunks (
                name text COLLATE "C" NOT NULL,
                chunk_index integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (name, chunk_index)
            )""",
            """CREATE TABLE stream_runs (
                run_id text COLLATE "C" NOT NULL,
                name text COLLATE "C" NOT NULL,
                seq bigint GENERATED ALWAYS AS IDENTITY,
                PRIMARY KEY (run_id, name)
            )""",
        ),
    ),
    Migration(
        3,
        "queue",
        (
            """CREATE TABLE queue_messages (
                message_id text COLLATE "C" PRIMARY KEY,
                queue_name text NOT NULL,
                payload bytea NOT NULL,
                attempt integer NOT NULL DEFAULT 0,
                available_at timestamptz NOT NULL,
                idempotency_key bytea,
                created_at timestamptz NOT NULL DEFAULT now()
            )""",
            """CREATE UNIQUE INDEX queue_idempotency ON queue_messages (sha256(idempotency_key))
                WHERE idempotency_key IS NOT NULL""",
            "CREATE INDEX queue_available ON queue_messages (available_at)",
        ),
    ),
)

LATEST_VERSION: Final = MIGRATIONS[-1].version


async def apply_migrations(conn: psycopg.AsyncConnection[object], schema: str) -> list[int]:
    """Create ``schema`` if needed and apply the migrations it lacks; return the versions applied.

    ``conn`` must be in autocommit mode; each migration runs in a transaction of its own, under
    an advisory lock keyed by the schema name, so concurrent callers serialize.
    """
    name = sql.Identifier(schema)
    applied: list[int] = []
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"worldspec:{schema}",))
        await conn.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(name))
        await conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {}.schema_migrations (version integer PRIMARY KEY, "
                "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            ).format(name)
        )
    for migration in MIGRATIONS:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"worldspec:{schema}",))
            cursor = await conn.execute(
                sql.SQL("SELECT 1 FROM {}.schema_migrations WHERE version = %s").format(name),
                (migration.version,),
            )
            if await cursor.fetchone() is not None:
                continue
            await conn.execute(sql.SQL("SET LOCAL search_path TO {}").format(name))
            for statement in migration.statements:
                await conn.execute(statement)
            await conn.execute(
                sql.SQL("INSERT INTO {}.schema_migrations (version, name) VALUES (%s, %s)").format(name),
                (migration.version, migration.name),
            )
            applied.append(migration.version)
    return applied
