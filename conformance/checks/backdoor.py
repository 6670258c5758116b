"""The World's backdoor to its storage, for tests that declare they need it.

A test reaches here only when the plugin found the capability it declares
(``requires=Capability.LEGACY_SEEDING`` or ``LEGACY_CODEC``), so a missing backdoor is a kit
error, not a skip. Seeding a legacy run's hooks (``LegacyHookSeeding``) is no capability: a
test uses it where the backdoor has it and says in its record what it could not judge otherwise.
"""

from __future__ import annotations

from conformance.world.capabilities import backdoor_of
from worldspec.backdoor import Backdoor, EncodedPayloadSeeding, LegacyHookSeeding
from worldspec.protocol import World

__all__ = ["backdoor", "encoded_payload_seeding", "legacy_hook_seeding"]


def backdoor(world: World) -> Backdoor:
    """The World's ``worldspec_backdoor``."""
    door = backdoor_of(world)
    if door is None:
        raise RuntimeError("the test declares legacy_seeding, yet the World has no worldspec_backdoor")
    return door


def encoded_payload_seeding(world: World) -> EncodedPayloadSeeding:
    """The backdoor's ``seed_encoded_input``."""
    door = backdoor(world)
    if not isinstance(door, EncodedPayloadSeeding):
        raise RuntimeError("the test declares legacy_codec, yet the backdoor has no seed_encoded_input")
    return door


def legacy_hook_seeding(world: World) -> LegacyHookSeeding | None:
    """The backdoor's ``seed_legacy_hook``, or ``None`` when the World's backdoor lacks it."""
    door = backdoor_of(world)
    return door if isinstance(door, LegacyHookSeeding) else None
