"""worldspec: what a World of the Workflow DevKit is, on both lines of the contract.

The top-level modules describe the 4.x line (``@workflow/world`` 4.5.0, spec 3): models of every
event, entity, queue payload and stream shape, with Python snake_case attributes and the wire's
camelCase names; the error taxonomy; the async ``World`` protocol; spec versions.
``worldspec.line5`` describes the 5.x line (5.0.0-beta.37, spec 6 and 7) the same way, and
``worldspec.lines.line_of`` says which line a declared spec version belongs to. ``conformance``
judges Worlds against it; ``reference_worlds`` implement it.
"""

from __future__ import annotations

from worldspec import errors, line5, wire
from worldspec.backdoor import Backdoor
from worldspec.capabilities import Capabilities, Capability
from worldspec.entities import (
    ActiveRun,
    CancelledRun,
    CompletedRun,
    FailedRun,
    Hook,
    Step,
    StructuredError,
    Wait,
    WorkflowRun,
)
from worldspec.events import (
    CreateEventParams,
    Event,
    EventRequest,
    EventResult,
)
from worldspec.lines import SpecLine, UnsupportedSpecVersion, line_of
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.protocol import World
from worldspec.queue import (
    HandlerTimeout,
    HealthCheckPayload,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    RunInput,
    StepInvokePayload,
    WorkflowInvokePayload,
)
from worldspec.spec_version import (
    SPEC_VERSION_CURRENT,
    SPEC_VERSION_LEGACY,
    SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT,
    SPEC_VERSION_SUPPORTS_EVENT_SOURCING,
    is_legacy_spec_version,
    requires_newer_world,
)
from worldspec.streams import StreamChunk, StreamChunksResponse, StreamInfoResponse
from worldspec.validation import (
    ValidationError,
    parse_event,
    parse_event_request,
    parse_hook,
    parse_run,
    parse_step,
    parse_wait,
)
from worldspec.wire_types import MISSING

__version__ = "0.1.0"
KIT_VERSION = __version__

__all__ = [
    "KIT_VERSION",
    "MISSING",
    "SPEC_VERSION_CURRENT",
    "SPEC_VERSION_LEGACY",
    "SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT",
    "SPEC_VERSION_SUPPORTS_EVENT_SOURCING",
    "ActiveRun",
    "Backdoor",
    "CancelledRun",
    "Capabilities",
    "Capability",
    "CompletedRun",
    "CreateEventParams",
    "Event",
    "EventRequest",
    "EventResult",
    "FailedRun",
    "HandlerTimeout",
    "HealthCheckPayload",
    "Hook",
    "MessageMeta",
    "PaginatedResponse",
    "PaginationOptions",
    "QueueOptions",
    "QueuePayload",
    "QueueResult",
    "ResolveData",
    "RunInput",
    "SpecLine",
    "Step",
    "StepInvokePayload",
    "StreamChunk",
    "StreamChunksResponse",
    "StreamInfoResponse",
    "StructuredError",
    "UnsupportedSpecVersion",
    "ValidationError",
    "Wait",
    "WorkflowInvokePayload",
    "WorkflowRun",
    "World",
    "errors",
    "is_legacy_spec_version",
    "line5",
    "line_of",
    "parse_event",
    "parse_event_request",
    "parse_hook",
    "parse_run",
    "parse_step",
    "parse_wait",
    "requires_newer_world",
    "wire",
]
