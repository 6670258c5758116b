"""Decoding upstream's persisted payload encodings (§6.4, capability ``legacy_codec``).

Three encodings occur in data upstream Worlds persisted:

- ``workflow-cbor-v1``: deterministic CBOR, byte strings under tag 64;
- ``json-text-v1``: JSON text, bytes as ``{"__type": "Uint8Array", "data": "<base64>"}``;
- ``cbor-x-v1``: cbor-x output, ``undefined`` as simple value 23, Dates as tag 1 over float
  epoch seconds, bytes under tag 64.

Decoded values are Python values as the rest of worldspec holds them: ``bytes``, aware UTC
``datetime``, and JavaScript ``undefined`` as an absent key (or ``MISSING`` in an array).
"""

from __future__ import annotations

import base64
import json
import struct
from datetime import datetime
from typing import Any

from worldspec.wire_types import MISSING, coerce_js_date

__all__ = ["ENCODINGS", "decode_persisted"]

ENCODINGS = ("workflow-cbor-v1", "json-text-v1", "cbor-x-v1")

_TAG_EPOCH_DATE = 1
_TAG_UINT8_ARRAY = 64
_SIMPLE = {20: False, 21: True, 22: None, 23: MISSING}


def decode_persisted(encoding: str, encoded: bytes) -> Any:
    """The value ``encoded`` holds in ``encoding`` (one of ``ENCODINGS``).

    Raises ``ValueError`` for an unknown encoding or malformed data, including CBOR that is
    not one complete item, or that uses indefinite lengths or tags other than 1 and 64.
    """
    if encoding == "json-text-v1":
        return json.loads(encoded.decode("utf-8"), object_hook=_revive_uint8_array)
    if encoding in ("workflow-cbor-v1", "cbor-x-v1"):
        value, end = _CborReader(encoded).item(0)
        if end != len(encoded):
            raise ValueError(f"{len(encoded) - end} bytes follow the CBOR item")
        return value
    raise ValueError(f"unknown persisted encoding {encoding!r} (known: {', '.join(ENCODINGS)})")


def _revive_uint8_array(document: dict[str, Any]) -> Any:
    if set(document) == {"__type", "data"} and document["__type"] == "Uint8Array":
        return base64.b64decode(document["data"], validate=True)
    return document


class _CborReader:
    """A decoder of the CBOR subset upstream writes (RFC 8949, definite lengths only)."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def _take(self, at: int, size: int) -> bytes:
        if at + size > len(self._data):
            raise ValueError(f"CBOR data ends inside an item at byte {at}")
        return self._data[at : at + size]

    def _head(self, at: int) -> tuple[int, int, int, int]:
        """(major type, additional info, argument, offset after the head)."""
        initial = self._take(at, 1)[0]
        major, info = initial >> 5, initial & 31
        if info < 24:
            return major, info, info, at + 1
        if info in (24, 25, 26, 27):
            size = 1 << (info - 24)
            return major, info, int.from_bytes(self._take(at + 1, size), "big"), at + 1 + size
        raise ValueError(f"unsupported CBOR additional info {info} at byte {at} (indefinite or reserved)")

    def item(self, at: int) -> tuple[Any, int]:
        """The item starting at ``at`` and the offset after it."""
        major, info, argument, at = self._head(at)
        if major == 0:
            return argument, at
        if major == 1:
            return -1 - argument, at
        if major == 2:
            return self._take(at, argument), at + argument
        if major == 3:
            return self._take(at, argument).decode("utf-8"), at + argument
        if major == 4:
            items = []
            for _ in range(argument):
                value, at = self.item(at)
                items.append(value)
            return items, at
        if major == 5:
            return self._map(argument, at)
        if major == 6:
            return self._tagged(argument, at)
        return self._simple(info, argument, at)

    def _map(self, count: int, at: int) -> tuple[dict[str, Any], int]:
        entries: dict[str, Any] = {}
        for _ in range(count):
            key, at = self.item(at)
            value, at = self.item(at)
            if not isinstance(key, str):
                raise ValueError(f"CBOR map key {key!r} is not a string")
            if value is not MISSING:
                entries[key] = value
        return entries, at

    def _tagged(self, tag: int, at: int) -> tuple[Any, int]:
        content, end = self.item(at)
        if tag == _TAG_UINT8_ARRAY and isinstance(content, bytes):
            return content, end
        if tag == _TAG_EPOCH_DATE and isinstance(content, int | float) and not isinstance(content, bool):
            return _epoch_seconds(content), end
        raise ValueError(f"unsupported CBOR tag {tag} over {type(content).__name__}")

    def _simple(self, info: int, argument: int, at: int) -> tuple[Any, int]:
        if info < 24 and argument in _SIMPLE:
            return _SIMPLE[argument], at
        if info == 25:
            return struct.unpack(">e", argument.to_bytes(2, "big"))[0], at
        if info == 26:
            return struct.unpack(">f", argument.to_bytes(4, "big"))[0], at
        if info == 27:
            return struct.unpack(">d", argument.to_bytes(8, "big"))[0], at
        raise ValueError(f"unsupported CBOR simple value {argument}")


def _epoch_seconds(seconds: float) -> datetime:
    """The Date cbor-x builds from epoch seconds: ``new Date(seconds * 1000)``."""
    return coerce_js_date(seconds * 1000)
