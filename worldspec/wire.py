"""The tagged JSON form: how bytes, dates and ``undefined`` cross JSON.

Upstream's language-neutral fixtures (shipped in ``conformance/fixtures``) write
``{"$bytes": "<base64>"}`` for a byte string, ``{"$timestampMs": n}`` for a Date and
``{"$undefined": true}`` for JavaScript ``undefined``. This module reads and writes that form.

A user object that would read as a tag (exactly one key, starting with ``$``) is written as
``{"$object": {...}}`` so it comes back as itself; upstream's fixtures never hold one.
``undefined`` inside an object means the key is absent, so it is dropped on load; inside an
array it loads as ``MISSING``.
"""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any, Final

from pydantic import BaseModel

from worldspec.wire_types import MISSING, coerce_js_date, from_epoch_milliseconds

__all__ = ["from_json", "from_tagged", "to_json", "to_tagged"]

_TAGS = ("$bytes", "$timestampMs", "$undefined", "$object")


def _is_tag_shaped(value: dict[Any, Any]) -> bool:
    return len(value) == 1 and isinstance(next(iter(value)), str) and next(iter(value)).startswith("$")


_SCALARS: Final = frozenset({str, int, float, bool, type(None)})
"""Exact types ``to_tagged`` keeps as they are (JSON's own scalars)."""


def to_tagged(value: Any) -> Any:
    """``value`` as plain JSON data in the tagged form. Models are dumped to wire form first."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        return _tag_object(value)
    if kind is list or kind is tuple:
        return [item if type(item) in _SCALARS else to_tagged(item) for item in value]
    if isinstance(value, BaseModel):
        value = value.model_dump(by_alias=True, mode="python")
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime):
        return {"$timestampMs": round(coerce_js_date(value).timestamp() * 1000)}
    if value is MISSING:
        return {"$undefined": True}
    if isinstance(value, dict):
        return _tag_object(value)
    if isinstance(value, list | tuple):
        return [to_tagged(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"cannot put a {type(value).__name__} into tagged JSON")


def _tag_object(value: dict[Any, Any]) -> dict[str, Any]:
    encoded = {
        str(key): item if type(item) in _SCALARS else to_tagged(item)
        for key, item in value.items()
        if item is not MISSING
    }
    return {"$object": encoded} if _is_tag_shaped(encoded) else encoded


_PLAIN: Final = frozenset({str, int, float, bool, type(None), bytes})
"""Exact types that hold no tag: ``from_tagged`` keeps them without a call (most leaves)."""


def _untag_object(value: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for key, item in value.items():
        kind = type(item)
        if kind in _PLAIN:
            decoded[key] = item
            continue
        item = _untag_one_key(item) if kind is dict and len(item) == 1 else from_tagged(item)
        if item is not MISSING:
            decoded[key] = item
    return decoded


def _untag_one_key(value: dict[str, Any]) -> Any:
    """A one-key object: a tag, or a plain object whose key is not one (most tagged values are
    one-key objects, so ``_untag_object`` comes here directly)."""
    ((tag, body),) = value.items()
    if isinstance(tag, str) and tag.startswith("$"):
        return _untag_tag(tag, body, value)
    return _untag_object(value)


def _untag_tag(tag: str, body: Any, value: dict[str, Any]) -> Any:
    if tag == "$timestampMs" and type(body) is int:
        return from_epoch_milliseconds(body)
    if tag == "$bytes" and isinstance(body, str):
        try:
            return base64.b64decode(body, validate=True)
        except binascii.Error:
            raise ValueError(f"$bytes holds invalid base64: {body[:40]!r}") from None
    if tag == "$timestampMs" and isinstance(body, int | float) and not isinstance(body, bool):
        return coerce_js_date(body)
    if tag == "$undefined" and body is True:
        return MISSING
    if tag == "$object" and isinstance(body, dict):
        return _untag_object(body)
    if tag in _TAGS:
        raise ValueError(f"malformed {tag} tag: {value!r}")
    return _untag_object(value)


def from_tagged(value: Any) -> Any:
    """Plain JSON data in the tagged form back to Python values: ``bytes``, aware UTC
    ``datetime``, ``MISSING``. Values that are already Python values pass through unchanged.

    Raises ``ValueError`` for a malformed tag (``$bytes`` that is not base64, ...).
    """
    kind = type(value)
    if kind is list or (kind is not dict and isinstance(value, list)):
        return [item if type(item) in _PLAIN else from_tagged(item) for item in value]
    if kind is not dict and not isinstance(value, dict):
        return value
    return _untag_one_key(value) if len(value) == 1 else _untag_object(value)


def to_json(value: Any, *, indent: int | None = None) -> str:
    """``value`` (a model, or data holding bytes and dates) as tagged JSON text."""
    return json.dumps(to_tagged(value), indent=indent, ensure_ascii=False, allow_nan=False)


def from_json(text: str | bytes) -> Any:
    """Tagged JSON text back to Python values (see ``from_tagged``)."""
    return from_tagged(json.loads(text))
