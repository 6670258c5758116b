"""The edge races of §8, each as a round the kit can run many times with fresh ids.

Each race builds a ``Round``: setup calls that bring the entities to the racing point, the
racing calls (one list per client) and an ``Observation`` of everything they touched. ``hunt``
runs rounds, alternating forced interleavings (``rendezvous``, then ``shuffle``), and checks
each history for linearizability against fresh in-memory oracles.

A race is judged at a spec version (``Race.spec_version``; ``Race.at`` picks another): its
rounds send that version's line's requests (``conformance.races.requests``) and its histories
are replayed on oracles of that version. The races below are at 3, the 4.x line.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace

from conformance.checks import make
from conformance.model.calls import WorldCall
from conformance.races.interleaving import Mode, Round, accepts_pauses, run_round
from conformance.races.linearizability import Violation, check
from conformance.races.requests import LineRequests, requests_of
from conformance.races.results import Observation
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.oracle import oracle_factory
from worldspec.events import EventRequest
from worldspec.lines import line_of
from worldspec.protocol import World
from worldspec.spec_version import SPEC_VERSION_CURRENT

__all__ = [
    "CANCEL_VS_COMPLETION",
    "DISPOSE_VS_RECEIVE",
    "HOOK_TOKEN",
    "RESILIENT_START",
    "RUN_CREATED",
    "STEP_TERMINAL",
    "Race",
    "RaceFailure",
    "hunt",
]


def _create(run_id: str | None, request: EventRequest) -> WorldCall:
    return WorldCall("events.create", (run_id, request))


@dataclass(frozen=True)
class Race:
    """A race of §8: its name, how to build round ``number`` (from 1) of ``width`` clients from
    a line's requests, and the spec version it is judged at."""

    name: str
    build: Callable[[random.Random, int, int, LineRequests], Round]
    spec_version: int = SPEC_VERSION_CURRENT
    """The spec version of the oracles that judge the race; its line's requests are sent."""

    def round(self, rng: random.Random, width: int, number: int) -> Round:
        """Round ``number`` of ``width`` clients, with the requests of the race's line."""
        return self.build(rng, width, number, requests_of(line_of(self.spec_version)))

    def at(self, spec_version: int) -> Race:
        """The same race, judged at ``spec_version`` and sending the requests of its line."""
        return replace(self, spec_version=spec_version)


def _run_created(requests: LineRequests) -> EventRequest:
    return requests.run_created(b"devl", make.workflow_name())


def _run_created_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    run_id = make.new_id("wrun")
    inputs = [f"devl{n}".encode() for n in range(width)]
    clients = [[_create(run_id, requests.run_created(input, make.workflow_name()))] for input in inputs]
    return Round((), clients, Observation((run_id,)))


def _resilient_start_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    """Resilient starts only in rounds 1, 2, 5, 6, ...; one ``run_created`` among them in the others."""
    run_id, name = make.new_id("wrun"), make.workflow_name()
    starts = [[_create(run_id, requests.resilient_start(f"devl{n}".encode(), name))] for n in range(width)]
    if (number - 1) % 4 >= 2:
        starts[rng.randrange(width)] = [_create(run_id, requests.run_created(b"devl", name))]
    return Round((), starts, Observation((run_id,)))


def _hook_token_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    token = f"token-{make.new_id('race')}"
    run_ids = [make.new_id("wrun") for _ in range(width)]
    setup = [_create(run_id, _run_created(requests)) for run_id in run_ids]
    clients = [[_create(run_id, make.hook_created(make.new_id("hook"), token))] for run_id in run_ids]
    return Round(setup, clients, Observation(tuple(run_ids), tokens=(token,)))


def _dispose_vs_receive_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    run_id, hook_id = make.new_id("wrun"), make.new_id("hook")
    token = f"token-{make.new_id('race')}"
    setup = [_create(run_id, _run_created(requests)), _create(run_id, make.hook_created(hook_id, token))]
    clients = [[_create(run_id, make.hook_received(hook_id))] for _ in range(width - 1)]
    clients.insert(rng.randrange(width), [_create(run_id, make.hook_disposed(hook_id))])
    return Round(setup, clients, Observation((run_id,), tokens=(token,)))


