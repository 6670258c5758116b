"""What a ULID-numbered event id looks like (base §2.1), for the suites that judge one."""

from __future__ import annotations

from typing import Final

from worldspec.ulid import is_ulid

__all__ = ["EVENT_ID_PREFIXES", "is_ulid_event_id"]

EVENT_ID_PREFIXES: Final = ("evnt", "wevt")
"""§2.1: ``evnt_`` is documented and preferred; ``wevt_`` is in use too."""


def is_ulid_event_id(event_id: str) -> bool:
    """Whether ``event_id`` is one of ``EVENT_ID_PREFIXES``, an underscore and a ULID."""
    prefix, _, ulid = event_id.partition("_")
    return prefix in EVENT_ID_PREFIXES and is_ulid(ulid)
