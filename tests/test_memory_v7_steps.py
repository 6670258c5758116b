"""The 5.x oracle's steps and waits: identity per run, lazy start, verbatim errors and the 5.x
terminal table (world-contract-v7.md §2.5, §4.3, §4.5, §4.6). Each test states its rule."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.memory_v7_support import (
    STEP_NAME,
    VERSIONS,
    Clock,
    created_run,
    ended_run,
    errors,
    lazy_start,
    new_world,
    raises,
    run_completed,
    running_run,
    slots_of,
    step_completed,
    step_created,
    step_failed,
    step_retrying,
    step_started,
    types_of,
    wait_completed,
    wait_created,
)
from worldspec.line5.event_data import StepCompletedData
from worldspec.line5.events import CreateEventParams, StepCompletedRequest
from worldspec.wire_types import MISSING


def test_a_step_is_keyed_by_its_run() -> None:
    """STEP-106, STEP-105: one stepId in two runs is two steps with their own events;
    steps.get needs the run; an unknown (runId, stepId) is rejected."""

    async def scenario() -> None:
        world = new_world()
        first, second = await running_run(world), await running_run(world)
        await world.events.create(first, step_created("step_1", b"first"))
        await world.events.create(second, step_created("step_1", b"second"))
        await world.events.create(second, step_started("step_1"))
        assert (await world.steps.get(first, "step_1")).input == b"first"
        assert (await world.steps.get(second, "step_1")).status == "running"
        assert (await world.steps.get(first, "step_1")).status == "pending"
        mine = await world.events.list_by_correlation_id("step_1", run_id=first)
        assert types_of(mine.data) == ["step_created"]
        missing = await raises(errors.WorkflowWorldError, world.steps.get(first, "step_2"))
        assert missing.fields()["status"] == 404
        await world.events.create(second, wait_created("wait_1"))
        await world.events.create(first, wait_created("wait_1"))
        assert (await world.events.create(first, wait_completed("wait_1"))).wait.status == "completed"

    asyncio.run(scenario())


@VERSIONS
def test_a_lazy_start_creates_the_step_and_starts_it(version: int) -> None:
    """LAZY-001, LAZY-002: stepCreated, running, attempt 1, startedAt, input byte-exact; the log
    holds step_created {stepName, input} below a step_started stored without input."""

    async def scenario() -> None:
        world = new_world(version)
        run_id = await running_run(world)
        step_input = b"\x00lazy\xff"
        result = await world.events.create(run_id, lazy_start("step_1", step_input, owner_message_id="msg_1"))
        assert result.step_created is True
        step = result.step
        assert (step.status, step.attempt, step.input) == ("running", 1, step_input)
        assert step.started_at is not MISSING and step.spec_version == version
        log = (await world.events.list(run_id)).data
        assert types_of(log)[2:] == ["step_created", "step_started"] and slots_of(log)[2:] == [3, 4]
        assert log[2].event_data.to_wire() == {"stepName": STEP_NAME, "input": step_input}
        assert log[3].event_data.to_wire() == {"stepName": STEP_NAME, "ownerMessageId": "msg_1"}
        assert result.event == log[3]

    asyncio.run(scenario())


def test_a_lazy_start_of_an_existing_step_conflicts_and_changes_nothing() -> None:
    """LAZY-003, LAZY-005: an existing step (any status) or a terminal run: EntityConflictError,
    nothing stored, attempt unchanged."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, step_created("step_1"))
        await world.events.create(run_id, step_started("step_1"))
        before = (await world.events.list(run_id)).data
        await raises(errors.EntityConflictError, world.events.create(run_id, lazy_start("step_1")))
        assert (await world.events.list(run_id)).data == before
        assert (await world.steps.get(run_id, "step_1")).attempt == 1
        ended = await ended_run(world)
        await raises(errors.EntityConflictError, world.events.create(ended, lazy_start("step_9")))
        assert types_of((await world.events.list(ended)).data)[-1] == "run_completed"

    asyncio.run(scenario())


def test_racing_creators_of_one_step_make_exactly_one() -> None:
    """LAZY-004, LAZY-007: N lazy starts, or lazy starts and a step_created, of one stepId: one
    creates it (one stepCreated: true), the rest conflict; one step_created in the log."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        outcomes = await asyncio.gather(
            *(world.events.create(run_id, lazy_start("step_1")) for _ in range(4)),
            world.events.create(run_id, step_created("step_1")),
            return_exceptions=True,
        )
        won = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
        lost = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
        assert len(won) == 1 and all(isinstance(error, errors.EntityConflictError) for error in lost)
        assert types_of((await world.events.list(run_id)).data).count("step_created") == 1

    asyncio.run(scenario())


def test_step_created_is_never_on_other_results() -> None:
    """LAZY-006: stepCreated is absent from a bare start, a step_created, a conflict's result."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        created = await world.events.create(run_id, step_created("step_1"))
        started = await world.events.create(run_id, step_started("step_1"))
        assert created.step_created is MISSING and started.step_created is MISSING
        assert "stepCreated" not in started.to_wire()

    asyncio.run(scenario())


