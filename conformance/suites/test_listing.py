"""Listing and pagination (§9): completeness, cursors, defaults, filters, ``resolveData``, limits."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_args

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import listed_id
from conformance.checks.scenarios import pending_run
from worldspec import errors
from worldspec.entities import RunStatus
from worldspec.pagination import PaginatedResponse, PaginationOptions
from worldspec.protocol import World
from worldspec.ulid import MonotonicUlid

T = TypeVar("T")
_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
"""Examples come from the profile (``--world-profile``); these tests do their own timing."""
_mint = MonotonicUlid()

STEPS, HOOKS, RUNS, LARGE_STEPS = 40, 30, 12, 1000
"""Sizes of the listing fixtures; LARGE_STEPS gives a log of 1,002 events, past the 1,000 limit."""
RUN_SPACING = 0.002
"""Seconds between the creations of runs, steps or hooks whose order a test judges, so that
"newest first" is decided by the clock alone (docs/decisions.md, "Entities of one millisecond")."""


def _id(kind: str) -> str:
    """An id as the runtime mints it, rising in creation order even within a millisecond."""
    return f"{kind}_{_mint()}"


@dataclass(frozen=True)
class _Listing:
    """One list call of the World and the ids it must return."""

    name: str
    read: Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]]
    expected: frozenset[str]


_BUILT: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


async def _once_per_world(world: World, build: Callable[[Any], Awaitable[T]]) -> T:
    """``build(world)``, awaited once per World. Hypothesis runs all examples of a test against
    the one World the kit opened for that test, so its data is built for the first example."""
    built = _BUILT.setdefault(world, {})
    if build.__name__ not in built:
        built[build.__name__] = await build(world)
    return built[build.__name__]  # type: ignore[no-any-return]


async def _create(world: World, run_id: str | None, request: Any) -> Any:
    return await returns(world.events.create(run_id, request), request.event_type)


async def _runs_of(world: World, name: str, count: int) -> list[str]:
    """``count`` runs of workflow ``name``, created at distinct milliseconds, oldest first."""
    runs = []
    for _ in range(count):
        runs.append(await pending_run(world, make.run_created(name=name)))
        await asyncio.sleep(RUN_SPACING)
    return runs


async def _catalogue(world: World) -> list[_Listing]:
    """A run with 40 steps, 30 hooks and one step's five events, and 12 runs of one workflow."""
    name = make.workflow_name()
    runs = await _runs_of(world, name, RUNS)
    run_id = runs[0]
    await _create(world, run_id, make.run_started())
    steps = [_id("step") for _ in range(STEPS)]
    hooks = [_id("hook") for _ in range(HOOKS)]
    for step_id in steps:
        await _create(world, run_id, make.step_created(step_id))
    for hook_id in hooks:
        await _create(world, run_id, make.hook_created(hook_id, make.token()))
    busy = steps[0]
    for request in (
        make.step_started(busy),
        make.step_retrying(busy),
        make.step_started(busy),
        make.step_completed(busy),
    ):
        await _create(world, run_id, request)
    log = await world.events.list(run_id, pagination=PaginationOptions(limit=1000))
    everything = frozenset(listed_id(event) for event in log.data)
    by_busy = frozenset(listed_id(event) for event in log.data if event.correlation_id == busy)

    def ordered(order: Any) -> Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]]:
        return lambda page: world.events.list(
            run_id, pagination=page.model_copy(update={"sort_order": order})
        )

    return [
        _Listing("events.list (asc)", ordered("asc"), everything),
        _Listing("events.list (desc)", ordered("desc"), everything),
        _Listing(
            "listByCorrelationId",
            lambda page: world.events.list_by_correlation_id(busy, run_id=run_id, pagination=page),
            by_busy,
        ),
        _Listing(
            "runs.list", lambda page: world.runs.list(workflow_name=name, pagination=page), frozenset(runs)
        ),
        _Listing("steps.list", lambda page: world.steps.list(run_id, pagination=page), frozenset(steps)),
        _Listing(
            "hooks.list", lambda page: world.hooks.list(run_id=run_id, pagination=page), frozenset(hooks)
        ),
    ]