def _step_terminal_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    run_id, step_id = make.new_id("wrun"), make.new_id("step")
    setup = [
        _create(run_id, _run_created(requests)),
        _create(run_id, make.step_created(step_id)),
        _create(run_id, make.step_started(step_id)),
    ]
    finishes: list[EventRequest] = [make.step_completed(step_id), requests.step_failed(step_id)]
    clients = [[_create(run_id, rng.choice(finishes))] for _ in range(width)]
    clients[0] = [_create(run_id, make.step_completed(step_id))]
    clients[-1] = [_create(run_id, requests.step_failed(step_id))]
    return Round(setup, clients, Observation((run_id,), steps=((run_id, step_id),)))


def _cancel_vs_completion_round(rng: random.Random, width: int, number: int, requests: LineRequests) -> Round:
    run_id, step_id = make.new_id("wrun"), make.new_id("step")
    setup = [
        _create(run_id, _run_created(requests)),
        _create(run_id, make.run_started()),
        _create(run_id, make.step_created(step_id)),
        _create(run_id, make.step_started(step_id)),
    ]
    contenders: list[EventRequest] = [
        requests.run_cancelled(),
        make.step_completed(step_id),
        make.run_completed(),
    ]
    extras = [requests.run_cancelled(), requests.run_failed(), requests.step_failed(step_id)]
    contenders += [rng.choice(extras) for _ in range(max(0, width - len(contenders)))]
    rng.shuffle(contenders)
    clients = [[_create(run_id, request)] for request in contenders]
    return Round(setup, clients, Observation((run_id,), steps=((run_id, step_id),)))


RUN_CREATED = Race("N × run_created with one runId", _run_created_round)
RESILIENT_START = Race(
    "resilient run_started ∥ run_started (∥ run_created) on a missing run", _resilient_start_round
)
HOOK_TOKEN = Race("N × hook_created with one token, one per run", _hook_token_round)
DISPOSE_VS_RECEIVE = Race("hook_disposed ∥ hook_received on one hook", _dispose_vs_receive_round)
STEP_TERMINAL = Race("step_completed ∥ step_failed on one running step", _step_terminal_round)
CANCEL_VS_COMPLETION = Race(
    "run_cancelled ∥ run_completed ∥ step_completed on one running run", _cancel_vs_completion_round
)


@dataclass(frozen=True)
class RaceFailure:
    """The first round of a race whose history is not linearizable."""

    race: Race
    round: int
    mode: str
    """How the round was run: ``rendezvous`` or ``shuffle`` (forced at the World's pause
    points), ``left to chance`` (no pause point reached), or ``processes``."""
    violation: Violation

    def report(self) -> str:
        """Which round failed, how it was interleaved, and the violation explained."""
        return f"race: {self.race.name}; round {self.round} ({self.mode})\n{self.violation.report()}"


async def hunt(
    world: World,
    race: Race,
    *,
    rounds: int,
    width: int,
    rng: random.Random,
    call_timeout: float,
    budget: Budget,
    evidence: Evidence,
) -> RaceFailure | None:
    """Run up to ``rounds`` rounds of ``race`` on ``world`` (fewer when ``budget`` runs out);
    the first non-linearizable one, if any, judged against oracles at the race's spec version.
    ``evidence`` counts the rounds and those the kit
    forced, and says whether the World has the hook and whether the budget cut the rounds short.

    Rounds 1, 3, 5, ... rendezvous at the World's pause points, rounds 2, 4, ... shuffle (see
    ``conformance.races.interleaving``).
    """
    evidence.forced = accepts_pauses(world)
    for number in range(1, rounds + 1):
        if budget.spent():
            evidence.budget_reached = True
            return None
        evidence.attempts = number
        mode: Mode = "rendezvous" if number % 2 else "shuffle"
        played = await run_round(world, race.round(rng, width, number), rng, mode, call_timeout)
        evidence.forced_rounds += played.forced
        violation = await check(played.history, oracle_factory(race.spec_version))
        if violation is not None:
            return RaceFailure(race, number, mode if played.forced else "left to chance", violation)
    return None
