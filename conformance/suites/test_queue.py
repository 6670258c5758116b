"""The queue (§11): names, at-least-once delivery, redelivery, idempotency, delay, health checks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from conformance.catalogue.marker import invariant
from conformance.checks import make
from conformance.checks.expect import fail, rejects, returns
from conformance.checks.inbox import DELIVERY_TIMEOUT, REDELIVERY_TIMEOUT, Delivery, Inbox
from worldspec import errors
from worldspec.capabilities import Capability
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.queue import (
    HandlerTimeout,
    HealthCheckPayload,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    ReplayDivergence,
    StepInvokePayload,
    WorkflowInvokePayload,
)

HOLD_SECONDS = 0.5
"""The ``timeoutSeconds`` a handler returns and the ``delaySeconds`` a message is queued with."""
CLOCK_SLACK = 0.01
"""Timer granularity allowed when judging "not before n s"."""
SETTLE_SECONDS = 0.3
"""How long the kit watches for a delivery that must not happen."""
SHORT_TIMEOUT_SECONDS = 0.05
"""The ``timeoutSeconds`` a handler returns where the kit judges what comes back, not when."""
RETRY_TIMEOUT_SECONDS = 0.2
"""The ``timeoutSeconds`` of Q-005's message that asks to come again: long enough for the kit to
queue another message with its key before it does (if it comes sooner, it is held by its
handler, still unhandled, and the rule is the same)."""

BAD_QUEUE_NAMES = (
    "",
    "wkf_workflow_x",
    "_wkf_workflow_x",
    "__wkf_workflow_",
    "__wkf_step_",
    "__wkf_workflowx",
    "__wkf_hook_x",
    "__WKF_workflow_x",
    "__1ns_wkf_step_x",
    "__Acme_wkf_step_x",
    "__acme-co_wkf_step_x",
)
"""Names outside ``^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$``."""


def _workflow_queue() -> str:
    return f"__wkf_workflow_{make.workflow_name()}"


def _ascii_workflow_queue() -> str:
    """A fresh workflow queue name of ASCII letters and digits, for tests that judge what
    happens to a message, not its name (Q-002 judges names of every shape)."""
    return f"__wkf_workflow_{make.new_id('wf')}"


def _message() -> WorkflowInvokePayload:
    return WorkflowInvokePayload(run_id=make.new_id("wrun"), trace_carrier={"traceparent": "00-abc-def-01"})


def _check_same_message(first: Delivery, again: Delivery, why: str) -> None:
    if again.meta.message_id != first.meta.message_id or again.message.to_wire() != first.message.to_wire():
        fail(
            f"{why}, the same message comes again, with the same messageId",
            "delivered another",
            ("first", first),
            ("again", again),
        )
    if again.meta.queue_name != first.meta.queue_name:
        fail(
            f"{why}, the redelivery's meta names the queue the message was queued to",
            f"named {again.meta.queue_name!r}",
            ("first delivery", first.meta.queue_name),
        )
    if again.meta.attempt != first.meta.attempt + 1:
        fail(
            f"{why}, the redelivery has attempt {first.meta.attempt + 1}",
            f"gave attempt {again.meta.attempt}",
        )


@invariant("Q-001", requires=Capability.QUEUE_DELIVERY)
async def test_bad_queue_names_are_refused(world: World) -> None:
    """``queue()`` refuses every name outside ``^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$``
    (with ``WorkflowWorldError`` or ``ValueError``): empty, unprefixed, prefix only, other kinds,
    capitals, bad namespaces; it accepts a namespaced name."""
    for name in BAD_QUEUE_NAMES:
        await rejects(
            world.queue(name, _message()), f"queue({name!r})", (errors.WorkflowWorldError, ValueError)
        )
    await returns(world.queue("__acme2_wkf_step_x", _message()), "queue('__acme2_wkf_step_x')")


@invariant("Q-002", requires=Capability.QUEUE_DELIVERY)
async def test_handler_gets_payload_and_meta(world: World, world_line: SpecLine) -> None:
    """A workflow message and a step message, queued under plain and namespaced prefixes, each
    reach only their prefix's handler, deep-equal, with ``meta`` = attempt 1, the full queue
    name and the messageId ``queue()`` returned. The 5.x line has no step queue (Q-101): there
    a workflow message goes to a plain and to a namespaced workflow prefix."""
    requested_at = datetime(2030, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    workflow = WorkflowInvokePayload(
        run_id=make.new_id("wrun"),
        trace_carrier={"traceparent": "00-abc-def-01"},
        requested_at=requested_at,
        replay_divergence=ReplayDivergence(event_id=make.new_id("evnt"), count=2),
        server_error_retry_count=1,
    )
    step = StepInvokePayload(
        workflow_name=make.workflow_name(),
        workflow_run_id=make.new_id("wrun"),
        workflow_started_at=1_767_225_600_000,
        step_id=make.new_id("step"),
        requested_at=requested_at,
    )
    cases: list[tuple[str, str, QueuePayload]] = [("__wkf_workflow_", _workflow_queue(), workflow)]
    if world_line is SpecLine.LINE_4:
        cases += [
            ("__wkf_step_", f"__wkf_step_{step.workflow_name}", step),
            ("__acme_wkf_step_", "__acme_wkf_step_step//./worldspec//s", step),
        ]
    else:
        cases.append(("__acme_wkf_workflow_", "__acme_wkf_workflow_flow//./worldspec//w", workflow))
    inboxes = {prefix: Inbox() for prefix, _, _ in cases}
    for prefix, inbox in inboxes.items():
        await world.create_queue_handler(prefix, inbox.handler)
    for prefix, name, payload in cases:
        sent: QueueResult = await returns(world.queue(name, payload), f"queue({name!r})")
        got = await inboxes[prefix].next(f"the handler of {prefix!r} receives the message queued to {name!r}")
        if got.message.to_wire() != payload.to_wire():
            fail(
                "the handler receives the payload deep-equal",
                "received another",
                ("sent", payload),
                ("received", got.message),
            )
        expected: dict[str, Any] = {"attempt": 1, "queueName": name}
        if sent.message_id is not None:
            expected["messageId"] = sent.message_id
        shown = {key: got.meta.to_wire()[key] for key in expected}
        if shown != expected:
            fail(
                "the first delivery's meta is {attempt: 1, queueName, messageId from queue()}",
                f"gave {shown}",
                ("expected", expected),
            )
    for prefix, name, _ in cases:
        strays = [d.meta.queue_name for d in inboxes[prefix].all if d.meta.queue_name != name]
        if strays:
            fail(f"the handler of {prefix!r} receives only messages queued to {name!r}", f"gave it {strays}")


@invariant("Q-003", requires=Capability.QUEUE_DELIVERY)
async def test_handler_timeout_redelivers_later(world: World) -> None:
    """A handler returning ``{timeoutSeconds: 0.5}`` sees the same message, with the same
    messageId and queueName and ``attempt + 1``, again, and not before 0.5 s. So does one
    returning ``{timeoutSeconds: 0}`` (again at once, not taken for done), and one returning
    ``{timeoutSeconds}`` after it raised once: that third delivery has attempt 3, the
    redeliveries after a throw counted too."""
    held, at_once, after_throw = _message(), _message(), _message()

    async def later(delivery: Delivery) -> HandlerTimeout | None:
        sent = delivery.message.to_wire()
        if sent == at_once.to_wire() and delivery.meta.attempt == 1:
            return HandlerTimeout(timeout_seconds=0)
        if sent == after_throw.to_wire() and delivery.meta.attempt == 1:
            raise RuntimeError("the handler failed (deliberately, by worldspec)")
        if sent == after_throw.to_wire() and delivery.meta.attempt == 2:
            return HandlerTimeout(timeout_seconds=SHORT_TIMEOUT_SECONDS)
        if sent == held.to_wire() and delivery.meta.attempt == 1:
            return HandlerTimeout(timeout_seconds=HOLD_SECONDS)
        return None

    inbox = Inbox(later)
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    await returns(world.queue(_workflow_queue(), held), "queue()")
    for message in (at_once, after_throw):
        await returns(world.queue(_ascii_workflow_queue(), message), "queue()")
    first, again = await _deliveries(
        inbox, held, 2, "the message is delivered, then again after {timeoutSeconds}", HOLD_SECONDS
    )
    _check_same_message(first, again, f"after {{timeoutSeconds: {HOLD_SECONDS}}}")
    if again.at - first.at < HOLD_SECONDS - CLOCK_SLACK:
        fail(
            f"the message comes again no sooner than {HOLD_SECONDS} s later",
            f"redelivered it after {again.at - first.at:.3f} s",
        )
    first, again = await _deliveries(
        inbox, at_once, 2, "a message whose handler returned {timeoutSeconds: 0} is delivered again"
    )
    _check_same_message(first, again, "after {timeoutSeconds: 0}")
    *_, thrown, third = await _deliveries(
        inbox,
        after_throw,
        3,
        "a message whose handler raised, then returned {timeoutSeconds}, is delivered a third time",
        REDELIVERY_TIMEOUT,
    )
    _check_same_message(thrown, third, "after a redelivery that returned {timeoutSeconds}")


async def _deliveries(
    inbox: Inbox, message: QueuePayload, count: int, what: str, extra: float = 0.0
) -> list[Delivery]:
    """The first ``count`` deliveries of ``message``; fails when they do not all come within
    ``DELIVERY_TIMEOUT`` (plus ``extra`` seconds) of each other."""
    sent = message.to_wire()

    async def arrived() -> list[Delivery]:
        while len(found := [d for d in inbox.all if d.message.to_wire() == sent]) < count:
            await asyncio.sleep(0.01)
        return found[:count]

    try:
        return await asyncio.wait_for(arrived(), count * DELIVERY_TIMEOUT + extra)
    except TimeoutError:
        shown = [d.meta for d in inbox.all if d.message.to_wire() == sent]
        fail(f"{what} ({count} deliveries)", f"delivered it {len(shown)} times", ("deliveries", shown))


@invariant("Q-004", requires=Capability.QUEUE_DELIVERY, lengthy=True)
async def test_throwing_handler_gets_the_message_again(world: World) -> None:
    """A handler that raises sees the same message again, same messageId and queueName,
    ``attempt + 1``."""

    async def fail_once(delivery: Delivery) -> None:
        if delivery.meta.attempt == 1:
            raise RuntimeError("the handler failed (deliberately, by worldspec)")

    inbox = Inbox(fail_once)
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    await returns(world.queue(_workflow_queue(), _message()), "queue()")
    first = await inbox.next("the message is delivered")
    again = await inbox.next("after the handler raised, the message is delivered again", REDELIVERY_TIMEOUT)
    _check_same_message(first, again, "after the handler raised")


@invariant("Q-005", requires=Capability.QUEUE_DELIVERY)
async def test_idempotency_key_adds_no_delivery(world: World) -> None:
    """While the message queued with an idempotency key is unhandled (not yet delivered, or
    its handler still running), more ``queue()`` calls with that key deliver nothing more; and
    the key holds back only its own messages: one queued meanwhile with another key (minted
    just after, so the two share a long prefix) and two queued without a key are delivered.
    A message waiting to come again is unhandled too: while one whose handler raised, and one
    whose handler returned ``{timeoutSeconds}``, wait for their next delivery, ``queue()`` with
    their keys delivers nothing more (checked at the same time, on another workflow's queue)."""
    held, again = _KeysHeldWhileHandled(), _KeysHeldBetweenDeliveries()

    async def route(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
        inbox = again.inbox if again.sent(message) else held.inbox
        return await inbox.handler(message, meta)

    await world.create_queue_handler("__wkf_workflow_", route)
    await asyncio.gather(held.check(world), again.check(world))


class _KeysHeldWhileHandled:
    """Q-005 for a message not yet delivered, then held by its handler."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.inbox = Inbox(self._hold)

    async def _hold(self, delivery: Delivery) -> None:
        await asyncio.wait_for(self.release.wait(), DELIVERY_TIMEOUT + SETTLE_SECONDS)

    async def check(self, world: World) -> None:
        inbox = self.inbox
        key, other_key = make.new_id("step"), make.new_id("step")
        name, keyed = _workflow_queue(), QueueOptions(idempotency_key=key)
        original, before, during = _message(), _message(), _message()
        await returns(world.queue(name, original, keyed), "queue() with an idempotency key")
        await returns(world.queue(name, before, keyed), "queue() again with that key, before delivery")
        first = await inbox.next("the message is delivered")
        await returns(world.queue(name, during, keyed), "queue() again with that key, while it is handled")
        others = {
            f"a message queued with another key ({other_key!r})": (
                _message(),
                QueueOptions(idempotency_key=other_key),
            ),
            "a message queued without a key": (_message(), None),
            "a second message queued without a key": (_message(), None),
        }
        for what, (message, options) in others.items():
            await returns(world.queue(name, message, options), f"queue() of {what}, while the key is held")
        self.release.set()
        await asyncio.sleep(SETTLE_SECONDS)
        for what, (message, _) in others.items():
            try:
                await asyncio.wait_for(_arrival(inbox, message), DELIVERY_TIMEOUT)
            except TimeoutError:
                fail(
                    f"an idempotency key holds back only the messages queued with it: {what}, "
                    f"while the message with key {key!r} was unhandled, is delivered",
                    f"delivered nothing of it within {SETTLE_SECONDS + DELIVERY_TIMEOUT:g} s",
                    ("deliveries", [(d.meta, d.message) for d in inbox.all]),
                )
        unkeyed = [message.to_wire() for message, _ in others.values()]
        extra = [
            d
            for d in inbox.all
            if d.message.to_wire() not in unkeyed
            and (d.message.to_wire() != original.to_wire() or d.meta.message_id != first.meta.message_id)
        ]
        if first.message.to_wire() != original.to_wire() or extra:
            fail(
                "only the first message with the key is delivered (redeliveries of it aside)",
                f"delivered {len(inbox.all)} times, {len(extra)} of them other messages with the key",
                ("deliveries", [(d.meta, d.message) for d in inbox.all]),
            )


class _KeysHeldBetweenDeliveries:
    """Q-005 for messages between two deliveries: after a throw, and after ``{timeoutSeconds}``."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.retried = {"raised": _message(), "returned {timeoutSeconds}": _message()}
        self.duplicates = {what: _message() for what in self.retried}
        self._wires = [m.to_wire() for m in (*self.retried.values(), *self.duplicates.values())]
        self.inbox = Inbox(self._retry_then_hold)

    def sent(self, message: QueuePayload) -> bool:
        """Whether ``message`` is one this part queued."""
        return message.to_wire() in self._wires

    async def _retry_then_hold(self, delivery: Delivery) -> HandlerTimeout | None:
        if delivery.meta.attempt > 1:
            await asyncio.wait_for(self.release.wait(), REDELIVERY_TIMEOUT + DELIVERY_TIMEOUT)
            return None
        if delivery.message.to_wire() == self.retried["raised"].to_wire():
            raise RuntimeError("the handler failed (deliberately, by worldspec)")
        return HandlerTimeout(timeout_seconds=RETRY_TIMEOUT_SECONDS)

    async def check(self, world: World) -> None:
        inbox, retried = self.inbox, self.retried
        name = _ascii_workflow_queue()
        keys = {what: QueueOptions(idempotency_key=make.new_id("step")) for what in retried}
        for what, message in retried.items():
            await returns(
                world.queue(name, message, keys[what]),
                f"queue() with a key, of a message whose handler {what}",
            )
        for what, message in retried.items():
            await _deliveries(inbox, message, 1, f"the message whose handler {what} is delivered")
        await asyncio.sleep(SHORT_TIMEOUT_SECONDS)
        for what, duplicate in self.duplicates.items():
            await returns(
                world.queue(name, duplicate, keys[what]),
                f"queue() again with the key of the message whose handler {what}, before it comes again",
            )
        try:
            for what, message in retried.items():
                await _deliveries(
                    inbox, message, 2, f"the message whose handler {what} comes again", REDELIVERY_TIMEOUT
                )
        finally:
            self.release.set()
        await asyncio.sleep(SETTLE_SECONDS)
        for what, duplicate in self.duplicates.items():
            if any(d.message.to_wire() == duplicate.to_wire() for d in inbox.all):
                fail(
                    "a message waiting to be delivered again is unhandled, so it holds its idempotency "
                    f"key: a queue() with the key of a message whose handler {what} delivers nothing",
                    "delivered the second message queued with that key",
                    ("deliveries", [(d.meta, d.message) for d in inbox.all]),
                )


async def _arrival(inbox: Inbox, message: QueuePayload) -> None:
    """Returns once ``message`` has reached ``inbox``."""
    while not any(d.message.to_wire() == message.to_wire() for d in inbox.all):
        await asyncio.sleep(0.01)


@invariant("Q-006", requires=(Capability.QUEUE_DELIVERY, Capability.DELAY))
async def test_delay_seconds_holds_the_message(world: World) -> None:
    """(``delay``) A message queued with ``delaySeconds: 0.5`` is not delivered before 0.5 s."""
    inbox = Inbox()
    await world.create_queue_handler("__wkf_workflow_", inbox.handler)
    queued_at = asyncio.get_running_loop().time()
    await returns(
        world.queue(_workflow_queue(), _message(), QueueOptions(delay_seconds=HOLD_SECONDS)), "queue()"
    )
    got = await inbox.next("the delayed message is delivered", HOLD_SECONDS + DELIVERY_TIMEOUT)
    if got.at - queued_at < HOLD_SECONDS - CLOCK_SLACK:
        fail(
            f"a message with delaySeconds {HOLD_SECONDS} is not delivered sooner",
            f"delivered it after {got.at - queued_at:.3f} s",
        )


@invariant("Q-007", requires=Capability.QUEUE_DELIVERY)
async def test_health_check_reaches_its_handler(world: World, world_line: SpecLine) -> None:
    """A health check ``{__healthCheck: true, correlationId}`` queued to
    ``<prefix>health_check`` with ``specVersion: 1`` reaches that prefix's handler, deep-equal,
    for the workflow and the step prefix (the workflow prefix only on the 5.x line, which has no
    step queue)."""
    prefixes = ("__wkf_workflow_", "__wkf_step_") if world_line is SpecLine.LINE_4 else ("__wkf_workflow_",)
    for prefix in prefixes:
        inbox = Inbox()
        await world.create_queue_handler(prefix, inbox.handler)
        check = HealthCheckPayload(correlation_id=make.new_id("hc"))
        name = f"{prefix}health_check"
        await returns(
            world.queue(name, check, QueueOptions(spec_version=1)), f"queue({name!r}, specVersion 1)"
        )
        got = await inbox.next(f"the health check queued to {name!r} reaches the handler of {prefix!r}")
        if got.message.to_wire() != check.to_wire():
            fail(
                "the health check arrives deep-equal",
                "arrived otherwise",
                ("sent", check),
                ("received", got.message),
            )
