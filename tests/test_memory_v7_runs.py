"""The 5.x oracle's runs: what a MemoryWorld declaring 6 or 7 does with run events and attributes
(world-contract-v7.md §1.2, §2.4, §4.2, §4.7, §5.1, §5.2, §12 retention). Each test states its rule."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest

from reference_worlds.memory import MemoryWorld
from tests.memory_v7_support import (
    VERSIONS,
    Clock,
    attr_set,
    created_run,
    ended_run,
    errors,
    hook_created,
    new_world,
    raises,
    resilient,
    run_cancelled,
    run_completed,
    run_created,
    run_failed,
    run_started,
    running_run,
    slots_of,
    step_completed,
    step_created,
    step_started,
    types_of,
    wait_created,
)
from worldspec import errors as line4_errors
from worldspec.line5.capabilities import Capabilities, Capability
from worldspec.line5.events import CreateEventParams, RunStartedRequest
from worldspec.line5.validation import parse_event_request
from worldspec.lines import UnsupportedSpecVersion
from worldspec.pagination import PaginationOptions
from worldspec.wire import from_tagged
from worldspec.wire_types import MISSING

REPO = Path(__file__).resolve().parents[1]


# --- which line -------------------------------------------------------------------------------


def test_the_oracle_declares_its_line_and_what_it_implements() -> None:
    assert MemoryWorld().spec_version == 3, "the default stays the 4.x line"
    assert not hasattr(MemoryWorld(), "streams"), "a 4.x World has no world.streams"
    for version in (6, 7):
        world = MemoryWorld(spec_version=version)
        assert world.spec_version == version
        assert world.capabilities.to_wire() == {"hookRetention": {"active": True}, "hookResumeDedup": True}
        assert isinstance(world.worldspec_capabilities, Capabilities)
        assert world.worldspec_capabilities.has(Capability.RETENTION)
        assert not world.worldspec_capabilities.has(Capability.SEALED_LOG), "slots are allocated at commit"


def test_versions_outside_the_lines_are_refused_clearly() -> None:
    for version in (4, 5, 8):
        with pytest.raises(UnsupportedSpecVersion):
            MemoryWorld(spec_version=version)
    with pytest.raises(ValueError, match=r"spec version 3 on the 4\.x line"):
        MemoryWorld(spec_version=2)


# --- run_created --------------------------------------------------------------------------------


@VERSIONS
def test_run_created_echoes_its_fields_and_is_slot_1(version: int) -> None:
    """RUN-101, ATTR-001: the run echoes the sent fields, attributes (absent: {}) and the public
    key; its version is D, the World's; its run_created is slot 1 and keeps eventData as sent."""

    async def scenario() -> None:
        world = new_world(version)
        plain = await world.events.create(None, run_created())
        assert plain.run.attributes == {}
        assert plain.run.spec_version == version == plain.event.spec_version
        assert slots_of([plain.event]) == [1]
        seeded = await world.events.create(
            None,
            run_created(
                attributes={"$rootRunId": "wrun_x", "tier": "gold"},
                allow_reserved_attributes=True,
                encryption_public_key="a2V5",
                execution_context={"blob": b"\x00\xff"},
            ),
        )
        run = seeded.run
        assert (run.attributes, run.encryption_public_key) == (
            {"$rootRunId": "wrun_x", "tier": "gold"},
            "a2V5",
        )
        assert run.execution_context == {"blob": b"\x00\xff"} and run.input == b"run-input"
        assert seeded.event.event_data.allow_reserved_attributes is True
        assert (await world.runs.get(run.run_id)) == run

    asyncio.run(scenario())


