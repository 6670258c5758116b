"""Zero retention on the 5.x line (world-contract-v7.md §12 ``retention``, §10 expired streams):
a run whose attribute ``$retention`` is exactly ``'0'`` when it ends keeps its records but loses
every payload. Judged only on a World that declares ``retention``."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar, cast

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import deviate, fail, returns
from conformance.checks.reads import WHOLE_PAGE, all_events, run_of
from conformance.checks.scenarios import create, live_hook, pending_run
from conformance.world.capabilities import capabilities_of
from worldspec.capabilities import Capability
from worldspec.errors import WorkflowError
from worldspec.events import EventRequest
from worldspec.line5.events import EVENT_DATA_REF_FIELDS
from worldspec.protocol import World
from worldspec.wire_types import MISSING

T = TypeVar("T")

CLOCK_SKEW = timedelta(seconds=2)
"""How far a World's clock may be from the kit's: both run on one machine in a kit run."""
READ_TIMEOUT = 10.0
"""Seconds a read of a purged stream may take before the kit calls it hung."""
RUN_INPUT = b"devl\x00run-input"
RUN_OUTPUT = b"devl\x00run-output"
STEP_INPUT = b"devl\x00step-input"
STEP_RESULT = b"devl\x00step-result"
ENDINGS: dict[str, tuple[Callable[[], EventRequest], str]] = {
    "run_completed": (lambda: make.run_completed(RUN_OUTPUT), "completed"),
    "run_failed": (lambda: make_line5.run_failed({"message": "devl", "stack": "s"}, "E_DEVL"), "failed"),
    "run_cancelled": (make.run_cancelled, "cancelled"),
}
"""Each terminal run event (a builder of a fresh request) with the status it leaves."""
KEPT_VALUES = ("7", " 0 ", "0.0", "00", "-0", "default")
"""``$retention`` values that are not exactly ``'0'``: each keeps the run's data."""
SENT_WITH_A_PAYLOAD = frozenset({"run_created", "step_created", "step_completed", "run_completed"})
"""The events of RET-003's runs that the kit sends with their ref field."""


async def _running_with(
    world: World, attributes: dict[str, str], *, later: list[tuple[str, str | None]]
) -> str:
    """A started run created with ``attributes`` (framework keys allowed), whose attributes
    then change by ``later`` (one ``attr_set`` from the workflow, ``None`` removing a key). A run
    that does not then show the ``$retention`` asked for is a deviation of the ATTR rule that
    judges it, not a retention bug."""
    request = make_line5.run_created(input=RUN_INPUT, attributes=attributes, allow_reserved=True)
    run_id = await pending_run(world, request)  # type: ignore[arg-type]
    await create(world, run_id, make.run_started())
    if later:
        changes = make_line5.attr_set(later, correlation_id=make.new_id("attr"), allow_reserved=True)
        await create(world, run_id, changes)
    expected = dict(attributes) | dict(later)
    shown = (await run_of(world, run_id)).to_wire().get("attributes") or {}
    if shown.get("$retention") != expected.get("$retention"):
        deviate(
            "the run's attributes after run_created" + (" and attr_set" if later else ""),
            f"show $retention {shown.get('$retention')!r}, not {expected.get('$retention')!r}",
            "ATTR-002" if later else "ATTR-001",
        )
    return run_id


async def _completed_step(world: World, run_id: str) -> str:
    step_id = make.new_id("step")
    await create(world, run_id, make.step_created(step_id, input=STEP_INPUT))
    await create(world, run_id, make.step_started(step_id))
    await create(world, run_id, make.step_completed(step_id, STEP_RESULT))
    return step_id


async def _failed_step(world: World, run_id: str) -> str:
    step_id = make.new_id("step")
    await create(world, run_id, make.step_created(step_id, input=STEP_INPUT))
    await create(world, run_id, make.step_started(step_id))
    await create(world, run_id, make_line5.step_failed(step_id, {"message": "devl", "stack": "s"}))
    return step_id


def _ref_fields_left(event: Any) -> list[str]:
    data = event.to_wire().get("eventData") or {}
    return [name for name in EVENT_DATA_REF_FIELDS.get(event.event_type, ()) if name in data]


