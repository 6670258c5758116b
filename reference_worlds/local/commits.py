"""A run's commit log (layout 2) and its fold into events and entities.

Each accepted ``events.create`` appends one *commit*: one line of JSON in the tagged form of
``worldspec.wire`` (bytes as ``{"$bytes": ...}``, dates as ``{"$timestampMs": ...}``)::

    {"runId": "wrun_...", "ns": 1718000000000000000, "events": [...],
     "run": {...}, "step": {...}, "hook": {...}, "wait": {...},
     "disposedHook": "hook_...", "releaseRun": true}

``events`` are the events appended, in order; the other keys, present only when the commit
has them, are the entity states of the ``rules.Outcome`` it carries out. The log is the only
source of truth: folding its commits gives the run, its steps, live hooks and waits. ``ns`` is
the wall clock in nanoseconds, which orders creations across runs.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

from reference_worlds.rules import Outcome
from worldspec.entities import Hook, Step, Wait, WorkflowRun
from worldspec.events import Event
from worldspec.validation import parse_event, parse_hook, parse_run, parse_step, parse_wait
from worldspec.wire import from_tagged, to_tagged
from worldspec.wire_types import MISSING, coerce_js_date

__all__ = [
    "Commit",
    "LiveHook",
    "LoggedEvent",
    "RunFold",
    "Stored",
    "decode_line",
    "encode_outcome",
    "logged_event",
]

ModelT = TypeVar("ModelT")


class Stored(Generic[ModelT]):
    """A model kept in its stored (tagged) form until first used, then parsed once."""

    __slots__ = ("_model", "_parse", "_tagged")

    def __init__(
        self, parse: Callable[[Any], ModelT], tagged: Any = None, model: ModelT | None = None
    ) -> None:
        self._parse = parse
        self._tagged = tagged
        self._model = model

    @property
    def model(self) -> ModelT:
        """The parsed model."""
        if self._model is None:
            self._model = self._parse(self._tagged)
            self._tagged = None
        return self._model


@dataclass(frozen=True)
class LoggedEvent:
    """One event of a run's log, with what listing needs without parsing it."""

    event_id: str
    correlation_id: str | None
    created_at: datetime
    event: Stored[Event]


@dataclass(frozen=True)
class LiveHook:
    """A live hook: its creation order across runs (``[ns, runId, position]``) and token."""

    order: list[Any]
    token: str
    hook: Stored[Hook]


@dataclass(frozen=True)
class Commit:
    """One line of the log, decoded: the events appended and the entity states written."""

    run_id: str
    ns: int
    events: list[LoggedEvent]
    run: Stored[WorkflowRun] | None = None
    step: tuple[str, Stored[Step]] | None = None
    hook: tuple[str, str, Stored[Hook]] | None = None
    wait: tuple[str, Stored[Wait]] | None = None
    disposed_hook: str | None = None
    release_run: bool = False

    @classmethod
    def from_outcome(cls, outcome: Outcome, ns: int) -> Commit:
        """The commit that carries out ``outcome`` (its models already parsed)."""
        run, step, hook, wait = outcome.run, outcome.step, outcome.hook, outcome.wait
        disposed = outcome.disposed_hook
        return cls(
            run_id=outcome.run_id,
            ns=ns,
            events=[
                LoggedEvent(
                    event.event_id,
                    None if event.correlation_id is MISSING else event.correlation_id,
                    event.created_at,
                    Stored(parse_event, model=event),
                )
                for event in outcome.events
            ],
            run=Stored(parse_run, model=run) if run is not None else None,
            step=(step.step_id, Stored(parse_step, model=step)) if step is not None else None,
            hook=(hook.hook_id, hook.token, Stored(parse_hook, model=hook)) if hook is not None else None,
            wait=(wait.wait_id, Stored(parse_wait, model=wait)) if wait is not None else None,
            disposed_hook=disposed.hook_id if disposed is not None else None,
            release_run=outcome.release_run,
        )

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Commit:
        """The commit a decoded log line (tagged JSON) holds; ``KeyError``/``TypeError`` if it
        is not one."""
        step, hook, wait = record.get("step"), record.get("hook"), record.get("wait")
        return cls(
            run_id=str(record["runId"]),
            ns=int(record["ns"]),
            events=[logged_event(tagged) for tagged in record["events"]],
            run=Stored(parse_run, record["run"]) if "run" in record else None,
            step=(str(step["stepId"]), Stored(parse_step, step)) if step is not None else None,
            hook=(str(hook["hookId"]), str(hook["token"]), Stored(parse_hook, hook))
            if hook is not None
            else None,
            wait=(str(wait["waitId"]), Stored(parse_wait, wait)) if wait is not None else None,
            disposed_hook=record.get("disposedHook"),
            release_run=bool(record.get("releaseRun", False)),
        )


