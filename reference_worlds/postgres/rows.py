"""Rows to models and back: the one place that knows which column holds which field.

Each entity has the columns it is selected with (``*_SELECT``), a reader turning such a row
into its model, and a writer giving the column values of a model. Payload columns follow the
legacy rule of contract §6.3: the ``bytea`` column when it IS NOT NULL, else the legacy
``*_json`` column when that IS NOT NULL, else absent — never a truthiness test. ``jsonb`` is
selected as text so that JSON ``null`` stays distinct from SQL ``NULL``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, LiteralString

from pydantic import TypeAdapter

from reference_worlds.postgres.codec import decode_value, encode_value, string_from_bytes, string_to_bytes
from worldspec.entities import Hook, Step, StructuredError, Wait, WorkflowRun
from worldspec.events import EVENT_DATA_REF_FIELDS, Event
from worldspec.pagination import ResolveData
from worldspec.wire_types import MISSING

__all__ = [
    "EVENT_COLUMNS",
    "EVENT_SELECT",
    "EVENT_SELECT_NO_PAYLOAD",
    "HOOK_COLUMNS",
    "HOOK_SELECT",
    "PAYLOAD_FIELD",
    "RUN_COLUMNS",
    "RUN_MUTABLE",
    "RUN_SELECT",
    "STEP_COLUMNS",
    "STEP_MUTABLE",
    "STEP_SELECT",
    "WAIT_COLUMNS",
    "WAIT_MUTABLE",
    "WAIT_SELECT",
    "Column",
    "event_from_row",
    "event_values",
    "hook_from_row",
    "hook_values",
    "run_from_row",
    "run_values",
    "step_from_row",
    "step_values",
    "wait_from_row",
    "wait_values",
]

Column = tuple[LiteralString, LiteralString]
"""A column written by events.create: its name and the SQL type its parameter is cast to."""

_RUN: Final = TypeAdapter[WorkflowRun](WorkflowRun)
_EVENT: Final = TypeAdapter[Event](Event)
_STEP: Final = TypeAdapter(Step)
_HOOK: Final = TypeAdapter(Hook)
_WAIT: Final = TypeAdapter(Wait)

PAYLOAD_FIELD: Final = {event_type: names[0] for event_type, names in EVENT_DATA_REF_FIELDS.items()}
"""The one payload field of each event type that has one; it is stored in ``events.payload``."""


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.is_integer() else value


def _optional(fields: dict[str, Any], **values: Any) -> None:
    """Add the values that are present (not ``None``: SQL NULL means absent)."""
    fields.update({name: value for name, value in values.items() if value is not None})


def _payloads(fields: dict[str, Any], **values: Any) -> None:
    """Add the payloads that are present; ``None`` is JSON null here, a value like any other."""
    fields.update({name: value for name, value in values.items() if value is not MISSING})


def _payload(stored: bytes | None, legacy_json: str | None) -> Any:
    if stored is not None:
        return decode_value(stored)
    if legacy_json is not None:
        return json.loads(legacy_json)
    return MISSING


def _encoded(value: Any) -> bytes | None:
    return None if value is MISSING else encode_value(value)


def _error_value(error: StructuredError | Any) -> bytes | None:
    return None if error is MISSING else encode_value(error.to_wire())


def _when(value: datetime | Any) -> datetime | None:
    return None if value is MISSING else value


def _version(value: float | Any) -> float | None:
    return None if value is MISSING else float(value)


# --- runs ------------------------------------------------------------------------------------

RUN_SELECT: Final = (
    "run_id, status, deployment_id, workflow_name, spec_version, execution_context, "
    "input, input_json::text, output, output_json::text, error, "
    "expired_at, started_at, completed_at, created_at, updated_at"
)
RUN_COLUMNS: Final[tuple[Column, ...]] = (
    ("run_id", "text"),
    ("status", "text"),
    ("deployment_id", "text"),
    ("workflow_name", "text"),
    ("spec_version", "float8"),
    ("execution_context", "bytea"),
    ("input", "bytea"),
    ("output", "bytea"),
    ("error", "bytea"),
    ("expired_at", "timestamptz"),
    ("started_at", "timestamptz"),
    ("completed_at", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
)
RUN_MUTABLE: Final[tuple[LiteralString, ...]] = (
    "status",
    "output",
    "error",
    "expired_at",
    "started_at",
    "completed_at",
    "updated_at",
)
"""What events change on an existing run; writing ``output`` also clears ``output_json``."""


def run_from_row(row: tuple[Any, ...]) -> WorkflowRun:
    (run_id, status, deployment_id, workflow_name, version, context, input_value, input_json) = row[:8]
    (output, output_json, error, expired_at, started_at, completed_at, created_at, updated_at) = row[8:]
    fields: dict[str, Any] = {
        "run_id": run_id,
        "status": status,
        "deployment_id": deployment_id,
        "workflow_name": workflow_name,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    _payloads(fields, input=_payload(input_value, input_json), output=_payload(output, output_json))
    _optional(
        fields,
        spec_version=_number(version),
        execution_context=None if context is None else decode_value(context),
        error=None if error is None else decode_value(error),
        expired_at=expired_at,
        started_at=started_at,
        completed_at=completed_at,
    )
    return _RUN.validate_python(fields)


def run_values(run: WorkflowRun) -> dict[str, Any]:
    return {
        "run_id": run.run_id,
        "status": run.status,
        "deployment_id": run.deployment_id,
        "workflow_name": run.workflow_name,
        "spec_version": _version(run.spec_version),
        "execution_context": _encoded(run.execution_context),
        "input": _encoded(run.input),
        "output": _encoded(run.output),
        "error": _error_value(run.error),
        "expired_at": _when(run.expired_at),
        "started_at": _when(run.started_at),
        "completed_at": _when(run.completed_at),
        "created_at": run.created_at,
        "updated_at": run.updated_at,
    }


# --- events ----------------------------------------------------------------------------------

EVENT_SELECT: Final = (
    "run_id, event_id, event_type, correlation_id, created_at, spec_version, "
    "event_data, payload, event_data_json::text"
)
EVENT_SELECT_NO_PAYLOAD: Final = (
    "run_id, event_id, event_type, correlation_id, created_at, spec_version, "
    "event_data, NULL::bytea, event_data_json::text"
)
EVENT_COLUMNS: Final[tuple[Column, ...]] = (
    ("run_id", "text"),
    ("event_id", "text"),
    ("event_type", "text"),
    ("correlation_id", "text"),
    ("created_at", "timestamptz"),
    ("spec_version", "float8"),
    ("event_data", "bytea"),
    ("payload", "bytea"),
)


def _without_payload(event_type: str, data: Any) -> Any:
    """eventData under ``resolveData: 'none'``: the payload field gone, an empty or non-object
    eventData dropped (§9)."""
    if not isinstance(data, dict):
        return MISSING
    kept = {key: value for key, value in data.items() if key != PAYLOAD_FIELD.get(event_type)}
    return kept or MISSING


def event_from_row(row: tuple[Any, ...], resolve_data: ResolveData = "all") -> Event:
    """The event of a row selected with ``EVENT_SELECT`` (or ``EVENT_SELECT_NO_PAYLOAD``)."""
    run_id, event_id, event_type, correlation_id, created_at, version, event_data, payload, legacy = row
    data: Any = MISSING
    if event_data is not None:
        data = decode_value(event_data)
        if payload is not None:
            data[PAYLOAD_FIELD[event_type]] = decode_value(payload)
    elif legacy is not None:
        data = json.loads(legacy)
    if resolve_data == "none" and data is not MISSING:
        data = _without_payload(event_type, data)
    fields: dict[str, Any] = {
        "run_id": run_id,
        "event_id": event_id,
        "event_type": event_type,
        "created_at": created_at,
    }
    _optional(fields, correlation_id=correlation_id, spec_version=_number(version))
    if data is not MISSING:
        fields["event_data"] = data
    return _EVENT.validate_python(fields)


def event_values(event: Event) -> dict[str, Any]:
    """Column values of ``event``: its payload field apart, the rest of eventData as one value."""
    wire = event.to_wire()
    data = wire.get("eventData")
    payload = None
    if data is not None:
        data = dict(data)
        field = PAYLOAD_FIELD.get(event.event_type)
        if field is not None and field in data:
            payload = encode_value(data.pop(field))
    return {
        "run_id": event.run_id,
        "event_id": event.event_id,
        "event_type": event.event_type,
        "correlation_id": wire.get("correlationId"),
        "created_at": event.created_at,
        "spec_version": _version(event.spec_version),
        "event_data": None if data is None else encode_value(data),
        "payload": payload,
    }


# --- steps -----------------------------------------------------------------------------------

STEP_SELECT: Final = (
    "run_id, step_id, step_name, status, attempt, input, output, error, "
    "started_at, completed_at, retry_after, created_at, updated_at, spec_version"
)
STEP_COLUMNS: Final[tuple[Column, ...]] = (
    ("run_id", "text"),
    ("step_id", "text"),
    ("step_name", "text"),
    ("status", "text"),
    ("attempt", "int4"),
    ("input", "bytea"),
    ("output", "bytea"),
    ("error", "bytea"),
    ("started_at", "timestamptz"),
    ("completed_at", "timestamptz"),
    ("retry_after", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("spec_version", "float8"),
)
STEP_MUTABLE: Final[tuple[LiteralString, ...]] = (
    "status",
    "attempt",
    "output",
    "error",
    "started_at",
    "completed_at",
    "retry_after",
    "updated_at",
)


def step_from_row(row: tuple[Any, ...]) -> Step:
    (run_id, step_id, step_name, status, attempt, input_value, output, error) = row[:8]
    (started_at, completed_at, retry_after, created_at, updated_at, version) = row[8:]
    fields: dict[str, Any] = {
        "run_id": run_id,
        "step_id": step_id,
        "step_name": step_name,
        "status": status,
        "attempt": attempt,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    _payloads(fields, input=_payload(input_value, None), output=_payload(output, None))
    _optional(
        fields,
        error=None if error is None else decode_value(error),
        started_at=started_at,
        completed_at=completed_at,
        retry_after=retry_after,
        spec_version=_number(version),
    )
    return _STEP.validate_python(fields)


def step_values(step: Step) -> dict[str, Any]:
    return {
        "run_id": step.run_id,
        "step_id": step.step_id,
        "step_name": step.step_name,
        "status": step.status,
        "attempt": int(step.attempt),
        "input": _encoded(step.input),
        "output": _encoded(step.output),
        "error": _error_value(step.error),
        "started_at": _when(step.started_at),
        "completed_at": _when(step.completed_at),
        "retry_after": _when(step.retry_after),
        "created_at": step.created_at,
        "updated_at": step.updated_at,
        "spec_version": _version(step.spec_version),
    }


# --- hooks -----------------------------------------------------------------------------------

HOOK_SELECT: Final = (
    "run_id, hook_id, token, owner_id, project_id, environment, metadata, created_at, "
    "spec_version, is_webhook"
)
HOOK_COLUMNS: Final[tuple[Column, ...]] = (
    ("run_id", "text"),
    ("hook_id", "text"),
    ("token", "bytea"),
    ("owner_id", "text"),
    ("project_id", "text"),
    ("environment", "text"),
    ("metadata", "bytea"),
    ("created_at", "timestamptz"),
    ("spec_version", "float8"),
    ("is_webhook", "bool"),
)


def hook_from_row(row: tuple[Any, ...]) -> Hook:
    run_id, hook_id, token, owner_id, project_id, environment, metadata, created_at, version, webhook = row
    fields: dict[str, Any] = {
        "run_id": run_id,
        "hook_id": hook_id,
        "token": string_from_bytes(token),
        "owner_id": owner_id,
        "project_id": project_id,
        "environment": environment,
        "created_at": created_at,
    }
    _payloads(fields, metadata=_payload(metadata, None))
    _optional(fields, spec_version=_number(version), is_webhook=webhook)
    return _HOOK.validate_python(fields)


def hook_values(hook: Hook) -> dict[str, Any]:
    return {
        "run_id": hook.run_id,
        "hook_id": hook.hook_id,
        "token": string_to_bytes(hook.token),
        "owner_id": hook.owner_id,
        "project_id": hook.project_id,
        "environment": hook.environment,
        "metadata": _encoded(hook.metadata),
        "created_at": hook.created_at,
        "spec_version": _version(hook.spec_version),
        "is_webhook": None if hook.is_webhook is MISSING else hook.is_webhook,
    }


# --- waits -----------------------------------------------------------------------------------

WAIT_SELECT: Final = "wait_id, run_id, status, resume_at, completed_at, created_at, updated_at, spec_version"
WAIT_COLUMNS: Final[tuple[Column, ...]] = (
    ("wait_id", "text"),
    ("run_id", "text"),
    ("status", "text"),
    ("resume_at", "timestamptz"),
    ("completed_at", "timestamptz"),
    ("created_at", "timestamptz"),
    ("updated_at", "timestamptz"),
    ("spec_version", "float8"),
)
WAIT_MUTABLE: Final[tuple[LiteralString, ...]] = ("status", "resume_at", "completed_at", "updated_at")


def wait_from_row(row: tuple[Any, ...]) -> Wait:
    wait_id, run_id, status, resume_at, completed_at, created_at, updated_at, version = row
    fields: dict[str, Any] = {
        "wait_id": wait_id,
        "run_id": run_id,
        "status": status,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    _optional(fields, resume_at=resume_at, completed_at=completed_at, spec_version=_number(version))
    return _WAIT.validate_python(fields)


def wait_values(wait: Wait) -> dict[str, Any]:
    return {
        "wait_id": wait.wait_id,
        "run_id": wait.run_id,
        "status": wait.status,
        "resume_at": _when(wait.resume_at),
        "completed_at": _when(wait.completed_at),
        "created_at": wait.created_at,
        "updated_at": wait.updated_at,
        "spec_version": _version(wait.spec_version),
    }
