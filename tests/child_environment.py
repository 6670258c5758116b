"""The environment a test gives a child process that must run as a user's own command would."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

# Set by pytest and pytest-xdist for the process that runs this test only. A child that inherits
# them believes it is an xdist worker: pytest-benchmark, for one, then warns that it is disabled,
# which fails any child run with ``-W error``.
_THIS_PROCESS_ONLY = (
    "WORLDSPEC_WORLD",
    "PYTEST_CURRENT_TEST",
    "PYTEST_XDIST_WORKER",
    "PYTEST_XDIST_WORKER_COUNT",
    "PYTEST_XDIST_TESTRUNUID",
)

BYTECODE_CACHE = Path(tempfile.gettempdir()) / f"worldspec-pycache-{os.getuid()}"
"""Where children keep compiled modules when the parent's environment forbids writing them
beside the sources (``PYTHONDONTWRITEBYTECODE``, as on CI machines that keep the tree clean).
Without it every child recompiles, and pytest rewrites the asserts of, the kit's 250 modules:
about a second of CPU per child, over the few hundred kit runs of our own tests."""


def child_environment(**overrides: str) -> dict[str, str]:
    """``os.environ`` without the World chosen for this run and without the variables pytest and
    pytest-xdist set for the running test's process, then ``overrides`` on top. A parent that
    forbids bytecode beside the sources gets it kept in ``BYTECODE_CACHE`` instead, outside the
    tree; a parent that chose its own ``PYTHONPYCACHEPREFIX`` keeps it."""
    environment = {key: value for key, value in os.environ.items() if key not in _THIS_PROCESS_ONLY}
    if environment.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        environment.setdefault("PYTHONPYCACHEPREFIX", str(BYTECODE_CACHE))
    environment.update(overrides)
    return environment


def as_console_script(module: str) -> list[str]:
    """The command that runs ``module`` the way its console script does: with this Python, and
    without the current directory on the import path, which ``python -m`` alone would put there
    (``-P``). Not the script's own file: a virtual environment that borrows its base's packages
    (``--system-site-packages``) has no ``pytest`` script of its own."""
    return [sys.executable, "-P", "-m", module]
