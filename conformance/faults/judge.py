"""What the FAULT invariants judge on a fault round's history.

Each judge returns ``None`` or a ``Finding``: a stable anomaly name (``FAULT_ANOMALIES``), the
text that explains it, and the calls of the history it is about, for the picture. The
observation is the ``observer`` call made through the World opened after the fault; a round
whose observation failed is judged by ``answers_again`` alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from conformance.faults.rounds import AFTER
from conformance.model.calls import brief
from conformance.races.linearizability import ANOMALIES, OBSERVER, History, Op, check
from conformance.races.results import Outcome, show_summary
from conformance.world.oracle import new_oracle

__all__ = [
    "FAULT_ANOMALIES",
    "RETRYABLE_ERRORS",
    "Finding",
    "acknowledged_kept",
    "answers_again",
    "entities_match_logs",
    "in_flight_atomic",
    "observed",
]

FAULT_ANOMALIES: dict[str, str] = {
    "lost-write": "a create acknowledged before the fault is missing from its log after the restart",
    "duplicate-write": "a create appears twice in its log after the restart",
    "torn-write": "after the restart, the state fits neither the call in flight having happened "
    "nor its not having happened",
    "entity-log-mismatch": "after the restart, an entity differs from what its log implies",
    "no-answer-after-restart": "the World refused or did not answer calls after the restart",
    "wrong-answer-during-fault": "a call made while connections were cut got an answer no serial "
    "order gives, or an error the runtime does not retry",
}
"""Stable names of what the FAULT family finds, beyond the races' ``ANOMALIES`` (which name
what the linearizability checker finds otherwise). Names are public: never renamed or reused."""

RETRYABLE_ERRORS = frozenset({"WorkflowWorldError", "ThrottleError"})
"""Refusals the runtime retries (§3): every other contract error name is an answer it acts on."""

_ONCE_ONLY = ("run_started", "run_cancelled")
"""Event types whose repeats the log summary folds away (§8 lets losers append them)."""


@dataclass(frozen=True)
class Finding:
    """What a judge found: its anomaly, the explanation, and the calls it is about."""

    anomaly: str
    text: str
    ops: tuple[int, ...]

    def report(self, history: History) -> str:
        """The anomaly, the explanation and the full history."""
        return "\n".join(
            [
                f"anomaly: {self.anomaly} — {FAULT_ANOMALIES.get(self.anomaly) or ANOMALIES[self.anomaly]}",
                "",
                self.text,
                "",
                f"history ({len(history.ops)} calls; the killed client is p1):",
                history.describe(),
            ]
        )


def observed(history: History) -> dict[str, Any] | None:
    """The observation read after the fault, by key, or ``None`` when it failed."""
    op = next((op for op in history.ops if op.client == OBSERVER), None)
    if op is None or op.outcome.kind != "ok":
        return None
    pairs: Any = op.outcome.value
    return dict(pairs)


def _appended(op: Op) -> tuple[str, str, str] | None:
    """``(runId, eventType, correlationId)`` of the event an ``events.create`` appends."""
    if getattr(op.call, "method", "") != "events.create":
        return None
    request = op.call.args[1]
    event_type = str(request.event_type)
    if op.outcome.kind == "ok":
        parts: Any = op.outcome.value
        for part in parts:
            if isinstance(part, tuple) and part and part[0] == "event":
                return (str(op.call.args[0]), str(part[1]), str(part[2]))
        return None
    correlation = getattr(request, "correlation_id", None)
    return (str(op.call.args[0]), event_type, correlation if isinstance(correlation, str) else "")


def acknowledged_kept(history: History) -> Finding | None:
    """FAULT-001: every acknowledged create's event is in its log once; a create whose outcome
    is unknown is there at most once."""
    seen = observed(history)
    if seen is None:
        return None
    problems: list[str] = []
    ops: list[int] = []
    for op in history.ops:
        if op.client in (OBSERVER, AFTER) or op.outcome.kind == "error":
            continue
        appended = _appended(op)
        if appended is None:
            continue
        run_id, event_type, correlation = appended
        log = seen.get(f"log {run_id}", ())
        count = sum(1 for row in log if row[0] == event_type and row[1] == correlation)
        acknowledged = op.outcome.kind == "ok"
        if acknowledged and count == 0:
            problems.append(
                f"lost: call #{op.index} {op.describe()} — no {event_type} in {brief(run_id)}'s log"
            )
        elif count > 1 and event_type not in _ONCE_ONLY:
            problems.append(f"twice: call #{op.index} {op.describe()} — {count} × {event_type} in the log")
        else:
            continue
        ops.append(op.index)
    if not problems:
        return None
    anomaly = "lost-write" if any(line.startswith("lost") for line in problems) else "duplicate-write"
    observer = [op.index for op in history.ops if op.client == OBSERVER]
    return Finding(anomaly, "\n".join(problems), tuple(ops + observer))


async def in_flight_atomic(history: History) -> Finding | None:
    """FAULT-002: some serial order of the calls, the one in flight at the kill taking effect
    whole or not at all, explains every outcome and the state read after the restart."""
    if observed(history) is None:
        return None
    violation = await check(history, new_oracle)
    if violation is None:
        return None
    lost = acknowledged_kept(history)
    anomaly = violation.anomaly
    if lost is not None and lost.anomaly == "lost-write":
        return Finding("lost-write", violation.report(), lost.ops)
    if anomaly in ("state-mismatch", "non-linearizable") and any(
        op.outcome.kind == "unknown" for op in history.ops
    ):
        anomaly = "torn-write"
    return Finding(anomaly, violation.report(), tuple(op.index for op in violation.witness))


def entities_match_logs(history: History) -> Finding | None:
    """FAULT-003: each run's status, each step's status and attempt, each run's live hooks and
    the token's holder equal what the logs read after the restart imply."""
    seen = observed(history)
    if seen is None:
        return None
    implied = _implied(seen)
    differences = [
        f"{' '.join(brief(part) for part in key.split(' '))}: read {show_summary(seen.get(key))}; "
        f"its log implies {show_summary(value)}"
        for key, value in implied.items()
        if _normal(seen.get(key)) != _normal(value)
    ]
    if not differences:
        return None
    observer = tuple(op.index for op in history.ops if op.client == OBSERVER)
    return Finding("entity-log-mismatch", "\n".join(differences), observer)


