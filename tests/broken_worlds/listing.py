"""Broken Worlds for the listing invariants (LIST, §9): pages, cursors, order, filters."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from reference_worlds.paging import page
from tests.broken_worlds.base import BrokenWorld, Params
from worldspec import errors
from worldspec.entities import Hook, Step, WorkflowRun
from worldspec.events import Event, EventRequest, EventResult
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.resolve_data import strip_entity
from worldspec.wire_types import MISSING

T = TypeVar("T")


class RunPagesSkipAnItem(BrokenWorld, breaks={"LIST-001", "COH-004", "COH-007"}):
    """``runs.list`` drops the first run after a cursor (an off-by-one page boundary)."""

    async def on_list_runs(
        self, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        page = await super().on_list_runs(pagination=pagination, **options)
        if pagination is not None and pagination.cursor is not MISSING:
            return page.model_copy(update={"data": page.data[1:]})
        return page


class StepCursorTokensRecycled(BrokenWorld, breaks={"LIST-002"}):
    """``steps.list`` hands out server-side cursor tokens from a pool of two, so a token
    recurs in one paging sequence (each token resolves to the latest position it named)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.positions: dict[str, str] = {}
        self.issued = 0

    async def on_list_steps(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Step]:
        if pagination is not None and pagination.cursor in self.positions:
            pagination = pagination.model_copy(update={"cursor": self.positions[str(pagination.cursor)]})
        page = await super().on_list_steps(run_id, pagination=pagination, **options)
        if page.cursor is None:
            return page
        token = "ab"[self.issued % 2]
        self.issued += 1
        self.positions[token] = page.cursor
        return page.model_copy(update={"cursor": token})


class EmptyStepListHasCursor(BrokenWorld, breaks={"LIST-003"}):
    """An empty ``steps.list`` page carries a cursor."""

    async def on_list_steps(self, run_id: str, **options: Any) -> PaginatedResponse[Step]:
        page = await super().on_list_steps(run_id, **options)
        return page if page.data else page.model_copy(update={"cursor": "end"})


class HooksNewestFirstByDefault(BrokenWorld, breaks={"LIST-004"}):
    """``hooks.list`` without a sortOrder lists newest first."""

    async def on_list_hooks(
        self, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Hook]:
        newest_first = pagination or PaginationOptions()
        if newest_first.sort_order is MISSING:
            newest_first = newest_first.model_copy(update={"sort_order": "desc"})
        return await super().on_list_hooks(pagination=newest_first, **options)


class StepsOrderedByLastChange(BrokenWorld, breaks={"LIST-004"}, may_break={"LIST-001"}):
    """``steps.list`` orders by ``updatedAt`` where it should order by creation (the author
    wrote ``ORDER BY updated_at``): a step that started after later steps were created moves
    to the front of the newest-first listing."""

    async def on_list_steps(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Step]:
        page = await super().on_list_steps(run_id, pagination=pagination, **options)
        ascending = pagination is not None and pagination.sort_order == "asc"
        ordered = sorted(page.data, key=lambda step: step.updated_at, reverse=not ascending)
        return page.model_copy(update={"data": ordered})


class RunListIgnoresStatus(BrokenWorld, breaks={"LIST-005", "COH-004"}):
    """``runs.list`` ignores the ``status`` filter."""

    async def on_list_runs(self, *, status: Any = None, **options: Any) -> PaginatedResponse[WorkflowRun]:
        return await super().on_list_runs(**options)


class ResolveNoneDropsExecutionContext(BrokenWorld, breaks={"LIST-006", "COH-001"}):
    """``runs.get`` with ``resolveData: 'none'`` also drops the run's executionContext."""

    async def on_get_run(
        self, run_id: str, *, resolve_data: ResolveData = "all", **options: Any
    ) -> WorkflowRun:
        run = await super().on_get_run(run_id, resolve_data=resolve_data, **options)
        return run if resolve_data == "all" else run.model_copy(update={"execution_context": MISSING})


