"""Run attributes (world-contract-v7.md §4.7, the ATTR family): string attributes set by
``run_created`` and changed by ``attr_set``, validated, deduplicated for the workflow writer."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import deviate, fail, raises, rejects_invalid_attributes, returns
from conformance.checks.reads import all_events, client_events, run_of
from conformance.checks.scenarios import create, finish_run, race, run_in, started_run
from worldspec import errors
from worldspec.events import EventRequest, event_data_of
from worldspec.line5.attributes import (
    ATTRIBUTE_EVENT_DATA_MAX_BYTES,
    ATTRIBUTE_MAX_PER_RUN,
    ATTRIBUTE_VALUE_MAX_BYTES,
    attribute_event_data_size,
)
from worldspec.protocol import World
from worldspec.wire_types import MISSING

INVALID_CHANGES: tuple[tuple[str, list[tuple[str, str | None]]], ...] = (
    ("an empty key", [("", "x")]),
    ("a key of 257 characters", [("k" * 257, "x")]),
    ("a value of 257 UTF-8 bytes", [("long", "é" * 128 + "x")]),
    ("a key given twice", [("twice", "1"), ("twice", "2")]),
    ("65 keys", [(f"key{index}", "v") for index in range(65)]),
)


UNUSUAL_PAIRS: tuple[tuple[str, str], ...] = (
    ("empty", ""),
    ("a.b[0] $x", "v"),
    ("\u00e9" * 256, "\u00e9" * 128),
    ("zero", "0"),
    ("null", "null"),
    ("KEEP", "cased"),
    ("cafe", "plain"),
    ("caf\u00e9", "accented"),
    (" spaced key ", " spaced value\t"),
    ("cafe\u0301 decomposed", "cafe\u0301"),
)
"""Valid attributes a store can mishandle: an empty value (a value, not a removal), a key a
JSON path would split, a key of 256 UTF-16 units (512 UTF-8 bytes) with a value of exactly 256
UTF-8 bytes, values that read as falsy or as null once parsed, keys a case- or
accent-insensitive collation would take for ``keep`` or for each other, and a key and value
with surrounding whitespace and in Unicode's decomposed form (NFD), which a store that trims
or normalises strings changes."""

RESERVED_KEYS = ("$retention", "$worldspec", "$")
"""Keys with the reserved prefix: a framework key, one no framework uses, the prefix alone."""

CONCURRENT_WRITERS = 4
"""Step writers ATTR-003 races on one run, each setting a key of its own."""


async def _attributes(world: World, run_id: str) -> dict[str, str]:
    run = await run_of(world, run_id)
    return dict(run.to_wire().get("attributes", {}))


async def _refused_as_invalid(world: World, run_id: str, request: EventRequest, what: str) -> None:
    """``request`` is refused with ``AttributeValidationError`` or a ``WorkflowWorldError`` with
    status 400, and neither the log nor the attributes change."""
    before = (len(await client_events(world, run_id)), await _attributes(world, run_id))
    await rejects_invalid_attributes(world.events.create(run_id, request), f"attr_set with {what}")
    after = (len(await client_events(world, run_id)), await _attributes(world, run_id))
    if after != before:
        fail(f"the refused attr_set with {what} stores nothing", "changed the run", ("before", before))


def _fold(log: list[Any]) -> dict[str, str]:
    """The attributes a run's log says it has: run_created's, then each attr_set in order."""
    attributes: dict[str, str] = {}
    for event in log:
        data = event_data_of(event) or {}
        if event.event_type == "run_created":
            attributes = dict(data.get("attributes") or {})
        elif str(event.event_type) == "attr_set":
            for change in data.get("changes", []):
                if change["value"] is None:
                    attributes.pop(change["key"], None)
                else:
                    attributes[change["key"]] = change["value"]
    return attributes


OLDER_EVENT_SOURCED_VERSIONS = (2, 3, 5)
"""Versions below the 5.x line's own at which a run is event-sourced, not legacy (§6.5), two
of them below ``SPEC_VERSION_SUPPORTS_ATTRIBUTES`` (4)."""


@invariant("ATTR-001")
async def test_run_created_attributes_become_the_runs(world: World) -> None:
    """``run_created`` with ``attributes`` gives the run exactly those (in the result and from
    ``runs.get``) and its stored event keeps them; without them the run has ``{}``. Also on runs
    created at specVersion 2, 3 and 5: attributes apply to runs of any version (§6.5), not only
    to those at 4 and above, where upstream's version table first names them."""
    sent = {"team": "payments", "region": "eu"}
    cases: list[tuple[Any, Any]] = [(sent, MISSING), (MISSING, MISSING)]
    cases += [(sent, version) for version in OLDER_EVENT_SOURCED_VERSIONS]
    for attributes, version in cases:
        request = make_line5.run_created(attributes=attributes, spec_version=version)
        result = await create(world, None, request)
        run_id = run_in(result, "run_created", "RUN-001").run_id
        expected = sent if attributes is not MISSING else {}
        shown = (
            run_in(result, "run_created", "RUN-001").to_wire().get("attributes"),
            await _attributes(world, run_id),
        )
        created = (await all_events(world, run_id))[0]
        kept = (event_data_of(created) or {}).get("attributes", MISSING)
        if shown != (expected, expected) or kept != attributes:
            fail(
                "run.attributes are run_created's attributes ({} when none) and the event keeps them"
                + ("" if version is MISSING else f", on a run at specVersion {version} too"),
                "showed otherwise",
                ("sent", attributes),
                ("result, runs.get", shown),
                ("stored event", created),
            )


