"""Short histories the suites build through ``events.create``: a started run, a step at a given
stage, a live hook, a waiting wait, and N concurrent creates.

Every helper fails the test, naming the step, when the World refuses an event the contract
says it must accept; so a suite can set a scene in one line and judge only what it is about.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from conformance.checks import make
from conformance.checks.expect import all_events, returns
from worldspec.errors import WorkflowError
from worldspec.events import Event, EventRequest, EventResult
from worldspec.wire_types import MISSING

__all__ = [
    "TERMINAL_RUN_EVENTS",
    "Race",
    "attempt",
    "create",
    "created_step",
    "events_of",
    "finish_run",
    "finishing_request",
    "from_now",
    "live_hook",
    "pending_run",
    "race",
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


async def create(world: Any, run_id: str | None, request: EventRequest) -> EventResult:
    """``events.create(run_id, request)``, which must succeed."""
    return await returns(world.events.create(run_id, request), request.event_type)


async def pending_run(world: Any) -> str:
    """A new run, created and not started (pending); its id."""
    created = await returns(world.events.create(None, make.run_created()), "run_created")
    return str(created.run.run_id)


async def started_run(world: Any) -> str:
    """A new run, created and started (running); its id."""
    run_id = await pending_run(world)
    await returns(world.events.create(run_id, make.run_started()), "run_started on a pending run")
    return run_id


def finishing_request(kind: str) -> EventRequest:
    """The terminal run event ``kind`` (``run_completed``, ``run_failed``, ``run_cancelled``)."""
    requests: dict[str, EventRequest] = {
        "run_completed": make.run_completed(),
        "run_failed": make.run_failed(),
        "run_cancelled": make.run_cancelled(),
    }
    return requests[kind]


async def finish_run(world: Any, run_id: str, kind: str) -> EventResult:
    """End the run with the terminal event ``kind``, which must succeed."""
    return await create(world, run_id, finishing_request(kind))


async def created_step(world: Any, run_id: str, *, input: Any = b"devl\x00step-input") -> str:
    """A new pending step of ``run_id``; its id."""
    step_id = make.new_id("step")
    await create(world, run_id, make.step_created(step_id, input=input))
    return step_id


async def running_step(world: Any, run_id: str) -> str:
    """A new step of ``run_id``, created and started once; its id."""
    step_id = await created_step(world, run_id)
    await create(world, run_id, make.step_started(step_id))
    return step_id


async def live_hook(world: Any, run_id: str, *, metadata: Any = MISSING) -> tuple[str, str]:
    """A new live hook of ``run_id`` with a fresh token; ``(hookId, token)``."""
    hook_id, token = make.new_id("hook"), make.new_id("token")
    await create(world, run_id, make.hook_created(hook_id, token, metadata=metadata))
    return hook_id, token


async def waiting_wait(world: Any, run_id: str, *, resume_at: datetime | None = None) -> str:
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
class Race:
    """The outcomes of N creates sent at once, in the order the calls were made: each a
    result or the contract error it raised."""

    outcomes: list[EventResult | WorkflowError]

    @property
    def results(self) -> list[EventResult]:
        return [outcome for outcome in self.outcomes if isinstance(outcome, EventResult)]

    @property
    def winners(self) -> list[int]:
        """The positions of the calls that succeeded."""
        return [index for index, outcome in enumerate(self.outcomes) if isinstance(outcome, EventResult)]

    def error_names(self) -> set[str]:
        return {outcome.name for outcome in self.outcomes if isinstance(outcome, WorkflowError)}


async def race(calls: Sequence[Awaitable[EventResult]]) -> Race:
    """Run ``calls`` concurrently (``asyncio.gather``). Anything but a result or a contract
    error is re-raised."""
    outcomes: list[EventResult | WorkflowError] = []
    for outcome in await asyncio.gather(*calls, return_exceptions=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, WorkflowError):
            raise outcome
        outcomes.append(outcome)
    return Race(outcomes)


async def events_of(world: Any, run_id: str, correlation_id: str) -> list[Event]:
    """The events of one step, hook or wait in the run's log, ascending (read via
    ``events.list``, so that ``listByCorrelationId`` is judged only by its own invariant)."""
    return [
        event
        for event in await all_events(world, run_id)
        if event.correlation_id is not MISSING and event.correlation_id == correlation_id
    ]
