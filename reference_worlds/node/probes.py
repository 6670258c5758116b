"""Capabilities the bridge finds out by asking the World, rather than trusting a declaration.

Members are read from the World object in Node (streams, queue handler, writeToStreamMulti).
Whether the World preloads the log on ``run_started`` is probed once per process and package
with one throwaway run (workflow name ``worldspec//capability-probe``).
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from worldspec.capabilities import Capabilities
from worldspec.errors import WorkflowError
from worldspec.events import RunCreatedData, RunCreatedRequest, RunStartedRequest
from worldspec.validation import ValidationError
from worldspec.wire_types import MISSING

__all__ = ["probe_capabilities"]

STREAM_MEMBERS: Final = frozenset(
    [
        "writeToStream",
        "closeStream",
        "readFromStream",
        "listStreamsByRunId",
        "getStreamChunks",
        "getStreamInfo",
    ]
)
PROBE_WORKFLOW: Final = "worldspec//capability-probe"

_preload_by_world: dict[tuple[Any, ...], bool] = {}


class _ProbedWorld(Protocol):
    package: str
    export: str | None
    config: dict[str, Any] | None
    env: dict[str, str]

    @property
    def events(self) -> Any: ...


async def _preloads(world: _ProbedWorld) -> bool:
    key = (world.package, world.export, repr(world.config), tuple(sorted(world.env.items())))
    if key not in _preload_by_world:
        try:
            data = RunCreatedData(deployment_id="worldspec", workflow_name=PROBE_WORKFLOW, input=b"")
            created = await world.events.create(None, RunCreatedRequest(event_data=data))
            started = await world.events.create(created.run.run_id, RunStartedRequest())
            _preload_by_world[key] = started.events is not MISSING and bool(started.events)
        except (WorkflowError, ValidationError, AttributeError):
            _preload_by_world[key] = True  # cannot tell: the kit's default, RS-006 judges
    return _preload_by_world[key]


async def probe_capabilities(world: _ProbedWorld, members: set[str]) -> Capabilities:
    """The capabilities of a started NodeWorld whose Node object has ``members``."""
    return Capabilities(
        streams=members >= STREAM_MEMBERS,
        queue_delivery="createQueueHandler" in members,
        preload=await _preloads(world),
        write_to_stream_multi="writeToStreamMulti" in members,
    )
