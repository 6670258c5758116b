"""The 5.x oracle's bulk members, runs.cancel_many and events.create_batch (world-contract-v7.md
§12, OPT-004..OPT-007). Each test states its rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from tests.memory_v7_support import (
    attr_set,
    ended_run,
    errors,
    hook_created,
    lazy_start,
    new_world,
    raises,
    run_completed,
    run_failed,
    running_run,
    slots_of,
    step_completed,
    step_created,
    step_started,
    types_of,
    wait_created,
)
from worldspec.line5 import protocol
from worldspec.line5.bulk import (
    BatchEventFailure,
    BatchEventRequest,
    BatchEventSuccess,
    BulkCancelWorkflowRunsRequest,
)
from worldspec.line5.events import EventRequest


def test_cancel_many_reports_each_run_in_order() -> None:
    """OPT-004: cancelled (logging run_cancelled with the reason), already_cancelled,
    not_cancellable with the status, not_found; the summary counts them."""

    async def scenario() -> None:
        world = new_world()
        assert isinstance(world.runs, protocol.SupportsCancelMany)
        live, failed = await running_run(world), await ended_run(world, run_failed)
        request = BulkCancelWorkflowRunsRequest(run_ids=[live, failed, "wrun_missing"], cancel_reason="sweep")
        result = await world.runs.cancel_many(request)
        assert [entry.outcome for entry in result.results] == ["cancelled", "not_cancellable", "not_found"]
        assert result.results[1].status == "failed"  # type: ignore[union-attr]
        assert (
            result.summary.requested == 3 and result.summary.cancelled == 1 and result.summary.not_found == 1
        )
        last = (await world.events.list(live)).data[-1]
        assert last.event_type == "run_cancelled" and last.event_data.cancel_reason == "sweep"
        again = await world.runs.cancel_many(BulkCancelWorkflowRunsRequest(run_ids=[live]))
        assert again.results[0].outcome == "already_cancelled"

    asyncio.run(scenario())


def test_a_malformed_cancel_many_changes_no_run() -> None:
    """OPT-005: no ids, more than 500, a repeat or a long reason: refused before any run changes."""

    async def scenario() -> None:
        world = new_world()
        live = await running_run(world)
        too_many = [live, *(f"wrun_{n}" for n in range(500))]
        for run_ids, reason in (([], "r"), ([live] * 2, "r"), (too_many, "r"), ([live], "r" * 513)):
            bad = BulkCancelWorkflowRunsRequest.model_construct(run_ids=run_ids, cancel_reason=reason)
            refused = await raises(errors.WorkflowWorldError, world.runs.cancel_many(bad))
            assert refused.fields()["status"] == 400
        assert (await world.runs.get(live)).status == "running"

    asyncio.run(scenario())


def _batch(*requests: EventRequest, at: datetime | None = None) -> list[BatchEventRequest]:
    timing = {} if at is None else {"occurred_at": at}
    return [BatchEventRequest(event=request, **timing) for request in requests]


def test_a_batch_commits_in_order_and_reports_each_event_as_its_single_create() -> None:
    """OPT-006: accepted events at consecutive slots in request order; a refused one leaves
    nothing and reports its status and error; occurredAt becomes createdAt."""

    async def scenario() -> None:
        world = new_world()
        assert isinstance(world.events, protocol.SupportsCreateBatch)
        run_id = await running_run(world)
        await world.events.create(run_id, step_created("done"))
        await world.events.create(run_id, step_started("done"))
        await world.events.create(run_id, step_completed("done"))
        at = datetime(2025, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
        result = await world.events.create_batch(
            run_id,
            _batch(step_created("s1"), step_started("s1"), step_completed("done"), wait_created("w1"), at=at),
        )
        first, second, refused, fourth = result.results
        assert isinstance(first, BatchEventSuccess) and isinstance(second, BatchEventSuccess)
        assert isinstance(refused, BatchEventFailure) and isinstance(fourth, BatchEventSuccess)
        assert (refused.status, refused.error) == (409, "EntityConflictError")
        assert slots_of([first.event, second.event, fourth.event]) == [6, 7, 8]
        assert second.step is not None and second.step.status == "running" and fourth.wait is not None
        assert first.event.created_at == at
        assert types_of((await world.events.list(run_id)).data)[5:] == [
            "step_created",
            "step_started",
            "wait_created",
        ]

    asyncio.run(scenario())


def test_a_batch_a_single_write_cannot_express_is_refused_whole() -> None:
    """OPT-007: a forbidden type, two events for one entity, or a step_started carrying input:
    a request-level error, nothing stored."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        for batch in (
            _batch(wait_created("w1"), attr_set(("k", "v"))),
            _batch(hook_created("h", "t")),
            _batch(step_created("s1"), step_started("s1"), step_completed("s1")),
            _batch(run_completed(), run_failed()),
            _batch(lazy_start("s2")),
        ):
            refused = await raises(errors.WorkflowWorldError, world.events.create_batch(run_id, batch))
            assert refused.fields()["status"] == 400
        assert len((await world.events.list(run_id)).data) == 2

    asyncio.run(scenario())