async def _walk(listing: _Listing, limit: int) -> list[PaginatedResponse[Any]]:
    """The pages of ``listing`` read with ``limit`` until ``hasMore`` is false."""
    pages: list[PaginatedResponse[Any]] = []
    cursor: str | None = None
    while True:
        options = PaginationOptions(limit=limit, **({} if cursor is None else {"cursor": cursor}))
        page = await returns(listing.read(options), f"{listing.name} (limit {limit}, cursor {cursor!r})")
        pages.append(page)
        if not page.has_more:
            return pages
        if page.cursor is None:
            fail(f"{listing.name} with hasMore: true gives a cursor", "gave none", ("page", page))
        if len(pages) > len(listing.expected) + 1:
            fail(
                f"paging {listing.name} by {limit} ends after at most {len(listing.expected) + 1} pages",
                f"still said hasMore: true after {len(pages)}",
            )
        cursor = page.cursor


def _ids(pages: list[PaginatedResponse[Any]]) -> list[str]:
    return [listed_id(item) for page in pages for item in page.data]


async def _catalogue_in_pages_of_1000(world: World) -> list[tuple[_Listing, list[str]]]:
    """Each listing of the catalogue with the ids it returns paged by 1000. Read once per World:
    the examples only read, so every example's paging is compared with the same reference."""
    return [(listing, _ids(await _walk(listing, 1000))) for listing in await _catalogue(world)]


@invariant("LIST-001", lengthy=True)
@_SETTINGS
@given(page_size=st.integers(1, 1000))
@example(page_size=1)
@example(page_size=2)
@example(page_size=STEPS)
@example(page_size=STEPS + 1)
@example(page_size=1000)
async def test_paging_yields_each_item_once_in_order(world: World, page_size: int) -> None:
    """Paging with a fixed limit (1 to 1000) until ``hasMore`` is false yields every item once,
    in the order one page of 1000 lists them: events (both orders), one step's events, runs of
    a workflow, a run's steps and its hooks."""
    for listing, reference in await _once_per_world(world, _catalogue_in_pages_of_1000):
        paged = _ids(await _walk(listing, page_size))
        if len(set(reference)) != len(reference) or set(reference) != listing.expected:
            fail(
                f"{listing.name} returns each of its {len(listing.expected)} items once",
                f"returned {len(reference)} ids, {len(set(reference))} distinct",
                ("expected", sorted(listing.expected)),
                ("returned", reference),
            )
        if paged != reference:
            fail(
                f"paging {listing.name} by {page_size} yields the items once each, in order",
                "yielded another sequence",
                ("one page of 1000", reference),
                (f"pages of {page_size}", paged),
            )


@invariant("LIST-002")
async def test_has_more_comes_with_a_fresh_cursor(world: World) -> None:
    """Every page with ``hasMore: true`` carries a non-null cursor that no earlier page of the
    same sequence carried, paging each listing by 1 and by 7."""
    for listing in await _catalogue(world):
        for limit in (1, 7):
            seen: set[str] = set()
            for page in await _walk(listing, limit):
                if page.has_more and (page.cursor is None or page.cursor in seen):
                    fail(
                        f"{listing.name} (by {limit}) with hasMore: true gives a fresh, non-null cursor",
                        f"gave {page.cursor!r} (already given: {page.cursor in seen})",
                    )
                if page.cursor is not None:
                    seen.add(page.cursor)


