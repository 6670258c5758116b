"""Spec versions as the 5.x line knows them (``@workflow/world`` 5.0.0-beta.37 src/spec-version.ts).

Every World of this line reads runs up to ``SPEC_VERSION_MAX_SUPPORTED`` whatever it declares;
a run stored at a higher version needs a newer World. A run's stored version (absent, ``None``
or at most 1: legacy) selects how it is treated, as in the 4.x line.
"""

from __future__ import annotations

from typing import Final

from worldspec.spec_version import (
    SPEC_VERSION_LEGACY,
    SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT,
    SPEC_VERSION_SUPPORTS_EVENT_SOURCING,
    is_legacy_spec_version,
)

__all__ = [
    "SPEC_VERSION_CURRENT",
    "SPEC_VERSION_LEGACY",
    "SPEC_VERSION_MAX_SUPPORTED",
    "SPEC_VERSION_SUPPORTS_ATTRIBUTES",
    "SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT",
    "SPEC_VERSION_SUPPORTS_COMPRESSION",
    "SPEC_VERSION_SUPPORTS_EVENT_SOURCING",
    "SPEC_VERSION_SUPPORTS_SEALED_LOG",
    "SPEC_VERSION_SUPPORTS_SLOT_IDENTITY",
    "is_legacy_spec_version",
    "requires_newer_world",
]

SPEC_VERSION_SUPPORTS_ATTRIBUTES: Final = 4
"""Runs carry plaintext attributes, changed by ``attr_set`` events."""

SPEC_VERSION_SUPPORTS_COMPRESSION: Final = 5
"""Payloads may be ``gzip``- or ``zstd``-compressed; readers below 5 refuse the whole run."""

SPEC_VERSION_SUPPORTS_SLOT_IDENTITY: Final = 6
"""Event ids are slots: ``evnt_`` and the event's dense 1-based position in its run's log."""

SPEC_VERSION_SUPPORTS_SEALED_LOG: Final = 7
"""Readers skip ``noop`` events, which a sealed log writes into abandoned positions."""

SPEC_VERSION_CURRENT: Final = SPEC_VERSION_SUPPORTS_SEALED_LOG
"""What a World of this line declares by default and stamps on the runs it creates."""

SPEC_VERSION_MAX_SUPPORTED: Final = SPEC_VERSION_SUPPORTS_SEALED_LOG
"""The highest run version a World of this line reads, whatever it declares."""


def requires_newer_world(version: float | None) -> bool:
    """True when a run stored at ``version`` needs a World newer than this line (above 7)."""
    return version is not None and version > SPEC_VERSION_MAX_SUPPORTED
