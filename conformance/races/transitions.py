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

Each line has its four tables (``kinds_of``): the 5.x line sends its own requests and adds the
lazy ``step_started``. A race is judged against oracles of the World's spec version
(``conformance.world.oracle.oracle_version``), and which races a table keeps is decided on such
an oracle too, so a table holds what succeeds alone under the rules of the World's line.
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
from conformance.races.requests import requests_of
from conformance.races.results import Observation
from conformance.reporting.profiles import Budget
from conformance.reporting.records import Evidence
from conformance.world.oracle import as_world, oracle_factory, oracle_version
from worldspec.events import EventRequest
from worldspec.lines import SpecLine, line_of
from worldspec.protocol import World

__all__ = [
    "KINDS",
    "LINE_5_KINDS",
    "Kind",
    "Move",
    "SingleCall",
    "State",
    "TransitionRace",
    "hunt_transitions",
    "is_section_8_row",
    "kinds_of",
    "races_of",
    "section_8_rows",
    "single_calls",
]

RESUME_AT = datetime(2999, 1, 1, tzinfo=UTC)
"""When raced waits resume: far enough ahead that no wait resumes during a race."""

RACE_INPUT = b"devl\x00race"
"""The input of the runs the tables create."""


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


def _fresh_payload() -> bytes:
    """A payload no other request carries: a create sent again for an entity that exists then
    differs from the one that made it, so a World that writes the refused create over the
    entity (an upsert that reports the conflict afterwards) shows it."""
    return RACE_INPUT + make.new_id("race").encode()


def _on(run: Callable[[Ids], str], request: Callable[[Ids], EventRequest]) -> Callable[[Ids], WorldCall]:
    return lambda ids: WorldCall("events.create", (run(ids), request(ids)))


def _main_run(ids: Ids) -> str:
    return ids.run


def _other_step(ids: Ids) -> str:
    """A second step of the raced run, created while the raced step's call runs."""
    return f"{ids.step}x"


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
    line: SpecLine = SpecLine.LINE_4
    """The line whose requests the calls send and whose rules judge them."""
    siblings: tuple[Move, ...] = ()
    """Creates of a second entity of this kind on the same run: raced against each of this
    kind's own calls, so a World that writes one entity of a run by rewriting what it read of
    the others (a document per run, a read-modify-write of a list) loses the other write."""

    def pairs(self, state: State) -> list[tuple[Move, Move]]:
        """Every unordered pair of calls this kind races in ``state``, a call with itself too,
        each own call against each ending it borrows and each sibling create."""
        own = list(itertools.combinations_with_replacement(self.moves, 2))
        chosen = [move for move in self.moves if (state.name, move.name) not in self.left_open]
        siblings = [(move, sibling) for move in self.moves for sibling in self.siblings]
        return own + [(move, ending) for move in chosen for ending in self.borrowed] + siblings


RUN_STARTED = _move("run_started", lambda ids: make.run_started())
OTHER_RUN_STARTED = _move("run_started", lambda ids: make.run_started(), lambda ids: ids.other_run)
RUN_COMPLETED = _move("run_completed", lambda ids: make.run_completed())

STEP_CREATED = _move("step_created", lambda ids: make.step_created(ids.step, input=_fresh_payload()))
STEP_STARTED = _move("step_started", lambda ids: make.step_started(ids.step))
STEP_RETRYING = _move("step_retrying", lambda ids: make.step_retrying(ids.step))
STEP_COMPLETED = _move("step_completed", lambda ids: make.step_completed(ids.step))
OTHER_STEP_CREATED = _move("step_created (another step)", lambda ids: make.step_created(_other_step(ids)))

HOOK_CREATED = _move(
    "hook_created", lambda ids: make.hook_created(ids.hook, ids.token, metadata=_fresh_payload())
)
HOOK_CREATED_ELSEWHERE = _move(
    "hook_created (same token, other run)",
    lambda ids: make.hook_created(f"{ids.hook}x", ids.token, metadata=_fresh_payload()),
    lambda ids: ids.other_run,
)
OTHER_HOOK_CREATED = _move(
    "hook_created (another hook and token)",
    lambda ids: make.hook_created(f"{ids.hook}y", f"{ids.token}y"),
)
HOOK_RECEIVED = _move("hook_received", lambda ids: make.hook_received(ids.hook))
HOOK_DISPOSED = _move("hook_disposed", lambda ids: make.hook_disposed(ids.hook))