@VERSIONS
def test_runs_of_every_version_up_to_7_are_accepted_and_newer_ones_refused(version: int) -> None:
    """LEG-102, LEG-103, LEG-104: a run keeps the version it was created at, 1 to 7, even on a
    World declaring 6; a version above 7 is refused with both versions named."""

    async def scenario() -> None:
        world = new_world(version)
        for asked in range(1, 8):
            result = await world.events.create(None, run_created(spec_version=asked))
            assert result.run.spec_version == asked
        refused = await raises(
            errors.RunNotSupportedError, world.events.create(None, run_created(spec_version=8))
        )
        assert refused.fields() == {"runSpecVersion": 8, "worldSpecVersion": version}
        await raises(
            errors.RunNotSupportedError,
            world.events.create("wrun_" + world.create_run_id(), resilient(spec_version=8)),
        )

    asyncio.run(scenario())


def test_seed_attributes_are_validated_and_a_refusal_stores_nothing() -> None:
    """ATTR-004 on run_created: a $ key without allowReservedAttributes is an attribute error."""

    async def scenario() -> None:
        world = new_world()
        run_id = "wrun_" + world.create_run_id()
        await raises(
            errors.AttributeValidationError, world.events.create(run_id, run_created(attributes={"$x": "1"}))
        )
        await raises(errors.WorkflowRunNotFoundError, world.runs.get(run_id))
        assert (await world.events.list(run_id)).data == []

    asyncio.run(scenario())


def test_a_second_run_created_conflicts() -> None:
    async def scenario() -> None:
        world = new_world()
        run_id = await created_run(world)
        await raises(errors.EntityConflictError, world.events.create(run_id, run_created()))
        assert len((await world.events.list(run_id)).data) == 1

    asyncio.run(scenario())


# --- run_started and preloads -------------------------------------------------------------------


def test_run_started_starts_a_pending_run_and_preloads_the_log() -> None:
    """RUN-006, §5.2: pending -> running with startedAt; the event has no eventData; the complete
    preload equals events.list and its cursor continues it."""

    async def scenario() -> None:
        world = new_world()
        run_id = await created_run(world)
        result = await world.events.create(run_id, run_started())
        assert result.run.status == "running" and result.run.started_at is not MISSING
        assert result.event.event_data is MISSING and slots_of([result.event]) == [2]
        listed = await world.events.list(run_id)
        assert result.events == listed.data and result.has_more is False
        assert result.cursor is not None and result.max_events == 25_000
        await world.events.create(run_id, wait_created("wait_1"))
        after = await world.events.list(run_id, pagination=PaginationOptions(cursor=result.cursor))
        assert types_of(after.data) == ["wait_created"]

    asyncio.run(scenario())


def test_run_started_on_a_running_run_appends_nothing_and_returns_the_started_run() -> None:
    """RUN-104, RUN-007; skipPreload drops the preload, not the run or maxEvents."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        again = await world.events.create(run_id, run_started())
        assert again.event is MISSING and again.run.started_at is not MISSING and again.events
        skipped = await world.events.create(run_id, run_started(), CreateEventParams(skip_preload=True))
        assert skipped.events is MISSING and skipped.run.status == "running" and skipped.max_events == 25_000
        assert len((await world.events.list(run_id)).data) == 2

    asyncio.run(scenario())


def test_a_partial_preload_continues_like_events_list() -> None:
    """RS-104: a preload cut by preload_limit is an ascending prefix with hasMore and a cursor
    from which events.list continues without gap or repeat."""

    async def scenario() -> None:
        world = new_world(preload_limit=2)
        run_id = await created_run(world)
        for index in range(3):
            await world.events.create(run_id, wait_created(f"wait_{index}"))
        result = await world.events.create(run_id, run_started())
        assert slots_of(result.events) == [1, 2] and result.has_more is True
        rest = await world.events.list(run_id, pagination=PaginationOptions(cursor=result.cursor))
        assert slots_of(rest.data) == [3, 4, 5]

    asyncio.run(scenario())


def test_run_started_on_a_terminal_run_is_run_expired_with_the_run() -> None:
    """RUN-008; the 5.x RunExpiredError carries status 410, its code and the run (ERR-101)."""

    async def scenario() -> None:
        world = new_world()
        run_id = await ended_run(world)
        expired = await raises(errors.RunExpiredError, world.events.create(run_id, run_started()))
        assert isinstance(expired, line4_errors.RunExpiredError)
        assert expired.fields() == {
            "status": 410,
            "code": "run-expired",
            "runId": run_id,
            "runStatus": "completed",
        }

    asyncio.run(scenario())


# --- resilient start ------------------------------------------------------------------------------


@VERSIONS
def test_resilient_start_creates_the_run_at_slots_1_and_2(version: int) -> None:
    """RS-001, RS-002, RS-101, RS-102: run_created (the sent data, attributes and key) at slot 1,
    run_started without eventData at slot 2, at the event's version or D."""

    async def scenario() -> None:
        world = new_world(version)
        run_id = "wrun_" + world.create_run_id()
        result = await world.events.create(
            run_id, resilient(attributes={"a": "b"}, encryption_public_key="a2V5")
        )
        log = (await world.events.list(run_id)).data
        assert types_of(log) == ["run_created", "run_started"] and slots_of(log) == [1, 2]
        assert (
            log[0].event_data.attributes == {"a": "b"} and log[0].event_data.encryption_public_key == "a2V5"
        )
        assert log[1].event_data is MISSING and result.event == log[1]
        assert result.run.status == "running" and result.run.attributes == {"a": "b"}
        assert result.run.spec_version == version == log[0].spec_version
        stamped = await world.events.create("wrun_" + world.create_run_id(), resilient(spec_version=6))
        assert stamped.run.spec_version == 6

    asyncio.run(scenario())