@invariant("RET-001", requires=Capability.RETENTION)
async def test_a_zero_retention_run_ends_without_its_payloads(world: World) -> None:
    """A run whose ``$retention`` is ``'0'`` when it ends (set at ``run_created`` or by a later
    ``attr_set``), ended by each terminal event, reads from ``runs.get`` with its terminal status,
    no ``input``, ``output`` or ``error``, and an ``expiredAt`` no later than now; its attributes
    are not payloads and stay as they were."""
    ways: list[tuple[str, dict[str, str], list[tuple[str, str | None]]]] = [
        ("set by run_created", {"$retention": "0"}, []),
        ("set by a later attr_set", {}, [("$retention", "0")]),
    ]
    for how, attributes, later in ways:
        for kind, (ending, status) in ENDINGS.items():
            run_id = await _running_with(world, attributes, later=later)
            await create(world, run_id, ending())
            run = await returns(
                world.runs.get(run_id), f"runs.get of a run with $retention '0' ({how}) after {kind}"
            )
            leaked = {
                name: getattr(run, name)
                for name in ("input", "output", "error")
                if getattr(run, name) is not MISSING
            }
            expired = run.to_wire().get("expiredAt", MISSING)
            late = not isinstance(run.expired_at, datetime) or run.expired_at > datetime.now(UTC) + CLOCK_SKEW
            held = {**attributes, **{key: value for key, value in later if value is not None}}
            kept = run.to_wire().get("attributes") or {}
            if run.status != status or leaked or late or kept != held:
                fail(
                    f"a run whose $retention is '0' ({how}) that ends by {kind} reads as {status}, "
                    "without input, output or error, with expiredAt no later than now, its attributes kept",
                    f"read with status {run.status!r}, expiredAt {expired!r}, attributes {kept!r}"
                    + (f" and still has {sorted(leaked)}" if leaked else ""),
                    ("run", run),
                )


@invariant("RET-002", requires=Capability.RETENTION)
async def test_a_zero_retention_runs_records_stay_without_payloads(world: World) -> None:
    """After a ``$retention: '0'`` run ends, its completed and failed steps have no ``input``,
    ``output`` or ``error`` (``steps.get`` and ``steps.list``), no event of its log keeps a ref
    field (``events.list`` and ``events.get``), a hook it retains (on a World with
    ``hookRetention``) has no ``metadata``; every step, event and hook is still there."""
    retains_hooks = capabilities_of(world).has(Capability.HOOK_RETENTION)
    run_id = await _running_with(world, {"$retention": "0"}, later=[])
    steps = {await _completed_step(world, run_id), await _failed_step(world, run_id)}
    hook_id, _ = await live_hook(world, run_id, metadata=b"devl\x00hook-metadata")
    await create(world, run_id, make.hook_received(hook_id))
    retained = make.new_id("hook")
    if retains_hooks:
        until = datetime.now(UTC) + timedelta(hours=1)
        request = make_line5.hook_created(
            retained, make.token(), retention_until=until, metadata=b"devl\x00kept"
        )
        await create(world, run_id, request)
    before = [event.event_id for event in await all_events(world, run_id)]
    await create(world, run_id, ENDINGS["run_completed"][0]())
    listed = await returns(world.steps.list(run_id, pagination=WHOLE_PAGE), "steps.list of the purged run")
    shown = {step.step_id: step for step in listed.data}
    for step_id in sorted(steps):
        step = await returns(world.steps.get(run_id, step_id), "steps.get of a purged run's step")
        for where, seen in (("steps.get", step), ("steps.list", shown.get(step_id))):
            left = (
                []
                if seen is None
                else [n for n in ("input", "output", "error") if getattr(seen, n) is not MISSING]
            )
            if seen is None or left:
                fail(
                    "a step of a run that ended with $retention '0' is still there, without input, "
                    "output or error",
                    f"{where} " + ("did not show it" if seen is None else f"still shows {left}"),
                    ("step", seen),
                )
    log = await all_events(world, run_id)
    missing = [event_id for event_id in before if event_id not in {event.event_id for event in log}]
    if missing or len(log) != len(before) + 1:
        fail(
            "a purged run's log still lists every event, and the terminal one",
            f"listed {len(log)} events for {len(before) + 1} written, missing {missing}",
            ("log", log),
        )
    for event in log:
        got = await returns(world.events.get(run_id, event.event_id), "events.get of a purged run's event")
        for where, read in (("events.list", event), ("events.get", got)):
            if _ref_fields_left(read):
                fail(
                    "no event of a run that ended with $retention '0' keeps a ref field (§2.1)",
                    f"{where} shows {read.event_type} with {_ref_fields_left(read)}",
                    ("event", read),
                )
    if retains_hooks:
        hook = await returns(world.hooks.get(retained), "hooks.get of the purged run's retained hook")
        if hook.metadata is not MISSING:
            fail(
                "a hook retained by a run that ended with $retention '0' has no metadata",
                "still shows its metadata",
                ("hook", hook),
            )


