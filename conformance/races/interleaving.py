"""Forcing races: clients released together, paused where the World allows it.

A round runs its setup calls one by one, then starts one asyncio task per client and releases
them together (one ``asyncio.Event``), then makes the final observation. Every call is recorded
in a ``History``. A round may also hold reads, made by one more task (``READER``) released with
the clients: §8 binds creates, not reads, so the reads' outcomes are shown but never judged;
they are there for what they may leave behind (a cache filled with what a read found before a
create), which the observation, made once every call has returned, then shows. The reads are
made again while any client is still busy (at most ``READ_PASSES`` times).

A World that allows pauses exposes ``worldspec_interleave`` (see docs/writing-a-factory.md):
for the round, the kit sets it to an ``Interleaver``, which the World awaits at each of its
pause points. The interleaving is chosen by the test, from the seeded random source:

- ``rendezvous``: a task waits at its n-th pause point until every other racing task has
  reached its own n-th point or finished, then the tasks pass in a random order, or in the
  clients' own order where the test asks for it (to try each order of two calls in turn).
  Every check a World makes before its n-th point then happens before any write after it: a
  check-then-act without a lock is caught in a round that releases the right call first. A
  task that cannot arrive (blocked on the World's lock) is waited for at most ``MAX_YIELDS``
  event-loop turns, so a correct World never deadlocks.
- ``shuffle``: each task yields a random number of turns at each point.

Other Worlds get the barrier and a random number of turns before each client's first call;
rounds repeat (the profile's ``rounds``) so many orders are tried.

A round counts as *forced* when some racing call reached one of the World's pause points while
the kit held them (``Played.forced``): the order there was the kit's choice. A round on a
World without the hook, or whose hook no racing call awaited, was left to chance.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Literal

from conformance.races.linearizability import OBSERVER, READER, SETUP, History
from conformance.races.results import Outcome, outcome_of
from conformance.world.capabilities import unwrapped
from worldspec.protocol import World

__all__ = [
    "MAX_YIELDS",
    "READ_PASSES",
    "Interleaver",
    "Played",
    "Round",
    "accepts_pauses",
    "record",
    "run_round",
]

MAX_YIELDS = 64
"""Event-loop turns a rendezvous waits for a task that does not arrive."""

READ_PASSES = 8
"""How many times, at most, a round's reads are made while its clients race: again, an
event-loop turn later, while any client is still busy, so that some read straddles each write."""

Mode = Literal["rendezvous", "shuffle"]

_CLIENT: ContextVar[int | None] = ContextVar("worldspec_racing_client", default=None)
"""The racing client the current task works for (inherited by tasks it starts)."""


def accepts_pauses(world: World) -> bool:
    """Whether ``world`` lets the kit pause it (has a ``worldspec_interleave`` attribute)."""
    return hasattr(unwrapped(world), "worldspec_interleave")


class Interleaver:
    """The pause a World awaits at its pause points during one round (see the module docstring).

    Only racing clients' calls are paused; setup and observation calls pass straight through.
    """

    def __init__(
        self, mode: Mode, rng: random.Random, clients: int, *, in_client_order: bool = False
    ) -> None:
        self.mode = mode
        self._in_client_order = in_client_order
        self._rng = rng
        self._clients = clients
        self._reached = [0] * clients
        self._finished: set[int] = set()
        self._passed: dict[int, set[int]] = {}
        self._release_order: dict[int, list[int]] = {}
        self.held = 0
        """How many times a racing call reached a pause point during the round."""

    def finished(self, client: int) -> None:
        """``client`` made all its calls: nobody waits for it any more."""
        self._finished.add(client)

    async def __call__(self, point: str) -> None:
        client = _CLIENT.get()
        if client is None:
            return
        self.held += 1
        if self.mode == "shuffle":
            for _ in range(self._rng.randint(0, 3)):
                await asyncio.sleep(0)
            return
        self._reached[client] += 1
        level = self._reached[client]
        await self._wait(lambda: all(self._at_least(other, level) for other in self._others(client)))
        order = self._release_order.get(level)
        if order is None:
            order = list(range(self._clients))
            if not self._in_client_order:
                self._rng.shuffle(order)
            self._release_order[level] = order
        passed = self._passed.setdefault(level, set())
        ahead = order[: order.index(client)]
        await self._wait(lambda: all(other in passed or other in self._finished for other in ahead))
        passed.add(client)

    def _others(self, client: int) -> list[int]:
        return [other for other in range(self._clients) if other != client]

    def _at_least(self, client: int, level: int) -> bool:
        return client in self._finished or self._reached[client] >= level

    @staticmethod
    async def _wait(ready: Any) -> None:
        for _ in range(MAX_YIELDS):
            if ready():
                return
            await asyncio.sleep(0)


@dataclass(frozen=True)
class Round:
    """One race: setup calls, each client's calls, and the observation made afterwards."""

    setup: Sequence[Any]
    clients: Sequence[Sequence[Any]]
    observation: Any | None
    reads: Sequence[Any] = ()
    """Reads made while the clients race, never judged (see the module docstring). Only
    ``run_round`` makes them: a round raced across processes has none."""


