"""LocalWorld passes the whole kit with two runs sharing its directory (alone, it is certified at
level full in tests/test_certify.py), and survives bad input."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import make
from reference_worlds.local import LocalWorld
from tests.kit_runner import passes_everything_it_declares, run_kit
from worldspec import errors
from worldspec.pagination import PaginationOptions

TARGET = "reference_worlds.local:LocalWorld"

BAD_NAMES = [
    "a/b",
    "../../../escape",
    "..",
    ".",
    "",
    "nul\x00inside",
    "quotes ' \" `",
    "'; DROP TABLE runs; --",
    "back\\slash",
    "wrun_lower/../../..",
    "ünïcødé ✓",
    "x" * 10_240,
]
"""Ids, tokens and stream names that must never name a file outside data_dir."""


def _in_fresh_world(data_dir: Path, work: Callable[[LocalWorld], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        world = LocalWorld(data_dir)
        try:
            return await work(world)
        finally:
            await world.close()

    return asyncio.run(go())


def test_two_kit_runs_sharing_one_data_dir_both_pass(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    reports = [tmp_path / f"report-{index}.json" for index in range(2)]
    arguments = ("--world-opt", f"data_dir={data_dir}")
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [pool.submit(run_kit, TARGET, *arguments, keep_report=report) for report in reports]
        processes = [run.result().pop("__process__") for run in runs]
    for process, report in zip(processes, reports, strict=True):
        assert process.returncode == 0, process.stdout[-4000:]
        passes_everything_it_declares(json.loads(report.read_text()), LocalWorld)
    assert any((data_dir / "runs").iterdir())


def test_temporary_data_dir_is_removed_on_close_and_a_given_one_kept(tmp_path: Path) -> None:
    async def check() -> None:
        own = LocalWorld()
        await own.events.create(None, make.run_created())
        assert own.data_dir.is_dir()
        await own.close()
        assert not own.data_dir.exists()
        given = LocalWorld(tmp_path)
        await given.events.create(None, make.run_created())
        await given.close()

    asyncio.run(check())
    assert len(list((tmp_path / "runs").iterdir())) == 1


def _files_under(root: Path) -> set[Path]:
    return {Path(folder, name) for folder, _, names in os.walk(root) for name in names}


@pytest.mark.parametrize("name", BAD_NAMES, ids=lambda name: repr(name)[:24])
def test_bad_ids_and_tokens_round_trip_and_stay_inside_data_dir(tmp_path: Path, name: str) -> None:
    data_dir = tmp_path / "data"

    async def exercise(world: LocalWorld) -> None:
        if name:
            with pytest.raises(errors.WorkflowWorldError):
                await world.events.create(name, make.run_created())
        with pytest.raises(errors.WorkflowRunNotFoundError):
            await world.runs.get(name)
        with pytest.raises((errors.WorkflowRunNotFoundError, errors.WorkflowWorldError)):
            await world.events.create(name, make.run_started())
        run_id = (await world.events.create(None, make.run_created())).run.run_id
        step = await world.events.create(run_id, make.step_created(name, input=name.encode()))
        assert (await world.steps.get(None, name)).step_id == name == step.step.step_id
        hook = await world.events.create(run_id, make.hook_created(name, name))
        assert hook.event.event_type == "hook_created"
        assert (await world.hooks.get_by_token(name)).hook_id == name
        assert (await world.hooks.get(name)).token == name
        correlated = await world.events.list_by_correlation_id(name, run_id=run_id)
        assert [e.event_type for e in correlated.data] == ["step_created", "hook_created"]
        wait = await world.events.create(run_id, make.wait_created(name, datetime.now(UTC)))
        assert wait.wait.wait_id == f"{run_id}-{name}"
        with pytest.raises(errors.WorkflowWorldError):
            await world.events.get(run_id, name)
        await world.write_to_stream(name, name, name)
        await world.close_stream(name, name)
        assert [chunk async for chunk in world.read_from_stream(name)] == ([name.encode()] if name else [])
        assert await world.list_streams_by_run_id(name) == [name]

    _in_fresh_world(data_dir, exercise)
    assert sorted(os.listdir(tmp_path)) == ["data"], "nothing is created beside data_dir"
    for path in _files_under(data_dir):
        assert path.resolve().is_relative_to(data_dir.resolve()), path
        assert len(path.name.encode()) <= 255


def test_a_reread_world_sees_the_same_bytes_and_strings(tmp_path: Path) -> None:
    values: list[Any] = [b"", b"\x00\xff", "ZGV2bA==", [1, 2, 3], {"$bytes": "AA=="}, 0, None]

    async def write(world: LocalWorld) -> str:
        run = await world.events.create(None, make.run_created(input=b"devl"))
        for value in values:
            await world.events.create(run.run.run_id, make.step_created(make.new_id("step"), input=value))
        return str(run.run.run_id)

    run_id = _in_fresh_world(tmp_path, write)

    async def read(world: LocalWorld) -> list[Any]:
        steps = await world.steps.list(run_id, pagination=PaginationOptions(limit=1000, sort_order="asc"))
        return [step.input for step in steps.data]

    got = _in_fresh_world(tmp_path, read)
    assert [(type(v), v) for v in got] == [(type(v), v) for v in values]


def test_an_events_cursor_of_another_run_is_refused(tmp_path: Path) -> None:
    async def check(world: LocalWorld) -> None:
        runs = [(await world.events.create(None, make.run_created())).run.run_id for _ in range(2)]
        for run_id in runs:
            await world.events.create(run_id, make.run_started())
        first = await world.events.list(runs[0], pagination=PaginationOptions(limit=1))
        assert first.has_more and first.cursor is not None
        with pytest.raises(errors.WorkflowWorldError) as refused:
            await world.events.list(runs[1], pagination=PaginationOptions(limit=1, cursor=first.cursor))
        assert refused.value.status == 400

    _in_fresh_world(tmp_path, check)
