"""The Node bridge's fault hook: kill the Node process under a World and start it again.

``NodeWorld.worldspec_faults`` is a ``NodeRestarts`` (``worldspec.faults.Restartable``).
``crash`` sends the Node process's group ``SIGKILL``: calls in flight fail with ``BridgeError``,
and whatever the package had not handed to its storage is gone. ``restart`` starts a new Node
process and builds the World again with the same config, so it opens the same storage:
world-local's data directory, world-postgres's database.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

__all__ = ["NodeRestarts"]


class NodeRestarts:
    """Crash and restart for one NodeWorld (its ``kill_process`` and ``rebuild``)."""

    def __init__(self, kill_process: Callable[[], None], rebuild: Callable[[], Awaitable[None]]) -> None:
        self._kill_process = kill_process
        self._rebuild = rebuild

    async def crash(self) -> None:
        """Kill the World's Node process (``SIGKILL`` to its process group)."""
        self._kill_process()

    async def restart(self) -> None:
        """Start a Node process and build the World again over the same storage."""
        await self._rebuild()