WAIT_CREATED = _move("wait_created", lambda ids: make.wait_created(ids.wait, RESUME_AT))
WAIT_COMPLETED = _move("wait_completed", lambda ids: make.wait_completed(ids.wait))

LAZILY_STARTED = "running after a lazy start"
_PENDING_STEP = ("pending", "retrying")
"""The states of a step that waits to be started: a fresh one, and one that is retrying."""


def _kinds(line: SpecLine) -> dict[str, Kind]:
    """The four tables of ``line``, by the name the suites use, sending that line's requests
    (``conformance.races.requests``); the lazy ``step_started`` where the line has it."""
    requests = requests_of(line)
    run_created = _move("run_created", lambda ids: requests.run_created(_fresh_payload(), ids.workflow))
    resilient_start = _move(
        "run_started (resilient)", lambda ids: requests.resilient_start(RACE_INPUT, ids.workflow)
    )
    run_failed = _move("run_failed", lambda ids: requests.run_failed())
    run_cancelled = _move("run_cancelled", lambda ids: requests.run_cancelled())
    step_failed = _move("step_failed", lambda ids: requests.step_failed(ids.step))
    other_run_created = _move(
        "run_created",
        lambda ids: requests.run_created(RACE_INPUT, make.workflow_name()),
        lambda ids: ids.other_run,
    )
    lazy_steps: tuple[Move, ...] = ()
    lazy_start = requests.lazy_step_started
    if lazy_start is not None:
        lazy_steps = (_move("step_started (lazy)", lambda ids: lazy_start(ids.step)),)
    running = (run_created, RUN_STARTED)
    endings = (RUN_COMPLETED, run_failed, run_cancelled)
    step_moves = (STEP_CREATED, STEP_STARTED, *lazy_steps, STEP_RETRYING, STEP_COMPLETED, step_failed)
    lazily_started = tuple(_state(LAZILY_STARTED, *running, move) for move in lazy_steps)
    runs = Kind(
        "runs",
        (run_created, RUN_STARTED, resilient_start, *endings),
        (
            _state("missing"),
            _state("pending", run_created),
            _state("running", *running),
            _state("running after a resilient start", resilient_start),
            _state("cancelled", *running, run_cancelled),
        ),
        lambda ids: Observation((ids.run,)),
        line=line,
    )
    started = (*running, STEP_CREATED, STEP_STARTED)
    steps = Kind(
        "steps",
        step_moves,
        (
            _state("missing", *running),
            _state("pending", *running, STEP_CREATED),
            _state("running", *started),
            *lazily_started,
            _state("retrying", *started, STEP_RETRYING),
            _state("completed", *started, STEP_COMPLETED),
        ),
        lambda ids: Observation((ids.run,), steps=((ids.run, ids.step), (ids.run, _other_step(ids)))),
        endings,
        frozenset(
            {(state, "step_retrying") for state in ("running", LAZILY_STARTED, *_PENDING_STEP)}
            | {(state, move) for state in _PENDING_STEP for move in ("step_completed", "step_failed")}
        ),
        line,
        (OTHER_STEP_CREATED,),
    )
    other_run_running = (other_run_created, OTHER_RUN_STARTED)
    hooks = Kind(
        "hooks",
        (HOOK_CREATED, HOOK_CREATED_ELSEWHERE, HOOK_RECEIVED, HOOK_DISPOSED),
        (
            _state("missing", *running, *other_run_running),
            _state("live", *running, *other_run_running, HOOK_CREATED),
            _state("disposed", *running, *other_run_running, HOOK_CREATED, HOOK_DISPOSED),
        ),
        lambda ids: Observation((ids.run, ids.other_run), tokens=(ids.token, f"{ids.token}y")),
        (RUN_COMPLETED, run_cancelled),
        line=line,
        siblings=(OTHER_HOOK_CREATED,),
    )
    waits = Kind(
        "waits",
        (WAIT_CREATED, WAIT_COMPLETED),
        (
            _state("missing", *running),
            _state("waiting", *running, WAIT_CREATED),
            _state("completed", *running, WAIT_CREATED, WAIT_COMPLETED),
        ),
        lambda ids: Observation((ids.run,)),
        endings,
        line=line,
    )
    return {kind.name: kind for kind in (runs, steps, hooks, waits)}


