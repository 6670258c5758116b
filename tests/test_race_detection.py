"""The ci profile catches every broken World of tests/broken_worlds/races.py in 20 runs out
of 20, each run with a seed of its own (printed when one escapes, to replay it).

This calls the suites' library functions in-process, with the ci profile's settings, rather
than running pytest 20 times; benchmarks/bench_race_detection.py does the end-to-end version
and records how long each takes to be caught.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from hypothesis import seed as hypothesis_seed
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from conformance.model.machine import ModelDisagreement, model_factory
from conformance.races import edge as races
from conformance.races import transitions
from conformance.races.paging import page_while_appending
from conformance.races.processes import Workers, hunt_with_workers, shared_options
from conformance.reporting.profiles import PROFILES
from conformance.reporting.records import Evidence
from conformance.world.loading import WorldSpec
from conformance.world.oracle import oracle_version
from tests.broken_worlds import BROKEN_WORLDS, BrokenWorld
from tests.broken_worlds import races as racing_worlds
from worldspec.lines import SpecLine, line_of

CI = PROFILES["ci"]
RUNS = 20
IN_PROCESS_RACES = {
    "RS-005": races.RESILIENT_START,
    "HOOK-003": races.HOOK_TOKEN,
    "HOOK-010": races.DISPOSE_VS_RECEIVE,
    "LIN-002": races.RUN_CREATED,
    "LIN-003": races.STEP_TERMINAL,
    "LIN-005": races.CANCEL_VS_COMPLETION,
}
PROCESS_RACES = [
    races.RUN_CREATED,
    races.RESILIENT_START,
    races.HOOK_TOKEN,
    races.STEP_TERMINAL,
    races.DISPOSE_VS_RECEIVE,
    races.CANCEL_VS_COMPLETION,
]


def _spec(world: type[BrokenWorld]) -> WorldSpec:
    return WorldSpec(f"{world.__module__}:{world.__name__}")


async def _race(world: type[BrokenWorld], ident: str, seed: int) -> bool:
    """Whether the race catches the World, sent its line's requests and judged at its version."""
    opened = world()
    version = oracle_version(line_of(opened.spec_version), opened.spec_version)
    found = await races.hunt(
        opened,
        IN_PROCESS_RACES[ident].at(version),
        rounds=CI.rounds,
        width=CI.width,
        rng=random.Random(seed),
        call_timeout=CI.call_timeout,
        budget=CI.budget(),
        evidence=Evidence(),
    )
    return found is not None


async def _paging(world: type[BrokenWorld], ident: str, seed: int) -> bool:
    found = await page_while_appending(
        _spec(world), rounds=CI.rounds, rng=random.Random(seed), budget=CI.budget(), evidence=Evidence()
    )
    return found is not None


async def _processes(world: type[BrokenWorld], seeds: list[int]) -> list[int]:
    """The seeds that escape, each a whole LIN-006 hunt; the workers are started once."""
    instance = world()
    rows = await transitions.section_8_rows(SpecLine.LINE_4, oracle_version(SpecLine.LINE_4, None))
    workers = await Workers.start(_spec(world).target, shared_options(instance, _spec(world)), CI.width)
    escaped = []
    try:
        for seed in seeds:
            found = await hunt_with_workers(
                instance,
                workers,
                PROCESS_RACES,
                rounds=max(len(PROCESS_RACES), CI.rounds // 2),
                width=CI.width,
                rng=random.Random(seed),
                call_timeout=CI.call_timeout,
                budget=CI.budget(),
                evidence=Evidence(),
                then_once=rows,
            )
            if found is None:
                escaped.append(seed)
    finally:
        await workers.close()
        await instance.close()
    return escaped


def _model(world: type[BrokenWorld], seed: int) -> bool:
    loop = asyncio.new_event_loop()
    try:
        line = line_of(world().spec_version)
        machine = hypothesis_seed(seed)(model_factory(_spec(world), line, loop, CI.budget(), Evidence()))
        run_state_machine_as_test(machine, settings=settings(CI.model_settings(), database=None))
    except ModelDisagreement:
        return True
    finally:
        loop.close()
    return False


TRANSITION_TABLES = {"LIN-007": "runs", "LIN-008": "steps", "LIN-009": "hooks", "LIN-010": "waits"}


async def _transitions(world: type[BrokenWorld], ident: str, seed: int) -> bool:
    """Whether the tables of the World's line catch it, judged at its spec version."""
    opened = world()
    line = line_of(opened.spec_version)
    kind = transitions.kinds_of(line)[TRANSITION_TABLES[ident]]
    found = await transitions.hunt_transitions(
        opened,
        await transitions.races_of(kind, oracle_version(line, opened.spec_version)),
        rounds=CI.transition_rounds,
        rng=random.Random(seed),
        call_timeout=CI.call_timeout,
        budget=CI.budget(),
        evidence=Evidence(),
    )
    return found is not None


Check = Callable[[type[BrokenWorld], str, int], Coroutine[Any, Any, bool]]
CHECKS: dict[str, Check] = {ident: _race for ident in IN_PROCESS_RACES}
CHECKS["LIN-004"] = _paging
CHECKS.update({ident: _transitions for ident in TRANSITION_TABLES})

CASES = sorted(
    (
        (world, ident)
        for world in BROKEN_WORLDS.values()
        if world.__module__ == racing_worlds.__name__
        for ident in world.breaks
    ),
    key=lambda case: (case[0].__name__, case[1]),
)


@pytest.mark.parametrize(("world", "ident"), CASES, ids=lambda case: getattr(case, "__name__", case))
def test_ci_profile_catches_the_race_every_time(world: type[BrokenWorld], ident: str) -> None:
    seeds = [random.SystemRandom().randrange(2**32) for _ in range(RUNS)]
    if ident == "LIN-001":
        escaped = [seed for seed in seeds if not _model(world, seed)]
    elif ident == "LIN-006":
        escaped = asyncio.run(_processes(world, seeds))
    else:
        escaped = [seed for seed in seeds if not asyncio.run(CHECKS[ident](world, ident, seed))]
    assert not escaped, f"{world.__name__} escaped {ident} in {len(escaped)} of {RUNS} runs, seeds {escaped}"
