"""Resilient start and the partial preload on the 5.x line (world-contract-v7.md §5.1, §5.2):
what a resilient ``run_started`` keeps of the 5.x creation data, and the cursor of a preload
that says ``hasMore: true``."""

from __future__ import annotations

from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, rejects_invalid_attributes, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, pending_run
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.events import Event, EventRequest, EventResult, event_data_of
from worldspec.line5 import event_data, events
from worldspec.line5.slots import event_id_to_slot
from worldspec.pagination import PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

INPUT = b"devl\x00resilient" + bytes(range(200, 256))
ATTRIBUTES = {"team": "payments", "tier": "gold"}
ENCRYPTION_KEY = "pk_worldspec_resilient"
INVALID_ATTRIBUTES: tuple[tuple[str, dict[str, str]], ...] = (
    ("a reserved key without allowReservedAttributes", {"$retention": "7"}),
    ("an empty key", {"": "x"}),
    ("a key of 257 characters", {"k" * 257: "x"}),
    ("a value of 257 UTF-8 bytes", {"long": "é" * 128 + "x"}),
    ("65 keys", {f"key{index}": "v" for index in range(65)}),
)
LONG_LOG_STEPS = 150
"""Steps before ``run_started`` in the preload scenario: more than one preload page of most Worlds."""


def _resilient_start(**members: Any) -> EventRequest:
    """A resilient ``run_started`` carrying the creation data and the 5.x ``members`` given."""
    data = event_data.RunStartedData.model_construct(
        input=INPUT, deployment_id=make.DEPLOYMENT_ID, workflow_name=make.workflow_name(), **members
    )
    return cast(
        EventRequest, events.RunStartedRequest.model_construct(event_type="run_started", event_data=data)
    )


@invariant("RS-102")
async def test_resilient_start_keeps_attributes_and_key(world: World) -> None:
    """A resilient ``run_started`` with ``attributes`` and ``encryptionPublicKey`` makes a run that
    has both (in the result and from ``runs.get``), and its ``run_created`` eventData carries
    both as sent, the input byte-exact. With ``allowReservedAttributes: true`` a ``$``-prefixed
    attribute is kept too."""
    run_id = make.new_id("wrun")
    request = _resilient_start(attributes=ATTRIBUTES, encryption_public_key=ENCRYPTION_KEY)
    result = await returns(
        world.events.create(run_id, request), "resilient run_started with attributes and a key"
    )
    shown: dict[str, Any] = {"runs.get": (await run_of(world, run_id)).to_wire()}
    if result.run is not MISSING:
        shown["the result's run"] = result.run.to_wire()
    created = next((e for e in await all_events(world, run_id) if e.event_type == "run_created"), None)
    data = (event_data_of(created) or {}) if created is not None else {}
    shown["run_created eventData"] = data
    wrong = [
        where
        for where, value in shown.items()
        if value.get("attributes") != ATTRIBUTES or value.get("encryptionPublicKey") != ENCRYPTION_KEY
    ]
    if wrong or data.get("input") != INPUT:
        fail(
            "a resilient start keeps attributes and encryptionPublicKey on the run and in run_created's "
            "eventData (input byte-exact)",
            f"lost them in {wrong or ['the input']}",
            *shown.items(),
        )
    reserved_id = make.new_id("wrun")
    reserved = {**ATTRIBUTES, "$retention": "7"}
    flagged = _resilient_start(attributes=reserved, allow_reserved_attributes=True)
    started = await returns(
        world.events.create(reserved_id, flagged),
        "resilient run_started with a reserved attribute and allowReservedAttributes: true",
    )
    kept = (await run_of(world, reserved_id)).to_wire().get("attributes")
    if started.run is MISSING or started.run.to_wire().get("attributes") != reserved or kept != reserved:
        fail(
            "a resilient start with allowReservedAttributes: true keeps its reserved attributes, as "
            "run_created does",
            f"made a run with attributes {kept}",
            ("result", started),
        )


@invariant("RS-103")
async def test_resilient_start_with_invalid_attributes_creates_nothing(world: World) -> None:
    """A resilient ``run_started`` whose ``attributes`` fail validation (a reserved key, an empty
    key, a key over 256 characters, a value over 256 UTF-8 bytes, 65 keys) is refused with
    ``AttributeValidationError`` or ``WorkflowWorldError`` status 400; no run exists and its
    log is empty."""
    for what, attributes in INVALID_ATTRIBUTES:
        run_id = make.new_id("wrun")
        action = f"resilient run_started with {what}"
        await rejects_invalid_attributes(
            world.events.create(run_id, _resilient_start(attributes=attributes)), action
        )
        try:
            run = await world.runs.get(run_id)
        except errors.WorkflowRunNotFoundError:
            run = None
        logged = await returns(
            world.events.list(run_id, pagination=PaginationOptions(limit=10)), "events.list"
        )
        if run is not None or logged.data:
            fail(f"{action} leaves no run and no event", "stored some", ("run", run), ("log", logged.data))


def _wire(listed: list[Event]) -> list[dict[str, Any]]:
    return [event.to_wire() for event in listed]


async def _partial_preload_continues(world: World, run_id: str, result: EventResult, label: str) -> bool:
    """Judge ``result``'s preload if it says ``hasMore: true``: the log from slot 1 up, whose
    cursor, never null, lists the rest without gap or repeat. Whether it was partial."""
    if result.has_more is not True:
        return False
    preloaded = [] if result.events is MISSING else list(result.events)
    log = await all_events(world, run_id)
    slots = [event_id_to_slot(event.event_id) for event in preloaded]
    if (
        not preloaded
        or slots != list(range(1, len(preloaded) + 1))
        or _wire(preloaded) != _wire(log[: len(preloaded)])
    ):
        fail(
            f"{label}: a partial preload is the log from slot 1 up, as events.list shows it",
            f"preloaded slots {slots}",
            ("preloaded", preloaded),
        )
    if not isinstance(result.cursor, str):
        fail(f"{label}: a preload with hasMore true has a cursor", f"gave {result.cursor!r}")
    rest = await returns(
        world.events.list(
            run_id, pagination=PaginationOptions(cursor=result.cursor, sort_order="asc", limit=1000)
        ),
        "events.list from the preload's cursor",
    )
    if _wire(preloaded + list(rest.data)) != _wire(log):
        fail(
            f"{label}: events.list from the preload's cursor goes on with nothing missed or repeated",
            "went on elsewhere",
            ("preloaded", [event.event_id for event in preloaded]),
            ("listed from the cursor", [event.event_id for event in rest.data]),
            ("events.list", [event.event_id for event in log]),
        )
    return True


@invariant("RS-104", requires=Capability.PRELOAD)
async def test_partial_preload_cursor_continues(world: World) -> None:
    """A ``run_started`` preload that says ``hasMore: true`` (a log of 152 events), on the
    pending-to-running path and again on the running run, is the log from slot 1 up, and its
    cursor, never null, lets ``events.list`` go on with nothing missed or repeated. A World
    whose preloads are whole (or absent) keeps the rule."""
    run_id = await pending_run(world)
    for _ in range(LONG_LOG_STEPS):
        await create(world, run_id, make.step_created(make.new_id("step")))
    first = await returns(world.events.create(run_id, make.run_started()), "run_started on a long log")
    again = await returns(world.events.create(run_id, make.run_started()), "run_started on the running run")
    await _partial_preload_continues(world, run_id, first, "the pending-to-running preload")
    await _partial_preload_continues(world, run_id, again, "the preload of run_started on a running run")
