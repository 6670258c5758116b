"""Faults (kit addition): what a World keeps when its process is killed or its connections cut.

For Worlds with the kit's ``worldspec_faults`` hook (``worldspec.faults``). A World that can be
killed (``ProcessKill``) runs in client processes over its shared storage; in each round one
of two clients is killed with ``SIGKILL`` (between calls, at one of the World's kill points, or
after a random delay), and a World opened afresh over the same storage reads everything back
and makes a fresh create. A World whose connections can be cut (``ConnectionFaults``) has them
cut while a call runs. The rounds run once per session (``conformance.faults.campaign``) and
each invariant judges their histories; a failure names the anomaly, shows the history and
draws it (the report's picture).
"""

from __future__ import annotations

from conformance.catalogue.marker import invariant
from conformance.checks.expect import fail
from conformance.faults import judge
from conformance.faults.campaign import Campaign, campaign_for
from conformance.faults.rounds import AFTER, FaultRound
from conformance.races.picture import attach_picture
from conformance.reporting.profiles import Profile
from conformance.reporting.records import Evidence
from conformance.world.loading import WorldSpec
from worldspec.capabilities import Capability
from worldspec.protocol import World


def _fail(rule: str, found: judge.Finding, round_: FaultRound, evidence: Evidence) -> None:
    attach_picture(
        evidence,
        round_.history,
        found.ops,
        fault_at=round_.fault_at,
        fault_label=round_.fault,
        title=f"{found.anomaly}: {rule}",
    )
    fail(rule, f"{found.anomaly} after {round_.fault}", ("faults", found.report(round_.history)))


@invariant("FAULT-001", requires=Capability.FAULTS, races=True)
async def test_acknowledged_creates_survive_a_kill(
    world: World,
    world_spec: WorldSpec,
    world_profile: Profile,
    world_fault_seed: int,
    world_evidence: Evidence,
) -> None:
    """A client making a run's life of creates is killed with ``SIGKILL`` (between two calls,
    or inside one) while another client goes on; after a World is opened again over the same
    storage, every create either client saw acknowledged is in its run's log exactly once,
    and a create whose outcome is unknown at most once."""
    found = await campaign_for(world, world_spec, world_profile, world_fault_seed)
    _evidence(world_evidence, found)
    for round_ in found.kills:
        finding = judge.acknowledged_kept(round_.history)
        if finding is not None:
            _fail("every acknowledged create survives a crash, once", finding, round_, world_evidence)


@invariant("FAULT-002", requires=Capability.FAULTS, races=True)
async def test_a_call_in_flight_at_a_kill_is_atomic(
    world: World,
    world_spec: WorldSpec,
    world_profile: Profile,
    world_fault_seed: int,
    world_evidence: Evidence,
) -> None:
    """A client is killed inside a call that changes an entity (at each of the World's kill
    points in turn, then once after a random delay of up to 3 ms; for a World in a process of
    its own, that process is killed up to 30 ms after a call was sent) while another client
    goes on; read through a World opened again, the history is linearizable with the call in
    flight taking effect whole or not at all: no torn event, no entity change without its
    event, no token claimed without its hook."""
    found = await campaign_for(world, world_spec, world_profile, world_fault_seed)
    _evidence(world_evidence, found)
    for round_ in found.inside:
        finding = await judge.in_flight_atomic(round_.history)
        if finding is not None:
            _fail(
                "a call in flight at a crash takes effect whole or not at all",
                finding,
                round_,
                world_evidence,
            )


@invariant("FAULT-003", requires=Capability.FAULTS, races=True)
async def test_entities_equal_their_log_after_a_kill(
    world: World,
    world_spec: WorldSpec,
    world_profile: Profile,
    world_fault_seed: int,
    world_evidence: Evidence,
) -> None:
    """After every kill of the campaign, read through a World opened again: each run's status,
    each step's status and attempt, each run's live hooks and the token's holder equal what
    the logs read at the same time imply."""
    found = await campaign_for(world, world_spec, world_profile, world_fault_seed)
    _evidence(world_evidence, found)
    for round_ in found.kills:
        finding = judge.entities_match_logs(round_.history)
        if finding is not None:
            _fail("after a crash, every entity equals what its log implies", finding, round_, world_evidence)


@invariant("FAULT-004", requires=Capability.FAULTS, races=True)
async def test_the_world_answers_again_after_a_fault(
    world: World,
    world_spec: WorldSpec,
    world_profile: Profile,
    world_fault_seed: int,
    world_evidence: Evidence,
) -> None:
    """After every kill, a World opened again over the same storage answers the observation
    and a fresh ``run_created``. Where the World's connections can be cut, they are cut while
    a call runs: every call refused meanwhile gets an error the runtime retries
    (``WorkflowWorldError``, ``ThrottleError``), no call gets an answer no serial order gives,
    and afterwards the World answers again (each call allowed a few retryable refusals, as the
    runtime's queue would redeliver it)."""
    found = await campaign_for(world, world_spec, world_profile, world_fault_seed)
    _evidence(world_evidence, found)
    for round_ in found.kills:
        finding = judge.answers_again(round_.history, [op for op in round_.history.ops if op.client == AFTER])
        if finding is not None:
            _fail("a World answers again after a crash", finding, round_, world_evidence)
    for round_, window in found.connections:
        after = [op for op in round_.history.ops if op.client == AFTER]
        finding = (
            judge.refusals_retryable(round_.history, window)
            or judge.answers_again(round_.history, after)
            or await judge.in_flight_atomic(judge.retryable_as_unknown(round_.history))
        )
        if finding is not None:
            if finding.anomaly in ("torn-write", "lost-write"):
                finding = judge.Finding("wrong-answer-during-fault", finding.text, finding.ops)
            _fail(
                "a call during a connection fault is refused retryably or answered rightly",
                finding,
                round_,
                world_evidence,
            )


def _evidence(evidence: Evidence, found: Campaign) -> None:
    evidence.attempts = len(found.kills) + len(found.connections)
    evidence.notes.append(found.describe())
