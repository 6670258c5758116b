"""A World that hangs fails the tests it hangs, with the call, its arguments and the time waited,
and the run goes on to a verdict (issue: one stuck call must not stop the whole run)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent
BOUND = 240
"""Seconds any of these runs may take in all: far less than one hung call would."""


def _pytest_on(tmp_path: Path, target: str, *arguments: str) -> subprocess.CompletedProcess[str]:
    """The kit on ``tests.stuck_worlds:target`` with a 1 s deadline, run from ``tmp_path``."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--world=tests.stuck_worlds:{target}",
            "--world-timeout=1",
            *arguments,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=child_environment(PYTHONPATH=str(REPO)),
        timeout=BOUND,
    )


def _kit(
    tmp_path: Path, target: str, *arguments: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = tmp_path / "report.json"
    process = _pytest_on(tmp_path, target, f"--world-report={report}", *arguments)
    records = {entry["id"]: entry for entry in json.loads(report.read_text())["invariants"]}
    return process, records


def test_a_call_that_never_returns_fails_its_test_as_timed_out(tmp_path: Path) -> None:
    started = time.monotonic()
    process, records = _kit(tmp_path, "RunsGetNeverReturns", "-m", "runs or terminal")
    timed_out = {ident: record for ident, record in records.items() if record["timed_out"]}
    assert timed_out, process.stdout[-3000:]
    for record in timed_out.values():
        assert record["outcome"] == "fail"
        assert "runs.get('wrun_" in record["details"] and "did not return within 1 s" in record["details"]
    assert any(record["outcome"] == "pass" for record in records.values()), "the run went on"
    assert "worldspec: timed out" in process.stdout
    assert "During handling of the above exception" not in process.stdout, "stated once, not chained"
    assert time.monotonic() - started < BOUND


def test_a_listing_that_never_ends_fails_instead_of_looping(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "EndlessEventPages", "-k", "RUN-004")
    record = records["RUN-004"]
    assert record["outcome"] == "fail", process.stdout[-3000:]
    assert "still said hasMore: true after 1000 pages" in record["reason"]


def test_code_that_blocks_the_event_loop_is_left_behind(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "BlocksTheLoop", "-m", "runs")
    stuck = [record for record in records.values() if record["timed_out"]]
    assert len(stuck) == 1, process.stdout[-3000:]
    assert "did not finish within 10 s" in stuck[0]["details"]
    assert any(record["outcome"] == "pass" for record in records.values()), "the run went on"


def test_a_close_that_never_returns_fails_the_test_it_ends(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "CloseNeverReturns", "-k", "RUN-002 or RUN-013")
    assert {record["outcome"] for record in records.values()} == {"fail"}, process.stdout[-3000:]
    assert all(record["timed_out"] for record in records.values())
    assert all("close() did not return within 1 s" in record["reason"] for record in records.values())
    assert "During handling of the above exception" not in process.stdout, "stated once, not chained"


def test_a_close_that_raises_fails_the_test_it_ends_without_a_traceback(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "CloseRaises", "-k", "RUN-002")
    assert records["RUN-002"]["outcome"] == "fail", process.stdout[-3000:]
    assert "close() raised: RuntimeError: pool already closed" in records["RUN-002"]["reason"]
    assert "Traceback" not in process.stdout and "INTERNALERROR" not in process.stdout


def test_a_plain_close_method_is_called_and_is_enough(tmp_path: Path) -> None:
    """``close()`` need not be a coroutine: a plain one did its work when it was called (it used
    to crash the run while the kit probed the World)."""
    process, records = _kit(tmp_path, "ClosesSynchronously", "-k", "RUN-001 or RUN-002")
    assert {record["outcome"] for record in records.values()} == {"pass"}, process.stdout[-3000:]


def test_a_factory_that_never_returns_ends_the_run_at_its_deadline(tmp_path: Path) -> None:
    """The kit opens the World once before the first test; a Factory that blocks there ends the
    run with a usage error after twice the deadline, instead of hanging it."""
    started = time.monotonic()
    process = _pytest_on(tmp_path, "FactoryNeverReturns", "-k", "RUN-001")
    assert process.returncode == 4, process.stdout[-3000:] + process.stderr[-3000:]
    assert "opening the World did not finish within 2 s (its Factory or start() never returned)" in (
        process.stderr
    )
    assert time.monotonic() - started < 60


def test_a_base_exception_from_a_call_fails_its_test_at_once(tmp_path: Path) -> None:
    """``SystemExit`` or a ``CancelledError`` of the World's own, raised out of a call, fails
    the test that made the call, blamed on the World, instead of ending the test's event loop
    (the test then waited out its deadline, blamed as timed out) or the run."""
    for target, raised in (("ExitsFromACall", "SystemExit"), ("LeaksItsCancellation", "CancelledError")):
        started = time.monotonic()
        process, records = _kit(tmp_path, target, "-k", "RUN-001 or RUN-002")
        record = records["RUN-002"]
        assert record["outcome"] == "fail" and not record["timed_out"], process.stdout[-3000:]
        assert "expected: a World raises only contract errors" in record["reason"], record["reason"]
        assert f"runs.get() raised {raised}(" in record["reason"], record["reason"]
        assert "Traceback" not in process.stdout
        assert time.monotonic() - started < 30, f"{target}: a test waited out its deadline"


def test_a_base_exception_from_a_task_of_the_world_fails_its_test_at_once(tmp_path: Path) -> None:
    """``SystemExit`` raised in a task the World started leaves the kit's event loop running:
    each test during which it escapes fails, blamed on the World, at once, instead of waiting
    out its deadline."""
    started = time.monotonic()
    process, records = _kit(tmp_path, "ExitsFromItsPoller", "-k", "RUN-001 or RUN-002 or RUN-003")
    for ident in ("RUN-001", "RUN-002", "RUN-003"):
        record = records[ident]
        assert record["outcome"] == "fail" and not record["timed_out"], process.stdout[-3000:]
        assert "a task the World started raised SystemExit('the poller lost" in record["reason"]
    assert "Traceback" not in process.stdout
    assert time.monotonic() - started < 30, "a test waited out its deadline"


def test_a_coroutine_member_that_returns_a_value_is_named(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "GetsSynchronously", "-k", "RUN-002")
    reason = records["RUN-002"]["reason"]
    assert records["RUN-002"]["outcome"] == "fail", process.stdout[-3000:]
    assert "runs.get() returned ActiveRun, not an awaitable" in reason, reason


def test_a_slow_world_ends_model_and_races_at_their_budget_and_says_so(tmp_path: Path) -> None:
    started = time.monotonic()
    process, records = _kit(
        tmp_path, "SlowCreates", "--world-budget=0.5", "--world-timeout=5", "-k", "LIN-001 or LIN-002"
    )
    for ident in ("LIN-001", "LIN-002"):
        evidence = records[ident]["evidence"]
        assert records[ident]["outcome"] == "pass", process.stdout[-3000:]
        assert evidence["budget_reached"] and evidence["attempts"] >= 1, evidence
    assert "worldspec: time budget reached" in process.stdout
    assert "budget reached after" in process.stdout
    assert time.monotonic() - started < 120


def test_a_race_budget_longer_than_the_test_deadline_ends_at_the_budget_not_in_a_timeout(
    tmp_path: Path,
) -> None:
    """The thorough profile's race budget (minutes) is longer than ten call deadlines: a slow
    World's race must end at its budget and be judged, not be abandoned as timed out."""
    process, records = _kit(
        tmp_path,
        "SlowCreates",
        "--world-profile=thorough",
        "--world-timeout=0.5",
        "--world-budget=8",
        "-k",
        "LIN-002",
    )
    record = records["LIN-002"]
    assert record["outcome"] == "pass" and not record["timed_out"], process.stdout[-3000:]
    assert record["evidence"]["budget_reached"], record["evidence"]


def test_the_loops_default_executor_is_not_blamed_on_the_world_but_a_job_left_in_it_is(
    tmp_path: Path,
) -> None:
    process, records = _kit(tmp_path, "ResolvesInTheDefaultExecutor", "-k", "RUN-001 or RUN-002")
    assert {record["outcome"] for record in records.values()} == {"pass"}, process.stdout[-3000:]
    assert all(record["left_behind"] == [] for record in records.values()), records
    assert "left running after close()" not in process.stdout
    process, records = _kit(tmp_path, "ClosesWithAnExecutorJobRunning", "-k", "RUN-001")
    assert "thread 'asyncio_0'" in " ".join(records["RUN-001"]["left_behind"]), process.stdout[-3000:]


def test_threads_a_world_leaves_running_are_named_and_do_not_hang_the_run(tmp_path: Path) -> None:
    started = time.monotonic()
    process, records = _kit(tmp_path, "LeavesAThreadRunning", "-k", "RUN-001 or RUN-002")
    assert time.monotonic() - started < 60, "the run ended instead of waiting for the threads"
    assert all("thread 'flusher' (not a daemon" in " ".join(r["left_behind"]) for r in records.values())
    assert "worldspec: left running after close()" in process.stdout
    assert "the kit ends the process now" in process.stderr


def test_a_fault_campaign_that_never_finishes_times_out_once(tmp_path: Path) -> None:
    """The FAULT tests share one campaign per session: the test that began it times out at its
    deadline, and every later one is not judged at once instead of waiting as long again."""
    started = time.monotonic()
    process, records = _kit(tmp_path, "RestartNeverReturns", "--world-profile=quick", "-m", "faults")
    faults = {ident: record for ident, record in records.items() if ident.startswith("FAULT-")}
    assert len(faults) >= 2, process.stdout[-3000:]
    first, *later = sorted(faults)
    assert faults[first]["timed_out"] and faults[first]["outcome"] == "fail", faults[first]
    for ident in later:
        assert faults[ident]["outcome"] == "unjudged", faults[ident]
        assert f"the test of {first} began it and timed out" in faults[ident]["reason"], faults[ident]
    assert process.returncode == 1
    deadline = 10 * 1 + 20  # ten calls of --world-timeout=1 and the quick profile's budget
    assert time.monotonic() - started < 2 * deadline + 15, "a later FAULT test waited out a deadline too"
