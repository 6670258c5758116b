"""A failure lands on the rule the World breaks: setup steps that go wrong make the rules built on
them ``unjudged`` (naming the rule that judges the step), values the kit cannot read fail the
test showing the value, and each failure is stated once."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.child_environment import child_environment

REPO = Path(__file__).resolve().parent.parent


def _kit(
    tmp_path: Path, target: str, *arguments: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, Any]]:
    report = tmp_path / "report.json"
    environment = child_environment(PYTHONPATH=str(REPO))
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"--world={target}",
            f"--world-report={report}",
            *arguments,
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
    )
    return process, {entry["id"]: entry for entry in json.loads(report.read_text())["invariants"]}


def test_a_broken_setup_step_sends_the_reader_to_the_rule_that_judges_it(tmp_path: Path) -> None:
    process, records = _kit(
        tmp_path, "tests.broken_factories:ThrowsOnSameRunTokenConflict", "-m", "event_log or hooks"
    )
    assert records["HOOK-002"]["outcome"] == "fail", process.stdout[-3000:]
    unjudged = {ident: record for ident, record in records.items() if record["outcome"] == "unjudged"}
    assert unjudged, process.stdout[-3000:]
    assert all(ident.startswith("EVT-") for ident in unjudged)
    for record in unjudged.values():
        assert record["judged_by"] == "HOOK-002"
        assert "setup: hook_created" in record["reason"] and "raised EntityConflictError" in record["reason"]
        assert record["details"].startswith("not judged: setup: hook_created"), record["details"][:300]
    failed = {ident for ident, record in records.items() if record["outcome"] == "fail"}
    assert not any(ident.startswith("EVT-") for ident in failed), failed
    assert "worldspec: not judged" in process.stdout
    assert process.returncode == 1


def test_rules_left_unjudged_by_a_known_failure_do_not_fail_the_run(tmp_path: Path) -> None:
    known = tmp_path / "known.toml"
    known.write_text(
        '[[known_failure]]\nid = "HOOK-002"\nreason = "tracked"\nlink = "https://example.org/1"\n'
    )
    process, records = _kit(
        tmp_path,
        "tests.broken_factories:ThrowsOnSameRunTokenConflict",
        f"--world-xfail={known}",
        "-m",
        "event_log or hooks",
    )
    assert records["HOOK-002"]["outcome"] == "expected-fail", process.stdout[-3000:]
    unjudged = [record for record in records.values() if record["outcome"] == "unjudged"]
    assert unjudged and all(record["judged_by"] == "HOOK-002" for record in unjudged)
    assert "worldspec: not judged" in process.stdout
    assert process.returncode == 0, process.stdout[-3000:]


def test_an_unreadable_answer_fails_the_test_showing_the_value(tmp_path: Path) -> None:
    process, records = _kit(
        tmp_path, "tests.broken_factories:RunsGetReturnsPlainDicts", "-k", "RUN-013 or RUN-006"
    )
    record = records["RUN-006"]
    assert record["outcome"] == "fail", process.stdout[-3000:]
    assert "returned something the kit could not read" in record["reason"]
    assert "the World's last answer, to runs.get" in record["details"]
    assert '"runId": "wrun_' in record["details"]
    assert "Traceback" not in process.stdout


def test_each_failure_is_stated_once_without_chained_exceptions(tmp_path: Path) -> None:
    process, records = _kit(tmp_path, "tests.broken_worlds:ConflictInsteadOfExpired", "-k", "RUN-008")
    assert records["RUN-008"]["outcome"] == "fail"
    assert "During handling of the above exception" not in process.stdout
    failure = process.stdout[process.stdout.index("= FAILURES =") :]
    expected = [line for line in failure.splitlines() if line.startswith(("expected: ", "E   expected: "))]
    assert len(expected) == 1, failure[:3000]
