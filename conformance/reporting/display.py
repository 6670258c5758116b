"""Showing what a World returned, for people: models as wire dicts, bytes as length + hex."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

from worldspec.wire_types import MISSING

__all__ = ["show", "show_bytes"]

_HEX_PREFIX = 16
_LONG_STRING = 1000
"""Strings inside a value longer than this are shown by their head and their length."""
_STRING_HEAD = 80


def show_bytes(data: bytes) -> str:
    """``<5 bytes: 00 01 02 ff 41>``, cut after the first 16 bytes."""
    head = data[:_HEX_PREFIX].hex(" ")
    more = " ..." if len(data) > _HEX_PREFIX else ""
    return f"<{len(data)} bytes: {head}{more}>" if data else "<0 bytes>"


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return _plain(value.model_dump(by_alias=True, mode="python"))
    if isinstance(value, bytes | bytearray | memoryview):
        return show_bytes(bytes(value))
    if isinstance(value, datetime):
        return value.isoformat(timespec="milliseconds")
    if value is MISSING:
        return "<absent>"
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, str) and len(value) > _LONG_STRING:
        return f"{value[:_STRING_HEAD]}... <{len(value)} characters>"
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def show(value: Any) -> str:
    """``value`` pretty-printed: indented JSON-like text, bytes as ``<n bytes: hex...>``, strings
    inside it past 1000 characters as their head and length. A string alone is shown whole."""
    if isinstance(value, str):
        return value
    plain = _plain(value)
    if isinstance(plain, str):
        return plain
    return json.dumps(plain, indent=2, ensure_ascii=False)
