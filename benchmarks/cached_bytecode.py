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
import subprocess
from pathlib import Path

__all__ = ["kit_environment", "warm_up"]


def kit_environment(**extra: str) -> dict[str, str]:
    """This process's environment without ``PYTHONDONTWRITEBYTECODE``, with ``extra`` set."""
    inherited = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    return {**inherited, **extra}


def warm_up(kit: list[str], cwd: Path, environment: dict[str, str]) -> None:
    """Collect the kit (``kit``, a pytest command line) once, untimed: Python caches the
    bytecode of everything it imports, and a Node World's package is installed if this machine
    lacks it."""
    subprocess.run([*kit, "--collect-only"], cwd=cwd, env=environment, capture_output=True, check=False)
