"""Resilient start (§5.1): ``run_started`` carrying the run's creation data creates a missing run."""

from __future__ import annotations

import json
from datetime import datetime
from importlib import resources
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, raises, returns
from conformance.checks.reads import WHOLE_PAGE, all_events, run_of
from conformance.checks.scenarios import pending_run, result_shows_the_started_run
from worldspec import errors, wire
from worldspec.events import Event, EventResult, RunStartedData, RunStartedRequest, event_data_of
from worldspec.line5.slots import event_id_to_slot
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.wire_types import MISSING


def _upstream_fixture() -> dict[str, Any]:
    text = resources.files("conformance.fixtures").joinpath("resilient-run-start.json").read_text()
    return dict(wire.from_tagged(json.loads(text)))


async def _no_run(world: World, run_id: str, action: str) -> None:
    await raises(errors.WorkflowRunNotFoundError, world.runs.get(run_id), f"runs.get after {action}")


@invariant("RS-001")
async def test_resilient_start_creates_only_with_full_data(world: World) -> None:
    """``run_started`` with ``{deploymentId, workflowName, input}`` for a missing run creates it,
    running, and its result carries that run as stored (``startedAt``, the sent input and
    executionContext); ``run_started`` without that data (none, or input absent) creates no run and is
    refused as not found."""
    run_id = make.new_id("wrun")
    null_input = make.run_started(input=None, resilient=True)
    result = await returns(
        world.events.create(run_id, null_input), "resilient run_started (input: null counts as present)"
    )
    if (await run_of(world, run_id)).status != "running":
        fail("runs.get shows the new run running", "shows it otherwise", ("run", await run_of(world, run_id)))
    result_shows_the_started_run(
        result, run_id, null_input.event_data, "a resilient run_started (input null)"
    )
    with_input = make.new_id("wrun")
    request = make.run_started(input=b"\x00resilient", resilient=True, execution_context={"trace": "r"})
    shown = await returns(world.events.create(with_input, request), "resilient run_started")
    result_shows_the_started_run(shown, with_input, request.event_data, "a resilient run_started")
    bare = make.new_id("wrun")
    await raises(
        (errors.WorkflowRunNotFoundError, errors.WorkflowWorldError),
        world.events.create(bare, make.run_started()),
        "run_started without eventData on a missing run",
    )
    await _no_run(world, bare, "run_started without eventData")
    partial = make.new_id("wrun")
    no_input = RunStartedRequest(
        event_data=RunStartedData(deployment_id=make.DEPLOYMENT_ID, workflow_name=make.workflow_name())
    )
    await raises(
        (errors.WorkflowRunNotFoundError, errors.WorkflowWorldError),
        world.events.create(partial, no_input),
        "run_started whose eventData lacks input, on a missing run",
    )
    await _no_run(world, partial, "run_started without input")


@invariant("RS-002")
async def test_resilient_start_log_is_created_then_started(world: World, world_line: SpecLine) -> None:
    """After resilient start the log is exactly ``[run_created (the sent fields, input
    byte-exact), run_started (no eventData)]``; upstream's fixture resilient-run-start.json, sent
    at spec version 3 on the 4.x line and as written (spec 7) on the 5.x line, where the two
    events are slots 1 and 2 at spec 7 and the run is at spec 7. A preload, if the World gives
    one, is that log (on the 5.x line, both slots and complete). The fixture's runId is
    replaced by a fresh one."""
    fixture = _upstream_fixture()
    sent = dict(fixture["when"]["event"])
    if world_line is SpecLine.LINE_4:
        sent["specVersion"] = SPEC_VERSION_CURRENT
    run_id = make.new_id("wrun")
    request = RunStartedRequest.model_validate(sent)
    result = await returns(world.events.create(run_id, request), "the fixture's resilient run_started")
    log = await all_events(world, run_id)
    expected_data = fixture["then"]["events"][0]["eventData"]
    if [e.event_type for e in log] != ["run_created", "run_started"]:
        fail(
            "the log is exactly [run_created, run_started]",
            f"logged {[e.event_type for e in log]}",
            ("log", log),
        )
    created, started = log
    if event_data_of(created) != expected_data:
        fail(
            "run_created's eventData equals the sent fields, input byte-exact",
            "stored other data",
            ("expected eventData", expected_data),
            ("run_created", created),
        )
    if event_data_of(started) is not None:
        fail("run_started is stored without eventData", "kept eventData", ("run_started", started))
    if result.event is MISSING or result.event.event_id != started.event_id:
        fail("result.event is the stored run_started", "returned another event", ("result", result))
    run = await run_of(world, run_id)
    unchecked = (
        ("startedAtPresent", "runId")
        if world_line is SpecLine.LINE_5
        else ("startedAtPresent", "specVersion", "runId")
    )
    expected_run = {k: v for k, v in fixture["then"]["run"].items() if k not in unchecked}
    got = {key: run.to_wire().get(key) for key in expected_run}
    if got != expected_run or not isinstance(run.started_at, datetime):
        fail(
            "the run is running with the sent fields and startedAt",
            "stored another run",
            ("expected", expected_run),
            ("run", run),
        )
    steps = await world.steps.list(run_id, pagination=WHOLE_PAGE)
    if steps.data or (await world.hooks.list(run_id=run_id, pagination=WHOLE_PAGE)).data:
        fail("resilient start creates no steps or hooks", "created some")
    _preload_is_the_log(result, log)
    if world_line is SpecLine.LINE_5:
        _slots_as_the_fixture_says(fixture["then"], result, log)


