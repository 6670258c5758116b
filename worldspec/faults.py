"""How a World lets the kit make it fail: ``worldspec_faults``, a KIT facility (``Capability.FAULTS``).

A World that wants to be judged under faults gives itself a ``worldspec_faults`` attribute
implementing one or more of the protocols below; the kit looks at which ones it fits and
injects the faults that apply. Nothing here is part of the World contract: it is how a test
harness reaches the parts of a backend that a runtime never calls.

``ProcessKill``
    The World lives in the process that calls it and keeps its state in storage other
    processes can open (``worldspec_shared_options``). The kit runs it in a worker process and
    ends that process with ``SIGKILL``: between calls, after a random delay, or at one of the
    World's named *kill points* (``arm``), so a kill inside a commit is deterministic rather than
    a matter of luck. The restart is a new World opened over the same storage.
``Restartable``
    The World is a client of a process of its own (a server, a bridge): ``crash`` ends that
    process abruptly and ``restart`` starts a new one over the same storage, while the caller's
    process lives on.
``ConnectionFaults``
    The World talks to a database over connections: ``drop_connections`` cuts them from the
    server side, as a failover or a network fault would.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

__all__ = ["ConnectionFaults", "ProcessKill", "Restartable", "fault_kinds"]


@runtime_checkable
class ProcessKill(Protocol):
    """A World whose process the kit may kill, at named points inside its writes."""

    kill_points: tuple[str, ...]
    """The names of the points ``arm`` accepts, in the order a write passes them."""

    def arm(self, point: str) -> None:
        """Make the calling process die (``SIGKILL``, no cleanup) the next time a call of this
        World passes ``point``. ``ValueError`` for a name not in ``kill_points``."""
        ...


@runtime_checkable
class Restartable(Protocol):
    """A World that runs in a process of its own, which the kit may kill and start again."""

    async def crash(self) -> None:
        """End the World's own process at once, as ``SIGKILL`` does: calls in flight get no
        answer or an error, and nothing the process had not made durable may survive."""
        ...

    async def restart(self) -> None:
        """Start the World's process again over the same storage; when this returns the World
        answers calls again."""
        ...


@runtime_checkable
class ConnectionFaults(Protocol):
    """A World whose database connections the kit may cut."""

    async def drop_connections(self) -> None:
        """Terminate, from the database's side, every connection this World holds; calls in
        flight fail, and the World must answer later calls again on new connections."""
        ...


def fault_kinds(hook: object) -> tuple[str, ...]:
    """Which of ``process_kill``, ``restartable`` and ``connection_faults`` ``hook`` fits."""
    kinds = (
        ("process_kill", ProcessKill),
        ("restartable", Restartable),
        ("connection_faults", ConnectionFaults),
    )
    return tuple(name for name, protocol in kinds if isinstance(hook, protocol))
