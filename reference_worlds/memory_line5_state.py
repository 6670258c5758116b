"""What a MemoryWorld of the 5.x line stores, how the rules read it, and how an outcome is written.

Runs, logs, steps, hooks and waits have the shapes of the 4.x ``_State`` (so one fingerprint
reads either), plus what only this line needs: the correlationIds of workflow ``attr_set``
events and the recorded resumes. A log is a list in slot order; a run's id scheme is that of
its first event (slots for every run this World creates; a run stored with ULID ids keeps them).

A hook is *held* while its run is live, and after the run ended while it is retained
(``tokenRetentionUntil`` later than now): only held hooks are read, hold their token, or can be
disposed. Expired retained hooks are dropped lazily, when next looked at.
"""

from __future__ import annotations

from datetime import datetime

from reference_worlds.rules_line5 import Outcome, ResumeClaim, StoreView
from worldspec.entities import Wait
from worldspec.line5.entities import TERMINAL_RUN_STATUSES, Hook, Step, WorkflowRun
from worldspec.line5.events import Event
from worldspec.line5.resolve_data import strip_event
from worldspec.line5.slots import is_slot_event_id
from worldspec.wire_types import MISSING

__all__ = ["LineFiveState", "LineFiveView", "write_outcome"]


class LineFiveState:
    """Everything a 5.x MemoryWorld stores; each entity remembers its insertion sequence number."""

    def __init__(self) -> None:
        self.sequence = 0
        self.runs: dict[str, tuple[int, WorkflowRun]] = {}
        self.events: dict[str, list[Event]] = {}
        self.steps: dict[tuple[str, str], tuple[int, Step]] = {}
        self.hooks: dict[tuple[str, str], tuple[int, Hook]] = {}
        self.hooks_ever: set[tuple[str, str]] = set()
        self.tokens: dict[str, tuple[str, str]] = {}
        self.waits: dict[str, Wait] = {}
        self.attribute_ids: set[tuple[str, str]] = set()
        self.resume_claims: dict[tuple[str, str], ResumeClaim] = {}

    def next_sequence(self) -> int:
        self.sequence += 1
        return self.sequence

    def put_run(self, run: WorkflowRun) -> None:
        sequence = self.runs[run.run_id][0] if run.run_id in self.runs else self.next_sequence()
        self.runs[run.run_id] = (sequence, run)

    def uses_slots(self, run_id: str) -> bool:
        """Whether ``run_id``'s events are slot-numbered: a new run is; a stored run keeps the
        scheme of its first event."""
        log = self.events.get(run_id)
        return not log or is_slot_event_id(log[0].event_id)

    def is_held(self, hook: Hook, now: datetime) -> bool:
        """Whether ``hook`` is live or retained at ``now``."""
        found = self.runs.get(hook.run_id)
        if found is None:
            return False
        if found[1].status not in TERMINAL_RUN_STATUSES:
            return True
        return hook.token_retention_until is not MISSING and hook.token_retention_until > now

    def held_hooks(self, now: datetime) -> list[tuple[int, Hook]]:
        """Every held hook with its sequence number, in insertion order; drops expired ones."""
        held = []
        for sequence, hook in sorted(self.hooks.values(), key=lambda entry: entry[0]):
            if self.is_held(hook, now):
                held.append((sequence, hook))
            else:
                self.delete_hook(hook)
        return held

    def delete_hook(self, hook: Hook) -> None:
        """Forget ``hook`` and free its token (if it still holds it)."""
        self.hooks.pop((hook.run_id, hook.hook_id), None)
        if self.tokens.get(hook.token) == (hook.run_id, hook.hook_id):
            del self.tokens[hook.token]


class LineFiveView(StoreView):
    """``LineFiveState`` as the rules read it, at the create's time ``now``."""

    def __init__(self, state: LineFiveState, now: datetime) -> None:
        self._state = state
        self._now = now

    async def run(self, run_id: str) -> WorkflowRun | None:
        found = self._state.runs.get(run_id)
        return found[1] if found else None

    async def step(self, run_id: str, step_id: str) -> Step | None:
        found = self._state.steps.get((run_id, step_id))
        return found[1] if found else None

    async def held_hook(self, run_id: str, hook_id: str) -> Hook | None:
        found = self._state.hooks.get((run_id, hook_id))
        return found[1] if found and self._state.is_held(found[1], self._now) else None

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool:
        return (run_id, hook_id) in self._state.hooks_ever

    async def hook_holding_token(self, token: str) -> Hook | None:
        key = self._state.tokens.get(token)
        if key is None:
            return None
        hook = self._state.hooks[key][1]
        if self._state.is_held(hook, self._now):
            return hook
        self._state.delete_hook(hook)
        return None

    async def wait(self, wait_id: str) -> Wait | None:
        return self._state.waits.get(wait_id)

    async def attribute_id_claimed(self, run_id: str, correlation_id: str) -> bool:
        return (run_id, correlation_id) in self._state.attribute_ids

    async def resume_claim(self, run_id: str, resume_id: str) -> ResumeClaim | None:
        return self._state.resume_claims.get((run_id, resume_id))

    async def event(self, run_id: str, event_id: str) -> Event | None:
        return next(
            (event for event in self._state.events.get(run_id, []) if event.event_id == event_id), None
        )


def _release(state: LineFiveState, run_id: str, now: datetime) -> None:
    """A run ended: its waits go, and its hooks but those retained past ``now``."""
    for _, hook in [entry for entry in state.hooks.values() if entry[1].run_id == run_id]:
        if not state.is_held(hook, now):
            state.delete_hook(hook)
    for wait_id in [wait.wait_id for wait in state.waits.values() if wait.run_id == run_id]:
        del state.waits[wait_id]


def _purge(state: LineFiveState, run_id: str) -> None:
    """Zero retention: the run's steps lose their payloads, its events their ref fields, its
    retained hooks their metadata. (The run itself was purged by the rules, its streams are the
    World's to empty.)"""
    for key, (sequence, step) in list(state.steps.items()):
        if step.run_id == run_id:
            scrubbed = step.model_copy(update={"input": MISSING, "output": MISSING, "error": MISSING})
            state.steps[key] = (sequence, scrubbed)
    state.events[run_id] = [strip_event(event, "none") for event in state.events.get(run_id, [])]
    for key, (sequence, hook) in list(state.hooks.items()):
        if hook.run_id == run_id:
            state.hooks[key] = (sequence, hook.model_copy(update={"metadata": MISSING}))


def write_outcome(state: LineFiveState, outcome: Outcome, now: datetime) -> None:
    """Write ``outcome`` (decided at ``now``) into ``state``."""
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
        state.delete_hook(outcome.disposed_hook)
    if outcome.wait is not None:
        state.waits[outcome.wait.wait_id] = outcome.wait
    if outcome.attribute_id is not None:
        state.attribute_ids.add((outcome.run_id, outcome.attribute_id))
    if outcome.resume_claim is not None:
        claim = outcome.resume_claim
        state.resume_claims[(claim.run_id, claim.resume_id)] = claim
    if outcome.release_run:
        _release(state, outcome.run_id, now)
    if outcome.purge_run:
        _purge(state, outcome.run_id)
