"""Broken Worlds for the lifecycle invariants: runs, steps, hooks, waits, terminal runs, errors.

Each breaks one rule of §4 at the narrowest point we could find (see tests/broken_worlds.py for
how they are run). Where a break necessarily shows in several invariants, ``breaks`` lists them
all.
"""

from __future__ import annotations

import json
from typing import Any

from tests.broken_worlds import BrokenWorld, _patch_create
from worldspec import errors
from worldspec.entities import (
    TERMINAL_RUN_STATUSES,
    TERMINAL_STEP_STATUSES,
    ActiveRun,
    Hook,
    Step,
    WorkflowRun,
)
from worldspec.events import TERMINAL_RUN_EVENT_TYPES, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, ResolveData
from worldspec.ulid import decode_time, is_ulid, new_ulid
from worldspec.validation import parse_event
from worldspec.wire_types import MISSING

Create = Any
"""``events.create`` as ``_patch_create`` hands it to a break: ``(run_id, event, params)``."""

FINISHED = TERMINAL_STEP_STATUSES


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

    breaks = frozenset({"LIN-005", "RUN-009"})

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


# --- steps -----------------------------------------------------------------------------------


def _step(world: BrokenWorld, run_id: str | None, step_id: str) -> Step | None:
    """The step as ``world`` stores it, read directly."""
    found = world.state.steps.get((str(run_id), step_id))
    return found[1] if found else None


def _put_step(world: BrokenWorld, step: Step) -> None:
    key = (step.run_id, step.step_id)
    world.state.steps[key] = (world.state.steps[key][0], step)


def _log_anyway(world: BrokenWorld, run_id: str, event: EventRequest) -> None:
    """Append ``event`` to the run's log as if it had been accepted."""
    wire = event.to_wire()
    wire.update(runId=run_id, eventId=f"evnt_{world.mint()}", createdAt=world.clock(), specVersion=3)
    world.state.events.setdefault(run_id, []).append(parse_event(wire))


