"""Lazy step start (world-contract-v7.md §4.3, the LAZY family): a ``step_started`` carrying
``stepName`` and ``input`` creates the step it starts, in one call."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import all_events, client_events
from conformance.checks.scenarios import (
    create,
    created_step,
    finish_run,
    race,
    running_step,
    started_run,
)
from worldspec import errors
from worldspec.events import EventResult, event_data_of
from worldspec.line5.slots import event_id_to_slot
from worldspec.protocol import World
from worldspec.wire_types import MISSING

LAZY_INPUT = b"devl\x00" + bytes(range(200))
STEP_NAME = "step//./worldspec//lazy"


def _step_created_flag(result: EventResult) -> Any:
    """The result's ``stepCreated``, ``MISSING`` when absent."""
    return result.to_wire().get("stepCreated", MISSING)


@invariant("LAZY-001")
async def test_lazy_start_creates_and_starts_the_step(world: World) -> None:
    """A lazy ``step_started`` for a step that does not exist answers ``stepCreated: true`` and
    a step that is running, at attempt 1, with ``startedAt`` and the input byte-exact: in the
    result and from ``steps.get``."""
    run_id = await started_run(world)
    step_id = make.new_id("step")
    result = await create(world, run_id, make_line5.lazy_step_started(step_id, LAZY_INPUT, STEP_NAME))
    stored = await returns(world.steps.get(run_id, step_id), "steps.get")
    if _step_created_flag(result) is not True:
        fail("a lazy start that creates its step answers stepCreated: true", "did not", ("result", result))
    for where, step in (("the result", result.step), ("steps.get", stored)):
        shown = step.to_wire() if step is not MISSING else {}
        if not (
            shown.get("status") == "running"
            and shown.get("attempt") == 1
            and shown.get("startedAt") is not None
            and shown.get("stepName") == STEP_NAME
            and getattr(step, "input", None) == LAZY_INPUT
        ):
            fail(
                f"{where} shows the step running, attempt 1, startedAt, the input byte-exact",
                "shows otherwise",
                ("step", step),
            )


@invariant("LAZY-002")
async def test_lazy_start_logs_step_created_first(world: World) -> None:
    """The lazy start logs ``step_created {stepName, input}`` (input byte-exact) at a lower slot
    than its ``step_started`` and at the start's ``specVersion`` (sent here as the line's version
    the World does not default to), and the ``step_started`` is stored without ``input``; the
    result's ``event`` is that ``step_started``, as the log shows it."""
    run_id = await started_run(world)
    step_id = make.new_id("step")
    sent_version = 6 if getattr(world, "spec_version", None) == 7 else 7
    starting = make_line5.lazy_step_started(step_id, LAZY_INPUT, STEP_NAME)
    result = await create(world, run_id, starting.model_copy(update={"spec_version": sent_version}))
    mine = [event for event in await all_events(world, run_id) if event.correlation_id == step_id]
    kinds = [event.event_type for event in mine]
    if kinds != ["step_created", "step_started"]:
        fail(
            "the lazy start logs step_created then step_started for the step",
            f"logged {kinds}",
            ("events", mine),
        )
    created, started = (event_data_of(event) or {} for event in mine)
    slots = [event_id_to_slot(event.event_id) or 0 for event in mine]
    if created.get("stepName") != STEP_NAME or created.get("input") != LAZY_INPUT or "input" in started:
        fail(
            "step_created carries stepName and the input byte-exact; step_started has no input",
            "stored otherwise",
            ("events", mine),
        )
    if not slots[0] < slots[1]:
        fail("step_created is at a lower slot than step_started", f"slots {slots}")
    versions = [event.spec_version for event in mine]
    if any(version not in (sent_version, MISSING, None) for version in versions):
        fail(
            f"a lazy step_started sent at specVersion {sent_version} logs its step_created and itself "
            "at that version",
            f"logged them at {versions}",
            ("events", mine),
        )
    answered = result.event.to_wire() if result.event is not MISSING else None
    if answered != mine[1].to_wire():
        fail(
            "the lazy start answers with the step_started it logged as its event",
            "answered another event" if answered else "answered no event",
            ("answered", answered),
            ("logged step_started", mine[1]),
        )


