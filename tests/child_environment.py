"""The environment a test gives a child process that must run as a user's own command would."""

from __future__ import annotations

import os

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


def child_environment(**overrides: str) -> dict[str, str]:
    """``os.environ`` without the World chosen for this run and without the variables pytest and
    pytest-xdist set for the running test's process, then ``overrides`` on top."""
    environment = {key: value for key, value in os.environ.items() if key not in _THIS_PROCESS_ONLY}
    environment.update(overrides)
    return environment
