"""A restart round, for a World that runs in a process of its own (``Restartable``).

Two clients make the workload's calls on the World in the kit's process; the first client's
World process is crashed between two of its calls or a random delay after one was sent, every
client stops making calls, and the World is restarted over the same storage. A call that had
not answered when the crash came and then failed has an ``unknown`` outcome (the crash may
have struck before or after its write); one that answered keeps its outcome. The observation
and a fresh ``run_created`` are made through the restarted World.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence

from conformance.checks import make
from conformance.faults.clients import Kill
from conformance.faults.rounds import AFTER, FaultRound
from conformance.faults.workload import workload
from conformance.model.calls import WorldCall
from conformance.races.interleaving import record
from conformance.races.linearizability import OBSERVER, History
from conformance.races.results import Outcome, outcome_of
from worldspec.faults import Restartable
from worldspec.protocol import World

__all__ = ["restart_round"]


class _Crash:
    """The round's crash: when it came, and a way to wait for it."""

    def __init__(self, hook: Restartable) -> None:
        self.hook = hook
        self.at: int | None = None

    async def now(self) -> None:
        if self.at is None:
            self.at = time.monotonic_ns()
            await self.hook.crash()

    async def after(self, delay_ms: float) -> None:
        await asyncio.sleep(delay_ms / 1000)
        await self.now()


async def _client(
    world: World,
    name: str,
    calls: Sequence[WorldCall],
    kill: Kill | None,
    crash: _Crash,
    history: History,
    call_timeout: float,
) -> None:
    for index, call in enumerate(calls):
        if crash.at is not None:
            return
        if kill is not None and index == kill.call and kill.delay_ms is None:
            await crash.now()
            return
        killer = None
        if kill is not None and index == kill.call and kill.delay_ms is not None:
            killer = asyncio.create_task(crash.after(kill.delay_ms))
        invoked = time.monotonic_ns()
        try:
            outcome = await asyncio.wait_for(outcome_of(call, world), call_timeout)
            returned: int | None = time.monotonic_ns()
        except TimeoutError:
            outcome, returned = Outcome("unknown"), None
        if crash.at is not None and outcome.kind == "error" and returned is not None and crash.at < returned:
            outcome, returned = Outcome("unknown"), None
        history.add(name, call, invoked, returned, outcome)
        if killer is not None:
            await killer


async def restart_round(
    world: World, hook: Restartable, kill: Kill, width: int, call_timeout: float
) -> FaultRound:
    """One round of ``width`` clients, the World's process crashed as ``kill`` says (for the
    first client's calls), then restarted."""
    load = workload(width)
    history = History()
    crash = _Crash(hook)
    await asyncio.gather(
        *(
            _client(world, f"p{number}", calls, kill if number == 1 else None, crash, history, call_timeout)
            for number, calls in enumerate(load.clients, 1)
        )
    )
    await crash.now()
    await hook.restart()
    await record(history, OBSERVER, load.observation, world, call_timeout)
    probe = WorldCall("events.create", (make.new_id("wrun"), make.run_created()))
    await record(history, AFTER, probe, world, call_timeout)
    return FaultRound(history, kill.describe().replace("SIGKILL", "SIGKILL of the World's process"), crash.at)
