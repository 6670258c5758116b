"""Reading what a World holds the way a runtime does: whole logs page by page, single runs, and
everything a create may change about a run (to show that a refused create changed nothing).

A listing that never ends (``hasMore: true`` with ever new cursors) fails the test after
``MAX_PAGES`` pages instead of looping forever.
"""

from __future__ import annotations

from typing import Any

from conformance.checks.expect import fail, returns
from conformance.world.capabilities import declares_on_line_5
from worldspec.entities import WorkflowRun
from worldspec.events import Event
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World

__all__ = [
    "MAX_PAGES",
    "WHOLE_PAGE",
    "all_events",
    "every_hook_id",
    "listed_id",
    "run_of",
    "run_state",
    "unchanged_since",
]

MAX_PAGES = 1000
"""More pages than any log a suite writes can fill at the page sizes suites ask for."""

WHOLE_PAGE = PaginationOptions(limit=1000)
"""One page that holds every item of the small collections a test reads in one call. A read
without ``limit`` gets the World's default page, which may hold a single item (§9: any size
from 1 to 1000), so the kit never lists without one."""


async def all_events(world: World, run_id: str, *, page_size: int = 100) -> list[Event]:
    """The whole log of ``run_id``, ascending, read page by page through ``events.list``."""
    events: list[Event] = []
    cursor: str | None = None
    seen_cursors: set[str] = set()
    for _ in range(MAX_PAGES):
        options = PaginationOptions(
            limit=page_size, sort_order="asc", **({"cursor": cursor} if cursor else {})
        )
        listed = await world.events.list(run_id, pagination=options)
        events.extend(listed.data)
        if not listed.has_more:
            return events
        if listed.cursor is None or listed.cursor in seen_cursors:
            fail(
                "hasMore: true comes with a fresh, non-null cursor (§9)",
                f"returned hasMore: true with cursor {listed.cursor!r} "
                f"(already seen: {listed.cursor in seen_cursors})",
            )
        seen_cursors.add(listed.cursor)
        cursor = listed.cursor
    fail(
        "a listing ends: the last page says hasMore: false (§9)",
        f"still said hasMore: true after {MAX_PAGES} pages of up to {page_size} ({len(events)} events)",
    )


def listed_id(item: Any) -> str:
    """The id a listed item is known by: an event's eventId, a hook's hookId, a step's stepId,
    a run's runId (each of the last three also carries its runId, so the order matters)."""
    for name in ("event_id", "hook_id", "step_id", "run_id"):
        if hasattr(item, name):
            return str(getattr(item, name))
    raise TypeError(f"no id on {type(item).__name__}")


async def every_hook_id(world: World) -> set[str]:
    """The hookIds ``hooks.list()`` without a runId lists, page by page of 1000: the list a
    World may answer from an index of its own beside the per-run one (a global sorted set, a
    scan of its keys), which must forget a hook as the per-run one does."""
    found: set[str] = set()
    cursor: str | None = None
    for _ in range(MAX_PAGES):
        options = PaginationOptions(limit=1000, **({"cursor": cursor} if cursor else {}))
        listed = await returns(world.hooks.list(pagination=options), "hooks.list() of every run")
        found.update(hook.hook_id for hook in listed.data)
        if not listed.has_more:
            return found
        cursor = listed.cursor
    fail(
        "a listing ends: the last page says hasMore: false (§9)",
        f"hooks.list() still said hasMore: true after {MAX_PAGES} pages of 1000",
    )


async def run_of(world: World, run_id: str) -> WorkflowRun:
    """``runs.get(run_id)``, failing the test if the World cannot find it."""
    return await returns(world.runs.get(run_id), f"runs.get({run_id!r})")


async def client_events(world: World, run_id: str) -> list[Event]:
    """The run's log as clients' creates made it: ``all_events``, without the ``noop`` fillers
    of a World that declares a sealed log. Such a World may fill the position of a refused
    create with one (v7 §2.6 item 3, §2.7), so a refusal that left a ``noop`` reads as one that
    appended nothing; SLOT-003 and SLOT-012 judge the fillers themselves."""
    logged = await all_events(world, run_id)
    if not declares_on_line_5(world, LineFiveCapability.SEALED_LOG):
        return logged
    return [event for event in logged if str(event.event_type) != "noop"]


async def run_state(world: World, run_id: str) -> dict[str, Any]:
    """Everything a create may change about a run, as wire data: its log (``client_events``),
    the run, its steps and its hooks."""
    page = WHOLE_PAGE
    return {
        "log": [event.to_wire() for event in await client_events(world, run_id)],
        "run": (await run_of(world, run_id)).to_wire(),
        "steps": [step.to_wire() for step in (await world.steps.list(run_id, pagination=page)).data],
        "hooks": [hook.to_wire() for hook in (await world.hooks.list(run_id=run_id, pagination=page)).data],
    }


async def unchanged_since(world: World, run_id: str, before: dict[str, Any], action: str) -> None:
    """Fail unless the run is as ``before`` (a ``run_state``) says: ``action`` was refused and
    must have changed nothing."""
    after = await run_state(world, run_id)
    if after != before:
        fail(
            f"{action}, refused, changes nothing",
            "changed the run's log or entities",
            ("before", before),
            ("after", after),
        )
