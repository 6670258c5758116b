"""What a World implements, as the kit sees it: its declaration, corrected by what can be probed.

The declaration is ``worldspec_capabilities`` (see ``worldspec.capabilities``); the kit does not
take it on trust where it can look instead: a ``worldspec_backdoor`` that fits
``worldspec.Backdoor`` is legacy seeding, one that can also store upstream-encoded payloads
(``EncodedPayloadSeeding``) is needed for the legacy codec, and a callable
``write_to_stream_multi`` is that capability.

A World of the 5.x line declares with ``worldspec.line5.Capabilities``; the kit reads it in the
same vocabulary (``worldspec.capabilities.Capability``, which ``@invariant(requires=...)`` names):
the capabilities both lines share keep their declared values, ``state_guard`` is withdrawn on
that line (always absent), and ``write_to_stream_multi`` is the presence of
``streams.write_multi``.
A ``worldspec_faults`` hook that fits one of the protocols of ``worldspec.faults`` is the
faults facility. ``hook_retention`` and ``hook_resume_dedup`` are read from the World's upstream
``capabilities`` member (``worldspec.line5.WorldCapabilities``), the one declaration the runtime
acts on too, so a World is judged on exactly what it tells the runtime. The optional members of
the 5.x line (``runs.get_many``, ``events.create_batch``, ``create_run_id``, the
``capabilities`` member, ...) are what the World has, whatever it declares.
"""

from __future__ import annotations

from worldspec.backdoor import Backdoor, EncodedPayloadSeeding
from worldspec.capabilities import Capabilities, Capability
from worldspec.faults import fault_kinds
from worldspec.line5 import capabilities as line5

__all__ = [
    "CapabilityDeclarationError",
    "backdoor_of",
    "capabilities_of",
    "declared_capabilities",
    "declares_on_line_5",
    "faults_of",
    "optional_members_of",
    "unwrapped",
]


class CapabilityDeclarationError(Exception):
    """``worldspec_capabilities`` is not a ``Capabilities`` of either line; the message says what it is."""


def unwrapped(world: object) -> object:
    """The World itself when ``world`` is the kit's recording proxy around it."""
    return getattr(world, "unwrapped", world)


def declared_capabilities(world: object) -> Capabilities:
    """The World's ``worldspec_capabilities`` in the kit's vocabulary, or the defaults."""
    declared = getattr(unwrapped(world), "worldspec_capabilities", None)
    if declared is None:
        return Capabilities()
    if isinstance(declared, line5.Capabilities):
        return _from_line_5(declared)
    if not isinstance(declared, Capabilities):
        raise CapabilityDeclarationError(
            "worldspec_capabilities must be a worldspec.Capabilities (or, on the 5.x line, a "
            f"worldspec.line5.Capabilities), got {type(declared).__name__}"
        )
    return declared


def declares_on_line_5(world: object, capability: line5.Capability) -> bool:
    """Whether ``world`` declares ``capability`` of the 5.x line's vocabulary, for those the
    kit's vocabulary lacks (``sealed_log``); ``False`` for a World that declares none."""
    declared = getattr(unwrapped(world), "worldspec_capabilities", None)
    return isinstance(declared, line5.Capabilities) and declared.has(capability)


def _from_line_5(declared: line5.Capabilities) -> Capabilities:
    shared = {capability.value for capability in Capability} & {item.value for item in line5.Capability}
    return Capabilities(
        **{name: declared.has(line5.Capability(name)) for name in shared},
        **{Capability.STATE_GUARD.value: False},
    )


def backdoor_of(world: object) -> Backdoor | None:
    """The World's ``worldspec_backdoor`` if it has one that fits ``worldspec.Backdoor``."""
    door = getattr(unwrapped(world), "worldspec_backdoor", None)
    return door if isinstance(door, Backdoor) else None


def faults_of(world: object) -> object:
    """The World's ``worldspec_faults`` hook, or ``None``."""
    return getattr(unwrapped(world), "worldspec_faults", None)


def capabilities_of(world: object) -> Capabilities:
    """The capabilities the kit judges ``world`` by: the declaration, with legacy seeding, the
    legacy codec's seeding half and ``write_to_stream_multi`` taken from what the World has."""
    declared = declared_capabilities(world)
    door = backdoor_of(world)
    return declared.replace(
        **{
            Capability.LEGACY_SEEDING.value: door is not None,
            Capability.LEGACY_CODEC.value: declared.has(Capability.LEGACY_CODEC)
            and isinstance(door, EncodedPayloadSeeding),
            Capability.WRITE_TO_STREAM_MULTI.value: callable(
                getattr(unwrapped(world), "write_to_stream_multi", None)
            )
            or callable(getattr(getattr(unwrapped(world), "streams", None), "write_multi", None)),
            Capability.FAULTS.value: bool(fault_kinds(faults_of(world))),
            **_upstream_capabilities(unwrapped(world)),
            **optional_members_of(world),
        }
    )


def _upstream_capabilities(world: object) -> dict[str, bool]:
    """``hook_retention`` and ``hook_resume_dedup`` as the World's upstream ``capabilities``
    member declares them (``hookRetention: {active: true}``, ``hookResumeDedup: true``); a
    World without the member, or with another value, has neither."""
    declared = getattr(world, "capabilities", None)
    if not isinstance(declared, line5.WorldCapabilities):
        return {Capability.HOOK_RETENTION.value: False, Capability.HOOK_RESUME_DEDUP.value: False}
    retention = declared.hook_retention
    return {
        Capability.HOOK_RETENTION.value: isinstance(retention, line5.HookRetention)
        and retention.active is True,
        Capability.HOOK_RESUME_DEDUP.value: declared.hook_resume_dedup is True,
    }


_OPTIONAL_MEMBERS: dict[Capability, tuple[str | None, str]] = {
    Capability.WAIT_FOR_TERMINAL_STATUS: ("runs", "wait_for_terminal_status"),
    Capability.GET_MANY: ("runs", "get_many"),
    Capability.CANCEL_MANY: ("runs", "cancel_many"),
    Capability.EXPERIMENTAL_SET_ATTRIBUTES: ("runs", "experimental_set_attributes"),
    Capability.CREATE_BATCH: ("events", "create_batch"),
    Capability.CREATE_RUN_ID: (None, "create_run_id"),
}
"""Each optional method of the 5.x line: its namespace on the World (``None``: the World
itself) and its name."""


def optional_members_of(world: object) -> dict[str, bool]:
    """Which optional members of the 5.x line ``world`` has, as capability keywords: a callable
    method for each of ``_OPTIONAL_MEMBERS``, and a ``capabilities`` member that is not ``None``
    (world-contract-v7.md §12: a member's presence is its declaration)."""
    inner = unwrapped(world)
    present = {
        capability.value: callable(
            getattr(inner if owner is None else getattr(inner, owner, None), name, None)
        )
        for capability, (owner, name) in _OPTIONAL_MEMBERS.items()
    }
    present[Capability.WORLD_CAPABILITIES.value] = getattr(inner, "capabilities", None) is not None
    return present
