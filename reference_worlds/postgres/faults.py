"""PostgresWorld's fault hook, for the kit's FAULT family: kill points and cut connections.

``PostgresWorld.worldspec_faults`` is a ``PostgresFaults`` (``worldspec.faults.ProcessKill`` and
``ConnectionFaults``). A create passes ``decided`` when the rules have judged it and its
statement is about to be sent, and ``written`` when the statement has returned its rows:
committed when the create ran on an autocommit connection, still inside the transaction when
it ran under the run's row lock. Armed, the process sends itself ``SIGKILL`` there, and the
server sees its connection vanish. ``drop_connections`` terminates, from a connection of its
own, every backend of the World's pool (they carry the World's ``application_name``).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable

import psycopg

__all__ = ["KILL_POINTS", "PostgresFaults"]

KILL_POINTS = ("decided", "written")


class PostgresFaults:
    """The kill points of one PostgresWorld, and how to cut its connections."""

    kill_points: tuple[str, ...] = KILL_POINTS

    def __init__(self, dsn: Callable[[], str], application_name: str) -> None:
        self._dsn = dsn
        self.application_name = application_name
        self.armed: str | None = None

    def arm(self, point: str) -> None:
        """Die at ``point`` the next time a create passes it."""
        if point not in KILL_POINTS:
            raise ValueError(f"no kill point {point!r}; PostgresWorld has {', '.join(KILL_POINTS)}")
        self.armed = point

    def reached(self, point: str) -> None:
        """Called by a create at ``point``: the process dies here if it is armed."""
        if self.armed == point:
            os.kill(os.getpid(), signal.SIGKILL)

    async def drop_connections(self) -> None:
        """Terminate every backend of this World's pool; its calls in flight fail."""
        async with await psycopg.AsyncConnection.connect(self._dsn(), autocommit=True) as admin:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE application_name = %s AND pid <> pg_backend_pid()",
                (self.application_name,),
            )
