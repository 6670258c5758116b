"""The bridge protocol (``protocol.json``), as Python checks it: frames both ways, call arguments.

``protocol.json`` is the one description of the protocol; ``schema.mjs`` checks the same file on
the Node side. Frame fields are checked as JSON; call arguments as Python values before they are
tagged (``bytes``, ``datetime`` and ``MISSING`` stand for Uint8Array, Date and undefined).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from worldspec.wire_types import MISSING

__all__ = ["PROTOCOL", "PROTOCOL_VERSION", "argument_problems", "frame_problems"]

PROTOCOL: Final[dict[str, Any]] = json.loads((Path(__file__).parent / "protocol.json").read_text())
PROTOCOL_VERSION: Final[int] = PROTOCOL["version"]


_TYPE_NAMES: Final[dict[type, str]] = {
    type(None): "null",
    bool: "boolean",
    int: "integer",
    str: "string",
    bytes: "bytes",
    list: "array",
    dict: "object",
}
"""The protocol's name of each exact Python type that needs no closer look (most values)."""


def _type_of(value: object) -> str:
    exact = _TYPE_NAMES.get(type(value))
    if exact is not None:
        return exact
    if value is MISSING:
        return "undefined"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bytes | bytearray | memoryview):
        return "bytes"
    if isinstance(value, datetime):
        return "date"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


@dataclass(frozen=True, slots=True)
class _Type:
    """A protocol type as written (``string|null``) and the type names it accepts."""

    label: str
    accepts: frozenset[str]

    @classmethod
    def of(cls, written: str) -> _Type:
        label = written.removesuffix("?")
        return cls(label, frozenset(label.split("|")))


@dataclass(frozen=True, slots=True)
class _Field:
    """One field of a frame or error: its name, whether it may be absent, its type."""

    name: str
    optional: bool
    type: _Type


@dataclass(frozen=True, slots=True)
class _Signature:
    """One method's arguments: how many are required, and the type of each."""

    required: int
    arguments: tuple[_Type, ...]


def _fields(fields: dict[str, str]) -> tuple[_Field, ...]:
    return tuple(
        _Field(name.removesuffix("?"), name.endswith("?"), _Type.of(written))
        for name, written in fields.items()
    )


_ERROR_FIELDS: Final = _fields(PROTOCOL["error"]["fields"])
_FRAMES: Final = {kind: _fields(spec["fields"]) for kind, spec in PROTOCOL["frames"].items()}
_METHODS: Final = {
    method: _Signature(
        required=len([written for written in spec["args"] if not written.endswith("?")]),
        arguments=tuple(_Type.of(written) for written in spec["args"]),
    )
    for method, spec in PROTOCOL["methods"].items()
}
"""``protocol.json`` compiled once: the checks below run on every frame and call."""


def _fits(value: object, wanted: _Type) -> bool:
    accepts = wanted.accepts
    if "any" in accepts:
        return True
    got = _type_of(value)
    if got in accepts or (got == "integer" and "number" in accepts):
        return True
    return "error" in accepts and got == "object" and not _field_problems(value, _ERROR_FIELDS)


def _field_problems(container: Any, fields: tuple[_Field, ...]) -> list[str]:
    problems = []
    for field in fields:
        if field.name not in container:
            if not field.optional:
                problems.append(f"{field.name}: required, but absent")
        elif not _fits(container[field.name], field.type):
            problems.append(
                f"{field.name}: expected {field.type.label}, got {_type_of(container[field.name])}"
            )
    return problems


def frame_problems(frame: Any) -> list[str]:
    """What is wrong with ``frame`` (JSON data) under the protocol; empty when it fits."""
    if not isinstance(frame, dict):
        return [f"a frame is an object, got {_type_of(frame)}"]
    fields = _FRAMES.get(frame.get("kind"))
    if fields is None:
        return [f"unknown frame kind {frame.get('kind')!r}"]
    return [f"{frame['kind']}.{problem}" for problem in _field_problems(frame, fields)]


def argument_problems(method: str, args: list[Any]) -> list[str]:
    """What is wrong with ``args`` (Python values) as the arguments of ``method``."""
    signature = _METHODS.get(method)
    if signature is None:
        return [f"unknown method {method!r}"]
    most = len(signature.arguments)
    if not signature.required <= len(args) <= most:
        return [f"{method} takes {signature.required}..{most} arguments, got {len(args)}"]
    return [
        f"{method} argument {index + 1}: expected {wanted.label}, got {_type_of(arg)}"
        for index, (arg, wanted) in enumerate(zip(args, signature.arguments, strict=False))
        if not _fits(arg, wanted)
    ]
