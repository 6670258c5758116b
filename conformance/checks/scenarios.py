"""Short histories the suites build through ``events.create``: a started run, a step at a given
stage, a live hook, a waiting wait, and N concurrent creates.

Every helper is a setup step: when the World refuses an event the contract says it must accept,
the test ends ``unjudged`` and names the invariant that judges that event (``JUDGED_BY``), so a
suite can set a scene in one line and be judged only on what it is about.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks import make
from conformance.checks.expect import deviate, fail, setup
from conformance.checks.reads import all_events
from conformance.world.recorder import concurrently
from worldspec.base import WireModel
from worldspec.entities import WorkflowRun
from worldspec.errors import WorkflowError
from worldspec.events import Event, EventRequest, EventResult, RunCreatedRequest
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = [
    "JUDGED_BY",
    "TERMINAL_RUN_EVENTS",
    "ConcurrentCreates",
    "attempt",
    "create",
    "created_run",
    "created_step",
    "event_in",
    "events_of",
    "finish_run",
    "finishing_request",
    "from_now",
    "judge_of",
    "kinds_logged_after_the_end",
    "live_hook",
    "pending_run",
    "race",
    "requests_for_one_run",
    "result_shows_the_started_run",
    "run_in",
    "running_step",
    "started_run",
    "waiting_wait",
]

TERMINAL_RUN_EVENTS: tuple[str, ...] = ("run_completed", "run_failed", "run_cancelled")
"""The three ways a run ends, in the order the suites try them."""


def from_now(seconds: float) -> datetime:
    """Now plus ``seconds`` (negative: in the past), in UTC, truncated to the millisecond as a
    JavaScript Date holds it."""
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


JUDGED_BY: dict[str, str] = {
    "run_created": "RUN-002",
    "run_started": "RUN-006",
    "run_completed": "RUN-009",
    "run_failed": "RUN-009",
    "run_cancelled": "RUN-009",
    "step_created": "STEP-001",
    "step_started": "STEP-003",
    "step_retrying": "STEP-005",
    "step_completed": "STEP-006",
    "step_failed": "STEP-007",
    "hook_created": "HOOK-001",
    "hook_received": "HOOK-005",
    "hook_disposed": "HOOK-007",
    "wait_created": "WAIT-001",
    "wait_completed": "WAIT-003",
}
"""The invariant whose test judges that the World accepts an event of each type."""


def judge_of(run_id: str | None, request: EventRequest) -> str:
    """The invariant that judges ``events.create(run_id, request)`` succeeding."""
    if request.event_type == "run_created" and not run_id:
        return "RUN-001"
    return JUDGED_BY.get(request.event_type, "EVT-011")


async def create(world: World, run_id: str | None, request: EventRequest) -> EventResult:
    """``events.create(run_id, request)`` as a setup step: it must succeed and return the event
    or entity the contract says."""
    action = f"{request.event_type} ({getattr(request, 'correlation_id', MISSING) or run_id or 'new run'})"
    return await setup(world.events.create(run_id, request), action, judge_of(run_id, request))


def run_in(result: EventResult, action: str, judged_by: str) -> WorkflowRun:
    """``result.run``; a result without one deviates from ``judged_by`` (see ``deviate``)."""
    if result.run is MISSING:
        deviate(action, "returned no run", judged_by, ("result", result))
    return result.run


_CREATION_FIELDS = ("deploymentId", "workflowName", "input", "executionContext")
"""The fields a run takes from its creation that the runtime reads off a ``run_started`` result."""


def result_shows_the_started_run(result: EventResult, run_id: str, made: object, action: str) -> None:
    """Fail unless ``result`` (of a ``run_started`` sent with the default ``resolveData``)
    carries the run ``run_id`` the runtime goes on with: running, with ``startedAt`` (the
    runtime fails a run whose ``run_started`` result lacks it), and with the creation fields
    of ``made`` (the run its ``run_created`` returned, or the eventData of the resilient
    ``run_started`` that made it), input byte-exact: the runtime replays the workflow from that
    run, not from a read of its own (§3 "Why", §5). What the creation stored is for RUN-005 and
    RS-002 to judge, so the result is held to ``made``, and a field ``made`` shows as ``null``
    or not at all is not compared."""
    shown = result.run.to_wire() if result.run is not MISSING else {}
    creation = made.to_wire() if isinstance(made, WireModel) else {}
    expected = {"runId": run_id}
    expected.update((key, creation[key]) for key in _CREATION_FIELDS if creation.get(key) is not None)
    got = {key: shown.get(key, MISSING) for key in expected}
    if shown.get("status") != "running" or shown.get("startedAt") is None or got != expected:
        fail(
            f"the result of {action} carries the run: running, with startedAt, and the runId, "
            "deploymentId, workflowName, input and executionContext it was created with",
            "returned another run" if result.run is not MISSING else "returned no run",
            ("created with", expected),
            ("result's run", result.run),
        )


def event_in(result: EventResult, action: str, judged_by: str) -> Event:
    """``result.event``; a result without one deviates from ``judged_by`` (see ``deviate``)."""
    if result.event is MISSING:
        deviate(action, "returned no event", judged_by, ("result", result))
    return result.event


async def pending_run(world: World, request: RunCreatedRequest | None = None) -> str:
    """A new run made by ``request`` (default: a fresh ``run_created``), not started; its id."""
    return (await created_run(world, request)).run_id


async def created_run(world: World, request: RunCreatedRequest | None = None) -> WorkflowRun:
    """A new run made by ``request`` (default: a fresh ``run_created``), not started: the run
    the ``run_created`` result carries."""
    sent = request or make.run_created()
    created = await create(world, None, sent)
    return run_in(created, "run_created", judge_of(None, sent))


async def started_run(world: World) -> str:
    """A new run, created and started (running); its id."""
    run_id = await pending_run(world)
    await create(world, run_id, make.run_started())
    return run_id


def requests_for_one_run() -> list[EventRequest]:
    """Requests of every kind a run is sent after ``run_created``, fresh ids, in an order a
    runtime writes them: start, a step's life, a hook created and received, a wait created and
    completed, then ``run_completed``."""
    step_id, hook_id, wait_id = make.new_id("step"), make.new_id("hook"), make.new_id("wait")
    return [
        make.run_started(),
        make.step_created(step_id),
        make.step_started(step_id),
        make.step_completed(step_id),
        make.hook_created(hook_id, make.token()),
        make.hook_received(hook_id),
        make.wait_created(wait_id, from_now(3600)),
        make.wait_completed(wait_id),
        make.run_completed(),
    ]


def finishing_request(kind: str) -> EventRequest:
    """The terminal run event ``kind`` (``run_completed``, ``run_failed``, ``run_cancelled``)."""
    requests: dict[str, EventRequest] = {
        "run_completed": make.run_completed(),
        "run_failed": make.run_failed(),
        "run_cancelled": make.run_cancelled(),
    }
    return requests[kind]


async def finish_run(world: World, run_id: str, kind: str) -> EventResult:
    """End the run with the terminal event ``kind``, which must succeed."""
    return await create(world, run_id, finishing_request(kind))


async def created_step(world: World, run_id: str, *, input: Any = b"devl\x00step-input") -> str:
    """A new pending step of ``run_id``; its id."""
    step_id = make.new_id("step")
    await create(world, run_id, make.step_created(step_id, input=input))
    return step_id


async def running_step(world: World, run_id: str) -> str:
    """A new step of ``run_id``, created and started once; its id."""
    step_id = await created_step(world, run_id)
    await create(world, run_id, make.step_started(step_id))
    return step_id


async def live_hook(world: World, run_id: str, *, metadata: Any = MISSING) -> tuple[str, str]:
    """A new live hook of ``run_id`` with a fresh token; ``(hookId, token)``."""
    hook_id, token = make.new_id("hook"), make.token()
    await create(world, run_id, make.hook_created(hook_id, token, metadata=metadata))
    return hook_id, token


async def waiting_wait(world: World, run_id: str, *, resume_at: datetime | None = None) -> str:
    """A new waiting wait of ``run_id`` (resuming in an hour unless ``resume_at``); its
    correlationId."""
    correlation_id = make.new_id("wait")
    await create(world, run_id, make.wait_created(correlation_id, resume_at or from_now(3600)))
    return correlation_id


async def attempt(call: Awaitable[EventResult]) -> EventResult | WorkflowError:
    """Await a create whose outcome the test does not judge: its result, or the contract
    error it raised."""
    try:
        return await call
    except WorkflowError as error:
        return error


@dataclass
class ConcurrentCreates:
    """The outcomes of N creates sent at once, in the order the calls were made: each a
    result or the contract error it raised."""

    outcomes: list[EventResult | WorkflowError]

    @property
    def results(self) -> list[EventResult]:
        """The results of the calls that succeeded (a result of either line's models)."""
        return [outcome for outcome in self.outcomes if not isinstance(outcome, WorkflowError)]

    @property
    def winners(self) -> list[int]:
        """The positions of the calls that succeeded."""
        return [
            index for index, outcome in enumerate(self.outcomes) if not isinstance(outcome, WorkflowError)
        ]

    def error_names(self) -> set[str]:
        return {outcome.name for outcome in self.outcomes if isinstance(outcome, WorkflowError)}


async def race(calls: Sequence[Awaitable[EventResult]]) -> ConcurrentCreates:
    """Run ``calls`` concurrently (``asyncio.gather``). Anything but a result or a contract
    error is re-raised."""
    outcomes: list[EventResult | WorkflowError] = []
    with concurrently():
        gathered = await asyncio.gather(*calls, return_exceptions=True)
    for outcome in gathered:
        if isinstance(outcome, BaseException) and not isinstance(outcome, WorkflowError):
            raise outcome
        outcomes.append(outcome)
    return ConcurrentCreates(outcomes)


async def events_of(world: World, run_id: str, correlation_id: str) -> list[Event]:
    """The events of one step, hook or wait in the run's log, ascending (read via
    ``events.list``, so that ``listByCorrelationId`` is judged only by its own invariant)."""
    return [
        event
        for event in await all_events(world, run_id)
        if event.correlation_id is not MISSING and event.correlation_id == correlation_id
    ]


async def kinds_logged_after_the_end(world: World, kind: str) -> tuple[list[str], list[str]]:
    """End a run that has a pending and a running step, a live hook and a waiting wait with
    ``kind``, then try every event type a client may send on it (a bare restart of the running
    step included); the event types its log holds after the terminal event, and the whole
    log's types."""
    run_id = await started_run(world)
    pending, running = await created_step(world, run_id), await running_step(world, run_id)
    hook_id, _ = await live_hook(world, run_id)
    wait = await waiting_wait(world, run_id)
    await finish_run(world, run_id, kind)
    tries: list[EventRequest] = [
        make.run_started(),
        make.run_completed(),
        make.run_failed(),
        make.run_cancelled(),
        make.step_created(make.new_id("step")),
        make.hook_created(make.new_id("hook"), make.token()),
        make.wait_created(make.new_id("wait"), from_now(60)),
        make.hook_received(hook_id),
        make.hook_disposed(hook_id),
        make.wait_completed(wait),
        make.step_started(pending),
        make.step_started(running),
        make.step_retrying(running),
        make.step_completed(running),
    ]
    for request in tries:
        await attempt(world.events.create(run_id, request))
    kinds: list[str] = [event.event_type for event in await all_events(world, run_id)]
    ended = next(index for index, event_type in enumerate(kinds) if event_type in TERMINAL_RUN_EVENTS)
    return kinds[ended + 1 :], kinds
