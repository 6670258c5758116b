"""PostgresWorld is linearizable across OS processes sharing one schema (contract §8).

Each race starts two worker processes (tests/postgres_race_worker.py) on a fresh schema, lets
each open its World (both apply the migrations at once), then fires every create at the same
moment from both, many per process, and checks the outcome against the contract's table.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from conformance.checks import make
from reference_worlds.postgres import PostgresWorld
from reference_worlds.postgres.locate import fresh_schema_name
from tests.postgres_support import postgres_dsn

REPO = Path(__file__).resolve().parent.parent
PROCESSES = 2


@asynccontextmanager
async def _shared_schema() -> AsyncIterator[tuple[str, str]]:
    """A DSN and a fresh schema name, dropped afterwards."""
    dsn, schema = postgres_dsn(), fresh_schema_name()
    try:
        yield dsn, schema
    finally:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _race(plan: dict[str, Any]) -> list[str]:
    """Every outcome of ``plan``'s creates, from ``PROCESSES`` worker processes started together."""
    workers = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.postgres_race_worker", json.dumps(plan)],
            cwd=REPO,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        assert worker.stdout is not None
        ready = worker.stdout.readline()
        assert ready.strip() == "ready", (
            f"worker did not start: {ready!r} {worker.stderr.read() if worker.stderr else ''}"
        )
    outcomes: list[str] = []
    for worker in workers:
        out, err = worker.communicate("go\n", timeout=120)
        assert worker.returncode == 0, err[-3000:]
        outcomes.extend(json.loads(out.strip().splitlines()[-1]))
    return outcomes


async def _log_types(world: PostgresWorld, run_id: str) -> list[str]:
    return [event.event_type for event in (await world.events.list(run_id)).data]


def test_racing_run_created_makes_one_run() -> None:
    async def scenario() -> None:
        async with _shared_schema() as (dsn, schema):
            run_ids = [make.new_id("wrun") for _ in range(5)]
            plan = {
                "dsn": dsn,
                "schema": schema,
                "scenario": "run_created",
                "copies": 6,
                "run_ids": run_ids,
                "workflow": make.workflow_name(),
            }
            outcomes = await asyncio.to_thread(_race, plan)
            assert Counter(outcomes) == {"run_created": 5, "EntityConflictError": 5 * (6 * PROCESSES - 1)}
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                for run_id in run_ids:
                    assert await _log_types(world, run_id) == ["run_created"]
                    assert (await world.runs.get(run_id)).status == "pending"

    asyncio.run(scenario())


def test_racing_resilient_starts_make_one_run_created() -> None:
    async def scenario() -> None:
        async with _shared_schema() as (dsn, schema):
            run_ids = [make.new_id("wrun") for _ in range(5)]
            plan = {
                "dsn": dsn,
                "schema": schema,
                "scenario": "resilient_start",
                "copies": 6,
                "run_ids": run_ids,
                "workflow": make.workflow_name(),
            }
            outcomes = await asyncio.to_thread(_race, plan)
            assert Counter(outcomes)["run_started"] == 5
            assert set(outcomes) <= {"run_started", "no event", "EntityConflictError"}
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                for run_id in run_ids:
                    assert await _log_types(world, run_id) == ["run_created", "run_started"]
                    assert (await world.runs.get(run_id)).status == "running"

    asyncio.run(scenario())


def test_racing_hook_created_on_one_token_makes_one_hook() -> None:
    async def scenario() -> None:
        async with _shared_schema() as (dsn, schema):
            tokens = [make.new_id("token") for _ in range(4)]
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                run_ids = [(await world.events.create(None, make.run_created())).run.run_id for _ in range(3)]
            plan = {
                "dsn": dsn,
                "schema": schema,
                "scenario": "hook_token",
                "copies": 3,
                "run_ids": run_ids,
                "tokens": tokens,
            }
            outcomes = await asyncio.to_thread(_race, plan)
            per_token = 3 * 3 * PROCESSES
            assert Counter(outcomes) == {"hook_created": 4, "hook_conflict": 4 * (per_token - 1)}
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                hooks = (await world.hooks.list()).data
                assert sorted(hook.token for hook in hooks) == sorted(tokens)
                for token in tokens:
                    holder = await world.hooks.get_by_token(token)
                    conflicts = [
                        event
                        for run_id in run_ids
                        for event in (await world.events.list(run_id)).data
                        if event.event_type == "hook_conflict" and event.event_data.token == token
                    ]
                    assert len(conflicts) == per_token - 1
                    assert {event.event_data.conflicting_run_id for event in conflicts} == {holder.run_id}

    asyncio.run(scenario())


def test_racing_step_started_loses_no_attempt() -> None:
    async def scenario() -> None:
        async with _shared_schema() as (dsn, schema):
            step_id = make.new_id("step")
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                run_id = (await world.events.create(None, make.run_created())).run.run_id
                await world.events.create(run_id, make.step_created(step_id))
            plan = {
                "dsn": dsn,
                "schema": schema,
                "scenario": "step_started",
                "copies": 15,
                "run_ids": [run_id],
                "step_id": step_id,
            }
            outcomes = await asyncio.to_thread(_race, plan)
            assert Counter(outcomes) == {"step_started": 15 * PROCESSES}
            async with PostgresWorld(dsn=dsn, schema=schema) as world:
                log = await _log_types(world, run_id)
                assert log.count("step_started") == 15 * PROCESSES
                assert (await world.steps.get(run_id, step_id)).attempt == 15 * PROCESSES
                listed = (await world.events.list(run_id)).data
                assert [e.event_id for e in listed] == sorted(e.event_id for e in listed)
                assert all(a.created_at <= b.created_at for a, b in itertools.pairwise(listed))

    asyncio.run(scenario())
