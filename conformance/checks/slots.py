"""Reading slot event ids (world-contract-v7.md §2.6) for the suites that judge them: the slot
an event names, a run's log that must be dense before a rule about "the next slot" can be
judged, and creates no entity rule refuses, for writers that race or fall behind."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from conformance.checks import make
from conformance.checks.expect import deviate
from conformance.checks.reads import all_events
from conformance.checks.scenarios import from_now
from worldspec.events import Event, EventRequest
from worldspec.line5.slots import event_id_to_slot
from worldspec.protocol import World

__all__ = ["dense_log", "fresh_creates", "ids", "slot_of"]


def slot_of(event: Event) -> int:
    """The slot ``event`` names; an id that names none leaves the rule unjudged (SLOT-001
    judges the format)."""
    slot = event_id_to_slot(event.event_id)
    if slot is None:
        deviate(f"reading the slot of {event.event_type}", f"named it {event.event_id!r}", "SLOT-001")
    return slot


async def dense_log(world: World, run_id: str) -> list[Event]:
    """The run's log, which must hold slots 1…n for a rule about what comes next to be judged
    (SLOT-002 judges density itself)."""
    log = await all_events(world, run_id)
    slots = [slot_of(event) for event in log]
    if slots != list(range(1, len(log) + 1)):
        deviate(f"listing run {run_id}", f"listed slots {slots}, not 1…n", "SLOT-002")
    return log


def ids(events: Sequence[Event]) -> list[str]:
    """The event ids of ``events``, in order."""
    return [event.event_id for event in events]


def fresh_creates(count: int) -> list[EventRequest]:
    """``count`` creates no entity rule refuses on a running run: new steps, waits and hooks."""
    builders: list[Callable[[], EventRequest]] = [
        lambda: make.step_created(make.new_id("step")),
        lambda: make.wait_created(make.new_id("wait"), from_now(3600)),
        lambda: make.hook_created(make.new_id("hook"), make.token()),
    ]
    return [builders[index % len(builders)]() for index in range(count)]
