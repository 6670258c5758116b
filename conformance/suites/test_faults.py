"""Faults (kit addition): what a World keeps when its process is killed or its connections cut.

For Worlds with the kit's ``worldspec_faults`` hook (``worldspec.faults``). A World that can be
killed (``ProcessKill``) runs in client processes over its shared storage; in each round one
client is killed with ``SIGKILL`` (between calls, at one of the World's kill points, or after a
random delay), and a World opened afresh over the same storage reads everything back. A World
whose connections can be cut (``ConnectionFaults``) also has them cut mid-call. Each round's
history is judged as the races' are; a failure names the anomaly, shows the history, and draws
it (``history.svg`` in the report).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from typing import cast

from conformance.catalogue.marker import invariant
from conformance.checks.expect import fail
from conformance.faults import judge
from conformance.faults.connections import connection_round
from conformance.faults.rounds import AFTER, Clients, FaultRound, crash_round, kill_for
from conformance.races.picture import attach_picture
from conformance.races.processes import shared_options
from conformance.reporting.profiles import Profile
from conformance.reporting.records import Evidence
from conformance.world.capabilities import faults_of, unwrapped
from conformance.world.loading import WorldSpec
from worldspec.capabilities import Capability
from worldspec.faults import ConnectionFaults, ProcessKill
from worldspec.protocol import World

Judge = Callable[[FaultRound], Awaitable[judge.Finding | None]]

ROUNDS = {"quick": 1, "ci": 2, "thorough": 10}
"""Kill rounds per test and profile; a World with kill points gets at least one round per point
in FAULT-002."""

WIDTH = 2
"""Clients per kill round: the one killed and one that goes on."""


def _fail(rule: str, found: judge.Finding, round_: FaultRound, evidence: Evidence) -> None:
    attach_picture(
        evidence, round_.history, found.ops, fault_at=round_.fault_at, fault_label=round_.fault,
        title=f"{found.anomaly}: {rule}",
    )
    fail(rule, f"{found.anomaly} after {round_.fault}", ("faults", found.report(round_.history)))


async def _kill_rounds(
    world: World,
    spec: WorldSpec,
    profile: Profile,
    seed: int,
    evidence: Evidence,
    *,
    mode: str,
    rule: str,
    judging: Judge,
    rounds: int,
) -> None:
    hook = faults_of(world)
    if not isinstance(hook, ProcessKill):
        evidence.notes.append("no ProcessKill hook: no process was killed")
        return
    rng = random.Random(seed)
    clients = Clients(spec, shared_options(cast(World, unwrapped(world)), spec))
    try:
        for number in range(1, rounds + 1):
            evidence.attempts = number
            kill = kill_for(rng, mode, tuple(hook.kill_points), number)
            round_ = await crash_round(clients, WIDTH, kill, profile.call_timeout)
            found = await judging(round_)
            if found is not None:
                _fail(rule, found, round_, evidence)
    finally:
        await clients.close()


def _rounds(profile: Profile) -> int:
    return ROUNDS.get(profile.name, 2)


@invariant("FAULT-001", requires=Capability.FAULTS, races=True)
async def test_acknowledged_creates_survive_a_kill(
    world: World, world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """A client making a run's life of creates is killed with ``SIGKILL`` between two calls,
    while another client goes on; after a World is opened again over the same storage, every
    create either client saw acknowledged is in its run's log exactly once."""

    async def judging(round_: FaultRound) -> judge.Finding | None:
        return judge.acknowledged_kept(round_.history)

    await _kill_rounds(
        world, world_spec, world_profile, world_seed, world_evidence,
        mode="between", rule="every acknowledged create survives a crash, once", judging=judging,
        rounds=_rounds(world_profile),
    )


@invariant("FAULT-002", requires=Capability.FAULTS, races=True)
async def test_a_call_in_flight_at_a_kill_is_atomic(
    world: World, world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """A client is killed inside a call (at each of the World's kill points in turn, or after a
    random delay of up to 3 ms), while another client goes on; read through a World opened
    again, the history is linearizable with the call in flight taking effect whole or not at
    all: no torn event, no entity change without its event, no token claimed without its hook."""
    hook = faults_of(world)
    points = len(hook.kill_points) if isinstance(hook, ProcessKill) else 0
    await _kill_rounds(
        world, world_spec, world_profile, world_seed, world_evidence,
        mode="inside", rule="a call in flight at a crash takes effect whole or not at all",
        judging=lambda round_: judge.in_flight_atomic(round_.history),
        rounds=max(_rounds(world_profile), points),
    )


@invariant("FAULT-003", requires=Capability.FAULTS, races=True)
async def test_entities_equal_their_log_after_a_kill(
    world: World, world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """A client is killed inside a call (kill points in turn, or a random delay); read through
    a World opened again, each run's status, each step's status and attempt, each run's live
    hooks and the token's holder equal what the logs read at the same time imply."""

    async def judging(round_: FaultRound) -> judge.Finding | None:
        return judge.entities_match_logs(round_.history)

    await _kill_rounds(
        world, world_spec, world_profile, world_seed + 1, world_evidence,
        mode="inside", rule="after a crash, every entity equals what its log implies", judging=judging,
        rounds=_rounds(world_profile),
    )


@invariant("FAULT-004", requires=Capability.FAULTS, races=True)
async def test_the_world_answers_again_after_a_fault(
    world: World, world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """After a client is killed inside a call, a World opened again over the same storage
    answers the observation and a fresh ``run_created``. Where the World's connections can be
    cut, they are cut while a call runs: every call refused meanwhile gets an error the runtime
    retries (``WorkflowWorldError``, ``ThrottleError``), no call gets an answer no serial order
    gives, and afterwards the World answers again (each call allowed a few retryable
    refusals, as the runtime's queue would redeliver)."""
    hook = faults_of(world)

    async def judging(round_: FaultRound) -> judge.Finding | None:
        after = [op for op in round_.history.ops if op.client == AFTER]
        return judge.answers_again(round_.history, after)

    await _kill_rounds(
        world, world_spec, world_profile, world_seed + 2, world_evidence,
        mode="inside", rule="a World answers again after a crash", judging=judging,
        rounds=1,
    )
    if not isinstance(hook, ConnectionFaults):
        return
    rng = random.Random(world_seed + 3)
    for number in range(1, _rounds(world_profile) + 1):
        world_evidence.attempts += 1
        round_, window = await connection_round(cast(World, unwrapped(world)), hook, rng, world_profile.call_timeout)
        after = [op for op in round_.history.ops if op.client == AFTER]
        found = (
            judge.refusals_retryable(round_.history, window)
            or judge.answers_again(round_.history, after)
            or await judge.in_flight_atomic(judge.retryable_as_unknown(round_.history))
        )
        if found is not None:
            if found.anomaly in ("torn-write", "lost-write"):
                found = judge.Finding("wrong-answer-during-fault", found.text, found.ops)
            _fail("a call during a connection fault is refused retryably or answered rightly", found, round_, world_evidence)
