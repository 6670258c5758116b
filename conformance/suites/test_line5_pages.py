"""Event pages on write results, on the 5.x line (world-contract-v7.md §5.4): the ``sinceCursor``
delta, its precedence over the skipped-slot report, and the complete log a ``hook_received``
with ``preloadEvents`` may carry.

A delta and the ``preloadEvents`` log are optional, and each rule holds of the pages a World
returns: a World that never returns one keeps them (its test passes without a page to judge),
a World that returns one is held to them.
"""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import deviate, fail, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import create, event_in, from_now, live_hook, started_run
from worldspec.events import Event, EventRequest, EventResult
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions, ResolveData
from worldspec.protocol import World
from worldspec.wire_types import MISSING

LONG_DELTA = 30
"""Steps before the write in the long scenario: more than some Worlds put in one delta page."""


def _wire(events: list[Event]) -> list[dict[str, Any]]:
    return [event.to_wire() for event in events]


def _page_of(result: EventResult) -> dict[str, Any]:
    """The page a result carries, in wire form: ``events``, ``cursor``, ``hasMore`` as shown
    (``MISSING`` where absent)."""
    shown = result.to_wire()
    events = MISSING if result.events is MISSING else _wire(list(result.events))
    return {
        "events": events,
        "cursor": shown.get("cursor", MISSING),
        "hasMore": shown.get("hasMore", MISSING),
    }


async def _cursor_after(world: World, run_id: str, count: int) -> str:
    """The ``events.list`` cursor after the first ``count`` events of a log holding more."""
    listed = await returns(
        world.events.list(run_id, pagination=PaginationOptions(limit=count, sort_order="asc")),
        f"events.list (limit {count}) to take a cursor",
    )
    if not isinstance(listed.cursor, str) or listed.has_more is not True:
        deviate(
            f"events.list with limit {count} on a longer log",
            f"returned hasMore {listed.has_more!r} and cursor {listed.cursor!r}",
            "EVT-101",
            ("page", listed),
        )
    return listed.cursor


async def _listed_from(
    world: World, run_id: str, cursor: str, resolve: ResolveData = "all", limit: int | None = None
) -> dict[str, Any]:
    """What ``events.list({cursor, sortOrder: 'asc'})`` (with ``limit`` if given) returns now,
    as a page in wire form."""
    options = PaginationOptions(
        cursor=cursor, sort_order="asc", **({} if limit is None else {"limit": limit})
    )
    listed = await returns(
        world.events.list(run_id, pagination=options, resolve_data=resolve),
        "events.list from the sinceCursor",
    )
    return {"events": _wire(list(listed.data)), "cursor": listed.cursor, "hasMore": listed.has_more}


def _writes_of_every_kind() -> list[EventRequest]:
    """Writes of the kinds a runtime sends with ``sinceCursor``, in an order a running run
    accepts: a step's life, a hook's, a wait's, an attribute, the run's end."""
    step_id, hook_id, wait_id = make.new_id("step"), make.new_id("hook"), make.new_id("wait")
    return [
        make.step_created(step_id, input=b"\x00delta"),
        make.step_started(step_id),
        make.step_completed(step_id),
        make.hook_created(hook_id, make.token()),
        make.hook_received(hook_id),
        make.hook_disposed(hook_id),
        make.wait_created(wait_id, from_now(3600)),
        make.wait_completed(wait_id),
        make_line5.attr_set([("delta", "yes")]),
        make.run_completed(),
    ]


async def _delta_write(
    world: World, run_id: str, request: EventRequest, cursor: str, label: str, **params: Any
) -> tuple[EventResult, dict[str, Any] | None]:
    """Send ``request`` with ``sinceCursor: cursor``; the result, and the delta it carries
    checked against ``events.list`` right after the write (``None`` when it carries none)."""
    sent = make.create_params(SpecLine.LINE_5, since_cursor=cursor, **params)
    result = await returns(world.events.create(run_id, request, sent), label)
    page = _page_of(result)
    if page["events"] is MISSING:
        return result, None
    resolve: ResolveData = "none" if params.get("resolve_data") == "none" else "all"
    truncated = page["hasMore"] is True
    if truncated and not page["events"]:
        fail(f"{label}: a delta with hasMore true holds events", "returned none", ("result", result))
    listed = await _listed_from(world, run_id, cursor, resolve, len(page["events"]) if truncated else None)
    if page != listed:
        sized = f", limit {len(page['events'])}" if truncated else ""
        fail(
            f"{label}: the delta, cursor and hasMore included, is what events.list({{cursor, "
            f"sortOrder: 'asc'{sized}}}) returns right after the write",
            "returned another page",
            ("delta", page),
            ("events.list", listed),
        )
    return result, listed


