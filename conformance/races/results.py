"""What a racing call returned, in the form the linearizability checker compares.

A race judges ordering and outcomes, not payload fidelity (other invariants own that), so a
result is summarised to what the races of §8 decide: which event was appended, which status
an entity reached, which error name came back, and (5.x) whether a lazy start created its step.
Summaries are hashable and JSON-safe once
lists are read back as tuples, so they cross process boundaries (``conformance.races.worker``).

Where §8 lets a concurrent loser choose, ``explains`` accepts either choice:

- ``run_started`` on a run another caller is starting: the running run, or
  ``EntityConflictError``; a second ``run_started`` event MAY be appended;
- an ordinary ``run_started`` on a missing run: any refusal RS-001 accepts (§4.1 step 5 makes
  ``WorkflowRunNotFoundError`` a SHOULD);
- ``run_cancelled`` losing to ``run_cancelled``: success (MAY append another event) or
  ``EntityConflictError``;
- ``hook_disposed`` losing to ``hook_disposed``: ``HookNotFoundError`` or ``EntityConflictError``.

On the 5.x line (an oracle at spec version 6 or 7), v7 §4.2, §4.4 and §8 leave two more choices,
which ``answers`` adds to the oracle's own:

- ``run_started`` on a run that has ended: ``RunExpiredError`` or ``EntityConflictError``;
- ``hook_received`` on a run that has ended: ``HookNotFoundError`` or ``RunExpiredError``.

Logs in observations are summarised with repeated ``run_started`` and ``run_cancelled`` events
dropped, for the same reason. Event ids and times are left out of every summary: they are the
World's to mint. On the 5.x line the ids are slots, which a summary does check in one way that
needs no serial order: a slot-numbered log whose k-th event is not slot k (a hole, a repeat, a
slot taken out of order) gets a ``misplaced slot`` row, which no oracle log has.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from conformance.checks.reads import WHOLE_PAGE
from conformance.model.calls import WorldCall, brief
from conformance.world.capabilities import declares_on_line_5
from conformance.world.oracle import Oracle
from conformance.world.throttle import answered
from worldspec import entities
from worldspec.errors import WorkflowError, WorkflowRunNotFoundError, WorkflowWorldError
from worldspec.events import EventResult
from worldspec.line5 import entities as line5_entities
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.line5.events import EventResult as LineFiveEventResult
from worldspec.line5.slots import event_id_to_slot, is_slot_event_id
from worldspec.lines import SpecLine, line_of
from worldspec.pagination import PaginatedResponse, PaginationOptions
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = [
    "ORDINARY_START_REFUSALS",
    "Observation",
    "Outcome",
    "answers",
    "ended_run_refusals",
    "explains",
    "fingerprint",
    "from_json",
    "outcome_of",
    "summarise",
]

OutcomeKind = Literal["ok", "error", "unknown"]
_COLLAPSED = ("run_started", "run_cancelled")
_RUNS = (
    entities.ActiveRun,
    entities.CompletedRun,
    entities.FailedRun,
    entities.CancelledRun,
    line5_entities.ActiveRun,
    line5_entities.CompletedRun,
    line5_entities.FailedRun,
    line5_entities.CancelledRun,
)
_STEPS = (entities.Step, line5_entities.Step)
_HOOKS = (entities.Hook, line5_entities.Hook)
NO_STEP = "no such step"
"""A step read that was refused: both lines require a miss to be refused and only recommend
``WorkflowWorldError`` (base §9, v7 §9), so a race does not judge the error's name."""
MISPLACED_SLOT = "misplaced slot"
"""The first cell of the log row that marks a slot-numbered log whose k-th event is not slot k."""
REPEATED_EVENT_ID = "repeated eventId"
"""The first cell of the log row that marks a log in which two events share one eventId."""


@dataclass(frozen=True)
class Outcome:
    """``ok`` with a summary, ``error`` with the error's name, or ``unknown`` (timed out)."""

    kind: OutcomeKind
    value: Hashable = None

    def describe(self) -> str:
        """``ok: event run_created; run pending``, ``EntityConflictError``, ``unknown (timed out)``;
        an observation is shown as ``ok: observed`` (``observation_lines`` shows its content)."""
        if self.kind == "error":
            return str(self.value)
        if self.kind == "unknown":
            return "unknown (timed out)"
        if is_observation(self.value):
            return "ok: observed"
        return f"ok: {show_summary(self.value)}"

    def to_json(self) -> list[Any]:
        """The outcome as JSON data (``from_json`` reads it back)."""
        return [self.kind, self.value]


