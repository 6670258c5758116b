"""The kit on several xdist workers: every racing test on one worker, one after another, and
the long units handed out before the short ones, on the pytest installed (9.2 dropped the node
id suffix xdist's own ``loadgroup`` grouped by)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.catalogue.implemented import implementing_tests
from conformance.catalogue.marker import invariant_of
from conformance.parallel import invariant_in_node_id, racing_invariants
from tests.test_plugin import MEMORY, run_pytest

_RAN = re.compile(r"^\[(gw\d+)\] \[\s*\d+%\] (PASSED|FAILED|SKIPPED|XFAIL|XPASS|ERROR) (\S+)", re.MULTILINE)


def _ran_on(output: str) -> list[tuple[str, str, str]]:
    """(worker, outcome, invariant ID) of each suite test, in the order they finished."""
    return [
        (worker, outcome, ident)
        for worker, outcome, node_id in _RAN.findall(output)
        if (ident := invariant_in_node_id(node_id)) is not None
    ]


@pytest.mark.parametrize("dist", [None, "loadgroup"])
def test_races_run_on_one_worker_and_long_units_come_first(tmp_path: Path, dist: str | None) -> None:
    spread = ["-n", "2"] + (["--dist", dist] if dist else [])
    result = run_pytest(tmp_path, f"--world={MEMORY}", "--world-profile=quick", "-v", *spread)
    assert result.returncode == 0, result.stdout[-3000:]
    ran = _ran_on(result.stdout)
    assert len(ran) > 100, result.stdout[-3000:]
    racing = racing_invariants()
    raced = {ident for _, outcome, ident in ran if ident in racing and outcome == "PASSED"}
    assert {"LIN-002", "HOOK-003", "RS-005"} <= raced, "the racing tests ran"
    workers_of_races = {worker for worker, _, ident in ran if ident in racing}
    assert len(workers_of_races) == 1, f"racing tests spread over {sorted(workers_of_races)}"
    lengthy = {
        found.id for test in implementing_tests().values() if (found := invariant_of(test)) and found.lengthy
    }
    assert {"LIST-007", "Q-004"} <= lengthy
    for worker in {worker for worker, _, _ in ran}:
        order = [ident in racing or ident in lengthy for w, _, ident in ran if w == worker]
        assert order == sorted(order, reverse=True), f"{worker} ran a short test before a long one"


@pytest.mark.parametrize(
    ("node_id", "expected"),
    [
        ("conformance/suites/test_races.py::test_race[LIN-002]", "LIN-002"),
        ("conformance/suites/test_races.py::test_race[LIN-002]@mine", "LIN-002"),
        ("tests/test_x.py::test_y[a@b]", None),
        ("conformance/suites/test_runs.py::test_z", None),
    ],
)
def test_invariant_in_node_id(node_id: str, expected: str | None) -> None:
    assert invariant_in_node_id(node_id) == expected
