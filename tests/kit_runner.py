"""Runs the whole kit against a World in a subprocess and returns the per-invariant outcomes."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from tests.child_environment import child_environment
from worldspec.capabilities import Capability

REPO = Path(__file__).resolve().parent.parent


def run_kit(
    target: str, *extra: str, timeout: float = 300, keep_report: Path | None = None
) -> dict[str, Any]:
    """Run ``pytest --world=target`` from the repository root; return ``{id: outcome}`` plus
    the process under the key ``"__process__"``. With ``keep_report`` the ``--world-report``
    document is written there as well."""
    with tempfile.TemporaryDirectory() as scratch:
        report = keep_report or Path(scratch) / "report.json"
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                f"--world={target}",
                f"--world-report={report}",
                "-q",
                "-p",
                "no:cacheprovider",
                "--rootdir",
                scratch,
                *extra,
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=child_environment(),
        )
        outcomes: dict[str, Any] = {}
        if report.exists():
            for entry in json.loads(report.read_text())["invariants"]:
                outcomes[entry["id"]] = entry["outcome"]
        outcomes["__process__"] = process
        return outcomes


def failed(outcomes: dict[str, Any]) -> set[str]:
    """The invariant IDs the World failed."""
    return _with_outcome(outcomes, "fail")


def warned(outcomes: dict[str, Any]) -> set[str]:
    """The SHOULD invariant IDs the World was warned about."""
    return _with_outcome(outcomes, "warn")


def _with_outcome(outcomes: dict[str, Any], wanted: str) -> set[str]:
    return {ident for ident, outcome in outcomes.items() if ident != "__process__" and outcome == wanted}


def passes_everything_it_declares(report: dict[str, Any], world: type[Any]) -> None:
    """Every invariant of the kit's ``report`` (the ``--world-report`` document) passed, or was
    skipped for a capability ``world`` does not declare: what a reference World must show
    (a certification at level full would tolerate warnings)."""
    declared = world.worldspec_capabilities
    for entry in report["invariants"]:
        assert entry["outcome"] in ("pass", "skip"), f"{entry['id']}: {entry['outcome']}: {entry['reason']}"
        if entry["outcome"] == "skip":
            assert not declared.has(Capability(entry["skipped_for"])), f"{entry['id']}: {entry['reason']}"
