"""LocalWorld's backdoor (``worldspec.Backdoor``): layout-1 seeding, legacy hooks, raw log reads."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Executor
from typing import Any

from reference_worlds import rules
from reference_worlds.local.commits import encode_outcome
from reference_worlds.local.files import append_lines
from reference_worlds.local.layout import Layout
from reference_worlds.local.legacy import write_legacy_run
from reference_worlds.local.locks import SectionLocks, finish_in_thread
from reference_worlds.local.store import RunStore, TokenIndex
from worldspec.entities import Hook
from worldspec.validation import parse_hook

__all__ = ["LocalBackdoor"]


def _commit_hook(layout: Layout, hook: Hook) -> None:
    """Append a commit holding ``hook`` and no event to its run's log, after reserving its token
    (the order a create keeps). The caller holds the run's lock and the token's."""
    committed = RunStore(layout).fold(hook.run_id).offset
    TokenIndex(layout).reserve(hook.token, hook.run_id, hook.hook_id)
    line = encode_outcome(rules.Outcome(hook.run_id, hook=hook), time.time_ns())
    append_lines(layout.run_log(hook.run_id), committed, line)


class LocalBackdoor:
    """Writes runs as layout 1 stored them, gives them hooks, and reads a run's events straight
    from its files."""

    def __init__(self, layout: Layout, locks: SectionLocks, executor: Executor) -> None:
        self._layout = layout
        self._locks = locks
        self._executor = executor

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store ``run`` and ``events`` in layout 1 (see ``reference_worlds.local.legacy``)."""
        async with self._locks.hold(self._layout.run_lock(str(run["runId"]))):
            await finish_in_thread(self._executor, write_legacy_run, self._layout, run, events)

    async def seed_legacy_hook(self, hook: Mapping[str, Any]) -> None:
        """Store ``hook`` as a live hook of its run (``worldspec.backdoor.LegacyHookSeeding``).

        Layout 1 had no file for hooks, so the hook is kept as LocalWorld keeps every live hook:
        a commit of the run's log (this one holds the hook and no event) and the token's entry
        in the token index.
        """
        stored = parse_hook(hook)
        async with (
            self._locks.hold(self._layout.run_lock(stored.run_id)),
            self._locks.hold(self._layout.token_lock(stored.token)),
        ):
            await finish_in_thread(self._executor, _commit_hook, self._layout, stored)

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The run's events in wire form, decoded from its files by a fresh fold (no cache)."""
        fold = RunStore(self._layout).fold(run_id)
        return [logged.event.model.to_wire() for logged in fold.events]