@invariant("LIST-003")
async def test_empty_result_shape(world: World) -> None:
    """An empty listing is exactly ``{data: [], cursor: null, hasMore: false}``: runs of an
    unused workflow name, steps and hooks of a run that has none, events of an unused
    correlationId. The events, steps and hooks of a run that does not exist are such an empty
    listing too, or a refusal with a contract error (docs/decisions.md, "Listing what a
    missing run holds")."""
    run_id = await pending_run(world)
    page = PaginationOptions(limit=10)
    empties: dict[str, Callable[[], Awaitable[PaginatedResponse[Any]]]] = {
        "runs.list": lambda: world.runs.list(workflow_name=make.workflow_name(), pagination=page),
        "steps.list": lambda: world.steps.list(run_id, pagination=page),
        "hooks.list": lambda: world.hooks.list(run_id=run_id, pagination=page),
        "listByCorrelationId": lambda: world.events.list_by_correlation_id(
            make.new_id("step"), run_id=run_id, pagination=page
        ),
    }
    for name, read in empties.items():
        _require_empty(name, await returns(read(), name))
    nowhere = make.new_id("wrun")
    of_no_run: dict[str, Callable[[], Awaitable[PaginatedResponse[Any]]]] = {
        "events.list": lambda: world.events.list(nowhere, pagination=page),
        "steps.list": lambda: world.steps.list(nowhere, pagination=page),
        "hooks.list": lambda: world.hooks.list(run_id=nowhere, pagination=page),
        "listByCorrelationId": lambda: world.events.list_by_correlation_id(
            make.new_id("step"), run_id=nowhere, pagination=page
        ),
    }
    for name, read in of_no_run.items():
        action = f"{name} of a run that does not exist ({nowhere})"
        try:
            got = await read()
        except errors.WorkflowError:
            continue
        except Exception as error:
            fail(
                f"{action} returns an empty page or refuses with a contract error",
                f"raised {type(error).__name__}: {error}",
            )
        _require_empty(action, got)


def _require_empty(listing: str, got: PaginatedResponse[Any]) -> None:
    if got.data or got.cursor is not None or got.has_more is not False:
        fail(
            f"an empty {listing} is {{data: [], cursor: null, hasMore: false}}",
            "returned otherwise",
            ("got", got),
        )


ORDERED_RUNS = 6
"""Runs LIST-004 lists in one status: six, so that a store's own order (a set's, a hash's)
matches creation order by chance once in 720 runs."""


@invariant("LIST-004")
async def test_default_orders(world: World) -> None:
    """Without ``sortOrder``: events are listed oldest first (append order), runs and steps
    newest first, hooks oldest first. "Newest" is by creation: the oldest run and the oldest
    step change after the others were created, and keep their places. The orders hold
    whatever the filter: six runs listed without one, and by ``status`` (with and without
    ``workflowName``), are newest created first though the oldest was started first and the
    others in reverse, and ``hooks.list`` without a runId lists six hooks of two runs oldest
    first (other tests' runs and hooks may come between the test's own there). Runs, steps and
    hooks are created at distinct milliseconds: of entities created within one, either may come
    first."""
    name = make.workflow_name()
    runs = await _runs_of(world, name, ORDERED_RUNS)
    run_id = runs[0]
    steps, hooks = [_id("step") for _ in range(3)], [_id("hook") for _ in range(3)]
    appended = [(await world.events.list(run_id, pagination=PaginationOptions(limit=10))).data[0].event_id]
    appended.append((await _create(world, run_id, make.run_started())).event.event_id)
    for request in [
        *map(make.step_created, steps),
        *(make.hook_created(hook_id, make.token()) for hook_id in hooks),
    ]:
        appended.append((await _create(world, run_id, request)).event.event_id)
        await asyncio.sleep(RUN_SPACING)
    await asyncio.sleep(RUN_SPACING)
    appended.append((await _create(world, run_id, make.step_started(steps[0]))).event.event_id)
    for later in runs[:0:-1]:
        await _create(world, later, make.run_started())
        await asyncio.sleep(RUN_SPACING)
    every_run_hooks = [*hooks, *(_id("hook") for _ in range(3))]
    for hook_id in every_run_hooks[len(hooks) :]:
        await _create(world, runs[1], make.hook_created(hook_id, make.token()))
        await asyncio.sleep(RUN_SPACING)
    page = PaginationOptions(limit=100)
    defaults: list[tuple[str, Callable[[], Awaitable[PaginatedResponse[Any]]], list[str]]] = [
        ("events (oldest first)", lambda: world.events.list(run_id, pagination=page), appended),
        ("runs (newest first)", lambda: world.runs.list(workflow_name=name, pagination=page), runs[::-1]),
        (
            "runs of one status (newest created first)",
            lambda: world.runs.list(workflow_name=name, status="running", pagination=page),
            runs[::-1],
        ),
        ("steps (newest first)", lambda: world.steps.list(run_id, pagination=page), steps[::-1]),
        ("hooks (oldest first)", lambda: world.hooks.list(run_id=run_id, pagination=page), hooks),
    ]
    for listed, read, expected in defaults:
        got = [listed_id(item) for item in (await returns(read(), f"listing {listed}")).data]
        if got != expected:
            fail(f"by default, {listed}", "listed another order", ("expected", expected), ("listed", got))
    shared: list[tuple[str, Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]], list[str]]] = [
        (
            "runs of every workflow (newest first)",
            lambda options: world.runs.list(pagination=options),
            runs[::-1],
        ),
        (
            "runs of one status, of every workflow (newest created first)",
            lambda options: world.runs.list(status="running", pagination=options),
            runs[::-1],
        ),
        (
            "hooks of every run (oldest first)",
            lambda options: world.hooks.list(pagination=options),
            every_run_hooks,
        ),
    ]
    for listed, read_page, expected in shared:
        among_others = await _order_among_others(listed, read_page, expected)
        if among_others is not None and among_others != expected:
            fail(
                f"by default, {listed}",
                "listed the test's own in another order",
                ("expected", expected),
                ("listed", among_others),
            )


