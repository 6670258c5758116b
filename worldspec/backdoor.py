"""Storage access outside the World's API, for tests that must not trust the API under test.

A World hands one to the kit as ``worldspec_backdoor``. Writing through it seeds data the way
an older version stored it (legacy runs, §6); reading through it checks what the API returned
against what storage holds.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

__all__ = ["Backdoor", "EncodedPayloadSeeding", "LegacyHookSeeding"]


@runtime_checkable
class Backdoor(Protocol):
    """Direct access to a World's storage."""

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store ``run`` and its ``events`` as a pre-event-sourcing World version did.

        Both are wire-form dicts (camelCase keys) with ``specVersion`` absent or 1 and payloads
        as plain JSON. A storage World writes them in its legacy form (legacy column, legacy
        file layout), so that reading them back exercises the legacy fallback (§6.3).

        The kit also seeds runs a newer World version wrote (``specVersion`` above the World's,
        LEG-002): those carry no payload fields, so any form of storage holds them.
        """
        ...

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The run's events as storage holds them, ascending, as wire-form dicts."""
        ...


@runtime_checkable
class EncodedPayloadSeeding(Protocol):
    """The backdoor part of a World with the ``legacy_codec`` capability (§6.4)."""

    async def seed_encoded_input(self, encoding: str, encoded: bytes) -> str:
        """Store a legacy run whose input storage holds as ``encoded``, in upstream's persisted
        ``encoding`` (``workflow-cbor-v1``, ``json-text-v1`` or ``cbor-x-v1``), where this
        World keeps data in that encoding; return the run's id. ``runs.get`` must then return
        the decoded value as the run's input.
        """
        ...


@runtime_checkable
class LegacyHookSeeding(Protocol):
    """The backdoor part that gives a legacy run a live hook, so that the kit can check that
    ``run_cancelled`` on a legacy run deletes it (§6.2)."""

    async def seed_legacy_hook(self, hook: Mapping[str, Any]) -> None:
        """Store ``hook`` as a live hook of its run, as a pre-event-sourcing World version stored
        hooks: as a row or entity of their own, with no ``hook_created`` event behind it.

        ``hook`` is a wire-form dict (``runId``, ``hookId``, ``token``, ``ownerId``,
        ``projectId``, ``environment``, ``createdAt``, ``metadata`` as plain JSON; no
        ``specVersion``) whose run was stored by ``seed_legacy_run`` and has not ended, and whose
        token no live hook holds. Afterwards ``hooks.get``, ``hooks.getByToken`` and
        ``hooks.list`` find it, and it holds its token, until something deletes it.
        """
        ...
