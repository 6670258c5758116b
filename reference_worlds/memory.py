"""``MemoryWorld``: the whole contract in memory. The oracle the kit's other suites compare with.

It speaks both lines of the contract: ``spec_version=3`` (the default) is the 4.x line, whose
storage and rules are in this module and ``reference_worlds.rules``; ``spec_version=6`` or ``7``
is the 5.x line (``reference_worlds.memory_line5``, ``reference_worlds.rules_line5``), which adds
``world.streams``, upstream's ``capabilities`` member and the optional members of that line.
The lock, the clock, the queue, the stream store and the pause points below are the same on both.

Every ``events.create`` runs under one ``asyncio.Lock``: the rules (``reference_worlds.rules``)
decide against the current state and the outcome is written before the lock is released, so
creates are linearizable among the asyncio tasks of one event loop. Not shared between
processes. Time comes from ``clock`` (default: the system clock, truncated to milliseconds as
JavaScript Dates are). It implements the optional state guard (``reference_worlds.state_guard``).

A create passes two points where a kit may pause it to force an interleaving
(``worldspec_interleave``): ``"create:enter"`` before it takes the lock and
``"create:decided"`` between the decision and its write, inside the lock.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

from reference_worlds import rules
from reference_worlds.delegation import QueueAndStreams
from reference_worlds.inprocess_queue import AnyQueueHandler, InProcessQueue
from reference_worlds.memory_line5 import (
    DEFAULT_MAX_EVENTS,
    LineFiveBackdoor,
    LineFiveEvents,
    LineFiveHooks,
    LineFiveRuns,
    LineFiveSteps,
    LineFiveStorage,
)
from reference_worlds.memory_line5_state import LineFiveState
from reference_worlds.memory_streams import MemoryStreams
from reference_worlds.paging import encode_cursor, page
from reference_worlds.persisted_codec import decode_persisted
from reference_worlds.state_guard import StateMarkers
from reference_worlds.streams_namespace import StreamsNamespace
from worldspec import errors
from worldspec.capabilities import Capabilities
from worldspec.entities import Hook, RunStatus, Step, Wait, WorkflowRun
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5 import capabilities as line5_capabilities
from worldspec.line5 import queue as line5_queue
from worldspec.lines import SpecLine, line_of
from worldspec.owned import owned_copy
from worldspec.pagination import PaginatedResponse, PaginationOptions, ResolveData
from worldspec.queue import QueueOptions, QueuePayload, QueueResult
from worldspec.resolve_data import strip_entity, strip_event
from worldspec.spec_version import SPEC_VERSION_CURRENT
from worldspec.ulid import MonotonicUlid
from worldspec.validation import parse_event, parse_hook, parse_run
from worldspec.wire_types import MISSING

__all__ = ["Interleave", "MemoryWorld", "system_clock"]

Interleave = Callable[[str], Awaitable[None]]
"""A pause a kit injects: awaited with the name of the point the calling task has reached."""


def system_clock() -> datetime:
    """Now, in UTC, at millisecond precision."""
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class _State:
    """Everything a MemoryWorld stores; each entity remembers its insertion sequence number."""

    def __init__(self) -> None:
        self.sequence = 0
        self.runs: dict[str, tuple[int, WorkflowRun]] = {}
        self.events: dict[str, list[Event]] = {}
        self.steps: dict[tuple[str, str], tuple[int, Step]] = {}
        self.hooks: dict[tuple[str, str], tuple[int, Hook]] = {}
        self.hooks_ever: set[tuple[str, str]] = set()
        self.tokens: dict[str, tuple[str, str]] = {}
        self.waits: dict[str, Wait] = {}
        self.state_markers = StateMarkers()

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def put_run(self, run: WorkflowRun) -> None:
        sequence = self.runs[run.run_id][0] if run.run_id in self.runs else self.next_sequence()
        self.runs[run.run_id] = (sequence, run)


class _View(rules.StoreView):
    def __init__(self, state: _State) -> None:
        self._state = state

    async def run(self, run_id: str) -> WorkflowRun | None:
        found = self._state.runs.get(run_id)
        return found[1] if found else None

    async def step(self, run_id: str, step_id: str) -> Step | None:
        found = self._state.steps.get((run_id, step_id))
        return found[1] if found else None

    async def live_hook(self, run_id: str, hook_id: str) -> Hook | None:
        found = self._state.hooks.get((run_id, hook_id))
        return found[1] if found else None

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool:
        return (run_id, hook_id) in self._state.hooks_ever

    async def live_hook_by_token(self, token: str) -> Hook | None:
        key = self._state.tokens.get(token)
        return self._state.hooks[key][1] if key else None

    async def wait(self, wait_id: str) -> Wait | None:
        return self._state.waits.get(wait_id)


def _write(state: _State, outcome: rules.Outcome) -> None:
    state.events.setdefault(outcome.run_id, []).extend(outcome.events)
    if outcome.run is not None:
        state.put_run(outcome.run)
    if outcome.step is not None:
        key = (outcome.step.run_id, outcome.step.step_id)
        sequence = state.steps[key][0] if key in state.steps else state.next_sequence()
        state.steps[key] = (sequence, outcome.step)
    if outcome.hook is not None:
        key = (outcome.hook.run_id, outcome.hook.hook_id)
        state.hooks[key] = (state.next_sequence(), outcome.hook)
        state.hooks_ever.add(key)
        state.tokens[outcome.hook.token] = key
    if outcome.disposed_hook is not None:
        _delete_hook(state, outcome.disposed_hook)
    if outcome.wait is not None:
        state.waits[outcome.wait.wait_id] = outcome.wait
    if outcome.release_run:
        for _, hook in [entry for entry in state.hooks.values() if entry[1].run_id == outcome.run_id]:
            _delete_hook(state, hook)
        for wait_id in [w.wait_id for w in state.waits.values() if w.run_id == outcome.run_id]:
            del state.waits[wait_id]


def _delete_hook(state: _State, hook: Hook) -> None:
    state.hooks.pop((hook.run_id, hook.hook_id), None)
    if state.tokens.get(hook.token) == (hook.run_id, hook.hook_id):
        del state.tokens[hook.token]


def _event_key(event: Event) -> str:
    return event.event_id


class _Events:
    def __init__(self, world: MemoryWorld) -> None:
        self._world = world

    async def create(
        self, run_id: str | None, event: EventRequest, params: CreateEventParams | None = None
    ) -> EventResult:
        world = self._world
        resolve: ResolveData = "all"
        if params is not None and params.resolve_data is not MISSING:
            resolve = params.resolve_data
        await world.pause("create:enter")
        guard = params.state_updated_at if params is not None else MISSING
        async with world.lock:
            if guard is not MISSING:
                world.line4_state.state_markers.check(run_id, guard)
            now = world.clock()
            ctx = rules.Context(
                now=now,
                new_event_id=lambda: f"evnt_{world.mint(now)}",
                new_run_id=lambda: f"wrun_{world.mint(now)}",
                world_spec_version=SPEC_VERSION_CURRENT,
                occurred_at=None if params is None or params.occurred_at is MISSING else params.occurred_at,
            )
            outcome = await rules.decide(_View(world.line4_state), run_id, event, ctx)
            await world.pause("create:decided")
            _write(world.line4_state, outcome)
            if guard is MISSING:
                world.line4_state.state_markers.advance(outcome.run_id, outcome.events)
            result: dict[str, Any] = {
                key: strip_event(value, resolve) if key == "event" else owned_copy(value)
                for key, value in outcome.result.items()
            }
            if outcome.preload:
                result.update(world.preload(outcome.run_id, resolve))
        return EventResult(**result)

    async def get(self, run_id: str, event_id: str, *, resolve_data: ResolveData = "all") -> Event:
        for event in self._world.line4_state.events.get(run_id, []):
            if event.event_id == event_id:
                return strip_event(event, resolve_data)
        raise errors.WorkflowWorldError(f'Event "{event_id}" not found in run "{run_id}"', status=404)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        found = page(self._world.line4_state.events.get(run_id, []), _event_key, pagination, "asc")
        return found.model_copy(update={"data": [strip_event(e, resolve_data) for e in found.data]})

    async def list_by_correlation_id(
        self,
        correlation_id: str,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Event]:
        logs = self._world.line4_state.events
        runs = [run_id] if run_id is not None else list(logs)
        matching = [
            event
            for run in runs
            for event in logs.get(run, [])
            if event.correlation_id is not MISSING and event.correlation_id == correlation_id
        ]
        matching.sort(key=_event_key)
        found = page(matching, _event_key, pagination, "asc")
        return found.model_copy(update={"data": [strip_event(e, resolve_data) for e in found.data]})


class _Runs:
    def __init__(self, world: MemoryWorld) -> None:
        self._state = world.line4_state

    async def get(self, run_id: str, *, resolve_data: ResolveData = "all") -> WorkflowRun:
        found = self._state.runs.get(run_id)
        if found is None:
            raise errors.WorkflowRunNotFoundError(run_id)
        return strip_entity(found[1], resolve_data)

    async def list(
        self,
        *,
        workflow_name: str | None = None,
        status: RunStatus | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[WorkflowRun]:
        chosen = [
            entry
            for entry in sorted(self._state.runs.values(), key=lambda e: e[0])
            if (workflow_name is None or entry[1].workflow_name == workflow_name)
            and (status is None or entry[1].status == status)
        ]
        found = page(chosen, lambda e: e[0], pagination, "desc")
        return PaginatedResponse[WorkflowRun](
            data=[strip_entity(run, resolve_data) for _, run in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class _Steps:
    def __init__(self, world: MemoryWorld) -> None:
        self._state = world.line4_state

    async def get(self, run_id: str | None, step_id: str, *, resolve_data: ResolveData = "all") -> Step:
        for (owner, sid), (_, step) in self._state.steps.items():
            if sid == step_id and (run_id is None or owner == run_id):
                return strip_entity(step, resolve_data)
        raise errors.WorkflowWorldError(f'Step "{step_id}" not found', status=404)

    async def list(
        self,
        run_id: str,
        *,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Step]:
        chosen = sorted((e for e in self._state.steps.values() if e[1].run_id == run_id), key=lambda e: e[0])
        found = page(chosen, lambda e: e[0], pagination, "desc")
        return PaginatedResponse[Step](
            data=[strip_entity(step, resolve_data) for _, step in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class _Hooks:
    def __init__(self, world: MemoryWorld) -> None:
        self._state = world.line4_state

    async def get(self, hook_id: str, *, resolve_data: ResolveData = "all") -> Hook:
        for (_, hid), (_, hook) in self._state.hooks.items():
            if hid == hook_id:
                return strip_entity(hook, resolve_data)
        raise errors.HookNotFoundError(hook_id)

    async def get_by_token(self, token: str, *, resolve_data: ResolveData = "all") -> Hook:
        key = self._state.tokens.get(token)
        if key is None:
            raise errors.HookNotFoundError(token)
        return strip_entity(self._state.hooks[key][1], resolve_data)

    async def list(
        self,
        *,
        run_id: str | None = None,
        pagination: PaginationOptions | None = None,
        resolve_data: ResolveData = "all",
    ) -> PaginatedResponse[Hook]:
        chosen = sorted(
            (e for e in self._state.hooks.values() if run_id is None or e[1].run_id == run_id),
            key=lambda e: e[0],
        )
        found = page(chosen, lambda e: e[0], pagination, "asc")
        return PaginatedResponse[Hook](
            data=[strip_entity(hook, resolve_data) for _, hook in found.data],
            cursor=found.cursor,
            has_more=found.has_more,
        )


class MemoryBackdoor:
    """Direct access to a MemoryWorld's state (``worldspec.Backdoor``)."""

    def __init__(self, world: MemoryWorld) -> None:
        self._world = world

    async def seed_legacy_run(self, run: Mapping[str, Any], events: Sequence[Mapping[str, Any]]) -> None:
        """Store a run and its log exactly as given (legacy: specVersion absent or 1, JSON data)."""
        async with self._world.lock:
            self._world.line4_state.put_run(parse_run(run))
            log = self._world.line4_state.events.setdefault(str(run["runId"]), [])
            log.extend(parse_event(event) for event in events)

    async def seed_legacy_hook(self, hook: Mapping[str, Any]) -> None:
        """Store ``hook`` as a live hook holding its token (``worldspec.backdoor.LegacyHookSeeding``)."""
        stored = parse_hook(hook)
        async with self._world.lock:
            _write(self._world.line4_state, rules.Outcome(stored.run_id, hook=stored))

    async def read_stored_events(self, run_id: str) -> list[dict[str, Any]]:
        """The stored log of ``run_id`` in wire form."""
        return [event.to_wire() for event in self._world.line4_state.events.get(run_id, [])]

    async def seed_encoded_input(self, encoding: str, encoded: bytes) -> str:
        """Store a legacy run whose input was persisted as ``encoded`` in upstream's
        ``encoding`` (``worldspec.backdoor.EncodedPayloadSeeding``). A MemoryWorld keeps no
        persisted form, so it decodes here what a storage World decodes on read."""
        value = decode_persisted(encoding, encoded)
        run_id, now = f"wrun_{self._world.mint()}", self._world.clock()
        data = {"deploymentId": "dpl_memory", "workflowName": f"workflow//legacy//{encoding}", "input": value}
        run = {"runId": run_id, "status": "running", "createdAt": now, "updatedAt": now, **data}
        created = {"runId": run_id, "eventId": f"evnt_{self._world.mint()}", "createdAt": now}
        await self.seed_legacy_run(run, [{**created, "eventType": "run_created", "eventData": data}])
        return run_id


