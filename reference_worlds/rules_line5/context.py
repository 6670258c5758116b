"""What the 5.x rules read, what they are told, and what they hand back (storage-free).

A World opens its critical section, gives ``decide`` a ``StoreView`` of its state and a
``Context`` (its clock, its id minting, its declarations), and writes the returned ``Outcome``
before leaving the critical section. ``decide`` raises the contract's error for a refused
create and writes nothing itself, so a refusal changes nothing and takes no slot.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Protocol

from pydantic import TypeAdapter

from worldspec.entities import Wait
from worldspec.line5.entities import Hook, Step, WorkflowRun
from worldspec.line5.events import Event
from worldspec.wire_types import MISSING

__all__ = ["Context", "Outcome", "ResumeClaim", "StoreView", "stored_event", "wait_id_of"]


@dataclass(frozen=True)
class ResumeClaim:
    """The one ``hook_received`` that writes carrying ``(run_id, resume_id)`` converge on."""

    run_id: str
    resume_id: str
    hook_id: str
    event_id: str
    payload_digest: str | None


class StoreView(Protocol):
    """What ``decide`` may read, inside the caller's critical section. Hooks are keyed by
    ``(run_id, hook_id)``; a hook is *held* while its run is live, and after the run ended while
    it is retained (``tokenRetentionUntil`` later than now)."""

    async def run(self, run_id: str) -> WorkflowRun | None: ...

    async def step(self, run_id: str, step_id: str) -> Step | None: ...

    async def held_hook(self, run_id: str, hook_id: str) -> Hook | None: ...

    async def hook_ever_created(self, run_id: str, hook_id: str) -> bool: ...

    async def hook_holding_token(self, token: str) -> Hook | None: ...

    async def wait(self, wait_id: str) -> Wait | None: ...

    async def attribute_id_claimed(self, run_id: str, correlation_id: str) -> bool: ...

    async def resume_claim(self, run_id: str, resume_id: str) -> ResumeClaim | None: ...

    async def event(self, run_id: str, event_id: str) -> Event | None: ...


@dataclass(frozen=True)
class Context:
    """The World's clock, id minting and declarations for one create.

    ``new_event_id(run_id)`` returns the next id of that run in its scheme (the next free slot,
    or a fresh ULID for a run stored with ULID ids), one per call, in append order.
    ``default_spec_version`` is D, the version stamped on requests without one.
    ``hook_retention_limit`` is the longest retention the World accepts (``None``: it does not
    retain hooks and ignores ``tokenRetentionUntil``). ``resume_dedup`` and ``retention`` say
    whether the World implements those capabilities. ``occurred_at`` is persisted on every event
    the create appends.
    """

    now: datetime
    new_event_id: Callable[[str], str]
    new_run_id: Callable[[], str]
    world_spec_version: int
    default_spec_version: int
    hook_retention_limit: timedelta | None
    resume_dedup: bool
    retention: bool
    occurred_at: datetime | None = None


@dataclass
class Outcome:
    """What to write, atomically, for an accepted event.

    ``events`` are appended in order (their ids already minted). ``run``/``step``/``hook``/``wait``
    are new entity states. ``disposed_hook`` is deleted and its token freed. ``release_run``
    deletes the run's waits and every hook of it not retained. ``purge_run`` scrubs the run's
    data for ``$retention: '0'`` (its steps' payloads, its events' ref fields, its retained hooks'
    metadata, its streams). ``attribute_id`` is a workflow ``attr_set`` correlationId now used;
    ``resume_claim`` a resume now recorded. ``preload`` asks for the ``run_started`` preload,
    ``preload_events`` for the ``hook_received`` one. ``result`` holds what ``events.create``
    returns, before ``resolveData`` and pages are applied.
    """

    run_id: str
    events: list[Event] = field(default_factory=list)
    run: WorkflowRun | None = None
    step: Step | None = None
    hook: Hook | None = None
    wait: Wait | None = None
    disposed_hook: Hook | None = None
    release_run: bool = False
    purge_run: bool = False
    attribute_id: str | None = None
    resume_claim: ResumeClaim | None = None
    preload: bool = False
    preload_events: bool = False
    result: dict[str, Any] = field(default_factory=dict)


def wait_id_of(run_id: str, correlation_id: str) -> str:
    """A wait's id: ``"<runId>-<correlationId>"``."""
    return f"{run_id}-{correlation_id}"


_EVENT: Final = TypeAdapter[Event](Event)


def stored_event(run_id: str, wire: dict[str, Any], ctx: Context, version: float) -> Event:
    """The stored event for ``wire`` (a request in wire form, already valid): the World's run
    id, the run's next event id, its clock and the version. The wire form already holds Python
    values, so it is validated as is, never read as tagged JSON."""
    stored = dict(wire)
    stored.update(runId=run_id, eventId=ctx.new_event_id(run_id), createdAt=ctx.now, specVersion=version)
    if ctx.occurred_at is not None:
        stored["occurredAt"] = ctx.occurred_at
    return _EVENT.validate_python({key: value for key, value in stored.items() if value is not MISSING})
