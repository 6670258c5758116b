"""Coherent views (kit addition): every read path of one entity tells the same story.

A backend keeps an entity in more than one shape (a row and a listing index, a file and a
summary, a cache), and updates them in more than one place. The contract states the rules
these break only in passing (§2.5 "``updatedAt`` changes on each mutation", §2.3 "an entity's
``specVersion`` is its creating event's", §9 "a ``limit`` of 1–1000 MUST be honoured"); this
family states them as rules and judges every read path, on the kit's clock where the World
takes it.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5, values
from conformance.checks.expect import deviate, fail, returns
from conformance.checks.reads import listed_id
from conformance.checks.scenarios import create, event_in, pending_run, run_in
from conformance.world.clock import ClockedWorld
from worldspec.capabilities import Capability
from worldspec.events import EventRequest
from worldspec.lines import SpecLine
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.protocol import World
from worldspec.wire_types import MISSING

RESOLVE: tuple[ResolveData, ...] = ("all", "none")
PAGE = PaginationOptions(limit=1000)
NEWEST_FIRST = PaginationOptions(limit=1000, sort_order="desc")
"""The page of hooks across all runs: newest first, so this test's hook is on it however many
older hooks the World's storage holds. Only this test's hooks are compared: another client of a
shared storage may change its own between the list and the get."""


def _wire(entity: Any) -> Any:
    return entity.to_wire() if hasattr(entity, "to_wire") else entity


def _differ(listed: Any, got: Any, where: str, resolve: ResolveData) -> None:
    if _wire(listed) != _wire(got):
        fail(
            f"{where} with resolveData {resolve!r} shows each entity as get shows it",
            "showed it otherwise",
            ("listed", listed),
            ("got", got),
        )


def _present(listed: list[Any], key: str, expected: set[str], label: str, judged_by: str) -> None:
    """The list holds every entity the test made: a list that lacks one is judged by its own rule."""
    found = {str(getattr(item, key)) for item in listed}
    if not expected <= found:
        deviate(label, f"lacks {sorted(expected - found)}", judged_by, ("listed", listed))


SCENE_ATTRIBUTES = {"team": "payments", "Team": "cased", "caf\u00e9": "accented"}
"""Attributes of the 5.x scene's running run: keys a case- or accent-blind store would merge."""


SCENE_PUBLIC_KEY = "bm90LWEtcmVhbC1rZXktb25seS1hLXNjZW5lLWtleQ=="
"""The ``encryptionPublicKey`` of the 5.x scene's running run (base64, as upstream's are)."""

SCENE_ERROR_CODE = "E_WORLDSPEC_SCENE"
"""The ``errorCode`` the 5.x scene's failed run ends with."""


async def _scene(world: World, line: SpecLine) -> tuple[str, list[str], str, list[str], str]:
    """Runs of one workflow in every status, legacy among them; the running one holds steps in
    every status, a live hook and a wait, all carrying nested payloads (and on the 5.x line
    attributes, set by ``run_created`` and by ``attr_set``, and an ``encryptionPublicKey``; the
    failed run has an ``errorCode``). Returns the workflow name, every
    run, the running run, its steps and its hook."""
    name = make.workflow_name()
    payload = values.nested_payload()
    creating = (
        make_line5.run_created(
            workflow_name=name,
            input=payload,
            execution_context=payload,
            attributes=SCENE_ATTRIBUTES,
            encryption_public_key=SCENE_PUBLIC_KEY,
        )
        if line is SpecLine.LINE_5
        else make.run_created(name=name, input=payload, execution_context=payload)
    )
    running = await pending_run(world, creating)  # type: ignore[arg-type]
    legacy = await pending_run(
        world, make.run_created(name=name, input={"legacy": ["json", 1, None]}, spec_version=1)
    )
    runs = [running, legacy, await pending_run(world, make.run_created(name=name))]
    await create(world, running, make.run_started())
    steps = [make.new_id("step") for _ in range(4)]
    hook_id = make.new_id("hook")
    history: list[EventRequest] = [
        *(make.step_created(step_id, input=payload) for step_id in steps),
        make.step_started(steps[0]),
        make.step_completed(steps[0], result=payload),
        make.step_started(steps[1]),
        make.step_failed(steps[1], error={"message": "broke", "stack": "at x"}),
        make.step_started(steps[2]),
        make.step_retrying(steps[2], retry_after=datetime.fromisoformat("2099-01-01T00:00:00.001+00:00")),
        make.hook_created(hook_id, make.token(), metadata=payload, is_webhook=False),
        make.hook_received(hook_id, payload=payload),
        make.wait_created(make.new_id("wait"), datetime.fromisoformat("2099-01-01T00:00:00+00:00")),
    ]
    if line is SpecLine.LINE_5:
        history.append(
            make_line5.attr_set([("stage", "coherence"), ("Team", None)], correlation_id=make.new_id("attr"))
        )
    for request in history:
        await create(world, running, request)
    failing = (
        make_line5.run_failed({"message": "m"}, SCENE_ERROR_CODE)
        if line is SpecLine.LINE_5
        else make.run_failed(error={"message": "m"})
    )
    for finish in (make.run_completed(output=payload), failing):
        ended = await started_run_of(world, name)
        await create(world, ended, finish)
        runs.append(ended)
    return name, runs, running, steps, hook_id


