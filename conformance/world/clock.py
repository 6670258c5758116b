"""Time the kit controls: a manual clock, and opening a World with it where the Factory takes one.

A Factory that accepts a ``clock`` keyword (a zero-argument callable returning an aware UTC
``datetime``) gets the kit's clock; time that the contract depends on (``retryAfter``,
``resumeAt``, ``createdAt``, ``updatedAt``) then moves only when the kit says so, and the time
rules are judged exactly. Other Worlds run on their own clocks, and
the kit chooses times far enough from now that a few seconds of drift cannot matter.
"""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from conformance.world.loading import WorldLoadError, WorldSpec, load_factory, open_world
from conformance.world.oracle import system_clock
from conformance.world.recorder import Recorder
from worldspec.protocol import World

__all__ = ["KIT_CLOCK_LEAD", "ClockedWorld", "ManualClock", "accepts_clock", "open_world_with_clock"]

KIT_CLOCK_LEAD = timedelta(hours=2)
"""How far ahead of real time the kit's clock starts for the time rules: far enough that a World
which reads the system clock where it should read the one it was given judges and stamps
visibly wrong times (a client runId's 24-hour window, ``updatedAt``), near enough that ids the
kit mints on real time (the ULIDs of client runIds) stay well inside that window."""


class ManualClock:
    """A clock that stands still until ``advance`` moves it; millisecond precision."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or system_clock()

    def __call__(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock ``seconds`` forward (whole milliseconds)."""
        self._now += timedelta(milliseconds=round(seconds * 1000))


def accepts_clock(spec: WorldSpec) -> bool:
    """Whether the Factory takes a ``clock`` keyword: a parameter of that name, or ``**kwargs``."""
    try:
        parameters = inspect.signature(load_factory(spec.target)).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(
        parameter.name == "clock" or parameter.kind is inspect.Parameter.VAR_KEYWORD
        for parameter in parameters
    )


async def open_world_with_clock(
    spec: WorldSpec, clock: ManualClock, recorder: Recorder | None = None
) -> tuple[Any, bool]:
    """Open a World of ``spec`` on ``clock`` if its Factory accepts one, else on its own clock,
    its calls recorded in ``recorder`` (see ``open_world``).

    Returns the World and whether it runs on ``clock``. A Factory that takes ``**kwargs`` but
    refuses ``clock`` when called is opened again without it.
    """
    if not accepts_clock(spec) or "clock" in spec.options:
        return await open_world(spec, recorder), False
    clocked = dataclasses.replace(spec, options={**spec.options, "clock": clock})
    try:
        return await open_world(clocked, recorder), True
    except WorldLoadError:
        return await open_world(spec, recorder), False


OWN_CLOCK_STEP = 0.003
"""Seconds the kit waits between two steps of a World on its own clock: enough for a clock of
millisecond precision to move."""

OWN_CLOCK_TOLERANCE = timedelta(seconds=2)
"""How far a time a World on its own clock reports may lie outside the interval of the call
that made it: the contract gives no figure, so the kit allows what clock skew between the
kit's process and the World's store can be (the same margin as EVT-010's)."""


@dataclass(frozen=True)
class ClockedWorld:
    """A World and the kit's clock it runs on; ``clock`` is None when it keeps its own."""

    world: World
    clock: ManualClock | None

    async def tick(self, seconds: float) -> None:
        """Let time pass between two steps: the kit's clock moves ``seconds``; a World on its own
        clock is given ``OWN_CLOCK_STEP`` of real time."""
        if self.clock is not None:
            self.clock.advance(seconds)
        else:
            await asyncio.sleep(OWN_CLOCK_STEP)

    def now(self) -> datetime:
        """The time by the clock the World runs on, as far as the kit can read it."""
        return self.clock() if self.clock is not None else system_clock()

    def stamped_when(self, stamp: datetime, before: datetime, after: datetime) -> bool:
        """Whether ``stamp`` is a time the World could give a change made between ``before`` and
        ``after`` (both from ``now``): exactly the kit's clock when the World runs on it, else
        within ``OWN_CLOCK_TOLERANCE`` of that interval."""
        if self.clock is not None:
            return stamp == before == after
        return before - OWN_CLOCK_TOLERANCE <= stamp <= after + OWN_CLOCK_TOLERANCE

    def stamp_wanted(self, before: datetime) -> str:
        """What ``stamped_when`` asks of a change made at ``before``, as a failure states it."""
        if self.clock is not None:
            return f"exactly {before.isoformat()}"
        return f"within {OWN_CLOCK_TOLERANCE.total_seconds():g} s of the call"
