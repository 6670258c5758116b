"""Finding the PostgreSQL our own tests use, and refusing to pass silently without one.

Tests that need PostgreSQL call ``postgres_dsn()``: with ``WORLDSPEC_SKIP_POSTGRES=1`` they are
skipped with that reason; otherwise an unreachable database fails them, loudly, so CI cannot
go green without having run them.
"""

from __future__ import annotations

import os

import psycopg
import pytest

from reference_worlds.postgres.locate import describe_dsn, find_dsn

SKIP_ENV_VAR = "WORLDSPEC_SKIP_POSTGRES"


def postgres_dsn() -> str:
    """The DSN PostgresWorld will use, after checking the database answers."""
    if os.environ.get(SKIP_ENV_VAR) == "1":
        pytest.skip(f"{SKIP_ENV_VAR}=1: PostgreSQL tests skipped on request")
    dsn = find_dsn()
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        pytest.fail(
            f"PostgreSQL at {describe_dsn(dsn)} is unreachable ({error}). Start it (.ci/run does), set "
            f"WORLDSPEC_POSTGRES_DSN, or set {SKIP_ENV_VAR}=1 to skip these tests knowingly.",
            pytrace=False,
        )
    return dsn