def test_resilient_start_with_bad_attributes_stores_nothing() -> None:
    """RS-103."""

    async def scenario() -> None:
        world = new_world()
        run_id = "wrun_" + world.create_run_id()
        await raises(
            errors.AttributeValidationError, world.events.create(run_id, resilient(attributes={"": "v"}))
        )
        await raises(errors.WorkflowRunNotFoundError, world.runs.get(run_id))

    asyncio.run(scenario())


def test_run_started_without_creation_data_on_a_missing_run_is_not_found() -> None:
    async def scenario() -> None:
        world = new_world()
        await raises(
            errors.WorkflowRunNotFoundError,
            world.events.create("wrun_" + world.create_run_id(), run_started()),
        )

    asyncio.run(scenario())


def test_the_upstream_fixture_applies_as_written() -> None:
    """§5.3: resilient-run-start.json at spec 7, with a fresh runId: slots 1 and 2, preload [1, 2]."""
    fixture_path = next(REPO.glob("conformance/**/resilient-run-start.json"))
    fixture = json.loads(fixture_path.read_text(encoding="utf-8"))

    async def scenario() -> None:
        world = new_world()
        run_id = "wrun_" + world.create_run_id()
        request = parse_event_request(fixture["when"]["event"])
        assert isinstance(request, RunStartedRequest)
        result = await world.events.create(run_id, request)
        then = fixture["then"]
        assert slots_of([result.event]) == [then["result"]["event"]["slot"]]
        assert slots_of(result.events) == then["result"]["preloadedSlots"] and result.has_more is False
        log = (await world.events.list(run_id)).data
        assert [(slot, event.event_type) for slot, event in zip(slots_of(log), log, strict=True)] == [
            (expected["slot"], expected["eventType"]) for expected in then["events"]
        ]
        assert log[0].event_data.to_wire() == from_tagged(then["events"][0]["eventData"])
        assert (
            result.run.spec_version == then["run"]["specVersion"] and result.run.input == b"\x00\x01\x02\xff"
        )

    asyncio.run(scenario())


# --- terminal run events --------------------------------------------------------------------------