@invariant("LAZY-003")
async def test_lazy_start_of_an_existing_step_conflicts(world: World) -> None:
    """A lazy ``step_started`` for a step that exists (pending, running or completed) raises
    ``EntityConflictError``; nothing is logged and the step's attempt does not change."""
    run_id = await started_run(world)
    completed = await running_step(world, run_id)
    await create(world, run_id, make.step_completed(completed))
    for step_id, status in (
        (await created_step(world, run_id), "pending"),
        (await running_step(world, run_id), "running"),
        (completed, "completed"),
    ):
        before = (
            len(await client_events(world, run_id)),
            (await returns(world.steps.get(run_id, step_id), "steps.get")).attempt,
        )
        await raises(
            errors.EntityConflictError,
            world.events.create(run_id, make_line5.lazy_step_started(step_id)),
            f"a lazy step_started for a {status} step",
        )
        after = (
            len(await client_events(world, run_id)),
            (await returns(world.steps.get(run_id, step_id), "steps.get")).attempt,
        )
        if after != before:
            fail(f"the refused lazy start of a {status} step stores nothing", "changed the log or attempt")


@invariant("LAZY-004")
async def test_concurrent_lazy_starts_create_one_step(world: World) -> None:
    """Of 5 concurrent lazy starts of one stepId exactly one answers ``stepCreated: true``, the
    others raise ``EntityConflictError``, and one ``step_created`` is logged."""
    run_id = await started_run(world)
    step_id = make.new_id("step")
    outcome = await race(
        [world.events.create(run_id, make_line5.lazy_step_started(step_id)) for _ in range(5)]
    )
    created = [result for result in outcome.results if _step_created_flag(result) is True]
    logged = [
        e
        for e in await all_events(world, run_id)
        if e.correlation_id == step_id and e.event_type == "step_created"
    ]
    if (
        len(created) != 1
        or len(outcome.results) != 1
        or outcome.error_names() - {"EntityConflictError"}
        or len(logged) != 1
    ):
        fail(
            "of 5 concurrent lazy starts one creates the step, the rest raise EntityConflictError, "
            "one step_created is logged",
            f"let {len(outcome.results)} succeed ({len(created)} with stepCreated), raised "
            f"{sorted(outcome.error_names())}, logged {len(logged)} step_created",
        )


@invariant("LAZY-005")
async def test_lazy_start_on_an_ended_run_conflicts(world: World) -> None:
    """A lazy ``step_started`` on a completed run raises ``EntityConflictError`` and logs
    nothing."""
    run_id = await started_run(world)
    await finish_run(world, run_id, "run_completed")
    before = len(await client_events(world, run_id))
    await raises(
        errors.EntityConflictError,
        world.events.create(run_id, make_line5.lazy_step_started(make.new_id("step"))),
        "a lazy step_started on a completed run",
    )
    if len(await client_events(world, run_id)) != before:
        fail("the refused lazy start stores nothing", "logged something")


@invariant("LAZY-006")
async def test_only_a_creating_lazy_start_says_step_created(world: World) -> None:
    """``stepCreated`` is absent from the results of ``run_created``, ``run_started``,
    ``step_created``, a bare ``step_started``, ``step_completed`` and ``hook_created``, and
    present only on the lazy start that created its step."""
    results: list[tuple[str, EventResult]] = []
    created = await create(world, None, make.run_created())
    run_id = str(created.run.run_id) if created.run is not MISSING else ""
    results.append(("run_created", created))
    results.append(("run_started", await create(world, run_id, make.run_started())))
    step_id = make.new_id("step")
    results.append(("step_created", await create(world, run_id, make.step_created(step_id))))
    results.append(("a bare step_started", await create(world, run_id, make.step_started(step_id))))
    results.append(("step_completed", await create(world, run_id, make.step_completed(step_id))))
    hook_id = make.new_id("hook")
    results.append(
        ("hook_created", await create(world, run_id, make.hook_created(hook_id, make.new_id("token"))))
    )
    for what, result in results:
        if _step_created_flag(result) is not MISSING:
            fail(f"the result of {what} has no stepCreated", "has it", ("result", result))


@invariant("LAZY-007")
async def test_lazy_start_racing_step_created_creates_one_step(world: World) -> None:
    """A lazy ``step_started`` and a ``step_created`` of one stepId sent together: exactly one
    of them creates the step, the other raises ``EntityConflictError``; one ``step_created`` is
    logged."""
    run_id = await started_run(world)
    for _ in range(3):
        step_id = make.new_id("step")
        outcome = await race(
            [
                world.events.create(run_id, make_line5.lazy_step_started(step_id)),
                world.events.create(run_id, make.step_created(step_id)),
            ]
        )
        logged = [
            e
            for e in await all_events(world, run_id)
            if e.correlation_id == step_id and e.event_type == "step_created"
        ]
        if len(outcome.results) != 1 or outcome.error_names() - {"EntityConflictError"} or len(logged) != 1:
            fail(
                "of a lazy start and a step_created of one stepId one creates the step, the other raises "
                "EntityConflictError",
                f"let {len(outcome.results)} succeed, raised {sorted(outcome.error_names())}, "
                f"logged {len(logged)} step_created",
            )