def from_json(data: Sequence[Any]) -> Outcome:
    """An ``Outcome`` from ``Outcome.to_json`` data: lists become tuples again."""
    kind, value = data
    return Outcome(kind, _tuples(value))


def _tuples(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_tuples(item) for item in value)
    return value


def show_summary(value: Any) -> str:
    """A summary for people: parts joined by ``; ``, ids shortened (``wrun_…A1B2C3``)."""
    if isinstance(value, tuple) and value and all(isinstance(part, tuple) for part in value):
        return "; ".join(show_summary(part) for part in value)
    if isinstance(value, tuple):
        return " ".join(show_summary(item) for item in value if item != "") if value else "(none)"
    if isinstance(value, str):
        return brief(value)
    return str(value)


def is_observation(value: Any) -> bool:
    """Whether a summary is an ``Observation``'s: ``(key, value)`` pairs keyed ``"log <runId>"``…"""
    return (
        isinstance(value, tuple)
        and bool(value)
        and all(isinstance(pair, tuple) and len(pair) == 2 and isinstance(pair[0], str) for pair in value)
        and any(pair[0].startswith("log ") for pair in value)
    )


def observation_lines(observed: Any, expected: Any | None = None) -> list[str]:
    """An observation, one entry a line; with ``expected``, only the entries that differ, each
    with the oracle's value beside it."""
    seen, wanted = dict(observed), dict(expected or ())
    lines = []
    for key, value in seen.items():
        if expected is not None and wanted.get(key) == value:
            continue
        label = " ".join(brief(part) for part in key.split(" "))
        line = f"{label}: {show_summary(value)}"
        if expected is not None:
            line += f"\n      serial order gives: {show_summary(wanted.get(key, '(absent)'))}"
        lines.append(line)
    return lines


def summarise(value: Any) -> Hashable:
    """The part of a World's answer a race judges (see the module docstring)."""
    if isinstance(value, EventResult | LineFiveEventResult):
        return _summarise_result(value)
    if isinstance(value, _RUNS):
        return ("run", value.run_id, value.status)
    if isinstance(value, _STEPS):
        return ("step", value.step_id, value.status, int(value.attempt))
    if isinstance(value, _HOOKS):
        return ("hook", value.run_id, value.hook_id, value.token)
    if isinstance(value, PaginatedResponse):
        return tuple(summarise(item) for item in value.data)
    if isinstance(value, list | tuple):
        return tuple(summarise(item) for item in value)
    if isinstance(value, dict):
        return tuple(sorted((str(key), summarise(item)) for key, item in value.items()))
    return value  # type: ignore[no-any-return]


def _summarise_result(result: EventResult | LineFiveEventResult) -> Hashable:
    parts: list[tuple[Any, ...]] = []
    event = result.event
    if event is not MISSING and event.event_type != "run_started":
        correlation = getattr(event, "correlation_id", MISSING)
        part: tuple[Any, ...] = ("event", event.event_type, "" if correlation is MISSING else correlation)
        if event.event_type == "hook_conflict" and event.event_data is not MISSING:
            part += (event.event_data.token, str(event.event_data.conflicting_run_id))
        parts.append(part)
    if result.run is not MISSING:
        parts.append(("run", result.run.status))
    if result.step is not MISSING:
        parts.append(("step", result.step.status, int(result.step.attempt)))
    if result.hook is not MISSING:
        parts.append(("hook", result.hook.hook_id, result.hook.token))
    if result.wait is not MISSING:
        parts.append(("wait", result.wait.status))
    if getattr(result, "step_created", MISSING) is True:
        parts.append(("stepCreated",))
    return tuple(parts)


def log_summary(events: Sequence[Any], sealed_log: bool = False) -> tuple[tuple[str, ...], ...]:
    """A log as ``(eventType, correlationId[, token])`` rows, repeats of ``run_started`` and
    ``run_cancelled`` dropped (§8 lets concurrent losers append them), and with ``sealed_log``
    (the World declares a sealed log) its ``noop`` fillers too, which may stand where a create
    was refused (v7 §2.6 item 3); a slot-numbered log whose events do not hold slots 1…n in
    order ends with a ``misplaced slot`` row (v7 §2.6), and any other log in which two events
    share an eventId (ids are never reused, §8) with a ``repeated eventId`` row; no oracle log
    has either."""
    rows: list[tuple[str, ...]] = []
    for event in events:
        if event.event_type in _COLLAPSED and any(row[0] == event.event_type for row in rows):
            continue
        if sealed_log and str(event.event_type) == "noop":
            continue
        correlation = getattr(event, "correlation_id", MISSING)
        row: tuple[str, ...] = (event.event_type, "" if correlation is MISSING else str(correlation))
        if event.event_type == "hook_created" and event.event_data is not MISSING:
            row += (event.event_data.token,)
        rows.append(row)
    misplaced = _misplaced_slot(events)
    if misplaced is not None:
        rows.append(misplaced)
    repeated = None if misplaced is not None else _repeated_event_id(events)
    if repeated is not None:
        rows.append(repeated)
    return tuple(rows)


