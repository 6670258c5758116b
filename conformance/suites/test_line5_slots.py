"""Event identity by slots on the 5.x line (world-contract-v7.md §2.6, §2.7): a run's events fill
slots 1 to n; a refused create takes none; slot ids repeat across runs and a run keeps one id
scheme; ``noop`` is the World's own filler, never a client's. The writers that race or fall
behind are judged in ``test_line5_slot_writers``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.backdoor import backdoor
from conformance.checks.event_kinds import every_kind_of_event
from conformance.checks.expect import deviate, fail, raises, rejects, returns
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import (
    attempt,
    create,
    created_step,
    event_in,
    from_now,
    live_hook,
    requests_for_one_run,
    started_run,
    waiting_wait,
)
from conformance.checks.slots import dense_log, ids, slot_of
from conformance.reporting.records import Evidence
from conformance.world.capabilities import capabilities_of, declares_on_line_5
from worldspec.capabilities import Capability
from worldspec.errors import WorkflowError, WorkflowWorldError
from worldspec.events import Event, EventRequest
from worldspec.line5 import event_data
from worldspec.line5 import events as line5_events
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.line5.slots import SLOT_EVENT_ID_PATTERN
from worldspec.lines import SpecLine
from worldspec.protocol import World


def _is_noop(event: Event) -> bool:
    """Whether ``event`` is a sealed log's filler (a type the 4.x event models lack)."""
    return str(event.event_type) == "noop"


def _seals(world: World) -> bool:
    """Whether the World declares a sealed log, which MAY fill a refused create's position with
    ``noop`` (v7 §2.6 item 3)."""
    return declares_on_line_5(world, LineFiveCapability.SEALED_LOG)


@invariant("SLOT-002")
async def test_runs_fill_slots_one_to_n(world: World) -> None:
    """The logs of runs holding every event type, of a resilient start, and of runs created at
    specVersion 6 and 7, read ascending in pages of 2 and of 100, hold slots 1, 2, …, n in that
    order, and slot 1 is the ``run_created``."""
    run_ids = list(
        dict.fromkeys(entry.run_id for entry in await every_kind_of_event(world, line=SpecLine.LINE_5))
    )
    resilient = make.new_id("wrun")
    await create(world, resilient, make_line5.resilient_run_started())
    run_ids.append(resilient)
    for version in (6, 7):
        result = await create(world, None, make_line5.run_created(spec_version=version))
        run_id = event_in(result, "run_created", "RUN-001").run_id
        await create(world, run_id, make.run_started())
        await created_step(world, run_id)
        await waiting_wait(world, run_id)
        run_ids.append(run_id)
    for run_id in run_ids:
        for page_size in (2, 100):
            log = await all_events(world, run_id, page_size=page_size)
            slots = [slot_of(event) for event in log]
            if slots != list(range(1, len(log) + 1)) or not log or log[0].event_type != "run_created":
                fail(
                    f"the log of run {run_id}, listed in pages of {page_size}, holds slots 1…n in order, "
                    "slot 1 its run_created",
                    f"listed slots {slots}",
                    ("log", [(event.event_id, event.event_type) for event in log]),
                )


async def _expect_next_slot(world: World, run_id: str, after: int, refused: str) -> int:
    """Create a fresh step in ``run_id`` right after the refusal ``refused``; its event must take
    slot ``after + 1`` (or, on a sealed log, ``after + 2`` with a ``noop`` at ``after + 1``).
    Returns the slot it took."""
    step_id = make.new_id("step")
    result = await create(world, run_id, make.step_created(step_id))
    slot = slot_of(event_in(result, "step_created", "STEP-001"))
    if slot == after + 1:
        return slot
    if _seals(world) and slot == after + 2:
        log = await all_events(world, run_id)
        if len(log) >= after + 1 and _is_noop(log[after]):
            return slot
    fail(
        f"after {refused} was refused, the run's next accepted create takes the next slot, "
        f"{after + 1}"
        + (" (or a noop fills it and the create takes the one after)" if _seals(world) else ""),
        f"gave it slot {slot}",
        ("log", [(event.event_id, event.event_type) for event in await all_events(world, run_id)]),
    )