KINDS = _kinds(SpecLine.LINE_4)
"""The four tables of the 4.x line, by the name the suites use.

Once the run has ended, completing, failing or retrying a pending step, or retrying a running
one, is refused only by a SHOULD (TERM-004), and §4.1 step 5 lets a World skip the run for
``step_completed`` and ``step_retrying``: those races are not judged."""
LINE_5_KINDS = _kinds(SpecLine.LINE_5)
"""The four tables of the 5.x line: the 4.x tables with the 5.x requests, and the lazy
``step_started`` among the step calls, raced in every step state and from a state of its own
(a step a lazy start created). v7 §4.6 leaves the same step calls open after an ending as the
4.x line (SHOULD ``RunExpiredError``, MAY accept), so the same races are left out. Where the 5.x
line lets a World pick between two refusals once the run has ended (``run_started``,
``hook_received``), ``conformance.races.results.answers`` accepts either."""


def kinds_of(line: SpecLine) -> dict[str, Kind]:
    """The four tables that judge a World on ``line``."""
    return LINE_5_KINDS if line is SpecLine.LINE_5 else KINDS


@dataclass(frozen=True)
class TransitionRace:
    """Call ``first`` raced against call ``second`` on an entity of ``kind`` in ``state``."""

    kind: Kind
    state: State
    first: Move
    second: Move
    spec_version: int
    """The spec version of the oracles that judge the race (one of ``kind``'s line)."""

    @property
    def name(self) -> str:
        """``run_started ∥ run_started on runs: pending``."""
        return f"{self.first.name} ∥ {self.second.name} on {self.kind.name}: {self.state.name}"

    @property
    def symmetric(self) -> bool:
        """Whether the race is one call against itself, so that which goes first is moot."""
        return self.first is self.second

    def build(self, rng: random.Random, first_leads: bool | None = None) -> Round:
        """A round with fresh ids: the state's setup, one client per call, the observation's
        single-entity reads, made during the race, and the observation of everything the two
        calls touch. Client 1 makes ``first``'s call when ``first_leads``, ``second``'s when it
        is false, and either, at random, when it is ``None``."""
        ids = Ids.fresh()
        clients = [[self.first.call(ids)], [self.second.call(ids)]]
        if first_leads is None:
            rng.shuffle(clients)
        elif not first_leads:
            clients.reverse()
        observation = self.kind.observe(ids)
        return Round([move.call(ids) for move in self.state.setup], clients, observation, observation.reads())

    def as_race(self) -> Race:
        """The race as ``RaceFailure`` names it."""
        return Race(self.name, lambda rng, width, number, requests: self.build(rng), self.spec_version)


def is_section_8_row(race: TransitionRace) -> bool:
    """Whether ``race`` is one of the rows of §8's table of concurrent calls: a call raced
    against itself (N × the same call), or a create raced against a run ending."""
    created = race.first.name.split(" ")[0].endswith("_created")
    return race.first is race.second or (created and race.second in race.kind.borrowed)


async def section_8_rows(line: SpecLine, spec_version: int) -> list[Race]:
    """The races of ``line``'s tables that are rows of §8's table (``is_section_8_row``), judged
    at ``spec_version``: the races LIN-006 runs across processes after its own (on the 4.x
    line, whose requests its workers read)."""
    return [
        race.as_race()
        for kind in kinds_of(line).values()
        for race in await races_of(kind, spec_version)
        if is_section_8_row(race)
    ]


RUN_ENDINGS = frozenset({"run_completed", "run_failed", "run_cancelled"})
"""The names of the moves that end the raced run."""


@dataclass(frozen=True)
class SingleCall:
    """One call of a table, alone, on an entity of ``kind`` in ``state``."""

    kind: Kind
    state: State
    move: Move

    @property
    def name(self) -> str:
        """``step_retrying on steps: completed, then run_failed``."""
        return f"{self.move.name} on {self.kind.name}: {self.state.name}"


def _live_after(state: State) -> bool:
    """Whether ``state``'s setup leaves the raced run live: it makes the run and does not end it."""
    return bool(state.setup) and not any(move.name in RUN_ENDINGS for move in state.setup)


