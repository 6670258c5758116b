"""Broken Worlds for coherent views (COH, a kit addition): two read paths or two write paths
of one entity that drift apart."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, ClassVar

from reference_worlds.paging import decode_cursor, encode_cursor, limit_of
from tests.broken_worlds.base import BrokenWorld, LineFiveBrokenWorld, Params
from worldspec.entities import TERMINAL_RUN_STATUSES, Hook, Step, WorkflowRun
from worldspec.events import EventRequest, EventResult
from worldspec.owned import owned_copy
from worldspec.pagination import PaginatedResponse, PaginationOptions
from worldspec.wire_types import MISSING

STEP_UPDATES = frozenset({"step_started", "step_retrying", "step_completed", "step_failed"})
CHILD_CREATES = {"step_created": "step", "hook_created": "hook", "wait_created": "wait"}


class RunListingForgetsExecutionContext(BrokenWorld, breaks={"COH-001"}):
    """``runs.list`` reads from a listing query whose column list leaves out
    ``execution_context`` (added to the table after the query was written); ``runs.get`` reads
    the whole row."""

    async def on_list_runs(self, **options: Any) -> PaginatedResponse[WorkflowRun]:
        page = await super().on_list_runs(**options)
        stripped = [run.model_copy(update={"execution_context": MISSING}) for run in page.data]
        return page.model_copy(update={"data": stripped})


class StepUpdatesKeepUpdatedAt(BrokenWorld, breaks={"COH-002"}):
    """The statement that moves a step (started, retrying, completed, failed) sets its status,
    attempt and times but not ``updated_at``, which keeps the value ``step_created`` gave it."""

    kept_on: ClassVar[frozenset[str]] = STEP_UPDATES
    """The step events whose statement forgets ``updated_at``."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        step_id = str(getattr(event, "correlation_id", ""))
        before = self.stored_step(run_id, step_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type not in self.kept_on or before is None or result.step is MISSING:
            return result
        kept = result.step.model_copy(update={"updated_at": before.updated_at})
        self.replace_step(kept)
        return result.model_copy(update={"step": kept})


class StepFailedKeepsUpdatedAt(StepUpdatesKeepUpdatedAt, breaks={"COH-002"}):
    """The one statement written apart from the other step moves, ``step_failed``'s, sets
    status, error and completedAt but not ``updated_at``: started, retrying and completed steps
    are stamped, a failed one keeps the stamp of its last start."""

    kept_on = frozenset({"step_failed"})


def _keeps_run_updated_at(world: BrokenWorld, before: WorkflowRun, result: EventResult) -> EventResult:
    """``result`` with its run (and the stored run) back at ``before``'s ``updatedAt``."""
    kept = result.run.model_copy(update={"updated_at": before.updated_at})
    world.state.put_run(kept)
    return result.model_copy(update={"run": kept.model_copy(deep=True)})


class CancelKeepsUpdatedAt(BrokenWorld, breaks={"COH-002"}):
    """Cancellation, an operator's path beside the runtime's, updates status and completedAt
    only: a cancelled run keeps the ``updatedAt`` of its last change before the cancel."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type != "run_cancelled" or before is None or result.run is MISSING:
            return result
        return _keeps_run_updated_at(self, before, result)


class AttrSetKeepsUpdatedAt(LineFiveBrokenWorld, breaks={"COH-002"}):
    """Merges an ``attr_set`` into the run's attributes column alone: the run's ``updatedAt``
    stays at its last status change."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if event.event_type != "attr_set" or before is None or result.run is MISSING:
            return result
        return _keeps_run_updated_at(self, before, result)


class StepStartRewritesCreatedAt(BrokenWorld, breaks={"COH-002"}):
    """``step_started`` is an upsert on ``(runId, stepId)`` that stamps ``created_at`` and
    ``updated_at`` alike: a started step's createdAt is its latest start."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_started" or result.step is MISSING:
            return result
        restamped = result.step.model_copy(update={"created_at": result.step.updated_at})
        self.replace_step(restamped)
        return result.model_copy(update={"step": restamped.model_copy(deep=True)})


class RunEndStampsStartedAt(BrokenWorld, breaks={"COH-002"}):
    """Sets ``started_at = now()`` on every move out of pending, ``run_completed`` and
    ``run_failed`` of a running run included: an ended run shows when it ended as its start."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type not in ("run_completed", "run_failed") or result.run is MISSING:
            return result
        restamped = result.run.model_copy(update={"started_at": result.run.updated_at})
        self.state.put_run(restamped)
        return result.model_copy(update={"run": restamped.model_copy(deep=True)})


LOCAL_TIME_AHEAD = timedelta(hours=1)
"""How far a time read back from a column without time zone lies from the instant written, on a
database server whose local time is UTC+1."""


class RunEndReadInLocalTime(BrokenWorld, breaks={"COH-002"}):
    """``completed_at`` was added to the runs table by a later migration as ``timestamp``
    (without time zone), beside the ``timestamptz`` columns of the first one: the driver reads
    it back in the server's local time (UTC+1), so every run ends an hour after it ended."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if before is None or before.status in TERMINAL_RUN_STATUSES or result.run is MISSING:
            return result
        if result.run.status not in TERMINAL_RUN_STATUSES:
            return result
        late = result.run.model_copy(update={"completed_at": result.run.completed_at + LOCAL_TIME_AHEAD})
        self.state.put_run(late)
        return result.model_copy(update={"run": late.model_copy(deep=True)})


class StepStartReadInLocalTime(BrokenWorld, breaks={"COH-002"}):
    """Declares the steps table's ``started_at`` as ``timestamp`` without time zone: a step's
    first ``step_started`` stores the right instant, which reads back in the server's local
    time (UTC+1), an hour late."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_step(run_id, str(getattr(event, "correlation_id", "")))
        result = await super().on_create(run_id, event, params)
        if event.event_type != "step_started" or before is None or before.started_at is not MISSING:
            return result
        late = result.step.model_copy(update={"started_at": result.step.started_at + LOCAL_TIME_AHEAD})
        self.replace_step(late)
        return result.model_copy(update={"step": late.model_copy(deep=True)})


class StepEndInWholeSeconds(BrokenWorld, breaks={"COH-002"}):
    """Keeps a step's ``completed_at`` in a MySQL ``DATETIME`` declared without fractional
    seconds (``DATETIME`` rather than ``DATETIME(3)``), which rounds to the nearest second: a
    completed or failed step shows its end up to half a second off, while ``updated_at``, a
    ``DATETIME(3)``, is right."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if event.event_type not in ("step_completed", "step_failed") or result.step is MISSING:
            return result
        ended = result.step.completed_at
        rounded = ended.replace(microsecond=0) + timedelta(seconds=round(ended.microsecond / 1_000_000))
        stored = result.step.model_copy(update={"completed_at": rounded})
        self.replace_step(stored)
        return result.model_copy(update={"step": stored.model_copy(deep=True)})


class HookCreatedAtReadInLocalTime(BrokenWorld, breaks={"COH-002"}):
    """Its hooks table has ``created_at timestamp`` without time zone (the events and runs
    tables use ``timestamptz``): a hook's createdAt reads back in the server's local time
    (UTC+1), an hour after its ``hook_created``, in the result and every read."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.hook is MISSING:
            return result
        late = result.hook.model_copy(update={"created_at": result.hook.created_at + LOCAL_TIME_AHEAD})
        self.replace_hook(late)
        return result.model_copy(update={"hook": late.model_copy(deep=True)})


def _patch_stored_event(world: BrokenWorld, run_id: str, event_id: str, **updates: Any) -> None:
    """Change the stored event ``event_id`` of ``run_id`` as a buggy write would have left it."""
    log = world.state.events[run_id]
    for index, stored in enumerate(log):
        if stored.event_id == event_id:
            log[index] = stored.model_copy(update=updates)


class OccurredAtNeverStored(LineFiveBrokenWorld, breaks={"COH-006"}, only="coherence"):
    """Answers a create with the event it built from the request, ``occurredAt`` included, but
    its events table has no column for it: every later read of the event lacks it."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.event is not MISSING and result.event.occurred_at is not MISSING:
            _patch_stored_event(self, result.event.run_id, result.event.event_id, occurred_at=MISSING)
        return result


def _occurred_at_as_created_at(world: BrokenWorld, result: EventResult) -> EventResult:
    """``result`` and its stored event with ``occurredAt`` moved into ``createdAt``."""
    if result.event is MISSING or result.event.occurred_at is MISSING:
        return result
    moved = {"created_at": result.event.occurred_at, "occurred_at": MISSING}
    _patch_stored_event(world, result.event.run_id, result.event.event_id, **moved)
    return result.model_copy(update={"event": result.event.model_copy(update=moved)})


class OccurredAtTakenForCreatedAt(LineFiveBrokenWorld, breaks={"COH-006"}, only="coherence"):
    """Reads ``params.occurredAt`` as the time the event happened and stores it as the event's
    ``createdAt``, which it otherwise takes from the clock; no ``occurredAt`` is kept."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        return _occurred_at_as_created_at(self, await super().on_create(run_id, event, params))


class OccurredAtTakenForCreatedAtOnFourX(BrokenWorld, breaks={"COH-006"}, only="coherence"):
    """The same bug in a 4.x World that declares ``occurred_at``: the event's ``createdAt``
    becomes the ``occurredAt`` the runtime sent, and no ``occurredAt`` is kept."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        return _occurred_at_as_created_at(self, await super().on_create(run_id, event, params))


class ChildrenTakeTheRunsSpecVersion(BrokenWorld, breaks={"COH-003"}):
    """Stores a new step, hook or wait with its run's ``specVersion`` (read from the run row it
    locks anyway) instead of the creating event's."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        kind = CHILD_CREATES.get(event.event_type)
        run = self.stored_run(run_id)
        child = getattr(result, kind, MISSING) if kind else MISSING
        if child is MISSING or run is None:
            return result
        changed = child.model_copy(update={"spec_version": run.spec_version})
        if kind == "step":
            self.replace_step(changed)
        elif kind == "hook":
            self.replace_hook(changed)
        else:
            self.state.waits[changed.wait_id] = changed
        return result.model_copy(update={str(kind): owned_copy(changed)})