SHARED_PAGE_CAP = 100
"""Pages of 1000 ``_order_among_others`` reads before it gives up on finding the test's items."""


async def _order_among_others(
    listed: str, read_page: Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]], ours: list[str]
) -> list[str] | None:
    """The items of ``ours`` in the order a listing that also holds other tests' items returns
    them, paged by 1000 until all of ours are seen or the listing ends; ``None`` when
    ``SHARED_PAGE_CAP`` pages did not get there (a World holding that many items from earlier
    runs before the test's own: its order is then not judged here)."""
    wanted, seen = set(ours), []
    cursor: str | None = None
    for _ in range(SHARED_PAGE_CAP):
        options = PaginationOptions(limit=1000, **({} if cursor is None else {"cursor": cursor}))
        found = await returns(read_page(options), f"listing {listed}")
        seen += [key for key in map(listed_id, found.data) if key in wanted]
        if len(seen) >= len(ours) or not found.has_more:
            return seen
        cursor = found.cursor
    return None


async def _statuses(world: World, name: str) -> dict[RunStatus, list[str]]:
    """Runs of workflow ``name`` in every status, some ended before they started (a run may end
    while pending, §4.2), and a legacy run (specVersion 1) cancelled (§6.2): status → runIds."""
    made: dict[RunStatus, list[str]] = {status: [] for status in get_args(RunStatus)}
    finishes = {
        "completed": make.run_completed(),
        "failed": make.run_failed(),
        "cancelled": make.run_cancelled(),
    }
    statuses: tuple[tuple[RunStatus, bool], ...] = (
        ("pending", False),
        ("running", True),
        ("running", True),
        ("completed", True),
        ("failed", True),
        ("cancelled", True),
        ("cancelled", True),
        ("completed", False),
        ("failed", False),
        ("cancelled", False),
    )
    for status, started in statuses:
        run_id = await pending_run(world, make.run_created(name=name))
        if started:
            await _create(world, run_id, make.run_started())
        if status in finishes:
            await _create(world, run_id, finishes[status])
        made[status].append(run_id)
    legacy = await pending_run(world, make.run_created(name=name, input={"legacy": True}, spec_version=1))
    await _create(world, legacy, make.run_cancelled())
    made["cancelled"].append(legacy)
    return made