def _holds_the_written_event(result: EventResult, delta: dict[str, Any], label: str) -> None:
    """A whole delta (``hasMore: false``) holds the event the write committed."""
    written = event_in(result, label, "EVT-011").event_id
    if delta["hasMore"] is not True and written not in [event["eventId"] for event in delta["events"]]:
        fail(f"{label}: the delta includes the written event", "left it out", ("result", result))


@invariant("PAGE-001")
async def test_since_cursor_delta_is_the_listing(world: World) -> None:
    """A write of each kind (step, hook, wait, attr_set, run end) sent with ``sinceCursor``,
    taken once just before the last event and once after the first, and a write whose delta
    spans 32 events, returns either no page or exactly what ``events.list({cursor, sortOrder:
    'asc'})`` returns right after it: the same events (ids, order, data, bytes), cursor and
    hasMore, the written event among them. A delta that says ``hasMore: true`` is a first page:
    it equals that listing with ``limit`` its length."""
    run_id = await started_run(world)
    for index, request in enumerate(_writes_of_every_kind()):
        held = len(await all_events(world, run_id))
        count = held - 1 if index % 2 == 0 else 1
        cursor = await _cursor_after(world, run_id, count)
        label = f"{request.event_type} with sinceCursor after event {count} of {held}"
        result, delta = await _delta_write(world, run_id, request, cursor, label)
        if delta is not None:
            _holds_the_written_event(result, delta, label)
    run_id = await started_run(world)
    for _ in range(LONG_DELTA):
        await create(world, run_id, make.step_created(make.new_id("step")))
    label = f"step_created with sinceCursor after event 1 of {LONG_DELTA + 2}"
    cursor = await _cursor_after(world, run_id, 1)
    result, delta = await _delta_write(world, run_id, make.step_created(make.new_id("step")), cursor, label)
    if delta is not None:
        _holds_the_written_event(result, delta, label)


@invariant("PAGE-002")
async def test_conflicting_hook_created_keeps_the_delta(world: World) -> None:
    """A World that returns a ``sinceCursor`` delta on ``hook_created`` returns one, equal to
    ``events.list`` from that cursor, when the same create commits ``hook_conflict`` because
    another run's live hook holds the token; the ``hook_conflict`` is in it."""
    holder = await started_run(world)
    _, token = await live_hook(world, holder)
    for label, hook_token in (("a free token", make.token()), ("a token another run holds", token)):
        run_id = await started_run(world)
        await live_hook(world, run_id)
        cursor = await _cursor_after(world, run_id, 2)
        action = f"hook_created with {label} and sinceCursor"
        result, delta = await _delta_write(
            world, run_id, make.hook_created(make.new_id("hook"), hook_token), cursor, action
        )
        if hook_token != token:
            if delta is None:
                return
            continue
        committed = event_in(result, action, "HOOK-003")
        if delta is None:
            fail(
                "a World that answers sinceCursor on hook_created answers it when the create commits "
                "hook_conflict",
                "returned no events",
                ("result", result),
            )
        if committed.event_type != "hook_conflict" or committed.event_id not in [
            event["eventId"] for event in delta["events"]
        ]:
            fail(f"{action}: the delta includes the hook_conflict", "did not", ("result", result))


@invariant("PAGE-003")
async def test_delta_wins_over_the_report(world: World) -> None:
    """With both ``sinceCursor`` and an ``eventCount`` below the log (so a report would be due),
    the result's page is the delta, events, cursor and hasMore: whether the cursor lies before
    or after the slot the count names."""
    probe = await started_run(world)
    await create(world, probe, make.step_created(make.new_id("step")))
    _, probed = await _delta_write(
        world, probe, make.step_created(make.new_id("step")), await _cursor_after(world, probe, 2), "probe"
    )
    if probed is None:
        return
    for cursor_at, count in ((4, 2), (2, 4)):
        run_id = await started_run(world)
        for _ in range(4):
            await create(world, run_id, make.step_created(make.new_id("step")))
        cursor = await _cursor_after(world, run_id, cursor_at)
        label = f"step_created with sinceCursor after event {cursor_at} and eventCount {count} (log of 6)"
        sent = make.create_params(SpecLine.LINE_5, since_cursor=cursor, event_count=count)
        result = await returns(
            world.events.create(run_id, make.step_created(make.new_id("step")), sent), label
        )
        listed = await _listed_from(world, run_id, cursor)
        if _page_of(result) != listed:
            fail(
                f"{label}: the page is the delta, events.list from the cursor, not the skipped-slot report",
                "returned another page",
                ("page", _page_of(result)),
                ("events.list", listed),
            )


