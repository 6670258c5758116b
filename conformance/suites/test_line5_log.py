"""The event log on the 5.x line (world-contract-v7.md §2.1, §2.6): events named by their slot,
listed in slot order, stamped within the create call, echoing what was sent. These replace
EVT-001, EVT-002, EVT-010 and EVT-011 for spec 6 and above."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.event_kinds import Appended, every_kind_of_event
from conformance.checks.expect import fail, returns
from conformance.checks.reads import all_events
from conformance.checks.scenarios import create, event_in, judge_of
from worldspec.events import EventRequest, event_data_of
from worldspec.line5 import event_data as line5_data
from worldspec.line5 import events as line5_events
from worldspec.line5.slots import event_id_to_slot
from worldspec.lines import LINE_5_VERSIONS, SpecLine
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

SLOT_EVENT_ID = re.compile(r"^evnt_0{10}[0-9]{16}$")
CLOCK_SKEW = timedelta(seconds=2)
"""How far a World's clock may be from the kit's: both run on one machine in a kit run."""


def _by_run(appended: list[Appended]) -> list[str]:
    return list(dict.fromkeys(entry.run_id for entry in appended))


@invariant("SLOT-001")
async def test_every_event_is_named_by_its_slot(world: World) -> None:
    """Every event of logs holding every event type has its runId, its eventType, a Date
    ``createdAt`` and an eventId ``evnt_`` + 26 digits naming slot 1 or more, no two alike in
    one run."""
    for run_id in _by_run(await every_kind_of_event(world, line=SpecLine.LINE_5)):
        seen: set[str] = set()
        for event in await all_events(world, run_id):
            slot = event_id_to_slot(event.event_id) if SLOT_EVENT_ID.match(event.event_id) else None
            if (
                event.run_id != run_id
                or not isinstance(event.created_at, datetime)
                or slot is None
                or slot < 1
                or event.event_id in seen
            ):
                fail(
                    "each event has its runId, a Date createdAt and a unique slot eventId "
                    "^evnt_0{10}[0-9]{16}$ (slot 1 or more)",
                    "stored one otherwise",
                    ("event", event),
                )
            seen.add(event.event_id)


@invariant("EVT-101")
async def test_listing_is_slot_order_both_ways(world: World) -> None:
    """``events.list`` ascending, read in pages of 3, is slot order; descending, read the same
    way, is exactly its reverse."""
    for run_id in _by_run(await every_kind_of_event(world, line=SpecLine.LINE_5)):
        ascending = [e.event_id for e in await all_events(world, run_id, page_size=3)]
        descending: list[str] = []
        options = PaginationOptions(limit=3, sort_order="desc")
        while True:
            page = await returns(world.events.list(run_id, pagination=options), "events.list (descending)")
            descending += [event.event_id for event in page.data]
            if not page.has_more or page.cursor is None:
                break
            options = PaginationOptions(limit=3, sort_order="desc", cursor=page.cursor)
        slots = [event_id_to_slot(ident) for ident in ascending]
        if slots != sorted(slots, key=lambda slot: slot or 0) or descending != ascending[::-1]:
            fail(
                "ascending events.list is slot order and descending is exactly its reverse",
                "listed otherwise",
                ("ascending", ascending),
                ("descending", descending),
            )


async def _stamped(
    world: World,
    run_id: str | None,
    request: EventRequest,
    stamps: dict[str, tuple[datetime, datetime, datetime]],
) -> str:
    """Create ``request``, noting the kit's clock around the call and the returned createdAt;
    returns the run's id."""
    before = datetime.now(UTC)
    result = await create(world, run_id, request)
    after = datetime.now(UTC)
    event = event_in(result, request.event_type, judge_of(run_id, request))
    stamps[event.event_id] = (before, event.created_at, after)
    return event.run_id


