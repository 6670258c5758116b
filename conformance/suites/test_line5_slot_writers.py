"""Writers that race or fall behind on the 5.x line (world-contract-v7.md §2.6 items 4-5, §5.4,
§8): creates sent at once, or with an out-of-date ``eventCount``, commit at the next free slot,
none refused for its position; the out-of-date writer is told what it skipped; a read beside
the writes never shows a slot above an empty one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import deviate, fail
from conformance.checks.reads import all_events
from conformance.checks.scenarios import (
    attempt,
    created_step,
    event_in,
    live_hook,
    race,
    started_run,
    waiting_wait,
)
from conformance.checks.slots import dense_log, fresh_creates, ids, slot_of
from conformance.world.recorder import concurrently
from worldspec.errors import WorkflowError
from worldspec.events import Event, EventResult
from worldspec.lines import SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

CONCURRENT_CREATES = 8
"""How many creates SLOT-004 sends at once on one run."""
RACE_ROUNDS = 3
"""How many times SLOT-004 and SLOT-008 race their creates on one run."""


@invariant("SLOT-004", races=True)
async def test_concurrent_creates_take_consecutive_slots(world: World) -> None:
    """Eight creates no entity rule refuses (new steps, waits, hooks), sent at once on one run
    with the same ``eventCount`` (one snapshot), in three rounds: every one succeeds, their
    events take distinct slots that continue the log without a gap, and the log then lists
    exactly slots 1…n."""
    run_id = await started_run(world)
    for _ in range(RACE_ROUNDS):
        held = len(await dense_log(world, run_id))
        params = make.create_params(SpecLine.LINE_5, event_count=held)
        raced = await race(
            [world.events.create(run_id, request, params) for request in fresh_creates(CONCURRENT_CREATES)]
        )
        refused = [outcome for outcome in raced.outcomes if isinstance(outcome, WorkflowError)]
        if refused:
            fail(
                f"{CONCURRENT_CREATES} concurrent creates on one run all commit, none refused for its "
                "position",
                f"refused {len(refused)}",
                ("errors", [f"{error.name}: {error}" for error in refused]),
            )
        taken = sorted(slot_of(event_in(result, "create", "SLOT-004")) for result in raced.results)
        log = await all_events(world, run_id)
        expected = list(range(held + 1, held + CONCURRENT_CREATES + 1))
        if taken != expected or [slot_of(event) for event in log] != list(range(1, len(log) + 1)):
            fail(
                f"{CONCURRENT_CREATES} concurrent creates after slot {held} take slots {expected[0]}…"
                f"{expected[-1]}, one each, and the log lists slots 1…n",
                f"gave them slots {taken}",
                ("log", [(event.event_id, event.event_type) for event in log]),
            )


@dataclass(frozen=True)
class StaleWrite:
    """A create sent with ``eventCount: held`` when the run's log already held ``logged``
    events: what it returned (or raised), and the log right after."""

    held: int
    logged: int
    outcome: EventResult | WorkflowError
    log_after: list[Event]


STALE_COUNTS = (1, 2, 5)
"""How many events the far-behind writers say they hold (each below the log's length)."""

STALE_LAGS = (1, 2)
"""How many events other writers are behind the log: one (a single skipped slot, the smallest
report) and two."""


async def _stale_writes(world: World) -> tuple[str, list[StaleWrite]]:
    """A run with eight events whose log another run interleaves with, then creates of every
    kind no entity rule refuses, each with an out-of-date ``eventCount`` (1, 2 or 5, or one or
    two below the log's length), a ``hook_received`` with a ``resumeId`` (and no
    ``preloadEvents``) two behind, and one with the exact count; the run's id and the writes."""
    run_id, other = await started_run(world), await started_run(world)
    for _ in range(3):
        await created_step(world, run_id)
        await created_step(world, other)
    await waiting_wait(world, run_id)
    await live_hook(world, other)
    writes: list[StaleWrite] = []
    behind: list[tuple[int, int]] = [(count, 0) for count in STALE_COUNTS] + [(0, lag) for lag in STALE_LAGS]
    requests = fresh_creates(len(behind) * 2)
    for (count, lag), request in zip(behind * 2, requests, strict=True):
        logged = len(await dense_log(world, run_id))
        held = count or logged - lag
        params = make.create_params(SpecLine.LINE_5, event_count=held)
        outcome = await attempt(world.events.create(run_id, request, params))
        writes.append(StaleWrite(held, logged, outcome, await all_events(world, run_id)))
        await created_step(world, other)
    hook_id, _ = await live_hook(world, run_id)
    logged = len(await dense_log(world, run_id))
    resumed = make.create_params(SpecLine.LINE_5, event_count=logged - 2, resume_id=make.new_id("resume"))
    outcome = await attempt(world.events.create(run_id, make.hook_received(hook_id), resumed))
    writes.append(StaleWrite(logged - 2, logged, outcome, await all_events(world, run_id)))
    logged = len(await dense_log(world, run_id))
    params = make.create_params(SpecLine.LINE_5, event_count=logged)
    outcome = await attempt(world.events.create(run_id, make.step_created(make.new_id("step")), params))
    writes.append(StaleWrite(logged, logged, outcome, await all_events(world, run_id)))
    return run_id, writes


def _committed(write: StaleWrite) -> tuple[EventResult, int]:
    """The result of a stale write SLOT-005 judged, and the slot its event took."""
    outcome = write.outcome
    if isinstance(outcome, WorkflowError):
        deviate(
            f"a create with eventCount {write.held} (log at {write.logged})",
            f"raised {outcome.name}: {outcome}",
            "SLOT-005",
        )
    return outcome, slot_of(event_in(outcome, "create", "SLOT-005"))


@invariant("SLOT-005")
async def test_out_of_date_writer_commits_at_the_next_free_slot(world: World) -> None:
    """Creates of new steps, waits and hooks sent with an ``eventCount`` of 1, 2 or 5, or one or
    two below the log's length, a resumed ``hook_received`` two behind (and one with the exact
    count), all commit, each at the slot after the log's last: an out-of-date count is no
    conflict."""
    for write in (await _stale_writes(world))[1]:
        action = f"a create with eventCount {write.held} while the log holds {write.logged} events"
        if isinstance(write.outcome, WorkflowError):
            fail(f"{action} commits", f"raised {write.outcome.name}: {write.outcome}")
        committed = event_in(write.outcome, "create", "SLOT-005")
        slot = slot_of(committed)
        if slot != write.logged + 1 or ids(write.log_after)[-1:] != [committed.event_id]:
            fail(
                f"{action} commits at slot {write.logged + 1}, the next free one",
                f"committed it at slot {slot}",
                ("log", [(event.event_id, event.event_type) for event in write.log_after]),
            )


@invariant("SLOT-006")
async def test_out_of_date_writer_is_told_what_it_skipped(world: World) -> None:
    """A create with ``eventCount: n`` that commits at slot c > n+1 returns, in
    ``events``, the run's events of slots n+1 … c−1 in slot order with ``hasMore: false``
    (or an ascending part of them with ``hasMore: true``), as the log lists them: from a single
    skipped slot (c = n+2) to all but ``run_created``; a ``hook_received`` that carries a
    ``resumeId`` but no ``preloadEvents`` is answered with the report, not the whole log."""
    run_id, writes = await _stale_writes(world)
    for write in writes:
        result, slot = _committed(write)
        if slot <= write.held + 1:
            continue
        expected = ids(write.log_after[write.held : slot - 1])
        shown = [] if result.events is MISSING else result.events
        reported = [event.event_id for event in shown if event.run_id == run_id and slot_of(event) < slot]
        complete = result.has_more is False and reported == expected
        partial = (
            result.has_more is True
            and all(ident in expected for ident in reported)
            and reported == sorted(reported, key=expected.index)
        )
        if result.events is MISSING or not (complete or partial):
            fail(
                f"a create with eventCount {write.held} committed at slot {slot} reports slots "
                f"{write.held + 1}…{slot - 1} in order (all with hasMore: false, or part with hasMore: true)",
                "reported otherwise",
                ("expected ids", expected),
                ("events", "(absent)" if result.events is MISSING else ids(result.events)),
                ("hasMore", result.has_more),
            )


@invariant("SLOT-007")
async def test_report_holds_only_lower_slots_of_the_run(world: World) -> None:
    """Every event a create with ``eventCount`` returns in ``events`` (out of date or exact,
    while another run's log grows beside it) is an event of the same run at a slot below the
    one the create committed."""
    run_id, writes = await _stale_writes(world)
    for write in writes:
        result, slot = _committed(write)
        shown = [] if result.events is MISSING else result.events
        strays = [event for event in shown if event.run_id != run_id or not slot_of(event) < slot]
        if strays:
            fail(
                f"the events reported to a create with eventCount {write.held} (committed at slot "
                f"{slot}) are this run's, below slot {slot}",
                f"reported {len(strays)} others",
                ("others", strays),
            )


MAX_READS = 500
"""How many reads a reader of SLOT-008 makes at most while the writers run (a bound for a World
whose creates never end; readers stop as soon as the writers are done)."""


async def _read_beside_writes(world: World, run_id: str, writing: asyncio.Event) -> list[list[int]]:
    """Read the run's log (one page, and in pages of 2) until the writers are done; the slots
    each read showed."""
    seen: list[list[int]] = []
    for _ in range(MAX_READS):
        if writing.is_set():
            break
        page = await world.events.list(run_id, pagination=PaginationOptions(limit=1000, sort_order="asc"))
        seen.append([slot_of(event) for event in page.data])
        seen.append([slot_of(event) for event in await all_events(world, run_id, page_size=2)])
        await asyncio.sleep(0)
    return seen


async def _write_at_once(world: World, run_id: str, done: asyncio.Event) -> None:
    """Send eight creates no entity rule refuses at once on ``run_id``; set ``done`` when all
    have answered."""
    requests = fresh_creates(CONCURRENT_CREATES)
    await asyncio.gather(*(attempt(world.events.create(run_id, request)) for request in requests))
    done.set()


@invariant("SLOT-008", races=True)
async def test_reads_beside_writes_show_a_prefix(world: World) -> None:
    """While eight creates run at once on one run (three rounds), two readers list its log over
    and over (whole, and in pages of 2): every listing holds slots 1…k with none missing, never
    a slot whose lower neighbour is still empty."""
    run_id = await started_run(world)
    for _ in range(RACE_ROUNDS):
        done = asyncio.Event()

        with concurrently():
            _, *reads = await asyncio.gather(
                _write_at_once(world, run_id, done),
                _read_beside_writes(world, run_id, done),
                _read_beside_writes(world, run_id, done),
            )
        for slots in (listing for reader in reads for listing in reader):
            if slots != list(range(1, len(slots) + 1)):
                fail(
                    "a listing made while creates run shows a prefix of the log: slots 1…k, none missing",
                    f"listed slots {slots}",
                )
