"""The Node bridge speaks the line of the World it builds, and picks presets by the version npm
installed. Uses the local fixture package (tests/node_fixtures/fixture-world), whose
``config.specVersion`` sets what it declares, so no network is needed."""

from __future__ import annotations

import asyncio
import shutil
from pathlib import Path
from typing import Any

import pytest

from reference_worlds.node import NodeWorld
from reference_worlds.node.presets import major_version, preset_for
from reference_worlds.node.storage import Steps
from reference_worlds.node.storage_line5 import LineFiveSteps
from worldspec.capabilities import Capabilities
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.line5 import errors as line5_errors
from worldspec.line5.protocol import SupportsGetMany, SupportsWriteMulti
from worldspec.lines import SpecLine

pytestmark = pytest.mark.skipif(
    shutil.which("node") is None or shutil.which("npm") is None,
    reason="the bridge needs node and npm on PATH",
)

FIXTURE = Path(__file__).resolve().parent / "node_fixtures" / "fixture-world"


@pytest.fixture(autouse=True)
def private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WORLDSPEC_NODE_CACHE", str(tmp_path_factory.getbasetemp() / "node-cache"))


def test_world_local_presets_follow_the_major_version() -> None:
    assert preset_for("@workflow/world-local@4.4.1").export == "createLocalWorld"
    assert preset_for("@workflow/world-local@5.0.0-beta.46").export == "createWorld"
    # a tag names no version: the version npm installed decides
    assert preset_for("@workflow/world-local@beta").export == "createLocalWorld"
    assert preset_for("@workflow/world-local@beta", "5.0.0-beta.46").export == "createWorld"
    assert preset_for("@workflow/world-local@5.0.0-beta.46", "4.4.1").export == "createLocalWorld"
    versions = ("5.0.0-beta.46", "4.4.1", "beta", "^5.0.0")
    assert [major_version(text) for text in versions] == [5, 4, None, None]


def _started_then(config: dict[str, Any], look: Any) -> Any:
    async def scenario() -> Any:
        world = NodeWorld(str(FIXTURE), config=config)
        await world.start()
        try:
            return await look(world)
        finally:
            await world.close()

    return asyncio.run(scenario())


async def _raised(call: Any) -> BaseException | None:
    try:
        await call
    except Exception as error:
        return error
    return None


def test_a_world_at_spec_7_is_spoken_to_in_the_5x_shape() -> None:
    async def look(world: NodeWorld) -> dict[str, Any]:
        return {
            "line": world.line,
            "steps": world.steps,
            "runs": world.runs,
            "streams": world.streams,
            "datasheet": world.worldspec_capabilities,
            "capabilities": world.capabilities,
            "names": await world.streams.list("wrun_a"),
            "chunks": [chunk async for chunk in world.streams.get("wrun_a", "strm_b", 2)],
            "expired": await _raised(world.streams.get_info("wrun_a", "strm_b")),
            "run_id": await world.create_run_id(),
        }

    seen = _started_then({"specVersion": 7}, look)
    assert seen["line"] is SpecLine.LINE_5
    assert isinstance(seen["steps"], LineFiveSteps)
    assert isinstance(seen["datasheet"], line5_capabilities.Capabilities)
    assert seen["capabilities"].hook_retention == line5_capabilities.HookRetention(active=True)
    assert seen["capabilities"].hook_resume_dedup is True
    assert seen["names"] == ["strm_of_wrun_a"]
    assert seen["chunks"] == [b"wrun_a strm_b 2"], "streams.get takes the run first, then the name and start"
    expired = seen["expired"]
    assert isinstance(expired, line5_errors.StreamExpiredError), "5.x error names are the 5.x line's"
    assert (expired.run_id, expired.stream_id, expired.expired_at) == (
        "wrun_a",
        "strm_b",
        "1970-01-01T00:00:00.000Z",
    )
    assert seen["run_id"] == "01ARZ3NDEKTSV4RRFFQ69G5FAV", "createRunId crosses the bridge"
    # the fixture has neither runs.getMany nor streams.writeMulti: absent members stay absent
    assert not isinstance(seen["runs"], SupportsGetMany)
    assert not isinstance(seen["streams"], SupportsWriteMulti)


def test_a_world_at_spec_3_keeps_the_4x_shape() -> None:
    async def look(world: NodeWorld) -> tuple[Any, Any, bool]:
        return world.line, world.steps, hasattr(world, "streams")

    line, steps, has_streams = _started_then({}, look)
    assert line is SpecLine.LINE_4
    assert isinstance(steps, Steps)
    assert not has_streams


def test_a_world_at_spec_5_is_built_but_belongs_to_no_line() -> None:
    async def look(world: NodeWorld) -> tuple[Any, Any, Any]:
        return world.spec_version, world.line, world.worldspec_capabilities

    version, line, datasheet = _started_then({"specVersion": 5}, look)
    assert (version, line) == (5, None)
    assert datasheet == Capabilities(), "a World no line judges is not probed"