@invariant("EVT-102")
async def test_created_at_lies_within_the_create_call(world: World) -> None:
    """The ``createdAt`` of the event each create returns, and of the same event as
    ``events.list`` reads it, lies between the kit's clock just before and just after the call
    (give or take 2 s of clock skew): for a new run, its start, a step's events and the end."""
    stamps: dict[str, tuple[datetime, datetime, datetime]] = {}
    run_id = await _stamped(world, None, make.run_created(), stamps)
    await _stamped(world, run_id, make.run_started(), stamps)
    step_id = make.new_id("step")
    for request in (make.step_created(step_id), make.step_started(step_id), make.step_completed(step_id)):
        await _stamped(world, run_id, request, stamps)
    await _stamped(world, run_id, make.run_completed(), stamps)
    for event in await all_events(world, run_id):
        if event.event_id not in stamps:
            continue
        before, returned, after = stamps[event.event_id]
        for where, created_at in (("the result", returned), ("events.list", event.created_at)):
            if not before - CLOCK_SKEW <= created_at <= after + CLOCK_SKEW:
                fail(
                    f"{where} shows {event.event_type}'s createdAt within the create call "
                    f"({before.isoformat()} to {after.isoformat()}, ± {CLOCK_SKEW.total_seconds():g} s)",
                    f"shows {created_at.isoformat()}",
                    ("event", event),
                )


async def _five_x_members(world: World) -> list[Appended]:
    """A run whose ``run_created`` and ``step_started`` carry the members only the 5.x line has
    (``attributes``, ``encryptionPublicKey``; ``ownerMessageId``), which the walk of every
    kind of event, shared with the 4.x line, does not send."""
    creating = make_line5.run_created(attributes={"team": "log"}, encryption_public_key="a2V5LWxvZw==")
    appended: list[Appended] = []
    run_id: str | None = None
    step_id = make.new_id("step")
    owned = line5_events.StepStartedRequest(
        correlation_id=step_id,
        event_data=line5_data.StepStartedData(
            step_name="step//./worldspec//owned", attempt=1, owner_message_id=make.new_id("msg")
        ),
    )
    for request in (creating, make.run_started(), make.step_created(step_id), cast(EventRequest, owned)):
        result = await create(world, run_id, request)
        event = event_in(result, request.event_type, judge_of(run_id, request))
        run_id = event.run_id
        appended.append(Appended(run_id, request, event))
    return appended


@invariant("EVT-103")
async def test_stored_event_echoes_the_5x_request(world: World) -> None:
    """The stored event echoes the request's eventType, correlationId and eventData (every
    optional field of the line included; ``run_started`` is stored without eventData), and its
    specVersion is the request's, or the World's default D: 6 or 7, one value for every request
    sent without a version (that D should be the World's own is not judged)."""
    defaults = set(LINE_5_VERSIONS)
    stamped: dict[Any, list[str]] = defaultdict(list)
    by_run: dict[str, list[Appended]] = defaultdict(list)
    for entry in [*await every_kind_of_event(world, line=SpecLine.LINE_5), *await _five_x_members(world)]:
        by_run[entry.run_id].append(entry)
    for entries in by_run.values():
        for entry in entries:
            request = entry.request
            if request.event_type != entry.event.event_type:
                continue
            stored = await returns(world.events.get(entry.run_id, entry.event.event_id), "events.get")
            expected_data = None if request.event_type == "run_started" else event_data_of(request)
            versions = defaults if request.spec_version is MISSING else {request.spec_version}
            if request.spec_version is MISSING:
                stamped[stored.spec_version].append(f"{request.event_type} {stored.event_id}")
            if (
                stored.event_type != request.event_type
                or stored.correlation_id != request.correlation_id
                or event_data_of(stored) != expected_data
                or stored.spec_version not in versions
            ):
                fail(
                    f"the stored {request.event_type} echoes type, correlationId, eventData and a "
                    f"specVersion in {sorted(versions)}",
                    "stored otherwise",
                    ("sent", request),
                    ("stored", stored),
                )
    if len(stamped) > 1:
        fail(
            "every request sent without specVersion is stamped with the one default D of the World",
            f"stamped them with {sorted(stamped, key=str)}",
            ("stamped events by version", dict(stamped)),
        )
