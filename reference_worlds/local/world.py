"""``LocalWorld``: the whole contract in files a person can read, shared by processes.

Runs live in ``<data_dir>/runs/<runId>/log.jsonl`` (docs/reference-worlds/local.md has the
whole layout). Each ``events.create`` decides with ``reference_worlds.rules`` inside the run's
critical section (an ``asyncio.Lock`` and an ``flock``) and commits with one fsynced append, so
creates are linearizable across the tasks and OS processes sharing ``data_dir``. Reads fold the
committed log lines; the queue is in-process (``InProcessQueue``): messages reach handlers
registered in the process that queued them.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

from reference_worlds.delegation import QueueAndStreams
from reference_worlds.inprocess_queue import InProcessQueue
from reference_worlds.local.backdoor import LocalBackdoor
from reference_worlds.local.create import EventWriter
from reference_worlds.local.faults import LocalFaults
from reference_worlds.local.layout import Layout
from reference_worlds.local.locks import SectionLocks
from reference_worlds.local.store import RunStore, TokenIndex
from reference_worlds.local.streams import FileStreams
from reference_worlds.local.views import LocalEvents, LocalHooks, LocalRuns, LocalSteps
from reference_worlds.memory import system_clock
from worldspec.capabilities import Capabilities
from worldspec.spec_version import SPEC_VERSION_CURRENT

__all__ = ["LocalWorld"]

IO_THREADS = 32
"""Worker threads for blocking I/O (lock waits, fsyncs): fsyncs of different runs overlap."""


class LocalWorld(QueueAndStreams):
    """The filesystem reference World.

    ``data_dir`` is the directory to keep everything in, created if absent and shareable by
    several processes at once. Without one, the World makes a temporary directory of its own
    and removes it on ``close()``. ``clock`` replaces the system clock as the source of every
    time the World stamps or compares (the kit passes its own, docs/writing-a-factory.md).
    """

    spec_version: int | None = SPEC_VERSION_CURRENT
    worldspec_capabilities = Capabilities(
        legacy_seeding=True, delay=True, multi_process=True, write_to_stream_multi=True
    )

    def __init__(
        self, data_dir: str | os.PathLike[str] | None = None, clock: Callable[[], datetime] | None = None
    ) -> None:
        self._owns_data_dir = data_dir is None
        root = Path(tempfile.mkdtemp(prefix="worldspec-local-") if data_dir is None else data_dir)
        self.layout = Layout(root.resolve())
        self.layout.create_directories()
        self._executor = ThreadPoolExecutor(max_workers=IO_THREADS, thread_name_prefix="worldspec-local")
        locks = SectionLocks(self._executor)
        store = RunStore(self.layout)
        self.worldspec_faults = LocalFaults()
        writer = EventWriter(
            self.layout, store, locks, self._executor, clock or system_clock, self.worldspec_faults
        )
        self.events = LocalEvents(store, writer)
        self.runs = LocalRuns(store)
        self.steps = LocalSteps(store)
        self.hooks = LocalHooks(store, TokenIndex(self.layout))
        self.worldspec_backdoor = LocalBackdoor(self.layout, locks, self._executor)
        self._queue = InProcessQueue()
        self._streams = FileStreams(self.layout, locks, self._executor)

    @property
    def data_dir(self) -> Path:
        """The directory this World keeps everything in."""
        return self.layout.root

    @property
    def worldspec_shared_options(self) -> dict[str, str]:
        """Factory options that open another LocalWorld over this one's directory (LIN-006)."""
        return {"data_dir": str(self.layout.root)}

    async def get_deployment_id(self) -> str:
        return "dpl_local"

    async def close(self) -> None:
        """Stop queue deliveries and worker threads; remove the data directory if it is ours."""
        await self._queue.close()
        self._executor.shutdown(wait=True)
        if self._owns_data_dir:
            shutil.rmtree(self.layout.root, ignore_errors=True)
