"""``@workflow-worlds/mongodb@0.2.1`` without a MongoDB server: what can be judged, is.

No MongoDB server runs here and none can be installed, so the kit itself is not run against it
(docs/findings/world-mongodb.md gives the command for those who have one). Without a server the
package still installs and loads, and ``createWorld`` builds its World lazily (it connects on
first use), so the bridge can read which members the World has and its ``specVersion``.
"""

from __future__ import annotations

import asyncio
import shutil
from typing import Any

import pytest

from reference_worlds.node.channel import open_channel
from reference_worlds.node.install import install
from reference_worlds.node.presets import preset_for
from reference_worlds.node.process import process_for

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

PACKAGE = "@workflow-worlds/mongodb@0.2.1"
NO_SERVER = {"WORKFLOW_MONGODB_URI": "mongodb://127.0.0.1:9/?serverSelectionTimeoutMS=500"}
"""A port nothing listens on: any call that reached for the server would fail fast."""


def test_without_a_server_the_world_builds_and_lacks_three_required_members() -> None:
    preset = preset_for(PACKAGE)
    process = process_for(install(PACKAGE), NO_SERVER)

    async def build() -> dict[str, Any]:
        channel = await open_channel(process)
        try:
            created: dict[str, Any] = await channel.call(
                "bridge.create", None, [preset.export, preset.config]
            )
            await channel.call("bridge.close", int(created["world"]), [])
            return created
        finally:
            channel.close()

    created = asyncio.run(build())
    members = {str(member) for member in created["members"]}
    assert {"events.create", "events.list", "queue", "createQueueHandler", "readFromStream"} <= members
    # §1 requires them; starter and redis, of the same repository, lack them too (EVT-003).
    assert not members & {"events.get", "getStreamChunks", "getStreamInfo"}
    assert created["specVersion"] is None, "no specVersion: runs are created at version 2 (RUN-005)"
