"""The queue on the 5.x line (world-contract-v7.md §11): one messageId for every delivery of a
message, and the line's workflow payloads and health checks delivered deep-equal."""

from __future__ import annotations

from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make, values
from conformance.checks.expect import fail, returns
from conformance.checks.inbox import REDELIVERY_TIMEOUT, Delivery, Inbox
from worldspec.capabilities import Capability
from worldspec.line5 import queue as line5_queue
from worldspec.protocol import World

REQUESTED_AT_MS = 1_767_225_600_000


def _workflow_queue() -> str:
    """A fresh workflow queue name of ASCII letters and digits: these tests judge payloads, and
    Q-002 judges names of every shape."""
    return f"__wkf_workflow_{make.new_id('wf')}"


def _step_execution(run_id: str) -> line5_queue.WorkflowInvokePayload:
    """A step execution message with every member the line gives it."""
    return line5_queue.WorkflowInvokePayload(
        run_id=run_id,
        step_id=make.new_id("step"),
        step_name="step//./worldspec//add",
        step_input=line5_queue.StepDispatchInput(input=b"devl\x00" + bytes(range(256))),
        run_context=line5_queue.RunDispatchContext(
            deployment_id=make.DEPLOYMENT_ID,
            spec_version=7,
            started_at=REQUESTED_AT_MS,
            root_run_id=make.new_id("wrun"),
        ),
        trace_carrier={"traceparent": "00-abc-def-01"},
        replay_divergence=line5_queue.ReplayDivergence(
            event_id="evnt_00000000000000000000000003", count=2, event_ids=["evnt_00000000000000000000000002"]
        ),
        precondition_reinvocations=1,
        deployment_mismatch_retry_count=0,
        server_error_retry_count=2,
    )


def _hook_resume(run_id: str) -> line5_queue.WorkflowInvokePayload:
    """A hook resume message, with its resume timing."""
    return line5_queue.WorkflowInvokePayload(
        run_id=run_id,
        hook_input=line5_queue.HookResumeInput(
            resume_id=make.new_id("resume"),
            hook_id=make.new_id("hook"),
            token=values.nasty_token(),
            payload={"nested": values.nested_payload()},
            payload_digest="sha256-worldspec",
            deployment_id=make.DEPLOYMENT_ID,
        ),
        hook_resume_timing=line5_queue.HookResumeTiming(
            resume_requested_at_ms=REQUESTED_AT_MS,
            queue_publish_requested_at_ms=REQUESTED_AT_MS + 1,
            strategy="queue",
        ),
    )


def _invocation(run_id: str) -> line5_queue.WorkflowInvokePayload:
    """An invoke-shaped message (``invoke: true``, a requestId, an input), queued as any other."""
    return line5_queue.WorkflowInvokePayload(
        run_id=run_id,
        invoke=True,
        request_id=make.new_id("req"),
        input={"a": [1, "two", None], "b": b"\x00\xff"},
    )


def _continuation(run_id: str) -> line5_queue.WorkflowInvokePayload:
    """A wait continuation, with a key no schema of the line names (kept as sent)."""
    return line5_queue.WorkflowInvokePayload.model_validate(
        {
            "runId": run_id,
            "waitContinuation": {"correlationId": make.new_id("wait"), "attempt": 0},
            "requestedAt": "2030-01-02T03:04:05.678Z",
            "futureMember": {"kept": True},
        }
    )


@invariant("Q-103", requires=Capability.QUEUE_DELIVERY)
async def test_5x_payloads_arrive_deep_equal(world: World) -> None:
    """Workflow messages carrying the 5.x members (a step execution with ``stepId``,
    ``stepName``, ``stepInput`` and ``runContext``; a hook resume with ``hookInput``; an
    ``invoke: true`` message with ``requestId`` and ``input``; a ``waitContinuation`` with a
    member no schema names) and a health check with ``runId`` reach the handler deep-equal."""
    inbox = Inbox()
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    run_id = make.new_id("wrun")
    sent: list[tuple[str, str, Any]] = [
        ("a step execution", _workflow_queue(), _step_execution(run_id)),
        ("a hook resume", _workflow_queue(), _hook_resume(run_id)),
        ("an invoke-shaped message", _workflow_queue(), _invocation(run_id)),
        ("a wait continuation", _workflow_queue(), _continuation(run_id)),
        (
            "a health check with runId",
            "__wkf_workflow_health_check",
            line5_queue.HealthCheckPayload(correlation_id=make.new_id("hc"), run_id=run_id),
        ),
    ]
    for what, name, message in sent:
        await returns(world.queue(name, message), f"queue({name!r}) of {what}")
        got = await inbox.next(f"{what} is delivered")
        if difference := values.first_difference(got.message.to_wire(), message.to_wire()):
            fail(
                f"{what} reaches the handler deep-equal",
                f"delivered another payload: {difference}",
                ("sent", message),
                ("delivered", got.message),
            )


@invariant("Q-102", requires=Capability.QUEUE_DELIVERY, lengthy=True)
async def test_every_delivery_has_one_message_id(world: World) -> None:
    """A message whose handler throws twice, then succeeds, is delivered three times, each with
    the messageId ``queue()`` returned (or, when it returned none, one id for all three)."""

    async def throw_twice(delivery: Delivery) -> None:
        if delivery.meta.attempt <= 2:
            raise RuntimeError("the handler failed (deliberately, by worldspec)")

    inbox = Inbox(throw_twice)
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    queued = await returns(world.queue(_workflow_queue(), _invocation(make.new_id("wrun"))), "queue()")  # type: ignore[arg-type]
    deliveries = [await inbox.next("the message is delivered")]
    for _ in range(2):
        deliveries.append(
            await inbox.next("after the handler threw, the message is delivered again", REDELIVERY_TIMEOUT)
        )
    ids = [delivery.meta.message_id for delivery in deliveries]
    expected = queued.message_id if queued.message_id is not None else ids[0]
    if any(message_id != expected for message_id in ids):
        fail(
            "every delivery of one message, redeliveries included, has the messageId queue() returned",
            f"gave the messageIds {ids}",
            ("queue() returned", queued),
        )