@invariant("RET-003", requires=Capability.RETENTION)
async def test_any_other_retention_keeps_the_payloads(world: World) -> None:
    """A run ending with ``$retention`` other than exactly ``'0'`` (``'7'``, ``' 0 '``,
    ``'0.0'``, ``'00'``, ``'-0'``, ``'default'``; ``'0'`` changed to ``'7'`` or removed before the
    end; ``'0'`` under another key, ``$Retention`` or ``retention``) keeps its input and output,
    gets no ``expiredAt``, and its steps and events keep their payloads."""
    cases: list[tuple[str, dict[str, str], list[tuple[str, str | None]]]] = [
        (f"$retention {value!r}", {"$retention": value}, []) for value in KEPT_VALUES
    ]
    cases += [
        ("$retention '0' changed to '7'", {"$retention": "0"}, [("$retention", "7")]),
        ("$retention '0' removed", {"$retention": "0"}, [("$retention", None)]),
        ("'0' under the key $Retention", {"$Retention": "0"}, []),
        ("'0' under the key retention", {"retention": "0"}, []),
    ]
    for label, attributes, later in cases:
        run_id = await _running_with(world, attributes, later=later)
        step_id = await _completed_step(world, run_id)
        await create(world, run_id, ENDINGS["run_completed"][0]())
        run = await returns(world.runs.get(run_id), f"runs.get of a run with {label}")
        step = await returns(world.steps.get(run_id, step_id), f"steps.get of a step of a run with {label}")
        emptied = [
            event
            for event in await all_events(world, run_id)
            if event.event_type in SENT_WITH_A_PAYLOAD and not _ref_fields_left(event)
        ]
        kept = (run.input, run.output, step.input, step.output) == (
            RUN_INPUT,
            RUN_OUTPUT,
            STEP_INPUT,
            STEP_RESULT,
        )
        if not kept or run.expired_at is not MISSING or emptied:
            fail(
                f"a run that ends with {label} keeps every payload (only exactly '0' purges)",
                "lost some",
                ("run", run),
                ("step", step),
                ("events without their payload", emptied),
            )


async def _expired_or(call: Awaitable[T], action: str) -> T | None:
    """``call``'s answer, or ``None`` when it raised ``StreamExpiredError``; another error fails."""
    try:
        return await call
    except WorkflowError as error:
        if error.name == "StreamExpiredError":
            return None
        fail(
            f"{action} reads as empty and closed, or raises StreamExpiredError",
            f"raised {error.name}: {error}",
        )


async def _chunks_read(world: World, run_id: str, name: str) -> list[bytes]:
    async def read_all() -> list[bytes]:
        return [chunk async for chunk in cast(Any, world).streams.get(run_id, name)]

    try:
        return await asyncio.wait_for(read_all(), READ_TIMEOUT)
    except TimeoutError:
        fail(
            "reading a purged run's stream ends (empty and closed) or raises StreamExpiredError",
            f"streams.get had not ended after {READ_TIMEOUT:g} s",
        )


@invariant("RET-004", requires=(Capability.RETENTION, Capability.STREAMS))
async def test_a_zero_retention_runs_streams_read_empty(world: World) -> None:
    """After a ``$retention: '0'`` run ends by each terminal event, its streams (one closed, one
    left open) read through ``streams.get`` and ``streams.getChunks`` as empty and closed, or
    raise ``StreamExpiredError``."""
    streams: Any = cast(Any, world).streams
    for kind, (ending, _) in ENDINGS.items():
        run_id = await _running_with(world, {"$retention": "0"}, later=[])
        names = {"closed": make.new_id("strm"), "open": make.new_id("strm")}
        for state, name in names.items():
            for chunk in (b"devl\x00one", b"devl\x00two"):
                await returns(streams.write(run_id, name, chunk), "streams.write")
            if state == "closed":
                await returns(streams.close(run_id, name), "streams.close")
        await create(world, run_id, ending())
        for state, name in names.items():
            action = f"a stream left {state} by a run that ended by {kind} with $retention '0'"
            page = await _expired_or(streams.get_chunks(run_id, name), f"streams.getChunks of {action}")
            if page is not None and (page.data or not page.done):
                fail(
                    f"{action} reads as empty and closed, or raises StreamExpiredError",
                    "streams.getChunks still shows chunks or an open stream",
                    ("streams.getChunks", page),
                )
            read = await _expired_or(_chunks_read(world, run_id, name), f"streams.get of {action}")
            if read:
                fail(
                    f"{action} reads as empty and closed, or raises StreamExpiredError",
                    "streams.get still yields its chunks",
                    ("streams.get", read),
                )
