"""CI certification of an npm World against its known-failures file, never flaky.

A known-failures entry either fails in every run, or carries ``sometimes = "<observed rate>"``:
a race the World loses in some runs, a model test that finds a sequence in some runs. The
plugin runs the second kind as lenient expected failures (a pass is a pass), so CI never
depends on the World losing a race. Every other entry must still fail (a finding that stopped
failing is a stale entry and fails CI), and nothing outside the file may fail.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from conformance.certify.levels import LEVELS, judge
from conformance.reporting.known_failures import load_known_failures
from conformance.reporting.records import read_records
from tests.kit_runner import failed, run_kit
from worldspec.capabilities import capability_named

__all__ = ["certify", "sometimes_failing"]

REPO = Path(__file__).resolve().parent.parent
KNOWN_FAILURES = REPO / "known-failures"


def _entries(path: Path) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = tomllib.loads(path.read_text()).get("known_failure", [])
    return entries


def sometimes_failing(path: Path) -> frozenset[str]:
    """The IDs of the entries of ``path`` that fail in some runs only (``sometimes`` set)."""
    return frozenset(entry["id"] for entry in _entries(path) if entry.get("sometimes"))


def certify(
    package: str, known_failures: Path, scratch: Path, *options: str, timeout: float
) -> dict[str, str]:
    """Run the whole kit on ``package`` through the bridge with ``options`` and assert the
    outcome the module docstring describes; return each invariant's outcome."""
    known = set(load_known_failures(known_failures))
    sometimes = sometimes_failing(known_failures)
    kept = scratch / "report.json"
    outcomes = run_kit(
        "reference_worlds.node:NodeWorld",
        "--world-opt",
        f"package={package}",
        *options,
        "--world-xfail",
        str(known_failures),
        timeout=timeout,
        keep_report=kept,
    )
    process = outcomes.pop("__process__")
    report = process.stdout[-6000:] + process.stderr[-2000:]
    expected_failures = {ident for ident, outcome in outcomes.items() if outcome == "expected-fail"}
    stale = known - sometimes - expected_failures
    assert not stale, f"known failures that no longer fail (drop them): {sorted(stale)}\n{report}"
    unexpected = failed(outcomes)
    assert not unexpected, f"failed, not a known failure: {sorted(unexpected)}\n{report}"
    assert expected_failures <= known, report
    assert process.returncode == 0, report
    left = {
        ident: record.left_behind
        for ident, record in read_records(json.loads(kept.read_text())).items()
        if record.left_behind
    }
    assert not left, f"the bridge left threads or processes running after close(): {left}\n{report}"
    _verdict_follows_the_findings(kept, known)
    return outcomes


def _verdict_follows_the_findings(report: Path, known: set[str]) -> None:
    """Each level is blocked by exactly what the World's findings imply: the known failures in
    its scope that failed this run (a ``sometimes`` one may have passed), the rules those leave
    unjudged, and the skips of a capability the World lacks that the level requires."""
    records = read_records(json.loads(report.read_text()))
    checked = {ident: record.family for ident, record in records.items()}
    verdicts = {name: judge(level, checked, records) for name, level in LEVELS.items()}
    explained = {
        ident
        for ident, record in records.items()
        if record.outcome not in ("pass", "warn") and (ident in known or record.judged_by in known)
    }
    for name, level in LEVELS.items():
        implied = {ident for ident in explained if level.covers(checked[ident])}
        implied |= {
            ident
            for ident, record in records.items()
            if record.outcome == "skip"
            and record.skipped_for is not None
            and level.covers(record.family)
            and not level.excuses(capability_named(record.skipped_for))
        }
        blocked = {blocker.id for blocker in verdicts[name].blockers}
        assert blocked == implied, (
            f"{name}: blocked by {sorted(blocked - implied)}, not by {sorted(implied - blocked)}"
        )
