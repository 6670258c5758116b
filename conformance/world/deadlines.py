"""Deadlines on World calls: a World that never answers fails the test it hangs, not the run.

Every call the kit makes through its proxy (``conformance.world.recorder``) is given
``deadline`` seconds (``--world-timeout``, default ``DEFAULT_CALL_TIMEOUT``). A call that
outlives it raises ``WorldCallTimeout``, which derives from ``BaseException`` so that no
``except Exception`` in a suite or a World mistakes it for an answer; the plugin fails the test
with the call, its arguments and the time waited, and abandons the World.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = [
    "DEFAULT_CALL_TIMEOUT",
    "DEFAULT_CLOSE_TIMEOUT",
    "LONGEST_SECONDS",
    "WorldCallTimeout",
    "abandon",
    "seconds_problem",
]

DEFAULT_CALL_TIMEOUT = 30.0
"""Seconds a single World call may take before the kit gives up on it."""

DEFAULT_CLOSE_TIMEOUT = 30.0
"""Seconds a World's ``start()`` or ``close()`` may take."""

LONGEST_SECONDS = 86_400.0
"""The longest time (a day) a user may give a call or a test's budget: the kit waits for
multiples of it, and a wait of ``inf`` seconds, or one beyond what the platform's clock can
count, cannot be asked of a thread."""


def seconds_problem(option: str, seconds: float) -> str | None:
    """What is wrong with ``seconds`` given as ``option`` (``--world-timeout``, ``--timeout``,
    ``--world-budget``), in one sentence, or ``None`` when it is a usable duration: finite,
    positive, at most ``LONGEST_SECONDS``."""
    if math.isfinite(seconds) and 0 < seconds <= LONGEST_SECONDS:
        return None
    return (
        f"{option} must be a positive number of seconds, at most {LONGEST_SECONDS:g} (a day), got {seconds:g}"
    )


class WorldCallTimeout(BaseException):
    """A World call did not return within its deadline."""

    def __init__(self, method: str, arguments: str, waited: float) -> None:
        super().__init__(f"{method}({arguments}) did not return within {waited:g} s")
        self.method = method
        self.arguments = arguments
        self.waited = waited


def abandon(world: object) -> str:
    """Let go of a World the kit stopped waiting for: call its optional ``worldspec_abandon()``
    (which must not block: kill a child process, drop connections). Returns what happened, for
    the failure report."""
    hook: Any = getattr(getattr(world, "unwrapped", world), "worldspec_abandon", None)
    if not callable(hook):
        return "the World has no worldspec_abandon(); it was left as it was"
    try:
        hook()
    except Exception as error:
        return f"worldspec_abandon() raised {type(error).__name__}: {error}"
    return "the kit called the World's worldspec_abandon()"
