"""Broken Worlds for caller isolation (COPY, a kit addition)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import BrokenWorld, Params
from worldspec.entities import Step, WorkflowRun
from worldspec.events import EventRequest, EventResult
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING


class HandsOutItsOwnRuns(BrokenWorld, breaks={"COPY-001"}):
    """``runs.get`` returns the run object it keeps (an in-memory cache handing out its entries
    instead of copies), so a caller that edits what it read edits the stored run."""

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        kept = self.stored_run(run_id)
        if kept is not None and options.get("resolve_data", "all") == "all":
            return kept
        return await super().on_get_run(run_id, **options)


class KeepsTheCallersContext(BrokenWorld, breaks={"COPY-001"}):
    """Stores the very executionContext object the caller sent (a write path that keeps the
    request's dict instead of copying or serialising it)."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        sent = getattr(getattr(event, "event_data", None), "execution_context", MISSING)
        if event.event_type == "run_created" and sent is not MISSING and result.run is not MISSING:
            kept = self.stored_run(result.run.run_id)
            if kept is not None:
                self.state.put_run(kept.model_copy(update={"execution_context": sent}))
        return result


_DECODED_ONCE = ("execution_context", "input")


class CreatesHandOutTheirRunCache(BrokenWorld, breaks={"COPY-001"}):
    """Keeps the run each create returned in a cache beside its storage, and builds the run of
    the next create on it from the fresh row but with the cached run's decoded payloads, which
    a create never changes (it saves decoding them again). Reads go to storage and stay right;
    a caller that edits a create's run edits what later creates return."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._cache: dict[str, WorkflowRun] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.run is MISSING:
            return result
        cached = self._cache.get(result.run.run_id)
        run = result.run
        if cached is not None:
            run = run.model_copy(update={name: getattr(cached, name) for name in _DECODED_ONCE})
        self._cache[run.run_id] = run
        return result.model_copy(update={"run": run})


class HandsOutItsOwnSteps(BrokenWorld, breaks={"COPY-001"}):
    """``steps.get`` and ``steps.list`` return the step objects they keep (a cache of steps by
    id, handed out as is), so a caller that edits a step's input edits the stored step. Runs
    are copied, as a World that fixed ``HandsOutItsOwnRuns`` in one place only would."""

    def _kept(self, step: Step) -> Step:
        found = self.state.steps.get((step.run_id, step.step_id))
        return step if found is None else found[1]

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        step = await super().on_get_step(run_id, step_id, **options)
        return self._kept(step) if options.get("resolve_data", "all") == "all" else step

    async def on_list_steps(self, run_id: str, **options: Any) -> PaginatedResponse[Step]:
        page = await super().on_list_steps(run_id, **options)
        if options.get("resolve_data", "all") != "all":
            return page
        return page.model_copy(update={"data": [self._kept(step) for step in page.data]})