async def _preloading_receive(
    world: World, run_id: str, hook_id: str, label: str, resolve: ResolveData = "all"
) -> tuple[EventResult, str]:
    """``hook_received`` with ``preloadEvents`` and a fresh ``resumeId``; its result and the id."""
    resume_id = make.new_id("resume")
    params = make.create_params(
        SpecLine.LINE_5, preload_events=True, resume_id=resume_id, resolve_data=resolve
    )
    return await returns(world.events.create(run_id, make.hook_received(hook_id), params), label), resume_id


@invariant("PAGE-004")
async def test_preload_events_carries_the_whole_log(world: World) -> None:
    """A ``hook_received`` with ``preloadEvents`` (and a ``resumeId``) whose result has events
    carries the whole log, ascending, equal to ``events.list`` right after (``run_created``,
    ``run_started`` and that ``hook_received`` included), ``hasMore: false``, a non-null
    cursor, the run with ``startedAt``, and ``maxEvents``, a positive integer. For a short log
    and for one longer than a page of 100."""
    for steps in (0, 120):
        run_id = await started_run(world)
        hook_id, _ = await live_hook(world, run_id)
        for _ in range(steps):
            await create(world, run_id, make.step_created(make.new_id("step")))
        label = f"hook_received with preloadEvents on a log of {steps + 3} events"
        result, _ = await _preloading_receive(world, run_id, hook_id, label)
        if result.events is MISSING:
            continue
        log = await all_events(world, run_id)
        shown = result.to_wire()
        written = event_in(result, label, "HOOK-005").event_id
        kinds = [event.event_type for event in result.events]
        run = shown.get("run") or {}
        max_events = shown.get("maxEvents")
        if (
            _wire(list(result.events)) != _wire(log)
            or result.has_more is not False
            or not isinstance(result.cursor, str)
            or "run_created" not in kinds
            or "run_started" not in kinds
            or written not in [event.event_id for event in result.events]
            or run.get("startedAt") is None
            or type(max_events) is not int
            or max_events < 1
        ):
            fail(
                f"{label}: a result with events carries the whole log (as events.list shows it, this "
                "hook_received included), hasMore false, a cursor, the run with startedAt and maxEvents",
                "returned otherwise",
                ("result", {key: value for key, value in shown.items() if key != "events"}),
                ("preloaded", result.events),
                ("events.list", log),
            )


@invariant("PAGE-005")
async def test_pages_follow_resolve_data(world: World) -> None:
    """With ``resolveData: 'none'``, a ``sinceCursor`` delta, a skipped-slot report and a
    ``preloadEvents`` log show their events as ``events.list`` with ``'none'`` does (inputs and
    payloads stripped, every other field kept)."""
    run_id = await started_run(world)
    hook_id, _ = await live_hook(world, run_id)
    for _ in range(3):
        await create(world, run_id, make.step_created(make.new_id("step"), input=b"\x00page"))
    cursor = await _cursor_after(world, run_id, 1)
    await _delta_write(
        world,
        run_id,
        make.step_created(make.new_id("step"), input=b"\x00page"),
        cursor,
        "step_created with sinceCursor and resolveData 'none'",
        resolve_data="none",
    )
    report_params = make.create_params(SpecLine.LINE_5, event_count=2, resolve_data="none")
    label = "step_created with eventCount 2 and resolveData 'none'"
    reported = await returns(
        world.events.create(run_id, make.step_created(make.new_id("step")), report_params), label
    )
    listed = await returns(
        world.events.list(run_id, pagination=PaginationOptions(sort_order="asc"), resolve_data="none"),
        "events.list with resolveData 'none'",
    )
    by_id = {event.event_id: event.to_wire() for event in listed.data}
    report = [] if reported.events is MISSING else list(reported.events)
    if any(event.to_wire() != by_id.get(event.event_id) for event in report):
        fail(
            f"{label}: the report shows its events as events.list with resolveData 'none'",
            "showed them otherwise",
            ("report", report),
            ("events.list, resolveData 'none'", listed.data),
        )
    preloaded, _ = await _preloading_receive(
        world, run_id, hook_id, "hook_received with preloadEvents and resolveData 'none'", "none"
    )
    if preloaded.events is MISSING:
        return
    relisted = await returns(
        world.events.list(run_id, pagination=PaginationOptions(sort_order="asc"), resolve_data="none"),
        "events.list with resolveData 'none'",
    )
    if _wire(list(preloaded.events)) != _wire(list(relisted.data)):
        fail(
            "hook_received with preloadEvents and resolveData 'none' carries the log as events.list "
            "with 'none' shows it",
            "showed it otherwise",
            ("preloaded", preloaded.events),
            ("events.list, resolveData 'none'", relisted.data),
        )
