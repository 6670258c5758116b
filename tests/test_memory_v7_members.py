"""The 5.x oracle beyond events.create: older runs, the queue, world.streams and the optional
members (world-contract-v7.md §6, §10, §11, §12). Each test states its rule."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from tests.memory_v7_support import (
    attr_set,
    created_run,
    errors,
    hook_received,
    lazy_start,
    new_world,
    raises,
    run_cancelled,
    run_completed,
    run_created,
    running_run,
    step_created,
    types_of,
    wait_completed,
)
from worldspec.line5 import protocol
from worldspec.line5.attributes import AttributeChange
from worldspec.line5.queue import HealthCheckPayload, MessageMeta, WorkflowInvokePayload, parse_queue_payload
from worldspec.line5.slots import is_slot_event_id
from worldspec.ulid import MonotonicUlid

ULIDS = MonotonicUlid()


def test_a_legacy_run_follows_base_6_2_on_its_own_id_scheme() -> None:
    """LEG-003 with §6.1-6.4: a run created at specVersion 1 takes slot ids for life;
    hook_received and wait_completed are appended without a lookup; attr_set and a lazy start
    are refused with nothing stored; run_cancelled cancels."""

    async def scenario() -> None:
        world = new_world()
        run_id = await created_run(world, spec_version=1, input={"json": [1, 2]})
        await world.events.create(run_id, hook_received("legacy_hook", {"a": 1}))
        await world.events.create(run_id, wait_completed("legacy_wait"))
        for refused in (attr_set(("k", "v")), lazy_start("step_1")):
            await raises(errors.WorkflowWorldError, world.events.create(run_id, refused))
        await world.events.create(run_id, run_cancelled())
        log = (await world.events.list(run_id)).data
        assert types_of(log) == ["run_created", "hook_received", "wait_completed", "run_cancelled"]
        assert all(is_slot_event_id(event.event_id) for event in log)
        assert (await world.runs.get(run_id)).status == "cancelled"

    asyncio.run(scenario())


def _stored_by_a_4x_world(run_id: str, now: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A failed spec-3 run as world-local 4.4.1 stored it: ULID ids, a StructuredError."""
    error = {"message": "boom", "stack": "Error: boom"}
    run = {
        "runId": run_id,
        "status": "failed",
        "deploymentId": "dpl_4x",
        "workflowName": "workflow//old",
        "specVersion": 3,
        "input": b"in",
        "error": error,
        "createdAt": now,
        "updatedAt": now,
        "completedAt": now,
    }
    created = {
        "eventType": "run_created",
        "eventData": {"deploymentId": "dpl_4x", "workflowName": "w", "input": b"in"},
    }
    failed = {"eventType": "run_failed", "eventData": {"error": error}}
    events = [
        {**event, "runId": run_id, "eventId": f"evnt_{ULIDS(now)}", "createdAt": now, "specVersion": 3}
        for event in (created, failed)
    ]
    return run, events


def test_a_run_a_4x_world_stored_keeps_its_version_ids_and_error() -> None:
    """LEG-105, LEG-106, SLOT-010: readable and writable at its stored version; new events keep
    its ULID scheme; its StructuredError reads back verbatim."""

    async def scenario() -> None:
        world = new_world()
        now = datetime.now(UTC)
        run_id = f"wrun_{ULIDS(now)}"
        run, events = _stored_by_a_4x_world(run_id, now)
        await world.worldspec_backdoor.seed_legacy_run(run, events)
        read = await world.runs.get(run_id)
        assert read.spec_version == 3 and read.error == {"message": "boom", "stack": "Error: boom"}
        await raises(errors.EntityConflictError, world.events.create(run_id, step_created("late")))
        await raises(errors.EntityConflictError, world.events.create(run_id, run_cancelled()))
        log = (await world.events.list(run_id)).data
        assert not any(is_slot_event_id(event.event_id) for event in log)
        assert (await world.events.get(run_id, log[-1].event_id)).event_data.error == {
            "message": "boom",
            "stack": "Error: boom",
        }

    asyncio.run(scenario())


def test_a_ulid_run_gets_ulid_ids_for_new_events() -> None:
    """SLOT-010: a running spec-3 run stored with ULID ids takes ULIDs, in append order."""

    async def scenario() -> None:
        world = new_world()
        now = datetime.now(UTC)
        run_id = f"wrun_{ULIDS(now)}"
        stamps = {"createdAt": now, "specVersion": 3}
        run = {
            "runId": run_id,
            "status": "running",
            "deploymentId": "d",
            "workflowName": "w",
            "updatedAt": now,
        }
        data = {"deploymentId": "d", "workflowName": "w", "input": b""}
        created = {
            "eventType": "run_created",
            "runId": run_id,
            "eventId": f"evnt_{ULIDS(now)}",
            "eventData": data,
        }
        await world.worldspec_backdoor.seed_legacy_run({**run, **stamps}, [{**created, **stamps}])
        await world.events.create(run_id, step_created("step_1"))
        await world.events.create(run_id, run_completed())
        ids = [event.event_id for event in (await world.events.list(run_id)).data]
        assert not any(is_slot_event_id(event_id) for event_id in ids) and ids == sorted(ids)

    asyncio.run(scenario())


