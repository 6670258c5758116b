"""Listing on the 5.x line (world-contract-v7.md §9): runs filtered by several statuses, a run's
events by correlationId kept to that run, and an unlimited event listing that ends the log."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import create, finish_run, from_now, pending_run, started_run
from worldspec.line5.entities import RunStatus
from worldspec.line5.protocol import World as LineFiveWorld
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World

RUN_STATUSES: tuple[RunStatus, ...] = ("pending", "running", "completed", "failed", "cancelled")
STATUS_FILTERS: tuple[tuple[RunStatus, ...], ...] = (
    *((status,) for status in RUN_STATUSES),
    ("pending", "running"),
    ("completed", "failed", "cancelled"),
    ("running", "cancelled"),
    RUN_STATUSES,
    (),
)
"""Each status alone, the live ones, the terminal ones, a pair far apart, all, and none."""
UNLIMITED_LOG_STEPS = 64
"""Steps created and started in the unlimited-listing run: 130 events, past a default page of 100."""


async def _run_in_status(world: World, status: RunStatus, workflow_name: str) -> str:
    """A new run of ``workflow_name`` brought to ``status``; its id."""
    run_id = await pending_run(world, make.run_created(name=workflow_name))
    if status == "pending":
        return run_id
    await create(world, run_id, make.run_started())
    if status != "running":
        await finish_run(world, run_id, f"run_{status}")
    return run_id


async def _listed_run_ids(world: World, workflow_name: str, statuses: Sequence[RunStatus]) -> list[str]:
    """Every run id ``runs.list({workflowName, status: statuses})`` returns, page after page."""
    runs = cast(LineFiveWorld, world).runs
    found: list[str] = []
    cursor: str | None = None
    for _ in range(100):
        pagination = PaginationOptions(limit=100, **({"cursor": cursor} if cursor else {}))
        page = await returns(
            runs.list(workflow_name=workflow_name, status=list(statuses), pagination=pagination),
            f"runs.list(status={list(statuses)})",
        )
        found.extend(run.run_id for run in page.data)
        if not page.has_more:
            return found
        cursor = page.cursor
    fail(f"runs.list(status={list(statuses)}) ends", "still said hasMore: true after 100 pages")


@invariant("LIST-101")
async def test_runs_list_takes_several_statuses(world: World) -> None:
    """``runs.list({status: [...]})`` returns exactly the runs in any listed status, each once:
    every status alone, the live ones, the terminal ones, two far apart, all five; and
    ``status: []`` returns no run (an empty filter is not "no filter"). Runs of one workflow
    name, two in each status."""
    workflow_name = make.workflow_name()
    by_status: dict[str, RunStatus] = {}
    for status in RUN_STATUSES:
        for _ in range(2):
            by_status[await _run_in_status(world, status, workflow_name)] = status
    for statuses in STATUS_FILTERS:
        expected = {run_id for run_id, status in by_status.items() if status in statuses}
        listed = await _listed_run_ids(world, workflow_name, statuses)
        if len(listed) != len(set(listed)) or set(listed) != expected:
            fail(
                f"runs.list(status={list(statuses)}) returns the {len(expected)} runs in "
                f"{'one of those statuses' if statuses else 'no status: none'}, each once",
                f"returned {len(listed)} runs",
                ("runs and their statuses", by_status),
                ("returned", [(run_id, by_status.get(run_id, "another workflow's")) for run_id in listed]),
            )


@invariant("LIST-102")
async def test_correlation_listing_keeps_to_its_run(world: World) -> None:
    """``listByCorrelationId({runId, correlationId})`` returns only that run's events, when
    another run (created before it, and after it) uses the same correlationId for a step and a
    wait: a World must not look the correlationId up across runs. (A hookId names one hook of
    all runs, ``hooks.get(hookId)``, so hooks do not share theirs.)"""
    shared = {"step": make.new_id("step"), "wait": make.new_id("wait")}
    runs = [await started_run(world) for _ in range(3)]
    for run_id in runs:
        await create(world, run_id, make.step_created(shared["step"]))
        await create(world, run_id, make.step_started(shared["step"]))
        await create(world, run_id, make.wait_created(shared["wait"], from_now(3600)))
    for run_id in runs:
        log = await all_events(world, run_id)
        for kind, correlation_id in shared.items():
            own = [event.event_id for event in log if event.correlation_id == correlation_id]
            page = await returns(
                world.events.list_by_correlation_id(
                    correlation_id, run_id=run_id, pagination=PaginationOptions(limit=100)
                ),
                f"listByCorrelationId({kind} id, runId)",
            )
            strays = [event for event in page.data if event.run_id != run_id]
            if strays or [event.event_id for event in page.data] != own:
                fail(
                    f"listByCorrelationId({{runId, correlationId}}) of a {kind} id that 3 runs use returns "
                    "that run's events for it, and no other run's",
                    f"returned {len(page.data)} events, {len(strays)} of them of other runs",
                    ("runId asked for", run_id),
                    ("that run's eventIds for it", own),
                    ("returned", page.data),
                )


@invariant("LIST-103")
async def test_events_list_without_limit_returns_the_rest(world: World) -> None:
    """``events.list`` without ``limit`` returns every remaining event with ``hasMore: false``:
    a 130-event log from the start, in both orders, and from a cursor after the first 10."""
    run_id = await started_run(world)
    for _ in range(UNLIMITED_LOG_STEPS):
        step_id = make.new_id("step")
        await create(world, run_id, make.step_created(step_id))
        await create(world, run_id, make.step_started(step_id))
    total = 2 + 2 * UNLIMITED_LOG_STEPS
    first = await returns(world.events.list(run_id, pagination=PaginationOptions(limit=10)), "events.list")
    readings = {
        "events.list without pagination": (world.events.list(run_id), total),
        "events.list({sortOrder: 'desc'}) without limit": (
            world.events.list(run_id, pagination=PaginationOptions(sort_order="desc")),
            total,
        ),
        "events.list({cursor}) without limit, after a first page of 10": (
            world.events.list(run_id, pagination=PaginationOptions(cursor=first.cursor)),
            total - 10,
        ),
    }
    for action, (call, expected) in readings.items():
        page = await returns(call, action)
        if len(page.data) != expected or page.has_more is not False:
            fail(
                f"{action} returns the {expected} remaining events with hasMore: false",
                f"returned {len(page.data)} events with hasMore {page.has_more}",
            )
