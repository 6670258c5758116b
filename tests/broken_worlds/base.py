"""The base of every broken World: a MemoryWorld whose storage methods run through hooks.

A broken World overrides the hook of the storage method it breaks (``on_create`` for
``events.create``, ``on_get_run`` for ``runs.get``, ...; ``HOOKS`` lists them) and calls
``super()`` for what the memory World does; a hook it leaves alone is never installed. Queue,
stream and preload methods are plain methods of the World, overridden the same way. It names, on its class
line, the invariants the kit must fail (``breaks``) or, for SHOULD rules, warn about
(``warns``); tests/test_broken_worlds.py runs the whole kit against each and checks it fails
and warns on exactly those, so no invariant test is one that cannot fail.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from copy import copy
from datetime import datetime
from typing import Any, ClassVar, Final

from reference_worlds.memory import MemoryWorld
from worldspec.entities import TERMINAL_RUN_STATUSES, ActiveRun, Hook, Step, WorkflowRun
from worldspec.errors import WorkflowError
from worldspec.events import CreateEventParams, Event, EventRequest, EventResult
from worldspec.line5 import entities as line5_entities
from worldspec.line5.bulk import (
    BatchEventRequest,
    BulkCancelWorkflowRunsRequest,
    BulkCancelWorkflowRunsResult,
    CreateEventBatchParams,
    EventBatchResult,
)
from worldspec.line5.slots import event_id_to_slot, slot_to_event_id
from worldspec.pagination import PaginatedResponse
from worldspec.wire_types import MISSING

Params = CreateEventParams | None
"""The ``params`` of an ``events.create``."""

HOOKS: Final[dict[str, tuple[str, str]]] = {
    "on_create": ("events", "create"),
    "on_get_event": ("events", "get"),
    "on_list_events": ("events", "list"),
    "on_list_by_correlation_id": ("events", "list_by_correlation_id"),
    "on_get_run": ("runs", "get"),
    "on_list_runs": ("runs", "list"),
    "on_get_step": ("steps", "get"),
    "on_list_steps": ("steps", "list"),
    "on_get_hook": ("hooks", "get"),
    "on_get_hook_by_token": ("hooks", "get_by_token"),
    "on_list_hooks": ("hooks", "list"),
    "on_create_batch": ("events", "create_batch"),
    "on_wait_for_terminal_status": ("runs", "wait_for_terminal_status"),
    "on_get_many": ("runs", "get_many"),
    "on_cancel_many": ("runs", "cancel_many"),
    "on_set_attributes": ("runs", "experimental_set_attributes"),
}
"""Each hook and the ``namespace.method`` of the World it stands in for (the last five are
optional members of the 5.x line, for broken Worlds of that line to override)."""


class BrokenWorld(MemoryWorld):
    """A MemoryWorld that breaks the MUST invariants in ``breaks`` and the SHOULD invariants in
    ``warns``.

    ``may_break`` lists invariants whose tests catch the World only when timing lines up (say,
    a page boundary falling inside one millisecond); the kit may fail those or not.
    """

    breaks: ClassVar[frozenset[str]] = frozenset()
    warns: ClassVar[frozenset[str]] = frozenset()
    may_break: ClassVar[frozenset[str]] = frozenset()
    kit_arguments: ClassVar[tuple[str, ...]] = ()
    """Options the kit needs to judge this World (``--world-spec=7`` for one that declares no
    version of the line it is judged on)."""
    only: ClassVar[str | None] = None
    """A family marker (``faults``) when the kit is run only on that family against this World:
    for Worlds whose bug shows only there, over storage other broken Worlds show the rest of
    the kit judges."""

    def __init_subclass__(
        cls,
        *,
        breaks: Iterable[str] | None = None,
        warns: Iterable[str] | None = None,
        may_break: Iterable[str] | None = None,
        only: str | None = None,
        **options: Any,
    ) -> None:
        super().__init_subclass__(**options)
        if only is not None:
            cls.only = only
        if breaks is not None:
            cls.breaks = frozenset(breaks)
        if warns is not None:
            cls.warns = frozenset(warns)
        if may_break is not None:
            cls.may_break = frozenset(may_break)

    def __init__(self, **options: Any) -> None:
        """Open the memory World, keep its own namespaces as ``memory_events``, ``memory_runs``,
        ``memory_steps`` and ``memory_hooks`` (what the hooks' defaults call), and route each
        method whose hook a subclass overrides through that hook."""
        super().__init__(**options)
        self.memory_events, self.memory_runs = copy(self.events), copy(self.runs)
        self.memory_steps, self.memory_hooks = copy(self.steps), copy(self.hooks)
        for hook, (namespace, method) in HOOKS.items():
            if getattr(type(self), hook) is not getattr(BrokenWorld, hook):
                setattr(getattr(self, namespace), method, getattr(self, hook))

    def stored_run(self, run_id: str | None) -> WorkflowRun | None:
        """The run as this World stores it, read directly."""
        found = self.state.runs.get(str(run_id))
        return found[1] if found else None

    def stored_step(self, run_id: str | None, step_id: str) -> Step | None:
        """The step as this World stores it, read directly."""
        found = self.state.steps.get((str(run_id), step_id))
        return found[1] if found else None

    def replace_step(self, step: Step) -> None:
        """Store ``step`` over the stored step of its run and id, in its place in the order,
        as a buggy write leaves it."""
        key = (step.run_id, step.step_id)
        self.state.steps[key] = (self.state.steps[key][0], step)

    def replace_hook(self, hook: Hook) -> None:
        """Store ``hook`` over the stored hook of its run and id, in its place in the order,
        as a buggy write leaves it."""
        key = (hook.run_id, hook.hook_id)
        self.state.hooks[key] = (self.state.hooks[key][0], hook)

    active_run: ClassVar[type[Any]] = ActiveRun
    """The model of a run that has not ended, on this World's line."""

    @contextmanager
    def shown_running(self, run_id: str | None) -> Iterator[None]:
        """Within the block, a run that has ended is stored as if it had not (its ending fields
        dropped, status ``running``), then put back: the break of a World whose terminal guard
        forgets some kind of event. A run that has not ended is left alone. The block may span
        awaits, so other calls meanwhile see the run reopened, as they would in such a World."""
        run = self.stored_run(run_id)
        if run is None or run.status not in TERMINAL_RUN_STATUSES:
            yield
            return
        kept = {
            key: value
            for key, value in run.to_wire().items()
            if key not in ("completedAt", "output", "error")
        }
        self.state.put_run(self.active_run.model_validate({**kept, "status": "running"}))
        try:
            yield
        finally:
            self.state.put_run(run)

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        return await self.memory_events.create(run_id, event, params)

    async def on_get_event(self, run_id: str, event_id: str, **options: Any) -> Event:
        return await self.memory_events.get(run_id, event_id, **options)

    async def on_list_events(self, run_id: str, **options: Any) -> PaginatedResponse[Event]:
        return await self.memory_events.list(run_id, **options)

    async def on_list_by_correlation_id(
        self, correlation_id: str, **options: Any
    ) -> PaginatedResponse[Event]:
        return await self.memory_events.list_by_correlation_id(correlation_id, **options)

    async def on_get_run(self, run_id: str, **options: Any) -> WorkflowRun:
        return await self.memory_runs.get(run_id, **options)

    async def on_list_runs(self, **options: Any) -> PaginatedResponse[WorkflowRun]:
        return await self.memory_runs.list(**options)

    async def on_get_step(self, run_id: str | None, step_id: str, **options: Any) -> Step:
        return await self.memory_steps.get(run_id, step_id, **options)

    async def on_list_steps(self, run_id: str, **options: Any) -> PaginatedResponse[Step]:
        return await self.memory_steps.list(run_id, **options)

    async def on_get_hook(self, hook_id: str, **options: Any) -> Hook:
        return await self.memory_hooks.get(hook_id, **options)

    async def on_get_hook_by_token(self, token: str, **options: Any) -> Hook:
        return await self.memory_hooks.get_by_token(token, **options)

    async def on_list_hooks(self, **options: Any) -> PaginatedResponse[Hook]:
        return await self.memory_hooks.list(**options)

    async def on_create_batch(
        self, run_id: str, events: Sequence[BatchEventRequest], params: CreateEventBatchParams | None = None
    ) -> EventBatchResult:
        return await self.memory_events.create_batch(run_id, events, params)  # type: ignore[union-attr]

    async def on_wait_for_terminal_status(self, run_id: str, **options: Any) -> line5_entities.WorkflowRun:
        return await self.memory_runs.wait_for_terminal_status(run_id, **options)  # type: ignore[union-attr]

    async def on_get_many(
        self, run_ids: Sequence[str], **options: Any
    ) -> list[line5_entities.WorkflowRun | None]:
        return await self.memory_runs.get_many(run_ids, **options)  # type: ignore[union-attr]

    async def on_cancel_many(self, request: BulkCancelWorkflowRunsRequest) -> BulkCancelWorkflowRunsResult:
        return await self.memory_runs.cancel_many(request)  # type: ignore[union-attr]

    async def on_set_attributes(self, run_id: str, changes: Any, **options: Any) -> dict[str, str]:
        return await self.memory_runs.experimental_set_attributes(run_id, changes, **options)  # type: ignore[union-attr]


class RewritesAppendedEvents(BrokenWorld):
    """A World that stores every event a create appends with the field updates ``rewrite``
    returns for it: in storage, in ``result.event`` and in the preload, so the World stays
    self-consistent and only the rule ``rewrite`` breaks."""

    def rewrite(self, event: Event) -> dict[str, Any]:
        raise NotImplementedError("a RewritesAppendedEvents World returns the updates of one new event")

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        before = {rid: len(log) for rid, log in self.state.events.items()}
        result = await super().on_create(run_id, event, params)
        updates: dict[str, dict[str, Any]] = {}
        for rid, log in self.state.events.items():
            for index in range(before.get(rid, 0), len(log)):
                updates[log[index].event_id] = self.rewrite(log[index])
                log[index] = log[index].model_copy(update=updates[log[index].event_id])

        def rewritten(shown: Event) -> Event:
            found = updates.get(shown.event_id)
            return shown if found is None else shown.model_copy(update=found)

        fixed: dict[str, Any] = {}
        if result.event is not MISSING:
            fixed["event"] = rewritten(result.event)
        if result.events is not MISSING:
            fixed["events"] = [rewritten(shown) for shown in result.events]
        return result.model_copy(update=fixed)


class LineFiveBrokenWorld(BrokenWorld):
    """A broken World of the 5.x line: the memory World at spec version 7, judged on that line."""

    active_run: ClassVar[type[Any]] = line5_entities.ActiveRun

    def __init__(self, **options: Any) -> None:
        super().__init__(**{"spec_version": 7, **options})

    def patch_stored_run(self, run_id: str, **updates: Any) -> WorkflowRun:
        """Change the stored run (as a buggy write would have left it); returns the new run."""
        sequence, run = self.state.runs[run_id]
        changed = run.model_copy(update=updates)
        self.state.runs[run_id] = (sequence, changed)
        return changed

    def patch_stored_step(self, run_id: str, step_id: str, **updates: Any) -> Step:
        """Change the stored step (as a buggy write would have left it); returns the new step."""
        sequence, step = self.state.steps[(run_id, step_id)]
        changed = step.model_copy(update=updates)
        self.state.steps[(run_id, step_id)] = (sequence, changed)
        return changed


class LosesSlotsOnRefusal(LineFiveBrokenWorld):
    """A 5.x World that takes each event's slot from a per-run counter which is not rolled back
    when a create is refused (as a database sequence is not): every refusal ``loses_a_slot``
    names leaves a hole, and the run's later events sit that many slots further on."""

    def loses_a_slot(self, run_id: str, event: EventRequest, error: WorkflowError) -> bool:
        raise NotImplementedError("a LosesSlotsOnRefusal World says which refusals took a slot")

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self.lost: Counter[str] = Counter()
        storage = self.memory_events._storage
        commit = storage.commit

        async def commit_past_the_lost_slots(outcome: Any, now: datetime) -> None:
            outcome.events = [self._past_lost(event) for event in outcome.events]
            shown = outcome.result.get("event")
            if shown is not None:
                outcome.result["event"] = self._past_lost(shown)
            await commit(outcome, now)

        storage.commit = commit_past_the_lost_slots

    def _past_lost(self, event: Event) -> Event:
        slot = event_id_to_slot(event.event_id)
        if slot is None or not self.lost[event.run_id]:
            return event
        return event.model_copy(update={"event_id": slot_to_event_id(slot + self.lost[event.run_id])})

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        try:
            return await super().on_create(run_id, event, params)
        except WorkflowError as error:
            if run_id and self.loses_a_slot(run_id, event, error):
                self.lost[run_id] += 1
            raise


class RewritesStoredEvents(LineFiveBrokenWorld):
    """Stores each event a create appends with the updates ``rewrite`` gives it, and shows the
    same updates wherever the create's result shows that event (its ``event`` and any page)."""

    def rewrite(self, event: Event, request: EventRequest) -> dict[str, Any]:
        raise NotImplementedError("a RewritesStoredEvents World returns the updates of one new event")

    async def on_create(self, run_id: str | None, event: EventRequest, params: Params = None) -> EventResult:
        result = await super().on_create(run_id, event, params)
        if result.event is MISSING:
            return result
        log = self.state.events[result.event.run_id]
        index = next(i for i, stored in enumerate(log) if stored.event_id == result.event.event_id)
        updates = self.rewrite(log[index], event)
        if not updates:
            return result
        log[index] = log[index].model_copy(update=updates)
        shown: dict[str, Any] = {"event": result.event.model_copy(update=updates)}
        if result.events is not MISSING:
            shown["events"] = [
                item.model_copy(update=updates) if item.event_id == result.event.event_id else item
                for item in result.events
            ]
        return result.model_copy(update=shown)