class LineFiveChildrenTakeTheRunsSpecVersion(
    ChildrenTakeTheRunsSpecVersion, LineFiveBrokenWorld, breaks={"COH-003"}
):
    """The same slip at spec 7: a child created at 6 on a run at 7 (or at D on a run at 6)
    is stored at the run's version."""


class AllHooksListIgnoresLimit(BrokenWorld, breaks={"COH-004"}):
    """``hooks.list`` without a runId (a code path written apart from the per-run one) drops
    the limit and returns every hook on one page, ``hasMore: false``."""

    async def on_list_hooks(
        self, *, run_id: str | None = None, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Hook]:
        if run_id is not None:
            return await super().on_list_hooks(run_id=run_id, pagination=pagination, **options)
        return await super().on_list_hooks(pagination=PaginationOptions(limit=1000), **options)


class RunListForgetsTheNameAfterACursor(BrokenWorld, breaks={"COH-004"}):
    """``runs.list`` builds its query from the cursor alone once one is given (the author wrote
    ``if cursor: WHERE id < $cursor else: WHERE workflow_name = $name``), so the pages after the
    first hold runs of every workflow."""

    async def on_list_runs(
        self,
        *,
        workflow_name: str | None = None,
        pagination: PaginationOptions | None = None,
        **options: Any,
    ) -> PaginatedResponse[WorkflowRun]:
        if pagination is not None and pagination.cursor is not MISSING:
            workflow_name = None
        return await super().on_list_runs(workflow_name=workflow_name, pagination=pagination, **options)