def test_run_failed_keeps_the_error_payload_verbatim_and_its_code() -> None:
    """RUN-102: no StructuredError: the error bytes, byte-exact, and errorCode."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        error = b"devl\x00\xff" + bytes(range(10))
        result = await world.events.create(run_id, run_failed(error, "USER_ERROR"))
        run = await world.runs.get(run_id)
        assert run == result.run and run.status == "failed" and run.completed_at is not MISSING
        assert run.error == error and run.error_code == "USER_ERROR"
        legacy_shaped = await running_run(world)
        await world.events.create(legacy_shaped, run_failed("boom"))
        assert (await world.runs.get(legacy_shaped)).error == "boom", "never turned into {message}"

    asyncio.run(scenario())


def test_run_cancelled_keeps_its_reason_on_the_event_only() -> None:
    """RUN-103: cancelReason survives resolveData 'none'; re-cancelling changes nothing."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        result = await world.events.create(run_id, run_cancelled("user asked"))
        assert "cancelReason" not in result.run.to_wire()
        stripped = await world.events.get(run_id, result.event.event_id, resolve_data="none")
        assert stripped.event_data.cancel_reason == "user asked"
        again = await world.events.create(run_id, run_cancelled())
        assert again.event is MISSING and again.run == result.run
        await raises(errors.EntityConflictError, world.events.create(run_id, run_completed()))

    asyncio.run(scenario())


def test_a_terminal_event_on_a_missing_run_is_not_found() -> None:
    async def scenario() -> None:
        world = new_world()
        for ending in (run_completed(), run_failed(), run_cancelled(), attr_set(("k", "v"))):
            await raises(
                errors.WorkflowRunNotFoundError, world.events.create("wrun_" + world.create_run_id(), ending)
            )

    asyncio.run(scenario())


def test_a_terminal_run_never_resumes_and_its_waits_and_hooks_go() -> None:
    """RUN-105, TERM-003, HOOK-101: nothing restarts it; its waits and unretained hooks are
    deleted with the transition and their tokens are free."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await world.events.create(run_id, wait_created("wait_1"))
        await world.events.create(run_id, hook_created("hook_1", "token_1"))
        await world.events.create(run_id, run_completed())
        assert (await world.hooks.list()).data == []
        other = await running_run(world)
        reused = await world.events.create(other, hook_created("hook_2", "token_1"))
        assert reused.event.event_type == "hook_created"
        await raises(errors.RunExpiredError, world.events.create(run_id, run_started()))
        assert (await world.runs.get(run_id)).status == "completed"

    asyncio.run(scenario())


# --- attributes -----------------------------------------------------------------------------------


def test_attr_set_merges_and_the_run_folds_its_log() -> None:
    """ATTR-002, ATTR-003: upsert, delete on null, unlisted keys kept; {event, run} returned;
    run.attributes is run_created's folded with every attr_set in slot order."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world, attributes={"a": "1", "b": "2"})
        first = await world.events.create(run_id, attr_set(("a", "3"), ("b", None), correlation_id="attr_1"))
        assert first.run.attributes == {"a": "3"} and first.event.event_type == "attr_set"
        await world.events.create(run_id, attr_set(("c", "4"), step=True))
        run = await world.runs.get(run_id)
        assert run.attributes == {"a": "3", "c": "4"}
        folded: dict[str, str] = {}
        for event in (await world.events.list(run_id)).data:
            if event.event_type == "run_created":
                folded = dict(event.event_data.attributes)
            if event.event_type == "attr_set":
                for change in event.event_data.changes:
                    if change.value is None:
                        folded.pop(change.key, None)
                    else:
                        folded[change.key] = change.value
        assert folded == run.attributes

    asyncio.run(scenario())