def single_calls(line: SpecLine) -> list[SingleCall]:
    """Every call of ``line``'s tables alone (an entity's own events; the run's endings are the
    runs table's own), in every state of the table and in each state that leaves the run live
    once the run has then ended: the state-by-event matrix of §4, one call at a time. The
    endings take turns over a table's states, so each table meets each ending and the matrix
    stays small enough for every kit run."""
    calls: list[SingleCall] = []
    kinds = kinds_of(line)
    endings = kinds["steps"].borrowed
    for kind in kinds.values():
        live = [state for state in kind.states if _live_after(state)]
        ended = [
            State(f"{state.name}, then {ending.name}", (*state.setup, ending))
            for state, ending in zip(live, itertools.cycle(endings), strict=False)
        ]
        calls += [SingleCall(kind, state, move) for state in (*kind.states, *ended) for move in kind.moves]
    return calls


async def _succeeds_alone(state: State, move: Move, spec_version: int) -> bool:
    oracle = as_world(await oracle_factory(spec_version)())
    ids = Ids.fresh()
    history = History()
    for setup in state.setup:
        await record(history, SETUP, setup.call(ids), oracle, 5.0)
    await record(history, "alone", move.call(ids), oracle, 5.0)
    return history.ops[-1].outcome.kind == "ok"


_TABLES: dict[tuple[SpecLine, str, int], list[TransitionRace]] = {}


async def races_of(kind: Kind, spec_version: int | None = None) -> list[TransitionRace]:
    """Every race of ``kind``: each unordered pair of its calls in each of its states, kept when
    one of the two calls succeeds alone in that state (a pair with a sibling create, when the
    kind's own call does: only two writes can lose one) (decided once per process, on an oracle at
    ``spec_version``, by default the version ``oracle_version`` picks for the kind's line).
    A ``spec_version`` of another line than the kind's is a ``ValueError``."""
    version = oracle_version(kind.line, None) if spec_version is None else spec_version
    if line_of(version) is not kind.line:
        raise ValueError(f"the {kind.line} tables are judged at a spec version of that line, not {version}")
    key = (kind.line, kind.name, version)
    if key not in _TABLES:
        table = []
        for state in kind.states:
            alone = {
                move.name: await _succeeds_alone(state, move, version) for move in kind.moves + kind.borrowed
            }
            for first, second in kind.pairs(state):
                if second in kind.siblings:
                    kept = alone[first.name]
                else:
                    kept = alone[first.name] or alone[second.name]
                if kept:
                    table.append(TransitionRace(kind, state, first, second, version))
        _TABLES[key] = table
    return _TABLES[key]


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
    out); the first non-linearizable round, if any, judged against oracles at the race's spec
    version. ``evidence`` counts every round and those forced.

    Rounds come in threes (``conformance.races.interleaving``): a rendezvous with one call
    released first at every pause point, chosen at random; a rendezvous with the other call
    first; then a shuffle. The two orders catch different bugs, and one round cannot try both:
    where the later call is refused serially, a World that checks before it locks lets it
    through; where both succeed serially, a World whose two writes collide (one eventId, one
    document rewritten from a stale copy) shows it. A race of one call against itself has no
    other order and skips the second round."""
    evidence.forced = accepts_pauses(world)
    for race in races:
        first_leads = False
        for number in range(1, rounds + 1):
            if budget.spent():
                evidence.budget_reached = True
                return None
            phase = number % 3
            if phase == 2 and race.symmetric:
                continue
            evidence.attempts += 1
            if phase == 0:
                mode: Mode = "shuffle"
                played = await run_round(world, race.build(rng), rng, mode, call_timeout)
            else:
                mode = "rendezvous"
                first_leads = rng.random() < 0.5 if phase == 1 else not first_leads
                built = race.build(rng, first_leads)
                played = await run_round(world, built, rng, mode, call_timeout, in_client_order=True)
            evidence.forced_rounds += played.forced
            violation = await check(played.history, oracle_factory(race.spec_version))
            if violation is not None:
                shown = _how_played(race, mode, first_leads) if played.forced else "left to chance"
                return RaceFailure(race.as_race(), number, shown, violation)
    return None


def _how_played(race: TransitionRace, mode: Mode, first_leads: bool) -> str:
    """The interleaving a failing round was forced into, as its report names it."""
    if mode == "shuffle":
        return mode
    leader = race.first if first_leads else race.second
    return f"{mode}, {leader.name} released first at each pause point"
