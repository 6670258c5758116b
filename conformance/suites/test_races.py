"""Races (§8, §9): the edge races of the contract, forced, and judged by linearizability.

Each test runs many rounds of one race with fresh ids (``--world-profile`` sets how many and
how wide), forcing interleavings where the World allows pauses (``worldspec_interleave``), and
checks every history against fresh in-memory oracles: some serial order, consistent with real
time, must explain every outcome and the state read afterwards. A failure names the anomaly
and shows the smallest sub-history that has it, and the history is drawn (the report's picture,
the witness's calls outlined). Racing calls go to the World itself, not
through the kit's recorder, so the report shows the history instead of a replay program.
"""

from __future__ import annotations

import random
from typing import cast

from conformance.catalogue.marker import invariant
from conformance.checks.expect import fail
from conformance.races import edge as races
from conformance.races import transitions
from conformance.races.linearizability import Violation
from conformance.races.paging import page_while_appending
from conformance.races.picture import attach_picture
from conformance.races.processes import UnsharedStorageError, hunt_across_processes
from conformance.reporting.profiles import Profile
from conformance.reporting.records import Evidence
from conformance.world.capabilities import unwrapped
from conformance.world.loading import WorldSpec
from conformance.world.oracle import oracle_version
from worldspec.capabilities import Capability
from worldspec.lines import SpecLine
from worldspec.protocol import World


def _draw(evidence: Evidence, violation: Violation, race_name: str) -> None:
    attach_picture(
        evidence,
        violation.history,
        [op.index for op in violation.witness],
        title=f"{violation.anomaly}: {race_name}",
    )


async def _hunt(
    world: World, line: SpecLine, race: races.Race, profile: Profile, seed: int, evidence: Evidence
) -> None:
    """Hunt ``race`` on ``world``, sending the requests of ``line`` and judging at the World's
    spec version (``oracle_version``)."""
    inner = cast(World, unwrapped(world))
    failure = await races.hunt(
        inner,
        race.at(oracle_version(line, getattr(inner, "spec_version", None))),
        rounds=profile.rounds,
        width=profile.width,
        rng=random.Random(seed),
        call_timeout=profile.call_timeout,
        budget=profile.budget(),
        evidence=evidence,
    )
    if failure is not None:
        _draw(evidence, failure.violation, race.name)
        fail(
            f"every history of {race.name} is linearizable (§8)",
            f"produced a history no serial order explains ({failure.violation.anomaly})",
            ("violation", failure.report()),
        )


