"""The fault rounds of one session, run once and judged by every FAULT invariant.

Killing processes is the costly part of the family (each kill costs a process start), and
every invariant of it judges the same kind of history, so the first FAULT test of a session
runs the *campaign* and the others judge the histories it kept: kills between calls, kills
inside calls (at each of the World's kill points in turn, or after random delays), and, where
the World's connections can be cut, connection rounds. The campaign's randomness derives from
the family's seed, so rerunning one FAULT test replays the same kills.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import cast

from conformance.checks.expect import deviate, judged_invariant
from conformance.faults.clients import Kill
from conformance.faults.connections import connection_round
from conformance.faults.restarts import restart_round
from conformance.faults.rounds import Clients, FaultRound, crash_round, kill_for
from conformance.races.processes import shared_options
from conformance.reporting.profiles import Profile
from conformance.world.capabilities import faults_of, unwrapped
from conformance.world.loading import WorldSpec
from worldspec.faults import ConnectionFaults, ProcessKill, Restartable
from worldspec.protocol import World

__all__ = ["CONNECTION_ROUNDS_AT_LEAST", "ROUNDS", "WIDTH", "Campaign", "campaign_for"]

ROUNDS = {"quick": 1, "ci": 2, "thorough": 10}
"""Rounds of each kind per profile; kills inside calls get at least one round per kill point
and one killed after a random delay."""

CONNECTION_ROUNDS_AT_LEAST = 2
"""Connection rounds in every profile, ``quick`` included: each cuts the connections once at a
random point of one client's calls, and a bug that shows only when the cut falls after a commit
and before its answer escaped one round in about eight. They cost milliseconds each."""

WIDTH = 2
"""Clients per kill round: the one killed and one that goes on."""

RESTART_DELAY_SCALE = 10
"""A World in a process of its own answers over a socket, an order of magnitude slower than a
World in the client's process: its random kill delays (0–3 ms) are stretched by this much."""


@dataclass
class Campaign:
    """The histories of a session's fault rounds, by kind."""

    between: list[FaultRound] = field(default_factory=list)
    """Rounds whose victim was killed between two calls: nothing of it was in flight."""
    inside: list[FaultRound] = field(default_factory=list)
    """Rounds whose victim was killed inside a call."""
    connections: list[tuple[FaultRound, tuple[int, int]]] = field(default_factory=list)
    """Connection rounds and the window the connections were cut in."""

    @property
    def kills(self) -> list[FaultRound]:
        """Every kill round."""
        return self.between + self.inside

    def describe(self) -> str:
        """``2 kills between calls, 4 inside calls, 2 connection cuts`` for the evidence, and
        the kill points no call reached, if any."""
        missed = [round_.fault for round_ in self.kills if round_.fault_at is None]
        text = (
            f"{len(self.between)} kills between calls, {len(self.inside)} inside calls, "
            f"{len(self.connections)} connection cuts (one campaign per session, shared by FAULT-*)"
        )
        return text + "".join(f"; {fault}" for fault in missed)


_CampaignKey = tuple[str, str, str, int]
_CAMPAIGNS: dict[_CampaignKey, Campaign] = {}
_UNFINISHED: dict[_CampaignKey, str] = {}
"""Campaigns begun and neither finished nor failed, by the invariant whose test began them: one
the harness gave up on (cancelled, or blocked in the World's code) stays here."""


async def campaign_for(world: World, spec: WorldSpec, profile: Profile, seed: int) -> Campaign:
    """The session's campaign against the World ``spec`` opens, run on first use over the
    storage of ``world``. A campaign an earlier test of the session began and never finished
    (the harness gave up on it: the World blocked) is not begun again, which would cost every
    FAULT test the whole deadline: the test is not judged, and names the one that timed out."""
    key = (spec.target, repr(sorted(spec.options.items())), profile.name, seed)
    if key in _CAMPAIGNS:
        return _CAMPAIGNS[key]
    began = _UNFINISHED.get(key)
    if began is not None:
        deviate(
            "the session's fault campaign",
            f"never finished: the test of {began} began it and timed out, so it is not run again",
            began,
        )
    _UNFINISHED[key] = judged_invariant() or "an earlier FAULT test"
    try:
        campaign = await _run(world, spec, profile, seed)
    except Exception:
        # A campaign that failed is begun again by the next test, which reports the failure
        # too; one cancelled (the harness gave up on it) or still blocked stays unfinished.
        del _UNFINISHED[key]
        raise
    del _UNFINISHED[key]
    _CAMPAIGNS[key] = campaign
    return campaign


async def _run(world: World, spec: WorldSpec, profile: Profile, seed: int) -> Campaign:
    rng = random.Random(seed)
    rounds = ROUNDS.get(profile.name, ROUNDS["ci"])
    itself = cast(World, unwrapped(world))
    hook = faults_of(world)
    found = Campaign()
    if isinstance(hook, ProcessKill):
        points = tuple(hook.kill_points)
        clients = Clients(spec, shared_options(itself, spec))
        try:
            for number in range(1, rounds + 1):
                kill = kill_for(rng, "between", points, number)
                found.between.append(await crash_round(clients, WIDTH, kill, profile.call_timeout))
            for number in range(1, max(rounds, len(points) + 1) + 1):
                kill = kill_for(rng, "inside", points, number)
                found.inside.append(await crash_round(clients, WIDTH, kill, profile.call_timeout))
        finally:
            await clients.close()
    if isinstance(hook, Restartable):
        for mode, kept in (("between", found.between), ("inside", found.inside)):
            for number in range(1, rounds + 1):
                kill = kill_for(rng, mode, (), number)
                if kill.delay_ms is not None:
                    kill = Kill(kill.call, delay_ms=kill.delay_ms * RESTART_DELAY_SCALE)
                kept.append(await restart_round(itself, hook, kill, WIDTH, profile.call_timeout))
    if isinstance(hook, ConnectionFaults):
        for _ in range(max(rounds, CONNECTION_ROUNDS_AT_LEAST)):
            found.connections.append(await connection_round(itself, hook, rng, profile.call_timeout))
    return found
