"""The optional members of the 5.x line (world-contract-v7.md §12, the OPT family, OPT-001 to
OPT-003 and OPT-008 to OPT-010): the ``capabilities`` member, ``runs.waitForTerminalStatus``,
``runs.getMany``, ``runs.experimentalSetAttributes``, ``createRunId`` and ``maxEvents``.

On this line a member's presence is its declaration: each test requires the capability the kit
derives from the member (``conformance.world.capabilities.optional_members_of``), so a World
without the member is skipped, never failed. The bulk members are judged in
``test_line5_bulk.py``.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5, values
from conformance.checks.expect import fail, raises, rejects_invalid_attributes, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, finish_run, pending_run, run_in, started_run
from conformance.world.capabilities import unwrapped
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.events import EventResult
from worldspec.line5.attributes import AttributeChange
from worldspec.line5.protocol import (
    SupportsCreateRunId,
    SupportsExperimentalSetAttributes,
    SupportsGetMany,
    SupportsWaitForTerminalStatus,
)
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.ulid import decode_time, is_ulid
from worldspec.wire_types import MISSING

WORLD_CAPABILITY_FLAGS = ("invoke", "hookResumeDedup", "maxConcurrency", "deploymentAffinity")
"""The members of upstream's ``WorldCapabilities`` that are booleans (``hookRetention`` is an
object)."""

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})

SHORT_TIMEOUT_MS = 30
"""The ``timeoutMs`` of a wait the kit expects to run out: short, so the suite stays fast."""

LONG_TIMEOUT_MS = 5_000
"""The ``timeoutMs`` of a wait the kit expects to end before it runs out."""

LATE_SECONDS = 1.5
"""How long past a bound the kit waits before it calls an answer late: answers cross a bridge
and a loaded machine, so bounds are judged loosely, never to the millisecond."""

CROCKFORD_ULID = re.compile(r"^[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def _world_capabilities(world: World) -> Any:
    """The World's ``capabilities`` member in wire form (a ``WorldCapabilities`` model, or a
    mapping as a World may hand over), or the member itself when it is neither."""
    declared: Any = getattr(unwrapped(world), "capabilities", None)
    if hasattr(declared, "to_wire"):
        return declared.to_wire()
    return dict(declared) if isinstance(declared, Mapping) else declared


def _type_problems(declared: Any) -> list[str]:
    """What about ``declared`` breaks the documented types of ``WorldCapabilities``."""
    if not isinstance(declared, dict):
        return [f"capabilities is {type(declared).__name__}, not an object"]
    problems = [
        f"{name} is {declared[name]!r}, not a boolean"
        for name in WORLD_CAPABILITY_FLAGS
        if name in declared and not isinstance(declared[name], bool)
    ]
    if "hookRetention" in declared:
        retention = declared["hookRetention"]
        if not isinstance(retention, dict) or not isinstance(retention.get("active"), bool):
            problems.append(f"hookRetention is {retention!r}, not {{active: boolean}}")
    return problems


@invariant("OPT-001", requires=Capability.WORLD_CAPABILITIES)
async def test_capabilities_members_have_their_types(world: World) -> None:
    """Each member of ``capabilities`` the World has is of its documented type: ``invoke``,
    ``hookResumeDedup``, ``maxConcurrency`` and ``deploymentAffinity`` are booleans,
    ``hookRetention`` is ``{active: boolean}``. Absent members are fine (unsupported); members
    upstream does not document are not judged."""
    declared = _world_capabilities(world)
    problems = _type_problems(declared)
    if problems:
        fail(
            "every capabilities member present has its documented type",
            "; ".join(problems),
            ("capabilities", declared),
        )


FIVE_X_ATTRIBUTES = {"team": "payments"}
FIVE_X_PUBLIC_KEY = "d29ybGRzcGVjLW9wdGlvbmFsLW1lbWJlcnMta2V5"
FIVE_X_ERROR_CODE = "E_WORLDSPEC_OPTIONAL"
"""What the runs these members are asked for carry of the 5.x run members (``attributes``,
``encryptionPublicKey``, a failed run's ``errorCode``): a member that reads runs through a query
written for 4.x leaves them out."""


async def _run_with_5x_members(world: World) -> str:
    """A new running run created with attributes, an ``encryptionPublicKey`` and nested payloads
    as its input and executionContext; its id."""
    payload = values.nested_payload()
    created = await create(
        world,
        None,
        make_line5.run_created(
            attributes=FIVE_X_ATTRIBUTES,
            encryption_public_key=FIVE_X_PUBLIC_KEY,
            input=payload,
            execution_context=payload,
        ),
    )
    run_id = run_in(created, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    return run_id


async def _ended_runs(world: World) -> list[str]:
    """One run with the 5.x members and nested payloads ended each way (completed, failed with
    an ``errorCode``, cancelled); their ids."""
    ended = []
    for kind in ("run_completed", "run_failed", "run_cancelled"):
        run_id = await _run_with_5x_members(world)
        if kind == "run_failed":
            await create(world, run_id, make_line5.run_failed(b"devl\x00failed", FIVE_X_ERROR_CODE))
        else:
            await finish_run(world, run_id, kind)
        ended.append(run_id)
    return ended


async def _timed(call: Any, action: str) -> tuple[Any, float]:
    """``returns(call)`` and the seconds it took."""
    began = time.monotonic()
    found = await returns(call, action)
    return found, time.monotonic() - began


@invariant("OPT-002", requires=Capability.WAIT_FOR_TERMINAL_STATUS)
async def test_wait_for_terminal_status(world: World) -> None:
    """``runs.waitForTerminalStatus``: a run already ended (each way, carrying attributes, an
    ``encryptionPublicKey``, nested payloads and, failed, an ``errorCode``) is answered at once
    with the run as ``runs.get`` shows it; a run that stays pending or running is answered about
    ``timeoutMs`` later with its snapshot, never an error; a run that ends while the call waits
    is never answered, well after its end, with a snapshot from before it; a missing run raises
    ``WorkflowRunNotFoundError``; with ``resolveData: 'none'`` an ended run is answered as
    ``runs.get`` shows it under ``'none'``. Bounds are judged loosely."""
    runs = cast(SupportsWaitForTerminalStatus, world.runs)
    ended_runs = await _ended_runs(world)
    for run_id in ended_runs:
        answered, took = await _timed(
            runs.wait_for_terminal_status(run_id, timeout_ms=LONG_TIMEOUT_MS),
            "waitForTerminalStatus on an ended run",
        )
        expected = (await run_of(world, run_id)).to_wire()
        if answered.to_wire() != expected or took > LONG_TIMEOUT_MS / 1000 - LATE_SECONDS:
            fail(
                f"waitForTerminalStatus on an ended run answers at once (timeoutMs {LONG_TIMEOUT_MS}) "
                "with the run as runs.get shows it",
                f"answered after {took:.2f} s with another run"
                if answered.to_wire() != expected
                else f"answered only after {took:.2f} s",
                ("runs.get", expected),
                ("answered", answered),
            )
    for state, run_id in (("pending", await pending_run(world)), ("running", await started_run(world))):
        answered, took = await _timed(
            runs.wait_for_terminal_status(run_id, timeout_ms=SHORT_TIMEOUT_MS),
            f"waitForTerminalStatus on a {state} run that does not end",
        )
        if (
            answered.run_id != run_id
            or answered.status != state
            or took > SHORT_TIMEOUT_MS / 1000 + LATE_SECONDS
        ):
            fail(
                f"waitForTerminalStatus on a {state} run with timeoutMs {SHORT_TIMEOUT_MS} answers about "
                "then with its snapshot",
                f"answered after {took:.2f} s with status {answered.status}",
                ("answered", answered),
            )
    ended = ended_runs[0]
    answered = await returns(
        runs.wait_for_terminal_status(ended, timeout_ms=LONG_TIMEOUT_MS, resolve_data="none"),
        "waitForTerminalStatus on an ended run, resolveData 'none'",
    )
    bare = await returns(world.runs.get(ended, resolve_data="none"), "runs.get, resolveData 'none'")
    if answered.to_wire() != bare.to_wire():
        fail(
            "waitForTerminalStatus with resolveData 'none' answers the run as runs.get shows it under 'none'",
            "answered otherwise",
            ("runs.get under 'none'", bare),
            ("answered", answered),
        )
    await _ends_while_waiting(world, runs)
    await raises(
        errors.WorkflowRunNotFoundError,
        runs.wait_for_terminal_status(make.new_id("wrun"), timeout_ms=SHORT_TIMEOUT_MS),
        "waitForTerminalStatus on a missing run",
    )


async def _ends_while_waiting(world: World, runs: SupportsWaitForTerminalStatus) -> None:
    """Complete a run while a long wait for it is under way: an answer that arrives well after
    the end (``LATE_SECONDS``) must show the run ended (an earlier one MAY be a snapshot)."""
    run_id = await started_run(world)
    waiting = asyncio.ensure_future(
        returns(runs.wait_for_terminal_status(run_id, timeout_ms=LONG_TIMEOUT_MS), "waitForTerminalStatus")
    )
    await asyncio.sleep(0.05)
    await finish_run(world, run_id, "run_completed")
    ended = time.monotonic()
    answered = await waiting
    late = time.monotonic() - ended > LATE_SECONDS
    if late and answered.status not in TERMINAL_STATUSES:
        fail(
            "waitForTerminalStatus answers a run that ended during the wait with the ended run (or, "
            "before the end, with a snapshot)",
            f"answered {time.monotonic() - ended:.2f} s after the end with status {answered.status}",
            ("answered", answered),
        )


@invariant("OPT-003", requires=Capability.GET_MANY)
async def test_get_many_answers_in_the_order_asked(world: World) -> None:
    """``runs.getMany`` answers one entry per id, in the order asked (a repeated id twice), each
    the run as ``runs.get`` shows it (pending, running, completed, failed with an ``errorCode``,
    with attributes, an ``encryptionPublicKey`` and nested payloads), ``null`` for an id with no run;
    no ids, no entries. With ``resolveData: 'none'`` each run is as ``runs.get`` shows it under
    ``'none'``."""
    runs = cast(SupportsGetMany, world.runs)
    pending, running = await pending_run(world), await started_run(world)
    ended, failed, _ = await _ended_runs(world)
    payload = values.nested_payload()
    attributed = run_in(
        await create(
            world,
            None,
            make_line5.run_created(attributes={"team": "payments"}, input=payload, execution_context=payload),
        ),
        "run_created",
        "RUN-001",
    ).run_id
    await create(
        world, attributed, make_line5.attr_set([("stage", "many")], correlation_id=make.new_id("attr"))
    )
    missing = make.new_id("wrun")
    asked = [running, missing, ended, attributed, failed, pending, running, make.new_id("wrun")]
    known = {
        run_id: (await run_of(world, run_id)).to_wire()
        for run_id in (pending, running, ended, attributed, failed)
    }
    expected = [known.get(run_id) for run_id in asked]
    answered = await returns(runs.get_many(asked), "runs.getMany")
    shown = [None if run is None else run.to_wire() for run in answered]
    if shown != expected:
        fail(
            "runs.getMany answers each id in the order asked: the run as runs.get shows it, null "
            "for a missing one",
            "answered otherwise",
            ("asked", asked),
            ("expected", expected),
            ("answered", shown),
        )
    if list(await returns(runs.get_many([]), "runs.getMany with no ids")) != []:
        fail("runs.getMany with no ids answers []", "answered entries")
    bare = {
        run_id: (
            await returns(world.runs.get(run_id, resolve_data="none"), "runs.get, resolveData 'none'")
        ).to_wire()
        for run_id in known
    }
    answered = await returns(runs.get_many(asked, resolve_data="none"), "runs.getMany, resolveData 'none'")
    shown = [None if run is None else run.to_wire() for run in answered]
    if shown != [bare.get(run_id) for run_id in asked]:
        fail(
            "runs.getMany with resolveData 'none' answers each run as runs.get shows it under 'none'",
            "answered otherwise",
            ("runs.get under 'none'", [bare.get(run_id) for run_id in asked]),
            ("answered", shown),
        )


INVALID_ATTRIBUTE_CHANGES: tuple[tuple[str, list[tuple[str, str | None]]], ...] = (
    ("a reserved key without allowReservedAttributes", [("$reserved", "x")]),
    ("an empty key", [("", "x")]),
    ("a key of 257 characters", [("k" * 257, "x")]),
    ("a value of 257 UTF-8 bytes", [("long", "é" * 128 + "x")]),
    ("a key given twice", [("twice", "1"), ("twice", "2")]),
    ("65 keys once merged", [(f"key{index}", "v") for index in range(64)]),
)
"""Changes ``attr_set`` refuses (ATTR-004, ATTR-005); the run starts with one attribute."""


def _changes(pairs: list[tuple[str, str | None]]) -> list[AttributeChange]:
    """The changes as sent, unvalidated: judging them is the World's job."""
    return [AttributeChange.model_construct(key=key, value=value) for key, value in pairs]


async def _attributes_and_log(world: World, run_id: str) -> tuple[dict[str, str], list[str]]:
    run = await run_of(world, run_id)
    return dict(run.to_wire().get("attributes", {})), [e.event_id for e in await all_events(world, run_id)]


@invariant("OPT-008", requires=Capability.EXPERIMENTAL_SET_ATTRIBUTES)
async def test_experimental_set_attributes(world: World) -> None:
    """``runs.experimentalSetAttributes`` merges as ``attr_set`` does (sets, removes keys sent
    with ``null``, leaves the others), on a pending and a running run, answers the merged
    attributes, which ``runs.get`` then shows, and appends no event; a reserved key is accepted
    with ``allowReservedAttributes``; changes ``attr_set`` refuses are refused with
    ``AttributeValidationError`` or ``WorkflowWorldError`` status 400 and change nothing; a
    missing run raises ``WorkflowRunNotFoundError``."""
    setter = cast(SupportsExperimentalSetAttributes, world.runs)
    for state in ("pending", "running"):
        created = await create(world, None, make_line5.run_created(attributes={"keep": "1", "drop": "2"}))
        run_id = run_in(created, "run_created", "RUN-001").run_id
        if state == "running":
            await create(world, run_id, make.run_started())
        _, log = await _attributes_and_log(world, run_id)
        answered = await returns(
            setter.experimental_set_attributes(run_id, _changes([("drop", None), ("new", "3")])),
            f"experimentalSetAttributes on a {state} run",
        )
        reserved = await returns(
            setter.experimental_set_attributes(
                run_id, _changes([("$worldspec", "7")]), allow_reserved_attributes=True
            ),
            "experimentalSetAttributes of a reserved key with allowReservedAttributes",
        )
        merged = {"keep": "1", "new": "3"}
        after = await _attributes_and_log(world, run_id)
        if (
            dict(answered) != merged
            or dict(reserved) != {**merged, "$worldspec": "7"}
            or after
            != (
                {**merged, "$worldspec": "7"},
                log,
            )
        ):
            fail(
                f"experimentalSetAttributes on a {state} run merges as attr_set, answers the merged "
                "attributes, and appends no event",
                "did otherwise",
                ("answered", [answered, reserved]),
                ("runs.get attributes, event ids", after),
                ("event ids before", log),
            )
    await _refuses_invalid_changes(world, setter)
    await raises(
        errors.WorkflowRunNotFoundError,
        setter.experimental_set_attributes(make.new_id("wrun"), _changes([("k", "v")])),
        "experimentalSetAttributes on a missing run",
    )


async def _refuses_invalid_changes(world: World, setter: SupportsExperimentalSetAttributes) -> None:
    created = await create(world, None, make_line5.run_created(attributes={"base": "0"}))
    run_id = run_in(created, "run_created", "RUN-001").run_id
    await create(world, run_id, make.run_started())
    for what, pairs in INVALID_ATTRIBUTE_CHANGES:
        before = await _attributes_and_log(world, run_id)
        action = f"experimentalSetAttributes with {what}"
        await rejects_invalid_attributes(setter.experimental_set_attributes(run_id, _changes(pairs)), action)
        if await _attributes_and_log(world, run_id) != before:
            fail(f"the refused experimentalSetAttributes with {what} changes nothing", "changed the run")


@invariant("OPT-009", requires=Capability.CREATE_RUN_ID)
async def test_create_run_id_mints_bare_ulids(world: World) -> None:
    """``createRunId`` returns a bare 26-character ULID (no ``wrun_`` prefix, canonical
    upper-case Crockford base 32) whose time is now, a new one on each call, and ``run_created``
    for ``wrun_<id>`` makes the run with that id."""
    minter = cast(SupportsCreateRunId, world)
    before = datetime.now(UTC) - timedelta(seconds=5)
    minted = []
    for _ in range(3):
        found: Any = minter.create_run_id()
        minted.append(await found if inspect.isawaitable(found) else found)
    after = datetime.now(UTC) + timedelta(seconds=5)
    bad = [
        item
        for item in minted
        if not isinstance(item, str)
        or not CROCKFORD_ULID.match(item)
        or not is_ulid(item)
        or not before <= decode_time(item) <= after
    ]
    if bad or len(set(minted)) != len(minted):
        fail(
            "createRunId returns a new bare ULID of now on each call",
            "returned " + ("a repeat" if not bad else "something else"),
            ("returned", minted),
        )
    run_id = f"wrun_{minted[0]}"
    result = await returns(world.events.create(run_id, make.run_created()), f"run_created for {run_id}")
    if result.run is MISSING or result.run.run_id != run_id:
        fail("run_created for wrun_<createRunId()> makes the run with that id", "did not", ("result", result))


def _max_events_problem(result: Any) -> str | None:
    found = result.to_wire().get("maxEvents", MISSING)
    good = (
        isinstance(found, int | float)
        and not isinstance(found, bool)
        and float(found).is_integer()
        and found >= 1
    )
    return None if good else f"maxEvents is {'absent' if found is MISSING else repr(found)}"


@invariant("OPT-010", requires=Capability.MAX_EVENTS)
async def test_run_started_results_carry_max_events(world: World) -> None:
    """A World that declares ``max_events`` returns ``maxEvents``, a positive integer, on every
    ``run_started`` result: pending to running, with ``skipPreload``, a resilient start, and a
    ``run_started`` on a running run when the World answers it rather than refusing it."""
    shown: dict[str, EventResult] = {}
    shown["pending to running"] = await create(world, await pending_run(world), make.run_started())
    skipping = make.create_params(SpecLine.LINE_5, skip_preload=True)
    shown["with skipPreload"] = await returns(
        world.events.create(await pending_run(world), make.run_started(), skipping), "run_started"
    )
    shown["a resilient start"] = await create(world, make.new_id("wrun"), make_line5.resilient_run_started())
    running = await started_run(world)
    with contextlib.suppress(errors.WorkflowError):
        shown["on a running run"] = await world.events.create(running, make.run_started())
    problems = {
        path: problem
        for path, result in shown.items()
        if (problem := _max_events_problem(result)) is not None
    }
    if problems:
        fail(
            "every run_started result carries maxEvents, a positive integer",
            "; ".join(f"{path}: {problem}" for path, problem in problems.items()),
            *((path, shown[path]) for path in problems),
        )
