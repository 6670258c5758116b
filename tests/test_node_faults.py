"""The bridge's fault hook: the Node process under a World is killed and started again over the
same storage, and the World answers with what it had committed. Shown on world-local (its data
directory); world-postgres's restart on its database is exercised by its certification run
(tests/test_node_world_postgres.py), whose FAULT-004 fails when the World does not come back,
at no extra database clone."""

from __future__ import annotations

import asyncio
import shutil

import pytest

from conformance.checks import make
from reference_worlds.node import NodeWorld
from reference_worlds.node.process import BridgeError
from worldspec.faults import Restartable

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)


async def _killed_and_restarted(world: NodeWorld) -> None:
    hook = world.worldspec_faults
    assert isinstance(hook, Restartable)
    await world.start()
    try:
        run_id = make.new_id("wrun")
        await world.events.create(run_id, make.run_created())
        before = world._process
        await hook.crash()
        with pytest.raises(BridgeError):
            await world.runs.get(run_id)
        await hook.restart()
        assert world._process is not before and world._process is not None and world._process.alive
        assert (await world.runs.get(run_id)).status == "pending"
    finally:
        await world.close()


def test_world_local_comes_back_on_its_data_directory() -> None:
    asyncio.run(_killed_and_restarted(NodeWorld("@workflow/world-local@4.4.1")))


def test_npm_worlds_whose_storage_dies_with_them_have_no_hook() -> None:
    assert NodeWorld("@workflow-worlds/starter@0.2.1").worldspec_faults is None
