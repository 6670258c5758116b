"""The environment the benchmarks run the kit in: this process's, minus
``PYTHONDONTWRITEBYTECODE``.

A user's kit imports from the bytecode Python cached on an earlier run. A shell that sets that
variable (as the one these benchmarks were first run from did, with an empty
``PYTHONPYCACHEPREFIX``) makes every process compile the kit, pytest, Hypothesis and pydantic
again: about 1.5 s of CPU a process on the 2-core machine, paid by each xdist worker too. The
benchmarks drop the variable and run the kit once, untimed, before they time it.
"""

from __future__ import annotations

import os

__all__ = ["kit_environment"]


def kit_environment(**extra: str) -> dict[str, str]:
    """This process's environment without ``PYTHONDONTWRITEBYTECODE``, with ``extra`` set."""
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**inherited, **extra}
