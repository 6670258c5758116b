"""The model's vocabulary: World calls named by symbols, so a sequence reads as a story and
replays on any pair of Worlds.

An operation names runs, steps, hooks, waits, tokens and workflow names by symbol
(``"run_0"``, ``"step_2"``, ``"token_1"``). ``Names`` turns symbols into the ids of the World it
runs on: a run symbol is bound to the id the World minted (or a client id the kit chose), the
others to fresh ids shared by the World under test and the oracle, and gives the requests of
the line the World is judged on (``model_requests``): the calls whose shapes differ between
the lines are built per line, and ``StartStepLazily`` exists only on the 5.x line. ``repr`` of
an operation is Python that builds it again, which is how a failing sequence is printed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import MISSING as NO_DEFAULT
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Protocol

from conformance.checks import make, make_line5
from conformance.races.requests import LineRequests, requests_of
from worldspec.entities import RunStatus
from worldspec.events import EventRequest
from worldspec.lines import SpecLine
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData, SortOrder
from worldspec.protocol import World
from worldspec.wire_types import MISSING

__all__ = [
    "MAX_PAGES",
    "CancelRun",
    "CompleteRun",
    "CompleteStep",
    "CompleteWait",
    "CreateHook",
    "CreateRun",
    "CreateStep",
    "CreateWait",
    "DisposeHook",
    "EventOperation",
    "FailRun",
    "FailStep",
    "GetHook",
    "GetHookByToken",
    "GetRun",
    "GetStep",
    "ListByCorrelation",
    "ListEvents",
    "ListHooks",
    "ListRuns",
    "ListSteps",
    "Names",
    "Operation",
    "ReceiveHook",
    "ResilientStart",
    "RetryStep",
    "StartRun",
    "StartStep",
    "StartStepLazily",
    "Tick",
    "model_requests",
]

MAX_PAGES = 100
"""Pages a listing follows before it stops."""


def model_requests(line: SpecLine) -> LineRequests:
    """The requests the model sends to a World judged on ``line``: the races' (``requests_of``),
    but failures carry an ``errorCode`` (and on the 4.x line a ``stack``), so the model also
    compares how a World keeps them."""
    if line is SpecLine.LINE_5:
        return replace(
            requests_of(line), run_failed=lambda: make_line5.run_failed(b"devl\x00run-error", "MODEL")
        )
    return replace(
        requests_of(line),
        run_failed=lambda: make.run_failed({"message": "the run failed", "stack": "at model"}, "MODEL"),
        step_failed=lambda step_id: make.step_failed(step_id, "step broke", stack="at model"),
    )


class Names(Protocol):
    """How the World an operation runs on spells the operation's symbols."""

    def run(self, symbol: str) -> str | None:
        """The run's id on this World; ``None`` before a minting ``run_created`` binds it."""
        ...

    def ident(self, symbol: str) -> str:
        """The id, token or workflow name a non-run symbol stands for (the same on every World)."""
        ...

    def at(self, seconds: int) -> datetime:
        """The kit's clock, ``seconds`` from now."""
        ...

    @property
    def line(self) -> SpecLine:
        """The line the World is judged on."""
        ...

    @property
    def requests(self) -> LineRequests:
        """The requests of that line (``model_requests``)."""
        ...


def _bound(names: Names, symbol: str) -> str:
    """The run id ``symbol`` stands for; reads run only on runs both Worlds know."""
    run_id = names.run(symbol)
    if run_id is None:
        raise RuntimeError(f"{symbol} is read before any run_created bound it")
    return run_id


def _payload(symbol: str) -> bytes:
    return b"devl\x00" + symbol.encode()


class Operation:
    """One step of the model: ``perform`` makes its calls on a World and returns the answer.

    Operations are frozen dataclasses whose ``repr`` leaves out fields at their defaults.
    """

    def __repr__(self) -> str:
        shown = []
        for spec in fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            if spec.default is NO_DEFAULT or value != spec.default:
                shown.append(f"{spec.name}={value!r}")
        return f"{type(self).__name__}({', '.join(shown)})"

    @property
    def run_symbol(self) -> str | None:
        """The run this operation addresses, if any."""
        return getattr(self, "run", None)

    async def perform(self, world: World, names: Names) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must say what it calls")


@dataclass(frozen=True, repr=False)
class EventOperation(Operation):
    """An ``events.create`` of run ``run``; ``resolve`` is ``params.resolveData``."""

    run: str
    resolve: ResolveData = field(default="all", kw_only=True)

    def request(self, names: Names) -> EventRequest:
        raise NotImplementedError

    async def perform(self, world: World, names: Names) -> Any:
        params = make.create_params(names.line, resolve_data="none") if self.resolve == "none" else None
        return await world.events.create(names.run(self.run), self.request(names), params)