class EventPagesCappedAt100(BrokenWorld, breaks={"LIST-007"}):
    """``events.list`` returns at most 100 events a page, whatever the limit."""

    async def on_list_events(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        if pagination is not None and isinstance(pagination.limit, int | float) and pagination.limit > 100:
            pagination = pagination.model_copy(update={"limit": 100})
        return await super().on_list_events(run_id, pagination=pagination, **options)


class UnusableEventCursorReadsFromStart(BrokenWorld, warns={"LIST-008"}):
    """``events.list`` treats a cursor it cannot read as no cursor (as world-local does)."""

    async def on_list_events(
        self, run_id: str, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Event]:
        try:
            return await super().on_list_events(run_id, pagination=pagination, **options)
        except errors.WorkflowWorldError:
            if pagination is None:
                raise
            restarted = pagination.model_copy(update={"cursor": MISSING})
            return await super().on_list_events(run_id, pagination=restarted, **options)


class WorkflowNameFilterIsALikePattern(BrokenWorld, breaks={"LIST-005", "COH-004"}):
    """Filters ``runs.list`` by ``workflow_name LIKE $1`` without escaping the name, so ``%`` and
    ``_`` in a workflow name match any run of, say, a longer name; it matches after cutting the
    page, so among other workflows' runs its pages come short (COH-004)."""

    async def on_list_runs(
        self, *, workflow_name: str | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        if workflow_name is None:
            return await super().on_list_runs(**options)
        pattern = re.compile(
            "".join(
                ".*" if char == "%" else "." if char == "_" else re.escape(char) for char in workflow_name
            ),
            re.DOTALL,
        )
        page = await super().on_list_runs(**options)
        matching = [run for run in page.data if pattern.fullmatch(run.workflow_name)]
        return page.model_copy(update={"data": matching})


class WorkflowNameComparedWithPadSpace(BrokenWorld, breaks={"LIST-005"}):
    """Keeps ``workflow_name`` in a MySQL ``VARCHAR`` with the ``utf8mb4_bin`` collation (picked
    to compare case), which pads with spaces: ``WHERE workflow_name = ?`` matches a name that
    differs only by trailing spaces, so ``runs.list`` of one name lists the other's runs too."""

    async def on_list_runs(
        self,
        *,
        workflow_name: str | None = None,
        status: Any = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        if workflow_name is None:
            return await super().on_list_runs(status=status, pagination=pagination, resolve_data=resolve_data)
        padded = workflow_name.rstrip(" ")
        matching = [
            entry
            for entry in sorted(self.state.runs.values(), key=lambda entry: entry[0])
            if entry[1].workflow_name.rstrip(" ") == padded and status in (None, entry[1].status)
        ]
        found = page(matching, lambda entry: entry[0], pagination, "desc")
        return PaginatedResponse[WorkflowRun](
            data=[strip_entity(run, resolve_data) for _, run in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


async def _every(read: Callable[[PaginationOptions], Awaitable[PaginatedResponse[T]]]) -> list[T]:
    """Every item of a listing, read through ``read`` in pages of 1000."""
    items: list[T] = []
    cursor: str | None = None
    while True:
        found = await read(PaginationOptions(limit=1000, **({} if cursor is None else {"cursor": cursor})))
        items += found.data
        if not found.has_more:
            return items
        cursor = found.cursor


def _paged(
    items: Sequence[T], key: Callable[[T], Any], pagination: PaginationOptions | None, order: Any
) -> PaginatedResponse[T]:
    """One page of ``items`` (in ascending ``key`` order) as the memory World pages them."""
    found = page(items, key, pagination, order)
    return PaginatedResponse[T](data=list(found.data), cursor=found.cursor, has_more=found.has_more)


def _key_order(key: str) -> str:
    """Where a key falls in a store's own order (a hash's, a scan's): unrelated to creation."""
    return hashlib.sha1(key.encode()).hexdigest()


class StatusIndexMovedFromRunningOnly(BrokenWorld, breaks={"LIST-005"}):
    """Keeps a set of runIds per status for ``runs.list({status})`` and moves a run at its end
    with ``SMOVE runs:status:running runs:status:<new>``, which does nothing for a run that
    ends while still pending: a run cancelled (or failed) before it started stays listed as
    pending and is never listed in its final status."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.status_index: dict[str, str] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.run is not MISSING:
            indexed = self.status_index.get(result.run.run_id)
            if (
                indexed is None
                or indexed == "running"
                or (indexed, result.run.status) == ("pending", "running")
            ):
                self.status_index[result.run.run_id] = result.run.status
        return result

    async def on_list_runs(
        self, *, status: Any = None, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        if status is None:
            return await super().on_list_runs(pagination=pagination, **options)
        runs = await _every(lambda p: BrokenWorld.on_list_runs(self, pagination=p, **options))
        chosen = [run for run in reversed(runs) if self.status_index.get(run.run_id) == status]
        return _paged(chosen, lambda run: self.state.runs[run.run_id][0], pagination, "desc")


class RunsByStatusInSetOrder(BrokenWorld, breaks={"LIST-004"}):
    """Answers ``runs.list({status})`` without a workflowName from the status's Redis set
    (``SSCAN runs:status:<status>``): the runs come in the set's order, not newest first."""

    async def on_list_runs(
        self,
        *,
        status: Any = None,
        workflow_name: str | None = None,
        pagination: PaginationOptions | None = None,
        **options: Any,
    ) -> PaginatedResponse[WorkflowRun]:
        if status is None or workflow_name is not None:
            return await super().on_list_runs(
                status=status, workflow_name=workflow_name, pagination=pagination, **options
            )
        runs = await _every(lambda p: BrokenWorld.on_list_runs(self, status=status, pagination=p, **options))
        chosen = sorted(runs, key=lambda run: _key_order(run.run_id))
        return _paged(chosen, lambda run: _key_order(run.run_id), pagination, "asc")


class RunsByStatusScoredByTheirMove(BrokenWorld, breaks={"LIST-004"}):
    """Keeps a sorted set per status scored by the time a run entered it (``ZADD
    runs:status:<s> <now> <runId>`` at each move) and answers ``runs.list({status})`` from it
    (with a workflowName, from ``ZINTERSTORE`` of the workflow's set and the status's, weights
    0 and 1): newest first by when the run got that status, not by when it was created."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.moved: dict[str, int] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await super().on_create(run_id, event, params)
        if result.run is not MISSING and (before is None or before.status != result.run.status):
            self.moved[result.run.run_id] = self.state.next_sequence()
        return result

    async def on_list_runs(
        self, *, status: Any = None, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        if status is None:
            return await super().on_list_runs(pagination=pagination, **options)
        runs = await _every(lambda p: BrokenWorld.on_list_runs(self, status=status, pagination=p, **options))
        chosen = sorted(runs, key=lambda run: self.moved.get(run.run_id, 0))
        return _paged(chosen, lambda run: self.moved.get(run.run_id, 0), pagination, "desc")


class AllHooksInScanOrder(BrokenWorld, breaks={"LIST-004"}):
    """Answers ``hooks.list()`` without a runId by scanning its ``hook:*`` keys: the hooks come
    in the keyspace's order, not oldest first (a run's hooks, from its sorted set, are right)."""

    async def on_list_hooks(
        self, *, run_id: str | None = None, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[Hook]:
        if run_id is not None:
            return await super().on_list_hooks(run_id=run_id, pagination=pagination, **options)
        hooks = await _every(lambda p: BrokenWorld.on_list_hooks(self, pagination=p, **options))
        chosen = sorted(hooks, key=lambda hook: _key_order(hook.hook_id))
        return _paged(chosen, lambda hook: _key_order(hook.hook_id), pagination, "asc")


class WorkflowIndexKeysJoinedWithColons(BrokenWorld, breaks={"LIST-005"}):
    """Keeps a set of runIds under ``runs:wf:<workflowName>`` and one under
    ``runs:wf:<workflowName>:<status>``, keys joined with ``:``: the runs of a workflow named
    ``k:pending`` share their key with the pending runs of the workflow ``k``."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.index: dict[str, set[str]] = {}
        self.indexed_status: dict[str, str] = {}

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.run is not MISSING:
            run = result.run
            self.index.setdefault(f"runs:wf:{run.workflow_name}", set()).add(run.run_id)
            old = self.indexed_status.get(run.run_id)
            if old != run.status:
                if old is not None:
                    self.index[f"runs:wf:{run.workflow_name}:{old}"].discard(run.run_id)
                self.index.setdefault(f"runs:wf:{run.workflow_name}:{run.status}", set()).add(run.run_id)
                self.indexed_status[run.run_id] = run.status
        return result

    async def on_list_runs(
        self,
        *,
        workflow_name: str | None = None,
        status: Any = None,
        pagination: PaginationOptions | None = None,
        **options: Any,
    ) -> PaginatedResponse[WorkflowRun]:
        if workflow_name is None:
            return await super().on_list_runs(status=status, pagination=pagination, **options)
        members = self.index.get(f"runs:wf:{workflow_name}" + ("" if status is None else f":{status}"), set())
        runs = await _every(lambda p: BrokenWorld.on_list_runs(self, pagination=p, **options))
        chosen = [run for run in reversed(runs) if run.run_id in members]
        return _paged(chosen, lambda run: self.state.runs[run.run_id][0], pagination, "desc")


class LegacyCancelLeavesTheStatusIndex(StatusIndexMovedFromRunningOnly, breaks={"LIST-005"}):
    """Keeps its per-status sets right on every path but one: the branch that cancels a legacy
    run (spec 1, §6.2), written apart from the others, updates the run's record and never moves
    the run out of the pending set."""

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = self.stored_run(run_id)
        result = await BrokenWorld.on_create(self, run_id, event, params)
        legacy = before is not None and before.spec_version in (MISSING, None, 0, 1)
        if result.run is not MISSING and not (legacy and event.event_type == "run_cancelled"):
            self.status_index[result.run.run_id] = result.run.status
        return result


class EveryRunListedInScanOrder(BrokenWorld, breaks={"LIST-004"}):
    """Answers ``runs.list()`` without a filter by scanning its ``run:*`` keys (the filtered
    lists come from sorted sets): the runs come in the keyspace's order, not newest first."""

    async def on_list_runs(
        self, *, pagination: PaginationOptions | None = None, **options: Any
    ) -> PaginatedResponse[WorkflowRun]:
        if options.get("workflow_name") is not None or options.get("status") is not None:
            return await super().on_list_runs(pagination=pagination, **options)
        runs = await _every(lambda p: BrokenWorld.on_list_runs(self, pagination=p, **options))
        chosen = sorted(runs, key=lambda run: _key_order(run.run_id))
        return _paged(chosen, lambda run: _key_order(run.run_id), pagination, "asc")
