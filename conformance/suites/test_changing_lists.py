"""Lists that change while they are paged (kit addition, §9): a cursor names a place in the
listing, not a count of items.

§9 promises that paging until ``hasMore`` is false yields each item once, and that an
``events.list`` cursor stays valid as the log grows. The other lists change under a reader too:
runs are created and end while an operator (or the 5.x runtime's startup recovery) pages
``runs.list`` by status, steps are created and hooks disposed while a dashboard pages them. A
cursor that counts the items already returned (SQL's ``OFFSET``) then repeats an item when one
is added ahead of it and skips one when an item already returned leaves the listing. Items
added or removed while paging may be listed or not; every other item must be listed once, in
the listing's order.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, returns
from conformance.checks.reads import listed_id
from conformance.checks.scenarios import create, live_hook, pending_run, started_run
from worldspec.pagination import PaginatedResponse, PaginationOptions
from worldspec.protocol import World

ITEMS = 6
"""Items each listing holds when paging begins."""
PAGE_SIZE = 2
"""The limit the listings are paged with: three pages, two changes between them."""
PAGE_CAP = 3 * ITEMS
"""Pages followed before the listing is called endless."""

Read = Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]]


@dataclass
class _Changing:
    """A listing and the change made to it after each page: ``change`` receives the ids the page
    listed and returns the ids it took out of the listing (ids it added need not be told)."""

    name: str
    read: Read
    change: Callable[[list[str]], Awaitable[set[str]]]
    change_said: str
    left: set[str] = field(default_factory=set)


async def _runs_created_ahead(world: World) -> _Changing:
    """``runs.list`` of one workflow, newest first; a run of that workflow is created after
    each page, ahead of every run listed."""
    name = make.workflow_name()
    for _ in range(ITEMS):
        await pending_run(world, make.run_created(name=name))

    async def change(_listed: list[str]) -> set[str]:
        await pending_run(world, make.run_created(name=name))
        return set()

    return _Changing(
        f"runs.list(workflowName={name!r})",
        lambda page: world.runs.list(workflow_name=name, pagination=page),
        change,
        "a run of that workflow was created after each page",
    )


async def _runs_leaving_the_status(world: World) -> _Changing:
    """``runs.list`` of one workflow's running runs; after each page, the first run it listed
    completes and leaves the listing."""
    name = make.workflow_name()
    for _ in range(ITEMS):
        run_id = await pending_run(world, make.run_created(name=name))
        await create(world, run_id, make.run_started())

    async def change(listed: list[str]) -> set[str]:
        if not listed:
            return set()
        await create(world, listed[0], make.run_completed())
        return {listed[0]}

    return _Changing(
        f"runs.list(workflowName={name!r}, status='running')",
        lambda page: world.runs.list(workflow_name=name, status="running", pagination=page),
        change,
        "the first run of each page completed after it was listed",
    )


async def _steps_created_ahead(world: World) -> _Changing:
    """``steps.list`` of a run, newest first; a step is created after each page."""
    run_id = await started_run(world)
    for _ in range(ITEMS):
        await create(world, run_id, make.step_created(make.new_id("step")))

    async def change(_listed: list[str]) -> set[str]:
        await create(world, run_id, make.step_created(make.new_id("step")))
        return set()

    return _Changing(
        f"steps.list({run_id!r})",
        lambda page: world.steps.list(run_id, pagination=page),
        change,
        "a step of the run was created after each page",
    )


async def _hooks_disposed_behind(world: World) -> _Changing:
    """``hooks.list`` of a run, oldest first; after each page, the first hook it listed is
    disposed and leaves the listing."""
    run_id = await started_run(world)
    for _ in range(ITEMS):
        await live_hook(world, run_id)

    async def change(listed: list[str]) -> set[str]:
        if not listed:
            return set()
        await create(world, run_id, make.hook_disposed(listed[0]))
        return {listed[0]}

    return _Changing(
        f"hooks.list(runId={run_id!r})",
        lambda page: world.hooks.list(run_id=run_id, pagination=page),
        change,
        "the first hook of each page was disposed after it was listed",
    )


LISTINGS = (_runs_created_ahead, _runs_leaving_the_status, _steps_created_ahead, _hooks_disposed_behind)
"""The listings COH-007 pages, each with its change."""


async def _page_while_changing(listing: _Changing) -> tuple[list[str], list[list[str]]]:
    """The listing as one page read before paging began, and the pages read by ``PAGE_SIZE``
    with the change made after each page."""
    before = await returns(listing.read(PaginationOptions(limit=100)), f"{listing.name} (limit 100)")
    pages: list[list[str]] = []
    cursor: str | None = None
    while len(pages) < PAGE_CAP:
        options = PaginationOptions(limit=PAGE_SIZE, **({} if cursor is None else {"cursor": cursor}))
        label = f"{listing.name} (limit {PAGE_SIZE}, page {len(pages) + 1})"
        page = await returns(listing.read(options), label)
        pages.append([listed_id(item) for item in page.data])
        if not page.has_more or page.cursor is None:
            break
        listing.left |= await listing.change(pages[-1])
        cursor = page.cursor
    else:
        fail(
            f"paging {listing.name} by {PAGE_SIZE} while it changes ends",
            f"still said hasMore after {PAGE_CAP} pages",
        )
    return [listed_id(item) for item in before.data], pages


@invariant("COH-007")
async def test_pages_hold_while_the_listing_changes(world: World) -> None:
    """Paged by 2 while it changes between pages, a listing of 6 items lists each item that was
    in it before paging began and stayed in it exactly once, in the order one page read before
    paging listed them: ``runs.list`` of a workflow while runs of it are created,
    ``runs.list`` of its running runs while runs already listed complete, ``steps.list`` while
    steps are created, ``hooks.list`` of a run while hooks already listed are disposed. Items
    created or removed meanwhile may be listed or not, but none twice."""
    for build in LISTINGS:
        listing = await build(world)
        before, pages = await _page_while_changing(listing)
        seen = [ident for page in pages for ident in page]
        stayed = [ident for ident in before if ident not in listing.left]
        twice = sorted({ident for ident in seen if seen.count(ident) > 1})
        missing = [ident for ident in stayed if ident not in seen]
        in_order = [ident for ident in dict.fromkeys(seen) if ident in stayed] == [
            ident for ident in stayed if ident in seen
        ]
        if twice or missing or not in_order:
            fail(
                f"paging {listing.name} by {PAGE_SIZE} while {listing.change_said} lists every item "
                "that stayed in it once, in order, and no item twice",
                f"listed {len(twice)} twice and left out {len(missing)}"
                + ("" if in_order else ", out of order"),
                ("listed before paging", before),
                ("pages", pages),
                ("left the listing while paging", sorted(listing.left)),
                ("listed twice", twice),
                ("left out", missing),
            )
