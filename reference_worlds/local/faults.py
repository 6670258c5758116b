"""LocalWorld's kill points: where a commit can be made to die, for the kit's FAULT family.

``LocalWorld.worldspec_faults`` is a ``LocalFaults`` (``worldspec.faults.ProcessKill``). A
commit passes its points in this order: the token index entry of a new hook is written
(``token-reserved``), the first half of the log line is written (``line-torn``: the line is
always written in two ``pwrite`` calls, as a commit larger than one write would be), the whole
line is written but not yet synced (``line-written``), and the line is synced but the caller
has no answer yet (``line-synced``). When the armed point is reached the
process sends itself ``SIGKILL``.
"""

from __future__ import annotations

import os
import signal

__all__ = ["KILL_POINTS", "LocalFaults"]

KILL_POINTS = ("token-reserved", "line-torn", "line-written", "line-synced")


class LocalFaults:
    """The kill points of one LocalWorld."""

    kill_points: tuple[str, ...] = KILL_POINTS

    def __init__(self) -> None:
        self.armed: str | None = None

    def arm(self, point: str) -> None:
        """Die at ``point`` the next time a commit passes it."""
        if point not in KILL_POINTS:
            raise ValueError(f"no kill point {point!r}; LocalWorld has {', '.join(KILL_POINTS)}")
        self.armed = point

    def reached(self, point: str) -> None:
        """Called by a commit at ``point``: the process dies here if it is armed."""
        if self.armed == point:
            os.kill(os.getpid(), signal.SIGKILL)
