"""How a World declares the optional parts it implements: a datasheet the kit reads.

A World exposes ``worldspec_capabilities: Capabilities``; without one it gets the defaults.
Parts the contract requires default to ``True`` (declaring ``False`` skips their tests and caps
the certification level); MAY parts default to ``False``. Where the kit can see a part for
itself it ignores the declaration: ``legacy_seeding`` is true exactly when the World has a
``worldspec_backdoor``, ``write_to_stream_multi`` exactly when it has that method.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

__all__ = ["Capabilities", "Capability"]


class Capability(StrEnum):
    """A part of the contract a World may lack; each value names a ``Capabilities`` field."""

    STREAMS = "streams"
    QUEUE_DELIVERY = "queue_delivery"
    PRELOAD = "preload"
    LEGACY_SEEDING = "legacy_seeding"
    LEGACY_CODEC = "legacy_codec"
    DELAY = "delay"
    MULTI_PROCESS = "multi_process"
    WRITE_TO_STREAM_MULTI = "write_to_stream_multi"
    STATE_GUARD = "state_guard"


@dataclass(frozen=True)
class Capabilities:
    """What a World implements beyond the required core of ``events``/``runs``/``steps``/``hooks``."""

    streams: bool = True
    """Implements the six stream methods (§10). Required by the contract."""

    queue_delivery: bool = True
    """Delivers queued messages to handlers registered in this process (§11). Required."""

    preload: bool = True
    """Returns the run's log on a pending-to-running ``run_started`` (§5.2). ``False`` declares
    the MAY omission: the preload tests are skipped and the runtime pays a round trip."""

    legacy_seeding: bool = False
    """Provides ``worldspec_backdoor`` to write runs as an older version stored them (§6)."""

    legacy_codec: bool = False
    """Reads payloads in upstream's persisted encodings (§6.4, MAY), and its backdoor can store
    them (``worldspec.backdoor.EncodedPayloadSeeding``) so the kit can judge the reading."""

    delay: bool = False
    """Honours ``QueueOptions.delay_seconds``: nothing is delivered earlier (§11, MAY)."""

    multi_process: bool = False
    """Linearizable across OS processes that share its storage (§8, §12)."""

    write_to_stream_multi: bool = False
    """Implements ``write_to_stream_multi`` (§10, MAY)."""

    state_guard: bool = False
    """Honours ``CreateEventParams.state_updated_at``: a create older than the run's newest
    external event raises ``PreconditionFailedError`` (§12, MAY)."""

    @classmethod
    def describe(cls, capability: Capability) -> str:
        """The one-line docstring of ``capability``, for skip reasons and reports."""
        return _DESCRIPTIONS[capability.value]

    def has(self, capability: Capability) -> bool:
        """Whether this declaration includes ``capability``."""
        return bool(getattr(self, capability.value))

    def enabled(self) -> list[str]:
        """Names of the capabilities in force, for report headers."""
        return [field.name for field in fields(self) if getattr(self, field.name)]


_DESCRIPTIONS = {
    "streams": "the six stream methods (§10)",
    "queue_delivery": "in-process queue delivery to registered handlers (§11)",
    "preload": "the event-log preload on a pending-to-running run_started (§5.2)",
    "legacy_seeding": "a backdoor that writes runs as an older version stored them (§6)",
    "legacy_codec": "reading upstream's persisted payload encodings (§6.4, MAY)",
    "delay": "QueueOptions.delay_seconds (§11, MAY)",
    "multi_process": "linearizability across OS processes sharing the storage (§8)",
    "write_to_stream_multi": "write_to_stream_multi (§10, MAY)",
    "state_guard": "the stateUpdatedAt optimistic-concurrency guard (§12, MAY)",
}
