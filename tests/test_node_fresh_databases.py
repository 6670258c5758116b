"""``{fresh_database}``: each NodeWorld of a package that keeps its storage in PostgreSQL gets a
database of its own, cloned from a template its setup command prepared, and dropped on close.

Uses the local fixture package (no network), given a preset that echoes its config and whose
setup command leaves a marker table in the template.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
import pytest

from reference_worlds.node import NodeWorld, presets
from reference_worlds.node.databases import CLONE_PREFIX, FreshDatabases, database_url
from tests.postgres_support import postgres_dsn

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

FIXTURE = Path(__file__).resolve().parent / "node_fixtures" / "fixture-world"
SERVER_VARIABLE = "WORLDSPEC_FIXTURE_DATABASE_URL"
MARK_TEMPLATE = (
    "import os, psycopg; "
    f"psycopg.connect(os.environ['{SERVER_VARIABLE}'], autocommit=True)"
    ".execute('CREATE TABLE worldspec_marker (setup_ran boolean)')"
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLDSPEC_NODE_CACHE", str(tmp_path_factory.getbasetemp() / "node-cache"))


@pytest.fixture
def fixture_preset(monkeypatch: pytest.MonkeyPatch) -> str:
    """A preset for the fixture package: its config names a fresh database, its setup marks the
    template; returns the server URL."""
    server = postgres_dsn()
    preset = presets.Preset(
        config={"dataDir": presets.FRESH_DATABASE},
        setup=(sys.executable, "-c", MARK_TEMPLATE),
        server_variable=SERVER_VARIABLE,
    )
    monkeypatch.setitem(presets.PRESETS, str(FIXTURE.resolve()), preset)
    monkeypatch.setenv(SERVER_VARIABLE, server)
    return server


def _databases(server: str) -> set[str]:
    with psycopg.connect(server, autocommit=True) as conn:
        return {str(row[0]) for row in conn.execute("SELECT datname FROM pg_database").fetchall()}


def _marked(url: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT to_regclass('worldspec_marker') IS NOT NULL").fetchone() == (True,)


async def _database_of(world: NodeWorld) -> str:
    (url,) = await world.list_streams_by_run_id("wrun_x")
    return str(url)


def test_each_world_gets_a_clone_of_the_prepared_template_dropped_on_close(fixture_preset: str) -> None:
    async def scenario() -> tuple[list[str], list[bool]]:
        worlds = [NodeWorld(str(FIXTURE)), NodeWorld(str(FIXTURE))]
        for world in worlds:
            await world.start()
        urls = [await _database_of(world) for world in worlds]
        marked = [await asyncio.to_thread(_marked, url) for url in urls]
        for world in worlds:
            await world.close()
        return urls, marked

    urls, marked = asyncio.run(scenario())
    assert len(set(urls)) == 2, f"two Worlds, two databases: {urls}"
    assert marked == [True, True], "each clone holds what the setup command made in the template"
    names = {url.rsplit("/", 1)[1] for url in urls}
    assert all(name.startswith(CLONE_PREFIX) for name in names)
    assert not names & _databases(fixture_preset), "closing a World drops its database"


def test_clones_of_dead_processes_are_dropped(fixture_preset: str) -> None:
    databases = FreshDatabases(
        fixture_preset, str(FIXTURE), (sys.executable, "-c", MARK_TEMPLATE), str(FIXTURE), {}, SERVER_VARIABLE
    )
    dead_pid = 2**22 + 12345  # above Linux's default pid_max: no process has it
    orphan = f"{CLONE_PREFIX}{databases.digest}_{dead_pid}_1"
    with psycopg.connect(fixture_preset, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{orphan}"')
    mine = databases.create()
    try:
        assert orphan not in _databases(fixture_preset)
    finally:
        databases.drop(mine)


def test_without_a_server_the_error_says_which_variable_to_set(
    fixture_preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SERVER_VARIABLE)
    with pytest.raises(Exception, match=SERVER_VARIABLE):
        asyncio.run(NodeWorld(str(FIXTURE)).start())


def test_a_config_given_by_the_user_runs_without_fresh_databases(
    fixture_preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The setup then runs on the server's own database: make it touch nothing there.
    preset = presets.PRESETS[str(FIXTURE)]
    monkeypatch.setitem(presets.PRESETS, str(FIXTURE), replace(preset, setup=(sys.executable, "-c", "")))

    async def scenario() -> Any:
        world = NodeWorld(str(FIXTURE), config={"dataDir": "shared"})
        await world.start()
        try:
            return await _database_of(world)
        finally:
            await world.close()

    assert asyncio.run(scenario()) == "shared"


def test_database_url_replaces_only_the_database() -> None:
    url = "postgres://user:secret@db.example:6543/app?sslmode=require"
    assert database_url(url, "other") == "postgres://user:secret@db.example:6543/other?sslmode=require"


def test_drop_leaves_any_database_that_is_not_a_clone_alone() -> None:
    # The server does not exist: were a statement sent, connecting would fail.
    databases = FreshDatabases("postgres://nobody@127.0.0.1:1/y", "pkg", (), os.getcwd(), {}, SERVER_VARIABLE)
    for name in ("test", "postgres", f'{CLONE_PREFIX}"; DROP TABLE x; --'):
        databases.drop(database_url("postgres://nobody@127.0.0.1:1/y", name))


def test_a_fresh_database_without_a_preset_naming_the_server_is_refused(
    fixture_preset: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    preset = presets.PRESETS[str(FIXTURE)]
    monkeypatch.setitem(presets.PRESETS, str(FIXTURE), replace(preset, server_variable=None))
    with pytest.raises(Exception, match="needs a preset naming its server"):
        asyncio.run(NodeWorld(str(FIXTURE)).start())
