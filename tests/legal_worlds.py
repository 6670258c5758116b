"""Worlds that take a freedom the contract grants, which some published World takes too.

The kit must pass each of them: where it fails one, the kit judges a legal World wrong.
tests/test_legal_worlds.py runs the whole kit against each. Each class names, in ``freedom``,
the contract sentence it leans on and the published World that does the same.
"""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar

from reference_worlds.memory import MemoryWorld
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.errors import HookNotFoundError, RunExpiredError, RunNotSupportedError
from worldspec.events import CreateEventParams, EventRequest, EventResult
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.wire_types import MISSING


class LegalWorld(MemoryWorld):
    """A MemoryWorld that differs from the oracle only where the contract allows it."""

    freedom: ClassVar[str] = ""


class CreateResultWithoutSpecVersion(LegalWorld):
    """Returns the event of ``events.create`` without ``specVersion``; ``events.get`` and
    ``events.list`` still show it."""

    freedom = (
        "§2.1: specVersion MAY be absent on returned objects. @workflow/world-postgres 4.3.7 "
        "builds the create result from the request and the inserted row's createdAt only."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            result = await original(run_id, event, params)
            if result.event is MISSING:
                return result
            unversioned = result.event.model_copy(update={"spec_version": MISSING})
            return result.model_copy(update={"event": unversioned})

        self.events.create = create  # type: ignore[method-assign]


class ReceiveOnEndedRunExpires(LegalWorld):
    """A 5.x World (spec 7) that refuses ``hook_received`` on a run that has ended with
    ``RunExpiredError`` where MemoryWorld says ``HookNotFoundError``."""

    freedom = (
        "v7 §4.4 and §4.6: hook_received on a terminal run ⇒ HookNotFoundError or RunExpiredError "
        "(HOOK-103). The runtime reads both as 'gone'; no published 5.x World is known to choose "
        "RunExpiredError yet, so this World holds the model (LIN-001) and the races to the choice."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            try:
                return await original(run_id, event, params)
            except HookNotFoundError:
                stored = self.state.runs.get(str(run_id))
                ended = stored is not None and stored[1].status in TERMINAL_RUN_STATUSES
                if event.event_type == "hook_received" and ended:
                    raise RunExpiredError("the run has ended") from None
                raise

        self.events.create = create  # type: ignore[method-assign]


class _RequiredOnly:
    """A namespace that shows only the members ``names`` of ``inner``."""

    def __init__(self, inner: object, *names: str) -> None:
        for name in names:
            setattr(self, name, getattr(inner, name))


class WithoutOptionalMembers(LegalWorld):
    """A 5.x World (spec 7) with none of the line's optional members: no ``capabilities``, no
    ``runs.getMany``, ``waitForTerminalStatus``, ``experimentalSetAttributes`` or
    ``cancelMany``, no ``events.createBatch``, no ``createRunId``, and ``max_events`` not
    declared."""

    freedom = (
        "v7 §12: every optional member is a MAY, declared by being present, and the kit tests "
        "each only when the World has it. @workflow/world-local 5.0.0-beta.46 has no "
        "runs.cancelMany, events.createBatch or createRunId."
    )

    create_run_id = None  # type: ignore[assignment]

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        del self.capabilities
        self.runs = _RequiredOnly(self.runs, "get", "list")  # type: ignore[assignment]
        self.events = _RequiredOnly(  # type: ignore[assignment]
            self.events, "create", "get", "list", "list_by_correlation_id"
        )
        declared = self.worldspec_capabilities
        assert isinstance(declared, line5_capabilities.Capabilities)
        self.worldspec_capabilities = dataclasses.replace(declared, max_events=False)


class DefaultsToTheOtherVersion(LegalWorld):
    """A 5.x World declaring spec 7 that stamps every request sent without ``specVersion`` 6."""

    freedom = (
        "v7 §2.4: the default D of a request without specVersion MUST be 6 or 7 and only SHOULD "
        "equal world.specVersion, so a World declaring 7 may create runs and events at 6 "
        "(RUN-101, RS-101, EVT-103 allow either)."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            if event.spec_version is MISSING or event.spec_version is None:
                event = event.model_copy(update={"spec_version": 6})
            return await original(run_id, event, params)

        self.events.create = create  # type: ignore[method-assign]


class SixNamesTheHighestVersionItReads(LegalWorld):
    """A 5.x World declaring spec 6 whose ``RunNotSupportedError`` names 7 as its version."""

    freedom = (
        "v7 §2.4: a World declaring 6 reads runs up to 7, and RunNotSupportedError carries a "
        "worldSpecVersion the contract does not pin; world-local with WORKFLOW_SEALED_LOG=0 "
        "declares 6 and reports SPEC_VERSION_CURRENT, 7 (LEG-002)."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 6, **options})
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            try:
                return await original(run_id, event, params)
            except RunNotSupportedError as error:
                raise RunNotSupportedError(error.run_spec_version, 7) from None

        self.events.create = create  # type: ignore[method-assign]


def _as_javascript_reads_it(value: Any) -> Any:
    """``value`` as a store with JavaScript's one number type and object key order gives it
    back: every number a double, and an object's integer-like keys first, ascending."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list):
        return [_as_javascript_reads_it(item) for item in value]
    if isinstance(value, dict):
        indices = sorted((key for key in value if key.isdigit() and key == str(int(key))), key=int)
        order = [*indices, *(key for key in value if key not in indices)]
        return {key: _as_javascript_reads_it(value[key]) for key in order}
    return value


class PayloadNumbersAsDoubles(LegalWorld):
    """Stores the values of eventData (payloads, ``error``, ``executionContext``) where numbers
    have one type, a double, and objects keep JavaScript's key order: ``2`` reads back as
    ``2.0`` and ``{"b": 1, "2": 0}`` as ``{"2": 0.0, "b": 1.0}``."""

    freedom = (
        "§2.3 and §6.3: payloads are JavaScript values and read back deep-equal; JavaScript has "
        "one number type and its deep equality ignores key order. @workflow/world-local keeps "
        "payloads as JSON files, which JSON.parse gives back with integer-like keys first."
    )

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.events.create

        async def create(
            run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
        ) -> EventResult:
            data = getattr(event, "event_data", MISSING)
            if data is not MISSING and data is not None:
                stored = {
                    name: _as_javascript_reads_it(getattr(data, name))
                    for name in (
                        "input",
                        "output",
                        "result",
                        "metadata",
                        "payload",
                        "error",
                        "execution_context",
                    )
                    if getattr(data, name, MISSING) is not MISSING
                }
                event = event.model_copy(update={"event_data": data.model_copy(update=stored)})
            return await original(run_id, event, params)

        self.events.create = create  # type: ignore[method-assign]