DEFAULT_PRELOAD_LIMIT: Final = 100
"""Events a ``run_started`` preload holds at most: one page, as Worlds that preload a page of
their log do (world-local 4.x preloads a page of 1,000). A longer log is preloaded partially,
so the partial form (§5.2) is as much the reference as the complete one."""


class MemoryWorld(QueueAndStreams):
    """The in-memory reference World, of either line.

    ``spec_version`` is what the World declares: 3 (the default) for the 4.x line, 6 or 7 for
    the 5.x line (anything else is refused with a ``ValueError`` saying why). ``clock`` replaces
    the system clock (for tests that control time). ``preload_limit`` caps the ``run_started``
    preload (``DEFAULT_PRELOAD_LIMIT`` events unless given; ``None``: the whole log): a longer
    log is preloaded partially, with ``hasMore: true`` and a cursor that continues like
    ``events.list``. ``max_events`` is the 5.x line's ``maxEvents``.
    ``worldspec_interleave``, when a kit sets it, is awaited at each pause point of a create
    (see the module docstring).

    On the 5.x line the World also has ``streams`` (``world.streams``), ``capabilities``
    (upstream's ``WorldCapabilities``: hook retention and resume dedup) and ``create_run_id``;
    its ``runs`` have ``get_many``, ``wait_for_terminal_status`` and
    ``experimental_set_attributes``. The 4.x stream methods stay on the class on both lines.
    """

    spec_version: int | None = SPEC_VERSION_CURRENT
    worldspec_capabilities: Capabilities | line5_capabilities.Capabilities = Capabilities(
        legacy_seeding=True,
        legacy_codec=True,
        delay=True,
        write_to_stream_multi=True,
        state_guard=True,
        occurred_at=True,
    )
    state: _State | LineFiveState
    events: _Events | LineFiveEvents
    runs: _Runs | LineFiveRuns
    steps: _Steps | LineFiveSteps
    hooks: _Hooks | LineFiveHooks
    worldspec_backdoor: MemoryBackdoor | LineFiveBackdoor
    streams: StreamsNamespace
    capabilities: line5_capabilities.WorldCapabilities

    def __init__(
        self,
        clock: Callable[[], datetime] | None = None,
        preload_limit: int | None = DEFAULT_PRELOAD_LIMIT,
        spec_version: int = SPEC_VERSION_CURRENT,
        max_events: int = DEFAULT_MAX_EVENTS,
    ) -> None:
        self.clock = clock or system_clock
        self.preload_limit = preload_limit
        self.lock = asyncio.Lock()
        self.mint = MonotonicUlid()
        self.worldspec_interleave: Interleave | None = None
        streams = MemoryStreams()
        self._streams = streams
        if line_of(spec_version) is SpecLine.LINE_5:
            self._open_line_five(spec_version, max_events, streams)
            return
        if spec_version != SPEC_VERSION_CURRENT:
            raise ValueError(f"MemoryWorld implements spec version 3 on the 4.x line, not {spec_version}")
        self.state = _State()
        self.events = _Events(self)
        self.runs = _Runs(self)
        self.steps = _Steps(self)
        self.hooks = _Hooks(self)
        self.worldspec_backdoor = MemoryBackdoor(self)
        self._queue = InProcessQueue()

    def _open_line_five(self, spec_version: int, max_events: int, streams: MemoryStreams) -> None:
        storage = LineFiveStorage(self, streams, spec_version, self.preload_limit, max_events)
        self.spec_version = spec_version
        self.state = storage.state
        self.events = storage.events
        self.runs = storage.runs
        self.steps = storage.steps
        self.hooks = storage.hooks
        self.streams = StreamsNamespace(streams)
        self.capabilities = line5_capabilities.WorldCapabilities(
            hook_retention=line5_capabilities.HookRetention(active=True), hook_resume_dedup=True
        )
        self.worldspec_capabilities = line5_capabilities.Capabilities(
            legacy_seeding=True,
            legacy_codec=True,
            delay=True,
            retention=True,
            max_events=True,
            occurred_at=True,
        )
        self.worldspec_backdoor = LineFiveBackdoor(storage)
        self._queue = InProcessQueue(
            valid_name=line5_queue.is_valid_queue_name, valid_prefix=line5_queue.is_valid_queue_prefix
        )

    def create_run_id(self) -> str:
        """A bare ULID of now, for ``start()`` to prefix with ``wrun_`` (an optional member of
        the 5.x World; a 4.x runtime never calls it)."""
        return self.mint(self.clock())

    async def queue(
        self,
        queue_name: str,
        message: QueuePayload | line5_queue.QueuePayload,
        options: QueueOptions | line5_queue.QueueOptions | None = None,
    ) -> QueueResult:
        return await self._queue.queue(queue_name, message, options)

    async def create_queue_handler(self, prefix: str, handler: AnyQueueHandler) -> None:
        await self._queue.create_queue_handler(prefix, handler)

    async def pause(self, point: str) -> None:
        """Await ``worldspec_interleave`` at ``point``, if a kit has set one."""
        if self.worldspec_interleave is not None:
            await self.worldspec_interleave(point)

    @property
    def line4_state(self) -> _State:
        """``state`` of a World on the 4.x line, typed as that line's."""
        assert isinstance(self.state, _State), "a MemoryWorld of the 5.x line has no 4.x state"
        return self.state

    def preload(self, run_id: str, resolve_data: ResolveData) -> dict[str, Any]:
        """The preload fields of a 4.x ``run_started`` result: the log so far, ascending."""
        log = self.line4_state.events.get(run_id, [])
        shown = log if self.preload_limit is None else log[: self.preload_limit]
        has_more = len(shown) < len(log)
        return {
            "events": [strip_event(event, resolve_data) for event in shown],
            "cursor": encode_cursor(_event_key(shown[-1])) if has_more and shown else None,
            "has_more": has_more,
        }

    async def get_deployment_id(self) -> str:
        return "dpl_memory"

    async def close(self) -> None:
        """Stop queue deliveries in flight."""
        await self._queue.close()