def test_a_run_stored_at_a_newer_version_is_not_supported() -> None:
    """LEG-002 read with "newer" = above 7."""

    async def scenario() -> None:
        world = new_world()
        now = datetime.now(UTC)
        run_id = f"wrun_{ULIDS(now)}"
        run = {"runId": run_id, "status": "running", "deploymentId": "d", "workflowName": "w"}
        run.update(specVersion=8, createdAt=now, updatedAt=now)
        await world.worldspec_backdoor.seed_legacy_run(run, [])
        refused = await raises(errors.RunNotSupportedError, world.events.create(run_id, run_completed()))
        assert refused.fields() == {"runSpecVersion": 8, "worldSpecVersion": 7}

    asyncio.run(scenario())


def test_the_queue_takes_workflow_topics_only_and_delivers_as_sent() -> None:
    """Q-101, Q-103, Q-102: step topics are refused; 5.x payloads (unknown keys, bytes) arrive
    deep-equal; every delivery of one message carries one messageId."""

    async def scenario() -> None:
        world = new_world()
        deliveries: list[tuple[Any, MessageMeta]] = []

        async def handler(message: Any, meta: MessageMeta) -> None:
            deliveries.append((message, meta))
            if len(deliveries) == 1:
                raise RuntimeError("first delivery fails")

        for name in ("__wkf_step_x", "__wkf_workflow_"):
            await raises(errors.WorkflowWorldError, world.queue(name, HealthCheckPayload(correlation_id="c")))
        await raises(errors.WorkflowWorldError, world.create_queue_handler("__wkf_step_", handler))
        await world.create_queue_handler("__wkf_workflow_", handler)
        sent = parse_queue_payload(
            {
                "runId": "wrun_1",
                "stepId": "step_1",
                "stepInput": {"input": b"\x00\xff"},
                "futureKey": {"n": 1},
            }
        )
        assert isinstance(sent, WorkflowInvokePayload)
        queued = await world.queue("__wkf_workflow_w", sent)
        for _ in range(200):
            if len(deliveries) >= 2:
                break
            await asyncio.sleep(0.01)
        await world.close()
        assert [message for message, _ in deliveries] == [sent, sent]
        assert deliveries[0][0].to_wire()["futureKey"] == {"n": 1}
        assert {meta.message_id for _, meta in deliveries} == {queued.message_id}
        assert [meta.attempt for _, meta in deliveries] == [1, 2]

    asyncio.run(scenario())


def test_streams_live_under_world_streams_with_the_run_first() -> None:
    """STRM-101, STRM-102: write, writeMulti, close, get, list, getChunks and getInfo."""

    async def scenario() -> None:
        world = new_world()
        assert isinstance(world.streams, protocol.SupportsWriteMulti)
        await world.streams.write("wrun_1", "out", "é")
        await world.streams.write_multi("wrun_1", "out", [b"\x00", b"", b"\xff"])
        await world.streams.close("wrun_1", "out")
        assert [chunk async for chunk in world.streams.get("wrun_1", "out")] == [
            "é".encode(),
            b"\x00",
            b"\xff",
        ]
        assert [chunk async for chunk in world.streams.get("wrun_1", "out", -1)] == [b"\xff"]
        assert list(await world.streams.list("wrun_1")) == ["out"]
        info = await world.streams.get_info("wrun_1", "out")
        assert (info.tail_index, info.done) == (3, True)
        chunks = await world.streams.get_chunks("wrun_1", "out", limit=2)
        assert [chunk.index for chunk in chunks.data] == [0, 1] and chunks.has_more is True

    asyncio.run(scenario())


def test_the_optional_members() -> None:
    """OPT-002, OPT-003, OPT-008, OPT-009: getMany in input order with null for misses;
    waitForTerminalStatus resolves on the end or with a snapshot at the timeout;
    experimentalSetAttributes merges without an event; createRunId is accepted by run_created."""

    async def scenario() -> None:
        world = new_world()
        runs = world.runs
        assert isinstance(runs, protocol.SupportsGetMany)
        assert isinstance(runs, protocol.SupportsWaitForTerminalStatus)
        assert isinstance(runs, protocol.SupportsExperimentalSetAttributes)
        assert isinstance(world, protocol.SupportsCreateRunId)
        own_id = "wrun_" + world.create_run_id()
        await world.events.create(own_id, run_created())
        other = await running_run(world)
        many = await runs.get_many([other, "wrun_missing", own_id])
        assert [run.run_id if run else None for run in many] == [other, None, own_id]
        snapshot = await runs.wait_for_terminal_status(other, timeout_ms=20)
        assert snapshot.status == "running"
        waiting = asyncio.ensure_future(runs.wait_for_terminal_status(other, timeout_ms=5000))
        await asyncio.sleep(0.01)
        await world.events.create(other, run_completed())
        assert (await waiting).status == "completed"
        await raises(errors.WorkflowRunNotFoundError, runs.wait_for_terminal_status("wrun_missing"))
        merged = await runs.experimental_set_attributes(own_id, [AttributeChange(key="k", value="v")])
        assert merged == {"k": "v"} == (await runs.get(own_id)).attributes
        assert len((await world.events.list(own_id)).data) == 1
        await raises(
            errors.AttributeValidationError,
            runs.experimental_set_attributes(own_id, [AttributeChange(key="$k", value="v")]),
        )

    asyncio.run(scenario())


def test_every_part_of_the_protocol_is_there() -> None:
    """The 5.x MemoryWorld satisfies ``worldspec.line5.protocol.World``."""
    world = new_world()
    assert isinstance(world, protocol.World)
    assert world.steps.get.__code__.co_varnames[1:3] == ("run_id", "step_id")
