"""Histories of concurrent calls, and whether some serial order explains them (§8).

A ``History`` holds every call of a race: who made it, when it was invoked and when it
returned (``time.monotonic_ns``), and its ``Outcome`` (``unknown`` when it timed out). It is
*linearizable* when some order of the calls, consistent with real time (a call that returned
before another was invoked comes first), replayed on a fresh oracle, explains every outcome.

The search is Wing & Gong's: extend a serial prefix with any call no pending call must precede,
replaying the prefix on a fresh oracle; prefixes that reach an oracle state already explored
with the same calls done are pruned (the memoisation of Lowe's WGL). A call with an unknown
outcome may take effect anywhere after its invocation, or never.

A violation is explained by the smallest sub-history that is still not linearizable, found by
dropping calls one at a time while no call becomes unexplained that was explained before: the
final observation first, then refused calls (they changed nothing), then, only if the
observation could go, the other calls. Setup calls stay as context. It is named with a stable
anomaly name (``ANOMALIES``), as Elle names them.

Calls of the ``READER`` client are reads made during the race: §8 does not bind them, so the
search leaves them out; a report shows them in the full history.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field
from typing import Any

from conformance.races.results import (
    MISPLACED_SLOT,
    REPEATED_EVENT_ID,
    Outcome,
    answers,
    explains,
    fingerprint,
    is_observation,
    observation_lines,
    outcome_of,
)
from conformance.world.oracle import Oracle, OracleFactory, as_world

__all__ = ["ANOMALIES", "OBSERVER", "READER", "SETUP", "History", "Op", "Violation", "check"]

ANOMALIES: dict[str, str] = {
    "duplicate-create": "one entity was created twice: two creates succeeded, or the log holds two",
    "created-not-first": "a run's log does not begin with its run_created",
    "double-terminal": "a run or step reached two terminal states",
    "duplicate-token": "two live hooks hold one token",
    "received-after-disposed": "a hook_received follows the same hook's hook_disposed",
    "lost-conflict": "a call succeeded that every serial order refuses",
    "spurious-error": "a call was refused that serial orders accept",
    "wrong-error": "a call was refused with an error no serial order gives",
    "state-mismatch": "every call is explained, but not the state read afterwards",
    "misplaced-slot": "a run's events do not hold slots 1…n in log order (5.x line)",
    "non-linearizable": "no serial order explains the outcomes together",
    "reused-event-id": "two events of a run's log share one eventId",
}
"""Stable anomaly names and what each means. Names are public: never renamed or reused."""

SETUP = "setup"
OBSERVER = "observer"
READER = "reader"


@dataclass(frozen=True)
class Op:
    """One call of a history. ``returned`` is ``None`` when the outcome is unknown."""

    index: int
    client: str
    call: Any
    invoked: int
    returned: int | None
    outcome: Outcome

    def describe(self) -> str:
        """``[c2] events.create(wrun_…A1B2C3, run_created) → EntityConflictError``."""
        return f"[{self.client}] {self.call.describe()} → {self.outcome.describe()}"


@dataclass
class History:
    """The calls of one race, in the order they were recorded."""

    ops: list[Op] = field(default_factory=list)

    def add(self, client: str, call: Any, invoked: int, returned: int | None, outcome: Outcome) -> Op:
        """Record a call and return it."""
        op = Op(len(self.ops), client, call, invoked, returned, outcome)
        self.ops.append(op)
        return op

    def describe(self, ops: Sequence[Op] | None = None) -> str:
        """The calls, one per line, with invocation and return times relative to the first."""
        shown = list(self.ops if ops is None else ops)
        origin = min((op.invoked for op in self.ops), default=0)

        def at(ns: int | None) -> str:
            return "    ?" if ns is None else f"{(ns - origin) / 1e6:7.3f}"

        return "\n".join(f"{at(op.invoked)} ms … {at(op.returned)} ms  {op.describe()}" for op in shown)


@dataclass(frozen=True)
class Violation:
    """A history no serial order explains: its anomaly and the smallest witness."""

    anomaly: str
    witness: tuple[Op, ...]
    history: History
    allowed: dict[int, frozenset[Outcome]]

    def report(self) -> str:
        """The anomaly, the witness, what serial orders allowed each unexplained call, the
        observation, and the full history."""
        lines = [f"anomaly: {self.anomaly} — {ANOMALIES[self.anomaly]}", "", "smallest witness:"]
        lines.append(self.history.describe(self.witness))
        for op in self.witness:
            if _explained(op, self.allowed):
                continue
            allowed = self.allowed.get(op.index, frozenset())
            if is_observation(op.outcome.value):
                nearest = next((o.value for o in allowed if is_observation(o.value)), ())
                lines.append("the state read afterwards differs from every serial order's:")
                lines += [f"  {line}" for line in observation_lines(op.outcome.value, nearest)]
            else:
                shown = ", ".join(sorted(outcome.describe() for outcome in allowed)) or "nothing"
                lines.append(f"call #{op.index} got {op.outcome.describe()}; serial orders give: {shown}")
        observed = [op for op in self.history.ops if op.client == OBSERVER and op.outcome.kind == "ok"]
        if observed:
            lines += ["", "state read afterwards:"]
            lines += [f"  {line}" for line in observation_lines(observed[0].outcome.value)]
        if any(op.client == READER for op in self.history.ops):
            lines += ["", f"[{READER}] calls were reads made during the race; they are shown, not judged."]
        if len(self.witness) < len(self.history.ops):
            lines += ["", f"full history ({len(self.history.ops)} calls):", self.history.describe()]
        return "\n".join(lines)


def _explained(op: Op, allowed: dict[int, frozenset[Outcome]]) -> bool:
    return any(explains(op.call, op.outcome, outcome) for outcome in allowed.get(op.index, frozenset()))


class _Search:
    """One Wing & Gong search over ``ops``; records every outcome the oracle gave each call."""

    def __init__(self, ops: Sequence[Op], new_oracle: OracleFactory) -> None:
        self.ops = list(ops)
        self.new_oracle = new_oracle
        self.allowed: dict[int, set[Outcome]] = defaultdict(set)
        self.explored: set[tuple[frozenset[int], Hashable]] = set()

    async def linearizable(self) -> bool:
        return await self._extend((), frozenset(), await self.new_oracle())

    def unexplained(self) -> set[int]:
        frozen = {index: frozenset(outcomes) for index, outcomes in self.allowed.items()}
        return {op.index for op in self.ops if not _explained(op, frozen)}

    async def _extend(self, prefix: tuple[Op, ...], done: frozenset[int], after_prefix: Oracle) -> bool:
        """Whether ``prefix`` extends to a serial order of every call. ``after_prefix`` is an
        oracle that has replayed ``prefix``; the last candidate takes it over, the others
        replay ``prefix`` on fresh oracles (so a chain of forced steps replays nothing)."""
        pending = [op for op in self.ops if op.index not in done]
        if all(op.returned is None for op in pending):
            return True
        candidates = self._candidates(pending)
        for position, op in enumerate(candidates):
            if position == len(candidates) - 1:
                oracle = after_prefix
            else:
                oracle = await self.new_oracle()
                for earlier in prefix:
                    await outcome_of(earlier.call, as_world(oracle))
            choices = answers(op.call, await outcome_of(op.call, as_world(oracle)), oracle)
            self.allowed[op.index].update(choices)
            if not any(explains(op.call, op.outcome, expected) for expected in choices):
                continue
            key = (done | {op.index}, fingerprint(oracle))
            if key in self.explored:
                continue
            self.explored.add(key)
            if await self._extend((*prefix, op), done | {op.index}, oracle):
                return True
        return False

    @staticmethod
    def _candidates(pending: list[Op]) -> list[Op]:
        """Calls no other pending call must precede, earliest return first."""
        returns = [op.returned for op in pending if op.returned is not None]
        first_return = min(returns, default=None)
        free = [op for op in pending if first_return is None or op.invoked <= first_return]
        return sorted(free, key=lambda op: (op.returned is None, op.returned or 0, op.index))


async def check(history: History, new_oracle: OracleFactory) -> Violation | None:
    """``None`` if ``history`` is linearizable against oracles from ``new_oracle``; else the
    violation, explained by its smallest witness."""
    judged = [op for op in history.ops if op.client != READER]
    search = _Search(judged, new_oracle)
    if await search.linearizable():
        return None
    witness, allowed = await _smallest_witness(judged, search, new_oracle)
    frozen = {index: frozenset(outcomes) for index, outcomes in allowed.items()}
    return Violation(_anomaly(witness, history, frozen), tuple(witness), history, frozen)


async def _smallest_witness(
    ops: list[Op], search: _Search, new_oracle: OracleFactory
) -> tuple[list[Op], dict[int, set[Outcome]]]:
    unexplained = search.unexplained()
    allowed = search.allowed
    kept = list(ops)

    def order(op: Op) -> int:
        if op.client == OBSERVER:
            return 0
        return 1 if op.outcome.kind == "error" else 2

    for op in sorted((op for op in ops if op.client != SETUP), key=order):
        if op.outcome.kind != "error" and any(other.client == OBSERVER for other in kept):
            continue
        trial = [other for other in kept if other is not op]
        smaller = _Search(trial, new_oracle)
        if not await smaller.linearizable() and smaller.unexplained() <= unexplained:
            kept, allowed = trial, smaller.allowed
    return kept, allowed


def _anomaly(witness: Sequence[Op], history: History, allowed: dict[int, frozenset[Outcome]]) -> str:
    found = _result_anomaly(witness)
    if found:
        return found
    observed = next((op for op in history.ops if op.client == OBSERVER and op.outcome.kind == "ok"), None)
    if observed is not None:
        found = _state_anomaly(dict(observed.outcome.value))  # type: ignore[call-overload]
        if found:
            return found
    for op in witness:
        if op.client == OBSERVER or _explained(op, allowed):
            continue
        outcomes = allowed.get(op.index, frozenset())
        if op.outcome.kind == "ok" and outcomes and all(o.kind == "error" for o in outcomes):
            return "lost-conflict"
        if op.outcome.kind == "error" and any(o.kind == "ok" for o in outcomes):
            return "spurious-error"
        if op.outcome.kind == "error":
            return "wrong-error"
    if any(op.client == OBSERVER for op in witness):
        return "state-mismatch"
    return "non-linearizable"


_TERMINAL_RUN = ("run_completed", "run_failed", "run_cancelled")
_TERMINAL_STEP = ("step_completed", "step_failed")


def _appended(op: Op) -> tuple[str, str, str] | None:
    """``(runId, eventType, correlationId or token)`` of the event a successful create appended."""
    if op.outcome.kind != "ok" or not isinstance(op.outcome.value, tuple):
        return None
    request: Any = op.call.args[1] if getattr(op.call, "method", "") == "events.create" else None
    for part in op.outcome.value:
        if isinstance(part, tuple) and part and part[0] == "event":
            by_token = part[1] == "hook_created" and request is not None
            subject = request.event_data.token if by_token else part[2]
            return (str(op.call.args[0]), str(part[1]), str(subject))
    return None


def _result_anomaly(witness: Sequence[Op]) -> str | None:
    """An anomaly visible in the successful calls of the witness alone, if any."""
    appended = [event for event in map(_appended, witness) if event is not None]
    tokens = [token for _, kind, token in appended if kind == "hook_created"]
    if len(set(tokens)) < len(tokens):
        return "duplicate-token"
    created = [event for event in appended if event[1].endswith("_created") and event[1] != "hook_created"]
    if len(set(created)) < len(created):
        return "duplicate-create"
    steps = [(run_id, step) for run_id, kind, step in appended if kind in _TERMINAL_STEP]
    runs = [run_id for run_id, kind, _ in appended if kind in _TERMINAL_RUN]
    if len(set(steps)) < len(steps) or len(set(runs)) < len(runs):
        return "double-terminal"
    return None


def _state_anomaly(observed: dict[str, Any]) -> str | None:
    """An anomaly visible in the observed logs and hooks alone, if any."""
    logs = [log for key, log in observed.items() if key.startswith("log ")]
    for log in logs:
        kinds = [row[0] for row in log]
        created = [row for row in log if row[0].endswith("_created")]
        if any(row[0] == MISPLACED_SLOT for row in log):
            return "misplaced-slot"
        if any(row[0] == REPEATED_EVENT_ID for row in log):
            return "reused-event-id"
        if kinds.count("run_created") > 1 or len(set(created)) < len(created):
            return "duplicate-create"
        if kinds and kinds[0] != "run_created":
            return "created-not-first"
        if sum(kind in _TERMINAL_RUN for kind in kinds) > 1:
            return "double-terminal"
        terminal_steps = [row[1] for row in log if row[0] in _TERMINAL_STEP]
        if len(set(terminal_steps)) < len(terminal_steps):
            return "double-terminal"
        disposed: set[str] = set()
        for row in log:
            if row[0] == "hook_disposed":
                disposed.add(row[1])
            elif row[0] == "hook_received" and row[1] in disposed:
                return "received-after-disposed"
    live_tokens = [
        hook[3]
        for key, hooks in observed.items()
        if key.startswith("hooks ") and isinstance(hooks, tuple)
        for hook in hooks
    ]
    if len(set(live_tokens)) < len(live_tokens):
        return "duplicate-token"
    return None