async def started_run_of(world: World, name: str) -> str:
    run_id = await pending_run(world, make.run_created(name=name))
    await create(world, run_id, make.run_started())
    return run_id


@invariant("COH-001")
async def test_list_read_equals_get_read(world: World, world_line: SpecLine) -> None:
    """Every run (current and legacy, in every status), step (in every status), hook and event
    that a list returns equals what the matching get returns for it, field for field, with
    ``resolveData`` ``'all'`` and ``'none'``: runs.list against runs.get, steps.list against
    steps.get, hooks.list against hooks.get, events.list and listByCorrelationId against
    events.get. Payloads are nested values with bytes of every shape; on the 5.x line the
    running run also carries attributes and an ``encryptionPublicKey``, and the failed one an
    ``errorCode``, the members a list query written for 4.x leaves out."""
    name, runs, running, steps, hook_id = await _scene(world, world_line)
    for resolve in RESOLVE:
        listed_runs = (
            await returns(
                world.runs.list(workflow_name=name, pagination=PAGE, resolve_data=resolve), "runs.list"
            )
        ).data
        _present(listed_runs, "run_id", set(runs), "runs.list(workflowName)", "LIST-005")
        for run in listed_runs:
            run_got = await returns(world.runs.get(run.run_id, resolve_data=resolve), "runs.get")
            _differ(run, run_got, "runs.list", resolve)
        listed_steps = (
            await returns(world.steps.list(running, pagination=PAGE, resolve_data=resolve), "steps.list")
        ).data
        _present(listed_steps, "step_id", set(steps), "steps.list", "LIST-005")
        for step in listed_steps:
            step_got = await returns(
                world.steps.get(running, step.step_id, resolve_data=resolve), "steps.get"
            )
            _differ(step, step_got, "steps.list", resolve)
        for listing in (
            world.hooks.list(run_id=running, pagination=PAGE, resolve_data=resolve),
            world.hooks.list(pagination=NEWEST_FIRST, resolve_data=resolve),
        ):
            listed = (await returns(listing, "hooks.list")).data
            listed_hooks = [hook for hook in listed if hook.run_id in runs]
            _present(listed_hooks, "hook_id", {hook_id}, "hooks.list", "LIST-005")
            for hook in listed_hooks:
                hook_got = await returns(world.hooks.get(hook.hook_id, resolve_data=resolve), "hooks.get")
                _differ(hook, hook_got, "hooks.list", resolve)
        for run_id in runs:
            log = (
                await returns(world.events.list(run_id, pagination=PAGE, resolve_data=resolve), "events.list")
            ).data
            by_step = (
                await returns(
                    world.events.list_by_correlation_id(
                        steps[0], run_id=running, pagination=PAGE, resolve_data=resolve
                    ),
                    "events.listByCorrelationId",
                )
            ).data
            for where, events in (("events.list", log), ("events.listByCorrelationId", by_step)):
                for event in events:
                    event_got = await returns(
                        world.events.get(event.run_id, event.event_id, resolve_data=resolve), "events.get"
                    )
                    _differ(event, event_got, where, resolve)


