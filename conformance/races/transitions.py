"""Every transition raced: a generated table of (call A, call B, state) races on one entity.

§8 names a handful of races; a backend can lose any transition to a concurrent one. This
module builds the rest from four small tables, one per kind of entity (``KINDS``): the calls
that can meet an entity of that kind (its own events, and the run's endings, which end it from
above) and the states it can be met in, each state a list of setup calls. The races of a kind
are every unordered pair of its own calls (a call paired with itself too) and each own call
against each run ending, in every state, kept when at least one of the two calls succeeds
alone in that state on the oracle; a pair both of whose calls are refused alone shows nothing
about ordering.

Each race is run by the same mechanism as the edge races (``conformance.races.interleaving``):
two clients released together, held at the World's pause points where it has the hook, the
history then judged by the linearizability checker against fresh oracles.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from conformance.checks import make
from conformance.model.calls import WorldCall
from conformance.races.edge import Race, RaceFailure
from conformance.races.interleaving import Mode, Round, accepts_pauses, record, run_round
from conformance.races.linearizability import SETUP, History, check
from conformance.races.results import Observation
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.oracle import as_world, new_oracle
from worldspec.events import EventRequest
from worldspec.protocol import World

__all__ = ["KINDS", "Kind", "Move", "State", "TransitionRace", "hunt_transitions", "races_of"]

RESUME_AT = datetime(2999, 1, 1, tzinfo=UTC)
"""When raced waits resume: far enough ahead that no wait resumes during a race."""


@dataclass(frozen=True)
class Ids:
    """The fresh ids of one round: the run raced on, a second run (for a token two runs want),
    one step, one hook with its token, one wait, and the workflow name of resilient starts."""

    run: str
    other_run: str
    step: str
    hook: str
    token: str
    wait: str
    workflow: str

    @classmethod
    def fresh(cls) -> Ids:
        """Ids no other round uses."""
        return cls(
            make.new_id("wrun"),
            make.new_id("wrun"),
            make.new_id("step"),
            make.new_id("hook"),
            f"token-{make.new_id('race')}",
            make.new_id("wait"),
            make.workflow_name(),
        )


def _on(run: Callable[[Ids], str], request: Callable[[Ids], EventRequest]) -> Callable[[Ids], WorldCall]:
    return lambda ids: WorldCall("events.create", (run(ids), request(ids)))


def _main_run(ids: Ids) -> str:
    return ids.run


@dataclass(frozen=True)
class Move:
    """One call that can meet the raced entity, named as the table shows it."""

    name: str
    call: Callable[[Ids], WorldCall]


def _move(name: str, request: Callable[[Ids], EventRequest], run: Callable[[Ids], str] = _main_run) -> Move:
    return Move(name, _on(run, request))


@dataclass(frozen=True)
class State:
    """A state the raced entity can be in, and the setup calls (in order) that reach it."""

    name: str
    setup: tuple[Move, ...]


def _state(name: str, *moves: Move) -> State:
    return State(name, moves)


@dataclass(frozen=True)
class Kind:
    """The races about one kind of entity: its calls, its states, and what to observe."""

    name: str
    moves: tuple[Move, ...]
    states: tuple[State, ...]
    observe: Callable[[Ids], Observation]
    borrowed: tuple[Move, ...] = ()
    """Calls of another kind that can meet this one (the run's endings): raced against each of
    this kind's own calls, never against each other (that race belongs to their own kind)."""
    left_open: frozenset[tuple[str, str]] = frozenset()
    """``(state, call)`` pairs not raced against the borrowed calls: where, once the run has
    ended, the contract lets the World accept or refuse the call, so no serial order binds it."""

    def pairs(self, state: State) -> list[tuple[Move, Move]]:
        """Every unordered pair of calls this kind races in ``state``, a call with itself too."""
        own = list(itertools.combinations_with_replacement(self.moves, 2))
        chosen = [move for move in self.moves if (state.name, move.name) not in self.left_open]
        return own + [(move, ending) for move in chosen for ending in self.borrowed]


RUN_CREATED = _move("run_created", lambda ids: make.run_created(name=ids.workflow))
RUN_STARTED = _move("run_started", lambda ids: make.run_started())
RESILIENT_START = _move(
    "run_started (resilient)",
    lambda ids: make.run_started(resilient=True, input=b"devl", name=ids.workflow),
)
RUN_COMPLETED = _move("run_completed", lambda ids: make.run_completed())
RUN_FAILED = _move("run_failed", lambda ids: make.run_failed())
RUN_CANCELLED = _move("run_cancelled", lambda ids: make.run_cancelled())
RUN_ENDINGS = (RUN_COMPLETED, RUN_FAILED, RUN_CANCELLED)

STEP_CREATED = _move("step_created", lambda ids: make.step_created(ids.step))
STEP_STARTED = _move("step_started", lambda ids: make.step_started(ids.step))
STEP_RETRYING = _move("step_retrying", lambda ids: make.step_retrying(ids.step))
STEP_COMPLETED = _move("step_completed", lambda ids: make.step_completed(ids.step))
STEP_FAILED = _move("step_failed", lambda ids: make.step_failed(ids.step))

HOOK_CREATED = _move("hook_created", lambda ids: make.hook_created(ids.hook, ids.token))
HOOK_CREATED_ELSEWHERE = _move(
    "hook_created (same token, other run)",
    lambda ids: make.hook_created(f"{ids.hook}x", ids.token),
    lambda ids: ids.other_run,
)
HOOK_RECEIVED = _move("hook_received", lambda ids: make.hook_received(ids.hook))
HOOK_DISPOSED = _move("hook_disposed", lambda ids: make.hook_disposed(ids.hook))

WAIT_CREATED = _move("wait_created", lambda ids: make.wait_created(ids.wait, RESUME_AT))
WAIT_COMPLETED = _move("wait_completed", lambda ids: make.wait_completed(ids.wait))

OTHER_RUN_RUNNING = (
    _move("run_created", lambda ids: make.run_created(), lambda ids: ids.other_run),
    _move("run_started", lambda ids: make.run_started(), lambda ids: ids.other_run),
)
RUNNING = (RUN_CREATED, RUN_STARTED)

RUNS = Kind(
    "runs",
    (RUN_CREATED, RUN_STARTED, RESILIENT_START, *RUN_ENDINGS),
    (
        _state("missing"),
        _state("pending", RUN_CREATED),
        _state("running", *RUNNING),
        _state("running after a resilient start", RESILIENT_START),
        _state("cancelled", *RUNNING, RUN_CANCELLED),
    ),
    lambda ids: Observation((ids.run,)),
)
STEPS = Kind(
    "steps",
    (STEP_CREATED, STEP_STARTED, STEP_RETRYING, STEP_COMPLETED, STEP_FAILED),
    (
        _state("missing", *RUNNING),
        _state("pending", *RUNNING, STEP_CREATED),
        _state("running", *RUNNING, STEP_CREATED, STEP_STARTED),
        _state("retrying", *RUNNING, STEP_CREATED, STEP_STARTED, STEP_RETRYING),
        _state("completed", *RUNNING, STEP_CREATED, STEP_STARTED, STEP_COMPLETED),
    ),
    lambda ids: Observation((ids.run,), steps=((ids.run, ids.step),)),
    RUN_ENDINGS,
    frozenset(
        {(state, "step_retrying") for state in ("pending", "running", "retrying")}
        | {(state, move) for state in ("pending", "retrying") for move in ("step_completed", "step_failed")}
    ),
)
"""Once the run has ended, completing, failing or retrying a pending step, or retrying a running
one, is refused only by a SHOULD (TERM-004), and §4.1 step 5 lets a World skip the run for
``step_completed`` and ``step_retrying``: those races are not judged."""
HOOKS = Kind(
    "hooks",
    (HOOK_CREATED, HOOK_CREATED_ELSEWHERE, HOOK_RECEIVED, HOOK_DISPOSED),
    (
        _state("missing", *RUNNING, *OTHER_RUN_RUNNING),
        _state("live", *RUNNING, *OTHER_RUN_RUNNING, HOOK_CREATED),
        _state("disposed", *RUNNING, *OTHER_RUN_RUNNING, HOOK_CREATED, HOOK_DISPOSED),
    ),
    lambda ids: Observation((ids.run, ids.other_run), tokens=(ids.token,)),
    (RUN_COMPLETED, RUN_CANCELLED),
)
WAITS = Kind(
    "waits",
    (WAIT_CREATED, WAIT_COMPLETED),
    (
        _state("missing", *RUNNING),
        _state("waiting", *RUNNING, WAIT_CREATED),
        _state("completed", *RUNNING, WAIT_CREATED, WAIT_COMPLETED),
    ),
    lambda ids: Observation((ids.run,)),
    RUN_ENDINGS,
)
KINDS: dict[str, Kind] = {kind.name: kind for kind in (RUNS, STEPS, HOOKS, WAITS)}
"""The four tables, by the name the suites use."""


@dataclass(frozen=True)
class TransitionRace:
    """Call ``first`` raced against call ``second`` on an entity of ``kind`` in ``state``."""

    kind: Kind
    state: State
    first: Move
    second: Move

    @property
    def name(self) -> str:
        """``run_started ∥ run_started on runs: pending``."""
        return f"{self.first.name} ∥ {self.second.name} on {self.kind.name}: {self.state.name}"

    def build(self, rng: random.Random) -> Round:
        """A round with fresh ids: the state's setup, one client per call (in random order),
        and the observation of everything the two calls touch."""
        ids = Ids.fresh()
        clients = [[self.first.call(ids)], [self.second.call(ids)]]
        rng.shuffle(clients)
        return Round([move.call(ids) for move in self.state.setup], clients, self.kind.observe(ids))

    def as_race(self) -> Race:
        """The race as ``RaceFailure`` names it."""
        return Race(self.name, lambda rng, width, number: self.build(rng))


async def _succeeds_alone(state: State, move: Move) -> bool:
    oracle = as_world(await new_oracle())
    ids = Ids.fresh()
    history = History()
    for setup in state.setup:
        await record(history, SETUP, setup.call(ids), oracle, 5.0)
    await record(history, "alone", move.call(ids), oracle, 5.0)
    return history.ops[-1].outcome.kind == "ok"


_TABLES: dict[str, list[TransitionRace]] = {}


async def races_of(kind: Kind) -> list[TransitionRace]:
    """Every race of ``kind``: each unordered pair of its calls in each of its states, kept when
    one of the two calls succeeds alone in that state (decided once per process, on the oracle)."""
    if kind.name not in _TABLES:
        table = []
        for state in kind.states:
            alone = {move.name: await _succeeds_alone(state, move) for move in kind.moves + kind.borrowed}
            for first, second in kind.pairs(state):
                if alone[first.name] or alone[second.name]:
                    table.append(TransitionRace(kind, state, first, second))
        _TABLES[kind.name] = table
    return _TABLES[kind.name]


async def hunt_transitions(
    world: World,
    races: Sequence[TransitionRace],
    *,
    rounds: int,
    rng: random.Random,
    call_timeout: float,
    budget: Budget,
    evidence: Evidence,
) -> RaceFailure | None:
    """Run ``rounds`` rounds of every race in ``races`` on ``world`` (fewer when ``budget`` runs
    out); the first non-linearizable round, if any. Rounds alternate rendezvous and shuffle
    (``conformance.races.interleaving``); ``evidence`` counts every round and those forced."""
    evidence.forced = accepts_pauses(world)
    for race in races:
        for number in range(1, rounds + 1):
            if budget.spent():
                evidence.budget_reached = True
                return None
            evidence.attempts += 1
            mode: Mode = "rendezvous" if number % 2 else "shuffle"
            played = await run_round(world, race.build(rng), rng, mode, call_timeout)
            evidence.forced_rounds += played.forced
            violation = await check(played.history, new_oracle)
            if violation is not None:
                shown = mode if played.forced else "left to chance"
                return RaceFailure(race.as_race(), number, shown, violation)
    return None
