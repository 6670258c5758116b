"""Binary fidelity on the 5.x line (world-contract-v7.md §7): payloads in the runtime's format
envelopes (``devl``, ``encr``, ``encp``, ``gzip``, ``zstd``) come back byte for byte in every
payload field, errors included, and the bytes a queue message carries reach the handler as bytes."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, make_line5
from conformance.checks.expect import fail, returns
from conformance.checks.inbox import Inbox
from conformance.checks.reads import all_events, run_of
from conformance.checks.scenarios import create, pending_run
from worldspec.capabilities import Capability
from worldspec.events import EventRequest, EventResult, event_data_of
from worldspec.line5 import queue as line5_queue
from worldspec.protocol import World
from worldspec.wire_types import MISSING

FORMAT_PREFIXES = (b"devl", b"encr", b"encp", b"gzip", b"zstd")
"""The 4-byte format prefixes the 5.x runtime puts before a serialized payload."""
BODIES: dict[str, bytes] = {
    "nothing after the prefix": b"",
    "NUL bytes": b"\x00" * 16,
    "all 256 byte values": bytes(range(256)),
    "bytes that are not UTF-8": b"\xc3\x28\xa0\xa1\xff\xfe",
}
EDGE_BYTES: dict[str, bytes] = {
    "empty": b"",
    "NUL-filled": b"\x00" * 64,
    "not UTF-8": b"\xc3\x28\xa0\xa1\xff\xfe",
    **{f"{prefix.decode()} + all 256 values": prefix + bytes(range(256)) for prefix in FORMAT_PREFIXES},
    "1 MiB": bytes(range(256)) * 4096,
}
"""Shapes of the bytes a queue message carries."""
BYTES_DELIVERY_TIMEOUT = 10.0
"""Seconds a World may take to deliver a message of up to 1 MiB."""


def _check(where: str, got: Any, sent: bytes) -> None:
    if type(got) is not bytes or got != sent:
        fail(
            f"{where} is the {len(sent)} bytes sent, byte for byte, as bytes",
            f"is a {type(got).__name__} that differs",
            ("sent", sent),
            ("returned", got),
        )


def _event_field(result: EventResult, name: str) -> Any:
    return (event_data_of(result.event) or {}).get(name) if result.event is not MISSING else MISSING


async def _check_every_payload_field(world: World, data: bytes) -> None:
    """Send ``data`` in each payload field of a run, a step, a hook and a failed run and step,
    then read each back through every path: the create's result, the entity getters and the
    event reads."""
    run_id = await pending_run(world, make.run_created(input=data))
    await create(world, run_id, make.run_started())
    step_id, failed_step, hook_id = make.new_id("step"), make.new_id("step"), make.new_id("hook")
    sent_events: list[EventRequest] = [
        make.step_created(step_id, input=data),
        make.step_started(step_id),
        make.step_completed(step_id, result=data),
        make.step_created(failed_step, input=data),
        make.step_started(failed_step),
        make_line5.step_failed(failed_step, data),
        make.hook_created(hook_id, make.token(), metadata=data),
        make.hook_received(hook_id, payload=data),
    ]
    for request in sent_events:
        result = await returns(world.events.create(run_id, request), request.event_type)
        for name in ("input", "result", "error", "metadata", "payload", "output"):
            if name in (event_data_of(request) or {}):
                _check(
                    f"the {request.event_type} result's event.eventData.{name}",
                    _event_field(result, name),
                    data,
                )
    hook = await returns(world.hooks.get(hook_id), "hooks.get")
    completed = await returns(world.events.create(run_id, make.run_completed(output=data)), "run_completed")
    _check("the run_completed result's event.eventData.output", _event_field(completed, "output"), data)
    failed_run = await pending_run(world, make.run_created(input=data))
    await create(world, failed_run, make.run_started())
    failed = await returns(
        world.events.create(failed_run, make_line5.run_failed(data, "E_BYTES")), "run_failed"
    )
    _check(
        "the run_failed result's run.error", failed.run.error if failed.run is not MISSING else MISSING, data
    )
    run, ended = await run_of(world, run_id), await run_of(world, failed_run)
    step = await returns(world.steps.get(run_id, step_id), "steps.get")
    broken = await returns(world.steps.get(run_id, failed_step), "steps.get")
    for where, got in (
        ("runs.get input", run.input),
        ("runs.get output", run.output),
        ("runs.get error (a failed run)", ended.error),
        ("steps.get input", step.input),
        ("steps.get output", step.output),
        ("steps.get error (a failed step)", broken.error),
        ("hooks.get metadata", hook.metadata),
    ):
        _check(where, got, data)
    for log_of in (run_id, failed_run):
        for event in await all_events(world, log_of):
            single = await returns(world.events.get(log_of, event.event_id), "events.get")
            for name, value in (event_data_of(event) or {}).items():
                if name in ("input", "result", "error", "metadata", "payload", "output"):
                    _check(f"events.list {event.event_type}.eventData.{name}", value, data)
                    _check(
                        f"events.get {event.event_type}.eventData.{name}",
                        (event_data_of(single) or {}).get(name),
                        data,
                    )


@invariant("BIN-101")
async def test_format_prefixed_payloads_round_trip(world: World) -> None:
    """Bytes starting with each format prefix (``devl``, ``encr``, ``encp``, ``gzip``,
    ``zstd``), followed by nothing, NULs, all 256 values or bytes that are not UTF-8, come back
    byte-identical, as bytes, in run input, output and error, step input, output and error,
    hook metadata and hook payload: from the create results, ``runs.get``, ``steps.get``,
    ``hooks.get``, ``events.list`` and ``events.get``. A World never reads its own meaning
    into the prefix (decompressing, decrypting, decoding)."""
    for prefix in FORMAT_PREFIXES:
        for body in BODIES.values():
            await _check_every_payload_field(world, prefix + body)


@invariant("BIN-102", requires=Capability.QUEUE_DELIVERY)
async def test_queue_payload_bytes_reach_the_handler(world: World) -> None:
    """A step execution message's ``stepInput.input`` and a hook resume message's
    ``hookInput.payload`` reach the handler byte-identical and as bytes, for empty, NUL-filled,
    non-UTF-8, format-prefixed and 1 MiB payloads."""
    inbox = Inbox()
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    for label, data in EDGE_BYTES.items():
        run_id = make.new_id("wrun")
        step_message = line5_queue.WorkflowInvokePayload(
            run_id=run_id,
            step_id=make.new_id("step"),
            step_name="step//./worldspec//bytes",
            step_input=line5_queue.StepDispatchInput(input=data),
        )
        hook_message = line5_queue.WorkflowInvokePayload(
            run_id=run_id,
            hook_input=line5_queue.HookResumeInput(
                resume_id=make.new_id("resume"),
                hook_id=make.new_id("hook"),
                token=make.token(),
                payload=data,
                payload_digest="sha256-worldspec",
            ),
        )
        for field, message in (("stepInput.input", step_message), ("hookInput.payload", hook_message)):
            await returns(world.queue(f"__wkf_workflow_{make.new_id('wf')}", message), "queue()")  # type: ignore[arg-type]
            got: Any = (await inbox.next("the message is delivered", BYTES_DELIVERY_TIMEOUT)).message
            wire = got.to_wire() if hasattr(got, "to_wire") else got
            outer, inner = field.split(".")
            _check(f"the delivered {field} ({label})", (wire.get(outer) or {}).get(inner, MISSING), data)