class StepCreatedResultWithoutInput(BrokenWorld):
    """Returns the new step from step_created without its input (storage keeps it)."""

    breaks = frozenset({"STEP-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "step_created" and result.step is not MISSING:
                return result.model_copy(update={"step": result.step.model_copy(update={"input": MISSING})})
            return result

        _patch_create(self, after)


class StepCreatedOverwrites(BrokenWorld):
    """A second step_created for an existing step replaces it (an upsert), logging it again."""

    breaks = frozenset({"STEP-002", "STEP-012"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            step = _step(self, run_id, str(event.correlation_id))
            if event.event_type == "step_created" and step is not None:
                del self.state.steps[(step.run_id, step.step_id)]
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class RetryAfterKeptOnStart(BrokenWorld):
    """step_started leaves the step's retryAfter in place."""

    breaks = frozenset({"STEP-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            before = _step(self, run_id, str(event.correlation_id))
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "step_started" and before is not None and result.step is not MISSING:
                step = result.step.model_copy(update={"retry_after": before.retry_after})
                _put_step(self, step)
                return result.model_copy(update={"step": step})
            return result

        _patch_create(self, after)


class IgnoresRetryAfter(BrokenWorld):
    """Starts a step whatever its retryAfter says (never TooEarlyError)."""

    breaks = frozenset({"STEP-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            step = _step(self, run_id, str(event.correlation_id))
            if event.event_type == "step_started" and step is not None:
                _put_step(self, step.model_copy(update={"retry_after": MISSING}))
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class RetryingKeepsRetryAfter(BrokenWorld):
    """step_retrying without retryAfter keeps the previous one instead of clearing it (what
    world-postgres 4.3.7 does: drizzle skips an undefined column)."""

    breaks = frozenset({"STEP-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            before = _step(self, run_id, str(event.correlation_id))
            result: EventResult = await original(run_id, event, params)
            if event.event_type != "step_retrying" or before is None or result.step is MISSING:
                return result
            if result.step.retry_after is MISSING:
                step = result.step.model_copy(update={"retry_after": before.retry_after})
                _put_step(self, step)
                return result.model_copy(update={"step": step})
            return result

        _patch_create(self, after)


class StepCompletedWithoutCompletedAt(BrokenWorld):
    """Completes steps without setting completedAt."""

    breaks = frozenset({"STEP-006"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "step_completed" and result.step is not MISSING:
                step = result.step.model_copy(update={"completed_at": MISSING})
                _put_step(self, step)
                return result.model_copy(update={"step": step})
            return result

        _patch_create(self, after)


class StepFailedStringifiesError(BrokenWorld):
    """Records a failed step's message as the error's JSON text when the error is an object."""

    breaks = frozenset({"STEP-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type != "step_failed" or result.step is MISSING or result.step.error is MISSING:
                return result
            sent = event.event_data.error
            if isinstance(sent, str):
                return result
            error = result.step.error.model_copy(update={"message": json.dumps(sent)})
            step = result.step.model_copy(update={"error": error})
            _put_step(self, step)
            return result.model_copy(update={"step": step})

        _patch_create(self, after)


class FinishedStepEventsAreNoOps(BrokenWorld):
    """Answers any event on a completed or failed step with the step, unchanged, instead of
    EntityConflictError (idempotency taken too far)."""

    breaks = frozenset({"LIN-003", "LIN-005", "STEP-008"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.EntityConflictError:
                step = _step(self, run_id, str(event.correlation_id))
                if event.event_type == "step_created" or step is None or step.status not in FINISHED:
                    raise
                return EventResult(step=step)

        _patch_create(self, after)


class UnknownStepIsConflict(BrokenWorld):
    """Refuses events of an unknown step with EntityConflictError instead of WorkflowWorldError."""

    breaks = frozenset({"STEP-009"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.WorkflowWorldError as error:
                if error.name != "WorkflowWorldError" or not event.event_type.startswith("step_"):
                    raise
                raise errors.EntityConflictError(str(error)) from None

        _patch_create(self, after)


class EndedRunExpiresRunningSteps(BrokenWorld):
    """Once the run has ended, refuses step_completed/step_failed of running steps too.

    LIN-005 catches it too, in the rounds where the cancellation wins before the step's
    completion: timing decides, so LIN-005 is ``may_break``."""

    breaks = frozenset({"STEP-010"})
    may_break = frozenset({"LIN-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            run = _run(self, run_id)
            ending = event.event_type in ("step_completed", "step_failed")
            if ending and run is not None and run.status in TERMINAL_RUN_STATUSES:
                raise errors.RunExpiredError(f'Workflow run "{run_id}" is already {run.status}')
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class StepsGetNeedsRunId(BrokenWorld):
    """``steps.get(None, stepId)`` is refused: the World looks steps up by runId."""

    breaks = frozenset({"STEP-011"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.steps.get

        async def get(run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
            if run_id is None:
                raise errors.WorkflowWorldError("steps.get needs a runId", status=400)
            return await original(run_id, step_id, resolve_data=resolve_data)

        self.steps.get = get  # type: ignore[method-assign]


class LogsRefusedStepEvents(BrokenWorld):
    """Refuses events on finished steps, but appends them to the log first (check after write)."""

    breaks = frozenset({"EVT-004", "LIN-003", "LIN-005", "STEP-012"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.EntityConflictError:
                step = _step(self, run_id, str(event.correlation_id))
                if event.event_type.startswith("step_") and step is not None and step.status in FINISHED:
                    _log_anyway(self, str(run_id), event)
                raise

        _patch_create(self, after)


class StepsListShowsCreatedStatus(BrokenWorld):
    """``steps.list`` shows every step as pending, the status it was created with."""

    breaks = frozenset({"STEP-013"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.steps.list

        async def listing(run_id: str, **kwargs: Any) -> PaginatedResponse[Step]:
            page = await original(run_id, **kwargs)
            stale = [step.model_copy(update={"status": "pending"}) for step in page.data]
            return page.model_copy(update={"data": stale})

        self.steps.list = listing  # type: ignore[method-assign]


# --- hooks -----------------------------------------------------------------------------------


class HookDropsIsWebhookFalse(BrokenWorld):
    """Stores ``isWebhook: false`` as absent (``isWebhook || undefined``), which reads as true."""

    breaks = frozenset({"EVT-006", "EVT-011", "HOOK-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            if event.event_type == "hook_created" and event.event_data.is_webhook is False:
                data = event.event_data.model_copy(update={"is_webhook": MISSING})
                event = event.model_copy(update={"event_data": data})
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class HookConflictNotLogged(BrokenWorld):
    """Returns the hook_conflict event but does not store it."""

    breaks = frozenset({"EVT-002", "EVT-006", "HOOK-002", "HOOK-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if result.event is not MISSING and result.event.event_type == "hook_conflict":
                log = self.state.events[str(run_id)]
                log[:] = [stored for stored in log if stored.event_id != result.event.event_id]
            return result

        _patch_create(self, after)


class HookIdReusableAfterDispose(BrokenWorld):
    """Forgets a disposed hook's ``(runId, hookId)``, so hook_created may reuse it."""

    breaks = frozenset({"HOOK-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "hook_disposed":
                self.state.hooks_ever.discard((str(run_id), str(event.correlation_id)))
            return result

        _patch_create(self, after)


class HookReceivedUpdatesHook(BrokenWorld):
    """Stores the latest received payload as the hook's metadata."""

    breaks = frozenset({"HOOK-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            key = (str(run_id), str(event.correlation_id))
            if event.event_type == "hook_received" and key in self.state.hooks:
                sequence, hook = self.state.hooks[key]
                payload = event.event_data.payload
                self.state.hooks[key] = (sequence, hook.model_copy(update={"metadata": payload}))
            return result

        _patch_create(self, after)


class ReceivedOnMissingHookIsWorldError(BrokenWorld):
    """Refuses hook_received on a missing hook with WorkflowWorldError, not HookNotFoundError."""

    breaks = frozenset({"HOOK-006", "HOOK-010", "LEG-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.HookNotFoundError as error:
                if event.event_type != "hook_received":
                    raise
                raise errors.WorkflowWorldError(str(error), status=404) from None

        _patch_create(self, after)


class HooksGetFindsDisposed(BrokenWorld):
    """``hooks.get`` still returns a hook after its hook_disposed (read from an archive)."""

    breaks = frozenset({"HOOK-007"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        disposed: dict[str, Hook] = {}
        original_get = self.hooks.get

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            hook = self.state.hooks.get((str(run_id), str(event.correlation_id)))
            result: EventResult = await original(run_id, event, params)
            if event.event_type == "hook_disposed" and hook is not None:
                disposed[hook[1].hook_id] = hook[1]
            return result

        async def get(hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
            try:
                return await original_get(hook_id, resolve_data=resolve_data)
            except errors.HookNotFoundError:
                if hook_id in disposed:
                    return disposed[hook_id]
                raise

        _patch_create(self, after)
        self.hooks.get = get  # type: ignore[method-assign]


class EndedRunKeepsHooks(BrokenWorld):
    """Keeps a run's hooks (and their tokens) after the run ends; they still receive."""

    breaks = frozenset({"HOOK-008", "TERM-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            kept = {key: entry for key, entry in self.state.hooks.items() if key[0] == run_id}
            result: EventResult = await original(run_id, event, params)
            if event.event_type in TERMINAL_RUN_EVENT_TYPES:
                self.state.hooks.update(kept)
                self.state.tokens.update({hook.token: key for key, (_, hook) in kept.items()})
            return result

        _patch_create(self, after)


class HookGettersMissWithWorldError(BrokenWorld):
    """``hooks.get`` and ``getByToken`` misses raise WorkflowWorldError (404), not
    HookNotFoundError."""

    breaks = frozenset({"HOOK-009", "HOOK-010"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        by_id, by_token = self.hooks.get, self.hooks.get_by_token

        async def get(hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
            try:
                return await by_id(hook_id, resolve_data=resolve_data)
            except errors.HookNotFoundError as error:
                raise errors.WorkflowWorldError(str(error), status=404) from None

        async def get_by_token(token: str, *, resolve_data: ResolveData = "all") -> Hook:
            try:
                return await by_token(token, resolve_data=resolve_data)
            except errors.HookNotFoundError as error:
                raise errors.WorkflowWorldError(str(error), status=404) from None

        self.hooks.get = get  # type: ignore[method-assign]
        self.hooks.get_by_token = get_by_token  # type: ignore[method-assign]


# --- waits -----------------------------------------------------------------------------------


class WaitIdIsCorrelationId(BrokenWorld):
    """Returns waits with waitId = the correlationId, without the ``<runId>-`` prefix."""

    breaks = frozenset({"WAIT-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            if result.wait is MISSING:
                return result
            wait = result.wait.model_copy(update={"wait_id": str(event.correlation_id)})
            return result.model_copy(update={"wait": wait})

        _patch_create(self, after)


class WaitCreatedOverwrites(BrokenWorld):
    """A second wait_created for an existing wait replaces it (an upsert)."""

    breaks = frozenset({"WAIT-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            if event.event_type == "wait_created":
                self.state.waits.pop(f"{run_id}-{event.correlation_id}", None)
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class WaitCompletesTwice(BrokenWorld):
    """Accepts wait_completed on a completed wait, logging it again."""

    breaks = frozenset({"WAIT-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            wait = self.state.waits.get(f"{run_id}-{event.correlation_id}")
            if event.event_type == "wait_completed" and wait is not None:
                self.state.waits[wait.wait_id] = wait.model_copy(update={"status": "waiting"})
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class UnknownWaitIsConflict(BrokenWorld):
    """Refuses wait_completed of an unknown wait of a live run with EntityConflictError instead
    of WorkflowWorldError."""

    breaks = frozenset({"LEG-003", "WAIT-004"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.WorkflowWorldError as error:
                run = _run(self, run_id)
                live = run is not None and run.status not in TERMINAL_RUN_STATUSES
                if error.name != "WorkflowWorldError" or event.event_type != "wait_completed" or not live:
                    raise
                raise errors.EntityConflictError(str(error)) from None

        _patch_create(self, after)


class WaitCompletedMovesResumeAt(BrokenWorld):
    """Takes a resumeAt sent with wait_completed as the wait's new resumeAt."""

    breaks = frozenset({"WAIT-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            data = getattr(event, "event_data", MISSING)
            if event.event_type != "wait_completed" or data is MISSING or result.wait is MISSING:
                return result
            wait = result.wait.model_copy(update={"resume_at": data.resume_at})
            self.state.waits[wait.wait_id] = wait
            return result.model_copy(update={"wait": wait})

        _patch_create(self, after)


# --- terminal runs -----------------------------------------------------------------------------


def _reopened(run: WorkflowRun) -> ActiveRun:
    """``run`` as if it had not ended, for a break that skips the terminal guard."""
    kept = {
        key: value for key, value in run.to_wire().items() if key not in ("completedAt", "output", "error")
    }
    return ActiveRun.model_validate({**kept, "status": "running"})


class AcceptsWaitsOnEndedRuns(BrokenWorld):
    """Creates waits on runs that have ended (the terminal guard forgets wait_created)."""

    breaks = frozenset({"TERM-001", "TERM-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            run = _run(self, run_id)
            if event.event_type != "wait_created" or run is None or run.status not in TERMINAL_RUN_STATUSES:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            self.state.put_run(_reopened(run))
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            finally:
                self.state.put_run(run)

        _patch_create(self, after)


class LogsRefusedCreatesOnEndedRuns(BrokenWorld):
    """Refuses step/hook/wait creation on ended runs, but appends the event first."""

    breaks = frozenset({"EVT-004", "TERM-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.EntityConflictError:
                run = _run(self, run_id)
                ended = run is not None and run.status in TERMINAL_RUN_STATUSES
                if ended and event.event_type in ("step_created", "hook_created", "wait_created"):
                    _log_anyway(self, str(run_id), event)
                raise

        _patch_create(self, after)


class WaitsOfEndedRunConflict(BrokenWorld):
    """wait_completed for a wait deleted when its run ended raises EntityConflictError instead
    of WorkflowWorldError (not found)."""

    breaks = frozenset({"TERM-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            run = _run(self, run_id)
            ended = run is not None and run.status in TERMINAL_RUN_STATUSES
            if event.event_type == "wait_completed" and ended:
                raise errors.EntityConflictError(f'Workflow run "{run_id}" has ended')
            return await original(run_id, event, params)  # type: ignore[no-any-return]

        _patch_create(self, after)


class AcceptsPendingStepEventsAfterEnd(BrokenWorld):
    """Once the run has ended, still accepts step_completed/step_failed/step_retrying of
    pending steps and step_retrying of running ones (the MAY of §4.6, as world-postgres 4.3.7
    does for completed/failed): a SHOULD broken, so a warning. It does so by reopening the run
    around the create, across an await: a real race, which LIN-005 catches when
    the forced interleaving lines up (``may_break``)."""

    warns = frozenset({"TERM-004"})
    may_break = frozenset({"LIN-005"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            run = _run(self, run_id)
            ended = run is not None and run.status in TERMINAL_RUN_STATUSES
            if not ended or event.event_type not in ("step_completed", "step_failed", "step_retrying"):
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            assert run is not None
            self.state.put_run(_reopened(run))
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            finally:
                self.state.put_run(run)

        _patch_create(self, after)


# --- errors ------------------------------------------------------------------------------------


class RunNotFoundWithoutRunId(BrokenWorld):
    """``runs.get`` of a missing run raises WorkflowRunNotFoundError with an empty ``runId``."""

    breaks = frozenset({"ERR-001"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        original = self.runs.get

        async def get(run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
            try:
                return await original(run_id, resolve_data=resolve_data)
            except errors.WorkflowRunNotFoundError as error:
                raise errors.WorkflowRunNotFoundError("", str(error)) from None

        self.runs.get = get  # type: ignore[method-assign]


class TooEarlyRetryAfterAsText(BrokenWorld):
    """TooEarlyError carries retryAfter as a numeric string (``"30"``)."""

    breaks = frozenset({"ERR-002"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            try:
                return await original(run_id, event, params)  # type: ignore[no-any-return]
            except errors.TooEarlyError as error:
                error.retry_after = str(error.retry_after)  # type: ignore[assignment]
                raise

        _patch_create(self, after)


class StateGuardMovedByReplays(BrokenWorld):
    """Moves the state marker on every hook_received/step_completed, also those a replay created
    with stateUpdatedAt, so a client that is up to date gets 412 after its own replay."""

    breaks = frozenset({"ERR-003"})

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)

        async def after(
            original: Create, run_id: str | None, event: EventRequest, params: Any
        ) -> EventResult:
            result: EventResult = await original(run_id, event, params)
            replayed = params is not None and params.state_updated_at is not MISSING
            if replayed and result.event is not MISSING:
                self.state.state_markers.advance(str(run_id), [result.event])
            return result

        _patch_create(self, after)