def logged_event(tagged: dict[str, Any]) -> LoggedEvent:
    """A stored event in tagged form, indexed by id, correlation id and creation time."""
    correlation = tagged.get("correlationId")
    return LoggedEvent(
        str(tagged["eventId"]),
        correlation if isinstance(correlation, str) else None,
        coerce_js_date(from_tagged(tagged["createdAt"])),
        Stored(parse_event, tagged),
    )


def encode_outcome(outcome: Outcome, ns: int) -> bytes:
    """The log line of ``outcome``'s commit. Raises ``TypeError``/``ValueError`` for data JSON
    cannot hold (a NaN, an object of no JSON type)."""
    record: dict[str, Any] = {
        "runId": outcome.run_id,
        "ns": ns,
        "events": [to_tagged(event) for event in outcome.events],
    }
    entities = (("run", outcome.run), ("step", outcome.step), ("hook", outcome.hook), ("wait", outcome.wait))
    for name, entity in entities:
        if entity is not None:
            record[name] = to_tagged(entity)
    if outcome.disposed_hook is not None:
        record["disposedHook"] = outcome.disposed_hook.hook_id
    if outcome.release_run:
        record["releaseRun"] = True
    text = json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return (text + "\n").encode("utf-8", "surrogatepass")


def decode_line(line: bytes) -> Commit:
    """The commit of one committed log line; ``ValueError`` if the line is not one."""
    try:
        record = json.loads(line.decode("utf-8", "surrogatepass"))
        return Commit.from_record(record)
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"not a commit: {error!r}") from None


@dataclass
class RunFold:
    """What a run's files say, folded in commit order (layout-1 files first, if any).
    ``offset`` is how many bytes of the layout-2 log are folded in."""

    offset: int = 0
    run: Stored[WorkflowRun] | None = None
    created_order: list[Any] = field(default_factory=list)
    events: list[LoggedEvent] = field(default_factory=list)
    positions: dict[str, int] = field(default_factory=dict)
    by_correlation: dict[str, list[int]] = field(default_factory=dict)
    steps: dict[str, tuple[int, Stored[Step]]] = field(default_factory=dict)
    hooks: dict[str, LiveHook] = field(default_factory=dict)
    hooks_ever: set[str] = field(default_factory=set)
    waits: dict[str, Stored[Wait]] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        """Nothing folded in yet: the run does not exist (as far as this fold knows)."""
        return not self.events and self.run is None

    def apply(self, commit: Commit) -> None:
        """Fold one commit in, as ``MemoryWorld`` writes an outcome."""
        position = len(self.events)
        for logged in commit.events:
            index = len(self.events)
            self.events.append(logged)
            self.positions.setdefault(logged.event_id, index)
            if logged.correlation_id is not None:
                self.by_correlation.setdefault(logged.correlation_id, []).append(index)
        if commit.run is not None:
            if self.run is None:
                self.created_order = [commit.ns, commit.run_id]
            self.run = commit.run
        if commit.step is not None:
            step_id, step = commit.step
            order = self.steps[step_id][0] if step_id in self.steps else position
            self.steps[step_id] = (order, step)
        if commit.hook is not None:
            hook_id, token, hook = commit.hook
            self.hooks[hook_id] = LiveHook([commit.ns, commit.run_id, position], token, hook)
            self.hooks_ever.add(hook_id)
        if commit.disposed_hook is not None:
            self.hooks.pop(commit.disposed_hook, None)
        if commit.wait is not None:
            wait_id, wait = commit.wait
            self.waits[wait_id] = wait
        if commit.release_run:
            self.hooks.clear()
            self.waits.clear()
