"""What a World of the 5.x line declares it implements beyond the required core.

Two declarations, read by different parties:

- ``WorldCapabilities`` is upstream's ``World.capabilities`` member
  (``@workflow/world`` 5.0.0-beta.37 src/interfaces.ts), which the runtime reads: ``invoke``,
  ``hookRetention``, ``hookResumeDedup``, ``maxConcurrency``, ``deploymentAffinity``. A Python
  World exposes it as ``capabilities``; absent members mean "unsupported".
- ``Capabilities`` is the datasheet the kit reads (``worldspec_capabilities``), as on the 4.x
  line (``worldspec.capabilities``): the structural parts and the data capabilities that
  world-contract-v7.md §12 says are declared to the kit. Required parts default to ``True``,
  MAY parts to ``False``. The 4.x ``state_guard`` is withdrawn on this line.

Optional *members* (``runs.getMany``, ``streams.writeMulti``, ...) need no declaration: their
presence is the declaration (``worldspec.line5.protocol``).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from worldspec.base import WireModel
from worldspec.wire_types import MISSING, JsBool

__all__ = ["Capabilities", "Capability", "HookRetention", "WorldCapabilities"]


class HookRetention(WireModel):
    """``{active}``: the World keeps hooks past their run's end until ``tokenRetentionUntil``."""

    active: JsBool


class WorldCapabilities(WireModel):
    """Upstream's ``WorldCapabilities``: fast paths the runtime takes only when declared."""

    invoke: JsBool | MISSING = MISSING
    hook_retention: HookRetention | MISSING = MISSING
    max_concurrency: JsBool | MISSING = MISSING
    hook_resume_dedup: JsBool | MISSING = MISSING
    deployment_affinity: JsBool | MISSING = MISSING


class Capability(StrEnum):
    """A part of the 5.x contract a World may lack; each value names a ``Capabilities`` field."""

    STREAMS = "streams"
    QUEUE_DELIVERY = "queue_delivery"
    PRELOAD = "preload"
    LEGACY_SEEDING = "legacy_seeding"
    LEGACY_CODEC = "legacy_codec"
    DELAY = "delay"
    MULTI_PROCESS = "multi_process"
    RETENTION = "retention"
    EXPIRY = "expiry"
    MAX_EVENTS = "max_events"
    SEALED_LOG = "sealed_log"
    OCCURRED_AT = "occurred_at"


@dataclass(frozen=True)
class Capabilities:
    """The kit's datasheet of a 5.x World (``worldspec_capabilities``)."""

    streams: bool = True
    """Implements ``world.streams`` (§10). Required by the contract."""

    queue_delivery: bool = True
    """Delivers queued messages to handlers registered in this process (§11). Required."""

    preload: bool = True
    """Returns the run's log on ``run_started`` (§5.2). ``False`` declares the MAY omission."""

    legacy_seeding: bool = False
    """Provides ``worldspec_backdoor`` to write runs as an older World stored them (§6)."""

    legacy_codec: bool = False
    """Reads payloads in upstream's persisted encodings (base §6.4, MAY)."""

    delay: bool = False
    """Honours ``QueueOptions.delay_seconds`` (§11, MAY)."""

    multi_process: bool = False
    """Linearizable across OS processes that share its storage (§8, MAY)."""

    retention: bool = False
    """Purges a run's data when it ends with ``$retention: '0'`` (§12, MAY)."""

    expiry: bool = False
    """Runs may expire; reads then show ``expiredAt`` (§12, MAY)."""

    max_events: bool = False
    """Returns ``maxEvents`` on ``run_started`` and preloading ``hook_received`` results (§12, MAY)."""

    sealed_log: bool = False
    """Hands out positions before the commit and fills dead ones with ``noop`` (§2.7, MAY)."""

    occurred_at: bool = False
    """Persists ``params.occurredAt`` as ``event.occurredAt`` (§12, MAY)."""

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
    "streams": "world.streams (§10)",
    "queue_delivery": "in-process queue delivery to registered handlers (§11)",
    "preload": "the event-log preload on run_started (§5.2)",
    "legacy_seeding": "a backdoor that writes runs as an older World stored them (§6)",
    "legacy_codec": "reading upstream's persisted payload encodings (base §6.4, MAY)",
    "delay": "QueueOptions.delay_seconds (§11, MAY)",
    "multi_process": "linearizability across OS processes sharing the storage (§8, MAY)",
    "retention": "purging a run's data at its end for $retention '0' (§12, MAY)",
    "expiry": "runs that expire and show expiredAt (§12, MAY)",
    "max_events": "maxEvents on run_started and preloading hook_received results (§12, MAY)",
    "sealed_log": "positions handed out before the commit, dead ones filled with noop (§2.7, MAY)",
    "occurred_at": "params.occurredAt persisted as event.occurredAt (§12, MAY)",
}
