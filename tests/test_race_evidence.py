"""Race evidence says how a race was run: how many rounds, and how many the kit forced at the
World's pause points; and the transition tables hold the races the issue asks for."""

from __future__ import annotations

import asyncio
import random
from typing import Any

import pytest

from conformance.races import transitions
from conformance.races.interleaving import Played, Round
from conformance.reporting.profiles import PROFILES
from conformance.reporting.records import Evidence
from reference_worlds.memory import MemoryWorld
from worldspec.protocol import World


class HookNeverAwaited(MemoryWorld):
    """Has ``worldspec_interleave`` but never awaits it: its races are left to chance."""

    async def pause(self, point: str) -> None:
        return None


def _hunt(world: MemoryWorld, kind: str, count: int, seed: int = 7) -> Evidence:
    async def scenario() -> Evidence:
        evidence = Evidence()
        races = (await transitions.races_of(transitions.KINDS[kind]))[:count]
        failure = await transitions.hunt_transitions(
            world,
            races,
            rounds=2,
            rng=random.Random(seed),
            call_timeout=5.0,
            budget=PROFILES["ci"].budget(),
            evidence=evidence,
        )
        assert failure is None
        return evidence

    return asyncio.run(scenario())


def test_a_world_that_pauses_has_every_round_forced() -> None:
    # Two rounds of three races, the first of which (wait_created against itself) has one order.
    evidence = _hunt(MemoryWorld(), "waits", 3)
    assert (evidence.attempts, evidence.forced, evidence.forced_rounds) == (5, True, 5)
    assert evidence.summary() == "5 attempts, 5 forced at the World's pause points"


def test_a_hook_never_awaited_leaves_every_round_to_chance() -> None:
    evidence = _hunt(HookNeverAwaited(), "waits", 3)
    assert (evidence.attempts, evidence.forced, evidence.forced_rounds) == (5, True, 0)
    assert "no racing call reached a pause point" in evidence.summary()


def test_the_summary_tells_forced_rounds_from_chance_and_a_missing_hook() -> None:
    assert Evidence(attempts=5, forced=True, forced_rounds=3).summary() == (
        "5 attempts, 3 forced at the World's pause points, 2 left to chance"
    )
    assert Evidence(attempts=4, forced=False).summary() == (
        "4 attempts, all left to chance (the World has no worldspec_interleave hook)"
    )
    assert Evidence(attempts=9).summary() == "9 attempts"


def test_the_tables_hold_the_races_the_issue_names_and_drop_pairs_refused_alone() -> None:
    async def names() -> set[str]:
        return {race.name for kind in transitions.KINDS.values() for race in await transitions.races_of(kind)}

    table = asyncio.run(names())
    assert "run_started ∥ run_started on runs: pending" in table
    assert "run_started (resilient) ∥ run_started (resilient) on runs: pending" in table
    assert "run_started ∥ run_started (resilient) on runs: running after a resilient start" in table
    elsewhere = "hook_created (same token, other run)"
    assert f"hook_created ∥ {elsewhere} on hooks: missing" in table
    assert "hook_received ∥ run_completed on hooks: live" in table
    assert "step_completed ∥ run_cancelled on steps: running" in table
    assert "step_completed ∥ step_failed on steps: completed" not in table, "both are refused alone"
    assert "step_retrying ∥ run_completed on steps: running" not in table, "left open after the run ends"
    assert "run_completed ∥ run_failed on steps: running" not in table, "two endings race in the runs table"


def test_the_rendezvous_rounds_release_each_call_first_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Two rounds of a race of two different calls rendezvous with one call released first, then
    the other; a race of a call against itself plays one round."""
    released_first: list[str] = []
    play = transitions.run_round

    async def recording(world: World, race: Round, *arguments: Any, **options: Any) -> Played:
        assert arguments[1] == "rendezvous" and options == {"in_client_order": True}  # (rng, mode, timeout)
        request = race.clients[0][0].args[1]
        released_first.append(request.event_type)
        return await play(world, race, *arguments, **options)

    monkeypatch.setattr(transitions, "run_round", recording)
    for seed in range(5):
        released_first.clear()
        evidence = _hunt(MemoryWorld(), "waits", 2, seed=seed)
        # wait_created ∥ wait_created, then wait_created ∥ wait_completed on a missing wait
        assert evidence.attempts == 3
        assert released_first[0] == "wait_created"
        assert set(released_first[1:]) == {"wait_created", "wait_completed"}
