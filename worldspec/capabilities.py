"""How a World declares the parts of the contract it implements: a datasheet the kit reads.

Each capability is declared once, as a member of ``Capability``: its name, whether the contract
requires it (``MUST``), leaves it to the World (``MAY``) or it is a facility only the kit uses
(``KIT``), the default a World that says nothing gets, the spec section, and one line saying
what it is. Everything else (the descriptions in skip reasons and reports, which certification
levels excuse its absence) is derived from that declaration.

A World exposes ``worldspec_capabilities = Capabilities(...)`` naming the capabilities whose
default it changes; without one it gets the defaults. Where the kit can see a part for itself
it ignores the declaration: ``legacy_seeding`` is true exactly when the World has a
``worldspec_backdoor``, ``write_to_stream_multi`` exactly when it has that method, ``faults``
exactly when it has a ``worldspec_faults`` hook that fits a protocol of ``worldspec.faults``,
``hook_retention`` and ``hook_resume_dedup`` exactly as the World's upstream ``capabilities``
member declares them, and each optional member of the 5.x line (``world_capabilities``,
``get_many``, ``cancel_many``, ...) exactly when the World has it: on that line a member's
presence is its declaration.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = ["Capabilities", "Capability", "Requirement", "capability_named"]

Requirement = Literal["MUST", "MAY", "KIT"]
"""``MUST``: the contract requires it; ``MAY``: the World chooses; ``KIT``: a facility the kit
uses to judge a World (a backdoor to storage), never a rule of the contract."""


class Capability(StrEnum):
    """A part of the contract a World may lack. The value names the keyword of ``Capabilities``."""

    requirement: Requirement
    default: bool
    section: str
    summary: str

    def __new__(
        cls, value: str, requirement: Requirement, default: bool, section: str, summary: str
    ) -> Capability:
        member = str.__new__(cls, value)
        member._value_ = value
        member.requirement = requirement
        member.default = default
        member.section = section
        member.summary = summary
        return member

    STREAMS = ("streams", "MUST", True, "§10", "the six stream methods")
    QUEUE_DELIVERY = (
        "queue_delivery",
        "MUST",
        True,
        "§11",
        "delivers queued messages to the handlers registered in this process",
    )
    PRELOAD = (
        "preload",
        "MAY",
        True,
        "§5.2",
        "returns the run's log with a pending-to-running run_started (declaring it absent "
        "declares the MAY omission: the runtime pays a round trip)",
    )
    LEGACY_SEEDING = (
        "legacy_seeding",
        "KIT",
        False,
        "§6",
        "a worldspec_backdoor that writes runs as an older version stored them",
    )
    LEGACY_CODEC = (
        "legacy_codec",
        "MAY",
        False,
        "§6.4",
        "reads payloads in upstream's persisted encodings, and its backdoor can store them",
    )
    DELAY = ("delay", "MAY", False, "§11", "honours QueueOptions.delay_seconds: nothing is delivered earlier")
    MULTI_PROCESS = (
        "multi_process",
        "MAY",
        False,
        "§8",
        "stays linearizable across OS processes that share its storage",
    )
    WRITE_TO_STREAM_MULTI = ("write_to_stream_multi", "MAY", False, "§10", "implements write_to_stream_multi")
    FAULTS = (
        "faults",
        "KIT",
        False,
        "§8",
        "a worldspec_faults hook through which the kit kills the World's process, restarts it "
        "or cuts its connections (worldspec.faults)",
    )
    MAX_EVENTS = (
        "max_events",
        "MAY",
        False,
        "§12",
        "returns maxEvents on run_started results (the 5.x line declares it; world-contract-v7.md §12)",
    )
    WORLD_CAPABILITIES = (
        "world_capabilities",
        "MAY",
        False,
        "§12",
        "has the 5.x member capabilities (upstream's WorldCapabilities); the kit sets it itself "
        "from whether the member exists",
    )
    WAIT_FOR_TERMINAL_STATUS = (
        "wait_for_terminal_status",
        "MAY",
        False,
        "§12",
        "implements the 5.x runs.wait_for_terminal_status; the kit sets it itself from whether it exists",
    )
    GET_MANY = (
        "get_many",
        "MAY",
        False,
        "§12",
        "implements the 5.x runs.get_many; the kit sets it itself from whether it exists",
    )
    CANCEL_MANY = (
        "cancel_many",
        "MAY",
        False,
        "§12",
        "implements the 5.x runs.cancel_many; the kit sets it itself from whether it exists",
    )
    CREATE_BATCH = (
        "create_batch",
        "MAY",
        False,
        "§12",
        "implements the 5.x events.create_batch; the kit sets it itself from whether it exists",
    )
    EXPERIMENTAL_SET_ATTRIBUTES = (
        "experimental_set_attributes",
        "MAY",
        False,
        "§12",
        "implements the 5.x runs.experimental_set_attributes; the kit sets it itself from whether it exists",
    )
    CREATE_RUN_ID = (
        "create_run_id",
        "MAY",
        False,
        "§12",
        "implements the 5.x create_run_id; the kit sets it itself from whether it exists",
    )
    STATE_GUARD = (
        "state_guard",
        "MAY",
        False,
        "§12",
        "the stateUpdatedAt guard: a create older than the run's newest external event raises "
        "PreconditionFailedError",
    )
    OCCURRED_AT = (
        "occurred_at",
        "MAY",
        False,
        "§12",
        "stores a create's params.occurredAt and returns it as the event's occurredAt, beside "
        "its own createdAt",
    )

    RETENTION = (
        "retention",
        "MAY",
        False,
        "§12",
        "purges a run's payloads when it ends with the attribute $retention '0' (5.x line)",
    )
    HOOK_RETENTION = (
        "hook_retention",
        "MAY",
        False,
        "§4.4",
        "keeps a hook past its run's end until tokenRetentionUntil (5.x line; the World's "
        "capabilities member declares hookRetention: {active: true})",
    )
    HOOK_RESUME_DEDUP = (
        "hook_resume_dedup",
        "MAY",
        False,
        "§4.4",
        "writes one hook_received per resumeId (5.x line; the World's capabilities member "
        "declares hookResumeDedup: true)",
    )

    def describe(self) -> str:
        """``summary`` with its requirement and section, for skip reasons and reports."""
        kind = {"MUST": "required", "MAY": "MAY", "KIT": "kit facility"}[self.requirement]
        return f"{self.summary} ({self.section}, {kind})"


def capability_named(name: str) -> Capability:
    """The capability whose value is ``name``; ``ValueError`` if there is none."""
    for capability in Capability:
        if capability.value == name:
            return capability
    raise ValueError(f"no capability named {name!r}")


class Capabilities:
    """What a World declares it implements: ``Capabilities(delay=True, preload=False)``.

    Keywords are ``Capability`` values; those not given keep the capability's default. An
    unknown keyword or a value that is not a bool raises ``TypeError`` naming the known ones.
    Instances are immutable; ``replace`` returns a changed copy.
    """

    __slots__ = ("_declared",)

    _declared: dict[Capability, bool]

    def __init__(self, **declared: bool) -> None:
        known = {capability.value for capability in Capability}
        unknown = sorted(set(declared) - known)
        if unknown:
            raise TypeError(f"unknown capabilities {unknown}; known: {', '.join(sorted(known))}")
        wrong = sorted(name for name, value in declared.items() if not isinstance(value, bool))
        if wrong:
            raise TypeError(f"capabilities {wrong} must be True or False")
        object.__setattr__(
            self,
            "_declared",
            {capability: declared.get(capability.value, capability.default) for capability in Capability},
        )

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Capabilities are immutable; use replace()")

    def __getattr__(self, name: str) -> bool:
        try:
            return self._declared[capability_named(name)]
        except ValueError:
            raise AttributeError(name) from None

    def has(self, capability: Capability) -> bool:
        """Whether this declaration includes ``capability``."""
        return self._declared[capability]

    def replace(self, **declared: bool) -> Capabilities:
        """A copy with the given capabilities changed."""
        current = {capability.value: value for capability, value in self._declared.items()}
        return Capabilities(**{**current, **declared})

    def enabled(self) -> list[str]:
        """Names of the capabilities in force, in declaration order, for report headers."""
        return [capability.value for capability, value in self._declared.items() if value]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Capabilities) and other._declared == self._declared

    def __hash__(self) -> int:
        return hash(tuple(self._declared.items()))

    def __repr__(self) -> str:
        changed = [
            f"{capability.value}={value}"
            for capability, value in self._declared.items()
            if value != capability.default
        ]
        return f"Capabilities({', '.join(changed)})"
