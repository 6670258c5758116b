"""Broken Worlds for the listing invariants (LIST, §9): pages, cursors, order, filters."""

from __future__ import annotations

import re
from typing import Any

from reference_worlds.paging import page
from tests.broken_worlds.base import BrokenWorld
from worldspec import errors
from worldspec.entities import Hook, Step, WorkflowRun
from worldspec.events import Event
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.resolve_data import strip_entity
from worldspec.wire_types import MISSING


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
