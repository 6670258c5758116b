"""LocalWorld's files: layout 1 and its fallback, torn writes, stale token entries."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest

from conformance.checks import make
from reference_worlds.local import LocalWorld
from reference_worlds.local.layout import Layout
from worldspec import errors
from worldspec.events import event_data_of
from worldspec.ulid import new_ulid
from worldspec.wire_types import MISSING

FALSY_JSON: list[Any] = [0, False, "", None, [], {}]


def _with_world(data_dir: Path, work: Callable[[LocalWorld], Awaitable[Any]]) -> Any:
    async def go() -> Any:
        world = LocalWorld(data_dir)
        try:
            return await work(world)
        finally:
            await world.close()

    return asyncio.run(go())


def _legacy_run(value: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    run_id, stamp = make.new_id("wrun"), 1_700_000_000_000
    run = {
        "runId": run_id,
        "status": "running",
        "deploymentId": make.DEPLOYMENT_ID,
        "workflowName": "workflow//legacy",
        "input": value,
        "createdAt": stamp,
        "updatedAt": stamp,
    }
    created = {"deploymentId": make.DEPLOYMENT_ID, "workflowName": "workflow//legacy", "input": value}
    events = [
        {"runId": run_id, "eventId": f"evnt_{new_ulid()}", "eventType": "run_created", "eventData": created}
        | {"createdAt": stamp},
    ]
    return run, events


@pytest.mark.parametrize("value", FALSY_JSON, ids=repr)
def test_seeded_runs_are_layout_1_files_and_read_back_exactly(tmp_path: Path, value: Any) -> None:
    run, events = _legacy_run(value)

    async def seed_and_read(world: LocalWorld) -> tuple[Any, Any]:
        await world.worldspec_backdoor.seed_legacy_run(run, events)
        got = await world.runs.get(run["runId"])
        listed = await world.events.list(run["runId"])
        return got.input, event_data_of(listed.data[0])

    run_input, event_data = _with_world(tmp_path, seed_and_read)
    assert (type(run_input), run_input) == (type(value), value)
    assert event_data is not None and (type(event_data["input"]), event_data["input"]) == (type(value), value)
    run_dir = Layout(tmp_path).run_dir(run["runId"])
    stored_run = json.loads((run_dir / "run.json").read_text())
    assert "input" not in stored_run and json.loads(stored_run["inputJson"]) == value
    assert "specVersion" not in stored_run
    stored_event = json.loads((run_dir / "events" / "000001.json").read_text())
    assert json.loads(stored_event["eventDataJson"]) == events[0]["eventData"]
    assert not (run_dir / "log.jsonl").exists()


def test_the_current_form_wins_whenever_its_key_is_present(tmp_path: Path) -> None:
    run, events = _legacy_run("legacy text")
    _with_world(tmp_path, lambda world: world.worldspec_backdoor.seed_legacy_run(run, events))
    run_file = Layout(tmp_path).run_dir(run["runId"]) / "run.json"
    for current in [{"$bytes": "AAE="}, 0, None, {}]:
        stored = json.loads(run_file.read_text())
        stored["input"] = current
        run_file.write_text(json.dumps(stored))
        got = _with_world(tmp_path, lambda world: world.runs.get(run["runId"]))
        expected = b"\x00\x01" if current == {"$bytes": "AAE="} else current
        assert (type(got.input), got.input) == (type(expected), expected)


def test_a_legacy_run_takes_new_commits_after_its_layout_1_events(tmp_path: Path) -> None:
    run, events = _legacy_run({"a": 1})

    async def cancel_twice(world: LocalWorld) -> list[str]:
        await world.worldspec_backdoor.seed_legacy_run(run, events)
        with pytest.raises(errors.WorkflowWorldError):
            await world.events.create(run["runId"], make.step_created(make.new_id("step")))
        for _ in range(2):
            cancelled = await world.events.create(run["runId"], make.run_cancelled())
            assert cancelled.run.status == "cancelled"
        stored = await world.worldspec_backdoor.read_stored_events(run["runId"])
        return [event["eventType"] for event in stored]

    assert _with_world(tmp_path, cancel_twice) == ["run_created", "run_cancelled", "run_cancelled"]
    assert (Layout(tmp_path).run_dir(run["runId"]) / "log.jsonl").exists()


def test_a_seeded_legacy_hook_is_a_log_commit_and_a_token_entry_another_world_reads(tmp_path: Path) -> None:
    """Layout 1 had no hook files: ``seed_legacy_hook`` writes the hook as LocalWorld keeps live
    hooks, so a World opened afterwards finds it, and a legacy ``run_cancelled`` there deletes it
    and removes its token entry, logging nothing for it."""
    run, events = _legacy_run({"a": 1})
    hook = {
        "runId": run["runId"],
        "hookId": make.new_id("hook"),
        "token": make.token(),
        "ownerId": "owner",
        "projectId": "project",
        "environment": "production",
        "createdAt": 1_700_000_000_000,
        "metadata": {"seeded": True},
    }

    async def seed(world: LocalWorld) -> None:
        await world.worldspec_backdoor.seed_legacy_run(run, events)
        await world.worldspec_backdoor.seed_legacy_hook(hook)

    async def read_then_cancel(world: LocalWorld) -> list[str]:
        found = await world.hooks.get_by_token(hook["token"])
        assert (found.hook_id, found.metadata) == (hook["hookId"], {"seeded": True})
        await world.events.create(run["runId"], make.run_cancelled())
        with pytest.raises(errors.HookNotFoundError):
            await world.hooks.get(hook["hookId"])
        stored = await world.worldspec_backdoor.read_stored_events(run["runId"])
        return [event["eventType"] for event in stored]

    token_entry = Layout(tmp_path).token(hook["token"])
    _with_world(tmp_path, seed)
    assert token_entry.exists()
    assert _with_world(tmp_path, read_then_cancel) == ["run_created", "run_cancelled"]
    assert not token_entry.exists()


def test_seeding_an_existing_run_is_refused(tmp_path: Path) -> None:
    run, events = _legacy_run(1)

    async def seed_twice(world: LocalWorld) -> None:
        await world.worldspec_backdoor.seed_legacy_run(run, events)
        with pytest.raises(ValueError, match="already exists"):
            await world.worldspec_backdoor.seed_legacy_run(run, events)

    _with_world(tmp_path, seed_twice)


def test_a_torn_last_line_is_never_read_and_is_cut_off_by_the_next_commit(tmp_path: Path) -> None:
    created = _with_world(tmp_path, lambda world: world.events.create(None, make.run_created()))
    run_id = created.run.run_id
    log = Layout(tmp_path).run_log(run_id)
    with log.open("ab") as file:
        file.write(b'{"runId": "' + run_id.encode() + b'", "ns": 1, "events": [{"eventTy')

    async def read_then_write(world: LocalWorld) -> list[str]:
        before = await world.events.list(run_id)
        assert [e.event_type for e in before.data] == ["run_created"]
        await world.events.create(run_id, make.run_started())
        return [e.event_type for e in (await world.events.list(run_id)).data]

    assert _with_world(tmp_path, read_then_write) == ["run_created", "run_started"]
    lines = log.read_bytes().split(b"\n")
    assert lines[-1] == b"" and all(json.loads(line) for line in lines[:-1])


def test_a_stale_token_entry_does_not_hold_the_token(tmp_path: Path) -> None:
    token = "token-left-by-a-crash"
    layout = Layout(tmp_path)
    layout.create_directories()
    stale = {"token": token, "runId": make.new_id("wrun"), "hookId": make.new_id("hook")}
    layout.token(token).write_text(json.dumps(stale))

    async def create_hook(world: LocalWorld) -> tuple[str, str]:
        created = await world.events.create(None, make.run_created())
        result = await world.events.create(created.run.run_id, make.hook_created(make.new_id("hook"), token))
        holder = await world.hooks.get_by_token(token)
        return result.event.event_type, holder.run_id

    event_type, holder = _with_world(tmp_path, create_hook)
    assert event_type == "hook_created" and holder != stale["runId"]


def test_a_second_world_sees_commits_of_the_first_at_once(tmp_path: Path) -> None:
    async def interleave() -> None:
        first, second = LocalWorld(tmp_path), LocalWorld(tmp_path)
        created = await first.events.create(None, make.run_created())
        run_id = created.run.run_id
        assert (await second.runs.get(run_id)).status == "pending"
        await second.events.create(run_id, make.run_started())
        assert (await first.runs.get(run_id)).status == "running"
        hook_id, token = make.new_id("hook"), make.new_id("token")
        await first.events.create(run_id, make.hook_created(hook_id, token))
        conflict = await second.events.create(run_id, make.hook_created(make.new_id("hook"), token))
        assert conflict.event.event_type == "hook_conflict"
        await second.events.create(run_id, make.run_completed())
        with pytest.raises(errors.HookNotFoundError):
            await first.hooks.get_by_token(token)
        listed = await first.events.list(run_id)
        assert [e.event_type for e in listed.data][-1] == "run_completed"
        assert listed.data[-1].event_data is not MISSING
        await first.close()
        await second.close()

    asyncio.run(interleave())
