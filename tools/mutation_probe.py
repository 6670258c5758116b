"""A pytest plugin for mutation runs only (``tools/mutation.py`` passes it with ``-p``).

It makes the session's exit status say whether the kit noticed the mutant, as mutmut reads it:

- The kit probes the World while pytest configures itself and turns a World that cannot even
  be probed into a usage error (exit code 4). mutmut reads exit code 4 as "the test command
  is wrong" and stops the whole run, although for a mutant it means the kit refused the
  mutated World: a kill. That refusal becomes an ordinary failure (exit 1). The unmutated run
  still has to pass first (mutmut's clean run), so a command that is really wrong is caught
  there.
- A broken SHOULD rule is reported by the kit as a warning and leaves the exit status 0. The
  kit did notice the change, so a session with a warning ends as failed here.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Generator
from pathlib import Path

import pytest

ExitStatus = int | pytest.ExitCode


@pytest.hookimpl(wrapper=True)
def pytest_cmdline_main(config: pytest.Config) -> Generator[None, ExitStatus, ExitStatus]:
    """Run the session; a World the kit could not probe ends it as failed, not as misused."""
    try:
        return (yield)
    except pytest.UsageError as error:
        print(f"the kit refused the mutated World: {error}")
        return pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    """Have the kit write its report to a file of this process's own."""
    if getattr(config.option, "world_report", None) is None:
        config.option.world_report = str(Path(tempfile.gettempdir()) / f"worldspec-mutant-{os.getpid()}.json")


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """After the kit wrote its report: a session that warned about a SHOULD rule failed."""
    report = Path(session.config.option.world_report)
    if not report.exists():
        return
    outcomes = [entry["outcome"] for entry in json.loads(report.read_text())["invariants"]]
    report.unlink()
    if "warn" in outcomes and session.exitstatus == 0:
        print("the kit warned about a SHOULD rule the mutant breaks")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
