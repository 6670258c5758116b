"""Running one operation on the World under test and on the oracle, and saying where they part.

After each operation that can change state, the driver also compares what both Worlds show of
the run it touched (``runs.get``, the whole log, its steps and live hooks) and who holds each
token the model used: a World can answer a call correctly and still store something else.

Some operations are not judged, because the contract lets a World choose (§4.2, §4.6) or the
World does not run on the kit's clock; they are skipped, and the reason is recorded.

The World is judged on a line of the contract: the driver sends that line's requests
(``operations.model_requests``) and compares with an oracle at the World's spec version
(``oracle_version``). On the 5.x line a refusal the line leaves to the World once the run has
ended (``run_started``: ``RunExpiredError`` or ``EntityConflictError``; ``hook_received``:
``HookNotFoundError`` or ``RunExpiredError``, v7 §4.2, §4.4) agrees with the oracle's, as the
races judge it (``ended_run_refusals``); ``normalise`` says what else is not compared.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from conformance.checks.make import new_id, workflow_name
from conformance.checks.values import nasty_token
from conformance.model import operations as ops
from conformance.model.normalise import normalised
from conformance.races.requests import LineRequests
from conformance.races.results import ended_run_refusals
from conformance.reporting.display import show
from conformance.world.capabilities import declares_on_line_5, unwrapped
from conformance.world.clock import ManualClock, open_world_with_clock
from conformance.world.loading import WorldSpec, close_world
from conformance.world.oracle import Oracle, as_world, oracle_on, oracle_version, system_clock
from conformance.world.spec_line import choose_line
from worldspec.entities import TERMINAL_RUN_STATUSES
from worldspec.errors import TooEarlyError, WorkflowError
from worldspec.events import EventResult
from worldspec.line5.capabilities import Capability as LineFiveCapability
from worldspec.line5.events import EventResult as LineFiveEventResult
from worldspec.lines import SpecLine
from worldspec.protocol import World
from worldspec.ulid import new_ulid
from worldspec.wire_types import MISSING

__all__ = ["Answer", "Disagreement", "ModelDriver", "Performed"]

STATE_PAGE_SIZE = 2
"""The page size the state comparison reads logs, steps and hooks with."""

NEAR_SECONDS = 600
"""On its own clock, a World may cross a ``retryAfter`` this close between its answer and the
oracle's, so such retries are judged only on the kit's clock."""

_TIE_ORDERED_LISTINGS = (ops.ListRuns, ops.ListSteps, ops.ListHooks)
"""Listings ordered by creation time, where entities created in one millisecond (the kit's
clock stands still) may come in any order: their items are compared as a set, each page by
its size and ``hasMore``."""

_EVENT_LISTINGS = (ops.ListEvents, ops.ListByCorrelation)

_PRELOAD_KEYS = ("events", "cursor", "hasMore", "maxEvents")
_PAYLOAD_KEYS = ("input", "output", "metadata")


@dataclass(frozen=True)
class Answer:
    """What one World answered: a normalised value, or an error by name (``retry_after`` for
    ``TooEarlyError``)."""

    value: Any = None
    error: str | None = None
    retry_after: float | None = None

    def show(self) -> str:
        if self.error is None:
            return show(self.value)
        return self.error + (f" (retryAfter {self.retry_after})" if self.retry_after is not None else "")


@dataclass(frozen=True)
class Disagreement:
    """After ``operation`` (number ``step``), the World and the oracle show ``subject``
    differently; ``aspect`` names what kind of thing differs (``answer``, ``run``, ``log``,
    ``steps``, ``hooks``, ``token``)."""

    step: int
    operation: ops.Operation
    aspect: str
    subject: str
    world: Answer
    oracle: Answer

    def headline(self) -> str:
        """What differs and after which operation, in one line."""
        return f"{self.subject} differs after operation {self.step} ({self.operation!r})"

    def explain(self) -> str:
        """Where they part and how: both answers, or for two values a diff from the oracle's
        to the World's."""
        lines = [f"after operation {self.step}: {self.operation!r}", f"{self.subject} differs"]
        if self.world.error is None and self.oracle.error is None:
            diff = difflib.unified_diff(
                self.oracle.show().splitlines(),
                self.world.show().splitlines(),
                "the oracle",
                "the World",
                lineterm="",
            )
            return "\n".join([*lines, *diff])
        lines += [f"the World:\n{_indent(self.world.show())}", f"the oracle:\n{_indent(self.oracle.show())}"]
        return "\n".join(lines)


