"""Finding the PostgreSQL a PostgresWorld uses, and naming the schema it lives in.

The database, first found wins: the ``dsn`` the World was given (``--world-opt dsn=...``); the
``WORLDSPEC_POSTGRES_DSN`` environment variable; a ``postgres:16`` container started through
testcontainers when it is installed and a Docker engine answers (once per process, stopped at
exit); else the local service ``postgresql://postgres@127.0.0.1:5432/test``.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from typing import Final

from psycopg.conninfo import conninfo_to_dict

from reference_worlds.containers import service_url

__all__ = [
    "DEFAULT_DSN",
    "DSN_ENV_VAR",
    "channel_names",
    "check_schema_name",
    "describe_dsn",
    "find_dsn",
    "fresh_schema_name",
    "session_options",
]

DEFAULT_DSN: Final = "postgresql://postgres@127.0.0.1:5432/test"
DSN_ENV_VAR: Final = "WORLDSPEC_POSTGRES_DSN"
_SCHEMA_NAME: Final = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def find_dsn(dsn: str | None = None) -> str:
    """The connection string to use (see the module docstring). May start a container: blocking."""
    if dsn:
        return dsn
    if os.environ.get(DSN_ENV_VAR):
        return os.environ[DSN_ENV_VAR]
    return service_url("postgres") or DEFAULT_DSN


def describe_dsn(dsn: str) -> str:
    """``host:port/dbname`` of ``dsn``, without credentials, for error messages."""
    try:
        parts = conninfo_to_dict(dsn)
    except Exception:
        return "<unparseable connection string>"
    return f"{parts.get('host', 'localhost')}:{parts.get('port', 5432)}/{parts.get('dbname', '')}"


def fresh_schema_name() -> str:
    """A schema name no other World uses: ``worldspec_`` + 16 random hex digits."""
    return f"worldspec_{secrets.token_hex(8)}"


def check_schema_name(schema: str) -> str:
    """``schema`` if it is a plain lower-case identifier (so it needs no quoting anywhere)."""
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"schema must match {_SCHEMA_NAME.pattern}, got {schema!r}")
    return schema


def channel_names(schema: str) -> tuple[str, str]:
    """The LISTEN/NOTIFY channels of ``schema``: queue wake-ups and stream writes."""
    digest = hashlib.sha256(schema.encode()).hexdigest()[:16]
    return f"worldspec_{digest}_queue", f"worldspec_{digest}_streams"


def session_options(dsn: str, schema: str) -> str:
    """The ``options`` connection parameter of a World's sessions: any the DSN gives, then
    ``search_path`` set to the World's schema and ``TimeZone`` to UTC."""
    given = conninfo_to_dict(dsn).get("options") or ""
    return f"{given} -c search_path={schema} -c TimeZone=UTC".strip()