def test_a_workflow_attr_set_is_written_once_per_correlation_id() -> None:
    """ATTR-006, ATTR-007, ATTR-009: a repeated workflow correlationId conflicts and changes
    nothing (also concurrently); step writers are never deduplicated; a refused attr_set leaves
    its correlationId free."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world)
        await raises(
            errors.AttributeValidationError,
            world.events.create(run_id, attr_set(("$k", "v"), correlation_id="attr_1")),
        )
        await world.events.create(run_id, attr_set(("k", "v"), correlation_id="attr_1"))
        await raises(
            errors.EntityConflictError,
            world.events.create(run_id, attr_set(("k", "w"), correlation_id="attr_1")),
        )
        racing = await asyncio.gather(
            *(
                world.events.create(run_id, attr_set(("r", str(n)), correlation_id="attr_2"))
                for n in range(5)
            ),
            return_exceptions=True,
        )
        assert sum(not isinstance(outcome, BaseException) for outcome in racing) == 1
        for _ in range(2):
            await world.events.create(run_id, attr_set(("s", "1"), step=True))
        log = (await world.events.list(run_id)).data
        assert types_of(log).count("attr_set") == 4
        assert (await world.runs.get(run_id)).attributes["k"] == "v"

    asyncio.run(scenario())


def test_attribute_validation_against_the_run() -> None:
    """ATTR-004, ATTR-005: reserved keys, sizes, repeats and the 64-key limit after the merge."""

    async def scenario() -> None:
        world = new_world()
        run_id = await running_run(world, attributes={f"k{n}": "v" for n in range(63)})
        await world.events.create(run_id, attr_set(("$retention", "7"), reserved=True))
        await raises(
            errors.AttributeValidationError, world.events.create(run_id, attr_set(("one_more", "v")))
        )
        await raises(
            errors.AttributeValidationError, world.events.create(run_id, attr_set(("\U0001f600" * 129, "v")))
        )
        await world.events.create(run_id, attr_set(("k0", None), ("replacement", "v")))
        assert len((await world.runs.get(run_id)).attributes) == 64

    asyncio.run(scenario())


def test_attr_set_on_a_terminal_run_conflicts_and_oversized_data_is_refused() -> None:
    """ATTR-008; the 8192-byte World limit of §4.1 (a MAY this oracle takes)."""

    async def scenario() -> None:
        world = new_world()
        running = await running_run(world)
        big = tuple((f"key{n}", "v" * 200) for n in range(40))
        await raises(errors.WorkflowWorldError, world.events.create(running, attr_set(*big)))
        ended = await ended_run(world)
        await raises(errors.EntityConflictError, world.events.create(ended, attr_set(("k", "v"))))
        assert types_of((await world.events.list(ended)).data)[-1] == "run_completed"

    asyncio.run(scenario())


# --- retention ------------------------------------------------------------------------------------


def test_zero_retention_purges_the_runs_data_at_its_end() -> None:
    """RET-001..RET-004: $retention '0': the run loses input, output and error and gets expiredAt;
    steps, events and retained hooks lose payloads; streams read empty and closed; everything
    stays listable. Another value keeps the data."""

    async def scenario() -> None:
        clock = Clock()
        world = new_world(clock=clock)
        run_id = await running_run(world, attributes={"$retention": "0"}, allow_reserved_attributes=True)
        await world.events.create(run_id, step_created("step_1"))
        await world.events.create(run_id, step_started("step_1"))
        await world.events.create(run_id, step_completed("step_1"))
        await world.events.create(
            run_id,
            hook_created(
                "hook_1", "tok", metadata=b"meta", token_retention_until=clock.now + timedelta(days=1)
            ),
        )
        await world.streams.write(run_id, "out", b"chunk")
        ended = await world.events.create(run_id, run_completed(b"secret"))
        run = await world.runs.get(run_id)
        assert run.status == "completed" and run.output is MISSING and run.input is MISSING
        assert run.expired_at == clock.now and ended.run == run
        assert (await world.steps.get(run_id, "step_1")).output is MISSING
        log = (await world.events.list(run_id)).data
        assert all("input" not in (e.to_wire().get("eventData") or {}) for e in log)
        assert log[-1].event_type == "run_completed" and ended.event.event_data is MISSING
        assert (await world.hooks.get("hook_1")).metadata is MISSING
        assert [chunk async for chunk in world.streams.get(run_id, "out")] == []
        assert (await world.streams.get_info(run_id, "out")).done is True
        kept = await running_run(world, attributes={"$retention": "7"}, allow_reserved_attributes=True)
        await world.events.create(kept, run_completed(b"kept"))
        assert (await world.runs.get(kept)).output == b"kept"

    asyncio.run(scenario())
