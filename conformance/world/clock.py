"""Time the kit controls: a manual clock, and opening a World with it where the Factory takes one.

A Factory that accepts a ``clock`` keyword (a zero-argument callable returning an aware UTC
``datetime``) gets the kit's clock; time that the contract depends on (``retryAfter``,
``resumeAt``) then moves only when the kit says so. Other Worlds run on their own clocks, and
the kit chooses times far enough from now that a few seconds of drift cannot matter.
"""

from __future__ import annotations

import dataclasses
import inspect
from datetime import datetime, timedelta
from typing import Any

from conformance.world.loading import WorldLoadError, WorldSpec, load_factory, open_world
from conformance.world.oracle import system_clock

__all__ = ["ManualClock", "accepts_clock", "open_world_with_clock"]


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


async def open_world_with_clock(spec: WorldSpec, clock: ManualClock) -> tuple[Any, bool]:
    """Open a World of ``spec`` on ``clock`` if its Factory accepts one, else on its own clock.

    Returns the World and whether it runs on ``clock``. A Factory that takes ``**kwargs`` but
    refuses ``clock`` when called is opened again without it.
    """
    if not accepts_clock(spec) or "clock" in spec.options:
        return await open_world(spec), False
    clocked = dataclasses.replace(spec, options={**spec.options, "clock": clock})
    try:
        return await open_world(clocked), True
    except WorldLoadError:
        return await open_world(spec), False