def _offset_page(
    listed: PaginatedResponse[Any], pagination: PaginationOptions | None
) -> PaginatedResponse[Any]:
    """The page of ``listed`` (every matching item, in the listing's order) that ``LIMIT limit
    OFFSET n`` reads, the cursor being the next ``n``."""
    start = 0 if pagination is None or pagination.cursor is MISSING else int(decode_cursor(pagination.cursor))
    limit = limit_of(pagination)
    has_more = start + limit < len(listed.data)
    return PaginatedResponse[Any](
        data=listed.data[start : start + limit],
        cursor=encode_cursor(start + limit) if has_more else None,
        has_more=has_more,
    )


def _whole(pagination: PaginationOptions | None) -> PaginationOptions:
    """One page of every item, in the order ``pagination`` asks for."""
    if pagination is None or pagination.sort_order is MISSING:
        return PaginationOptions(limit=1000)
    return PaginationOptions(limit=1000, sort_order=pagination.sort_order)


class RunPagesByOffset(BrokenWorld, breaks={"COH-007"}):
    """Pages ``runs.list`` with ``ORDER BY created_at DESC LIMIT $1 OFFSET $2``, its cursor the
    next offset: a run created between two pages moves every run down one place, so the next
    page repeats the last run of the one before."""

    async def on_list_runs(
        self, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        return _offset_page(await super().on_list_runs(pagination=_whole(pagination), **options), pagination)


class StatusListingPagesByOffset(BrokenWorld, breaks={"COH-007"}):
    """Keyset pages for ``runs.list`` in general, but the listing by status (the query startup
    recovery pages through, written apart) uses ``OFFSET``: a run that ends after its page was
    read leaves the listing, every later run moves up one place, and the next page skips one."""

    async def on_list_runs(
        self, *, status: Any = None, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        if status is None:
            return await super().on_list_runs(pagination=pagination, **options)
        everything = await super().on_list_runs(status=status, pagination=_whole(pagination), **options)
        return _offset_page(everything, pagination)


class StepPagesByOffset(BrokenWorld, breaks={"COH-007"}):
    """Pages ``steps.list`` with ``LIMIT``/``OFFSET``, newest first: a step created between two
    pages pushes the rest down, and the next page repeats a step."""

    async def on_list_steps(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Step]:
        everything = await super().on_list_steps(run_id, pagination=_whole(pagination), **options)
        return _offset_page(everything, pagination)


class HookPagesByOffset(BrokenWorld, breaks={"COH-007"}):
    """Pages ``hooks.list`` with ``LIMIT``/``OFFSET``, oldest first, which hooks created later
    never disturb: but a hook disposed after its page was read takes its row with it, the
    hooks after it move up one place, and the next page skips one."""

    async def on_list_hooks(
        self, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Hook]:
        return _offset_page(await super().on_list_hooks(pagination=_whole(pagination), **options), pagination)
