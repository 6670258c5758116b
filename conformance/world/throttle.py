"""Rate limiting, as the runtime meets it: a World MAY refuse a call with ``ThrottleError``
(§3, HTTP 429), which means the call was not made, and the runtime makes it again after
``retryAfter`` seconds. The kit does the same, within bounds, so that a World that limits its
rate is judged on what it answers once it takes the call (docs/decisions.md, "Rate limits").

No pytest here.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import TypeVar

__all__ = [
    "DEFAULT_RETRY_AFTER",
    "LONGEST_WAIT",
    "THROTTLED_AT_MOST",
    "answered",
    "refusals",
    "throttle_wait",
]

T = TypeVar("T")

DEFAULT_RETRY_AFTER = 1.0
"""Seconds waited after a ``ThrottleError`` whose ``retryAfter`` is absent or not a number."""

LONGEST_WAIT = 5.0
"""Seconds one ``retryAfter`` is honoured for at most: a longer one is waited this long."""

THROTTLED_AT_MOST = 20.0
"""Seconds one call may spend waiting out refusals; past that the last ``ThrottleError`` is
the call's answer, judged as any other, and so is every later ``ThrottleError`` of the
process: a World that refuses that long refuses for good, and waiting on it in every test
would keep the run going for hours."""


def throttle_wait(error: BaseException) -> float | None:
    """How long to wait before making a call again that raised ``error``: ``None`` unless
    ``error`` is a ``ThrottleError`` (matched by name, as the runtime matches it), else its
    ``retryAfter`` in seconds, bounded by ``LONGEST_WAIT``."""
    if getattr(error, "name", None) != "ThrottleError" or not isinstance(error, Exception):
        return None
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, bool) or not isinstance(retry_after, int | float):
        return DEFAULT_RETRY_AFTER
    if not math.isfinite(retry_after):
        return DEFAULT_RETRY_AFTER
    return min(max(float(retry_after), 0.0), LONGEST_WAIT)


_refusals = 0
_gave_up = False


def refusals() -> int:
    """How many refusals ``answered`` has waited out in this process so far."""
    return _refusals


async def answered(make: Callable[[], Awaitable[T]]) -> T:
    """What the call ``make`` makes answers once the World takes it: while it raises
    ``ThrottleError``, wait its ``retryAfter`` (``throttle_wait``) and make it again; past
    ``THROTTLED_AT_MOST`` seconds of waiting, the last refusal is raised, and from then on
    every refusal at once."""
    global _refusals, _gave_up
    waited = 0.0
    while True:
        try:
            return await make()
        except Exception as error:
            wait = throttle_wait(error)
            if wait is None or _gave_up:
                raise
            if waited + wait > THROTTLED_AT_MOST:
                _gave_up = True
                raise
        _refusals += 1
        waited += wait
        await asyncio.sleep(wait)
