"""Binary fidelity (§7): bytes in, the same bytes out, on every read path; strings stay strings."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5, values
from conformance.checks.expect import deviate, fail, returns
from conformance.checks.reads import WHOLE_PAGE, all_events
from conformance.checks.scenarios import create, pending_run, run_in
from worldspec.capabilities import Capability
from worldspec.events import EventRequest, WaitCompletedData, WaitCompletedRequest, event_data_of
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.queue import MessageMeta, QueuePayload, RunInput, WorkflowInvokePayload
from worldspec.wire_types import MISSING

EDGE_BYTES = {
    "empty": b"",
    "NUL-filled": b"\x00" * 64,
    "not UTF-8": b"\xc3\x28\xa0\xa1\xff\xfe",
    "all 256 values": bytes(range(256)),
    "1 MiB": bytes(range(256)) * 4096,
}
DELIVERY_TIMEOUT = 10.0
_SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
"""Examples come from the profile (``--world-profile``); these tests do their own timing."""


def _check(path: str, got: Any, sent: Any) -> None:
    if isinstance(sent, bytes):
        if not isinstance(got, bytes) or got != sent:
            kind = type(got).__name__
            fail(
                f"{path} returns the {len(sent)} bytes sent, as bytes",
                f"returned a {kind}",
                ("sent", sent),
                ("returned", got),
            )
    elif (difference := values.first_difference(got, sent)) is not None:
        fail(
            f"{path} returns the value sent: bytes as bytes, strings whole and unchanged, numbers "
            "equal, at every depth",
            f"returned another: {difference}",
            ("sent", sent),
            ("returned", got),
        )


def _failed_with(line: SpecLine, step_id: str, data: Any) -> EventRequest:
    """``step_failed`` whose ``error`` holds ``data`` (in an object with a message, as the runtime
    sends errors; eventData keeps it as sent on both lines)."""
    error = {"message": "failed with a payload", "detail": data}
    if line is SpecLine.LINE_5:
        return make_line5.step_failed(step_id, error)
    return make.step_failed(step_id, error)


async def _round_trip_everywhere(world: World, line: SpecLine, data: Any) -> None:
    context = {"sent": data}
    created = await returns(
        world.events.create(None, make.run_created(input=data, execution_context=context)), "run_created"
    )
    new_run = run_in(created, "run_created", "RUN-001")
    run_id = new_run.run_id
    _check("run_created result run.input", new_run.input, data)
    _check("run_created result run.executionContext", new_run.execution_context, context)
    started = await returns(world.events.create(run_id, make.run_started()), "run_started")
    preload = [] if started.events is MISSING else started.events
    preloaded = [first for first in preload if first.event_type == "run_created"]
    if started.events is not MISSING and not preloaded:
        deviate("run_started's preload", "holds no run_created", "RS-006", ("preload", started.events))
    for first in preloaded:
        _check(
            "the run_started preload's run_created.eventData.input",
            (event_data_of(first) or {}).get("input"),
            data,
        )
    step_id, hook_id = make.new_id("step"), make.new_id("hook")
    await returns(world.events.create(run_id, make.step_created(step_id, input=data)), "step_created")
    await returns(world.events.create(run_id, make.step_started(step_id)), "step_started")
    await returns(world.events.create(run_id, make.step_completed(step_id, result=data)), "step_completed")
    failing = make.new_id("step")
    await create(world, run_id, make.step_created(failing, input=data))
    await create(world, run_id, make.step_started(failing))
    failed = await create(world, run_id, _failed_with(line, failing, data))
    error_sent = (event_data_of(_failed_with(line, failing, data)) or {}).get("error")
    if failed.event is not MISSING:
        shown_error = (event_data_of(failed.event) or {}).get("error")
        _check("the step_failed result's event.eventData.error", shown_error, error_sent)
    token = make.token()
    await returns(
        world.events.create(run_id, make.hook_created(hook_id, token, metadata=data)), "hook_created"
    )
    received = await returns(
        world.events.create(run_id, make.hook_received(hook_id, payload=data)), "hook_received"
    )
    hook = await returns(world.hooks.get(hook_id), "hooks.get")
    _check("hooks.get metadata", hook.metadata, data)
    _check(
        "hooks.get_by_token metadata",
        (await returns(world.hooks.get_by_token(token), "hooks.get_by_token")).metadata,
        data,
    )
    step = await returns(world.steps.get(run_id, step_id), "steps.get")
    _check("steps.get input", step.input, data)
    _check("steps.get output", step.output, data)
    await returns(world.events.create(run_id, make.run_completed(output=data)), "run_completed")
    run = await returns(world.runs.get(run_id), "runs.get")
    _check("runs.get input", run.input, data)
    _check("runs.get executionContext", run.execution_context, context)
    _check("runs.get output", run.output, data)
    payload_fields = {"input", "result", "metadata", "payload", "output", "error"}
    for event in await all_events(world, run_id):
        fields = event_data_of(event) or {}
        for name in payload_fields & set(fields):
            sent = error_sent if name == "error" else data
            _check(f"events.list {event.event_type}.eventData.{name}", fields[name], sent)
        single = await returns(world.events.get(run_id, event.event_id), "events.get")
        for name in payload_fields & set(fields):
            _check(
                f"events.get {event.event_type}.eventData.{name}",
                (event_data_of(single) or {}).get(name),
                error_sent if name == "error" else data,
            )
    by_step = await returns(
        world.events.list_by_correlation_id(failing, run_id=run_id), "list_by_correlation_id"
    )
    for event in by_step.data:
        if event.event_type == "step_failed":
            _check(
                "list_by_correlation_id step_failed.eventData.error",
                (event_data_of(event) or {}).get("error"),
                error_sent,
            )
    by_hook = await returns(
        world.events.list_by_correlation_id(hook_id, run_id=run_id, pagination=WHOLE_PAGE),
        "list_by_correlation_id",
    )
    for event in by_hook.data:
        if event.event_type == "hook_received":
            _check(
                "list_by_correlation_id hook_received.eventData.payload",
                (event_data_of(event) or {}).get("payload"),
                data,
            )
    if received.event is not MISSING:
        _check(
            "hook_received result event.eventData.payload",
            (event_data_of(received.event) or {}).get("payload"),
            data,
        )


@invariant("BIN-001", lengthy=True)
@_SETTINGS
@given(data=st.binary(max_size=2048) | values.payloads())
@example(data=values.nested_payload())
@example(data=EDGE_BYTES["empty"])
@example(data=EDGE_BYTES["NUL-filled"])
@example(data=EDGE_BYTES["not UTF-8"])
@example(data=EDGE_BYTES["all 256 values"])
@example(data=EDGE_BYTES["1 MiB"])
async def test_bytes_round_trip_on_every_path(world: World, world_line: SpecLine, data: Any) -> None:
    """Bytes in run input and output, executionContext, step input and result, a step_failed
    error, hook metadata and payload come back identical, as bytes, through events.get,
    events.list, list_by_correlation_id, runs.get, steps.get, hooks.get, get_by_token, the
    create results and the run_started preload; so do JSON values holding bytes of every shape
    at any depth (lists, nested objects 24 levels deep, beside empty containers and falsy
    scalars), strings with NULs and past 255 characters and 64 KiB, and numbers a float32, a
    decimal or a 32-bit integer would change. Numbers compare as JavaScript's (``2`` is
    ``2.0``); object keys in any order."""
    await _round_trip_everywhere(world, world_line, data)


@invariant("BIN-003", requires=Capability.QUEUE_DELIVERY)
async def test_queue_delivers_nested_bytes(world: World) -> None:
    """A queued workflow message arrives deep-equal: ``runInput.input`` and
    ``runInput.executionContext`` hold bytes of every shape, nested, and arrive intact; so does
    a message whose ``runInput.input`` is just over 1 MiB of bytes (whole, not cut short)."""
    arrived: asyncio.Queue[QueuePayload] = asyncio.Queue()

    async def handler(message: QueuePayload, meta: MessageMeta) -> None:
        await arrived.put(message)

    name = make.workflow_name()
    await world.create_queue_handler("__wkf_workflow_", handler)
    for label, data, context in (
        ("bytes of every shape, nested", values.nested_payload(), {"nested": values.nested_payload()}),
        (f"{len(values.LARGE_BYTES)} bytes", values.LARGE_BYTES, {}),
    ):
        sent = WorkflowInvokePayload(
            run_id=make.new_id("wrun"),
            run_input=RunInput(
                input=data,
                deployment_id=make.DEPLOYMENT_ID,
                workflow_name=name,
                spec_version=3,
                execution_context=context,
            ),
        )
        await returns(world.queue(f"__wkf_workflow_{name.rsplit('//', 1)[-1]}", sent), f"queue() ({label})")
        try:
            got = await asyncio.wait_for(arrived.get(), DELIVERY_TIMEOUT)
        except TimeoutError:
            fail(f"the message ({label}) is delivered within {DELIVERY_TIMEOUT:.0f} s", "delivered nothing")
        if difference := values.first_difference(got.to_wire(), sent.to_wire()):
            fail(
                f"the handler receives the payload ({label}) deep-equal, bytes intact",
                f"delivered another payload: {difference}",
                ("sent", sent),
                ("delivered", got),
            )


@invariant("BIN-004")
async def test_strings_are_never_decoded_as_bytes(world: World) -> None:
    """A string (even valid base64) and a number array come back as a string and an array,
    and bytes never come back as a string or an array: in a legacy (spec 1) run's JSON input
    and in executionContext values."""
    legacy_input = {"b64": "AAEC/w==", "text": "aGVsbG8=", "numbers": [72, 105]}
    legacy = await pending_run(world, make.run_created(input=legacy_input, spec_version=1))
    context = {"b64": "AAEC/w==", "numbers": [0, 1, 255], "raw": b"\x00\xff", "nested": {"raw": b"\x01"}}
    current = await pending_run(world, make.run_created(execution_context=context))
    for run_id, field, sent in (
        (legacy, "input", legacy_input),
        (current, "execution_context", context),
    ):
        run = await returns(world.runs.get(run_id), "runs.get")
        got = getattr(run, field)
        if not values.same_value(got, sent):
            fail(
                f"runs.get {field} keeps strings, arrays and bytes as sent",
                "changed their types",
                ("sent", sent),
                ("returned", got),
            )
        created = event_data_of((await all_events(world, run_id))[0]) or {}
        wire_name = "input" if field == "input" else "executionContext"
        if not values.same_value(created.get(wire_name), sent):
            fail(
                f"run_created.eventData.{wire_name} keeps types as sent",
                "changed them",
                ("sent", sent),
                ("returned", created.get(wire_name)),
            )


BEYOND_2038 = datetime(2100, 1, 1, 0, 0, 0, 1_000, tzinfo=UTC)
BEFORE_1970 = datetime(1969, 12, 31, 23, 59, 59, 999_000, tzinfo=UTC)
PAST_RETRY = datetime(2021, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
"""Dates with milliseconds, on both sides of the 32-bit epoch range (a past retryAfter lets
the step start again at once)."""


async def _dated_events(world: World) -> tuple[str, dict[str, tuple[str, datetime]]]:
    """A run whose eventData holds those dates: eventId → (field, date sent)."""
    run_id = await pending_run(world)
    step_id, late, early = make.new_id("step"), make.new_id("wait"), make.new_id("wait")
    for scene in (make.run_started(), make.step_created(step_id), make.step_started(step_id)):
        await create(world, run_id, scene)
    completed_late = WaitCompletedRequest(
        correlation_id=late, event_data=WaitCompletedData(resume_at=BEYOND_2038)
    )
    dated: list[tuple[str, datetime, EventRequest]] = [
        ("resumeAt", BEYOND_2038, make.wait_created(late, BEYOND_2038)),
        ("resumeAt", BEYOND_2038, completed_late),
        ("resumeAt", BEFORE_1970, make.wait_created(early, BEFORE_1970)),
        ("retryAfter", PAST_RETRY, make.step_retrying(step_id, retry_after=PAST_RETRY)),
    ]
    stored: dict[str, tuple[str, datetime]] = {}
    for field, date, request in dated:
        result = await returns(world.events.create(run_id, request), request.event_type)
        if result.event is MISSING:
            fail(f"{request.event_type} returns the stored event", "returned none", ("result", result))
        _check_date(f"the {request.event_type} result's eventData.{field}", result.event, field, date)
        if (
            request.event_type in ("wait_created", "wait_completed")
            and result.wait is not MISSING
            and result.wait.resume_at != date
        ):
            when = date.isoformat(timespec="milliseconds")
            fail(
                f"the {request.event_type} result's wait.resumeAt is {when}",
                f"returned {result.wait.resume_at!r}",
                ("wait", result.wait),
            )
        stored[result.event.event_id] = (field, date)
    return run_id, stored


def _check_date(path: str, event: Any, field: str, sent: datetime) -> None:
    got = (event_data_of(event) or {}).get(field)
    if got != sent:
        fail(
            f"{path} reads back {sent.isoformat(timespec='milliseconds')}",
            f"returned {got!r}",
            ("event", event),
        )


@invariant("BIN-002")
async def test_event_data_dates_read_back_equal(world: World) -> None:
    """Dates in eventData (``resumeAt`` of wait_created and wait_completed, ``retryAfter`` of
    step_retrying), with milliseconds, beyond 2038 and before 1970, read back equal to the
    millisecond from the create result, events.get, events.list and listByCorrelationId; so
    does the ``resumeAt`` of the wait a wait_created or wait_completed result shows."""
    run_id, stored = await _dated_events(world)
    for event in await all_events(world, run_id):
        if event.event_id not in stored:
            continue
        field, sent = stored[event.event_id]
        _check_date(f"events.list {event.event_type}.eventData.{field}", event, field, sent)
        single = await returns(world.events.get(run_id, event.event_id), "events.get")
        _check_date(f"events.get {event.event_type}.eventData.{field}", single, field, sent)
        by_id = await returns(
            world.events.list_by_correlation_id(
                str(event.correlation_id), run_id=run_id, pagination=WHOLE_PAGE
            ),
            "listByCorrelationId",
        )
        for listed in by_id.data:
            if listed.event_id == event.event_id:
                _check_date(f"listByCorrelationId {event.event_type}.eventData.{field}", listed, field, sent)
