"""Loading wire data into models, with errors a person can read.

Each ``parse_*`` takes wire-form data (camelCase keys; bytes as ``bytes`` or in the tagged
``{"$bytes": ...}`` form) and returns a model, or raises ``ValidationError`` whose lines name
the event type or status and the field path: ``step_completed.eventData.stepName: expected
string, got int``. Keys are read by their wire names only: a snake_case key (``run_id``) is
an unknown key, as it is to upstream's zod schemas, so a World that writes one is caught.
(Building a model in Python with snake_case keyword arguments is unaffected.)

By default the models accept exactly what upstream's zod schemas accept (see
docs/decisions.md for the recorded deviations). ``strict=True`` adds the payload rule of §2.3:
at specVersion >= 2 every payload field holds ``bytes``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final, TypeVar

import pydantic
from pydantic import TypeAdapter
from pydantic.alias_generators import to_camel

from worldspec.entities import Hook, Step, Wait, WorkflowRun
from worldspec.events import Event, EventRequest
from worldspec.spec_version import is_legacy_spec_version
from worldspec.wire import from_tagged

__all__ = [
    "MalformedAnswer",
    "ValidationError",
    "load_wire",
    "parse_event",
    "parse_event_request",
    "parse_hook",
    "parse_run",
    "parse_step",
    "parse_wait",
    "payload_kind_problems",
    "payload_problems",
]

ModelT = TypeVar("ModelT")

_EVENT: Final = TypeAdapter[Event](Event)
_EVENT_REQUEST: Final = TypeAdapter[EventRequest](EventRequest)
_RUN: Final = TypeAdapter[WorkflowRun](WorkflowRun)
_STEP: Final = TypeAdapter(Step)
_HOOK: Final = TypeAdapter(Hook)
_WAIT: Final = TypeAdapter(Wait)

_PAYLOAD_EVENT_FIELDS: Final = ("input", "output", "result", "payload", "metadata")
_PAYLOAD_ENTITY_FIELDS: Final = ("input", "output", "metadata")

# Parts of a pydantic error location that name a union branch or a validator, not a field.
_BRANCH_LABEL = re.compile(
    r"^(str|int|float|bool|bytes|none|missing-sentinel|list|dict|json-or-python|.*\[.*\]"
    r"|[A-Z][A-Za-z]*)$"
)
_TYPE_NAMES: Final = {
    "string_type": "string",
    "bool_type": "boolean",
    "int_type": "integer",
    "float_type": "number",
    "bytes_type": "bytes",
    "dict_type": "object",
    "model_type": "object",
    "model_attributes_type": "object",
    "list_type": "array",
}


class ValidationError(ValueError):
    """Wire data that does not fit a model. ``problems`` holds one line per faulty field."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.what = what
        self.problems = problems
        super().__init__(f"invalid {what}: " + "; ".join(problems))


class MalformedAnswer(ValidationError):
    """What a World answered does not fit the contract's model: raised where a result is read
    back from outside Python (the Node bridge). The World answered; this is never a refusal."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(what, problems)
        self.args = (f"the World answered with an invalid {what}: " + "; ".join(problems),)


def _type_name(value: object) -> str:
    return "null" if value is None else type(value).__name__


def _describe(error: Any) -> str:
    kind = error["type"]
    given = error.get("input")
    if kind == "missing":
        return "required, but absent"
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_type_name(given)}"
    if kind == "literal_error":
        return f"{error['msg'].removeprefix('Input should be ')}, got {given!r}"
    if kind == "union_tag_invalid":
        ctx = error.get("ctx", {})
        return f"unknown value {ctx.get('tag')!r} (expected one of {ctx.get('expected_tags')})"
    if kind == "union_tag_not_found":
        return "the discriminating field is absent"
    if kind == "missing_sentinel_error":
        return f"must be absent, got {_type_name(given)}"
    message = str(error["msg"])
    return message.removeprefix("Value error, ")


def _location(error: Any) -> str:
    parts = [str(part) for part in error["loc"] if not _BRANCH_LABEL.match(str(part))]
    if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
        names = re.findall(r"'([^']+)'", str(error.get("ctx", {}).get("discriminator", "")))
        parts.append(to_camel(names[0]) if names else "(discriminator)")
    return ".".join(parts) if parts else "(root)"


def _problems(error: pydantic.ValidationError) -> list[str]:
    # A field typed ``X | MISSING`` reports a wrong value twice (not X, not absent); keep the
    # first. A field that must be absent (``MISSING`` alone) reports only the second.
    items = error.errors(include_url=False)
    located = {_location(item) for item in items if item["type"] != "missing_sentinel_error"}
    lines: list[str] = []
    for item in items:
        if item["type"] == "missing_sentinel_error" and _location(item) in located:
            continue
        line = f"{_location(item)}: {_describe(item)}"
        if line not in lines:
            lines.append(line)
    return lines or [str(error)]


def load_wire(adapter: TypeAdapter[ModelT], what: str, data: Any) -> ModelT:
    """``data`` (wire form, tagged JSON allowed) loaded through ``adapter``, keys read by their
    wire names only; ``ValidationError`` names ``what`` and every faulty field."""
    try:
        decoded = from_tagged(data)
    except ValueError as error:
        raise ValidationError(what, [f"(tagged JSON): {error}"]) from None
    try:
        return adapter.validate_python(decoded, by_alias=True, by_name=False)
    except pydantic.ValidationError as error:
        raise ValidationError(what, _problems(error)) from None


def payload_kind_problems(
    label: str, container: dict[str, Any], fields: Iterable[str], spec_version: object
) -> list[str]:
    """One line per field of ``container`` among ``fields`` that is not ``bytes`` although
    ``spec_version`` is a non-legacy number (§2.3)."""
    if not isinstance(spec_version, int | float) or is_legacy_spec_version(spec_version):
        return []
    return [
        f"{label}.{name}: expected bytes, got {_type_name(container[name])} (specVersion {spec_version})"
        for name in fields
        if name in container and not isinstance(container[name], bytes)
    ]


def payload_problems(model: Any) -> list[str]:
    """Payload fields that break §2.3: at specVersion >= 2 payloads must be ``bytes``.

    Works on events, event requests, runs, steps and hooks; legacy (absent or <= 1) versions
    allow any JSON value.
    """
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
    """A stored event (any of the 16 types) from wire data; see the module docstring."""
    return _checked(load_wire(_EVENT, "event", data), "event", strict)


def parse_event_request(data: Any, *, strict: bool = False) -> EventRequest:
    """A creatable event (15 types; never ``hook_conflict``) from wire data."""
    return _checked(load_wire(_EVENT_REQUEST, "event request", data), "event request", strict)


def parse_run(data: Any, *, strict: bool = False) -> WorkflowRun:
    """A ``WorkflowRun`` (discriminated by status) from wire data."""
    return _checked(load_wire(_RUN, "run", data), "run", strict)


def parse_step(data: Any, *, strict: bool = False) -> Step:
    """A ``Step`` from wire data."""
    return _checked(load_wire(_STEP, "step", data), "step", strict)


def parse_hook(data: Any, *, strict: bool = False) -> Hook:
    """A ``Hook`` from wire data."""
    return _checked(load_wire(_HOOK, "hook", data), "hook", strict)


def parse_wait(data: Any) -> Wait:
    """A ``Wait`` from wire data."""
    return load_wire(_WAIT, "wait", data)
