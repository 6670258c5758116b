"""After a run is terminal (§4.6): nothing new is created, the run's waits are gone, and the
log grows only by the steps that were in flight finishing."""

from __future__ import annotations

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, raises, rejects, returns
from conformance.checks.scenarios import (
    TERMINAL_RUN_EVENTS,
    created_step,
    events_of,
    finish_run,
    from_now,
    kinds_logged_after_the_end,
    live_hook,
    running_step,
    started_run,
    waiting_wait,
)
from worldspec import errors
from worldspec.events import EventRequest
from worldspec.protocol import World
from worldspec.wire_types import MISSING

STEP_EVENTS = frozenset({"step_started", "step_completed", "step_failed", "step_retrying"})
"""Events of steps that already exist."""


@invariant("TERM-001")
async def test_ended_run_creates_nothing(world: World) -> None:
    """Once a run has completed, failed or been cancelled, ``step_created``, ``hook_created`` and
    ``wait_created`` raise ``EntityConflictError`` and create nothing: no step, the hook's
    token stays free. That holds for a ``hook_created`` whose token another run's live hook
    holds too: the terminal guard comes before the token check (§4.1), so the answer is the
    error, not a ``hook_conflict``."""
    _, held = await live_hook(world, await started_run(world))
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        await finish_run(world, run_id, kind)
        step_id, hook_id, token = make.new_id("step"), make.new_id("hook"), make.token()
        creates: list[tuple[str, EventRequest]] = [
            ("step_created", make.step_created(step_id)),
            ("hook_created", make.hook_created(hook_id, token)),
            ("wait_created", make.wait_created(make.new_id("wait"), from_now(60))),
            ("hook_created with another run's live token", make.hook_created(make.new_id("hook"), held)),
        ]
        for what, request in creates:
            action = f"{what} after {kind}"
            await raises(errors.EntityConflictError, world.events.create(run_id, request), action)
        await rejects(world.steps.get(run_id, step_id), f"steps.get of the step refused after {kind}")
        await rejects(world.hooks.get_by_token(token), f"hooks.getByToken of the token refused after {kind}")
        taken = await returns(
            world.events.create(await started_run(world), make.hook_created(make.new_id("hook"), token)),
            f"hook_created in a live run with the token refused after {kind}",
        )
        if taken.hook is MISSING:
            fail(
                f"the token of a hook_created refused after {kind} stays free: a live run's "
                "hook_created with it creates the hook",
                "created none",
                ("result", taken),
            )


@invariant("TERM-002")
async def test_ended_run_logs_only_steps_finishing(world: World) -> None:
    """After a run's terminal event its log grows only by events of steps created before it
    (``step_started``, ``step_completed``, ``step_failed``, ``step_retrying``) and, on a cancelled
    run, by more ``run_cancelled``: checked after trying every event type on ended runs that
    had a pending and a running step, a live hook and a waiting wait."""
    for kind in TERMINAL_RUN_EVENTS:
        later, kinds = await kinds_logged_after_the_end(world, kind)
        allowed = STEP_EVENTS | ({"run_cancelled"} if kind == "run_cancelled" else set())
        if set(later) - allowed:
            fail(
                f"after {kind} only {sorted(allowed)} are appended",
                f"appended {sorted(set(later) - allowed)}",
                ("log", kinds),
            )


@invariant("TERM-003")
async def test_ended_run_has_no_waits(world: World) -> None:
    """When a run completes, fails or is cancelled its waits go: ``wait_completed`` for a wait
    that was waiting raises ``WorkflowWorldError`` (not found), and the log holds no
    ``wait_completed`` for it, neither written by the World at the transition nor later."""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        wait = await waiting_wait(world, run_id)
        await finish_run(world, run_id, kind)
        await raises(
            errors.WorkflowWorldError,
            world.events.create(run_id, make.wait_completed(wait)),
            f"wait_completed for a wait of a run after {kind}",
        )
        kinds = [event.event_type for event in await events_of(world, run_id, wait)]
        if kinds != ["wait_created"]:
            fail(f"after {kind} the wait's only event stays its wait_created", f"logged {kinds}")


@invariant("TERM-004")
async def test_ended_run_lets_only_running_steps_finish(world: World) -> None:
    """After a run's terminal event only ``step_completed``/``step_failed`` of running steps
    should be accepted: ``step_completed``, ``step_failed`` and ``step_retrying`` on a pending
    step, and ``step_retrying`` on a running one, raise ``RunExpiredError`` and change nothing.
    (``step_started`` on a pending step is STEP-010, a MUST.)"""
    for kind in TERMINAL_RUN_EVENTS:
        run_id = await started_run(world)
        pending = [await created_step(world, run_id) for _ in range(3)]
        running = await running_step(world, run_id)
        await finish_run(world, run_id, kind)
        tries: list[tuple[str, EventRequest]] = [
            ("a pending", make.step_completed(pending[0])),
            ("a pending", make.step_failed(pending[1])),
            ("a pending", make.step_retrying(pending[2])),
            ("a running", make.step_retrying(running)),
        ]
        for which, request in tries:
            step_id = str(request.correlation_id)
            before = await returns(world.steps.get(run_id, step_id), "steps.get")
            action = f"{request.event_type} on {which} step after {kind}"
            await raises(errors.RunExpiredError, world.events.create(run_id, request), action)
            after = await returns(world.steps.get(run_id, step_id), "steps.get")
            if after.to_wire() != before.to_wire():
                fail(
                    f"the refused {action} changes nothing",
                    "changed the step",
                    ("before", before),
                    ("after", after),
                )
