"""ruff (lint and format) and mypy --strict hold on the shipped packages."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


FORMATTED = ("worldspec", "conformance", "reference_worlds", "tests", "benchmarks", "tools")
"""The folders ``ruff format`` keeps (the pinned ruff, so a new release cannot redden them)."""


def test_code_is_formatted() -> None:
    command = [sys.executable, "-m", "ruff", "format", "--check", *FORMATTED]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


@pytest.mark.parametrize("tool", ["ruff", "mypy"])
def test_static_checks_pass(tool: str) -> None:
    if tool == "ruff":
        command = [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "worldspec",
            "conformance",
            "reference_worlds",
            "tests",
        ]
    else:
        command = [sys.executable, "-m", "mypy", "worldspec", "conformance"]
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is not installed: pip install -e '.[dev]'")
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]


CONFLICT_MARKERS = ("<<<<<<< ", "=======\n", ">>>>>>> ")
"""The lines git writes around both sides of a conflict it could not merge."""


def test_no_file_holds_an_unresolved_merge_conflict() -> None:
    """A conflict committed by mistake (docs/writing-a-factory.md once held one) renders as
    both sides and three marker lines, and no other check looks at prose."""
    tracked = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    found = []
    for name in filter(None, tracked.split("\0")):
        path = REPO / name
        if not path.is_file() or path.suffix not in {".md", ".py", ".toml", ".json", ".mjs", ".yml", ".cfg"}:
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(keepends=True), 1):
            if line.startswith(CONFLICT_MARKERS):
                found.append(f"{name}:{number}: {line.rstrip()}")
    assert found == [], "unresolved merge conflicts:\n" + "\n".join(found)