def _without_order(pages: list[dict[str, Any]]) -> dict[str, Any]:
    items = [item for page in pages for item in page.get("data", [])]
    shape = [[len(page["data"]), page["hasMore"]] if "data" in page else page for page in pages]
    return {"items (any order)": sorted(items, key=repr), "pages (size, hasMore)": shape}


def _without_noop(pages: list[dict[str, Any]]) -> dict[str, Any]:
    events = [item for page in pages for item in page.get("data", []) if item.get("eventType") != "noop"]
    stopped = [page for page in pages if "stopped" in page]
    return {"events in order (noop left out)": events, "stopped": stopped}


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


@dataclass(frozen=True)
class Performed:
    """One operation as performed: both answers, or why it was skipped."""

    operation: ops.Operation
    world: Answer | None = None
    oracle: Answer | None = None
    skipped: str | None = None

    def describe(self) -> str:
        if self.skipped is not None:
            return f"{self.operation!r}: skipped, {self.skipped}"
        shown = "done" if self.world is None else (self.world.error or "ok")
        return f"{self.operation!r} → {shown}"


class _SharedNames:
    """Ids for the non-run symbols, minted once and used on both Worlds, the instant the
    current operation runs at (read once, so both Worlds are sent the same times), and the
    requests of the line both are judged on."""

    def __init__(self, clock: Callable[[], datetime], line: SpecLine) -> None:
        self.minted: dict[str, str] = {}
        self.now = clock()
        self.line = line
        self.requests = ops.model_requests(line)

    def ident(self, symbol: str) -> str:
        if symbol not in self.minted:
            kind = symbol.split("_")[0]
            if kind == "workflow":
                self.minted[symbol] = workflow_name()
            elif kind == "token":
                self.minted[symbol] = nasty_token(len(self.minted))
            else:
                self.minted[symbol] = new_id(kind)
        return self.minted[symbol]


@dataclass
class _Side:
    """One of the two Worlds and how it spells the model's run symbols."""

    world: World
    shared: _SharedNames
    runs: dict[str, str] = field(default_factory=dict)

    def run(self, symbol: str) -> str | None:
        return self.runs.get(symbol)

    def ident(self, symbol: str) -> str:
        return self.shared.ident(symbol)

    def at(self, seconds: int) -> datetime:
        return self.shared.now + timedelta(seconds=seconds)

    @property
    def line(self) -> SpecLine:
        return self.shared.line

    @property
    def requests(self) -> LineRequests:
        return self.shared.requests

    def symbols(self) -> dict[str, str]:
        return {run_id: symbol for symbol, run_id in self.runs.items()}