@invariant("SLOT-003")
async def test_a_refused_create_takes_no_slot(world: World) -> None:
    """In a running run, each refusal the contract names (a second ``run_created`` for its
    runId; a duplicate ``step_created``, ``hook_created`` with a new token and ``wait_created``;
    ``step_started`` on a completed step; ``hook_received`` of an unknown hook;
    ``wait_completed`` of an unknown wait) is followed by an accepted ``step_created``, which
    takes the slot right after the last accepted event: the refusal took none."""
    run_id = await started_run(world)
    done = await created_step(world, run_id)
    await create(world, run_id, make.step_started(done))
    await create(world, run_id, make.step_completed(done))
    hook_id, _ = await live_hook(world, run_id)
    wait_id = await waiting_wait(world, run_id)
    last = len(await dense_log(world, run_id))
    refusals: list[tuple[str, EventRequest, str]] = [
        ("a second run_created for the run's id", make.run_created(), "RUN-004"),
        ("a duplicate step_created", make.step_created(done), "STEP-002"),
        ("a duplicate hook_created (new token)", make.hook_created(hook_id, make.token()), "HOOK-004"),
        ("a duplicate wait_created", make.wait_created(wait_id, from_now(3600)), "WAIT-002"),
        ("step_started on a completed step", make.step_started(done), "STEP-008"),
        ("hook_received of an unknown hook", make.hook_received(make.new_id("hook")), "HOOK-006"),
        ("wait_completed of an unknown wait", make.wait_completed(make.new_id("wait")), "WAIT-004"),
    ]
    for refused, request, judged_by in refusals:
        outcome = await attempt(world.events.create(run_id, request))
        if not isinstance(outcome, WorkflowError):
            deviate(refused, "accepted it", judged_by, ("result", outcome))
        last = await _expect_next_slot(world, run_id, last, refused)


@invariant("SLOT-009")
async def test_events_get_reads_the_slot_of_the_named_run(world: World) -> None:
    """Three runs whose logs hold different events at the same slots: ``events.get(runId,
    eventId)`` of every listed event of each run returns that run's event (its runId, type and
    correlationId), and a slot id one run has and another lacks is not found in the other."""
    first, second, short = await started_run(world), await started_run(world), await started_run(world)
    step_id = await created_step(world, first)
    await create(world, first, make.step_started(step_id))
    await waiting_wait(world, first)
    await live_hook(world, second)
    await waiting_wait(world, second)
    await created_step(world, second)
    logs = {run_id: await all_events(world, run_id) for run_id in (first, second, short)}
    for run_id, log in logs.items():
        for listed in log:
            got = await returns(world.events.get(run_id, listed.event_id), f"events.get of {listed.event_id}")
            if (got.run_id, got.event_type, got.correlation_id) != (
                run_id,
                listed.event_type,
                listed.correlation_id,
            ):
                fail(
                    f"events.get({run_id!r}, {listed.event_id!r}) returns that run's "
                    f"{listed.event_type}, the slot id being used by other runs too",
                    "returned another event",
                    ("listed", listed),
                    ("got", got),
                )
    beyond = logs[first][len(logs[short])].event_id
    await rejects(
        world.events.get(short, beyond),
        f"events.get({short!r}, {beyond!r}), a slot that run does not have (another run has)",
    )


def _client_noops() -> list[tuple[str, EventRequest]]:
    """``noop`` as a careless client would send it: bare, sealed, with a correlationId."""
    sealed = event_data.NoopData(sealed=True)
    shapes: list[tuple[str, dict[str, object]]] = [
        ("a bare noop", {}),
        ("a noop with {sealed: true}", {"event_data": sealed}),
        ("a noop with a correlationId", {"correlation_id": make.new_id("step"), "event_data": sealed}),
    ]
    return [
        (label, make.careless(line5_events.RunStartedRequest, "noop", **fields)) for label, fields in shapes
    ]


@invariant("SLOT-011")
async def test_client_noop_is_refused_and_stores_nothing(world: World) -> None:
    """``events.create`` with eventType ``noop`` (bare, ``{sealed: true}``, with a correlationId)
    on a running run is refused with ``WorkflowWorldError``; the log is unchanged and the run's
    next accepted create takes the next slot. Sent with runId ``None`` it is refused too."""
    run_id = await started_run(world)
    await created_step(world, run_id)
    for label, request in _client_noops():
        before = ids(await dense_log(world, run_id))
        await raises(WorkflowWorldError, world.events.create(run_id, request), f"{label} from a client")
        after = await all_events(world, run_id)
        if ids(after) != before:
            fail(
                f"{label} from a client stores nothing",
                "changed the log",
                ("before", before),
                ("after", [(event.event_id, event.event_type) for event in after]),
            )
        taken = slot_of(
            event_in(await create(world, run_id, make.step_created(make.new_id("step"))), "", "STEP-001")
        )
        if taken != len(before) + 1:
            fail(
                f"after {label} was refused, the next create takes slot {len(before) + 1}",
                f"gave it slot {taken}",
                ("log", [(event.event_id, event.event_type) for event in await all_events(world, run_id)]),
            )
    await raises(
        WorkflowWorldError, world.events.create(None, _client_noops()[1][1]), "a noop with runId None"
    )