def test_starts_count_attempts_and_each_carries_started_at() -> None:
    """STEP-003, STEP-107, STEP-004: attempts count starts; startedAt from the first; a start before
    retryAfter is TooEarlyError with the seconds left, rounded up."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world)
        await world.events.create(run_id, step_created("step_1"))
        first = await world.events.create(run_id, step_started("step_1"))
        clock.advance(seconds=1)
        await world.events.create(
            run_id, step_retrying("step_1", retry_after=clock.now + timedelta(seconds=2.5))
        )
        early = await raises(errors.TooEarlyError, world.events.create(run_id, step_started("step_1")))
        assert early.fields()["retryAfter"] == 3
        clock.advance(seconds=3)
        second = await world.events.create(run_id, step_started("step_1"))
        assert second.step.attempt == 2 and second.step.started_at == first.step.started_at
        assert second.step.retry_after is MISSING

    asyncio.run(scenario())


def test_step_errors_are_kept_verbatim_and_the_latest_wins() -> None:
    """STEP-101, STEP-102: step_retrying and step_failed store eventData.error byte-exact."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, step_created("step_1"))
        await world.events.create(run_id, step_started("step_1"))
        retried = await world.events.create(run_id, step_retrying("step_1", b"first\x00"))
        assert retried.step.error == b"first\x00" and retried.step.status == "pending"
        await world.events.create(run_id, step_started("step_1"))
        failed = await world.events.create(run_id, step_failed("step_1", b"second\xff"))
        assert (await world.steps.get(run_id, "step_1")).error == b"second\xff" == failed.step.error
        assert failed.step.status == "failed" and failed.step.completed_at is not MISSING

    asyncio.run(scenario())


def test_events_of_an_unknown_step_are_refused() -> None:
    """STEP-103."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        for request in (step_started("x"), step_completed("x"), step_failed("x"), step_retrying("x")):
            refused = await raises(errors.WorkflowWorldError, world.events.create(run_id, request))
            assert refused.fields()["status"] == 404

    asyncio.run(scenario())


def test_after_the_run_ends_only_running_steps_finish() -> None:
    """STEP-104, §4.6: a bare start is RunExpiredError, even of a running step; a running step
    completes or fails; completing a pending step or retrying is refused (the SHOULD)."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        for step_id in ("running_1", "running_2", "pending_1"):
            await world.events.create(run_id, step_created(step_id))
        for step_id in ("running_1", "running_2"):
            await world.events.create(run_id, step_started(step_id))
        await world.events.create(run_id, run_completed())
        await raises(errors.RunExpiredError, world.events.create(run_id, step_started("running_1")))
        await raises(errors.RunExpiredError, world.events.create(run_id, step_started("pending_1")))
        await raises(errors.RunExpiredError, world.events.create(run_id, step_retrying("running_1")))
        await raises(errors.RunExpiredError, world.events.create(run_id, step_completed("pending_1")))
        await world.events.create(run_id, step_completed("running_1"))
        await world.events.create(run_id, step_failed("running_2"))
        await raises(errors.EntityConflictError, world.events.create(run_id, step_created("new")))
        await raises(errors.EntityConflictError, world.events.create(run_id, wait_created("wait_1")))
        await raises(errors.WorkflowWorldError, world.events.create(run_id, wait_completed("wait_1")))

    asyncio.run(scenario())


def test_a_terminal_step_refuses_every_event() -> None:
    """STEP-008."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, lazy_start("step_1"))
        await world.events.create(run_id, step_completed("step_1"))
        for request in (
            step_started("step_1"),
            step_completed("step_1"),
            step_failed("step_1"),
            step_retrying("step_1"),
        ):
            await raises(errors.EntityConflictError, world.events.create(run_id, request))

    asyncio.run(scenario())


def test_latency_fields_are_stored_as_sent() -> None:
    """§2.1: a World MAY drop step latency telemetry; this one keeps it."""

    async def scenario() -> None:
        world = new_world()
        run_id = await created_run(world)
        await world.events.create(run_id, step_created("step_1"))
        request = StepCompletedRequest(
            correlation_id="step_1", event_data=StepCompletedData(result=b"r", ttfs=4.5, step_count=1)
        )
        result = await world.events.create(run_id, request, CreateEventParams(replay_divergence_count=2))
        assert result.event.event_data.ttfs == 4.5 and result.event.event_data.step_count == 1
        assert "replayDivergenceCount" not in str(result.event.to_wire())

    asyncio.run(scenario())