SET_ONCE = {"created_at": "createdAt", "started_at": "startedAt"}
"""The times a mutation never moves once an entity shows them (a run's startedAt is set by
run_started, a step's by its first step_started). A step's startedAt is judged from its
latest start on: what the starts themselves do to it is STEP-003's to judge."""

STEP_SECONDS = 1.5
"""How far the kit's clock moves between two mutations (a World on its own clock is given a few
milliseconds instead)."""


async def _mutation(
    clocked: ClockedWorld, run_id: str | None, request: EventRequest, kind: str
) -> tuple[Any, datetime, datetime]:
    """Let time pass, then send ``request``; the entity of ``kind`` it touched and the clock
    readings around the call."""
    await clocked.tick(STEP_SECONDS)
    before = clocked.now()
    result = await create(clocked.world, run_id, request)
    after = clocked.now()
    entity = getattr(result, kind)
    if entity is MISSING:
        deviate(request.event_type, f"returned no {kind}", "EVT-011", ("result", result))
    return entity, before, after


@invariant("COH-002")
async def test_updated_at_moves_on_each_mutation(clocked_world: ClockedWorld, world_line: SpecLine) -> None:
    """Each event that changes a run, a step or a wait sets that entity's ``updatedAt`` to the
    time of the change, and leaves its ``createdAt``, and a ``startedAt`` once set, as they
    were (a step's later starts are STEP-003's to judge), in the create result and in what
    ``get`` reads afterwards: run_created
    (``updatedAt = createdAt``), run_started, run_completed; step_created, step_started,
    step_retrying, step_started again, step_completed, and another step's step_failed;
    wait_created, wait_completed; on the 5.x line attr_set; and on two more runs, run_failed
    and run_cancelled. The ``startedAt`` and ``completedAt`` an event sets (run_started, a
    step's first step_started, the endings of runs and steps, wait_completed) are the time of
    that event too (a run's ``startedAt`` may be kept from earlier, never later), and so is the
    ``createdAt`` of a hook (result, ``hooks.get``, ``getByToken``). On the kit's clock, which
    moves between the events, the times are exact; a World on its own clock must give each
    change a later ``updatedAt`` than the one before, and each time within 2 s of its call."""
    clocked, world = clocked_world, clocked_world.world
    stamps: dict[str, datetime] = {}
    first_shown: dict[tuple[str, str], datetime] = {}

    async def judge(label: str, key: str, entity: Any, before: datetime, after: datetime) -> None:
        stamp = entity.updated_at
        shown = [("the result", entity)]
        if key.startswith("run"):
            shown.append(("runs.get", await returns(world.runs.get(entity.run_id), "runs.get")))
        elif key.startswith("step"):
            got = await returns(world.steps.get(entity.run_id, entity.step_id), "steps.get")
            shown.append(("steps.get", got))
        for where, read in shown:
            for field, name in SET_ONCE.items():
                value = getattr(read, field, MISSING)
                if field == "started_at" and label.startswith("step_started"):
                    first_shown.pop((key, field), None)
                first = first_shown.get((key, field))
                if first is None:
                    if value is not MISSING:
                        first_shown[(key, field)] = value
                elif value != first:
                    fail(
                        f"after {label}, {where} keeps the {key}'s {name} {first.isoformat()}",
                        f"showed {value.isoformat() if isinstance(value, datetime) else value}",
                        ("entity", read),
                    )
        for where, read in shown:
            _set_at_the_change(clocked, label, key, where, read, before, after)
        readings = [read.updated_at for _, read in shown]
        previous = stamps.get(key)
        for reading in readings:
            moved = previous is None or reading > previous
            if not (moved and clocked.stamped_when(reading, before, after)):
                fail(
                    f"after {label}, updatedAt is {clocked.stamp_wanted(before)}, "
                    f"later than before ({previous})",
                    f"read {reading.isoformat()}",
                    ("entity", entity),
                )
        stamps[key] = stamp

    created, before, after = await _mutation(clocked, None, make.run_created(), "run")
    run_id = created.run_id
    if created.created_at != created.updated_at:
        fail("run_created sets updatedAt = createdAt", "set them apart", ("run", created))
    await judge("run_created", "run", created, before, after)
    await judge("run_started", "run", *await _mutation(clocked, run_id, make.run_started(), "run"))
    step_id = make.new_id("step")
    for label, request in (
        ("step_created", make.step_created(step_id)),
        ("step_started", make.step_started(step_id)),
        ("step_retrying", make.step_retrying(step_id)),
        ("step_started again", make.step_started(step_id)),
        ("step_completed", make.step_completed(step_id)),
    ):
        await judge(label, "step", *await _mutation(clocked, run_id, request, "step"))
    wait_id = make.new_id("wait")
    resume_at = clocked.now() + timedelta(hours=1)
    wait_events: tuple[tuple[str, EventRequest], ...] = (
        ("wait_created", make.wait_created(wait_id, resume_at)),
        ("wait_completed", make.wait_completed(wait_id)),
    )
    for label, wait_event in wait_events:
        await judge(label, "wait", *await _mutation(clocked, run_id, wait_event, "wait"))
    await _hook_created_at_the_change(clocked, run_id)
    failing_step = make.new_id("step")
    failing: tuple[tuple[str, EventRequest], ...] = (
        ("step_created (a second step)", make.step_created(failing_step)),
        ("step_started (the second step)", make.step_started(failing_step)),
        ("step_failed", make.step_failed(failing_step)),
    )
    for label, failing_event in failing:
        await judge(label, "step 2", *await _mutation(clocked, run_id, failing_event, "step"))
    if world_line is SpecLine.LINE_5:
        attr_set = make_line5.attr_set([("stage", "coherence")], correlation_id=make.new_id("attr"))
        await judge("attr_set", "run", *await _mutation(clocked, run_id, attr_set, "run"))
    await judge("run_completed", "run", *await _mutation(clocked, run_id, make.run_completed(), "run"))
    for kind, ending in (("run_failed", make.run_failed()), ("run_cancelled", make.run_cancelled())):
        other = run_in(await create(world, None, make.run_created()), "run_created", "RUN-005").run_id
        started = await _mutation(clocked, other, make.run_started(), "run")
        await judge(f"run_started (the run {kind} ends)", kind, *started)
        await judge(kind, kind, *await _mutation(clocked, other, ending, "run"))