def _normal(value: Any) -> Any:
    """A summary as FAULT-003 compares it: any refusal means "absent" (which error a World
    gives for a missing entity is the ERR family's business), collections are unordered."""
    if isinstance(value, str):
        return "absent"
    if isinstance(value, tuple) and value and all(isinstance(item, tuple) for item in value):
        return frozenset(value)
    return value


_RUN_STATUS = {
    "run_created": "pending",
    "run_started": "running",
    "run_completed": "completed",
    "run_failed": "failed",
    "run_cancelled": "cancelled",
}
_STEP_STATUS = {
    "step_created": "pending",
    "step_started": "running",
    "step_completed": "completed",
    "step_failed": "failed",
    "step_retrying": "pending",
}
_TERMINAL = ("run_completed", "run_failed", "run_cancelled")


def _implied(seen: dict[str, Any]) -> dict[str, Any]:
    """The entries of an observation as the logs in it imply them (by observation key)."""
    implied: dict[str, Any] = {}
    holders: dict[str, tuple[str, ...]] = {}
    step_logs: dict[str, list[str]] = {}
    for key, log in seen.items():
        if not key.startswith("log "):
            continue
        run_id = key[4:]
        statuses = [_RUN_STATUS[row[0]] for row in log if row[0] in _RUN_STATUS]
        implied[f"status {run_id}"] = (
            ("run", run_id, statuses[-1]) if statuses else "WorkflowRunNotFoundError"
        )
        live: dict[str, str] = {}
        for row in log:
            if row[0] == "hook_created":
                live[row[1]] = row[2]
            elif row[0] == "hook_disposed":
                live.pop(row[1], None)
            elif row[0] in _TERMINAL:
                live.clear()
            if row[0] in _STEP_STATUS:
                step_logs.setdefault(row[1], []).append(row[0])
        implied[f"hooks {run_id}"] = tuple(("hook", run_id, hook, token) for hook, token in live.items())
        for hook, token in live.items():
            holders[token] = ("hook", run_id, hook, token)
    for key in seen:
        if key.startswith("step "):
            kinds = step_logs.get(key[5:], [])
            attempts = Counter(kinds)["step_started"]
            implied[key] = (
                ("step", key[5:], _STEP_STATUS[kinds[-1]], attempts) if kinds else "WorkflowWorldError"
            )
        elif key.startswith("token "):
            implied[key] = holders.get(key[6:], "absent")
    return implied


def answers_again(history: History, after: Sequence[Op]) -> Finding | None:
    """FAULT-004: the observation and every call made after the restart answered without a
    refusal the runtime would retry forever (any error or no answer counts)."""
    failed = [op for op in after if op.outcome.kind != "ok"]
    observer = [op for op in history.ops if op.client == OBSERVER and op.outcome.kind != "ok"]
    if not failed and not observer:
        return None
    lines = [f"call #{op.index} {op.describe()}" for op in observer + failed]
    return Finding("no-answer-after-restart", "\n".join(lines), tuple(op.index for op in observer + failed))


def refusals_retryable(history: History, window: tuple[int, int]) -> Finding | None:
    """FAULT-004 during a connection fault: every call that ended while connections were cut
    (``window`` in ``time.monotonic_ns``) and was refused got an error in ``RETRYABLE_ERRORS``."""
    start, end = window
    wrong = [
        op
        for op in history.ops
        if op.outcome.kind == "error"
        and op.outcome.value not in RETRYABLE_ERRORS
        and op.invoked <= end
        and (op.returned is None or op.returned >= start)
    ]
    if not wrong:
        return None
    lines = [f"call #{op.index} {op.describe()}: not an error the runtime retries" for op in wrong]
    return Finding("wrong-answer-during-fault", "\n".join(lines), tuple(op.index for op in wrong))


def retryable_as_unknown(history: History) -> History:
    """``history`` with every retryable refusal turned ``unknown``: the call may have taken
    effect before the connection died, so only a later read can say."""
    copy = History()
    for op in history.ops:
        outcome = (
            Outcome("unknown")
            if op.outcome.kind == "error" and op.outcome.value in RETRYABLE_ERRORS
            else op.outcome
        )
        copy.add(op.client, op.call, op.invoked, op.returned if outcome.kind != "unknown" else None, outcome)
    return copy