async def _exactly(label: str, call: Awaitable[PaginatedResponse[Any]], expected: set[str]) -> None:
    got = [listed_id(item) for item in (await returns(call, label)).data]
    if sorted(got) != sorted(expected):
        fail(
            f"{label} returns exactly the matching items",
            "returned others",
            ("expected", sorted(expected)),
            ("got", got),
        )


@invariant("LIST-005")
async def test_filters(world: World) -> None:
    """``runs.list`` returns exactly the runs of ``workflowName``, and of ``status`` too when
    given, also for runs that ended while still pending and a cancelled legacy run (names that
    differ only in case, normal form, a prefix or suffix, trailing spaces, a wildcard character,
    or a key separator and a status after the name are different names);
    ``steps.list``/``hooks.list`` with a runId return exactly that run's steps/hooks."""
    name = make.workflow_name()
    made = await _statuses(world, name)
    await _statuses(world, make.workflow_name())
    page = PaginationOptions(limit=1000)
    everyone = {run_id for ids in made.values() for run_id in ids}
    await _exactly(
        f"runs.list(workflowName={name!r})", world.runs.list(workflow_name=name, pagination=page), everyone
    )
    for status, ids in made.items():
        call = world.runs.list(workflow_name=name, status=status, pagination=page)
        await _exactly(f"runs.list(workflowName, status={status!r})", call, set(ids))
    children = {
        run_id: ([_id("step") for _ in range(3)], [_id("hook") for _ in range(3)])
        for run_id in made["running"]
    }
    for run_id, (steps, hooks) in children.items():
        for step_id, hook_id in zip(steps, hooks, strict=True):
            await _create(world, run_id, make.step_created(step_id))
            await _create(world, run_id, make.hook_created(hook_id, make.token()))
    for run_id, (steps, hooks) in children.items():
        await _exactly(f"steps.list({run_id!r})", world.steps.list(run_id, pagination=page), set(steps))
        await _exactly(
            f"hooks.list(runId={run_id!r})", world.hooks.list(run_id=run_id, pagination=page), set(hooks)
        )
    for twin in values.twins(lambda core: f"workflow//./worldspec//{core}"):
        runs = {
            twin_name: await pending_run(world, make.run_created(name=twin_name))
            for twin_name in (twin.first, twin.second)
        }
        for twin_name, run_id in runs.items():
            await _exactly(
                f"runs.list(workflowName={twin_name!r}) beside a name that differs by {twin.differ_by}",
                world.runs.list(workflow_name=twin_name, pagination=page),
                {run_id},
            )


@invariant("LIST-006")
async def test_resolve_data_none_on_entities(world: World) -> None:
    """With ``resolveData: 'none'``, runs and steps (get and list) lose ``input`` and ``output``,
    hooks (get and list) lose ``metadata``, and every other field stays as with ``'all'``."""
    name = make.workflow_name()
    run_id = str(
        (await _create(world, None, make.run_created(name=name, execution_context={"k": "v"}))).run.run_id
    )
    step_id, hook_id = _id("step"), _id("hook")
    for request in (
        make.run_started(),
        make.step_created(step_id),
        make.step_started(step_id),
        make.step_retrying(step_id),
        make.step_started(step_id),
        make.step_completed(step_id),
        make.hook_created(hook_id, make.token(), metadata=b"devl\x00meta", is_webhook=False),
    ):
        await _create(world, run_id, request)
    page = PaginationOptions(limit=10)
    reads: list[tuple[str, Callable[[Any], Awaitable[Any]], tuple[str, ...]]] = [
        ("runs.get", lambda rd: world.runs.get(run_id, resolve_data=rd), ("input", "output")),
        (
            "runs.list",
            lambda rd: world.runs.list(workflow_name=name, pagination=page, resolve_data=rd),
            ("input", "output"),
        ),
        ("steps.get", lambda rd: world.steps.get(run_id, step_id, resolve_data=rd), ("input", "output")),
        (
            "steps.list",
            lambda rd: world.steps.list(run_id, pagination=page, resolve_data=rd),
            ("input", "output"),
        ),
        ("hooks.get", lambda rd: world.hooks.get(hook_id, resolve_data=rd), ("metadata",)),
        (
            "hooks.list",
            lambda rd: world.hooks.list(run_id=run_id, pagination=page, resolve_data=rd),
            ("metadata",),
        ),
    ]
    for label, read, dropped in reads:
        whole, bare = (
            await returns(read("all"), label),
            await returns(read("none"), f"{label} (resolveData 'none')"),
        )
        for full, stripped in zip(
            getattr(whole, "data", [whole]), getattr(bare, "data", [bare]), strict=True
        ):
            expected = {key: value for key, value in full.to_wire().items() if key not in dropped}
            if stripped.to_wire() != expected:
                fail(
                    f"{label} with resolveData 'none' drops {', '.join(dropped)} and keeps every other field",
                    "returned otherwise",
                    ("with 'all'", full),
                    ("with 'none'", stripped),
                )


