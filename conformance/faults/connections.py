"""A connection fault round: the World's database connections are cut while a client's calls
are in flight, in the test process, through ``ConnectionFaults.drop_connections``.

The client makes the workload's calls one after another; after a random number of them, the
connections are cut while the next call runs. Afterwards the World must answer again: a fresh
``run_created`` and the observation are made, each allowed ``RETRIES`` refusals the runtime
would retry (as its queue would redeliver the message), and recorded with their last outcome.
"""

from __future__ import annotations

import asyncio
import random
import time

from conformance.checks import make
from conformance.faults.judge import RETRYABLE_ERRORS
from conformance.faults.rounds import AFTER, FaultRound
from conformance.faults.workload import CALLS_PER_CLIENT, workload
from conformance.model.calls import WorldCall
from conformance.races.interleaving import record
from conformance.races.linearizability import OBSERVER, History
from worldspec.faults import ConnectionFaults
from worldspec.protocol import World

__all__ = ["RETRIES", "connection_round"]

RETRIES = 3
"""Retryable refusals allowed to each call after the fault before it counts as unanswered."""


async def _retried(history: History, client: str, call: object, world: World, call_timeout: float) -> None:
    for _ in range(RETRIES):
        scratch = History()
        await record(scratch, client, call, world, call_timeout)
        op = scratch.ops[0]
        if op.outcome.kind == "ok" or op.outcome.value not in RETRYABLE_ERRORS:
            break
    history.add(client, op.call, op.invoked, op.returned, op.outcome)


async def connection_round(
    world: World, hook: ConnectionFaults, rng: random.Random, call_timeout: float
) -> tuple[FaultRound, tuple[int, int]]:
    """One round; the round and the window (``time.monotonic_ns``) the connections were cut in."""
    load = workload(1)
    history = History()
    cut_after = rng.randrange(CALLS_PER_CLIENT)
    window = (0, 0)
    for number, call in enumerate(load.clients[0]):
        if number == cut_after:
            pending = asyncio.create_task(record(history, "p1", call, world, call_timeout))
            await asyncio.sleep(rng.uniform(0.0, 0.002))
            start = time.monotonic_ns()
            await hook.drop_connections()
            await pending
            window = (start, time.monotonic_ns())
        else:
            await record(history, "p1", call, world, call_timeout)
    probe = WorldCall("events.create", (make.new_id("wrun"), make.run_created()))
    await _retried(history, AFTER, probe, world, call_timeout)
    await _retried(history, OBSERVER, load.observation, world, call_timeout)
    return FaultRound(
        history, "every database connection of the World cut from the server side", window[0]
    ), window