class ModelDriver:
    """Runs operations on ``world`` and ``oracle`` side by side, judging ``world`` on ``line``.

    ``clock`` is the time both run on; ``movable`` says whether the World runs on the kit's
    ``ManualClock`` (then ``Tick`` moves it and ``TooEarlyError.retryAfter`` must match
    exactly), or on its own clock (then ``Tick`` is skipped and a second of drift is allowed).
    """

    def __init__(
        self, world: World, oracle: Oracle, clock: Callable[[], datetime], movable: bool, line: SpecLine
    ) -> None:
        self.shared = _SharedNames(clock, line)
        self.world = _Side(world, self.shared)
        self.oracle = _Side(as_world(oracle), self.shared)
        self.oracle_world = oracle
        self.clock = clock
        self.movable = movable
        self.line = line
        self.sealed_log = line is SpecLine.LINE_5 and declares_on_line_5(world, LineFiveCapability.SEALED_LOG)
        """A sealed log MAY fill a refused create's position with ``noop`` (v7 §2.6 item 3): its
        event ids are not compared, and its event listings are compared as one sequence of
        events with ``noop`` left out (page sizes then differ)."""
        self.tokens: list[str] = []
        self.performed: list[Performed] = []

    @classmethod
    async def open(cls, spec: WorldSpec, line: SpecLine | None) -> ModelDriver:
        """A driver over a fresh World of ``spec`` (on the kit's clock if it accepts one) and a
        fresh oracle on the same clock, at the World's spec version on ``line`` (``None``: the
        line of the version the World declares)."""
        kit_clock = ManualClock()
        world, on_kit_clock = await open_world_with_clock(spec, kit_clock)
        clock = kit_clock if on_kit_clock else system_clock
        declared = getattr(unwrapped(world), "spec_version", None)
        judged_on = choose_line(declared).line if line is None else line
        oracle = oracle_on(clock, oracle_version(judged_on, declared))
        return cls(world, oracle, clock, on_kit_clock, judged_on)

    async def close(self) -> None:
        """Close the World under test (the oracle holds nothing to release)."""
        await close_world(self.world.world)

    async def apply(self, operation: ops.Operation) -> Disagreement | None:
        """Perform ``operation`` on both Worlds; the first disagreement it reveals, if any."""
        reason = await self._not_judged(operation)
        if reason is not None:
            self.performed.append(Performed(operation, skipped=reason))
            return None
        if isinstance(operation, ops.Tick):
            assert isinstance(self.clock, ManualClock)
            self.clock.advance(operation.seconds)
            self.performed.append(Performed(operation))
            return None
        self.shared.now = self.clock()
        self._bind_client_run(operation)
        world_raw = await self._call(operation, self.world)
        oracle_raw = await self._call(operation, self.oracle)
        self._bind_minted_run(operation, self.world, world_raw)
        self._bind_minted_run(operation, self.oracle, oracle_raw)
        if isinstance(oracle_raw, Exception) and not isinstance(oracle_raw, WorkflowError):
            failed = f"the oracle failed on {operation!r}, so the kit cannot judge it"
            raise RuntimeError(failed) from oracle_raw
        world_answer = self._answer(operation, world_raw, self.world)
        oracle_answer = self._answer(operation, oracle_raw, self.oracle)
        self.performed.append(Performed(operation, world_answer, oracle_answer))
        step = len(self.performed)
        if not self._agree(operation, world_answer, oracle_answer):
            return Disagreement(step, operation, "answer", "the answer", world_answer, oracle_answer)
        if isinstance(operation, ops.CreateHook) and operation.token not in self.tokens:
            self.tokens.append(operation.token)
        if isinstance(operation, ops.EventOperation):
            return await self._compare_state(step, operation)
        return None

    def operations(self) -> list[ops.Operation]:
        """The operations applied so far, skipped ones included: the sequence to replay."""
        return [done.operation for done in self.performed]

    async def _not_judged(self, operation: ops.Operation) -> str | None:
        if isinstance(operation, ops.Tick):
            return None if self.movable else "the World does not run on the kit's clock"
        near = isinstance(operation, ops.RetryStep) and 0 < (operation.retry_in or 0) < NEAR_SECONDS
        if near and not self.movable:
            return f"a retryAfter within {NEAR_SECONDS} s is judged only on the kit's clock"
        symbol = operation.run_symbol
        creating = isinstance(operation, ops.CreateRun | ops.ResilientStart)
        if symbol is None or creating:
            return None
        if symbol not in self.world.runs or symbol not in self.oracle.runs:
            return f"{symbol} was never created"
        run_id = self.oracle.runs[symbol]
        try:
            status = (await self.oracle.world.runs.get(run_id)).status
        except WorkflowError:
            return None
        terminal = status in TERMINAL_RUN_STATUSES
        if isinstance(operation, ops.CancelRun) and status == "cancelled":
            return "cancelling a cancelled run MAY append another run_cancelled (§4.2)"
        if terminal and isinstance(operation, ops.CompleteStep | ops.FailStep | ops.RetryStep):
            step = await self._oracle_step(run_id, operation.step)
            if step is not None and (step.status == "pending" or isinstance(operation, ops.RetryStep)):
                return "the World MAY accept it after the run ended (§4.6)"
        return None

    async def _oracle_step(self, run_id: str, symbol: str) -> Any:
        try:
            return await self.oracle.world.steps.get(run_id, self.oracle.ident(symbol))
        except WorkflowError:
            return None

    def _bind_client_run(self, operation: ops.Operation) -> None:
        symbol = operation.run_symbol
        if symbol is None or symbol in self.world.runs:
            return
        if isinstance(operation, ops.ResilientStart) or (
            isinstance(operation, ops.CreateRun) and operation.client_id
        ):
            run_id = f"wrun_{new_ulid(self.clock())}"
            self.world.runs[symbol] = self.oracle.runs[symbol] = run_id

    @staticmethod
    def _bind_minted_run(operation: ops.Operation, side: _Side, raw: Any) -> None:
        symbol = operation.run_symbol
        minted = isinstance(raw, EventResult | LineFiveEventResult) and raw.run is not MISSING
        if isinstance(operation, ops.CreateRun) and symbol is not None and symbol not in side.runs and minted:
            side.runs[symbol] = raw.run.run_id

    @staticmethod
    async def _call(operation: ops.Operation, side: _Side) -> Any:
        try:
            return await operation.perform(side.world, side)
        except Exception as error:
            return error

    def _answer(self, operation: ops.Operation, raw: Any, side: _Side) -> Answer:
        if isinstance(raw, TooEarlyError):
            return Answer(error=raw.name, retry_after=raw.retry_after)
        if isinstance(raw, WorkflowError):
            return Answer(error=raw.name)
        if isinstance(raw, Exception):
            return Answer(error=f"{type(raw).__name__} (not a contract error): {raw}")
        if isinstance(raw, EventResult | LineFiveEventResult):
            form = raw.to_wire()
            for key in _PRELOAD_KEYS:
                form.pop(key, None)
            if getattr(operation, "resolve", "all") == "none":
                for entity in ("run", "step", "hook"):
                    for key in _PAYLOAD_KEYS:
                        form.get(entity, {}).pop(key, None)
            raw = form
        shown = normalised(raw, side.symbols(), self.line, self.sealed_log)
        if isinstance(operation, _TIE_ORDERED_LISTINGS):
            shown = _without_order(shown)
        elif self.sealed_log and isinstance(operation, _EVENT_LISTINGS):
            shown = _without_noop(shown)
        return Answer(shown)

    def _agree(self, operation: ops.Operation, world: Answer, oracle: Answer) -> bool:
        if world.error is None or oracle.error is None:
            return world == oracle
        if isinstance(operation, ops.GetStep):
            return True
        if world.error != oracle.error:
            return {world.error, oracle.error} <= self._refusals_left_open(operation)
        if world.retry_after is None or oracle.retry_after is None:
            return world.retry_after == oracle.retry_after
        drift = 0 if self.movable else 1
        return abs(world.retry_after - oracle.retry_after) <= drift

    def _refusals_left_open(self, operation: ops.Operation) -> frozenset[str]:
        """The refusals of ``operation`` the World's line lets it choose between, as the oracle
        holds the operation's run now (``ended_run_refusals``)."""
        run_id = self.oracle.runs.get(operation.run_symbol or "")
        if not isinstance(operation, ops.EventOperation) or run_id is None:
            return frozenset()
        event_type = operation.request(self.oracle).event_type
        return ended_run_refusals(event_type, run_id, self.oracle_world)

    async def _compare_state(self, step: int, operation: ops.EventOperation) -> Disagreement | None:
        reads: list[tuple[str, str, ops.Operation]] = []
        run = operation.run
        if run in self.world.runs and run in self.oracle.runs:
            reads += [
                ("run", f"runs.get({run})", ops.GetRun(run)),
                (
                    "log",
                    f"the log of {run} (events.list, limit {STATE_PAGE_SIZE})",
                    ops.ListEvents(run, STATE_PAGE_SIZE),
                ),
                ("steps", f"the steps of {run} (steps.list)", ops.ListSteps(run, STATE_PAGE_SIZE)),
                ("hooks", f"the live hooks of {run} (hooks.list)", ops.ListHooks(run, STATE_PAGE_SIZE)),
            ]
        reads += [
            ("token", f"the holder of {token} (hooks.getByToken)", ops.GetHookByToken(token))
            for token in self.tokens
        ]
        for aspect, subject, read in reads:
            world = self._answer(read, await self._call(read, self.world), self.world)
            oracle = self._answer(read, await self._call(read, self.oracle), self.oracle)
            if not self._agree(read, world, oracle):
                return Disagreement(step, operation, aspect, subject, world, oracle)
        return None