@dataclass(frozen=True)
class Played:
    """A round that ran: its history, and whether the kit forced its interleaving."""

    history: History
    forced: bool
    """True when a racing call reached a pause point of the World while the kit held them."""


async def run_round(
    world: World,
    race: Round,
    rng: random.Random,
    mode: Mode,
    call_timeout: float,
    *,
    in_client_order: bool = False,
) -> Played:
    """Run ``race`` on ``world`` with the interleaving ``mode`` where the World allows pauses; a
    rendezvous ``in_client_order`` lets client 1 pass first at every pause point, then client 2,
    and so on, instead of in a random order."""
    history = History()
    for call in race.setup:
        await record(history, SETUP, call, world, call_timeout)
    pauses = accepts_pauses(world)
    interleaver = (
        Interleaver(mode, rng, len(race.clients), in_client_order=in_client_order) if pauses else None
    )
    previous = getattr(unwrapped(world), "worldspec_interleave", None)
    release = asyncio.Event()

    async def client(number: int, calls: Sequence[Any], warmup: int) -> None:
        _CLIENT.set(number)
        await release.wait()
        for _ in range(warmup):
            await asyncio.sleep(0)
        try:
            for call in calls:
                await record(history, f"c{number + 1}", call, world, call_timeout)
        finally:
            if interleaver is not None:
                interleaver.finished(number)

    async def reader(warmup: int) -> None:
        await release.wait()
        for _ in range(warmup):
            await asyncio.sleep(0)
        for _ in range(READ_PASSES):
            for call in race.reads:
                await record(history, READER, call, world, call_timeout)
            if all(task.done() for task in tasks[: len(race.clients)]):
                return
            await asyncio.sleep(0)

    warmups = [0 if interleaver else rng.randint(0, len(race.clients)) for _ in race.clients]
    tasks = [asyncio.create_task(client(n, calls, warmups[n])) for n, calls in enumerate(race.clients)]
    if race.reads:
        tasks.append(asyncio.create_task(reader(rng.randint(0, len(race.clients)))))
    inner = unwrapped(world)
    if interleaver is not None:
        setattr(inner, "worldspec_interleave", interleaver)  # noqa: B010 - the World reads it as an attribute
    try:
        await asyncio.sleep(0)
        release.set()
        await asyncio.gather(*tasks)
    finally:
        if interleaver is not None:
            setattr(inner, "worldspec_interleave", previous)  # noqa: B010 - restores what the World had
    if race.observation is not None:
        await record(history, OBSERVER, race.observation, world, call_timeout)
    return Played(history, interleaver is not None and interleaver.held > 0)


async def record(history: History, client: str, call: Any, world: World, call_timeout: float) -> None:
    """Make ``call`` on ``world`` as ``client`` and add it to ``history`` (unknown on timeout)."""
    invoked = time.monotonic_ns()
    try:
        outcome = await asyncio.wait_for(outcome_of(call, world), call_timeout)
    except TimeoutError:
        history.add(client, call, invoked, None, Outcome("unknown"))
        return
    history.add(client, call, invoked, time.monotonic_ns(), outcome)
