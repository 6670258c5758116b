"""A pytest plugin ``worldspec certify`` loads into the kit run (``-p conformance.certify.progress_plugin``).

With ``--certify-progress=FILE`` it appends one JSON object per line to FILE, flushed at once,
so the parent process can draw progress while the kit runs:

- ``{"event": "collected", "tests": [{"id": "RUN-004", "family": "RUN"}, ...]}`` once;
- ``{"event": "finished", "id": ..., "family": ..., "outcome": ..., "details": ...}`` per
  invariant test, where ``outcome`` is ``pass``, ``fail``, ``skip`` or ``expected-fail`` and
  ``details`` is the failure text with the kit's ``worldspec:`` sections (empty unless failed).

The outcomes of record come from ``--world-report``; these lines are for display and details.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

import pytest

from conformance.catalogue.entries import Invariant
from conformance.catalogue.marker import invariant_of

__all__ = ["ProgressWriter"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.getgroup("worldspec").addoption(
        "--certify-progress",
        metavar="FILE",
        help="append a JSON line per finished invariant test to FILE (used by worldspec certify)",
    )


def pytest_configure(config: pytest.Config) -> None:
    path = config.getoption("certify_progress")
    if path:
        stream = Path(path).open("a", encoding="utf-8")  # noqa: SIM115 - the writer closes it at unconfigure
        config.pluginmanager.register(ProgressWriter(stream))


class ProgressWriter:
    """Writes the progress lines of one session to ``stream`` and closes it at the end."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream
        self.invariants: dict[str, Invariant] = {}
        self.first_problem: dict[str, tuple[str, str]] = {}

    def _emit(self, message: dict[str, Any]) -> None:
        self.stream.write(json.dumps(message) + "\n")
        self.stream.flush()

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        for item in session.items:
            found = invariant_of(getattr(item, "function", None))
            if found is not None:
                self.invariants[item.nodeid] = found
        tests = [{"id": found.id, "family": found.family.prefix} for found in self.invariants.values()]
        self._emit({"event": "collected", "tests": tests})

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.nodeid not in self.first_problem and (report.when == "call" or not report.passed):
            self.first_problem[report.nodeid] = (_outcome_of(report), _details_of(report))
        if report.when != "teardown":
            return
        found = self.invariants.get(report.nodeid)
        if found is None:
            return
        outcome, details = self.first_problem.pop(report.nodeid, ("pass", ""))
        if report.failed and outcome != "fail":
            outcome, details = _outcome_of(report), _details_of(report)
        self._emit(
            {
                "event": "finished",
                "id": found.id,
                "family": found.family.prefix,
                "outcome": outcome,
                "details": details,
            }
        )

    def pytest_unconfigure(self, config: pytest.Config) -> None:
        self.stream.close()


def _outcome_of(report: pytest.TestReport) -> str:
    if report.failed:
        return "fail"
    if report.skipped:
        return "expected-fail" if hasattr(report, "wasxfail") else "skip"
    return "pass"


def _details_of(report: pytest.TestReport) -> str:
    if not report.failed:
        return ""
    parts = [report.longreprtext.strip()]
    parts += [
        f"--- {title} ---\n{text.strip()}" for title, text in report.sections if title.startswith("worldspec")
    ]
    return "\n\n".join(parts)
