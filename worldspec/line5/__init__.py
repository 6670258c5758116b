"""The 5.x line of the World contract: ``@workflow/world`` 5.0.0-beta.37, spec versions 6 and 7.

Models of this line live here, beside the 4.x line's top-level ``worldspec`` modules, one
module per part, named as there:

- ``spec_version``, ``slots``: versions 4 to 7 and slot event ids (``evnt_`` + position);
- ``entities``, ``event_data``, ``events``: runs, steps and hooks with verbatim errors,
  attributes and retention; the 18 event types, ``CreateEventParams`` and ``EventResult``;
- ``attributes``: run attribute changes, their writers and validation; ``bulk``: the shapes of
  ``runs.cancelMany`` and ``events.createBatch``;
- ``queue``: workflow-topic names and payloads; ``errors``: the line's error names;
- ``protocol``: the ``World`` protocol (``world.streams``, ``steps.get(run_id, step_id)``,
  optional members); ``capabilities``: upstream's ``WorldCapabilities`` and the kit's datasheet;
- ``validation``, ``resolve_data``: loading wire data and ``resolveData: 'none'``.

Which line judges a World is ``worldspec.lines.line_of(world.spec_version)``.
"""

from __future__ import annotations

from worldspec.line5 import errors
from worldspec.line5.capabilities import Capabilities, Capability, WorldCapabilities
from worldspec.line5.entities import (
    ActiveRun,
    CancelledRun,
    CompletedRun,
    FailedRun,
    Hook,
    Step,
    Wait,
    WorkflowRun,
)
from worldspec.line5.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5.protocol import World
from worldspec.line5.slots import event_id_to_slot, is_slot_event_id, slot_to_event_id
from worldspec.line5.spec_version import SPEC_VERSION_CURRENT, SPEC_VERSION_MAX_SUPPORTED
from worldspec.line5.validation import (
    parse_event,
    parse_event_request,
    parse_hook,
    parse_run,
    parse_step,
    parse_wait,
)

__all__ = [
    "SPEC_VERSION_CURRENT",
    "SPEC_VERSION_MAX_SUPPORTED",
    "ActiveRun",
    "CancelledRun",
    "Capabilities",
    "Capability",
    "CompletedRun",
    "CreateEventParams",
    "Event",
    "EventRequest",
    "EventResult",
    "FailedRun",
    "Hook",
    "Step",
    "Wait",
    "WorkflowRun",
    "World",
    "WorldCapabilities",
    "errors",
    "event_id_to_slot",
    "is_slot_event_id",
    "parse_event",
    "parse_event_request",
    "parse_hook",
    "parse_run",
    "parse_step",
    "parse_wait",
    "slot_to_event_id",
]
