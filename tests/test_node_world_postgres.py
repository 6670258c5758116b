"""CI certifies ``@workflow/world-postgres@4.3.7`` through the Node bridge with the whole kit,
on the local PostgreSQL (.ci/run starts it).

The run reads known-failures/world-postgres-4.3.7.toml (findings in
docs/findings/world-postgres.md); tests/node_certification.py says what must hold. Each World
instance gets a database of its own, cloned from a template (reference_worlds/node/databases.py).
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path
from typing import Any

import psycopg
import pytest

from conformance.checks import make
from reference_worlds.node import NodeWorld
from reference_worlds.node.databases import clone_owner
from tests.node_certification import KNOWN_FAILURES, certify
from tests.postgres_support import postgres_dsn
from worldspec.errors import WorkflowRunNotFoundError

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow/world-postgres@4.3.7"
KNOWN = KNOWN_FAILURES / "world-postgres-4.3.7.toml"


def _clones_of_this_process(server: str) -> set[str]:
    """The clone databases this process's Worlds hold on the server. Other processes (the other
    xdist worker) create and drop clones and templates of their own meanwhile, so only these
    names say what closing a World left behind."""
    with psycopg.connect(server, autocommit=True) as conn:
        names = {str(row[0]) for row in conn.execute("SELECT datname FROM pg_database").fetchall()}
    return {name for name in names if clone_owner(name) == os.getpid()}


def test_world_instances_share_no_storage() -> None:
    """A run one World created is unknown to the next: a World's start() re-enqueues the active
    runs of its database, and on a shared one the kit's later tests paid for every earlier one."""
    server = postgres_dsn()
    before = _clones_of_this_process(server)

    async def scenario() -> None:
        first = NodeWorld(PACKAGE, env={"WORKFLOW_POSTGRES_URL": server})
        await first.start()
        created: Any = await first.events.create(None, make.run_created())
        run_id = str(created.run.run_id)
        second = NodeWorld(PACKAGE, env={"WORKFLOW_POSTGRES_URL": server})
        await second.start()
        try:
            with pytest.raises(WorkflowRunNotFoundError):
                await second.runs.get(run_id)
        finally:
            await first.close()
            await second.close()

    asyncio.run(scenario())
    assert _clones_of_this_process(server) == before, "closing the Worlds drops their databases"


def test_world_postgres_passes_the_kit_except_its_known_failures(tmp_path: Path) -> None:
    server = {"WORKFLOW_POSTGRES_URL": postgres_dsn()}
    certify(PACKAGE, KNOWN, tmp_path, "--world-opt", f"env={json.dumps(server)}", timeout=900)