async def _large_run(world: World) -> str:
    """A run with 1,000 steps: 1,002 events."""
    run_id = await pending_run(world)
    await _create(world, run_id, make.run_started())
    for _ in range(LARGE_STEPS):
        await _create(world, run_id, make.step_created(_id("step")))
    return run_id


@invariant("LIST-007", lengthy=True)
@_SETTINGS
@given(limit=st.integers(1, 1000))
@example(limit=1)
@example(limit=999)
@example(limit=1000)
async def test_limit_is_honoured(world: World, limit: int) -> None:
    """A ``limit`` of 1 to 1000 is honoured: a page holds exactly ``limit`` items while more
    remain, on a log of 1,002 events and a run of 1,000 steps, and the next page continues."""
    run_id = await _once_per_world(world, _large_run)
    reads: list[tuple[str, Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]], int]] = [
        ("events.list", lambda page: world.events.list(run_id, pagination=page), LARGE_STEPS + 2),
        ("steps.list", lambda page: world.steps.list(run_id, pagination=page), LARGE_STEPS),
    ]
    for label, read, total in reads:
        first = await returns(read(PaginationOptions(limit=limit)), f"{label}(limit={limit})")
        if len(first.data) != min(limit, total) or first.has_more != (limit < total):
            fail(
                f"{label} with limit {limit} over {total} items returns {min(limit, total)} "
                f"and hasMore: {limit < total}",
                f"returned {len(first.data)} and hasMore: {first.has_more}",
            )
        if first.has_more:
            second = await returns(
                read(PaginationOptions(limit=limit, cursor=first.cursor)), f"{label}, page 2"
            )
            if len(second.data) != min(limit, total - limit):
                fail(
                    f"the second page of {label} by {limit} holds {min(limit, total - limit)} items",
                    f"held {len(second.data)}",
                )


UNUSABLE_CURSOR = "%%not-a-cursor%%"
"""No World issues this: it is not base64 or JSON, nor an id of any kind."""


@invariant("LIST-008")
async def test_unusable_cursor_is_refused(world: World) -> None:
    """A cursor the World never issued is refused with ``WorkflowWorldError`` status 400 by
    every list call: events.list, listByCorrelationId, runs.list, steps.list, hooks.list."""
    run_id = await pending_run(world)
    page = PaginationOptions(limit=10, cursor=UNUSABLE_CURSOR)
    reads: dict[str, Callable[[], Awaitable[PaginatedResponse[Any]]]] = {
        "events.list": lambda: world.events.list(run_id, pagination=page),
        "listByCorrelationId": lambda: world.events.list_by_correlation_id(
            make.new_id("step"), run_id=run_id, pagination=page
        ),
        "runs.list": lambda: world.runs.list(pagination=page),
        "steps.list": lambda: world.steps.list(run_id, pagination=page),
        "hooks.list": lambda: world.hooks.list(run_id=run_id, pagination=page),
    }
    for label, read in reads.items():
        error = await raises(errors.WorkflowWorldError, read(), f"{label} with cursor {UNUSABLE_CURSOR!r}")
        status = getattr(error, "status", None)
        if status != 400:
            fail(f"{label} refuses an unusable cursor with status 400", f"refused it with status {status}")
