"""Broken Worlds for the queue invariants (Q, §11): each overrides the World's own queue
methods, or wraps the handler it is given."""

from __future__ import annotations

from tests.broken_worlds.base import BrokenWorld
from worldspec.protocol import QueueHandler
from worldspec.queue import (
    HandlerTimeout,
    MessageMeta,
    QueueOptions,
    QueuePayload,
    QueueResult,
    is_valid_queue_name,
)
from worldspec.wire_types import MISSING


class AcceptsAnyQueueName(BrokenWorld, breaks={"Q-001"}):
    """``queue()`` accepts a name outside the pattern (and never delivers it)."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if not is_valid_queue_name(queue_name):
            return QueueResult(message_id=f"msg_{self.mint()}")
        return await super().queue(queue_name, message, options)


class MetaNamesThePrefix(BrokenWorld, breaks={"Q-002"}):
    """Tells the handler the prefix as ``queueName`` instead of the full name."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def misnaming(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            return await handler(message, meta.model_copy(update={"queue_name": prefix}))

        await super().create_queue_handler(prefix, misnaming)


class HandlerTimeoutIgnored(BrokenWorld, breaks={"Q-003"}):
    """Redelivers at once when a handler asks for the message again in ``timeoutSeconds``."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def impatient(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            outcome = await handler(message, meta)
            return HandlerTimeout(timeout_seconds=0) if isinstance(outcome, HandlerTimeout) else outcome

        await super().create_queue_handler(prefix, impatient)


class RedeliveryAfterThrowKeepsAttempt(BrokenWorld, breaks={"Q-004"}):
    """Redelivers a message whose handler raised without counting the failed attempt."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        failures: dict[str, int] = {}

        async def forgetful(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            shown = meta.model_copy(update={"attempt": meta.attempt - failures.get(meta.message_id, 0)})
            try:
                return await handler(message, shown)
            except Exception:
                failures[meta.message_id] = failures.get(meta.message_id, 0) + 1
                raise

        await super().create_queue_handler(prefix, forgetful)


class IdempotencyKeyIgnored(BrokenWorld, breaks={"Q-005"}):
    """Delivers every message queued with the same idempotency key."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        unkeyed = None if options is None else options.model_copy(update={"idempotency_key": MISSING})
        return await super().queue(queue_name, message, unkeyed)


class DelayIgnored(BrokenWorld, breaks={"Q-006"}):
    """Declares the ``delay`` capability but delivers at once."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        undelayed = None if options is None else options.model_copy(update={"delay_seconds": MISSING})
        return await super().queue(queue_name, message, undelayed)


class SpecVersionOneMessagesDropped(BrokenWorld, breaks={"Q-007"}):
    """Accepts messages queued with ``specVersion: 1`` (the health check) but never delivers them."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if options is not None and options.spec_version == 1:
            return QueueResult(message_id=f"msg_{self.mint()}")
        return await super().queue(queue_name, message, options)


class UnkeyedMessagesShareOneKey(BrokenWorld, breaks={"Q-005"}):
    """Keeps its unhandled idempotency keys in a map keyed by ``String(options.idempotencyKey)``,
    so every message queued without a key is held as key ``"undefined"``: while one such
    message is unhandled, the next one without a key is dropped."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if options is None or options.idempotency_key is MISSING:
            options = (options or QueueOptions()).model_copy(update={"idempotency_key": "undefined"})
        return await super().queue(queue_name, message, options)


class RedeliveryNamesThePrefix(BrokenWorld, breaks={"Q-003", "Q-004"}):
    """Gives the first delivery the full queue name but a redelivery (after a throw or a
    ``timeoutSeconds``) the prefix of the handler it was routed to, which its retry path keeps
    in place of the name."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def misnaming(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            if meta.attempt > 1:
                meta = meta.model_copy(update={"queue_name": prefix})
            return await handler(message, meta)

        await super().create_queue_handler(prefix, misnaming)


class KeyReleasedWhenTheHandlerReturns(BrokenWorld, breaks={"Q-005"}):
    """Frees a message's idempotency key in a ``finally`` around each handler call, so a message
    waiting to be delivered again (its handler threw, or asked for it again in
    ``timeoutSeconds``) no longer holds its key: a ``queue()`` with that key meanwhile adds a
    second delivery."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def releasing(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            try:
                return await handler(message, meta)
            finally:
                held = self._queue._unhandled_keys
                for key in [key for key, message_id in held.items() if message_id == meta.message_id]:
                    del held[key]

        await super().create_queue_handler(prefix, releasing)


class RepublishedAttemptCountsRepublishes(BrokenWorld, breaks={"Q-003"}):
    """Serves ``timeoutSeconds`` by publishing the message again with an attempt header one
    above the header it came with, while the broker retries a throw itself and adds its own
    receive count to that header: a message that threw and then asked for a timeout comes back
    with the attempt it already had."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        header: dict[str, int] = {}
        receives: dict[str, int] = {}

        async def counting(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            message_id = meta.message_id
            receives[message_id] = receives.get(message_id, 0) + 1
            shown = header.get(message_id, 1) + receives[message_id] - 1
            outcome = await handler(message, meta.model_copy(update={"attempt": shown}))
            if isinstance(outcome, HandlerTimeout):
                header[message_id] = header.get(message_id, 1) + 1
                receives[message_id] = 0
            return outcome

        await super().create_queue_handler(prefix, counting)


class ZeroTimeoutTakenAsDone(BrokenWorld, breaks={"Q-003"}):
    """Tests the handler's result with ``if (result?.timeoutSeconds)``, so ``{timeoutSeconds:
    0}`` (come back at once) is taken for done and the message is never delivered again."""

    async def create_queue_handler(self, prefix: str, handler: QueueHandler) -> None:
        async def truthy(message: QueuePayload, meta: MessageMeta) -> HandlerTimeout | None:
            outcome = await handler(message, meta)
            if isinstance(outcome, HandlerTimeout) and not outcome.timeout_seconds:
                return None
            return outcome

        await super().create_queue_handler(prefix, truthy)
