"""Broken Worlds for what a 5.x World declares and accepts as a whole (LEG-101, Q-101)."""

from __future__ import annotations

import re
from typing import Any, ClassVar

from tests.broken_worlds.base import LineFiveBrokenWorld
from worldspec.queue import QueueOptions, QueuePayload, QueueResult

FOUR_X_QUEUE_NAME = re.compile(r"^__(?:[a-z][a-z0-9]*_)?wkf_(?:workflow|step)_.+$")


class DeclaresNoSpecVersion(LineFiveBrokenWorld, breaks={"LEG-101"}):
    """Implements the 5.x line but leaves ``specVersion`` unset (optional on the 4.x line,
    required on the 5.x one); judged on the 5.x line with ``--world-spec 7``."""

    kit_arguments: ClassVar[tuple[str, ...]] = ("--world-spec=7",)

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.spec_version = None


class AcceptsStepQueueNames(LineFiveBrokenWorld, breaks={"Q-101"}):
    """``queue()`` still accepts the 4.x step queue names (and never delivers them)."""

    async def queue(
        self, queue_name: str, message: QueuePayload, options: QueueOptions | None = None
    ) -> QueueResult:
        if "wkf_step_" in queue_name and FOUR_X_QUEUE_NAME.match(queue_name):
            return QueueResult(message_id=f"msg_{self.mint()}")
        return await super().queue(queue_name, message, options)
