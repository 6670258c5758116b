"""Broken Worlds for the lifecycle invariants: runs, steps, hooks, waits, terminal runs, errors.

Each breaks one rule of §4 at the narrowest point we could find (see tests/broken_worlds.py for
how they are run). Where a break necessarily shows in several invariants, ``breaks`` lists them
all.
"""

from __future__ import annotations

from typing import Any

from tests.broken_worlds import BrokenWorld, _patch_create
from worldspec import errors
from worldspec.entities import WorkflowRun
from worldspec.events import TERMINAL_RUN_EVENT_TYPES, EventRequest, EventResult
from worldspec.pagination import ResolveData
from worldspec.ulid import decode_time, is_ulid, new_ulid
from worldspec.wire_types import MISSING

Create = Any
"""``events.create`` as ``_patch_create`` hands it to a break: ``(run_id, event, params)``."""


def _run(world: BrokenWorld, run_id: str | None) -> WorkflowRun | None:
    """The run as ``world`` stores it, read directly."""
    found = world.state.runs.get(str(run_id))
    return found[1] if found else None


# --- runs ------------------------------------------------------------------------------------


class MintsLowercaseRunIds(BrokenWorld):
    """Mints runIds with a lower-case ULID (``wrun_01hx...``)."""

    breaks = frozenset({"RUN-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            if event.event_type == "run_created" and not run_id:
                run_id = f"wrun_{new_ulid().lower()}"
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class DropsRunIdPrefixInResult(BrokenWorld):
    """Returns a client-chosen runId without its ``wrun_`` prefix in the run_created result."""

    breaks = frozenset({"RUN-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type != "run_created" or not run_id or result.run is MISSING:
                return result
            bare = result.run.run_id.removeprefix("wrun_")
            return result.model_copy(
                update={
                    "run": result.run.model_copy(update={"run_id": bare}),
                    "event": result.event.model_copy(update={"run_id": bare}),
                }
            )

        _patch_create(self, after)


class TrustsRunIdTimestamps(BrokenWorld):
    """Checks that a client runId is a ULID but not that its time is near the World's clock."""

    breaks = frozenset({"RUN-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            raw = (run_id or "").removeprefix("wrun_")
            if event.event_type != "run_created" or not is_ulid(raw):
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            clock = self.clock
            self.clock = lambda: decode_time(raw)
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            finally:
                self.clock = clock

        _patch_create(self, after)


class RunTakesWorldDeploymentId(BrokenWorld):
    """Gives a run made by run_created the World's deploymentId instead of the sent one."""

    breaks = frozenset({"RUN-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type != "run_created" or result.run is MISSING:
                return result
            run = result.run.model_copy(update={"deployment_id": "dpl_memory"})
            self.state.put_run(run)
            return result.model_copy(update={"run": run})

        _patch_create(self, after)


class RunCompletedResultIsStale(BrokenWorld):
    """Completes the run but returns it as it was before ``run_completed``."""

    breaks = frozenset({"RUN-009"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            before = _run(self, run_id)
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "run_completed" and before is not None:
                return result.model_copy(update={"run": before})
            return result

        _patch_create(self, after)


class RunFailedDropsErrorCode(BrokenWorld):
    """Records a failed run's error without ``code`` (``errorCode`` is lost)."""

    breaks = frozenset({"RUN-010"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type != "run_failed" or result.run is MISSING or result.run.error is MISSING:
                return result
            error = result.run.error.model_copy(update={"code": MISSING})
            run = result.run.model_copy(update={"error": error})
            self.state.put_run(run)
            return result.model_copy(update={"run": run})

        _patch_create(self, after)


class CompletingTwiceIsANoOp(BrokenWorld):
    """Treats run_completed on a completed run like a repeated cancel: success, no change."""

    breaks = frozenset({"RUN-011"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.EntityConflictError:
                run = _run(self, run_id)
                if event.event_type != "run_completed" or run is None or run.status != "completed":
                    raise
                return EventResult(run=run)

        _patch_create(self, after)


class EndingMissingRunIsWorldError(BrokenWorld):
    """Refuses terminal run events on a missing run with WorkflowWorldError, not
    WorkflowRunNotFoundError."""

    breaks = frozenset({"RUN-012"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.WorkflowRunNotFoundError as error:
                if event.event_type not in TERMINAL_RUN_EVENT_TYPES:
                    raise
                raise errors.WorkflowWorldError(str(error), status=404) from None

        _patch_create(self, after)


class RunsGetMissIsWorldError(BrokenWorld):
    """``runs.get`` of an unknown run raises WorkflowWorldError (404), not
    WorkflowRunNotFoundError. RS-001 checks the same getter."""

    breaks = frozenset({"RUN-013", "RS-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
            try:
                return await original(run_id, resolve_data=resolve_data)
            except errors.WorkflowRunNotFoundError as error:
                raise errors.WorkflowWorldError(str(error), status=404) from None

        self.runs.get = get  # type: ignore[method-assign]


class WaitCreatedStartsRun(BrokenWorld):
    """Moves a pending run to running when a wait is created on it, without a run_started."""

    breaks = frozenset({"RUN-015"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            run = _run(self, run_id)
            if event.event_type == "wait_created" and run is not None and run.status == "pending":
                self.state.put_run(run.model_copy(update={"status": "running"}))
            return result

        _patch_create(self, after)
