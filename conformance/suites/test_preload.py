"""The ``run_started`` preload (§5.2): the log a World may return with pending-to-running."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import deviate, fail, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import create, pending_run
from worldspec.capabilities import Capability
from worldspec.events import Event
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

LONG_LOG_STEPS = 150
"""Events before run_started in the long scenario: more than one page of most Worlds."""


def _wire(events: list[Event]) -> list[dict[str, Any]]:
    return [event.to_wire() for event in events]


async def _check_preload(world: World, run_id: str, scenario: str) -> None:
    started = await returns(world.events.create(run_id, make.run_started()), f"run_started ({scenario})")
    full = await all_events(world, run_id)
    through = full[: [e.event_type for e in full].index("run_started") + 1]
    preloaded = [] if started.events is MISSING else list(started.events)
    if not preloaded:
        fail(
            "a World that does not declare preload=False returns the log with pending-to-running run_started",
            f"returned no events ({scenario}); declare Capabilities(preload=False) if that is intended",
            ("result", started),
        )
    if started.has_more is True:
        if started.cursor in (None, MISSING):
            fail("hasMore: true comes with a non-null cursor", "gave none", ("result", started))
        if _wire(preloaded) != _wire(through[: len(preloaded)]):
            fail(
                "a partial preload is a prefix of events.list",
                "returned other events",
                ("preloaded", preloaded),
                ("events.list", through),
            )
        rest = await world.events.list(
            run_id, pagination=PaginationOptions(limit=1000, cursor=started.cursor, sort_order="asc")
        )
        if _wire(preloaded + list(rest.data))[: len(through)] != _wire(through):
            fail(
                "the preload cursor continues like an events.list cursor",
                "continued elsewhere",
                ("preloaded", preloaded),
                ("listed from its cursor", rest.data),
                ("events.list", through),
            )
        return
    if _wire(preloaded) != _wire(through):
        fail(
            f"a preload without hasMore: true equals events.list ascending through run_started ({scenario})",
            f"preloaded {len(preloaded)} events, events.list holds {len(through)}",
            ("preloaded", preloaded),
            ("events.list", through),
        )


@invariant("RS-006", requires=Capability.PRELOAD)
async def test_preload_equals_the_log(world: World) -> None:
    """A ``run_started`` preload without ``hasMore: true`` equals ascending ``events.list``
    through that ``run_started`` (ids, order, data, bytes); a partial one says ``hasMore: true``
    and its cursor continues like ``events.list``. Also for a log longer than one page."""
    short = await pending_run(world, make.run_created(input=b"\x00\xff"))
    await _check_preload(world, short, "a two-event log")
    long = await pending_run(world)
    for _ in range(LONG_LOG_STEPS):
        await create(world, long, make.step_created(make.new_id("step"), input=b"\x00step"))
    await _check_preload(world, long, f"a {LONG_LOG_STEPS + 2}-event log")


@invariant("COH-005", requires=Capability.PRELOAD)
async def test_preload_honours_resolve_data(world: World, world_line: SpecLine) -> None:
    """A ``run_started`` sent with ``resolveData: 'none'`` preloads the log as ``events.list``
    with ``'none'`` shows it: the ``run_created`` input and the step inputs stripped, every other
    field kept (a partial preload: its prefix)."""
    run_id = await pending_run(world, make.run_created(input=b"\x00\xff"))
    for _ in range(3):
        await create(world, run_id, make.step_created(make.new_id("step"), input=b"\x00step"))
    started = await returns(
        world.events.create(run_id, make.run_started(), make.create_params(world_line, resolve_data="none")),
        "run_started with resolveData 'none'",
    )
    preloaded = [] if started.events is MISSING else list(started.events)
    if not preloaded:
        deviate("run_started with resolveData 'none'", "returned no preload", "RS-006", ("result", started))
    listed = await returns(
        world.events.list(
            run_id, pagination=PaginationOptions(limit=1000, sort_order="asc"), resolve_data="none"
        ),
        "events.list with resolveData 'none'",
    )
    if _wire(preloaded) != _wire(list(listed.data)[: len(preloaded)]):
        fail(
            "a preload asked for with resolveData 'none' equals events.list with 'none'",
            "preloaded other events",
            ("preloaded", preloaded),
            ("events.list, resolveData 'none'", listed.data),
        )
