"""Capabilities the bridge finds out by asking the World, rather than trusting a declaration.

Members are read from the World object in Node (streams, queue handler, writeToStreamMulti).
Whether the World preloads the log on ``run_started`` is probed once per process and package
with one throwaway run (workflow name ``worldspec//capability-probe``), made with the models of
the World's line: a 4.x World gets the 4.x datasheet (``worldspec.capabilities``), a 5.x World
the 5.x one (``worldspec.line5.capabilities``), whose streams live under ``world.streams``.
"""

from __future__ import annotations

from typing import Any, Final, Protocol

from worldspec import events as line4_events
from worldspec.capabilities import Capabilities
from worldspec.errors import WorkflowError
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.line5 import event_data as line5_event_data
from worldspec.line5 import events as line5_events
from worldspec.validation import ValidationError
from worldspec.wire_types import MISSING

__all__ = ["probe_capabilities", "probe_line5_capabilities"]

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
LINE_5_STREAM_MEMBERS: Final = frozenset(
    ["streams.write", "streams.close", "streams.get", "streams.list", "streams.getChunks", "streams.getInfo"]
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


def _probe_requests(line5: bool) -> tuple[Any, Any]:
    """A run_created request of the probe run, and its run_started, in the line's models."""
    fields: dict[str, Any] = {"deployment_id": "worldspec", "workflow_name": PROBE_WORKFLOW, "input": b""}
    if line5:
        data5 = line5_event_data.RunCreatedData(**fields)
        return line5_events.RunCreatedRequest(event_data=data5), line5_events.RunStartedRequest()
    data4 = line4_events.RunCreatedData(**fields)
    return line4_events.RunCreatedRequest(event_data=data4), line4_events.RunStartedRequest()


async def _preloads(world: _ProbedWorld, line5: bool) -> bool:
    key = (world.package, world.export, repr(world.config), tuple(sorted(world.env.items())), line5)
    if key not in _preload_by_world:
        try:
            create_run, start_run = _probe_requests(line5)
            created = await world.events.create(None, create_run)
            started = await world.events.create(created.run.run_id, start_run)
            _preload_by_world[key] = started.events is not MISSING and bool(started.events)
        except (WorkflowError, ValidationError, AttributeError):
            _preload_by_world[key] = True  # cannot tell: the kit's default, RS-006 judges
    return _preload_by_world[key]


async def probe_capabilities(world: _ProbedWorld, members: set[str]) -> Capabilities:
    """The capabilities of a started NodeWorld whose Node object has ``members``."""
    return Capabilities(
        streams=members >= STREAM_MEMBERS,
        queue_delivery="createQueueHandler" in members,
        preload=await _preloads(world, line5=False),
        write_to_stream_multi="writeToStreamMulti" in members,
    )


async def probe_line5_capabilities(world: _ProbedWorld, members: set[str]) -> line5_capabilities.Capabilities:
    """The 5.x datasheet of a started NodeWorld at spec version 6 or 7 whose Node object has
    ``members``."""
    return line5_capabilities.Capabilities(
        streams=members >= LINE_5_STREAM_MEMBERS,
        queue_delivery="createQueueHandler" in members,
        preload=await _preloads(world, line5=True),
    )
