"""Broken Worlds for spec versions and older runs on the 5.x line (LEG-102 to LEG-106): version
checks against the wrong bound, and older runs "upgraded" in place."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params
from worldspec.entities import WorkflowRun
from worldspec.events import Event, EventRequest, EventResult
from worldspec.line5 import errors
from worldspec.line5.slots import slot_to_event_id
from worldspec.wire_types import MISSING

FIRST_SLOT_VERSION = 6
"""The first spec version whose runs name events by slot."""


class SixRefusesRunsAtSeven(LineFiveBrokenWorld, breaks={"LEG-102"}):
    """Declares spec version 6 and refuses every event on a run at a version above its own with
    ``RunNotSupportedError`` (the check meant for runs from a newer contract line, compared with
    the World's own version instead of the line's highest, 7): it creates runs at 7 but cannot
    serve them."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**{**options, "spec_version": 6})

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        run = self.stored_run(run_id)
        if run is not None and isinstance(run.spec_version, int) and run.spec_version > 6:
            raise errors.RunNotSupportedError(run.spec_version, 6)
        return await super().on_create(run_id, event, params)


class OldVersionsRaisedToSix(LineFiveBrokenWorld, breaks={"LEG-103"}):
    """Stores a new run asked for at versions 2 to 5 at 6 ("this World only writes slot logs"),
    on the run and its ``run_created``; legacy runs (1) it keeps as asked."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        version = event.spec_version
        if (
            event.event_type == "run_created"
            and isinstance(version, int)
            and 2 <= version < FIRST_SLOT_VERSION
        ):
            event = event.model_copy(update={"spec_version": FIRST_SLOT_VERSION})
        return await super().on_create(run_id, event, params)


class NewerVersionsTakenAsSeven(LineFiveBrokenWorld, warns={"LEG-104"}):
    """Takes a new run asked for at a version above 7 as a run at 7 instead of refusing it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        version = event.spec_version
        creates = event.event_type == "run_created" or (
            event.event_type == "run_started" and self.stored_run(run_id) is None
        )
        if creates and isinstance(version, int) and version > 7:
            event = event.model_copy(update={"spec_version": 7})
        return await super().on_create(run_id, event, params)


class OlderRunsUpgradedOnWrite(LineFiveBrokenWorld, breaks={"LEG-105"}):
    """Rewrites a stored run at spec 2 to 5 to the World's version at its first new event (a lazy
    migration of event-sourced runs; legacy runs are left alone), so the run no longer reads at
    the version it was stored with."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        run = self.stored_run(run_id)
        if (
            run is not None
            and isinstance(run.spec_version, int)
            and 2 <= run.spec_version < FIRST_SLOT_VERSION
        ):
            self.patch_stored_run(run.run_id, spec_version=7)
        return result


def _renamed_lazy_start(
    world: LineFiveBrokenWorld, run_id: str | None, result: EventResult, name: Callable[[list[Event]], str]
) -> EventResult:
    """``result`` with the ``step_started`` a lazy start appended to a run stored with ULID ids
    renamed ``name(log)``, in the log too; any other result as it is."""
    if getattr(result, "step_created", None) is not True or result.event is MISSING or run_id is None:
        return result
    log = world.state.events[run_id]
    if world.state.uses_slots(run_id) or log[-1].event_id != result.event.event_id:
        return result
    renamed = log[-1].model_copy(update={"event_id": name(log)})
    log[-1] = renamed
    return result.model_copy(update={"event": renamed.model_copy(deep=True)})


class LazyStartNumbersItsStartBySlot(LineFiveBrokenWorld, breaks={"LEG-105"}):
    """Its lazy start writes ``step_created`` through the common append, which keeps a stored
    run's ULID ids, but names the ``step_started`` it adds with the slot allocator the lazy path
    was written against: on a run stored with ULID ids that event gets a slot id."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        return _renamed_lazy_start(self, run_id, result, lambda log: slot_to_event_id(len(log)))


class OneUlidPerCreateOnOlderRuns(LineFiveBrokenWorld, breaks={"LEG-105"}):
    """Mints the event id of a run stored with ULID ids once per create, from the create's own
    time: the two events of a lazy start on such a run share one id."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        return _renamed_lazy_start(self, run_id, result, lambda log: log[-2].event_id)


class LegacyErrorReadAsItsMessage(LineFiveBrokenWorld, breaks={"LEG-106"}):
    """Reads the ``error`` of a run stored below spec 6 through the 4.x converter, which keeps
    only its ``message`` string."""

    @staticmethod
    def _converted(run: WorkflowRun) -> WorkflowRun:
        error = run.error
        older = isinstance(run.spec_version, int) and run.spec_version < FIRST_SLOT_VERSION
        if not older or not isinstance(error, dict) or "message" not in error:
            return run
        return run.model_copy(update={"error": error["message"]})

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        return self._converted(await super().on_get_run(run_id, **options))