SET_BY: dict[str, str] = {
    "run_started": "started_at",
    "step_started": "started_at",
    "step_started (the second step)": "started_at",
    "run_completed": "completed_at",
    "run_failed": "completed_at",
    "run_cancelled": "completed_at",
    "step_completed": "completed_at",
    "step_failed": "completed_at",
    "wait_completed": "completed_at",
}
"""The time each mutation of COH-002's walk sets besides ``updatedAt`` (a step's later starts
keep its ``startedAt``, which STEP-003 judges)."""


def _set_at_the_change(
    clocked: ClockedWorld, label: str, key: str, where: str, read: Any, before: datetime, after: datetime
) -> None:
    """The ``startedAt`` or ``completedAt`` that ``label`` sets shows the time of that change; a
    run's ``startedAt`` may also be any earlier time since the run was created (§4.2: MAY keep
    an earlier value). A time not shown at all is the event's own rule's to judge."""
    field = SET_BY.get(label.split(" (the run")[0])
    stamp = getattr(read, field, MISSING) if field else MISSING
    if field is None or not isinstance(stamp, datetime):
        return
    entity = "run" if key.startswith("run") else key
    kept_from_earlier = entity == "run" and field == "started_at" and read.created_at <= stamp <= before
    if not (clocked.stamped_when(stamp, before, after) or kept_from_earlier):
        name = "startedAt" if field == "started_at" else "completedAt"
        fail(
            f"after {label}, {where} shows the {entity}'s {name} as the time of that change, "
            + clocked.stamp_wanted(before),
            f"showed {stamp.isoformat()}",
            ("entity", read),
        )


