"""JSON Schemas of the wire models, for implementers who validate wire data in other languages.

Bytes appear in the tagged form (``{"$bytes": "<base64>"}``), dates as ISO strings or epoch ms.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Final

from pydantic import TypeAdapter

from worldspec.entities import Hook, Step, StructuredError, Wait, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.queue import (
    HealthCheckPayload,
    QueueOptions,
    StepInvokePayload,
    WorkflowInvokePayload,
)
from worldspec.streams import StreamChunk, StreamChunksResponse, StreamInfoResponse

__all__ = ["SCHEMA_MODELS", "schema_of", "write_schemas"]

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
"""Every model that gets a schema file, by file stem."""


def schema_of(name: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the model ``name``, wire (camelCase) names."""
    schema = TypeAdapter(SCHEMA_MODELS[name]).json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema.setdefault("title", name)
    return schema


def write_schemas(out_dir: Path) -> list[Path]:
    """Write ``<Name>.schema.json`` for every model into ``out_dir``; return the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMA_MODELS:
        path = out_dir / f"{name}.schema.json"
        path.write_text(json.dumps(schema_of(name), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