@invariant("ATTR-002")
async def test_attr_set_merges(world: World) -> None:
    """``attr_set`` sets string values (the empty string and keys and values of unusual
    shapes included: only ``null`` removes a key), removes keys sent with ``null``, leaves keys
    it does not name alone, and returns ``{event, run}`` with the merged attributes, which
    ``runs.get`` then shows. An ``attr_set`` whose eventData is exactly 8192 UTF-8 JSON bytes,
    the size above which §4.1 lets a World refuse one, is merged too, and so is one on runs at
    specVersion 2, 3 and 5 (§6.5: attributes apply to runs of any version)."""
    result = await create(
        world, None, make_line5.run_created(attributes={"keep": "1", "drop": "2", "change": "3"})
    )
    run_id = run_in(result, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    changes: list[tuple[str, str | None]] = [
        ("change", "30"),
        ("drop", None),
        ("new", "4"),
        *UNUSUAL_PAIRS,
    ]
    merged = await returns(
        world.events.create(run_id, make_line5.attr_set(changes, correlation_id=make.new_id("attr"))),
        "attr_set of valid changes (an empty value, a key of 256 UTF-16 units, a value of 256 UTF-8 bytes)",
    )
    expected = {"keep": "1", "change": "30", "new": "4", **dict(UNUSUAL_PAIRS)}
    returned = merged.run.to_wire().get("attributes") if merged.run is not MISSING else MISSING
    if merged.event is MISSING or str(merged.event.event_type) != "attr_set" or returned != expected:
        fail(
            "attr_set returns its event and the run with the merged attributes",
            "returned otherwise",
            ("result", merged),
        )
    if await _attributes(world, run_id) != expected:
        fail("runs.get shows the merged attributes", "shows others", ("expected", expected))
    largest = _attr_set_of_size(ATTRIBUTE_EVENT_DATA_MAX_BYTES)
    taken = await returns(
        world.events.create(run_id, largest),
        f"attr_set whose eventData is exactly {ATTRIBUTE_EVENT_DATA_MAX_BYTES} UTF-8 JSON bytes",
    )
    wanted = {**expected, **{str(key): str(value) for key, value in _changes_of(largest)}}
    if taken.run is MISSING or taken.run.to_wire().get("attributes") != wanted:
        fail(
            f"an attr_set of exactly {ATTRIBUTE_EVENT_DATA_MAX_BYTES} bytes (the most §4.1 lets a World "
            "refuse above) is merged like any other",
            "returned otherwise",
            ("result", taken),
        )
    for version in OLDER_EVENT_SOURCED_VERSIONS:
        await _attr_set_on_an_older_run(world, version)


async def _attr_set_on_an_older_run(world: World, version: int) -> None:
    """An ``attr_set`` on a running run created at ``version`` merges as on any other run."""
    request = make_line5.run_created(attributes={"keep": "1"}, spec_version=version)
    created = await create(world, None, request)
    run_id = run_in(created, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    merged = await returns(
        world.events.create(
            run_id, make_line5.attr_set([("stage", "older")], correlation_id=make.new_id("attr"))
        ),
        f"attr_set on a run at specVersion {version}",
    )
    expected = {"keep": "1", "stage": "older"}
    returned = merged.run.to_wire().get("attributes") if merged.run is not MISSING else MISSING
    if returned != expected or await _attributes(world, run_id) != expected:
        fail(
            f"attr_set on a run at specVersion {version} merges as on any run (attributes apply to "
            "runs of every version)",
            "returned or stored otherwise",
            ("expected", expected),
            ("result", merged),
        )


def _changes_of(request: EventRequest) -> list[tuple[Any, Any]]:
    data = request.to_wire()["eventData"]
    return [(change["key"], change["value"]) for change in data["changes"]]


def _attr_set_of_size(size: int) -> EventRequest:
    """A valid ``attr_set`` (keys ``big00``…, ASCII values of at most 256 bytes) whose eventData
    is exactly ``size`` UTF-8 JSON bytes, as ``JSON.stringify`` writes it."""
    changes: list[tuple[str, str | None]] = []

    def missing() -> int:
        request = make_line5.attr_set(changes, correlation_id=make.new_id("attr"))
        return size - attribute_event_data_size(request.to_wire()["eventData"])

    while missing() > 100:
        changes.append((f"big{len(changes):02d}", "v" * 150))
    if missing() > 0 and len(str(changes[-1][1])) + missing() > ATTRIBUTE_VALUE_MAX_BYTES:
        changes.append((f"big{len(changes):02d}", "v"))
    key, value = changes[-1]
    changes[-1] = (key, str(value) + "v" * missing())
    assert missing() == 0, "the attr_set the kit built is not of the size it wanted"
    return make_line5.attr_set(changes, correlation_id=make.new_id("attr"))


@invariant("ATTR-003")
async def test_attributes_are_the_fold_of_the_log(world: World) -> None:
    """After ``run_created`` with attributes and several ``attr_set`` from the workflow and from
    a step (upserts and removals), ``run.attributes`` equals the log folded in slot order; so it
    does after four step writers' ``attr_set`` of one key each, sent concurrently (no write is
    lost to another's read-modify-write of the run)."""
    result = await create(world, None, make_line5.run_created(attributes={"a": "1", "b": "2"}))
    run_id = run_in(result, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    step_id = make.new_id("step")
    writes: tuple[tuple[list[tuple[str, str | None]], tuple[str, int] | None], ...] = (
        ([("a", "10"), ("c", "3")], None),
        ([("b", None)], (step_id, 1)),
        ([("a", "11"), ("d", "4")], (step_id, 2)),
        ([("c", None), ("b", "back")], None),
    )
    for changes, step in writes:
        cid = make.new_id("attr") if step is None else MISSING
        await create(world, run_id, make_line5.attr_set(changes, correlation_id=cid, step=step))
    folded, shown = _fold(await all_events(world, run_id)), await _attributes(world, run_id)
    if shown != folded or folded != {"a": "11", "b": "back", "d": "4"}:
        fail(
            "run.attributes are the fold of the log",
            "differ",
            ("folded log", folded),
            ("run.attributes", shown),
        )
    outcome = await race(
        [
            world.events.create(
                run_id, make_line5.attr_set([(f"step{index}", "done")], step=(step_id, index))
            )
            for index in range(3, 3 + CONCURRENT_WRITERS)
        ]
    )
    if len(outcome.results) != CONCURRENT_WRITERS:
        fail(
            f"{CONCURRENT_WRITERS} concurrent attr_set from step writers, each with a key of its own, "
            "are all accepted",
            f"accepted {len(outcome.results)} and raised {sorted(outcome.error_names())}",
        )
    folded, shown = _fold(await all_events(world, run_id)), await _attributes(world, run_id)
    written = {f"step{index}" for index in range(3, 3 + CONCURRENT_WRITERS)}
    if shown != folded or not written <= set(shown):
        fail(
            f"run.attributes are the fold of the log after {CONCURRENT_WRITERS} concurrent attr_set "
            "of different keys: each one's key is kept",
            "differ",
            ("folded log", folded),
            ("run.attributes", shown),
        )


@invariant("ATTR-004")
async def test_reserved_keys_need_the_flag(world: World) -> None:
    """An ``attr_set`` or a ``run_created`` with a ``$``-prefixed key (a framework key, any
    other, the prefix alone) and no ``allowReservedAttributes: true`` is refused as invalid and
    stores nothing; with the flag it is accepted."""
    run_id = await started_run(world)
    for key in RESERVED_KEYS:
        request = make_line5.attr_set([(key, "0")], correlation_id=make.new_id("attr"))
        what = f"the reserved key {key!r} and no allowReservedAttributes"
        await _refused_as_invalid(world, run_id, request, what)
        flagged = make_line5.attr_set([(key, "1")], correlation_id=make.new_id("attr"), allow_reserved=True)
        await returns(
            world.events.create(run_id, flagged),
            f"attr_set of the reserved key {key!r} with allowReservedAttributes",
        )
    for key in RESERVED_KEYS:
        await _run_created_refused(world, {"team": "a", key: "1"}, f"the reserved key {key!r}")
        flagged = make_line5.run_created(attributes={key: "1"}, allow_reserved=True)
        made = run_in(await create(world, None, flagged), "run_created", "ATTR-001")
        if await _attributes(world, made.run_id) != {key: "1"}:
            fail(
                f"run_created with the reserved key {key!r} and allowReservedAttributes keeps it",
                "made a run without it",
                ("run", await run_of(world, made.run_id)),
            )


async def _run_created_refused(world: World, attributes: dict[str, str], what: str) -> None:
    """``run_created`` with ``attributes`` (invalid: ``what``) and no ``allowReservedAttributes``
    is refused as invalid, and neither a run nor an event exists for its runId."""
    run_id = make.new_id("wrun")
    await rejects_invalid_attributes(
        world.events.create(run_id, make_line5.run_created(attributes=attributes)),
        f"run_created with attributes holding {what}",
    )
    try:
        run: Any = await world.runs.get(run_id)
    except errors.WorkflowRunNotFoundError:
        run = None
    logged = await all_events(world, run_id) if run is not None else []
    if run is not None:
        fail(
            f"the refused run_created with attributes holding {what} stores nothing",
            "made the run",
            ("run", run),
            ("log", logged),
        )


@invariant("ATTR-005")
async def test_attribute_limits(world: World) -> None:
    """``attr_set`` with an empty key, a key over 256 characters, a value over 256 UTF-8 bytes,
    a key given twice, or more than 64 keys once merged is refused as invalid and stores nothing.
    The merge counts the run's keys too: on a run created with 60, five new keys are refused,
    while four (64 in all) are taken, and then a new key with the removal of another; removing a
    key the run does not have frees no room. ``run_created`` whose attributes break a limit is
    refused too (and makes no run). Keys of 256 UTF-16 units and values of exactly 256 UTF-8
    bytes are taken (ATTR-002)."""
    run_id = await started_run(world)
    for what, changes in INVALID_CHANGES:
        await _refused_as_invalid(
            world, run_id, make_line5.attr_set(changes, correlation_id=make.new_id("attr")), what
        )
    held = {f"held{index:02d}": "v" for index in range(ATTRIBUTE_MAX_PER_RUN - 4)}
    full = run_in(
        await create(world, None, make_line5.run_created(attributes=held)), "run_created", "ATTR-001"
    )
    await create(world, full.run_id, make.run_started())
    if await _attributes(world, full.run_id) != held:
        deviate(f"run_created with {len(held)} attributes", "made a run without them", "ATTR-001")
    fresh: list[tuple[str, str | None]] = [(f"new{index}", "v") for index in range(5)]
    await _refused_as_invalid(
        world,
        full.run_id,
        make_line5.attr_set(fresh, correlation_id=make.new_id("attr")),
        f"5 new keys on a run with {len(held)}",
    )
    for what, changes in (
        (f"4 new keys on a run with {len(held)} (64 in all)", fresh[:4]),
        ("a new key and the removal of another, on a run with 64", [("new4", "v"), ("held00", None)]),
    ):
        await returns(
            world.events.create(
                full.run_id, make_line5.attr_set(changes, correlation_id=make.new_id("attr"))
            ),
            f"attr_set of {what}",
        )
    await _refused_as_invalid(
        world,
        full.run_id,
        make_line5.attr_set([("new5", "v"), ("never-set", None)], correlation_id=make.new_id("attr")),
        "a new key and the removal of a key the run does not have, on a run with 64",
    )
    for what, changes in INVALID_CHANGES:
        if len({key for key, _ in changes}) == len(changes):
            await _run_created_refused(world, {str(k): str(v) for k, v in changes}, what)


@invariant("ATTR-006")
async def test_workflow_writes_are_deduplicated(world: World) -> None:
    """A second ``attr_set`` from the workflow writer with a used correlationId raises
    ``EntityConflictError`` and leaves the attributes as they were; of 4 concurrent ones with a
    new correlationId exactly one is accepted, the rest raise ``EntityConflictError``."""
    run_id = await started_run(world)
    cid = make.new_id("attr")
    await create(world, run_id, make_line5.attr_set([("k", "first")], correlation_id=cid))
    await raises(
        errors.EntityConflictError,
        world.events.create(run_id, make_line5.attr_set([("k", "second")], correlation_id=cid)),
        "a second workflow attr_set with the same correlationId",
    )
    if await _attributes(world, run_id) != {"k": "first"}:
        fail("the refused duplicate leaves the attributes as they were", "changed them")
    cid = make.new_id("attr")
    outcome = await race(
        [
            world.events.create(run_id, make_line5.attr_set([("c", str(i))], correlation_id=cid))
            for i in range(4)
        ]
    )
    if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"}:
        fail(
            "of 4 concurrent workflow attr_set with one correlationId one succeeds, the rest raise "
            "EntityConflictError",
            f"let {len(outcome.results)} succeed and raised {sorted(outcome.error_names())}",
        )


@invariant("ATTR-007")
async def test_step_writes_are_never_deduplicated(world: World) -> None:
    """Three identical ``attr_set`` from one step attempt are all appended to the log, and so
    are three that also carry one correlationId (§4.7: a step writer is never deduplicated)."""
    run_id = await started_run(world)
    step = (make.new_id("step"), 1)
    requests = (
        ("without a correlationId", make_line5.attr_set([("progress", "half")], step=step)),
        (
            "with one correlationId",
            make_line5.attr_set([("progress", "most")], step=step, correlation_id=make.new_id("attr")),
        ),
    )
    for what, request in requests:
        before = len(await all_events(world, run_id))
        for _ in range(3):
            await returns(world.events.create(run_id, request), f"attr_set from a step writer {what}")
        logged = [
            event
            for event in (await all_events(world, run_id))[before:]
            if str(event.event_type) == "attr_set"
        ]
        if len(logged) != 3:
            fail(f"every attr_set from a step writer {what} is appended", f"logged {len(logged)} of 3")


@invariant("ATTR-008")
async def test_attr_set_needs_a_live_run(world: World) -> None:
    """``attr_set`` on a run that does not exist raises ``WorkflowRunNotFoundError``; on a
    completed, failed or cancelled run ``EntityConflictError``, and the run's log and
    attributes do not change."""
    await raises(
        errors.WorkflowRunNotFoundError,
        world.events.create(
            make.new_id("wrun"), make_line5.attr_set([("k", "v")], correlation_id=make.new_id("attr"))
        ),
        "attr_set on a missing run",
    )
    ended = (("run_completed", "completed"), ("run_failed", "failed"), ("run_cancelled", "cancelled"))
    for kind, status in ended:
        run_id = await started_run(world)
        await finish_run(world, run_id, kind)
        before = len(await client_events(world, run_id))
        await raises(
            errors.EntityConflictError,
            world.events.create(
                run_id, make_line5.attr_set([("k", "v")], correlation_id=make.new_id("attr"))
            ),
            f"attr_set on a {status} run",
        )
        if len(await client_events(world, run_id)) != before or await _attributes(world, run_id):
            fail(f"the refused attr_set on a {status} run stores nothing", "changed the run")


@invariant("ATTR-009")
async def test_a_refused_write_leaves_its_correlation_id_free(world: World) -> None:
    """An ``attr_set`` refused as invalid does not use up its correlationId: a valid
    ``attr_set`` with the same correlationId then succeeds."""
    run_id = await started_run(world)
    cid = make.new_id("attr")
    await _refused_as_invalid(
        world, run_id, make_line5.attr_set([("", "x")], correlation_id=cid), "an empty key"
    )
    await returns(
        world.events.create(run_id, make_line5.attr_set([("k", "v")], correlation_id=cid)),
        "a valid attr_set reusing the refused one's correlationId",
    )
