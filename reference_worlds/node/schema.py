"""The bridge protocol (``protocol.json``), as Python checks it: frames both ways, call arguments.

``protocol.json`` is the one description of the protocol; ``schema.mjs`` checks the same file on
the Node side. Frame fields are checked as JSON; call arguments as Python values before they are
tagged (``bytes``, ``datetime`` and ``MISSING`` stand for Uint8Array, Date and undefined).
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
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


@cache
def _union(type_union: str) -> frozenset[str]:
    return frozenset(type_union.split("|"))


def _fits(value: object, type_union: str) -> bool:
    wanted = _union(type_union)
    got = _type_of(value)
    if got in wanted or "any" in wanted or (got == "integer" and "number" in wanted):
        return True
    return "error" in wanted and got == "object" and not _field_problems(value, PROTOCOL["error"]["fields"])


def _field_problems(container: Any, fields: dict[str, str]) -> list[str]:
    problems = []
    for raw_name, type_union in fields.items():
        name = raw_name.removesuffix("?")
        if name not in container:
            if not raw_name.endswith("?"):
                problems.append(f"{name}: required, but absent")
        elif not _fits(container[name], type_union):
            problems.append(f"{name}: expected {type_union}, got {_type_of(container[name])}")
    return problems


def frame_problems(frame: Any) -> list[str]:
    """What is wrong with ``frame`` (JSON data) under the protocol; empty when it fits."""
    if not isinstance(frame, dict):
        return [f"a frame is an object, got {_type_of(frame)}"]
    spec = PROTOCOL["frames"].get(frame.get("kind"))
    if spec is None:
        return [f"unknown frame kind {frame.get('kind')!r}"]
    return [f"{frame['kind']}.{problem}" for problem in _field_problems(frame, spec["fields"])]


def argument_problems(method: str, args: list[Any]) -> list[str]:
    """What is wrong with ``args`` (Python values) as the arguments of ``method``."""
    spec = PROTOCOL["methods"].get(method)
    if spec is None:
        return [f"unknown method {method!r}"]
    types: list[str] = spec["args"]
    required = len([t for t in types if not t.endswith("?")])
    if not required <= len(args) <= len(types):
        return [f"{method} takes {required}..{len(types)} arguments, got {len(args)}"]
    return [
        f"{method} argument {index + 1}: expected {types[index].removesuffix('?')}, got {_type_of(arg)}"
        for index, arg in enumerate(args)
        if not _fits(arg, types[index].removesuffix("?"))
    ]