def _repeated_event_id(events: Sequence[Any]) -> tuple[str, ...] | None:
    """``(repeated eventId, position, eventId)`` of the first event whose eventId an earlier
    event of the log already has; ``None`` when every eventId is the log's only one."""
    seen: set[str] = set()
    for position, event in enumerate(events, start=1):
        event_id = str(event.event_id)
        if event_id in seen:
            return (REPEATED_EVENT_ID, str(position), event_id)
        seen.add(event_id)
    return None


def _misplaced_slot(events: Sequence[Any]) -> tuple[str, ...] | None:
    """``(misplaced slot, position, eventId)`` of the first event of a slot-numbered log that is
    not at its slot; ``None`` for a log in place, or one numbered by ULIDs (the 4.x line)."""
    if not events or not is_slot_event_id(events[0].event_id):
        return None
    for position, event in enumerate(events, start=1):
        if event_id_to_slot(event.event_id) != position:
            return (MISPLACED_SLOT, str(position), str(event.event_id))
    return None


MAX_LOG_PAGES = 50


async def whole_log(world: World, run_id: str) -> list[Any]:
    """The run's log, ascending, read 100 events a page (at most ``MAX_LOG_PAGES`` pages)."""
    events: list[Any] = []
    cursor: str | None = None
    for _ in range(MAX_LOG_PAGES):
        options = PaginationOptions(limit=100, sort_order="asc", **({"cursor": cursor} if cursor else {}))
        page = await world.events.list(run_id, pagination=options)
        events.extend(page.data)
        if not page.has_more or page.cursor is None or page.cursor == cursor:
            break
        cursor = page.cursor
    return events


async def outcome_of(call: Any, world: World) -> Outcome:
    """Make ``call`` (a ``WorldCall`` or ``Observation``) on ``world``; its ``Outcome``. A call
    the World refuses with ``ThrottleError`` is made again after its ``retryAfter``, as the
    runtime makes it (``conformance.world.throttle.answered``).

    A contract error is an ``error`` outcome named by ``name``; any other exception is an
    ``error`` outcome named by its type, which no oracle outcome ever matches.
    """
    try:
        return Outcome("ok", summarise(await answered(lambda: call.on(world))))
    except WorkflowError as error:
        return Outcome("error", error.name)
    except Exception as error:
        return Outcome("error", f"{type(error).__name__} (not a contract error): {error}")


def _in_any_order(listed: Hashable) -> Hashable:
    """A listing's summary as a set: hooks created within one millisecond may be listed in
    either order (LIST-004 judges the order, over hooks created at distinct milliseconds)."""
    return tuple(sorted(listed, key=repr)) if isinstance(listed, tuple) else listed


@dataclass(frozen=True)
class Observation:
    """A read of everything a race touched, made after every racing call returned: each
    run's status and log, each step (or ``NO_STEP`` when the read is refused, whatever the
    error), the live hooks of each run (in any order), and each token's holder."""

    runs: tuple[str, ...]
    steps: tuple[tuple[str, str], ...] = ()
    tokens: tuple[str, ...] = ()

    async def on(self, world: World) -> Hashable:
        """The observation's summary, read through ``world``'s API."""
        seen: dict[str, Hashable] = {}
        sealed = declares_on_line_5(world, LineFiveCapability.SEALED_LOG)
        for run_id in self.runs:
            seen[f"status {run_id}"] = (await outcome_of(WorldCall("runs.get", (run_id,)), world)).value
            seen[f"log {run_id}"] = log_summary(await whole_log(world, run_id), sealed)
            hooks = await outcome_of(
                WorldCall("hooks.list", (), {"run_id": run_id, "pagination": WHOLE_PAGE}), world
            )
            seen[f"hooks {run_id}"] = _in_any_order(hooks.value)
        for run_id, step_id in self.steps:
            step = await outcome_of(WorldCall("steps.get", (run_id, step_id)), world)
            seen[f"step {step_id}"] = NO_STEP if step.kind == "error" else step.value
        for token in self.tokens:
            holder = await outcome_of(WorldCall("hooks.get_by_token", (token,)), world)
            seen[f"token {token}"] = holder.value
        return tuple(sorted(seen.items()))

    def reads(self) -> tuple[WorldCall, ...]:
        """The single-entity reads of the observation (each run, step and token), the ones a
        World most often answers from a cache."""
        return (
            *(WorldCall("runs.get", (run_id,)) for run_id in self.runs),
            *(WorldCall("steps.get", step) for step in self.steps),
            *(WorldCall("hooks.get_by_token", (token,)) for token in self.tokens),
        )

    def describe(self) -> str:
        """``observe(runs, steps, tokens)`` with ids shortened."""
        shown = [brief(run_id) for run_id in self.runs] + [brief(step) for _, step in self.steps]
        return f"observe({', '.join(shown + list(self.tokens))})"


