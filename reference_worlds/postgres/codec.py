"""How PostgresWorld puts values into columns, and which strings its text columns can hold.

Values (payloads, eventData, errors, executionContext, queue messages) go into ``bytea`` in a
one-byte-tagged form: ``b`` + the raw bytes for a byte string, ``j`` + UTF-8 tagged JSON
(``worldspec.wire``) for anything else. So bytes are stored as themselves, a string that looks
like base64 stays a string, a list of numbers stays a list, and text that PostgreSQL's ``text``
and ``jsonb`` cannot hold (NUL, lone surrogates) is stored all the same. SQL ``NULL`` means
absent; the empty ``bytea`` is the empty byte string, present like any other value.

Identifiers go into ``text`` columns: PostgreSQL text cannot hold NUL, and a btree index entry
cannot exceed about 2.7 kB, so a World refuses such keys (contract §2.5 lets it) instead of
letting the driver fail. Tokens and idempotency keys are arbitrary strings and are stored as
UTF-8 ``bytea`` instead, exactly.
"""

from __future__ import annotations

import json
from typing import Any, Final

from worldspec import errors
from worldspec.wire import from_tagged, to_tagged

__all__ = [
    "MAX_KEY_BYTES",
    "check_key",
    "check_text",
    "decode_value",
    "encode_value",
    "is_storable_text",
    "string_from_bytes",
    "string_to_bytes",
]

MAX_KEY_BYTES: Final = 1024
"""The longest identifier (UTF-8 bytes) stored in an indexed text column."""

_BYTES_TAG: Final = b"b"
_JSON_TAG: Final = b"j"


def encode_value(value: Any) -> bytes:
    """``value`` in the tagged ``bytea`` form; ``WorkflowWorldError`` (400) if it has no JSON form.
    The empty byte string is stored as the empty ``bytea``: present, not NULL."""
    if isinstance(value, bytes | bytearray | memoryview):
        return _BYTES_TAG + bytes(value) if value else b""
    try:
        text = json.dumps(to_tagged(value), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise errors.WorkflowWorldError(f"cannot store value: {error}", status=400) from None
    return _JSON_TAG + text.encode("utf-8", "surrogatepass")


def decode_value(stored: bytes) -> Any:
    """The value ``encode_value`` stored."""
    if not stored:
        return b""
    tag, body = stored[:1], stored[1:]
    if tag == _BYTES_TAG:
        return bytes(body)
    if tag == _JSON_TAG:
        return from_tagged(json.loads(body.decode("utf-8", "surrogatepass")))
    raise ValueError(f"stored value has unknown tag {tag!r}")


def string_to_bytes(text: str) -> bytes:
    """An arbitrary string (token, idempotency key) as the bytes stored for it, exactly."""
    return text.encode("utf-8", "surrogatepass")


def string_from_bytes(stored: bytes) -> str:
    """The string ``string_to_bytes`` stored."""
    return bytes(stored).decode("utf-8", "surrogatepass")


def is_storable_text(text: str) -> bool:
    """Whether ``text`` fits a PostgreSQL ``text`` column: no NUL, valid UTF-8."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def check_text(field: str, text: str) -> None:
    """Refuse, with ``WorkflowWorldError`` (400), a string no ``text`` column can hold."""
    if not is_storable_text(text):
        raise errors.WorkflowWorldError(
            f"{field} {text[:60]!r} contains a NUL character or a lone surrogate, "
            "which this World cannot store",
            status=400,
        )


def check_key(field: str, text: str) -> None:
    """Refuse, with ``WorkflowWorldError`` (400), an identifier an indexed column cannot hold."""
    check_text(field, text)
    if len(text.encode("utf-8")) > MAX_KEY_BYTES:
        raise errors.WorkflowWorldError(
            f"{field} is {len(text.encode('utf-8'))} bytes long; this World stores identifiers of at "
            f"most {MAX_KEY_BYTES} bytes",
            status=400,
        )
