"""The optional state guard of ``events.create`` (contract §12, ``CreateEventParams.stateUpdatedAt``).

Each run has a marker: the ULID time (epoch ms) of its newest *external* event, a
``hook_received`` or ``step_completed`` created without ``stateUpdatedAt``. A create carrying
``stateUpdatedAt`` older than the marker is refused with ``PreconditionFailedError`` (412); an
equal one passes. Events created with ``stateUpdatedAt`` come from a replay and never move the
marker. Storage-free: a World keeps one ``StateMarkers`` and calls it inside its critical
section.
"""

from __future__ import annotations

from collections.abc import Iterable

from worldspec import errors
from worldspec.events import Event
from worldspec.ulid import decode_time

__all__ = ["EXTERNAL_EVENT_TYPES", "StateMarkers"]

EXTERNAL_EVENT_TYPES = frozenset({"hook_received", "step_completed"})
"""Event types that may arrive from outside a replay (a webhook, a step worker)."""


def _ulid_ms(event_id: str) -> int:
    return round(decode_time(event_id.rsplit("_", 1)[-1]).timestamp() * 1000)


class StateMarkers:
    """The state marker of every run."""

    def __init__(self) -> None:
        self._markers: dict[str, int] = {}

    def check(self, run_id: str | None, state_updated_at: float) -> None:
        """Raise ``PreconditionFailedError`` if ``state_updated_at`` is older than the run's marker."""
        marker = self._markers.get(run_id or "")
        if marker is not None and state_updated_at < marker:
            raise errors.PreconditionFailedError(
                f'Workflow run "{run_id}" has an event newer than stateUpdatedAt {state_updated_at} '
                f"(marker {marker}); reload the event log"
            )

    def advance(self, run_id: str, appended: Iterable[Event]) -> None:
        """Move the run's marker past the external events among ``appended``, which were created
        without ``stateUpdatedAt``."""
        for event in appended:
            if event.event_type in EXTERNAL_EVENT_TYPES:
                stamp = _ulid_ms(event.event_id)
                self._markers[run_id] = max(stamp, self._markers.get(run_id, stamp))
