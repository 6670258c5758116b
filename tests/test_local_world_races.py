"""LocalWorld stays linearizable when OS processes share its data directory (§8)."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections import Counter
from pathlib import Path
from typing import Any

from conformance.checks import make
from reference_worlds.local import LocalWorld
from tests.local_races import TASKS_PER_PROCESS, Attempt, race_worker
from worldspec.pagination import PaginationOptions

PROCESSES = 2
ROUNDS = 25


def _race(race: str, data_dir: Path, arguments: list[str]) -> list[Attempt]:
    """Run ``race`` from ``PROCESSES`` OS processes at once; every attempt they made."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(target=race_worker, args=(race, str(data_dir), arguments, barrier, results))
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    reports = [results.get(timeout=120) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
    errors = [detail for status, detail in reports if status != "ok"]
    assert not errors, errors
    return [attempt for _, attempts in reports for attempt in attempts]


def _read(data_dir: Path, read: Any) -> Any:
    async def go() -> Any:
        world = LocalWorld(data_dir)
        try:
            return await read(world)
        finally:
            await world.close()

    return asyncio.run(go())


def test_racing_run_created_makes_one_run(tmp_path: Path) -> None:
    run_ids = [make.new_id("wrun") for _ in range(ROUNDS)]
    attempts = _race("run_created", tmp_path, run_ids)
    assert len(attempts) == ROUNDS * PROCESSES * TASKS_PER_PROCESS
    created = Counter(round_ for round_, outcome, _ in attempts if outcome == "created")
    assert created == Counter(range(ROUNDS)), "each runId is created exactly once"

    async def logs(world: LocalWorld) -> list[list[str]]:
        return [[e.event_type for e in (await world.events.list(run_id)).data] for run_id in run_ids]

    assert _read(tmp_path, logs) == [["run_created"]] * ROUNDS


def test_racing_hook_created_with_one_token_makes_one_hook(tmp_path: Path) -> None:
    tokens = [f"token-{index}-{make.new_id('t')}" for index in range(ROUNDS)]
    attempts = _race("hook_created", tmp_path, tokens)
    winners = {round_: run_id for round_, outcome, run_id in attempts if outcome == "hook_created"}
    assert Counter(r for r, outcome, _ in attempts if outcome == "hook_created") == Counter(range(ROUNDS))
    assert {outcome for _, outcome, _ in attempts} == {"hook_created", "hook_conflict"}

    async def holders(world: LocalWorld) -> list[str]:
        return [(await world.hooks.get_by_token(token)).run_id for token in tokens]

    assert _read(tmp_path, holders) == [winners[round_] for round_ in range(ROUNDS)]


def test_racing_step_started_loses_no_attempt(tmp_path: Path) -> None:
    step_id = make.new_id("step")

    async def prepare(world: LocalWorld) -> str:
        created = await world.events.create(None, make.run_created())
        await world.events.create(created.run.run_id, make.step_created(step_id))
        return str(created.run.run_id)

    run_id = _read(tmp_path, prepare)
    attempts = _race("step_started", tmp_path, [run_id, step_id, str(ROUNDS)])

    async def step_and_log(world: LocalWorld) -> tuple[int, list[str]]:
        step = await world.steps.get(run_id, step_id)
        listed = await world.events.list(run_id, pagination=PaginationOptions(limit=1000))
        return int(step.attempt), [e.event_id for e in listed.data if e.event_type == "step_started"]

    attempt, started_ids = _read(tmp_path, step_and_log)
    assert attempt == len(attempts) == ROUNDS * PROCESSES * TASKS_PER_PROCESS
    assert sorted(started_ids) == sorted(detail for _, _, detail in attempts)
    assert started_ids == sorted(started_ids), "eventIds ascend in append order across processes"
