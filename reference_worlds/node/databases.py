"""A PostgreSQL database of its own for each World instance of an npm package that keeps its
storage there, as ``{fresh_dir}`` gives each world-local instance a directory of its own.

The kit builds a fresh World per test. Over one shared database, state piles up from test to
test, and a World that does work in proportion to it on ``start()`` (world-postgres re-enqueues
every active run, as §11 "Recovery" suggests) gets slower with every test; and two
certifications on one database take each other's queue jobs. So the first World of a process
prepares a template database (the preset's setup command, a schema migration, runs against it
once), and each World instance gets a clone of it (``CREATE DATABASE … TEMPLATE``, about 50 ms),
dropped when the World closes. Clones of processes that died are dropped the next time a
template is prepared. Needs psycopg (the ``postgres`` extra) and a role allowed to create
databases.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
from typing import Any, Final
from urllib.parse import urlsplit, urlunsplit

from reference_worlds.node.process import BridgeError

__all__ = ["FreshDatabases", "clone_owner", "database_url", "fresh_databases_for"]

TEMPLATE_PREFIX: Final = "worldspec_tpl_"
CLONE_PREFIX: Final = "worldspec_w_"
SETUP_TIMEOUT: Final = 300
_CLONE_NAME = re.compile(rf"^{CLONE_PREFIX}[0-9a-f]{{8}}_(\d+)_\d+$")
_UNFINISHED_TEMPLATE = re.compile(rf"^{TEMPLATE_PREFIX}[0-9a-f]{{8}}_(\d+)$")


def database_url(url: str, database: str) -> str:
    """``url`` with its database (the path) replaced by ``database``."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def clone_owner(name: str) -> int | None:
    """The pid of the process whose World was given the clone database ``name``; ``None`` when
    ``name`` is no clone."""
    match = _CLONE_NAME.match(name)
    return int(match.group(1)) if match else None


def _quoted(name: str) -> str:
    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise ValueError(f"unexpected database name {name!r}")
    return f'"{name}"'


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class FreshDatabases:
    """Clones of one template database on the server of ``server_url``.

    ``key`` names what the template holds (the package spec and its setup command): templates of
    different keys never mix. ``setup`` is the argv that creates the schema, run in ``directory``
    with ``environment`` plus ``url_variable`` set to the template's URL.
    """

    def __init__(
        self,
        server_url: str,
        key: str,
        setup: tuple[str, ...],
        directory: str,
        environment: dict[str, str],
        url_variable: str,
    ) -> None:
        self.server_url = server_url
        self.digest = hashlib.sha256(f"{key}\0{' '.join(setup)}".encode()).hexdigest()[:8]
        self.template = f"{TEMPLATE_PREFIX}{self.digest}"
        self.setup = setup
        self.directory = directory
        self.environment = environment
        self.url_variable = url_variable
        self._prepared = False
        self._counter = itertools.count(1)

    def _execute(self, *statements: str) -> list[tuple[Any, ...]]:
        import psycopg

        rows: list[tuple[Any, ...]] = []
        try:
            with psycopg.connect(self.server_url, autocommit=True, connect_timeout=10) as conn:
                for statement in statements:
                    cursor = conn.execute(statement)
                    if cursor.description is not None:
                        rows += cursor.fetchall()
        except psycopg.Error as error:
            raise BridgeError(
                f"PostgreSQL at {self.url_variable} refused {statements[0].split(' (')[0]!r}: {error}. "
                "Fresh databases need a role allowed to create databases; to run every World on "
                'one database instead, pass config=\'{"connectionString": "postgres://…"}\'.'
            ) from None
        return rows

    def _existing(self) -> set[str]:
        rows = self._execute("SELECT datname FROM pg_database")
        return {str(row[0]) for row in rows}

    def prepare(self) -> None:
        """Make sure the template exists (building it with the setup command if not), and drop
        the clones and unfinished templates of processes that are gone."""
        if self._prepared:
            return
        existing = self._existing()
        for name in existing:
            match = _CLONE_NAME.match(name) or _UNFINISHED_TEMPLATE.match(name)
            if match and not _alive(int(match.group(1))):
                self._execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")
        if self.template not in existing:
            self._build_template()
        self._prepared = True

    def _build_template(self) -> None:
        building = f"{self.template}_{os.getpid()}"
        self._execute(f"DROP DATABASE IF EXISTS {_quoted(building)}", f"CREATE DATABASE {_quoted(building)}")
        url = database_url(self.server_url, building)
        done = subprocess.run(
            self.setup,
            cwd=self.directory,
            env={**os.environ, **self.environment, self.url_variable: url},
            capture_output=True,
            text=True,
            timeout=SETUP_TIMEOUT,
            check=False,
        )
        if done.returncode != 0:
            self._execute(f"DROP DATABASE IF EXISTS {_quoted(building)} WITH (FORCE)")
            output = (done.stdout + done.stderr)[-3000:]
            raise BridgeError(f"setup {' '.join(self.setup)} failed (exit {done.returncode}):\n{output}")
        if self.template in self._existing():  # another process finished first: keep its template
            self._execute(f"DROP DATABASE IF EXISTS {_quoted(building)} WITH (FORCE)")
        else:
            self._execute(f"ALTER DATABASE {_quoted(building)} RENAME TO {_quoted(self.template)}")

    def create(self) -> str:
        """A new clone of the template; returns its URL."""
        self.prepare()
        name = f"{CLONE_PREFIX}{self.digest}_{os.getpid()}_{next(self._counter)}"
        self._execute(f"CREATE DATABASE {_quoted(name)} TEMPLATE {_quoted(self.template)}")
        return database_url(self.server_url, name)

    def drop(self, url: str) -> None:
        """Drop the clone at ``url``."""
        name = urlsplit(url).path.lstrip("/")
        if clone_owner(name) is not None:
            self._execute(f"DROP DATABASE IF EXISTS {_quoted(name)} WITH (FORCE)")


_by_server: dict[tuple[str, str, tuple[str, ...]], FreshDatabases] = {}


def fresh_databases_for(
    package: str, directory: str, setup: tuple[str, ...], environment: dict[str, str], url_variable: str
) -> FreshDatabases:
    """The clones of ``package``'s template on the server that ``url_variable`` names (in
    ``environment``, else this process's environment); one instance per server and package."""
    server_url = environment.get(url_variable) or os.environ.get(url_variable)
    if not server_url:
        raise BridgeError(
            f"{package} keeps its storage in PostgreSQL: set {url_variable} (for example "
            f'--world-opt \'env={{"{url_variable}": "postgres://postgres@127.0.0.1:5432/postgres"}}\')'
        )
    key = (server_url, package, setup)
    if key not in _by_server:
        _by_server[key] = FreshDatabases(server_url, package, setup, directory, environment, url_variable)
    return _by_server[key]
