"""Loading 5.x wire data into the line's models, with errors a person can read.

The same contract as ``worldspec.validation`` (keys read by their wire names only; tagged JSON
accepted; ``ValidationError`` naming every faulty field), for the 5.x models. By default they
accept what ``@workflow/world`` 5.0.0-beta.37's zod schemas accept (docs/decisions.md lists
the deviations). ``strict=True`` adds the payload rule: at specVersion >= 2 every payload
field, ``error`` fields and the lazy-start ``input`` included (world-contract-v7.md §2.3), holds
``bytes``; a StructuredError a 4.x World stored as a run's or step's ``error`` (§6.5) fails it,
so such data is parsed without ``strict``.
"""

from __future__ import annotations

from typing import Any, Final, TypeVar

from pydantic import TypeAdapter

from worldspec.entities import Wait
from worldspec.line5.entities import Hook, Step, WorkflowRun
from worldspec.line5.events import Event, EventRequest
from worldspec.validation import ValidationError, load_wire, payload_kind_problems

__all__ = [
    "ValidationError",
    "parse_event",
    "parse_event_request",
    "parse_hook",
    "parse_run",
    "parse_step",
    "parse_wait",
    "payload_problems",
]

ModelT = TypeVar("ModelT")

_EVENT: Final = TypeAdapter[Event](Event)
_EVENT_REQUEST: Final = TypeAdapter[EventRequest](EventRequest)
_RUN: Final = TypeAdapter[WorkflowRun](WorkflowRun)
_STEP: Final = TypeAdapter(Step)
_HOOK: Final = TypeAdapter(Hook)
_WAIT: Final = TypeAdapter(Wait)

_PAYLOAD_EVENT_FIELDS: Final = ("input", "output", "result", "payload", "metadata", "error")
_PAYLOAD_ENTITY_FIELDS: Final = ("input", "output", "metadata", "error")


def payload_problems(model: Any) -> list[str]:
    """Payload fields of a 5.x event, request, run, step or hook that are not ``bytes`` at a
    non-legacy specVersion."""
    wire = model.to_wire()
    version = wire.get("specVersion")
    if "eventType" in wire:
        data = wire.get("eventData")
        if not isinstance(data, dict):
            return []
        return payload_kind_problems(f"{wire['eventType']}.eventData", data, _PAYLOAD_EVENT_FIELDS, version)
    label = str(wire.get("status", type(model).__name__))
    return payload_kind_problems(label, wire, _PAYLOAD_ENTITY_FIELDS, version)


def _checked(model: ModelT, what: str, strict: bool) -> ModelT:
    if strict:
        problems = payload_problems(model)
        if problems:
            raise ValidationError(what, problems)
    return model


def parse_event(data: Any, *, strict: bool = False) -> Event:
    """A stored 5.x event (any of the 18 types) from wire data."""
    return _checked(load_wire(_EVENT, "event", data), "event", strict)


def parse_event_request(data: Any, *, strict: bool = False) -> EventRequest:
    """A creatable 5.x event (16 types; never ``hook_conflict`` or ``noop``) from wire data."""
    return _checked(load_wire(_EVENT_REQUEST, "event request", data), "event request", strict)


def parse_run(data: Any, *, strict: bool = False) -> WorkflowRun:
    """A 5.x ``WorkflowRun`` (discriminated by status) from wire data."""
    return _checked(load_wire(_RUN, "run", data), "run", strict)


def parse_step(data: Any, *, strict: bool = False) -> Step:
    """A 5.x ``Step`` from wire data."""
    return _checked(load_wire(_STEP, "step", data), "step", strict)


def parse_hook(data: Any, *, strict: bool = False) -> Hook:
    """A 5.x ``Hook`` from wire data."""
    return _checked(load_wire(_HOOK, "hook", data), "hook", strict)


def parse_wait(data: Any) -> Wait:
    """A ``Wait`` (unchanged from the 4.x line) from wire data."""
    return load_wire(_WAIT, "wait", data)