@invariant("SLOT-012")
async def test_noop_events_are_fillers_of_v7_runs(world: World) -> None:
    """Every ``noop`` in the logs the kit writes (runs at specVersion 6 and 7 with refused
    creates among accepted ones, where a sealed log may fill positions, and runs holding every
    event type) is in a run stored at specVersion 7 or more, has no correlationId and an
    eventData that is absent or an object."""
    run_ids = list(
        dict.fromkeys(entry.run_id for entry in await every_kind_of_event(world, line=SpecLine.LINE_5))
    )
    for version in (6, 7):
        result = await create(world, None, make_line5.run_created(spec_version=version))
        run_id = event_in(result, "run_created", "RUN-001").run_id
        await create(world, run_id, make.run_started())
        step_id = await created_step(world, run_id)
        for refused in (make.step_created(step_id), make.hook_received(make.new_id("hook"))):
            await attempt(world.events.create(run_id, refused))
            await created_step(world, run_id)
        run_ids.append(run_id)
    for run_id in run_ids:
        noops = [event for event in await all_events(world, run_id) if _is_noop(event)]
        if not noops:
            continue
        run_version = (await run_of(world, run_id)).spec_version
        for noop in noops:
            wire = noop.to_wire()
            if (
                not isinstance(run_version, int)
                or run_version < 7
                or "correlationId" in wire
                or not isinstance(wire.get("eventData", {}), dict)
            ):
                fail(
                    "a noop is only in runs at specVersion 7 or more, without correlationId, its "
                    "eventData absent or an object",
                    f"logged one in a run at specVersion {run_version}",
                    ("noop", noop),
                )


def _seeded_ulid_run() -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A running run as a World at spec 3 stored it (``Backdoor.seed_legacy_run``): its
    ``run_created`` and ``run_started`` named by ULID event ids."""
    run_id, stamp = make.new_id("wrun"), 1_700_000_000_000
    data = {"deploymentId": make.DEPLOYMENT_ID, "workflowName": make.workflow_name()}
    run = {"runId": run_id, "status": "running", "specVersion": 3, "createdAt": stamp, "updatedAt": stamp}
    run.update(data, startedAt=stamp)
    base = {"runId": run_id, "specVersion": 3}
    events = [
        {
            **base,
            "eventId": make.new_id("evnt"),
            "eventType": "run_created",
            "eventData": data,
            "createdAt": stamp,
        },
        {**base, "eventId": make.new_id("evnt"), "eventType": "run_started", "createdAt": stamp + 1},
    ]
    return run, events


def _schemes(log: Sequence[Event]) -> set[str]:
    """The id schemes of ``log``: ``slot`` for the ``evnt_0000000000…`` form (whichever number
    it holds, SLOT-001 judges that), ``ULID`` for any other."""
    return {"slot" if SLOT_EVENT_ID_PATTERN.match(event.event_id) else "ULID" for event in log}


@invariant("SLOT-010")
async def test_a_run_keeps_one_id_scheme(world: World, world_evidence: Evidence) -> None:
    """Runs created at specVersion 1, 2, 3, 5, 6 and 7, each then sent events of every kind
    (those a legacy run refuses included), name all their events by one scheme, slots for 6 and
    7. Where the World has a backdoor (``legacy_seeding``): a run stored with ULID event ids at
    spec 3 keeps them, and the events it is then sent get ULID ids too."""
    for version in (1, 2, 3, 5, 6, 7):
        result = await create(world, None, make_line5.run_created(spec_version=version))
        run_id = event_in(result, "run_created", "RUN-001").run_id
        for request in requests_for_one_run():
            await attempt(world.events.create(run_id, request))
        log = await all_events(world, run_id)
        schemes = _schemes(log)
        if len(schemes) != 1 or (version >= 6 and schemes != {"slot"}):
            fail(
                f"a run created at specVersion {version} names every event by one scheme"
                + (" (slots)" if version >= 6 else " (slots or ULIDs)"),
                f"used {sorted(schemes)}",
                ("log", [(event.event_id, event.event_type) for event in log]),
            )
    if not capabilities_of(world).has(Capability.LEGACY_SEEDING):
        world_evidence.notes.append("not judged: a run stored with ULID event ids (no backdoor)")
        return
    run, stored = _seeded_ulid_run()
    await backdoor(world).seed_legacy_run(run, stored)
    for request in requests_for_one_run()[1:-1]:
        await attempt(world.events.create(str(run["runId"]), request))
    log = await all_events(world, str(run["runId"]))
    if len(log) <= len(stored):
        deviate("events sent to a run stored at spec 3", "accepted none of them", "LEG-105", ("log", log))
    kept = [event.event_id for event in log][: len(stored)] == [event["eventId"] for event in stored]
    if not kept or _schemes(log) != {"ULID"}:
        fail(
            "a run stored with ULID event ids keeps them, and the events it is sent get ULIDs",
            "logged otherwise",
            ("stored", [(event["eventId"], event["eventType"]) for event in stored]),
            ("log", [(event.event_id, event.event_type) for event in log]),
        )