@dataclass(frozen=True, repr=False)
class CreateRun(EventOperation):
    """``run_created``: with a client runId, or ``None`` so the World mints one."""

    client_id: bool = True
    workflow: str = "workflow_0"

    def request(self, names: Names) -> EventRequest:
        return names.requests.run_created(_payload(self.run), names.ident(self.workflow))


@dataclass(frozen=True, repr=False)
class ResilientStart(EventOperation):
    """``run_started`` carrying the run's creation data (§5)."""

    workflow: str = "workflow_0"

    def request(self, names: Names) -> EventRequest:
        return names.requests.resilient_start(_payload(self.run), names.ident(self.workflow))


@dataclass(frozen=True, repr=False)
class StartRun(EventOperation):
    def request(self, names: Names) -> EventRequest:
        return make.run_started()


@dataclass(frozen=True, repr=False)
class CompleteRun(EventOperation):
    def request(self, names: Names) -> EventRequest:
        return make.run_completed(_payload(f"{self.run}-output"))


@dataclass(frozen=True, repr=False)
class FailRun(EventOperation):
    def request(self, names: Names) -> EventRequest:
        return names.requests.run_failed()


@dataclass(frozen=True, repr=False)
class CancelRun(EventOperation):
    def request(self, names: Names) -> EventRequest:
        return names.requests.run_cancelled()


@dataclass(frozen=True, repr=False)
class CreateStep(EventOperation):
    step: str

    def request(self, names: Names) -> EventRequest:
        return make.step_created(names.ident(self.step), input=_payload(self.step))


@dataclass(frozen=True, repr=False)
class StartStep(EventOperation):
    step: str

    def request(self, names: Names) -> EventRequest:
        return make.step_started(names.ident(self.step))


@dataclass(frozen=True, repr=False)
class StartStepLazily(EventOperation):
    """``step_started`` carrying ``stepName`` and ``input``, which creates the step it starts
    (5.x line only, v7 §4.3)."""

    step: str

    def request(self, names: Names) -> EventRequest:
        lazy = names.requests.lazy_step_started
        if lazy is None:
            raise ValueError("only the 5.x line has a step_started that creates its step")
        return lazy(names.ident(self.step))


@dataclass(frozen=True, repr=False)
class CompleteStep(EventOperation):
    step: str

    def request(self, names: Names) -> EventRequest:
        return make.step_completed(names.ident(self.step), _payload(f"{self.step}-result"))


@dataclass(frozen=True, repr=False)
class FailStep(EventOperation):
    step: str

    def request(self, names: Names) -> EventRequest:
        return names.requests.step_failed(names.ident(self.step))


@dataclass(frozen=True, repr=False)
class RetryStep(EventOperation):
    """``step_retrying``; ``retry_in`` seconds from the kit's now, or no ``retryAfter``."""

    step: str
    retry_in: int | None = None

    def request(self, names: Names) -> EventRequest:
        retry_after = MISSING if self.retry_in is None else names.at(self.retry_in)
        return make.step_retrying(names.ident(self.step), "try again", retry_after=retry_after)


@dataclass(frozen=True, repr=False)
class CreateHook(EventOperation):
    hook: str
    token: str
    webhook: bool = False

    def request(self, names: Names) -> EventRequest:
        return make.hook_created(
            names.ident(self.hook),
            names.ident(self.token),
            metadata=_payload(self.hook),
            is_webhook=self.webhook,
        )


@dataclass(frozen=True, repr=False)
class ReceiveHook(EventOperation):
    hook: str

    def request(self, names: Names) -> EventRequest:
        return make.hook_received(names.ident(self.hook), _payload(f"{self.hook}-payload"))


@dataclass(frozen=True, repr=False)
class DisposeHook(EventOperation):
    hook: str

    def request(self, names: Names) -> EventRequest:
        return make.hook_disposed(names.ident(self.hook))


@dataclass(frozen=True, repr=False)
class CreateWait(EventOperation):
    """``wait_created`` resuming ``resume_in`` seconds from the kit's now."""

    wait: str
    resume_in: int = 60

    def request(self, names: Names) -> EventRequest:
        return make.wait_created(names.ident(self.wait), names.at(self.resume_in))


