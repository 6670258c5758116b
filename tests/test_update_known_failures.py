"""tools/update_known_failures.py: entries from several runs, with the rate of those that fail
only sometimes."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TOOL = REPO / "tools" / "update_known_failures.py"


def _report(path: Path, failed: dict[str, str]) -> Path:
    invariants = [{"id": ident, "outcome": "fail", "reason": reason} for ident, reason in failed.items()]
    invariants.append({"id": "RUN-001", "outcome": "pass", "reason": ""})
    path.write_text(json.dumps({"invariants": invariants}))
    return path


def _run(file: Path, *reports: Path) -> dict[str, dict[str, str]]:
    done = subprocess.run(
        [sys.executable, str(TOOL), str(file), "--reports", *map(str, reports)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert str(file) in done.stdout
    return {entry["id"]: entry for entry in tomllib.loads(file.read_text())["known_failure"]}


def test_rates_reasons_links_and_drops(tmp_path: Path) -> None:
    file = tmp_path / "world-x-1.0.0.toml"
    file.write_text(
        '# header kept\n\n[[known_failure]]\nid = "RUN-004"\nreason = "written up"\nlink = "docs/x.md#a"\n'
        '\n[[known_failure]]\nid = "RUN-007"\nreason = "fixed since"\nlink = "docs/x.md#b"\n'
    )
    reports = [
        _report(tmp_path / "1.json", {"RUN-004": "kit says", "STEP-002": "a race"}),
        _report(tmp_path / "2.json", {"RUN-004": "kit says"}),
    ]
    entries = _run(file, *reports)
    assert file.read_text().startswith("# header kept\n")
    assert entries["RUN-004"] == {"id": "RUN-004", "reason": "written up", "link": "docs/x.md#a"}
    assert entries["STEP-002"] == {
        "id": "STEP-002",
        "reason": "a race",
        "link": "docs/findings/world-x.md",
        "sometimes": "failed in 1 of 2 runs",
    }
    assert "RUN-007" not in entries


def test_one_run_cannot_drop_an_entry_that_fails_only_sometimes(tmp_path: Path) -> None:
    file = tmp_path / "world-x-1.0.0.toml"
    file.write_text(
        '[[known_failure]]\nid = "STEP-002"\nreason = "a race"\nlink = "docs/x.md"\n'
        'sometimes = "failed in 2 of 3 runs"\n'
    )
    entries = _run(file, _report(tmp_path / "1.json", {}))
    assert entries["STEP-002"]["sometimes"] == "failed in 2 of 3 runs"