def explains(call: Any, observed: Outcome, expected: Outcome) -> bool:
    """Whether the oracle's ``expected`` outcome explains the ``observed`` one (see the module
    docstring for the choices §8 leaves to a World)."""
    if observed.kind == "unknown" or observed == expected:
        return True
    event_type = _event_type(call)
    if event_type == "run_started" and expected == Outcome("error", WorkflowRunNotFoundError.name):
        return observed.kind == "error" and observed.value in ORDINARY_START_REFUSALS
    if event_type == "run_started":
        return observed == Outcome("error", "EntityConflictError") and expected.kind == "ok"
    if event_type == "run_cancelled" and expected == Outcome("ok", (("run", "cancelled"),)):
        return observed == Outcome("error", "EntityConflictError") or observed == Outcome(
            "ok", (("event", "run_cancelled", ""), ("run", "cancelled"))
        )
    if event_type == "hook_disposed":
        return expected == Outcome("error", "HookNotFoundError") and observed == Outcome(
            "error", "EntityConflictError"
        )
    return False


ORDINARY_START_REFUSALS = frozenset(
    {WorkflowRunNotFoundError.name, WorkflowWorldError.name}
    | {kind.name for kind in WorkflowWorldError.__subclasses__()}
)
"""What a World may answer an ordinary ``run_started`` (no creation data) on a missing run:
§4.1 step 5 makes ``WorkflowRunNotFoundError`` a SHOULD, so any refusal RS-001 accepts (the
not-found error or a ``WorkflowWorldError``) is a legal choice, in a race as alone."""


_LINE_5_CHOICES: dict[str, frozenset[str]] = {
    "run_started": frozenset({"RunExpiredError", "EntityConflictError"}),
    "hook_received": frozenset({"HookNotFoundError", "RunExpiredError"}),
}
"""The refusals the 5.x line lets a World choose between once the call's run has ended."""


def answers(call: Any, expected: Outcome, oracle: Oracle) -> frozenset[Outcome]:
    """The outcomes a World may give ``call`` where ``oracle`` (in the state the call met)
    gave ``expected``: ``expected`` itself, and on the 5.x line the other refusal v7 allows
    once the run has ended (see the module docstring). ``explains`` then judges each."""
    event_type = _event_type(call)
    if event_type is None or expected.kind != "error":
        return frozenset({expected})
    choices = ended_run_refusals(event_type, str(call.args[0]), oracle)
    if expected.value not in choices:
        return frozenset({expected})
    return frozenset(Outcome("error", name) for name in choices)


def ended_run_refusals(event_type: str | None, run_id: str, oracle: Oracle) -> frozenset[str]:
    """The error names a World may choose between when it refuses an ``event_type`` create on
    ``run_id``, as ``oracle`` holds that run now: on the 5.x line, once the run has ended, the
    pair v7 allows (see the module docstring); else none, and only the oracle's own refusal is
    right."""
    choices = _LINE_5_CHOICES.get(event_type or "", frozenset())
    if not choices or line_of(oracle.spec_version) is not SpecLine.LINE_5:
        return frozenset()
    found = oracle.state.runs.get(run_id)
    if found is None or found[1].status not in entities.TERMINAL_RUN_STATUSES:
        return frozenset()
    return choices


def _event_type(call: Any) -> str | None:
    if isinstance(call, WorldCall) and call.method == "events.create" and len(call.args) > 1:
        return getattr(call.args[1], "event_type", None)
    return None


def fingerprint(oracle: Oracle) -> Hashable:
    """The oracle's state, as far as races can tell states apart: statuses, logs by type and
    correlationId, steps, live hooks and waits."""
    state = oracle.state
    return (
        tuple(sorted((run_id, run.status) for run_id, (_, run) in state.runs.items())),
        tuple(sorted((run_id, log_summary(log)) for run_id, log in state.events.items())),
        tuple(sorted((key, step.status, int(step.attempt)) for key, (_, step) in state.steps.items())),
        tuple(sorted((key, hook.token) for key, (_, hook) in state.hooks.items())),
        tuple(sorted((wait_id, wait.status) for wait_id, wait in state.waits.items())),
    )
