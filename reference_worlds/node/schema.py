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
class _Field:
    """One field of a frame or error: its name, whether it may be absent, the types it takes."""

    name: str
    optional: bool
    type: str
    accepts: frozenset[str]


@dataclass(frozen=True, slots=True)
class _Signature:
    """One method's arguments: how many are required, and the types each takes."""

    required: int
    types: tuple[str, ...]
    accepts: tuple[frozenset[str], ...]


def _accepted(type_union: str) -> frozenset[str]:
    return frozenset(type_union.removesuffix("?").split("|"))


def _fields(fields: dict[str, str]) -> tuple[_Field, ...]:
    return tuple(
        _Field(name.removesuffix("?"), name.endswith("?"), type_union, _accepted(type_union))
        for name, type_union in fields.items()
    )


_ERROR_FIELDS: Final = _fields(PROTOCOL["error"]["fields"])
_FRAMES: Final = {kind: _fields(spec["fields"]) for kind, spec in PROTOCOL["frames"].items()}
_METHODS: Final = {
    method: _Signature(
        required=len([t for t in spec["args"] if not t.endswith("?")]),
        types=tuple(t.removesuffix("?") for t in spec["args"]),
        accepts=tuple(_accepted(t) for t in spec["args"]),
    )
    for method, spec in PROTOCOL["methods"].items()
}
"""``protocol.json`` compiled once: the checks below run on every frame and call."""


def _fits(value: object, accepts: frozenset[str]) -> bool:
    if "any" in accepts:
        return True
    got = _TYPE_NAMES.get(type(value)) or _type_of(value)
    if got in accepts or (got == "integer" and "number" in accepts):
        return True
    return "error" in accepts and got == "object" and not _field_problems(value, _ERROR_FIELDS)


def _field_problems(container: Any, fields: tuple[_Field, ...]) -> list[str]:
    problems = []
    for field in fields:
        if field.name not in container:
            if not field.optional:
                problems.append(f"{field.name}: required, but absent")
        elif not _fits(container[field.name], field.accepts):
            problems.append(f"{field.name}: expected {field.type}, got {_type_of(container[field.name])}")
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
    if not signature.required <= len(args) <= len(signature.types):
        return [f"{method} takes {signature.required}..{len(signature.types)} arguments, got {len(args)}"]
    return [
        f"{method} argument {index + 1}: expected {signature.types[index]}, got {_type_of(arg)}"
        for index, arg in enumerate(args)
        if not _fits(arg, signature.accepts[index])
    ]
