"""One fault round: clients make calls, one of them is killed, the World is reopened over the
same storage, and what it kept is read back.

The round's ``History`` holds every client call (``p1`` is the one killed; the call it died in
is ``unknown``: it may have taken effect or not) and, made through a World opened afresh after
the kill, the observation (``observer``) and a fresh ``run_created`` (``after``), which show
that the World answers again. ``FaultRound`` keeps when the kill happened so the
picture of the history can draw it.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass
from typing import Any

from conformance.checks import make
from conformance.faults.clients import Client, Kill, Zygote
from conformance.faults.workload import CALLS_PER_CLIENT, INSIDE_CALLS, workload
from conformance.model.calls import WorldCall
from conformance.races.interleaving import record
from conformance.races.linearizability import OBSERVER, History
from conformance.world.loading import WorldSpec, close_world, open_world

__all__ = ["AFTER", "Clients", "FaultRound", "crash_round", "kill_for"]

AFTER = "after"
"""The client name of the fresh create made through the reopened World after the observation."""

VICTIM = "p1"
"""The client the kit kills in every round."""


@dataclass(frozen=True)
class FaultRound:
    """A round's history, the fault, and when the kit saw it happen (``time.monotonic_ns``)."""

    history: History
    fault: str
    fault_at: int | None


class Clients:
    """The client processes of a campaign: survivors are reused, each victim is forked fresh."""

    def __init__(self, spec: WorldSpec, options: dict[str, Any]) -> None:
        self.spec = spec
        self.options = options
        self._zygote: Zygote | None = None
        self._survivors: list[Client] = []

    async def _forked(self) -> Client:
        if self._zygote is None:
            self._zygote = await Zygote.start(self.spec.target)
        return await self._zygote.spawn(self.options)

    async def victim(self) -> Client:
        """A fresh client to kill."""
        return await self._forked()

    async def survivors(self, count: int) -> list[Client]:
        """``count`` clients nobody kills, forked when first needed."""
        while len(self._survivors) < count:
            self._survivors.append(await self._forked())
        return self._survivors[:count]

    async def close(self) -> None:
        """Close every client still alive, then the zygote."""
        for client in self._survivors:
            await client.close()
        if self._zygote is not None:
            await self._zygote.close()


def kill_for(rng: random.Random, mode: str, kill_points: tuple[str, ...], number: int) -> Kill:
    """The kill of round ``number`` (from 1): ``between`` calls, or ``inside`` one of
    ``INSIDE_CALLS``: at each of the World's kill points in turn, then after a random delay, and
    round again."""
    if mode == "between":
        return Kill(rng.randrange(1, CALLS_PER_CLIENT))
    call = rng.choice(INSIDE_CALLS)
    choices = (*kill_points, None)
    point = choices[(number - 1) % len(choices)]
    if point is not None:
        return Kill(call, point=point)
    return Kill(call, delay_ms=rng.uniform(0.0, 3.0))


async def crash_round(clients: Clients, width: int, kill: Kill, call_timeout: float) -> FaultRound:
    """Run one round: ``width`` clients, the first killed as ``kill`` says, then the
    observation through a World opened afresh over the same storage."""
    load = workload(width)
    victim = await clients.victim()
    others = await clients.survivors(width - 1)
    try:
        runs = await asyncio.gather(
            victim.run(load.clients[0], kill, call_timeout),
            *(
                client.run(calls, None, call_timeout)
                for client, calls in zip(others, load.clients[1:], strict=True)
            ),
        )
    finally:
        await victim.close()
    history = History()
    for number, steps in enumerate(runs, 1):
        for step in steps:
            history.add(f"p{number}", step.call, step.invoked, step.returned, step.outcome)
    reopened = await open_world(WorldSpec(clients.spec.target, clients.options))
    try:
        await record(history, OBSERVER, load.observation, reopened, call_timeout)
        probe = WorldCall("events.create", (make.new_id("wrun"), make.run_created()))
        await record(history, AFTER, probe, reopened, call_timeout)
    finally:
        await close_world(reopened)
    fault = kill.describe()
    if victim.died_at is None:
        fault += ": never reached, no kill"
    return FaultRound(history, fault, victim.died_at)
