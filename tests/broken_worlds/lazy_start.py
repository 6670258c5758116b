"""Broken Worlds for lazy step start (LAZY, world-contract-v7.md §4.3)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld, Params, RewritesStoredEvents
from worldspec.events import Event, EventRequest, EventResult
from worldspec.line5 import events as line5_events
from worldspec.wire_types import MISSING


def _lazy(event: EventRequest) -> bool:
    """Whether ``event`` is a lazy ``step_started`` (it carries ``stepName`` and ``input``)."""
    if event.event_type != "step_started":
        return False
    return line5_events.is_lazy_step_start(line5_events.StepStartedRequest.model_validate(event.to_wire()))


def _as_step_created(event: EventRequest) -> line5_events.StepCreatedRequest:
    data = event.to_wire()["eventData"]
    return line5_events.StepCreatedRequest.model_validate(
        {"eventType": "step_created", "correlationId": event.to_wire()["correlationId"], "eventData": data}
    )


class LazyStartOnlyCreates(LineFiveBrokenWorld, breaks={"LAZY-001", "LAZY-002"}):
    """Treats a lazy ``step_started`` as a ``step_created``: the step exists but is pending, and
    no ``step_started`` is logged (the result still says ``stepCreated``)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if not _lazy(event):
            return await super().on_create(run_id, event, params)
        result = await super().on_create(run_id, _as_step_created(event), params)  # type: ignore[arg-type]
        return result.model_copy(update={"step_created": True})


class LazyStartAnswersItsStepCreated(LineFiveBrokenWorld, breaks={"LAZY-002"}):
    """Writes both events of a lazy start right, but answers with the first one it wrote, the
    ``step_created``, as the result's ``event``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if not _lazy(event) or result.event is MISSING:
            return result
        log = self.state.events[result.event.run_id]
        created = next(
            stored
            for stored in log
            if stored.event_type == "step_created" and stored.correlation_id == result.event.correlation_id
        )
        return result.model_copy(update={"event": created.model_copy(deep=True)})


class LazyStartKeepsInputOnStart(RewritesStoredEvents, breaks={"LAZY-002"}):
    """Stores the lazy ``step_started`` with its ``input`` as well as the ``step_created``."""

    def rewrite(self, event: Event, request: EventRequest) -> dict[str, Any]:
        if not _lazy(request) or event.event_type != "step_started":
            return {}
        data = event.event_data.model_copy(update={"input": request.to_wire()["eventData"]["input"]})  # type: ignore[union-attr]
        return {"event_data": data}


class LazyStartOfExistingStepSucceeds(LineFiveBrokenWorld, breaks={"LAZY-003", "LAZY-004"}):
    """Answers a lazy start of a step that exists with the step as it is (an "idempotent"
    start), logging nothing, instead of refusing it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step = self.stored_step(run_id, str(getattr(event, "correlation_id", "")))
        if _lazy(event) and step is not None:
            return line5_events.EventResult(step=step.model_copy(deep=True))  # type: ignore[return-value]
        return await super().on_create(run_id, event, params)


class LazyStartOnEndedRuns(LineFiveBrokenWorld, breaks={"LAZY-005"}):
    """Creates and starts steps lazily on runs that have ended (the terminal guard covers
    ``step_created`` only)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        if not _lazy(event):
            return await super().on_create(run_id, event, params)
        with self.shown_running(run_id):
            return await super().on_create(run_id, event, params)


class StepCreatedFlagOnEveryStepResult(LineFiveBrokenWorld, breaks={"LAZY-006", "LIN-003", "LIN-005"}):
    """Sets ``stepCreated: true`` on every result that carries a step. The races that finish a
    step (LIN-003, LIN-005) see it too: no serial order gives a ``step_completed`` that says it
    created its step."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        return result.model_copy(update={"step_created": True}) if result.step is not MISSING else result


class StepCreatedAfterLazyStartAccepted(LineFiveBrokenWorld, breaks={"LAZY-007"}):
    """Checks ``step_created`` for duplicates against earlier ``step_created`` requests only, so
    one that follows a lazy start of the same stepId is answered as if it had created it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.lazily_created: set[tuple[str, str]] = set()

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        key = (str(run_id), str(getattr(event, "correlation_id", "")))
        if event.event_type == "step_created" and key in self.lazily_created:
            step = self.stored_step(*key)
            return line5_events.EventResult(step=step.model_copy(deep=True) if step else MISSING)  # type: ignore[return-value]
        result = await super().on_create(run_id, event, params)
        if _lazy(event):
            self.lazily_created.add(key)
        return result


class LazyStartStampsItsDefault(LineFiveBrokenWorld, breaks={"LAZY-002", "COH-003"}):
    """Its lazy path builds the ``step_created`` it writes as a fresh request without a
    ``specVersion``, so that event and the step made from it take the World's default version
    instead of the one the ``step_started`` was sent at."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if getattr(result, "step_created", None) is not True or run_id is None:
            return result
        log = self.state.events[run_id]
        for index, stored in enumerate(log):
            if stored.event_type == "step_created" and stored.correlation_id == event.correlation_id:
                log[index] = stored.model_copy(update={"spec_version": self.spec_version})
        step = self.patch_stored_step(run_id, str(event.correlation_id), spec_version=self.spec_version)
        return result.model_copy(update={"step": step.model_copy(deep=True)})