def _preload_is_the_log(result: EventResult, log: list[Event]) -> None:
    """A preload the resilient start returns is the log it wrote, ``run_created`` included
    (a prefix of it when ``hasMore`` is true): the runtime replays from it."""
    if result.events is MISSING or not result.events:
        return
    preloaded = [event.to_wire() for event in result.events]
    logged = [event.to_wire() for event in log]
    partial = result.has_more is True
    if (preloaded != logged[: len(preloaded)]) if partial else (preloaded != logged):
        fail(
            "a resilient start's preload is the log it wrote, run_created then run_started"
            + (" (a prefix of it, as hasMore is true)" if partial else ""),
            f"preloaded {[event.get('eventType') for event in preloaded]}, hasMore {result.has_more}",
            ("preloaded", result.events),
            ("events.list", log),
        )


def _slots_as_the_fixture_says(then: dict[str, Any], result: Any, log: list[Any]) -> None:
    """The 5.x part of the fixture's ``then``: the events' slots and spec versions, the slot of
    ``result.event``, and the preload's slots when there is one."""
    expected = [(event["slot"], event["specVersion"]) for event in then["events"]]
    stored = [(event_id_to_slot(event.event_id), event.spec_version) for event in log]
    if stored != expected:
        fail("the log is slots 1 and 2, both at spec 7", f"stored (slot, specVersion) {stored}", ("log", log))
    if event_id_to_slot(result.event.event_id) != then["result"]["event"]["slot"]:
        fail("result.event is slot 2", f"returned {result.event.event_id}", ("result", result))
    if result.events is MISSING:
        return
    preloaded = [event_id_to_slot(event.event_id) for event in result.events]
    if preloaded != then["result"]["preloadedSlots"] or result.has_more is not then["result"]["hasMore"]:
        fail(
            "the preload is slots 1 and 2, hasMore false",
            f"preloaded slots {preloaded}, hasMore {result.has_more}",
            ("result", result),
        )


@invariant("RS-003")
async def test_resilient_run_takes_the_event_spec_version(world: World) -> None:
    """The resilient run's specVersion, and its run_created's, is the event's (default 3)."""
    for sent, expected in ((MISSING, SPEC_VERSION_CURRENT), (2, 2)):
        run_id = make.new_id("wrun")
        await returns(
            world.events.create(run_id, make.run_started(resilient=True, input=b"devl", spec_version=sent)),
            f"resilient run_started with specVersion {sent}",
        )
        run = await run_of(world, run_id)
        created = (await all_events(world, run_id))[0]
        if run.spec_version != expected or created.spec_version != expected:
            fail(
                f"run and run_created carry specVersion {expected}",
                "carry other versions",
                ("run", run),
                ("run_created", created),
            )


@invariant("RS-004")
async def test_resilient_data_never_changes_an_existing_run(world: World) -> None:
    """Once a run exists, ``run_created`` for it raises ``EntityConflictError``, and resilient
    ``run_started`` data (another input, workflowName and executionContext) changes nothing but
    the status, neither on the pending run nor, sent again, on the running one: the
    executionContext is the run_created one, not the sent one nor the two merged."""
    original = make.run_created(
        input=b"devl\x00original", execution_context={"trace": "original", "kept": [1]}
    )
    run_id = await pending_run(world, original)
    before = await run_of(world, run_id)
    other = make.run_started(
        resilient=True,
        input=b"devl\x00other",
        name="workflow//./worldspec//other",
        execution_context={"trace": "other", "added": True},
    )
    unchanged = ("input", "workflow_name", "deployment_id", "execution_context", "spec_version", "created_at")
    for state in ("pending", "running"):
        action = f"resilient run_started on an existing {state} run"
        await returns(world.events.create(run_id, other), action)
        after = await run_of(world, run_id)
        if any(getattr(before, name) != getattr(after, name) for name in unchanged):
            fail(
                f"after {action}, the run keeps its run_created fields",
                "changed them",
                ("before", before),
                ("after", after),
            )
    creations = [e for e in await all_events(world, run_id) if e.event_type == "run_created"]
    if len(creations) != 1:
        fail("the log holds one run_created", f"holds {len(creations)}", ("run_created events", creations))
    await raises(
        errors.EntityConflictError, world.events.create(run_id, make.run_created()), "run_created afterwards"
    )
