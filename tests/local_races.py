"""Work for OS processes racing on one LocalWorld data directory (tests/test_local_world_races.py).

Each worker opens its own LocalWorld over the shared directory, waits at a barrier so the
processes start together, makes its attempts from several asyncio tasks at once, and puts
``(round, outcome, detail)`` triples on the result queue.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier
from typing import Any

from conformance.checks import make
from reference_worlds.local import LocalWorld
from worldspec import errors

TASKS_PER_PROCESS = 4

Attempt = tuple[int, str, str]
"""``(round, outcome, detail)``."""


async def _attempts(rounds: int, attempt: Callable[[int], Awaitable[Attempt]]) -> list[Attempt]:
    async def task() -> list[Attempt]:
        return [await attempt(round_) for round_ in range(rounds)]

    per_task = await asyncio.gather(*(task() for _ in range(TASKS_PER_PROCESS)))
    return [outcome for outcomes in per_task for outcome in outcomes]


async def _run_created(world: LocalWorld, run_ids: list[str]) -> list[Attempt]:
    async def attempt(round_: int) -> Attempt:
        try:
            created = await world.events.create(run_ids[round_], make.run_created())
        except errors.EntityConflictError:
            return round_, "conflict", ""
        return round_, "created", str(created.event.event_id)

    return await _attempts(len(run_ids), attempt)


async def _hook_created(world: LocalWorld, tokens: list[str]) -> list[Attempt]:
    own_runs = []
    for _ in range(TASKS_PER_PROCESS):
        created = await world.events.create(None, make.run_created())
        own_runs.append(created.run.run_id)
    next_run = iter(range(len(tokens) * TASKS_PER_PROCESS))

    async def attempt(round_: int) -> Attempt:
        run_id = own_runs[next(next_run) % TASKS_PER_PROCESS]
        result = await world.events.create(run_id, make.hook_created(make.new_id("hook"), tokens[round_]))
        return round_, result.event.event_type, run_id

    return await _attempts(len(tokens), attempt)


async def _step_started(world: LocalWorld, target: list[str]) -> list[Attempt]:
    run_id, step_id, rounds = target[0], target[1], int(target[2])

    async def attempt(round_: int) -> Attempt:
        result = await world.events.create(run_id, make.step_started(step_id))
        return round_, "started", str(result.event.event_id)

    return await _attempts(rounds, attempt)


RACES: dict[str, Callable[[LocalWorld, list[str]], Awaitable[list[Attempt]]]] = {
    "run_created": _run_created,
    "hook_created": _hook_created,
    "step_started": _step_started,
}


def race_worker(
    race: str, data_dir: str, arguments: list[str], barrier: Barrier, results: Queue[Any]
) -> None:
    """Run one process's share of ``race``; put its attempts, or the error, on ``results``."""

    async def work() -> list[Attempt]:
        world = LocalWorld(data_dir)
        try:
            barrier.wait(timeout=60)
            return await RACES[race](world, arguments)
        finally:
            await world.close()

    try:
        results.put(("ok", asyncio.run(work())))
    except Exception as error:
        results.put(("error", f"{type(error).__name__}: {error}"))
