"""ULIDs as the contract uses them: ``wrun_`` + 26 Crockford base-32 characters (§2.5).

The first 10 characters encode the creation time in epoch milliseconds, the last 16 are random.
A monotonic generator makes ids minted in one millisecond still sort in creation order.
"""

from __future__ import annotations

import re
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta

__all__ = [
    "RUN_ID_FUTURE_WINDOW",
    "RUN_ID_PAST_WINDOW",
    "ULID_PATTERN",
    "MonotonicUlid",
    "check_run_id",
    "decode_time",
    "is_ulid",
    "new_ulid",
    "successor",
]

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUES = {char: index for index, char in enumerate(_ALPHABET)}
ULID_PATTERN = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")
"""A canonical (upper-case) ULID; its first character is at most 7 (48-bit time)."""

RUN_ID_PAST_WINDOW = timedelta(hours=24)
"""How old a client-chosen runId's embedded time may be."""
RUN_ID_FUTURE_WINDOW = timedelta(minutes=5)
"""How far ahead of the World's clock a client-chosen runId's time may be."""


_PAIRS = tuple(high + low for high in _ALPHABET for low in _ALPHABET)
"""Every two-digit string, at the index of the 10-bit number it encodes."""
_RANDOM_BITS = 80


def _encode(number: int, length: int) -> str:
    """The low ``5 * length`` bits of ``number`` as ``length`` digits, most significant first.
    Two digits per lookup: a ULID is minted for every event, and digit by digit took twice as long."""
    pairs = length // 2
    text = "".join([_PAIRS[(number >> shift) & 1023] for shift in range(10 * pairs - 10, -1, -10)])
    if length % 2:
        text = _ALPHABET[(number >> 10 * pairs) & 31] + text
    return text


def is_ulid(text: str) -> bool:
    """True when ``text`` is a canonical 26-character ULID (case-insensitive, as zod checks)."""
    return bool(ULID_PATTERN.match(text.upper()))


def decode_time(ulid: str) -> datetime:
    """The UTC time embedded in ``ulid``'s first 10 characters. Raises ``ValueError`` if not a ULID."""
    if not is_ulid(ulid):
        raise ValueError(f"not a ULID: {ulid!r}")
    millis = 0
    for char in ulid[:10].upper():
        millis = millis * 32 + _VALUES[char]
    return datetime.fromtimestamp(millis // 1000, UTC).replace(microsecond=(millis % 1000) * 1000)


def successor(ulid: str) -> str:
    """The ULID right after ``ulid`` (same time, random part plus one); ``ValueError`` if
    ``ulid`` is not a ULID or is the largest one."""
    if not is_ulid(ulid):
        raise ValueError(f"not a ULID: {ulid!r}")
    number = 0
    for char in ulid.upper():
        number = number * 32 + _VALUES[char]
    if number + 1 >= 1 << 128:
        raise ValueError(f"no ULID follows {ulid!r}")
    return _encode(number + 1, 26)


def new_ulid(at: datetime | None = None) -> str:
    """A fresh random ULID whose time part is ``at`` (default: now)."""
    millis = int((at or datetime.now(UTC)).timestamp() * 1000)
    return _encode(millis << _RANDOM_BITS | secrets.randbits(_RANDOM_BITS), 26)


class MonotonicUlid:
    """Mints ULIDs that strictly increase, even within one millisecond or a clock step back.

    Thread-safe. Within one millisecond (or when the clock goes backwards) the random part of
    the previous id is incremented, so lexical order is creation order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_millis = -1
        self._last_random = 0

    def __call__(self, at: datetime | None = None) -> str:
        millis = int(at.timestamp() * 1000) if at else time.time_ns() // 1_000_000
        with self._lock:
            if millis <= self._last_millis:
                millis = self._last_millis
                self._last_random += 1
            else:
                self._last_millis = millis
                self._last_random = secrets.randbits(79)
            random_part = self._last_random & ((1 << _RANDOM_BITS) - 1)
            return _encode(millis << _RANDOM_BITS | random_part, 26)


def check_run_id(run_id: str, now: datetime | None = None) -> str | None:
    """Why a client-chosen ``run_id`` is refused, or ``None`` if it is acceptable (§2.5).

    Accepted: a ULID with an optional ``wrun_`` prefix whose time lies within 24 h before and
    5 min after ``now``.
    """
    raw = run_id.removeprefix("wrun_")
    if not is_ulid(raw):
        return f'Invalid runId: "{run_id}" is not a valid ULID'
    drift = (now or datetime.now(UTC)) - decode_time(raw)
    if drift > RUN_ID_PAST_WINDOW:
        return f"Invalid runId timestamp: embedded timestamp is {drift} in the past"
    if -drift > RUN_ID_FUTURE_WINDOW:
        return f"Invalid runId timestamp: embedded timestamp is {-drift} in the future"
    return None
