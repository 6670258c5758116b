"""Broken Worlds for the queue of the 5.x line (Q-102, Q-103)."""

from __future__ import annotations

from typing import Any

from tests.broken_worlds.base import LineFiveBrokenWorld
from worldspec.line5 import queue as line5_queue
from worldspec.queue import MessageMeta, QueueOptions, QueuePayload, QueueResult
from worldspec.wire_types import MISSING


class RepublishesFailedMessages(LineFiveBrokenWorld, breaks={"Q-003", "Q-004"}, warns={"Q-102"}):
    """Redelivers a message by publishing it again, as a new message with a new id: every
    redelivery has a messageId of its own."""

    async def create_queue_handler(self, prefix: str, handler: Any) -> None:
        async def renamed(message: QueuePayload, meta: MessageMeta) -> Any:
            if meta.attempt > 1:
                meta = meta.model_copy(update={"message_id": f"{meta.message_id}_r{meta.attempt}"})
            return await handler(message, meta)

        await super().create_queue_handler(prefix, renamed)


class Drops5xDispatchMembers(LineFiveBrokenWorld, breaks={"Q-103"}):
    """Validates messages with a schema updated for 5.x that forgot two members: a step
    execution's ``runContext`` and a health check's ``runId`` are stripped."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if isinstance(message, line5_queue.WorkflowInvokePayload) and message.run_context is not MISSING:
            message = message.model_copy(update={"run_context": MISSING})
        if isinstance(message, line5_queue.HealthCheckPayload) and message.run_id is not MISSING:
            message = message.model_copy(update={"run_id": MISSING})
        return await super().queue(queue_name, message, options)
