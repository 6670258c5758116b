"""LocalWorld's backdoor (``worldspec.Backdoor``): layout-1 seeding and raw log reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from reference_worlds.local.layout import Layout
from reference_worlds.local.legacy import write_legacy_run
from reference_worlds.local.locks import SectionLocks, finish_in_thread
from reference_worlds.local.store import RunStore

__all__ = ["LocalBackdoor"]


class LocalBackdoor:
    """Writes runs as layout 1 stored them, and reads a run's events straight from its files."""

    def __init__(self, layout: Layout, locks: SectionLocks, executor: Executor) -> None:
        self._layout = layout
        self._locks = locks
        self._executor = executor

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store ``run`` and ``events`` in layout 1 (see ``reference_worlds.local.legacy``)."""
        async with self._locks.hold(self._layout.run_lock(str(run["runId"]))):
            await finish_in_thread(self._executor, write_legacy_run, self._layout, run, events)

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The run's events in wire form, decoded from its files by a fresh fold (no cache)."""
        fold = RunStore(self._layout).fold(run_id)
        return [logged.event.model.to_wire() for logged in fold.events]