async def _hook_created_at_the_change(clocked: ClockedWorld, run_id: str) -> None:
    """A hook's ``createdAt`` is the time of its ``hook_created``, in the result and as
    ``hooks.get`` and ``getByToken`` read it."""
    world, hook_id, token = clocked.world, make.new_id("hook"), make.token()
    await clocked.tick(STEP_SECONDS)
    before = clocked.now()
    result = await create(world, run_id, make.hook_created(hook_id, token))
    after = clocked.now()
    if result.hook is MISSING:
        deviate("hook_created", "returned no hook", "HOOK-001", ("result", result))
    for where, hook in (
        ("the result", result.hook),
        ("hooks.get", await returns(world.hooks.get(hook_id), "hooks.get")),
        ("hooks.getByToken", await returns(world.hooks.get_by_token(token), "hooks.getByToken")),
    ):
        if not clocked.stamped_when(hook.created_at, before, after):
            fail(
                f"{where} shows the hook's createdAt as the time of its hook_created, "
                + clocked.stamp_wanted(before),
                f"showed {hook.created_at.isoformat()}",
                ("hook", hook),
            )


CHILD_VERSIONS: dict[SpecLine, tuple[tuple[int, int | None], ...]] = {
    SpecLine.LINE_4: ((2, 3), (2, None), (3, 2)),
    SpecLine.LINE_5: ((6, 7), (6, None), (7, 6)),
}
"""Per line: (the run's specVersion, its children's creating events' specVersion; None: not
sent, so 3 on the 4.x line and the World's default D on the 5.x line)."""


@invariant("COH-003")
async def test_child_spec_version_is_its_creating_events(world: World, world_line: SpecLine) -> None:
    """A step, hook or wait takes the ``specVersion`` of the event that created it, not the
    run's or the World's: on the 4.x line the sent one or 3, on runs at specVersion 2 and 3 with
    children created at 3, unsent and 2; on the 5.x line the sent one or the World's default D
    (as its creating event was stamped), on runs at 6 and 7 with children created at 7, unsent
    and 6, a step made by a lazy ``step_started`` taking that event's version. Judged in the
    create result, ``get`` and the lists. (An entity that shows no specVersion at all is
    allowed: §2.2 lets returned objects omit it.)"""
    for run_version, child_version in CHILD_VERSIONS[world_line]:
        run_id = run_in(
            await create(world, None, make.run_created(spec_version=run_version)), "run_created", "RUN-005"
        ).run_id
        await create(world, run_id, make.run_started())
        step_id, hook_id, wait_id = make.new_id("step"), make.new_id("hook"), make.new_id("wait")
        children: list[tuple[str, EventRequest]] = [
            ("step", make.step_created(step_id)),
            ("hook", make.hook_created(hook_id, make.token())),
            ("wait", make.wait_created(wait_id, datetime.fromisoformat("2099-01-01T00:00:00+00:00"))),
        ]
        step_ids = [step_id]
        if world_line is SpecLine.LINE_5:
            step_ids.append(make.new_id("step"))
            children.append(("lazy step", make_line5.lazy_step_started(step_ids[1])))
        shown: list[tuple[str, str, Any]] = []
        expected: dict[str, Any] = {}
        for kind, request in children:
            if child_version is not None:
                request = request.model_copy(update={"spec_version": child_version})
            result = await create(world, run_id, request)
            expected[kind] = _creating_version(world, world_line, child_version, result.event)
            where = "the lazy step_started result" if kind == "lazy step" else f"the {kind}_created result"
            shown.append((kind, where, getattr(result, kind.split()[-1])))
        step_kinds = dict(zip(step_ids, ("step", "lazy step"), strict=False))
        for child, kind in step_kinds.items():
            shown.append((kind, "steps.get", await returns(world.steps.get(run_id, child), "steps.get")))
        shown.append(("hook", "hooks.get", await returns(world.hooks.get(hook_id), "hooks.get")))
        listed_steps = await returns(world.steps.list(run_id, pagination=PAGE), "steps.list")
        listed_hooks = await returns(world.hooks.list(run_id=run_id, pagination=PAGE), "hooks.list")
        shown += [(step_kinds.get(step.step_id, "step"), "steps.list", step) for step in listed_steps.data]
        shown += [("hook", "hooks.list", hook) for hook in listed_hooks.data]
        for kind, where, entity in shown:
            found = getattr(entity, "spec_version", MISSING)
            if found is not MISSING and found is not None and found != expected[kind]:
                fail(
                    f"on a run at specVersion {run_version}, a {kind} created by an event at "
                    f"specVersion {child_version or f'unsent ({expected[kind]})'} has specVersion "
                    f"{expected[kind]}",
                    f"{where} shows {found}",
                    ("entity", entity),
                )


