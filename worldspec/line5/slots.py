"""Slot event ids (world-contract-v7.md §2.6; ``@workflow/world`` 5.0.0-beta.37 src/slot-identity.ts).

An event of a run stored at spec version 6 or later has the id ``evnt_`` followed by its
position in the run's log written as 26 decimal digits, of which the first 10 are zeros: slot
``k`` is ``evnt_0000000000000000000000000k`` padded to 26 digits. Positions start at 1 and are
dense. The ten leading zeros are what tells a slot from a ULID (whose first ten characters
encode a time that is never zero); a slot carries no time.
"""

from __future__ import annotations

import re
from typing import Final

__all__ = [
    "EVENT_ID_PREFIX",
    "FIRST_SLOT",
    "MAX_SLOT",
    "SLOT_EVENT_ID_PATTERN",
    "event_id_to_slot",
    "is_slot_event_id",
    "slot_to_event_id",
]

EVENT_ID_PREFIX: Final = "evnt_"
FIRST_SLOT: Final = 1
MAX_SLOT: Final = 2**53 - 1
"""The largest slot: upstream keeps slots within JavaScript's safe integers."""

_BODY_LENGTH: Final = 26
_SLOT_BODY: Final = re.compile(r"0{10}[0-9]{16}")
SLOT_EVENT_ID_PATTERN: Final = re.compile(r"^evnt_0{10}[0-9]{16}$")
"""A slot event id as a World writes it (SLOT-001)."""


def slot_to_event_id(slot: int) -> str:
    """The event id of ``slot``. Raises ``ValueError`` outside ``FIRST_SLOT..MAX_SLOT``."""
    if isinstance(slot, bool) or not isinstance(slot, int) or not FIRST_SLOT <= slot <= MAX_SLOT:
        raise ValueError(f"not an event slot: {slot!r}")
    return f"{EVENT_ID_PREFIX}{slot:0{_BODY_LENGTH}d}"


def _body(event_id: str) -> str:
    """The part after the first ``_`` (any prefix, as upstream strips it), or the whole id."""
    return event_id.split("_", 1)[1] if "_" in event_id else event_id


def event_id_to_slot(event_id: str) -> int | None:
    """The slot ``event_id`` names, or ``None`` when it is not a slot id (a ULID, say).

    Any prefix is accepted (``evnt_``, ``wevt_``, none), as upstream reads ids; a World writes
    ``evnt_`` (``SLOT_EVENT_ID_PATTERN``).
    """
    body = _body(event_id)
    if not _SLOT_BODY.fullmatch(body):
        return None
    slot = int(body)
    return slot if FIRST_SLOT <= slot <= MAX_SLOT else None


def is_slot_event_id(event_id: str) -> bool:
    """True when ``event_id`` names a slot (see ``event_id_to_slot``)."""
    return event_id_to_slot(event_id) is not None