@dataclass(frozen=True, repr=False)
class CompleteWait(EventOperation):
    wait: str

    def request(self, names: Names) -> EventRequest:
        return make.wait_completed(names.ident(self.wait))


@dataclass(frozen=True, repr=False)
class Tick(Operation):
    """Move the kit's clock ``seconds`` forward (only for Worlds on the kit's clock)."""

    seconds: int

    async def perform(self, world: World, names: Names) -> Any:
        return None


@dataclass(frozen=True, repr=False)
class GetRun(Operation):
    run: str
    resolve: ResolveData = "all"

    async def perform(self, world: World, names: Names) -> Any:
        return await world.runs.get(_bound(names, self.run), resolve_data=self.resolve)


@dataclass(frozen=True, repr=False)
class GetStep(Operation):
    """``steps.get``, with the step's run, or by stepId alone when ``run`` is ``None``."""

    step: str
    run: str | None = None

    async def perform(self, world: World, names: Names) -> Any:
        run_id = names.run(self.run) if self.run is not None else None
        return await world.steps.get(run_id, names.ident(self.step))


@dataclass(frozen=True, repr=False)
class GetHook(Operation):
    hook: str

    async def perform(self, world: World, names: Names) -> Any:
        return await world.hooks.get(names.ident(self.hook))


@dataclass(frozen=True, repr=False)
class GetHookByToken(Operation):
    token: str

    async def perform(self, world: World, names: Names) -> Any:
        return await world.hooks.get_by_token(names.ident(self.token))


Fetch = Callable[[PaginationOptions], Awaitable[PaginatedResponse[Any]]]


async def pages(fetch: Fetch, limit: int, order: SortOrder | None = None) -> list[dict[str, Any]]:
    """Every page of a listing, followed by cursor until ``hasMore`` is false: each page's
    ``data`` and ``hasMore`` (cursors are opaque, so they are not compared). A page whose
    ``hasMore`` comes with a missing or repeated cursor ends the listing with a marker."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    seen: set[str] = set()
    while len(found) < MAX_PAGES:
        options: dict[str, Any] = {"limit": limit}
        if order is not None:
            options["sort_order"] = order
        if cursor is not None:
            options["cursor"] = cursor
        page = await fetch(PaginationOptions(**options))
        found.append({"data": page.data, "hasMore": page.has_more})
        if not page.has_more:
            break
        if page.cursor is None or page.cursor in seen:
            found.append({"stopped": "hasMore: true with a missing or repeated cursor"})
            break
        seen.add(page.cursor)
        cursor = page.cursor
    return found


@dataclass(frozen=True, repr=False)
class ListEvents(Operation):
    run: str
    limit: int = 2
    order: SortOrder = "asc"
    resolve: ResolveData = "all"

    async def perform(self, world: World, names: Names) -> Any:
        run_id = _bound(names, self.run)
        return await pages(
            lambda options: world.events.list(run_id, pagination=options, resolve_data=self.resolve),
            self.limit,
            self.order,
        )


@dataclass(frozen=True, repr=False)
class ListByCorrelation(Operation):
    """``events.listByCorrelationId`` of a step, hook or wait symbol, within run ``run``."""

    run: str
    correlation: str
    limit: int = 2

    async def perform(self, world: World, names: Names) -> Any:
        run_id, correlation = names.run(self.run), names.ident(self.correlation)
        return await pages(
            lambda options: world.events.list_by_correlation_id(
                correlation, run_id=run_id, pagination=options
            ),
            self.limit,
        )


@dataclass(frozen=True, repr=False)
class ListRuns(Operation):
    """``runs.list`` of one of the model's workflow names (so other tests' runs never show)."""

    workflow: str = "workflow_0"
    status: RunStatus | None = None
    limit: int = 2

    async def perform(self, world: World, names: Names) -> Any:
        workflow = names.ident(self.workflow)
        return await pages(
            lambda options: world.runs.list(workflow_name=workflow, status=self.status, pagination=options),
            self.limit,
        )


@dataclass(frozen=True, repr=False)
class ListSteps(Operation):
    run: str
    limit: int = 2

    async def perform(self, world: World, names: Names) -> Any:
        run_id = _bound(names, self.run)
        return await pages(lambda options: world.steps.list(run_id, pagination=options), self.limit)


@dataclass(frozen=True, repr=False)
class ListHooks(Operation):
    run: str
    limit: int = 2

    async def perform(self, world: World, names: Names) -> Any:
        run_id = names.run(self.run)
        return await pages(lambda options: world.hooks.list(run_id=run_id, pagination=options), self.limit)
