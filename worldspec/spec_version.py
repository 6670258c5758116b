"""Spec versions of the World contract (``@workflow/world`` src/spec-version.ts).

A run's version is that of its ``run_created`` (or resilient ``run_started``); it selects how
the World treats the run. Absent, ``None`` or <= 1 means a legacy run.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "SPEC_VERSION_CURRENT",
    "SPEC_VERSION_LEGACY",
    "SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT",
    "SPEC_VERSION_SUPPORTS_EVENT_SOURCING",
    "is_legacy_spec_version",
    "requires_newer_world",
]

SPEC_VERSION_LEGACY: Final = 1
"""Before event sourcing: payloads are plain JSON, entities mutated directly."""

SPEC_VERSION_SUPPORTS_EVENT_SOURCING: Final = 2
"""Event-sourced runs with byte payloads."""

SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT: Final = 3
"""As 2, and the first workflow message carries ``runInput.input`` as bytes."""

SPEC_VERSION_CURRENT: Final = SPEC_VERSION_SUPPORTS_CBOR_QUEUE_TRANSPORT
"""The version this kit describes; a conforming World reports it."""


def is_legacy_spec_version(version: float | None) -> bool:
    """True when ``version`` is absent or at most ``SPEC_VERSION_LEGACY``."""
    return version is None or version <= SPEC_VERSION_LEGACY


def requires_newer_world(version: float | None) -> bool:
    """True when ``version`` is newer than ``SPEC_VERSION_CURRENT`` (the run needs a newer World)."""
    return version is not None and version > SPEC_VERSION_CURRENT
