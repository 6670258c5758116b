"""Paging ``events.list`` while events are appended (§9): nothing that existed is lost.

A round creates a run with a few events, then pages through its log with a small limit, in
ascending or descending order, appending events between the pages and while each page is
read until every event that existed when paging began has been listed; then the pages catch
up with what was appended (ascending by 1, appending as fast as pages read would never end).
Every event that existed when paging began must be seen exactly once, and the order of all
events seen must be the order they were appended (reversed for ``desc``). Events are told
apart by type and correlationId, which the kit chose, so the check trusts nothing the World
minted. On a World that runs on the kit's clock, the clock stands still: every event shares
one millisecond, which is what a cursor built from a timestamp cannot survive.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from conformance.checks import make
from conformance.checks.scenarios import pending_run
from conformance.model.calls import brief
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.clock import ManualClock, open_world_with_clock
from conformance.world.loading import WorldSpec, close_world
from worldspec.pagination import PaginationOptions, SortOrder
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = ["PAGING_ANOMALIES", "PagingFailure", "page_while_appending", "paging_round"]

PAGING_ANOMALIES = {
    "skipped-page-item": "an event that existed when paging began was never returned",
    "repeated-page-item": "an event was returned on two pages",
    "out-of-order-page": "events came back out of append order",
}
"""Stable anomaly names of paging, and what each means."""

MAX_PAGES = 200


@dataclass(frozen=True)
class PagingFailure:
    """A paging round that lost, repeated or reordered events."""

    anomaly: str
    order: SortOrder
    limit: int
    existing: list[str]
    pages: list[list[str]]
    appended: list[str]

    def report(self) -> str:
        """The anomaly, the log when paging began, each page, and what was appended meanwhile."""
        lines = [
            f"anomaly: {self.anomaly} — {PAGING_ANOMALIES[self.anomaly]}",
            f"paging: sortOrder {self.order}, limit {self.limit}",
            f"log when paging began ({len(self.existing)} events): {', '.join(self.existing)}",
        ]
        lines += [f"page {n}: {', '.join(page) or '(empty)'}" for n, page in enumerate(self.pages, 1)]
        lines.append(f"appended while paging: {', '.join(self.appended) or '(nothing)'}")
        return "\n".join(lines)


def _label(event: Any) -> str:
    correlation = getattr(event, "correlation_id", MISSING)
    return event.event_type if correlation is MISSING else f"{event.event_type} {brief(str(correlation))}"


async def _append(world: World, run_id: str, count: int) -> list[str]:
    labels = []
    for _ in range(count):
        step_id = make.new_id("step")
        await world.events.create(run_id, make.step_created(step_id))
        labels.append(f"step_created {brief(step_id)}")
    return labels


async def paging_round(world: World, rng: random.Random) -> PagingFailure | None:
    """One round on ``world``: a new run, paged while appending; the failure, if any."""
    run_id = await pending_run(world)
    existing = ["run_created", *await _append(world, run_id, rng.randint(4, 8))]
    order: SortOrder = rng.choice(["asc", "desc"])
    limit = rng.randint(1, 3)
    pages: list[list[str]] = []
    appended: list[str] = []
    cursor: str | None = None
    seen_cursors: set[str] = set()
    unseen = set(existing)
    while len(pages) < MAX_PAGES:
        options = PaginationOptions(limit=limit, sort_order=order, **({"cursor": cursor} if cursor else {}))
        appending = bool(unseen)
        during = rng.randint(0, 1) if appending else 0
        listed, *more = await asyncio.gather(
            world.events.list(run_id, pagination=options), _append(world, run_id, during)
        )
        appended += [label for labels in more for label in labels]
        pages.append([_label(event) for event in listed.data])
        unseen.difference_update(pages[-1])
        appended += await _append(world, run_id, rng.randint(0, 2) if appending else 0)
        if not listed.has_more or listed.cursor is None or listed.cursor in seen_cursors:
            break
        seen_cursors.add(listed.cursor)
        cursor = listed.cursor
    anomaly = _anomaly(existing, appended, [label for page in pages for label in page], order)
    return None if anomaly is None else PagingFailure(anomaly, order, limit, existing, pages, appended)


def _anomaly(existing: list[str], appended: list[str], seen: list[str], order: SortOrder) -> str | None:
    if len(set(seen)) < len(seen):
        return "repeated-page-item"
    if not set(existing) <= set(seen):
        return "skipped-page-item"
    position = {label: index for index, label in enumerate(existing + appended)}
    ranks = [position[label] for label in seen if label in position]
    ordered = ranks == sorted(ranks) if order == "asc" else ranks == sorted(ranks, reverse=True)
    return None if ordered else "out-of-order-page"


async def page_while_appending(
    spec: WorldSpec, *, rounds: int, rng: random.Random, budget: Budget, evidence: Evidence
) -> PagingFailure | None:
    """Run up to ``rounds`` paging rounds (fewer when ``budget`` runs out), each on a fresh World
    of ``spec`` (on the kit's standing clock where it accepts one); the first that loses,
    repeats or reorders events. ``evidence`` counts the rounds."""
    for number in range(1, rounds + 1):
        if budget.spent():
            evidence.budget_reached = True
            return None
        evidence.attempts = number
        world, _on_kit_clock = await open_world_with_clock(spec, ManualClock())
        try:
            failure = await paging_round(world, rng)
        finally:
            await close_world(world)
        if failure is not None:
            return failure
    return None