def _creating_version(world: World, line: SpecLine, sent: int | None, event: Any) -> Any:
    """The specVersion a child's creating event carries: the one sent; else 3 on the 4.x line,
    and on the 5.x line the World's default D, as the event was stamped, or the World's declared
    version where the stamp is no D at all (none, or outside 6 and 7: EVT-103's failure, not
    this rule's)."""
    if sent is not None:
        return sent
    if line is SpecLine.LINE_4:
        return 3
    stamped = getattr(event, "spec_version", MISSING)
    return stamped if stamped in (6, 7) else getattr(world, "spec_version", None)


COLLECTION_SIZE = 105
"""Items in each collection COH-004 pages: past 10 (where text ordering of numbers breaks) and
past 100, the larger default page size in use."""
NOISE_EVERY = 4
"""After every fourth item of a collection the test creates one its filter leaves out."""
LIMITS = (11, 104, 105)
"""Ten pages and more; two pages; one page that holds exactly every item (``hasMore`` false)."""


Read = Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]]


async def _collections(world: World) -> tuple[list[tuple[str, Read, frozenset[str]]], set[str]]:
    """One collection per list method of the World but ``events.list`` and ``steps.list`` (which
    LIST-007 pages over 1,000 items) and ``hooks.list`` of all runs (whose size other users of
    the World's storage change, see ``_page_every_hook``), each of about ``COLLECTION_SIZE``
    items; and the ids of the hooks it created. Items the filter leaves out (runs of another
    workflow, hooks of another run, another step's events) are created between them, so a
    World that filters after cutting the page, or forgets the filter once given a cursor,
    shows it."""
    name, elsewhere_name = make.workflow_name(), make.workflow_name()
    run_ids: list[str] = []
    elsewhere: list[str] = []
    for index in range(COLLECTION_SIZE):
        run_ids.append(await pending_run(world, make.run_created(name=name)))
        if index % NOISE_EVERY == 0:
            elsewhere.append(await pending_run(world, make.run_created(name=elsewhere_name)))
    run_id, other_run = run_ids[0], elsewhere[0]
    await create(world, run_id, make.run_started())
    await create(world, other_run, make.run_started())
    minted = sorted(
        {make.new_id("hook") for _ in range(COLLECTION_SIZE - 1 + COLLECTION_SIZE // NOISE_EVERY)}
    )
    hook_ids: set[str] = set()
    for index, hook_id in enumerate(minted):
        noise = index % (NOISE_EVERY + 1) == NOISE_EVERY and len(hook_ids) > 0
        if not noise and len(hook_ids) < COLLECTION_SIZE - 1:
            hook_ids.add(hook_id)
            await create(world, run_id, make.hook_created(hook_id, make.token()))
        else:
            await create(world, other_run, make.hook_created(hook_id, make.token()))
    busy, beside = make.new_id("step"), make.new_id("step")
    busy_events = {listed_id((await create(world, run_id, make.step_created(busy))).event)}
    await create(world, run_id, make.step_created(beside))
    for index in range((COLLECTION_SIZE - 1) // 2):
        for request in (make.step_started, make.step_retrying):
            busy_events.add(listed_id((await create(world, run_id, request(busy))).event))
            if index % NOISE_EVERY == 0:
                await create(world, run_id, request(beside))
    collections: list[tuple[str, Read, frozenset[str]]] = [
        (
            "runs.list(workflowName)",
            lambda p: world.runs.list(workflow_name=name, pagination=p),
            frozenset(run_ids),
        ),
        (
            "runs.list(workflowName, status)",
            lambda p: world.runs.list(workflow_name=name, status="pending", pagination=p),
            frozenset(run_ids[1:]),
        ),
        ("hooks.list(runId)", lambda p: world.hooks.list(run_id=run_id, pagination=p), frozenset(hook_ids)),
        (
            "events.listByCorrelationId",
            lambda p: world.events.list_by_correlation_id(busy, run_id=run_id, pagination=p),
            frozenset(busy_events),
        ),
    ]
    return collections, hook_ids


@invariant("COH-004", lengthy=True)
async def test_every_list_honours_limit_and_cursor(world: World) -> None:
    """Every list method (runs.list by workflowName and by status too, hooks.list by run and of
    all runs, listByCorrelationId; LIST-007 judges events.list and steps.list) over a
    collection past 100 items, paged with limits 11, 104 and 105: each page holds exactly
    ``limit`` items while more remain, ``hasMore`` says whether they do, and following the
    cursors yields every matching item once in ``ceil(total / limit)`` pages, among items the
    filter leaves out (runs of another workflow, hooks of another run, another step's events)
    created between them, none of which is listed. hooks.list of all runs,
    whose size other users of the storage change, is held to the rules that hold whatever they
    do (``_page_every_hook``)."""
    collections, ours = await _collections(world)
    for label, read, expected in collections:
        total = len(expected)
        for limit in LIMITS:
            seen: list[str] = []
            cursor: str | None = None
            for number in range(1, math.ceil(total / limit) + 1):
                options = PaginationOptions(limit=limit, **({} if cursor is None else {"cursor": cursor}))
                page = await returns(read(options), f"{label} (limit {limit}, page {number})")
                left = total - len(seen)
                if len(page.data) != min(limit, left) or page.has_more != (limit < left):
                    fail(
                        f"page {number} of {label} by {limit} over {total} items holds {min(limit, left)} "
                        f"and says hasMore: {limit < left}",
                        f"held {len(page.data)} and said hasMore: {page.has_more}",
                    )
                seen += [listed_id(item) for item in page.data]
                cursor = page.cursor
            if len(set(seen)) != total or set(seen) != expected:
                fail(
                    f"paging {label} by {limit} yields each of its {total} items once, and no "
                    "item the filter leaves out",
                    f"yielded {len(set(seen))} distinct items in {len(seen)}, "
                    f"{len(set(seen) - expected)} of them left out by the filter",
                    ("not matching the filter", sorted(set(seen) - expected)[:10]),
                    ("missing", sorted(expected - set(seen))[:10]),
                )
    for limit in LIMITS:
        await _page_every_hook(world, limit, ours)


EVERY_HOOK_PAGE_CAP = 10_000
"""Pages ``_page_every_hook`` follows before it calls the listing endless."""


async def _page_every_hook(world: World, limit: int, ours: set[str]) -> None:
    """``hooks.list`` of all runs by ``limit``. Its size is not the test's to know (the World's
    storage may hold hooks of other runs, and other users may add some while it pages), so the
    rules judged are those that hold whatever others do: every page but the last holds exactly
    ``limit`` hooks and says ``hasMore``, the last says it is the last, no hook is listed twice,
    and each hook of the test's run, created before paging began, is listed."""
    seen: list[str] = []
    cursor: str | None = None
    for number in range(1, EVERY_HOOK_PAGE_CAP + 1):
        options = PaginationOptions(limit=limit, **({} if cursor is None else {"cursor": cursor}))
        page = await returns(
            world.hooks.list(pagination=options), f"hooks.list() (limit {limit}, page {number})"
        )
        if len(page.data) > limit or (page.has_more and len(page.data) != limit):
            fail(
                f"page {number} of hooks.list() by {limit} holds {limit} hooks while more remain, "
                f"at most {limit} on the last",
                f"held {len(page.data)} and said hasMore: {page.has_more}",
            )
        seen += [listed_id(hook) for hook in page.data]
        if not page.has_more:
            break
        cursor = page.cursor
    else:
        fail(f"paging hooks.list() by {limit} ends", f"still said hasMore after {EVERY_HOOK_PAGE_CAP} pages")
    if len(set(seen)) != len(seen):
        fail(
            f"paging hooks.list() by {limit} lists each hook once",
            f"listed {len(seen) - len(set(seen))} twice",
        )
    if missing := ours - set(seen):
        fail(
            f"paging hooks.list() by {limit} lists the {len(ours)} hooks of the test's run",
            f"left out {len(missing)} of them",
            ("left out", sorted(missing)[:10]),
        )


OCCURRED_BEFORE = timedelta(minutes=10)
"""How long before the call the first ``occurredAt`` the kit sends lies (far enough that no
World's ``createdAt`` could equal it)."""


@invariant("COH-006", requires=Capability.OCCURRED_AT)
async def test_occurred_at_is_kept_beside_created_at(world: World, world_line: SpecLine) -> None:
    """(``occurred_at``) A run_created without a runId, run_started, step_created and
    step_completed, each sent with its own ``params.occurredAt`` minutes in the past: the create
    result, ``events.get``, ``events.list`` and ``listByCorrelationId`` show each event's
    ``occurredAt`` as sent, and its ``createdAt`` is not that moment (it is the time of the
    write, which EVT-010 and EVT-102 judge)."""
    first = datetime.now(UTC).replace(microsecond=0) - OCCURRED_BEFORE
    moments = [first + timedelta(seconds=7 * index) for index in range(4)]
    step_id = make.new_id("step")
    requests: list[EventRequest] = [
        make.run_created(),
        make.run_started(),
        make.step_created(step_id),
        make.step_completed(step_id),
    ]
    run_id: str | None = None
    sent: dict[str, datetime] = {}
    for request, moment in zip(requests, moments, strict=True):
        params = make.create_params(world_line, occurred_at=moment)
        action = f"{request.event_type} with occurredAt {moment.isoformat()}"
        result = await returns(world.events.create(run_id, request, params), action)
        event = event_in(result, action, "EVT-001")
        run_id = event.run_id
        sent[event.event_id] = moment
        _occurred_as_sent(event, moment, f"the result of {action}")
    assert run_id is not None
    for event_id, moment in sent.items():
        got = await returns(world.events.get(run_id, event_id), "events.get")
        _occurred_as_sent(got, moment, "events.get")
    listed = await returns(world.events.list(run_id, pagination=PaginationOptions(limit=100)), "events.list")
    by_step = await returns(
        world.events.list_by_correlation_id(step_id, run_id=run_id, pagination=PaginationOptions(limit=100)),
        "events.listByCorrelationId",
    )
    for label, page in (("events.list", listed), ("events.listByCorrelationId", by_step)):
        for event in page.data:
            if event.event_id in sent:
                _occurred_as_sent(event, sent[event.event_id], label)


def _occurred_as_sent(event: Any, moment: datetime, where: str) -> None:
    """``event`` shows ``occurredAt`` = ``moment`` and a ``createdAt`` of its own."""
    if event.occurred_at != moment or event.created_at == moment:
        fail(
            f"{where} shows the {event.event_type} with occurredAt {moment.isoformat()} as sent, and "
            "createdAt the time of the write",
            f"showed occurredAt {_stamp(event.occurred_at)} and createdAt {_stamp(event.created_at)}",
            ("event", event),
        )


def _stamp(value: Any) -> str:
    return value.isoformat() if isinstance(value, datetime) else "(absent)"
