"""Broken Worlds for listing on the 5.x line (LIST-101, LIST-102, LIST-103)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld
from worldspec.events import Event
from worldspec.pagination import PaginatedResponse, PaginationOptions
from worldspec.wire_types import MISSING

DEFAULT_PAGE = 100
"""The page a World that reads no ``limit`` as "the default page" returns."""


class EmptyStatusFilterListsAll(LineFiveBrokenWorld, breaks={"LIST-101"}):
    """Builds its status filter with ``if (status?.length)``: ``status: []`` filters nothing and
    lists every run."""

    async def on_list_runs(self, **options: Any) -> PaginatedResponse[Any]:
        if options.get("status") == []:
            options = {**options, "status": None}
        return await super().on_list_runs(**options)


class CorrelationLookupAcrossRuns(LineFiveBrokenWorld, breaks={"LIST-102", "EVT-007"}):
    """Keys its correlation index by correlationId alone: after the run's own matches, the last
    page also carries the matching events of every other run that shares the correlationId."""

    async def on_list_by_correlation_id(
        self, correlation_id: str, **options: Any
    ) -> PaginatedResponse[Event]:
        found = await super().on_list_by_correlation_id(correlation_id, **options)
        if found.has_more:
            return found
        others = [
            event
            for run_id, log in self.state.events.items()
            if run_id != options.get("run_id")
            for event in log
            if event.correlation_id == correlation_id
        ]
        return found.model_copy(update={"data": [*found.data, *others]})


class UnlimitedListIsOnePage(LineFiveBrokenWorld, warns={"LIST-103"}):
    """Reads a missing ``limit`` as its default page of 100, as the 4.x line allowed."""

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        pagination = options.get("pagination") or PaginationOptions()
        if not isinstance(pagination.limit, int):
            options = {**options, "pagination": pagination.model_copy(update={"limit": DEFAULT_PAGE})}
        return await super().on_list_events(run_id, **options)


class RunListingWithoutAttributes(LineFiveBrokenWorld, breaks={"COH-001"}):
    """Lists runs from a summary query that leaves the attributes column out: every listed run
    shows ``attributes: {}`` while ``runs.get`` shows the run's own."""

    async def on_list_runs(self, **options: Any) -> PaginatedResponse[Any]:
        found = await super().on_list_runs(**options)
        bare = [run.model_copy(update={"attributes": {}}) for run in found.data]
        return found.model_copy(update={"data": bare})


class RunListingWithout5xColumns(LineFiveBrokenWorld, breaks={"COH-001"}):
    """Its ``runs.list`` query was written for the 4.x table and still selects only the columns
    that table had: ``encryptionPublicKey`` and ``errorCode`` are stored (``runs.get`` shows
    them) but never appear on a listed run."""

    async def on_list_runs(self, **options: Any) -> PaginatedResponse[Any]:
        found = await super().on_list_runs(**options)
        older = [
            run.model_copy(update={"encryption_public_key": MISSING, "error_code": MISSING})
            for run in found.data
        ]
        return found.model_copy(update={"data": older})