@invariant("RS-005", races=True)
async def test_resilient_start_races(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """N resilient ``run_started`` on a missing run, half the rounds with a ``run_created`` for
    the same id among them, raced: exactly one run, one ``run_created`` before ``run_started``,
    the run ends running, and every caller sees the running run or a documented error. On the
    5.x line the starts carry the 5.x eventData, and the run's log must hold slots 1…n."""
    await _hunt(world, world_line, races.RESILIENT_START, world_profile, world_seed, world_evidence)


@invariant("HOOK-003", races=True)
async def test_hook_created_races_for_one_token(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """N ``hook_created`` with one token, each on a run of its own, raced: one hook is
    created, the others get ``hook_conflict`` naming the winner's run, and the token has one
    live holder. Judged alike on both lines (the 5.x runs made by 5.x ``run_created``)."""
    await _hunt(world, world_line, races.HOOK_TOKEN, world_profile, world_seed, world_evidence)


@invariant("HOOK-010", races=True)
async def test_hook_disposed_races_hook_received(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """``hook_disposed`` raced against ``hook_received`` calls on one hook: each receive is
    ordered before the disposal or refused with ``HookNotFoundError``; no ``hook_received``
    follows the ``hook_disposed`` in the log. Judged alike on both lines."""
    await _hunt(world, world_line, races.DISPOSE_VS_RECEIVE, world_profile, world_seed, world_evidence)


@invariant("LIN-002", races=True)
async def test_run_created_races_for_one_run_id(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """N ``run_created`` with one client runId, raced: one succeeds, the rest get
    ``EntityConflictError``, and the log holds one ``run_created``. On the 5.x line the
    requests are 5.x ``run_created`` and the log must hold slots 1…n."""
    await _hunt(world, world_line, races.RUN_CREATED, world_profile, world_seed, world_evidence)


@invariant("LIN-003", races=True)
async def test_step_completed_races_step_failed(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """``step_completed`` and ``step_failed`` raced on one running step: one terminal event is
    appended, every other call gets ``EntityConflictError``. On the 5.x line ``step_failed``
    sends its error as a payload and the log must hold slots 1…n."""
    await _hunt(world, world_line, races.STEP_TERMINAL, world_profile, world_seed, world_evidence)


@invariant("LIN-005", races=True)
async def test_run_cancelled_races_completion(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """``run_cancelled``, ``run_completed`` and ``step_completed`` (and in wider rounds
    ``run_failed``, ``step_failed``, another ``run_cancelled``) raced on a running run with a
    running step: one run transition wins, the step finishes at most once, and every outcome
    fits one serial order (an in-flight step may still complete after the run ended, §4.6; v7
    §4.6 keeps that). On the 5.x line the endings are the 5.x requests (a cancel with its
    reason, errors as payloads) and the log must hold slots 1…n."""
    await _hunt(world, world_line, races.CANCEL_VS_COMPLETION, world_profile, world_seed, world_evidence)


@invariant("LIN-004", races=True)
async def test_paging_while_events_are_appended(
    world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """``events.list`` paged with limits of 1–3, ascending and descending, while events are
    appended between and during the page reads: every event that existed when paging began is
    returned exactly once, and events come back in append order. On a World that takes the
    kit's clock, the clock stands still, so all events share one millisecond. Each round
    opens a World of its own."""
    failure = await page_while_appending(
        world_spec,
        rounds=world_profile.rounds,
        rng=random.Random(world_seed),
        budget=world_profile.budget(),
        evidence=world_evidence,
    )
    if failure is not None:
        fail(
            "paging events.list while events are appended loses, repeats and reorders nothing (§9)",
            f"paged with {failure.anomaly}",
            ("paging", failure.report()),
        )


@invariant("LIN-006", requires=Capability.MULTI_PROCESS, races=True)
async def test_races_across_processes(
    world: World, world_spec: WorldSpec, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """The races of RS-005, HOOK-003, HOOK-010 and LIN-002/003/005, then once each the rows of
    §8's table from the 4.x transition tables (every call raced against itself, every create
    against each run ending, in every state), with each racing call made by a separate OS
    process (``python -m conformance.races.worker``) over the same storage, released together,
    half the rounds paused at the World's pause points: every history is linearizable. Only for
    Worlds that declare ``multi_process``; the workers must first find a run the test's World
    created (``worldspec_shared_options`` says how to open the same storage)."""
    all_races = [
        races.RUN_CREATED,
        races.RESILIENT_START,
        races.HOOK_TOKEN,
        races.STEP_TERMINAL,
        races.DISPOSE_VS_RECEIVE,
        races.CANCEL_VS_COMPLETION,
    ]
    inner = cast(World, unwrapped(world))
    rows = await transitions.section_8_rows(SpecLine.LINE_4, oracle_version(SpecLine.LINE_4, None))
    try:
        failure = await hunt_across_processes(
            inner,
            world_spec,
            all_races,
            rounds=max(len(all_races), world_profile.rounds // 2),
            width=world_profile.width,
            rng=random.Random(world_seed),
            call_timeout=world_profile.call_timeout,
            budget=world_profile.budget(),
            evidence=world_evidence,
            then_once=rows,
        )
    except UnsharedStorageError as error:
        fail("Worlds opened in worker processes share the storage of the test's World", str(error))
    if failure is not None:
        _draw(world_evidence, failure.violation, failure.race.name)
        fail(
            f"every history of {failure.race.name} is linearizable across processes (§8, §12)",
            f"produced a history no serial order explains ({failure.violation.anomaly})",
            ("violation", failure.report()),
        )


async def _hunt_transitions(
    world: World, line: SpecLine, kind_name: str, profile: Profile, seed: int, evidence: Evidence
) -> None:
    inner = cast(World, unwrapped(world))
    kind = transitions.kinds_of(line)[kind_name]
    version = oracle_version(line, getattr(inner, "spec_version", None))
    failure = await transitions.hunt_transitions(
        inner,
        await transitions.races_of(kind, version),
        rounds=profile.transition_rounds,
        rng=random.Random(seed),
        call_timeout=profile.call_timeout,
        budget=profile.budget(),
        evidence=evidence,
    )
    if failure is not None:
        fail(
            f"every race of two {kind.name} transitions, in every state, is linearizable (§8)",
            f"produced a history no serial order explains ({failure.violation.anomaly})",
            ("violation", failure.report()),
        )


@invariant("LIN-007", races=True)
async def test_every_run_transition_raced(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """Each pair of ``run_created``, ``run_started`` (plain and resilient), ``run_completed``,
    ``run_failed`` and ``run_cancelled`` (a call paired with itself too) raced on one run that
    is missing, pending, running, running after a resilient start, or cancelled, wherever one
    of the two succeeds alone: every history is linearizable (``conformance.races.transitions``).
    On the 5.x line the requests are that line's, the oracle speaks the World's spec version, a
    ``run_started`` that loses to an ending may be refused with ``RunExpiredError`` or
    ``EntityConflictError`` (v7 §4.2), and the log read afterwards must hold slots 1…n in order."""
    await _hunt_transitions(world, world_line, "runs", world_profile, world_seed, world_evidence)


@invariant("LIN-008", races=True)
async def test_every_step_transition_raced(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """Each pair of ``step_created``, ``step_started``, ``step_retrying``, ``step_completed``
    and ``step_failed``, and each of them against the run's three endings, raced on one step
    that is missing, pending, running, retrying or completed (on a running run), wherever one
    of the two succeeds alone: every history is linearizable. Not raced against an ending: the
    calls whose fate after it the contract leaves open (finishing or retrying a pending step,
    retrying a running one; TERM-004 is a SHOULD, and v7 §4.6 leaves the same calls open). On
    the 5.x line the lazy ``step_started`` is one more call, raced against each of the others
    (itself and ``step_created`` included, v7 §8) and from one more state, a step a lazy start
    created; the log read afterwards must hold slots 1…n in order."""
    await _hunt_transitions(world, world_line, "steps", world_profile, world_seed, world_evidence)


@invariant("LIN-009", races=True)
async def test_every_hook_transition_raced(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """Each pair of ``hook_created`` (one hook id), ``hook_created`` for the same token from a
    second run, ``hook_received``, ``hook_disposed``, ``run_completed`` and ``run_cancelled``
    raced on a hook that is missing, live or disposed, wherever one of the two succeeds alone:
    every history is linearizable, and the token has at most one live holder. On the 5.x line a
    ``hook_received`` that loses to an ending may be refused with ``HookNotFoundError`` or
    ``RunExpiredError`` (v7 §4.4); no hook is retained (the races send no
    ``tokenRetentionUntil``)."""
    await _hunt_transitions(world, world_line, "hooks", world_profile, world_seed, world_evidence)


@invariant("LIN-010", races=True)
async def test_every_wait_transition_raced(
    world: World, world_line: SpecLine, world_profile: Profile, world_seed: int, world_evidence: Evidence
) -> None:
    """Each pair of ``wait_created``, ``wait_completed`` and the run's three endings raced on
    one wait that is missing, waiting or completed, wherever one of the two succeeds alone:
    every history is linearizable. On the 5.x line the log read afterwards must also hold slots
    1…n in order."""
    await _hunt_transitions(world, world_line, "waits", world_profile, world_seed, world_evidence)
