"""JSON Schemas of the wire models, for implementers who validate wire data in other languages.

Bytes appear in the tagged form (``{"$bytes": "<base64>"}``), dates as ISO strings or epoch ms.
``SCHEMA_MODELS`` are the 4.x line's models, ``SCHEMA_MODELS_LINE_5`` the 5.x line's; the
functions take the line (``worldspec.lines.SpecLine``), the 4.x line by default.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter

from worldspec.entities import Hook, Step, StructuredError, Wait, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5 import bulk as line5_bulk
from worldspec.line5 import entities as line5_entities
from worldspec.line5 import events as line5_events
from worldspec.line5 import queue as line5_queue
from worldspec.lines import SpecLine
from worldspec.queue import (
    HealthCheckPayload,
    QueueOptions,
    StepInvokePayload,
    WorkflowInvokePayload,
)
from worldspec.streams import StreamChunk, StreamChunksResponse, StreamInfoResponse

__all__ = ["SCHEMA_MODELS", "SCHEMA_MODELS_LINE_5", "schema_of", "write_schemas"]

SCHEMA_MODELS: Final[dict[str, Any]] = {
    "Event": Event,
    "EventRequest": EventRequest,
    "EventResult": EventResult,
    "CreateEventParams": CreateEventParams,
    "WorkflowRun": WorkflowRun,
    "Step": Step,
    "Hook": Hook,
    "Wait": Wait,
    "StructuredError": StructuredError,
    "WorkflowInvokePayload": WorkflowInvokePayload,
    "StepInvokePayload": StepInvokePayload,
    "HealthCheckPayload": HealthCheckPayload,
    "QueueOptions": QueueOptions,
    "StreamChunk": StreamChunk,
    "StreamChunksResponse": StreamChunksResponse,
    "StreamInfoResponse": StreamInfoResponse,
}
"""Every model of the 4.x line that gets a schema file, by file stem."""

SCHEMA_MODELS_LINE_5: Final[dict[str, Any]] = {
    "Event": line5_events.Event,
    "EventRequest": line5_events.EventRequest,
    "EventResult": line5_events.EventResult,
    "CreateEventParams": line5_events.CreateEventParams,
    "WorkflowRun": line5_entities.WorkflowRun,
    "Step": line5_entities.Step,
    "Hook": line5_entities.Hook,
    "Wait": Wait,
    "StructuredError": StructuredError,
    "WorkflowInvokePayload": line5_queue.WorkflowInvokePayload,
    "HealthCheckPayload": line5_queue.HealthCheckPayload,
    "QueueOptions": line5_queue.QueueOptions,
    "StreamChunk": StreamChunk,
    "StreamChunksResponse": StreamChunksResponse,
    "StreamInfoResponse": StreamInfoResponse,
    "BulkCancelWorkflowRunsRequest": line5_bulk.BulkCancelWorkflowRunsRequest,
    "BulkCancelWorkflowRunsResult": line5_bulk.BulkCancelWorkflowRunsResult,
    "BatchEventRequest": line5_bulk.BatchEventRequest,
    "EventBatchResult": line5_bulk.EventBatchResult,
}
"""Every model of the 5.x line that gets a schema file, by file stem."""

_MODELS_BY_LINE: Final = {SpecLine.LINE_4: SCHEMA_MODELS, SpecLine.LINE_5: SCHEMA_MODELS_LINE_5}


def schema_of(name: str, line: SpecLine = SpecLine.LINE_4) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of ``line``'s model ``name``, wire (camelCase) names."""
    schema = TypeAdapter(_MODELS_BY_LINE[line][name]).json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", name)
    return schema


def write_schemas(out_dir: Path, line: SpecLine = SpecLine.LINE_4) -> list[Path]:
    """Write ``<Name>.schema.json`` for every model of ``line`` into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in _MODELS_BY_LINE[line]:
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema_of(name, line), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
